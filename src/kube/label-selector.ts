import { InputError } from '../util/errors.js';

/**
 * metav1.LabelSelector: parsed from kubectl's syntax, formatted back for `labelSelector=` on list calls, and matched
 * against labels where objects are already in hand (hook rules, restore filters, resource modifiers).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * metav1's four operators, plus the API server's `key>n` and `key<n` (its labels.Selector has them, metav1 does not:
 * such a selector works in list calls and matching here, but cannot be written into a Velero spec).
 */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/** What metav1.LabelSelector (Velero's specs, hook rules, modifier conditions) may hold. */
export const LABEL_SELECTOR_OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Whether Velero's metav1.LabelSelector fields can hold this selector (no Gt/Lt). */
export function isMetaV1Selector(selector: LabelSelector): boolean {
  return (selector.matchExpressions ?? []).every((e) => LABEL_SELECTOR_OPERATORS.includes(e.operator));
}

const SYNTAX_FIX = "Use the API server's syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key, key>1, key<1, joined by commas";

// The API server's lexer (k8s.io/apimachinery/pkg/labels): these are tokens wherever they appear, whitespace only
// separates, and every other run of characters is an identifier.
const TOKEN = /\s*(==|!=|[=!(),<>]|[^\s=!(),<>]+)/y;
const LABEL_NAME = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Parses a selector as the API server does (labels.Parse): `app=web,tier in(a,b),!legacy,version>2`, whitespace
 * anywhere between tokens, empty values where it allows them (`key=`, `key in ()`). A typo fails here, naming the
 * input, before any work starts; the grammar is checked against a real API server by the tests.
 */
export function parseLabelSelector(raw: string, input: string): LabelSelector {
  const tokens = tokenize(raw);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const fail = (problem: string): never => {
    throw new InputError(input, `'${raw}': ${problem}`, SYNTAX_FIX);
  };
  const found = (token: string | undefined) => (token === undefined ? 'the end' : `'${token}'`);
  const identifier = (what: string): string => {
    const token = next();
    if (token === undefined || isSymbol(token)) fail(`found ${found(token)} where ${what} was expected`);
    return token!;
  };
  const key = (): string => {
    const name = identifier('a label key');
    if (!validKey(name)) fail(`'${name}' is not a valid label key`);
    return name;
  };
  const value = (token: string): string => {
    if (token.length > 63 || (token !== '' && !LABEL_NAME.test(token))) fail(`'${token}' is not a valid label value`);
    return token;
  };
  const endOfTerm = () => {
    const token = peek();
    if (token !== undefined && token !== ',') fail(`found '${token}' where ',' or the end was expected`);
  };

  const selector: LabelSelector = {};
  const expressions: LabelSelectorRequirement[] = [];
  if (tokens.length === 0) fail('is empty');
  for (;;) {
    if (peek() === '!') {
      next();
      expressions.push({ key: key(), operator: 'DoesNotExist' });
      endOfTerm();
    } else {
      const name = key();
      const operator = peek();
      if (operator === undefined || operator === ',') expressions.push({ key: name, operator: 'Exists' });
      else if (operator === '=' || operator === '==' || operator === '!=') {
        next();
        const token = peek();
        const text = token === undefined || token === ',' ? '' : value(identifier('a value'));
        if (operator === '!=') expressions.push({ key: name, operator: 'NotIn', values: [text] });
        else (selector.matchLabels ??= {})[name] = text;
        endOfTerm();
      } else if (operator === 'in' || operator === 'notin') {
        next();
        if (next() !== '(') fail(`expected '(' after '${operator}'`);
        expressions.push({ key: name, operator: operator === 'in' ? 'In' : 'NotIn', values: valueList() });
        endOfTerm();
      } else if (operator === '>' || operator === '<') {
        next();
        // The bound is a label value too, so the server takes no sign: `version>-1` is refused.
        const bound = identifier('a number');
        if (!/^\d+$/.test(bound) || !Number.isSafeInteger(Number(bound))) fail(`'${bound}' after '${operator}' is not a whole number of 0 or more`);
        expressions.push({ key: name, operator: operator === '>' ? 'Gt' : 'Lt', values: [String(Number(bound))] });
        endOfTerm();
      } else fail(`found '${operator}' where an operator (=, ==, !=, in, notin, >, <), ',' or the end was expected`);
    }
    if (next() === undefined) break;
    if (peek() === undefined) fail("found the end where a requirement was expected after ','");
  }
  if (expressions.length) selector.matchExpressions = expressions;
  return selector;

  // `(a,b)`, and the server's empty forms: `()` and `(,a)` hold the empty value too.
  function valueList(): string[] {
    const values = new Set<string>();
    if (peek() === ')') {
      next();
      return [''];
    }
    for (;;) {
      const token = next();
      if (token === ',') {
        if (values.size === 0) values.add('');
        if (peek() === ')') {
          next();
          values.add('');
          return [...values];
        }
        if (peek() === ',') values.add('');
        continue;
      }
      if (token === undefined || isSymbol(token)) fail(`found ${found(token)} where a value was expected`);
      values.add(value(token!));
      const after = next();
      if (after === ')') return [...values];
      if (after !== ',') fail(`found ${found(after)} where ',' or ')' was expected`);
      if (peek() === ')') {
        next();
        values.add('');
        return [...values];
      }
    }
  }
}

function tokenize(raw: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(raw); match; match = TOKEN.exec(raw)) tokens.push(match[1]!);
  return tokens;
}

function isSymbol(token: string): boolean {
  return /^(==|!=|[=!(),<>])$/.test(token);
}

/** A qualified name: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** The selector back in the API's query syntax, for `labelSelector=` on list calls. */
export function formatLabelSelector(selector: LabelSelector): string {
  const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
    else if (e.operator === 'Gt' || e.operator === 'Lt') terms.push(`${e.key}${e.operator === 'Gt' ? '>' : '<'}${e.values?.[0] ?? ''}`);
    else terms.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return terms.join(',');
}

/** Every matchLabels pair and every matchExpressions requirement must hold; an empty selector matches everything. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = (key: string) => labels !== undefined && Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels![key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (!requirementHolds(operator, has(key), has(key) ? labels![key]! : '', values)) return false;
  }
  return true;
}

function requirementHolds(operator: LabelSelectorOperator, present: boolean, value: string, values: readonly string[]): boolean {
  switch (operator) {
    case 'In':
      return present && values.includes(value);
    case 'NotIn':
      // Kubernetes' meaning: a pod without the label is "not in" any set.
      return !present || !values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      // As the API server: only a label holding a whole number compares; anything else does not match.
      if (!present || !/^\d+$/.test(value)) return false;
      const [label, bound] = [Number(value), Number(values[0])];
      return operator === 'Gt' ? label > bound : label < bound;
    }
  }
}

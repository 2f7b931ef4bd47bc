import { InputError } from '../util/errors.js';

/**
 * metav1.LabelSelector: parsed from kubectl's syntax, formatted back for `labelSelector=` on list calls, and matched
 * against labels where objects are already in hand (hook rules, restore filters, resource modifiers).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const KEY = String.raw`(?:[a-z0-9A-Z.-]+/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?`;
const VALUE = String.raw`(?:[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?`;
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`);
const EXISTS = new RegExp(`^(!)?\\s*(${KEY})$`);

/**
 * Parses kubectl's selector syntax (`app=web,tier in (a,b),!legacy`) into a LabelSelector. The API server does
 * the matching; parsing here catches a typo with a message naming the input before any work starts.
 */
export function parseLabelSelector(raw: string, input: string): LabelSelector {
  const selector: LabelSelector = {};
  for (const term of splitTerms(raw)) {
    let m: RegExpExecArray | null;
    if ((m = EQUALITY.exec(term))) {
      const [key, op, value] = [m[1]!, m[3]!, m[4] ?? ''];
      if (op === '!=') (selector.matchExpressions ??= []).push({ key, operator: 'NotIn', values: [value] });
      else (selector.matchLabels ??= {})[key] = value;
    } else if ((m = SET.exec(term))) {
      const values = m[4]!.split(',').map((v) => v.trim()).filter(Boolean);
      (selector.matchExpressions ??= []).push({ key: m[1]!, operator: m[3] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = EXISTS.exec(term))) {
      (selector.matchExpressions ??= []).push({ key: m[2]!, operator: m[1] ? 'DoesNotExist' : 'Exists' });
    } else {
      throw new InputError(input, `'${term}' in '${raw}' is not a label selector term`, "Use kubectl's syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key");
    }
  }
  if (!selector.matchLabels && !selector.matchExpressions) throw new InputError(input, 'is empty');
  return selector;
}

/** Splits on commas outside parentheses. */
function splitTerms(raw: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of raw) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  terms.push(current.trim());
  return terms.filter((t) => t.length > 0);
}

/** The selector back in the API's query syntax, for `labelSelector=` on list calls. */
export function formatLabelSelector(selector: LabelSelector): string {
  const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
    else terms.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return terms.join(',');
}

/** Every matchLabels pair and every matchExpressions requirement must hold; an empty selector matches everything. */
export type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number];
export type LabelSelectorOperator = LabelSelectorRequirement['operator'];

export const LABEL_SELECTOR_OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

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
  }
}

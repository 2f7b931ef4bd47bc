import { LABEL_SELECTOR_OPERATORS, type LabelSelector, type LabelSelectorOperator } from '../kube/label-selector.js';
import { InputError } from '../util/errors.js';

/**
 * Reads untyped YAML/JSON into typed values. Every mistake becomes an InputError whose problem starts with the exact
 * path (`resources[0].pre[1].exec.onError`), so a user can find the line without guessing.
 */
export class ShapeReader {
  constructor(readonly input: string) {}

  fail(path: string, problem: string, fix?: string): never {
    throw new InputError(this.input, `${path}: ${problem}`, fix);
  }

  /**
   * A mapping with only the keys listed. Unknown keys are refused rather than ignored: a misspelt `onEror` or
   * `labelSelectors` silently dropped would run a hook where the user asked for none, or skip a freeze.
   */
  mapping(value: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (!isMapping(value)) this.fail(path, `expected a mapping, found ${describe(value)}`);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(path, `unknown field '${key}'`, `Known fields: ${known.join(', ')}`);
    }
    return value;
  }

  /** null and absent are the same thing, as in Velero's nullable fields. */
  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `expected a list, found ${describe(value)}`);
    return value;
  }

  stringList(value: unknown, path: string): string[] {
    return this.list(value, path).map((item, i) => this.string(item, `${path}[${i}]`));
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') {
      const quoted = typeof value === 'number' || typeof value === 'boolean';
      this.fail(path, `expected a string, found ${describe(value)}`, quoted ? `Quote it: '${String(value)}'` : undefined);
    }
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  stringMap(value: unknown, path: string): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) this.fail(path, `expected a mapping, found ${describe(value)}`);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.string(item, `${path}.${key}`);
    return out;
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

/**
 * A metav1.LabelSelector written as YAML (hook rules, resource modifier conditions), checked by Kubernetes' own rules
 * (LabelSelectorAsSelector): known operators, In/NotIn with values, Exists/DoesNotExist without. Empty parts are left out.
 */
export function readLabelSelector(shape: ShapeReader, raw: unknown, path: string): LabelSelector {
  const fields = shape.mapping(raw, path, ['matchLabels', 'matchExpressions']);
  const selector: LabelSelector = {};
  const matchLabels = shape.stringMap(fields.matchLabels, `${path}.matchLabels`);
  if (Object.keys(matchLabels).length) selector.matchLabels = matchLabels;
  const expressions = shape.list(fields.matchExpressions, `${path}.matchExpressions`).map((item, i) => {
    const where = `${path}.matchExpressions[${i}]`;
    const e = shape.mapping(item, where, ['key', 'operator', 'values']);
    const key = shape.optionalString(e.key, `${where}.key`);
    if (!key) shape.fail(`${where}.key`, 'is missing');
    const operator = shape.optionalString(e.operator, `${where}.operator`) ?? '';
    if (!(LABEL_SELECTOR_OPERATORS as readonly string[]).includes(operator)) {
      shape.fail(`${where}.operator`, operator ? `'${operator}' is not a label selector operator` : 'is missing', 'Use In, NotIn, Exists or DoesNotExist');
    }
    const values = shape.stringList(e.values, `${where}.values`);
    const takesValues = operator === 'In' || operator === 'NotIn';
    if (takesValues && values.length === 0) shape.fail(`${where}.values`, `must not be empty for operator ${operator}`);
    if (!takesValues && values.length > 0) shape.fail(`${where}.values`, `must be empty for operator ${operator}`);
    return { key, operator: operator as LabelSelectorOperator, values };
  });
  if (expressions.length) selector.matchExpressions = expressions;
  return selector;
}

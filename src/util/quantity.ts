/**
 * Kubernetes resource quantities (`10Gi`, `500M`, `1.5`, `1e3`, `100m`), parsed as apimachinery's ParseQuantity
 * accepts them and compared exactly. Values are held as whole nano-units in a bigint, which is exactly the precision
 * Kubernetes keeps: it rounds any finer value up (away from zero) to the next nano-unit.
 */
export class Quantity {
  static readonly ZERO = new Quantity(0n);

  /** The value in units of 10^-9 (so `1` is 1_000_000_000n). */
  private constructor(readonly nanos: bigint) {}

  static fromNanos(nanos: bigint): Quantity {
    return nanos === 0n ? Quantity.ZERO : new Quantity(nanos);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other` (apimachinery's Cmp). */
  compare(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Plain decimal, without a suffix: `10737418240`, `0.5`, `-0.001`. */
  toString(): string {
    const negative = this.nanos < 0n;
    const magnitude = negative ? -this.nanos : this.nanos;
    const whole = (magnitude / NANOS_PER_UNIT).toString();
    const fraction = (magnitude % NANOS_PER_UNIT).toString().padStart(9, '0').replace(/0+$/, '');
    return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  }

  /** JSON cannot hold a bigint; settings that carry a Quantity still stringify. */
  toJSON(): string {
    return this.toString();
  }
}

/** Why a text is not a quantity; the message is a phrase to follow "'5GB' is not a Kubernetes quantity: ". */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const NANOS_PER_UNIT = 1_000_000_000n;
/** apimachinery caps SI-suffixed quantities at the largest int64 (its maxAllowed); exponent forms are not capped. */
const MAX_SI_NANOS = (2n ** 63n - 1n) * NANOS_PER_UNIT;
/** Far beyond any real quantity, and small enough that 10^exponent stays cheap to compute. */
const MAX_EXPONENT = 10_000;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * The grammar of apimachinery's parseQuantityString: an optional sign, digits with at most one '.', then a suffix made
 * of the suffix letters, an optional sign and digits. Either digit run may be empty (`.5`, `5.`; Kubernetes even takes
 * `-` or `Gi` alone as zero). Whitespace anywhere is refused, as Kubernetes refuses it.
 */
const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)$/;

type Suffix = { base: 2 | 10; exponent: number; capped: boolean };

/**
 * Parses `text` as Kubernetes does: binary suffixes (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI suffixes (n, u, m, k, M, G,
 * T, P, E), plain numbers and decimal exponents (`1e3`, `5E-2`). Suffixes are case-sensitive (`1K`, `1gi`, `5GB` are
 * refused). Throws QuantityError.
 */
export function parseQuantity(text: string): Quantity {
  if (text === '') throw new QuantityError('it is empty');
  const shape = SHAPE.exec(text);
  if (!shape) throw new QuantityError(describeShapeProblem(text));
  const [, sign, whole = '', fraction = '', suffixText = ''] = shape;
  const suffix = interpretSuffix(suffixText);
  const digits = BigInt(`${whole}${fraction}` || '0');

  // value = digits / 10^fraction.length * base^exponent, in nano-units rounded up in magnitude.
  let numerator = digits * NANOS_PER_UNIT;
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix.base === 2) numerator *= 2n ** BigInt(suffix.exponent);
  else if (suffix.exponent >= 0) numerator *= 10n ** BigInt(suffix.exponent);
  else denominator *= 10n ** BigInt(-suffix.exponent);
  let nanos = (numerator + denominator - 1n) / denominator;
  if (suffix.capped && nanos > MAX_SI_NANOS) nanos = MAX_SI_NANOS;
  return Quantity.fromNanos(sign === '-' ? -nanos : nanos);
}

function interpretSuffix(suffix: string): Suffix {
  const decimal = DECIMAL_SUFFIXES[suffix];
  if (decimal !== undefined) return { base: 10, exponent: decimal, capped: true };
  const binary = BINARY_SUFFIXES[suffix];
  if (binary !== undefined) return { base: 2, exponent: binary, capped: true };
  const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exponent) {
    const value = Number(exponent[1]);
    if (Math.abs(value) > MAX_EXPONENT) throw new QuantityError(`the exponent ${exponent[1]} is out of range`);
    return { base: 10, exponent: value, capped: false };
  }
  throw new QuantityError(unknownSuffix(suffix));
}

function unknownSuffix(suffix: string): string {
  return `'${suffix}' is not a quantity suffix (binary Ki, Mi, Gi, Ti, Pi, Ei; decimal n, u, m, k, M, G, T, P, E; or an exponent such as e3)`;
}

function describeShapeProblem(text: string): string {
  if (/\s/.test(text)) return 'it contains whitespace';
  const suffix = /^[+-]?[0-9]*(?:\.[0-9]*)?([^0-9.+-].*)$/.exec(text);
  if (suffix) return unknownSuffix(suffix[1]!);
  return 'it is not a number with an optional suffix (such as 10Gi, 500M, 1.5 or 1e3)';
}

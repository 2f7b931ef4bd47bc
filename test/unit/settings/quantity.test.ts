import { describe, expect, it } from '@jest/globals';
import { parseQuantity, Quantity, QuantityError } from '../../../src/util/quantity.js';

const KI = 1024n;
const nanos = (units: bigint) => units * 1_000_000_000n;

describe('parseQuantity (apimachinery ParseQuantity)', () => {
  it.each<[string, bigint]>([
    // plain numbers
    ['0', 0n],
    ['1', nanos(1n)],
    ['+12', nanos(12n)],
    ['-3', nanos(-3n)],
    ['007', nanos(7n)],
    ['1.5', 1_500_000_000n],
    ['.5', 500_000_000n],
    ['5.', nanos(5n)],
    // binary suffixes
    ['1Ki', nanos(KI)],
    ['10Gi', nanos(10n * KI ** 3n)],
    ['1.5Gi', nanos(3n * KI ** 3n) / 2n],
    ['2Ti', nanos(2n * KI ** 4n)],
    ['1Pi', nanos(KI ** 5n)],
    ['3Ei', nanos(3n * KI ** 6n)],
    // decimal SI suffixes
    ['100m', 100_000_000n],
    ['1n', 1n],
    ['5u', 5_000n],
    ['1k', nanos(1000n)],
    ['500M', nanos(500_000_000n)],
    ['10G', nanos(10n ** 10n)],
    ['1T', nanos(10n ** 12n)],
    ['1P', nanos(10n ** 15n)],
    ['2E', nanos(2n * 10n ** 18n)],
    // decimal exponents
    ['1e3', nanos(1000n)],
    ['1E3', nanos(1000n)],
    ['1e+3', nanos(1000n)],
    ['5e-1', 500_000_000n],
    ['12e0', nanos(12n)],
    // Kubernetes rounds anything finer than a nano-unit up, away from zero
    ['0.0000000001', 1n],
    ['-0.0000000001', -1n],
    ['1e-10', 1n],
    // SI values are capped at the largest int64; exponent forms are not
    ['16Ei', nanos(2n ** 63n - 1n)],
    ['9999999999999999999', nanos(2n ** 63n - 1n)],
    ['1e19', nanos(10n ** 19n)],
    // oddities Kubernetes accepts as zero
    ['-', 0n],
    ['Gi', 0n],
    ['.', 0n]
  ])('%s → %s nano-units', (text, expected) => expect(parseQuantity(text).nanos).toBe(expected));

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['5GB', /'GB' is not a quantity suffix/],
    ['1K', /'K' is not a quantity suffix/],
    ['1gi', /'gi' is not a quantity suffix/],
    ['1Mi1', /'Mi1' is not a quantity suffix/],
    ['1e', /'e' is not a quantity suffix/],
    ['.5i', /'i' is not a quantity suffix/],
    ['1.1.1', /not a number/],
    ['abc', /'abc' is not a quantity suffix/],
    ['1e3.5', /'e3.5' is not a quantity suffix/],
    ['1+1.0M', /not a number/],
    [' 1', /whitespace/],
    ['1 Gi', /whitespace/],
    ['1e99999', /out of range/]
  ])('refuses %j', (text, message) => {
    expect(() => parseQuantity(text)).toThrow(QuantityError);
    expect(() => parseQuantity(text)).toThrow(message);
  });

  it('compares exactly across suffixes', () => {
    expect(parseQuantity('1Gi').compare(parseQuantity('1073741824'))).toBe(0);
    expect(parseQuantity('1G').compare(parseQuantity('1Gi'))).toBe(-1);
    expect(parseQuantity('1001m').compare(parseQuantity('1'))).toBe(1);
    expect(parseQuantity('1Ei').compare(parseQuantity('1E'))).toBe(1);
    expect(parseQuantity('0Gi').isZero()).toBe(true);
    expect(parseQuantity('-0').isZero()).toBe(true);
  });

  it('prints plain decimals, also through JSON', () => {
    expect(parseQuantity('1Gi').toString()).toBe('1073741824');
    expect(parseQuantity('100m').toString()).toBe('0.1');
    expect(parseQuantity('-1.25').toString()).toBe('-1.25');
    expect(Quantity.ZERO.toString()).toBe('0');
    expect(JSON.stringify({ q: parseQuantity('2k') })).toBe('{"q":"2000"}');
  });
});

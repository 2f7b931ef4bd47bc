import { describe, expect, it } from '@jest/globals';
import { parseNamespaceMappings, parseStorageClassMappings } from '../../../src/settings/mappings.js';
import { InputError } from '../../../src/util/errors.js';

describe('parseNamespaceMappings', () => {
  it.each<[string | undefined, Record<string, string>]>([
    [undefined, {}],
    ['', {}],
    ['prod:staging', { prod: 'staging' }],
    ['abc:def, 123:456', { abc: 'def', '123': '456' }],
    ['a:b\nc:d\n', { a: 'b', c: 'd' }],
    [' a : b ', { a: 'b' }],
    ['a:x,b:x', { a: 'x', b: 'x' }]
  ])('%j → %j', (raw, expected) => expect(parseNamespaceMappings(raw)).toEqual(expected));

  it.each<[string, RegExp]>([
    ['prod', /'prod' is not a mapping/],
    ['prod:', /'prod:' is not a mapping/],
    [':staging', /is not a mapping/],
    ['a:b:c', /'a:b:c' is not a mapping/],
    ['Prod:staging', /'Prod' in 'Prod:staging' is not a valid namespace name/],
    ['prod:staging_2', /'staging_2' .* is not a valid namespace name/],
    [`prod:${'x'.repeat(64)}`, /is not a valid namespace name/],
    ['prod:a,prod:b', /namespace 'prod' is mapped twice \(to 'a' and 'b'\)/]
  ])('refuses %j', (raw, message) => {
    expect(() => parseNamespaceMappings(raw, 'namespace-mappings')).toThrow(InputError);
    expect(() => parseNamespaceMappings(raw, 'namespace-mappings')).toThrow(message);
    expect(() => parseNamespaceMappings(raw, 'namespace-mappings')).toThrow(/^Input 'namespace-mappings'/);
  });
});

describe('parseStorageClassMappings', () => {
  it('reads old:new pairs, dots allowed', () => {
    expect(parseStorageClassMappings('gp2:gp3,standard:fast.ssd')).toEqual({ gp2: 'gp3', standard: 'fast.ssd' });
  });
  it('names its input in errors', () => {
    expect(() => parseStorageClassMappings('gp2', 'storage-class-mappings')).toThrow(/^Input 'storage-class-mappings': 'gp2' is not a mapping/);
    expect(() => parseStorageClassMappings('gp2:GP3')).toThrow(/not a valid storage class name/);
  });
});

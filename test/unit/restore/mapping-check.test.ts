import { describe, expect, it } from '@jest/globals';
import { checkMappingSources } from '../../../src/restore/plan/mapping-check.js';

describe('namespace mapping sources', () => {
  const held = new Set(['shop', 'shop-db']);

  it('passes mappings of namespaces the backup holds, and no mappings at all', () => {
    expect(() => checkMappingSources({ shop: 'shop-copy', 'shop-db': 'db-copy' }, held, 'b')).not.toThrow();
    expect(() => checkMappingSources({}, new Set(), 'b')).not.toThrow();
  });

  it('refuses a source the backup holds nothing of, naming it and what the backup holds', () => {
    expect(() => checkMappingSources({ shpo: 'shop-copy', shop: 'x' }, held, 'nightly')).toThrow(
      "Input 'namespace-mappings': maps 'shpo', of which backup 'nightly' holds nothing (its namespaces: shop, shop-db); nothing was written. Map namespaces the backup holds (the source comes first: source:target)"
    );
    expect(() => checkMappingSources({ a: 'b' }, new Set(), 'empty')).toThrow(/its namespaces: none/);
    const many = new Set(Array.from({ length: 12 }, (_, i) => `ns-${String(i).padStart(2, '0')}`));
    expect(() => checkMappingSources({ a: 'b' }, many, 'big')).toThrow(/ns-00, .*, ns-09 and 2 more\)/);
  });
});

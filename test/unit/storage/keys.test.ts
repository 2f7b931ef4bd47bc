import { describe, expect, it } from '@jest/globals';
import { checkPathKey, compareKeys, KeyPrefix } from '../../../src/storage/keys.js';

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, as S3 lists', () => {
    // U+FF5E sorts after U+1F389 in UTF-16 code units (0xD83C) but before it in UTF-8 bytes (EF BD BE < F0 9F).
    expect(['\u{1F389}', '\uFF5E', 'a/b', 'a-b', 'A', 'a.b'].sort(compareKeys)).toEqual(['A', 'a-b', 'a.b', 'a/b', '\uFF5E', '\u{1F389}']);
  });
});

describe('checkPathKey', () => {
  it.each(['a', 'a/b.txt', 'with space/ünï 日本', '.hidden', 'a/..b', 'a/b..'])('accepts the key %j', (key) => {
    expect(() => checkPathKey(key)).not.toThrow();
  });
  it.each(['', '/abs', 'a/', '..', '../a', 'a/../b', 'a/./b', 'a//b', 'a\\b', 'a\0b'])('refuses the key %j', (key) => {
    expect(() => checkPathKey(key)).toThrow(/invalid object key/);
  });
  it.each(['', 'a', 'a/', 'a/b', 'a/b/', 'a/..b'])('accepts the prefix %j', (prefix) => {
    expect(() => checkPathKey(prefix, 'prefix')).not.toThrow();
  });
  it.each(['../', 'a/../', '/a', 'a//'])('refuses the prefix %j', (prefix) => {
    expect(() => checkPathKey(prefix, 'prefix')).toThrow(/invalid object prefix/);
  });
});

describe('KeyPrefix', () => {
  it('adds the prefix to keys and strips it from listed ones', () => {
    const keys = new KeyPrefix('cluster-a/');
    expect(keys.full('backups/x.json')).toBe('cluster-a/backups/x.json');
    expect(keys.relative('cluster-a/backups/x.json')).toBe('backups/x.json');
    expect(() => keys.relative('cluster-b/x')).toThrow(/outside the prefix/);
  });
  it('is the identity for the empty prefix', () => {
    const keys = new KeyPrefix('');
    expect(keys.full('a')).toBe('a');
    expect(keys.relative('a')).toBe('a');
  });
  it('refuses a prefix without its trailing slash', () => {
    expect(() => new KeyPrefix('cluster-a')).toThrow(/end with '\/'/);
  });
});

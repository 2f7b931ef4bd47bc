import { describe, expect, it } from '@jest/globals';
import { matchesLabelSelector, type LabelSelector } from '../../../../src/kube/label-selector.js';

const labels = { app: 'db', tier: 'a', empty: '' };

describe('matchesLabelSelector', () => {
  const cases: [string, LabelSelector, Record<string, string> | undefined, boolean][] = [
    ['empty selector matches anything', {}, labels, true],
    ['empty selector matches a pod without labels', {}, undefined, true],
    ['matchLabels equal', { matchLabels: { app: 'db' } }, labels, true],
    ['matchLabels all pairs must hold', { matchLabels: { app: 'db', tier: 'b' } }, labels, false],
    ['matchLabels different value', { matchLabels: { app: 'web' } }, labels, false],
    ['matchLabels missing key', { matchLabels: { zone: 'x' } }, labels, false],
    ['matchLabels empty value matches an empty label', { matchLabels: { empty: '' } }, labels, true],
    ['matchLabels against no labels', { matchLabels: { app: 'db' } }, undefined, false],
    ['In: value in set', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, labels, true],
    ['In: value not in set', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'c'] }] }, labels, false],
    ['In: label absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels, false],
    ['NotIn: value not in set', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b'] }] }, labels, true],
    ['NotIn: value in set', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, labels, false],
    ['NotIn: label absent matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels, true],
    ['Exists: present', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels, true],
    ['Exists: present with empty value', { matchExpressions: [{ key: 'empty', operator: 'Exists' }] }, labels, true],
    ['Exists: absent', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist: absent', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist: present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels, false],
    ['DoesNotExist with no labels', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, undefined, true],
    ['label named like an Object.prototype key is not present', { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, labels, false],
    [
      'matchLabels and expressions are ANDed (all hold)',
      { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'DoesNotExist' }] },
      labels,
      true
    ],
    [
      'matchLabels and expressions are ANDed (one fails)',
      { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }, { key: 'app', operator: 'DoesNotExist' }] },
      labels,
      false
    ]
  ];
  it.each(cases)('%s', (_name, selector, podLabels, expected) => {
    expect(matchesLabelSelector(selector, podLabels)).toBe(expected);
  });
});

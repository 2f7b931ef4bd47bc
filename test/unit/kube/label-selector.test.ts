import { describe, expect, it } from '@jest/globals';
import { formatLabelSelector, parseLabelSelector } from '../../../src/kube/label-selector.js';

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', { matchLabels: { app: 'web' } }],
    ['app==web,tier=fe', { matchLabels: { app: 'web', tier: 'fe' } }],
    ['app.kubernetes.io/name=db', { matchLabels: { 'app.kubernetes.io/name': 'db' } }],
    ['env!=prod', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }],
    ['tier in (a, b),zone notin (x)', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'zone', operator: 'NotIn', values: ['x'] }] }],
    ['backup, !legacy', { matchExpressions: [{ key: 'backup', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' }] }],
    ['empty=', { matchLabels: { empty: '' } }]
  ])('%s', (raw, expected) => {
    const parsed = parseLabelSelector(raw, 'selector');
    expect(parsed).toEqual(expected);
    expect(parseLabelSelector(formatLabelSelector(parsed), 'selector')).toEqual(parsed);
  });

  it.each(['app=web=x', 'app in a,b', '=web', 'a b', ' , '])('refuses %j naming the input', (raw) => {
    expect(() => parseLabelSelector(raw, 'selector')).toThrow(/^Input 'selector': /);
  });
});

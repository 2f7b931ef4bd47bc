import { describe, expect, it } from '@jest/globals';
import { markdownTable } from '../../../src/report/table.js';
import { markdownToText } from '../../../src/report/terminal-text.js';

describe('a job-summary report as terminal text', () => {
  it.each([
    ['## Backup `nightly`: Completed', 'Backup nightly: Completed'],
    ['### Items per namespace', 'Items per namespace:'],
    ['**Failed:** the store refused', 'Failed: the store refused'],
    ['- shop: `cm/a` failed', '- shop: cm/a failed'],
    ['plain text stays', 'plain text stays']
  ])('%s', (markdown, text) => {
    expect(markdownToText(markdown)).toBe(text);
  });

  it('renders a table as aligned columns, escaped pipes restored', () => {
    const markdown = ['### Items', '', markdownTable(['Resource', 'Items'], [['configmaps', '12'], ['a|b', '3']]), ''].join('\n');
    expect(markdownToText(markdown)).toBe(['Items:', '', '  RESOURCE     ITEMS', '  configmaps   12', '  a|b          3'].join('\n'));
  });

  it('keeps one blank line between sections', () => {
    expect(markdownToText('## A\n\n\n\nb\n\n')).toBe('A\n\nb');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { END_MARKER, START_MARKER, inputsBlock, withInputsBlock } from '../../../scripts/readme-inputs.js';
import { repoRoot } from '../../support/environment.js';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const actionYaml = fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');

describe("README.md's inputs and outputs tables", () => {
  it('are what npm run docs makes of action.yml', () => {
    const regenerated = withInputsBlock(readme, actionYaml);
    if (regenerated !== readme) {
      const current = readme.slice(readme.indexOf(START_MARKER), readme.indexOf(END_MARKER) + END_MARKER.length).split('\n');
      const wanted = inputsBlock(actionYaml).split('\n');
      const first = wanted.findIndex((line, i) => line !== current[i]);
      throw new Error(`README.md's inputs table differs from action.yml (first at table line ${first + 1}: ${JSON.stringify(wanted[first] ?? '')}): run npm run docs`);
    }
  });
});

describe('inputsBlock', () => {
  const yaml = [
    'inputs:',
    '  mode:',
    '    description: What to do.',
    '    required: true',
    '  ttl:',
    '    description: >-',
    '      How long a backup is kept',
    '      (a Go duration | hours).',
    '    default: 720h',
    '  context:',
    "    description: 'kubeconfig context.'",
    'outputs:',
    '  phase:',
    '    description: Completed or Failed.'
  ].join('\n');

  it('renders one row per input and output, folded to one line, pipes escaped, required or default shown', () => {
    expect(inputsBlock(yaml).split('\n')).toEqual([
      START_MARKER,
      '<!-- Generated from action.yml by `npm run docs`: edit action.yml, then run it. -->',
      '',
      '| Input | Default | Description |',
      '| --- | --- | --- |',
      '| `mode` | required | What to do. |',
      '| `ttl` | `720h` | How long a backup is kept (a Go duration \\| hours). |',
      '| `context` |  | kubeconfig context. |',
      '',
      '| Output | Description |',
      '| --- | --- |',
      '| `phase` | Completed or Failed. |',
      END_MARKER
    ]);
  });

  it('replaces only what lies between the markers, and refuses a README without them', () => {
    const doc = `# T\n\nbefore\n${START_MARKER}\nold table\n${END_MARKER}\nafter\n`;
    expect(withInputsBlock(doc, yaml)).toBe(`# T\n\nbefore\n${inputsBlock(yaml)}\nafter\n`);
    expect(() => withInputsBlock('# no markers\n', yaml)).toThrow(/needs the markers <!-- inputs:start --> and <!-- inputs:end -->/);
  });
});

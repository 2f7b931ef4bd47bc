import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ALL_INPUTS } from '../../../src/settings/input-catalog.js';
import { TOOL_VERSION } from '../../../src/util/version.js';
import { repoRoot } from '../../support/environment.js';

const action = parse(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs?: Record<string, unknown>; runs: { using: string; main: string } };
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares exactly the inputs the engine reads', () => {
    const declared = Object.keys(action.inputs).sort();
    const read = ['mode', 'kubeconfig', ...ALL_INPUTS.map((i) => i.name)].sort();
    expect(declared).toEqual(read);
  });
});

describe('version', () => {
  it('matches package.json', () => expect(TOOL_VERSION).toBe(pkg.version));
});

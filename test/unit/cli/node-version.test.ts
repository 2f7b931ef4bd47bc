import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nodeVersionProblem } from '../../../src/cli/node-version.js';
import { repoRoot } from '../../support/environment.js';

/** The machine's own Node (this kind of machine comes with Node 20), not the Node 24 the project installs. */
function machineNode(): string | undefined {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !d.includes('node_modules'));
  return directories.map((d) => path.join(d, 'node')).find((file) => fs.existsSync(file));
}

describe('the Node.js version check the bin runs first', () => {
  it.each([
    ['24.0.0', false],
    ['24.21.0', false],
    ['25.1.0', false],
    ['20.20.2', true],
    ['22.12.0', true],
    ['garbage', true]
  ])('Node %s: refused %s', (version, refused) => {
    expect(nodeVersionProblem(version) !== undefined).toBe(refused);
  });

  it('says in one line which version is needed and how to get it', () => {
    const message = nodeVersionProblem('20.20.2')!;
    expect(message).toBe("kube-backup needs Node.js 24 or newer, and this is Node.js 20.20.2: install Node.js 24 (https://nodejs.org, or 'nvm install 24') and run kube-backup with it");
    expect(message).not.toContain('\n');
  });

  it('is what the bundled CLI says on the machine\'s older Node, instead of a stack trace', () => {
    const node = machineNode();
    const version = node ? spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';
    // This kind of machine's own Node is 20; should that change, this fails rather than pass without trying one.
    expect({ node, old: Number.parseInt(version, 10) < 24 }).toEqual({ node: expect.any(String), old: true });
    const run = spawnSync(node!, [path.join(repoRoot, 'dist/cli/index.js'), 'backup', 'get'], { encoding: 'utf8' });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 1, stdout: '', stderr: `error: ${nodeVersionProblem(version)}\n` });
  });
});

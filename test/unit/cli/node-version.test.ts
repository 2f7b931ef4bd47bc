import { describe, expect, it } from '@jest/globals';
import { nodeVersionProblem } from '../../../src/cli/node-version.js';

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
});

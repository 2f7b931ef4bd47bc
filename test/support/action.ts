import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './environment.js';

export interface ActionRun {
  status: number | null;
  /** stdout and stderr together: the job log. */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * The bundled action (dist/index.js, or KUBE_BACKUP_TEST_BUNDLE to try a bundle built elsewhere) run the way the
 * runner runs it: inputs as INPUT_* variables, outputs and the summary through the files GitHub names, and only what a
 * runner sets in the environment (no KUBECONFIG or AWS_* from the developer's shell).
 */
export function runActionBundle(work: string, inputs: Record<string, string>, extraEnv: Record<string, string> = {}): ActionRun {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const outputFile = path.join(work, `output-${stamp}`);
  const summaryFile = path.join(work, `summary-${stamp}`);
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  const inputVars = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]));
  const bundle = process.env.KUBE_BACKUP_TEST_BUNDLE || path.join(repoRoot, 'dist/index.js');
  const result = spawnSync(path.join(repoRoot, 'node_modules/.bin/node'), [bundle], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: work, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: work, RUNNER_TEMP: work, ...extraEnv, ...inputVars }
  });
  const outputs: Record<string, string> = {};
  const text = fs.readFileSync(outputFile, 'utf8');
  for (const m of text.matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { status: result.status, stdout: result.stdout + result.stderr, outputs, summary: fs.readFileSync(summaryFile, 'utf8') };
}

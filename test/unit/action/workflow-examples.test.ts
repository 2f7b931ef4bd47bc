import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { repoRoot } from '../../support/environment.js';

// The examples are copied into users' repositories as they are, so every step that uses this action may pass only
// inputs action.yml declares, and a literal mode must be one it has: an input renamed or removed fails here.
const action = parse(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, { description?: string }> };
const declared = new Set(Object.keys(action.inputs));
const modes = (action.inputs.mode?.description ?? '').toLowerCase();
const folder = path.join(repoRoot, 'workflows-examples');
const files = fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on?: unknown;
  jobs?: Record<string, { steps?: Step[] }>;
}

/** `./`, or the action's published name (`<owner>/kube-backup-action@<ref>`). */
const usesThisAction = (uses: string | undefined) => uses !== undefined && (uses === './' || uses === '.' || /^[\w.-]+\/kube-backup-action@/.test(uses));

function actionSteps(file: string): { job: string; step: Step }[] {
  const workflow = parse(fs.readFileSync(path.join(folder, file), 'utf8')) as Workflow;
  expect(workflow.on).toBeDefined();
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, { steps }]) => (steps ?? []).filter((s) => usesThisAction(s.uses)).map((step) => ({ job, step })));
}

describe('workflows-examples/', () => {
  it('holds the examples the README names', () => {
    expect(files).toEqual(expect.arrayContaining(['nightly-backup.yml', 'pre-upgrade-backup.yml', 'backup-oidc-credentials.yml', 'backup-secret-credentials.yml', 'backup-cluster-matrix.yml']));
  });

  it.each(files.map((f) => [f]))('%s uses the action, and passes it only inputs action.yml declares', (file) => {
    const steps = actionSteps(file);
    expect(steps.length).toBeGreaterThan(0);
    for (const { job, step } of steps) {
      const undeclared = Object.keys(step.with ?? {}).filter((input) => !declared.has(input));
      expect({ job, undeclared }).toEqual({ job, undeclared: [] });
      const mode = step.with?.mode;
      expect(typeof mode).toBe('string');
      if (!String(mode).includes('${{')) expect(modes).toContain(String(mode));
    }
  });

  it('catches an undeclared input', () => {
    const step: Step = { uses: 'your-org/kube-backup-action@v1', with: { mode: 'backup', 'include-namespace': 'shop' } };
    expect(usesThisAction(step.uses)).toBe(true);
    expect(Object.keys(step.with!).filter((input) => !declared.has(input))).toEqual(['include-namespace']);
  });
});

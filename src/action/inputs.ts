import fs from 'node:fs';
import os from 'node:os';
import * as core from '@actions/core';
import { kubeconfigSecrets, type KubeconfigSource } from '../kube/kubeconfig.js';
import { ALL_INPUTS } from '../settings/input-catalog.js';
import type { InputReader } from '../settings/input-reader.js';
import type { ProcessContext } from '../settings/settings.js';

/**
 * Action inputs as an InputReader. The kubeconfig is masked whole and credential by credential before anything
 * can log it: the runner does not reliably mask the lines of a multi-line secret on their own.
 */
export function actionInputReader(): InputReader {
  const kubeconfig = core.getInput('kubeconfig');
  if (kubeconfig) {
    core.setSecret(kubeconfig);
    for (const secret of kubeconfigSecrets(kubeconfig)) core.setSecret(secret);
  }
  // Keys and passphrases the same way: whole, and line by line (a key file's body; PEM armour and comments are no secret).
  for (const input of ALL_INPUTS.filter((i) => i.secret)) {
    const value = core.getInput(input.name).trim();
    if (!value) continue;
    core.setSecret(value);
    for (const line of value.split(/\r?\n/)) if (line.trim() && !/^(-----|#)/.test(line.trim())) core.setSecret(line.trim());
  }
  return { get: (name) => core.getInput(name).trim() || undefined };
}

/**
 * A kubeconfig found in files ($KUBECONFIG, ~/.kube/config, as `aws eks update-kubeconfig` leaves it) holds
 * credentials as much as the input does: they are masked the same way before the run logs anything.
 */
export function maskKubeconfigFiles(source: KubeconfigSource): void {
  if (source.kind !== 'files') return;
  for (const file of source.paths) {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // a missing file is the kubeconfig loader's error to report
    }
    for (const secret of kubeconfigSecrets(content)) core.setSecret(secret);
  }
}

export function actionProcessContext(): ProcessContext {
  return {
    workingDirectory: process.env.GITHUB_WORKSPACE || process.cwd(),
    env: {
      KUBECONFIG: process.env.KUBECONFIG,
      KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST,
      home: os.homedir(),
      exists: (file) => fs.existsSync(file)
    }
  };
}

import path from 'node:path';
import type { KubeconfigSource } from '../kube/kubeconfig.js';

export interface KubeconfigInputs {
  /** The action's `kubeconfig` input: a kubeconfig's content. */
  content?: string;
  /** The CLI's `--kubeconfig`: a path, as kubectl takes it. */
  path?: string;
}

/** What the caller's process environment offers; passed in, so this choice stays a pure function. */
export interface KubeconfigEnvironment {
  KUBECONFIG?: string;
  KUBERNETES_SERVICE_HOST?: string;
  home?: string;
  exists: (file: string) => boolean;
}

/**
 * kubectl's order, plus the action's secret: explicit content, an explicit path, $KUBECONFIG (a path list, as a
 * previous step such as `aws eks update-kubeconfig` leaves it), ~/.kube/config, then the ServiceAccount of a
 * runner that itself runs in the cluster. Undefined when there is nothing at all.
 */
export function chooseKubeconfigSource(inputs: KubeconfigInputs, env: KubeconfigEnvironment): KubeconfigSource | undefined {
  if (inputs.content?.trim()) return { kind: 'content', content: inputs.content };
  if (inputs.path) return { kind: 'files', paths: [inputs.path] };
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (fromEnv.length) return { kind: 'files', paths: fromEnv };
  const home = env.home ? path.join(env.home, '.kube', 'config') : undefined;
  if (home && env.exists(home)) return { kind: 'files', paths: [home] };
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  return undefined;
}

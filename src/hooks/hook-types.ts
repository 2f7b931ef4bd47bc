/**
 * Pod hooks as backup and restore run them: Velero's Backup and Restore `spec.hooks` shapes once parsed, and the
 * defaults both apply. Parsing the inputs into these is the settings' job (settings/hook-specs.ts).
 */
import type { LabelSelector } from '../kube/label-selector.js';
import { parseGoDuration } from '../util/duration.js';

/** Pre hooks run just before a pod is written into the backup, post hooks just after. */
export type HookPhase = 'pre' | 'post';

export type HookErrorMode = 'Continue' | 'Fail';

export const HOOK_ERROR_MODES: readonly HookErrorMode[] = ['Continue', 'Fail'];

/** Velero's default when a hook gives no timeout (or 0s). */
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

export interface ExecHook {
  /** Absent: the pod's first container. */
  container?: string;
  /** One argv, run without a shell. */
  command: string[];
  onError: HookErrorMode;
  timeoutMs: number;
}

/** What a hook rule selects: shared by backup rules and restore rules (Velero's ResourceHookSelector). */
export interface HookRuleSelection {
  name: string;
  /** Globs; empty means every namespace. */
  includedNamespaces: string[];
  excludedNamespaces: string[];
  /** Resource names as in include-resources; hooks only ever run on pods, so these only decide whether pods are in. */
  includedResources: string[];
  excludedResources: string[];
  labelSelector?: LabelSelector;
}

export interface ResourceHookRule extends HookRuleSelection {
  pre: ExecHook[];
  post: ExecHook[];
}

export interface BackupHooksSpec {
  resources: ResourceHookRule[];
}

/** Velero's ExecRestoreHook: a command run in a restored pod's container once it is up. */
export interface RestoreExecHook {
  /** Absent: the pod's first container. */
  container?: string;
  /** One argv, run without a shell. */
  command: string[];
  onError: HookErrorMode;
  /** How long the command may run (Velero's default 30s when absent or 0). */
  execTimeoutMs: number;
  /** How long to wait for the container to be up; absent (or 0) means no limit of the hook's own. */
  waitTimeoutMs?: number;
  /** Wait for the container to be Ready, not just running. */
  waitForReady: boolean;
}

/** Velero's InitRestoreHook: containers put before a restored pod's own init containers. */
export interface RestoreInitHook {
  /** Container specs as written (the API server validates the rest); each has a name, an image and a command. */
  initContainers: Record<string, unknown>[];
  /** Accepted and checked as Velero's API has it, but Velero never enforces it, and neither does this. */
  timeoutMs?: number;
}

/** One entry of postHooks: Velero's type allows both in one entry, each handled on its own. */
export interface RestorePostHook {
  exec?: RestoreExecHook;
  init?: RestoreInitHook;
}

export interface RestoreHookRule extends HookRuleSelection {
  postHooks: RestorePostHook[];
}

export interface RestoreHooksSpec {
  resources: RestoreHookRule[];
}

/** A Go duration as a hook timeout; 0 means Velero's default. Throws parseGoDuration's InputError. */
export function hookTimeoutMs(raw: string, inputName: string): number {
  const ms = parseGoDuration(raw, inputName);
  return ms === 0 ? DEFAULT_HOOK_TIMEOUT_MS : ms;
}

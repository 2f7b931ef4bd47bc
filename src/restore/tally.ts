import type { RunResults } from '../util/run-results.js';
import type { ApplyAction } from './apply.js';
import type { FieldChange } from '../compare/diff.js';
import type { KubeObject } from '../model/kube-object.js';

/** What happened to one item: the plan line of a dry run, the report line of a restore. */
export interface ItemOutcome {
  action: ApplyAction | 'skipped';
  groupResource: string;
  namespace?: string;
  name: string;
  reason?: string;
  changes?: FieldChange[];
}

export const OUTCOME_COUNTERS = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;
export type OutcomeCounter = (typeof OUTCOME_COUNTERS)[number];

/** Only so many plan lines are kept for the summary; every one is logged. */
const KEPT_OUTCOMES = 1000;
/** Skipped items are kept apart (with their reasons), so a large restore's first 1000 outcomes cannot crowd them out. */
const KEPT_SKIPPED = 1000;

export type OutcomeCounts = Record<OutcomeCounter, number>;

const zeroCounts = (): OutcomeCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

/** Counts, Velero's per-item resource list, and the first outcomes of a restore. */
export class RestoreTally {
  readonly counts: Record<OutcomeCounter, number> = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  readonly outcomes: ItemOutcome[] = [];
  /** The first skipped (and conflicting) items, with why. */
  readonly skippedItems: ItemOutcome[] = [];
  /** Counts per resource type and per target namespace (`(cluster)` for cluster-scoped items). */
  readonly byResource = new Map<string, OutcomeCounts>();
  readonly byNamespace = new Map<string, OutcomeCounts>();
  private readonly resourceList = new Map<string, string[]>();

  constructor(private readonly results: RunResults) {}

  record(outcome: ItemOutcome, object?: KubeObject): void {
    const counter = counterOf(outcome.action);
    this.counts[counter]++;
    if (this.outcomes.length < KEPT_OUTCOMES) this.outcomes.push(outcome);
    if (counter === 'skipped' && this.skippedItems.length < KEPT_SKIPPED) this.skippedItems.push(outcome);
    countInto(this.byResource, outcome.groupResource, counter);
    countInto(this.byNamespace, outcome.namespace ?? (outcome.groupResource === 'namespaces' ? outcome.name : '(cluster)'), counter);
    const where = outcome.namespace;
    const what = `${outcome.groupResource} ${where ? `${where}/` : ''}${outcome.name}`;
    if (outcome.action === 'failed') this.results.error(`${what}: ${outcome.reason ?? 'failed'}`, where);
    else if (outcome.action === 'conflict') this.results.warning(`${what}: ${outcome.reason}`, where);
    if (object?.apiVersion && object.kind) {
      const key = `${object.apiVersion}/${object.kind}`;
      const list = this.resourceList.get(key) ?? [];
      // Velero's restore resource list knows created, updated, failed and skipped.
      const veleroAction = counter === 'unchanged' ? 'skipped' : counter;
      list.push(`${where ? `${where}/` : ''}${outcome.name}(${veleroAction})`);
      this.resourceList.set(key, list);
    }
  }

  get restored(): number {
    return this.counts.created + this.counts.updated + this.counts.unchanged;
  }

  resourceListJson(): Record<string, string[]> {
    const list: Record<string, string[]> = {};
    for (const key of [...this.resourceList.keys()].sort()) list[key] = [...this.resourceList.get(key)!].sort();
    return list;
  }
}

function countInto(map: Map<string, OutcomeCounts>, key: string, counter: OutcomeCounter): void {
  let counts = map.get(key);
  if (!counts) map.set(key, (counts = zeroCounts()));
  counts[counter]++;
}

function counterOf(action: ItemOutcome['action']): OutcomeCounter {
  switch (action) {
    case 'created':
      return 'created';
    case 'updated':
    case 'recreated':
      return 'updated';
    case 'unchanged':
      return 'unchanged';
    case 'failed':
      return 'failed';
    case 'conflict':
    case 'skipped':
      return 'skipped';
  }
}

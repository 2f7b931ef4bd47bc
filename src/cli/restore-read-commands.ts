import type { Command } from 'commander';
import { matchesLabelSelector, parseLabelSelector } from '../kube/label-selector.js';
import type { KubeObject } from '../model/kube-object.js';
import { listStoredRestores, readStoredRestore, type StoredRestore } from '../persistence/stored-restores.js';
import { describeRestoreText, type DescribeDetails } from '../report/describe-text.js';
import { restoreListTable } from '../report/restore-list-report.js';
import { RESOURCE_NAME, restoreKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { InputError } from '../util/errors.js';
import type { ResultBucket } from '../util/run-results.js';
import { storeFromFlags } from './backup-read-commands.js';
import { examples } from './help-text.js';
import { listOf, outputFormatOf, structuredText, withOutputFlag } from './output-format.js';
import { cliAction, withLocationFlags, type CliIo } from './program-support.js';
import { forEachGzipLine, readGzipJson } from './stored-files.js';

/** `restore get|describe|logs`: the restores recorded in the location (restores/<name>/), no cluster needed. */
export function addRestoreReadCommands(restore: Command, io: CliIo): void {
  withOutputFlag(withLocationFlags(restore.command('get').argument('[names...]', 'only these restores')))
    .option('-l, --selector <selector>', "only restores whose labels match (kubectl syntax: 'velero.io/backup-name=nightly-1')")
    .description('list the restores recorded in the location')
    .addHelpText('after', examples(['kube-backup restore get', 'kube-backup restore get -l velero.io/backup-name=nightly-1 -o json']))
    .action(
      cliAction(io, async (names: string[], options: Record<string, unknown>) => {
        const selector = typeof options.selector === 'string' ? parseLabelSelector(options.selector, 'selector') : undefined;
        const format = outputFormatOf(options);
        const store = storeFromFlags(io, options);
        const wanted = new Set(names);
        const source = wanted.size ? (async function* () {
          for (const name of wanted) yield await readStoredRestore(store, name);
        })() : listStoredRestores(store);
        const restores: StoredRestore[] = [];
        for await (const stored of source) {
          if (!selector || (stored.state === 'recorded' && matchesLabelSelector(selector, stored.restore.metadata.labels))) restores.push(stored);
        }
        if (format === 'table') {
          io.out(restores.length ? restoreListTable(restores) : `No restores found in ${store.url}.`);
          return;
        }
        for (const stored of restores) if (stored.state !== 'recorded') io.err(`warning: restore '${stored.name}' has ${stored.state === 'unrecorded' ? 'no velero-restore.json' : `a corrupt record: ${stored.problem}`}; not listed`);
        const objects = restores.flatMap((stored) => (stored.state === 'recorded' ? [stored.restore] : []));
        io.out(structuredText(wanted.size === 1 && objects.length === 1 ? objects[0] : listOf(objects), format));
      })
    );

  withOutputFlag(withLocationFlags(restore.command('describe').argument('<name>', 'restore name (required)')))
    .option('--details', 'also list every object restored, and each error and warning')
    .description('show a restore: the backup it came from, its request, status and counts')
    .addHelpText('after', examples(['kube-backup restore describe shop-20260101120000', 'kube-backup restore describe shop-20260101120000 --details', 'kube-backup restore describe shop-20260101120000 -o yaml']))
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const store = storeFromFlags(io, options);
        const restore = await recordedRestore(store, name);
        const details = options.details === true ? await readDetails(store, name) : undefined;
        const format = outputFormatOf(options);
        io.out(format === 'table' ? describeRestoreText(restore, { details }) : structuredText({ ...restore, ...(details ? { resourceList: details.resourceList, results: details.results } : {}) }, format));
      })
    );

  withLocationFlags(restore.command('logs').argument('<name>', 'restore name (required)'))
    .description("print a restore's log, as the run wrote it")
    .addHelpText('after', examples(['kube-backup restore logs shop-20260101120000', 'kube-backup restore logs shop-20260101120000 | grep level=error']))
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const store = storeFromFlags(io, options);
        await recordedRestore(store, name);
        await forEachGzipLine(await store.get(restoreKeys(name).logs), undefined, io.out);
      })
    );
}

async function recordedRestore(store: ObjectStore, name: string): Promise<KubeObject> {
  if (!RESOURCE_NAME.test(name)) throw new InputError('name', `'${name}' is not a restore name`, 'Restore names are lower-case letters, digits, - and .');
  const stored = await readStoredRestore(store, name);
  if (stored.state === 'unrecorded') throw new InputError('name', `restore '${name}' is not recorded in ${store.url}`, "List restores with 'kube-backup restore get'");
  if (stored.state === 'corrupt') throw new Error(`restore '${name}': ${stored.problem}`);
  return stored.restore;
}

/** A restore's files are never encrypted: they hold names and counts, not objects' contents. */
async function readDetails(store: ObjectStore, name: string): Promise<DescribeDetails> {
  const keys = restoreKeys(name);
  const read = async (key: string) => ((await store.head(key)) === undefined ? undefined : readGzipJson(await store.get(key), undefined));
  return {
    resourceList: (await read(keys.resourceList)) as Record<string, string[]> | undefined,
    results: (await read(keys.results)) as { errors?: ResultBucket; warnings?: ResultBucket } | undefined
  };
}

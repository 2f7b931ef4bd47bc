import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupMode } from '../../../src/action/modes/backup.js';
import type { ModeContext } from '../../../src/action/modes/mode-context.js';
import { connect, openStore, type Ports } from '../../../src/engine/connect.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseConnectionSettings } from '../../../src/settings/settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// The backup mode as the action runs it, against the real cluster and a local-directory location, with the two
// things a runner provides injected: RUNNER_ENVIRONMENT and the artifact service (the upload is recorded here,
// the files it would send read from disk).
const env = testEnvironment();
const ns = uniqueName('localart');
const admin = clusterFor(env.kubeconfig);
const stores: ReturnType<typeof localTestStore>[] = [];

beforeAll(async () => {
  await createNamespace(admin, ns);
  await admin.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns }, data: { a: 'b' } });
}, 60_000);

afterAll(async () => {
  await deleteNamespace(admin, ns);
  await Promise.all(stores.map((s) => s.cleanup()));
  admin.close();
});

async function runBackupMode(inputs: Record<string, string>, runnerEnvironment: string | undefined) {
  const store = localTestStore();
  stores.push(store);
  const reader = mapReader({ kubeconfig: fs.readFileSync(env.kubeconfig, 'utf8'), location: store.directory, 'include-namespaces': ns, 'include-resources': 'configmaps', ...inputs });
  const connection = parseConnectionSettings(reader, { workingDirectory: store.directory, env: { exists: () => false } });
  const summaries: string[] = [];
  const warnings: string[] = [];
  const uploads: { name: string; files: string[] }[] = [];
  let ports: Ports | undefined;
  const context: ModeContext = {
    reader,
    connection,
    location: parseLocationPolicy(reader),
    logger: new MemoryLogger(),
    holder: 'test',
    signal: new AbortController().signal,
    connect: async () => (ports = await connect(connection)),
    openStore: () => openStore(connection),
    setOutput: () => undefined,
    summary: async (markdown) => void summaries.push(markdown),
    artifact: async () => undefined,
    uploadDirectory: async (name, directory) => {
      const files = fs.readdirSync(directory, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(directory, path.join(e.parentPath, e.name)));
      uploads.push({ name, files: files.sort() });
      return true;
    },
    runnerEnvironment,
    fail: (message) => {
      throw new Error(message);
    },
    warn: (message) => void warnings.push(message)
  };
  try {
    await backupMode(context);
  } finally {
    ports?.cluster.close?.();
  }
  return { summary: summaries.join('\n'), warnings, uploads, directory: store.directory };
}

describe('backup to a local directory, action mode', () => {
  it('on a GitHub-hosted runner, warns in the summary and the log that the backup vanishes with the job', async () => {
    const run = await runBackupMode({ 'backup-name': `${ns}-hosted` }, 'github-hosted');
    expect(run.summary).toContain(`> This backup was written to \`${run.directory}\` on a GitHub-hosted runner`);
    expect(run.warnings).toEqual([expect.stringContaining('upload-local-backup: true')]);
    expect(run.uploads).toEqual([]);
  }, 60_000);

  it("with upload-local-backup: true, uploads the backup's folder as an artifact and names it in the summary", async () => {
    const name = `${ns}-up`;
    const run = await runBackupMode({ 'backup-name': name, 'upload-local-backup': 'true' }, 'github-hosted');
    expect(run.uploads).toEqual([{ name: `kube-backup-${name}-files`, files: expect.arrayContaining(['velero-backup.json', `${name}.tar.gz`, `${name}-checksums.json`]) }]);
    expect(run.summary).toContain(`uploaded as the workflow artifact \`kube-backup-${name}-files\``);
    expect(run.summary).not.toContain('GitHub-hosted runner');
    expect(run.warnings).toEqual([]);
  }, 60_000);

  it('on a self-hosted runner without upload, says nothing about it', async () => {
    const run = await runBackupMode({ 'backup-name': `${ns}-self` }, 'self-hosted');
    expect(run.summary).not.toContain('[!WARNING]');
    expect(run.uploads).toEqual([]);
  }, 60_000);
});

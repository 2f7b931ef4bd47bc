/**
 * The floors the product is measured against, on the same objects in the same run: (a) the bare paginated LIST of
 * what a backup walks, (b, c) the restore's objects POSTed with nothing else around them, sequentially and at the
 * restore's concurrency, both through the product's own HTTP client, and (d) kubectl's export of the same kinds.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import type { KubeCluster } from '../src/kube/kube-cluster.js';
import type { ResourceRef } from '../src/model/resource-ref.js';
import { refs } from '../test/support/cluster.js';
import type { Measurement } from './results.js';
import { benchObjects, createAll, namespaceObject } from './seed.js';

/** The bare paginated LIST of what a backup walks, pages parsed (for the continue token) and dropped. */
export interface ListTask {
  resources: ResourceRef[];
  namespaces: string[];
  concurrency: number;
  pageSize: number;
}

/**
 * The seed's objects POSTed into fresh namespaces: plain POSTs answered with the whole object, as kubectl and
 * client libraries send them; with metadataOnly also as the restore sends them, answered with the metadata only.
 */
export interface CreateTask {
  size: number;
  namespaces: string[];
  concurrency: number;
  /** Ask for metadata-only answers, as the restore does (KubeCluster.create's metadataOnly). */
  metadataOnly?: boolean;
}

/** Every resource in every namespace, `concurrency` resources at a time, namespaces in turn: the backup's walk. */
export async function listEverything(cluster: KubeCluster, task: ListTask): Promise<number> {
  const limit = pLimit(task.concurrency);
  const counts = await Promise.all(
    task.resources.map((ref) =>
      limit(async () => {
        let items = 0;
        for (const namespace of ref.namespaced ? task.namespaces : [undefined]) {
          let token: string | undefined;
          do {
            const page = await cluster.listPage(ref, { namespace, limit: task.pageSize }, token);
            items += page.items.length;
            token = page.continueToken;
          } while (token);
        }
        return items;
      })
    )
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/** Namespaces first, as a restore makes them before what goes in them; returns how many objects were created. */
export async function createEverything(cluster: KubeCluster, task: CreateTask): Promise<number> {
  await Promise.all(task.namespaces.map((ns) => cluster.create(refs.namespaces, namespaceObject(ns, task.size))));
  const objects = [...benchObjects(task.size, task.namespaces)];
  await createAll(cluster, objects, task.concurrency, { metadataOnly: task.metadataOnly });
  return objects.length + task.namespaces.length;
}

/** `kubectl get <resources> -A -o json > /dev/null`: the wall time and the peak RSS GNU time reports. */
export function measureKubectl(kubectl: string, kubeconfig: string, resources: readonly string[], labelSelector: string): Promise<Measurement> {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kubectl-')), 'rss');
  const args = ['-f', '%M', '-o', rssFile, kubectl, '--kubeconfig', kubeconfig, 'get', resources.join(','), '-A', '-l', labelSelector, '-o', 'json'];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let err = '';
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rssKiB = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`kubectl get exited ${code}: ${err.trim()}`));
      resolve({ seconds, peakRssMiB: rssKiB / 1024, items: 0 });
    });
  });
}

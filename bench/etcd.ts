/**
 * Gives the space of deleted bench objects back to etcd. Both local clusters share one etcd with the default 2 GiB
 * space quota (scripts/env/up.sh sets no --quota-backend-bytes); deleted keys keep their space until a compaction
 * drops their history and a defragmentation returns the pages, so runs of 50,000 objects would otherwise fill it and
 * etcd would refuse every write (`mvcc: database space exceeded`) for every helper on the machine. There is no
 * etcdctl here; etcd's own JSON gateway serves the same calls.
 */

/** scripts/env/lib.sh ETCD_PORT; BENCH_ETCD_ENDPOINT for another environment. */
const ENDPOINT = process.env.BENCH_ETCD_ENDPOINT ?? 'http://127.0.0.1:23790';

async function call<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${ENDPOINT}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`etcd ${path}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as T;
}

/** Compacts to the current revision and defragments; returns the database size before and after, in bytes. */
export async function compactAndDefragment(): Promise<{ before: number; after: number }> {
  const status = await call<{ header: { revision: string }; dbSize: string }>('/v3/maintenance/status', {});
  // The API server compacts every 5 minutes too: already compacted to this revision is fine.
  await call('/v3/kv/compaction', { revision: status.header.revision, physical: true }).catch((err: unknown) => {
    if (!/compacted/.test(String(err))) throw err;
  });
  await call('/v3/maintenance/defragment', {});
  const after = await call<{ dbSize: string }>('/v3/maintenance/status', {});
  return { before: Number(status.dbSize), after: Number(after.dbSize) };
}

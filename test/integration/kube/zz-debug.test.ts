import { it } from '@jest/globals';
import { clusterFor, createNamespace, refs, sleeperPod, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment } from '../../support/environment.js';
it('debug', async () => {
  const env = testEnvironment();
  const c = clusterFor(env.kubeconfig);
  await createNamespace(c, 'dbg1').catch(() => {});
  await c.create(refs.pods, sleeperPod('dbg1', 's', env.image)).catch(() => {});
  await waitForPodRunning(c, 'dbg1', 's');
  const r = await c.exec({ namespace: 'dbg1', pod: 's', container: 'nope' }, ['true']).catch((e) => e);
  console.log(JSON.stringify(r), r instanceof Error ? r.message : '');
  await c.delete(refs.namespaces, 'dbg1');
  c.close();
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KubeObject } from '../../src/model/kube-object.js';

const run = promisify(execFile);
const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'velero-writer', 'main.go');

export interface VeleroItem {
  groupResource: string;
  namespace?: string;
  name: string;
  version: string;
  object: KubeObject;
}

/**
 * The tarball Velero's backup would write for these items, produced by test/fixtures/velero-writer (Go's own
 * archive/tar, compress/gzip and encoding/json). The program is built once per source version, with the Go
 * toolchain the environment's Kubernetes build installs.
 */
export async function veleroTarball(items: VeleroItem[]): Promise<Buffer> {
  const binary = await buildWriter();
  return new Promise((resolve, reject) => {
    const child = execFile(binary, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`velero-writer failed: ${stderr.toString()}`)) : resolve(stdout)
    );
    child.stdin!.end(JSON.stringify({ items }));
  });
}

let built: Promise<string> | undefined;

function buildWriter(): Promise<string> {
  built ??= (async () => {
    const source = fs.readFileSync(SOURCE);
    const dir = path.join(os.tmpdir(), `kube-backup-velero-writer-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
    const binary = path.join(dir, 'velero-writer');
    if (fs.existsSync(binary)) return binary;
    fs.mkdirSync(dir, { recursive: true });
    try {
      await run('go', ['build', '-o', binary, SOURCE], { env: { ...process.env, GOCACHE: path.join(dir, 'gocache'), GO111MODULE: 'off', CGO_ENABLED: '0' } });
    } catch (err) {
      throw new Error(`cannot build test/fixtures/velero-writer with 'go' (installed by the environment's Kubernetes build: apt-get install golang-go): ${(err as Error).message}`);
    }
    return binary;
  })();
  return built;
}

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { ArchiveWriter, type ArchiveWriterOptions } from '../../../src/archive/archive-writer.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

export const exec = promisify(execFile);

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Runs `fill` against a new writer while its output is being read, as an upload would; returns the tarball. */
export async function buildArchive(
  fill: (writer: ArchiveWriter) => Promise<void>,
  options: ArchiveWriterOptions = {}
): Promise<Buffer> {
  const writer = new ArchiveWriter(options);
  const output = collect(writer.output);
  await fill(writer);
  await writer.finish();
  return output;
}

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A ConfigMap shaped like a real API response (managedFields and all), about 1.5 KiB of JSON. */
export function sampleObject(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `app-config-${i}`,
      namespace: `team-${i % 20}`,
      uid: `6f1c2d3e-${String(i).padStart(4, '0')}-4a5b-9c8d-1e2f3a4b5c6d`,
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: '2024-05-01T12:00:00Z',
      labels: { app: `app-${i % 50}`, 'app.kubernetes.io/managed-by': 'Helm', tier: i % 2 ? 'web' : 'worker' },
      annotations: { 'meta.helm.sh/release-name': `release-${i % 50}`, 'meta.helm.sh/release-namespace': `team-${i % 20}` },
      managedFields: [
        {
          manager: 'helm',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2024-05-01T12:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { '.': {}, 'f:LOG_LEVEL': {}, 'f:config.yaml': {} }, 'f:metadata': { 'f:labels': {} } }
        }
      ]
    },
    data: {
      LOG_LEVEL: i % 3 ? 'info' : 'debug',
      'config.yaml': `server:\n  port: ${8000 + (i % 100)}\n  replicas: ${1 + (i % 5)}\nfeatures:\n  - name: f${i}\n    enabled: true\n`
    }
  };
}

/** A Readable over `data` that counts how much of it has been pulled. */
export function countingReadable(data: Buffer, chunkSize = 64 * 1024): Readable & { pulled: number } {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      const chunk = data.subarray(offset, offset + chunkSize);
      offset += chunk.length;
      (stream as Readable & { pulled: number }).pulled = offset;
      this.push(chunk);
    }
  }) as Readable & { pulled: number };
  stream.pulled = 0;
  return stream;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A folder laid out like a backup, for GNU tar to pack: metadata/version and one item whose path needs a long-name
 * extension (over 255 characters). Returns the folder and the item's file.
 */
export async function longNameTree(dir: string): Promise<{ root: string; longFile: string }> {
  const root = join(dir, 'root');
  const longDir = join(root, 'resources', 'widgets.example.com', 'namespaces', 'n'.repeat(63));
  await mkdir(join(root, 'metadata'), { recursive: true });
  await mkdir(longDir, { recursive: true });
  await writeFile(join(root, 'metadata', 'version'), '1.1.0\n');
  const longFile = join(longDir, `${'x'.repeat(150)}.json`);
  await writeFile(longFile, '{"kind":"Widget"}');
  return { root, longFile };
}

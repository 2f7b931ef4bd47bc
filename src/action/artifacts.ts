import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { errorMessage } from '../util/errors.js';

/**
 * Uploads a run's report files (results, summary, a restore plan) as one workflow artifact. They hold names,
 * counts and messages, never Secret values. Outside a runner, or when the upload fails, the run itself still
 * stands: the artifact is a copy of what the job summary shows.
 */
export async function uploadReport(name: string, files: Record<string, string>): Promise<void> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    core.info(`Not on a GitHub runner with artifact access: report '${name}' not uploaded`);
    return;
  }
  const directory = await fs.mkdtemp(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'kube-backup-report-'));
  try {
    const paths: string[] = [];
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(directory, file);
      await fs.writeFile(target, content, { mode: 0o600 });
      paths.push(target);
    }
    const { id } = await new DefaultArtifactClient().uploadArtifact(name.replace(/[^A-Za-z0-9._-]/g, '-'), paths, directory, { retentionDays: 30 });
    core.info(`Report uploaded as artifact '${name}' (id ${id})`);
  } catch (err) {
    core.warning(`Could not upload the report artifact '${name}': ${errorMessage(err)}`);
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

/**
 * Uploads every file under `directory` (a backup's folder on a local-directory location) as one workflow artifact,
 * paths kept relative to it. Streams from disk: nothing is read into memory here.
 */
export async function uploadDirectoryArtifact(name: string, directory: string): Promise<boolean> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    core.warning(`Not on a GitHub runner with artifact access: ${directory} not uploaded`);
    return false;
  }
  try {
    const entries = await fs.readdir(directory, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    const { id } = await new DefaultArtifactClient().uploadArtifact(name.replace(/[^A-Za-z0-9._-]/g, '-'), files, directory, { retentionDays: 30, compressionLevel: 0 });
    core.info(`${directory} uploaded as artifact '${name}' (id ${id}, ${files.length} files)`);
    return true;
  } catch (err) {
    core.warning(`Could not upload ${directory} as artifact '${name}': ${errorMessage(err)}`);
    return false;
  }
}

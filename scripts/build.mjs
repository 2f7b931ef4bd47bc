#!/usr/bin/env node
/**
 * `npm run build`: the action (dist/index.js) and the CLI (dist/cli/index.js) as single ES-module files.
 *
 * esbuild rather than ncc because it drops what the code never imports: @kubernetes/client-node's generated API
 * alone made ncc's bundle 28 MB, loaded on every start (README, Decisions: the measurements). Not minified, so a
 * stack trace from a user's run still names real functions. The licences of every bundled package go to
 * dist/licenses.txt, as ncc wrote them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundled CommonJS packages still call require() for Node's built-ins; an ES module has none of its own. */
const requireShim = "import { createRequire as __kbCreateRequire } from 'node:module'; const require = __kbCreateRequire(import.meta.url);";

/** `node scripts/build.mjs /tmp/x` builds elsewhere, to try a change without touching the committed bundle. */
const outdir = path.resolve(root, process.argv[2] ?? 'dist');

async function bundle(entry, outfile) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    banner: { js: requireShim },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning'
  });
  fs.writeFileSync(path.join(path.dirname(outfile), 'package.json'), '{\n  "type": "module"\n}\n');
  return result.metafile;
}

/** Each bundled package once, with its licence file: what the Apache-2.0 and MIT terms of our dependencies ask. */
function licenses(metafiles) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
      if (match) packages.set(match[2], path.join(root, match[1]));
    }
  }
  const sections = [];
  for (const [name, directory] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8'));
    const file = fs.readdirSync(directory).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? fs.readFileSync(path.join(directory, file), 'utf8').trim() : '';
    sections.push(`${name}\n${manifest.license ?? 'UNKNOWN'}\n${text}`);
  }
  return sections.join('\n\n') + '\n';
}

const action = await bundle('src/index.ts', path.join(outdir, 'index.js'));
const cli = await bundle('src/cli.ts', path.join(outdir, 'cli/index.js'));
fs.chmodSync(path.join(outdir, 'cli/index.js'), 0o755);
fs.writeFileSync(path.join(outdir, 'licenses.txt'), licenses([action, cli]));

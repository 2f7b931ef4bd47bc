/**
 * `npm run docs`: rewrites README.md's inputs and outputs tables (between `<!-- inputs:start -->` and
 * `<!-- inputs:end -->`) from action.yml, so the README cannot drift from what the action declares.
 * test/unit/action/readme-inputs.test.ts regenerates them in memory and fails when README.md differs.
 * Runs on Node 24 as it is (type stripping: only erasable TypeScript here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const START_MARKER = '<!-- inputs:start -->';
export const END_MARKER = '<!-- inputs:end -->';

interface ActionMetadata {
  inputs?: Record<string, { description?: string; required?: boolean; default?: string | number | boolean }>;
  outputs?: Record<string, { description?: string }>;
}

/** One table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim().replace(/\|/g, '\\|');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** The generated block, markers included, from action.yml's text. */
export function inputsBlock(actionYaml: string): string {
  const action = parse(actionYaml) as ActionMetadata;
  const lines = [START_MARKER, '<!-- Generated from action.yml by `npm run docs`: edit action.yml, then run it. -->', '', '| Input | Default | Description |', '| --- | --- | --- |'];
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const fallback = input.default === undefined || input.default === '' ? (input.required ? 'required' : '') : code(cell(String(input.default)));
    lines.push(`| \`${name}\` | ${fallback} | ${cell(input.description ?? '')} |`);
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [name, output] of Object.entries(action.outputs ?? {})) lines.push(`| \`${name}\` | ${cell(output.description ?? '')} |`);
  lines.push(END_MARKER);
  return lines.join('\n');
}

/** README.md with its generated block replaced; throws when the markers are missing or out of order. */
export function withInputsBlock(readme: string, actionYaml: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START_MARKER} and ${END_MARKER}, in that order, where the inputs table goes`);
  return readme.slice(0, start) + inputsBlock(actionYaml) + readme.slice(end + END_MARKER.length);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readmePath = path.join(root, 'README.md');
  const readme = fs.readFileSync(readmePath, 'utf8');
  const updated = withInputsBlock(readme, fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
  if (updated !== readme) fs.writeFileSync(readmePath, updated);
  console.log(updated === readme ? 'README.md inputs table already matches action.yml' : 'README.md inputs table rewritten from action.yml');
}

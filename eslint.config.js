// Lint holds the architecture (README, "Architecture"): imports run down the layers only, folders on one layer do
// not import each other, the modes read settings' types but never call its parsers, and nothing below the edges
// reads the process's globals. Style is left to the compiler's strict options.
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

/** Bottom to top. A folder may import from folders on lower layers only. */
export const LAYERS = [
  ['util'],
  ['model'],
  ['velero'],
  ['kube', 'storage', 'archive', 'encryption'],
  ['coordination', 'hooks', 'persistence', 'integrity', 'compare', 'volumes'],
  ['settings'],
  ['backup', 'restore', 'prune', 'sync', 'verify', 'list', 'copy', 'diff'],
  ['report', 'engine'],
  ['action', 'cli']
];
const MODES = LAYERS[6];
const EDGES = LAYERS[8];
const ENTRY_FILES = ['./src/index.ts', './src/cli.ts'];
/** Root files the edges share (they read the host, which nothing below the edges may). */
const EDGE_SHARED_FILES = ['./src/local-host.ts', './src/cancellation.ts'];

const zones = LAYERS.flatMap((layer, level) =>
  layer.map((folder) => ({
    target: `./src/${folder}`,
    from: [
      ...LAYERS.slice(level).flat().filter((other) => other !== folder).map((other) => `./src/${other}`),
      ...ENTRY_FILES,
      ...(EDGES.includes(folder) ? [] : EDGE_SHARED_FILES)
    ],
    message: `src/${folder} is on layer ${level + 1} (${layer.join(', ')}): it may import only from lower layers (see README, Architecture)`
  }))
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local-env/**', 'build/**', 'coverage/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2023, sourceType: 'module' } },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      // no-cycle follows imports by parsing each module; .ts needs the TypeScript parser for that.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts']
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }]
    }
  },
  {
    files: [`src/{${MODES.join(',')}}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/settings/*'], allowTypeImports: true, message: 'Modes take parsed settings as values; parsing belongs to the edges (import type only)' }] }
      ]
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: [`src/{${EDGES.join(',')}}/**`, 'src/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'Only the edges (action/, cli/) read the process; pass what the engine needs in' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: "Use the run's injected clock" },
        { object: 'performance', property: 'now', message: "Use the run's injected clock" }
      ],
      'no-restricted-imports': ['error', { paths: ['node:os', 'os'].map((name) => ({ name, message: 'Only the edges read the host (temp dir, user, host name); pass it in' })) }]
    }
  }
);

import tseslint from 'typescript-eslint';

/**
 * How an import names a folder: imports between folders are relative, so the specifier is '../meta/x' from
 * src/kernels, '../src/meta/x' from bench, '../../src/meta/x' from app/page. Matched as written, not resolved.
 */
const folder = (name) => `^(\\.\\./)+(src/)?${name}(/|$)`;

/** Everything under src/ but the CLI: what the library entry and the surfaces build on. */
// prettier-ignore
const SRC = ['src/layout', 'src/runtime', 'src/data', 'src/io', 'src/kernels', 'src/reference', 'src/meta',
  'src/report', 'src/index.ts', 'src/node.ts', 'src/protocol', 'src/harness'];

/**
 * The import layers of ARCHITECTURE.md, lowest first. A layer may import itself and what `mayImport` lists,
 * nothing else; `why` is the reason its errors give. src/runtime/errors.ts (the typed errors; it imports
 * nothing) is open to every layer, layout included. Not listed, so free: test/, e2e/, scripts/, the configs.
 */
// prettier-ignore
const LAYERS = [
  { name: 'src/layout', mayImport: [],
    why: 'layout is shapes, indexing and the seeded CPU RNGs, under every other layer' },
  { name: 'src/runtime', path: '^(\\.\\./)+(src/)?runtime/(?!errors$)', mayImport: ['src/layout'],
    why: 'runtime knows nothing about GRUs, tasks or files' },
  { name: 'src/data', mayImport: ['src/runtime', 'src/layout'],
    why: 'data decodes dataset files and knows nothing about kernels or learners' },
  { name: 'src/io', mayImport: ['src/runtime', 'src/layout', 'src/data'],
    why: 'io reads and writes run files and knows nothing about kernels or learners' },
  { name: 'src/kernels', mayImport: ['src/runtime', 'src/layout', 'shaders'],
    why: 'kernels know nothing about tasks, files or references' },
  { name: 'src/reference', mayImport: ['src/layout'],
    why: 'a reference must not share a kernel’s code, or both are wrong together and the test cannot tell' },
  { name: 'src/meta', mayImport: ['src/kernels', 'src/runtime', 'src/layout', 'src/data', 'src/io'],
    why: 'meta is the library: it leans on no test reference, report or surface' },
  { name: 'src/report', mayImport: ['src/layout'],
    why: 'the report draws plain values and knows nothing about learners' },
  { name: 'src/index.ts', files: ['src/index.ts'], path: '^(\\.\\./)+(src/)?index$', mayImport: SRC,
    why: 'the library entry sits under the surfaces' },
  { name: 'src/node.ts', files: ['src/node.ts'], path: '^(\\.\\./)+(src/)?node$', mayImport: SRC,
    why: 'the Node library entry sits under the surfaces' },
  { name: 'src/protocol', mayImport: SRC,
    why: 'the Node↔page messages sit under the surfaces' },
  { name: 'src/harness', mayImport: SRC,
    why: 'the calls the CLI makes of a device sit under the surfaces that run them' },
  { name: 'src/cli', mayImport: [...SRC, 'bench'],
    why: 'the CLI talks to the page through src/protocol, not through app’s modules' },
  { name: 'app', mayImport: [...SRC, 'bench'],
    why: 'the page’s bundle takes nothing from the CLI’s Node code' },
  { name: 'bench', mayImport: SRC,
    why: 'bench is shared by the CLI and the page and imports neither' },
];
/** Imported but not linted: WGSL, which only kernels import (as ?raw text). */
const SHADERS = { name: 'shaders' };

/** One flat-config block per layer: a no-restricted-imports pattern for each folder it may not import. */
const layerRules = LAYERS.map((from) => ({
  files: from.files ?? [`${from.name}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [...LAYERS, SHADERS]
          .filter((to) => to !== from && !from.mayImport.includes(to.name))
          .map((to) => ({
            regex: to.path ?? folder(to.name.replace(/^src\//, '')),
            caseSensitive: true,
            message: `${from.name} must not import ${to.name}: ${from.why} (see ARCHITECTURE.md).`,
          })),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.device/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'runs/',
      '.tmp*',
      '.tmp/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-new-func': 'error',
      'no-eval': 'error',
    },
  },
  ...layerRules,
);

/**
 * The import layers of ARCHITECTURE.md are checked by ESLint (eslint.config.js, no-restricted-imports per
 * folder). These tests lint small made-up files at paths inside the tree, through the project's own config,
 * to show the rule refuses what the table forbids and lets through what it allows.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '..') });

/** The layer messages ESLint gives `code` as if it were the file at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const refused: [file: string, code: string, message: string][] = [
  [
    'src/kernels/example.ts',
    "import type { MetaLearner } from '../meta/learner';\nexport type L = MetaLearner;\n",
    'src/kernels must not import src/meta: kernels know nothing about tasks',
  ],
  [
    'src/reference/example.ts',
    "export { gruForward } from '../kernels/gru_forward';\n",
    'src/reference must not import src/kernels: a reference must not share a kernel’s code',
  ],
  [
    'src/cli/example.ts',
    "import { PAGE_CSP } from '../../app/csp';\nexport const csp = PAGE_CSP;\n",
    'src/cli must not import app:',
  ],
  [
    'src/report/example.ts',
    "import type { OptimizerComparison } from '../meta/lopt_compare';\nexport type C = OptimizerComparison;\n",
    'src/report must not import src/meta:',
  ],
  [
    'src/layout/example.ts',
    "import type { Gpu } from '../runtime/gpu';\nexport type G = Gpu;\n",
    'src/layout must not import src/runtime:',
  ],
  [
    'bench/example.ts',
    "import { openSession } from '../src/cli/session';\nexport const open = openSession;\n",
    'bench must not import src/cli:',
  ],
  [
    'app/page/example.ts',
    "import { openSession } from '../../src/cli/session';\nexport const open = openSession;\n",
    'app must not import src/cli:',
  ],
];

for (const [file, code, message] of refused) {
  test(`layers: ${file} importing ${/from '([^']+)'/.exec(code)![1]} is refused`, async () => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(errors[0]).toContain('(see ARCHITECTURE.md)');
  });
}

const allowed: [file: string, code: string][] = [
  ['src/meta/example.ts', "export { gruForward } from '../kernels/gru_forward';\n"],
  ['src/reference/example.ts', "export { gruParamLayout } from '../layout/gru_layout';\n"],
  ['src/layout/example.ts', "export { InputError } from '../runtime/errors';\n"],
  ['src/kernels/example.ts', "import source from '../../shaders/relu.wgsl?raw';\nexport const s = source;\n"],
  ['src/cli/example.ts', "export { runBenchPlan } from '../../bench/run';\n"],
  ['app/page/example.ts', "export * from '../../src/index';\n"],
  ['test/example.test.ts', "export { train } from '../src/meta/trainer';\n"],
];

for (const [file, code] of allowed) {
  test(`layers: ${file} importing ${/from '([^']+)'/.exec(code)![1]} is allowed`, async () => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
}

test('layers: the rule sees type-only imports and re-exports too', async () => {
  const code = "import type { Program } from '../runtime/recorder';\nexport type P = Program;\n";
  expect(await layerErrors('src/reference/example.ts', code)).toHaveLength(1);
  expect(await layerErrors('src/reference/example.ts', "export * from '../kernels/relu';\n")).toHaveLength(1);
});

/**
 * Every task/learner pair's defaults give a run in which every phase happens: for each pair `metarnn train`
 * offers, the defaults (`--print-config`) are scaled down — fewer steps, a small GRU, a tiny meta-batch —
 * keeping the ratios between phases (pretraining to meta-training, evaluation points to steps, the learned
 * optimizer's truncations to its runs), trained through the CLI, and checked phase by phase in metrics.jsonl
 * and `--json`. Configs in which one phase would take the whole run are refused (exit 2).
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunConfig, type RunConfig } from '../src/io/run_config';
import { cli, mapLimit } from './cli_helper';
import { SMALL1 } from './omniglot_runs_fixture';

let dir: string;
test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-defaults-'));
  // Regression tasks of one's own: 6 CSVs of 30 points of a line each.
  mkdirSync(join(dir, 'tables'));
  for (let k = 0; k < 6; k++) {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${(k - 3) * i + 10 * k}`);
    writeFileSync(join(dir, 'tables', `task${k}.csv`), `x,y\n${rows.join('\n')}\n`);
  }
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real series for task 'series': vega-datasets' unemployment rates (a dev dependency). */
const SERIES = [
  '--data',
  'node_modules/vega-datasets/data/unemployment-across-industries.json',
  '--value',
  'rate',
];

/** The pairs `train` offers, as its refusal of an unknown pair lists them. */
async function pairs(): Promise<string[]> {
  const r = await cli('train', '--task', 'omniglot', '--learner', 'reptile', '--print-config');
  expect(r.code, r.stderr).toBe(2);
  const list = /available are (.*)$/m.exec(r.stderr)?.[1];
  expect(list, r.stderr).toBeTruthy();
  return list!.split(', ');
}

/**
 * The defaults `--print-config` resolves for a pair, once per file: the check of every pair and the run of each
 * read the same answer (the CLI is deterministic here, and each call is a Node start-up).
 */
const resolved = new Map<string, Promise<RunConfig>>();
function defaults(task: string, learner: string): Promise<RunConfig> {
  const key = `${task}/${learner}`;
  if (!resolved.has(key)) resolved.set(key, printConfig(task, learner));
  return resolved.get(key)!;
}

async function printConfig(task: string, learner: string): Promise<RunConfig> {
  const data =
    task === 'omniglot'
      ? ['--data', SMALL1]
      : task === 'series'
        ? SERIES
        : task === 'regression'
          ? ['--data', join(dir, 'tables')]
          : [];
  const r = await cli('train', '--task', task, '--learner', learner, ...data, '--print-config');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunConfig;
}

/**
 * The defaults at 1/`by` of their steps, with every count of steps scaled alike (at least 1), a GRU of 8
 * (omniglot 16) units and 2 tasks per meta-batch and evaluation.
 */
function scaled(d: RunConfig): RunConfig {
  const by = d.task === 'omniglot' ? 500 : 100;
  const steps = (n: number) => Math.max(1, Math.round(n / by));
  const s: RunConfig = {
    ...d,
    steps: d.steps / by,
    logEvery: steps(d.logEvery),
    evalEvery: steps(d.evalEvery),
    hidden: Math.min(d.hidden, d.task === 'omniglot' ? 16 : 8),
    metaBatch: 2,
    evalTasks: 2,
  };
  expect(Number.isInteger(s.steps), `${d.steps} steps divide by ${by}`).toBe(true);
  if (d.pretrainSteps) s.pretrainSteps = steps(d.pretrainSteps);
  // The learned optimizer's runs shrink with its truncations: as many meta-steps per run as by default.
  if (d.learner === 'lopt') {
    expect(d.innerSteps! % 10 === 0 && d.unroll! % 10 === 0, 'lopt run and truncation scale by 10').toBe(
      true,
    );
    s.innerSteps = d.innerSteps! / 10;
    s.unroll = d.unroll! / 10;
  }
  return s;
}

interface Line {
  step: number;
  loss?: number;
  phase?: string;
  metric?: string;
}

/**
 * Each case refused with exit 2 and its message, and no --out written. Refusals come before the browser
 * starts, so the calls run a few at a time.
 */
async function refusals(cases: [string[], RegExp][]): Promise<void> {
  const outs = cases.map((_, i) => join(dir, `refused-${i}`));
  const ran = await mapLimit(cases, 4, ([args], i) => cli('train', ...args, '--out', outs[i]));
  for (const [i, r] of ran.entries()) {
    const label = cases[i][0].join(' ');
    expect(r.code, `${label}: ${r.stderr}`).toBe(2);
    expect(r.stderr.trim(), label).toMatch(cases[i][1]);
    expect(existsSync(outs[i]), label).toBe(false);
  }
}

test('train refuses a config in which one phase takes the whole run: exit 2, both values, the fix', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--task', 'omniglot', '--data', 'any.zip', '--steps', '2000'],
      /^metarnn: --pretrain-steps 4000 is not below --steps 2000: .*never meta-train.*give --steps greater than 4000, or fewer --pretrain-steps$/,
    ],
    [
      ['--learner', 'lopt', '--inner-steps', '100', '--unroll', '30'],
      /^metarnn: --unroll 30 does not divide --inner-steps 100: .*choose --unroll among 1, 2, 4, 5, 10, 20, 25, 50, 100$/,
    ],
    [
      ['--learner', 'lopt', '--steps', '4'],
      /^metarnn: --steps 4 is less than one optimisation run \(--inner-steps 100 in truncations of --unroll 20: 5 meta-steps\).*at least 5$/,
    ],
  ];
  await refusals(cases);
});

test('train refuses second-order settings where they mean nothing: exit 2, the value, what is allowed', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--learner', 'fomaml', '--hvp', 'fd'],
      /^metarnn: --hvp fd applies to second-order MAML only \(--learner maml\), not 'fomaml'/,
    ],
    [['--learner', 'context', '--hvp', 'exact'], /^metarnn: --hvp exact applies to second-order MAML only/],
    [['--learner', 'maml', '--hvp', 'fast'], /^metarnn: --hvp "fast": expected one of exact, fd$/],
    [
      ['--learner', 'maml', '--second-order'],
      /^metarnn: --second-order applies to --learner context only: maml is second order already/,
    ],
    [
      ['--learner', 'reptile', '--second-order'],
      /^metarnn: --second-order applies to --learner context only: 'reptile' has no inner loop/,
    ],
    [
      ['--learner', 'blackbox', '--cell-steps', '4'],
      /^metarnn: --cell-steps 4 sets the task model of maml, fomaml, reptile, metasgd, not of 'blackbox'/,
    ],
    [['--learner', 'maml', '--cell-steps', '0'], /^metarnn: --cell-steps "0": expected an integer >= 1$/],
    [
      ['--task', 'forecast', '--learner', 'fomaml', '--shots', '8', '--cell-steps', '8'],
      /^metarnn: --cell-steps 8 does not fit in --shots 8: .*give --cell-steps below 8$/,
    ],
  ];
  await refusals(cases);
});

test('train --read-support: the MAML family on sinusoids only, never with --cell-steps', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--learner', 'blackbox', '--read-support'],
      /^metarnn: --read-support sets the task model of maml, fomaml, reptile, metasgd \(it reads the support pairs\), not of 'blackbox'; leave it out$/,
    ],
    [
      ['--task', 'forecast', '--learner', 'maml', '--read-support'],
      /^metarnn: --read-support reads the support pairs of sinusoid tasks, not of 'forecast' tasks; leave it out or use --task sinusoid$/,
    ],
    [
      ['--learner', 'fomaml', '--shots', '5', '--read-support', '--cell-steps', '4'],
      /^metarnn: --cell-steps 4 with --read-support: each row is then --shots \+ 1 = 6 steps long \(the support pairs, then the point to predict\); leave --cell-steps out$/,
    ],
  ];
  await refusals(cases);
  const r = await cli('train', '--learner', 'metasgd', '--read-support', '--print-config');
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(r.stdout) as RunConfig;
  expect(c.readSupport).toBe(true);
  expect(c.cellSteps).toBeUndefined();
});

test('every pair offered has defaults that pass the checks', async () => {
  const all = await pairs();
  expect(all).toEqual(
    expect.arrayContaining([
      'sinusoid/blackbox',
      'sinusoid/lopt',
      'sinusoid/context',
      'sinusoid/maml',
      'sinusoid/fomaml',
      'sinusoid/reptile',
      'sinusoid/metasgd',
      'forecast/blackbox',
      'forecast/maml',
      'forecast/fomaml',
      'forecast/reptile',
      'forecast/metasgd',
      'series/blackbox',
      'regression/blackbox',
      'omniglot/blackbox',
    ]),
  );
  const configs = await mapLimit(all, 4, (pair) => defaults(...(pair.split('/') as [string, string])));
  for (const [i, pair] of all.entries()) {
    const d = configs[i];
    expect(() => checkRunConfig(d), pair).not.toThrow();
    expect(() => checkRunConfig(scaled(d)), `${pair} scaled`).not.toThrow();
    // Each evaluation point and the pretraining leave room for meta-training.
    expect(d.evalEvery, `${pair}: evalEvery within steps`).toBeLessThanOrEqual(d.steps);
    if (d.pretrainSteps) expect(d.pretrainSteps, pair).toBeLessThan(d.steps / 2);
  }
});

for (const pair of [
  'sinusoid/blackbox',
  'sinusoid/lopt',
  'sinusoid/context',
  'sinusoid/maml',
  'sinusoid/fomaml',
  'sinusoid/reptile',
  'sinusoid/metasgd',
  'forecast/blackbox',
  'forecast/maml',
  'series/blackbox',
  'regression/blackbox',
  'omniglot/blackbox',
]) {
  test(`${pair}: the defaults, scaled down, run every phase`, async () => {
    test.setTimeout(180_000);
    const [task, learner] = pair.split('/');
    test.skip(task === 'omniglot' && !existsSync(SMALL1), `needs ${SMALL1} (the Omniglot small1 zip)`);
    const config = scaled(await defaults(task, learner));
    const file = join(dir, `${task}-${learner}.json`);
    writeFileSync(file, JSON.stringify(config));
    const out = join(dir, `${task}-${learner}`);
    const r = await cli('train', '--config', file, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);

    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ task, learner, step: config.steps, steps: config.steps, stopped: false });
    expect(summary.validation.step).toBe(config.steps);
    for (const f of Object.values(summary.files) as string[]) expect(existsSync(f), f).toBe(true);

    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const losses = lines.filter((l) => l.loss !== undefined);
    const evals = lines.filter((l) => l.metric !== undefined);
    expect(losses.at(-1)?.step).toBe(config.steps);
    expect(evals.length, 'an evaluation at every evalEvery steps').toBe(config.steps / config.evalEvery);
    const meta = losses.filter((l) => l.phase === undefined);
    if (task === 'omniglot') {
      const pre = losses.filter((l) => l.phase === 'pretraining the encoder');
      expect(pre.map((l) => l.step)).toEqual(Array.from({ length: config.pretrainSteps! }, (_, i) => i + 1));
      expect(meta.length, 'meta-training steps after pretraining').toBe(config.steps - config.pretrainSteps!);
      expect(meta[0].step).toBe(config.pretrainSteps! + 1);
    } else {
      expect(meta.length).toBe(losses.length);
    }
    if (learner === 'lopt') {
      // Each meta-step is one truncation; the run went through several whole optimisation runs.
      const perRun = config.innerSteps! / config.unroll!;
      expect(meta.length).toBeGreaterThan(perRun);
      expect(r.stderr).toMatch(new RegExp(`after ${config.innerSteps} inner steps, mean task loss: lopt`));
    }
    expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
  });
}

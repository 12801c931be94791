/**
 * `metarnn train --learner lopt` and `eval` as a user runs them, on a tiny learned optimizer (2×4 GRU, two
 * task models, 4-step runs in 2-step truncations): the run ends with the comparison against tuned SGD,
 * RMSprop and Adam in the report and in `eval --json`, which also compares at other run lengths and on
 * task models of another width, with the paired difference against Adam. Also: inner-loop options reach
 * config.json; bad options are refused in one line.
 */
import { expect, test } from '@playwright/test';
import { cli } from './cli_helper';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-lopt-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = ['--hidden', '4', '--meta-batch', '2', '--shots', '5', '--inner-steps', '4', '--unroll', '2'];

test('train --learner lopt: checkpoint, and a report comparing it with tuned SGD, RMSprop and Adam', async () => {
  test.setTimeout(240_000);
  const run = join(dir, 'lopt');
  const every = ['--log-every', '2', '--eval-every', '4', '--eval-tasks', '2'];
  const r = await cli('train', '--learner', 'lopt', ...TINY, ...every, '--steps', '4', '--out', run);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(
    /after 4 inner steps, mean task loss: lopt [\d.e+-]+, adam [\d.e+-]+ \(lr [\d.e-]+\)/,
  );
  expect(r.stderr).toMatch(/after 8 inner steps/);
  // Progress of the comparison (minutes on a software adapter at real sizes): each of its runs announced.
  expect(r.stderr).toMatch(
    /^compare: run 1\/31, 0:\d\d elapsed: 4 inner steps: tuning sgd at lr 0\.0001 on 2 training tasks$/m,
  );
  expect(r.stderr).toMatch(
    /^compare: run 31\/31, \d+:\d\d elapsed: 8 inner steps: adam at lr [\d.e-]+ on 2 held-out tasks$/m,
  );
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  expect(config).toMatchObject({ learner: 'lopt', hidden: 4, layers: 2, innerSteps: 4, unroll: 2 });
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  expect(html).toContain('Learned optimizer against hand-designed ones');
  // loss, held-out metric, and one chart per run length (4 and 8 inner steps)
  expect(html.split('<svg').length - 1).toBe(4);
  for (const k of ['lopt', 'adam', 'rmsprop', 'sgd']) expect(html).toContain(`<td>${k}</td>`);
});

test('eval --json on a lopt run adds each optimizer’s final loss and tuned learning rate', async () => {
  test.setTimeout(240_000);
  const r = await cli('eval', '--checkpoint', join(dir, 'lopt'), '--episodes', '3', '--json');
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ learner: 'lopt', metric: 'mse', episodes: 3 });
  expect(r.stderr).toMatch(
    /^compare: run 28\/31, \d+:\d\d elapsed: 4 inner steps: the learned optimizer on 3 held-out tasks$/m,
  );
  expect(out.optimizers).toMatchObject({ steps: 4, tasks: 3 });
  for (const k of ['lopt', 'adam', 'rmsprop', 'sgd']) expect(out.optimizers.final[k]).toBeGreaterThan(0);
  for (const k of ['adam', 'rmsprop', 'sgd']) expect(out.optimizers.lr[k]).toBeGreaterThan(0);
});

test('eval --run-steps --compare-tasks --task-hidden --optimizee: paired comparisons at several run lengths, on another task model', async () => {
  test.setTimeout(240_000);
  const r = await cli(
    'eval',
    ...['--checkpoint', join(dir, 'lopt'), '--episodes', '2', '--json'],
    ...['--run-steps', '4,12', '--compare-tasks', '3', '--task-hidden', '6', '--optimizee', 'forecast'],
  );
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.comparisons.map((c: { steps: number }) => c.steps)).toEqual([4, 12]);
  for (const c of out.comparisons) {
    expect(c).toMatchObject({ tasks: 3, taskHidden: 6, optimizee: 'forecast' });
    for (const k of ['lopt', 'adam']) expect(c.final[k].ci95).toBeGreaterThanOrEqual(0);
    // The paired difference is the mean of per-task differences: the difference of the means.
    expect(c.diff.mean).toBeCloseTo(c.final.lopt.mean - c.final.adam.mean, 6);
    expect(c.wins).toBeGreaterThanOrEqual(0);
    expect(c.wins).toBeLessThanOrEqual(3);
  }
  const text = await cli(
    'eval',
    '--checkpoint',
    join(dir, 'lopt'),
    '--episodes',
    '2',
    '--compare-tasks',
    '2',
    '--baselines',
    'adam',
  );
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toMatch(
    /lopt − adam per task: [\d.e+-]+ ± [\d.e+-]+ \(95% interval\); lopt lower on \d of 2 tasks/,
  );
  // Adam alone: 9 tuning runs, the learned optimizer and Adam on the held-out tasks; no other baseline.
  expect(text.stderr).toMatch(/^compare: run 11\/11, \d+:\d\d elapsed: 4 inner steps: adam at lr /m);
  expect(text.stdout + text.stderr).not.toMatch(/sgd|rmsprop/);
});

test('eval refuses bad learned-optimizer options in one line', async () => {
  for (const [flag, value, want] of [
    ['--run-steps', '4,0', '--run-steps "0": expected an integer >= 1'],
    ['--run-steps', '4,x', '--run-steps "x": expected an integer >= 1'],
    ['--compare-tasks', '1', '--compare-tasks "1": expected an integer >= 2'],
    ['--task-hidden', '2.5', '--task-hidden "2.5": expected an integer >= 1'],
    [
      '--baselines',
      'sgd,rmsprop',
      '--baselines sgd,rmsprop: must include adam (the paired difference and the wins are against tuned Adam)',
    ],
    ['--baselines', 'adam,lbfgs', '--baselines: unknown optimizer "lbfgs"; allowed: sgd, rmsprop, adam'],
    ['--baselines', 'adam,adam', '--baselines names an optimizer twice'],
    [
      '--optimizee',
      'mlp',
      '--optimizee "mlp": expected sinusoid or forecast (the task family the learned optimizer trains models of)',
    ],
  ]) {
    const r = await cli('eval', '--checkpoint', join(dir, 'lopt'), '--episodes', '2', flag, value);
    expect(r.code, `${flag} ${value}`).not.toBe(0);
    expect(r.stderr.trim().split('\n'), `${flag} ${value}`).toEqual([`metarnn: ${want}`]);
  }
});

test('inner-loop options are checked and recorded: --inner-steps, --inner-lr', async () => {
  const bad = await cli('train', '--learner', 'maml', '--inner-lr', '-1', '--out', join(dir, 'bad'));
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('--inner-lr "-1": expected a number > 0');
  const run = join(dir, 'maml');
  const r = await cli(
    'train',
    '--learner',
    'fomaml',
    ...['--hidden', '4', '--meta-batch', '2', '--steps', '2', '--inner-steps', '1', '--inner-lr', '0.1'],
    ...['--eval-every', '2', '--eval-tasks', '2', '--log-every', '1', '--out', run],
  );
  expect(r.code, r.stderr).toBe(0);
  // 14 + 10 · innerSteps dispatches per FOMAML step (e2e/maml.spec.ts): one inner step was used.
  expect(r.stderr).toContain('24 dispatches per step');
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  expect(config).toMatchObject({ learner: 'fomaml', innerSteps: 1, innerLr: 0.1 });
  const lopt = await cli('eval', '--checkpoint', run, '--episodes', '2', '--task-hidden', '8');
  expect(lopt.code).not.toBe(0);
  expect(lopt.stderr.trim()).toBe(
    'metarnn: --task-hidden applies to learned optimizers (lopt); this run’s learner is fomaml',
  );
});

test('train --max-update bounds the steps and is kept in config.json; eval --split validation scores the validation stream', async () => {
  test.setTimeout(240_000);
  for (const [args, want] of [
    [['--learner', 'lopt', '--max-update', '0'], '--max-update "0": expected a number > 0'],
    [['--learner', 'maml', '--max-update', '0.1'], 'sets the learned optimizer (--learner lopt), not'],
  ] as const) {
    const r = await cli('train', ...args, '--out', join(dir, 'refused'));
    expect(r.code, args.join(' ')).not.toBe(0);
    expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    expect(r.stderr).toContain(want);
  }
  const run = join(dir, 'bounded');
  const every = ['--log-every', '2', '--eval-every', '2', '--eval-tasks', '2'];
  const r = await cli(
    'train',
    '--learner',
    'lopt',
    ...TINY,
    ...every,
    '--steps',
    '2',
    '--max-update',
    '0.05',
    '--out',
    run,
  );
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))).toMatchObject({ maxUpdate: 0.05 });
  const ev = (split: string) =>
    cli('eval', '--checkpoint', run, '--episodes', '2', '--baselines', 'adam', '--split', split, '--json');
  const [val, test2] = [await ev('validation'), await ev('test')];
  expect(val.code, val.stderr).toBe(0);
  expect(test2.code, test2.stderr).toBe(0);
  // Two different task streams: the validation tasks training chose on, and the test tasks.
  expect(JSON.parse(val.stdout).mean).not.toBe(JSON.parse(test2.stdout).mean);
  const v = JSON.parse(val.stdout);
  expect(v).toMatchObject({ split: 'validation', comparisons: [{ maxUpdate: 0.05 }] });
  // Each task's final loss per optimizer, summing to the means.
  const { perTask, final } = v.comparisons[0];
  expect(perTask.lopt).toHaveLength(2);
  expect((perTask.adam[0] + perTask.adam[1]) / 2).toBeCloseTo(final.adam.mean, 10);
});

/**
 * `--task regression` from the CLI end to end on a folder of CSVs (one task each, lines in the hundreds):
 * train resolves the split and the input scaling into config.json, `eval` scores the test tasks in y's units,
 * and `predict` adapts to a user's support points and answers in their units through the stored scaling.
 * Bad inputs fail before the browser starts: one line, exit code 2, nothing written.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli_helper';

let dir: string;
let data: string;
let run: string;
const MODEL = ['--shots', '4', '--queries', '4', '--hidden', '8', '--meta-batch', '8'];

/** Task k: y = (k − 3)·x + 300 + 10k over x = 0…29. */
const line = (k: number, x: number) => (k - 3) * x + 300 + 10 * k;

function tasks(folder: string, count: number, rows = 30) {
  mkdirSync(folder, { recursive: true });
  for (let k = 0; k < count; k++) {
    const body = Array.from({ length: rows }, (_, x) => `${x},${line(k, x)}`).join('\n');
    writeFileSync(join(folder, `task${k}.csv`), `x,y\n${body}\n`);
  }
}

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-regression-'));
  data = join(dir, 'tasks');
  run = join(dir, 'run');
  tasks(data, 8);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('train --task regression writes the split and the scaling; eval scores the test tasks in y units', async () => {
  const r = await cli(
    'train',
    '--task',
    'regression',
    '--data',
    data,
    ...MODEL,
    '--steps',
    '30',
    '--eval-every',
    '15',
    '--out',
    run,
  );
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  const test = c.testTasks.split(',');
  const val = c.valTasks.split(',');
  expect(test.length).toBe(2);
  expect(val.length).toBe(2);
  expect(test.filter((t: string) => val.includes(t))).toEqual([]);
  // The training tasks' statistics: x over 0…29, y in the hundreds.
  expect(c.xShift).toBeCloseTo(14.5, 6);
  expect(c.xScale).toBeGreaterThan(8);
  expect(c.yShift).toBeGreaterThan(250);
  const e = await cli('eval', '--checkpoint', run, '--episodes', '20', '--json');
  expect(e.code, e.stderr).toBe(0);
  const j = JSON.parse(e.stdout);
  expect(j).toMatchObject({ task: 'regression', learner: 'blackbox', metric: 'mse', episodes: 20 });
  expect(Number.isFinite(j.mean)).toBe(true);
});

test('predict answers in the tasks’ units through the stored scaling', async () => {
  const s = join(dir, 's.csv');
  const q = join(dir, 'q.csv');
  writeFileSync(s, `x,y\n${[0, 5, 10, 20].map((x) => `${x},${line(2, x)}`).join('\n')}\n`);
  writeFileSync(q, `x,y\n${[3, 15, 25].map((x) => `${x},${line(2, x)}`).join('\n')}\n`);
  const r = await cli('predict', '--checkpoint', run, '--support', s, '--query', q, '--json');
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.kind).toBe('regression');
  expect(j.predictions.map((p: { x: number }) => p.x)).toEqual([3, 15, 25]);
  // 30 steps teach little, but the scaling alone puts predictions among the tasks' values, not near 0.
  for (const p of j.predictions) expect(p.y).toBeGreaterThan(150);
  expect(j.mse).toBeGreaterThanOrEqual(0);
});

for (const [what, setup, args, expected] of [
  ['no --data', () => {}, [], '--task regression needs --data DIR'],
  ['only 2 tasks', () => tasks(join(dir, 'two'), 2), ['--data', 'two'], 'needs at least 3 tasks'],
  [
    'a task with fewer points than an episode takes',
    () => tasks(join(dir, 'short'), 4, 6),
    ['--data', 'short'],
    'task task0 has 6 points; an episode takes shots + queries = 4 + 4',
  ],
  [
    'a task file without a header',
    () => {
      tasks(join(dir, 'nohead'), 4);
      writeFileSync(join(dir, 'nohead', 'task1.csv'), '1,2\n3,4\n');
    },
    ['--data', 'nohead'],
    'task1.csv: no column "x"',
  ],
] as const) {
  test(`train --task regression refuses ${what}: one line, exit 2, no run directory`, async () => {
    (setup as () => void)();
    const out = join(dir, `out-${what.length}`);
    const a = (args as readonly string[]).map((v) =>
      v === 'two' || v === 'short' || v === 'nohead' ? join(dir, v) : v,
    );
    const r = await cli('train', '--task', 'regression', ...a, ...MODEL, '--steps', '10', '--out', out);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
    expect(existsSync(out)).toBe(false);
  });
}

/**
 * Nothing lost to a crash: `metarnn train` checkpoints every --checkpoint-minutes whatever the evaluation
 * points, stops cleanly on SIGINT/SIGTERM (a checkpoint at the step it was on, one line saying where, exit
 * 128 + the signal's number; a second signal exits at once), and keeps the --keep most recent checkpoints
 * and the best one. The CLI runs as a user's shell runs it: in a process group of its own (detached), and
 * signals go to the whole group, as a terminal's Ctrl-C does. Tiny models (1x8 GRU, 4 tasks per step), so
 * that each test takes well under 30 s on the software adapter; the SIGINT test runs on Dawn too.
 */
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRun } from '../src/cli/run_dir';
import { decodeCheckpoint } from '../src/io/checkpoint';
import { cliWithEnv, ROOT } from './cli_helper';

const TINY = ['--layers', '1', '--hidden', '8', '--meta-batch', '4', '--seed', '5'];
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const DAWN_ENV: Record<string, string> = {
  ...(process.env.VK_ICD_FILENAMES || !existsSync(ICD) ? {} : { VK_ICD_FILENAMES: ICD }),
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
};
const BACKENDS = {
  browser: { args: ['--backend', 'browser'], env: {} as Record<string, string> },
  dawn: { args: ['--backend', 'dawn'], env: DAWN_ENV },
};

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-interrupt-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI as a shell job: its own process group, so `signal()` reaches it as a terminal's would. */
function job(args: string[], env: Record<string, string> = {}) {
  const p = spawn(process.execPath, [join(ROOT, 'bin/metarnn.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  p.stdout.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((ok) =>
    p.on('close', (code, signal) => ok({ code, signal, stderr })),
  );
  const until = async (what: string, met: () => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!met()) {
      const ended = await Promise.race([done.then(() => true), new Promise((ok) => setTimeout(ok, 20))]);
      if (ended && !met()) throw new Error(`the CLI ended before ${what}: ${stderr}`);
      if (Date.now() - t0 > ms) throw new Error(`no ${what} after ${ms} ms: ${stderr}`);
    }
  };
  return {
    done,
    /** Sends `signal` to the CLI's whole process group. */
    signal: (signal: NodeJS.Signals) => process.kill(-p.pid!, signal),
    /** Resolves once stderr holds `text`. */
    said: (text: string) => until(`"${text}" on stderr`, () => stderr.includes(text)),
    /** Resolves once `path` exists. */
    wrote: (path: string) => until(path, () => existsSync(path)),
  };
}

const stepOf = (path: string) => decodeCheckpoint(readFileSync(path), path).step;
const STOP_LINE =
  /^stopped at step (\d+) \(SIGINT\): checkpoint written to (.+); resume with `metarnn train --resume (.+)`$/m;
/** What the CLI must never show for a signal: a stack trace, Playwright's "page closed" errors. */
const NO_TRACE = /\n\s+at |page\.evaluate|Target page, context or browser has been closed/;

test('a run killed with SIGKILL keeps its last timed checkpoint, which eval reads and --resume continues', async () => {
  const run = join(dir, 'killed');
  const ckpt = join(run, 'checkpoint.safetensors');
  // No evaluation point before step 100,000: every checkpoint here comes from the clock (1.2 s).
  const every = [
    '--log-every',
    '10',
    '--eval-every',
    '100000',
    '--eval-tasks',
    '8',
    '--checkpoint-minutes',
    '0.02',
  ];
  const t = job(['train', ...TINY, ...every, '--steps', '100000', '--out', run]);
  await t.wrote(ckpt);
  t.signal('SIGKILL');
  expect((await t.done).signal).toBe('SIGKILL');

  const step = stepOf(ckpt);
  expect(step).toBeGreaterThan(0);
  expect(step).toBeLessThan(100_000);
  const e = await cliWithEnv({}, 'eval', '--checkpoint', run, '--episodes', '8', '--json');
  expect(e.code, e.stderr).toBe(0);
  expect(JSON.parse(e.stdout)).toMatchObject({ task: 'sinusoid', episodes: 8, metric: 'mse' });
  // No evaluation ran, so there is no best checkpoint yet: refused, saying what to read instead.
  const best = await cliWithEnv({}, 'eval', '--checkpoint', run, '--which', 'best');
  expect(best.code).toBe(2);
  expect(best.stderr).toMatch(/has no checkpoints\/best\.safetensors.*--which last/);

  const r = await cliWithEnv({}, 'train', '--resume', run, '--steps', String(step + 30));
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(`resuming at step ${step}`);
  expect(stepOf(ckpt)).toBe(step + 30);
});

for (const [backend, b] of Object.entries(BACKENDS)) {
  test(`SIGINT (${backend}): stops at the step it is on with a checkpoint, exit 130, and the run resumes`, async () => {
    if (backend === 'dawn') {
      const d = await cliWithEnv(b.env, ...b.args, 'doctor', '--json');
      test.skip(d.code !== 0, `Dawn is not available here: ${d.stderr.trim().split('\n').pop()}`);
    }
    const run = join(dir, `sigint-${backend}`);
    // The first log point far away: the tiny model runs ~400+ steps/s, so 1,000 could come within the wait.
    const every = ['--log-every', '50000', '--eval-every', '100000', '--eval-tasks', '8'];
    const t = job([...b.args, 'train', ...TINY, ...every, '--steps', '100000', '--out', run], b.env);
    await t.said('training: ');
    await new Promise((ok) => setTimeout(ok, 1500));
    t.signal('SIGINT');
    const r = await t.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(NO_TRACE);
    const m = STOP_LINE.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const step = Number(m![1]);
    expect(m![2]).toBe(run);
    expect(m![3]).toBe(run);
    // Well before the first log point (50,000): the stop did not wait for one.
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(50_000);
    expect(stepOf(join(run, 'checkpoint.safetensors'))).toBe(step);
    expect(readdirSync(join(run, 'checkpoints'))).toEqual([`step-${step}.safetensors`]);

    const again = await cliWithEnv(b.env, ...b.args, 'train', '--resume', run, '--steps', String(step + 20));
    expect(again.code, again.stderr).toBe(0);
    expect(stepOf(join(run, 'checkpoint.safetensors'))).toBe(step + 20);
  });
}

test('a second SIGINT exits at once and leaves the last complete checkpoint', async () => {
  const run = join(dir, 'twice');
  const ckpt = join(run, 'checkpoint.safetensors');
  const every = ['--log-every', '1000', '--eval-every', '100000', '--checkpoint-minutes', '0.02'];
  const t = job(['--backend', 'browser', 'train', ...TINY, ...every, '--steps', '100000', '--out', run]);
  await t.wrote(ckpt);
  t.signal('SIGINT');
  await new Promise((ok) => setTimeout(ok, 30));
  const second = performance.now();
  t.signal('SIGINT');
  const r = await t.done;
  expect(performance.now() - second).toBeLessThan(5000);
  expect(r.code, r.stderr).toBe(130);
  expect(r.stderr).not.toMatch(NO_TRACE);
  const m = /metarnn: second SIGINT: exiting at once; the checkpoint at step (\d+) in (.+) is intact$/m.exec(
    r.stderr,
  );
  expect(m, r.stderr).not.toBeNull();
  expect(m![2]).toBe(run);
  // Complete, and the one the line names: the run loads from it as `--resume` would.
  expect(readRun(run).resume.step).toBe(Number(m![1]));
});

test('--keep 2 keeps the two latest checkpoints and the best; eval --which best reads the best', async () => {
  const run = join(dir, 'keep');
  const hist = join(run, 'checkpoints');
  const every = ['--log-every', '10', '--eval-every', '10', '--eval-tasks', '8', '--lr', '0.1'];
  const t = await cliWithEnv({}, 'train', ...TINY, ...every, '--steps', '100', '--keep', '2', '--out', run);
  expect(t.code, t.stderr).toBe(0);
  const evals = () =>
    readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; mean?: number })
      .filter((l) => l.mean !== undefined);
  const bestOf = (lines: { step: number; mean?: number }[]) =>
    lines.reduce((a, b) => (b.mean! < a.mean! ? b : a));
  let best = bestOf(evals());
  expect(evals().map((l) => l.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  expect(readdirSync(hist).sort()).toEqual([
    'best.safetensors',
    'step-100.safetensors',
    'step-90.safetensors',
  ]);
  const saved = decodeCheckpoint(readFileSync(join(hist, 'best.safetensors')), 'best');
  expect(saved.step).toBe(best.step);
  expect(saved.validation).toMatchObject({ metric: 'mse', mean: best.mean, tasks: 8 });
  expect(stepOf(join(run, 'checkpoint.safetensors'))).toBe(100);

  const e = await cliWithEnv({}, 'eval', '--checkpoint', run, '--which', 'best', '--episodes', '8');
  expect(e.code, e.stderr).toBe(0);
  expect(e.stdout).toContain(`step ${best.step} (best): mse`);

  // Resumed in place, the run keeps its best unless a later evaluation beats it.
  const r = await cliWithEnv({}, 'train', '--resume', run, '--steps', '130', '--keep', '2');
  expect(r.code, r.stderr).toBe(0);
  best = bestOf(evals());
  expect(readdirSync(hist).sort()).toEqual([
    'best.safetensors',
    'step-120.safetensors',
    'step-130.safetensors',
  ]);
  expect(stepOf(join(hist, 'best.safetensors'))).toBe(best.step);
});

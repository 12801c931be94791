/**
 * Kill during save: a child process saves multi-megabyte checkpoints in a loop through the CLI's RunWriter
 * and is killed with SIGKILL at seeded moments, many of them while a checkpoint is being written. After each
 * kill the run directory must load with the CLI's own reader (readRun) and hold exactly one complete
 * version: at least the last one the child finished, at most the one it was writing, every value equal to
 * that version's. Temporary files a kill leaves are never read as checkpoints and are removed by the next
 * run. The next child resumes from what it finds, as `train --resume` does.
 */
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRun, RunWriter } from '../src/cli/run_dir';
import { decodeCheckpoint, encodeConfig } from '../src/io/checkpoint';
import { rng } from '../src/layout/random';
import { InputError } from '../src/runtime/errors';
import { ROOT } from './cli_helper';
import { KILL_SAVE_CONFIG, payload } from './kill_save_child';

const KILLS = 24;
/** 1M float32: a 4 MB checkpoint, long enough to write that a kill often lands inside it. */
const FLOATS = 1 << 20;
const CHILD = join(ROOT, 'test/kill_save_child.ts');

interface Kill {
  /** Highest N of `saving N` / `saved N` the child printed before it died (0: none). */
  saving: number;
  saved: number;
  /** The child got through RunWriter.begin() (which removes earlier runs' temporaries). */
  ready: boolean;
  /** What the kill was aimed at. */
  plan: string;
}

/** Wall time of every save seen (`saving N` to `saved N`), to aim kills inside a write. */
const saveMs: number[] = [];

/** A typical save's duration so far: the median of the last ten (encode ~2/3, then write, fsync, rename). */
function typicalSaveMs(): number {
  const last = saveMs.slice(-10).sort((a, b) => a - b);
  return last.length ? last[Math.floor(last.length / 2)] : 80;
}

/** Starts a child on `dir` and SIGKILLs it `delayMs` after its `nth` line starting with `event`. */
function runAndKill(dir: string, event: string, nth: number, delayMs: number): Promise<Kill> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(FLOATS)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill: Kill = {
      saving: 0,
      saved: 0,
      ready: false,
      plan: `${delayMs.toFixed(1)} ms after ${event} #${nth}`,
    };
    let seen = 0;
    let pending = '';
    let stderr = '';
    let killed = false;
    let savingAt = 0;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        // Lines printed after the kill was decided still count: the child prints before it acts.
        if (what === 'ready') kill.ready = true;
        if (what === 'saving') {
          kill.saving = Math.max(kill.saving, Number(n));
          savingAt = performance.now();
        }
        if (what === 'saved') {
          kill.saved = Math.max(kill.saved, Number(n));
          saveMs.push(performance.now() - savingAt);
        }
        if (what === event && ++seen === nth && !killed) {
          killed = true;
          if (delayMs === 0) child.kill('SIGKILL');
          else setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(kill);
      else reject(new Error(`child ended by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

const temporaries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test.describe.configure({ timeout: 180_000 });

test(`${KILLS} SIGKILLs during checkpoint saves leave the last complete checkpoint loadable`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kill-save-'));
  const rand = rng(20261127);
  let lastStep = 0; // the step verified after the previous kill
  let everSaved = 0; // the highest step any child finished writing
  let midWrite = 0; // kills that left a checkpoint temporary file behind
  let partial = 0; // of those, files the loader refuses (cut short)
  let cleaned = 0; // temporaries of an earlier kill that the next run's start removed
  let left: string[] = [];
  const steps: number[] = [];
  try {
    for (let k = 0; k < KILLS; k++) {
      // Mostly aimed at a save in progress: at a seeded fraction of a typical save's duration after
      // `saving N`, half of them in its last half (the write, fsync and rename, after encoding); sometimes
      // at start-up (config.json being rewritten) or between a save and the metrics write.
      const r = rand();
      const [event, nth] =
        r < 0.75
          ? ['saving', 1 + Math.floor(rand() * 3)]
          : r < 0.87
            ? ['begin', 1]
            : ['saved', 1 + Math.floor(rand() * 2)];
      const fraction = rand() < 0.5 ? 0.5 + 0.5 * rand() : 1.3 * rand();
      const delayMs = event === 'saving' ? fraction * typicalSaveMs() : 5 * rand();
      const kill = await runAndKill(dir, event, nth, delayMs);
      everSaved = Math.max(everSaved, kill.saved);

      const now = temporaries(dir);
      if (kill.ready) {
        expect(
          now.filter((f) => left.includes(f)),
          'temporaries of killed runs are removed',
        ).toEqual([]);
        cleaned += left.length;
        left = [];
      }
      left = [...new Set([...left, ...now])];
      const leftovers = now.filter((f) => f.startsWith('.checkpoint.safetensors.'));
      if (leftovers.length) midWrite++;
      for (const f of leftovers) {
        // A temporary file is never what the loader reads; if something did read it, it is either a
        // complete checkpoint or refused as a truncated one, never a half-file taken for a checkpoint.
        try {
          decodeCheckpoint(readFileSync(join(dir, f)), f);
        } catch (e) {
          expect(e, `${f}: ${(e as Error).message}`).toBeInstanceOf(InputError);
          partial++;
        }
      }

      let run;
      try {
        run = readRun(dir);
      } catch (e) {
        // Only before any save finished may there be no checkpoint yet; there is never a broken one.
        expect(e).toBeInstanceOf(InputError);
        expect(everSaved, (e as Error).message).toBe(0);
        expect((e as Error).message).toMatch(/no checkpoint\.safetensors|no such file/);
        continue;
      }
      const step = run.resume.step;
      const why = `kill ${k} (${kill.plan}; saving ${kill.saving}, saved ${kill.saved}): step ${step}`;
      expect(step, why).toBeGreaterThanOrEqual(Math.max(everSaved, lastStep));
      expect(step, why).toBeLessThanOrEqual(Math.max(kill.saving, lastStep));
      const expected = payload(step, FLOATS);
      for (const t of expected) {
        const got = run.resume.tensors[t.name];
        expect(got?.length, `${why}: ${t.name}`).toBe(t.data.length);
        const bad = t.data.findIndex((v, i) => got[i] !== v);
        expect(bad, `${why}: ${t.name}[${bad}] is not version ${step}'s`).toBe(-1);
      }
      expect(run.config.task).toBe(KILL_SAVE_CONFIG.task);
      expect(run.metrics.every((m) => m.step <= step)).toBe(true);
      lastStep = step;
      steps.push(step);
    }
    // The run that follows the last kill removes what the kills left, and picks up where they stopped.
    const before = temporaries(dir);
    await runAndKill(dir, 'saved', 1, 0);
    expect(temporaries(dir).filter((f) => before.includes(f))).toEqual([]);
    cleaned += before.length;
    console.log(
      `${KILLS} kills: steps after each ${steps.join(' ')}; ${midWrite} left a partial checkpoint temporary ` +
        `(${partial} of them cut short, refused by the loader); ${cleaned} temporaries removed by the next run's start`,
    );
    expect(midWrite, 'too few kills landed inside a write to prove anything').toBeGreaterThanOrEqual(
      KILLS / 8,
    );
    expect(steps.length).toBeGreaterThan(KILLS / 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config.json and a checkpoint from different runs are refused, naming the fields that differ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kill-save-pair-'));
  try {
    const writer = new RunWriter(dir, KILL_SAVE_CONFIG);
    writer.begin(true);
    writer.writeCheckpoint(7, payload(7, 16));
    expect(readRun(dir).resume.step).toBe(7);

    // What a resumed run writes before its first checkpoint: more steps. Consistent: the same model.
    writeFileSync(
      join(dir, 'config.json'),
      encodeConfig({ ...KILL_SAVE_CONFIG, steps: 3000, evalTasks: 50 }),
    );
    expect(readRun(dir).config.steps).toBe(3000);

    // Another run's config.json beside this checkpoint: refused, not loaded as a model it is not.
    writeFileSync(join(dir, 'config.json'), encodeConfig({ ...KILL_SAVE_CONFIG, hidden: 32, seed: 9 }));
    expect(() => readRun(dir)).toThrow(InputError);
    expect(() => readRun(dir)).toThrow(/not from the same run/);
    expect(() => readRun(dir)).toThrow(/hidden \(32 vs 64\)/);
    expect(() => readRun(dir)).toThrow(/seed \(9 vs 1\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

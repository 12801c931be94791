/**
 * Checkpoints written by an earlier version still load: test/fixtures/checkpoints_v1 holds tiny runs of every
 * learner, trained with the CLI before the learners were rebuilt on one shared core (a few steps each; the
 * omniglot one on small1 with the MLP encoder). Each must evaluate to the figure recorded then (8 held-out
 * tasks, same adapter and seed) and resume training. The omniglot figure was recorded when queries were scored
 * transductively (all in one sequence): it is now `transductiveAccuracy`, beside the inductive `mean`. Its
 * pretraining head has one row per training class of the split of then (110 characters × 4 turns); today's
 * default split keeps Korean for validation, so loading it also checks that the head is refitted.
 */
import { expect, test } from '@playwright/test';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from './cli_helper';
import { SMALL1 } from './omniglot_runs_fixture';

const FIXTURES = join(ROOT, 'test/fixtures/checkpoints_v1');
const expected: Record<string, { episodes: number; metric: string; mean: number }> = JSON.parse(
  readFileSync(join(FIXTURES, 'expected.json'), 'utf8'),
);

for (const [name, want] of Object.entries(expected)) {
  test(`a ${name} checkpoint written before the learner core evaluates as it did`, async () => {
    const omniglot = name.startsWith('omniglot');
    test.skip(omniglot && !existsSync(SMALL1), `needs ${SMALL1}`);
    const data = omniglot ? ['--data', SMALL1] : [];
    const dir = join(FIXTURES, name);
    const r = await cli('eval', '--checkpoint', dir, '--episodes', String(want.episodes), '--json', ...data);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.metric).toBe(want.metric);
    expect(j.episodes).toBe(want.episodes);
    // Same kernels, same inputs: agreement to float32 rounding, far below any change in behaviour.
    const got = omniglot ? j.transductiveAccuracy : j.mean;
    expect(Math.abs(got - want.mean)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want.mean)));
    if (omniglot) {
      expect(j.protocol).toBe('inductive');
      expect(j.mean).toBeGreaterThanOrEqual(0);
      expect(j.mean).toBeLessThanOrEqual(1);
    }
  });
}

test('a checkpoint written before the learner core resumes training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-compat-'));
  try {
    const run = join(dir, 'run');
    cpSync(join(FIXTURES, 'sinusoid-blackbox'), run, { recursive: true });
    const r = await cli('train', '--resume', run, '--steps', '5');
    expect(r.code, r.stderr).toBe(0);
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.some((m) => m.step === 5)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Omniglot from the CLI end to end: `train --task omniglot --data <zip>` (the zip is read in Node and decoded
 * in the page), then `eval --task omniglot-runs --data <runs zip>` on a fixture in all_runs.zip's layout.
 * Two steps of training: this checks the path, not accuracy (see BENCHMARKS.md for that).
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli_helper';
import { runsFixture, SMALL1 } from './omniglot_runs_fixture';

test.skip(!existsSync(SMALL1), `needs ${SMALL1}`);

test('train 20-way 1-shot on the small1 zip, then score the one-shot runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-omniglot-'));
  try {
    const out = join(dir, 'run');
    const train = await cli(
      'train', '--task', 'omniglot', '--learner', 'blackbox', '--data', SMALL1, '--ways', '20', '--shots', '1',
      '--queries', '1', '--meta-batch', '2', '--hidden', '16', '--steps', '2', '--eval-every', '2',
      '--eval-tasks', '2', '--log-every', '1', '--out', out,
    ); // prettier-ignore
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);

    const runs = join(dir, 'all_runs.zip');
    writeFileSync(runs, runsFixture(true).zip);
    const r = await cli('eval', '--checkpoint', out, '--task', 'omniglot-runs', '--data', runs, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ task: 'omniglot-runs', learner: 'blackbox', ways: 20, shots: 1, episodes: 40 });
    expect(j.errorRate).toBeGreaterThanOrEqual(0);
    expect(j.errorRate).toBeLessThanOrEqual(100);
    expect(j.mean).toBeCloseTo(1 - j.errorRate / 100, 10);

    const missing = await cli('eval', '--checkpoint', out, '--task', 'omniglot-runs');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe(
      'metarnn: --task omniglot-runs needs --data PATH to all_runs.zip (Lake et al. 2015)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

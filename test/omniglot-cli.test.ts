/**
 * Omniglot from the CLI end to end: `train --task omniglot --data <zip>` (the zip is read in Node and decoded
 * in the page), then `eval --task omniglot-runs --data <runs zip>` on a fixture in all_runs.zip's layout.
 * Two steps of training (one pretraining the encoder, one meta-training): this checks the path, not
 * accuracy (see BENCHMARKS.md for that).
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, mapLimit, type Ran } from './cli_helper';
import { readTensorsFile } from '../src/io/files';
import { runsFixture, SMALL1 } from './omniglot_runs_fixture';

test.skip(!existsSync(SMALL1), `needs ${SMALL1}`);

test('train 20-way 1-shot on the small1 zip, then score the one-shot runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-omniglot-'));
  try {
    const out = join(dir, 'run');
    const train = await cli(
      'train', '--task', 'omniglot', '--learner', 'blackbox', '--data', SMALL1, '--ways', '20', '--shots', '1',
      '--queries', '1', '--meta-batch', '2', '--hidden', '16', '--steps', '2', '--pretrain-steps', '1', '--eval-every', '2',
      '--eval-tasks', '2', '--log-every', '1', '--channels', '8, 16', '--embed', '12', '--out', out,
    ); // prettier-ignore
    expect(train.code, train.stderr).toBe(0);
    // --channels and --embed shape the encoder; the runs' scorer below rebuilds it from config.json.
    const tensors = readTensorsFile(join(out, 'checkpoint.safetensors')).tensors;
    expect(tensors.get('encoder.conv0.bias')?.shape).toEqual([8]);
    expect(tensors.get('encoder.conv1.bias')?.shape).toEqual([16]);
    expect(tensors.has('encoder.conv2.bias')).toBe(false);
    expect(tensors.get('encoder.fc.bias')?.shape).toEqual([12]);
    // One spelling of the list in config.json, whatever spaces were typed.
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({
      channels: '8,16',
      embed: 12,
    });

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

/**
 * One small run (2-way 4-shot, labels delayed) scored many ways. Each `eval` starts a browser and decodes the
 * zip, so the checks are tests of their own on the one run: none comes near the time limit alone.
 */
test.describe('eval on an omniglot run', () => {
  test.describe.configure({ mode: 'serial' });
  const episodes = 12;
  let dir: string;
  let out: string;
  /** `eval --episodes 12 --json` on the run, once: its own checks, and the figures the exported model gives. */
  let scored: Promise<Ran> | undefined;
  const score = () => (scored ??= cli('eval', '--checkpoint', out, '--episodes', String(episodes), '--json'));

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'metarnn-omniglot-'));
    out = join(dir, 'run');
    // 4 shots, labels delayed as in Santoro et al.: support steps are instances 1–4 and queries instance 5, so
    // 1, 2 and 5 exist and 10 does not. (With the default paired labels only the queries are predicted.)
    const train = await cli(
      'train', '--task', 'omniglot', '--learner', 'blackbox', '--data', SMALL1, '--ways', '2', '--shots', '4',
      '--queries', '2', '--meta-batch', '2', '--hidden', '16', '--steps', '2', '--pretrain-steps', '1', '--eval-every', '2',
      '--eval-tasks', '2', '--log-every', '1', '--labels', 'delayed', '--out', out,
    ); // prettier-ignore
    expect(train.code, train.stderr).toBe(0);
  });
  test.afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('reports accuracy by presentation (Santoro et al.) that agrees with the query accuracy', async () => {
    const r = await score();
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ task: 'omniglot', ways: 2, shots: 4, episodes, metric: 'accuracy' });
    expect(Object.keys(j.perPresentation).sort()).toEqual(['1', '10', '2', '5']);
    expect(j.perPresentation['10']).toBeNull();
    expect(j.perPresentationCount).toEqual({
      '1': 2 * episodes,
      '2': 2 * episodes,
      '5': 2 * 2 * episodes,
      '10': 0,
    });
    for (const k of ['1', '2', '5']) {
      const acc = j.perPresentation[k];
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
      // Each figure is hits / count: a whole number of hits.
      const hits = acc * j.perPresentationCount[k];
      expect(Math.abs(hits - Math.round(hits))).toBeLessThan(1e-6);
    }
    // Every query is instance shots + 1, and every episode has as many queries: in the one-sequence
    // (transductive) pass that by-presentation comes from, query accuracy is the instance-5 accuracy.
    expect(j.transductiveAccuracy).toBeCloseTo(j.perPresentation['5'], 10);
    expect(j).toMatchObject({ protocol: 'inductive', split: 'test', alphabets: ['Latin'] });

    const text = await cli('eval', '--checkpoint', out, '--episodes', String(episodes));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /accuracy by presentation \(Santoro et al\. 2016\): 1st [\d.]+, 2nd [\d.]+, 5th [\d.]+; 10th absent/,
    );
  });

  test('scores other test alphabets and the validation split, and says which alphabets the run saw', async () => {
    // Other test alphabets, and the validation split (Korean by default).
    const greek = await cli('eval', '--checkpoint', out, '--episodes', '4', '--alphabets', 'Greek', '--json');
    expect(greek.code, greek.stderr).toBe(0);
    expect(JSON.parse(greek.stdout)).toMatchObject({ alphabets: ['Greek'], split: 'test' });
    const val = await cli('eval', '--checkpoint', out, '--episodes', '4', '--split', 'validation', '--json');
    expect(val.code, val.stderr).toBe(0);
    expect(JSON.parse(val.stdout)).toMatchObject({ alphabets: ['Korean'], split: 'validation' });

    // The run's config says which alphabets it may never train or choose on (defaults resolved on the data).
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ alphabets: 'Latin', valAlphabets: 'Korean' });
    // Every alphabet of a zip as test (as images_evaluation.zip would be): scoring needs no training classes.
    const all = 'Balinese,Early_Aramaic,Greek,Korean,Latin';
    const every = await cli('eval', '--checkpoint', out, '--episodes', '4', '--alphabets', all, '--json');
    expect(every.code, every.stderr).toBe(0);
    expect(JSON.parse(every.stdout).alphabets).toEqual(all.split(','));
    // ... and says which of them the run trained or chose on.
    expect(every.stderr).toMatch(
      /note: this run trained on Balinese, Early_Aramaic, Greek: not a test figure/,
    );
    expect(every.stderr).toMatch(/note: this run chose on Korean \(validation\)/);
    const mixed = await cli('eval', '--checkpoint', out, '--split', 'validation', '--alphabets', 'Greek');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--split validation scores the run's own validation alphabets/);
    const unknown = await cli('eval', '--checkpoint', out, '--alphabets', 'Greek,Klingon');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toMatch(
      /^metarnn: unknown test alphabet 'Klingon': this set has Balinese, /,
    );
  });

  test('--within-alphabet gives each named alphabet its share of the episodes', async () => {
    // Within one alphabet (as Lake et al.'s runs): each named alphabet gets its share of the episodes.
    const within = await cli(
      'eval', '--checkpoint', out, '--episodes', '4', '--alphabets', 'Greek,Latin', '--within-alphabet', '--json',
    ); // prettier-ignore
    expect(within.code, within.stderr).toBe(0);
    const w = JSON.parse(within.stdout);
    expect(w).toMatchObject({
      withinAlphabet: true,
      alphabets: ['Greek', 'Latin'],
      episodes: 4,
      skipped: [],
    });
    expect(w.perAlphabet.map((p: { episodes: number }) => p.episodes)).toEqual([2, 2]);
  });

  test('a shipped model (weights only) scores as the run does', async () => {
    const model = join(dir, 'model');
    const exported = await cli('export', '--checkpoint', out, '--which', 'last', '--out', model);
    expect(exported.code, exported.stderr).toBe(0);
    const shipped = readTensorsFile(join(model, 'checkpoint.safetensors'));
    const names = [...shipped.tensors.keys()];
    expect(names.filter((n) => /optimizer|pretrain_head/.test(n))).toEqual([]);
    expect(names).toContain('head.weight');
    const again = await cli('eval', '--checkpoint', model, '--episodes', String(episodes), '--json');
    expect(again.code, again.stderr).toBe(0);
    const k = JSON.parse(again.stdout);
    const run = await score();
    expect(run.code, run.stderr).toBe(0);
    const j = JSON.parse(run.stdout);
    expect(k.mean).toBe(j.mean);
    expect(k.transductiveAccuracy).toBe(j.transductiveAccuracy);
  });
});

/**
 * Each refused with exit 2 and one line naming the value and what is allowed, and nothing written. The checks
 * run in Node on the zip's listing before any browser starts, so the calls run a few at a time.
 */
test('bad splits and encoder widths: one line naming the value and what is allowed, exit 2, no run directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-omniglot-'));
  try {
    const base = ['train', '--task', 'omniglot', '--data', SMALL1, '--steps', '2', '--pretrain-steps', '1'];
    const cases: [string[], RegExp][] = [
      [['--alphabets', 'Latin,Latin'], /test alphabet 'Latin' is named twice/],
      [
        ['--alphabets', 'Latin', '--val-alphabets', 'Latin'],
        /validation alphabet 'Latin' is named for test too/,
      ],
      [['--val-alphabets', 'Latin'], /validation alphabet 'Latin' is a test alphabet by default/],
      [['--val-alphabets', 'Klingon'], /unknown validation alphabet 'Klingon': this set has Balinese, /],
      [
        ['--alphabets', 'Latin', '--val-alphabets', 'Balinese,Early_Aramaic,Greek,Korean'],
        /nothing is left to train on/,
      ],
      [['--alphabets', 'Latin,Greek,Korean'], /no validation alphabets: .* name them with --val-alphabets/],
      [['--ways', '30'], /30-way episodes need 30 classes, but the test alphabets Latin has only 26/],
      [['--shots', '15', '--queries', '10'], /= 25 images per class, but a character has only 20 drawings/],
      [
        ['--channels', '32,x'],
        /--channels '32,x' is not a list of channel counts: give comma-separated integers/,
      ],
      [
        ['--encoder', 'mlp', '--channels', '8'],
        /--channels sets the conv encoder's widths, but --encoder is mlp/,
      ],
      [['--embed', '0'], /--embed/],
      [
        ['--pretrain-warmup', '2'],
        /^metarnn: --pretrain-warmup 2 is longer than the pretraining it warms up \(--pretrain-steps 1\): give at most 1$/,
      ],
      [['--pretrain-warmup', '-1'], /--pretrain-warmup/],
      [['--pretrain-warmup', '0.5'], /--pretrain-warmup/],
    ];
    const outs = cases.map((_, i) => join(dir, `run-${i}`));
    const ran = await mapLimit(cases, 4, ([args], i) => cli(...base, ...args, '--out', outs[i]));
    for (const [i, r] of ran.entries()) {
      const label = cases[i][0].join(' ');
      expect(r.code, `${label}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), label).toHaveLength(1);
      expect(r.stderr.trim(), label).toMatch(cases[i][1]);
      expect(existsSync(outs[i]), label).toBe(false);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

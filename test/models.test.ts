/**
 * The models shipped in models/ load and score as their README line says they were scored: each is evaluated
 * here on a few test episodes of the alphabets it names (the full figure, 600 episodes, is in
 * BENCHMARKS.md with its command), well above chance, under the inductive protocol.
 */
import { expect, test } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT } from './cli_helper';

const MODELS = join(ROOT, 'models');
const DATA = join(ROOT, '../shared/data/omniglot');
const ZIPS = ['images_background_small1.zip', 'images_background_small2.zip'].map((z) => join(DATA, z));

const models = existsSync(MODELS)
  ? readdirSync(MODELS).filter((d) => existsSync(join(MODELS, d, 'config.json')))
  : [];

test('models/ holds at least one model, each with its README line', () => {
  expect(models.length).toBeGreaterThan(0);
  const readme = readFileSync(join(MODELS, 'README.md'), 'utf8');
  for (const m of models) expect(readme, m).toContain(`models/${m}`);
});

for (const m of models) {
  test(`models/${m} scores its test alphabets well above chance (inductive, 20 episodes)`, async () => {
    test.skip(!ZIPS.every(existsSync), `needs ${ZIPS.join(' and ')} (the shared Omniglot data)`);
    const dir = join(MODELS, m);
    const r = await cli('eval', '--checkpoint', dir, '--data', ZIPS.join(','), '--episodes', '20', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(j).toMatchObject({ protocol: 'inductive', split: 'test', metric: 'accuracy' });
    expect(j.alphabets).toEqual(config.alphabets.split(','));
    expect(j.mean).toBeGreaterThan(2.5 / config.ways);
  });
}

/**
 * Parsers under fuzzing: seeded, reproducible mutations of valid inputs. Each parser must either accept the
 * input or throw the project's own typed error (an InputError subclass): never a TypeError/RangeError from
 * deep inside, never a hang, and never allocate from an absurd size it read.
 */
import { expect, test } from '@playwright/test';
import { checkConfigObject } from '../src/cli/config_options';
import { parse, serialize } from '../src/io/safetensors';
import { rng } from '../src/layout/random';
import { InputError } from '../src/runtime/errors';
import { mutateBytes as mutate } from './mutate';

const N = 10_000;

function expectTyped(fn: () => unknown, what: string): 'ok' | 'rejected' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof InputError))
      throw new Error(`${what}: untyped ${(e as Error).name}: ${(e as Error).message}`);
    return 'rejected';
  }
}

test(`safetensors parser: ${N} mutated files give only SafetensorsError`, () => {
  const rand = rng(20261127);
  const valid = serialize(
    {
      weight_ih_l0: { shape: [6, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) },
      bias_ih_l0: { shape: [6], data: new Float32Array(6).fill(0.5) },
    },
    { format: 'pt' },
  );
  const counts = { ok: 0, rejected: 0 };
  const t0 = Date.now();
  for (let i = 0; i < N; i++) counts[expectTyped(() => parse(mutate(valid, rand), 'fuzz'), `case ${i}`)]++;
  expect(counts.rejected).toBeGreaterThan(N / 2); // most mutations must be caught, not silently accepted
  expect(Date.now() - t0).toBeLessThan(30_000); // no pathological slow path
});

test(`config reader: ${N} mutated configs give only InputError`, () => {
  const rand = rng(7);
  const valid = new TextEncoder().encode(
    JSON.stringify({ task: 'sinusoid', learner: 'blackbox', shots: 10, hidden: 64, lr: 0.003, seed: 1 }),
  );
  const decoder = new TextDecoder();
  const counts = { ok: 0, rejected: 0 };
  for (let i = 0; i < N; i++) {
    const text = decoder.decode(mutate(valid, rand));
    counts[
      expectTyped(() => {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new InputError('bad JSON'); // what readConfigFile does with a JSON.parse failure
        }
        return checkConfigObject(raw, 'fuzz.json');
      }, `case ${i}: ${text}`)
    ]++;
  }
  expect(counts.rejected).toBeGreaterThan(N / 2);
});

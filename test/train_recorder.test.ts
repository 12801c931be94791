/**
 * The train CLI's warning for a classifier whose output no longer depends on its input (constantOutput in
 * src/cli/train_recorder.ts), on the figures of real runs (BENCHMARKS.md, "A sweep on the H200").
 */
import { expect, test } from '@playwright/test';
import { constantOutput } from '../src/cli/train_recorder';

test('constantOutput: exact chance with no spread over enough episodes, and nothing else', () => {
  // The collapsed 32,64,64 / 32 encoder: 100 five-way episodes, every one at 0.2 (the interval is rounding).
  expect(constantOutput({ mean: 0.19999999999999962, ci95: 7.654498604601429e-17 }, 100, 5)).toBe(true);
  expect(constantOutput({ mean: 0.05, ci95: 0 }, 100, 20)).toBe(true);
  // A working model at chance still varies from episode to episode; a trained one is above chance.
  expect(constantOutput({ mean: 0.2, ci95: 0.027 }, 100, 5)).toBe(false);
  expect(constantOutput({ mean: 0.88, ci95: 0 }, 100, 5)).toBe(false);
  // Too few episodes to tell.
  expect(constantOutput({ mean: 0.2, ci95: 0 }, 4, 5)).toBe(false);
});

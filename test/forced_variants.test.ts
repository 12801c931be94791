import { expect, test } from '@playwright/test';
import { parseForcedVariants } from '../src/kernels/forced_variants';
import { InputError } from '../src/runtime/errors';
import { cliWithEnv } from './cli_helper';

// METARNN_VARIANTS forces kernel variants for a run (src/kernels/forced_variants.ts): parsed strictly, refused
// in one line before any device starts, and seen by the device the CLI drives (doctor lists them).

test('parseForcedVariants: the forcible keys and values, nothing else', () => {
  expect([...parseForcedVariants('linear.vec4=off, reduce.splits=12, gru.backward-units=1')]).toEqual([
    ['linear.vec4', 'off'],
    ['reduce.splits', '12'],
    ['gru.backward-units', '1'],
  ]);
  expect(parseForcedVariants(undefined).size).toBe(0);
  expect(parseForcedVariants(' , ').size).toBe(0);
  for (const bad of [
    'linear.vec4=maybe',
    'linear.vec4',
    'linear.vec4=on=off',
    'gru.tiles=8',
    'gru.backward-units=3',
    'gru.backward-units=',
    'gru.unroll=yes',
    'reduce.splits=0',
    'reduce.splits=65',
    'reduce.splits=2.5',
    'linear.blocked=on,linear.blocked=off',
    'constructor=x',
    '__proto__=1',
    'toString=1',
  ]) {
    expect(() => parseForcedVariants(bad), bad).toThrow(InputError);
  }
  expect(() => parseForcedVariants('linear.vec4=maybe')).toThrow(
    /'linear\.vec4=maybe'.*allowed: linear\.vec4=on\|off/,
  );
});

test('METARNN_VARIANTS reaches the device (doctor lists it) and a bad one is refused in one line', async () => {
  const ok = await cliWithEnv({ METARNN_VARIANTS: 'linear.vec4=off' }, 'doctor');
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toContain('variants  linear.vec4=off (forced by METARNN_VARIANTS)');
  const plain = await cliWithEnv({ METARNN_VARIANTS: undefined }, 'doctor');
  expect(plain.stdout).not.toContain('variants ');
  const bad = await cliWithEnv({ METARNN_VARIANTS: 'linear.vec4=fast' }, 'doctor');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr.trim().split('\n')).toEqual([
    "metarnn: METARNN_VARIANTS: 'linear.vec4=fast' is not a variant this build can force " +
      '(allowed: linear.vec4=on|off, linear.blocked=on|off, linear.broadcast=on|off, reduce.splits=1..64, gru.backward-units=1|2|4, gru.unroll=on|off, gru.broadcast=on|off)',
  ]);
});

/** The check the Omniglot tests share: a call fails with an OmniglotError (an InputError) naming each part. */
import { expect } from '@playwright/test';
import { OmniglotError } from '../src/data/omniglot';
import { InputError } from '../src/runtime/errors';

export function expectOmniglotError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(OmniglotError);
  expect(err).toBeInstanceOf(InputError);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

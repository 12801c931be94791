/**
 * Data a task family needs beyond its config, sent into the page before a learner is built: Omniglot's zip
 * is read here (the page cannot read paths) and decoded in the page, once, into GPU-ready images.
 */
import { readDataFile } from '../data/omniglot_file';
import type { RunConfig } from '../io/run_config';
import { InputError } from '../runtime/errors';
import type { Runner } from './runner';

export function checkTaskData(c: RunConfig): Uint8Array | null {
  if (c.task !== 'omniglot') return null;
  if (!c.data) {
    throw new InputError(
      '--task omniglot needs --data PATH: an Omniglot zip such as images_background.zip or images_background_small1.zip',
    );
  }
  return readDataFile(c.data);
}

export async function loadTaskData(runner: Runner, c: RunConfig): Promise<void> {
  const bytes = checkTaskData(c);
  if (!bytes) return;
  await runner.call('omniglotLoad', Buffer.from(bytes).toString('base64'), c.data);
}

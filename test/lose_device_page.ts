/**
 * A harness page that loses its device in the middle of `metarnn train`, for the CLI's recovery test, with no
 * test hook in the CLI or the page: the CLI serves the page from $METARNN_APP_DIR, and this builds such a
 * directory next to the real build (every file linked, harness.html copied) whose harness.html first runs a
 * small script. That script wraps the training-event function Node installs in the page
 * (TRAIN_EVENT_FUNCTION): once Node has answered the progress event of step `step`, it destroys the page's
 * device, as a driver reset would, and only that once, so that the replacement device lives.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_DIR } from '../src/cli/server';
import { TRAIN_EVENT_FUNCTION } from '../src/protocol/training';

/** Runs in the page before its modules (a classic script; the harness page has no CSP). */
const script = (step: number) => `(() => {
  let armed = true;
  let wrapped;
  Object.defineProperty(window, ${JSON.stringify(TRAIN_EVENT_FUNCTION)}, {
    configurable: true,
    get: () => wrapped,
    set(send) {
      wrapped = async (e) => {
        const answer = await send(e);
        if (armed && e.type === 'progress' && e.progress.step === ${step}) {
          armed = false;
          (await window.harness.gpu()).destroy();
        }
        return answer;
      };
    },
  });
})();`;

/** Makes `dir` a copy of the built app whose harness page destroys its device at `step`; returns `dir`. */
export function appLosingDeviceAt(step: number, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(APP_DIR)) {
    if (name !== 'harness.html') symlinkSync(join(APP_DIR, name), join(dir, name));
  }
  const html = readFileSync(join(APP_DIR, 'harness.html'), 'utf8');
  if (!html.includes('<head>')) throw new Error(`${APP_DIR}/harness.html has no <head>`);
  writeFileSync(
    join(dir, 'harness.html'),
    html.replace('<head>', `<head>\n<script>${script(step)}</script>`),
  );
  return dir;
}

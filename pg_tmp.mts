import { readFileSync } from 'node:fs';
import { openSession } from './src/cli/session';
const D = '/work/shared/data/omniglot/';
const names = ['images_background_small1.zip', 'images_background_small2.zip'];
const b64 = names.map((n) => readFileSync(D + n).toString('base64'));
const s = await openSession();
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await s.page.evaluate(async ({ b64, names }) => {
    const h = (window as any).harness;
    const t0 = performance.now();
    const r = await h.omniglotLoad(b64, names);
    return { r, ms: performance.now() - t0 };
  }, { b64, names });
  console.log('outside', (performance.now() - t0).toFixed(0), 'inside', r.ms.toFixed(0), JSON.stringify(r.r).slice(0, 80));
}
await s.close();

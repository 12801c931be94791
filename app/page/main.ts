/**
 * The web page: Device, Train, Adapt, Checkpoints and Bench views over the same library the CLI drives (the
 * learners, lib.train, the checkpoint format). Tabs follow the WAI-ARIA tabs pattern: arrow keys move
 * between them, Enter/Space/click shows one.
 */
import './page.css';
import { renderAdapt } from './adapt';
import { renderBench } from './bench_view';
import { renderCheckpoints } from './checkpoints';
import { renderDevice } from './device';
import { byId, say } from './dom';
import { renderTrain } from './train_view';

declare global {
  interface Window {
    /** Set once the views are built: tests wait for it. `webgpu` says whether a device was acquired. */
    metarnnPage?: { webgpu: boolean };
  }
}

const VIEWS = ['device', 'train', 'adapt', 'checkpoints', 'bench'] as const;
const onShow: Partial<Record<(typeof VIEWS)[number], () => void>> = {};

function select(name: (typeof VIEWS)[number], focus = false): void {
  for (const v of VIEWS) {
    const tab = byId(`tab-${v}`);
    const on = v === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(`view-${v}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  onShow[name]?.();
  history.replaceState(null, '', `#${name}`);
}

function setupTabs(): void {
  VIEWS.forEach((v, i) => {
    const tab = byId(`tab-${v}`);
    tab.addEventListener('click', () => select(v));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(VIEWS[(i + step + VIEWS.length) % VIEWS.length], true);
      else if (e.key === 'Home') select(VIEWS[0], true);
      else if (e.key === 'End') select(VIEWS[VIEWS.length - 1], true);
      else return;
      e.preventDefault();
    });
  });
}

async function boot(): Promise<void> {
  setupTabs();
  const webgpu = await renderDevice(byId('view-device'));
  if (webgpu) {
    renderTrain(byId('view-train'));
    onShow.adapt = renderAdapt(byId('view-adapt'));
    onShow.checkpoints = renderCheckpoints(byId('view-checkpoints'));
    renderBench(byId('view-bench'));
  } else {
    for (const v of ['train', 'adapt', 'checkpoints', 'bench'])
      byId(`view-${v}`).textContent = 'This view needs WebGPU: see the Device tab.';
  }
  const hash = location.hash.slice(1) as (typeof VIEWS)[number];
  select(VIEWS.includes(hash) ? hash : webgpu ? 'train' : 'device');
  window.metarnnPage = { webgpu };
}

boot().catch((e) => {
  say(`The page failed to start: ${(e as Error).message}`, true);
  console.error(e);
});

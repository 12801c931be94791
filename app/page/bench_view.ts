/**
 * Bench view: the plan `metarnn bench` runs (bench/run.ts), in this page — the adapter's matmul, our GRU's
 * forward and training step per case, meta-training throughput — with a table and a bar chart of the
 * step-time ratios. Ours runs on this page's device. TF.js's GRU, when asked for, runs in a hidden frame
 * of bench.html (the page `metarnn bench` drives): TF.js's threaded wasm loader needs `new Function`, which
 * this page's Content-Security-Policy forbids and bench.html's allows (src/protocol/csp.ts), so TF.js never
 * enters this page and its bundle stays free of eval.
 */
import { CASES, PEERS, type BenchCase, type PeerName } from '../../bench/cases';
import { localTarget } from '../../bench/local';
import { runBenchPlan, type BenchRun, type BenchTarget } from '../../bench/run';
import './bench.css';
import { barChart, type Bar } from './bars';
import { h, say } from './dom';
import { COLORS } from './plot';
import { getGpu, state } from './state';

/** Sizes: those of `metarnn bench`, or small ones for a quick look on a slow (software) adapter. */
const PRESETS: Record<string, { label: string; cases: BenchCase[]; matmul: number; throughput: number }> = {
  bench: { label: 'metarnn bench', cases: CASES, matmul: 1024, throughput: 5 },
  small: {
    label: 'small',
    cases: [
      { name: 'small-1x16', layers: 1, batch: 4, T: 8, input: 2, hidden: 16 },
      { name: 'small-2x16', layers: 2, batch: 4, T: 8, input: 2, hidden: 16 },
    ],
    matmul: 128,
    throughput: 1,
  },
};

const PEER_HELP: Record<PeerName, string> = {
  'tfjs-webgpu': 'TF.js 4.22 on WebGPU: the same adapter as ours (slow to start: it compiles many shaders).',
  'tfjs-wasm': 'TF.js 4.22 on WebAssembly (SIMD, threads when the page is cross-origin isolated): the CPU.',
  'tfjs-cpu': 'TF.js 4.22 in plain JavaScript: the CPU.',
};

/** bench.html in a hidden frame, loaded on the first peer measured: its `window.bench` runs TF.js. */
let peersFrame: Promise<BenchTarget> | null = null;
function framePeers(host: HTMLElement): Promise<BenchTarget> {
  peersFrame ??= new Promise<BenchTarget>((ok, fail) => {
    const frame = h('iframe', { id: 'bench-frame', src: 'bench.html', title: 'TF.js peers', hidden: true });
    frame.addEventListener('load', () => {
      const target = (frame.contentWindow as (Window & { bench?: BenchTarget }) | null)?.bench;
      if (target) ok(target);
      else
        fail(
          new Error('bench.html loaded without its `bench` object: is the page built with `npm run build`?'),
        );
    });
    host.append(frame);
  });
  peersFrame.catch(() => (peersFrame = null));
  return peersFrame;
}

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const shape = (c: BenchCase) =>
  `${c.name}: ${c.layers} layer${c.layers > 1 ? 's' : ''}, batch ${c.batch}, T ${c.T}, input ${c.input}, hidden ${c.hidden}`;

function resultsTable(r: BenchRun): HTMLTableElement {
  const head = [
    'Case',
    'Implementation',
    'Forward ms',
    'Step ms',
    'Step ÷ ours',
    'GFLOP/s step',
    'Of matmul',
  ];
  const body = h('tbody');
  const row = (cells: string[], note?: string) => {
    const tr = h('tr', {}, ...cells.map((c, i) => h(i < 2 ? 'th' : 'td', i < 2 ? { scope: 'row' } : {}, c)));
    if (note) tr.append(h('td', { colspan: head.length - cells.length, class: 'note' }, note));
    body.append(tr);
  };
  for (const c of r.cases) {
    const o = c.ours;
    if (o.forwardMs === null) row([c.name, 'ours'], `failed: ${o.error}`);
    else
      row([
        c.name,
        'ours',
        num(o.forwardMs),
        num(o.trainStepMs),
        '1.00×',
        o.gflopsTrainStep.toFixed(3),
        pct(o.shareTrainStep),
      ]);
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs === null) {
        row([c.name, p], e.error ? `failed: ${e.error}` : `skipped: ${e.skipped}`);
        continue;
      }
      const vs = e.stepVsOurs === null ? '—' : `${e.stepVsOurs.toFixed(2)}×`;
      row([
        c.name,
        p,
        num(e.forwardMs),
        num(e.trainStepMs),
        vs,
        e.gflopsTrainStep.toFixed(3),
        pct(e.shareTrainStep),
      ]);
    }
  }
  return h(
    'table',
    { id: 'bench-table', class: 'bench-table' },
    h(
      'caption',
      {},
      `Median of ${r.timing.repeats} runs after warm-up. Step = forward + backward + Adam on MSE; ` +
        `step ÷ ours > 1 means slower than ours. ${r.cases.map(shape).join('; ')}.`,
    ),
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

/** One bar per timed implementation (step time ÷ ours), and the batched ÷ task-by-task throughput. */
function ratioBars(r: BenchRun): Bar[] {
  const bars: Bar[] = [];
  for (const c of r.cases) {
    if (c.ours.trainStepMs !== null) bars.push({ label: `${c.name} ours`, value: 1, color: COLORS.loss });
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs !== null && e.stepVsOurs !== null)
        bars.push({ label: `${c.name} ${p}`, value: e.stepVsOurs, color: COLORS.before });
    }
  }
  if (r.throughput)
    bars.push({
      label: `throughput, ${r.throughput.metaBatch} tasks/submit ÷ 1`,
      value: r.throughput.ratio,
      color: COLORS.truth,
    });
  return bars;
}

function summary(r: BenchRun): string {
  const a = r.adapter;
  const t = r.throughput;
  return (
    `Adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (software)' : ''}; ` +
    `matmul ${r.matmul.size}³ ${r.matmulGflops.toFixed(3)} GFLOP/s` +
    (t
      ? `; meta-training ${t.batchedTasksPerSecond.toFixed(0)} tasks/s with ${t.metaBatch} tasks per submit, ` +
        `${t.taskByTaskTasksPerSecond.toFixed(1)} task by task with a readback each (${t.ratio.toFixed(1)}×)`
      : '') +
    '.'
  );
}

export function renderBench(root: HTMLElement): void {
  const number = (id: string, value: number, min: number) =>
    h('input', { id, type: 'number', min, step: 1, value, required: true });
  const preset = h(
    'select',
    { id: 'bench-preset' },
    ...Object.entries(PRESETS).map(([k, p]) => h('option', { value: k }, p.label)),
  );
  const matmul = number('bench-matmul', PRESETS.bench.matmul, 16);
  const throughput = number('bench-throughput', PRESETS.bench.throughput, 0);
  preset.addEventListener('change', () => {
    matmul.value = String(PRESETS[preset.value].matmul);
    throughput.value = String(PRESETS[preset.value].throughput);
  });
  const quick = h('input', { id: 'bench-quick', type: 'checkbox', checked: true });
  const peerBoxes = PEERS.map((p) => h('input', { id: `bench-peer-${p}`, type: 'checkbox', value: p }));
  const field = (id: string, label: string, help: string, input: HTMLElement) =>
    h('label', { for: id, title: help }, h('span', {}, label), input);
  const check = (input: HTMLInputElement, label: string, help: string) =>
    h('label', { class: 'check', for: input.id, title: help }, input, h('span', {}, label));

  const runBtn = h('button', { id: 'bench-run', type: 'button', 'aria-describedby': 'bench-now' }, 'Run');
  const stopBtn = h('button', { id: 'bench-stop', type: 'button', disabled: true }, 'Stop');
  const bar = h('progress', { id: 'bench-progress', max: 1, value: 0, 'aria-label': 'Bench progress' });
  const now = h('span', { id: 'bench-now', class: 'readout' });
  const out = h('div', { id: 'bench-results', 'aria-live': 'polite' });
  const frameHost = h('div');
  let stop = false;

  const run = async () => {
    if (state.training) return say('Pause or stop training first: both would share the GPU.', true);
    const m = Number(matmul.value);
    const s = Number(throughput.value);
    if (!Number.isInteger(m) || m < 16)
      return say(`Matmul size: ${matmul.value} is not an integer ≥ 16.`, true);
    if (!Number.isFinite(s) || s < 0) return say(`Throughput seconds: ${throughput.value} is not ≥ 0.`, true);
    const peers = peerBoxes.filter((b) => b.checked).map((b) => b.value as PeerName);
    stop = false;
    runBtn.disabled = true;
    stopBtn.disabled = false;
    root.dataset.state = 'running';
    out.replaceChildren();
    say('Bench running…');
    const target = localTarget(getGpu, async (p, c, o) => (await framePeers(frameHost)).peer(p, c, o));
    try {
      const r = await runBenchPlan(target, {
        cases: PRESETS[preset.value].cases,
        peers,
        quick: quick.checked,
        matmulSize: m,
        throughputSeconds: s,
        progress: (p) => {
          if (stop) throw new Error('stopped');
          bar.max = p.total;
          bar.value = p.done;
          now.textContent = p.what === 'done' ? 'done' : `[${p.done + 1}/${p.total}] ${p.what}…`;
        },
      });
      const bars = ratioBars(r);
      out.replaceChildren(
        h('p', { id: 'bench-summary', class: 'readout' }, summary(r)),
        h('div', { class: 'scroll' }, resultsTable(r)),
        h(
          'div',
          { class: 'scroll' },
          barChart(bars, {
            id: 'bench-chart',
            title: 'Training-step time relative to ours, and batched ÷ task-by-task throughput',
            unit: '×',
          }),
        ),
      );
      root.dataset.state = 'done';
      say(`Bench done: ${r.cases.length} cases, ${bars.length} ratios.`);
    } catch (e) {
      root.dataset.state = 'stopped';
      const msg = (e as Error).message;
      if (msg === 'stopped') say('Bench stopped.');
      else {
        say(`Bench failed: ${msg}`, true);
        console.error(e);
      }
      now.textContent = '';
    } finally {
      runBtn.disabled = false;
      stopBtn.disabled = true;
    }
  };
  runBtn.addEventListener('click', () => void run());
  stopBtn.addEventListener('click', () => {
    stop = true;
    now.textContent = 'stopping after this measurement…';
  });

  root.append(
    h('h2', {}, 'Bench'),
    h(
      'p',
      {},
      'What ',
      h('code', {}, 'metarnn bench --quick'),
      ' measures, in this page: our GRU forward and training step, the adapter’s matmul speed, and ' +
        'meta-training throughput. TF.js peers, when ticked, run in a hidden frame of ',
      h('a', { href: 'bench.html' }, 'bench.html'),
      ' (TF.js needs a looser security policy than this page’s).',
    ),
    h(
      'form',
      { class: 'params', id: 'bench-form', onsubmit: (e: Event) => e.preventDefault() },
      field(
        'bench-preset',
        'Sizes',
        `GRU cases to time. ${Object.values(PRESETS)
          .map((p) => `${p.label}: ${p.cases.map(shape).join('; ')}`)
          .join('. ')}.`,
        preset,
      ),
      field('bench-matmul', 'Matmul size', 'Side of the square matmul that measures the adapter.', matmul),
      field(
        'bench-throughput',
        'Throughput seconds',
        'Seconds per side of the meta-training throughput measurement; 0 skips it.',
        throughput,
      ),
      check(quick, 'Quick', '3 repeats instead of 5; slow peers on the first case only (as --quick).'),
      ...PEERS.map((p, i) => check(peerBoxes[i], p, PEER_HELP[p])),
    ),
    h('div', { class: 'buttons' }, runBtn, stopBtn, bar, now),
    out,
    frameHost,
  );
}

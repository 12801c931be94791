/**
 * Bench view: the plan `metarnn bench` runs (bench/run.ts), in this page — the adapter's matmul, our GRU's
 * forward and training step per case in interleaved rounds, meta-training throughput and its curve against
 * the meta-batch — with a table, a bar chart of the step-time ratios and the curve (bench_results.ts). Ours runs on this page's device. TF.js's GRU, when asked for, runs in a hidden frame
 * of bench.html (the page `metarnn bench` drives): TF.js's threaded wasm loader needs `new Function`, which
 * this page's Content-Security-Policy forbids and bench.html's allows (src/protocol/csp.ts), so TF.js never
 * enters this page and its bundle stays free of eval.
 */
import { CASES, PEERS, type BenchCase, type PeerName } from '../../bench/cases';
import { localTarget } from '../../bench/local';
import {
  runBenchPlan,
  type BenchOptions,
  type BenchProgress,
  type BenchTarget,
  type ScalingOptions,
} from '../../bench/run';
import './bench.css';
import { ratioBars, results, shape } from './bench_results';
import { h, say } from './dom';
import { getGpu, state } from './state';

interface Preset {
  label: string;
  cases: BenchCase[];
  matmul: number;
  throughput: number;
  /** The meta-training curve's points, as `metarnn bench` (full) and `metarnn bench --quick` (quick). */
  scaling: { full: ScalingOptions; quick: ScalingOptions };
}

const LEARNERS = ['blackbox', 'maml'] as const;

/** Sizes: those of `metarnn bench`, or small ones for a quick look on a slow (software) adapter. */
const PRESETS: Record<string, Preset> = {
  bench: {
    label: 'metarnn bench',
    cases: CASES,
    matmul: 1024,
    throughput: 5,
    scaling: {
      full: { learners: LEARNERS, metaBatches: [32, 64, 128, 256, 512, 1024], seconds: 2 },
      quick: { learners: LEARNERS, metaBatches: [32, 128, 512], seconds: 1 },
    },
  },
  small: {
    label: 'small',
    cases: [
      { name: 'small-1x16', layers: 1, batch: 4, T: 8, input: 2, hidden: 16 },
      { name: 'small-2x16', layers: 2, batch: 4, T: 8, input: 2, hidden: 16 },
    ],
    matmul: 128,
    throughput: 1,
    scaling: {
      full: { learners: LEARNERS, metaBatches: [2, 4, 8, 16], seconds: 0.5 },
      quick: { learners: LEARNERS, metaBatches: [2, 8], seconds: 0.3 },
    },
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

const field = (id: string, label: string, help: string, input: HTMLElement) =>
  h('label', { for: id, title: help }, h('span', {}, label), input);
const check = (input: HTMLInputElement, label: string, help: string) =>
  h('label', { class: 'check', for: input.id, title: help }, input, h('span', {}, label));
const number = (id: string, value: number, min: number) =>
  h('input', { id, type: 'number', min, step: 1, value, required: true });

/** The bench's settings: sizes, matmul size, throughput seconds, quick, and which TF.js peers run. */
class BenchForm {
  readonly preset = h(
    'select',
    { id: 'bench-preset' },
    ...Object.entries(PRESETS).map(([k, p]) => h('option', { value: k }, p.label)),
  );
  readonly matmul = number('bench-matmul', PRESETS.bench.matmul, 16);
  readonly throughput = number('bench-throughput', PRESETS.bench.throughput, 0);
  readonly quick = h('input', { id: 'bench-quick', type: 'checkbox', checked: true });
  readonly peerBoxes = PEERS.map((p) => h('input', { id: `bench-peer-${p}`, type: 'checkbox', value: p }));
  readonly element: HTMLFormElement;

  constructor() {
    // A preset brings its own matmul size and throughput time; either can still be changed after.
    this.preset.addEventListener('change', () => {
      this.matmul.value = String(PRESETS[this.preset.value].matmul);
      this.throughput.value = String(PRESETS[this.preset.value].throughput);
    });
    const sizes = Object.values(PRESETS)
      .map((p) => `${p.label}: ${p.cases.map(shape).join('; ')}`)
      .join('. ');
    this.element = h(
      'form',
      { class: 'params', id: 'bench-form', onsubmit: (e: Event) => e.preventDefault() },
      field('bench-preset', 'Sizes', `GRU cases to time. ${sizes}.`, this.preset),
      field(
        'bench-matmul',
        'Matmul size',
        'Side of the square matmul that measures the adapter.',
        this.matmul,
      ),
      field(
        'bench-throughput',
        'Throughput seconds',
        'Seconds per side of the meta-training throughput measurement; 0 skips it and the curve of tasks/s against the meta-batch.',
        this.throughput,
      ),
      check(
        this.quick,
        'Quick',
        '2 interleaved rounds instead of 3, a shorter meta-training curve; slow peers on the first case only (as --quick).',
      ),
      ...PEERS.map((p, i) => check(this.peerBoxes[i], p, PEER_HELP[p])),
    );
  }

  /** The plan's options, or a message saying which field is wrong. */
  read(): Omit<BenchOptions, 'progress' | 'log'> | string {
    const m = Number(this.matmul.value);
    const s = Number(this.throughput.value);
    if (!Number.isInteger(m) || m < 16) return `Matmul size: ${this.matmul.value} is not an integer ≥ 16.`;
    if (!Number.isFinite(s) || s < 0) return `Throughput seconds: ${this.throughput.value} is not ≥ 0.`;
    const preset = PRESETS[this.preset.value];
    return {
      cases: preset.cases,
      peers: this.peerBoxes.filter((b) => b.checked).map((b) => b.value as PeerName),
      quick: this.quick.checked,
      matmulSize: m,
      throughputSeconds: s,
      ...(s > 0 ? { scaling: preset.scaling[this.quick.checked ? 'quick' : 'full'] } : {}),
    };
  }
}

class BenchView {
  readonly form = new BenchForm();
  readonly runBtn = h('button', { id: 'bench-run', type: 'button', 'aria-describedby': 'bench-now' }, 'Run');
  readonly stopBtn = h('button', { id: 'bench-stop', type: 'button', disabled: true }, 'Stop');
  readonly bar = h('progress', { id: 'bench-progress', max: 1, value: 0, 'aria-label': 'Bench progress' });
  readonly now = h('span', { id: 'bench-now', class: 'readout' });
  readonly out = h('div', { id: 'bench-results', 'aria-live': 'polite' });
  /** Where the frame of bench.html goes, once a peer is asked for. */
  readonly frameHost = h('div');
  #stop = false;

  constructor(readonly root: HTMLElement) {
    this.runBtn.addEventListener('click', () => void this.run());
    this.stopBtn.addEventListener('click', () => {
      this.#stop = true;
      this.now.textContent = 'stopping after this measurement…';
    });
    root.append(
      h('h2', {}, 'Bench'),
      h(
        'p',
        {},
        'What ',
        h('code', {}, 'metarnn bench --quick'),
        ' measures, in this page: our GRU forward and training step (each implementation in turn, in rounds), ' +
          'the adapter’s matmul speed, and meta-training throughput against the meta-batch. TF.js peers, when ' +
          'ticked, run in a hidden frame of ',
        h('a', { href: 'bench.html' }, 'bench.html'),
        ' (TF.js needs a looser security policy than this page’s).',
      ),
      this.form.element,
      h('div', { class: 'buttons' }, this.runBtn, this.stopBtn, this.bar, this.now),
      this.out,
      this.frameHost,
    );
  }

  /** Runs the plan with the form's settings; Stop ends it at the next measurement. */
  async run(): Promise<void> {
    if (state.training) return say('Pause or stop training first: both would share the GPU.', true);
    const options = this.form.read();
    if (typeof options === 'string') return say(options, true);
    this.#stop = false;
    this.runBtn.disabled = true;
    this.stopBtn.disabled = false;
    this.root.dataset.state = 'running';
    this.out.replaceChildren();
    say('Bench running…');
    const target = localTarget(getGpu, async (p, c, o) => (await framePeers(this.frameHost)).peer(p, c, o));
    try {
      const r = await runBenchPlan(target, { ...options, progress: (p) => this.#progress(p) });
      const bars = ratioBars(r);
      this.out.replaceChildren(...results(r, bars));
      this.root.dataset.state = 'done';
      say(`Bench done: ${r.cases.length} cases, ${bars.length} ratios.`);
    } catch (e) {
      this.root.dataset.state = 'stopped';
      const msg = (e as Error).message;
      if (msg === 'stopped') say('Bench stopped.');
      else {
        say(`Bench failed: ${msg}`, true);
        console.error(e);
      }
      this.now.textContent = '';
    } finally {
      this.runBtn.disabled = false;
      this.stopBtn.disabled = true;
    }
  }

  /** Shows how far the plan is; a Stop asked for throws here, between two measurements. */
  #progress(p: BenchProgress): void {
    if (this.#stop) throw new Error('stopped');
    this.bar.max = p.total;
    this.bar.value = p.done;
    this.now.textContent = p.what === 'done' ? 'done' : `[${p.done + 1}/${p.total}] ${p.what}…`;
  }
}

export function renderBench(root: HTMLElement): void {
  new BenchView(root);
}

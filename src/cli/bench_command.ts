/**
 * `metarnn bench`: our GRU against TF.js 4.22's (webgpu, wasm and cpu backends) in one browser page on the
 * same adapter, plus the adapter's own matmul speed as the yardstick for "how much of the machine we use".
 * The page side lives in app/bench_page.ts and bench/; this file plans the runs, reports progress and the
 * table, and writes the JSON report.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Page } from 'playwright-core';
import { CASES, PEERS, type PeerName } from '../../bench/cases';
import {
  runBenchPlan,
  type BenchOptions,
  type BenchRun,
  type BenchTarget,
  type CaseReport,
  type Speed,
} from '../../bench/run';
import { writeFileAtomic } from '../io/files';
import { InputError, MetarnnError } from '../runtime/errors';
import { APP_DIR } from './server';
import { resolveBackend } from './runner';

export type { BenchOptions, CaseReport, OursEntry, PeerEntry } from '../../bench/run';

export interface BenchReport extends BenchRun {
  /** The 1-minute load average around the run: other work on the machine skews every figure. */
  host: { cpus: number; loadBefore: number; loadAfter: number };
}

type Result<K extends keyof BenchTarget> = Awaited<ReturnType<BenchTarget[K]>>;

/**
 * Calls `window.bench[name](...args)`: the bench page's object is a BenchTarget (bench/run.ts), the one
 * contract both sides share. The call is an expression string with the arguments inlined as JSON, so that
 * no helper the CLI's compiler adds (tsx wraps named functions in `__name`) reaches the browser.
 */
async function call<K extends keyof BenchTarget>(
  page: Page,
  name: K,
  ...args: Parameters<BenchTarget[K]>
): Promise<Result<K>> {
  try {
    return (await page.evaluate(
      `window.bench[${JSON.stringify(name)}](...${JSON.stringify(args)})`,
    )) as Result<K>;
  } catch (e) {
    // Playwright prefixes its own lines and a page stack; the first line says what went wrong.
    const first = String((e as Error).message ?? e)
      .split('\n')[0]
      .replace(/^page\.evaluate: (Error: )?/, '');
    throw new MetarnnError(`bench.${name}: ${first}`, 'bench');
  }
}

/** Runs the whole plan (bench/run.ts) in a page that has `window.bench` (see app/bench_page.ts). */
export async function runBench(page: Page, o: BenchOptions): Promise<BenchReport> {
  const loadBefore = loadavg()[0];
  const target: BenchTarget = {
    info: () => call(page, 'info'),
    matmul: (...a) => call(page, 'matmul', ...a),
    ours: (...a) => call(page, 'ours', ...a),
    throughput: (...a) => call(page, 'throughput', ...a),
    peer: (...a) => call(page, 'peer', ...a),
  };
  const run = await runBenchPlan(target, o);
  return { ...run, host: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0] } };
}

/**
 * TF.js (the peers' chunk and its wasm binaries, 2.5 MB) is built apart from the rest of the page
 * (`tfjs` chunk and tfjs-wasm/, vite.config.ts) and left out of the npm package (package.json "files"), so
 * an installed metarnn measures ours alone and says where the peers run.
 */
function tfjsBuilt(appDir: string): boolean {
  const assets = join(appDir, 'assets');
  return (
    existsSync(join(appDir, 'tfjs-wasm')) &&
    existsSync(assets) &&
    readdirSync(assets).some((f) => f.startsWith('tfjs-'))
  );
}

/** The bench in a browser page (bench.html), with the TF.js peers when they are built. */
async function benchInBrowser(peers: string[], plan: BenchOptions): Promise<BenchReport> {
  if (!existsSync(join(APP_DIR, 'bench.html'))) {
    throw new InputError(
      `the bench page is not built (${APP_DIR}/bench.html is missing): run \`npm run build\``,
    );
  }
  let peersUnavailable: string | undefined;
  if (peers.length && !tfjsBuilt(APP_DIR)) {
    peersUnavailable = 'TF.js is not in the installed package';
    console.error(
      `bench: the TF.js peers (${peers.join(', ')}) are not in the installed package (TF.js would add 2.5 MB ` +
        'to it): run them from a clone of the metarnn repository (`npm install && npm run bench`). ' +
        'Measuring ours only.',
    );
  }
  // Loaded on demand: Playwright takes a second or more to import, and `metarnn --version` should not wait.
  const { openSession } = await import('./session');
  const session = await openSession({ page: 'bench.html', log: (s) => console.error(s) });
  try {
    return await runBench(session.page, { ...plan, peersUnavailable });
  } finally {
    await session.close();
  }
}

/**
 * The bench in this process on Dawn when the backend says so (runner.ts): ours only, through the same
 * bench/local.ts target the page uses; null for the browser.
 */
async function benchOnDawn(): Promise<((o: BenchOptions) => Promise<BenchReport>) | null> {
  const backend = await resolveBackend();
  if (backend !== 'dawn') return null;
  // Loaded on demand: the kernels' WGSL comes with them, which only the CLI's own loader (or its bundle) reads.
  const [{ nodeGpu }, { localTarget }] = await Promise.all([
    import('../runtime/dawn'),
    import('../../bench/local'),
  ]);
  const gpu = nodeGpu();
  const target = localTarget(
    () => gpu,
    () => Promise.reject(new Error('the TF.js peers run in a browser page')),
  );
  return async (o) => {
    const loadBefore = loadavg()[0];
    const run = await runBenchPlan(target, o);
    (await gpu).destroy();
    return { ...run, host: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0] } };
  };
}

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ms = (x: number) => `${num(x)} ms`;
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

const HEAD = [
  'case',
  'impl',
  'fwd ms',
  'step ms',
  'GFLOP/s fwd/step',
  'step/ours',
  'matmul share',
  'dispatches',
];

/** One row per case and implementation; a row that did not run says why in a trailing cell. */
function tableRows(r: BenchReport): string[][] {
  const rows: string[][] = [];
  const notRun = (c: CaseReport, impl: string, e: { skipped?: string; error?: string }) =>
    rows.push([
      c.name,
      impl,
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      e.error ? `failed: ${e.error}` : `(${e.skipped})`,
    ]);
  const timed = (c: CaseReport, impl: string, e: { forwardMs: number; trainStepMs: number } & Speed) => [
    c.name,
    impl,
    num(e.forwardMs),
    num(e.trainStepMs),
    `${e.gflopsForward.toFixed(3)}/${e.gflopsTrainStep.toFixed(3)}`,
  ];
  for (const c of r.cases) {
    const o = c.ours;
    if (o.forwardMs === null) notRun(c, 'ours', o);
    else
      rows.push([
        ...timed(c, 'ours', o),
        '1.00x',
        `${pct(o.shareForward)}/${pct(o.shareTrainStep)}`,
        `${o.dispatchesPerStep}`,
      ]);
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs === null) notRun(c, p, e);
      else {
        const vs = e.stepVsOurs === null ? '-' : `${e.stepVsOurs.toFixed(2)}x`;
        rows.push([...timed(c, p, e), vs, `${pct(e.shareForward)}/${pct(e.shareTrainStep)}`, '-']);
      }
    }
  }
  return rows;
}

/** The lines under the table: what the columns mean, then per case memory and time by kernel, throughput. */
function tableNotes(r: BenchReport): string[] {
  const timed = r.cases.flatMap((c) => (c.ours.forwardMs === null ? [] : [{ name: c.name, ours: c.ours }]));
  return [
    'step = forward + backward + Adam on MSE over all outputs; step FLOPs = 3 x forward FLOPs.',
    'share = GFLOP/s / matmul GFLOP/s of this adapter (tfjs-wasm and tfjs-cpu run on the CPU instead).',
    ...timed.map(
      (c) =>
        `${c.name}: GPU memory for a training step ${mib(c.ours.memory.heldBytes)} held, minimum ` +
        `${mib(c.ours.memory.minimumBytes)} (weights + saved activations + gradients + Adam state)`,
    ),
    ...timed.map(
      (c) =>
        `${c.name}: ours, each kernel of a step alone: ${c.ours.stepByKernel.map((k) => `${k.kernel} ${ms(k.ms)}`).join(', ')}`,
    ),
    ...(r.throughput
      ? [
          `meta-training throughput (black-box GRU 2x64, 10-shot sinusoid): ${r.throughput.batchedTasksPerSecond.toFixed(0)} ` +
            `tasks/s with ${r.throughput.metaBatch} tasks per submit vs ${r.throughput.taskByTaskTasksPerSecond.toFixed(1)} ` +
            `task by task with a readback each: ${r.throughput.ratio.toFixed(1)}x`,
        ]
      : []),
  ];
}

/** The human-readable table: one row per case and implementation, a trailing note for rows that did not run. */
function formatTable(r: BenchReport): string {
  const rows = tableRows(r);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (i >= widths.length ? s : i < 2 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const a = r.adapter;
  return [
    `adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (fallback: software)' : ''}; ` +
      `matmul ${r.matmulGflops.toFixed(3)} GFLOP/s; crossOriginIsolated ${r.crossOriginIsolated}; ` +
      `median of ${r.timing.repeats} runs after warm-up; load average ${r.host.loadBefore.toFixed(1)} before, ` +
      `${r.host.loadAfter.toFixed(1)} after, on ${r.host.cpus} CPUs`,
    '',
    line(HEAD),
    ...rows.map(line),
    '',
    ...tableNotes(r),
  ].join('\n');
}

interface BenchCliOptions {
  json?: string | boolean;
  out?: string;
  quick?: boolean;
  peers: string;
}

/**
 * Where the report goes: `--json` prints it on stdout (as every command's --json does), `--out FILE` writes
 * it; `--json FILE` is how --out was spelled before and still writes FILE. A file whose directory is missing
 * fails now, not after minutes of measuring.
 */
function benchOutput(opts: BenchCliOptions): { stdout: boolean; file: string | null } {
  const old = typeof opts.json === 'string' ? opts.json : null;
  if (old && opts.out) {
    throw new InputError('--json FILE is the old spelling of --out FILE: give one of them');
  }
  const file = opts.out ?? old;
  if (file && !existsSync(dirname(resolve(file)))) {
    throw new InputError(`cannot write ${file}: directory ${dirname(resolve(file))} does not exist`);
  }
  if (old) console.error(`bench: --json ${old} writes ${old}, as --out ${old} would (--json alone: stdout)`);
  return { stdout: opts.json === true, file };
}

export function register(program: Command): void {
  program
    .command('bench')
    .description("time our GRU against TF.js 4.22's (webgpu, wasm, cpu backends) on this machine's adapter")
    .option(
      '--json [file]',
      'print the results as one JSON object on stdout, the table on stderr (--json FILE: the old spelling of --out FILE)',
    )
    .option('--out <file>', 'also write the results as JSON to file (atomically)')
    .option('--quick', 'fewer repeats (3); the slow peers (tfjs-webgpu, tfjs-cpu) on the first case only')
    .option('--peers <names>', `comma-separated subset of ${PEERS.join(',')}, or "none"`, PEERS.join(','))
    .action(async (opts: BenchCliOptions) => {
      const output = benchOutput(opts);
      const peers = opts.peers === 'none' ? [] : opts.peers.split(',').map((s) => s.trim());
      const unknown = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
      if (unknown.length) {
        throw new InputError(`--peers: unknown ${unknown.join(', ')}; allowed: ${PEERS.join(', ')} or none`);
      }
      const started = performance.now();
      const dawn = await benchOnDawn();
      const plan = {
        cases: CASES,
        peers: peers as PeerName[],
        quick: Boolean(opts.quick),
        matmulSize: 1024,
        throughputSeconds: opts.quick ? 5 : 20,
        log: (s: string) => console.error(`bench: ${s}`),
      };
      let report: BenchReport;
      if (dawn) {
        if (peers.length) console.error('bench: on Dawn, ours only: the TF.js peers run in a browser page');
        report = await dawn({
          ...plan,
          peersUnavailable: 'TF.js peers run in a browser (--backend browser)',
        });
      } else {
        report = await benchInBrowser(peers, plan);
      }
      (output.stdout ? console.error : console.log)(formatTable(report));
      console.error(`bench: done in ${secs(started)}`);
      if (output.file) {
        writeFileAtomic(output.file, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
        console.error(`bench: wrote ${output.file}`);
      }
      if (output.stdout) console.log(JSON.stringify(report));
    });
}

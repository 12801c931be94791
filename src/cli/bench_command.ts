/**
 * `metarnn bench`: our GRU against TF.js 4.22's (webgpu, wasm and cpu backends) in one browser page on the
 * same adapter, plus the adapter's own matmul speed as the yardstick for "how much of the machine we use".
 * The page side lives in app/bench_page.ts and bench/; this file plans the runs, reports progress, prints
 * the table (bench_report.ts) and writes the JSON report and the meta-training curve's SVG.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Page } from 'playwright-core';
import { CASES, PEERS, type PeerName } from '../../bench/cases';
import { runBenchPlan, type BenchOptions, type BenchRun, type BenchTarget } from '../../bench/run';
import { scalingSvg } from '../../bench/scaling_svg';
import { writeFileAtomic } from '../io/files';
import { InputError, MetarnnError } from '../runtime/errors';
import { formatBenchReport } from './bench_report';
import { APP_DIR } from './server';
import { resolveBackend } from './runner';
import { forceVariants } from '../kernels/forced_variants';

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
    metaTraining: (...a) => call(page, 'metaTraining', ...a),
    peer: (...a) => call(page, 'peer', ...a),
  };
  const run = await runBenchPlan(target, { loadAverage: () => loadavg()[0], ...o });
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
 * The bench in this process on Dawn when the backend says so (runner.ts), through the same bench/local.ts
 * target the page uses, with TF.js's peers in this process too (bench/tfjs_node.ts); null for the browser.
 */
async function benchOnDawn(): Promise<((o: BenchOptions) => Promise<BenchReport>) | null> {
  const backend = await resolveBackend();
  if (backend !== 'dawn') return null;
  // Loaded on demand: the kernels' WGSL comes with them, which only the CLI's own loader (or its bundle) reads.
  const [{ nodeGpu }, { localTarget }] = await Promise.all([
    import('../runtime/dawn'),
    import('../../bench/local'),
  ]);
  const gpu = nodeGpu().then((g) => forceVariants(g, process.env.METARNN_VARIANTS));
  const target = localTarget(
    () => gpu,
    // TF.js (webgpu on Dawn, wasm, cpu) is loaded with the first peer measured, never for ours alone.
    async (p, c, o) => (await import('../../bench/tfjs_node')).benchPeerNode(p, c, o),
  );
  return async (o) => {
    const loadBefore = loadavg()[0];
    const run = await runBenchPlan(target, o);
    (await gpu).destroy();
    return { ...run, host: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0] } };
  };
}

const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

interface BenchCliOptions {
  json?: string | boolean;
  out?: string;
  plot?: string;
  quick?: boolean;
  repeat?: string;
  peers: string;
  cases: string;
  /** false with --no-throughput. */
  throughput: boolean;
}

/**
 * Meta-training tasks/s against the meta-batch: at 1,024 tasks one black-box step takes ~8 s on the software
 * adapter, so --quick keeps fewer points and less time per point (the full curve: about a minute there).
 */
const SCALING = {
  full: { learners: ['blackbox', 'maml'], metaBatches: [32, 64, 128, 256, 512, 1024], seconds: 2 },
  quick: { learners: ['blackbox', 'maml'], metaBatches: [32, 128, 512], seconds: 1 },
} as const;

/** --cases: names of CASES, each once, in the order given. */
function parseCases(text: string): typeof CASES {
  const names = text.split(',').map((s) => s.trim());
  const allowed = CASES.map((c) => c.name).join(', ');
  const picked = names.map((n) => {
    const c = CASES.find((c) => c.name === n);
    if (!c) throw new InputError(`--cases: unknown case ${JSON.stringify(n)}; allowed: ${allowed}`);
    return c;
  });
  if (new Set(names).size !== names.length) throw new InputError(`--cases names a case twice: ${text}`);
  return picked;
}

/** --repeat: the rounds of interleaved runs (bench/run.ts), an integer >= 1. */
function parseRepeat(text: string | undefined, quick: boolean): number {
  if (text === undefined) return quick ? 2 : 3;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < 1 || n > 100) {
    throw new InputError(
      `--repeat ${JSON.stringify(text)}: expected an integer from 1 to 100 (rounds per case)`,
    );
  }
  return n;
}

/**
 * Where the report goes: `--json` prints it on stdout (as every command's --json does), `--out FILE` writes
 * it; `--json FILE` is how --out was spelled before and still writes FILE. A file whose directory is missing
 * fails now, not after minutes of measuring.
 */
function benchOutput(opts: BenchCliOptions): { stdout: boolean; file: string | null; plot: string | null } {
  const old = typeof opts.json === 'string' ? opts.json : null;
  if (old && opts.out) {
    throw new InputError('--json FILE is the old spelling of --out FILE: give one of them');
  }
  const file = opts.out ?? old;
  // The curve's SVG goes beside the JSON report unless --plot says where: bench.json -> bench.svg.
  const plot = opts.plot ?? (file ? `${file.replace(/\.json$/i, '')}.svg` : null);
  for (const f of [file, plot]) {
    if (f && !existsSync(dirname(resolve(f)))) {
      throw new InputError(`cannot write ${f}: directory ${dirname(resolve(f))} does not exist`);
    }
  }
  if (old) console.error(`bench: --json ${old} writes ${old}, as --out ${old} would (--json alone: stdout)`);
  return { stdout: opts.json === true, file, plot };
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
    .option(
      '--plot <file>',
      'write the meta-training curve (tasks/s against the meta-batch) as SVG to file (default: beside --out, .svg)',
    )
    .option(
      '--quick',
      'fewer rounds (2), a shorter meta-training curve; the slow peers (tfjs-webgpu, tfjs-cpu) on the first case only',
    )
    .option(
      '--repeat <n>',
      'rounds per case: each times every implementation (ours and each peer) in turn, in a rotating order (default: 3, --quick 2)',
    )
    .option('--peers <names>', `comma-separated subset of ${PEERS.join(',')}, or "none"`, PEERS.join(','))
    .option(
      '--cases <names>',
      `comma-separated subset of the GRU cases: ${CASES.map((c) => c.name).join(',')}`,
      CASES.map((c) => c.name).join(','),
    )
    .option(
      '--no-throughput',
      'skip the meta-training throughput and its curve against the meta-batch (the GRU cases only)',
    )
    .action(async (opts: BenchCliOptions) => {
      const output = benchOutput(opts);
      const rounds = parseRepeat(opts.repeat, Boolean(opts.quick));
      const peers = opts.peers === 'none' ? [] : opts.peers.split(',').map((s) => s.trim());
      const unknown = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
      if (unknown.length) {
        throw new InputError(`--peers: unknown ${unknown.join(', ')}; allowed: ${PEERS.join(', ')} or none`);
      }
      const cases = parseCases(opts.cases);
      const started = performance.now();
      const dawn = await benchOnDawn();
      const plan = {
        cases,
        peers: peers as PeerName[],
        quick: Boolean(opts.quick),
        rounds,
        matmulSize: 1024,
        throughputSeconds: !opts.throughput ? 0 : opts.quick ? 5 : 20,
        scaling: opts.throughput ? SCALING[opts.quick ? 'quick' : 'full'] : undefined,
        loadAverage: () => loadavg()[0],
        log: (s: string) => console.error(`bench: ${s}`),
      };
      let report: BenchReport;
      if (dawn) {
        // An installed metarnn has no TF.js (README, "As a package"): say so and measure ours.
        const missing = peers.length ? await (await import('../../bench/tfjs_node')).tfjsMissing() : null;
        if (missing) console.error(`bench: ${missing}. Measuring ours only.`);
        report = await dawn({ ...plan, peersUnavailable: missing ?? undefined });
      } else {
        report = await benchInBrowser(peers, plan);
      }
      const plot = output.plot && report.scaling ? output.plot : null;
      (output.stdout ? console.error : console.log)(formatBenchReport(report, plot));
      console.error(`bench: done in ${secs(started)}`);
      if (plot && report.scaling) {
        const a = report.adapter;
        const where = `${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (software adapter)' : ''}`;
        const svg = scalingSvg(report.scaling.points, `10-shot sinusoid, on ${where}`);
        writeFileAtomic(plot, new TextEncoder().encode(svg));
        console.error(`bench: wrote ${plot}`);
      }
      if (output.file) {
        writeFileAtomic(output.file, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
        console.error(`bench: wrote ${output.file}`);
      }
      if (output.stdout) console.log(JSON.stringify(report));
    });
}

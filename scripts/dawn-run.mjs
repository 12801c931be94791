// Runs metarnn's library headless in plain Node through Dawn (the npm package `webgpu`), for GPU figures on a
// machine with no browser and no npm. Plain ESM JavaScript: needs only `node` and the files it is given.
//
//   node scripts/dawn-run.mjs --lib BUNDLE.js --dawn DAWN/index.js --plan PLAN.json --out DIR
//   (or METARNN_DAWN_LIB, METARNN_DAWN_INDEX, METARNN_DAWN_PLAN, METARNN_DAWN_OUT)
//
// BUNDLE.js comes from scripts/dawn-build.mjs. The plan is a JSON object whose keys name the parts to run, in
// its key order: "lopt", "bench", "blackbox", "omniglot", "matmul", "diagnose" (any subset; see
// scripts/plans/*.json; "bench.alone" and the like run a part again under a key of its own). Results go to DIR/results.json, rewritten after every part so that a run cut short
// keeps what it finished; lopt also writes DIR/lopt/checkpoint.safetensors + config.json (the CLI's
// run-directory format, so `metarnn eval --checkpoint DIR/lopt` reads it back).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, env) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? args[i + 1] : process.env[env];
  if (!v) {
    console.error(`dawn-run: missing --${name} (or $${env}); see the header of scripts/dawn-run.mjs`);
    process.exit(2);
  }
  return v;
};
const libPath = resolve(arg('lib', 'METARNN_DAWN_LIB'));
const dawnPath = resolve(arg('dawn', 'METARNN_DAWN_INDEX'));
const planPath = resolve(arg('plan', 'METARNN_DAWN_PLAN'));
const outDir = resolve(arg('out', 'METARNN_DAWN_OUT'));
// Dawn toggles, e.g. METARNN_DAWN_FLAGS="backend=vulkan,adapter=NVIDIA": one create() flag per comma.
const dawnFlags = (process.env.METARNN_DAWN_FLAGS ?? '').split(',').filter(Boolean);

const plan = JSON.parse(readFileSync(planPath, 'utf8'));
mkdirSync(outDir, { recursive: true });

const log = (...xs) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...xs);
const writeAtomic = (path, data) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
};

const { create, globals } = await import(pathToFileURL(dawnPath).href);
Object.assign(globalThis, globals);
const gpuApi = create(dawnFlags);
// Node 20 has no navigator; bench/local.ts reads hardwareConcurrency and userAgent from it.
if (!globalThis.navigator) {
  globalThis.navigator = {
    gpu: gpuApi,
    hardwareConcurrency: availableParallelism(),
    userAgent: `node/${process.version} dawn`,
  };
}
const lib = await import(pathToFileURL(libPath).href);

const results = {
  startedAt: new Date().toISOString(),
  node: process.version,
  plan,
  adapter: null,
  parts: {},
};
const save = () => writeAtomic(join(outDir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);

let gpu;
try {
  gpu = await lib.acquireGpu({
    gpu: gpuApi,
    onLost: (e) => log(`device lost: ${e.message}`),
    onError: (e) => log(`GPU error: ${e.message}`),
  });
} catch (e) {
  results.error = `acquireGpu: ${e.message}`;
  save();
  console.error(`dawn-run: no WebGPU device: ${e.message}`);
  process.exit(3);
}
const limits = {};
for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize']) {
  limits[k] = gpu.limits[k];
}
results.adapter = { ...gpu.adapter, features: [...gpu.features], limits };
log('adapter', JSON.stringify(results.adapter));
// The GRU tiles for this adapter (src/kernels/gru_probe.ts): every candidate timed, the fastest kept.
await lib.tuneGpu(gpu);
const probe = lib.gruProbeOf(gpu);
results.gruTiles = probe instanceof Error ? { error: probe.message } : probe;
log('gru tiles', JSON.stringify(results.gruTiles));
save();

/** The CLI's checkpoint tensor shapes: a learner's ParamEntry shapes, else flat (app/harness_train.ts). */
async function namedTensors(learner) {
  const shapes = new Map((learner.entries ?? []).map((e) => [e.name, e.shape]));
  return Object.entries(await learner.state()).map(([name, data]) => {
    const shape = shapes.get(name);
    const fits = shape && shape.reduce((a, b) => a * b, 1) === data.length;
    return { name, shape: fits ? shape : [data.length], data };
  });
}

/** Meta-trains until `steps` or `seconds`, whichever first; returns the loss log and the rate. */
async function trainFor(learner, steps, seconds, what) {
  const losses = [];
  const t0 = performance.now();
  let skipped = 0;
  await lib.train(learner, steps, {
    onProgress: (p) => {
      losses.push({ step: p.step, loss: p.loss, t: (performance.now() - t0) / 1000 });
      skipped = p.skipped;
      if (p.step % (learner.config.logEvery * 10) === 0 || p.step === steps) {
        log(`${what} step ${p.step} loss ${p.loss.toPrecision(4)} ${p.stepsPerSecond.toFixed(1)} steps/s`);
      }
    },
    shouldStop: () => performance.now() - t0 > seconds * 1000,
  });
  await gpu.sync();
  const elapsed = (performance.now() - t0) / 1000;
  return {
    steps: learner.stepCount,
    seconds: elapsed,
    stepsPerSecond: learner.stepCount / elapsed,
    skipped,
    losses,
  };
}

const summary = (r) => ({ metric: r.metric, mean: r.mean, ci95: r.ci95, tasks: r.values.length });

async function runLopt(p) {
  const config = { ...lib.defaultsFor('sinusoid', 'lopt'), ...(p.config ?? {}) };
  // Evaluation is ours (below), not train()'s: no eval points during the timed training.
  config.evalEvery = 1e9;
  const learner = await lib.createLearner(gpu, config);
  const out = { config };
  try {
    log(`lopt: ${JSON.stringify(config)}`);
    out.train = await trainFor(learner, p.steps ?? config.steps, p.seconds ?? Infinity, 'lopt');
    // What `metarnn eval` uses: the held-out stream, seed + 2000 (src/cli/train_command.ts TEST_SEED_OFFSET).
    const seed = config.seed + 2000;
    let t0 = performance.now();
    const evalResult = await learner.evaluate(p.evalTasks ?? 256, seed);
    out.evaluate = { ...summary(evalResult), seconds: (performance.now() - t0) / 1000 };
    log(`lopt evaluate: ${JSON.stringify(out.evaluate)}`);
    out.compare = [];
    for (const steps of p.compareSteps ?? [100, 200]) {
      t0 = performance.now();
      const c = await learner.compare(p.compareTasks ?? 64, seed, steps);
      const finalMean = Object.fromEntries(
        Object.entries(c.final).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
      );
      out.compare.push({ ...c, finalMean, seconds: (performance.now() - t0) / 1000 });
      log(`lopt compare ${steps} steps: final mean ${JSON.stringify(finalMean)} lr ${JSON.stringify(c.lr)}`);
    }
    const tensors = await namedTensors(learner);
    const dir = join(outDir, p.dir ?? 'lopt');
    writeAtomic(
      join(dir, 'checkpoint.safetensors'),
      lib.encodeCheckpoint(learner.stepCount, config, tensors),
    );
    writeAtomic(join(dir, 'config.json'), lib.encodeConfig(config));
    out.checkpoint = { dir, step: learner.stepCount, tensors: tensors.length };
    log(`lopt checkpoint: ${dir} (step ${learner.stepCount})`);
  } finally {
    learner.destroy();
  }
  return out;
}

async function runBench(p) {
  const cases = p.cases ?? lib.CASES;
  // The TF.js peers ("peers": ["tfjs-webgpu", …]) run here too, on navigator.gpu above, with TF.js from the
  // node_modules/ that scripts/dawn-carry.sh puts beside the bundle; without it they are skipped, saying why.
  const peers = p.peers ?? [];
  const peersUnavailable = peers.length ? ((await lib.tfjsMissing()) ?? undefined) : undefined;
  if (peersUnavailable) log(`bench: peers skipped: ${peersUnavailable}`);
  const out = {};
  out.run = await lib.runBenchPlan(
    lib.localTarget(async () => gpu, lib.benchPeerNode),
    {
      cases,
      peers,
      peersUnavailable,
      quick: p.quick ?? false,
      matmulSize: p.matmulSize ?? 1024,
      throughputSeconds: p.throughputSeconds ?? 5,
      // Tasks/s against the meta-batch ("scaling": { "learners", "metaBatches", "seconds" }), as bench/run.ts.
      scaling: p.scaling,
      rounds: p.rounds,
      loadAverage: () => loadavg()[0],
      log: (line) => log(`bench: ${line}`),
    },
  );
  if (out.run.scaling) {
    const where = `${gpu.adapter.vendor} ${gpu.adapter.device || gpu.adapter.architecture} (Node + Dawn)`;
    writeAtomic(
      join(outDir, 'scaling.svg'),
      lib.scalingSvg(out.run.scaling.points, `10-shot sinusoid, on ${where}`),
    );
  }
  // runBenchPlan's throughput is at 32 tasks per submit; a real GPU has room for larger batches.
  out.throughput = [];
  for (const metaBatch of p.throughputMetaBatches ?? []) {
    const r = await lib.benchThroughput(gpu, { metaBatch, seconds: p.throughputSeconds ?? 5 });
    out.throughput.push(r);
    log(
      `bench: throughput metaBatch ${metaBatch}: ${r.batchedTasksPerSecond.toFixed(0)} tasks/s, ${r.ratio.toFixed(1)}x`,
    );
  }
  return out;
}

async function runBlackbox(p) {
  const out = [];
  for (const shots of p.shots ?? [10, 5]) {
    const config = { ...lib.defaultsFor('sinusoid', 'blackbox'), ...(p.config ?? {}), shots, evalEvery: 1e9 };
    const learner = await lib.createLearner(gpu, config);
    try {
      log(`blackbox: ${JSON.stringify(config)}`);
      const trained = await trainFor(learner, p.steps ?? 1e9, p.seconds ?? 60, `blackbox ${shots}-shot`);
      const t0 = performance.now();
      const r = await learner.evaluate(p.evalTasks ?? 600, config.seed + 2000);
      const row = {
        shots,
        config,
        train: trained,
        evaluate: { ...summary(r), seconds: (performance.now() - t0) / 1000 },
      };
      out.push(row);
      log(
        `blackbox ${shots}-shot: ${trained.steps} steps, ${trained.stepsPerSecond.toFixed(1)} steps/s, ` +
          `held-out MSE ${r.mean.toPrecision(4)} ± ${r.ci95.toPrecision(2)}`,
      );
    } finally {
      learner.destroy();
    }
  }
  return { runs: out };
}

/**
 * The Omniglot black-box classifier (`metarnn train --task omniglot`): `data` is a zip path relative to the
 * plan file, or several (merged and de-duplicated as `--data A,B` does); `config` adds to the CLI's defaults
 * (e.g. "alphabets" / "valAlphabets" for a split by alphabet, "memory"). Trains to `steps` or for `seconds`,
 * evaluating every evalEvery steps (on the validation alphabets when the config names them), and writes a run
 * directory that `metarnn eval --checkpoint DIR [--which best]` reads: checkpoint.safetensors (the latest) and
 * checkpoints/best.safetensors (the best by that evaluation). Then evaluates `evalTasks` test episodes as
 * `metarnn eval` does (seed + 2000); "evalTasks": 0 leaves the test split to be scored elsewhere, once.
 */
async function runOmniglot(p) {
  const names = Array.isArray(p.data) ? p.data : [p.data];
  const sources = names.map((name) => ({
    name,
    zip: new Uint8Array(readFileSync(resolve(dirname(planPath), name))),
  }));
  const dataset = lib.loadOmniglotSources(sources);
  const config = { ...lib.defaultsFor('omniglot', 'blackbox'), data: names.join(','), ...(p.config ?? {}) };
  const learner = await lib.createLearner(gpu, config, { omniglot: dataset });
  const out = { config, curve: [] };
  const dir = join(outDir, p.dir ?? 'omniglot');
  let best = null;
  const checkpoint = async (validation) => {
    const tensors = await namedTensors(learner);
    const saved = { ...config, steps: learner.stepCount };
    const bytes = lib.encodeCheckpoint(learner.stepCount, saved, tensors, validation);
    writeAtomic(join(dir, 'checkpoint.safetensors'), bytes);
    writeAtomic(join(dir, 'config.json'), lib.encodeConfig(saved));
    if (validation && Number.isFinite(validation.mean) && (!best || validation.mean > best.mean)) {
      writeAtomic(join(dir, 'checkpoints', 'best.safetensors'), bytes);
      best = { ...validation, step: learner.stepCount };
      out.best = best;
    }
  };
  try {
    log(`omniglot: ${JSON.stringify(config)}`);
    const t0 = performance.now();
    let last = 0;
    await lib.train(learner, config.steps, {
      onProgress: (p) => {
        if (performance.now() - last > 10_000) {
          last = performance.now();
          log(`omniglot step ${p.step} loss ${p.loss.toPrecision(4)} ${p.stepsPerSecond.toFixed(1)} steps/s`);
        }
      },
      onEval: async (step, r) => {
        out.curve.push({ step, mean: r.mean, ci95: r.ci95, t: (performance.now() - t0) / 1000 });
        log(`omniglot step ${step}: held-out accuracy ${r.mean.toFixed(3)} ± ${r.ci95.toFixed(3)}`);
        await checkpoint({ metric: 'accuracy', mean: r.mean, ci95: r.ci95, tasks: r.values.length });
        save();
      },
      shouldStop: () => performance.now() - t0 > (p.seconds ?? Infinity) * 1000,
    });
    await gpu.sync();
    const seconds = (performance.now() - t0) / 1000;
    out.train = { steps: learner.stepCount, seconds, stepsPerSecond: learner.stepCount / seconds };
    await checkpoint(null);
    out.checkpoint = { dir, step: learner.stepCount };
    if ((p.evalTasks ?? 600) > 0) {
      const t1 = performance.now();
      const r = await learner.evaluate(p.evalTasks ?? 600, config.seed + 2000);
      out.evaluate = { ...summary(r), byInstance: r.byInstance, seconds: (performance.now() - t1) / 1000 };
      log(`omniglot evaluate: ${JSON.stringify(out.evaluate)}`);
    }
  } finally {
    learner.destroy();
  }
  return out;
}

/**
 * The matmul yardstick at several sizes with linear_forward's plain and blocked kernels ("variants": the
 * 'linear.blocked' choice, 'off' / 'on'): wall-clock and timestamp GFLOP/s.
 */
async function runMatmul(p) {
  const runs = [];
  for (const size of p.sizes ?? [1024, 2048, 4096]) {
    for (const variant of p.variants ?? ['off', 'on']) {
      gpu.variants.chosen.set('linear.blocked', variant);
      try {
        const r = await lib.benchMatmul(gpu, size, { repeats: p.repeats ?? 5, warmup: 2 });
        runs.push({ variant, ...r });
        log(
          `matmul ${size}³ blocked ${variant}: ${r.gflops.toFixed(0)} GFLOP/s (GPU time: ${r.gpuGflops?.toFixed(0)})`,
        );
      } catch (e) {
        runs.push({ size, variant, error: `${e.name}: ${e.message}` });
        log(`matmul ${size}³ blocked ${variant} failed: ${e.message}`);
      } finally {
        gpu.variants.chosen.delete('linear.blocked');
      }
    }
  }
  return { runs };
}

/**
 * Where a GRU training step's time goes on this device: the submit-and-wait latency of an empty submit, then
 * each case with each of the given GRU tiles ("tiles": null = the probe's) timed synced, pipelined, by GPU
 * timestamps, per kernel and by pipelined prefixes of the step.
 */
async function runDiagnose(p) {
  const latency = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    gpu.device.queue.submit([gpu.device.createCommandEncoder().finish()]);
    await gpu.sync();
    latency.push(performance.now() - t0);
  }
  const out = { emptySubmitSyncMs: { median: lib.median(latency), min: Math.min(...latency) }, runs: [] };
  log(`diagnose: empty submit + wait ${JSON.stringify(out.emptySubmitSyncMs)}`);
  const probed = lib.gruProbeOf(gpu);
  for (const c of p.cases ?? lib.CASES) {
    for (const tiles of p.tiles ?? [null]) {
      if (tiles) lib.setGruTiles(gpu, tiles);
      try {
        const r = await lib.benchOurs(gpu, c, { repeats: 5, warmup: 2, perKernel: true, prefixes: true });
        out.runs.push({
          case: c.name,
          tiles: tiles ?? 'probe',
          ...r,
          forward: r.forward.runsMs,
          trainStep: r.trainStep.runsMs,
        });
        log(
          `diagnose ${c.name} tiles ${JSON.stringify(tiles ?? 'probe')}: step ${r.trainStepMs.toFixed(3)} ms synced, ` +
            `${r.trainStepPipelinedMs.toFixed(3)} pipelined, GPU ${r.trainStepGpuMs}; prefixes ` +
            r.prefixPipelinedMs.map((x) => `${x.kernel} ${x.ms.toFixed(3)}`).join(', '),
        );
      } catch (e) {
        out.runs.push({ case: c.name, tiles, error: `${e.name}: ${e.message}` });
        log(`diagnose ${c.name} failed: ${e.message}`);
      } finally {
        lib.setGruTiles(gpu, probed && !(probed instanceof Error) ? probed.tiles : null);
      }
    }
  }
  return out;
}

const PARTS = {
  lopt: runLopt,
  bench: runBench,
  blackbox: runBlackbox,
  omniglot: runOmniglot,
  matmul: runMatmul,
  diagnose: runDiagnose,
};
let failed = 0;
for (const [name, p] of Object.entries(plan)) {
  // "bench.alone" runs the bench part under another key: a part may run twice with different settings.
  const run = PARTS[name.split('.')[0]];
  if (!run) {
    if (!name.startsWith('_')) log(`plan key '${name}' ignored: parts are ${Object.keys(PARTS).join(', ')}`);
    continue;
  }
  const t0 = performance.now();
  log(`== ${name}`);
  try {
    results.parts[name] = { ...(await run(p)), wallSeconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    failed++;
    results.parts[name] = {
      error: `${e.name}: ${e.message}`,
      stack: e.stack,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    log(`${name} failed: ${e.stack}`);
  }
  save();
}
results.finishedAt = new Date().toISOString();
save();
log(`results: ${join(outDir, 'results.json')}`);
gpu.device.destroy();
// dawn.node keeps the event loop alive after the device is gone.
process.exit(failed ? 1 : 0);

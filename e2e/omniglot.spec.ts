import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import type { BlackBoxClassifier } from '../src/meta/blackbox_classifier';
import { omniglotCodePixel } from '../src/reference/omniglot';
import { omniglotEpisodeCodes } from '../src/layout/omniglot_codes';
import { reluBackwardRef, reluRef } from '../src/reference/relu';
import { rng, uniform } from '../src/layout/random';
import { haveSmall1, loadSmall1, SMALL1 } from './omniglot_data';
import { expect, expectClose, test } from './fixtures';

test('omniglot_tasks matches the CPU reference; same seed and step give the same episode', async ({
  gpu,
}) => {
  // 30 characters with 20 or 14 drawings; the training pool has rotated classes of 20 of them.
  const chars = Array.from({ length: 30 }, (_, c) => ({ start: 3 + c * 20, count: c % 4 === 1 ? 14 : 20 }));
  const train = [...Array(30).keys()].filter((c) => c % 3 !== 0).map((c) => c * 4 + (c % 4));
  const test = [...Array(30).keys()].filter((c) => c % 3 === 0).map((c) => c * 4);
  const e = { tasks: 7, ways: 5, shots: 2, queries: 3 };
  const T = e.ways * (e.shots + e.queries);
  const R = e.tasks * T;
  const I = 6 + e.ways; // label slots start at column 6 of the GRU input
  const out = await gpu.evaluate(
    async ({ chars, pools, e, R, I }) => {
      const h = window.harness;
      const lib = h.lib;
      const table = lib.packOmniglotTable(chars, pools);
      const tTable = await h.tensor([table.data.length], Array.from(table.data), 'u32');
      const step = await h.tensor([2], [0, 5], 'u32');
      const runs = [];
      for (const [stream, stepNo, poolLabels, shift, paired] of [
        [0, 5, 0, 0, 0],
        [0, 5, 0, 0, 0],
        [0, 6, 0, 0, 0],
        [1, 5, 0, 0, 0],
        [0, 5, 1, 0, 0],
        [0, 5, 0, 2, 0],
        [0, 5, 0, 0, 1],
      ]) {
        (await h.gpu()).write(step.view(1, [1]), [stepNo]);
        const codes = await h.tensor([R], undefined, 'u32');
        const episode = await h.tensor([R + R * I]);
        await h.run((rec) =>
          lib.omniglotTasks(rec, e, {
            step: step.view(1, [1]),
            table: tTable,
            pool: table.pools[stream],
            charStart: table.charStart,
            charCount: table.charCount,
            rotations: 4,
            codes,
            labels: episode.view(0, [R]),
            slots: episode.view(R + 6, [R, e.ways]),
            slotStride: I,
            seed: 9,
            stream,
            poolLabels: poolLabels === 1,
            shift,
            paired: paired === 1,
          }),
        );
        const g = await h.gpu();
        const c = await g.read(codes);
        runs.push({ codes: Array.from(new Uint32Array(c.buffer)), episode: await h.read(episode) });
      }
      return runs;
    },
    { chars, pools: [train, test], e, R, I },
  );
  const data = (pool: number[]) => ({
    pool,
    starts: chars.map((c) => c.start),
    counts: chars.map((c) => c.count),
  });
  const expected = (stream: number, step: number, shift = 0, paired = false) => {
    const codes: number[] = [];
    const labels: number[] = [];
    const slots: number[] = [];
    for (let task = 0; task < e.tasks; task++) {
      const r = omniglotEpisodeCodes(
        { seed: 9, stream, step, task },
        { ...e, rotations: 4, shift, paired },
        data(stream ? test : train),
      );
      codes.push(...r.codes);
      labels.push(...r.labels);
      slots.push(...r.slots.flat());
    }
    return { codes, labels, slots };
  };
  const got = (k: number) => ({
    codes: out[k].codes,
    labels: out[k].episode.slice(0, R),
    slots: Array.from({ length: R }, (_, row) =>
      out[k].episode.slice(R + row * I + 6, R + row * I + 6 + e.ways),
    ).flat(),
  });
  expect(got(0)).toEqual(expected(0, 5));
  expect(got(1)).toEqual(got(0));
  expect(got(2)).toEqual(expected(0, 6));
  expect(got(2).codes).not.toEqual(got(0).codes);
  expect(got(3)).toEqual(expected(1, 5));
  // Pool labels (encoder pretraining): the same episode, each step labelled with its class's pool position.
  const pooled = Array.from({ length: e.tasks }, (_, task) => {
    const r = omniglotEpisodeCodes(
      { seed: 9, stream: 0, step: 5, task },
      { ...e, rotations: 4 },
      data(train),
    );
    return r.labels.map((c) => train.indexOf(r.classes[c]));
  }).flat();
  expect(got(4).codes).toEqual(got(0).codes);
  expect(got(4).labels).toEqual(pooled);
  // Shift augmentation: codes gain a translation from their own counter; everything else is unchanged.
  expect(got(5).codes).toEqual(expected(0, 5, 2).codes);
  expect(got(5).codes.map((c) => Math.floor(c / 25))).toEqual(got(0).codes);
  expect(new Set(got(5).codes.map((c) => c % 25)).size).toBeGreaterThan(10);
  expect({ ...got(5), codes: [] }).toEqual({ ...got(0), codes: [] });
  // Paired support steps: the same episode, each support step carrying its own label (slot) and no loss (−1).
  expect(got(6)).toEqual(expected(0, 5, 0, true));
  expect(got(6).codes).toEqual(got(0).codes);
  expect(
    got(6)
      .labels.slice(0, e.ways * e.shots)
      .every((v) => v === -1),
  ).toBe(true);
  // Only training classes in the training stream, only held-out characters (upright) in stream 1.
  const charOf = (code: number) =>
    chars.findIndex((c) => code >> 2 >= c.start && code >> 2 < c.start + c.count);
  for (const code of got(0).codes) expect(train).toContain(charOf(code) * 4 + (code & 3));
  for (const code of got(3).codes) expect(test).toContain(charOf(code) * 4 + (code & 3));
  // The embedding columns 0..5 were not touched.
  expect(out[0].episode.slice(R, R + 6).every(Number.isNaN)).toBe(true);
});

for (const shift of [0, 2]) {
  test(`omniglot_gather copies images turned by the code’s quarter turns (shift ${shift})`, async ({
    gpu,
  }) => {
    const rand = rng(3 + shift);
    const S = 28;
    const span = 2 * shift + 1;
    const images = uniform(rand, 5 * S * S, 0, 1);
    // Every quarter turn, and with a shift every corner and the centre of the offset square.
    const codes = [0, 1, 2, 3, 4 * 4 + 1, 4 * 2 + 2, 4 * 3 + 3, 4 * 1].map(
      (c, i) =>
        c * span * span + [0, span * span - 1, span - 1, span * (span - 1), (span * span - 1) / 2][i % 5],
    );
    const pixels = await gpu.evaluate(
      async ({ images, codes, S, shift }) => {
        const h = window.harness;
        const tImages = await h.tensor([2 + images.length], [0, 0, ...images]);
        const tCodes = await h.tensor([codes.length], codes, 'u32');
        const out = await h.tensor([1 + codes.length * S * S]);
        await h.run((rec) =>
          h.lib.omniglotGather(
            rec,
            { rows: codes.length, size: S, shift },
            {
              codes: tCodes,
              images: tImages.view(2, [5, S * S]),
              pixels: out.view(1, [codes.length, S * S]),
            },
          ),
        );
        return h.read(out);
      },
      { images, codes, S, shift },
    );
    expect(Number.isNaN(pixels[0])).toBe(true);
    const want = codes.flatMap((code) =>
      Array.from({ length: S * S }, (_, i) =>
        omniglotCodePixel(images, S, code, shift, Math.floor(i / S), i % S),
      ),
    );
    expect(pixels.slice(1)).toEqual(want);
    if (shift > 0) {
      // The reference itself: code 0 with offset (0, 0) moves the image up and left by `shift` pixels.
      expect(omniglotCodePixel(images, S, 0, shift, 5, 7)).toBe(images[(5 + shift) * S + 7 + shift]);
      expect(omniglotCodePixel(images, S, 0, shift, S - 1, 3)).toBe(0);
    }
  });
}

test('relu forward into strided rows and backward out of them match the reference', async ({ gpu }) => {
  const rand = rng(11);
  const rows = 9;
  const cols = 7;
  const stride = 12;
  const x = uniform(rand, rows * cols).map((v, i) => (i === 5 ? 0 : v)); // one exact zero: derivative 0
  const dy = uniform(rand, rows * stride);
  const out = await gpu.evaluate(
    async ({ x, dy, rows, cols, stride }) => {
      const h = window.harness;
      const tx = await h.tensor([2 + x.length], [0, 0, ...x]);
      const y = await h.tensor([3 + rows * stride]);
      const tdy = await h.tensor([dy.length], dy);
      const dx = await h.tensor([1 + rows * cols]);
      await h.run((rec) => {
        h.lib.reluForward(
          rec,
          { rows, cols },
          { x: tx.view(2, [rows, cols]), y: y.view(3, [rows, cols]), yStride: stride },
        );
        h.lib.reluBackward(
          rec,
          { rows, cols },
          {
            x: tx.view(2, [rows, cols]),
            dy: tdy.view(1, [rows, cols]),
            dyStride: stride,
            dx: dx.view(1, [rows, cols]),
          },
        );
      });
      return { y: await h.read(y), dx: await h.read(dx) };
    },
    { x, dy, rows, cols, stride },
  );
  const y = reluRef(x);
  for (let r = 0; r < rows; r++) {
    expectClose(
      out.y.slice(3 + r * stride, 3 + r * stride + cols),
      y.slice(r * cols, (r + 1) * cols),
      `relu row ${r}`,
    );
    expect(
      out.y.slice(3 + r * stride + cols, 3 + (r + 1) * stride).every(Number.isNaN),
      `gap after row ${r}`,
    ).toBe(true);
  }
  const dyRows = Array.from({ length: rows }, (_, r) =>
    dy.slice(1 + r * stride, 1 + r * stride + cols),
  ).flat();
  expectClose(out.dx.slice(1), reluBackwardRef(x, dyRows), 'relu backward');
  expect(out.dx[1 + 5]).toBe(0);
});

test.describe('black-box classifier on small1', () => {
  test.skip(!haveSmall1, `needs ${SMALL1}`);

  for (const { what, encoder, prefixes, extra } of [
    { what: 'MLP', encoder: { hidden: 32, embed: 16 }, prefixes: ['encoder.0', 'encoder.2'], extra: {} },
    {
      what: 'convnet',
      encoder: { conv: [4, 8], embed: 8 },
      prefixes: ['encoder.conv0', 'encoder.conv1', 'encoder.fc'],
      extra: {},
    },
    {
      what: 'MLP; paired labels, shifted images',
      encoder: { hidden: 32, embed: 16 },
      prefixes: ['encoder.0', 'encoder.2'],
      extra: { labels: 'paired' as const, shift: 2 },
    },
    {
      what: 'MLP; attention memory, paired labels',
      encoder: { hidden: 32, embed: 16 },
      prefixes: ['encoder.0', 'memory.proj', 'memory.head'],
      extra: { labels: 'paired' as const, memory: 'attention' as const },
    },
  ]) {
    test(`gradient of the whole model (${what} encoder, GRU, head) matches finite differences`, async ({
      gpu,
    }) => {
      await loadSmall1(gpu);
      const r = await gpu.evaluate(
        async ({ encoder, prefixes, extra }) => {
          const h = window.harness;
          const lib = h.lib;
          const g = await h.gpu();
          // lr = 0: each step() only computes the gradient; resetting the step number replays the same episodes.
          const config = {
            ...lib.DEFAULT_CONFIG,
            task: 'omniglot' as const,
            ways: 3,
            shots: 2,
            queries: 1,
            metaBatch: 4,
            hidden: 16,
            layers: 2,
            lr: 0,
            clip: 0,
            encoder,
            ...extra,
          };
          const l = (await lib.createLearner(g, config, h.taskData)) as BlackBoxClassifier;
          const lossAt = async (p: Float32Array) => {
            g.write(l.params, p);
            l.stepCount = 0;
            l.step();
            return l.lastLoss();
          };
          const p0 = await g.read(l.params);
          await lossAt(p0);
          const grad = await g.read(l.grads);
          const out = [];
          for (const prefix of [...prefixes, 'gru.weight_ih_l0', 'gru.weight_hh_l1', 'head']) {
            // Along this group's own gradient: the largest change in loss, well above float32 rounding.
            const d = new Float32Array(p0.length);
            let norm = 0;
            for (const e of l.entries.filter((e) => e.name.startsWith(prefix))) {
              for (let i = e.offset; i < e.offset + e.size; i++) {
                d[i] = grad[i];
                norm += grad[i] ** 2;
              }
            }
            const step = 1e-2 / Math.sqrt(norm);
            const plus = await lossAt(p0.map((v, i) => v + step * d[i]));
            const minus = await lossAt(p0.map((v, i) => v - step * d[i]));
            let analytic = 0;
            for (let i = 0; i < d.length; i++) analytic += grad[i] * d[i] * step;
            out.push({ prefix, fd: (plus - minus) / 2, analytic });
          }
          l.destroy();
          g.throwIfErrors();
          return out;
        },
        { encoder, prefixes, extra },
      );
      for (const { prefix, fd, analytic } of r) {
        expect(Math.abs(analytic), `${prefix}: gradient is not zero`).toBeGreaterThan(1e-6);
        expect(Math.abs(fd - analytic), `${prefix}: fd ${fd} vs analytic ${analytic}`).toBeLessThan(
          0.05 * Math.abs(analytic) + 2e-7,
        );
      }
    });
  }
});

/** A zip in all_runs.zip's layout from small1's PNGs: run r holds 20 characters of one alphabet. */
function runsZip(): string {
  const raw = unzipSync(readFileSync(SMALL1), { filter: (f) => f.name.endsWith('.png') });
  const files: Record<string, Uint8Array> = {};
  ['Korean', 'Balinese'].forEach((alphabet, r) => {
    const run = `run0${r + 1}`;
    const chars = [
      ...new Set(
        Object.keys(raw)
          .filter((p) => p.includes(`/${alphabet}/`))
          .map((p) => p.split('/').slice(0, -1).join('/')),
      ),
    ]
      .sort()
      .slice(0, 20);
    const lines: string[] = [];
    chars.forEach((c, k) => {
      const [first, second] = Object.keys(raw)
        .filter((p) => p.startsWith(`${c}/`))
        .sort();
      const id = String(k + 1).padStart(2, '0');
      const item = String(((k * 7) % 20) + 1).padStart(2, '0');
      files[`${run}/training/class${id}.png`] = raw[first];
      files[`${run}/test/item${item}.png`] = raw[second];
      lines.push(`${run}/test/item${item}.png ${run}/training/class${id}.png`);
    });
    files[`${run}/class_labels.txt`] = new TextEncoder().encode(lines.sort().join('\n'));
  });
  return Buffer.from(zipSync(files)).toString('base64');
}

test.describe('black-box classifier: training and the one-shot runs', () => {
  test.skip(!haveSmall1, `needs ${SMALL1}`);

  // What a tiny run learns within seconds is the episode's structure, not yet image matching: in 1-shot each
  // support step shows a new class, so a label already revealed is never its answer, and first-presentation
  // accuracy climbs from chance (1/3) toward (1/3 + 1/2 + 1) / 3 ≈ 0.61. Matching queries to support images
  // is a third-order interaction (query class × support class × revealed label) with no lower-order signal,
  // and takes thousands of episodes to leave chance (see the report); this test checks the end-to-end
  // training path: GPU sampling, label slots, BPTT through encoder and GRU, Adam, evaluation.
  test('3-way 1-shot: loss falls and first-presentation accuracy rises within 40 steps (seed 1)', async ({
    gpu,
  }) => {
    await loadSmall1(gpu);
    const r = await gpu.evaluate(async () => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const config = {
        ...lib.DEFAULT_CONFIG,
        task: 'omniglot' as const,
        ways: 3,
        shots: 1,
        queries: 1,
        metaBatch: 16,
        hidden: 32,
        layers: 1,
        lr: 0.01,
        seed: 1,
        encoder: { hidden: 32, embed: 32 },
      };
      const l = (await lib.createLearner(g, config, h.taskData)) as BlackBoxClassifier;
      const before = await l.evaluate(60, 5);
      l.step();
      const firstLoss = await l.lastLoss();
      for (let s = 1; s < 40; s++) l.step();
      const lastLoss = await l.lastLoss();
      const after = await l.evaluate(60, 5);
      const dispatches = l.dispatchesPerStep;
      l.destroy();
      g.throwIfErrors();
      return { before, after, firstLoss, lastLoss, dispatches };
    });
    const first = (e: typeof r.before) => e.byInstance[0].accuracy;
    expect(r.before.byInstance.map((b) => b.instance)).toEqual([1, 2]);
    expect(r.before.values.length).toBe(60);
    // sample, gather, encoder 5, bind, GRU 2, head, loss, backward 13 (head 2, GRU 3, bind, encoder 7), Adam 2 × 2
    expect(r.dispatches).toBe(29);
    expect(first(r.before)).toBeLessThan(0.42);
    expect(first(r.after), `first presentation ${first(r.before)} → ${first(r.after)}`).toBeGreaterThan(0.5);
    expect(r.lastLoss).toBeLessThan(r.firstLoss - 0.05);
    expect(r.after.mean).toBeGreaterThan(0.2); // queries: about chance, not broken
  });

  test('encoder pretraining: its classification loss falls, then meta-training takes over (seed 2)', async ({
    gpu,
  }) => {
    await loadSmall1(gpu);
    const r = await gpu.evaluate(async () => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const config = {
        ...lib.DEFAULT_CONFIG,
        task: 'omniglot' as const,
        ways: 3,
        shots: 1,
        queries: 1,
        metaBatch: 4,
        hidden: 16,
        layers: 1,
        lr: 0.01,
        seed: 2,
        pretrainSteps: 30,
        encoderLr: 0.001,
        steps: 40,
        lrDecay: 'cosine' as const,
        rotations: false,
        // Latin for test, Balinese for validation: 86 characters to pretrain on.
        valAlphabets: 'Balinese',
        encoder: { hidden: 32, embed: 16 },
      };
      const l = (await lib.createLearner(g, config, h.taskData)) as BlackBoxClassifier;
      const losses: number[] = [];
      const phases: boolean[] = [];
      // The learning rates the GPU's Adam used at each step (hyper-parameter slot 3: OPTIM_SLOT.lr).
      const lrs: { encoder: number; gru: number }[] = [];
      const gru0 = (await g.read(l.params)).slice(0, 100);
      for (let s = 0; s < 32; s++) {
        phases.push(l.pretraining);
        l.step();
        losses.push(await l.lastLoss());
        lrs.push({
          encoder: (await g.read(l.encoderOptimizer.hyper))[3],
          gru: (await g.read(l.optimizer.hyper))[3],
        });
      }
      const gru1 = (await g.read(l.params)).slice(0, 100);
      const state = await l.state();
      l.destroy();
      g.throwIfErrors();
      return {
        losses,
        phases,
        lrs,
        gruMoved: gru0.some((v, i) => v !== gru1[i]),
        names: Object.keys(state),
      };
    });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    // 86 training characters (no turns here): chance is ln 86 ≈ 4.45.
    expect(r.losses[0]).toBeGreaterThan(4);
    // Measured: 4.77 → 4.24 (means of the first and last five pretraining steps).
    expect(mean(r.losses.slice(25, 30)), r.losses.join(' ')).toBeLessThan(mean(r.losses.slice(0, 5)) - 0.3);
    expect(r.phases.filter(Boolean).length).toBe(30);
    expect(r.losses[31]).toBeLessThan(2); // a 3-way episode's loss, not the 440-way pretraining loss
    expect(r.gruMoved).toBe(true);
    // Pretraining at lr, then encoderLr and lr along a half cosine over the 10 meta-training steps.
    const cosine = (metaStep: number) => 0.5 * (1 + Math.cos((Math.PI * (metaStep - 1)) / 10));
    for (const s of [0, 29]) expect(r.lrs[s].encoder).toBeCloseTo(0.01, 7);
    for (const [s, metaStep] of [
      [30, 1],
      [31, 2],
    ]) {
      expect(r.lrs[s].encoder).toBeCloseTo(0.001 * cosine(metaStep), 7);
      expect(r.lrs[s].gru).toBeCloseTo(0.01 * cosine(metaStep), 7);
    }
    expect(r.lrs[31].gru).toBeLessThan(0.01);
    expect(r.names).toEqual(
      expect.arrayContaining(['pretrain_head.weight', 'encoder_optimizer.m', 'optimizer.m']),
    );
  });

  test('pretraining warm-up: the encoder’s Adam rises lr/n … lr over n steps, then meta-training as without', async ({
    gpu,
  }) => {
    await loadSmall1(gpu);
    const rates = await gpu.evaluate(async () => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const base = {
        ...lib.DEFAULT_CONFIG,
        task: 'omniglot' as const,
        ways: 3,
        shots: 1,
        queries: 1,
        metaBatch: 2,
        hidden: 8,
        layers: 1,
        lr: 0.01,
        pretrainSteps: 6,
        encoderLr: 0.001,
        steps: 9,
        lrDecay: 'cosine' as const,
        rotations: false,
        valAlphabets: 'Balinese',
        encoder: { hidden: 16, embed: 8 },
      };
      const out: { encoder: number; gru: number; logged: number }[][] = [];
      for (const pretrainWarmup of [0, 4]) {
        const l = (await lib.createLearner(g, { ...base, pretrainWarmup }, h.taskData)) as BlackBoxClassifier;
        const lrs: { encoder: number; gru: number; logged: number }[] = [];
        for (let s = 0; s < 8; s++) {
          l.step();
          // The rates the GPU's Adam used at this step (hyper-parameter slot 3: OPTIM_SLOT.lr), and the one
          // train() logs to metrics.jsonl.
          lrs.push({
            encoder: (await g.read(l.encoderOptimizer.hyper))[3],
            gru: (await g.read(l.optimizer.hyper))[3],
            logged: l.lr,
          });
        }
        l.destroy();
        out.push(lrs);
      }
      g.throwIfErrors();
      return out;
    });
    const [plain, warm] = rates;
    // Steps 1 … 6 pretrain: lr · min(1, step / 4) with the warm-up, lr without.
    for (let step = 1; step <= 6; step++) {
      expect(plain[step - 1].encoder).toBeCloseTo(0.01, 7);
      expect(warm[step - 1].encoder, `step ${step}`).toBeCloseTo(0.01 * Math.min(1, step / 4), 7);
      // The logged rate is the encoder's while it pretrains, the GRU's afterwards.
      expect(warm[step - 1].logged).toBeCloseTo(warm[step - 1].encoder, 7);
    }
    for (const step of [7, 8]) expect(warm[step - 1].logged).toBeCloseTo(warm[step - 1].gru, 7);
    // Meta-training (steps 7, 8): encoderLr and lr along the cosine, the same with or without the warm-up.
    for (const step of [7, 8]) {
      expect(warm[step - 1].encoder).toBeCloseTo(plain[step - 1].encoder, 9);
      expect(warm[step - 1].gru).toBeCloseTo(plain[step - 1].gru, 9);
      expect(warm[step - 1].encoder).toBeCloseTo(0.001 * 0.5 * (1 + Math.cos((Math.PI * (step - 7)) / 3)), 7);
    }
  });

  test('one-shot runs: a fixture in all_runs.zip layout goes through parse → predict → error rate', async ({
    gpu,
  }) => {
    await loadSmall1(gpu);
    const r = await gpu.evaluate(async (zip) => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const runs = lib.parseOmniglotRuns(Uint8Array.from(atob(zip), (c) => c.charCodeAt(0)));
      const base = { ...lib.DEFAULT_CONFIG, task: 'omniglot' as const, shots: 1, queries: 1, metaBatch: 2 };
      const opts = { hidden: 16, layers: 1, encoder: { hidden: 16, embed: 16 } };
      const paired = { labels: 'paired' as const };
      // Paired labels here (the CLI's default), delayed for the 5-way model below: both predict paths.
      const twenty = (await lib.createLearner(
        g,
        { ...base, ...opts, ...paired, ways: 20 },
        h.taskData,
      )) as BlackBoxClassifier;
      const result = await lib.evaluateOmniglotRuns(runs, lib.learnerClassifier(twenty));
      const logits = await twenty.predict([
        {
          support: runs[0].training.map((image, label) => ({ image, label })),
          queries: runs[0].test.slice(0, 3),
        },
      ]);
      twenty.destroy();
      const five = (await lib.createLearner(
        g,
        { ...base, ...opts, ways: 5 },
        h.taskData,
      )) as BlackBoxClassifier;
      let refused = '';
      try {
        await lib.evaluateOmniglotRuns(runs, lib.learnerClassifier(five));
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      five.destroy();
      g.throwIfErrors();
      return {
        result,
        shape: [logits.length, logits[0].length, logits[0][0].length],
        refused,
        answers: runs[0].answers,
      };
    }, runsZip());
    expect(r.shape).toEqual([1, 3, 20]);
    expect(r.answers).toEqual(
      [...Array(20).keys()].map((m) => [...Array(20).keys()].find((k) => (k * 7) % 20 === m)),
    );
    expect(r.result.trials).toBe(40);
    expect(r.result.perRun.map((p) => p.name)).toEqual(['run01', 'run02']);
    expect(r.result.errorRate).toBeGreaterThanOrEqual(0);
    expect(r.result.errorRate).toBeLessThanOrEqual(100);
    expect(r.refused).toMatch(
      /InputError: run01 is 20-way, but this model was meta-trained on 5-way episodes/,
    );
  });
});

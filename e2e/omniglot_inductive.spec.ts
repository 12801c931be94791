import type { BlackBoxClassifier } from '../src/meta/blackbox_classifier';
import type { ParamEntry } from '../src/layout/gru_layout';
import { gruParamLayout } from '../src/layout/gru_layout';
import { gruForwardRef } from '../src/reference/gru';
import { labelBindRef } from '../src/reference/label_bind';
import { layerNormRef } from '../src/reference/layer_norm';
import { linearForwardRef } from '../src/reference/linear';
import { reluRef } from '../src/reference/relu';
import { causalAttentionRef } from '../src/reference/causal_attention';
import { MEMORY } from '../src/layout/attention_shape';
import { haveSmall1, loadSmall1, SMALL1 } from './omniglot_data';
import { expect, expectClose, test } from './fixtures';

// Inductive scoring: each query is classified from the support set alone, never from the episode's other
// queries (Vinyals et al., Snell et al., SNAIL and MAML all score this way).

const SHAPE = { ways: 3, shots: 2, queries: 2, hidden: 16, embed: 8, encoderHidden: 32 };

/**
 * Float64 forward of the black-box classifier (MLP encoder → label bind → GRU → head) on one sequence: the
 * support steps, then one query; returns the query's logits.
 */
function classifierLogitsRef(
  params: number[],
  entries: ParamEntry[],
  support: { image: number[]; label: number }[],
  query: number[],
  paired: boolean,
  memory: boolean,
  layers = 1,
): number[] {
  const { ways: N, hidden: H, embed: E, encoderHidden: M } = SHAPE;
  const get = (name: string) => {
    const e = entries.find((x) => x.name === name)!;
    return params.slice(e.offset, e.offset + e.size);
  };
  const one = (inF: number, outF: number) => ({ groups: 1, rowsPerGroup: 1, inF, outF });
  const embed = (img: number[]) => {
    const h1 = reluRef(
      linearForwardRef(one(img.length, M), img, get('encoder.0.weight'), get('encoder.0.bias')),
    );
    const h2 = reluRef(linearForwardRef(one(M, E), h1, get('encoder.2.weight'), get('encoder.2.bias')));
    return layerNormRef(h2, E);
  };
  const images = [...support.map((s) => s.image), query];
  const T = images.length;
  const W = E + N + N * E;
  const x = new Array<number>(T * W).fill(0);
  images.forEach((img, t) => x.splice(t * W, E, ...embed(img)));
  support.forEach((s, t) => (x[(paired ? t : t + 1) * W + E + s.label] = 1));
  const bound = labelBindRef(x, { steps: T, embed: E, ways: N, lag: paired ? 0 : 1 });
  const shape = { layers, inputSize: W, hiddenSize: H, groups: 1 };
  const gru = params.slice(0, gruParamLayout(shape).size);
  const { output } = gruForwardRef(shape, { batch: 1, steps: T }, gru, bound);
  const last = Array.from(output.subarray((T - 1) * H, T * H));
  const logits = Array.from(linearForwardRef(one(H, N), last, get('head.weight'), get('head.bias')));
  if (!memory) return logits;
  // The attention read of the last step over every step's projected GRU output.
  const { key: D, value: V } = MEMORY;
  const rows = { groups: 1, rowsPerGroup: T, inF: H, outF: 2 * D + V };
  const proj = linearForwardRef(rows, output, get('memory.proj.weight'), get('memory.proj.bias'));
  const cols = (from: number, width: number) =>
    Array.from(
      { length: T * width },
      (_, i) => proj[Math.floor(i / width) * (2 * D + V) + from + (i % width)],
    );
  const { o } = causalAttentionRef(cols(0, D), cols(D, D), cols(2 * D, V), {
    batch: 1,
    steps: T,
    keyDim: D,
    valueDim: V,
  });
  const read = o.slice((T - 1) * V, T * V);
  const extra = linearForwardRef(one(V, N), read, get('memory.head.weight'), get('memory.head.bias'));
  return logits.map((v, i) => v + extra[i]);
}

test.describe('inductive scoring (black-box classifier on small1)', () => {
  test.skip(!haveSmall1, `needs ${SMALL1} (the shared Omniglot data)`);

  // Paired labels run the support set once and each query one step from its state (classifier_fork.ts);
  // delayed labels run one sequence per query. Both must give what one sequence per query gives.
  for (const [labels, memory, layers] of [
    ['paired', 'none', 1],
    ['delayed', 'none', 1],
    ['paired', 'attention', 1],
    ['paired', 'attention', 2],
  ] as const) {
    test(`a query's logits match the float64 reference on support + that query, unchanged when the other queries are permuted or removed (${labels} labels, memory ${memory}, ${layers} layer${layers > 1 ? 's' : ''})`, async ({
      gpu,
    }) => {
      await loadSmall1(gpu);
      const seed = Date.now() % 100000;
      const r = await gpu.evaluate(
        async ({ s, labels, memory, layers, seed }) => {
          const h = window.harness;
          const lib = h.lib;
          const g = await h.gpu();
          const config = {
            ...lib.DEFAULT_CONFIG,
            task: 'omniglot' as const,
            ways: s.ways,
            shots: s.shots,
            queries: s.queries,
            metaBatch: 2,
            hidden: s.hidden,
            layers,
            seed,
            labels,
            memory,
            encoder: { hidden: s.encoderHidden, embed: s.embed },
          };
          const l = (await lib.createLearner(g, config, h.taskData)) as BlackBoxClassifier;
          const ep = lib.splitEpisode(h.taskData.omniglot!, l.split, 'test', config, {
            seed: seed + 1,
            step: 0,
            task: 0,
          });
          const support = ep.support.map((x) => ({ image: Array.from(x.image), label: x.label }));
          const queries = ep.queries.map((q) => Array.from(q.image));
          const [all] = await l.predict([{ support, queries }]);
          const [reversed] = await l.predict([{ support, queries: [...queries].reverse() }]);
          const [alone] = await l.predict([{ support, queries: [queries[1]] }]);
          // evaluate(): its inductive figure is predict's accuracy on the same episodes (chunk 0, tasks 0..3).
          const evalSeed = seed + 7;
          const result = await l.evaluate(4, evalSeed, 'test');
          const episodes = [0, 1, 2, 3].map((task) =>
            lib.splitEpisode(h.taskData.omniglot!, l.split, 'test', config, {
              seed: evalSeed,
              step: 0,
              task,
            }),
          );
          const given = episodes.map((e) => ({ support: e.support, queries: e.queries.map((q) => q.image) }));
          const logits = await l.predict(given);
          // Several episodes in one call give what each gives alone.
          const single = [];
          for (const e of given) single.push((await l.predict([e]))[0]);
          const truth = episodes.map((e) => e.queries.map((q) => q.label));
          const params = Array.from(await g.read(l.params));
          const entries = l.entries;
          l.destroy();
          g.throwIfErrors();
          return { support, queries, all, reversed, alone, result, logits, single, truth, params, entries };
        },
        { s: SHAPE, labels, memory, layers, seed },
      );
      // Against the float64 reference: each query alone after the support set.
      r.queries.forEach((q, j) => {
        const ref = classifierLogitsRef(
          r.params,
          r.entries,
          r.support,
          q,
          labels === 'paired',
          memory === 'attention',
          layers,
        );
        expectClose(r.all[j], ref, `query ${j}`, 1e-4);
      });
      r.single.forEach((ep, i) => expectClose(r.logits[i].flat(), ep.flat(), `episode ${i} alone`, 1e-6));
      // The other queries do not matter: the same numbers whatever their order, or with none of them.
      expect(r.reversed).toEqual([...r.all].reverse());
      expect(r.alone).toEqual([r.all[1]]);
      // evaluate(): inductive accuracy per episode is predict's, the transductive figure beside it.
      const argmax = (v: number[]) => v.indexOf(Math.max(...v));
      const acc = r.logits.map(
        (ep, i) => ep.filter((l, j) => argmax(l) === r.truth[i][j]).length / r.truth[i].length,
      );
      expect(r.result.values).toEqual(acc);
      expect(r.result.transductive!.mean).toBeGreaterThanOrEqual(0);
      expect(r.result.transductive!.mean).toBeLessThanOrEqual(1);
      expect(r.result.alphabets).toEqual(['Latin']);
    });
  }
});

test.describe('split discipline (small1)', () => {
  test.skip(!haveSmall1, `needs ${SMALL1} (the shared Omniglot data)`);

  test('test alphabets never appear in pretraining, meta-training or validation episodes', async ({
    gpu,
  }) => {
    await loadSmall1(gpu);
    const r = await gpu.evaluate(async () => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const ds = h.taskData.omniglot!;
      const config = {
        ...lib.DEFAULT_CONFIG,
        task: 'omniglot' as const,
        ways: 5,
        shots: 1,
        queries: 1,
        metaBatch: 8,
        hidden: 8,
        layers: 1,
        steps: 20,
        pretrainSteps: 3,
        shift: 0,
        alphabets: 'Greek,Korean',
        valAlphabets: 'Balinese',
        encoder: { hidden: 8, embed: 4 },
      };
      const l = (await lib.createLearner(g, config, h.taskData)) as BlackBoxClassifier;
      const alphabetOf = (code: number) => {
        const image = code >> 2;
        return ds.characters.find((c) => image >= c.start && image < c.start + c.count)!.alphabet;
      };
      const seen = {
        pretraining: new Set<string>(),
        training: new Set<string>(),
        validation: new Set<string>(),
      };
      for (let s = 0; s < 6; s++) {
        const phase = l.pretraining ? 'pretraining' : 'training';
        l.step();
        for (const code of await l.lastCodes()) seen[phase].add(alphabetOf(code));
      }
      for (let task = 0; task < 20; task++) {
        const ep = lib.splitEpisode(ds, l.split, 'validation', config, { seed: 3, step: 0, task });
        for (const x of [...ep.support, ...ep.queries]) seen.validation.add(x.character.split('/')[0]);
      }
      l.destroy();
      g.throwIfErrors();
      return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v].sort()]));
    });
    expect(r.pretraining).toEqual(['Early_Aramaic', 'Latin']);
    expect(r.training).toEqual(['Early_Aramaic', 'Latin']);
    expect(r.validation).toEqual(['Balinese']);
  });
});

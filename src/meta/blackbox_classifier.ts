/**
 * Black-box GRU meta-learner for N-way K-shot image classification (Santoro et al. 2016, "One-shot learning
 * with memory-augmented neural networks", with a GRU for the controller): an episode is one sequence, support
 * steps first (in random order), then queries. Step t reads [embedding(image_t), one-hot(label_{t−1})] — each
 * label arrives one step after its image, only for support steps — and predicts label_t. Adapting to new
 * classes is running the sequence; the weights never change at test time.
 * The loss covers every step, as in Santoro et al.: a support step showing a class for the i-th time is
 * predicted from i − 1 labelled examples, so accuracy by presentation ("instance") falls out of the same
 * outputs (instances 1…K on support steps; queries are instance K + 1). The query accuracy is the N-way
 * K-shot accuracy. Meta-training is BPTT through the GRU and the image encoder (mlp_encoder.ts), recorded once
 * as one program: sample → gather → encoder → GRU → head → cross-entropy → backward → Adam.
 */
import type { Gpu } from '../runtime/gpu';
import type { Program } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import { allocGruBuffers, gruForward, gruOutput } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruParamLayout, type GruShape, type ParamEntry } from '../kernels/gru_layout';
import { linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { softmaxCrossEntropy } from '../kernels/softmax_cross_entropy';
import { omniglotGather, omniglotSteps, omniglotTasks, packOmniglotTable } from '../kernels/omniglot_tasks';
import { checkEpisodeShape, splitOmniglot, type OmniglotDataset, type OmniglotSplit } from '../data/omniglot';
import { initUniform, namedSlices, flatFromState } from './init';
import { summarize, type EvalResult, type MetaConfig, type MetaLearner, type TaskData } from './learner';
import { allocMlpEncoder, mlpEncoderBackward, mlpEncoderEntries, mlpEncoderForward } from './mlp_encoder';
import { MetaOptimizer } from './optimizer';

/** Encoder widths: 784 → 128 → 64 (see mlp_encoder.ts for the cost). */
export const ENCODER = { hidden: 128, embed: 64 } as const;
/** Evaluation episodes per recorded pass: bounds its buffers whatever `tasks` asks for. */
const EVAL_CHUNK = 50;

/**
 * Omniglot settings a run's config may carry beyond MetaConfig (the CLI's RunConfig adds `data` and
 * `alphabets`; the bytes themselves come through TaskData, since a page cannot read paths).
 */
export interface OmniglotConfig {
  /** The zip the run was trained on, as the user named it (a record only). */
  data?: string;
  /** Alphabets held out for evaluation, as a list or comma-separated; default: see defaultHeldOut. */
  alphabets?: string | string[];
  /** Split by whole alphabets (default, as Lake et al.) or by characters at random (seeded by `seed`). */
  split?: 'alphabet' | 'character';
  /** Add 90°, 180° and 270° turns of the training characters as extra classes. */
  rotations?: boolean;
  /** Encoder widths (default ENCODER: 128 hidden, 64-dim embedding); narrower is cheaper (tests). */
  encoder?: { hidden: number; embed: number };
}

export function heldOutAlphabets(a: OmniglotConfig['alphabets']): string[] | undefined {
  const list = (typeof a === 'string' ? a.split(',') : (a ?? [])).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

export interface ClassifierEvalResult extends EvalResult {
  ways: number;
  shots: number;
  /**
   * Santoro et al.'s accuracy by presentation: instance i is a step showing its class for the i-th time
   * (after i − 1 labelled examples). Support steps give instances 1…K (1 is chance, 1/N); every query is
   * instance K + 1, since query labels are never revealed. Higher instances need more shots.
   */
  byInstance: { instance: number; accuracy: number; count: number }[];
}

/** One episode given by the caller (e.g. a Lake et al. run): images [size²] with ink = 1. */
export interface ClassifierEpisode {
  support: { image: ArrayLike<number>; label: number }[];
  queries: ArrayLike<number>[];
}

interface Pass {
  program: Program;
  rows: number;
  labels: Tensor;
  loss: Tensor;
  correct: Tensor;
  logits: Tensor;
  episode: Tensor;
  codes: Tensor;
  pixels: Tensor;
  tensors: Tensor[];
}

export class BlackBoxClassifier implements MetaLearner {
  readonly shape: GruShape;
  readonly entries: ParamEntry[];
  readonly params: Tensor;
  readonly grads: Tensor;
  readonly optimizer: MetaOptimizer;
  readonly split: OmniglotSplit;
  /** GRU input width: embedding + one label slot per way. */
  readonly inputSize: number;
  readonly #encoder: { inF: number; hidden: number; embed: number };
  readonly #images: Tensor;
  readonly #table: Tensor;
  readonly #pools: { offset: number; size: number }[];
  readonly #charCount: number;
  readonly #stepCounter: Tensor;
  readonly #evalCounter: Tensor;
  readonly #size: number;
  #train: Pass | null = null;

  private constructor(
    readonly gpu: Gpu,
    readonly config: MetaConfig,
    readonly dataset: OmniglotDataset,
  ) {
    const { ways: N, shots: K, queries: Q, hidden: H } = config;
    const o = config as MetaConfig & OmniglotConfig;
    this.split = splitOmniglot(dataset, {
      by: o.split,
      heldOut: heldOutAlphabets(o.alphabets),
      rotations: o.rotations ? 4 : 1,
      seed: config.seed,
    });
    const held = this.split.heldOut.length
      ? `held-out alphabets ${this.split.heldOut.join(', ')}`
      : 'held-out set';
    checkEpisodeShape(dataset, this.split.train, { ways: N, shots: K, queries: Q }, 'training set');
    checkEpisodeShape(dataset, this.split.test, { ways: N, shots: K, queries: Q }, held);
    this.#size = dataset.size;
    const widths = o.encoder ?? ENCODER;
    if (![widths.hidden, widths.embed].every((v) => Number.isInteger(v) && v >= 1)) {
      throw new InputError(`encoder widths must be integers ≥ 1, got ${JSON.stringify(o.encoder)}`);
    }
    this.#encoder = { inF: dataset.size ** 2, hidden: widths.hidden, embed: widths.embed };
    this.inputSize = this.#encoder.embed + N;
    this.shape = { layers: config.layers, inputSize: this.inputSize, hiddenSize: H, groups: 1 };
    const gru = gruParamLayout(this.shape);
    const head: ParamEntry[] = [
      { name: 'head.weight', offset: gru.size, shape: [N, H], size: N * H },
      { name: 'head.bias', offset: gru.size + N * H, shape: [N], size: N },
    ];
    this.entries = [
      ...gru.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
      ...head,
      ...mlpEncoderEntries(this.#encoder, gru.size + N * H + N),
    ];
    const size = this.entries.reduce((n, e) => n + e.size, 0);
    // GRU and head: PyTorch's default, U(±1/√H). Encoder: He init (ReLU layers keep E[a²] ≈ 1), with the first
    // layer scaled by the data's mean squared pixel m2 (~0.07: strokes cover few pixels), so that embeddings
    // start at RMS ≈ 1 like the one-hot label slots beside them. With PyTorch's default they start near 0.05
    // and the GRU, seeing mostly labels, does not learn to match images within thousands of episodes.
    let m2 = 0;
    for (let i = 0; i < dataset.images.length; i++) m2 += dataset.images[i] ** 2;
    m2 = Math.max(m2 / dataset.images.length, 1e-3);
    const init = new Float32Array(size);
    this.entries.forEach((e, i) => {
      const bound =
        e.name === 'encoder.0.weight'
          ? Math.sqrt(6 / (this.#encoder.inF * m2))
          : e.name === 'encoder.2.weight'
            ? Math.sqrt(6 / this.#encoder.hidden)
            : e.name.startsWith('encoder')
              ? 0
              : 1 / Math.sqrt(H);
      init.set(initUniform(e.size, bound, config.seed * 1000 + i), e.offset);
    });
    this.params = gpu.tensor([size], init);
    this.grads = gpu.tensor([size], new Float32Array(size));
    this.optimizer = new MetaOptimizer(gpu, this.params, this.grads, { lr: config.lr, clip: config.clip });
    // The images live on the GPU for the whole run; episodes only ever move indices.
    this.#images = gpu.tensor([dataset.imageCount, dataset.size ** 2], dataset.images);
    const table = packOmniglotTable(dataset.characters, [this.split.train, this.split.test]);
    this.#table = gpu.tensor([table.data.length], table.data, 'u32');
    this.#pools = table.pools;
    this.#charCount = table.charCount;
    this.#stepCounter = gpu.tensor([1], [0], 'u32');
    this.#evalCounter = gpu.tensor([1], [0], 'u32');
  }

  /** Needs the images: `data.omniglot` from loadOmniglot (the CLI reads the zip, the page gets its bytes). */
  static async create(gpu: Gpu, config: MetaConfig, data: TaskData = {}): Promise<BlackBoxClassifier> {
    if (!data.omniglot) {
      throw new InputError(
        `task 'omniglot' needs the Omniglot images: give the zip (e.g. --data images_background.zip)` +
          ((config as OmniglotConfig).data
            ? `; '${(config as OmniglotConfig).data}' was named but not loaded`
            : ''),
      );
    }
    const learner = new BlackBoxClassifier(gpu, config, data.omniglot);
    learner.#train = await learner.#record(config.metaBatch, 'train', config.seed);
    return learner;
  }

  get stepCount(): number {
    return this.optimizer.step;
  }

  get dispatchesPerStep(): number {
    return this.#train!.program.dispatchCount;
  }

  get steps(): number {
    return omniglotSteps(this.config);
  }

  /**
   * Records one pass over `tasks` episodes of `steps` steps. 'train' and 'eval' sample on the GPU (train
   * pool, stream 0 / held-out pool, stream 1); 'external' runs whatever the caller wrote into `pixels`,
   * `labels` and the label slots of `episode`. Only 'train' runs backward and the update.
   */
  async #record(
    tasks: number,
    mode: 'train' | 'eval' | 'external',
    seed: number,
    steps = this.steps,
  ): Promise<Pass> {
    const { gpu, shape, config } = this;
    const { ways: N, shots: K, queries: Q, hidden: H } = config;
    const T = steps;
    const R = tasks * T;
    const I = this.inputSize;
    const E = this.#encoder.embed;
    const run = { batch: tasks, steps: T };
    const train = mode === 'train';
    // labels [R] and the GRU input x [R, I] share one buffer: the sampler writes both in one dispatch.
    const episode = gpu.tensor([R + R * I]);
    const labels = episode.view(0, [R]);
    const x = episode.view(R, [tasks, T, I]);
    const codes = gpu.tensor([R], undefined, 'u32');
    const pixels = gpu.tensor([R, this.#size ** 2]);
    const enc = allocMlpEncoder(gpu, this.#encoder, R, train);
    const bufs = allocGruBuffers(gpu, shape, run);
    const logits = gpu.tensor([R, N]);
    const loss = gpu.tensor([tasks]);
    const correct = gpu.tensor([R]);
    const tensors = [episode, codes, pixels, ...Object.values(enc), ...bufs.tensors, logits, loss, correct];
    const encoderEntries = this.entries.slice(-4);
    const out = gruOutput(shape, run, bufs.hs);
    const head = { groups: 1, rowsPerGroup: R, inF: H, outF: N };
    const [w, b] = ['head.weight', 'head.bias'].map((n) => {
      const e = this.entries.find((e) => e.name === n)!;
      return { w: this.params.view(e.offset, e.shape), g: this.grads.view(e.offset, e.shape) };
    });

    const rec = gpu.recorder();
    if (mode !== 'external') {
      omniglotTasks(
        rec,
        { tasks, ways: N, shots: K, queries: Q },
        {
          step: train ? this.#stepCounter : this.#evalCounter,
          table: this.#table,
          pool: this.#pools[train ? 0 : 1],
          charStart: 0,
          charCount: this.#charCount,
          rotations: this.split.rotations,
          codes,
          labels,
          slots: episode.view(R + E, [R, N]),
          slotStride: I,
          seed,
          stream: train ? 0 : 1,
        },
      );
      omniglotGather(rec, { rows: R, size: this.#size }, { codes, images: this.#images, pixels });
    }
    const encT = { params: this.params, entries: encoderEntries, pixels, bufs: enc };
    mlpEncoderForward(rec, this.#encoder, R, { ...encT, out: x, outStride: I });
    gruForward(rec, shape, run, { params: this.params, x, hs: bufs.hs, gates: bufs.gates });
    linearForward(rec, head, { x: out.tensor, xRows: out.rows, w: w.w, b: b.w, y: logits });
    const ce = { groups: tasks, rowsPerGroup: T, classes: N };
    if (!train) {
      softmaxCrossEntropy(rec, ce, { logits, labels, loss, correct });
    } else {
      const dLogits = gpu.tensor([R, N]);
      const dOut = gpu.tensor([tasks, T, H]);
      const dx = gpu.tensor([tasks, T, I]);
      tensors.push(dLogits, dOut, dx);
      softmaxCrossEntropy(rec, ce, { logits, labels, loss, grad: dLogits, correct }, 1 / tasks);
      linearBackwardWeight(rec, head, { x: out.tensor, xRows: out.rows, dy: dLogits, dw: w.g, db: b.g });
      linearBackwardInput(rec, head, { dy: dLogits, w: w.w, dx: dOut });
      const { hs, gates, workDy } = bufs;
      gruBackward(rec, shape, run, {
        params: this.params,
        x,
        hs,
        gates,
        workDy,
        dOut,
        dx,
        grads: this.grads,
      });
      mlpEncoderBackward(rec, this.#encoder, R, { ...encT, grads: this.grads, dOut: dx, dOutStride: I });
      this.optimizer.record(rec);
    }
    const program = await rec.finish(`blackbox_classifier.${mode}`);
    return { program, rows: R, labels, loss, correct, logits, episode, codes, pixels, tensors };
  }

  step(): void {
    this.optimizer.advance();
    this.gpu.write(this.#stepCounter, [this.optimizer.step]);
    this.#train!.program.run();
  }

  /** Mean cross-entropy over all steps of the last step's episodes (reads back). */
  async lastLoss(): Promise<number> {
    const l = await this.gpu.read(this.#train!.loss);
    return l.reduce((a, b) => a + b, 0) / l.length;
  }

  /** Query accuracy of the last training step's episodes (reads back; for logs and tests). */
  async lastAccuracy(): Promise<number> {
    const c = await this.gpu.read(this.#train!.correct);
    return (
      queryAccuracy(c, this.config.ways * this.config.shots, this.steps).reduce((a, b) => a + b, 0) /
      (c.length / this.steps)
    );
  }

  /**
   * The last training step's episodes as the network read them (for tests and for showing an episode):
   * per step row, the image code (image · 4 + quarter turns), label, and GRU input [embedding, label slots].
   */
  async lastEpisodes(): Promise<{
    codes: Uint32Array;
    labels: Float32Array;
    x: Float32Array;
    pixels: Float32Array;
  }> {
    const pass = this.#train!;
    const R = pass.rows;
    const episode = await this.gpu.read(pass.episode);
    const codes = new Uint32Array((await this.gpu.read(pass.codes)).buffer);
    return {
      codes,
      labels: episode.slice(0, R),
      x: episode.slice(R),
      pixels: await this.gpu.read(pass.pixels),
    };
  }

  /**
   * N-way K-shot accuracy on `tasks` episodes of held-out classes (stream 1, upright characters), one value
   * per episode, plus accuracy by presentation (see ClassifierEvalResult).
   */
  async evaluate(tasks: number, seed: number): Promise<ClassifierEvalResult> {
    const { ways: N, shots: K } = this.config;
    const T = this.steps;
    const chunk = Math.min(tasks, EVAL_CHUNK);
    const pass = await this.#record(chunk, 'eval', seed);
    const values: number[] = [];
    const hits = new Array<number>(K + 1).fill(0);
    const counts = new Array<number>(K + 1).fill(0);
    try {
      for (let c = 0; values.length < tasks; c++) {
        this.gpu.write(this.#evalCounter, [c]);
        pass.program.run();
        const labels = await this.gpu.read(pass.labels);
        const correct = await this.gpu.read(pass.correct);
        const take = Math.min(chunk, tasks - values.length);
        values.push(...queryAccuracy(correct, N * K, T).slice(0, take));
        for (let b = 0; b < take; b++) {
          const seen = new Array<number>(N).fill(0);
          for (let t = 0; t < T; t++) {
            const label = labels[b * T + t];
            const instance = t < N * K ? seen[label]++ : K; // 0-based
            hits[instance] += correct[b * T + t];
            counts[instance]++;
          }
        }
      }
    } finally {
      this.#free(pass);
    }
    const byInstance = counts.map((count, i) => ({ instance: i + 1, accuracy: hits[i] / count, count }));
    return { ...summarize('accuracy', values), ways: N, shots: K, byInstance };
  }

  /**
   * Logits [queries, N] of each episode's queries, each query in its own sequence after the support set so
   * that queries do not see each other (one row per query). Every episode must have the same support size;
   * labels must be below `ways`.
   */
  async predict(episodes: ClassifierEpisode[]): Promise<number[][][]> {
    const N = this.config.ways;
    const S = episodes[0]?.support.length ?? 0;
    const px = this.#size ** 2;
    for (const e of episodes) {
      if (e.support.length !== S)
        throw new InputError(`predict: support sizes differ (${S} and ${e.support.length})`);
      for (const s of e.support) {
        if (!(Number.isInteger(s.label) && s.label >= 0 && s.label < N)) {
          throw new InputError(
            `predict: label ${s.label} is outside this ${N}-way model's labels 0..${N - 1}`,
          );
        }
      }
      for (const img of [...e.support.map((s) => s.image), ...e.queries]) {
        if (img.length !== px)
          throw new InputError(`predict: an image has ${img.length} pixels, expected ${px}`);
      }
    }
    const rows = episodes.flatMap((e) => e.queries.map((q) => ({ e, q })));
    if (!rows.length) return episodes.map(() => []);
    const T = S + 1;
    const I = this.inputSize;
    const E = this.#encoder.embed;
    const pass = await this.#record(rows.length, 'external', 0, T);
    const R = pass.rows;
    const pixels = new Float32Array(R * px);
    const episode = new Float32Array(R + R * I);
    rows.forEach(({ e, q }, b) => {
      e.support.forEach((s, t) => {
        pixels.set(s.image, (b * T + t) * px);
        episode[b * T + t] = s.label;
        episode[R + (b * T + t + 1) * I + E + s.label] = 1; // the label arrives one step later
      });
      pixels.set(q, (b * T + S) * px);
      episode[b * T + S] = -1; // unknown: no loss
    });
    try {
      this.gpu.write(pass.pixels, pixels);
      this.gpu.write(pass.episode, episode);
      pass.program.run();
      const logits = await this.gpu.read(pass.logits);
      const out = episodes.map(() => [] as number[][]);
      rows.forEach(({ e }, b) => {
        const at = (b * T + S) * N;
        out[episodes.indexOf(e)].push(Array.from(logits.subarray(at, at + N)));
      });
      return out;
    } finally {
      this.#free(pass);
    }
  }

  async state(): Promise<Record<string, Float32Array>> {
    const flat = await this.gpu.read(this.params);
    return { ...namedSlices(flat, this.entries, ''), ...(await this.optimizer.state()) };
  }

  load(state: Record<string, Float32Array>, step: number): void {
    this.gpu.write(this.params, flatFromState(state, this.entries, this.params.size));
    this.optimizer.load(state, step);
  }

  #free(pass: Pass): void {
    pass.program.destroy();
    for (const t of pass.tensors) this.gpu.release(t);
  }

  destroy(): void {
    if (!this.#train) return;
    this.#free(this.#train);
    this.#train = null;
    for (const t of [this.#images, this.#table, this.#stepCounter, this.#evalCounter]) this.gpu.release(t);
  }
}

/** Per episode: the fraction of its query steps (steps ≥ support) predicted right, from `correct` [B·T]. */
export function queryAccuracy(correct: ArrayLike<number>, support: number, steps: number): number[] {
  const out: number[] = [];
  for (let b = 0; b * steps < correct.length; b++) {
    let hit = 0;
    for (let t = support; t < steps; t++) hit += correct[b * steps + t];
    out.push(hit / (steps - support));
  }
  return out;
}

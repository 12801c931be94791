/**
 * Black-box GRU meta-learner for N-way K-shot image classification (Santoro et al. 2016, "One-shot learning
 * with memory-augmented neural networks", with a GRU for the controller): an episode is one sequence, support
 * steps first (in random order), then queries. Two ways to show the support labels (`labels`):
 * - 'delayed' (Santoro et al.): step t reads [embedding(image_t), one-hot(label_{t−1}),
 *   embedding(image_{t−1}) ⊗ one-hot(label_{t−1})] — each label arrives one step after its image, only for
 *   support steps, with the previous image's embedding placed in that label's block (label_bind.wgsl) — and
 *   predicts label_t on every step;
 * - 'paired': a support step reads its own image and label, [embedding(image_t), one-hot(label_t),
 *   embedding(image_t) ⊗ one-hot(label_t)] (the support pair (x, y) in one step, as the sinusoid learner reads
 *   (x, y)), and only queries are predicted. Better on Omniglot (BENCHMARKS.md): the GRU no longer holds an
 *   image for a step before it learns its label.
 * Adapting to new classes is running the sequence; the weights never change at test time.
 * Two phases (BENCHMARKS.md, "Omniglot", has the measurements behind them): the first `pretrainSteps` steps
 * train the image encoder alone as a classifier over every training class (a linear head on the embedding,
 * dropped afterwards), so that embeddings of one character are close before the GRU has to match them; then
 * meta-training trains everything end to end, the encoder at its own, smaller learning rate `encoderLr`.
 * Without the bound block, the centred 16-wide embedding and the pretraining, the GRU stays at chance on
 * the queries for thousands of episodes.
 * With delayed labels the loss covers every step, as in Santoro et al.: a support step showing a class for the
 * i-th time is predicted from i − 1 labelled examples, so accuracy by presentation ("instance") falls out of
 * the same outputs (instances 1…K on support steps; queries are instance K + 1); paired, only queries count.
 * The query accuracy is the N-way K-shot accuracy. Meta-training is BPTT through the GRU and the image encoder
 * (image_encoder.ts), recorded once as one program: sample → gather → encoder → GRU → head → cross-entropy →
 * backward → Adam.
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
import { labelBindBackward, labelBindForward, labelBindWidth } from '../kernels/label_bind';
import { omniglotGather, omniglotSteps, omniglotTasks, packOmniglotTable } from '../kernels/omniglot_tasks';
import { checkEpisodeShape, splitOmniglot, type OmniglotDataset, type OmniglotSplit } from '../data/omniglot';
import { initUniform, namedSlices, flatFromState } from './init';
import { summarize, type EvalResult, type MetaConfig, type MetaLearner, type TaskData } from './learner';
import { imageEncoder, type EncoderSpec, type ImageEncoder } from './image_encoder';
import { lrFactor, MetaOptimizer } from './optimizer';

/**
 * The image encoders by name: a convnet (conv_encoder.ts) and an MLP 784 → 128 → 16 (mlp_encoder.ts). The
 * embedding is narrow because the GRU must hold one per class: N = 5 embeddings of 64 do not fit a 128-unit
 * state, and with 64 the queries stayed at chance in trials where 16 learned (BENCHMARKS.md).
 */
export const ENCODERS = {
  conv: { conv: [16, 32, 32], embed: 16 },
  mlp: { hidden: 128, embed: 16 },
} as const satisfies Record<string, EncoderSpec>;
/** The convnet: 0.65 against the MLP's 0.51 held-out after 1,500 meta-training steps (BENCHMARKS.md). */
export const ENCODER: EncoderSpec = ENCODERS.conv;
/** Classes per pretraining batch (two drawings each). */
const PRETRAIN_WAYS = 32;
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
  /** Add 90°, 180° and 270° turns of the training characters as extra classes (default true; false: none). */
  rotations?: boolean;
  /** The image encoder: one of ENCODERS by name, or any EncoderSpec (default ENCODER). */
  encoder?: EncoderSpec | keyof typeof ENCODERS;
  /**
   * Augmentation: every training image (pretraining and meta-training episodes; never held-out ones) moves
   * by a random whole number of pixels in [−shift, shift] on each axis (default 0: none).
   */
  shift?: number;
  /** How support labels are shown: 'delayed' (default; one step after the image) or 'paired' (with it). */
  labels?: 'delayed' | 'paired';
}

/** Steps that pretrain the encoder (0: none) and its learning rate afterwards (default: the meta lr). */
export function encoderSchedule(config: MetaConfig): { pretrainSteps: number; encoderLr: number } {
  return { pretrainSteps: config.pretrainSteps ?? 0, encoderLr: config.encoderLr ?? config.lr };
}

/**
 * Learning rates by 1-based step. gru: by meta-training step (its optimizer starts counting after the
 * pretraining); encoder: by overall step, lr while pretraining, then encoderLr. Both decay over the
 * meta-training steps as config.lrDecay says.
 */
export function classifierSchedules(config: MetaConfig): {
  gru: (metaStep: number) => number;
  encoder: (step: number) => number;
} {
  const { pretrainSteps, encoderLr } = encoderSchedule(config);
  const metaSteps = Math.max(config.steps - pretrainSteps, 1);
  const f = (metaStep: number) => lrFactor(config.lrDecay, metaStep, metaSteps);
  return {
    gru: (metaStep) => config.lr * f(metaStep),
    encoder: (step) => (step <= pretrainSteps ? config.lr : encoderLr * f(step - pretrainSteps)),
  };
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
  /** Adam over the GRU and its head. */
  readonly optimizer: MetaOptimizer;
  /** Adam over the encoder and its pretraining head: lr while pretraining, then encoderLr. */
  readonly encoderOptimizer: MetaOptimizer;
  readonly split: OmniglotSplit;
  /** GRU input width: embedding + one label slot per way. */
  readonly inputSize: number;
  readonly #encoder: ImageEncoder;
  /** The encoder's entries (between the head and the pretraining head). */
  readonly #encoderEntries: ParamEntry[];
  readonly #images: Tensor;
  readonly #table: Tensor;
  readonly #pools: { offset: number; size: number }[];
  readonly #charCount: number;
  readonly #stepCounter: Tensor;
  readonly #evalCounter: Tensor;
  readonly #size: number;
  /** Training-image shift in pixels (OmniglotConfig.shift). */
  readonly #shift: number;
  /** Support steps show their own label (OmniglotConfig.labels 'paired'). */
  readonly #paired: boolean;
  #train: Pass | null = null;
  #pretrain: Pass | null = null;
  #step = 0;

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
      rotations: o.rotations === false ? 1 : 4,
      seed: config.seed,
    });
    const held = this.split.heldOut.length
      ? `held-out alphabets ${this.split.heldOut.join(', ')}`
      : 'held-out set';
    checkEpisodeShape(dataset, this.split.train, { ways: N, shots: K, queries: Q }, 'training set');
    checkEpisodeShape(dataset, this.split.test, { ways: N, shots: K, queries: Q }, held);
    this.#size = dataset.size;
    this.#shift = o.shift ?? 0;
    this.#paired = o.labels === 'paired';
    const spec = o.encoder ?? ENCODER;
    this.#encoder = imageEncoder(typeof spec === 'string' ? ENCODERS[spec] : spec, dataset.size);
    this.inputSize = labelBindWidth({ embed: this.#encoder.embed, ways: N });
    this.shape = { layers: config.layers, inputSize: this.inputSize, hiddenSize: H, groups: 1 };
    const gru = gruParamLayout(this.shape);
    const head: ParamEntry[] = [
      { name: 'head.weight', offset: gru.size, shape: [N, H], size: N * H },
      { name: 'head.bias', offset: gru.size + N * H, shape: [N], size: N },
    ];
    const encoder = this.#encoder.entries(gru.size + N * H + N);
    this.#encoderEntries = encoder;
    const E = this.#encoder.embed;
    const P = this.split.train.length;
    const end = encoder[encoder.length - 1].offset + encoder[encoder.length - 1].size;
    this.entries = [
      ...gru.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
      ...head,
      ...encoder,
      { name: 'pretrain_head.weight', offset: end, shape: [P, E], size: P * E },
      { name: 'pretrain_head.bias', offset: end + P * E, shape: [P], size: P },
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
      const bound = e.name.startsWith('encoder.')
        ? this.#encoder.initBound(e.name, m2)
        : e.name.startsWith('pretrain_head')
          ? 1 / Math.sqrt(E)
          : 1 / Math.sqrt(H);
      init.set(initUniform(e.size, bound, config.seed * 1000 + i), e.offset);
    });
    this.params = gpu.tensor([size], init);
    this.grads = gpu.tensor([size], new Float32Array(size));
    const metaSize = gru.size + N * H + N;
    const { pretrainSteps, encoderLr } = encoderSchedule(config);
    if (!(Number.isInteger(pretrainSteps) && pretrainSteps >= 0))
      throw new InputError(`pretrainSteps must be an integer ≥ 0, got ${pretrainSteps}`);
    if (!(encoderLr >= 0)) throw new InputError(`encoderLr must be ≥ 0, got ${encoderLr}`);
    const opt = { lr: config.lr, clip: config.clip };
    const schedules = classifierSchedules(config);
    const part = (t: Tensor, from: number, to: number) => t.view(from, [to - from]);
    this.optimizer = new MetaOptimizer(
      gpu,
      part(this.params, 0, metaSize),
      part(this.grads, 0, metaSize),
      opt,
      'optimizer',
      schedules.gru,
    );
    this.encoderOptimizer = new MetaOptimizer(
      gpu,
      part(this.params, metaSize, size),
      part(this.grads, metaSize, size),
      opt,
      'encoder_optimizer',
      schedules.encoder,
    );
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
    if (encoderSchedule(config).pretrainSteps > 0) learner.#pretrain = await learner.#recordPretrain();
    return learner;
  }

  /** Steps taken, pretraining included. Setting it replays from that step (tests: same episodes again). */
  get stepCount(): number {
    return this.#step;
  }

  set stepCount(step: number) {
    this.#step = step;
    this.optimizer.step = Math.max(0, step - encoderSchedule(this.config).pretrainSteps);
    this.encoderOptimizer.step = step;
  }

  /** True while the encoder is being pretrained (the next step is a pretraining step). */
  get pretraining(): boolean {
    return this.#step < encoderSchedule(this.config).pretrainSteps;
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
    const enc = this.#encoder.alloc(gpu, R, train);
    const bind = { rows: R, steps: T, embed: E, ways: N, lag: this.#paired ? 0 : 1 } as const;
    const bufs = allocGruBuffers(gpu, shape, run);
    const logits = gpu.tensor([R, N]);
    const loss = gpu.tensor([tasks]);
    const correct = gpu.tensor([R]);
    const tensors = [episode, codes, pixels, ...enc.tensors, ...bufs.tensors, logits, loss, correct];
    const encoderEntries = this.#encoderEntries;
    const out = gruOutput(shape, run, bufs.hs);
    const head = { groups: 1, rowsPerGroup: R, inF: H, outF: N };
    const [w, b] = ['head.weight', 'head.bias'].map((n) => {
      const e = this.entries.find((e) => e.name === n)!;
      return { w: this.params.view(e.offset, e.shape), g: this.grads.view(e.offset, e.shape) };
    });

    const rec = gpu.recorder();
    if (mode !== 'external') {
      const shift = train ? this.#shift : 0;
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
          shift,
          paired: this.#paired,
        },
      );
      omniglotGather(rec, { rows: R, size: this.#size, shift }, { codes, images: this.#images, pixels });
    }
    const encT = { params: this.params, entries: encoderEntries, pixels, bufs: enc };
    this.#encoder.forward(rec, R, { ...encT, out: x, outStride: I });
    labelBindForward(rec, bind, { x });
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
      labelBindBackward(rec, bind, { x, dx });
      this.#encoder.backward(rec, R, { ...encT, grads: this.grads, dOut: dx, dOutStride: I });
      this.optimizer.record(rec);
      this.encoderOptimizer.record(rec);
    }
    const program = await rec.finish(`blackbox_classifier.${mode}`);
    return { program, rows: R, labels, loss, correct, logits, episode, codes, pixels, tensors };
  }

  /**
   * The pretraining step: PRETRAIN_WAYS training classes × 2 drawings (stream 2, labels = pool positions) →
   * encoder → linear head over every training class → cross-entropy → backward → the encoder's Adam.
   */
  async #recordPretrain(): Promise<Pass> {
    const { gpu } = this;
    const pool = this.#pools[0];
    const W = Math.min(PRETRAIN_WAYS, pool.size);
    const R = 2 * W;
    const E = this.#encoder.embed;
    const P = pool.size;
    const episode = gpu.tensor([R + R * W]);
    const labels = episode.view(0, [R]);
    const codes = gpu.tensor([R], undefined, 'u32');
    const pixels = gpu.tensor([R, this.#size ** 2]);
    const enc = this.#encoder.alloc(gpu, R, true);
    const emb = gpu.tensor([R, E]);
    const dEmb = gpu.tensor([R, E]);
    const logits = gpu.tensor([R, P]);
    const dLogits = gpu.tensor([R, P]);
    const loss = gpu.tensor([1]);
    const correct = gpu.tensor([R]);
    const tensors = [episode, codes, pixels, ...enc.tensors, emb, dEmb, logits, dLogits, loss, correct];
    const [w, b] = ['pretrain_head.weight', 'pretrain_head.bias'].map((n) => {
      const e = this.entries.find((e) => e.name === n)!;
      return { w: this.params.view(e.offset, e.shape), g: this.grads.view(e.offset, e.shape) };
    });
    const head = { groups: 1, rowsPerGroup: R, inF: E, outF: P };
    const encT = { params: this.params, entries: this.#encoderEntries, pixels, bufs: enc };
    const rec = gpu.recorder();
    omniglotTasks(
      rec,
      { tasks: 1, ways: W, shots: 1, queries: 1 },
      {
        step: this.#stepCounter,
        table: this.#table,
        pool,
        charStart: 0,
        charCount: this.#charCount,
        rotations: this.split.rotations,
        codes,
        labels,
        slots: episode.view(R, [R, W]),
        slotStride: W,
        seed: this.config.seed,
        stream: 2,
        poolLabels: true,
        shift: this.#shift,
      },
    );
    omniglotGather(
      rec,
      { rows: R, size: this.#size, shift: this.#shift },
      { codes, images: this.#images, pixels },
    );
    this.#encoder.forward(rec, R, { ...encT, out: emb, outStride: E });
    linearForward(rec, head, { x: emb, w: w.w, b: b.w, y: logits });
    softmaxCrossEntropy(
      rec,
      { groups: 1, rowsPerGroup: R, classes: P },
      { logits, labels, loss, grad: dLogits, correct },
    );
    linearBackwardWeight(rec, head, { x: emb, dy: dLogits, dw: w.g, db: b.g });
    linearBackwardInput(rec, head, { dy: dLogits, w: w.w, dx: dEmb });
    this.#encoder.backward(rec, R, { ...encT, grads: this.grads, dOut: dEmb, dOutStride: E });
    this.encoderOptimizer.record(rec);
    const program = await rec.finish('blackbox_classifier.pretrain');
    return { program, rows: R, labels, loss, correct, logits, episode, codes, pixels, tensors };
  }

  step(): void {
    const pretrain = this.pretraining;
    this.#step++;
    this.gpu.write(this.#stepCounter, [this.#step]);
    this.encoderOptimizer.advance();
    if (pretrain) {
      this.#pretrain!.program.run();
      if (this.#step === encoderSchedule(this.config).pretrainSteps) {
        // From here the encoder trains with the GRU; its pretraining head is left as it is.
        const head = this.entries.filter((e) => e.name.startsWith('pretrain_head'));
        const n = head.reduce((a, e) => a + e.size, 0);
        this.gpu.write(this.grads.view(head[0].offset, [n]), new Float32Array(n));
      }
      return;
    }
    this.optimizer.advance();
    this.#train!.program.run();
  }

  /** Mean cross-entropy of the last step (reads back): over the pretraining batch, or every episode step. */
  async lastLoss(): Promise<number> {
    const pretrained = this.#step <= encoderSchedule(this.config).pretrainSteps;
    const pass = pretrained && this.#pretrain ? this.#pretrain : this.#train!;
    const l = await this.gpu.read(pass.loss);
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
            if (label < 0) continue; // a paired support step: its label was shown
            const instance = t < N * K ? seen[label]++ : K; // 0-based
            hits[instance] += correct[b * T + t];
            counts[instance]++;
          }
        }
      }
    } finally {
      this.#free(pass);
    }
    const byInstance = counts
      .map((count, i) => ({ instance: i + 1, accuracy: hits[i] / count, count }))
      .filter((b) => b.count > 0);
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
        // Paired: the label comes with its image (and is not predicted); delayed: one step later.
        episode[b * T + t] = this.#paired ? -1 : s.label;
        episode[R + (b * T + t + (this.#paired ? 0 : 1)) * I + E + s.label] = 1;
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
    return {
      ...namedSlices(flat, this.entries, ''),
      ...(await this.optimizer.state()),
      ...(await this.encoderOptimizer.state()),
    };
  }

  load(state: Record<string, Float32Array>, step: number): void {
    this.gpu.write(this.params, flatFromState(state, this.entries, this.params.size));
    this.optimizer.load(state, 0);
    this.encoderOptimizer.load(state, 0);
    this.stepCount = step;
  }

  #free(pass: Pass): void {
    pass.program.destroy();
    for (const t of pass.tensors) this.gpu.release(t);
  }

  destroy(): void {
    if (!this.#train) return;
    this.#free(this.#train);
    if (this.#pretrain) this.#free(this.#pretrain);
    this.#train = null;
    this.#pretrain = null;
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

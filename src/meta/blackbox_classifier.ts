/**
 * Black-box GRU meta-learner for N-way K-shot image classification (Santoro et al. 2016, with a GRU for the
 * controller): an episode is one sequence, support steps first (in random order), then queries; adapting to
 * new classes is running the sequence, the weights never change at test time. Each step reads
 * [embedding(image), one-hot(label), embedding(image) ⊗ one-hot(label)]: the bound block puts an image's
 * embedding in its label's slot (label_bind.wgsl), so that matching a query to a class is a comparison the
 * GRU's gates can make, rather than something it must first learn to store. Support labels are shown
 * (`labels`):
 * - 'delayed' (Santoro et al.): each label arrives one step after its image, and every step is predicted; a
 *   support step showing its class for the i-th time is predicted from i − 1 labelled examples, so accuracy by
 *   presentation falls out of the same outputs (instances 1…K on support steps; queries are instance K + 1);
 * - 'paired': a support step reads its own image and label (the pair (x, y) in one step, as the sinusoid
 *   learner reads it), and only queries are predicted: the GRU never has to hold an unlabelled image.
 * Two phases: the first `pretrainSteps` steps train the encoder alone (classifier_pretrain.ts); then
 * meta-training trains everything end to end by BPTT through the GRU and the image encoder (image_encoder.ts),
 * the encoder at its own, smaller learning rate `encoderLr` so that meta-training refines rather than undoes
 * what pretraining found. One step is one recorded program: sample → gather → encoder → GRU → head →
 * cross-entropy → backward → Adam.
 */
import type { Gpu } from '../runtime/gpu';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import { allocGruBuffers, gruForward, gruOutput } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import type { GruShape, ParamEntry } from '../layout/gru_layout';
import { softmaxCrossEntropy } from '../kernels/softmax_cross_entropy';
import { labelBindBackward, labelBindForward } from '../kernels/label_bind';
import { omniglotSteps } from '../kernels/omniglot_tasks';
import type { OmniglotDataset } from '../data/omniglot';
import { checkSplitClasses, type EvalSplit, type OmniglotSplit } from '../data/omniglot_split';
import { summarize, type MetaConfig, type TaskData } from './learner';
import { LearnerCore, mean } from './learner_core';
import type { ImageEncoder } from './image_encoder';
import { classifierModel } from './classifier_model';
import { recordPretrain, type ClassifierPass } from './classifier_pretrain';
import { OmniglotSampler } from './omniglot_sampler';
import { fitPretrainHead } from './classifier_checkpoint';
import { checkEpisodes, inductiveAccuracy, InstanceTally, packQueryRows } from './classifier_episodes';
import { rowGather } from '../kernels/row_gather';
import { forkIndices, packFork, recordFork } from './classifier_fork';
import { MetaOptimizer } from './optimizer';
import { LinearHead } from './gru_head';
import type { AttentionMemory } from './attention_memory';
import {
  classifierSchedules,
  encoderSchedule,
  queryAccuracy,
  classificationPredictor,
  type ClassificationPredictor,
  type ClassifierEpisode,
  type ClassifierEvalResult,
  type OmniglotConfig,
} from './classifier_config';

/** Evaluation episodes per recorded pass: bounds its buffers whatever `tasks` asks for. */
const EVAL_CHUNK = 50;

export class BlackBoxClassifier extends LearnerCore {
  readonly shape: GruShape;
  /** Adam over the encoder and its pretraining head: lr while pretraining, then encoderLr (`optimizer`: the GRU's and its head's). */
  readonly encoderOptimizer: MetaOptimizer;
  readonly split: OmniglotSplit;
  /** GRU input width: embedding + one label slot per way. */
  readonly inputSize: number;
  readonly #head: LinearHead;
  readonly #pretrainHead: LinearHead;
  readonly #encoder: ImageEncoder;
  /** The attention read beside the GRU (OmniglotConfig.memory 'attention'), or null. */
  readonly #memory: AttentionMemory | null;
  /** The encoder's entries (between the head and the pretraining head). */
  readonly #encoderEntries: ParamEntry[];
  readonly #sampler: OmniglotSampler;
  readonly #evalCounter: Tensor;
  readonly #size: number;
  /** Training-image shift in pixels (OmniglotConfig.shift). */
  readonly #shift: number;
  /** Support steps show their own label (OmniglotConfig.labels 'paired'). */
  readonly #paired: boolean;
  #pretrain: ClassifierPass | null = null;
  #destroyed = false;
  #step = 0;

  private constructor(
    gpu: Gpu,
    config: MetaConfig,
    readonly dataset: OmniglotDataset,
  ) {
    const m = classifierModel(config, dataset);
    const schedules = classifierSchedules(config);
    const opt = { lr: config.lr, clip: config.clip };
    const size = m.init.length;
    const part = (t: Tensor, from: number, to: number) => t.view(from, [to - from]);
    super(gpu, config, m.entries, m.init, (params, grads) => [
      new MetaOptimizer(
        gpu,
        part(params, 0, m.metaSize),
        part(grads, 0, m.metaSize),
        opt,
        'optimizer',
        schedules.gru,
      ),
      new MetaOptimizer(
        gpu,
        part(params, m.metaSize, size),
        part(grads, m.metaSize, size),
        opt,
        'encoder_optimizer',
        schedules.encoder,
      ),
    ]);
    this.encoderOptimizer = this.optimizers[1];
    this.split = m.split;
    this.shape = m.shape;
    this.inputSize = m.shape.inputSize;
    this.#encoder = m.encoder;
    this.#memory = m.memory;
    this.#encoderEntries = m.encoderEntries;
    this.#head = new LinearHead(m.entries);
    this.#pretrainHead = new LinearHead(m.entries, 'pretrain_head');
    const o = config as MetaConfig & OmniglotConfig;
    this.#size = dataset.size;
    this.#shift = o.shift ?? 0;
    this.#paired = o.labels === 'paired';
    this.#sampler = new OmniglotSampler(gpu, dataset, this.split);
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
    if (config.scoring) return learner; // evaluate and predict only: nothing to train
    learner.setTrainPass(await learner.#record(config.metaBatch, 'train', config.seed));
    if (encoderSchedule(config).pretrainSteps > 0) {
      learner.#pretrain = await recordPretrain({
        gpu,
        sampler: learner.#sampler,
        encoder: learner.#encoder,
        encoderEntries: learner.#encoderEntries,
        head: learner.#pretrainHead,
        params: learner.params,
        grads: learner.grads,
        optimizer: learner.encoderOptimizer,
        step: learner.stepCounter,
        seed: config.seed,
        shift: learner.#shift,
      });
    }
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

  get phase(): string | undefined {
    return this.pretraining ? 'pretraining the encoder' : undefined;
  }

  /** The learning rate of the last step: the encoder's on a pretraining step (warm-up included), else the GRU's. */
  get lr(): number {
    const { pretrainSteps } = encoderSchedule(this.config);
    return pretrainSteps > 0 && this.#step <= pretrainSteps ? this.encoderOptimizer.lr : this.optimizer.lr;
  }

  get steps(): number {
    return omniglotSteps(this.config);
  }

  /**
   * Records one pass over `tasks` episodes of `steps` steps. 'train' and 'eval' sample on the GPU (train
   * pool, stream 0 / the `split` pool, stream 1); 'external' runs whatever the caller wrote into `pixels`,
   * `labels` and the label slots of `episode`, and with `images` takes `pixels` as that many distinct images
   * and `index` as the image of each step row. Only 'train' runs backward and the update.
   */
  async #record(
    tasks: number,
    mode: 'train' | 'eval' | 'external',
    seed: number,
    steps = this.steps,
    split: EvalSplit = 'test',
    images?: number,
  ): Promise<ClassifierPass> {
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
    // 'external' with `images`: each image once, its embedding placed in the rows that show it (row_gather).
    const imageRows = images ?? R;
    const pixels = gpu.tensor([imageRows, this.#size ** 2]);
    const enc = this.#encoder.alloc(gpu, imageRows, train);
    const gather =
      images === undefined
        ? null
        : { emb: gpu.tensor([imageRows, E]), index: gpu.tensor([R], undefined, 'u32') };
    const bind = { rows: R, steps: T, embed: E, ways: N, lag: this.#paired ? 0 : 1 } as const;
    const bufs = allocGruBuffers(gpu, shape, run);
    const logits = gpu.tensor([R, N]);
    const loss = gpu.tensor([tasks]);
    const correct = gpu.tensor([R]);
    const mem = this.#memory?.alloc(gpu, R, train) ?? null;
    const tensors = [episode, codes, pixels, ...enc.tensors, ...bufs.tensors, logits, loss, correct];
    if (mem) tensors.push(...mem.tensors);
    if (gather) tensors.push(gather.emb, gather.index);
    const encoderEntries = this.#encoderEntries;
    const out = gruOutput(shape, run, bufs.hs);

    const rec = gpu.recorder();
    if (mode !== 'external') {
      this.#sampler.record(rec, {
        tasks,
        ways: N,
        shots: K,
        queries: Q,
        step: train ? this.stepCounter : this.#evalCounter,
        pool: train ? 'train' : split,
        seed,
        stream: train ? 0 : 1,
        shift: train ? this.#shift : 0,
        codes,
        labels,
        slots: episode.view(R + E, [R, N]),
        slotStride: I,
        pixels,
        paired: this.#paired,
      });
    }
    const encT = { params: this.params, entries: encoderEntries, pixels, bufs: enc };
    if (gather) {
      this.#encoder.forward(rec, imageRows, { ...encT, out: gather.emb, outStride: E });
      rowGather(
        rec,
        { rows: R, inRows: imageRows, cols: E },
        { x: gather.emb, index: gather.index, y: x, yStride: I },
      );
    } else {
      this.#encoder.forward(rec, R, { ...encT, out: x, outStride: I });
    }
    labelBindForward(rec, bind, { x });
    gruForward(rec, shape, run, { params: this.params, x, hs: bufs.hs, gates: bufs.gates });
    const outRows = { tensor: out.tensor, rows: out.rows };
    this.#head.forward(rec, this.params, R, outRows, logits);
    const memRun = { tasks, steps: T, out: outRows };
    if (mem) this.#memory!.forward(rec, this.params, memRun, mem, logits);
    const ce = { groups: tasks, rowsPerGroup: T, classes: N };
    if (!train) {
      softmaxCrossEntropy(rec, ce, { logits, labels, loss, correct });
    } else {
      const dLogits = gpu.tensor([R, N]);
      const dOut = gpu.tensor([tasks, T, H]);
      const dx = gpu.tensor([tasks, T, I]);
      tensors.push(dLogits, dOut, dx);
      softmaxCrossEntropy(rec, ce, { logits, labels, loss, grad: dLogits, correct }, 1 / tasks);
      this.#head.backward(rec, this.params, R, {
        x: outRows,
        dy: dLogits,
        grads: this.grads,
        dx: { tensor: dOut },
      });
      if (mem) this.#memory!.backward(rec, this.params, memRun, mem, { dLogits, grads: this.grads, dOut });
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
    return {
      program,
      rows: R,
      labels,
      loss,
      correct,
      logits,
      episode,
      codes,
      pixels,
      index: gather?.index,
      tensors,
    };
  }

  step(): void {
    const pretrain = this.pretraining;
    this.#step++;
    this.gpu.write(this.stepCounter, [this.#step]);
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
    this.trainPass.program.run();
  }

  /** Mean cross-entropy of the last step (reads back): over the pretraining batch, or every episode step. */
  async lastLoss(): Promise<number> {
    const pretrained = this.#step <= encoderSchedule(this.config).pretrainSteps;
    const pass = pretrained && this.#pretrain ? this.#pretrain : this.trainPass;
    return mean(await this.gpu.read(pass.loss));
  }

  /** Query accuracy of the last training step's episodes (reads back; for logs and tests). */
  async lastAccuracy(): Promise<number> {
    const c = await this.gpu.read(this.#trainPass.correct);
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
    const pass = this.#trainPass;
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
   * N-way K-shot accuracy on `tasks` episodes of the `split` classes (stream 1, upright characters), one value
   * per episode, each query scored alone after the support set (inductive, as the literature scores); the same
   * episodes scored transductively (one sequence, queries after each other) and by presentation (Santoro et
   * al., from that sequence) beside it.
   */
  async evaluate(tasks: number, seed: number, split: EvalSplit = 'test'): Promise<ClassifierEvalResult> {
    const { ways: N, shots: K } = this.config;
    this.checkSplit(split);
    const T = this.steps;
    const chunk = Math.min(tasks, EVAL_CHUNK);
    const pass = await this.#record(chunk, 'eval', seed, T, split);
    const inductive: number[] = [];
    const transductive: number[] = [];
    const tally = new InstanceTally(N, K);
    try {
      for (let c = 0; transductive.length < tasks; c++) {
        this.gpu.write(this.#evalCounter, [c]);
        pass.program.run();
        const labels = await this.gpu.read(pass.labels);
        const correct = await this.gpu.read(pass.correct);
        const take = Math.min(chunk, tasks - transductive.length);
        transductive.push(...queryAccuracy(correct, N * K, T).slice(0, take));
        tally.add(labels, correct, take, T);
        inductive.push(...(await inductiveAccuracy(this, split, { seed, step: c, take })));
      }
    } finally {
      this.free(pass);
    }
    const t = summarize('accuracy', transductive);
    return {
      ...summarize('accuracy', inductive),
      ways: N,
      shots: K,
      byInstance: tally.result(),
      transductive: { mean: t.mean, ci95: t.ci95 },
      alphabets: split === 'test' ? this.split.heldOut : this.split.validationAlphabets,
    };
  }

  async adapt(support: ClassifierEpisode['support']): Promise<ClassificationPredictor> {
    return classificationPredictor(this, support);
  }

  /** Refuses to go on without `split` classes: training chooses on validation, `eval` scores on test. */
  checkSplit(split: EvalSplit): void {
    if (split === 'validation' && this.config.scoring && !this.split.validation.length) {
      throw new InputError(
        'this classifier was built to score or predict only (no training data): load it with its Omniglot ' +
          'data to train it further',
      );
    }
    checkSplitClasses(this.split, split, this.dataset.alphabets);
  }

  /**
   * Logits [queries, N] of each episode's queries, each query in its own sequence after the support set so
   * that queries do not see each other (one row per query). Every episode must have the same support size;
   * labels must be below `ways`.
   */
  async predict(episodes: ClassifierEpisode[]): Promise<number[][][]> {
    const N = this.config.ways;
    const px = this.#size ** 2;
    const S = checkEpisodes(episodes, N, px);
    const rows = episodes.flatMap((e) => e.queries.map(() => e));
    if (!rows.length) return episodes.map(() => []);
    if (this.#paired && S > 0) return this.#predictForked(episodes, S);
    const T = S + 1;
    const { pixels, index, episode, images } = packQueryRows(episodes, {
      support: S,
      pixels: px,
      width: this.inputSize,
      embed: this.#encoder.embed,
      paired: this.#paired,
    });
    const pass = await this.#record(rows.length, 'external', 0, T, 'test', images);
    try {
      this.gpu.write(pass.pixels, pixels);
      this.gpu.write(pass.index!, index);
      this.gpu.write(pass.episode, episode);
      pass.program.run();
      const logits = await this.gpu.read(pass.logits);
      const out = episodes.map(() => [] as number[][]);
      rows.forEach((e, b) => {
        const at = (b * T + S) * N;
        out[episodes.indexOf(e)].push(Array.from(logits.subarray(at, at + N)));
      });
      return out;
    } finally {
      this.free(pass);
    }
  }

  /** predict() with the support set run once per episode (classifier_fork.ts); the same logits. */
  async #predictForked(episodes: ClassifierEpisode[], S: number): Promise<number[][][]> {
    const I = this.inputSize;
    const g = { support: S, pixels: this.#size ** 2, width: I, embed: this.#encoder.embed };
    const { pixels, xSupport, episodeOf, counts } = packFork(episodes, g);
    const pass = await recordFork(
      {
        gpu: this.gpu,
        shape: this.shape,
        params: this.params,
        encoder: this.#encoder,
        encoderEntries: this.#encoderEntries,
        head: this.#head,
        memory: this.#memory ?? null,
        inputSize: I,
        ways: this.config.ways,
        size: this.#size,
      },
      counts,
    );
    try {
      this.gpu.write(pass.pixels, pixels);
      this.gpu.write(pass.index, forkIndices(counts, this.shape.layers, episodeOf));
      this.gpu.write(pass.xSupport, xSupport);
      this.gpu.write(pass.xQuery, new Float32Array(counts.rows * I));
      pass.program.run();
      const logits = await this.gpu.read(pass.logits);
      const N = this.config.ways;
      const out = episodes.map(() => [] as number[][]);
      episodeOf.forEach((b, j) => {
        const at = (j * (S + 1) + S) * N;
        out[b].push(Array.from(logits.subarray(at, at + N)));
      });
      return out;
    } finally {
      this.free(pass);
    }
  }

  /**
   * Image codes (image · 4 + quarter turns, times the shift span² when shifting) of the last step's rows, from
   * the pretraining pass or the meta-training pass, whichever ran: for checking which images training read.
   */
  async lastCodes(): Promise<Uint32Array> {
    const pretrained = this.#step <= encoderSchedule(this.config).pretrainSteps && this.#pretrain;
    const pass = pretrained ? this.#pretrain! : this.#trainPass;
    return new Uint32Array((await this.gpu.read(pass.codes)).buffer);
  }

  /** The recorded training pass, with its correct-answer and episode buffers. */
  get #trainPass(): ClassifierPass {
    return this.trainPass as ClassifierPass;
  }

  /**
   * Loads a checkpoint, also one trained on other data: the pretraining head (one row per training class) and
   * its optimizer state are fitted to this data's training classes, since after pretraining nothing reads them;
   * a checkpoint without optimizer state (a shipped model) starts with fresh moments.
   */
  load(state: Record<string, Float32Array>, step: number): void {
    super.load(fitPretrainHead(state, this.entries, this.optimizers, step, this.config), 0);
    this.stepCount = step;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    super.destroy();
    if (this.#pretrain) this.free(this.#pretrain);
    this.#pretrain = null;
    this.#sampler.destroy();
    for (const t of [this.stepCounter, this.#evalCounter]) this.gpu.release(t);
  }
}

/**
 * Lake et al. 2015's one-shot classification benchmark: 20 runs of 20-way within-alphabet one-shot trials, as
 * distributed in all_runs.zip. Run NN has training/class01.png…class20.png (one drawing of each of 20
 * characters from one alphabet, all by one drawer), test/item01.png…item20.png (other drawings of the same
 * characters) and class_labels.txt, whose lines pair `runNN/test/itemMM.png runNN/training/classKK.png`.
 * A trial classifies one test item among its run's 20 training images; the score is the error rate over the
 * 400 trials. Published (Lake et al. 2015, Koch et al. 2015): people 4.5 %, BPL 3.3 %, Siamese convnet 8 %.
 */
import { InputError } from '../runtime/errors';
import { omniglotImageFromPng, OmniglotError, unzipImages, type OmniglotLoadOptions } from '../data/omniglot';
import type { ClassifierEpisode } from './classifier_config';

/** Error rates in percent over the 400 trials, for comparison tables. */
export const PUBLISHED_RUNS_ERROR = { people: 4.5, bpl: 3.3, siameseConvnet: 8.0 } as const;

export interface OmniglotRun {
  name: string;
  /** Training images in class01… order, 28×28, ink = 1. */
  training: Float32Array[];
  trainingFiles: string[];
  /** Test images in item01… order. */
  test: Float32Array[];
  testFiles: string[];
  /** For each test item, the index of its class among `training`. */
  answers: number[];
}

/** Reads all_runs.zip (or any zip in its layout, at its root or under one folder). */
export function parseOmniglotRuns(zip: Uint8Array, options: OmniglotLoadOptions = {}): OmniglotRun[] {
  const name = options.name ?? 'the runs zip';
  const files = unzipImages(zip, name, (p) => /\.png$/i.test(p) || /(^|\/)class_labels\.txt$/.test(p));
  const labelFiles = Object.keys(files)
    .filter((p) => p.endsWith('class_labels.txt'))
    .sort();
  if (!labelFiles.length) {
    throw new OmniglotError(`${name}: wrong layout: no runNN/class_labels.txt (is this all_runs.zip?)`);
  }
  return labelFiles.map((labelPath) => {
    const runDir = labelPath.slice(0, -'class_labels.txt'.length); // 'run01/' or 'all_runs/run01/'
    const root = runDir.replace(/[^/]+\/$/, ''); // label lines name files from the runs' parent folder
    const run = runDir.replace(/\/$/, '').split('/').pop()!;
    const lines = new TextDecoder()
      .decode(files[labelPath])
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    const pairs = lines.map((line, i) => {
      const parts = line.split(/\s+/);
      if (parts.length !== 2) {
        throw new OmniglotError(
          `${name}: ${labelPath} line ${i + 1}: expected 'test/itemMM.png training/classKK.png', got '${line}'`,
        );
      }
      return parts.map((p) => root + p) as [string, string];
    });
    const image = (path: string) => {
      const bytes = files[path];
      if (!bytes)
        throw new OmniglotError(
          `${name}: ${labelPath} names ${path.slice(root.length)}, which is not in the zip`,
        );
      return omniglotImageFromPng(bytes, path, { ...options, name });
    };
    const trainingFiles = Object.keys(files)
      .filter((p) => p.startsWith(`${runDir}training/`) && p.toLowerCase().endsWith('.png'))
      .sort();
    const testFiles = pairs.map(([t]) => t);
    const answers = pairs.map(([, c]) => {
      const k = trainingFiles.indexOf(c);
      if (k < 0)
        throw new OmniglotError(
          `${name}: ${labelPath} names ${c.slice(root.length)}, which is not in the zip`,
        );
      return k;
    });
    if (trainingFiles.length < 2) {
      throw new OmniglotError(
        `${name}: ${run} has ${trainingFiles.length} training image(s); a trial needs at least 2`,
      );
    }
    return {
      name: run,
      training: trainingFiles.map(image),
      trainingFiles,
      test: testFiles.map(image),
      testFiles,
      answers,
    };
  });
}

/** Picks, for each test item of a run, the index of a training image. */
export type RunClassifier = (run: OmniglotRun) => Promise<number[]> | number[];

export interface RunsResult {
  /** Percent over all trials. */
  errorRate: number;
  errors: number;
  trials: number;
  perRun: { name: string; errors: number; trials: number }[];
}

export async function evaluateOmniglotRuns(
  runs: OmniglotRun[],
  classify: RunClassifier,
): Promise<RunsResult> {
  const perRun: RunsResult['perRun'] = [];
  for (const run of runs) {
    const picks = await classify(run);
    if (picks.length !== run.test.length) {
      throw new RangeError(`classifier answered ${picks.length} of ${run.test.length} trials in ${run.name}`);
    }
    const errors = picks.filter((p, i) => p !== run.answers[i]).length;
    perRun.push({ name: run.name, errors, trials: run.test.length });
  }
  const errors = perRun.reduce((n, r) => n + r.errors, 0);
  const trials = perRun.reduce((n, r) => n + r.trials, 0);
  return { errorRate: (100 * errors) / Math.max(1, trials), errors, trials, perRun };
}

/** A baseline that needs no training: the training image nearest in pixel space (squared distance). */
export const nearestNeighbour: RunClassifier = (run) =>
  run.test.map((q) => {
    let best = 0;
    let bestD = Infinity;
    run.training.forEach((t, k) => {
      let d = 0;
      for (let i = 0; i < q.length; i++) d += (q[i] - t[i]) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    });
    return best;
  });

/** What learnerClassifier needs from a learner (BlackBoxClassifier has it). */
export interface EpisodePredictor {
  readonly config: { ways: number };
  predict(episodes: ClassifierEpisode[]): Promise<number[][][]>;
}

/**
 * Runs each trial through a meta-learner: the run's training images are the support set (label = class
 * index), each test item a query in its own sequence. The learner must have been meta-trained for as many
 * ways as a run has classes (20 for all_runs.zip), with one shot.
 */
export function learnerClassifier(learner: EpisodePredictor): RunClassifier {
  return async (run) => {
    const N = run.training.length;
    if (learner.config.ways !== N) {
      throw new InputError(
        `${run.name} is ${N}-way, but this model was meta-trained on ${learner.config.ways}-way episodes: ` +
          `train one with --ways ${N} --shots 1 for the one-shot runs`,
      );
    }
    const [logits] = await learner.predict([
      { support: run.training.map((image, label) => ({ image, label })), queries: run.test },
    ]);
    return logits.map((row) => row.indexOf(Math.max(...row)));
  };
}

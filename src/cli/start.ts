/**
 * `metarnn start` (what `npm start` runs): the demo. Meta-trains the black-box GRU on 10-shot sinusoid
 * regression into runs/start within a time budget, evaluates it on held-out test tasks, and prints the result
 * next to published figures. Everything that decides the outcome is in START_CONFIG.
 */
import type { Command } from 'commander';
import { InputError } from '../runtime/errors';
import { library, type RunConfig } from './config_options';
import { runTraining } from './train_command';

/** The demo's settings: the one place to tune it. `minutes` must keep the whole command under 10 minutes. */
const START_CONFIG = {
  config: {
    task: 'sinusoid',
    learner: 'blackbox',
    shots: 10,
    queries: 10,
    metaBatch: 32,
    layers: 2,
    hidden: 64,
    // The demo has minutes, not hours: this rate gets the learner off its early plateau (predicting ~0)
    // sooner than the usual 1e-3 does (BENCHMARKS.md, "Meta-learning results").
    lr: 0.003,
    clip: 10,
    seed: 1,
    // The time budget ends training; this only has to be out of reach.
    steps: 100_000,
    logEvery: 25,
    evalEvery: 250,
    evalTasks: 200,
  } satisfies Partial<RunConfig>,
  /** Training time; browser start, the final test and the report take well under a minute more. */
  minutes: 8,
  testEpisodes: 600,
  out: 'runs/start',
};

/**
 * Sinusoid regression MSE after adaptation (same task distribution: A ~ U[0.1, 5], φ ~ U[0, π],
 * x ~ U[−5, 5]), as tabulated by Li et al. 2017 (Meta-SGD), Table 1; MAML from Finn et al. 2017.
 */
const PUBLISHED: { method: string; mse: Record<number, number> }[] = [
  { method: 'MAML (Finn et al. 2017)', mse: { 5: 1.13, 10: 0.85 } },
  { method: 'Meta-SGD (Li et al. 2017)', mse: { 5: 0.9, 10: 0.53 } },
];

export function register(program: Command): void {
  program
    .command('start')
    .description(
      `demo: meta-train the black-box GRU on 10-shot sinusoids for ${START_CONFIG.minutes} minutes, then evaluate`,
    )
    .option('--minutes <m>', 'training time budget', String(START_CONFIG.minutes))
    .option('--out <dir>', 'run directory (replaced)', START_CONFIG.out)
    .action(async (opts: { minutes: string; out: string }) => {
      const minutes = Number(opts.minutes);
      if (!(minutes > 0) || !Number.isFinite(minutes)) {
        throw new InputError(`--minutes ${JSON.stringify(opts.minutes)}: expected a number > 0`);
      }
      const { defaults } = await library();
      const config: RunConfig = { ...defaults, ...START_CONFIG.config };
      const plan = { config, out: opts.out, resumed: null, minutes };
      const r = await runTraining(plan, { testEpisodes: START_CONFIG.testEpisodes, replace: true });
      if (!r.test) return;
      const shots = [5, 10];
      const ours = `${r.test.mean.toFixed(2)} ± ${r.test.ci95.toFixed(2)}`;
      const rows = [
        ['method', ...shots.map((k) => `${k}-shot MSE`)],
        [`black-box GRU, this run (${r.step} steps)`, ...shots.map((k) => (k === config.shots ? ours : '-'))],
        ...PUBLISHED.map((p) => [p.method, ...shots.map((k) => p.mse[k]?.toFixed(2) ?? '-')]),
      ];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
      const line = (row: string[]) =>
        row.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('   ');
      console.log(
        [
          `Sinusoid regression, mean squared error after adaptation on ${r.test.episodes} held-out tasks (lower is better; ± is a 95% interval)`,
          ...rows.map(line),
          'Published figures as tabulated in Li et al. 2017 (Meta-SGD), Table 1.',
          `report: ${r.writer.path('report')}`,
        ].join('\n'),
      );
    });
}

/**
 * `metarnn eval`: the mean metric and its 95% interval over held-out test tasks for a run's checkpoint. Test
 * tasks come from the held-out stream with seed + TEST_SEED_OFFSET, so they differ from the validation tasks
 * that the run reported while training.
 */
import type { Command } from 'commander';
import type { MetaConfig } from '../meta/learner';
import { InputError } from '../runtime/errors';
import { callHarness, withSession } from './page';
import { loadTaskData } from './task_data';
import { configFromOptions, type RunConfig } from './run_config';
import { readRun } from './run_dir';
import { TEST_SEED_OFFSET } from './train';

export interface EvalSummary {
  task: MetaConfig['task'];
  learner: MetaConfig['learner'];
  ways: number;
  shots: number;
  episodes: number;
  metric: 'mse' | 'accuracy';
  mean: number;
  ci95: number;
}

interface EvalOptions {
  checkpoint: string;
  episodes: string;
  json?: boolean;
  data?: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description("evaluate a run's checkpoint on held-out test tasks: mean and 95% interval")
    .requiredOption('--checkpoint <dir>', 'run directory (holds config.json and checkpoint.safetensors)')
    .option('--episodes <n>', 'held-out tasks to evaluate', '600')
    .option('--data <path>', 'dataset path, when it has moved since training')
    .option('--json', 'print one JSON object')
    .action(async (opts: EvalOptions) => {
      const episodes = Number(opts.episodes);
      if (!Number.isSafeInteger(episodes) || episodes < 2) {
        throw new InputError(`--episodes ${JSON.stringify(opts.episodes)}: expected an integer >= 2`);
      }
      const run = readRun(opts.checkpoint);
      const config: RunConfig = { ...run.config, ...configFromOptions({ data: opts.data }) };
      const r = await withSession(async (s) => {
        await loadTaskData(s.page, config);
        return callHarness(s.page, 'evalRun', config, run.resume, episodes, config.seed + TEST_SEED_OFFSET);
      });
      const { task, learner, ways, shots } = config;
      const summary: EvalSummary = {
        task,
        learner,
        ways,
        shots,
        episodes,
        metric: r.metric,
        mean: r.mean,
        ci95: r.ci95,
      };
      if (opts.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      const what = task === 'omniglot' ? `${ways}-way ${shots}-shot` : `${shots}-shot`;
      console.log(
        `${task} / ${learner}, ${what}, step ${run.resume.step}: ${r.metric} ${r.mean.toPrecision(4)} ± ` +
          `${r.ci95.toPrecision(2)} (95% interval over ${episodes} held-out tasks)`,
      );
    });
}

/**
 * Train view: pick a learner and its main hyper-parameters, then meta-train with lib.train — the loop the
 * CLI runs — pausing, resuming and stopping at its log points. Loss and held-out metric are plotted live.
 */
import type uPlot from 'uplot';
import * as lib from '../../src/index';
import { checkConfigObject, type RunConfig } from '../../src/io/run_config';
import { loadedDataName, renderData } from './data';
import { byId, fmt, formatSeconds, h, say } from './dom';
import { chart, COLORS } from './plot';
import { buildLearner, getGpu, onLearnerChange, setLearner, state } from './state';

/** A setting on the form: a number, or a choice among `options` (the first when the config has none). */
interface Param {
  key: keyof RunConfig;
  label: string;
  help: string;
  step?: string;
  options?: string[];
}

/** The hyper-parameters shown, each with what it does (shown as a tooltip and read by screen readers). */
const PARAMS: Param[] = [
  { key: 'ways', label: 'Ways', help: 'Classes per Omniglot episode (N-way).' },
  {
    key: 'shots',
    label: 'Shots',
    help: 'Support examples per task: the (x, y) pairs the learner sees before predicting.',
  },
  {
    key: 'queries',
    label: 'Queries',
    help: 'Query points per task on which the meta-training loss is measured.',
  },
  {
    key: 'metaBatch',
    label: 'Meta-batch',
    help: 'Tasks per meta-training step (averaged into one gradient).',
  },
  { key: 'steps', label: 'Steps', help: 'Meta-training steps to run (one GPU submit each).' },
  { key: 'layers', label: 'GRU layers', help: 'Stacked GRU layers in the learner.' },
  { key: 'hidden', label: 'Hidden size', help: 'Units per GRU layer: the capacity of the learned learner.' },
  { key: 'lr', label: 'Meta learning rate', help: 'Adam step size for the meta-parameters.', step: 'any' },
  {
    key: 'clip',
    label: 'Gradient clip',
    help: 'Gradients with a larger global norm are scaled down to it.',
    step: 'any',
  },
  {
    key: 'lrDecay',
    label: 'LR schedule',
    help: 'cosine: the meta learning rate falls to 0 along a half cosine over the meta-training steps; none: it stays.',
    options: ['none', 'cosine'],
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Seeds weights and tasks: the tasks at step s depend on (seed, s) only.',
  },
  {
    key: 'logEvery',
    label: 'Log every',
    help: 'Read the loss back (and allow pausing) every this many steps.',
  },
  { key: 'evalEvery', label: 'Evaluate every', help: 'Measure the held-out metric every this many steps.' },
  { key: 'evalTasks', label: 'Held-out tasks', help: 'Tasks (never trained on) per held-out evaluation.' },
];

/** Omniglot-only settings, shown when the task is omniglot. */
const OMNIGLOT_PARAMS: Param[] = [
  {
    key: 'pretrainSteps',
    label: 'Pretraining steps',
    help: 'The first steps train the image encoder alone as a classifier over the training classes.',
  },
  {
    key: 'shift',
    label: 'Image shift (px)',
    help: 'Training images move by up to this many pixels at random (0: off); held-out images never move.',
  },
  {
    key: 'labels',
    label: 'Support labels',
    help: 'paired: a support step shows its image and label together; delayed: the label comes one step later (Santoro et al. 2016).',
    options: ['paired', 'delayed'],
  },
  {
    key: 'encoder',
    label: 'Image encoder',
    help: 'conv: a small convnet; mlp: two dense layers, about 3× faster per step and less accurate.',
    options: ['conv', 'mlp'],
  },
];

type Mode = 'idle' | 'running' | 'paused' | 'stopped' | 'finished';

/** What each task family asks of the learner, for the Task field's tooltip. */
const TASK_HELP =
  'sinusoid: regress a sine wave of random amplitude and phase from a few points. ' +
  'forecast: continue a damped oscillator or AR(2) series from its context (Shots = context length, ' +
  'Queries = horizon). omniglot: N-way K-shot classification of handwritten characters (load a zip below).';

/** The held-out metric a task reports (EvalResult.metric), as the readout and plot name it. */
const metricName = (task: string) => (task === 'omniglot' ? 'held-out accuracy' : 'held-out MSE');

export function renderTrain(root: HTMLElement): void {
  const pairs = lib.supportedPairs();
  const tasks = lib.TASKS.filter((t) => pairs.some((p) => p.startsWith(`${t}/`)));
  const learnersOf = (task: string) =>
    pairs.filter((p) => p.startsWith(`${task}/`)).map((p) => p.split('/')[1]);
  const learners = learnersOf(state.config.task);
  const field = (id: string, label: string, help: string, input: HTMLElement) =>
    h('label', { for: id, title: help }, h('span', {}, label), input);
  const omniglotDefaults: Partial<RunConfig> = lib.defaultsFor('omniglot', 'blackbox');
  const omniglotValue = (key: keyof RunConfig) => String(state.config[key] ?? omniglotDefaults[key]);
  const control = (p: Param, value: string) =>
    field(
      `p-${p.key}`,
      p.label,
      p.help,
      p.options
        ? h(
            'select',
            { id: `p-${p.key}`, name: p.key, title: p.help },
            ...p.options.map((o) => h('option', { value: o, selected: o === value }, o)),
          )
        : h('input', {
            id: `p-${p.key}`,
            name: p.key,
            type: 'number',
            step: p.step ?? '1',
            min: 0,
            value,
            title: p.help,
          }),
    );
  const form = h(
    'form',
    { class: 'params', id: 'train-form', onsubmit: (e: Event) => e.preventDefault() },
    field(
      'p-task',
      'Task',
      TASK_HELP,
      h(
        'select',
        { id: 'p-task', name: 'task', onchange: () => setTask(taskSelect().value, true) },
        ...tasks.map((t) => h('option', { value: t }, t)),
      ),
    ),
    field(
      'p-learner',
      'Learner',
      'blackbox: a GRU reads the support set and predicts; maml/fomaml/reptile: gradient-based adaptation.',
      h(
        'select',
        {
          id: 'p-learner',
          name: 'learner',
          // Each learner has its own measured defaults (PAIR_DEFAULTS): show them when the learner changes.
          onchange: () => showDefaults(),
        },
        ...learners.map((l) => h('option', { value: l }, l)),
      ),
    ),
    ...PARAMS.map((p) => control(p, String(state.config[p.key] ?? p.options?.[0]))),
    ...OMNIGLOT_PARAMS.map((p) => control(p, omniglotValue(p.key))),
  );
  const button = (id: string, text: string, title: string, onclick: () => void) =>
    h('button', { id, type: 'button', title, onclick }, text);
  const buttons = {
    start: button(
      'train-start',
      'Start',
      'Build a fresh learner with these settings and train it',
      () => void start(),
    ),
    pause: button(
      'train-pause',
      'Pause',
      'Pause at the next log point (the learner is kept)',
      () => (pauseAsked = true),
    ),
    resume: button('train-resume', 'Resume', 'Continue training the current learner', () => void run()),
    stop: button('train-stop', 'Stop', 'End this run; the learner stays for Adapt and Checkpoints', () =>
      stopNow(),
    ),
  };
  const readout = h('p', { id: 'train-readout', class: 'readout', 'aria-live': 'polite' }, 'Not started.');
  const plotBox = h('div', {
    class: 'plot',
    id: 'train-plot',
    role: 'img',
    'aria-label': 'Loss and held-out MSE by step',
  });
  const dataSection = renderData();
  root.replaceChildren(
    h('h2', {}, 'Train'),
    form,
    dataSection,
    h('div', { class: 'buttons' }, ...Object.values(buttons)),
    readout,
    plotBox,
  );

  let plot: uPlot | null = null;
  let plotMetric = '';

  function taskSelect() {
    return byId<HTMLSelectElement>('p-task');
  }
  function showDefaults() {
    const d: Partial<RunConfig> = lib.defaultsFor(
      taskSelect().value,
      byId<HTMLSelectElement>('p-learner').value,
    );
    for (const p of [...PARAMS, ...OMNIGLOT_PARAMS]) {
      const input = document.getElementById(`p-${p.key}`) as HTMLInputElement | null;
      const value = d[p.key] ?? p.options?.[0];
      if (input && value !== undefined) input.value = String(value);
    }
  }
  /** Shows `task`'s learners, and its Data section and Ways field only where they apply. */
  function setTask(task: string, defaults: boolean) {
    taskSelect().value = task;
    const select = byId<HTMLSelectElement>('p-learner');
    const keep = select.value;
    select.replaceChildren(...learnersOf(task).map((l) => h('option', { value: l }, l)));
    if (learnersOf(task).includes(keep)) select.value = keep;
    dataSection.hidden = task !== 'omniglot';
    byId('p-ways').closest('label')!.hidden = task !== 'omniglot';
    for (const p of OMNIGLOT_PARAMS) byId(`p-${p.key}`).closest('label')!.hidden = task !== 'omniglot';
    if (defaults) showDefaults();
  }
  setTask(state.config.task, false);
  const data = { steps: [] as number[], loss: [] as (number | null)[], metric: [] as (number | null)[] };
  let mode: Mode = 'idle';
  let pauseAsked = false;
  let stopAsked = false;
  let last: { rate: number; eta: number; loss: number; metric: number; skipped: number; phase?: string } = {
    rate: NaN,
    eta: NaN,
    loss: NaN,
    metric: NaN,
    skipped: 0,
  };

  const setMode = (m: Mode) => {
    mode = m;
    buttons.start.disabled = m === 'running';
    buttons.pause.disabled = m !== 'running';
    buttons.resume.disabled = m !== 'paused';
    buttons.stop.disabled = m !== 'running' && m !== 'paused';
    for (const el of form.elements) (el as HTMLInputElement).disabled = m === 'running';
    root.dataset.mode = m;
  };
  setMode('idle');

  const show = () => {
    const l = state.learner;
    const at = l ? `step ${l.stepCount} of ${state.config.steps}` : 'no learner';
    readout.textContent =
      `${mode}: ${at} · loss ${fmt(last.loss)}${last.phase ? ` (${last.phase})` : ''} · ` +
      `${metricName(state.config.task)} ${fmt(last.metric)} · ` +
      `${fmt(last.rate, 3)} steps/s · ETA ${mode === 'running' ? formatSeconds(last.eta) : '—'}` +
      (last.skipped ? ` · ${last.skipped} steps skipped (NaN/Inf gradient)` : '');
    plot?.setData([data.steps, data.loss, data.metric] as uPlot.AlignedData);
    plotBox.dataset.points = String(data.steps.length);
  };

  const point = (step: number) => {
    if (data.steps[data.steps.length - 1] !== step) {
      data.steps.push(step);
      data.loss.push(null);
      data.metric.push(null);
    }
    return data.steps.length - 1;
  };

  function readConfig(): RunConfig {
    const raw: Record<string, unknown> = {};
    for (const el of form.elements) {
      const input = el as HTMLInputElement;
      if (!input.name) continue;
      if (OMNIGLOT_PARAMS.some((p) => p.key === input.name) && raw.task !== 'omniglot') continue;
      raw[input.name] = input.type === 'number' ? Number(input.value) : input.value;
    }
    if (raw.task === 'omniglot' && loadedDataName()) raw.data = loadedDataName(); // a record in config.json
    // The pair's own defaults under the form's values: settings without a field (e.g. the encoder's
    // learning rate) are what the CLI would use.
    const base = lib.defaultsFor(String(raw.task), String(raw.learner));
    return { ...base, ...checkConfigObject(raw, 'settings') } as RunConfig;
  }

  async function start() {
    let config: RunConfig;
    try {
      config = readConfig();
      say('Building the learner…');
      setLearner(null);
      setLearner(await buildLearner(config), config);
    } catch (e) {
      say((e as Error).message, true);
      return;
    }
    data.steps.length = data.loss.length = data.metric.length = 0;
    last = { rate: NaN, eta: NaN, loss: NaN, metric: NaN, skipped: 0 };
    const metric = metricName(config.task);
    if (plot && plotMetric !== metric) {
      plot.destroy();
      plot = null;
    }
    plotMetric = metric;
    plotBox.setAttribute('aria-label', `Loss and ${metric} by step`);
    // Omniglot's loss is a cross-entropy and its metric an accuracy: one log axis still shows both.
    plot ??= chart(plotBox, {
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [
        { label: 'step' },
        { label: config.task === 'omniglot' ? 'loss, accuracy (log scale)' : 'MSE (log scale)' },
      ],
      series: [
        { label: 'step' },
        { label: 'meta-training loss', stroke: COLORS.loss, spanGaps: true },
        { label: metric, stroke: COLORS.metric, spanGaps: true, points: { show: true, size: 6 } },
      ],
    });
    await run();
  }

  async function run() {
    const learner = state.learner;
    if (!learner || state.training) return;
    pauseAsked = stopAsked = false;
    state.training = true;
    setMode('running');
    say(`Training ${state.config.learner} on ${state.config.task}…`);
    show();
    let recovered = '';
    try {
      // A lost device is replaced and training goes on from the last eval point (src/meta/recovery.ts).
      const trained = await lib.trainWithRecovery(
        learner,
        state.config.steps,
        {
          onProgress: (p) => {
            data.loss[point(p.step)] = p.loss;
            last = {
              ...last,
              rate: p.stepsPerSecond,
              eta: p.etaSeconds,
              loss: p.loss,
              skipped: p.skipped,
              phase: p.phase,
            };
            show();
          },
          onEval: (step, r) => {
            data.metric[point(step)] = r.mean;
            last.metric = r.mean;
            show();
          },
          shouldStop: () => pauseAsked || stopAsked,
        },
        {
          acquire: getGpu,
          data: state.taskData,
          onRecovered: (r) => {
            state.learner = r.learner; // the lost one is destroyed already
            recovered = ` The device was lost at step ${r.lostAt} (${r.error.reason}): went on from step ${r.restoredFrom}.`;
            say(`Training ${state.config.learner} on ${state.config.task}…${recovered}`);
          },
        },
      );
      const done = trained.stepCount >= state.config.steps;
      setMode(done ? 'finished' : stopAsked ? 'stopped' : 'paused');
      say(
        done
          ? `Finished ${trained.stepCount} steps.${recovered}`
          : `${mode === 'paused' ? 'Paused' : 'Stopped'} at step ${trained.stepCount}.${recovered}`,
      );
    } catch (e) {
      setMode('stopped');
      say(`Training failed: ${(e as Error).message}`, true);
      console.error(e);
    } finally {
      state.training = false;
      show();
    }
  }

  function stopNow() {
    if (mode === 'running') stopAsked = true;
    else if (mode === 'paused') {
      setMode('stopped');
      say(`Stopped at step ${state.learner?.stepCount ?? 0}.`);
      show();
    }
  }

  // A checkpoint loaded elsewhere replaces the learner: show its settings, and let it be trained further.
  onLearnerChange(() => {
    if (state.training) return;
    data.steps.length = data.loss.length = data.metric.length = 0;
    // No learner (one is being built, or its build failed): the settings on screen stay the user's.
    if (!state.learner) return show();
    setTask(state.config.task, false);
    for (const el of form.elements) {
      const input = el as HTMLInputElement;
      // A choice the config lacks (a run from before it existed) shows its first option, the old behaviour.
      const v =
        state.config[input.name as keyof RunConfig] ?? PARAMS.find((p) => p.key === input.name)?.options?.[0];
      if (input.name && v !== undefined) input.value = String(v);
    }
    if (state.learner && mode !== 'running')
      setMode(state.learner.stepCount < state.config.steps ? 'paused' : 'finished');
    show();
  });
  byId('p-learner').setAttribute('aria-describedby', 'train-readout');
}

/**
 * The Train view's settings form: task, learner and the hyper-parameters of train_params.ts. It offers a
 * task's learners and shows its fields only where they apply, fills in a pair's own defaults when the user
 * picks one, shows a loaded run's settings, and reads what is on it back as a checked config.
 */
import * as lib from '../../src/index';
import { checkConfigObject, checkRunConfig, type RunConfig } from '../../src/io/run_config';
import { loadedDataName } from './data';
import { h } from './dom';
import { state } from './state';
import { LEARNER_HELP, OMNIGLOT_PARAMS, PARAMS, TASK_HELP, type Param } from './train_params';

const field = (id: string, label: string, help: string, input: HTMLElement) =>
  h('label', { for: id, title: help }, h('span', {}, label), input);

/** A field for `p`: a select for a choice, else a number input. */
function control(p: Param, value: string): HTMLLabelElement {
  const id = `p-${p.key}`;
  return field(
    id,
    p.label,
    p.help,
    p.options
      ? h(
          'select',
          { id, name: p.key, title: p.help },
          ...p.options.map((o) => h('option', { value: o, selected: o === value }, o)),
        )
      : h('input', { id, name: p.key, type: 'number', step: p.step ?? '1', min: 0, value, title: p.help }),
  );
}

/** `lib.supportedPairs()` as task → its learners. */
function learnersByTask(): Map<string, string[]> {
  const byTask = new Map<string, string[]>();
  for (const pair of lib.supportedPairs()) {
    const [task, learner] = pair.split('/');
    byTask.set(task, [...(byTask.get(task) ?? []), learner]);
  }
  return byTask;
}

export class TrainForm {
  readonly element: HTMLFormElement;
  readonly #learners = learnersByTask();
  readonly #task: HTMLSelectElement;
  readonly #learner: HTMLSelectElement;
  /** Each setting's label, to hide the fields a task does not use. */
  readonly #labels = new Map<keyof RunConfig, HTMLLabelElement>();

  /** `onTask` hears every task shown (the view hides the Omniglot data picker elsewhere). */
  constructor(readonly onTask: (task: string) => void) {
    // Your own series and regression tasks come from files the CLI reads (`--data`); the page has no picker
    // for them (it predicts with such models: Adapt, "Upload your own data").
    const tasks = lib.TASKS.filter((t) => this.#learners.has(t) && t !== 'series' && t !== 'regression');
    const omniglotDefaults: Partial<RunConfig> = lib.defaultsFor('omniglot', 'blackbox');
    this.#task = h(
      'select',
      { id: 'p-task', name: 'task', onchange: () => this.setTask(this.#task.value, true) },
      ...tasks.map((t) => h('option', { value: t }, t)),
    );
    // Each learner has its own measured defaults (PAIR_DEFAULTS): show them when the learner changes.
    this.#learner = h(
      'select',
      { id: 'p-learner', name: 'learner', onchange: () => this.#showDefaults() },
      ...this.#learnersOf(state.config.task).map((l) => h('option', { value: l }, l)),
    );
    const controls = (params: Param[], value: (p: Param) => unknown) =>
      params.map((p) => {
        const label = control(p, String(value(p)));
        this.#labels.set(p.key, label);
        return label;
      });
    this.element = h(
      'form',
      { class: 'params', id: 'train-form', onsubmit: (e: Event) => e.preventDefault() },
      field('p-task', 'Task', TASK_HELP, this.#task),
      field('p-learner', 'Learner', LEARNER_HELP, this.#learner),
      ...controls(PARAMS, (p) => state.config[p.key] ?? p.options?.[0]),
      ...controls(OMNIGLOT_PARAMS, (p) => state.config[p.key] ?? omniglotDefaults[p.key]),
    );
  }

  /** Shows `task`'s learners and fields; with `defaults`, the chosen pair's default values too. */
  setTask(task: string, defaults: boolean): void {
    this.#task.value = task;
    const keep = this.#learner.value;
    this.#learner.replaceChildren(...this.#learnersOf(task).map((l) => h('option', { value: l }, l)));
    if (this.#learnersOf(task).includes(keep)) this.#learner.value = keep;
    this.onTask(task);
    this.#labels.get('ways')!.hidden = task !== 'omniglot';
    for (const p of OMNIGLOT_PARAMS) this.#labels.get(p.key)!.hidden = task !== 'omniglot';
    if (defaults) this.#showDefaults();
  }

  /** Shows a config's values (a loaded checkpoint's). */
  showConfig(config: RunConfig): void {
    this.setTask(config.task, false);
    for (const input of this.#inputs()) {
      // A choice the config lacks (a run saved before it existed) shows its first option: what such runs did.
      const v =
        config[input.name as keyof RunConfig] ?? PARAMS.find((p) => p.key === input.name)?.options?.[0];
      if (input.name && v !== undefined) input.value = String(v);
    }
  }

  /** The settings on the form over the pair's own defaults, checked as config.json is. */
  readConfig(): RunConfig {
    const raw: Record<string, unknown> = {};
    for (const input of this.#inputs()) {
      if (!input.name) continue;
      if (OMNIGLOT_PARAMS.some((p) => p.key === input.name) && raw.task !== 'omniglot') continue;
      raw[input.name] = input.type === 'number' ? Number(input.value) : input.value;
    }
    if (raw.task === 'omniglot' && loadedDataName()) raw.data = loadedDataName(); // a record in config.json
    // The pair's own defaults under the form's values: settings without a field (e.g. the encoder's
    // learning rate) are what the CLI would use.
    const base = lib.defaultsFor(String(raw.task), String(raw.learner));
    const config = { ...base, ...checkConfigObject(raw, 'settings') } as RunConfig;
    // The same refusals as the CLI's (e.g. pretraining that would take every step), in the form's words.
    const label = (k: keyof RunConfig) => {
      const p = [...PARAMS, ...OMNIGLOT_PARAMS].find((q) => q.key === k);
      return p ? `"${p.label}"` : k;
    };
    checkRunConfig(config, { name: label, lopt: lib.DEFAULT_LOPT });
    return config;
  }

  /** Locks every field (while training runs) or unlocks them. */
  setDisabled(disabled: boolean): void {
    for (const input of this.#inputs()) input.disabled = disabled;
  }

  #learnersOf(task: string): string[] {
    return this.#learners.get(task) ?? [];
  }

  #inputs(): HTMLInputElement[] {
    return [...this.element.elements] as HTMLInputElement[];
  }

  #showDefaults(): void {
    const d: Partial<RunConfig> = lib.defaultsFor(this.#task.value, this.#learner.value);
    for (const p of [...PARAMS, ...OMNIGLOT_PARAMS]) {
      const input = this.element.elements.namedItem(p.key) as HTMLInputElement | null;
      const value = d[p.key] ?? p.options?.[0];
      if (input && value !== undefined) input.value = String(value);
    }
  }
}

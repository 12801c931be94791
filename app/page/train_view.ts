/**
 * Train view: pick a learner and its main hyper-parameters (train_form.ts), then meta-train with
 * lib.trainWithRecovery — the loop the CLI runs — pausing, resuming and stopping at its log points. Loss and
 * held-out metric are plotted live (train_monitor.ts); Omniglot's images are picked in data.ts.
 */
import * as lib from '../../src/index';
import type { RunConfig } from '../../src/io/run_config';
import type { MetaLearner } from '../../src/meta/learner';
import { renderData } from './data';
import { h, say } from './dom';
import { buildLearner, getGpu, onLearnerChange, setLearner, state } from './state';
import { TrainForm } from './train_form';
import { TrainMonitor, type Mode } from './train_monitor';

const button = (id: string, text: string, title: string, onclick: () => void) =>
  h('button', { id, type: 'button', title, onclick }, text);

/** Start, pause, resume and stop, and the run they drive: one learner at a time, state.learner. */
class TrainControls {
  #mode: Mode = 'idle';
  #pauseAsked = false;
  #stopAsked = false;
  readonly monitor = new TrainMonitor(() => this.#mode);
  readonly buttons = {
    start: button(
      'train-start',
      'Start',
      'Build a fresh learner with these settings and train it',
      () => void this.start(),
    ),
    pause: button('train-pause', 'Pause', 'Pause at the next log point (the learner is kept)', () => {
      this.#pauseAsked = true;
    }),
    resume: button('train-resume', 'Resume', 'Continue training the current learner', () => void this.run()),
    stop: button('train-stop', 'Stop', 'End this run; the learner stays for Adapt and Checkpoints', () =>
      this.stopNow(),
    ),
  };

  /** `root` is the view, whose data-mode tells tests (and styles) what the run is doing. */
  constructor(
    readonly root: HTMLElement,
    readonly form: TrainForm,
  ) {}

  setMode(m: Mode): void {
    this.#mode = m;
    const b = this.buttons;
    b.start.disabled = m === 'running';
    b.pause.disabled = m !== 'running';
    b.resume.disabled = m !== 'paused';
    b.stop.disabled = m !== 'running' && m !== 'paused';
    this.form.setDisabled(m === 'running');
    this.root.dataset.mode = m;
  }

  /** Builds a fresh learner from the form and trains it. */
  async start(): Promise<void> {
    let config: RunConfig;
    try {
      config = this.form.readConfig();
      say('Building the learner…');
      setLearner(null);
      setLearner(await buildLearner(config), config);
    } catch (e) {
      say((e as Error).message, true);
      return;
    }
    this.monitor.begin(config);
    await this.run();
  }

  /** Trains the current learner until its steps are done, or a pause or stop at the next log point. */
  async run(): Promise<void> {
    const learner = state.learner;
    if (!learner || state.training) return;
    this.#pauseAsked = this.#stopAsked = false;
    state.training = true;
    this.setMode('running');
    say(`Training ${state.config.learner} on ${state.config.task}…`);
    this.monitor.show();
    let recovered = '';
    try {
      const trained = await this.#train(learner, (r) => {
        recovered = ` The device was lost at step ${r.lostAt} (${r.error.reason}): went on from step ${r.restoredFrom}.`;
        say(`Training ${state.config.learner} on ${state.config.task}…${recovered}`);
      });
      const done = trained.stepCount >= state.config.steps;
      this.setMode(done ? 'finished' : this.#stopAsked ? 'stopped' : 'paused');
      say(
        done
          ? `Finished ${trained.stepCount} steps.${recovered}`
          : `${this.#mode === 'paused' ? 'Paused' : 'Stopped'} at step ${trained.stepCount}.${recovered}`,
      );
    } catch (e) {
      this.setMode('stopped');
      say(`Training failed: ${(e as Error).message}`, true);
      console.error(e);
    } finally {
      state.training = false;
      this.monitor.show();
    }
  }

  stopNow(): void {
    if (this.#mode === 'running') this.#stopAsked = true;
    else if (this.#mode === 'paused') {
      this.setMode('stopped');
      say(`Stopped at step ${state.learner?.stepCount ?? 0}.`);
      this.monitor.show();
    }
  }

  /** A checkpoint loaded elsewhere replaced the learner: show its settings, and let it be trained further. */
  showLoaded(): void {
    if (state.training) return;
    this.monitor.clearPoints();
    // No learner (one is being built, or its build failed): the settings on screen stay the user's.
    if (!state.learner) return this.monitor.show();
    this.form.showConfig(state.config);
    if (this.#mode !== 'running')
      this.setMode(state.learner.stepCount < state.config.steps ? 'paused' : 'finished');
    this.monitor.show();
  }

  /**
   * Trains `learner` to the config's steps or a pause or stop, feeding the monitor. A lost device is
   * replaced and training goes on from the last eval point (src/meta/recovery.ts) with a new learner.
   */
  #train(learner: MetaLearner, onRecovered: (r: lib.DeviceRecovery) => void): Promise<MetaLearner> {
    return lib.trainWithRecovery(
      learner,
      state.config.steps,
      {
        onProgress: (p) => this.monitor.progress(p),
        onEval: (step, r) => this.monitor.evaluated(step, r.mean),
        shouldStop: () => this.#pauseAsked || this.#stopAsked,
      },
      {
        acquire: getGpu,
        data: state.taskData,
        onRecovered: (r) => {
          state.learner = r.learner; // the lost one is destroyed already
          onRecovered(r);
        },
      },
    );
  }
}

export function renderTrain(root: HTMLElement): void {
  const dataSection = renderData();
  const form = new TrainForm((task) => (dataSection.hidden = task !== 'omniglot'));
  const controls = new TrainControls(root, form);
  root.replaceChildren(
    h('h2', {}, 'Train'),
    form.element,
    dataSection,
    h('div', { class: 'buttons' }, ...Object.values(controls.buttons)),
    controls.monitor.readout,
    controls.monitor.plotBox,
  );
  form.setTask(state.config.task, false);
  controls.setMode('idle');
  onLearnerChange(() => controls.showLoaded());
  form.element.querySelector('#p-learner')!.setAttribute('aria-describedby', 'train-readout');
}

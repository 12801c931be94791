/**
 * Checkpoints view: save the current learner to the browser (OPFS, see store.ts), list, load and delete
 * saves, and export/import the same checkpoint.safetensors + config.json a `metarnn train` run directory
 * holds (one format, src/io/checkpoint.ts), so a model moves freely between the page and the CLI.
 */
import { namedTensors } from '../../src/harness/train_calls';
import {
  CHECKPOINT_FILE,
  CONFIG_FILE,
  decodeCheckpoint,
  decodeConfig,
  encodeCheckpoint,
  encodeConfig,
} from '../../src/io/checkpoint';
import type { RunConfig } from '../../src/io/run_config';
import { h, say } from './dom';
import { buildLearner, onLearnerChange, setLearner, state } from './state';
import * as store from './store';

async function currentFiles(): Promise<{ checkpoint: Uint8Array; config: Uint8Array; step: number }> {
  const l = state.learner;
  if (!l) throw new Error('no learner: train one or load a checkpoint first');
  const step = l.stepCount;
  return {
    checkpoint: encodeCheckpoint(step, state.config, await namedTensors(l)),
    config: encodeConfig(state.config),
    step,
  };
}

/** Checks both files, builds the learner they describe and makes it current. */
export async function loadFiles(
  checkpoint: Uint8Array,
  config: Uint8Array | null,
  source: string,
): Promise<RunConfig> {
  const ckpt = decodeCheckpoint(checkpoint, `${source} ${CHECKPOINT_FILE}`);
  const text = config ? new TextDecoder().decode(config) : ckpt.configText;
  if (text === null) throw new Error(`${source}: no ${CONFIG_FILE} given and none stored in the checkpoint`);
  const c = decodeConfig(text, `${source} ${CONFIG_FILE}`);
  setLearner(await buildLearner(c, { tensors: ckpt.tensors, step: ckpt.step }), c);
  return c;
}

/** The Omniglot model the page ships (vite.config.ts copies models/ into the build). */
export const SHIPPED_MODEL = 'omniglot-5w1s-attention';

/** Fetches the shipped model from the page's own origin and makes it the current learner. */
export async function loadShipped(): Promise<RunConfig> {
  const get = async (file: string) => {
    const r = await fetch(`models/${SHIPPED_MODEL}/${file}`);
    if (!r.ok) throw new Error(`models/${SHIPPED_MODEL}/${file}: ${r.status} ${r.statusText}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const [checkpoint, config] = await Promise.all([get(CHECKPOINT_FILE), get(CONFIG_FILE)]);
  const c = await loadFiles(checkpoint, config, SHIPPED_MODEL);
  say(`Loaded the shipped model ${SHIPPED_MODEL} (${c.ways}-way ${c.shots}-shot Omniglot classifier).`);
  return c;
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The list of saves: a row each, with its Load and Delete buttons. */
function savesTable(
  table: HTMLTableElement,
  entries: store.SavedEntry[],
  act: { load(e: store.SavedEntry): void; del(e: store.SavedEntry): void },
): void {
  const button = (cls: string, text: string, e: store.SavedEntry, onclick: () => void) =>
    h('button', { type: 'button', class: cls, 'aria-label': `${text} ${e.name}`, onclick }, text);
  table.replaceChildren(
    h('caption', {}, entries.length ? `${entries.length} saved` : 'Nothing saved yet.'),
    ...(entries.length
      ? [h('tr', {}, ...['Name', 'Model', 'Step', 'Saved', ''].map((t) => h('th', { scope: 'col' }, t)))]
      : []),
    ...entries.map((e) =>
      h(
        'tr',
        {},
        h('td', {}, e.name),
        h('td', {}, `${e.task}/${e.learner}`),
        h('td', {}, String(e.step)),
        h('td', {}, new Date(e.savedAt).toLocaleString()),
        h(
          'td',
          {},
          button('load', 'Load', e, () => act.load(e)),
          button('delete', 'Delete', e, () => act.del(e)),
        ),
      ),
    ),
  );
}

class CheckpointsView {
  readonly name = h('input', {
    id: 'ckpt-name',
    type: 'text',
    placeholder: 'e.g. blackbox 2000 steps',
    title: 'A name for this save',
  });
  readonly saveBtn = h(
    'button',
    { id: 'ckpt-save', type: 'button', title: 'Save the current learner in this browser' },
    'Save',
  );
  readonly exportCkpt = h(
    'button',
    { id: 'export-checkpoint', type: 'button', title: 'Download the current learner as the CLI writes it' },
    `Download ${CHECKPOINT_FILE}`,
  );
  readonly exportConfig = h('button', { id: 'export-config', type: 'button' }, `Download ${CONFIG_FILE}`);
  readonly importInput = h('input', {
    id: 'ckpt-import',
    type: 'file',
    multiple: true,
    accept: '.safetensors,.json',
    title: `Choose ${CHECKPOINT_FILE} and ${CONFIG_FILE} from a run directory`,
  });
  readonly table = h('table', { class: 'saves', id: 'ckpt-list' });
  readonly current = h('p', { class: 'readout', id: 'ckpt-current' });

  constructor(root: HTMLElement) {
    root.replaceChildren(
      h('h2', {}, 'Checkpoints'),
      this.current,
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'ckpt-name' }, h('span', {}, 'Name'), this.name),
        this.saveBtn,
      ),
      h('h3', {}, 'Saved in this browser'),
      this.table,
      h('h3', {}, 'Files (same as a metarnn run directory)'),
      h('div', { class: 'buttons' }, this.exportCkpt, this.exportConfig),
      h(
        'label',
        { for: 'ckpt-import', class: 'file' },
        h('span', {}, `Import ${CHECKPOINT_FILE} + ${CONFIG_FILE}`),
        this.importInput,
      ),
    );
    this.saveBtn.addEventListener('click', () => this.#guard('Saving', () => this.#save()));
    this.exportCkpt.addEventListener('click', () =>
      this.#guard('Export', async () =>
        download((await currentFiles()).checkpoint, CHECKPOINT_FILE, 'application/octet-stream'),
      ),
    );
    this.exportConfig.addEventListener('click', () =>
      this.#guard('Export', async () =>
        download(encodeConfig(state.config), CONFIG_FILE, 'application/json'),
      ),
    );
    this.importInput.addEventListener('change', () => this.#guard('Import', () => this.#import()));
  }

  /** The current learner's line, and which buttons it enables. */
  refresh(): void {
    const l = state.learner;
    this.current.textContent = l
      ? `Current learner: ${state.config.task}/${state.config.learner}, ${state.config.layers}x${state.config.hidden}, step ${l.stepCount}.`
      : 'No current learner.';
    for (const b of [this.saveBtn, this.exportCkpt, this.exportConfig]) b.disabled = !l;
  }

  async refreshList(): Promise<void> {
    savesTable(this.table, await store.list(), {
      load: (e) => void this.#load(e),
      del: (e) => void this.#delete(e),
    });
  }

  /** Runs an action unless training runs (the learner must hold still); a failure is said, not thrown. */
  async #guard(what: string, f: () => Promise<void>): Promise<void> {
    if (state.training) return say('Pause or stop training first.', true);
    try {
      await f();
    } catch (e) {
      say(`${what} failed: ${(e as Error).message}`, true);
      console.error(e);
    }
  }

  #load(e: store.SavedEntry): Promise<void> {
    return this.#guard('Loading', async () => {
      const f = await store.read(e.id);
      await loadFiles(f.checkpoint, f.config, e.name);
      say(`Loaded “${e.name}” (step ${e.step}).`);
    });
  }

  #delete(e: store.SavedEntry): Promise<void> {
    return this.#guard('Deleting', async () => {
      await store.remove(e.id);
      await this.refreshList();
      say(`Deleted “${e.name}”.`);
    });
  }

  async #save(): Promise<void> {
    const f = await currentFiles();
    const c = state.config;
    const label = this.name.value.trim() || `${c.task}/${c.learner} step ${f.step}`;
    await store.save({ name: label, step: f.step, task: c.task, learner: c.learner }, f.checkpoint, f.config);
    await this.refreshList();
    say(`Saved “${label}”.`);
  }

  /** Loads the chosen checkpoint (and config) as the current learner, and saves it here too. */
  async #import(): Promise<void> {
    const chosen = [...(this.importInput.files ?? [])];
    this.importInput.value = '';
    const ckpt = chosen.find((f) => f.name.endsWith('.safetensors'));
    const conf = chosen.find((f) => f.name.endsWith('.json'));
    if (!ckpt) throw new Error(`choose a ${CHECKPOINT_FILE} (and its ${CONFIG_FILE})`);
    const bytes = new Uint8Array(await ckpt.arrayBuffer());
    const confBytes = conf ? new Uint8Array(await conf.arrayBuffer()) : null;
    const c = await loadFiles(bytes, confBytes, ckpt.name);
    const step = state.learner?.stepCount ?? 0;
    await store.save(
      { name: `imported ${ckpt.name}`, step, task: c.task, learner: c.learner },
      bytes,
      encodeConfig(c),
    );
    await this.refreshList();
    say(`Imported ${ckpt.name} (step ${step}) and saved it here.`);
  }
}

/** Builds the view; returns what to call when it is shown (saves may have changed meanwhile). */
export function renderCheckpoints(root: HTMLElement): () => void {
  const view = new CheckpointsView(root);
  onLearnerChange(() => view.refresh());
  view.refresh();
  void view.refreshList().catch((e) => say(`Cannot list saved checkpoints: ${(e as Error).message}`, true));
  return () => {
    view.refresh();
    void view.refreshList().catch(() => {});
  };
}

/**
 * Checkpoints view: save the current learner to the browser (OPFS, see store.ts), list, load and delete
 * saves, and export/import the same checkpoint.safetensors + config.json a `metarnn train` run directory
 * holds (one format, src/io/checkpoint.ts), so a model moves freely between the page and the CLI.
 */
import { namedTensors } from '../harness_train';
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
async function loadFiles(
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

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function renderCheckpoints(root: HTMLElement): () => void {
  const name = h('input', {
    id: 'ckpt-name',
    type: 'text',
    placeholder: 'e.g. blackbox 2000 steps',
    title: 'A name for this save',
  });
  const saveBtn = h(
    'button',
    { id: 'ckpt-save', type: 'button', title: 'Save the current learner in this browser' },
    'Save',
  );
  const exportCkpt = h(
    'button',
    { id: 'export-checkpoint', type: 'button', title: 'Download the current learner as the CLI writes it' },
    `Download ${CHECKPOINT_FILE}`,
  );
  const exportConfig = h('button', { id: 'export-config', type: 'button' }, `Download ${CONFIG_FILE}`);
  const importInput = h('input', {
    id: 'ckpt-import',
    type: 'file',
    multiple: true,
    accept: '.safetensors,.json',
    title: `Choose ${CHECKPOINT_FILE} and ${CONFIG_FILE} from a run directory`,
  });
  const table = h('table', { class: 'saves', id: 'ckpt-list' });
  const current = h('p', { class: 'readout', id: 'ckpt-current' });
  root.replaceChildren(
    h('h2', {}, 'Checkpoints'),
    current,
    h('div', { class: 'row' }, h('label', { for: 'ckpt-name' }, h('span', {}, 'Name'), name), saveBtn),
    h('h3', {}, 'Saved in this browser'),
    table,
    h('h3', {}, 'Files (same as a metarnn run directory)'),
    h('div', { class: 'buttons' }, exportCkpt, exportConfig),
    h(
      'label',
      { for: 'ckpt-import', class: 'file' },
      h('span', {}, `Import ${CHECKPOINT_FILE} + ${CONFIG_FILE}`),
      importInput,
    ),
  );

  const guard = async (what: string, f: () => Promise<void>) => {
    if (state.training) return say('Pause or stop training first.', true);
    try {
      await f();
    } catch (e) {
      say(`${what} failed: ${(e as Error).message}`, true);
      console.error(e);
    }
  };

  async function refreshList() {
    const entries = await store.list();
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
            h(
              'button',
              { type: 'button', class: 'load', 'aria-label': `Load ${e.name}`, onclick: () => void load(e) },
              'Load',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'delete',
                'aria-label': `Delete ${e.name}`,
                onclick: () => void del(e),
              },
              'Delete',
            ),
          ),
        ),
      ),
    );
  }

  const load = (e: store.SavedEntry) =>
    guard('Loading', async () => {
      const f = await store.read(e.id);
      await loadFiles(f.checkpoint, f.config, e.name);
      say(`Loaded “${e.name}” (step ${e.step}).`);
    });
  const del = (e: store.SavedEntry) =>
    guard('Deleting', async () => {
      await store.remove(e.id);
      await refreshList();
      say(`Deleted “${e.name}”.`);
    });

  saveBtn.addEventListener('click', () =>
    guard('Saving', async () => {
      const f = await currentFiles();
      const c = state.config;
      const label = name.value.trim() || `${c.task}/${c.learner} step ${f.step}`;
      await store.save(
        { name: label, step: f.step, task: c.task, learner: c.learner },
        f.checkpoint,
        f.config,
      );
      await refreshList();
      say(`Saved “${label}”.`);
    }),
  );
  exportCkpt.addEventListener('click', () =>
    guard('Export', async () =>
      download((await currentFiles()).checkpoint, CHECKPOINT_FILE, 'application/octet-stream'),
    ),
  );
  exportConfig.addEventListener('click', () =>
    guard('Export', async () => download(encodeConfig(state.config), CONFIG_FILE, 'application/json')),
  );
  importInput.addEventListener('change', () =>
    guard('Import', async () => {
      const chosen = [...(importInput.files ?? [])];
      importInput.value = '';
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
      await refreshList();
      say(`Imported ${ckpt.name} (step ${step}) and saved it here.`);
    }),
  );

  const refresh = () => {
    const l = state.learner;
    current.textContent = l
      ? `Current learner: ${state.config.task}/${state.config.learner}, ${state.config.layers}x${state.config.hidden}, step ${l.stepCount}.`
      : 'No current learner.';
    for (const b of [saveBtn, exportCkpt, exportConfig]) b.disabled = !l;
  };
  onLearnerChange(refresh);
  refresh();
  void refreshList().catch((e) => say(`Cannot list saved checkpoints: ${(e as Error).message}`, true));
  return () => {
    refresh();
    void refreshList().catch(() => {});
  };
}

/**
 * Data section of the Train view: the user picks or drops an Omniglot zip; it is decoded in a Web Worker
 * (omniglot_worker.ts) by the loader the CLI uses and kept in memory for the learners (state.taskData).
 * The file is read locally and never sent anywhere.
 */
import { defaultHeldOut } from '../../src/data/omniglot_split';
import type { OmniglotDataset } from '../../src/data/omniglot';
import { h, say } from './dom';
import { state } from './state';
import type { OmniglotReply, OmniglotRequest } from './omniglot_worker';

/** As the CLI (src/data/omniglot_file.ts): Omniglot's largest zip is 9.5 MB; far larger is refused unread. */
const MAX_ZIP_BYTES = 256 << 20;

const plural = (n: number, what: string) => `${n.toLocaleString('en')} ${what}${n === 1 ? '' : 's'}`;

/** What a loaded set holds, in one sentence (also the summary the e2e test reads). */
function describeDataset(name: string, ds: OmniglotDataset, ms: number): string {
  const list = ds.alphabets.length <= 8 ? ` (${ds.alphabets.join(', ')})` : '';
  return (
    `${name}: ${plural(ds.alphabets.length, 'alphabet')}${list}, ${plural(ds.characters.length, 'character')}, ` +
    `${plural(ds.imageCount, 'image')} at ${ds.size}×${ds.size}, decoded in ${(ms / 1000).toFixed(1)} s. ` +
    `Held out for evaluation and Adapt: ${defaultHeldOut(ds).join(', ')}.`
  );
}

let loadedName = '';
/** The name of the zip whose images are in state.taskData ('' before one loads). */
export const loadedDataName = () => loadedName;

class DataPicker {
  readonly input = h('input', {
    id: 'data-file',
    type: 'file',
    accept: '.zip,application/zip',
    'aria-describedby': 'data-summary',
  });
  readonly progress = h('progress', { id: 'data-progress', max: 1, value: 0, hidden: true });
  readonly summary = h(
    'p',
    { id: 'data-summary', class: 'readout', 'aria-live': 'polite' },
    'No data loaded.',
  );
  readonly drop = h(
    'div',
    { class: 'dropzone', id: 'data-drop' },
    h('label', { for: 'data-file' }, h('span', {}, 'Omniglot zip'), this.input),
    h('span', { class: 'hint' }, 'or drop it here'),
  );
  readonly root = h(
    'section',
    { class: 'data', id: 'data', 'aria-labelledby': 'data-title' },
    h('h3', { id: 'data-title' }, 'Data'),
    h(
      'p',
      {},
      'An Omniglot zip as distributed (images_background.zip, images_evaluation.zip or ' +
        'images_background_small1.zip). It is read in this browser and never sent anywhere.',
    ),
    this.drop,
    this.progress,
    this.summary,
  );
  /** The worker decoding the latest file; replies from any other are stale and ignored. */
  #worker: Worker | null = null;

  constructor() {
    const drop = this.drop;
    this.input.addEventListener('change', () => {
      const file = this.input.files?.[0];
      if (file) void this.load(file);
    });
    drop.addEventListener('dragover', (e) => {
      e.preventDefault(); // allows the drop
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) void this.load(file);
    });
  }

  async load(file: File): Promise<void> {
    this.#worker?.terminate(); // a newer file wins over one still decoding
    this.#worker = null;
    this.summary.classList.remove('error');
    this.summary.removeAttribute('role');
    if (file.size > MAX_ZIP_BYTES) {
      return this.#fail(
        `${file.name}: ${plural(file.size, 'byte')}, over ${MAX_ZIP_BYTES}: not an Omniglot zip.`,
      );
    }
    this.summary.textContent = `Reading ${file.name}…`;
    this.progress.hidden = false;
    this.progress.removeAttribute('value'); // indeterminate while unzipping
    const bytes = await file.arrayBuffer();
    const w = new Worker(new URL('./omniglot_worker.ts', import.meta.url), { type: 'module' });
    this.#worker = w;
    w.onmessage = (e: MessageEvent<OmniglotReply>) => {
      if (this.#worker === w) this.#reply(w, file, e.data);
    };
    w.onerror = (e) => {
      if (this.#worker !== w) return;
      this.#stopWorker(w);
      this.#fail(`Could not load ${file.name}: the decoder stopped (${e.message || 'worker error'}).`);
    };
    w.postMessage({ bytes, name: file.name } satisfies OmniglotRequest, [bytes]);
  }

  /** The current worker's progress, its dataset (kept in state.taskData) or its error. */
  #reply(w: Worker, file: File, m: OmniglotReply): void {
    if (m.kind === 'progress') {
      this.progress.max = m.total;
      this.progress.value = m.done;
      this.summary.textContent = `Decoding ${file.name}: ${m.done.toLocaleString('en')} of ${plural(m.total, 'image')}…`;
      return;
    }
    this.#stopWorker(w);
    if (m.kind === 'error') {
      // OmniglotError messages start with the file's name and say what is wrong (layout, zip, image).
      return this.#fail(
        m.name === 'OmniglotError'
          ? `Could not load ${m.message}`
          : `Could not load ${file.name}: ${m.name}: ${m.message}`,
      );
    }
    state.taskData.omniglot = m.dataset;
    loadedName = file.name;
    this.progress.hidden = true;
    this.summary.textContent = describeDataset(file.name, m.dataset, m.ms);
    this.root.dataset.images = String(m.dataset.imageCount);
    say(`Loaded ${file.name}.`);
  }

  #stopWorker(w: Worker): void {
    w.terminate();
    this.#worker = null;
  }

  #fail(text: string): void {
    this.summary.textContent = text;
    this.summary.classList.add('error');
    this.summary.setAttribute('role', 'alert');
    this.progress.hidden = true;
    say(text, true);
  }
}

export function renderData(): HTMLElement {
  return new DataPicker().root;
}

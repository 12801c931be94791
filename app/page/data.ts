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
export function describeDataset(name: string, ds: OmniglotDataset, ms: number): string {
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

export function renderData(): HTMLElement {
  const input = h('input', {
    id: 'data-file',
    type: 'file',
    accept: '.zip,application/zip',
    'aria-describedby': 'data-summary',
  });
  const progress = h('progress', { id: 'data-progress', max: 1, value: 0, hidden: true });
  const summary = h('p', { id: 'data-summary', class: 'readout', 'aria-live': 'polite' }, 'No data loaded.');
  const drop = h(
    'div',
    { class: 'dropzone', id: 'data-drop' },
    h('label', { for: 'data-file' }, h('span', {}, 'Omniglot zip'), input),
    h('span', { class: 'hint' }, 'or drop it here'),
  );
  const root = h(
    'section',
    { class: 'data', id: 'data', 'aria-labelledby': 'data-title' },
    h('h3', { id: 'data-title' }, 'Data'),
    h(
      'p',
      {},
      'An Omniglot zip as distributed (images_background.zip, images_evaluation.zip or ' +
        'images_background_small1.zip). It is read in this browser and never sent anywhere.',
    ),
    drop,
    progress,
    summary,
  );

  let worker: Worker | null = null;
  const fail = (text: string) => {
    summary.textContent = text;
    summary.classList.add('error');
    summary.setAttribute('role', 'alert');
    progress.hidden = true;
    say(text, true);
  };

  async function load(file: File) {
    worker?.terminate(); // a newer file wins over one still decoding
    worker = null;
    summary.classList.remove('error');
    summary.removeAttribute('role');
    if (file.size > MAX_ZIP_BYTES) {
      return fail(`${file.name}: ${plural(file.size, 'byte')}, over ${MAX_ZIP_BYTES}: not an Omniglot zip.`);
    }
    summary.textContent = `Reading ${file.name}…`;
    progress.hidden = false;
    progress.removeAttribute('value'); // indeterminate while unzipping
    const bytes = await file.arrayBuffer();
    const w = new Worker(new URL('./omniglot_worker.ts', import.meta.url), { type: 'module' });
    worker = w;
    w.onmessage = (e: MessageEvent<OmniglotReply>) => {
      if (worker !== w) return;
      const m = e.data;
      if (m.kind === 'progress') {
        progress.max = m.total;
        progress.value = m.done;
        summary.textContent = `Decoding ${file.name}: ${m.done.toLocaleString('en')} of ${plural(m.total, 'image')}…`;
        return;
      }
      w.terminate();
      worker = null;
      if (m.kind === 'error') {
        // OmniglotError messages start with the file's name and say what is wrong (layout, zip, image).
        return fail(
          m.name === 'OmniglotError'
            ? `Could not load ${m.message}`
            : `Could not load ${file.name}: ${m.name}: ${m.message}`,
        );
      }
      state.taskData.omniglot = m.dataset;
      loadedName = file.name;
      progress.hidden = true;
      summary.textContent = describeDataset(file.name, m.dataset, m.ms);
      root.dataset.images = String(m.dataset.imageCount);
      say(`Loaded ${file.name}.`);
    };
    w.onerror = (e) => {
      if (worker !== w) return;
      w.terminate();
      worker = null;
      fail(`Could not load ${file.name}: the decoder stopped (${e.message || 'worker error'}).`);
    };
    w.postMessage({ bytes, name: file.name } satisfies OmniglotRequest, [bytes]);
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void load(file);
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
    if (file) void load(file);
  });
  return root;
}

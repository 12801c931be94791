/**
 * Decodes an Omniglot zip off the main thread (unzip + ~3,000–32,000 PNG decodes would freeze the page for
 * seconds): the same loadOmniglot the CLI runs, with progress messages, and the decoded images sent back as
 * transferred buffers (moved, not copied). Nothing leaves the browser: the bytes come from the user's file.
 */
import { loadOmniglot, type OmniglotDataset } from '../../src/data/omniglot';

export type OmniglotRequest = { bytes: ArrayBuffer; name: string };
export type OmniglotReply =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; dataset: OmniglotDataset; ms: number }
  | { kind: 'error'; name: string; message: string };

const post = (m: OmniglotReply, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

self.onmessage = (e: MessageEvent<OmniglotRequest>) => {
  const t0 = performance.now();
  try {
    const dataset = loadOmniglot(new Uint8Array(e.data.bytes), {
      name: e.data.name,
      onProgress: (done, total) => post({ kind: 'progress', done, total }),
    });
    const ms = performance.now() - t0;
    post({ kind: 'done', dataset, ms }, [dataset.images.buffer, dataset.drawers.buffer]);
  } catch (err) {
    // Errors do not survive postMessage as their class: send the name so the page can say what kind it was.
    const x = err as Error;
    post({ kind: 'error', name: x.name ?? 'Error', message: x.message ?? String(err) });
  }
};

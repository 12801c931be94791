/**
 * Draw your own classes: the user draws a few examples of up to `ways` symbols of their own, then a query,
 * and sees the class a trained Omniglot classifier gives it, with every class's probability, as they draw.
 * The drawings go through the CLI's preprocessing for user images (src/data/user_images.ts: ink on paper,
 * 28×28) and the classifier's adapt(): it reads the examples, no weight changes. Nothing leaves the page.
 * Without a classifier loaded, one click fetches the model shipped with the page (models/).
 */
import { BlackBoxClassifier } from '../../src/meta/blackbox_classifier';
import { inkImage } from '../../src/data/user_images';
import { h, say } from './dom';
import { state } from './state';

/** At most this many examples per class (the shipped models were meta-trained on one or five shots). */
export const MAX_EXAMPLES = 5;
const PAD = 140;

/** A square drawing pad: black ink on white paper, drawn with the pointer; `onStroke` after each stroke. */
class Pad {
  readonly canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #drawing = false;
  /** True once something is drawn since the last clear. */
  inked = false;

  constructor(id: string, label: string, onStroke: () => void) {
    this.canvas = h('canvas', {
      id,
      class: 'pad',
      width: PAD,
      height: PAD,
      role: 'img',
      'aria-label': label,
    });
    this.#ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    const at = (e: PointerEvent) => {
      const r = this.canvas.getBoundingClientRect();
      return [((e.clientX - r.left) * PAD) / r.width, ((e.clientY - r.top) * PAD) / r.height] as const;
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.#drawing = true;
      this.canvas.setPointerCapture?.(e.pointerId);
      const [x, y] = at(e);
      this.#ctx.beginPath();
      this.#ctx.moveTo(x, y);
      this.#ctx.lineTo(x + 0.01, y); // a click leaves a dot
      this.#ctx.stroke();
      this.inked = true;
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.#drawing) return;
      const [x, y] = at(e);
      this.#ctx.lineTo(x, y);
      this.#ctx.stroke();
    });
    const end = () => {
      if (!this.#drawing) return;
      this.#drawing = false;
      onStroke();
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointerleave', end);
  }

  clear(): void {
    const c = this.#ctx;
    c.fillStyle = '#fff';
    c.fillRect(0, 0, PAD, PAD);
    c.strokeStyle = '#000';
    c.lineWidth = 5; // about Omniglot's stroke width once both are 28×28
    c.lineCap = 'round';
    c.lineJoin = 'round';
    this.inked = false;
  }

  /** The drawing as the classifier reads images: 28×28, ink = 1. */
  image(): Float32Array {
    const rgba = this.#ctx.getImageData(0, 0, PAD, PAD).data;
    const gray = new Float32Array(PAD * PAD);
    for (let i = 0; i < gray.length; i++)
      gray[i] = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    return inkImage(gray, PAD, PAD);
  }
}

/** A 28×28 ink image as a small canvas (a kept example). */
function thumbnail(img: Float32Array, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { width: 28, height: 28, role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const v = Math.round(255 * (1 - img[i]));
    data.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

export class DrawClasses {
  readonly root = h('section', { id: 'draw-classes', 'aria-labelledby': 'draw-title' });
  readonly #examples: Float32Array[][] = [];
  readonly #pad = new Pad('draw-pad', 'Drawing pad for an example', () => {});
  readonly #query = new Pad('draw-query', 'Drawing pad for a query', () => void this.#predict());
  readonly #classes = h('div', { class: 'episode', id: 'draw-class-list' });
  readonly #addButtons = h('div', { class: 'buttons', id: 'draw-add' });
  readonly #result = h('div', { id: 'draw-result', 'aria-live': 'polite' });
  readonly shipped = h('button', { id: 'draw-shipped', type: 'button' }, 'Use the shipped model');
  readonly #offer = h('p', {}, 'No Omniglot classifier loaded? ', this.shipped);
  #ways = 0;
  #busy: Promise<void> | null = null;
  #again = false;

  constructor(loadShipped: () => Promise<void>) {
    this.shipped.addEventListener('click', () => {
      this.shipped.disabled = true;
      void loadShipped()
        .catch((e) => say(`Loading the shipped model failed: ${(e as Error).message}`, true))
        .finally(() => (this.shipped.disabled = false));
    });
    const clearPad = h('button', { type: 'button', id: 'draw-clear' }, 'Clear');
    clearPad.addEventListener('click', () => this.#pad.clear());
    const clearQuery = h('button', { type: 'button', id: 'draw-clear-query' }, 'Clear query');
    clearQuery.addEventListener('click', () => {
      this.#query.clear();
      this.#result.replaceChildren();
      delete this.#result.dataset.predicted;
    });
    this.root.append(
      h('h3', { id: 'draw-title' }, 'Draw your own classes'),
      h(
        'p',
        {},
        `Draw a symbol of your own, add it to a class, and give each class one to ${MAX_EXAMPLES} examples ` +
          '(two classes at least); then draw a query: the model reads your examples — no training — and ' +
          'says which class the query belongs to, as you draw. Your drawings never leave this page.',
      ),
      this.#offer,
      h(
        'div',
        { class: 'draw' },
        h('figure', {}, this.#pad.canvas, h('figcaption', {}, 'Example'), clearPad),
        h('figure', {}, this.#query.canvas, h('figcaption', {}, 'Query'), clearQuery),
      ),
      this.#addButtons,
      this.#classes,
      this.#result,
    );
  }

  /** The classifier to use: the current learner when it is an Omniglot classifier. */
  get #classifier(): BlackBoxClassifier | null {
    return state.learner instanceof BlackBoxClassifier ? state.learner : null;
  }

  /** Shows the panel for the current learner: one add button and one example row per class. */
  refresh(): void {
    const ways = this.#classifier?.config.ways ?? 0;
    this.#offer.hidden = ways > 0;
    if (ways === this.#ways) return;
    this.#ways = ways;
    this.#examples.length = 0;
    for (let i = 0; i < ways; i++) this.#examples.push([]);
    this.#addButtons.replaceChildren(
      ...this.#examples.map((_, i) => {
        const b = h('button', { type: 'button', id: `draw-add-${i + 1}` }, `Add to class ${i + 1}`);
        b.addEventListener('click', () => this.#add(i));
        return b;
      }),
    );
    this.#renderClasses();
    this.#result.replaceChildren();
  }

  #add(k: number): void {
    if (!this.#pad.inked) return say('Draw an example on the pad first.');
    if (this.#examples[k].length >= MAX_EXAMPLES)
      return say(`Class ${k + 1} has ${MAX_EXAMPLES} examples already.`);
    this.#examples[k].push(this.#pad.image());
    this.#pad.clear();
    this.#renderClasses();
    if (this.#query.inked) void this.#predict();
  }

  #renderClasses(): void {
    this.#classes.replaceChildren(
      ...this.#examples.map((ex, k) =>
        h(
          'figure',
          { 'data-class': k + 1 },
          ...ex.map((img, j) => thumbnail(img, `class ${k + 1}, example ${j + 1}`)),
          h('figcaption', {}, `class ${k + 1}: ${ex.length} example${ex.length === 1 ? '' : 's'}`),
        ),
      ),
    );
    this.root.dataset.examples = String(this.#examples.reduce((n, e) => n + e.length, 0));
  }

  /** Classifies the query (one prediction at a time; a stroke meanwhile asks for one more). */
  async #predict(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return this.#busy;
    }
    this.#busy = this.#classify().finally(() => (this.#busy = null));
    await this.#busy;
    if (this.#again) {
      this.#again = false;
      await this.#predict();
    }
  }

  async #classify(): Promise<void> {
    const l = this.#classifier;
    const used = this.#examples.map((e, k) => (e.length ? k : -1)).filter((k) => k >= 0);
    if (!l || !this.#query.inked) return;
    if (state.training) {
      this.#result.textContent = 'Pause training to classify.';
      return;
    }
    if (used.length < 2) {
      this.#result.textContent = 'Give at least two classes an example first.';
      return;
    }
    const support = used.flatMap((k) => this.#examples[k].map((image) => ({ image, label: k })));
    const [p] = await (await l.adapt(support)).predict([this.#query.image()]);
    const best = used.reduce((b, k) => (p[k] > p[b] ? k : b), used[0]);
    this.#result.dataset.predicted = String(best + 1);
    this.#result.replaceChildren(
      h(
        'p',
        { id: 'draw-verdict' },
        `The query looks like class ${best + 1} (${Math.round(100 * p[best])}%).`,
      ),
      ...used.map((k) =>
        h(
          'div',
          { class: 'draw-bar' },
          h('span', {}, `class ${k + 1}`),
          h('meter', { min: 0, max: 1, value: p[k], title: `${(100 * p[k]).toFixed(1)}%` }),
          h('span', {}, `${(100 * p[k]).toFixed(1)}%`),
        ),
      ),
    );
  }
}

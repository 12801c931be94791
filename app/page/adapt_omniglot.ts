/**
 * Adapt view for Omniglot: a held-out N-way K-shot episode — the support images with the labels the learner
 * is shown, then each query with its predicted and true label. Right and wrong are said in words (and
 * marked with a border colour), so colour is never the only cue.
 */
import { BlackBoxClassifier } from '../../src/meta/blackbox_classifier';
import type { RunConfig } from '../../src/io/run_config';
import { heldOutEpisode, type EpisodeImage } from '../../src/meta/omniglot_episode';
import { h } from './dom';
import { OWN_ALPHABET } from '../../src/meta/classifier_own';

export type Classifier = Pick<BlackBoxClassifier, 'predict' | 'dataset' | 'split'>;
/** A classifier with its Omniglot images (one loaded without them classifies only the user's drawings). */
export const canClassify = (l: unknown): l is BlackBoxClassifier =>
  l instanceof BlackBoxClassifier && !l.dataset.alphabets.includes(OWN_ALPHABET);

/** A 28×28 image (ink = 1) as a canvas, scaled up by CSS with crisp pixels (.episode canvas). */
function drawImage(img: Float32Array, size: number, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { width: size, height: size, role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(255 * (1 - Math.min(1, Math.max(0, img[i]))));
    data.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

export function omniglotAdapter(box: HTMLElement, testSeed: (c: RunConfig) => number) {
  return async (learner: Classifier, c: RunConfig, index: number): Promise<string> => {
    const ds = learner.dataset;
    const ep = heldOutEpisode(ds, learner.split, c, testSeed(c), index);
    const [logits] = await learner.predict([
      {
        support: ep.support.map((s) => ({ image: s.image, label: s.label })),
        queries: ep.queries.map((q) => q.image),
      },
    ]);
    const predicted = logits.map(argmax);
    const figure = (s: EpisodeImage, caption: (Node | string)[], cls = '') =>
      h(
        'figure',
        { class: cls, title: s.character },
        drawImage(s.image, ds.size, `drawing of ${s.character}`),
        h('figcaption', {}, ...caption),
      );
    // Support images grouped by label (the learner reads them shuffled): one row per class reads easily.
    const support = [...ep.support].sort((a, b) => a.label - b.label);
    const right = predicted.filter((p, i) => p === ep.queries[i].label).length;
    box.replaceChildren(
      h('h3', {}, `Support set: ${c.ways} classes × ${c.shots} shot${c.shots > 1 ? 's' : ''}, labels shown`),
      h(
        'div',
        { class: 'episode', id: 'adapt-support' },
        ...support.map((s) => figure(s, [`label ${s.label}`])),
      ),
      h('h3', {}, 'Queries: predicted and true labels'),
      h(
        'div',
        { class: 'episode', id: 'adapt-queries' },
        ...ep.queries.map((q, i) => {
          const ok = predicted[i] === q.label;
          return figure(
            q,
            [
              `predicted ${predicted[i]}`,
              h('br'),
              `true ${q.label}`,
              h('br'),
              h('span', { class: 'verdict' }, ok ? '✓ right' : '✗ wrong'),
            ],
            ok ? 'right' : 'wrong',
          );
        }),
      ),
    );
    const held = learner.split.heldOut.length ? ` from held-out ${learner.split.heldOut.join(', ')}` : '';
    return (
      `Episode ${index + 1}: ${c.ways}-way ${c.shots}-shot${held} · ${right} of ${predicted.length} ` +
      `queries right (${Math.round((100 * right) / predicted.length)}%; chance ${Math.round(100 / c.ways)}%)`
    );
  };
}

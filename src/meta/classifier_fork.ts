/**
 * Inductive scoring with the support set run once (paired labels): each episode's support steps go through the
 * GRU as one sequence, then each query takes a single step from its episode's state after the support set —
 * the "copied state" of the few-shot protocol. What a query reads is exactly what a sequence of its own
 * (support, then that query) would give it: its GRU step starts from the same state, and the head and the
 * attention read see the same rows [support outputs…, its own output], assembled by row_gather from the two
 * passes. The recurrent work per episode falls from Q · (S + 1) steps to S + Q, and each image is embedded once.
 * Delayed labels keep the one-sequence-per-query pass: there the query step also reads the last support label.
 *
 * Rows of the hidden states, one buffer for both passes so that one gather reads from either (H wide):
 *   support pass hs [L, tasks, S + 1, H]: row (l · tasks + b) · (S + 1) + t (t = 0: h0 = 0; t: after step t)
 *   query pass   hs [L, rows, 2, H], after those: row L · tasks · (S + 1) + (l · rows + j) · 2 + t
 */
import type { Gpu } from '../runtime/gpu';
import type { Program } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import type { GruShape, ParamEntry } from '../layout/gru_layout';
import { contiguousRows } from '../kernels/linear_forward';
import { gruForward } from '../kernels/gru_forward';
import { labelBindForward } from '../kernels/label_bind';
import { rowGather } from '../kernels/row_gather';
import type { ImageEncoder } from './image_encoder';
import type { LinearHead } from './gru_head';
import type { AttentionMemory } from './attention_memory';

/** What the forked pass needs of the classifier. */
export interface ForkModel {
  gpu: Gpu;
  shape: GruShape;
  params: Tensor;
  encoder: ImageEncoder;
  encoderEntries: ParamEntry[];
  head: LinearHead;
  memory: AttentionMemory | null;
  /** Width of a GRU input row: [embedding E | label slots N | bound block N · E]. */
  inputSize: number;
  ways: number;
  size: number;
}

/** Sizes of one forked pass: episodes, query rows (all episodes' queries), support steps, distinct images. */
export interface ForkCounts {
  tasks: number;
  rows: number;
  support: number;
  images: number;
}

export interface ForkPass {
  program: Program;
  tensors: Tensor[];
  /** [images, size²]: each episode's support images, then its queries. */
  pixels: Tensor;
  /** u32 indices, written by the host (forkIndices): support images, query images, h0 rows, output rows. */
  index: Tensor;
  /** The support sequences' GRU input [tasks · S, width]: the label slots set, the rest 0. */
  xSupport: Tensor;
  /** The queries' GRU input [rows, width]: 0 (row_gather writes the embeddings). */
  xQuery: Tensor;
  /** Logits [rows · (S + 1), N]; query j's are row j · (S + 1) + S. */
  logits: Tensor;
}

/**
 * The index buffer of a forked pass: `episodeOf[j]` is query row j's episode (rows come episode by episode);
 * images are numbered as packQueryRows numbers them (each episode's S support images, then its queries).
 */
export function forkIndices(c: ForkCounts, layers: number, episodeOf: number[]): Uint32Array {
  const { tasks, rows, support: S } = c;
  const L = layers;
  const queries = new Array<number>(tasks).fill(0);
  for (const b of episodeOf) queries[b]++;
  const base: number[] = []; // each episode's first image
  const firstRow: number[] = []; // each episode's first query row
  for (let b = 0, image = 0, row = 0; b < tasks; b++) {
    base.push(image);
    firstRow.push(row);
    image += S + queries[b];
    row += queries[b];
  }
  const out = new Uint32Array(tasks * S + rows + L * rows + rows * (S + 1));
  let o = 0;
  for (let b = 0; b < tasks; b++) for (let t = 0; t < S; t++) out[o++] = base[b] + t;
  for (let j = 0; j < rows; j++) out[o++] = base[episodeOf[j]] + S + (j - firstRow[episodeOf[j]]);
  for (let l = 0; l < L; l++)
    for (let j = 0; j < rows; j++) out[o++] = (l * tasks + episodeOf[j]) * (S + 1) + S;
  const queryBase = L * tasks * (S + 1);
  for (let j = 0; j < rows; j++) {
    const b = episodeOf[j];
    for (let t = 0; t < S; t++) out[o++] = ((L - 1) * tasks + b) * (S + 1) + 1 + t;
    out[o++] = queryBase + ((L - 1) * rows + j) * 2 + 1;
  }
  return out;
}

/** Records the forked pass (see the header): encoder, support GRU, h0 gather, query GRU, rows, head, memory. */
export async function recordFork(m: ForkModel, c: ForkCounts): Promise<ForkPass> {
  const { gpu, shape, params, encoder } = m;
  const { tasks, rows, support: S, images } = c;
  const { layers: L, hiddenSize: H } = shape;
  const I = m.inputSize;
  const E = encoder.embed;
  const N = m.ways;
  const R = rows * (S + 1);
  const pixels = gpu.tensor([images, m.size ** 2]);
  const enc = encoder.alloc(gpu, images, false);
  const emb = gpu.tensor([images, E]);
  const index = gpu.tensor([tasks * S + rows + L * rows + R], undefined, 'u32');
  const idx = {
    support: index.view(0, [tasks * S]),
    query: index.view(tasks * S, [rows]),
    h0: index.view(tasks * S + rows, [L * rows]),
    out: index.view(tasks * S + rows + L * rows, [R]),
  };
  const xSupport = gpu.tensor([tasks * S, I]);
  const xQuery = gpu.tensor([rows, I]);
  const supportHs = L * tasks * (S + 1) * H;
  const hsAll = gpu.tensor([supportHs + L * rows * 2 * H]);
  const hsSupport = hsAll.view(0, [L, tasks, S + 1, H]);
  const hsQuery = hsAll.view(supportHs, [L, rows, 2, H]);
  const gatesSupport = gpu.tensor([L, tasks, Math.max(S, 1), 4 * H]);
  const gatesQuery = gpu.tensor([L, rows, 1, 4 * H]);
  const h0 = gpu.tensor([L, rows, H]);
  const out = gpu.tensor([R, H]);
  const logits = gpu.tensor([R, N]);
  const mem = m.memory?.alloc(gpu, R, false) ?? null;
  const tensors = [pixels, ...enc.tensors, emb, index, xSupport, xQuery, hsAll, gatesSupport, gatesQuery];
  tensors.push(h0, out, logits, ...(mem?.tensors ?? []));

  const rec = gpu.recorder();
  encoder.forward(rec, images, {
    params,
    entries: m.encoderEntries,
    pixels,
    bufs: enc,
    out: emb,
    outStride: E,
  });
  rowGather(
    rec,
    { rows: tasks * S, inRows: images, cols: E },
    { x: emb, index: idx.support, y: xSupport, yStride: I },
  );
  rowGather(rec, { rows, inRows: images, cols: E }, { x: emb, index: idx.query, y: xQuery, yStride: I });
  labelBindForward(rec, { rows: tasks * S, steps: S, embed: E, ways: N, lag: 0 }, { x: xSupport });
  labelBindForward(rec, { rows, steps: 1, embed: E, ways: N, lag: 0 }, { x: xQuery });
  gruForward(
    rec,
    shape,
    { batch: tasks, steps: S },
    { params, x: xSupport, hs: hsSupport, gates: gatesSupport },
  );
  const hsRows = hsAll.size / H;
  rowGather(rec, { rows: L * rows, inRows: hsRows, cols: H }, { x: hsAll, index: idx.h0, y: h0 });
  gruForward(
    rec,
    shape,
    { batch: rows, steps: 1 },
    { params, x: xQuery, hs: hsQuery, gates: gatesQuery, h0 },
  );
  rowGather(rec, { rows: R, inRows: hsRows, cols: H }, { x: hsAll, index: idx.out, y: out });
  const outRows = { tensor: out, rows: contiguousRows(H) };
  m.head.forward(rec, params, R, outRows, logits);
  if (mem) m.memory!.forward(rec, params, { tasks: rows, steps: S + 1, out: outRows }, mem, logits);
  const program = await rec.finish('blackbox_classifier.fork');
  return { program, tensors, pixels, index, xSupport, xQuery, logits };
}

/**
 * The host's part of a forked pass: the images (as packQueryRows numbers them), the support sequences' GRU
 * input with each label's slot set, and each query row's episode.
 */
export function packFork(
  episodes: { support: { image: ArrayLike<number>; label: number }[]; queries: ArrayLike<number>[] }[],
  g: { support: number; pixels: number; width: number; embed: number },
): { pixels: Float32Array; xSupport: Float32Array; episodeOf: number[]; counts: ForkCounts } {
  const { support: S, pixels: px, width: I, embed: E } = g;
  const images = episodes.reduce((n, e) => n + S + e.queries.length, 0);
  const pixels = new Float32Array(images * px);
  const xSupport = new Float32Array(episodes.length * S * I);
  const episodeOf: number[] = [];
  let at = 0;
  episodes.forEach((e, b) => {
    e.support.forEach((s, t) => {
      pixels.set(s.image, (at + t) * px);
      xSupport[(b * S + t) * I + E + s.label] = 1;
    });
    e.queries.forEach((q, j) => {
      pixels.set(q, (at + S + j) * px);
      episodeOf.push(b);
    });
    at += S + e.queries.length;
  });
  const counts = { tasks: episodes.length, rows: episodeOf.length, support: S, images };
  return { pixels, xSupport, episodeOf, counts };
}

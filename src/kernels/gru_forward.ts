import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/gru_rows.wgsl?raw';
import io from '../../shaders/gru_forward_io.wgsl?raw';
import body from '../../shaders/gru_forward.wgsl?raw';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { linearForward } from './linear_forward';
import { softwareAdapter } from './linear_tile';
import type { RowLayout } from './linear_tile';
import { gruTiles, gruWeights, useBroadcastGru } from './gru_tuning';
import { broadcastForwardKernel, source as broadcastSource } from './gru_forward_broadcast';
import type { KernelVariants } from '../runtime/recorder';

const source = `${common}\n${io}\n${body}`;

/** Batch and sequence length of one call; the batch splits into shape.groups task groups of batch/groups rows. */
export interface GruRun {
  batch: number;
  steps: number;
}

export interface GruForwardTensors {
  /** Flat parameters, laid out by gruParamLayout. */
  params: Tensor;
  /** Input sequence [B, T, I], batch-first (or strided rows via xRows). */
  x: Tensor;
  xRows?: RowLayout;
  /** Initial hidden state [L, B, H]; zeros when absent. */
  h0?: Tensor | null;
  /** Saved hidden sequence [L, B, T+1, H]: hs[l, b, 0] = h0, hs[l, b, t+1] = h_t of layer l. */
  hs: Tensor;
  /**
   * Saved gates [L, B, T, 4H]: r, z, n and W_hn h + b_hn. Also holds the input projection on its way in, and
   * gruBackward overwrites it with the gate gradients: one buffer, no scratch.
   */
  gates: Tensor;
  /** Final hidden state [L, B, H], optional. */
  hN?: Tensor | null;
}

/**
 * Launch geometry shared by the recurrent kernels: threads split hidden units, a workgroup owns `rows` batch
 * rows (weights loaded once feed all of them), bounded by workgroup memory: `sharedPerRow` floats per row
 * (gru_backward's [2, rows, 3, ⌈H/4⌉] vec4s: 24⌈H/4⌉; gru_forward_tangent's [2, rows, 2, ⌈H/4⌉]: 16⌈H/4⌉;
 * gru_backward_tangent's [2, rows, 6, ⌈H/4⌉]: 48⌈H/4⌉). `unitsPerThread` replaces the tiles' units (gru_backward's
 * own, `backwardUnits`).
 */
export function gruGeometry(
  hidden: number,
  rowsPerGroup: number,
  rec: { limits: GPUSupportedLimits; variants: KernelVariants },
  sharedPerRow = 6 * 4 * Math.ceil(hidden / 4),
  unitsPerThread?: 1 | 2 | 4,
) {
  const limits = rec.limits;
  const tiles = { ...gruTiles(rec.variants), ...(unitsPerThread ? { units: unitsPerThread } : {}) };
  const wg = Math.min(
    limits.maxComputeInvocationsPerWorkgroup,
    limits.maxComputeWorkgroupSizeX,
    Math.ceil(hidden / 32) * (32 / tiles.units),
  );
  const units = Math.ceil(hidden / wg);
  const maxRows = Math.floor(limits.maxComputeWorkgroupStorageSize / (sharedPerRow * 4));
  // The adapter's tile (gru_tuning.ts: 8 on the software adapter), fewer if memory is short.
  const rows = Math.max(1, Math.min(tiles.rows, maxRows, rowsPerGroup));
  // The same geometry as the defines of shaders/gru_rows.wgsl, shared by both recurrent kernels.
  const defines = { HIDDEN: hidden, ROWS: rows, WG: wg, UNITS: units };
  /** vec4s of W_hh one thread holds for its units in gru_forward / gru_backward (see gru_tuning). */
  const weightVec4s = units * 3 * Math.ceil(hidden / 4);
  return { wg, units, rows, fits: maxRows >= 1, defines, weightVec4s };
}

export function checkGruShape(shape: GruShape, run: GruRun): number {
  if (run.batch % shape.groups !== 0) {
    throw new RangeError(
      `GRU batch ${run.batch} must be a multiple of groups ${shape.groups} (each task its own rows)`,
    );
  }
  return run.batch / shape.groups;
}

/** The last layer's outputs [B, T, H] inside hs, as a strided row view for the next kernel. */
export function gruOutput(shape: GruShape, run: GruRun, hs: Tensor): { tensor: Tensor; rows: RowLayout } {
  const H = shape.hiddenSize;
  const base = (shape.layers - 1) * run.batch * (run.steps + 1) * H + H;
  return {
    tensor: hs.view(base, [run.batch, run.steps, H]),
    rows: { block: run.steps, blockStride: (run.steps + 1) * H, rowStride: H },
  };
}

/**
 * Allocates what a forward + backward pass needs: the saved activations (hs, gates) and, for stacked GRUs,
 * the gradient passed between layers (workDy, null for one layer).
 */
export function allocGruBuffers(gpu: Gpu, shape: GruShape, run: GruRun) {
  const { layers: L, hiddenSize: H } = shape;
  const { batch: B, steps: T } = run;
  const hs = gpu.tensor([L, B, T + 1, H]);
  const gates = gpu.tensor([L, B, Math.max(1, T), 4 * H]);
  const workDy = L > 1 ? gpu.tensor([B, Math.max(1, T), H]) : null;
  /** Everything allocated, for releasing. */
  const tensors = workDy ? [hs, gates, workDy] : [hs, gates];
  return { hs, gates, workDy, tensors };
}

/**
 * Stacked GRU forward: per layer, one batched input projection for all T (linear_forward) and one recurrent
 * dispatch that loops over T (gru_forward). 2 dispatches per layer, independent of T.
 */
export function gruForward(rec: Recorder, shape: GruShape, run: GruRun, t: GruForwardTensors): void {
  const rowsPerGroup = checkGruShape(shape, run);
  const { layers: L, hiddenSize: H, groups: G } = shape;
  const { batch: B, steps: T } = run;
  const layout = gruParamLayout(shape);
  const geo = gruGeometry(H, rowsPerGroup, rec);
  const wreg = gruWeights(rec.variants, geo.weightVec4s) === 'private';
  // A single step gains nothing (without h0 its sums are skipped) and measured slower so: MAML's one-step cells.
  const unroll = T > 1 && useUnrolledGru(rec.variants, geo.units, wreg, H);
  // The software adapter's form (gru_tuning.ts), where it applies.
  const broadcast = useBroadcastGru(rec.variants, { hidden: H, steps: T, rowsPerGroup });
  for (let l = 0; l < L; l++) {
    const lo = layout.layers[l];
    const x = l === 0 ? t.x : t.hs;
    const xRows: RowLayout | undefined =
      l === 0 ? t.xRows : { block: T, blockStride: (T + 1) * H, rowStride: H };
    const xView = l === 0 ? x : x.view((l - 1) * B * (T + 1) * H + H, [B, T, H]);
    const gates = t.gates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    linearForward(
      rec,
      { groups: G, rowsPerGroup: rowsPerGroup * T, inF: lo.inputSize, outF: 3 * H },
      {
        x: xView,
        xRows,
        w: t.params.view(lo.wih, []),
        b: t.params.view(lo.bih, []),
        y: gates,
        yLayout: { rowStride: 4 * H },
      },
    );
    const flags = { HAS_H0: Boolean(t.h0), HAS_HN: Boolean(t.hN) };
    const recurrence = broadcast
      ? {
          kernel: 'gru_forward_broadcast',
          source: broadcastSource,
          ...broadcastForwardKernel(H, rowsPerGroup, flags),
        }
      : {
          kernel: 'gru_forward',
          source,
          defines: {
            ...geo.defines,
            HBUF: 2 * geo.rows * Math.ceil(H / 4),
            WREG: wreg,
            UNROLL: unroll,
            MATVEC0: unroll ? unrolledMatvec(geo.rows, Math.ceil(H / 4), 0, flags.HAS_H0) : '',
            MATVEC1: unroll ? unrolledMatvec(geo.rows, Math.ceil(H / 4), 1, flags.HAS_H0) : '',
            ...flags,
          },
          blocks: Math.ceil(rowsPerGroup / geo.rows),
        };
    rec.dispatch({
      kernel: recurrence.kernel,
      source: recurrence.source,
      defines: recurrence.defines,
      uniforms: new Uint32Array([
        B, T, rowsPerGroup, 3 * H,
        0, t.params.offset + lo.whh, t.params.offset + lo.bhh, 3 * H * H,
        (t.h0?.offset ?? 0) + l * B * H, t.hs.offset + l * B * (T + 1) * H, gates.offset, (t.hN?.offset ?? 0) + l * B * H,
      ]), // prettier-ignore
      buffers: [
        null,
        t.params.buffer,
        t.h0?.buffer ?? null,
        t.hs.buffer,
        t.gates.buffer,
        t.hN?.buffer ?? null,
      ],
      workgroups: [recurrence.blocks, G],
    });
  }
}

/** The largest hidden size whose step gru_forward unrolls (16 vec4s of h: 384 dot products a step at 8 rows). */
export const GRU_UNROLL_MAX_HIDDEN = 64;

/**
 * Whether gru_forward runs its steps as generated straight-line code (UNROLL in shaders/gru_forward.wgsl): on
 * the software adapter, with one unit per thread and W_hh in private memory, up to GRU_UNROLL_MAX_HIDDEN.
 * `variants.chosen` 'gru.unroll' forces it ('on', where those hold) or not ('off').
 */
export function useUnrolledGru(
  variants: KernelVariants,
  units: number,
  wreg: boolean,
  hidden: number,
): boolean {
  const forced = variants.chosen.get('gru.unroll');
  if (forced === 'off' || units !== 1 || !wreg || hidden > GRU_UNROLL_MAX_HIDDEN) return false;
  return forced === 'on' || softwareAdapter(variants);
}

/**
 * UNROLL's sums for one step reading half `phase` of h (gru_forward.wgsl): r0..r7, z0..z7, n0..n7 declared
 * (rows past `rows` stay 0), then for every vec4 kk of h and every row i, W_h{r,z,n}[j, 4kk..4kk+3] · h_i —
 * with constant indices into the thread's private copy of W_hh (wreg) and into hbuf. Without h0 the first
 * step's h is 0 and its sums are skipped, as in the loop.
 */
export function unrolledMatvec(rows: number, hv: number, phase: 0 | 1, hasH0: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) lines.push(`var r${i} = 0.0;`, `var z${i} = 0.0;`, `var n${i} = 0.0;`);
  lines.push(hasH0 ? 'if (true) {' : 'if (t > 0u) {');
  for (let kk = 0; kk < hv; kk++) {
    lines.push(
      `let a${kk} = wreg[${kk}u];`,
      `let b${kk} = wreg[${hv + kk}u];`,
      `let c${kk} = wreg[${2 * hv + kk}u];`,
    );
    for (let i = 0; i < rows; i++) {
      const h = `h${kk}_${i}`;
      lines.push(`let ${h} = hbuf[${(phase * rows + i) * hv + kk}u];`);
      lines.push(`r${i} += dot(a${kk}, ${h});`, `z${i} += dot(b${kk}, ${h});`, `n${i} += dot(c${kk}, ${h});`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

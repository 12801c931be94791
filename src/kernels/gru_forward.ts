import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/gru_rows.wgsl?raw';
import body from '../../shaders/gru_forward.wgsl?raw';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { linearForward } from './linear_forward';
import type { RowLayout } from './linear_tile';
import { gruTiles, gruWeights } from './gru_tuning';
import type { KernelVariants } from '../runtime/recorder';

const source = `${common}\n${body}`;

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
    rec.dispatch({
      kernel: 'gru_forward',
      source,
      defines: {
        ...geo.defines,
        HBUF: 2 * geo.rows * Math.ceil(H / 4),
        WREG: gruWeights(rec.variants, geo.weightVec4s) === 'private',
        HAS_H0: Boolean(t.h0),
        HAS_HN: Boolean(t.hN),
      },
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
      workgroups: [Math.ceil(rowsPerGroup / geo.rows), G],
    });
  }
}

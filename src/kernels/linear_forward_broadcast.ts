import type { KernelVariants, Recorder } from '../runtime/recorder';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_forward_broadcast.wgsl?raw';
import {
  contiguousRows,
  dispatchLinear,
  softwareAdapter,
  starts4,
  type LinearOperands,
  type LinearShape,
} from './linear_tile';

const source = `${common}\n${body}`;

/** The longest shared dimension the broadcast kernel unrolls (its sums are IN × RB generated lines). */
export const BROADCAST_MAX_IN = 64;
/** The same through Wᵀ (linearBackwardInput): the GRU's 3 · 64 gate gradients, in 2-row blocks. */
export const BROADCAST_MAX_IN_TRANSPOSED = 192;
/**
 * Rows per block in workgroup memory, one vec4 accumulator each: 4 for long sums (8 spilled at 64 inputs,
 * measured slower), 8 where the sums are short and the block's loads and barriers weigh more (≤ 32 inputs),
 * 2 past 64 (the transposed sums up to 192: fewer generated lines to compile).
 */
function rowsPerBlock(inF: number): number {
  return inF <= 32 ? 8 : inF <= 64 ? 4 : 2;
}
/** Workgroups the rows are cut into, over all groups and output blocks: enough for the software adapter's cores. */
const TARGET_WORKGROUPS = 8;

/**
 * Whether linearForward takes the broadcast kernel (shaders/linear_forward_broadcast.wgsl): on the software
 * adapter, where 4 ≤ inF ≤ BROADCAST_MAX_IN, outF ≥ 16, and every row read or written is aligned to 4 floats
 * (`aligned`: starts4 over X's, W's and Y's offsets and strides, inF and outF); `transposed` (W stored
 * [inF, outF]: linearBackwardInput) allows inF up to BROADCAST_MAX_IN_TRANSPOSED. `variants.chosen`
 * 'linear.broadcast' forces it ('on', where those shapes hold, on any adapter — where linearForward has not taken the blocked
 * kernel first) or not ('off').
 */
export function useBroadcastLinear(
  variants: KernelVariants,
  s: LinearShape,
  aligned: boolean,
  transposed = false,
): boolean {
  const forced = variants.chosen.get('linear.broadcast');
  if (
    forced === 'off' ||
    !aligned ||
    s.inF < 4 ||
    s.inF > (transposed ? BROADCAST_MAX_IN_TRANSPOSED : BROADCAST_MAX_IN) ||
    s.outF < 16 ||
    s.groups > 65535
  )
    return false;
  return forced === 'on' || softwareAdapter(variants);
}

/** Whether the operands' rows all start at multiples of 4 floats (useBroadcastLinear's `aligned`). */
export function broadcastAligned(s: LinearShape, t: LinearOperands): boolean {
  const xr = t.xRows ?? contiguousRows(s.inF);
  const values = [s.inF, s.outF, t.x.offset, xr.blockStride, xr.rowStride, t.w.offset];
  values.push(t.y.offset, t.yLayout?.rowStride ?? s.outF);
  return starts4(values, [t.x.buffer, t.w.buffer, t.y.buffer]);
}

/**
 * linearForward's broadcast kernel (same operands and result); see useBroadcastLinear for when it runs.
 * `transposed`: W is stored [inF, outF] (linearBackwardInput's dX = dY · W, with s the shape seen from dY).
 */
export function linearForwardBroadcast(
  rec: Recorder,
  s: LinearShape,
  t: LinearOperands & { accumulate?: boolean },
  transposed = false,
): void {
  const RB = rowsPerBlock(s.inF);
  const wg = Math.min(64, Math.ceil(s.outF / 4));
  const outBlocks = Math.ceil(s.outF / (4 * wg));
  const blocks = Math.ceil(s.rowsPerGroup / RB);
  const chunks = Math.max(1, Math.min(blocks, Math.ceil(TARGET_WORKGROUPS / (s.groups * outBlocks))));
  dispatchLinear(
    rec,
    {
      kernel: 'linear_forward_broadcast',
      source,
      defines: {
        HAS_BIAS: Boolean(t.b),
        ACCUMULATE: Boolean(t.accumulate),
        IN: s.inF,
        RB,
        WG: wg,
        TRANSPOSED: transposed,
        FILL: transposed ? transposedFill(s.inF) : broadcastFill(s.inF),
        SUMS: broadcastSums(s.inF, RB),
        STORES: broadcastStores(RB),
      },
      buffers: [t.x.buffer, t.w.buffer, t.b?.buffer ?? null, t.y.buffer],
    },
    s,
    t,
    { rows: s.rowsPerGroup, cols: s.outF, workgroups: [chunks, s.groups, outBlocks] },
  );
}

/**
 * FILL: wp[i] = (W[o0, i], W[o0 + 1, i], W[o0 + 2, i], W[o0 + 3, i]) for every input i, from vec4 rows of W
 * (w0..w3 index the 4 outputs' rows), constant indices into wp.
 */
export function broadcastFill(inF: number): string {
  const lines: string[] = [];
  for (let k = 0; k < inF / 4; k++) {
    lines.push(
      `{ let v0 = W4[w0 + ${k}u]; let v1 = W4[w1 + ${k}u]; let v2 = W4[w2 + ${k}u]; let v3 = W4[w3 + ${k}u];`,
    );
    for (const [e, c] of ['x', 'y', 'z', 'w'].entries())
      lines.push(`  wp[${4 * k + e}] = vec4<f32>(v0.${c}, v1.${c}, v2.${c}, v3.${c});`);
    lines.push('}');
  }
  return lines.join('\n  ');
}

/** FILL for W stored [inF, outF]: wp[i] = W[i, o0 .. o0 + 3], one vec4 load each (wc: o0's vec4, ws: a row's). */
export function transposedFill(inF: number): string {
  return Array.from({ length: inF }, (_, i) => `wp[${i}] = W4[wc + ${i}u * ws];`).join('\n  ');
}

/** SUMS: a0..a{rows−1} (one vec4 per row of the block) = Σ_i xs[r, i] · wp[i], constant indices throughout. */
export function broadcastSums(inF: number, rows: number): string {
  const lines = Array.from({ length: rows }, (_, r) => `var a${r} = vec4<f32>(0.0);`);
  for (let i = 0; i < inF; i++) {
    for (let r = 0; r < rows; r++) lines.push(`a${r} += xs[${r * inF + i}u] * wp[${i}u];`);
  }
  return lines.join('\n    ');
}

/** STORES: each row of the block inside the chunk stores its 4 outputs plus the bias as one vec4. */
export function broadcastStores(rows: number): string {
  return Array.from(
    { length: rows },
    (_, r) => `if (r0 + ${r}u < rEnd) { store4(y + ${r}u * ys, a${r} + bias); }`,
  ).join('\n      ');
}

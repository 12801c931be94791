import type { KernelVariants } from '../runtime/recorder';
import common from '../../shaders/gru_rows.wgsl?raw';
import body from '../../shaders/gru_backward_broadcast.wgsl?raw';
import { softwareAdapter } from './linear_tile';

export const source = `${common}\n${body}`;

/** The largest hidden size gru_backward_broadcast unrolls (its step is 3H · ROWS generated lines). */
export const GRU_BROADCAST_MAX_HIDDEN = 64;
/** Batch rows per workgroup: the step's sums cost the same at 2, 4 or 8 rows, and 2 compiles 4× less code. */
export const GRU_BROADCAST_ROWS = 2;

/**
 * Whether gruBackward takes gru_backward_broadcast (shaders/gru_backward_broadcast.wgsl): on the software
 * adapter, for hidden sizes that are multiples of 4 from 4 to GRU_BROADCAST_MAX_HIDDEN. `variants.chosen`
 * 'gru.broadcast' forces it ('on', where those sizes hold, on any adapter) or not ('off').
 */
export function useBroadcastGruBackward(variants: KernelVariants, hidden: number): boolean {
  const forced = variants.chosen.get('gru.broadcast');
  if (forced === 'off' || hidden % 4 !== 0 || hidden < 4 || hidden > GRU_BROADCAST_MAX_HIDDEN) return false;
  return forced === 'on' || softwareAdapter(variants);
}

/** The kernel's launch geometry and defines for one layer (the flags say which operands are bound). */
export function broadcastBackwardKernel(
  hidden: number,
  rowsPerGroup: number,
  flags: { HAS_DOUT: boolean; HAS_DHN: boolean; HAS_DH0: boolean },
) {
  const rows = Math.min(GRU_BROADCAST_ROWS, rowsPerGroup);
  const hv = hidden / 4;
  return {
    defines: {
      HIDDEN: hidden,
      ROWS: rows,
      WG: hv,
      UNITS: 4,
      MATVEC0: broadcastMatvec(rows, hidden, 0),
      MATVEC1: broadcastMatvec(rows, hidden, 1),
      ...flags,
    },
    blocks: Math.ceil(rowsPerGroup / rows),
  };
}

/**
 * One step's sums for half `half` of sbuf (gru_backward_broadcast.wgsl): for every row i and q < 3H,
 * dh[i] += d(gh)[i, q] · wp[q], with d(gh)[i, q] the component q % 4 of sbuf's vec4 (half, i, q / 4) — constant
 * indices throughout, so SwiftShader loads each d(gh) entry once as a broadcast and each wp[q] as one vector.
 */
export function broadcastMatvec(rows: number, hidden: number, half: 0 | 1): string {
  const q3 = 3 * hidden;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`var c${i} = dh[${i}];`);
  for (let q = 0; q < q3; q++) {
    for (let i = 0; i < rows; i++) {
      const at = ((half * rows + i) * q3 + q) >> 2;
      lines.push(`c${i} = fma(vec4<f32>(sbuf[${at}u].${'xyzw'[q & 3]}), wp[${q}u], c${i});`);
    }
  }
  lines.push(`dh = array<vec4<f32>, ROWS>(${Array.from({ length: rows }, (_, i) => `c${i}`).join(', ')});`);
  return lines.join('\n');
}

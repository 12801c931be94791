import common from '../../shaders/gru_rows.wgsl?raw';
import io from '../../shaders/gru_backward_io.wgsl?raw';
import body from '../../shaders/gru_backward_broadcast.wgsl?raw';
import { broadcastGeometry } from './gru_tuning';

export const source = `${common}\n${io}\n${body}`;

/**
 * gru_backward_broadcast's geometry and defines for one layer (the flags say which operands are bound); gruBackward
 * dispatches it where useBroadcastGru (gru_tuning.ts) says so. Tested with gru_backward in e2e/gru.spec.ts.
 */
export function broadcastBackwardKernel(
  hidden: number,
  rowsPerGroup: number,
  flags: { HAS_DOUT: boolean; HAS_DHN: boolean; HAS_DH0: boolean },
) {
  const geo = broadcastGeometry(hidden, rowsPerGroup);
  return {
    defines: {
      ...geo.defines,
      MATVEC0: backwardMatvec(geo.rows, hidden, 0),
      MATVEC1: backwardMatvec(geo.rows, hidden, 1),
      ...flags,
    },
    blocks: geo.blocks,
  };
}

/**
 * One step's sums for half `half` of sbuf (gru_backward_broadcast.wgsl): for every row i and q < 3H,
 * dh[i] += d(gh)[i, q] · wp[q], with d(gh)[i, q] the component q % 4 of sbuf's vec4 (half, i, q / 4) — constant
 * indices throughout, so SwiftShader loads each d(gh) entry once as a broadcast and each wp[q] as one vector.
 */
export function backwardMatvec(rows: number, hidden: number, half: 0 | 1): string {
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

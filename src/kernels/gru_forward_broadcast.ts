import common from '../../shaders/gru_rows.wgsl?raw';
import io from '../../shaders/gru_forward_io.wgsl?raw';
import body from '../../shaders/gru_forward_broadcast.wgsl?raw';
import { broadcastGeometry } from './gru_tuning';

export const source = `${common}\n${io}\n${body}`;

/**
 * gru_forward_broadcast's geometry and defines for one layer (the flags say which operands are bound); gruForward
 * dispatches it where useBroadcastGru (gru_tuning.ts) says so. Tested with gru_forward in e2e/gru.spec.ts.
 */
export function broadcastForwardKernel(
  hidden: number,
  rowsPerGroup: number,
  flags: { HAS_H0: boolean; HAS_HN: boolean },
) {
  const geo = broadcastGeometry(hidden, rowsPerGroup);
  return {
    defines: {
      ...geo.defines,
      MATVEC0: forwardMatvec(geo.rows, hidden, 0, flags.HAS_H0),
      MATVEC1: forwardMatvec(geo.rows, hidden, 1, flags.HAS_H0),
      ...flags,
    },
    blocks: geo.blocks,
  };
}

/**
 * One step's sums reading half `half` of hbuf (gru_forward_broadcast.wgsl): for every row i and k < H,
 * (ar, az, an)[i] += h[i, k] · (wp[k], wp[H + k], wp[2H + k]), with h[i, k] the component k % 4 of hbuf's vec4
 * (half, i, k / 4) — constant indices throughout: one broadcast of h[i, k] feeds 3 gates × 4 units. Without h0
 * the first step's h is 0 and its sums are skipped.
 */
export function forwardMatvec(rows: number, hidden: number, half: 0 | 1, hasH0: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++)
    lines.push(`var r${i} = vec4<f32>();`, `var z${i} = vec4<f32>();`, `var n${i} = vec4<f32>();`);
  lines.push(hasH0 ? 'if (true) {' : 'if (t > 0u) {');
  for (let k = 0; k < hidden; k++) {
    for (let i = 0; i < rows; i++) {
      const at = ((half * rows + i) * hidden + k) >> 2;
      lines.push(
        `{ let s = vec4<f32>(hbuf[${at}u].${'xyzw'[k & 3]}); r${i} = fma(s, wp[${k}u], r${i}); ` +
          `z${i} = fma(s, wp[${hidden + k}u], z${i}); n${i} = fma(s, wp[${2 * hidden + k}u], n${i}); }`,
      );
    }
  }
  lines.push('}');
  const list = (v: string) => Array.from({ length: rows }, (_, i) => `${v}${i}`).join(', ');
  lines.push(
    `let ar = array<vec4<f32>, ROWS>(${list('r')});`,
    `let az = array<vec4<f32>, ROWS>(${list('z')});`,
    `let an = array<vec4<f32>, ROWS>(${list('n')});`,
  );
  return lines.join('\n');
}

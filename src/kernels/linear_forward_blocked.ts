import type { KernelVariants, Recorder } from '../runtime/recorder';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_forward_blocked.wgsl?raw';
import { dispatchLinear, softwareAdapter, type LinearOperands, type LinearShape } from './linear_tile';

const source = `${common}\n${body}`;

/** Side of the square block of Y one workgroup owns (BM in shaders/linear_forward_blocked.wgsl). */
const BLOCK = 128;

/**
 * Whether linearForward takes the blocked kernel: `variants.chosen` 'linear.blocked' forces it ('on') or the
 * plain one ('off'); otherwise a GPU takes it for problems large enough to fill 128 × 128 blocks (at least
 * 2^18 outputs and 64 shared columns), and the software adapter never does (its barriers and workgroup memory
 * cost more than they save there).
 */
export function useBlockedLinear(variants: KernelVariants, s: LinearShape): boolean {
  const blocks = Math.ceil(s.rowsPerGroup / BLOCK) * Math.ceil(s.outF / BLOCK);
  if (blocks > 65535 || s.groups > 65535) return false;
  const forced = variants.chosen.get('linear.blocked');
  if (forced === 'on' || forced === 'off') return forced === 'on';
  return !softwareAdapter(variants) && s.groups * s.rowsPerGroup * s.outF >= 1 << 18 && s.inF >= 64;
}

/** linearForward's blocked kernel (same operands and result); see useBlockedLinear for when it runs. */
export function linearForwardBlocked(
  rec: Recorder,
  s: LinearShape,
  t: LinearOperands & { accumulate?: boolean },
): void {
  dispatchLinear(
    rec,
    {
      kernel: 'linear_forward_blocked',
      source,
      defines: { HAS_BIAS: Boolean(t.b), ACCUMULATE: Boolean(t.accumulate) },
      buffers: [t.x.buffer, t.w.buffer, t.b?.buffer ?? null, t.y.buffer],
    },
    s,
    t,
    {
      rows: s.rowsPerGroup,
      cols: s.outF,
      workgroups: [Math.ceil(s.rowsPerGroup / BLOCK) * Math.ceil(s.outF / BLOCK), s.groups],
    },
  );
}

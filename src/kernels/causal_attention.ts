import { InputError } from '../runtime/errors';
import type { Defines } from '../runtime/pipelines';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import treeSum from '../../shaders/tree_sum.wgsl?raw';
import body from '../../shaders/causal_attention.wgsl?raw';

const source = `${treeSum}\n${body}`;

/**
 * The longest episode the kernel attends over: a row's weights sit in workgroup memory (two arrays of this
 * many f32 in the key pass, 8 KiB, within the 16 KiB many GPUs give by default).
 */
export const CAUSAL_ATTENTION_MAX_STEPS = 1024;

/** `batch` episodes of `steps` steps; queries and keys `keyDim` wide, values and outputs `valueDim` wide. */
export interface CausalAttentionShape {
  batch: number;
  steps: number;
  keyDim: number;
  valueDim: number;
  /** Multiplies q·k before the softmax; default 1 / sqrt(keyDim). */
  scale?: number;
}

/**
 * Forward operands, rows r = b·steps + t: q, k [batch·steps, keyDim], v and o [batch·steps, valueDim], each
 * with its own row stride (default: contiguous), so that q, k and v can be column blocks of one projection
 * output [batch·steps, 2·keyDim + valueDim] at offsets 0, keyDim, 2·keyDim. lse [batch, steps] is contiguous:
 * the log-sum-exp of each row's scores, which the backward needs.
 */
export interface CausalAttentionForward {
  q: Tensor;
  qStride?: number;
  k: Tensor;
  kStride?: number;
  v: Tensor;
  vStride?: number;
  o: Tensor;
  oStride?: number;
  lse: Tensor;
}

/**
 * Backward operands: the forward's (o and lse as it wrote them), dO [batch·steps, valueDim], and the
 * gradients dq, dk, dv shaped and strided like q, k, v (they may be column blocks of one matrix too).
 */
export interface CausalAttentionBackward extends CausalAttentionForward {
  dO: Tensor;
  dOStride?: number;
  dq: Tensor;
  dqStride?: number;
  dk: Tensor;
  dkStride?: number;
  dv: Tensor;
  dvStride?: number;
}

type Operand = [name: string, t: Tensor, stride: number | undefined, width: number];

/**
 * Checks the shape, then each operand's row stride and that its last row ends inside its buffer (lse as
 * rows of one element).
 */
function check(what: string, s: CausalAttentionShape, operands: Operand[]): void {
  for (const name of ['batch', 'steps', 'keyDim', 'valueDim'] as const) {
    const v = s[name];
    if (!(Number.isInteger(v) && v >= 1))
      throw new InputError(`${what}: ${name} must be an integer ≥ 1, got ${v}`);
  }
  if (s.scale !== undefined && !Number.isFinite(s.scale))
    throw new InputError(`${what}: scale must be a finite number, got ${s.scale}`);
  if (s.steps > CAUSAL_ATTENTION_MAX_STEPS) {
    throw new InputError(
      `${what}: steps is ${s.steps}, at most ${CAUSAL_ATTENTION_MAX_STEPS} fit in the kernel's workgroup memory`,
    );
  }
  const rows = s.batch * s.steps;
  for (const [name, t, given, width] of operands) {
    const stride = given ?? width;
    if (!(Number.isInteger(stride) && stride >= width))
      throw new InputError(`${what}: ${name} row stride must be an integer ≥ ${width}, got ${stride}`);
    const end = t.offset + (rows - 1) * stride + width;
    if (end * 4 > t.buffer.size) {
      throw new InputError(
        `${what}: ${name} needs ${end} elements from the start of its buffer, which holds ${t.buffer.size / 4}`,
      );
    }
  }
}

/**
 * A dispatch may not read a buffer it also writes, nor bind one buffer writable twice (WebGPU validation):
 * say which operands collide, before the device does in less helpful words.
 */
function checkDistinct(what: string, reads: [string, Tensor][], writes: [string, Tensor][]): void {
  for (const [w, tw] of writes) {
    for (const [r, tr] of reads) {
      if (tw.buffer === tr.buffer)
        throw new InputError(`${what}: ${w} must not share a buffer with ${r}, which the same pass reads`);
    }
  }
}

const uniforms = (s: CausalAttentionShape, t: Partial<CausalAttentionBackward>, accumulate: boolean) => {
  const u = new Uint32Array([
    s.steps, s.keyDim, s.valueDim, 0,
    t.q?.offset ?? 0, t.qStride ?? s.keyDim, t.k?.offset ?? 0, t.kStride ?? s.keyDim,
    t.v?.offset ?? 0, t.vStride ?? s.valueDim, t.o?.offset ?? 0, t.oStride ?? s.valueDim,
    t.lse?.offset ?? 0, t.dO?.offset ?? 0, t.dOStride ?? s.valueDim, accumulate ? 1 : 0,
    t.dq?.offset ?? 0, t.dqStride ?? s.keyDim, t.dk?.offset ?? 0, t.dkStride ?? s.keyDim,
    t.dv?.offset ?? 0, t.dvStride ?? s.valueDim, 0, 0,
  ]); // prettier-ignore
  new Float32Array(u.buffer)[3] = s.scale ?? 1 / Math.sqrt(s.keyDim);
  return u;
};

/** The shader's three passes; `sharedDkv` binds dk and dv once when they share a buffer. */
const defines = (pass: 'forward' | 'gradQ' | 'gradKV', sharedDkv = false): Defines => ({
  MAX_STEPS: CAUSAL_ATTENTION_MAX_STEPS,
  FORWARD: pass === 'forward',
  GRAD_Q: pass === 'gradQ',
  GRAD_KV: pass === 'gradKV',
  SHARED_DKV: sharedDkv,
});

const forwardOperands = (s: CausalAttentionShape, t: CausalAttentionForward): Operand[] => [
  ['q', t.q, t.qStride, s.keyDim],
  ['k', t.k, t.kStride, s.keyDim],
  ['v', t.v, t.vStride, s.valueDim],
  ['o', t.o, t.oStride, s.valueDim],
  ['lse', t.lse, 1, 1],
];

/**
 * o_t = Σ_{s≤t} softmax_s(scale · q_t·k_s) v_s within each episode, and lse_t (shaders/causal_attention.wgsl).
 * One dispatch, a workgroup per (step, episode).
 */
export function causalAttentionForward(
  rec: Recorder,
  s: CausalAttentionShape,
  t: CausalAttentionForward,
): void {
  const what = 'causalAttentionForward';
  check(what, s, forwardOperands(s, t));
  checkDistinct(
    what,
    [['q', t.q], ['k', t.k], ['v', t.v]],
    [['o', t.o], ['lse', t.lse]],
  ); // prettier-ignore
  if (t.o.buffer === t.lse.buffer)
    throw new InputError(`${what}: o and lse must be distinct buffers (one pass writes both)`);
  rec.dispatch({
    kernel: 'causal_attention',
    source,
    defines: defines('forward'),
    uniforms: uniforms(s, t, false),
    buffers: [t.q.buffer, t.k.buffer, t.v.buffer, t.o.buffer, t.lse.buffer],
    workgroups: [s.steps, s.batch],
  });
}

/**
 * dq, dk, dv of the forward above from dO (shaders/causal_attention.wgsl). Two dispatches, neither with
 * atomics: a workgroup per query step writes dq, one per key step writes dk and dv. The gradients are
 * written (overwriting what was there), or added to it with `accumulate`.
 */
export function causalAttentionBackward(
  rec: Recorder,
  s: CausalAttentionShape,
  t: CausalAttentionBackward,
  accumulate = false,
): void {
  const what = 'causalAttentionBackward';
  check(what, s, [
    ...forwardOperands(s, t),
    ['dO', t.dO, t.dOStride, s.valueDim],
    ['dq', t.dq, t.dqStride, s.keyDim],
    ['dk', t.dk, t.dkStride, s.keyDim],
    ['dv', t.dv, t.dvStride, s.valueDim],
  ]);
  const reads: [string, Tensor][] = [
    ['q', t.q], ['k', t.k], ['v', t.v], ['o', t.o], ['lse', t.lse], ['dO', t.dO],
  ]; // prettier-ignore
  checkDistinct(what, reads, [
    ['dq', t.dq],
    ['dk', t.dk],
    ['dv', t.dv],
  ]);
  const inputs = [t.q.buffer, t.k.buffer, t.v.buffer, t.o.buffer, t.lse.buffer, t.dO.buffer];
  const u = uniforms(s, t, accumulate);
  // dk and dv often share one gradient matrix; WebGPU refuses two writable bindings of one buffer.
  const shared = t.dk.buffer === t.dv.buffer;
  const pass = (defines: Defines, buffers: (GPUBuffer | null)[]) =>
    rec.dispatch({
      kernel: 'causal_attention',
      source,
      defines,
      uniforms: u,
      buffers: [...inputs, ...buffers],
      workgroups: [s.steps, s.batch],
    });
  pass(defines('gradQ'), [t.dq.buffer]);
  pass(defines('gradKV', shared), [null, t.dk.buffer, shared ? null : t.dv.buffer]);
}

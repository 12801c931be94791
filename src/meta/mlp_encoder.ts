/**
 * The image encoder of the black-box classifier: Linear → ReLU → Linear → ReLU → LayerNorm (no affine weights),
 * PyTorch `nn.Sequential` names encoder.0 / encoder.2. Chosen over a row-GRU or a convnet for the ~1 GFLOP/s
 * software adapter: 784·128 + 128·16 ≈ 0.1 M multiply-adds per image (×3 with backward), no sequential
 * dependency, built from the tiled linear kernels plus the ReLU and LayerNorm kernels. The normalisation
 * centres the embedding (ReLU outputs share a large positive mean, which otherwise drowns the differences a
 * GRU has to compare: measured in BENCHMARKS.md) and writes it straight into the first columns of the GRU
 * input, so no concatenation kernel runs.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';
import { packEntries } from './init';
import type { EncoderBackwardTensors, EncoderForwardTensors } from './encoder_pass';
import { linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { layerNormBackward, layerNormForward } from '../kernels/layer_norm';
import { reluBackward, reluForward } from '../kernels/relu';

export interface MlpEncoderShape {
  inF: number;
  hidden: number;
  embed: number;
}

export function mlpEncoderEntries(s: MlpEncoderShape, base: number): ParamEntry[] {
  const dims: [string, number[]][] = [
    ['encoder.0.weight', [s.hidden, s.inF]],
    ['encoder.0.bias', [s.hidden]],
    ['encoder.2.weight', [s.embed, s.hidden]],
    ['encoder.2.bias', [s.embed]],
  ];
  return packEntries(dims, base);
}

/** Saved activations (and, for training, gradient scratch) for `rows` images. */
export function allocMlpEncoder(gpu: Gpu, s: MlpEncoderShape, rows: number, train: boolean) {
  const acts = {
    pre1: gpu.tensor([rows, s.hidden]),
    act1: gpu.tensor([rows, s.hidden]),
    pre2: gpu.tensor([rows, s.embed]),
    act2: gpu.tensor([rows, s.embed]),
  };
  if (!train) return acts;
  return {
    ...acts,
    dAct2: gpu.tensor([rows, s.embed]),
    dPre2: gpu.tensor([rows, s.embed]),
    dAct1: gpu.tensor([rows, s.hidden]),
    dPre1: gpu.tensor([rows, s.hidden]),
  };
}

type Buffers = ReturnType<typeof allocMlpEncoder>;

const layer = (s: MlpEncoderShape, rows: number, which: 0 | 2) => ({
  groups: 1,
  rowsPerGroup: rows,
  inF: which === 0 ? s.inF : s.hidden,
  outF: which === 0 ? s.hidden : s.embed,
});

/** pixels [rows, inF] → out [rows, embed] with rows `outStride` apart (the GRU input's first columns). */
export function mlpEncoderForward(
  rec: Recorder,
  s: MlpEncoderShape,
  rows: number,
  t: EncoderForwardTensors<Buffers>,
): void {
  const [w0, b0, w2, b2] = t.entries.map((e) => t.params.view(e.offset, e.shape));
  const { pre1, act1, pre2, act2 } = t.bufs;
  linearForward(rec, layer(s, rows, 0), { x: t.pixels, w: w0, b: b0, y: pre1 });
  reluForward(rec, { rows, cols: s.hidden }, { x: pre1, y: act1 });
  linearForward(rec, layer(s, rows, 2), { x: act1, w: w2, b: b2, y: pre2 });
  reluForward(rec, { rows, cols: s.embed }, { x: pre2, y: act2 });
  layerNormForward(rec, { rows, cols: s.embed }, { x: act2, y: t.out, yStride: t.outStride });
}

/** Weight gradients (overwritten) from dL/d(out), read with rows `dOutStride` apart. No gradient to pixels. */
export function mlpEncoderBackward(
  rec: Recorder,
  s: MlpEncoderShape,
  rows: number,
  t: EncoderBackwardTensors<Buffers>,
): void {
  const { pre1, act1, pre2, act2 } = t.bufs;
  const b = t.bufs as Required<Buffers> & { dAct2: Tensor; dPre2: Tensor; dAct1: Tensor; dPre1: Tensor };
  const [dw0, db0, dw2, db2] = t.entries.map((e) => t.grads.view(e.offset, e.shape));
  const w2 = t.params.view(t.entries[2].offset, t.entries[2].shape);
  layerNormBackward(
    rec,
    { rows, cols: s.embed },
    { x: act2, dy: t.dOut, dyStride: t.dOutStride, dx: b.dAct2 },
  );
  reluBackward(rec, { rows, cols: s.embed }, { x: pre2, dy: b.dAct2, dx: b.dPre2 });
  linearBackwardWeight(rec, layer(s, rows, 2), { x: act1, dy: b.dPre2, dw: dw2, db: db2 });
  linearBackwardInput(rec, layer(s, rows, 2), { dy: b.dPre2, w: w2, dx: b.dAct1 });
  reluBackward(rec, { rows, cols: s.hidden }, { x: pre1, dy: b.dAct1, dx: b.dPre1 });
  linearBackwardWeight(rec, layer(s, rows, 0), { x: t.pixels, dy: b.dPre1, dw: dw0, db: db0 });
}

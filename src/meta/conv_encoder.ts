/**
 * A small convnet image encoder for the black-box classifier: 3×3 convolutions of stride 2 and padding 1, each
 * followed by ReLU (28 → 14 → 7 → 4 for three layers), then Linear → ReLU → LayerNorm to the embedding, as
 * mlp_encoder.ts ends. A convolution is im2col (shaders/im2col.wgsl) and the tiled linear kernel over patch
 * rows; its backward is the linear kernels' weight and input gradients and col2im. Images and activations
 * are channels-last, so a linear layer's output rows are the next convolution's input pixels.
 * Names: encoder.conv{l}.weight [Cout, Cin, 3, 3] (PyTorch Conv2d layout), encoder.conv{l}.bias,
 * encoder.fc.weight [E, side·side·C] (inputs in (y, x, channel) order, unlike PyTorch's flatten), encoder.fc.bias.
 * Cost with channels 16, 32, 32: ≈ 0.43 M multiply-adds per image, 4× the MLP's; it generalises better to
 * unseen alphabets (translation-tolerant features; BENCHMARKS.md, Omniglot).
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';
import { packEntries } from './init';
import type { EncoderBackwardTensors, EncoderForwardTensors } from './encoder_pass';
import { col2im, convOut, im2col } from '../kernels/im2col';
import { linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { layerNormBackward, layerNormForward } from '../kernels/layer_norm';
import { reluBackward, reluForward } from '../kernels/relu';

export interface ConvEncoderShape {
  /** Image side (28). */
  size: number;
  /** Output channels of each convolution. */
  channels: number[];
  embed: number;
}

interface Layer {
  side: number;
  out: number;
  cin: number;
  cout: number;
}

function layers(s: ConvEncoderShape): Layer[] {
  let side = s.size;
  return s.channels.map((cout, l) => {
    const out = convOut(side, 2);
    const layer = { side, out, cin: l ? s.channels[l - 1] : 1, cout };
    side = out;
    return layer;
  });
}

/** Inputs of the final linear layer: the last convolution's output, flattened. */
const flat = (s: ConvEncoderShape) => {
  const last = layers(s).at(-1)!;
  return last.out * last.out * last.cout;
};

export function convEncoderEntries(s: ConvEncoderShape, base: number): ParamEntry[] {
  const dims: [string, number[]][] = [
    ...layers(s).flatMap((L, l): [string, number[]][] => [
      [`encoder.conv${l}.weight`, [L.cout, L.cin, 3, 3]],
      [`encoder.conv${l}.bias`, [L.cout]],
    ]),
    ['encoder.fc.weight', [s.embed, flat(s)]],
    ['encoder.fc.bias', [s.embed]],
  ];
  return packEntries(dims, base);
}

/**
 * U(±bound) of each entry: He-uniform weights, the first layer's fan-in scaled by the mean squared pixel m2;
 * biases as PyTorch's default, U(±1/√fan-in). Not 0: an all-background patch (most of them) would then sit
 * exactly on ReLU's kink, where the gradient is one-sided.
 */
export function convEncoderInit(s: ConvEncoderShape, name: string, m2: number): number {
  const l = name.startsWith('encoder.fc') ? -1 : Number(name.match(/conv(\d+)/)![1]);
  const fanIn = l < 0 ? flat(s) : layers(s)[l].cin * 9;
  if (name.endsWith('bias')) return 1 / Math.sqrt(fanIn);
  return Math.sqrt(6 / (fanIn * (l === 0 ? m2 : 1)));
}

export function allocConvEncoder(gpu: Gpu, s: ConvEncoderShape, rows: number, train: boolean) {
  const ls = layers(s);
  const per = (L: Layer) => rows * L.out * L.out;
  const bufs = {
    cols: ls.map((L) => gpu.tensor([per(L), L.cin * 9])),
    pre: ls.map((L) => gpu.tensor([per(L), L.cout])),
    act: ls.map((L) => gpu.tensor([per(L), L.cout])),
    preF: gpu.tensor([rows, s.embed]),
    actF: gpu.tensor([rows, s.embed]),
    grad: train
      ? {
          dAct: ls.map((L) => gpu.tensor([per(L), L.cout])),
          dPre: ls.map((L) => gpu.tensor([per(L), L.cout])),
          dCols: ls.map((L, l) => (l ? gpu.tensor([per(L), L.cin * 9]) : null)),
          dActF: gpu.tensor([rows, s.embed]),
          dPreF: gpu.tensor([rows, s.embed]),
        }
      : null,
  };
  return bufs;
}

export type ConvEncoderBuffers = ReturnType<typeof allocConvEncoder>;

/** Every tensor of the buffers, to release. */
export function convEncoderTensors(b: ConvEncoderBuffers): Tensor[] {
  const g = b.grad;
  const grads = g ? [...g.dAct, ...g.dPre, ...g.dCols.filter((t): t is Tensor => !!t), g.dActF, g.dPreF] : [];
  return [...b.cols, ...b.pre, ...b.act, b.preF, b.actF, ...grads];
}

const weights = (params: Tensor, entries: ParamEntry[], l: number | 'fc') => {
  const name = l === 'fc' ? 'encoder.fc' : `encoder.conv${l}`;
  const w = entries.find((e) => e.name === `${name}.weight`)!;
  const b = entries.find((e) => e.name === `${name}.bias`)!;
  return {
    w: params.view(w.offset, [w.shape[0], w.size / w.shape[0]]),
    b: params.view(b.offset, b.shape),
  };
};

/** pixels [rows, size²] → out [rows, embed] with rows `outStride` apart. */
export function convEncoderForward(
  rec: Recorder,
  s: ConvEncoderShape,
  rows: number,
  t: EncoderForwardTensors<ConvEncoderBuffers>,
): void {
  const b = t.bufs;
  layers(s).forEach((L, l) => {
    const shape = { batch: rows, height: L.side, width: L.side, channels: L.cin, stride: 2 };
    im2col(rec, shape, { x: l ? b.act[l - 1] : t.pixels, cols: b.cols[l] });
    const { w, b: bias } = weights(t.params, t.entries, l);
    const n = rows * L.out * L.out;
    linearForward(
      rec,
      { groups: 1, rowsPerGroup: n, inF: L.cin * 9, outF: L.cout },
      { x: b.cols[l], w, b: bias, y: b.pre[l] },
    );
    reluForward(rec, { rows: n, cols: L.cout }, { x: b.pre[l], y: b.act[l] });
  });
  const fc = weights(t.params, t.entries, 'fc');
  const F = flat(s);
  linearForward(
    rec,
    { groups: 1, rowsPerGroup: rows, inF: F, outF: s.embed },
    { x: b.act.at(-1)!, w: fc.w, b: fc.b, y: b.preF },
  );
  reluForward(rec, { rows, cols: s.embed }, { x: b.preF, y: b.actF });
  layerNormForward(rec, { rows, cols: s.embed }, { x: b.actF, y: t.out, yStride: t.outStride });
}

/** Weight gradients (overwritten) from dL/d(out), read with rows `dOutStride` apart. No gradient to pixels. */
export function convEncoderBackward(
  rec: Recorder,
  s: ConvEncoderShape,
  rows: number,
  t: EncoderBackwardTensors<ConvEncoderBuffers>,
): void {
  const b = t.bufs;
  const g = b.grad!;
  const ls = layers(s);
  const F = flat(s);
  const fc = weights(t.params, t.entries, 'fc');
  const dfc = weights(t.grads, t.entries, 'fc');
  const fcShape = { groups: 1, rowsPerGroup: rows, inF: F, outF: s.embed };
  layerNormBackward(
    rec,
    { rows, cols: s.embed },
    { x: b.actF, dy: t.dOut, dyStride: t.dOutStride, dx: g.dActF },
  );
  reluBackward(rec, { rows, cols: s.embed }, { x: b.preF, dy: g.dActF, dx: g.dPreF });
  linearBackwardWeight(rec, fcShape, { x: b.act.at(-1)!, dy: g.dPreF, dw: dfc.w, db: dfc.b });
  linearBackwardInput(rec, fcShape, { dy: g.dPreF, w: fc.w, dx: g.dAct.at(-1)! });
  for (let l = ls.length - 1; l >= 0; l--) {
    const L = ls[l];
    const n = rows * L.out * L.out;
    const shape = { groups: 1, rowsPerGroup: n, inF: L.cin * 9, outF: L.cout };
    const { w } = weights(t.params, t.entries, l);
    const d = weights(t.grads, t.entries, l);
    reluBackward(rec, { rows: n, cols: L.cout }, { x: b.pre[l], dy: g.dAct[l], dx: g.dPre[l] });
    linearBackwardWeight(rec, shape, { x: b.cols[l], dy: g.dPre[l], dw: d.w, db: d.b });
    if (l === 0) break;
    linearBackwardInput(rec, shape, { dy: g.dPre[l], w, dx: g.dCols[l]! });
    const im = { batch: rows, height: L.side, width: L.side, channels: L.cin, stride: 2 };
    col2im(rec, im, { dCols: g.dCols[l]!, dx: g.dAct[l - 1] });
  }
}

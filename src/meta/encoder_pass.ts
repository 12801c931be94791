/** What an image encoder's passes (conv_encoder.ts, mlp_encoder.ts) read and write, shared by both. */
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';

/** What an encoder pass reads: the weights (its `entries` in `params`), the pixels and its buffers. */
interface EncoderPass<B> {
  params: Tensor;
  entries: ParamEntry[];
  pixels: Tensor;
  bufs: B;
}
/** Forward: the embedding into `out`, rows `outStride` apart. */
export interface EncoderForwardTensors<B> extends EncoderPass<B> {
  out: Tensor;
  outStride: number;
}
/** Backward: weight gradients into `grads` (overwritten) from dL/d(out), rows `dOutStride` apart. */
export interface EncoderBackwardTensors<B> extends EncoderPass<B> {
  grads: Tensor;
  dOut: Tensor;
  dOutStride: number;
}

/**
 * The black-box classifier's image encoder, either an MLP (mlp_encoder.ts) or a small convnet (conv_encoder.ts),
 * behind one interface: its weights' names and init, its buffers, and its recorded forward and backward.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import type { ParamEntry } from '../layout/gru_layout';
import type { EncoderBackwardTensors, EncoderForwardTensors } from './encoder_pass';
import {
  allocConvEncoder,
  convEncoderBackward,
  convEncoderEntries,
  convEncoderForward,
  convEncoderInit,
  convEncoderTensors,
  type ConvEncoderBuffers,
} from './conv_encoder';
import { allocMlpEncoder, mlpEncoderBackward, mlpEncoderEntries, mlpEncoderForward } from './mlp_encoder';

/** `{ hidden, embed }`: the MLP 784 → hidden → embed; `{ conv, embed }`: stride-2 convolutions of these widths. */
export type EncoderSpec = { hidden: number; embed: number } | { conv: number[]; embed: number };

export interface EncoderBuffers {
  bufs: unknown;
  tensors: Tensor[];
}

export interface ImageEncoder {
  readonly embed: number;
  entries(base: number): ParamEntry[];
  /** U(±bound) init of an entry; m2 is the data's mean squared pixel (the first layer's input scale). */
  initBound(name: string, m2: number): number;
  alloc(gpu: Gpu, rows: number, train: boolean): EncoderBuffers;
  forward(rec: Recorder, rows: number, t: EncoderForwardTensors<EncoderBuffers>): void;
  backward(rec: Recorder, rows: number, t: EncoderBackwardTensors<EncoderBuffers>): void;
}

const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 4096;

export function imageEncoder(spec: EncoderSpec, size: number): ImageEncoder {
  const bad = () =>
    new InputError(
      `encoder must be { hidden, embed } (MLP) or { conv: [channels…], embed } with integers from 1 to 4096, ` +
        `got ${JSON.stringify(spec)}`,
    );
  if (!positive(spec.embed)) throw bad();
  if ('conv' in spec) {
    if (!Array.isArray(spec.conv) || !spec.conv.length || !spec.conv.every(positive)) throw bad();
    const s = { size, channels: spec.conv, embed: spec.embed };
    return {
      embed: spec.embed,
      entries: (base) => convEncoderEntries(s, base),
      initBound: (name, m2) => convEncoderInit(s, name, m2),
      alloc: (gpu, rows, train) => {
        const bufs = allocConvEncoder(gpu, s, rows, train);
        return { bufs, tensors: convEncoderTensors(bufs) };
      },
      forward: (rec, rows, t) =>
        convEncoderForward(rec, s, rows, { ...t, bufs: t.bufs.bufs as ConvEncoderBuffers }),
      backward: (rec, rows, t) =>
        convEncoderBackward(rec, s, rows, { ...t, bufs: t.bufs.bufs as ConvEncoderBuffers }),
    };
  }
  if (!positive(spec.hidden)) throw bad();
  const s = { inF: size * size, hidden: spec.hidden, embed: spec.embed };
  type Bufs = ReturnType<typeof allocMlpEncoder>;
  return {
    embed: spec.embed,
    entries: (base) => mlpEncoderEntries(s, base),
    initBound: (name, m2) =>
      name === 'encoder.0.weight'
        ? Math.sqrt(6 / (s.inF * m2))
        : name === 'encoder.2.weight'
          ? Math.sqrt(6 / s.hidden)
          : 0,
    alloc: (gpu, rows, train) => {
      const bufs = allocMlpEncoder(gpu, s, rows, train);
      return { bufs, tensors: Object.values(bufs) };
    },
    forward: (rec, rows, t) => mlpEncoderForward(rec, s, rows, { ...t, bufs: t.bufs.bufs as Bufs }),
    backward: (rec, rows, t) => mlpEncoderBackward(rec, s, rows, { ...t, bufs: t.bufs.bufs as Bufs }),
  };
}

/**
 * Where each PyTorch `nn.GRU` tensor lives in a GRU's flat parameter buffer. One flat buffer per model lets
 * one Adam dispatch update every weight, and lets checkpoints map 1:1 to state-dict names.
 * Per layer k (input size I_k = k == 0 ? input : hidden), each tensor with a leading [groups] dimension
 * (one weight set per task; groups = 1 for shared weights):
 *   weight_ih_l{k} [groups, 3H, I_k], weight_hh_l{k} [groups, 3H, H], bias_ih_l{k} [groups, 3H], bias_hh_l{k} [groups, 3H]
 * Gate order r, z, n along the 3H axis, as PyTorch stores them.
 */
export interface GruShape {
  layers: number;
  inputSize: number;
  hiddenSize: number;
  /** Number of weight sets (tasks); the batch is split into `groups` contiguous task groups. */
  groups: number;
}

export interface ParamEntry {
  name: string;
  offset: number;
  /** PyTorch shape (without the groups dimension). */
  shape: number[];
  /** Elements per group. */
  size: number;
}

export interface GruLayerOffsets {
  inputSize: number;
  wih: number;
  whh: number;
  bih: number;
  bhh: number;
}

export function gruParamLayout(
  s: GruShape,
  base = 0,
): { entries: ParamEntry[]; layers: GruLayerOffsets[]; size: number } {
  const H = s.hiddenSize;
  const G = s.groups;
  const entries: ParamEntry[] = [];
  const layers: GruLayerOffsets[] = [];
  let offset = base;
  const add = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, offset, shape, size });
    offset += G * size;
    return offset - G * size;
  };
  for (let k = 0; k < s.layers; k++) {
    const I = k === 0 ? s.inputSize : H;
    const wih = add(`weight_ih_l${k}`, [3 * H, I]);
    const whh = add(`weight_hh_l${k}`, [3 * H, H]);
    const bih = add(`bias_ih_l${k}`, [3 * H]);
    const bhh = add(`bias_hh_l${k}`, [3 * H]);
    layers.push({ inputSize: I, wih, whh, bih, bhh });
  }
  return { entries, layers, size: offset - base };
}

/** FLOPs of one forward pass (multiply-add = 2), for GFLOP/s reports. Backward is about twice this. */
export function gruForwardFlops(s: GruShape, batch: number, steps: number): number {
  let f = 0;
  for (let k = 0; k < s.layers; k++) {
    const I = k === 0 ? s.inputSize : s.hiddenSize;
    f += 2 * batch * steps * 3 * s.hiddenSize * (I + s.hiddenSize);
  }
  return f;
}

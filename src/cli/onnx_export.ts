/**
 * A black-box sequence learner's checkpoint as an ONNX model (`metarnn export --format onnx`), so that a trained
 * model runs wherever ONNX Runtime does. The graph takes the user's data as it comes — a support set and query
 * x's, or rows of context values — and does everything the learner does around the GRU inside itself: the
 * step encoding (blackbox.ts, blackbox_forecast.ts, series_windows.ts), one sequence per query, the head on
 * the query steps and the scaling back. Nothing is left to the caller to get wrong.
 * The Omniglot black-box classifier's graph (classifierModel) likewise holds the image encoder, the label
 * binding, the GRU, the head and the attention read; only the support's order and the images' preprocessing
 * (data/user_images.ts) are the caller's, as documented there.
 *
 * ONNX's GRU holds the same weights as PyTorch's in another order: gates z, r, h along the 3H axis where
 * PyTorch (and our flat layout) has r, z, n; `linear_before_reset = 1` is PyTorch's form of the candidate,
 * r ⊙ (W_hn h + b_hn).
 */
import { InputError } from '../runtime/errors';
import { INT64_MAX, OnnxGraph } from '../io/onnx';
import { MEMORY } from '../layout/attention_shape';
import type { RunConfig } from './config_options';

/** Opset 14: GRU with linear_before_reset, Unsqueeze/Squeeze taking their axes as inputs. */
const OPSET = 14;
/** IR version 7 is what ONNX 1.9, the release of opset 14, writes. */
const IR_VERSION = 7;

/** What each exportable task family's graph reads per step. */
const STEP_INPUT: Record<string, number> = {
  'sinusoid/blackbox': 3, // (x/5, y/5, is-support)
  'regression/blackbox': 3, // ((x − xShift)/xScale, (y − yShift)/yScale, is-support)
  'forecast/blackbox': 2, // (v, is-context)
  'series/blackbox': 2, // (standardised v, is-context)
};

/** blackbox.ts's Y_SCALE: the regressor reads x/5, y/5 and predicts y/5. */
const Y_SCALE = 5;

/** The ONNX model of a run: `config` and its weights by PyTorch name (a checkpoint's tensors). */
export function onnxModel(config: RunConfig, tensors: Record<string, Float32Array>): Uint8Array {
  const pair = `${config.task}/${config.learner}`;
  if (pair === 'omniglot/blackbox') return classifierModel(config, tensors);
  const inputSize = STEP_INPUT[pair];
  if (inputSize === undefined) {
    throw new InputError(
      `a ${pair} model has no ONNX export: ONNX export covers the black-box learners ` +
        '(sinusoid, regression, forecast, series and omniglot with --learner blackbox); --format dir exports any model',
    );
  }
  const g = new OnnxGraph(`metarnn_${config.task}_blackbox`);
  const weights = new Weights(g, tensors, config, inputSize);
  if (config.task === 'sinusoid') {
    regressionGraph(g, weights, { xShift: 0, xScale: Y_SCALE, yShift: 0, yScale: Y_SCALE });
  } else if (config.task === 'regression') {
    const { xShift, xScale, yShift, yScale } = config;
    if (xShift === undefined || xScale === undefined || yShift === undefined || yScale === undefined) {
      throw new InputError(`a regression model's config must hold xShift, xScale, yShift and yScale`);
    }
    regressionGraph(g, weights, { xShift, xScale, yShift, yScale });
  } else forecastGraph(g, weights, config.queries, config.task === 'series');
  return g.encode({ opset: OPSET, irVersion: IR_VERSION, producer: 'metarnn' });
}

/** The checkpoint's GRU and head as initializers, checked against the config's shape. */
class Weights {
  readonly hidden: number;
  readonly layers: { W: string; R: string; B: string }[] = [];
  readonly headWeight: string;
  readonly headBias: string;

  /** `outputs`: the head's width (1 for the regressors and forecasters, `ways` for the classifier). */
  constructor(
    g: OnnxGraph,
    tensors: Record<string, Float32Array>,
    c: RunConfig,
    inputSize: number,
    outputs = 1,
  ) {
    const H = c.hidden;
    this.hidden = H;
    const take = checkpointTensors(tensors, c, `a ${c.layers}x${H} GRU`);
    for (let k = 0; k < c.layers; k++) {
      const I = k === 0 ? inputSize : H;
      const w = toOnnxGates(take(`gru.weight_ih_l${k}`, 3 * H * I), H);
      const r = toOnnxGates(take(`gru.weight_hh_l${k}`, 3 * H * H), H);
      const bias = new Float32Array(6 * H);
      bias.set(toOnnxGates(take(`gru.bias_ih_l${k}`, 3 * H), H));
      bias.set(toOnnxGates(take(`gru.bias_hh_l${k}`, 3 * H), H), 3 * H);
      this.layers.push({
        W: g.floats(`gru.W_l${k}`, [1, 3 * H, I], w),
        R: g.floats(`gru.R_l${k}`, [1, 3 * H, H], r),
        B: g.floats(`gru.B_l${k}`, [1, 6 * H], bias),
      });
    }
    this.headWeight = g.floats('head.weight', [outputs, H], take('head.weight', outputs * H));
    this.headBias = g.floats('head.bias', [outputs], take('head.bias', outputs));
  }
}

/** A checker of the checkpoint's tensors by name and size; `what` names the shape that needs the size. */
function checkpointTensors(tensors: Record<string, Float32Array>, c: RunConfig, what: string) {
  return (name: string, size: number): Float32Array => {
    const t = tensors[name];
    if (!t) throw new InputError(`the checkpoint has no ${name}: is it a ${c.task}/${c.learner} run's?`);
    if (t.length !== size)
      throw new InputError(`the checkpoint's ${name} holds ${t.length} values; ${what} needs ${size}`);
    return t;
  };
}

/** Rows of [3H, …] (PyTorch's gates r, z, n, H rows each) in ONNX's order z, r, h. */
function toOnnxGates(t: Float32Array, H: number): Float32Array {
  const block = t.length / 3;
  if (block % H !== 0) throw new Error(`gate block of ${block} values is not a multiple of H = ${H}`);
  const out = new Float32Array(t.length);
  out.set(t.subarray(block, 2 * block), 0); // z
  out.set(t.subarray(0, block), block); // r
  out.set(t.subarray(2 * block), 2 * block); // n (ONNX's h)
  return out;
}

/**
 * The stacked GRU over x [T, B, I] (ONNX's sequence-first layout, from a zero state as our kernels start):
 * every step's output of the last layer [T, B, H] and its last step [B, H].
 */
function gruStack(g: OnnxGraph, w: Weights, x: string): { y: string; last: string } {
  const axis1 = g.int64s('axis_1', [1]);
  const axis0 = g.int64s('axis_0', [0]);
  let input = x;
  let last = '';
  for (const l of w.layers) {
    const attrs = { hidden_size: { i: w.hidden }, linear_before_reset: { i: 1 } };
    const [y, yh] = g.node('GRU', [input, l.W, l.R, l.B], attrs, 2);
    [input] = g.node('Squeeze', [y, axis1]); // [T, 1, B, H] → [T, B, H]
    [last] = g.node('Squeeze', [yh, axis0]); // [1, B, H] → [B, H]
  }
  return { y: input, last };
}

/**
 * sinusoid/blackbox and regression/blackbox: `support` [K, 2] rows (x, y) and `query_x` [Q] → `y` [Q]. Each
 * query is its own sequence — the K support steps (x̃, ỹ, 1), then that query (x̃, 0, 0) — as predict runs it,
 * so predictions do not depend on each other; the batch is the queries. x̃ = (x − xShift) / xScale and
 * ỹ likewise (sinusoid: shift 0, scale 5; regression: the training tasks' statistics in its config).
 */
function regressionGraph(
  g: OnnxGraph,
  w: Weights,
  z: { xShift: number; xScale: number; yShift: number; yScale: number },
): void {
  const support = g.input('support', ['K', 2]);
  const queryX = g.input('query_x', ['Q']);
  const shifts = g.floats('xy_shift', [2], [z.xShift, z.yShift]);
  const scales = g.floats('xy_scale', [2], [z.xScale, z.yScale]);
  const [centred] = g.node('Sub', [support, shifts]);
  const [s] = g.node('Div', [centred, scales]);
  const [sFlagged] = g.node('Pad', [s, g.int64s('pad_flag', [0, 0, 0, 1]), g.floats('one', [], [1])]); // [K, 3]
  const [s3] = g.node('Unsqueeze', [sFlagged, g.int64s('axis_1_support', [1])]); // [K, 1, 3]
  const [qShape] = g.node('Shape', [queryX]);
  const [expandTo] = g.node('Concat', [g.int64s('one_i64', [1]), qShape, 'one_i64'], { axis: { i: 0 } });
  const [supportSteps] = g.node('Expand', [s3, expandTo]); // [K, Q, 3]: the same support for every query
  const [qc] = g.node('Sub', [queryX, g.floats('x_shift', [], [z.xShift])]);
  const [q] = g.node('Div', [qc, g.floats('x_scale', [], [z.xScale])]);
  const [q1] = g.node('Unsqueeze', [q, g.int64s('axes_0_2', [0, 2])]); // [1, Q, 1]
  const [queryStep] = g.node('Pad', [q1, g.int64s('pad_query', [0, 0, 0, 0, 0, 2])]); // [1, Q, 3]: (x/5, 0, 0)
  const [x] = g.node('Concat', [supportSteps, queryStep], { axis: { i: 0 } }); // [K + 1, Q, 3]
  const { last } = gruStack(g, w, x);
  const [h] = g.node('Gemm', [last, w.headWeight, w.headBias], { transB: { i: 1 } }); // [Q, 1]
  const [scaled] = g.node('Mul', [h, g.floats('y_scale', [], [z.yScale])]);
  const [shifted] = g.node('Add', [scaled, g.floats('y_shift', [], [z.yShift])]);
  const [y] = g.node('Squeeze', [shifted, g.int64s('axis_1_head', [1])]);
  g.output(y, 'y', ['Q']);
}

/**
 * forecast/blackbox and series/blackbox: `context` [B, C] → `forecast` [B, P], a row per series. The GRU reads
 * the C context steps (v, 1), then P steps (0, 0), and the head gives one value per query step. A series model
 * reads each row standardised by its own mean and spread (series_windows.ts's standardiser) and predicts the
 * change from the row's last value in that spread: anchor + scale · output.
 */
function forecastGraph(g: OnnxGraph, w: Weights, P: number, standardise: boolean): void {
  const context = g.input('context', ['B', 'C']);
  let values = context;
  let scale = '';
  if (standardise) {
    const axes = { axes: { ints: [1] }, keepdims: { i: 1 } };
    const [mean] = g.node('ReduceMean', [context], axes); // [B, 1]
    const [d] = g.node('Sub', [context, mean]);
    const [d2] = g.node('Mul', [d, d]);
    const [variance] = g.node('ReduceMean', [d2], axes); // population variance, as the standardiser's
    const [sd] = g.node('Sqrt', [variance]);
    const [level] = g.node('Abs', [mean]);
    const [atLeastOne] = g.node('Max', [level, g.floats('one', [], [1])]);
    const [floor] = g.node('Mul', [atLeastOne, g.floats('flat_floor', [], [1e-3])]);
    [scale] = g.node('Max', [sd, floor]); // a flat context's spread is a small share of its level
    [values] = g.node('Div', [d, scale]);
  }
  const [steps] = g.node('Transpose', [values], { perm: { ints: [1, 0] } }); // [C, B]
  const [v] = g.node('Unsqueeze', [steps, g.int64s('axis_2', [2])]); // [C, B, 1]
  const [contextSteps] = g.node('Pad', [
    v,
    g.int64s('pad_flag', [0, 0, 0, 0, 0, 1]),
    g.floats('flag', [], [1]),
  ]); // [C, B, 2]: (v, 1)
  const [shape] = g.node('Shape', [context]);
  const [batch] = g.node('Slice', [shape, g.int64s('zero', [0]), g.int64s('one_i64', [1])]);
  const [queryShape] = g.node('Concat', [g.int64s('horizon', [P]), batch, g.int64s('two', [2])], {
    axis: { i: 0 },
  });
  const [querySteps] = g.node('ConstantOfShape', [queryShape]); // [P, B, 2]: zeros, float by default
  const [x] = g.node('Concat', [contextSteps, querySteps], { axis: { i: 0 } }); // [C + P, B, 2]
  const { y } = gruStack(g, w, x);
  const [queryOut] = g.node('Slice', [
    y,
    g.int64s('minus_horizon', [-P]),
    g.int64s('end', [INT64_MAX]),
    'zero',
  ]);
  const [byRow] = g.node('Transpose', [queryOut], { perm: { ints: [1, 0, 2] } }); // [B, P, H]
  const [wT] = g.node('Transpose', [w.headWeight]); // [H, 1]
  const [mm] = g.node('MatMul', [byRow, wT]);
  const [h] = g.node('Add', [mm, w.headBias]);
  let [out] = g.node('Squeeze', [h, g.int64s('axis_2_head', [2])]); // [B, P]
  if (standardise) {
    const [anchor] = g.node('Slice', [context, g.int64s('last', [-1]), 'end', g.int64s('axis_1_last', [1])]);
    const [change] = g.node('Mul', [out, scale]);
    [out] = g.node('Add', [anchor, change]);
  }
  g.output(out, 'forecast', ['B', P]);
}

/** Omniglot's image side: the classifier's images are 28×28, ink = 1 (data/user_images.ts). */
const IMAGE_SIZE = 28;
/** The encoder's LayerNorm ε (shaders/layer_norm.wgsl). */
const LAYER_NORM_EPS = 1e-5;

/**
 * omniglot/blackbox: `support_images` [K, 28, 28], `support_labels` [K] (int64, 0…ways−1) and `query_images`
 * [Q, 28, 28] (ink = 1, paper = 0, as data/user_images.ts makes them) → `logits` [Q, ways] and
 * `probabilities` [Q, ways]. As predict runs it, each query is its own sequence — the K support steps in the
 * order given, then that query — so queries do not see each other; the batch is the queries. Inside: the
 * image encoder (conv or MLP, batched over all K + Q images), the label binding (paired or delayed labels,
 * shaders/label_bind.wgsl), the GRU, the head on the last step, and the attention read over every step's
 * output for `memory: attention` (attention_memory.ts), added into the logits. `probabilities` is the
 * softmax over the labels present in support_labels (0 for the others), as predict's maskedSoftmax.
 * Left to the caller, as predict does it: the support's order (predict lets classes take turns — each
 * class's first image, then each one's second, …; with one image per class in label order that is 0, 1, …)
 * and the images' preprocessing.
 */
function classifierModel(c: RunConfig, tensors: Record<string, Float32Array>): Uint8Array {
  const N = c.ways;
  const spec = encoderSpec(c, tensors);
  const E = spec.embed;
  const I = E + N + N * E; // kernels/label_bind.ts labelBindWidth
  const g = new OnnxGraph('metarnn_omniglot_blackbox');
  const take = checkpointTensors(tensors, c, `a ${N}-way classifier with the ${c.encoder ?? 'conv'} encoder`);
  const w = new Weights(g, tensors, c, I, N);
  const px = IMAGE_SIZE;
  const supportImages = g.input('support_images', ['K', px, px]);
  const supportLabels = g.input('support_labels', ['K'], 'int64');
  const queryImages = g.input('query_images', ['Q', px, px]);
  const [images] = g.node('Concat', [supportImages, queryImages], { axis: { i: 0 } }); // [K + Q, 28, 28]
  const embedded = 'conv' in spec ? convEncoder(g, take, images, spec) : mlpEncoder(g, take, images, spec);
  const emb = layerNorm(g, embedded); // [K + Q, E]

  // The support's and the queries' embeddings: rows 0…K−1 and K…K+Q−1.
  const [supportShape] = g.node('Shape', [supportImages]);
  const zero = g.int64s('zero_start', [0]);
  const [k] = g.node('Slice', [supportShape, zero, g.int64s('one_end', [1])]); // [1]: K
  const [supportEmb] = g.node('Slice', [emb, zero, k, zero]); // [K, E]
  const [queryEmb] = g.node('Slice', [emb, k, g.int64s('to_end', [INT64_MAX]), zero]); // [Q, E]

  // Each support step's label part: its one-hot label and the bound block onehot ⊗ embedding [K, N + N·E].
  const [oneHot] = g.node(
    'OneHot',
    [supportLabels, g.int64s('ways', [N], []), g.floats('off_on', [2], [0, 1])],
    {
      axis: { i: -1 },
    },
  ); // [K, N]
  const [oh3] = g.node('Unsqueeze', [oneHot, g.int64s('axis_2_onehot', [2])]); // [K, N, 1]
  const [e3] = g.node('Unsqueeze', [supportEmb, g.int64s('axis_1_emb', [1])]); // [K, 1, E]
  const [outer] = g.node('Mul', [oh3, e3]); // [K, N, E]: block k holds the embedding when the label is k
  const [bound] = g.node('Reshape', [outer, g.int64s('flat_bound', [0, N * E])]); // [K, N·E]
  const [labelPart] = g.node('Concat', [oneHot, bound], { axis: { i: 1 } }); // [K, N + N·E]
  // Paired: step t shows support t's label (the query step none); delayed: step t shows support t − 1's.
  const paired = c.labels === 'paired';
  const padLabel = paired ? [0, 0, 1, 0] : [1, 0, 0, 0];
  const [labelSteps] = g.node('Pad', [labelPart, g.int64s('pad_label_steps', padLabel)]); // [K + 1, N + N·E]

  // The sequences, sequence-first: [K + 1, Q, I], one per query, the same support in each.
  const [queryShape] = g.node('Shape', [queryImages]);
  const [q] = g.node('Slice', [queryShape, zero, 'one_end']); // [1]: Q
  const [supportSteps] = g.node('Unsqueeze', [supportEmb, 'axis_1_emb']); // [K, 1, E]
  const [expandEmb] = g.node('Concat', [g.int64s('one_dim', [1]), q, g.int64s('embed_dim', [E])], {
    axis: { i: 0 },
  });
  const [supportSeq] = g.node('Expand', [supportSteps, expandEmb]); // [K, Q, E]
  const [querySeq] = g.node('Unsqueeze', [queryEmb, 'zero_start']); // [1, Q, E]
  const [embSeq] = g.node('Concat', [supportSeq, querySeq], { axis: { i: 0 } }); // [K + 1, Q, E]
  const [labels3] = g.node('Unsqueeze', [labelSteps, 'axis_1_emb']); // [K + 1, 1, N + N·E]
  const [expandLabels] = g.node('Concat', ['one_dim', q, g.int64s('label_dim', [N + N * E])], {
    axis: { i: 0 },
  });
  const [labelSeq] = g.node('Expand', [labels3, expandLabels]); // [K + 1, Q, N + N·E]
  const [x] = g.node('Concat', [embSeq, labelSeq], { axis: { i: 2 } }); // [K + 1, Q, I]

  const { y, last } = gruStack(g, w, x);
  let [logits] = g.node('Gemm', [last, w.headWeight, w.headBias], { transB: { i: 1 } }); // [Q, N]
  if (c.memory === 'attention') logits = attentionRead(g, take, c.hidden, N, y, logits);
  g.output(logits, 'logits', ['Q', N]);

  // predict's maskedSoftmax: labels absent from the support get 0.
  const [present] = g.node('ReduceMax', [oneHot], { axes: { ints: [0] }, keepdims: { i: 0 } }); // [N]: 1 or 0
  const [absent] = g.node('Sub', [present, g.floats('one_f', [], [1])]); // 0 or −1
  const [penalty] = g.node('Mul', [absent, g.floats('big', [], [1e30])]);
  const [masked] = g.node('Add', [logits, penalty]);
  const [probabilities] = g.node('Softmax', [masked], { axis: { i: 1 } });
  g.output(probabilities, 'probabilities', ['Q', N]);
  return g.encode({ opset: OPSET, irVersion: IR_VERSION, producer: 'metarnn' });
}

type Take = ReturnType<typeof checkpointTensors>;

/**
 * The encoder's widths, read off the checkpoint (ENCODERS in classifier_config.ts names them, but the weights
 * are what the graph must fit): the conv encoder's channels from its conv biases, the MLP's hidden width.
 */
function encoderSpec(
  c: RunConfig,
  tensors: Record<string, Float32Array>,
): { conv: number[]; embed: number } | { hidden: number; embed: number } {
  const size = (name: string) => {
    const t = tensors[name];
    if (!t) throw new InputError(`the checkpoint has no ${name}: is it an omniglot/blackbox run's?`);
    return t.length;
  };
  if ((c.encoder ?? 'conv') === 'mlp')
    return { hidden: size('encoder.0.bias'), embed: size('encoder.2.bias') };
  const conv: number[] = [];
  while (tensors[`encoder.conv${conv.length}.bias`]) conv.push(size(`encoder.conv${conv.length}.bias`));
  if (!conv.length) size('encoder.conv0.bias');
  return { conv, embed: size('encoder.fc.bias') };
}

/**
 * conv_encoder.ts: 3×3 convolutions of stride 2 and padding 1, each followed by ReLU, then Linear → ReLU.
 * The kernels run channels-last, so fc.weight reads the last convolution's output in (y, x, channel) order:
 * the NCHW output is transposed to NHWC before it is flattened.
 */
function convEncoder(
  g: OnnxGraph,
  take: Take,
  images: string,
  spec: { conv: readonly number[]; embed: number },
): string {
  let [h] = g.node('Unsqueeze', [images, g.int64s('axis_1_channel', [1])]); // [B, 1, 28, 28]
  let side = IMAGE_SIZE;
  let cin = 1;
  spec.conv.forEach((cout, l) => {
    const W = g.floats(
      `encoder.conv${l}.weight`,
      [cout, cin, 3, 3],
      take(`encoder.conv${l}.weight`, cout * cin * 9),
    );
    const B = g.floats(`encoder.conv${l}.bias`, [cout], take(`encoder.conv${l}.bias`, cout));
    const attrs = {
      kernel_shape: { ints: [3, 3] },
      pads: { ints: [1, 1, 1, 1] },
      strides: { ints: [2, 2] },
    };
    const [conv] = g.node('Conv', [h, W, B], attrs);
    [h] = g.node('Relu', [conv]);
    side = Math.floor((side - 1) / 2) + 1; // layout/conv_shape.ts convOut
    cin = cout;
  });
  const F = side * side * cin;
  const [nhwc] = g.node('Transpose', [h], { perm: { ints: [0, 2, 3, 1] } });
  const [flat] = g.node('Reshape', [nhwc, g.int64s('flat_conv', [0, F])]); // [B, F]
  const fcW = g.floats('encoder.fc.weight', [spec.embed, F], take('encoder.fc.weight', spec.embed * F));
  const fcB = g.floats('encoder.fc.bias', [spec.embed], take('encoder.fc.bias', spec.embed));
  const [fc] = g.node('Gemm', [flat, fcW, fcB], { transB: { i: 1 } });
  return g.node('Relu', [fc])[0];
}

/** mlp_encoder.ts: the 784 pixels (row-major) → Linear → ReLU → Linear → ReLU. */
function mlpEncoder(
  g: OnnxGraph,
  take: Take,
  images: string,
  spec: { hidden: number; embed: number },
): string {
  const P = IMAGE_SIZE * IMAGE_SIZE;
  const [flat] = g.node('Reshape', [images, g.int64s('flat_pixels', [0, P])]);
  let h = flat;
  for (const [name, inF, outF] of [
    ['encoder.0', P, spec.hidden],
    ['encoder.2', spec.hidden, spec.embed],
  ] as const) {
    const W = g.floats(`${name}.weight`, [outF, inF], take(`${name}.weight`, outF * inF));
    const B = g.floats(`${name}.bias`, [outF], take(`${name}.bias`, outF));
    const [lin] = g.node('Gemm', [h, W, B], { transB: { i: 1 } });
    [h] = g.node('Relu', [lin]);
  }
  return h;
}

/** shaders/layer_norm.wgsl over the last axis of [B, E]: no affine weights, population variance, ε = 1e-5. */
function layerNorm(g: OnnxGraph, x: string): string {
  const axes = { axes: { ints: [1] }, keepdims: { i: 1 } };
  const [mean] = g.node('ReduceMean', [x], axes);
  const [d] = g.node('Sub', [x, mean]);
  const [d2] = g.node('Mul', [d, d]);
  const [variance] = g.node('ReduceMean', [d2], axes);
  const [v] = g.node('Add', [variance, g.floats('layer_norm_eps', [], [LAYER_NORM_EPS])]);
  const [sd] = g.node('Sqrt', [v]);
  return g.node('Div', [d, sd])[0];
}

/**
 * attention_memory.ts on the query step (the last of each sequence): [q | k | v]_s = memory.proj(h_s) for every
 * step s, o = Σ_s softmax_s(q_last·k_s / √KEY) v_s (the query step attends to all steps, itself included), and
 * memory.head(o) added into the head's logits. y: the GRU's outputs [T, Q, H].
 */
function attentionRead(g: OnnxGraph, take: Take, H: number, N: number, y: string, logits: string): string {
  const { key: D, value: V } = MEMORY;
  const width = 2 * D + V;
  const projT = new Float32Array(H * width); // memory.proj.weight [width, H], transposed for MatMul
  const projW = take('memory.proj.weight', width * H);
  for (let o = 0; o < width; o++) for (let i = 0; i < H; i++) projT[i * width + o] = projW[o * H + i];
  const [mm] = g.node('MatMul', [y, g.floats('memory.proj.weight_t', [H, width], projT)]);
  const [proj] = g.node('Add', [mm, g.floats('memory.proj.bias', [width], take('memory.proj.bias', width))]);
  const axis2 = g.int64s('axis_2_memory', [2]);
  const cols = (name: string, from: number, to: number) =>
    g.node('Slice', [proj, g.int64s(`${name}_from`, [from]), g.int64s(`${name}_to`, [to]), axis2])[0];
  const keys = cols('keys', D, 2 * D); // [T, Q, D]
  const values = cols('values', 2 * D, width); // [T, Q, V]
  const [lastStep] = g.node('Slice', [
    proj,
    g.int64s('last_step', [-1]),
    g.int64s('last_step_end', [INT64_MAX]),
    g.int64s('axis_0_memory', [0]),
  ]); // [1, Q, width]
  const [query] = g.node('Slice', [lastStep, g.int64s('query_from', [0]), g.int64s('query_to', [D]), axis2]);
  const [qk] = g.node('Mul', [keys, query]); // [T, Q, D]
  const [dots] = g.node('ReduceSum', [qk, axis2], { keepdims: { i: 1 } }); // [T, Q, 1]
  const [scores] = g.node('Mul', [dots, g.floats('attention_scale', [], [1 / Math.sqrt(D)])]);
  const [weights] = g.node('Softmax', [scores], { axis: { i: 0 } }); // over the steps
  const [weighted] = g.node('Mul', [weights, values]); // [T, Q, V]
  const [read] = g.node('ReduceSum', [weighted, 'axis_0_memory'], { keepdims: { i: 0 } }); // [Q, V]
  const headW = g.floats('memory.head.weight', [N, V], take('memory.head.weight', N * V));
  const headB = g.floats('memory.head.bias', [N], take('memory.head.bias', N));
  const [extra] = g.node('Gemm', [read, headW, headB], { transB: { i: 1 } });
  return g.node('Add', [logits, extra])[0];
}

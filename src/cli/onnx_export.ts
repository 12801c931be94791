/**
 * A black-box sequence learner's checkpoint as an ONNX model (`metarnn export --format onnx`), so that a trained
 * model runs wherever ONNX Runtime does. The graph takes the user's data as it comes — a support set and query
 * x's, or rows of context values — and does everything the learner does around the GRU inside itself: the
 * step encoding (blackbox.ts, blackbox_forecast.ts, series_windows.ts), one sequence per query, the head on
 * the query steps and the scaling back. Nothing is left to the caller to get wrong.
 *
 * ONNX's GRU holds the same weights as PyTorch's in another order: gates z, r, h along the 3H axis where
 * PyTorch (and our flat layout) has r, z, n; `linear_before_reset = 1` is PyTorch's form of the candidate,
 * r ⊙ (W_hn h + b_hn).
 */
import { InputError } from '../runtime/errors';
import { INT64_MAX, OnnxGraph } from '../io/onnx';
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
  const inputSize = STEP_INPUT[pair];
  if (inputSize === undefined) {
    throw new InputError(
      `a ${pair} model has no ONNX export: ONNX export covers the black-box sequence learners ` +
        '(sinusoid, regression, forecast and series with --learner blackbox); --format dir exports any model',
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

  constructor(g: OnnxGraph, tensors: Record<string, Float32Array>, c: RunConfig, inputSize: number) {
    const H = c.hidden;
    this.hidden = H;
    const take = (name: string, size: number) => {
      const t = tensors[name];
      if (!t) throw new InputError(`the checkpoint has no ${name}: is it a ${c.task}/${c.learner} run's?`);
      if (t.length !== size) {
        throw new InputError(
          `the checkpoint's ${name} holds ${t.length} values; a ${c.layers}x${H} GRU needs ${size}`,
        );
      }
      return t;
    };
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
    this.headWeight = g.floats('head.weight', [1, H], take('head.weight', H));
    this.headBias = g.floats('head.bias', [1], take('head.bias', 1));
  }
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

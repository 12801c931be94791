/**
 * `metarnn gru`: runs a PyTorch-compatible nn.GRU (batch_first) forward, and backward when given output
 * gradients, on tensors from safetensors files. Everything is validated before the browser starts, and the
 * output is written atomically, so a failure never leaves a partial file.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { InputError } from '../runtime/errors';
import { readTensorsFile, writeFileAtomic } from '../io/files';
import { serialize, type TensorFile, type TensorInput } from '../io/safetensors';
import { withRunner } from './runner';

interface GruOptions {
  weights: string;
  input: string;
  h0?: string;
  gradOutput?: string;
  out: string;
}

const WEIGHT_NAME = /^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)$/;

/**
 * Layers, input and hidden size from a state dict: L = number of weight_ih_l{k}, 3H and I from
 * weight_ih_l0. Every tensor is then checked against the shape those imply.
 */
function gruShapeFromWeights(w: TensorFile): { shape: GruShape; params: Float32Array } {
  const wih0 = w.require('weight_ih_l0', [null, null]);
  const [threeH, inputSize] = wih0.shape;
  if (threeH === 0 || threeH % 3 !== 0 || inputSize === 0) {
    throw new InputError(
      `${w.source}: tensor 'weight_ih_l0' has shape [${wih0.shape.join(', ')}], expected [3 * hidden_size, input_size] with both > 0`,
    );
  }
  let layers = 0;
  while (w.tensors.has(`weight_ih_l${layers}`)) layers++;
  for (const name of w.tensors.keys()) {
    const m = WEIGHT_NAME.exec(name);
    if (!m || Number(m[2]) >= layers) {
      const why = name.endsWith('_reverse') ? ' (bidirectional GRUs are not supported)' : '';
      throw new InputError(
        `${w.source}: unexpected tensor '${name}'${why}; expected only weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} for k < ${layers}`,
      );
    }
  }
  const shape: GruShape = { layers, inputSize, hiddenSize: threeH / 3, groups: 1 };
  const layout = gruParamLayout(shape);
  const params = new Float32Array(layout.size);
  for (const e of layout.entries) params.set(w.require(e.name, e.shape).data, e.offset);
  return { shape, params };
}

async function runGru(opts: GruOptions): Promise<void> {
  const out = resolve(opts.out);
  const outDir = dirname(out);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) {
    throw new InputError(`cannot write ${opts.out}: directory ${outDir} does not exist`);
  }
  const { shape, params } = gruShapeFromWeights(readTensorsFile(opts.weights));
  const { layers: L, inputSize: I, hiddenSize: H } = shape;
  const xFile = readTensorsFile(opts.input);
  const x = xFile.require('x', [null, null, I]);
  const [B, T] = x.shape;
  if (B === 0 || T === 0) {
    throw new InputError(
      `${opts.input}: tensor 'x' has shape [${x.shape.join(', ')}], expected batch and sequence length >= 1`,
    );
  }
  const h0 = opts.h0 ? readTensorsFile(opts.h0).require('h0', [L, B, H]) : undefined;
  let gradOutput: TensorInput | undefined;
  let gradHN: TensorInput | undefined;
  if (opts.gradOutput) {
    const g = readTensorsFile(opts.gradOutput);
    if (!g.tensors.has('grad_output') && !g.tensors.has('grad_h_n')) g.require('grad_output'); // names what is missing
    gradOutput = g.tensors.has('grad_output') ? g.require('grad_output', [B, T, H]) : undefined;
    gradHN = g.tensors.has('grad_h_n') ? g.require('grad_h_n', [L, B, H]) : undefined;
  }

  const r = await withRunner((runner) =>
    runner.call('gruRun', {
      ...shape,
      batch: B,
      steps: T,
      params,
      x: x.data,
      h0: h0?.data,
      gradOutput: gradOutput?.data,
      gradHN: gradHN?.data,
    }),
  );

  const tensors = new Map<string, TensorInput>([
    ['output', { shape: [B, T, H], data: r.output }],
    ['h_n', { shape: [L, B, H], data: r.hN }],
  ]);
  if (r.grads && r.gradX && r.gradH0) {
    tensors.set('grad_x', { shape: [B, T, I], data: r.gradX });
    tensors.set('grad_h0', { shape: [L, B, H], data: r.gradH0 });
    for (const e of gruParamLayout(shape).entries) {
      tensors.set(`grad.${e.name}`, { shape: e.shape, data: r.grads.subarray(e.offset, e.offset + e.size) });
    }
  }
  writeFileAtomic(out, serialize(tensors));
}

export function register(program: Command): void {
  program
    .command('gru')
    .description('run an nn.GRU (batch_first) forward, and backward with --grad-output, on safetensors files')
    .requiredOption(
      '--weights <file>',
      'nn.GRU state dict: weight_ih_l{k} [3H, I_k], weight_hh_l{k} [3H, H], bias_ih_l{k}, bias_hh_l{k} [3H]',
    )
    .requiredOption('--input <file>', "input sequence 'x' [B, T, I]")
    .option('--h0 <file>', "initial hidden state 'h0' [L, B, H] (default: zeros)")
    .option(
      '--grad-output <file>',
      "'grad_output' [B, T, H] and/or 'grad_h_n' [L, B, H]: also run the backward pass",
    )
    .requiredOption(
      '--out <file>',
      "output: 'output' [B, T, H], 'h_n' [L, B, H]; with gradients 'grad_x', 'grad_h0', 'grad.<weight>'",
    )
    .action(runGru);
}

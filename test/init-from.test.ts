/**
 * `train --init-from`: a new run that starts from another run's (or a shipped model's) weights. Tensors whose
 * name and size fit are copied, the rest start fresh, and the run starts at step 0 with fresh optimizer state.
 */
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTensorsFile } from '../src/io/files';
import { cli } from './cli_helper';

const tiny = [
  '--task',
  'sinusoid',
  '--learner',
  'blackbox',
  '--hidden',
  '8',
  '--meta-batch',
  '2',
  '--eval-tasks',
  '2',
];

test('a new run starts from the weights of another: copied tensors, step 0, fresh optimizer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-init-'));
  try {
    const a = join(dir, 'a');
    const first = await cli('train', ...tiny, '--steps', '3', '--eval-every', '3', '--out', a);
    expect(first.code, first.stderr).toBe(0);
    // A learning rate of 1e-9: one Adam step moves each weight by about 1e-9, so b ends where a did.
    const b = join(dir, 'b');
    const second = await cli(
      'train', ...tiny, '--steps', '1', '--eval-every', '1', '--lr', '1e-9', '--init-from', a, '--out', b,
    ); // prettier-ignore
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/starting from the weights in .*: \d+ tensors copied/);
    const wa = readTensorsFile(join(a, 'checkpoint.safetensors'));
    const wb = readTensorsFile(join(b, 'checkpoint.safetensors'));
    expect(wb.metadata.get('step')).toBe('1');
    const data = (f: typeof wa, n: string) => f.tensors.get(n)!.data;
    const names = [...wa.tensors.keys()].filter((n) => !n.startsWith('optimizer'));
    expect(names.length).toBeGreaterThan(3);
    for (const n of names) {
      const d = Math.max(...Array.from(data(wa, n), (v, i) => Math.abs(v - data(wb, n)[i])));
      expect(d, n).toBeLessThan(1e-6);
    }
    // Not its optimizer state: b's Adam has taken one step, a's three.
    expect(data(wb, 'optimizer.hyper')).not.toEqual(data(wa, 'optimizer.hyper'));

    const both = await cli('train', ...tiny, '--init-from', a, '--resume', a, '--steps', '9');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--init-from and --resume cannot be combined/);
    const other = await cli(
      'train',
      '--task',
      'sinusoid',
      '--learner',
      'context',
      '--init-from',
      a,
      '--out',
      join(dir, 'c'),
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds a sinusoid\/blackbox model; this run is sinusoid\/context/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

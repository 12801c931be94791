/**
 * `metarnn train --task forecast` end to end: the report carries one panel per held-out series (context, true
 * continuation and the learner's forecast). Two steps of training: this checks the path, not the forecasts.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli_helper';

const count = (s: string, what: string) => s.split(what).length - 1;

test('train --task forecast writes a report with held-out forecast panels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-forecast-'));
  try {
    const out = join(dir, 'run');
    const train = await cli(
      'train', '--task', 'forecast', '--learner', 'blackbox', '--shots', '8', '--queries', '3',
      '--meta-batch', '2', '--hidden', '8', '--steps', '2', '--eval-every', '2', '--eval-tasks', '2',
      '--log-every', '1', '--out', out,
    ); // prettier-ignore
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Held-out forecasting tasks');
    expect(count(html, '<svg')).toBe(2 + 4); // loss and held-out MSE, then four series
    for (let i = 1; i <= 4; i++)
      expect(html).toMatch(
        new RegExp(`held-out series ${i} \\((damped oscillator|AR\\(2\\))\\): 3 steps ahead`),
      );
    // Each forecast line: the last context point and the 3 forecast values, all finite.
    const lines = [
      ...html.matchAll(/<polyline points="([^"]+)"[^>]*stroke-dasharray="5 3"><title>forecast</g),
    ];
    expect(lines).toHaveLength(4);
    for (const [, pts] of lines) {
      const xy = pts.split(' ').map((p) => p.split(',').map(Number));
      expect(xy).toHaveLength(4);
      expect(xy.flat().every(Number.isFinite)).toBe(true);
    }
    expect(html).not.toContain('NaN');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

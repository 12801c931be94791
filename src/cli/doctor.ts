/**
 * `metarnn doctor`: which backend (a browser, or Dawn in Node) and WebGPU adapter metarnn would use, and the
 * limits that decide which models fit. The first thing to run when something does not work.
 */
import type { Command } from 'commander';
import type { FoundBrowser } from './browser';
import type { DoctorReport } from '../protocol/harness';
import { withRunner, type Runner } from './runner';

const HOW_FOUND: Record<FoundBrowser['source'], string> = {
  METARNN_CHROME: 'from $METARNN_CHROME',
  system: 'at a standard install location',
  playwright: "Playwright's downloaded Chromium",
  installed: 'just installed with apt-get',
};

const bytes = (n: number) =>
  n >= 2 ** 30
    ? `${n / 2 ** 30} GiB`
    : n >= 2 ** 20
      ? `${n / 2 ** 20} MiB`
      : n >= 1024
        ? `${n / 1024} KiB`
        : `${n}`;
const BYTE_LIMITS = new Set([
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
]);

const TILE_SOURCE: Record<string, string> = {
  probe: 'timed at start-up',
  cached: "this adapter's earlier probe",
  default: 'the default for this kind of adapter',
};

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show the backend (browser or Dawn), WebGPU adapter, features and limits metarnn would use')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report: DoctorReport & {
        backend: Runner['backend'];
        browser?: Runner['host'];
        dawn?: Runner['host'];
      } = await withRunner(async (runner) => ({
        backend: runner.backend,
        [runner.backend]: runner.host,
        ...(await runner.call('doctor')),
      }));
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      const a = report.adapter;
      const b = report.browser;
      const lines = [
        b
          ? `browser   ${b.path} (${HOW_FOUND[b.source as FoundBrowser['source']]}), version ${b.version}`
          : `backend   Dawn in Node (${report.dawn?.version})`,
        `adapter   ${a.vendor || '?'} / ${a.architecture || '?'}${a.description ? ` — ${a.description}` : ''}` +
          (a.isFallbackAdapter ? ' (fallback adapter: software, expect CPU speed)' : ''),
        `features  ${report.features.join(', ') || 'none'}`,
        `GRU tiles ${report.gruTiles.rows} rows per workgroup, ${report.gruTiles.units} unit${report.gruTiles.units === 1 ? '' : 's'} per thread` +
          (report.gruTiles.backwardUnits && report.gruTiles.backwardUnits !== report.gruTiles.units
            ? ` (${report.gruTiles.backwardUnits} in gru_backward), `
            : ', ') +
          `weights in ${report.gruTiles.weights} memory ` +
          `(${TILE_SOURCE[report.gruTiles.source] ?? report.gruTiles.source})` +
          (report.gruTiles.error ? `; the probe failed: ${report.gruTiles.error}` : '') +
          (report.gruTiles.broadcast
            ? `\n          gru_forward/gru_backward at hidden sizes 4 … ${report.gruTiles.broadcastMaxHidden} in 4s (T > 1): ` +
              'their broadcast forms instead of these tiles (gru.broadcast)'
            : ''),
        ...(report.forced?.length
          ? [`variants  ${report.forced.join(', ')} (forced by METARNN_VARIANTS)`]
          : []),
        'limits',
        ...Object.entries(report.limits).map(
          ([k, v]) => `  ${k.padEnd(36)} ${v}${BYTE_LIMITS.has(k) && v >= 1024 ? ` (${bytes(v)})` : ''}`,
        ),
      ];
      console.log(lines.join('\n'));
    });
}

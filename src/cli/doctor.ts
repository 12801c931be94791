/**
 * `metarnn doctor`: which browser and WebGPU adapter metarnn would use, and the limits that decide which
 * models fit. The first thing to run when something does not work.
 */
import type { Command } from 'commander';
import type { FoundBrowser } from './browser';
import { callHarness, withSession } from './page';

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

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show the browser, WebGPU adapter, features and limits metarnn would use')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await withSession(async (s) => ({
        browser: { path: s.found.path, source: s.found.source, version: s.browser.version() },
        ...(await callHarness(s.page, 'doctor')),
      }));
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      const a = report.adapter;
      const lines = [
        `browser   ${report.browser.path} (${HOW_FOUND[report.browser.source]}), version ${report.browser.version}`,
        `adapter   ${a.vendor || '?'} / ${a.architecture || '?'}${a.description ? ` — ${a.description}` : ''}` +
          (a.isFallbackAdapter ? ' (fallback adapter: software, expect CPU speed)' : ''),
        `features  ${report.features.join(', ') || 'none'}`,
        'limits',
        ...Object.entries(report.limits).map(
          ([k, v]) => `  ${k.padEnd(36)} ${v}${BYTE_LIMITS.has(k) && v >= 1024 ? ` (${bytes(v)})` : ''}`,
        ),
      ];
      console.log(lines.join('\n'));
    });
}

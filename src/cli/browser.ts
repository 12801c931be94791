/**
 * Finds a Chrome/Chromium for the CLI and the tests: $METARNN_CHROME, then the usual install paths, then
 * Playwright's own download (if the user has one). We never download a browser: when none is found, the
 * message says what to install; on Debian/Ubuntu as root we install the distribution's `chromium` package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../runtime/errors';

const CANDIDATES: Record<string, string[]> = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/google-chrome',
    '/opt/google/chrome/chrome',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  ],
};

export interface FoundBrowser {
  path: string;
  source: 'METARNN_CHROME' | 'system' | 'playwright' | 'installed';
}

class BrowserNotFoundError extends InputError {
  override name = 'BrowserNotFoundError';
}

async function playwrightChromium(): Promise<string | null> {
  try {
    const { chromium } = await import('playwright-core');
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function isDebianLike(): boolean {
  try {
    return /ID(_LIKE)?=.*(debian|ubuntu)/.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

export async function findBrowser(
  options: { install?: boolean; log?: (s: string) => void } = {},
): Promise<FoundBrowser> {
  const env = process.env.METARNN_CHROME;
  if (env) {
    if (!existsSync(env))
      throw new BrowserNotFoundError(
        `METARNN_CHROME=${env} does not exist: point it at a Chrome or Chromium executable`,
      );
    return { path: env, source: 'METARNN_CHROME' };
  }
  for (const p of CANDIDATES[process.platform] ?? []) if (existsSync(p)) return { path: p, source: 'system' };
  const pw = await playwrightChromium();
  if (pw) return { path: pw, source: 'playwright' };

  const root = process.getuid?.() === 0;
  if (options.install !== false && process.platform === 'linux' && root && isDebianLike()) {
    options.log?.(
      'metarnn: no Chrome/Chromium found; installing Debian/Ubuntu package "chromium" (apt-get install -y chromium)…',
    );
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit' });
    if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium', source: 'installed' };
  }
  const how =
    process.platform === 'linux'
      ? 'install one: `sudo apt-get install -y chromium` (Debian/Ubuntu), `sudo dnf install chromium` (Fedora), or Google Chrome from google.com/chrome'
      : 'install Google Chrome from google.com/chrome';
  throw new BrowserNotFoundError(
    `metarnn needs Chrome or Chromium (113+, for WebGPU) and found none: ${how}; or set METARNN_CHROME=/path/to/chrome`,
  );
}

/** Launch flags: WebGPU on Linux needs --enable-unsafe-webgpu; the rest keeps a closed network quiet. */
export function browserArgs(extra: string[] = []): string[] {
  const args = [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    ...extra,
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox'); // Chromium refuses to run as root otherwise
  return args;
}

/**
 * Finds a Chrome/Chromium for the CLI and the tests: $METARNN_CHROME, then the usual install paths, then
 * Playwright's own download (if the user has one). We never download a browser, and install one only when
 * the user asks: when none is found, the message says what to install; on Debian/Ubuntu as root,
 * `--install-browser` (or a yes at the prompt, when a person is at the terminal) installs the
 * distribution's `chromium` package with apt-get.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { MetarnnError } from '../runtime/errors';

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

/** No browser to run the GPU work in: the machine lacks one, not the command line (exit 1, not 2). */
class BrowserNotFoundError extends MetarnnError {
  override name = 'BrowserNotFoundError';
  constructor(message: string) {
    super(message, 'browser-not-found');
  }
}

let installAllowed = false;

/** `--install-browser`: when no browser is found, install the distribution's package without asking. */
export function allowBrowserInstall(yes: boolean): void {
  installAllowed = yes;
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

/**
 * `install`: true installs a missing browser where metarnn can (Debian/Ubuntu as root), false never does;
 * absent, `--install-browser` (allowBrowserInstall) decides, else a prompt when a person is at the terminal.
 */
export async function findBrowser(
  options: { install?: boolean; log?: (s: string) => void } = {},
): Promise<FoundBrowser> {
  const env = process.env.METARNN_CHROME;
  if (env) {
    if (!existsSync(env))
      throw new BrowserNotFoundError(
        `METARNN_CHROME=${env} does not exist: point it at a Chrome or Chromium executable (113+, for ` +
          'WebGPU), or unset it to let metarnn look in the usual places',
      );
    return { path: env, source: 'METARNN_CHROME' };
  }
  for (const p of CANDIDATES[process.platform] ?? []) if (existsSync(p)) return { path: p, source: 'system' };
  const pw = await playwrightChromium();
  if (pw) return { path: pw, source: 'playwright' };

  const host = { platform: process.platform, root: process.getuid?.() === 0, debian: isDebianLike() };
  const decision = installDecision({
    canInstall: canInstall(host),
    allowed: options.install ?? installAllowed,
    refused: options.install === false,
    tty: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  });
  if (decision === 'install' || (decision === 'ask' && (await askToInstall()))) {
    options.log?.('metarnn: installing the Debian/Ubuntu package "chromium" (apt-get install -y chromium)…');
    aptInstallChromium();
    // Debian installs /usr/bin/chromium; Ubuntu's package may put it elsewhere on the list.
    for (const p of CANDIDATES.linux) if (existsSync(p)) return { path: p, source: 'installed' };
  }
  throw new BrowserNotFoundError(missingBrowserMessage(host));
}

interface Host {
  platform: string;
  root: boolean;
  debian: boolean;
}

/** metarnn installs a browser only with apt-get, as root, on Debian/Ubuntu. */
const canInstall = (h: Host) => h.platform === 'linux' && h.root && h.debian;

/**
 * What to do when no browser is found: install (the user said --install-browser), ask (a person is at the
 * terminal), or neither. Nothing is installed where metarnn cannot, or when the caller said never.
 */
export function installDecision(o: {
  canInstall: boolean;
  allowed: boolean;
  refused: boolean;
  tty: boolean;
}): 'install' | 'ask' | 'no' {
  if (!o.canInstall || o.refused) return 'no';
  if (o.allowed) return 'install';
  return o.tty ? 'ask' : 'no';
}

/** The error when no browser is found: what to install here, and whether --install-browser would do it. */
export function missingBrowserMessage(h: Host): string {
  let how: string;
  if (h.platform !== 'linux') how = 'install Google Chrome from google.com/chrome';
  else if (!h.debian)
    how =
      "install your distribution's chromium package (Fedora: `sudo dnf install chromium`) or Google Chrome " +
      'from google.com/chrome';
  else if (h.root)
    how =
      'install it with `apt-get install -y chromium`, or run again with --install-browser to let metarnn do it';
  else
    how =
      'install it with `sudo apt-get install -y chromium` (run as root, --install-browser lets metarnn do it)';
  return (
    `metarnn needs Chrome or Chromium (113+, for WebGPU) and found none: ${how}; ` +
    'or set METARNN_CHROME=/path/to/chrome'
  );
}

async function askToInstall(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      'metarnn needs Chrome or Chromium (113+, for WebGPU) and found none. Install the Debian/Ubuntu ' +
        'package "chromium" now (apt-get install -y chromium)? [y/N] ',
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** apt-get's own output goes to stderr: stdout is kept for results (--json). */
function aptInstallChromium(): void {
  const run = (args: string[]) => {
    try {
      execFileSync('apt-get', args, {
        stdio: ['ignore', 2, 2],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (e) {
      const why = (e as { status?: number }).status ?? (e as Error).message;
      throw new MetarnnError(
        `apt-get ${args.join(' ')} failed (${why}): install Chrome or Chromium yourself, or set METARNN_CHROME`,
        'browser-install',
      );
    }
  };
  run(['update', '-q']);
  run(['install', '-y', '-q', 'chromium']);
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

/**
 * The conventions a command-line user expects, on every command: exit code 2 for a usage error and 1 for a
 * failure while running; every option with a default says it in --help; --json is one JSON object on stdout;
 * a browser is installed only when the user asks.
 */
import { expect, test } from '@playwright/test';
import { CommanderError } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installDecision, missingBrowserMessage } from '../src/cli/browser';
import { exitCodeFor } from '../src/cli/exit_codes';
import { FIELDS, optionName } from '../src/io/run_config';
import {
  DeviceLostError,
  InputError,
  LimitError,
  MetarnnError,
  NonFiniteStepsError,
} from '../src/runtime/errors';
import { cli, cliWithEnv } from './cli_helper';

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-conventions-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('exit codes by kind of error: usage 2, failure 1, --help and --version 0', () => {
  expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "unknown option '--x'"))).toBe(2);
  expect(exitCodeFor(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'required'))).toBe(2);
  expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
  expect(exitCodeFor(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
  expect(exitCodeFor(new InputError('--shots "0": expected an integer >= 1'))).toBe(2);
  // An InputError thrown in the page reaches Node as another class with the same code.
  expect(exitCodeFor(new MetarnnError('checkpoint does not fit', 'input'))).toBe(2);
  expect(exitCodeFor(new DeviceLostError('unknown', 'lost for good'))).toBe(1);
  expect(exitCodeFor(new NonFiniteStepsError(4, 3, 3, 3))).toBe(1);
  expect(exitCodeFor(new LimitError('maxBufferSize', 2, 1, 'a GRU'))).toBe(1);
  expect(exitCodeFor(new MetarnnError('cannot start the browser session: …', 'session'))).toBe(1);
  expect(exitCodeFor(new TypeError('x is undefined'))).toBe(1); // a bug
});

test('usage errors exit 2 with one message and start nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--no-such-option'], /unknown option '--no-such-option'/],
    [['train', '--shots', '0'], /^metarnn: --shots "0": expected an integer >= 1$/m],
    [['eval'], /required option '--checkpoint <dir>' not specified/],
    [['eval', '--checkpoint', join(dir, 'none')], /^metarnn: cannot read run .*none: no such directory$/m],
    [['bench', '--peers', 'tfjs-nope'], /^metarnn: --peers: unknown tfjs-nope/m],
    [
      ['bench', '--cases', 'gru-1x64,gru-9x9'],
      /^metarnn: --cases: unknown case "gru-9x9"; allowed: gru-1x64, gru-2x64$/m,
    ],
    [['bench', '--cases', 'gru-1x64,gru-1x64'], /^metarnn: --cases names a case twice/m],
    [
      ['bench', '--out', join(dir, 'no-dir', 'b.json')],
      /^metarnn: cannot write .*b\.json: directory .* does not exist$/m,
    ],
    [['bench', '--json', 'a.json', '--out', 'b.json'], /old spelling of --out FILE/],
    [
      ['bench', '--repeat', '0'],
      /^metarnn: --repeat "0": expected an integer from 1 to 100 \(rounds per case\)$/m,
    ],
    [['bench', '--repeat', '2.5'], /^metarnn: --repeat "2\.5": expected an integer from 1 to 100/m],
    [
      ['bench', '--plot', join(dir, 'no-dir', 'curve.svg')],
      /^metarnn: cannot write .*curve\.svg: directory .* does not exist$/m,
    ],
    [['--backend', 'nope', 'doctor'], /^metarnn: --backend nope: expected one of auto, browser, dawn$/m],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [[], /Usage: metarnn/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(...args);
    expect(r.code, `metarnn ${args.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(want);
    expect(r.stdout, `metarnn ${args.join(' ')}: nothing on stdout`).toBe('');
  }
  for (const ok of [['--help'], ['train', '--help'], ['--version']]) {
    const r = await cli(...ok);
    expect(r.code, ok.join(' ')).toBe(0);
  }
});

test('failures while running exit 1: a browser that will not start, a browser that is not there', async () => {
  // /bin/false is an executable that exits at once: Chromium "would not start".
  const wont = await cliWithEnv({ METARNN_CHROME: '/bin/false' }, '--backend', 'browser', 'doctor');
  expect(wont.code, wont.stderr).toBe(1);
  expect(wont.stderr.trim()).toMatch(/^metarnn: cannot start the browser session: /);
  // A METARNN_CHROME that points nowhere is the user's choice: it is not searched around, nor installed over.
  const none = await cliWithEnv(
    { METARNN_CHROME: join(dir, 'no-chrome') },
    '--install-browser',
    '--backend',
    'browser',
    'doctor',
    '--json',
  );
  expect(none.code, none.stderr).toBe(1);
  expect(none.stdout).toBe('');
  expect(none.stderr.trim()).toMatch(
    /^metarnn: METARNN_CHROME=.*no-chrome does not exist: point it at a Chrome or Chromium executable/,
  );
});

test('a browser is installed only when the user asks: --install-browser, or yes at a terminal prompt', () => {
  const base = { canInstall: true, allowed: false, refused: false, tty: false };
  expect(installDecision(base)).toBe('no');
  expect(installDecision({ ...base, tty: true })).toBe('ask');
  expect(installDecision({ ...base, allowed: true })).toBe('install');
  expect(installDecision({ ...base, allowed: true, canInstall: false })).toBe('no');
  expect(installDecision({ ...base, tty: true, refused: true })).toBe('no');

  const root = missingBrowserMessage({ platform: 'linux', root: true, debian: true });
  expect(root).toMatch(/apt-get install -y chromium.*--install-browser.*METARNN_CHROME/);
  const user = missingBrowserMessage({ platform: 'linux', root: false, debian: true });
  expect(user).toMatch(/sudo apt-get install -y chromium.*as root, --install-browser/);
  const fedora = missingBrowserMessage({ platform: 'linux', root: true, debian: false });
  expect(fedora).toMatch(/dnf install chromium/);
  expect(fedora).not.toMatch(/--install-browser/);
  expect(missingBrowserMessage({ platform: 'darwin', root: false, debian: false })).toMatch(
    /google\.com\/chrome/,
  );
});

/** The help text of each option of a command, by option name, wrapped lines joined. */
function optionHelp(help: string): Map<string, string> {
  const out = new Map<string, string>();
  let current = '';
  for (const line of help.split('\n')) {
    const m = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line);
    if (m) out.set((current = m[1]), line.trim());
    else if (current && /^ {6,}\S/.test(line)) out.set(current, `${out.get(current)} ${line.trim()}`);
    else current = '';
  }
  return out;
}

test('every option with a default says it in --help, on every command; global options show everywhere', async () => {
  const help = async (...cmd: string[]) => {
    const r = await cli(...cmd, '--help');
    expect(r.code).toBe(0);
    return optionHelp(r.stdout);
  };
  const train = await help('train');
  for (const key of Object.keys(FIELDS)) {
    const text = train.get(optionName(key));
    expect(text, `train ${optionName(key)}`).toBeTruthy();
    expect(text, `train ${optionName(key)}`).toMatch(/\((default: .+|required for omniglot.*)\)/);
  }
  expect(train.get('--out')).toMatch(/default: runs\/<task>-<learner>-<time>/);
  expect(train.get('--print-config')).toBeTruthy();
  const trainText = (await cli('train', '--help')).stdout;
  expect(trainText).toContain('--print-config` prints');

  const expected: Record<string, Record<string, RegExp>> = {
    eval: { '--episodes': /default: "600"/ },
    bench: { '--peers': /default: "tfjs-webgpu,tfjs-wasm,tfjs-cpu"/, '--repeat': /default: 3, --quick 2/ },
    start: { '--minutes': /default: "8"/, '--out': /default: "runs\/start"/ },
    gru: { '--h0': /default: zeros/ },
  };
  for (const cmd of ['doctor', 'gru', 'bench', 'train', 'eval', 'start']) {
    const options = cmd === 'train' ? train : await help(cmd);
    for (const [name, want] of Object.entries(expected[cmd] ?? {}))
      expect(options.get(name), `${cmd} ${name}`).toMatch(want);
    expect(options.get('--backend'), `${cmd} --backend`).toMatch(/default: "/);
    expect(options.get('--install-browser'), `${cmd} --install-browser`).toMatch(/install it/);
  }
});

test('train --print-config prints the resolved settings and trains nothing', async () => {
  const out = join(dir, 'printed');
  const r = await cli('train', '--learner', 'maml', '--hidden', '12', '--print-config', '--out', out);
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(r.stdout);
  expect(c).toMatchObject({ task: 'sinusoid', learner: 'maml', hidden: 12, innerSteps: 5, innerLr: 0.05 });
  expect(r.stderr).toBe('');
});

test('doctor --json: one JSON object on stdout, nothing else there', async () => {
  const r = await cli('--backend', 'browser', 'doctor', '--json');
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.adapter).toBeTruthy();
  expect(Object.keys(report.limits).length).toBeGreaterThan(0);
});

/** Runs the `metarnn` CLI as a user does: a child process, its exit code and both output streams. */
import { test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

export function cli(...args: string[]): Promise<Ran> {
  return cliWithEnv({}, ...args);
}

/** `cli` with these environment variables set (or removed, when undefined) over the test's own. */
export function cliWithEnv(env: Record<string, string | undefined>, ...args: string[]): Promise<Ran> {
  return runProcess(process.execPath, [join(ROOT, 'bin/metarnn.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and collects both output streams; npm and npx go through the shell on Windows. */
export function runProcess(
  command: string,
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  return new Promise((ok, fail) => {
    const p = spawn(command, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      shell: process.platform === 'win32',
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

/**
 * `f` on every item, at most `limit` at a time, results in the items' order. For CLI calls that stop before
 * any browser starts (usage errors, `--print-config`): each is mostly Node and tsx starting up, so a few
 * overlap well on two cores where one after another they would add up to most of a minute.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Runs a test child (test/<child>.ts) in Node on Dawn, with Chromium's SwiftShader as the Vulkan driver when
 * none is set, and skips the calling test, saying why, where Dawn finds no adapter (no Vulkan loader).
 */
export async function runDawnChild(
  child: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  const env = {
    ...process.env,
    ...(process.env.VK_ICD_FILENAMES || !existsSync(icd) ? {} : { VK_ICD_FILENAMES: icd }),
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
  };
  const args = ['--import', 'tsx', '--import', './test/raw_register.mjs', join('test', child)];
  const r = await runProcess(process.execPath, args, { cwd: ROOT, env });
  test.skip(
    r.code !== 0 && /no (GPU )?adapter|WebGPU in Node needs|libvulkan/.test(r.stderr),
    `Dawn is not available here: ${r.stderr.trim().split('\n').pop()}`,
  );
  return r;
}

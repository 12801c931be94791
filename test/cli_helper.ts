/** Runs the `metarnn` CLI as a user does: a child process, its exit code and both output streams. */
import { spawn } from 'node:child_process';
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

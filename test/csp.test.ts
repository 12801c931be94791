/**
 * The built pages' Content-Security-Policies (src/protocol/csp.ts): index.html carries its strict policy,
 * and no script it can load — at start, on demand, or as a worker — contains eval, `new Function` or
 * `Function(`; bench.html's scripts do contain TF.js's `Function(` (the check's positive control). The CLI's
 * server sends the same policies as headers. Reads the build the global setup makes (or METARNN_APP_DIR).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { BENCH_CSP, PAGE_CSP } from '../src/protocol/csp';
import { APP_DIR, serveStatic } from '../src/cli/server';

const FORBIDDEN = [
  { name: 'eval(', re: /(?<![\w$.])eval\s*\(/g },
  { name: 'new Function', re: /\bnew\s+Function\b/g },
  // The minifier turns `new Function(src)` into `Function(src)`.
  { name: 'Function(', re: /(?<![\w$.])Function\s*\(/g },
];

/** Every built .js file, by base name. */
function builtScripts(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.js')) out.set(e.name, join(dir, e.name));
    }
  };
  walk(APP_DIR);
  return out;
}

/**
 * The scripts `page` can run: those its HTML names, then every built .js file whose name appears quoted in
 * one of them (static and dynamic imports, `new URL(…, import.meta.url)` workers, preload lists). Matching
 * by name over-approximates, which is the safe side for this check.
 */
function scriptClosure(page: string): Map<string, string> {
  const all = builtScripts();
  const found = new Map<string, string>();
  const visit = (text: string) => {
    for (const m of text.matchAll(/["'`]([^"'`\s]*\.js)["'`]/g)) {
      const name = basename(m[1]);
      const path = all.get(name);
      if (!path || found.has(name)) continue;
      const src = readFileSync(path, 'utf8');
      found.set(name, src);
      visit(src);
    }
  };
  visit(readFileSync(join(APP_DIR, page), 'utf8'));
  return found;
}

function findings(scripts: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [name, src] of scripts) {
    for (const f of FORBIDDEN) {
      for (const m of src.matchAll(f.re)) {
        const at = m.index ?? 0;
        out.push(`${name}: ${f.name} in …${src.slice(Math.max(0, at - 40), at + 40)}…`);
      }
    }
  }
  return out;
}

function metaPolicy(page: string): string | null {
  const html = readFileSync(join(APP_DIR, page), 'utf8');
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/i);
  return m ? m[1].replaceAll('&#39;', "'").replaceAll('&quot;', '"') : null;
}

test("the web page's scripts (all it can load, workers included) hold no eval or new Function", () => {
  const index = scriptClosure('index.html');
  const entry = readFileSync(join(APP_DIR, 'index.html'), 'utf8').match(
    /<script[^>]*src="[^"]*?([^/"]+\.js)"/,
  );
  expect(entry, 'index.html loads a module script').not.toBeNull();
  expect([...index.keys()], 'the closure starts at the entry').toContain(entry![1]);
  expect(index.size, 'the entry imports further chunks').toBeGreaterThan(1);
  expect(findings(index)).toEqual([]);
});

test("the check finds TF.js's Function( in the bench page's scripts (positive control)", () => {
  const bench = findings(scriptClosure('bench.html'));
  expect(bench.length, 'TF.js threaded wasm loader is built with new Function').toBeGreaterThan(0);
  expect(bench.join('\n')).toContain('Function(');
});

test('the built pages carry their policies as <meta>; the harness has none', () => {
  expect(metaPolicy('index.html')).toBe(PAGE_CSP);
  expect(metaPolicy('bench.html')).toBe(BENCH_CSP);
  expect(metaPolicy('harness.html')).toBeNull();
  for (const p of PAGE_CSP.split('; '))
    expect(p, 'no eval or inline code on the web page').not.toMatch(/unsafe/);
  // The policy must come before anything it governs.
  const html = readFileSync(join(APP_DIR, 'index.html'), 'utf8');
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
});

test('the CLI server sends the policies as headers, with frame-ancestors', async () => {
  const server = await serveStatic();
  try {
    const policy = async (path: string) =>
      (await fetch(`${server.url}/${path}`)).headers.get('content-security-policy');
    expect(await policy('index.html')).toBe(`${PAGE_CSP}; frame-ancestors 'self'`);
    expect(await policy('')).toBe(`${PAGE_CSP}; frame-ancestors 'self'`);
    expect(await policy('bench.html')).toBe(`${BENCH_CSP}; frame-ancestors 'self'`);
    expect(await policy('harness.html')).toBeNull();
  } finally {
    await server.close();
  }
});

/**
 * The pages' Content-Security-Policies, in one place shared by the build and the CLI: vite.config.ts writes
 * them into the built pages as <meta http-equiv> (so any static host enforces them) and src/cli/server.ts
 * also sends them as headers.
 *
 * The web page (index.html) may load only its own files: no inline script or style, no eval or
 * `new Function` (test/csp.test.ts scans its bundle), no request to another origin (e2e/page-security.spec.ts
 * records them). WebGPU shaders are not scripts, and uPlot styles elements through the CSSOM, which
 * style-src does not govern. Frames: its own bench.html only (the Bench view's TF.js peers).
 *
 * The bench page (bench.html) runs TF.js 4.22, whose threaded wasm loader is built with `new Function`
 * (vite.config.ts) and starts its workers from blob: URLs: 'unsafe-eval', 'wasm-unsafe-eval' and blob:
 * workers are allowed there, and nowhere else. The harness page is for tests and has no policy.
 */
const common = [
  "default-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];

export const PAGE_CSP = [...common, "script-src 'self'", "worker-src 'self'", "frame-src 'self'"].join('; ');

export const BENCH_CSP = [
  ...common,
  "script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
].join('; ');

/** Policies by page file name; as headers they also get frame-ancestors, which a <meta> policy ignores. */
export const CSP_BY_PAGE: Readonly<Record<string, string>> = {
  'index.html': PAGE_CSP,
  'bench.html': BENCH_CSP,
};

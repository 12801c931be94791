import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
// '.js' (resolved to csp.ts): Vite's coming native config loader needs an extension.
import { CSP_BY_PAGE } from './src/protocol/csp.js';

// Cross-origin isolation headers: TF.js wasm threads (bench) need SharedArrayBuffer.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * TF.js's wasm backend (bench page only) fetches its .wasm binaries at run time, so they must be served from
 * our origin (COEP blocks other origins): copied from node_modules into the build as tfjs-wasm/*.wasm, and
 * served from node_modules under `npm run app`. Never committed.
 *
 * Its threaded build also starts each worker from `factory.toString()`, so the factory's text must stand
 * alone. The minifier breaks that (it drops a `typeof _scriptDir` guard on a variable of the enclosing
 * scope, which the worker lacks: "e is not defined"), so that one module is kept as a string the minifier
 * cannot touch and the factory is built from it, exactly as published.
 */
function tfjsWasm(): Plugin {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  const files = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'tfjs-wasm',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0].endsWith('/wasm-out/tfjs-backend-wasm-threaded-simd.js')) return null;
      const factory = `new Function(${JSON.stringify(`${code}\nreturn WasmBackendModuleThreadedSimd;`)})()`;
      return { code: `export default ${factory};\n`, map: null };
    },
    configureServer(server) {
      server.middlewares.use('/tfjs-wasm', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (!files.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(dir, name)));
      });
    },
    generateBundle(_options, bundle) {
      for (const f of files)
        this.emitFile({ type: 'asset', fileName: `tfjs-wasm/${f}`, source: readFileSync(join(dir, f)) });
      // The npm package leaves TF.js out (package.json "files": assets/tfjs-*, tfjs-wasm/), so no page may
      // load a tfjs chunk before it asks for a peer: only bench/peers.ts's dynamic import may reach it.
      const chunks = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));
      const byName = new Map(chunks.map((c) => [c.fileName, c]));
      for (const entry of chunks.filter((c) => c.isEntry)) {
        const seen = new Set<string>();
        const visit = (fileName: string): void => {
          if (seen.has(fileName)) return;
          seen.add(fileName);
          if (fileName.startsWith(`assets/${TFJS_CHUNK}-`)) {
            this.error(`${entry.fileName} loads ${fileName} statically: TF.js must stay a dynamic import`);
          }
          for (const f of byName.get(fileName)?.imports ?? []) visit(f);
        };
        visit(entry.fileName);
      }
    },
  };
}

/**
 * The trained models in models/ (config.json + checkpoint.safetensors each), served with the page so that it
 * works out of the box: the Adapt view's "Draw your own classes" loads the Omniglot one. Copied into the
 * build as models/<name>/…, served from the repository under `npm run app`.
 */
function shippedModels(): Plugin {
  const root = resolve(import.meta.dirname, 'models');
  const FILES = ['config.json', 'checkpoint.safetensors'];
  const models = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && FILES.every((f) => existsSync(join(root, d.name, f))))
    .map((d) => d.name);
  return {
    name: 'metarnn-models',
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const [name, file] = (req.url ?? '').replace(/^\//, '').split('?')[0].split('/');
        if (!models.includes(name) || !FILES.includes(file)) return next();
        res.end(readFileSync(join(root, name, file)));
      });
    },
    generateBundle() {
      for (const m of models)
        for (const f of FILES)
          this.emitFile({
            type: 'asset',
            fileName: `models/${m}/${f}`,
            source: readFileSync(join(root, m, f)),
          });
    },
  };
}

/** TF.js and what only it uses go to chunks named assets/tfjs-*.js (see tfjsWasm and package.json "files"). */
const TFJS_CHUNK = 'tfjs';

/**
 * Writes each page's Content-Security-Policy (src/protocol/csp.ts) into the built page, first in <head> so
 * that it governs everything after it. Build only: the dev server injects CSS as inline <style> and talks
 * HMR over a websocket, which the policy would block.
 */
function csp(): Plugin {
  return {
    name: 'metarnn-csp',
    apply: 'build',
    transformIndexHtml(_html, ctx) {
      const policy = CSP_BY_PAGE[basename(ctx.filename)];
      if (!policy) return [];
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: policy },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}

export default defineConfig({
  root: 'app',
  plugins: [tfjsWasm(), csp(), shippedModels()],
  base: './',
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: '../dist/app',
    emptyOutDir: true,
    target: 'es2022',
    // The bench page's TF.js chunk (~1.3 MB, loaded on demand, never by the library) is expected to be big.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        codeSplitting: { groups: [{ name: TFJS_CHUNK, test: /[\\/]node_modules[\\/]@tensorflow[\\/]/ }] },
      },
      input: {
        index: resolve(import.meta.dirname, 'app/index.html'),
        harness: resolve(import.meta.dirname, 'app/harness.html'),
        bench: resolve(import.meta.dirname, 'app/bench.html'),
      },
    },
  },
});

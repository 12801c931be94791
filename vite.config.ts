import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Cross-origin isolation headers: TF.js wasm threads (bench) need SharedArrayBuffer.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: 'app',
  base: './',
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: '../dist/app',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'app/index.html'),
        harness: resolve(import.meta.dirname, 'app/harness.html'),
      },
    },
  },
});

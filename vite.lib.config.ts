import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The ESM library (dist/lib/metarnn.js): WGSL sources are inlined as strings, so it runs in any bundler or
// page without loaders. Type declarations come from tsc (tsconfig.lib.json).
export default defineConfig({
  build: {
    outDir: 'dist/lib',
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    lib: { entry: resolve(import.meta.dirname, 'src/index.ts'), formats: ['es'], fileName: 'metarnn' },
  },
});

import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The ESM library (dist/lib/metarnn.js): WGSL sources are inlined as strings, so it runs in any bundler or
// page without loaders. Type declarations come from tsc (tsconfig.lib.json). The source map carries the
// sources themselves (the package ships no src/), so a consumer's debugger shows our TypeScript.
export default defineConfig({
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true, // before tsc writes types/ (npm run build), so no stale declarations ship
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: resolve(import.meta.dirname, 'src/index.ts'), formats: ['es'], fileName: 'metarnn' },
  },
});

import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// The ESM library: `metarnn` (src/index.ts) and `metarnn/node` (src/node.ts, Dawn in Node). One output file
// per source module (preserveModules) with "sideEffects": false in package.json, so a consumer's bundler keeps
// only the modules it imports — a page that only reads checkpoints carries no shader. WGSL sources are inlined
// as strings, so it runs in any bundler or page without loaders; the dependencies stay imports. Type
// declarations come from tsc (tsconfig.lib.json). The source maps carry the sources themselves (the package
// ships no src/), so a consumer's debugger shows our TypeScript.
const external = [...Object.keys(pkg.dependencies), 'webgpu'];
export default defineConfig({
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true, // before tsc writes types/ (npm run build), so no stale declarations ship
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      entry: {
        index: resolve(import.meta.dirname, 'src/index.ts'),
        node: resolve(import.meta.dirname, 'src/node.ts'),
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: (id) => id.startsWith('node:') || external.some((d) => id === d || id.startsWith(`${d}/`)),
      output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' },
    },
  },
});

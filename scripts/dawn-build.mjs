// Builds the single-file ESM bundle that scripts/dawn-run.mjs imports (bench/dawn_entry.ts, WGSL inlined):
//   node scripts/dawn-build.mjs [OUT_DIR]     (default /tmp/dawn-lib) → OUT_DIR/metarnn-dawn.js
// A private output folder, so it never touches dist/lib (vite.lib.config.ts) that others build.
import { resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? '/tmp/dawn-lib');
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    lib: { entry: resolve(root, 'bench/dawn_entry.ts'), formats: ['es'], fileName: 'metarnn-dawn' },
  },
});
console.log(`wrote ${outDir}/metarnn-dawn.js`);

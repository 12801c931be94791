import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

/**
 * The CLI as plain JavaScript for Node (dist/cli/main.js and its lazily loaded chunks), so that the installed
 * package runs without tsx, esbuild or loader hooks. WGSL `?raw` imports are inlined as strings, as in the
 * page and the library. A clone runs src/cli/main.ts through tsx instead (bin/metarnn.js).
 *
 * Chunks sit flat in dist/cli/, one folder below the package root as src/cli/ is, so the paths the CLI finds
 * relative to its own file (../../package.json, ../../dist/app) hold in both.
 */
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};
const RUNTIME = Object.keys(pkg.dependencies);

/**
 * Every package the CLI imports stays an import, resolved from node_modules at run time: so each must be a
 * runtime dependency. A module from node_modules in the bundle means one is missing there.
 */
function onlyRuntimeDependencies(): Plugin {
  return {
    name: 'metarnn-cli-dependencies',
    generateBundle() {
      const bundled = [...this.getModuleIds()].filter((id) => id.includes('/node_modules/'));
      if (bundled.length) {
        this.error(
          `the CLI imports ${bundled[0]}, which is not a runtime dependency: add its package to ` +
            `"dependencies" in package.json (now ${RUNTIME.join(', ')})`,
        );
      }
    },
  };
}

export default defineConfig({
  publicDir: false,
  plugins: [onlyRuntimeDependencies()],
  ssr: { target: 'node', noExternal: true, external: RUNTIME },
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js' } },
  },
});

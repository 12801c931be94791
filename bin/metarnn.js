#!/usr/bin/env node
// The installed package runs the compiled CLI (dist/cli/main.js, plain JavaScript: `npm run build` writes
// it). A clone, where src/ sits beside bin/, runs the TypeScript itself through tsx (a devDependency) and a
// hook for Vite's `?raw` imports (the WGSL shaders), so that edits need no build step.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const [{ register: registerHooks }, { register }] = await Promise.all([
    import('node:module'),
    import('tsx/esm/api'),
  ]);
  register();
  registerHooks('../scripts/wgsl-raw-hooks.mjs', import.meta.url);
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}

// Node module hooks for Vite's `?raw` imports (the WGSL shaders), for bin/metarnn.js in a clone (the installed
// package runs the compiled CLI, with the shaders inlined): the CLI imports library modules such as
// src/meta/trainer.ts (defaults, the learners on offer) to check input before it starts a browser.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('?raw') && context.parentURL) {
    return { url: new URL(specifier, context.parentURL).href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}

// `node --import tsx --import ./test/raw_register.mjs child.ts`: Vite's `?raw` WGSL imports in plain Node,
// as bin/metarnn.js registers them for the CLI in a clone.
import { register } from 'node:module';

register('../scripts/wgsl-raw-hooks.mjs', import.meta.url);

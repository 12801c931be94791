#!/usr/bin/env node
// The CLI is TypeScript run in place: tsx compiles on import, so there is no separate build step for Node.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
registerHooks('./wgsl-raw-hooks.mjs', import.meta.url); // `import src from '…wgsl?raw'`, as Vite does
await import('../src/cli/main.ts');

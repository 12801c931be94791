#!/usr/bin/env node
// The CLI is TypeScript run in place: tsx compiles on import, so there is no separate build step for Node.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

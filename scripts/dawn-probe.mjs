// Prints the adapter Dawn picks (and its features), or fails with exit 1 when there is none:
//   node scripts/dawn-probe.mjs PATH/TO/webgpu/index.js
// The first check in scripts/dawn-device.sh, before any of metarnn is loaded.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { create, globals } = await import(pathToFileURL(resolve(process.argv[2])).href);
Object.assign(globalThis, globals);
const flags = (process.env.METARNN_DAWN_FLAGS ?? '').split(',').filter(Boolean);
const adapter = await create(flags).requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.error('dawn-probe: requestAdapter() returned null');
  process.exit(1);
}
const { vendor, architecture, device, description } = adapter.info;
console.log(
  'dawn-probe:',
  JSON.stringify({ vendor, architecture, device, description, features: [...adapter.features] }),
);
process.exit(0);

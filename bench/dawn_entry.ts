/**
 * The bundle scripts/dawn-run.mjs loads in plain Node through Dawn (the npm package `webgpu`): the library
 * plus the bench plan, the TF.js peers' Node side and the checkpoint encoder, which the library entry
 * (src/index.ts) leaves out. TF.js itself stays out of the bundle: the peers import it at run time from a
 * node_modules/ beside the bundle (scripts/dawn-carry.sh copies it there). Built by scripts/dawn-build.mjs;
 * nothing here runs in the page or the CLI.
 */
export * from '../src/index';
export { CASES, time, median } from './cases';
export { benchOurs, benchMatmul } from './ours';
export { benchThroughput } from './throughput';
export { localTarget } from './local';
export { runBenchPlan } from './run';
export { scalingSvg } from './scaling_svg';
export { benchPeerNode, tfjsMissing } from './tfjs_node';
export { encodeCheckpoint, encodeConfig } from '../src/io/checkpoint';
export { loadOmniglotSources } from '../src/data/omniglot_merge';

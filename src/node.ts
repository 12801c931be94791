/**
 * `metarnn/node`: the library for Node, on Dawn (the npm package `webgpu`, installed beside metarnn).
 *
 *   import { nodeGpu, createLearner, defaultsFor, train } from 'metarnn/node';
 *   const gpu = await nodeGpu();
 *
 * Everything the browser entry exports, plus what sets WebGPU up in Node.
 */
/// <reference types="@webgpu/types" />
export * from './index';
export { DAWN_HELP, loadDawn, nodeGpu, type Dawn } from './runtime/dawn';

/**
 * The Dawn bench with a TF.js peer, in a Node child (test/dawn-bench.test.ts): the bench plan (bench/run.ts)
 * on this process's Dawn device with bench/tfjs_node.ts's peers, as `metarnn --backend dawn bench` wires it
 * (src/cli/bench_command.ts), at a case small enough for the software adapter. Prints the run as JSON.
 */
import { localTarget } from '../bench/local';
import { runBenchPlan } from '../bench/run';
import { benchPeerNode } from '../bench/tfjs_node';
import { nodeGpu } from '../src/runtime/dawn';

const gpu = nodeGpu();
const run = await runBenchPlan(
  localTarget(() => gpu, benchPeerNode),
  {
    cases: [{ name: 'gru-tiny', layers: 1, batch: 2, T: 4, input: 3, hidden: 8 }],
    peers: ['tfjs-webgpu'],
    quick: true,
    rounds: 1,
    runsPerRound: 1,
    matmulSize: 64,
    throughputSeconds: 0,
    log: (line) => console.error(line),
  },
);
(await gpu).destroy();
console.log(JSON.stringify(run));

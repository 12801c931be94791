/**
 * What the test harness page (harness.ts) exposes to the GPU tests as `h.lib`: the public API, plus the
 * internal kernels and helpers that the tests check one by one against their float64 references.
 */
export * from '../src/index';
export { contiguousRows } from '../src/kernels/linear_forward';
export { checkOptimizerSizes, OPTIM_SLOT } from '../src/kernels/grad_norm';
export { ADAM_HYPER_SIZE } from '../src/kernels/adam';
export { SGD_HYPER_SIZE } from '../src/kernels/sgd';
export { specialize } from '../src/runtime/pipelines';
export { groupedLayout } from '../src/layout/group_layout';
export { broadcastGroups, groupAxpy } from '../src/kernels/group_axpy';
export { groupMean } from '../src/kernels/group_mean';
export { groupNorm } from '../src/kernels/group_norm';
export { coordCount, coordWeight, COORD_OPTIMIZERS } from '../src/layout/coord_map';
export { coordOptimStep } from '../src/kernels/coord_optim';
export { loptInput } from '../src/kernels/lopt_input';
export { loptUpdate } from '../src/kernels/lopt_update';
export { loptCredit } from '../src/kernels/lopt_credit';
export { loptFeatures } from '../src/kernels/lopt_features';
export { contextRows, contextStep } from '../src/kernels/context_adapt';
export { forecastWindows, forecastWindowLayout } from '../src/kernels/forecast_windows';
export { sinusoidSequences, sinusoidSequenceLayout } from '../src/kernels/sinusoid_sequences';
export { reluForward, reluBackward } from '../src/kernels/relu';
export { layerNormForward, layerNormBackward } from '../src/kernels/layer_norm';
export { labelBindForward, labelBindBackward } from '../src/kernels/label_bind';
export { rowGather } from '../src/kernels/row_gather';
export { causalAttentionForward, causalAttentionBackward } from '../src/kernels/causal_attention';
export * from '../src/kernels/im2col';
export { omniglotTasks, omniglotGather, packOmniglotTable } from '../src/kernels/omniglot_tasks';

// The library entry: runtime, kernels, meta-learning. See README.md "Library API".
export * from './runtime/errors';
export * from './runtime/gpu';
export * from './runtime/pipelines';
export * from './runtime/pool';
export * from './runtime/recorder';
export * from './runtime/tensor';
export * from './kernels/linear_forward';
export * from './kernels/linear_backward_input';
export * from './kernels/linear_backward_weight';
export * from './kernels/gru_layout';
export * from './kernels/gru_forward';
export * from './kernels/gru_backward';
export * from './kernels/mse_loss';
export * from './kernels/softmax_cross_entropy';
export * from './kernels/grad_norm';
export * from './kernels/adam';
export * from './kernels/sgd';

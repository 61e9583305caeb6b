// The activations the model offers between its layers, by the names configs and model files spell them. The
// fused kernels take them as the codes of ACT (kernels/kernels.ts); the config schema and the model-file reader
// accept exactly these names.

export const ACTIVATIONS = ['tanh', 'sigmoid', 'ReLU'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

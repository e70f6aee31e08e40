/**
 * Layers, initialisation, the seeded RNG and the module/network machinery the generators and
 * discriminators are built from, all with the official PyTorch CycleGAN's semantics.
 *
 * - `rng.ts`: {@link Rng}, xoshiro128** with a saveable state; every random draw goes through it.
 * - `layers.ts`: instance norm (closed-form gradient), batch norm, reflection pad, conv2d with
 *   PyTorch padding, transposed conv, seeded dropout, activations; pure functions over tensors.
 * - `init.ts`: `normal` / `xavier` / `kaiming` / `orthogonal` with PyTorch's fan computation.
 * - `module.ts`: module trees that mirror `nn.Module`, so parameter names are the official
 *   state_dict keys and parameter counts need no allocation.
 * - `network.ts`: {@link instantiate} allocates and initialises a tree as named `tf.Variable`s.
 *
 * ```ts
 * import { tf } from "../tf.ts";
 * import { conv2dModule, instantiate, normModule, reluModule, Rng, sequential } from "./mod.ts";
 * const net = instantiate(
 *   sequential([conv2dModule(3, 8, { kernel: 3, padding: 1 }), normModule("instance", 8),
 *     reluModule()]),
 *   { variant: "demo", rng: new Rng(1), initType: "normal", initGain: 0.02 },
 * );
 * const y = net.apply(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, { training: true });
 * console.log(y.shape, net.numParameters());
 * ```
 * @module
 */
export { Rng, type RngState } from "./rng.ts";
export {
  batchNorm,
  type BatchNormState,
  BN_MOMENTUM,
  conv2d,
  type Conv2dOptions,
  convTranspose2d,
  type ConvTranspose2dOptions,
  dropout,
  instanceNorm,
  instanceNormActivation,
  leakyRelu,
  NORM_EPS,
  type NormActivation,
  reflectionPad,
  relu,
  tanh,
} from "./layers.ts";
export {
  fans,
  INIT_TYPES,
  initConvWeight,
  type InitSpec,
  initStd,
  type InitType,
  orthogonal,
  tfjsShape,
  torchToTfjs,
} from "./init.ts";
export {
  batchNormModule,
  type BufferSpec,
  type CheckpointFn,
  container,
  conv2dModule,
  type ConvModuleOptions,
  convTranspose2dModule,
  type ConvTransposeModuleOptions,
  countParameters,
  describeModule,
  dropoutModule,
  type ForwardContext,
  identityModule,
  instanceNormModule,
  leakyReluModule,
  type Module,
  type NamedBuffer,
  namedBuffers,
  type NamedParam,
  namedParameters,
  NORM_TYPES,
  normModule,
  type NormType,
  type ParamKind,
  type ParamSpec,
  reflectionPadModule,
  reluModule,
  runSequence,
  Scope,
  sequential,
  tanhModule,
  usesBias,
} from "./module.ts";
export {
  type ApplyOptions,
  checkpointed,
  instantiate,
  type InstantiateOptions,
  type Network,
  parameterLine,
} from "./network.ts";

/**
 * cyclebench: reproduce and extend the ablations of CycleGAN (Zhu et al., ICCV 2017) with
 * TensorFlow.js on Deno.
 *
 * This module is the public API: backends (with the fast, exact CPU training kernels), the
 * official networks, losses, image pool, learning-rate schedules and the official training
 * iteration.
 *
 * ```ts
 * import { createCycleGan, Rng, selectBackend, trainStep } from "./mod.ts";
 * import { tf } from "./lib/tf.ts";
 *
 * await selectBackend("auto"); // wasm on a CPU, webgpu on a GPU, tfjs-node when installed
 * const model = createCycleGan({ netG: "resnet_6blocks", ngf: 8, ndf: 8 }, new Rng(0));
 * const a = tf.randomUniform([1, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * const b = tf.randomUniform([1, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * console.log(await trainStep(model, a, b)); // { D_A, G_A, cycle_A, idt_A, D_B, ... }
 * ```
 * @module
 */
/**
 * The tfjs tensor types that appear in this API (import `tf` itself from `lib/tf.ts`, or from
 * `@tensorflow/tfjs-core` after importing this module, which registers every gradient).
 */
export type {
  AdamOptimizer,
  NamedTensorMap,
  Scalar,
  Tensor,
  Tensor1D,
  Tensor3D,
  Tensor4D,
  Variable,
} from "@tensorflow/tfjs-core";
export {
  type ActiveBackend,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendEntry,
  type BackendName,
  type BackendOptions,
  BACKENDS,
  BackendUnavailableError,
  describeBackend,
  resolveAuto,
  selectBackend,
} from "./lib/backend/mod.ts";
export { accumulatedGrads, recompute } from "./lib/backend/memory.ts";
export {
  convTranspose2d,
  type ConvTransposeOptions,
  installTrainingKit,
} from "./lib/backend/kernels/mod.ts";
export { Rng, type RngState } from "./lib/nn/rng.ts";
/** Types of the layer toolkit the networks are built from (modules, parameter specs, init). */
export type * from "./lib/nn/mod.ts";
export type { Probe } from "./lib/backend/types.ts";
/** The zod schema types the registries' option schemas are written in. */
export type { ZodObject, ZodType } from "zod";
export type { Pair } from "./lib/backend/kernels/mod.ts";
export {
  defineG,
  GENERATOR_NAMES,
  type GeneratorEntry,
  type GeneratorName,
  type GeneratorOptions,
  type GeneratorOptionsInput,
  generatorOptionsSchema,
  netG,
} from "./lib/generators/mod.ts";
export {
  defineD,
  DISCRIMINATOR_NAMES,
  type DiscriminatorEntry,
  type DiscriminatorName,
  type DiscriminatorOptions,
  type DiscriminatorOptionsInput,
  netD,
} from "./lib/discriminators/mod.ts";
export {
  cycleLoss,
  gan_mode,
  GAN_MODE_NAMES,
  type GanLoss,
  ganLoss,
  type GanModeName,
  gradientPenalty,
  type GradientPenaltyOptions,
  identityLoss,
  l1Loss,
} from "./lib/losses/mod.ts";
export {
  type ActiveLossTerms,
  type CycleTerms,
  type LossAblation,
  lossTerms,
  PAPER_LOSS_VARIANTS,
  type PaperLossVariant,
  PIX2PIX_GAN_TERMS,
  PIX2PIX_LOSS_VARIANTS,
  type Pix2PixGanTerm,
  type Pix2PixLoss,
  pix2pixLossTerms,
  type Pix2PixLossVariant,
} from "./lib/losses/ablation.ts";
export { ImagePool, type ImagePoolState } from "./lib/image_pool.ts";
export {
  type CosineOptions,
  learningRate,
  type LearningRateOptions,
  type LinearOptions,
  lr_policy,
  type LrPolicy,
  type LrPolicyName,
  type SchedulePosition,
  type ScheduleUnit,
  type StepOptions as StepPolicyOptions,
} from "./lib/train/schedule.ts";
export {
  createCycleGan,
  type CycleGan,
  CYCLEGAN_DEFAULTS,
  type CycleGanOptions,
  disposeCycleGan,
  type GanProbe,
  LOSS_NAMES,
  nonFiniteLosses,
  probeGanSignal,
  setLearningRate,
  type StepLosses,
  type StepOptions,
  trainStep,
} from "./lib/train/cyclegan.ts";
/** The `model` registry (cycle_gan, pix2pix) and the interface the trainer drives them by. */
export {
  createModel,
  createTranslators,
  FOREIGN_KEYS,
  MODEL_NAMES,
  type ModelConfig,
  modelDefaults,
  modelDirections,
  type ModelName,
  needsPairs,
  type TrainModel,
  type Translators,
} from "./lib/train/models.ts";
export {
  createPix2Pix,
  createPix2PixGenerator,
  type Direction,
  disposePix2Pix,
  type Pix2Pix,
  PIX2PIX_DEFAULTS,
  PIX2PIX_LOSS_NAMES,
  PIX2PIX_VISUAL_NAMES,
  pix2pixChannels,
  type Pix2PixLosses,
  type Pix2PixOptions,
  pix2pixStep,
  setPix2PixLearningRate,
} from "./lib/train/pix2pix.ts";
/** Datasets: the `dataset` registry (folder, scenes, emoji), preprocessing, test splits. */
export * as data from "./lib/data/mod.ts";
/** Metrics: FID, KID, paired scores, segmentation scores, feature extractors. */
export * as metrics from "./lib/metrics/mod.ts";
/** The sweep runner behind `deno task ablate`: config, planning, run directories, locks. */
export * as sweep from "./lib/sweep/mod.ts";
/**
 * Statistics of the reports: t-intervals over seeds, paired t-tests, Holm's correction, the
 * smallest detectable difference, the bootstrap over test images.
 */
export * as stats from "./lib/stats/mod.ts";
/** The training loop with checkpoints and exact resume. */
export {
  initialGenerators,
  resolveTrainConfig,
  train,
  type TrainConfig,
  type TrainOptions,
  type TrainResult,
  type TrainStatus,
} from "./lib/train/loop.ts";
export {
  type Batch,
  batchAt,
  type BatchPosition,
  type DataDescription,
  type Domain,
  epochLength,
  tensorSource,
  type TensorSourceOptions,
  type UnalignedSource,
} from "./lib/train/data.ts";

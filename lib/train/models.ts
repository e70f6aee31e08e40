/**
 * The `model` registry (official `--model`): one module per model kind, found by name, each
 * building its networks and optimizers and running one iteration in its official order. The
 * trainer (loop.ts), the checkpoints (checkpoint.ts), the evaluation and the reports call a model
 * through {@link TrainModel} only, as the official `BaseModel` subclasses are driven by
 * `train.py` (STYLE.md habit 11).
 *
 * | name        | networks (checkpoint order) | pools          | losses logged |
 * |-------------|-----------------------------|----------------|---------------|
 * | `cycle_gan` | G_A, G_B, D_A, D_B          | fake_A, fake_B | D_A, G_A, cycle_A, idt_A, D_B, G_B, cycle_B, idt_B |
 * | `pix2pix`   | G, D                        | none           | G_GAN, G_L1, D_real, D_fake |
 *
 * A model's defaults apply to the options a config does not set (the official
 * `modify_commandline_options`): `pix2pix` gives netG unet_256, batch norm, dropout, vanilla
 * GAN, no pool, `loss: { l1: true, gan: conditional }`.
 *
 * ```ts
 * import { createModel } from "./models.ts";
 * import { Rng } from "../nn/rng.ts";
 * const m = createModel({ ...config, model: "pix2pix" }, new Rng(0));
 * const losses = await m.step(realA, realB); // { G_GAN, G_L1, D_real, D_fake }
 * m.dispose();
 * ```
 * @module
 */
import type { tf } from "../tf.ts";
import type { ImagePool } from "../image_pool.ts";
import type { Rng } from "../nn/rng.ts";
import type { Network } from "../nn/network.ts";
import type { LossAblation, Pix2PixLoss } from "../losses/ablation.ts";
import {
  createCycleGan,
  createGenerators,
  type CycleGan,
  type CycleGanOptions,
  disposeCycleGan,
  type GanProbe,
  LOSS_NAMES,
  probeGanSignal,
  setLearningRate,
  type StepOptions,
  trainStep,
} from "./cyclegan.ts";
import {
  createPix2Pix,
  createPix2PixGenerator,
  type Direction,
  disposePix2Pix,
  type Pix2Pix,
  PIX2PIX_DEFAULTS,
  PIX2PIX_LOSS_NAMES,
  type Pix2PixOptions,
  pix2pixStep,
  setPix2PixLearningRate,
} from "./pix2pix.ts";

/** The registered model kinds. */
export const MODEL_NAMES = ["cycle_gan", "pix2pix"] as const;

/** One of {@link MODEL_NAMES}. */
export type ModelName = typeof MODEL_NAMES[number];

/** The translation directions a model's generators cover, by evaluation direction. */
export interface Translators {
  /** The generator from A to B (CycleGAN's G_A = G; pix2pix's G with `direction: AtoB`). */
  G_A?: Network;
  /** The generator from B to A (CycleGAN's G_B = F; pix2pix's G with `direction: BtoA`). */
  G_B?: Network;
}

/** A model as the trainer, the checkpoints and the evaluation see it. */
export interface TrainModel {
  /** The model kind. */
  readonly name: ModelName;
  /** Its networks by official name, in checkpoint and digest order (`net_<name>` files). */
  readonly networks: Readonly<Record<string, Network>>;
  /** Its optimizers (`optim_<name>` files): `G` and `D`. */
  readonly optimizers: Readonly<Record<string, tf.AdamOptimizer>>;
  /** Its image pools (`pool_<name>` files); replaced on restore. */
  readonly pools: Readonly<Record<string, ImagePool>>;
  /** The random stream of dropout masks (and gradient-penalty mixing). */
  readonly rng: Rng;
  /** Names of the losses {@link TrainModel.step} returns, in logging order. */
  readonly lossNames: readonly string[];
  /** Sets every optimizer's learning rate. */
  setLearningRate(lr: number): void;
  /** One official iteration on a batch; returns the losses; leaves no tensors behind. */
  step(A: tf.Tensor4D, B: tf.Tensor4D, options?: StepOptions): Promise<Record<string, number>>;
  /** The adversarial-signal probe (CycleGAN only; cyclegan.ts `probeGanSignal`). */
  probe?(A: tf.Tensor4D, B: tf.Tensor4D): Promise<GanProbe>;
  /** Puts restored pools in place of the current ones (which it disposes). */
  replacePools(pools: Record<string, ImagePool>): void;
  /** The generators by the direction they translate. */
  translators(): Translators;
  /** Frees every tensor. */
  dispose(): void;
}

/** The options a model kind reads (the training config holds them all). */
export interface ModelConfig extends Omit<CycleGanOptions, "loss"> {
  /** The model kind. */
  model: ModelName;
  /** The loss ablation: CycleGAN's `{gan, cycle}` or pix2pix's `{l1, gan}`. */
  loss: LossAblation | Pix2PixLoss;
  /** pix2pix: which way G translates. */
  direction: Direction;
  /** pix2pix: weight of the L1 term. */
  lambda_L1: number;
}

/**
 * The config keys that do not affect a run of a model, so that its identity hash leaves them
 * out: for `cycle_gan` the pix2pix keys (`model` itself included, so that CycleGAN run ids and
 * checkpoint hashes are those of before pix2pix existed), for `pix2pix` the CycleGAN-only ones.
 *
 * ```ts
 * FOREIGN_KEYS.cycle_gan; // ["model", "direction", "lambda_L1"]
 * ```
 */
export const FOREIGN_KEYS: Readonly<Record<ModelName, readonly string[]>> = Object.freeze({
  cycle_gan: Object.freeze(["model", "direction", "lambda_L1"]),
  pix2pix: Object.freeze(["lambda_A", "lambda_B", "lambda_identity", "lambda_gp", "g_step"]),
});

/**
 * The options a model sets when a config leaves them out (official
 * `modify_commandline_options`); CycleGAN's are the trainer's defaults themselves.
 *
 * ```ts
 * modelDefaults("pix2pix").netG; // "unet_256"
 * ```
 */
export function modelDefaults(model: ModelName): Readonly<Record<string, unknown>> {
  if (model === "cycle_gan") return {};
  const d = PIX2PIX_DEFAULTS;
  return {
    netG: d.netG,
    norm: d.norm,
    no_dropout: d.no_dropout,
    gan_mode: d.gan_mode,
    pool_size: 0,
    loss: { ...d.loss },
  };
}

/** Whether the model trains on aligned pairs (image i of A shows what image i of B shows). */
export function needsPairs(model: ModelName): boolean {
  return model === "pix2pix";
}

/**
 * The evaluation directions a model can translate: CycleGAN both, pix2pix its `direction`.
 *
 * ```ts
 * modelDirections({ model: "pix2pix", direction: "BtoA" }); // ["BtoA"]
 * ```
 */
export function modelDirections(
  c: Pick<ModelConfig, "model" | "direction">,
): Direction[] {
  return c.model === "pix2pix" ? [c.direction] : ["AtoB", "BtoA"];
}

function cycleGanOptions(c: ModelConfig): CycleGanOptions {
  const o: CycleGanOptions = {
    netG: c.netG,
    netD: c.netD,
    ngf: c.ngf,
    ndf: c.ndf,
    norm: c.norm,
    no_dropout: c.no_dropout,
    init_type: c.init_type,
    init_gain: c.init_gain,
    input_nc: c.input_nc,
    output_nc: c.output_nc,
    gan_mode: c.gan_mode,
    lambda_A: c.lambda_A,
    lambda_B: c.lambda_B,
    lambda_identity: c.lambda_identity,
    lambda_gp: c.lambda_gp,
    pool_size: c.pool_size,
    lr: c.lr,
    beta1: c.beta1,
    loss: c.loss as LossAblation,
    g_step: c.g_step,
  };
  if (c.n_layers_D !== undefined) o.n_layers_D = c.n_layers_D;
  return o;
}

function pix2pixOptions(c: ModelConfig): Pix2PixOptions {
  const o: Pix2PixOptions = {
    netG: c.netG,
    netD: c.netD,
    ngf: c.ngf,
    ndf: c.ndf,
    norm: c.norm,
    no_dropout: c.no_dropout,
    init_type: c.init_type,
    init_gain: c.init_gain,
    input_nc: c.input_nc,
    output_nc: c.output_nc,
    gan_mode: c.gan_mode,
    lambda_L1: c.lambda_L1,
    lr: c.lr,
    beta1: c.beta1,
    loss: c.loss as Pix2PixLoss,
    direction: c.direction,
  };
  if (c.n_layers_D !== undefined) o.n_layers_D = c.n_layers_D;
  return o;
}

/** The {@link TrainModel} view of a CycleGAN. */
export function cycleGanModel(model: CycleGan): TrainModel {
  let m = model;
  return {
    name: "cycle_gan",
    get networks() {
      return { G_A: m.G_A, G_B: m.G_B, D_A: m.D_A, D_B: m.D_B };
    },
    optimizers: { G: m.optG, D: m.optD },
    get pools() {
      return { fake_A: m.fake_A_pool, fake_B: m.fake_B_pool };
    },
    rng: m.rng,
    lossNames: LOSS_NAMES,
    setLearningRate: (lr) => setLearningRate(m, lr),
    step: (A, B, options) => trainStep(m, A, B, options),
    probe: (A, B) => probeGanSignal(m, A, B),
    replacePools(pools) {
      m.fake_A_pool.dispose();
      m.fake_B_pool.dispose();
      m = { ...m, fake_A_pool: pools.fake_A, fake_B_pool: pools.fake_B };
    },
    translators: () => ({ G_A: m.G_A, G_B: m.G_B }),
    dispose: () => disposeCycleGan(m),
  };
}

/** The {@link TrainModel} view of a pix2pix model. */
export function pix2pixModel(m: Pix2Pix): TrainModel {
  return {
    name: "pix2pix",
    networks: { G: m.G, D: m.D },
    optimizers: { G: m.optG, D: m.optD },
    pools: {},
    rng: m.rng,
    lossNames: PIX2PIX_LOSS_NAMES,
    setLearningRate: (lr) => setPix2PixLearningRate(m, lr),
    step: (A, B, options) => pix2pixStep(m, A, B, options),
    replacePools(pools) {
      const names = Object.keys(pools);
      if (names.length > 0) {
        throw new Error(
          `Cannot give a pix2pix model image pools (${names.join(", ")}): it has none`,
        );
      }
    },
    translators: () => (m.options.direction === "AtoB" ? { G_A: m.G } : { G_B: m.G }),
    dispose: () => disposePix2Pix(m),
  };
}

/**
 * Builds the model a config names, its weights drawn from `rng` (CycleGAN: G_A, G_B, D_A, D_B,
 * the pools' and the dropout streams; pix2pix: G, D, the dropout stream).
 *
 * ```ts
 * const m = createModel({ ...config, model: "cycle_gan" }, new Rng(7));
 * ```
 */
export function createModel(c: ModelConfig, rng: Rng): TrainModel {
  return c.model === "pix2pix"
    ? pix2pixModel(createPix2Pix(pix2pixOptions(c), rng))
    : cycleGanModel(createCycleGan(cycleGanOptions(c), rng));
}

/**
 * The generators exactly as {@link createModel} initialises them from the same `rng`, with
 * `suffix` in their variable names, by the direction they translate (the untrained floor).
 *
 * ```ts
 * const floor = createTranslators(config, new Rng(seed).fork(), "@step0");
 * ```
 */
export function createTranslators(c: ModelConfig, rng: Rng, suffix = ""): Translators {
  if (c.model === "pix2pix") {
    const G = createPix2PixGenerator(pix2pixOptions(c), rng, suffix);
    return c.direction === "AtoB" ? { G_A: G } : { G_B: G };
  }
  return createGenerators(cycleGanOptions(c), rng, suffix);
}

/**
 * The pix2pix model (Isola et al., CVPR 2017) and its official training iteration, as
 * `models/pix2pix_model.py` at commit 2a7afba (official-cyclegan.md 1.1, 1.6):
 *
 * 1. forward: `fake_B = G(real_A)`;
 * 2. D step first: D judges `(real_A, fake_B)` with the fake detached (`D_fake`) and
 *    `(real_A, real_B)` (`D_real`); one Adam step on `(D_fake + D_real) * 0.5`;
 * 3. then the G step, D frozen: `G_GAN` (D's verdict on the same fake, now with the updated D,
 *    labelled real) plus `G_L1 = lambda_L1 * |fake_B - real_B|_1`.
 *
 * The official defaults differ from CycleGAN's: netG `unet_256`, batch norm, dropout **on** in G
 * (the paper's only noise, Sec. 3.1), gan_mode `vanilla`, lambda_L1 100, no image pool. D is
 * conditional: it sees the input and the output concatenated along channels
 * (`input_nc + output_nc`). `direction: BtoA` swaps the roles of the two domains, as the
 * official aligned dataset does. Losses are logged as `G_GAN, G_L1, D_real, D_fake`; the
 * visuals are `real_A, fake_B, real_B`.
 *
 * The loss ablation of pix2pix's Table 1 is `loss: { l1, gan: none | unconditional |
 * conditional }` (lib/losses/ablation.ts): with `gan: none` D is built (so every checkpoint has
 * the same files) but never trained, and `D_real`/`D_fake`/`G_GAN` are logged as 0, as the
 * official code leaves a term that is off. `gan_mode: wgangp` gets no gradient penalty here, as
 * upstream's pix2pix never calls `cal_gradient_penalty`.
 *
 * One deliberate difference of mechanics, not of maths: the official code runs G once and
 * back-propagates the G step through that same forward pass after the D step. tfjs records a
 * gradient tape only inside one `variableGrads` call, so here the D step runs on a forward pass
 * made outside any tape, and the G step repeats the forward pass with the same dropout masks
 * (the random stream is rewound) and the BatchNorm running statistics put back first, so they
 * are updated once per iteration as upstream. Both passes compute the same `fake_B`.
 *
 * ```ts
 * import { createPix2Pix, pix2pixStep } from "./pix2pix.ts";
 * import type { Rng } from "../nn/rng.ts";
 * const m = createPix2Pix({ netG: "unet_128", ngf: 8, ndf: 8 }, new Rng(0));
 * const losses = await pix2pixStep(m, realA, realB); // { G_GAN, G_L1, D_real, D_fake }
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { LowPeakAdam } from "./adam.ts";
import { defineG } from "../generators/mod.ts";
import { defineD } from "../discriminators/mod.ts";
import { type GanLoss, ganLoss, l1Loss } from "../losses/mod.ts";
import { type Pix2PixLoss, pix2pixLossTerms } from "../losses/ablation.ts";
import type { Rng } from "../nn/rng.ts";
import type { CheckpointFn } from "../nn/module.ts";
import type { Network } from "../nn/network.ts";

/** Which way the model translates: `AtoB` (G: A -> B) or `BtoA` (the official `--direction`). */
export type Direction = "AtoB" | "BtoA";

/** The pix2pix model's options, named as the official ones. */
export interface Pix2PixOptions {
  /** Generator architecture (`netG` registry). */
  netG: string;
  /** Discriminator architecture (`netD` registry). */
  netD: string;
  /** Filters in the generator's last conv layer. */
  ngf: number;
  /** Filters in the discriminator's first conv layer. */
  ndf: number;
  /** Conv layers of D when `netD` is `n_layers`. */
  n_layers_D?: number;
  /** Normalisation layer (pix2pix: batch). */
  norm: "instance" | "batch" | "none";
  /** No dropout in G (pix2pix: false, dropout is its noise). */
  no_dropout: boolean;
  /** Weight initialisation. */
  init_type: "normal" | "xavier" | "kaiming" | "orthogonal";
  /** Scale of the initialisation. */
  init_gain: number;
  /** Channels of domain A. */
  input_nc: number;
  /** Channels of domain B. */
  output_nc: number;
  /** GAN objective (`gan_mode` registry; pix2pix: vanilla). */
  gan_mode: string;
  /** Weight of the L1 term (official `--lambda_L1`, 100). */
  lambda_L1: number;
  /** Initial Adam learning rate. */
  lr: number;
  /** Adam beta1 (beta2 is 0.999, as upstream). */
  beta1: number;
  /** pix2pix's loss ablation (Table 1); `{ l1: true, gan: "conditional" }` is pix2pix. */
  loss: Pix2PixLoss;
  /** Which way G translates. */
  direction: Direction;
}

/** The official pix2pix defaults (`pix2pix_model.py`, `modify_commandline_options`). */
export const PIX2PIX_DEFAULTS: Readonly<Pix2PixOptions> = Object.freeze({
  netG: "unet_256",
  netD: "basic",
  ngf: 64,
  ndf: 64,
  norm: "batch",
  no_dropout: false,
  init_type: "normal",
  init_gain: 0.02,
  input_nc: 3,
  output_nc: 3,
  gan_mode: "vanilla",
  lambda_L1: 100,
  lr: 0.0002,
  beta1: 0.5,
  loss: Object.freeze({ l1: true, gan: "conditional" }) as Pix2PixLoss,
  direction: "AtoB" as Direction,
});

/** Everything a pix2pix model holds: G, D, their optimizers, the dropout stream. */
export interface Pix2Pix {
  /** The resolved options. */
  readonly options: Readonly<Pix2PixOptions>;
  /** The generator, `direction`'s source domain -> its target domain. */
  readonly G: Network;
  /** The discriminator (conditional: sees source and output concatenated). */
  readonly D: Network;
  /** Adam over G. */
  readonly optG: tf.AdamOptimizer;
  /** Adam over D. */
  readonly optD: tf.AdamOptimizer;
  /** Dropout masks (the paper's noise z). */
  readonly rng: Rng;
  /** The GAN objective. */
  readonly gan: GanLoss;
}

/** pix2pix's logged losses, in the official order. */
export const PIX2PIX_LOSS_NAMES = ["G_GAN", "G_L1", "D_real", "D_fake"] as const;

/** One iteration's losses, by the official names. Terms that are off are 0. */
export type Pix2PixLosses = Record<typeof PIX2PIX_LOSS_NAMES[number], number>;

/** pix2pix's visuals in the official order (`visual_names`). */
export const PIX2PIX_VISUAL_NAMES = ["real_A", "fake_B", "real_B"] as const;

/** Channels of G's input and output under `direction` (BtoA translates B's channels to A's). */
export function pix2pixChannels(
  o: Pick<Pix2PixOptions, "input_nc" | "output_nc" | "direction">,
): { source: number; target: number } {
  return o.direction === "AtoB"
    ? { source: o.input_nc, target: o.output_nc }
    : { source: o.output_nc, target: o.input_nc };
}

/**
 * G as {@link createPix2Pix} builds it from the same `rng` (its first fork), so the same seed
 * gives the same weights; `suffix` is appended to its variable names (the untrained floor of
 * an evaluation lives beside the trained model).
 *
 * ```ts
 * const G0 = createPix2PixGenerator({ netG: "unet_128", ngf: 8 }, new Rng(0), "@0");
 * ```
 */
export function createPix2PixGenerator(
  options: Partial<Pix2PixOptions>,
  rng: Rng,
  suffix = "",
): Network {
  const o: Pix2PixOptions = { ...PIX2PIX_DEFAULTS, ...options };
  const { source, target } = pix2pixChannels(o);
  return defineG(o.netG, rng.fork(), {
    ngf: o.ngf,
    norm: o.norm,
    no_dropout: o.no_dropout,
    init_type: o.init_type,
    init_gain: o.init_gain,
    input_nc: source,
    output_nc: target,
    label: `G${suffix}`,
  });
}

/**
 * Builds G and D (weights from forks of `rng` in that order), the two optimizers and the
 * dropout stream. D's input has `input_nc + output_nc` channels when the GAN term is
 * conditional, the target's alone otherwise (official `define_D(input_nc + output_nc, ...)`).
 */
export function createPix2Pix(options: Partial<Pix2PixOptions>, rng: Rng): Pix2Pix {
  const o: Pix2PixOptions = { ...PIX2PIX_DEFAULTS, ...options };
  const terms = pix2pixLossTerms(o.loss);
  const { source, target } = pix2pixChannels(o);
  const G = createPix2PixGenerator(o, rng);
  const D = defineD(o.netD, rng.fork(), {
    ndf: o.ndf,
    norm: o.norm,
    init_type: o.init_type,
    init_gain: o.init_gain,
    input_nc: terms.conditional ? source + target : target,
    label: "D",
    ...(o.netD === "n_layers" ? { n_layers_D: o.n_layers_D ?? 3 } : {}),
  });
  return {
    options: Object.freeze(o),
    G,
    D,
    optG: new LowPeakAdam(o.lr, o.beta1, 0.999, 1e-8),
    optD: new LowPeakAdam(o.lr, o.beta1, 0.999, 1e-8),
    rng: rng.fork(),
    gan: ganLoss(o.gan_mode),
  };
}

/** Frees every tensor the model owns. */
export function disposePix2Pix(m: Pix2Pix): void {
  m.G.dispose();
  m.D.dispose();
  m.optG.dispose();
  m.optD.dispose();
}

/** tfjs types `applyGradients`'s map as variables though it takes plain gradient tensors. */
function applyGradients(opt: tf.AdamOptimizer, grads: tf.NamedTensorMap): void {
  opt.applyGradients(grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
}

/**
 * One official pix2pix iteration on a batch of domain A and domain B images ([N, H, W, C] in
 * [-1, 1], image i of A paired with image i of B): D step, then G step (module doc). Returns
 * the losses; leaves no tensors behind.
 *
 * ```ts
 * const { G_GAN, G_L1, D_real, D_fake } = await pix2pixStep(m, realA, realB);
 * ```
 */
export async function pix2pixStep(
  m: Pix2Pix,
  A: tf.Tensor4D,
  B: tf.Tensor4D,
  options: { checkpoint?: CheckpointFn } = {},
): Promise<Pix2PixLosses> {
  const o = m.options;
  const on = pix2pixLossTerms(o.loss);
  // The official aligned dataset swaps A and B for BtoA, so real_A is always G's input.
  const [real_A, real_B] = o.direction === "AtoB" ? [A, B] : [B, A];
  const fwd = { training: true, rng: m.rng, checkpoint: options.checkpoint };
  const logged = new Map<string, tf.Scalar>();
  const log = (name: string, t: tf.Scalar) => logged.set(name, tf.keep(tf.clone(t)));
  // What D sees: (input, output) concatenated along channels when conditional (official
  // `torch.cat((real_A, fake_B), 1)`), the output alone otherwise.
  const judged = (y: tf.Tensor4D) => on.conditional ? tf.concat([real_A, y], 3) as tf.Tensor4D : y;

  // The G forward as the G step will repeat it: the same random stream, BatchNorm running
  // statistics put back afterwards (module doc).
  const rngBefore = m.rng.state();
  if (on.gan) {
    const buffers = Object.values(m.G.buffers);
    const saved = buffers.map((b) => tf.clone(b));
    const fake_B = tf.tidy(() => m.G.apply(real_A, fwd));
    buffers.forEach((b, i) => b.assign(saved[i]));
    tf.dispose(saved);
    m.rng.setState(rngBefore);

    // ---- D step: fake detached (it is a constant here), loss_D = (D_fake + D_real) * 0.5. ----
    const { value, grads } = tf.variableGrads(() => {
      const lossFake = m.gan.discriminatorTerm(m.D.apply(judged(fake_B), fwd), "fake");
      const lossReal = m.gan.discriminatorTerm(m.D.apply(judged(real_B), fwd), "real");
      log("D_fake", lossFake);
      log("D_real", lossReal);
      return tf.mul(tf.add(lossFake, lossReal), 0.5) as tf.Scalar;
    }, Object.values(m.D.params));
    applyGradients(m.optD, grads);
    tf.dispose([value, fake_B, ...Object.values(grads)]);
  }

  // ---- G step, D frozen (only G's variables are differentiated). ----
  const { value, grads } = tf.variableGrads(() => {
    const fake_B = m.G.apply(real_A, fwd);
    const parts: tf.Scalar[] = [];
    if (on.gan) {
      const g = m.gan.generatorLoss(m.D.apply(judged(fake_B), fwd));
      log("G_GAN", g);
      parts.push(g);
    }
    if (on.l1) {
      const l = l1Loss(fake_B, real_B, o.lambda_L1);
      log("G_L1", l);
      parts.push(l);
    }
    return parts.length === 1 ? parts[0] : tf.addN(parts) as tf.Scalar;
  }, Object.values(m.G.params));
  applyGradients(m.optG, grads);
  tf.dispose([value, ...Object.values(grads)]);

  const stacked = tf.tidy(() =>
    tf.stack(PIX2PIX_LOSS_NAMES.map((name) => logged.get(name) ?? tf.scalar(0)))
  );
  const values = await stacked.data();
  tf.dispose([stacked, ...logged.values()]);
  const out = {} as Pix2PixLosses;
  PIX2PIX_LOSS_NAMES.forEach((name, i) => out[name] = values[i]);
  return out;
}

/** Sets both optimizers' learning rate (the schedule's output). */
export function setPix2PixLearningRate(m: Pix2Pix, lr: number): void {
  for (const opt of [m.optG, m.optD]) {
    (opt as unknown as { learningRate: number }).learningRate = lr;
  }
}

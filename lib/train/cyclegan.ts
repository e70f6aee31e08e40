/**
 * The CycleGAN model and its official training iteration (official-cyclegan.md 1.6):
 *
 * 1. forward both cycles: fake_B = G_A(A), rec_A = G_B(fake_B), fake_A = G_B(B), rec_B = G_A(fake_A);
 * 2. one Adam step on G_A and G_B together, the discriminators frozen, the adversarial terms on
 *    the *current* fakes;
 * 3. one Adam step on D_A and D_B together on *pooled* fakes, each D loss halved.
 *
 * Names follow the official code: G_A = G (A -> B), G_B = F (B -> A), D_A = D_Y (judges B),
 * D_B = D_X (judges A). Losses are logged as `D_A, G_A, cycle_A, idt_A, D_B, G_B, cycle_B, idt_B`.
 *
 * Memory: with `g_step: "split"` (default) the generator gradient is taken one loss term at a
 * time ({GAN_A + cycle_A}, {GAN_B + cycle_B}, idt_A, idt_B) and applied once
 * (`accumulatedGrads`): the same maths and FLOPs as the fused step, but only one term's graph is
 * alive at a time, which keeps 128x128 inside wasm's 4 GB heap. `checkpoint: recompute` further
 * re-runs each residual/U-Net block in the backward pass (for 256x256).
 * @module
 */
import { tf } from "../tf.ts";
import { accumulatedGrads } from "../backend/memory.ts";
import { LowPeakAdam } from "./adam.ts";
import { checkGeneratorSize, defineG } from "../generators/mod.ts";
import { checkDiscriminatorSize, defineD } from "../discriminators/mod.ts";
import { type GanLoss, ganLoss, gradientPenalty } from "../losses/mod.ts";
import { cycleLoss, identityLoss } from "../losses/mod.ts";
import { type LossAblation, lossTerms } from "../losses/ablation.ts";
import { ImagePool } from "../image_pool.ts";
import { Rng } from "../nn/rng.ts";
import type { CheckpointFn } from "../nn/module.ts";
import type { Network } from "../nn/network.ts";

/** Model options, named as the official ones. */
export interface CycleGanOptions {
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
  /** Normalisation layer. */
  norm: "instance" | "batch" | "none";
  /** No dropout in G (the cycle_gan model's default). */
  no_dropout: boolean;
  /** Weight initialisation. */
  init_type: "normal" | "xavier" | "kaiming" | "orthogonal";
  /** Scale of the initialisation. */
  init_gain: number;
  /** Channels of domain A. */
  input_nc: number;
  /** Channels of domain B. */
  output_nc: number;
  /** GAN objective (`gan_mode` registry). */
  gan_mode: string;
  /** Weight of the forward cycle loss (A -> B -> A). */
  lambda_A: number;
  /** Weight of the backward cycle loss (B -> A -> B). */
  lambda_B: number;
  /** Identity loss weight, relative to lambda_A/lambda_B; 0 turns it off. */
  lambda_identity: number;
  /** Weight of the WGAN-GP gradient penalty (only `gan_mode: wgangp`). */
  lambda_gp: number;
  /** Capacity of each image pool; 0 passes fakes straight to D. */
  pool_size: number;
  /** Initial Adam learning rate. */
  lr: number;
  /** Adam beta1 (beta2 is 0.999, as upstream). */
  beta1: number;
  /** The paper's loss ablation (Tables 4 and 5); `{gan: true, cycle: "both"}` is CycleGAN. */
  loss: LossAblation;
  /** `split` (one gradient per loss term, default) or `fused` (one gradient of the sum). */
  g_step: "split" | "fused";
}

/** The official defaults (official-cyclegan.md 1.1) at batch size 1. */
export const CYCLEGAN_DEFAULTS: Readonly<CycleGanOptions> = Object.freeze({
  netG: "resnet_9blocks",
  netD: "basic",
  ngf: 64,
  ndf: 64,
  norm: "instance",
  no_dropout: true,
  init_type: "normal",
  init_gain: 0.02,
  input_nc: 3,
  output_nc: 3,
  gan_mode: "lsgan",
  lambda_A: 10,
  lambda_B: 10,
  lambda_identity: 0.5,
  lambda_gp: 10,
  pool_size: 50,
  lr: 0.0002,
  beta1: 0.5,
  loss: Object.freeze({ gan: true, cycle: "both" }) as LossAblation,
  g_step: "split",
});

/** Everything a CycleGAN holds: four networks, two optimizers, two pools, the RNG. */
export interface CycleGan {
  /** The resolved options. */
  readonly options: Readonly<CycleGanOptions>;
  /** G: A -> B. */
  readonly G_A: Network;
  /** F: B -> A. */
  readonly G_B: Network;
  /** D_Y: judges domain B. */
  readonly D_A: Network;
  /** D_X: judges domain A. */
  readonly D_B: Network;
  /** One Adam over G_A and G_B. */
  readonly optG: tf.AdamOptimizer;
  /** One Adam over D_A and D_B. */
  readonly optD: tf.AdamOptimizer;
  /** Pool of generated A images (fed to D_B). */
  readonly fake_A_pool: ImagePool;
  /** Pool of generated B images (fed to D_A). */
  readonly fake_B_pool: ImagePool;
  /** Dropout masks and gradient-penalty mixing weights. */
  readonly rng: Rng;
  /** The GAN objective. */
  readonly gan: GanLoss;
}

/**
 * Refuses images the networks cannot take, before any kernel runs. Too small for D, the
 * PatchGAN's score map would be empty (70x70 PatchGAN at 8px or 16px): the cpu backend then
 * fails inside a convolution and tfjs's WebGPU backend in a reduction over the empty map, with
 * "Dispatch size exceeds WebGPU limits in Y or Z dimension" (issue 18). The training loop checks
 * its data the same way (`loop.ts`); this guards direct callers such as the bench.
 */
function checkStepSize(o: Readonly<CycleGanOptions>, a: tf.Tensor4D, b: tf.Tensor4D): void {
  const problems = new Set<string>();
  for (const [, h, w] of [a.shape, b.shape]) {
    const g = checkGeneratorSize(o.netG, h, w);
    if (g) problems.add(g);
    const d = checkDiscriminatorSize(o.netD, h, w, {
      ndf: o.ndf,
      ...(o.netD === "n_layers" ? { n_layers_D: o.n_layers_D ?? 3 } : {}),
    });
    if (d) problems.add(d);
  }
  if (problems.size > 0) {
    throw new RangeError(
      `trainStep() cannot train on ${a.shape[1]}x${a.shape[2]} (A) and ` +
        `${b.shape[1]}x${b.shape[2]} (B) images: ${[...problems].join("; ")}`,
    );
  }
}

/** One iteration's losses, by the official names. Terms that are off are 0, as upstream. */
export type StepLosses = Record<
  "D_A" | "G_A" | "cycle_A" | "idt_A" | "D_B" | "G_B" | "cycle_B" | "idt_B",
  number
>;

/** Official logging order. */
export const LOSS_NAMES = [
  "D_A",
  "G_A",
  "cycle_A",
  "idt_A",
  "D_B",
  "G_B",
  "cycle_B",
  "idt_B",
] as const;

/**
 * Adam as the official code: betas (beta1, 0.999); PyTorch's eps 1e-8 (tfjs defaults to 1e-7).
 * tfjs's arithmetic, applied one variable at a time to keep the memory peak small (adam.ts).
 */
function adam(lr: number, beta1: number): tf.AdamOptimizer {
  return new LowPeakAdam(lr, beta1, 0.999, 1e-8);
}

/**
 * Builds the four networks (weights from seeded streams forked off `rng` in the order
 * G_A, G_B, D_A, D_B), the optimizers and the pools.
 */
export function createCycleGan(options: Partial<CycleGanOptions>, rng: Rng): CycleGan {
  const o: CycleGanOptions = { ...CYCLEGAN_DEFAULTS, ...options };
  if (o.lambda_identity > 0 && o.input_nc !== o.output_nc) {
    throw new RangeError(
      `lambda_identity ${o.lambda_identity} needs input_nc == output_nc (got ${o.input_nc} and ${o.output_nc})`,
    );
  }
  const dOpts = {
    ndf: o.ndf,
    norm: o.norm,
    init_type: o.init_type,
    init_gain: o.init_gain,
    ...(o.netD === "n_layers" ? { n_layers_D: o.n_layers_D ?? 3 } : {}),
  };
  const { G_A, G_B } = createGenerators(o, rng);
  const D_A = defineD(o.netD, rng.fork(), { ...dOpts, input_nc: o.output_nc, label: "D_A" });
  const D_B = defineD(o.netD, rng.fork(), { ...dOpts, input_nc: o.input_nc, label: "D_B" });
  return {
    options: Object.freeze(o),
    G_A,
    G_B,
    D_A,
    D_B,
    optG: adam(o.lr, o.beta1),
    optD: adam(o.lr, o.beta1),
    fake_A_pool: new ImagePool(o.pool_size, rng.fork()),
    fake_B_pool: new ImagePool(o.pool_size, rng.fork()),
    rng: rng.fork(),
    gan: ganLoss(o.gan_mode),
  };
}

/**
 * G_A and G_B as {@link createCycleGan} builds them from the same `rng` (its first two forks),
 * so the same seed gives the same weights. `suffix` is appended to their variable names, so
 * that a second copy (the untrained generators of a run, scored beside the trained ones as
 * the evaluation's floor) can live next to the model without a name clash.
 *
 * ```ts
 * const { G_A, G_B } = createGenerators({ netG: "resnet_6blocks", ngf: 8 }, new Rng(0), "@0");
 * ```
 */
export function createGenerators(
  options: Partial<CycleGanOptions>,
  rng: Rng,
  suffix = "",
): { G_A: Network; G_B: Network } {
  const o: CycleGanOptions = { ...CYCLEGAN_DEFAULTS, ...options };
  const gOpts = {
    ngf: o.ngf,
    norm: o.norm,
    no_dropout: o.no_dropout,
    init_type: o.init_type,
    init_gain: o.init_gain,
  };
  const G_A = defineG(o.netG, rng.fork(), {
    ...gOpts,
    input_nc: o.input_nc,
    output_nc: o.output_nc,
    label: `G_A${suffix}`,
  });
  const G_B = defineG(o.netG, rng.fork(), {
    ...gOpts,
    input_nc: o.output_nc,
    output_nc: o.input_nc,
    label: `G_B${suffix}`,
  });
  return { G_A, G_B };
}

/** Frees every tensor the model owns. */
export function disposeCycleGan(m: CycleGan): void {
  for (const n of [m.G_A, m.G_B, m.D_A, m.D_B]) n.dispose();
  m.optG.dispose();
  m.optD.dispose();
  m.fake_A_pool.dispose();
  m.fake_B_pool.dispose();
}

/** Sets both optimizers' learning rate (the schedule's output for this epoch/iteration). */
export function setLearningRate(m: CycleGan, lr: number): void {
  for (const opt of [m.optG, m.optD]) {
    (opt as unknown as { learningRate: number }).learningRate = lr;
  }
}

/** tfjs types `applyGradients`'s map as variables though it takes plain gradient tensors. */
function applyGradients(opt: tf.AdamOptimizer, grads: tf.NamedTensorMap): void {
  opt.applyGradients(grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
}

function trainables(nets: Network[]): tf.Variable[] {
  return nets.flatMap((n) => Object.values(n.params));
}

/** Options for one step that are not part of the model. */
export interface StepOptions {
  /** Block recomputation in the backward pass (e.g. `recompute`), to save memory. */
  checkpoint?: CheckpointFn;
}

/**
 * One official iteration on a batch (`real_A`, `real_B`: [N, H, W, C] in [-1, 1]). Returns the
 * losses (read asynchronously, so it works on WebGPU). Leaves no tensors behind.
 */
export async function trainStep(
  m: CycleGan,
  real_A: tf.Tensor4D,
  real_B: tf.Tensor4D,
  options: StepOptions = {},
): Promise<StepLosses> {
  const o = m.options;
  checkStepSize(o, real_A, real_B);
  const on = lossTerms(o.loss);
  const fwd = { training: true, rng: m.rng, checkpoint: options.checkpoint };
  const logged = new Map<keyof StepLosses, tf.Scalar>();
  const log = (name: keyof StepLosses, t: tf.Scalar) => logged.set(name, tf.keep(tf.clone(t)));
  let fake_B: tf.Tensor4D | undefined;
  let fake_A: tf.Tensor4D | undefined;

  // ---- G step: D frozen (only G variables are differentiated). ----
  const termA = () => {
    const fB = m.G_A.apply(real_A, fwd);
    if (on.GAN_A) fake_B = tf.keep(tf.clone(fB));
    const parts: tf.Scalar[] = [];
    if (on.GAN_A) {
      const g = m.gan.generatorLoss(m.D_A.apply(fB, fwd));
      log("G_A", g);
      parts.push(g);
    }
    if (on.cycle_A) {
      const c = cycleLoss(m.G_B.apply(fB, fwd), real_A, o.lambda_A);
      log("cycle_A", c);
      parts.push(c);
    }
    return parts.length === 1 ? parts[0] : tf.addN(parts) as tf.Scalar;
  };
  const termB = () => {
    const fA = m.G_B.apply(real_B, fwd);
    if (on.GAN_B) fake_A = tf.keep(tf.clone(fA));
    const parts: tf.Scalar[] = [];
    if (on.GAN_B) {
      const g = m.gan.generatorLoss(m.D_B.apply(fA, fwd));
      log("G_B", g);
      parts.push(g);
    }
    if (on.cycle_B) {
      const c = cycleLoss(m.G_A.apply(fA, fwd), real_B, o.lambda_B);
      log("cycle_B", c);
      parts.push(c);
    }
    return parts.length === 1 ? parts[0] : tf.addN(parts) as tf.Scalar;
  };
  // Identity (official): idt_A = G_A(real_B) ~ real_B weighted lambda_B * lambda_identity.
  const idtA = () => {
    const l = identityLoss(m.G_A.apply(real_B, fwd), real_B, o.lambda_B, o.lambda_identity);
    log("idt_A", l);
    return l;
  };
  const idtB = () => {
    const l = identityLoss(m.G_B.apply(real_A, fwd), real_A, o.lambda_A, o.lambda_identity);
    log("idt_B", l);
    return l;
  };
  const terms: Array<() => tf.Scalar> = [];
  if (on.GAN_A || on.cycle_A) terms.push(termA);
  if (on.GAN_B || on.cycle_B) terms.push(termB);
  if (o.lambda_identity > 0) terms.push(idtA, idtB);
  const gVars = trainables([m.G_A, m.G_B]);
  if (terms.length > 0) {
    const { values, grads } = o.g_step === "split" ? accumulatedGrads(terms, gVars) : (() => {
      const r = tf.variableGrads(() => tf.addN(terms.map((t) => t())) as tf.Scalar, gVars);
      return { values: [r.value], grads: r.grads };
    })();
    applyGradients(m.optG, grads);
    tf.dispose([...values, ...Object.values(grads)]);
  }

  // ---- D step on pooled fakes, each D loss halved inside discriminatorLoss. ----
  if (on.GAN_A || on.GAN_B) {
    const dTerms: Array<() => tf.Scalar> = [];
    const pooled: tf.Tensor[] = [];
    const dLoss = (name: "D_A" | "D_B", D: Network, real: tf.Tensor4D, fake: tf.Tensor4D) => {
      const l = m.gan.discriminatorLoss(D.apply(real, fwd), D.apply(fake, fwd));
      const total = m.gan.needsGradientPenalty
        ? tf.add(
          l,
          gradientPenalty((x) => D.apply(x as tf.Tensor4D, fwd), { real, fake }, {
            rng: m.rng,
            lambdaGp: o.lambda_gp,
          }),
        ) as tf.Scalar
        : l;
      log(name, total);
      return total;
    };
    if (on.GAN_A && fake_B) {
      const p = m.fake_B_pool.query(fake_B) as tf.Tensor4D;
      pooled.push(p);
      dTerms.push(() => dLoss("D_A", m.D_A, real_B, p));
    }
    if (on.GAN_B && fake_A) {
      const p = m.fake_A_pool.query(fake_A) as tf.Tensor4D;
      pooled.push(p);
      dTerms.push(() => dLoss("D_B", m.D_B, real_A, p));
    }
    const { values, grads } = accumulatedGrads(dTerms, trainables([m.D_A, m.D_B]));
    applyGradients(m.optD, grads);
    tf.dispose([...values, ...Object.values(grads), ...pooled]);
  }
  tf.dispose([fake_A, fake_B].filter((t): t is tf.Tensor4D => t !== undefined));

  // One read-back for all eight losses: on a GPU each read is a round trip (about 12 ms with
  // Deno's WebGPU on an H100, lib/bench/gpu_check.ts).
  const stacked = tf.tidy(() =>
    tf.stack(LOSS_NAMES.map((name) => logged.get(name) ?? tf.scalar(0)))
  );
  const values = await stacked.data();
  tf.dispose([stacked, ...logged.values()]);
  const out = {} as StepLosses;
  LOSS_NAMES.forEach((name, i) => out[name] = values[i]);
  return out;
}

/**
 * The adversarial signal reaching the generators (claim C4: the cross-entropy GAN loss gives
 * vanishing gradients, the least-squares one does not), measured without changing training:
 *
 * - `D_A_fake` / `D_B_fake`: mean discriminator output on the current fakes G_A(real_A) /
 *   G_B(real_B), in the loss's own units (logits for `vanilla`, scores for `lsgan`);
 * - `grad_G_A` / `grad_G_B`: L2 norm, over all of G_A's (G_B's) parameters, of the gradient of
 *   the generator's GAN term alone (no cycle, no identity): one extra forward and backward pass.
 *
 * Only directions whose GAN term is on are measured. The networks run as in the G step (training
 * mode) on a copy of the model's random stream, so dropout masks match the step's and the
 * model's stream does not move; the caller restores BatchNorm running statistics (lib/train/
 * loop.ts runs it isolated, as the periodic evaluations). Leaves no tensors behind.
 *
 * ```ts
 * const probe = await probeGanSignal(model, realA, realB); // { D_A_fake, grad_G_A, ... }
 * ```
 */
export async function probeGanSignal(
  m: CycleGan,
  real_A: tf.Tensor4D,
  real_B: tf.Tensor4D,
): Promise<GanProbe> {
  const on = lossTerms(m.options.loss);
  const fwd = { training: true, rng: Rng.fromState(m.rng.state()) };
  const names: (keyof GanProbe)[] = [];
  const kept: tf.Scalar[] = [];
  const measure = (G: Network, D: Network, real: tf.Tensor4D, side: "A" | "B") => {
    let dOut: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const pred = D.apply(G.apply(real, fwd), fwd);
      dOut = tf.keep(tf.mean(pred) as tf.Scalar);
      return m.gan.generatorLoss(pred);
    }, trainables([G]));
    const norm = tf.tidy(() =>
      tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar
    );
    tf.dispose([value, ...Object.values(grads)]);
    names.push(`D_${side}_fake`, `grad_G_${side}`);
    kept.push(dOut!, norm);
  };
  if (on.GAN_A) measure(m.G_A, m.D_A, real_A, "A");
  if (on.GAN_B) measure(m.G_B, m.D_B, real_B, "B");
  const out: GanProbe = {};
  if (kept.length === 0) return out;
  const stacked = tf.stack(kept);
  const values = await stacked.data();
  tf.dispose([stacked, ...kept]);
  names.forEach((n, i) => out[n] = values[i]);
  return out;
}

/** What {@link probeGanSignal} returns (the directions whose GAN term is on). */
export interface GanProbe {
  /** Mean D_A output on G_A(real_A) (logits for vanilla). */
  D_A_fake?: number;
  /** L2 norm of d(GAN_A term)/d(G_A parameters). */
  grad_G_A?: number;
  /** Mean D_B output on G_B(real_B). */
  D_B_fake?: number;
  /** L2 norm of d(GAN_B term)/d(G_B parameters). */
  grad_G_B?: number;
}

/** Names of the losses that are NaN or infinite (empty when the step is finite). */
export function nonFiniteLosses(losses: StepLosses): string[] {
  return LOSS_NAMES.filter((k) => !Number.isFinite(losses[k]));
}

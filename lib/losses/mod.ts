/**
 * GAN losses by name (`--gan_mode`), the cycle and identity terms, and loss ablations.
 *
 * Each mode is one module registered here in {@link gan_mode}; the config's enum of names is
 * {@link GAN_MODE_NAMES}. The modes follow the official `GANLoss` (`models/networks.py`):
 * `lsgan` (the default and the paper's objective), `vanilla`, `wgangp` (with the gradient
 * penalty the official CycleGAN never applies, see `wgangp.ts`), plus `hinge`. Every function is
 * pure and returns a new scalar the caller disposes.
 *
 * The generators' objective (official `backward_G`, §1.6) with these pieces:
 *
 * ```ts
 * import { cycleLoss, gan_mode, identityLoss, lossTerms } from "./mod.ts";
 * const mode = gan_mode["lsgan"];
 * const on = lossTerms({ gan: true, cycle: "both" });
 * const terms = [
 *   on.GAN_A && mode.generatorLoss(netDA(fakeB)),
 *   on.GAN_B && mode.generatorLoss(netDB(fakeA)),
 *   on.cycle_A && cycleLoss(recA, realA, 10),
 *   on.cycle_B && cycleLoss(recB, realB, 10),
 *   identityLoss(() => netGA(realB), realB, 10, 0.5),
 *   identityLoss(() => netGB(realA), realA, 10, 0.5),
 * ];
 * ```
 * @module
 */
import { hinge } from "./hinge.ts";
import { lsgan } from "./lsgan.ts";
import type { GanLoss } from "./types.ts";
import { vanilla } from "./vanilla.ts";
import { gradientPenalty, type GradientPenaltyOptions, wgangp } from "./wgangp.ts";

export { bceWithLogits } from "./vanilla.ts";
export { cycleLoss, identityLoss, l1Loss } from "./cycle.ts";
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
} from "./ablation.ts";
export { type GanLoss, gradientPenalty, type GradientPenaltyOptions };

/**
 * Every GAN loss by its `--gan_mode` name. Adding one: a module plus one line here.
 *
 * ```ts
 * const d = gan_mode.vanilla.discriminatorLoss(predReal, predFake);
 * ```
 */
export const gan_mode: {
  readonly vanilla: GanLoss;
  readonly lsgan: GanLoss;
  readonly wgangp: GanLoss;
  readonly hinge: GanLoss;
} = Object.freeze({ vanilla, lsgan, wgangp, hinge });

/** A valid `--gan_mode` value: a key of {@link gan_mode}. */
export type GanModeName = keyof typeof gan_mode;

/**
 * The names {@link gan_mode} accepts, for the config schema's enum.
 *
 * ```ts
 * GAN_MODE_NAMES; // ["vanilla", "lsgan", "wgangp", "hinge"]
 * ```
 */
export const GAN_MODE_NAMES: readonly GanModeName[] = Object.freeze(
  Object.keys(gan_mode) as GanModeName[],
);

/**
 * The loss for `name`; an unknown name is an error that lists the valid ones.
 *
 * ```ts
 * const mode = ganLoss("lsgan");
 * ```
 */
export function ganLoss(name: string): GanLoss {
  if (!Object.hasOwn(gan_mode, name)) {
    throw new Error(
      `Cannot use gan_mode "${name}": expected one of ${GAN_MODE_NAMES.join(", ")}`,
    );
  }
  return gan_mode[name as GanModeName];
}

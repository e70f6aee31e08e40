/**
 * The `--netD` registry: one module per discriminator variant, found by name, as the official
 * `define_D`. In the paper's vocabulary the cycle_gan model builds two: `D_A` = D_Y (judges
 * domain B, so its input has `output_nc` channels) and `D_B` = D_X.
 *
 * ```ts
 * import { countDiscriminator, defineD } from "./mod.ts";
 * import { Rng } from "../nn/rng.ts";
 * countDiscriminator("basic"); // 2764737, nothing allocated
 * const D = defineD("basic", new Rng(0), { ndf: 8, label: "D_A" });
 * D.dispose();
 * ```
 * @module
 */
import { countParameters, type Module } from "../nn/module.ts";
import { instantiate, type Network } from "../nn/network.ts";
import type { Rng } from "../nn/rng.ts";
import type { z } from "zod";
import { lookup, parseOptions } from "../registry.ts";
import type {
  DiscriminatorEntry,
  DiscriminatorOptions,
  DiscriminatorOptionsInput,
} from "./_common.ts";
import { basic } from "./basic.ts";
import { nLayers } from "./n_layers.ts";
import { pixel } from "./pixel.ts";

export {
  discriminatorBaseSchema,
  type DiscriminatorEntry,
  type DiscriminatorOptions,
  type DiscriminatorOptionsInput,
} from "./_common.ts";
export { nLayersOutputSize, nLayersReceptiveField } from "./n_layers.ts";
export { receptiveFieldOf } from "./_common.ts";

/** Every discriminator by `--netD` name. Adding one: a module plus one line here. */
export const netD: Readonly<{
  basic: DiscriminatorEntry;
  n_layers: DiscriminatorEntry;
  pixel: DiscriminatorEntry;
}> = Object.freeze({ basic, n_layers: nLayers, pixel });

/** A `--netD` value. */
export type DiscriminatorName = keyof typeof netD;

/** The valid `--netD` values, in the official order. */
export const DISCRIMINATOR_NAMES = Object.keys(netD) as DiscriminatorName[];

/** Whether `name` is a registered discriminator. */
export function isDiscriminatorName(name: string): name is DiscriminatorName {
  return Object.hasOwn(netD, name);
}

function entry(name: string): DiscriminatorEntry {
  return lookup(netD, "netD", name);
}

/**
 * Fills in defaults and validates; unknown keys (including `n_layers_D` for a variant that
 * would ignore it) and bad values are errors, all reported at once, each naming the option.
 */
export function resolveDiscriminatorOptions(
  name: string,
  options: DiscriminatorOptionsInput = {},
): DiscriminatorOptions {
  return parseOptions(
    entry(name).options as unknown as z.ZodType<DiscriminatorOptions>,
    `netD ${name}`,
    options,
  );
}

/** The architecture of a discriminator (no tensors), for printing and counting. */
export function discriminatorModule(
  name: string,
  options: DiscriminatorOptionsInput = {},
): Module {
  return entry(name).build(resolveDiscriminatorOptions(name, options));
}

/** Learnable parameters of a discriminator, from shapes only. */
export function countDiscriminator(
  name: string,
  options: DiscriminatorOptionsInput = {},
): number {
  return countParameters(discriminatorModule(name, options));
}

/** Undefined when `height` x `width` images suit the discriminator, else the rule's message. */
export function checkDiscriminatorSize(
  name: string,
  height: number,
  width: number,
  options: DiscriminatorOptionsInput = {},
): string | undefined {
  return entry(name).sizeRule(height, width, resolveDiscriminatorOptions(name, options));
}

/**
 * Side of the input patch one score of the discriminator sees (pix2pix Table 3's "receptive
 * field"): 1 (`pixel`), 70 (`basic`), 16 / 70 / 286 for `n_layers` with 1 / 3 / 5 layers.
 *
 * ```ts
 * discriminatorReceptiveField("n_layers", { n_layers_D: 1 }); // 16
 * ```
 */
export function discriminatorReceptiveField(
  name: string,
  options: DiscriminatorOptionsInput = {},
): number {
  return entry(name).receptiveField(resolveDiscriminatorOptions(name, options));
}

/**
 * Builds and initialises a discriminator, as the official `define_D`.
 * `label` names its tfjs variables (`D_A/model.0.weight`) and must be unique among live ones.
 */
export function defineD(
  name: string,
  rng: Rng,
  options: DiscriminatorOptionsInput & { label?: string } = {},
): Network {
  const { label, ...rest } = options;
  const o = resolveDiscriminatorOptions(name, rest);
  return instantiate(entry(name).build(o), {
    variant: name,
    rng,
    initType: o.init_type,
    initGain: o.init_gain,
    label,
    inputChannels: o.input_nc,
  });
}

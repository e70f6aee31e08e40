/**
 * What every discriminator variant shares: the base option schema (the official `--input_nc`,
 * `--ndf`, `--norm`, `--init_type`, `--init_gain`) and the registry entry type.
 * @module
 */
import { z } from "zod";
import { INIT_TYPES, type InitType } from "../nn/init.ts";
import { type Module, NORM_TYPES, type NormType } from "../nn/module.ts";

/** Resolved discriminator options, named as the official command-line options. */
export interface DiscriminatorOptions {
  /** Channels of the images judged (`--input_nc` of D, default 3). */
  input_nc: number;
  /** Filters in the first conv layer (`--ndf`, default 64). */
  ndf: number;
  /** Normalisation layer (`--norm`, default instance). */
  norm: NormType;
  /** Weight initialisation (`--init_type`, default normal). */
  init_type: InitType;
  /** Scale for normal, xavier and orthogonal init (`--init_gain`, default 0.02). */
  init_gain: number;
  /** Stride-2 conv stages (`--n_layers_D`, default 3); only the `n_layers` variant has it. */
  n_layers_D?: number;
}

/** Discriminator options as a caller or config may give them: any subset. */
export type DiscriminatorOptionsInput = Partial<DiscriminatorOptions>;

/**
 * Options every discriminator takes, with the official defaults (official-cyclegan.md 1.1).
 * In the cycle_gan model D_A judges domain-B images, so its `input_nc` is the model's
 * `output_nc`, and D_B's is `input_nc`.
 */
export const discriminatorBaseSchema = z.strictObject({
  input_nc: z.number().int().min(1).default(3).describe("channels of the images judged"),
  ndf: z.number().int().min(1).default(64).describe("filters in the first conv layer"),
  norm: z.enum(NORM_TYPES).default("instance").describe("normalisation layer"),
  init_type: z.enum(INIT_TYPES).default("normal").describe("weight initialisation"),
  init_gain: z.number().positive().default(0.02).describe(
    "scale for normal, xavier and orthogonal init",
  ),
}) satisfies z.ZodType<DiscriminatorOptions, DiscriminatorOptionsInput>;

/** One `--netD` variant. */
export interface DiscriminatorEntry {
  /** One line for help texts and reports. */
  readonly summary: string;
  /**
   * The variant's options: schema, defaults and docs. Strict: `n_layers_D` is accepted only by
   * `n_layers`, since `basic` and `pixel` would silently ignore it (as the official code does).
   */
  readonly options: z.ZodObject;
  /** The architecture for resolved options; allocates nothing. */
  build(options: DiscriminatorOptions): Module;
  /**
   * Undefined when `height` x `width` images give a non-empty output map with these options,
   * else an error message naming the rule.
   */
  sizeRule(height: number, width: number, options: DiscriminatorOptions): string | undefined;
  /**
   * Side of the square input patch one output score sees (pix2pix Sec. 3.2.2 and Table 3:
   * 1 for the PixelGAN, 70 for the default PatchGAN), from the kernels and strides.
   */
  receptiveField(options: DiscriminatorOptions): number;
}

/**
 * The receptive field of a chain of convolutions, `[kernel, stride]` from input to output:
 * walking back from one output value, each layer widens it to `(r - 1) * stride + kernel`.
 *
 * ```ts
 * receptiveFieldOf([[4, 2], [4, 2], [4, 2], [4, 1], [4, 1]]); // 70, the basic PatchGAN
 * ```
 */
export function receptiveFieldOf(layers: ReadonlyArray<readonly [number, number]>): number {
  let r = 1;
  for (let i = layers.length - 1; i >= 0; i--) r = (r - 1) * layers[i][1] + layers[i][0];
  return r;
}

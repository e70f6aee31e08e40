/**
 * What every generator variant shares: its option schema (the official `--input_nc`,
 * `--output_nc`, `--ngf`, `--norm`, `--no_dropout`, `--init_type`, `--init_gain`), the registry
 * entry type, and the divisibility size rule.
 * @module
 */
import { z } from "zod";
import { INIT_TYPES, type InitType } from "../nn/init.ts";
import { type Module, NORM_TYPES, type NormType } from "../nn/module.ts";

/** Resolved generator options, named as the official command-line options. */
export interface GeneratorOptions {
  /** Channels of the input images (`--input_nc`, default 3). */
  input_nc: number;
  /** Channels of the output images (`--output_nc`, default 3). */
  output_nc: number;
  /** Filters in the last conv layer (`--ngf`, default 64). */
  ngf: number;
  /** Normalisation layer (`--norm`, default instance). */
  norm: NormType;
  /** No Dropout(0.5) in the generator (`--no_dropout`; the cycle_gan model sets it). */
  no_dropout: boolean;
  /** Weight initialisation (`--init_type`, default normal). */
  init_type: InitType;
  /** Scale for normal, xavier and orthogonal init (`--init_gain`, default 0.02). */
  init_gain: number;
}

/** Generator options as a caller or config may give them: any subset, defaults for the rest. */
export type GeneratorOptionsInput = Partial<GeneratorOptions>;

/**
 * Generator options with their defaults (official-cyclegan.md 1.1). `no_dropout` defaults to
 * true because the cycle_gan model sets it; pix2pix-style runs turn it off.
 */
export const generatorOptionsSchema: z.ZodType<GeneratorOptions, GeneratorOptionsInput> = z
  .strictObject({
    input_nc: z.number().int().min(1).default(3).describe("channels of the input images"),
    output_nc: z.number().int().min(1).default(3).describe("channels of the output images"),
    ngf: z.number().int().min(1).default(64).describe("filters in the last conv layer"),
    norm: z.enum(NORM_TYPES).default("instance").describe("normalisation layer"),
    no_dropout: z.boolean().default(true).describe(
      "no Dropout(0.5) in the generator (the cycle_gan model's default)",
    ),
    init_type: z.enum(INIT_TYPES).default("normal").describe("weight initialisation"),
    init_gain: z.number().positive().default(0.02).describe(
      "scale for normal, xavier and orthogonal init",
    ),
  });

/** One `--netG` variant. */
export interface GeneratorEntry {
  /** One line for help texts and reports. */
  readonly summary: string;
  /** The variant's options: schema, defaults and docs (`.describe()`). */
  readonly options: typeof generatorOptionsSchema;
  /** The architecture for resolved options; allocates nothing. */
  build(options: GeneratorOptions): Module;
  /**
   * The image sizes the variant accepts: undefined when `height` x `width` is fine, else an
   * error message naming the rule.
   */
  sizeRule(height: number, width: number): string | undefined;
}

/**
 * A size rule "height and width divisible by `divisor` and at least `min`", with the reason
 * for it in the message.
 */
export function divisibleRule(
  name: string,
  divisor: number,
  min: number,
  why: string,
): (height: number, width: number) => string | undefined {
  return (height, width) => {
    const ok = (v: number) => Number.isInteger(v) && v >= min && v % divisor === 0;
    if (ok(height) && ok(width)) return undefined;
    return `netG ${name} needs height and width divisible by ${divisor}` +
      (min > divisor ? ` and at least ${min}` : "") + ` (${why}); got ${height}x${width}`;
  };
}

/**
 * The `--netG` registry: one module per generator variant, found by name, as the official
 * `define_G`. Names, options (schema with defaults and docs) and size rules come from the
 * entries, so the config's enum of generator names is `GENERATOR_NAMES`.
 *
 * In the paper's vocabulary the cycle_gan model builds two of these: `G_A` = G (A -> B) and
 * `G_B` = F (B -> A).
 *
 * ```ts
 * import { countGenerator, defineG } from "./mod.ts";
 * import { Rng } from "../nn/rng.ts";
 * countGenerator("resnet_9blocks"); // 11378179, nothing allocated
 * const G = defineG("resnet_6blocks", new Rng(0), { ngf: 8, label: "G_A" });
 * G.dispose();
 * ```
 * @module
 */
import { countParameters, type Module } from "../nn/module.ts";
import { instantiate, type Network } from "../nn/network.ts";
import type { Rng } from "../nn/rng.ts";
import { lookup, parseOptions } from "../registry.ts";
import type { GeneratorEntry, GeneratorOptions, GeneratorOptionsInput } from "./_common.ts";
import { resnet6blocks } from "./resnet_6blocks.ts";
import { resnet9blocks } from "./resnet_9blocks.ts";
import { unet128 } from "./unet_128.ts";
import { unet256 } from "./unet_256.ts";
import { encoderDecoder256 } from "./encoder_decoder_256.ts";
import { encoderDecoder128 } from "./encoder_decoder_128.ts";

export {
  type GeneratorEntry,
  type GeneratorOptions,
  type GeneratorOptionsInput,
  generatorOptionsSchema,
} from "./_common.ts";

/** Every generator by `--netG` name. Adding one: a module plus one line here. */
export const netG: Readonly<{
  resnet_9blocks: GeneratorEntry;
  resnet_6blocks: GeneratorEntry;
  unet_256: GeneratorEntry;
  unet_128: GeneratorEntry;
  encoder_decoder_256: GeneratorEntry;
  encoder_decoder_128: GeneratorEntry;
}> = Object.freeze({
  resnet_9blocks: resnet9blocks,
  resnet_6blocks: resnet6blocks,
  unet_256: unet256,
  unet_128: unet128,
  encoder_decoder_256: encoderDecoder256,
  encoder_decoder_128: encoderDecoder128,
});

/** A `--netG` value. */
export type GeneratorName = keyof typeof netG;

/** The valid `--netG` values: the official ones in their order, then pix2pix's encoder-decoders. */
export const GENERATOR_NAMES = Object.keys(netG) as GeneratorName[];

/** Whether `name` is a registered generator. */
export function isGeneratorName(name: string): name is GeneratorName {
  return Object.hasOwn(netG, name);
}

function entry(name: string): GeneratorEntry {
  return lookup(netG, "netG", name);
}

/**
 * Fills in defaults and validates; unknown keys and bad values are errors, all reported at
 * once, each naming the option.
 */
export function resolveGeneratorOptions(
  name: string,
  options: GeneratorOptionsInput = {},
): GeneratorOptions {
  return parseOptions(entry(name).options, `netG ${name}`, options);
}

/** The architecture of a generator (no tensors), for printing and counting. */
export function generatorModule(name: string, options: GeneratorOptionsInput = {}): Module {
  return entry(name).build(resolveGeneratorOptions(name, options));
}

/** Learnable parameters of a generator, from shapes only. */
export function countGenerator(name: string, options: GeneratorOptionsInput = {}): number {
  return countParameters(generatorModule(name, options));
}

/**
 * Undefined when `height` x `width` images suit the generator, else the message of the rule
 * they break (e.g. "netG resnet_9blocks needs height and width divisible by 4 ...").
 */
export function checkGeneratorSize(
  name: string,
  height: number,
  width: number,
): string | undefined {
  return entry(name).sizeRule(height, width);
}

/**
 * Builds and initialises a generator, as the official `define_G`: the architecture for
 * `options`, every weight drawn from `rng` by `init_type` / `init_gain`.
 * `label` names its tfjs variables (`G_A/model.1.weight`) and must be unique among live ones.
 */
export function defineG(
  name: string,
  rng: Rng,
  options: GeneratorOptionsInput & { label?: string } = {},
): Network {
  const { label, ...rest } = options;
  const o = resolveGeneratorOptions(name, rest);
  return instantiate(entry(name).build(o), {
    variant: name,
    rng,
    initType: o.init_type,
    initGain: o.init_gain,
    label,
    inputChannels: o.input_nc,
  });
}

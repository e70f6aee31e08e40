/**
 * `unet_256`: U-Net with 8 downsamplings, so a 256x256 input reaches 1x1 at the bottleneck;
 * the pix2pix default. 54,409,603 parameters at ngf 64 with instance norm.
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { unetGenerator } from "./_unet.ts";

/** U-Net generator for 256x256 images. */
export const unet256: GeneratorEntry = {
  summary: "U-Net generator, 8 downsamplings (pix2pix default for 256x256)",
  options: generatorOptionsSchema,
  build: (o) => unetGenerator(o, 8),
  // docs/tips.md: 8 stride-2 convs each halve the size, and the skip concatenations need the
  // up path to land on exactly the down path's sizes.
  sizeRule: divisibleRule("unet_256", 256, 256, "eight stride-2 downsamplings"),
};

/**
 * `unet_128`: U-Net with 7 downsamplings, so a 128x128 input reaches 1x1 at the bottleneck.
 * 41,825,667 parameters at ngf 64 with instance norm.
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { unetGenerator } from "./_unet.ts";

/** U-Net generator for 128x128 images. */
export const unet128: GeneratorEntry = {
  summary: "U-Net generator, 7 downsamplings (for 128x128)",
  options: generatorOptionsSchema,
  build: (o) => unetGenerator(o, 7),
  // docs/tips.md: 7 stride-2 convs, and the skips need exact halvings.
  sizeRule: divisibleRule("unet_128", 128, 128, "seven stride-2 downsamplings"),
};

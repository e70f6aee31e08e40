/**
 * `resnet_6blocks`: the paper's generator for 128x128 images (the Torch default), 7,837,699
 * parameters at ngf 64 with instance norm.
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { resnetGenerator } from "./_resnet.ts";

/** ResNet generator with 6 residual blocks. */
export const resnet6blocks: GeneratorEntry = {
  summary: "ResNet generator, 6 residual blocks (the paper's choice for 128x128)",
  options: generatorOptionsSchema,
  build: (o) => resnetGenerator(o, 6),
  // As resnet_9blocks: divisible by 4 (docs/tips.md), at least 8 for the blocks' reflection pad.
  sizeRule: divisibleRule("resnet_6blocks", 4, 8, "two stride-2 downsamplings"),
};

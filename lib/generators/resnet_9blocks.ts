/**
 * `resnet_9blocks`: the CycleGAN default generator (256x256 training), 11,378,179 parameters
 * at ngf 64 with instance norm.
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { resnetGenerator } from "./_resnet.ts";

/** ResNet generator with 9 residual blocks. */
export const resnet9blocks: GeneratorEntry = {
  summary: "ResNet generator, 9 residual blocks (CycleGAN default for 256x256)",
  options: generatorOptionsSchema,
  build: (o) => resnetGenerator(o, 9),
  // docs/tips.md: ResNet generators need sizes divisible by 4. The minimum 8 is ours: below
  // it the blocks' reflection pad of 1 meets a 1x1 map, which PyTorch rejects as well.
  sizeRule: divisibleRule("resnet_9blocks", 4, 8, "two stride-2 downsamplings"),
};

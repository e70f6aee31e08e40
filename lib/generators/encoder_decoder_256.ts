/**
 * `encoder_decoder_256`: pix2pix's encoder-decoder (paper Sec. 3.1.1, Table 2), the `unet_256`
 * layers without the skip connections: 8 stride-2 downsamplings to a 1x1 bottleneck through
 * which all information must pass. The official repository has no such option; pix2pix's
 * Table 2 trained it to show what the skips add, so it is built here from the U-Net's own
 * blocks (lib/generators/_unet.ts with `skip: false`).
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { unetGenerator } from "./_unet.ts";

/** Encoder-decoder generator for 256x256 images. */
export const encoderDecoder256: GeneratorEntry = {
  summary: "encoder-decoder: unet_256 without skip connections (pix2pix Table 2)",
  options: generatorOptionsSchema,
  build: (o) => unetGenerator(o, 8, false),
  // The same eight halvings as unet_256 (the up path must land on the input size).
  sizeRule: divisibleRule("encoder_decoder_256", 256, 256, "eight stride-2 downsamplings"),
};

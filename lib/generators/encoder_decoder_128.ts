/**
 * `encoder_decoder_128`: pix2pix's encoder-decoder (paper Sec. 3.1.1, Table 2) at 128x128, the
 * `unet_128` layers without the skip connections (7 stride-2 downsamplings to a 1x1
 * bottleneck). Built from the U-Net's own blocks (lib/generators/_unet.ts, `skip: false`).
 * @module
 */
import { divisibleRule, type GeneratorEntry, generatorOptionsSchema } from "./_common.ts";
import { unetGenerator } from "./_unet.ts";

/** Encoder-decoder generator for 128x128 images. */
export const encoderDecoder128: GeneratorEntry = {
  summary: "encoder-decoder: unet_128 without skip connections (pix2pix Table 2)",
  options: generatorOptionsSchema,
  build: (o) => unetGenerator(o, 7, false),
  sizeRule: divisibleRule("encoder_decoder_128", 128, 128, "seven stride-2 downsamplings"),
};

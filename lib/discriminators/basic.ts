/**
 * `basic`: the 70x70 PatchGAN, the CycleGAN default discriminator (NLayerDiscriminator with
 * n_layers 3: C64-C128-C256-C512 plus the 1-channel output conv). 2,764,737 parameters at
 * ndf 64 with instance norm; a 256x256 input gives a 30x30 map of patch scores.
 * @module
 */
import { discriminatorBaseSchema, type DiscriminatorEntry } from "./_common.ts";
import { nLayerDiscriminator, nLayersReceptiveField, nLayersSizeRule } from "./n_layers.ts";

const rule = nLayersSizeRule("basic", 3);

/** The 70x70 PatchGAN. */
export const basic: DiscriminatorEntry = {
  summary: "70x70 PatchGAN (CycleGAN default; NLayerDiscriminator with 3 layers)",
  options: discriminatorBaseSchema,
  build: (o) => nLayerDiscriminator(o, 3),
  sizeRule: (h, w) => rule(h, w),
  receptiveField: () => nLayersReceptiveField(3),
};

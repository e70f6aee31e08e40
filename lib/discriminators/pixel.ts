/**
 * `pixel`: the official PixelDiscriminator (1x1 PatchGAN): 1x1 convs ndf -> 2*ndf (with norm)
 * -> 1, LeakyReLU(0.2). It judges single pixels, which "encourages greater color diversity but
 * has no effect on spatial statistics" (official docstring). 8,705 parameters at ndf 64 with
 * instance norm.
 * @module
 */
import {
  container,
  conv2dModule,
  leakyReluModule,
  type Module,
  normModule,
  sequential,
  usesBias,
} from "../nn/module.ts";
import {
  discriminatorBaseSchema,
  type DiscriminatorEntry,
  type DiscriminatorOptions,
} from "./_common.ts";

/**
 * PixelDiscriminator(input_nc, ndf, norm). As in the official code the last conv's bias
 * follows `use_bias` (present only with instance norm), unlike the PatchGAN's output conv.
 */
export function pixelDiscriminator(o: DiscriminatorOptions): Module {
  const bias = usesBias(o.norm);
  const net = sequential([
    conv2dModule(o.input_nc, o.ndf, { kernel: 1 }),
    leakyReluModule(0.2),
    conv2dModule(o.ndf, o.ndf * 2, { kernel: 1, bias }),
    normModule(o.norm, o.ndf * 2),
    leakyReluModule(0.2),
    conv2dModule(o.ndf * 2, 1, { kernel: 1, bias }),
  ]);
  return container("PixelDiscriminator", [["net", net]], (x, s) => net.forward(x, s.child("net")));
}

/** The 1x1 PatchGAN. */
export const pixel: DiscriminatorEntry = {
  summary: "1x1 PixelGAN: judges each pixel's colour, no spatial statistics",
  options: discriminatorBaseSchema,
  build: (o) => pixelDiscriminator(o),
  sizeRule: (h, w) =>
    Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1
      ? undefined
      : `netD pixel needs positive integer height and width; got ${h}x${w}`,
  // Only 1x1 convs: each score sees one pixel.
  receptiveField: () => 1,
};

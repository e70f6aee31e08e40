/**
 * `n_layers`: the official NLayerDiscriminator (PatchGAN) with `--n_layers_D` stride-2 stages;
 * `basic` is this with 3 (official-cyclegan.md 1.3). Kernel 4, padding 1 throughout:
 * C64 (no norm) - C128 - C256 ... each stride 2, one stride-1 conv at 64*min(2^n, 8) channels,
 * then a 1-channel stride-1 conv with a bias and no sigmoid (the GAN loss takes raw scores).
 * @module
 */
import { z } from "zod";
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
  type DiscriminatorOptionsInput,
  receptiveFieldOf,
} from "./_common.ts";

/** NLayerDiscriminator(input_nc, ndf, n_layers, norm). */
export function nLayerDiscriminator(o: DiscriminatorOptions, nLayers: number): Module {
  const { input_nc: inputNc, ndf, norm } = o;
  const bias = usesBias(norm);
  // The first conv always has a bias (PyTorch default): no norm follows it.
  const layers: Module[] = [
    conv2dModule(inputNc, ndf, { kernel: 4, stride: 2, padding: 1 }),
    leakyReluModule(0.2),
  ];
  let mult = 1;
  for (let n = 1; n < nLayers; n++) {
    const prev = mult;
    mult = Math.min(2 ** n, 8);
    layers.push(
      conv2dModule(ndf * prev, ndf * mult, { kernel: 4, stride: 2, padding: 1, bias }),
      normModule(norm, ndf * mult),
      leakyReluModule(0.2),
    );
  }
  const prev = mult;
  mult = Math.min(2 ** nLayers, 8);
  layers.push(
    conv2dModule(ndf * prev, ndf * mult, { kernel: 4, stride: 1, padding: 1, bias }),
    normModule(norm, ndf * mult),
    leakyReluModule(0.2),
    conv2dModule(ndf * mult, 1, { kernel: 4, stride: 1, padding: 1 }),
  );
  const model = sequential(layers);
  return container(
    "NLayerDiscriminator",
    [["model", model]],
    (x, s) => model.forward(x, s.child("model")),
  );
}

/**
 * Side of the patch-score map for an input side `size`: n_layers 4x4 stride-2 convs, then two
 * 4x4 stride-1 convs, all with padding 1 (each conv needs its padded input >= 4). 0 when the
 * input is too small. 256 gives 30 and 64 gives 6 for n_layers 3 (the 70x70 PatchGAN).
 */
export function nLayersOutputSize(size: number, nLayers: number): number {
  let s = size;
  const conv = (stride: number) => {
    s = s + 2 < 4 ? 0 : Math.floor((s + 2 - 4) / stride) + 1;
  };
  for (let i = 0; i < nLayers; i++) conv(2);
  conv(1);
  conv(1);
  return s;
}

/**
 * Receptive field of an n-layer PatchGAN: n 4x4 stride-2 convs, then two 4x4 stride-1 convs.
 * 1 layer gives 16, 3 (basic) 70, 5 the 286 of pix2pix's ImageGAN row (Table 3).
 *
 * ```ts
 * nLayersReceptiveField(5); // 286
 * ```
 */
export function nLayersReceptiveField(nLayers: number): number {
  const layers: [number, number][] = Array.from({ length: nLayers }, () => [4, 2]);
  return receptiveFieldOf([...layers, [4, 1], [4, 1]]);
}

/** The size rule of an n-layer PatchGAN: a non-empty score map. */
export function nLayersSizeRule(
  name: string,
  nLayers: number,
): (height: number, width: number) => string | undefined {
  let min = 1;
  while (nLayersOutputSize(min, nLayers) < 1) min++;
  return (height, width) => {
    if (nLayersOutputSize(height, nLayers) >= 1 && nLayersOutputSize(width, nLayers) >= 1) {
      return undefined;
    }
    return `netD ${name} needs height and width of at least ${min} (${nLayers} stride-2 and ` +
      `2 stride-1 4x4 convs must leave a score map); got ${height}x${width}`;
  };
}

const nLayersSchema = discriminatorBaseSchema.extend({
  n_layers_D: z.number().int().min(1).default(3).describe(
    "stride-2 conv stages in D (3 = the 70x70 PatchGAN)",
  ),
}) satisfies z.ZodType<DiscriminatorOptions, DiscriminatorOptionsInput>;

/** PatchGAN with `n_layers_D` stride-2 stages. */
export const nLayers: DiscriminatorEntry = {
  summary: "PatchGAN with --n_layers_D stride-2 stages (3 = basic)",
  options: nLayersSchema,
  build: (o) => nLayerDiscriminator(o, o.n_layers_D ?? 3),
  sizeRule: (h, w, o) => nLayersSizeRule("n_layers", o.n_layers_D ?? 3)(h, w),
  receptiveField: (o) => nLayersReceptiveField(o.n_layers_D ?? 3),
};

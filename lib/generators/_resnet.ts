/**
 * The official ResnetGenerator (`models/networks.py`, after Johnson et al.'s fast style
 * transfer network), layer by layer as official-cyclegan.md 1.2; in the paper's notation
 * `c7s1-64, d128, d256, R256 x n_blocks, u128, u64, c7s1-3` (appendix 7.2).
 *
 * Indices of the `model` Sequential, hence the state_dict keys, are the official ones:
 * for 9 blocks the first conv is `model.1`, the blocks `model.10` ... `model.18`, the
 * transposed convs `model.19` and `model.22`, the last conv `model.26`.
 * @module
 */
import {
  container,
  conv2dModule,
  convTranspose2dModule,
  dropoutModule,
  type Module,
  normModule,
  reflectionPadModule,
  reluModule,
  sequential,
  tanhModule,
  usesBias,
} from "../nn/module.ts";
import { checkpointed } from "../nn/network.ts";
import { tf } from "../tf.ts";
import type { GeneratorOptions } from "./_common.ts";

/** Downsampling (and upsampling) steps: two stride-2 convs, so sizes must divide by 4. */
export const RESNET_DOWNSAMPLINGS = 2;

/** ResnetGenerator(input_nc, output_nc, ngf, norm, use_dropout, n_blocks), reflect padding. */
export function resnetGenerator(o: GeneratorOptions, nBlocks: number): Module {
  const { input_nc: inputNc, output_nc: outputNc, ngf, norm } = o;
  const bias = usesBias(norm);
  const layers: Module[] = [
    reflectionPadModule(3),
    conv2dModule(inputNc, ngf, { kernel: 7, bias }),
    normModule(norm, ngf),
    reluModule(),
  ];
  for (let i = 0; i < RESNET_DOWNSAMPLINGS; i++) {
    const mult = 2 ** i;
    layers.push(
      conv2dModule(ngf * mult, ngf * mult * 2, { kernel: 3, stride: 2, padding: 1, bias }),
      normModule(norm, ngf * mult * 2),
      reluModule(),
    );
  }
  const dim = ngf * 2 ** RESNET_DOWNSAMPLINGS;
  for (let i = 0; i < nBlocks; i++) layers.push(resnetBlock(dim, o));
  for (let i = 0; i < RESNET_DOWNSAMPLINGS; i++) {
    const mult = 2 ** (RESNET_DOWNSAMPLINGS - i);
    // int(ngf * mult / 2) in the official code; mult is even here, so exact.
    const out = Math.floor((ngf * mult) / 2);
    layers.push(
      convTranspose2dModule(ngf * mult, out, {
        kernel: 3,
        stride: 2,
        padding: 1,
        outputPadding: 1,
        bias,
      }),
      normModule(norm, out),
      reluModule(),
    );
  }
  // The last conv always has a bias (PyTorch's default): no norm follows it.
  layers.push(reflectionPadModule(3), conv2dModule(ngf, outputNc, { kernel: 7 }), tanhModule());
  const model = sequential(layers);
  return container(
    "ResnetGenerator",
    [["model", model]],
    (x, s) => model.forward(x, s.child("model")),
  );
}

/**
 * ResnetBlock(dim): reflect pad 1, conv 3x3, norm, ReLU, [Dropout(0.5)], reflect pad 1,
 * conv 3x3, norm; output x + block(x) with no ReLU after the addition (official
 * `ResnetBlock.forward`). Goes through the caller's checkpoint wrapper when one is given: the
 * residual convs hold about 80 % of the FLOPs and activations (backend-prototype.md, section 6).
 */
function resnetBlock(dim: number, o: GeneratorOptions): Module {
  const bias = usesBias(o.norm);
  const layers: Module[] = [
    reflectionPadModule(1),
    conv2dModule(dim, dim, { kernel: 3, bias }),
    normModule(o.norm, dim),
    reluModule(),
  ];
  if (!o.no_dropout) layers.push(dropoutModule(0.5));
  layers.push(
    reflectionPadModule(1),
    conv2dModule(dim, dim, { kernel: 3, bias }),
    normModule(o.norm, dim),
  );
  const convBlock = sequential(layers);
  const block: Module = container(
    "ResnetBlock",
    [["conv_block", convBlock]],
    (x, s) =>
      checkpointed(
        block,
        x,
        s,
        (xi, si) => tf.add(xi, convBlock.forward(xi, si.child("conv_block"))) as tf.Tensor4D,
      ),
  );
  return block;
}

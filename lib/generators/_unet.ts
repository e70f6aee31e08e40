/**
 * The official UnetGenerator (`models/networks.py`), built recursively from the innermost
 * block outwards as the official code does, so the nesting and therefore the state_dict keys
 * match: the outermost down conv is `model.model.0`, the next block's `model.model.1.model.1`.
 * Layer by layer as official-cyclegan.md 1.2.
 * @module
 */
import {
  container,
  conv2dModule,
  convTranspose2dModule,
  dropoutModule,
  leakyReluModule,
  type Module,
  normModule,
  type NormType,
  reluModule,
  sequential,
  tanhModule,
  usesBias,
} from "../nn/module.ts";
import { tf } from "../tf.ts";
import type { GeneratorOptions } from "./_common.ts";

/**
 * UnetGenerator(input_nc, output_nc, num_downs, ngf, norm, use_dropout). With `skip: false`
 * it is pix2pix's encoder-decoder (paper Sec. 3.1.1 and Table 2): the same layers with the
 * skip concatenations removed, so each up conv takes `inner` channels instead of `2 * inner`.
 */
export function unetGenerator(o: GeneratorOptions, numDowns: number, skip = true): Module {
  const { ngf, norm } = o;
  const useDropout = !o.no_dropout;
  let block = unetBlock({ outer: ngf * 8, inner: ngf * 8, norm, position: "innermost", skip });
  // num_downs - 5 intermediate 512-channel blocks; only these get dropout.
  for (let i = 0; i < numDowns - 5; i++) {
    block = unetBlock({
      outer: ngf * 8,
      inner: ngf * 8,
      norm,
      submodule: block,
      useDropout,
      skip,
    });
  }
  block = unetBlock({ outer: ngf * 4, inner: ngf * 8, norm, submodule: block, skip });
  block = unetBlock({ outer: ngf * 2, inner: ngf * 4, norm, submodule: block, skip });
  block = unetBlock({ outer: ngf, inner: ngf * 2, norm, submodule: block, skip });
  const outermost = unetBlock({
    outer: o.output_nc,
    inner: ngf,
    input: o.input_nc,
    norm,
    submodule: block,
    position: "outermost",
    skip,
  });
  return container(
    skip ? "UnetGenerator" : "EncoderDecoderGenerator",
    [["model", outermost]],
    (x, s) => outermost.forward(x, s.child("model")),
  );
}

interface BlockSpec {
  outer: number;
  inner: number;
  input?: number;
  norm: NormType;
  submodule?: Module;
  position?: "outermost" | "innermost";
  useDropout?: boolean;
  /** Concatenate the block's input to its output (U-Net); false: encoder-decoder. */
  skip: boolean;
}

/**
 * UnetSkipConnectionBlock: x -> [LeakyReLU(0.2)] -> down conv 4x4 s2 p1 -> [norm] ->
 * submodule -> ReLU -> transposed conv 4x4 s2 p1 -> norm | Tanh -> [Dropout(0.5)], and every
 * block but the outermost returns concat(x, that) along channels.
 *
 * The official LeakyReLU is in place, so the tensor it concatenates is really LeakyReLU(x), not
 * x. The concatenation is only ever consumed by the parent's up ReLU, and
 * ReLU(LeakyReLU(x)) = ReLU(x) (values and gradients), so concatenating x is equivalent.
 */
function unetBlock(b: BlockSpec): Module {
  const bias = usesBias(b.norm);
  const input = b.input ?? b.outer;
  // What the up conv of a block with a submodule sees: the submodule's output, which is
  // concat(x, y) (2 * inner channels) with skips and y alone (inner) without.
  const upIn = b.skip ? b.inner * 2 : b.inner;
  const downconv = conv2dModule(input, b.inner, { kernel: 4, stride: 2, padding: 1, bias });
  let layers: Module[];
  if (b.position === "outermost") {
    if (!b.submodule) throw new Error("unetBlock: the outermost block needs a submodule");
    // Outermost up conv: bias=True (PyTorch default), Tanh instead of a norm.
    const upconv = convTranspose2dModule(upIn, b.outer, {
      kernel: 4,
      stride: 2,
      padding: 1,
    });
    layers = [downconv, b.submodule, reluModule(), upconv, tanhModule()];
  } else if (b.position === "innermost") {
    const upconv = convTranspose2dModule(b.inner, b.outer, {
      kernel: 4,
      stride: 2,
      padding: 1,
      bias,
    });
    // No norm after the innermost down conv (its output is 1x1 at the bottleneck).
    layers = [leakyReluModule(0.2), downconv, reluModule(), upconv, normModule(b.norm, b.outer)];
  } else {
    if (!b.submodule) throw new Error("unetBlock: an intermediate block needs a submodule");
    const upconv = convTranspose2dModule(upIn, b.outer, {
      kernel: 4,
      stride: 2,
      padding: 1,
      bias,
    });
    layers = [
      leakyReluModule(0.2),
      downconv,
      normModule(b.norm, b.inner),
      b.submodule,
      reluModule(),
      upconv,
      normModule(b.norm, b.outer),
    ];
    if (b.useDropout) layers.push(dropoutModule(0.5));
  }
  const model = sequential(layers);
  const outermost = b.position === "outermost";
  return container("UnetSkipConnectionBlock", [["model", model]], (x, s) => {
    const y = model.forward(x, s.child("model"));
    return outermost || !b.skip ? y : tf.concat([x, y], 3) as tf.Tensor4D;
  });
}

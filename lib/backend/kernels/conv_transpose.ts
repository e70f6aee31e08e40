/**
 * Transposed convolution (PyTorch `ConvTranspose2d` semantics) as sub-pixel stride-1 convs.
 *
 * A transposed conv is the input gradient of the conv that maps its output back to its input,
 * so the forward is {@link conv2dInputGrad}: for stride 2, four stride-1 convs with the
 * filter's phase sub-filters, interleaved. tfjs's `tf.conv2dTranspose` runs the slow
 * `Conv2DBackpropInput` on wasm (2.7 vs 24.3 GFLOP/s, backend-prototype.md section 2) and its
 * gradient needs the missing `Conv2DBackpropFilter`, so it must not be used there.
 * @module
 */
import { tf } from "../../tf.ts";
import { conv2dFilterGrad, conv2dInputGrad } from "./conv_grads.ts";
import { conv2dWithPad, type ExplicitPad, type Pair, pair } from "./conv_pad.ts";

/** Options of {@link convTranspose2d}, named as in PyTorch's `ConvTranspose2d`. */
export interface ConvTransposeOptions {
  /** Default 1. */
  stride?: Pair;
  /** Implicit zero padding `dilation * (k - 1) - padding` on both sides; default 0. */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right of the output, less than the stride; default 0. */
  outputPadding?: Pair;
}

/**
 * `ConvTranspose2d` with PyTorch's output size `(H - 1) * stride - 2 * padding + k +
 * outputPadding`. `x` is NHWC `[N, H, W, inC]`, `filter` is `[kh, kw, outC, inC]` (tfjs's
 * `conv2dTranspose` layout). Gradients: dx is the forward conv of dy with the same filter,
 * stride and padding; dW is {@link conv2dFilterGrad} with the roles of x and dy swapped. Both
 * are fast on wasm and differentiable again.
 *
 * @example
 * ```ts
 * // ResNet generator upsampling: 3x3, stride 2, padding 1, output_padding 1 doubles H and W.
 * const y = convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1 });
 * // U-Net upsampling: 4x4, stride 2, padding 1.
 * const z = convTranspose2d(x, w4, { stride: 2, padding: 1 });
 * ```
 */
export function convTranspose2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: ConvTransposeOptions = {},
): tf.Tensor4D {
  const [sh, sw] = pair(options.stride ?? 1);
  const [ph, pw] = pair(options.padding ?? 0);
  const [oph, opw] = pair(options.outputPadding ?? 0);
  const [n, h, w, inC] = x.shape;
  const [kh, kw, outC, fInC] = filter.shape;
  if (x.rank !== 4 || filter.rank !== 4 || fInC !== inC) {
    throw new Error(
      `Cannot transpose-convolve x [${x.shape}] with filter [${filter.shape}]: expected NHWC x ` +
        "and a [kh, kw, outC, inC] filter whose last axis matches x's channels",
    );
  }
  if (oph >= sh || opw >= sw || oph < 0 || opw < 0 || ph < 0 || pw < 0) {
    throw new Error(
      `Cannot use outputPadding [${oph}, ${opw}] and padding [${ph}, ${pw}] with stride ` +
        `[${sh}, ${sw}]: expected 0 <= outputPadding < stride and padding >= 0`,
    );
  }
  const outH = (h - 1) * sh - 2 * ph + kh + oph;
  const outW = (w - 1) * sw - 2 * pw + kw + opw;
  if (outH < 1 || outW < 1) {
    throw new Error(
      `Cannot transpose-convolve a ${h}x${w} input with a ${kh}x${kw} filter and padding ` +
        `[${ph}, ${pw}]: the output would be ${outH}x${outW}`,
    );
  }
  // The conv that maps the output back onto x: stride s, pad p on top/left and p - op on the
  // bottom/right (negative: those rows are cropped).
  const strides: [number, number] = [sh, sw];
  const pad: ExplicitPad = { top: ph, bottom: ph - oph, left: pw, right: pw - opw };
  const outShape = [n, outH, outW, outC];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, weights, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, weights]);
    return {
      value: conv2dInputGrad(input, weights, { inShape: outShape, strides, pad }),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          conv2dWithPad(dy, sf, { strides, pad }),
          conv2dFilterGrad(dy, sx, { filterShape: sf.shape, strides, pad }),
        ];
      },
    };
  });
  return op(x, filter);
}

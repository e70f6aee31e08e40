/**
 * Convolution padding: tfjs's conv attributes as explicit per-side pads, and `tf.conv2d` with
 * signed explicit pads (negative = crop), used by every kernel in this folder.
 * @module
 */
import { tf } from "../../tf.ts";

/** A height/width pair, or one number for both. */
export type Pair = number | readonly [number, number];

/** Zero padding of each spatial side. A negative value means crop (used internally). */
export interface ExplicitPad {
  /** Rows added above. */
  top: number;
  /** Rows added below. */
  bottom: number;
  /** Columns added on the left. */
  left: number;
  /** Columns added on the right. */
  right: number;
}

/** tfjs's `pad` argument of `tf.conv2d`. */
export type TfConvPad =
  | "same"
  | "valid"
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

/** The convolution attributes tfjs records for a `Conv2D` kernel call (NHWC). */
export interface TfConvAttrs {
  /** `same`, `valid`, a number for every side, or explicit NHWC pairs. */
  pad: TfConvPad;
  /** Default 1. */
  strides?: Pair;
  /** Default 1. */
  dilations?: Pair;
  /** How tfjs rounds a fractional output size with numeric/explicit pads (default: truncate). */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** {@link explicitConvPad}'s result: the pads, and the output size they give. */
export interface ConvPadInfo extends ExplicitPad {
  /** Output rows of the forward conv. */
  outHeight: number;
  /** Output columns of the forward conv. */
  outWidth: number;
}

/** Geometry of a forward convolution, shared by both gradients. */
export interface ConvGeometry {
  /** Forward strides (default 1). */
  strides?: Pair;
  /** Forward padding; `bottom`/`right` may be the effective ones from {@link explicitConvPad}. */
  pad: ExplicitPad;
  /** Forward dilations (default 1). As in tfjs, strides and dilations can't both exceed 1. */
  dilations?: Pair;
}

/**
 * Turns tfjs conv attributes into explicit pads, exactly as tfjs's `computeConv2DInfo` sizes
 * the output: `same` puts the odd pixel at the bottom/right, `valid` and numbers follow tfjs's
 * rounding (`dimRoundingMode`, truncation by default).
 *
 * `bottom`/`right` are the *effective* pads, `(out - 1) * stride + dilatedK - in - top`: what
 * the kernels actually read. They differ from tfjs's nominal ones when rows are left unused
 * (`valid`, stride 2, even excess: negative) or when `ceil` rounding reads past the pad.
 *
 * @example
 * ```ts
 * explicitConvPad([1, 15, 13, 4], [3, 3, 4, 8], { pad: "same", strides: 2 });
 * // { top: 1, bottom: 1, left: 1, right: 1, outHeight: 8, outWidth: 7 }
 * ```
 */
export function explicitConvPad(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: TfConvAttrs,
): ConvPadInfo {
  if (inShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `Cannot compute conv padding for input shape [${inShape}] and filter shape ` +
        `[${filterShape}]: expected a 4-D NHWC input and a 4-D [kh, kw, Cin, Cout] filter`,
    );
  }
  const [sh, sw] = pair(attrs.strides ?? 1);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  const kh = dilatedSize(filterShape[0], dh);
  const kw = dilatedSize(filterShape[1], dw);
  const [, h, w] = inShape;
  const { pad, dimRoundingMode } = attrs;
  let top: number, left: number, outHeight: number, outWidth: number;
  if (pad === "same") {
    outHeight = Math.ceil(h / sh);
    outWidth = Math.ceil(w / sw);
    top = Math.floor(Math.max(0, (outHeight - 1) * sh + kh - h) / 2);
    left = Math.floor(Math.max(0, (outWidth - 1) * sw + kw - w) / 2);
  } else if (pad === "valid") {
    top = left = 0;
    outHeight = Math.ceil((h - kh + 1) / sh);
    outWidth = Math.ceil((w - kw + 1) / sw);
  } else if (typeof pad === "number") {
    top = left = pad;
    outHeight = roundDim((h - kh + 2 * pad) / sh + 1, dimRoundingMode);
    outWidth = roundDim((w - kw + 2 * pad) / sw + 1, dimRoundingMode);
  } else if (Array.isArray(pad) && pad.length === 4) {
    top = pad[1][0];
    left = pad[2][0];
    outHeight = roundDim((h - kh + pad[1][0] + pad[1][1]) / sh + 1, dimRoundingMode);
    outWidth = roundDim((w - kw + pad[2][0] + pad[2][1]) / sw + 1, dimRoundingMode);
  } else {
    throw new Error(
      `Cannot read conv padding ${JSON.stringify(pad)}: expected 'same', 'valid', a number ` +
        "or [[0, 0], [top, bottom], [left, right], [0, 0]]",
    );
  }
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(
      `Cannot convolve a ${h}x${w} input with a ${filterShape[0]}x${filterShape[1]} filter ` +
        `(pad ${JSON.stringify(pad)}): the output would be ${outHeight}x${outWidth}`,
    );
  }
  return {
    top,
    bottom: (outHeight - 1) * sh + kh - h - top,
    left,
    right: (outWidth - 1) * sw + kw - w - left,
    outHeight,
    outWidth,
  };
}

/**
 * `tf.conv2d` with explicit per-side padding, where a negative pad crops the input instead.
 *
 * @example
 * ```ts
 * const y = conv2dWithPad(x, w, { pad: { top: 1, bottom: 0, left: 1, right: 0 }, strides: 2 });
 * ```
 */
export function conv2dWithPad(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: ConvGeometry,
): tf.Tensor4D {
  const strides = pair(options.strides ?? 1);
  const dilations = pair(options.dilations ?? 1);
  const { top, bottom, left, right } = options.pad;
  const [n, h, w] = x.shape;
  const croppedH = h - Math.max(0, -top) - Math.max(0, -bottom);
  const croppedW = w - Math.max(0, -left) - Math.max(0, -right);
  if (croppedH <= 0 || croppedW <= 0) {
    // Everything the filter could see was cropped away: the output is all padding.
    const outH = Math.floor(
      (h + top + bottom - dilatedSize(filter.shape[0], dilations[0])) / strides[0],
    ) + 1;
    const outW = Math.floor(
      (w + left + right - dilatedSize(filter.shape[1], dilations[1])) / strides[1],
    ) + 1;
    return tf.zeros([n, outH, outW, filter.shape[3]]);
  }
  return tf.tidy(() => {
    const input = padOrCrop(x, [[0, 0], [top, bottom], [left, right], [0, 0]], true);
    const p = [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)];
    const pad: TfConvPad = p.every((v) => v === 0)
      ? "valid"
      : [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
    return tf.conv2d(input, filter, strides, pad, "NHWC", dilations);
  });
}

/** `[h, w]` from a {@link Pair}. */
export function pair(p: Pair): [number, number] {
  return typeof p === "number" ? [p, p] : [p[0], p[1]];
}

/** Extent of a `k`-tap filter with dilation `d`. */
export function dilatedSize(k: number, d: number): number {
  return (k - 1) * d + 1;
}

function roundDim(v: number, mode: TfConvAttrs["dimRoundingMode"]): number {
  if (mode === "ceil") return Math.ceil(v);
  if (mode === "round") return Math.round(v);
  if (mode === "floor") return Math.floor(v);
  return Math.trunc(v);
}

/**
 * Pads (positive) or crops (negative) each side of each axis of a 4-D tensor. With `cropOnly`
 * the positive pads are left for the caller (a conv pads for free).
 */
export function padOrCrop(
  x: tf.Tensor4D,
  sides: [number, number][],
  cropOnly = false,
): tf.Tensor4D {
  let out = x;
  if (sides.some(([b, a]) => b < 0 || a < 0)) {
    const begin = sides.map(([b]) => Math.max(0, -b));
    const size = x.shape.map((d, i) => d - begin[i] - Math.max(0, -sides[i][1]));
    out = tf.slice(out, begin, size);
  }
  if (!cropOnly && sides.some(([b, a]) => b > 0 || a > 0)) {
    const p = sides.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as [number, number]);
    out = tf.pad(out, p);
  }
  return out;
}

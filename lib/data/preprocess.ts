/**
 * The official image transform (`get_transform`, official-cyclegan.md 1.8), split in two so the
 * costly half can be cached:
 *
 * 1. {@link prepare} (deterministic, cached in memory and on disk): grayscale when the domain
 *    has 1 channel, then the resize of the `preprocess` mode (bicubic, as PIL).
 * 2. {@link augment} (per load, cheap): random `crop_size` crop, random horizontal flip, scaling
 *    of bytes to [-1, 1] (`ToTensor` then `Normalize(0.5, 0.5)`), all drawn from the caller's rng.
 *
 * Evaluation uses {@link prepareEval}: resize to `crop_size` (crop modes), no crop, no flip.
 *
 * ```ts
 * import { augment, prepare, resolvePreprocess } from "./preprocess.ts";
 * import { Rng } from "../nn/rng.ts";
 * const p = resolvePreprocess({ preprocess: "resize_and_crop", load_size: 72, crop_size: 64 });
 * const img = { width: 100, height: 80, channels: 3, data: new Uint8Array(100 * 80 * 3) };
 * const ready = prepare(img, p, 3);              // 72 x 72 RGB bytes
 * const x = augment(ready, p, new Rng(0));       // Float32Array, 64 * 64 * 3 values in [-1, 1]
 * ```
 * @module
 */
import { z } from "zod";
import type { Rng } from "../nn/rng.ts";
import { type Pixels, resizeBicubic, toChannels } from "./pixels.ts";
import { describeIssues } from "../registry.ts";

/** The official `--preprocess` modes. */
export const PREPROCESS_MODES = [
  "resize_and_crop",
  "crop",
  "scale_width",
  "scale_width_and_crop",
  "none",
] as const;

/** A `--preprocess` mode. */
export type PreprocessMode = typeof PREPROCESS_MODES[number];

/** Resolved preprocessing options, named as the official command-line options. */
export interface PreprocessOptions {
  /** How images are resized and cropped (`--preprocess`, default `resize_and_crop`). */
  preprocess: PreprocessMode;
  /** Resize target: the square size, or the width for `scale_width*` (`--load_size`, 286). */
  load_size: number;
  /** Random crop size, and the evaluation size (`--crop_size`, 256). */
  crop_size: number;
  /** No random horizontal flip (`--no_flip`). */
  no_flip: boolean;
  /** Channels of domain A: 1 (gray, PIL 'L') or 3 (`--input_nc`). */
  input_nc: 1 | 3;
  /** Channels of domain B: 1 or 3 (`--output_nc`). */
  output_nc: 1 | 3;
}

const channelsSchema = z.union([z.literal(1), z.literal(3)]);

/** The preprocessing options with the official defaults; every dataset kind composes them. */
export const preprocessShape: {
  preprocess: z.ZodDefault<z.ZodEnum<{ [K in PreprocessMode]: K }>>;
  load_size: z.ZodDefault<z.ZodNumber>;
  crop_size: z.ZodDefault<z.ZodNumber>;
  no_flip: z.ZodDefault<z.ZodBoolean>;
  input_nc: z.ZodDefault<z.ZodUnion<readonly [z.ZodLiteral<1>, z.ZodLiteral<3>]>>;
  output_nc: z.ZodDefault<z.ZodUnion<readonly [z.ZodLiteral<1>, z.ZodLiteral<3>]>>;
} = {
  preprocess: z.enum(PREPROCESS_MODES).default("resize_and_crop").describe(
    "resize/crop mode: resize_and_crop | crop | scale_width | scale_width_and_crop | none",
  ),
  load_size: z.number().int().min(1).default(286).describe(
    "resize to this size (the width for scale_width*)",
  ),
  crop_size: z.number().int().min(1).default(256).describe(
    "then crop to this size; also the evaluation size",
  ),
  no_flip: z.boolean().default(false).describe("no random horizontal flip"),
  input_nc: channelsSchema.default(3).describe("channels of domain A (1 = grayscale)"),
  output_nc: channelsSchema.default(3).describe("channels of domain B (1 = grayscale)"),
};

/** Zod schema of {@link PreprocessOptions} alone (strict: unknown keys are errors). */
export const preprocessSchema: z.ZodType<PreprocessOptions, Partial<PreprocessOptions>> = z
  .strictObject(preprocessShape);

/**
 * Fills in the official defaults and validates; throws a RangeError naming every bad option.
 * A crop larger than the resize target is an error here, before any image is read.
 */
export function resolvePreprocess(options: Partial<PreprocessOptions> = {}): PreprocessOptions {
  const r = preprocessSchema.safeParse(options);
  if (!r.success) {
    throw new RangeError(describeIssues(r.error));
  }
  const problem = checkCropFitsLoad(r.data);
  if (problem) throw new RangeError(problem);
  return r.data;
}

/** Whether the mode crops `crop_size` windows at random (modes whose name contains "crop"). */
export function cropsRandomly(mode: PreprocessMode): boolean {
  return mode === "resize_and_crop" || mode === "crop" || mode === "scale_width_and_crop";
}

/**
 * The message when `crop_size` cannot fit the resized image whatever the input, else
 * undefined: `resize_and_crop` and `scale_width_and_crop` resize the width to `load_size`.
 */
export function checkCropFitsLoad(p: PreprocessOptions): string | undefined {
  if (
    (p.preprocess === "resize_and_crop" || p.preprocess === "scale_width_and_crop") &&
    p.crop_size > p.load_size
  ) {
    return `crop_size ${p.crop_size} is larger than load_size ${p.load_size}: with preprocess ` +
      `${p.preprocess} images are resized to ${
        p.preprocess === "resize_and_crop"
          ? `${p.load_size}x${p.load_size}`
          : `width ${p.load_size}`
      } before the crop; use crop_size <= load_size`;
  }
  return undefined;
}

/** Python's round(): halves go to the even neighbour (the official code runs on Python 3). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The size after the official `__scale_width`: width `load_size`, height keeping the aspect
 * ratio but at least `crop_size` (truncated, as Python's int()); unchanged when the width is
 * already `load_size` and the height at least `crop_size`.
 */
function scaleWidthSize(w: number, h: number, p: PreprocessOptions): [number, number] {
  if (w === p.load_size && h >= p.crop_size) return [w, h];
  return [p.load_size, Math.trunc(Math.max((p.load_size * h) / w, p.crop_size))];
}

/**
 * The official `__make_power_2` with base 4 (`preprocess: none`): each side rounded to the
 * nearest multiple of 4. Ours never goes below 4, where PIL would fail on a zero size.
 */
function multipleOf4(n: number): number {
  return Math.max(4, roundHalfEven(n / 4) * 4);
}

/** Width and height after {@link prepare} for an image of `width` x `height`. */
export function preparedSize(
  width: number,
  height: number,
  p: PreprocessOptions,
): [number, number] {
  switch (p.preprocess) {
    case "resize_and_crop":
      return [p.load_size, p.load_size];
    case "crop":
      return [width, height];
    case "scale_width":
    case "scale_width_and_crop":
      return scaleWidthSize(width, height, p);
    case "none":
      return [multipleOf4(width), multipleOf4(height)];
  }
}

/** Width and height of the images {@link augment} returns for a prepared `width` x `height`. */
export function outputSize(width: number, height: number, p: PreprocessOptions): [number, number] {
  return cropsRandomly(p.preprocess) ? [p.crop_size, p.crop_size] : [width, height];
}

/**
 * Undefined when a `width` x `height` image can be preprocessed, else why not (a crop larger
 * than the image after resizing, which torchvision's RandomCrop would reject mid-training).
 */
export function checkImageSize(
  width: number,
  height: number,
  p: PreprocessOptions,
): string | undefined {
  const early = checkCropFitsLoad(p);
  if (early) return early;
  if (!cropsRandomly(p.preprocess)) return undefined;
  const [w, h] = preparedSize(width, height, p);
  if (w < p.crop_size || h < p.crop_size) {
    return `a ${width}x${height} image is ${w}x${h} after preprocess ${p.preprocess}, smaller ` +
      `than crop_size ${p.crop_size}`;
  }
  return undefined;
}

/**
 * The deterministic half of the training transform: `channels` 1 -> PIL 'L' gray first (the
 * official transform puts `Grayscale(1)` before the resize), then the mode's resize, bicubic.
 */
export function prepare(img: Pixels, p: PreprocessOptions, channels: number): Pixels {
  const src = toChannels(img, channels);
  const [w, h] = preparedSize(src.width, src.height, p);
  return resizeBicubic(src, w, h);
}

/**
 * The evaluation transform: gray if `channels` is 1, then a resize to `crop_size` x
 * `crop_size` for the crop modes, or the mode's own deterministic resize for `scale_width` and
 * `none`; never a flip.
 */
export function prepareEval(img: Pixels, p: PreprocessOptions, channels: number): Pixels {
  const src = toChannels(img, channels);
  if (cropsRandomly(p.preprocess)) return resizeBicubic(src, p.crop_size, p.crop_size);
  const [w, h] = preparedSize(src.width, src.height, p);
  return resizeBicubic(src, w, h);
}

/** Bytes -> float32 in [-1, 1]: x / 255 normalised with mean 0.5 and std 0.5. */
export function toSigned(img: Pixels): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 127.5 - 1;
  return out;
}

/** The random window and flip {@link augment} applies, drawn from `rng`. */
export interface AugmentDraw {
  /** Left edge of the crop. */
  left: number;
  /** Top edge of the crop. */
  top: number;
  /** Whether the crop is mirrored. */
  flip: boolean;
}

/**
 * Draws the random part of the transform in the official order: crop offsets (top then left,
 * uniform as torchvision's RandomCrop) when the mode crops, then the flip with p = 1/2 unless
 * `no_flip`. Nothing is drawn for what the options turn off.
 */
export function drawAugment(
  width: number,
  height: number,
  p: PreprocessOptions,
  rng: Rng,
): AugmentDraw {
  let left = 0, top = 0;
  if (cropsRandomly(p.preprocess)) {
    top = rng.int(height - p.crop_size + 1);
    left = rng.int(width - p.crop_size + 1);
  }
  const flip = p.no_flip ? false : rng.uniform() < 0.5;
  return { left, top, flip };
}

/**
 * The random half of the training transform on a {@link prepare}d image: crop, flip, and
 * scaling to [-1, 1]. Returns HWC float32 values, ready for `tf.tensor3d`.
 */
export function augment(img: Pixels, p: PreprocessOptions, rng: Rng): Float32Array {
  const [w, h] = outputSize(img.width, img.height, p);
  if (w > img.width || h > img.height) {
    throw new RangeError(
      `augment: crop_size ${p.crop_size} is larger than the ${img.width}x${img.height} image`,
    );
  }
  const d = drawAugment(img.width, img.height, p, rng);
  // Crop, flip and scale in one pass over the window.
  const c = img.channels, src = img.data;
  const out = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const srcRow = ((d.top + y) * img.width + d.left) * c;
    const dstRow = y * w * c;
    for (let x = 0; x < w; x++) {
      const s = srcRow + (d.flip ? w - 1 - x : x) * c;
      const t = dstRow + x * c;
      for (let ch = 0; ch < c; ch++) out[t + ch] = src[s + ch] / 127.5 - 1;
    }
  }
  return out;
}

/**
 * The label classes of the built-in `scenes` world and their colours, which are the Cityscapes
 * colours of the same classes (so label maps look like the Cityscapes "color" images the paper's
 * labels<->photo experiment uses), and the nearest-colour labelling that scores a generated
 * label image (photo -> labels, as the paper's FCN-score tables do with a segmenter's output).
 *
 * ```ts
 * import { labelsToPixels, nearestPaletteLabels, PALETTE, SCENE_CLASSES } from "./palette.ts";
 * const labels = Uint8Array.of(0, 7);                    // road, sky
 * const img = labelsToPixels(labels, 2, 1);              // 2x1 RGB in the palette
 * nearestPaletteLabels(img.data);                        // Uint8Array [0, 7]
 * // A generator's output in [-1, 1] (e.g. `await t.data()` of an [h, w, 3] tensor):
 * nearestPaletteLabels(new Float32Array([-0.5, -0.5, 0]), { range: [-1, 1] }); // [0]: road
 * ```
 * @module
 */
import type { Pixels } from "./pixels.ts";

/** Class names, index = label id. */
export const SCENE_CLASSES = [
  "road",
  "sidewalk",
  "building",
  "pole",
  "traffic_sign",
  "vegetation",
  "terrain",
  "sky",
  "person",
  "car",
] as const;

/** A class name of the `scenes` world. */
export type SceneClass = typeof SCENE_CLASSES[number];

/** Label ids by name (`CLASS_ID.car` = 9). */
export const CLASS_ID: Readonly<Record<SceneClass, number>> = Object.freeze(
  Object.fromEntries(SCENE_CLASSES.map((c, i) => [c, i])) as Record<SceneClass, number>,
);

/** RGB colour of each class, index = label id (the Cityscapes colours of these classes). */
export const PALETTE: ReadonlyArray<readonly [number, number, number]> = Object.freeze(
  [
    [128, 64, 128], // road
    [244, 35, 232], // sidewalk
    [70, 70, 70], // building
    [153, 153, 153], // pole
    [220, 220, 0], // traffic sign
    [107, 142, 35], // vegetation
    [152, 251, 152], // terrain
    [70, 130, 180], // sky
    [220, 20, 60], // person
    [0, 0, 142], // car
  ] as const,
);

/** A label map drawn in {@link PALETTE} colours, `width` x `height` RGB. */
export function labelsToPixels(labels: Uint8Array, width: number, height: number): Pixels {
  if (labels.length !== width * height) {
    throw new RangeError(
      `labelsToPixels: ${labels.length} labels do not make a ${width}x${height} image`,
    );
  }
  const data = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) {
    const rgb = PALETTE[labels[i]];
    if (!rgb) throw new RangeError(`labelsToPixels: label ${labels[i]} at ${i} is not a class`);
    data[3 * i] = rgb[0];
    data[3 * i + 1] = rgb[1];
    data[3 * i + 2] = rgb[2];
  }
  return { width, height, channels: 3, data };
}

/** Options of {@link nearestPaletteLabels}. */
export interface NearestPaletteOptions {
  /** Value range of the input: [0, 255] for bytes (default), [-1, 1] for a generator's output. */
  range?: readonly [number, number];
}

/**
 * The class of every pixel of an RGB image (HWC, 3 values a pixel): the palette colour nearest
 * in squared RGB distance; ties go to the lower id. Use it to turn a generated label image
 * (photo -> labels) into class ids for per-pixel accuracy and IoU.
 */
export function nearestPaletteLabels(
  rgb: ArrayLike<number>,
  options: NearestPaletteOptions = {},
): Uint8Array {
  if (rgb.length % 3 !== 0) {
    throw new RangeError(`nearestPaletteLabels: ${rgb.length} values are not RGB triples`);
  }
  const [lo, hi] = options.range ?? [0, 255];
  if (!(hi > lo)) throw new RangeError(`nearestPaletteLabels: bad range [${lo}, ${hi}]`);
  const scale = 255 / (hi - lo);
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  const k = PALETTE.length;
  for (let i = 0; i < n; i++) {
    const r = (rgb[3 * i] - lo) * scale, g = (rgb[3 * i + 1] - lo) * scale;
    const b = (rgb[3 * i + 2] - lo) * scale;
    let best = 0, bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const p = PALETTE[c];
      const d = (r - p[0]) ** 2 + (g - p[1]) ** 2 + (b - p[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

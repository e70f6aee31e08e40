/**
 * The structure and colour scores of a translation against its input (lib/metrics/structure.ts,
 * color.ts) on constructed images: an image against itself is perfect; a colour shift keeps
 * the edges but moves the colours; blur keeps the colours roughly but softens the edges; a
 * moved or flipped image and a flat one lose the edges; sRGB -> Lab matches the textbook
 * values; `evaluateRun` records the four keys and the identity scores perfectly.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { generateScene, openScenes, resolveScenesOptions } from "../lib/data/scenes.ts";
import type { Pixels } from "../lib/data/pixels.ts";
import type { Network } from "../lib/nn/network.ts";
import { evaluateRun } from "../lib/sweep/evaluate.ts";
import {
  colorHistogramDistance,
  edgeIoU,
  edgeSsim,
  meanDeltaE,
  MetricError,
  srgbToLab,
} from "../lib/metrics/mod.ts";

const img = generateScene(0, 3, 32).photo!;

/** A new RGB image whose value at (row, col, channel) is `f`, rounded and clamped to 8 bits. */
function build(p: Pixels, f: (r: number, c: number, k: number) => number): Pixels {
  const d = new Uint8Array(p.width * p.height * 3);
  for (let r = 0; r < p.height; r++) {
    for (let c = 0; c < p.width; c++) {
      for (let k = 0; k < 3; k++) {
        d[(r * p.width + c) * 3 + k] = Math.max(0, Math.min(255, Math.round(f(r, c, k))));
      }
    }
  }
  return { width: p.width, height: p.height, channels: 3, data: d };
}

/** Pixel (r, c, k) of `p`, coordinates clamped to the image. */
function at(p: Pixels, r: number, c: number, k: number): number {
  const rr = Math.min(p.height - 1, Math.max(0, r)), cc = Math.min(p.width - 1, Math.max(0, c));
  return p.data[(rr * p.width + cc) * 3 + k];
}

const shifted = build(img, (r, c, k) => at(img, r, c, k) + [40, 0, -40][k]);
const blurred = build(img, (r, c, k) => {
  let s = 0;
  for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) s += at(img, r + i, c + j, k);
  return s / 25;
});
const flipped = build(img, (r, c, k) => at(img, r, img.width - 1 - c, k));
const moved = build(img, (r, c, k) => at(img, r + 3, c + 3, k));
const flat = build(img, () => 128);

Deno.test("edgeSsim() and edgeIoU() are 1 for an image against itself", () => {
  assertAlmostEquals(edgeSsim(img, img), 1, 1e-12);
  assertEquals(edgeIoU(img, img), 1);
  assertEquals(edgeIoU(flat, flat), 1);
});

Deno.test("edgeSsim() and edgeIoU() order colour shift > blur > moved, flipped > flat", () => {
  const ssim = (b: Pixels) => edgeSsim(img, b), iou = (b: Pixels) => edgeIoU(img, b);
  for (const score of [ssim, iou]) {
    const s = {
      shifted: score(shifted),
      blurred: score(blurred),
      moved: score(moved),
      flipped: score(flipped),
      flat: score(flat),
    };
    const msg = JSON.stringify(s);
    assert(s.shifted > 0.9, msg);
    assert(s.shifted > s.blurred, msg);
    assert(s.blurred > s.moved && s.blurred > s.flipped, msg);
    assert(s.flat < s.moved && s.flat < s.flipped && s.flat < s.blurred, msg);
  }
  assertEquals(edgeIoU(img, flat), 0);
  // Symmetric in its arguments.
  assertAlmostEquals(edgeSsim(img, blurred), edgeSsim(blurred, img), 1e-12);
  assertEquals(edgeIoU(img, moved), edgeIoU(moved, img));
});

Deno.test("srgbToLab() gives the textbook values of white, black and red", () => {
  const close = (x: number[], y: number[], tol: number) =>
    x.forEach((v, i) => assertAlmostEquals(v, y[i], tol));
  close(srgbToLab(255, 255, 255), [100, 0, 0], 1e-4);
  close(srgbToLab(0, 0, 0), [0, 0, 0], 1e-12);
  close(srgbToLab(255, 0, 0), [53.2408, 80.0925, 67.2032], 1e-3);
});

Deno.test("meanDeltaE() and colorHistogramDistance() see a colour shift, not a blur", () => {
  assertEquals(meanDeltaE(img, img), 0);
  assertEquals(colorHistogramDistance(img, img), 0);
  const white = { width: 1, height: 1, channels: 3, data: new Uint8Array([255, 255, 255]) };
  assertAlmostEquals(meanDeltaE(white, { ...white, data: new Uint8Array(3) }), 100, 1e-4);
  const de = { shifted: meanDeltaE(img, shifted), blurred: meanDeltaE(img, blurred) };
  const h = {
    shifted: colorHistogramDistance(img, shifted),
    blurred: colorHistogramDistance(img, blurred),
    flipped: colorHistogramDistance(img, flipped),
  };
  assert(de.shifted > de.blurred, JSON.stringify(de));
  assert(h.shifted > h.blurred, JSON.stringify(h));
  // A histogram ignores where colours are: a flip keeps it exactly.
  assertEquals(h.flipped, 0);
  assert(h.shifted >= 0 && h.shifted <= 1, JSON.stringify(h));
  // Gray images count as RGB with equal channels.
  const gray = { width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) };
  assertAlmostEquals(meanDeltaE(gray, { ...gray, data: new Uint8Array([255, 255]) }), 50, 1e-4);
  assertThrows(() => meanDeltaE(img, white), MetricError);
  assertThrows(() => edgeSsim(img, white), MetricError);
});

await selectBackend("wasm");

/** A generator stand-in: `f` maps the input batch to the output batch. */
function stub(f: (x: tf.Tensor4D) => tf.Tensor4D): Network {
  return { apply: (x: tf.Tensor4D) => tf.tidy(() => f(x)) } as unknown as Network;
}

Deno.test("evaluateRun(): structure and color record four scores; identity is perfect", async () => {
  const ds = await openScenes(resolveScenesOptions({ size: 32, train_count: 1, test_count: 4 }));
  const test = await ds.test();
  const identity = stub((x) => tf.clone(x));
  // Brighter by 0.2 in [-1, 1] units: edges kept, colours moved.
  const brighter = stub((x) => x.add(0.2).clipByValue(-1, 1) as tf.Tensor4D);
  const before = tf.memory().numTensors;
  const o = { metrics: ["structure" as const, "color" as const], dataset: "scenes" };
  const same = await evaluateRun({ G_A: identity, G_B: identity }, test, o);
  const other = await evaluateRun({ G_A: brighter, G_B: brighter }, test, {
    ...o,
    bootstrap: { resamples: 50 },
    floors: { identity: true },
  });
  assertEquals(tf.memory().numTensors, before);
  const keys = ["color_hist", "delta_e", "edge_iou", "edge_ssim"];
  for (const d of ["AtoB", "BtoA"] as const) {
    // The identity generator's bytes go through tensor2im's truncation: off by at most 1.
    const s = same[d] as Record<string, number>;
    assertEquals(Object.keys(s).sort(), keys);
    assert(s.edge_ssim > 0.99 && s.edge_iou > 0.9, JSON.stringify(s));
    // Palette colours on a bin edge (128 -> 127) change bin: hard bins are that brittle.
    assert(s.delta_e < 1 && s.color_hist < 0.5, JSON.stringify(s));
    // The identity floor is the input itself: perfect by construction.
    const f = other.floors!.identity![d] as Record<string, number>;
    assertEquals(f, { edge_ssim: 1, edge_iou: 1, delta_e: 0, color_hist: 0 });
    const t = other[d] as Record<string, number>;
    assert(t.delta_e > 0 && t.color_hist > 0, JSON.stringify(t));
    assert(t.edge_ssim > 0.5, JSON.stringify(t));
    assertEquals(Object.keys(other.ci![d]!).sort(), keys);
    assertEquals(Object.keys(other.vs_floor!.identity![d]!).sort(), keys);
  }
});

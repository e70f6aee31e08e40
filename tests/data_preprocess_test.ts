/**
 * The pixel operations and preprocessing modes: Pillow parity of the bicubic resize and the
 * grayscale conversion, exact output sizes of every mode, crop/flip determinism from the rng,
 * value range, and the training source's tensors (no leaks).
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  compositeOnWhite,
  flipHorizontal,
  type Pixels,
  resizeBicubic,
  toGray,
} from "../lib/data/pixels.ts";
import {
  augment,
  checkImageSize,
  drawAugment,
  outputSize,
  prepare,
  preparedSize,
  prepareEval,
  type PreprocessOptions,
  resolvePreprocess,
} from "../lib/data/preprocess.ts";
import { imageSet, pairByName, PreparedSource } from "../lib/data/source.ts";

/** A deterministic test image whose byte i is (i * mul + add) mod 256. */
function pattern(width: number, height: number, channels: number, mul = 73, add = 19): Pixels {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * mul + add) % 256;
  return { width, height, channels, data };
}

function opts(o: Partial<PreprocessOptions>): PreprocessOptions {
  return resolvePreprocess(o);
}

Deno.test("resizeBicubic() equals Pillow 9.4's Image.resize(BICUBIC) byte for byte", () => {
  // Reference values from Pillow 9.4: Image.frombytes(mode, size, data).resize(out, BICUBIC).
  const up = resizeBicubic(pattern(5, 4, 3), 7, 3); // wider, shorter: both directions
  assertEquals(Array.from(up.data), [
    23,
    107,
    195,
    122,
    87,
    176,
    189,
    52,
    142,
    151,
    31,
    104,
    184,
    152,
    78,
    178,
    181,
    48,
    153,
    148,
    28,
    128,
    210,
    146,
    102,
    190,
    116,
    64,
    158,
    129,
    42,
    125,
    207,
    120,
    91,
    185,
    133,
    59,
    147,
    104,
    39,
    121,
    221,
    101,
    96,
    201,
    68,
    71,
    171,
    97,
    65,
    145,
    218,
    98,
    107,
    197,
    60,
    73,
    162,
    127,
    54,
    142,
    226,
  ]);
  const down = resizeBicubic(pattern(9, 9, 1, 151, 7), 4, 4); // antialiased shrink
  assertEquals(Array.from(down.data), [
    122,
    118,
    147,
    109,
    150,
    103,
    124,
    129,
    127,
    120,
    131,
    119,
    110,
    146,
    113,
    116,
  ]);
});

Deno.test("resizeBicubic() keeps a constant image constant and skips unchanged passes", () => {
  const flat: Pixels = { width: 6, height: 5, channels: 3, data: new Uint8Array(90).fill(200) };
  assert(resizeBicubic(flat, 13, 2).data.every((v) => v === 200));
  assertEquals(resizeBicubic(flat, 6, 5), flat);
  assertThrows(() => resizeBicubic(flat, 0, 4), RangeError);
});

Deno.test("toGray() is PIL's convert('L') (ITU-R 601-2 luma, fixed point)", () => {
  const rgb: Pixels = {
    width: 4,
    height: 1,
    channels: 3,
    data: Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 200, 77),
  };
  assertEquals(Array.from(toGray(rgb).data), [76, 150, 29, 130]); // Pillow 9.4
});

Deno.test("compositeOnWhite() puts transparent pixels on white", () => {
  const rgba: Pixels = {
    width: 3,
    height: 1,
    channels: 4,
    data: Uint8Array.of(0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 128),
  };
  assertEquals(Array.from(compositeOnWhite(rgba).data), [255, 255, 255, 10, 20, 30, 127, 127, 127]);
});

Deno.test("preparedSize() and outputSize() give each mode's official sizes", () => {
  const rc = opts({ preprocess: "resize_and_crop", load_size: 72, crop_size: 64 });
  assertEquals(preparedSize(100, 80, rc), [72, 72]);
  assertEquals(outputSize(72, 72, rc), [64, 64]);
  const crop = opts({ preprocess: "crop", crop_size: 64 });
  assertEquals(preparedSize(100, 80, crop), [100, 80]);
  assertEquals(outputSize(100, 80, crop), [64, 64]);
  // scale_width: width load_size, height by aspect ratio but at least crop_size (truncated).
  const sw = opts({ preprocess: "scale_width", load_size: 64, crop_size: 32 });
  assertEquals(preparedSize(100, 50, sw), [64, 32]);
  assertEquals(preparedSize(90, 50, sw), [64, 35]); // 35.55 -> 35
  assertEquals(preparedSize(100, 20, sw), [64, 32]); // raised to crop_size
  assertEquals(outputSize(64, 35, sw), [64, 35]);
  const swc = opts({ preprocess: "scale_width_and_crop", load_size: 64, crop_size: 32 });
  assertEquals(outputSize(...preparedSize(90, 50, swc), swc), [32, 32]);
  // none: sides rounded to multiples of 4 with Python's round (halves to even).
  const none = opts({ preprocess: "none" });
  assertEquals(preparedSize(30, 22, none), [32, 24]); // 7.5 -> 8, 5.5 -> 6
  assertEquals(preparedSize(26, 10, none), [24, 8]); // 6.5 -> 6, 2.5 -> 2
  assertEquals(preparedSize(64, 1, none), [64, 4]); // never below 4
});

Deno.test("prepare() then augment() give exact sizes for every mode", () => {
  const img = pattern(100, 80, 3);
  const cases: [Partial<PreprocessOptions>, [number, number]][] = [
    [{ preprocess: "resize_and_crop", load_size: 72, crop_size: 64 }, [64, 64]],
    [{ preprocess: "crop", crop_size: 48 }, [48, 48]],
    [{ preprocess: "scale_width", load_size: 64, crop_size: 32 }, [64, 51]],
    [{ preprocess: "scale_width_and_crop", load_size: 64, crop_size: 40 }, [40, 40]],
    [{ preprocess: "none" }, [100, 80]],
  ];
  for (const [o, [w, h]] of cases) {
    const p = opts(o);
    const ready = prepare(img, p, 3);
    const out = augment(ready, p, new Rng(1));
    assertEquals(out.length, w * h * 3, `${o.preprocess}: ${out.length} values`);
  }
  const gray = prepare(img, opts({ load_size: 72, crop_size: 64 }), 1);
  assertEquals([gray.width, gray.height, gray.channels], [72, 72, 1]);
});

Deno.test("augment() crops and flips from the rng alone, and no_flip never flips", () => {
  const p = opts({ load_size: 12, crop_size: 8 });
  const img = pattern(12, 12, 3, 37, 5);
  // Same rng state -> same image.
  assertEquals(augment(img, p, new Rng(5)), augment(img, p, new Rng(5)));
  // Each draw is the crop (top, then left) then the flip, as torchvision's RandomCrop and
  // RandomHorizontalFlip; check against a manual crop.
  let flips = 0;
  const rng = new Rng(9);
  for (let k = 0; k < 200; k++) {
    const state = rng.state();
    const d = drawAugment(12, 12, p, Rng.fromState(state));
    const out = augment(img, p, rng);
    let expect: Pixels = {
      width: 8,
      height: 8,
      channels: 3,
      data: new Uint8Array(8 * 8 * 3),
    };
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        for (let c = 0; c < 3; c++) {
          expect.data[(y * 8 + x) * 3 + c] = img.data[((d.top + y) * 12 + d.left + x) * 3 + c];
        }
      }
    }
    if (d.flip) {
      expect = flipHorizontal(expect);
      flips++;
    }
    assertEquals(out, Float32Array.from(expect.data, (v) => v / 127.5 - 1));
  }
  assert(flips > 70 && flips < 130, `${flips} flips in 200 (p = 1/2)`);
  const noFlip = opts({ load_size: 12, crop_size: 8, no_flip: true });
  for (let s = 0; s < 50; s++) assert(!drawAugment(12, 12, noFlip, new Rng(s)).flip);
});

Deno.test("augment() scales bytes to [-1, 1] exactly", () => {
  const p = opts({ preprocess: "none", no_flip: true });
  const img: Pixels = { width: 4, height: 1, channels: 1, data: Uint8Array.of(0, 255, 128, 64) };
  const out = augment(img, p, new Rng(0));
  assertEquals(out[0], -1);
  assertEquals(out[1], 1);
  assertAlmostEquals(out[2], 128 / 127.5 - 1, 1e-6);
  const big = augment(pattern(100, 80, 3), opts({ preprocess: "crop", crop_size: 64 }), new Rng(2));
  assert(big.every((v) => v >= -1 && v <= 1));
});

Deno.test("resolvePreprocess() rejects a crop larger than load_size, and bad values", () => {
  const e = assertThrows(() => resolvePreprocess({ load_size: 64, crop_size: 72 }), RangeError);
  assert(/crop_size 72 is larger than load_size 64/.test(e.message), e.message);
  assertThrows(() => resolvePreprocess({ input_nc: 2 as 1 }), RangeError);
  assertThrows(() => resolvePreprocess({ preprocess: "zoom" as "none" }), RangeError);
  const msg = checkImageSize(50, 40, opts({ preprocess: "crop", crop_size: 48 }));
  assert(msg && /50x40/.test(msg) && /crop_size 48/.test(msg), msg);
  assertEquals(checkImageSize(50, 50, opts({ preprocess: "crop", crop_size: 48 })), undefined);
});

Deno.test("prepareEval() resizes to crop_size with no randomness", () => {
  const p = opts({ load_size: 72, crop_size: 64 });
  const a = prepareEval(pattern(100, 80, 3), p, 3);
  assertEquals([a.width, a.height], [64, 64]);
  assertEquals(a, prepareEval(pattern(100, 80, 3), p, 3));
  const sw = prepareEval(
    pattern(100, 50, 3),
    opts({ preprocess: "scale_width", load_size: 64, crop_size: 16 }),
    1,
  );
  assertEquals([sw.width, sw.height, sw.channels], [64, 32, 1]);
});

Deno.test("PreparedSource.load() returns [h, w, c] tensors in [-1, 1] and leaks nothing", async () => {
  await tf.ready();
  const p = opts({ load_size: 20, crop_size: 16, input_nc: 1 });
  const A = [prepare(pattern(30, 24, 3), p, 1)];
  const B = [prepare(pattern(24, 30, 3, 11, 3), p, 3), prepare(pattern(20, 20, 3), p, 3)];
  const src = new PreparedSource(
    { A: { length: 1, get: (i) => A[i] }, B: { length: 2, get: (i) => B[i] } },
    p,
    [16, 16],
  );
  assertEquals([src.sizeA, src.sizeB, src.channelsA, src.channelsB], [1, 2, 1, 3]);
  const before = tf.memory().numTensors;
  const rng = new Rng(3);
  for (let k = 0; k < 5; k++) {
    const a = src.load("A", 0, rng), b = src.load("B", k % 2, rng);
    assertEquals(a.shape, [16, 16, 1]);
    assertEquals(b.shape, [16, 16, 3]);
    const [lo, hi] = [tf.min(b), tf.max(b)];
    assert(lo.dataSync()[0] >= -1 && hi.dataSync()[0] <= 1);
    tf.dispose([a, b, lo, hi]);
  }
  assertEquals(tf.memory().numTensors, before);
  assertThrows(() => src.load("B", 2, rng), RangeError);
  assertThrows(() => src.load("C" as "A", 0, rng), RangeError);

  const set = imageSet({ length: 2, get: (i) => B[i] }, ["x.png", "y.png"], {
    channels: 3,
    imageSize: [20, 20],
  });
  const one = set.get(1), all = set.batch(0, 2);
  assertEquals(one.shape, [20, 20, 3]);
  assertEquals(all.shape, [2, 20, 20, 3]);
  tf.dispose([one, all]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("pairByName() pairs by file stem and requires a bijection for `paired`", () => {
  assertEquals(pairByName(["a.png", "b.jpg"], ["a.jpg", "b.png"]), {
    pairs: [[0, 0], [1, 1]],
    paired: true,
  });
  assertEquals(pairByName(["a.png", "c.png"], ["a.png", "b.png"]), {
    pairs: [[0, 0]],
    paired: false,
  });
  assertEquals(pairByName(["x.png"], ["y.png"]).paired, false);
});

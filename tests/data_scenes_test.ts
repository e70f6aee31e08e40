/**
 * The built-in `scenes` world: determinism from its seed, a plausible label layout in the
 * palette, photos aligned with (but not equal to) their label maps, disjoint unpaired training
 * domains, a paired test split, the size range, and generation speed.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  CLASS_ID,
  DatasetError,
  generateScene,
  nearestPaletteLabels,
  openDataset,
  PALETTE,
  SCENE_CLASSES,
  sceneId,
} from "../lib/data/mod.ts";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test("generateScene() is deterministic from (seed, id) and differs across them", () => {
  const a = generateScene(7, 3, 64), b = generateScene(7, 3, 64);
  assert(sameBytes(a.labels, b.labels));
  assert(sameBytes(a.photo!.data, b.photo!.data));
  assert(!sameBytes(a.labels, generateScene(8, 3, 64).labels), "other seed, same scene");
  assert(!sameBytes(a.labels, generateScene(7, 4, 64).labels), "same seed, other scene");
  // The layout does not depend on the size: labels at 32 match a 2x downsample of 64 mostly.
  const small = generateScene(7, 3, 32);
  let agree = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (small.labels[y * 32 + x] === a.labels[(2 * y + 1) * 64 + 2 * x + 1]) agree++;
    }
  }
  assert(agree / 1024 > 0.85, `labels at 32 and 64 agree on ${agree} of 1024 pixels`);
});

Deno.test("scene label maps use the palette, >= 6 classes, sky above and road below", () => {
  assert(SCENE_CLASSES.length >= 6);
  const seen = new Set<number>();
  for (let id = 0; id < 12; id++) {
    const s = generateScene(0, id, 64);
    // Every label pixel is exactly its class colour, so nearest-colour labelling inverts it.
    assert(sameBytes(nearestPaletteLabels(s.labelPixels.data), s.labels));
    for (let i = 0; i < s.labels.length; i++) {
      const rgb = PALETTE[s.labels[i]];
      assertEquals(Array.from(s.labelPixels.data.subarray(3 * i, 3 * i + 3)), [...rgb]);
    }
    s.labels.forEach((c) => seen.add(c));
    // Sky only in the top half, road at the bottom centre.
    const skyLow = s.labels.subarray(48 * 64).some((c) => c === CLASS_ID.sky);
    assert(!skyLow, `scene ${id}: sky in the bottom quarter`);
    assertEquals(s.labels[63 * 64 + 32], CLASS_ID.road, `scene ${id}: bottom centre`);
  }
  for (const c of ["road", "sidewalk", "building", "vegetation", "sky", "car"] as const) {
    assert(seen.has(CLASS_ID[c]), `no ${c} in 12 scenes`);
  }
  assert(seen.size >= 8, `${seen.size} classes in 12 scenes`);
});

Deno.test("scene photos are aligned with their labels but not a recolouring of them", () => {
  let agree = 0, total = 0;
  for (let id = 0; id < 6; id++) {
    const s = generateScene(1, id, 64);
    const guess = nearestPaletteLabels(s.photo!.data);
    for (let i = 0; i < guess.length; i++) if (guess[i] === s.labels[i]) agree++;
    total += guess.length;
    // Road pixels vary in colour (texture, shadows, noise): not one flat colour.
    const road: number[] = [];
    s.labels.forEach((c, i) => {
      if (c === CLASS_ID.road) road.push(s.photo!.data[3 * i]);
    });
    const mean = road.reduce((a, b) => a + b, 0) / road.length;
    const sd = Math.sqrt(road.reduce((a, b) => a + (b - mean) ** 2, 0) / road.length);
    assert(sd > 3, `scene ${id}: road red channel sd ${sd.toFixed(2)}`);
  }
  // Nearest palette colour is a poor segmenter of photos: photo -> labels must be learned.
  assert(agree / total < 0.5, `nearest-colour labelling of photos agrees on ${agree}/${total}`);
});

Deno.test("scenes dataset: disjoint unpaired train domains, a paired test split, no leaks", async () => {
  await tf.ready();
  const ds = await openDataset("scenes", { seed: 3, size: 32, train_count: 20, test_count: 4 });
  const s = ds.train;
  assertEquals([s.sizeA, s.sizeB, s.channelsA, s.channelsB], [20, 20, 3, 3]);
  assertEquals(s.imageSize, [32, 32]);
  assertMatch(s.fingerprint ?? "", /^scenes-v1-seed3-32px-20$/);
  // Scene ids: train A and train B never share one; test A and B share all.
  const idsA = new Set(Array.from({ length: 1000 }, (_, i) => sceneId("trainA", i)));
  const idsB = Array.from({ length: 1000 }, (_, i) => sceneId("trainB", i));
  assert(idsB.every((id) => !idsA.has(id)));
  assertEquals(sceneId("testA", 5), sceneId("testB", 5));
  assert(!idsA.has(sceneId("testA", 5)) && !idsB.includes(sceneId("testA", 5)));
  // And by content: no train B photo shows the street of any train A label map.
  const labelsA = Array.from(
    { length: 20 },
    (_, i) => generateScene(3, sceneId("trainA", i), 32).labels,
  );
  for (let i = 0; i < 20; i++) {
    const underB = generateScene(3, sceneId("trainB", i), 32, { photo: false }).labels;
    assert(labelsA.every((a) => !sameBytes(a, underB)), `train B ${i} is a train A scene`);
  }
  const before = tf.memory().numTensors;
  const rng = new Rng(0);
  for (let i = 0; i < 6; i++) {
    const a = s.load("A", i, rng), b = s.load("B", 19 - i, rng);
    assertEquals(a.shape, [32, 32, 3]);
    assertEquals(b.shape, [32, 32, 3]);
    tf.dispose([a, b]);
  }
  assertEquals(tf.memory().numTensors, before);

  const test = await ds.test();
  assert(test.paired);
  assertEquals(test.A.names, test.B.names);
  assertEquals(test.pairs.length, 4);
  // Evaluation at the native size is the generated images themselves.
  const scene = generateScene(3, sceneId("testA", 2), 32);
  assert(sameBytes(test.A.pixels(2).data, scene.labelPixels.data));
  assert(sameBytes(test.B.pixels(2).data, scene.photo!.data));
  const batch = test.A.batch(0, 4);
  assertEquals(batch.shape, [4, 32, 32, 3]);
  batch.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("scenes options: size range, defaults scaled to the size, grayscale photos", async () => {
  const e = await assertRejects(() => openDataset("scenes", { size: 257 }), DatasetError);
  assertMatch(e.message, /size/);
  await assertRejects(() => openDataset("scenes", { size: 31 }), DatasetError);
  await assertRejects(() => openDataset("scenes", { size: 64, crop_size: 80 }), DatasetError);
  assertThrows(() => generateScene(0, 0, 16), RangeError);
  const ds = await openDataset("scenes", { size: 256, train_count: 1, output_nc: 1 });
  assertEquals(ds.train.imageSize, [256, 256]); // load 286 -> crop 256, as the official default
  const b = ds.train.load("B", 0, new Rng(1));
  assertEquals(b.shape, [256, 256, 1]);
  b.dispose();
  const none = await openDataset("scenes", { size: 48, preprocess: "none", train_count: 2 });
  assertEquals(none.train.imageSize, [48, 48]);
});

Deno.test("scenes generate fast: 200 images at 64x64 in well under a few seconds", () => {
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    generateScene(11, sceneId("trainA", i), 64, { photo: false }); // a label map
    generateScene(11, sceneId("trainB", i), 64); // a photo (with its label map)
  }
  const ms = performance.now() - t0;
  assert(ms < 4000, `200 images took ${ms.toFixed(0)} ms`);
});

import { assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import { generateScene } from "../lib/data/scenes.ts";
import { labelsToPixels, PALETTE } from "../lib/data/palette.ts";
import { MetricError } from "../lib/metrics/features.ts";
import {
  ConfusionMatrix,
  labelImageScores,
  segmentationScores,
} from "../lib/metrics/segmentation.ts";

Deno.test("ConfusionMatrix.scores() matches a hand-computed example", () => {
  // truth 0 1 1 2 | predicted 0 1 2 2: counts (0,0)=1 (1,1)=1 (1,2)=1 (2,2)=1.
  // pixel acc 3/4; class acc mean(1/1, 1/2, 1/1) = 5/6; IoU: 1/1, 1/(2+1-1), 1/(1+2-1) -> 2/3.
  const cm = new ConfusionMatrix(3);
  cm.add(Uint8Array.of(0, 1, 2, 2), Uint8Array.of(0, 1, 1, 2));
  const s = cm.scores();
  assertEquals(s.pixelAccuracy, 0.75);
  assertAlmostEquals(s.classAccuracy, 5 / 6, 1e-15);
  assertAlmostEquals(s.classIoU, 2 / 3, 1e-15);
  assertEquals(s.perClassIoU, [1, 0.5, 0.5]);
  assertEquals(s.pixels, 4);
});

Deno.test("segmentationScores() accumulates over images, skips ignore labels and absent classes", () => {
  // Class 3 never appears: left out of both means. Class 2 only predicted: IoU 0, no accuracy.
  const s = segmentationScores(
    [Uint8Array.of(0, 0, 1), Uint8Array.of(1, 2, 0)],
    [Uint8Array.of(0, 0, 1), Uint8Array.of(1, 1, 255)],
    4,
  );
  assertEquals(s.pixels, 5); // the 255 pixel is not counted
  assertEquals(s.pixelAccuracy, 4 / 5);
  assertEquals(s.perClassAccuracy, [1, 2 / 3, null, null]);
  assertAlmostEquals(s.classAccuracy, (1 + 2 / 3) / 2, 1e-15);
  assertEquals(s.perClassIoU, [1, 2 / 3, 0, null]);
  assertAlmostEquals(s.classIoU, (1 + 2 / 3 + 0) / 3, 1e-15);
  assertThrows(() => segmentationScores([Uint8Array.of(4)], [Uint8Array.of(0)], 4), MetricError);
  assertThrows(() => segmentationScores([Uint8Array.of(0)], [Uint8Array.of(0, 1)], 4), MetricError);
});

Deno.test("labelImageScores(): a palette rendering of the truth scores 1, noisy colours too", () => {
  const scene = generateScene(0, 3, 32, { photo: false });
  const exact = labelsToPixels(scene.labels, 32, 32);
  const perfect = labelImageScores([exact], [scene.labels]);
  assertEquals([perfect.pixelAccuracy, perfect.classAccuracy, perfect.classIoU], [1, 1, 1]);
  // Small colour errors (a generator's output) still map to the nearest palette colour.
  const noisy = {
    ...exact,
    data: exact.data.map((v, i) => Math.max(0, Math.min(255, v + ((i * 7) % 9) - 4))),
  };
  assertEquals(labelImageScores([noisy], [scene.labels]).pixelAccuracy, 1);
  // Everything painted as road: accuracy = the road fraction.
  const road = labelsToPixels(new Uint8Array(32 * 32), 32, 32);
  const roadFraction = scene.labels.filter((l) => l === 0).length / scene.labels.length;
  const s = labelImageScores([road], [scene.labels]);
  assertAlmostEquals(s.pixelAccuracy, roadFraction, 1e-15);
  assertEquals(s.perClassAccuracy.length, PALETTE.length);
});

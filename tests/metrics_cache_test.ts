import { assert, assertEquals } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { encodePng } from "../lib/data/io.ts";
import { featureMatrix } from "../lib/metrics/features.ts";
import { featuresOfFolder } from "../lib/metrics/folders.ts";
import { RANDOM_CONV_S0, randomConvNet } from "../lib/metrics/extractors/mod.ts";
import { getCachedFeatures, putCachedFeatures, statsKey } from "../lib/metrics/stats_cache.ts";

await selectBackend("wasm");

Deno.test("statsKey() changes with the dataset, the extractor and the preprocessing", async () => {
  const base = { dataset: "abc", extractor: "random-conv-s0@v1", preprocessing: "p" };
  const k = await statsKey(base);
  assert(/^[0-9a-f]{64}$/.test(k));
  assertEquals(await statsKey({ ...base }), k);
  for (
    const change of [{ dataset: "abd" }, { extractor: "inception-v3:w=1" }, { preprocessing: "q" }]
  ) {
    assert(await statsKey({ ...base, ...change }) !== k, JSON.stringify(change));
  }
});

Deno.test("putCachedFeatures()/getCachedFeatures() round-trip atomically; damage is a miss", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_stats_" });
  try {
    const key = await statsKey({ dataset: "d", extractor: "e" });
    assertEquals(await getCachedFeatures(key, { dir }), undefined);
    const f = featureMatrix(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2);
    await putCachedFeatures(key, f, { note: "test" }, { dir });
    const back = await getCachedFeatures(key, { dir });
    assertEquals(Array.from(back!.data), [1, 2, 3, 4, 5, 6]);
    const names = Array.from(Deno.readDirSync(dir), (e) => e.name).sort();
    assertEquals(names, [`${key}.json`, `${key}.npy`], "no temporary files left");
    await Deno.writeFile(`${dir}/${key}.npy`, new Uint8Array([0x93, 0x4e, 0x55])); // truncated
    assertEquals(await getCachedFeatures(key, { dir }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("featuresOfFolder() reuses cached features until an image changes", async () => {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_folder_" });
  const images = `${root}/images`, cacheDir = `${root}/cache`;
  await Deno.mkdir(images);
  const png = (v: number) =>
    encodePng({
      width: 16,
      height: 16,
      channels: 3,
      data: new Uint8Array(768).map((_, i) => (i * v) % 256),
    });
  try {
    for (let i = 0; i < 3; i++) await Deno.writeFile(`${images}/${i}.png`, await png(i + 1));
    const net = randomConvNet(RANDOM_CONV_S0);
    const before = tf.memory().numTensors;
    const first = await featuresOfFolder(images, net, { cacheDir });
    const second = await featuresOfFolder(images, net, { cacheDir });
    assertEquals([first.cached, second.cached], [false, true]);
    assertEquals(Array.from(second.features.data), Array.from(first.features.data));
    assertEquals(first.names, ["0.png", "1.png", "2.png"]);
    await Deno.writeFile(`${images}/1.png`, await png(7));
    const third = await featuresOfFolder(images, net, { cacheDir });
    assertEquals(third.cached, false, "a changed image is a new dataset");
    assert(third.features.data[480] !== first.features.data[480], "row 1 recomputed");
    assertEquals((await featuresOfFolder(images, net, { cacheDir: null })).cached, false);
    assertEquals(tf.memory().numTensors, before);
    net.dispose();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

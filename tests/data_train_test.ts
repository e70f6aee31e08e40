/**
 * Every dataset kind feeds the same trainer: a user folder in the official layout and the
 * built-in `scenes` each train two steps through `train()` (emoji: tests/data_emoji_test.ts).
 */
import { assertEquals } from "./_assert.ts";
import { openDataset } from "../lib/data/mod.ts";
import { encodePng } from "../lib/data/io.ts";
import { trainTwoSteps } from "./_train_fixture.ts";

Deno.test("a folder in the official layout trains through train()", async () => {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_folder_" });
  try {
    for (const [domain, n, shade] of [["trainA", 3, 60], ["trainB", 2, 190]] as const) {
      await Deno.mkdir(`${root}/${domain}`, { recursive: true });
      for (let i = 0; i < n; i++) {
        const data = new Uint8Array(40 * 40 * 3).map((_, k) => (shade + 7 * i + (k % 13)) & 255);
        await Deno.writeFile(
          `${root}/${domain}/${i}.png`,
          await encodePng({ width: 40, height: 40, channels: 3, data }),
        );
      }
    }
    const ds = await openDataset("folder", {
      dataroot: root,
      load_size: 36,
      crop_size: 32,
      cache_dir: null,
    }, { warn: () => {} });
    assertEquals(await trainTwoSteps(ds), "completed at 2");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the built-in scenes dataset trains through train()", async () => {
  const ds = await openDataset("scenes", { size: 32, train_count: 4, test_count: 2 });
  assertEquals(await trainTwoSteps(ds), "completed at 2");
});

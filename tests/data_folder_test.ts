/**
 * Folder datasets: the official layout (recursive, sorted, by phase), PNG and JPEG, grayscale and
 * transparency, the bad-data errors (missing or empty folders, corrupt files, crops that do not
 * fit), the on-disk cache, the paired test split and the loading cost. Fixtures are written to a
 * temporary folder at test time.
 */
import { Image } from "imagescript";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  benchLoading,
  clearMemoryCache,
  DatasetError,
  describeSkipped,
  openDataset,
} from "../lib/data/mod.ts";
import { encodePng, listImages } from "../lib/data/io.ts";
import type { Pixels } from "../lib/data/pixels.ts";
import { checkFolder } from "../lib/data/check.ts";

function image(width: number, height: number, seed: number, channels = 3): Pixels {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 57) % 256;
  if (channels === 4) { for (let i = 3; i < data.length; i += 4) data[i] = 255; }
  return { width, height, channels, data };
}

async function writePng(path: string, img: Pixels): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, await encodePng(img));
}

async function writeJpeg(path: string, width: number, height: number): Promise<void> {
  const img = new Image(width, height);
  img.fill(0x3366ccff);
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, await img.encodeJPEG(90));
}

/** A small dataset in the official layout; returns its root. */
async function fixture(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_folder_" });
  await writePng(`${root}/trainA/b.png`, image(40, 30, 1));
  await writePng(`${root}/trainA/a.png`, image(36, 36, 2));
  await writePng(`${root}/trainA/sub/c.png`, image(50, 40, 3));
  await writeJpeg(`${root}/trainA/d.jpg`, 32, 32);
  await Deno.writeTextFile(`${root}/trainA/notes.txt`, "not an image");
  await Deno.writeFile(`${root}/trainA/._a.png`, new Uint8Array([0, 1, 2])); // macOS fork
  await writePng(`${root}/trainB/x.png`, image(64, 48, 4));
  await writePng(`${root}/trainB/y.png`, image(48, 64, 5, 4));
  await writePng(`${root}/testA/0001.png`, image(40, 40, 6));
  await writePng(`${root}/testA/0002.png`, image(40, 40, 7));
  await writeJpeg(`${root}/testB/0001.jpg`, 40, 40);
  await writePng(`${root}/testB/0002.png`, image(40, 40, 8));
  return root;
}

const quiet = { warn: () => {} };

Deno.test("listImages() finds PNG and JPEG recursively, sorted, skipping hidden and other files", async () => {
  const root = await fixture();
  try {
    const l = await listImages(`${root}/trainA`);
    assertEquals(l.images.map((f) => f.name), ["a.png", "b.png", "d.jpg", "sub/c.png"]);
    assertEquals(l.ignored, 2); // notes.txt and ._a.png
    await Deno.writeFile(`${root}/trainA/e.bmp`, new Uint8Array(4));
    assertEquals((await listImages(`${root}/trainA`)).unsupported, ["e.bmp"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("folder dataset loads the official layout through the same source, no leaks", async () => {
  await tf.ready();
  const root = await fixture();
  const cache = `${root}/.cache`;
  try {
    clearMemoryCache();
    const ds = await openDataset("folder", {
      dataroot: root,
      load_size: 36,
      crop_size: 32,
      cache_dir: cache,
      input_nc: 1,
    }, quiet);
    const s = ds.train;
    assertEquals([s.sizeA, s.sizeB, s.channelsA, s.channelsB], [4, 2, 1, 3]);
    assertEquals(s.imageSize, [32, 32]);
    assertMatch(s.fingerprint ?? "", /^folder-[0-9a-f]{16}$/);
    const before = tf.memory().numTensors;
    const rng = new Rng(0);
    for (let i = 0; i < 4; i++) {
      const a = s.load("A", i, rng), b = s.load("B", i % 2, rng);
      assertEquals(a.shape, [32, 32, 1]);
      assertEquals(b.shape, [32, 32, 3]);
      tf.dispose([a, b]);
    }
    assertEquals(tf.memory().numTensors, before);
    // The same rng state gives the same tensor.
    const [x, y] = [s.load("A", 1, new Rng(4)), s.load("A", 1, new Rng(4))];
    assertEquals(x.dataSync(), y.dataSync());
    tf.dispose([x, y]);

    // Disk cache: one entry per training image, read back when memory is cleared (or over
    // budget), giving the same pixels.
    const variants = [...Deno.readDirSync(`${cache}/data`)].map((e) => e.name).sort();
    assertEquals(variants, ["v1-sq36-c1", "v1-sq36-c3"]);
    assertEquals([...Deno.readDirSync(`${cache}/data/v1-sq36-c1`)].length, 4);
    clearMemoryCache();
    const again = await openDataset("folder", {
      dataroot: root,
      load_size: 36,
      crop_size: 32,
      cache_dir: cache,
      input_nc: 1,
      memory_cache_mb: 0,
    }, quiet);
    const [p, q] = [s.load("B", 1, new Rng(7)), again.train.load("B", 1, new Rng(7))];
    assertEquals(p.dataSync(), q.dataSync());
    tf.dispose([p, q]);
    assertEquals(again.train.fingerprint, s.fingerprint);
    // max_dataset_size keeps the first images in sorted order; phase picks other folders.
    const capped = await openDataset("folder", {
      dataroot: root,
      load_size: 36,
      crop_size: 32,
      cache_dir: null,
      max_dataset_size: 1,
    }, quiet);
    assertEquals([capped.train.sizeA, capped.train.sizeB], [1, 1]);
    const byPhase = await openDataset("folder", {
      dataroot: root,
      phase: "test",
      test_phase: "train",
      load_size: 36,
      crop_size: 32,
      cache_dir: null,
    }, quiet);
    assertEquals([byPhase.train.sizeA, byPhase.train.sizeB], [2, 2]);

    // Evaluation: same-named files pair (0001.png with 0001.jpg), resized to crop_size.
    const test = await ds.test();
    assert(test.paired);
    assertEquals(test.pairs, [[0, 0], [1, 1]]);
    assertEquals(test.A.names, ["0001.png", "0002.png"]);
    assertEquals(test.B.names, ["0001.jpg", "0002.png"]);
    assertEquals(test.A.imageSize, [32, 32]);
    const t = test.B.batch(0, 2);
    assertEquals(t.shape, [2, 32, 32, 3]);
    // The JPEG is one colour (0x3366cc): its first pixel in [-1, 1].
    const px = Array.from(t.dataSync().slice(0, 3), (v) => Math.round((v + 1) * 127.5));
    assert(Math.abs(px[0] - 0x33) <= 3 && Math.abs(px[2] - 0xcc) <= 3, `${px}`);
    t.dispose();
    assertEquals(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(root, { recursive: true });
    clearMemoryCache();
  }
});

Deno.test("folder dataset composites transparency on white and changes its fingerprint with the data", async () => {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_alpha_" });
  try {
    const clear: Pixels = { width: 8, height: 8, channels: 4, data: new Uint8Array(256) };
    await writePng(`${root}/trainA/a.png`, clear);
    await writePng(`${root}/trainB/b.png`, image(8, 8, 1));
    const o = { dataroot: root, preprocess: "none" as const, cache_dir: null, no_flip: true };
    const ds = await openDataset("folder", o);
    const a = ds.train.load("A", 0, new Rng(0));
    assert(a.dataSync().every((v) => v === 1), "transparent pixels should be white (1.0)");
    a.dispose();
    await writePng(`${root}/trainB/b.png`, image(8, 8, 2));
    const changed = await openDataset("folder", o);
    assert(changed.train.fingerprint !== ds.train.fingerprint);
    // No test folders: hasTest is false and test() says why.
    assert(!ds.hasTest);
    const e = await assertRejects(() => ds.test(), DatasetError);
    assertMatch(e.message, /no testA\/ folder/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("folder dataset stops with a clear error on missing, empty or bad data", async () => {
  const root = await fixture();
  const o = { dataroot: root, load_size: 36, crop_size: 32, cache_dir: null };
  try {
    // Missing root and missing domain folder.
    let e = await assertRejects(
      () => openDataset("folder", { ...o, dataroot: `${root}/nope` }),
      DatasetError,
    );
    assertMatch(e.message, /dataroot ".*nope" does not exist/);
    await Deno.rename(`${root}/trainB`, `${root}/trainB_`);
    e = await assertRejects(() => openDataset("folder", o), DatasetError);
    assertMatch(e.message, /has no trainB\/ folder/);
    // Empty domain folder.
    await Deno.mkdir(`${root}/trainB`);
    await Deno.writeTextFile(`${root}/trainB/readme.md`, "x");
    e = await assertRejects(() => openDataset("folder", o), DatasetError);
    assertMatch(e.message, /trainB" holds no PNG or JPEG images .*1 other file/);
    await Deno.remove(`${root}/trainB`, { recursive: true });
    await Deno.rename(`${root}/trainB_`, `${root}/trainB`);

    // A corrupt file: an error naming it, or a warning and one image fewer with `skip`.
    await Deno.writeFile(
      `${root}/trainA/broken.png`,
      new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2]),
    );
    e = await assertRejects(() => openDataset("folder", o), DatasetError);
    assertMatch(e.message, /cannot read image ".*trainA\/broken\.png"/);
    const warnings: string[] = [];
    const ds = await openDataset("folder", { ...o, on_bad_image: "skip" }, {
      warn: (m) => warnings.push(m),
    });
    assertEquals(ds.train.sizeA, 4);
    assertEquals(ds.warnings.length, 1);
    assertMatch(warnings[0], /warning: skipped ".*broken\.png"/);
    assertEquals(ds.skipped, [{ folder: "trainA", file: "broken.png" }]);
    await Deno.writeTextFile(`${root}/trainA/text.jpg`, "hello");
    e = await assertRejects(() => openDataset("folder", o), DatasetError);
    assertMatch(e.message, /broken\.png/);
    await Deno.remove(`${root}/trainA/broken.png`);
    e = await assertRejects(() => openDataset("folder", o), DatasetError);
    assertMatch(e.message, /text\.jpg": not a PNG or JPEG file/);
    await Deno.remove(`${root}/trainA/text.jpg`);

    // Crops that cannot fit: from the options alone, or per image with `crop`.
    e = await assertRejects(
      () => openDataset("folder", { ...o, load_size: 30, crop_size: 32 }),
      DatasetError,
    );
    assertMatch(e.message, /crop_size 32 is larger than load_size 30/);
    e = await assertRejects(
      () => openDataset("folder", { ...o, preprocess: "crop", crop_size: 40 }),
      DatasetError,
    );
    assertMatch(e.message, /crop_size 40 is larger than 3 image\(s\).*trainA\/a\.png \(36x36\)/);
    // `none` keeps sizes, which differ here.
    e = await assertRejects(
      () => openDataset("folder", { ...o, preprocess: "none" }),
      DatasetError,
    );
    assertMatch(e.message, /do not share one/);
    // Unknown option and bad value, reported together.
    e = await assertRejects(
      () => openDataset("folder", { ...o, bogus: 1, input_nc: 2 } as never),
      DatasetError,
    );
    assertMatch(e.message, /unknown option\(s\) bogus/);
    assertMatch(e.message, /input_nc/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkFolder() reports counts, sizes, kinds, bad files and pairing", async () => {
  const root = await fixture();
  try {
    await Deno.writeFile(`${root}/trainB/bad.png`, new Uint8Array(20));
    const r = await checkFolder(root, { preprocess: { preprocess: "crop", crop_size: 40 } });
    assert(!r.ok);
    assertEquals(Object.keys(r.folders), ["testA", "testB", "trainA", "trainB"]);
    assertEquals(r.folders.trainA.images, 4);
    assertEquals(r.folders.trainA.sizes, { "36x36": 1, "40x30": 1, "32x32": 1, "50x40": 1 });
    assertEquals(r.folders.trainB.kinds, { rgb: 2 });
    assertEquals(r.folders.trainB.bad.length, 1);
    assertEquals(r.folders.trainA.too_small.length, 3);
    assertEquals(r.pairing.test, { pairs: 2, paired: true });
    assert(r.problems.some((p) => /unreadable/.test(p)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("benchLoading(): a cached 64x64 pair loads in well under a millisecond-scale budget", async () => {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_bench_" });
  try {
    for (let i = 0; i < 8; i++) {
      await writePng(`${root}/trainA/${i}.png`, image(80, 80, i));
      await writePng(`${root}/trainB/${i}.png`, image(80, 80, i + 10));
    }
    const ds = await openDataset("folder", {
      dataroot: root,
      load_size: 72,
      crop_size: 64,
      cache_dir: null,
    });
    const before = tf.memory().numTensors;
    const ms = benchLoading(ds.train, { pairs: 32 });
    assertEquals(tf.memory().numTensors, before);
    // A 64x64 CycleGAN iteration takes hundreds of ms on CPU; 5% of that is >= 10 ms.
    assert(ms < 10, `loading took ${ms.toFixed(3)} ms per pair`);
  } finally {
    await Deno.remove(root, { recursive: true });
    clearMemoryCache();
  }
});

Deno.test("describeSkipped() names the first 5 skipped images of each folder, then how many more", () => {
  const files = (folder: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ folder, file: `${i}.png` }));
  assertEquals(describeSkipped([]), []);
  assertEquals(describeSkipped([...files("trainA", 7), ...files("testB", 1)]), [
    "skipped 7 unreadable image(s) in trainA/: 0.png, 1.png, 2.png, 3.png, 4.png and 2 more",
    "skipped 1 unreadable image(s) in testB/: 0.png",
  ]);
});

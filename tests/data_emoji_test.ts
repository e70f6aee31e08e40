/**
 * The `emoji` dataset on small fake `emoji-datasource-*` packages written at test time: the
 * split (fixed test emoji, paired by code point; disjoint training emoji; skin tones kept with
 * their emoji), sizes, transparency on white, and the error when a package is missing. One
 * more test reads the real packages when Deno's npm cache already holds them (never downloads).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  clearMemoryCache,
  DatasetError,
  EMOJI_PACKAGE_VERSION,
  isTestEmoji,
  openDataset,
} from "../lib/data/mod.ts";
import { emojiItems, splitEmoji } from "../lib/data/emoji.ts";
import { encodePng } from "../lib/data/io.ts";
import { trainTwoSteps } from "./_train_fixture.ts";

/** Bases "1F3xx" (40 emoji), every fifth with two skin tones; google lacks the last one. */
function catalogue(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const unified = `1F3${(0x40 + i).toString(16).toUpperCase()}`;
    const e: Record<string, unknown> = {
      unified,
      image: `${unified.toLowerCase()}.png`,
      has_img_twitter: true,
      has_img_google: i !== 39,
      has_img_apple: true,
    };
    if (i % 5 === 0) {
      e.skin_variations = Object.fromEntries(["1F3FB", "1F3FC"].map((tone) => {
        const u = `${unified}-${tone}`;
        return [tone, {
          unified: u,
          image: `${u.toLowerCase()}.png`,
          has_img_twitter: true,
          has_img_google: true,
        }];
      }));
    }
    out.push(e);
  }
  return out;
}

/** Writes fake packages for twitter (opaque red) and google (half-transparent blue). */
async function fakePackages(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_emoji_" });
  const json = JSON.stringify(catalogue());
  const images = emojiItems(JSON.parse(json), true);
  for (
    const [vendor, rgba] of [["twitter", [220, 30, 30, 255]], ["google", [30, 30, 220, 0]]] as const
  ) {
    const dir = `${root}/emoji-datasource-${vendor}`;
    await Deno.mkdir(`${dir}/img/${vendor}/64`, { recursive: true });
    await Deno.writeTextFile(`${dir}/emoji.json`, json);
    for (const it of images) {
      if (!it.vendors.has(vendor)) continue;
      const data = new Uint8Array(64 * 64 * 4);
      for (let p = 0; p < 64 * 64; p++) data.set(rgba, 4 * p);
      await Deno.writeFile(
        `${dir}/img/${vendor}/64/${it.image}`,
        await encodePng({ width: 64, height: 64, channels: 4, data }),
      );
    }
  }
  return root;
}

Deno.test("splitEmoji(): fixed paired test emoji, disjoint training emoji, skin tones together", () => {
  const items = emojiItems(catalogue(), true);
  assertEquals(items.length, 40 + 8 * 2);
  const a = splitEmoji(items, { a: "twitter", b: "google" }, 0);
  const groups = (xs: { group: string }[]) => new Set(xs.map((x) => x.group));
  const [gA, gB, gT] = [groups(a.trainA), groups(a.trainB), groups(a.test)];
  for (const g of gA) assert(!gB.has(g) && !gT.has(g), `${g} in two splits`);
  for (const g of gB) assert(!gT.has(g));
  assert(a.test.every((t) => isTestEmoji(t.group)));
  assert(a.trainB.every((t) => t.vendors.has("google")), "train B needs google images");
  // The test split does not depend on the seed; the A/B division does.
  const b = splitEmoji(items, { a: "twitter", b: "google" }, 1);
  assertEquals(b.test, a.test);
  assert(JSON.stringify(b.trainA) !== JSON.stringify(a.trainA));
  // Without skin tones only base emoji remain.
  assertEquals(emojiItems(catalogue(), false).length, 40);
});

Deno.test("emoji dataset loads vendor pairs at 32 px, on white, paired test split, no leaks", async () => {
  await tf.ready();
  const packages = await fakePackages();
  try {
    clearMemoryCache();
    const ds = await openDataset("emoji", { packages_dir: packages, size: 32, cache_dir: null }, {
      warn: () => {},
    });
    const split = splitEmoji(emojiItems(catalogue(), true), { a: "twitter", b: "google" }, 0);
    assertEquals([ds.train.sizeA, ds.train.sizeB], [split.trainA.length, split.trainB.length]);
    assertEquals(ds.train.imageSize, [32, 32]);
    assertMatch(ds.train.fingerprint ?? "", /^emoji-twitter-google-/);
    const before = tf.memory().numTensors;
    const a = ds.train.load("A", 0, new Rng(0)), b = ds.train.load("B", 0, new Rng(0));
    // Twitter's opaque red stays red; Google's fully transparent pixels become white.
    const av = a.dataSync(), bv = b.dataSync();
    assertEquals(Array.from(av.slice(0, 3), (v) => Math.round((v + 1) * 127.5)), [220, 30, 30]);
    assert(bv.every((v) => v === 1));
    tf.dispose([a, b]);
    assertEquals(tf.memory().numTensors, before);
    const test = await ds.test();
    assert(test.paired);
    assertEquals(test.A.names, test.B.names);
    assertEquals(test.A.length, split.test.length);
    assertEquals(test.A.imageSize, [32, 32]);
  } finally {
    await Deno.remove(packages, { recursive: true });
    clearMemoryCache();
  }
});

Deno.test("emoji dataset says what to install when a package is missing", async () => {
  const packages = await fakePackages();
  try {
    await Deno.remove(`${packages}/emoji-datasource-google`, { recursive: true });
    const e = await assertRejects(
      () => openDataset("emoji", { packages_dir: packages, cache_dir: null }),
      DatasetError,
    );
    assertMatch(e.message, /has no emoji-datasource-google\/emoji\.json/);
    assertMatch(e.message, new RegExp(`emoji-datasource-google@${EMOJI_PACKAGE_VERSION}`));
    const same = await assertRejects(
      () => openDataset("emoji", { vendor_a: "google", vendor_b: "google" }),
      DatasetError,
    );
    assertMatch(same.message, /vendor_b must differ/);
  } finally {
    await Deno.remove(packages, { recursive: true });
  }
});

/** Deno's npm cache folder holding the real twitter and google packages, if it does. */
async function realPackagesCached(): Promise<boolean> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  const npm = JSON.parse(new TextDecoder().decode(out.stdout)).npmCache as string;
  const has = (v: string) =>
    Deno.stat(`${npm}/registry.npmjs.org/emoji-datasource-${v}/${EMOJI_PACKAGE_VERSION}/emoji.json`)
      .then(() => true, () => false);
  return (await has("twitter")) && (await has("google"));
}

// .ci/run caches both packages; elsewhere they are fetched only by a real use of the dataset.
Deno.test(needs(
  await realPackagesCached() ? undefined : `emoji-datasource-twitter and -google ` +
    `${EMOJI_PACKAGE_VERSION} are not in Deno's npm cache (deno cache --no-config --no-lock ` +
    `npm:emoji-datasource-twitter@${EMOJI_PACKAGE_VERSION} npm:emoji-datasource-google@` +
    `${EMOJI_PACKAGE_VERSION})`,
  {
    name: "emoji dataset reads the real twitter and google packages",
    async fn() {
      const ds = await openDataset("emoji", { size: 32, cache_dir: null, max_dataset_size: 40 });
      assertEquals([ds.train.sizeA, ds.train.sizeB], [40, 40]);
      const x = ds.train.load("B", 39, new Rng(0));
      assertEquals(x.shape, [32, 32, 3]);
      x.dispose();
      clearMemoryCache();
    },
  },
));

Deno.test("the emoji dataset trains through train() like the others", async () => {
  const packages = await fakePackages();
  try {
    const ds = await openDataset("emoji", { packages_dir: packages, size: 32, cache_dir: null }, {
      warn: () => {},
    });
    assertEquals(await trainTwoSteps(ds), "completed at 2");
  } finally {
    await Deno.remove(packages, { recursive: true });
  }
});

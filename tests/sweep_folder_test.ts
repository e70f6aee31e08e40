/**
 * Sweeps on one's own images: a sweep's `dataset:` naming another dataset replaces the
 * experiment's instead of merging into it (seg dropped with a note), `deno task ablate
 * --dataroot DIR` checks the folder first and runs any sweep on it, and an empty file or a
 * sweep without `experiment:` is an error naming what is missing. Folders of a few tiny PNGs
 * are written at test time.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { encodePng } from "../lib/data/io.ts";
import type { Pixels } from "../lib/data/pixels.ts";
import { expandAblation } from "../lib/sweep/ablation.ts";
import { planSweep } from "../lib/sweep/plan.ts";
import { ConfigError } from "../lib/sweep/yaml.ts";
import { ablate, tinyExperiment, treeSnapshot, writeFiles } from "../lib/sweep/_fixtures.ts";
import { REPO_ROOT } from "../lib/sweep/sweep.ts";
import { slurmScript } from "../lib/sweep/slurm.ts";

function image(size: number, seed: number): Pixels {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 57) % 256;
  return { width: size, height: size, channels: 3, data };
}

/** trainA/, trainB/ (2 images each), testA/, testB/ (1 each, paired by name), 40x40 PNGs. */
async function folder(root: string, omit: string[] = []): Promise<string> {
  let seed = 0;
  for (
    const [dir, names] of Object.entries({
      trainA: ["a", "b"],
      trainB: ["c", "d"],
      testA: ["t"],
      testB: ["t"],
    })
  ) {
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
    if (omit.includes(dir)) continue;
    for (const n of names) {
      await Deno.writeFile(`${root}/${dir}/${n}.png`, await encodePng(image(40, seed++)));
    }
  }
  return root;
}

/** The tiny experiment measuring seg on scenes, as the shipped experiments do. */
const segExperiment = tinyExperiment({ steps: 2 }).replace(
  "metrics: [l1, psnr]",
  "metrics: [l1, psnr, seg]",
);

Deno.test("expandAblation(): a dataset: naming another dataset replaces the experiment's, dropping seg with a note", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_sweep_folder_" });
  try {
    const data = await folder(`${dir}/mine`);
    await writeFiles(dir, {
      "exp.yaml": segExperiment,
      "mine.yaml": `experiment: exp.yaml\nset:\n  dataset: { name: folder, dataroot: ${data}, ` +
        `load_size: 36, crop_size: 32, cache_dir: null }\n`,
      "dotted.yaml":
        `experiment: exp.yaml\nset: { dataset.dataroot: ${data}, dataset.name: folder }\n`,
      "seg.yaml": `experiment: exp.yaml\nset:\n  dataset: { name: folder, dataroot: ${data} }\n` +
        `  eval.metrics: [l1, seg]\n`,
    });
    const sweep = await expandAblation(`${dir}/mine.yaml`);
    const ds = sweep.runs[0].config.dataset;
    assertEquals([ds.name, ds.dataroot, ds.crop_size, "size" in ds, "train_count" in ds], [
      "folder",
      data,
      32,
      false,
      false,
    ]);
    assertEquals(sweep.runs[0].config.eval.metrics, ["l1", "psnr"]);
    assertEquals(sweep.notes.length, 1);
    assertMatch(sweep.notes[0], /^eval\.metrics: seg dropped \(it scores label maps/);
    // The data opens (the fingerprint needs the images).
    assertEquals((await planSweep(`${dir}/mine.yaml`, { readOnly: true })).runs.length, 1);

    // A dotted dataset.name switches too, whatever the order of the keys.
    const dotted = (await expandAblation(`${dir}/dotted.yaml`)).runs[0].config.dataset;
    assertEquals([dotted.name, dotted.dataroot, "size" in dotted], ["folder", data, false]);

    // seg that the sweep asks for itself is kept, and is an error on a folder.
    const e = await assertRejects(() => expandAblation(`${dir}/seg.yaml`), ConfigError);
    assertMatch(e.message, /seg\.yaml:\d+:\d+: eval\.metrics\[1\]: seg scores label maps/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("expandAblation(): an empty file, or sweep keys without experiment:, is an error naming what is missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_sweep_empty_" });
  try {
    await writeFiles(dir, {
      "empty.yaml": "# nothing yet\n",
      "noexp.yaml": "name: mine\nvariants:\n  - { name: a, set: { ngf: 4 } }\nseeds: [0, 1]\n",
      "blank_exp.yaml": "experiment: blank.yaml\n",
      "blank.yaml": "",
    });
    const empty = await assertRejects(() => expandAblation(`${dir}/empty.yaml`), ConfigError);
    assertMatch(
      empty.message,
      /empty\.yaml:1:1: the file is empty; expected a sweep \(experiment:/,
    );
    const noexp = await assertRejects(() => expandAblation(`${dir}/noexp.yaml`), ConfigError);
    assertMatch(
      noexp.message,
      /noexp\.yaml:1:1: the file has sweep keys \(name, variants, seeds\) but no experiment: key/,
    );
    const blank = await assertRejects(() => expandAblation(`${dir}/blank_exp.yaml`), ConfigError);
    assertMatch(
      blank.message,
      /blank_exp\.yaml:1:13: experiment: the experiment ".*blank\.yaml" is empty/,
    );

    // The CLI: exit code 2, nothing written, nothing trained.
    const before = await treeSnapshot(dir);
    const r = await ablate([`${dir}/empty.yaml`, "--out", `${dir}/out`]);
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /the file is empty/);
    assertEquals(await treeSnapshot(dir), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task ablate --dataroot DIR checks the folder first and runs the sweep on it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_sweep_dataroot_" });
  try {
    const data = await folder(`${dir}/horses`);
    const bad = await folder(`${dir}/bad`, ["trainB"]);
    await writeFiles(dir, { "exp.yaml": segExperiment });

    // A bad folder: the check's own problem, exit 2, nothing written.
    const refused = await ablate([`${dir}/exp.yaml`, "--dataroot", bad, "--out", `${dir}/o1`]);
    assertEquals(refused.code, 2, refused.stderr);
    assertMatch(refused.stderr, /--dataroot ".*bad" cannot be trained on/);
    assertMatch(refused.stderr, /problem: trainB\/ holds no readable PNG or JPEG images/);
    const missing = await ablate([`${dir}/exp.yaml`, "--dataroot", `${dir}/nope`]);
    assertEquals(missing.code, 2);
    assertEquals(missing.stderr.trim(), `error: --dataroot "${dir}/nope" does not exist`);

    // The default ablation on the folder: planned (15 runs), seg dropped, said so.
    const dry = await ablate(["--dataroot", data, "--dry-run"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stderr, /note: --dataroot: dataset scenes \(64x64\) replaced by folder/);
    assertMatch(dry.stderr, /note: eval\.metrics: seg dropped/);
    assertMatch(dry.stdout, /sweep "default-horses"/);
    assertEquals(dry.stdout.match(/^ +\d+ +pending /gm)?.length, 15, dry.stdout);

    // A tiny sweep trains and evaluates on it (32 px crops of the 40 px images).
    const r = await ablate([`${dir}/exp.yaml`, "--dataroot", data, "--out", `${dir}/out`]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertMatch(r.stdout, /sweep "exp-horses" in .*: 1 done/);
    const sweep = JSON.parse(await Deno.readTextFile(`${dir}/out/sweep.json`));
    const resolved = JSON.parse(
      await Deno.readTextFile(`${sweep.runs[0].dir}/config.resolved.json`),
    );
    const text = JSON.stringify(resolved);
    assert(text.includes('"name":"folder"') && text.includes('"crop_size":32'), text);
    assert(!text.includes('"seg"'), text);

    // --emit slurm passes the folder on to every array task.
    const script = slurmScript({
      name: "x",
      root: "/r",
      ablation: "/a.yaml",
      out: "/o",
      shards: 2,
      deno: "/usr/bin/deno",
      dataroot: data,
    });
    assertMatch(
      script,
      new RegExp(`^DATAROOT=${data.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
    );
    assertMatch(script, /--dataroot "\$DATAROOT"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sweep on a folder with on_bad_image: skip names the skipped image on the console and in status.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_sweep_skip_" });
  try {
    const data = await folder(`${dir}/mine`);
    // A PNG signature and then nothing a decoder can use.
    await Deno.writeFile(
      `${data}/trainA/broken.png`,
      new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2]),
    );
    await writeFiles(dir, {
      "exp.yaml": tinyExperiment({ steps: 2 }),
      "mine.yaml": `experiment: exp.yaml\nset:\n  dataset: { name: folder, dataroot: ${data}, ` +
        `load_size: 36, crop_size: 32, cache_dir: null, on_bad_image: skip }\n`,
    });
    const r = await ablate([`${dir}/mine.yaml`, "--out", `${dir}/out`]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertMatch(
      r.stdout + r.stderr,
      /skipped 1 unreadable image\(s\) in trainA\/: broken\.png/,
    );
    const sweep = JSON.parse(await Deno.readTextFile(`${dir}/out/sweep.json`));
    const status = JSON.parse(await Deno.readTextFile(`${sweep.runs[0].dir}/status.json`));
    assertEquals(status.status, "completed");
    assertEquals(status.skipped_images, { count: 1, first: ["trainA/broken.png"] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("experiments/folder.yaml is a valid template, and runs on a folder given with --dataroot", async () => {
  const sweep = await expandAblation(`${REPO_ROOT}/experiments/folder.yaml`);
  assertEquals(sweep.runs[0].config.dataset.name, "folder");
  assertEquals(sweep.notes, []);
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_folder_template_" });
  try {
    const data = await folder(`${dir}/mine`);
    const s = await expandAblation(`${REPO_ROOT}/experiments/folder.yaml`, { dataroot: data });
    const ds = s.runs[0].config.dataset;
    assertEquals([ds.dataroot, ds.load_size, ds.crop_size, s.name], [data, 72, 64, "folder-mine"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

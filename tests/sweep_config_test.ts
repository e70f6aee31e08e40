/**
 * Sweep configs without training (reliability.md tests 3-5): invalid configs fail fast and all
 * at once with file:line:col and exit code 2, writing nothing; the dry run writes nothing and
 * is stable; run ids are stable and independent of order and of other variants; duplicates
 * are run once; shards cover every run exactly once; the Slurm scripts pass `bash -n`; the
 * shipped ablations are valid.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { ConfigError } from "../lib/sweep/yaml.ts";
import { planSweep, shardRuns } from "../lib/sweep/plan.ts";
import { expandAblation } from "../lib/sweep/ablation.ts";
import { slurmFiles } from "../lib/sweep/slurm.ts";
import { REPO_ROOT } from "../lib/sweep/sweep.ts";
import { ablate, tinyExperiment, treeSnapshot, writeFiles } from "../lib/sweep/_fixtures.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "sweep_config_" });
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("ablate: an invalid config lists every problem with file:line:col, exits 2, writes nothing", async () => {
  const dir = await tempDir();
  await writeFiles(dir, {
    "exp.yaml": `netG: vgg
ngf: 4
ndf: four
pool_size: -1
lambda_identity: 0.5
input_nc: 1
output_nc: 3
colour: red
dataset: { name: scenes, size: 32 }
backend: wasm
`,
    "abl.yaml": `name: invalid_sweep_test
experiment: exp.yaml
grid:
  gan_mod: [lsgan]
  netG: [resnet_6blocks, unet_128]
`,
  });
  const out = `${dir}/results`;
  const r = await ablate([`${dir}/abl.yaml`, "--out", out]);
  assertEquals(r.code, 2, r.stderr);
  const text = r.stderr;
  const expect = [
    /abl\.yaml:4:3: grid\.gan_mod: unknown config key "gan_mod" \(did you mean "gan_mode"\?\)/,
    /exp\.yaml:3:6: ndf: expected a number, got "four"/,
    /exp\.yaml:4:12: pool_size: expected a number >= 0, got -1/,
    /exp\.yaml:5:18: lambda_identity: identity loss .*needs input_nc == output_nc, got input_nc 1 and output_nc 3/,
    /exp\.yaml:8:1: colour: unknown key "colour"; allowed: netG, netD/,
    /abl\.yaml:5:26: netG: netG unet_128 needs height and width divisible by 128.*got 32x32/,
  ];
  for (const re of expect) assertMatch(text, re);
  // netG: vgg is overridden by the grid in every run, so it is not a problem of any run.
  assert(!text.includes('"vgg"'), text);
  assert(!(await exists(out)), "the results directory must not be created");
  assert(!(await exists(`${REPO_ROOT}/results/invalid_sweep_test`)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ablate: an experiment with a bad enum, a bad type and an unknown dataset option", async () => {
  const dir = await tempDir();
  await writeFiles(dir, {
    "exp.yaml": `netG: vgg
gan_mode: wgan
lr: "fast"
dataset:
  name: scenes
  trian_count: 4
eval: { metrics: [l1, fud] }
`,
  });
  const r = await ablate([`${dir}/exp.yaml`, "--out", `${dir}/out`]);
  assertEquals(r.code, 2);
  assertMatch(
    r.stderr,
    /exp\.yaml:1:7: netG: expected one of resnet_9blocks, resnet_6blocks, unet_256, unet_128, encoder_decoder_256, encoder_decoder_128, got "vgg"/,
  );
  assertMatch(
    r.stderr,
    /exp\.yaml:2:11: gan_mode: expected one of vanilla, lsgan, wgangp, hinge, got "wgan"/,
  );
  assertMatch(r.stderr, /exp\.yaml:3:5: lr: expected a number, got "fast"/);
  assertMatch(
    r.stderr,
    /exp\.yaml:6:3: dataset\.trian_count: unknown key "trian_count" \(did you mean "train_count"\?\)/,
  );
  assertMatch(
    r.stderr,
    /exp\.yaml:7:23: eval\.metrics\[1\]: expected one of l1, psnr, ssim, fid, kid, seg, structure, color, dependence, good, layout, stability, got "fud"/,
  );
  assertMatch(r.stderr, /^5 problems in the config/);
  assert(!(await exists(`${dir}/out`)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ablate: a YAML syntax error reports its line and column", async () => {
  const dir = await tempDir();
  await writeFiles(dir, { "bad.yaml": "name: x\nexperiment: [a, b\ngrid: {}\n" });
  const r = await ablate([`${dir}/bad.yaml`, "--out", `${dir}/out`]);
  assertEquals(r.code, 2);
  assertMatch(r.stderr, /bad\.yaml:3:1: YAML syntax error/);
  assert(!(await exists(`${dir}/out`)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ablate --dry-run lists ids and states, writes nothing, and prints the same twice", async () => {
  const dir = await tempDir();
  await writeFiles(dir, {
    "exp.yaml": tinyExperiment(),
    "abl.yaml": `name: dry
experiment: exp.yaml
grid:
  gan_mode: [lsgan, vanilla]
  pool_size: [0, 2]
  # 2 and 2.0 are the same config: one run
  ngf: [4, 4.0]
`,
  });
  const before = await treeSnapshot(dir);
  const a = await ablate([`${dir}/abl.yaml`, "--dry-run", "--out", `${dir}/out`]);
  const b = await ablate([`${dir}/abl.yaml`, "--dry-run", "--out", `${dir}/out`]);
  assertEquals(a.code, 0, a.stderr);
  assertEquals(a.stdout, b.stdout);
  assertEquals(await treeSnapshot(dir), before);
  const lines = a.stdout.trim().split("\n");
  assertMatch(lines[0], /sweep "dry" .*: 4 run\(s\)/);
  const runs = lines.filter((l) => /^\s+\d+\s+pending\s+/.test(l));
  assertEquals(runs.length, 4);
  // 4 and 4.0 are one value, so ngf does not vary and is not in the names.
  assertMatch(runs[0], /gan_mode=lsgan,pool=0-[0-9a-f]{10}$/);
  assertEquals(lines.filter((l) => l.startsWith("duplicate:")).length, 4);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("planSweep() ids are stable, independent of order, and of other variants", async () => {
  const dir = await tempDir();
  const variants = [
    "  - { name: a, set: { gan_mode: lsgan } }",
    "  - { name: b, set: { gan_mode: vanilla } }",
    "  - { name: c, set: { gan_mode: hinge } }",
  ];
  await writeFiles(dir, {
    "exp.yaml": tinyExperiment(),
    "one.yaml": `experiment: exp.yaml\nvariants:\n${variants.join("\n")}\nseeds: [0, 1]\n`,
    "two.yaml": `experiment: exp.yaml\nvariants:\n${
      [variants[2], variants[0], variants[1]].join("\n")
    }\nseeds: [1, 0]\n`,
    "three.yaml": `experiment: exp.yaml\nvariants:\n${
      [...variants, "  - { name: d, set: { gan_mode: wgangp } }"].join("\n")
    }\nseeds: [0, 1]\n`,
  });
  const one = await planSweep(`${dir}/one.yaml`, { readOnly: true });
  const two = await planSweep(`${dir}/two.yaml`, { readOnly: true });
  const three = await planSweep(`${dir}/three.yaml`, { readOnly: true });
  const ids = (p: typeof one) => p.runs.map((r) => r.id).sort();
  assertEquals(one.runs.length, 6);
  assertEquals(ids(one), ids(two));
  // Adding a variant adds runs and leaves the others (and their seeds) as they were.
  assertEquals(ids(three).filter((id) => !id.startsWith("d,")), ids(one));
  const seedOf = (p: typeof one, id: string) => p.runs.find((r) => r.id === id)!.trainSeed;
  for (const id of ids(one)) assertEquals(seedOf(three, id), seedOf(one, id));
  // The seed comes from the run's identity, and two seeds give two different streams.
  const a0 = one.runs.find((r) => r.id.startsWith("a,seed=0"))!;
  const a1 = one.runs.find((r) => r.id.startsWith("a,seed=1"))!;
  assert(a0.trainSeed !== a1.trainSeed);
  assertMatch(a0.id, /^a,seed=0-[0-9a-f]{10}$/);
  // A planned run is the same plan every time.
  assertEquals(
    (await planSweep(`${dir}/one.yaml`, { readOnly: true })).runs.map((r) => [r.id, r.trainSeed]),
    one.runs.map((r) => [r.id, r.trainSeed]),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("shardRuns() and --shard cover every run exactly once; --emit slurm's scripts pass bash -n", async () => {
  const plan = await planSweep(`${REPO_ROOT}/ablations/smoke.yaml`, { readOnly: true });
  assertEquals(plan.runs.length, 64);
  for (const n of [1, 2, 3, 5, 64, 70]) {
    const seen = new Map<string, number>();
    for (let k = 1; k <= n; k++) {
      for (const r of shardRuns(plan.runs, { k, n })) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    }
    assertEquals(seen.size, plan.runs.length);
    assert([...seen.values()].every((c) => c === 1));
  }
  // The CLI's dry-run slices agree.
  const dir = await tempDir();
  const listed: string[] = [];
  for (let k = 1; k <= 3; k++) {
    const r = await ablate([
      "ablations/smoke.yaml",
      "--dry-run",
      "--shard",
      `${k}/3`,
      "--out",
      `${dir}/o`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    listed.push(
      ...r.stdout.split("\n").filter((l) => /^\s+\d+\s+pending/.test(l)).map((l) =>
        l.trim().split(/\s+/).pop()!
      ),
    );
  }
  assertEquals(listed.sort(), plan.runs.map((r) => r.id).sort());

  const e = await ablate([
    "ablations/smoke.yaml",
    "--emit",
    "slurm",
    "--shards",
    "8",
    "--out",
    `${dir}/o`,
  ]);
  assertEquals(e.code, 0, e.stderr);
  const script = await Deno.readTextFile(`${dir}/o/sweep.sbatch`);
  assertMatch(script, /#SBATCH --array=1-8/);
  assertMatch(script, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/8"/);
  for (const f of ["sweep.sbatch", "report.sbatch", "submit.sh"]) {
    const check = await new Deno.Command("bash", { args: ["-n", `${dir}/o/${f}`] }).output();
    assert(check.success, `${f}: ${new TextDecoder().decode(check.stderr)}`);
  }
  // Odd paths are quoted.
  const odd = slurmFiles({
    name: "x",
    root: "/a b/it's",
    ablation: "/a b/x.yaml",
    out: "/o p",
    shards: 2,
    deno: "/d $x/deno",
  });
  for (const [f, text] of Object.entries(odd)) {
    await Deno.writeTextFile(`${dir}/odd-${f}`, text);
    const check = await new Deno.Command("bash", { args: ["-n", `${dir}/odd-${f}`] }).output();
    assert(check.success, f);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the shipped ablations and experiments are valid", async () => {
  for (const dirName of ["ablations", "experiments"]) {
    for await (const e of Deno.readDir(`${REPO_ROOT}/${dirName}`)) {
      if (!e.name.endsWith(".yaml")) continue;
      const file = `${REPO_ROOT}/${dirName}/${e.name}`;
      try {
        const sweep = await expandAblation(file);
        assert(sweep.runs.length > 0, e.name);
        // Opening the data fingerprints it; emoji would download its packages, so only the
        // built-in procedural data is opened here.
        if (sweep.runs.every((r) => r.config.dataset.name === "scenes")) {
          assertEquals((await planSweep(file, { readOnly: true })).runs.length, sweep.runs.length);
        }
      } catch (err) {
        if (err instanceof ConfigError) throw new Error(`${e.name}: ${err.message}`);
        throw err;
      }
    }
  }
});

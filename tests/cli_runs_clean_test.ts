/**
 * `deno task runs` and `deno task clean` on fixture sweep directories written here (no
 * training): the run listing with the report's main metric, what `clean` removes (only old
 * checkpoints of completed runs, `*.restarted-*` leftovers, the image cache), `--dry-run`
 * removing nothing, and the refusals (not a sweep directory: exit 2; a live sweep's lock: exit 3).
 */
import { runScript, type ScriptOutput } from "./_cli.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { fixtureEval, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import { formatRunLines, runLines } from "../lib/cli/runs.ts";
import { formatBytes, planClean, pruneToFinalCheckpoint } from "../lib/sweep/clean.ts";
import { exists } from "../lib/io/atomic.ts";
import { ablate, tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";

function cli(file: string, ...args: string[]): Promise<ScriptOutput> {
  return runScript(`lib/cli/${file}`, ...args);
}

/** A sweep of two completed runs and a failed one, each with three checkpoints on disk. */
async function sweep(out: string): Promise<string[]> {
  const ids = await writeFixtureSweep(out, [
    { variant: "cyclegan", seed: 0, status: "completed", eval: fixtureEval(0), backend: "wasm" },
    { variant: "cyclegan", seed: 1, status: "completed", eval: fixtureEval(1), backend: "wasm" },
    { variant: "gan_alone", seed: 0, status: "failed", error: "boom", backend: "wasm" },
  ]);
  // main_metric as a sweep file sets it (the default would be FID: these records have no
  // untrained-floor comparisons to prefer another).
  await Deno.writeTextFile(
    `${out}/sweep.json`,
    JSON.stringify({ name: "fx", main_metric: "AtoB.l1" }),
  );
  for (const id of ids) {
    for (const name of ["step_00000001", "step_00000002", "step_00000004"]) {
      await Deno.mkdir(`${out}/runs/${id}/checkpoints/${name}`, { recursive: true });
      await Deno.writeFile(`${out}/runs/${id}/checkpoints/${name}/net.bin`, new Uint8Array(100));
    }
  }
  return ids;
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("runLines() lists every run with the report's main metric", async () => {
  const out = await Deno.makeTempDir();
  try {
    await sweep(out);
    const lines = await runLines(out);
    assertEquals(lines.mainMetric, "AtoB L1"); // sweep.json's main_metric
    assertEquals(
      lines.runs.map((r) => [r.variant, r.seed, r.status, r.step, r.backend, r.main]),
      [
        ["cyclegan", 0, "completed", 4, "wasm", 30],
        ["cyclegan", 1, "completed", 4, "wasm", 31],
        ["gan_alone", 0, "failed", 2, "wasm", null],
      ],
    );
    const text = formatRunLines(lines).split("\n");
    assertEquals(text[0], "variant    seed  status     step  backend  AtoB L1");
    assertEquals(text[1], "cyclegan   0     completed  4/4   wasm     30.0000");
    assertEquals(text[3], "gan_alone  0     failed     2/4   wasm     n/a");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("planClean() removes old checkpoints of completed runs only, leftovers, the cache", async () => {
  const out = await Deno.makeTempDir();
  try {
    const ids = await sweep(out);
    const failed = ids.find((i) => i.startsWith("gan_alone"))!;
    await Deno.mkdir(`${out}/runs/${ids[0]}/checkpoints.restarted-2026-01-01T00-00-00-000Z`);
    await Deno.writeTextFile(`${out}/runs/${failed}/metrics.jsonl.restarted-x`, "12345");
    // The run's dataset names a cache directory: its decoded images go.
    const cache = `${out}/cache`;
    await Deno.mkdir(`${cache}/data/v1`, { recursive: true });
    await Deno.writeFile(`${cache}/data/v1/a.px`, new Uint8Array(7));
    const cfgPath = `${out}/runs/${ids[0]}/config.resolved.json`;
    const cfg = JSON.parse(await Deno.readTextFile(cfgPath));
    cfg.config.dataset.cache_dir = cache;
    await Deno.writeTextFile(cfgPath, JSON.stringify(cfg));

    const plan = await planClean(out, { checkpoints: true, restarted: true, cache: true });
    const rel = plan.items.map((i) => [i.kind, i.path.slice(out.length + 1), i.bytes]);
    assertEquals(rel, [
      ["checkpoints", `runs/${ids[0]}/checkpoints/step_00000001`, 100],
      ["checkpoints", `runs/${ids[0]}/checkpoints/step_00000002`, 100],
      ["checkpoints", `runs/${ids[1]}/checkpoints/step_00000001`, 100],
      ["checkpoints", `runs/${ids[1]}/checkpoints/step_00000002`, 100],
      ["restarted", `runs/${ids[0]}/checkpoints.restarted-2026-01-01T00-00-00-000Z`, 0],
      ["restarted", `runs/${failed}/metrics.jsonl.restarted-x`, 5],
      ["cache", "cache/data", 7],
    ]);
    assertEquals(plan.bytes, 412);
    assertEquals(plan.skipped, [`${failed}: failed, not completed`]);
    assertEquals(formatBytes(412), "412 B");
    assertEquals(formatBytes(3_400_000), "3.4 MB");

    // What run.ts does when a run completes: the final checkpoint stays.
    await pruneToFinalCheckpoint(`${out}/runs/${ids[0]}`);
    assertEquals(await names(`${out}/runs/${ids[0]}/checkpoints`), ["step_00000004"]);
    assertEquals(await names(`${out}/runs/${failed}/checkpoints`), [
      "step_00000001",
      "step_00000002",
      "step_00000004",
    ]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runs and clean: --json, --dry-run, removal, and their refusals", async () => {
  const out = await Deno.makeTempDir();
  try {
    const ids = await sweep(out);
    const failed = ids.find((i) => i.startsWith("gan_alone"))!;

    const json = await cli("runs.ts", out, "--json");
    assertEquals(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assertEquals(parsed.main_metric, "AtoB L1");
    assertEquals(parsed.runs.length, 3);

    const notSweep = await cli("runs.ts", `${out}/runs`);
    assertEquals(notSweep.code, 2);
    assertMatch(notSweep.stderr, /^error: ".*\/runs" is not a sweep directory: expected a folder/);

    const nothing = await cli("clean.ts", out);
    assertEquals(nothing.code, 0, nothing.stderr);
    assertMatch(nothing.stdout, /^nothing removed: choose what to remove/);
    assertMatch(nothing.stdout, /--checkpoints: 4 path\(s\), 400 B/);

    const dry = await cli("clean.ts", out, "--checkpoints", "--dry-run");
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stdout, /would remove .*checkpoints\/step_00000001 \(100 B\)/);
    assertMatch(dry.stdout, new RegExp(`left alone: ${failed}: failed, not completed`));
    assertMatch(dry.stdout, /dry run: would free 400 B \(400 bytes\)/);
    assertEquals((await names(`${out}/runs/${ids[0]}/checkpoints`)).length, 3, "nothing removed");

    const bad = await cli("clean.ts", `${out}/runs`, "--checkpoints");
    assertEquals(bad.code, 2);
    assertMatch(
      bad.stderr,
      /is not a sweep directory: expected a folder with sweep\.json or a runs/,
    );

    // A live process (this test) holds the sweep lock: refused, exit 3, nothing removed.
    await Deno.writeTextFile(
      `${out}/.lock`,
      JSON.stringify({ pid: Deno.pid, host: Deno.hostname(), started: "t0", what: "sweep" }),
    );
    const locked = await cli("clean.ts", out, "--checkpoints");
    assertEquals(locked.code, 3);
    assertMatch(locked.stderr, /^error: cannot clean ".*": sweep pid \d+ on .* holds .*\.lock/);
    assertEquals((await names(`${out}/runs/${ids[0]}/checkpoints`)).length, 3);
    await Deno.remove(`${out}/.lock`);

    const done = await cli("clean.ts", out, "--checkpoints");
    assertEquals(done.code, 0, done.stderr);
    assertMatch(done.stdout, /freed 400 B \(400 bytes\) in 4 path\(s\)/);
    for (const id of ids.filter((i) => i !== failed)) {
      assertEquals(await names(`${out}/runs/${id}/checkpoints`), ["step_00000004"]);
    }
    assertEquals((await names(`${out}/runs/${failed}/checkpoints`)).length, 3);
    assert(!(await exists(`${out}/.lock`)), "clean releases the lock it took");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test({
  name: "a completed run keeps only its final checkpoint (keep_checkpoints rotates while training)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "clean_sweep_" });
    try {
      // 3 steps, a checkpoint every step, keep_checkpoints 3: all three exist until it completes.
      await writeFiles(dir, {
        "exp.yaml": tinyExperiment({ steps: 3 }),
        "sweep.yaml":
          "name: prune\nexperiment: exp.yaml\nvariants:\n  - { name: cyclegan, set: {} }\n",
      });
      const out = `${dir}/out`;
      const r = await ablate([`${dir}/sweep.yaml`, "--out", out, "--jobs", "1"]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const [id] = await names(`${out}/runs`);
      assertEquals(await names(`${out}/runs/${id}/checkpoints`), ["step_00000003"]);
      const listed = await cli("runs.ts", out);
      assertEquals(listed.code, 0, listed.stderr);
      assertMatch(listed.stdout, /^cyclegan +0 +completed +3\/3 +wasm +\d+\.\d{4}$/m);
      // Run again: nothing to do, the final checkpoint is still there.
      const again = await ablate([`${dir}/sweep.yaml`, "--out", out, "--jobs", "1"]);
      assertEquals(again.code, 0, again.stdout + again.stderr);
      assertEquals(await names(`${out}/runs/${id}/checkpoints`), ["step_00000003"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

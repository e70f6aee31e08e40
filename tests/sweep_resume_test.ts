/**
 * Resume and identity of sweep runs (reliability.md tests 1, 3, 5, 7, 9), on the 4-run sweep
 * (2 generators x 2 GAN losses, 3 iterations each at 32x32, ngf/ndf 4):
 *
 * - kill -9 mid-sweep (fault hook after run 3's step-2 checkpoint), dry run shows the states,
 *   the rerun trains only run 3 from step 2 and leaves the others' files alone, and every
 *   `metrics.jsonl` and final weight hash equals an uninterrupted sweep's;
 * - `--only <id>` in a fresh directory gives the same result as inside the sweep;
 * - disk full (ENOSPC injected) fails the run naming the path, keeps the earlier checkpoint,
 *   and a rerun completes with the same result;
 * - an edited config trains only the runs whose id changed; the old ones are listed as stale.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { verifyCheckpoint } from "../lib/train/checkpoint.ts";
import {
  ablate,
  fourRunAblation,
  tinyExperiment,
  treeSnapshot,
  writeFiles,
} from "../lib/sweep/_fixtures.ts";

async function runIds(out: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(`${out}/runs`))).map((e) => e.name).sort();
}

async function results(out: string, id: string): Promise<{ metrics: string; weights: string }> {
  const status = JSON.parse(await Deno.readTextFile(`${out}/runs/${id}/status.json`));
  return {
    metrics: await Deno.readTextFile(`${out}/runs/${id}/metrics.jsonl`),
    weights: status.weights_sha256,
  };
}

Deno.test("sweep: kill -9, rerun, --only, disk full and edited configs give the uninterrupted results", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_resume_" });
  await writeFiles(dir, { "exp.yaml": tinyExperiment(), "abl.yaml": fourRunAblation("four") });
  const abl = `${dir}/abl.yaml`;
  const U = `${dir}/U`;
  const K = `${dir}/K`;
  let ids: string[] = [];

  await t.step("an uninterrupted sweep completes every run", async () => {
    const r = await ablate([abl, "--out", U, "--jobs", "2"]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    ids = await runIds(U);
    assertEquals(ids.length, 4);
    for (const id of ids) {
      const s = JSON.parse(await Deno.readTextFile(`${U}/runs/${id}/status.json`));
      assertEquals([s.status, s.step], ["completed", 3]);
      const lines = (await Deno.readTextFile(`${U}/runs/${id}/metrics.jsonl`)).trim().split("\n")
        .map((l) => JSON.parse(l));
      assertEquals(lines.map((l) => l.step), [1, 2, 3, 3]);
      assertEquals(lines[3].type, "eval");
      // status.json is written last.
      const st = (await Deno.stat(`${U}/runs/${id}/status.json`)).mtime!.getTime();
      for (const f of ["metrics.jsonl", "config.resolved.json", "config.diff.json"]) {
        assert((await Deno.stat(`${U}/runs/${id}/${f}`)).mtime!.getTime() <= st, f);
      }
    }
    assert(!(await Deno.lstat(`${U}/.lock`).then(() => true, () => false)), "lock released");
  });

  // Plan order: r6 lsgan, r6 vanilla, r9 lsgan, r9 vanilla.
  const third = () => ids.find((id) => id.startsWith("r9,gan_mode=lsgan"))!;

  await t.step(
    "kill -9 after run 3's step-2 checkpoint: the sweep records it and goes on",
    async () => {
      const r = await ablate([abl, "--out", K, "--jobs", "2"], {
        env: { CYCLEBENCH_FAULT: "exit-after-checkpoint:step=2", CYCLEBENCH_FAULT_RUN: "3" },
      });
      assertEquals(r.code, 11, r.stdout + r.stderr);
      assertMatch(r.stdout, /interrupted r9,gan_mode=lsgan at step 2 .*worker killed by SIGKILL/);
    },
  );

  await t.step("the dry run shows done and partial at step 2, and writes nothing", async () => {
    const before = await treeSnapshot(dir);
    const r = await ablate([abl, "--out", K, "--dry-run"]);
    assertEquals(r.code, 0);
    assertMatch(
      r.stdout,
      new RegExp(`3\\s+partial at step 2\\s+${third().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    assertEquals(r.stdout.split("\n").filter((l) => /^\s+\d+\s+done\s/.test(l)).length, 3);
    assertEquals(await treeSnapshot(dir), before);
  });

  await t.step(
    "the rerun trains only run 3, from step 2, to the uninterrupted results",
    async () => {
      const others = ids.filter((id) => id !== third());
      const before = await Promise.all(others.map((id) => treeSnapshot(`${K}/runs/${id}`)));
      const r = await ablate([abl, "--out", K]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertMatch(r.stdout, /4 run\(s\), 1 to run, 3 skipped/);
      assertMatch(r.stdout, /start r9,gan_mode=lsgan \(resumed at step 2\)/);
      assertEquals(await Promise.all(others.map((id) => treeSnapshot(`${K}/runs/${id}`))), before);
      for (const id of ids) assertEquals(await results(K, id), await results(U, id), id);
    },
  );

  await t.step("--only <id> in a fresh directory gives the same run", async () => {
    const id = ids.find((i) => i.startsWith("r6,gan_mode=vanilla"))!;
    const O = `${dir}/O`;
    const r = await ablate([abl, "--out", O, "--only", id]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await runIds(O), [id]);
    assertEquals(await results(O, id), await results(U, id));
  });

  await t.step(
    "disk full: the run fails naming the path, keeps step 1, and a rerun completes",
    async () => {
      const id = ids.find((i) => i.startsWith("r6,gan_mode=lsgan"))!;
      const E = `${dir}/E`;
      const r = await ablate([abl, "--out", E, "--only", id], {
        env: { CYCLEBENCH_FAULT: "enospc-at-write=30" },
      });
      assertEquals(r.code, 11, r.stdout + r.stderr);
      const s = JSON.parse(await Deno.readTextFile(`${E}/runs/${id}/status.json`));
      assertEquals(s.status, "failed");
      assertMatch(s.error, /Cannot write ".*\/checkpoints\/step_00000002\.tmp\/.*": ENOSPC/);
      assertEquals((await verifyCheckpoint(`${E}/runs/${id}/checkpoints/step_00000001`)).step, 1);
      const again = await ablate([abl, "--out", E, "--only", id]);
      assertEquals(again.code, 0, again.stdout + again.stderr);
      assertMatch(again.stdout, /resumed at step 1/);
      assertEquals(await results(E, id), await results(U, id));
    },
  );

  await t.step(
    "killed between writing a checkpoint and publishing it, or with a torn file",
    async () => {
      for (
        const [fault, prefix] of [
          ["exit-before-publish:step=2", "r9,gan_mode=vanilla"],
          ["truncate-checkpoint:step=2", "r6,gan_mode=vanilla"],
        ]
      ) {
        const id = ids.find((i) => i.startsWith(prefix))!;
        const P = `${dir}/P-${fault.split(":")[0]}`;
        const r = await ablate([abl, "--out", P, "--only", id], {
          env: { CYCLEBENCH_FAULT: fault },
        });
        assertEquals(r.code, 11, r.stdout + r.stderr);
        const ckpts = `${P}/runs/${id}/checkpoints`;
        assert((await Array.fromAsync(Deno.readDir(ckpts))).some((e) => e.name.endsWith(".tmp")));
        const again = await ablate([abl, "--out", P, "--only", id]);
        assertEquals(again.code, 0, again.stdout + again.stderr);
        assertMatch(again.stdout, /resumed at step 1/);
        assert(!(await Array.fromAsync(Deno.readDir(ckpts))).some((e) => e.name.endsWith(".tmp")));
        assertEquals(await results(P, id), await results(U, id));
      }
    },
  );

  await t.step("a checkpoint of another config is refused by name unless --restart", async () => {
    const id = ids.find((i) => i.startsWith("r6,gan_mode=vanilla"))!;
    const O = `${dir}/O`;
    const run = `${O}/runs/${id}`;
    // Make the run look interrupted, with a checkpoint whose config hash differs.
    const status = JSON.parse(await Deno.readTextFile(`${run}/status.json`));
    await Deno.writeTextFile(
      `${run}/status.json`,
      JSON.stringify({ ...status, status: "interrupted" }),
    );
    const ckpt = `${run}/checkpoints/step_00000003`;
    const state = JSON.parse(await Deno.readTextFile(`${ckpt}/state.json`));
    const text = JSON.stringify({ ...state, configHash: "0".repeat(64) }, null, 2);
    await Deno.writeTextFile(`${ckpt}/state.json`, text);
    const manifest = JSON.parse(await Deno.readTextFile(`${ckpt}/manifest.json`));
    const bytes = new TextEncoder().encode(text);
    const sha = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    manifest.files["state.json"] = { size: bytes.length, sha256: sha };
    await Deno.writeTextFile(`${ckpt}/manifest.json`, JSON.stringify(manifest));

    const refused = await ablate([abl, "--out", O, "--only", id]);
    assertEquals(refused.code, 11);
    assertMatch(
      refused.stdout,
      /Cannot resume run ".*": checkpoint config hash 0{64} differs from/,
    );
    const restarted = await ablate([abl, "--out", O, "--only", id, "--restart", id]);
    assertEquals(restarted.code, 0, restarted.stdout + restarted.stderr);
    assertEquals(await results(O, id), await results(U, id));
    const names = (await Array.fromAsync(Deno.readDir(run))).map((e) => e.name);
    assert(names.some((n) => n.startsWith("checkpoints.restarted-")), names.join(" "));
  });

  await t.step(
    "an edited variant trains only the runs whose id changed; old ones are stale",
    async () => {
      await Deno.writeTextFile(`${dir}/abl2.yaml`, fourRunAblation("four", ", lambda_A: 5"));
      const dry = await ablate([`${dir}/abl2.yaml`, "--out", K, "--dry-run"]);
      assertEquals(dry.code, 0);
      assertEquals(dry.stdout.split("\n").filter((l) => /^\s+\d+\s+done\s+r6,/.test(l)).length, 2);
      assertEquals(
        dry.stdout.split("\n").filter((l) => /^\s+\d+\s+pending\s+r9,/.test(l)).length,
        2,
      );
      assertEquals(dry.stdout.split("\n").filter((l) => /^stale: r9,/.test(l)).length, 2);
      const r = await ablate([`${dir}/abl2.yaml`, "--out", K]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertMatch(r.stdout, /4 run\(s\), 2 to run, 2 skipped/);
      const now = await runIds(K);
      assertEquals(now.length, 6);
      for (const id of ids) assert(now.includes(id), `old run ${id} kept`);
      const sweep = JSON.parse(await Deno.readTextFile(`${K}/sweep.json`));
      assertEquals(sweep.stale.sort(), ids.filter((i) => i.startsWith("r9,")).sort());
    },
  );

  await Deno.remove(dir, { recursive: true });
});

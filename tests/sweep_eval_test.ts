/**
 * Periodic evaluation in sweeps (`eval.every`), resume across it, the backend guard and the
 * exit codes, on 2 tiny runs (5 iterations at 32x32, BatchNorm and dropout on: what an
 * evaluation could disturb) evaluated every 2 iterations:
 *
 * - `eval.every` changes neither the run ids nor the weights nor the final metrics; the runs
 *   record evaluations at steps 2 and 4 (and the final one at 5) and grids `images/step_*.png`;
 * - killed after the checkpoint of an evaluated step, or between an evaluation and its
 *   checkpoint, the rerun writes the same `metrics.jsonl` (no step evaluated twice), grids and
 *   weights as the uninterrupted sweep;
 * - the same grid point on another backend is another run (another id), so a partial run is
 *   never resumed on another backend; it resumes on its own;
 * - 2 runs that do not complete exit 12, never 2 (invalid config);
 * - the report links the periodic grids, draws metric-over-training curves, and regenerates
 *   byte-identically.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { ablate, tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";
import { trimGrids, trimMetrics } from "../lib/sweep/run.ts";
import { checkExperiment, experimentDefaults } from "../lib/sweep/schema.ts";
import {
  evalConfigHash,
  sameEvalConfig,
  stepGridName,
  stepOfGridName,
} from "../lib/sweep/run_dir.ts";
import { exitCodeFor } from "../lib/cli/ablate.ts";

const ROOT = new URL("../", import.meta.url).pathname;

const ABLATION = (every: number | null, extra = "") =>
  `name: periodic
experiment: exp.yaml
set: { no_dropout: false${every === null ? "" : `, eval.every: ${every}`}${extra} }
grid:
  norm: [instance, batch]
`;

async function runIds(out: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(`${out}/runs`))).map((e) => e.name).sort();
}

async function readStatus(out: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(`${out}/runs/${id}/status.json`));
}

/** What must not depend on interruptions: metrics.jsonl, the periodic grids, the weights. */
async function outcome(out: string, id: string): Promise<Record<string, unknown>> {
  const dir = `${out}/runs/${id}`;
  const grids: Record<string, number[]> = {};
  for await (const e of Deno.readDir(`${dir}/images`)) {
    if (e.name.startsWith("step_")) {
      grids[e.name] = [...await Deno.readFile(`${dir}/images/${e.name}`)];
    }
  }
  const status = await readStatus(out, id);
  return {
    metrics: await Deno.readTextFile(`${dir}/metrics.jsonl`),
    grids,
    weights: status.weights_sha256,
    eval: status.eval,
  };
}

function evalSteps(metrics: string): number[] {
  return metrics.trim().split("\n").map((l) => JSON.parse(l)).filter((o) => o.type === "eval")
    .map((o) => o.step);
}

Deno.test("eval.every: defaults to 0, rejects negatives, and is left out of the eval hash", async () => {
  const ok = checkExperiment(experimentDefaults());
  assert(ok.ok);
  assertEquals(ok.config.eval.every, 0);
  const bad = checkExperiment({ ...experimentDefaults(), eval: { every: -1 } });
  assert(!bad.ok);
  assertEquals(bad.problems.map((p) => p.path.join(".")), ["eval.every"]);
  assertMatch(bad.problems[0].message, /expected a number >= 0, got -1/);
  const ev = { metrics: ["l1"], extractor: "random-conv-s0", max_images: null };
  assertEquals(await evalConfigHash({ ...ev, every: 50 }), await evalConfigHash(ev));
  assert(await evalConfigHash({ ...ev, max_images: 2 }) !== await evalConfigHash(ev));
  // A newer record version re-evaluates, but it is the same config (periodic curves stay).
  assert(await evalConfigHash(ev, 1) !== await evalConfigHash(ev));
  assert(await sameEvalConfig(ev, await evalConfigHash({ ...ev, every: 5 }, 1)));
  assert(await sameEvalConfig(ev, await evalConfigHash(ev)));
  assert(!(await sameEvalConfig(ev, await evalConfigHash({ ...ev, max_images: 2 }, 1))));
});

Deno.test("trimMetrics() keeps what was written before the checkpoint; trimGrids() the grids up to it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_trim_" });
  try {
    const path = `${dir}/metrics.jsonl`;
    const line = (type: string, step: number) => JSON.stringify({ type, step });
    const lines = [
      line("losses", 1),
      line("losses", 2),
      line("eval", 2), // periodic, made before the checkpoint of step 2
      line("losses", 3),
      line("losses", 4),
      line("eval", 4), // periodic, after the checkpoint of step 2
      line("losses", 5),
      line("eval", 5), // final
    ];
    const write = () => Deno.writeTextFile(path, lines.join("\n") + "\n{torn");
    await write();
    await trimMetrics(path, 2, { totalSteps: 5 });
    assertEquals(await Deno.readTextFile(path), lines.slice(0, 3).join("\n") + "\n");
    // Resuming from the last checkpoint (re-evaluation): only the final evaluation goes.
    await write();
    await trimMetrics(path, 5, { totalSteps: 5 });
    assertEquals(await Deno.readTextFile(path), lines.slice(0, 7).join("\n") + "\n");
    // A run extended past its old end (a larger max_steps): its old final evaluation stays.
    await write();
    await trimMetrics(path, 5, { totalSteps: 9 });
    assertEquals(await Deno.readTextFile(path), lines.join("\n") + "\n");

    await Deno.mkdir(`${dir}/images`);
    for (const s of [2, 4, 12]) await Deno.writeTextFile(`${dir}/images/${stepGridName(s)}`, "");
    await Deno.writeTextFile(`${dir}/images/grid_final.png`, "");
    assertEquals(stepGridName(12), "step_00000012.png");
    assertEquals(stepOfGridName("step_00000012.png"), 12);
    assertEquals(stepOfGridName("grid_final.png"), undefined);
    assertEquals(await trimGrids(`${dir}/images`, 3), 2);
    const left = (await Array.fromAsync(Deno.readDir(`${dir}/images`))).map((e) => e.name).sort();
    assertEquals(left, ["grid_final.png", "step_00000002.png"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exitCodeFor() keeps run counts apart from usage, lock and signal codes", () => {
  assertEquals([0, 1, 2, 3, 100, 101, 500].map(exitCodeFor), [0, 11, 12, 13, 110, 110, 110]);
});

Deno.test("ablate --help lists the exit codes", async () => {
  const r = await ablate(["--help"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stdout,
    /exit codes: 0 every selected run completed; 1 an error stopped the sweep; 2 invalid config/,
  );
  assertMatch(r.stdout, /3 another sweep holds the directory; 11-110 10 \+ the number of runs/);
});

Deno.test({
  name: "sweep: eval.every records periodic evaluations and grids without changing results",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "sweep_eval_" });
    await writeFiles(dir, {
      "exp.yaml": tinyExperiment({ steps: 5 }),
      "plain.yaml": ABLATION(null),
      "every.yaml": ABLATION(2),
      "every_l1.yaml": ABLATION(2, ", eval.metrics: [l1]"),
    });
    const [A, B, K, P] = ["A", "B", "K", "P"].map((d) => `${dir}/${d}`);
    let ids: string[] = [];

    await t.step("same ids, weights and final metrics with and without eval.every", async () => {
      const a = await ablate([`${dir}/plain.yaml`, "--out", A]);
      assertEquals(a.code, 0, a.stdout + a.stderr);
      const b = await ablate([`${dir}/every.yaml`, "--out", B]);
      assertEquals(b.code, 0, b.stdout + b.stderr);
      ids = await runIds(B);
      assertEquals(ids.length, 2);
      assertEquals(await runIds(A), ids, "eval.every is not part of the run id");
      for (const id of ids) {
        const [sa, sb] = [await readStatus(A, id), await readStatus(B, id)];
        assertEquals(sb.weights_sha256, sa.weights_sha256, id);
        assertEquals(sb.eval, sa.eval, id);
        assertEquals(sb.eval_hash, sa.eval_hash, id);
        const mb = await Deno.readTextFile(`${B}/runs/${id}/metrics.jsonl`);
        assertEquals(evalSteps(mb), [2, 4, 5]);
        const withoutPeriodic = mb.split("\n").filter((l) => !/"type":"eval","step":[24],/.test(l))
          .join("\n");
        assertEquals(withoutPeriodic, await Deno.readTextFile(`${A}/runs/${id}/metrics.jsonl`));
        const grids = (await Array.fromAsync(Deno.readDir(`${B}/runs/${id}/images`)))
          .map((e) => e.name).sort();
        assertEquals(grids, ["grid_final.png", "step_00000002.png", "step_00000004.png"]);
      }
    });

    await t.step(
      "re-evaluated under another eval config: the old config's periodic evaluations go",
      async () => {
        const R = `${dir}/R`;
        const cp = await new Deno.Command("cp", { args: ["-r", B, R] }).output();
        assert(cp.success);
        const r = await ablate([`${dir}/every_l1.yaml`, "--out", R]);
        assertEquals(r.code, 0, r.stdout + r.stderr);
        assertEquals(await runIds(R), ids, "eval: is not part of the run id");
        for (const id of ids) {
          const [sb, sr] = [await readStatus(B, id), await readStatus(R, id)];
          assertEquals(sr.weights_sha256, sb.weights_sha256, id);
          assert(sr.eval_hash !== sb.eval_hash, id);
          const m = await Deno.readTextFile(`${R}/runs/${id}/metrics.jsonl`);
          assertEquals(evalSteps(m), [5], m);
          assertEquals(
            Object.keys((sr.eval as Record<string, Record<string, number>>).AtoB),
            ["l1"],
          );
          const grids = (await Array.fromAsync(Deno.readDir(`${R}/runs/${id}/images`)))
            .map((e) => e.name).sort();
          assertEquals(grids, ["grid_final.png"]);
        }
      },
    );

    // Plan order: norm=instance, norm=batch; the first fault hits run 2 (norm=batch).
    const batchRun = () => ids.find((id) => id.startsWith("norm=batch"))!;
    await t.step(
      "killed after an evaluated step's checkpoint: another backend is another run; resumed",
      async () => {
        const k = await ablate([`${dir}/every.yaml`, "--out", K], {
          env: { CYCLEBENCH_FAULT: "exit-after-checkpoint:step=2", CYCLEBENCH_FAULT_RUN: "2" },
        });
        assertEquals(k.code, 11, k.stdout + k.stderr);
        const before = await readStatus(K, batchRun());
        assertEquals(before.status, "interrupted");
        const ckpts = (await Array.fromAsync(Deno.readDir(`${K}/runs/${batchRun()}/checkpoints`)))
          .map((e) => e.name).sort();
        assertEquals(ckpts, ["step_00000001", "step_00000002"]);

        // On another backend the same grid points are other runs (the backend is part of the
        // id): they are planned afresh and the interrupted wasm run is left as it is.
        const cpu = await ablate([
          `${dir}/every.yaml`,
          "--out",
          K,
          "--backend",
          "cpu",
          "--dry-run",
        ]);
        assertEquals(cpu.code, 0, cpu.stdout + cpu.stderr);
        const cpuIds = [...cpu.stdout.matchAll(/^\s+\d+\s+pending\s+(norm=\w+-[0-9a-f]{10})$/gm)]
          .map((m) => m[1]);
        assertEquals(new Set(cpuIds).size, 2, cpu.stdout);
        for (const id of cpuIds) assert(!ids.includes(id), `${id} is not a wasm run's id`);
        assertEquals((await readStatus(K, batchRun())).status, "interrupted");

        const again = await ablate([`${dir}/every.yaml`, "--out", K]);
        assertEquals(again.code, 0, again.stdout + again.stderr);
        assertMatch(again.stdout, /resumed at step 2/);
        for (const id of ids) assertEquals(await outcome(K, id), await outcome(B, id), id);
      },
    );

    await t.step(
      "killed between an evaluation and its checkpoint: 2 runs exit 12, the rerun evaluates once",
      async () => {
        const p = await ablate([`${dir}/every.yaml`, "--out", P], {
          env: { CYCLEBENCH_FAULT: "exit-before-publish:step=4" },
        });
        assertEquals(p.code, 12, p.stdout + p.stderr);
        assertMatch(p.stderr, /2 run\(s\) did not complete \(exit code 12 = 10 \+ 2\)/);
        for (const id of ids) {
          const m = await Deno.readTextFile(`${P}/runs/${id}/metrics.jsonl`);
          assertEquals(evalSteps(m), [2, 4], "the evaluation of step 4 preceded its checkpoint");
        }
        const again = await ablate([`${dir}/every.yaml`, "--out", P]);
        assertEquals(again.code, 0, again.stdout + again.stderr);
        assertEquals(again.stdout.match(/resumed at step 3/g)?.length, 2, again.stdout);
        for (const id of ids) assertEquals(await outcome(P, id), await outcome(B, id), id);
      },
    );

    await t.step(
      "the report links the grids, draws metric curves, and regenerates byte-identically",
      async () => {
        const html = await Deno.readTextFile(`${B}/index.html`);
        for (const id of ids) {
          for (const s of [2, 4]) {
            const src = `runs/${encodeURIComponent(id)}/images/${stepGridName(s)}`;
            assert(html.includes(`<img src="${src}"`), src);
          }
          assert(html.includes(`<figcaption>final (step 5)</figcaption>`));
        }
        // "Metrics over training": one line of 3 points (steps 2, 4, 5) per run and metric.
        const section = html.slice(
          html.indexOf("<h2>Metrics over training</h2>"),
          html.indexOf("<h2>Runs</h2>"),
        );
        assertMatch(section, /aria-label="AtoB L1"/);
        const polylines = [...section.matchAll(/points="([^"]+)"/g)].map((m) =>
          m[1].split(" ").length
        );
        assert(polylines.length >= 2 * 4 && polylines.every((n) => n === 3), String(polylines));

        const files = async () => {
          const out: Record<string, number[]> = {};
          const walk = async (d: string, rel: string) => {
            for await (const e of Deno.readDir(d)) {
              if (e.isDirectory) await walk(`${d}/${e.name}`, `${rel}${e.name}/`);
              else if (!e.name.startsWith(".")) {
                out[`${rel}${e.name}`] = [...await Deno.readFile(`${d}/${e.name}`)];
              }
            }
          };
          await walk(B, "");
          return out;
        };
        const before = await files();
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}lib/cli/report.ts`, B],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
        assertEquals(await files(), before);
      },
    );

    await Deno.remove(dir, { recursive: true });
  },
});

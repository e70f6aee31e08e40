/**
 * The backend is part of a run's identity: the same grid point on two backends is two runs
 * (float rounding differs and a few hundred GAN steps amplify it), `auto` is resolved where the
 * sweep is planned, and a checkpoint is never resumed on another backend.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";
import { planSweep } from "../lib/sweep/plan.ts";
import { checkSameBackend } from "../lib/sweep/run.ts";

const ABLATION = `name: ids
experiment: exp.yaml
grid:
  gan_mode: [lsgan, vanilla]
`;

Deno.test("planSweep() gives a run on another backend another id; auto resolves first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backend_id_" });
  try {
    await writeFiles(dir, { "exp.yaml": tinyExperiment(), "sweep.yaml": ABLATION });
    const file = `${dir}/sweep.yaml`;
    const wasm = await planSweep(file, { readOnly: true });
    const cpu = await planSweep(file, { readOnly: true, backend: "cpu" });
    const autoWasm = await planSweep(file, {
      readOnly: true,
      backend: "auto",
      resolveAuto: () => Promise.resolve("wasm"),
    });
    const autoNative = await planSweep(file, {
      readOnly: true,
      backend: "auto",
      resolveAuto: () => Promise.resolve("native"),
    });
    assertEquals(wasm.runs.length, 2);
    for (const [i, r] of wasm.runs.entries()) {
      assertEquals(r.config.backend, "wasm");
      assertEquals(cpu.runs[i].config.backend, "cpu");
      assertEquals(cpu.runs[i].name, r.name, "the readable name is the grid point's");
      assert(cpu.runs[i].id !== r.id, `${cpu.runs[i].id} vs ${r.id}`);
      assert(cpu.runs[i].trainSeed !== r.trainSeed);
      assertEquals(autoWasm.runs[i].id, r.id, "auto that picks wasm is the wasm run");
      assertEquals(autoNative.runs[i].config.backend, "native");
      assert(autoNative.runs[i].id !== r.id);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkSameBackend() refuses a checkpoint of another backend, naming both ways out", () => {
  checkSameBackend({ step: 2, backend: "wasm" }, { id: "x-1", backend: "wasm" });
  const e = assertThrows(() =>
    checkSameBackend({ step: 2, backend: "wasm" }, { id: "x-1", backend: "cpu" })
  );
  assertMatch(
    e.message,
    /^Cannot resume run "x-1" on backend cpu: its checkpoint of step 2 was written on backend wasm.*--backend wasm.*--restart x-1/,
  );
});

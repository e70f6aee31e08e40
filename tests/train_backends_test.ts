/**
 * The foundation's end-to-end check: a small conv net with every kind of layer a CycleGAN
 * generator uses, trained 3 Adam steps from the same seed, gives the same losses on every
 * backend CI has (webgpu runs on Mesa's lavapipe there), with no tensor growth; and every
 * convolution configuration of the model zoo agrees with the cpu backend.
 */
import { assert, assertEquals } from "./_assert.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { convAgreement, maxRelativeDiff, smallNetLosses } from "../lib/backend/selftest.ts";

const gpu = await probeWebGpu();
const gpuStep = {
  name: `webgpu (${gpu.ok ? gpu.detail : gpu.why})`,
  // CI installs mesa-vulkan-drivers, so there a missing adapter is a failure, not a skip.
  ignore: !gpu.ok && !Deno.env.get("CI"),
};

Deno.test("a small conv net trains identically on cpu, wasm and webgpu, without tensor growth", async (t) => {
  const cpu = await smallNetLosses("cpu");
  assert(cpu.losses[2] < cpu.losses[0], `loss did not go down: ${cpu.losses}`);
  assertEquals(cpu.counts[1], cpu.counts[2], "tensor count grows on cpu");
  for (const backend of ["wasm", "webgpu"] as const) {
    await t.step({
      ...(backend === "webgpu" ? gpuStep : { name: backend }),
      fn: async () => {
        assert(backend !== "webgpu" || gpu.ok, `no WebGPU adapter: ${!gpu.ok && gpu.why}`);
        const r = await smallNetLosses(backend);
        const rel = maxRelativeDiff(r.losses, cpu.losses);
        assert(rel <= 1e-3, `${backend} losses ${r.losses} vs cpu ${cpu.losses} (rel ${rel})`);
        assertEquals(r.counts[1], r.counts[2], `tensor count grows on ${backend}`);
      },
    });
  }
});

Deno.test("every model-zoo convolution agrees with cpu on wasm and webgpu (y, dx, dW)", async (t) => {
  for (const backend of ["wasm", "webgpu"] as const) {
    await t.step({
      ...(backend === "webgpu" ? gpuStep : { name: backend }),
      fn: async () => {
        for (const row of await convAgreement(backend)) {
          for (const k of ["y", "dx", "dw"] as const) {
            assert(row[k] <= 1e-4, `${backend} ${row.name} ${k}: rel error ${row[k]}`);
          }
        }
      },
    });
  }
});

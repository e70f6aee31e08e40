/**
 * `deno run -A lib/bench/gpu_check.ts [--out DIR] [--quick] [--iterations N]`: the GPU path's
 * check in one script, for a machine with a real GPU (Deno's WebGPU over Vulkan):
 * the adapter; the small-net training agreement with the cpu backend; convolution forward and
 * gradient agreement for every model-zoo configuration; per-op GFLOP/s; and full CycleGAN
 * iterations, beside perf-anchor.md's PyTorch CPU time as history (another machine and day: no
 * ratio is taken to it; the bench's same-run ratio needs PyTorch on this machine). Prints a
 * summary and writes JSON.
 * @module
 */
import { parseArgs } from "node:util";
import { describeBackend, selectBackend } from "../backend/mod.ts";
import { probeWebGpu } from "../backend/webgpu.ts";
import { convAgreement, maxRelativeDiff, smallNetLosses } from "../backend/selftest.ts";
import { runMain, UserError } from "../cli/_errors.ts";
import { intFlag, parseFlags } from "../cli/_flags.ts";
import { benchOps, formatOpTable } from "./ops.ts";
import { benchIteration, ITERATION_CONFIGS, type IterationRow } from "./iteration.ts";
import { machineInfo } from "./machine.ts";

async function main(): Promise<number> {
  const { values } = parseFlags(() =>
    parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "results/bench" },
        quick: { type: "boolean", default: false },
        iterations: { type: "string" },
      },
      strict: true,
    })
  );
  const iterations = intFlag("iterations", values.iterations, 3);
  const probe = await probeWebGpu();
  if (!probe.ok) throw new UserError(`no WebGPU adapter: ${probe.why}`);
  console.log(`adapter: ${probe.detail} (real GPU: ${probe.realGpu})`);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machineInfo(),
  };
  report.adapter = probe.detail;
  report.realGpu = probe.realGpu;

  const cpu = await smallNetLosses("cpu");
  const gpu = await smallNetLosses("webgpu");
  const rel = maxRelativeDiff(gpu.losses, cpu.losses);
  const grows = gpu.counts[1] !== gpu.counts[2];
  console.log(
    `small net: webgpu ${gpu.losses} vs cpu ${cpu.losses}: max rel ${rel.toExponential(2)}${
      grows ? " TENSOR GROWTH" : ""
    }`,
  );
  const conv = await convAgreement("webgpu");
  const worst = Math.max(...conv.flatMap((r) => [r.y, r.dx, r.dw]));
  for (const r of conv) {
    console.log(
      `conv ${r.name}: y ${r.y.toExponential(1)} dx ${r.dx.toExponential(1)} dW ${
        r.dw.toExponential(1)
      }`,
    );
  }
  const correct = rel <= 1e-3 && !grows && worst <= 1e-4;
  report.correctness = {
    smallNet: { cpu: cpu.losses, webgpu: gpu.losses, maxRel: rel, tensorGrowth: grows },
    conv,
    pass: correct,
  };
  console.log(`correctness: ${correct ? "PASS" : "FAIL"}`);

  const active = await selectBackend("webgpu");
  console.log(`backend: ${describeBackend(active)}`);
  report.backend = active;
  const ops = await benchOps({
    backend: "webgpu",
    sizes: values.quick ? [64] : [64, 128],
    repeats: values.quick ? 2 : 5,
  });
  console.log(formatOpTable(ops));
  report.ops = ops;
  const rows: IterationRow[] = [];
  for (const c of values.quick ? ITERATION_CONFIGS.slice(0, 1) : ITERATION_CONFIGS) {
    const row = await benchIteration(c, iterations, {
      noRatio: "PyTorch is not timed by the GPU check",
    });
    rows.push(row);
    console.log(
      `${row.config.padEnd(34)} ${row.ms.toFixed(0).padStart(7)} ms/it ${
        row.gflops.toFixed(1).padStart(7)
      } GFLOP/s  (history, not a ratio: PyTorch CPU ${c.pytorchSeconds} s, perf-anchor.md ` +
        "2026-11-26, 2-vCPU Sapphire Rapids)",
    );
  }
  report.iterations = rows;
  await Deno.mkdir(values.out, { recursive: true });
  const file = `${values.out}/gpu-check-${(report.date as string).replace(/[:.]/g, "-")}.json`;
  await Deno.writeTextFile(file, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${file}`);
  return correct ? 0 : 1;
}

if (import.meta.main) await runMain(main);

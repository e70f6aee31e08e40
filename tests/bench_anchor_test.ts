import { assert, assertEquals } from "./_assert.ts";
import { pytorchAnchor } from "../lib/bench/anchor.ts";
import { ITERATION_CONFIGS } from "../lib/bench/iteration.ts";

function reference(cpu: string, avx512f: boolean, seconds: number) {
  return {
    date: "2026-12-04T19:14:22+00:00",
    machine: { cpu_model: cpu, cpus: 2, flags: { avx2: true, avx512f } },
    summary: [
      { config: "resnet_6blocks 64px", threads: 2, median_s: seconds },
      { config: "resnet_6blocks 64px", threads: 1, median_s: 2 * seconds },
      { config: "resnet_9blocks 256px", threads: 2, median_s: 10 * seconds },
    ],
    // The detailed rows repeat the summary's medians with every iteration.
    runs: [{ config: "resnet_6blocks 64px", threads: 2, median_s: seconds, times_s: [seconds] }],
  };
}

Deno.test("the stored PyTorch times (history) are the reference file of a machine like this one, labelled with date and machine", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/reference-pytorch-a.json`,
      JSON.stringify(reference("AMD EPYC", false, 1.5)),
    );
    await Deno.writeTextFile(
      `${dir}/reference-pytorch-b.json`,
      JSON.stringify(reference("AMD EPYC", true, 0.5)),
    );
    await Deno.writeTextFile(`${dir}/reference-pytorch-torn.json`, "{");
    const avx512 = pytorchAnchor(dir, { cpu: "AMD EPYC", cores: 2, avx512f: true });
    assert(avx512.sameMachine);
    assert(avx512.source.includes("reference-pytorch-b.json"), avx512.source);
    assertEquals([avx512.date, avx512.machine], ["2026-12-04", "AMD EPYC, 2 cores, AVX-512"]);
    assertEquals(
      avx512.label,
      `${avx512.source}, measured 2026-12-04 on AMD EPYC, 2 cores, AVX-512`,
    );
    // Same thread count where measured; 2 threads otherwise; (recompute) names the same model.
    assertEquals(avx512.seconds("resnet_6blocks 64px", 1), { seconds: 1, threads: 1 });
    assertEquals(avx512.seconds("resnet_6blocks 64px", 2), { seconds: 0.5, threads: 2 });
    assertEquals(avx512.seconds("resnet_6blocks 64px", 4), { seconds: 0.5, threads: 2 });
    assertEquals(avx512.seconds("resnet_9blocks 256px (recompute)", 1), {
      seconds: 5,
      threads: 2,
    });
    assertEquals(avx512.seconds("unet_128 128px", 2), undefined);

    const avx2 = pytorchAnchor(dir, { cpu: "AMD EPYC", cores: 2, avx512f: false });
    assert(avx2.source.includes("reference-pytorch-a.json"), avx2.source);
    assertEquals(avx2.seconds("resnet_6blocks 64px", 2), { seconds: 1.5, threads: 2 });

    // Another machine: perf-anchor.md's numbers, marked as not this machine.
    const other = pytorchAnchor(dir, { cpu: "Intel Xeon", cores: 2, avx512f: true });
    assert(!other.sameMachine);
    assert(other.source.includes("perf-anchor.md"), other.source);
    assertEquals(other.date, "2026-11-26");
    assert(other.label.includes("Sapphire Rapids"), other.label);
    assertEquals(other.seconds(ITERATION_CONFIGS[1].name, 1), {
      seconds: ITERATION_CONFIGS[1].pytorchSeconds,
      threads: 2,
    });
    assert(!pytorchAnchor(`${dir}/missing`).sameMachine);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

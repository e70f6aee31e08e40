/**
 * The training-time estimate (lib/sweep/estimate.ts, issue 19): scaled from the committed bench
 * figures, monotone in width and size, and printed by `deno task ablate` before a long plan
 * starts (here with --dry-run: nothing trains).
 */
import { runScript } from "./_cli.ts";
import { assert, assertAlmostEquals, assertEquals, assertMatch } from "./_assert.ts";
import {
  benchFigures,
  type EstimateInput,
  formatDuration,
  secondsPerIteration,
  sweepEstimateLine,
} from "../lib/sweep/estimate.ts";

const BENCH = new URL("../results/bench", import.meta.url).pathname;

const R9: EstimateInput = {
  netG: "resnet_9blocks",
  ngf: 64,
  ndf: 64,
  imageSize: [256, 256],
  backend: "native",
};

Deno.test("secondsPerIteration() gives a benchmarked config its own figure", async () => {
  const figures = await benchFigures(BENCH);
  // README "Speed and memory", native 2 threads (same-run table, the fastest of the committed
  // figures): 5.37 s; wasm 128px resnet_6blocks: 15.8 s.
  const native = secondsPerIteration(R9, figures)!;
  assertAlmostEquals(native.seconds, 5.368, 0.001);
  assertMatch(native.figure.file, /reference-native-samerun-2026-12-08-2threads\.json$/);
  const wasm = secondsPerIteration(
    { netG: "resnet_6blocks", ngf: 64, ndf: 64, imageSize: [128, 128], backend: "wasm" },
    figures,
  )!;
  assertAlmostEquals(wasm.seconds, 15.76, 0.01);
  assertEquals(secondsPerIteration({ ...R9, backend: "no-such-backend" }, figures), undefined);
});

Deno.test("secondsPerIteration() grows with ngf, ndf, image size and batch", async () => {
  const figures = await benchFigures(BENCH);
  const s = (o: Partial<EstimateInput>) => secondsPerIteration({ ...R9, ...o }, figures)!.seconds;
  const ngfs = [8, 16, 32, 48, 64, 96, 128].map((ngf) => s({ ngf }));
  const sizes = [32, 64, 96, 128, 192, 256, 512].map((n) => s({ imageSize: [n, n] }));
  for (const xs of [ngfs, sizes]) {
    for (let i = 1; i < xs.length; i++) assert(xs[i] > xs[i - 1], `not increasing: ${xs}`);
  }
  assert(s({ ndf: 128 }) > s({}));
  assertAlmostEquals(s({ batch: 4 }), 4 * s({}), 1e-9);
  // Unbenchmarked configs scale by the FLOP ratio: twice the side, four times the pixels.
  assertAlmostEquals(s({ imageSize: [512, 512] }), 4 * s({}), 1e-9);
});

Deno.test("sweepEstimateLine() speaks only above an hour, and divides by the jobs", async () => {
  const figures = await benchFigures(BENCH);
  assertEquals(sweepEstimateLine([{ input: R9, steps: 100 }], figures, { jobs: 2 }), undefined);
  const one = sweepEstimateLine([{ input: R9, steps: 100_000 }], figures, { jobs: 2 })!;
  // One run cannot use two jobs: 100,000 x 5.368 s = 149 h.
  assertMatch(one, /^estimate: about 149 h for 1 run\(s\) on native at 2 job\(s\) \(/);
  assertMatch(one, /rough, within a factor of 2\); max_steps or a smaller experiment/);
  const two = sweepEstimateLine(
    [{ input: R9, steps: 100_000 }, { input: R9, steps: 100_000 }],
    figures,
    { jobs: 2 },
  )!;
  assertMatch(two, /^estimate: about 149 h for 2 run\(s\)/);
  assertEquals(formatDuration(126_000), "35 h");
  assertEquals(formatDuration(5400), "1.5 h");
});

Deno.test("ablate --dry-run prints the estimate of a 100,000-step 256px plan", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const yaml = `${dir}/long.yaml`;
    await Deno.writeTextFile(
      yaml,
      [
        "netG: resnet_9blocks",
        "lr_unit: iteration",
        "n_epochs: 50000",
        "n_epochs_decay: 50000",
        "dataset:",
        "  name: scenes",
        "  size: 256",
        "  train_count: 2",
        "  test_count: 2",
        "backend: wasm",
        "",
      ].join("\n"),
    );
    const r = await runScript("lib/cli/ablate.ts", yaml, "--dry-run", "--out", `${dir}/o`);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stderr,
      /^estimate: about \d+ h for 1 run\(s\) on wasm at 2 job\(s\) \(scaled from the bench figures of that backend: results\/bench\/reference-wasm-[^)]*rough, within a factor of 2\); max_steps or a smaller experiment shortens it$/m,
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["long.yaml"], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The report's tables from fixture run directories written here (no training): runs.csv and
 * summary.json rows match the run directories, Markdown means, stds and intervals over seeds,
 * runs that did not complete listed and never averaged in, the paper-shaped tables for the loss
 * ablation, and byte-identical regeneration. The statistics themselves:
 * tests/report_stats_test.ts.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { fixtureEval, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import { readRuns } from "../lib/report/runs.ts";
import {
  formatStat,
  isLossAblation,
  runsCsv,
  summaryJson,
  summaryMarkdown,
  type SummaryRow,
} from "../lib/report/tables.ts";
import { writeReport } from "../lib/report/report.ts";

Deno.test("formatStat() writes mean +- std [interval], or the one run's interval", () => {
  const ci = { lo: 1, hi: 3, level: 0.95 };
  assertEquals(
    formatStat({ n: 3, mean: 2, std: 1, ci, method: "t over 3 seeds" }),
    "2.0000 +- 1.0000 [1.0000, 3.0000]",
  );
  assertEquals(
    formatStat({ n: 2, mean: 2, std: 1, ci, method: "" }, 3),
    "2.0000 +- 1.0000 [1.0000, 3.0000] (n=2)",
  );
  assertEquals(formatStat({ n: 1, mean: 5, std: 0, ci, method: "" }), "5.0000 [1.0000, 3.0000]");
  assertEquals(formatStat({ n: 1, mean: 5, std: 0, ci: null, method: "" }), "5.0000 [no interval]");
  assertEquals(formatStat(undefined), "n/a");
});

Deno.test("summary tables hold every run and average only completed ones", async () => {
  const out = await Deno.makeTempDir();
  try {
    await writeFixtureSweep(out, [
      { variant: "a", seed: 0, status: "completed", eval: fixtureEval(0) },
      { variant: "a", seed: 1, status: "completed", eval: fixtureEval(2) },
      { variant: "a", seed: 2, status: "diverged", error: "diverged at step 2: non-finite G_A" },
      { variant: "b", seed: 0, status: "completed", eval: fixtureEval(1) },
      { variant: "b", seed: 1, status: "interrupted", error: "interrupted at step 2" },
    ]);
    const runs = await readRuns(out);
    assertEquals(runs.length, 5);

    const json = JSON.parse(summaryJson(runs)) as { runs: SummaryRow[] };
    assertEquals(json.runs.map((r) => r.status), [
      "completed",
      "completed",
      "diverged",
      "completed",
      "interrupted",
    ]);
    const a0 = json.runs[0];
    assertEquals(a0.axes, { seed: 0, variant: "a" });
    assertEquals(a0.step, 4);
    assertEquals(a0.wall_time_s, 10);
    assertEquals(a0.backend, "cpu (fixture)");
    assertEquals(a0.metrics["AtoB FID[random-conv-s0]"], 3);
    assertEquals(a0.metrics["BtoA class IoU"], 0.02);
    assertEquals(json.runs[2].metrics, {});

    const csv = runsCsv(runs).trimEnd().split("\n");
    assertEquals(csv.length, 6);
    const header = csv[0].split(",");
    assert(header.includes("AtoB FID[random-conv-s0]"), csv[0]);
    assert(header.includes("axis:seed") && header.includes("wall_time_s"), csv[0]);
    assert(header.includes("AtoB FID[random-conv-s0] ci_lo") && header.includes("vs_untrained"));
    assertMatch(csv[1], /^"a,seed=0-0000000001","a,seed=0",a,0,0,"""a""",completed,4,4,10,/);

    const md = summaryMarkdown(runs, { name: "fx" });
    // a: seeds 0 and 1 completed -> FID 3 and 5: mean 4, std sqrt(2), t_{0.975,1} = 12.7062.
    // b: one run, recorded without a bootstrap interval; a tie with a: no best.
    assertMatch(
      md,
      /\| a \(reference\) \| 2 \| t over 2 seeds \| 4\.0000 \+- 1\.4142 \[-8\.7062, 16\.7062\] \|/,
    );
    assertMatch(
      md,
      /\| b \| 1 \| none \(one seed, no bootstrap\) \| 4\.0000 \[no interval\] \? \|/,
    );
    // Old records: no floors, no floor comparisons.
    assert(!md.includes("floor: identity"));
    assertMatch(md, /Untested: no completed run's record compares it with its untrained/);
    assertMatch(md, /## Runs not averaged in[\s\S]*a,seed=2-0000000003 \| diverged \| 2\/4/);
    assertMatch(md, /b,seed=1-0000000005 \| interrupted/);
    assert(!isLossAblation(runs));
    assert(!md.includes("Table 4"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the loss ablation gets Table 4/5-shaped tables with the paper's numbers", async () => {
  const out = await Deno.makeTempDir();
  try {
    const variants = ["cycle_alone", "gan_alone", "gan_forward", "gan_backward", "cyclegan"];
    await writeFixtureSweep(
      out,
      variants.map((v, i) => {
        const e = fixtureEval(i);
        // The FCN score of labels -> photo and the segmenter on the real photos (upper bound).
        const fcn = {
          pixel_accuracy: 0.3 + i / 10,
          class_accuracy: 0.2,
          class_iou: 0.1 + i / 100,
          real_pixel_accuracy: 0.9,
          real_class_accuracy: 0.7 + i / 100,
          real_class_iou: 0.6,
        };
        return {
          variant: v,
          seed: 0,
          status: "completed" as const,
          eval: { ...e, AtoB: { ...e.AtoB as object, ...fcn } },
        };
      }),
    );
    const runs = await readRuns(out);
    assert(isLossAblation(runs));
    const md = summaryMarkdown(runs, { name: "paper_tables_4_5" });
    assertMatch(md, /different dataset/);
    assertMatch(md, /### Table 4: labels -> photo \(AtoB\)/);
    assertMatch(md, /### Table 5: photo -> labels \(BtoA\)/);
    // Table 5 row of CycleGAN (i = 4, the reference): ours per-pixel 0.5 and IoU 0.06 the
    // best (bold; per-class acc ties), the paper's 0.58 / 0.22 / 0.16.
    assertMatch(
      md,
      /\| CycleGAN \(reference\) \| 1 \| none \(one seed, no bootstrap\) \| \*\*0\.5000 \[no interval\]\*\* \| 0\.0500 \[no interval\] \| \*\*0\.0600 \[no interval\]\*\* \| 0\.58 \| 0\.22 \| 0\.16 \|/,
    );
    assertMatch(md, /\| GAN alone \| .* \| 0\.51 \| 0\.11 \| 0\.08 \|/);
    // Table 4: the FCN score's three columns, not the paired stand-ins.
    const table4 = md.split("### Table 4: labels")[1].split("### Table 5")[0];
    assertMatch(
      table4,
      /\| variant \| n \| interval \| ours \(scenes\): per-pixel acc \| ours \(scenes\): per-class acc \| ours \(scenes\): class IoU \| paper/,
    );
    assert(!/L1|PSNR|SSIM|FID/.test(table4), table4);
    // One seed each: comparisons with the reference are untested (`?`).
    assertMatch(
      table4,
      /\| GAN alone \| 1 \| none \(one seed, no bootstrap\) \| 0\.4000 \[no interval\] \? \| 0\.2000 \[no interval\] \? \| 0\.1100 \[no interval\] \? \| 0\.51 \| 0\.11 \| 0\.08 \|/,
    );
    // The upper bound: the segmenter on the real photos, pooled over every run (0.70..0.74).
    assertMatch(
      table4,
      /\| Ground truth \(segmenter on the real photos\) \| 5 \| pooled over 5 runs \| 0\.9000 \+- 0 \[0\.9000, 0\.9000\] \| 0\.7200 \+- 0\.0158 \[0\.7004, 0\.7396\] \| 0\.6000 \+- 0 \[0\.6000, 0\.6000\] \| 0\.80 \(pix2pix\) \| 0\.26 \(pix2pix\) \| 0\.21 \(pix2pix\) \|/,
    );
    assertMatch(md, /### Table 4: differences from the reference/);
    // Table 5 has no ground-truth row (the palette snapping needs no network).
    assert(!md.split("### Table 5")[1].includes("Ground truth"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("writeReport() regenerates byte-identical outputs", async () => {
  const out = await Deno.makeTempDir();
  try {
    await writeFixtureSweep(out, [
      { variant: "a", seed: 0, status: "completed", eval: fixtureEval(0) },
      { variant: "b", seed: 0, status: "failed", error: "boom" },
    ]);
    const first = await writeReport(out, { grids: false });
    const read = async () =>
      await Promise.all(first.files.map(async (f) => [f, await Deno.readFile(f)] as const));
    const before = await read();
    assert(first.files.some((f) => f.endsWith("summary.md")));
    assert(first.files.some((f) => f.endsWith("runs.csv")));
    assert(first.files.some((f) => f.endsWith("index.html")));
    assert(first.files.some((f) => f.includes("events.out.tfevents.")));
    const second = await writeReport(out, { grids: false });
    assertEquals(second.files, first.files);
    const after = await read();
    for (let i = 0; i < before.length; i++) {
      assertEquals(after[i][1], before[i][1], `${before[i][0]} changed`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

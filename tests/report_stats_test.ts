/**
 * The report's statistics on fabricated run records whose numbers are checked by hand (and
 * against scipy 1.17, the lines quoted beside them): a 3-seed variant's t-interval, paired
 * comparisons with Holm's correction over a table, the best and not-distinguishable marks, the
 * floors, the not-learned flag, the single-seed bootstrap path, records without intervals or
 * floors, runs of two backends kept apart; then one tiny real 3-seed sweep whose summary has
 * intervals, p-values and floor rows.
 */
import { assert, assertAlmostEquals, assertEquals, assertMatch } from "./_assert.ts";
import { fixtureEval, type FixtureRun, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import {
  flattenEval,
  metricName,
  parseMetricName,
  readRuns,
  type RunRecord,
} from "../lib/report/runs.ts";
import { type Comparison, sweepStatistics } from "../lib/report/statistics.ts";
import { runsCsv, SUMMARY_CSV_COLUMNS, summaryCsv, summaryMarkdown } from "../lib/report/tables.ts";
import { writeReport } from "../lib/report/report.ts";
import { pairedMde } from "../lib/stats/mod.ts";
import { ablate, tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";

/**
 * A final evaluation as lib/sweep/evaluate.ts writes it: AtoB L1 and PSNR, their bootstrap
 * intervals (+-2, +-1), the floors (identity: L1 50 on every run; untrained: L1 40 + 2 seed)
 * and the run against its untrained floor on L1 with the one-sided p `untrainedP`.
 */
function finalEval(
  o: { l1: number; psnr: number; seed: number; untrainedP?: number },
): Record<string, unknown> {
  const ci = (l1: number, psnr: number) => ({
    level: 0.95,
    resamples: 1000,
    AtoB: { l1: [l1 - 2, l1 + 2], psnr: [psnr - 1, psnr + 1] },
  });
  const untrained = 40 + 2 * o.seed;
  return {
    images: 4,
    extractor: "random-conv-s0",
    AtoB: { l1: o.l1, psnr: o.psnr },
    ci: ci(o.l1, o.psnr),
    floors: {
      identity: { AtoB: { l1: 50, psnr: 10 }, ci: ci(50, 10) },
      untrained: { AtoB: { l1: untrained, psnr: 8 }, ci: ci(untrained, 8) },
    },
    vs_floor: {
      identity: { AtoB: { l1: { diff: o.l1 - 50, lo: o.l1 - 53, hi: o.l1 - 47, p: 0.001 } } },
      untrained: {
        AtoB: {
          l1: {
            diff: o.l1 - untrained,
            lo: o.l1 - untrained - 3,
            hi: o.l1 - untrained + 3,
            p: o.untrainedP ?? 0.001,
          },
        },
      },
    },
  };
}

/**
 * Three variants x seeds 0..2 (AtoB L1 lower is better, PSNR higher):
 *
 * | variant     | L1           | PSNR             |
 * |-------------|--------------|------------------|
 * | cyclegan    | 10, 12, 14   | 20, 21, 22       |
 * | gan_alone   | 11, 14, 15   | 20.5, 21.4, 22.6 |
 * | cycle_alone | 20, 23, 25   | 15, 18, 16       |
 *
 * cycle_alone's seed 1 is no better than its untrained floor (p 0.3).
 */
const TABLE: Record<string, { l1: number[]; psnr: number[] }> = {
  cyclegan: { l1: [10, 12, 14], psnr: [20, 21, 22] },
  gan_alone: { l1: [11, 14, 15], psnr: [20.5, 21.4, 22.6] },
  cycle_alone: { l1: [20, 23, 25], psnr: [15, 18, 16] },
};

function tableRuns(): FixtureRun[] {
  return Object.entries(TABLE).flatMap(([variant, v]) =>
    [0, 1, 2].map((seed) => ({
      variant,
      seed,
      status: "completed" as const,
      eval: finalEval({
        l1: v.l1[seed],
        psnr: v.psnr[seed],
        seed,
        untrainedP: variant === "cycle_alone" && seed === 1 ? 0.3 : undefined,
      }),
    }))
  );
}

async function withSweep<T>(
  runs: FixtureRun[],
  f: (runs: RunRecord[], dir: string) => T | Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "report_stats_" });
  try {
    await writeFixtureSweep(dir, runs);
    return await f(await readRuns(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function close(actual: number | undefined, expected: number, what: string) {
  assert(actual !== undefined, `${what}: missing`);
  assertAlmostEquals(actual, expected, 1e-9 * Math.max(1, Math.abs(expected)), what);
}

const L1 = "AtoB L1", PSNR = "AtoB PSNR";

Deno.test("flattenEval() takes only AtoB and BtoA; parseMetricName() inverts metricName()", () => {
  const e = finalEval({ l1: 1, psnr: 2, seed: 0 });
  assertEquals(flattenEval(e), { [L1]: 1, [PSNR]: 2 });
  for (
    const [d, m, x] of [
      ["AtoB", "fid", "scenes-net"],
      ["BtoA", "kid_std", "a"],
      [
        "AtoB",
        "pixel_accuracy",
        undefined,
      ],
      ["BtoA", "real_class_iou", undefined],
      ["AtoB", "ssim", undefined],
    ] as const
  ) {
    const p = parseMetricName(metricName(d, m, x));
    assertEquals([p.direction, p.metric], [d, m]);
  }
});

Deno.test("sweepStatistics() gives a 3-seed variant's mean, std and t-interval", async () => {
  await withSweep(tableRuns(), (runs) => {
    const s = sweepStatistics(runs);
    const cg = s.variants.find((v) => v.variant === "cyclegan")!;
    // L1 10, 12, 14: mean 12, std 2, half-width t_{0.975,2} 2 / sqrt(3) = 4.302652729749464 *
    // 1.1547 = 4.968275...; scipy.stats.t.interval(0.95, 2, loc=12, scale=2/sqrt(3)).
    const st = cg.stats[L1];
    assertEquals([st.n, st.mean, st.std, st.method], [3, 12, 2, "t over 3 seeds"]);
    close(st.ci?.lo, 7.0317245764993395, "lo");
    close(st.ci?.hi, 16.96827542350066, "hi");
    assertEquals(st.ci?.level, 0.95);
    // The default reference is the variant named cyclegan, the default main metric AtoB L1
    // (no FCN score in these records).
    assertEquals(s.compareTo.spec, "cyclegan");
    assert(cg.isReference);
    assertEquals(s.variants.filter((v) => !v.isReference).map((v) => v.reference), [
      "cyclegan",
      "cyclegan",
    ]);
    assertEquals([s.mainMetric.spec, s.mainMetric.column], ["AtoB.l1", L1]);
  });
});

Deno.test("floors: identity once with its bootstrap interval, untrained over seeds", async () => {
  await withSweep(tableRuns(), (runs) => {
    const s = sweepStatistics(runs);
    const id = s.floors.identity[L1];
    assertEquals(id, {
      n: 1,
      mean: 50,
      std: 0,
      ci: { lo: 48, hi: 52, level: 0.95 },
      method: "bootstrap over 4 test images; the same for all runs",
    });
    // Untrained L1 per seed 40, 42, 44 (the same on every variant): mean 42, std 2.
    const un = s.floors.untrained[L1];
    assertEquals([un.n, un.mean, un.std, un.method], [3, 42, 2, "t over 3 seeds"]);
    close(un.ci?.lo, 37.03172457649934, "lo");
    close(un.ci?.hi, 46.96827542350066, "hi");
  });
});

Deno.test("paired comparisons: difference, interval, p, Holm over the table, MDE", async () => {
  await withSweep(tableRuns(), (runs) => {
    const s = sweepStatistics(runs);
    const get = (v: string, m: string) =>
      s.comparisons.find((c) => c.variant === v && c.metric === m)!;
    assertEquals(s.comparisons.length, 4);
    // At df = 2 the two-sided p of t is 1 - |t| / sqrt(t^2 + 2).
    // gan_alone L1: differences 1, 2, 1: mean 4/3, sd sqrt(1/3), t = 4, p = 1 - 4/sqrt(18).
    // scipy.stats.ttest_rel([11,14,15], [10,12,14]) -> t 4.0, p 0.05719095841793663,
    // confidence_interval(0.95) -> (-0.1008842432498207, 2.767550909916487).
    const gaL1 = get("gan_alone", L1);
    assertEquals(gaL1.seeds, [0, 1, 2]);
    close(gaL1.diff, 4 / 3, "diff");
    close(gaL1.sdDiff, Math.sqrt(1 / 3), "sd");
    close(gaL1.p, 1 - 4 / Math.sqrt(18), "p");
    close(gaL1.ci?.lo, -0.1008842432498207, "lo");
    close(gaL1.ci?.hi, 2.767550909916487, "hi");
    close(gaL1.mde, pairedMde(Math.sqrt(1 / 3), 3), "mde");
    // cycle_alone L1: differences 10, 11, 11: t = 32, p = 1 - 32/sqrt(1026) = 0.000975...
    close(get("cycle_alone", L1).p, 1 - 32 / Math.sqrt(1026), "p");
    // gan_alone PSNR: +0.5, +0.4, +0.6: t = 5 sqrt(3), p = 1 - 8.660254/sqrt(77) = 0.013072...
    close(get("gan_alone", PSNR).p, 0.013072457560346884, "p");
    // cycle_alone PSNR: -5, -3, -6: t = -5.2915, p = 0.03390821692070408 (scipy).
    close(get("cycle_alone", PSNR).p, 0.03390821692070408, "p");
    // Holm over the 4 tests of the AtoB table: sorted 0.000975 x 4 = 0.0039, 0.01307 x 3 =
    // 0.03922, 0.03391 x 2 = 0.06782, then 0.05719 x 1 raised to 0.06782 (monotone).
    const holm = (c: Comparison) => [c.variant, c.metric, c.pHolm, c.familySize];
    const expected: Array<[string, string, number]> = [
      ["cycle_alone", L1, 4 * (1 - 32 / Math.sqrt(1026))],
      ["gan_alone", PSNR, 3 * 0.013072457560346884],
      ["cycle_alone", PSNR, 2 * 0.03390821692070408],
      ["gan_alone", L1, 2 * 0.03390821692070408],
    ];
    for (const [v, m, p] of expected) {
      const c = get(v, m);
      close(c.pHolm, p, `${v} ${m}`);
      assertEquals(holm(c)[3], 4);
    }
    assertEquals(
      s.comparisons.map((c) => [c.variant, c.metric, c.distinguishable]),
      [
        ["cycle_alone", L1, true],
        ["cycle_alone", PSNR, false],
        ["gan_alone", L1, false],
        ["gan_alone", PSNR, true],
      ],
    );
  });
});

Deno.test("tables mark the best variant, the indistinguishable ones and the floors", async () => {
  await withSweep(tableRuns(), (runs) => {
    const md = summaryMarkdown(runs, { name: "fx" });
    const atob = md.split("## AtoB")[1].split("### AtoB: differences")[0];
    // Best L1: cyclegan (12); best PSNR: gan_alone (21.5), both in bold. gan_alone's L1 and
    // cycle_alone's PSNR are not distinguishable from cyclegan (Holm 0.068): marked.
    assertMatch(
      atob,
      /\| cyclegan \(reference\) \| 3 \| t over 3 seeds \| \*\*12\.0000 \+- 2\.0000 \[7\.0317, 16\.9683\]\*\* \| 21\.0000 \+- 1\.0000 \[18\.5159, 23\.4841\] \|/,
    );
    assertMatch(
      atob,
      /\| gan_alone \| 3 \| t over 3 seeds \| 13\.3333 \+- 2\.0817 \[8\.1622, 18\.5045\] ≈ \| \*\*21\.5000 \+- 1\.0536 \[18\.8828, 24\.1172\]\*\* \|/,
    );
    assertMatch(
      atob,
      /\| cycle_alone \[not learned: 1\/3 runs\] \| 3 \| t over 3 seeds \| 22\.6667 \+- 2\.5166 \[16\.4151, 28\.9183\] \| 16\.3333 \+- 1\.5275 \[12\.5388, 20\.1279\] ≈ \|/,
    );
    assertMatch(
      atob,
      /\| floor: identity \(output = input\) \| 1 \| bootstrap over 4 test images; the same for all runs \| 50\.0000 \[48\.0000, 52\.0000\] \| 10\.0000 \[9\.0000, 11\.0000\] \|/,
    );
    assertMatch(
      atob,
      /\| floor: untrained G \(step 0\) \| 3 \| t over 3 seeds \| 42\.0000 \+- 2\.0000 \[37\.0317, 46\.9683\] \| 8\.0000 \+- 0 \[8\.0000, 8\.0000\] \|/,
    );
    const diffs = md.split("### AtoB: differences from the reference")[1].split("## ")[0];
    assertMatch(diffs, /Holm-adjusted over the 4 tests of this table/);
    assertMatch(
      diffs,
      /\| gan_alone \| AtoB L1 \| 3 \| \+1\.3333 \[-0\.1009, 2\.7676\] \| 0\.057 \| 0\.068 \| [\d.]+ \| ≈ not distinguishable \|/,
    );
    assertMatch(
      diffs,
      /\| cycle_alone \| AtoB L1 \| 3 \| \+10\.6667 .* \| 9\.8e-4 \| 0\.004 \| .* \| worse \|/,
    );
    assertMatch(
      diffs,
      /\| gan_alone \| AtoB PSNR \| 3 \| \+0\.5000 .* \| 0\.013 \| 0\.039 \| .* \| better \|/,
    );
  });
});

Deno.test("a run no better than its untrained floor is flagged; a record without it untested", async () => {
  const runs = tableRuns();
  // An old record of a fourth variant: no ci, floors or vs_floor.
  runs.push({ variant: "old", seed: 0, status: "completed", eval: fixtureEval(0) });
  await withSweep(runs, (records) => {
    const s = sweepStatistics(records);
    const flagged = s.floorChecks.filter((c) => c.verdict !== "learned");
    assertEquals(flagged.map((c) => [c.variant, c.seed, c.verdict, c.p]), [
      ["cycle_alone", 1, "not learned", 0.3],
      ["old", 0, "untested", null],
    ]);
    assertEquals(s.variants.find((v) => v.variant === "cycle_alone")!.notLearned, [
      "cycle_alone,seed=1-0000000008",
    ]);
    const md = summaryMarkdown(records, { name: "fx" });
    const section = md.split("## Runs not learned at this budget")[1].split("\n## ")[0];
    assertMatch(section, /main metric `AtoB L1`/);
    assertMatch(section, /1 of 10 completed run\(s\) not learned; 1 untested/);
    // run 23, floor 42: run - floor -19 [-22, -16], p 0.3.
    assertMatch(
      section,
      /\| cycle_alone,seed=1-0000000008 \| cycle_alone \| 1 \| 23\.0000 \| 42\.0000 \| -19\.0000 \[-22\.0000, -16\.0000\] \| 0\.300 \| not learned \|/,
    );
    assertMatch(
      section,
      /\| old,seed=0-000000000a \| old \| 0 \| 30\.0000 \| n\/a \| n\/a \| n\/a \| untested \|/,
    );
    // The old record: its values without intervals' floors; no crash anywhere.
    assertMatch(
      md,
      /\| old \| 1 \| none \(one seed, no bootstrap\) \|.*\| 30\.0000 \[no interval\] \? \|/,
    );
    const csvRows = runsCsv(records).trimEnd().split("\n");
    const header = csvRows[0].split(",");
    const col = (name: string) => header.indexOf(name);
    assert(col("AtoB L1 ci_lo") > 0 && col("vs_untrained") > 0, csvRows[0]);
    const row = csvRows.find((l) => l.startsWith('"cycle_alone,seed=1'))!;
    assertMatch(row, /,4,not learned,0\.3,/);
  });
});

Deno.test("a single-seed variant shows its bootstrap interval and no p-value", async () => {
  const runs: FixtureRun[] = [
    ...[0, 1].map((seed) => ({
      variant: "cyclegan",
      seed,
      status: "completed" as const,
      eval: finalEval({ l1: 10 + seed, psnr: 20, seed }),
    })),
    {
      variant: "solo",
      seed: 0,
      status: "completed",
      eval: finalEval({ l1: 11, psnr: 20, seed: 0 }),
    },
  ];
  await withSweep(runs, (records) => {
    const s = sweepStatistics(records);
    const solo = s.variants.find((v) => v.variant === "solo")!;
    assertEquals(solo.stats[L1], {
      n: 1,
      mean: 11,
      std: 0,
      ci: { lo: 9, hi: 13, level: 0.95 },
      method: "bootstrap over 4 test images",
    });
    const c = s.comparisons.find((c) => c.variant === "solo" && c.metric === L1)!;
    assertEquals([c.n, c.diff, c.ci, c.distinguishable], [1, 1, null, null]);
    assert(Number.isNaN(c.p) && Number.isNaN(c.pHolm) && Number.isNaN(c.mde));
    assertEquals(c.note, "1 paired seed: no spread to test against");
    const md = summaryMarkdown(records, { name: "fx" });
    assertMatch(
      md,
      /\| solo \| 1 \| bootstrap over 4 test images \| 11\.0000 \[9\.0000, 13\.0000\] \? \|/,
    );
    assertMatch(
      md,
      /\| solo \| AtoB L1 \| 1 \| \+1\.0000 \| n\/a \(1 paired seed: no spread to test against\) \| n\/a \|/,
    );
    // The untrained floor: per seed the mean over its runs (seed 0: cyclegan's and solo's).
    assertEquals(s.floors.untrained[L1].method, "t over 2 seeds");
  });
});

Deno.test("runs of two backends are never averaged together", async () => {
  const runs: FixtureRun[] = [0, 1].flatMap((seed) =>
    ["wasm (1 thread)", "native (ffi)"].map((backend) => ({
      variant: "cyclegan",
      seed,
      backend,
      status: "completed" as const,
      eval: finalEval({ l1: backend.startsWith("wasm") ? 10 + seed : 20 + seed, psnr: 20, seed }),
    }))
  );
  await withSweep(runs, (records) => {
    const s = sweepStatistics(records);
    assertEquals(s.variants.map((v) => [v.variant, v.stats[L1].mean, v.isReference]), [
      ["cyclegan [native]", 20.5, true],
      ["cyclegan [wasm]", 10.5, true],
    ]);
    // Each backend is its own context: nothing to compare across them.
    assertEquals(s.comparisons, []);
  });
});

Deno.test("summary.csv is the tidy statistics table; summary.json holds the rest", async () => {
  await withSweep(tableRuns(), async (records, dir) => {
    const lines = summaryCsv(records).trimEnd().split("\n");
    assertEquals(lines[0], SUMMARY_CSV_COLUMNS.join(","));
    // 2 metrics x (3 variants + 2 floors).
    assertEquals(lines.length, 1 + 2 * 5);
    const col = (name: string) => SUMMARY_CSV_COLUMNS.indexOf(name);
    const ga = lines.find((l) => l.startsWith("AtoB,AtoB L1,lower,true,gan_alone,"))!.split(",");
    assertEquals(ga[col("n")], "3");
    assertEquals(ga[col("ci_method")], "t over 3 seeds");
    assertEquals(ga[col("reference")], "cyclegan");
    assertEquals(ga[col("distinguishable_from_reference")], "false");
    assertEquals(ga[col("best")], "false");
    close(Number(ga[col("p")]), 1 - 4 / Math.sqrt(18), "p");
    close(Number(ga[col("p_holm")]), 2 * 0.03390821692070408, "p_holm");
    assertEquals(ga[col("holm_m")], "4");
    assertMatch(lines.find((l) => l.includes(",cyclegan,reference,"))!, /,true,,/);
    assert(
      lines.some((l) =>
        l.startsWith("AtoB,AtoB L1,lower,true,floor: identity (output = input),floor,1,50,")
      ),
    );

    // main_metric picks the not-learned rule's column (these records compare L1 only).
    const byPsnr = sweepStatistics(records, { mainMetric: "AtoB.psnr" });
    assertEquals(byPsnr.mainMetric.column, PSNR);
    assertEquals(new Set(byPsnr.floorChecks.map((c) => c.verdict)), new Set(["untested"]));

    // sweep.json's compare_to changes the reference; the page and files say so.
    await Deno.writeTextFile(
      `${dir}/sweep.json`,
      JSON.stringify({ name: "fx", compare_to: "gan_alone", main_metric: null, runs: [] }),
    );
    await writeReport(dir, { grids: false });
    const json = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals([json.compare_to, json.compare_to_source], ["gan_alone", "sweep.json"]);
    assertEquals([json.main_metric, json.main_metric_source], ["AtoB.l1", "default"]);
    assertEquals(
      json.comparisons.filter((c: { family: string }) => c.family === "AtoB").map((
        c: { variant: string; reference: string },
      ) => `${c.variant}-${c.reference}`),
      [
        "cycle_alone-gan_alone",
        "cycle_alone-gan_alone",
        "cyclegan-gan_alone",
        "cyclegan-gan_alone",
      ],
    );
    assertMatch(json.method, /Holm-adjusted/);
    assertEquals(json.floors.identity[L1].ci_lo, 48);
    assertEquals(json.runs.length, 9);
    assertEquals(json.runs[0].ci[L1], [18, 22]);
    for (const f of ["summary.csv", "runs.csv", "summary.md", "index.html"]) {
      assert((await Deno.stat(`${dir}/${f}`)).isFile, f);
    }
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assertMatch(html, /<h2>Runs not learned at this budget<\/h2>/);
    assertMatch(html, /<td><strong>21\.5000 \+- 1\.0536 \[18\.8828, 24\.1172\]<\/strong><\/td>/);
    assertMatch(html, /<tr class="not-learned"><td>cycle_alone \[not learned: 1\/3 runs\]<\/td>/);
    assert(!html.includes("<script"));
  });
});

Deno.test({
  name: "a tiny 3-seed sweep's summary has intervals, p-values and floor rows",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "report_stats_sweep_" });
    try {
      // l1, psnr, ssim on 4 paired test images: the identity and untrained floors score them too.
      const exp = tinyExperiment({ steps: 2 }).replace("test_count: 1", "test_count: 4")
        .replace("metrics: [l1, psnr]\n  max_images: 1", "metrics: [l1, psnr, ssim]");
      await writeFiles(dir, {
        "exp.yaml": exp,
        "sweep.yaml": `name: stats3
experiment: exp.yaml
variants:
  - { name: cyclegan, set: {} }
  - { name: no_idt, set: { lambda_identity: 0 } }
seeds: [0, 1, 2]
`,
      });
      const out = `${dir}/out`;
      // One job: the machine may be busy with other work.
      const r = await ablate([`${dir}/sweep.yaml`, "--out", out, "--jobs", "1"]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const json = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
      assertEquals(json.runs.length, 6);
      assertEquals(json.compare_to, "cyclegan");
      assertEquals(json.main_metric, "AtoB.l1");
      const noIdt = json.variants.find((v: { variant: string }) => v.variant === "no_idt");
      const l1 = noIdt.metrics[L1];
      assertEquals([l1.n, l1.ci_method], [3, "t over 3 seeds"]);
      assert(l1.ci_lo <= l1.mean && l1.mean <= l1.ci_hi, JSON.stringify(l1));
      const cmp = json.comparisons.filter((c: { family: string }) => c.family === "AtoB");
      assertEquals(cmp.length, 3, JSON.stringify(cmp));
      for (const c of cmp) {
        assertEquals([c.reference, c.n_pairs, c.holm_m], ["cyclegan", 3, 3]);
        assert(c.p >= 0 && c.p <= 1 && c.p_holm >= c.p, JSON.stringify(c));
      }
      assertEquals(json.floors.identity[L1].n, 1);
      assertMatch(json.floors.identity[L1].ci_method, /^bootstrap over 4 test images/);
      assertEquals(json.floors.untrained[L1].ci_method, "t over 3 seeds");
      assertEquals(json.floor_checks.length, 6);
      for (const c of json.floor_checks) assert(c.verdict !== "untested", JSON.stringify(c));

      const md = await Deno.readTextFile(`${out}/summary.md`);
      assertMatch(md, /\| cyclegan \(reference\) \| 3 \| t over 3 seeds \| /);
      assertMatch(md, /\| floor: identity \(output = input\) \| 1 \| bootstrap over 4 test images/);
      assertMatch(md, /\| floor: untrained G \(step 0\) \| 3 \| t over 3 seeds \| /);
      assertMatch(
        md,
        /\| no_idt \| AtoB L1 \| 3 \| [+-][\d.]+ \[[-\d.e]+, [-\d.e]+\] \| [\d.e-]+ \|/,
      );
      assertMatch(md, /## Runs not learned at this budget/);
      const csv = await Deno.readTextFile(`${out}/summary.csv`);
      assertEquals(csv.split("\n")[0], SUMMARY_CSV_COLUMNS.join(","));
      assert((await Deno.stat(`${out}/runs.csv`)).isFile);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Several sweeps in one report (lib/report/compare.ts, `deno task report A B --out DIR`), the
 * LaTeX tables (`summary.tex`), and the comparison grid's size limit, on fixture sweeps written
 * here (no training).
 */
import { runScript, type ScriptOutput } from "./_cli.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { fixtureEval, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import { readSweeps, writeCompareReport } from "../lib/report/compare.ts";
import { readRuns } from "../lib/report/runs.ts";
import { latexEscape, latexStat, summaryLatex } from "../lib/report/tables.ts";
import { sweepStatistics } from "../lib/report/statistics.ts";
import {
  COMPARISON_MAX_PIXELS,
  comparisonFit,
  comparisonGrid,
  GRID_IMAGES,
  type RunVisuals,
  shrinkPixels,
} from "../lib/viz/grids.ts";
import type { Pixels } from "../lib/data/pixels.ts";

function report(...args: string[]): Promise<ScriptOutput> {
  return runScript("lib/cli/report.ts", ...args);
}

/** Two sweeps `lr_a`, `lr_b` of cyclegan and gan_alone over 3 seeds (b's values offset by 1). */
async function twoSweeps(root: string): Promise<[string, string]> {
  const dirs: [string, string] = [`${root}/a`, `${root}/b`];
  for (const [i, dir] of dirs.entries()) {
    await writeFixtureSweep(
      dir,
      [0, 1, 2].flatMap((seed) => [
        {
          variant: "cyclegan",
          seed,
          status: "completed" as const,
          eval: fixtureEval(i + seed / 4),
        },
        {
          variant: "gan_alone",
          seed,
          status: "completed" as const,
          eval: fixtureEval(i + 2 + seed / 3 + (seed === 1 ? 0.1 : 0)),
        },
      ]),
    );
    await Deno.writeTextFile(`${dir}/sweep.json`, JSON.stringify({ name: `lr_${"ab"[i]}` }));
  }
  return dirs;
}

Deno.test("writeCompareReport(): rows labelled sweep/variant, compared within each sweep", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [a, b] = await twoSweeps(root);
    const c = await readSweeps([a, b]);
    assertEquals(c.names, ["lr_a", "lr_b"]);
    assertEquals(c.references, ["lr_a/cyclegan", "lr_b/cyclegan"]);
    const s = sweepStatistics(c.runs, { references: c.references });
    assertEquals(s.variants.map((v) => [v.variant, v.reference ?? null]), [
      ["lr_a/cyclegan", null],
      ["lr_a/gan_alone", "lr_a/cyclegan"],
      ["lr_b/cyclegan", null],
      ["lr_b/gan_alone", "lr_b/cyclegan"],
    ]);
    assert(s.comparisons.length > 0);
    for (const cmp of s.comparisons) {
      assertEquals(cmp.variant.split("/")[0], cmp.reference.split("/")[0], "within a sweep");
    }
    // The same numbers as each sweep's own report (Holm aside: one family per table here).
    const own = sweepStatistics(await readRuns(a), {});
    const l1 = (st: typeof s, v: string) =>
      st.comparisons.find((x) => x.variant === v && x.metric === "AtoB L1")!;
    assertEquals(l1(s, "lr_a/gan_alone").p, l1(own, "gan_alone").p);
    assertEquals(l1(s, "lr_a/gan_alone").diff, l1(own, "gan_alone").diff);

    const out = `${root}/both`;
    const first = await writeCompareReport([a, b], out);
    assertEquals(first.files.map((f) => f.slice(out.length + 1)), [
      "index.html",
      "runs.csv",
      "summary.csv",
      "summary.json",
      "summary.md",
      "summary.tex",
    ]);
    const bytes = await Promise.all(first.files.map((f) => Deno.readFile(f)));
    await writeCompareReport([a, b], out);
    const again = await Promise.all(first.files.map((f) => Deno.readFile(f)));
    assertEquals(again, bytes, "regenerating gives the same bytes");
    const md = await Deno.readTextFile(`${out}/summary.md`);
    assertMatch(md, /^# Sweep `lr_a \+ lr_b`/);
    assertMatch(md, /\| lr_b\/cyclegan \(reference\) \| 3 \|/);
    assertMatch(md, /compared with the reference of its own sweep/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readSweeps() with compareTo pairs every variant with the one named", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [a, b] = await twoSweeps(root);
    const c = await readSweeps([a, b], { compareTo: "lr_a/cyclegan" });
    const s = sweepStatistics(c.runs, { references: c.references });
    const refs = new Set(s.comparisons.map((x) => x.reference));
    assertEquals([...refs], ["lr_a/cyclegan"]);
    assertEquals(
      [...new Set(s.comparisons.map((x) => x.variant))].sort(),
      ["lr_a/gan_alone", "lr_b/cyclegan", "lr_b/gan_alone"],
    );
    assertEquals(s.comparisons[0].n, 3, "paired by seed label across sweeps");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("report A B: --out required, --compare-to checked, names must differ (exit 2)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [a, b] = await twoSweeps(root);
    const noOut = await report(a, b);
    assertEquals(noOut.code, 2);
    assertMatch(noOut.stderr, /^error: 2 sweep directories given: --out DIR says where/);

    const badRef = await report(a, b, "--out", `${root}/o`, "--compare-to", "lr_a/nope");
    assertEquals(badRef.code, 2);
    assertMatch(
      badRef.stderr,
      /^error: --compare-to "lr_a\/nope" names no variant of these sweeps; expected one of lr_a\/cyclegan, lr_a\/gan_alone/,
    );

    const same = await report(a, a, "--out", `${root}/o`);
    assertEquals(same.code, 2);
    assertMatch(same.stderr, /^error: two sweeps are named "lr_a"/);

    const oneWithOut = await report(a, "--out", `${root}/o`, "--no-grids");
    assertEquals(oneWithOut.code, 2);
    assertMatch(oneWithOut.stderr, /^error: --out is for several sweeps/);

    const ok = await report(a, b, "--out", `${root}/o`, "--compare-to", "lr_b/cyclegan");
    assertEquals(ok.code, 0, ok.stderr);
    assertMatch(ok.stdout, /report of 2 sweeps, 12 run\(s\): 6 file\(s\) written in /);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("summary.tex: booktabs, escaped text, mean $\\pm$ half-width, best in bold", async () => {
  assertEquals(latexEscape("gan_alone 95 % & #1 $x"), "gan\\_alone 95 \\% \\& \\#1 \\$x");
  const t = { lo: 1, hi: 3, level: 0.95 };
  assertEquals(latexStat({ n: 3, mean: 2, std: 1, ci: t, method: "" }), "2.0000 $\\pm$ 1.0000");
  assertEquals(
    latexStat({ n: 1, mean: 2.5, std: 0, ci: t, method: "" }),
    "2.5000 [1.0000, 3.0000]",
    "an interval not centred on the mean (a bootstrap) is written [lo, hi]",
  );
  assertEquals(latexStat(undefined), "--");

  const root = await Deno.makeTempDir();
  try {
    const [a] = await twoSweeps(root);
    const runs = await readRuns(a);
    const tex = summaryLatex(runs, { name: "lr_a" });
    assertEquals(summaryLatex(runs, { name: "lr_a" }), tex, "deterministic");
    assertEquals(tex.match(/\\toprule/g)?.length, 2, "one table per direction");
    assertEquals(tex.match(/\\bottomrule/g)?.length, 2);
    assertMatch(tex, /\\caption\{lr\\_a, AtoB: mean \$\\pm\$ half-width of the 95 \\% t-interval/);
    // cyclegan's AtoB L1 over seeds 0, 1/4, 2/4: mean 30.25, the lower one, so bold.
    const st = sweepStatistics(runs).variants[0].stats["AtoB L1"];
    const half = (st.ci!.hi - st.ci!.lo) / 2;
    const row = tex.split("\n").find((l) => l.startsWith("cyclegan (reference) & 3 & "))!;
    assert(row.includes(`\\textbf{30.2500 $\\pm$ ${half.toFixed(4)}}`), row);
    assert(tex.includes("\ngan\\_alone & 3 & "), "the variant escaped");
    assert(!/[^\\]_/.test(tex.replace(/^%.*$/gm, "")), "every _ escaped");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

function noise(side: number, seed: number): Pixels {
  const data = new Uint8Array(side * side * 3);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return { width: side, height: side, channels: 3, data };
}

Deno.test("comparisonFit() keeps small grids as they are and large ones within the budget", () => {
  assertEquals(comparisonFit(7, 64), { rows: GRID_IMAGES, shrink: 1 }, "the paper sweep");
  for (const side of [32, 64, 128, 256]) {
    const f = comparisonFit(66, side);
    const s = Math.floor(side / f.shrink);
    const shown = s * Math.max(1, Math.floor(64 / s));
    assert(2 * f.rows * 66 * shown ** 2 <= COMPARISON_MAX_PIXELS, `${side}: ${JSON.stringify(f)}`);
    assert(f.rows >= 2);
  }
  const img = { width: 2, height: 2, channels: 1, data: new Uint8Array([0, 1, 2, 4]) };
  assertEquals(shrinkPixels(img, 2).data, new Uint8Array([2]), "rounded mean (7/4)");
});

Deno.test("comparisonGrid() of 64 variants of 128 px images stays a few MB", async () => {
  const visual = (seed: number, n: number) =>
    Array.from({ length: n }, (_, i) => noise(128, seed * 10 + i));
  const v = (seed: number): RunVisuals => ({
    A: [{ name: "real_A", images: visual(seed, 4) }, {
      name: "fake_B",
      images: visual(seed + 1, 4),
    }],
    B: [{ name: "real_B", images: visual(seed + 2, 4) }, {
      name: "fake_A",
      images: visual(seed + 3, 4),
    }],
    paired: true,
  });
  const variants = Array.from({ length: 64 }, (_, i) =>
    [`variant_${i},lr=0.0002`, v(i)] as [
      string,
      RunVisuals,
    ]);
  const png = (await comparisonGrid(variants))!;
  assert(png.length < 4_000_000, `${png.length} bytes`);
  assertEquals(await comparisonGrid(variants), png, "deterministic");
});

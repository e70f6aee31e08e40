/**
 * Claims (issue 14): the `claims:` schema of a sweep file, the verdict rule on synthetic run
 * records with known answers, the training metrics on constructed metrics.jsonl records, the
 * report's claims section (byte-identical when regenerated), and the eval-config rule that
 * keeps a run's curves when metrics are only added.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { expandAblation } from "../lib/sweep/ablation.ts";
import { ConfigError } from "../lib/sweep/yaml.ts";
import type { Claim } from "../lib/sweep/claims.ts";
import { claimResults } from "../lib/report/claims.ts";
import type { RunRecord } from "../lib/report/runs.ts";
import { TRAINING_METRICS, trainingMetrics } from "../lib/metrics/training.ts";
import { METRIC_BETTER, UNDIRECTED_METRICS } from "../lib/metrics/direction.ts";
import type { MetricsRecord } from "../lib/metrics/stability.ts";
import { onlyAddsMetrics } from "../lib/sweep/run_dir.ts";
import { fixtureEval, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import { writeReport } from "../lib/report/report.ts";

const REPO_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("claims: every problem of a claims: block is reported with its line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/bad.yaml`;
    await Deno.writeTextFile(
      file,
      [
        `experiment: ${REPO_ROOT}/experiments/tiny.yaml`,
        "variants:",
        "  - { name: a, set: {} }",
        "  - { name: b, set: { pool_size: 0 } }",
        "claims:",
        "  - id: C9",
        "    claim: something",
        "    predictions:",
        "      - { metric: AtoB.nonsense, higher: a, than: b }",
        "      - { metric: AtoB.l1, higher: a, lower: a, than: b }",
        "      - { metric: AtoB.fid, variant: a, between: [2, 1] }",
        "",
      ].join("\n"),
    );
    const e = await assertRejects(() => expandAblation(file), ConfigError);
    const text = (e as Error).message;
    assertMatch(text, /bad\.yaml:9:.*expected <AtoB\|BtoA>\.<metric>/);
    assertMatch(text, /bad\.yaml:10:.*exactly one of higher: or lower:/);
    assertMatch(text, /bad\.yaml:11:.*lo < hi/);
    // Once the block is well-formed, the variants it names are checked against the sweep's.
    await Deno.writeTextFile(
      file,
      [
        `experiment: ${REPO_ROOT}/experiments/tiny.yaml`,
        "variants:",
        "  - { name: a, set: {} }",
        "  - { name: b, set: { pool_size: 0 } }",
        "claims:",
        "  - id: C9",
        "    claim: something",
        "    predictions:",
        "      - { metric: train.d_osc, lower: a, than: zzz }",
        "      - { metric: AtoB.l1, variant: yyy, below: 3 }",
        "",
      ].join("\n"),
    );
    const v = (await assertRejects(() => expandAblation(file), ConfigError) as Error).message;
    assertMatch(
      v,
      /bad\.yaml:9:.*claim C9: "zzz" is not a variant of this sweep; expected one of a, b/,
    );
    assertMatch(v, /bad\.yaml:10:.*claim C9: "yyy" is not a variant/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("claims: the shipped claim sweeps are valid and name their variants", async () => {
  for await (const e of Deno.readDir(`${REPO_ROOT}/ablations/claims`)) {
    const sweep = await expandAblation(`${REPO_ROOT}/ablations/claims/${e.name}`);
    assert(sweep.claims && sweep.claims.length > 0, `${e.name} states a claim`);
    const seeds = new Set(sweep.runs.map((r) => r.config.seed));
    assert(seeds.size >= 3, `${e.name}: at least 3 seeds`);
  }
});

/** A completed run record with the given report metrics. */
function run(variant: string, seed: number, metrics: Record<string, number>): RunRecord {
  return {
    id: `${variant},seed=${seed}`,
    name: `${variant},seed=${seed}`,
    axes: { variant, seed },
    variant,
    seed,
    status: "completed",
    metrics,
  } as unknown as RunRecord;
}

Deno.test("claims: the verdict rule on synthetic records (supported, contradicted, inconclusive)", () => {
  const noise = [0.01, -0.02, 0.015, -0.005, 0.0];
  const runs = [
    // a is 1 higher than b on L1 with small seed noise; on FID they tie within noise.
    ...noise.map((e, s) =>
      run("a", s, {
        "AtoB L1": 11 + e,
        "AtoB FID[x]": 5 + 3 * e * (s % 2 ? 1 : -1),
        "train D oscillation": 0.5 + e,
      })
    ),
    ...noise.map((e, s) =>
      run("b", s, { "AtoB L1": 10 - e, "AtoB FID[x]": 5 - 2 * e, "train D oscillation": 0.2 + e })
    ),
  ];
  const claims: Claim[] = [
    {
      id: "S",
      claim: "a is higher on L1",
      predictions: [{ metric: "AtoB.l1", higher: "a", than: "b" }],
    },
    {
      id: "X",
      claim: "a is lower on L1 (wrong)",
      predictions: [
        { metric: "AtoB.l1", lower: "a", than: "b" },
        { metric: "AtoB.l1", higher: "a", than: "b" },
      ],
    },
    {
      id: "I",
      claim: "a differs on FID (noise only)",
      predictions: [{ metric: "AtoB.fid", lower: "a", than: "b" }],
    },
    {
      id: "L",
      claim: "levels",
      predictions: [
        { metric: "train.d_osc", variant: "a", below: 1 },
        { metric: "train.d_osc", variant: "b", between: [0.1, 0.3] },
        { metric: "train.d_osc", variant: "a", above: 0.49 },
      ],
    },
    {
      id: "M",
      claim: "a metric nobody recorded",
      predictions: [{ metric: "AtoB.delta_e", lower: "a", than: "b" }],
    },
  ];
  const [s, x, i, l, m] = claimResults(runs, claims);
  assertEquals(s.verdict, "supported");
  assertEquals(s.predictions[0].n, 5);
  assert(Math.abs(s.predictions[0].effect - 1) < 0.05, `effect ${s.predictions[0].effect}`);
  assertEquals(x.predictions.map((p) => p.verdict), ["contradicted", "supported"]);
  assertEquals(x.verdict, "contradicted", "one contradicted prediction contradicts the claim");
  assertEquals(i.verdict, "inconclusive");
  assert(i.predictions[0].pHolm >= 0.05 && Number.isFinite(i.predictions[0].mde));
  assertEquals(l.predictions.map((p) => p.verdict), ["supported", "supported", "inconclusive"]);
  assertEquals(l.verdict, "inconclusive", "supported only when every prediction is");
  assertEquals(m.predictions[0].column, null);
  assertEquals(m.verdict, "inconclusive");
  // Holm within a claim: the adjusted p is never below the raw one.
  for (const c of [s, x, i, l]) for (const p of c.predictions) assert(p.pHolm >= p.p);
});

/** Loss lines every 10 steps to 400: D follows `d(step)`, G a smooth decay; probe from 200. */
function records(d: (step: number) => number, withProbe = true): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (let step = 10; step <= 400; step += 10) {
    out.push({
      type: "losses",
      step,
      losses: { D_A: d(step), D_B: d(step), G_A: 1 + 100 / step, G_B: 1 + 100 / step, idt_A: 0 },
      ...(withProbe
        ? { probe: { grad_G_A: step >= 200 ? 2 : 100, grad_G_B: 4, D_A_fake: 0.5 } }
        : {}),
    } as MetricsRecord);
  }
  for (const [step, fid] of [[100, 9], [200, 5], [300, 7], [400, 4]]) {
    out.push(
      { type: "eval", step, AtoB: { fid }, BtoA: { fid: 10 - step / 100 } } as MetricsRecord,
    );
  }
  return out;
}

Deno.test("trainingMetrics(): oscillation, roughness and the probe from constructed records", () => {
  const smooth = trainingMetrics(records((s) => 0.3 + 10 / s));
  const wobbly = trainingMetrics(records((s) => 0.3 + 10 / s + 0.1 * (s % 20 === 0 ? 1 : -1)));
  assert(wobbly.d_osc! > 5 * smooth.d_osc!, `${wobbly.d_osc} vs ${smooth.d_osc}`);
  assert(smooth.g_osc! < wobbly.d_osc! / 5, `smooth G ${smooth.g_osc}`);
  // AtoB zig-zags 9, 5, 7, 4 (range 5, steps 4, 2, 3: 9/3/5 = 0.6); BtoA is monotone (1/3).
  assert(Math.abs(smooth.roughness! - (0.6 + 1 / 3) / 2) < 1e-12, `${smooth.roughness}`);
  // Second half (steps >= 200): grad_G_A 2 and grad_G_B 4.
  assertEquals(smooth.grad_gan, 3);
  assertEquals(smooth.d_fake, 0.5);
  const noProbe = trainingMetrics(records((s) => 1 / s, false));
  assertEquals(noProbe.grad_gan, undefined);
  // A run without a GAN term logs D losses of 0: not measured.
  const ganFree = trainingMetrics(records(() => 0, false));
  assertEquals(ganFree.d_osc, undefined);
});

Deno.test("onlyAddsMetrics(): added metrics keep the curves; any other change does not", () => {
  const base = { metrics: ["l1", "fid"], extractor: "auto", max_images: null, every: 200 };
  assertEquals(onlyAddsMetrics(base, { ...base, metrics: ["l1", "fid", "good"] }), true);
  assertEquals(onlyAddsMetrics(base, { ...base, every: 100 }), true);
  assertEquals(onlyAddsMetrics(base, { ...base, metrics: ["l1"] }), false);
  assertEquals(onlyAddsMetrics(base, { ...base, max_images: 10 }), false);
  assertEquals(onlyAddsMetrics(base, { ...base, extractor: "inception-v3" }), false);
});

Deno.test("report: a claims section in summary.md, summary.json and index.html, regenerated byte-identically", async () => {
  const out = await Deno.makeTempDir();
  try {
    const runs = [0, 1, 2].flatMap((seed) => [
      { variant: "a", seed, status: "completed" as const, eval: fixtureEval(seed * 0.01) },
      { variant: "b", seed, status: "completed" as const, eval: fixtureEval(5 + seed * 0.02) },
    ]);
    await writeFixtureSweep(out, runs);
    const claims: Claim[] = [{
      id: "C0",
      claim: "a has the lower FID",
      untested: "nothing",
      predictions: [{ metric: "AtoB.fid", lower: "a", than: "b" }],
    }];
    await Deno.writeTextFile(`${out}/sweep.json`, JSON.stringify({ name: "fx", claims }));
    await writeReport(out, { grids: false, onWarning: () => {} });
    const md = await Deno.readTextFile(`${out}/summary.md`);
    assertMatch(md, /## Claims/);
    assertMatch(md, /\| C0 \| \*\*supported\*\* \|/);
    assertMatch(md, /Not tested here: nothing/);
    const json = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    assertEquals(json.claims[0].verdict, "supported");
    assertEquals(json.claims[0].predictions[0].n, 3);
    const html = await Deno.readTextFile(`${out}/index.html`);
    assertMatch(html, /<h3>C0: supported<\/h3>/);
    const before = await Promise.all(
      ["summary.md", "summary.json", "index.html", "summary.csv"].map((f) =>
        Deno.readTextFile(`${out}/${f}`)
      ),
    );
    await writeReport(out, { grids: false, onWarning: () => {} });
    const after = await Promise.all(
      ["summary.md", "summary.json", "index.html", "summary.csv"].map((f) =>
        Deno.readTextFile(`${out}/${f}`)
      ),
    );
    assertEquals(after, before);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("report: the share of good outputs is drawn as histograms from the records", async () => {
  const out = await Deno.makeTempDir();
  try {
    const good = {
      score: "fcn_pixel_accuracy",
      better: "higher",
      threshold: 0.5,
      edges: [0, 0.25, 0.5, 0.75, 1],
      fake: [1, 1, 0, 0],
      real: [0, 0, 1, 1],
    };
    const ev = (x: number) => {
      const e = fixtureEval(x);
      (e.AtoB as Record<string, number>).good_share = 0;
      return { ...e, good: { AtoB: good } };
    };
    await writeFixtureSweep(out, [
      { variant: "a", seed: 1, status: "completed", eval: ev(0) },
      { variant: "a", seed: 0, status: "completed", eval: ev(0.1) },
    ]);
    await writeReport(out, { grids: false, onWarning: () => {} });
    const html = await Deno.readTextFile(`${out}/index.html`);
    assertMatch(html, /Share of good outputs: per-image distributions/);
    // The lowest seed's run, with its share in the title and the bar drawn.
    assertMatch(html, /aria-label="AtoB a \(seed 0\): 0 % good"/);
    assertMatch(html, /stroke-dasharray="4 3"/);
    // Two real-image bars and two translation bars (besides the background and the legend).
    const svg = html.slice(html.indexOf('aria-label="AtoB a (seed 0)'));
    const chart = svg.slice(0, svg.indexOf("</svg>"));
    const bars = (chart.match(/<rect [^>]*>/g) ?? []).filter((r) =>
      !r.includes('fill="#fff"') && !r.includes('height="8"') && !r.includes('fill="none"')
    );
    assertEquals(bars.length, 4);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("every training metric has exactly one direction entry: METRIC_BETTER or undirected", () => {
  for (const m of Object.keys(TRAINING_METRICS)) {
    const directed = m in METRIC_BETTER;
    const undirected = UNDIRECTED_METRICS.includes(m);
    assert(directed !== undirected, `${m}: directed ${directed}, undirected ${undirected}`);
  }
  assertEquals(
    ["d_osc", "g_osc", "roughness"].map((m) => METRIC_BETTER[m]),
    ["lower", "lower", "lower"],
  );
});

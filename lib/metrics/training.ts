/**
 * Run-level training metrics (claims C3, C4, C6: which settings train stably, which give the
 * generators an adversarial signal), computed from a run's own `metrics.jsonl` by the pure
 * functions of stability.ts and recorded by the final evaluation under `train` when its
 * metrics include `stability` (lib/sweep/run.ts).
 *
 * | metric      | what                                                                        |
 * |-------------|-----------------------------------------------------------------------------|
 * | `d_osc`     | mean over D_A, D_B of the loss's relative oscillation in the second half of  |
 * |             | training: std around an 11-line moving average / its mean level             |
 * | `g_osc`     | the same for the generators' GAN terms G_A, G_B                             |
 * | `roughness` | mean over AtoB and BtoA of the FID curve's roughness over the periodic      |
 * |             | evaluations (mean step-to-step change / range; 1/(n-1) when monotone)       |
 * | `grad_gan`  | mean over the second half of the probe's grad_G_A, grad_G_B: the L2 norm of |
 * |             | the generator gradient from the GAN term alone (`probe: true` runs)          |
 * | `d_fake`    | mean over the second half of the probe's D_A_fake, D_B_fake: the mean D      |
 * |             | output on the current fakes, in the loss's own units                       |
 *
 * FID is the curve of `roughness` because every dataset has it (labelled with the run's one
 * extractor, so runs of a sweep compare). A metric that its records cannot give (a GAN-free
 * run has no D loss; no probe lines; fewer than 3 loss lines or 2 evaluations in range) is
 * left out rather than guessed.
 *
 * ```ts
 * import { parseMetricsJsonl } from "./stability.ts";
 * import { trainingMetrics } from "./training.ts";
 * trainingMetrics(parseMetricsJsonl(await Deno.readTextFile("runs/r/metrics.jsonl")));
 * // { d_osc: 0.21, g_osc: 0.35, roughness: 0.4, grad_gan: 0.08, d_fake: 0.31 }
 * ```
 * @module
 */
import {
  lossOscillation,
  type LossRecord,
  type MetricsRecord,
  trajectoryRoughness,
} from "./stability.ts";
/**
 * The training metrics and what each measures. Which way each is better is METRIC_BETTER's
 * (./direction.ts: d_osc, g_osc, roughness lower); the probe's raw signals have none
 * (UNDIRECTED_METRICS).
 */
export const TRAINING_METRICS: Readonly<
  Record<"d_osc" | "g_osc" | "roughness" | "grad_gan" | "d_fake", { what: string }>
> = Object.freeze({
  d_osc: { what: "relative oscillation of D_A, D_B (2nd half)" },
  g_osc: { what: "relative oscillation of G_A, G_B GAN terms (2nd half)" },
  roughness: { what: "roughness of the periodic FID curves" },
  grad_gan: { what: "norm of the GAN term's generator gradient (2nd half)" },
  d_fake: { what: "mean D output on fakes (2nd half)" },
});

/** One of the keys of {@link TRAINING_METRICS}. */
export type TrainingMetricName = keyof typeof TRAINING_METRICS;

function meanOf(xs: number[]): number | undefined {
  return xs.length === 0 ? undefined : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function tryValue(f: () => number): number | undefined {
  try {
    const v = f();
    return Number.isFinite(v) ? v : undefined;
  } catch (e) {
    if (e instanceof RangeError) return undefined; // too few points: not measurable
    throw e;
  }
}

/**
 * The training metrics of one run from its `metrics.jsonl` records (parsed with
 * stability.ts `parseMetricsJsonl`); keys that cannot be measured are absent.
 */
export function trainingMetrics(
  records: readonly MetricsRecord[],
): Partial<Record<TrainingMetricName, number>> {
  const out: Partial<Record<TrainingMetricName, number>> = {};
  const osc = (keys: string[]) =>
    meanOf(
      keys.map((k) => tryValue(() => lossOscillation(records, k).relative))
        .filter((v): v is number => v !== undefined),
    );
  // A loss that is always 0 is a term that is off (no GAN term): not a loss to measure.
  const active = (k: string) =>
    records.some((r) => r.type === "losses" && ((r as LossRecord).losses?.[k] ?? 0) !== 0);
  const d = osc(["D_A", "D_B"].filter(active));
  if (d !== undefined) out.d_osc = d;
  const g = osc(["G_A", "G_B"].filter(active));
  if (g !== undefined) out.g_osc = g;
  const flat = records.flatMap((r) => {
    if (r.type !== "eval") return [];
    const e = r as Record<string, unknown>;
    const row: Record<string, unknown> = { type: "eval", step: e.step };
    for (const dir of ["AtoB", "BtoA"]) {
      const s = e[dir] as Record<string, unknown> | undefined;
      if (s && typeof s.fid === "number") row[`${dir}.fid`] = s.fid;
    }
    return [row as MetricsRecord];
  });
  const rough = meanOf(
    ["AtoB.fid", "BtoA.fid"].map((m) => tryValue(() => trajectoryRoughness(flat, m).roughness))
      .filter((v): v is number => v !== undefined),
  );
  if (rough !== undefined) out.roughness = rough;
  const probes = records.filter((r): r is LossRecord & { probe: Record<string, number> } =>
    r.type === "losses" && typeof (r as { probe?: unknown }).probe === "object"
  ).sort((a, b) => a.step - b.step);
  const last = probes.at(-1)?.step ?? 0;
  const late = probes.filter((r) => r.step >= last / 2);
  const probeMean = (keys: string[]) =>
    meanOf(
      late.flatMap((r) => keys.map((k) => r.probe[k]).filter((v) => Number.isFinite(v))),
    );
  const grad = probeMean(["grad_G_A", "grad_G_B"]);
  if (grad !== undefined) out.grad_gan = grad;
  const dFake = probeMean(["D_A_fake", "D_B_fake"]);
  if (dFake !== undefined) out.d_fake = dFake;
  return out;
}

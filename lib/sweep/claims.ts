/**
 * Claims a sweep tests (`claims:` in an ablation file): each states, before any run, what the
 * data should show, as predictions the report can decide (lib/report/claims.ts):
 *
 * ```yaml
 * claims:
 *   - id: C6
 *     claim: A replay buffer of past fakes (pool 50) reduces oscillation.
 *     source: CycleGAN paper Sec. 4 (Shrivastava et al. 2017)
 *     predictions:
 *       - { metric: train.d_osc, lower: cyclegan, than: pool_0 }   # paired by seed
 *       - { metric: AtoB.good_share, variant: cyclegan, between: [0.05, 0.2] }
 * ```
 *
 * A prediction either compares two variants (`higher:` or `lower:` one variant `than:`
 * another, on the metric's own scale, whichever way is "better") or places one variant's mean
 * (`variant:`) `above:`, `below:` or `between:` fixed values. Metrics are
 * `<direction>.<metric>` of the final evaluation (`AtoB.edge_ssim`) or `train.<metric>` of the
 * training record (lib/metrics/training.ts).
 * @module
 */
import { z } from "zod";
import { METRIC_BETTER, UNDIRECTED_METRICS } from "../metrics/direction.ts";
import { TRAINING_METRICS } from "../metrics/training.ts";

/** One prediction of a claim. */
export interface Prediction {
  /** `<AtoB|BtoA>.<metric>` or `train.<metric>`. */
  metric: string;
  /** Comparison: the variant predicted to score higher (on the metric's raw scale)... */
  higher?: string;
  /** ... or lower ... */
  lower?: string;
  /** ... than this one. */
  than?: string;
  /** Level: the variant whose mean is placed... */
  variant?: string;
  /** ... above this value, */
  above?: number;
  /** ... below this value, */
  below?: number;
  /** ... or inside this range. */
  between?: [number, number];
}

/** A claim and its predictions. */
export interface Claim {
  /** Short id (`C1`). */
  id: string;
  /** The claim in words. */
  claim: string;
  /** Where it comes from. */
  source?: string;
  /** What the sweep does not test of it, said up front. */
  untested?: string;
  /** What the data should show. */
  predictions: Prediction[];
}

const EVAL_METRICS = [...Object.keys(METRIC_BETTER), ...UNDIRECTED_METRICS]
  .filter((m) => !(m in TRAINING_METRICS));
const EVAL_METRIC_RE = new RegExp(`^(AtoB|BtoA)\\.(${EVAL_METRICS.join("|")})$`);
const TRAIN_METRIC_RE = new RegExp(`^train\\.(${Object.keys(TRAINING_METRICS).join("|")})$`);

const predictionSchema = z.strictObject({
  metric: z.string().refine((m) => EVAL_METRIC_RE.test(m) || TRAIN_METRIC_RE.test(m), {
    message: `expected <AtoB|BtoA>.<metric> (one of ${
      EVAL_METRICS.join(", ")
    }) or train.<metric> (one of ${Object.keys(TRAINING_METRICS).join(", ")})`,
  }),
  higher: z.string().optional(),
  lower: z.string().optional(),
  than: z.string().optional(),
  variant: z.string().optional(),
  above: z.number().optional(),
  below: z.number().optional(),
  between: z.tuple([z.number(), z.number()]).optional(),
}).superRefine((p, ctx) => {
  const comparison = p.higher !== undefined || p.lower !== undefined || p.than !== undefined;
  const level = p.variant !== undefined || p.above !== undefined || p.below !== undefined ||
    p.between !== undefined;
  const bad = (message: string) => ctx.addIssue({ code: "custom", message });
  if (comparison === level) {
    bad(
      "expected either a comparison (higher: or lower:, and than:) or a level " +
        "(variant:, and one of above:, below:, between:)",
    );
  } else if (comparison) {
    if ((p.higher === undefined) === (p.lower === undefined) || p.than === undefined) {
      bad("a comparison names exactly one of higher: or lower:, and than:");
    }
  } else {
    const bounds = [p.above, p.below, p.between].filter((b) => b !== undefined).length;
    if (p.variant === undefined || bounds !== 1) {
      bad("a level names variant: and exactly one of above:, below:, between:");
    } else if (p.between && !(p.between[0] < p.between[1])) {
      bad(`between: expected [lo, hi] with lo < hi, got [${p.between.join(", ")}]`);
    }
  }
});

/** The schema of one entry of `claims:`. */
export const claimSchema: z.ZodType<Claim> = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: "expected letters, digits, _ . -" }),
  claim: z.string().min(1),
  source: z.string().optional(),
  untested: z.string().optional(),
  predictions: z.array(predictionSchema).min(1),
});

/** The variant names a claim refers to (to check that the sweep has them). */
export function claimVariants(c: Claim): string[] {
  return c.predictions.flatMap((p) =>
    [p.higher, p.lower, p.than, p.variant].filter((v): v is string => v !== undefined)
  );
}

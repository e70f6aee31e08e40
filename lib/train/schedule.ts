/**
 * Learning-rate policies (`--lr_policy`), as pure functions from a step count to the factor that
 * multiplies the initial rate (official `get_scheduler` in `models/networks.py`; reference §1.7).
 *
 * Each policy reads `t`, the number of scheduler steps taken so far, like PyTorch's
 * `scheduler.last_epoch`: 0 during the first epoch (or iteration), 1 after the first
 * `scheduler.step()`, and so on. The official trainer steps once at the **end** of each epoch,
 * so training epoch `e` (counting from `epoch_count`) runs at `t = e - epoch_count`.
 *
 * With `unit: "epoch"` (the official behaviour) `t` and every length option count epochs; with
 * `unit: "iteration"` they count optimizer iterations and the scheduler steps after every
 * iteration, for short runs measured in steps. {@link learningRate} picks the counter by unit.
 * The official `plateau` policy is left out: it reacts to a metric and is not a pure function of
 * the step.
 *
 * ```ts
 * import { learningRate } from "./schedule.ts";
 * // The paper's schedule: 100 epochs at 2e-4, then 100 of linear decay (epoch 101 here).
 * learningRate(2e-4, { epoch: 100, iteration: 0 }, { policy: "linear" }); // 2e-4 * 100/101
 * ```
 * @module
 */

/** What a schedule counts: epochs (official) or iterations. */
export type ScheduleUnit = "epoch" | "iteration";

/** Options of the `linear` policy (official names, camel-cased; lengths in the schedule's unit). */
export interface LinearOptions {
  /** Steps at the initial rate (`--n_epochs`, default 100). */
  nEpochs: number;
  /** Steps of linear decay after them (`--n_epochs_decay`, default 100). */
  nEpochsDecay: number;
  /** Number of the first epoch (`--epoch_count`, default 1); shifts the schedule. */
  epochCount: number;
}

/** Options of the `step` policy. */
export interface StepOptions {
  /** Steps between decays (`--lr_decay_iters`, default 50; counted in epochs officially). */
  lrDecayIters: number;
  /** Factor per decay (0.1, as the official StepLR). */
  gamma: number;
}

/** Options of the `cosine` policy. */
export interface CosineOptions {
  /** Half-period `T_max` (the official code passes `n_epochs`, default 100). */
  nEpochs: number;
}

/** Defaults of {@link LinearOptions} (the official option defaults). */
export const LINEAR_DEFAULTS: Readonly<LinearOptions> = Object.freeze({
  nEpochs: 100,
  nEpochsDecay: 100,
  epochCount: 1,
});
/** Defaults of {@link StepOptions}. */
export const STEP_DEFAULTS: Readonly<StepOptions> = Object.freeze({ lrDecayIters: 50, gamma: 0.1 });
/** Defaults of {@link CosineOptions}. */
export const COSINE_DEFAULTS: Readonly<CosineOptions> = Object.freeze({ nEpochs: 100 });

function checkStep(policy: string, t: number): void {
  if (!Number.isInteger(t) || t < 0) {
    throw new RangeError(
      `Cannot compute the ${policy} schedule at step ${t}: expected an integer >= 0`,
    );
  }
}

function checkOption(policy: string, name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(
      `Cannot compute the ${policy} schedule with ${name} = ${value}: expected a number >= ${min}`,
    );
  }
}

/**
 * The official `linear` rule: `1 - max(0, t + epochCount - nEpochs) / (nEpochsDecay + 1)`.
 *
 * The paper keeps the rate for 100 epochs and "linearly decay[s] the rate to zero over the next
 * 100 epochs" (Sec. 4, appendix 7.1); the `+ 1` in the official denominator means the last epoch
 * runs at `1/(nEpochsDecay + 1)` of the rate, never exactly 0 (§1.11 item 5). With the defaults:
 * t = 0..99 (epochs 1-100) give 1, t = 100 (epoch 101) gives 100/101, t = 199 (epoch 200) 1/101,
 * and t = 200 (after the last epoch) gives 0; later steps, where the formula goes negative, throw.
 *
 * ```ts
 * linear(100); // 100 / 101
 * linear(0, { nEpochs: 5, nEpochsDecay: 5 }); // 1
 * ```
 */
export function linear(t: number, options: Partial<LinearOptions> = {}): number {
  const { nEpochs, nEpochsDecay, epochCount } = { ...LINEAR_DEFAULTS, ...options };
  checkStep("linear", t);
  checkOption("linear", "nEpochs", nEpochs, 0);
  checkOption("linear", "nEpochsDecay", nEpochsDecay, 0);
  checkOption("linear", "epochCount", epochCount, 0);
  const factor = 1 - Math.max(0, t + epochCount - nEpochs) / (nEpochsDecay + 1);
  // The official rule goes negative past the end; a negative rate would ascend the loss, so a
  // step beyond the schedule is a caller's bug. The step after the last epoch gives exactly 0
  // (the official log prints that rate when the final epoch ends) and is allowed.
  if (factor < 0) {
    throw new RangeError(
      `Cannot compute the linear schedule at step ${t}: it ends at step ${
        nEpochs + nEpochsDecay + 1 - epochCount
      } (nEpochs ${nEpochs} + nEpochsDecay ${nEpochsDecay} from epochCount ${epochCount})`,
    );
  }
  return factor;
}

/**
 * The official `step` rule (PyTorch `StepLR`): `gamma ^ floor(t / lrDecayIters)`.
 *
 * ```ts
 * step(49); // 1
 * step(50); // 0.1
 * step(100); // 0.01 (up to rounding)
 * ```
 */
export function step(t: number, options: Partial<StepOptions> = {}): number {
  const { lrDecayIters, gamma } = { ...STEP_DEFAULTS, ...options };
  checkStep("step", t);
  checkOption("step", "lrDecayIters", lrDecayIters, 1);
  checkOption("step", "gamma", gamma, 0);
  return gamma ** Math.floor(t / lrDecayIters);
}

/**
 * The official `cosine` rule (PyTorch `CosineAnnealingLR`, `eta_min` 0, `T_max = nEpochs`):
 * `(1 + cos(pi * t / T_max)) / 2`.
 *
 * Like PyTorch, it is not clamped: the official trainer runs `n_epochs + n_epochs_decay` epochs
 * with `T_max = n_epochs`, so with the defaults the rate reaches 0 at t = 100 and rises back to
 * the initial rate at t = 200 (cosine annealing is periodic with period 2 T_max).
 *
 * ```ts
 * cosine(50); // 0.5
 * cosine(100); // 0
 * ```
 */
export function cosine(t: number, options: Partial<CosineOptions> = {}): number {
  const { nEpochs } = { ...COSINE_DEFAULTS, ...options };
  checkStep("cosine", t);
  checkOption("cosine", "nEpochs", nEpochs, 1);
  return (1 + Math.cos(Math.PI * t / nEpochs)) / 2;
}

/** One learning-rate policy: its options' defaults and its multiplier. */
export interface LrPolicy<O> {
  /** The registry key (`--lr_policy`). */
  readonly name: string;
  /** The official defaults of its options. */
  readonly defaults: Readonly<O>;
  /** The factor on the initial rate after `t` scheduler steps. */
  readonly multiplier: (t: number, options?: Partial<O>) => number;
}

/**
 * Every learning-rate policy by its `--lr_policy` name. Adding one: a function plus one line
 * here.
 *
 * ```ts
 * lr_policy.linear.multiplier(150); // 1 - 50/101
 * ```
 */
export const lr_policy: {
  readonly linear: LrPolicy<LinearOptions>;
  readonly step: LrPolicy<StepOptions>;
  readonly cosine: LrPolicy<CosineOptions>;
} = Object.freeze(
  {
    linear: Object.freeze({ name: "linear", defaults: LINEAR_DEFAULTS, multiplier: linear }),
    step: Object.freeze({ name: "step", defaults: STEP_DEFAULTS, multiplier: step }),
    cosine: Object.freeze({ name: "cosine", defaults: COSINE_DEFAULTS, multiplier: cosine }),
  },
);

/** A valid `--lr_policy` value: a key of {@link lr_policy}. */
export type LrPolicyName = keyof typeof lr_policy;

/** The names {@link lr_policy} accepts, for the config schema's enum. */
export const LR_POLICY_NAMES: readonly LrPolicyName[] = Object.freeze(
  Object.keys(lr_policy) as LrPolicyName[],
);

/** Where training is: scheduler steps counted in epochs and in iterations (both from 0). */
export interface SchedulePosition {
  /** Epochs finished since this schedule started (PyTorch's `last_epoch` when stepped per epoch). */
  epoch: number;
  /** Optimizer iterations finished since this schedule started. */
  iteration: number;
}

/** Options of {@link learningRate}: the policy, the unit it counts in, and its own options. */
export type LearningRateOptions =
  & { policy: LrPolicyName; unit?: ScheduleUnit }
  & Partial<LinearOptions & StepOptions & CosineOptions>;

/**
 * The learning rate at a position: `lr * multiplier(at[unit])` for the chosen policy. Unknown
 * policy names are an error listing the valid ones.
 *
 * ```ts
 * learningRate(2e-4, { epoch: 199, iteration: 0 }, { policy: "linear" }); // 2e-4 / 101
 * learningRate(1e-3, { epoch: 0, iteration: 500 }, {
 *   policy: "step", unit: "iteration", lrDecayIters: 250,
 * }); // 1e-5
 * ```
 */
export function learningRate(
  lr: number,
  at: SchedulePosition,
  options: LearningRateOptions,
): number {
  const { policy, unit = "epoch", ...policyOptions } = options;
  if (!Object.hasOwn(lr_policy, policy)) {
    throw new Error(
      `Cannot use lr_policy "${policy}": expected one of ${LR_POLICY_NAMES.join(", ")}`,
    );
  }
  if (unit !== "epoch" && unit !== "iteration") {
    throw new Error(`Cannot count a schedule in "${unit}": expected "epoch" or "iteration"`);
  }
  const t = unit === "epoch" ? at.epoch : at.iteration;
  return lr * lr_policy[policy].multiplier(t, policyOptions);
}

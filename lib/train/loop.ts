/**
 * The training loop (official `train.py`), with exact resume, for every model kind of the
 * `model` registry (models.ts: `cycle_gan`, `pix2pix`).
 *
 * {@link train} builds the model from a resolved {@link TrainConfig}, runs epochs x iterations
 * of the model's official step (cyclegan.ts `trainStep`, pix2pix.ts `pix2pixStep`) under the
 * learning-rate schedule, checks
 * every step's losses, writes `loss_log.txt` in the official format and checkpoints every
 * `save_latest_freq` steps. Run again on the same directory, it resumes from the newest
 * complete checkpoint and reaches the same weights, bit for bit, as a run that was never
 * stopped (on the same backend): the checkpoint holds the weights, both Adam states, the image
 * pools, every RNG state and the data cursor (checkpoint.ts).
 *
 * Random streams, all derived from `seed` (the official code has no seed, §1.11 item 1):
 * `root = Rng(seed)`; `root.fork()` builds the model (weights of G_A, G_B, D_A, D_B, then the
 * two pools' streams and the dropout / gradient-penalty stream, in that order, see
 * `createCycleGan`; pix2pix: G, D, then the dropout stream); a second fork is the data stream
 * (B picks, crops, flips); the next word seeds the per-epoch shuffles.
 *
 * Differences from the official loop, all deliberate:
 * - `print_freq` and `save_latest_freq` count iterations (the official counts images; equal
 *   at batch size 1, the paper's setting).
 * - Checkpoints are complete (above), not just network weights, and are rotated (`keep_checkpoints`).
 * - `lr_unit: "iteration"` measures `n_epochs`/`n_epochs_decay` (and `lr_decay_iters`) in
 *   iterations for short runs; the run then lasts `n_epochs + n_epochs_decay` iterations.
 * - An optional periodic evaluation (`evaluate`) runs between steps, isolated from training:
 *   the weights, buffers and random streams after it are those before it.
 *
 * ```ts
 * import { train } from "./loop.ts";
 * import { tensorSource } from "./data.ts";
 * const result = await train(
 *   { netG: "resnet_6blocks", netD: "pixel", ngf: 4, ndf: 4, n_epochs: 1, n_epochs_decay: 0 },
 *   { source: tensorSource(imagesA, imagesB, { imageSize: [16, 16] }), dir: "results/demo" },
 * );
 * console.log(result.status, result.step, result.weightsSha256);
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { Rng } from "../nn/rng.ts";
import { checkGeneratorSize } from "../generators/mod.ts";
import { checkDiscriminatorSize } from "../discriminators/mod.ts";
import {
  CYCLEGAN_DEFAULTS,
  type CycleGanOptions,
  type GanProbe,
  type StepOptions,
} from "./cyclegan.ts";
import {
  createModel,
  createTranslators,
  FOREIGN_KEYS,
  MODEL_NAMES,
  type ModelConfig,
  modelDefaults,
  needsPairs,
  type TrainModel,
  type Translators,
} from "./models.ts";
import { CYCLE_TERMS, PIX2PIX_GAN_TERMS } from "../losses/ablation.ts";
import { learningRate, LR_POLICY_NAMES, type LrPolicyName, type ScheduleUnit } from "./schedule.ts";
import { batchAt, describeSource, iterationsPerEpoch, type UnalignedSource } from "./data.ts";
import {
  CHECKPOINT_FORMAT,
  type CheckpointState,
  checkResumable,
  configHash,
  type DataCursor,
  latestCheckpoint,
  moveCheckpointsAside,
  restoreModel,
  saveCheckpoint,
  weightsDigest,
} from "./checkpoint.ts";
import { appendLine, ensureDir, joinPath, setWriteFaultHook } from "../io/atomic.ts";

/** The resolved configuration of one training run: the model's options plus the schedule's. */
export interface TrainConfig extends ModelConfig {
  /** `--batch_size`. */
  batch_size: number;
  /** `--n_epochs`: epochs (or iterations, see `lr_unit`) at the initial rate. */
  n_epochs: number;
  /** `--n_epochs_decay`: epochs (or iterations) of decay after them. */
  n_epochs_decay: number;
  /** `--epoch_count`: number of the first epoch; shifts the schedule. */
  epoch_count: number;
  /** `--lr_policy`. */
  lr_policy: LrPolicyName;
  /** What the schedule counts: `epoch` (official) or `iteration`. */
  lr_unit: ScheduleUnit;
  /** `--lr_decay_iters` (the `step` policy's period, in `lr_unit`). */
  lr_decay_iters: number;
  /** `--serial_batches`: visit images in order, B at `i mod |B|`. */
  serial_batches: boolean;
  /** Seed of every random stream of the run. */
  seed: number;
  /** Iterations between `loss_log.txt` lines. */
  print_freq: number;
  /** Iterations between checkpoints (0: only at the end). */
  save_latest_freq: number;
  /** Published checkpoints kept, newest first. */
  keep_checkpoints: number;
  /** Stop after this many iterations in all (null: run the whole schedule). */
  max_steps: number | null;
  /**
   * Every `print_freq` iterations, also measure the adversarial signal reaching the generators
   * (cyclegan.ts `probeGanSignal`: mean D output on fakes, norm of the GAN term's gradient) and
   * pass it to `onStep`. One extra forward/backward pass per measurement; training is unchanged.
   */
  probe: boolean;
}

/** Defaults: the official ones (`train_options.py`, `cycle_gan_model.py`) plus ours. */
export const TRAIN_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  ...CYCLEGAN_DEFAULTS,
  model: "cycle_gan" as const,
  direction: "AtoB" as const,
  lambda_L1: 100,
  batch_size: 1,
  n_epochs: 100,
  n_epochs_decay: 100,
  epoch_count: 1,
  lr_policy: "linear" as LrPolicyName,
  lr_unit: "epoch" as ScheduleUnit,
  lr_decay_iters: 50,
  serial_batches: false,
  seed: 0,
  print_freq: 100,
  save_latest_freq: 5000,
  keep_checkpoints: 2,
  max_steps: null,
  probe: false,
});

/**
 * Keys that change how a run is operated but not its results; they are left out of the config
 * hash, so a run can be resumed with, say, a larger `max_steps` or another checkpoint period.
 */
export const OPERATIONAL_KEYS: readonly (keyof TrainConfig)[] = Object.freeze([
  "print_freq",
  "save_latest_freq",
  "keep_checkpoints",
  "max_steps",
  "probe",
]);

const ALLOWED_KEYS = new Set<string>([...Object.keys(TRAIN_DEFAULTS), "n_layers_D"]);

/**
 * Fills in {@link TRAIN_DEFAULTS}, then the model's own defaults for the keys `input` leaves
 * out (models.ts `modelDefaults`: pix2pix's unet_256, batch norm, dropout, ...), and checks the
 * loop's own options; unknown keys and bad values are reported all at once, each naming the
 * option. (Architecture options are checked by the generator/discriminator registries when the
 * model is built.) The result is frozen.
 *
 * ```ts
 * resolveTrainConfig({ netG: "resnet_6blocks", batch_size: 4 });
 * resolveTrainConfig({ model: "pix2pix" }).netG; // "unet_256"
 * ```
 */
export function resolveTrainConfig(input: Partial<TrainConfig>): Readonly<TrainConfig> {
  const problems: string[] = [];
  const unknown = Object.keys(input).filter((k) => !ALLOWED_KEYS.has(k));
  if (unknown.length > 0) problems.push(`unknown option(s) ${unknown.join(", ")}`);
  const model = input.model ?? TRAIN_DEFAULTS.model;
  if (!MODEL_NAMES.includes(model)) {
    problems.push(`model: expected one of ${MODEL_NAMES.join(", ")}, got ${JSON.stringify(model)}`);
  }
  const c = {
    ...TRAIN_DEFAULTS,
    ...(MODEL_NAMES.includes(model) ? modelDefaults(model) : {}),
    ...input,
  } as TrainConfig;
  problems.push(...modelProblems(c));
  const int = (k: keyof TrainConfig, min: number) => {
    const v = c[k] as unknown;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      problems.push(`${k}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
  };
  int("batch_size", 1);
  int("n_epochs", 0);
  int("n_epochs_decay", 0);
  int("epoch_count", 1);
  int("lr_decay_iters", 1);
  int("seed", 0);
  int("print_freq", 1);
  int("save_latest_freq", 0);
  int("keep_checkpoints", 1);
  if (c.max_steps !== null) int("max_steps", 0);
  if (!LR_POLICY_NAMES.includes(c.lr_policy)) {
    problems.push(`lr_policy: expected one of ${LR_POLICY_NAMES.join(", ")}, got "${c.lr_policy}"`);
  }
  if (c.lr_unit !== "epoch" && c.lr_unit !== "iteration") {
    problems.push(`lr_unit: expected "epoch" or "iteration", got "${c.lr_unit}"`);
  }
  for (const k of ["serial_batches", "probe"] as const) {
    if (typeof c[k] !== "boolean") problems.push(`${k}: expected true or false, got ${c[k]}`);
  }
  if (problems.length > 0) {
    throw new RangeError(`Invalid training config: ${problems.join("; ")}`);
  }
  return Object.freeze(c);
}

/**
 * The model-dependent checks of a config, one message per problem: the loss ablation's shape
 * (CycleGAN `{gan, cycle}`, pix2pix `{l1, gan}`), `direction`, `lambda_L1`, and pix2pix's lack of
 * an image pool.
 *
 * ```ts
 * modelProblems({ ...TRAIN_DEFAULTS, model: "pix2pix", pool_size: 50 });
 * // ["pool_size: pix2pix has no image pool (official pool_size 0), got 50"]
 * ```
 */
export function modelProblems(c: Readonly<TrainConfig>): string[] {
  const problems: string[] = [];
  const loss = c.loss as unknown as Record<string, unknown>;
  const keys = loss && typeof loss === "object" ? Object.keys(loss).sort().join(",") : "";
  if (c.model === "pix2pix") {
    if (
      keys !== "gan,l1" || typeof loss.l1 !== "boolean" ||
      !PIX2PIX_GAN_TERMS.includes(loss.gan as never)
    ) {
      problems.push(
        `loss: pix2pix expects { l1: true | false, gan: ${PIX2PIX_GAN_TERMS.join(" | ")} }, got ${
          JSON.stringify(c.loss)
        }`,
      );
    } else if (loss.l1 === false && loss.gan === "none") {
      problems.push(`loss: { l1: false, gan: none } has no term to train`);
    }
    if (c.pool_size !== 0) {
      problems.push(
        `pool_size: pix2pix has no image pool (official pool_size 0), got ${c.pool_size}`,
      );
    }
  } else if (
    c.model === "cycle_gan" &&
    (keys !== "cycle,gan" || typeof loss.gan !== "boolean" ||
      !CYCLE_TERMS.includes(loss.cycle as never))
  ) {
    problems.push(
      `loss: cycle_gan expects { gan: true | false, cycle: ${CYCLE_TERMS.join(" | ")} }, got ${
        JSON.stringify(c.loss)
      }`,
    );
  }
  if (c.direction !== "AtoB" && c.direction !== "BtoA") {
    problems.push(`direction: expected "AtoB" or "BtoA", got ${JSON.stringify(c.direction)}`);
  }
  if (typeof c.lambda_L1 !== "number" || !(c.lambda_L1 >= 0) || !Number.isFinite(c.lambda_L1)) {
    problems.push(`lambda_L1: expected a finite number >= 0, got ${JSON.stringify(c.lambda_L1)}`);
  }
  return problems;
}

/**
 * What identifies a run's results: the config without {@link OPERATIONAL_KEYS} and without the
 * keys its model does not read (models.ts `FOREIGN_KEYS`: a CycleGAN config hashes as it did
 * before pix2pix existed), and the data's sizes, channels and fingerprint. Its
 * {@link configHash} is stored in every checkpoint.
 */
export function runIdentity(config: Readonly<TrainConfig>, source: UnalignedSource): unknown {
  return { config: identityConfig(config), data: describeSource(source) };
}

/**
 * A config as its run's identity hashes it: without {@link OPERATIONAL_KEYS} and without the keys
 * of other models (models.ts `FOREIGN_KEYS`).
 *
 * ```ts
 * "model" in identityConfig(TRAIN_DEFAULTS); // false: CycleGAN ids are unchanged
 * ```
 */
export function identityConfig(config: Readonly<Partial<TrainConfig>>): Record<string, unknown> {
  const hashed: Record<string, unknown> = { ...config };
  for (const k of OPERATIONAL_KEYS) delete hashed[k];
  for (const k of FOREIGN_KEYS[config.model ?? "cycle_gan"] ?? []) delete hashed[k];
  return hashed;
}

// ---------------------------------------------------------------------------------------------
// Fault injection (tests only)

/** The environment variable that injects faults; read by {@link faultsFromEnv} only. */
export const FAULT_ENV = "CYCLEBENCH_FAULT";

/** Parsed fault-injection spec: each a 1-based step (or write) number at which to fail. */
export interface Faults {
  /** SIGKILL the process right after the checkpoint of this step is published. */
  exitAfterCheckpoint?: number;
  /** SIGKILL the process after this step's checkpoint is written, before its rename. */
  exitBeforePublish?: number;
  /** Truncate a weight file in this step's unpublished checkpoint, then SIGKILL. */
  truncateCheckpoint?: number;
  /** Report the generator loss of this step as NaN (divergence). */
  nanAtStep?: number;
  /** Fail the Nth file write of the run with ENOSPC. */
  enospcAtWrite?: number;
}

const FAULT_FORMS: Record<string, keyof Faults> = {
  "exit-after-checkpoint:step": "exitAfterCheckpoint",
  "exit-before-publish:step": "exitBeforePublish",
  "truncate-checkpoint:step": "truncateCheckpoint",
  "nan-at-step": "nanAtStep",
  "enospc-at-write": "enospcAtWrite",
};

/**
 * Parses a fault spec: `;`-separated items of the forms `exit-after-checkpoint:step=N`,
 * `exit-before-publish:step=N`, `truncate-checkpoint:step=N`, `nan-at-step=N`,
 * `enospc-at-write=N`. An empty or missing spec means no faults.
 *
 * ```ts
 * parseFaults("exit-after-checkpoint:step=2"); // { exitAfterCheckpoint: 2 }
 * ```
 */
export function parseFaults(spec: string | undefined): Faults {
  const faults: Faults = {};
  for (const item of (spec ?? "").split(";").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z:-]+)=(\d+)$/.exec(item);
    const key = m ? FAULT_FORMS[m[1]] : undefined;
    if (!m || !key || Number(m[2]) < 1) {
      throw new RangeError(
        `Cannot parse ${FAULT_ENV} item "${item}": expected one of ${
          Object.keys(FAULT_FORMS).map((f) => `${f}=N`).join(", ")
        } with N >= 1`,
      );
    }
    faults[key] = Number(m[2]);
  }
  return faults;
}

/** The one place that reads {@link FAULT_ENV} (no env permission: no faults). */
export function faultsFromEnv(): Faults {
  const allowed = Deno.permissions.querySync({ name: "env", variable: FAULT_ENV });
  return parseFaults(allowed.state === "granted" ? Deno.env.get(FAULT_ENV) : undefined);
}

async function die(): Promise<never> {
  Deno.kill(Deno.pid, "SIGKILL");
  return await new Promise<never>(() => {});
}

// ---------------------------------------------------------------------------------------------
// The loop

/** How a run ended. */
export type TrainStatus = "completed" | "diverged" | "interrupted";

/** Options of {@link train} that are not part of the config. */
export interface TrainOptions {
  /** The images. */
  source: UnalignedSource;
  /** Run directory: `loss_log.txt` and `checkpoints/` go here. */
  dir: string;
  /** Name used in messages (default: `dir`). */
  runName?: string;
  /**
   * Start over even if checkpoints exist (also those of another config or format version);
   * the old `checkpoints/` folder is moved aside, never deleted.
   */
  restart?: boolean;
  /** Called after every finite step with the losses and the learning rate it used. */
  onStep?: (
    step: number,
    losses: Record<string, number>,
    lr: number,
    probe?: GanProbe,
  ) => void | Promise<void>;
  /**
   * Periodic evaluation: `run(step, model)` is called after every step that is a multiple of
   * `every` (> 0) and not the run's last (whose model the caller evaluates once training
   * returns), after `onStep` and before that step's checkpoint, so that a run resumed from the
   * checkpoint never evaluates a step twice. Evaluating must not change what is trained: the
   * BatchNorm running statistics (which networks applied in training mode update) are restored
   * afterwards, and a change of the model's random stream is an error.
   */
  evaluate?: { every: number; run: (step: number, model: TrainModel) => Promise<void> };
  /** Called after each checkpoint is published. */
  onCheckpoint?: (info: { step: number; epoch: number; path: string }) => void | Promise<void>;
  /** Receives console lines (loss lines, resume notes, warnings); default `console.log`. */
  log?: (line: string) => void;
  /** When aborted, the run finishes its step, checkpoints and returns `interrupted`. */
  signal?: AbortSignal;
  /** Return the trained model (the caller disposes it) instead of disposing it. */
  keepModel?: boolean;
  /** Per-step options, e.g. `{ checkpoint: recompute }` to save memory. */
  stepOptions?: StepOptions;
  /** A fault spec overriding the environment's (tests); see {@link parseFaults}. */
  faults?: string;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** `completed` (schedule or `max_steps` reached), `diverged` or `interrupted`. */
  status: TrainStatus;
  /** Iterations completed (including those before a resume). */
  step: number;
  /** Epoch number the next step would belong to. */
  epoch: number;
  /** Step of the checkpoint the run resumed from (null: started fresh). */
  resumedFrom: number | null;
  /** When diverged: the step and the non-finite losses. */
  diverged?: { step: number; losses: string[] };
  /** Losses of the last step run in this call (null if none ran), by the model's names. */
  losses: Record<string, number> | null;
  /** The newest published checkpoint (null if none). */
  checkpoint: string | null;
  /** {@link weightsDigest} of the final weights. */
  weightsSha256: string;
  /** The resolved config. */
  config: Readonly<TrainConfig>;
  /** The config hash stored in the checkpoints. */
  configHash: string;
  /** The model, with `keepModel` (the caller disposes it with its `dispose()`). */
  model?: TrainModel;
}

/**
 * The official loss line: `(epoch: 1, iters: 100, time: 0.123, data: 0.001) D_A: 0.250 ...`,
 * the losses in the order given (the model's `lossNames`; default: the order of `losses`).
 *
 * ```ts
 * lossLine({ epoch: 1, iters: 1, time: 0.1, data: 0 }, { G_GAN: 0.7, G_L1: 30 });
 * ```
 */
export function lossLine(
  at: { epoch: number; iters: number; time: number; data: number },
  losses: Readonly<Record<string, number>>,
  names: readonly string[] = Object.keys(losses),
): string {
  let line = `(epoch: ${at.epoch}, iters: ${at.iters}, time: ${at.time.toFixed(3)}, data: ${
    at.data.toFixed(3)
  }) `;
  for (const k of names) line += `${k}: ${losses[k].toFixed(3)} `;
  return line;
}

/**
 * Trains (or resumes) one CycleGAN run in `options.dir`. See the module doc for what is
 * deterministic and what is saved. Throws on invalid config, on a checkpoint of another config
 * or format ({@link checkResumable}'s message, unless `restart`), and on I/O errors (naming the
 * path). Only one model may be alive per process under the same labels, so a kept model must
 * be disposed before the next `train` call.
 *
 * ```ts
 * const r = await train({ ...config, max_steps: 6 }, { source, dir: "results/run1" });
 * if (r.status === "diverged") console.log(`diverged at step ${r.diverged!.step}`);
 * ```
 */
export async function train(
  config: Partial<TrainConfig>,
  options: TrainOptions,
): Promise<TrainResult> {
  const c = resolveTrainConfig(config);
  const { source, dir } = options;
  const run = options.runName ?? dir;
  const log = options.log ?? ((line: string) => console.log(line));
  const faults = options.faults !== undefined ? parseFaults(options.faults) : faultsFromEnv();
  checkSource(c, source);
  const hash = await configHash(runIdentity(c, source));
  const ckptDir = joinPath(dir, "checkpoints");
  const logPath = joinPath(dir, "loss_log.txt");
  await ensureDir(dir);

  if (options.restart) {
    const moved = await moveCheckpointsAside(ckptDir);
    if (moved) log(`restart: moved the old checkpoints of run "${run}" to "${moved}"`);
  }
  const found = await latestCheckpoint(ckptDir, { repair: true, onWarning: log });
  if (found) checkResumable(found.state, { configHash: hash, run });

  if (faults.enospcAtWrite !== undefined) {
    let writes = 0;
    const at = faults.enospcAtWrite;
    setWriteFaultHook(() => {
      if (++writes === at) {
        throw Object.assign(new Error("No space left on device (injected)"), { code: "ENOSPC" });
      }
    });
  }

  const root = new Rng(c.seed);
  const model = createModel(c, root.fork());
  const dataRng = root.fork();
  const orderSeed = root.nextU32() & 0x1fffff;
  let step = 0;
  let cursor: DataCursor = { epoch: c.epoch_count, iteration: 0, orderSeed };
  let resumedFrom: number | null = null;
  let lastCheckpoint: string | null = null;
  let savedAt = -1;
  let keep = false;
  try {
    if (found) {
      await restoreModel(model, found);
      dataRng.setState(found.state.rng.data);
      step = found.state.step;
      cursor = { ...found.state.cursor };
      resumedFrom = step;
      lastCheckpoint = found.path;
      savedAt = step;
    }
    await appendLine(
      logPath,
      `================ Training Loss (${new Date().toString()}) ================`,
    );
    if (resumedFrom !== null) {
      const note = `resumed at step ${resumedFrom} (epoch ${cursor.epoch}) from "${found!.path}"`;
      log(note);
      await appendLine(logPath, note);
    }

    const perEpoch = iterationsPerEpoch(source, c.batch_size);
    const lastEpoch = c.n_epochs + c.n_epochs_decay;
    const stepLimit = Math.min(
      c.lr_unit === "iteration" ? c.n_epochs + c.n_epochs_decay : Infinity,
      c.max_steps ?? Infinity,
    );
    // The step the run ends at (as lib/sweep/plan.ts totalSteps): no periodic evaluation there.
    const lastStep = Math.min(
      stepLimit,
      c.lr_unit === "epoch" ? Math.max(0, lastEpoch - c.epoch_count + 1) * perEpoch : Infinity,
    );
    const evalEvery = options.evaluate?.every ?? 0;
    const lrAt = (epoch: number, iteration: number) =>
      learningRate(c.lr, { epoch: epoch - c.epoch_count, iteration }, {
        policy: c.lr_policy,
        unit: c.lr_unit,
        nEpochs: c.n_epochs,
        nEpochsDecay: c.n_epochs_decay,
        epochCount: c.lr_unit === "epoch" ? c.epoch_count : 1,
        lrDecayIters: c.lr_decay_iters,
      });

    const checkpoint = async () => {
      const state: CheckpointState = {
        format: CHECKPOINT_FORMAT,
        step,
        epoch: cursor.epoch,
        cursor: { ...cursor },
        schedule: { epoch: cursor.epoch - c.epoch_count, iteration: step },
        rng: { model: model.rng.state(), data: dataRng.state() },
        config: c,
        data: describeSource(source),
        configHash: hash,
        backend: tf.getBackend(),
      };
      const path = await saveCheckpoint(ckptDir, { model, state }, {
        keep: c.keep_checkpoints,
        beforePublish: async (tmp) => {
          if (faults.truncateCheckpoint === step) {
            const f = joinPath(tmp, "net_G_A.bin");
            await Deno.truncate(f, Math.floor((await Deno.stat(f)).size / 2));
            await die();
          }
          if (faults.exitBeforePublish === step) await die();
        },
      });
      lastCheckpoint = path;
      savedAt = step;
      await options.onCheckpoint?.({ step, epoch: cursor.epoch, path });
      if (faults.exitAfterCheckpoint === step) await die();
    };

    let status: TrainStatus = "completed";
    let diverged: TrainResult["diverged"];
    let losses: Record<string, number> | null = null;
    let lr = NaN;
    let tData = 0;
    while (true) {
      if (c.lr_unit === "epoch" && cursor.epoch > lastEpoch) break;
      if (step >= stepLimit) break;
      // A step awaits only promises that settle without a turn of the event loop (tfjs
      // kernels, `writeSync` progress), so a signal's listener, which runs on such a turn, would
      // wait for the next real I/O: the loss-log line of the next `print_freq` step (a TERM took
      // 2 min 14 s at print_freq 100 and 0.8 it/s, issue 17). One timer turn per step lets it
      // run, so an abort takes effect within one step; what the step computes is unchanged.
      await eventLoopTurn();
      if (options.signal?.aborted) {
        status = "interrupted";
        break;
      }
      const newLr = lrAt(cursor.epoch, step);
      if (newLr !== lr && !Number.isNaN(lr)) {
        log(`learning rate ${lr.toFixed(7)} -> ${newLr.toFixed(7)}`);
      }
      lr = newLr;
      model.setLearningRate(lr);

      const t0 = performance.now();
      const batch = batchAt(source, {
        epoch: cursor.epoch,
        iteration: cursor.iteration,
        batchSize: c.batch_size,
        orderSeed: cursor.orderSeed,
        serial: c.serial_batches,
      }, dataRng);
      const t1 = performance.now();
      tData = (t1 - t0) / 1000;
      let probe: GanProbe | undefined;
      try {
        if (c.probe && model.probe && (step + 1) % c.print_freq === 0) {
          // Measured before the step, on the step's own batch and parameters.
          probe = await isolated(model, () => model.probe!(batch.A, batch.B));
        }
        losses = await model.step(batch.A, batch.B, options.stepOptions);
      } finally {
        tf.dispose([batch.A, batch.B]);
      }
      const tComp = (performance.now() - t1) / 1000 / c.batch_size;
      step++;
      if (faults.nanAtStep === step) losses = { ...losses, [model.lossNames[1]]: NaN };

      const bad = model.lossNames.filter((k) => !Number.isFinite(losses![k]));
      if (bad.length > 0) {
        status = "diverged";
        diverged = { step, losses: bad };
        const note = `diverged at step ${step} (epoch ${cursor.epoch}): non-finite ${
          bad.join(", ")
        }; keeping the last finite checkpoint ${lastCheckpoint ?? "(none)"}`;
        log(note);
        await appendLine(logPath, note);
        break;
      }
      const iters = (cursor.iteration + 1) * c.batch_size;
      await options.onStep?.(step, losses, lr, probe);
      if (step % c.print_freq === 0) {
        const line = lossLine(
          { epoch: cursor.epoch, iters, time: tComp, data: tData },
          losses,
          model.lossNames,
        );
        log(line);
        await appendLine(logPath, line);
      }
      if (evalEvery > 0 && step % evalEvery === 0 && step < lastStep) {
        const at = step;
        await isolated(model, () => options.evaluate!.run(at, model));
      }
      // End of epoch: the official scheduler steps here (the next epoch's rate is lrAt(...)).
      cursor = cursor.iteration + 1 >= perEpoch
        ? { ...cursor, epoch: cursor.epoch + 1, iteration: 0 }
        : { ...cursor, iteration: cursor.iteration + 1 };
      if (c.save_latest_freq > 0 && step % c.save_latest_freq === 0) await checkpoint();
    }
    if (status !== "diverged" && savedAt !== step) await checkpoint();

    const weightsSha256 = await weightsDigest(model);
    keep = options.keepModel === true;
    return {
      status,
      step,
      epoch: cursor.epoch,
      resumedFrom,
      ...(diverged ? { diverged } : {}),
      losses,
      checkpoint: lastCheckpoint,
      weightsSha256,
      config: c,
      configHash: hash,
      ...(keep ? { model } : {}),
    };
  } finally {
    if (faults.enospcAtWrite !== undefined) setWriteFaultHook(undefined);
    if (!keep) model.dispose();
  }
}

/** Resolves after one turn of the event loop (a timer), where signal listeners run. */
function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs `fn` (an evaluation) so that training cannot tell it ran: the networks' BatchNorm
 * running statistics are put back afterwards (the official test.py applies the networks in
 * training mode, which updates them), and `fn` must not draw from the model's random stream
 * (evaluations seed their own dropout stream); if it did, this throws.
 */
async function isolated<T>(model: TrainModel, fn: () => Promise<T>): Promise<T> {
  const buffers = Object.values(model.networks).flatMap((n) => Object.values(n.buffers));
  const saved = buffers.map((b) => tf.clone(b));
  const rng = JSON.stringify(model.rng.state());
  let out: T;
  try {
    out = await fn();
  } finally {
    buffers.forEach((b, i) => b.assign(saved[i]));
    tf.dispose(saved);
  }
  if (JSON.stringify(model.rng.state()) !== rng) {
    throw new Error("an evaluation drew from the model's random stream; it must seed its own");
  }
  return out;
}

/**
 * The untrained generators of a run: G_A and G_B (pix2pix: its G, under the direction it
 * translates) exactly as {@link train} initialises them for this config and seed, before its
 * first step (the "untrained" floor of an evaluation), with `@step0` in their variable names so
 * that they can live beside the run's model. The caller disposes them.
 *
 * ```ts
 * const { G_A, G_B } = initialGenerators({ netG: "resnet_6blocks", ngf: 8, seed: 7 });
 * ```
 */
export function initialGenerators(config: Partial<TrainConfig>): Translators {
  const c = resolveTrainConfig(config);
  // train(): the model is built from the first fork of Rng(seed); the generators are its
  // first forks (createCycleGan: G_A, G_B; createPix2Pix: G).
  return createTranslators(c, new Rng(c.seed).fork(), "@step0");
}

/** The CycleGAN options inside a training config (n_layers_D only when it applies). */
export function modelOptions(c: Readonly<TrainConfig>): CycleGanOptions {
  if (c.model !== "cycle_gan") {
    throw new Error(`modelOptions() gives CycleGAN options; this config's model is ${c.model}`);
  }
  const o: CycleGanOptions = {
    netG: c.netG,
    netD: c.netD,
    ngf: c.ngf,
    ndf: c.ndf,
    norm: c.norm,
    no_dropout: c.no_dropout,
    init_type: c.init_type,
    init_gain: c.init_gain,
    input_nc: c.input_nc,
    output_nc: c.output_nc,
    gan_mode: c.gan_mode,
    lambda_A: c.lambda_A,
    lambda_B: c.lambda_B,
    lambda_identity: c.lambda_identity,
    lambda_gp: c.lambda_gp,
    pool_size: c.pool_size,
    lr: c.lr,
    beta1: c.beta1,
    loss: c.loss as CycleGanOptions["loss"],
    g_step: c.g_step,
  };
  if (c.n_layers_D !== undefined) o.n_layers_D = c.n_layers_D;
  return o;
}

function checkSource(c: Readonly<TrainConfig>, src: UnalignedSource): void {
  const problems: string[] = [];
  if (needsPairs(c.model) && !src.paired) {
    problems.push(
      `model ${c.model} trains on aligned pairs, and this data is unpaired (scenes and folder ` +
        `give pairs when the model needs them; a folder needs the aligned layout or trainA/ ` +
        `and trainB/ files with matching names)`,
    );
  }
  if (src.channelsA !== c.input_nc) {
    problems.push(`domain A has ${src.channelsA} channels but input_nc is ${c.input_nc}`);
  }
  if (src.channelsB !== c.output_nc) {
    problems.push(`domain B has ${src.channelsB} channels but output_nc is ${c.output_nc}`);
  }
  if (src.sizeA < 1 || src.sizeB < 1) {
    problems.push(`domains need at least one image each (A ${src.sizeA}, B ${src.sizeB})`);
  }
  const [h, w] = src.imageSize;
  const g = checkGeneratorSize(c.netG, h, w);
  if (g) problems.push(g);
  const dOpts = {
    ndf: c.ndf,
    norm: c.norm,
    ...(c.netD === "n_layers" ? { n_layers_D: c.n_layers_D ?? 3 } : {}),
  };
  const d = checkDiscriminatorSize(c.netD, h, w, dOpts);
  if (d) problems.push(d);
  if (problems.length > 0) {
    throw new RangeError(`Cannot train on this data: ${problems.join("; ")}`);
  }
}

/**
 * Declarative sweeps: an experiment YAML plus axes (an ablation YAML) becomes runs with stable
 * ids, each trained in a worker process, resumable however often the process is killed.
 * `deno task ablate` (lib/cli/ablate.ts) is the command; this module is its library.
 *
 * | module        | what                                                                   |
 * |---------------|------------------------------------------------------------------------|
 * | `yaml.ts`     | YAML with file:line:col positions; `ConfigError` with every problem     |
 * | `schema.ts`   | the experiment schema, composed from the registries; cross-field rules  |
 * | `ablation.ts` | ablation files: variants x grid x zip x seeds, values traced to files   |
 * | `plan.ts`     | run ids (name + identity hash), seeds from ids, duplicates, shards     |
 * | `run_dir.ts`  | run directory layout, `status.json`, states found on disk              |
 * | `lock.ts`     | sweep and run locks (`createNew`, pid/host/start, dead-holder reclaim)  |
 * | `run.ts`      | one run in a worker: train, evaluate, `metrics.jsonl`, `status.json`    |
 * | `worker.ts`   | the worker process                                                     |
 * | `sweep.ts`    | the scheduler: jobs, skip/resume, signals, stale runs, `sweep.json`     |
 * | `evaluate.ts` | the final evaluation: paired L1/PSNR/SSIM, FID/KID, segmentation scores, |
 * |               | floors (identity, untrained G), bootstrap intervals over test images    |
 * | `progress.ts` | live progress lines on a terminal, plain lines elsewhere               |
 * | `slurm.ts`    | `--emit slurm`: the job array, the report job after it, `submit.sh`     |
 * | `status.ts`   | `--status`: per shard, each run done, running (step, host), failed ...  |
 * | `clean.ts`    | `deno task clean`: old checkpoints, `*.restarted-*`, the image cache    |
 *
 * ```ts
 * import { formatListing, listSweep, planSweep, runSweep } from "./mod.ts";
 * const plan = await planSweep("ablations/smoke.yaml");          // throws ConfigError
 * console.log(formatListing(plan, await listSweep(plan)));       // the dry run
 * const result = await runSweep(plan, { out: "results/smoke", jobs: 2 });
 * console.log(`${result.notCompleted} run(s) did not complete`);
 * ```
 * @module
 */
export { type Claim, claimSchema, claimVariants, type Prediction } from "./claims.ts";
export {
  ConfigError,
  type ConfigProblem,
  formatProblems,
  parseYaml,
  readYaml,
  type SourcePos,
  type YamlFile,
} from "./yaml.ts";
export {
  allowedKeysAt,
  BACKEND_CHOICES,
  checkExperiment,
  type CheckResult,
  CYCLE_TERMS,
  EXPERIMENT_KEYS,
  type ExperimentConfig,
  experimentDefaults,
  isConfigKeyPath,
  type KeyPath,
  predictedImageSize,
  type RunEvalOptions,
  runEvalSchema,
  type SchemaProblem,
  type SizedArch,
  sizeProblems,
  TRAIN_KEYS,
} from "./schema.ts";
export {
  type AblationFile,
  ablationSchema,
  AXIS_LABELS,
  type AxisValue,
  configDiff,
  expandAblation,
  type ExpandedRun,
  type ExpandedSweep,
  type Origin,
  placeProblems,
  relativeTo,
} from "./ablation.ts";
export {
  DATASET_OPERATIONAL_KEYS,
  datasetOptions,
  type Duplicate,
  globToRegExp,
  matchesRun,
  openRunDataset,
  type PlanOptions,
  planSweep,
  RUN_ID_VERSION,
  runIdentity,
  type RunSpec,
  shardRuns,
  SHORT_HASH,
  type SweepPlan,
  totalSteps,
  trainConfigOf,
  trainSeed,
} from "./plan.ts";
export {
  describeState,
  EVAL_RECORD_VERSION,
  evalConfigHash,
  findRunDirs,
  type FoundRunDir,
  newestCheckpointStep,
  pendingStatus,
  readStatus,
  RUN_STATUSES,
  runPaths,
  runsDir,
  type RunState,
  runState,
  type RunStatus,
  type RunStatusName,
  sameEvalConfig,
  stepGridName,
  stepOfGridName,
  writeStatus,
} from "./run_dir.ts";
export {
  acquireLock,
  holderAlive,
  hostName,
  type Lock,
  LockBusyError,
  type LockInfo,
  type LockOptions,
  readLock,
} from "./lock.ts";
export {
  checkSameBackend,
  type ExecuteOptions,
  executeRun,
  type ResolvedRunFile,
  type RunEvent,
  totals,
  trimGrids,
  trimMetrics,
} from "./run.ts";
export { EVENT_PREFIX, parseEvent, type WorkRequest } from "./worker.ts";
export {
  defaultOut,
  formatListing,
  type ListedRun,
  listSweep,
  REPO_ROOT,
  resolvedFile,
  runSweep,
  type SweepListing,
  type SweepOptions,
  type SweepResult,
  WorkerProcess,
} from "./sweep.ts";
export {
  BOOTSTRAP_DEFAULTS,
  type BootstrapIntervals,
  type BootstrapOptions,
  DIRECTIONS,
  type DirectionScores,
  EVAL_METRIC_NAMES,
  type EvalMetricName,
  type EvalOptions,
  evalSchema,
  type EvalScores,
  type EvaluateExtras,
  evaluateRun,
  type FloorComparison,
  type FloorScores,
  segApplies,
} from "./evaluate.ts";
export { formatDuration, ProgressBoard, type ProgressOptions } from "./progress.ts";
export {
  sbatchLineProblem,
  shardsOfScript,
  shellQuote,
  SIGNAL_BEFORE_DEFAULT,
  signalBefore,
  SLURM_KEYS,
  type SlurmFiles,
  slurmFiles,
  type SlurmOptions,
  slurmSchema,
  slurmScript,
  type SlurmSettings,
  slurmSettingsProblems,
  slurmTimeSeconds,
} from "./slurm.ts";
export {
  formatStatus,
  STATUS_KINDS,
  type StatusKind,
  statusKind,
  type StatusOptions,
} from "./status.ts";
export {
  applyClean,
  CLEAN_KINDS,
  type CleanItem,
  type CleanKind,
  type CleanPlan,
  diskBytes,
  formatBytes,
  planClean,
} from "./clean.ts";
/** Types from other rooms that this module's signatures use. */
export type { TrainConfig } from "../train/loop.ts";
export type { DataDescription, Domain, UnalignedSource } from "../train/data.ts";
export type { CycleGanOptions, StepLosses } from "../train/cyclegan.ts";
export type { LrPolicyName, ScheduleUnit } from "../train/schedule.ts";
export type { Dataset, DatasetName, ImageSet, TestSplit } from "../data/mod.ts";
export type { dataset } from "../data/mod.ts";
export type { ApplyOptions, Network } from "../nn/network.ts";
export type { Module } from "../nn/module.ts";
export type { Rng } from "../nn/rng.ts";
export type { Tensor3D, Tensor4D, Variable } from "@tensorflow/tfjs-core";
export type { ZodType } from "zod";

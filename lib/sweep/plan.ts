/**
 * From an expanded ablation to runs with stable ids.
 *
 * A run's id is `<name>-<hash>`: the readable name from the axis values that vary
 * (`netG=unet_128,gan_mode=lsgan,idt=0`), and the first {@link SHORT_HASH} hex digits of the
 * SHA-256 of its identity:
 *
 * - the canonical resolved training config without loop.ts `identityConfig` keys (so a larger
 *   `max_steps` resumes the same run instead of starting another),
 * - the dataset kind and its options without {@link DATASET_OPERATIONAL_KEYS},
 * - the data as the trainer sees it: sizes, channels, crop size and the dataset's fingerprint,
 * - the backend the run trains on, `auto` resolved where the sweep is planned (`native` where
 *   oneDNN opens, else `wasm`, ...): float rounding differs between backends and a few hundred
 *   GAN steps amplify it, so runs on two backends are two runs, never mixed in a table or
 *   resumed into each other,
 * - the checkpoint format version and {@link RUN_ID_VERSION}.
 *
 * The run's training seed is derived from that hash ({@link trainSeed}), not from its position,
 * so reordering the runs, `--only`, `--shard` or adding a variant never changes another run's
 * results (reliability.md, test 3). The config's own `seed` (the `seeds:` axis) is part of the
 * hash, so two seeds give two runs with unrelated streams. Two grid points with the same hash
 * are one run: reported, and run once.
 *
 * ```ts
 * import { planSweep } from "./plan.ts";
 * const plan = await planSweep("ablations/smoke.yaml");
 * for (const r of plan.runs) console.log(r.id, r.totalSteps);
 * ```
 * @module
 */
import type { Claim } from "./claims.ts";
import type { SlurmSettings } from "./slurm.ts";
import { ConfigError, type ConfigProblem } from "./yaml.ts";
import { expandAblation, type ExpandedRun, placeProblems } from "./ablation.ts";
import { type ExperimentConfig, type SchemaProblem, sizeProblems, TRAIN_KEYS } from "./schema.ts";
import { canonicalJson, CHECKPOINT_FORMAT, configHash } from "../train/checkpoint.ts";
import { identityConfig, type TrainConfig } from "../train/loop.ts";
import { type ModelName, needsPairs } from "../train/models.ts";
import {
  type DataDescription,
  describeSource,
  iterationsPerEpoch,
  type UnalignedSource,
} from "../train/data.ts";
import { type Dataset, DatasetError, type DatasetName, openDataset } from "../data/mod.ts";
import { resolveAuto } from "../backend/mod.ts";

/**
 * Bumped when the id recipe changes (every run would then get a new id). 2: the backend the run
 * trains on is part of the identity.
 */
export const RUN_ID_VERSION = 2;

/** Hex digits of the identity hash in a run id. */
export const SHORT_HASH = 10;

/**
 * Dataset options that say where the images are and how they are cached, not what they are
 * (the fingerprint covers the images themselves), so they stay out of the run id.
 */
export const DATASET_OPERATIONAL_KEYS: readonly string[] = Object.freeze([
  "dataroot",
  "packages_dir",
  "cache_dir",
  "memory_cache_mb",
]);

/** One run of a sweep. */
export interface RunSpec {
  /** 1-based position in the expansion order (for messages and test hooks only). */
  position: number;
  /** `<name>-<short hash>`: the run's directory name and handle. */
  id: string;
  /** Readable name from the varying axis values. */
  name: string;
  /** Full SHA-256 of the run's identity. */
  hash: string;
  /** Axis -> value for every axis of the sweep (varying or not). */
  axes: Record<string, unknown>;
  /** The resolved experiment config (with the user's `seed`). */
  config: ExperimentConfig;
  /** The trainer's config: `config`'s training keys with the derived seed. */
  train: TrainConfig;
  /** The seed the trainer gets, derived from {@link RunSpec.hash}. */
  trainSeed: number;
  /** What the run changes relative to the experiment. */
  diff: Record<string, { from: unknown; to: unknown }>;
  /** The data as the trainer sees it. */
  data: DataDescription;
  /** Iterations the run trains in all. */
  totalSteps: number;
}

/** A grid point that resolved to the same run as an earlier one. */
export interface Duplicate {
  /** Its readable name. */
  name: string;
  /** Its position in the expansion order. */
  position: number;
  /** The id of the run it duplicates. */
  sameAs: string;
}

/** An expanded, validated sweep with ids. */
export interface SweepPlan {
  /** The sweep's name (`results/<name>/`). */
  name: string;
  /** The ablation file. */
  file: string;
  /** The experiment file. */
  experimentFile: string;
  /** The runs, in expansion order, duplicates removed. */
  runs: RunSpec[];
  /** Grid points dropped as duplicates. */
  duplicates: Duplicate[];
  /** The variant others are compared against (`compare_to`), when the file names one. */
  compareTo?: string;
  /** The main metric (`main_metric`, `<direction>.<metric>`), when the file names one. */
  mainMetric?: string;
  /** The claims the sweep tests (`claims:`), when the file has them. */
  claims?: Claim[];
  /** The cluster settings of `--emit slurm` (`slurm:`), when the file has them. */
  slurm?: SlurmSettings;
  /** What the expansion changed on its own (a dropped `seg`, `--dataroot`), to print. */
  notes?: string[];
}

/** Options of {@link planSweep}. */
export interface PlanOptions {
  /**
   * Open datasets without writing anything (a folder dataset's disk cache off): for
   * `--dry-run`, which must not write a byte.
   */
  readOnly?: boolean;
  /** Every run's backend (`--backend`), instead of the config's; `auto` is resolved here. */
  backend?: string;
  /**
   * How `auto` is resolved (default {@link resolveAuto}, memoised per process): tests pass a
   * fixed answer.
   */
  resolveAuto?: () => Promise<string>;
  /** Every run on this folder instead of its dataset (`--dataroot`; see ExpandOptions). */
  dataroot?: string;
}

let autoPick: Promise<string> | undefined;

/** What `auto` picks on this machine (probed once per process). */
export function autoBackend(): Promise<string> {
  autoPick ??= resolveAuto().then((r) => r.name);
  return autoPick;
}

/**
 * The backend a run trains on: `--backend` or the config's, with `auto` resolved on this
 * machine. A run's id hashes it ({@link runIdentity}).
 */
export async function concreteBackend(
  choice: string,
  resolve: () => Promise<string> = autoBackend,
): Promise<string> {
  return choice === "auto" ? await resolve() : choice;
}

/** The training keys of an experiment config, as {@link TrainConfig}. */
export function trainConfigOf(config: ExperimentConfig): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const k of TRAIN_KEYS) {
    const v = (config as unknown as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as TrainConfig;
}

/** The run's training seed: the first 52 bits of its identity hash. */
export function trainSeed(hash: string): number {
  return parseInt(hash.slice(0, 13), 16);
}

/** Iterations a config trains on a source (the loop's stopping rule). */
export function totalSteps(c: TrainConfig, source: UnalignedSource): number {
  const schedule = c.lr_unit === "iteration"
    ? c.n_epochs + c.n_epochs_decay
    : Math.max(0, c.n_epochs + c.n_epochs_decay - c.epoch_count + 1) *
      iterationsPerEpoch(source, c.batch_size);
  return Math.min(schedule, c.max_steps ?? Infinity);
}

/** What a run's id hashes (see the module doc); `config.backend` must be concrete (not auto). */
export function runIdentity(config: ExperimentConfig, data: DataDescription): unknown {
  // Without the operational keys and those of other models (a CycleGAN run's id is unchanged).
  const train = identityConfig(trainConfigOf(config));
  const dataset: Record<string, unknown> = { ...config.dataset };
  for (const k of DATASET_OPERATIONAL_KEYS) delete dataset[k];
  return {
    version: RUN_ID_VERSION,
    checkpoint_format: CHECKPOINT_FORMAT,
    train,
    dataset,
    data,
    backend: config.backend,
  };
}

/** The options to open a run's dataset with (channels from the top level). */
export function datasetOptions(
  config: ExperimentConfig,
  readOnly = false,
): { name: DatasetName; options: Record<string, unknown> } {
  const { name, ...options } = config.dataset;
  const o: Record<string, unknown> = {
    ...options,
    input_nc: config.input_nc,
    output_nc: config.output_nc,
  };
  if (readOnly && "cache_dir" in o) o.cache_dir = null;
  return { name: name as DatasetName, options: o };
}

/** Opens a run's dataset (quietly: it collects what it skips, and executeRun reports that). */
export async function openRunDataset(config: ExperimentConfig, readOnly = false): Promise<Dataset> {
  const { name, options } = datasetOptions(config, readOnly);
  return await openDataset(name, options as never, {
    warn: () => {},
    paired: needsPairs(modelOfConfig(config)),
  });
}

/** The model kind of a resolved config (a CycleGAN config names none). */
function modelOfConfig(config: ExperimentConfig): ModelName {
  return (config as { model?: ModelName }).model ?? "cycle_gan";
}

/**
 * Expands, validates and identifies every run of an ablation (or experiment) file. Throws a
 * {@link ConfigError} listing every problem, including datasets that cannot be opened and size
 * rules that need the images.
 */
export async function planSweep(file: string, options: PlanOptions = {}): Promise<SweepPlan> {
  const sweep = await expandAblation(file, { dataroot: options.dataroot });
  const opened = new Map<string, Promise<Dataset>>();
  const found: { run: ExpandedRun; problem: SchemaProblem }[] = [];
  const identified: { run: ExpandedRun; data: DataDescription; hash: string; steps: number }[] = [];
  for (const run of sweep.runs) {
    run.config = {
      ...run.config,
      backend: await concreteBackend(options.backend ?? run.config.backend, options.resolveAuto),
    };
    const paired = needsPairs(modelOfConfig(run.config));
    const key = canonicalJson({ ...datasetOptions(run.config, options.readOnly), paired });
    if (!opened.has(key)) opened.set(key, openRunDataset(run.config, options.readOnly));
    let ds: Dataset;
    try {
      ds = await opened.get(key)!;
    } catch (e) {
      if (!(e instanceof DatasetError)) throw e;
      found.push({ run, problem: { path: ["dataset"], message: e.message } });
      continue;
    }
    const train = trainConfigOf(run.config);
    if (paired && !ds.train.paired) {
      found.push({
        run,
        problem: {
          path: ["model"],
          message:
            `model ${
              modelOfConfig(run.config)
            } trains on aligned pairs, and dataset ${run.config.dataset.name} gives unpaired ` +
            `images (scenes and folder give pairs: a folder in the aligned layout, ` +
            `dataset_mode: aligned, or with trainA/ and trainB/ files of the same names)`,
        },
      });
      continue;
    }
    const sizeIssues = sizeProblems(train, ds.train.imageSize);
    if (sizeIssues.length > 0) {
      found.push(...sizeIssues.map((problem) => ({ run, problem })));
      continue;
    }
    const data = describeSource(ds.train);
    const hash = await configHash(runIdentity(run.config, data));
    identified.push({ run, data, hash, steps: totalSteps(train, ds.train) });
  }
  if (found.length > 0) {
    const problems: ConfigProblem[] = placeProblems(sweep, found);
    throw new ConfigError(problems);
  }

  const runs: RunSpec[] = [];
  const duplicates: Duplicate[] = [];
  const byHash = new Map<string, RunSpec>();
  for (const { run, data, hash, steps } of identified) {
    const seen = byHash.get(hash);
    if (seen) {
      duplicates.push({ name: run.name, position: run.position, sameAs: seen.id });
      continue;
    }
    const seed = trainSeed(hash);
    const spec: RunSpec = {
      position: run.position,
      id: `${run.name}-${hash.slice(0, SHORT_HASH)}`,
      name: run.name,
      hash,
      axes: Object.fromEntries(run.axes.map((a) => [a.axis, a.value])),
      config: run.config,
      train: { ...trainConfigOf(run.config), seed },
      trainSeed: seed,
      diff: run.diff,
      data,
      totalSteps: steps,
    };
    byHash.set(hash, spec);
    runs.push(spec);
  }
  return {
    name: sweep.name,
    file: sweep.file,
    experimentFile: sweep.experimentFile,
    runs,
    duplicates,
    ...(sweep.compareTo !== undefined ? { compareTo: sweep.compareTo } : {}),
    ...(sweep.mainMetric !== undefined ? { mainMetric: sweep.mainMetric } : {}),
    ...(sweep.claims !== undefined ? { claims: sweep.claims } : {}),
    ...(sweep.slurm !== undefined ? { slurm: sweep.slurm } : {}),
    ...(sweep.notes.length > 0 ? { notes: sweep.notes } : {}),
  };
}

/** `*` and `?` glob over a whole string. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Whether a run is picked by `--only`/`--restart` patterns (id, name or hash prefix). */
export function matchesRun(
  run: Pick<RunSpec, "id" | "name" | "hash">,
  patterns: string[],
): boolean {
  return patterns.some((p) => {
    const re = globToRegExp(p);
    return re.test(run.id) || re.test(run.name) ||
      (/^[0-9a-f]{4,}$/.test(p) && run.hash.startsWith(p));
  });
}

/**
 * The runs of shard `k` of `n` (1-based `k`): every n-th run in expansion order, starting at
 * the k-th, so the shards are disjoint, cover every run, and differ in size by at most one.
 */
export function shardRuns<T>(runs: readonly T[], shard: { k: number; n: number }): T[] {
  return runs.filter((_, i) => i % shard.n === shard.k - 1);
}

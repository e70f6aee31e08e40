/**
 * Ablation files: an experiment plus axes, expanded into one config per grid point, every
 * value traced back to the file, line and column it came from.
 *
 * ```yaml
 * name: gan_loss                    # results/<name>/ (default: the file name)
 * experiment: ../experiments/scenes_default.yaml   # relative to this file
 * set: { lambda_identity: 0 }       # overrides for every run
 * variants:                         # named partial configs (default: one, the experiment)
 *   - { name: cyclegan, set: {} }
 *   - { name: gan_alone, set: { loss.cycle: none } }
 * grid: { gan_mode: [vanilla, lsgan] }          # Cartesian product
 * zip: { ngf: [4, 8], ndf: [4, 8] }             # taken together, position by position
 * seeds: [0, 1, 2]
 * slurm: { partition: cpu, time: "4:00:00", mem: 8G }   # --emit slurm's cluster settings
 * ```
 *
 * Runs = variants x grid product x zip tuples x seeds, in that nesting order (the last axis
 * varies fastest). Axis keys name any config key, dotted for nested ones (`loss.cycle`,
 * `dataset.size`). Later layers win: experiment < `set` < variant < grid < zip < seed.
 *
 * A YAML file without an `experiment:` key is an experiment itself: a sweep of one run. An
 * empty file, or one with sweep keys (`variants:`, `seeds:`, ...) but no `experiment:`, is an
 * error saying what is missing (an empty file would otherwise train the official defaults).
 *
 * A `dataset:` whose `name` differs from the one in force replaces the dataset block instead of
 * merging into it (`set: { dataset: { name: folder, dataroot: datasets/mine } }` drops the
 * experiment's `scenes` options `size`, `train_count`, ...); so does a dotted `dataset.name`.
 * When that leaves an experiment's `eval.metrics` naming `seg` (which scores label maps in the
 * scenes palette, so applies to `scenes` only), `seg` is dropped with a note in
 * {@link ExpandedSweep.notes}; a sweep that names `seg` itself for such a dataset is an error.
 * {@link ExpandOptions.dataroot} (`deno task ablate --dataroot DIR`) runs any sweep on a folder.
 *
 * {@link expandAblation} validates everything and throws one {@link ConfigError} listing every
 * problem with `file:line:col`, key path, the value given and what is allowed.
 *
 * ```ts
 * import { expandAblation } from "./ablation.ts";
 * const sweep = await expandAblation("ablations/smoke.yaml");
 * console.log(sweep.name, sweep.runs.length, sweep.runs[0].name);
 * ```
 * @module
 */
import { type Claim, claimSchema } from "./claims.ts";
import { SLURM_KEYS, slurmSchema, type SlurmSettings, slurmSettingsProblems } from "./slurm.ts";
import { z } from "zod";
import {
  ConfigError,
  type ConfigProblem,
  parseYaml,
  readYaml,
  type SourcePos,
  type YamlFile,
} from "./yaml.ts";
import {
  applyModelDefaults,
  checkExperiment,
  closest,
  EXPERIMENT_KEYS,
  type ExperimentConfig,
  experimentDefaults,
  isConfigKeyPath,
  type KeyPath,
  type SchemaProblem,
  show,
  zodProblems,
} from "./schema.ts";
import { canonicalJson } from "../train/checkpoint.ts";
import { METRIC_BETTER } from "../metrics/direction.ts";
import { segApplies } from "./evaluate.ts";

/** Where a config value came from: its key and its value in some file. */
export interface Origin {
  /** Position of the key. */
  key: SourcePos;
  /** Position of the value. */
  value: SourcePos;
  /** The file, and the YAML path of the value in it (to locate positions inside the value). */
  file: YamlFile;
  /** YAML path of the value. */
  path: (string | number)[];
}

/** One axis assignment of a run: which axis, and the value it took. */
export interface AxisValue {
  /** The axis: `variant`, `seed`, or a (dotted) config key. */
  axis: string;
  /** Short label used in run names (`idt` for `lambda_identity`, ...). */
  label: string;
  /** The value. */
  value: unknown;
}

/** One expanded, validated grid point (before its dataset is opened and its id computed). */
export interface ExpandedRun {
  /** 1-based position in the expansion order. */
  position: number;
  /** Readable name from the axis values that vary across the sweep. */
  name: string;
  /** Every axis assignment of this point (varying or not). */
  axes: AxisValue[];
  /** The resolved config (defaults filled in, dataset options resolved). */
  config: ExperimentConfig;
  /** What this run changes relative to the experiment: dotted key -> `{ from, to }`. */
  diff: Record<string, { from: unknown; to: unknown }>;
  /** Where each (dotted) key's value came from. */
  origins: ReadonlyMap<string, Origin>;
}

/** An expanded sweep. */
export interface ExpandedSweep {
  /** The sweep's name (`results/<name>/`). */
  name: string;
  /** The ablation (or experiment) file. */
  file: string;
  /** The experiment file. */
  experimentFile: string;
  /** The grid points, in expansion order. */
  runs: ExpandedRun[];
  /** `compare_to`, as given (checked to name a variant). */
  compareTo?: string;
  /** `main_metric`, as given. */
  mainMetric?: string;
  /** `claims`, as given (their variants checked). */
  claims?: Claim[];
  /** `slurm`, as given (validated): the cluster settings of `--emit slurm`. */
  slurm?: SlurmSettings;
  /** Where an experiment-level value came from (for errors found later, e.g. opening data). */
  locate(run: ExpandedRun, path: KeyPath, isKey?: boolean): SourcePos;
  /** What the expansion changed on its own (a dropped `seg` metric, `--dataroot`), to print. */
  notes: string[];
}

/** Options of {@link expandAblation}. */
export interface ExpandOptions {
  /**
   * Train every run on this folder (official layout: trainA/, trainB/, testA/, testB/) instead
   * of the experiment's dataset, applied after the ablation's `set`. A `folder` experiment keeps
   * its options and gets this `dataroot`; any other dataset is replaced by a folder loaded at
   * the experiment's size (its `size` as `crop_size`, with the official 286 -> 256 margin as
   * `load_size`). The sweep's name gets the folder's name (`default-horse2zebra`), so that its
   * results do not mix with the built-in data's.
   */
  dataroot?: string;
}

/** Short labels for run names; other keys are used as they are. */
export const AXIS_LABELS: Readonly<Record<string, string>> = Object.freeze({
  lambda_identity: "idt",
  pool_size: "pool",
  "loss.cycle": "cycle",
  "loss.gan": "gan",
  "loss.l1": "l1",
  "dataset.size": "size",
  "dataset.name": "data",
  "dataset.vendor_b": "vendor_b",
});

const SLUG_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
/** `main_metric`: a direction and a raw metric name with a direction of "better". */
const MAIN_METRIC_RE = new RegExp(
  `^(AtoB|BtoA)\\.(${Object.keys(METRIC_BETTER).filter((m) => !m.startsWith("real_")).join("|")})$`,
);

const slug = z.string().regex(SLUG_RE, {
  message: "expected letters, digits, '_', '.', '+', '-' (starting with a letter or digit)",
});
const overrides = z.record(z.string(), z.unknown());

/** A parsed ablation file (see the module doc). */
export interface AblationFile {
  /** The sweep's name: `results/<name>/` (default: the file name). */
  name?: string;
  /** What the sweep is for. */
  description?: string;
  /** The experiment file, relative to the ablation file. */
  experiment: string;
  /** Overrides for every run (dotted keys allowed). */
  set?: Record<string, unknown>;
  /** Named partial configs. */
  variants?: { name: string; description?: string; set: Record<string, unknown> }[];
  /** Axes whose values are combined as a Cartesian product. */
  grid?: Record<string, unknown[]>;
  /** Axes taken together, position by position (equal lengths). */
  zip?: Record<string, unknown[]>;
  /** The seeds axis. */
  seeds?: number[];
  /**
   * The variant the report compares every other against (paired by seed); default the variant
   * named `cyclegan` when there is one, else the first.
   */
  compare_to?: string;
  /**
   * The sweep's main metric, `<direction>.<metric>` (`AtoB.pixel_accuracy`, `AtoB.fid`): what
   * "learned something" is tested on. Default: AtoB L1 where the test split is paired, else AtoB
   * FID, else the labels -> photo FCN score (lib/report/README.md says why).
   */
  main_metric?: string;
  /** Claims the sweep tests, with their predictions (lib/sweep/claims.ts). */
  claims?: Claim[];
  /**
   * Cluster settings for `--emit slurm` (lib/sweep/slurm.ts): partition, time limit, memory,
   * account, extra `#SBATCH` lines, the warning signal's lead. Not part of any run's id.
   */
  slurm?: SlurmSettings;
}

const ablationObject = z.strictObject({
  name: slug.optional(),
  description: z.string().optional(),
  experiment: z.string().min(1),
  set: overrides.optional(),
  variants: z.array(z.strictObject({
    name: slug,
    description: z.string().optional(),
    set: overrides.default({}),
  })).min(1).optional(),
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  zip: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  seeds: z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).min(1).optional(),
  compare_to: slug.optional(),
  main_metric: z.string().regex(MAIN_METRIC_RE, {
    message: `expected <direction>.<metric>: AtoB or BtoA, then one of ${
      Object.keys(METRIC_BETTER).filter((m) => !m.startsWith("real_")).join(", ")
    } (e.g. AtoB.pixel_accuracy)`,
  }).optional(),
  claims: z.array(claimSchema).min(1).optional(),
  slurm: slurmSchema.optional(),
});

/** The schema of an ablation file (axis keys and values are checked separately, per run). */
export const ablationSchema: z.ZodType<AblationFile> = ablationObject;

const ABLATION_KEYS = Object.keys(ablationObject.shape);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Sets `value` at `path`, merging plain objects into plain objects. */
function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = target;
  for (const seg of path.slice(0, -1)) {
    if (!isPlainObject(o[seg])) o[seg] = {};
    o = o[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (isPlainObject(value) && isPlainObject(o[last])) {
    for (const [k, v] of Object.entries(value)) setAt(o[last] as Record<string, unknown>, [k], v);
  } else {
    o[last] = structuredClone(value);
  }
}

/**
 * Whether setting `value` at `target` switches the dataset kind: a `dataset:` mapping or a
 * `dataset.name` naming another dataset than the one in `config`.
 */
function switchesDataset(
  config: Record<string, unknown>,
  target: readonly string[],
  value: unknown,
): boolean {
  if (target[0] !== "dataset") return false;
  const current = isPlainObject(config.dataset) ? config.dataset.name : undefined;
  if (target.length === 1) {
    return isPlainObject(value) && value.name !== undefined && value.name !== current;
  }
  return target.length === 2 && target[1] === "name" && value !== current;
}

/**
 * Sets a (dotted) key as {@link setAt} does, except that a new dataset kind replaces the
 * dataset block (and forgets where its old options came from) instead of merging into it.
 */
function assign(
  config: Record<string, unknown>,
  origins: Map<string, Origin>,
  target: readonly string[],
  value: unknown,
): void {
  if (switchesDataset(config, target, value)) {
    config.dataset = {};
    for (const k of [...origins.keys()]) if (k.startsWith("dataset.")) origins.delete(k);
  }
  setAt(config, target, value);
}

/** A layer's entries with `dataset` and `dataset.name` first, so a switch precedes its options. */
function datasetFirst(values: Record<string, unknown>): [string, unknown][] {
  const first = (k: string) => k === "dataset" || k === "dataset.name";
  const entries = Object.entries(values);
  return [...entries.filter(([k]) => first(k)), ...entries.filter(([k]) => !first(k))];
}

/** Records where `value` (set at `target`) and everything inside it came from. */
function trace(
  origins: Map<string, Origin>,
  target: readonly string[],
  value: unknown,
  at: { file: YamlFile; path: (string | number)[]; keyPos?: SourcePos },
): void {
  const valuePos = at.file.locate(at.path, "value");
  origins.set(target.join("."), {
    key: at.keyPos ?? at.file.locate(at.path, "key"),
    value: valuePos,
    file: at.file,
    path: at.path,
  });
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      trace(origins, [...target, ...k.split(".")], v, { file: at.file, path: [...at.path, k] });
    }
  }
}

/** A layer of overrides: where it sits in which file, and its (dotted) keys and values. */
interface Layer {
  file: YamlFile;
  /** YAML path of the mapping holding the overrides. */
  path: (string | number)[];
  values: Record<string, unknown>;
  /** For a grid or zip layer: the index of the value in its axis list. */
  item?: number;
}

function applyLayer(
  config: Record<string, unknown>,
  origins: Map<string, Origin>,
  layer: Layer,
): void {
  for (const [k, v] of datasetFirst(layer.values)) {
    const target = k.split(".");
    assign(config, origins, target, v);
    trace(origins, target, v, { file: layer.file, path: [...layer.path, k] });
  }
}

function formatValue(v: unknown): string {
  const text = typeof v === "string" ? v : canonicalJson(v);
  return text.replace(/[^A-Za-z0-9._+-]/g, "_");
}

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): void {
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = value;
  }
}

/** Dotted key -> `{ from, to }` for every leaf that differs between two configs. */
export function configDiff(
  base: Record<string, unknown>,
  run: Record<string, unknown>,
): Record<string, { from: unknown; to: unknown }> {
  const a: Record<string, unknown> = {};
  const b: Record<string, unknown> = {};
  flatten(base, "", a);
  flatten(run, "", b);
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const from = a[k] ?? null;
    const to = b[k] ?? null;
    if (canonicalJson(from) !== canonicalJson(to)) out[k] = { from, to };
  }
  return out;
}

class Problems {
  readonly list: ConfigProblem[] = [];
  readonly #seen = new Map<string, { problem: ConfigProblem; runs: string[] }>();
  add(pos: SourcePos, path: KeyPath, message: string, run?: string): void {
    const p = path.map((s) => (typeof s === "number" ? `[${s}]` : s)).join(".").replace(
      /\.\[/g,
      "[",
    );
    const key = `${pos.file}:${pos.line}:${pos.col}:${p}:${message}`;
    const seen = this.#seen.get(key);
    if (seen) {
      if (run !== undefined) seen.runs.push(run);
      return;
    }
    const problem = { pos, path: p, message };
    this.#seen.set(key, { problem, runs: run !== undefined ? [run] : [] });
    this.list.push(problem);
  }
  /** Problems in file order; those seen in only some runs name them. */
  sorted(totalRuns: number): ConfigProblem[] {
    const out = [...this.#seen.values()].map(({ problem, runs }) => {
      if (runs.length === 0 || runs.length === totalRuns || totalRuns <= 1) return problem;
      const shown = runs.slice(0, 3).join("; ");
      const more = runs.length > 3 ? ` and ${runs.length - 3} more` : "";
      return { ...problem, message: `${problem.message} (in run ${shown}${more})` };
    });
    return out.sort((x, y) =>
      x.pos.file < y.pos.file ? -1 : x.pos.file > y.pos.file ? 1 : x.pos.line - y.pos.line ||
        x.pos.col - y.pos.col
    );
  }
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

function stem(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.ya?ml$/i, "");
}

/** Resolves `rel` against the directory of `file` (absolute paths stay). */
export function relativeTo(file: string, rel: string): string {
  if (rel.startsWith("/")) return rel;
  const parts = `${dirname(file)}/${rel}`.split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else out.push(p);
    } else if (p !== "." && p !== "") {
      out.push(p);
    }
  }
  return (file.startsWith("/") ? "/" : "") + out.join("/");
}

/** Reports (and removes, so expansion can go on) override keys that name no config key. */
function dropUnknownKeys(
  problems: Problems,
  file: YamlFile,
  yamlPath: (string | number)[],
  values: Record<string, unknown> | undefined,
): void {
  for (const k of Object.keys(values ?? {})) {
    const segs = k.split(".");
    if (!isConfigKeyPath(segs)) {
      const hint = closest(segs[0], EXPERIMENT_KEYS);
      problems.add(
        file.locate([...yamlPath, k], "key"),
        [...yamlPath, k],
        `unknown config key "${k}"${hint ? ` (did you mean "${hint}"?)` : ""}; allowed: ` +
          `${EXPERIMENT_KEYS.join(", ")}, dotted for nested ones (loss.gan, loss.cycle, ` +
          `dataset.<option>, eval.<option>)`,
      );
      delete values![k];
    }
  }
}

/** Keys that only a sweep has: a file with one of them but no `experiment:` is no experiment. */
const SWEEP_ONLY_KEYS = ABLATION_KEYS.filter((k) => k !== "experiment");

const EMPTY_HINT = "expected a sweep (experiment: ../experiments/scenes_default.yaml, with " +
  "variants:, grid:, seeds: ...) or an experiment (netG:, dataset:, ...; see " +
  "experiments/folder.yaml)";

/** A file name's stem as a sweep-name slug (`datasets/horse2zebra/` -> `horse2zebra`). */
function folderSlug(path: string): string {
  const base = path.replace(/\/+$/, "").split("/").pop() ?? "";
  return base.replace(/[^A-Za-z0-9_.+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || "folder";
}

/**
 * Reads an ablation (or experiment) file, expands its axes and validates every run. Throws a
 * {@link ConfigError} with every problem at once.
 */
export async function expandAblation(
  file: string,
  options: ExpandOptions = {},
): Promise<ExpandedSweep> {
  const top = await readYaml(file);
  const problems = new Problems();
  if (isPlainObject(top.value) && Object.keys(top.value).length === 0) {
    problems.add(top.locate([]), [], `the file is empty; ${EMPTY_HINT}`);
    throw new ConfigError(problems.sorted(1));
  }
  const isAblation = isPlainObject(top.value) && "experiment" in top.value;
  if (!isAblation && isPlainObject(top.value)) {
    const sweepKeys = Object.keys(top.value).filter((k) => SWEEP_ONLY_KEYS.includes(k));
    if (sweepKeys.length > 0) {
      problems.add(
        top.locate([sweepKeys[0]], "key"),
        [],
        `the file has sweep keys (${sweepKeys.join(", ")}) but no experiment: key naming the ` +
          `experiment to vary; add one, e.g. experiment: ../experiments/scenes_default.yaml ` +
          `(relative to this file)`,
      );
      throw new ConfigError(problems.sorted(1));
    }
  }
  let ablation: AblationFile;
  let expFile: YamlFile;
  if (isAblation) {
    const r = ablationSchema.safeParse(top.value);
    if (!r.success) {
      for (
        const p of zodProblems(r.error.issues, top.value, {
          allowedKeys: (path) => path[0] === "slurm" ? [...SLURM_KEYS] : ABLATION_KEYS,
        })
      ) {
        problems.add(top.locate(p.path, p.isKey ? "key" : "value"), p.path, p.message);
      }
      throw new ConfigError(problems.sorted(1));
    }
    ablation = r.data;
    for (const p of slurmSettingsProblems(ablation.slurm ?? {})) {
      problems.add(top.locate(["slurm", p.key], "value"), ["slurm", p.key], p.message);
    }
    const expPath = relativeTo(file, ablation.experiment);
    try {
      expFile = await readYaml(expPath);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const first = e.problems[0];
      if (first.pos.line === 0) {
        problems.add(
          top.locate(["experiment"], "value"),
          ["experiment"],
          `cannot read the experiment "${expPath}" (resolved against the ablation file's folder): ${
            first.message.replace(/^cannot read the file: /, "")
          }`,
        );
        throw new ConfigError(problems.sorted(1));
      }
      throw e;
    }
  } else {
    ablation = { experiment: file };
    expFile = top;
  }
  if (!isPlainObject(expFile.value)) {
    problems.add(
      expFile.locate([]),
      [],
      `expected a mapping of experiment keys, got ${show(expFile.value)}`,
    );
    throw new ConfigError(problems.sorted(1));
  }
  if (expFile !== top && Object.keys(expFile.value).length === 0) {
    problems.add(
      top.locate(["experiment"], "value"),
      ["experiment"],
      `the experiment "${expFile.file}" is empty; expected experiment keys (netG:, dataset:, ...)`,
    );
    throw new ConfigError(problems.sorted(1));
  }
  if ("experiment" in expFile.value && expFile !== top) {
    problems.add(
      expFile.locate(["experiment"], "key"),
      ["experiment"],
      "an experiment cannot name another experiment (this file looks like an ablation)",
    );
  }

  // Axis and override keys must name config keys; bad ones are reported and left out, so
  // that the runs can still be checked and every problem reported at once.
  dropUnknownKeys(problems, top, ["set"], ablation.set);
  ablation.variants?.forEach((v, i) =>
    dropUnknownKeys(problems, top, ["variants", i, "set"], v.set)
  );
  dropUnknownKeys(problems, top, ["grid"], ablation.grid);
  dropUnknownKeys(problems, top, ["zip"], ablation.zip);
  const names = new Map<string, number>();
  ablation.variants?.forEach((v, i) => {
    if (names.has(v.name)) {
      problems.add(
        top.locate(["variants", i, "name"], "value"),
        ["variants", i, "name"],
        `variant name "${v.name}" is already used by variants[${names.get(v.name)}]`,
      );
    } else {
      names.set(v.name, i);
    }
  });
  if (ablation.compare_to !== undefined && !names.has(ablation.compare_to)) {
    problems.add(
      top.locate(["compare_to"], "value"),
      ["compare_to"],
      `compare_to "${ablation.compare_to}" is not a variant of this sweep; expected one of ${
        names.size > 0 ? [...names.keys()].join(", ") : "(none: the sweep has no variants:)"
      }`,
    );
  }
  ablation.claims?.forEach((c, i) => {
    c.predictions.forEach((p, j) => {
      for (const key of ["higher", "lower", "than", "variant"] as const) {
        const v = p[key];
        if (v === undefined || names.has(v)) continue;
        problems.add(
          top.locate(["claims", i, "predictions", j, key], "value"),
          ["claims", i, "predictions", j, key],
          `claim ${c.id}: "${v}" is not a variant of this sweep; expected one of ${
            names.size > 0 ? [...names.keys()].join(", ") : "(none: the sweep has no variants:)"
          }`,
        );
      }
    });
  });
  let zipKeys = Object.keys(ablation.zip ?? {});
  const zipLen = zipKeys.length > 0 ? ablation.zip![zipKeys[0]].length : 1;
  let zipOk = true;
  for (const k of zipKeys) {
    if (ablation.zip![k].length !== zipLen) {
      zipOk = false;
      problems.add(
        top.locate(["zip", k], "key"),
        ["zip", k],
        `zip axes must have equal lengths: "${k}" has ${ablation.zip![k].length} values, ` +
          `"${zipKeys[0]}" has ${zipLen}`,
      );
    }
    if (ablation.grid && k in ablation.grid) {
      problems.add(
        top.locate(["zip", k], "key"),
        ["zip", k],
        `"${k}" is both a grid and a zip axis`,
      );
    }
  }
  for (const axis of ["grid", "zip"] as const) {
    if (ablation.seeds && ablation[axis] && "seed" in ablation[axis]!) {
      problems.add(
        top.locate([axis, "seed"], "key"),
        [axis, "seed"],
        `"seed" is set by both ${axis} and seeds; use seeds: [...] alone`,
      );
    }
  }
  if (!zipOk) zipKeys = [];

  // The experiment over the defaults; the base of every run and of config.diff.json.
  const baseConfig = experimentDefaults();
  const baseOrigins = new Map<string, Origin>();
  applyLayer(baseConfig, baseOrigins, {
    file: expFile,
    path: [],
    values: expFile.value as Record<string, unknown>,
  });
  if (ablation.set) {
    applyLayer(baseConfig, baseOrigins, { file: top, path: ["set"], values: ablation.set });
  }
  const notes: string[] = [];
  if (options.dataroot !== undefined) {
    const ds = baseConfig.dataset as Record<string, unknown>;
    let values: Record<string, unknown>;
    if (ds.name === "folder") {
      values = { "dataset.dataroot": options.dataroot };
    } else {
      values = { dataset: { name: "folder", dataroot: options.dataroot } };
      if (typeof ds.size === "number") {
        // The sweep's compute budget stays that of its experiment: its image size, with the
        // official load/crop margin (286 -> 256, README of the official code).
        const crop = ds.size;
        const load = Math.round(crop * 286 / 256);
        values = {
          dataset: { name: "folder", dataroot: options.dataroot, load_size: load, crop_size: crop },
        };
        notes.push(
          `--dataroot: dataset ${ds.name} (${crop}x${crop}) replaced by folder "${options.dataroot}", ` +
            `images resized to ${load} and cropped to ${crop} (the experiment's size with the ` +
            `official 286 -> 256 margin; set dataset.load_size and dataset.crop_size in a sweep ` +
            `file to change them)`,
        );
      } else {
        notes.push(`--dataroot: dataset ${ds.name} replaced by folder "${options.dataroot}"`);
      }
    }
    const flag = parseYaml(JSON.stringify(values), "--dataroot");
    applyLayer(baseConfig, baseOrigins, { file: flag, path: [], values });
  }
  const expDatasetName = (experimentBase(expFile).dataset as Record<string, unknown>).name;

  // Expansion: variants x grid product x zip tuples x seeds.
  type Point = { layers: Layer[]; axes: AxisValue[]; seedAt?: number };
  let points: Point[] = (ablation.variants ?? [undefined]).map((v, i) => ({
    layers: v ? [{ file: top, path: ["variants", i, "set"], values: v.set }] : [],
    axes: v ? [{ axis: "variant", label: "variant", value: v.name }] : [],
  }));
  for (const [k, values] of Object.entries(ablation.grid ?? {})) {
    points = points.flatMap((p) =>
      values.map((value, j) => ({
        ...p,
        layers: [...p.layers, { file: top, path: ["grid"], values: { [k]: value }, item: j }],
        axes: [...p.axes, { axis: k, label: AXIS_LABELS[k] ?? k, value }],
      }))
    );
  }
  if (zipKeys.length > 0) {
    points = points.flatMap((p) =>
      Array.from({ length: zipLen }, (_, j) => ({
        ...p,
        layers: [
          ...p.layers,
          ...zipKeys.map((k) => ({
            file: top,
            path: ["zip"],
            values: { [k]: ablation.zip![k][j] },
            item: j,
          })),
        ],
        axes: [
          ...p.axes,
          ...zipKeys.map((k) => ({
            axis: k,
            label: AXIS_LABELS[k] ?? k,
            value: ablation.zip![k][j],
          })),
        ],
      }))
    );
  }
  if (ablation.seeds) {
    points = points.flatMap((p) =>
      ablation.seeds!.map((seed, j) => ({
        ...p,
        seedAt: j,
        axes: [...p.axes, { axis: "seed", label: "seed", value: seed }],
      }))
    );
  }

  // Names from the axes whose values vary.
  const varying = new Set<string>();
  const firstValue = new Map<string, string>();
  for (const p of points) {
    for (const a of p.axes) {
      const v = canonicalJson(a.value);
      if (!firstValue.has(a.axis)) firstValue.set(a.axis, v);
      else if (firstValue.get(a.axis) !== v) varying.add(a.axis);
    }
  }
  const nameOf = (axes: AxisValue[]) => {
    const parts = axes.filter((a) => varying.has(a.axis)).map((a) =>
      a.axis === "variant" ? formatValue(a.value) : `${a.label}=${formatValue(a.value)}`
    );
    const name = parts.join(",") || "base";
    return name.length > 120 ? name.slice(0, 120) : name;
  };

  const runs: ExpandedRun[] = [];
  const pointOrigins: Map<string, Origin>[] = [];
  points.forEach((p, i) => {
    const config = structuredClone(baseConfig);
    const origins = new Map(baseOrigins);
    for (const layer of p.layers) {
      if (layer.item === undefined) {
        applyLayer(config, origins, layer);
        continue;
      }
      // A grid/zip value: its key is the axis key, its value the list item.
      for (const [k, v] of datasetFirst(layer.values)) {
        const target = k.split(".");
        assign(config, origins, target, v);
        trace(origins, target, v, {
          file: layer.file,
          path: [...layer.path, k, layer.item],
          keyPos: layer.file.locate([...layer.path, k], "key"),
        });
      }
    }
    if (p.seedAt !== undefined) {
      config.seed = ablation.seeds![p.seedAt];
      trace(origins, ["seed"], config.seed, {
        file: top,
        path: ["seeds", p.seedAt],
        keyPos: top.locate(["seeds"], "key"),
      });
    }
    const name = nameOf(p.axes);
    // `model: pix2pix` (from any layer): the keys no file set take pix2pix's defaults.
    applyModelDefaults(config, (k) => origins.has(k));
    dropSeg(config, origins, { expFile, expDatasetName, notes });
    const checked = checkExperiment(config);
    const where = (path: KeyPath, isKey?: boolean) => locateIn(origins, expFile, path, isKey);
    if (!checked.ok) {
      for (const prob of checked.problems) {
        problems.add(where(prob.path, prob.isKey), prob.path, prob.message, name);
      }
      return;
    }
    pointOrigins.push(origins);
    runs.push({
      position: i + 1,
      name,
      axes: p.axes,
      config: checked.config,
      diff: configDiff(experimentBase(expFile), config),
      origins,
    });
  });
  if (problems.list.length > 0) throw new ConfigError(problems.sorted(points.length));

  const sweepName = ablation.name ?? stem(file);
  return {
    name: options.dataroot !== undefined
      ? `${sweepName}-${folderSlug(options.dataroot)}`
      : sweepName,
    file,
    experimentFile: expFile.file,
    runs,
    compareTo: ablation.compare_to,
    mainMetric: ablation.main_metric,
    ...(ablation.claims ? { claims: ablation.claims } : {}),
    ...(ablation.slurm ? { slurm: ablation.slurm } : {}),
    locate: (run, path, isKey) => locateIn(run.origins, expFile, path, isKey),
    notes,
  };
}

/**
 * Drops `seg` from an experiment's `eval.metrics` when the sweep (or `--dataroot`) switched to a
 * dataset it does not apply to, noting it once. `seg` named by the sweep itself stays, and is
 * reported by checkExperiment.
 */
function dropSeg(
  config: Record<string, unknown>,
  origins: Map<string, Origin>,
  at: { expFile: YamlFile; expDatasetName: unknown; notes: string[] },
): void {
  const name = (config.dataset as Record<string, unknown> | undefined)?.name;
  const ev = config.eval as { metrics?: unknown } | undefined;
  if (typeof name !== "string" || name === at.expDatasetName || segApplies(name)) return;
  if (!Array.isArray(ev?.metrics) || !ev.metrics.includes("seg")) return;
  const from = origins.get("eval.metrics") ?? origins.get("eval");
  if (from && from.file !== at.expFile) return;
  ev.metrics = ev.metrics.filter((m) => m !== "seg");
  const note = `eval.metrics: seg dropped (it scores label maps in the scenes palette; this ` +
    `sweep trains on dataset ${name}, which has none), so no FCN scores are measured`;
  if (!at.notes.includes(note)) at.notes.push(note);
}

/** The experiment file over the defaults, without the ablation's `set` (the diff base). */
function experimentBase(expFile: YamlFile): Record<string, unknown> {
  const base = experimentDefaults();
  for (const [k, v] of Object.entries(expFile.value as Record<string, unknown>)) {
    setAt(base, k.split("."), v);
  }
  const given: Record<string, unknown> = {};
  flatten(expFile.value, "", given);
  const set = Object.keys(given);
  applyModelDefaults(base, (k) => set.some((g) => g === k || g.startsWith(`${k}.`)));
  return base;
}

function locateIn(
  origins: ReadonlyMap<string, Origin>,
  expFile: YamlFile,
  path: KeyPath,
  isKey?: boolean,
): SourcePos {
  const segs = path.map(String);
  for (let n = segs.length; n > 0; n--) {
    const o = origins.get(segs.slice(0, n).join("."));
    if (!o) continue;
    if (n === segs.length) return isKey ? o.key : o.value;
    // Inside a value (a list item, a nested key): find it in the value's own file.
    return o.file.locate([...o.path, ...path.slice(n)], isKey ? "key" : "value");
  }
  // A default value: point at the top of the experiment.
  return { file: expFile.file, line: 1, col: 1 };
}

/** Problems as {@link SchemaProblem}s found after expansion, placed in the files. */
export function placeProblems(
  sweep: ExpandedSweep,
  found: { run: ExpandedRun; problem: SchemaProblem }[],
): ConfigProblem[] {
  const problems = new Problems();
  for (const { run, problem } of found) {
    problems.add(
      sweep.locate(run, problem.path, problem.isKey),
      problem.path,
      problem.message,
      run.name,
    );
  }
  return problems.sorted(sweep.runs.length);
}

/**
 * The experiment schema, composed from the registries: every enum of names (`netG`, `netD`,
 * `gan_mode`, `lr_policy`, `dataset`, `backend`, evaluation metrics) comes from the registry
 * keys, and the options each variant owns (generator, discriminator, dataset) come from the
 * variant's own zod schema. Unknown keys are errors (nanoGPT, STYLE.md habit 3).
 *
 * An experiment is flat: the official training option names (as {@link TrainConfig}), plus
 * `dataset: {name, ...its options}`, `eval: {...}` and `backend`. `model: pix2pix` (default
 * `cycle_gan`) switches the model kind (lib/train/models.ts): the options a config leaves out
 * then take pix2pix's defaults ({@link applyModelDefaults}), its `loss:` is `{ l1, gan: none |
 * unconditional | conditional }`, and the keys only the other model reads are left out of the
 * resolved config (so a CycleGAN config resolves, and hashes, as before pix2pix existed):
 *
 * ```yaml
 * netG: resnet_6blocks
 * ngf: 8
 * gan_mode: lsgan
 * loss: { gan: true, cycle: both }
 * dataset: { name: scenes, size: 32 }
 * eval: { metrics: [l1, psnr], max_images: 4, every: 100 }
 * backend: wasm
 * ```
 *
 * `eval:` is lib/sweep/evaluate.ts's options (what to measure) plus `every` (how often, a key
 * of the runner's: {@link runEvalSchema}).
 *
 * {@link checkExperiment} validates one fully merged config and returns every problem at
 * once, each with its key path, the value given and what is allowed; the caller turns paths
 * into `file:line:col` (config.ts).
 *
 * ```ts
 * import { checkExperiment, experimentDefaults } from "./schema.ts";
 * const problems = checkExperiment({ ...experimentDefaults(), netG: "vgg" });
 * // [{ path: ["netG"], message: 'expected one of resnet_9blocks, ..., got "vgg"', ... }]
 * ```
 * @module
 */
import { z } from "zod";
import { GENERATOR_NAMES, generatorOptionsSchema } from "../generators/mod.ts";
import {
  checkDiscriminatorSize,
  DISCRIMINATOR_NAMES,
  discriminatorBaseSchema,
  netD,
} from "../discriminators/mod.ts";
import { checkGeneratorSize } from "../generators/mod.ts";
import { GAN_MODE_NAMES, PIX2PIX_GAN_TERMS } from "../losses/mod.ts";
import {
  FOREIGN_KEYS,
  MODEL_NAMES,
  modelDefaults,
  modelDirections,
  type ModelName,
} from "../train/models.ts";
import { LR_POLICY_NAMES } from "../train/schedule.ts";
import { TRAIN_DEFAULTS, type TrainConfig } from "../train/loop.ts";
import { BACKEND_NAMES } from "../backend/mod.ts";
import { DATASET_NAMES, datasetEntry, isDatasetName } from "../data/mod.ts";
import { cropsRandomly, preparedSize } from "../data/preprocess.ts";
import { EVAL_METRIC_NAMES, type EvalOptions, evalSchema, segApplies } from "./evaluate.ts";

/** A key path into a config: `["loss", "cycle"]`, `["dataset", "size"]`. */
export type KeyPath = readonly (string | number)[];

/** A problem with a config value, before it is given a file position. */
export interface SchemaProblem {
  /** Where in the config. */
  path: KeyPath;
  /** What is wrong: the value given and what is allowed. */
  message: string;
  /** Whether the key itself is wrong (unknown key) rather than its value. */
  isKey?: boolean;
}

/** `backend` values: `auto` or a registered backend. */
export const BACKEND_CHOICES: readonly string[] = Object.freeze(["auto", ...BACKEND_NAMES]);

/** The cycle terms of the paper's loss ablation (lib/losses/ablation.ts). */
export const CYCLE_TERMS = ["both", "forward", "backward", "none"] as const;

interface ShapeHolder {
  shape?: Record<string, z.ZodType>;
  def?: { in?: unknown; innerType?: unknown; schema?: unknown };
}

/** The object shape behind a schema (through pipes, transforms, defaults), or undefined. */
export function objectShape(schema: unknown): Record<string, z.ZodType> | undefined {
  let s = schema as ShapeHolder | undefined;
  for (let i = 0; i < 8 && s; i++) {
    if (s.shape) return s.shape;
    s = (s.def?.in ?? s.def?.innerType ?? s.def?.schema) as ShapeHolder | undefined;
  }
  return undefined;
}

const generatorShape = objectShape(generatorOptionsSchema) ?? {};
const discriminatorShape = discriminatorBaseSchema.shape;
const nLayersShape = objectShape(netD.n_layers.options) ?? {};

/** Schema pieces owned by a variant's registry, or a fallback when that registry lacks it. */
function owned(shape: Record<string, z.ZodType>, key: string, fallback: z.ZodType): z.ZodType {
  return shape[key] ?? fallback;
}

const int = (min: number) => z.number().int().min(min);

/**
 * The training keys ({@link TrainConfig}): the model's options come from the generator and
 * discriminator registries' schemas, the rest are the loop's.
 */
/** CycleGAN's loss ablation (paper Tables 4/5). */
const cycleLossSchema = z.strictObject({ gan: z.boolean(), cycle: z.enum(CYCLE_TERMS) });

/** pix2pix's loss ablation (pix2pix Table 1); at least one term must be on. */
const pix2pixLossSchema = z.strictObject({
  l1: z.boolean(),
  gan: z.enum(PIX2PIX_GAN_TERMS),
}).refine((l) => l.l1 || l.gan !== "none", {
  message: "no term to train (expected l1: true or a gan term)",
});

/** The keys of each model's `loss:` (for unknown-key messages). */
export const LOSS_KEYS: Readonly<Record<ModelName, readonly string[]>> = Object.freeze({
  cycle_gan: ["gan", "cycle"],
  pix2pix: ["l1", "gan"],
});

function modelOf(config: Record<string, unknown>): ModelName {
  return config.model === "pix2pix" ? "pix2pix" : "cycle_gan";
}

const trainShape = {
  netG: z.enum(GENERATOR_NAMES as [string, ...string[]]),
  netD: z.enum(DISCRIMINATOR_NAMES as [string, ...string[]]),
  ngf: owned(generatorShape, "ngf", int(1)),
  ndf: owned(discriminatorShape, "ndf", int(1)),
  n_layers_D: owned(nLayersShape, "n_layers_D", int(1)).optional(),
  norm: owned(generatorShape, "norm", z.enum(["instance", "batch", "none"])),
  no_dropout: owned(generatorShape, "no_dropout", z.boolean()),
  init_type: owned(generatorShape, "init_type", z.string()),
  init_gain: owned(generatorShape, "init_gain", z.number().positive()),
  // Datasets decode to 1 (grayscale) or 3 channels.
  input_nc: z.union([z.literal(1), z.literal(3)]),
  output_nc: z.union([z.literal(1), z.literal(3)]),
  gan_mode: z.enum(GAN_MODE_NAMES as unknown as [string, ...string[]]),
  lambda_A: z.number().min(0),
  lambda_B: z.number().min(0),
  lambda_identity: z.number().min(0),
  lambda_gp: z.number().min(0),
  pool_size: int(0),
  lr: z.number().positive(),
  beta1: z.number().min(0).lt(1),
  // Checked against the model's own loss schema in checkExperiment.
  loss: z.unknown(),
  g_step: z.enum(["split", "fused"]),
  batch_size: int(1),
  n_epochs: int(0),
  n_epochs_decay: int(0),
  epoch_count: int(1),
  lr_policy: z.enum(LR_POLICY_NAMES as unknown as [string, ...string[]]),
  lr_unit: z.enum(["epoch", "iteration"]),
  lr_decay_iters: int(1),
  serial_batches: z.boolean(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  print_freq: int(1),
  save_latest_freq: int(0),
  keep_checkpoints: int(1),
  max_steps: int(0).nullable(),
  probe: z.boolean(),
  // pix2pix (lib/train/models.ts); after the CycleGAN keys, so listings keep their order.
  model: z.enum(MODEL_NAMES),
  direction: z.enum(["AtoB", "BtoA"]),
  lambda_L1: z.number().min(0),
};

/** The keys of {@link TrainConfig} an experiment may set. */
export const TRAIN_KEYS: readonly string[] = Object.freeze(Object.keys(trainShape));

/** Top-level keys of an experiment file. */
export const EXPERIMENT_KEYS: readonly string[] = Object.freeze([
  ...TRAIN_KEYS,
  "dataset",
  "eval",
  "backend",
]);

/** The `eval:` section of an experiment: {@link EvalOptions} plus how often to evaluate. */
export interface RunEvalOptions extends EvalOptions {
  /**
   * Evaluate (metrics and a grid under `images/`) every this many iterations during the run,
   * besides the final evaluation; 0: only at the end. It changes what is recorded, not the
   * weights, so it is part of neither the run id nor the `eval` hash (lib/sweep/run.ts).
   */
  every: number;
}

/**
 * The schema of an experiment's `eval:` section: lib/sweep/evaluate.ts's (strict, with its
 * defaults) extended by `every`.
 */
export const runEvalSchema: z.ZodType<RunEvalOptions, Partial<RunEvalOptions>> = z.strictObject({
  ...evalShape(),
  every: int(0).default(0).describe(
    "evaluate every this many iterations during the run as well as at the end; 0: only at the end",
  ),
}) as unknown as z.ZodType<RunEvalOptions, Partial<RunEvalOptions>>;

/** The keys of lib/sweep/evaluate.ts's `eval` schema, with their own checks and defaults. */
function evalShape(): Record<string, z.ZodType> {
  const shape = objectShape(evalSchema);
  if (!shape) throw new Error("lib/sweep/evaluate.ts's evalSchema is not an object schema");
  return shape;
}

/**
 * The experiment schema: strict at every level. The dataset's own options are checked
 * separately against the named dataset's schema ({@link checkExperiment}).
 */
const experimentSchema = z.strictObject({
  ...trainShape,
  dataset: z.looseObject({ name: z.enum(DATASET_NAMES as [string, ...string[]]) }),
  eval: runEvalSchema,
  backend: z.enum(BACKEND_CHOICES as [string, ...string[]]),
});

/** A resolved experiment: training options, dataset, evaluation and backend. */
export interface ExperimentConfig extends TrainConfig {
  /** The dataset kind and its options (defaults filled in). */
  dataset: { name: string; [option: string]: unknown };
  /** The evaluations: what to measure, and how often. */
  eval: RunEvalOptions;
  /** `auto` or a registered backend. */
  backend: string;
}

/** The defaults an experiment file is merged over: the official ones, scenes, auto backend. */
export function experimentDefaults(): Record<string, unknown> {
  return structuredClone({
    ...TRAIN_DEFAULTS,
    loss: { ...TRAIN_DEFAULTS.loss },
    dataset: { name: "scenes" },
    eval: runEvalSchema.parse({}),
    backend: "auto",
  });
}

/**
 * Gives the options a config leaves out its model's defaults (official
 * `modify_commandline_options`; lib/train/models.ts `modelDefaults`): `isSet(dotted)` says
 * whether a file set a key. `loss` keeps the sub-keys a file set and takes the rest from the
 * model (a pix2pix loss has no `cycle`). A no-op for `cycle_gan`, whose defaults are the
 * experiment defaults themselves.
 *
 * ```ts
 * const c = { ...experimentDefaults(), model: "pix2pix" };
 * applyModelDefaults(c, (k) => k === "model");
 * c.netG; // "unet_256"
 * ```
 */
export function applyModelDefaults(
  config: Record<string, unknown>,
  isSet: (dotted: string) => boolean,
): void {
  if (config.model !== "pix2pix") return;
  for (const [k, v] of Object.entries(modelDefaults(config.model))) {
    if (k === "loss") {
      const given = config.loss !== null && typeof config.loss === "object"
        ? config.loss as Record<string, unknown>
        : {};
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [sk, sv] of Object.entries(given)) if (isSet(`loss.${sk}`)) out[sk] = sv;
      config.loss = out;
    } else if (!isSet(k)) {
      config[k] = structuredClone(v);
    }
  }
}

/** Allowed keys of the object at `path` in an experiment (for unknown-key messages). */
export function allowedKeysAt(config: Record<string, unknown>, path: KeyPath): string[] {
  if (path.length === 0) return [...EXPERIMENT_KEYS];
  if (path.length === 1 && path[0] === "loss") return [...LOSS_KEYS[modelOf(config)]];
  if (path.length === 1 && path[0] === "eval") return Object.keys(objectShape(runEvalSchema) ?? {});
  if (path.length === 1 && path[0] === "dataset") {
    const name = (config.dataset as { name?: unknown } | undefined)?.name;
    if (typeof name === "string" && isDatasetName(name)) {
      const keys = Object.keys(objectShape(datasetEntry(name).options) ?? {});
      return ["name", ...keys.filter((k) => k !== "input_nc" && k !== "output_nc")];
    }
    return ["name"];
  }
  return [];
}

/** Whether `path` names a key an ablation axis may set (its value is checked per run). */
export function isConfigKeyPath(path: readonly string[]): boolean {
  const [head, ...rest] = path;
  if (!EXPERIMENT_KEYS.includes(head)) return false;
  if (rest.length === 0) return true;
  if (head === "loss") {
    return rest.length === 1 && (rest[0] === "gan" || rest[0] === "cycle" || rest[0] === "l1");
  }
  if (head === "eval") {
    return rest.length === 1 && Object.keys(objectShape(runEvalSchema) ?? {}).includes(rest[0]);
  }
  // Dataset options depend on the dataset kind; they are checked against it per run.
  return head === "dataset" && rest.length === 1;
}

/** A value quoted for a message: strings in quotes, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The value at `path` in `value`, or undefined. */
export function valueAt(value: unknown, path: KeyPath): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The closest of `candidates` to `word` (edit distance at most 3), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Turns zod issues into problems that quote the value given and say what is allowed. */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  options: { prefix?: KeyPath; allowedKeys?: (path: KeyPath) => string[] } = {},
): SchemaProblem[] {
  const prefix = options.prefix ?? [];
  const out: SchemaProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const given = valueAt(input, path);
    if (issue.code === "unrecognized_keys") {
      const allowed = options.allowedKeys?.([...prefix, ...path]) ?? [];
      for (const key of issue.keys) {
        const hint = closest(key, allowed);
        out.push({
          path: [...prefix, ...path, key],
          isKey: true,
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}${
            allowed.length > 0 ? `; allowed: ${allowed.join(", ")}` : ""
          }`,
        });
      }
      continue;
    }
    let message: string;
    switch (issue.code) {
      case "invalid_type":
        message = given === undefined
          ? `is required (${issue.expected})`
          : `expected ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}, got ${
            show(given)
          }`;
        break;
      case "invalid_value":
        message = `expected one of ${issue.values.map((v) => String(v)).join(", ")}, got ${
          show(given)
        }`;
        break;
      case "too_small":
        message = issue.origin === "array" || issue.origin === "string"
          ? `expected at least ${issue.minimum} ${
            issue.origin === "array" ? "item(s)" : "character(s)"
          }, got ${show(given)}`
          : `expected a number ${issue.inclusive ? ">=" : ">"} ${issue.minimum}, got ${
            show(given)
          }`;
        break;
      case "too_big":
        message = `expected ${issue.origin === "array" ? "at most" : "a number"} ${
          issue.inclusive ? "<=" : "<"
        } ${issue.maximum}, got ${show(given)}`;
        break;
      case "invalid_union": {
        // Literal unions (input_nc: 1 | 3) read better as a list of values.
        const values = issue.errors.flat().flatMap((e) =>
          e.code === "invalid_value" ? e.values : []
        );
        message = values.length > 0
          ? `expected one of ${values.map(String).join(", ")}, got ${show(given)}`
          : `${issue.message}, got ${show(given)}`;
        break;
      }
      default:
        message = `${issue.message}, got ${show(given)}`;
    }
    out.push({ path: [...prefix, ...path], message });
  }
  return out;
}

/** The training image size a config will produce, when it can be known without the images. */
export function predictedImageSize(
  dataset: { name: string; [k: string]: unknown },
): [number, number] | undefined {
  const o = dataset as Record<string, unknown> & {
    preprocess?: string;
    crop_size?: number;
    load_size?: number;
    size?: number;
  };
  if (typeof o.preprocess === "string" && cropsRandomly(o.preprocess as "crop")) {
    return typeof o.crop_size === "number" ? [o.crop_size, o.crop_size] : undefined;
  }
  if (dataset.name === "scenes" && typeof o.size === "number") {
    const [w, h] = preparedSize(o.size, o.size, o as unknown as Parameters<typeof preparedSize>[2]);
    return [h, w];
  }
  return undefined;
}

/** The architecture keys the size rules read; a rule is skipped when its keys are missing. */
export interface SizedArch {
  /** Generator name. */
  netG?: string;
  /** Discriminator name. */
  netD?: string;
  /** Discriminator filters. */
  ndf?: number;
  /** Normalisation layer. */
  norm?: TrainConfig["norm"];
  /** Layers of the `n_layers` discriminator. */
  n_layers_D?: number;
}

/**
 * Checks the architecture's size rules (generator and discriminator) against the training
 * image size; returns the problems, pointing at `netG` / `netD`.
 */
export function sizeProblems(config: SizedArch, size: readonly [number, number]): SchemaProblem[] {
  const [h, w] = size;
  const out: SchemaProblem[] = [];
  if (config.netG !== undefined) {
    const g = checkGeneratorSize(config.netG, h, w);
    if (g) out.push({ path: ["netG"], message: `${g} (the crop size of the dataset)` });
  }
  if (config.netD !== undefined && config.ndf !== undefined && config.norm !== undefined) {
    const d = checkDiscriminatorSize(config.netD, h, w, {
      ndf: config.ndf,
      norm: config.norm,
      ...(config.netD === "n_layers" ? { n_layers_D: config.n_layers_D ?? 3 } : {}),
    });
    if (d) out.push({ path: ["netD"], message: `${d} (the crop size of the dataset)` });
  }
  return out;
}

/** The result of {@link checkExperiment}: the problems, or the resolved config. */
export type CheckResult =
  | { ok: true; config: ExperimentConfig }
  | { ok: false; problems: SchemaProblem[] };

/**
 * Validates a merged experiment config (defaults already filled in): the schema, the dataset
 * kind's own options, and the cross-field rules (identity loss needs `input_nc == output_nc`,
 * as upstream asserts; generator and discriminator size rules against the crop size). Returns
 * every problem at once, or the resolved config (dataset options with their defaults).
 */
export function checkExperiment(config: Record<string, unknown>): CheckResult {
  const problems: SchemaProblem[] = [];
  const allowedKeys = (path: KeyPath) => allowedKeysAt(config, path);
  const parsed = experimentSchema.safeParse(config);
  if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, config, { allowedKeys }));

  // The dataset's own options, with the channels taken from the top level.
  const ds = config.dataset as Record<string, unknown> | undefined;
  let dataset: ExperimentConfig["dataset"] | undefined;
  let sizeOnly: ExperimentConfig["dataset"] | undefined;
  if (ds && typeof ds === "object" && typeof ds.name === "string" && isDatasetName(ds.name)) {
    const { name, ...options } = ds;
    for (const k of ["input_nc", "output_nc"]) {
      if (k in options) {
        problems.push({
          path: ["dataset", k],
          isKey: true,
          message:
            `set ${k} at the top level of the experiment (the dataset and the model share it)`,
        });
        delete options[k];
      }
    }
    const withChannels = { ...options, input_nc: config.input_nc, output_nc: config.output_nc };
    const schema = datasetEntry(name).options;
    const r = schema.safeParse(withChannels);
    if (r.success) {
      const { input_nc: _i, output_nc: _o, ...rest } = r.data as Record<string, unknown>;
      dataset = { name, ...rest };
    } else {
      // For the size rules alone: the options without the unknown keys and bad channels.
      const known = new Set(allowedKeysAt(config, ["dataset"]));
      const cleaned = Object.fromEntries(Object.entries(options).filter(([k]) => known.has(k)));
      const retry = schema.safeParse(cleaned);
      if (retry.success) sizeOnly = { name, ...(retry.data as Record<string, unknown>) };
      problems.push(
        ...zodProblems(
          r.error.issues.filter((i) => i.path[0] !== "input_nc" && i.path[0] !== "output_nc"),
          options,
          { prefix: ["dataset"], allowedKeys },
        ),
      );
    }
  }

  // The model's own loss ablation.
  const model = modelOf(config);
  const lossSchema = model === "pix2pix" ? pix2pixLossSchema : cycleLossSchema;
  const lossParsed = lossSchema.safeParse(config.loss);
  if (!lossParsed.success) {
    const issues = lossParsed.error.issues;
    if (issues.length > 0 && config.loss !== null && typeof config.loss === "object") {
      problems.push(
        ...zodProblems(issues, config.loss, { prefix: ["loss"], allowedKeys }).map(
          (p) => p.path.length === 1 ? { ...p, message: `${model}: ${p.message}` } : p,
        ),
      );
    } else {
      problems.push({
        path: ["loss"],
        message: `${model} expects ${
          model === "pix2pix"
            ? `{ l1: true | false, gan: ${PIX2PIX_GAN_TERMS.join(" | ")} }`
            : `{ gan: true | false, cycle: ${CYCLE_TERMS.join(" | ")} }`
        }, got ${show(config.loss)}`,
      });
    }
  }

  const c = config as Partial<TrainConfig>;
  if (model === "pix2pix") {
    if (typeof c.pool_size === "number" && c.pool_size !== 0) {
      problems.push({
        path: ["pool_size"],
        message: `pix2pix has no image pool (official pool_size 0), got ${c.pool_size}`,
      });
    }
    if (c.probe === true) {
      problems.push({
        path: ["probe"],
        message: "probe measures CycleGAN's adversarial signal; pix2pix has no probe (set false)",
      });
    }
    const ev = config.eval as { directions?: unknown } | undefined;
    const can = modelDirections({ model, direction: c.direction ?? "AtoB" });
    if (
      Array.isArray(ev?.directions) &&
      !ev.directions.some((d) => can.includes(d as "AtoB" | "BtoA"))
    ) {
      problems.push({
        path: ["eval", "directions"],
        message: `pix2pix with direction ${show(c.direction)} translates ${can.join(", ")} ` +
          `only; eval.directions ${show(ev.directions)} leaves nothing to evaluate`,
      });
    }
  }
  if (
    model === "cycle_gan" &&
    typeof c.lambda_identity === "number" && c.lambda_identity > 0 &&
    c.input_nc !== c.output_nc
  ) {
    problems.push({
      path: ["lambda_identity"],
      message:
        `identity loss (lambda_identity ${c.lambda_identity}) needs input_nc == output_nc, ` +
        `got input_nc ${show(c.input_nc)} and output_nc ${show(c.output_nc)}; set ` +
        `lambda_identity: 0 or make the channels equal`,
    });
  }
  const ev = config.eval as { metrics?: unknown } | undefined;
  if (
    Array.isArray(ev?.metrics) && ev.metrics.includes("seg") && ds?.name !== undefined &&
    !segApplies(String(ds.name))
  ) {
    problems.push({
      path: ["eval", "metrics", ev.metrics.indexOf("seg")],
      message: `seg scores label maps in the scenes palette; dataset ${
        show(ds.name)
      } has none (remove seg or use dataset scenes)`,
    });
  }

  const evo = config.eval as { metrics?: unknown; max_images?: unknown } | undefined;
  const needsTwo = Array.isArray(evo?.metrics) &&
    (evo.metrics.includes("fid") || evo.metrics.includes("kid"));
  if (needsTwo && typeof evo?.max_images === "number" && evo.max_images < 2) {
    problems.push({
      path: ["eval", "max_images"],
      message: `FID and KID need at least 2 images, got max_images ${evo.max_images}`,
    });
  }
  if (needsTwo && ds?.name === "scenes" && typeof ds.test_count === "number" && ds.test_count < 2) {
    problems.push({
      path: ["dataset", "test_count"],
      message: `FID and KID need at least 2 test images, got test_count ${ds.test_count}`,
    });
  }

  // Size rules need only the architecture keys to be valid, not the whole config.
  const sized = dataset ?? sizeOnly;
  const size = sized ? predictedImageSize(sized) : undefined;
  if (size) {
    const g = z.object({ netG: trainShape.netG }).safeParse(config);
    const d = z.object({
      netD: trainShape.netD,
      ndf: trainShape.ndf,
      norm: trainShape.norm,
      n_layers_D: trainShape.n_layers_D,
    }).safeParse(config);
    const found = sizeProblems({
      netG: g.success ? g.data.netG : undefined,
      ...(d.success ? d.data as Omit<SizedArch, "netG"> : {}),
    }, size);
    problems.push(...found);
  }
  if (problems.length > 0 || !parsed.success || !dataset || !lossParsed.success) {
    return { ok: false, problems };
  }
  // The keys this model does not read are left out (a CycleGAN config resolves as before).
  const resolved: Record<string, unknown> = { ...parsed.data, loss: lossParsed.data, dataset };
  for (const k of FOREIGN_KEYS[model]) delete resolved[k];
  return { ok: true, config: resolved as unknown as ExperimentConfig };
}

/** The metric names `eval.metrics` accepts (from the evaluation registry). */
export { EVAL_METRIC_NAMES };

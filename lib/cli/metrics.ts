/**
 * `deno task metrics`: FID, KID and paired scores from the command line.
 *
 * ```sh
 * deno task metrics fid DIR_A DIR_B [--extractor random-conv-s0|inception-v3]
 * deno task metrics kid DIR_A DIR_B [--subsets 100] [--subset-size N] [--seed 0]
 * deno task metrics fd FEATS_A.npy FEATS_B.npy       # Frechet distance of saved features
 * deno task metrics paired DIR_PRED DIR_TRUE         # L1 / PSNR / SSIM over matching names
 * ```
 *
 * - `fid` and `kid` read every PNG/JPEG below each folder, extract features with the
 *   extractor (default `random-conv-s0`; `inception-v3` needs `--inception-weights DIR` or
 *   `$CYCLEBENCH_INCEPTION`) and cache each folder's features under `--cache`
 *   (default `results/.cache/stats`; `--no-cache` turns it off).
 * - `kid` draws `--subsets` (100) seeded subsets of `--subset-size` samples of each set, by
 *   default `min(1000, floor(N / 2))` with N the smaller set's size (so at least 4 images), and
 *   reports the mean and the std over subsets with both numbers beside it
 *   (`std over 100 subsets of 25`; JSON `subsets`, `subset_size`).
 * - `fd` takes N x D float32/float64 `.npy` matrices, as `np.save` writes them.
 * - Output: one JSON object on stdout; progress, warnings and a summary line on stderr. The
 *   metric's `label` names the extractor (`FID[random-conv-s0]`).
 * - Bad input (fewer than 2 images or rows, different feature dimensions, NaN/Inf, unreadable
 *   images, bad flags) prints one line `error: ...` and exits non-zero (2 for usage errors).
 *
 * @module
 */
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, intFlag, parseCli } from "./_flags.ts";
import {
  BACKEND_NAMES,
  BackendUnavailableError,
  describeBackend,
  isBackendChoice,
  selectBackend,
} from "../backend/mod.ts";
import {
  createExtractor,
  DEFAULT_EXTRACTOR,
  type Extractor,
  EXTRACTOR_NAMES,
  isExtractorName,
  metricLabel,
} from "../metrics/extractors/mod.ts";
import { checkSameDims, MetricError } from "../metrics/features.ts";
import { type ImageFolder, readImageFolder } from "../metrics/images.ts";
import { fidOfFeatures, type FrechetResult } from "../metrics/fid.ts";
import { featuresOfFolder, pairedScoresOfFolders } from "../metrics/folders.ts";
import { kernelDistance, KID_MIN_SAMPLES } from "../metrics/kid.ts";
import { readNpy } from "../metrics/npy.ts";

const USAGE =
  `usage: deno task metrics fid|kid DIR_A DIR_B [--extractor ${
    EXTRACTOR_NAMES.join("|")
  }] [--inception-weights DIR] [--batch N] [--backend auto|${BACKEND_NAMES.join("|")}] ` +
  `[--cache DIR | --no-cache] [kid: --subsets N (100) --subset-size N (min(1000, N/2)) --seed N]
       deno task metrics fd FEATS_A.npy FEATS_B.npy
       deno task metrics paired DIR_PRED DIR_TRUE`;

const FLAGS = {
  extractor: {
    type: "string",
    default: DEFAULT_EXTRACTOR,
    arg: "NAME",
    doc: `fid/kid: the feature network (${
      EXTRACTOR_NAMES.join(", ")
    }; default ${DEFAULT_EXTRACTOR})`,
  },
  "inception-weights": {
    type: "string",
    arg: "DIR",
    doc: "fid/kid: inception-v3 weights (default $CYCLEBENCH_INCEPTION)",
  },
  batch: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "fid/kid: images per feature batch (default 32)",
  },
  backend: {
    type: "string",
    default: "auto",
    arg: "NAME",
    expects: `one of auto, ${BACKEND_NAMES.join(", ")}`,
    doc: "fid/kid: the tfjs backend for feature extraction (default auto)",
  },
  cache: {
    type: "string",
    default: "results/.cache/stats",
    arg: "DIR",
    doc: "fid/kid: where each folder's features are cached (default results/.cache/stats)",
  },
  "no-cache": { type: "boolean", default: false, doc: "fid/kid: neither read nor write the cache" },
  subsets: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "kid: number of seeded subsets (default 100)",
  },
  "subset-size": {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "kid: samples per subset (default min(1000, N/2), N the smaller set)",
  },
  seed: {
    type: "string",
    arg: "N",
    expects: "a non-negative integer",
    doc: "kid: seed of the subset draws (default 0)",
  },
  help: HELP_FLAG,
} as const;

const CLI = { usage: USAGE, flags: FLAGS, allowPositionals: true } as const;

type Values = ReturnType<typeof parse>["values"] & { given: ReadonlySet<string> };

function parse(args: string[]) {
  return parseCli(args, CLI);
}

/** A non-negative integer flag (`--seed` may be 0). */
function seedFlag(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UserError(`--seed "${value}" is not a non-negative integer`, 2);
  }
  return n;
}

/** Flags that only some commands take: giving one elsewhere is a usage error. */
/** Flags of the extractor-based commands (fid, kid), which `fd` and `paired` do not take. */
const IMAGE_AND_KID_FLAGS: (keyof typeof FLAGS)[] = [
  "extractor",
  "inception-weights",
  "batch",
  "backend",
  "cache",
  "no-cache",
  "subsets",
  "subset-size",
  "seed",
];

function rejectFlags(values: Values, command: string, flags: (keyof typeof FLAGS)[]): void {
  for (const f of flags) {
    if (values.given.has(f)) {
      throw new UserError(`--${f} does not apply to "metrics ${command}"`, 2);
    }
  }
}

async function startBackend(name: string): Promise<void> {
  if (!isBackendChoice(name)) {
    throw new UserError(
      `--backend "${name}" is not a backend; expected one of auto, ${BACKEND_NAMES.join(", ")}`,
      2,
    );
  }
  try {
    console.error(`backend: ${describeBackend(await selectBackend(name))}`);
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new UserError(e.message, 1);
    throw e;
  }
}

async function openExtractor(values: Values): Promise<Extractor> {
  const name = values.extractor;
  if (!isExtractorName(name)) {
    throw new UserError(
      `--extractor "${name}" is not an extractor; expected one of ${EXTRACTOR_NAMES.join(", ")}`,
      2,
    );
  }
  const weights = values["inception-weights"];
  if (weights !== undefined && name !== "inception-v3") {
    throw new UserError(`--inception-weights applies to --extractor inception-v3 only`, 2);
  }
  const net = await createExtractor(name, weights === undefined ? {} : { weights });
  console.error(`extractor: ${net.name} (${net.dims}-d; ${net.preprocessing})`);
  return net;
}

/**
 * Reads both folders (so a missing folder or too few images fail before any model loads);
 * `why` ends the error message when `minImages` is more than the 2 a covariance needs.
 */
async function readFolders(dirs: string[], minImages = 2, why = ""): Promise<ImageFolder[]> {
  const folders = [];
  for (const dir of dirs) {
    const f = await readImageFolder(dir);
    const n = f.names.length;
    if (n < minImages) {
      throw new MetricError(
        `"${dir}" has ${n} image${n === 1 ? "" : "s"}; at least ${minImages} are needed${why}`,
      );
    }
    folders.push(f);
  }
  return folders;
}

async function folderFeatures(values: Values, folders: ImageFolder[], net: Extractor) {
  const batchSize = intFlag("batch", values.batch, 32);
  const cacheDir = values["no-cache"] ? null : values.cache;
  const out = [];
  for (const folder of folders) {
    const t0 = performance.now();
    const r = await featuresOfFolder(folder, net, {
      batchSize,
      cacheDir,
      onProgress: (done, total) => {
        if (done === total || done % (batchSize * 8) === 0) {
          console.error(`  ${folder.dir}: ${done}/${total} images`);
        }
      },
    });
    console.error(
      `features of "${folder.dir}": ${r.features.rows} images, ${
        r.cached
          ? "from the cache"
          : `extracted in ${((performance.now() - t0) / 1000).toFixed(1)} s`
      }`,
    );
    out.push(r.features);
  }
  return out;
}

function emit(result: Record<string, unknown>, summary: string, warnings: readonly string[]): void {
  for (const w of warnings) console.error(`warning: ${w}`);
  console.error(summary);
  console.log(JSON.stringify(result));
}

async function fidCommand(values: Values, [dirA, dirB]: string[]): Promise<void> {
  rejectFlags(values, "fid", ["subsets", "subset-size", "seed"]);
  const folders = await readFolders([dirA, dirB]);
  await startBackend(values.backend);
  const net = await openExtractor(values);
  try {
    const [a, b] = await folderFeatures(values, folders, net);
    const r = fidOfFeatures(a, b);
    const label = metricLabel("FID", net.name);
    emit(
      {
        metric: "fid",
        label,
        value: r.fid,
        extractor: net.name,
        fingerprint: net.fingerprint,
        dir_a: dirA,
        dir_b: dirB,
        ...frechetFields(r),
      },
      `${label} = ${r.fid.toFixed(6)} (N_A = ${r.n[0]}, N_B = ${r.n[1]}, D = ${r.dims})`,
      r.warnings,
    );
  } finally {
    net.dispose();
  }
}

async function kidCommand(values: Values, [dirA, dirB]: string[]): Promise<void> {
  const subsets = intFlag("subsets", values.subsets, 100);
  const given = values["subset-size"];
  const subsetSize = given === undefined ? undefined : intFlag("subset-size", given, 0);
  if (subsetSize !== undefined && subsetSize < 2) {
    throw new UserError(`--subset-size "${given}" is too small; expected at least 2`, 2);
  }
  const seed = seedFlag(values.seed);
  const folders = subsetSize === undefined
    ? await readFolders(
      [dirA, dirB],
      KID_MIN_SAMPLES,
      " for KID's default subsets of floor(N / 2) >= 2 images (or give --subset-size)",
    )
    : await readFolders([dirA, dirB]);
  await startBackend(values.backend);
  const net = await openExtractor(values);
  try {
    const [a, b] = await folderFeatures(values, folders, net);
    const r = kernelDistance(a, b, { subsets, subsetSize, seed });
    const label = metricLabel("KID", net.name);
    emit(
      {
        metric: "kid",
        label,
        value: r.mean,
        std: r.std,
        extractor: net.name,
        fingerprint: net.fingerprint,
        dir_a: dirA,
        dir_b: dirB,
        n_a: a.rows,
        n_b: b.rows,
        dims: a.cols,
        subsets: r.subsets,
        subset_size: r.subsetSize,
        seed,
        warnings: r.warnings,
      },
      `${label} = ${r.mean.toExponential(4)} ± ${r.std.toExponential(2)} (std over ` +
        `${r.subsets} subsets of ${r.subsetSize} per set, seed ${seed}; N_A = ${a.rows}, ` +
        `N_B = ${b.rows})`,
      r.warnings,
    );
  } finally {
    net.dispose();
  }
}

async function fdCommand(values: Values, [fileA, fileB]: string[]): Promise<void> {
  rejectFlags(values, "fd", IMAGE_AND_KID_FLAGS);
  const a = await readNpy(fileA), b = await readNpy(fileB);
  checkSameDims(a, b, [fileA, fileB]);
  const r = fidOfFeatures(a, b);
  emit(
    {
      metric: "fd",
      label: "FD",
      value: r.fid,
      file_a: fileA,
      file_b: fileB,
      ...frechetFields(r),
    },
    `FD = ${r.fid.toFixed(6)} (N_A = ${r.n[0]}, N_B = ${r.n[1]}, D = ${r.dims})`,
    r.warnings,
  );
}

async function pairedCommand(values: Values, [predDir, trueDir]: string[]): Promise<void> {
  rejectFlags(values, "paired", IMAGE_AND_KID_FLAGS);
  const r = await pairedScoresOfFolders(predDir, trueDir);
  const warnings: string[] = [];
  if (r.onlyPred.length || r.onlyTrue.length) {
    warnings.push(
      `${r.onlyPred.length} prediction(s) and ${r.onlyTrue.length} ground truth(s) have no ` +
        `partner and were not scored`,
    );
  }
  if (r.scores.psnr === Infinity) {
    warnings.push("PSNR is infinite (some pairs are identical); JSON shows it as null");
  }
  emit(
    {
      metric: "paired",
      dir_pred: predDir,
      dir_true: trueDir,
      n: r.scores.n,
      l1: r.scores.l1,
      psnr: Number.isFinite(r.scores.psnr) ? r.scores.psnr : null,
      ssim: r.scores.ssim,
      unmatched_pred: r.onlyPred,
      unmatched_true: r.onlyTrue,
      warnings,
    },
    `${r.scores.n} pairs: L1 = ${r.scores.l1.toFixed(3)} (of 255), PSNR = ${
      r.scores.psnr.toFixed(3)
    } dB, SSIM = ${r.scores.ssim.toFixed(4)}`,
    warnings,
  );
}

const ARGS: Record<string, string> = {
  fid: "DIR_A DIR_B",
  kid: "DIR_A DIR_B",
  fd: "FEATS_A.npy FEATS_B.npy",
  paired: "DIR_PRED DIR_TRUE",
};

const COMMANDS: Record<string, (values: Values, args: string[]) => Promise<void>> = {
  fid: fidCommand,
  kid: kidCommand,
  fd: fdCommand,
  paired: pairedCommand,
};

async function main(args: string[]): Promise<number> {
  const parsed = parse(args);
  const { positionals } = parsed;
  const values: Values = { ...parsed.values, given: parsed.given };
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) {
    throw new UserError(
      `a command is required: one of ${Object.keys(COMMANDS).join(", ")} (--help for usage)`,
      2,
    );
  }
  const run = COMMANDS[command];
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new UserError(
      `unknown command "${command}"; expected one of ${Object.keys(COMMANDS).join(", ")}`,
      2,
    );
  }
  if (rest.length !== 2) {
    throw new UserError(
      `"metrics ${command}" takes 2 arguments (${ARGS[command]}), got ${rest.length}${
        rest.length ? ` (${rest.map((r) => `"${r}"`).join(" ")})` : ""
      }`,
      2,
    );
  }
  await run(values, rest);
  return 0;
}

/** The Frechet-distance details both `fid` and `fd` report, under their JSON names. */
function frechetFields(r: FrechetResult) {
  return {
    n_a: r.n[0],
    n_b: r.n[1],
    dims: r.dims,
    mean_term: r.meanTerm,
    cov_term: r.covTerm,
    rank_a: r.rank,
    offset: r.offset,
    warnings: r.warnings,
  };
}

if (import.meta.main) await runMain(() => main(Deno.args));

/**
 * `deno task translate`: translates a folder of images with a trained generator, as the
 * official `test.py` (test mode: `load_size = crop_size`, no crop, no flip, batch size 1).
 *
 * ```sh
 * deno task translate --checkpoint results/run1 --direction AtoB --input testA --output out
 * deno task translate --checkpoint results/run1/checkpoints/step_00001000 --direction BtoA \
 *   --input testB --output out --backend wasm --eval
 * ```
 *
 * - `--checkpoint`: a checkpoint directory (`step_N/`), a run's `checkpoints/` folder or a run
 *   directory; the newest complete checkpoint is used (a damaged one is skipped with a warning).
 * - `--direction AtoB` uses G_A (= G in the paper), `BtoA` uses G_B (= F).
 * - Every `.png`, `.jpg` and `.jpeg` in `--input` (sorted, not recursive) is resized to the
 *   training image size, ignoring the aspect ratio as the official `resize_and_crop` does, run
 *   through the generator, and written to `--output` as `<name>.png`.
 * - `--force`: overwrite outputs that already exist (without it, an `--output` that already
 *   holds one of the `<name>.png` files is an error and nothing is written, as
 *   `deno task data export --out`).
 * - `--eval` runs the networks in eval mode (BatchNorm running statistics, no dropout); without
 *   it they run in training mode, as the official test.py does unless given `--eval`.
 *
 * Differences from the official test: the resize is bilinear with half-pixel centres (tfjs has
 * no bicubic; PIL's bicubic is the official), and every input image is translated (the official
 * stops at `--num_test`, default 50). Output pixels are `trunc((y + 1) / 2 * 255)` as the
 * official `tensor2im`, and one-channel outputs are written as grey RGB. Inputs are decoded with
 * imagescript; outputs are written by lib/io/png.ts, whose bytes depend on the pixels only
 * (imagescript's encoder stamps the wall-clock time into every file).
 *
 * Bad flags and paths print one line naming the flag or path and exit with code 2. Every input
 * is decoded, and the checkpoint found and loaded, before the first output is written, so a
 * corrupt image or a bad checkpoint leaves `--output` untouched.
 * @module
 */
import { decode, Image } from "imagescript";
import { tf } from "../tf.ts";
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";
import {
  BACKEND_NAMES,
  BackendUnavailableError,
  describeBackend,
  isBackendChoice,
  selectBackend,
} from "../backend/mod.ts";
import { defineG } from "../generators/mod.ts";
import { Rng } from "../nn/rng.ts";
import type { Network } from "../nn/network.ts";
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  latestCheckpoint,
  type LoadedCheckpoint,
  loadNetwork,
  verifyCheckpoint,
} from "../train/checkpoint.ts";
import { ensureDir, exists, joinPath, listDir, readBytes, writeFileAtomic } from "../io/atomic.ts";
import { encodePng } from "../io/png.ts";

/** Which generator: `AtoB` = G_A (G), `BtoA` = G_B (F). */
export type Direction = "AtoB" | "BtoA";

/** File extensions that are translated (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([".png", ".jpg", ".jpeg"]);

const USAGE =
  "usage: deno task translate --checkpoint DIR --direction AtoB|BtoA --input DIR --output DIR " +
  "[--backend auto|" + BACKEND_NAMES.join("|") + "] [--eval] [--force]";

const CLI = {
  usage: USAGE,
  flags: {
    checkpoint: {
      type: "string",
      arg: "DIR",
      doc: "a checkpoint (step_N/), a run's checkpoints/ folder or a run directory (its newest)",
    },
    direction: {
      type: "string",
      arg: "AtoB|BtoA",
      doc: "which generator: AtoB = G_A (the paper's G), BtoA = G_B (F)",
    },
    input: { type: "string", arg: "DIR", doc: "folder of PNG/JPEG images to translate" },
    output: { type: "string", arg: "DIR", doc: "where the translations go, one PNG per input" },
    backend: {
      type: "string",
      default: "auto",
      arg: "NAME",
      expects: `one of auto, ${BACKEND_NAMES.join(", ")}`,
      doc: "tfjs backend (default auto)",
    },
    eval: {
      type: "boolean",
      default: false,
      doc: "networks in eval mode (dropout off, BatchNorm running statistics), as test.py --eval",
    },
    force: { type: "boolean", default: false, doc: "overwrite outputs that already exist" },
    help: HELP_FLAG,
  },
} as const;

/** A generator loaded from a checkpoint, with what it needs to know about its inputs. */
export interface LoadedGenerator {
  /** The network (the caller disposes it). */
  net: Network;
  /** The checkpoint directory it came from. */
  checkpoint: string;
  /** `[height, width]` the generators were trained at. */
  imageSize: [number, number];
  /** Channels in and out. */
  inputNc: number;
  /** Channels out. */
  outputNc: number;
}

/**
 * Finds the checkpoint `path` points at: a checkpoint directory (with `manifest.json`), a
 * `checkpoints/` folder or a run directory (its newest complete checkpoint). Throws a
 * {@link UserError} (exit 2) naming the path when there is none.
 */
export async function resolveCheckpoint(
  path: string,
  onWarning: (message: string) => void = (m) => console.warn(m),
): Promise<LoadedCheckpoint> {
  if (!(await exists(path))) {
    throw new UserError(`--checkpoint "${path}" does not exist`, 2);
  }
  if (!(await Deno.stat(path)).isDirectory) {
    throw new UserError(
      `--checkpoint "${path}" is a file; expected a checkpoint directory (step_N/ with a ` +
        `manifest.json), a run's checkpoints/ folder or a run directory`,
      2,
    );
  }
  if (await exists(joinPath(path, "manifest.json"))) {
    try {
      return { path, state: await verifyCheckpoint(path) };
    } catch (e) {
      if (e instanceof CheckpointError) throw new UserError(`--checkpoint: ${e.message}`, 2);
      throw e;
    }
  }
  const folder = (await exists(joinPath(path, "checkpoints")))
    ? joinPath(path, "checkpoints")
    : path;
  const found = await latestCheckpoint(folder, { onWarning });
  if (!found) {
    throw new UserError(
      `--checkpoint "${path}" holds no complete checkpoint: expected a step_N directory with ` +
        `a manifest.json, a run's checkpoints/ folder or a run directory`,
      2,
    );
  }
  return found;
}

/**
 * Builds the generator for `direction` from a checkpoint's config and loads its weights.
 *
 * ```ts
 * const g = await loadGenerator(await resolveCheckpoint("results/run1"), "AtoB");
 * g.net.dispose();
 * ```
 */
export async function loadGenerator(
  ckpt: LoadedCheckpoint,
  direction: Direction,
): Promise<LoadedGenerator> {
  if (ckpt.state.format !== CHECKPOINT_FORMAT) {
    throw new UserError(
      `--checkpoint "${ckpt.path}" has format version ${ckpt.state.format}, this version reads ` +
        `${CHECKPOINT_FORMAT}`,
      2,
    );
  }
  const c = ckpt.state.config as Record<string, unknown>;
  // pix2pix's one generator (`net_G`) translates its training direction only.
  const pix2pix = c.model === "pix2pix";
  if (pix2pix && c.direction !== direction) {
    throw new UserError(
      `--checkpoint "${ckpt.path}" is a pix2pix model trained ${String(c.direction)}; it ` +
        `cannot translate ${direction} (use --direction ${String(c.direction)})`,
      2,
    );
  }
  const name = pix2pix ? "G" : direction === "AtoB" ? "G_A" : "G_B";
  const inputNc = Number(direction === "AtoB" ? c.input_nc : c.output_nc);
  const outputNc = Number(direction === "AtoB" ? c.output_nc : c.input_nc);
  const net = defineG(String(c.netG), new Rng(0), {
    ngf: c.ngf as number,
    norm: c.norm as "instance",
    no_dropout: c.no_dropout as boolean,
    init_type: c.init_type as "normal",
    init_gain: c.init_gain as number,
    input_nc: inputNc,
    output_nc: outputNc,
    label: name,
  });
  try {
    await loadNetwork(ckpt.path, { network: net, name });
  } catch (e) {
    net.dispose();
    if (e instanceof CheckpointError) throw new UserError(`--checkpoint: ${e.message}`, 2);
    throw e;
  }
  const [h, w] = ckpt.state.data.imageSize;
  return { net, checkpoint: ckpt.path, imageSize: [h, w], inputNc, outputNc };
}

/**
 * An RGBA image as a `[1, h, w, channels]` tensor in [-1, 1], resized to `size` (bilinear,
 * rounded to 8 bits as PIL's resize returns), grey as PIL's `convert("L")` when `channels` is 1.
 */
export function imageToTensor(
  img: Image,
  target: { size: readonly [number, number]; channels: number },
): tf.Tensor4D {
  const { size, channels } = target;
  const { width, height, bitmap } = img;
  const px = width * height;
  const data = new Float32Array(px * channels);
  for (let i = 0; i < px; i++) {
    const [r, g, b] = [bitmap[4 * i], bitmap[4 * i + 1], bitmap[4 * i + 2]];
    if (channels === 1) data[i] = Math.round((r * 299 + g * 587 + b * 114) / 1000);
    else {
      data[3 * i] = r;
      data[3 * i + 1] = g;
      data[3 * i + 2] = b;
    }
  }
  return tf.tidy(() => {
    let x = tf.tensor4d(data, [1, height, width, channels]);
    if (height !== size[0] || width !== size[1]) {
      x = tf.clipByValue(
        tf.round(tf.image.resizeBilinear(x, [size[0], size[1]], false, true)),
        0,
        255,
      );
    }
    // ToTensor then Normalize(0.5, 0.5): x / 255 * 2 - 1.
    return tf.sub(tf.mul(tf.div(x, 255), 2), 1) as tf.Tensor4D;
  });
}

/**
 * A `[1, h, w, c]` tensor in [-1, 1] as RGB PNG bytes: official `tensor2im` (`(y + 1) / 2 * 255`
 * truncated to 8 bits, one channel tiled to three). Deterministic bytes (see lib/io/png.ts).
 */
export async function tensorToPng(y: tf.Tensor4D): Promise<Uint8Array> {
  const [, h, w, c] = y.shape;
  const values = await y.data();
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) {
      const v = values[i * c + (c === 1 ? 0 : k)];
      rgb[3 * i + k] = Math.min(255, Math.max(0, Math.trunc((v + 1) / 2 * 255)));
    }
  }
  return await encodePng(rgb, { width: w, height: h, channels: 3 });
}

/** Options of {@link translateFolder}. */
export interface TranslateOptions {
  /** Checkpoint, `checkpoints/` folder or run directory. */
  checkpoint: string;
  /** Which generator. */
  direction: Direction;
  /** Folder of input images. */
  input: string;
  /** Folder for the outputs (created if missing). */
  output: string;
  /** Eval mode (BatchNorm running statistics, no dropout). Default false, as official. */
  eval?: boolean;
  /** Overwrite outputs that exist (default false: an existing output is an error). */
  force?: boolean;
  /** Receives warnings (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/**
 * Translates every image of `options.input` and writes `<name>.png` files to
 * `options.output`; returns the checkpoint used and the paths written. User-fixable problems
 * (missing folder, no images, two inputs with one name, an input that does not decode, a bad
 * checkpoint, outputs that exist without `force`) are {@link UserError}s with exit code 2, all
 * found before anything is written. Leaves no tensors behind.
 *
 * ```ts
 * await translateFolder({ checkpoint: "results/run1", direction: "AtoB", input: "testA", output: "out" });
 * ```
 */
export async function translateFolder(
  options: TranslateOptions,
): Promise<{ checkpoint: string; written: string[] }> {
  const { input, output } = options;
  let inputInfo: Deno.FileInfo;
  try {
    inputInfo = await Deno.stat(input);
  } catch {
    throw new UserError(`--input "${input}" does not exist`, 2);
  }
  if (!inputInfo.isDirectory) throw new UserError(`--input "${input}" is not a directory`, 2);
  if ((await exists(output)) && !(await Deno.stat(output)).isDirectory) {
    throw new UserError(`--output "${output}" exists and is not a directory`, 2);
  }
  const files = (await listDir(input)).filter((e) =>
    e.isFile && IMAGE_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x))
  ).map((e) => e.name);
  if (files.length === 0) {
    throw new UserError(
      `--input "${input}" holds no images (expected ${IMAGE_EXTENSIONS.join(", ")} files)`,
      2,
    );
  }
  const byStem = new Map<string, string>();
  for (const f of files) {
    const stem = f.slice(0, f.lastIndexOf("."));
    const other = byStem.get(stem);
    if (other) {
      throw new UserError(
        `--input "${input}" has "${other}" and "${f}", which would both be written as ${stem}.png`,
        2,
      );
    }
    byStem.set(stem, f);
  }

  // Outputs that would be overwritten: refused unless --force, before any work.
  if (!options.force) {
    const existing: string[] = [];
    for (const stem of byStem.keys()) {
      if (await exists(joinPath(output, `${stem}.png`))) existing.push(`${stem}.png`);
    }
    if (existing.length > 0) {
      throw new UserError(
        `--output "${output}" already holds ${existing.length} of the ${byStem.size} ` +
          `output(s) (${existing.slice(0, 3).join(", ")}${
            existing.length > 3 ? ", ..." : ""
          }); choose a new folder or pass --force to overwrite them`,
        2,
      );
    }
  }
  // Every input decoded before anything is written: a corrupt file stops the command with
  // --output untouched, naming every file that does not decode.
  const images = new Map<string, Image>();
  const bad: string[] = [];
  for (const [stem, file] of byStem) {
    const path = joinPath(input, file);
    try {
      const decoded = await decode(await readBytes(path));
      if (!(decoded instanceof Image)) throw new Error("not a still image");
      images.set(stem, decoded);
    } catch (e) {
      bad.push(`"${path}" (${(e as Error).message})`);
    }
  }
  if (bad.length > 0) {
    throw new UserError(
      `cannot decode ${bad.length} of the ${byStem.size} input image(s), nothing written: ${
        bad.slice(0, 3).join("; ")
      }${bad.length > 3 ? `; and ${bad.length - 3} more` : ""}`,
      2,
    );
  }

  const ckpt = await resolveCheckpoint(options.checkpoint, options.onWarning);
  const g = await loadGenerator(ckpt, options.direction);
  const written: string[] = [];
  try {
    await ensureDir(output);
    // Dropout in training mode needs a stream; seeded so repeated runs write the same bytes.
    const rng = new Rng(0);
    for (const [stem, img] of images) {
      const x = imageToTensor(img, { size: g.imageSize, channels: g.inputNc });
      const y = g.net.apply(x, { training: !options.eval, rng });
      x.dispose();
      try {
        const target = joinPath(output, `${stem}.png`);
        await writeFileAtomic(target, await tensorToPng(y));
        written.push(target);
      } finally {
        y.dispose();
      }
    }
  } finally {
    g.net.dispose();
  }
  return { checkpoint: ckpt.path, written };
}

async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  for (const flag of ["checkpoint", "direction", "input", "output"] as const) {
    if (values[flag] === undefined || values[flag] === "") {
      throw new UserError(`--${flag} is required; ${USAGE}`, 2);
    }
  }
  const direction = values.direction!;
  if (direction !== "AtoB" && direction !== "BtoA") {
    throw new UserError(`--direction "${direction}" is not AtoB or BtoA`, 2);
  }
  if (!isBackendChoice(values.backend)) {
    throw new UserError(
      `--backend "${values.backend}" is not a backend; expected one of auto, ${
        BACKEND_NAMES.join(", ")
      }`,
      2,
    );
  }
  try {
    console.log(`backend: ${describeBackend(await selectBackend(values.backend))}`);
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new UserError(e.message, 1);
    throw e;
  }
  const r = await translateFolder({
    checkpoint: values.checkpoint!,
    direction,
    input: values.input!,
    output: values.output!,
    eval: values.eval,
    force: values.force,
  });
  console.log(
    `translated ${r.written.length} image(s) ${direction} with ${
      direction === "AtoB" ? "G_A" : "G_B"
    } from "${r.checkpoint}" into "${values.output}"`,
  );
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));

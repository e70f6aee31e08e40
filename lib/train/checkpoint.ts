/**
 * Self-contained, verifiable training checkpoints: everything a run needs to continue exactly
 * where it stopped (reliability.md C.2: "weights plus Adam alone are not enough").
 *
 * A checkpoint is a directory `step_00000042/` in the run's `checkpoints/` folder, written as
 * `step_00000042.tmp/` and published by one rename, so a reader never sees half of one:
 *
 * | file | holds |
 * |---|---|
 * | `net_<name>.bin` + `.json` | params and buffers (BatchNorm running stats) by official state_dict key; CycleGAN: G_A, G_B, D_A, D_B; pix2pix: G, D |
 * | `optim_{G,D}.bin` + `.json` | both Adam states: first and second moments, iteration count, beta powers |
 * | `pool_<name>.bin` + `.json` | the image pools (CycleGAN: fake_A, fake_B; pix2pix has none): stored images in slot order and the pool's RNG |
 * | `state.json` | step, epoch, data cursor, LR schedule position, RNG states (model and data), resolved config, config hash, format version |
 * | `manifest.json` | size and SHA-256 of every other file; written last |
 *
 * The files are those of the model's parts ({@link TrainModel}: `networks`, `optimizers`,
 * `pools`); a CycleGAN checkpoint is byte for byte what it was before other models existed.
 *
 * Tensors are raw little-endian float32, one `.bin` per network/optimizer/pool, with a JSON
 * index of names, shapes and byte offsets beside it.
 *
 * Beyond tfjs's `optimizer.getWeights()` (iteration count and moments) we also save Adam's
 * running powers beta1^t and beta2^t: tfjs's `setWeights` recomputes them with `pow`, which can
 * differ in the last bit from the running product the uninterrupted run holds, and a resumed run
 * must be bit-identical.
 *
 * ```ts
 * import { latestCheckpoint, restoreCycleGan, saveCheckpoint } from "./checkpoint.ts";
 * const path = await saveCheckpoint("run/checkpoints", { model, state }, { keep: 2 });
 * const found = await latestCheckpoint("run/checkpoints", { repair: true });
 * if (found) model = await restoreCycleGan(model, found);
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { ImagePool } from "../image_pool.ts";
import type { RngState } from "../nn/rng.ts";
import type { Network } from "../nn/network.ts";
import type { CycleGan } from "./cyclegan.ts";
import { cycleGanModel, type ModelName, type TrainModel } from "./models.ts";
import type { SchedulePosition } from "./schedule.ts";
import type { DataDescription } from "./data.ts";
import {
  ensureDir,
  exists,
  joinPath,
  listDir,
  moveAside,
  publishDir,
  readBytes,
  readJson,
  removeTree,
  sha256Hex,
  syncDir,
  writeFileDurable,
} from "../io/atomic.ts";

/** The checkpoint layout version this code writes and reads. */
export const CHECKPOINT_FORMAT = 1;

/** A model as a checkpoint sees it: a {@link TrainModel}, or a CycleGAN as cyclegan.ts builds it. */
export type CheckpointModel = TrainModel | CycleGan;

/** The {@link TrainModel} view of either form. */
function asTrainModel(model: CheckpointModel): TrainModel {
  return "networks" in model ? model : cycleGanModel(model);
}

/** The four networks of a CycleGAN, in the order they are saved and hashed. */
export const NETWORK_NAMES = ["G_A", "G_B", "D_A", "D_B"] as const;

/** One of {@link NETWORK_NAMES}. */
export type NetworkName = typeof NETWORK_NAMES[number];

/** Where the data loader is: the next batch to draw. */
export interface DataCursor {
  /** Epoch number (official numbering, from `epoch_count`) of the next batch. */
  epoch: number;
  /** Iteration within that epoch of the next batch (0-based). */
  iteration: number;
  /** The run's epoch-order seed (see `epochOrder` in data.ts). */
  orderSeed: number;
}

/** Everything in a checkpoint that is not a tensor (`state.json`). */
export interface CheckpointState {
  /** {@link CHECKPOINT_FORMAT} of the writer. */
  format: number;
  /** Optimizer iterations completed. */
  step: number;
  /** Epoch number the next step belongs to. */
  epoch: number;
  /** The data loader's position. */
  cursor: DataCursor;
  /** The LR schedule's position: scheduler steps taken, in epochs and in iterations. */
  schedule: SchedulePosition;
  /** RNG states: the model's (dropout, gradient penalty) and the data loader's. */
  rng: { model: RngState; data: RngState };
  /** The run's resolved config, as given to the trainer. */
  config: unknown;
  /** The data it trained on (sizes, channels, training image size). */
  data: DataDescription;
  /** SHA-256 of the canonical JSON of what determines the results (see loop.ts). */
  configHash: string;
  /** The tfjs backend that wrote it (bit-identical resume holds on the same backend). */
  backend: string;
}

/** A checkpoint found on disk, its manifest verified. */
export interface LoadedCheckpoint {
  /** Its directory. */
  path: string;
  /** Its `state.json`. */
  state: CheckpointState;
}

/** A checkpoint that is incomplete or damaged (missing file, wrong size or hash, bad JSON). */
export class CheckpointError extends Error {
  /** The checkpoint directory. */
  readonly path: string;
  /**
   * An error for the checkpoint at `path`.
   *
   * @param path The checkpoint directory.
   * @param reason What is wrong with it.
   */
  constructor(path: string, reason: string) {
    super(`Checkpoint "${path}" is incomplete or corrupted: ${reason}`);
    this.name = "CheckpointError";
    this.path = path;
  }
}

/** A checkpoint that is intact but belongs to another config or format version. */
export class ResumeError extends Error {
  /**
   * A refusal to resume.
   *
   * @param message Names the run and both values.
   */
  constructor(message: string) {
    super(message);
    this.name = "ResumeError";
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and hashes

/**
 * JSON with object keys sorted at every level and no whitespace, so equal values give equal
 * text (and hash). `undefined` members are dropped as `JSON.stringify` does; non-finite
 * numbers are an error (JSON cannot hold them).
 *
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError(`Cannot write ${value} as canonical JSON: expected a finite number`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`Cannot write a ${typeof value} as canonical JSON`);
}

/**
 * SHA-256 (hex) of {@link canonicalJson}`(value)`: the identity of a config.
 *
 * ```ts
 * await configHash({ lr: 2e-4, netG: "resnet_9blocks" }); // 64 hex digits
 * ```
 */
export async function configHash(value: unknown): Promise<string> {
  return await sha256Hex(canonicalJson(value));
}

/**
 * SHA-256 (hex) over every parameter and buffer of the four networks, in
 * {@link NETWORK_NAMES} order then key order, each as its name, shape and float32 bytes. Equal
 * digests mean bit-identical weights.
 *
 * ```ts
 * const before = await weightsDigest(model);
 * ```
 */
export async function weightsDigest(
  model: Pick<CycleGan, NetworkName> | Pick<TrainModel, "networks">,
): Promise<string> {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const nets: Record<string, Network> = "networks" in model
    ? model.networks
    : Object.fromEntries(NETWORK_NAMES.map((n) => [n, model[n]]));
  for (const [name, net] of Object.entries(nets)) {
    for (const t of await networkTensors(net)) {
      parts.push(enc.encode(`${name}/${t.name}[${t.shape.join(",")}]`));
      parts.push(float32Bytes(t.data));
    }
  }
  return await sha256Hex(concatBytes(parts));
}

// ---------------------------------------------------------------------------------------------
// Tensor files

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One tensor in a `.bin` file's index. */
export interface TensorIndexEntry {
  /** State-dict key (networks), moment name (optimizers) or `images` (pools). */
  name: string;
  /** tfjs shape. */
  shape: number[];
  /** Byte offset in the `.bin` file. */
  offset: number;
  /** Number of float32 values. */
  length: number;
  /** `buffer` for non-trainable state (BatchNorm running stats). */
  kind?: "param" | "buffer";
}

/** The JSON index beside a `.bin` file. */
export interface TensorFileIndex {
  /** Always `float32`. */
  dtype: "float32";
  /** Always `little`. */
  byteOrder: "little";
  /** Size of the `.bin` file. */
  byteLength: number;
  /** The tensors, in file order. */
  tensors: TensorIndexEntry[];
  /** Anything else the file's owner needs (optimizer iterations, pool RNG). */
  extra?: Record<string, unknown>;
}

interface NamedData {
  name: string;
  shape: number[];
  data: Float32Array;
  kind?: "param" | "buffer";
}

function float32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function bytesToFloat32(bytes: Uint8Array, offset: number, length: number): Float32Array {
  if (LITTLE_ENDIAN) {
    // Copy into an aligned buffer (a Float32Array view needs a multiple-of-4 offset).
    return new Float32Array(bytes.slice(offset, offset + length * 4).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length * 4);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeTensors(
  items: NamedData[],
  extra?: Record<string, unknown>,
): { bin: Uint8Array; index: TensorFileIndex } {
  const parts: Uint8Array[] = [];
  const tensors: TensorIndexEntry[] = [];
  let offset = 0;
  for (const it of items) {
    const bytes = float32Bytes(it.data);
    tensors.push({
      name: it.name,
      shape: it.shape,
      offset,
      length: it.data.length,
      ...(it.kind ? { kind: it.kind } : {}),
    });
    parts.push(bytes);
    offset += bytes.length;
  }
  return {
    bin: concatBytes(parts),
    index: { dtype: "float32", byteOrder: "little", byteLength: offset, tensors, extra },
  };
}

async function readTensorFile(
  dir: string,
  stem: string,
): Promise<{ index: TensorFileIndex; tensors: Map<string, NamedData> }> {
  const indexPath = joinPath(dir, `${stem}.json`);
  const index = await readJson(indexPath) as TensorFileIndex;
  if (
    index?.dtype !== "float32" || index.byteOrder !== "little" || !Array.isArray(index.tensors)
  ) {
    throw new CheckpointError(dir, `${stem}.json is not a float32 little-endian tensor index`);
  }
  const bytes = await readBytes(joinPath(dir, `${stem}.bin`));
  if (bytes.length !== index.byteLength) {
    throw new CheckpointError(
      dir,
      `${stem}.bin has ${bytes.length} bytes, its index says ${index.byteLength}`,
    );
  }
  const tensors = new Map<string, NamedData>();
  for (const e of index.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (n !== e.length || e.offset < 0 || e.offset + e.length * 4 > bytes.length) {
      throw new CheckpointError(dir, `${stem}.json entry "${e.name}" does not fit the file`);
    }
    tensors.set(e.name, {
      name: e.name,
      shape: e.shape,
      data: bytesToFloat32(bytes, e.offset, e.length),
      kind: e.kind,
    });
  }
  return { index, tensors };
}

async function networkTensors(net: Network): Promise<NamedData[]> {
  const out: NamedData[] = [];
  for (const [kind, group] of [["param", net.params], ["buffer", net.buffers]] as const) {
    for (const [name, v] of Object.entries(group)) {
      out.push({ name, shape: v.shape.slice(), data: Float32Array.from(await v.data()), kind });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adam internals

/** tfjs `AdamOptimizer`'s running beta powers, which `getWeights` leaves out. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamInternals(opt: tf.AdamOptimizer): AdamInternals {
  const o = opt as unknown as Partial<AdamInternals>;
  if (!(o.accBeta1 instanceof tf.Variable) || !(o.accBeta2 instanceof tf.Variable)) {
    throw new Error(
      "Cannot checkpoint the Adam optimizer: tfjs's AdamOptimizer has no accBeta1/accBeta2 " +
        "variables (tfjs internals changed; expected @tensorflow/tfjs-core 4.22.0)",
    );
  }
  return o as AdamInternals;
}

async function optimizerSnapshot(
  opt: tf.AdamOptimizer,
): Promise<{ items: NamedData[]; extra: Record<string, unknown> }> {
  const weights = await opt.getWeights();
  const [iter, ...moments] = weights;
  const iterations = (await iter.tensor.data())[0];
  iter.tensor.dispose();
  const { accBeta1, accBeta2 } = adamInternals(opt);
  const items: NamedData[] = [];
  for (const w of moments) {
    items.push({
      name: w.name,
      shape: w.tensor.shape.slice(),
      data: Float32Array.from(await w.tensor.data()),
    });
  }
  return {
    items,
    extra: {
      iterations,
      // float32 values; a JS number holds them exactly and JSON round-trips them exactly.
      accBeta1: (await accBeta1.data())[0],
      accBeta2: (await accBeta2.data())[0],
    },
  };
}

async function restoreOptimizer(
  opt: tf.AdamOptimizer,
  file: { index: TensorFileIndex; tensors: Map<string, NamedData> },
  where: string,
): Promise<void> {
  const current = await opt.getWeights();
  current[0].tensor.dispose();
  if (current.length > 1) {
    throw new Error(
      `Cannot restore ${where} into an optimizer that has already stepped: expected a fresh one`,
    );
  }
  const extra = file.index.extra ?? {};
  const { iterations, accBeta1, accBeta2 } = extra as Record<string, number>;
  if (
    !Number.isInteger(iterations) || typeof accBeta1 !== "number" ||
    typeof accBeta2 !== "number" || file.index.tensors.length % 2 !== 0
  ) {
    throw new CheckpointError(where, "the optimizer index lacks iterations/accBeta1/accBeta2");
  }
  const named = [
    { name: "iter", tensor: tf.scalar(iterations, "int32") as tf.Tensor },
    ...file.index.tensors.map((e) => {
      const t = file.tensors.get(e.name)!;
      return { name: e.name, tensor: tf.tensor(t.data, t.shape, "float32") };
    }),
  ];
  try {
    // setWeights makes its own variables from these tensors (and takes iterations from "iter").
    await opt.setWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  const acc = adamInternals(opt);
  tf.tidy(() => {
    acc.accBeta1.assign(tf.scalar(accBeta1, "float32"));
    acc.accBeta2.assign(tf.scalar(accBeta2, "float32"));
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Directory name of the checkpoint at `step`: `step_00000042`. */
export function checkpointName(step: number): string {
  return `step_${String(step).padStart(8, "0")}`;
}

const NAME_RE = /^step_(\d+)$/;

/** Options of {@link saveCheckpoint}. */
export interface SaveOptions {
  /** How many published checkpoints to keep, newest first (default 2). */
  keep?: number;
  /**
   * Called with the finished temporary directory just before it is published: the hook the
   * trainer's fault injection uses to die (or damage a file) between writing and renaming.
   */
  beforePublish?: (tmpDir: string) => Promise<void> | void;
}

/**
 * Writes `model` and `state` as a new checkpoint under `dir` (created if needed), publishes it
 * by rename, and prunes to the newest `keep`. Returns the published directory. Leaves no
 * tensors behind.
 *
 * ```ts
 * const path = await saveCheckpoint("run/checkpoints", { model, state });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  snapshot: { model: CheckpointModel; state: CheckpointState },
  options: SaveOptions = {},
): Promise<string> {
  const { model, state } = snapshot;
  const keep = options.keep ?? 2;
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(`Cannot keep ${keep} checkpoints: expected an integer >= 1`);
  }
  await ensureDir(dir);
  const name = checkpointName(state.step);
  const tmp = joinPath(dir, `${name}.tmp`);
  const final = joinPath(dir, name);
  await removeTree(tmp);
  await ensureDir(tmp);
  try {
    await writeCheckpointFiles(tmp, asTrainModel(model), state);
  } catch (e) {
    // Free the space (ENOSPC) and leave no half-written directory; a process killed here
    // leaves a *.tmp that the next latestCheckpoint({repair: true}) removes.
    await removeTree(tmp).catch(() => {});
    throw e;
  }
  await options.beforePublish?.(tmp);
  if (await exists(final)) await moveAside(final, ".superseded");
  await publishDir(tmp, final);
  await pruneCheckpoints(dir, keep);
  return final;
}

async function writeCheckpointFiles(
  tmp: string,
  model: TrainModel,
  state: CheckpointState,
): Promise<void> {
  const manifest: { format: number; files: Record<string, { size: number; sha256: string }> } = {
    format: CHECKPOINT_FORMAT,
    files: {},
  };
  // Each file is written as soon as it is encoded, so at most one is held in memory.
  const put = async (file: string, data: Uint8Array) => {
    await writeFileDurable(joinPath(tmp, file), data);
    manifest.files[file] = { size: data.length, sha256: await sha256Hex(data) };
  };
  const putTensors = async (stem: string, items: NamedData[], extra?: Record<string, unknown>) => {
    const { bin, index } = encodeTensors(items, extra);
    await put(`${stem}.bin`, bin);
    await put(`${stem}.json`, new TextEncoder().encode(JSON.stringify(index, null, 1)));
  };
  for (const [name, net] of Object.entries(model.networks)) {
    await putTensors(`net_${name}`, await networkTensors(net));
  }
  for (const [name, opt] of Object.entries(model.optimizers)) {
    const { items, extra } = await optimizerSnapshot(opt);
    await putTensors(`optim_${name}`, items, extra);
  }
  for (const [name, pool] of Object.entries(model.pools)) {
    const s = await pool.toState();
    await putTensors(`pool_${name}`, [{
      name: "images",
      shape: s.images.shape,
      data: s.images.data,
    }], {
      size: s.size,
      rng: s.rng,
    });
  }
  await put("state.json", new TextEncoder().encode(JSON.stringify(state, null, 2)));
  // The manifest goes last: a directory without one was never finished.
  await writeFileDurable(joinPath(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
  await syncDir(tmp);
}

async function publishedSteps(dir: string): Promise<{ step: number; name: string }[]> {
  return (await listDir(dir))
    .filter((e) => e.isDirectory && NAME_RE.test(e.name))
    .map((e) => ({ step: Number(NAME_RE.exec(e.name)![1]), name: e.name }))
    .sort((a, b) => b.step - a.step);
}

async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  for (const old of (await publishedSteps(dir)).slice(keep)) {
    await removeTree(joinPath(dir, old.name));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Checks a checkpoint directory against its manifest (every file present with the listed size
 * and SHA-256, every file this format needs listed) and returns its state. Throws
 * {@link CheckpointError} when it is incomplete or damaged. A checkpoint of another format
 * version is returned as is (its files checked against its own manifest), for the caller to
 * refuse by name.
 *
 * ```ts
 * const state = await verifyCheckpoint("run/checkpoints/step_00000004");
 * ```
 */
export async function verifyCheckpoint(path: string): Promise<CheckpointState> {
  let manifest: { format?: unknown; files?: Record<string, { size: number; sha256: string }> };
  try {
    manifest = await readJson(joinPath(path, "manifest.json")) as typeof manifest;
  } catch (e) {
    throw new CheckpointError(path, `manifest.json unreadable (${(e as Error).message})`);
  }
  if (typeof manifest?.format !== "number" || typeof manifest.files !== "object") {
    throw new CheckpointError(path, "manifest.json lacks format/files");
  }
  const listed = Object.keys(manifest.files ?? {});
  if (manifest.format === CHECKPOINT_FORMAT) {
    // The model named in state.json (CycleGAN checkpoints name none) says which files it needs;
    // an unreadable state.json is reported below, after the file checks.
    const named = await readJson(joinPath(path, "state.json")).then(
      (s) => (s as { config?: { model?: unknown } })?.config?.model,
      () => undefined,
    );
    const missing = requiredFiles(named === "pix2pix" ? "pix2pix" : "cycle_gan")
      .filter((f) => !listed.includes(f));
    if (missing.length > 0) {
      throw new CheckpointError(path, `manifest.json does not list ${missing.join(", ")}`);
    }
  }
  for (const file of listed) {
    const want = manifest.files![file];
    if (file.includes("/") || file.startsWith(".")) {
      throw new CheckpointError(path, `manifest.json lists an unexpected path "${file}"`);
    }
    let data: Uint8Array;
    try {
      data = await readBytes(joinPath(path, file));
    } catch (e) {
      throw new CheckpointError(path, `${file} unreadable (${(e as Error).message})`);
    }
    if (data.length !== want.size) {
      throw new CheckpointError(
        path,
        `${file} has ${data.length} bytes, the manifest says ${want.size}`,
      );
    }
    const sha = await sha256Hex(data);
    if (sha !== want.sha256) {
      throw new CheckpointError(
        path,
        `${file} has SHA-256 ${sha}, the manifest says ${want.sha256}`,
      );
    }
  }
  let state: CheckpointState;
  try {
    state = await readJson(joinPath(path, "state.json")) as CheckpointState;
  } catch (e) {
    throw new CheckpointError(path, `state.json unreadable (${(e as Error).message})`);
  }
  if (typeof state?.format !== "number") {
    state = { ...state, format: manifest.format } as CheckpointState;
  }
  if (
    state.format === CHECKPOINT_FORMAT &&
    (!Number.isInteger(state.step) || typeof state.configHash !== "string" || !state.rng ||
      !state.cursor || !state.schedule || !Array.isArray(state.data?.imageSize))
  ) {
    throw new CheckpointError(path, "state.json lacks step/cursor/schedule/rng/data/configHash");
  }
  return state;
}

/** The files a checkpoint of `model` must list (a CycleGAN's as they always were). */
function requiredFiles(model: ModelName): string[] {
  const stems = model === "pix2pix"
    ? ["net_G", "net_D", "optim_G", "optim_D"]
    : [...NETWORK_NAMES.map((n) => `net_${n}`), "optim_G", "optim_D", "pool_fake_A", "pool_fake_B"];
  return ["state.json", ...stems.flatMap((s) => [`${s}.bin`, `${s}.json`])];
}

/** Options of {@link latestCheckpoint}. */
export interface LatestOptions {
  /**
   * The trainer's mode: remove leftover `*.tmp` directories (unfinished writes) and move
   * damaged checkpoints aside as `<name>.corrupt` (never deleted). Default false: only read.
   */
  repair?: boolean;
  /** Receives one line per problem found (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/**
 * The newest complete checkpoint in `dir` (a run's `checkpoints/` folder), or undefined when
 * there is none. A damaged or incomplete newer one is skipped with a warning, falling back to
 * the previous one; `*.tmp` directories are ignored (and removed with `repair`).
 *
 * ```ts
 * const found = await latestCheckpoint("run/checkpoints", { repair: true });
 * ```
 */
export async function latestCheckpoint(
  dir: string,
  options: LatestOptions = {},
): Promise<LoadedCheckpoint | undefined> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  for (const e of await listDir(dir)) {
    if (e.name.endsWith(".tmp")) {
      if (options.repair) {
        warn(`Removing unfinished checkpoint "${joinPath(dir, e.name)}"`);
        await removeTree(joinPath(dir, e.name));
      }
    }
  }
  for (const { name } of await publishedSteps(dir)) {
    const path = joinPath(dir, name);
    try {
      return { path, state: await verifyCheckpoint(path) };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      let note = "";
      if (options.repair) note = `; moved aside to "${await moveAside(path, ".corrupt")}"`;
      warn(`${e.message}; falling back to the previous checkpoint${note}`);
    }
  }
  return undefined;
}

/**
 * Refuses a checkpoint written by another format version or for another config, naming both
 * values: `Cannot resume run "r": checkpoint config hash X differs from Y`.
 */
export function checkResumable(
  state: CheckpointState,
  expected: { configHash: string; run: string },
): void {
  const hint = "; pass restart: true (--restart) to start over with the old checkpoints moved " +
    "aside";
  if (state.format !== CHECKPOINT_FORMAT) {
    throw new ResumeError(
      `Cannot resume run "${expected.run}": checkpoint format version ${state.format} differs ` +
        `from ${CHECKPOINT_FORMAT}${hint}`,
    );
  }
  if (state.configHash !== expected.configHash) {
    throw new ResumeError(
      `Cannot resume run "${expected.run}": checkpoint config hash ${state.configHash} differs ` +
        `from ${expected.configHash}${hint}`,
    );
  }
}

/**
 * Moves a run's whole `checkpoints/` folder aside as `<dir>.restarted-<time>` (nothing is
 * deleted) and returns the new path, or undefined when there was nothing to move.
 */
export async function moveCheckpointsAside(dir: string): Promise<string | undefined> {
  if (!(await exists(dir))) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return await moveAside(dir, `.restarted-${stamp}`);
}

/**
 * Loads one network's params and buffers from a checkpoint directory into `net` (same
 * architecture). Names and shapes must match exactly; the error lists any difference.
 *
 * ```ts
 * await loadNetwork("run/checkpoints/step_00000200", { network: G, name: "G_A" });
 * ```
 */
export async function loadNetwork(
  path: string,
  target: { network: Network; name: NetworkName | string },
): Promise<void> {
  const { network: net, name } = target;
  const { tensors } = await readTensorFile(path, `net_${name}`);
  const targets: Record<string, tf.Variable> = { ...net.params, ...net.buffers };
  const missing = Object.keys(targets).filter((k) => !tensors.has(k));
  const extra = [...tensors.keys()].filter((k) => !(k in targets));
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointError(
      path,
      `net_${name} does not match the ${net.variant} network: missing [${
        missing.join(", ")
      }], unexpected [${extra.join(", ")}]`,
    );
  }
  for (const [key, v] of Object.entries(targets)) {
    const t = tensors.get(key)!;
    if (t.shape.join() !== v.shape.join()) {
      throw new CheckpointError(
        path,
        `net_${name} "${key}" has shape [${t.shape}], the network expects [${v.shape}]`,
      );
    }
  }
  tf.tidy(() => {
    for (const [key, v] of Object.entries(targets)) {
      const t = tensors.get(key)!;
      v.assign(tf.tensor(t.data, t.shape, "float32"));
    }
  });
}

async function restorePool(path: string, stem: string): Promise<ImagePool> {
  const { index, tensors } = await readTensorFile(path, stem);
  const images = tensors.get("images");
  const extra = index.extra as { size?: number; rng?: RngState } | undefined;
  if (!images || typeof extra?.size !== "number" || !extra.rng) {
    throw new CheckpointError(path, `${stem}.json lacks images/size/rng`);
  }
  return ImagePool.fromState({
    size: extra.size,
    images: { data: images.data, shape: images.shape },
    rng: extra.rng,
  });
}

/**
 * Restores a checkpoint into a freshly built model of the same config: weights and buffers,
 * both Adam states, both image pools and the model's RNG. Returns the model to use from now on
 * (the pools are new objects; the old ones are disposed). The data RNG and cursor live in
 * `ckpt.state` for the trainer. Leaves no tensors behind.
 *
 * ```ts
 * model = await restoreCycleGan(createCycleGan(options, new Rng(seed)), found);
 * ```
 */
export async function restoreCycleGan(model: CycleGan, ckpt: LoadedCheckpoint): Promise<CycleGan> {
  const view = cycleGanModel(model);
  await restoreModel(view, ckpt);
  return { ...model, fake_A_pool: view.pools.fake_A, fake_B_pool: view.pools.fake_B };
}

/**
 * Restores a checkpoint into a freshly built {@link TrainModel} of the same config, in place:
 * every network's weights and buffers, every Adam state, every image pool (the model's old
 * pools are disposed) and the model's RNG. The data RNG and cursor live in `ckpt.state` for
 * the trainer. Leaves no tensors behind.
 *
 * ```ts
 * await restoreModel(createModel(config, new Rng(seed).fork()), found);
 * ```
 */
export async function restoreModel(model: TrainModel, ckpt: LoadedCheckpoint): Promise<void> {
  for (const [name, network] of Object.entries(model.networks)) {
    await loadNetwork(ckpt.path, { network, name });
  }
  for (const [name, opt] of Object.entries(model.optimizers)) {
    const stem = `optim_${name}`;
    await restoreOptimizer(opt, await readTensorFile(ckpt.path, stem), `${ckpt.path}/${stem}`);
  }
  const pools: Record<string, ImagePool> = {};
  try {
    for (const name of Object.keys(model.pools)) {
      pools[name] = await restorePool(ckpt.path, `pool_${name}`);
    }
  } catch (e) {
    for (const p of Object.values(pools)) p.dispose();
    throw e;
  }
  model.replacePools(pools);
  model.rng.setState(ckpt.state.rng.model);
}

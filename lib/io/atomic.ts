/**
 * Durable, atomic file operations: every file the harness must be able to trust after a crash
 * goes through here.
 *
 * - {@link writeFileAtomic}: write a sibling temp file, fsync it, rename it over the target,
 *   fsync the directory. A reader sees the old bytes or the new ones, never a torn file, even
 *   after SIGKILL or power loss (reliability.md, "Killed mid-run" and "Disk full").
 * - {@link writeFileDurable}: write and fsync in place, for files inside a directory that is
 *   itself published by {@link publishDir} (the directory rename is the atomic step).
 * - {@link publishDir}: rename a finished `*.tmp` directory to its final name.
 * - {@link moveAside}: rename instead of delete, so recovery state is never destroyed.
 *
 * Every failure is an {@link IoError} naming the operation, the path and the OS code
 * (`ENOSPC`, `EACCES`, ...).
 *
 * ```ts
 * import { readJson, writeFileAtomic } from "./atomic.ts";
 * await writeFileAtomic("results/run/status.json", JSON.stringify({ status: "completed" }));
 * const status = await readJson("results/run/status.json");
 * ```
 * @module
 */

/** A file-system error that names what was being done and to which path. */
export class IoError extends Error {
  /** The OS error code (`ENOSPC`, `EACCES`, `ENOENT`, ...), when the OS gave one. */
  readonly code: string | undefined;
  /** The path the operation was working on. */
  readonly path: string;

  /**
   * An error for `op` on `path`, caused by `cause` (whose OS code, if any, is kept).
   *
   * @param op What could not be done ("write", "rename", ...).
   * @param path The path it was done to.
   * @param cause The underlying error.
   */
  constructor(op: string, path: string, cause: unknown) {
    const code = (cause as { code?: unknown })?.code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const codeText = typeof code === "string" ? code : undefined;
    super(
      `Cannot ${op} "${path}": ${
        codeText && !reason.startsWith(codeText) ? `${codeText}: ` : ""
      }${reason}`,
      { cause },
    );
    this.name = "IoError";
    this.code = codeText;
    this.path = path;
  }
}

/**
 * A test hook called before every write this module performs, with the path about to be
 * written; it may throw (for example an error with `code: "ENOSPC"`) to simulate a failing
 * disk. Set by the trainer's fault-injection parser only.
 */
export type WriteFaultHook = (path: string) => void;

let writeFault: WriteFaultHook | undefined;

/**
 * Installs (or, with `undefined`, removes) the {@link WriteFaultHook}.
 *
 * ```ts
 * setWriteFaultHook((path) => {
 *   throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
 * });
 * ```
 */
export function setWriteFaultHook(hook: WriteFaultHook | undefined): void {
  writeFault = hook;
}

async function guarded<T>(op: string, path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof IoError) throw e;
    throw new IoError(op, path, e);
  }
}

function dirname(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : path.slice(0, i);
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Joins path segments with `/` (the harness's paths are POSIX-style). */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/");
}

/**
 * Flushes a directory's entries (new names, renames) to disk. Some systems cannot fsync a
 * directory; there the rename is still atomic, only its durability is up to the OS, so that
 * case is not an error.
 */
export async function syncDir(dir: string): Promise<void> {
  let f: Deno.FsFile | undefined;
  try {
    f = await Deno.open(dir, { read: true });
    await f.sync();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF" && code !== "EPERM") {
      throw new IoError("sync directory", dir, e);
    }
  } finally {
    f?.close();
  }
}

async function writeAndSync(path: string, data: Uint8Array, createNew: boolean): Promise<void> {
  writeFault?.(path);
  const f = await Deno.open(path, { write: true, create: true, truncate: true, createNew });
  try {
    let written = 0;
    while (written < data.length) written += await f.write(data.subarray(written));
    await f.sync();
  } finally {
    f.close();
  }
}

function bytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/**
 * Writes `data` to `path` and fsyncs it, without the rename step: for files inside a temporary
 * directory that {@link publishDir} publishes as a whole.
 */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  await guarded("write", path, () => writeAndSync(path, bytes(data), false));
}

/**
 * Replaces `path` with `data` atomically: temp file in the same directory, fsync, rename,
 * directory fsync. On failure the old file is untouched and the temp file is removed.
 *
 * ```ts
 * await writeFileAtomic("run/config.resolved.json", JSON.stringify(config, null, 2));
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = joinPath(
    dirname(path),
    `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  try {
    await guarded("write", path, () => writeAndSync(tmp, bytes(data), true));
    await guarded("rename", path, () => Deno.rename(tmp, path));
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}

/** Appends one line (a `\n` is added) to a log file, creating it; the line is fsynced. */
export async function appendLine(path: string, line: string): Promise<void> {
  await guarded("append to", path, async () => {
    writeFault?.(path);
    const f = await Deno.open(path, { append: true, create: true });
    try {
      const data = new TextEncoder().encode(`${line}\n`);
      let written = 0;
      while (written < data.length) written += await f.write(data.subarray(written));
      await f.sync();
    } finally {
      f.close();
    }
  });
}

/** Creates a directory and its parents (no error when it exists). */
export async function ensureDir(path: string): Promise<void> {
  await guarded("create directory", path, () => Deno.mkdir(path, { recursive: true }));
}

/**
 * Publishes a finished temporary directory under its final name by one rename, then fsyncs
 * the parent. Fails if `to` already exists.
 */
export async function publishDir(from: string, to: string): Promise<void> {
  if (await exists(to)) {
    throw new IoError("publish", to, new Error(`"${to}" already exists (from "${from}")`));
  }
  await guarded("rename", from, () => Deno.rename(from, to));
  await syncDir(dirname(to));
}

/**
 * Renames `path` to a free name `<path><suffix>` (then `<path><suffix>.1`, ...) and returns it.
 * Used instead of deleting anything a user might want back.
 */
export async function moveAside(path: string, suffix: string): Promise<string> {
  let target = `${path}${suffix}`;
  for (let i = 1; await exists(target); i++) target = `${path}${suffix}.${i}`;
  await guarded("rename", path, () => Deno.rename(path, target));
  await syncDir(dirname(path));
  return target;
}

/** Removes a file or directory tree; a missing path is not an error. */
export async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw new IoError("remove", path, e);
  }
}

/** Whether `path` exists (without following a final symlink's target's absence as an error). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new IoError("inspect", path, e);
  }
}

/** Reads a whole file. */
export async function readBytes(path: string): Promise<Uint8Array> {
  return await guarded("read", path, () => Deno.readFile(path));
}

/** Reads and parses a JSON file; a parse error names the file. */
export async function readJson(path: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readBytes(path));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IoError("parse JSON in", path, e);
  }
}

/** Names of the entries of a directory, sorted; a missing directory gives `[]`. */
export async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) out.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new IoError("list", path, e);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Lower-case hex SHA-256 of `data`. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes(data) as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

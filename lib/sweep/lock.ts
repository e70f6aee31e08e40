/**
 * Exclusive locks on a sweep directory (`<out>/.lock`) and on a run directory
 * (`<run>/.lock`), made with `createNew` so that exactly one process gets each. The file holds
 * the holder's pid, host and start time, so that a second sweep can name the holder, and a
 * lock whose holder died (same host, pid gone) can be reclaimed with a warning
 * (reliability.md, "Two sweeps, same output dir").
 *
 * ```ts
 * import { acquireLock } from "./lock.ts";
 * const lock = await acquireLock("results/smoke/.lock", { what: "sweep" });
 * try {
 *   // ... run the sweep
 * } finally {
 *   await lock.release();
 * }
 * ```
 * @module
 */
import { IoError } from "../io/atomic.ts";

/** What a lock file records about its holder. */
export interface LockInfo {
  /** Process id of the holder. */
  pid: number;
  /** Host name of the holder. */
  host: string;
  /** When the lock was taken (ISO 8601). */
  started: string;
  /** What holds it (`sweep`, `run`) and the command line, for messages. */
  what: string;
}

/** Another live process holds the lock. */
export class LockBusyError extends Error {
  /** The holder, as its lock file says (undefined when the file could not be read). */
  readonly holder: LockInfo | undefined;
  /** The lock file. */
  readonly path: string;
  /**
   * An error naming the lock file and its holder.
   * @param path The lock file.
   * @param holder What the lock file says.
   */
  constructor(path: string, holder: LockInfo | undefined) {
    super(
      holder
        ? `"${path}" is held by ${holder.what} pid ${holder.pid} on ${holder.host}, started ` +
          `${holder.started}; wait for it to finish or stop it (a lock of a dead process is ` +
          `reclaimed automatically)`
        : `"${path}" is held by another process (its lock file is being written or is ` +
          `unreadable); remove it by hand if no sweep is running`,
    );
    this.name = "LockBusyError";
    this.path = path;
    this.holder = holder;
  }
}

/** A held lock. */
export interface Lock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** What takes the lock (`sweep`, `run <id>`), recorded for messages. */
  what: string;
  /** Receives the warning when a dead holder's lock is reclaimed (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/** The host name, or `unknown`. */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * Whether the holder is alive: true or false on this host (from `/proc`, else `kill -0`),
 * undefined for another host (which cannot be checked from here).
 */
export function holderAlive(info: LockInfo): boolean | undefined {
  if (info.host !== hostName()) return undefined;
  if (info.pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${info.pid}`);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return kill0(info.pid);
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return kill0(info.pid);
    }
  }
}

function kill0(pid: number): boolean {
  try {
    return new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" }).outputSync()
      .success;
  } catch {
    return true;
  }
}

/** Reads a lock file; undefined when it is missing or unreadable. */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await Deno.readTextFile(path)) as LockInfo;
    return typeof info?.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock at `path`, or throws {@link LockBusyError} naming the live holder. A lock
 * whose holder is dead (same host, pid gone), or an unreadable one older than a minute, is
 * reclaimed with a warning.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<Lock> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const info: LockInfo = {
    pid: Deno.pid,
    host: hostName(),
    started: new Date().toISOString(),
    what: options.what,
  };
  const text = JSON.stringify(info, null, 2) + "\n";
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      try {
        await f.write(new TextEncoder().encode(text));
        await f.sync();
      } finally {
        f.close();
      }
      return {
        path,
        release: async () => {
          const now = await readLock(path);
          if (now && now.pid === info.pid && now.started === info.started) {
            await Deno.remove(path).catch(() => {});
          }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw new IoError("create lock", path, e);
    }
    const holder = await readLock(path);
    if (!holder) {
      const age = await Deno.stat(path).then(
        (s) => Date.now() - (s.mtime?.getTime() ?? 0),
        () => 0,
      );
      if (age < 60_000) throw new LockBusyError(path, undefined);
      warn(`Reclaiming the unreadable lock "${path}" (${Math.round(age / 1000)} s old)`);
    } else {
      if (holderAlive(holder) !== false) throw new LockBusyError(path, holder);
      warn(
        `Reclaiming the lock "${path}" of ${holder.what} pid ${holder.pid} on ${holder.host} ` +
          `(started ${holder.started}), which is no longer running`,
      );
    }
    // Move the dead lock aside by rename (atomic); if what we moved is not the dead one we read
    // (another process reclaimed it and took the lock meanwhile), put it back.
    const aside = `${path}.reclaim.${Deno.pid}`;
    try {
      await Deno.rename(path, aside);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw new IoError("reclaim lock", path, e);
    }
    const moved = await readLock(aside);
    if (holder && moved && (moved.pid !== holder.pid || moved.started !== holder.started)) {
      await Deno.rename(aside, path).catch(() => {});
      throw new LockBusyError(path, moved);
    }
    await Deno.remove(aside).catch(() => {});
  }
  throw new LockBusyError(path, await readLock(path));
}

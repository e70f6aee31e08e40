/**
 * What `deno task clean` (lib/cli/clean.ts) removes from a sweep directory, planned first so
 * that `--dry-run` and the real removal list the same paths:
 *
 * - `checkpoints`: in each **completed** run (`status.json` says so, and no live worker holds
 *   its lock), every entry of `checkpoints/` but the newest published checkpoint (the final
 *   one: resume and re-evaluation read only it). Runs that did not complete are never touched.
 *   Runs completed since {@link pruneToFinalCheckpoint} exists were pruned when they completed.
 * - `restarted`: the `*.restarted-*` folders and files `--restart` moved aside in run
 *   directories (lib/sweep/run.ts, lib/train/checkpoint.ts `moveCheckpointsAside`).
 * - `cache`: the decoded-image cache (`<cache_dir>/data/`, lib/data/cache.ts) of every
 *   `dataset.cache_dir` the runs' resolved configs name (default `results/.cache`). It is
 *   rebuilt on the next load; the FID feature cache (`<cache_dir>/stats`) is left alone.
 *
 * ```ts
 * import { applyClean, planClean } from "./clean.ts";
 * const plan = await planClean("results/smoke", { checkpoints: true });
 * console.log(`${plan.items.length} paths, ${plan.bytes} bytes`);
 * await applyClean(plan);
 * ```
 * @module
 */
import { exists, joinPath, listDir, readJson, removeTree } from "../io/atomic.ts";
import { holderAlive, readLock } from "./lock.ts";
import { readStatus, runPaths, runsDir } from "./run_dir.ts";

/** The kinds of things `clean` removes. */
export const CLEAN_KINDS = ["checkpoints", "restarted", "cache"] as const;

/** One of {@link CLEAN_KINDS}. */
export type CleanKind = typeof CLEAN_KINDS[number];

/** One path to remove. */
export interface CleanItem {
  /** What it is. */
  kind: CleanKind;
  /** The file or folder. */
  path: string;
  /** Bytes it holds (files under it, recursively; links not followed). */
  bytes: number;
}

/** What {@link planClean} found. */
export interface CleanPlan {
  /** Paths to remove, sorted by kind then path. */
  items: CleanItem[];
  /** Their bytes together. */
  bytes: number;
  /** Runs left alone and why (`<id>: not completed`). */
  skipped: string[];
}

/** Bytes under `path` (a file or a folder, recursively; links count as themselves). */
export async function diskBytes(path: string): Promise<number> {
  const info = await Deno.lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory) return info.size;
  let total = 0;
  for (const e of await listDir(path)) total += await diskBytes(joinPath(path, e.name));
  return total;
}

const STEP_RE = /^step_(\d+)$/;

async function runDirs(out: string): Promise<string[]> {
  return (await listDir(runsDir(out))).filter((e) => e.isDirectory).map((e) => e.name).sort()
    .map((n) => joinPath(runsDir(out), n));
}

/** The old checkpoints of a completed run: every entry of `checkpoints/` but the newest. */
async function oldCheckpoints(dir: string): Promise<string[]> {
  const ckpts = runPaths(dir).checkpoints;
  const entries = await listDir(ckpts);
  const steps = entries.filter((e) => e.isDirectory && STEP_RE.test(e.name))
    .map((e) => ({ name: e.name, step: Number(STEP_RE.exec(e.name)![1]) }))
    .sort((a, b) => b.step - a.step);
  if (steps.length === 0) return [];
  const newest = steps[0].name;
  return entries.map((e) => e.name).filter((n) => n !== newest).sort()
    .map((n) => joinPath(ckpts, n));
}

/**
 * Removes every entry of a completed run's `checkpoints/` but the newest published checkpoint
 * (its final one: resume and re-evaluation read only that) and returns the paths removed.
 * lib/sweep/run.ts calls it when a run completes (so `keep_checkpoints` rotates checkpoints
 * only while a run trains); `deno task clean --checkpoints` does it for runs completed before.
 * The caller makes sure the run is completed and not held by another process.
 */
export async function pruneToFinalCheckpoint(runDir: string): Promise<string[]> {
  const old = await oldCheckpoints(runDir);
  for (const p of old) await removeTree(p);
  return old;
}

/** The `dataset.cache_dir` values of the runs' resolved configs (non-null, distinct, sorted). */
async function cacheDirs(dirs: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const d of dirs) {
    try {
      const j = await readJson(runPaths(d).config) as { config?: { dataset?: unknown } };
      const ds = j.config?.dataset as { cache_dir?: unknown } | undefined;
      if (typeof ds?.cache_dir === "string") found.add(ds.cache_dir);
    } catch { /* a run without a readable config names no cache */ }
  }
  return [...found].sort();
}

/**
 * Lists what removing `kinds` from the sweep directory `out` would remove (nothing is removed
 * here). See the module doc for what each kind covers.
 */
export async function planClean(
  out: string,
  kinds: Partial<Record<CleanKind, boolean>>,
): Promise<CleanPlan> {
  const dirs = await runDirs(out);
  const paths: Array<{ kind: CleanKind; path: string }> = [];
  const skipped: string[] = [];
  if (kinds.checkpoints) {
    for (const d of dirs) {
      const id = d.split("/").at(-1)!;
      const status = await readStatus(d);
      if (status?.status !== "completed") {
        skipped.push(`${id}: ${status?.status ?? "no status"}, not completed`);
        continue;
      }
      const lock = await readLock(runPaths(d).lock);
      if (lock && holderAlive(lock) !== false) {
        skipped.push(`${id}: held by pid ${lock.pid} on ${lock.host}`);
        continue;
      }
      for (const p of await oldCheckpoints(d)) paths.push({ kind: "checkpoints", path: p });
    }
  }
  if (kinds.restarted) {
    for (const d of dirs) {
      for (const e of await listDir(d)) {
        if (e.name.includes(".restarted-")) {
          paths.push({ kind: "restarted", path: joinPath(d, e.name) });
        }
      }
    }
  }
  if (kinds.cache) {
    for (const c of await cacheDirs(dirs)) {
      const data = joinPath(c, "data");
      if (await exists(data)) paths.push({ kind: "cache", path: data });
    }
  }
  const items: CleanItem[] = [];
  for (const p of paths) items.push({ ...p, bytes: await diskBytes(p.path) });
  return { items, bytes: items.reduce((s, i) => s + i.bytes, 0), skipped };
}

/** Removes every path of the plan; returns the bytes freed. */
export async function applyClean(plan: CleanPlan): Promise<number> {
  for (const i of plan.items) await removeTree(i.path);
  return plan.bytes;
}

/** Bytes for people: `512 B`, `3.4 MB`, `1.2 GB` (powers of 1000). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let x = n / 1000, u = 0;
  while (x >= 1000 && u < units.length - 1) {
    x /= 1000;
    u++;
  }
  return `${x.toFixed(1)} ${units[u]}`;
}

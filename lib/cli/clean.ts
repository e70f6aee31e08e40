/**
 * `deno task clean DIR [--checkpoints] [--restarted] [--cache] [--dry-run]`: frees disk space
 * in a sweep directory (lib/sweep/clean.ts says exactly what each flag covers):
 *
 * - `--checkpoints`: each completed run keeps only its final (newest) checkpoint; runs that did
 *   not complete are never touched.
 * - `--restarted`: removes the `*.restarted-*` folders and files `--restart` moved aside.
 * - `--cache`: removes the decoded-image cache (`<cache_dir>/data/`) the runs' datasets use
 *   (rebuilt on the next load; a sweep elsewhere with the same `cache_dir` shares it, and only
 *   this directory's lock is checked).
 * - `--dry-run`: prints what would be removed and the bytes it would free, removes nothing.
 *
 * Without any of the three it prints what each would free. It refuses a directory that is not
 * a sweep directory (exit 2) and, unless `--dry-run`, one whose sweep lock a live process holds
 * (exit 3, as `deno task ablate`); while removing it holds that lock itself, so that no sweep
 * starts meanwhile.
 *
 * ```sh
 * deno task clean results/paper --checkpoints --restarted --dry-run
 * ```
 * @module
 */
import { sweepDirArg } from "./_sweep_dir.ts";
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";
import { joinPath } from "../io/atomic.ts";
import { acquireLock, holderAlive, LockBusyError, readLock } from "../sweep/lock.ts";
import {
  applyClean,
  CLEAN_KINDS,
  type CleanKind,
  type CleanPlan,
  formatBytes,
  planClean,
} from "../sweep/clean.ts";

const USAGE = "usage: deno task clean DIR [--checkpoints] [--restarted] [--cache] [--dry-run]";
const CLI = {
  usage: USAGE,
  allowPositionals: true,
  flags: {
    checkpoints: {
      type: "boolean",
      default: false,
      doc: "keep only each completed run's final checkpoint (other runs are left alone)",
    },
    restarted: {
      type: "boolean",
      default: false,
      doc: "remove the *.restarted-* folders and files that --restart moved aside",
    },
    cache: {
      type: "boolean",
      default: false,
      doc: "remove the decoded-image cache (<cache_dir>/data) of the runs' datasets",
    },
    "dry-run": {
      type: "boolean",
      default: false,
      doc: "print what would be removed and the bytes freed; remove nothing",
    },
    help: HELP_FLAG,
  },
  epilog: "exit codes: 0 done, 1 an error, 2 usage or not a sweep directory, " +
    "3 a sweep holds the directory's lock",
} as const;

/** The exit code when a live sweep holds the directory (as `deno task ablate`'s). */
export const EXIT_LOCKED = 3;

const WHAT: Record<CleanKind, string> = {
  checkpoints: "old checkpoints of completed runs",
  restarted: "*.restarted-* leftovers",
  cache: "decoded-image cache",
};

function describePlan(plan: CleanPlan, kinds: CleanKind[]): string[] {
  const lines: string[] = [];
  for (const k of kinds) {
    const items = plan.items.filter((i) => i.kind === k);
    const bytes = items.reduce((s, i) => s + i.bytes, 0);
    lines.push(`--${k}: ${items.length} path(s), ${formatBytes(bytes)} (${WHAT[k]})`);
  }
  return lines;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  const dir = await sweepDirArg(positionals, USAGE, "nothing removed");
  const kinds = CLEAN_KINDS.filter((k) => values[k]);
  if (kinds.length === 0) {
    const plan = await planClean(dir, { checkpoints: true, restarted: true, cache: true });
    console.log(
      [
        `nothing removed: choose what to remove in ${dir} (add --dry-run to list the paths):`,
        ...describePlan(plan, [...CLEAN_KINDS]).map((l) => `  ${l}`),
      ].join("\n"),
    );
    return 0;
  }
  const lockPath = joinPath(dir, ".lock");
  const holder = await readLock(lockPath);
  const busy = holder && holderAlive(holder) !== false
    ? `${holder.what} pid ${holder.pid} on ${holder.host}, started ${holder.started}`
    : undefined;
  if (values["dry-run"]) {
    const plan = await planClean(dir, Object.fromEntries(kinds.map((k) => [k, true])));
    for (const i of plan.items) console.log(`would remove ${i.path} (${formatBytes(i.bytes)})`);
    for (const s of plan.skipped) console.log(`left alone: ${s}`);
    for (const l of describePlan(plan, kinds)) console.log(l);
    console.log(`dry run: would free ${formatBytes(plan.bytes)} (${plan.bytes} bytes)`);
    if (busy) console.log(`note: ${busy} holds ${lockPath}; clean refuses until it ends`);
    return 0;
  }
  if (busy) {
    throw new UserError(
      `cannot clean "${dir}": ${busy} holds ${lockPath}; wait for it to finish (or use ` +
        `--dry-run to see what would be removed)`,
      EXIT_LOCKED,
    );
  }
  let lock;
  try {
    lock = await acquireLock(lockPath, { what: "clean" });
  } catch (e) {
    if (e instanceof LockBusyError) throw new UserError(`cannot clean: ${e.message}`, EXIT_LOCKED);
    throw e;
  }
  try {
    const plan = await planClean(dir, Object.fromEntries(kinds.map((k) => [k, true])));
    for (const i of plan.items) console.log(`removing ${i.path} (${formatBytes(i.bytes)})`);
    for (const s of plan.skipped) console.log(`left alone: ${s}`);
    const freed = await applyClean(plan);
    console.log(`freed ${formatBytes(freed)} (${freed} bytes) in ${plan.items.length} path(s)`);
  } finally {
    await lock.release();
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));

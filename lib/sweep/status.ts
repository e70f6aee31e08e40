/**
 * `deno task ablate SWEEP --status`: where every shard of a sweep stands, read from its run
 * records (`status.json`, the run locks, the checkpoints) and nothing else, so that a cluster
 * user can watch a job array from the login node while the tasks write into the shared
 * directory. Per shard: how many runs are done, running (with the step and the host of each),
 * failed, diverged and pending (an interrupted run is pending, to resume at its checkpoint).
 *
 * ```ts
 * import { planSweep } from "./plan.ts";
 * import { listSweep } from "./sweep.ts";
 * import { formatStatus } from "./status.ts";
 * const plan = await planSweep("ablations/smoke.yaml", { readOnly: true });
 * const listing = await listSweep(plan, { out: "results/smoke" });
 * console.log(await formatStatus(plan, listing, { shards: 8 }));
 * ```
 * @module
 */
import { shardRuns, type SweepPlan } from "./plan.ts";
import { readStatus, type RunState } from "./run_dir.ts";
import type { ListedRun, SweepListing } from "./sweep.ts";

/** What `--status` calls a run: {@link RunState}s grouped as a cluster user asks about them. */
export type StatusKind = "done" | "running" | "failed" | "diverged" | "pending";

/** The kinds in the order `--status` counts them. */
export const STATUS_KINDS: readonly StatusKind[] = Object.freeze([
  "done",
  "running",
  "failed",
  "diverged",
  "pending",
]);

/**
 * The {@link StatusKind} of a run state: a completed run whose evaluation config changed and an
 * interrupted run are pending (the next sweep evaluates or resumes them).
 *
 * ```ts
 * statusKind({ kind: "partial", step: 40, was: "interrupted" }); // "pending"
 * ```
 */
export function statusKind(state: RunState): StatusKind {
  switch (state.kind) {
    case "done":
      return "done";
    case "running":
      return "running";
    case "failed":
      return "failed";
    case "diverged":
      return "diverged";
    default:
      return "pending";
  }
}

/** Options of {@link formatStatus}. */
export interface StatusOptions {
  /** The number of shards (array tasks) the sweep is split into (default 1). */
  shards?: number;
  /** Where the shard count came from, for the heading (`sweep.sbatch`, `--shards`). */
  shardsFrom?: string;
  /** The time "updated ... ago" is measured from (default now). */
  now?: Date;
}

/** "12 s", "4 min", "3 h" (for "updated ... ago"). */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** One run's line: its state in words, then its id. */
async function runLine(r: ListedRun, now: Date): Promise<string> {
  const s = r.state;
  let what: string;
  switch (s.kind) {
    case "running": {
      // The holder of the run lock says where; status.json, rewritten while it trains (at
      // most STATUS_EVERY_S apart, lib/sweep/run.ts), how far and how recently.
      const st = await readStatus(r.dir);
      const host = /on (\S+)$/.exec(s.holder)?.[1] ?? st?.host ?? "?";
      const pid = /pid (\d+)/.exec(s.holder)?.[1];
      const updated = st?.updated_at
        ? `, updated ${ago(now.getTime() - Date.parse(st.updated_at))} ago`
        : "";
      what = `running at step ${s.step}/${r.run.totalSteps} on ${host}${
        pid ? ` (pid ${pid}${updated})` : ""
      }`;
      break;
    }
    case "done":
      what = "done";
      break;
    case "reeval":
      what = "pending (done; eval config changed, to evaluate again)";
      break;
    case "partial":
      what = s.step > 0
        ? `pending (${
          s.was === "none" ? "stopped" : s.was
        } at step ${s.step}/${r.run.totalSteps}; resumes there)`
        : `pending (${s.was === "none" ? "started" : s.was}, no checkpoint yet)`;
      break;
    case "failed": {
      const st = await readStatus(r.dir);
      const why = (s.error ?? "").split("\n")[0];
      what = `failed at step ${st?.step ?? s.step}${st?.host ? ` on ${st.host}` : ""}${
        why ? `: ${why.length > 160 ? `${why.slice(0, 157)}...` : why}` : ""
      }`;
      break;
    }
    case "diverged":
      what = `diverged at step ${s.step}`;
      break;
    default:
      what = "pending";
  }
  return `    ${r.run.id}  ${what}`;
}

function counts(runs: readonly ListedRun[]): string {
  return STATUS_KINDS.map((k) => `${runs.filter((r) => statusKind(r.state) === k).length} ${k}`)
    .join(", ");
}

/**
 * The `--status` text: a heading, then per shard its counts and one line per run (running runs
 * with their step, host, pid and how long ago they last recorded it; failed ones with their
 * error), then the totals and the stale run directories. `listing` must hold every run of the
 * plan (no `only` or `shard`): the shards are cut from it as the array tasks cut them.
 *
 * ```ts
 * const text = await formatStatus(plan, await listSweep(plan, { out }), { shards: 2 });
 * // shard 1/2: 1 done, 1 running, 0 failed, 0 diverged, 0 pending
 * //     seed=0-1a2b3c4d5e  done
 * //     seed=2-...         running at step 40/100 on node7 (pid 4242, updated 12 s ago)
 * ```
 */
export async function formatStatus(
  plan: SweepPlan,
  listing: SweepListing,
  options: StatusOptions = {},
): Promise<string> {
  const n = Math.max(1, options.shards ?? 1);
  const now = options.now ?? new Date();
  const lines = [
    `sweep "${plan.name}" (${plan.file}) -> ${listing.out}: ${listing.runs.length} run(s) in ${n} shard(s)${
      options.shardsFrom ? ` (${options.shardsFrom})` : ""
    }`,
  ];
  for (let k = 1; k <= n; k++) {
    const runs = shardRuns(listing.runs, { k, n });
    lines.push(`shard ${k}/${n}: ${runs.length === 0 ? "no runs" : counts(runs)}`);
    for (const r of runs) lines.push(await runLine(r, now));
  }
  lines.push(`all: ${counts(listing.runs)}`);
  for (const s of listing.stale) {
    lines.push(`stale: ${s} (no planned run has its config; another backend or an edited file?)`);
  }
  return lines.join("\n") + "\n";
}

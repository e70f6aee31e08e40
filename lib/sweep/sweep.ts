/**
 * The sweep scheduler: runs a {@link SweepPlan}'s runs, `jobs` at a time, in worker processes
 * (`deno run -A lib/sweep/worker.ts --serve`), under a lock on the sweep directory.
 *
 * Each of the `jobs` slots keeps one worker process and hands it one run after another; a
 * worker that dies (a crash, an out-of-memory kill, the fault hook's SIGKILL) costs only its
 * current run, which is recorded, and the slot starts a fresh worker. `isolate` starts a fresh
 * process for every run instead. Measured on the 2-core CI machine (ablations/smoke.yaml, 64
 * runs of 2 iterations): 1 job 71 s, 2 jobs 42 s, 2 jobs isolated 176 s (a process start and
 * JIT warm-up per run cost more than these runs train); the results are bit-identical in all
 * three, so the default is 2 jobs with reused workers.
 *
 * - Completed runs are skipped, interrupted or failed ones resumed from their last complete
 *   checkpoint, diverged ones kept as they are (their divergence is a result); `restart`
 *   patterns start runs over (old checkpoints moved aside).
 * - A run that diverges or fails is recorded and the sweep goes on; the result counts the runs
 *   that did not complete.
 * - SIGINT/SIGTERM: no new run starts; the workers finish their step, checkpoint and mark their
 *   run `interrupted`; the lock is released; the caller exits 130/143.
 * - Shards (`shard`) share a directory: they take no sweep lock (they refuse to start while a
 *   whole-sweep run holds it) and rely on per-run locks.
 * - Runs whose directory exists under another name (the readable part of an id changes when a
 *   new axis value makes another axis vary) are found by their hash and continue there.
 * - Run directories whose hash is not in the plan any more (the config was edited) are left
 *   untouched and listed as stale.
 *
 * Test hook: with `CYCLEBENCH_FAULT` set, `CYCLEBENCH_FAULT_RUN` (a 1-based run number in plan
 * order, or a glob over ids) picks the run(s) whose worker gets the fault; without it every
 * worker does.
 *
 * ```ts
 * import { planSweep } from "./plan.ts";
 * import { runSweep } from "./sweep.ts";
 * const plan = await planSweep("ablations/smoke.yaml");
 * const result = await runSweep(plan, { out: "results/smoke", jobs: 2 });
 * console.log(result.notCompleted);
 * ```
 * @module
 */
import { ensureDir, exists, joinPath, writeFileAtomic } from "../io/atomic.ts";
import { acquireLock, holderAlive, type Lock, LockBusyError, readLock } from "./lock.ts";
import {
  globToRegExp,
  matchesRun,
  type RunSpec,
  shardRuns,
  SHORT_HASH,
  type SweepPlan,
} from "./plan.ts";
import {
  describeState,
  evalConfigHash,
  findRunDirs,
  pendingStatus,
  readStatus,
  runPaths,
  runsDir,
  type RunState,
  runState,
  writeStatus,
} from "./run_dir.ts";
import type { ResolvedRunFile, RunEvent } from "./run.ts";
import { parseEvent, type WorkRequest } from "./worker.ts";
import { ProgressBoard } from "./progress.ts";

/** The repository root (for the worker's path and the deno config). */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** Options of {@link runSweep} and {@link listSweep}. */
export interface SweepOptions {
  /** The sweep directory (default `results/<sweep name>`). */
  out?: string;
  /** Runs at once, each in its own worker process (default 1). */
  jobs?: number;
  /** Only runs whose id, name (glob) or hash prefix matches one of these. */
  only?: string[];
  /** Start these runs over (old checkpoints moved aside), whatever their state. */
  restart?: string[];
  /** Run shard `k` of `n` only (1-based). */
  shard?: { k: number; n: number };
  /** Override every run's backend. */
  backend?: string;
  /**
   * A fresh worker process for every run (default false: each of the `jobs` workers trains
   * one run after another, which saves a process start and JIT warm-up per run).
   */
  isolate?: boolean;
  /** Progress display on a terminal (default: whether stdout is one). */
  tty?: boolean;
  /** Where text goes (default stdout). */
  write?: (text: string) => void;
  /** Seconds between plain progress lines (default 15). */
  interval?: number;
  /**
   * Write the report (lib/report: tables, grids, event files, index.html) when a whole sweep
   * ends without a signal (default true; shards never do: run `deno task report` after them).
   */
  report?: boolean;
}

/** One run of a listing. */
export interface ListedRun {
  /** The run. */
  run: RunSpec;
  /** Its directory (existing, or where it would be created). */
  dir: string;
  /** Its state on disk. */
  state: RunState;
  /** Whether this invocation would train it. */
  willRun: boolean;
}

/** What is on disk for a plan. */
export interface SweepListing {
  /** The sweep directory. */
  out: string;
  /** The selected runs (after `only` and `shard`). */
  runs: ListedRun[];
  /** Run directories of the sweep directory that no planned run owns. */
  stale: string[];
}

/** What {@link runSweep} returns. */
export interface SweepResult {
  /** Selected runs that are not completed at the end (diverged, failed, interrupted, ...). */
  notCompleted: number;
  /** The signal that stopped the sweep, if one did. */
  signal?: "SIGINT" | "SIGTERM";
  /** Final state line per selected run id. */
  states: Record<string, string>;
}

/** The default sweep directory: `results/<name>`. */
export function defaultOut(plan: SweepPlan): string {
  return joinPath("results", plan.name);
}

function selectRuns(plan: SweepPlan, o: SweepOptions): RunSpec[] {
  let runs = plan.runs;
  if (o.only && o.only.length > 0) runs = runs.filter((r) => matchesRun(r, o.only!));
  if (o.shard) runs = shardRuns(runs, o.shard);
  return runs;
}

function shouldRun(state: RunState, restart: boolean): boolean {
  if (restart) return state.kind !== "running";
  return state.kind === "pending" || state.kind === "partial" || state.kind === "failed" ||
    state.kind === "reeval";
}

/** The selected runs with their state on disk, and the stale run directories. Writes nothing. */
export async function listSweep(plan: SweepPlan, o: SweepOptions = {}): Promise<SweepListing> {
  const out = o.out ?? defaultOut(plan);
  const dirs = await findRunDirs(out);
  const runs: ListedRun[] = [];
  for (const run of selectRuns(plan, o)) {
    const found = dirs.get(run.hash.slice(0, SHORT_HASH));
    const dir = found?.path ?? joinPath(runsDir(out), run.id);
    const state = await runState(dir, run.totalSteps, await evalConfigHash(run.config.eval));
    runs.push({
      run,
      dir,
      state,
      willRun: shouldRun(state, matchesRun(run, o.restart ?? [])),
    });
  }
  const owned = new Set(plan.runs.map((r) => r.hash.slice(0, SHORT_HASH)));
  const stale = [...dirs.values()].filter((d) => !owned.has(d.shortHash)).map((d) => d.name);
  return { out, runs, stale };
}

/** The dry-run listing as text: one line per run (number, state, id), then duplicates and stale. */
export function formatListing(plan: SweepPlan, listing: SweepListing): string {
  const lines = [
    `sweep "${plan.name}" (${plan.file}): ${plan.runs.length} run(s)` +
    (listing.runs.length !== plan.runs.length ? `, ${listing.runs.length} selected` : "") +
    ` -> ${listing.out}`,
  ];
  const width = Math.max(5, ...listing.runs.map((r) => describeState(r.state).length));
  listing.runs.forEach((r, i) => {
    lines.push(
      `${String(i + 1).padStart(4)}  ${describeState(r.state).padEnd(width)}  ${r.run.id}${
        r.dir.endsWith(`/${r.run.id}`) ? "" : `  (in ${r.dir})`
      }`,
    );
  });
  for (const d of plan.duplicates) {
    lines.push(
      `duplicate: grid point ${d.position} (${d.name}) is the same run as ${d.sameAs}; run once`,
    );
  }
  for (const s of listing.stale) lines.push(`stale: ${s} (no planned run has its config)`);
  const count = (k: string) => listing.runs.filter((r) => r.state.kind === k).length;
  lines.push(
    `${listing.runs.filter((r) => r.willRun).length} to run: ${count("pending")} pending, ` +
      `${count("partial")} partial, ${count("failed")} failed, ${
        count("reeval")
      } to re-evaluate; ` +
      `${count("done")} done, ` +
      `${count("diverged")} diverged, ${count("running")} running elsewhere, ` +
      `${listing.stale.length} stale`,
  );
  return lines.join("\n") + "\n";
}

/** `config.resolved.json` of a run. */
export function resolvedFile(run: RunSpec): ResolvedRunFile {
  return {
    id: run.id,
    name: run.name,
    hash: run.hash,
    axes: run.axes,
    train_seed: run.trainSeed,
    total_steps: run.totalSteps,
    data: run.data,
    config: run.config,
    train: run.train,
  };
}

/** Writes `path` only when its content differs (so a skipped run's files keep their mtimes). */
async function writeIfChanged(path: string, text: string): Promise<void> {
  if (await exists(path)) {
    if ((await Deno.readTextFile(path)) === text) return;
  }
  await writeFileAtomic(path, text);
}

/** Splits a byte stream into lines. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

/** Which runs get the fault of `CYCLEBENCH_FAULT` (test hook; see the module doc). */
function faultFor(run: RunSpec, index: number): string | undefined {
  const env = (name: string) => {
    const ok = Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
    return ok ? Deno.env.get(name) : undefined;
  };
  const spec = env("CYCLEBENCH_FAULT");
  if (!spec) return undefined;
  const which = env("CYCLEBENCH_FAULT_RUN");
  if (!which) return spec;
  if (/^\d+$/.test(which)) return Number(which) === index + 1 ? spec : "";
  return globToRegExp(which).test(run.id) ? spec : "";
}

/**
 * Runs the selected runs of `plan` (see the module doc). Throws {@link LockBusyError} when
 * another live sweep holds the directory.
 */
export async function runSweep(plan: SweepPlan, o: SweepOptions = {}): Promise<SweepResult> {
  const out = o.out ?? defaultOut(plan);
  const jobs = Math.max(1, o.jobs ?? 1);
  const write = o.write ?? ((t: string) => {
    const b = new TextEncoder().encode(t);
    for (let n = 0; n < b.length;) n += Deno.stdout.writeSync(b.subarray(n));
  });
  const warn = (m: string) => write(`warning: ${m}\n`);

  // Shards check the sweep lock without taking it; a whole sweep takes it.
  const sweepLockPath = joinPath(out, ".lock");
  let sweepLock: Lock | undefined;
  if (o.shard) {
    const holder = await readLock(sweepLockPath);
    if (holder && holderAlive(holder) !== false) throw new LockBusyError(sweepLockPath, holder);
    await ensureDir(runsDir(out));
  } else {
    await ensureDir(out);
    sweepLock = await acquireLock(sweepLockPath, { what: "sweep", onWarning: warn });
  }

  let stopSignal: "SIGINT" | "SIGTERM" | undefined;
  const workers = new Set<WorkerProcess>();
  const handlers: [Deno.Signal, () => void][] = [];
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const h = () => {
      if (!stopSignal) {
        stopSignal = sig;
        write(
          `\n${sig}: stopping; active runs finish their step, checkpoint and are marked interrupted\n`,
        );
      }
      for (const w of workers) w.kill(sig);
    };
    Deno.addSignalListener(sig, h);
    handlers.push([sig, h]);
  }

  const states: Record<string, string> = {};
  let board: ProgressBoard | undefined;
  try {
    await ensureDir(runsDir(out));
    const listing = await listSweep(plan, { ...o, out });
    for (const s of listing.stale) warn(`stale run directory ${s}: no planned run has its config`);
    for (const d of plan.duplicates) {
      warn(`grid point ${d.position} (${d.name}) is the same run as ${d.sameAs}; running it once`);
    }
    await writeSweepFile(out, plan, await listSweep(plan, { out }));
    const todo = listing.runs.filter((r) => r.willRun);
    for (const r of listing.runs) states[r.run.id] = describeState(r.state);
    write(
      `sweep "${plan.name}": ${listing.runs.length} run(s), ${todo.length} to run, ` +
        `${listing.runs.length - todo.length} skipped -> ${out} (${jobs} job${
          jobs > 1 ? "s" : ""
        })\n`,
    );
    board = new ProgressBoard({
      total: todo.length,
      jobs,
      tty: o.tty ?? Deno.stdout.isTerminal(),
      write,
      interval: o.interval,
    });
    const indexOf = new Map(plan.runs.map((r, i) => [r.id, i]));
    const queue = [...todo];
    // `jobs` slots, each feeding a worker process one run at a time.
    const slot = async () => {
      let worker: WorkerProcess | undefined;
      try {
        while (queue.length > 0 && !stopSignal) {
          const item = queue.shift()!;
          if (!worker || !worker.alive) {
            worker = new WorkerProcess();
            workers.add(worker);
          }
          const final = await runOne(item, worker, {
            restart: matchesRun(item.run, o.restart ?? []),
            backend: o.backend,
            fault: faultFor(item.run, indexOf.get(item.run.id)!),
            board: board!,
            warn,
          });
          states[item.run.id] = final;
          if (o.isolate || !worker.alive) {
            await worker.close();
            workers.delete(worker);
            worker = undefined;
          }
        }
      } finally {
        if (worker) {
          await worker.close();
          workers.delete(worker);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, slot));
    board.close();

    const final = await listSweep(plan, { ...o, out });
    await writeSweepFile(out, plan, await listSweep(plan, { out }));
    for (const r of final.runs) {
      states[r.run.id] = describeState(r.state);
    }
    const notCompleted = final.runs.filter((r) =>
      r.state.kind !== "done" && r.state.kind !== "reeval"
    ).length;
    if ((o.report ?? true) && !stopSignal && !o.shard) {
      // The report hook (lib/report), loaded only here: the scheduler needs no tfjs otherwise.
      try {
        const { writeReport } = await import("../report/report.ts");
        // Per-run files only for the runs trained now: the others' directories stay untouched.
        const report = await writeReport(out, {
          onWarning: warn,
          runFiles: todo.map((r) => r.dir.split("/").at(-1)!),
        });
        write(`report: ${report.index}\n`);
      } catch (e) {
        warn(`cannot write the report of ${out}: ${(e as Error).message}`);
      }
    }
    return { notCompleted, signal: stopSignal, states };
  } finally {
    board?.close();
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
    await sweepLock?.release();
  }
}

async function writeSweepFile(out: string, plan: SweepPlan, listing: SweepListing): Promise<void> {
  const body = {
    name: plan.name,
    ablation: plan.file,
    experiment: plan.experimentFile,
    compare_to: plan.compareTo ?? null,
    main_metric: plan.mainMetric ?? null,
    ...(plan.claims ? { claims: plan.claims } : {}),
    runs: listing.runs.map((r) => ({
      id: r.run.id,
      name: r.run.name,
      hash: r.run.hash,
      dir: r.dir,
      axes: r.run.axes,
      total_steps: r.run.totalSteps,
      state: describeState(r.state),
    })),
    duplicates: plan.duplicates,
    stale: listing.stale,
  };
  await writeIfChanged(joinPath(out, "sweep.json"), JSON.stringify(body, null, 2) + "\n");
}

interface RunOneOptions {
  restart: boolean;
  backend?: string;
  fault?: string;
  board: ProgressBoard;
  warn: (m: string) => void;
}

/**
 * A `--serve` worker process: takes one {@link WorkRequest} at a time on stdin and reports
 * {@link RunEvent}s on stdout.
 */
export class WorkerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #status: Promise<Deno.CommandStatus>;
  #exited = false;
  #onEvent: ((e: RunEvent) => void) | undefined;
  #onEnd: (() => void) | undefined;
  #onText: ((line: string) => void) | undefined;
  #stderrTail = "";
  readonly #readers: Promise<void>;

  /** Starts the process. */
  constructor() {
    const args = [
      "run",
      "-A",
      "--config",
      `${REPO_ROOT}/deno.json`,
      `${REPO_ROOT}/lib/sweep/worker.ts`,
      "--serve",
    ];
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#status = child.status.then((s) => {
      this.#exited = true;
      return s;
    });
    this.#readers = Promise.all([
      (async () => {
        for await (const line of lines(child.stdout)) {
          const e = parseEvent(line);
          if (!e) {
            if (line.trim()) this.#onText?.(line);
            continue;
          }
          this.#onEvent?.(e);
          if (e.ev === "end") this.#onEnd?.();
        }
      })(),
      (async () => {
        for await (const line of lines(child.stderr)) {
          this.#stderrTail = (this.#stderrTail + line + "\n").slice(-4000);
        }
      })(),
    ]).then(() => {});
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return !this.#exited;
  }

  /** The last lines the process wrote on stderr. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /**
   * Sends one run and waits until it ends (its `end` event) or the process exits (killed,
   * crashed). Returns the exit status in the second case.
   */
  async run(
    req: WorkRequest,
    on: { event: (e: RunEvent) => void; text: (line: string) => void },
  ): Promise<Deno.CommandStatus | undefined> {
    this.#onEvent = on.event;
    this.#onText = on.text;
    this.#stderrTail = "";
    const ended = new Promise<void>((resolve) => (this.#onEnd = resolve));
    try {
      await this.#stdin.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
    } catch {
      // The process is gone; its status says how.
    }
    const result = await Promise.race([ended.then(() => undefined), this.#status]);
    this.#onEnd = undefined;
    if (result) await this.#readers;
    return result;
  }

  /** Forwards a signal to the process. */
  kill(sig: Deno.Signal): void {
    try {
      this.#child.kill(sig);
    } catch { /* already gone */ }
  }

  /** Ends the input and waits for the process to exit. */
  async close(): Promise<Deno.CommandStatus> {
    try {
      await this.#stdin.close();
    } catch { /* already closed */ }
    const s = await this.#status;
    await this.#readers;
    return s;
  }
}

/** Prepares a run directory and trains the run in a worker; returns its final state line. */
async function runOne(item: ListedRun, worker: WorkerProcess, o: RunOneOptions): Promise<string> {
  const { run, dir } = item;
  const paths = runPaths(dir);
  let lock: Lock;
  try {
    await ensureDir(dir);
    lock = await acquireLock(paths.lock, { what: `run ${run.id}`, onWarning: o.warn });
  } catch (e) {
    if (e instanceof LockBusyError) {
      o.warn(`skipping ${run.id}: ${e.message}`);
      return "running elsewhere";
    }
    o.warn(`cannot prepare ${run.id}: ${(e as Error).message}`);
    return "failed";
  }
  try {
    await ensureDir(paths.images);
    await writeIfChanged(paths.config, JSON.stringify(resolvedFile(run), null, 2) + "\n");
    await writeIfChanged(paths.diff, JSON.stringify(run.diff, null, 2) + "\n");
    const before = await readStatus(dir);
    if (!before) await writeStatus(dir, pendingStatus(run));
    else if (before.status === "running") {
      o.warn(`${run.id} was left "running" by a process that is gone; resuming it`);
    }
    const exit = await worker.run(
      { dir, backend: o.backend, restart: o.restart, fault: o.fault ?? "" },
      {
        event: (e) => {
          if (e.ev === "start") {
            o.board.started(run.id, run.name, {
              step: e.step,
              total: e.total,
              note: e.resumedFrom !== null ? `resumed at step ${e.resumedFrom}` : undefined,
            });
          } else if (e.ev === "step") {
            o.board.step(run.id, e);
          } else if (e.ev === "log" && !e.line.startsWith("resumed at step")) {
            o.board.log(`${run.name}: ${e.line}`);
          }
        },
        text: (line) => o.board.log(`${run.name}: ${line}`),
      },
    );
    let status = await readStatus(dir);
    if (exit && (!status || status.status === "running" || status.status === "pending")) {
      // The worker died without recording an end: killed, or crashed.
      const killed = exit.signal !== null;
      const tail = worker.stderrTail.trim().split("\n").slice(-5).join(" | ");
      status = {
        ...(status ?? pendingStatus(run)),
        status: killed ? "interrupted" : "failed",
        error: killed
          ? `worker killed by ${exit.signal}`
          : `worker exited with code ${exit.code}${tail ? `: ${tail}` : ""}`,
      };
      try {
        await writeStatus(dir, status);
      } catch (e) {
        o.warn(`cannot record the end of ${run.id}: ${(e as Error).message}`);
      }
    }
    const name = status?.status ?? "failed";
    o.board.ended(run.id, name, name === "completed" ? undefined : status?.error ?? undefined);
    return name;
  } catch (e) {
    o.board.ended(run.id, "failed", (e as Error).message);
    return "failed";
  } finally {
    await lock.release();
  }
}

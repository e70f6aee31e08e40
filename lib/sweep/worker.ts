/**
 * The worker process of a sweep: trains runs in a process of its own, so that `--jobs N` runs
 * in parallel on separate cores and one run's crash (or out-of-memory kill, or a fault hook's
 * SIGKILL) cannot take the sweep down with it.
 *
 * ```sh
 * deno run -A lib/sweep/worker.ts --dir results/smoke/runs/<id> [--backend wasm] [--restart]
 * deno run -A lib/sweep/worker.ts --serve    # one {@link WorkRequest} per stdin line
 * ```
 *
 * With `--serve` the worker trains one run per request line, one after the other, and exits at
 * the end of its input: the scheduler keeps `jobs` of them alive, which saves the start-up and
 * JIT warm-up of a fresh process per run (about a second each on a 2-core machine, as much
 * as a smoke run trains), or sends one request each with `--isolate`.
 *
 * Output: one {@link RunEvent} per line on stdout, prefixed by {@link EVENT_PREFIX}. On
 * SIGINT/SIGTERM the current run finishes its step, checkpoints and is marked `interrupted`,
 * and the worker exits 130/143 without taking another request. Exit code otherwise 0 (1 when a
 * `--dir` run failed).
 * @module
 */
import { parseArgs } from "node:util";
import { executeRun, type RunEvent } from "./run.ts";

/** Prefix of the event lines a worker prints. */
export const EVENT_PREFIX = "@@cyclebench ";

/** One unit of work for a `--serve` worker. */
export interface WorkRequest {
  /** The run directory (holding `config.resolved.json`). */
  dir: string;
  /** Override the run's backend. */
  backend?: string;
  /** Start the run over. */
  restart?: boolean;
  /** Fault spec for this run ("" for none); see lib/train/loop.ts `parseFaults`. */
  fault?: string;
}

/** Parses an event line, or undefined for any other output. */
export function parseEvent(line: string): RunEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(EVENT_PREFIX.length)) as RunEvent;
  } catch {
    return undefined;
  }
}

const enc = new TextEncoder();

function emit(e: RunEvent): void {
  const bytes = enc.encode(`${EVENT_PREFIX}${JSON.stringify(e)}\n`);
  for (let n = 0; n < bytes.length;) n += Deno.stdout.writeSync(bytes.subarray(n));
}

async function* stdinLines(): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf.trim()) yield buf;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string" },
      serve: { type: "boolean", default: false },
      backend: { type: "string" },
      restart: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (!values.dir && !values.serve) {
    console.error("usage: worker.ts --dir RUN_DIR [--backend NAME] [--restart] | --serve");
    return 2;
  }
  let controller: AbortController | undefined;
  let signal: "SIGINT" | "SIGTERM" | undefined;
  const code = () => (signal === "SIGTERM" ? 143 : 130);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      signal ??= sig;
      if (controller) controller.abort();
      else Deno.exit(code());
    });
  }
  const work = async (req: WorkRequest) => {
    controller = new AbortController();
    try {
      return await executeRun(req.dir, {
        backend: req.backend,
        restart: req.restart,
        faults: req.fault,
        signal: controller.signal,
        emit,
      });
    } finally {
      controller = undefined;
    }
  };
  if (values.dir) {
    const status = await work({
      dir: values.dir,
      backend: values.backend,
      restart: values.restart,
    });
    if (signal) return code();
    return status.status === "failed" ? 1 : 0;
  }
  for await (const line of stdinLines()) {
    if (!line.trim()) continue;
    await work(JSON.parse(line) as WorkRequest);
    if (signal) return code();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());

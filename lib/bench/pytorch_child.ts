/**
 * The official PyTorch code as a child process of the bench (`pytorch_anchor.py --serve`): one
 * configuration built once, one timed iteration per request, so that `same_run.ts` can
 * alternate its iterations with ours.
 *
 * The child runs what perf-anchor.md calls the anchor: Debian's PyTorch with the OpenBLAS
 * pthread build. Its environment puts that build first on `LD_LIBRARY_PATH`, and drops
 * `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`, which some machines set for other programs and
 * which would pin OpenBLAS to another CPU's kernels; only the child's environment changes.
 * @module
 */

/** Where Debian's `libopenblas0-pthread` puts its `libblas.so.3`. */
export const OPENBLAS_PTHREAD_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

/** Interpreters tried when none is named: Debian's (where apt's torch is), then the PATH's. */
export const DEFAULT_PYTHONS: readonly string[] = ["/usr/bin/python3", "python3"];

/** OpenBLAS tuning variables left out of the child's environment. */
const DROPPED = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/**
 * The PyTorch child's environment: `env` without OpenBLAS's core-type and cache overrides,
 * `openblasDir` (when given) first on `LD_LIBRARY_PATH`, and at 1 thread OpenBLAS and OpenMP
 * pinned to one thread as the anchor script does (torch's thread count pins only OpenMP).
 *
 * ```ts
 * pytorchEnv({ PATH: "/bin", OPENBLAS_CORETYPE: "Haswell" }, 2, "/opt/openblas");
 * // { PATH: "/bin", LD_LIBRARY_PATH: "/opt/openblas" }
 * ```
 */
export function pytorchEnv(
  env: Readonly<Record<string, string>>,
  threads: number,
  openblasDir?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!DROPPED.includes(k)) out[k] = v;
  if (openblasDir) {
    out.LD_LIBRARY_PATH = [openblasDir, ...(env.LD_LIBRARY_PATH ?? "").split(":")]
      .filter((p) => p !== "").join(":");
  }
  if (threads === 1) {
    out.OPENBLAS_NUM_THREADS = "1";
    out.OMP_NUM_THREADS = "1";
  }
  return out;
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** This process's environment for a PyTorch child at `threads` threads. */
function childEnv(threads: number): Record<string, string> {
  return pytorchEnv(
    Deno.env.toObject(),
    threads,
    isDir(OPENBLAS_PTHREAD_DIR) ? OPENBLAS_PTHREAD_DIR : undefined,
  );
}

/** A Python that imports torch (`python`), or why there is none (`missing`). */
export interface TorchPython {
  python?: string;
  /** torch's version, when found. */
  version?: string;
  missing?: string;
}

/**
 * The first of `candidates` that imports torch in the child's environment (so the answer is
 * what the child will see), or why none does.
 */
export async function findTorch(
  candidates: readonly string[] = DEFAULT_PYTHONS,
): Promise<TorchPython> {
  const tried: string[] = [];
  for (const python of candidates) {
    try {
      const r = await new Deno.Command(python, {
        args: ["-c", "import torch; print(torch.__version__)"],
        env: childEnv(2),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (r.success) return { python, version: new TextDecoder().decode(r.stdout).trim() };
      const why = new TextDecoder().decode(r.stderr).trim().split("\n").pop();
      tried.push(`${python}: ${why}`);
    } catch {
      tried.push(`${python}: not found`);
    }
  }
  return { missing: tried.join("; ") };
}

/** What the child says once its model is built. */
export interface PytorchReady {
  config: string;
  threads: number;
  torch_version: string;
  /** The BLAS libraries loaded in the child (OpenBLAS, or the script refuses to run). */
  blas: string[];
  openblas: Record<string, unknown> | null;
  torch_threads: number;
  params: { G: number; D: number };
}

/** One timed iteration of the child. */
export interface PytorchIteration {
  /** Seconds of `optimize_parameters()`. */
  s: number;
  /** The child's CPU seconds during it. */
  cpu_s: number;
  /** Cores other processes kept busy meanwhile (this bench included: it is idle then). */
  foreign_cores: number;
  loadavg: number[];
}

/** A running PyTorch child for one configuration. */
export interface PytorchChild {
  ready: PytorchReady;
  /** Runs one iteration; resolves to its details. */
  step(): Promise<PytorchIteration>;
  /** Ends the child; resolves to its peak RSS in MB. */
  close(): Promise<number>;
  /** Kills the child (after an error elsewhere). */
  kill(): void;
}

/** Splits a byte stream into lines. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

/**
 * Starts `pytorch_anchor.py --serve CONFIG` under `python` with `threads` torch threads and
 * waits until its model is built. `config` is PyTorch's name of the configuration (ours
 * without its `(recompute)` suffix). A child that exits early is an error carrying the last
 * lines it wrote to stderr.
 */
export async function openPytorch(
  python: string,
  options: { config: string; threads: number; seed?: number },
): Promise<PytorchChild> {
  const script = new URL("./pytorch_anchor.py", import.meta.url).pathname;
  const proc = new Deno.Command(python, {
    args: [
      script,
      "--serve",
      options.config,
      "--threads",
      String(options.threads),
      "--seed",
      String(options.seed ?? 0),
    ],
    env: childEnv(options.threads),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of proc.stderr.pipeThrough(new TextDecoderStream())) {
      stderr = (stderr + chunk).slice(-4000);
    }
  })();
  const out = lines(proc.stdout);
  const writer = proc.stdin.getWriter();
  const encoder = new TextEncoder();
  const fail = async (what: string): Promise<never> => {
    const status = await proc.status;
    await stderrDone;
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(
      `the PyTorch anchor (${python} ${script} --serve "${options.config}") ${what} ` +
        `(exit ${status.code}${status.signal ? `, ${status.signal}` : ""})${
          tail ? `:\n${tail}` : ""
        }`,
    );
  };
  const next = async (what: string): Promise<Record<string, unknown>> => {
    const r = await out.next();
    if (r.done) return await fail(`ended before ${what}`);
    try {
      return JSON.parse(r.value);
    } catch {
      return await fail(`wrote "${r.value.slice(0, 200)}" instead of ${what}`);
    }
  };
  const send = async (command: string) => {
    try {
      await writer.write(encoder.encode(`${command}\n`));
    } catch {
      await fail(`stopped reading commands (at "${command}")`);
    }
  };
  const ready = await next("its model was built") as unknown as PytorchReady;
  return {
    ready,
    async step() {
      await send("step");
      return await next("an iteration's time") as unknown as PytorchIteration;
    },
    async close() {
      await send("quit");
      const { peak_rss_mb } = await next("its peak memory") as { peak_rss_mb: number };
      await writer.close();
      await proc.status;
      await stderrDone;
      return peak_rss_mb;
    },
    kill() {
      try {
        proc.kill("SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

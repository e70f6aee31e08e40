/**
 * Starts tfjs-backend-wasm's multi-threaded SIMD build under Deno: `selectBackend("wasm",
 * { threads: 2 })`, opt-in (backend-prototype.md section 5: ~1.35x on an idle 2-core machine,
 * slower when another process holds the second core).
 *
 * tfjs 4.22 believes Deno is Node (`IS_NODE`), and in Node it never uses threads, so the
 * emscripten glue it ships for threads was never exercised there. Forcing
 * `WASM_HAS_MULTITHREAD_SUPPORT` fails in four places (backend-prototype.md section 4); this
 * shim fixes each one, only while the backend initialises, and undoes every patch afterwards:
 *
 * 1. emscripten starts its pthread workers with `node:worker_threads`' `Worker` on a `blob:`
 *    URL, which Deno rejects (`ERR_WORKER_PATH`). We record the text of the script blobs tfjs
 *    builds and start each worker from a `.cjs` file with that text instead; the main script,
 *    which tfjs posts to the worker as a `Blob`, is passed as a file path.
 * 2. The worker script assigns `self`, `location`, ... which are getter-only in Deno's worker
 *    scope. A prelude makes them plain writable properties.
 * 3. The main script is the factory's `toString()`, which names the bundle's private imports
 *    (`require$$0`, `commonjsGlobal`); the prelude defines them.
 * 4. tfjs caps threads at half of `os.cpus().length` (it assumes hyperthreading), so on 2
 *    cores it would start 1. `os.cpus()` reports `2 x threads` entries during start-up.
 *
 * Emscripten also `ref()`s a worker while it runs a pthread; XNNPACK's pool threads never
 * return, so that would keep the process alive after the last line of `main`. The workers
 * stay unreferenced.
 *
 * The threaded and the single-threaded builds cannot share a process (tfjs initialises the
 * `wasm` backend once), so the thread count is fixed by the first activation.
 *
 * ```ts
 * import { selectBackend } from "./mod.ts";
 * const active = await selectBackend("wasm", { threads: 2 }); // a fresh process
 * console.log(active.threads); // 2
 * ```
 * @module
 */
import os from "node:os";
import workerThreads from "node:worker_threads";
import { tf } from "../tf.ts";
import { BackendUnavailableError } from "./types.ts";

/**
 * Most threads tfjs 4.22 starts (asked for 9 it starts 8). Emscripten preloads 8 pthread
 * workers, all created while the shim is in place, so no worker starts after it is removed.
 */
export const MAX_WASM_THREADS = 8;

/** How long the workers may take to load the wasm module before we give up. */
const START_TIMEOUT_MS = 60_000;

/**
 * The names the 4.22 bundle (`dist/tf-backend-wasm.node.js`) binds at its top and the
 * factory's text uses. A bundle that uses any other `require$$N` is one this shim does not know.
 */
const BUNDLE_REQUIRES: Readonly<Record<string, string>> = {
  require$$0: "fs",
  require$$1: "path",
  require$$3: "perf_hooks",
  require$$4: "os",
};

/** Runs in each pthread worker before emscripten's own worker script (fixes 2 and 3 above). */
const WORKER_PRELUDE = [
  '"use strict";',
  "for (const name of ['self', 'location', 'postMessage', 'importScripts', 'performance']) {",
  "  Object.defineProperty(globalThis, name, {",
  "    value: globalThis[name], writable: true, configurable: true, enumerable: true,",
  "  });",
  "}",
  "globalThis.commonjsGlobal = globalThis;",
  ...Object.entries(BUNDLE_REQUIRES).map(([k, m]) =>
    `globalThis.${k} = require(${JSON.stringify(m)});`
  ),
  "",
].join("\n");

/**
 * Initialises the `wasm` backend with the threaded SIMD build and `threads` threads, and returns
 * the count tfjs reports. Call before anything starts the wasm backend. Throws
 * {@link BackendUnavailableError} with a one-line reason if it cannot start.
 */
export async function startThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new BackendUnavailableError(
      "wasm",
      `wasm threads must be an integer from 1 to ${MAX_WASM_THREADS} (2 or more for the threaded build); got ${threads}`,
    );
  }
  const w = await import("@tensorflow/tfjs-backend-wasm");
  // Not `tf.findBackend`: it would start initialising the single-threaded build.
  if ("wasm" in tf.engine().registry) {
    const running = w.getThreadsCount();
    if (running === threads) return running;
    throw new BackendUnavailableError(
      "wasm",
      `the wasm backend already runs with ${running} thread(s) in this process; ` +
        `start a new process to use ${threads}`,
    );
  }
  let shim: Shim | undefined;
  try {
    shim = installShim(threads);
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    w.setThreadsCount(threads);
    const ok = await Promise.race([tf.setBackend("wasm"), shim.failed]);
    if (!ok) throw new Error(shim.reason() ?? "tfjs could not initialise the threaded build");
    shim.started();
  } catch (e) {
    shim?.abort();
    // Leave tfjs as it was, so that `threads: 1` still works in this process.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    w.setThreadsCount(-1);
    throw new BackendUnavailableError(
      "wasm",
      `the threaded wasm build did not start (tfjs-backend-wasm ${w.version_wasm}): ${
        oneLine(e)
      }; use threads: 1`,
    );
  } finally {
    shim?.uninstall();
  }
  const got = w.getThreadsCount();
  if (got !== threads) {
    throw new BackendUnavailableError(
      "wasm",
      `asked the threaded wasm build for ${threads} threads, it started ${got}`,
    );
  }
  return got;
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].slice(0, 300);
}

type NodeWorker = InstanceType<typeof workerThreads.Worker>;
type WorkerArgs = ConstructorParameters<typeof workerThreads.Worker>;

/** The live patches of one start-up, and how to end them. */
interface Shim {
  /** Rejects when a worker fails or start-up times out, so a hang becomes an error. */
  failed: Promise<never>;
  /** Why start-up failed, if a patch saw it first. */
  reason(): string | undefined;
  /** Start-up is done: worker errors from now on are tfjs's to report. */
  started(): void;
  /** Start-up failed: stop every worker we started. */
  abort(): void;
  /** Restores `Blob`, `URL.createObjectURL`, `Worker`s and `os.cpus`; deletes the scripts. */
  uninstall(): void;
}

function installShim(threads: number): Shim {
  const dir = Deno.makeTempDirSync({ prefix: "cyclebench-wasm-threads-" });
  const blobText = new WeakMap<Blob, string>();
  const urlText = new Map<string, string>();
  const files = new Map<string, string>(); // script text -> file
  const workers: NodeWorker[] = [];
  let starting = true;
  let failure: string | undefined;
  let fail: (why: string) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (why) => {
      failure ??= why;
      reject(new Error(failure));
    };
  });
  failed.catch(() => {});
  const timer = setTimeout(
    () => fail(`the pthread workers did not load within ${START_TIMEOUT_MS / 1000} s`),
    START_TIMEOUT_MS,
  );
  Deno.unrefTimer(timer);

  function scriptFile(text: string, prelude: string): string {
    let path = files.get(text);
    if (path === undefined) {
      path = `${dir}/script${files.size}.cjs`;
      Deno.writeTextFileSync(path, prelude + text);
      files.set(text, path);
    }
    return path;
  }

  // 1. Record the text of the JavaScript blobs tfjs builds (the worker script, the factory).
  const OriginalBlob = globalThis.Blob;
  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (/javascript/.test(options?.type ?? "") && parts?.every((p) => typeof p === "string")) {
        blobText.set(this, parts.join(""));
      }
    }
  }
  const originalCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob: Blob) => {
    const url = originalCreateObjectURL(blob);
    const text = blobText.get(blob);
    if (text !== undefined) urlText.set(url, text);
    return url;
  };
  globalThis.Blob = RecordingBlob;

  const OriginalNodeWorker = workerThreads.Worker;
  class PthreadWorker extends OriginalNodeWorker {
    constructor(...[script, options]: WorkerArgs) {
      const text = urlText.get(String(script));
      if (text === undefined) {
        fail(`emscripten started a worker from ${String(script).slice(0, 80)}, not a known blob`);
        throw new Error(failure);
      }
      super(scriptFile(text, WORKER_PRELUDE), options);
      workers.push(this);
      // Errors during start-up end start-up (with a reason) instead of being thrown from an
      // event handler, which would end the process.
      super.on("error", (e: unknown) => starting && fail(`a pthread worker failed: ${oneLine(e)}`));
      super.on("exit", (code: number) => starting && fail(`a pthread worker exited (${code})`));
    }
    // deno-lint-ignore no-explicit-any -- the signature of EventEmitter.on
    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      if (event !== "error") return super.on(event, listener);
      return super.on(event, (...args) => starting ? undefined : listener(...args));
    }
    override postMessage(message: unknown, transfer?: unknown): void {
      // 1b. The "load" command carries the factory as a Blob; the worker reads a file instead.
      const m = message as { urlOrBlob?: unknown };
      if (m?.urlOrBlob instanceof OriginalBlob) {
        const text = blobText.get(m.urlOrBlob);
        if (text === undefined) {
          fail("emscripten posted a main-script Blob this shim did not record");
          return;
        }
        const unknown = [...new Set(text.match(/require\$\$\d+/g) ?? [])]
          .filter((name) => !(name in BUNDLE_REQUIRES));
        if (unknown.length > 0) {
          fail(`the bundle's factory uses ${unknown.join(", ")}, which this shim does not define`);
          return;
        }
        message = { ...m, urlOrBlob: scriptFile(text, "") };
      }
      super.postMessage(message, transfer as Parameters<NodeWorker["postMessage"]>[1]);
    }
    // Pool threads never exit; a referenced worker would keep the process alive forever.
    override ref(): void {}
  }
  workerThreads.Worker = PthreadWorker;

  // emscripten (Node mode) sets the global `Worker` to worker_threads' one; we put Deno's back.
  const WebWorker = globalThis.Worker;

  // 4. tfjs starts min(threads, cores / 2) threads.
  const originalCpus = os.cpus;
  os.cpus = () => {
    const real = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };

  return {
    failed,
    reason: () => failure,
    started() {
      starting = false;
    },
    abort() {
      for (const worker of workers) worker.terminate();
    },
    uninstall() {
      clearTimeout(timer);
      globalThis.Blob = OriginalBlob;
      URL.createObjectURL = originalCreateObjectURL;
      workerThreads.Worker = OriginalNodeWorker;
      globalThis.Worker = WebWorker;
      os.cpus = originalCpus;
      // Every worker has read both scripts once the backend is ready (or has been stopped).
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // A temporary directory left behind is harmless.
      }
    },
  };
}

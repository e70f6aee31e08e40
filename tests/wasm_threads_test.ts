/**
 * The threaded wasm build (`selectBackend("wasm", { threads })`, lib/backend/wasm_threads.ts).
 *
 * tfjs initialises the `wasm` backend once per process, so each threaded case runs in a child
 * process: this file, run with `deno run` (`import.meta.main`), prints one JSON line.
 * @module
 */
import workerThreads from "node:worker_threads";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { BackendUnavailableError, selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";

/** What a child prints: the backend it got and the numbers it computed. */
interface ChildReport {
  threads: number;
  backend: string;
  /** Whether `globalThis.Worker` is still Deno's web Worker after start-up. */
  webWorkerKept: boolean;
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** conv2d forward, its dx and dW (through the training kit), and a matMul. */
  values: Record<string, number[]>;
}

/** Conv forward, the conv gradients and a matMul on seeded inputs, as plain numbers. */
async function computeValues(): Promise<Record<string, number[]>> {
  const x = tf.randomUniform([1, 16, 16, 32], -1, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, 32, 48], -1, 1, "float32", 2) as tf.Tensor4D;
  const a = tf.randomUniform([64, 256], -1, 1, "float32", 3) as tf.Tensor2D;
  const b = tf.randomUniform([256, 96], -1, 1, "float32", 4) as tf.Tensor2D;
  const y = tf.conv2d(x, w, 1, "same");
  const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, "same")))
  )([x, w]);
  const mm = tf.matMul(a, b);
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries({ y, dx, dw, mm })) {
    out[name] = Array.from(await t.data());
  }
  tf.dispose([x, w, a, b, y, dx, dw, mm]);
  return out;
}

/** The child's main: `compute N` or `broken` (a pthread worker fails while starting). */
async function child(mode: string, threads: number): Promise<void> {
  const webWorker = globalThis.Worker;
  if (mode === "broken") {
    // Every worker emscripten starts reports an error, as a worker would whose script no
    // longer fits the shim (a changed tfjs): start-up must fail with a reason, not crash.
    const Real = workerThreads.Worker;
    workerThreads.Worker = class extends Real {
      constructor(...args: ConstructorParameters<typeof Real>) {
        super(...args);
        queueMicrotask(() => this.emit("error", new Error("injected worker failure")));
      }
    };
    const err = await selectBackend("wasm", { threads }).catch((e: Error) => e);
    workerThreads.Worker = Real;
    const fallback = await selectBackend("wasm", { threads: 1 });
    console.log(JSON.stringify({
      error: err instanceof Error ? `${err.name}: ${err.message}` : "none",
      fallbackThreads: fallback.threads,
    }));
    return;
  }
  const active = await selectBackend("wasm", { threads });
  const numTensorsBefore = tf.memory().numTensors;
  const values = await computeValues();
  const report: ChildReport = {
    threads: active.threads,
    backend: tf.getBackend(),
    webWorkerKept: globalThis.Worker === webWorker,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
    values,
  };
  console.log(JSON.stringify(report));
}

if (import.meta.main) await child(Deno.args[0], Number(Deno.args[1]));

/** Runs this file as a child; fails if it has not exited within `limitMs`. */
async function runChild(mode: string, threads: number, limitMs = 25_000) {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, mode, String(threads)],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(limitMs),
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const stderr = dec.decode(out.stderr);
  assertEquals(out.code, 0, `child ${mode} ${threads} exited ${out.code}:\n${stderr.slice(-2000)}`);
  return { json: JSON.parse(stdout.trim().split("\n").at(-1)!), ms: performance.now() - t0 };
}

Deno.test("selectBackend('wasm', { threads: 2 }) runs 2 threads with single-thread results", async () => {
  const one = await runChild("compute", 1);
  const two = await runChild("compute", 2);
  const r1 = one.json as ChildReport;
  const r2 = two.json as ChildReport;
  assertEquals([r1.threads, r2.threads], [1, 2]);
  assertEquals([r1.backend, r2.backend], ["wasm", "wasm"]);
  assert(r2.webWorkerKept, "the global Worker is Deno's again after start-up");
  for (const r of [r1, r2]) assertEquals(r.numTensorsAfter, r.numTensorsBefore, "no leak");
  for (const name of Object.keys(r1.values)) {
    const a = r1.values[name];
    const b = r2.values[name];
    const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    assertEquals(b.length, a.length, name);
    assert(a.every((v, i) => Object.is(v, b[i])), `${name}: 2 threads differ by up to ${diff}`);
  }
  // The pthread workers must not keep the process alive: the child exits on its own, quickly.
  assert(two.ms < 20_000, `the threaded child took ${two.ms.toFixed(0)} ms to exit`);
});

Deno.test("a pthread worker failing at start-up is a BackendUnavailableError, not a crash", async () => {
  const { json } = await runChild("broken", 2);
  assertMatch(json.error, /^BackendUnavailableError: the threaded wasm build did not start/);
  assertMatch(json.error, /injected worker failure/);
  assert(!json.error.includes("\n"), "one line");
  assertEquals(json.fallbackThreads, 1);
});

Deno.test("selectBackend('wasm') rejects thread counts it cannot run", async () => {
  for (const threads of [0, 1.5, 9]) {
    const err = await assertRejects(
      () => selectBackend("wasm", { threads }),
      BackendUnavailableError,
    );
    assertMatch(err.message, new RegExp(`from 1 to 8 .*; got ${threads}$`));
  }
});

Deno.test("threads cannot change once this process runs the wasm backend", async () => {
  const single = await selectBackend("wasm");
  assertEquals(single.threads, 1);
  const err = await assertRejects(
    () => selectBackend("wasm", { threads: 2 }),
    BackendUnavailableError,
  );
  assertMatch(err.message, /already runs with 1 thread\(s\).*new process/);
});

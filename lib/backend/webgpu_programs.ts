/**
 * Counting the GPU programs the tfjs WebGPU backend dispatches. On a GPU, a CycleGAN iteration
 * at small sizes is bound by the number of programs, not by arithmetic (issue 18), so the count
 * is the figure of merit we can measure without a GPU: it is the same on lavapipe as on an H100.
 *
 * The count is taken at `WebGPUBackend.runWebGPUProgram`, the one method every tfjs WebGPU
 * kernel (and every custom kernel of ours) calls to compile-or-reuse a pipeline and record one
 * compute pass. Programs whose output is empty return before dispatching and are not counted;
 * kernels that tfjs runs on the CPU (small int inputs, reshapes) are not programs either.
 * @module
 */
import { tf } from "../tf.ts";

/** The part of tfjs's `WebGPUBackend` the counter wraps. */
interface ProgramRunner {
  runWebGPUProgram(
    program: unknown,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: unknown,
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

/** A running count of dispatched GPU programs; {@link ProgramCounter.stop} unhooks it. */
export interface ProgramCounter {
  /** Programs dispatched since the counter started. */
  readonly count: number;
  /** Programs dispatched since the counter started, by the program's class name. */
  readonly byProgram: ReadonlyMap<string, number>;
  /** Restores the backend's own method; the count stays readable. Idempotent. */
  stop(): void;
}

/**
 * Starts counting the GPU programs the active tfjs backend dispatches; it must be `webgpu`.
 * One counter at a time: a second start while one runs is an error, since two wrappers
 * stopped out of order would leave one of them installed.
 *
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { startProgramCounter } from "./webgpu_programs.ts";
 *
 * const counter = startProgramCounter(); // webgpu must be the active backend
 * const y = tf.add(tf.ones([64]), tf.ones([64]));
 * counter.stop();
 * console.log(counter.count); // the programs the two `ones` and the `add` dispatched
 * y.dispose();
 * ```
 */
export function startProgramCounter(): ProgramCounter {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as Partial<ProgramRunner> & Record<string, unknown>;
  if (name !== "webgpu" || typeof backend.runWebGPUProgram !== "function") {
    throw new Error(
      `cannot count GPU programs on backend "${name}": expected the active backend to be "webgpu"`,
    );
  }
  if (Object.hasOwn(backend, "runWebGPUProgram")) {
    throw new Error("cannot count GPU programs: a program counter is already running");
  }
  // The prototype's method, reached through the instance (no own property yet).
  const original = backend.runWebGPUProgram as ProgramRunner["runWebGPUProgram"];
  let count = 0;
  const byProgram = new Map<string, number>();
  let running = true;
  backend.runWebGPUProgram = function (this: ProgramRunner, program, inputs, dtype, u, output) {
    const out = original.call(this, program, inputs, dtype, u, output);
    // tfjs skips empty outputs without dispatching; so do we.
    if (out.shape.every((d) => d > 0)) {
      count++;
      const key = (program as { constructor?: { name?: string } }).constructor?.name ?? "?";
      byProgram.set(key, (byProgram.get(key) ?? 0) + 1);
    }
    return out;
  } as ProgramRunner["runWebGPUProgram"];
  return {
    get count() {
      return count;
    },
    byProgram,
    stop() {
      if (!running) return;
      running = false;
      delete backend.runWebGPUProgram;
    },
  };
}

/**
 * Runs `f` and counts the GPU programs it dispatches on the active `webgpu` backend.
 *
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * import { countPrograms } from "./webgpu_programs.ts";
 *
 * const { result, programs } = await countPrograms(() => tf.relu(tf.ones([8])));
 * result.dispose();
 * ```
 */
export async function countPrograms<T>(
  f: () => T | Promise<T>,
): Promise<{ result: T; programs: number }> {
  const counter = startProgramCounter();
  try {
    const result = await f();
    return { result, programs: counter.count };
  } finally {
    counter.stop();
  }
}

/**
 * `cpu`: tfjs's pure-JS backend. Slow; the reference the correctness tests compare against.
 * @module
 */
import { tf } from "../tf.ts";
import type { BackendEntry } from "./types.ts";

/** The pure-JS reference backend. */
export const cpu: BackendEntry = {
  name: "cpu",
  description: "pure-JS reference (tfjs-backend-cpu); slow, used as the test oracle",
  probe() {
    return Promise.resolve({ ok: true, detail: "always available" });
  },
  async activate() {
    await import("@tensorflow/tfjs-backend-cpu");
    await tf.setBackend("cpu");
    await tf.ready();
    return {
      name: "cpu",
      tfjsBackend: "cpu",
      version: `@tensorflow/tfjs-backend-cpu ${tf.version_core}`,
      device: `cpu (JS, 1 thread)`,
      threads: 1,
      convGradients: "cyclebench",
    };
  },
};

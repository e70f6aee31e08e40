/**
 * The one TensorFlow.js import for the project: tfjs-core with every gradient registered.
 *
 * `@tensorflow/tfjs-core` alone registers no gradients (the `@tensorflow/tfjs` bundle does that, so it is imported here for that side effect),
 * and training needs them, so every module imports `tf` from here. It also sets `PROD`, which
 * silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js").
 *
 * ```ts
 * import { tf } from "./tf.ts";
 * const y = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// The union package registers every gradient with the (shared) tfjs-core engine.
import "@tensorflow/tfjs";

tf.env().set("PROD", true);

export { tf };

/**
 * Training within the wasm heap's 4 GB: tfjs autodiff keeps every forward intermediate and its
 * gradient alive until the backward pass ends, so a fused CycleGAN generator step at 128x128
 * runs out of wasm32 memory (backend-prototype.md, section 4). Two tools, both exact:
 *
 * - {@link accumulatedGrads}: one `variableGrads` per loss term, gradients summed, applied once.
 *   Same maths and FLOPs as the fused step; the peak holds one term's graph at a time.
 * - {@link recompute}: gradient checkpointing. A block's forward keeps only its input; the
 *   backward pass runs the block again under a tape. About one extra forward per block, and the
 *   peak holds one block's graph at a time (for 256x256).
 * @module
 */
import { tf } from "../tf.ts";

/**
 * Gradients of `sum(terms)` w.r.t. `vars`, computed one term at a time and summed.
 * Returns the per-term values (scalars, caller disposes) and the summed gradients (caller
 * disposes), keyed by variable name as `tf.variableGrads` does. Variables a term does not touch
 * get no entry from that term; a variable touched by no term is absent.
 *
 * ```ts
 * const { values, grads } = accumulatedGrads([() => lossA(), () => lossB()], params);
 * optimizer.applyGradients(grads);
 * ```
 */
export function accumulatedGrads(
  terms: ReadonlyArray<() => tf.Scalar>,
  vars?: tf.Variable[],
): { values: tf.Scalar[]; grads: tf.NamedTensorMap } {
  const grads: tf.NamedTensorMap = {};
  const values: tf.Scalar[] = [];
  for (const term of terms) {
    const { value, grads: g } = tf.variableGrads(term, vars);
    values.push(value);
    for (const [name, t] of Object.entries(g)) {
      const prev = grads[name];
      if (prev === undefined) {
        grads[name] = t;
      } else {
        grads[name] = tf.add(prev, t);
        prev.dispose();
        t.dispose();
      }
    }
  }
  return { values, grads };
}

/**
 * Wraps a block `f(x, params)` so that its forward pass keeps only `x` (and the parameters) for
 * the backward pass, which re-runs `f` to get the gradients. `params` must be the tensors `f`
 * uses (pass the `tf.Variable`s: they then receive gradients from `tf.variableGrads`); `f` must
 * be deterministic (seeded dropout must draw the same mask when re-run).
 *
 * ```ts
 * const y = recompute((x, [w]) => tf.relu(tf.conv2d(x, w as tf.Tensor4D, 1, "same")), x, [w]);
 * ```
 */
export function recompute<T extends tf.Tensor>(
  f: (x: tf.Tensor, params: tf.Tensor[]) => T,
  x: tf.Tensor,
  params: tf.Tensor[],
): T {
  const wrapped = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    save(inputs);
    // Inside customGrad's forward no tape is recorded, so the block's intermediates are freed.
    const value = f(inputs[0], inputs.slice(1));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        // tfjs's engine has one tape: a nested first-order `tf.grads` (gradient depth 0) would
        // replace the outer backward pass's tape and then null it, so keep it aside meanwhile.
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outerTape = state.activeTape;
        try {
          return tf.grads((...xs: tf.Tensor[]) => f(xs[0], xs.slice(1)))(saved, dy as tf.Tensor);
        } finally {
          state.activeTape = outerTape;
        }
      },
    };
  });
  return wrapped(x, ...params) as T;
}

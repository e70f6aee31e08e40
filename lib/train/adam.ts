/**
 * Adam with tfjs's exact arithmetic but a small memory peak, and moments keyed by name.
 *
 * tfjs's `AdamOptimizer.applyGradients` updates every variable inside one `tf.tidy`, so all
 * per-variable temporaries (new moments, bias-corrected moments, the step) stay alive until the
 * last variable is done: about 6-10 copies of the parameters at once. For two unet_128
 * generators (84 M parameters) that alone is 2-3 GB, which with the activations runs the wasm
 * heap out of memory at 128x128 (measured: "memory access out of bounds"). This subclass runs
 * the same operations in the same order, one variable per `tf.tidy`, so the peak holds one
 * variable's temporaries; results are bit-identical to tfjs's. It also finds each variable's
 * moments by name (tfjs matches them by position in the gradient map, which silently mixes
 * them up if a step's map lists the variables in another order). State, `getWeights` and
 * `setWeights` are tfjs's own, so checkpoints are unchanged.
 * @module
 */
import { tf } from "../tf.ts";
import { ADAM_STEP_KERNEL } from "../backend/kernels/mod.ts";

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** What `applyGradients` takes: tfjs types it as variables, though it reads plain gradients. */
export type AdamGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

/** Adam (Kingma and Ba) as tfjs computes it, one variable at a time. */
export class LowPeakAdam extends tf.AdamOptimizer {
  /** Applies one Adam step to every variable named in `variableGradients`. */
  override applyGradients(variableGradients: AdamGradients): void {
    const self = this as unknown as AdamInternals;
    const entries: [string, tf.Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients as tf.NamedTensorMap);
    const slot = new Map(self.accumulatedFirstMoment.map((m, i) => [m.originalName, i]));
    const [oneMinusAccBeta1, oneMinusAccBeta2] = tf.tidy(() => [
      tf.sub(1, self.accBeta1),
      tf.sub(1, self.accBeta2),
    ]);
    // The native backend's one-pass update (lib/backend/native/kernels.ts), fed the same f32
    // scalars the separate ops would use.
    const fused = tf.getKernel(ADAM_STEP_KERNEL, tf.getBackend()) !== undefined;
    const scalars = fused
      ? {
        beta1: self.beta1,
        beta2: self.beta2,
        epsilon: self.epsilon,
        learningRate: self.learningRate,
        oneMinusAccBeta1: oneMinusAccBeta1.dataSync()[0],
        oneMinusAccBeta2: oneMinusAccBeta2.dataSync()[0],
      }
      : undefined;
    for (const [name, gradient] of entries) {
      const value = tf.engine().registeredVariables[name];
      let i = slot.get(`${name}/m`);
      if (i === undefined) {
        i = self.accumulatedFirstMoment.length;
        slot.set(`${name}/m`, i);
        self.accumulatedFirstMoment.push({
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        });
        self.accumulatedSecondMoment.push({
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        });
      }
      if (gradient == null) continue;
      const firstMoment = self.accumulatedFirstMoment[i].variable;
      const secondMoment = self.accumulatedSecondMoment[i].variable;
      if (scalars) {
        const [p, m, v] = tf.engine().runKernel(
          ADAM_STEP_KERNEL,
          { value, m: firstMoment, v: secondMoment, g: gradient },
          scalars as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        firstMoment.assign(m);
        secondMoment.assign(v);
        value.assign(p);
        tf.dispose([p, m, v]);
        continue;
      }
      tf.tidy(() => {
        const newFirstMoment = tf.add(
          tf.mul(firstMoment, self.beta1),
          tf.mul(gradient, 1 - self.beta1),
        );
        const newSecondMoment = tf.add(
          tf.mul(secondMoment, self.beta2),
          tf.mul(tf.square(gradient), 1 - self.beta2),
        );
        const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
        const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
        firstMoment.assign(newFirstMoment);
        secondMoment.assign(newSecondMoment);
        const newValue = tf.add(
          tf.mul(
            tf.div(
              biasCorrectedFirstMoment,
              tf.add(tf.sqrt(biasCorrectedSecondMoment), self.epsilon),
            ),
            -self.learningRate,
          ),
          value,
        );
        value.assign(newValue);
      });
    }
    tf.dispose([oneMinusAccBeta1, oneMinusAccBeta2]);
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

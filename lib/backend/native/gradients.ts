/**
 * Gradients of ReLU, LeakyReLU and tanh that run as one oneDNN element-wise backward kernel on
 * backends that provide {@link ACTIVATION_GRAD_KERNEL} (the native backend), instead of tfjs's two or
 * three kernels per gradient (`step` + `mul`, `greater` + `where` + `mul`, `square` + `sub` +
 * `mul`). On every other backend they delegate to tfjs's built-in gradient, unchanged.
 *
 * Installed (globally, like the training kit's gradients) when the native backend activates;
 * the saved tensors are those of the built-in gradients, so delegation is exact.
 * @module
 */
import { tf } from "../../tf.ts";
import { gradientDepth } from "../tape.ts";
import {
  builtin,
  type GradientSlot,
  install,
  isInstalled,
  uninstall,
} from "../kernels/_registry.ts";
import { ACTIVATION_GRAD_KERNEL } from "../kernels/names.ts";
import type { Activation } from "./prims.ts";

function slot(
  kernelName: string,
  kind: Activation,
  save: { inputsToSave?: string[]; outputsToSave?: boolean[] },
): GradientSlot {
  const s: GradientSlot = {
    kernelName,
    previous: undefined,
    ours: {
      kernelName,
      ...save,
      gradFunc: (dy, saved, attrs) => {
        // Under an outer tape (double backprop: WGAN-GP differentiates D's input gradient),
        // tfjs's composite gradient is what can be differentiated again; our kernel cannot.
        if (!tf.getKernel(ACTIVATION_GRAD_KERNEL, tf.getBackend()) || beingDifferentiated()) {
          const original = builtin(s);
          if (!original) throw new Error(`No built-in ${kernelName} gradient to delegate to`);
          return original.gradFunc(dy, saved, attrs);
        }
        const alpha = kind === "leakyRelu" ? (attrs as unknown as tf.LeakyReluAttrs).alpha : 0;
        return {
          x: () =>
            tf.engine().runKernel(
              ACTIVATION_GRAD_KERNEL,
              { xOrY: saved[0], dy: dy as tf.Tensor },
              { kind, alpha } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor,
        };
      },
    },
  };
  return s;
}

/**
 * Whether gradients computed now are themselves recorded for differentiation (a gradient tape
 * is active around the one being back-propagated).
 */
export function beingDifferentiated(): boolean {
  return gradientDepth() > 0;
}

const SLOTS: readonly GradientSlot[] = [
  slot("Relu", "relu", { inputsToSave: ["x"] }),
  slot("LeakyRelu", "leakyRelu", { inputsToSave: ["x"] }),
  slot("Tanh", "tanh", { outputsToSave: [true] }),
];

/** Installs the three activation gradients (idempotent). */
export function installActivationGradients(): void {
  for (const s of SLOTS) install(s);
}

/** Restores tfjs's built-in activation gradients. */
export function uninstallActivationGradients(): void {
  for (const s of SLOTS) uninstall(s);
}

/** Whether all three are installed. */
export function activationGradientsInstalled(): boolean {
  return SLOTS.every(isInstalled);
}

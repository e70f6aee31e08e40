/**
 * Swapping a kernel's gradient in tfjs's global gradient registry, keeping the one it replaces.
 * @module
 */
import { tf } from "../../tf.ts";

/** One overridable gradient: the config we install and the one that was there before. */
export interface GradientSlot {
  /** The kernel whose gradient is swapped, e.g. `Conv2D`. */
  readonly kernelName: string;
  /** Our replacement. */
  readonly ours: tf.GradConfig;
  /** What the registry held before our first install (tfjs's built-in gradient). */
  previous: tf.GradConfig | undefined;
}

/** Whether the registry currently holds our config for the slot's kernel. */
export function isInstalled(slot: GradientSlot): boolean {
  return tf.getGradient(slot.kernelName) === slot.ours;
}

/** Installs our gradient (idempotent), remembering the one it replaces. */
export function install(slot: GradientSlot): void {
  if (isInstalled(slot)) return;
  slot.previous = tf.getGradient(slot.kernelName);
  registerQuietly(slot.ours);
}

/** Puts back the gradient that was there before {@link install}; a no-op if ours is not in. */
export function uninstall(slot: GradientSlot): void {
  if (!isInstalled(slot)) return;
  if (slot.previous) registerQuietly(slot.previous);
  else tf.unregisterGradient(slot.kernelName);
}

/** The gradient tfjs would use without us: the replaced one, or the current one if we're out. */
export function builtin(slot: GradientSlot): tf.GradConfig | undefined {
  return isInstalled(slot) ? slot.previous : tf.getGradient(slot.kernelName);
}

/**
 * `tf.registerGradient`, without its "Overriding the gradient for '...'" console warning
 * (printed in tfjs's DEBUG mode): replacing the gradient is what we mean to do.
 */
function registerQuietly(config: tf.GradConfig): void {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("Overriding the gradient")) return;
    warn(...args);
  };
  try {
    tf.registerGradient(config);
  } finally {
    console.warn = warn;
  }
}

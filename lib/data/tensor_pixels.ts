/**
 * Tensors back to bytes, as the official `tensor2im`: `(y + 1) / 2 * 255`, clamped and
 * truncated to 8 bits.
 * @module
 */
import type { tf } from "../tf.ts";
import type { Pixels } from "./pixels.ts";

/** A `[h, w, c]` tensor in [-1, 1] as 8-bit pixels (official `tensor2im`). */
export async function tensorToPixels(y: tf.Tensor3D): Promise<Pixels> {
  const [height, width, channels] = y.shape;
  const v = await y.data();
  const data = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    data[i] = Math.trunc(Math.min(Math.max((v[i] + 1) / 2, 0), 1) * 255);
  }
  return { width, height, channels, data };
}

/**
 * The history buffer of generated images that the discriminators train on (official
 * `util/image_pool.py`; reference §1.5).
 *
 * The paper (Sec. 4, after Shrivastava et al.'s SimGAN): "to reduce model oscillation ... we
 * update the discriminators using a history of generated images rather than the ones produced by
 * the latest generators. We keep an image buffer that stores the 50 previously created images."
 * Only D's update sees pooled fakes; G's adversarial loss uses the current ones (§1.11 item 6).
 *
 * Unlike the official pool, every draw comes from a seeded {@link Rng}, and the whole pool
 * (images and RNG) round-trips through {@link ImagePool.toState} / {@link ImagePool.fromState},
 * so a resumed run returns exactly the images the uninterrupted one would have.
 *
 * ```ts
 * import { ImagePool } from "./image_pool.ts";
 * import { Rng } from "./nn/rng.ts";
 * const poolB = new ImagePool(50, new Rng(1));
 * const pooled = poolB.query(fakeB); // [N, H, W, C], the caller disposes it
 * const lossD = mode.discriminatorLoss(netDA(realB), netDA(pooled));
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import { Rng, type RngState } from "./nn/rng.ts";

export type { RngState };

/** An {@link ImagePool}'s complete state, for checkpoints. */
export interface ImagePoolState {
  /** Capacity (`--pool_size`). */
  size: number;
  /** The stored images in slot order, as one batch: `shape` is `[count, ...imageShape]`. */
  images: { data: Float32Array; shape: number[] };
  /** The pool's RNG, continued by {@link ImagePool.fromState}. */
  rng: RngState;
}

/**
 * A buffer of up to `size` generated images, queried once per D update.
 *
 * For each image of a query batch, in order: while fewer than `size` images are stored, the
 * image is stored and returned; once full, with probability 1/2 a uniformly chosen stored image
 * is returned and the new one takes its slot, otherwise the new image is returned and the pool is
 * unchanged. `size` 0 passes images straight through. The pool owns copies of what it stores
 * (kept outside any `tf.tidy`, disposed when replaced or by {@link ImagePool.dispose}); the
 * caller keeps ownership of its inputs.
 *
 * The pool draws from the RNG it is given, so give it a stream of its own (`rng.fork()`):
 * {@link ImagePool.toState} saves that RNG's state with the images.
 *
 * ```ts
 * const pool = new ImagePool(50, new Rng(0));
 * const out = pool.query(fakes);
 * out.dispose();
 * pool.dispose();
 * ```
 */
export class ImagePool {
  /** Capacity (`--pool_size`); 0 disables the pool. */
  readonly size: number;
  #rng: Rng;
  #images: tf.Tensor[] = [];

  /**
   * An empty pool of capacity `size` drawing from `rng`.
   *
   * @param size Capacity, a non-negative integer (official default 50).
   * @param rng The pool's own seeded RNG; the pool advances it.
   */
  constructor(size: number, rng: Rng) {
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`Cannot create an image pool of size ${size}: expected an integer >= 0`);
    }
    this.size = size;
    this.#rng = rng;
  }

  /** How many images are stored (at most {@link ImagePool.size}). */
  get count(): number {
    return this.#images.length;
  }

  /**
   * Returns a batch shaped like `images` (batch first) mixing new and stored images, one decision
   * per image, as the official `query`. The result is a new tensor the caller disposes; `images`
   * stays the caller's.
   *
   * ```ts
   * const pooled = pool.query(fakeB); // fakeB: [1, 256, 256, 3]
   * ```
   */
  query(images: tf.Tensor): tf.Tensor {
    if (images.rank < 1) {
      throw new Error(`Cannot query the image pool with a scalar: expected a batch-first tensor`);
    }
    // size 0: the official pool returns its input; a clone keeps "caller disposes the result".
    if (this.size === 0) return tf.clone(images);
    const imageShape = images.shape.slice(1);
    if (this.#images.length > 0 && this.#images[0].shape.slice(1).join() !== imageShape.join()) {
      throw new Error(
        `Cannot query the image pool with images of shape [${imageShape}]: it stores [${
          this.#images[0].shape.slice(1)
        }]`,
      );
    }
    const replaced: tf.Tensor[] = [];
    const out = tf.tidy(() => {
      const picked: tf.Tensor[] = [];
      for (const image of tf.split(images, images.shape[0], 0)) {
        if (this.#images.length < this.size) {
          this.#images.push(tf.keep(tf.clone(image)));
          picked.push(image);
        } else if (this.#rng.uniform() > 0.5) {
          // The official pool swaps when uniform(0, 1) > 0.5: probability 1/2.
          const slot = this.#rng.int(this.size);
          picked.push(this.#images[slot]);
          replaced.push(this.#images[slot]);
          this.#images[slot] = tf.keep(tf.clone(image));
        } else {
          picked.push(image);
        }
      }
      return tf.concat(picked, 0);
    });
    // Kept tensors outlive the tidy; the ones swapped out were only needed for the concat.
    tf.dispose(replaced);
    return out;
  }

  /**
   * The pool's images and RNG state, copied out (the pool is unchanged). Async because reading
   * tensors back is async on GPU backends.
   *
   * ```ts
   * const saved = await pool.toState();
   * ```
   */
  async toState(): Promise<ImagePoolState> {
    const count = this.#images.length;
    if (count === 0) {
      return {
        size: this.size,
        images: { data: new Float32Array(0), shape: [0] },
        rng: this.#rng.state(),
      };
    }
    const batch = tf.concat(this.#images, 0);
    try {
      const data = Float32Array.from(await batch.data());
      return {
        size: this.size,
        images: { data, shape: batch.shape.slice() },
        rng: this.#rng.state(),
      };
    } finally {
      batch.dispose();
    }
  }

  /**
   * A pool that continues exactly where the saved one was: same images in the same slots, same
   * RNG stream.
   *
   * ```ts
   * const pool = ImagePool.fromState(await old.toState());
   * ```
   */
  static fromState(state: ImagePoolState): ImagePool {
    const { size, images: { data, shape }, rng } = state;
    const count = shape[0];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (
      !Number.isInteger(count) || count < 0 || count > size || data.length !== elements ||
      (count > 0 && shape.length < 2)
    ) {
      throw new Error(
        `Cannot restore an image pool of size ${size} from images of shape [${shape}] with ${data.length} values: expected [count <= size, ...imageShape] with as many values as the shape holds`,
      );
    }
    const pool = new ImagePool(size, Rng.fromState(rng));
    if (count > 0) {
      const batch = tf.tensor(data, shape, "float32");
      pool.#images = tf.split(batch, count, 0).map((t) => tf.keep(t));
      batch.dispose();
    }
    return pool;
  }

  /** Disposes every stored image; the pool is empty afterwards. */
  dispose(): void {
    tf.dispose(this.#images);
    this.#images = [];
  }
}

/**
 * The seeded random number generator every random draw in cyclebench goes through.
 *
 * xoshiro128** (Blackman and Vigna): four 32-bit words of state, period 2^128 - 1, fast with
 * `Math.imul`, and its whole state fits in a JSON checkpoint as `{s: [a, b, c, d]}`, so a
 * resumed run draws exactly the numbers the uninterrupted one would have. The official
 * CycleGAN has no seed option at all (official-cyclegan.md 1.11, item 1); we seed everything.
 *
 * ```ts
 * import { Rng } from "./rng.ts";
 * const rng = new Rng(42);
 * const w = rng.fillNormal(1024, 0, 0.02);  // Float32Array of N(0, 0.02) draws
 * const saved = rng.state();                 // {s: [...]}, JSON-safe
 * const again = Rng.fromState(saved);        // continues the same stream
 * ```
 * @module
 */

/** The serialisable state of an {@link Rng}: the four xoshiro128** words, each in [0, 2^32). */
export interface RngState {
  /** Four unsigned 32-bit integers, not all zero. */
  s: number[];
}

const TWO_POW_32 = 4294967296;

/** splitmix32 step: spreads a seed over well-mixed words (Steele, Lea and Flood's mixer). */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) >>> 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded xoshiro128** generator with uniform, integer and normal draws.
 *
 * ```ts
 * const rng = new Rng(7);
 * rng.uniform();   // in [0, 1)
 * rng.int(10);     // in {0, ..., 9}, unbiased
 * rng.normal();    // N(0, 1) by Box-Muller
 * ```
 */
export class Rng {
  #s: Uint32Array;

  /**
   * A generator seeded with `seed`.
   *
   * @param seed A non-negative safe integer. Different seeds give unrelated streams: the seed is
   * expanded by splitmix32, never used as the state directly.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Rng: seed must be a non-negative safe integer, got ${seed}`);
    }
    // Mix the high and low halves separately so seeds above 2^32 are distinct too.
    const mix = { x: (seed % TWO_POW_32) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x27d4eb2d) };
    this.#s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(mix);
    // xoshiro's one forbidden state; splitmix32 output makes it practically unreachable.
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1;
  }

  /** A generator that continues from a saved {@link RngState}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** A copy of the current state, safe to JSON-encode and to pass to {@link Rng.fromState}. */
  state(): RngState {
    return { s: Array.from(this.#s) };
  }

  /** Replaces the state (for example with one read from a checkpoint). */
  setState(state: RngState): void {
    const s = state?.s;
    if (
      !Array.isArray(s) || s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) || s.every((w) => w === 0)
    ) {
      throw new RangeError(
        `Rng: state must be {s: [four integers in [0, 2^32), not all zero]}, got ${
          JSON.stringify(state)
        }`,
      );
    }
    this.#s = Uint32Array.from(s);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform draw in [0, 1) with 32 bits of resolution (plenty for float32 tensors). */
  uniform(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Largest multiple of n not above 2^32; draws at or past it are redrawn.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /**
   * One N(mean, std) draw. Box-Muller makes draws in pairs; this uses the first and drops the
   * second, so the state stays four words with no cached spare to save.
   */
  normal(mean = 0, std = 1): number {
    const [z] = this.#pair();
    return mean + std * z;
  }

  /** `n` N(mean, std) draws; both values of each Box-Muller pair are used. */
  fillNormal(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const [z0, z1] = this.#pair();
      out[i] = mean + std * z0;
      if (i + 1 < n) out[i + 1] = mean + std * z1;
    }
    return out;
  }

  /** `n` uniform draws in [0, 1). */
  fillUniform(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform();
    return out;
  }

  /**
   * An independent generator seeded from this one's next two words, for handing a separate
   * stream to a component (each network's init, the data loader) without sharing state.
   */
  fork(): Rng {
    const hi = this.nextU32() & 0x1fffff; // 21 bits keeps the seed a safe integer
    return new Rng(hi * TWO_POW_32 + this.nextU32());
  }

  /** Box-Muller: two independent N(0, 1) draws from two uniforms. */
  #pair(): [number, number] {
    // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1).
    const u1 = (this.nextU32() + 1) / TWO_POW_32;
    const u2 = this.nextU32() / TWO_POW_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    return [r * Math.cos(theta), r * Math.sin(theta)];
  }
}

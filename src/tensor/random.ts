/**
 * The one random generator of squeeze: xoshiro128** (Blackman & Vigna), 32-bit state
 * words seeded by SplitMix32 from a single integer seed. Integer arithmetic only
 * (`Math.imul`, shifts), so the same seed gives the same numbers on every run, engine
 * and machine. Normal variates use Box–Muller on two uniforms.
 *
 * @example
 * ```ts
 * import { Rng } from "./random.ts";
 * const a = new Rng(42), b = new Rng(42);
 * console.assert(a.uniform() === b.uniform());
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | null = null;

  /** Seeds the generator from any integer (only its low 32 bits are used). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    }
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return r;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    }
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal variate (Box–Muller, the second value is cached). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A new generator derived from this one's stream, for independent sub-streams. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

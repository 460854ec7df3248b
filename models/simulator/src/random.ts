// Seeded pseudo-random numbers: sfc32 generator seeded through splitmix32, plus the
// distributions the simulator needs (uniform, normal, Poisson, sampling without replacement).
// Only integer and IEEE-exact arithmetic (and math.ts) is used, so a seed gives the same
// sequence on every machine.

import { deterministicExp, deterministicLog } from './math.js';

const TWO_POW_32 = 4294967296;

/** One step of splitmix32: advances `state` and returns a well-mixed 32-bit value. */
function splitmix32(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { state: next, value: z >>> 0 };
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, 128-bit state).
 * `stream` selects an independent sequence for the same seed, so each part of the
 * simulation draws from its own stream and changing one part does not shift the others.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second value of the last polar-method pair, used by the next normal() call. */
  private spareNormal: number | undefined;

  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Random: seed must be a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream)) throw new RangeError(`Random: stream must be a safe integer, got ${stream}`);
    // Fold the low and high 32 bits of the seed and the stream id into the splitmix state.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let mix = splitmix32(low);
    mix = splitmix32(mix.value ^ high);
    mix = splitmix32(mix.value ^ (stream >>> 0));
    mix = splitmix32(mix.state);
    this.a = mix.value | 0;
    mix = splitmix32(mix.state);
    this.b = mix.value | 0;
    mix = splitmix32(mix.state);
    this.c = mix.value | 0;
    this.d = 1;
    // The first outputs of sfc32 are still correlated with the seed; discard them.
    for (let i = 0; i < 15; i += 1) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.nextFloat();
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias < n / 2^32). */
  integer(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Normal deviate (Marsaglia polar method; produces values in pairs). */
  normal(mean: number, std: number): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * deterministicLog(s)) / s);
    this.spareNormal = v * scale;
    return mean + std * u * scale;
  }

  /**
   * Poisson deviate by inversion of the CDF. `expMinusMean` must be e^-mean (callers
   * drawing many times with the same mean compute it once). Suitable for small means.
   */
  poisson(mean: number, expMinusMean: number = deterministicExp(-mean)): number {
    const u = this.nextFloat();
    let k = 0;
    let probability = expMinusMean;
    let cumulative = probability;
    // The cap only guards against rounding leaving the CDF a hair below u.
    const cap = Math.ceil(mean * 20 + 100);
    while (u > cumulative && k < cap) {
      k += 1;
      probability *= mean / k;
      cumulative += probability;
    }
    return k;
  }

  /**
   * `count` distinct integers from [0, n), by Robert Floyd's sampling algorithm
   * (O(count) draws, no array of size n). Returned in ascending order.
   */
  sampleDistinct(n: number, count: number): number[] {
    if (count > n) throw new RangeError(`sampleDistinct: cannot draw ${count} distinct values from ${n}`);
    const chosen = new Set<number>();
    for (let j = n - count; j < n; j += 1) {
      const candidate = this.integer(j + 1);
      chosen.add(chosen.has(candidate) ? j : candidate);
    }
    return [...chosen].sort((x, y) => x - y);
  }
}

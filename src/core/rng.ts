// Seeded randomness: xoshiro128** seeded through splitmix32. Every random choice of a run (split, weight
// init, per-epoch shuffles) comes from a stream derived from the config's seed and a purpose name, so
// changing one (say, the number of epochs) leaves the others' numbers unchanged.

export class Rng {
  private s: Uint32Array;

  constructor(seed: number, purpose = '') {
    let x = (seed ^ hashString(purpose)) >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      // splitmix32: spreads a small seed over the whole state so that no state word is zero.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  below(n: number): number {
    // Below 2^21, floor(x / n) is exact in doubles for every x <= 2^32 (the quotient's rounding error, at most
    // 2^-22, is less than its distance 1/n to the next integer), and it spares the float modulo, which V8 compiles
    // to a call.
    const small = n <= 2097152;
    const limit = 4294967296 - (small ? 4294967296 - Math.floor(4294967296 / n) * n : 4294967296 % n);
    let x: number;
    do x = this.nextU32(); while (x >= limit);
    return small ? x - Math.floor(x / n) * n : x % n;
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher-Yates shuffle in place: swap(i, j) for i from n - 1 down to 1, j uniform in [0, i]. */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1), t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The generator's state, for checkpoints. */
  get state(): number[] {
    return Array.from(this.s);
  }
  set state(words: number[]) {
    this.s.set(words);
  }
}

/**
 * A 32-bit key for counter-based draws (dropout masks, augmentation): the seed and a purpose, as Rng's streams,
 * mixed with counters such as the epoch and batch. It depends on nothing else, so a resumed run or another
 * thread count derives the same key.
 */
export function streamKey(seed: number, purpose: string, ...counters: number[]): number {
  let x = (seed ^ hashString(purpose)) >>> 0;
  for (const c of counters) x = fmix32((x ^ fmix32((c + 0x9e3779b9) >>> 0)) >>> 0);
  return x;
}

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
function fmix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function hashString(s: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

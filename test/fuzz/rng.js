'use strict';
// A small deterministic PRNG (sfc32), seeded from 32-bit integers. Every
// fuzz case draws from its own generator, seeded by (batch seed, case
// index), so one case can be replayed alone.

function mix32(a, b) {
  // A 32-bit hash of two integers (murmur3 finaliser steps).
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

class Rng {
  constructor(seed, stream) {
    this.a = mix32(seed >>> 0, 0x1234567);
    this.b = mix32(stream === undefined ? 0 : stream >>> 0, this.a);
    this.c = mix32(this.b, seed >>> 0);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float() { return this.u32() / 4294967296; }

  /** Integer in [lo, hi] (inclusive). */
  int(lo, hi) { return lo + Math.floor(this.float() * (hi - lo + 1)); }

  bool(p) { return this.float() < (p === undefined ? 0.5 : p); }

  pick(arr) { return arr[Math.floor(this.float() * arr.length)]; }

  /** A uniformly random 64-bit pattern as a BigInt in [0, 2^64). */
  u64() { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }

  /** Picks from [[weight, value], ...]. */
  weighted(table) {
    let total = 0;
    for (const [w] of table) total += w;
    let x = this.float() * total;
    for (const [w, v] of table) {
      if ((x -= w) < 0) return v;
    }
    return table[table.length - 1][1];
  }
}

module.exports = { Rng, mix32 };

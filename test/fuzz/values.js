'use strict';
// Random JavaScript values for the fuzzer. A value is { v, src, ...tags }:
// `src` is a JS expression recreating it (for reproducer scripts, where `H`
// is test/fuzz/helpers.js and `ref` is reffi/ref), tags tell the oracle what
// it cannot see from the value itself:
//   detached       a Buffer whose ArrayBuffer was transferred away
//   userThrows     touching the value runs fuzzer code that throws (Proxy)
//   nulTerminated  memory holding a NUL within its bounds (may be read as a C string)

const ref = require('../../lib/ref');
const H = require('./helpers');
const { INT_RANGE } = require('./oracle');

function V(v, src, tags) {
  return Object.assign({ v, src }, tags);
}

function numSrc(x) {
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

function num(x) { return V(x, numSrc(x)); }
function big(b) { return V(b, (b < 0n ? '(' + b + 'n)' : b + 'n')); }

const f64b = new Float64Array(1);
const u64b = new BigUint64Array(f64b.buffer);

/** Any double, from a random bit pattern (every NaN payload, denormals, infinities). */
function randomDoubleBits(rng) {
  u64b[0] = rng.u64();
  return f64b[0];
}

const SPECIAL_NUMBERS = [
  0, -0, 1, -1, 0.5, -0.5, 1.5, -2.5, NaN, Infinity, -Infinity, 1e300, -1e300, 5e-324, -5e-324,
  2.2250738585072014e-308, 1.7976931348623157e308, 3.4028234663852886e38, 3.4028235677973366e38, 1e39, 1.401298464324817e-45,
  9007199254740991, 9007199254740992, 9007199254740993, -9007199254740991, -9007199254740992,
  2 ** 31, 2 ** 32, 2 ** 53, 2 ** 62, 2 ** 63, 2 ** 64, -(2 ** 63), -(2 ** 64), 18446744073709549568, 0.1, Math.PI,
];

function boundaryNumbers(kind) {
  const r = INT_RANGE[kind];
  if (!r) return [];
  const lo = Number(r[0]);
  const hi = Number(r[1]);
  return [lo - 1, lo, lo + 1, hi - 1, hi, hi + 1];
}

function boundaryBigInts(kind) {
  const r = INT_RANGE[kind];
  if (!r) return [];
  return [r[0] - 1n, r[0], r[0] + 1n, r[1] - 1n, r[1], r[1] + 1n];
}

/** A number, biased to the limits of `kind` (an integer kind) when given. */
function numberValue(rng, kind) {
  const which = rng.int(0, 9);
  if (which <= 2 && INT_RANGE[kind]) return num(rng.pick(boundaryNumbers(kind)));
  if (which <= 4) return num(rng.pick(SPECIAL_NUMBERS));
  if (which <= 6 && INT_RANGE[kind]) {
    const [lo, hi] = INT_RANGE[kind];
    const span = Number(hi - lo);
    if (span <= 2 ** 32) return num(Number(lo) + Math.floor(rng.float() * (span + 1)));
    return num(rng.int(-(2 ** 31), 2 ** 31) * rng.pick([1, 1, 1000, 2 ** 20]));
  }
  if (which === 7) return num(randomDoubleBits(rng));
  if (which === 8) return num((rng.float() - 0.5) * 2 ** rng.int(0, 80));
  return num(rng.int(-100000, 100000));
}

function bigintValue(rng, kind) {
  const which = rng.int(0, 5);
  if (which <= 2 && INT_RANGE[kind]) return big(rng.pick(boundaryBigInts(kind)));
  if (which === 3) return big(BigInt.asIntN(64, rng.u64()));
  if (which === 4) return big(rng.u64());
  return big(rng.pick([0n, -1n, 1n, 2n ** 64n, -(2n ** 63n) - 1n, 2n ** 200n, -(2n ** 200n), 255n, 256n]));
}

/** A string a 64-bit integer argument may be given as (valid or not). */
function numericStringValue(rng) {
  const b = rng.bool(0.5) ? BigInt.asIntN(64, rng.u64()) : BigInt(rng.int(-300, 300));
  const which = rng.int(0, 12);
  let s;
  switch (which) {
    case 0: s = String(b); break;
    case 1: s = (b < 0n ? '-0x' + (-b).toString(16) : '0x' + b.toString(16)); break;
    case 2: s = ' ' + b + '  '; break;
    case 3: s = (b < 0n ? '-0' + (-b).toString(8) : '0' + b.toString(8)); break;
    case 4: s = '+' + (b < 0n ? -b : b); break;
    case 5: s = rng.pick(['', ' ', 'abc', '12abc', '1.5', '1e3', '0x', '-', '- 5', '0xg', '08', '09', '1_000', 'Infinity', 'NaN']); break;
    case 6: s = rng.pick(['18446744073709551615', '18446744073709551616', '-1', '9223372036854775807', '9223372036854775808',
      '-9223372036854775808', '-9223372036854775809', '0xffffffffffffffff', '0x10000000000000000', '-0x8000000000000000']); break;
    case 7: s = '0b' + (b < 0n ? -b : b).toString(2); break;
    case 8: s = '0o' + (b < 0n ? -b : b).toString(8); break;
    case 9: s = String(b) + '\0'; break;
    case 10: s = '\t' + b + '\n'; break;
    case 11: s = '0X' + (b < 0n ? -b : b).toString(16).toUpperCase(); break;
    default: s = String(b) + 'n'; break;
  }
  return V(s, JSON.stringify(s));
}

const STRINGS = [
  '', 'a', 'abc', 'hello world', 'h\u00e9llo w\u00f6rld \u2713 \ud834\udd1e', '\u65e5\u672c\u8a9e', 'ab\0cd', '\0', 'tab\tnew\nline',
  '\ud800', 'x\udc00y', '\uffff\ufffe', '\u0000\u0000\u0000', 'null', 'undefined', '0', '-1', '__proto__', 'constructor',
];

function stringValue(rng) {
  const which = rng.int(0, 9);
  if (which <= 4) return V(rng.pick(STRINGS), null);
  if (which === 5) {
    const n = rng.pick([100, 500, 4000, 20000, 65535, 70000]);
    const c = rng.pick(['x', '\u00e9', '\u2713', '\ud834\udd1e']);
    return V(c.repeat(n), JSON.stringify(c) + '.repeat(' + n + ')');
  }
  if (which === 6) {
    // Random code units, including lone surrogates and NULs.
    const n = rng.int(0, 40);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(rng.bool(0.7) ? rng.int(1, 127) : rng.int(0, 0xffff));
    return V(s, null);
  }
  if (which === 7) return numericStringValue(rng);
  const n = rng.int(1, 300);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(32, 126));
  return V(s, null);
}

function fixSrc(x) {
  if (x.src === null) x.src = JSON.stringify(x.v);
  return x;
}

/** Memory-like values: Buffers, views, ArrayBuffers, NULL, struct instances. Only `nulTerminated` ones may be read as strings. */
function memoryValue(rng, ctx) {
  const which = rng.int(0, 19);
  switch (which) {
    case 0: return V(Buffer.alloc(0), 'Buffer.alloc(0)');
    case 1: return V(ref.NULL, 'ref.NULL');
    case 2: { const n = rng.pick([1, 3, 7, 8, 15, 16, 24, 64, 4096]); return V(H.pattern(n, n), 'H.pattern(' + n + ', ' + n + ')'); }
    case 3: { const s = stringValue(rng).v; const t = rng.int(0, 3); return V(H.cstr(s, t), 'H.cstr(' + JSON.stringify(s) + ', ' + t + ')', { nulTerminated: true }); }
    case 4: return V(Buffer.alloc(8), 'Buffer.alloc(8)', { nulTerminated: true });
    case 5: { const n = rng.pick([1, 4, 16]); return V(new Int32Array(n), 'new Int32Array(' + n + ')', { nulTerminated: true }); }
    case 6: { const n = rng.pick([1, 2, 9]); return V(new Float64Array(n), 'new Float64Array(' + n + ')', { nulTerminated: true }); }
    case 7: { const n = rng.pick([0, 1, 16]); return V(new ArrayBuffer(n), 'new ArrayBuffer(' + n + ')', { nulTerminated: n > 0 }); }
    case 8: return V(new DataView(new ArrayBuffer(12), 4, 4), 'new DataView(new ArrayBuffer(12), 4, 4)', { nulTerminated: true });
    case 9: { const off = rng.int(0, 15); return V(Buffer.alloc(32).subarray(off), 'Buffer.alloc(32).subarray(' + off + ')', { nulTerminated: true }); }
    case 10: { const n = rng.pick([0, 8, 64]); const c = rng.bool(); return V(H.detached(n, c), 'H.detached(' + n + ', ' + c + ')', { detached: true, cachedAddress: c && n > 0, wasEmpty: n === 0 }); }
    case 11: return V(ref.NULL_POINTER, 'ref.NULL_POINTER'); // shared and writable: fill cases change its bytes
    case 12: { const n = rng.int(0, 16); return V(H.foreign(Buffer.alloc(16), n), 'H.foreign(Buffer.alloc(16), ' + n + ')', { nulTerminated: n === 16 }); }
    case 13: return V(H.withRefBuffer(Buffer.alloc(4)), "H.withRefBuffer(Buffer.alloc(4))");
    case 14: return V(H.sealedBuffer(5), 'H.sealedBuffer(5)');
    case 15: return V(new Uint8Array(new SharedArrayBuffer(8)), 'new Uint8Array(new SharedArrayBuffer(8))', { nulTerminated: true });
    case 16: return V(Buffer.from('abc\0'), "Buffer.from('abc\\0')", { nulTerminated: true });
    case 17: return V(Buffer.allocUnsafe(5).fill(0), 'Buffer.allocUnsafe(5).fill(0)', { nulTerminated: true });
    case 18: if (ctx && ctx.structValue) return ctx.structValue(rng);
    // falls through
    default: return V(ref.alloc('int32', 7), "ref.alloc('int32', 7)", { nulTerminated: true });
  }
}

/** Values of no particular type: objects, functions, symbols, wrappers, proxies. */
function oddValue(rng) {
  const which = rng.int(0, 22);
  switch (which) {
    case 0: return V({}, '({})');
    case 1: return V({ a: 1 }, '({ a: 1 })');
    case 2: return V([], '[]');
    case 3: return V([1, 2, 3], '[1, 2, 3]');
    case 4: return V(new Date(0), 'new Date(0)');
    case 5: return V(Object.create(null), 'Object.create(null)');
    case 6: return V({ valueOf() { return 5; } }, '({ valueOf() { return 5; } })');
    case 7: return V({ toString() { return 'x'; } }, "({ toString() { return 'x'; } })");
    case 8: return V(new Map(), 'new Map()');
    case 9: return V(/re/g, '/re/g');
    case 10: return V(Symbol('s'), "Symbol('s')");
    case 11: return V(Symbol.iterator, 'Symbol.iterator');
    case 12: return V(function f() { return 1; }, '(function f() { return 1; })');
    case 13: return V(class K {}, '(class K {})');
    case 14: return V(Promise.resolve(1), 'Promise.resolve(1)');
    case 15: return V(new Error('e'), "new Error('e')");
    case 16: return V(H.throwingProxy(), 'H.throwingProxy()', { userThrows: true });
    case 17: return V(H.revokedProxy(), 'H.revokedProxy()', { userThrows: true });
    case 18: return V(new Number(3), 'new Number(3)'); // eslint-disable-line no-new-wrappers
    case 19: return V(new String('s'), "new String('s')"); // eslint-disable-line no-new-wrappers
    case 20: return V({ 'ref.buffer': 5 }, "({ 'ref.buffer': 5 })");
    case 21: return V(new WeakRef({}), 'new WeakRef({})');
    default: return V(Object.freeze({ x: 1 }), 'Object.freeze({ x: 1 })');
  }
}

/** Any value at all (for argument slots where anything may be thrown at reffi). */
function anyValue(rng, ctx, opts) {
  const noMemory = opts && opts.noMemory;
  for (;;) {
    const which = rng.int(0, 11);
    if (which <= 2) return numberValue(rng, rng.pick(['i8', 'u16', 'i32', 'u32', 'i64', 'u64', 'f64']));
    if (which === 3) return bigintValue(rng, rng.pick(['i8', 'u32', 'i64', 'u64']));
    if (which <= 5) return fixSrc(stringValue(rng));
    if (which === 6) return rng.pick([V(null, 'null'), V(undefined, 'undefined')]);
    if (which === 7) return rng.pick([V(true, 'true'), V(false, 'false')]);
    if (which <= 9) {
      if (noMemory) continue;
      return memoryValue(rng, ctx);
    }
    return oddValue(rng);
  }
}

/** A value meant to be valid (or right at the edge) for an argument of scalar `kind`. */
function validValue(rng, kind, ctx) {
  switch (kind) {
    case 'b':
      return rng.weighted([[6, () => V(rng.bool(), null)], [2, () => numberValue(rng, 'u8')], [1, () => num(rng.pick([0, -0, NaN, 2]))]])();
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32':
      return rng.weighted([[7, () => numberValue(rng, kind)], [2, () => bigintValue(rng, kind)], [1, () => V(rng.bool(), null)]])();
    case 'i64': case 'u64':
      return rng.weighted([[5, () => numberValue(rng, kind)], [4, () => bigintValue(rng, kind)], [2, () => numericStringValue(rng)]])();
    case 'f32': case 'f64':
      return rng.weighted([[8, () => numberValue(rng, kind)], [1, () => bigintValue(rng, 'i64')]])();
    case 'p':
      return rng.weighted([[8, () => memoryValue(rng, ctx)], [1, () => V(null, 'null')], [1, () => V(undefined, 'undefined')]])();
    case 's':
      return rng.weighted([[7, () => fixSrc(stringValue(rng))], [1, () => V(null, 'null')], [2, () => {
        for (;;) {
          const m = memoryValue(rng, ctx);
          if (m.nulTerminated || m.v === null) return m;
        }
      }]])();
    default: throw new Error('values: no valid values for ' + kind);
  }
}

/** An argument value for `kind`: mostly valid, sometimes anything. Never unterminated memory for `char *`. */
function argValue(rng, kind, ctx, wild) {
  let x;
  if (!wild) x = validValue(rng, kind, ctx);
  else {
    x = anyValue(rng, ctx);
    if (kind === 's' && !x.userThrows && (ArrayBuffer.isView(x.v) || x.v instanceof ArrayBuffer || (x.v && x.v['ref.buffer'])) && !x.nulTerminated) {
      x = validValue(rng, 's', ctx);
    }
  }
  if (x.src === null) x.src = typeof x.v === 'string' ? JSON.stringify(x.v) : numSrc(x.v);
  return x;
}

module.exports = {
  V, num, big, numSrc, fixSrc, numberValue, bigintValue, numericStringValue, stringValue, memoryValue, oddValue,
  anyValue, validValue, argValue, randomDoubleBits, SPECIAL_NUMBERS,
};

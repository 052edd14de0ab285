'use strict';
// The fuzzer's oracle: an independent model of
//  - the arithmetic of test/native/fuzz.c (checksums, results derived from
//    a checksum), and
//  - how reffi converts a JavaScript value for each C type (the rules of
//    lib/internal/codegen.js and lib/ref.js, written out again from the
//    documentation: accepted values and what C receives, everything else
//    rejected with an ERR_REFFI_* error).
// A prediction is { ok: true, c } (C receives `c`), REJECT, ANY (no exact
// prediction: only "no crash, coded errors") or USER (the value's own code
// throws; that exception may propagate unchanged).

const native = require('../../lib/internal/native');
const H = require('./helpers');

const M64 = (1n << 64n) - 1n;
const H0 = 0xcbf29ce484222325n;
const P = 0x100000001b3n;
const NULL_STR = 0x9e3779b97f4a7c15n;
const MAX_SAFE = 9007199254740991;

const REJECT = Object.freeze({ reject: true });
const ANY = Object.freeze({ any: true });
const USER = Object.freeze({ user: true });

// ---- fuzz.c arithmetic ------------------------------------------------------------

function mix(h, w) {
  h = ((h ^ w) * P) & M64;
  return h ^ (h >> 29n);
}

function fnv32(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Checksum word of a C string (bytes without the NUL), or of NULL. */
function strw(bytes) {
  if (bytes === null) return NULL_STR;
  return BigInt(fnv32(bytes)) | (BigInt(bytes.length) << 32n);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function f32w(x) {
  if (Number.isNaN(x)) return 0x7fc00000n;
  f32[0] = x;
  return BigInt(u32[0]);
}

function f64w(x) {
  if (Number.isNaN(x)) return 0x7ff8000000000000n;
  f64[0] = x;
  return u64[0];
}

/** The checksum word of a C value `c` of `kind` (see the W_* macros of fuzz.c). */
function word(kind, c) {
  switch (kind) {
    case 'b': return c ? 1n : 0n;
    case 'i8': case 'i16': case 'i32': case 'i64': return BigInt.asUintN(64, c);
    case 'u8': case 'u16': case 'u32': case 'u64': return c;
    case 'f32': return f32w(c);
    case 'f64': return f64w(c);
    case 'p': return BigInt(c);
    case 's': return strw(c);
    default: throw new Error('oracle: no word for ' + kind);
  }
}

/**
 * A 64-bit integer as reffi returns it (ref-napi's convention, also for
 * callback arguments and struct fields): a Number when |v| <= 2^53, else a
 * decimal string.
 */
const TWO53 = 2n ** 53n;
function fmt64(b) {
  return b >= -TWO53 && b <= TWO53 ? Number(b) : b.toString();
}

/** The C value a function returning `kind` derives from checksum h (the R_* macros), as C sees it. */
function fromHashC(kind, h) {
  switch (kind) {
    case 'b': return ((h >> 7n) & 1n) === 1n;
    case 'i8': return BigInt.asIntN(8, h);
    case 'u8': return BigInt.asUintN(8, h);
    case 'i16': return BigInt.asIntN(16, h);
    case 'u16': return BigInt.asUintN(16, h);
    case 'i32': return BigInt.asIntN(32, h);
    case 'u32': return BigInt.asUintN(32, h);
    case 'i64': return BigInt.asIntN(64, h);
    case 'u64': return BigInt.asUintN(64, h);
    case 'f32': return Number(h & 0xffffffn) - 0x800000;
    case 'f64': return Number(BigInt.asIntN(64, h) >> 11n);
    case 'p': return Number(h & 0x7ffffffffff0n);
    case 's': return 'h' + h.toString(16).padStart(16, '0');
    default: throw new Error('oracle: no result for ' + kind);
  }
}

/**
 * How reffi hands a C return value of `kind` to JS, as an expectation:
 * { value } compared with Object.is (NaN equal to NaN), or { address } for
 * pointers (a Buffer at that address), or { string } (string or null).
 */
function expectReturn(kind, c) {
  switch (kind) {
    case 'b': return { value: Boolean(c) };
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': return { value: Number(c) };
    case 'i64': case 'u64': return { value: fmt64(c) };
    case 'f32': return { value: Math.fround(c) };
    case 'f64': return { value: c };
    case 'p': return { address: c };
    case 's': return { string: c };
    case 'v': return { value: null };
    default: throw new Error('oracle: cannot expect ' + kind);
  }
}

/** The C value of a scalar `kind` (BigInt for integers) narrowed from a 64-bit pattern `x`. */
function narrow(kind, x) {
  switch (kind) {
    case 'b': return (x & 0xffn) !== 0n;
    case 'i8': return BigInt.asIntN(8, x);
    case 'u8': return BigInt.asUintN(8, x);
    case 'i16': return BigInt.asIntN(16, x);
    case 'u16': return BigInt.asUintN(16, x);
    case 'i32': return BigInt.asIntN(32, x);
    case 'u32': return BigInt.asUintN(32, x);
    case 'i64': return BigInt.asIntN(64, x);
    case 'u64': return BigInt.asUintN(64, x);
    default: throw new Error('oracle: cannot narrow to ' + kind);
  }
}

// ---- JS value -> C value, per reffi's rules ----------------------------------------------

const INT_RANGE = {
  i8: [-128n, 127n], u8: [0n, 255n], i16: [-32768n, 32767n], u16: [0n, 65535n],
  i32: [-2147483648n, 2147483647n], u32: [0n, 4294967295n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n], u64: [0n, 2n ** 64n - 1n],
};

function inRange(kind, b) {
  const [lo, hi] = INT_RANGE[kind];
  return b >= lo && b <= hi;
}

/**
 * A 64-bit integer string as ref-napi reads it (strtoll/strtoull, base 0):
 * optional whitespace and sign, "0x" hex, leading-"0" octal, else decimal
 * ("0o"/"0b" accepted too); for unsigned, "-n" wraps modulo 2^64. Returns
 * a BigInt or null (rejected).
 */
function parse64(str, signed) {
  let s = str.trim();
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  let digits, base;
  if (/^0x[0-9a-f]+$/i.test(s)) { base = 16n; digits = s.slice(2); }
  else if (/^0o[0-7]+$/i.test(s)) { base = 8n; digits = s.slice(2); }
  else if (/^0b[01]+$/i.test(s)) { base = 2n; digits = s.slice(2); }
  else if (/^0[0-7]+$/.test(s)) { base = 8n; digits = s.slice(1); }
  else if (/^[0-9]+$/.test(s)) { base = 10n; digits = s; }
  else return null;
  let v = 0n;
  for (const ch of digits) v = v * base + BigInt(parseInt(ch, 16));
  if (signed) {
    if (neg) v = -v;
    return inRange('i64', v) ? v : null;
  }
  if (v > INT_RANGE.u64[1]) return null;
  return neg ? BigInt.asUintN(64, -v) : v;
}

function ok(c) { return { ok: true, c }; }

/** Integers up to 32 bits, as a function argument. */
function convSmallInt(kind, v) {
  if (typeof v === 'boolean') return ok(v ? 1n : 0n);
  if (typeof v === 'bigint') return inRange(kind, v) ? ok(v) : REJECT;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return REJECT;
    const b = BigInt(v);
    return inRange(kind, b) ? ok(b) : REJECT;
  }
  return REJECT;
}

/** int64/uint64: Number (integral, in range), BigInt, or a numeric string. */
function conv64(kind, v) {
  const signed = kind === 'i64';
  if (typeof v === 'bigint') return inRange(kind, v) ? ok(v) : REJECT;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return REJECT;
    const b = BigInt(v);
    return inRange(kind, b) ? ok(b) : REJECT;
  }
  if (typeof v === 'string') {
    const b = parse64(v, signed);
    return b === null ? REJECT : ok(b);
  }
  return REJECT;
}

function convFloat(kind, v) {
  let x;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'bigint') x = Number(v);
  else return REJECT;
  return ok(kind === 'f32' ? Math.fround(x) : x);
}

function convBool(v) {
  if (typeof v === 'boolean' || typeof v === 'number') return ok(Boolean(v));
  return REJECT;
}

/** The data address of a view or ArrayBuffer, computed through a fresh view (no cached address). */
function freshAddress(v) {
  if (v instanceof ArrayBuffer) return native.address(new Uint8Array(v));
  // ref.reinterpret(buf, 0) views no memory (a fresh view of it has no
  // address): what C gets is buf's address (H.foreign uses offset 0).
  const base = H.foreignBase(v);
  if (base !== undefined) return freshAddress(base);
  return native.address(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** The memory behind a pointer-like value: { address, bytes } or null (not a pointer). */
function pointee(V) {
  const v = V.v;
  if (V.detached) return { address: 0, bytes: null };
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { address: freshAddress(v), bytes };
  }
  return null;
}

/**
 * A detached Buffer is rejected (ERR_REFFI_DETACHED_BUFFER, K3). One that
 * never had memory (0 bytes) may instead still pass the NULL address cached
 * on it before it was detached.
 */
function detachedPointer(V) {
  return V.wasEmpty ? ANY : REJECT;
}

function convPointer(V) {
  const v = V.v;
  if (V.userThrows) return USER;
  if (v === null || v === undefined) return ok(0);
  if (V.detached) return detachedPointer(V);
  const m = pointee(V);
  if (m) return ok(m.address);
  if (typeof v === 'object' && v['ref.buffer'] instanceof Uint8Array) {
    return convPointer({ v: v['ref.buffer'], detached: V.detached });
  }
  return REJECT;
}

function cutAtNul(bytes) {
  const i = bytes.indexOf(0);
  return Buffer.from(i < 0 ? bytes : bytes.subarray(0, i));
}

function convString(V) {
  const v = V.v;
  if (V.userThrows) return USER;
  if (typeof v === 'string') return ok(cutAtNul(Buffer.from(v, 'utf8')));
  if (v === null || v === undefined) return ok(null);
  if (V.detached) return detachedPointer(V);
  const m = pointee(V);
  if (m) {
    if (m.address === 0) return ok(null);
    // The fuzzer only passes NUL-terminated memory as `char *` (V.nulTerminated).
    if (!V.nulTerminated) return ANY;
    return ok(cutAtNul(m.bytes));
  }
  return REJECT;
}

/** Prediction for a function argument of scalar `kind` given the fuzz value V ({ v, ...tags }). */
function convArg(kind, V) {
  if (V.userThrows && typeof V.v === 'object') {
    // A Proxy whose traps throw: reffi may look at it (and the user's error
    // propagates) or reject it without touching it.
    return USER;
  }
  switch (kind) {
    case 'b': return convBool(V.v);
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': return convSmallInt(kind, V.v);
    case 'i64': case 'u64': return conv64(kind, V.v);
    case 'f32': case 'f64': return convFloat(kind, V.v);
    case 'p': return convPointer(V);
    case 's': return convString(V);
    default: throw new Error('oracle: no conversion for ' + kind);
  }
}

// ---- struct / union fields (ref's type.set rules) ------------------------------------------

/** A field value of scalar `kind` set through a struct field (ref type `set`). */
function convField(kind, v) {
  switch (kind) {
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': {
      if ((kind === 'i8' || kind === 'u8') && typeof v === 'string') {
        // ref-napi: a one-byte integer set from a string stores its first char code.
        if (v.length === 0) return REJECT;
        const code = BigInt(v.charCodeAt(0));
        return inRange(kind, code) ? ok(code) : REJECT;
      }
      return convSmallInt(kind, v);
    }
    case 'i64': case 'u64': return conv64(kind, v);
    case 'f32': case 'f64': return convFloat(kind, v);
    case 's': {
      if (typeof v === 'string') return ok(cutAtNul(Buffer.from(v, 'utf8')));
      if (v === null || v === undefined) return ok(null);
      return REJECT; // the fuzzer gives no raw memory to string fields
    }
    default: throw new Error('oracle: no field conversion for ' + kind);
  }
}

function zeroOf(kind) {
  if (kind === 'f32' || kind === 'f64') return 0;
  if (kind === 's') return null;
  if (kind === 'b') return false;
  return 0n;
}

module.exports = {
  REJECT, ANY, USER, M64, H0, MAX_SAFE, INT_RANGE,
  mix, fnv32, strw, f32w, f64w, word, fmt64, fromHashC, expectReturn, narrow, inRange, parse64,
  convArg, convField, convPointer, convString, pointee, freshAddress, zeroOf, cutAtNul,
};

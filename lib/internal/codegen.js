'use strict';
// Generates one JavaScript wrapper per bound function. The wrapper checks
// each argument against its declared type, writes it straight into the
// engine's argument block (typed-array stores, no allocation for numeric
// signatures), calls the zero-argument native entry, and reads the result
// back from the block. See docs/engine.md for the block layout.

const native = require('./native');
const ref = require('../ref');
const { makeError, describe, isRevokedProxy } = require('./errors');

const { kAddr, kForeign, hide, isDetached, detachedError } = ref._internal;
const { I32, U32, F32, F64, I64, U64, U8 } = native;
const SLOT_ARG0 = native.SLOT_ARG0;
const BLOCK_ADDRESS = native.BLOCK_ADDRESS;
const SCRATCH_START = native.SCRATCH_START;
const BLOCK_BYTES = native.BLOCK_BYTES;

// Shared mutable state of the argument block: the scratch-area stack top
// (argument strings) and Buffers pinned for the duration of a call.
const S = { top: SCRATCH_START, pinned: [] };
const encoder = new TextEncoder();
// String arguments up to this many characters are copied by a JS loop
// (~5 ns per character here); longer ones by the native copyString entry
// (one native transition, then Node-API's transcoder).
const STR_LOOP_MAX = 16;
const SCR_LO = native.SLOT_SCRATCH_LO * 2, SCR_HI = native.SLOT_SCRATCH_HI * 2;
const copyString = native.copyString;

function argCount(name, expected, got) {
  throw makeError('ERR_REFFI_ARG_COUNT',
    '"' + name + '" expects ' + expected + ' argument' + (expected === 1 ? '' : 's') + ', got ' + got);
}

function argType(name, i, expected, v) {
  return makeError('ERR_REFFI_ARG_TYPE',
    'argument ' + i + ' of "' + name + '": expected ' + expected + ', got ' + describe(v));
}

function cvInt(name, i, v, min, max) {
  if (typeof v === 'boolean') v = v ? 1 : 0;
  else if (typeof v === 'bigint') {
    if (v < BigInt(min) || v > BigInt(max)) {
      throw makeError('ERR_REFFI_ARG_RANGE', 'argument ' + i + ' of "' + name + '": ' + v + 'n is out of range [' + min + ', ' + max + ']');
    }
    return Number(v);
  } else if (typeof v !== 'number') {
    throw argType(name, i, 'an integer', v);
  }
  if (!Number.isInteger(v)) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'argument ' + i + ' of "' + name + '": expected an integer, got ' + describe(v));
  }
  if (v < min || v > max) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'argument ' + i + ' of "' + name + '": ' + v + ' is out of range [' + min + ', ' + max + ']');
  }
  return v;
}

function cvFloat(name, i, v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw argType(name, i, 'a number', v);
}

function cvBool(name, i, v) {
  if (typeof v === 'boolean' || typeof v === 'number') return v ? 1 : 0;
  throw argType(name, i, 'a boolean', v);
}

function w64(name, i, v, o, signed) {
  const b = ref._internal.toBigInt64('argument ' + i + ' of "' + name + '"', v, signed);
  I64[o >> 1] = BigInt.asIntN(64, b);
}

function argWhere(name, i) {
  return i < 0 ? 'the result of "' + name + '"' : 'argument ' + i + ' of "' + name + '"';
}

/**
 * The address C gets for a Buffer, typed array, DataView, ArrayBuffer or
 * struct/array instance (its 'ref.buffer'); NULL for null/undefined. The
 * address is cached on Uint8Arrays (the generated wrappers read the cache
 * first, see argCode 'p'); a detached Buffer throws ERR_REFFI_DETACHED_BUFFER
 * (see lib/ref.js isDetached).
 */
function addressOf(name, i, v) {
  if (v === null || v === undefined) return 0;
  if (!ArrayBuffer.isView(v)) {
    if (typeof v !== 'object' || isRevokedProxy(v)) throw argType(name, i, 'a Buffer (pointer) or null', v);
    if (!(v instanceof ArrayBuffer)) {
      const b = v['ref.buffer'];
      if (b instanceof Uint8Array) return addressOf(name, i, b);
      throw argType(name, i, 'a Buffer (pointer) or null', v);
    }
  }
  let a = v[kAddr];
  if (a === undefined) {
    a = native.address(v); // NULL for a detached view or ArrayBuffer
    if (a === 0 && isDetached(v)) throw detachedError(argWhere(name, i));
    if (v instanceof Uint8Array) hide(v, kAddr, a);
  } else if (a !== 0 && v.length === 0 && v[kForeign] !== true && isDetached(v)) {
    // (a pointer from C of unknown size, kForeign, is C's memory: no check)
    throw detachedError(argWhere(name, i));
  }
  return a;
}

function ptrArg(name, i, v) {
  return addressOf(name, i, v);
}

/** The memoised words of a string argument, copied to the scratch area (-1: no room). */
function strCached(w) {
  const start = S.top, n = w.length;
  if (start + n * 4 + 1 > BLOCK_BYTES) return -1;
  const o = start >> 2;
  for (let k = 0; k < n; k++) I32[o + k] = w[k];
  S.top = (start + n * 4 + 7) & ~7;
  return BLOCK_ADDRESS + start;
}

/**
 * Copies the `n` characters of string `v` to the block at byte `start`
 * while they are ASCII; false at the first one that is not (~4 ns per
 * character here: V8's charCodeAt).
 */
function copyAscii(v, n, start) {
  for (let j = 0; j < n; j++) {
    const c = v.charCodeAt(j);
    if (c > 0x7f) return false;
    U8[start + j] = c;
  }
  return true;
}

/**
 * A string of up to STR_LOOP_MAX characters not seen last time at this
 * argument: copied by a JS loop if it is ASCII (else -1: strArg), and
 * remembered in the memo `sc`.
 */
function strShort(v, sc) {
  const n = v.length, start = S.top;
  if (start + n + 1 > BLOCK_BYTES || !copyAscii(v, n, start)) return -1;
  U8[start + n] = 0;
  sc.s = v;
  sc.w = null;
  S.top = (start + n + 8) & ~7;
  return BLOCK_ADDRESS + start;
}

function heapString(s) {
  const b = Buffer.from(s + '\0', 'utf8');
  S.pinned.push(b);
  return addressOf('', 0, b);
}

/**
 * Copies a string argument's bytes (NUL-terminated) to the block's scratch
 * area and returns their address. `sc` (optional) is the call site's
 * last-string memo: a string of up to 256 UTF-8 bytes seen twice in a row
 * keeps its bytes as 32-bit words, which strCached copies with a few word
 * stores instead of a character loop (~4 ns per character here). The bytes
 * are copied on every call, so C writing into them changes nothing for the
 * next call.
 */
function strArg(name, i, v, sc) {
  if (typeof v === 'string') {
    const n = v.length;
    const start = S.top;
    if (start + n * 3 + 1 > BLOCK_BYTES) return heapString(v);
    // Short strings: copy ASCII in JS (cheaper than a native call).
    let written = n <= STR_LOOP_MAX && copyAscii(v, n, start) ? n : -1;
    if (written < 0) {
      // Node-API transcodes (any UTF-16, lone surrogates as U+FFFD) straight
      // into the block: offset and room through two block slots.
      I32[SCR_LO] = start;
      I32[SCR_HI] = n * 3 + 1;
      copyString(v);
      written = U32[SCR_LO];
      if (written === 4294967295) written = encoder.encodeInto(v, U8.subarray(start)).written;
    }
    U8[start + written] = 0;
    if (sc !== undefined && written <= 256) {
      if (sc.s === v) sc.w = I32.slice(start >> 2, (start >> 2) + ((written + 4) >> 2));
      else { sc.s = v; sc.w = null; }
    }
    S.top = (start + written + 8) & ~7;
    return BLOCK_ADDRESS + start;
  }
  if (v === null || v === undefined) return 0;
  if (ArrayBuffer.isView(v) || (typeof v === 'object' && !isRevokedProxy(v) && v instanceof ArrayBuffer)) {
    return addressOf(name, i, v);
  }
  throw argType(name, i, 'a string, Buffer or null', v);
}

function aggArg(name, i, v, T) {
  if (v !== null && typeof v === 'object' && !isRevokedProxy(v)) {
    const b = v['ref.buffer'];
    // (a type object that is not a constructor: no instanceof, it would throw)
    if (b instanceof Uint8Array && ((typeof T === 'function' && v instanceof T) || v.constructor === T)) {
      if (b.length >= T.size) return addressOf(name, i, b);
      if (b.length === 0 && isDetached(b)) throw detachedError(argWhere(name, i));
    }
    if (v instanceof Uint8Array) {
      if (v.length === 0 && isDetached(v)) throw detachedError(argWhere(name, i));
      if (v.length < T.size) {
        throw makeError('ERR_REFFI_ARG_TYPE', 'argument ' + i + ' of "' + name + '": a ' + v.length +
          '-byte Buffer is too small for ' + (T.name || 'the struct') + ' (' + T.size + ' bytes)');
      }
      return addressOf(name, i, v);
    }
    const tmp = Buffer.alloc(Math.max(T.size, 1));
    try {
      T.set(tmp, 0, v);
    } catch (e) {
      if (e && e.code) throw e;
      throw argType(name, i, 'a ' + (T.name || 'struct') + ' or an object of its fields', v);
    }
    S.pinned.push(tmp);
    return addressOf(name, i, tmp);
  }
  throw argType(name, i, 'a ' + (T.name || 'struct') + ' instance', v);
}

/**
 * A custom type's value written by its own set() into a new pinned Buffer
 * of `size` bytes (an uncoded error from set() becomes ERR_REFFI_ARG_TYPE).
 */
function customBytes(name, i, v, T, size) {
  const tmp = Buffer.alloc(size);
  try {
    T.set(tmp, 0, v);
  } catch (e) {
    if (e && e.code) throw e;
    const err = argType(name, i, 'a value for type ' + (T.name || '?'), v);
    err.cause = e;
    throw err;
  }
  S.pinned.push(tmp, v);
  return tmp;
}

function customArg(name, i, v, T, o) {
  const tmp = customBytes(name, i, v, T, 8);
  U32[o] = tmp.readUInt32LE(0);
  U32[o + 1] = tmp.readUInt32LE(4);
}

/** A custom type known only by an odd size: passed as the address of its bytes. */
function caggArg(name, i, v, T) {
  return addressOf(name, i, customBytes(name, i, v, T, Math.max(T.size, 1)));
}

function retCustom(T) {
  const tmp = Buffer.alloc(8);
  tmp.writeUInt32LE(U32[2], 0);
  tmp.writeUInt32LE(U32[3], 4);
  return T.get(tmp, 0);
}

function retPtr(addr, len, T) {
  return ref._internal.typedPointerBuffer(addr, len, T);
}

// Pending `.async()` calls by id. The engine calls asyncDone(id, err, raw)
// when one completes: one JS function referenced once per environment
// instead of a reference to a new closure per call.
const asyncPending = [];
const asyncFree = [];
function asyncDone(id, err, raw) {
  const f = asyncPending[id];
  asyncPending[id] = undefined;
  asyncFree.push(id);
  f(err, raw);
}
native.setAsyncDone(asyncDone);

function startAsync(keep, decode, rb, cb) {
  let promise, resolve, reject;
  if (cb === undefined) promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  const id = asyncFree.length > 0 ? asyncFree.pop() : asyncPending.length;
  asyncPending[id] = function onComplete(err, raw) {
    let e = err, val;
    if (!e) {
      try { val = decode(raw, rb); } catch (x) { e = x; }
    }
    keep.length = 0;
    if (cb !== undefined) {
      if (e) cb(e); else cb(null, val);
    } else if (e) reject(e); else resolve(val);
  };
  try {
    native.callAsync(id, 'reffi:async');
  } catch (e) {
    asyncPending[id] = undefined;
    asyncFree.push(id);
    throw e;
  }
  return promise;
}

const helpers = {
  I32, U32, F32, F64, I64, U64, S, call: native.call, callNorm: native.callNorm, argCount, cvInt, cvFloat, cvBool, w64,
  ptrArg, strArg, strShort, strCached, aggArg, caggArg, customArg, allocPooled: ref._internal.allocPooled, retCustom, retPtr, retI64, retU64, startAsync, kAddr, addressOf,
  notePointerArg: ref._internal.notePointerArg,
};
const helperNames = Object.keys(helpers);
const helperValues = helperNames.map((k) => helpers[k]);

const INT_CHECK = {
  i8: (a) => `(${a} << 24 >> 24) !== ${a}`,
  u8: (a) => `(${a} & 255) !== ${a}`,
  i16: (a) => `(${a} << 16 >> 16) !== ${a}`,
  u16: (a) => `(${a} & 65535) !== ${a}`,
  i32: (a) => `(${a} | 0) !== ${a}`,
  u32: (a) => `(${a} >>> 0) !== ${a}`,
};
const INT_RANGE = {
  i8: [-128, 127], u8: [0, 255], i16: [-32768, 32767], u16: [0, 65535],
  i32: [-2147483648, 2147483647], u32: [0, 4294967295],
};

function writeAddr(p, o) {
  return `I32[${o}] = ${p}; I32[${o + 1}] = ${p} / 4294967296;`;
}

/**
 * Code that checks argument `i` (variable `a<i>`) and writes it to `slot`.
 * `note`: pointer arguments are noted for callbacks' pointer arguments (see
 * case 'p').
 */
function argCode(kind, i, slot, note) {
  const a = 'a' + i;
  const o = (SLOT_ARG0 + slot) * 2; // Int32 index of the slot
  switch (kind) {
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': {
      const [min, max] = INT_RANGE[kind];
      return `if (typeof ${a} !== 'number' || ${INT_CHECK[kind](a)}) ${a} = cvInt(NAME, ${i}, ${a}, ${min}, ${max});\n` +
        `  ${kind === 'u32' ? 'U32' : 'I32'}[${o}] = ${a};`;
    }
    case 'b':
      return `I32[${o}] = ${a} === true ? 1 : ${a} === false ? 0 : cvBool(NAME, ${i}, ${a});`;
    case 'f32':
      return `if (typeof ${a} !== 'number') ${a} = cvFloat(NAME, ${i}, ${a});\n  F32[${o}] = ${a};`;
    case 'f64':
      return `if (typeof ${a} !== 'number') ${a} = cvFloat(NAME, ${i}, ${a});\n  F64[${o >> 1}] = ${a};`;
    case 'i64':
      return `if (typeof ${a} === 'number' && ${a} >= -9007199254740991 && ${a} <= 9007199254740991 && ${a} === Math.floor(${a})) { I32[${o}] = ${a}; I32[${o + 1}] = Math.floor(${a} / 4294967296); }\n` +
        `  else w64(NAME, ${i}, ${a}, ${o}, true);`;
    case 'u64':
      return `if (typeof ${a} === 'number' && ${a} >= 0 && ${a} <= 9007199254740991 && ${a} === Math.floor(${a})) { I32[${o}] = ${a}; I32[${o + 1}] = ${a} / 4294967296; }\n` +
        `  else w64(NAME, ${i}, ${a}, ${o}, false);`;
    case 'p':
      // The address cached on a Buffer, unless the Buffer reads 0 bytes
      // (then addressOf checks it was not detached). ArrayBuffer.isView
      // first: it runs no Proxy trap (a revoked Proxy would throw).
      // With `note`, a non-empty Buffer is noted (three stores, one with a
      // write barrier) so that pointers into it handed back to a callback
      // during this call (qsort's comparator) become views of the same
      // memory without a lookup (ref.js typedPointerBuffer).
      return `{ const v = ArrayBuffer.isView(${a}); let p = v ? ${a}[kAddr] : ${a} == null ? 0 : undefined;\n` +
        `  if (p === undefined || (p !== 0 && ${a}.length === 0)) p = ptrArg(NAME, ${i}, ${a});\n` +
        (note ? `  if (v && p !== 0 && ${a}.length !== 0) notePointerArg(${a}, p);` : '') + ` ${writeAddr('p', o)} }`;
    case 's':
      // SC<i>: this argument's last string and, once the same string came
      // twice in a row, its bytes as words (see strArg / strCached). A new
      // short ASCII string takes strShort, small enough to be inlined.
      return `{ let p = ${a} === SC${i}.s ? (SC${i}.w !== null ? strCached(SC${i}.w) : -1) :\n` +
        `    typeof ${a} === 'string' && ${a}.length <= ${STR_LOOP_MAX} ? strShort(${a}, SC${i}) : -1;\n` +
        `  if (p < 0) p = strArg(NAME, ${i}, ${a}, SC${i}); ${writeAddr('p', o)} }`;
    case 'agg':
      return `{ const p = aggArg(NAME, ${i}, ${a}, T${i}); ${writeAddr('p', o)} }`;
    case 'fn':
      return `{ const p = FN${i}(NAME, ${i}, ${a}); ${writeAddr('p', o)} }`;
    case 'custom':
      return `customArg(NAME, ${i}, ${a}, T${i}, ${o});`;
    case 'cagg':
      return `{ const p = caggArg(NAME, ${i}, ${a}, T${i}); ${writeAddr('p', o)} }`;
    default:
      throw makeError('ERR_REFFI_INTERNAL', 'no argument code for kind ' + kind);
  }
}

// 64-bit results, read from the block's result slot: a Number when
// |v| <= 2^53, else a decimal string (ref-napi's convention). Module-level
// functions, inlined by V8 (a closure in the generated expression was
// allocated on every call: +25 ns).
function retI64() {
  const h = I32[3], l = U32[2];
  return ((h >= -2097152 && h < 2097152) || (h === 2097152 && l === 0)) ? h * 4294967296 + l : I64[1].toString();
}
function retU64() {
  const h = U32[3], l = U32[2];
  return (h < 2097152 || (h === 2097152 && l === 0)) ? h * 4294967296 + l : U64[1].toString();
}

/** Expression turning the native result `r` into the JS return value. */
function retCode(kind) {
  switch (kind) {
    case 'v': return 'null';
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': return 'I32[2]';
    case 'u32': return 'U32[2]';
    case 'b': return 'I32[2] !== 0';
    case 'f32': case 'f64': return 'F64[1]';
    // ref-napi's convention: a Number when |v| <= 2^53, else a decimal string.
    case 'i64': return 'retI64()';
    case 'u64': return 'retU64()';
    case 'p': return 'retPtr(U32[3] * 4294967296 + U32[2], RLEN, RT)';
    case 's': return 'r';
    // A reffi struct/union is built straight over the result Buffer (no
    // extra view); other aggregate types go through their own get().
    case 'agg': case 'cagg': return '(RREC && RSIZE === RTYPE.size ? new RTYPE(rb) : RTYPE.get(RSIZE === RTYPE.size ? rb : rb.subarray(0, RTYPE.size), 0))';
    case 'fn': case 'custom': return 'retCustom(RTYPE)';
    default: throw makeError('ERR_REFFI_INTERNAL', 'no return code for kind ' + kind);
  }
}

// Result kinds whose value JavaScript reads straight from the unnormalised
// return register: 32-bit integers from its low half (I32/U32), 64-bit
// values, pointers and doubles whole; void reads nothing.
const RAW_RESULT_KINDS = new Set(['i32', 'u32', 'i64', 'u64', 'f64', 'p', 'v']);

/**
 * Register layout of the fast path (src/plan.rs REG_XMM_BASE): the k-th
 * integer-class argument goes to slot k, the j-th float/double to slot 6 + j.
 */
function registerSlots(args) {
  let k = 0, j = 0;
  return args.map((a) => (a.desc === 'f32' || a.desc === 'f64' ? 6 + j++ : k++));
}

// Reserved words of strict-mode JavaScript (and `arguments`/`eval`, which
// cannot name a function there): valid C identifiers such as `delete`,
// `new`, `this` or `yield` would make the generated source a SyntaxError.
const JS_RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export ' +
  'extends false finally for function if implements import in instanceof interface let new null package private ' +
  'protected public return static super switch this throw true try typeof var void while with yield await ' +
  'arguments eval').split(' '));

/**
 * The identifier the generated source gives a wrapper for the (sanitised)
 * C name `safe`. It must not shadow anything the source refers to: the
 * factory's parameters (`call`, `S`, `I32`, `NAME`, `ID`, `T0`, ...), its
 * other functions (`decode`), globals it reads (`Math`, `ArrayBuffer`,
 * `undefined`) — a wrapper declared as `function call(...)` would call
 * itself instead of the engine. `taken` holds every identifier of the
 * source; a name that collides, is reserved or is not an identifier at all
 * gets `_` prefixes. The `_async` twin is checked too.
 */
function wrapperIdent(safe, taken) {
  const bad = (id) => JS_RESERVED.has(id) || taken.has(id);
  let id = /^[A-Za-z_$]/.test(safe) ? safe : '_' + safe;
  while (bad(id) || bad(id + '_async')) id = '_' + id;
  return id;
}


/**
 * Builds the synchronous wrapper and its `.async` twin.
 * @param {object} sig { name, id, ret: lowered, args: lowered[], slots: number[], retLen, retDeref, fnArgs }
 *   `fnArgs[i]` converts a JS function to a pointer for an ffi.Function-typed argument i.
 *   `slots[i]` is the argument slot of argument i: its position for the
 *   generic path, or the register layout for the fast path (see
 *   `registerSlots`).
 */
function generate(sig) {
  const n = sig.args.length;
  const params = [];
  for (let i = 0; i < n; i++) params.push('a' + i);
  // Custom types known only by an odd size ('o<size>:<align>') travel by
  // address, like structs.
  const kindOf = (l) => (l.kind === 'custom' && l.desc[0] === 'o' ? 'cagg' : l.kind);
  const retKind = kindOf(sig.ret);
  const byAddress = retKind === 'agg' || retKind === 'cagg';
  const needsFrame = sig.args.some((a) => a.kind === 's' || a.kind === 'agg' || a.kind === 'custom' || a.kind === 'fn') ||
    byAddress;
  // Only a function taking two pointers or more (the data and a callback,
  // as qsort) can call back with pointers into a Buffer argument: noting
  // Buffer arguments elsewhere (an out-parameter) would cost a few ns for
  // nothing. Without the note the pointers still work, as Buffers over the
  // same memory (ref.js typedPointerBuffer).
  const note = sig.args.filter((a) => a.kind === 'p' || a.kind === 'fn').length >= 2;
  const args = sig.args.map((a, i) => '  ' + argCode(kindOf(a), i, sig.slots[i], note)).join('\n');
  const ret = retCode(retKind);
  const rsize = Math.max(Math.ceil((sig.ret.size || 0) / 8) * 8, 16);
  const retPrep = byAddress
    ? `const rb = allocPooled(RSIZE); { let p = rb[kAddr]; if (p === undefined) p = addressOf(NAME, -1, rb); ${writeAddr('p', 2)} }`
    : '';
  const safeName = String(sig.name).replace(/[^A-Za-z0-9_$]/g, '_');
  // The engine's `call` leaves the return register as C left it, which is
  // what `ret` reads for these kinds; every other result goes through
  // `callNorm` (8/16-bit integers, bool and float are normalised first).
  const callee = RAW_RESULT_KINDS.has(retKind) ? 'call' : 'callNorm';
  // synchronous wrapper
  let body = `  if (arguments.length !== ${n}) argCount(NAME, ${n}, arguments.length);\n`;
  if (needsFrame) {
    body += `  const t0 = S.top, q0 = S.pinned.length;\n  try {\n  ${retPrep}\n${args}\n  I32[0] = ID;\n  const r = ${callee}();\n  return ${ret};\n  } finally { S.top = t0; if (S.pinned.length !== q0) S.pinned.length = q0; }\n`;
  } else {
    body += `${args}\n  I32[0] = ID;\n  const r = ${callee}();\n  return ${ret};\n`;
  }
  // decoder for async results
  const decoder = `function decode(r, rb) { return ${ret}; }\n`;
  // async wrapper
  let asyncBody = `  if (arguments.length === ${n}) cb = undefined;\n`;
  asyncBody += `  else if (arguments.length !== ${n + 1} || typeof cb !== 'function') argCount(NAME + '.async', '${n} (+ callback)', arguments.length);\n`;
  asyncBody += `  const t0 = S.top, q0 = S.pinned.length;\n  try {\n  ${retPrep}\n${args}\n  I32[0] = ID;\n`;
  asyncBody += `  I32[${native.SLOT_SCRATCH_LO * 2}] = t0; I32[${native.SLOT_SCRATCH_LO * 2 + 1}] = 0;\n`;
  asyncBody += `  I32[${native.SLOT_SCRATCH_HI * 2}] = S.top; I32[${native.SLOT_SCRATCH_HI * 2 + 1}] = 0;\n`;
  asyncBody += `  const keep = [${params.join(', ')}${n ? ', ' : ''}(S.pinned.length === q0 ? null : S.pinned.slice(q0))${byAddress ? ', rb' : ''}];\n`;
  asyncBody += `  return startAsync(keep, decode, ${byAddress ? 'rb' : 'undefined'}, cb);\n`;
  asyncBody += '  } finally { S.top = t0; if (S.pinned.length !== q0) S.pinned.length = q0; }\n';

  const names = helperNames.concat(['NAME', 'ID', 'RT', 'RLEN', 'RTYPE', 'RSIZE', 'RREC']);
  for (let i = 0; i < n; i++) names.push('T' + i, 'FN' + i, 'SC' + i);
  // Every identifier the source uses (string contents and property names
  // after a dot are none) and the factory's parameters: the wrappers'
  // own identifier must shadow none of them (see wrapperIdent).
  const idents = (body + decoder + asyncBody).replace(/'[^']*'/g, "''").match(/(?<![.\w$])[A-Za-z_$][\w$]*/g);
  const ident = wrapperIdent(safeName, new Set(names.concat(idents)));
  // Renamed, the functions still get the C name as their `name`: from the
  // property key of an anonymous function expression (no defineProperty on
  // the function afterwards).
  const declare = (id, label, ps, b) => (ident === safeName
    ? `function ${id}(${ps.join(', ')}) {\n${b}}\n`
    : `const ${id} = { ${JSON.stringify(label)}: function (${ps.join(', ')}) {\n${b}} }[${JSON.stringify(label)}];\n`);
  // The source names the function but not its id: re-binding the same
  // signature (a Library created again) reuses V8's compiled code. Every
  // wrapper calls the same native entry, so sharing code does not make the
  // native call site polymorphic (the research pitfall with identical
  // sources was about wrappers calling different natives).
  const tag = `// reffi wrapper: ${safeName}`;
  let src = `"use strict";\n${tag}\n`;
  src += declare(ident, safeName, params, body);
  src += decoder;
  src += declare(ident + '_async', safeName + '_async', params.concat('cb'), asyncBody);
  src += `return [${ident}, ${ident}_async];\n`;

  const rk = sig.ret.type && sig.ret.type[Symbol.for('reffi.recordKind')];
  const values = helperValues.concat([sig.name, sig.id, sig.retDeref, sig.retLen, sig.ret.type, rsize,
    (rk === 'struct' || rk === 'union') && typeof sig.ret.type === 'function']);
  sig.args.forEach((a, i) => {
    values.push(a.type, sig.fnArgs ? sig.fnArgs[i] : null, { s: undefined, w: null });
  });
  // eslint-disable-next-line no-new-func
  const factory = new Function(...names, src);
  return factory(...values);
}

module.exports = { generate, registerSlots, S, addressOf };

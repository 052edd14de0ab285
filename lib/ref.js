'use strict';
// reffi/ref — drop-in for ref-napi 3: types, pointers as Buffers, and the
// Buffer.prototype helpers. A "pointer" is a Buffer whose data address is
// the address it points to; zero-length pointer Buffers are views into a
// one-byte external ArrayBuffer, so they still report their address.
//
// Where ref-napi would read or write outside a Buffer (and crash or corrupt
// memory), reffi throws an error with a stable `code` instead:
// ERR_REFFI_OUT_OF_BOUNDS (RangeError) for accesses past a Buffer's end,
// ERR_REFFI_NULL_POINTER for accesses through NULL, ERR_REFFI_ARG_TYPE /
// ERR_REFFI_ARG_RANGE for values that do not fit the type.

const os = require('os');
const util = require('util');
const { MAX_LENGTH: BUFFER_MAX_LENGTH } = require('buffer').constants;
const native = require('./internal/native');
const { makeError, describe, isRevokedProxy } = require('./internal/errors');

const kAddr = Symbol('reffi.address');
const kRefs = Symbol('reffi.refs');
const kKind = Symbol('reffi.kind');
// Set on Buffers over foreign memory (pointers read from memory or made by
// reinterpret()): their `length` is what the user declared, not the extent
// of an allocation, so readCString() may follow the C string past it, as
// ref-napi does.
const kForeign = Symbol.for('reffi.foreign');
// The `type` of reffi's own Buffers (ForeignBuffer, TypedForeignBuffer,
// PooledBuffer), behind a `type` accessor on their prototypes: V8 does not
// inline adding a string-named property to a typed array (a generic store
// IC call, ~15 ns per Buffer made), while a symbol-keyed one set by the
// constructor stays in the object. Plain Buffers get `type` as an own
// property, as in ref-napi.
const kType = Symbol('reffi.type');
/** `buffer.type`, read without the accessor call on reffi's own Buffers. */
function typeOf(buffer) {
  const t = buffer[kType];
  return t !== undefined ? t : buffer.type;
}

const endianness = os.endianness();
const LE = endianness === 'LE';
const POINTER_SIZE = native.POINTER_SIZE;

// ref-napi returns 64-bit integers as Numbers when they fit in
// [-2^53, 2^53], as decimal strings otherwise.
const JS_MAX_INT = 9007199254740992n;
const JS_MIN_INT = -9007199254740992n;

// ---- addresses ------------------------------------------------------------

function isBufferLike(b) {
  if (ArrayBuffer.isView(b)) return b instanceof Uint8Array;
  // Not a typed array: a Proxy may still answer true through its traps, but
  // a revoked one would throw V8's uncoded TypeError (callers then throw
  // ERR_REFFI_ARG_TYPE).
  return b !== null && typeof b === 'object' && !isRevokedProxy(b) && b instanceof Uint8Array;
}

// reffi's bookkeeping on Buffers (cached address, foreign marker, kept-alive
// references) lives in symbol properties. A plain assignment is ~5x cheaper
// than Object.defineProperty on a fresh Buffer (measured: ~100 ns vs ~530
// ns), which matters on every pointer argument; util.inspect hides them
// (see refinspect below).
function hide(obj, key, value) {
  try {
    obj[key] = value;
  } catch (_) { /* frozen or sealed: not cached */ }
}

// A Buffer whose ArrayBuffer was detached (transferred by structuredClone()
// or postMessage()) has lost its memory: the address cached on it may point
// to freed memory. A detached view reads length 0, so the check costs one
// length read on the common path; only zero-length Buffers with a non-NULL
// address look closer: empty slices, views made by reinterpret() — not
// pointers from C (kForeign): their memory is C's, whatever happens to the
// ArrayBuffer of their view.
// Zero-length Buffers that never had memory (Buffer.alloc(0)) are not
// detached: their address stays NULL.
function isDetached(v) {
  const ab = ArrayBuffer.isView(v) ? v.buffer : v;
  if (ab.byteLength !== 0) return false;
  try {
    // eslint-disable-next-line no-new
    new Uint8Array(ab);
    return false;
  } catch (_) {
    return true; // "Cannot perform Construct on a detached ArrayBuffer"
  }
}

function detachedError(fn) {
  return makeError('ERR_REFFI_DETACHED_BUFFER', (fn || 'address') + ": the Buffer's ArrayBuffer was detached " +
    '(transferred with structuredClone() or postMessage()): its memory is gone');
}

/** The Buffer's data address (cached on it), or ERR_REFFI_DETACHED_BUFFER; `fn` names the caller in the message. */
function bufferAddress(buffer, fn) {
  let a = buffer[kAddr];
  if (a === undefined) {
    a = native.address(buffer); // NULL for a detached Buffer
    if (a === 0 && buffer.length === 0 && isDetached(buffer)) throw detachedError(fn);
    hide(buffer, kAddr, a);
  } else if (a !== 0 && buffer.length === 0 && buffer[kForeign] !== true && isDetached(buffer)) {
    throw detachedError(fn);
  }
  return a;
}

/** Address of a Buffer's data (cached on the Buffer: it never moves). */
function address(buffer, offset) {
  if (!isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'address: expected a Buffer, got ' + describe(buffer));
  }
  if (offset !== undefined && typeof offset !== 'number' && isRevokedProxy(offset)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'address: expected a numeric offset, got ' + describe(offset));
  }
  return bufferAddress(buffer, 'address') + (offset | 0);
}

/** The address as a hexadecimal string, without "0x" (like ref-napi). */
function hexAddress(buffer, offset) {
  return address(buffer, offset).toString(16);
}

function isNull(buffer) {
  return address(buffer) === 0;
}

function isForeign(buffer) {
  return buffer[kForeign] === true;
}

// Creating an external ArrayBuffer costs microseconds, and C hands the same
// addresses back again and again (qsort's elements, a handle returned by
// every call), so the ArrayBuffers over foreign memory are cached by address
// (bounded). A cached one only gives a view over the same addresses: it does
// not own or keep alive the C memory, exactly like a fresh one.
const wrapCache = new Map();
const WRAP_CACHE_MAX = 4096;

function foreignArrayBuffer(addr, length) {
  if (!(length <= BUFFER_MAX_LENGTH)) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'cannot view ' + length + ' bytes of memory: larger than a Buffer can hold');
  }
  // (Entries keep the length: ArrayBuffer's byteLength getter is not inlined
  // by V8 11 and costs ~20 ns; a typed array's `length` is.)
  let e = wrapCache.get(addr);
  if (e === undefined || e.length < length) {
    e = { ab: native.wrap(addr, length), length };
    if (wrapCache.size >= WRAP_CACHE_MAX) wrapCache.clear();
    wrapCache.set(addr, e);
  }
  return e.ab;
}

// Buffers over foreign memory are made by the million (qsort's comparator
// gets two per call), so they are instances of Buffer subclasses whose
// constructors set reffi's bookkeeping (and, for typed pointers, `type`):
// V8 then keeps those properties in the object itself. Adding them to a
// plain Buffer afterwards costs ~3x more (a hidden-class transition and a
// property backing store per Buffer). They are Buffers in every respect:
// Buffer.prototype is on their chain, `constructor` is Buffer, and
// `subarray`/`slice` give plain Buffers.
class ForeignBuffer extends Uint8Array {
  constructor(ab, offset, length, addr, foreign) {
    super(ab, offset, length);
    this[kAddr] = addr;
    this[kForeign] = foreign;
    this[kType] = undefined;
  }
}
// (Not a subclass of ForeignBuffer: a second level of derived constructor
// costs ~30% more per instance.)
class TypedForeignBuffer extends Uint8Array {
  constructor(ab, offset, length, addr, foreign, type) {
    super(ab, offset, length);
    this[kAddr] = addr;
    this[kForeign] = foreign;
    this[kType] = type;
  }
}
Object.setPrototypeOf(ForeignBuffer.prototype, Buffer.prototype);
Object.setPrototypeOf(TypedForeignBuffer.prototype, Buffer.prototype);
const typeAccessor = {
  get() { return this[kType]; },
  set(v) { this[kType] = v; },
  enumerable: true,
  configurable: true,
};
for (const C of [ForeignBuffer, TypedForeignBuffer]) {
  Object.defineProperty(C.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });
  Object.defineProperty(C.prototype, 'type', typeAccessor);
}

// One live instance of each shape reffi gives its Buffers. V8 holds the
// hidden classes reached by adding properties only weakly; if every Buffer
// of a shape dies (a full GC after a burst of transient pointer Buffers, as
// qsort's comparator makes), the class dies and every function optimised
// for it is deoptimised ("weak objects") and recompiled: measured 4-5x
// slower for thousands of calls after each full GC. A keeper pins each.
const shapeKeepers = [];
function keepShape(b) {
  shapeKeepers.push(b);
  return b;
}
{
  const ab = new ArrayBuffer(8);
  keepShape(new ForeignBuffer(ab, 0, 8, 2 ** 40, true));
  keepShape(new TypedForeignBuffer(ab, 0, 8, 2 ** 40, true, { keeper: true }));
}

// The last non-empty Buffer passed as a pointer argument and its address
// (recorded by the generated call wrappers, lib/internal/codegen.js); `ab`
// and `off` are filled in on first use (the .buffer getter is slow).
const lastPointerArg = { buf: null, addr: 0, ab: null, off: 0, end: 0 };
function notePointerArg(buf, addr) {
  lastPointerArg.buf = buf;
  lastPointerArg.addr = addr;
  lastPointerArg.ab = null;
}

/** A Buffer of `length` bytes over foreign memory at `addr` (not owned). */
function pointerBuffer(addr, length) {
  if (addr === 0) return nullBuffer();
  // A pointer of unknown size (void *, a callback's code, a handle) needs no
  // view of the memory at all: its address is recorded on the Buffer. A
  // plain empty ArrayBuffer avoids creating an external one per address
  // (costly, and each holds native memory until a later GC and event-loop
  // turn finalize it).
  return new ForeignBuffer(length === 0 ? new ArrayBuffer(0) : foreignArrayBuffer(addr, length), 0, length, addr, true);
}

/** pointerBuffer with `.type` set (a NULL pointer gives a fresh empty Buffer with that type). */
function typedPointerBuffer(addr, length, type) {
  if (addr === 0) {
    const b = nullBuffer();
    b.type = type;
    return b;
  }
  if (length !== 0) {
    // Inside the last Buffer passed as a pointer argument (qsort's array,
    // say): a view of that Buffer's own memory, no lookup of an ArrayBuffer
    // over foreign memory by address.
    const r = lastPointerArg;
    if (r.buf !== null && addr >= r.addr) {
      if (r.ab === null) { r.ab = r.buf.buffer; r.off = r.buf.byteOffset; r.end = r.addr + r.buf.byteLength; }
      if (addr + length <= r.end) {
        // (If the Buffer was detached since, the constructor throws: then
        // the general path below.)
        try {
          return new TypedForeignBuffer(r.ab, r.off + (addr - r.addr), length, addr, false, type);
        } catch (_) { r.buf = null; }
      }
    }
  }
  return new TypedForeignBuffer(length === 0 ? new ArrayBuffer(0) : foreignArrayBuffer(addr, length), 0, length, addr, true, type);
}

/**
 * A converter from addresses to typed pointer Buffers for one callback
 * argument: within the region of the last Buffer passed to a foreign call
 * (qsort's array), the Buffer made for an address is reused when C passes
 * the same address again (a qsort of 1000 elements passes each about 17
 * times): by element index for regions up to 16384 elements, else by
 * address up to 4096 addresses. Only the object is reused: it is a view of
 * the same memory, so it reads what C sees now.
 */
function pointerConverter(length, type) {
  let region = null, base = 0, bytes = 0, slots = null, memo = null;
  // Element index by shift when the size is a power of two (no division).
  const shift = length > 0 && (length & (length - 1)) === 0 ? 31 - Math.clz32(length) : -1;
  const make = (addr) => typedPointerBuffer(addr, length, type);
  // (a Buffer whose memory was detached since reads 0 bytes: made anew)
  const usable = (b) => b !== undefined && b.length === length && b[kType] === type;
  const slow = (addr) => {
    if (addr === null || addr === 0) return make(0);
    const r = lastPointerArg.buf;
    if (r !== region) {
      region = r;
      slots = memo = null;
      if (r !== null) {
        base = lastPointerArg.addr;
        bytes = r.byteLength;
        // Element-aligned addresses of a region up to 16384 elements: an
        // array indexed by element; anything else: a Map by address.
        if (length > 0 && bytes / length <= 16384) slots = new Array(Math.ceil(bytes / length));
        else memo = new Map();
      }
    }
    if (slots !== null) {
      const off = addr - base;
      if (off >= 0 && off < bytes && off % length === 0) {
        const k = off / length;
        let b = slots[k];
        if (!usable(b)) slots[k] = b = make(addr);
        return b;
      }
      if (memo === null) memo = new Map();
    }
    if (memo === null) return make(addr);
    let b = memo.get(addr);
    if (!usable(b)) {
      b = make(addr);
      if (memo.size >= 4096) memo.clear();
      memo.set(addr, b);
    }
    return b;
  };
  // The fast path, small enough to inline: an element of the current
  // region seen before.
  return (addr) => {
    if (slots !== null && lastPointerArg.buf === region && shift >= 0) {
      const off = addr - base;
      if (off >= 0 && off < bytes && (off & (length - 1)) === 0) {
        const b = slots[off >> shift];
        if (usable(b)) return b;
      }
    }
    return slow(addr);
  };
}

function nullBuffer() {
  const b = Buffer.alloc(0);
  hide(b, kAddr, 0);
  return b;
}

/** Keeps `value` alive as long as `buffer` (keyed, so rewrites replace). */
function attach(buffer, key, value) {
  let refs = buffer[kRefs];
  if (refs === undefined) {
    refs = new Map();
    hide(buffer, kRefs, refs);
    if (buffer[kRefs] !== refs) return;
  }
  refs.set(key, value);
}

let attachCount = 0;
/** ref-napi's private `_attach(buffer, object)`. */
function _attach(buffer, object) {
  checkBuffer('_attach', buffer);
  attach(buffer, 'attached:' + attachCount++, object);
}

// ---- bounds -------------------------------------------------------------

function checkBuffer(fn, buffer) {
  if (!isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Buffer, got ' + describe(buffer));
  }
}

function normOffset(fn, offset) {
  if (offset === undefined || offset === null) return 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': offset must be a non-negative integer, got ' + describe(offset));
  }
  return offset;
}

/** Throws unless `size` bytes at `offset` are inside the Buffer. */
function checkOffset(fn, buffer, offset, size) {
  // (the types' own get/set reach here with whatever they were given; they
  // read and write bytes by index, so another typed array or a DataView
  // would be misread: byte arrays only. reffi's own Buffers, which carry
  // their address, are; looking BYTES_PER_ELEMENT up through Buffer's
  // prototype costs tens of ns per call.)
  if (ArrayBuffer.isView(buffer) ? buffer[kAddr] === undefined && buffer.BYTES_PER_ELEMENT !== 1 : !isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Buffer, got ' + describe(buffer));
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': offset must be a non-negative integer, got ' + describe(offset));
  }
  if (offset + size > buffer.length) {
    if (buffer.length === 0 && bufferAddress(buffer, fn) === 0) {
      throw makeError('ERR_REFFI_NULL_POINTER', fn + ': cannot read or write through a NULL pointer');
    }
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      fn + ': accessing ' + size + ' byte(s) at offset ' + offset +
      ' is past the end of a ' + buffer.length + '-byte Buffer' +
      (buffer.length === 0 ? ' (a pointer of unknown size: use ref.reinterpret() to give it a size)' : ''));
  }
}

// ---- 64-bit integers ------------------------------------------------------

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n, U64_MAX = 2n ** 64n - 1n;
const DIGITS = { 16: /^[0-9a-f]+/i, 10: /^[0-9]+/, 8: /^[0-7]+/, 2: /^[01]+/ };

/**
 * Parses an integer string the way ref-napi does (strtoll / strtoull with
 * base 0: "0x" hex, leading "0" octal, else decimal; for unsigned targets a
 * leading "-" negates modulo 2^64). "0o" / "0b" prefixes are accepted too.
 * Anything but whitespace after the digits is rejected.
 */
function parseIntString(fn, str, signed) {
  let s = str.trim();
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  let base = 10;
  if (/^0x[0-9a-f]/i.test(s)) { base = 16; s = s.slice(2); }
  else if (/^0o[0-7]/i.test(s)) { base = 8; s = s.slice(2); }
  else if (/^0b[01]/i.test(s)) { base = 2; s = s.slice(2); }
  else if (/^0[0-7]/.test(s)) { base = 8; s = s.slice(1); }
  const m = DIGITS[base].exec(s);
  if (!m) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': no digits we found in input String ' + describe(str));
  }
  if (m[0].length !== s.length) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': invalid characters after the digits in input String ' + describe(str));
  }
  const prefix = { 16: '0x', 8: '0o', 2: '0b', 10: '' }[base];
  let v = BigInt(prefix + m[0]);
  const outOfRange = () => makeError('ERR_REFFI_ARG_RANGE',
    fn + ': input String numerical value out of range for ' + (signed ? 'int64' : 'uint64') + ': ' + describe(str));
  if (signed) {
    if (neg) v = -v;
    if (v < I64_MIN || v > I64_MAX) throw outOfRange();
  } else {
    if (v > U64_MAX) throw outOfRange();
    if (neg) v = BigInt.asUintN(64, -v);
  }
  return v;
}

/** Number / BigInt / string → BigInt in range for int64 (signed) or uint64. */
function toBigInt64(fn, value, signed) {
  let v;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw makeError('ERR_REFFI_ARG_RANGE', fn + ': expected an integer, got ' + describe(value));
    }
    v = BigInt(value);
  } else if (typeof value === 'string') {
    return parseIntString(fn, value, signed);
  } else {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Number, BigInt or string (64-bit value), got ' + describe(value));
  }
  if (signed ? (v < I64_MIN || v > I64_MAX) : (v < 0n || v > U64_MAX)) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': ' + v + ' is out of range for ' + (signed ? 'int64' : 'uint64'));
  }
  return v;
}

function fromBigInt64(v) {
  return (v >= JS_MIN_INT && v <= JS_MAX_INT) ? Number(v) : v.toString();
}

function readInt64(buffer, offset, le) {
  checkBuffer('readInt64', buffer); offset = normOffset('readInt64', offset); checkOffset('readInt64', buffer, offset, 8);
  return fromBigInt64(le ? buffer.readBigInt64LE(offset) : buffer.readBigInt64BE(offset));
}
function readUInt64(buffer, offset, le) {
  checkBuffer('readUInt64', buffer); offset = normOffset('readUInt64', offset); checkOffset('readUInt64', buffer, offset, 8);
  return fromBigInt64(le ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset));
}
function writeInt64(buffer, offset, value, le) {
  checkBuffer('writeInt64', buffer); offset = normOffset('writeInt64', offset); checkOffset('writeInt64', buffer, offset, 8);
  const v = toBigInt64('writeInt64', value, true);
  if (le) buffer.writeBigInt64LE(v, offset); else buffer.writeBigInt64BE(v, offset);
}
function writeUInt64(buffer, offset, value, le) {
  checkBuffer('writeUInt64', buffer); offset = normOffset('writeUInt64', offset); checkOffset('writeUInt64', buffer, offset, 8);
  const v = toBigInt64('writeUInt64', value, false);
  if (le) buffer.writeBigUInt64LE(v, offset); else buffer.writeBigUInt64BE(v, offset);
}

// ---- integer checks for set() ---------------------------------------------

function checkInt(fn, value, min, max) {
  if (typeof value === 'bigint') {
    if (value < BigInt(min) || value > BigInt(max)) {
      throw makeError('ERR_REFFI_ARG_RANGE', fn + ': ' + value + 'n is out of range [' + min + ', ' + max + ']');
    }
    return Number(value);
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number') {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a number, got ' + describe(value));
  }
  if (!Number.isInteger(value)) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': expected an integer, got ' + describe(value));
  }
  if (value < min || value > max) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': ' + value + ' is out of range [' + min + ', ' + max + ']');
  }
  return value;
}

function checkNumber(fn, value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a number, got ' + describe(value));
}

// ---- pointers -------------------------------------------------------------

function readPointerAddress(buffer, offset) {
  return LE
    ? buffer.readUInt32LE(offset) + buffer.readUInt32LE(offset + 4) * 4294967296
    : buffer.readUInt32BE(offset + 4) + buffer.readUInt32BE(offset) * 4294967296;
}

function writePointerAddress(buffer, offset, addr) {
  const lo = addr % 4294967296, hi = (addr - lo) / 4294967296;
  if (LE) { buffer.writeUInt32LE(lo, offset); buffer.writeUInt32LE(hi, offset + 4); }
  else { buffer.writeUInt32BE(hi, offset); buffer.writeUInt32BE(lo, offset + 4); }
}

function readPointer(buffer, offset, size) {
  checkBuffer('readPointer', buffer);
  offset = normOffset('readPointer', offset);
  checkOffset('readPointer', buffer, offset, POINTER_SIZE);
  size = size === undefined ? 0 : size;
  if (!Number.isInteger(size) || size < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'readPointer: size must be a non-negative integer, got ' + describe(size));
  }
  const addr = readPointerAddress(buffer, offset);
  const b = pointerBuffer(addr, addr === 0 ? 0 : size);
  // If this slot was written by writePointer(), the result keeps the
  // pointed-to Buffer alive (ref-napi hands back the same memory).
  const refs = buffer[kRefs];
  if (addr !== 0 && refs !== undefined) {
    const src = refs.get(offset);
    if (isBufferLike(src) && bufferAddress(src, 'readPointer') === addr) attach(b, 'parent', src);
  }
  return b;
}

function writePointer(buffer, offset, pointer) {
  checkBuffer('writePointer', buffer);
  offset = normOffset('writePointer', offset);
  checkOffset('writePointer', buffer, offset, POINTER_SIZE);
  let addr;
  if (pointer === null || pointer === undefined) addr = 0;
  else if (isBufferLike(pointer)) addr = bufferAddress(pointer, 'writePointer');
  else throw makeError('ERR_REFFI_ARG_TYPE', 'writePointer: expected a Buffer or null, got ' + describe(pointer));
  writePointerAddress(buffer, offset, addr);
  attach(buffer, offset, pointer);
}

function reinterpret(buffer, size, offset) {
  checkBuffer('reinterpret', buffer);
  offset = offset === undefined || offset === null ? 0 : offset;
  if (!Number.isInteger(offset)) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'reinterpret: offset must be an integer, got ' + describe(offset));
  }
  if (!Number.isInteger(size) || size < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'reinterpret: size must be a non-negative integer, got ' + describe(size));
  }
  const base = bufferAddress(buffer, 'reinterpret');
  if (base === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'reinterpret: cannot reinterpret a NULL pointer');
  const b = pointerBuffer(base + offset, size);
  // A view of JS-owned memory stays bounded: only foreign memory (or a
  // pointer of unknown extent) lets readCString() go past the new length.
  if (buffer.length !== 0 && !isForeign(buffer)) b[kForeign] = false;
  attach(b, 'parent', buffer);
  return b;
}

function reinterpretUntilZeros(buffer, size, offset) {
  checkBuffer('reinterpretUntilZeros', buffer);
  offset = normOffset('reinterpretUntilZeros', offset);
  size = size === undefined ? 1 : size;
  if (!Number.isInteger(size) || size < 1) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'reinterpretUntilZeros: size must be a positive integer, got ' + describe(size));
  }
  const base = bufferAddress(buffer, 'reinterpretUntilZeros');
  if (base === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'reinterpretUntilZeros: cannot scan from a NULL pointer');
  let n = -1;
  // First look inside the Buffer; only foreign pointers (or pointers of
  // unknown size) may be scanned past their end, like a C string.
  for (let i = offset; i + size <= buffer.length; i += size) {
    let zero = true;
    for (let j = 0; j < size; j++) if (buffer[i + j] !== 0) { zero = false; break; }
    if (zero) { n = i - offset; break; }
  }
  if (n === -1) {
    if (buffer.length !== 0 && !isForeign(buffer)) {
      throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
        'reinterpretUntilZeros: no run of ' + size + ' zero byte(s) between offset ' + offset +
        ' and the end of the ' + buffer.length + '-byte Buffer');
    }
    n = native.untilZeros(base + offset, size);
  }
  return reinterpret(buffer, n, offset);
}

// ---- C strings ------------------------------------------------------------

function readCString(buffer, offset) {
  checkBuffer('readCString', buffer);
  offset = normOffset('readCString', offset);
  const addr = bufferAddress(buffer, 'readCString');
  if (addr === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'readCString: cannot read from a NULL pointer');
  if (buffer.length === 0) {
    // A pointer of unknown extent, as C handed it to us: read up to the NUL.
    return native.readCString(addr + offset);
  }
  if (offset >= buffer.length) {
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      'readCString: offset ' + offset + ' is past the end of a ' + buffer.length + '-byte Buffer');
  }
  const end = buffer.indexOf(0, offset);
  if (end === -1) {
    // Foreign memory: the Buffer's length is only what was declared (e.g. a
    // `char *` return is 1 byte long); the string goes on to its NUL.
    if (isForeign(buffer)) return native.readCString(addr + offset);
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      'readCString: no NUL terminator between offset ' + offset + ' and the end of the ' + buffer.length + '-byte Buffer');
  }
  return buffer.toString('utf8', offset, end);
}

/**
 * Writes `string` NUL-terminated at `offset`. Like ref-napi, a string longer
 * than the room left is truncated so the NUL still fits.
 */
function writeCString(buffer, offset, string, encoding) {
  checkBuffer('writeCString', buffer);
  offset = normOffset('writeCString', offset);
  if (typeof string !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'writeCString: expected a string, got ' + describe(string));
  }
  encoding = encoding || 'utf8';
  if (!Buffer.isEncoding(encoding)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'writeCString: unknown encoding ' + describe(encoding));
  }
  checkOffset('writeCString', buffer, offset, 1);
  const room = buffer.length - offset - 1;
  const n = room > 0 ? Buffer.prototype.write.call(buffer, string, offset, room, encoding) : 0;
  buffer[offset + n] = 0;
}

function allocCString(string, encoding) {
  if (string === null || string === undefined || (isBufferLike(string) && isNull(string))) return NULL;
  if (typeof string !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'allocCString: expected a string, got ' + describe(string));
  }
  encoding = encoding || 'utf8';
  if (!Buffer.isEncoding(encoding)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'allocCString: unknown encoding ' + describe(encoding));
  }
  const size = Buffer.byteLength(string, encoding) + 1;
  const buffer = Buffer.alloc(size);
  buffer.write(string, 0, size - 1, encoding);
  buffer.type = charPtrType;
  return buffer;
}

// ---- JS objects by reference -------------------------------------------------
//
// A written object is identified in memory by a small integer id; the id
// table holds it weakly and the Buffer holds it strongly (like ref-napi's
// weak reference plus _attach), so it lives as long as the Buffer.

const objects = new Map();
let nextObjectId = 1;
const objectIds = new WeakMap();
const objectRegistry = new FinalizationRegistry((id) => { objects.delete(id); });

function writeObject(buffer, offset, object) {
  checkBuffer('writeObject', buffer);
  offset = normOffset('writeObject', offset);
  checkOffset('writeObject', buffer, offset, POINTER_SIZE);
  if (object === null) {
    writePointerAddress(buffer, offset, 0);
    attach(buffer, 'object:' + offset, null);
    return;
  }
  if (typeof object !== 'object' && typeof object !== 'function') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'writeObject: expected an object or null, got ' + describe(object));
  }
  let id = objectIds.get(object);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(object, id);
    objects.set(id, new WeakRef(object));
    objectRegistry.register(object, id);
  }
  writePointerAddress(buffer, offset, id);
  attach(buffer, 'object:' + offset, object);
}

function readObject(buffer, offset) {
  checkBuffer('readObject', buffer);
  offset = normOffset('readObject', offset);
  checkOffset('readObject', buffer, offset, POINTER_SIZE);
  const id = readPointerAddress(buffer, offset);
  if (id === 0) {
    const refs = buffer[kRefs];
    if (refs !== undefined && refs.has('object:' + offset)) return null;
  }
  const w = objects.get(id);
  const o = w && w.deref();
  if (o === undefined) {
    throw makeError('ERR_REFFI_NULL_POINTER', 'readObject: no object was written at offset ' + offset + ' of this Buffer');
  }
  return o;
}

// ---- types ----------------------------------------------------------------

// One reader and one writer function per scalar kind, written here rather
// than calling Buffer's readInt32LE & co.: those are shared by every Buffer
// user in the process, so their element loads see many receiver classes
// (reffi's Buffer subclasses, Node's own) and go megamorphic — measured
// 15-17 ns per read against ~5 ns for these. Values are in the platform's
// byte order (as ref-napi reads them), copied through a scratch word. The
// callers have checked the offset and size.
const scratch = new ArrayBuffer(8);
const SU8 = new Uint8Array(scratch);
const SI16 = new Int16Array(scratch), SU16 = new Uint16Array(scratch);
const SI32 = new Int32Array(scratch), SU32 = new Uint32Array(scratch);
const SF32 = new Float32Array(scratch), SF64 = new Float64Array(scratch);
function in2(b, o) { SU8[0] = b[o]; SU8[1] = b[o + 1]; }
function in4(b, o) { SU8[0] = b[o]; SU8[1] = b[o + 1]; SU8[2] = b[o + 2]; SU8[3] = b[o + 3]; }
function in8(b, o) {
  SU8[0] = b[o]; SU8[1] = b[o + 1]; SU8[2] = b[o + 2]; SU8[3] = b[o + 3];
  SU8[4] = b[o + 4]; SU8[5] = b[o + 5]; SU8[6] = b[o + 6]; SU8[7] = b[o + 7];
}
function out2(b, o) { b[o] = SU8[0]; b[o + 1] = SU8[1]; }
function out4(b, o) { b[o] = SU8[0]; b[o + 1] = SU8[1]; b[o + 2] = SU8[2]; b[o + 3] = SU8[3]; }
function out8(b, o) {
  b[o] = SU8[0]; b[o + 1] = SU8[1]; b[o + 2] = SU8[2]; b[o + 3] = SU8[3];
  b[o + 4] = SU8[4]; b[o + 5] = SU8[5]; b[o + 6] = SU8[6]; b[o + 7] = SU8[7];
}
const INT_READ = {
  i8: (b, o) => (b[o] << 24) >> 24,
  u8: (b, o) => b[o],
  i16: (b, o) => { in2(b, o); return SI16[0]; },
  u16: (b, o) => { in2(b, o); return SU16[0]; },
  i32: (b, o) => { in4(b, o); return SI32[0]; },
  u32: (b, o) => { in4(b, o); return SU32[0]; },
};
const INT_WRITE = {
  i8: (b, v, o) => { b[o] = v & 255; }, // (a Uint8ClampedArray would clamp -1 to 0)
  u8: (b, v, o) => { b[o] = v; },
  i16: (b, v, o) => { SI16[0] = v; out2(b, o); },
  u16: (b, v, o) => { SU16[0] = v; out2(b, o); },
  i32: (b, v, o) => { SI32[0] = v; out4(b, o); },
  u32: (b, v, o) => { SU32[0] = v; out4(b, o); },
};
function readF32(b, o) { in4(b, o); return SF32[0]; }
function readF64(b, o) { in8(b, o); return SF64[0]; }
function writeF32(b, v, o) { SF32[0] = v; out4(b, o); }
function writeF64(b, v, o) { SF64[0] = v; out8(b, o); }

function intType(name, size, signed, kind) {
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const read = INT_READ[kind];
  const write = INT_WRITE[kind];
  const what = 'set ' + name;
  const t = {
    name, size, alignment: size, indirection: 1,
    get(buffer, offset) { offset = offset || 0; checkOffset(name, buffer, offset, size); return read(buffer, offset); },
    set(buffer, offset, value) {
      offset = offset || 0; checkOffset(name, buffer, offset, size);
      // ref-napi: a one-byte integer set from a string stores its first char code.
      if (size === 1 && typeof value === 'string') {
        if (value.length === 0) throw makeError('ERR_REFFI_ARG_TYPE', what + ': expected a number or a one-character string, got ""');
        value = value.charCodeAt(0);
        if (value > max) throw makeError('ERR_REFFI_ARG_RANGE', what + ': character code ' + value + ' does not fit in ' + name);
      }
      write(buffer, checkInt(what, value, min, max), offset);
    },
  };
  t[kKind] = kind;
  fastDeref(t, read);
  return t;
}

// deref() of a pointer Buffer to a built-in scalar type (qsort's comparator
// does two per call) skips the generic checks: `t[kDeref]` names the type
// object it belongs to and the get() it stands for, so a type derived from
// it (Object.create) or a patched get() takes the generic path.
const kDeref = Symbol('reffi.deref');
function fastDeref(t, read) {
  t[kDeref] = { self: t, get: t.get, read };
}

const types = {};
types.void = {
  name: 'void', size: 0, alignment: 1, indirection: 1,
  get() { return null; },
  set() { /* no-op, like ref-napi */ },
};
types.void[kKind] = 'v';
types.int8 = intType('int8', 1, true, 'i8');
types.uint8 = intType('uint8', 1, false, 'u8');
types.int16 = intType('int16', 2, true, 'i16');
types.uint16 = intType('uint16', 2, false, 'u16');
types.int32 = intType('int32', 4, true, 'i32');
types.uint32 = intType('uint32', 4, false, 'u32');
types.int64 = {
  name: 'int64', size: 8, alignment: 8, indirection: 1,
  get(buffer, offset) { return readInt64(buffer, offset, LE); },
  set(buffer, offset, value) { writeInt64(buffer, offset, value, LE); },
};
types.int64[kKind] = 'i64';
types.uint64 = {
  name: 'uint64', size: 8, alignment: 8, indirection: 1,
  get(buffer, offset) { return readUInt64(buffer, offset, LE); },
  set(buffer, offset, value) { writeUInt64(buffer, offset, value, LE); },
};
types.uint64[kKind] = 'u64';
types.float = {
  name: 'float', size: 4, alignment: 4, indirection: 1,
  get(buffer, offset) { offset = offset || 0; checkOffset('float', buffer, offset, 4); return readF32(buffer, offset); },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('float', buffer, offset, 4);
    writeF32(buffer, checkNumber('set float', value), offset);
  },
};
types.float[kKind] = 'f32';
fastDeref(types.float, readF32);
types.double = {
  name: 'double', size: 8, alignment: 8, indirection: 1,
  get(buffer, offset) { offset = offset || 0; checkOffset('double', buffer, offset, 8); return readF64(buffer, offset); },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('double', buffer, offset, 8);
    writeF64(buffer, checkNumber('set double', value), offset);
  },
};
types.double[kKind] = 'f64';
fastDeref(types.double, readF64);
types.Object = {
  name: 'Object', size: POINTER_SIZE, alignment: POINTER_SIZE, indirection: 1,
  get(buffer, offset) { return readObject(buffer, offset); },
  set(buffer, offset, value) { writeObject(buffer, offset, value); },
};
types.CString = {
  name: 'CString', size: POINTER_SIZE, alignment: POINTER_SIZE, indirection: 1,
  get(buffer, offset) {
    const p = readPointer(buffer, offset || 0);
    if (isNull(p)) return null;
    return readCString(p, 0);
  },
  set(buffer, offset, value) {
    let p;
    if (isBufferLike(value)) p = value;
    else if (value === null || value === undefined) p = null;
    else if (typeof value === 'string') p = allocCString(value);
    else throw makeError('ERR_REFFI_ARG_TYPE', 'set CString: expected a string, Buffer or null, got ' + describe(value));
    writePointer(buffer, offset || 0, p);
  },
};
types.CString[kKind] = 's';
types.bool = {
  name: 'bool', size: 1, alignment: 1, indirection: 1,
  get(buffer, offset) { offset = offset || 0; checkOffset('bool', buffer, offset, 1); return buffer.readUInt8(offset) !== 0; },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('bool', buffer, offset, 1);
    if (typeof value === 'boolean') buffer.writeUInt8(value ? 1 : 0, offset);
    // ref-napi writes numbers as they are (a uint8).
    else if (typeof value === 'number' || typeof value === 'bigint') buffer.writeUInt8(checkInt('set bool', value, 0, 255), offset);
    else throw makeError('ERR_REFFI_ARG_TYPE', 'set bool: expected a boolean or number, got ' + describe(value));
  },
};
types.bool[kKind] = 'b';
fastDeref(types.bool, (b, o) => b.readUInt8(o) !== 0);

// C "typedefs" (LP64 on 64-bit Unix), each its own object inheriting from
// the fixed-size type, with its own name — as in ref-napi.
const LONG64 = POINTER_SIZE === 8 && process.platform !== 'win32';
const aliases = {
  byte: 'uint8', char: 'int8', uchar: 'uint8', short: 'int16', ushort: 'uint16',
  int: 'int32', uint: 'uint32', long: LONG64 ? 'int64' : 'int32', ulong: LONG64 ? 'uint64' : 'uint32',
  longlong: 'int64', ulonglong: 'uint64',
  size_t: POINTER_SIZE === 8 ? 'uint64' : 'uint32', ssize_t: POINTER_SIZE === 8 ? 'int64' : 'int32',
};
for (const [name, base] of Object.entries(aliases)) {
  const t = Object.create(types[base]);
  t.name = name;
  t.alignment = types[base].alignment;
  // (defineProperty, same attributes as an assignment: computed-key stores
  // past a dozen properties turn `types` into a dictionary, and every
  // coerceType('int32') then paid a slow hash lookup, ~40 ns)
  Object.defineProperty(types, name, { value: t, writable: true, enumerable: true, configurable: true });
}
// Deprecated alias, not enumerable (ref-napi).
Object.defineProperty(types, 'Utf8String', { value: types.CString, enumerable: false, configurable: true, writable: true });

const sizeof = {};
const alignof = {};
for (const k of Object.keys(types)) {
  sizeof[k] = types[k].size;
  alignof[k] = types[k].alignment;
}
sizeof.pointer = POINTER_SIZE;
alignof.pointer = POINTER_SIZE;

const refTypes = new WeakMap();

function refType(type) {
  const t = coerceType(type);
  let r = refTypes.get(t);
  if (r) return r;
  r = Object.create(t);
  r.indirection = t.indirection + 1;
  if (t.name) {
    Object.defineProperty(r, 'name', { value: t.name + '*', configurable: true, enumerable: true, writable: true });
  }
  refTypes.set(t, r);
  return r;
}

function derefType(type) {
  const t = coerceType(type);
  if (t.indirection <= 1) {
    throw makeError('ERR_REFFI_INVALID_TYPE',
      "cannot create deref'd type for type with indirection " + t.indirection + ' (' + (t.name || 'unnamed type') + ')');
  }
  let r = Object.getPrototypeOf(t);
  if (r === null || r.indirection !== t.indirection - 1) {
    r = Object.create(t);
    r.indirection = t.indirection - 1;
  }
  return r;
}

function isType(t) {
  return t !== null && (typeof t === 'object' || typeof t === 'function') && !isRevokedProxy(t) &&
    typeof t.size === 'number' && typeof t.indirection === 'number';
}

function coerceType(type) {
  let rtn = type;
  if (typeof rtn === 'string') {
    // (A plain lookup: what Object.prototype could supply for a name —
    // functions, Object.prototype itself — is not a type, so isType()
    // rejects it; hasOwnProperty.call cost ~50 ns per ref.alloc('int').)
    rtn = types[type];
    if (rtn !== undefined && isType(rtn)) return rtn;
    let s = type.replace(/\s+/g, '');
    s = s.replace(/^const(?=[A-Za-z_])/, '');
    let count = 0;
    s = s.replace(/\*+$/, (stars) => { count = stars.length; return ''; });
    const lower = s.toLowerCase();
    const lookup = (n) => (Object.prototype.hasOwnProperty.call(types, n) ? types[n] : undefined);
    if (lower === 'pointer') { rtn = types.void; count++; }
    else if (lower === 'string') rtn = types.CString;
    else rtn = lookup(s) || lookup(lower);
    if (rtn) for (let i = 0; i < count; i++) rtn = refType(rtn);
  }
  if (!isType(rtn)) {
    throw makeError('ERR_REFFI_UNKNOWN_TYPE', 'could not determine a proper "type" from: ' + describe(type) +
      (typeof type === 'string' ? ' (unknown type name)' : ''));
  }
  return rtn;
}

function getType(buffer) {
  if (!ArrayBuffer.isView(buffer) && isRevokedProxy(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'getType: expected a Buffer, got ' + describe(buffer));
  }
  if (!typeOf(buffer)) {
    buffer.type = {
      size: buffer.length, indirection: 1,
      get() { throw makeError('ERR_REFFI_INVALID_TYPE', 'unknown "type"; cannot get() (set buffer.type first)'); },
      set() { throw makeError('ERR_REFFI_INVALID_TYPE', 'unknown "type"; cannot set() (set buffer.type first)'); },
    };
  }
  return coerceType(typeOf(buffer));
}

function noAccessor(what, type) {
  return makeError('ERR_REFFI_INVALID_TYPE', 'type "' + (type.name || '?') + '" has no ' + what + '() function');
}

function get(buffer, offset, type) {
  checkBuffer('get', buffer);
  offset = normOffset('get', offset);
  type = type ? coerceType(type) : getType(buffer);
  if (type.indirection === 1) {
    if (type.size > 0) checkOffset('get', buffer, offset, type.size);
    if (typeof type.get !== 'function') throw noAccessor('get', type);
    return type.get(buffer, offset);
  }
  if (type.indirection > 1) {
    const size = type.indirection === 2 ? type.size : POINTER_SIZE;
    const r = readPointer(buffer, offset, size);
    r.type = derefType(type);
    return r;
  }
  throw makeError('ERR_REFFI_INVALID_TYPE', '"indirection" level must be at least 1, saw ' + type.indirection);
}

function set(buffer, offset, value, type) {
  checkBuffer('set', buffer);
  offset = normOffset('set', offset);
  type = type ? coerceType(type) : getType(buffer);
  if (type.indirection === 1) {
    if (type.size > 0) checkOffset('set', buffer, offset, type.size);
    if (typeof type.set !== 'function') throw noAccessor('set', type);
    type.set(buffer, offset, value);
  } else if (type.indirection > 1) {
    writePointer(buffer, offset, value);
  } else {
    throw makeError('ERR_REFFI_INVALID_TYPE', '"indirection" level must be at least 1, saw ' + type.indirection);
  }
}

function alloc(type, value) {
  const t = coerceType(type);
  const size = t.indirection === 1 ? t.size : POINTER_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw makeError('ERR_REFFI_INVALID_TYPE', 'alloc: type ' + (t.name || '?') + ' has no valid size (' + describe(size) + ')');
  }
  const buffer = allocPooled(size, t);
  if (arguments.length >= 2) {
    // (set()'s checks hold for a fresh Buffer of the type's size)
    if (t.indirection === 1 && typeof t.set === 'function') t.set(buffer, 0, value);
    else set(buffer, 0, value, t);
  }
  return buffer;
}

// Small allocations are carved out of zeroed ArrayBuffers (pools) whose base
// address is known, so a Buffer from ref.alloc() knows its address without
// a native call (asking V8 for the address of a fresh small Buffer forces it
// off the JS heap: ~0.7 us). Offsets are never reused within a pool; a pool
// is freed when no Buffer carved from it is alive (as Node's own pool).
//
// The pooled Buffers are instances of a Buffer subclass whose constructor
// sets the cached address and `type` (as ForeignBuffer above): no
// `Buffer.from()` argument checks, and V8 keeps both properties in the
// object. ref.alloc('int32') went from ~200 ns to ~70 ns. Their shape is
// pinned by a keeper (see keepShape above), so a full GC does not throw
// away the code optimised for it.
//
// The first pools are small (1 KiB, doubling up to 64 KiB): the refill
// branch then runs a few times in the first ~2000 allocations, while V8 is
// still collecting type feedback. With 64 KiB from the start it first ran
// after 4096 allocations, typically just after V8 had optimised
// allocPooled, ref.alloc and the caller's loop without feedback for it, and
// all three were deoptimised ("Insufficient type feedback for construct").
const POOL_SIZE = 64 * 1024;
let pool = null, poolView = null, poolBase = 0, poolOffset = 0, poolEnd = 0, nextPoolSize = 1024;

class PooledBuffer extends Uint8Array {
  constructor(ab, offset, size, addr, type) {
    super(ab, offset, size);
    this[kAddr] = addr;
    this[kType] = type;
  }
}
Object.setPrototypeOf(PooledBuffer.prototype, Buffer.prototype);
Object.defineProperty(PooledBuffer.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });
Object.defineProperty(PooledBuffer.prototype, 'type', typeAccessor);
keepShape(new PooledBuffer(new ArrayBuffer(16), 0, 16, 2 ** 40, { keeper: true }));

function newPool() {
  const n = nextPoolSize;
  if (nextPoolSize < POOL_SIZE) nextPoolSize *= 2;
  pool = new ArrayBuffer(n);
  poolView = new Uint8Array(pool, 0, 1);
  poolBase = native.address(pool);
  poolOffset = 0;
  poolEnd = n;
}

/** A zeroed Buffer of `size` bytes whose address is cached on it; `type` is set as its `.type`. */
function allocPooled(size, type) {
  if (size > BUFFER_MAX_LENGTH) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'cannot allocate ' + size + ' bytes: larger than a Buffer can hold');
  }
  if (size === 0 || size > 1024) {
    const b = Buffer.alloc(size);
    if (type !== undefined) b.type = type;
    return b;
  }
  let off = (poolOffset + 15) & ~15;
  // (a user can detach the pool by transferring a pooled Buffer's ArrayBuffer)
  // (poolView.length: 0 once detached; cheaper than pool.byteLength)
  if (off + size > poolEnd || poolView.length === 0) {
    newPool();
    off = 0;
  }
  poolOffset = off + size;
  return new PooledBuffer(pool, off, size, poolBase + off, type);
}

// deref() is split so that its fast path is small enough for V8 to inline
// into the caller (a qsort comparator's `a.deref() - b.deref()`).
function deref(buffer) {
  if (ArrayBuffer.isView(buffer)) {
    const t = typeOf(buffer);
    if (t !== null && typeof t === 'object') {
      const d = t[kDeref];
      if (d !== undefined && d.self === t && d.get === t.get && t.indirection === 1 && buffer.length >= t.size) {
        return d.read(buffer, 0);
      }
    }
  }
  return derefSlow(buffer);
}

function derefSlow(buffer) {
  checkBuffer('deref', buffer);
  const type = getType(buffer);
  // The common case: a one-level pointer Buffer that holds a whole value
  // (a non-empty Buffer is never NULL), read by the type itself.
  if (type.indirection === 1 && type.size > 0 && buffer.length >= type.size && typeof type.get === 'function') {
    return type.get(buffer, 0);
  }
  // Reading a zero-size type (void) needs no memory: null, as in ref-napi.
  if ((type.indirection > 1 || type.size > 0) && isNull(buffer)) {
    throw makeError('ERR_REFFI_NULL_POINTER',
      'deref: cannot dereference a NULL pointer' + (type.name ? ' (type ' + type.name + ')' : ''));
  }
  return get(buffer, 0, type);
}

function ref(buffer) {
  checkBuffer('ref', buffer);
  return alloc(refType(getType(buffer)), buffer);
}

const NULL = nullBuffer();
NULL.type = types.void;
const NULL_POINTER = ref(NULL);
const charPtrType = refType(types.char);

// ---- Buffer.prototype -------------------------------------------------------

const protoMethods = {
  address() { return address(this, 0); },
  hexAddress() { return hexAddress(this, 0); },
  isNull() { return isNull(this); },
  ref() { return ref(this); },
  deref() { return deref(this); },
  readObject(offset) { return readObject(this, offset); },
  writeObject(obj, offset) { return writeObject(this, offset, obj); },
  readPointer(offset, size) { return readPointer(this, offset, size); },
  writePointer(ptr, offset) { return writePointer(this, offset, ptr); },
  readCString(offset) { return readCString(this, offset); },
  writeCString(string, offset, encoding) { return writeCString(this, offset, string, encoding); },
  readInt64BE(offset) { return readInt64(this, offset, false); },
  writeInt64BE(val, offset) { return writeInt64(this, offset, val, false); },
  readUInt64BE(offset) { return readUInt64(this, offset, false); },
  writeUInt64BE(val, offset) { return writeUInt64(this, offset, val, false); },
  readInt64LE(offset) { return readInt64(this, offset, true); },
  writeInt64LE(val, offset) { return writeInt64(this, offset, val, true); },
  readUInt64LE(offset) { return readUInt64(this, offset, true); },
  writeUInt64LE(val, offset) { return writeUInt64(this, offset, val, true); },
  reinterpret(size, offset) { return reinterpret(this, size, offset); },
  reinterpretUntilZeros(size, offset) { return reinterpretUntilZeros(this, size, offset); },
};
for (const [k, fn] of Object.entries(protoMethods)) {
  Object.defineProperty(Buffer.prototype, k, { value: fn, configurable: true, writable: true, enumerable: false });
}

// util.inspect shows the memory address: <Buffer@0x7f... 68 65 6c>.
const inspectSym = util.inspect.custom;
const origInspect = Buffer.prototype[inspectSym];
if (typeof origInspect === 'function' && origInspect.name !== 'refinspect') {
  // Same attributes as Node's own (enumerable): changing the attributes of
  // an existing Buffer.prototype property made every `buffer.length` read
  // ~15x slower (~20 ns instead of ~1.5 ns, Node 20), which the detached
  // Buffer check on pointer arguments relies on being free.
  Object.defineProperty(Buffer.prototype, inspectSym, {
    configurable: true, writable: true, enumerable: true,
    value: function refinspect(...args) {
      const s = origInspect.apply(this, args);
      let hex;
      try { hex = hexAddress(this, 0); } catch (_) { return s; }
      if (typeof s !== 'string') return s;
      return s.replace('Buffer', 'Buffer@0x' + hex)
        .replace(/,?\s*\[Symbol\(reffi\.[a-z]+\)\]: [^,>\n]*(?=[,>\n])/g, '');
    },
  });
}

module.exports = {
  types, sizeof, alignof, endianness,
  NULL, nullptr: NULL, NULL_POINTER,
  address, hexAddress, isNull,
  alloc, allocCString, readCString, writeCString,
  get, set, deref, ref, refType, derefType, coerceType, getType,
  readPointer, writePointer, reinterpret, reinterpretUntilZeros,
  readObject, writeObject,
  readInt64LE: (b, o) => readInt64(b, o, true), readInt64BE: (b, o) => readInt64(b, o, false),
  readUInt64LE: (b, o) => readUInt64(b, o, true), readUInt64BE: (b, o) => readUInt64(b, o, false),
  writeInt64LE: (b, o, v) => writeInt64(b, o, v, true), writeInt64BE: (b, o, v) => writeInt64(b, o, v, false),
  writeUInt64LE: (b, o, v) => writeUInt64(b, o, v, true), writeUInt64BE: (b, o, v) => writeUInt64(b, o, v, false),
  readInt64: (b, o) => readInt64(b, o, LE), readUInt64: (b, o) => readUInt64(b, o, LE),
  writeInt64: (b, o, v) => writeInt64(b, o, v, LE), writeUInt64: (b, o, v) => writeUInt64(b, o, v, LE),
  isBuffer: isBufferLike,
  // ref-napi's "private" helpers that other modules call
  _attach,
  _reinterpret: reinterpret,
  _reinterpretUntilZeros: reinterpretUntilZeros,
  _writePointer: (b, o, p) => writePointer(b, o, p),
  _writeObject: writeObject,
  // reffi internals shared with the other modules (not part of ref-napi's API)
  _internal: {
    kAddr, kKind, kRefs, kForeign, pointerBuffer, typedPointerBuffer, pointerConverter, keepShape, notePointerArg, foreignArrayBuffer, allocPooled, nullBuffer, attach, checkInt, checkNumber,
    toBigInt64, fromBigInt64, isType, POINTER_SIZE, LE, hide, isDetached, detachedError,
  },
};

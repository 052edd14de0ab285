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
const native = require('./internal/native');
const { makeError, describe } = require('./internal/errors');

const kAddr = Symbol('reffi.address');
const kRefs = Symbol('reffi.refs');
const kKind = Symbol('reffi.kind');
// Set on Buffers over foreign memory (pointers read from memory or made by
// reinterpret()): their `length` is what the user declared, not the extent
// of an allocation, so readCString() may follow the C string past it, as
// ref-napi does.
const kForeign = Symbol.for('reffi.foreign');

const endianness = os.endianness();
const LE = endianness === 'LE';
const POINTER_SIZE = native.POINTER_SIZE;

// ref-napi returns 64-bit integers as Numbers when they fit in
// [-2^53, 2^53], as decimal strings otherwise.
const JS_MAX_INT = 9007199254740992n;
const JS_MIN_INT = -9007199254740992n;

// ---- addresses ------------------------------------------------------------

function isBufferLike(b) {
  return b instanceof Uint8Array;
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

function bufferAddress(buffer) {
  let a = buffer[kAddr];
  if (a === undefined) {
    a = native.address(buffer);
    hide(buffer, kAddr, a);
  }
  return a;
}

/** Address of a Buffer's data (cached on the Buffer: it never moves). */
function address(buffer, offset) {
  if (!isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'address: expected a Buffer, got ' + describe(buffer));
  }
  return bufferAddress(buffer) + (offset | 0);
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
  if (!(length <= require('buffer').constants.MAX_LENGTH)) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'cannot view ' + length + ' bytes of memory: larger than a Buffer can hold');
  }
  let ab = wrapCache.get(addr);
  if (ab === undefined || ab.byteLength < length) {
    ab = native.wrap(addr, length);
    if (wrapCache.size >= WRAP_CACHE_MAX) wrapCache.clear();
    wrapCache.set(addr, ab);
  }
  return ab;
}

/** A Buffer of `length` bytes over foreign memory at `addr` (not owned). */
function pointerBuffer(addr, length) {
  if (addr === 0) return nullBuffer();
  const ab = foreignArrayBuffer(addr, length);
  const b = Buffer.from(ab, 0, length);
  hide(b, kAddr, addr);
  hide(b, kForeign, true);
  return b;
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
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': offset must be a non-negative integer, got ' + describe(offset));
  }
  if (offset + size > buffer.length) {
    if (buffer.length === 0 && bufferAddress(buffer) === 0) {
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
    if (isBufferLike(src) && bufferAddress(src) === addr) attach(b, 'parent', src);
  }
  return b;
}

function writePointer(buffer, offset, pointer) {
  checkBuffer('writePointer', buffer);
  offset = normOffset('writePointer', offset);
  checkOffset('writePointer', buffer, offset, POINTER_SIZE);
  let addr;
  if (pointer === null || pointer === undefined) addr = 0;
  else if (isBufferLike(pointer)) addr = bufferAddress(pointer);
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
  const base = bufferAddress(buffer);
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
  const base = bufferAddress(buffer);
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
  const addr = bufferAddress(buffer);
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

function intType(name, size, signed, kind) {
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const rd = 'read' + (signed ? 'Int' : 'UInt') + bits + (size > 1 ? endianness : '');
  const wr = 'write' + (signed ? 'Int' : 'UInt') + bits + (size > 1 ? endianness : '');
  const what = 'set ' + name;
  const t = {
    name, size, alignment: size, indirection: 1,
    get(buffer, offset) { offset = offset || 0; checkOffset(name, buffer, offset, size); return buffer[rd](offset); },
    set(buffer, offset, value) {
      offset = offset || 0; checkOffset(name, buffer, offset, size);
      // ref-napi: a one-byte integer set from a string stores its first char code.
      if (size === 1 && typeof value === 'string') {
        if (value.length === 0) throw makeError('ERR_REFFI_ARG_TYPE', what + ': expected a number or a one-character string, got ""');
        value = value.charCodeAt(0);
        if (value > max) throw makeError('ERR_REFFI_ARG_RANGE', what + ': character code ' + value + ' does not fit in ' + name);
      }
      buffer[wr](checkInt(what, value, min, max), offset);
    },
  };
  t[kKind] = kind;
  return t;
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
  get(buffer, offset) { offset = offset || 0; checkOffset('float', buffer, offset, 4); return buffer['readFloat' + endianness](offset); },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('float', buffer, offset, 4);
    buffer['writeFloat' + endianness](checkNumber('set float', value), offset);
  },
};
types.float[kKind] = 'f32';
types.double = {
  name: 'double', size: 8, alignment: 8, indirection: 1,
  get(buffer, offset) { offset = offset || 0; checkOffset('double', buffer, offset, 8); return buffer['readDouble' + endianness](offset); },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('double', buffer, offset, 8);
    buffer['writeDouble' + endianness](checkNumber('set double', value), offset);
  },
};
types.double[kKind] = 'f64';
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
  types[name] = t;
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
  return t !== null && (typeof t === 'object' || typeof t === 'function') &&
    typeof t.size === 'number' && typeof t.indirection === 'number';
}

function coerceType(type) {
  let rtn = type;
  if (typeof rtn === 'string') {
    rtn = Object.prototype.hasOwnProperty.call(types, type) ? types[type] : undefined;
    if (rtn) return rtn;
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
  if (!buffer.type) {
    buffer.type = {
      size: buffer.length, indirection: 1,
      get() { throw makeError('ERR_REFFI_INVALID_TYPE', 'unknown "type"; cannot get() (set buffer.type first)'); },
      set() { throw makeError('ERR_REFFI_INVALID_TYPE', 'unknown "type"; cannot set() (set buffer.type first)'); },
    };
  }
  return coerceType(buffer.type);
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
  const buffer = allocPooled(size);
  buffer.type = t;
  if (arguments.length >= 2) set(buffer, 0, value, t);
  return buffer;
}

// Small allocations are carved out of 64 KiB zeroed ArrayBuffers whose base
// address is known, so a Buffer from ref.alloc() knows its address without
// a native call (asking V8 for the address of a fresh small Buffer forces it
// off the JS heap: ~0.7 us). Offsets are never reused within a pool; a pool
// is freed when no Buffer carved from it is alive (as Node's own pool).
const POOL_SIZE = 64 * 1024;
let pool = null, poolBase = 0, poolOffset = POOL_SIZE;

function allocPooled(size) {
  if (size > require('buffer').constants.MAX_LENGTH) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'cannot allocate ' + size + ' bytes: larger than a Buffer can hold');
  }
  if (size === 0 || size > 1024) return Buffer.alloc(size);
  const off = (poolOffset + 15) & ~15;
  if (off + size > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolBase = native.address(pool);
    poolOffset = 0;
    return allocPooled(size);
  }
  poolOffset = off + size;
  const b = Buffer.from(pool, off, size);
  b[kAddr] = poolBase + off;
  return b;
}

function deref(buffer) {
  checkBuffer('deref', buffer);
  const type = getType(buffer);
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
  Object.defineProperty(Buffer.prototype, inspectSym, {
    configurable: true, writable: true, enumerable: false,
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
    kAddr, kKind, kRefs, kForeign, pointerBuffer, foreignArrayBuffer, allocPooled, nullBuffer, attach, checkInt, checkNumber,
    toBigInt64, fromBigInt64, isType, POINTER_SIZE, LE,
  },
};

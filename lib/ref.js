'use strict';
// reffi/ref — drop-in for ref-napi 3: types, pointers as Buffers, and the
// Buffer.prototype helpers. A "pointer" is a Buffer whose data address is
// the address it points to; zero-length pointer Buffers are views into a
// one-byte external ArrayBuffer, so they still report their address.

const os = require('os');
const native = require('./internal/native');
const { makeError, describe } = require('./internal/errors');

const kAddr = Symbol('reffi.address');
const kRefs = Symbol('reffi.refs');
const kKind = Symbol('reffi.kind');

const endianness = os.endianness();
const LE = endianness === 'LE';
const POINTER_SIZE = native.POINTER_SIZE;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- addresses ------------------------------------------------------------

function isBufferLike(b) {
  return b instanceof Uint8Array;
}

/** Address of a Buffer's data (cached on the Buffer: it never moves). */
function address(buffer, offset) {
  if (!isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'address: expected a Buffer, got ' + describe(buffer));
  }
  let a = buffer[kAddr];
  if (a === undefined) {
    a = native.address(buffer);
    try { buffer[kAddr] = a; } catch (_) { /* frozen or sealed: not cached */ }
  }
  return a + (offset | 0);
}

function hexAddress(buffer, offset) {
  return '0x' + address(buffer, offset).toString(16);
}

function isNull(buffer) {
  return address(buffer) === 0;
}

/** A Buffer of `length` bytes over foreign memory at `addr` (not owned). */
function pointerBuffer(addr, length) {
  if (addr === 0) return nullBuffer();
  const ab = native.wrap(addr, length);
  const b = Buffer.from(ab, 0, length);
  b[kAddr] = addr;
  return b;
}

function nullBuffer() {
  const b = Buffer.alloc(0);
  b[kAddr] = 0;
  return b;
}

function attach(buffer, key, value) {
  let refs = buffer[kRefs];
  if (refs === undefined) {
    refs = new Map();
    try { buffer[kRefs] = refs; } catch (_) { return; }
  }
  refs.set(key, value);
}

// ---- bounds -------------------------------------------------------------

function checkBuffer(fn, buffer) {
  if (!isBufferLike(buffer)) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Buffer, got ' + describe(buffer));
  }
}

function checkOffset(fn, buffer, offset, size) {
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': offset must be a non-negative integer, got ' + describe(offset));
  }
  if (offset + size > buffer.length) {
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      fn + ': reading or writing ' + size + ' byte(s) at offset ' + offset +
      ' is past the end of a ' + buffer.length + '-byte Buffer' +
      (buffer.length === 0 ? ' (use ref.reinterpret() to give a pointer a size)' : ''));
  }
}

// ---- 64-bit integers ------------------------------------------------------

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n, U64_MAX = 2n ** 64n - 1n;

function toBigInt64(fn, value, signed) {
  let v;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw makeError('ERR_REFFI_ARG_RANGE', fn + ': expected an integer, got ' + describe(value));
    }
    v = BigInt(value);
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (!/^[-+]?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(s)) {
      throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected an integer string, got ' + describe(value));
    }
    v = s[0] === '-' ? -BigInt(s.slice(1)) : BigInt(s[0] === '+' ? s.slice(1) : s);
  } else {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Number, BigInt or string, got ' + describe(value));
  }
  if (signed ? (v < I64_MIN || v > I64_MAX) : (v < 0n || v > U64_MAX)) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': ' + v + ' is out of range for ' + (signed ? 'int64' : 'uint64'));
  }
  return v;
}

function fromBigInt64(v) {
  return (v >= -9007199254740991n && v <= 9007199254740991n) ? Number(v) : v.toString();
}

function readInt64(buffer, offset, le) {
  checkBuffer('readInt64', buffer); offset = offset || 0; checkOffset('readInt64', buffer, offset, 8);
  return fromBigInt64(le ? buffer.readBigInt64LE(offset) : buffer.readBigInt64BE(offset));
}
function readUInt64(buffer, offset, le) {
  checkBuffer('readUInt64', buffer); offset = offset || 0; checkOffset('readUInt64', buffer, offset, 8);
  return fromBigInt64(le ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset));
}
function writeInt64(buffer, offset, value, le) {
  checkBuffer('writeInt64', buffer); offset = offset || 0; checkOffset('writeInt64', buffer, offset, 8);
  const v = toBigInt64('writeInt64', value, true);
  if (le) buffer.writeBigInt64LE(v, offset); else buffer.writeBigInt64BE(v, offset);
}
function writeUInt64(buffer, offset, value, le) {
  checkBuffer('writeUInt64', buffer); offset = offset || 0; checkOffset('writeUInt64', buffer, offset, 8);
  const v = toBigInt64('writeUInt64', value, false);
  if (le) buffer.writeBigUInt64LE(v, offset); else buffer.writeBigUInt64BE(v, offset);
}

// ---- integer checks for set() ---------------------------------------------

function checkInt(fn, value, min, max) {
  if (typeof value === 'bigint') {
    if (value < BigInt(min) || value > BigInt(max)) {
      throw makeError('ERR_REFFI_ARG_RANGE', fn + ': ' + value + ' is out of range [' + min + ', ' + max + ']');
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
  offset = offset || 0;
  checkOffset('readPointer', buffer, offset, POINTER_SIZE);
  size = size === undefined ? 0 : size;
  if (!Number.isInteger(size) || size < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'readPointer: size must be a non-negative integer');
  }
  return pointerBuffer(readPointerAddress(buffer, offset), size);
}

function writePointer(buffer, offset, pointer) {
  checkBuffer('writePointer', buffer);
  offset = offset || 0;
  checkOffset('writePointer', buffer, offset, POINTER_SIZE);
  let addr;
  if (pointer === null || pointer === undefined) addr = 0;
  else if (isBufferLike(pointer)) addr = address(pointer);
  else throw makeError('ERR_REFFI_ARG_TYPE', 'writePointer: expected a Buffer or null, got ' + describe(pointer));
  writePointerAddress(buffer, offset, addr);
  attach(buffer, offset, pointer);
}

function reinterpret(buffer, size, offset) {
  checkBuffer('reinterpret', buffer);
  offset = offset || 0;
  if (!Number.isInteger(size) || size < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', 'reinterpret: size must be a non-negative integer, got ' + describe(size));
  }
  const base = address(buffer);
  if (base === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'reinterpret: the Buffer is a NULL pointer');
  const b = pointerBuffer(base + offset, size);
  attach(b, 'parent', buffer);
  return b;
}

function reinterpretUntilZeros(buffer, size, offset) {
  checkBuffer('reinterpretUntilZeros', buffer);
  offset = offset || 0;
  const base = address(buffer);
  if (base === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'reinterpretUntilZeros: the Buffer is a NULL pointer');
  const n = native.untilZeros(base + offset, size || 1);
  return reinterpret(buffer, n, offset);
}

// ---- C strings ------------------------------------------------------------

function readCString(buffer, offset) {
  checkBuffer('readCString', buffer);
  offset = offset || 0;
  const addr = address(buffer);
  if (addr === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'readCString: cannot read from a NULL pointer');
  if (buffer.length === 0) {
    if (offset !== 0) {
      throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
        'readCString: offset ' + offset + ' is past the end of a 0-byte pointer Buffer (use reinterpret() to size it)');
    }
    // A pointer of unknown extent, as C handed it to us: read up to the NUL.
    return native.readCString(addr);
  }
  checkOffset('readCString', buffer, offset, 1);
  const end = buffer.indexOf(0, offset);
  if (end === -1) {
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      'readCString: no NUL terminator between offset ' + offset + ' and the end of the ' + buffer.length + '-byte Buffer');
  }
  return buffer.toString('utf8', offset, end);
}

function writeCString(buffer, offset, string, encoding) {
  checkBuffer('writeCString', buffer);
  offset = offset || 0;
  if (typeof string !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'writeCString: expected a string, got ' + describe(string));
  }
  encoding = encoding || 'utf8';
  const n = Buffer.byteLength(string, encoding);
  checkOffset('writeCString', buffer, offset, n + 1);
  buffer.write(string, offset, n, encoding);
  buffer[offset + n] = 0;
}

function allocCString(string, encoding) {
  if (string === null || string === undefined || (isBufferLike(string) && isNull(string))) return NULL;
  if (typeof string !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'allocCString: expected a string, got ' + describe(string));
  }
  const size = Buffer.byteLength(string, encoding || 'utf8') + 1;
  const buffer = Buffer.alloc(size);
  writeCString(buffer, 0, string, encoding);
  buffer.type = charPtrType;
  return buffer;
}

// ---- JS objects by reference -------------------------------------------------

const objects = new Map();
let nextObjectId = 1;

function writeObject(buffer, offset, object) {
  checkBuffer('writeObject', buffer);
  offset = offset || 0;
  checkOffset('writeObject', buffer, offset, POINTER_SIZE);
  const id = nextObjectId++;
  objects.set(id, object);
  writePointerAddress(buffer, offset, id);
  attach(buffer, 'object:' + offset, object);
}

function readObject(buffer, offset) {
  checkBuffer('readObject', buffer);
  offset = offset || 0;
  checkOffset('readObject', buffer, offset, POINTER_SIZE);
  const id = readPointerAddress(buffer, offset);
  if (!objects.has(id)) {
    throw makeError('ERR_REFFI_NULL_POINTER', 'readObject: no object was written at this address');
  }
  return objects.get(id);
}

// ---- types ----------------------------------------------------------------

function intType(name, size, signed, kind) {
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const rd = 'read' + (signed ? 'Int' : 'UInt') + bits + (size > 1 ? endianness : '');
  const wr = 'write' + (signed ? 'Int' : 'UInt') + bits + (size > 1 ? endianness : '');
  const t = {
    name, size, alignment: size, indirection: 1,
    get(buffer, offset) { offset = offset || 0; checkOffset(name, buffer, offset, size); return buffer[rd](offset); },
    set(buffer, offset, value) {
      offset = offset || 0; checkOffset(name, buffer, offset, size);
      buffer[wr](checkInt('set ' + name, value, min, max), offset);
    },
  };
  t[kKind] = kind;
  return t;
}

const types = {};
types.void = {
  name: 'void', size: 0, alignment: 1, indirection: 1,
  get() { return null; },
  set() { throw makeError('ERR_REFFI_ARG_TYPE', 'cannot set a value of type void'); },
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
types.bool = {
  name: 'bool', size: 1, alignment: 1, indirection: 1,
  get(buffer, offset) { offset = offset || 0; checkOffset('bool', buffer, offset, 1); return buffer.readUInt8(offset) !== 0; },
  set(buffer, offset, value) {
    offset = offset || 0; checkOffset('bool', buffer, offset, 1);
    if (typeof value !== 'boolean' && typeof value !== 'number') {
      throw makeError('ERR_REFFI_ARG_TYPE', 'set bool: expected a boolean or number, got ' + describe(value));
    }
    buffer.writeUInt8(value ? 1 : 0, offset);
  },
};
types.bool[kKind] = 'b';
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
    else p = allocCString(value);
    writePointer(buffer, offset || 0, p);
  },
};
types.CString[kKind] = 's';
types.Utf8String = types.CString;

// C aliases (LP64 on 64-bit Unix).
types.byte = types.uint8;
types.char = types.int8;
types.uchar = types.uint8;
types.short = types.int16;
types.ushort = types.uint16;
types.int = types.int32;
types.uint = types.uint32;
types.long = POINTER_SIZE === 8 && process.platform !== 'win32' ? types.int64 : types.int32;
types.ulong = POINTER_SIZE === 8 && process.platform !== 'win32' ? types.uint64 : types.uint32;
types.longlong = types.int64;
types.ulonglong = types.uint64;
types.size_t = POINTER_SIZE === 8 ? types.uint64 : types.uint32;
types.ssize_t = POINTER_SIZE === 8 ? types.int64 : types.int32;

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
  if (t.indirection === 1) {
    throw makeError('ERR_REFFI_ARG_TYPE', "cannot create deref'd type for type with indirection 1");
  }
  let r = Object.getPrototypeOf(t);
  if (r.indirection !== t.indirection - 1) {
    r = Object.create(t);
    r.indirection--;
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
    rtn = types[type];
    if (rtn) return rtn;
    let s = type.replace(/\s+/g, '');
    s = s.replace(/^const/, '');
    let count = 0;
    s = s.replace(/\*/g, () => { count++; return ''; });
    const lower = s.toLowerCase();
    if (lower === 'pointer') { rtn = types.void; count++; }
    else if (lower === 'string') rtn = types.CString;
    else rtn = types[s] || types[lower];
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
      get() { throw makeError('ERR_REFFI_ARG_TYPE', 'unknown "type"; cannot get()'); },
      set() { throw makeError('ERR_REFFI_ARG_TYPE', 'unknown "type"; cannot set()'); },
    };
  }
  return coerceType(buffer.type);
}

function get(buffer, offset, type) {
  checkBuffer('get', buffer);
  offset = offset || 0;
  type = type ? coerceType(type) : getType(buffer);
  if (type.indirection === 1) {
    if (type.size > 0) checkOffset('get', buffer, offset, type.size);
    return type.get(buffer, offset);
  }
  if (type.indirection > 1) {
    const size = type.indirection === 2 ? type.size : POINTER_SIZE;
    const r = readPointer(buffer, offset, size);
    r.type = derefType(type);
    return r;
  }
  throw makeError('ERR_REFFI_ARG_TYPE', '"type" object with indirection level 0 found');
}

function set(buffer, offset, value, type) {
  checkBuffer('set', buffer);
  offset = offset || 0;
  type = type ? coerceType(type) : getType(buffer);
  if (type.indirection === 1) {
    if (type.size > 0) checkOffset('set', buffer, offset, type.size);
    type.set(buffer, offset, value);
  } else if (type.indirection > 1) {
    writePointer(buffer, offset, value);
  } else {
    throw makeError('ERR_REFFI_ARG_TYPE', '"type" object with indirection level 0 found');
  }
}

function alloc(type, value) {
  const t = coerceType(type);
  const size = t.indirection === 1 ? t.size : POINTER_SIZE;
  const buffer = Buffer.alloc(size);
  buffer.type = t;
  if (arguments.length >= 2) set(buffer, 0, value, t);
  return buffer;
}

function deref(buffer) {
  checkBuffer('deref', buffer);
  if (isNull(buffer)) throw makeError('ERR_REFFI_NULL_POINTER', 'deref: cannot dereference a NULL pointer');
  return get(buffer, 0, getType(buffer));
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

module.exports = {
  types, sizeof, alignof, endianness,
  NULL, NULL_POINTER,
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
  // reffi internals shared with the other modules (not part of ref-napi's API)
  _internal: { kAddr, kKind, kRefs, pointerBuffer, nullBuffer, attach, checkInt, checkNumber, toBigInt64, fromBigInt64, isType, POINTER_SIZE, LE },
};

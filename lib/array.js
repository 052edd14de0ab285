'use strict';
// reffi/array — drop-in for ref-array-di. Usable bound to reffi's own ref
// module (`require('reffi/array')(type, length)`) or with a ref module
// injected (`require('reffi/array')(ref)` returns ArrayType bound to it).
//
// `ArrayType(type[, length])` returns a constructor that doubles as a ref
// "type":
// - fixed length (`length > 0`): size = length * element size, the type of
//   a C array field (`int v[4]`); its descriptor `[elem;N]` makes it usable
//   inside structs and unions, and by value (as a struct of N elements);
// - variable length: pointer-sized, stored/passed as a pointer to the first
//   element (`int *`), like ref-array-di.
// Instances are Proxies: `a[i]` reads/writes element i through the element
// type; an index outside [0, length) throws ERR_REFFI_OUT_OF_BOUNDS.

const util = require('util');
const { MAX_LENGTH: BUFFER_MAX_LENGTH } = require('buffer').constants;
const native = require('./internal/native');
const { kDesc } = require('./internal/lower');
const { makeError, describe, isRevokedProxy, guardRevoked, revokedProxyError } = require('./internal/errors');
const { _internal } = require('./struct');

const { coerceFieldType, fieldDesc, checkTarget, isForeignInstance, toBuffer, keepWith, kVarArray, kRecordKind } = _internal;
const kTarget = Symbol('reffi.arrayTarget');
const kWide = Symbol('reffi.arrayWide');

const INDEX_RE = /^(?:0|[1-9][0-9]*)$/;
const NEG_RE = /^-(?:[1-9][0-9]*)$/;

function isIndexKey(key) {
  if (typeof key !== 'string' || key.length === 0) return false;
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && INDEX_RE.test(key) && key.length < 16;
}

function makeArrayFactory(R) {
  const PTR = (R.sizeof && R.sizeof.pointer) || native.POINTER_SIZE;
  const PTR_ALIGN = (R.alignof && R.alignof.pointer) || PTR;

  // ---- element access ---------------------------------------------------------

  /** The Buffer and byte offset holding element `i` of `self` (a Proxy target). */
  function locate(self, i, what) {
    const len = self.length;
    if (!(i < len)) {
      throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
        what + ' index ' + i + ' is out of range for an array of length ' + len);
    }
    const A = self.constructor;
    const size = A.BYTES_PER_ELEMENT;
    const off = i * size;
    const end = off + size;
    let buf = self.buffer;
    if (buf.length < end) {
      if (buf.length === 0) {
        // A pointer of unknown extent (from C), given a length by the user:
        // view len elements of it, as ref-array does.
        if (R.isNull(buf)) {
          throw makeError('ERR_REFFI_NULL_POINTER', what + ' index ' + i + ': the array is backed by a NULL pointer');
        }
        let w = self[kWide];
        if (w === undefined || w.src !== buf || w.buf.length < end) {
          w = { src: buf, buf: R.reinterpret(buf, len * size, 0) };
          self[kWide] = w;
        }
        buf = w.buf;
      } else {
        throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
          what + ' index ' + i + ' is past the end of the array\'s ' + buf.length + '-byte buffer');
      }
    }
    return [buf, off];
  }

  function getAt(self, i) {
    const [buf, off] = locate(self, i, 'read at');
    return R.get(buf, off, self.constructor.type);
  }

  function setAt(self, i, value) {
    const [buf, off] = locate(self, i, 'write at');
    try {
      R.set(buf, off, value, self.constructor.type);
    } catch (e) {
      const err = makeError(e.code || 'ERR_REFFI_ARG_TYPE', 'array element ' + i + ': ' + e.message);
      err.cause = e;
      throw err;
    }
  }

  const handler = {
    get(target, key, receiver) {
      if (isIndexKey(key)) return getAt(target, Number(key));
      if (key === kTarget) return target;
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      if (isIndexKey(key)) {
        setAt(target, Number(key), value);
        return true;
      }
      if (typeof key === 'string' && NEG_RE.test(key)) {
        throw makeError('ERR_REFFI_OUT_OF_BOUNDS', 'write at index ' + key + ' is out of range for an array of length ' + target.length);
      }
      return Reflect.set(target, key, value, receiver === undefined ? target : receiver);
    },
    has(target, key) {
      if (isIndexKey(key)) return Number(key) < target.length;
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      const keys = [];
      const n = Math.min(target.length >>> 0, 1 << 20);
      for (let i = 0; i < n; i++) keys.push(String(i));
      return keys.concat(Reflect.ownKeys(target));
    },
    getOwnPropertyDescriptor(target, key) {
      if (isIndexKey(key)) {
        const i = Number(key);
        if (i >= target.length) return undefined;
        return { value: getAt(target, i), writable: true, enumerable: true, configurable: true };
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    defineProperty(target, key, desc) {
      if (isIndexKey(key)) {
        if (!('value' in desc)) {
          throw makeError('ERR_REFFI_ARG_TYPE', 'array elements cannot be accessor properties');
        }
        setAt(target, Number(key), desc.value);
        return true;
      }
      return Reflect.defineProperty(target, key, desc);
    },
    deleteProperty(target, key) {
      if (isIndexKey(key)) return false;
      return Reflect.deleteProperty(target, key);
    },
  };

  function own(obj, key, value) {
    Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
  }

  // ---- instance methods ----------------------------------------------------------

  const proto = {};
  function method(name, fn) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  function self(obj) {
    return (obj && obj[kTarget]) || obj;
  }

  method('toArray', function toArray() {
    const t = self(this);
    const out = new Array(t.length);
    for (let i = 0; i < t.length; i++) out[i] = getAt(t, i);
    return out;
  });
  method('toJSON', function toJSON() { return this.toArray(); });
  method('toString', function toString() { return this.toArray().join(','); });
  method('inspect', function inspect() { return util.inspect(this.toArray()); });
  method(util.inspect.custom, function (depth, options, inspect) {
    return (inspect || util.inspect)(this.toArray(), options);
  });
  method(Symbol.iterator, function* iterator() {
    const t = self(this);
    for (let i = 0; i < t.length; i++) yield getAt(t, i);
  });
  method('slice', function slice(start, end) {
    const t = self(this);
    const len = t.length;
    let s = start === undefined ? 0 : Math.trunc(Number(start)) || 0;
    let e = end === undefined ? len : Math.trunc(Number(end)) || 0;
    if (s < 0) s = Math.max(len + s, 0); else s = Math.min(s, len);
    if (e < 0) e = Math.max(len + e, 0); else e = Math.min(e, len);
    const n = Math.max(e - s, 0);
    const A = t.constructor;
    const size = A.BYTES_PER_ELEMENT;
    let buf = t.buffer;
    if (n > 0 && buf.length < e * size) buf = locate(t, e - 1, 'slice at')[0];
    return new A(buf.subarray(s * size, (s + n) * size), n);
  });
  // ref-array-di: a pointer to the backing buffer (`int (*)[]` / `int **`)
  // whose deref() gives back an array over the same memory.
  method('ref', function ref() {
    const t = self(this);
    const A = t.constructor;
    const origSize = t.buffer.length;
    const r = Buffer.alloc(PTR);
    R.writePointer(r, 0, t.buffer);
    r.type = {
      name: 'ArrayRef',
      size: PTR,
      alignment: PTR_ALIGN,
      indirection: 1,
      get(buf, offset) {
        const p = R.readPointer(buf, offset || 0, origSize);
        return new A(p, origSize / A.BYTES_PER_ELEMENT);
      },
      set(buf, offset, value) {
        if (!(value instanceof A)) {
          throw makeError('ERR_REFFI_ARG_TYPE', 'expected an array of this type, got ' + describe(value));
        }
        R.writePointer(buf, offset || 0, value.buffer);
      },
    };
    return r;
  });
  Object.defineProperty(proto, 'ref.buffer', {
    get() { return this.buffer; },
    set(v) { this.buffer = v; },
    configurable: true,
    enumerable: false,
  });

  // ---- the type's get/set ------------------------------------------------------------

  // fixed length: the elements are stored inline
  function get(buffer, offset) {
    offset = offset === undefined ? 0 : offset;
    checkTarget('ArrayType.get', this, buffer, offset);
    return new this(buffer.subarray(offset, offset + this.size));
  }

  function set(buffer, offset, value) {
    offset = offset === undefined ? 0 : offset;
    checkTarget('ArrayType.set', this, buffer, offset);
    if (isRevokedProxy(value)) throw revokedProxyError('ArrayType.set');
    const A = this;
    const n = A.fixedLength;
    if (value instanceof A && self(value).length === n) {
      const src = value.buffer;
      if (src !== buffer || offset !== 0) toBuffer(src).copy(buffer, offset, 0, A.size);
      return;
    }
    if (typeof value === 'string' && A.BYTES_PER_ELEMENT === 1 && A.type.indirection === 1) {
      // char[N] from a JS string: UTF-8 bytes, NUL-terminated, rest zeroed
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length + 1 > n) {
        throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
          'a string of ' + bytes.length + ' bytes (plus its NUL) does not fit in a char[' + n + ']');
      }
      buffer.fill(0, offset, offset + n);
      bytes.copy(buffer, offset);
      return;
    }
    // another array type's instance is accepted when it holds the same element type
    const foreign = isForeignInstance(value, A) && !(value.constructor.type === A.type && value.constructor.BYTES_PER_ELEMENT);
    if (value === null || typeof value !== 'object' || typeof value.length !== 'number' || foreign) {
      throw makeError('ERR_REFFI_ARG_TYPE',
        'ArrayType.set: expected an array (or an instance of this array type), got ' + describe(value));
    }
    const len = value.length;
    if (len > n) {
      throw makeError('ERR_REFFI_OUT_OF_BOUNDS', 'cannot store ' + len + ' elements in an array of length ' + n);
    }
    const sub = buffer.subarray(offset, offset + A.size);
    const target = new A(sub);
    for (let i = 0; i < len; i++) target[i] = value[i];
    // What the elements point to (C strings) is kept alive by `sub`, so
    // `buffer` must keep `sub` (fuzzer finding K11).
    keepWith(R, buffer, 'set@' + offset, sub);
  }

  // variable length: stored as a pointer to the first element
  function getRef(buffer, offset) {
    return new this(R.readPointer(buffer, offset || 0));
  }

  function setRef(buffer, offset, value) {
    let ptr;
    if (value === null || value === undefined) ptr = R.NULL;
    else if (isRevokedProxy(value)) throw revokedProxyError('ArrayType.set');
    else if (value instanceof this) ptr = value.buffer;
    else if (isForeignInstance(value, this) && value.constructor.type === this.type && value.constructor.BYTES_PER_ELEMENT) {
      ptr = value.buffer; // another array type over the same element type (e.g. a fixed-length one)
    }
    else if (value instanceof Uint8Array) ptr = value;
    else if (Array.isArray(value)) ptr = new this(value).buffer;
    else {
      throw makeError('ERR_REFFI_ARG_TYPE',
        'expected an array of this type, a JS array, a Buffer or null, got ' + describe(value));
    }
    R.writePointer(buffer, offset || 0, ptr);
  }

  function untilZeros(buffer) {
    if (isRevokedProxy(buffer) || !(buffer instanceof Uint8Array)) {
      throw makeError('ERR_REFFI_ARG_TYPE', 'untilZeros: expected a Buffer, got ' + describe(buffer));
    }
    const size = this.BYTES_PER_ELEMENT;
    const b = R.reinterpretUntilZeros(buffer, size);
    return new this(b, Math.floor(b.length / size));
  }

  function toString() {
    return '[ArrayType]';
  }

  function allocArray(bytes) {
    if (!(bytes <= BUFFER_MAX_LENGTH)) {
      throw makeError('ERR_REFFI_ARG_RANGE', 'cannot allocate an array of ' + bytes + ' bytes: larger than a Buffer can hold');
    }
    return Buffer.alloc(bytes);
  }

  function ArrayTypeFactory(_type, _length) {
    return guardRevoked('ArrayType', () => defineArrayType(_type, _length));
  }

  function defineArrayType(_type, _length) {
    const type = coerceFieldType(R, _type, 'the element type of ArrayType');
    if (_length !== undefined && _length !== null && (typeof _length !== 'number' || !Number.isInteger(_length) || _length < 0)) {
      throw makeError('ERR_REFFI_ARG_RANGE', 'ArrayType: length must be a non-negative integer, got ' + describe(_length));
    }
    if (typeof _length === 'number' && _length > Number.MAX_SAFE_INTEGER) {
      throw makeError('ERR_REFFI_ARG_RANGE', 'ArrayType: length ' + _length + ' is too large');
    }
    const fixedLength = typeof _length === 'number' ? _length : 0;
    const BPE = type.indirection === 1 ? type.size : PTR;

    function ArrayType(data, length) {
      if (!(this instanceof ArrayType)) return new ArrayType(data, length);
      const size = ArrayType.BYTES_PER_ELEMENT;
      if (length !== undefined && length !== null &&
          (typeof length !== 'number' || !Number.isInteger(length) || length < 0)) {
        throw makeError('ERR_REFFI_ARG_RANGE', 'array length must be a non-negative integer, got ' + describe(length));
      }
      let len, buffer;
      if (data === undefined) {
        if (!(fixedLength > 0)) {
          throw makeError('ERR_REFFI_ARG_TYPE', 'a "length", "array" or "buffer" must be passed as the first argument');
        }
        len = fixedLength;
        buffer = allocArray(len * size);
      } else if (typeof data === 'number') {
        if (!Number.isInteger(data) || data < 0) {
          throw makeError('ERR_REFFI_ARG_RANGE', 'array length must be a non-negative integer, got ' + describe(data));
        }
        len = data;
        buffer = allocArray(len * size);
      } else if (isRevokedProxy(data)) {
        throw revokedProxyError('new ArrayType()');
      } else if (data instanceof Uint8Array) {
        if (length !== undefined && length !== null) len = length;
        else if (fixedLength > 0) len = fixedLength;
        else len = Math.floor(data.length / size);
        const expected = len * size;
        if (data.length < expected) {
          throw makeError('ERR_REFFI_OUT_OF_BOUNDS', 'buffer length must be at least ' + expected + ', got ' + data.length +
            (data.length === 0 ? ' (use ref.reinterpret() to give a pointer a size)' : ''));
        }
        buffer = data.length === expected ? toBuffer(data) : toBuffer(data).subarray(0, expected);
      } else if (Array.isArray(data) || (data instanceof ArrayType)) {
        const srcLen = data instanceof ArrayType ? data.length : data.length;
        if (length !== undefined && length !== null) len = length;
        else if (fixedLength > 0) len = fixedLength;
        else len = srcLen;
        if (srcLen < len) {
          throw makeError('ERR_REFFI_ARG_RANGE', 'array length must be at least ' + len + ', got ' + srcLen);
        }
        if (srcLen > len) {
          throw makeError('ERR_REFFI_OUT_OF_BOUNDS', 'cannot store ' + srcLen + ' elements in an array of length ' + len);
        }
        buffer = Buffer.alloc(len * size);
      } else {
        throw makeError('ERR_REFFI_ARG_TYPE',
          'could not determine how to create an array from ' + describe(data) + ' (expected a length, an array or a Buffer)');
      }
      own(this, 'buffer', buffer);
      own(this, 'length', len);
      const p = new Proxy(this, handler);
      if (Array.isArray(data) || data instanceof ArrayType) {
        for (let i = 0; i < len; i++) setAt(this, i, data[i]);
      }
      return p;
    }
    // (no defineProperty of `name`: the function is already called
    // ArrayType, and redefining it makes the function object a slow
    // dictionary-mode object, see lib/struct.js)
    ArrayType.prototype = Object.create(proto, {
      constructor: { value: ArrayType, enumerable: false, writable: true, configurable: true },
    });
    if (fixedLength > 0) ArrayType.fixedLength = fixedLength;
    ArrayType.type = type;
    ArrayType.BYTES_PER_ELEMENT = BPE;
    ArrayType.indirection = 1;
    if (fixedLength > 0) {
      const desc = '[' + fieldDesc(type, R) + ';' + fixedLength + ']';
      const l = native.layout(desc);
      ArrayType.size = BPE * fixedLength;
      ArrayType.alignment = l[1];
      ArrayType.get = get;
      ArrayType.set = set;
      ArrayType[kRecordKind] = 'array';
      ArrayType[kDesc] = function () { return desc; };
    } else {
      ArrayType.size = PTR;
      ArrayType.alignment = PTR_ALIGN;
      ArrayType.get = getRef;
      ArrayType.set = setRef;
      ArrayType[kVarArray] = true;
    }
    ArrayType.untilZeros = untilZeros;
    ArrayType.toString = toString;
    return ArrayType;
  }
  Object.defineProperty(ArrayTypeFactory, 'name', { value: 'ArrayType' });
  return ArrayTypeFactory;
}

const { exported } = _internal.dualExport(makeArrayFactory);

module.exports = exported;

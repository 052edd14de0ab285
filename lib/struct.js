'use strict';
// reffi/struct — drop-in for ref-struct-di. Usable bound to reffi's own ref
// module (`require('reffi/struct')({...})`) or with a ref module injected
// (`require('reffi/struct')(ref)` returns the Struct factory bound to it).
//
// A struct type is a constructor that doubles as a ref "type" object
// (size, alignment, indirection 1, get, set). Layouts come from the engine
// (`native.layout(descriptor)`), so JS and C agree by construction. The type
// also carries `Symbol.for('reffi.descriptor')` (a function, evaluated when
// the type is first used by value in a signature or as a field of another
// aggregate), which is how the engine passes it by value.
//
// The record machinery here is shared with reffi/union (see `_internal`).

const util = require('util');
const refDefault = require('./ref');
const native = require('./internal/native');
const { lower, kDesc, kFunctionType, descForSize } = require('./internal/lower');
const { makeError, describe, isRevokedProxy, guardRevoked, revokedProxyError } = require('./internal/errors');

const { kKind } = refDefault._internal;
const kFinal = Symbol('reffi.finalized');
// The backing Buffer of an instance. 'ref.buffer' is an accessor over it on
// the prototype: cheaper than defining a non-enumerable own property per
// instance, and still invisible to Object.keys / for-in / JSON.
const kBuf = Symbol('reffi.buffer');
const kOrder = Symbol('reffi.fieldOrder');
const kRecordKind = Symbol.for('reffi.recordKind'); // 'struct' | 'union' | 'array'
const kVarArray = Symbol.for('reffi.varArray'); // variable-length ArrayType (a pointer)

// ---- helpers shared with array.js and union.js ---------------------------------

/** True when `x` looks like a ref module (reffi/ref, ref-napi, ...). */
function isRefModule(x) {
  return x !== null && typeof x === 'object' && !isRevokedProxy(x) &&
    typeof x.coerceType === 'function' && typeof x.refType === 'function' &&
    typeof x.get === 'function' && typeof x.set === 'function' &&
    x.types !== null && typeof x.types === 'object';
}

/** A module export usable both ways: `mod(ref)` → factory bound to `ref`, else the bound factory. */
function dualExport(makeFactory) {
  const factories = new WeakMap();
  const bound = makeFactory(refDefault);
  factories.set(refDefault, bound);
  function forRef(R) {
    let f = factories.get(R);
    if (!f) {
      for (const fn of ['get', 'set', 'readPointer', 'writePointer', 'reinterpret', 'reinterpretUntilZeros', 'isNull']) {
        if (typeof R[fn] !== 'function') {
          throw makeError('ERR_REFFI_ARG_TYPE', 'the injected ref module has no ' + fn + '() function');
        }
      }
      f = makeFactory(R);
      factories.set(R, f);
    }
    return f;
  }
  const exported = function () {
    if (arguments.length === 1 && isRefModule(arguments[0])) return forRef(arguments[0]);
    return bound.apply(this, arguments);
  };
  Object.defineProperty(exported, 'name', { value: bound.name });
  return { exported, bound, forRef };
}

/** Coerces a field/element type, with a clear error naming where it was used. */
function coerceFieldType(R, type, where) {
  let t;
  try {
    t = R.coerceType(type);
  } catch (e) {
    const err = makeError(e.code === 'ERR_REFFI_UNKNOWN_TYPE' || !e.code ? 'ERR_REFFI_UNKNOWN_TYPE' : e.code,
      where + ': ' + e.message);
    err.cause = e;
    throw err;
  }
  if (t === null || (typeof t !== 'object' && typeof t !== 'function') ||
      typeof t.size !== 'number' || typeof t.indirection !== 'number') {
    throw makeError('ERR_REFFI_UNKNOWN_TYPE', where + ': expected a "type" object, got ' + describe(type));
  }
  if (!(t.indirection >= 1)) {
    throw makeError('ERR_REFFI_INVALID_TYPE', where + ': "type" object with indirection ' + t.indirection);
  }
  if (t.indirection === 1 && !(t.size > 0)) {
    throw makeError('ERR_REFFI_INVALID_TYPE',
      where + ': type ' + (t.name ? '"' + t.name + '" ' : '') + 'has size ' + t.size + ' (void or an empty struct cannot be stored)');
  }
  return t;
}

const FOREIGN_FLOAT = { float: 'f32', double: 'f64' };

/**
 * Engine descriptor of a field/element type. Aggregates report their own
 * (and are finalized by it: the parent's layout depends on theirs).
 */
function fieldDesc(t, R) {
  if (t.indirection > 1) return 'p';
  const d = t[kDesc];
  if (typeof d === 'function') return d();
  if (typeof d === 'string') return d;
  if (t[kVarArray]) return 'p';
  if (t[kKind] !== undefined || t[kFunctionType]) return lower(t).desc;
  // A type object from another ref implementation (or a custom type):
  // floats by name (they travel in SSE registers), everything else by size.
  const f = FOREIGN_FLOAT[t.name];
  if (f && t.size === (f === 'f32' ? 4 : 8)) return f;
  const ptr = (R && R.alignof && R.alignof.pointer) || native.POINTER_SIZE;
  return descForSize(t.size, t.alignment || Math.min(ptr, t.size));
}

/** Re-throws an error from a field/element setter with the field named. */
function fieldError(where, e) {
  const code = !e || !e.code || e.code === 'ERR_REFFI_ARG_TYPE' ? 'ERR_REFFI_FIELD_TYPE' : e.code;
  const err = makeError(code, where + ': ' + (e && e.message ? e.message : String(e)));
  err.cause = e;
  return err;
}

function checkTarget(fn, T, buffer, offset) {
  if (isRevokedProxy(buffer) || !(buffer instanceof Uint8Array)) {
    throw makeError('ERR_REFFI_ARG_TYPE', fn + ': expected a Buffer, got ' + describe(buffer));
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw makeError('ERR_REFFI_ARG_RANGE', fn + ': offset must be a non-negative integer, got ' + describe(offset));
  }
  if (offset + T.size > buffer.length) {
    throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
      fn + ': a ' + T.size + '-byte ' + (T[kRecordKind] || 'value') + ' at offset ' + offset + ' does not fit in a ' +
      buffer.length + '-byte Buffer' + (buffer.length === 0 ? ' (use ref.reinterpret() to give a pointer a size)' : ''));
  }
}

/** `v` is an instance of some other struct/union/array type than `T`. */
function isForeignInstance(v, T) {
  if (v === null || typeof v !== 'object' || v instanceof T) return false;
  if (!(v['ref.buffer'] instanceof Uint8Array)) return false;
  return typeof v.constructor === 'function' && v.constructor !== T;
}

/**
 * Keeps `value` alive as long as `buffer` under `key` (a later keep under
 * the same key replaces it): reffi's keyed attach, or ref-napi's `_attach`
 * for an injected ref module without it.
 */
function keepWith(R, buffer, key, value) {
  if (R._internal && typeof R._internal.attach === 'function') R._internal.attach(buffer, key, value);
  else if (typeof R._attach === 'function') R._attach(buffer, value);
}

function toBuffer(b) {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

// ---- the record (struct / union) factory -------------------------------------------

function makeRecordFactory(R, kind) {
  const isUnion = kind === 'union';
  const TypeName = isUnion ? 'UnionType' : 'StructType';
  const fieldsKey = isUnion ? 'allFields' : 'fields';

  // Base prototype of every instance made by this factory.
  const proto = {};
  function method(name, fn) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(proto, 'ref.buffer', {
    configurable: true,
    enumerable: false,
    get() { const b = this[kBuf]; return b === undefined ? R.NULL : b; },
    set(v) { this[kBuf] = v; },
  });
  // reffi's own ref module hands out pooled Buffers that know their address.
  const direct = R === refDefault;
  const allocStore = R._internal && typeof R._internal.allocPooled === 'function'
    ? R._internal.allocPooled : (n) => Buffer.alloc(n);
  method('ref', function ref() { return this['ref.buffer']; });
  method('toObject', function toObject() {
    const obj = {};
    for (const f of this.constructor[kOrder]) obj[f.name] = this[f.name];
    return obj;
  });
  method('toJSON', function toJSON() { return this.toObject(); });
  method('inspect', function inspect() { return util.inspect(this.toObject()); });
  method(util.inspect.custom, function (depth, options, inspect) {
    return (inspect || util.inspect)(this.toObject(), options);
  });

  function descriptor(T) {
    const order = T[kOrder];
    if (order.length === 0) {
      throw makeError('ERR_REFFI_INVALID_TYPE', 'an empty ' + kind + ' (no fields) cannot be passed by value or stored in another type');
    }
    const inner = order.map((f) => f.desc).join(',');
    return isUnion ? '<' + inner + '>' : (T.isPacked ? '!{' : '{') + inner + '}';
  }

  function recalc(T) {
    const order = T[kOrder];
    if (order.length === 0) {
      T.size = 0;
      T.alignment = 1;
      return;
    }
    const l = native.layout(descriptor(T));
    T.size = l[0];
    T.alignment = l[1];
    for (let i = 0; i < order.length; i++) order[i].field.offset = l[2 + i];
  }

  function get(buffer, offset) {
    offset = offset === undefined ? 0 : offset;
    checkTarget(TypeName + '.get', this, buffer, offset);
    return new this(buffer.subarray(offset, offset + this.size));
  }

  function set(buffer, offset, value) {
    offset = offset === undefined ? 0 : offset;
    checkTarget(TypeName + '.set', this, buffer, offset);
    const size = this.size;
    if (isRevokedProxy(value)) throw revokedProxyError(TypeName + '.set');
    if (value instanceof this) {
      const src = value['ref.buffer'];
      if (src !== buffer || offset !== 0) toBuffer(src).copy(buffer, offset, 0, size);
      return;
    }
    if (value instanceof Uint8Array) {
      if (value.length < size) {
        throw makeError('ERR_REFFI_OUT_OF_BOUNDS',
          TypeName + '.set: a ' + value.length + '-byte Buffer is smaller than the ' + size + '-byte ' + kind);
      }
      toBuffer(value).copy(buffer, offset, 0, size);
      return;
    }
    if (value === null || typeof value !== 'object') {
      throw makeError('ERR_REFFI_ARG_TYPE',
        TypeName + '.set: expected a ' + kind + ' instance or an object of its fields, got ' + describe(value));
    }
    if (isForeignInstance(value, this)) {
      throw makeError('ERR_REFFI_ARG_TYPE',
        TypeName + '.set: expected an instance of this ' + kind + ' type (or a plain object of its fields), got an instance of another type (' +
        describe(value) + ')');
    }
    const sub = buffer.subarray(offset, offset + size);
    // eslint-disable-next-line new-cap
    new this(sub, value);
    // Memory the fields point to (a C string made for a `char *` field) is
    // kept alive by the Buffer it was written into: that is `sub`, so
    // `buffer` must keep `sub` (fuzzer finding K11).
    keepWith(R, buffer, 'set@' + offset, sub);
  }

  function toString() {
    return '[' + TypeName + ']';
  }

  function defineProperty(name, type) {
    const T = this;
    if (typeof name !== 'string') {
      throw makeError('ERR_REFFI_ARG_TYPE', TypeName + '.defineProperty: expected a "string" field name, got ' + describe(name));
    }
    if (T[kFinal]) {
      throw makeError('ERR_REFFI_INVALID_TYPE', 'cannot add field "' + name + '": this ' + kind +
        ' type is already in use (an instance was created or its layout was used), so its layout is final');
    }
    const t = coerceFieldType(R, type, 'field "' + name + '" of ' + kind);
    if (name in T.prototype) {
      throw makeError('ERR_REFFI_INVALID_TYPE', 'the field "' + name + '" already exists in this ' + kind + ' type' +
        (Object.prototype.hasOwnProperty.call(T[fieldsKey], name) ? '' : ' (the name is reserved)'));
    }
    const desc = fieldDesc(t, R);
    const field = { type: t, offset: 0 };
    T[kOrder].push({ name, field, desc });
    T[fieldsKey][name] = field;
    try {
      recalc(T);
    } catch (e) {
      T[kOrder].pop();
      delete T[fieldsKey][name];
      recalc(T);
      throw e;
    }
    const where = 'field "' + name + '"';
    const fast = direct && t.indirection === 1 && typeof t.get === 'function' && typeof t.set === 'function';
    Object.defineProperty(T.prototype, name, {
      enumerable: true,
      configurable: true,
      // The backing Buffer is at least the type's size (checked when the
      // instance is made), so with reffi's own ref module a scalar field goes
      // straight to its type; an injected ref module is always used as is.
      get() {
        const b = this['ref.buffer'];
        return fast ? t.get(b, field.offset) : R.get(b, field.offset, t);
      },
      set(value) {
        try {
          const b = this['ref.buffer'];
          if (fast) t.set(b, field.offset, value);
          else R.set(b, field.offset, value, t);
        } catch (e) {
          throw fieldError(where, e);
        }
      },
    });
    return T;
  }

  function Record(spec, opts) {
    return guardRevoked(TypeName, () => defineRecord(spec, opts));
  }

  function defineRecord(spec, opts) {
    if (opts !== undefined && opts !== null && typeof opts !== 'object') {
      throw makeError('ERR_REFFI_ARG_TYPE', TypeName + ': options must be an object, got ' + describe(opts));
    }
    // The constructor gets its name ('StructType' / 'UnionType') from the
    // computed key: redefining a function's `name` with defineProperty turns
    // the function object into a dictionary, and then every `Type.size`,
    // `instanceof Type` and the wrappers' `new Type(buffer)` took V8's slow
    // generic paths (~250 ns per struct returned by value).
    let keeper; // one live instance: see the end of the constructor
    const Type = { [TypeName]: function (arg, data) {
      if (!(this instanceof Type)) return new Type(arg, data);
      if ((!ArrayBuffer.isView(arg) && isRevokedProxy(arg)) || isRevokedProxy(data)) throw revokedProxyError('new ' + TypeName + '()');
      let store;
      if (arg instanceof Uint8Array) {
        if (arg.length < Type.size) {
          throw makeError('ERR_REFFI_OUT_OF_BOUNDS', 'a ' + arg.length + '-byte Buffer is too small to back this ' + kind +
            ' type (' + Type.size + ' bytes)' + (arg.length === 0 ? '; use ref.reinterpret() to give a pointer a size' : ''));
        }
        store = toBuffer(arg);
        arg = data;
      } else {
        store = allocStore(Type.size);
      }
      if (arg !== undefined && arg !== null && typeof arg !== 'object') {
        throw makeError('ERR_REFFI_ARG_TYPE', 'new ' + TypeName + '(): expected a Buffer or an object of field values, got ' + describe(arg));
      }
      if (isForeignInstance(arg, Type)) {
        throw makeError('ERR_REFFI_ARG_TYPE',
          'new ' + TypeName + '(): expected field values, got an instance of another type (' + describe(arg) + ')');
      }
      try { store.type = Type; } catch (_) { /* frozen Buffer */ }
      this[kBuf] = store;
      if (Type[kFinal] !== true) Type[kFinal] = true;
      if (Type._instanceCreated !== true) Type._instanceCreated = true;
      if (arg) {
        // eslint-disable-next-line guard-for-in
        for (const key in arg) this[key] = arg[key];
      }
      if (keeper === undefined) {
        // V8 holds the hidden class of the instances (reached by adding
        // kBuf) only weakly: when no instance survives a full GC (structs
        // returned by value are usually dropped at once) it dies, and every
        // function optimised for it is deoptimised ("weak objects") and
        // recompiled after each full GC. One instance per type, over its own
        // small Buffer, pins it (as keepShape in lib/ref.js does for Buffers).
        keeper = null;
        keeper = new Type(Buffer.alloc(Math.max(Type.size, 1)));
      }
    } }[TypeName];
    Type.prototype = Object.create(proto, {
      constructor: { value: Type, enumerable: false, writable: true, configurable: true },
    });
    Type.defineProperty = defineProperty;
    Type.toString = toString;
    Type[fieldsKey] = {};
    if (isUnion) Type.fields = Type.allFields;
    Type.size = 0;
    Type.alignment = 1;
    Type.indirection = 1;
    if (!isUnion) Type.isPacked = Boolean(opts && opts.packed);
    Type.get = get;
    Type.set = set;
    Type[kOrder] = [];
    Type[kRecordKind] = kind;
    Type[kDesc] = function () {
      const d = descriptor(Type);
      Type[kFinal] = true;
      return d;
    };

    if (spec !== undefined && spec !== null) {
      if (Array.isArray(spec)) {
        // legacy form: [[type, name], ...]
        for (const entry of spec) {
          if (!Array.isArray(entry) || entry.length < 2) {
            throw makeError('ERR_REFFI_ARG_TYPE', TypeName + ': the array form expects [type, name] pairs, got ' + describe(entry));
          }
          Type.defineProperty(entry[1], entry[0]);
        }
      } else if (typeof spec === 'object') {
        for (const name of Object.keys(spec)) Type.defineProperty(name, spec[name]);
      } else {
        throw makeError('ERR_REFFI_ARG_TYPE', TypeName + ': expected an object of field types, got ' + describe(spec));
      }
    }
    return Type;
  }
  Object.defineProperty(Record, 'name', { value: isUnion ? 'Union' : 'Struct' });
  return Record;
}

const { exported } = dualExport((R) => makeRecordFactory(R, 'struct'));

Object.defineProperty(exported, '_internal', {
  value: {
    isRefModule, dualExport, coerceFieldType, fieldDesc, fieldError, checkTarget, isForeignInstance, toBuffer, keepWith,
    makeRecordFactory, kRecordKind, kVarArray, kOrder, kFinal,
  },
});

module.exports = exported;

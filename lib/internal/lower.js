'use strict';
// Lowers ref-style type objects to engine descriptors (see src/types.rs)
// and to the "kind" the code generator uses for conversions. The result is
// cached per type object.

const ref = require('../ref');
const { makeError } = require('./errors');

const { kKind } = ref._internal;
const kDesc = Symbol.for('reffi.descriptor');
const kFunctionType = Symbol.for('reffi.functionType');

const BUILTIN = {};
for (const t of Object.values(ref.types)) if (t[kKind]) BUILTIN[t[kKind]] = t;

const cache = new WeakMap();

function descForSize(size, align) {
  if (size === 0) return 'v';
  if ((size === 1 || size === 2 || size === 4 || size === 8) && (align === undefined || align === size)) {
    return 'u' + size * 8;
  }
  return 'o' + size + ':' + (align || 1);
}

/**
 * @returns {{type, kind, desc, size}} kind is one of the builtin kinds
 *   (v b i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 s), 'p' (any pointer),
 *   'agg' (struct/union/array by value), 'fn' (ffi.Function) or 'custom'.
 */
function lower(type) {
  const t = ref.coerceType(type);
  let r = cache.get(t);
  if (r) return r;
  if (t.indirection > 1) {
    r = { type: t, kind: 'p', desc: 'p', size: ref.sizeof.pointer };
  } else if (t.indirection !== 1) {
    throw makeError('ERR_REFFI_INVALID_TYPE', 'type "' + (t.name || '?') + '" has indirection ' + t.indirection);
  } else if (typeof t[kDesc] === 'string' || typeof t[kDesc] === 'function') {
    const desc = typeof t[kDesc] === 'function' ? t[kDesc]() : t[kDesc];
    // The JS side allocates `t.size` bytes for by-value copies and results;
    // the engine uses the descriptor's layout: they must agree.
    const layoutSize = require('./native').layout(desc)[0];
    if (typeof t.size !== 'number' || layoutSize > t.size) {
      throw makeError('ERR_REFFI_INVALID_TYPE', 'type "' + (t.name || '?') + '" declares size ' + t.size +
        ' but its descriptor ' + JSON.stringify(desc) + ' needs ' + layoutSize + ' bytes');
    }
    r = { type: t, kind: 'agg', desc, size: t.size };
  } else if (t[kFunctionType]) {
    // A function pointer travels as a plain 64-bit integer: the ffi.Function
    // type's own get/set convert it (like a custom type).
    r = { type: t, kind: 'fn', desc: 'u64', size: t.size };
  } else {
    const k = t[kKind];
    const b = k && BUILTIN[k];
    if (b && t.get === b.get && t.set === b.set) {
      r = { type: t, kind: k, desc: k === 'b' ? 'b' : k, size: t.size };
    } else if (b) {
      // A custom type derived from CString travels as a raw 64-bit value:
      // its own get/set convert it.
      r = { type: t, kind: 'custom', desc: k === 's' ? 'u64' : k, size: t.size };
    } else {
      if (typeof t.size !== 'number' || t.size < 0 || !Number.isInteger(t.size)) {
        throw makeError('ERR_REFFI_INVALID_TYPE', 'type "' + (t.name || '?') + '" has no valid size');
      }
      r = { type: t, kind: t.size === 0 ? 'v' : 'custom', desc: descForSize(t.size, t.alignment), size: t.size };
    }
  }
  if ((r.kind === 'custom' || r.kind === 'agg') && (typeof t.get !== 'function' || typeof t.set !== 'function')) {
    throw makeError('ERR_REFFI_INVALID_TYPE', 'type "' + (t.name || '?') + '" has no get()/set() functions');
  }
  cache.set(t, r);
  return r;
}

module.exports = { lower, kDesc, kFunctionType, descForSize };

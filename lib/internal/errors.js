'use strict';
// Errors with stable codes. Every error reffi throws on bad input carries a
// `code` starting with ERR_REFFI_.

const CLASSES = {
  ERR_REFFI_ARG_TYPE: TypeError,
  ERR_REFFI_ARG_COUNT: TypeError,
  ERR_REFFI_ARG_RANGE: RangeError,
  ERR_REFFI_UNKNOWN_TYPE: TypeError,
  ERR_REFFI_INVALID_TYPE: TypeError,
  ERR_REFFI_UNSUPPORTED: TypeError,
  ERR_REFFI_OUT_OF_BOUNDS: RangeError,
  ERR_REFFI_NULL_POINTER: Error,
  ERR_REFFI_LIBRARY_NOT_FOUND: Error,
  ERR_REFFI_SYMBOL_NOT_FOUND: Error,
  ERR_REFFI_LIBRARY_CLOSED: Error,
  ERR_REFFI_CALLBACK_RELEASED: Error,
  ERR_REFFI_CALLBACK_THREAD_BLOCKED: Error,
  ERR_REFFI_FIELD_TYPE: TypeError,
  ERR_REFFI_CDECL_SYNTAX: SyntaxError,
  ERR_REFFI_CDECL_UNSUPPORTED: TypeError,
  ERR_REFFI_CDECL_CONSTANT: TypeError,
  ERR_REFFI_CDECL_REDEFINITION: TypeError,
  ERR_REFFI_INTERNAL: Error,
};

function makeError(code, message) {
  const C = CLASSES[code] || Error;
  const e = new C(message);
  e.code = code;
  return e;
}

function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return v + 'n';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (Buffer.isBuffer(v)) return 'Buffer(' + v.length + ')';
  if (typeof v === 'function') return 'function ' + (v.name || '(anonymous)');
  if (typeof v === 'object') return (v.constructor && v.constructor.name) || 'object';
  return typeof v;
}

module.exports = { makeError, describe, CLASSES };

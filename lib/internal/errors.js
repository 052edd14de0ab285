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
  ERR_REFFI_DETACHED_BUFFER: TypeError,
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

/**
 * True for a revoked Proxy, on which every operation throws V8's uncoded
 * TypeError. Runs no trap: Array.isArray() looks through a live Proxy to its
 * target and throws only when it meets a revoked one.
 */
function isRevokedProxy(v) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  try {
    Array.isArray(v);
    return false;
  } catch (_) {
    return true;
  }
}

/** V8's TypeError for an operation on a revoked Proxy (reffi touched one before it could check). */
function isRevokedProxyError(e) {
  return e instanceof TypeError && e.code === undefined && /proxy that has been revoked/.test(e.message);
}

/**
 * Runs `fn`; V8's TypeError from a revoked Proxy found anywhere in the
 * arguments becomes ERR_REFFI_ARG_TYPE (for the cold entry points: type
 * definitions, bindings, callbacks). Everything else propagates as is.
 */
function guardRevoked(where, fn) {
  try {
    return fn();
  } catch (e) {
    if (isRevokedProxyError(e)) throw revokedProxyError(where, e);
    throw e;
  }
}

function revokedProxyError(where, cause) {
  const err = makeError('ERR_REFFI_ARG_TYPE', where + ': got a revoked Proxy where a value was expected');
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** A short description of any value for messages. Never throws, runs no Proxy trap of a revoked Proxy. */
function describe(v) {
  if (isRevokedProxy(v)) return 'a revoked Proxy';
  try {
    const s = describeValue(v);
    // (a `constructor.name` can be anything, even a Symbol)
    return typeof s === 'string' ? s : typeof v;
  } catch (_) {
    // A Proxy whose traps throw.
    return typeof v === 'function' ? 'function' : 'object';
  }
}

function describeValue(v) {
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

module.exports = { makeError, describe, CLASSES, isRevokedProxy, isRevokedProxyError, guardRevoked, revokedProxyError };

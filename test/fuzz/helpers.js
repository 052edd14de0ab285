'use strict';
// Helpers that make the fuzzer's special values. Reproducer scripts printed
// by the harness `require` this file as `H`, so a value's `src` (a JS
// expression) can use them.

const ref = require('../../lib/ref');

/** Marks errors thrown by the fuzzer's own code (callbacks, proxies, custom types). */
const USER_ERROR = Symbol.for('reffi.fuzz.userError');

function userError(what) {
  const e = new Error('fuzz: user code threw (' + what + ')');
  e[USER_ERROR] = true;
  return e;
}

function isUserError(e) {
  return e !== null && typeof e === 'object' && e[USER_ERROR] === true;
}

/** A Buffer of n bytes whose ArrayBuffer was transferred away (detached); `cached`: its address was read first. */
function detached(n, cached) {
  const b = Buffer.alloc(n, 0x41);
  if (cached) ref.address(b);
  structuredClone(b.buffer, { transfer: [b.buffer] });
  return b;
}

/** A Proxy whose every trap throws a user error. */
function throwingProxy() {
  const t = () => { throw userError('proxy trap'); };
  return new Proxy({}, {
    get: t, has: t, ownKeys: t, getPrototypeOf: t, getOwnPropertyDescriptor: t, set: t, defineProperty: t,
  });
}

/** A revoked Proxy: every operation on it throws a TypeError (from V8, caused by the value). */
function revokedProxy() {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}

/** A NUL-terminated copy of `s` (UTF-8), optionally with extra bytes after the NUL. */
function cstr(s, tail) {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0]), Buffer.alloc(tail || 0, 0x5a)]);
}

/** Bytes 0..n-1 set to a pattern from `seed`. */
function pattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 13 + i * 7) & 255;
  return b;
}

/** A view of `n` bytes over `buf`'s memory made by ref.reinterpret (foreign memory, n <= buf.length). */
const FOREIGN_BASE = new WeakMap();
function foreign(buf, n) {
  const v = ref.reinterpret(buf, n, 0);
  // A 0-byte pointer Buffer has no memory of its own (its address is only
  // recorded on it): the oracle takes the address from `buf` instead.
  FOREIGN_BASE.set(v, buf);
  return v;
}

/** The Buffer a foreign() view was made over (at offset 0), or undefined. */
function foreignBase(v) {
  return FOREIGN_BASE.get(v);
}

/** An object with a `ref.buffer` (like a struct instance, but plain). */
function withRefBuffer(b) {
  return { 'ref.buffer': b };
}

/** A non-extensible Buffer (its address cannot be cached on it). */
function sealedBuffer(n) {
  return Object.preventExtensions(pattern(n, 3));
}

module.exports = {
  USER_ERROR, userError, isUserError, detached, throwingProxy, revokedProxy, cstr, pattern, foreign, foreignBase,
  withRefBuffer, sealedBuffer,
};

'use strict';
// Helpers shared by the test files (not a test file itself: scripts/test.js
// runs test/*.test.js).

const assert = require('node:assert');
const ref = require('../lib/ref');

/** The `code` of the error `fn` throws, or 'no error'. */
function codeOf(fn) {
  try {
    fn();
  } catch (e) {
    return e.code;
  }
  return 'no error';
}

// ---- the value model of test/native/structs.c (its EXP_* macros) --------------
// Leaf `i` of a struct, union or array filled with seed `s` holds
// EXP[kind](s, i); leaves are numbered depth-first across nested fields.

const t = ref.types;
const KIND = new Map([
  [t.int8, 'I8'], [t.uint8, 'U8'], [t.int16, 'I16'], [t.uint16, 'U16'], [t.int32, 'I32'], [t.uint32, 'U32'],
  [t.int64, 'I64'], [t.uint64, 'U64'], [t.float, 'F32'], [t.double, 'F64'], [t.bool, 'BOOL'], [t.CString, 'STR'],
]);

let POOL = null; // Buffer over the C `int pool[64]` (setPool)
const EXP = {
  I8: (s, i) => ((s * 7 + i * 3) % 100) - 50,
  U8: (s, i) => ((s * 7 + i * 3) % 200) + 20,
  I16: (s, i) => -(s * 1000 + i * 17),
  U16: (s, i) => s * 1000 + i * 17 + 30000,
  I32: (s, i) => -(s * 100000 + i * 1234567),
  U32: (s, i) => 3000000000 + s * 1000 + i,
  I64: (s, i) => -(s * 10000000000 + i),
  U64: (s, i) => 9000000000 + s * 1000 + i,
  F32: (s, i) => (s + i) * 0.5 + 0.25,
  F64: (s, i) => (s + i) * 1.5 + 0.125,
  BOOL: (s, i) => (s + i) % 2 === 1,
  PTR: (s, i) => POOL.subarray(((s * 5 + i) % 64) * 4),
  STR: (s, i) => 's' + s + '_' + i,
};

/** Where PTR leaves point: the library's `structs_pool()`, 64 ints. */
function setPool(lib) {
  POOL = ref.reinterpret(lib.structs_pool(), 64 * 4);
  return POOL;
}

const isRecordType = (T) => typeof T === 'function' && T.fields && typeof T.defineProperty === 'function';
const isFixedArray = (T) => typeof T === 'function' && T.fixedLength > 0 && T.type !== undefined;

function leafKind(type) {
  if (type.indirection > 1) return 'PTR';
  // ref's C aliases (char, int, long, ...) inherit from the sized types
  for (let p = type; p; p = Object.getPrototypeOf(p)) {
    const k = KIND.get(p);
    if (k) return k;
  }
  throw new Error('no leaf kind for type ' + type.name);
}

/** A plain JS value (object / array / scalar) for `type` built with `seed`. */
function valueFor(type, seed, ctr = { i: 0 }) {
  if (isRecordType(type)) {
    const o = {};
    for (const name of Object.keys(type.fields)) o[name] = valueFor(type.fields[name].type, seed, ctr);
    return o;
  }
  if (isFixedArray(type)) {
    const a = [];
    for (let k = 0; k < type.fixedLength; k++) a.push(valueFor(type.type, seed, ctr));
    return a;
  }
  return EXP[leafKind(type)](seed, ctr.i++);
}

/** Asserts that `v` (read from an instance) holds the values built with `seed`. */
function checkValue(type, v, seed, path = 'v', ctr = { i: 0 }) {
  if (isRecordType(type)) {
    assert.ok(v instanceof type, path + ' should be an instance of its struct type');
    for (const name of Object.keys(type.fields)) checkValue(type.fields[name].type, v[name], seed, path + '.' + name, ctr);
    return;
  }
  if (isFixedArray(type)) {
    assert.ok(v instanceof type, path + ' should be an instance of its array type');
    assert.strictEqual(v.length, type.fixedLength);
    for (let k = 0; k < type.fixedLength; k++) checkValue(type.type, v[k], seed, path + '[' + k + ']', ctr);
    return;
  }
  const kind = leafKind(type);
  const i = ctr.i++;
  const want = EXP[kind](seed, i);
  if (kind === 'PTR') assert.strictEqual(ref.address(v), ref.address(want), path + ' (leaf ' + i + ')');
  else assert.strictEqual(v, want, path + ' (leaf ' + i + ')');
}

module.exports = { codeOf, EXP, setPool, leafKind, valueFor, checkValue, isRecordType, isFixedArray };

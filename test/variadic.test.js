'use strict';
// ffi.VariadicForeignFunction and Library {varargs: true}.
const test = require('node:test');
const assert = require('node:assert');

const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { libPath } = require('./native/build.js');

const LIB = libPath('callbacks');
const libc = new ffi.DynamicLibrary(null);
const snprintf = ffi.VariadicForeignFunction(libc.get('snprintf'), 'int', ['pointer', 'size_t', 'string']);

function fmt(types, format, ...args) {
  const buf = Buffer.alloc(256);
  const n = snprintf(...types)(buf, buf.length, format, ...args);
  return buf.toString('utf8', 0, n);
}

function expectCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return true;
  });
}

test('snprintf with ints, doubles and strings', () => {
  assert.strictEqual(fmt(['int', 'double', 'string'], '%d|%.3f|%s', -42, Math.PI, 'héllo'), '-42|3.142|héllo');
  assert.strictEqual(fmt([], 'no args %%'), 'no args %');
  assert.strictEqual(fmt(['int64', 'uint64'], '%lld %llu', '-9007199254740993', '18446744073709551615'),
    '-9007199254740993 18446744073709551615');
  assert.strictEqual(fmt(['pointer'], '%p', null), '(nil)');
  // many variadic arguments: some go on the stack
  const ints = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.strictEqual(fmt(ints.map(() => 'int'), ints.map(() => '%d').join(','), ...ints), ints.join(','));
  const ds = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5];
  assert.strictEqual(fmt(ds.map(() => 'double'), ds.map(() => '%.1f').join(','), ...ds), ds.map((d) => d.toFixed(1)).join(','));
});

test('float, char and short variadic types are promoted (C default promotions)', () => {
  assert.strictEqual(fmt(['float', 'float'], '%.2f %.2f', 1.5, -0.25), '1.50 -0.25');
  assert.strictEqual(fmt(['char', 'short', 'uchar', 'ushort', 'bool'], '%c %hd %u %u %d', 65, -300, 255, 65535, true),
    'A -300 255 65535 1');
});

test('the returned function is cached per type list', () => {
  const a = snprintf('int', 'double');
  assert.strictEqual(snprintf('int', 'double'), a);
  assert.strictEqual(snprintf(ref.types.int, ref.types.double), a);
  assert.notStrictEqual(snprintf('double', 'int'), a);
  assert.notStrictEqual(snprintf('int'), a);
  assert.strictEqual(typeof a, 'function');
  assert.strictEqual(typeof a.async, 'function');
});

test('variadic sums in a C library', async () => {
  const dl = new ffi.DynamicLibrary(LIB);
  const sumInts = ffi.VariadicForeignFunction(dl.get('sum_ints'), 'int', ['int']);
  const sumDoubles = ffi.VariadicForeignFunction(dl.get('sum_doubles'), 'double', ['int']);
  assert.strictEqual(sumInts()(0), 0);
  assert.strictEqual(sumInts('int', 'int', 'int')(3, 10, -20, 30), 20);
  const many = Array.from({ length: 12 }, (_, i) => i + 1);
  assert.strictEqual(sumInts(...many.map(() => 'int'))(12, ...many), 78);
  assert.strictEqual(sumDoubles('double', 'double')(2, 1.25, 2.5), 3.75);
  assert.strictEqual(sumDoubles('float', 'float', 'float')(3, 0.5, 0.25, 0.125), 0.875);
  const dmany = Array.from({ length: 10 }, (_, i) => i + 0.5);
  assert.strictEqual(sumDoubles(...dmany.map(() => 'double'))(10, ...dmany), 50);
  assert.strictEqual(await sumInts('int', 'int').async(2, 40, 2), 42);
  const sumMixed = ffi.VariadicForeignFunction(dl.get('sum_mixed'), 'double', ['string']);
  assert.strictEqual(sumMixed('int', 'int64', 'double', 'string')('ilds', 1, '4294967296', 0.5, 'abc'), 4294967300.5);
});

test('Library with {varargs: true}', () => {
  const lib = ffi.Library(LIB, {
    sum_ints: ['int', ['int'], { varargs: true }],
    sum_doubles: ['double', ['int'], { varargs: true }],
  });
  assert.strictEqual(typeof lib.sum_ints, 'function');
  assert.strictEqual(lib.sum_ints('int', 'int')(2, 5, 6), 11);
  assert.strictEqual(lib.sum_doubles('double')(1, -2.5), -2.5);
  const c = ffi.Library(null, { printf: ['int', ['string'], { varargs: true }], snprintf: ['int', ['pointer', 'size_t', 'string'], { varargs: true }] });
  const buf = Buffer.alloc(32);
  assert.strictEqual(c.snprintf('int', 'string')(buf, 32, '%d-%s', 7, 'x'), 3);
  assert.strictEqual(buf.toString('utf8', 0, 3), '7-x');
});

test('bad variadic input throws coded errors', () => {
  expectCode(() => ffi.VariadicForeignFunction(libc.get('snprintf'), 'int', 'pointer'), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => snprintf('no_such_type'), 'ERR_REFFI_UNKNOWN_TYPE');
  expectCode(() => snprintf('void'), 'ERR_REFFI_INVALID_TYPE');
  const f = snprintf('int');
  expectCode(() => f(Buffer.alloc(8), 8, '%d'), 'ERR_REFFI_ARG_COUNT');
  expectCode(() => f(Buffer.alloc(8), 8, '%d', 'x'), 'ERR_REFFI_ARG_TYPE');
});

'use strict';
// reffi/array: the ref-array-di API, arrays through real C functions (by
// pointer, of structs, of pointers, of strings, inside structs, by value) and
// bad input.

const test = require('node:test');
const assert = require('node:assert');
const util = require('util');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const ArrayType = require('../lib/array');
const Struct = require('../lib/struct');
const { libPath } = require('./native/build.js');
const { codeOf } = require('./helpers');

const ArrayTypeDI = require('../lib/array')(ref);
const IntArray = ArrayType('int');
const DoubleArray = ArrayTypeDI(ref.types.double);
const StringArray = ArrayType('string');
const D2 = Struct({ a: 'double', b: 'double' });
const D2Array = ArrayType(D2);
const SCi = Struct({ a: 'char', b: 'int', c: 'char' });
const SCiPtrArray = ArrayType(ref.refType(SCi));
const Vec = Struct({ n: 'int', v: ArrayType('double', 4) });
const Grid = Struct({ cells: ArrayType(ArrayType('int', 4), 3) });
const Named = Struct({ name: ArrayType('char', 16), id: 'int' });
const AD2 = Struct({ v: ArrayType('double', 2) });

const lib = ffi.Library(libPath('structs'), {
  sum_ints: ['int', [IntArray, 'int']],
  abs_ints: ['void', [IntArray, 'int']],
  sum_doubles: ['double', [DoubleArray, 'size_t']],
  get_squares: [IntArray, []],
  get_words: [ref.refType('string'), []],
  count_words: ['int', [StringArray, ref.refType('int')]],
  sum_d2s: ['double', [D2Array, 'int']],
  fill_d2s: ['void', ['pointer', 'int']],
  sum_s_ci_ptrs: ['int', [SCiPtrArray, 'int']],
  vec_sum: ['double', [Vec]],
  vec_make: [Vec, ['int']],
  grid_cell: ['int', [ref.refType(Grid), 'int', 'int']],
  grid_fill: ['void', [ref.refType(Grid)]],
  named_check: ['int', [ref.refType(Named), 'string']],
  a_d2_check: ['int', [AD2, 'int']],
  a_d2_check_ptr: ['int', [ArrayType('double'), 'int']],
  structs_pool: [IntArray, []],
  p_ip_check_ptr: ['int', ['pointer', 'int']],
  p_ip_make: [Struct({ p: IntArray, n: 'int' }), ['int']],
});

// ---- the ref-array-di API -----------------------------------------------------------

test('both module forms: bound and dependency injection', () => {
  assert.strictEqual(typeof ArrayType, 'function');
  assert.strictEqual(typeof ArrayTypeDI, 'function');
  assert.strictEqual(require('../lib/array')(ref), ArrayTypeDI);
  const A = ArrayTypeDI('int', 3);
  assert.strictEqual(A.size, 12);
  assert.deepStrictEqual(new A([1, 2, 3]).toArray(), [1, 2, 3]);
});

test('variable-length types are pointer-sized; fixed-length types hold their elements', () => {
  assert.strictEqual(IntArray.size, ref.sizeof.pointer);
  assert.strictEqual(IntArray.alignment, ref.alignof.pointer);
  assert.strictEqual(IntArray.indirection, 1);
  assert.strictEqual(IntArray.BYTES_PER_ELEMENT, 4);
  assert.strictEqual(IntArray.fixedLength, undefined);
  assert.strictEqual(IntArray.type, ref.types.int);
  const Ten = ArrayType('int', 10);
  assert.strictEqual(Ten.size, 40);
  assert.strictEqual(Ten.alignment, 4);
  assert.strictEqual(Ten.fixedLength, 10);
  assert.strictEqual(new Ten().length, 10);
  assert.strictEqual(ArrayType('void *').BYTES_PER_ELEMENT, ref.sizeof.pointer);
  assert.strictEqual(ArrayType(D2, 3).size, 48);
  assert.strictEqual(ArrayType(D2, 3).alignment, 8);
  assert.strictEqual(IntArray.toString(), '[ArrayType]');
});

test('constructing: by length, from a JS array, over a Buffer, without new', () => {
  const a = new IntArray(5);
  assert.strictEqual(a.length, 5);
  assert.strictEqual(a.buffer.length, 20);
  a[0] = 0; a[1] = 10; a[2] = 234; a[3] = 69; a[4] = 1410214;
  assert.deepStrictEqual(a.toArray(), [0, 10, 234, 69, 1410214]);
  assert.strictEqual(a.buffer.readInt32LE(16), 1410214);
  const b = IntArray([1, 4, 91, -1]);
  assert.ok(b instanceof IntArray);
  assert.strictEqual(b.length, 4);
  assert.deepStrictEqual(b.toJSON(), [1, 4, 91, -1]);
  assert.strictEqual(JSON.stringify(b), '[1,4,91,-1]');
  const chars = new (ArrayType('char'))(Buffer.from('hello'));
  assert.strictEqual(chars.length, 5);
  assert.strictEqual(chars[1], 'e'.charCodeAt(0));
  const mem = Buffer.alloc(16);
  const part = new IntArray(mem, 2);
  part[1] = 7;
  assert.strictEqual(mem.readInt32LE(4), 7, 'an array over a Buffer writes into it');
  assert.strictEqual(new IntArray(mem).length, 4);
  assert.deepStrictEqual([...b], [1, 4, 91, -1]);
  assert.deepStrictEqual(Object.keys(b), ['0', '1', '2', '3']);
  assert.ok(2 in b && !(4 in b));
  assert.match(util.inspect(b), /91/);
});

test('ref() points at the buffer and deref()s back to the array type', () => {
  const a = new IntArray([69]);
  const r = a.ref();
  assert.strictEqual(r.readPointer(0).address(), a.buffer.address());
  assert.strictEqual(r.type.indirection, 1);
  const back = r.deref();
  assert.ok(back instanceof IntArray);
  assert.strictEqual(back.buffer.address(), a.buffer.address());
  assert.strictEqual(back[0], 69);
  assert.strictEqual(a['ref.buffer'], a.buffer);
});

test('slice() and untilZeros()', () => {
  const x = new IntArray([12, 34, 56, 78]);
  assert.deepStrictEqual(x.slice(1, 3).toArray(), [34, 56]);
  assert.deepStrictEqual(x.slice(1).toArray(), [34, 56, 78]);
  assert.deepStrictEqual(x.slice(-1).toArray(), [78]);
  x.slice(1)[0] = -1;
  assert.strictEqual(x[1], -1, 'a slice is a view');
  const buf = Buffer.alloc(12);
  ref.types.int.set(buf, 0, 5);
  ref.types.int.set(buf, 4, 8);
  const u = IntArray.untilZeros(buf);
  assert.strictEqual(u.length, 2);
  assert.deepStrictEqual(u.toArray(), [5, 8]);
});

test('arrays of pointers and of structs hold their element types', () => {
  const VoidPtrArray = ArrayType('void *');
  const a = new VoidPtrArray(3);
  const p1 = Buffer.alloc(1);
  a[0] = ref.NULL;
  a[1] = p1;
  a[2] = ref.NULL_POINTER;
  assert.strictEqual(a[0].address(), 0);
  assert.strictEqual(a[1].address(), p1.address());
  assert.strictEqual(a[2].address(), ref.NULL_POINTER.address());
  const s = new D2Array([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  assert.ok(s[1] instanceof D2);
  s[1].b = 40; // a view into the array's memory
  assert.strictEqual(s.buffer.readDoubleLE(24), 40);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(s)), [{ a: 1, b: 2 }, { a: 3, b: 40 }]);
});

// ---- through C ------------------------------------------------------------------------

test('int[] and double[] to C by pointer (instance, JS array, Buffer)', () => {
  const input = [-1, -25, -3111, -41234, -5];
  const a = new IntArray(input);
  assert.strictEqual(lib.sum_ints(a, a.length), input.reduce((x, y) => x + y, 0));
  lib.abs_ints(a, a.length);
  assert.deepStrictEqual(a.toArray(), input.map(Math.abs), 'C wrote through the pointer');
  assert.strictEqual(lib.sum_ints([1, 2, 3], 3), 6, 'a JS array is converted');
  assert.strictEqual(lib.sum_ints(a.buffer, 2), 26, 'a Buffer is used as the pointer');
  assert.strictEqual(lib.sum_ints(null, 0), 0);
  assert.strictEqual(lib.sum_doubles(new DoubleArray([0.5, 1.25, 2]), 3), 3.75);
});

test('an int * returned from C, read with a length', () => {
  const sq = lib.get_squares();
  assert.ok(sq instanceof IntArray);
  assert.strictEqual(sq.length, 0, 'a returned pointer has an unknown extent');
  sq.length = 8;
  assert.strictEqual(sq[7], 49);
  assert.deepStrictEqual(sq.toArray(), [0, 1, 4, 9, 16, 25, 36, 49]);
  const viaBuffer = new IntArray(ref.reinterpret(sq.buffer, 16));
  assert.deepStrictEqual(viaBuffer.toArray(), [0, 1, 4, 9]);
});

test('NULL-terminated char *[] both ways', () => {
  const words = StringArray.untilZeros(ref.reinterpret(lib.get_words(), 0).reinterpret(4 * 8));
  assert.deepStrictEqual(words.toArray(), ['alpha', 'beta', 'gamma']);
  const mine = new StringArray(['one', 'three', null]);
  const total = ref.alloc('int');
  assert.strictEqual(lib.count_words(mine, total), 2);
  assert.strictEqual(total.deref(), 8);
});

test('arrays of structs and of struct pointers through C', () => {
  const a = new D2Array([{ a: 1, b: 0.5 }, { a: 2, b: 0.25 }]);
  assert.strictEqual(lib.sum_d2s(a, 2), 10.5 + 20.25);
  const out = new D2Array(3);
  lib.fill_d2s(out, 3);
  assert.deepStrictEqual(out.toArray().map((d) => d.toObject()), [{ a: 0, b: 0 }, { a: 1, b: 0.5 }, { a: 2, b: 1 }]);
  const s1 = new SCi({ a: 1, b: 100, c: 2 });
  const s2 = new SCi({ a: 1, b: 23, c: 2 });
  const ptrs = new SCiPtrArray([s1.ref(), ref.NULL, s2.ref()]);
  assert.strictEqual(lib.sum_s_ci_ptrs(ptrs, 3), 1123);
  assert.strictEqual(ptrs[0].deref().b, 100);
});

test('fixed arrays inside structs: by value, 2-D, char[] from a string', () => {
  const v = new Vec({ n: 3, v: [1, 2, 3.5, 100] });
  assert.strictEqual(Vec.size, 40);
  assert.strictEqual(lib.vec_sum(v), 6.5);
  assert.strictEqual(lib.vec_sum({ n: 2, v: [0.25, 0.5] }), 0.75);
  const m = lib.vec_make(4);
  assert.deepStrictEqual(m.v.toArray(), [0.5, 1.5, 2.5, 3.5]);
  const g = new Grid();
  assert.strictEqual(Grid.size, 48);
  g.cells[2][3] = 77;
  assert.strictEqual(lib.grid_cell(g.ref(), 2, 3), 77);
  lib.grid_fill(g.ref());
  assert.deepStrictEqual(g.cells.toArray().map((row) => row.toArray()),
    [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]]);
  const n = new Named({ name: 'reffi', id: 9 });
  assert.strictEqual(lib.named_check(n.ref(), 'reffi'), 9);
  n.name = 'x';
  assert.strictEqual(lib.named_check(n.ref(), 'x'), 9);
});

test('a C array parameter is a pointer: fixed-length array types are rejected by value, variable ones work', () => {
  // struct a_d2 { double v[2]; } — leaf i of seed s is (s + i) * 1.5 + 0.125
  const A2 = ArrayType('double', 2);
  assert.strictEqual(codeOf(() => ffi.Library(libPath('structs'), { a_d2_check: ['int', [A2, 'int']] })), 'ERR_REFFI_INVALID_TYPE');
  assert.strictEqual(lib.a_d2_check({ v: new A2([1.625, 3.125]) }, 1), -1, 'inside a struct it goes by value');
  assert.strictEqual(lib.a_d2_check({ v: [3.125, 4.625] }, 2), -1);
  assert.strictEqual(lib.a_d2_check({ v: [3.125, 4.625] }, 1), 0);
  assert.strictEqual(lib.a_d2_check_ptr(new A2([1.625, 3.125]), 1), -1, 'a fixed array instance as a pointer');
  assert.strictEqual(lib.a_d2_check_ptr([3.125, 4.625], 2), -1, 'a JS array as a pointer');
});

test('a variable-length array type as a struct field is a pointer', () => {
  // struct p_ip { int *p; int n; }: seed 1 wants p == &pool[5], n == -1334567
  const PIp = Struct({ p: IntArray, n: 'int' });
  assert.strictEqual(PIp.size, 16);
  assert.strictEqual(PIp.fields.n.offset, 8);
  const pool = lib.structs_pool();
  pool.length = 64;
  assert.strictEqual(pool[5], 16, 'pool[k] == 3k + 1');
  const s = new PIp({ p: pool.slice(5), n: -1334567 });
  assert.strictEqual(lib.p_ip_check_ptr(s.ref(), 1), -1);
  s.p = pool.slice(6);
  assert.strictEqual(lib.p_ip_check_ptr(s.ref(), 1), 0);
  const m = lib.p_ip_make(2); // p == &pool[10]
  const p = m.p; // each read of the field is a new array over the pointer
  assert.ok(p instanceof IntArray);
  p.length = 2;
  assert.deepStrictEqual(p.toArray(), [31, 34]);
});

// ---- bad input ------------------------------------------------------------------------

test('bad input: index out of range (ERR_REFFI_OUT_OF_BOUNDS)', () => {
  const F = ArrayType('int', 3);
  const f = new F([1, 2, 3]);
  assert.strictEqual(codeOf(() => { f[3] = 4; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => { f[100] = 4; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => { f[-1] = 4; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => f[3]), 'ERR_REFFI_OUT_OF_BOUNDS');
  const v = new IntArray(2);
  assert.strictEqual(codeOf(() => { v[2] = 1; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  v.length = 10; // longer than its 8-byte buffer
  assert.strictEqual(codeOf(() => { v[5] = 1; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  const s = new Vec();
  assert.strictEqual(codeOf(() => { s.v[4] = 1; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => { s.v = [1, 2, 3, 4, 5]; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => new F([1, 2, 3, 4])), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => { new Named().name = 'a string far too long for sixteen'; }), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.deepStrictEqual(f.toArray(), [1, 2, 3], 'nothing was written');
});

test('bad input: buffers too small, bad lengths, bad element values, bad types', () => {
  assert.strictEqual(codeOf(() => new IntArray(Buffer.alloc(6), 2)), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => new (ArrayType('int', 4))(Buffer.alloc(8))), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => new IntArray()), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => new IntArray('abc')), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => new IntArray(-1)), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => new IntArray([1, 2], 3)), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => ArrayType('int', -2)), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => ArrayType('int', 1.5)), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => ArrayType('no_such_type')), 'ERR_REFFI_UNKNOWN_TYPE');
  assert.strictEqual(codeOf(() => ArrayType('void')), 'ERR_REFFI_INVALID_TYPE');
  const a = new IntArray(2);
  assert.strictEqual(codeOf(() => { a[0] = 'x'; }), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => { a[0] = 2 ** 40; }), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => new IntArray([1, 'two'])), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => ArrayType('int', 2).set(Buffer.alloc(8), 0, 5)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => ArrayType('int', 2).set(Buffer.alloc(8), 0, new D2())), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => ArrayType('int', 2).get(Buffer.alloc(4), 0)), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => lib.sum_ints({}, 1)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => lib.a_d2_check({ v: new (ArrayType('double', 3))() }, 1)), 'ERR_REFFI_OUT_OF_BOUNDS',
    'an array of another length in a by-value struct');
  const nul = lib.get_squares();
  const empty = new IntArray(ref.NULL);
  empty.length = 2;
  assert.strictEqual(codeOf(() => empty[0]), 'ERR_REFFI_NULL_POINTER');
  assert.ok(nul instanceof IntArray);
});

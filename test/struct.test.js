'use strict';
// reffi/struct: C layouts compared with the compiler's, every layout by value
// (argument, return, callbacks, register exhaustion) and through pointers,
// real libc structs, the ref-struct-di API surface and bad input.

const test = require('node:test');
const assert = require('node:assert');
const util = require('util');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const Struct = require('../lib/struct');
const ArrayType = require('../lib/array');
const { libPath } = require('./native/build.js');
const { codeOf, EXP, setPool, valueFor, checkValue } = require('./helpers');

const t = ref.types;
const StructDI = require('../lib/struct')(ref); // dependency-injection form
const LIB = libPath('structs');

// ---- the layouts (mirror test/native/structs.c) -------------------------------

const L = {};
L.s_cd = Struct({ a: t.char, b: t.double });
L.s_dc = Struct({ a: 'double', b: 'char' });
L.s_ci = StructDI({ a: 'char', b: 'int', c: 'char' });
L.s_sc = Struct({ a: 'short', b: 'char' });
L.s_all = Struct({
  a: t.int8, b: t.uint8, c: t.int16, d: t.uint16, e: t.int32, f: t.uint32,
  g: t.int64, h: t.uint64, i: t.float, j: t.double, k: t.long, l: t.uchar,
});
L.s_mix = Struct({ a: t.uint8, b: t.double, c: t.uint16, d: t.int32, e: t.uint8 });
L.s_c64c = Struct({ a: 'char', b: 'int64', c: 'char' });
L.s_fd = Struct({ a: 'float', b: 'double', c: 'float' });
L.s_u16x3 = Struct({ a: 'uint16', b: 'int16', c: 'uint16' });
L.s_u8x3 = Struct({ a: 'uint8', b: 'int8', c: 'uint8' });
L.s_bool = Struct({ a: 'bool', b: 'int', c: 'bool' });
L.f1 = Struct({ a: 'float' });
L.f2 = Struct({ a: 'float', b: 'float' });
L.f3 = Struct({ a: 'float', b: 'float', c: 'float' });
L.f4 = Struct({ a: 'float', b: 'float', c: 'float', d: 'float' });
L.d1 = Struct({ a: 'double' });
L.d2 = StructDI({ a: 'double', b: 'double' });
L.d3 = Struct({ a: 'double', b: 'double', c: 'double' });
L.d4 = Struct({ a: 'double', b: 'double', c: 'double', d: 'double' });
L.m_if = Struct({ a: 'int', b: 'float' });
L.m_fi = Struct({ a: 'float', b: 'int' });
L.m_ld = Struct({ a: 'int64', b: 'double' });
L.m_dl = Struct({ a: 'double', b: 'int64' });
L.m_ffi = Struct({ a: 'float', b: 'float', c: 'int' });
L.m_ifff = Struct({ a: 'int', b: 'float', c: 'float', d: 'float' });
L.m_fifi = Struct({ a: 'float', b: 'int', c: 'float', d: 'int' });
L.z8 = Struct({ a: 'int32', b: 'int32' });
L.z16 = Struct({ a: 'int64', b: 'uint64' });
L.z17 = Struct({ a: ArrayType('char', 17) });
L.z24 = Struct({ a: 'int64', b: 'int64', c: 'int64' });
L.z72 = Struct({ a: ArrayType('double', 9) });
L.z100 = Struct({ a: ArrayType('int32', 20), b: 'char', c: 'double', d: ArrayType('uint16', 5) });
L.n_ci = Struct({ a: 'char', b: L.s_ci, c: 'double' });
L.n_df = Struct({ a: L.d2, b: L.f2 });
L.n_ff = Struct({ a: L.f2, b: 'float' });
L.n_deep = Struct({ a: L.n_ci, b: 'short', c: L.m_if });
L.a_cs = Struct({ a: 'char', b: ArrayType('short', 3), c: 'int' });
L.a_f3 = Struct({ v: ArrayType('float', 3) });
L.a_d2 = Struct({ v: ArrayType('double', 2) });
L.a_ss = Struct({ items: ArrayType(L.s_sc, 3), n: 'int' });
L.a_c2 = Struct([['char', 'a'], [ArrayType('char', 2), 'b'], ['short', 'c'], ['char', 'd']]); // legacy array form
L.p_ip = Struct({ p: ref.refType('int'), n: 'int' });
L.p_str = Struct({ s: 'string', n: 'int', t: t.CString });
L.k_cis = Struct({ a: 'char', b: 'int', c: 'short' }, { packed: true });
L.k_cd = Struct({ a: 'char', b: 'double' }, { packed: true });
L.k_ii = Struct({ a: 'int', b: 'int' }, { packed: true });

const PACKED_MISALIGNED = new Set(['k_cis', 'k_cd']);
const NAMES = Object.keys(L);

// ---- expected values: test/helpers.js (the EXP_* macros of structs.c) ----------------

// ---- the library ------------------------------------------------------------------------

const spec = {
  structs_pool: ['pointer', []],
  list_sum: ['int', ['pointer']],
  list_static: ['pointer', []],
};
for (const name of NAMES) {
  const T = L[name];
  const P = ref.refType(T);
  spec[name + '_sizeof'] = ['size_t', []];
  spec[name + '_alignof'] = ['size_t', []];
  spec[name + '_offsets'] = ['void', ['pointer']];
  spec[name + '_check_ptr'] = ['int', [P, 'int']];
  spec[name + '_fill'] = ['void', [P, 'int']];
  if (PACKED_MISALIGNED.has(name)) continue;
  spec[name + '_check'] = ['int', [T, 'int']];
  spec[name + '_make'] = [T, ['int']];
  spec[name + '_echo'] = [T, [T]];
  spec[name + '_check3'] = ['int', [T, T, T, 'int']];
  spec[name + '_to_cb'] = ['int', ['pointer', 'int']];
  spec[name + '_from_cb'] = ['int', ['pointer', 'int']];
}
const lib = ffi.Library(LIB, spec);
setPool(lib);

// ---- layouts ---------------------------------------------------------------------------

test('at least 30 layouts are defined in C and in JS', () => {
  assert.ok(NAMES.length >= 30, NAMES.length + ' layouts');
});

for (const name of NAMES) {
  const T = L[name];
  test(`${name}: size, alignment and field offsets match the C compiler`, () => {
    const names = Object.keys(T.fields);
    assert.strictEqual(T.size, lib[name + '_sizeof'](), 'sizeof');
    assert.strictEqual(T.alignment, lib[name + '_alignof'](), 'alignof');
    assert.strictEqual(T.indirection, 1);
    const out = Buffer.alloc(8 * names.length);
    lib[name + '_offsets'](out);
    names.forEach((f, k) => {
      assert.strictEqual(T.fields[f].offset, Number(out.readBigUInt64LE(8 * k)), 'offsetof(' + f + ')');
    });
  });
}

// ---- by pointer -------------------------------------------------------------------------

for (const name of NAMES) {
  const T = L[name];
  test(`${name}: through a pointer (JS fills, C checks; C fills, JS reads)`, () => {
    for (const seed of [1, 2]) {
      const s = new T(valueFor(T, seed));
      checkValue(T, s, seed);
      assert.strictEqual(lib[name + '_check_ptr'](s.ref(), seed), -1, 'C found a wrong leaf');
      assert.strictEqual(lib[name + '_check_ptr'](s, seed), -1, 'an instance passed for a pointer');
      assert.strictEqual(lib[name + '_check_ptr'](s.ref(), seed + 1), 0, 'a wrong seed must fail at leaf 0');
      const buf = ref.alloc(T);
      lib[name + '_fill'](buf, seed);
      const back = buf.deref();
      assert.ok(back instanceof T);
      checkValue(T, back, seed);
      assert.deepStrictEqual(Object.keys(back.toObject()), Object.keys(T.fields));
    }
  });
}

// ---- by value ------------------------------------------------------------------------------

for (const name of NAMES) {
  if (PACKED_MISALIGNED.has(name)) continue;
  const T = L[name];
  test(`${name}: by value as argument and return (instances, plain objects, echo, 3 in a row)`, () => {
    const s1 = new T(valueFor(T, 1));
    assert.strictEqual(lib[name + '_check'](s1, 1), -1, 'instance by value');
    assert.strictEqual(lib[name + '_check'](valueFor(T, 2), 2), -1, 'plain object by value');
    assert.strictEqual(lib[name + '_check'](s1, 2), 0, 'a wrong seed must fail at leaf 0');
    const m = lib[name + '_make'](3);
    assert.ok(m instanceof T, 'a by-value return is an instance');
    checkValue(T, m, 3);
    const e = lib[name + '_echo'](m);
    checkValue(T, e, 3);
    assert.notStrictEqual(e['ref.buffer'], m['ref.buffer'], 'a by-value return is a copy');
    assert.strictEqual(lib[name + '_check3'](new T(valueFor(T, 4)), valueFor(T, 5), new T(valueFor(T, 6)), 4), -1);
    assert.strictEqual(lib[name + '_check3'](new T(valueFor(T, 4)), valueFor(T, 6), new T(valueFor(T, 6)), 4), 1000);
  });

  test(`${name}: by value through callbacks (C to JS and JS to C)`, () => {
    let seen = 0;
    const toJs = ffi.Callback('int', [T, 'int'], (v, seed) => {
      seen++;
      checkValue(T, v, seed);
      return 42;
    });
    assert.strictEqual(lib[name + '_to_cb'](toJs, 2), 42);
    assert.strictEqual(seen, 1);
    const fromJs = ffi.Callback(T, ['int'], (seed) => new T(valueFor(T, seed)));
    assert.strictEqual(lib[name + '_from_cb'](fromJs, 3), -1);
    const fromJsPlain = ffi.Callback(T, ['int'], (seed) => valueFor(T, seed));
    assert.strictEqual(lib[name + '_from_cb'](fromJsPlain, 1), -1);
  });
}

test('structs by value through async calls', async () => {
  const r = await lib.d4_check.async(new L.d4(valueFor(L.d4, 2)), 2);
  assert.strictEqual(r, -1);
  const m = await lib.s_mix_make.async(3);
  checkValue(L.s_mix, m, 3);
  await new Promise((resolve, reject) => {
    lib.z100_check.async(valueFor(L.z100, 1), 1, (err, res) => {
      if (err) return reject(err);
      try { assert.strictEqual(res, -1); resolve(); } catch (e) { reject(e); }
    });
  });
});

test('packed structs with misaligned fields cannot be bound by value (ERR_REFFI_UNSUPPORTED)', () => {
  for (const name of PACKED_MISALIGNED) {
    assert.strictEqual(codeOf(() => ffi.Library(LIB, { [name + '_check']: ['int', [L[name], 'int']] })), 'ERR_REFFI_UNSUPPORTED');
    assert.strictEqual(codeOf(() => ffi.Library(LIB, { [name + '_make']: [L[name], ['int']] })), 'ERR_REFFI_UNSUPPORTED');
  }
  // packed with natural alignment is the same ABI as the unpacked struct
  assert.strictEqual(L.k_ii.alignment, 1);
  assert.strictEqual(lib.k_ii_check(valueFor(L.k_ii, 1), 1), -1);
  assert.strictEqual(L.k_cis.size, 7);
  assert.deepStrictEqual([L.k_cis.fields.a.offset, L.k_cis.fields.b.offset, L.k_cis.fields.c.offset], [0, 1, 5]);
  assert.strictEqual(L.k_cis.isPacked, true);
  assert.strictEqual(L.s_ci.isPacked, false);
});

// ---- real use: libc ---------------------------------------------------------------------

test('gettimeofday() fills the tutorial TimeVal struct', () => {
  const TimeVal = Struct({ tv_sec: 'long', tv_usec: 'long' });
  const libc = ffi.Library(null, { gettimeofday: ['int', [ref.refType(TimeVal), 'pointer']] });
  const tv = new TimeVal();
  const before = Date.now();
  assert.strictEqual(libc.gettimeofday(tv.ref(), null), 0);
  const after = Date.now();
  const ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;
  assert.ok(tv.tv_usec >= 0 && tv.tv_usec < 1e6, 'tv_usec in range');
  assert.ok(ms >= before - 1 && ms <= after + 1, `gettimeofday ${ms} not within [${before}, ${after}]`);
});

test('div() and ldiv() return structs by value', () => {
  const DivT = Struct({ quot: 'int', rem: 'int' });
  const LDivT = Struct({ quot: 'long', rem: 'long' });
  const libc = ffi.Library(null, { div: [DivT, ['int', 'int']], ldiv: [LDivT, ['long', 'long']] });
  const d = libc.div(47, 5);
  assert.ok(d instanceof DivT);
  assert.deepStrictEqual(d.toObject(), { quot: 9, rem: 2 });
  assert.deepStrictEqual(libc.div(-47, 5).toObject(), { quot: -9, rem: -2 });
  const l = libc.ldiv(10000000000007, 1000);
  assert.deepStrictEqual(l.toObject(), { quot: 10000000000, rem: 7 });
});

test('a struct with char * fields round-trips strings (CString and char * Buffers)', () => {
  const p = new L.p_str({ s: 'héllo', n: 5, t: null });
  assert.strictEqual(p.s, 'héllo');
  assert.strictEqual(p.t, null);
  p.t = 'world';
  assert.strictEqual(p.t, 'world');
  // C reads what JS wrote and writes strings JS reads
  assert.strictEqual(lib.p_str_check(valueFor(L.p_str, 1), 1), -1);
  const m = lib.p_str_make(2);
  assert.strictEqual(m.s, 's2_0');
  assert.strictEqual(m.t, 's2_2');
  // the same layout with a raw `char *` (refType(char)) field
  const Raw = Struct({ s: 'char *', n: 'int', t: ref.refType(t.char) });
  assert.strictEqual(Raw.size, L.p_str.size);
  const r = new Raw({ s: ref.allocCString('s3_0'), n: EXP.I32(3, 1), t: ref.allocCString('s3_2') });
  assert.strictEqual(lib.p_str_check_ptr(r.ref(), 3), -1);
  assert.strictEqual(r.s.readCString(), 's3_0');
  assert.strictEqual(lib.p_str_check(r['ref.buffer'], 3), -1, 'a raw Buffer of the right size goes by value');
});

test('a self-referential struct (linked list) through pointers', () => {
  const Node = Struct();
  Node.defineProperty('value', 'int');
  Node.defineProperty('next', ref.refType(Node));
  assert.strictEqual(Node.size, 16);
  const c = new Node({ value: 300, next: ref.NULL });
  const b = new Node({ value: 20, next: c.ref() });
  const a = new Node({ value: 1, next: b.ref() });
  assert.strictEqual(lib.list_sum(a.ref()), 321);
  assert.strictEqual(a.next.deref().next.deref().value, 300);
  // walk the C list from JS
  let p = ref.reinterpret(lib.list_static(), Node.size);
  p.type = Node;
  let sum = 0;
  while (!p.isNull()) {
    const n = p.deref();
    sum += n.value;
    p = n.next;
  }
  assert.strictEqual(sum, 321);
});

// ---- the ref-struct-di API surface ------------------------------------------------------------

test('both module forms: bound and dependency injection', () => {
  assert.strictEqual(typeof Struct, 'function');
  assert.strictEqual(typeof StructDI, 'function');
  const T1 = Struct({ a: 'int' });
  const T2 = StructDI({ a: 'int' });
  assert.strictEqual(T1.size, 4);
  assert.strictEqual(T2.size, 4);
  assert.strictEqual(require('../lib/struct')(ref), StructDI, 'the factory for a ref module is cached');
  // a distinct ref-compatible module: the struct reads and writes through it
  let gets = 0;
  const spy = Object.assign({}, ref, { get() { gets++; return ref.get.apply(null, arguments); } });
  const StructSpy = require('../lib/struct')(spy);
  assert.notStrictEqual(StructSpy, StructDI);
  const S = StructSpy({ x: 'double', y: 'int' });
  const s = new S({ x: 1.5, y: -2 });
  assert.strictEqual(s.x, 1.5);
  assert.ok(gets >= 1, 'the injected ref module is used');
  assert.strictEqual(lib.d2_check(new L.d2(valueFor(L.d2, 1)), 1), -1);
});

test('instances: constructors, ref(), deref(), ref.buffer, toObject/toJSON/inspect, get/set', () => {
  const S = L.s_ci;
  const a = new S({ a: 1, b: 2, c: 3 });
  const b = S({ a: 1, b: 2, c: 3 }); // without new
  assert.ok(a instanceof S && b instanceof S);
  assert.ok(Buffer.isBuffer(a['ref.buffer']));
  assert.strictEqual(a['ref.buffer'].length, S.size);
  assert.strictEqual(a.ref(), a['ref.buffer']);
  assert.strictEqual(a.ref().type, S);
  const back = a.ref().deref();
  assert.ok(back instanceof S);
  back.b = 99; // same memory
  assert.strictEqual(a.b, 99);
  assert.deepStrictEqual(a.toObject(), { a: 1, b: 99, c: 3 });
  assert.strictEqual(JSON.stringify(a), '{"a":1,"b":99,"c":3}');
  assert.match(util.inspect(a), /b: 99/);
  // over an existing Buffer, with initial values
  const mem = Buffer.alloc(S.size * 2);
  const v = new S(mem.subarray(S.size), { b: -5 });
  assert.strictEqual(mem.readInt32LE(S.size + S.fields.b.offset), -5);
  assert.strictEqual(v.b, -5);
  // get() is a view, set() copies (instances and plain objects)
  const view = S.get(mem, S.size);
  view.c = 7;
  assert.strictEqual(mem.readInt8(S.size + S.fields.c.offset), 7);
  S.set(mem, 0, a);
  assert.deepStrictEqual(S.get(mem, 0).toObject(), { a: 1, b: 99, c: 3 });
  S.set(mem, 0, { a: 4, b: 5, c: 6 });
  assert.deepStrictEqual(new S(mem).toObject(), { a: 4, b: 5, c: 6 });
  // ref.alloc / ref.get / ref.set with the type
  const buf = ref.alloc(S, { a: 9, b: 8, c: 7 });
  assert.deepStrictEqual(ref.get(buf, 0, S).toObject(), { a: 9, b: 8, c: 7 });
  assert.strictEqual(S.toString(), '[StructType]');
});

test('nested structs and arrays are views into the parent memory', () => {
  const n = new L.n_deep();
  n.a.b.b = 1234;
  n.c.b = 2.5;
  const buf = n['ref.buffer'];
  const off = L.n_deep.fields.a.offset + L.n_ci.fields.b.offset + L.s_ci.fields.b.offset;
  assert.strictEqual(buf.readInt32LE(off), 1234);
  assert.strictEqual(buf.readFloatLE(L.n_deep.fields.c.offset + L.m_if.fields.b.offset), 2.5);
  assert.strictEqual(n.ref().deref().a.b.b, 1234, 'the parent keeps its own type after nested access');
  const s = new L.a_ss();
  s.items[2].a = -7;
  s.items[1] = { a: 3, b: 4 };
  assert.strictEqual(lib.a_ss_check_ptr(s.ref(), 1), 0);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(s)).items, [{ a: 0, b: 0 }, { a: 3, b: 4 }, { a: -7, b: 0 }]);
});

test('Struct() + defineProperty builds a type incrementally (then it is final)', () => {
  const S = Struct();
  assert.strictEqual(S.size, 0);
  S.defineProperty('a', 'char');
  S.defineProperty('b', 'double');
  assert.strictEqual(S.size, 16);
  assert.strictEqual(S.alignment, 8);
  assert.strictEqual(S.fields.b.offset, 8);
  const own = ffi.Library(LIB, { s_cd_check: ['int', [S, 'int']] });
  assert.strictEqual(own.s_cd_check(new S(valueFor(L.s_cd, 1)), 1), -1);
  assert.strictEqual(codeOf(() => lib.s_cd_check(new S(valueFor(L.s_cd, 1)), 1)), 'ERR_REFFI_ARG_TYPE',
    'a structurally equal but distinct struct type is another type');
  assert.strictEqual(codeOf(() => S.defineProperty('c', 'int')), 'ERR_REFFI_INVALID_TYPE');
  // a type used by value in a signature becomes final too
  const U = Struct({ a: 'char' });
  U.defineProperty('b', 'double');
  ffi.Library(LIB, { s_cd_check: ['int', [U, 'int']] });
  assert.strictEqual(codeOf(() => U.defineProperty('c', 'int')), 'ERR_REFFI_INVALID_TYPE');
});

// ---- bad input ---------------------------------------------------------------------------

test('bad input: unknown or invalid field types are rejected at definition', () => {
  assert.strictEqual(codeOf(() => Struct({ a: 'int', b: 'no_such_type' })), 'ERR_REFFI_UNKNOWN_TYPE');
  assert.strictEqual(codeOf(() => Struct({ a: { size: 4 } })), 'ERR_REFFI_UNKNOWN_TYPE');
  assert.strictEqual(codeOf(() => Struct({ a: 'void' })), 'ERR_REFFI_INVALID_TYPE');
  assert.strictEqual(codeOf(() => Struct({ a: Struct() })), 'ERR_REFFI_INVALID_TYPE', 'an empty struct field');
  assert.strictEqual(codeOf(() => Struct(42)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => Struct([['int']])), 'ERR_REFFI_ARG_TYPE');
  const S = Struct({ a: 'int' });
  assert.strictEqual(codeOf(() => S.defineProperty('a', 'int')), 'ERR_REFFI_INVALID_TYPE', 'duplicate field');
  assert.strictEqual(codeOf(() => S.defineProperty('ref', 'int')), 'ERR_REFFI_INVALID_TYPE', 'reserved name');
  assert.strictEqual(codeOf(() => S.defineProperty(5, 'int')), 'ERR_REFFI_ARG_TYPE');
});

test('bad input: a field set to a value of the wrong type', () => {
  const s = new L.s_all();
  assert.strictEqual(codeOf(() => { s.e = 'text'; }), 'ERR_REFFI_FIELD_TYPE');
  assert.strictEqual(codeOf(() => { s.j = {}; }), 'ERR_REFFI_FIELD_TYPE');
  assert.strictEqual(codeOf(() => { s.a = 1000; }), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(codeOf(() => new L.s_all({ b: -1 })), 'ERR_REFFI_ARG_RANGE');
  const n = new L.n_ci();
  assert.strictEqual(codeOf(() => { n.b = 5; }), 'ERR_REFFI_FIELD_TYPE');
  assert.strictEqual(codeOf(() => { n.b = new L.s_sc(); }), 'ERR_REFFI_FIELD_TYPE', 'a struct of another type');
  const p = new L.p_ip();
  assert.strictEqual(codeOf(() => { p.p = 12; }), 'ERR_REFFI_FIELD_TYPE');
  assert.strictEqual(codeOf(() => new L.s_ci('abc')), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => L.s_ci.set(Buffer.alloc(12), 0, 42)), 'ERR_REFFI_ARG_TYPE');
});

test('bad input: a Buffer smaller than the type', () => {
  assert.strictEqual(codeOf(() => new L.d2(Buffer.alloc(15))), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => L.d2.get(Buffer.alloc(16), 8)), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => L.d2.set(Buffer.alloc(8), 0, { a: 1 })), 'ERR_REFFI_OUT_OF_BOUNDS');
  assert.strictEqual(codeOf(() => lib.d2_check(Buffer.alloc(8), 1)), 'ERR_REFFI_ARG_TYPE');
});

test('bad input: a struct of the wrong type where a struct is expected by value', () => {
  const wrong = new L.d3(valueFor(L.d3, 1));
  assert.strictEqual(codeOf(() => lib.d2_check(wrong, 1)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => lib.s_ci_check(new L.s_sc(), 1)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => lib.d2_check(42, 1)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => lib.d2_check(null, 1)), 'ERR_REFFI_ARG_TYPE');
  assert.strictEqual(codeOf(() => lib.d2_check({ a: 'x' }, 1)), 'ERR_REFFI_FIELD_TYPE');
  const bad = ffi.Callback(L.d2, ['int'], () => 'nope');
  assert.ok(codeOf(() => lib.d2_from_cb(bad, 1)).startsWith('ERR_REFFI_'));
});

test('bad input: an empty struct cannot go by value', () => {
  assert.strictEqual(codeOf(() => ffi.Library(LIB, { d2_check: ['int', [Struct(), 'int']] })), 'ERR_REFFI_INVALID_TYPE');
});

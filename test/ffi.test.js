'use strict';
// Synchronous ffi (reffi/ffi as a drop-in for ffi-napi): Library,
// DynamicLibrary, ForeignFunction, VariadicForeignFunction, and every
// scalar / string / pointer kind through real C (test/native/basic.c).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { libPath } = require('./native/build.js');

const BASIC = libPath('basic');

/**
 * Runs `fn(copy, dir)` with a private copy of library `src` named `name` in
 * a fresh temporary directory (so that dlopen maps this file and dlclose
 * really unmaps it), and removes the directory afterwards.
 */
function withLibraryCopy(src, name, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-copy-'));
  const copy = path.join(dir, name);
  fs.copyFileSync(src, copy);
  try {
    return fn(copy, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const intPtr = ref.refType('int');
const charPtr = ref.refType('char');

/** Runs fn and returns which call paths it used: {fast, generic}. */
function paths(fn) {
  const a = ffi.stats();
  fn();
  const b = ffi.stats();
  return { fast: b.fast - a.fast, generic: b.generic - a.generic };
}

/** FNV-1a over the UTF-8 bytes, as str_checksum computes it in C. */
function fnv1a(s) {
  let h = 2166136261;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 16777619) >>> 0;
  return h;
}

const spec = {};
for (const [t, n] of [['int8', 'i8'], ['uint8', 'u8'], ['int16', 'i16'], ['uint16', 'u16'], ['int32', 'i32'],
  ['uint32', 'u32'], ['int64', 'i64'], ['uint64', 'u64'], ['long', 'long'], ['ulong', 'ulong'], ['size_t', 'size_t']]) {
  spec['id_' + n] = [t, [t]];
}
Object.assign(spec, {
  min_i8: ['int8', []], max_i8: ['int8', []], max_u8: ['uint8', []], min_i16: ['int16', []], max_i16: ['int16', []],
  max_u16: ['uint16', []], min_i32: ['int32', []], max_i32: ['int32', []], max_u32: ['uint32', []],
  min_i64: ['int64', []], max_i64: ['int64', []], max_u64: ['uint64', []],
  pow2_53_plus_1: ['int64', []], neg_pow2_53_minus_1: ['int64', []],
  is_min_i8: ['int', ['int8']], is_max_u8: ['int', ['uint8']], is_min_i16: ['int', ['int16']],
  is_max_u16: ['int', ['uint16']], is_min_i32: ['int', ['int32']], is_max_u32: ['int', ['uint32']],
  is_min_i64: ['int', ['int64']], is_max_i64: ['int', ['int64']], is_max_u64: ['int', ['uint64']],
  is_pow2_53_plus_1: ['int', ['int64']],
  add_i32: ['int', ['int', 'int']], neg_i32: ['int', ['int']], sub_u32: ['uint32', ['uint32', 'uint32']],
  add_i8: ['int8', ['int8', 'int8']], add_u8: ['uint8', ['uint8', 'uint8']], add_i64: ['int64', ['int64', 'int64']],
  mul_u64: ['uint64', ['uint64', 'uint64']], half_i64: ['int64', ['int64']],
  minus_one_i8: ['int8', []], minus_one_i16: ['int16', []], u8_from_int: ['uint8', ['int']],
  id_float: ['float', ['float']], id_double: ['double', ['double']], add_float: ['float', ['float', 'float']],
  mul_double: ['double', ['double', 'double']], nan_double: ['double', []], inf_double: ['double', []],
  neg_inf_double: ['double', []], neg_zero_double: ['double', []], denorm_min_double: ['double', []],
  dbl_max: ['double', []], flt_max: ['float', []], flt_min_denorm: ['float', []], nan_float: ['float', []],
  is_nan_double: ['int', ['double']], is_nan_float: ['int', ['float']], is_neg_zero: ['int', ['double']],
  classify_double: ['int', ['double']], is_flt_max: ['int', ['float']], is_point_one_float: ['int', ['float']],
  bool_not: ['bool', ['bool']], bool_id: ['bool', ['bool']], bool_to_int: ['int', ['bool']],
  char_upper: ['char', ['char']], uchar_id: ['uchar', ['uchar']], schar_min: ['char', []],
  str_null: ['string', []], str_static: ['string', []], str_empty: ['string', []], str_utf8: ['string', []],
  str_len: ['size_t', ['string']], str_is_null: ['int', ['string']], str_checksum: ['uint32', ['string']],
  str_eq: ['int', ['string', 'string']], str_format: ['int', [charPtr, 'size_t', 'string', 'int']],
  str_dup_upper: ['pointer', ['string']], str_free: ['void', ['pointer']],
  ptr_id: ['pointer', ['pointer']], ptr_is_null: ['int', ['pointer']], ptr_to_uint: ['uint64', ['pointer']],
  ptr_null: ['pointer', []], ptr_offset: [charPtr, [charPtr, 'int']],
  get_name: ['int', ['int', ref.refType('string')]], count_strings: ['int', [ref.refType(charPtr)]],
  get_int_ptr: ['void', [ref.refType(intPtr)]], read_int_pp: ['int', [ref.refType(intPtr)]],
  set_int_pp: ['void', [ref.refType(intPtr), 'int']], get_the_int: ['int', []], set_the_int: ['void', ['int']],
  the_int_ptr: [intPtr, []],
  get_values: ['void', [intPtr, ref.refType('double')]],
  get_more: ['void', ['int8 *', 'uint16 *', 'int64 *', 'float *', 'bool *']],
  swap_ints: ['void', [intPtr, intPtr]], sum_ints: ['int', [intPtr, 'int']],
  fill_doubles: ['void', ['double *', 'int']],
  counter_new: ['pointer', ['int']], counter_inc: ['int', ['pointer']], counter_get: ['int', ['pointer']],
  counter_free: ['void', ['pointer']], counter_live: ['int', []],
  answer: ['int', []], zero_args_double: ['double', []],
  mix6: ['double', ['int', 'double', 'int', 'double', 'int', 'double']],
  int6: ['long', ['long', 'long', 'long', 'long', 'long', 'long']],
  int7: ['long', ['long', 'long', 'long', 'long', 'long', 'long', 'long']],
  mix7: ['double', ['int', 'double', 'int', 'double', 'int', 'double', 'int']],
  mix8: ['double', ['int', 'double', 'int', 'double', 'int', 'double', 'int', 'double']],
  dbl8: ['double', Array(8).fill('double')],
  dbl9: ['double', Array(9).fill('double')],
  mix9: ['double', ['int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int']],
  mix14: ['double', ['int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'double', 'double']],
  mix16: ['double', ['int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double', 'int', 'double']],
  stack_mix: ['int64', ['int64', 'int64', 'int64', 'int64', 'int64', 'int64', 'int8', 'int64', 'float', 'uint16']],
});
const lib = ffi.Library(BASIC, spec);

/** Weighted sum the C many-argument functions compute. */
const weighted = (args) => args.reduce((s, v, i) => s + v * (i + 1), 0);

describe('integers', () => {
  it('C returns every integer limit exactly', () => {
    assert.strictEqual(lib.min_i8(), -128);
    assert.strictEqual(lib.max_i8(), 127);
    assert.strictEqual(lib.max_u8(), 255);
    assert.strictEqual(lib.min_i16(), -32768);
    assert.strictEqual(lib.max_i16(), 32767);
    assert.strictEqual(lib.max_u16(), 65535);
    assert.strictEqual(lib.min_i32(), -2147483648);
    assert.strictEqual(lib.max_i32(), 2147483647);
    assert.strictEqual(lib.max_u32(), 4294967295);
    assert.strictEqual(lib.min_i64(), '-9223372036854775808');
    assert.strictEqual(lib.max_i64(), '9223372036854775807');
    assert.strictEqual(lib.max_u64(), '18446744073709551615');
  });

  it('JS passes every integer limit exactly (checked in C)', () => {
    assert.strictEqual(lib.is_min_i8(-128), 1);
    assert.strictEqual(lib.is_max_u8(255), 1);
    assert.strictEqual(lib.is_min_i16(-32768), 1);
    assert.strictEqual(lib.is_max_u16(65535), 1);
    assert.strictEqual(lib.is_min_i32(-2147483648), 1);
    assert.strictEqual(lib.is_max_u32(4294967295), 1);
    assert.strictEqual(lib.is_min_i64('-9223372036854775808'), 1);
    assert.strictEqual(lib.is_min_i64(-(2n ** 63n)), 1);
    assert.strictEqual(lib.is_max_i64('9223372036854775807'), 1);
    assert.strictEqual(lib.is_max_i64(2n ** 63n - 1n), 1);
    assert.strictEqual(lib.is_max_u64('18446744073709551615'), 1);
    assert.strictEqual(lib.is_max_u64(2n ** 64n - 1n), 1);
    assert.strictEqual(lib.is_max_u64('0xffffffffffffffff'), 1);
    assert.strictEqual(lib.is_max_u32(4294967294), 0);
  });

  it('identity functions round-trip limits in both directions', () => {
    const cases = {
      id_i8: [-128, -1, 0, 127], id_u8: [0, 1, 255], id_i16: [-32768, 32767], id_u16: [0, 65535],
      id_i32: [-2147483648, -1, 2147483647], id_u32: [0, 2147483648, 4294967295],
      id_i64: [0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
      id_u64: [0, Number.MAX_SAFE_INTEGER], id_long: [-5, 2 ** 40], id_ulong: [7, 2 ** 52], id_size_t: [0, 2 ** 50],
    };
    for (const [fn, values] of Object.entries(cases)) {
      for (const v of values) assert.strictEqual(lib[fn](v), v, fn + '(' + v + ')');
    }
  });

  it('narrow returns are sign- or zero-extended correctly', () => {
    assert.strictEqual(lib.minus_one_i8(), -1);
    assert.strictEqual(lib.minus_one_i16(), -1);
    assert.strictEqual(lib.u8_from_int(300), 44);
    assert.strictEqual(lib.u8_from_int(-1), 255);
    assert.strictEqual(lib.schar_min(), -128);
  });

  it('arithmetic in C, including wrap-around', () => {
    assert.strictEqual(lib.add_i32(40, 2), 42);
    assert.strictEqual(lib.add_i32(2147483647, 1), -2147483648);
    assert.strictEqual(lib.neg_i32(-5), 5);
    assert.strictEqual(lib.sub_u32(0, 1), 4294967295);
    assert.strictEqual(lib.add_i8(127, 1), -128);
    assert.strictEqual(lib.add_u8(255, 2), 1);
    assert.strictEqual(lib.add_i64(-3, 10), 7);
    assert.strictEqual(lib.half_i64(-9), -4);
  });

  it('int64 / uint64 beyond 2^53: decimal strings out; string, BigInt or Number in', () => {
    assert.strictEqual(lib.pow2_53_plus_1(), '9007199254740993');
    assert.strictEqual(lib.neg_pow2_53_minus_1(), '-9007199254740993');
    assert.strictEqual(lib.is_pow2_53_plus_1('9007199254740993'), 1);
    assert.strictEqual(lib.is_pow2_53_plus_1(9007199254740993n), 1);
    assert.strictEqual(lib.is_pow2_53_plus_1(2 ** 53), 0);
    assert.strictEqual(lib.id_i64('9007199254740993'), '9007199254740993');
    assert.strictEqual(lib.id_i64(2n ** 62n), '4611686018427387904');
    assert.strictEqual(lib.id_i64(2 ** 62), '4611686018427387904'); // an exact Number above 2^53
    assert.strictEqual(lib.id_u64('18446744073709551615'), '18446744073709551615');
    assert.strictEqual(lib.id_u64(2 ** 63), '9223372036854775808');
    assert.strictEqual(lib.id_i64('-0x10'), -16);
    assert.strictEqual(lib.add_i64('9007199254740992', 1), '9007199254740993');
    assert.strictEqual(lib.mul_u64('4294967296', '4294967295'), '18446744069414584320');
    assert.strictEqual(lib.mul_u64(2n ** 32n, 2n ** 32n), 0); // wraps in C
  });
  it('int64 results of exactly +-2^53 are Numbers, as ref-napi reads them', () => {
    assert.strictEqual(lib.id_i64(2 ** 53), 2 ** 53);
    assert.strictEqual(lib.id_i64(-(2 ** 53)), -(2 ** 53));
    assert.strictEqual(lib.id_u64(2 ** 53), 2 ** 53);
  });
});

describe('floating point', () => {
  it('specials come back from C', () => {
    assert.ok(Number.isNaN(lib.nan_double()));
    assert.ok(Number.isNaN(lib.nan_float()));
    assert.strictEqual(lib.inf_double(), Infinity);
    assert.strictEqual(lib.neg_inf_double(), -Infinity);
    assert.ok(Object.is(lib.neg_zero_double(), -0));
    assert.strictEqual(lib.denorm_min_double(), 5e-324);
    assert.strictEqual(lib.dbl_max(), Number.MAX_VALUE);
    assert.strictEqual(lib.flt_max(), 3.4028234663852886e38);
    assert.strictEqual(lib.flt_min_denorm(), 1.401298464324817e-45);
  });

  it('specials reach C', () => {
    assert.strictEqual(lib.is_nan_double(NaN), 1);
    assert.strictEqual(lib.is_nan_float(NaN), 1);
    assert.strictEqual(lib.is_nan_double(0), 0);
    assert.strictEqual(lib.is_neg_zero(-0), 1);
    assert.strictEqual(lib.is_neg_zero(0), 0);
    assert.strictEqual(lib.classify_double(Infinity), 1);
    assert.strictEqual(lib.classify_double(-Infinity), -1);
    assert.strictEqual(lib.classify_double(5e-324), 2);
    assert.strictEqual(lib.classify_double(1), 0);
    assert.strictEqual(lib.is_flt_max(3.4028234663852886e38), 1);
  });

  it('float arguments are single precision, not promoted', () => {
    assert.strictEqual(lib.is_point_one_float(0.1), 1);
    assert.strictEqual(lib.id_float(0.1), Math.fround(0.1));
    assert.strictEqual(lib.add_float(1.5, 2.25), 3.75);
    assert.strictEqual(lib.id_float(1e40), Infinity); // overflows float
    assert.ok(Object.is(lib.id_double(-0), -0));
    assert.strictEqual(lib.id_double(Math.PI), Math.PI);
    assert.strictEqual(lib.mul_double(1.5, -4), -6);
  });

  it('BigInt is accepted where a double is expected', () => {
    assert.strictEqual(lib.id_double(10n), 10);
  });
});

describe('bool and char', () => {
  it('bool in and out', () => {
    assert.strictEqual(lib.bool_not(true), false);
    assert.strictEqual(lib.bool_not(false), true);
    assert.strictEqual(lib.bool_id(true), true);
    assert.strictEqual(lib.bool_to_int(true), 1);
    assert.strictEqual(lib.bool_to_int(0), 0);
    assert.strictEqual(lib.bool_to_int(5), 1);
  });

  it('char in and out (char codes)', () => {
    assert.strictEqual(lib.char_upper('a'.charCodeAt(0)), 'A'.charCodeAt(0));
    assert.strictEqual(lib.char_upper(0x31), 0x31);
    assert.strictEqual(lib.uchar_id(200), 200);
  });
});

describe('strings', () => {
  it('a char * return of NULL is null; static and empty strings come back', () => {
    assert.strictEqual(lib.str_null(), null);
    assert.strictEqual(lib.str_static(), 'hello from C');
    assert.strictEqual(lib.str_empty(), '');
  });

  it('UTF-8 both ways', () => {
    const text = 'h\u00e9llo w\u00f6rld \u2713 \u{1F600}';
    assert.strictEqual(lib.str_utf8(), text);
    assert.strictEqual(lib.str_len(text), Buffer.byteLength(text));
    assert.strictEqual(lib.str_eq(text, lib.str_utf8()), 1);
    // (short ASCII: a JS loop; longer or non-ASCII: Node-API's transcoder;
    // lone surrogates become U+FFFD as in Buffer.from(s, 'utf8'))
    for (const s of ['', 'abc', text, 'x'.repeat(5000), '\u00ff'.repeat(3000), 'a\ud800b', '\udfff'.repeat(17), 'y'.repeat(17), 'z'.repeat(16)]) {
      assert.strictEqual(lib.str_checksum(s), fnv1a(s));
      assert.strictEqual(lib.str_len(s), Buffer.byteLength(s));
    }
  });

  it('null / a Buffer / a string for a string argument', () => {
    assert.strictEqual(lib.str_is_null(null), 1);
    assert.strictEqual(lib.str_is_null(''), 0);
    assert.strictEqual(lib.str_len(Buffer.from('buf\0ignored')), 3);
    assert.strictEqual(lib.str_eq('same', 'same'), 1);
    assert.strictEqual(lib.str_eq('same', 'diff'), 0);
  });

  it('repeated string arguments (memoised bytes) stay right and are copied afresh every call', () => {
    const libc = ffi.Library(null, { memset: ['pointer', ['string', 'int', 'size_t']] });
    const s = 'abcdefghij', t = 'abcdefghik', u = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let i = 0; i < 6; i++) {
      // C overwrites its copy of s: the next call must still see s.
      libc.memset(s, 0x78, 3);
      assert.strictEqual(lib.str_checksum(s), fnv1a(s));
      assert.strictEqual(lib.str_len(s), 10);
      // strings of the same length alternating, and the same string twice in one call
      assert.strictEqual(lib.str_checksum(i % 2 ? s : t), fnv1a(i % 2 ? s : t));
      assert.strictEqual(lib.str_eq(s, s), 1);
      assert.strictEqual(lib.str_eq(s, t), 0);
      assert.strictEqual(lib.str_eq(u, u), 1);
      assert.strictEqual(lib.str_eq(u, s), 0);
      assert.strictEqual(lib.str_len(i % 3 ? u : ''), i % 3 ? u.length : 0);
    }
  });

  it('C writes into a caller buffer', () => {
    const out = Buffer.alloc(64);
    const n = lib.str_format(out, out.length, 'count', -123);
    assert.strictEqual(n, 10);
    assert.strictEqual(out.readCString(), 'count:-123');
  });

  it('a malloc()ed string returned as a pointer, read and freed', () => {
    const p = lib.str_dup_upper('make me loud');
    assert.strictEqual(p.length, 0);
    assert.strictEqual(ref.readCString(p), 'MAKE ME LOUD');
    lib.str_free(p);
  });
});

describe('pointers and out-parameters', () => {
  it('a pointer goes through C unchanged; NULL is null-ish', () => {
    const b = Buffer.alloc(4);
    const back = lib.ptr_id(b);
    assert.strictEqual(back.address(), b.address());
    assert.strictEqual(back.length, 0);
    assert.strictEqual(lib.ptr_is_null(null), 1);
    assert.strictEqual(lib.ptr_is_null(ref.NULL), 1);
    assert.strictEqual(lib.ptr_is_null(b), 0);
    const n = lib.ptr_null();
    assert.ok(Buffer.isBuffer(n));
    assert.ok(n.isNull());
    assert.strictEqual(lib.ptr_id(null).isNull(), true);
  });

  it('pointer arithmetic in C, typed char* result', () => {
    const b = Buffer.from('abcdef\0');
    const p = lib.ptr_offset(b, 2);
    assert.strictEqual(p.address(), b.address() + 2);
    assert.strictEqual(p.length, 1); // char* -> sizeof(char)
    assert.strictEqual(p.type, ref.types.char);
    assert.strictEqual(p.deref(), 'c'.charCodeAt(0));
  });

  it('char ** out-parameter (string *)', () => {
    const out = ref.alloc('string');
    assert.strictEqual(lib.get_name(1, out), 4);
    assert.strictEqual(out.deref(), 'beta');
    assert.strictEqual(lib.get_name(7, out), -1);
    assert.strictEqual(out.deref(), null);
  });

  it('char ** in: an array of C strings built in JS', () => {
    const strs = ['one', 'two', 'three'].map((s) => ref.allocCString(s));
    const arr = Buffer.alloc(8 * 4);
    strs.forEach((s, i) => ref.writePointer(arr, i * 8, s));
    ref.writePointer(arr, 24, null);
    assert.strictEqual(lib.count_strings(arr), 3);
  });

  it('int ** out-parameter', () => {
    lib.set_the_int(1234);
    const pp = ref.alloc(intPtr);
    lib.get_int_ptr(pp);
    const p = pp.deref();
    assert.strictEqual(p.type, ref.types.int);
    assert.strictEqual(p.deref(), 1234);
    assert.strictEqual(lib.read_int_pp(pp), 1234);
    lib.set_int_pp(pp, -8);
    assert.strictEqual(lib.get_the_int(), -8);
    assert.strictEqual(p.deref(), -8); // same memory
    assert.strictEqual(lib.the_int_ptr().address(), p.address());
    lib.set_the_int(1234);
  });

  it('out-parameters of several types', () => {
    const a = ref.alloc('int');
    const b = ref.alloc('double');
    lib.get_values(a, b);
    assert.strictEqual(a.deref(), 42);
    assert.strictEqual(b.deref(), 3.5);
    const o = ['int8', 'uint16', 'int64', 'float', 'bool'].map((t) => ref.alloc(t));
    lib.get_more(...o);
    assert.deepStrictEqual(o.map((x) => x.deref()), [-7, 65535, '-9223372036854775808', 0.5, true]);
  });

  it('in/out through int * and arrays', () => {
    const x = ref.alloc('int', 1), y = ref.alloc('int', 2);
    lib.swap_ints(x, y);
    assert.deepStrictEqual([x.deref(), y.deref()], [2, 1]);
    const arr = Buffer.alloc(4 * 5);
    [3, -1, 4, 1, -5].forEach((v, i) => arr.writeInt32LE(v, i * 4));
    assert.strictEqual(lib.sum_ints(arr, 5), 2);
    const d = Buffer.alloc(8 * 4);
    lib.fill_doubles(d, 4);
    assert.deepStrictEqual([0, 1, 2, 3].map((i) => d.readDoubleLE(i * 8)), [0, 1.5, 3, 4.5]);
  });

  it('opaque handle: create, use, destroy', () => {
    const before = lib.counter_live();
    const c = lib.counter_new(10);
    assert.ok(!c.isNull());
    assert.strictEqual(lib.counter_live(), before + 1);
    assert.strictEqual(lib.counter_inc(c), 11);
    assert.strictEqual(lib.counter_inc(c), 12);
    assert.strictEqual(lib.counter_get(c), 12);
    const d = lib.counter_new(-1);
    assert.strictEqual(lib.counter_inc(d), 0);
    assert.strictEqual(lib.counter_get(c), 12);
    lib.counter_free(c);
    lib.counter_free(d);
    lib.counter_free(null);
    assert.strictEqual(lib.counter_live(), before);
  });
});

describe('argument counts and call paths', () => {
  it('0 arguments', () => {
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.answer(), 42)), { fast: 1, generic: 0 });
    assert.strictEqual(lib.zero_args_double(), 2.5);
  });

  it('6 arguments (registers: fast path)', () => {
    const a = [1, 2.5, 3, 4.25, 5, 6.125];
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.mix6(...a), weighted(a))), { fast: 1, generic: 0 });
    const b = [1, -2, 3, -4, 5, 2 ** 40];
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.int6(...b), weighted(b))), { fast: 1, generic: 0 });
  });

  it('7 integer arguments (one on the stack: generic path)', () => {
    const a = [1, 2, 3, 4, 5, 6, 7];
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.int7(...a), weighted(a))), { fast: 0, generic: 1 });
  });

  it('7, 8 and 9 mixed arguments that fit the registers (fast path)', () => {
    const a7 = [1, 0.5, 2, 0.25, 3, 0.125, 4];
    const a8 = [-1, 0.5, -2, 0.25, -3, 0.125, -4, 1e10];
    const a9 = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
    assert.deepStrictEqual(paths(() => {
      assert.strictEqual(lib.mix7(...a7), weighted(a7));
      assert.strictEqual(lib.mix8(...a8), weighted(a8));
      assert.strictEqual(lib.mix9(...a9), weighted(a9));
    }), { fast: 3, generic: 0 });
  });

  it('8 doubles fit, 9 doubles do not', () => {
    const a8 = [1, 2, 3, 4, 5, 6, 7, 8].map((x) => x / 4);
    const a9 = a8.concat([9.75]);
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.dbl8(...a8), weighted(a8))), { fast: 1, generic: 0 });
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.dbl9(...a9), weighted(a9))), { fast: 0, generic: 1 });
  });

  it('14 arguments: 6 ints + 8 doubles exactly fill the registers (fast path)', () => {
    const a = [1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13.5, 14.5];
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.mix14(...a), weighted(a))), { fast: 1, generic: 0 });
  });

  it('16 arguments: 8 ints + 8 doubles (generic path)', () => {
    const a = [1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5];
    assert.deepStrictEqual(paths(() => assert.strictEqual(lib.mix16(...a), weighted(a))), { fast: 0, generic: 1 });
  });

  it('mixed widths on the stack (int8, int64, float, uint16 past the registers)', () => {
    const r = lib.stack_mix(1, 2, 3, 4, 5, 6, -7, '9007199254740993', 2.5, 65535);
    const expect = 1n + 2n * 2n + 3n * 3n + 4n * 4n + 5n * 5n + 6n * 6n - 7n * 7n + 9007199254740993n * 8n + 22n + 655350n;
    assert.strictEqual(r, expect.toString());
  });

  it('a struct by value goes through the generic path', () => {
    // An aggregate type by the engine's descriptor protocol (docs/engine.md),
    // independent of reffi/struct.
    const Pair = {
      name: 'Pair', size: 8, alignment: 4, indirection: 1,
      [Symbol.for('reffi.descriptor')]: '{i32,i32}',
      get(buf, offset) { return { a: buf.readInt32LE(offset), b: buf.readInt32LE(offset + 4) }; },
      set(buf, offset, v) { buf.writeInt32LE(v.a, offset); buf.writeInt32LE(v.b, offset + 4); },
    };
    const l = ffi.Library(BASIC, { pair_sum: ['int32', [Pair]], pair_make: [Pair, ['int32', 'int32']] });
    assert.deepStrictEqual(paths(() => assert.strictEqual(l.pair_sum({ a: 40, b: 2 }), 42)), { fast: 0, generic: 1 });
    assert.deepStrictEqual(l.pair_make(-3, 9), { a: -3, b: 9 });
  });
});

describe('types by name and by object', () => {
  it('ffi.types is ref.types; type objects, names and "type *" strings all work', () => {
    assert.strictEqual(ffi.types, ref.types);
    const l = ffi.Library(BASIC, {
      add_i32: [ref.types.int, [ref.types.int32, 'int32']],
      read_int_pp: ['int', ['int **']],
      ptr_id: ['void *', [ref.refType(ref.types.void)]],
      id_u64: [ref.types.ulonglong, ['uint64']],
    });
    assert.strictEqual(l.add_i32(1, 2), 3);
    const pp = ref.alloc('int *', ref.alloc('int', 5));
    assert.strictEqual(l.read_int_pp(pp), 5);
    const b = Buffer.alloc(1);
    assert.strictEqual(l.ptr_id(b).address(), b.address());
    assert.strictEqual(l.id_u64(3), 3);
  });

  it('pointer return types at any indirection carry the type one level down', () => {
    const l = ffi.Library(BASIC, {
      ptr_id: [ref.refType(ref.refType(ref.refType('int'))), ['pointer']],
      the_int_ptr: ['int *', []],
    });
    const b = Buffer.alloc(8);
    const p3 = l.ptr_id(b);
    assert.strictEqual(p3.length, 8); // holds an int** : pointer-sized
    assert.strictEqual(p3.type.indirection, 3);
    assert.strictEqual(p3.type, ref.derefType(ref.refType(ref.refType(ref.refType('int')))));
    assert.strictEqual(l.the_int_ptr().type, ref.types.int);
  });

  it('custom type objects as argument and return types', () => {
    const Flag = {
      name: 'Flag', size: 4, alignment: 4, indirection: 1,
      get(buf, offset) { return buf.readInt32LE(offset) !== 0; },
      set(buf, offset, v) { buf.writeInt32LE(v ? 1 : 0, offset); },
    };
    const Big = {
      name: 'Big', size: 8, indirection: 1,
      get(buf, offset) { return buf.readBigInt64LE(offset); },
      set(buf, offset, v) { buf.writeBigInt64LE(BigInt(v), offset); },
    };
    const l = ffi.Library(BASIC, { id_i32: [Flag, [Flag]], add_i64: [Big, [Big, Big]], neg_i32: ['int', [Flag]] });
    assert.strictEqual(l.id_i32(true), true);
    assert.strictEqual(l.id_i32(false), false);
    assert.strictEqual(l.neg_i32('truthy'), -1);
    assert.strictEqual(l.add_i64(2n ** 62n, 5n), 2n ** 62n + 5n);
  });
});

describe('Library', () => {
  it('takes names with and without the extension, and null for the current process', () => {
    const a = ffi.Library(BASIC.slice(0, -3), { answer: ['int', []] });
    const b = ffi.Library(BASIC, { answer: ['int', []] });
    assert.strictEqual(a.answer(), 42);
    assert.strictEqual(b.answer(), 42);
    const self = ffi.Library(null, { getpid: ['int', []], abs: ['int', ['int']] });
    assert.strictEqual(self.getpid(), process.pid);
    assert.strictEqual(self.abs(-3), 3);
    assert.strictEqual(new ffi.Library(undefined, { abs: ['int', ['int']] }).abs(-4), 4);
  });

  it('works with and without new; new Library() with no arguments is an object', () => {
    assert.strictEqual(typeof new ffi.Library(), 'object');
    const l = new ffi.Library('libm', { ceil: ['double', ['double']] });
    assert.strictEqual(l.ceil(1.1), 2);
    assert.strictEqual(ffi.Library('libm' + ffi.LIB_EXT, { ceil: ['double', ['double']] }).ceil(100.9), 101);
  });

  it('falls back to a versioned file when only libfoo.so.N exists', () => {
    withLibraryCopy(BASIC, 'libonlyver.so.3', (copy, dir) => {
      const l = ffi.Library(path.join(dir, 'libonlyver'), { answer: ['int', []] });
      assert.strictEqual(l.answer(), 42);
      assert.strictEqual(l._dl._loadedPath, path.join(dir, 'libonlyver.so.3'));
      // system libraries too: "libsqlite3" is libsqlite3.so or libsqlite3.so.0
      const s = ffi.Library('libsqlite3', { sqlite3_libversion_number: ['int', []] });
      assert.ok(s.sqlite3_libversion_number() >= 3000000);
    });
  });

  it('accepts a DynamicLibrary instance and a target object (third argument)', () => {
    const dl = new ffi.DynamicLibrary(BASIC, ffi.DynamicLibrary.FLAGS.RTLD_NOW);
    const target = { existing: 1 };
    const out = ffi.Library(dl, { answer: ['int', []], add_i32: ['int', ['int', 'int']] }, target);
    assert.strictEqual(out, target);
    assert.strictEqual(target.existing, 1);
    assert.strictEqual(target.answer(), 42);
    assert.strictEqual(target.add_i32(2, 3), 5);
  });

  it('{ async: true } binds the async version', async () => {
    const l = ffi.Library(BASIC, { add_i32: ['int', ['int', 'int'], { async: true }] });
    const viaCallback = await new Promise((resolve, reject) => {
      l.add_i32(20, 22, (err, res) => (err ? reject(err) : resolve(res)));
    });
    assert.strictEqual(viaCallback, 42);
    assert.strictEqual(await l.add_i32(1, 2), 3);
  });

  it('{ varargs: true } binds a variadic function generator', () => {
    const l = ffi.Library(BASIC, {
      sum_variadic: ['int', ['int'], { varargs: true }],
      sum_variadic_double: ['double', ['int'], { varargs: true }],
    });
    assert.strictEqual(typeof l.sum_variadic, 'function');
    assert.strictEqual(l.sum_variadic('int', 'int', 'int')(3, 10, 20, 30), 60);
    assert.strictEqual(l.sum_variadic()(0), 0);
    assert.strictEqual(l.sum_variadic('int')(1, -5), -5);
    // float variadic arguments are promoted to double, as C does
    assert.strictEqual(l.sum_variadic_double('double', 'float')(2, 1.5, 2.5), 6.5);
    assert.strictEqual(l.sum_variadic('int'), l.sum_variadic(ref.types.int));
    const s = ffi.stats().generic;
    l.sum_variadic('int')(1, 1);
    assert.strictEqual(ffi.stats().generic, s + 1);
  });

  it('snprintf from libc as a variadic function', () => {
    const libc = ffi.Library(null, { snprintf: ['int', ['pointer', 'size_t', 'string'], { varargs: true }] });
    const buf = Buffer.alloc(100);
    assert.strictEqual(libc.snprintf()(buf, 100, 'hello world!'), 12);
    assert.strictEqual(buf.readCString(), 'hello world!');
    libc.snprintf('int')(buf, 100, '%d', 42);
    assert.strictEqual(buf.readCString(), '42');
    libc.snprintf('double')(buf, 100, '%10.2f', 3.14);
    assert.strictEqual(buf.readCString(), '      3.14');
    libc.snprintf('string', 'int64', 'char')(buf, 100, ' %s %lld %c', 'test', '-9007199254740993', 'Z'.charCodeAt(0));
    assert.strictEqual(buf.readCString(), ' test -9007199254740993 Z');
  });
});

describe('DynamicLibrary', () => {
  it('flags, get(), path(), symbol names', () => {
    const F = ffi.DynamicLibrary.FLAGS;
    assert.strictEqual(F.RTLD_LAZY, 1);
    assert.strictEqual(F.RTLD_NOW, 2);
    assert.strictEqual(F.RTLD_GLOBAL, 0x100);
    assert.strictEqual(F.RTLD_LOCAL, 0);
    assert.strictEqual(ffi.RTLD_NOW, F.RTLD_NOW);
    assert.strictEqual(ffi.RTLD_GLOBAL, F.RTLD_GLOBAL);
    assert.strictEqual(ffi.LIB_EXT, '.so');
    const dl = ffi.DynamicLibrary(BASIC, F.RTLD_NOW | F.RTLD_LOCAL);
    assert.ok(dl instanceof ffi.DynamicLibrary);
    assert.strictEqual(dl.path(), BASIC);
    const sym = dl.get('answer');
    assert.ok(Buffer.isBuffer(sym));
    assert.strictEqual(sym.length, 0);
    assert.strictEqual(sym.name, 'answer');
    assert.ok(!sym.isNull());
    const libc = new ffi.DynamicLibrary('libc.so.6');
    assert.strictEqual(libc.get('free').name, 'free');
    assert.strictEqual(new ffi.DynamicLibrary().get('getpid').name, 'getpid');
  });

  it('RTLD_GLOBAL makes symbols visible process-wide; RTLD_NOLOAD only finds loaded libraries', () => {
    withLibraryCopy(BASIC, 'libglobalcopy.so', (copy) => {
      const F = ffi.DynamicLibrary.FLAGS;
      assert.throws(() => new ffi.DynamicLibrary(copy, F.RTLD_NOW | F.RTLD_NOLOAD), { code: 'ERR_REFFI_LIBRARY_NOT_FOUND' });
      const self = new ffi.DynamicLibrary(null);
      assert.throws(() => self.get('counter_live'), { code: 'ERR_REFFI_SYMBOL_NOT_FOUND' });
      const dl = new ffi.DynamicLibrary(copy, F.RTLD_NOW | F.RTLD_GLOBAL);
      const sym = new ffi.DynamicLibrary(null).get('counter_live');
      assert.strictEqual(sym.address(), dl.get('counter_live').address());
      assert.strictEqual(ffi.ForeignFunction(sym, 'int', [])(), 0);
      const again = new ffi.DynamicLibrary(copy, F.RTLD_NOW | F.RTLD_NOLOAD);
      assert.strictEqual(again.get('answer').address(), dl.get('answer').address());
    });
  });

  it('ForeignFunction(ptr, ret, args) on a symbol', () => {
    const dl = new ffi.DynamicLibrary(BASIC);
    const add = ffi.ForeignFunction(dl.get('add_i32'), 'int', ['int', 'int']);
    assert.strictEqual(typeof add, 'function');
    assert.strictEqual(add(-10, 3), -7);
    const abs = ffi.ForeignFunction(new ffi.DynamicLibrary(null).get('abs'), ref.types.int, [ref.types.int]);
    assert.strictEqual(abs(-1234), 1234);
    assert.strictEqual(typeof abs.async, 'function');
  });

  it('VariadicForeignFunction(ptr, ret, fixed)', () => {
    const dl = new ffi.DynamicLibrary(BASIC);
    const gen = ffi.VariadicForeignFunction(dl.get('sum_variadic'), 'int', ['int']);
    assert.strictEqual(gen('int', 'int')(2, 40, 2), 42);
    assert.strictEqual(gen('int', 'int'), gen(ref.types.int, 'int'));
    assert.strictEqual(ref.coerceType(gen.returnType), ref.types.int);
  });

  it('close(): bound functions then throw ERR_REFFI_LIBRARY_CLOSED instead of crashing', () => {
    // A private copy, so that dlclose really unmaps it.
    withLibraryCopy(BASIC, 'libclosable.so', (copy) => {
      const dl = new ffi.DynamicLibrary(copy, ffi.RTLD_NOW);
      const answer = ffi.ForeignFunction(dl.get('answer'), 'int', []);
      const many = ffi.ForeignFunction(dl.get('int7'), 'long', Array(7).fill('long'));
      const l = ffi.Library(copy, { add_i32: ['int', ['int', 'int']] });
      assert.strictEqual(answer(), 42);
      assert.strictEqual(many(1, 1, 1, 1, 1, 1, 1), 28);
      assert.strictEqual(dl.close(), 0);
      l._dl.close();
      assert.throws(() => answer(), { code: 'ERR_REFFI_LIBRARY_CLOSED', message: /answer/ });
      assert.throws(() => many(1, 1, 1, 1, 1, 1, 1), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
      assert.throws(() => l.add_i32(1, 2), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
      assert.throws(() => dl.get('answer'), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
      assert.strictEqual(dl.close(), 0); // closing twice is harmless
    });
  });

  it('async calls into a closed library fail with ERR_REFFI_LIBRARY_CLOSED', async () => {
    const dl = new ffi.DynamicLibrary(BASIC);
    const add = ffi.ForeignFunction(dl.get('add_i32'), 'int', ['int', 'int']);
    assert.strictEqual(await add.async(1, 1), 2);
    dl.close();
    let err;
    try { await add.async(1, 1); } catch (e) { err = e; }
    assert.ok(err, 'expected an error');
    assert.strictEqual(err.code, 'ERR_REFFI_LIBRARY_CLOSED');
  });

  it('close() frees the functions\' plans at once; their reused ids never reach the old functions (issue #6)', async () => {
    const s0 = ffi.stats().functions;
    const a = ffi.Library(BASIC, { add_i32: ['int', ['int', 'int']], answer: ['int', []], str_len: ['size_t', ['string']] });
    assert.strictEqual(ffi.stats().functions, s0 + 3);
    assert.strictEqual(a.add_i32(2, 3), 5);
    a.close();
    assert.strictEqual(ffi.stats().functions, s0, 'plans freed by close(), not by the GC');
    // New plans take the freed ids; the old functions must still throw.
    const b = ffi.Library(BASIC, { id_i32: ['int', ['int']], answer: ['int', []], str_len: ['size_t', ['string']] });
    assert.throws(() => a.add_i32(2, 3), { code: 'ERR_REFFI_LIBRARY_CLOSED', message: /"add_i32"/ });
    assert.throws(() => a.answer(), { code: 'ERR_REFFI_LIBRARY_CLOSED', message: /"answer"/ });
    assert.throws(() => a.str_len('abc'), { code: 'ERR_REFFI_LIBRARY_CLOSED', message: /"str_len"/ });
    assert.throws(() => a.add_i32.async(2, 3, () => {}), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
    assert.throws(() => a.add_i32(1), { code: 'ERR_REFFI_ARG_COUNT' }, 'arguments are still checked first');
    assert.strictEqual(b.id_i32(-7), -7);
    assert.strictEqual(b.answer(), 42);
    assert.strictEqual(await b.str_len.async('abcd'), 4);
    const s1 = ffi.stats().functions;
    b.close();
    assert.strictEqual(ffi.stats().functions, s1 - 3);
  });

  it('binding a symbol looked up before its library was closed throws instead of calling freed code', () => {
    withLibraryCopy(BASIC, 'libclosable.so', (copy) => {
      const dl = new ffi.DynamicLibrary(copy, ffi.RTLD_NOW);
      const ptr = dl.get('answer');
      const gen = ffi.VariadicForeignFunction(dl.get('sum_variadic'), 'int', ['int']);
      dl.close();
      assert.throws(() => ffi.ForeignFunction(ptr, 'int', []), { code: 'ERR_REFFI_LIBRARY_CLOSED', message: /"answer"/ });
      assert.throws(() => gen('int')(1, 2), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
    });
  });
});

describe('many calls', () => {
  let before0;
  before(() => { before0 = ffi.stats(); });
  after(() => { assert.ok(ffi.stats().fast > before0.fast); });

  it('string arguments do not leak between calls', () => {
    for (let i = 0; i < 2000; i++) {
      const s = 'k' + i + '\u00e9'.repeat(i % 7);
      assert.strictEqual(lib.str_len(s), Buffer.byteLength(s));
    }
  });

  it('pointer arguments in a loop', () => {
    const b = ref.alloc('int', 0);
    for (let i = 0; i < 1000; i++) {
      b.writeInt32LE(i, 0);
      assert.strictEqual(lib.sum_ints(b, 1), i);
    }
  });
});

describe('Library disposal', () => {
  it('lib.close() and Symbol.dispose close the library; later calls throw ERR_REFFI_LIBRARY_CLOSED', () => {
    const lib = ffi.Library('libm', { cos: ['double', ['double']] });
    assert.strictEqual(lib.cos(0), 1);
    assert.deepStrictEqual(Object.keys(lib), ['cos']);
    lib.close();
    assert.throws(() => lib.cos(0), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
    if (Symbol.dispose) {
      const lib2 = ffi.Library('libm', { sin: ['double', ['double']] });
      assert.strictEqual(lib2.sin(0), 0);
      lib2[Symbol.dispose]();
      assert.throws(() => lib2.sin(0), { code: 'ERR_REFFI_LIBRARY_CLOSED' });
    }
  });
});

describe('C names that mean something to JavaScript', () => {
  const NAMES = libPath('names');
  // Each function returns something distinguishable (test/native/names.c):
  // a wrapper named like one of the generated code's own identifiers used
  // to call itself (`call`), another plan (`ID`) or the async decoder
  // (`decode`); a reserved word made the generated source a SyntaxError.
  const cases = {
    call: [['int', ['int']], [20], 41],
    decode: [['int', ['int']], [1], 101],
    S: [['int', ['string']], ['hello'], 5],
    I32: [['int', ['int', 'int']], [10, 3], 7],
    ID: [['int', ['int']], [0], 0x55],
    NAME: [['int', ['int']], [4], 40],
    T0: [['double', ['double', 'double']], [1, 4], 0.25],
    Math: [['int64', ['int64']], [2 ** 40], 3 * 2 ** 40],
    ArrayBuffer: [['int', [intPtr]], [ref.alloc('int', 1234)], 1234],
    undefined: [['int', ['int']], [1], 8],
    delete: [['int', ['int']], [5], -5],
    new: [['int', []], [], 42],
    this: [['int', ['int', 'int']], [6, 7], 42],
    arguments: [['int', ['int']], [1], 1001],
    eval: [['int', ['string']], ['abc'], 6],
    yield: [['int', ['int']], [1], 0],
    await: [['int', ['int']], [1], 3],
    class: [['int', ['int']], [4], 8],
    let: [['int', ['int']], [1], 4],
    default: [['int', ['int']], [1], 5],
  };
  const spec = {};
  for (const k of Object.keys(cases)) spec[k] = cases[k][0];

  it('functions named like the wrappers\' helpers or like reserved words bind and call the right C function', () => {
    const lib = ffi.Library(NAMES, spec);
    for (const [k, [, args, expected]] of Object.entries(cases)) {
      assert.strictEqual(lib[k](...args), expected, k);
      assert.strictEqual(lib[k].name, k, 'the function keeps its C name');
      assert.strictEqual(lib[k].async.name, k + '_async');
      assert.throws(() => lib[k](...args, 0), { code: 'ERR_REFFI_ARG_COUNT', message: new RegExp('"' + k + '" expects') });
    }
    lib.close();
  });

  it('... and their .async twins, with and without a callback', async () => {
    const lib = ffi.Library(NAMES, spec);
    for (const [k, [, args, expected]] of Object.entries(cases)) {
      assert.strictEqual(await lib[k].async(...args), expected, k);
      const viaCb = await new Promise((resolve, reject) => {
        lib[k].async(...args, (err, v) => (err ? reject(err) : resolve(v)));
      });
      assert.strictEqual(viaCb, expected, k);
    }
    lib.close();
  });

  it('ForeignFunction and C prototypes with such names; a name that is no identifier', () => {
    const dl = new ffi.DynamicLibrary(NAMES);
    const ptr = dl.get('call');
    assert.strictEqual(ffi.ForeignFunction(ptr, 'int', ['int'])(1), 3);
    const lib = ffi.Library(NAMES, { delete: 'int delete(int x)', new: 'int new(void)' });
    assert.strictEqual(lib.delete(9), -9);
    assert.strictEqual(lib.new(), 42);
    // A name that starts with a digit or holds other characters.
    for (const name of ['1abc', 'a b', '$', 'decode_async']) {
      const p = dl.get('call');
      p.name = name;
      const f = ffi.ForeignFunction(p, 'int', ['int']);
      assert.strictEqual(f(2), 5, name);
      assert.strictEqual(f.name, name.replace(/[^A-Za-z0-9_$]/g, '_'));
    }
    dl.close();
    lib.close();
  });
});

describe('closing a library while its code runs', () => {
  // test/native/reentry.c: re_call_then_loop(cb, x) calls cb(x), then runs a
  // loop of its own code and returns cb(x) + 500. The callback closes the
  // library; unmapping it there would make C return into unmapped code
  // (SIGSEGV). A private copy of the library, so that closing really
  // unmaps it (nothing else holds it), in a child process, so that a crash
  // fails this test only.
  const REENTRY = libPath('reentry');
  function runChild(body) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-reentry-'));
    const copy = path.join(dir, 'libreentry-private.so');
    fs.copyFileSync(REENTRY, copy);
    const script = `
      const ffi = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'ffi'))});
      const fs = require('fs');
      const COPY = ${JSON.stringify(copy)};
      const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').includes(COPY);
      const out = (v) => console.log(JSON.stringify(v));
      ${body}
    `;
    try {
      const { spawnSync } = require('node:child_process');
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
      assert.strictEqual(r.status, 0, 'child failed (status ' + r.status + ', signal ' + r.signal + '): ' + r.stderr);
      return JSON.parse(r.stdout.trim());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a callback closing the library whose function called it: C returns into mapped code, unmapped afterwards', () => {
    const r = runChild(`
      const lib = ffi.Library(COPY, { re_call_then_loop: ['int', ['pointer', 'int']], re_add: ['int', ['int', 'int']] });
      const libm = ffi.Library('libm', { cos: ['double', ['double']] });
      const seen = {};
      const cb = ffi.Callback('int', ['int'], (x) => {
        lib.close();
        seen.mappedAfterClose = mapped();
        try { lib.re_add(1, 2); } catch (e) { seen.closedCode = e.code; }
        seen.nested = libm.cos(0); // a nested synchronous call returns: still mapped
        seen.mappedAfterNested = mapped();
        return x * 2;
      });
      const before = mapped();
      const result = lib.re_call_then_loop(cb, 21);
      out({ before, result, ...seen, mappedAfterReturn: mapped() });
    `);
    assert.deepStrictEqual(r, {
      before: true, result: 542, mappedAfterClose: true, closedCode: 'ERR_REFFI_LIBRARY_CLOSED',
      nested: 1, mappedAfterNested: true, mappedAfterReturn: false,
    });
  });

  it('... closed through its DynamicLibrary, from a callback nested in another call', () => {
    const r = runChild(`
      const dl = new ffi.DynamicLibrary(COPY, ffi.DynamicLibrary.FLAGS.RTLD_NOW);
      const f = ffi.ForeignFunction(dl.get('re_call_then_loop'), 'int', ['pointer', 'int']);
      let depth = 0;
      const cb = ffi.Callback('int', ['int'], (x) => {
        if (depth++ === 0) return f(cb, x) + 1; // re_call_then_loop twice on the stack
        dl.close();
        return x;
      });
      const result = f(cb, 1);
      let again;
      try { f(cb, 1); } catch (e) { again = e.code; }
      out({ result, again, mapped: mapped() });
    `);
    assert.deepStrictEqual(r, { result: 1 + 500 + 1 + 500, again: 'ERR_REFFI_LIBRARY_CLOSED', mapped: false });
  });

  it('closing the library while an .async() call into it runs: unmapped when the call completes', () => {
    // The C function runs on the thread pool and calls the callback, which
    // runs on the JS thread (the pool thread waits) and closes the library:
    // closing happens while C is certainly inside the library.
    const r = runChild(`
      const lib = ffi.Library(COPY, { re_call_then_loop: ['int', ['pointer', 'int']] });
      const seen = {};
      const cb = ffi.Callback('int', ['int'], (x) => {
        lib.close();
        seen.mappedAfterClose = mapped();
        return x * 2;
      });
      lib.re_call_then_loop.async(cb, 21).then((result) => {
        out({ result, ...seen, mappedAfterCompletion: mapped() });
      });
    `);
    assert.deepStrictEqual(r, { result: 542, mappedAfterClose: true, mappedAfterCompletion: false });
  });
});

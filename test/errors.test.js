'use strict';
// Every bad input is a JS error with a stable ERR_REFFI_* code and the
// right class, raised before anything reaches C.
const { describe, it } = require('node:test');
const assert = require('node:assert');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { CLASSES } = require('../lib/internal/errors');
const { libPath } = require('./native/build.js');

const BASIC = libPath('basic');
const lib = ffi.Library(BASIC, {
  id_i8: ['int8', ['int8']],
  id_u8: ['uint8', ['uint8']],
  id_i16: ['int16', ['int16']],
  id_u16: ['uint16', ['uint16']],
  id_i32: ['int32', ['int32']],
  id_u32: ['uint32', ['uint32']],
  id_i64: ['int64', ['int64']],
  id_u64: ['uint64', ['uint64']],
  id_double: ['double', ['double']],
  id_float: ['float', ['float']],
  bool_id: ['bool', ['bool']],
  add_i32: ['int', ['int', 'int']],
  mix6: ['double', ['int', 'double', 'int', 'double', 'int', 'double']],
  int7: ['long', ['long', 'long', 'long', 'long', 'long', 'long', 'long']],
  str_len: ['size_t', ['string']],
  ptr_id: ['pointer', ['pointer']],
  answer: ['int', []],
});

/** assert.throws with code, class and message checks. */
function throwsCode(fn, code, Class, message) {
  const expected = { code };
  if (message) expected.message = message;
  assert.throws(fn, (e) => {
    assert.strictEqual(e.code, code, 'code: ' + e.code + ' (' + e.message + ')');
    if (Class) assert.ok(e instanceof Class, 'class: ' + e.constructor.name);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('error codes', () => {
  it('every code is ERR_REFFI_* and maps to an Error class', () => {
    for (const [code, C] of Object.entries(CLASSES)) {
      assert.match(code, /^ERR_REFFI_[A-Z_]+$/);
      assert.ok(C === Error || Error.isPrototypeOf(C));
    }
  });
});

describe('spec errors at Library() time', () => {
  it('unknown argument type name: names the function and the argument', () => {
    throwsCode(() => ffi.Library(BASIC, { add_i32: ['int', ['int', 'in t32x']] }), 'ERR_REFFI_UNKNOWN_TYPE', TypeError,
      /argument 1 of "add_i32".*"in t32x"/);
  });

  it('unknown return type name', () => {
    throwsCode(() => ffi.Library(BASIC, { answer: ['integer', []] }), 'ERR_REFFI_UNKNOWN_TYPE', TypeError,
      /return type of "answer".*"integer"/);
  });

  it('unknown fixed or variadic type of a variadic function', () => {
    throwsCode(() => ffi.Library(BASIC, { sum_variadic: ['int', ['nope'], { varargs: true }] }),
      'ERR_REFFI_UNKNOWN_TYPE', TypeError, /argument 0 of "sum_variadic"/);
    const l = ffi.Library(BASIC, { sum_variadic: ['int', ['int'], { varargs: true }] });
    throwsCode(() => l.sum_variadic('int', 'nope'), 'ERR_REFFI_UNKNOWN_TYPE', TypeError, /variadic argument 2 of "sum_variadic"/);
  });

  it('a type object that is not a type', () => {
    throwsCode(() => ffi.Library(BASIC, { add_i32: ['int', [{}, 'int']] }), 'ERR_REFFI_UNKNOWN_TYPE', TypeError, /argument 0 of "add_i32"/);
  });

  it('void as an argument type', () => {
    throwsCode(() => ffi.Library(BASIC, { add_i32: ['int', ['void', 'int']] }), 'ERR_REFFI_INVALID_TYPE', TypeError, /argument 0 of "add_i32"/);
  });

  it('malformed spec entries and arguments', () => {
    throwsCode(() => ffi.Library(BASIC, { add_i32: ['int', 'int'] }), 'ERR_REFFI_ARG_TYPE', TypeError, /"add_i32"/);
    throwsCode(() => ffi.Library(BASIC, { add_i32: 'int' }), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.Library(BASIC, { add_i32: ['int', ['int', 'int'], 5] }), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.Library(BASIC, 'add_i32'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.Library(42, {}), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.Library(BASIC, {}, 7), 'ERR_REFFI_ARG_TYPE', TypeError);
  });

  it('library not found: lists the paths tried and the loader message', () => {
    throwsCode(() => ffi.Library('libreffi_surely_missing', { f: ['int', []] }), 'ERR_REFFI_LIBRARY_NOT_FOUND', Error,
      /libreffi_surely_missing\.so: cannot open shared object file[\s\S]*Also tried: .*libreffi_surely_missing\.so\.0/);
    throwsCode(() => new ffi.DynamicLibrary('/nonexistent/dir/libx.so'), 'ERR_REFFI_LIBRARY_NOT_FOUND', Error,
      /Dynamic Linking Error: could not load "\/nonexistent\/dir\/libx\.so": .*No such file or directory/);
  });

  it('a file that is not a library: the loader message', () => {
    throwsCode(() => new ffi.DynamicLibrary(__filename), 'ERR_REFFI_LIBRARY_NOT_FOUND', Error, /invalid ELF header|file too short/);
  });

  it('symbol not found: names the symbol and the library', () => {
    throwsCode(() => ffi.Library(BASIC, { no_such_function: ['int', []] }), 'ERR_REFFI_SYMBOL_NOT_FOUND', Error,
      /no_such_function[\s\S]*libbasic\.so/);
    throwsCode(() => new ffi.DynamicLibrary(null).get('reffi_no_such_symbol'), 'ERR_REFFI_SYMBOL_NOT_FOUND', Error,
      /Dynamic Symbol Retrieval Error: .*reffi_no_such_symbol/);
  });

  it('bad DynamicLibrary / ForeignFunction arguments', () => {
    throwsCode(() => new ffi.DynamicLibrary({}), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => new ffi.DynamicLibrary(BASIC, 'now'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => new ffi.DynamicLibrary(BASIC).get(42), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.ForeignFunction(12345, 'int', []), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.ForeignFunction(ref.NULL, 'int', []), 'ERR_REFFI_NULL_POINTER', Error);
    const sym = new ffi.DynamicLibrary(BASIC).get('answer');
    throwsCode(() => ffi.ForeignFunction(sym, 'int', 'int'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.ForeignFunction(sym, undefined, []), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ffi.VariadicForeignFunction(sym, 'int', 'int'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ffi.VariadicForeignFunction('printf', 'int', []), 'ERR_REFFI_ARG_TYPE', TypeError);
  });
});

describe('call errors', () => {
  it('wrong argument count, sync and async', () => {
    throwsCode(() => lib.add_i32(1), 'ERR_REFFI_ARG_COUNT', TypeError, /"add_i32" expects 2 arguments, got 1/);
    throwsCode(() => lib.add_i32(1, 2, 3), 'ERR_REFFI_ARG_COUNT', TypeError);
    throwsCode(() => lib.answer(1), 'ERR_REFFI_ARG_COUNT', TypeError);
    throwsCode(() => lib.int7(1, 2, 3, 4, 5, 6), 'ERR_REFFI_ARG_COUNT', TypeError);
    throwsCode(() => lib.add_i32.async(1), 'ERR_REFFI_ARG_COUNT', TypeError);
  });

  it('wrong argument type: which argument, expected, got', () => {
    throwsCode(() => lib.add_i32(1, 'two'), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 1 of "add_i32": expected an integer, got "two"/);
    throwsCode(() => lib.add_i32({}, 1), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 0 of "add_i32"/);
    throwsCode(() => lib.add_i32(null, 1), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.add_i32(undefined, 1), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.mix6(1, 2, 3, 'x', 5, 6), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 3 of "mix6": expected a number, got "x"/);
    throwsCode(() => lib.id_double(null), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.id_float('1.5'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.bool_id('yes'), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 0 of "bool_id": expected a boolean/);
    throwsCode(() => lib.str_len(42), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 0 of "str_len": expected a string, Buffer or null, got 42/);
    throwsCode(() => lib.str_len({}), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.ptr_id(1234), 'ERR_REFFI_ARG_TYPE', TypeError, /argument 0 of "ptr_id": expected a Buffer \(pointer\) or null, got 1234/);
    throwsCode(() => lib.ptr_id('0x1234'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.id_i64({}), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.id_i64('twelve'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => lib.add_i32.async('x', 1, () => {}), 'ERR_REFFI_ARG_TYPE', TypeError);
  });

  it('integers out of range are RangeErrors', () => {
    const cases = [
      ['id_i8', 128], ['id_i8', -129], ['id_u8', 256], ['id_u8', -1], ['id_i16', 32768], ['id_u16', 65536],
      ['id_i32', 2 ** 31], ['id_i32', -(2 ** 31) - 1], ['id_u32', 2 ** 32], ['id_u32', -1],
      ['id_i64', 2n ** 63n], ['id_i64', '9223372036854775808'], ['id_i64', 2 ** 63],
      ['id_u64', -1], ['id_u64', 2n ** 64n], ['id_u64', '18446744073709551616'], ['id_u64', 2 ** 64],
      ['id_i8', 1000n], ['id_i32', 11111111111111111111],
    ];
    for (const [fn, v] of cases) {
      throwsCode(() => lib[fn](v), 'ERR_REFFI_ARG_RANGE', RangeError, /argument 0 of/);
    }
  });

  it('NaN, Infinity and fractions where an integer is expected', () => {
    for (const fn of ['id_i8', 'id_u16', 'id_i32', 'id_u32', 'id_i64', 'id_u64']) {
      for (const v of [NaN, 1.5, -0.25, Infinity]) {
        throwsCode(() => lib[fn](v), 'ERR_REFFI_ARG_RANGE', RangeError);
      }
    }
    throwsCode(() => lib.id_i32(0.5), 'ERR_REFFI_ARG_RANGE', RangeError, /expected an integer, got 0\.5/);
    throwsCode(() => lib.id_i64('1.5'), 'ERR_REFFI_ARG_TYPE', TypeError);
  });

  it('a failed call leaves the engine usable', () => {
    assert.throws(() => lib.add_i32(1, 'x'));
    assert.strictEqual(lib.add_i32(1, 2), 3);
    assert.throws(() => lib.str_len(5));
    assert.strictEqual(lib.str_len('four'), 4);
  });

  it('calling into a closed library', () => {
    const dl = new ffi.DynamicLibrary(BASIC);
    const f = ffi.ForeignFunction(dl.get('answer'), 'int', []);
    dl.close();
    throwsCode(() => f(), 'ERR_REFFI_LIBRARY_CLOSED', Error, /"answer"/);
    throwsCode(() => dl.get('answer'), 'ERR_REFFI_LIBRARY_CLOSED', Error);
  });
});

describe('ref errors', () => {
  it('deref of NULL', () => {
    const p = ref.alloc(ref.refType('int')); // an int* holding NULL
    const nullInt = p.deref();
    assert.ok(nullInt.isNull());
    throwsCode(() => nullInt.deref(), 'ERR_REFFI_NULL_POINTER', Error, /NULL/);
    throwsCode(() => ref.deref(nullInt), 'ERR_REFFI_NULL_POINTER', Error);
    const pp = ref.alloc('int **');
    throwsCode(() => pp.deref().deref(), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.deref(ref.get(Buffer.alloc(8), 0, 'double *')), 'ERR_REFFI_NULL_POINTER', Error, /double/);
    const fromC = ffi.Library(BASIC, { ptr_null: ['int *', []] }).ptr_null();
    throwsCode(() => fromC.deref(), 'ERR_REFFI_NULL_POINTER', Error);
  });

  it('reading or writing through NULL', () => {
    throwsCode(() => ref.get(ref.NULL, 0, 'int'), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.set(ref.NULL, 0, 1, 'int'), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.readPointer(ref.NULL), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.readCString(ref.NULL), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.NULL.readCString(), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.reinterpret(ref.NULL, 4), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.reinterpretUntilZeros(ref.NULL, 1), 'ERR_REFFI_NULL_POINTER', Error);
    throwsCode(() => ref.NULL.readObject(), 'ERR_REFFI_NULL_POINTER', Error);
  });

  it('get / set / readPointer / writePointer past a Buffer\'s end', () => {
    throwsCode(() => ref.get(Buffer.alloc(2), 0, 'int'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError, /past the end of a 2-byte Buffer/);
    throwsCode(() => ref.get(Buffer.alloc(8), 5, 'int'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.get(Buffer.alloc(8), 1, 'double'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.set(Buffer.alloc(3), 0, 1, 'int32'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.set(Buffer.alloc(8), 4, 1, 'int64'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.readPointer(Buffer.alloc(4)), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.readPointer(Buffer.alloc(8), 1), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.writePointer(Buffer.alloc(8), 4, Buffer.alloc(1)), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.readInt64LE(Buffer.alloc(7), 0), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.writeUInt64BE(Buffer.alloc(8), 1, 1), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.readObject(Buffer.alloc(4)), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.alloc('int').deref.call(Buffer.alloc(1)), 'ERR_REFFI_INVALID_TYPE', TypeError);
  });

  it('a pointer of unknown size must be reinterpret()ed before reading it', () => {
    const p = ffi.Library(BASIC, { the_int_ptr: ['pointer', []] }).the_int_ptr();
    throwsCode(() => ref.get(p, 0, 'int'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError, /reinterpret/);
    assert.strictEqual(ref.get(p.reinterpret(4), 0, 'int'), 1234);
  });

  it('readCString past a Buffer\'s end', () => {
    throwsCode(() => ref.readCString(Buffer.from('abc')), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError, /no NUL terminator/);
    throwsCode(() => ref.readCString(Buffer.from('abc\0'), 4), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => Buffer.from('abc\0').readCString(10), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.reinterpretUntilZeros(Buffer.from('abc'), 1), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    // a reinterpret()ed view of JS memory stays bounded by its new length
    throwsCode(() => Buffer.from('abcdef').reinterpret(3).readCString(), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
  });

  it('writeCString needs room for the NUL and a string', () => {
    throwsCode(() => ref.writeCString(Buffer.alloc(4), 4, 'x'), 'ERR_REFFI_OUT_OF_BOUNDS', RangeError);
    throwsCode(() => ref.writeCString(Buffer.alloc(4), 0, 5), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.allocCString(5), 'ERR_REFFI_ARG_TYPE', TypeError);
  });

  it('values that do not fit the type when set', () => {
    throwsCode(() => ref.alloc('int8', 200), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('uint16', -1), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('int32', 1.5), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('int32', NaN), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('int32', 'x'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('double', 'x'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('bool', 'x'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('uint64', -1), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('CString', 5), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('int *', 5), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.writePointer(Buffer.alloc(8), 0, 'x'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('char', ''), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.alloc('char', '\u00e9'), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('uchar', '\u2713'), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('bool', 256), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.alloc('int16', 40000n), 'ERR_REFFI_ARG_RANGE', RangeError);
  });

  it('unknown encodings', () => {
    throwsCode(() => ref.writeCString(Buffer.alloc(8), 0, 'x', 'klingon'), 'ERR_REFFI_ARG_TYPE', TypeError, /encoding/);
    throwsCode(() => ref.allocCString('x', 'klingon'), 'ERR_REFFI_ARG_TYPE', TypeError, /encoding/);
  });

  it('bad offsets, sizes and non-Buffers', () => {
    throwsCode(() => ref.get(Buffer.alloc(8), -1, 'int'), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.get(Buffer.alloc(8), 0.5, 'int'), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.readPointer(Buffer.alloc(8), 0, -1), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.reinterpret(Buffer.alloc(8), -1), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.reinterpretUntilZeros(Buffer.alloc(8), 0), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.reinterpret(Buffer.alloc(8), 4, 0.5), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.writeInt64(Buffer.alloc(8), -8, 1), 'ERR_REFFI_ARG_RANGE', RangeError);
    throwsCode(() => ref.address('not a buffer'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.get({}, 0, 'int'), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.deref(null), 'ERR_REFFI_ARG_TYPE', TypeError);
    throwsCode(() => ref.readInt64(42), 'ERR_REFFI_ARG_TYPE', TypeError);
  });

  it('type errors', () => {
    throwsCode(() => ref.coerceType('unsigned banana'), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ref.alloc('banana'), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ref.derefType('int'), 'ERR_REFFI_INVALID_TYPE', TypeError);
    throwsCode(() => ref.deref(Buffer.alloc(4)), 'ERR_REFFI_INVALID_TYPE', TypeError, /unknown "type"/);
    throwsCode(() => ref.alloc({ size: -1, indirection: 1, get() {}, set() {} }), 'ERR_REFFI_INVALID_TYPE', TypeError);
    throwsCode(() => ref.get(Buffer.alloc(4), 0, { size: 4, indirection: 0, get() {}, set() {} }), 'ERR_REFFI_INVALID_TYPE', TypeError);
    throwsCode(() => ref.set(Buffer.alloc(4), 0, 1, { size: 4, indirection: 0, get() {}, set() {} }), 'ERR_REFFI_INVALID_TYPE', TypeError);
  });
});

describe('fuzzer regressions', () => {
  it('a type object without get/set is refused at bind time with a code', () => {
    assert.throws(() => ffi.Library(null, { abs: [{ size: 8, indirection: 1, alignment: 0 }, []] }),
      { code: 'ERR_REFFI_INVALID_TYPE' });
  });
  it('a forged descriptor larger than the declared size is refused, and a huge union binds promptly', () => {
    const forgedAlone = { [Symbol.for('reffi.descriptor')]: '{i8,[u8;1000]}', size: 24, alignment: 1, indirection: 1, get() {}, set() {} };
    assert.throws(() => ffi.Library(null, { abs: ['int', [forgedAlone]] }), { code: 'ERR_REFFI_INVALID_TYPE' });
    const Union = require('../lib/union');
    const forged = { [Symbol.for('reffi.descriptor')]: '{i8,[u8;1000000]}', size: 24, alignment: 1, indirection: 1, get() {}, set() {} };
    const t0 = Date.now();
    // The union's own layout includes the 1 MB member: consistent, so it binds
    // (by value above 16 bytes: memory class, no per-byte classification).
    const lib = ffi.Library(null, { abs: ['int', [Union({ a: 'ulonglong', f: forged })]] });
    assert.strictEqual(typeof lib.abs, 'function');
    assert.ok(Date.now() - t0 < 5000, 'no quadratic classification');
  });
  it('an aggregate type object that is not a constructor: an object with a ref.buffer gives a coded error, not instanceof\'s TypeError', () => {
    const fz = new ffi.DynamicLibrary(libPath('fuzz'));
    const T = {
      [Symbol.for('reffi.descriptor')]: '{o12:4}', size: 16, alignment: 4, indirection: 1,
      get(b) { return b; },
      set(b, o, v) { if (!(v instanceof Uint8Array)) throw new TypeError('not bytes'); v.copy(b, o); },
    };
    const f = ffi.ForeignFunction(fz.get('fz_zero'), 'uint32', [T, 'uint16']);
    throwsCode(() => f({ 'ref.buffer': Buffer.alloc(4) }, 128), 'ERR_REFFI_ARG_TYPE', TypeError);
    assert.strictEqual(f(Buffer.alloc(16), 128), 0);
    // returned by a callback (a struct descriptor: the 'agg' conversion)
    const T2 = { [Symbol.for('reffi.descriptor')]: '{i32,i32,i32,i32}', size: 16, alignment: 4, indirection: 1, get(b) { return b.length; }, set() {} };
    const cbf = ffi.ForeignFunction(ffi.Callback(T2, [], () => ({ 'ref.buffer': Buffer.alloc(16) })), T2, []);
    assert.strictEqual(cbf(), 16);
  });
});

describe('revoked Proxies: ERR_REFFI_ARG_TYPE, never V8\'s uncoded TypeError', () => {
  const Struct = require('../lib/struct');
  const Union = require('../lib/union');
  const ArrayType = require('../lib/array');
  const { describe: describeValue } = require('../lib/internal/errors');
  const revoked = () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; };
  const revokedFn = () => { const r = Proxy.revocable(function f() {}, {}); r.revoke(); return r.proxy; };
  const argType = (fn, message) => throwsCode(fn, 'ERR_REFFI_ARG_TYPE', TypeError, message);
  const S = Struct({ a: 'int', d: 'double' });

  it('describe() never throws', () => {
    assert.strictEqual(describeValue(revoked()), 'a revoked Proxy');
    assert.strictEqual(describeValue(revokedFn()), 'a revoked Proxy');
    const throwing = new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });
    assert.strictEqual(describeValue(throwing), 'object');
    assert.strictEqual(typeof describeValue({ constructor: { name: Symbol('s') } }), 'string');
  });

  it('ffi call arguments of every kind, sync and async', async () => {
    argType(() => lib.add_i32(revoked(), 1), /argument 0 of "add_i32".*a revoked Proxy/);
    argType(() => lib.id_i8(revoked()));
    argType(() => lib.id_u32(revoked()));
    argType(() => lib.id_i64(revoked()));
    argType(() => lib.id_u64(revokedFn()));
    argType(() => lib.id_double(revoked()));
    argType(() => lib.id_float(revoked()));
    argType(() => lib.bool_id(revoked()));
    argType(() => lib.ptr_id(revoked()), /argument 0 of "ptr_id": expected a Buffer \(pointer\) or null, got a revoked Proxy/);
    argType(() => lib.ptr_id(revokedFn()));
    argType(() => lib.str_len(revoked()), /argument 0 of "str_len"/);
    argType(() => lib.add_i32.async(revoked(), 1, () => assert.fail('called')));
    argType(() => lib.add_i32.async(1, revoked()));
    argType(() => lib.ptr_id.async(revoked()));
    // a struct by value and an ffi.Function argument (bound over a callback: nothing reaches C)
    const byValue = ffi.ForeignFunction(ffi.Callback('int', [S], () => 1), 'int', [S]);
    argType(() => byValue(revoked()), /argument 0/);
    const F = ffi.Function('int', ['int']);
    const takesFn = ffi.ForeignFunction(ffi.Callback('int', [F], () => 1), 'int', [F]);
    argType(() => takesFn(revoked()));
    argType(() => takesFn(revokedFn()));
  });

  it('callback results', () => {
    for (const t of ['int', 'int64', 'double', 'bool', 'pointer', 'string', S]) {
      const f = ffi.ForeignFunction(ffi.Callback(t, ['int'], () => revoked()), t, ['int']);
      argType(() => f(1));
    }
  });

  it('ref functions', () => {
    const b = Buffer.alloc(16);
    argType(() => ref.address(revoked()), /address: expected a Buffer, got a revoked Proxy/);
    argType(() => ref.address(b, revoked()));
    argType(() => ref.hexAddress(revoked()));
    argType(() => ref.isNull(revoked()));
    argType(() => ref.deref(revoked()));
    argType(() => ref.ref(revoked()));
    argType(() => ref.getType(revoked()));
    argType(() => ref.get(revoked(), 0, 'int'));
    argType(() => ref.set(revoked(), 0, 1, 'int'));
    for (const t of ['int', 'int8', 'uint64', 'int64', 'double', 'float', 'bool', 'pointer', 'CString']) {
      argType(() => ref.set(b, 0, revoked(), t), new RegExp(''));
    }
    argType(() => ref.readPointer(revoked()));
    argType(() => ref.writePointer(b, 0, revoked()));
    argType(() => ref.writePointer(revoked(), 0, b));
    argType(() => ref.readCString(revoked()));
    argType(() => ref.writeCString(b, 0, revoked()));
    argType(() => ref.allocCString(revoked()));
    argType(() => ref.reinterpret(revoked(), 4));
    argType(() => ref.reinterpretUntilZeros(revoked()));
    argType(() => ref.readInt64LE(revoked()));
    argType(() => ref.writeUInt64LE(b, 0, revoked()));
    argType(() => ref.readObject(revoked()));
    argType(() => ref._attach(revoked(), {}));
    argType(() => ref.types.int32.get(revoked(), 0));
    argType(() => ref.types.double.set(revoked(), 0, 1));
    argType(() => ref.types.int32.set(b, 0, revoked()));
    argType(() => Buffer.prototype.deref.call(revoked()));
  });

  it('type specs: ref.coerceType / refType / derefType / alloc, ffi.Function', () => {
    throwsCode(() => ref.coerceType(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError, /a revoked Proxy/);
    throwsCode(() => ref.refType(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ref.derefType(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ref.alloc(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    argType(() => ref.alloc('int', revoked()));
    argType(() => ref.alloc('pointer', revoked()));
    throwsCode(() => ffi.Function(revoked(), []), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    argType(() => ffi.Function('int', revoked()));
    argType(() => ffi.Function('int', ['int']).set(Buffer.alloc(8), 0, revoked()));
  });

  it('Struct and Union: definitions, constructors, set, fields', () => {
    argType(() => Struct(revoked()), /StructType: got a revoked Proxy/);
    argType(() => Struct({ a: 'int' }, revoked()));
    argType(() => Struct([revoked()]));
    throwsCode(() => Struct([[revoked(), 'a']]), 'ERR_REFFI_UNKNOWN_TYPE', TypeError, /field "a".*a revoked Proxy/);
    throwsCode(() => Struct({ a: revoked() }), 'ERR_REFFI_UNKNOWN_TYPE', TypeError, /field "a".*a revoked Proxy/);
    argType(() => Union(revoked()));
    argType(() => new S(revoked()), /new StructType\(\): got a revoked Proxy/);
    argType(() => S(revoked()));
    argType(() => new S(Buffer.alloc(16), revoked()));
    argType(() => S.set(Buffer.alloc(16), 0, revoked()));
    argType(() => S.get(revoked(), 0));
    throwsCode(() => new S({ a: revoked() }), 'ERR_REFFI_FIELD_TYPE', TypeError);
    const s = new S();
    throwsCode(() => { s.d = revoked(); }, 'ERR_REFFI_FIELD_TYPE', TypeError);
  });

  it('ArrayType: definitions, constructors, set, elements', () => {
    throwsCode(() => ArrayType(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ArrayType('int', revoked()), 'ERR_REFFI_ARG_RANGE', RangeError);
    const A = ArrayType('int', 2);
    const V = ArrayType('int');
    argType(() => new A(revoked()), /new ArrayType\(\): got a revoked Proxy/);
    argType(() => new V(revoked()));
    throwsCode(() => new V(Buffer.alloc(8), revoked()), 'ERR_REFFI_ARG_RANGE', RangeError);
    argType(() => A.set(Buffer.alloc(8), 0, revoked()));
    argType(() => V.set(Buffer.alloc(8), 0, revoked()));
    argType(() => A.get(revoked(), 0));
    argType(() => V.untilZeros(revoked()));
    const a = new A([1, 2]);
    argType(() => { a[0] = revoked(); });
    argType(() => new V([revoked()]));
  });

  it('ffi.Callback, ForeignFunction, Library, DynamicLibrary, cdef', () => {
    argType(() => ffi.Callback('int', ['int'], revokedFn()), /ffi.Callback/);
    argType(() => ffi.Callback('int', revoked(), () => 0));
    throwsCode(() => ffi.Callback(revoked(), ['int'], () => 0), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ffi.Callback('int', [revoked()], () => 0), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
    throwsCode(() => ffi.Callback('int', ['int'], revoked(), () => 0), 'ERR_REFFI_UNSUPPORTED', TypeError);
    argType(() => ffi.Callback.release(revoked()));
    argType(() => ffi.Function('int', ['int']).toPointer(revokedFn()));
    const dl = new ffi.DynamicLibrary(BASIC);
    argType(() => ffi.ForeignFunction(revoked(), 'int', []));
    argType(() => ffi.ForeignFunction(dl.get('add_i32'), 'int', revoked()));
    argType(() => ffi.VariadicForeignFunction(revoked(), 'int', []));
    argType(() => ffi.Library(revoked(), {}));
    argType(() => ffi.Library(BASIC, revoked()));
    argType(() => ffi.Library(BASIC, { add_i32: revoked() }));
    argType(() => ffi.Library(BASIC, { add_i32: ['int', revoked()] }));
    argType(() => ffi.Library(BASIC, { add_i32: ['int', ['int', 'int'], revoked()] }));
    argType(() => new ffi.DynamicLibrary(revoked()));
    argType(() => dl.get(revoked()));
    argType(() => ffi.cdef(revoked()));
    argType(() => ffi.cdef('int add_i32(int, int);', dl, revoked()));
    const v = ffi.Library(BASIC, { sum_variadic: ['int', ['int'], { varargs: true }] });
    throwsCode(() => v.sum_variadic(revoked()), 'ERR_REFFI_UNKNOWN_TYPE', TypeError);
  });
});

describe('detached Buffers: ERR_REFFI_DETACHED_BUFFER (fuzzer finding K3)', () => {
  const detach = (b) => { structuredClone(b.buffer, { transfer: [b.buffer] }); return b; };
  const detached = (message) => (fn) => throwsCode(fn, 'ERR_REFFI_DETACHED_BUFFER', TypeError, message);

  it('as a call argument, whether its address was cached or not', () => {
    const cached = Buffer.alloc(32);
    assert.strictEqual(ref.address(lib.ptr_id(cached)), ref.address(cached));
    detach(cached);
    detached(/argument 0 of "ptr_id": the Buffer's ArrayBuffer was detached/)(() => lib.ptr_id(cached));
    detached()(() => lib.str_len(cached));
    detached()(() => lib.ptr_id.async(cached, () => assert.fail('called')));
    detached()(() => lib.ptr_id(detach(Buffer.alloc(32))));
  });

  it('ref functions', () => {
    const b = Buffer.alloc(16);
    ref.address(b);
    detach(b);
    detached(/^address: /)(() => ref.address(b));
    detached(/^readPointer: /)(() => ref.readPointer(b));
    detached(/^writePointer: /)(() => ref.writePointer(Buffer.alloc(8), 0, b));
    detached()(() => ref.get(b, 0, 'int32'));
    detached()(() => ref.set(b, 0, 1, 'int32'));
  });

  it('empty Buffers that never had memory still pass NULL', () => {
    assert.strictEqual(ref.address(lib.ptr_id(Buffer.alloc(0))), 0);
    assert.strictEqual(ref.address(lib.ptr_id(ref.NULL)), 0);
    assert.strictEqual(lib.str_len(Buffer.alloc(0)), '18446744073709551615'); // NULL: str_len returns (size_t)-1
  });
});

'use strict';
// The ref-napi 3 public API (reffi/ref), checked against ref-napi's
// documented behaviour, plus pointers handed to and from real C functions.
const { describe, it } = require('node:test');
const assert = require('node:assert');
const util = require('node:util');
const ref = require('../lib/ref');
const ffi = require('../lib/ffi');
const { libPath } = require('./native/build.js');

const lib = ffi.Library(libPath('basic'), {
  ptr_to_uint: ['uint64', ['pointer']],
  read_int_p: ['int', [ref.refType('int')]],
  read_int_pp: ['int', [ref.refType(ref.refType('int'))]],
  the_int_ptr: [ref.refType('int'), []],
  get_the_int: ['int', []],
  set_the_int: ['void', ['int']],
  str_static: ['pointer', []],
  str_dup_upper: ['char *', ['string']],
  str_free: ['void', ['char *']],
  get_names: ['char **', []],
  sum_u64: ['uint64', [ref.refType('uint64'), 'int']],
  str_len: ['size_t', ['string']],
});

const REF_NAPI_TYPES = [
  'void', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float', 'double',
  'Object', 'CString', 'bool', 'byte', 'char', 'uchar', 'short', 'ushort', 'int', 'uint', 'long', 'ulong',
  'longlong', 'ulonglong', 'size_t',
];

describe('types', () => {
  it('has every ref-napi type name, each with its own name, size and alignment', () => {
    const expected = {
      void: 0, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, float: 4,
      double: 8, Object: 8, CString: 8, bool: 1, byte: 1, char: 1, uchar: 1, short: 2, ushort: 2, int: 4,
      uint: 4, long: 8, ulong: 8, longlong: 8, ulonglong: 8, size_t: 8,
    };
    for (const name of REF_NAPI_TYPES) {
      const t = ref.types[name];
      assert.ok(t, name);
      assert.strictEqual(t.name, name);
      assert.strictEqual(t.indirection, 1, name);
      assert.strictEqual(t.size, expected[name], name);
      assert.strictEqual(typeof t.get, 'function', name);
      assert.strictEqual(typeof t.set, 'function', name);
      if (name !== 'void') assert.ok(t.alignment >= 1 && t.alignment === Math.min(t.size, 8), name);
    }
  });

  it('aliases inherit from the fixed-size type (ref-napi typedefs)', () => {
    assert.strictEqual(Object.getPrototypeOf(ref.types.int), ref.types.int32);
    assert.strictEqual(Object.getPrototypeOf(ref.types.uchar), ref.types.uint8);
    assert.strictEqual(Object.getPrototypeOf(ref.types.char), ref.types.int8);
    assert.strictEqual(Object.getPrototypeOf(ref.types.size_t), ref.types.uint64);
    assert.strictEqual(Object.getPrototypeOf(ref.types.long), ref.types.int64);
  });

  it('Utf8String is a non-enumerable alias of CString', () => {
    assert.strictEqual(ref.types.Utf8String, ref.types.CString);
    assert.ok(!Object.keys(ref.types).includes('Utf8String'));
  });

  it('sizeof / alignof / endianness', () => {
    assert.strictEqual(ref.sizeof.pointer, 8);
    assert.strictEqual(ref.alignof.pointer, 8);
    assert.strictEqual(ref.sizeof.int, 4);
    assert.strictEqual(ref.sizeof.long, 8);
    assert.strictEqual(ref.sizeof.int64, 8);
    assert.strictEqual(ref.alignof.double, 8);
    assert.strictEqual(ref.alignof.int16, 2);
    assert.strictEqual(ref.sizeof.Object, ref.types.Object.size);
    assert.strictEqual(ref.endianness, require('os').endianness());
  });
});

describe('alloc / get / set / deref', () => {
  it('alloc(type) is zero-filled, sized, typed; alloc(type, value) writes it', () => {
    const b = ref.alloc('int');
    assert.strictEqual(b.length, 4);
    assert.strictEqual(b.type, ref.types.int);
    assert.strictEqual(b.deref(), 0);
    const c = ref.alloc(ref.types.double, -2.25);
    assert.strictEqual(c.readDoubleLE(0), -2.25);
    assert.strictEqual(c.deref(), -2.25);
    assert.strictEqual(ref.alloc('bool').type, ref.types.bool);
  });

  it('round-trips every integer type at its limits', () => {
    const cases = [
      ['int8', -128, 127], ['uint8', 0, 255], ['int16', -32768, 32767], ['uint16', 0, 65535],
      ['int32', -2147483648, 2147483647], ['uint32', 0, 4294967295],
      ['char', -128, 127], ['uchar', 0, 255], ['short', -32768, 32767], ['ushort', 0, 65535],
      ['int', -2147483648, 2147483647], ['uint', 0, 4294967295],
    ];
    for (const [name, min, max] of cases) {
      assert.strictEqual(ref.alloc(name, min).deref(), min, name);
      assert.strictEqual(ref.alloc(name, max).deref(), max, name);
    }
    assert.strictEqual(ref.alloc('int64', '-9223372036854775808').deref(), '-9223372036854775808');
    assert.strictEqual(ref.alloc('int64', '9223372036854775807').deref(), '9223372036854775807');
    assert.strictEqual(ref.alloc('uint64', '18446744073709551615').deref(), '18446744073709551615');
    assert.strictEqual(ref.alloc('longlong', 2n ** 60n).deref(), '1152921504606846976');
    assert.strictEqual(ref.alloc('size_t', 12345).deref(), 12345);
  });

  it('stores little-endian bytes for multi-byte types', () => {
    const b = ref.alloc('uint32', 0x01020304);
    assert.deepStrictEqual([...b], [4, 3, 2, 1]);
    const s = ref.alloc('int16', -2);
    assert.deepStrictEqual([...s], [0xfe, 0xff]);
  });

  it('floats and doubles keep NaN, infinities, -0 and denormals', () => {
    assert.ok(Number.isNaN(ref.alloc('double', NaN).deref()));
    assert.strictEqual(ref.alloc('double', -Infinity).deref(), -Infinity);
    assert.ok(Object.is(ref.alloc('double', -0).deref(), -0));
    assert.strictEqual(ref.alloc('double', 5e-324).deref(), 5e-324);
    assert.strictEqual(ref.alloc('float', 0.5).deref(), 0.5);
    assert.strictEqual(ref.alloc('float', 0.1).deref(), Math.fround(0.1));
    assert.strictEqual(ref.alloc('float', 3.4028234663852886e38).deref(), 3.4028234663852886e38);
  });

  it('char / uchar accept a one-character string (its char code)', () => {
    assert.strictEqual(ref.alloc('char', 'a').deref(), 97);
    assert.strictEqual(ref.alloc('uchar', 'a').deref(), 97);
    assert.strictEqual(ref.alloc('uint8', 'A').deref(), 65);
  });

  it('bool reads true/false and writes 1/0 (numbers as they are)', () => {
    const b = ref.alloc('bool');
    b[0] = 0;
    assert.strictEqual(ref.get(b), false);
    b[0] = 1;
    assert.strictEqual(ref.get(b), true);
    ref.set(b, 0, false);
    assert.strictEqual(b[0], 0);
    ref.set(b, 0, true);
    assert.strictEqual(b[0], 1);
    ref.set(b, 0, 255);
    assert.strictEqual(b[0], 255);
    assert.strictEqual(b.deref(), true);
  });

  it('get/set take an offset and an optional type (coerced from a string)', () => {
    const b = Buffer.alloc(16);
    ref.set(b, 4, 5, 'int8');
    assert.strictEqual(b[4], 5);
    assert.strictEqual(ref.get(b, 4, 'int8'), 5);
    ref.set(b, 8, 1.5, ref.types.double);
    assert.strictEqual(ref.get(b, 8, 'double'), 1.5);
    b.type = 'int';
    assert.strictEqual(ref.getType(b), ref.types.int);
    assert.strictEqual(b.type, 'int');
    ref.set(b, 0, -9);
    assert.strictEqual(ref.get(b), -9);
    assert.strictEqual(ref.get(b, 4), 5);
  });

  it("a type's own get/set take byte arrays only (another typed array or a DataView would be misread)", () => {
    for (const b of [new DataView(new ArrayBuffer(8)), new Int32Array([5, 6]), new Uint16Array([1, 2, 3, 4])]) {
      for (const t of [ref.types.int32, ref.types.uint16, ref.types.double, ref.types.int8]) {
        assert.throws(() => t.get(b, 0), { code: 'ERR_REFFI_ARG_TYPE' });
        assert.throws(() => t.set(b, 0, 1), { code: 'ERR_REFFI_ARG_TYPE' });
      }
    }
    for (const u8 of [new Uint8Array(8), new Int8Array(8), new Uint8ClampedArray(8)]) {
      ref.types.int32.set(u8, 4, -2);
      assert.strictEqual(ref.types.int32.get(u8, 4), -2);
      assert.strictEqual(Buffer.from(u8.buffer).readInt32LE(4), -2);
      ref.types.int8.set(u8, 0, -5);
      assert.strictEqual(ref.types.int8.get(u8, 0), -5);
    }
  });

  it('void: alloc gives an empty Buffer, deref gives null, set is a no-op', () => {
    const v = ref.alloc(ref.types.void);
    assert.strictEqual(v.length, 0);
    assert.strictEqual(v.deref(), null);
    assert.strictEqual(ref.NULL.deref(), null);
    ref.set(Buffer.alloc(1), 0, 5, 'void');
  });

  it('a Buffer without a type cannot be dereferenced', () => {
    const test = Buffer.from('???');
    assert.throws(() => ref.deref(test), /unknown "type"/);
    const r = ref.ref(test);
    const back = ref.deref(r);
    assert.strictEqual(ref.address(back), ref.address(test));
    assert.strictEqual(back.length, 3);
    assert.throws(() => ref.deref(back), /unknown "type"/);
  });
});

describe('ref / deref / refType / derefType', () => {
  it('ref() makes a pointer-sized Buffer holding the address, typed one level up', () => {
    const buf = ref.alloc('int', 12345);
    const one = buf.ref();
    assert.strictEqual(one.length, 8);
    assert.strictEqual(one.type.indirection, 2);
    assert.strictEqual(one.type.name, 'int*');
    assert.strictEqual(one.readBigUInt64LE(0), BigInt(buf.address()));
    assert.strictEqual(one.deref().deref(), 12345);
  });

  it('ref(buf).deref() is a Buffer at the same address with the original length', () => {
    const test = Buffer.from('two layers deep');
    const one = ref.ref(test);
    const two = ref.ref(one);
    const _one = ref.deref(two);
    const _test = ref.deref(_one);
    assert.strictEqual(ref.address(_one), ref.address(one));
    assert.strictEqual(ref.address(_test), ref.address(test));
    assert.strictEqual(_one.length, one.length);
    assert.strictEqual(_test.length, test.length);
    assert.strictEqual(_test.toString(), 'two layers deep');
    // it is the same memory: writes show through
    _test[0] = 0x54; // 'T'
    assert.strictEqual(test.toString(), 'Two layers deep');
  });

  it('the deref\'d Buffer keeps the original alive after it is dropped', () => {
    let derefd;
    (() => {
      const orig = Buffer.alloc(64, 7);
      derefd = ref.ref(orig).deref();
    })();
    for (let i = 0; i < 3; i++) global.gc();
    assert.strictEqual(derefd.length, 64);
    assert.ok(derefd.every((x) => x === 7));
  });

  it('deref of a pointer-to-pointer gives a pointer Buffer with .type one level down', () => {
    const target = ref.alloc('int', 77);
    const p1 = target.ref(); // int*  : holds &target
    const pp = p1.ref(); // int** : holds &p1
    assert.strictEqual(pp.type.name, 'int**');
    const d1 = pp.deref();
    assert.ok(Buffer.isBuffer(d1));
    assert.strictEqual(d1.length, 8); // an int* value: pointer-sized
    assert.strictEqual(d1.type, p1.type);
    assert.strictEqual(d1.address(), p1.address());
    const d2 = d1.deref();
    assert.strictEqual(d2.length, 4); // indirection 2 -> sizeof(int)
    assert.strictEqual(d2.type, ref.types.int);
    assert.strictEqual(d2.address(), target.address());
    assert.strictEqual(d2.deref(), 77);
    // C agrees: an int** argument is a Buffer holding an int*
    assert.strictEqual(lib.read_int_pp(p1), 77);
  });

  it('deref of a deeper pointer gives a pointer-sized Buffer', () => {
    const t3 = ref.coerceType('int ***');
    const b = ref.alloc(t3);
    const inner = ref.alloc('int **');
    ref.writePointer(b, 0, inner);
    const d = b.deref();
    assert.strictEqual(d.length, 8);
    assert.strictEqual(d.type.indirection, 3);
    assert.strictEqual(d.address(), inner.address());
  });

  it('refType / derefType', () => {
    const intPtr = ref.refType(ref.types.int);
    assert.strictEqual(intPtr.indirection, 2);
    assert.strictEqual(intPtr.size, 4);
    assert.strictEqual(intPtr.name, 'int*');
    assert.strictEqual(ref.refType('int').indirection, 2);
    assert.strictEqual(ref.derefType(intPtr), ref.types.int);
    const manual = Object.create(ref.types.int);
    manual.indirection = 3;
    assert.strictEqual(ref.derefType(manual).indirection, 2);
    assert.throws(() => ref.derefType(ref.types.int), { code: 'ERR_REFFI_INVALID_TYPE' });
  });

  it('refType names a function-like type with a read-only name', () => {
    function StructType() {}
    StructType.size = 0;
    StructType.indirection = 0;
    const t = ref.refType(StructType);
    const d = Object.getOwnPropertyDescriptor(t, 'name');
    assert.strictEqual(d.writable, true);
    assert.strictEqual(t.name, 'StructType*');
  });
});

describe('coerceType / getType', () => {
  it('coerces names, "*" suffixes, "pointer" and "string"', () => {
    assert.strictEqual(ref.coerceType('void'), ref.types.void);
    assert.strictEqual(ref.coerceType('Object'), ref.types.Object);
    assert.strictEqual(ref.coerceType(ref.types.int), ref.types.int);
    const ip = ref.coerceType('int *');
    assert.strictEqual(ip.indirection, 2);
    assert.strictEqual(Object.getPrototypeOf(ip), ref.types.int);
    const cpp = ref.coerceType('char**');
    assert.strictEqual(cpp.indirection, 3);
    assert.strictEqual(ref.derefType(ref.derefType(cpp)), ref.types.char);
    assert.strictEqual(ref.coerceType('int **').indirection, 3);
    const vp = ref.coerceType('pointer');
    assert.strictEqual(vp.indirection, 2);
    assert.strictEqual(ref.derefType(vp), ref.types.void);
    assert.strictEqual(ref.coerceType('string'), ref.types.CString);
    assert.strictEqual(ref.coerceType('void *').indirection, 2);
    assert.strictEqual(ref.coerceType('const char *').indirection, 2);
    assert.strictEqual(ref.coerceType('UINT64'), ref.types.uint64);
  });

  it('throws a TypeError for what cannot be a type', () => {
    assert.throws(() => ref.coerceType({}), { code: 'ERR_REFFI_UNKNOWN_TYPE', name: 'TypeError', message: /could not determine a proper "type"/ });
    assert.throws(() => ref.coerceType('nope *'), { code: 'ERR_REFFI_UNKNOWN_TYPE' });
    assert.throws(() => ref.coerceType(undefined), { code: 'ERR_REFFI_UNKNOWN_TYPE' });
  });

  it('getType gives a Buffer a default type of its own length', () => {
    const b = Buffer.alloc(3);
    const t = ref.getType(b);
    assert.strictEqual(t.size, 3);
    assert.strictEqual(t.indirection, 1);
    assert.strictEqual(b.type, t);
  });
});

describe('addresses and NULL', () => {
  it('address / hexAddress / isNull', () => {
    const buf = Buffer.from('hello');
    const a = ref.address(buf);
    assert.strictEqual(typeof a, 'number');
    assert.ok(a > 0);
    assert.strictEqual(ref.address(buf, 3), a + 3);
    assert.strictEqual(ref.address(buf, -2), a - 2);
    assert.strictEqual(buf.address(), a);
    assert.strictEqual(ref.address(buf.subarray(2)), a + 2);
    assert.strictEqual(ref.hexAddress(buf), a.toString(16));
    assert.strictEqual(buf.hexAddress(), a.toString(16));
    assert.strictEqual(ref.isNull(buf), false);
    assert.strictEqual(buf.isNull(), false);
  });

  it('the address is the one C sees', () => {
    const buf = Buffer.alloc(8);
    assert.strictEqual(lib.ptr_to_uint(buf), buf.address());
    assert.strictEqual(lib.ptr_to_uint(buf.subarray(5)), buf.address() + 5);
  });

  it('NULL, nullptr and NULL_POINTER', () => {
    assert.strictEqual(ref.address(ref.NULL), 0);
    assert.strictEqual(ref.NULL.length, 0);
    assert.strictEqual(ref.isNull(ref.NULL), true);
    assert.strictEqual(ref.NULL.type, ref.types.void);
    assert.strictEqual(ref.nullptr, ref.NULL);
    assert.strictEqual(ref.NULL_POINTER.length, 8);
    assert.ok(ref.NULL_POINTER.every((x) => x === 0));
    assert.strictEqual(ref.NULL_POINTER.isNull(), false);
    assert.strictEqual(ref.NULL_POINTER.type.indirection, 2);
    const d = ref.NULL_POINTER.deref();
    assert.strictEqual(d.isNull(), true);
    assert.strictEqual(lib.ptr_to_uint(ref.NULL), 0);
  });

  it('zero-length pointers still report their address', () => {
    const buf = Buffer.from('hello world');
    const small = buf.subarray(0, 0);
    assert.strictEqual(small.length, 0);
    assert.strictEqual(small.address(), buf.address());
    const p = lib.str_static();
    assert.strictEqual(p.length, 0);
    assert.ok(p.address() > 0);
    assert.strictEqual(p.isNull(), false);
  });

  it('util.inspect shows the address', () => {
    const buf = Buffer.from('hi');
    const s = util.inspect(buf);
    assert.ok(s.includes(buf.hexAddress()), s);
    assert.ok(s.startsWith('<Buffer@0x'), s);
  });
});

describe('readPointer / writePointer', () => {
  it('writes a Buffer\'s address and reads it back with a length', () => {
    const test = Buffer.from('hello world');
    const buf = Buffer.alloc(ref.sizeof.pointer);
    ref.writePointer(buf, 0, test);
    assert.strictEqual(buf.readBigUInt64LE(0), BigInt(test.address()));
    const out = ref.readPointer(buf, 0, test.length);
    assert.strictEqual(out.length, test.length);
    assert.strictEqual(out.toString(), 'hello world');
    assert.strictEqual(out.address(), test.address());
    assert.strictEqual(ref.readPointer(buf).length, 0); // default size 0
    assert.strictEqual(buf.readPointer(0, 5).toString(), 'hello');
  });

  it('two pointers side by side; NULL reads back as a 0-length NULL Buffer', () => {
    const buf = Buffer.alloc(16);
    const a = Buffer.from('a'), b = Buffer.from('b');
    buf.writePointer(a, 0);
    buf.writePointer(b, 8);
    assert.strictEqual(buf.readPointer(0).address(), a.address());
    assert.strictEqual(buf.readPointer(8).address(), b.address());
    buf.writePointer(ref.NULL, 0);
    const n = buf.readPointer(0, 100);
    assert.strictEqual(n.length, 0);
    assert.ok(n.isNull());
    ref.writePointer(buf, 8, null);
    assert.ok(ref.readPointer(buf, 8).isNull());
  });

  it('keeps the written Buffer alive', () => {
    const holder = Buffer.alloc(8);
    (() => { ref.writePointer(holder, 0, Buffer.alloc(32, 9)); })();
    for (let i = 0; i < 3; i++) global.gc();
    const back = ref.readPointer(holder, 0, 32);
    assert.ok(back.every((x) => x === 9));
  });

  it('C sees a pointer written into memory (int **)', () => {
    const target = ref.alloc('int', -31337);
    const pp = ref.alloc(ref.refType('int'), target);
    assert.strictEqual(lib.read_int_pp(pp), -31337);
    assert.strictEqual(lib.read_int_p(target), -31337);
  });

  it('reads a pointer C returned, and memory C owns', () => {
    lib.set_the_int(4321);
    const p = lib.the_int_ptr();
    assert.strictEqual(p.length, 4);
    assert.strictEqual(p.type, ref.types.int);
    assert.strictEqual(p.deref(), 4321);
    ref.set(p, 0, 99);
    assert.strictEqual(lib.get_the_int(), 99);
    lib.set_the_int(1234);
  });
});

describe('C strings', () => {
  it('readCString stops at the NUL, from an offset', () => {
    assert.strictEqual(Buffer.from('\0').readCString(0), '');
    assert.strictEqual(Buffer.from('hello\0world').readCString(), 'hello');
    assert.strictEqual(ref.readCString(Buffer.from('hello\0world\0'), 6), 'world');
  });

  it('readCString follows a C pointer of unknown size', () => {
    const p = lib.str_static();
    assert.strictEqual(p.readCString(), 'hello from C');
    assert.strictEqual(ref.readCString(p, 6), 'from C');
  });

  it('readCString on a `char *` return value reads the whole string (ffi-napi idiom)', () => {
    const p = lib.str_dup_upper('shout');
    try {
      assert.strictEqual(p.readCString(), 'SHOUT');
    } finally {
      lib.str_free(p);
    }
  });

  it('readCString of a reinterpret()ed C pointer reads past the declared length', () => {
    const p = lib.str_static().reinterpret(5);
    assert.strictEqual(p.toString(), 'hello');
    assert.strictEqual(p.readCString(), 'hello from C');
  });

  it('writeCString writes a NUL-terminated string and never past the end', () => {
    const buf = Buffer.alloc(20);
    buf.writeCString('hello world');
    assert.strictEqual(buf.toString('latin1', 0, 12), 'hello world\0');
    ref.writeCString(buf, 2, 'XY');
    assert.strictEqual(buf.readCString(), 'heXY');
    const whole = Buffer.alloc(20, 127);
    const part = whole.subarray(0, 10);
    part.writeCString('hello world');
    assert.strictEqual(part.toString('latin1', 0, 9), 'hello wor');
    assert.strictEqual(part[9], 0);
    assert.ok(whole.subarray(10).every((x) => x === 127));
  });

  it('allocCString: NUL-terminated, typed char*, NULL for null/undefined/NULL', () => {
    const buf = ref.allocCString('hello world');
    assert.strictEqual(buf.length, 12);
    assert.strictEqual(buf.readCString(), 'hello world');
    assert.strictEqual(buf.type.name, 'char*');
    assert.strictEqual(lib.str_len(buf), 11);
    const u = ref.allocCString('h\u00e9 \u2713');
    assert.strictEqual(u.length, Buffer.byteLength('h\u00e9 \u2713') + 1);
    assert.strictEqual(u.readCString(), 'h\u00e9 \u2713');
    assert.strictEqual(ref.allocCString('ab', 'utf16le').length, 5);
    for (const v of [null, undefined, ref.NULL]) {
      const n = ref.allocCString(v);
      assert.ok(n.isNull());
      assert.strictEqual(n.address(), 0);
    }
  });

  it('CString type: null for NULL, reads a string, takes a Buffer as backing store', () => {
    const buf = ref.alloc(ref.types.CString);
    buf.writePointer(ref.NULL);
    assert.strictEqual(buf.deref(), null);
    assert.strictEqual(ref.get(ref.NULL_POINTER, 0, ref.types.CString), null);
    buf.writePointer(Buffer.from('hello world\0'));
    assert.strictEqual(buf.deref(), 'hello world');
    const store = Buffer.from('hey!\0');
    ref.set(buf, 0, store);
    assert.strictEqual(ref.get(buf, 0), 'hey!');
    const s = ref.alloc('string', 'from js');
    assert.strictEqual(s.deref(), 'from js');
    assert.strictEqual(lib.str_len(s.readPointer(0)), 7);
  });

  it('char ** from C: an array of strings read with get(..., "string")', () => {
    const arr = lib.get_names();
    assert.strictEqual(arr.type.name, 'char*');
    const wide = arr.reinterpret(32);
    assert.deepStrictEqual([0, 8, 16, 24].map((o) => ref.get(wide, o, 'string')), ['alpha', 'beta', 'gamma', null]);
  });
});

describe('reinterpret / reinterpretUntilZeros', () => {
  it('reinterpret gives a Buffer at the same address (plus offset) with a new length', () => {
    const buf = Buffer.from('hello world');
    const small = buf.subarray(0, 0);
    const r = small.reinterpret(buf.length);
    assert.strictEqual(r.address(), buf.address());
    assert.strictEqual(r.length, buf.length);
    assert.strictEqual(r.toString(), 'hello world');
    const o = buf.reinterpret(8, 3);
    assert.strictEqual(o.address(), buf.address() + 3);
    assert.strictEqual(o.toString(), 'lo world');
    assert.strictEqual(ref.reinterpret(buf, 2, 6).toString(), 'wo');
  });

  it('reinterpret keeps the original alive', () => {
    let r;
    (() => { r = Buffer.alloc(16, 3).reinterpret(16); })();
    for (let i = 0; i < 3; i++) global.gc();
    assert.ok(r.every((x) => x === 3));
  });

  it('reinterpretUntilZeros scans to the first aligned run of zeros', () => {
    const buf = Buffer.from('hello\0world');
    assert.strictEqual(buf.reinterpretUntilZeros(1).toString(), 'hello');
    assert.strictEqual(buf.reinterpretUntilZeros(1, 3).toString(), 'lo');
    const w = Buffer.alloc(50);
    const len = w.write('hello world', 'ucs2');
    w.writeInt16LE(0, len);
    const r = ref.reinterpretUntilZeros(w, 2);
    assert.strictEqual(r.length, 22);
    assert.strictEqual(r.toString('ucs2'), 'hello world');
    // a 0x00 in the high byte of one char is not a 2-byte run
    const x = Buffer.from([0x41, 0x00, 0x00, 0x42, 0, 0]);
    assert.strictEqual(ref.reinterpretUntilZeros(x, 2).length, 4);
  });

  it('reinterpretUntilZeros follows C memory of unknown size', () => {
    const p = lib.str_static();
    const r = p.reinterpretUntilZeros(1);
    assert.strictEqual(r.toString(), 'hello from C');
  });
});

describe('64-bit integers', () => {
  it('read/write Int64 and UInt64, LE, BE and native', () => {
    const buf = Buffer.alloc(8);
    ref.writeInt64LE(buf, 0, -123456789);
    assert.strictEqual(ref.readInt64LE(buf, 0), -123456789);
    assert.strictEqual(buf.readBigInt64LE(0), -123456789n);
    ref.writeInt64BE(buf, 0, -123456789);
    assert.strictEqual(buf.readBigInt64BE(0), -123456789n);
    assert.strictEqual(ref.readInt64BE(buf, 0), -123456789);
    ref.writeUInt64BE(buf, 0, '18446744073709551615');
    assert.strictEqual(ref.readUInt64BE(buf, 0), '18446744073709551615');
    ref.writeUInt64LE(buf, 0, 123456789);
    assert.strictEqual(ref.readUInt64LE(buf, 0), 123456789);
    assert.strictEqual(buf.readBigUInt64LE(0), 123456789n);
    ref.writeInt64(buf, 0, '9223372036854775807');
    assert.strictEqual(ref.readInt64(buf, 0), '9223372036854775807');
    ref.writeUInt64(buf, 0, 2n ** 63n);
    assert.strictEqual(ref.readUInt64(buf, 0), '9223372036854775808');
  });

  it('Buffer.prototype 64-bit helpers take (value, offset)', () => {
    const buf = Buffer.alloc(16);
    buf.writeInt64LE(-5, 8);
    assert.strictEqual(buf.readInt64LE(8), -5);
    buf.writeUInt64BE('0x1234567890', 0);
    assert.strictEqual(buf.readUInt64BE(0), 0x1234567890);
    buf.writeInt64BE('-9007199254740993', 0);
    assert.strictEqual(buf.readInt64BE(0), '-9007199254740993');
    buf.writeUInt64LE(42, 0);
    assert.strictEqual(buf.readUInt64LE(0), 42);
  });

  it('Numbers up to 2^53 in magnitude, decimal strings beyond', () => {
    const buf = Buffer.alloc(8);
    for (const v of [0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, -(2 ** 53)]) {
      ref.writeInt64(buf, 0, v);
      assert.strictEqual(ref.readInt64(buf, 0), v);
    }
    ref.writeInt64(buf, 0, '9007199254740993');
    assert.strictEqual(ref.readInt64(buf, 0), '9007199254740993');
    ref.writeInt64(buf, 0, '-9007199254740993');
    assert.strictEqual(ref.readInt64(buf, 0), '-9007199254740993');
    ref.writeInt64(buf, 0, '0');
    assert.strictEqual(ref.readInt64(buf, 0), 0);
  });

  it('strings are parsed like strtoll: hex, octal, sign', () => {
    const buf = Buffer.alloc(8);
    ref.writeInt64(buf, 0, '-0x1234567890');
    assert.strictEqual(ref.readInt64(buf, 0), -0x1234567890);
    ref.writeInt64(buf, 0, '-0777');
    assert.strictEqual(ref.readInt64(buf, 0), -511);
    ref.writeUInt64(buf, 0, '0777');
    assert.strictEqual(ref.readUInt64(buf, 0), 511);
    ref.writeUInt64(buf, 0, '-0x1234567890');
    assert.strictEqual(ref.readUInt64(buf, 0), '18446743995522058096');
    ref.writeUInt64(buf, 0, '-9007199254740993');
    assert.strictEqual(ref.readUInt64(buf, 0), '18437736874454810623');
    ref.writeInt64(buf, 0, '  +42 ');
    assert.strictEqual(ref.readInt64(buf, 0), 42);
  });

  it('rejects strings without digits and values out of range', () => {
    const buf = Buffer.alloc(8);
    assert.throws(() => ref.writeInt64(buf, 0, 'foo'), { code: 'ERR_REFFI_ARG_TYPE', message: /no digits we found in input String/ });
    assert.throws(() => ref.writeUInt64(buf, 0, 'foo'), { code: 'ERR_REFFI_ARG_TYPE', message: /no digits we found in input String/ });
    assert.throws(() => ref.writeInt64(buf, 0, '10000000000000000000000000'),
      { code: 'ERR_REFFI_ARG_RANGE', name: 'RangeError', message: /input String numerical value out of range/ });
    assert.throws(() => ref.writeUInt64(buf, 0, '-10000000000000000000000000'),
      { code: 'ERR_REFFI_ARG_RANGE', message: /input String numerical value out of range/ });
    assert.throws(() => ref.writeInt64(buf, 0, '9223372036854775808'), { code: 'ERR_REFFI_ARG_RANGE' });
    assert.throws(() => ref.writeUInt64(buf, 0, -1), { code: 'ERR_REFFI_ARG_RANGE' });
    assert.throws(() => ref.writeInt64(buf, 0, 1.5), { code: 'ERR_REFFI_ARG_RANGE' });
    assert.throws(() => ref.writeInt64(buf, 0, {}), { code: 'ERR_REFFI_ARG_TYPE' });
    assert.throws(() => ref.writeInt64(buf, 0, '12abc'), { code: 'ERR_REFFI_ARG_TYPE' });
    assert.throws(() => ref.readInt64(ref.NULL), { code: 'ERR_REFFI_NULL_POINTER' });
    assert.throws(() => ref.readUInt64(ref.NULL), { code: 'ERR_REFFI_NULL_POINTER' });
  });

  it('C adds up uint64 values written by ref', () => {
    const arr = Buffer.alloc(24);
    ref.writeUInt64LE(arr, 0, '9007199254740993');
    ref.writeUInt64LE(arr, 8, 7);
    ref.writeUInt64LE(arr, 16, 2n ** 60n);
    assert.strictEqual(lib.sum_u64(arr, 3), String(9007199254740993n + 7n + 2n ** 60n));
  });
});

describe('readObject / writeObject', () => {
  it('writes and reads back the same object', () => {
    const obj = { foo: 'bar', now: new Date() };
    const buf = Buffer.alloc(ref.sizeof.Object);
    ref.writeObject(buf, 0, obj);
    assert.strictEqual(ref.readObject(buf), obj);
    assert.strictEqual(ref.alloc('Object', obj).deref(), obj);
  });

  it('two objects side by side, through the Buffer methods', () => {
    const buf = Buffer.alloc(ref.sizeof.Object * 2);
    const a = {}, b = [];
    buf.writeObject(a, 0);
    buf.writeObject(b, ref.sizeof.Object);
    assert.strictEqual(buf.readObject(0), a);
    assert.strictEqual(buf.readObject(ref.sizeof.Object), b);
  });

  it('keeps the object alive as long as the Buffer', () => {
    const buf = Buffer.alloc(8);
    (() => { ref.writeObject(buf, 0, { marker: 'still here' }); })();
    for (let i = 0; i < 3; i++) global.gc();
    assert.strictEqual(ref.readObject(buf, 0).marker, 'still here');
  });

  it('throws for NULL, nothing written, or a primitive', () => {
    assert.throws(() => ref.NULL.readObject(), { code: 'ERR_REFFI_NULL_POINTER' });
    assert.throws(() => ref.readObject(Buffer.alloc(8)), { code: 'ERR_REFFI_NULL_POINTER' });
    assert.throws(() => ref.writeObject(Buffer.alloc(8), 0, 5), { code: 'ERR_REFFI_ARG_TYPE' });
  });
});

describe('custom types', () => {
  // {size, alignment, indirection, get, set, name}: a 32-bit flag read as a boolean.
  const Flag = {
    name: 'Flag', size: 4, alignment: 4, indirection: 1,
    get(buf, offset) { return buf.readInt32LE(offset) !== 0; },
    set(buf, offset, v) { buf.writeInt32LE(v ? 1 : 0, offset); },
  };
  // a 16-byte custom type (larger than a register)
  const Pair64 = {
    name: 'Pair64', size: 16, alignment: 8, indirection: 1,
    get(buf, offset) { return [buf.readBigInt64LE(offset), buf.readBigInt64LE(offset + 8)]; },
    set(buf, offset, v) { buf.writeBigInt64LE(v[0], offset); buf.writeBigInt64LE(v[1], offset + 8); },
  };

  it('work in alloc / get / set / deref / ref', () => {
    const b = ref.alloc(Flag, true);
    assert.strictEqual(b.length, 4);
    assert.strictEqual(b.readInt32LE(0), 1);
    assert.strictEqual(b.deref(), true);
    ref.set(b, 0, false, Flag);
    assert.strictEqual(ref.get(b, 0, Flag), false);
    const p = ref.alloc(Pair64, [1n, -2n]);
    assert.deepStrictEqual(p.deref(), [1n, -2n]);
    const r = b.ref();
    assert.strictEqual(r.type.name, 'Flag*');
    assert.strictEqual(r.deref().deref(), false);
    assert.strictEqual(ref.refType(Flag).indirection, 2);
    assert.strictEqual(ref.derefType(ref.refType(Flag)), Flag);
  });

  it('pointer to a custom type passed to C', () => {
    const b = ref.alloc(Flag, true);
    assert.strictEqual(lib.read_int_p(b), 1);
  });

  it('bounds are checked before a custom get/set runs', () => {
    assert.throws(() => ref.get(Buffer.alloc(2), 0, Flag), { code: 'ERR_REFFI_OUT_OF_BOUNDS' });
    assert.throws(() => ref.set(Buffer.alloc(8), 4, [1n, 2n], Pair64), { code: 'ERR_REFFI_OUT_OF_BOUNDS' });
  });
});

describe('Buffer.prototype additions', () => {
  it('are all present and not enumerable', () => {
    for (const m of ['address', 'hexAddress', 'isNull', 'ref', 'deref', 'readObject', 'writeObject',
      'readPointer', 'writePointer', 'readCString', 'writeCString', 'readInt64BE', 'writeInt64BE',
      'readUInt64BE', 'writeUInt64BE', 'readInt64LE', 'writeInt64LE', 'readUInt64LE', 'writeUInt64LE',
      'reinterpret', 'reinterpretUntilZeros']) {
      assert.strictEqual(typeof Buffer.prototype[m], 'function', m);
      assert.strictEqual(Object.getOwnPropertyDescriptor(Buffer.prototype, m).enumerable, false, m);
    }
    assert.ok(!Object.keys(Buffer.alloc(1)).some((k) => ['address', 'deref'].includes(k)));
  });
});

describe('pointer Buffers', () => it('made by reffi are ordinary Buffers (the subclass used for speed is invisible)', () => {
  const buf = Buffer.alloc(16);
  buf.writeInt32LE(42, 4);
  const p = ref.readPointer(ref.ref(buf), 0, 16); // a Buffer over foreign memory (16 bytes)
  assert.ok(Buffer.isBuffer(p));
  assert.ok(p instanceof Buffer);
  assert.strictEqual(p.constructor, Buffer);
  assert.strictEqual(p.readInt32LE(4), 42);
  assert.strictEqual(ref.address(p), ref.address(buf));
  const sub = p.subarray(4, 8);
  assert.ok(Buffer.isBuffer(sub));
  assert.strictEqual(Object.getPrototypeOf(sub), Buffer.prototype, 'subarray gives a plain Buffer');
  assert.strictEqual(sub.readInt32LE(0), 42);
  assert.match(util.inspect(p), /^<Buffer[ @]/);
  // Unknown size: an empty Buffer that still carries its address.
  const q = ref.readPointer(ref.ref(buf), 0);
  assert.strictEqual(q.length, 0);
  assert.strictEqual(ref.address(q), ref.address(buf));
  assert.strictEqual(ref.reinterpret(q, 8).readInt32LE(4), 42);
  // `type` reads and writes like an own property on every kind of reffi
  // Buffer (reffi keeps it behind an accessor on its subclasses)
  const pooled = ref.alloc('int32', 7);
  const typed = ref.readPointer(ref.ref(ref.ref(buf)), 0, 8);
  for (const [b, t0] of [[p, undefined], [q, undefined], [pooled, ref.types.int32], [typed, undefined]]) {
    assert.strictEqual(b.type, t0);
    assert.ok('type' in b);
    b.type = ref.types.int16;
    assert.strictEqual(b.type, ref.types.int16);
    assert.strictEqual(ref.getType(b), ref.types.int16);
  }
  assert.strictEqual(pooled.deref(), 7);
  pooled.type = ref.types.uint8;
  assert.strictEqual(pooled.deref(), 7);
  p.type = 'int32';
  assert.strictEqual(p.deref(), 0);
  assert.strictEqual(ref.get(p, 4), 42);
  // a struct field or pointer result typed by the library keeps its type
  const pp = ref.alloc(ref.refType('int32'), ref.alloc('int32', 9));
  assert.strictEqual(pp.deref().type, ref.types.int32);
  assert.strictEqual(pp.deref().deref(), 9);
}));

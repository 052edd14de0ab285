'use strict';
// ffi.Callback and ffi.Function on the JS thread: C calling JavaScript
// during a synchronous foreign call, every value kind in both directions,
// exceptions, and the callback lifetime (release, garbage collection).
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('child_process');
const path = require('path');

const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { libPath } = require('./native/build.js');

const LIB = libPath('callbacks');
const intCb = ffi.Function('int', ['int']);
const lib = ffi.Library(LIB, {
  call_n_sum: ['int', [intCb, 'int']],
  call_int: ['int', ['pointer', 'int']],
  call_int_record: ['int', [intCb, 'int']],
  last_result: ['int', []],
  call_twice: ['int', [intCb, 'int', 'int']],
  store_cb: ['void', [intCb]],
  has_stored: ['int', []],
  call_stored: ['int', ['int']],
  clear_stored: ['void', []],
  call_double_cb: ['double', ['pointer', 'double', 'float']],
  call_float_cb: ['float', ['pointer', 'float']],
  call_i64_cb: ['int64', ['pointer', 'int64']],
  call_u64_cb: ['uint64', ['pointer', 'uint64']],
  call_i8_cb: ['int', ['pointer', 'int8', 'uint8', 'int16', 'uint16']],
  call_bool_cb: ['int', ['pointer', 'int']],
  call_many_cb: ['double', ['pointer', 'int']],
  call_str_cb: ['int', ['pointer', 'string']],
  call_str_cb_copy: ['string', ['pointer', 'string', 'int']],
  call_null_str_cb: ['int', ['pointer']],
  call_ptr_cb: ['int', ['pointer']],
  call_out_cb: ['int', ['pointer']],
  call_with_fn: ['int', ['pointer', 'int', 'int', 'int']],
  call_full_regs_cb: ['double', ['pointer', 'int']],
  call_seven_ints_cb: ['longlong', ['pointer', 'int']],
  call_raw_ret: ['longlong', ['pointer', 'int']],
});

const libc = ffi.Library(null, {
  qsort: ['void', ['pointer', 'size_t', 'size_t', 'pointer']],
});

function expectCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return true;
  });
}

const tick = () => new Promise((r) => setTimeout(r, 2));

test('ffi.Callback returns a pointer Buffer whose address is the code', () => {
  let calls = 0;
  const cb = ffi.Callback('int', ['int'], (x) => { calls++; return x * 2; });
  assert.ok(Buffer.isBuffer(cb));
  assert.strictEqual(cb.length, 0);
  const addr = ref.address(cb);
  assert.ok(addr > 0);
  assert.strictEqual(ref.isNull(cb), false);
  // Calling the code address as a C function runs the JS function.
  const asC = ffi.ForeignFunction(cb, 'int', ['int']);
  assert.strictEqual(asC(21), 42);
  assert.strictEqual(lib.call_int(cb, 5), 10);
  assert.strictEqual(calls, 2);
  // The address is stable and distinct per callback.
  const other = ffi.Callback('int', ['int'], (x) => x);
  assert.notStrictEqual(ref.address(other), addr);
  assert.strictEqual(ref.address(cb), addr);
});

test('ffi.Callback(ret, args, abi, fn) form (ffi-napi order)', () => {
  const cb = ffi.Callback('int', ['int'], ffi.FFI_DEFAULT_ABI, (x) => x + 100);
  assert.strictEqual(lib.call_int(cb, 1), 101);
  const cb2 = ffi.Callback(ref.types.int, [ref.types.int], undefined, (x) => -x);
  assert.strictEqual(lib.call_int(cb2, 9), -9);
});

test('libc qsort with a JS comparator', () => {
  const values = [42, -7, 19, 0, 3, 2147483647, -2147483648, 19, 8, 1];
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeInt32LE(v, i * 4));
  let calls = 0;
  const cmp = ffi.Callback('int', ['pointer', 'pointer'], (a, b) => {
    calls++;
    assert.strictEqual(a.length, 0); // void * → zero-length pointer Buffer
    const x = ref.reinterpret(a, 4).readInt32LE(0);
    const y = ref.reinterpret(b, 4).readInt32LE(0);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  libc.qsort(buf, values.length, 4, cmp);
  const out = [];
  for (let i = 0; i < values.length; i++) out.push(buf.readInt32LE(i * 4));
  assert.deepStrictEqual(out, values.slice().sort((p, q) => p - q));
  assert.ok(calls >= values.length - 1, 'comparator called ' + calls + ' times');
});

test('qsort with typed pointer arguments (int *)', () => {
  const buf = Buffer.alloc(5 * 4);
  [5, 1, 4, 2, 3].forEach((v, i) => buf.writeInt32LE(v, i * 4));
  const intPtr = ref.refType(ref.types.int);
  const cmp = ffi.Callback('int', [intPtr, intPtr], (a, b) => {
    assert.strictEqual(a.length, 4); // int * → a 4-byte view
    assert.strictEqual(a.type, ref.types.int);
    return b.deref() - a.deref(); // descending
  });
  libc.qsort(buf, 5, 4, cmp);
  assert.deepStrictEqual([0, 1, 2, 3, 4].map((i) => buf.readInt32LE(i * 4)), [5, 4, 3, 2, 1]);
});

test('a C function calls the callback N times and sums the results', () => {
  const seen = [];
  const cb = ffi.Callback('int', ['int'], (i) => { seen.push(i); return i * i; });
  assert.strictEqual(lib.call_n_sum(cb, 10), 285);
  assert.deepStrictEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.strictEqual(lib.call_n_sum(cb, 0), 0);
  assert.strictEqual(lib.call_n_sum(cb, 1000), 332833500);
});

test('ffi.Function arguments accept a Callback or a plain JS function', () => {
  const cb = ffi.Callback('int', ['int'], (x) => x + 1);
  assert.strictEqual(lib.call_n_sum(cb, 4), 10);
  assert.strictEqual(lib.call_n_sum((x) => x * 10, 4), 60);
  // The same JS function maps to the same C pointer (C can compare them).
  const f = (x) => x;
  lib.store_cb(f);
  assert.strictEqual(lib.call_stored(77), 77);
  assert.strictEqual(lib.call_n_sum(f, 3), 3);
  lib.clear_stored();
  // null is a NULL function pointer.
  lib.store_cb(null);
  assert.strictEqual(lib.has_stored(), 0);
  expectCode(() => lib.call_n_sum(42, 1), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => lib.call_n_sum('x', 1), 'ERR_REFFI_ARG_TYPE');
});

test('ffi.Function type: set/get, toPointer/toFunction', () => {
  const Op = ffi.Function('int', ['int', 'int']);
  assert.strictEqual(Op.size, ref.sizeof.pointer);
  const buf = Buffer.alloc(ref.sizeof.pointer);
  Op.set(buf, 0, (a, b) => a - b);
  const f = Op.get(buf, 0);
  assert.strictEqual(typeof f, 'function');
  assert.strictEqual(f(10, 3), 7); // JS → C pointer → JS
  const cb = Op.toPointer((a, b) => a * b);
  assert.strictEqual(ref.address(cb) > 0, true);
  assert.strictEqual(Op.toFunction(cb)(6, 7), 42);
  Op.set(buf, 0, null);
  assert.strictEqual(Op.get(buf, 0), null);
  expectCode(() => Op.set(buf, 0, 12), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => ffi.Function('int', 'int'), 'ERR_REFFI_ARG_TYPE');
});

test('a callback receiving a C function pointer (ffi.Function argument)', () => {
  const Op = ffi.Function('int', ['int', 'int']);
  const cb = ffi.Callback('int', [Op, 'int', 'int'], (op, a, b) => {
    assert.strictEqual(typeof op, 'function');
    return op(a, b) + 1;
  });
  assert.strictEqual(lib.call_with_fn(cb, 0, 20, 22), 43); // c_add
  assert.strictEqual(lib.call_with_fn(cb, 1, 6, 7), 43); // c_mul
});

test('a callback returning a function pointer (a Callback, a JS function, a C function or null)', () => {
  const Op = ffi.Function('int', ['int', 'int']);
  const getOp = ffi.ForeignFunction(new ffi.DynamicLibrary(LIB).get('get_op'), Op, ['int']);
  const sub = ffi.Callback('int', ['int', 'int'], (a, b) => a - b);
  const choose = ffi.Callback(Op, ['int'], (which) => {
    if (which === 0) return sub;
    if (which === 1) return (a, b) => a * b + 1; // converted to a Callback
    if (which === 2) return getOp(1); // a C function (c_mul) handed back
    return null;
  });
  const call = ffi.ForeignFunction(new ffi.DynamicLibrary(LIB).get('call_returned_fn'), 'int', ['pointer', 'int', 'int', 'int']);
  assert.strictEqual(call(choose, 0, 10, 4), 6);
  assert.strictEqual(call(choose, 1, 10, 4), 41);
  assert.strictEqual(call(choose, 2, 10, 4), 40);
  assert.strictEqual(call(choose, 3, 10, 4), -1);
});

test('a C function returning a function pointer yields a callable JS function', () => {
  // Run in a child process: if the return conversion is broken the call
  // may crash, which must not take the rest of this file down.
  const script = `
    const ffi = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'ffi'))});
    const Op = ffi.Function('int', ['int', 'int']);
    const IntCb = ffi.Function('int', ['int']);
    const lib = ffi.Library(${JSON.stringify(LIB)}, {
      get_op: [Op, ['int']],
      identity_cb: [IntCb, [IntCb]],
    });
    const add = lib.get_op(0), mul = lib.get_op(1);
    const none = lib.get_op(7);
    const cb = ffi.Callback('int', ['int'], (x) => x * 3);
    const back = lib.identity_cb(cb);
    console.log(JSON.stringify([typeof add, add(2, 3), mul(4, 5), none, back(5)]));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.status, 0, 'child failed: ' + r.stderr + ' signal ' + r.signal);
  assert.deepStrictEqual(JSON.parse(r.stdout.trim()), ['function', 5, 20, null, 15]);
});

test('custom types (own get/set) as callback arguments and results', () => {
  // An int32 on the C side that JavaScript sees doubled.
  const Twice = {
    name: 'Twice', size: 4, alignment: 4, indirection: 1,
    get: (b, o) => b.readInt32LE(o) * 2,
    set: (b, o, v) => b.writeInt32LE(v / 2, o),
  };
  const seen = [];
  const cb = ffi.Callback(Twice, [Twice], (x) => { seen.push(x); return x + 10; });
  // C passes 21 → JS sees 42, returns 52 → C gets 26
  assert.strictEqual(lib.call_int(cb, 21), 26);
  assert.deepStrictEqual(seen, [42]);
  // A custom pointer-like type: a C string read with a prefix.
  const Tagged = Object.create(ref.types.CString);
  Tagged.get = function (b, o) { return 'tag:' + ref.types.CString.get(b, o); };
  const strCb = ffi.Callback('string', [Tagged], (s) => s.toUpperCase());
  assert.strictEqual(lib.call_str_cb(strCb, 'abc'), 'TAG:ABC'.length);
});

test('double and float arguments and returns', () => {
  const cb = ffi.Callback('double', ['double', 'float'], (a, b) => {
    assert.strictEqual(a, 1.25);
    assert.strictEqual(b, 0.5);
    return a + b;
  });
  assert.strictEqual(lib.call_double_cb(cb, 1.25, 0.5), 3.5);
  const fcb = ffi.Callback('float', ['float'], (x) => x * 2);
  assert.strictEqual(lib.call_float_cb(fcb, 1.25), 3);
  // float rounding happens on the way back to C
  const r = lib.call_float_cb(ffi.Callback('float', ['float'], () => 0.1), 0);
  assert.strictEqual(r, Math.fround(Math.fround(0.1) + 0.5));
});

test('int64 and uint64 arguments and returns, beyond 2^53', () => {
  const seen = [];
  const cb = ffi.Callback('int64', ['int64'], (x) => { seen.push(x); return BigInt(x) * 2n; });
  assert.strictEqual(lib.call_i64_cb(cb, 21), 43);
  // Beyond 2^53 the argument arrives as a decimal string (ref-napi).
  assert.strictEqual(lib.call_i64_cb(cb, '1152921504606846976'), '2305843009213693953');
  assert.strictEqual(lib.call_i64_cb(cb, -5), -9);
  assert.deepStrictEqual(seen, [21, '1152921504606846976', -5]);
  const ucb = ffi.Callback('uint64', ['uint64'], (x) => BigInt(x) + 1n);
  assert.strictEqual(lib.call_u64_cb(ucb, '18446744073709551614'), '18446744073709551615');
  // a Number result is accepted too
  assert.strictEqual(lib.call_i64_cb(ffi.Callback('int64', ['int64'], () => 1000), 0), 1001);
});

test('small integer and bool arguments keep their sign and range', () => {
  const cb = ffi.Callback('int8', ['int8', 'uint8', 'int16', 'uint16'], (a, b, c, d) => {
    assert.deepStrictEqual([a, b, c, d], [-100, 200, -30000, 60000]);
    return -128;
  });
  assert.strictEqual(lib.call_i8_cb(cb, -100, 200, -30000, 60000), -128);
  const bcb = ffi.Callback('int', ['bool'], (v) => {
    assert.strictEqual(typeof v, 'boolean');
    return v ? 11 : 22;
  });
  assert.strictEqual(lib.call_bool_cb(bcb, 5), 11);
  assert.strictEqual(lib.call_bool_cb(bcb, 0), 22);
});

// Callbacks whose arguments all travel in registers get reffi's own entry
// stubs (src/trampoline.rs) instead of libffi closures; the others keep
// libffi's.
test('every argument register, through an entry stub', () => {
  const before = ffi.stats().callbackStubs;
  const seen = [];
  const cb = ffi.Callback('double',
    ['int8', 'double', 'uint16', 'float', 'int64', 'double', 'pointer', 'float',
      'uint32', 'double', 'int', 'float', 'double', 'double'],
    (a, b, c, d, e, f, p, g, h, i, j, k, l, m) => {
      seen.push([a, b, c, d, e, f, p.length === 0 ? 'pointer' : p, g, h, i, j, k, l, m]);
      return a + b + c + d + i + j + k + l + m;
    });
  assert.strictEqual(ffi.stats().callbackStubs, before + 1, 'the callback got a stub');
  const k = 5;
  const r = lib.call_full_regs_cb(cb, k);
  assert.deepStrictEqual(seen, [[-5, 0.25, 60005, 1.5, 50000000000, 2.25, 'pointer', 3.5, 4000000000, 4.25, 12, 5.5,
    6.25, 7.25]]);
  assert.strictEqual(r, -5 + 0.25 + 60005 + 1.5 + 4.25 + 12 + 5.5 + 6.25 + 7.25);
});

test('small integer and bool results fill the whole return register, on every path', () => {
  // call_raw_ret reads the full 64-bit register and sums over n calls: the
  // first callback of a call takes the general path, the others the short
  // one (and the 7-argument form, a libffi closure).
  const n = 10;
  const expectSum = (f) => { let s = 0; for (let i = 0; i < n; i++) s += f(i); return s; };
  for (const [type, f] of [['int8', (i) => -1 - (i % 3)], ['int16', (i) => -300 * (i + 1)], ['uint8', (i) => 250 + (i % 5)],
    ['uint16', (i) => 65000 + i], ['int', (i) => -100000 * i], ['bool', (i) => i % 2 === 0]]) {
    const cb = ffi.Callback(type, ['int'], f);
    const want = expectSum((i) => Number(f(i)));
    assert.strictEqual(lib.call_raw_ret(cb, n), want, type);
  }
});

test('a seventh integer argument (on the stack): a libffi closure', () => {
  const before = ffi.stats().callbackStubs;
  const cb = ffi.Callback('longlong', ['int', 'int', 'int', 'int', 'int', 'int', 'int'],
    (a, b, c, d, e, f, g) => a * 1000000 + g);
  assert.strictEqual(ffi.stats().callbackStubs, before, 'no stub for a stack argument');
  assert.strictEqual(lib.call_seven_ints_cb(cb, 4), 4 * 1000000 + 10 + 1);
});

test('entry stubs run out: later callbacks use libffi closures and work alike', () => {
  // In a child process, so the stubs this file's other tests take do not
  // matter. 4096 stubs (src/trampoline.rs STUBS); 4100 live callbacks.
  const script = `
    const ffi = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'ffi'))});
    const lib = ffi.Library(${JSON.stringify(LIB)}, { call_int: ['int', ['pointer', 'int']] });
    const cbs = [];
    for (let i = 0; i < 4100; i++) cbs.push(ffi.Callback('int', ['int'], (x) => x + i));
    const out = [ffi.stats().callbackStubs];
    for (const i of [0, 4095, 4096, 4099]) out.push(lib.call_int(cbs[i], 1));
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, 'child failed: ' + r.stderr + ' signal ' + r.signal);
  assert.deepStrictEqual(JSON.parse(r.stdout.trim()), [4096, 1, 4096, 4097, 4100]);
});

test('many mixed arguments (some on the stack)', () => {
  const types = [];
  for (let i = 0; i < 9; i++) types.push('int', 'double');
  const cb = ffi.Callback('double', types, function () {
    const a = Array.from(arguments);
    assert.strictEqual(a.length, 18);
    assert.deepStrictEqual(a, [3, 0.5, 4, 1.5, 5, 2.5, 6, 3.5, 7, 4.5, 8, 5.5, 9, 6.5, 10, 7.5, 11, 8.5]);
    return a.reduce((s, v) => s + v, 0);
  });
  assert.strictEqual(lib.call_many_cb(cb, 3), 63 + 40.5);
});

test('strings in and out of a callback', () => {
  const cb = ffi.Callback('string', ['string'], (s) => s.toUpperCase() + '!');
  assert.strictEqual(lib.call_str_cb(cb, 'hello'), 6);
  const rep = ffi.Callback('string', ['string', 'int'], (s, n) => s.repeat(n));
  assert.strictEqual(lib.call_str_cb_copy(rep, 'ab', 3), 'ababab');
  assert.strictEqual(lib.call_str_cb_copy(rep, 'héllo ✓', 2), 'héllo ✓héllo ✓');
  const nul = ffi.Callback('string', ['string', 'int'], () => null);
  assert.strictEqual(lib.call_str_cb_copy(nul, 'x', 1), null);
  const isNull = ffi.Callback('int', ['string'], (s) => (s === null ? 1 : 0));
  assert.strictEqual(lib.call_null_str_cb(isNull), 1);
  // A Buffer holding a C string is a valid string result too.
  const keep = Buffer.from('buffered\0');
  const fromBuf = ffi.Callback('string', ['string', 'int'], () => keep);
  assert.strictEqual(lib.call_str_cb_copy(fromBuf, '', 0), 'buffered');
});

test('pointer arguments and results', () => {
  const cb = ffi.Callback('pointer', [ref.refType('int'), 'int'], (arr, n) => {
    assert.strictEqual(n, 4);
    const all = ref.reinterpret(arr, n * 4);
    assert.deepStrictEqual([0, 1, 2, 3].map((i) => all.readInt32LE(i * 4)), [10, 20, 30, 40]);
    return all.subarray(8); // &arr[2]
  });
  assert.strictEqual(lib.call_ptr_cb(cb), 30);
  const nul = ffi.Callback('pointer', ['pointer', 'int'], () => null);
  assert.strictEqual(lib.call_ptr_cb(nul), -1);
  const out = ffi.Callback('void', [ref.refType('int')], (p) => {
    assert.strictEqual(p.deref(), 7);
    p.writeInt32LE(-321, 0);
  });
  assert.strictEqual(lib.call_out_cb(out), -321);
});

test('a callback may call foreign functions (re-entrancy)', () => {
  const inner = ffi.Callback('int', ['int'], (x) => x + 1);
  const outer = ffi.Callback('int', ['int'], (x) => lib.call_int(inner, x) * 10 + lib.call_n_sum(inner, 3));
  assert.strictEqual(lib.call_n_sum(outer, 3), (10 + 6) + (20 + 6) + (30 + 6));
  // qsort inside a callback inside a foreign call
  const sortInside = ffi.Callback('int', ['int'], (n) => {
    const buf = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) buf.writeInt32LE(n - i, i * 4);
    libc.qsort(buf, n, 4, ffi.Callback('int', ['pointer', 'pointer'],
      (a, b) => ref.reinterpret(a, 4).readInt32LE(0) - ref.reinterpret(b, 4).readInt32LE(0)));
    return buf.readInt32LE(0) * 100 + buf.readInt32LE((n - 1) * 4);
  });
  assert.strictEqual(lib.call_int(sortInside, 5), 105);
});

test('an exception in a callback propagates to the JS caller; C receives 0', () => {
  const boom = new Error('boom');
  let calls = 0;
  const cb = ffi.Callback('int', ['int'], (x) => {
    calls++;
    if (x === 1) throw boom;
    return 5;
  });
  assert.throws(() => lib.call_int_record(cb, 1), (e) => e === boom);
  assert.strictEqual(lib.last_result(), 0);
  // C keeps going after the throw; the later invocations of the same call
  // do not run JS and return 0; the first exception wins.
  calls = 0;
  assert.throws(() => lib.call_twice(cb, 1, 2), (e) => e === boom);
  assert.strictEqual(calls, 1);
  // the callback still works afterwards
  assert.strictEqual(lib.call_int_record(cb, 2), 5);
  assert.strictEqual(lib.last_result(), 5);
  // a non-Error value is thrown as is
  const str = ffi.Callback('int', ['int'], () => { throw 'plain'; }); // eslint-disable-line no-throw-literal
  assert.throws(() => lib.call_int(str, 0), (e) => e === 'plain');
  // an exception inside qsort's comparator
  const buf = Buffer.alloc(40);
  assert.throws(() => libc.qsort(buf, 10, 4, ffi.Callback('int', ['pointer', 'pointer'], () => {
    throw new RangeError('cmp');
  })), { name: 'RangeError', message: 'cmp' });
});

test('a wrong return type is a TypeError with a code; C receives 0', () => {
  const bad = ffi.Callback('int', ['int'], () => 'not a number');
  assert.throws(() => lib.call_int_record(bad, 1), (e) => {
    assert.ok(e instanceof TypeError);
    assert.strictEqual(e.code, 'ERR_REFFI_ARG_TYPE');
    assert.match(e.message, /return value/);
    return true;
  });
  assert.strictEqual(lib.last_result(), 0);
  const frac = ffi.Callback('int', ['int'], () => 1.5);
  expectCode(() => lib.call_int_record(frac, 1), 'ERR_REFFI_ARG_RANGE');
  assert.strictEqual(lib.last_result(), 0);
  const big = ffi.Callback('int', ['int'], () => 2 ** 40);
  expectCode(() => lib.call_int(big, 1), 'ERR_REFFI_ARG_RANGE');
  const obj = ffi.Callback('double', ['double', 'float'], () => ({}));
  expectCode(() => lib.call_double_cb(obj, 1, 1), 'ERR_REFFI_ARG_TYPE');
  const ptr = ffi.Callback('pointer', ['pointer', 'int'], () => 1234);
  expectCode(() => lib.call_ptr_cb(ptr), 'ERR_REFFI_ARG_TYPE');
  const i64 = ffi.Callback('int64', ['int64'], () => 'zzz');
  expectCode(() => lib.call_i64_cb(i64, 1), 'ERR_REFFI_ARG_TYPE');
  // undefined means 0, as in ffi-napi
  const undef = ffi.Callback('int', ['int'], () => undefined);
  assert.strictEqual(lib.call_int_record(undef, 3), 0);
});

test('bad arguments to ffi.Callback throw coded errors', () => {
  expectCode(() => ffi.Callback('int', ['int']), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => ffi.Callback('int', ['int'], 42), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => ffi.Callback('int', 'int', () => 0), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => ffi.Callback('nosuchtype', [], () => 0), 'ERR_REFFI_UNKNOWN_TYPE');
  expectCode(() => ffi.Callback('int', ['int', 'bogus_t'], () => 0), 'ERR_REFFI_UNKNOWN_TYPE');
  expectCode(() => ffi.Callback('int', ['void'], () => 0), 'ERR_REFFI_INVALID_TYPE');
  expectCode(() => ffi.Callback('int', [], 999, () => 0), 'ERR_REFFI_UNSUPPORTED');
  expectCode(() => ffi.Callback.release(Buffer.alloc(8)), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => ffi.Callback.release(null), 'ERR_REFFI_ARG_TYPE');
});

test('explicit release: release(), close(), Symbol.dispose, Callback.release', () => {
  const variants = [
    (cb) => cb.release(),
    (cb) => cb.close(),
    (cb) => ffi.Callback.release(cb),
  ];
  if (Symbol.dispose) variants.push((cb) => cb[Symbol.dispose]());
  for (const release of variants) {
    let calls = 0;
    const cb = ffi.Callback('int', ['int'], (x) => { calls++; return x + 1; });
    lib.store_cb(cb);
    assert.strictEqual(lib.call_stored(1), 2);
    release(cb);
    release(cb); // idempotent
    assert.throws(() => lib.call_stored(1), (e) => {
      assert.strictEqual(e.code, 'ERR_REFFI_CALLBACK_RELEASED');
      assert.match(e.message, /released or garbage-collected/);
      return true;
    });
    assert.strictEqual(lib.last_result(), 0, 'C receives 0');
    assert.strictEqual(calls, 1, 'the JS function no longer runs');
    // the environment is fine afterwards
    assert.strictEqual(lib.call_n_sum((x) => x, 3), 3);
  }
  lib.clear_stored();
});

test('a callback lives while JavaScript holds it (garbage collection)', async () => {
  let held = ffi.Callback('int', ['int'], (x) => x * 7);
  lib.store_cb(held);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await tick();
  }
  assert.strictEqual(lib.call_stored(3), 21);
  // Drop it: after collection C calling the stale pointer gets 0 and the
  // synchronous call that triggered it throws.
  const before = await settle();
  held = null; // eslint-disable-line no-unused-vars
  let released = false;
  for (let i = 0; i < 20 && !released; i++) {
    global.gc();
    await tick();
    try {
      lib.call_stored(1);
    } catch (e) {
      assert.strictEqual(e.code, 'ERR_REFFI_CALLBACK_RELEASED');
      released = true;
    }
  }
  assert.ok(released, 'the collected callback was reported');
  assert.strictEqual(lib.last_result(), 0);
  // and its finalizer removed it from the engine
  for (let i = 0; i < 100 && ffi.stats().callbacks >= before; i++) {
    global.gc();
    await tick();
  }
  assert.ok(ffi.stats().callbacks < before, 'callback count went down');
  lib.clear_stored();
});

async function settle() {
  // Let earlier garbage be collected and finalized.
  let last = -1;
  for (let i = 0, same = 0; i < 100 && same < 5; i++) {
    global.gc();
    await tick();
    const n = ffi.stats().callbacks;
    same = n === last ? same + 1 : 0;
    last = n;
  }
  return last;
}

test('plain functions passed for ffi.Function arguments are collected with the function', async () => {
  const before = await settle();
  for (let i = 0; i < 50; i++) assert.strictEqual(lib.call_n_sum((x) => x + i, 2), 1 + 2 * i);
  assert.ok(ffi.stats().callbacks >= before + 1);
  for (let i = 0; i < 100 && ffi.stats().callbacks > before; i++) {
    global.gc();
    await tick();
  }
  assert.ok(ffi.stats().callbacks <= before, 'temporary callbacks released: ' + ffi.stats().callbacks + ' > ' + before);
});

// ---- structs (lib/struct.js) ----------------------------------------------------

test('structs by value and by pointer through callbacks', () => {
  const Struct = require('../lib/struct');
  const Point = Struct({ x: 'int32', y: 'int32' });
  const Triple = Struct({ a: 'double', b: 'double', c: 'double' });
  const sl = ffi.Library(LIB, {
    call_point_cb: ['int', ['pointer', 'int', 'int']],
    call_point_ptr_cb: ['int', ['pointer', 'int', 'int']],
    call_point_ret_cb: ['int', ['pointer', 'int', 'int']],
    call_triple_cb: ['double', ['pointer', 'double', 'double', 'double']],
  });
  // by value in
  const byVal = ffi.Callback('int', [Point], (p) => {
    assert.ok(p instanceof Point);
    return p.x * 10 + p.y;
  });
  assert.strictEqual(sl.call_point_cb(byVal, 4, 2), 42);
  assert.strictEqual(sl.call_point_cb(byVal, -1, -5), -15);
  // by pointer: the callback sees and modifies C's struct
  const byPtr = ffi.Callback('int', [ref.refType(Point)], (pp) => {
    const p = pp.deref();
    const sum = p.x + p.y;
    p.x = 5;
    p.y = 6;
    return sum;
  });
  assert.strictEqual(sl.call_point_ptr_cb(byPtr, 1, 2), 3 + 506);
  // by value out: an instance or a plain object
  const ret = ffi.Callback(Point, ['int', 'int'], (x, y) => new Point({ x: y, y: x }));
  assert.strictEqual(sl.call_point_ret_cb(ret, 3, 4), 4003);
  const retObj = ffi.Callback(Point, ['int', 'int'], (x, y) => ({ x: x + 1, y: y + 1 }));
  assert.strictEqual(sl.call_point_ret_cb(retObj, 3, 4), 4005);
  // a struct passed and returned in memory (24 bytes)
  const tri = ffi.Callback(Triple, [Triple], (t) => ({ a: t.c, b: t.b, c: t.a }));
  assert.strictEqual(sl.call_triple_cb(tri, 1, 2, 3), 321);
  // a wrong struct result is a coded error; C receives zeros
  const bad = ffi.Callback(Point, ['int', 'int'], () => 5);
  expectCode(() => sl.call_point_ret_cb(bad, 1, 1), 'ERR_REFFI_ARG_TYPE');
});

test('a callback returning an instance of another struct type by value is a coded error', () => {
  const Struct = require('../lib/struct');
  const D2 = Struct({ a: 'double', b: 'double' });
  const D3 = Struct({ a: 'double', b: 'double', c: 'double' });
  const wrong = ffi.Callback(D2, [], () => new D3({ a: 1, b: 2, c: 3 }));
  const right = ffi.Callback(D2, [], () => new D2({ a: 1, b: 2 }));
  const plain = ffi.Callback(D2, [], () => ({ a: 5, b: 6 }));
  assert.throws(() => ffi.ForeignFunction(wrong, D2, [])(), { code: 'ERR_REFFI_ARG_TYPE' });
  assert.strictEqual(ffi.ForeignFunction(right, D2, [])().b, 2);
  assert.strictEqual(ffi.ForeignFunction(plain, D2, [])().b, 6);
});

test('released callbacks stay tombstones for the last 16384 releases of a signature, then their code is recycled', () => {
  // A signature no other test uses, so this test owns its tombstone queue.
  const make = (k) => ffi.Callback('int16', ['int16', 'int16', 'int16'], (a) => a + k);
  const first = make(1);
  const firstAddr = ref.address(first);
  lib.store_cb(first);
  first.release();
  // Still a tombstone: C calling it gets the released error, not a jump.
  assert.throws(() => lib.call_stored(1), (e) => e.code === 'ERR_REFFI_CALLBACK_RELEASED');
  const seen = new Set([firstAddr]);
  for (let i = 0; i < 16384; i++) {
    const cb = make(2);
    seen.add(ref.address(cb));
    cb.release();
  }
  assert.strictEqual(seen.size, 16385, 'within the quarantine every callback gets fresh code');
  // One release past the quarantine: the oldest tombstone is recycled.
  const next = make(3);
  assert.strictEqual(ref.address(next), firstAddr, 'the oldest tombstone is reused');
  // The recycled code runs the new callback (C holding the old pointer
  // now reaches it, as with reused memory in C).
  // (C calls it as int(int); the unused int16 arguments are ignored.)
  assert.strictEqual(lib.call_stored(1), 4);
  next.release();
  lib.clear_stored();
});

test('pointer arguments into the call\'s Buffer read the memory as it is now (reused Buffers are views, not copies)', () => {
  const libc = ffi.Library(null, { qsort: ['void', ['pointer', 'size_t', 'size_t', 'pointer']] });
  const buf = Buffer.alloc(8);
  const seen = [];
  const cmp = ffi.Callback('int', [ref.refType('int32'), ref.refType('int32')], (a, b) => {
    seen.push([a.deref(), b.deref(), ref.address(a) - ref.address(buf), ref.address(b) - ref.address(buf)]);
    return 0;
  });
  const seen16 = [];
  const cmp16 = ffi.Callback('int', [ref.refType('int16'), ref.refType('int16')], (a) => { seen16.push(a.deref()); return 0; });
  for (const [x, y] of [[1, 2], [5, 6], [-7, 70000]]) {
    buf.writeInt32LE(x, 0);
    buf.writeInt32LE(y, 4);
    libc.qsort(buf, 2, 4, cmp);
    libc.qsort(buf, 2, 4, cmp16);
    assert.deepStrictEqual(seen.pop(), [x, y, 0, 4]);
    assert.strictEqual(seen16.pop(), buf.readInt16LE(0), 'same address, another type: its own Buffer');
  }
  cmp.release();
  cmp16.release();
});

test('one synchronous call running many callbacks, nested calls and callbacks made inside a callback', () => {
  // Past the first 65536 callbacks (4096 for callbacks that take JS
  // arguments) of one call each callback gets its own handle scope; the JS
  // function's handle cached for the call stays right.
  let calls = 0;
  const inc = ffi.Callback('int', ['int'], (x) => { calls++; return x % 3; });
  assert.strictEqual(lib.call_n_sum(inc, 70000), 69999); // 23333 × (0+1+2) + 0
  assert.strictEqual(calls, 70000);
  const Twice = {
    name: 'Twice', size: 4, alignment: 4, indirection: 1,
    get: (b, o) => b.readInt32LE(o) * 2,
    set: (b, o, v) => b.writeInt32LE(v / 2, o),
  };
  const viaArgs = ffi.Callback('int', [Twice], (x) => x + 2); // not the block protocol
  assert.strictEqual(lib.call_n_sum(viaArgs, 10000), 10000 * 9999 + 20000); // Σ (2x + 2)
  // A callback whose JS calls into C again, which calls the same callback
  // (nested, same outermost call), then a different one made right there
  // (it may reuse a released callback's code: it must run its own function).
  const made = [];
  let depth = 0;
  const outer = ffi.Callback('int', ['int'], (x) => {
    if (depth > 0) return x * 10;
    depth++;
    try {
      const nested = lib.call_n_sum(outer, 3); // outer at depth 2: 0 + 10 + 20
      const tmp = ffi.Callback('int', ['int'], (y) => y + 1000);
      made.push(tmp);
      const other = lib.call_n_sum(tmp, 2); // 1000 + 1001
      tmp.release();
      return x + nested + other;
    } finally { depth--; }
  });
  assert.strictEqual(lib.call_n_sum(outer, 2), (0 + 30 + 2001) + (1 + 30 + 2001));
  for (let i = 0; i < 3; i++) {
    const again = ffi.Callback('int', ['int'], (y) => y - 7);
    assert.strictEqual(lib.call_n_sum(again, 2), -7 + -6);
    again.release();
  }
  inc.release();
  outer.release();
});

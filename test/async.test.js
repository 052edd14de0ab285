'use strict';
// fn.async(...args[, cb]): the call runs on the libuv thread pool, the
// event loop stays free, arguments stay valid until the call returns.
const test = require('node:test');
const assert = require('node:assert');

const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { libPath } = require('./native/build.js');

const LIB = libPath('threads');
const lib = ffi.Library(LIB, {
  sleep_then: ['int', ['int', 'int']],
  slow_add: ['double', ['double', 'double', 'int']],
  slow_strlen: ['int', ['string', 'int']],
  slow_sum_bytes: ['int', ['pointer', 'int', 'int']],
  slow_write: ['void', [ref.refType('int'), 'int', 'int']],
  slow_greeting: ['string', ['int']],
  mul_i64: ['int64', ['int64', 'int64']],
  thread_id: ['ulong', []],
});

function expectCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return true;
  });
}

test('fn.async(...args, cb): node-style callback with (err, result), called later', async () => {
  let sync = true;
  const r = await new Promise((resolve, reject) => {
    const ret = lib.sleep_then.async(5, 42, (err, v) => {
      if (sync) reject(new Error('callback ran synchronously'));
      if (err) reject(err);
      else resolve(v);
    });
    assert.strictEqual(ret, undefined);
    sync = false;
  });
  assert.strictEqual(r, 42);
});

test('fn.async(...args) without a callback returns a Promise', async () => {
  const p = lib.slow_add.async(1.25, 2.5, 1);
  assert.ok(p instanceof Promise);
  assert.strictEqual(await p, 3.75);
  assert.strictEqual(await lib.mul_i64.async(3e9, 3), 9e9);
  assert.strictEqual(await lib.mul_i64.async(2 ** 31, 2 ** 31), '4611686018427387904'); // beyond 2^53: a string
  assert.strictEqual(await lib.mul_i64.async('4294967296', '4294967297'), 4294967296); // wraps like C
  assert.strictEqual(await lib.slow_greeting.async(1), 'hello from the pool');
});

test('the call runs on another thread and does not block the event loop', async () => {
  const mainTid = lib.thread_id();
  assert.notStrictEqual(await lib.thread_id.async(), mainTid);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = Date.now();
  const v = await lib.sleep_then.async(200, 7);
  const elapsed = Date.now() - t0;
  clearInterval(timer);
  assert.strictEqual(v, 7);
  assert.ok(elapsed >= 190, 'slept ' + elapsed + ' ms');
  assert.ok(ticks >= 5, 'timer fired ' + ticks + ' times while C slept');
});

test('a synchronous call of the same function still blocks (control)', () => {
  const t0 = Date.now();
  assert.strictEqual(lib.sleep_then(50, 1), 1);
  assert.ok(Date.now() - t0 >= 45);
});

test('string and Buffer arguments stay valid when JS drops them (gc during the call)', async () => {
  let s = 'x'.repeat(5000) + 'é'; // longer than the block's string area
  const p1 = lib.slow_strlen.async(s, 80);
  const p2 = lib.slow_strlen.async('short string', 80);
  s = null;
  let buf = Buffer.alloc(1000, 3);
  const p3 = lib.slow_sum_bytes.async(buf, 1000, 80);
  buf = null; // eslint-disable-line no-unused-vars
  // Scribble over the argument block and the heap while the calls run.
  for (let i = 0; i < 5; i++) {
    global.gc();
    lib.slow_strlen('y'.repeat(200), 0);
    Buffer.alloc(1000, 0xff);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepStrictEqual(await Promise.all([p1, p2, p3]), [5002, 12, 3000]);
});

test('an out-pointer written by an async call', async () => {
  const out = ref.alloc('int', 0);
  assert.strictEqual(await lib.slow_write.async(out, 1234, 10), null);
  assert.strictEqual(out.deref(), 1234);
});

test('2,000 concurrent async calls complete with correct results', async () => {
  const N = 2000;
  const ps = [];
  for (let i = 0; i < N; i++) ps.push(i % 2 ? lib.slow_add.async(i, 0.5, 0) : lib.mul_i64.async(i, 1e6));
  const rs = await Promise.all(ps);
  for (let i = 0; i < N; i++) assert.strictEqual(rs[i], i % 2 ? i + 0.5 : i * 1e6);
  // callback form, counted
  let done = 0, bad = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < N; i++) {
      lib.sleep_then.async(0, i, (err, v) => {
        if (err || v !== i) bad++;
        if (++done === N) resolve();
      });
    }
  });
  assert.strictEqual(bad, 0);
});

test('{async: true} in a Library spec binds the async form', async () => {
  const alib = ffi.Library(LIB, {
    sleep_then: ['int', ['int', 'int'], { async: true }],
    mul_i64: ['int64', ['int64', 'int64'], { async: true }],
  });
  const v = await new Promise((resolve, reject) =>
    alib.sleep_then(1, 99, (err, r) => (err ? reject(err) : resolve(r))));
  assert.strictEqual(v, 99);
  assert.strictEqual(await alib.mul_i64(6, 7), 42);
});

test('bad arguments to .async throw coded errors synchronously', () => {
  expectCode(() => lib.sleep_then.async(1), 'ERR_REFFI_ARG_COUNT');
  expectCode(() => lib.sleep_then.async(1, 2, 3, () => {}), 'ERR_REFFI_ARG_COUNT');
  expectCode(() => lib.sleep_then.async(1, 2, 'not a function'), 'ERR_REFFI_ARG_COUNT');
  expectCode(() => lib.sleep_then.async('a', 2, () => {}), 'ERR_REFFI_ARG_TYPE');
  expectCode(() => lib.sleep_then.async(1.5, 2), 'ERR_REFFI_ARG_RANGE');
  expectCode(() => lib.slow_strlen.async(42, 1), 'ERR_REFFI_ARG_TYPE');
});

test('an async call of a closed library fails cleanly', async () => {
  const dl = new ffi.DynamicLibrary(LIB);
  const f = ffi.ForeignFunction(dl.get('sleep_then'), 'int', ['int', 'int']);
  assert.strictEqual(await f.async(0, 5), 5);
  dl.close();
  let err;
  try {
    await f.async(0, 5);
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'rejected');
  assert.strictEqual(err.code, 'ERR_REFFI_LIBRARY_CLOSED');
});

test('structs by value and by pointer stay valid during an async call', async () => {
  const Struct = require('../lib/struct');
  const Point = Struct({ x: 'int32', y: 'int32' });
  const slib = ffi.Library(LIB, {
    slow_point_sum: ['int', [Point, 'int']],
    slow_point_ptr_sum: ['int', [ref.refType(Point), 'int']],
    slow_make_point: [Point, ['int', 'int', 'int']],
  });
  let p = new Point({ x: 40, y: 2 });
  const a = slib.slow_point_sum.async(p, 60);
  const b = slib.slow_point_ptr_sum.async(p.ref(), 60);
  const c = slib.slow_point_sum.async({ x: 1, y: 2 }, 60); // converted to a temporary
  p = null; // eslint-disable-line no-unused-vars
  for (let i = 0; i < 3; i++) {
    global.gc();
    Buffer.alloc(64, 0xee);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepStrictEqual(await Promise.all([a, b, c]), [42, 42, 3]);
  const made = await slib.slow_make_point.async(-3, 9, 5);
  assert.ok(made instanceof Point);
  assert.deepStrictEqual([made.x, made.y], [-3, 9]);
});

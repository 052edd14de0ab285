'use strict';
// Callbacks called from other native threads: handed to the JS thread's
// event loop while the native thread waits; the blocked-thread rule;
// exceptions and released callbacks on that path.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('child_process');

const ffi = require('../lib/ffi');
const { libPath } = require('./native/build.js');

const LIB = libPath('threads');
const lib = ffi.Library(LIB, {
  thread_call_join: ['int', ['pointer', 'int']],
  threads_sum: ['int64', ['pointer', 'int', 'int']],
  call_later: ['int', ['pointer', 'int', 'int']],
  call_later_int: ['int', ['pointer', 'int', 'int']],
  later_int_result: ['int', []],
  store_cb_t: ['void', ['pointer']],
  thread_call_stored: ['int', ['int']],
  sleep_then: ['int', ['int', 'int']],
  thread_id: ['ulong', []],
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` while capturing uncaught exceptions (restores the handlers). */
async function withUncaught(fn) {
  const errors = [];
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const h = (e) => errors.push(e);
  process.on('uncaughtException', h);
  try {
    const r = await fn(errors);
    return [r, errors];
  } finally {
    process.removeListener('uncaughtException', h);
    for (const l of saved) process.on('uncaughtException', l);
  }
}

test('a callback called from a joined pthread (via .async) returns its value to C', async () => {
  const mainTid = lib.thread_id();
  const tids = [];
  const cb = ffi.Callback('int', ['int'], (x) => {
    tids.push(lib.thread_id()); // runs on the JS thread
    return x * 3;
  });
  assert.strictEqual(await lib.thread_call_join.async(cb, 7), 21);
  assert.strictEqual(await lib.thread_call_join.async(cb, -4), -12);
  assert.deepStrictEqual(tids, [mainTid, mainTid]);
  // callback form of .async
  const v = await new Promise((res, rej) => lib.thread_call_join.async(cb, 100, (err, r) => (err ? rej(err) : res(r))));
  assert.strictEqual(v, 300);
});

test('8 threads x 100 calls: every result reaches its thread', async () => {
  const seen = new Set();
  const cb = ffi.Callback('int', ['int'], (x) => { seen.add(x); return x * 2 + 1; });
  const nthreads = 8, per = 100, n = nthreads * per;
  const r = await lib.threads_sum.async(cb, nthreads, per);
  // sum over i < 800 of (2i + 1) = 800^2
  assert.strictEqual(r, n * n);
  assert.strictEqual(seen.size, n);
  // again, several calls in flight at once
  const rs = await Promise.all([1, 2, 3].map(() => lib.threads_sum.async(cb, 4, 50)));
  assert.deepStrictEqual(rs, [40000, 40000, 40000]);
});

test('C stores a callback and a detached thread calls it later', async () => {
  const keepAlive = setInterval(() => {}, 1000); // the callback does not hold the loop open
  try {
    const got = await new Promise((resolve) => {
      const cb = ffi.Callback('void', ['int'], (v) => resolve(v));
      assert.strictEqual(lib.call_later(cb, 99, 30), 0);
      // `cb` is only held by this closure until it has run
      resolve.cb = cb;
    });
    assert.strictEqual(got, 99);
    // the int result reaches the detached thread
    const cb2 = ffi.Callback('int', ['int'], (v) => v + 1000);
    lib.call_later_int(cb2, 5, 20);
    let r = -1;
    for (let i = 0; i < 500 && r === -1; i++) {
      await sleep(5);
      r = lib.later_int_result();
    }
    assert.strictEqual(r, 1005);
  } finally {
    clearInterval(keepAlive);
  }
});

test('blocked JS thread: a synchronous call joining a thread that calls back throws, C gets 0', async () => {
  let ran = 0;
  const cb = ffi.Callback('int', ['int'], () => { ran++; return 55; });
  const t0 = Date.now();
  assert.throws(() => lib.thread_call_join(cb, 1), (e) => {
    assert.strictEqual(e.code, 'ERR_REFFI_CALLBACK_THREAD_BLOCKED');
    assert.match(e.message, /blocked in a synchronous foreign call/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000, 'no deadlock');
  assert.strictEqual(ran, 0);
  // The thread got 0: a stored-callback run shows the value C received.
  lib.store_cb_t(cb);
  assert.throws(() => lib.thread_call_stored(2), { code: 'ERR_REFFI_CALLBACK_THREAD_BLOCKED' });
  // The error was consumed: the next calls are normal.
  assert.strictEqual(lib.sleep_then(0, 4), 4);
  assert.strictEqual(await lib.thread_call_stored.async(2), 55);
  assert.strictEqual(ran, 1);
  // Any abandoned request never runs later.
  await sleep(30);
  assert.strictEqual(ran, 1);
});

test('short synchronous calls overlapping a foreign-thread callback do not abandon it', async () => {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const cb = ffi.Callback('int', ['int'], (v) => v * 2);
    lib.call_later_int(cb, 21, 3);
    // The JS thread is busy in short synchronous calls while the thread
    // calls back; the request waits and is served afterwards.
    const t0 = Date.now();
    while (Date.now() - t0 < 20) lib.sleep_then(1, 0);
    let r = -1;
    for (let i = 0; i < 500 && r === -1; i++) {
      await sleep(5);
      r = lib.later_int_result();
    }
    assert.strictEqual(r, 42);
    // nothing is pending: a synchronous call does not throw
    assert.strictEqual(lib.sleep_then(0, 1), 1);
  } finally {
    clearInterval(keepAlive);
  }
});

test('an exception in a foreign-thread callback is an uncaught exception; C gets 0', async () => {
  const boom = new Error('thread boom');
  const cb = ffi.Callback('int', ['int'], () => { throw boom; });
  const [r, errors] = await withUncaught(async () => {
    const v = await lib.thread_call_join.async(cb, 1);
    await sleep(10);
    return v;
  });
  assert.strictEqual(r, 0);
  assert.strictEqual(errors.length, 1);
  assert.strictEqual(errors[0], boom);
});

test('a wrong return type from a foreign-thread callback: uncaught TypeError with a code', async () => {
  const cb = ffi.Callback('int', ['int'], () => 'x');
  const [r, errors] = await withUncaught(async () => {
    const v = await lib.threads_sum.async(cb, 2, 3);
    await sleep(10);
    return v;
  });
  assert.strictEqual(r, 0);
  assert.strictEqual(errors.length, 6);
  for (const e of errors) {
    assert.ok(e instanceof TypeError);
    assert.strictEqual(e.code, 'ERR_REFFI_ARG_TYPE');
  }
});

test('a released callback called from another thread: C gets 0, uncaught ERR_REFFI_CALLBACK_RELEASED', async () => {
  let ran = 0;
  const cb = ffi.Callback('int', ['int'], (x) => { ran++; return x + 5; });
  lib.store_cb_t(cb);
  assert.strictEqual(await lib.thread_call_stored.async(1), 6);
  cb.release();
  const [r, errors] = await withUncaught(async () => {
    const v = await lib.thread_call_stored.async(1);
    await sleep(20);
    return v;
  });
  assert.strictEqual(r, 0);
  assert.strictEqual(ran, 1);
  assert.strictEqual(errors.length, 1);
  assert.strictEqual(errors[0].code, 'ERR_REFFI_CALLBACK_RELEASED');
});

test('without a handler, a foreign-thread exception ends the process like any uncaught error', () => {
  const script = `
    const ffi = require(${JSON.stringify(require.resolve('../lib/ffi'))});
    const lib = ffi.Library(${JSON.stringify(LIB)}, { thread_call_join: ['int', ['pointer', 'int']] });
    const cb = ffi.Callback('int', ['int'], () => { throw new Error('from the thread'); });
    lib.thread_call_join.async(cb, 1).then((v) => console.log('resolved', v));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.signal, null, 'no crash signal');
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /Error: from the thread/);
});

'use strict';
// reffi in worker_threads: several environments at once, each with its own
// libraries, callbacks and async calls; workers terminated mid-call; the
// process exits cleanly. Each scenario runs in a child process.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('child_process');
const path = require('path');

const { libPath } = require('./native/build.js');

const FFI = path.join(__dirname, '..', 'lib', 'ffi.js');
const REF = path.join(__dirname, '..', 'lib', 'ref.js');
const CB_LIB = libPath('callbacks');
const TH_LIB = libPath('threads');

/** Source of a worker: binds both test libraries and runs `body` (async). */
function workerSource(body) {
  return `
    const { parentPort, workerData } = require('worker_threads');
    const ffi = require(${JSON.stringify(FFI)});
    const ref = require(${JSON.stringify(REF)});
    const cl = ffi.Library(${JSON.stringify(CB_LIB)}, {
      call_n_sum: ['int', ['pointer', 'int']],
      set_errno_to: ['int', ['int']],
    });
    const tl = ffi.Library(${JSON.stringify(TH_LIB)}, {
      threads_sum: ['int64', ['pointer', 'int', 'int']],
      thread_call_join: ['int', ['pointer', 'int']],
      sleep_then: ['int', ['int', 'int']],
      call_later: ['int', ['pointer', 'int', 'int']],
    });
    const libc = ffi.Library(null, { qsort: ['void', ['pointer', 'size_t', 'size_t', 'pointer']] });
    (async () => { ${body} })().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
  `;
}

function runChild(mainBody, timeout = 60000) {
  const script = `
    const { Worker } = require('worker_threads');
    const ffi = require(${JSON.stringify(FFI)});
    function spawn(src, data) {
      const w = new Worker(src, { eval: true, workerData: data });
      const messages = [];
      const done = new Promise((resolve, reject) => {
        w.on('message', (m) => { if (m && m.error) reject(new Error(m.error)); else messages.push(m); });
        w.on('error', reject);
        w.on('exit', (code) => resolve(code));
      });
      return { w, messages, done };
    }
    (async () => { ${mainBody} })().catch((e) => { console.error('FAILED', e); process.exitCode = 2; });
  `;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout });
}

function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

test('4+ workers at once: each binds libraries, calls C, a callback and async calls', () => {
  const body = `
    const k = workerData;
    const cb = ffi.Callback('int', ['int'], (x) => x * k);
    const sync = cl.call_n_sum(cb, 10);                     // callback on the worker's thread
    const threaded = await tl.threads_sum.async(cb, 4, 50); // callbacks from 4 native threads
    const joined = await tl.thread_call_join.async(cb, 7);
    const slept = await tl.sleep_then.async(20, k);          // plain async call
    const buf = Buffer.alloc(16);
    [3, 1, 4, 2].forEach((v, i) => buf.writeInt32LE(v * k, i * 4));
    libc.qsort(buf, 4, 4, ffi.Callback('int', ['pointer', 'pointer'],
      (a, b) => ref.reinterpret(a, 4).readInt32LE(0) - ref.reinterpret(b, 4).readInt32LE(0)));
    const sorted = [0, 1, 2, 3].map((i) => buf.readInt32LE(i * 4));
    cl.set_errno_to(100 + k);
    const errno = ffi.errno();
    parentPort.postMessage({ k, sync, threaded, joined, slept, sorted, errno });
  `;
  const r = runChild(`
    const src = ${JSON.stringify(workerSource(body))};
    // the main thread uses reffi at the same time
    const main = ffi.Library(${JSON.stringify(TH_LIB)}, { threads_sum: ['int64', ['pointer', 'int', 'int']] });
    const mainCb = ffi.Callback('int', ['int'], (x) => 1);
    const workers = [1, 2, 3, 4, 5].map((k) => spawn(src, k));
    const mainSum = await main.threads_sum.async(mainCb, 8, 100);
    const codes = await Promise.all(workers.map((w) => w.done));
    const results = workers.map((w) => w.messages[0]);
    console.log(JSON.stringify({ codes, results, mainSum }));
  `);
  assert.strictEqual(r.signal, null, 'child crashed: ' + r.stderr);
  assert.strictEqual(r.status, 0, r.stderr);
  const out = lastJson(r.stdout);
  assert.strictEqual(out.mainSum, 800);
  assert.deepStrictEqual(out.codes, [0, 0, 0, 0, 0]);
  out.results.forEach((m, i) => {
    const k = i + 1;
    assert.deepStrictEqual(m, {
      k,
      sync: 45 * k,
      threaded: 19900 * k, // sum of 0..199
      joined: 7 * k,
      slept: k,
      sorted: [1, 2, 3, 4].map((v) => v * k),
      errno: 100 + k,
    });
  });
});

test('more workers at once than the engine\'s table of environments (16), in waves: each finds its own state', () => {
  // The first environment is found through a static, up to 16 workers through
  // a static table, the others through a thread-local; slots are reused after
  // a worker exits (src/env.rs ENV_SLOTS).
  const body = `
    const k = workerData;
    const cb = ffi.Callback('int', ['int'], (x) => x * k);
    let s = 0;
    for (let i = 0; i < 200; i++) s += cl.call_n_sum(cb, 10); // fast path and callbacks
    cl.set_errno_to(1000 + k);
    parentPort.postMessage({ k, s, errno: ffi.errno(), slept: await tl.sleep_then.async(1, k) });
  `;
  const r = runChild(`
    const src = ${JSON.stringify(workerSource(body))};
    const results = [];
    for (const wave of [[...Array(20).keys()], [...Array(20).keys()].map((i) => i + 20)]) {
      const workers = wave.map((k) => spawn(src, k + 1));
      const codes = await Promise.all(workers.map((w) => w.done));
      if (codes.some((c) => c !== 0)) throw new Error('exit codes ' + codes);
      for (const w of workers) results.push(w.messages[0]);
    }
    console.log(JSON.stringify(results));
  `, 120000);
  assert.strictEqual(r.signal, null, 'child crashed: ' + r.stderr);
  assert.strictEqual(r.status, 0, r.stderr);
  const out = lastJson(r.stdout);
  assert.strictEqual(out.length, 40);
  out.forEach((m, i) => {
    const k = i + 1;
    assert.deepStrictEqual(m, { k, s: 200 * 45 * k, errno: 1000 + k, slept: k });
  });
});

test('workers terminated while native threads call their callbacks; the process exits cleanly', () => {
  const body = `
    // a detached thread that calls back after the worker is gone
    tl.call_later(ffi.Callback('void', ['int'], () => {}), 1, 150);
    // long-running: 4 threads x 1e6 callbacks, still running at terminate()
    // (it holds one of libuv's 4 pool threads: readiness is signalled from
    // the callback itself, not by another async call)
    let n = 0;
    const cb = ffi.Callback('int', ['int'], (x) => {
      if (++n === 100) parentPort.postMessage({ ready: true });
      return 1;
    });
    tl.threads_sum.async(cb, 4, 1000000).then((v) => parentPort.postMessage({ finished: v }));
  `;
  const r = runChild(`
    // keep the library loaded in the process after the workers are gone
    ffi.Library(${JSON.stringify(TH_LIB)}, {});
    const src = ${JSON.stringify(workerSource(body))};
    const workers = [1, 2, 3, 4].map((k) => spawn(src, k));
    await new Promise((res) => {
      const iv = setInterval(() => { if (workers.every((w) => w.messages.some((m) => m.ready))) { clearInterval(iv); res(); } }, 5);
    });
    const codes = await Promise.all(workers.map((w) => w.w.terminate()));
    await new Promise((res) => setTimeout(res, 300)); // the detached threads fire now
    console.log(JSON.stringify({ codes, finished: workers.map((w) => w.messages.filter((m) => 'finished' in m).length) }));
  `);
  assert.strictEqual(r.signal, null, 'child crashed: ' + r.stderr);
  assert.strictEqual(r.status, 0, r.stderr);
  const out = lastJson(r.stdout);
  assert.deepStrictEqual(out.codes, [1, 1, 1, 1]);
  assert.deepStrictEqual(out.finished, [0, 0, 0, 0]);
});

test('workers that exit on their own, and process.exit() while native threads wait', () => {
  const body = `
    const cb = ffi.Callback('int', ['int'], (x) => x);
    parentPort.postMessage({ v: await tl.thread_call_join.async(cb, workerData) });
    // leave a long threaded call running; the worker then exits by itself
    tl.threads_sum.async(cb, 2, 1000000, () => {});
    await tl.sleep_then.async(10, 0);
    process.exit(7);
  `;
  const r = runChild(`
    const src = ${JSON.stringify(workerSource(body))};
    const workers = [1, 2, 3, 4].map((k) => spawn(src, k));
    const codes = await Promise.all(workers.map((w) => w.done));
    const vs = workers.map((w) => w.messages[0].v);
    // now the main thread exits while its own native threads are waiting
    const tl = ffi.Library(${JSON.stringify(TH_LIB)}, { threads_sum: ['int64', ['pointer', 'int', 'int']] });
    const cb = ffi.Callback('int', ['int'], (x) => 1);
    tl.threads_sum.async(cb, 4, 1000000, () => {});
    setTimeout(() => { console.log(JSON.stringify({ codes, vs })); process.exit(0); }, 50);
  `);
  assert.strictEqual(r.signal, null, 'child crashed or hung: ' + r.stderr);
  assert.strictEqual(r.status, 0, r.stderr);
  const out = lastJson(r.stdout);
  assert.deepStrictEqual(out.codes, [7, 7, 7, 7]);
  assert.deepStrictEqual(out.vs, [1, 2, 3, 4]);
});

test('a callback made in one worker is served by that worker, even when C calls it from elsewhere', () => {
  // Worker A makes a callback and hands its address to worker B, whose
  // native thread calls it: the call is routed to A's event loop.
  const bodyA = `
    const cb = ffi.Callback('int', ['int'], (x) => x + 1000 * workerData);
    parentPort.postMessage({ addr: ref.address(cb) });
    await new Promise((r) => setTimeout(r, 500)); // stay alive and idle
    cb.release();
  `;
  const bodyB = `
    const ptr = ref._internal.pointerBuffer(workerData, 0);
    parentPort.postMessage({ v: await tl.thread_call_join.async(ptr, 5) });
  `;
  const r = runChild(`
    const a = spawn(${JSON.stringify(workerSource(bodyA))}, 3);
    while (!a.messages.length) await new Promise((r) => setTimeout(r, 5));
    const b = spawn(${JSON.stringify(workerSource(bodyB))}, a.messages[0].addr);
    await b.done;
    await a.done;
    console.log(JSON.stringify(b.messages[0]));
  `);
  assert.strictEqual(r.signal, null, 'child crashed: ' + r.stderr);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.deepStrictEqual(lastJson(r.stdout), { v: 3005 });
});

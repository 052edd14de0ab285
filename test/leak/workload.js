'use strict';
// The focused workload the leak check runs under valgrind (test/leak/run.js):
// every part of reffi that allocates native memory, exercised a bounded
// number of times, with the garbage collector forced so that collected
// plans, callbacks and libraries are finalised before the process exits.
//
//   node --expose-gc test/leak/workload.js [scale]        (scale 1 = the default size)
//
// It prints one line "workload done: ..." at the end; run.js checks it.

const ffi = require('../../lib/ffi');
const ref = require('../../lib/ref');
const Struct = require('../../lib/struct');

const scale = Number(process.argv[2] || 1);
const libPath = process.env.REFFI_LEAK_LIB || require('../native/build.js').libPath('fuzz');
const n = (k) => Math.max(1, Math.round(k * scale));
const counts = {};
const count = (k, d) => { counts[k] = (counts[k] || 0) + (d || 1); };

function check(ok, what) {
  if (!ok) throw new Error('leak workload: wrong result: ' + what);
}

const gc = typeof global.gc === 'function' ? global.gc : () => {};

async function settle() {
  // Finalisers (FinalizationRegistry: plans, callbacks) run on later turns.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

async function main() {
  const S2 = Struct({ x: 'double', y: 'double' });
  const S4 = Struct({ a: 'int64', b: 'uint8', c: 'double' });
  const S6 = Struct({ s: 'string', n: 'int32' });
  const L = ffi.Library(libPath, {
    fz_id_i32: ['int32', ['int32']],
    fz_id_u64: ['uint64', ['uint64']],
    fz_id_s: ['string', ['string']],
    fz_id_p: ['pointer', ['pointer']],
    fz_str_hash: ['uint64', ['string']],
    fz_str_static: ['string', ['uint32']],
    fz_str3: ['uint64', ['string', 'int32', 'string', 'string']],
    fz_buf_fill: ['int64', ['pointer', 'size_t', 'uint32']],
    fz_S2_hash: ['uint64', [S2]],
    fz_S4_make: [S4, ['uint64']],
    fz_S6_hash: ['uint64', [S6]],
    fz_S6_make: [S6, ['uint64']],
    fz_mix_3: ['uint64', ['int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32']],
    fz_cb_i32: ['int32', ['pointer', 'int32', 'double']],
    fz_cb_ret_str: ['uint64', ['pointer', 'int32']],
    fz_cb_twice: ['int32', ['pointer', 'int32']],
    fz_leak: ['uint64', ['size_t']],
  });

  // 1. Synchronous calls: scalars (fast path), 7 arguments (generic path),
  //    strings in and out (argument block and heap strings), pointers, structs.
  const long = 'x'.repeat(70000); // longer than the argument block: a heap copy
  const buf = Buffer.alloc(64);
  for (let i = 0; i < n(400); i++) {
    check(L.fz_id_i32(i) === i, 'fz_id_i32');
    check(L.fz_id_u64(BigInt(i) << 40n) !== null, 'fz_id_u64');
    check(L.fz_id_s('h\u00e9llo ' + i) === 'h\u00e9llo ' + i, 'fz_id_s');
    L.fz_str3('a' + i, i, null, 'c');
    if (i % 50 === 0) L.fz_str_hash(long);
    check(L.fz_str_static(i) === L.fz_str_static(i), 'fz_str_static');
    check(L.fz_buf_fill(buf, 64, i) === 64, 'fz_buf_fill');
    check(ref.address(L.fz_id_p(buf)) === ref.address(buf), 'fz_id_p');
    L.fz_mix_3(1, 2, 3, 4, 5, 6, i);
    L.fz_S2_hash(new S2({ x: i, y: -i }));
    L.fz_S2_hash({ x: 1.5, y: 2.5 });
    check(typeof L.fz_S4_make(i).c === 'number', 'fz_S4_make');
    L.fz_S6_hash({ s: 'str' + i, n: i });
    L.fz_S6_make(i);
    count('sync calls', 12);
  }

  // 2. Errors thrown by the engine and by the JS layer (their messages are native strings).
  for (let i = 0; i < n(100); i++) {
    for (const bad of [() => L.fz_id_i32('x'), () => L.fz_id_i32(2 ** 40), () => L.fz_S2_hash(5), () => L.fz_id_i32()]) {
      try { bad(); } catch (e) { check(typeof e.code === 'string', 'coded error'); count('errors'); }
    }
    try { ffi.Library(libPath, { no_such_symbol: ['int', []] }); } catch (e) { count('errors'); }
    try { ffi.ForeignFunction(ref.NULL, 'int', []); } catch (e) { count('errors'); }
  }

  // 3. Callbacks: created, called (same thread), released; some left to the GC.
  for (let i = 0; i < n(150); i++) {
    const cb = ffi.Callback('int32', ['int32', 'double'], (a, b) => a + Math.trunc(b));
    check(L.fz_cb_i32(cb, i, 1) === (((i + 1) * 3 + 1) | 0), 'fz_cb_i32');
    const s = ffi.Callback('string', ['int32'], (k) => 'ret' + k);
    L.fz_cb_ret_str(s, i);
    if (i % 2 === 0) { cb.release(); s.release(); }
    count('callbacks', 2);
  }
  // A callback released while C holds it, then called: C gets 0, JS an error.
  for (let i = 0; i < n(20); i++) {
    let cb = null;
    cb = ffi.Callback('int32', ['int32'], (x) => { cb.release(); return x; });
    try { L.fz_cb_twice(cb, 1); } catch (e) { count('errors'); }
  }
  // Functions bound and dropped: their plans are freed by the GC.
  for (let i = 0; i < n(100); i++) {
    const f = ffi.ForeignFunction(L._dl.get('fz_id_i32'), 'int32', ['int32']);
    f(i);
    count('plans');
  }
  await settle();

  // 4. Asynchronous calls (libuv thread pool), including callbacks run from
  //    a pool thread (queued to the JS thread).
  for (let i = 0; i < n(40); i++) {
    check((await L.fz_id_i32.async(i)) === i, 'async fz_id_i32');
    check((await L.fz_id_s.async('async ' + i)) === 'async ' + i, 'async fz_id_s');
    await L.fz_S4_make.async(i);
    const cb = ffi.Callback('int32', ['int32', 'double'], (a) => a);
    await L.fz_cb_i32.async(cb, i, 0);
    cb.release();
    count('async calls', 4);
  }

  // 5. Libraries opened and closed (with functions bound to them), and a
  //    call on a closed library (an error).
  for (let i = 0; i < n(20); i++) {
    const dl = new ffi.DynamicLibrary(libPath, ffi.RTLD_NOW);
    const f = ffi.ForeignFunction(dl.get('fz_id_i32'), 'int32', ['int32']);
    check(f(i) === i, 'function of a reopened library');
    const p = f.async(i);
    dl.close();
    await p;
    try { f(1); } catch (e) { count('errors'); }
    count('libraries');
  }
  await settle();

  // 6. The positive control: C leaks memory (must be seen, and blamed on C).
  if (process.env.REFFI_LEAK_CONTROL !== '0') {
    L.fz_leak(4242);
    count('control leaks');
  }
  await settle();
  console.log('workload done: ' + Object.entries(counts).map(([k, v]) => k + ' ' + v).join(', '));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

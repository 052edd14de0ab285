'use strict';
// ffi-rs (npm `ffi-rs`) through its own API: open + define, DataType
// descriptors, plain objects for structs (FFITypeTag.StackStruct), Buffers
// (U8Array) modified in place for pointers, runInNewThread for async.
//
// ffi-rs cannot return a JS callback's result to C when C calls it on the
// JS thread (it queues the call and prints "set runInNewThread to true to
// get the return value"), so the two callback workloads run the outer call
// with runInNewThread: C runs on another thread and every callback is a
// blocking cross-thread hop to the JS thread. They are marked as such.
const { inFlight, qsortSource, CALLBACKS_PER_CALL, QSORT_COUNT, FILL_BYTES, ASYNC_IN_FLIGHT, STR16, STRS16 } = require('../workloads');
const { requirePeer, peerVersion } = require('./peer');

function load(ctx) {
  const R = requirePeer('ffi-rs');
  const { DataType: T, FFITypeTag } = R;
  const LIB = 'reffi-bench-lib', LIBC = 'reffi-bench-libc';
  R.open({ library: LIB, path: ctx.lib });
  R.open({ library: LIBC, path: '' });
  const point = { x: T.Double, y: T.Double, ffiTypeTag: FFITypeTag.StackStruct };
  const f = R.define({
    bench_add: { library: LIB, retType: T.I32, paramsType: [T.I32, T.I32] },
    bench_mix4: { library: LIB, retType: T.Double, paramsType: [T.Double, T.Double, T.Double, T.Double] },
    bench_strlen: { library: LIB, retType: T.U64, paramsType: [T.String] },
    bench_point_sum: { library: LIB, retType: T.Double, paramsType: [point] },
    bench_point_make: { library: LIB, retType: point, paramsType: [T.Double, T.Double] },
    bench_out_i32: { library: LIB, retType: T.I32, paramsType: [T.I32, T.U8Array] },
    bench_fill: { library: LIB, retType: T.Void, paramsType: [T.U8Array, T.U64, T.I32] },
  });
  const fa = R.define({
    bench_add: { library: LIB, retType: T.I32, paramsType: [T.I32, T.I32], runInNewThread: true },
    bench_call_n: { library: LIB, retType: T.I32, paramsType: [T.External, T.I32], runInNewThread: true },
    qsort: { library: LIBC, retType: T.Void, paramsType: [T.U8Array, T.U64, T.U64, T.External], runInNewThread: true },
  });
  const fnPointer = (paramsType, retType, fn) => {
    const p = R.createPointer({ paramsType: [R.funcConstructor({ paramsType, retType })], paramsValue: [fn] });
    return R.unwrapPointer(p)[0];
  };
  return {
    add() {
      const add = f.bench_add;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += add([i, 1]); return s; };
    },
    mix4() {
      const mix4 = f.bench_mix4;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += mix4([i, 2, 3, 1]); return s; };
    },
    strlen() {
      const strlen = f.bench_strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen([STR16]); return s; };
    },
    strlenVaried() {
      const strlen = f.bench_strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen([STRS16[i & 1023]]); return s; };
    },
    structIn() {
      const pointSum = f.bench_point_sum;
      const p = { x: 1.5, y: 2.5 };
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += pointSum([p]); return s; };
    },
    structOut() {
      const pointMake = f.bench_point_make;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { const r = pointMake([i, 1]); s += r.x + r.y; } return s; };
    },
    outParam() {
      const outI32 = f.bench_out_i32;
      return (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) { const cell = Buffer.alloc(4); outI32([i, cell]); s += cell.readInt32LE(0); }
        return s;
      };
    },
    callback() {
      const callN = fa.bench_call_n;
      const cb = fnPointer([T.I32], T.I32, (i) => i + 1);
      return async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await callN([cb, CALLBACKS_PER_CALL]); return s; };
    },
    qsort() {
      const qsort = fa.qsort;
      const one = R.arrayConstructor({ type: T.I32Array, length: 1 });
      const cmp = fnPointer([one, one], T.I32, (a, b) => a[0] - b[0]);
      const src = qsortSource();
      const work = Buffer.alloc(QSORT_COUNT * 4);
      const view = new Int32Array(work.buffer, work.byteOffset, QSORT_COUNT);
      return async (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          view.set(src);
          await qsort([work, QSORT_COUNT, 4, cmp]);
          s += view[0] + view[QSORT_COUNT >> 1] + view[QSORT_COUNT - 1];
        }
        return s;
      };
    },
    async() {
      const addAsync = fa.bench_add;
      return (n) => inFlight(n, ASYNC_IN_FLIGHT, (i, done) => addAsync([i, 1]).then((v) => done(null, v), done));
    },
    fill() {
      const fill = f.bench_fill;
      const buf = Buffer.alloc(FILL_BYTES);
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { fill([buf, FILL_BYTES, i & 255]); s += buf[(i * 7) & 4095]; } return s; };
    },
  };
}

/** Workloads this adapter runs differently from the others (footnoted in the table). */
const notes = {
  callback: 'runInNewThread: C runs on a pool thread and each callback hops to the JS thread (ffi-rs delivers no callback result to C on the JS thread)',
  qsort: 'runInNewThread: C runs on a pool thread and each comparison hops to the JS thread (ffi-rs delivers no callback result to C on the JS thread)',
};

module.exports = { name: 'ffi-rs', label: 'ffi-rs', load, notes, version: () => peerVersion('ffi-rs') };

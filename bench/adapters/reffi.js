'use strict';
// reffi through its classic API only: ffi.Library with type names,
// ffi.Callback, ref.alloc/deref, reffi/struct for the struct workloads.
const fs = require('fs');
const path = require('path');
const { NotAvailable, inFlight, qsortSource, qsortProbe, CALLBACKS_PER_CALL, QSORT_COUNT, FILL_BYTES, ASYNC_IN_FLIGHT, STR16, STRS16 } = require('../workloads');

const root = path.join(__dirname, '..', '..');
const structPath = path.join(root, 'lib', 'struct.js');

let ffi = null;

/** The Point struct type, or NotAvailable while lib/struct.js does not exist. */
function pointType(ref) {
  if (!fs.existsSync(structPath)) throw new NotAvailable('lib/struct.js is not there yet');
  const mod = require(structPath);
  const fields = { x: 'double', y: 'double' };
  // reffi/struct is StructType itself; accept a ref-struct-di style factory too.
  let T = mod(fields);
  if (!(T && T.size === 16) && typeof mod === 'function') {
    const S = mod(ref);
    if (typeof S === 'function') T = S(fields);
  }
  if (!(T && T.size === 16)) throw new Error('reffi/struct: could not make struct {double x, y}');
  return T;
}

function load(ctx) {
  ffi = require(path.join(root, 'lib', 'ffi'));
  const ref = require(path.join(root, 'lib', 'ref'));
  const intPtr = ref.refType(ref.types.int32);
  const lib = ffi.Library(ctx.lib, {
    bench_add: ['int32', ['int32', 'int32']],
    bench_mix4: ['double', ['double', 'double', 'double', 'double']],
    bench_strlen: ['size_t', ['string']],
    bench_out_i32: ['int32', ['int32', intPtr]],
    bench_call_n: ['int32', ['pointer', 'int32']],
    bench_fill: ['void', ['pointer', 'size_t', 'int32']],
  });
  const libc = ffi.Library(null, { qsort: ['void', ['pointer', 'size_t', 'size_t', 'pointer']] });
  let structLib = null;
  const structFns = () => {
    if (!structLib) {
      const Point = pointType(ref);
      structLib = ffi.Library(ctx.lib, {
        bench_point_sum: ['double', [Point]],
        bench_point_make: [Point, ['double', 'double']],
      });
      structLib.Point = Point;
    }
    return structLib;
  };
  const keep = [];
  return {
    add() {
      const add = lib.bench_add;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1); return s; };
    },
    mix4() {
      const mix4 = lib.bench_mix4;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += mix4(i, 2, 3, 1); return s; };
    },
    strlen() {
      const strlen = lib.bench_strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STR16); return s; };
    },
    strlenVaried() {
      const strlen = lib.bench_strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STRS16[i & 1023]); return s; };
    },
    structIn() {
      const L = structFns();
      const pointSum = L.bench_point_sum;
      const p = new L.Point({ x: 1.5, y: 2.5 });
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += pointSum(p); return s; };
    },
    structOut() {
      const pointMake = structFns().bench_point_make;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { const r = pointMake(i, 1); s += r.x + r.y; } return s; };
    },
    outParam() {
      const outI32 = lib.bench_out_i32;
      return (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) { const cell = ref.alloc('int32'); outI32(i, cell); s += cell.deref(); }
        return s;
      };
    },
    callback() {
      const callN = lib.bench_call_n;
      const cb = ffi.Callback('int32', ['int32'], (i) => i + 1);
      keep.push(cb);
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += callN(cb, CALLBACKS_PER_CALL); return s; };
    },
    qsort() {
      const qsort = libc.qsort;
      const src = qsortSource();
      const work = Buffer.alloc(QSORT_COUNT * 4);
      const view = new Int32Array(work.buffer, work.byteOffset, QSORT_COUNT);
      const cmp = ffi.Callback('int', [intPtr, intPtr], (a, b) => a.deref() - b.deref());
      keep.push(cmp);
      qsortProbe((buf, count) => qsort(buf, count, 4, cmp));
      return (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          view.set(src);
          qsort(work, QSORT_COUNT, 4, cmp);
          s += view[0] + view[QSORT_COUNT >> 1] + view[QSORT_COUNT - 1];
        }
        return s;
      };
    },
    async() {
      const addAsync = lib.bench_add.async;
      return (n) => inFlight(n, ASYNC_IN_FLIGHT, (i, done) => addAsync(i, 1, done));
    },
    fill() {
      const fill = lib.bench_fill;
      const buf = Buffer.alloc(FILL_BYTES);
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { fill(buf, FILL_BYTES, i & 255); s += buf[(i * 7) & 4095]; } return s; };
    },
  };
}

/** Call counts per engine path ({fast, generic}), to record which path each workload used. */
function stats() {
  if (!ffi) return null;
  const s = ffi.stats();
  return { fast: s.fast, generic: s.generic };
}

function version() {
  return require(path.join(root, 'package.json')).version;
}

module.exports = { name: 'reffi', label: 'reffi (classic API)', load, stats, version };

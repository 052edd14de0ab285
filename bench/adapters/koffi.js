'use strict';
// koffi (npm `koffi`) through its own API: prototype strings, JS objects for
// structs, `_Out_` parameters, registered callbacks, fn.async.
const { inFlight, qsortSource, qsortProbe, CALLBACKS_PER_CALL, QSORT_COUNT, FILL_BYTES, ASYNC_IN_FLIGHT, STR16, STRS16 } = require('../workloads');
const { requirePeer, peerVersion } = require('./peer');

function load(ctx) {
  const koffi = requirePeer('koffi');
  const lib = koffi.load(ctx.lib);
  const libc = koffi.load(null);
  koffi.struct('bench_point', { x: 'double', y: 'double' });
  const CB = koffi.proto('int32_t bench_cb(int32_t)');
  const Cmp = koffi.proto('int bench_cmp(const void *a, const void *b)');
  const f = {
    add: lib.func('int32_t bench_add(int32_t a, int32_t b)'),
    mix4: lib.func('double bench_mix4(double a, double b, double c, double d)'),
    strlen: lib.func('size_t bench_strlen(const char *s)'),
    pointSum: lib.func('double bench_point_sum(bench_point p)'),
    pointMake: lib.func('bench_point bench_point_make(double x, double y)'),
    outI32: lib.func('int32_t bench_out_i32(int32_t v, _Out_ int32_t *out)'),
    callN: lib.func('int32_t bench_call_n(bench_cb *cb, int32_t n)'),
    fill: lib.func('void bench_fill(uint8_t *p, size_t n, int32_t v)'),
    qsort: libc.func('void qsort(void *base, size_t n, size_t size, bench_cmp *cmp)'),
  };
  return {
    add() {
      const add = f.add;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1); return s; };
    },
    mix4() {
      const mix4 = f.mix4;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += mix4(i, 2, 3, 1); return s; };
    },
    strlen() {
      const strlen = f.strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STR16); return s; };
    },
    strlenVaried() {
      const strlen = f.strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STRS16[i & 1023]); return s; };
    },
    structIn() {
      const pointSum = f.pointSum;
      const p = { x: 1.5, y: 2.5 };
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += pointSum(p); return s; };
    },
    structOut() {
      const pointMake = f.pointMake;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { const r = pointMake(i, 1); s += r.x + r.y; } return s; };
    },
    outParam() {
      const outI32 = f.outI32;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { const cell = [null]; outI32(i, cell); s += cell[0]; } return s; };
    },
    callback() {
      const callN = f.callN;
      const cb = koffi.register((i) => i + 1, koffi.pointer(CB));
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += callN(cb, CALLBACKS_PER_CALL); return s; };
    },
    qsort() {
      const qsort = f.qsort;
      const decode = koffi.decode.int32;
      const src = qsortSource();
      const work = Buffer.alloc(QSORT_COUNT * 4);
      const view = new Int32Array(work.buffer, work.byteOffset, QSORT_COUNT);
      const cmp = koffi.register((a, b) => decode(a) - decode(b), koffi.pointer(Cmp));
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
      const addAsync = f.add.async;
      return (n) => inFlight(n, ASYNC_IN_FLIGHT, (i, done) => addAsync(i, 1, done));
    },
    fill() {
      const fill = f.fill;
      const buf = Buffer.alloc(FILL_BYTES);
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { fill(buf, FILL_BYTES, i & 255); s += buf[(i * 7) & 4095]; } return s; };
    },
  };
}

module.exports = { name: 'koffi', label: 'koffi', load, version: () => peerVersion('koffi') };

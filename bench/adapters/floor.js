'use strict';
// The 1.00x reference: bench/native/floor.c, a hand-written Node-API addon
// calling the benchlib functions directly (see that file).
const { NotAvailable, inFlight, qsortSource, qsortProbe, CALLBACKS_PER_CALL, QSORT_COUNT, FILL_BYTES, ASYNC_IN_FLIGHT, STR16, STRS16 } = require('../workloads');

function load(ctx) {
  if (!ctx.floor) throw new NotAvailable('the floor addon did not build' + (ctx.floorError ? ': ' + ctx.floorError : ''));
  const F = require(ctx.floor);
  return {
    add() {
      const add = F.add;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1); return s; };
    },
    mix4() {
      const mix4 = F.mix4;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += mix4(i, 2, 3, 1); return s; };
    },
    strlen() {
      const strlen = F.strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STR16); return s; };
    },
    strlenVaried() {
      const strlen = F.strlen;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += strlen(STRS16[i & 1023]); return s; };
    },
    structIn() {
      const pointSum = F.pointSum;
      const p = { x: 1.5, y: 2.5 };
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += pointSum(p); return s; };
    },
    structOut() {
      const pointMake = F.pointMake;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { const r = pointMake(i, 1); s += r.x + r.y; } return s; };
    },
    outParam() {
      // The hand-written binding hides the out-parameter: C writes a local, JS gets the number.
      const outI32 = F.outI32;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += outI32(i); return s; };
    },
    callback() {
      const callN = F.callN;
      const cb = (i) => i + 1;
      return (n) => { let s = 0; for (let i = 0; i < n; i++) s += callN(cb, CALLBACKS_PER_CALL); return s; };
    },
    qsort() {
      const qsortI32 = F.qsortI32;
      const src = qsortSource();
      const work = Buffer.alloc(QSORT_COUNT * 4);
      const view = new Int32Array(work.buffer, work.byteOffset, QSORT_COUNT);
      const cmp = (a, b) => a - b; // the binding passes the element values
      qsortProbe((buf, count) => qsortI32(buf, count, cmp));
      return (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          view.set(src);
          qsortI32(work, QSORT_COUNT, cmp);
          s += view[0] + view[QSORT_COUNT >> 1] + view[QSORT_COUNT - 1];
        }
        return s;
      };
    },
    async() {
      const addAsync = F.addAsync;
      return (n) => inFlight(n, ASYNC_IN_FLIGHT, (i, done) => addAsync(i, 1, done));
    },
    fill() {
      const fill = F.fill;
      const buf = Buffer.alloc(FILL_BYTES);
      return (n) => { let s = 0; for (let i = 0; i < n; i++) { fill(buf, FILL_BYTES, i & 255); s += buf[(i * 7) & 4095]; } return s; };
    },
  };
}

module.exports = { name: 'floor', label: 'floor (hand-written Node-API C)', load, version: () => 'C' };

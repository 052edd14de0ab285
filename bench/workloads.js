'use strict';
// The benchmark workloads. Every adapter (bench/adapters/*.js) implements
// each workload id as a factory `(ctx) => run`, where `run(n)` performs n
// operations and returns a checksum (or a Promise of one, for asynchronous
// workloads). The harness compares the checksum with `expect(n)`, so a wrong
// result is caught in every sample, not only once.
//
// Adapters write their own loops (plain closures in their own files): a
// shared loop helper calling each implementation would see several targets
// at one call site and measure V8's polymorphic dispatch instead.

/** Callbacks per call in the `callback` workload. */
const CALLBACKS_PER_CALL = 100;
/** Elements sorted by one `qsort` operation. */
const QSORT_COUNT = 1000;
/** Bytes filled by one `fill` operation. */
const FILL_BYTES = 4096;
/** Asynchronous calls kept in flight. */
const ASYNC_IN_FLIGHT = 128;
/** The 16-character string of the `strlen` workload. */
const STR16 = 'reffi-bench-16ch';

if (STR16.length !== 16) throw new Error('STR16 must have 16 characters');

/**
 * 1024 different 16-character strings for the `strlenVaried` workload
 * (flat strings, as a parser or a file read gives; built from char codes,
 * not by concatenation, which would give V8 cons strings).
 */
const STRS16 = Array.from({ length: 1024 }, (_, i) =>
  String.fromCharCode(...Array.from('reffi-bench-' + String(1000 + i), (c) => c.charCodeAt(0))));
if (STRS16.some((x) => x.length !== 16) || new Set(STRS16).size !== 1024) throw new Error('STRS16: 1024 distinct 16-char strings');

/** A fixed pseudo-random permutation of 0..QSORT_COUNT-1 (the same for every implementation). */
function qsortSource() {
  const a = new Int32Array(QSORT_COUNT);
  for (let i = 0; i < a.length; i++) a[i] = i;
  let seed = 0x2545f491;
  for (let i = a.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}

/** Checksum of one sorted array: first + middle + last element. */
const QSORT_CHECK = 0 + QSORT_COUNT / 2 + (QSORT_COUNT - 1);

function sumTo(n) { return (n * (n - 1)) / 2; } // 0 + 1 + ... + (n - 1)

const workloads = [
  {
    id: 'add', title: 'int32 add(int32, int32)', unit: 'ns', per: 1,
    // s += add(i, 1)
    expect: (n) => sumTo(n) + n,
  },
  {
    id: 'mix4', title: '4 doubles in, double out', unit: 'ns', per: 1,
    // s += mix4(i, 2, 3, 1) = 2i + 2
    expect: (n) => 2 * sumTo(n) + 2 * n,
  },
  {
    id: 'strlen', title: '16-char string -> size_t', unit: 'ns', per: 1,
    // s += strlen(STR16)
    expect: (n) => 16 * n,
  },
  {
    id: 'strlenVaried', title: '16-char string -> size_t, a different string each call', unit: 'ns', per: 1,
    // s += strlen(STRS16[i & 1023])
    expect: (n) => 16 * n,
  },
  {
    id: 'structIn', title: 'struct {double x, y} by value in', unit: 'ns', per: 1,
    // s += pointSum({x: 1.5, y: 2.5}) (the struct is built once, outside the loop)
    expect: (n) => 4 * n,
  },
  {
    id: 'structOut', title: 'struct {double x, y} returned by value', unit: 'ns', per: 1,
    // r = pointMake(i, 1); s += r.x + r.y
    expect: (n) => sumTo(n) + n,
  },
  {
    id: 'outParam', title: 'int32 * out-parameter', unit: 'ns', per: 1,
    // a fresh out-cell per call; outI32(i, cell) writes 2i; s += value read back
    expect: (n) => 2 * sumTo(n),
  },
  {
    id: 'callback', title: `C calls a JS callback (${CALLBACKS_PER_CALL}x per call)`, unit: 'ns', per: CALLBACKS_PER_CALL,
    // s += callN(cb, 100) with cb(i) = i + 1; reported per callback
    expect: (n) => n * (sumTo(CALLBACKS_PER_CALL) + CALLBACKS_PER_CALL),
  },
  {
    id: 'qsort', title: `libc qsort of ${QSORT_COUNT} int32, JS comparator`, unit: 'us', per: 1,
    // copy the source permutation into the work buffer, qsort it, s += first + middle + last
    expect: (n) => n * QSORT_CHECK,
  },
  {
    id: 'async', title: `async call on the thread pool, ${ASYNC_IN_FLIGHT} in flight`, unit: 'us', per: 1, async: true,
    // n calls add.async(i, 1), 128 in flight; s += result
    expect: (n) => sumTo(n) + n,
  },
  {
    id: 'fill', title: `fill a ${FILL_BYTES / 1024} KiB Buffer through a pointer`, unit: 'ns', per: 1,
    // fill(buf, 4096, i & 255); s += buf[(i * 7) & 4095]
    expect: (n) => { let s = 0; for (let i = 0; i < n; i++) s += i & 255; return s; },
  },
];

const byId = new Map(workloads.map((w) => [w.id, w]));

/**
 * Runs `start(i, done)` for i in [0, n) keeping `width` operations in
 * flight; `done(err, value)` adds value to the checksum. Resolves to the sum.
 * (Shared by the adapters: at microseconds per call, the one call site being
 * polymorphic across implementations is immaterial.)
 */
function inFlight(n, width, start) {
  return new Promise((resolve, reject) => {
    let next = 0, finished = 0, sum = 0, failed = false;
    const done = (err, v) => {
      if (failed) return;
      if (err) { failed = true; reject(err); return; }
      sum += v;
      finished++;
      if (next < n) launch();
      else if (finished === n) resolve(sum);
    };
    const launch = () => {
      const i = next++;
      try {
        start(i, done);
      } catch (e) {
        failed = true;
        reject(e);
      }
    };
    if (n === 0) { resolve(0); return; }
    for (let k = 0; k < width && next < n && !failed; k++) launch();
  });
}

/** A qsort slower than this (estimated) is reported as "too slow" instead of being timed. */
const QSORT_MAX_MS = 20000;

/**
 * Guards the qsort workload against implementations that would need minutes
 * per sort: times `sort(buffer, count)` on 8 elements and extrapolates to
 * QSORT_COUNT by n log n. Throws TooSlow above QSORT_MAX_MS, or an Error if
 * the 8 elements do not come back sorted.
 */
function qsortProbe(sort) {
  const probe = () => {
    const buf = Buffer.alloc(32);
    const v = new Int32Array(buf.buffer, buf.byteOffset, 8);
    v.set([5, 2, 7, 0, 6, 3, 1, 4]);
    const t0 = process.hrtime.bigint();
    sort(buf, 8);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    for (let i = 0; i < 8; i++) if (v[i] !== i) throw new Error('qsort probe: wrong order ' + Array.from(v).join(','));
    return ms;
  };
  const factor = (QSORT_COUNT * Math.log2(QSORT_COUNT)) / (8 * 3);
  let ms = probe();
  if (ms * factor > QSORT_MAX_MS) ms = Math.min(ms, probe()); // the first one may include warm-up
  if (ms * factor > QSORT_MAX_MS) {
    throw new TooSlow(`about ${Math.round((ms * factor) / 1000)} s per sort, extrapolated from an 8-element sort (${ms.toFixed(0)} ms)`);
  }
}

/** Thrown by an adapter whose operation would take too long to time (reported as "too slow"). */
class TooSlow extends Error {
  constructor(reason) {
    super(reason);
    this.name = 'TooSlow';
    this.tooSlow = true;
  }
}

/** Thrown by an adapter that cannot run a workload (reported as "n/a: reason"). */
class NotAvailable extends Error {
  constructor(reason) {
    super(reason);
    this.name = 'NotAvailable';
    this.notAvailable = true;
  }
}

module.exports = {
  workloads, byId, inFlight, qsortSource, qsortProbe, NotAvailable, TooSlow,
  CALLBACKS_PER_CALL, QSORT_COUNT, QSORT_CHECK, FILL_BYTES, ASYNC_IN_FLIGHT, STR16, STRS16,
};

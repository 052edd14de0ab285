'use strict';
// `npm run soak`: long runs of reffi's classic API that would expose leaks
// (memory, file descriptors, callback slots, plans) and wrong results.
//
// Phases (sizes at SOAK_SCALE=1; SOAK_SCALE=0.01 runs 1% of each):
//   sync        10,000,000 synchronous calls (int, double, string, pointer,
//               out-parameter and struct-by-value signatures, rotating)
//   callbacks   1,000,000 callback invocations (C calls JS 100x per call)
//   async       100,000 async calls on the thread pool, 128 in flight
//   callback-cycles   100,000 x ffi.Callback(...) + one call + cb.release()
//   struct-cycles     100,000 struct instances built, passed and returned by value
//   library-cycles    100,000 x ffi.Library(...) + one call + lib._dl.close()
// Every result is checked. Before and after each phase (after a full GC and
// after pending finalizers ran) it prints RSS and the number of open file
// descriptors (/proc/self/fd), and the growth; each phase runs in two halves
// and the growth of the second half is printed too (growth that goes on in
// the second half is a leak, growth in the first only is a high-water mark).
// Before the phases, each selected phase runs once at 0.2% of its full size
// (SOAK_WARMUP, a fraction of the full size; 0 skips it), measured apart:
// one-time costs — the first optimised compilation of the hot paths (7-9 MiB:
// node binary pages mapped in, memory outside V8's heap), the thread pool
// starting — then do not count as growth of whichever phase first triggers
// them. Each line also shows the growth outside V8's committed heap (V8's
// young generation grows as survivors accumulate).
// Exits 1 if a result is wrong, if RSS grows in a phase by more than its
// bound — SOAK_CALLS_RSS_BOUND_MB (default 10) for the call phases sync,
// callbacks and async (issue #5: < 10 MB over 10 M sync calls, 1 M callback
// invocations and 100 k async calls); SOAK_RSS_BOUND_MB (default 64) for the
// create/release cycle phases — or if the open file descriptors grow by more
// than SOAK_FD_BOUND (default 4).
//
//   SOAK_SCALE=0.01 node bench/soak.js
//   SOAK_PHASES=sync,async node bench/soak.js   (a subset of the phases)

const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');

const root = path.join(__dirname, '..');
const ffi = require(path.join(root, 'lib', 'ffi'));
const ref = require(path.join(root, 'lib', 'ref'));
const { build } = require('./native/build');

const SCALE = Number(process.env.SOAK_SCALE || 1);
if (!(SCALE > 0)) {
  console.error('soak: SOAK_SCALE must be a positive number, got ' + process.env.SOAK_SCALE);
  process.exit(2);
}
const RSS_BOUND_MB = Number(process.env.SOAK_RSS_BOUND_MB || 64);
const CALLS_RSS_BOUND_MB = Number(process.env.SOAK_CALLS_RSS_BOUND_MB || 10);
const WARMUP = Number(process.env.SOAK_WARMUP === undefined || process.env.SOAK_WARMUP === '' ? 0.002 : process.env.SOAK_WARMUP);
if (!(WARMUP >= 0)) {
  console.error('soak: SOAK_WARMUP must be a fraction >= 0, got ' + process.env.SOAK_WARMUP);
  process.exit(2);
}
const FD_BOUND = Number(process.env.SOAK_FD_BOUND || 4);
const ONLY = process.env.SOAK_PHASES ? new Set(process.env.SOAK_PHASES.split(',')) : null;
const scaled = (n) => Math.max(1, Math.round(n * SCALE));

v8.setFlagsFromString('--expose-gc');
const gc = global.gc || vm.runInNewContext('gc');

const STR = 'soak-string-ü€-16';
const STR_BYTES = Buffer.byteLength(STR, 'utf8');

const libPath = build({ quiet: true }).lib;
const intPtr = ref.refType(ref.types.int32);
const SPEC = {
  bench_add: ['int32', ['int32', 'int32']],
  bench_mix4: ['double', ['double', 'double', 'double', 'double']],
  bench_strlen: ['size_t', ['string']],
  bench_out_i32: ['int32', ['int32', intPtr]],
  bench_call_n: ['int32', ['pointer', 'int32']],
  bench_fill: ['void', ['pointer', 'size_t', 'int32']],
};
const lib = ffi.Library(libPath, SPEC);

let Point = null, structLib = null, structNote = null;
if (fs.existsSync(path.join(root, 'lib', 'struct.js'))) {
  const Struct = require(path.join(root, 'lib', 'struct'));
  Point = Struct({ x: 'double', y: 'double' });
  structLib = ffi.Library(libPath, {
    bench_point_sum: ['double', [Point]],
    bench_point_make: [Point, ['double', 'double']],
  });
} else {
  structNote = 'lib/struct.js is not there: struct calls skipped';
}

class Wrong extends Error {}
function expectEq(what, got, want) {
  if (got !== want) throw new Wrong(`${what}: got ${got}, expected ${want}`);
}

function fdCount() {
  try { return fs.readdirSync('/proc/self/fd').length; } catch (_) { return NaN; }
}

const tick = () => new Promise((r) => setImmediate(r));

/** Full GC, then let FinalizationRegistry callbacks and queued native work run, twice. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
    await new Promise((r) => setTimeout(r, 5));
  }
}

const MB = 1024 * 1024;
const fmtMB = (b) => (b / MB).toFixed(1);

// ---- phases ----------------------------------------------------------------

function phaseSync(n) {
  const add = lib.bench_add, mix4 = lib.bench_mix4, strlen = lib.bench_strlen, fill = lib.bench_fill, out = lib.bench_out_i32;
  const pointSum = structLib && structLib.bench_point_sum;
  const p = Point && new Point({ x: 0.5, y: 0.25 });
  const buf = Buffer.alloc(64);
  const cell = ref.alloc('int32');
  for (let i = 0; i < n; i++) {
    switch (i & 7) {
      case 0: case 1: case 2:
        if (add(i, 1) !== ((i + 1) | 0)) expectEq('add(' + i + ', 1)', add(i, 1), (i + 1) | 0);
        break;
      case 3:
        if (mix4(i, 2, 3, 1) !== 2 * i + 2) expectEq('mix4', mix4(i, 2, 3, 1), 2 * i + 2);
        break;
      case 4:
        if (strlen(STR) !== STR_BYTES) expectEq('strlen', strlen(STR), STR_BYTES);
        break;
      case 5:
        fill(buf, 64, i & 255);
        if (buf[i & 63] !== (i & 255)) expectEq('fill', buf[i & 63], i & 255);
        break;
      case 6:
        if (pointSum) {
          p.x = i;
          if (pointSum(p) !== i + 0.25) expectEq('pointSum', pointSum(p), i + 0.25);
        } else if (add(i, -1) !== ((i - 1) | 0)) {
          expectEq('add(' + i + ', -1)', add(i, -1), (i - 1) | 0);
        }
        break;
      default: {
        const c = (i & 1023) === 7 ? ref.alloc('int32') : cell; // mostly reused, sometimes fresh
        expectEq('out_i32 status', out(i & 0xffff, c), 0);
        if (c.deref() !== 2 * (i & 0xffff)) expectEq('out_i32 value', c.deref(), 2 * (i & 0xffff));
      }
    }
  }
  return `${n} calls`;
}

function phaseCallbacks(n) {
  const calls = Math.max(1, Math.round(n / 100));
  let k = 0;
  const cb = ffi.Callback('int32', ['int32'], (i) => i + k);
  try {
    for (let j = 0; j < calls; j++) {
      k = j & 15;
      expectEq('bench_call_n(cb, 100)', lib.bench_call_n(cb, 100), 4950 + 100 * k);
    }
  } finally {
    cb.release();
  }
  return `${calls} calls of 100 callback invocations`;
}

function phaseAsync(n) {
  const addAsync = lib.bench_add.async;
  return new Promise((resolve, reject) => {
    let next = 0, finished = 0, failed = false;
    const check = (i) => (err, v) => {
      if (failed) return;
      if (err || v !== i + 1) {
        failed = true;
        reject(err || new Wrong(`add.async(${i}, 1): got ${v}, expected ${i + 1}`));
        return;
      }
      if (++finished === n) resolve(`${n} async calls`);
      else if (next < n) launch();
    };
    const launch = () => {
      const i = next++;
      try {
        if (i & 1) addAsync(i, 1).then((v) => check(i)(null, v), (e) => check(i)(e));
        else addAsync(i, 1, check(i));
      } catch (e) {
        failed = true;
        reject(e);
      }
    };
    for (let j = 0; j < 128 && next < n; j++) launch();
  });
}

function phaseCallbackCycles(n) {
  const callN = lib.bench_call_n;
  for (let i = 0; i < n; i++) {
    const k = i & 1023;
    const cb = ffi.Callback('int32', ['int32'], (x) => x + k);
    expectEq('call through a fresh callback', callN(cb, 2), 1 + 2 * k);
    cb.release();
  }
  return `${n} callbacks`;
}

function phaseStructCycles(n) {
  if (!structLib) return 'skipped: ' + structNote;
  const pointSum = structLib.bench_point_sum, pointMake = structLib.bench_point_make;
  for (let i = 0; i < n; i++) {
    const p = new Point({ x: i, y: 0.5 });
    expectEq('pointSum(new Point)', pointSum(p), i + 0.5);
    const q = pointMake(i, -1);
    expectEq('pointMake(i, -1).x', q.x, i);
    expectEq('pointMake(i, -1).y', q.y, -1);
  }
  return `${n} structs in + ${n} out`;
}

function phaseLibraryCycles(n) {
  for (let i = 0; i < n; i++) {
    const l = ffi.Library(libPath, { bench_add: SPEC.bench_add, bench_strlen: SPEC.bench_strlen });
    expectEq('bench_add through a fresh Library', l.bench_add(i, 2), i + 2);
    l._dl.close();
  }
  return `${n} libraries`;
}

// [name, size at SOAK_SCALE=1, function, RSS growth bound in MiB]
const PHASES = [
  ['sync', 10e6, phaseSync, CALLS_RSS_BOUND_MB],
  ['callbacks', 1e6, phaseCallbacks, CALLS_RSS_BOUND_MB],
  ['async', 1e5, phaseAsync, CALLS_RSS_BOUND_MB],
  ['callback-cycles', 1e5, phaseCallbackCycles, RSS_BOUND_MB],
  ['struct-cycles', 1e5, phaseStructCycles, RSS_BOUND_MB],
  ['library-cycles', 1e5, phaseLibraryCycles, RSS_BOUND_MB],
];

async function main() {
  console.log(`soak: SOAK_SCALE=${SCALE}, bounds per phase: RSS growth <= ${CALLS_RSS_BOUND_MB} MiB (sync, callbacks, async),` +
    ` <= ${RSS_BOUND_MB} MiB (cycle phases); fd growth <= ${FD_BOUND}`);
  if (structNote) console.log('soak: ' + structNote);
  const rows = [];
  const failures = [];
  await settle();
  const start = { rss: process.memoryUsage.rss(), fds: fdCount() };
  if (WARMUP > 0) {
    const t0 = process.hrtime.bigint();
    const sizes = [];
    try {
      for (const [name, size, fn] of PHASES) {
        if (ONLY && !ONLY.has(name)) continue;
        const w = Math.max(1, Math.round(size * WARMUP));
        await fn(w);
        sizes.push(name + ' ' + w);
      }
    } catch (e) {
      failures.push('warm-up: ' + (e instanceof Wrong ? 'wrong result: ' + e.message : 'error: ' + (e && e.stack || e)));
    }
    await settle();
    const after = { rss: process.memoryUsage.rss(), fds: fdCount() };
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${'warm-up'.padEnd(16)} ${seconds.toFixed(2).padStart(7)} s  RSS ${fmtMB(start.rss)} -> ${fmtMB(after.rss)} MiB` +
      ` (+${fmtMB(after.rss - start.rss)}, not bounded)  fds ${start.fds} -> ${after.fds}  ${sizes.join(', ')}`);
  }
  for (const [name, size, fn, bound] of PHASES) {
    if (ONLY && !ONLY.has(name)) continue;
    const n = scaled(size);
    await settle();
    const before = { rss: process.memoryUsage.rss(), fds: fdCount(), v8: process.memoryUsage().heapTotal };
    const t0 = process.hrtime.bigint();
    let what, error = null, mid = null;
    try {
      // Two halves with a measurement between them: growth that continues in
      // the second half is a leak; growth only in the first is a high-water mark.
      const half = Math.floor(n / 2);
      if (half > 0) await fn(half);
      await settle();
      mid = { rss: process.memoryUsage.rss(), fds: fdCount() };
      what = await fn(n - half);
      if (half > 0) what = `2 x ${what}`;
    } catch (e) {
      error = e instanceof Wrong ? 'wrong result: ' + e.message : 'error: ' + (e && e.stack || e);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await settle();
    const after = { rss: process.memoryUsage.rss(), fds: fdCount() };
    const heap = process.memoryUsage();
    // RSS growth outside V8's committed heap: V8 grows its young generation
    // (up to 2 x 16 MiB on 64-bit Node) as survivors accumulate, which is a
    // high-water mark of the workload's allocation rate, not reffi memory.
    const outsideV8 = (after.rss - before.rss) - (heap.heapTotal - before.v8);
    const row = {
      phase: name, n, seconds: +seconds.toFixed(2), what: what || '', rssBoundMB: bound,
      rssBeforeMB: +fmtMB(before.rss), rssAfterMB: +fmtMB(after.rss), rssGrowthMB: +fmtMB(after.rss - before.rss),
      rssSecondHalfGrowthMB: mid ? +fmtMB(after.rss - mid.rss) : null,
      v8HeapGrowthMB: +fmtMB(heap.heapTotal - before.v8), rssGrowthOutsideV8HeapMB: +fmtMB(outsideV8),
      fdsBefore: before.fds, fdsAfter: after.fds, fdGrowth: after.fds - before.fds,
      heapUsedMB: +fmtMB(heap.heapUsed), heapTotalMB: +fmtMB(heap.heapTotal), externalMB: +fmtMB(heap.external), error,
    };
    rows.push(row);
    console.log(`${name.padEnd(16)} ${seconds.toFixed(2).padStart(7)} s  RSS ${fmtMB(before.rss)} -> ${fmtMB(after.rss)} MiB` +
      ` (${row.rssGrowthMB >= 0 ? '+' : ''}${row.rssGrowthMB}, 2nd half ${row.rssSecondHalfGrowthMB}, outside V8's heap ${row.rssGrowthOutsideV8HeapMB >= 0 ? '+' : ''}${row.rssGrowthOutsideV8HeapMB};` +
      ` JS heap ${row.heapUsedMB} used of ${row.heapTotalMB} committed, external ${row.externalMB})  fds ${before.fds} -> ${after.fds} (${row.fdGrowth >= 0 ? '+' : ''}${row.fdGrowth})` +
      `  ${error ? 'FAILED ' + error : what}`);
    if (error) failures.push(`${name}: ${error}`);
    if (after.rss - before.rss > bound * MB) failures.push(`${name}: RSS grew by ${row.rssGrowthMB} MiB (bound ${bound} MiB)`);
    if (after.fds - before.fds > FD_BOUND) failures.push(`${name}: open file descriptors grew by ${row.fdGrowth} (bound ${FD_BOUND})`);
  }
  const end = { rss: process.memoryUsage.rss(), fds: fdCount() };
  console.log(`total            RSS ${fmtMB(start.rss)} -> ${fmtMB(end.rss)} MiB (+${fmtMB(end.rss - start.rss)})  fds ${start.fds} -> ${end.fds}`);
  const s = ffi.stats();
  console.log(`reffi stats: ${JSON.stringify(s)}`);
  if (failures.length) {
    console.log('soak: FAILED\n  ' + failures.join('\n  '));
    process.exitCode = 1;
  } else {
    console.log('soak: ok');
  }
}

main().catch((e) => {
  console.error('soak: ' + (e && e.stack || e));
  process.exitCode = 1;
});

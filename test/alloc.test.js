'use strict';
// Issue #5: "a numeric call allocates nothing on the heap". Each check runs
// in a child process (nothing else allocating, flags of its own): the child
// warms a loop up until V8 has optimised it, forces a full GC, then makes
// 2,000,000 calls and reports the garbage collections that ran during them
// (PerformanceObserver 'gc' entries) and how far the young generation
// (new space, where every short-lived JS object is allocated) grew. A numeric
// call writes its arguments into the engine's argument block and reads the
// result back from it, so neither may happen. The same measurement is taken
// on a loop that allocates (a ref.alloc() cell per call), which must see
// scavenges: that proves the check can fail.
//
//   node test/alloc.test.js --child <workload>   (prints one JSON line)
//
// A second check guards what keeps allocating calls (ref.alloc cells,
// structs returned by value) fast: the objects they go through must stay
// out of V8's dictionary mode (docs/engine.md, "Keeping V8's fast paths").

const path = require('node:path');

const CALLS = 2_000_000;

function child(workload) {
  const v8 = require('node:v8');
  const { PerformanceObserver, performance } = require('node:perf_hooks');
  const ffi = require('../lib/ffi');
  const ref = require('../lib/ref');
  const { libPath } = require('./native/build.js');
  const lib = ffi.Library(libPath('basic'), {
    add_i32: ['int32', ['int32', 'int32']],
    dbl4: ['double', ['double', 'double', 'double', 'double']],
    get_values: ['void', [ref.refType('int'), ref.refType('double')]],
  });
  const add = lib.add_i32;
  const dbl4 = lib.dbl4;
  const getValues = lib.get_values;
  const loops = {
    // int32 add(int32, int32): s stays a small integer
    add: (n) => { let s = 0; for (let i = 0; i < n; i++) s = (s + add(i, 1)) & 0xffff; return s; },
    // double dbl4(double x4)
    dbl4: (n) => { let s = 0; for (let i = 0; i < n; i++) s += dbl4(i, 0.5, 0.25, 0.125); return s; },
    // the allocating control: two ref.alloc() cells per call
    refalloc: (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const a = ref.alloc('int'), b = ref.alloc('double');
        getValues(a, b);
        s += a.deref() + b.deref();
      }
      return s;
    },
  };
  const run = loops[workload];
  if (!run) throw new Error('unknown workload ' + workload);
  // Warm up: enough calls for V8 to optimise the loop and inline the wrapper.
  for (let k = 0; k < 40; k++) run(20000);
  const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;
  const gcs = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push(e); });
  obs.observe({ entryTypes: ['gc'] });
  global.gc();
  // The observer is told about that GC later, from the event loop: wait for
  // it, so that it is not counted against the loop.
  setTimeout(() => {
    const heap0 = process.memoryUsage().heapUsed;
    const new0 = newSpace();
    const t0 = performance.now();
    const checksum = run(CALLS);
    const t1 = performance.now();
    const new1 = newSpace();
    const heap1 = process.memoryUsage().heapUsed;
    setTimeout(() => {
      obs.disconnect();
      const during = gcs.filter((e) => e.startTime >= t0 && e.startTime <= t1);
      const kinds = {};
      for (const e of during) {
        const k = (e.detail && e.detail.kind) ?? e.kind;
        kinds[k] = (kinds[k] || 0) + 1;
      }
      process.stdout.write(JSON.stringify({
        workload, calls: CALLS, checksum, ms: t1 - t0, gcs: during.length, kinds,
        newSpaceGrowth: new1 - new0, heapUsedGrowth: heap1 - heap0,
      }) + '\n');
    }, 50);
  }, 50);
}

/** Runs with --allow-natives-syntax: which hot-path objects are in V8's slow dictionary mode. */
function fastModeChild() {
  const ref = require('../lib/ref');
  const Struct = require('../lib/struct');
  const Union = require('../lib/union');
  const ArrayType = require('../lib/array');
  const Point = Struct({ x: 'double', y: 'double' });
  const U = Union({ i: 'int32', d: 'double' });
  const A = ArrayType('int32', 4);
  // use them the way calls do
  const p = new Point({ x: 1, y: 2 });
  void (p.x + p.y + new U({ i: 1 }).i + new A([1, 2, 3, 4])[1]);
  ref.alloc('int32', 1).deref();
  // eslint-disable-next-line no-new-func
  const isFast = new Function('o', 'return %HasFastProperties(o)');
  const objects = {
    'Buffer.prototype': Buffer.prototype, 'ref.types': ref.types,
    'a struct type': Point, 'a union type': U, 'an array type': A,
    'a ref.alloc() Buffer': ref.alloc('int32'), 'a struct instance': p,
  };
  const slow = Object.keys(objects).filter((k) => !isFast(objects[k]));
  process.stdout.write(JSON.stringify({ slow }) + '\n');
}

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else if (process.argv[2] === '--child-fast-mode') {
  fastModeChild();
} else {
  const { describe, it } = require('node:test');
  const assert = require('node:assert');
  const { spawnSync } = require('node:child_process');
  const { constants } = require('node:perf_hooks');
  const { build } = require('./native/build.js');
  build();

  function measure(workload) {
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', workload], {
      cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120e3,
    });
    assert.strictEqual(r.status, 0, 'child failed: ' + r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  }

  // Slack for the young generation: a few KB (the timer's and the
  // performance API's own bookkeeping). 2,000,000 calls that allocated even
  // one 16-byte HeapNumber each would be 32 MB, and dozens of scavenges.
  const SLACK = 16 * 1024;

  describe('numeric calls allocate nothing on the JS heap', () => {
    it('int32 add(int32, int32): 2,000,000 calls, no GC, no new-space growth', () => {
      const m = measure('add');
      assert.strictEqual(m.gcs, 0, 'garbage collections during the calls: ' + JSON.stringify(m));
      assert.ok(m.newSpaceGrowth <= SLACK, 'the young generation grew by ' + m.newSpaceGrowth + ' bytes: ' + JSON.stringify(m));
    });

    it('double dbl4(double, double, double, double): 2,000,000 calls, no GC, no new-space growth', () => {
      const m = measure('dbl4');
      assert.strictEqual(m.gcs, 0, 'garbage collections during the calls: ' + JSON.stringify(m));
      assert.ok(m.newSpaceGrowth <= SLACK, 'the young generation grew by ' + m.newSpaceGrowth + ' bytes: ' + JSON.stringify(m));
    });

    it('the check sees the garbage of an allocating call (ref.alloc cells): it can fail', () => {
      const m = measure('refalloc');
      assert.ok(m.gcs > 0, 'expected scavenges for 4,000,000 ref.alloc() cells: ' + JSON.stringify(m));
      assert.ok(m.kinds[constants.NODE_PERFORMANCE_GC_MINOR] > 0, 'expected minor GCs (scavenges): ' + JSON.stringify(m.kinds));
    });
  });

  describe('objects on the allocating paths stay in V8 fast mode', () => {
    it('Buffer.prototype, ref.types, struct/union/array types and their instances are not dictionaries', () => {
      const r = spawnSync(process.execPath, ['--allow-natives-syntax', __filename, '--child-fast-mode'], {
        cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 60e3,
      });
      assert.strictEqual(r.status, 0, 'child failed: ' + r.stderr);
      const { slow } = JSON.parse(r.stdout.trim().split('\n').pop());
      assert.deepStrictEqual(slow, [], 'in dictionary mode (V8 inlines no property access through them)');
    });
  });
}

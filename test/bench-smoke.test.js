'use strict';
// Smoke test of the benchmark and soak harnesses (bench/): every workload
// through reffi and through the hand-written floor addon, with the result
// checked; the whole `npm run bench` pipeline on floor + reffi with tiny
// samples; and the soak at a small scale. Never installs or loads the peers.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const bench = path.join(root, 'bench');
const { workloads } = require(path.join(bench, 'workloads'));
const native = require(path.join(bench, 'native', 'build')).build({ quiet: true });
const ctx = { lib: native.lib, floor: native.floor, floorError: native.floorError };

const SMALL = { ns: 200, us: 3 };

for (const implName of ['reffi', 'floor']) {
  test(`bench workloads through ${implName}`, async (t) => {
    if (implName === 'floor' && !native.floor) {
      t.skip('the floor addon did not build: ' + native.floorError);
      return;
    }
    const adapter = require(path.join(bench, 'adapters', implName));
    const impl = adapter.load(ctx);
    for (const w of workloads) {
      await t.test(w.id, async (tt) => {
        let run;
        try {
          run = impl[w.id]();
        } catch (e) {
          if (e && e.notAvailable) { tt.skip(e.message); return; }
          throw e;
        }
        const n = SMALL[w.unit];
        for (let k = 0; k < 2; k++) { // twice: state must not leak between runs
          let v = run(n);
          if (v && typeof v.then === 'function') v = await v;
          assert.strictEqual(v, w.expect(n), `${implName} ${w.id}: checksum of run(${n})`);
        }
      });
    }
  });
}

test('reffi call paths: scalar workloads take the fast path, structs by value the generic one', () => {
  const adapter = require(path.join(bench, 'adapters', 'reffi'));
  const impl = adapter.load(ctx);
  const paths = (id) => {
    const run = impl[id]();
    const s0 = adapter.stats();
    run(50);
    const s1 = adapter.stats();
    return { fast: s1.fast - s0.fast, generic: s1.generic - s0.generic };
  };
  for (const id of ['add', 'mix4', 'strlen', 'fill']) assert.deepStrictEqual(paths(id), { fast: 50, generic: 0 }, id);
  let structIn;
  try { structIn = paths('structIn'); } catch (e) { if (!e.notAvailable) throw e; }
  if (structIn) assert.deepStrictEqual(structIn, { fast: 0, generic: 50 }, 'structIn');
});

test('npm run bench pipeline (floor + reffi, 3 workloads + add in a worker thread, tiny samples, no peers)', () => {
  const only = ['add', 'callback', 'async']; // sync, callback and async paths; all workloads are checked above
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-bench-')), 'results.json');
  const r = spawnSync(process.execPath, [path.join(bench, 'run.js'), '--impls=floor,reffi', '--only=' + only.join(','), '--samples=2', '--sample-ms=2', '--no-install', '--worker=add', '--out=' + out],
    { cwd: root, encoding: 'utf8', timeout: 240e3 });
  assert.strictEqual(r.status, 0, 'bench/run.js exit status\n' + r.stdout + r.stderr);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepStrictEqual(report.workloads.map((w) => w.id + (w.thread === 'worker' ? ' (worker)' : '')),
    ['add', 'add (worker)', 'callback', 'async']);
  assert.match(r.stdout, /\| int32 add\(int32, int32\) \(worker thread\) \|/);
  assert.ok(report.machine.nproc >= 1 && report.machine.cpu);
  assert.match(r.stdout, /\| workload \| floor \(C\) \| reffi \| reffi path \|/);
  for (const w of report.workloads) {
    const reffi = w.results.reffi;
    const ok = reffi.status === 'ok' || (reffi.status === 'n/a' && /struct/.test(reffi.error || ''));
    assert.ok(ok, `reffi ${w.id}: ${reffi.status} ${reffi.error || ''}`);
    if (reffi.status === 'ok') {
      assert.ok(reffi.median > 0 && Number.isFinite(reffi.median), `reffi ${w.id} median`);
      assert.ok(reffi.paths && reffi.paths.fast + reffi.paths.generic > 0, `reffi ${w.id} recorded its call path`);
    }
    if (native.floor) assert.strictEqual(w.results.floor.status, 'ok', `floor ${w.id}: ${w.results.floor.error || ''}`);
  }
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
});

test('soak at SOAK_SCALE=0.002 exits 0', () => {
  const r = spawnSync(process.execPath, [path.join(bench, 'soak.js')], {
    cwd: root, encoding: 'utf8', timeout: 240e3, env: Object.assign({}, process.env, { SOAK_SCALE: '0.002' }),
  });
  assert.strictEqual(r.status, 0, 'bench/soak.js exit status\n' + r.stdout + r.stderr);
  assert.match(r.stdout, /soak: ok/);
  for (const phase of ['sync', 'callbacks', 'async', 'callback-cycles', 'struct-cycles', 'library-cycles']) {
    assert.match(r.stdout, new RegExp('^' + phase + ' ', 'm'), phase + ' ran');
  }
});

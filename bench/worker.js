'use strict';
// One benchmark workload in its own process (started by bench/run.js with
// --expose-gc): loads each implementation, checks its result, calibrates the
// operation count per sample, then takes interleaved samples (the order is
// shuffled every round, gc() before each sample). Prints progress lines
// (`@@PROGRESS <impl> <phase>`) so the parent can tell which implementation
// was running if this process crashes, and one `@@RESULT <json>` line.
// With --thread, all of it (loading the implementations included) runs in a
// worker_threads Worker of this process instead of on the main thread.
//
//   node --expose-gc bench/worker.js --workload=add --impls=floor,reffi \
//        --samples=11 --sample-ms=30 --lib=<libbenchlib.so> [--floor=<floor.node>] [--thread]

const fs = require('fs');
const { Worker, isMainThread } = require('worker_threads');
const { byId } = require('./workloads');

function parseArgs(argv) {
  const o = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) o[m[1]] = m[2] === undefined ? true : m[2];
  }
  return o;
}

function say(line) {
  fs.writeSync(1, line + '\n'); // synchronous: must reach the parent even if the next step crashes
}

function progress(impl, phase) {
  say(`@@PROGRESS ${impl} ${phase}`);
}

function errText(e) {
  if (!e) return String(e);
  return (e.code ? e.code + ': ' : '') + String(e.message || e).split('\n')[0].slice(0, 300);
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}

const gc = typeof global.gc === 'function' ? global.gc : () => {};

/** Runs run(n) and returns [milliseconds, checksum]; awaits only if run returned a promise. */
async function timed(run, n) {
  const t0 = process.hrtime.bigint();
  let v = run(n);
  if (v && typeof v.then === 'function') v = await v;
  const t1 = process.hrtime.bigint();
  return [Number(t1 - t0) / 1e6, v];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const w = byId.get(args.workload);
  if (!w) throw new Error('unknown workload ' + args.workload);
  const impls = String(args.impls || '').split(',').filter(Boolean);
  const samples = Math.max(1, Number(args.samples) || 11);
  const sampleMs = Math.max(0.5, Number(args['sample-ms']) || 30);
  const ctx = { lib: args.lib, floor: args.floor || null, floorError: args['floor-error'] || null };
  const checkN = w.checkN || (w.unit === 'us' ? 2 : 20);

  const results = {};
  const live = [];
  for (const name of impls) {
    const r = results[name] = { status: 'ok' };
    let adapter, run;
    try {
      adapter = require('./adapters/' + name);
      if (adapter.notes && adapter.notes[w.id]) r.note = adapter.notes[w.id];
      progress(name, 'load');
      const impl = adapter.load(ctx);
      progress(name, 'prepare');
      if (typeof impl[w.id] !== 'function') throw Object.assign(new Error('not implemented by the adapter'), { notAvailable: true });
      run = impl[w.id]();
    } catch (e) {
      r.status = e && e.notAvailable ? (e.message === 'not installed' ? 'not installed' : 'n/a') : e && e.tooSlow ? 'too slow' : 'failed';
      r.error = errText(e);
      continue;
    }
    const entry = { name, adapter, run, r, n: 1, ms: [], stats0: adapter.stats ? adapter.stats() : null };
    try {
      progress(name, 'check');
      const [, v] = await timed(run, checkN);
      if (v !== w.expect(checkN)) {
        r.status = 'wrong result';
        r.error = `run(${checkN}) returned ${v}, expected ${w.expect(checkN)}`;
        continue;
      }
    } catch (e) {
      r.status = 'failed';
      r.error = errText(e);
      continue;
    }
    live.push(entry);
  }

  // Calibrate: grow n until one sample takes about sampleMs (this also warms up).
  for (const e of live) {
    progress(e.name, 'calibrate');
    try {
      let n = 1, ms = 0;
      for (;;) {
        [ms] = await timed(e.run, n);
        if (ms >= sampleMs / 4 || n >= 1e8) break;
        n *= ms < sampleMs / 100 ? 10 : 2;
      }
      e.n = Math.max(1, Math.round(n * sampleMs / Math.max(ms, 1e-3)));
      if (n === 1 && ms > sampleMs) {
        e.n = 1; // one operation already exceeds the target
        await timed(e.run, e.n); // warm-up at the final size
      } else {
        // That first estimate was timed on code V8 had barely started to
        // optimise: for implementations with several layers of JS per call
        // it can be 10x too slow, which made "30 ms" samples of 0.5 ms
        // taken while V8 was still compiling. Re-time at the estimated size
        // (this also warms up) until a run lands near sampleMs.
        for (let k = 0; k < 4; k++) {
          const [ms2] = await timed(e.run, e.n);
          if (ms2 > sampleMs * 0.75 && ms2 < sampleMs * 1.33) break;
          e.n = Math.max(1, Math.round(e.n * sampleMs / Math.max(ms2, 1e-3)));
        }
      }
      e.expect = w.expect(e.n);
    } catch (x) {
      e.r.status = 'failed';
      e.r.error = errText(x);
      e.dead = true;
    }
  }

  for (let round = 0; round < samples; round++) {
    for (const e of shuffle(live.filter((x) => !x.dead))) {
      progress(e.name, 'sample ' + round);
      gc();
      try {
        const [ms, v] = await timed(e.run, e.n);
        if (v !== e.expect) {
          e.r.status = 'wrong result';
          e.r.error = `run(${e.n}) returned ${v}, expected ${e.expect}`;
          e.dead = true;
          continue;
        }
        e.ms[round] = ms;
      } catch (x) {
        e.r.status = 'failed';
        e.r.error = errText(x);
        e.dead = true;
      }
    }
  }

  const scale = w.unit === 'us' ? 1e3 : 1e6; // ms -> unit
  const floor = live.find((e) => e.name === 'floor' && !e.dead);
  for (const e of live) {
    if (e.dead) continue;
    const per = (ms) => (ms * scale) / (e.n * w.per);
    const values = e.ms.map(per);
    e.r.unit = w.unit;
    e.r.median = median(values);
    e.r.samples = values;
    e.r.opsPerSample = e.n;
    if (floor) {
      const ratios = e.ms.map((ms, i) => per(ms) / ((floor.ms[i] * scale) / (floor.n * w.per)));
      e.r.ratio = median(ratios);
    }
    if (e.stats0) {
      const s = e.adapter.stats();
      e.r.paths = { fast: s.fast - e.stats0.fast, generic: s.generic - e.stats0.generic };
    }
  }
  say('@@RESULT ' + JSON.stringify({ workload: w.id, thread: isMainThread ? 'main' : 'worker', samples, sampleMs, results }));
}

if (isMainThread && parseArgs(process.argv.slice(2)).thread) {
  // The Worker inherits --expose-gc (process.execArgv) and writes its
  // progress and result lines straight to fd 1 (fs.writeSync), like the main
  // thread would. In a Worker, process.exit() ends only the Worker.
  const t = new Worker(__filename, { argv: process.argv.slice(2) });
  t.on('error', (e) => {
    process.stderr.write('worker thread: ' + (e && e.stack || e) + '\n');
    process.exit(2);
  });
  t.on('exit', (code) => process.exit(code));
} else {
  main().then(() => process.exit(0), (e) => {
    process.stderr.write('worker: ' + (e && e.stack || e) + '\n');
    process.exit(2);
  });
}

'use strict';
// `npm run bench`: reffi (classic API) against a hand-written Node-API C
// addon (the 1.00x floor) and the peers koffi, ffi-napi 4 and ffi-rs, on the
// workloads of bench/workloads.js. Each workload runs in its own child
// process (bench/worker.js), so a peer that crashes or hangs costs only its
// own cell. Prints a markdown table and writes bench/results.json.
//
// Options:
//   --only=add,fill         run only these workloads
//   --impls=floor,reffi     run only these implementations
//   --samples=11            samples per implementation and workload
//   --sample-ms=30          target duration of one sample
//   --no-install            do not install the peers (those present are used)
//   --out=FILE              where to write the JSON (default bench/results.json)
//   --budget=280            seconds; workloads not started by then are skipped,
//                           and a worker running at budget + 15 s is stopped
//   --worker[=add,mix4]     also run these workloads (default: add, mix4, strlen,
//                           callback; `all` for every one) with each
//                           implementation loaded and timed inside a
//                           worker_threads Worker; each such row follows its
//                           main-thread row, marked "(worker thread)"

const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { workloads } = require('./workloads');

const benchDir = __dirname;
const root = path.join(benchDir, '..');
const ALL_IMPLS = ['floor', 'reffi', 'koffi', 'ffi-napi', 'ffi-rs'];
const PEERS = new Set(['koffi', 'ffi-napi', 'ffi-rs']);
const WORKER_TIMEOUT_MS = 90e3;

function parseArgs(argv) {
  const o = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error('bench: unknown argument ' + a);
    o[m[1]] = m[2] === undefined ? true : m[2];
  }
  return o;
}

function log(m) {
  process.stderr.write(m + '\n');
}

function readText(f) {
  try { return fs.readFileSync(f, 'utf8'); } catch (_) { return ''; }
}

function machineInfo() {
  const cpuinfo = readText('/proc/cpuinfo');
  const model = (/^model name\s*:\s*(.+)$/m.exec(cpuinfo) || [])[1] || (os.cpus()[0] || {}).model || 'unknown';
  const osName = (/^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readText('/etc/os-release')) || [])[1] || os.type();
  let nproc = os.cpus().length;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc; } catch (_) { /* no nproc */ }
  let commit = null;
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch (_) { /* not a checkout */ }
  return {
    nproc, cpu: model.trim(), memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName, kernel: os.release(), arch: process.arch,
    node: process.version, v8: process.versions.v8, loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
    reffiCommit: commit,
  };
}

/** Makes sure build/reffi.node exists (builds it like `npm run build` if not). */
function ensureReffi() {
  if (fs.existsSync(path.join(root, 'build', 'reffi.node'))) return null;
  log('bench: build/reffi.node is missing, building it (scripts/build.js) ...');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: ['ignore', 2, 2] });
  return r.status === 0 ? null : 'the reffi addon did not build';
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function fmtCount(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(n);
}

function pathLabel(p) {
  if (!p) return '—';
  if (p.fast && !p.generic) return 'fast';
  if (p.generic && !p.fast) return 'generic';
  if (!p.fast && !p.generic) return '—';
  return `fast ${fmtCount(p.fast)} + generic ${fmtCount(p.generic)}`;
}

// ref-napi (loaded by the ffi-napi adapter) replaces Buffer.prototype methods
// (deref, ref, address, readPointer, ...) with its own, for every Buffer in
// the process: sharing a process with it, the reffi column measured
// ref-napi's deref() (~650 ns instead of ~260 for the out-parameter row).
// Such implementations run in a worker process of their own, with the floor
// (the ratios are taken against the floor of the same process and round).
const OWN_PROCESS = new Set(['ffi-napi']);

/** Runs one workload: the implementations that share a process, then each one that needs its own. */
function runWorkload(w, impls, opts, ctx, thread) {
  const groups = [impls.filter((i) => !OWN_PROCESS.has(i))];
  for (const i of impls) if (OWN_PROCESS.has(i)) groups.push(impls.includes('floor') ? ['floor', i] : [i]);
  const results = {};
  for (const g of groups) {
    if (!g.length) continue;
    const r = runGroup(w, g, opts, ctx, thread);
    for (const i of g) if (!(i in results) && r[i]) results[i] = r[i]; // the floor: from the first group
  }
  return results;
}

/** Runs one worker process for `impls`, retrying without an implementation that crashed or hung it. */
function runGroup(w, impls, opts, ctx, thread) {
  const results = {};
  let pending = impls.filter((i) => !ctx.preset[i]);
  for (const i of impls) if (ctx.preset[i]) results[i] = Object.assign({}, ctx.preset[i]);
  for (let attempt = 0; pending.length && attempt < impls.length; attempt++) {
    const args = ['--expose-gc', path.join(benchDir, 'worker.js'), '--workload=' + w.id, '--impls=' + pending.join(','),
      '--samples=' + opts.samples, '--sample-ms=' + opts.sampleMs, '--lib=' + ctx.lib];
    if (ctx.floor) args.push('--floor=' + ctx.floor);
    if (thread) args.push('--thread');
    // Never run past the whole run's budget (+15 s to finish the workload in hand).
    const timeout = Math.max(10e3, Math.min(WORKER_TIMEOUT_MS, ctx.deadline + 15e3 - Date.now()));
    const r = spawnSync(process.execPath, args, {
      cwd: benchDir, encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
    });
    const out = r.stdout || '';
    const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
    if (line) {
      Object.assign(results, JSON.parse(line.slice(9)).results);
      pending = [];
      break;
    }
    // No result: blame the implementation that was running last.
    const prog = out.split('\n').filter((l) => l.startsWith('@@PROGRESS '));
    const last = prog.length ? prog[prog.length - 1].split(' ') : null;
    const culprit = last ? last[1] : pending[0];
    const timedOut = r.error && r.error.code === 'ETIMEDOUT';
    const how = timedOut ? `no result after ${Math.round(timeout / 1000)} s` : r.signal ? 'killed by ' + r.signal : 'exit code ' + r.status;
    const errTail = String(r.stderr || '').trim().split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 300);
    results[culprit] = {
      status: timedOut ? 'hung' : 'crashed',
      error: `${how} during ${last ? last.slice(2).join(' ') : 'start-up'}${errTail ? ': ' + errTail : ''}`,
    };
    pending = pending.filter((i) => i !== culprit);
  }
  return results;
}

function buildTable(report, impls) {
  const notes = [];
  const noteIndex = new Map();
  const footnote = (text) => {
    if (!noteIndex.has(text)) { notes.push(text); noteIndex.set(text, notes.length); }
    return noteIndex.get(text);
  };
  const head = ['workload', ...impls.map((i) => (i === 'floor' ? 'floor (C)' : i)), 'reffi path'];
  const rows = [head, head.map((_, i) => (i === 0 ? '---' : i === head.length - 1 ? '---' : '---:'))];
  for (const wr of report.workloads) {
    const row = [wr.title];
    for (const impl of impls) {
      const r = wr.results[impl];
      if (!r) { row.push('—'); continue; }
      if (r.status === 'ok') {
        let cell = `${fmt(r.median)} ${r.unit === 'us' ? 'µs' : 'ns'}`;
        if (r.ratio !== undefined) cell += ` (${r.ratio.toFixed(2)}×)`;
        if (r.note) cell += ` [${footnote(impl + ', ' + wr.id + ': ' + r.note)}]`;
        row.push(cell);
      } else {
        row.push(`${r.status} [${footnote(impl + ', ' + wr.id + ': ' + r.status + (r.error ? ' — ' + r.error : ''))}]`);
      }
    }
    row.push(wr.results.reffi ? pathLabel(wr.results.reffi.paths) : '—');
    rows.push(row);
  }
  let md = rows.map((r) => '| ' + r.join(' | ') + ' |').join('\n') + '\n';
  if (notes.length) md += '\n' + notes.map((n, i) => `[${i + 1}] ${n}`).join('\n') + '\n';
  return md;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const budgetMs = (Number(args.budget) || 280) * 1e3;
  const opts = { samples: Number(args.samples) || 11, sampleMs: Number(args['sample-ms']) || 30 };
  const only = args.only ? String(args.only).split(',') : null;
  const impls = args.impls ? String(args.impls).split(',') : ALL_IMPLS;
  for (const i of impls) if (!ALL_IMPLS.includes(i)) throw new Error('bench: unknown implementation ' + i);
  const chosen = workloads.filter((w) => !only || only.includes(w.id));
  if (only) for (const id of only) if (!workloads.some((w) => w.id === id)) throw new Error('bench: unknown workload ' + id);
  const outFile = args.out ? path.resolve(String(args.out)) : path.join(benchDir, 'results.json');
  const WORKER_DEFAULT = ['add', 'mix4', 'strlen', 'callback'];
  let workerIds = [];
  if (args.worker === true) workerIds = WORKER_DEFAULT.filter((id) => chosen.some((w) => w.id === id));
  else if (args.worker === 'all') workerIds = chosen.map((w) => w.id);
  else if (args.worker) {
    workerIds = String(args.worker).split(',');
    for (const id of workerIds) if (!workloads.some((w) => w.id === id)) throw new Error('bench: unknown workload ' + id);
    workerIds = workerIds.filter((id) => chosen.some((w) => w.id === id));
  }

  const machine = machineInfo();
  const preset = {}; // implementations that cannot run at all, decided once

  const reffiErr = impls.includes('reffi') ? ensureReffi() : null;
  if (reffiErr) preset.reffi = { status: 'load failed', error: reffiErr };

  const native = require('./native/build').build();
  if (!native.floor && impls.includes('floor')) preset.floor = { status: 'build failed', error: native.floorError };

  let peerStatus = {};
  if (impls.some((i) => PEERS.has(i))) {
    if (args['no-install']) {
      peerStatus = { note: 'not installed by this run (--no-install)' };
    } else {
      peerStatus = require('./peers').ensurePeers({ log }).status;
      for (const p of ['koffi', 'ffi-napi', 'ffi-rs']) {
        if (impls.includes(p) && peerStatus[p] && !peerStatus[p].startsWith('ok')) preset[p] = { status: 'install failed', error: peerStatus[p] };
      }
    }
  }

  const versions = {};
  for (const i of impls) {
    try { versions[i] = require('./adapters/' + i).version(); } catch (_) { versions[i] = null; }
  }
  const ctx = { lib: native.lib, floor: native.floor, preset, deadline: t0 + budgetMs };
  const report = {
    date: new Date().toISOString(), machine, settings: opts, versions, peers: peerStatus, workloads: [],
  };
  const runs = [];
  for (const w of chosen) {
    runs.push({ w, thread: false });
    if (workerIds.includes(w.id)) runs.push({ w, thread: true });
  }
  for (const { w, thread } of runs) {
    const title = thread ? w.title + ' (worker thread)' : w.title;
    const wr = { id: w.id, thread: thread ? 'worker' : 'main', title, unit: w.unit, perOperation: w.per, results: {} };
    if (Date.now() - t0 > budgetMs) {
      for (const i of impls) wr.results[i] = { status: 'skipped', error: 'time budget exhausted' };
    } else {
      log(`bench: ${w.id} (${title}) ...`);
      wr.results = runWorkload(w, impls, opts, ctx, thread);
    }
    report.workloads.push(wr);
  }
  report.elapsedSeconds = Math.round((Date.now() - t0) / 1000);
  report.table = buildTable(report, impls);

  const m = machine;
  const header = `Machine: ${m.cpu}, ${m.nproc} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}` +
    ` (load average at start ${m.loadavgAtStart.join(' ')}).\n` +
    `Median of ${opts.samples} samples of ~${opts.sampleMs} ms; (×) = median of the per-round ratios to the floor; ` +
    'ns per call unless marked (callback: per callback; qsort: per sort; async: per call, throughput).\n';
  process.stdout.write('\n' + header + '\n' + report.table);
  fs.writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');
  log(`bench: done in ${report.elapsedSeconds} s; wrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

main();

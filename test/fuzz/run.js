'use strict';
// npm run fuzz — the boundary fuzzer. Runs batches of random cases (see
// cases.js), each batch in a child process so a native crash is caught,
// located (the case being run is traced to a file), replayed alone, reduced
// and printed with its reproducer.
//
//   node test/fuzz/run.js [--cases 1000000] [--seed N] [--batch 5000] [--jobs 1]
//                         [--no-avoid-known] [--max-findings 20] [--quiet] [--stall 60] [--json out.json]
//   node test/fuzz/run.js --replay <batchSeed>:<index> [--neutral i,j]   one case, in this process, verbose
//
// Exit status: 0 when no crash and no new finding (known ones are listed), 1 otherwise.

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { mix32 } = require('./rng');
const known = require('./known');

const root = path.join(__dirname, '..', '..');
const WORKER = path.join(__dirname, 'worker.js');

function parseArgs(argv) {
  const o = {
    cases: 1000000, seed: null, batch: 5000, jobs: 1, avoidKnown: true, maxFindings: 20, quiet: false,
    replay: null, neutral: null, timeout: 600, json: null, weights: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--cases') o.cases = Number(next());
    else if (a === '--seed') o.seed = Number(next()) >>> 0;
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--jobs') o.jobs = Math.max(1, Number(next()));
    else if (a === '--no-avoid-known') o.avoidKnown = false;
    else if (a === '--max-findings') o.maxFindings = Number(next());
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--replay') o.replay = next();
    else if (a === '--neutral') o.neutral = next();
    else if (a === '--timeout') o.timeout = Number(next());
    else if (a === '--stall') STALL_SECONDS = Number(next());
    else if (a === '--json') o.json = next();
    else if (a === '--weights') o.weights = next();
    else if (a === '--help' || a === '-h') { console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 12).join('\n')); process.exit(0); }
    else throw new Error('fuzz: unknown option ' + a);
  }
  return o;
}

/** Runs worker.js; resolves { summary, crashed, signal, code, index, stderr, fatal }. */
let STALL_SECONDS = 60;

function runWorker(args, timeoutSec) {
  return new Promise((resolve) => {
    const trace = path.join(os.tmpdir(), 'reffi-fuzz-trace-' + process.pid + '-' + Math.random().toString(36).slice(2) + '.txt');
    const child = spawn(process.execPath, ['--expose-gc', WORKER, '--trace', trace].concat(args), {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, privateLib()),
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; if (out.length > 1e7) out = out.slice(-1e6); });
    child.stderr.on('data', (d) => { err += d; if (err.length > 1e6) err = err.slice(-1e5); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutSec * 1000);
    // A case that makes no progress for STALL seconds is a hang: kill it.
    let lastIndex = null, lastChange = Date.now();
    const watch = setInterval(() => {
      let idx = null;
      try { idx = fs.readFileSync(trace, 'latin1').trim(); } catch (_) { return; }
      if (idx !== lastIndex) { lastIndex = idx; lastChange = Date.now(); return; }
      if (Date.now() - lastChange > STALL_SECONDS * 1000) { timedOut = true; child.kill('SIGKILL'); }
    }, 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      let index = null;
      try { index = Number(fs.readFileSync(trace, 'latin1').trim()); } catch (_) { /* no trace */ }
      try { fs.unlinkSync(trace); } catch (_) { /* gone */ }
      const m = /@@SUMMARY (.*)\n/.exec(out);
      const f = /@@FATAL (.*)\n/.exec(out);
      const summary = m ? JSON.parse(m[1]) : null;
      resolve({
        summary, code, signal, timedOut, index, stderr: err, stdout: out,
        fatal: f ? JSON.parse(f[1]) : null,
        crashed: !summary && !f,
      });
    });
  });
}

/**
 * The workers load a private copy of libfuzz.so: `npm test` run by someone
 * else rebuilds test/native/build/*.so in place, which would pull the code
 * from under a running batch.
 */
let libCopy = null;
function privateLib() {
  if (process.env.REFFI_FUZZ_LIB) return {};
  if (libCopy === null) {
    libCopy = path.join(os.tmpdir(), 'reffi-fuzz-lib-' + process.pid + '.so');
    fs.copyFileSync(require(path.join(root, 'test', 'native', 'build.js')).libPath('fuzz'), libCopy);
    process.once('exit', () => { try { fs.unlinkSync(libCopy); } catch (_) { /* gone */ } });
  }
  return { REFFI_FUZZ_LIB: libCopy };
}

function workerArgs(o, seed, start, count, extra) {
  const a = ['--seed', String(seed), '--start', String(start), '--count', String(count)];
  if (o.avoidKnown) a.push('--avoid-known');
  if (o.weights) a.push('--weights', o.weights);
  return a.concat(extra || []);
}

function crashWhat(r) {
  if (r.timedOut) return 'hang (no progress for ' + STALL_SECONDS + ' s, killed)';
  if (r.signal) return 'killed by ' + r.signal;
  return 'exit status ' + r.code;
}

/** Replays one case alone; tries to neutralise its arguments one by one while it still crashes. */
async function investigate(o, seed, index) {
  const alone = await runWorker(workerArgs(o, seed, 0, 0, ['--only', String(index), '--verbose']), 60);
  const rep = { seed, index, reproducesAlone: alone.crashed, what: crashWhat(alone), case: caseText(alone.stdout), neutral: [] };
  if (!alone.crashed) return rep;
  const kept = new Set();
  for (let i = 0; i < 16; i++) {
    const trial = new Set(kept).add(i);
    const r = await runWorker(workerArgs(o, seed, 0, 0, ['--only', String(index), '--verbose', '--neutral', [...trial].join(',')]), 60);
    if (r.crashed) { kept.add(i); rep.reduced = caseText(r.stdout); }
  }
  rep.neutral = [...kept];
  return rep;
}

function caseText(stdout) {
  const lines = stdout.split('\n').filter((l) => l.startsWith('# case') || l.startsWith('  '));
  return lines.join('\n');
}

function findingKey(f) {
  const detail = String(f.detail).replace(/-?\d[\d.e+-]*/g, 'N').replace(/"[^"]*"/g, 'S').slice(0, 160);
  return (f.known || 'new') + '|' + f.kind + '|' + f.family + '|' + detail;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  require(path.join(root, 'test', 'native', 'build.js')).build();
  require('./table').generatedBlock(); // loads the table (throws if broken)

  if (o.replay) {
    const [s, i] = o.replay.split(':').map(Number);
    const { runBatch } = require('./worker');
    const neutral = o.neutral ? new Set(o.neutral.split(',').map(Number)) : null;
    const summary = await runBatch({ seed: s >>> 0, start: 0, count: 0, only: i, avoidKnown: false, verbose: true, neutral, weights: o.weights ? JSON.parse(o.weights) : null });
    console.log(summary.findingCount ? 'finding(s): ' + summary.findingCount : 'no finding');
    process.exit(summary.findingCount ? 1 : 0);
  }

  const runSeed = o.seed === null ? (Date.now() ^ (process.pid << 16)) >>> 0 : o.seed;
  const nBatches = Math.ceil(o.cases / o.batch);
  const log = (s) => { if (!o.quiet) console.log(s); };
  console.log('reffi fuzz: ' + o.cases + ' cases, run seed ' + runSeed + ', ' + nBatches + ' batch(es) of ' + o.batch +
    ', ' + o.jobs + ' job(s), known crashes ' + (o.avoidKnown ? 'avoided' : 'NOT avoided'));
  const t0 = Date.now();
  const total = { ran: 0, threw: 0, exact: 0, skipped: {}, families: {}, findings: new Map(), crashes: [], fatal: [], setup: new Set(), notes: new Set() };

  const addSummary = (s) => {
    total.ran += s.ran;
    total.threw += s.threw;
    total.exact += s.exact;
    for (const [k, v] of Object.entries(s.skipped)) total.skipped[k] = (total.skipped[k] || 0) + v;
    for (const [k, v] of Object.entries(s.families)) total.families[k] = (total.families[k] || 0) + v;
    for (const p of s.setupProblems) total.setup.add(p);
    for (const n of s.notes) total.notes.add(n);
    for (const f of s.findings) {
      if (f.kind === 'setup') continue;
      const key = findingKey(f);
      const g = total.findings.get(key);
      if (g) g.count++;
      else total.findings.set(key, { count: 1, first: f });
    }
  };

  let next = 0;
  async function runBatchChild(b) {
    const seed = mix32(runSeed, b);
    const start = 0;
    const count = Math.min(o.batch, o.cases - b * o.batch);
    let from = start;
    while (from < start + count) {
      const r = await runWorker(workerArgs(o, seed, from, start + count - from), o.timeout);
      if (r.summary) { addSummary(r.summary); break; }
      if (r.fatal) { total.fatal.push({ seed, from, error: r.fatal }); break; }
      // A crash (or hang): locate, replay, reduce; then go on after the crashing case.
      const index = Number.isFinite(r.index) && r.index !== null ? r.index : from;
      const crash = { seed, index, what: crashWhat(r), stderr: r.stderr.split('\n').slice(-12).join('\n') };
      log('\n!! CRASH in batch ' + b + ' at case ' + seed + ':' + index + ' (' + crash.what + ')');
      const inv = await investigate(o, seed, index);
      Object.assign(crash, inv, { what: crash.what });
      total.crashes.push(crash);
      log('   reproduces alone: ' + inv.reproducesAlone + '\n' + inv.case + (inv.reduced ? '\n   reduced (neutral args ' + inv.neutral.join(',') + '):\n' + inv.reduced : '') +
        '\n   replay: node test/fuzz/run.js --replay ' + seed + ':' + index + (inv.neutral.length ? ' --neutral ' + inv.neutral.join(',') : ''));
      total.ran += index - from + 1;
      from = index + 1;
    }
  }

  let done = 0;
  async function lane() {
    while (next < nBatches) {
      const b = next++;
      await runBatchChild(b);
      done++;
      if (!o.quiet && (done % Math.max(1, Math.floor(nBatches / 20)) === 0 || done === nBatches)) {
        const secs = (Date.now() - t0) / 1000;
        console.log('  ' + done + '/' + nBatches + ' batches, ' + total.ran + ' cases, ' + secs.toFixed(0) + ' s, ' +
          total.crashes.length + ' crash(es), ' + total.findings.size + ' finding group(s)');
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.jobs, nBatches) }, lane));
  const secs = (Date.now() - t0) / 1000;

  // ---- report ----
  const newGroups = [...total.findings.values()].filter((g) => !g.first.known);
  const knownGroups = [...total.findings.values()].filter((g) => g.first.known);
  console.log('\n== reffi fuzz summary ==');
  console.log('run seed ' + runSeed + ': ' + total.ran + ' cases run in ' + secs.toFixed(1) + ' s (' + Math.round(total.ran / secs) + '/s), ' +
    total.threw + ' threw a coded error as predicted or allowed, ' + total.exact + ' returned exactly the predicted result');
  console.log('families: ' + Object.entries(total.families).map(([k, v]) => k + ' ' + v).join(', '));
  const skippedTotal = Object.values(total.skipped).reduce((a, b) => a + b, 0);
  if (skippedTotal) console.log('not called (known crash, --no-avoid-known to include): ' + Object.entries(total.skipped).map(([k, v]) => k + ' ' + v).join(', '));
  console.log('crashes: ' + total.crashes.length);
  for (const c of total.crashes) {
    console.log('  - ' + c.seed + ':' + c.index + ' ' + c.what + (c.reproducesAlone ? ' (reproduces alone)' : ' (not alone: state from earlier cases)') +
      '\n    replay: node test/fuzz/run.js --replay ' + c.seed + ':' + c.index + '\n' + (c.reduced || c.case || '').split('\n').map((l) => '    ' + l).join('\n'));
  }
  for (const s of total.setup) console.log('SETUP PROBLEM: ' + s);
  for (const f of total.fatal) console.log('HARNESS ERROR in batch seed ' + f.seed + ': ' + f.error);
  if (total.notes.size) console.log('notes: ' + [...total.notes].join('; '));
  console.log('new findings: ' + newGroups.length + ' group(s)');
  for (const g of newGroups.slice(0, o.maxFindings)) printGroup(g);
  if (knownGroups.length) {
    const byId = {};
    for (const g of knownGroups) byId[g.first.known] = (byId[g.first.known] || 0) + g.count;
    console.log('known findings (test/fuzz/known.js): ' + Object.entries(byId).map(([k, v]) => k + ' x' + v).join(', '));
  }
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify({
      runSeed, cases: total.ran, exact: total.exact, threw: total.threw, seconds: secs, families: total.families, skipped: total.skipped, crashes: total.crashes,
      findings: [...total.findings.values()], setup: [...total.setup], fatal: total.fatal,
    }, null, 2));
  }
  const bad = total.crashes.length + newGroups.length + total.setup.size + total.fatal.length;
  process.exit(bad ? 1 : 0);
}

function printGroup(g) {
  const f = g.first;
  console.log('  - [' + f.kind + '] ' + f.label + ' (x' + g.count + ')\n    ' + f.detail +
    '\n    replay: node test/fuzz/run.js --replay ' + f.seed + ':' + f.index + (f.src ? '\n' + f.src.map((l) => '      ' + l).join('\n') : ''));
}

module.exports = { runWorker, parseArgs };

if (require.main === module) {
  main().catch((e) => { console.error(e); process.exit(2); });
}

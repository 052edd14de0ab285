'use strict';
// Runs one fuzz batch in this process and prints a JSON summary as the last
// line of stdout. Started by test/fuzz/run.js in a child process, so a
// native crash kills only the batch; the index of the case being run is
// kept up to date in the --trace file, so the parent knows which case
// crashed.
//
//   node --expose-gc test/fuzz/worker.js --seed <batch seed> --start <i> --count <n>
//        [--avoid-known] [--trace <file>] [--only <i>] [--neutral <i,j,...>] [--verbose]

const fs = require('fs');
const { Batch, runCase, errInfo, isCoded } = require('./cases');
const known = require('./known');
const H = require('./helpers');

// Self-test hook: die with SIGSEGV when reaching this case (test/fuzz.test.js checks the parent catches it).
const selfTestCrashAt = process.env.REFFI_FUZZ_SELFTEST_CRASH ? Number(process.env.REFFI_FUZZ_SELFTEST_CRASH) : null;

function parseArgs(argv) {
  const o = { seed: 1, start: 0, count: 1000, avoidKnown: false, trace: null, only: null, neutral: null, verbose: false, weights: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--seed') o.seed = Number(next()) >>> 0;
    else if (a === '--start') o.start = Number(next());
    else if (a === '--count') o.count = Number(next());
    else if (a === '--avoid-known') o.avoidKnown = true;
    else if (a === '--trace') o.trace = next();
    else if (a === '--only') o.only = Number(next());
    else if (a === '--neutral') o.neutral = new Set(next().split(',').filter(Boolean).map(Number));
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--weights') o.weights = JSON.parse(next());
    else throw new Error('worker: unknown option ' + a);
  }
  return o;
}

/**
 * Runs cases [start, start + count) of batch `seed` (or only case `only`).
 * Returns the summary object; `onCase(i)` is called before each case.
 */
async function runBatch(o, onCase) {
  const batch = new Batch(o.seed, { avoidKnown: o.avoidKnown, weights: o.weights });
  const summary = {
    seed: o.seed, start: o.start, ran: 0, threw: 0, exact: 0, skipped: {}, families: {}, findings: [], findingCount: 0,
    setupProblems: batch.setupProblems, notes: batch.notes,
  };
  const record = (f) => {
    summary.findingCount++;
    if (summary.findings.length < 200) summary.findings.push(f);
  };
  let current = null;
  const onUncaught = (e) => {
    // Errors raised in callbacks run from other threads (async calls) reach
    // JS as uncaught exceptions: they must be coded (or the callback's own).
    if ((isCoded(e) && e.code !== 'ERR_REFFI_INTERNAL') || H.isUserError(e)) return;
    record({ seed: o.seed, index: current ? current.index : -1, family: current ? current.family : '?', label: current ? current.label : '?', kind: 'uncaught', detail: errInfo(e) });
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  for (const p of batch.setupProblems) record({ seed: o.seed, index: -1, family: 'setup', label: 'setup', kind: 'setup', detail: p });
  const first = o.only !== null ? o.only : o.start;
  const last = o.only !== null ? o.only + 1 : o.start + o.count;
  for (let i = first; i < last; i++) {
    if (onCase) onCase(i);
    const c = batch.makeCase(i, o.neutral);
    current = c;
    if (c.skipped) { summary.skipped[c.skipped] = (summary.skipped[c.skipped] || 0) + 1; continue; }
    summary.families[c.family] = (summary.families[c.family] || 0) + 1;
    if (o.verbose) {
      console.log('# case ' + o.seed + ':' + i + ' [' + c.family + '] ' + c.label);
      for (const l of c.src || []) console.log('  ' + l);
    }
    if (selfTestCrashAt === i) process.kill(process.pid, 'SIGSEGV'); // harness self-test (test/fuzz.test.js)
    const out = await runCase(c);
    summary.ran++;
    if (out.threw) summary.threw++;
    else if (!out.finding && c.expect.kind === 'ok' && (c.check || c.expect.c === undefined)) summary.exact++;
    if (c.skipped) summary.skipped[c.skipped] = (summary.skipped[c.skipped] || 0) + 1;
    if (o.verbose) {
      console.log('  -> ' + (out.threw ? 'threw ' + errInfo(out.err) : 'returned ' + safeShow(out.res)) + (out.finding ? '\n  FINDING ' + out.finding.kind + ': ' + out.finding.detail : ''));
    }
    if (out.finding) {
      const f = Object.assign({ seed: o.seed, index: i, family: c.family, label: c.label, src: (c.src || []).slice(0, 6) }, out.finding);
      f.known = known.classify(out.finding, c);
      record(f);
    }
  }
  // Let late uncaught errors from async callbacks arrive.
  await new Promise((r) => setImmediate(r));
  process.removeListener('uncaughtException', onUncaught);
  process.removeListener('unhandledRejection', onUncaught);
  return summary;
}

function safeShow(x) {
  try { return require('./calls').show(x); } catch (_) { return '?'; }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let fd = null;
  const rec = Buffer.alloc(16, 0x20);
  if (o.trace) fd = fs.openSync(o.trace, 'w');
  const summary = await runBatch(o, fd === null ? null : (i) => {
    rec.fill(0x20);
    rec.write(String(i), 0, 'latin1');
    fs.writeSync(fd, rec, 0, 16, 0);
  });
  if (fd !== null) fs.closeSync(fd);
  process.stdout.write('\n@@SUMMARY ' + JSON.stringify(summary) + '\n');
}

module.exports = { runBatch, parseArgs };

if (require.main === module) {
  main().catch((e) => {
    process.stdout.write('\n@@FATAL ' + JSON.stringify(errInfo(e) + '\n' + (e && e.stack)) + '\n');
    process.exit(3);
  });
}

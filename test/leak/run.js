'use strict';
// npm run leakcheck — runs test/leak/workload.js under valgrind's memcheck
// and checks that reffi loses no memory.
//
//   node test/leak/run.js [--scale 1] [--xml file] [--json file] [--quiet]
//
// No suppression file: valgrind's XML report (--xml=yes) is parsed and each
// error is attributed by its allocation stack (innermost frame first):
//   - walking outwards from the allocator, the first frame that is either in
//     reffi.node (the addon: reffi's Rust code, the libffi-rs and napi-rs
//     code linked into it) or in the C test library (libfuzz) decides:
//     reffi.node -> reffi's; the test library -> C's (memory C allocated
//     and dropped, such as the positive control fz_leak);
//   - frames of Node, V8, libc, libffi and unnamed (JIT) frames on the way
//     do not decide: memory Node or libffi allocated *because reffi called
//     them* (napi references, ffi closures) is reffi's, since a reffi frame
//     comes first;
//   - stacks with no reffi frame at all are Node's own (V8, the platform,
//     ICU ...) and are reported but not counted.
// The check passes when
//   - reffi's "definitely lost" is 0 bytes,
//   - valgrind saw no memory error (invalid read/write, uninitialised value,
//     bad free) in a stack with a reffi frame,
//   - the positive control was seen: the C test library's deliberate
//     4242-byte leak is reported as definitely lost and attributed to C
//     (proof that leaks are detected and the attribution works).
// "Possibly lost" memory in reffi frames (interior pointers, e.g. callback
// tombstones kept on purpose) and "indirectly lost" are reported, not failed.
//
// Exit status: 0 pass, 1 fail, 2 valgrind missing or the run broke.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const CONTROL_BYTES = 4242;

function parseArgs(argv) {
  const o = { scale: 1, xml: null, json: null, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scale') o.scale = Number(argv[++i]);
    else if (a === '--xml') o.xml = argv[++i];
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--quiet') o.quiet = true;
    else throw new Error('leakcheck: unknown option ' + a);
  }
  return o;
}

function valgrindVersion() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ---- valgrind XML --------------------------------------------------------------------------

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function tag(block, name) {
  const m = new RegExp('<' + name + '>([\\s\\S]*?)</' + name + '>').exec(block);
  return m ? unescapeXml(m[1].trim()) : null;
}

/** The <error> records of a valgrind XML report: { kind, bytes, blocks, frames: [{ obj, fn }] }. */
function parseErrors(xml) {
  const out = [];
  const re = /<error>([\s\S]*?)<\/error>/g;
  let m;
  while ((m = re.exec(xml)) !== null) {
    const b = m[1];
    const stack = /<stack>([\s\S]*?)<\/stack>/.exec(b);
    const frames = [];
    if (stack) {
      const fr = /<frame>([\s\S]*?)<\/frame>/g;
      let f;
      while ((f = fr.exec(stack[1])) !== null) frames.push({ obj: tag(f[1], 'obj') || '', fn: tag(f[1], 'fn') || '?' });
    }
    out.push({
      kind: tag(b, 'kind'),
      bytes: Number(tag(b, 'leakedbytes') || 0),
      blocks: Number(tag(b, 'leakedblocks') || 0),
      what: tag(b, 'text') || tag(b, 'what') || '',
      frames,
    });
  }
  return out;
}

function isReffiFrame(f) {
  return /(^|\/)reffi\.node$/.test(f.obj);
}

/**
 * Who is responsible for an error's allocation stack: 'reffi', 'c' (a C
 * test library, matched by `cLib`), or 'node'.
 */
function attribute(frames, cLib) {
  for (const f of frames) {
    if (isReffiFrame(f)) return 'reffi';
    if (cLib && cLib.test(f.obj)) return 'c';
  }
  return 'node';
}

/** Sums a parsed report up. */
function summarize(errors, cLib) {
  const s = {
    reffi: { definite: 0, definiteBlocks: 0, indirect: 0, possible: 0, errors: [] },
    c: { definite: 0 },
    node: { definite: 0, possible: 0, errors: 0 },
    reffiLeaks: [], // definite/indirect leaks in reffi, with their stacks
    reffiPossible: {},
  };
  for (const e of errors) {
    const who = attribute(e.frames, cLib);
    const isLeak = /^Leak_/.test(e.kind);
    if (!isLeak) {
      if (who === 'reffi') s.reffi.errors.push({ kind: e.kind, what: e.what, frames: e.frames.slice(0, 12) });
      else s.node.errors++;
      continue;
    }
    if (who === 'reffi') {
      if (e.kind === 'Leak_DefinitelyLost') { s.reffi.definite += e.bytes; s.reffi.definiteBlocks += e.blocks; }
      else if (e.kind === 'Leak_IndirectlyLost') s.reffi.indirect += e.bytes;
      else if (e.kind === 'Leak_PossiblyLost') {
        s.reffi.possible += e.bytes;
        const top = (e.frames.find((f) => isReffiFrame(f) && /reffi::/.test(f.fn)) || e.frames.find(isReffiFrame) || { fn: '?' }).fn;
        s.reffiPossible[top] = (s.reffiPossible[top] || 0) + e.bytes;
      }
      if (e.kind === 'Leak_DefinitelyLost' || e.kind === 'Leak_IndirectlyLost') {
        s.reffiLeaks.push({ kind: e.kind, bytes: e.bytes, frames: e.frames.slice(0, 12) });
      }
    } else if (who === 'c') {
      if (e.kind === 'Leak_DefinitelyLost') s.c.definite += e.bytes;
    } else if (e.kind === 'Leak_DefinitelyLost') s.node.definite += e.bytes;
    else if (e.kind === 'Leak_PossiblyLost') s.node.possible += e.bytes;
  }
  return s;
}

function verdict(s, workloadOk, control) {
  const problems = [];
  if (!workloadOk) problems.push('the workload did not finish');
  if (s.reffi.definite > 0) problems.push('reffi lost ' + s.reffi.definite + ' byte(s) in ' + s.reffi.definiteBlocks + ' block(s)');
  if (s.reffi.errors.length) problems.push(s.reffi.errors.length + ' memory error(s) in stacks with reffi frames');
  if (control && s.c.definite < CONTROL_BYTES) problems.push('the positive control (a ' + CONTROL_BYTES + '-byte leak in C) was not seen: the check cannot be trusted');
  return problems;
}

function fmtStack(frames) {
  return frames.map((f) => '      ' + f.fn + '  (' + path.basename(f.obj || '?') + ')').join('\n');
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const ver = valgrindVersion();
  if (!ver) {
    console.log('leakcheck: valgrind is not installed (Debian: apt-get install valgrind); nothing checked');
    process.exit(2);
  }
  const build = require(path.join(root, 'test', 'native', 'build.js'));
  build.build();
  // A private copy of the C library: its name identifies C's frames, and a
  // concurrent rebuild cannot replace it under the run.
  const lib = path.join(os.tmpdir(), 'libfuzz-leak-' + process.pid + '.so');
  fs.copyFileSync(build.libPath('fuzz'), lib);
  const xml = o.xml || path.join(os.tmpdir(), 'reffi-leak-' + process.pid + '.xml');
  const args = [
    '--tool=memcheck', '--leak-check=full', '--show-leak-kinds=definite,indirect,possible',
    '--xml=yes', '--xml-file=' + xml, '--keep-debuginfo=yes', '--num-callers=40', '--error-limit=no',
    process.execPath, '--expose-gc', path.join(__dirname, 'workload.js'), String(o.scale),
  ];
  if (!o.quiet) console.log('leakcheck: ' + ver + ', workload scale ' + o.scale + ' (this takes a while: node runs ~30x slower under valgrind)');
  const t0 = Date.now();
  const r = spawnSync('valgrind', args, {
    cwd: root, encoding: 'utf8', env: Object.assign({}, process.env, { REFFI_LEAK_LIB: lib }), maxBuffer: 64 * 1024 * 1024,
  });
  const secs = (Date.now() - t0) / 1000;
  try { fs.unlinkSync(lib); } catch (_) { /* gone */ }
  const workloadLine = (/workload done: .*/.exec(r.stdout || '') || [''])[0];
  if (!fs.existsSync(xml)) {
    console.log('leakcheck: valgrind produced no report (status ' + r.status + ')\n' + (r.stderr || '').slice(-2000));
    process.exit(2);
  }
  const errors = parseErrors(fs.readFileSync(xml, 'utf8'));
  if (!o.xml) fs.unlinkSync(xml);
  const cLib = new RegExp(path.basename(lib).replace(/\./g, '\\.') + '$');
  const s = summarize(errors, cLib);
  const problems = verdict(s, r.status === 0 && workloadLine !== '', true);

  console.log('leakcheck: ' + (workloadLine || 'workload did not finish (status ' + r.status + ')') + ' [' + secs.toFixed(0) + ' s under valgrind]');
  console.log('  reffi: definitely lost ' + s.reffi.definite + ' B, indirectly lost ' + s.reffi.indirect + ' B, possibly lost ' +
    s.reffi.possible + ' B, memory errors ' + s.reffi.errors.length);
  if (s.reffi.possible) {
    console.log('    possibly lost by reffi function: ' + Object.entries(s.reffiPossible).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => k.replace(/::h[0-9a-f]{16}$/, '') + ' ' + v + ' B').join(', '));
  }
  console.log('  positive control (C leaks ' + CONTROL_BYTES + ' B on purpose): C definitely lost ' + s.c.definite + ' B -> ' +
    (s.c.definite >= CONTROL_BYTES ? 'seen and attributed to C' : 'NOT SEEN'));
  console.log('  Node itself (stacks without reffi frames, not counted): definitely lost ' + s.node.definite + ' B, possibly lost ' +
    s.node.possible + ' B, other reports ' + s.node.errors);
  for (const l of s.reffiLeaks) console.log('  LEAK ' + l.kind + ' ' + l.bytes + ' B\n' + fmtStack(l.frames));
  for (const e of s.reffi.errors) console.log('  MEMORY ERROR ' + e.kind + ': ' + e.what + '\n' + fmtStack(e.frames));
  console.log(problems.length ? 'leakcheck: FAIL: ' + problems.join('; ') : 'leakcheck: PASS (0 bytes definitely lost by reffi)');
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify({ seconds: secs, workload: workloadLine, valgrind: ver, summary: s, problems }, null, 2));
  }
  process.exit(problems.length ? 1 : 0);
}

module.exports = { parseErrors, attribute, summarize, verdict, CONTROL_BYTES };

if (require.main === module) main();

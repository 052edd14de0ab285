'use strict';
// The memory check (test/leak/run.js, `npm run leakcheck`): the workload
// under valgrind must lose no memory in reffi, and the positive control (a
// leak made by C) must be seen and blamed on C. The attribution rules are
// unit-tested on synthetic valgrind reports first (no valgrind needed).

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const leak = require('./leak/run.js');

function frame(obj, fn) {
  return '<frame><obj>' + obj + '</obj><fn>' + fn + '</fn></frame>';
}

function report(errors) {
  return '<?xml version="1.0"?><valgrindoutput>' + errors.map((e) =>
    '<error><unique>0x1</unique><kind>' + e.kind + '</kind>' +
    (e.bytes !== undefined ? '<xwhat><text>lost</text><leakedbytes>' + e.bytes + '</leakedbytes><leakedblocks>1</leakedblocks></xwhat>' : '<what>' + (e.what || '') + '</what>') +
    '<stack>' + e.frames.join('') + '</stack></error>').join('') + '</valgrindoutput>';
}

const MALLOC = frame('/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so', 'malloc');
const REFFI = (fn) => frame('/work/main/build/reffi.node', fn);
const NODE = (fn) => frame('/usr/bin/node', fn);
const CLIB = (fn) => frame('/tmp/libfuzz-leak-1.so', fn);
const FFI = (fn) => frame('/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2', fn);
const cLib = /libfuzz-leak-1\.so$/;

test('leak attribution: the first reffi or C-library frame from the allocator decides', () => {
  const errors = leak.parseErrors(report([
    // Rust allocation in reffi: reffi's.
    { kind: 'Leak_DefinitelyLost', bytes: 100, frames: [MALLOC, REFFI('alloc::alloc'), REFFI('reffi::plan::Plan::new'), NODE('v8::Call')] },
    // Node allocated because reffi called it (a napi reference never deleted): reffi's.
    { kind: 'Leak_DefinitelyLost', bytes: 20, frames: [MALLOC, NODE('v8impl::Reference::New'), NODE('napi_create_reference'), REFFI('reffi::callback::create')] },
    // libffi allocated for reffi (a closure): reffi's.
    { kind: 'Leak_IndirectlyLost', bytes: 7, frames: [MALLOC, FFI('ffi_closure_alloc'), REFFI('reffi::callback::create')] },
    // C leaked in a function reffi called: C's, even though reffi frames are further out.
    { kind: 'Leak_DefinitelyLost', bytes: 4242, frames: [MALLOC, CLIB('fz_leak'), FFI('ffi_call_unix64'), REFFI('reffi::binding::js_call')] },
    // Node's own leak: not counted.
    { kind: 'Leak_DefinitelyLost', bytes: 999, frames: [MALLOC, NODE('node::Start'), NODE('main')] },
    { kind: 'Leak_PossiblyLost', bytes: 50, frames: [MALLOC, REFFI('reffi::callback::create')] },
    // A memory error with a reffi frame fails the check; one in V8's own code does not.
    { kind: 'InvalidRead', what: 'Invalid read of size 8', frames: [REFFI('reffi::memory::read_cstring'), NODE('v8::Call')] },
    { kind: 'UninitCondition', what: 'Conditional jump', frames: [NODE('heap::base::Stack::IteratePointers')] },
  ]));
  assert.strictEqual(errors.length, 8);
  assert.deepStrictEqual(errors.map((e) => leak.attribute(e.frames, cLib)), ['reffi', 'reffi', 'reffi', 'c', 'node', 'reffi', 'reffi', 'node']);
  const s = leak.summarize(errors, cLib);
  assert.strictEqual(s.reffi.definite, 120);
  assert.strictEqual(s.reffi.indirect, 7);
  assert.strictEqual(s.reffi.possible, 50);
  assert.strictEqual(s.reffi.errors.length, 1);
  assert.strictEqual(s.c.definite, 4242);
  assert.strictEqual(s.node.definite, 999);
  assert.strictEqual(s.node.errors, 1);
  assert.strictEqual(leak.verdict(s, true, true).length, 2); // the lost bytes and the memory error
  const clean = leak.summarize(leak.parseErrors(report([
    { kind: 'Leak_DefinitelyLost', bytes: 4242, frames: [MALLOC, CLIB('fz_leak'), REFFI('reffi::binding::js_call')] },
  ])), cLib);
  assert.deepStrictEqual(leak.verdict(clean, true, true), []);
  // Without the positive control seen, the check cannot pass.
  assert.strictEqual(leak.verdict(leak.summarize([], cLib), true, true).length, 1);
});

const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;

test('npm run leakcheck: no memory lost by reffi under valgrind (scale 1, about a minute)', {
  skip: hasValgrind ? false : 'valgrind is not installed (apt-get install valgrind): the leak check cannot run',
  timeout: 600000,
}, () => {
  const json = path.join(os.tmpdir(), 'reffi-leak-test-' + process.pid + '.json');
  const r = spawnSync(process.execPath, [path.join(__dirname, 'leak', 'run.js'), '--scale', '1', '--json', json], {
    encoding: 'utf8', timeout: 590000,
  });
  const out = r.stdout + r.stderr;
  assert.ok(fs.existsSync(json), 'the leak check wrote no result:\n' + out);
  const res = JSON.parse(fs.readFileSync(json, 'utf8'));
  fs.unlinkSync(json);
  assert.match(res.workload, /workload done: sync calls \d+/, out);
  assert.strictEqual(res.summary.c.definite >= leak.CONTROL_BYTES, true, 'the positive control leak was not seen:\n' + out);
  assert.strictEqual(res.summary.reffi.definite, 0, out);
  assert.deepStrictEqual(res.summary.reffi.errors, [], out);
  assert.deepStrictEqual(res.problems, []);
  assert.strictEqual(r.status, 0, out);
});

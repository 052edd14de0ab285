'use strict';
// Runs `examples/demo.js` and every examples/tutorial/*.js in a child
// process (as a user would: they load reffi as `require('reffi/ffi')`) and
// checks what they print.
const { describe, it, before } = require('node:test');
const assert = require('node:assert');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tutorial = path.join(root, 'examples', 'tutorial');

function run(file) {
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, file + ' failed:\n' + r.stdout + '\n' + r.stderr);
  assert.strictEqual(r.stderr, '', file + ' wrote to stderr');
  return r.stdout;
}

/** Asserts that `out` contains every line of `lines`, in this order. */
function inOrder(out, lines) {
  let at = 0;
  for (const l of lines) {
    const i = out.indexOf(l, at);
    assert.ok(i !== -1, 'missing (in order): ' + JSON.stringify(l) + '\n--- output ---\n' + out);
    at = i + l.length;
  }
}

let hasStruct = true;
try { require.resolve('reffi/struct'); require('reffi/struct'); } catch (_) { hasStruct = false; }

describe('examples', () => {
  before(() => {
    // Build libmylibrary once, so parallel example runs do not all compile it.
    execFileSync(process.execPath, [path.join(root, 'examples', 'mylibrary', 'build.js')], { stdio: 'ignore' });
  });

  it('every tutorial example file is covered here', () => {
    const files = fs.readdirSync(tutorial).filter((f) => f.endsWith('.js')).sort();
    assert.deepStrictEqual(files, ['async.js', 'callbacks.js', 'common-usage.js', 'gettimeofday.js',
      'output-parameters.js', 'readme.js', 'sqlite.js']);
  });

  it('the tutorial examples only use require("reffi/...")', () => {
    for (const f of fs.readdirSync(tutorial)) {
      const src = fs.readFileSync(path.join(tutorial, f), 'utf8');
      assert.ok(/require\(['"]reffi\/ffi['"]\)/.test(src), f);
      assert.ok(!/lib\/(ffi|ref)/.test(src), f);
    }
  });

  it('npm run demo (examples/demo.js)', () => {
    const out = run(path.join(root, 'examples', 'demo.js'));
    inOrder(out, [
      '== libsqlite3 (The Library function) ==',
      'sqlite3_open("test.sqlite3", dbPtrPtr) = 0, handle non-NULL',
      'sqlite3_exec("CREATE TABLE fruit (name TEXT, qty INTEGER)") = 0',
      "sqlite3_exec(\"INSERT INTO fruit VALUES ('apple', 3), ('pear', 5), ('plum', 7)\") = 0",
      'sqlite3_changes(db) = 3',
      'sqlite3_changes(db) = 2',
      'a bad query returns 1 with errmsg "no such table: vegetables"',
      'sqlite3_close(db) = 0',
      '== libm and libc ==',
      'libm.ceil(1.5) = 2',
      'libm.cos(0) = 1',
      'libm.pow(2, 10) = 1024',
      'libc.strlen("hello, world") = 12',
      'libc.strtol("1234 and the rest", &end, 10) = 1234, end -> " and the rest"',
      "current process: atoi('1234') = 1234, getpid() is process.pid: true",
      '== libmylibrary (Common Usage) ==',
      'do_some_number_fudging(1.5, 5) = 7.75',
      'create_object() returned a non-NULL pointer',
      'do_stuff_with_object(obj) = 12.5',
      'delete_object(obj)',
      '== libmylibrary (Output Parameters) ==',
      'outNumber.deref() = 42',
      '== libmylibrary (Async Library Calls) ==',
      'mycall.async(1234, cb) started',
      'mycall returned 2468',
      '== Callbacks ==',
      'registering the callback',
      'callback called from C: id 1, name "registered"',
      'callback called from C: id 2, name "fired from C"',
      '== Structs (gettimeofday) ==',
      '\ndone\n',
    ]);
    if (hasStruct) {
      const m = /Seconds since epoch: (\d+) \(Date\.now\(\): (\d+)\)/.exec(out);
      assert.ok(m, out);
      assert.ok(Math.abs(Number(m[1]) - Number(m[2])) <= 1);
    }
  });

  it('tutorial/sqlite.js', () => {
    assert.strictEqual(run(path.join(tutorial, 'sqlite.js')),
      'opened test.sqlite3: handle is NULL? false\nCREATE TABLE -> 0\nINSERT -> 0, changes: 3\nclose -> 0\n');
  });

  it('tutorial/common-usage.js', () => {
    assert.strictEqual(run(path.join(tutorial, 'common-usage.js')),
      'do_some_number_fudging(1.5, 5) = 7.75\ndo_stuff_with_object(fun_object) = 12.5\n');
  });

  it('tutorial/output-parameters.js', () => {
    assert.strictEqual(run(path.join(tutorial, 'output-parameters.js')), 'manipulate_number wrote 42\n');
  });

  it('tutorial/async.js: the call completes after the script body', () => {
    assert.strictEqual(run(path.join(tutorial, 'async.js')), 'mycall.async(1234) started\nmycall returned 2468\n');
  });

  it('tutorial/readme.js', () => {
    assert.strictEqual(run(path.join(tutorial, 'readme.js')), "libm.ceil(1.5) = 2\ncurrent.atoi('1234') = 1234\n");
  });

  it('tutorial/callbacks.js', () => {
    assert.strictEqual(run(path.join(tutorial, 'callbacks.js')),
      'registering the callback\nid:  1\nname:  registered\nid:  2\nname:  fired from C\n');
  });

  it('tutorial/gettimeofday.js', () => {
    const out = run(path.join(tutorial, 'gettimeofday.js'));
    if (!hasStruct) {
      assert.strictEqual(out, 'skipped: reffi/struct is not available\n');
      return;
    }
    const m = /^Seconds since epoch: (\d+)\n$/.exec(out);
    assert.ok(m, out);
    assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 5);
  });
});

'use strict';
// ffi.errno(): the errno of the last foreign call, captured right after it
// on the thread that made it (sync and async), not clobbered by Node/V8.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');

const ffi = require('../lib/ffi');
const { libPath } = require('./native/build.js');

const { ERANGE, ENOENT, EINVAL, EACCES } = os.constants.errno;

const lib = ffi.Library(libPath('callbacks'), {
  set_errno_to: ['int', ['int']],
  clear_errno_ret: ['int', ['int']],
});
const tlib = ffi.Library(libPath('threads'), {
  slow_set_errno: ['int', ['int', 'int']],
});
const libc = ffi.Library(null, {
  strtol: ['long', ['string', 'pointer', 'int']],
  open: ['int', ['string', 'int']],
  close: ['int', ['int']],
});

test('errno set by a C function', () => {
  assert.strictEqual(typeof ffi.errno, 'function');
  assert.strictEqual(lib.set_errno_to(EINVAL), -1);
  assert.strictEqual(ffi.errno(), EINVAL);
  assert.strictEqual(ffi.errno(), EINVAL); // reading does not reset it
  assert.strictEqual(lib.set_errno_to(12345), -1);
  assert.strictEqual(ffi.errno(), 12345);
  assert.strictEqual(lib.clear_errno_ret(7), 7);
  assert.strictEqual(ffi.errno(), 0);
});

test('libc: strtol overflow gives ERANGE, open of a missing file ENOENT', () => {
  lib.clear_errno_ret(0);
  assert.strictEqual(libc.strtol('99999999999999999999', null, 10), '9223372036854775807');
  assert.strictEqual(ffi.errno(), ERANGE);
  assert.strictEqual(libc.strtol('-99999999999999999999', null, 10), '-9223372036854775808');
  assert.strictEqual(ffi.errno(), ERANGE);
  assert.strictEqual(libc.open('/nonexistent-reffi-dir/file', 0), -1);
  assert.strictEqual(ffi.errno(), ENOENT);
  // a successful call leaves errno as C left it (libc does not reset it)
  lib.clear_errno_ret(0);
  const fd = libc.open(__filename, 0);
  assert.ok(fd >= 0);
  assert.strictEqual(libc.close(fd), 0);
  assert.strictEqual(ffi.errno(), 0);
});

test('Node and V8 activity between the call and errno() does not clobber it', async () => {
  assert.strictEqual(libc.open('/nonexistent-reffi-dir/file', 0), -1);
  // These set the C errno on this thread (ENOENT / EACCES / ...).
  assert.strictEqual(fs.existsSync('/nonexistent-reffi-dir/other'), false);
  try { fs.readFileSync('/proc/self/nonexistent'); } catch (_) { /* expected */ }
  lib.set_errno_to(EACCES); // then a foreign call sets a different value...
  assert.strictEqual(ffi.errno(), EACCES);
  assert.strictEqual(libc.strtol('1', null, 10), 1); // ...and one that does not touch errno
  global.gc();
  await new Promise((r) => setTimeout(r, 5));
  JSON.parse(JSON.stringify({ a: [1, 2, 3] }));
  assert.strictEqual(ffi.errno(), EACCES);
});

test('async calls: errno captured on the pool thread, visible when the result arrives', async () => {
  const v = await tlib.slow_set_errno.async(ERANGE, 5);
  assert.strictEqual(v, -1);
  assert.strictEqual(ffi.errno(), ERANGE);
  await new Promise((resolve, reject) => {
    tlib.slow_set_errno.async(EINVAL, 5, (err, r) => {
      try {
        assert.ifError(err);
        assert.strictEqual(r, -1);
        assert.strictEqual(ffi.errno(), EINVAL);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
    // a sync call made meanwhile has its own errno
    lib.set_errno_to(ENOENT);
    assert.strictEqual(ffi.errno(), ENOENT);
  });
});

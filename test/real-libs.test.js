'use strict';
// Real system libraries: the node-ffi tutorial's sqlite3 example, libm,
// libc (strlen, strtol with its char ** out-pointer), getpid from the
// current process.
const { describe, it, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');

describe('libsqlite3 (the tutorial example)', () => {
  // typedefs, exactly as in the tutorial
  const sqlite3 = ref.types.void; // we don't know what the layout of "sqlite3" looks like
  const sqlite3Ptr = ref.refType(sqlite3);
  const sqlite3PtrPtr = ref.refType(sqlite3Ptr);
  const stringPtr = ref.refType(ref.types.CString);
  const stmtPtr = ref.refType(ref.types.void);

  const libsqlite3 = ffi.Library('libsqlite3', {
    sqlite3_open: ['int', ['string', sqlite3PtrPtr]],
    sqlite3_close: ['int', [sqlite3Ptr]],
    sqlite3_exec: ['int', [sqlite3Ptr, 'string', 'pointer', 'pointer', stringPtr]],
    sqlite3_changes: ['int', [sqlite3Ptr]],
    sqlite3_free: ['void', ['pointer']],
    sqlite3_errmsg: ['string', [sqlite3Ptr]],
    sqlite3_prepare_v2: ['int', [sqlite3Ptr, 'string', 'int', ref.refType(stmtPtr), 'pointer']],
    sqlite3_step: ['int', [stmtPtr]],
    sqlite3_column_int: ['int', [stmtPtr, 'int']],
    sqlite3_column_int64: ['int64', [stmtPtr, 'int']],
    sqlite3_column_text: ['string', [stmtPtr, 'int']],
    sqlite3_finalize: ['int', [stmtPtr]],
    sqlite3_libversion: ['string', []],
  });
  const SQLITE_OK = 0, SQLITE_ROW = 100, SQLITE_DONE = 101;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-sqlite-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'test.sqlite3');
  let dbHandle;

  it('sqlite3_open with an out-pointer (sqlite3 **)', () => {
    const dbPtrPtr = ref.alloc(sqlite3PtrPtr);
    assert.strictEqual(libsqlite3.sqlite3_open(file, dbPtrPtr), SQLITE_OK);
    dbHandle = dbPtrPtr.deref();
    assert.ok(Buffer.isBuffer(dbHandle));
    assert.ok(!dbHandle.isNull());
    assert.strictEqual(dbHandle.type, sqlite3Ptr);
    assert.ok(fs.existsSync(file));
    assert.match(libsqlite3.sqlite3_libversion(), /^3\.\d+\.\d+/);
  });

  it('sqlite3_exec creates a table and inserts rows; sqlite3_changes counts them', () => {
    const errmsg = ref.alloc(stringPtr);
    assert.strictEqual(libsqlite3.sqlite3_exec(dbHandle,
      'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born INTEGER)', null, null, errmsg), SQLITE_OK);
    assert.strictEqual(libsqlite3.sqlite3_exec(dbHandle,
      "INSERT INTO people (name, born) VALUES ('Ada', 1815), ('Grace', 1906), ('Zo\u00eb \u2713', 9007199254740993)",
      null, null, null), SQLITE_OK);
    assert.strictEqual(libsqlite3.sqlite3_changes(dbHandle), 3);
    assert.strictEqual(libsqlite3.sqlite3_exec(dbHandle, 'UPDATE people SET born = born + 1 WHERE born < 2000', null, null, null), SQLITE_OK);
    assert.strictEqual(libsqlite3.sqlite3_changes(dbHandle), 2);
  });

  it('a failing sqlite3_exec returns its message through char **errmsg', () => {
    const errmsg = ref.alloc(ref.types.CString);
    const rc = libsqlite3.sqlite3_exec(dbHandle, 'SELECT * FROM no_such_table', null, null, errmsg);
    assert.notStrictEqual(rc, SQLITE_OK);
    assert.match(errmsg.deref(), /no such table: no_such_table/);
    assert.match(libsqlite3.sqlite3_errmsg(dbHandle), /no such table/);
    libsqlite3.sqlite3_free(ref.readPointer(errmsg, 0));
  });

  it('reads the rows back through a prepared statement', () => {
    const stmtOut = ref.alloc(ref.refType(stmtPtr));
    assert.strictEqual(libsqlite3.sqlite3_prepare_v2(dbHandle,
      'SELECT id, name, born FROM people ORDER BY id', -1, stmtOut, null), SQLITE_OK);
    const stmt = stmtOut.deref();
    const rows = [];
    let rc;
    while ((rc = libsqlite3.sqlite3_step(stmt)) === SQLITE_ROW) {
      rows.push([libsqlite3.sqlite3_column_int(stmt, 0), libsqlite3.sqlite3_column_text(stmt, 1),
        libsqlite3.sqlite3_column_int64(stmt, 2)]);
    }
    assert.strictEqual(rc, SQLITE_DONE);
    assert.strictEqual(libsqlite3.sqlite3_finalize(stmt), SQLITE_OK);
    assert.deepStrictEqual(rows, [[1, 'Ada', 1816], [2, 'Grace', 1907], [3, 'Zo\u00eb \u2713', '9007199254740993']]);
  });

  it('sqlite3_close', () => {
    assert.strictEqual(libsqlite3.sqlite3_close(dbHandle), SQLITE_OK);
  });
});

describe('libm', () => {
  const libm = ffi.Library('libm', {
    cos: ['double', ['double']],
    pow: ['double', ['double', 'double']],
    sqrtf: ['float', ['float']],
    ceil: ['double', ['double']],
    frexp: ['double', ['double', 'int *']],
    llround: ['longlong', ['double']],
  });

  it('cos and pow', () => {
    assert.strictEqual(libm.cos(0), 1);
    assert.strictEqual(libm.cos(Math.PI), -1);
    assert.ok(Math.abs(libm.cos(1) - Math.cos(1)) < 1e-15);
    assert.strictEqual(libm.pow(2, 10), 1024);
    assert.strictEqual(libm.pow(2, 0.5), Math.SQRT2);
    assert.strictEqual(libm.pow(0, -1), Infinity);
    assert.ok(Number.isNaN(libm.pow(-1, 0.5)));
  });

  it('float, out-parameter and 64-bit results', () => {
    assert.strictEqual(libm.sqrtf(2), Math.fround(Math.SQRT2));
    assert.strictEqual(libm.ceil(-0.5), -0);
    const exp = ref.alloc('int');
    assert.strictEqual(libm.frexp(48, exp), 0.75);
    assert.strictEqual(exp.deref(), 6);
    assert.strictEqual(libm.llround(1e18), '1000000000000000000');
  });
});

describe('libc', () => {
  const libc = ffi.Library('libc', {
    strlen: ['size_t', ['string']],
    strtol: ['long', ['pointer', ref.refType(ref.refType('char')), 'int']],
    strtoul: ['ulong', ['string', 'pointer', 'int']],
    abs: ['int', ['int']],
    atoi: ['int', ['string']],
    strcpy: [ref.refType('char'), [ref.refType('char'), 'string']],
    getenv: ['string', ['string']],
  });

  it('strlen', () => {
    assert.strictEqual(libc.strlen('hello'), 5);
    assert.strictEqual(libc.strlen(''), 0);
    assert.strictEqual(libc.strlen('\u00e9\u00e8'), 4);
    assert.strictEqual(libc.strlen('x'.repeat(100000)), 100000);
  });

  it('strtol with its char **endptr out-pointer', () => {
    const input = ref.allocCString('  12345xyz');
    const endptr = ref.alloc(ref.refType('char'));
    assert.strictEqual(libc.strtol(input, endptr, 10), 12345);
    const end = endptr.deref();
    assert.strictEqual(end.address() - input.address(), 7);
    assert.strictEqual(end.readCString(), 'xyz');
    assert.strictEqual(end.deref(), 'x'.charCodeAt(0));
    assert.strictEqual(libc.strtol(ref.allocCString('-0x1F'), endptr, 16), -31);
    assert.strictEqual(libc.strtol(ref.allocCString('777'), null, 8), 511);
    assert.strictEqual(libc.strtol(ref.allocCString('9223372036854775807'), null, 10), '9223372036854775807');
  });

  it('strtoul sets errno on overflow', () => {
    libc.strtoul('1234567890123456789012345678901234567890', null, 0);
    assert.strictEqual(ffi.errno(), 34); // ERANGE
  });

  it('abs, atoi, strcpy into a Buffer, getenv', () => {
    assert.strictEqual(libc.abs(-1234), 1234);
    assert.strictEqual(libc.atoi('1234'), 1234);
    const buf = Buffer.alloc(4096);
    const ZEROS_2K = '0'.repeat(2000);
    const r = libc.strcpy(buf, ZEROS_2K);
    assert.strictEqual(r.address(), buf.address());
    assert.strictEqual(buf.readCString(), ZEROS_2K);
    process.env.REFFI_TEST_VAR = 'value \u2713';
    // Node's process.env writes through to the C environment
    assert.strictEqual(libc.getenv('REFFI_TEST_VAR'), 'value \u2713');
    assert.strictEqual(libc.getenv('REFFI_SURELY_UNSET_VAR'), null);
  });
});

describe('the current process', () => {
  it('getpid through Library(null)', () => {
    const current = ffi.Library(null, { getpid: ['int', []], getppid: ['int', []] });
    assert.strictEqual(current.getpid(), process.pid);
    assert.strictEqual(current.getppid(), process.ppid);
  });
});

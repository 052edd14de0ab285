'use strict';
// node-ffi tutorial, "The Library function": binding a few libsqlite3
// functions. Only the require lines differ from the tutorial (and the
// database file lives in a temporary directory).
var ref = require('reffi/ref');
var ffi = require('reffi/ffi');

var fs = require('fs');
var os = require('os');
var path = require('path');
var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-tutorial-'));
process.chdir(dir);

// typedef
var sqlite3 = ref.types.void; // we don't know what the layout of "sqlite3" looks like
var sqlite3Ptr = ref.refType(sqlite3);
var sqlite3PtrPtr = ref.refType(sqlite3Ptr);
var stringPtr = ref.refType(ref.types.CString);

// binding to a few "libsqlite3" functions...
var libsqlite3 = ffi.Library('libsqlite3', {
  'sqlite3_open': [ 'int', [ 'string', sqlite3PtrPtr ] ],
  'sqlite3_close': [ 'int', [ sqlite3Ptr ] ],
  'sqlite3_exec': [ 'int', [ sqlite3Ptr, 'string', 'pointer', 'pointer', stringPtr ] ],
  'sqlite3_changes': [ 'int', [ sqlite3Ptr ]]
});

// now use them:
var dbPtrPtr = ref.alloc(sqlite3PtrPtr);
libsqlite3.sqlite3_open("test.sqlite3", dbPtrPtr);
var dbHandle = dbPtrPtr.deref();

console.log('opened test.sqlite3: handle is NULL? ' + dbHandle.isNull());
var rc = libsqlite3.sqlite3_exec(dbHandle, 'CREATE TABLE t (x INTEGER)', null, null, null);
console.log('CREATE TABLE -> ' + rc);
rc = libsqlite3.sqlite3_exec(dbHandle, 'INSERT INTO t VALUES (1), (2), (3)', null, null, null);
console.log('INSERT -> ' + rc + ', changes: ' + libsqlite3.sqlite3_changes(dbHandle));
console.log('close -> ' + libsqlite3.sqlite3_close(dbHandle));

process.chdir(os.tmpdir());
fs.rmSync(dir, { recursive: true, force: true });

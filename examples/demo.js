'use strict';
// `npm run demo`: every example of the node-ffi tutorial, on reffi, printing
// what it does. The tutorial's fictitious "libmylibrary" is real here
// (examples/mylibrary/mylibrary.c), compiled with `cc` on first use. Each
// example also exists on its own, written like the tutorial, under
// examples/tutorial/.
const fs = require('fs');
const os = require('os');
const path = require('path');
const ref = require('reffi/ref');
const ffi = require('reffi/ffi');
const buildMylibrary = require('./mylibrary/build.js');

function section(title) {
  console.log('\n== ' + title + ' ==');
}

// ---- libsqlite3: "The Library function" -----------------------------------

function sqliteExample() {
  section('libsqlite3 (The Library function)');
  const sqlite3 = ref.types.void; // we don't know what the layout of "sqlite3" looks like
  const sqlite3Ptr = ref.refType(sqlite3);
  const sqlite3PtrPtr = ref.refType(sqlite3Ptr);
  const stringPtr = ref.refType(ref.types.CString);

  const libsqlite3 = ffi.Library('libsqlite3', {
    sqlite3_open: ['int', ['string', sqlite3PtrPtr]],
    sqlite3_close: ['int', [sqlite3Ptr]],
    sqlite3_exec: ['int', [sqlite3Ptr, 'string', 'pointer', 'pointer', stringPtr]],
    sqlite3_changes: ['int', [sqlite3Ptr]],
    sqlite3_free: ['void', ['pointer']],
  });
  console.log('loaded libsqlite3 from ' + libsqlite3._dl._loadedPath);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-demo-'));
  try {
    const file = path.join(dir, 'test.sqlite3');
    const dbPtrPtr = ref.alloc(sqlite3PtrPtr);
    let rc = libsqlite3.sqlite3_open(file, dbPtrPtr);
    const dbHandle = dbPtrPtr.deref();
    console.log('sqlite3_open("test.sqlite3", dbPtrPtr) = ' + rc + ', handle ' +
      (dbHandle.isNull() ? 'NULL' : 'non-NULL'));

    const errmsg = ref.alloc(ref.types.CString); // a char * for sqlite3_exec to fill in: passed as char **
    const exec = (sql) => {
      const r = libsqlite3.sqlite3_exec(dbHandle, sql, null, null, errmsg);
      console.log('sqlite3_exec("' + sql + '") = ' + r);
      return r;
    };
    exec('CREATE TABLE fruit (name TEXT, qty INTEGER)');
    exec("INSERT INTO fruit VALUES ('apple', 3), ('pear', 5), ('plum', 7)");
    console.log('sqlite3_changes(db) = ' + libsqlite3.sqlite3_changes(dbHandle));
    exec('UPDATE fruit SET qty = qty + 1 WHERE qty > 4');
    console.log('sqlite3_changes(db) = ' + libsqlite3.sqlite3_changes(dbHandle));
    rc = libsqlite3.sqlite3_exec(dbHandle, 'SELECT * FROM vegetables', null, null, errmsg);
    console.log('a bad query returns ' + rc + ' with errmsg "' + errmsg.deref() + '"');
    libsqlite3.sqlite3_free(ref.readPointer(errmsg, 0));
    console.log('sqlite3_close(db) = ' + libsqlite3.sqlite3_close(dbHandle));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- libm and libc ------------------------------------------------------------

function libmLibcExample() {
  section('libm and libc');
  const libm = ffi.Library('libm', {
    ceil: ['double', ['double']],
    cos: ['double', ['double']],
    pow: ['double', ['double', 'double']],
  });
  console.log('libm.ceil(1.5) = ' + libm.ceil(1.5));
  console.log('libm.cos(0) = ' + libm.cos(0));
  console.log('libm.pow(2, 10) = ' + libm.pow(2, 10));

  const libc = ffi.Library('libc', {
    strlen: ['size_t', ['string']],
    strtol: ['long', ['pointer', ref.refType(ref.refType('char')), 'int']],
  });
  console.log('libc.strlen("hello, world") = ' + libc.strlen('hello, world'));
  const input = ref.allocCString('1234 and the rest');
  const endptr = ref.alloc(ref.refType('char'));
  const n = libc.strtol(input, endptr, 10);
  console.log('libc.strtol("1234 and the rest", &end, 10) = ' + n + ', end -> "' + endptr.deref().readCString() + '"');

  const current = ffi.Library(null, { atoi: ['int', ['string']], getpid: ['int', []] });
  console.log("current process: atoi('1234') = " + current.atoi('1234') +
    ', getpid() is process.pid: ' + (current.getpid() === process.pid));
}

// ---- libmylibrary: Common Usage, Output Parameters, Async ---------------------

function mylibraryExamples(libmylibrary) {
  section('libmylibrary (Common Usage)');
  const MyLibrary = ffi.Library(libmylibrary, {
    do_some_number_fudging: ['double', ['double', 'int']],
    create_object: ['pointer', []],
    do_stuff_with_object: ['double', ['pointer']],
    use_string_with_object: ['void', ['pointer', 'string']],
    delete_object: ['void', ['pointer']],
  });
  const res = MyLibrary.do_some_number_fudging(1.5, 5);
  console.log('do_some_number_fudging(1.5, 5) = ' + res);
  const funObject = MyLibrary.create_object();
  if (funObject.isNull()) {
    console.log("Oh no! Couldn't create object!");
  } else {
    console.log('create_object() returned a non-NULL pointer');
    MyLibrary.use_string_with_object(funObject, 'Hello World!');
    const fun = MyLibrary.do_stuff_with_object(funObject);
    console.log('use_string_with_object(obj, "Hello World!"); do_stuff_with_object(obj) = ' + fun);
    MyLibrary.delete_object(funObject);
    console.log('delete_object(obj)');
  }

  section('libmylibrary (Output Parameters)');
  const intPtr = ref.refType('int');
  const out = ffi.Library(libmylibrary, { manipulate_number: ['void', [intPtr]] });
  const outNumber = ref.alloc('int');
  out.manipulate_number(outNumber);
  console.log('manipulate_number(outNumber); outNumber.deref() = ' + outNumber.deref());

  section('libmylibrary (Async Library Calls)');
  const asyncLib = ffi.Library(libmylibrary, { mycall: ['int', ['int']] });
  return new Promise((resolve, reject) => {
    asyncLib.mycall.async(1234, (err, r) => {
      if (err) { reject(err); return; }
      console.log('mycall returned ' + r);
      resolve();
    });
    console.log('mycall.async(1234, cb) started; the event loop keeps running');
  });
}

// ---- Callbacks and Structs ----------------------------------------------------

function callbackExample(libmylibrary) {
  section('Callbacks');
  const libname = ffi.Library(libmylibrary, {
    setCallback: ['void', ['pointer']],
    fireCallback: ['int', ['int', 'string']],
  });
  const callback = ffi.Callback('void', ['int', 'string'], (id, name) => {
    console.log('callback called from C: id ' + id + ', name "' + name + '"');
  });
  console.log('registering the callback');
  libname.setCallback(callback);
  libname.fireCallback(2, 'fired from C');
  libname.setCallback(null);
  return callback;
}

function structExample() {
  section('Structs (gettimeofday)');
  let Struct;
  try {
    Struct = require('reffi/struct');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
    console.log('skipped: reffi/struct is not available');
    return;
  }
  const TimeVal = Struct({ tv_sec: 'long', tv_usec: 'long' });
  const TimeValPtr = ref.refType(TimeVal);
  const lib = new ffi.Library(null, { gettimeofday: ['int', [TimeValPtr, 'pointer']] });
  const tv = new TimeVal();
  lib.gettimeofday(tv.ref(), null);
  console.log('Seconds since epoch: ' + tv.tv_sec + ' (Date.now(): ' + Math.floor(Date.now() / 1000) + ')');
}

async function main() {
  sqliteExample();
  libmLibcExample();
  const libmylibrary = buildMylibrary();
  console.log('\n(libmylibrary built from examples/mylibrary/mylibrary.c: ' + libmylibrary + '.so)');
  await mylibraryExamples(libmylibrary);
  callbackExample(libmylibrary);
  structExample();
  console.log('\ndone');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

'use strict';
// node-ffi tutorial, "Async Library Calls": .async() runs the call on the
// libuv thread pool and calls back (err, res).
var ffi = require('reffi/ffi');
var libmylibraryPath = require('../mylibrary/build.js')(); // builds it if needed; path of "libmylibrary"

var libmylibrary = ffi.Library(libmylibraryPath, {
  'mycall': [ 'int', [ 'int' ] ]
});

libmylibrary.mycall.async(1234, function (err, res) {
  if (err) throw err;
  console.log("mycall returned " + res);
});
console.log('mycall.async(1234) started');

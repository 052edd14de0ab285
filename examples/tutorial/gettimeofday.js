'use strict';
// node-ffi tutorial, "Structs": gettimeofday() with a ref-struct TimeVal.
var ref = require('reffi/ref');
var FFI = require('reffi/ffi');
var Struct;
try {
  Struct = require('reffi/struct');
} catch (e) {
  if (e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
  console.log('skipped: reffi/struct is not available');
  return;
}

var TimeVal = Struct({
  'tv_sec': 'long',
  'tv_usec': 'long'
});
var TimeValPtr = ref.refType(TimeVal);

var lib = new FFI.Library(null, { 'gettimeofday': [ 'int', [ TimeValPtr, "pointer" ] ]});
var tv = new TimeVal();
lib.gettimeofday(tv.ref(), null);
console.log("Seconds since epoch: " + tv.tv_sec);

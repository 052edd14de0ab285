'use strict';
// The ffi-napi README example: libm's ceil, and atoi from the current
// process (Library(null)).
var ffi = require('reffi/ffi');

var libm = ffi.Library('libm', {
  'ceil': [ 'double', [ 'double' ] ]
});
console.log('libm.ceil(1.5) = ' + libm.ceil(1.5)); // 2

// You can also access just functions in the current process by passing a null
var current = ffi.Library(null, {
  'atoi': [ 'int', [ 'string' ] ]
});
console.log("current.atoi('1234') = " + current.atoi('1234')); // 1234

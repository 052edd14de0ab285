'use strict';
// node-ffi tutorial, "Output Parameters": void manipulate_number(int *out_number);
var ref = require('reffi/ref');
var ffi = require('reffi/ffi');
var libmylibraryPath = require('../mylibrary/build.js')(); // builds it if needed; path of "libmylibrary"

var intPtr = ref.refType('int');

var libmylibrary = ffi.Library(libmylibraryPath, {
  'manipulate_number': [ 'void', [ intPtr ] ]
});

var outNumber = ref.alloc('int'); // allocate a 4-byte (32-bit) chunk for the output data
libmylibrary.manipulate_number(outNumber);
var actualNumber = outNumber.deref();

console.log('manipulate_number wrote ' + actualNumber);

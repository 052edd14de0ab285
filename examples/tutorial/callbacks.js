'use strict';
// node-ffi tutorial, "Callbacks": ffi.Callback returns a pointer that C can
// call. libmylibrary's setCallback(cb) calls it once right away and
// fireCallback(id, name) calls it again.
var ffi = require('reffi/ffi');
var libnamePath = require('../mylibrary/build.js')(); // builds it if needed; path of "libmylibrary"

// Interface into the native lib
var libname = ffi.Library(libnamePath, {
  'setCallback': ['void', ['pointer']],
  'fireCallback': ['int', ['int', 'string']]
});

// Callback from the native lib back into js
var callback = ffi.Callback('void', ['int', 'string'],
  function(id, name) {
    console.log("id: ", id);
    console.log("name: ", name);
  });

console.log("registering the callback");
libname.setCallback(callback);
libname.fireCallback(2, 'fired from C');

// Make an extra reference to the callback pointer to avoid GC
process.on('exit', function() {
  callback;
});

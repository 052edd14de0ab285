'use strict';
// A callback called from a native thread: C starts a pthread that calls the
// JavaScript function; reffi runs it on the JS thread and hands the result
// back to the waiting native thread. The C function is called with .async()
// so the JS thread is free to service the callback.
const ffi = require('reffi/ffi');
const libPath = require('../mylibrary/build.js')();

const lib = ffi.Library(libPath, {
  call_in_thread: ['int', [ffi.Function('int', ['int']), 'int']],
});
const { isMainThread, threadId } = require('worker_threads');
const cb = ffi.Callback('int', ['int'], (x) => {
  console.log('callback on the JS thread: ' + (isMainThread && threadId === 0) + ', x = ' + x);
  return x * 10;
});
lib.call_in_thread.async(cb, 4).then((r) => {
  console.log('native thread got ' + r);
  cb.release();
});

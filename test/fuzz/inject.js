'use strict';
// Fault injection for the fuzzer's self-test (test/fuzz.test.js): preloaded
// with `node -r`, it makes every 50th synchronous foreign call return a
// corrupted result (one bit of the return slot flipped), as a broken engine
// would. The fuzzer must then report wrong results.
const native = require('../../lib/internal/native');

const real = native.call;
let n = 0;
native.call = function call() {
  const r = real.apply(this, arguments);
  if (++n % 50 === 0) native.U8[8] ^= 1; // slot 1: the scalar return value
  return r;
};

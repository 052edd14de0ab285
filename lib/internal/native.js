'use strict';
// Loads the Rust addon and exposes typed views over its argument block.
const path = require('path');

let native;
try {
  native = require(path.join(__dirname, '..', '..', 'build', 'reffi.node'));
} catch (e) {
  const err = new Error(
    'reffi: the native addon is not built (' + e.message + '). Run `npm install` (or `npm run build`) in the reffi package.');
  err.code = 'ERR_REFFI_NOT_BUILT';
  throw err;
}

const block = native.block;
native.U8 = new Uint8Array(block);
native.I32 = new Int32Array(block);
native.U32 = new Uint32Array(block);
native.F32 = new Float32Array(block);
native.F64 = new Float64Array(block);
native.I64 = new BigInt64Array(block);
native.U64 = new BigUint64Array(block);
native.BLOCK_ADDRESS = native.address(block);

module.exports = native;

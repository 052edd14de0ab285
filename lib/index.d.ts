// Type declarations for reffi — everything in one object: the ffi API at
// the top level (see ffi.d.ts), plus `ref`, `Struct`, `ArrayType` and `Union`.
//
//   import reffi = require('reffi');
//   const { ref, Struct } = reffi;
//   const libm = reffi.Library('libm', { cos: ['double', ['double']] });

import * as ref from './ref';
import Struct = require('./struct');
import ArrayType = require('./array');
import Union = require('./union');

export * from './ffi';
export { ref, Struct, ArrayType, Union };

'use strict';
// reffi — everything in one object: the ffi API at the top level, plus
// `ref`, `Struct`, `ArrayType` and `Union`.
const ffi = require('./ffi');
const ref = require('./ref');

const reffi = Object.assign({}, ffi, { ref });
for (const [name, mod] of [['Struct', './struct'], ['ArrayType', './array'], ['Union', './union']]) {
  Object.defineProperty(reffi, name, { enumerable: true, configurable: true, get: () => require(mod) });
}
module.exports = reffi;

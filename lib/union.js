'use strict';
// reffi/union — drop-in for ref-union-di. Usable bound to reffi's own ref
// module (`require('reffi/union')({...})`) or with a ref module injected
// (`require('reffi/union')(ref)` returns the Union factory bound to it).
//
// A union type has the same surface as a struct type (see lib/struct.js):
// every field sits at offset 0, the size is the largest member rounded up
// to the strictest alignment (computed by the engine). As in ref-union-di
// the fields are listed in `allFields`; `fields` is the same object.

const { _internal } = require('./struct');

const { exported } = _internal.dualExport((R) => _internal.makeRecordFactory(R, 'union'));

module.exports = exported;

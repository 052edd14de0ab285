'use strict';
// zlib: compress and uncompress a Buffer through libz, with an
// `unsigned long *` in/out length parameter.
const ffi = require('reffi/ffi');
const ref = require('reffi/ref');

const ulongPtr = ref.refType('ulong');
const z = ffi.Library('libz', {
  compressBound: ['ulong', ['ulong']],
  compress: ['int', ['pointer', ulongPtr, 'pointer', 'ulong']],
  uncompress: ['int', ['pointer', ulongPtr, 'pointer', 'ulong']],
});

const input = Buffer.from('reffi '.repeat(200));
const bound = z.compressBound(input.length);
const packed = Buffer.alloc(bound);
const packedLen = ref.alloc('ulong', bound);
if (z.compress(packed, packedLen, input, input.length) !== 0) throw new Error('compress failed');
const clen = packedLen.deref();

const out = Buffer.alloc(input.length);
const outLen = ref.alloc('ulong', out.length);
if (z.uncompress(out, outLen, packed, clen) !== 0) throw new Error('uncompress failed');
console.log('zlib: ' + input.length + ' -> ' + clen + ' -> ' + outLen.deref() + ' bytes, equal: ' + out.equals(input));

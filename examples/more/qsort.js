'use strict';
// libc qsort with a JavaScript comparator (called by C during the call).
const ffi = require('reffi/ffi');
const ref = require('reffi/ref');

const cmpType = ffi.Function('int', ['pointer', 'pointer']);
const libc = ffi.Library(null, { qsort: ['void', ['pointer', 'size_t', 'size_t', cmpType]] });

const values = [42, -7, 19, 0, 3, 3, 100, -50];
const buf = Buffer.alloc(values.length * 4);
values.forEach((v, i) => buf.writeInt32LE(v, i * 4));
libc.qsort(buf, values.length, 4, (a, b) => ref.get(ref.reinterpret(a, 4), 0, 'int32') - ref.get(ref.reinterpret(b, 4), 0, 'int32'));
const sorted = values.map((_, i) => buf.readInt32LE(i * 4));
console.log('qsort: ' + sorted.join(' '));

'use strict';
// Declaring a C header with ffi.cdef: a struct type, a typedef and
// prototypes, bound to libc and libm.
const ffi = require('reffi/ffi');

const libc = ffi.cdef(`
  typedef struct { int quot; int rem; } div_t;
  div_t div(int numerator, int denominator);
  size_t strlen(const char *s);
  int snprintf(char *buf, size_t size, const char *fmt, ...);
`, ffi.Library(null, {}));
const libm = ffi.cdef('double pow(double x, double y);', ffi.Library('libm', {}));

const d = libc.functions.div(17, 5);
const buf = Buffer.alloc(32);
libc.functions.snprintf(buf, 32, '%d-%s', 'int', 7, 'string', 'x');
console.log('div(17, 5) = ' + d.quot + ' r ' + d.rem + '; strlen = ' + libc.functions.strlen('hello') +
  '; pow = ' + libm.functions.pow(2, 10) + '; snprintf = ' + buf.toString('utf8', 0, buf.indexOf(0)));

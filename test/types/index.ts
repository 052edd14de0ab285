// Type tests for the all-in-one module `reffi` and for C prototype strings.
import reffi = require('reffi');
import { assert, Equal, expectType } from './helpers';

const { ref, Struct, ArrayType, Union } = reffi;

// the ffi API at the top level
const libm = reffi.Library('libm', { pow: ['double', ['double', 'double']] });
expectType<number>(libm.pow(2, 8));
expectType<reffi.Stats>(reffi.stats());
expectType<number>(reffi.errno());
const cb = reffi.Callback('void', ['int'], (n) => { expectType<number>(n); });
cb.release();

// ref, Struct, ArrayType, Union as properties
expectType<number>(ref.sizeof.pointer);
const Pair = Struct({ a: 'int', b: ArrayType('double', 2) });
const pair = new Pair({ a: 1, b: [0.5, 1.5] });
expectType<number>(pair.b[1]);
const U = Union({ n: 'int64', f: 'double' });
assert<Equal<typeof U.prototype.n, number | string>>();

// ---- C prototype strings --------------------------------------------------------------

const libc = reffi.Library(null, {
  atoi: 'int atoi(const char *s)',
  getenv: 'const char *getenv(const char *name);',
});
assert<Equal<ReturnType<typeof libc.atoi>, number>>();
assert<Equal<ReturnType<typeof libc.getenv>, string | null>>();
// @ts-expect-error a prototype's parameter types are checked too
libc.atoi(1);
// @ts-expect-error and its argument count
libc.atoi();

const malloc = libc.func('void *malloc(size_t size)');
assert<Equal<ReturnType<typeof malloc>, Buffer>>();
assert<Equal<Parameters<typeof malloc>, [number | string | bigint]>>();
const labs = libc.func('unsigned long labs(long n)');
assert<Equal<ReturnType<typeof labs>, number | string>>();
const isatty = libc.func('_Bool isatty(int)');
assert<Equal<ReturnType<typeof isatty>, boolean>>();
const rand = libc.func('int rand(void)');
assert<Equal<Parameters<typeof rand>, []>>();
const free = libc.func('void free(void *p)');
assert<Equal<ReturnType<typeof free>, null>>();
expectType<Promise<null>>(free.async(null));
const qsort = libc.func('void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))');
qsort(Buffer.alloc(8), 2, 4, (a: Buffer, b: Buffer) => a.readInt32LE(0) - b.readInt32LE(0));
// variadic prototypes take (type, value) pairs after the fixed arguments
const snprintf = libc.func('int snprintf(char *buf, size_t n, const char *fmt, ...)');
expectType<number>(snprintf(Buffer.alloc(32), 32, '%d-%s', 'int', 7, 'string', 'x'));
// typedef and struct names registered at run time are typed `any`
const mk = libc.func('struct point make_point(int x, int y)');
assert<Equal<ReturnType<typeof mk>, any>>();
// the (name, result, args) form
const abs = libc.func('abs', 'int', ['int']);
abs(1);

// cdef
const decls = reffi.cdef('struct point { int x; int y; }; enum color { RED, GREEN };', libc);
expectType<reffi.TypeObject>(decls.types['struct point']);
expectType<number | string>(decls.constants.RED);

// ---- disposal ---------------------------------------------------------------------------

{
  using dl = new reffi.DynamicLibrary(null);
  using cb2 = reffi.Callback('int', [], () => 0);
  void dl; void cb2;
}

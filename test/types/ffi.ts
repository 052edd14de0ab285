// Type tests for reffi/ffi: signatures inferred from Library specs,
// ForeignFunction, async (callback and Promise), variadic functions,
// callbacks, ffi.Function, DynamicLibrary, errors.
import ffi = require('reffi/ffi');
import ref = require('reffi/ref');
import Struct = require('reffi/struct');
import { assert, Equal, expectType } from './helpers';

// ---- Library: inference from the spec ------------------------------------------------

const libm = ffi.Library('libm', {
  cos: ['double', ['double']],
  add: ['int', ['int', 'int']],
} as const);
assert<Equal<typeof libm.add, ffi.ForeignFunction<number, [number, number]>>>();
assert<Equal<ReturnType<typeof libm.add>, number>>();
assert<Equal<Parameters<typeof libm.add>, [number, number]>>();
expectType<number>(libm.cos(0));

// `as const` is not needed: the spec is inferred literally.
const libc = ffi.Library(null, {
  atoi: ['int', ['string']],
  getenv: ['string', ['string']],
  strlen: ['size_t', ['string']],
  llabs: ['longlong', ['longlong']],
  labs: ['long', ['long']],
  isatty: ['bool', ['int']],
  free: ['void', ['pointer']],
  malloc: ['pointer', ['size_t']],
  memset: ['void *', ['void *', 'int', 'size_t']],
  strtol: ['long', ['const char *', 'char **', 'int']],
  qsort: ['void', ['pointer', 'size_t', 'size_t', 'pointer']],
  abs: ['int', ['int'], { async: true }],
  printf: ['int', ['string'], { varargs: true }],
  time: [ref.types.int64, [ref.refType(ref.types.int64)]],
  ceilf: ['float', ['float']],
  toupper: ['uchar', ['uchar']],
});

// 'string' → string | null (returned), string | Buffer | null (accepted)
assert<Equal<ReturnType<typeof libc.getenv>, string | null>>();
expectType<number>(libc.atoi('42'));
libc.atoi(null);
libc.atoi(Buffer.from('42\0'));
// @ts-expect-error a number is not a string argument
libc.atoi(42);

// 64-bit integers: number | string returned; number | string | bigint accepted
assert<Equal<ReturnType<typeof libc.strlen>, number | string>>();
assert<Equal<ReturnType<typeof libc.llabs>, number | string>>();
assert<Equal<Parameters<typeof libc.llabs>, [number | string | bigint]>>();
libc.llabs(-5);
libc.llabs(-5n);
libc.llabs('-9007199254740993');
// 'long' is 64-bit (LP64)
assert<Equal<ReturnType<typeof libc.labs>, number | string>>();
// @ts-expect-error a 64-bit result may be a string: not assignable to number
const len: number = libc.strlen('abc');

// 'bool' → boolean
assert<Equal<ReturnType<typeof libc.isatty>, boolean>>();

// 'void' → null
assert<Equal<ReturnType<typeof libc.free>, null>>();
// @ts-expect-error using a void result as a number
const freed: number = libc.free(null);

// pointers: Buffer returned; Buffer | null (or a typed array) accepted
assert<Equal<ReturnType<typeof libc.malloc>, Buffer>>();
assert<Equal<ReturnType<typeof libc.memset>, Buffer>>();
const block = libc.malloc(16);
libc.memset(block, 0, 16);
libc.memset(new Float64Array(2), 0, 16);
libc.free(block);
libc.free(null);
// @ts-expect-error a string is not a pointer
libc.free('x');
// @ts-expect-error a number is not a pointer
libc.free(0);
const end = ref.alloc('char *');
expectType<number | string>(libc.strtol(Buffer.from('12\0'), end, 10));
// @ts-expect-error 'const char *' is a pointer (use 'string' for JS strings)
libc.strtol('12', end, 10);

// ref type objects in the spec: int64 and int64*
assert<Equal<ReturnType<typeof libc.time>, number | string>>();
libc.time(null);
libc.time(ref.alloc(ref.types.int64));

// float, unsigned char
assert<Equal<ReturnType<typeof libc.ceilf>, number>>();
assert<Equal<ReturnType<typeof libc.toupper>, number>>();

// wrong argument count
// @ts-expect-error too few arguments
libm.add(1);
// @ts-expect-error too many arguments
libm.add(1, 2, 3);
// @ts-expect-error a string where a number is expected
libm.add('1', 2);
// @ts-expect-error a bigint where a 32-bit integer is expected
libm.cos(1n);

// ---- async ------------------------------------------------------------------------

// callback form
libm.add.async(1, 2, (err, res) => {
  expectType<Error | null>(err);
  assert<Equal<typeof res, number>>();
});
// Promise form
async function asyncForms(): Promise<void> {
  const r = await libm.add.async(1, 2);
  assert<Equal<typeof r, number>>();
  const s = await libc.getenv.async('HOME');
  assert<Equal<typeof s, string | null>>();
  // `{ async: true }` in the spec binds the async form directly
  const a = await libc.abs(-3);
  assert<Equal<typeof a, number>>();
  libc.abs(-3, (err, v) => { assert<Equal<typeof v, number>>(); void err; });
}
void asyncForms;
// @ts-expect-error wrong argument type in the async form
libm.add.async('1', 2);
// @ts-expect-error the callback's result is a number, not a string
libm.add.async(1, 2, (err: Error | null, res: string) => { void err; void res; });

// ---- variadic ---------------------------------------------------------------------------

const printfInt = libc.printf('int', 'double', 'string');
assert<Equal<Parameters<typeof printfInt>, [string | ArrayBufferView | ArrayBuffer | null, number, number, string | ArrayBufferView | ArrayBuffer | null]>>();
expectType<number>(printfInt('%d %f %s\n', 1, 2.5, 'x'));
// @ts-expect-error the extra arguments are typed too
printfInt('%d %f %s\n', 'one', 2.5, 'x');
const snprintf = ffi.VariadicForeignFunction(ffi.DynamicLibrary(null).get('snprintf'), 'int', ['pointer', 'size_t', 'string']);
expectType<ffi.ForeignFunction<number, [ref.PointerArg, number | string | bigint, string | ArrayBufferView | ArrayBuffer | null, number]>>(snprintf('int'));
// @ts-expect-error unknown type name for a variadic argument
snprintf('integer');

// ---- ForeignFunction, DynamicLibrary ----------------------------------------------------

const dl = new ffi.DynamicLibrary('libm.so.6', ffi.DynamicLibrary.FLAGS.RTLD_NOW | ffi.RTLD_GLOBAL);
const powPtr = dl.get('pow');
expectType<string>(powPtr.name);
const pow = ffi.ForeignFunction(powPtr, 'double', ['double', 'double']);
assert<Equal<typeof pow, ffi.ForeignFunction<number, [number, number]>>>();
const pow2 = new ffi.ForeignFunction(powPtr, ref.types.double, [ref.types.double, 'double']);
expectType<number>(pow2(2, 3));
expectType<string | null>(dl.path());
expectType<string | null>(dl.error());
expectType<number>(dl.close());
{
  using scoped = ffi.DynamicLibrary(null);
  scoped.get('abs');
}
// @ts-expect-error ForeignFunction needs a pointer Buffer
ffi.ForeignFunction('pow', 'double', []);

// ---- unknown type names are compile errors --------------------------------------------------

// @ts-expect-error unknown return type name
ffi.Library(null, { f: ['intx', ['int']] });
// @ts-expect-error unknown argument type name
ffi.Library(null, { f: ['int', ['int', 'dbl']] });
// @ts-expect-error void is not an argument type
ffi.Library(null, { f: ['int', ['void']] });
// @ts-expect-error unknown type name in ForeignFunction
ffi.ForeignFunction(powPtr, 'doubel', ['double']);
// Spellings ref.coerceType accepts are accepted.
ffi.Library(null, { f: ['const char *', ['ulong', 'void*', 'char**', ' int ', 'Pointer', 'CString', 'Utf8String']] });

// A spec built as a plain (widened) object still compiles, untyped.
const looseSpec: { [name: string]: [string, string[]] } = { atoi: ['int', ['string']] };
const loose = ffi.Library(null, looseSpec);
loose.atoi('1');
loose.whatever(1, 2, 3);

// Binding onto an existing object (the third argument)
const target = { extra: 1 };
const bound = ffi.Library(null, { abs: ['int', ['int']] }, target);
expectType<number>(bound.extra);
expectType<number>(bound.abs(-1));
// `new ffi.Library(...)`
const viaNew = new ffi.Library(null, { abs: ['int', ['int']] });
expectType<number>(viaNew.abs(1));

// ---- callbacks ---------------------------------------------------------------------------

const cmp = ffi.Callback('int', ['pointer', 'pointer'], (a, b) => {
  assert<Equal<typeof a, Buffer>>();
  return a.readInt32LE(0) - b.readInt32LE(0);
});
expectType<Buffer>(cmp);
libc.qsort(Buffer.alloc(16), 4, 4, cmp);
cmp.release();
cmp.close();
ffi.Callback.release(cmp);
{
  using scopedCb = ffi.Callback('void', [], () => {});
  void scopedCb;
}
const strCb = ffi.Callback('string', ['string', 'int64', 'bool', 'double'], ffi.FFI_DEFAULT_ABI, (s, n, b, d) => {
  assert<Equal<typeof s, string | null>>();
  assert<Equal<typeof n, number | string>>();
  assert<Equal<typeof b, boolean>>();
  assert<Equal<typeof d, number>>();
  return s;
});
void strCb;
// a void callback may return anything (ignored)
ffi.Callback('void', ['int'], (x) => x * 2);
// @ts-expect-error an int callback must return a number
ffi.Callback('int', ['int'], (x) => String(x));
// @ts-expect-error the callback's parameter is a number
ffi.Callback('int', ['int'], (x: string) => 0);
// @ts-expect-error unknown type name in a callback signature
ffi.Callback('int', ['integer'], () => 0);

// ---- ffi.Function types --------------------------------------------------------------------

const Comparator = ffi.Function('int', ['pointer', 'pointer']);
const libq = ffi.Library(null, { qsort: ['void', ['pointer', 'size_t', 'size_t', Comparator]] });
// a JS function is accepted where the function type is expected, with typed parameters
libq.qsort(Buffer.alloc(8), 2, 4, (a, b) => {
  assert<Equal<typeof a, Buffer>>();
  return a.readInt32LE(0) - b.readInt32LE(0);
});
libq.qsort(Buffer.alloc(8), 2, 4, cmp);
libq.qsort(Buffer.alloc(8), 2, 4, null);
// @ts-expect-error wrong callback return type for the function type
libq.qsort(Buffer.alloc(8), 2, 4, () => 'less');
const cmpPtr = Comparator.toPointer((a, b) => a.length - b.length);
expectType<() => void>(cmpPtr.release);
const cmpFn = Comparator.toFunction(cmpPtr);
expectType<number>(cmpFn(Buffer.alloc(4), Buffer.alloc(4)));
// returning a function pointer gives a bound function (or null)
const libg = ffi.Library(null, { signal: [ffi.Function('void', ['int']), ['int', ffi.Function('void', ['int'])]] });
const prev = libg.signal(2, (sig) => { expectType<number>(sig); });
if (prev !== null) prev(2);

// ---- structs in signatures -------------------------------------------------------------------

const Div = Struct({ quot: 'int', rem: 'int' });
const libd = ffi.Library(null, {
  div: [Div, ['int', 'int']],
  takesPoint: ['double', [Div]],
  takesPointer: ['void', [ref.refType(Div)]],
});
const qr = libd.div(7, 2);
assert<Equal<typeof qr.quot, number>>();
expectType<number>(qr.rem);
libd.takesPoint(qr);
libd.takesPoint({ quot: 1, rem: 2 });
libd.takesPoint(new Div({ quot: 1 }));
libd.takesPointer(qr.ref());
libd.takesPointer(null);
// @ts-expect-error wrong field type in a struct argument
libd.takesPoint({ quot: 'one' });
// @ts-expect-error the struct has no field "x"
expectType<number>(qr.x);

// ---- errors, stats, constants --------------------------------------------------------------

try {
  libc.atoi('1');
} catch (e) {
  const err = e as ffi.ReffiError;
  expectType<ffi.ErrorCode>(err.code);
  if (err.code === 'ERR_REFFI_ARG_TYPE' || err.code === 'ERR_REFFI_LIBRARY_CLOSED') console.log(err.message);
  // @ts-expect-error not one of reffi's codes
  if (err.code === 'ERR_REFFI_NOPE') console.log('never');
}
const st = ffi.stats();
expectType<number>(st.fast + st.generic + st.callbacks + st.functions + st.libraries);
expectType<number>(ffi.errno());
expectType<string>(ffi.LIB_EXT);
expectType<number>(ffi.POINTER_SIZE);
expectType<ref.Types>(ffi.types);

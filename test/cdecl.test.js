'use strict';
// C declarations as strings (lib/cdecl.js over src/cdecl.rs): prototypes
// through lib.func() and Library specs, variadic (type, value) pairs,
// ffi.cdef() header blocks with structs, unions, enums, typedefs and
// callbacks run against real C (test/native/cdecl.c), and the errors for
// what the parser does not accept.
const { describe, it } = require('node:test');
const assert = require('node:assert');
const ffi = require('../lib/ffi');
const ref = require('../lib/ref');
const { libPath } = require('./native/build.js');

const CDECL = libPath('cdecl');

/** Runs fn and returns which call paths it used: {fast, generic}. */
function paths(fn) {
  const a = ffi.stats();
  fn();
  const b = ffi.stats();
  return { fast: b.fast - a.fast, generic: b.generic - a.generic };
}

/** assert.throws checking the error code (and optionally line/column and message). */
function throwsCode(fn, code, extra) {
  assert.throws(fn, (e) => {
    assert.strictEqual(e.code, code, 'code of: ' + e.message);
    if (extra && extra.line !== undefined) assert.strictEqual(e.line, extra.line, 'line of: ' + e.message);
    if (extra && extra.column !== undefined) assert.strictEqual(e.column, extra.column, 'column of: ' + e.message);
    if (extra && extra.message) assert.match(e.message, extra.message);
    return true;
  });
}

describe('prototypes from libc', () => {
  const libc = ffi.Library(null, {});

  it('binds atoi and strlen with lib.func()', () => {
    const atoi = libc.func('int atoi(const char *s)');
    assert.strictEqual(atoi('42'), 42);
    assert.strictEqual(atoi('-17xyz'), -17);
    assert.strictEqual(atoi.name, 'atoi');
    const strlen = libc.func('size_t strlen(const char *)');
    assert.strictEqual(strlen('hello'), 5);
    assert.strictEqual(strlen(Buffer.from('abc\0def')), 3);
  });

  it('calls snprintf with (type, value) pairs for the variadic part', () => {
    const snprintf = libc.func('int snprintf(char *buf, size_t size, const char *fmt, ...)');
    const buf = Buffer.alloc(64);
    const n = snprintf(buf, 64, '%d-%s-%.2f-%lld-%c', 'int', 7, 'const char *', 'xy', 'double', 1.5,
      'long long', 2n ** 40n, 'char', 65);
    const s = buf.toString('utf8', 0, buf.indexOf(0));
    assert.strictEqual(s, '7-xy-1.50-1099511627776-A');
    assert.strictEqual(n, s.length);
    // float is promoted to double, as C does for variadic arguments.
    snprintf(buf, 64, '%.3f', 'float', 0.25);
    assert.strictEqual(buf.toString('utf8', 0, buf.indexOf(0)), '0.250');
    // ref type objects work as pair types too.
    snprintf(buf, 64, '%u', ref.types.uint32, 4000000000);
    assert.strictEqual(buf.toString('utf8', 0, buf.indexOf(0)), '4000000000');
    // no variadic arguments at all
    snprintf(buf, 64, 'plain');
    assert.strictEqual(buf.toString('utf8', 0, buf.indexOf(0)), 'plain');
  });

  it('rejects bad variadic calls with stable codes', () => {
    const snprintf = libc.func('int snprintf(char *, size_t, const char *, ...)');
    const buf = Buffer.alloc(16);
    throwsCode(() => snprintf(buf, 16, '%d', 'int'), 'ERR_REFFI_ARG_COUNT');
    throwsCode(() => snprintf(buf, 16), 'ERR_REFFI_ARG_COUNT');
    throwsCode(() => snprintf(buf, 16, '%d', 42, 1), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => snprintf(buf, 16, '%d', 'no_such_type_t', 1), 'ERR_REFFI_UNKNOWN_TYPE');
    throwsCode(() => snprintf(buf, 16, '%d', 'void', 1), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => snprintf(buf, 16, '%d', 'int', 'x'), 'ERR_REFFI_ARG_TYPE');
  });

  it('binds prototype strings in Library specs (the key names the symbol)', () => {
    const m = ffi.Library('libm', {
      cos: 'double cos(double)',
      floor: 'double floor(double x);',
      // the key wins over the prototype's own name
      ceil: 'double rounding(double)',
      pow: ['double', ['double', 'double']],
    });
    assert.strictEqual(m.cos(0), 1);
    assert.strictEqual(m.floor(2.7), 2);
    assert.strictEqual(m.ceil(2.2), 3);
    assert.strictEqual(m.pow(2, 10), 1024);
    assert.strictEqual(typeof m.func, 'function');
    assert.ok(!Object.keys(m).includes('func'), 'func is not enumerable');
    throwsCode(() => ffi.Library('libm', { cos: 'double cos(double' }), 'ERR_REFFI_CDECL_SYNTAX');
    throwsCode(() => ffi.Library('libm', { no_such_symbol_xyz: 'int f(void)' }), 'ERR_REFFI_SYMBOL_NOT_FOUND');
  });

  it('does not add func when the spec binds a function named func', () => {
    const lib = ffi.Library(CDECL, { func: 'int func(int x)' });
    assert.strictEqual(lib.func(41), 42);
  });

  it('offers func(name, result, args) with C type names', () => {
    const strtoull = libc.func('strtoull', 'unsigned long long', ['const char *', 'char **', 'int']);
    assert.strictEqual(strtoull('ff', null, 16), 255);
    const abs = libc.func('abs', ref.types.int, [ref.types.int]);
    assert.strictEqual(abs(-5), 5);
  });
});

describe('a prototype gives the same signature as a type array', () => {
  const lib = ffi.Library(CDECL, {
    cd_add3: ['int32', ['int32', 'int32', 'int32']],
    cd_mix: ['uint64', ['uint64', 'int8', 'uint16', 'double']],
    cd_point_dot: ['int64', ['pointer', 'pointer']],
  });

  it('same types', () => {
    const { functions: f } = ffi.cdef(`
      int32_t sig_a(unsigned long long a, _Bool b, bool c, const char *s, char *t, void *p, char **argv,
                    size_t n, int8_t i8, unsigned char uc, long l, unsigned short us, float fl, double d,
                    signed char sc, uint64_t u64, int *ip, const void *cvp);
      void sig_b(void);
      int sig_c();
    `);
    const a = f.sig_a;
    assert.strictEqual(a.result, ref.types.int32);
    assert.deepStrictEqual(a.parameters.map((p) => p.name),
      ['a', 'b', 'c', 's', 't', 'p', 'argv', 'n', 'i8', 'uc', 'l', 'us', 'fl', 'd', 'sc', 'u64', 'ip', 'cvp']);
    const want = [
      ref.types.ulonglong, ref.types.bool, ref.types.bool, ref.coerceType('string'), ref.coerceType('string'),
      ref.coerceType('pointer'), ref.refType('string'), ref.types.size_t, ref.types.int8, ref.types.uchar,
      ref.types.long, ref.types.ushort, ref.types.float, ref.types.double, ref.types.int8, ref.types.uint64,
      ref.refType(ref.types.int), ref.coerceType('pointer'),
    ];
    a.arguments.forEach((t, i) => assert.strictEqual(t, want[i], 'argument ' + i));
    assert.strictEqual(f.sig_b.result, ref.types.void);
    assert.deepStrictEqual(f.sig_b.arguments, []);
    assert.deepStrictEqual(f.sig_c.arguments, []);
    assert.strictEqual(a.variadic, false);
  });

  it('same results and the same call path', () => {
    const add3 = lib.func('int32_t cd_add3(int32_t a, int32_t b, int32_t c)');
    const p1 = paths(() => assert.strictEqual(add3(1, -2, 40), 39));
    const p2 = paths(() => assert.strictEqual(lib.cd_add3(1, -2, 40), 39));
    assert.deepStrictEqual(p1, p2);
    assert.deepStrictEqual(p1, { fast: 1, generic: 0 });

    const mix = lib.func('uint64_t cd_mix(uint64_t a, int8_t b, uint16_t c, double d)');
    const args = ['9007199254740993', -1, 65535, 2.9];
    assert.strictEqual(mix(...args), lib.cd_mix(...args));
    assert.deepStrictEqual(paths(() => mix(...args)), paths(() => lib.cd_mix(...args)));
    throwsCode(() => mix(1, 200, 0, 0), 'ERR_REFFI_ARG_RANGE');
    throwsCode(() => add3(1, 2), 'ERR_REFFI_ARG_COUNT');
  });

  it('strings in and out, char ** and NULL', () => {
    const first = lib.func('char *cd_first_word(char *s)');
    assert.strictEqual(first(Buffer.from('hello world\0')), 'hello');
    const maybe = lib.func('const char *cd_maybe_null(int which)');
    assert.strictEqual(maybe(1), 'yes');
    assert.strictEqual(maybe(0), null);
    const count = lib.func('size_t cd_count_args(const char **argv)');
    const strs = ['a', 'bb', 'ccc'].map((s) => ref.allocCString(s));
    const argv = Buffer.alloc(8 * 4);
    strs.forEach((s, i) => ref.writePointer(argv, i * 8, s));
    ref.writePointer(argv, 24, null);
    assert.strictEqual(count(argv), 3);
    const even = lib.func('bool cd_is_even(unsigned long long v)');
    assert.strictEqual(even(10), true);
    assert.strictEqual(even('18446744073709551615'), false);
  });
});

describe('ffi.cdef with a header block', () => {
  const HEADER = `
    /* A header as it looks after preprocessing. */
    typedef struct point { int32_t x; int32_t y; } point_t;
    typedef union number { int32_t i; float f; uint8_t bytes[4]; } number_t;
    enum shape_kind { SHAPE_NONE = 0, SHAPE_RECT = 1 << 3, SHAPE_CIRCLE = SHAPE_RECT + 1, SHAPE_LAST = -1 };
    typedef enum shape_kind shape_kind_t;
    struct rect {
      point_t min, max;
      shape_kind_t kind;
      char label[8];
    };
    struct node;                       // forward declaration
    int cd_list_sum(const struct node *head);
    struct node { int value; struct node *next; };
    typedef int (*point_visitor)(const point_t *p, void *user);

    extern point_t cd_point_make(int32_t x, int32_t y);
    int64_t cd_point_dot(point_t a, point_t b);
    void cd_point_scale(point_t *p, int32_t k);
    int32_t cd_rect_area(const struct rect *r);
    struct rect cd_rect_make(point_t a, point_t b, enum shape_kind kind);
    enum shape_kind cd_shape_next(enum shape_kind k);
    const char *cd_kind_name(shape_kind_t k);
    uint32_t cd_number_bits(number_t n);
    float cd_number_float(number_t n);
    uint8_t cd_number_byte(const number_t *n, int i);
    int cd_visit(const point_t *pts, size_t n, point_visitor visit, void *user);
    int cd_apply(int (*op)(int, int), int a, int b);
    double cd_sum_doubles(int n, ...);
    long long cd_sum_mixed(const char *fmt, ...);
    int tripled(int x) __asm__("cd_real_name");
  `;
  const { types, constants, functions: C } = ffi.cdef(HEADER, ffi.Library(CDECL));

  it('registers the types and evaluates the enum constants', () => {
    assert.deepStrictEqual(constants, { SHAPE_NONE: 0, SHAPE_RECT: 8, SHAPE_CIRCLE: 9, SHAPE_LAST: -1 });
    assert.strictEqual(types['struct point'], types.point_t);
    assert.strictEqual(types['union number'], types.number_t);
    assert.strictEqual(types['enum shape_kind'], types.shape_kind_t);
    assert.strictEqual(types['struct point'].size, 8);
    assert.strictEqual(types['union number'].size, 4);
    assert.strictEqual(types['struct rect'].size, 8 + 8 + 4 + 8);
    assert.strictEqual(types['struct node'].size, 16);
    assert.strictEqual(types['enum shape_kind'].size, 4);
    assert.strictEqual(typeof types.point_visitor, 'object');
    // the enum has a negative value: signed, as GCC lays it out
    assert.strictEqual(ref.get(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, types['enum shape_kind']), -1);
  });

  it('passes and returns structs by value and by pointer', () => {
    const Point = types.point_t;
    const p = C.cd_point_make(3, -4);
    assert.strictEqual(p.x, 3);
    assert.strictEqual(p.y, -4);
    assert.strictEqual(C.cd_point_dot(p, new Point({ x: 10, y: 1 })), 26);
    assert.strictEqual(C.cd_point_dot({ x: 2, y: 3 }, { x: 4, y: 5 }), 23);
    const q = new Point({ x: 5, y: 6 });
    C.cd_point_scale(q.ref(), 3);
    assert.deepStrictEqual([q.x, q.y], [15, 18]);
    // the same signature as a type array with the struct type, on the same path
    const dot = ffi.ForeignFunction(ffi.DynamicLibrary(CDECL).get('cd_point_dot'), 'int64', [Point, Point]);
    const a = { x: 6, y: 7 }, b = { x: 2, y: -1 };
    assert.strictEqual(C.cd_point_dot(a, b), dot(a, b));
    assert.deepStrictEqual(paths(() => C.cd_point_dot(a, b)), paths(() => dot(a, b)));
    assert.deepStrictEqual(paths(() => C.cd_point_dot(a, b)), { fast: 0, generic: 1 });
  });

  it('binds to the process, a DynamicLibrary or a path', () => {
    assert.strictEqual(ffi.cdef('int abs(int);', null).functions.abs(-3), 3);
    const viaDl = ffi.cdef('int cd_add3(int, int, int);', ffi.DynamicLibrary(CDECL));
    assert.strictEqual(viaDl.functions.cd_add3(1, 2, 3), 6);
    const viaPath = ffi.cdef('int cd_add3(int, int, int);', CDECL);
    assert.strictEqual(viaPath.functions.cd_add3(4, 5, 6), 15);
    throwsCode(() => ffi.cdef('int not_exported_anywhere_xyz(void);', CDECL), 'ERR_REFFI_SYMBOL_NOT_FOUND');
  });

  it('nested structs, char arrays and enums', () => {
    const r = C.cd_rect_make({ x: 1, y: 2 }, { x: 4, y: 7 }, constants.SHAPE_RECT);
    assert.strictEqual(r.kind, 8);
    assert.strictEqual(r.max.y, 7);
    assert.strictEqual(Buffer.from(r.label.buffer).toString('utf8', 0, 4), 'rect');
    assert.strictEqual(C.cd_rect_area(r.ref()), 15);
    assert.strictEqual(C.cd_shape_next(constants.SHAPE_RECT), constants.SHAPE_CIRCLE);
    assert.strictEqual(C.cd_shape_next(constants.SHAPE_NONE), -1);
    assert.strictEqual(C.cd_kind_name(constants.SHAPE_CIRCLE), 'circle');
  });

  it('unions by value and by pointer', () => {
    const N = types.number_t;
    const n = new N();
    n.f = 1.0;
    assert.strictEqual(C.cd_number_bits(n), 0x3f800000);
    const m = new N();
    m.i = 0x40490fdb;
    assert.ok(Math.abs(C.cd_number_float(m) - Math.PI) < 1e-6);
    assert.strictEqual(C.cd_number_byte(m.ref(), 0), 0xdb);
    assert.strictEqual(C.cd_number_byte(m.ref(), 3), 0x40);
  });

  it('a self-referential struct declared after a prototype that points to it', () => {
    const Node = types['struct node'];
    const c = new Node({ value: 30, next: null });
    const b = new Node({ value: 20, next: c.ref() });
    const a = new Node({ value: 10, next: b.ref() });
    assert.strictEqual(C.cd_list_sum(a.ref()), 60);
    assert.strictEqual(C.cd_list_sum(null), 0);
    assert.strictEqual(a.next.deref().next.deref().value, 30);
  });

  it('function-pointer parameters take JS callbacks', () => {
    const Point = types.point_t;
    const pts = Buffer.alloc(Point.size * 3);
    [[1, 2], [3, 4], [5, 6]].forEach(([x, y], i) => Point.set(pts, i * Point.size, { x, y }));
    const seen = [];
    const total = C.cd_visit(pts, 3, (p, user) => {
      const pt = p.deref();
      seen.push([pt.x, pt.y]);
      assert.strictEqual(ref.address(user), 0);
      return pt.x * pt.y;
    }, null);
    assert.strictEqual(total, 2 + 12 + 30);
    assert.deepStrictEqual(seen, [[1, 2], [3, 4], [5, 6]]);
    assert.strictEqual(C.cd_apply((a, b) => a * 10 + b, 4, 2), 42);
    // an ffi.Callback made from the registered function type works too
    const cb = types.point_visitor.toPointer((p) => p.deref().x);
    assert.strictEqual(C.cd_visit(pts, 3, cb, null), 9);
  });

  it('variadic functions from the header', () => {
    assert.strictEqual(C.cd_sum_doubles(3, 'double', 1.5, 'double', 2.25, 'float', 0.25), 4);
    const args = ['ilsdc', 'int', 5, 'long long', 2n ** 33n, 'const char *', 'four', 'double', 7.9, 'char', 1];
    assert.strictEqual(C.cd_sum_mixed(...args), 5 + 2 ** 33 + 4 + 7 + 1);
    assert.strictEqual(C.cd_sum_mixed(''), 0);
  });

  it('asm labels name the symbol', () => {
    assert.strictEqual(C.tripled(14), 42);
  });

  it('later prototypes and cdef calls use the registered types', () => {
    const lib = ffi.Library(CDECL);
    const make = lib.func('point_t cd_point_make(int32_t, int32_t)');
    assert.strictEqual(make(7, 8).y, 8);
    const area = lib.func('int32_t cd_rect_area(const struct rect *)');
    const Rect = types['struct rect'];
    assert.strictEqual(area(new Rect({ min: { x: 0, y: 0 }, max: { x: 2, y: 3 }, kind: 0 }).ref()), 6);
    assert.deepStrictEqual(ffi.cdef(''), { types: {}, constants: {}, functions: {} });
    const more = ffi.cdef('enum more { MORE_A = SHAPE_CIRCLE * 2, MORE_B }; int sz(point_t p, enum more m);');
    assert.deepStrictEqual(more.constants, { MORE_A: 18, MORE_B: 19 });
    assert.strictEqual(more.functions.sz.arguments[0], types.point_t);
    // re-declaring identical types is fine (a header included twice)
    const again = ffi.cdef(HEADER);
    assert.strictEqual(again.types.point_t, types.point_t);
    assert.strictEqual(again.types['struct rect'], types['struct rect']);
    assert.strictEqual(again.functions.cd_point_make.result, types.point_t);
  });

  it('cdef without a library returns the prototype info', () => {
    const { functions } = ffi.cdef('int cd_visit(const point_t *pts, size_t n, point_visitor visit, void *user);');
    const info = functions.cd_visit;
    assert.strictEqual(info.name, 'cd_visit');
    assert.strictEqual(info.symbol, 'cd_visit');
    assert.strictEqual(info.result, ref.types.int);
    assert.strictEqual(info.arguments[0], ref.refType(types.point_t));
    assert.strictEqual(info.arguments[2], types.point_visitor);
    const fn = ffi.ForeignFunction(ffi.DynamicLibrary(CDECL).get('cd_apply'), 'int', [
      ffi.cdef('typedef int (*binop_t)(int, int);').types.binop_t, 'int', 'int']);
    assert.strictEqual(fn((a, b) => a - b, 10, 3), 7);
  });
});

describe('real headers', () => {
  it('skipUnsupported lists what it skipped and binds the rest', () => {
    const src = 'static inline int twice(int x) { return 2 * x; }\n' +
      'long double strtold(const char *, char **);\n' +
      'int abs(int);\n' +
      'int not_in_libc_xyz(int);\n' +
      'struct has_bits { int a : 1; };\n';
    const r = ffi.cdef(src, null, { skipUnsupported: true });
    assert.deepStrictEqual(Object.keys(r.functions), ['abs']);
    assert.strictEqual(r.functions.abs(-9), 9);
    assert.deepStrictEqual(r.skipped.map((s) => [s.code, s.line]), [
      ['ERR_REFFI_CDECL_UNSUPPORTED', 1], ['ERR_REFFI_CDECL_UNSUPPORTED', 2], ['ERR_REFFI_CDECL_UNSUPPORTED', 5],
      ['ERR_REFFI_SYMBOL_NOT_FOUND', undefined],
    ]);
    // syntax errors still fail the block
    throwsCode(() => ffi.cdef('int f(;', null, { skipUnsupported: true }), 'ERR_REFFI_CDECL_SYNTAX');
    throwsCode(() => ffi.cdef('int f(void);', undefined, 'yes'), 'ERR_REFFI_ARG_TYPE');
  });

  it('a preprocessed system header (<string.h>, <stdlib.h>)', () => {
    const { execFileSync } = require('node:child_process');
    const src = execFileSync(process.env.CC || 'cc', ['-E', '-P', '-'],
      { input: '#include <string.h>\n#include <stdlib.h>\n', encoding: 'utf8' });
    const r = ffi.cdef(src, null, { skipUnsupported: true });
    assert.strictEqual(r.functions.strlen('hello'), 5);
    assert.strictEqual(r.functions.strtol('-ff', null, 16), -255);
    assert.strictEqual(r.functions.strtoull('18446744073709551615', null, 10), '18446744073709551615');
    const buf = Buffer.alloc(8);
    r.functions.memset(buf, 0x41, 3);
    assert.strictEqual(buf.toString('latin1', 0, 4), 'AAA\0');
    assert.ok(r.skipped.every((s) => typeof s.message === 'string' && s.code.startsWith('ERR_REFFI_')));
  });
});

describe('errors', () => {
  const libc = ffi.Library(null, {});

  it('syntax errors report line and column', () => {
    throwsCode(() => ffi.cdef('struct ok { int a; };\nint f(int a,\n      int b;\n'), 'ERR_REFFI_CDECL_SYNTAX',
      { line: 3, column: 12, message: /line 3, column 12/ });
    throwsCode(() => libc.func('int atoi(const char *s'), 'ERR_REFFI_CDECL_SYNTAX',
      { line: 1, column: 23, message: /end of input/ });
    throwsCode(() => ffi.cdef('int f(void) /* unterminated'), 'ERR_REFFI_CDECL_SYNTAX', { line: 1, column: 13 });
    throwsCode(() => ffi.cdef('int x = ;'), 'ERR_REFFI_CDECL_SYNTAX');
  });

  it('unknown type names', () => {
    throwsCode(() => libc.func('int f(int a,\n  foo_t b)'), 'ERR_REFFI_UNKNOWN_TYPE',
      { line: 2, column: 3, message: /'foo_t'/ });
    throwsCode(() => libc.func('bar_t g(void)'), 'ERR_REFFI_UNKNOWN_TYPE', { line: 1, column: 1 });
    throwsCode(() => ffi.cdef('struct s1 { baz_t a; };'), 'ERR_REFFI_UNKNOWN_TYPE', { line: 1, column: 13 });
    // by value needs a definition; by pointer an incomplete struct is void *
    throwsCode(() => ffi.cdef('struct opaque_x; void use(struct opaque_x v);'), 'ERR_REFFI_UNKNOWN_TYPE');
    const { functions } = ffi.cdef('struct opaque_y; void use_y(struct opaque_y *v); FILE *fopen(const char *, const char *);');
    assert.strictEqual(functions.use_y.arguments[0], ref.coerceType('pointer'));
    assert.strictEqual(functions.fopen.result, ref.coerceType('pointer'));
    throwsCode(() => ffi.cdef('void takes_file(FILE f);'), 'ERR_REFFI_UNKNOWN_TYPE');
  });

  it('valid C that reffi does not map', () => {
    const cases = [
      ['struct bf { int a : 3; int b : 5; };', 1, 21, /bit-fields/],
      ['int kr(a, b);', 1, 8, /K&R/],
      ['static inline int twice(int x) { return 2 * x; }', 1, 1, /function definitions/],
      ['#define N 4\nint f(void);', 1, 1, /preprocessor/],
      ['long double ld(void);', 1, 1, /long double/],
      ['struct flex { int n; int d[]; };', 1, 26, /flexible array/],
      ['struct pk { char c; int i; } __attribute__((packed));', null, null, /packed/],
      ['int vf(int n, __builtin_va_list ap);', null, null, /va_list/],
      ['_Complex double cx(void);', null, null, /_Complex/],
      ['enum sz { SZ = sizeof(int) };', null, null, /sizeof/],
      ['struct anon { union { int a; float b; }; };', null, null, /anonymous members/],
      ['struct zero { int n; int d[0]; };', null, null, /zero-length/],
    ];
    for (const [src, line, column, message] of cases) {
      throwsCode(() => ffi.cdef(src), 'ERR_REFFI_CDECL_UNSUPPORTED',
        line === null ? { message } : { line, column, message });
    }
  });

  it('constant expressions and redefinitions', () => {
    throwsCode(() => ffi.cdef('enum bad1 { B1 = NOPE + 1 };'), 'ERR_REFFI_CDECL_CONSTANT', { line: 1, column: 18 });
    throwsCode(() => ffi.cdef('enum bad2 { B2 = 1 / 0 };'), 'ERR_REFFI_CDECL_CONSTANT');
    throwsCode(() => ffi.cdef('struct arr { int v[-1]; };'), 'ERR_REFFI_CDECL_CONSTANT');
    ffi.cdef('struct redef { int a; }; typedef int redef_t; enum redef_e { REDEF_A = 1 };');
    throwsCode(() => ffi.cdef('struct redef { long a; };'), 'ERR_REFFI_CDECL_REDEFINITION');
    throwsCode(() => ffi.cdef('typedef double redef_t;'), 'ERR_REFFI_CDECL_REDEFINITION');
    throwsCode(() => ffi.cdef('enum other_e { REDEF_A = 2 };'), 'ERR_REFFI_CDECL_REDEFINITION');
    throwsCode(() => ffi.cdef('typedef long long size_t;'), 'ERR_REFFI_CDECL_REDEFINITION');
    ffi.cdef('typedef unsigned long size_t; typedef int redef_t;'); // identical: fine
    // a failed block registers nothing
    throwsCode(() => ffi.cdef('typedef int atomic_ok_t; struct atomic_s { nope_t x; };'), 'ERR_REFFI_UNKNOWN_TYPE');
    throwsCode(() => libc.func('atomic_ok_t f(void)'), 'ERR_REFFI_UNKNOWN_TYPE');
  });

  it('bad arguments', () => {
    throwsCode(() => libc.func(42), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => ffi.cdef(null), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => libc.func('int x;'), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => libc.func('int a(void); int b(void);'), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => ffi.cdef('int f(void);', 42), 'ERR_REFFI_ARG_TYPE');
    throwsCode(() => libc.func('abs', 'int', 'int'), 'ERR_REFFI_ARG_TYPE');
  });
});

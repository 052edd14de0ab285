/* Test library for callbacks, errno and variadic functions
 * (test/callback.test.js, test/errno.test.js, test/variadic.test.js). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*int_cb)(int);
typedef int (*cmp_cb)(int, int);

/* Calls cb(0) .. cb(n-1) and returns the sum of the results. */
int call_n_sum(int_cb cb, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += cb(i);
  return s;
}

int call_int(int_cb cb, int x) { return cb(x); }

/* Calls cb(x), then cb(y): returns cb(x) * 1000 + cb(y). */
int call_twice(int_cb cb, int x, int y) {
  int a = cb(x);
  int b = cb(y);
  return a * 1000 + b;
}

/* Two callbacks with different signatures in one call. */
double apply_two(int_cb f, double (*g)(double), int x, double y) {
  return f(x) + g(y);
}

/* Records what C received from the callback (to check it after a throw). */
static int last_result_v = -999;
int call_int_record(int_cb cb, int x) {
  last_result_v = cb(x);
  return last_result_v;
}
int last_result(void) { return last_result_v; }

/* The callback receives a C function pointer and calls it. */
int call_with_fn(int (*cb)(cmp_cb, int, int), int which, int a, int b);

/* --- stored callbacks ------------------------------------------------ */
static int_cb stored;
void store_cb(int_cb cb) { stored = cb; }
int has_stored(void) { return stored != NULL; }
int call_stored(int x) {
  last_result_v = stored ? stored(x) : -12345;
  return last_result_v;
}
void clear_stored(void) { stored = NULL; }

/* --- function pointers returned by C --------------------------------- */
static int c_add(int a, int b) { return a + b; }
static int c_mul(int a, int b) { return a * b; }
cmp_cb get_op(int which) { return which == 0 ? c_add : which == 1 ? c_mul : NULL; }
int call_with_fn(int (*cb)(cmp_cb, int, int), int which, int a, int b) {
  return cb(which == 0 ? c_add : c_mul, a, b);
}
/* The callback returns a function pointer, which C then calls. */
int call_returned_fn(cmp_cb (*cb)(int), int which, int a, int b) {
  cmp_cb f = cb(which);
  return f ? f(a, b) : -1;
}
/* Returns the callback it was given (a JS callback round trip). */
int_cb identity_cb(int_cb cb) { return cb; }

/* --- scalar types through callbacks --------------------------------- */
double call_double_cb(double (*cb)(double, float), double a, float b) { return cb(a, b) * 2.0; }
float call_float_cb(float (*cb)(float), float x) { return cb(x) + 0.5f; }
int64_t call_i64_cb(int64_t (*cb)(int64_t), int64_t x) { return cb(x) + 1; }
uint64_t call_u64_cb(uint64_t (*cb)(uint64_t), uint64_t x) { return cb(x); }
int call_i8_cb(int8_t (*cb)(int8_t, uint8_t, int16_t, uint16_t), int8_t a, uint8_t b, int16_t c, uint16_t d) {
  return cb(a, b, c, d);
}
int call_bool_cb(int (*cb)(_Bool), int v) { return cb(v != 0); }

/* Many arguments of mixed kinds (more than fit in registers). */
double call_many_cb(double (*cb)(int, double, int, double, int, double, int, double, int, double,
                                 int, double, int, double, int, double, int, double),
                    int k) {
  return cb(k, 0.5, k + 1, 1.5, k + 2, 2.5, k + 3, 3.5, k + 4, 4.5, k + 5, 5.5, k + 6, 6.5, k + 7, 7.5, k + 8, 8.5);
}

/* Exactly the argument registers: 6 integer-class (mixed widths, a
 * pointer) and 8 SSE-class (floats and doubles); and one integer more,
 * which goes on the stack. */
double call_full_regs_cb(double (*cb)(int8_t, double, uint16_t, float, int64_t, double, const void *, float,
                                      uint32_t, double, int, float, double, double),
                         int k) {
  return cb((int8_t)-k, 0.25, (uint16_t)(60000 + k), 1.5f, (int64_t)k * 10000000000LL, 2.25, (const void *)&k,
            3.5f, 4000000000u, 4.25, k + 7, 5.5f, 6.25, 7.25);
}
long long call_seven_ints_cb(long long (*cb)(int, int, int, int, int, int, int), int k) {
  return cb(k, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6) + 1;
}

/* Calls cb(0..n-1) through a type that reads the whole result register:
 * JavaScript declares the callback with a small integer or bool result,
 * which reffi returns extended to 64 bits, as libffi's closures do. */
long long call_raw_ret(long long (*cb)(int), int n) {
  long long s = 0;
  for (int i = 0; i < n; i++) s += cb(i);
  return s;
}

/* --- strings --------------------------------------------------------- */
/* Passes s to cb and returns strlen of what cb returned (or -1 for NULL). */
int call_str_cb(const char *(*cb)(const char *), const char *s) {
  const char *r = cb(s);
  return r ? (int)strlen(r) : -1;
}
static char str_out[256];
/* Returns a copy of the string the callback returned. */
const char *call_str_cb_copy(const char *(*cb)(const char *, int), const char *s, int n) {
  const char *r = cb(s, n);
  if (!r) return NULL;
  snprintf(str_out, sizeof str_out, "%s", r);
  return str_out;
}
int call_null_str_cb(int (*cb)(const char *)) { return cb(NULL); }

/* --- pointers --------------------------------------------------------- */
/* The callback gets a pointer to an int array and returns a pointer into it. */
int call_ptr_cb(int *(*cb)(int *, int)) {
  static int arr[4] = {10, 20, 30, 40};
  int *p = cb(arr, 4);
  return p ? *p : -1;
}
/* Callback writes through an out-pointer. */
int call_out_cb(void (*cb)(int *)) {
  int v = 7;
  cb(&v);
  return v;
}

/* --- structs ---------------------------------------------------------- */
typedef struct { int32_t x; int32_t y; } Point;
typedef struct { double a; double b; double c; } Triple; /* passed in memory */
int call_point_cb(int (*cb)(Point), int x, int y) {
  Point p = {x, y};
  return cb(p);
}
int call_point_ptr_cb(int (*cb)(Point *), int x, int y) {
  Point p = {x, y};
  int r = cb(&p);
  return r + p.x * 100 + p.y; /* callback may modify p */
}
int call_point_ret_cb(Point (*cb)(int, int), int x, int y) {
  Point p = cb(x, y);
  return p.x * 1000 + p.y;
}
double call_triple_cb(Triple (*cb)(Triple), double a, double b, double c) {
  Triple t = {a, b, c};
  Triple r = cb(t);
  return r.a * 100 + r.b * 10 + r.c;
}

/* --- errno ------------------------------------------------------------ */
int set_errno_to(int v) {
  errno = v;
  return -1;
}
int clear_errno_ret(int r) {
  errno = 0;
  return r;
}

/* --- variadic --------------------------------------------------------- */
int sum_ints(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, int);
  va_end(ap);
  return s;
}
double sum_doubles(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s;
}
/* Mixed: format letters i (int), l (int64), d (double), s (string). */
double sum_mixed(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  double s = 0;
  for (const char *f = fmt; *f; f++) {
    switch (*f) {
      case 'i': s += va_arg(ap, int); break;
      case 'l': s += (double)va_arg(ap, int64_t); break;
      case 'd': s += va_arg(ap, double); break;
      case 's': s += (double)strlen(va_arg(ap, const char *)); break;
    }
  }
  va_end(ap);
  return s;
}

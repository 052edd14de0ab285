/* Test library for the foundation: scalars at their limits, strings,
 * pointers, out-parameters, opaque handles, many-argument functions (both
 * call paths) and a variadic function. Built by test/native/build.js into
 * test/native/build/libbasic.so. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- integers: identity, limits, arithmetic ---------------------------- */

int8_t id_i8(int8_t v) { return v; }
uint8_t id_u8(uint8_t v) { return v; }
int16_t id_i16(int16_t v) { return v; }
uint16_t id_u16(uint16_t v) { return v; }
int32_t id_i32(int32_t v) { return v; }
uint32_t id_u32(uint32_t v) { return v; }
int64_t id_i64(int64_t v) { return v; }
uint64_t id_u64(uint64_t v) { return v; }
long id_long(long v) { return v; }
unsigned long id_ulong(unsigned long v) { return v; }
size_t id_size_t(size_t v) { return v; }

int8_t min_i8(void) { return INT8_MIN; }
int8_t max_i8(void) { return INT8_MAX; }
uint8_t max_u8(void) { return UINT8_MAX; }
int16_t min_i16(void) { return INT16_MIN; }
int16_t max_i16(void) { return INT16_MAX; }
uint16_t max_u16(void) { return UINT16_MAX; }
int32_t min_i32(void) { return INT32_MIN; }
int32_t max_i32(void) { return INT32_MAX; }
uint32_t max_u32(void) { return UINT32_MAX; }
int64_t min_i64(void) { return INT64_MIN; }
int64_t max_i64(void) { return INT64_MAX; }
uint64_t max_u64(void) { return UINT64_MAX; }
int64_t pow2_53_plus_1(void) { return ((int64_t)1 << 53) + 1; }
int64_t neg_pow2_53_minus_1(void) { return -(((int64_t)1 << 53) + 1); }

/* 1 when the argument is exactly the limit, so JS -> C is checked in C. */
int is_min_i8(int8_t v) { return v == INT8_MIN; }
int is_max_u8(uint8_t v) { return v == UINT8_MAX; }
int is_min_i16(int16_t v) { return v == INT16_MIN; }
int is_max_u16(uint16_t v) { return v == UINT16_MAX; }
int is_min_i32(int32_t v) { return v == INT32_MIN; }
int is_max_u32(uint32_t v) { return v == UINT32_MAX; }
int is_min_i64(int64_t v) { return v == INT64_MIN; }
int is_max_i64(int64_t v) { return v == INT64_MAX; }
int is_max_u64(uint64_t v) { return v == UINT64_MAX; }
int is_pow2_53_plus_1(int64_t v) { return v == ((int64_t)1 << 53) + 1; }

int32_t add_i32(int32_t a, int32_t b) { return a + b; }
int32_t neg_i32(int32_t v) { return -v; }
uint32_t sub_u32(uint32_t a, uint32_t b) { return a - b; } /* wraps */
int8_t add_i8(int8_t a, int8_t b) { return (int8_t)(a + b); } /* wraps */
uint8_t add_u8(uint8_t a, uint8_t b) { return (uint8_t)(a + b); } /* wraps */
int64_t add_i64(int64_t a, int64_t b) { return a + b; }
uint64_t mul_u64(uint64_t a, uint64_t b) { return a * b; }
int64_t half_i64(int64_t v) { return v / 2; }

/* Sign extension of narrow returns: -1 as int8 must arrive as -1. */
int8_t minus_one_i8(void) { return -1; }
int16_t minus_one_i16(void) { return -1; }
uint8_t u8_from_int(int v) { return (uint8_t)v; }

/* ---- floating point ------------------------------------------------------ */

float id_float(float v) { return v; }
double id_double(double v) { return v; }
float add_float(float a, float b) { return a + b; }
double mul_double(double a, double b) { return a * b; }
double nan_double(void) { return NAN; }
double inf_double(void) { return INFINITY; }
double neg_inf_double(void) { return -INFINITY; }
double neg_zero_double(void) { return -0.0; }
double denorm_min_double(void) { return 4.9406564584124654e-324; }
double dbl_max(void) { return DBL_MAX; }
float flt_max(void) { return FLT_MAX; }
float flt_min_denorm(void) { return 1.40129846e-45f; }
float nan_float(void) { return NAN; }
int is_nan_double(double v) { return isnan(v) ? 1 : 0; }
int is_nan_float(float v) { return isnan(v) ? 1 : 0; }
int is_neg_zero(double v) { return v == 0.0 && signbit(v) ? 1 : 0; }
int classify_double(double v) {
  /* 1 +inf, -1 -inf, 2 subnormal, 0 other */
  if (isinf(v)) return v > 0 ? 1 : -1;
  if (fpclassify(v) == FP_SUBNORMAL) return 2;
  return 0;
}
int is_flt_max(float v) { return v == FLT_MAX; }
/* float arguments are not promoted in a prototyped call: 0.1f exactly. */
int is_point_one_float(float v) { return v == 0.1f; }

/* ---- bool and char -------------------------------------------------------- */

bool bool_not(bool v) { return !v; }
bool bool_id(bool v) { return v; }
int bool_to_int(bool v) { return v ? 1 : 0; }
char char_upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }
unsigned char uchar_id(unsigned char c) { return c; }
signed char schar_min(void) { return (signed char)-128; }

/* ---- strings -------------------------------------------------------------- */

const char *str_null(void) { return NULL; }
const char *str_static(void) { return "hello from C"; }
const char *str_empty(void) { return ""; }
const char *str_utf8(void) { return "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80"; }
size_t str_len(const char *s) { return s ? strlen(s) : (size_t)-1; }
int str_is_null(const char *s) { return s == NULL; }
uint32_t str_checksum(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a over the bytes */
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) h = (h ^ *p) * 16777619u;
  return h;
}
int str_eq(const char *a, const char *b) { return strcmp(a, b) == 0; }
/* Writes "<prefix>:<n>" into a caller buffer; returns the length. */
int str_format(char *out, size_t cap, const char *prefix, int n) {
  size_t len = strlen(prefix);
  if (len + 12 > cap) return -1;
  memcpy(out, prefix, len);
  out[len++] = ':';
  char digits[12];
  int k = 0, neg = n < 0;
  unsigned int u = neg ? 0u - (unsigned int)n : (unsigned int)n;
  do { digits[k++] = (char)('0' + u % 10); u /= 10; } while (u);
  if (neg) out[len++] = '-';
  while (k) out[len++] = digits[--k];
  out[len] = 0;
  return (int)len;
}
char *str_dup_upper(const char *s) {
  size_t n = strlen(s);
  char *r = malloc(n + 1);
  for (size_t i = 0; i <= n; i++) r[i] = char_upper(s[i]);
  return r;
}
void str_free(char *s) { free(s); }

/* ---- pointers ---------------------------------------------------------------- */

static int the_int = 1234;
static const char *names[] = { "alpha", "beta", "gamma", NULL };

void *ptr_id(void *p) { return p; }
int ptr_is_null(void *p) { return p == NULL; }
uintptr_t ptr_to_uint(void *p) { return (uintptr_t)p; }
void *ptr_null(void) { return NULL; }
char *ptr_offset(char *p, int n) { return p + n; }

/* char ** out-parameter: points *out at a static string. */
int get_name(int i, const char **out) {
  if (i < 0 || i > 2) { *out = NULL; return -1; }
  *out = names[i];
  return (int)strlen(names[i]);
}
/* char ** in: a NULL-terminated array of strings. */
int count_strings(const char **arr) {
  int n = 0;
  while (arr[n]) n++;
  return n;
}
const char **get_names(void) { return names; }
/* int ** out-parameter. */
void get_int_ptr(int **out) { *out = &the_int; }
int read_int_pp(int **pp) { return **pp; }
int read_int_p(int *p) { return *p; }
void set_int_pp(int **pp, int v) { **pp = v; }
int get_the_int(void) { return the_int; }
void set_the_int(int v) { the_int = v; }
int *the_int_ptr(void) { return &the_int; }

/* Out-parameters of several types. */
void get_values(int *a, double *b) { *a = 42; *b = 3.5; }
void get_more(int8_t *a, uint16_t *b, int64_t *c, float *d, bool *e) {
  *a = -7; *b = 65535; *c = INT64_MIN; *d = 0.5f; *e = true;
}
void swap_ints(int *a, int *b) { int t = *a; *a = *b; *b = t; }
int sum_ints(const int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
void fill_doubles(double *out, int n) { for (int i = 0; i < n; i++) out[i] = i * 1.5; }
uint64_t sum_u64(const uint64_t *a, int n) { uint64_t s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }

/* ---- opaque handle ------------------------------------------------------------ */

struct counter { int value; int live; };
static int live_counters = 0;

struct counter *counter_new(int start) {
  struct counter *c = malloc(sizeof *c);
  if (!c) return NULL;
  c->value = start;
  c->live = 1;
  live_counters++;
  return c;
}
int counter_inc(struct counter *c) { return ++c->value; }
int counter_get(const struct counter *c) { return c->value; }
void counter_free(struct counter *c) { if (c) { live_counters--; free(c); } }
int counter_live(void) { return live_counters; }

/* ---- many arguments (register limits: 6 integer, 8 SSE) ------------------- */

int answer(void) { return 42; }
double zero_args_double(void) { return 2.5; }

/* Weighted sums: each argument is multiplied by its position, so any
 * argument landing in the wrong place changes the result. */
/* 4 doubles in, double out (test/alloc.test.js: a numeric call allocates nothing) */
double dbl4(double a, double b, double c, double d) { return a * 1 + b * 2 + c * 3 + d * 4; }
double mix6(int a, double b, int c, double d, int e, double f) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6;
}
long int6(long a, long b, long c, long d, long e, long f) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6;
}
long int7(long a, long b, long c, long d, long e, long f, long g) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7;
}
double mix7(int a, double b, int c, double d, int e, double f, int g) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7;
}
double mix8(int a, double b, int c, double d, int e, double f, int g, double h) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8;
}
double dbl8(double a, double b, double c, double d, double e, double f, double g, double h) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8;
}
double dbl9(double a, double b, double c, double d, double e, double f, double g, double h, double i) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9;
}
double mix9(int a, double b, int c, double d, int e, double f, int g, double h, int i) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9;
}
/* 6 ints + 8 doubles: exactly fills the registers (fast path). */
double mix14(int a, double b, int c, double d, int e, double f, int g, double h,
             int i, double j, int k, double l, double m, double n) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 +
         i * 9 + j * 10 + k * 11 + l * 12 + m * 13 + n * 14;
}
/* 8 ints + 8 doubles: two ints go on the stack (generic path). */
double mix16(int a, double b, int c, double d, int e, double f, int g, double h,
             int i, double j, int k, double l, int m, double n, int o, double p) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 +
         i * 9 + j * 10 + k * 11 + l * 12 + m * 13 + n * 14 + o * 15 + p * 16;
}
/* Mixed widths on the stack: int8 / int64 / float beyond the registers. */
int64_t stack_mix(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                  int8_t g, int64_t h, float i, uint16_t j) {
  return a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + (int64_t)(i * 9) + j * 10;
}

/* ---- struct by value (generic path) --------------------------------------- */

struct pair { int32_t a; int32_t b; };
int32_t pair_sum(struct pair p) { return p.a + p.b; }
struct pair pair_make(int32_t a, int32_t b) { struct pair p = { a, b }; return p; }

/* ---- variadic ---------------------------------------------------------------------- */

int sum_variadic(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, int);
  va_end(ap);
  return s;
}
double sum_variadic_double(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double) * (i + 1);
  va_end(ap);
  return s;
}

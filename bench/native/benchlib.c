/* The C side of `npm run bench` and `npm run soak`: one small function per
 * workload. Every implementation (the hand-written floor addon and each FFI)
 * calls these same functions, from this same shared library. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { double x, y; } bench_point;

/* 1. int32 add(int32, int32) */
int32_t bench_add(int32_t a, int32_t b) { return a + b; }

/* 2. four doubles in, double out */
double bench_mix4(double a, double b, double c, double d) { return a * b + c - d; }

/* 3. string in, size_t out (a strlen that the compiler cannot fold) */
size_t bench_strlen(const char *s) {
  size_t n = 0;
  if (!s) return (size_t)-1;
  while (s[n]) n++;
  return n;
}

/* 4. struct by value in */
double bench_point_sum(bench_point p) { return p.x + p.y; }

/* 5. struct returned by value */
bench_point bench_point_make(double x, double y) {
  bench_point p;
  p.x = x;
  p.y = y;
  return p;
}

/* 6. int32 out-parameter: *out = v * 2, returns 0 (or -1 for NULL) */
int32_t bench_out_i32(int32_t v, int32_t *out) {
  if (!out) return -1;
  *out = v * 2;
  return 0;
}

/* 7. calls cb(i) for i in [0, n) and returns the sum of the results */
typedef int32_t (*bench_cb)(int32_t);
int32_t bench_call_n(bench_cb cb, int32_t n) {
  int32_t s = 0;
  for (int32_t i = 0; i < n; i++) s += cb(i);
  return s;
}

/* 8. (qsort comes from libc) a reference comparator for tests */
int bench_cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* 10. fill a buffer */
void bench_fill(uint8_t *p, size_t n, int32_t v) { memset(p, v, n); }

/* Returns its argument (soak: pointer round trips). */
void *bench_identity_ptr(void *p) { return p; }

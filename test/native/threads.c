/* Test library for callbacks from other threads and async calls
 * (test/threads.test.js, test/async.test.js, test/workers.test.js). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*int_cb)(int);

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* --- one thread, joined ---------------------------------------------- */
struct one { int_cb cb; int arg; int result; };
static void *one_main(void *p) {
  struct one *o = p;
  o->result = o->cb(o->arg);
  return NULL;
}
/* Creates a thread that calls cb(arg), joins it and returns the result. */
int thread_call_join(int_cb cb, int arg) {
  struct one o = {cb, arg, -1};
  pthread_t t;
  if (pthread_create(&t, NULL, one_main, &o) != 0) return -2;
  pthread_join(t, NULL);
  return o.result;
}

/* --- many threads ------------------------------------------------------ */
struct many { int_cb cb; int base; int per; int64_t sum; };
static void *many_main(void *p) {
  struct many *m = p;
  for (int i = 0; i < m->per; i++) m->sum += m->cb(m->base + i);
  return NULL;
}
/* nthreads threads each call cb(t * per + i) for i < per; returns the sum
 * of all results (or -1 if a thread could not be created). */
int64_t threads_sum(int_cb cb, int nthreads, int per) {
  if (nthreads > 64) return -1;
  pthread_t t[64];
  struct many m[64];
  for (int i = 0; i < nthreads; i++) {
    m[i].cb = cb;
    m[i].base = i * per;
    m[i].per = per;
    m[i].sum = 0;
    if (pthread_create(&t[i], NULL, many_main, &m[i]) != 0) return -1;
  }
  int64_t s = 0;
  for (int i = 0; i < nthreads; i++) {
    pthread_join(t[i], NULL);
    s += m[i].sum;
  }
  return s;
}

/* --- detached: stored now, called later -------------------------------- */
typedef void (*void_cb)(int);
struct later { void_cb cb; int value; int delay; };
static void *later_main(void *p) {
  struct later *l = p;
  sleep_ms(l->delay);
  l->cb(l->value);
  free(l);
  return NULL;
}
/* Returns at once; a detached thread calls cb(value) after delay ms. */
int call_later(void_cb cb, int value, int delay_ms) {
  struct later *l = malloc(sizeof *l);
  if (!l) return -1;
  l->cb = cb;
  l->value = value;
  l->delay = delay_ms;
  pthread_t t;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  int r = pthread_create(&t, &a, later_main, l);
  pthread_attr_destroy(&a);
  if (r != 0) {
    free(l);
    return -1;
  }
  return 0;
}

/* A detached thread calling an int callback and recording the result. */
static volatile int later_result = -1;
static volatile int later_done = 0;
struct later_int { int_cb cb; int value; int delay; };
static void *later_int_main(void *p) {
  struct later_int *l = p;
  sleep_ms(l->delay);
  later_result = l->cb(l->value);
  __atomic_store_n(&later_done, 1, __ATOMIC_SEQ_CST);
  free(l);
  return NULL;
}
int call_later_int(int_cb cb, int value, int delay_ms) {
  struct later_int *l = malloc(sizeof *l);
  if (!l) return -1;
  l->cb = cb;
  l->value = value;
  l->delay = delay_ms;
  later_done = 0;
  later_result = -1;
  pthread_t t;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  int r = pthread_create(&t, &a, later_int_main, l);
  pthread_attr_destroy(&a);
  if (r != 0) {
    free(l);
    return -1;
  }
  return 0;
}
/* -1 while the detached call has not finished, else the callback's result. */
int later_int_result(void) { return __atomic_load_n(&later_done, __ATOMIC_SEQ_CST) ? later_result : -1; }

/* --- stored callback, called from a new thread ------------------------- */
static int_cb stored_t;
void store_cb_t(int_cb cb) { stored_t = cb; }
int thread_call_stored(int arg) { return stored_t ? thread_call_join(stored_t, arg) : -12345; }

/* --- slow functions for async tests -------------------------------------- */
int sleep_then(int ms, int v) {
  sleep_ms(ms);
  return v;
}
double slow_add(double a, double b, int ms) {
  sleep_ms(ms);
  return a + b;
}
/* strlen of s after sleeping (the string must stay valid). */
int slow_strlen(const char *s, int ms) {
  sleep_ms(ms);
  return (int)strlen(s);
}
/* Sum of n bytes after sleeping (the buffer must stay valid). */
int slow_sum_bytes(const unsigned char *p, int n, int ms) {
  sleep_ms(ms);
  int s = 0;
  for (int i = 0; i < n; i++) s += p[i];
  return s;
}
/* Writes v into *out after sleeping. */
void slow_write(int *out, int v, int ms) {
  sleep_ms(ms);
  *out = v;
}
typedef struct { int32_t x; int32_t y; } Point;
int slow_point_sum(Point p, int ms) {
  sleep_ms(ms);
  return p.x + p.y;
}
int slow_point_ptr_sum(const Point *p, int ms) {
  sleep_ms(ms);
  return p->x + p->y;
}
Point slow_make_point(int x, int y, int ms) {
  sleep_ms(ms);
  Point p = {x, y};
  return p;
}
/* Sets errno after sleeping; returns -1 like a failing libc call. */
int slow_set_errno(int v, int ms) {
  sleep_ms(ms);
  errno = v;
  return -1;
}
int64_t mul_i64(int64_t a, int64_t b) { return a * b; }
/* Returns a pointer to a static string. */
const char *slow_greeting(int ms) {
  sleep_ms(ms);
  return "hello from the pool";
}
/* Identifies the calling thread (to prove async runs elsewhere). */
unsigned long thread_id(void) { return (unsigned long)pthread_self(); }

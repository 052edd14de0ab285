/* The benchmark floor: a hand-written Node-API addon that binds the
 * benchlib.c functions the classic way (napi_get_cb_info, napi_get_value_*,
 * napi_create_*, napi_get_buffer_info, napi_call_function,
 * napi_create_async_work). Every other implementation is reported as a
 * ratio to this one. Compiled by bench/native/build.js with
 *   cc -O2 -shared -fPIC -I<node include dir> floor.c -L. -lbenchlib
 * and linked against the same libbenchlib.so the FFIs load. */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double x, y; } bench_point;
typedef int32_t (*bench_cb)(int32_t);

int32_t bench_add(int32_t a, int32_t b);
double bench_mix4(double a, double b, double c, double d);
size_t bench_strlen(const char *s);
double bench_point_sum(bench_point p);
bench_point bench_point_make(double x, double y);
int32_t bench_out_i32(int32_t v, int32_t *out);
int32_t bench_call_n(bench_cb cb, int32_t n);
void bench_fill(uint8_t *p, size_t n, int32_t v);

#define CHECK(call)                                     \
  do {                                                  \
    if ((call) != napi_ok) return throw_last(env);      \
  } while (0)

static napi_value throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, "ERR_FLOOR",
                     info && info->error_message ? info->error_message : "Node-API call failed");
  }
  return NULL;
}

static napi_value type_error(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_FLOOR_ARG", msg);
  return NULL;
}

/* add(a, b) -> a + b */
static napi_value js_add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t a, b;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return type_error(env, "add: expected 2 arguments");
  CHECK(napi_get_value_int32(env, argv[0], &a));
  CHECK(napi_get_value_int32(env, argv[1], &b));
  CHECK(napi_create_int32(env, bench_add(a, b), &out));
  return out;
}

/* mix4(a, b, c, d) -> a * b + c - d */
static napi_value js_mix4(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], out;
  double v[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return type_error(env, "mix4: expected 4 arguments");
  for (int i = 0; i < 4; i++) CHECK(napi_get_value_double(env, argv[i], &v[i]));
  CHECK(napi_create_double(env, bench_mix4(v[0], v[1], v[2], v[3]), &out));
  return out;
}

/* strlen(string) -> number of UTF-8 bytes */
static napi_value js_strlen(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], out;
  char stack[256];
  char *buf = stack;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return type_error(env, "strlen: expected 1 argument");
  if (napi_get_value_string_utf8(env, argv[0], stack, sizeof stack, &len) != napi_ok) return throw_last(env);
  if (len + 1 >= sizeof stack) {
    buf = malloc(len + 1);
    if (!buf) return type_error(env, "strlen: out of memory");
    napi_get_value_string_utf8(env, argv[0], buf, len + 1, &len);
  }
  size_t r = bench_strlen(buf);
  if (buf != stack) free(buf);
  CHECK(napi_create_int64(env, (int64_t)r, &out));
  return out;
}

/* pointSum({x, y}) -> x + y */
static napi_value js_point_sum(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], vx, vy, out;
  bench_point p;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return type_error(env, "pointSum: expected 1 argument");
  CHECK(napi_get_named_property(env, argv[0], "x", &vx));
  CHECK(napi_get_named_property(env, argv[0], "y", &vy));
  CHECK(napi_get_value_double(env, vx, &p.x));
  CHECK(napi_get_value_double(env, vy, &p.y));
  CHECK(napi_create_double(env, bench_point_sum(p), &out));
  return out;
}

/* pointMake(x, y) -> {x, y} */
static napi_value js_point_make(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], obj, vx, vy;
  double x, y;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return type_error(env, "pointMake: expected 2 arguments");
  CHECK(napi_get_value_double(env, argv[0], &x));
  CHECK(napi_get_value_double(env, argv[1], &y));
  bench_point p = bench_point_make(x, y);
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_double(env, p.x, &vx));
  CHECK(napi_create_double(env, p.y, &vy));
  CHECK(napi_set_named_property(env, obj, "x", vx));
  CHECK(napi_set_named_property(env, obj, "y", vy));
  return obj;
}

/* outI32(v) -> the value bench_out_i32 wrote through its out-parameter */
static napi_value js_out_i32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t v, r = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return type_error(env, "outI32: expected 1 argument");
  CHECK(napi_get_value_int32(env, argv[0], &v));
  if (bench_out_i32(v, &r) != 0) return type_error(env, "outI32: failed");
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

/* ---- callbacks: a C trampoline calling the current JS function -------- */

typedef struct {
  napi_env env;
  napi_value fn;
  int failed;
} cb_ctx;

static cb_ctx *current_cb; /* the JS thread only; saved/restored for nesting */

static int32_t cb_trampoline(int32_t i) {
  cb_ctx *c = current_cb;
  napi_value arg, ret, undef;
  int32_t r = 0;
  if (c->failed) return 0;
  if (napi_get_undefined(c->env, &undef) != napi_ok ||
      napi_create_int32(c->env, i, &arg) != napi_ok ||
      napi_call_function(c->env, undef, c->fn, 1, &arg, &ret) != napi_ok ||
      napi_get_value_int32(c->env, ret, &r) != napi_ok) {
    c->failed = 1;
    return 0;
  }
  return r;
}

/* callN(fn, n) -> sum of fn(i) for i in [0, n), fn called from C */
static napi_value js_call_n(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return type_error(env, "callN: expected 2 arguments");
  CHECK(napi_get_value_int32(env, argv[1], &n));
  cb_ctx ctx = {env, argv[0], 0}, *saved = current_cb;
  current_cb = &ctx;
  int32_t r = bench_call_n(cb_trampoline, n);
  current_cb = saved;
  if (ctx.failed) return throw_last(env);
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

static cb_ctx *current_cmp;

static int cmp_trampoline(const void *a, const void *b) {
  cb_ctx *c = current_cmp;
  napi_value argv[2], ret, undef;
  int32_t r = 0;
  if (c->failed) return 0;
  if (napi_get_undefined(c->env, &undef) != napi_ok ||
      napi_create_int32(c->env, *(const int32_t *)a, &argv[0]) != napi_ok ||
      napi_create_int32(c->env, *(const int32_t *)b, &argv[1]) != napi_ok ||
      napi_call_function(c->env, undef, c->fn, 2, argv, &ret) != napi_ok ||
      napi_get_value_int32(c->env, ret, &r) != napi_ok) {
    c->failed = 1;
    return 0;
  }
  return r;
}

/* qsortI32(buffer, count, cmp): libc qsort over int32 elements, cmp(a, b) gets the values */
static napi_value js_qsort_i32(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3];
  void *data = NULL;
  int64_t count;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return type_error(env, "qsortI32: expected 3 arguments");
  CHECK(napi_get_buffer_info(env, argv[0], &data, &len));
  CHECK(napi_get_value_int64(env, argv[1], &count));
  if (count < 0 || (size_t)count * 4 > len) return type_error(env, "qsortI32: count out of range");
  cb_ctx ctx = {env, argv[2], 0}, *saved = current_cmp;
  current_cmp = &ctx;
  qsort(data, (size_t)count, 4, cmp_trampoline);
  current_cmp = saved;
  if (ctx.failed) return throw_last(env);
  return NULL;
}

/* fill(buffer, n, v): memset through the Buffer's pointer */
static napi_value js_fill(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3];
  void *data = NULL;
  int64_t n;
  int32_t v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return type_error(env, "fill: expected 3 arguments");
  CHECK(napi_get_buffer_info(env, argv[0], &data, &len));
  CHECK(napi_get_value_int64(env, argv[1], &n));
  CHECK(napi_get_value_int32(env, argv[2], &v));
  if (n < 0 || (size_t)n > len) return type_error(env, "fill: length out of range");
  bench_fill(data, (size_t)n, v);
  return NULL;
}

/* ---- async: addAsync(a, b, cb) runs bench_add on the libuv pool ------- */

typedef struct {
  napi_async_work work;
  napi_ref cb;
  int32_t a, b, r;
} add_job;

static void add_execute(napi_env env, void *data) {
  (void)env;
  add_job *j = data;
  j->r = bench_add(j->a, j->b);
}

static void add_complete(napi_env env, napi_status status, void *data) {
  add_job *j = data;
  napi_value cb, undef, argv[2];
  napi_get_reference_value(env, j->cb, &cb);
  napi_get_undefined(env, &undef);
  napi_get_null(env, &argv[0]);
  if (status == napi_ok) {
    napi_create_int32(env, j->r, &argv[1]);
  } else {
    napi_value msg;
    napi_create_string_utf8(env, "async work failed", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &argv[0]);
    argv[1] = undef;
  }
  napi_delete_reference(env, j->cb);
  napi_delete_async_work(env, j->work);
  free(j);
  napi_call_function(env, undef, cb, 2, argv, NULL);
}

static napi_value js_add_async(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  napi_valuetype t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return type_error(env, "addAsync: expected 3 arguments");
  CHECK(napi_typeof(env, argv[2], &t));
  if (t != napi_function) return type_error(env, "addAsync: the callback must be a function");
  add_job *j = calloc(1, sizeof *j);
  if (!j) return type_error(env, "addAsync: out of memory");
  if (napi_get_value_int32(env, argv[0], &j->a) != napi_ok || napi_get_value_int32(env, argv[1], &j->b) != napi_ok) {
    free(j);
    return throw_last(env);
  }
  CHECK(napi_create_reference(env, argv[2], 1, &j->cb));
  CHECK(napi_create_string_utf8(env, "floor.addAsync", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, add_execute, add_complete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"add", NULL, js_add, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mix4", NULL, js_mix4, NULL, NULL, NULL, napi_enumerable, NULL},
    {"strlen", NULL, js_strlen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pointSum", NULL, js_point_sum, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pointMake", NULL, js_point_make, NULL, NULL, NULL, napi_enumerable, NULL},
    {"outI32", NULL, js_out_i32, NULL, NULL, NULL, napi_enumerable, NULL},
    {"callN", NULL, js_call_n, NULL, NULL, NULL, napi_enumerable, NULL},
    {"qsortI32", NULL, js_qsort_i32, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fill", NULL, js_fill, NULL, NULL, NULL, napi_enumerable, NULL},
    {"addAsync", NULL, js_add_async, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

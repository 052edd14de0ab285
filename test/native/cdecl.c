/* Test library for C declarations as strings (test/cdecl.test.js): the
 * functions of a small "header" with a struct, a union, an enum, typedefs,
 * a self-referential list node, a callback type and variadic functions.
 * Built by test/native/build.js into test/native/build/libcdecl.so. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct point {
  int32_t x;
  int32_t y;
} point_t;

typedef union number {
  int32_t i;
  float f;
  uint8_t bytes[4];
} number_t;

enum shape_kind { SHAPE_NONE = 0, SHAPE_RECT = 1 << 3, SHAPE_CIRCLE = SHAPE_RECT + 1, SHAPE_LAST = -1 };

struct rect {
  point_t min;
  point_t max;
  enum shape_kind kind;
  char label[8];
};

struct node {
  int value;
  struct node *next;
};

typedef int (*point_visitor)(const point_t *p, void *user);

/* ---- scalars: the same signature through a prototype and a type array ---- */

int32_t cd_add3(int32_t a, int32_t b, int32_t c) { return a + b + c; }
uint64_t cd_mix(uint64_t a, int8_t b, uint16_t c, double d) { return a * 2 + (uint64_t)(int64_t)b + c + (uint64_t)d; }
bool cd_is_even(unsigned long long v) { return v % 2 == 0; }
size_t cd_count_args(const char **argv) {
  size_t n = 0;
  while (argv[n]) n++;
  return n;
}
char *cd_first_word(char *s) {
  char *sp = strchr(s, ' ');
  if (sp) *sp = 0;
  return s;
}
const char *cd_maybe_null(int which) { return which ? "yes" : NULL; }

/* ---- structs, unions, enums --------------------------------------------- */

point_t cd_point_make(int32_t x, int32_t y) {
  point_t p = {x, y};
  return p;
}
int64_t cd_point_dot(point_t a, point_t b) { return (int64_t)a.x * b.x + (int64_t)a.y * b.y; }
void cd_point_scale(point_t *p, int32_t k) {
  p->x *= k;
  p->y *= k;
}
int32_t cd_rect_area(const struct rect *r) { return (r->max.x - r->min.x) * (r->max.y - r->min.y); }
struct rect cd_rect_make(point_t a, point_t b, enum shape_kind kind) {
  struct rect r;
  memset(&r, 0, sizeof r);
  r.min = a;
  r.max = b;
  r.kind = kind;
  strcpy(r.label, kind == SHAPE_RECT ? "rect" : "other");
  return r;
}
enum shape_kind cd_shape_next(enum shape_kind k) { return k == SHAPE_RECT ? SHAPE_CIRCLE : SHAPE_LAST; }
const char *cd_kind_name(enum shape_kind k) {
  switch (k) {
    case SHAPE_NONE: return "none";
    case SHAPE_RECT: return "rect";
    case SHAPE_CIRCLE: return "circle";
    default: return "last";
  }
}
uint32_t cd_number_bits(number_t n) { return (uint32_t)n.i; }
float cd_number_float(number_t n) { return n.f; }
uint8_t cd_number_byte(const number_t *n, int i) { return n->bytes[i]; }
int cd_list_sum(const struct node *head) {
  int s = 0;
  for (; head; head = head->next) s += head->value;
  return s;
}

/* ---- function pointers ---------------------------------------------------- */

int cd_visit(const point_t *pts, size_t n, point_visitor visit, void *user) {
  int total = 0;
  for (size_t i = 0; i < n; i++) total += visit(&pts[i], user);
  return total;
}
int cd_apply(int (*op)(int, int), int a, int b) { return op(a, b); }

/* ---- variadic --------------------------------------------------------------- */

double cd_sum_doubles(int n, ...) {
  va_list ap;
  double s = 0;
  va_start(ap, n);
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s;
}

/* fmt: 'i' int, 'l' long long, 'd' double, 's' string (adds its length), 'c' char (promoted to int) */
int64_t cd_sum_mixed(const char *fmt, ...) {
  va_list ap;
  int64_t s = 0;
  va_start(ap, fmt);
  for (const char *f = fmt; *f; f++) {
    switch (*f) {
      case 'i': s += va_arg(ap, int); break;
      case 'l': s += va_arg(ap, long long); break;
      case 'd': s += (int64_t)va_arg(ap, double); break;
      case 's': s += (int64_t)strlen(va_arg(ap, const char *)); break;
      case 'c': s += va_arg(ap, int); break;
      default: break;
    }
  }
  va_end(ap);
  return s;
}

/* An exported symbol whose C name differs from the declared one (asm label). */
int cd_real_name(int x) { return x * 3; }

/* A symbol named like the Library method it must not be shadowed by. */
int func(int x) { return x + 1; }

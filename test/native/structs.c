/*
 * Test library for reffi structs, arrays and unions (test/struct.test.js,
 * test/array.test.js, test/union.test.js).
 *
 * Every layout NAME below is described once as an X-macro L_NAME listing its
 * fields:
 *   F(ctype, KIND, name)          a scalar field
 *   A(ctype, KIND, name, len)     a fixed array of scalars
 *   N(sub, name)                  a nested struct (struct sub)
 *   AN(sub, name, len)            a fixed array of nested structs
 * and expanded into: the struct definition, NAME_sizeof/_alignof/_offsets,
 * NAME_check (by value), NAME_check_ptr, NAME_make (returns by value),
 * NAME_fill (through a pointer), NAME_echo, NAME_check3 (three by value, to
 * exhaust argument registers) and two callback round trips.
 *
 * Field values are deterministic: leaf number i (counted depth-first over the
 * whole struct) of a struct built with `seed` holds EXP_<KIND>(seed, i). The
 * JS tests compute the same values. A check returns -1 when every leaf is
 * right, else the number of the first wrong leaf.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- expected values ------------------------------------------------------- */

static int pool[64];

EXPORT int *structs_pool(void) {
  for (int k = 0; k < 64; k++) pool[k] = k * 3 + 1;
  return pool;
}

static char str_slots[64][32];

static const char *exp_str(int s, int i) {
  char *b = str_slots[i % 64];
  snprintf(b, 32, "s%d_%d", s, i);
  return b;
}

#define EXP_I8(s, i) ((int8_t)((((s) * 7 + (i) * 3) % 100) - 50))
#define EXP_U8(s, i) ((uint8_t)(((s) * 7 + (i) * 3) % 200 + 20))
#define EXP_I16(s, i) ((int16_t)(-((s) * 1000 + (i) * 17)))
#define EXP_U16(s, i) ((uint16_t)((s) * 1000 + (i) * 17 + 30000))
#define EXP_I32(s, i) ((int32_t)(-((s) * 100000 + (i) * 1234567)))
#define EXP_U32(s, i) ((uint32_t)(3000000000u + (uint32_t)(s) * 1000u + (uint32_t)(i)))
#define EXP_I64(s, i) ((int64_t)(-((int64_t)(s) * 10000000000LL + (i))))
#define EXP_U64(s, i) ((uint64_t)(9000000000ULL + (uint64_t)(s) * 1000u + (uint64_t)(i)))
#define EXP_F32(s, i) ((float)((s) + (i)) * 0.5f + 0.25f)
#define EXP_F64(s, i) ((double)((s) + (i)) * 1.5 + 0.125)
#define EXP_BOOL(s, i) ((((s) + (i)) % 2) == 1)
#define EXP_PTR(s, i) (&pool[((s) * 5 + (i)) % 64])
#define EXP_STR(s, i) ((char *)exp_str((s), (i)))

/* equality of a field with its expected value */
#define EQ_I8(v, s, i) ((v) == EXP_I8(s, i))
#define EQ_U8(v, s, i) ((v) == EXP_U8(s, i))
#define EQ_I16(v, s, i) ((v) == EXP_I16(s, i))
#define EQ_U16(v, s, i) ((v) == EXP_U16(s, i))
#define EQ_I32(v, s, i) ((v) == EXP_I32(s, i))
#define EQ_U32(v, s, i) ((v) == EXP_U32(s, i))
#define EQ_I64(v, s, i) ((v) == EXP_I64(s, i))
#define EQ_U64(v, s, i) ((v) == EXP_U64(s, i))
#define EQ_F32(v, s, i) ((v) == EXP_F32(s, i))
#define EQ_F64(v, s, i) ((v) == EXP_F64(s, i))
#define EQ_BOOL(v, s, i) ((v) == EXP_BOOL(s, i))
#define EQ_PTR(v, s, i) ((v) == EXP_PTR(s, i))
#define EQ_STR(v, s, i) ((v) != NULL && strcmp((v), exp_str((s), (i))) == 0)

/* ---- X-macro expansions ------------------------------------------------------ */

#define DECL_F(ct, K, n) ct n;
#define DECL_A(ct, K, n, len) ct n[len];
#define DECL_N(sub, n) struct sub n;
#define DECL_AN(sub, n, len) struct sub n[len];

#define OFF_F(ct, K, n) out[j++] = offsetof(T_, n);
#define OFF_A(ct, K, n, len) out[j++] = offsetof(T_, n);
#define OFF_N(sub, n) out[j++] = offsetof(T_, n);
#define OFF_AN(sub, n, len) out[j++] = offsetof(T_, n);

#define CHK_F(ct, K, n)                        \
  if (!EQ_##K(p->n, seed, *i)) return *i;      \
  (*i)++;
#define CHK_A(ct, K, n, len)                     \
  for (int k = 0; k < (len); k++) {              \
    if (!EQ_##K(p->n[k], seed, *i)) return *i;   \
    (*i)++;                                      \
  }
#define CHK_N(sub, n)                             \
  {                                               \
    int r_ = sub##_check_at(&p->n, seed, i);      \
    if (r_ >= 0) return r_;                       \
  }
#define CHK_AN(sub, n, len)                          \
  for (int k = 0; k < (len); k++) {                  \
    int r_ = sub##_check_at(&p->n[k], seed, i);      \
    if (r_ >= 0) return r_;                          \
  }

#define SET_F(ct, K, n) p->n = (ct)EXP_##K(seed, *i); (*i)++;
#define SET_A(ct, K, n, len)                                                   \
  for (int k = 0; k < (len); k++) { p->n[k] = (ct)EXP_##K(seed, *i); (*i)++; }
#define SET_N(sub, n) sub##_fill_at(&p->n, seed, i);
#define SET_AN(sub, n, len) \
  for (int k = 0; k < (len); k++) sub##_fill_at(&p->n[k], seed, i);

#define DECLARE_STRUCT(NAME) struct NAME { L_##NAME(DECL_F, DECL_A, DECL_N, DECL_AN) };

#define STRUCT_FUNCTIONS(NAME)                                                            \
  EXPORT size_t NAME##_sizeof(void) { return sizeof(struct NAME); }                      \
  EXPORT size_t NAME##_alignof(void) { return _Alignof(struct NAME); }                   \
  EXPORT void NAME##_offsets(size_t *out) {                                               \
    typedef struct NAME T_;                                                               \
    int j = 0;                                                                            \
    L_##NAME(OFF_F, OFF_A, OFF_N, OFF_AN)                                                     \
  }                                                                                       \
  static int NAME##_check_at(const struct NAME *p, int seed, int *i) {                   \
    L_##NAME(CHK_F, CHK_A, CHK_N, CHK_AN)                                                     \
    return -1;                                                                            \
  }                                                                                       \
  static void NAME##_fill_at(struct NAME *p, int seed, int *i) {                         \
    L_##NAME(SET_F, SET_A, SET_N, SET_AN)                                                     \
  }                                                                                       \
  EXPORT int NAME##_check(struct NAME v, int seed) {                                     \
    int i = 0;                                                                            \
    return NAME##_check_at(&v, seed, &i);                                                 \
  }                                                                                       \
  EXPORT int NAME##_check_ptr(const struct NAME *p, int seed) {                          \
    int i = 0;                                                                            \
    if (p == NULL) return -2;                                                             \
    return NAME##_check_at(p, seed, &i);                                                  \
  }                                                                                       \
  EXPORT struct NAME NAME##_make(int seed) {                                              \
    struct NAME v;                                                                        \
    int i = 0;                                                                            \
    memset(&v, 0, sizeof v);                                                              \
    NAME##_fill_at(&v, seed, &i);                                                         \
    return v;                                                                             \
  }                                                                                       \
  EXPORT void NAME##_fill(struct NAME *p, int seed) {                                     \
    int i = 0;                                                                            \
    NAME##_fill_at(p, seed, &i);                                                          \
  }                                                                                       \
  EXPORT struct NAME NAME##_echo(struct NAME v) { return v; }                            \
  EXPORT int NAME##_check3(struct NAME a, struct NAME b, struct NAME c, int seed) {      \
    int i = 0, r;                                                                         \
    if ((r = NAME##_check_at(&a, seed, &i)) >= 0) return r;                               \
    i = 0;                                                                                \
    if ((r = NAME##_check_at(&b, seed + 1, &i)) >= 0) return 1000 + r;                    \
    i = 0;                                                                                \
    if ((r = NAME##_check_at(&c, seed + 2, &i)) >= 0) return 2000 + r;                    \
    return -1;                                                                            \
  }                                                                                       \
  /* C builds the struct and hands it to a JS callback by value */                       \
  EXPORT int NAME##_to_cb(int (*cb)(struct NAME, int), int seed) {                        \
    return cb(NAME##_make(seed), seed);                                                   \
  }                                                                                       \
  /* a JS callback returns the struct by value; C checks it */                           \
  EXPORT int NAME##_from_cb(struct NAME (*cb)(int), int seed) {                           \
    struct NAME v = cb(seed);                                                             \
    int i = 0;                                                                            \
    return NAME##_check_at(&v, seed, &i);                                                 \
  }

#define DEFINE_STRUCT(NAME) DECLARE_STRUCT(NAME) STRUCT_FUNCTIONS(NAME)

/* ---- the layouts ----------------------------------------------------------------- */

/* padding around every scalar */
#define L_s_cd(F, A, N, AN) F(char, I8, a) F(double, F64, b)
#define L_s_dc(F, A, N, AN) F(double, F64, a) F(char, I8, b)
#define L_s_ci(F, A, N, AN) F(char, I8, a) F(int, I32, b) F(char, I8, c)
#define L_s_sc(F, A, N, AN) F(short, I16, a) F(char, I8, b)
#define L_s_all(F, A, N, AN)                                                             \
  F(int8_t, I8, a) F(uint8_t, U8, b) F(int16_t, I16, c) F(uint16_t, U16, d)           \
  F(int32_t, I32, e) F(uint32_t, U32, f) F(int64_t, I64, g) F(uint64_t, U64, h)       \
  F(float, F32, i) F(double, F64, j) F(long, I64, k) F(unsigned char, U8, l)
#define L_s_mix(F, A, N, AN) F(uint8_t, U8, a) F(double, F64, b) F(uint16_t, U16, c) F(int32_t, I32, d) F(uint8_t, U8, e)
#define L_s_c64c(F, A, N, AN) F(char, I8, a) F(int64_t, I64, b) F(char, I8, c)
#define L_s_fd(F, A, N, AN) F(float, F32, a) F(double, F64, b) F(float, F32, c)
#define L_s_u16x3(F, A, N, AN) F(uint16_t, U16, a) F(int16_t, I16, b) F(uint16_t, U16, c)
#define L_s_u8x3(F, A, N, AN) F(uint8_t, U8, a) F(int8_t, I8, b) F(uint8_t, U8, c)
#define L_s_bool(F, A, N, AN) F(bool, BOOL, a) F(int, I32, b) F(bool, BOOL, c)
/* System V SSE cases */
#define L_f1(F, A, N, AN) F(float, F32, a)
#define L_f2(F, A, N, AN) F(float, F32, a) F(float, F32, b)
#define L_f3(F, A, N, AN) F(float, F32, a) F(float, F32, b) F(float, F32, c)
#define L_f4(F, A, N, AN) F(float, F32, a) F(float, F32, b) F(float, F32, c) F(float, F32, d)
#define L_d1(F, A, N, AN) F(double, F64, a)
#define L_d2(F, A, N, AN) F(double, F64, a) F(double, F64, b)
#define L_d3(F, A, N, AN) F(double, F64, a) F(double, F64, b) F(double, F64, c)
#define L_d4(F, A, N, AN) F(double, F64, a) F(double, F64, b) F(double, F64, c) F(double, F64, d)
/* mixed int/float in 8 and 16 bytes */
#define L_m_if(F, A, N, AN) F(int, I32, a) F(float, F32, b)
#define L_m_fi(F, A, N, AN) F(float, F32, a) F(int, I32, b)
#define L_m_ld(F, A, N, AN) F(int64_t, I64, a) F(double, F64, b)
#define L_m_dl(F, A, N, AN) F(double, F64, a) F(int64_t, I64, b)
#define L_m_ffi(F, A, N, AN) F(float, F32, a) F(float, F32, b) F(int, I32, c)
#define L_m_ifff(F, A, N, AN) F(int, I32, a) F(float, F32, b) F(float, F32, c) F(float, F32, d)
#define L_m_fifi(F, A, N, AN) F(float, F32, a) F(int, I32, b) F(float, F32, c) F(int, I32, d)
/* sizes 8, 16, 17, 24, > 64 */
#define L_z8(F, A, N, AN) F(int32_t, I32, a) F(int32_t, I32, b)
#define L_z16(F, A, N, AN) F(int64_t, I64, a) F(uint64_t, U64, b)
#define L_z17(F, A, N, AN) A(char, I8, a, 17)
#define L_z24(F, A, N, AN) F(int64_t, I64, a) F(int64_t, I64, b) F(int64_t, I64, c)
#define L_z72(F, A, N, AN) A(double, F64, a, 9)
#define L_z100(F, A, N, AN) A(int32_t, I32, a, 20) F(char, I8, b) F(double, F64, c) A(uint16_t, U16, d, 5)
/* nesting */
#define L_n_ci(F, A, N, AN) F(char, I8, a) N(s_ci, b) F(double, F64, c)
#define L_n_df(F, A, N, AN) N(d2, a) N(f2, b)
#define L_n_ff(F, A, N, AN) N(f2, a) F(float, F32, b)
#define L_n_deep(F, A, N, AN) N(n_ci, a) F(short, I16, b) N(m_if, c)
/* arrays inside */
#define L_a_cs(F, A, N, AN) F(char, I8, a) A(short, I16, b, 3) F(int, I32, c)
#define L_a_f3(F, A, N, AN) A(float, F32, v, 3)
#define L_a_d2(F, A, N, AN) A(double, F64, v, 2)
#define L_a_ss(F, A, N, AN) AN(s_sc, items, 3) F(int, I32, n)
#define L_a_c2(F, A, N, AN) F(char, I8, a) A(char, I8, b, 2) F(short, I16, c) F(char, I8, d)
/* pointers */
#define L_p_ip(F, A, N, AN) F(int *, PTR, p) F(int, I32, n)
#define L_p_str(F, A, N, AN) F(char *, STR, s) F(int, I32, n) F(char *, STR, t)
/* packed (#pragma pack(1)) */
#define L_k_cis(F, A, N, AN) F(char, I8, a) F(int, I32, b) F(short, I16, c)
#define L_k_cd(F, A, N, AN) F(char, I8, a) F(double, F64, b)
#define L_k_ii(F, A, N, AN) F(int, I32, a) F(int, I32, b)

DEFINE_STRUCT(s_cd)
DEFINE_STRUCT(s_dc)
DEFINE_STRUCT(s_ci)
DEFINE_STRUCT(s_sc)
DEFINE_STRUCT(s_all)
DEFINE_STRUCT(s_mix)
DEFINE_STRUCT(s_c64c)
DEFINE_STRUCT(s_fd)
DEFINE_STRUCT(s_u16x3)
DEFINE_STRUCT(s_u8x3)
DEFINE_STRUCT(s_bool)
DEFINE_STRUCT(f1)
DEFINE_STRUCT(f2)
DEFINE_STRUCT(f3)
DEFINE_STRUCT(f4)
DEFINE_STRUCT(d1)
DEFINE_STRUCT(d2)
DEFINE_STRUCT(d3)
DEFINE_STRUCT(d4)
DEFINE_STRUCT(m_if)
DEFINE_STRUCT(m_fi)
DEFINE_STRUCT(m_ld)
DEFINE_STRUCT(m_dl)
DEFINE_STRUCT(m_ffi)
DEFINE_STRUCT(m_ifff)
DEFINE_STRUCT(m_fifi)
DEFINE_STRUCT(z8)
DEFINE_STRUCT(z16)
DEFINE_STRUCT(z17)
DEFINE_STRUCT(z24)
DEFINE_STRUCT(z72)
DEFINE_STRUCT(z100)
DEFINE_STRUCT(n_ci)
DEFINE_STRUCT(n_df)
DEFINE_STRUCT(n_ff)
DEFINE_STRUCT(n_deep)
DEFINE_STRUCT(a_cs)
DEFINE_STRUCT(a_f3)
DEFINE_STRUCT(a_d2)
DEFINE_STRUCT(a_ss)
DEFINE_STRUCT(a_c2)
DEFINE_STRUCT(p_ip)
DEFINE_STRUCT(p_str)

#pragma pack(push, 1)
DECLARE_STRUCT(k_cis)
DECLARE_STRUCT(k_cd)
DECLARE_STRUCT(k_ii)
#pragma pack(pop)
STRUCT_FUNCTIONS(k_cis)
STRUCT_FUNCTIONS(k_cd)
STRUCT_FUNCTIONS(k_ii)

/* ---- unions ------------------------------------------------------------------------
 * Each member is one X-macro entry; NAME_check(v, member, seed) checks only
 * that member (leaves numbered from 0 within it), NAME_make(member, seed)
 * zeroes the union and fills that member.
 */

#define UCHK_F(ct, K, n) if (m++ == member) { int i0 = 0; int *i = &i0; CHK_F(ct, K, n) return -1; }
#define UCHK_A(ct, K, n, len) if (m++ == member) { int i0 = 0; int *i = &i0; CHK_A(ct, K, n, len) return -1; }
#define UCHK_N(sub, n) if (m++ == member) { int i0 = 0; int *i = &i0; CHK_N(sub, n) return -1; }
#define UCHK_AN(sub, n, len) if (m++ == member) { int i0 = 0; int *i = &i0; CHK_AN(sub, n, len) return -1; }
#define USET_F(ct, K, n) if (m++ == member) { int i0 = 0; int *i = &i0; SET_F(ct, K, n) }
#define USET_A(ct, K, n, len) if (m++ == member) { int i0 = 0; int *i = &i0; SET_A(ct, K, n, len) }
#define USET_N(sub, n) if (m++ == member) { int i0 = 0; int *i = &i0; SET_N(sub, n) }
#define USET_AN(sub, n, len) if (m++ == member) { int i0 = 0; int *i = &i0; SET_AN(sub, n, len) }

#define DEFINE_UNION(NAME)                                                             \
  union NAME { L_##NAME(DECL_F, DECL_A, DECL_N, DECL_AN) };                                \
  EXPORT size_t NAME##_sizeof(void) { return sizeof(union NAME); }                    \
  EXPORT size_t NAME##_alignof(void) { return _Alignof(union NAME); }                 \
  EXPORT void NAME##_offsets(size_t *out) {                                            \
    typedef union NAME T_;                                                             \
    int j = 0;                                                                         \
    L_##NAME(OFF_F, OFF_A, OFF_N, OFF_AN)                                                  \
  }                                                                                    \
  static int NAME##_check_m(const union NAME *p, int member, int seed) {              \
    int m = 0;                                                                         \
    L_##NAME(UCHK_F, UCHK_A, UCHK_N, UCHK_AN)                                              \
    return -2;                                                                         \
  }                                                                                    \
  EXPORT int NAME##_check(union NAME v, int member, int seed) {                       \
    return NAME##_check_m(&v, member, seed);                                           \
  }                                                                                    \
  EXPORT int NAME##_check_ptr(const union NAME *p, int member, int seed) {            \
    return NAME##_check_m(p, member, seed);                                            \
  }                                                                                    \
  EXPORT union NAME NAME##_make(int member, int seed) {                                \
    union NAME v;                                                                      \
    union NAME *p = &v;                                                                \
    int m = 0;                                                                         \
    memset(&v, 0, sizeof v);                                                           \
    L_##NAME(USET_F, USET_A, USET_N, USET_AN)                                              \
    return v;                                                                          \
  }                                                                                    \
  EXPORT union NAME NAME##_echo(union NAME v) { return v; }                           \
  EXPORT int NAME##_check2(union NAME a, int ma, union NAME b, int mb, int seed) {    \
    int r;                                                                             \
    if ((r = NAME##_check_m(&a, ma, seed)) != -1) return r;                            \
    if ((r = NAME##_check_m(&b, mb, seed + 1)) != -1) return 1000 + r;                 \
    return -1;                                                                         \
  }

#define L_u_cs(F, A, N, AN) F(char, I8, a) F(short, I16, b)
#define L_u_if(F, A, N, AN) F(int, I32, i) F(float, F32, f)
#define L_u_fd(F, A, N, AN) F(float, F32, f) F(double, F64, d)
#define L_u_sci(F, A, N, AN) N(s_ci, s) F(int, I32, b)
#define L_u_dc(F, A, N, AN) F(double, F64, a) F(char, I8, b)
#define L_u_c5i(F, A, N, AN) A(char, I8, c, 5) F(int, I32, i)
#define L_u_ldc(F, A, N, AN) F(int64_t, I64, a) F(double, F64, d) A(char, I8, c, 16)
#define L_u_f4d2(F, A, N, AN) A(float, F32, f, 4) A(double, F64, d, 2)
#define L_u_d2f(F, A, N, AN) N(d2, pair) A(float, F32, f, 4)
#define L_u_f3i(F, A, N, AN) A(float, F32, f, 3) F(int, I32, i)
#define L_u_big(F, A, N, AN) A(int32_t, I32, a, 20) F(double, F64, d) N(z24, z)
#define L_u_ptr(F, A, N, AN) F(int *, PTR, p) F(char *, STR, s) F(uint64_t, U64, u)

DEFINE_UNION(u_cs)
DEFINE_UNION(u_if)
DEFINE_UNION(u_fd)
DEFINE_UNION(u_sci)
DEFINE_UNION(u_dc)
DEFINE_UNION(u_c5i)
DEFINE_UNION(u_ldc)
DEFINE_UNION(u_f4d2)
DEFINE_UNION(u_d2f)
DEFINE_UNION(u_f3i)
DEFINE_UNION(u_big)
DEFINE_UNION(u_ptr)

/* a struct holding a union (tagged union) */
struct tagged {
  int tag;
  union u_if v;
  char after;
};
EXPORT size_t tagged_sizeof(void) { return sizeof(struct tagged); }
EXPORT size_t tagged_offset_v(void) { return offsetof(struct tagged, v); }
EXPORT size_t tagged_offset_after(void) { return offsetof(struct tagged, after); }
EXPORT double tagged_value(struct tagged t) {
  double x = t.tag == 0 ? (double)t.v.i : (double)t.v.f;
  return x + t.after;
}
EXPORT struct tagged tagged_make(int tag, double x) {
  struct tagged t;
  memset(&t, 0, sizeof t);
  t.tag = tag;
  if (tag == 0) t.v.i = (int)x; else t.v.f = (float)x;
  t.after = 7;
  return t;
}

/* ---- arrays ------------------------------------------------------------------------------ */

EXPORT int sum_ints(const int *a, int n) {
  int s = 0;
  for (int k = 0; k < n; k++) s += a[k];
  return s;
}

EXPORT void abs_ints(int *a, int n) {
  for (int k = 0; k < n; k++) if (a[k] < 0) a[k] = -a[k];
}

EXPORT double sum_doubles(const double *a, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++) s += a[k];
  return s;
}

static int squares[8] = {0, 1, 4, 9, 16, 25, 36, 49};
EXPORT int *get_squares(void) { return squares; }

/* a NULL-terminated array of strings */
static const char *words[] = {"alpha", "beta", "gamma", NULL};
EXPORT const char **get_words(void) { return words; }

/* counts the strings of a NULL-terminated char *[] and sums their lengths */
EXPORT int count_words(const char **w, int *total_len) {
  int n = 0, t = 0;
  while (w[n]) t += (int)strlen(w[n]), n++;
  *total_len = t;
  return n;
}

/* an array of structs through a pointer */
EXPORT double sum_d2s(const struct d2 *a, int n) {
  double s = 0;
  for (int k = 0; k < n; k++) s += a[k].a * 10 + a[k].b;
  return s;
}

EXPORT void fill_d2s(struct d2 *a, int n) {
  for (int k = 0; k < n; k++) a[k].a = k, a[k].b = k * 0.5;
}

/* an array of pointers to structs */
EXPORT int sum_s_ci_ptrs(struct s_ci **a, int n) {
  int s = 0;
  for (int k = 0; k < n; k++) s += a[k] ? a[k]->b : 1000;
  return s;
}

/* a struct with an array field, read by C */
struct vec { int n; double v[4]; };
EXPORT double vec_sum(struct vec x) {
  double s = 0;
  for (int k = 0; k < x.n && k < 4; k++) s += x.v[k];
  return s;
}
EXPORT struct vec vec_make(int n) {
  struct vec x;
  memset(&x, 0, sizeof x);
  x.n = n;
  for (int k = 0; k < n && k < 4; k++) x.v[k] = k + 0.5;
  return x;
}

/* a 2-D array field */
struct grid { int cells[3][4]; };
EXPORT int grid_cell(const struct grid *g, int r, int c) { return g->cells[r][c]; }
EXPORT void grid_fill(struct grid *g) {
  for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) g->cells[r][c] = r * 10 + c;
}

/* a char[] field filled from JS */
struct named { char name[16]; int id; };
EXPORT int named_check(const struct named *p, const char *expect) {
  return strcmp(p->name, expect) == 0 ? p->id : -1;
}

/* a self-referential struct: a linked list */
struct node { int value; struct node *next; };
EXPORT int list_sum(const struct node *n) {
  int s = 0;
  for (; n; n = n->next) s += n->value;
  return s;
}
static struct node chain[3] = {{1, &chain[1]}, {20, &chain[2]}, {300, NULL}};
EXPORT struct node *list_static(void) { return chain; }

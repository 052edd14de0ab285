/* Test library for C functions whose names mean something to JavaScript:
 * names of the identifiers reffi's generated call wrappers use (`call`,
 * `decode`, `S`, `I32`, `ID`, `NAME`, `T0`, `Math`, `ArrayBuffer`,
 * `undefined`) and reserved words of JavaScript that are valid C names
 * (`delete`, `new`, `this`, ...). Each function returns something
 * distinguishable, so calling the wrong plan shows. A symbol C cannot
 * spell (`default`, a C keyword) is named with an asm label, as a library
 * written in another language could export it. Built by
 * test/native/build.js into test/native/build/libnames.so. */
#include <stdint.h>
#include <string.h>

int call(int x) { return 2 * x + 1; }
int decode(int x) { return x + 100; }
int S(const char *s) { return s ? (int)strlen(s) : -1; }
int I32(int a, int b) { return a - b; }
int ID(int x) { return x ^ 0x55; }
int NAME(int x) { return x * 10; }
double T0(double x, double y) { return x / y; }
int64_t Math(int64_t x) { return x * 3; }
int ArrayBuffer(const int *p) { return p ? *p : -1; }
int undefined(int x) { return x + 7; }

int delete(int x) { return -x; }
int new(void) { return 42; }
int this(int a, int b) { return a * b; }
int arguments(int x) { return x + 1000; }
int eval(const char *s) { return s ? (int)strlen(s) * 2 : -1; }
int yield(int x) { return x - 1; }
int await(int x) { return x + 2; }
int class(int x) { return x << 1; }
int let(int x) { return x + 3; }

int names_default(int x) __asm__("default");
int names_default(int x) { return x + 4; }

/* Test library for closing a library while one of its functions runs: the
 * function calls a JavaScript callback (which closes this library) and then
 * keeps executing its own code, so returning from the callback into an
 * unmapped library would crash. The tests load a private copy, so that
 * closing it really unmaps it. Built by test/native/build.js into
 * test/native/build/libreentry.so. */

typedef int (*int_cb)(int);

/* cb(x), then a loop of this library's own code: returns cb(x) + 500. */
int re_call_then_loop(int_cb cb, int x) {
  volatile int acc = cb(x);
  for (int i = 0; i < 1000; i++) acc += i & 1;
  return acc;
}

int re_add(int a, int b) { return a + b; }

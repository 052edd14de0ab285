/* Implementation of the tutorial's libmylibrary (see mylibrary.h).
 * Built by examples/mylibrary/build.js into
 * examples/mylibrary/build/libmylibrary.so. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mylibrary.h"

struct myobj {
  double base;
  char value[256];
};

/* a * b, plus a quarter: do_some_number_fudging(1.5, 5) == 7.75 */
double do_some_number_fudging(double a, int b) {
  return a * b + 0.25;
}

myobj *create_object() {
  myobj *obj = calloc(1, sizeof *obj);
  if (obj) obj->base = 0.5;
  return obj;
}

/* base + the length of the string given to the object:
 * "Hello World!" -> 0.5 + 12 == 12.5 */
double do_stuff_with_object(myobj *obj) {
  return obj->base + (double)strlen(obj->value);
}

void use_string_with_object(myobj *obj, char *value) {
  strncpy(obj->value, value, sizeof obj->value - 1);
  obj->value[sizeof obj->value - 1] = 0;
}

void delete_object(myobj *obj) {
  free(obj);
}

/* *out_number = *out_number * 2 + 42: from 0 it becomes 42. */
void manipulate_number(int *out_number) {
  *out_number = *out_number * 2 + 42;
}

/* Takes a little while (it is run on the thread pool by the async
 * example), then returns twice its argument. */
int mycall(int value) {
  struct timespec ts = { 0, 20 * 1000 * 1000 };
  nanosleep(&ts, NULL);
  return value * 2;
}

static my_callback registered = NULL;

/* Registers the callback and calls it once right away. */
void setCallback(my_callback cb) {
  registered = cb;
  if (cb) cb(1, "registered");
}

/* Calls the registered callback again; 0 when there is none. */
int fireCallback(int id, const char *name) {
  if (!registered) return 0;
  registered(id, name);
  return 1;
}

/* For examples/more/thread-callback.js: calls cb(x) from a new thread and
 * returns its result. */
#include <pthread.h>
struct thread_call { int (*cb)(int); int x; int result; };
static void *thread_main(void *arg) {
  struct thread_call *c = arg;
  c->result = c->cb(c->x);
  return NULL;
}
int call_in_thread(int (*cb)(int), int x) {
  struct thread_call c = { cb, x, 0 };
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, &c) != 0) return -1;
  pthread_join(t, NULL);
  return c.result;
}

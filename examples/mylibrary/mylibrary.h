/* libmylibrary: the fictitious library of the node-ffi tutorial
 * ("Common Usage", "Output Parameters", "Async Library Calls",
 * "Callbacks"), made real so that the examples run. */
#ifndef MYLIBRARY_H
#define MYLIBRARY_H

typedef struct myobj myobj;

double    do_some_number_fudging(double a, int b);
myobj *   create_object();
double    do_stuff_with_object(myobj *obj);
void      use_string_with_object(myobj *obj, char *value);
void      delete_object(myobj *obj);

void      manipulate_number(int *out_number);
int       mycall(int value);

typedef void (*my_callback)(int id, const char *name);
void      setCallback(my_callback cb);
int       fireCallback(int id, const char *name);

#endif
int call_in_thread(int (*cb)(int), int x);

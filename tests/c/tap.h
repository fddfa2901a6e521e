/*
** tap.h: a tiny TAP producer for the C unit tests.
**   TAP_OK(cond, name)  TAP_NEAR(a, b, tol, name)  return tap_done();
*/
#ifndef TY_TAP_H
#define TY_TAP_H

#include <math.h>
#include <stdio.h>

static int tap_count = 0, tap_failed = 0;

static void tap_ok (int cond, const char *name, const char *file, int line) {
  tap_count++;
  if (!cond) tap_failed++;
  printf("%s %d - %s\n", cond ? "ok" : "not ok", tap_count, name);
  if (!cond) printf("#   failed at %s:%d\n", file, line);
}

#define TAP_OK(cond, name) tap_ok((cond) != 0, (name), __FILE__, __LINE__)
#define TAP_NEAR(a, b, tol, name) \
  tap_ok(fabs((double)(a) - (double)(b)) <= (tol), (name), __FILE__, __LINE__)

static int tap_done (void) {
  printf("1..%d\n", tap_count);
  return tap_failed != 0;
}

#endif

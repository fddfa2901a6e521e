/*
** test_core.c: unit tests of core code that runs without Lua.
*/
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "ty_mat.h"
#include "ty_interrupt.h"

static void test_allfinite (void) {
  double d[4] = {1, 2, 3, 4};
  ty_mat A = {2, 2, 0, d};
  TAP_OK(ty_mat_allfinite(&A), "finite matrix is finite");
  d[2] = NAN;
  TAP_OK(!ty_mat_allfinite(&A), "NaN is found");
  d[2] = INFINITY;
  TAP_OK(!ty_mat_allfinite(&A), "Inf is found");
  A.rows = 0;
  TAP_OK(ty_mat_allfinite(&A), "empty matrix is finite");
}

static void test_interrupt_flag (void) {
  TAP_OK(!ty_interrupted(), "flag starts clear");
  ty_interrupt_flag = 1;
  TAP_OK(ty_interrupted(), "flag seen when set");
  ty_interrupt_flag = 0;
}

int main (void) {
  test_allfinite();
  test_interrupt_flag();
  return tap_done();
}

/*
** ldebug.c: tycho.debug, hooks for the test suite: a native busy loop that
** Ctrl-C must interrupt, compiled into the module library like every
** numeric kernel, so the test exercises the same interrupt path.
*/
#include <time.h>

#include "tycho.h"
#include "mod/modules.h"

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* tycho.debug.spin(seconds): a busy native loop, polling the interrupt flag
** the way every long kernel must.  Returns the number of iterations. */
static int debug_spin (lua_State *L) {
  double seconds = luaL_checknumber(L, 1), t0 = now();
  volatile double x = 0.0;
  lua_Integer iters = 0;
  luaL_argcheck(L, seconds >= 0, 1, "nonnegative number of seconds expected");
  while (now() - t0 < seconds) {
    int k;
    for (k = 0; k < 10000; k++) x += 1e-9;
    iters++;
    TY_POLL(L);
  }
  lua_pushinteger(L, iters);
  return 1;
}

static const luaL_Reg debug_funcs[] = {
  {"spin", debug_spin},
  {NULL, NULL}
};

int luaopen_tycho_debug (lua_State *L) {
  luaL_newlib(L, debug_funcs);
  return 1;
}

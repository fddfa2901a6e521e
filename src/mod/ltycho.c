/*
** ltycho.c: the `tycho` module: version, and tycho.debug, the hooks the
** test suite uses (a native busy loop that Ctrl-C must interrupt).
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tycho.h"
#include "mod/modules.h"

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* tycho.debug.spin(seconds): busy native loop, polling the interrupt flag
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

/* tycho.clock(): monotonic seconds (tic/toc use it) */
static int tycho_clock (lua_State *L) {
  lua_pushnumber(L, now());
  return 1;
}

/* tycho.colorterm(): may colour escapes go to standard output?  (a
** terminal, TERM not dumb, NO_COLOR unset, no --no-color option) */
static int tycho_colorterm (lua_State *L) {
  const char *term = getenv("TERM");
  int on = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
           term != NULL && strcmp(term, "dumb") != 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "tycho.nocolor");
  lua_pushboolean(L, on && !lua_toboolean(L, -1));
  return 1;
}

static const luaL_Reg debug_funcs[] = {
  {"spin", debug_spin},
  {NULL, NULL}
};

static const luaL_Reg tycho_funcs[] = {
  {"clock", tycho_clock},
  {"colorterm", tycho_colorterm},
  {NULL, NULL}
};

int luaopen_tycho (lua_State *L) {
  luaL_newlib(L, tycho_funcs);
  lua_pushliteral(L, TY_VERSION);
  lua_setfield(L, -2, "version");
  luaL_newlib(L, debug_funcs);
  lua_setfield(L, -2, "debug");
  return 1;
}

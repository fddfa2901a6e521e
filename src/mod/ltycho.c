/*
** ltycho.c: the `tycho` module of the host itself: version, clock and
** colour.  It is part of the tycho executable (it needs no numerics), so
** start-up loads no numeric library; tycho.debug lives in the module
** library (ldebug.c) and is loaded on first use like every module.
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

static const luaL_Reg tycho_funcs[] = {
  {"clock", tycho_clock},
  {"colorterm", tycho_colorterm},
  {NULL, NULL}
};

int luaopen_tycho (lua_State *L) {
  luaL_newlib(L, tycho_funcs);
  lua_pushliteral(L, TY_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}

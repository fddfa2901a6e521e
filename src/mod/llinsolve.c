/* llinsolve.c: placeholder until the linsolve module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_linsolve (lua_State *L) {
  lua_newtable(L);
  return 1;
}

/* lrand.c: placeholder until the rand module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_rand (lua_State *L) {
  lua_newtable(L);
  return 1;
}

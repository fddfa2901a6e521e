/* lot.c: placeholder until the ot module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_ot (lua_State *L) {
  lua_newtable(L);
  return 1;
}

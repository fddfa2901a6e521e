/* lnn.c: placeholder until the nn module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_nn (lua_State *L) {
  lua_newtable(L);
  return 1;
}

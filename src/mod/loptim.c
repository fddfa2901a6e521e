/* loptim.c: placeholder until the optim module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_optim (lua_State *L) {
  lua_newtable(L);
  return 1;
}

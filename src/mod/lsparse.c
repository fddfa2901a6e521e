/* lsparse.c: placeholder until the sparse module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_sparse (lua_State *L) {
  lua_newtable(L);
  return 1;
}

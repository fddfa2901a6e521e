/* llinalg.c: placeholder until the linalg module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_linalg (lua_State *L) {
  lua_newtable(L);
  return 1;
}

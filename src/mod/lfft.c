/* lfft.c: placeholder until the fft module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_fft (lua_State *L) {
  lua_newtable(L);
  return 1;
}

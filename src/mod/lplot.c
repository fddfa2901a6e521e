/* lplot.c: placeholder until the plot module lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

int luaopen_tycho_plot (lua_State *L) {
  lua_newtable(L);
  return 1;
}

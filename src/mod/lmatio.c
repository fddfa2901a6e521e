/* lmatio.c: placeholder until mat.load / A:save land (being written). */
#include "tycho.h"
#include "mod/modules.h"

void ty_mat_io_register (lua_State *L, int lib, int methods) {
  (void)L; (void)lib; (void)methods;
}

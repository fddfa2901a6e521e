/* lmat_ops.c: placeholder until matrix arithmetic lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

void ty_mat_ops_register (lua_State *L, int lib, int methods) {
  (void)L; (void)lib; (void)methods;
}

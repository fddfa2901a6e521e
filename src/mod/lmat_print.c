/* lmat_print.c: placeholder until matrix printing lands (being written). */
#include "tycho.h"
#include "mod/modules.h"

void ty_mat_print_register (lua_State *L, int lib, int methods) {
  (void)L; (void)lib; (void)methods;
}

/*
** modules.h: the luaopen_ functions of the native modules.  All but
** luaopen_tycho live in the module library tycho_modules.so, which the
** host loads with package.loadlib the first time a module is required
** (see src/main.c), so start-up does not pay for OpenBLAS and FFTW.
*/
#ifndef TY_MODULES_H
#define TY_MODULES_H

#include <lua.h>

int luaopen_tycho (lua_State *L);          /* ltycho.c (host): version, clock */
int luaopen_tycho_debug (lua_State *L);    /* ldebug.c: test hooks */
int luaopen_tycho_mat (lua_State *L);      /* lmat.c (+ lmat_ops.c, lmat_print.c) */
int luaopen_tycho_rand (lua_State *L);     /* lrand.c */
int luaopen_tycho_linalg (lua_State *L);   /* llinalg.c */
int luaopen_tycho_fft (lua_State *L);      /* lfft.c */
int luaopen_tycho_sparse (lua_State *L);   /* lsparse.c */
int luaopen_tycho_plot (lua_State *L);     /* lplot.c: gnuplot processes */
int luaopen_tycho_linsolve (lua_State *L); /* llinsolve.c: CG, SOR, tuners */
int luaopen_tycho_ot (lua_State *L);       /* lot.c: optimal transport */
int luaopen_tycho_optim (lua_State *L);    /* loptim.c: optimizers, CBO */
int luaopen_tycho_nn (lua_State *L);       /* lnn.c: networks, K-FAC, MKOR */

/* lmat_ops.c, lmat_print.c and lmatio.c fill in the mat library and its methods */
void ty_mat_ops_register (lua_State *L, int lib, int methods);
void ty_mat_print_register (lua_State *L, int lib, int methods);
/* lmatio.c: mat.load and A:save */
void ty_mat_io_register (lua_State *L, int lib, int methods);

#endif

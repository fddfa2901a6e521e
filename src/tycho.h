/*
** tycho.h: the one header the Lua bindings (src/mod/) share.
**
** The helpers here are implemented in src/ty_lua.c.  They give every module
** the same conventions:
**   - a matrix argument may be a tycho.mat, a Lua table of numbers (a
**     vector, or a table of rows), or a number (a 1x1 matrix);
**   - new matrices live in Lua userdata, so the collector owns them;
**   - scratch memory is a userdata on the stack, freed by the collector
**     even when an error or an interrupt unwinds the call;
**   - long native loops call TY_POLL(L) (see src/core/ty_interrupt.h).
*/
#ifndef TYCHO_H
#define TYCHO_H

#include <lua.h>
#include <lauxlib.h>

#include "ty_mat.h"
#include "ty_interrupt.h"

#define TY_VERSION "0.1.0"

/* userdata type names, as Lua's own messages will print them */
#define TY_MAT_T     "tycho.mat"
#define TY_SPARSE_T  "tycho.sparse"

/* ---- matrices --------------------------------------------------------- */

/* the matrix at idx, or NULL when the value there is not a tycho.mat */
ty_mat *ty_tomat (lua_State *L, int idx);

/* Matrix argument `arg`: a tycho.mat, a table of numbers (column vector),
** a table of tables (rows), or a number (1x1).  Non-mat values are
** converted and the converted mat replaces the argument on the stack, so it
** stays alive for the duration of the call.  Raises a Lua argument error
** otherwise. */
ty_mat *ty_checkmat (lua_State *L, int arg);

/* ty_checkmat, and the result must be real */
ty_mat *ty_checkrealmat (lua_State *L, int arg);

/* Push a new rows x cols matrix whose elements are uninitialized.
** Raises a memory error (before creating anything) if the size overflows. */
ty_mat *ty_newmat (lua_State *L, size_t rows, size_t cols, int cplx);

/* Push a new rows x cols matrix of zeros. */
ty_mat *ty_newzeros (lua_State *L, size_t rows, size_t cols, int cplx);

/* Push a deep copy of A, optionally promoted to complex. */
ty_mat *ty_pushcopy (lua_State *L, const ty_mat *A, int cplx);

/* A nonnegative integer dimension argument. */
size_t ty_checkdim (lua_State *L, int arg);

/* Raise "bad argument #arg to 'f' (<expected> expected, got <m>x<n>)". */
int ty_shapeerror (lua_State *L, int arg, const char *expected,
                   const ty_mat *got);

/* Raise an argument error if A has a NaN or an Inf. */
void ty_checkfinite (lua_State *L, int arg, const ty_mat *A);

/* ---- scratch memory and errors --------------------------------------- */

/* Push a userdata of n bytes and return its memory (aligned to 64). */
void *ty_newbuf (lua_State *L, size_t nbytes);

/* n * size, raising a memory error on overflow */
size_t ty_mulsize (lua_State *L, size_t n, size_t size);

/* Raise the error "interrupted" (clears the flag). */
int ty_raise_interrupt (lua_State *L);

#define TY_POLL(L) \
  do { if (ty_interrupt_flag) ty_raise_interrupt(L); } while (0)

/* ---- registration ---------------------------------------------------- */

/* Create a new library table from funcs (pushed on the stack). */
#define ty_newlib(L, funcs) luaL_newlib(L, funcs)

#endif

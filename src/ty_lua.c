/*
** ty_lua.c: helpers every binding shares (declared in tycho.h).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tycho.h"

#define TY_ALIGN 64

/* ====================================================================== */
/* sizes and scratch memory                                               */
/* ====================================================================== */

size_t ty_mulsize (lua_State *L, size_t n, size_t size) {
  if (size != 0 && n > (SIZE_MAX / 2 - 4 * TY_ALIGN) / size)
    luaL_error(L, "not enough memory (size overflow)");
  return n * size;
}

/* Align p up to TY_ALIGN bytes. */
static void *align_up (void *p) {
  uintptr_t u = (uintptr_t)p;
  return (void *)((u + TY_ALIGN - 1) & ~(uintptr_t)(TY_ALIGN - 1));
}

void *ty_newbuf (lua_State *L, size_t nbytes) {
  void *p = align_up(lua_newuserdatauv(L, nbytes + TY_ALIGN, 0));
  ty_hugepages(p, nbytes);            /* large: fewer page faults */
  return p;
}

int ty_raise_interrupt (lua_State *L) {
  ty_interrupt_flag = 0;
  lua_pushliteral(L, "interrupted");
  return lua_error(L);
}

/* ====================================================================== */
/* matrices                                                               */
/* ====================================================================== */

/* The matrix metatable without its name.  luaL_testudata and
** luaL_setmetatable find it by name in the registry at every call (the
** API string cache compares names with strcmp: 4% of a loop of 3x3
** operations).  ty_tomat compares the metatable's address with the one
** last seen, together with the address of the state's registry (so
** another state never matches); ty_newmat keeps the table in the registry
** under a light-userdata key as well. */
static const void *mat_mt, *mat_registry;
static const char mat_key = 0;

static int is_mat_mt (lua_State *L, int idx) {   /* idx: a metatable */
  const void *mt = lua_topointer(L, idx), *reg;
  int yes;
  reg = lua_topointer(L, LUA_REGISTRYINDEX);
  if (mt == mat_mt && reg == mat_registry && mt != NULL) return 1;
  luaL_getmetatable(L, TY_MAT_T);
  yes = lua_rawequal(L, -1, idx < 0 ? idx - 1 : idx);
  lua_pop(L, 1);
  if (yes) {
    mat_mt = mt;
    mat_registry = reg;
  }
  return yes;
}

ty_mat *ty_tomat (lua_State *L, int idx) {
  void *p = lua_touserdata(L, idx);
  int yes;
  if (p == NULL || lua_islightuserdata(L, idx) || !lua_getmetatable(L, idx))
    return NULL;
  yes = is_mat_mt(L, -1);
  lua_pop(L, 1);
  return yes ? (ty_mat *)p : NULL;
}

/* set the matrix metatable on the value at the top */
static void set_mat_mt (lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &mat_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    luaL_getmetatable(L, TY_MAT_T);
    if (lua_istable(L, -1)) {          /* keep it under the key too */
      lua_pushvalue(L, -1);
      lua_rawsetp(L, LUA_REGISTRYINDEX, &mat_key);
    }
  }
  lua_setmetatable(L, -2);
}

/* Push a matrix header and its storage in one userdata block: the
** collector sees the full size, and there is nothing else to free. */
ty_mat *ty_newmat (lua_State *L, size_t rows, size_t cols, int cplx) {
  size_t n, bytes;
  ty_mat *A;
  if (cols != 0 && rows > SIZE_MAX / cols)
    luaL_error(L, "not enough memory (matrix of %I x %I elements)",
               (lua_Integer)rows, (lua_Integer)cols);
  n = rows * cols;
  bytes = ty_mulsize(L, n, TY_ELSIZE(cplx));
  A = (ty_mat *)lua_newuserdatauv(L, sizeof(ty_mat) + TY_ALIGN + bytes, 0);
  A->rows = rows;
  A->cols = cols;
  A->cplx = cplx ? 1 : 0;
  A->data = (double *)align_up((char *)A + sizeof(ty_mat));
  ty_mat_hugepages(A);                  /* large: fewer page faults */
  set_mat_mt(L);
  return A;
}

ty_mat *ty_newzeros (lua_State *L, size_t rows, size_t cols, int cplx) {
  ty_mat *A = ty_newmat(L, rows, cols, cplx);
  memset(A->data, 0, TY_NUMEL(A) * TY_ELSIZE(A->cplx));
  return A;
}

ty_mat *ty_pushcopy (lua_State *L, const ty_mat *A, int cplx) {
  size_t k, n = TY_NUMEL(A);
  ty_mat *B = ty_newmat(L, A->rows, A->cols, cplx || A->cplx);
  if (B->cplx == A->cplx)
    memcpy(B->data, A->data, n * TY_ELSIZE(A->cplx));
  else
    for (k = 0; k < n; k++) {
      B->data[2 * k] = A->data[k];
      B->data[2 * k + 1] = 0.0;
    }
  return B;
}

size_t ty_checkdim (lua_State *L, int arg) {
  lua_Integer d = luaL_checkinteger(L, arg);
  luaL_argcheck(L, d >= 0, arg, "nonnegative size expected");
  return (size_t)d;
}

int ty_shapeerror (lua_State *L, int arg, const char *expected,
                   const ty_mat *got) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "%s expected, got %Ix%I",
                       expected, (lua_Integer)got->rows,
                       (lua_Integer)got->cols));
}

void ty_checkfinite (lua_State *L, int arg, const ty_mat *A) {
  if (!ty_mat_allfinite(A))
    luaL_argerror(L, arg, "matrix has NaN or Inf elements");
}

/* The number at index k of the table at idx, or an argument error. */
static double table_number (lua_State *L, int arg, int idx, lua_Integer k) {
  int isnum;
  double v;
  lua_geti(L, idx, k);
  v = (double)lua_tonumberx(L, -1, &isnum);
  if (!isnum)
    luaL_argerror(L, arg, lua_pushfstring(L,
                  "table of numbers expected, got %s at index %I",
                  luaL_typename(L, -1), k));
  lua_pop(L, 1);
  return v;
}

/* Convert the table at arg into a new matrix (pushed). */
static ty_mat *table_to_mat (lua_State *L, int arg) {
  lua_Integer m = luaL_len(L, arg), n, i, j;
  ty_mat *A;
  if (m > 0 && lua_geti(L, arg, 1) == LUA_TTABLE) {  /* table of rows */
    n = luaL_len(L, -1);
    lua_pop(L, 1);
    A = ty_newmat(L, (size_t)m, (size_t)n, 0);
    for (i = 1; i <= m; i++) {
      if (lua_geti(L, arg, i) != LUA_TTABLE || luaL_len(L, -1) != n)
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "row %I has not %I elements", i, n));
      for (j = 1; j <= n; j++)
        TY_RE(A, i - 1, j - 1) = table_number(L, arg, lua_gettop(L), j);
      lua_pop(L, 1);
    }
    return A;
  }
  if (m > 0) lua_pop(L, 1);
  A = ty_newmat(L, (size_t)m, 1, 0);
  for (i = 1; i <= m; i++)
    A->data[i - 1] = table_number(L, arg, arg, i);
  return A;
}

ty_mat *ty_checkmat (lua_State *L, int arg) {
  ty_mat *A = ty_tomat(L, arg);
  if (A != NULL) return A;
  arg = lua_absindex(L, arg);
  switch (lua_type(L, arg)) {
    case LUA_TNUMBER: {
      double v = lua_tonumber(L, arg);
      A = ty_newmat(L, 1, 1, 0);
      A->data[0] = v;
      break;
    }
    case LUA_TTABLE:
      A = table_to_mat(L, arg);
      break;
    default:
      luaL_typeerror(L, arg, TY_MAT_T);
      return NULL;
  }
  lua_replace(L, arg);
  return A;
}

ty_mat *ty_checkrealmat (lua_State *L, int arg) {
  ty_mat *A = ty_checkmat(L, arg);
  luaL_argcheck(L, !A->cplx, arg, "real matrix expected, got complex");
  return A;
}

/*
** lmat.c: the tycho.mat type: the metatable, constructors, shape,
** indexing, copies and conversions.  Arithmetic and reductions are in
** lmat_ops.c, printing in lmat_print.c, files in lmatio.c; each adds its
** functions to the library and method tables built here.
*/
#include <math.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* Store the number or 1x1 matrix at idx into element k of A. */
static void set_element (lua_State *L, ty_mat *A, size_t k, int idx,
                         int arg) {
  ty_mat *v;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    double x = lua_tonumber(L, idx);
    if (A->cplx) { A->data[2 * k] = x; A->data[2 * k + 1] = 0.0; }
    else A->data[k] = x;
    return;
  }
  v = ty_tomat(L, idx);
  if (v == NULL || TY_NUMEL(v) != 1)
    luaL_argerror(L, arg, "number or 1x1 matrix expected");
  if (v->cplx && !A->cplx)
    luaL_argerror(L, arg, "cannot store a complex value in a real matrix "
                  "(make it complex first with mat.complex)");
  if (A->cplx) {
    A->data[2 * k] = v->data[0];
    A->data[2 * k + 1] = v->cplx ? v->data[1] : 0.0;
  }
  else A->data[k] = v->data[0];
}

/* Push element k of A: a number, or a 1x1 complex matrix. */
static void push_element (lua_State *L, const ty_mat *A, size_t k) {
  if (A->cplx) {
    ty_mat *z = ty_newmat(L, 1, 1, 1);
    z->data[0] = A->data[2 * k];
    z->data[1] = A->data[2 * k + 1];
  }
  else lua_pushnumber(L, A->data[k]);
}

/* The 0-based linear index named by the key at idx (a 1-based integer or
** a table {i, j}); raises on a bad or out-of-range key. */
static size_t check_index (lua_State *L, const ty_mat *A, int idx) {
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_Integer i, j;
    int ok1, ok2;
    lua_geti(L, idx, 1);
    lua_geti(L, idx, 2);
    i = lua_tointegerx(L, -2, &ok1);
    j = lua_tointegerx(L, -1, &ok2);
    lua_pop(L, 2);
    if (!ok1 || !ok2)
      luaL_error(L, "matrix index {i, j} needs two integers");
    if (i < 1 || (size_t)i > A->rows || j < 1 || (size_t)j > A->cols)
      luaL_error(L, "index {%I, %I} out of range for a %Ix%I matrix",
                 i, j, (lua_Integer)A->rows, (lua_Integer)A->cols);
    return (size_t)(j - 1) * A->rows + (size_t)(i - 1);
  }
  else {
    int ok;
    lua_Integer k = lua_tointegerx(L, idx, &ok);
    if (!ok)
      luaL_error(L, "matrix index must be an integer, a {i, j} table or "
                 "a method name, got %s", luaL_typename(L, idx));
    if (k < 1 || (size_t)k > TY_NUMEL(A))
      luaL_error(L, "index %I out of range for a %Ix%I matrix", k,
                 (lua_Integer)A->rows, (lua_Integer)A->cols);
    return (size_t)(k - 1);
  }
}

/* ====================================================================== */
/* metamethods                                                            */
/* ====================================================================== */

/* A[k], A[{i, j}], or a method (upvalue 1 is the methods table) */
static int mat_index (lua_State *L) {
  ty_mat *A = (ty_mat *)lua_touserdata(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
  }
  push_element(L, A, check_index(L, A, 2));
  return 1;
}

static int mat_newindex (lua_State *L) {
  ty_mat *A = (ty_mat *)lua_touserdata(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING)
    return luaL_error(L, "cannot set field '%s' of a matrix",
                      lua_tostring(L, 2));
  set_element(L, A, check_index(L, A, 2), 3, 3);
  return 0;
}

static int mat_len (lua_State *L) {
  ty_mat *A = (ty_mat *)lua_touserdata(L, 1);
  lua_pushinteger(L, (lua_Integer)TY_NUMEL(A));
  return 1;
}

/* ====================================================================== */
/* constructors                                                           */
/* ====================================================================== */

/* mat{...} or mat(A): a new matrix from a table (vector or rows), a
** number (1x1) or a copy of a matrix */
static int mat_call (lua_State *L) {
  ty_mat *A;
  lua_remove(L, 1);                         /* the library table */
  luaL_checkany(L, 1);
  A = ty_tomat(L, 1);
  if (A != NULL) ty_pushcopy(L, A, 0);
  else ty_checkmat(L, 1);                   /* converts in place */
  lua_settop(L, 1 + (A != NULL));
  return 1;
}

/* the optional column count at arg, default 1 */
static size_t opt_cols (lua_State *L, int arg) {
  return lua_isnoneornil(L, arg) ? 1 : ty_checkdim(L, arg);
}

static void fill (ty_mat *A, double v) {
  size_t k, n = TY_NUMEL(A);
  if (A->cplx)
    for (k = 0; k < n; k++) { A->data[2 * k] = v; A->data[2 * k + 1] = 0; }
  else
    for (k = 0; k < n; k++) A->data[k] = v;
}

static int mat_zeros (lua_State *L) {
  size_t m = ty_checkdim(L, 1), n = opt_cols(L, 2);
  ty_newzeros(L, m, n, 0);
  return 1;
}

static int mat_ones (lua_State *L) {
  size_t m = ty_checkdim(L, 1), n = opt_cols(L, 2);
  fill(ty_newmat(L, m, n, 0), 1.0);
  return 1;
}

static int mat_fill (lua_State *L) {
  size_t m = ty_checkdim(L, 1), n = ty_checkdim(L, 2);
  double v = luaL_checknumber(L, 3);
  fill(ty_newmat(L, m, n, 0), v);
  return 1;
}

/* mat.eye(n [, m]): n x m with ones on the diagonal */
static int mat_eye (lua_State *L) {
  size_t m = ty_checkdim(L, 1);
  size_t n = lua_isnoneornil(L, 2) ? m : ty_checkdim(L, 2), k;
  ty_mat *A = ty_newzeros(L, m, n, 0);
  for (k = 0; k < m && k < n; k++) TY_RE(A, k, k) = 1.0;
  return 1;
}

/* mat.linspace(a, b, n): n points from a to b, both included */
static int mat_linspace (lua_State *L) {
  double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
  size_t n = ty_checkdim(L, 3), k;
  ty_mat *x = ty_newmat(L, n, 1, 0);
  for (k = 0; k < n; k++)
    x->data[k] = (n == 1) ? b : a + (b - a) * (double)k / (double)(n - 1);
  if (n > 1) x->data[n - 1] = b;
  return 1;
}

/* mat.diag(v [, k]): square matrix with v on diagonal k (default 0) */
static int mat_diagm (lua_State *L) {
  ty_mat *v = ty_checkmat(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 0);
  size_t len = TY_NUMEL(v), i, off = (size_t)(k < 0 ? -k : k), n;
  ty_mat *D;
  if (v->rows != 1 && v->cols != 1 && len != 0)
    return ty_shapeerror(L, 1, "vector", v);
  n = len + off;
  D = ty_newzeros(L, n, n, v->cplx);
  for (i = 0; i < len; i++) {
    size_t r = (k >= 0) ? i : i + off, c = (k >= 0) ? i + off : i;
    size_t at = c * n + r;
    if (v->cplx) {
      D->data[2 * at] = v->data[2 * i];
      D->data[2 * at + 1] = v->data[2 * i + 1];
    }
    else D->data[at] = v->data[i];
  }
  return 1;
}

/* A:diag([k]): diagonal k of A as a column vector */
static int m_diag (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1), *d;
  lua_Integer k = luaL_optinteger(L, 2, 0);
  size_t r0 = (k < 0) ? (size_t)(-k) : 0, c0 = (k > 0) ? (size_t)k : 0;
  size_t len = 0, i;
  if (r0 < A->rows && c0 < A->cols) {
    len = A->rows - r0;
    if (A->cols - c0 < len) len = A->cols - c0;
  }
  d = ty_newmat(L, len, 1, A->cplx);
  for (i = 0; i < len; i++) {
    size_t at = (c0 + i) * A->rows + r0 + i;
    if (A->cplx) {
      d->data[2 * i] = A->data[2 * at];
      d->data[2 * i + 1] = A->data[2 * at + 1];
    }
    else d->data[i] = A->data[at];
  }
  return 1;
}

/* mat.complex(re [, im]): complex matrix (or 1x1 from numbers) */
static int mat_complex (lua_State *L) {
  ty_mat *re = ty_checkmat(L, 1), *im = NULL, *Z;
  size_t k, n = TY_NUMEL(re);
  luaL_argcheck(L, !re->cplx, 1, "real matrix expected, got complex");
  if (!lua_isnoneornil(L, 2)) {
    im = ty_checkmat(L, 2);
    luaL_argcheck(L, !im->cplx, 2, "real matrix expected, got complex");
    if (im->rows != re->rows || im->cols != re->cols)
      return luaL_argerror(L, 2, lua_pushfstring(L,
             "%Ix%I matrix expected, got %Ix%I", (lua_Integer)re->rows,
             (lua_Integer)re->cols, (lua_Integer)im->rows,
             (lua_Integer)im->cols));
  }
  Z = ty_newmat(L, re->rows, re->cols, 1);
  for (k = 0; k < n; k++) {
    Z->data[2 * k] = re->data[k];
    Z->data[2 * k + 1] = im ? im->data[k] : 0.0;
  }
  return 1;
}

/* Copy the elements of S into D at row offset r0, column offset c0. */
static void place (ty_mat *D, const ty_mat *S, size_t r0, size_t c0) {
  size_t i, j;
  for (j = 0; j < S->cols; j++)
    for (i = 0; i < S->rows; i++) {
      size_t from = j * S->rows + i, to = (c0 + j) * D->rows + r0 + i;
      if (D->cplx) {
        D->data[2 * to] = S->cplx ? S->data[2 * from] : S->data[from];
        D->data[2 * to + 1] = S->cplx ? S->data[2 * from + 1] : 0.0;
      }
      else D->data[to] = S->data[from];
    }
}

/* mat.hcat(A, B, ...) and mat.vcat(A, B, ...) */
static int concat (lua_State *L, int horizontal) {
  int i, n = lua_gettop(L), cplx = 0;
  size_t rows = 0, cols = 0, at = 0;
  ty_mat *R;
  luaL_argcheck(L, n >= 1, 1, "at least one matrix expected");
  for (i = 1; i <= n; i++) {
    ty_mat *A = ty_checkmat(L, i);
    size_t along = horizontal ? A->rows : A->cols;
    size_t first = horizontal ? rows : cols;
    cplx |= A->cplx;
    if (i > 1 && along != first)
      return luaL_argerror(L, i, lua_pushfstring(L,
        "%I %s expected (as argument #1), got %Ix%I", (lua_Integer)first,
        horizontal ? "rows" : "columns",
        (lua_Integer)A->rows, (lua_Integer)A->cols));
    if (horizontal) { rows = A->rows; cols += A->cols; }
    else { cols = A->cols; rows += A->rows; }
  }
  R = ty_newmat(L, rows, cols, cplx);
  for (i = 1; i <= n; i++) {
    ty_mat *A = ty_tomat(L, i);
    if (horizontal) { place(R, A, 0, at); at += A->cols; }
    else { place(R, A, at, 0); at += A->rows; }
  }
  return 1;
}

static int mat_hcat (lua_State *L) { return concat(L, 1); }
static int mat_vcat (lua_State *L) { return concat(L, 0); }

static int mat_ismat (lua_State *L) {
  lua_pushboolean(L, ty_tomat(L, 1) != NULL);
  return 1;
}

/* ====================================================================== */
/* shape, pieces and copies                                               */
/* ====================================================================== */

static int m_rows (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ty_checkmat(L, 1)->rows);
  return 1;
}

static int m_cols (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ty_checkmat(L, 1)->cols);
  return 1;
}

static int m_size (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  lua_pushinteger(L, (lua_Integer)A->rows);
  lua_pushinteger(L, (lua_Integer)A->cols);
  return 2;
}

static int m_iscomplex (lua_State *L) {
  lua_pushboolean(L, ty_checkmat(L, 1)->cplx);
  return 1;
}

static int m_copy (lua_State *L) {
  ty_pushcopy(L, ty_checkmat(L, 1), 0);
  return 1;
}

/* Push the block rows [r1, r2] x columns [c1, c2] (0-based, inclusive). */
static void push_block (lua_State *L, const ty_mat *A, size_t r1, size_t r2,
                        size_t c1, size_t c2) {
  size_t m = r2 + 1 - r1, n = c2 + 1 - c1, j, es = TY_ELSIZE(A->cplx);
  ty_mat *B = ty_newmat(L, m, n, A->cplx);
  for (j = 0; j < n; j++)
    memcpy((char *)B->data + j * m * es,
           (char *)A->data + ((c1 + j) * A->rows + r1) * es, m * es);
}

/* a 1-based index argument in [1, max] */
static size_t check_range (lua_State *L, int arg, size_t max,
                           const char *what) {
  lua_Integer i = luaL_checkinteger(L, arg);
  if (i < 1 || (size_t)i > max)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s index %I out of range 1..%I",
                  what, i, (lua_Integer)max));
  return (size_t)(i - 1);
}

static int m_row (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  size_t i = check_range(L, 2, A->rows, "row");
  push_block(L, A, i, i, 0, A->cols - 1);
  return 1;
}

static int m_col (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  size_t j = check_range(L, 2, A->cols, "column");
  push_block(L, A, 0, A->rows - 1, j, j);
  return 1;
}

/* A:sub(i1, i2, j1, j2): rows i1..i2, columns j1..j2 (a copy) */
static int m_sub (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  size_t i1 = check_range(L, 2, A->rows, "row");
  size_t i2 = check_range(L, 3, A->rows, "row");
  size_t j1 = check_range(L, 4, A->cols, "column");
  size_t j2 = check_range(L, 5, A->cols, "column");
  luaL_argcheck(L, i2 >= i1, 3, "last row before first row");
  luaL_argcheck(L, j2 >= j1, 5, "last column before first column");
  push_block(L, A, i1, i2, j1, j2);
  return 1;
}

/* A:reshape(m, n): same elements in column-major order, new shape */
static int m_reshape (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1), *B;
  size_t m = ty_checkdim(L, 2), n = ty_checkdim(L, 3);
  if (n != 0 && m > (size_t)-1 / n) luaL_argerror(L, 3, "size overflow");
  if (m * n != TY_NUMEL(A))
    return luaL_error(L, "cannot reshape a %Ix%I matrix (%I elements) "
                      "to %Ix%I", (lua_Integer)A->rows, (lua_Integer)A->cols,
                      (lua_Integer)TY_NUMEL(A), (lua_Integer)m,
                      (lua_Integer)n);
  B = ty_pushcopy(L, A, 0);
  B->rows = m;
  B->cols = n;
  return 1;
}

/* transpose, conjugating when conj is set */
static int transpose (lua_State *L, int conj) {
  ty_mat *A = ty_checkmat(L, 1);
  ty_mat *B = ty_newmat(L, A->cols, A->rows, A->cplx);
  size_t i, j, m = A->rows, n = A->cols;
  const size_t bs = 32;                /* blocked for cache reuse */
  size_t ib, jb;
  for (jb = 0; jb < n; jb += bs)
    for (ib = 0; ib < m; ib += bs)
      for (j = jb; j < n && j < jb + bs; j++)
        for (i = ib; i < m && i < ib + bs; i++) {
          size_t from = j * m + i, to = i * n + j;
          if (A->cplx) {
            B->data[2 * to] = A->data[2 * from];
            B->data[2 * to + 1] = conj ? -A->data[2 * from + 1]
                                       : A->data[2 * from + 1];
          }
          else B->data[to] = A->data[from];
        }
  return 1;
}

static int m_t (lua_State *L) { return transpose(L, 0); }
static int m_ct (lua_State *L) { return transpose(L, 1); }

/* A:totable(): a table of rows (a vector gives a flat table); complex
** elements become {re, im} pairs */
static int m_totable (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  size_t i, j;
  int flat = (A->cols == 1 || A->rows == 1);
  if (flat) {
    size_t n = TY_NUMEL(A), k;
    lua_createtable(L, (int)n, 0);
    for (k = 0; k < n; k++) {
      if (A->cplx) {
        lua_createtable(L, 2, 0);
        lua_pushnumber(L, A->data[2 * k]);
        lua_rawseti(L, -2, 1);
        lua_pushnumber(L, A->data[2 * k + 1]);
        lua_rawseti(L, -2, 2);
      }
      else lua_pushnumber(L, A->data[k]);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
  }
  lua_createtable(L, (int)A->rows, 0);
  for (i = 0; i < A->rows; i++) {
    lua_createtable(L, (int)A->cols, 0);
    for (j = 0; j < A->cols; j++) {
      size_t k = j * A->rows + i;
      if (A->cplx) {
        lua_createtable(L, 2, 0);
        lua_pushnumber(L, A->data[2 * k]);
        lua_rawseti(L, -2, 1);
        lua_pushnumber(L, A->data[2 * k + 1]);
        lua_rawseti(L, -2, 2);
      }
      else lua_pushnumber(L, A->data[k]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg mat_funcs[] = {
  {"zeros", mat_zeros},
  {"ones", mat_ones},
  {"eye", mat_eye},
  {"fill", mat_fill},
  {"linspace", mat_linspace},
  {"diag", mat_diagm},
  {"hcat", mat_hcat},
  {"vcat", mat_vcat},
  {"complex", mat_complex},
  {"ismat", mat_ismat},
  {NULL, NULL}
};

static const luaL_Reg mat_methods[] = {
  {"rows", m_rows},
  {"cols", m_cols},
  {"size", m_size},
  {"iscomplex", m_iscomplex},
  {"copy", m_copy},
  {"row", m_row},
  {"col", m_col},
  {"sub", m_sub},
  {"reshape", m_reshape},
  {"t", m_t},
  {"ct", m_ct},
  {"totable", m_totable},
  {"diag", m_diag},
  {NULL, NULL}
};

static const luaL_Reg mat_meta[] = {
  {"__newindex", mat_newindex},
  {"__len", mat_len},
  {NULL, NULL}
};

/* Build the library and the metatable "tycho.mat":
**   metatable.__index   C function (numbers, {i, j}, then methods)
**   metatable.__methods the methods table (completion reads it)
** The other parts of the module add to the library and the methods. */
int luaopen_tycho_mat (lua_State *L) {
  int lib, methods, meta;
  luaL_newlib(L, mat_funcs);
  lib = lua_gettop(L);
  luaL_newlib(L, mat_methods);
  methods = lua_gettop(L);
  luaL_newmetatable(L, TY_MAT_T);
  meta = lua_gettop(L);
  luaL_setfuncs(L, mat_meta, 0);
  lua_pushvalue(L, methods);
  lua_pushcclosure(L, mat_index, 1);
  lua_setfield(L, meta, "__index");
  lua_pushvalue(L, methods);
  lua_setfield(L, meta, "__methods");

  ty_mat_ops_register(L, lib, methods);
  ty_mat_print_register(L, lib, methods);
  ty_mat_io_register(L, lib, methods);

  lua_pushvalue(L, methods);
  lua_setfield(L, lib, "methods");      /* mat.methods: for help and docs */
  lua_createtable(L, 0, 1);             /* mat{...} via __call */
  lua_pushcfunction(L, mat_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, lib);
  lua_settop(L, lib);
  return 1;
}

/*
** lsparse.c: the tycho.sparse type, real sparse matrices in compressed
** sparse row form (layout and kernels in src/core/ty_sparse.c).
**
** A sparse matrix is one userdata block: the ty_sparse header followed by
** its arrays, so the collector sees its full size and nothing else needs
** freeing.  Matrices are immutable: every operation returns a new one.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_sparse.h"

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

static ty_sparse *tosparse (lua_State *L, int idx) {
  return (ty_sparse *)luaL_testudata(L, idx, TY_SPARSE_T);
}

static ty_sparse *checksparse (lua_State *L, int arg) {
  return (ty_sparse *)luaL_checkudata(L, arg, TY_SPARSE_T);
}

/* Push a new rows x cols sparse matrix with room for nnz entries (arrays
** uninitialized except row_ptr[0]); raises before allocating when a size
** is too large. */
static ty_sparse *push_sparse (lua_State *L, size_t rows, size_t cols,
                               size_t nnz) {
  size_t bytes;
  ty_sparse *S;
  if (rows > TY_SPARSE_MAXDIM || cols > TY_SPARSE_MAXDIM)
    luaL_error(L, "sparse matrix of %I x %I is too large (at most %I rows "
               "and columns)", (lua_Integer)rows, (lua_Integer)cols,
               (lua_Integer)TY_SPARSE_MAXDIM);
  if (nnz > TY_SPARSE_MAXDIM)
    luaL_error(L, "sparse matrix of %I nonzeros is too large (at most %I)",
               (lua_Integer)nnz, (lua_Integer)TY_SPARSE_MAXDIM);
  bytes = ty_sparse_bytes(rows, nnz);
  if (bytes == 0)
    luaL_error(L, "not enough memory (sparse matrix of %I nonzeros)",
               (lua_Integer)nnz);
  S = ty_sparse_layout(lua_newuserdatauv(L, bytes, 0), rows, cols, nnz);
  luaL_setmetatable(L, TY_SPARSE_T);
  return S;
}

/* Push a matrix with the pattern of A and values s * A. */
static ty_sparse *push_scaled (lua_State *L, const ty_sparse *A, double s) {
  ty_sparse *C = push_sparse(L, A->rows, A->cols, A->nnz);
  size_t k;
  memcpy(C->row_ptr, A->row_ptr, (A->rows + 1) * sizeof(ty_sidx));
  memcpy(C->dpos, A->dpos, A->rows * sizeof(ty_sidx));
  memcpy(C->col_idx, A->col_idx, A->nnz * sizeof(ty_sidx));
  for (k = 0; k < A->nnz; k++) C->val[k] = s * A->val[k];
  return C;
}

/* A real vector argument (a mat with one row or column, or a table). */
static ty_mat *check_vector (lua_State *L, int arg) {
  ty_mat *v = ty_checkmat(L, arg);
  luaL_argcheck(L, !v->cplx, arg,
                "real vector expected, got complex (sparse matrices are "
                "real)");
  if (v->rows != 1 && v->cols != 1 && TY_NUMEL(v) != 0)
    ty_shapeerror(L, arg, "vector", v);
  return v;
}

/* Convert the 1-based indices in v to 0-based size_t in out, checking
** that each is an integer in 1..max.  Returns the largest index seen
** (1-based), 0 if none. */
static size_t convert_indices (lua_State *L, int arg, const ty_mat *v,
                               size_t max, size_t *out, const char *what) {
  size_t k, n = TY_NUMEL(v), largest = 0;
  for (k = 0; k < n; k++) {
    double x = v->data[k];
    if (!(x >= 1.0 && x == floor(x))) {
      if (x != x) lua_pushliteral(L, "NaN");
      else lua_pushfstring(L, "%f", x);
      luaL_argerror(L, arg, lua_pushfstring(L,
        "%s index at position %I must be a positive integer, got %s",
        what, (lua_Integer)k + 1, lua_tostring(L, -1)));
    }
    if (x > (double)max) {
      if (x < 1e15) lua_pushfstring(L, "%I", (lua_Integer)x);
      else lua_pushfstring(L, "%f", x);
      luaL_argerror(L, arg, lua_pushfstring(L,
        "%s index %s at position %I out of range 1..%I", what,
        lua_tostring(L, -1), (lua_Integer)k + 1, (lua_Integer)max));
    }
    out[k] = (size_t)x - 1;
    if ((size_t)x > largest) largest = (size_t)x;
  }
  return largest;
}

/* Raise "bad argument #arg to '<op>' (<msg>)" for the operator op ("mul",
** "add", "sub"): like luaL_argerror, but naming the operator even when
** the mat type hands an operation over (then Lua knows no name). */
static int op_argerror (lua_State *L, int arg, const char *op,
                        const char *msg) {
  return luaL_error(L, "bad argument #%d to '%s' (%s)", arg, op, msg);
}

/* Raise "bad argument #arg to '<op>' (<what>: MxN and PxQ)". */
static int shape_mismatch (lua_State *L, int arg, const char *op,
                           const char *what, size_t m1, size_t n1,
                           size_t m2, size_t n2) {
  return op_argerror(L, arg, op, lua_pushfstring(L, "%s: %Ix%I and %Ix%I",
                     what, (lua_Integer)m1, (lua_Integer)n1,
                     (lua_Integer)m2, (lua_Integer)n2));
}

/* an optional nonnegative tolerance argument, default 0 */
static double opt_tol (lua_State *L, int arg) {
  double tol = luaL_optnumber(L, arg, 0.0);
  luaL_argcheck(L, tol >= 0.0, arg, "nonnegative tolerance expected");
  return tol;
}

/* ====================================================================== */
/* constructors                                                           */
/* ====================================================================== */

/* sparse.new(I, J, V [, m [, n]]): from 1-based triplets, duplicates
** summed; m and n default to the largest index */
static int sparse_new (lua_State *L) {
  ty_mat *Iv = check_vector(L, 1), *Jv = check_vector(L, 2), *Vv = NULL;
  size_t nt = TY_NUMEL(Iv), m = 0, n = 0, distinct, k;
  size_t *i0, *j0;
  double *vals, scalar = 0.0;
  ty_triplet_work w;
  ty_sparse *S;
  lua_settop(L, 5);                    /* scratch goes above the arguments */
  if (TY_NUMEL(Jv) != nt)
    return luaL_argerror(L, 2, lua_pushfstring(L,
           "%I indices expected (as many as argument #1), got %I",
           (lua_Integer)nt, (lua_Integer)TY_NUMEL(Jv)));
  if (lua_type(L, 3) == LUA_TNUMBER) {
    scalar = lua_tonumber(L, 3);
    luaL_argcheck(L, isfinite(scalar), 3, "value is NaN or Inf");
  }
  else {
    Vv = check_vector(L, 3);
    if (TY_NUMEL(Vv) != nt)
      return luaL_argerror(L, 3, lua_pushfstring(L,
             "%I values expected (as many as argument #1), got %I",
             (lua_Integer)nt, (lua_Integer)TY_NUMEL(Vv)));
    for (k = 0; k < nt; k++)
      if (!isfinite(Vv->data[k]))
        return luaL_argerror(L, 3, lua_pushfstring(L,
               "value at position %I is NaN or Inf", (lua_Integer)k + 1));
  }
  if (!lua_isnoneornil(L, 4)) m = ty_checkdim(L, 4);
  if (!lua_isnoneornil(L, 5)) n = ty_checkdim(L, 5);
  luaL_argcheck(L, m <= TY_SPARSE_MAXDIM, 4, "too many rows");
  luaL_argcheck(L, n <= TY_SPARSE_MAXDIM, 5, "too many columns");
  i0 = (size_t *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(size_t)));
  j0 = (size_t *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(size_t)));
  if (lua_isnoneornil(L, 4))
    m = convert_indices(L, 1, Iv, TY_SPARSE_MAXDIM, i0, "row");
  else convert_indices(L, 1, Iv, m, i0, "row");
  if (lua_isnoneornil(L, 5))
    n = convert_indices(L, 2, Jv, TY_SPARSE_MAXDIM, j0, "column");
  else convert_indices(L, 2, Jv, n, j0, "column");
  if (Vv != NULL) vals = Vv->data;
  else {
    vals = (double *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(double)));
    for (k = 0; k < nt; k++) vals[k] = scalar;
  }
  w.cnt = (size_t *)ty_newbuf(L, ty_mulsize(L, n + 1, sizeof(size_t)));
  w.tmp_idx = (size_t *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(size_t)));
  w.tmp_val = (double *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(double)));
  w.row_ptr = (size_t *)ty_newbuf(L, ty_mulsize(L, m + 1, sizeof(size_t)));
  w.col = (ty_sidx *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(ty_sidx)));
  w.val = (double *)ty_newbuf(L, ty_mulsize(L, nt, sizeof(double)));
  distinct = ty_sparse_triplets_sort(m, n, nt, i0, j0, vals, &w);
  S = push_sparse(L, m, n, distinct);
  ty_sparse_triplets_fill(S, &w);
  return 1;
}

/* sparse.from(A [, droptol=0]): entries of dense A with |a| > droptol;
** a sparse A is filtered the same way */
static int sparse_from (lua_State *L) {
  ty_sparse *S = tosparse(L, 1), *C;
  double tol = opt_tol(L, 2);
  ty_mat *A;
  if (S != NULL) {
    C = push_sparse(L, S->rows, S->cols, ty_sparse_count_above(S, tol));
    ty_sparse_drop(S, tol, C);
    return 1;
  }
  A = ty_checkmat(L, 1);
  luaL_argcheck(L, !A->cplx, 1,
                "real matrix expected, got complex (sparse matrices are "
                "real)");
  ty_checkfinite(L, 1, A);
  C = push_sparse(L, A->rows, A->cols, ty_sparse_count_dense(A, tol));
  ty_sparse_from_dense(C, A, tol);
  return 1;
}

/* sparse.eye(m [, n]): ones on the main diagonal */
static int sparse_eye (lua_State *L) {
  size_t m = ty_checkdim(L, 1);
  size_t n = lua_isnoneornil(L, 2) ? m : ty_checkdim(L, 2), i, d;
  ty_sparse *S;
  d = m < n ? m : n;
  S = push_sparse(L, m, n, d);
  for (i = 0; i < m; i++) {
    S->row_ptr[i + 1] = (ty_sidx)(i < d ? i + 1 : d);
    S->dpos[i] = (ty_sidx)(i < d ? i : d);
    if (i < d) { S->col_idx[i] = (ty_sidx)i; S->val[i] = 1.0; }
  }
  return 1;
}

/* sparse.diag(v [, k=0]): square matrix with v on diagonal k */
static int sparse_diag (lua_State *L) {
  ty_mat *v = check_vector(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 0);
  size_t len = TY_NUMEL(v), off, n, i, t;
  ty_sparse *S;
  luaL_argcheck(L, k >= -(lua_Integer)TY_SPARSE_MAXDIM &&
                k <= (lua_Integer)TY_SPARSE_MAXDIM, 2, "diagonal out of range");
  off = (size_t)(k < 0 ? -k : k);
  ty_checkfinite(L, 1, v);
  n = len + off;
  S = push_sparse(L, n, n, len);
  for (i = 0, t = 0; i < n; i++) {       /* row i holds v[i - off] (k < 0)
                                            or v[i] (k >= 0) */
    int has = (k >= 0) ? (i < len) : (i >= off);
    S->row_ptr[i] = (ty_sidx)t;
    if (has) {
      S->col_idx[t] = (ty_sidx)((k >= 0) ? i + off : i - off);
      S->val[t] = v->data[(k >= 0) ? i : i - off];
      t++;
    }
  }
  S->row_ptr[n] = (ty_sidx)t;
  ty_sparse_finish(S);
  return 1;
}

/* sparse.laplacian(nx [, ny [, nz]]): Dirichlet 3-, 5- or 7-point
** Laplacian, unknowns ordered with x fastest */
static int sparse_laplacian (lua_State *L) {
  int dims = lua_isnoneornil(L, 2) ? 1 : lua_isnoneornil(L, 3) ? 2 : 3;
  size_t nx = ty_checkdim(L, 1);
  size_t ny = dims >= 2 ? ty_checkdim(L, 2) : 1;
  size_t nz = dims >= 3 ? ty_checkdim(L, 3) : 1, N;
  ty_sparse *S;
  if (lua_gettop(L) > 3 && !lua_isnoneornil(L, 4))
    return luaL_argerror(L, 4, "at most three grid sizes expected");
  if ((ny != 0 && nx > TY_SPARSE_MAXDIM / ny) ||
      (nz != 0 && nx * ny > TY_SPARSE_MAXDIM / nz))
    return luaL_error(L, "grid of %I x %I x %I is too large for a sparse "
                      "matrix", (lua_Integer)nx, (lua_Integer)ny,
                      (lua_Integer)nz);
  N = nx * ny * nz;
  S = push_sparse(L, N, N, ty_sparse_laplacian_nnz(nx, ny, nz));
  ty_sparse_laplacian(S, nx, ny, nz, dims);
  return 1;
}

static int sparse_issparse (lua_State *L) {
  lua_pushboolean(L, tosparse(L, 1) != NULL);
  return 1;
}

/* sparse.check(S): true when the CSR invariants hold */
static int sparse_check (lua_State *L) {
  lua_pushboolean(L, ty_sparse_check(checksparse(L, 1)));
  return 1;
}

/* ====================================================================== */
/* methods                                                                */
/* ====================================================================== */

static int s_rows (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checksparse(L, 1)->rows);
  return 1;
}

static int s_cols (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checksparse(L, 1)->cols);
  return 1;
}

static int s_size (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  lua_pushinteger(L, (lua_Integer)S->rows);
  lua_pushinteger(L, (lua_Integer)S->cols);
  return 2;
}

static int s_nnz (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checksparse(L, 1)->nnz);
  return 1;
}

static int s_t (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  ty_sparse_transpose(S, push_sparse(L, S->cols, S->rows, S->nnz));
  return 1;
}

static int s_todense (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  ty_sparse_todense(S, ty_newmat(L, S->rows, S->cols, 0));
  return 1;
}

/* S:diag([k=0]): diagonal k as a column vector */
static int s_diag (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 0);
  size_t len = 0;
  if (k > (lua_Integer)TY_SPARSE_MAXDIM) k = (lua_Integer)TY_SPARSE_MAXDIM;
  if (k < -(lua_Integer)TY_SPARSE_MAXDIM) k = -(lua_Integer)TY_SPARSE_MAXDIM;
  if (k >= 0 ? (size_t)k < S->cols : (size_t)(-k) < S->rows) {
    size_t r = S->rows - (k < 0 ? (size_t)(-k) : 0);
    size_t c = S->cols - (k > 0 ? (size_t)k : 0);
    len = r < c ? r : c;
  }
  ty_sparse_diag(S, (long)k, ty_newmat(L, len, 1, 0)->data, len);
  return 1;
}

/* S:find() -> I, J, V: the stored entries as 1-based triplets (vectors),
** in row order */
static int s_find (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  ty_mat *Iv = ty_newmat(L, S->nnz, 1, 0);
  ty_mat *Jv = ty_newmat(L, S->nnz, 1, 0);
  ty_mat *Vv = ty_newmat(L, S->nnz, 1, 0);
  size_t i;
  ty_sidx k;
  for (i = 0; i < S->rows; i++)
    for (k = S->row_ptr[i]; k < S->row_ptr[i + 1]; k++) {
      Iv->data[k] = (double)(i + 1);
      Jv->data[k] = (double)S->col_idx[k] + 1.0;
      Vv->data[k] = S->val[k];
    }
  return 3;
}

/* S:dropzeros([tol=0]): a copy without the entries with |v| <= tol */
static int s_dropzeros (lua_State *L) {
  ty_sparse *S = checksparse(L, 1), *C;
  double tol = opt_tol(L, 2);
  C = push_sparse(L, S->rows, S->cols, ty_sparse_count_above(S, tol));
  ty_sparse_drop(S, tol, C);
  return 1;
}

/* ====================================================================== */
/* metamethods                                                            */
/* ====================================================================== */

/* S[{i, j}] or a method (upvalue 1 is the methods table) */
static int s_index (lua_State *L) {
  ty_sparse *S = (ty_sparse *)lua_touserdata(L, 1);
  lua_Integer i, j;
  int ok1, ok2;
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
  }
  if (lua_type(L, 2) != LUA_TTABLE)
    return luaL_error(L, "sparse matrix index must be a {i, j} table or a "
                      "method name, got %s", luaL_typename(L, 2));
  lua_geti(L, 2, 1);
  lua_geti(L, 2, 2);
  i = lua_tointegerx(L, -2, &ok1);
  j = lua_tointegerx(L, -1, &ok2);
  lua_pop(L, 2);
  if (!ok1 || !ok2)
    return luaL_error(L, "sparse matrix index {i, j} needs two integers");
  if (i < 1 || (size_t)i > S->rows || j < 1 || (size_t)j > S->cols)
    return luaL_error(L, "index {%I, %I} out of range for a %Ix%I sparse "
                      "matrix", i, j, (lua_Integer)S->rows,
                      (lua_Integer)S->cols);
  lua_pushnumber(L, ty_sparse_get(S, (size_t)i - 1, (size_t)j - 1));
  return 1;
}

static int s_newindex (lua_State *L) {
  return luaL_error(L, "sparse matrices are read-only (build a new one with "
                    "sparse.new, or work on S:todense())");
}

/* S * T (sparse), S * A and A * S (A dense: a dense result), s * S and
** S * s (s a number) */
static int s_mul (lua_State *L) {
  ty_sparse *A = tosparse(L, 1), *B = tosparse(L, 2);
  if (lua_type(L, 1) == LUA_TNUMBER) {
    push_scaled(L, B, lua_tonumber(L, 1));
    return 1;
  }
  if (lua_type(L, 2) == LUA_TNUMBER) {
    push_scaled(L, A, lua_tonumber(L, 2));
    return 1;
  }
  if (A != NULL && B != NULL) {              /* sparse times sparse */
    size_t *mark, nnz;
    double *acc;
    ty_sparse *C, *tmp;
    if (A->cols != B->rows)
      return shape_mismatch(L, 2, "mul", "inner dimensions differ", A->rows,
                            A->cols, B->rows, B->cols);
    mark = (size_t *)ty_newbuf(L, ty_mulsize(L, B->cols + 1,
                                             sizeof(size_t)));
    acc = (double *)ty_newbuf(L, ty_mulsize(L, B->cols + 1,
                                            sizeof(double)));
    nnz = ty_sparse_spgemm_nnz(A, B, mark);
    if (nnz == SIZE_MAX) return ty_raise_interrupt(L);
    tmp = push_sparse(L, B->cols, A->rows, nnz);
    C = push_sparse(L, A->rows, B->cols, nnz);
    if (ty_sparse_spgemm(A, B, C, mark, acc, tmp) != 0)
      return ty_raise_interrupt(L);
    return 1;
  }
  if (A != NULL) {                           /* sparse times dense */
    ty_mat *X = ty_checkmat(L, 2), *Y;
    if (X->rows != A->cols)
      return shape_mismatch(L, 2, "mul", "inner dimensions differ", A->rows,
                            A->cols, X->rows, X->cols);
    Y = ty_newmat(L, A->rows, X->cols, X->cplx);
    if (ty_sparse_mm(A, X, Y) != 0) return ty_raise_interrupt(L);
    return 1;
  }
  else {                                     /* dense times sparse */
    ty_mat *X = ty_checkmat(L, 1), *Y;
    if (X->cols != B->rows)
      return shape_mismatch(L, 2, "mul", "inner dimensions differ", X->rows,
                            X->cols, B->rows, B->cols);
    Y = ty_newmat(L, X->rows, B->cols, X->cplx);
    if (ty_sparse_dm(X, B, Y) != 0) return ty_raise_interrupt(L);
    return 1;
  }
}

/* the sparse operand `arg` of + or -, with a hint when it is not one */
static ty_sparse *check_operand (lua_State *L, int arg, const char *op) {
  ty_sparse *S = tosparse(L, arg);
  if (S == NULL) {
    const char *got = ty_tomat(L, arg) ? "dense matrix"
                                       : luaL_typename(L, arg);
    op_argerror(L, arg, op, lua_pushfstring(L, "sparse matrix expected, got "
                  "%s (convert with S:todense() or sparse.from(A))", got));
  }
  return S;
}

static int addsub (lua_State *L, double beta) {
  const char *op = beta > 0 ? "add" : "sub";
  ty_sparse *A = check_operand(L, 1, op), *B = check_operand(L, 2, op), *C;
  if (A->rows != B->rows || A->cols != B->cols)
    return shape_mismatch(L, 2, op, "shapes differ", A->rows, A->cols,
                          B->rows, B->cols);
  C = push_sparse(L, A->rows, A->cols, ty_sparse_add_nnz(A, B));
  ty_sparse_add(1.0, A, beta, B, C);
  return 1;
}

static int s_add (lua_State *L) { return addsub(L, 1.0); }
static int s_sub (lua_State *L) { return addsub(L, -1.0); }

static int s_unm (lua_State *L) {
  push_scaled(L, checksparse(L, 1), -1.0);
  return 1;
}

/* S / s, s a number */
static int s_div (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  double s = luaL_checknumber(L, 2);
  push_scaled(L, S, 1.0 / s);
  return 1;
}

/* S == T: equal shapes and values (absent entries count as zeros) */
static int s_eq (lua_State *L) {
  ty_sparse *A = tosparse(L, 1), *B = tosparse(L, 2);
  lua_pushboolean(L, A != NULL && B != NULL && ty_sparse_equal(A, B));
  return 1;
}

#define SHOW_ENTRIES 10

/* "MxN sparse matrix, K nonzeros" and the first entries in row order,
** positions padded to one width and values with a sign column */
static int s_tostring (lua_State *L) {
  ty_sparse *S = checksparse(L, 1);
  size_t i, shown = 0, width = 0, k;
  ty_sidx p;
  char cell[SHOW_ENTRIES][48];
  luaL_Buffer b;
  for (i = 0; i < S->rows && shown < SHOW_ENTRIES; i++)
    for (p = S->row_ptr[i]; p < S->row_ptr[i + 1] && shown < SHOW_ENTRIES;
         p++, shown++) {
      size_t len = (size_t)snprintf(cell[shown], sizeof cell[shown],
                                    "(%zu, %ld)", i + 1,
                                    (long)S->col_idx[p] + 1);
      if (len > width) width = len;
    }
  luaL_buffinit(L, &b);
  lua_pushfstring(L, "%Ix%I sparse matrix, %I nonzero%s",
                  (lua_Integer)S->rows, (lua_Integer)S->cols,
                  (lua_Integer)S->nnz, S->nnz == 1 ? "" : "s");
  luaL_addvalue(&b);
  for (k = 0; k < shown; k++) {        /* the first `shown` entries are
                                          the first positions of val */
    char num[48];
    size_t pad = width - strlen(cell[k]);
    luaL_addstring(&b, "\n  ");
    luaL_addstring(&b, cell[k]);
    while (pad-- > 0) luaL_addchar(&b, ' ');
    snprintf(num, sizeof num, "  % .6g", S->val[k]);
    luaL_addstring(&b, num);
  }
  if (S->nnz > shown) {
    lua_pushfstring(L, "\n  ... (%I more)", (lua_Integer)(S->nnz - shown));
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg sparse_funcs[] = {
  {"new", sparse_new},
  {"from", sparse_from},
  {"eye", sparse_eye},
  {"diag", sparse_diag},
  {"laplacian", sparse_laplacian},
  {"issparse", sparse_issparse},
  {"check", sparse_check},
  {NULL, NULL}
};

static const luaL_Reg sparse_methods[] = {
  {"rows", s_rows},
  {"cols", s_cols},
  {"size", s_size},
  {"nnz", s_nnz},
  {"t", s_t},
  {"todense", s_todense},
  {"diag", s_diag},
  {"find", s_find},
  {"dropzeros", s_dropzeros},
  {NULL, NULL}
};

static const luaL_Reg sparse_meta[] = {
  {"__newindex", s_newindex},
  {"__mul", s_mul},
  {"__add", s_add},
  {"__sub", s_sub},
  {"__unm", s_unm},
  {"__div", s_div},
  {"__eq", s_eq},
  {"__tostring", s_tostring},
  {NULL, NULL}
};

/* Build the library and the metatable "tycho.sparse":
**   metatable.__index   C function ({i, j}, then methods)
**   metatable.__methods the methods table (completion reads it)
**   sparse.methods      the same table (help resolves "sparse:nnz") */
int luaopen_tycho_sparse (lua_State *L) {
  int lib, methods, meta;
  luaL_newlib(L, sparse_funcs);
  lib = lua_gettop(L);
  luaL_newlib(L, sparse_methods);
  methods = lua_gettop(L);
  luaL_newmetatable(L, TY_SPARSE_T);
  meta = lua_gettop(L);
  luaL_setfuncs(L, sparse_meta, 0);
  lua_pushvalue(L, methods);
  lua_pushcclosure(L, s_index, 1);
  lua_setfield(L, meta, "__index");
  lua_pushvalue(L, methods);
  lua_setfield(L, meta, "__methods");
  lua_pushvalue(L, methods);
  lua_setfield(L, lib, "methods");
  lua_settop(L, lib);
  return 1;
}

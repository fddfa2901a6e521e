/*
** llinalg.c: the linalg module, dense linear algebra through LAPACK.
**
** Each function checks its arguments (shapes, finiteness, symmetry where
** it matters), allocates its results with ty_newmat, and calls a checked
** wrapper of src/core/ty_blas.c twice: once to learn how much scratch
** memory it needs, once with a ty_newbuf buffer of that size.  Core return
** codes become Lua errors in words.
*/
#include <math.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_blas.h"

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* Raise the error for the core return code rc of function fname;
** conditions of argument arg (0: none) become argument errors. */
static int fail (lua_State *L, int rc, int arg, const char *fname,
                 const ty_mat *A) {
  const char *msg = ty_la_strerror(rc);
  if (rc == TY_EINTR) return ty_raise_interrupt(L);
  if (rc == TY_LA_ENOTHERM)
    msg = (A && A->cplx) ? "matrix is not Hermitian"
                         : "matrix is not symmetric";
  if (arg > 0 && (rc == TY_LA_ESINGULAR || rc == TY_LA_ENOTPD ||
                  rc == TY_LA_ENOTHERM || rc == TY_LA_ENANINF))
    return luaL_argerror(L, arg, msg);
  return luaL_error(L, "%s: %s", fname, msg);
}

/* RUN(call, arg, fname, A), in a function with a lua_State *L: run a core
** call that takes (work, &size), first to size its scratch memory, then
** with a buffer from ty_newbuf (popped afterwards, so the results pushed
** before stay on top); a nonzero return code raises through fail(). */
#define RUN(call, arg, fname, A) do { \
    void *work = NULL; \
    size_t size = 0; \
    int rc_ = (call); \
    if (rc_ == TY_LA_OK) { \
      work = ty_newbuf(L, size); \
      rc_ = (call); \
      lua_pop(L, 1); \
    } \
    if (rc_ != TY_LA_OK) fail(L, rc_, arg, fname, A); \
  } while (0)

/* matrix argument with finite elements */
static ty_mat *check_finite (lua_State *L, int arg) {
  ty_mat *A = ty_checkmat(L, arg);
  ty_checkfinite(L, arg, A);
  return A;
}

/* square matrix argument with finite elements */
static ty_mat *check_square (lua_State *L, int arg) {
  ty_mat *A = ty_checkmat(L, arg);
  if (A->rows != A->cols) ty_shapeerror(L, arg, "square matrix", A);
  ty_checkfinite(L, arg, A);
  return A;
}

/* a second square matrix argument of A's size */
static ty_mat *check_same_square (lua_State *L, int arg, const ty_mat *A) {
  ty_mat *B = ty_checkmat(L, arg);
  if (B->rows != A->rows || B->cols != A->cols)
    ty_shapeerror(L, arg, lua_pushfstring(L, "%Ix%I matrix",
                  (lua_Integer)A->rows, (lua_Integer)A->cols), B);
  ty_checkfinite(L, arg, B);
  return B;
}

/* a matrix argument with the same number of rows as A */
static ty_mat *check_rhs (lua_State *L, int arg, const ty_mat *A) {
  ty_mat *B = ty_checkmat(L, arg);
  if (B->rows != A->rows)
    ty_shapeerror(L, arg, lua_pushfstring(L, "matrix with %I rows",
                  (lua_Integer)A->rows), B);
  ty_checkfinite(L, arg, B);
  return B;
}

/* raise unless the square A is symmetric / Hermitian to TY_LA_HERMTOL */
static void check_hermitian (lua_State *L, int arg, const ty_mat *A) {
  if (!ty_la_ishermitian(A, TY_LA_HERMTOL))
    fail(L, TY_LA_ENOTHERM, arg, "", A);
}

/* optional nonnegative tolerance at arg; -1 (the default) when absent */
static double opt_tol (lua_State *L, int arg) {
  double tol;
  if (lua_isnoneornil(L, arg)) return -1.0;
  tol = luaL_checknumber(L, arg);
  luaL_argcheck(L, tol >= 0 && tol <= HUGE_VAL, arg,
                "nonnegative tolerance expected");
  return tol;
}

/* push a complex scalar as a 1x1 complex matrix */
static void push_complex (lua_State *L, double re, double im) {
  ty_mat *z = ty_newmat(L, 1, 1, 1);
  z->data[0] = re;
  z->data[1] = im;
}

/* ====================================================================== */
/* systems, inverses, determinants                                        */
/* ====================================================================== */

/* linalg.solve(A, B [, kind]): X with A X = B; kind is "gen" (LU, the
** default), "spd", "sym", "lower" or "upper" */
static int linalg_solve (lua_State *L) {
  static const char *const kinds[] = {"gen", "spd", "sym", "lower",
                                      "upper", NULL};
  static const int codes[] = {TY_LA_GENERAL, TY_LA_SPD, TY_LA_SYM,
                              TY_LA_LOWER, TY_LA_UPPER};
  ty_mat *A = check_square(L, 1);
  ty_mat *B = check_rhs(L, 2, A), *X;
  int kind = codes[luaL_checkoption(L, 3, "gen", kinds)];
  if (kind == TY_LA_SPD || kind == TY_LA_SYM) check_hermitian(L, 1, A);
  X = ty_newmat(L, A->rows, B->cols, A->cplx || B->cplx);
  RUN(ty_la_solve(A, B, kind, X, work, &size), 1, "solve", A);
  return 1;
}

/* linalg.lstsq(A, B [, rcond]): X, rank */
static int linalg_lstsq (lua_State *L) {
  ty_mat *A = check_finite(L, 1);
  ty_mat *B = check_rhs(L, 2, A), *X;
  double rcond = opt_tol(L, 3);
  size_t rank = 0;
  X = ty_newmat(L, A->cols, B->cols, A->cplx || B->cplx);
  RUN(ty_la_lstsq(A, B, rcond, X, &rank, work, &size), 1, "lstsq", A);
  lua_pushinteger(L, (lua_Integer)rank);
  return 2;
}

/* linalg.inv(A) */
static int linalg_inv (lua_State *L) {
  ty_mat *A = check_square(L, 1);
  ty_mat *X = ty_newmat(L, A->rows, A->rows, A->cplx);
  RUN(ty_la_inv(A, X, work, &size), 1, "inv", A);
  return 1;
}

/* linalg.det(A): a number, or a 1x1 complex matrix for complex A */
static int linalg_det (lua_State *L) {
  ty_mat *A = check_square(L, 1);
  double det[2], sign[2], logabs;
  RUN(ty_la_det(A, det, sign, &logabs, work, &size), 1, "det", A);
  if (A->cplx) push_complex(L, det[0], det[1]);
  else lua_pushnumber(L, det[0]);
  return 1;
}

/* linalg.slogdet(A): sign, log|det A| (sign 0 and -inf when singular) */
static int linalg_slogdet (lua_State *L) {
  ty_mat *A = check_square(L, 1);
  double det[2], sign[2], logabs;
  RUN(ty_la_det(A, det, sign, &logabs, work, &size), 1, "slogdet", A);
  if (A->cplx) push_complex(L, sign[0], sign[1]);
  else lua_pushnumber(L, sign[0]);
  lua_pushnumber(L, logabs);
  return 2;
}

/* ====================================================================== */
/* quantities from the SVD                                                */
/* ====================================================================== */

/* linalg.pinv(A [, tol]) */
static int linalg_pinv (lua_State *L) {
  ty_mat *A = check_finite(L, 1);
  double tol = opt_tol(L, 2);
  ty_mat *X = ty_newmat(L, A->cols, A->rows, A->cplx);
  RUN(ty_la_pinv(A, tol, X, work, &size), 1, "pinv", A);
  return 1;
}

/* linalg.rank(A [, tol]) */
static int linalg_rank (lua_State *L) {
  ty_mat *A = check_finite(L, 1);
  double tol = opt_tol(L, 2);
  size_t rank = 0;
  RUN(ty_la_rank(A, tol, &rank, work, &size), 1, "rank", A);
  lua_pushinteger(L, (lua_Integer)rank);
  return 1;
}

/* linalg.cond(A): 2-norm condition number */
static int linalg_cond (lua_State *L) {
  ty_mat *A = check_finite(L, 1);
  double cond = 0.0;
  RUN(ty_la_cond(A, &cond, work, &size), 1, "cond", A);
  lua_pushnumber(L, cond);
  return 1;
}

/* linalg.svd(A [, "econ"]): U, s, V with A = U diag(s) V^H */
static int linalg_svd (lua_State *L) {
  static const char *const modes[] = {"full", "econ", NULL};
  ty_mat *A = check_finite(L, 1), *U, *s, *V;
  int econ = luaL_checkoption(L, 2, "full", modes);
  size_t m = A->rows, n = A->cols, k = m < n ? m : n;
  U = ty_newmat(L, m, econ ? k : m, A->cplx);
  s = ty_newmat(L, k, 1, 0);
  V = ty_newmat(L, n, econ ? k : n, A->cplx);
  RUN(ty_la_svd(A, econ, U, s, V, work, &size), 1, "svd", A);
  return 3;
}

/* linalg.svdvals(A): the singular values, descending */
static int linalg_svdvals (lua_State *L) {
  ty_mat *A = check_finite(L, 1);
  size_t k = A->rows < A->cols ? A->rows : A->cols;
  ty_mat *s = ty_newmat(L, k, 1, 0);
  RUN(ty_la_svd(A, 1, NULL, s, NULL, work, &size), 1, "svdvals", A);
  return 1;
}

/* Push columns [c1, c2) of M as a new matrix. */
static void push_columns (lua_State *L, const ty_mat *M, size_t c1,
                          size_t c2) {
  size_t es = TY_ELSIZE(M->cplx);
  ty_mat *R = ty_newmat(L, M->rows, c2 - c1, M->cplx);
  if (TY_NUMEL(R) > 0)
    memcpy(R->data, (char *)M->data + c1 * M->rows * es,
           TY_NUMEL(R) * es);
}

/* null (which == 0) or orth (which == 1): orthonormal bases from the
** full SVD, split at the numerical rank */
static int null_orth (lua_State *L, int which, const char *fname) {
  ty_mat *A = check_finite(L, 1), *U, *s, *V;
  double tol = opt_tol(L, 2);
  size_t m = A->rows, n = A->cols, k = m < n ? m : n, r = 0, i;
  U = ty_newmat(L, m, m, A->cplx);
  s = ty_newmat(L, k, 1, 0);
  V = ty_newmat(L, n, n, A->cplx);
  RUN(ty_la_svd(A, 0, U, s, V, work, &size), 1, fname, A);
  if (tol < 0 && k > 0) tol = ty_la_default_tol(m, n, s->data[0]);
  for (i = 0; i < k; i++)
    if (s->data[i] > tol) r++;
  if (which == 0) push_columns(L, V, r, n);
  else push_columns(L, U, 0, r);
  return 1;
}

/* linalg.null(A [, tol]): orthonormal basis of the null space */
static int linalg_null (lua_State *L) { return null_orth(L, 0, "null"); }

/* linalg.orth(A [, tol]): orthonormal basis of the range */
static int linalg_orth (lua_State *L) { return null_orth(L, 1, "orth"); }

/* linalg.polar(A [, "right"|"left"]): U, P with A = U P (or P U) */
static int linalg_polar (lua_State *L) {
  static const char *const sides[] = {"right", "left", NULL};
  ty_mat *A = check_finite(L, 1), *U, *P;
  int left = luaL_checkoption(L, 2, "right", sides);
  size_t pn = left ? A->rows : A->cols;
  U = ty_newmat(L, A->rows, A->cols, A->cplx);
  P = ty_newmat(L, pn, pn, A->cplx);
  RUN(ty_la_polar(A, left, U, P, work, &size), 1, "polar", A);
  return 2;
}

/* ====================================================================== */
/* factorizations                                                         */
/* ====================================================================== */

/* linalg.lu(A [, "matrix"|"vector"]): L, U, P with P A = L U; with
** "vector" the third result is p (m x 1) with A(p, :) = L U */
static int linalg_lu (lua_State *L) {
  static const char *const forms[] = {"matrix", "vector", NULL};
  ty_mat *A = check_finite(L, 1), *Lf, *U, *P;
  int vec = luaL_checkoption(L, 2, "matrix", forms);
  size_t m = A->rows, n = A->cols, k = m < n ? m : n, i;
  size_t *perm = (size_t *)ty_newbuf(L, ty_mulsize(L, m, sizeof(size_t)));
  int buf = lua_gettop(L);
  Lf = ty_newmat(L, m, k, A->cplx);
  U = ty_newmat(L, k, n, A->cplx);
  RUN(ty_la_lu(A, Lf, U, perm, work, &size), 1, "lu", A);
  if (vec) {
    P = ty_newmat(L, m, 1, 0);
    for (i = 0; i < m; i++) P->data[i] = (double)(perm[i] + 1);
  }
  else {
    P = ty_newzeros(L, m, m, 0);
    for (i = 0; i < m; i++) TY_RE(P, i, perm[i]) = 1.0;
  }
  lua_remove(L, buf);
  return 3;
}

/* linalg.qr(A [, "econ"]): Q, R with A = Q R */
static int linalg_qr (lua_State *L) {
  static const char *const modes[] = {"full", "econ", NULL};
  ty_mat *A = check_finite(L, 1), *Q, *R;
  int econ = luaL_checkoption(L, 2, "full", modes);
  size_t m = A->rows, n = A->cols, k = m < n ? m : n;
  Q = ty_newmat(L, m, econ ? k : m, A->cplx);
  R = ty_newmat(L, econ ? k : m, n, A->cplx);
  RUN(ty_la_qr(A, econ, Q, R, work, &size), 1, "qr", A);
  return 2;
}

/* linalg.chol(A): lower triangular L with A = L L^H */
static int linalg_chol (lua_State *L) {
  ty_mat *A = check_square(L, 1), *Lf;
  int rc;
  check_hermitian(L, 1, A);
  Lf = ty_newmat(L, A->rows, A->rows, A->cplx);
  if ((rc = ty_la_chol(A, Lf)) != TY_LA_OK) fail(L, rc, 1, "chol", A);
  return 1;
}

/* linalg.schur(A [, "real"|"complex"]): T, Z with A = Z T Z^H */
static int linalg_schur (lua_State *L) {
  static const char *const forms[] = {"real", "complex", NULL};
  ty_mat *A = check_square(L, 1), *T, *Z;
  int cplx = A->cplx;
  if (!lua_isnoneornil(L, 2)) {
    cplx = luaL_checkoption(L, 2, NULL, forms);
    luaL_argcheck(L, cplx || !A->cplx, 2,
                  "a complex matrix has no real Schur form");
  }
  T = ty_newmat(L, A->rows, A->rows, cplx);
  Z = ty_newmat(L, A->rows, A->rows, cplx);
  RUN(ty_la_schur(A, T, Z, work, &size), 1, "schur", A);
  return 2;
}

/* ====================================================================== */
/* eigenvalues                                                            */
/* ====================================================================== */

/* eig and eigvals: complex w and (wantv) complex V, of A or of (A, B) */
static int eig_common (lua_State *L, int wantv, const char *fname) {
  ty_mat *A = check_square(L, 1), *B = NULL, *w, *V = NULL;
  if (!lua_isnoneornil(L, 2)) B = check_same_square(L, 2, A);
  w = ty_newmat(L, A->rows, 1, 1);
  if (wantv) V = ty_newmat(L, A->rows, A->rows, 1);
  RUN(ty_la_eig(A, B, w, V, work, &size), 1, fname, A);
  return wantv ? 2 : 1;
}

/* linalg.eig(A [, B]): w, V with A V = V diag(w) (or A V = B V diag(w)) */
static int linalg_eig (lua_State *L) { return eig_common(L, 1, "eig"); }

/* linalg.eigvals(A [, B]): the eigenvalues only */
static int linalg_eigvals (lua_State *L) {
  return eig_common(L, 0, "eigvals");
}

/* eigh and eigvalsh: real ascending w and (wantv) orthonormal V */
static int eigh_common (lua_State *L, int wantv, const char *fname) {
  ty_mat *A = check_square(L, 1), *B = NULL, *w, *V = NULL;
  int cplx = A->cplx;
  check_hermitian(L, 1, A);
  if (!lua_isnoneornil(L, 2)) {
    B = check_same_square(L, 2, A);
    check_hermitian(L, 2, B);
    cplx |= B->cplx;
  }
  w = ty_newmat(L, A->rows, 1, 0);
  if (wantv) V = ty_newmat(L, A->rows, A->rows, cplx);
  RUN(ty_la_eigh(A, B, w, V, work, &size), B ? 2 : 1, fname, A);
  return wantv ? 2 : 1;
}

/* linalg.eigh(A [, B]): w, V for symmetric / Hermitian A */
static int linalg_eigh (lua_State *L) { return eigh_common(L, 1, "eigh"); }

/* linalg.eigvalsh(A [, B]): the eigenvalues only */
static int linalg_eigvalsh (lua_State *L) {
  return eigh_common(L, 0, "eigvalsh");
}

/* ====================================================================== */
/* matrix functions and norms                                             */
/* ====================================================================== */

/* linalg.expm(A): the matrix exponential */
static int linalg_expm (lua_State *L) {
  ty_mat *A = check_square(L, 1);
  ty_mat *E = ty_newmat(L, A->rows, A->rows, A->cplx);
  RUN(ty_la_expm(A, E, work, &size), 1, "expm", A);
  return 1;
}

/* linalg.norm(A [, p]): the same as A:norm([p]) */
static int linalg_norm (lua_State *L) {
  int nargs = lua_gettop(L) >= 2 ? 2 : 1;
  ty_checkmat(L, 1);
  lua_settop(L, nargs);
  if (lua_getfield(L, 1, "norm") != LUA_TFUNCTION)
    return luaL_error(L, "norm: mat:norm is not available");
  lua_insert(L, 1);
  lua_call(L, nargs, 1);
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg linalg_funcs[] = {
  {"solve", linalg_solve},
  {"lstsq", linalg_lstsq},
  {"inv", linalg_inv},
  {"det", linalg_det},
  {"slogdet", linalg_slogdet},
  {"pinv", linalg_pinv},
  {"rank", linalg_rank},
  {"cond", linalg_cond},
  {"lu", linalg_lu},
  {"qr", linalg_qr},
  {"chol", linalg_chol},
  {"eig", linalg_eig},
  {"eigvals", linalg_eigvals},
  {"eigh", linalg_eigh},
  {"eigvalsh", linalg_eigvalsh},
  {"svd", linalg_svd},
  {"svdvals", linalg_svdvals},
  {"null", linalg_null},
  {"orth", linalg_orth},
  {"schur", linalg_schur},
  {"expm", linalg_expm},
  {"polar", linalg_polar},
  {"norm", linalg_norm},
  {NULL, NULL}
};

int luaopen_tycho_linalg (lua_State *L) {
  ty_newlib(L, linalg_funcs);
  return 1;
}

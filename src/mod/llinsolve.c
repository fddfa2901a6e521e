/*
** llinsolve.c: the linsolve module: CG and preconditioned CG, SOR,
** SSOR-preconditioned CG, Young's optimal factor, and tuners that learn the
** relaxation factor over a sequence of systems (tycho.tuner objects).
** Numerics live in src/core/ty_sor.c and src/core/ty_bandit.c; this file
** checks arguments, sets up scratch memory in userdata, runs the core with
** a progress callback (interrupts, histories) and pushes results.
**
** Stack discipline: every entry point first fixes its arguments with
** lua_settop, so scratch userdata and converted arguments sit above them
** and are collected even when an error or an interrupt unwinds the call.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_sparse.h"
#include "ty_sor.h"
#include "ty_bandit.h"
#include "ty_rand.h"

#define TUNER_T "tycho.tuner"

/* a Lua callback failed: its error object is on top of the stack */
#define ECALL (-2001)

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ====================================================================== */
/* arguments and options                                                  */
/* ====================================================================== */

/* Push option `key` of the table at t (nil when t is not a table) and
** return its type. */
static int getopt (lua_State *L, int t, const char *key) {
  if (!lua_istable(L, t)) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  return lua_getfield(L, t, key);
}

/* Raise "bad argument #arg to 'f' (option 'key' ...)". */
static int opterror (lua_State *L, int arg, const char *key,
                     const char *what) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be %s, "
                       "got %s", key, what, luaL_typename(L, -1)));
}

/* a number option in [lo, hi] (open ends when open != 0), or def */
static double opt_number (lua_State *L, int t, int arg, const char *key,
                          double def, double lo, double hi, int open,
                          const char *what) {
  double v;
  if (getopt(L, t, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  if (lua_type(L, -1) != LUA_TNUMBER) opterror(L, arg, key, what);
  v = lua_tonumber(L, -1);
  if (open ? !(v > lo && v < hi) : !(v >= lo && v <= hi)) {
    lua_pushfstring(L, "%f", v);
    luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be %s, "
                  "got %s", key, what, lua_tostring(L, -1)));
  }
  lua_pop(L, 1);
  return v;
}

/* a nonnegative integer option, or def */
static size_t opt_count (lua_State *L, int t, int arg, const char *key,
                         size_t def) {
  lua_Integer v;
  int isint;
  if (getopt(L, t, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isint);
  if (!isint || v < 0)
    opterror(L, arg, key, "a nonnegative integer");
  lua_pop(L, 1);
  return (size_t)v;
}

/* a boolean option (nil or false is 0) */
static int opt_bool (lua_State *L, int t, int arg, const char *key) {
  int tp = getopt(L, t, key), v;
  if (tp != LUA_TNIL && tp != LUA_TBOOLEAN)
    opterror(L, arg, key, "a boolean");
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* a string option, one of names (index returned), or def */
static int opt_choice (lua_State *L, int t, int arg, const char *key,
                       int def, const char *const names[],
                       const char *what) {
  int i;
  if (getopt(L, t, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  if (lua_type(L, -1) == LUA_TSTRING)
    for (i = 0; names[i] != NULL; i++)
      if (strcmp(names[i], lua_tostring(L, -1)) == 0) {
        lua_pop(L, 1);
        return i;
      }
  if (lua_type(L, -1) != LUA_TSTRING) opterror(L, arg, key, what);
  return luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be %s, "
                       "got '%s'", key, what, lua_tostring(L, -1)));
}

/* check that the options argument is nil or a table */
static void check_opts (lua_State *L, int arg) {
  if (!lua_isnoneornil(L, arg) && !lua_istable(L, arg))
    luaL_typeerror(L, arg, "table of options");
}

/* the relaxation factor option, strictly inside (0, 2) */
static double opt_omega (lua_State *L, int t, int arg, double def) {
  return opt_number(L, t, arg, "omega", def, 0.0, 2.0, 1,
                    "a number in (0, 2)");
}

/* ====================================================================== */
/* matrices and vectors                                                   */
/* ====================================================================== */

/* Push a sparse copy of the dense real A (scratch userdata). */
static ty_sparse *dense_to_sparse (lua_State *L, const ty_mat *A) {
  size_t nnz = ty_sparse_count_dense(A, 0.0), bytes;
  ty_sparse *S;
  if (A->rows > TY_SPARSE_MAXDIM || nnz > TY_SPARSE_MAXDIM)
    luaL_error(L, "matrix too large to convert to sparse form");
  bytes = ty_sparse_bytes(A->rows, nnz);
  if (bytes == 0) luaL_error(L, "not enough memory (size overflow)");
  S = ty_sparse_layout(ty_newbuf(L, bytes), A->rows, A->cols, nnz);
  ty_sparse_from_dense(S, A, 0.0);
  return S;
}

/* The square matrix argument arg: a tycho.sparse (returned), or a dense
** real finite matrix (in *D; converted to sparse, pushed, when tosparse).
** NaN or Inf, complex, non-square: argument errors. */
static ty_sparse *check_matrix (lua_State *L, int arg, int tosparse,
                                ty_mat **D) {
  ty_sparse *S = (ty_sparse *)luaL_testudata(L, arg, TY_SPARSE_T);
  ty_mat *A;
  *D = NULL;
  if (S != NULL) {
    if (S->rows != S->cols)
      luaL_argerror(L, arg, lua_pushfstring(L, "square matrix expected, "
                    "got %Ix%I", (lua_Integer)S->rows, (lua_Integer)S->cols));
    if (!ty_sparse_allfinite(S))
      luaL_argerror(L, arg, "matrix has NaN or Inf elements");
    return S;
  }
  if (lua_type(L, arg) != LUA_TTABLE && lua_type(L, arg) != LUA_TNUMBER &&
      ty_tomat(L, arg) == NULL)
    luaL_typeerror(L, arg, "tycho.sparse or tycho.mat");
  A = ty_checkmat(L, arg);
  if (A->cplx) luaL_argerror(L, arg, "real matrix expected, got complex");
  if (A->rows != A->cols) ty_shapeerror(L, arg, "square matrix", A);
  ty_checkfinite(L, arg, A);
  *D = A;
  return tosparse ? dense_to_sparse(L, A) : NULL;
}

/* A real finite vector argument with n elements (n x 1 or 1 x n); with
** n == (size_t)-1 any length. */
static ty_mat *check_vector (lua_State *L, int arg, size_t n,
                             const char *what) {
  ty_mat *v = ty_checkmat(L, arg);
  if (v->cplx) luaL_argerror(L, arg, "real vector expected, got complex");
  if ((v->rows != 1 && v->cols != 1 && TY_NUMEL(v) != 0) ||
      (n != (size_t)-1 && TY_NUMEL(v) != n)) {
    if (n == (size_t)-1) ty_shapeerror(L, arg, what, v);
    else ty_shapeerror(L, arg, lua_pushfstring(L, "%s of %I elements", what,
                       (lua_Integer)n), v);
  }
  ty_checkfinite(L, arg, v);
  return v;
}

/* The starting vector: a new n x 1 mat (pushed) holding opts.x0 or 0. */
static ty_mat *start_vector (lua_State *L, int opts, int arg, size_t n) {
  ty_mat *x = ty_newzeros(L, n, 1, 0);
  int top = lua_gettop(L);
  if (getopt(L, opts, "x0") != LUA_TNIL) {
    ty_mat *x0 = ty_checkmat(L, top + 1);
    if (x0->cplx || TY_NUMEL(x0) != n ||
        (x0->rows != 1 && x0->cols != 1))
      luaL_argerror(L, arg, lua_pushfstring(L, "option 'x0' must be a real "
                    "vector of %I elements, got %Ix%I%s", (lua_Integer)n,
                    (lua_Integer)x0->rows, (lua_Integer)x0->cols,
                    x0->cplx ? " complex" : ""));
    if (!ty_mat_allfinite(x0))
      luaL_argerror(L, arg, "option 'x0' has NaN or Inf elements");
    memcpy(x->data, x0->data, n * sizeof(double));
  }
  lua_settop(L, top);
  return x;
}

/* ====================================================================== */
/* callbacks: Lua functions as operators, progress and histories          */
/* ====================================================================== */

typedef struct luafn {
  lua_State *L;
  int fn;                    /* stack index of the function */
  size_t n;
  const char *what;          /* "matrix function", "preconditioner" */
} luafn;

/* y = f(x) through the Lua function: returns 0, or ECALL with the error
** object on the stack top. */
static int call_luafn (void *ud, const double *x, double *y) {
  luafn *c = (luafn *)ud;
  lua_State *L = c->L;
  ty_mat *X, *Y;
  int top = lua_gettop(L);
  lua_pushvalue(L, c->fn);
  X = ty_newmat(L, c->n, 1, 0);
  memcpy(X->data, x, c->n * sizeof(double));
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) return ECALL;
  if (lua_type(L, -1) == LUA_TTABLE) ty_checkmat(L, -1);
  Y = ty_tomat(L, -1);
  if (Y == NULL || Y->cplx || TY_NUMEL(Y) != c->n ||
      (Y->rows != 1 && Y->cols != 1)) {
    if (Y != NULL)
      lua_pushfstring(L, "%s must return a real vector of %I elements, got "
                      "%Ix%I%s", c->what, (lua_Integer)c->n,
                      (lua_Integer)Y->rows, (lua_Integer)Y->cols,
                      Y->cplx ? " complex" : "");
    else
      lua_pushfstring(L, "%s must return a real vector of %I elements, got "
                      "%s", c->what, (lua_Integer)c->n, luaL_typename(L, -1));
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return ECALL;
  }
  memcpy(y, Y->data, c->n * sizeof(double));
  lua_settop(L, top);
  return 0;
}

typedef struct progress {
  lua_State *L;
  int slot;                  /* stack index of the history buffer */
  double *h;                 /* NULL: no history */
  size_t len, cap;
} progress;

/* After each iteration: poll Ctrl-C, record the residual. */
static int on_progress (void *ud, size_t iter, double resid) {
  progress *p = (progress *)ud;
  (void)iter;
  if (ty_interrupted()) return TY_EINTR;
  if (p->h != NULL) {
    if (p->len == p->cap) {
      size_t cap = 2 * p->cap;
      double *h = (double *)ty_newbuf(p->L, ty_mulsize(p->L, cap,
                                                       sizeof(double)));
      memcpy(h, p->h, p->len * sizeof(double));
      lua_replace(p->L, p->slot);
      p->h = h;
      p->cap = cap;
    }
    p->h[p->len++] = resid;
  }
  return 0;
}

/* Set up p, pushing its buffer (or a nil placeholder) as the new top. */
static void progress_init (lua_State *L, progress *p, int want) {
  p->L = L;
  p->len = 0;
  p->cap = 64;
  p->h = want ? (double *)ty_newbuf(L, p->cap * sizeof(double)) : NULL;
  if (!want) lua_pushnil(L);
  p->slot = lua_gettop(L);
}

/* Raise for a nonzero core return code. */
static void check_rc (lua_State *L, int rc) {
  if (rc == 0) return;
  if (rc == TY_EINTR) ty_raise_interrupt(L);
  if (rc == ECALL) lua_error(L);
  luaL_error(L, "linsolve: internal error %d", rc);
}

/* Push the info table of a solve. */
static void push_info (lua_State *L, const ty_solve_info *info, double t0,
                       const progress *p, double omega) {
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, (lua_Integer)info->iters);
  lua_setfield(L, -2, "iters");
  lua_pushboolean(L, info->converged);
  lua_setfield(L, -2, "converged");
  lua_pushnumber(L, info->resid);
  lua_setfield(L, -2, "resid");
  lua_pushnumber(L, now() - t0);
  lua_setfield(L, -2, "time");
  if (omega > 0.0) {
    lua_pushnumber(L, omega);
    lua_setfield(L, -2, "omega");
  }
  if (info->breakdown != TY_BREAK_NONE) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "breakdown");
    lua_pushstring(L, ty_sor_breakdown_msg(info->breakdown));
    lua_setfield(L, -2, "reason");
  }
  if (p != NULL && p->h != NULL) {
    ty_mat *H = ty_newmat(L, p->len, 1, 0);
    memcpy(H->data, p->h, p->len * sizeof(double));
    lua_setfield(L, -2, "history");
  }
}

/* ====================================================================== */
/* CG, SSOR-CG, SOR                                                       */
/* ====================================================================== */

static const char *const pc_names[] = {"none", "jacobi", "ssor", "ic0", NULL};
static const int pc_kinds[] = {TY_PC_NONE, TY_PC_JACOBI, TY_PC_SSOR,
                               TY_PC_IC0};

/* Set up a structural preconditioner of kind for S, scratch pushed; an
** IC(0) breakdown is returned (TY_BREAK_IC0), other problems raise. */
static int setup_pc (lua_State *L, int arg, ty_precond *P, int kind,
                     const ty_sparse *S, double omega) {
  double *diag = NULL, *factor = NULL;
  size_t bad = 0, row;
  row = ty_sor_baddiag(S, kind == TY_PC_IC0);
  if (row != (size_t)-1)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s diagonal at row %I "
                  "(preconditioner '%s' needs a %s diagonal)",
                  kind == TY_PC_IC0 ? "nonpositive" : "zero",
                  (lua_Integer)row + 1, pc_names[kind],
                  kind == TY_PC_IC0 ? "positive" : "nonzero"));
  if (kind == TY_PC_IC0)
    factor = (double *)ty_newbuf(L, ty_mulsize(L, S->nnz, sizeof(double)));
  else
    diag = (double *)ty_newbuf(L, ty_mulsize(L, S->rows, sizeof(double)));
  return ty_pc_setup(P, kind, S, omega, diag, factor, &bad);
}

/* the shared body of cg and ssor_cg: forced = -1 for cg (M from opts),
** TY_PC_SSOR for ssor_cg */
static int run_cg (lua_State *L, int forced) {
  ty_sparse *S = NULL;
  ty_mat *D = NULL, *b, *x;
  ty_linop op;
  ty_precond P;
  ty_solve_opts o;
  ty_solve_info info;
  luafn fa, fm;
  progress prog;
  double t0 = now(), omega = 0.0, *work;
  size_t n;
  int kind = TY_PC_NONE, mslot = 0, rc, xslot;
  lua_settop(L, 3);
  check_opts(L, 3);
  memset(&op, 0, sizeof(op));
  memset(&P, 0, sizeof(P));
  if (forced >= 0) kind = forced;
  else if (getopt(L, 3, "M") == LUA_TFUNCTION) {
    kind = TY_PC_FUNC;
    mslot = lua_gettop(L);                /* the function stays here */
  }
  else {
    lua_pop(L, 1);
    kind = pc_kinds[opt_choice(L, 3, 3, "M", 0, pc_names,
                               "\"jacobi\", \"ssor\", \"ic0\" or a function")];
  }
  if (lua_type(L, 1) == LUA_TFUNCTION) {
    b = check_vector(L, 2, (size_t)-1, "vector");
    n = TY_NUMEL(b);
    if (kind != TY_PC_NONE && kind != TY_PC_FUNC)
      luaL_argerror(L, 1, lua_pushfstring(L, "preconditioner '%s' needs a "
                    "matrix, got a function", pc_names[kind]));
    fa.L = L; fa.fn = 1; fa.n = n; fa.what = "matrix function";
    op.apply = call_luafn;
    op.ctx = &fa;
  }
  else {
    int structural = kind != TY_PC_NONE && kind != TY_PC_FUNC;
    S = check_matrix(L, 1, structural, &D);
    n = S ? S->rows : D->rows;
    b = check_vector(L, 2, n, "vector");
    if (S != NULL) op.S = S;
    else op.D = D;
  }
  op.n = n;
  if (kind == TY_PC_SSOR || forced == TY_PC_SSOR)
    omega = opt_omega(L, 3, 3, 1.0);
  o.tol = opt_number(L, 3, 3, "tol", 1e-8, 0.0, HUGE_VAL, 0,
                     "a nonnegative number");
  o.maxiter = opt_count(L, 3, 3, "maxiter", 10 * n);
  x = start_vector(L, 3, 3, n);          /* result, kept on the stack */
  xslot = lua_gettop(L);
  progress_init(L, &prog, opt_bool(L, 3, 3, "history"));
  o.progress = on_progress;
  o.pctx = &prog;
  work = (double *)ty_newbuf(L, ty_mulsize(L, 4 * (n ? n : 1),
                                           sizeof(double)));
  memset(&info, 0, sizeof(info));
  if (kind == TY_PC_FUNC) {
    fm.L = L; fm.fn = mslot; fm.n = n; fm.what = "preconditioner";
    P.kind = TY_PC_FUNC;
    P.apply = call_luafn;
    P.ctx = &fm;
  }
  else if (kind != TY_PC_NONE) {
    if (setup_pc(L, 1, &P, kind, S, omega) != 0) {
      info.breakdown = TY_BREAK_IC0;       /* x = x0, not converged */
      lua_pushvalue(L, xslot);
      push_info(L, &info, t0, &prog, omega);
      return 2;
    }
  }
  rc = ty_cg(&op, &P, b->data, x->data, work, &o, &info);
  check_rc(L, rc);
  lua_pushvalue(L, xslot);
  push_info(L, &info, t0, &prog, omega);
  return 2;
}

/* linsolve.cg(A, b [, opts]) -> x, info */
static int linsolve_cg (lua_State *L) {
  return run_cg(L, -1);
}

/* linsolve.ssor_cg(A, b [, opts]) -> x, info */
static int linsolve_ssor_cg (lua_State *L) {
  return run_cg(L, TY_PC_SSOR);
}

/* check the diagonal of S for SOR: every entry stored and nonzero */
static void check_sor_diag (lua_State *L, int arg, const ty_sparse *S) {
  size_t row = ty_sor_baddiag(S, 0);
  if (row != (size_t)-1)
    luaL_argerror(L, arg, lua_pushfstring(L, "zero diagonal at row %I "
                  "(SOR divides by the diagonal)", (lua_Integer)row + 1));
}

/* linsolve.sor(A, b [, opts]) -> x, info */
static int linsolve_sor (lua_State *L) {
  ty_sparse *S;
  ty_mat *D, *b, *x;
  ty_solve_opts o;
  ty_solve_info info;
  progress prog;
  double t0 = now(), omega;
  int rc, xslot;
  lua_settop(L, 3);
  check_opts(L, 3);
  S = check_matrix(L, 1, 1, &D);
  b = check_vector(L, 2, S->rows, "vector");
  check_sor_diag(L, 1, S);
  omega = opt_omega(L, 3, 3, 1.0);
  o.tol = opt_number(L, 3, 3, "tol", 1e-8, 0.0, HUGE_VAL, 0,
                     "a nonnegative number");
  o.maxiter = opt_count(L, 3, 3, "maxiter", 10000);
  x = start_vector(L, 3, 3, S->rows);
  xslot = lua_gettop(L);
  progress_init(L, &prog, opt_bool(L, 3, 3, "history"));
  o.progress = on_progress;
  o.pctx = &prog;
  rc = ty_sor(S, b->data, x->data, omega, &o, &info);
  check_rc(L, rc);
  lua_pushvalue(L, xslot);
  push_info(L, &info, t0, &prog, omega);
  return 2;
}

/* ====================================================================== */
/* omega_opt, preconditioner objects, small exposed kernels               */
/* ====================================================================== */

/* linsolve.omega_opt(A [, opts]) -> omega, info {beta, omega_opt, method,
** iters, converged} */
static int linsolve_omega_opt (lua_State *L) {
  ty_sparse *S;
  ty_mat *D;
  size_t n, m, maxiter, iters = 0, row;
  double beta = 0.0, *work;
  int *iwork, converged = 0, rc;
  lua_settop(L, 2);
  check_opts(L, 2);
  S = check_matrix(L, 1, 1, &D);
  n = S->rows;
  row = ty_sor_baddiag(S, 1);
  if (row != (size_t)-1)
    luaL_argerror(L, 1, lua_pushfstring(L, "nonpositive diagonal at row %I "
                  "(the Jacobi radius needs a positive diagonal)",
                  (lua_Integer)row + 1));
  if (!ty_sparse_issym(S)) luaL_argerror(L, 1, "matrix is not symmetric");
  maxiter = opt_count(L, 2, 2, "maxiter", 10000);
  if (maxiter == 0) maxiter = 1;
  m = n < maxiter ? n : maxiter;
  work = (double *)ty_newbuf(L, ty_mulsize(L, 5 * n + 6 * m + 1,
                                           sizeof(double)));
  iwork = (int *)ty_newbuf(L, ty_mulsize(L, m + 1, sizeof(int)));
  rc = ty_jacobi_radius(S, maxiter, work, iwork, &beta, &iters, &converged);
  if (rc == TY_EINTR) ty_raise_interrupt(L);
  if (rc != 0) return luaL_error(L, "omega_opt: the tridiagonal eigensolver "
                                 "failed");
  if (!(beta < 1.0))
    return luaL_error(L, "omega_opt: the Jacobi spectral radius is %f >= 1, "
                      "so SOR has no optimal factor by Young's formula "
                      "(the matrix is not positive definite, or not "
                      "diagonally dominant enough)", beta);
  lua_pushnumber(L, ty_omega_opt(beta));
  lua_createtable(L, 0, 5);
  lua_pushnumber(L, beta);
  lua_setfield(L, -2, "beta");
  lua_pushnumber(L, ty_omega_opt(beta));
  lua_setfield(L, -2, "omega_opt");
  lua_pushliteral(L, "lanczos");
  lua_setfield(L, -2, "method");
  lua_pushinteger(L, (lua_Integer)iters);
  lua_setfield(L, -2, "iters");
  lua_pushboolean(L, converged);
  lua_setfield(L, -2, "converged");
  return 2;
}

/* the function linsolve.preconditioner returns: z = M^-1 r; upvalues:
** the matrix, the buffer holding the ty_precond and its arrays */
static int pc_call (lua_State *L) {
  ty_precond *P = (ty_precond *)lua_touserdata(L, lua_upvalueindex(2));
  size_t n = P->S->rows;
  ty_mat *r = check_vector(L, 1, n, "vector"), *z;
  z = ty_newmat(L, n, 1, 0);
  ty_pc_apply(P, n, r->data, z->data);
  return 1;
}

/* linsolve.preconditioner(A, kind [, opts]) -> function r -> M^-1 r */
static int linsolve_preconditioner (lua_State *L) {
  ty_sparse *S;
  ty_mat *D;
  ty_precond *P;
  int k, kind;
  double omega;
  size_t bad = 0, row;
  double *mem;
  lua_settop(L, 3);
  check_opts(L, 3);
  k = luaL_checkoption(L, 2, NULL, pc_names);
  kind = pc_kinds[k];
  if (kind == TY_PC_NONE)
    luaL_argerror(L, 2, "\"jacobi\", \"ssor\" or \"ic0\" expected");
  S = check_matrix(L, 1, 1, &D);
  if (D != NULL) lua_replace(L, 1);        /* keep the sparse copy */
  omega = opt_omega(L, 3, 3, 1.0);
  row = ty_sor_baddiag(S, kind == TY_PC_IC0);
  if (row != (size_t)-1)
    luaL_argerror(L, 1, lua_pushfstring(L, "%s diagonal at row %I",
                  kind == TY_PC_IC0 ? "nonpositive" : "zero",
                  (lua_Integer)row + 1));
  P = (ty_precond *)lua_newuserdatauv(L, sizeof(ty_precond) + 64 +
        ty_mulsize(L, kind == TY_PC_IC0 ? S->nnz : S->rows,
                   sizeof(double)), 0);
  mem = (double *)(((uintptr_t)(P + 1) + 63) & ~(uintptr_t)63);
  if (ty_pc_setup(P, kind, S, omega, kind == TY_PC_IC0 ? NULL : mem,
                  kind == TY_PC_IC0 ? mem : NULL, &bad) != 0)
    return luaL_error(L, "incomplete Cholesky factorization broke down at "
                      "row %I (nonpositive pivot)", (lua_Integer)bad + 1);
  lua_pushvalue(L, 1);
  lua_insert(L, -2);
  lua_pushcclosure(L, pc_call, 2);
  return 1;
}

/* linsolve.tsallis_weights(L, eta [, "exact"|"reference"]) -> w, x, steps:
** the Tsallis-INF weights of the normalised losses L (exposed for tests) */
static int linsolve_tsallis_weights (lua_State *L) {
  static const char *const modes[] = {"exact", "reference", NULL};
  ty_mat *Lh = check_vector(L, 1, (size_t)-1, "vector"), *w;
  double eta = luaL_checknumber(L, 2), x = 0.0;
  int mode = luaL_checkoption(L, 3, "exact", modes), steps;
  size_t d = TY_NUMEL(Lh);
  luaL_argcheck(L, d > 0, 1, "nonempty vector expected");
  luaL_argcheck(L, eta > 0 && eta < HUGE_VAL, 2, "positive learning rate "
                "expected");
  w = ty_newmat(L, d, 1, 0);
  steps = ty_tsallis_weights(Lh->data, d, eta, mode, w->data, &x);
  lua_pushnumber(L, x);
  lua_pushinteger(L, steps);
  return 3;
}

/* linsolve.chebyshev(u, m) -> m x 1 vector of T_0(u) .. T_{m-1}(u) */
static int linsolve_chebyshev (lua_State *L) {
  double u = luaL_checknumber(L, 1);
  lua_Integer m = luaL_checkinteger(L, 2);
  ty_mat *phi;
  luaL_argcheck(L, m >= 0 && m <= 1000000, 2, "nonnegative count expected");
  phi = ty_newmat(L, (size_t)m, 1, 0);
  ty_chebyshev(u, (size_t)m, phi->data);
  return 1;
}

/* the default seed of a generator: 53 bits from tycho's default stream */
static lua_Integer default_seed (lua_State *L) {
  ty_rng *r;
  lua_Integer s = 0;
  if (lua_getfield(L, LUA_REGISTRYINDEX, TY_RNG_REGKEY) == LUA_TUSERDATA) {
    r = (ty_rng *)lua_touserdata(L, -1);
    s = (lua_Integer)(ty_rng_next(r) >> 11);
  }
  lua_pop(L, 1);
  return s;
}

/* linsolve._relax_draw(T, n, a, b, seed, lo, width) -> shifts, B: the
** random part of relax_instances (the Lua layer builds the rest) */
static int linsolve_relax_draw (lua_State *L) {
  size_t T = ty_checkdim(L, 1), n = ty_checkdim(L, 2);
  double a = luaL_checknumber(L, 3), b = luaL_checknumber(L, 4);
  lua_Integer seed = luaL_checkinteger(L, 5);
  double lo = luaL_checknumber(L, 6), width = luaL_checknumber(L, 7);
  ty_mat *shift, *B;
  ty_rng r;
  luaL_argcheck(L, a > 0 && a < 1e6, 3, "positive Beta shape expected");
  luaL_argcheck(L, b > 0 && b < 1e6, 4, "positive Beta shape expected");
  luaL_argcheck(L, isfinite(lo), 6, "finite number expected");
  luaL_argcheck(L, isfinite(width), 7, "finite number expected");
  shift = ty_newmat(L, T, 1, 0);
  B = ty_newmat(L, n, T, 0);
  ty_rng_seed(&r, (uint64_t)seed);
  ty_relax_draw(&r, T, n, a, b, lo, width, shift->data, B->data);
  return 2;
}

/* ====================================================================== */
/* tuners                                                                 */
/* ====================================================================== */

enum { M_TSALLIS, M_CHEBCB, M_TSALLIS_CB };
static const char *const method_names[] = {"tsallis", "chebcb", "tsallis_cb",
                                           NULL};
enum { S_SOR, S_SSOR_CG };
static const char *const solver_names[] = {"sor", "ssor_cg", NULL};

typedef struct tuner {
  int method, solver, reference;
  size_t d, nbins, m;
  double *omegas;            /* d */
  double *pulls;             /* d */
  double *probs;             /* d: probabilities of the last choice */
  double tol;
  size_t maxiter;
  double lo, hi;             /* context interval (contextual methods) */
  lua_Integer seed;
  ty_rng rng;
  ty_tsallis *bins;          /* 1 (tsallis) or nbins (tsallis_cb) */
  ty_chebcb cb;
  int pending;               /* a choice waits for its update */
  size_t arm, bin;           /* the pending choice */
  double ctx;
  size_t rounds, warned;
  double total;
  size_t hlen, hcap;         /* history (arm, cost, context) in uservalue 1 */
} tuner;

static tuner *check_tuner (lua_State *L, int arg) {
  return (tuner *)luaL_checkudata(L, arg, TUNER_T);
}

/* Read the omegas option (table or vector) into a new vector (pushed),
** or the default grid 1, 1.05, ..., 1.95. */
static ty_mat *opt_omegas (lua_State *L, int t, int arg) {
  ty_mat *w;
  size_t i;
  int top = lua_gettop(L);
  if (getopt(L, t, "omegas") == LUA_TNIL) {
    lua_pop(L, 1);
    w = ty_newmat(L, 20, 1, 0);
    for (i = 0; i < 20; i++) w->data[i] = 1.0 + 0.05 * (double)i;
    return w;
  }
  if (!lua_istable(L, -1) && ty_tomat(L, -1) == NULL)
    opterror(L, arg, "omegas", "a vector of factors in (0, 2)");
  w = ty_checkmat(L, top + 1);
  if (w->cplx || TY_NUMEL(w) == 0 || (w->rows != 1 && w->cols != 1))
    luaL_argerror(L, arg, "option 'omegas' must be a nonempty real vector");
  for (i = 0; i < TY_NUMEL(w); i++)
    if (!(w->data[i] > 0.0 && w->data[i] < 2.0))
      luaL_argerror(L, arg, lua_pushfstring(L, "option 'omegas' must hold "
                    "factors in (0, 2), element %I is %f", (lua_Integer)i + 1,
                    w->data[i]));
  return w;
}

/* linsolve.tuner{method, omegas, context, solver, tol, maxiter, seed,
** normaliser, basis, bins} -> tuner */
static int linsolve_tuner (lua_State *L) {
  static const char *const norms[] = {"exact", "reference", NULL};
  int method, solver, reference = 0, contextual;
  size_t d, m = 6, nbins = 5, ndoubles, i, b;
  double lo = 0.0, hi = 0.0;
  ty_mat *w;
  tuner *t;
  lua_Integer seed;
  double *mem;
  size_t bytes, extra;
  lua_settop(L, 1);
  check_opts(L, 1);
  method = opt_choice(L, 1, 1, "method", M_TSALLIS, method_names,
                      "\"tsallis\", \"chebcb\" or \"tsallis_cb\"");
  solver = opt_choice(L, 1, 1, "solver", S_SOR, solver_names,
                      "\"sor\" or \"ssor_cg\"");
  reference = opt_choice(L, 1, 1, "normaliser", 0, norms,
                         "\"exact\" or \"reference\"");
  w = opt_omegas(L, 1, 1);                /* at index 2 */
  d = TY_NUMEL(w);
  contextual = method != M_TSALLIS;
  if (getopt(L, 1, "context") != LUA_TNIL) {
    if (!lua_istable(L, -1)) opterror(L, 1, "context", "a table {lo, hi}");
    lua_geti(L, -1, 1);
    lua_geti(L, -2, 2);
    if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
      luaL_argerror(L, 1, "option 'context' must be {lo, hi} with numbers");
    lo = lua_tonumber(L, -2);
    hi = lua_tonumber(L, -1);
    if (!(isfinite(lo) && isfinite(hi) && lo < hi))
      luaL_argerror(L, 1, "option 'context' must be {lo, hi} with finite "
                    "lo < hi");
    lua_pop(L, 2);
  }
  else if (contextual)
    luaL_argerror(L, 1, lua_pushfstring(L, "option 'context' = {lo, hi} is "
                  "required by method '%s'", method_names[method]));
  lua_settop(L, 2);
  m = opt_count(L, 1, 1, "basis", 6);
  luaL_argcheck(L, m >= 1 && m <= 32, 1, "option 'basis' must be in 1..32");
  nbins = opt_count(L, 1, 1, "bins", 5);
  luaL_argcheck(L, nbins >= 1 && nbins <= 10000, 1,
                "option 'bins' must be in 1..10000");
  luaL_argcheck(L, d <= 100000, 1, "option 'omegas' has too many factors");
  {
    double tol = opt_number(L, 1, 1, "tol", 1e-8, 0.0, HUGE_VAL, 0,
                            "a nonnegative number");
    size_t maxiter = opt_count(L, 1, 1, "maxiter", 10000);
    if (getopt(L, 1, "seed") == LUA_TNIL) seed = default_seed(L);
    else {
      int isint;
      seed = lua_tointegerx(L, -1, &isint);
      if (!isint) opterror(L, 1, "seed", "an integer");
    }
    lua_pop(L, 1);
    if (method == M_TSALLIS) nbins = 1;
    if (method == M_CHEBCB) nbins = 0;
    ndoubles = 3 * d + nbins * TY_TSALLIS_DOUBLES(d) +
               (method == M_CHEBCB ? TY_CHEBCB_DOUBLES(d, m) : 0);
    extra = nbins * sizeof(ty_tsallis);
    bytes = sizeof(tuner) + extra + 64 + ty_mulsize(L, ndoubles,
                                                    sizeof(double));
    t = (tuner *)lua_newuserdatauv(L, bytes, 1);
    memset(t, 0, sizeof(tuner));
    t->method = method;
    t->solver = solver;
    t->reference = reference;
    t->d = d;
    t->m = m;
    t->nbins = nbins;
    t->tol = tol;
    t->maxiter = maxiter;
    t->lo = lo;
    t->hi = hi;
    t->seed = seed;
  }
  t->bins = (ty_tsallis *)(t + 1);
  mem = (double *)(((uintptr_t)(t->bins + nbins) + 63) & ~(uintptr_t)63);
  t->omegas = mem;
  t->pulls = mem + d;
  t->probs = mem + 2 * d;
  mem += 3 * d;
  for (i = 0; i < d; i++) {
    t->omegas[i] = w->data[i];
    t->pulls[i] = 0.0;
    t->probs[i] = 1.0 / (double)d;
  }
  for (b = 0; b < nbins; b++) {
    ty_tsallis_init(&t->bins[b], d, reference, mem);
    mem += TY_TSALLIS_DOUBLES(d);
  }
  if (method == M_CHEBCB) ty_chebcb_init(&t->cb, d, m, lo, hi, mem);
  ty_rng_seed(&t->rng, (uint64_t)seed);
  lua_pushnil(L);                         /* no history buffer yet */
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, TUNER_T);
  return 1;
}

/* Choose an arm for context ctx (NaN: none); sets the pending choice. */
static size_t tuner_pick (lua_State *L, tuner *t, double ctx) {
  size_t arm;
  const double *p;
  if (t->method == M_CHEBCB) {
    size_t before = t->cb.clamped;
    arm = ty_chebcb_choose(&t->cb, ctx, &t->rng);
    p = t->cb.p;
    if (t->cb.clamped > before && !t->warned) {
      t->warned = 1;
      lua_writestringerror("linsolve.tuner: context %s outside the context "
                           "interval, clamped (said once)\n",
                           lua_pushfstring(L, "%f", ctx));
      lua_pop(L, 1);
    }
  }
  else {
    size_t b = 0;
    if (t->method == M_TSALLIS_CB) b = ty_bandit_bin(ctx, t->lo, t->hi,
                                                     t->nbins);
    arm = ty_tsallis_choose(&t->bins[b], &t->rng);
    p = t->bins[b].p;
    t->bin = b;
  }
  memcpy(t->probs, p, t->d * sizeof(double));
  t->pending = 1;
  t->arm = arm;
  t->ctx = ctx;
  return arm;
}

/* Learn the cost of the pending choice and record it. */
static void tuner_learn (lua_State *L, int idx, tuner *t, double cost) {
  double *h;
  if (!(cost >= 1.0)) cost = 1.0;
  if (t->method == M_CHEBCB) ty_chebcb_update(&t->cb, cost);
  else ty_tsallis_update(&t->bins[t->bin], cost);
  t->pending = 0;
  t->pulls[t->arm] += 1.0;
  t->total += cost;
  t->rounds++;
  lua_getiuservalue(L, idx, 1);
  h = (double *)lua_touserdata(L, -1);
  if (h == NULL || t->hlen == t->hcap) {
    size_t cap = t->hcap ? 2 * t->hcap : 256;
    double *nh = (double *)lua_newuserdatauv(L, ty_mulsize(L, 3 * cap,
                                             sizeof(double)), 0);
    if (h != NULL) memcpy(nh, h, 3 * t->hlen * sizeof(double));
    lua_setiuservalue(L, idx, 1);
    t->hcap = cap;
    h = nh;
  }
  lua_pop(L, 1);
  h[3 * t->hlen] = (double)t->arm + 1.0;
  h[3 * t->hlen + 1] = cost;
  h[3 * t->hlen + 2] = t->ctx;
  t->hlen++;
}

/* the context argument: a finite number, required by contextual methods */
static double check_context (lua_State *L, tuner *t, int arg) {
  double c;
  if (lua_isnoneornil(L, arg)) {
    if (t->method != M_TSALLIS)
      luaL_argerror(L, arg, lua_pushfstring(L, "context expected (method "
                    "'%s' chooses from a context number)",
                    method_names[t->method]));
    return NAN;
  }
  c = luaL_checknumber(L, arg);
  if (!isfinite(c)) luaL_argerror(L, arg, "finite context expected");
  return c;
}

/* t:choose([c]) -> omega, arm */
static int tuner_choose (lua_State *L) {
  tuner *t = check_tuner(L, 1);
  double c = check_context(L, t, 2);
  size_t arm = tuner_pick(L, t, c);
  lua_pushnumber(L, t->omegas[arm]);
  lua_pushinteger(L, (lua_Integer)arm + 1);
  return 2;
}

/* t:update(arm, iters) */
static int tuner_update (lua_State *L) {
  tuner *t = check_tuner(L, 1);
  lua_Integer arm = luaL_checkinteger(L, 2);
  double cost = luaL_checknumber(L, 3);
  if (!t->pending)
    return luaL_error(L, "update: no choice to learn from (call choose "
                      "first; each choice is learnt from once)");
  if (arm != (lua_Integer)t->arm + 1)
    luaL_argerror(L, 2, lua_pushfstring(L, "arm %d expected (the last "
                  "choice), got %I", (int)t->arm + 1, arm));
  luaL_argcheck(L, cost >= 0 && cost < HUGE_VAL, 3,
                "nonnegative iteration count expected");
  tuner_learn(L, 1, t, cost);
  lua_settop(L, 1);
  return 1;
}

/* t:solve(A, b [, c [, opts]]) -> x, info (with omega and arm) */
static int tuner_solve (lua_State *L) {
  tuner *t = check_tuner(L, 1);
  ty_sparse *S;
  ty_mat *D, *b, *x;
  ty_solve_opts o;
  ty_solve_info info;
  progress prog;
  double t0 = now(), c, omega, *work, cost;
  size_t arm, n;
  int rc, xslot;
  lua_settop(L, 5);
  check_opts(L, 5);
  S = check_matrix(L, 2, 1, &D);
  n = S->rows;
  b = check_vector(L, 3, n, "vector");
  if (t->solver == S_SOR) check_sor_diag(L, 2, S);
  else if (ty_sor_baddiag(S, 0) != (size_t)-1)
    luaL_argerror(L, 2, "zero diagonal (SSOR divides by the diagonal)");
  c = check_context(L, t, 4);
  x = start_vector(L, 5, 5, n);
  xslot = lua_gettop(L);
  progress_init(L, &prog, opt_bool(L, 5, 5, "history"));
  o.tol = t->tol;
  o.maxiter = t->maxiter;
  o.progress = on_progress;
  o.pctx = &prog;
  arm = tuner_pick(L, t, c);
  omega = t->omegas[arm];
  if (t->solver == S_SOR)
    rc = ty_sor(S, b->data, x->data, omega, &o, &info);
  else {
    ty_linop op;
    ty_precond P;
    size_t bad;
    double *diag = (double *)ty_newbuf(L, ty_mulsize(L, n ? n : 1,
                                                     sizeof(double)));
    work = (double *)ty_newbuf(L, ty_mulsize(L, 4 * (n ? n : 1),
                                             sizeof(double)));
    memset(&op, 0, sizeof(op));
    op.n = n;
    op.S = S;
    ty_pc_setup(&P, TY_PC_SSOR, S, omega, diag, NULL, &bad);
    rc = ty_cg(&op, &P, b->data, x->data, work, &o, &info);
  }
  check_rc(L, rc);
  cost = info.converged ? (double)info.iters : (double)t->maxiter;
  tuner_learn(L, 1, t, cost);
  lua_pushvalue(L, xslot);
  push_info(L, &info, t0, &prog, omega);
  lua_pushinteger(L, (lua_Integer)arm + 1);
  lua_setfield(L, -2, "arm");
  return 2;
}

/* push a d x 1 vector copy of v */
static void push_vec (lua_State *L, const double *v, size_t d) {
  ty_mat *V = ty_newmat(L, d, 1, 0);
  memcpy(V->data, v, d * sizeof(double));
}

/* t:stats() -> {method, rounds, pulls, total_iters, mean_iters, probs,
** omegas, seed, arms, iters, contexts [, eta, theta, scale]} */
static int tuner_stats (lua_State *L) {
  tuner *t = check_tuner(L, 1);
  const double *h;
  ty_mat *Ha, *Hi, *Hc;
  size_t k;
  lua_settop(L, 1);
  lua_createtable(L, 0, 16);
  lua_pushstring(L, method_names[t->method]);
  lua_setfield(L, -2, "method");
  lua_pushstring(L, solver_names[t->solver]);
  lua_setfield(L, -2, "solver");
  lua_pushinteger(L, (lua_Integer)t->rounds);
  lua_setfield(L, -2, "rounds");
  push_vec(L, t->pulls, t->d);
  lua_setfield(L, -2, "pulls");
  lua_pushnumber(L, t->total);
  lua_setfield(L, -2, "total_iters");
  lua_pushnumber(L, t->rounds ? t->total / (double)t->rounds : 0.0);
  lua_setfield(L, -2, "mean_iters");
  push_vec(L, t->probs, t->d);
  lua_setfield(L, -2, "probs");
  push_vec(L, t->omegas, t->d);
  lua_setfield(L, -2, "omegas");
  lua_pushinteger(L, t->seed);
  lua_setfield(L, -2, "seed");
  lua_pushboolean(L, t->pending);
  lua_setfield(L, -2, "pending");
  lua_getiuservalue(L, 1, 1);
  h = (const double *)lua_touserdata(L, -1);
  Ha = ty_newmat(L, t->hlen, 1, 0);
  Hi = ty_newmat(L, t->hlen, 1, 0);
  Hc = ty_newmat(L, t->hlen, 1, 0);
  for (k = 0; k < t->hlen; k++) {
    Ha->data[k] = h[3 * k];
    Hi->data[k] = h[3 * k + 1];
    Hc->data[k] = h[3 * k + 2];
  }
  lua_setfield(L, -5, "contexts");
  lua_setfield(L, -4, "iters");
  lua_setfield(L, -3, "arms");
  lua_pop(L, 1);
  if (t->method == M_CHEBCB) {
    ty_mat *Th = ty_newmat(L, t->d, t->m, 0);
    size_t i, j;
    for (i = 0; i < t->d; i++)
      for (j = 0; j < t->m; j++) TY_RE(Th, i, j) = t->cb.theta[i * t->m + j];
    lua_setfield(L, -2, "theta");
    lua_pushnumber(L, t->cb.eta);
    lua_setfield(L, -2, "eta");
    lua_pushnumber(L, t->cb.scale);
    lua_setfield(L, -2, "scale");
    lua_pushinteger(L, (lua_Integer)t->cb.clamped);
    lua_setfield(L, -2, "clamped");
    lua_pushinteger(L, (lua_Integer)t->cb.n_box);
    lua_setfield(L, -2, "box_refits");
  }
  else {
    size_t b;
    lua_pushnumber(L, 2.0 / sqrt((double)t->bins[0].t));
    lua_setfield(L, -2, "eta");
    if (t->method == M_TSALLIS_CB) {
      lua_createtable(L, (int)t->nbins, 0);
      for (b = 0; b < t->nbins; b++) {
        push_vec(L, t->bins[b].p, t->d);
        lua_rawseti(L, -2, (lua_Integer)b + 1);
      }
      lua_setfield(L, -2, "bin_probs");
    }
  }
  return 1;
}

/* tostring(t) */
static int tuner_tostring (lua_State *L) {
  tuner *t = check_tuner(L, 1);
  lua_pushfstring(L, "tuner (%s, %s, %I factors, %I rounds)",
                  method_names[t->method], solver_names[t->solver],
                  (lua_Integer)t->d, (lua_Integer)t->rounds);
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg linsolve_funcs[] = {
  {"cg", linsolve_cg},
  {"sor", linsolve_sor},
  {"ssor_cg", linsolve_ssor_cg},
  {"omega_opt", linsolve_omega_opt},
  {"preconditioner", linsolve_preconditioner},
  {"tuner", linsolve_tuner},
  {"tsallis_weights", linsolve_tsallis_weights},
  {"chebyshev", linsolve_chebyshev},
  {"_relax_draw", linsolve_relax_draw},
  {NULL, NULL}
};

static const luaL_Reg tuner_methods[] = {
  {"choose", tuner_choose},
  {"update", tuner_update},
  {"solve", tuner_solve},
  {"stats", tuner_stats},
  {NULL, NULL}
};

static const luaL_Reg tuner_meta[] = {
  {"__tostring", tuner_tostring},
  {NULL, NULL}
};

int luaopen_tycho_linsolve (lua_State *L) {
  luaL_newmetatable(L, TUNER_T);
  luaL_setfuncs(L, tuner_meta, 0);
  luaL_newlib(L, tuner_methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__methods");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, linsolve_funcs);
  return 1;
}

/*
** lot.c: the ot module, optimal transport (numerics in
** src/core/ty_sinkhorn.c and src/core/ty_emd.c).
**
**   C = ot.cost(X [, Y] [, metric])
**   P, info = ot.sinkhorn(a, b, C, eps [, opts])
**   P, info = ot.sns(a, b, C, eps [, opts])
**   P, cost, info = ot.emd(a, b, C [, opts])
**
** Weights a and b may be nil (uniform), must be nonnegative and finite,
** and their sums must agree to a relative 1e-6; b is then rescaled to the
** mass of a (as POT's emd does).
*/
#include <math.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_sinkhorn.h"
#include "ty_emd.h"

#define MASS_RTOL 1e-6

/* ====================================================================== */
/* arguments                                                              */
/* ====================================================================== */

/* The cost matrix argument: real, nonempty, finite. */
static ty_mat *check_cost (lua_State *L, int arg) {
  ty_mat *C = ty_checkrealmat(L, arg);
  if (TY_NUMEL(C) == 0)
    ty_shapeerror(L, arg, "nonempty cost matrix", C);
  if (!ty_mat_allfinite(C))
    luaL_argerror(L, arg, "cost matrix has NaN or Inf elements");
  return C;
}

/* Weights argument `arg` for `len` atoms: a vector of len nonnegative
** finite numbers, or nil for uniform weights 1/len.  Returns its data
** (owned by a value on the stack) and the sum in *sum. */
static const double *check_weights (lua_State *L, int arg, size_t len,
                                    const char *what, double *sum) {
  ty_mat *w;
  size_t k;
  double s = 0.0;
  if (lua_isnoneornil(L, arg)) {
    w = ty_newmat(L, len, 1, 0);
    for (k = 0; k < len; k++) w->data[k] = 1.0 / (double)len;
    lua_replace(L, arg);
    *sum = 1.0;
    return w->data;
  }
  w = ty_checkrealmat(L, arg);
  if ((w->rows != 1 && w->cols != 1) || TY_NUMEL(w) != len)
    luaL_argerror(L, arg, lua_pushfstring(L,
                  "vector of %I weights expected (the %s of C), got %Ix%I",
                  (lua_Integer)len, what, (lua_Integer)w->rows,
                  (lua_Integer)w->cols));
  for (k = 0; k < len; k++) {
    double x = w->data[k];
    if (!(x >= 0.0) || x == HUGE_VAL)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "weights must be nonnegative and finite, got %f at "
                    "index %I", x, (lua_Integer)k + 1));
    s += x;
  }
  *sum = s;
  return w->data;
}

/* Check both weights against C (arg 3) and that their masses agree. */
static void check_marginals (lua_State *L, const ty_mat *C,
                             const double **a, const double **b) {
  double sa, sb;
  *a = check_weights(L, 1, C->rows, "rows", &sa);
  *b = check_weights(L, 2, C->cols, "columns", &sb);
  if (!(sa > 0.0)) luaL_argerror(L, 1, "weights must have a positive sum");
  if (!(sb > 0.0)) luaL_argerror(L, 2, "weights must have a positive sum");
  if (fabs(sa - sb) > MASS_RTOL * (sa > sb ? sa : sb))
    luaL_argerror(L, 2, lua_pushfstring(L,
                  "weights sum to %f but a sums to %f (the masses must "
                  "agree to a relative 1e-6)", sb, sa));
}

/* ---- option tables ---------------------------------------------------- */

/* Raise an error for the first key of the options table at arg that is
** not in `known`. */
static void check_option_names (lua_State *L, int arg,
                                const char *const known[]) {
  lua_pushnil(L);
  while (lua_next(L, arg) != 0) {
    int k, found = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      for (k = 0; known[k] != NULL; k++)
        if (strcmp(lua_tostring(L, -1), known[k]) == 0) found = 1;
    if (!found) {
      const char *name = lua_type(L, -1) == LUA_TSTRING
                         ? lua_tostring(L, -1) : luaL_typename(L, -1);
      luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", name));
    }
  }
}

/* opts.name as a number in [lo, hi], or def when absent */
static double opt_number (lua_State *L, int arg, const char *name,
                          double def, double lo, double hi) {
  double v = def;
  if (lua_getfield(L, arg, name) != LUA_TNIL) {
    int isnum;
    v = lua_tonumberx(L, -1, &isnum);
    if (!isnum || !(v >= lo && v <= hi))
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "option '%s' must be a number in [%f, %f]", name, lo,
                    hi));
  }
  lua_pop(L, 1);
  return v;
}

/* opts.name as an integer >= lo, or def when absent */
static size_t opt_count (lua_State *L, int arg, const char *name,
                         size_t def, lua_Integer lo) {
  size_t v = def;
  if (lua_getfield(L, arg, name) != LUA_TNIL) {
    int isnum;
    lua_Integer k = lua_tointegerx(L, -1, &isnum);
    if (!isnum || k < lo)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "option '%s' must be an integer >= %I", name, lo));
    v = (size_t)k;
  }
  lua_pop(L, 1);
  return v;
}

/* opts.name as one of names (index), or def when absent */
static int opt_choice (lua_State *L, int arg, const char *name, int def,
                       const char *const names[]) {
  int k = def;
  if (lua_getfield(L, arg, name) != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    for (k = 0; s != NULL && names[k] != NULL; k++)
      if (strcmp(s, names[k]) == 0) break;
    if (s == NULL || names[k] == NULL)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "option '%s' must be one of '%s', '%s'%s", name,
                    names[0], names[1], names[2] ? ", ..." : ""));
  }
  lua_pop(L, 1);
  return k;
}

static int opt_bool (lua_State *L, int arg, const char *name, int def) {
  int v = def;
  if (lua_getfield(L, arg, name) != LUA_TNIL) v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* opts.name as a vector of len finite numbers, left on the stack (so it
** stays alive), or NULL (nothing pushed) when absent */
static const double *opt_vector (lua_State *L, int arg, const char *name,
                                 size_t len) {
  ty_mat *v;
  int type = lua_getfield(L, arg, name);
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (type == LUA_TTABLE || type == LUA_TNUMBER)
    v = ty_checkmat(L, lua_gettop(L));
  else v = ty_tomat(L, -1);
  if (v == NULL || v->cplx || TY_NUMEL(v) != len ||
      (v->rows != 1 && v->cols != 1) || !ty_mat_allfinite(v))
    luaL_argerror(L, arg, lua_pushfstring(L,
                  "option '%s' must be a vector of %I finite numbers", name,
                  (lua_Integer)len));
  return v->data;
}

/* ====================================================================== */
/* allocation and progress                                                */
/* ====================================================================== */

/* What the core's callbacks reach: the state, a table at `anchor` that
** keeps scratch buffers alive for the call, and when a history is wanted
** two tables of numbers (errors and dual values). */
typedef struct ot_call {
  lua_State *L;
  int anchor, nbuf;
  int errs, duals;          /* stack indices, 0 when no history */
  int steps;                /* sns: a table of Newton steps' alpha, nnz, cg */
  lua_Integer count, nsteps;
} ot_call;

static void *ot_alloc (void *ud, size_t bytes) {
  ot_call *c = (ot_call *)ud;
  void *p = ty_newbuf(c->L, bytes);
  lua_rawseti(c->L, c->anchor, ++c->nbuf);
  return p;
}

static int ot_progress (void *ud, const ty_ot_progress *p) {
  ot_call *c = (ot_call *)ud;
  if (c->errs != 0) {
    c->count++;
    lua_pushnumber(c->L, p->err);
    lua_rawseti(c->L, c->errs, c->count);
    lua_pushnumber(c->L, p->dual);
    lua_rawseti(c->L, c->duals, c->count);
    if (p->newton && c->steps != 0) {
      c->nsteps++;
      lua_pushnumber(c->L, p->alpha);
      lua_rawseti(c->L, c->steps, 3 * c->nsteps - 2);
      lua_pushinteger(c->L, (lua_Integer)p->nnz);
      lua_rawseti(c->L, c->steps, 3 * c->nsteps - 1);
      lua_pushinteger(c->L, (lua_Integer)p->cg);
      lua_rawseti(c->L, c->steps, 3 * c->nsteps);
    }
  }
  return 0;
}

/* ====================================================================== */
/* results                                                                */
/* ====================================================================== */

static void set_number (lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void set_integer (lua_State *L, const char *k, size_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

/* info.alpha_history, nnz_history, cg_history: one entry per Newton step,
** from the triples of the table at idx */
static void set_steps (lua_State *L, int idx, lua_Integer n) {
  static const char *const names[] = {"alpha_history", "nnz_history",
                                      "cg_history"};
  int f;
  for (f = 0; f < 3; f++) {
    lua_Integer i;
    ty_mat *h = ty_newmat(L, (size_t)n, 1, 0);
    for (i = 0; i < n; i++) {
      lua_rawgeti(L, idx, 3 * i + f + 1);
      h->data[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    lua_setfield(L, -2, names[f]);
  }
}

/* info.<k> = the numbers of the table at idx, as a vector */
static void set_history (lua_State *L, const char *k, int idx) {
  lua_Integer len = luaL_len(L, idx), i;
  ty_mat *h = ty_newmat(L, (size_t)len, 1, 0);
  for (i = 1; i <= len; i++) {
    lua_rawgeti(L, idx, i);
    h->data[i - 1] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, k);
}

static const char *const stop_names[] = {"tol", "maxiter", "stalled",
                                         "numerical", NULL};

/* Raise the error a core return code stands for. */
static int core_error (lua_State *L, int rc) {
  if (rc == TY_EINTR) return ty_raise_interrupt(L);
  if (rc == TY_OT_ENOMEM) return luaL_error(L, "not enough memory");
  if (rc == TY_OT_EBIG)
    return luaL_error(L, "problem too large (a dimension exceeds 2^31 - 1)");
  return luaL_error(L, "optimal transport failed (code %d)", rc);
}

/* ====================================================================== */
/* ot.cost                                                                */
/* ====================================================================== */

static const char *const metric_names[] = {"sqeuclidean", "euclidean",
                                           "cityblock", NULL};

/* ot.cost(X [, Y] [, metric]): n x m matrix of distances between rows */
static int ot_cost (lua_State *L) {
  ty_mat *X, *Y = NULL, *C;
  int metric, same;
  double *work;
  size_t n, m, d;
  if (lua_type(L, 2) == LUA_TSTRING) {       /* ot.cost(X, metric) */
    lua_settop(L, 2);
    lua_pushnil(L);
    lua_insert(L, 2);
  }
  X = ty_checkrealmat(L, 1);
  ty_checkfinite(L, 1, X);
  same = lua_isnoneornil(L, 2);
  if (!same) {
    Y = ty_checkrealmat(L, 2);
    ty_checkfinite(L, 2, Y);
    if (Y->cols != X->cols)
      luaL_argerror(L, 2, lua_pushfstring(L,
                    "points of %I coordinates expected (as in X), got %Ix%I",
                    (lua_Integer)X->cols, (lua_Integer)Y->rows,
                    (lua_Integer)Y->cols));
  }
  metric = luaL_checkoption(L, 3, "sqeuclidean", metric_names);
  n = X->rows;
  m = same ? n : Y->rows;
  d = X->cols;
  C = ty_newmat(L, n, m, 0);
  work = (double *)ty_newbuf(L, ty_mulsize(L, ty_ot_cost_worksize(n, m, d),
                                           sizeof(double)));
  {
    int rc = ty_ot_cost(C->data, X->data, n, same ? NULL : Y->data, m, d,
                        metric, work);
    if (rc != 0) return core_error(L, rc);
  }
  lua_pushvalue(L, -2);   /* C */
  return 1;
}

/* ====================================================================== */
/* ot.sinkhorn and ot.sns                                                 */
/* ====================================================================== */

static const char *const sinkhorn_opts[] = {"tol", "maxiter", "method",
  "history", "err_norm", "threads", "f", "g", NULL};
static const char *const sns_opts[] = {"tol", "maxiter", "history",
  "threads", "f", "g", "warmup", "sparsify", "lambda", "masstol", "adapt",
  "solver", "continuation", NULL};
static const char *const method_names[] = {"auto", "scaling", "log", NULL};
static const char *const errnorm_names[] = {"l1", "pot", NULL};
static const char *const sparsify_names[] = {"mass", "topk", NULL};
static const char *const solver_names[] = {"auto", "cg", "chol", NULL};

/* ot.sinkhorn / ot.sns (a, b, C, eps [, opts]) -> P, info */
static int entropic (lua_State *L, int sns) {
  ty_mat *C = check_cost(L, 3), *P, *f, *g;
  ty_ot_problem pb;
  ty_ot_opts o;
  ty_ot_info info;
  ot_call call;
  const double *a, *b;
  double eps;
  int rc, history = 0, top;
  check_marginals(L, C, &a, &b);
  eps = luaL_checknumber(L, 4);
  luaL_argcheck(L, eps > 0.0 && eps < HUGE_VAL, 4,
                "eps must be positive and finite");
  lua_settop(L, 5);
  ty_ot_defaults(&o, sns);
  memset(&call, 0, sizeof call);
  if (!lua_isnil(L, 5)) {
    luaL_checktype(L, 5, LUA_TTABLE);
    check_option_names(L, 5, sns ? sns_opts : sinkhorn_opts);
    o.tol = opt_number(L, 5, "tol", o.tol, 0.0, HUGE_VAL);
    o.maxiter = opt_count(L, 5, "maxiter", o.maxiter, 0);
    o.nthreads = (int)opt_count(L, 5, "threads", (size_t)o.nthreads, 1);
    history = opt_bool(L, 5, "history", 0);
    if (!sns) {
      o.method = opt_choice(L, 5, "method", o.method, method_names);
      o.err_norm = opt_choice(L, 5, "err_norm", o.err_norm, errnorm_names);
    }
    else {
      o.warmup = opt_count(L, 5, "warmup", o.warmup, 0);
      o.sparsify = opt_choice(L, 5, "sparsify", o.sparsify, sparsify_names);
      o.lambda = opt_number(L, 5, "lambda", o.lambda, 0.0, 1.0);
      o.masstol = opt_number(L, 5, "masstol", o.masstol, 0.0, 1.0);
      o.adapt = opt_bool(L, 5, "adapt", o.adapt);
      o.solver = opt_choice(L, 5, "solver", o.solver, solver_names);
      o.continuation = opt_bool(L, 5, "continuation", o.continuation);
    }
    o.f0 = opt_vector(L, 5, "f", C->rows);
    o.g0 = opt_vector(L, 5, "g", C->cols);
    if ((o.f0 == NULL) != (o.g0 == NULL))
      luaL_argerror(L, 5, "options 'f' and 'g' go together");
  }
  top = lua_gettop(L);                    /* opts and warm starts below */
  lua_newtable(L);                        /* anchor for buffers */
  call.L = L;
  call.anchor = top + 1;
  if (history) {
    lua_newtable(L);                      /* errors */
    lua_newtable(L);                      /* dual values */
    call.errs = top + 2;
    call.duals = top + 3;
    if (sns) {
      lua_newtable(L);                    /* Newton steps */
      call.steps = top + 4;
    }
  }
  o.alloc = ot_alloc;
  o.progress = ot_progress;
  o.ud = &call;
  P = ty_newmat(L, C->rows, C->cols, 0);
  f = ty_newmat(L, C->rows, 1, 0);
  g = ty_newmat(L, C->cols, 1, 0);
  pb.n = C->rows;
  pb.m = C->cols;
  pb.a = a;
  pb.b = b;
  pb.C = C->data;
  pb.eps = eps;
  rc = sns ? ty_ot_sns(&pb, &o, P->data, f->data, g->data, &info)
           : ty_ot_sinkhorn(&pb, &o, P->data, f->data, g->data, &info);
  if (rc != 0) return core_error(L, rc);
  /* stack: ... P f g; results: P, info */
  lua_createtable(L, 0, 20);
  set_integer(L, "iters", info.iters);
  lua_pushboolean(L, info.converged);
  lua_setfield(L, -2, "converged");
  lua_pushstring(L, stop_names[info.stop_reason]);
  lua_setfield(L, -2, "stop_reason");
  set_number(L, "err", info.err);
  set_number(L, "cost", info.cost);
  set_number(L, "objective", info.objective);
  set_number(L, "dual", info.dual);
  set_number(L, "time", info.time);
  lua_pushvalue(L, -3);                   /* stack: P f g info */
  lua_setfield(L, -2, "f");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "g");
  if (!sns) {
    lua_pushstring(L, info.method_used == TY_OT_SCALING ? "scaling" : "log");
    lua_setfield(L, -2, "method");
    if (info.switched_at > 0) set_integer(L, "switched_at", info.switched_at);
  }
  else {
    set_integer(L, "newton_iters", info.newton_iters);
    set_integer(L, "sinkhorn_iters", info.sinkhorn_iters);
    set_integer(L, "cg_iters", info.cg_iters);
    set_integer(L, "fallbacks", info.fallbacks);
    set_integer(L, "nnz", info.nnz);
    set_number(L, "time_warmup", info.time_warmup);
    set_number(L, "time_newton", info.time - info.time_warmup);
  }
  if (history) {
    set_history(L, "history", call.errs);
    set_history(L, "dual_history", call.duals);
    if (sns) set_steps(L, call.steps, call.nsteps);
  }
  lua_pushvalue(L, -4);                   /* P */
  lua_insert(L, -2);
  return 2;
}

static int ot_sinkhorn (lua_State *L) {
  return entropic(L, 0);
}

static int ot_sns (lua_State *L) {
  return entropic(L, 1);
}

/* ====================================================================== */
/* ot.emd                                                                 */
/* ====================================================================== */

static const char *const emd_opts[] = {"maxiter", NULL};

/* ot.emd(a, b, C [, opts]) -> P, cost, info */
static int ot_emd (lua_State *L) {
  ty_mat *C = check_cost(L, 3), *P, *u, *v;
  const double *a, *b;
  ty_emd_info info;
  size_t maxiter, bytes;
  void *work;
  int rc;
  check_marginals(L, C, &a, &b);
  lua_settop(L, 4);
  maxiter = ty_emd_default_maxiter(C->rows, C->cols);
  if (!lua_isnil(L, 4)) {
    luaL_checktype(L, 4, LUA_TTABLE);
    check_option_names(L, 4, emd_opts);
    maxiter = opt_count(L, 4, "maxiter", maxiter, 0);
  }
  bytes = ty_emd_worksize(C->rows, C->cols);
  if (bytes == 0) luaL_error(L, "not enough memory (problem too large)");
  work = ty_newbuf(L, bytes);
  P = ty_newmat(L, C->rows, C->cols, 0);
  u = ty_newmat(L, C->rows, 1, 0);
  v = ty_newmat(L, C->cols, 1, 0);
  rc = ty_emd(C->rows, C->cols, a, b, C->data, maxiter, P->data, u->data,
              v->data, work, &info);
  if (rc != 0) return core_error(L, rc);
  lua_pushvalue(L, -3);                   /* P */
  lua_pushnumber(L, info.cost);
  lua_createtable(L, 0, 8);
  set_integer(L, "iters", info.pivots);
  lua_pushboolean(L, info.converged);
  lua_setfield(L, -2, "converged");
  set_number(L, "cost", info.cost);
  set_number(L, "time", info.time);
  lua_pushvalue(L, -5);                   /* stack: P u v P cost info */
  lua_setfield(L, -2, "u");
  lua_pushvalue(L, -4);
  lua_setfield(L, -2, "v");
  (void)work;
  return 3;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg ot_funcs[] = {
  {"cost", ot_cost},
  {"sinkhorn", ot_sinkhorn},
  {"sns", ot_sns},
  {"emd", ot_emd},
  {NULL, NULL}
};

int luaopen_tycho_ot (lua_State *L) {
  ty_newlib(L, ot_funcs);
  return 1;
}

/*
** loptim.c: the native half of the optim module (first-order optimizers,
** 8-bit states, consensus-based optimization, test functions).  The update
** rules are in src/core/ty_optim.c, CBO in src/core/ty_cbo.c; the Lua layer
** (lua/tycho/optim.lua) adds minimize and cbo_minimize.
**
**   opt = optim.adam{lr = 1e-3, ...}    a "tycho.optimizer" userdata
**   opt:step(x, g)  opt:step({W, b}, {gW, gb})  opt:reset()
**   opt:state_bytes()  opt:state([k])  opt.t  opt.lr = 0.01  (schedules)
**   c = optim.cbo{d, ...}               a "tycho.cbo" userdata
**   c:ask()  c:tell(f)  c:done()  c:best([run])  c:consensus([run])
**   f, grad = optim.testfn.rosenbrock(x)   (and rastrigin, ackley,
**                                           quadratic(x [, cond]))
**   optim.map8(signed)  optim.quantize8(x [, signed [, block]])
**   optim.dequantize8(codes, absmax [, signed [, block]])
**
** An optimizer's state is one userdata per tensor, in a table that is the
** optimizer's user value, so the collector owns all of it.  The state is
** built on the first step from the shapes seen then and kept by position.
** A step is checked completely (shapes, finiteness) before anything is
** written, and then runs to the end (it is not interrupted half way).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_optim.h"
#include "ty_cbo.h"
#include "ty_rand.h"

#define OPTIM_T "tycho.optimizer"
#define THREADS_KEY "tycho.optim.threads"
#define CBO_T   "tycho.cbo"

/* the kinds, in the order of kind_names */
enum { K_SGD, K_ADAM, K_ADAMW, K_LAMB, K_LION, K_ADAN, K_ADAMP, K_SGDP,
       K_EXADAM, K_ADAM8, K_ADAMW8, K_LION8 };

static const char *const kind_names[] = {
  "sgd", "adam", "adamw", "lamb", "lion", "adan", "adamp", "sgdp", "exadam",
  "adam8bit", "adamw8bit", "lion8bit", NULL
};

/* the options each kind accepts (besides no_decay) */
static const char *const kind_options[] = {
  /* sgd */    " lr momentum dampening nesterov weight_decay check_finite ",
  /* adam */   " lr betas eps weight_decay amsgrad check_finite ",
  /* adamw */  " lr betas eps weight_decay amsgrad check_finite ",
  /* lamb */   " lr betas eps weight_decay trust_min trust_max max_grad_norm"
               " no_adapt check_finite ",
  /* lion */   " lr betas weight_decay K delta check_finite ",
  /* adan */   " lr betas eps weight_decay max_grad_norm no_prox"
               " check_finite ",
  /* adamp */  " lr betas eps weight_decay delta wd_ratio nesterov"
               " check_finite ",
  /* sgdp */   " lr momentum dampening nesterov weight_decay eps delta"
               " wd_ratio check_finite ",
  /* exadam */ " lr betas eps weight_decay step_mode check_finite ",
  /* adam8 */  " lr betas eps weight_decay block min_8bit_size quantize ",
  /* adamw8 */ " lr betas eps weight_decay block min_8bit_size quantize ",
  /* lion8 */  " lr betas weight_decay K delta block min_8bit_size quantize "
};

static const char *const k_names[] = {"l1", "l2", "huber", "quad", NULL};

typedef struct optimizer {
  int kind;
  ty_optim_hyper h;           /* weight_decay here is the global one */
  lua_Integer t;              /* steps taken */
  int check_finite;
  int started;                /* the state exists: structure fixed */
  double max_grad_norm;       /* LAMB, Adan: global clipping, 0 = off */
  lua_Integer block, min8;    /* 8-bit: block size, smallest quantized */
  int quantize;
  lua_Integer projected;      /* AdamP/SGDP: tensors projected, last step */
  double ratio_min, ratio_max;/* LAMB: trust ratios of the last step */
} optimizer;

/* One tensor's state: a userdata holding this header and its arrays. */
typedef struct tstate {
  size_t rows, cols;          /* the shape it was built for */
  int nvec;                   /* state vectors of doubles */
  int ready;                  /* SGD buffer set / Adan gprev seeded */
  int quantized;              /* 8-bit codes instead of vectors 0, 1 */
  double *v[4];
  uint8_t *c1, *c2;
  float *a1, *a2;
  size_t bytes;               /* state bytes, for state_bytes() */
} tstate;

#define IS8(k) ((k) == K_ADAM8 || (k) == K_ADAMW8 || (k) == K_LION8)


/* ====================================================================== */
/* options                                                                */
/* ====================================================================== */

static optimizer *check_opt (lua_State *L, int idx) {
  return (optimizer *)luaL_checkudata(L, idx, OPTIM_T);
}

/* Raise "bad argument #arg to '<f>' (<key> <what>)". */
static int option_error (lua_State *L, int arg, const char *key,
                         const char *what) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "%s %s", key, what));
}

/* the number at idx, finite, in [lo, hi] (hi_open: hi excluded) */
static double opt_number (lua_State *L, int idx, int arg, const char *key,
                          double lo, double hi, int hi_open) {
  int isnum;
  double v = (double)lua_tonumberx(L, idx, &isnum);
  if (!isnum)
    option_error(L, arg, key, lua_pushfstring(L, "must be a number, got %s",
                 luaL_typename(L, idx)));
  if (!isfinite(v) || v < lo || v > hi || (hi_open && v == hi)) {
    const char *range;
    if (hi == HUGE_VAL && lo == 0.0) range = "must be a nonnegative number";
    else if (hi == HUGE_VAL) range = lua_pushfstring(L, "must be >= %f", lo);
    else range = lua_pushfstring(L, "must be in [%f, %f%s", lo, hi,
                                 hi_open ? ")" : "]");
    option_error(L, arg, key, lua_pushfstring(L, "%s, got %s", range,
                 lua_pushfstring(L, "%f", v)));
  }
  return v;
}

static int opt_boolean (lua_State *L, int idx, int arg, const char *key) {
  if (!lua_isboolean(L, idx))
    option_error(L, arg, key, lua_pushfstring(L,
                 "must be a boolean, got %s", luaL_typename(L, idx)));
  return lua_toboolean(L, idx);
}

static lua_Integer opt_integer (lua_State *L, int idx, int arg,
                                const char *key, lua_Integer lo) {
  int isint;
  lua_Integer v = lua_tointegerx(L, idx, &isint);
  if (!isint || v < lo)
    option_error(L, arg, key, lua_pushfstring(L,
                 "must be an integer >= %I", lo));
  return v;
}

/* a beta, in [0, 1) */
static double opt_beta (lua_State *L, int idx, int arg, const char *key) {
  return opt_number(L, idx, arg, key, 0.0, 1.0, 1);
}

/* 1 when key (a word) is among the options of o's kind */
static int accepts (const optimizer *o, const char *key) {
  const char *list = kind_options[o->kind], *p;
  size_t len = strlen(key);
  if (strcmp(key, "no_decay") == 0) return 1;
  for (p = strstr(list, key); p != NULL; p = strstr(p + 1, key))
    if (p[-1] == ' ' && p[len] == ' ') return 1;
  return 0;
}

/* the positions list at idx as a set {k = true}, stored in the options
** table (user value 2) under key */
static void set_positions (lua_State *L, int oidx, int idx, int arg,
                           const char *key) {
  lua_Integer i, n;
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx))
    option_error(L, arg, key, "must be a list of tensor positions");
  n = luaL_len(L, idx);
  lua_getiuservalue(L, oidx, 2);
  lua_createtable(L, 0, (int)n);
  for (i = 1; i <= n; i++) {
    int isint;
    lua_Integer k;
    lua_geti(L, idx, i);
    k = lua_tointegerx(L, -1, &isint);
    if (!isint || k < 1)
      option_error(L, arg, key, "must be a list of tensor positions");
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_seti(L, -2, k);
  }
  lua_setfield(L, -2, key);
  lua_pop(L, 1);
}

/* Set option key of the optimizer at oidx from the value at vidx; errors
** name argument arg.  Structural options cannot change after the first
** step. */
static void set_option (lua_State *L, int oidx, const char *key, int vidx,
                        int arg) {
  optimizer *o = check_opt(L, oidx);
  ty_optim_hyper *h = &o->h;
  vidx = lua_absindex(L, vidx);
  if (strcmp(key, "k") == 0) key = "K";                 /* the spec's names */
  else if (strcmp(key, "blocksize") == 0) key = "block";
  if (!accepts(o, key))
    luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s' for %s",
                  key, kind_names[o->kind]));
  if (o->started && (strcmp(key, "amsgrad") == 0 || strcmp(key, "K") == 0 ||
      strcmp(key, "block") == 0 || strcmp(key, "min_8bit_size") == 0 ||
      strcmp(key, "quantize") == 0))
    option_error(L, arg, key, "cannot change after the first step "
                 "(call reset() first)");
  if (strcmp(key, "lr") == 0)
    h->lr = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  else if (strcmp(key, "momentum") == 0)
    h->momentum = opt_number(L, vidx, arg, key, 0.0, 1.0, 1);
  else if (strcmp(key, "dampening") == 0)
    h->dampening = opt_number(L, vidx, arg, key, 0.0, 1.0, 0);
  else if (strcmp(key, "nesterov") == 0)
    h->nesterov = opt_boolean(L, vidx, arg, key);
  else if (strcmp(key, "weight_decay") == 0)
    h->weight_decay = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  else if (strcmp(key, "eps") == 0)
    h->eps = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  else if (strcmp(key, "betas") == 0) {
    int nb = o->kind == K_ADAN ? 3 : 2, i;
    double b[3];
    if (!lua_istable(L, vidx) || luaL_len(L, vidx) != nb)
      option_error(L, arg, key, lua_pushfstring(L,
                   "must be a list of %d numbers", nb));
    for (i = 0; i < nb; i++) {
      const char *name = lua_pushfstring(L, "betas[%d]", i + 1);
      lua_geti(L, vidx, i + 1);
      b[i] = opt_beta(L, -1, arg, name);
      lua_pop(L, 2);
    }
    h->beta1 = b[0];
    h->beta2 = b[1];
    if (nb == 3) h->beta3 = b[2];
  }
  else if (strcmp(key, "amsgrad") == 0)
    h->amsgrad = opt_boolean(L, vidx, arg, key);
  else if (strcmp(key, "K") == 0) {
    const char *s = lua_tostring(L, vidx);
    int i;
    for (i = 0; s != NULL && k_names[i] != NULL; i++)
      if (strcmp(s, k_names[i]) == 0) break;
    if (s == NULL || k_names[i] == NULL)
      option_error(L, arg, key, "must be \"l1\", \"l2\", \"huber\" or "
                   "\"quad\"");
    h->lion_k = i;
  }
  else if (strcmp(key, "delta") == 0) {
    if (o->kind == K_LION || o->kind == K_LION8) {
      double d = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
      if (d == 0.0) option_error(L, arg, key, "must be positive");
      h->huber_delta = d;
    }
    else h->proj_delta = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  }
  else if (strcmp(key, "wd_ratio") == 0)
    h->wd_ratio = opt_number(L, vidx, arg, key, 0.0, 1.0, 0);
  else if (strcmp(key, "trust_min") == 0)
    h->trust_min = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  else if (strcmp(key, "trust_max") == 0) {
    double v = lua_tonumber(L, vidx);
    h->trust_max = v == HUGE_VAL ? v
                 : opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  }
  else if (strcmp(key, "max_grad_norm") == 0)
    o->max_grad_norm = opt_number(L, vidx, arg, key, 0.0, HUGE_VAL, 0);
  else if (strcmp(key, "no_prox") == 0)
    h->no_prox = opt_boolean(L, vidx, arg, key);
  else if (strcmp(key, "step_mode") == 0) {
    const char *s = lua_tostring(L, vidx);
    if (s == NULL || (strcmp(s, "const") != 0 && strcmp(s, "log") != 0))
      option_error(L, arg, key, "must be \"const\" or \"log\"");
    h->log_step = strcmp(s, "log") == 0;
  }
  else if (strcmp(key, "block") == 0)
    o->block = opt_integer(L, vidx, arg, key, 1);
  else if (strcmp(key, "min_8bit_size") == 0)
    o->min8 = opt_integer(L, vidx, arg, key, 0);
  else if (strcmp(key, "quantize") == 0)
    o->quantize = opt_boolean(L, vidx, arg, key);
  else if (strcmp(key, "check_finite") == 0)
    o->check_finite = opt_boolean(L, vidx, arg, key);
  else if (strcmp(key, "no_decay") == 0 || strcmp(key, "no_adapt") == 0)
    set_positions(L, oidx, vidx, arg, key);
}

/* Combinations checked at creation and before every step. */
static void check_combination (lua_State *L, const optimizer *o, int arg) {
  if (o->kind == K_SGD && o->h.nesterov &&
      (o->h.momentum <= 0.0 || o->h.dampening != 0.0))
    luaL_argerror(L, arg, "nesterov needs momentum > 0 and dampening = 0");
  if (o->kind == K_LAMB && o->h.trust_min > o->h.trust_max)
    luaL_argerror(L, arg, "trust_min is larger than trust_max");
}

/* the defaults of each kind (spec §§1-9 and API.md) */
static void set_defaults (optimizer *o, int kind) {
  ty_optim_hyper *h = &o->h;
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->check_finite = 1;
  o->block = 2048;
  o->min8 = 4096;
  o->quantize = 1;
  h->lr = 1e-3;
  h->beta1 = 0.9;
  h->beta2 = 0.999;
  h->eps = 1e-8;
  h->trust_max = HUGE_VAL;
  h->huber_delta = 1e-3;
  h->proj_delta = 0.1;
  h->wd_ratio = 0.1;
  h->adapt = 1;
  switch (kind) {
    case K_SGD: case K_SGDP: h->lr = NAN; break;    /* required */
    case K_ADAMW: case K_ADAMW8: h->weight_decay = 1e-2; break;
    case K_LAMB: h->eps = 1e-6; break;
    case K_LION: case K_LION8: h->lr = 1e-4; h->beta2 = 0.99; break;
    case K_ADAN: h->beta1 = 0.98; h->beta2 = 0.92; h->beta3 = 0.99; break;
    default: break;
  }
  h->decoupled = (kind == K_ADAMW);
}

/* optim.<kind>{...}: a new optimizer (upvalue 1: the kind's index) */
static int optim_new (lua_State *L) {
  int kind = (int)lua_tointeger(L, lua_upvalueindex(1)), oidx;
  optimizer *o;
  if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
  else { lua_settop(L, 0); lua_newtable(L); }
  lua_settop(L, 1);
  o = (optimizer *)lua_newuserdatauv(L, sizeof(optimizer), 2);
  set_defaults(o, kind);
  luaL_setmetatable(L, OPTIM_T);
  oidx = lua_gettop(L);
  lua_newtable(L);
  lua_setiuservalue(L, oidx, 1);      /* per-tensor states */
  lua_newtable(L);
  lua_setiuservalue(L, oidx, 2);      /* no_decay, no_adapt sets */
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, 1, "options must be named (key = value)");
    set_option(L, oidx, lua_tostring(L, -2), -1, 1);
    lua_pop(L, 1);
  }
  if (isnan(o->h.lr))
    luaL_argerror(L, 1, lua_pushfstring(L, "lr is required for %s",
                  kind_names[kind]));
  check_combination(L, o, 1);
  lua_settop(L, oidx);
  return 1;
}


/* ====================================================================== */
/* per-tensor states                                                      */
/* ====================================================================== */

static size_t align64 (size_t b) { return (b + 63) & ~(size_t)63; }

/* the number of double state vectors of a kind (8-bit: when not
** quantized) */
static int state_vectors (const optimizer *o) {
  switch (o->kind) {
    case K_SGD: return o->h.momentum != 0.0;
    case K_ADAM: case K_ADAMW: return o->h.amsgrad ? 3 : 2;
    case K_LION: case K_SGDP: case K_LION8: return 1;
    case K_ADAN: return 4;
    default: return 2;
  }
}

/* Push a new zeroed state for a rows x cols tensor. */
static tstate *new_state (lua_State *L, const optimizer *o, size_t rows,
                          size_t cols) {
  size_t n = rows * cols, nb = 0, bytes = align64(sizeof(tstate)), k;
  int quant = IS8(o->kind) && o->quantize && n >= (size_t)o->min8 && n > 0;
  int nvec = quant ? 0 : state_vectors(o), ncode = 0;
  tstate *s;
  char *p;
  if (quant) {
    ncode = o->kind == K_LION8 ? 1 : 2;
    nb = (n + (size_t)o->block - 1) / (size_t)o->block;
    bytes += (size_t)ncode * (align64(ty_mulsize(L, n, 1)) +
                              align64(ty_mulsize(L, nb, sizeof(float))));
  }
  else
    bytes += (size_t)nvec * align64(ty_mulsize(L, n, sizeof(double)));
  s = (tstate *)lua_newuserdatauv(L, bytes + 64, 0);
  memset(s, 0, bytes + 64);
  s->rows = rows;
  s->cols = cols;
  s->nvec = nvec;
  s->quantized = quant;
  p = (char *)(((uintptr_t)(s + 1) + 63) & ~(uintptr_t)63);
  for (k = 0; k < (size_t)nvec; k++) {
    s->v[k] = (double *)(void *)p;
    p += align64(n * sizeof(double));
  }
  if (quant) {
    s->c1 = (uint8_t *)p; p += align64(n);
    s->a1 = (float *)(void *)p; p += align64(nb * sizeof(float));
    memset(s->c1, 127, n);          /* the zero code of the signed map */
    if (ncode == 2) {
      s->c2 = (uint8_t *)p; p += align64(n);
      s->a2 = (float *)(void *)p;
    }
    s->bytes = (size_t)ncode * (n + nb * sizeof(float));
  }
  else s->bytes = (size_t)nvec * n * sizeof(double);
  return s;
}

/* The state of tensor k (1-based) from the table at sidx, created if
** missing (or, for SGD, when momentum was turned on since). */
static tstate *get_state (lua_State *L, const optimizer *o, int sidx,
                          lua_Integer k, const ty_mat *x) {
  tstate *s;
  lua_geti(L, sidx, k);
  s = (tstate *)lua_touserdata(L, -1);
  lua_pop(L, 1);                     /* the table keeps it alive */
  if (s != NULL && (o->kind != K_SGD || s->nvec >= state_vectors(o)))
    return s;
  s = new_state(L, o, x->rows, x->cols);
  lua_seti(L, sidx, k);
  return s;
}


/* ====================================================================== */
/* step                                                                   */
/* ====================================================================== */

/* 1 when position k is in the set `key` of the options table */
static int in_set (lua_State *L, int oidx, const char *key, lua_Integer k) {
  int r;
  lua_getiuservalue(L, oidx, 2);
  if (lua_getfield(L, -1, key) != LUA_TTABLE) { lua_pop(L, 2); return 0; }
  lua_geti(L, -1, k);
  r = lua_toboolean(L, -1);
  lua_pop(L, 3);
  return r;
}

/* the thread count of optim.threads (registry field THREADS_KEY) */
static int get_threads (lua_State *L) {
  int n;
  lua_getfield(L, LUA_REGISTRYINDEX, THREADS_KEY);
  n = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  lua_pop(L, 1);
  if (n < 1) {                      /* default: every online CPU */
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c < 1 ? 1 : (c > TY_OPTIM_MAX_THREADS ? TY_OPTIM_MAX_THREADS
                                              : (int)c);
  }
  return n;
}

/* optim.threads([n]): the threads big steps may use; sets it to n (1 to
** 16) when given; returns the count in force */
static int optim_threads (lua_State *L) {
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1 && n <= TY_OPTIM_MAX_THREADS, 1,
                  "thread count from 1 to 16 expected");
    lua_pushinteger(L, n);
    lua_setfield(L, LUA_REGISTRYINDEX, THREADS_KEY);
  }
  lua_pushinteger(L, get_threads(L));
  return 1;
}

/* LAMB: 0 when tensor k's trust ratio is forced to 1 (no_adapt, which
** defaults to the no_decay set when not given) */
static int lamb_adapts (lua_State *L, int oidx, lua_Integer k) {
  int has;
  lua_getiuservalue(L, oidx, 2);
  has = lua_getfield(L, -1, "no_adapt") == LUA_TTABLE;
  lua_pop(L, 2);
  return !in_set(L, oidx, has ? "no_adapt" : "no_decay", k);
}

/* opt:step(x, g) / opt:step({x1, ...}, {g1, ...}): one step in place */
static int opt_step (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  int oidx = 1, list, sidx, T, k, xbase, gbase, threads = get_threads(L);
  size_t work_doubles = 0;
  double *work = NULL, gscale = 1.0;
  ty_mat **xs, **gs;
  tstate **st;
  check_combination(L, o, 1);
  list = ty_tomat(L, 2) == NULL;
  if (list) {
    luaL_argcheck(L, lua_istable(L, 2), 2,
                  "tycho.mat or list of tycho.mat expected");
    luaL_argcheck(L, lua_istable(L, 3) && ty_tomat(L, 3) == NULL, 3,
                  "list of gradients expected (parameters are a list)");
    T = (int)luaL_len(L, 2);
    luaL_argcheck(L, T >= 1, 2, "empty list of parameters");
    luaL_argcheck(L, luaL_len(L, 3) == T, 3, lua_pushfstring(L,
                  "%d gradients expected, got %d", T, (int)luaL_len(L, 3)));
  }
  else T = 1;
  lua_settop(L, 3);
  luaL_checkstack(L, 2 * T + 8, "too many tensors");
  xbase = lua_gettop(L) + 1;
  for (k = 0; k < T; k++) {          /* parameters */
    if (list) lua_geti(L, 2, k + 1); else lua_pushvalue(L, 2);
    if (ty_tomat(L, -1) == NULL)
      luaL_argerror(L, 2, lua_pushfstring(L,
                    "parameter %d: tycho.mat expected, got %s", k + 1,
                    luaL_typename(L, -1)));
  }
  gbase = lua_gettop(L) + 1;
  for (k = 0; k < T; k++) {          /* gradients (tables converted) */
    if (list) lua_geti(L, 3, k + 1); else lua_pushvalue(L, 3);
    if (ty_tomat(L, -1) == NULL && !lua_istable(L, -1) && !lua_isnumber(L, -1))
      luaL_argerror(L, 3, lua_pushfstring(L,
                    "gradient %d: tycho.mat expected, got %s", k + 1,
                    luaL_typename(L, -1)));
    ty_checkmat(L, -1);
  }
  xs = (ty_mat **)ty_newbuf(L, 3 * (size_t)T * sizeof(void *));
  gs = xs + T;
  st = (tstate **)(void *)(gs + T);
  for (k = 0; k < T; k++) {          /* shapes and kinds */
    xs[k] = ty_tomat(L, xbase + k);
    gs[k] = ty_tomat(L, gbase + k);
    if (xs[k]->cplx || gs[k]->cplx)
      luaL_argerror(L, xs[k]->cplx ? 2 : 3, lua_pushfstring(L,
                    "%s %d is complex (real matrices expected)",
                    xs[k]->cplx ? "parameter" : "gradient", k + 1));
    if (xs[k]->rows != gs[k]->rows || xs[k]->cols != gs[k]->cols)
      luaL_argerror(L, 3, lua_pushfstring(L,
                    "gradient %d is %Ix%I, its parameter is %Ix%I", k + 1,
                    (lua_Integer)gs[k]->rows, (lua_Integer)gs[k]->cols,
                    (lua_Integer)xs[k]->rows, (lua_Integer)xs[k]->cols));
  }
  lua_getiuservalue(L, oidx, 1);
  sidx = lua_gettop(L);
  if (o->started) {                  /* the same tensors as before */
    lua_Integer ns = luaL_len(L, sidx);
    if (ns != T)
      luaL_argerror(L, 2, lua_pushfstring(L, "the state was built for %I "
                    "tensors, got %d (call reset() to start over)", ns, T));
    for (k = 0; k < T; k++) {
      const tstate *s;
      lua_geti(L, sidx, k + 1);
      s = (const tstate *)lua_touserdata(L, -1);
      lua_pop(L, 1);
      if (s->rows != xs[k]->rows || s->cols != xs[k]->cols)
        luaL_argerror(L, 2, lua_pushfstring(L, "parameter %d is %Ix%I, the "
                      "state was built for %Ix%I (call reset() to start "
                      "over)", k + 1, (lua_Integer)xs[k]->rows,
                      (lua_Integer)xs[k]->cols, (lua_Integer)s->rows,
                      (lua_Integer)s->cols));
    }
  }
  if (o->check_finite && !IS8(o->kind))
    for (k = 0; k < T; k++)
      if (!ty_optim_allfinite(TY_NUMEL(gs[k]), gs[k]->data, threads))
        luaL_argerror(L, 3, lua_pushfstring(L, "gradient %d has NaN or Inf "
                      "elements (parameters and state left unchanged)",
                      k + 1));
  /* everything is checked: build the state, then update */
  for (k = 0; k < T; k++) {
    st[k] = get_state(L, o, sidx, k + 1, xs[k]);
    if (gs[k]->data == xs[k]->data) {  /* g is read while x changes */
      ty_mat *copy = ty_pushcopy(L, gs[k], 0);
      lua_replace(L, gbase + k);
      gs[k] = copy;
    }
    if ((o->kind == K_ADAMP || o->kind == K_SGDP) &&
        4 * xs[k]->rows > work_doubles)
      work_doubles = 4 * xs[k]->rows;
    if (IS8(o->kind)) {             /* 2 blocks for each piece */
      ty_optim_hyper hp = o->h;
      size_t w;
      hp.threads = threads;
      w = 2 * (size_t)o->block *
          (size_t)ty_optim_pieces(&hp, TY_NUMEL(xs[k]));
      if (w > work_doubles) work_doubles = w;
    }
  }
  o->started = 1;
  if (work_doubles > 0)
    work = (double *)ty_newbuf(L, ty_mulsize(L, work_doubles,
                                             sizeof(double)));
  if ((o->kind == K_LAMB || o->kind == K_ADAN) && o->max_grad_norm > 0) {
    double ss = 0.0, G;
    for (k = 0; k < T; k++)
      ss += ty_optim_sumsq(TY_NUMEL(gs[k]), gs[k]->data);
    G = sqrt(ss);
    if (o->kind == K_LAMB) gscale = G > o->max_grad_norm
                                    ? o->max_grad_norm / G : 1.0;
    else {
      gscale = o->max_grad_norm / (G + o->h.eps);
      if (gscale > 1.0) gscale = 1.0;
    }
  }
  o->t++;
  o->projected = 0;
  o->ratio_min = HUGE_VAL;
  o->ratio_max = -HUGE_VAL;
  for (k = 0; k < T; k++) {
    ty_optim_hyper h = o->h;
    tstate *s = st[k];
    h.threads = threads;
    size_t n = TY_NUMEL(xs[k]);
    double *x = xs[k]->data;
    const double *g = gs[k]->data;
    if (in_set(L, oidx, "no_decay", k + 1)) h.weight_decay = 0.0;
    switch (o->kind) {
      case K_SGD:
        ty_optim_sgd(&h, n, x, g, s->v[0], s->ready);
        if (h.momentum != 0.0) s->ready = 1;
        break;
      case K_ADAM: case K_ADAMW:
        ty_optim_adam(&h, o->t, n, x, g, s->v[0], s->v[1], s->v[2]);
        break;
      case K_LAMB: {
        double r;
        h.adapt = lamb_adapts(L, oidx, k + 1);
        r = ty_optim_lamb(&h, o->t, n, x, g, gscale, s->v[0], s->v[1]);
        if (r < o->ratio_min) o->ratio_min = r;
        if (r > o->ratio_max) o->ratio_max = r;
        break;
      }
      case K_LION:
        ty_optim_lion(&h, n, x, g, s->v[0]);
        break;
      case K_ADAN:
        ty_optim_adan(&h, o->t, n, x, g, gscale, s->v[0], s->v[1], s->v[2],
                      s->v[3], !s->ready);
        s->ready = 1;
        break;
      case K_ADAMP:
        o->projected += ty_optim_adamp(&h, o->t, xs[k]->rows, xs[k]->cols,
                                       x, g, s->v[0], s->v[1], work);
        break;
      case K_SGDP:
        o->projected += ty_optim_sgdp(&h, xs[k]->rows, xs[k]->cols, x, g,
                                      s->v[0], work);
        break;
      case K_EXADAM:
        ty_optim_exadam(&h, o->t, n, x, g, s->v[0], s->v[1]);
        break;
      case K_ADAM8: case K_ADAMW8:
        if (s->quantized)
          ty_optim_adam8(&h, o->t, n, (size_t)o->block, x, g, s->c1, s->a1,
                         s->c2, s->a2, work);
        else ty_optim_adam8_fp(&h, o->t, n, x, g, s->v[0], s->v[1]);
        break;
      case K_LION8:
        if (s->quantized)
          ty_optim_lion8(&h, n, (size_t)o->block, x, g, s->c1, s->a1, work);
        else ty_optim_lion8_fp(&h, n, x, g, s->v[0]);
        break;
    }
  }
  return 0;
}

/* opt:reset(): forget the state; t = 0 */
static int opt_reset (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  lua_newtable(L);
  lua_setiuservalue(L, 1, 1);
  o->t = 0;
  o->started = 0;
  return 0;
}

/* opt:state_bytes(): bytes of optimizer state held (0 before a step) */
static int opt_state_bytes (lua_State *L) {
  lua_Integer k, n, total = 0;
  check_opt(L, 1);
  lua_getiuservalue(L, 1, 1);
  n = luaL_len(L, -1);
  for (k = 1; k <= n; k++) {
    lua_geti(L, -1, k);
    total += (lua_Integer)((const tstate *)lua_touserdata(L, -1))->bytes;
    lua_pop(L, 1);
  }
  lua_pushinteger(L, total);
  return 1;
}

/* push a copy of state vector v (rows x cols) as a mat */
static void push_vec (lua_State *L, const tstate *s, const double *v) {
  ty_mat *A = ty_newmat(L, s->rows, s->cols, 0);
  memcpy(A->data, v, TY_NUMEL(A) * sizeof(double));
}

/* opt:state([k=1]): a table of copies of tensor k's state vectors (8-bit
** codes dequantized), or nil before the first step */
static int opt_state (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 1);
  const tstate *s;
  static const char *const names[][4] = {
    {"buf"}, {"m", "v", "vmax"}, {"m", "v", "vmax"}, {"m", "v"}, {"m"},
    {"m", "v", "n", "gprev"}, {"m", "v"}, {"buf"}, {"m", "v"}, {"m", "v"},
    {"m", "v"}, {"m"}
  };
  int i;
  lua_getiuservalue(L, 1, 1);
  if (lua_geti(L, -1, k) != LUA_TUSERDATA) {
    lua_pushnil(L);
    return 1;
  }
  s = (const tstate *)lua_touserdata(L, -1);
  lua_newtable(L);
  for (i = 0; i < s->nvec; i++) {
    push_vec(L, s, s->v[i]);
    lua_setfield(L, -2, names[o->kind][i]);
  }
  if (s->quantized) {
    size_t n = s->rows * s->cols;
    ty_mat *A = ty_newmat(L, s->rows, s->cols, 0);
    ty_q8_dequantize(n, (size_t)o->block, s->c1, s->a1, 1, A->data);
    lua_setfield(L, -2, "m");
    if (s->c2 != NULL) {
      A = ty_newmat(L, s->rows, s->cols, 0);
      ty_q8_dequantize(n, (size_t)o->block, s->c2, s->a2, 0, A->data);
      lua_setfield(L, -2, "v");
    }
  }
  return 1;
}

/* opt.<field>: methods first, then options and diagnostics */
static int opt_index (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  const char *key = luaL_checkstring(L, 2);
  const ty_optim_hyper *h = &o->h;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  if (strcmp(key, "t") == 0) lua_pushinteger(L, o->t);
  else if (strcmp(key, "kind") == 0) lua_pushstring(L, kind_names[o->kind]);
  else if (strcmp(key, "projected") == 0 &&
           (o->kind == K_ADAMP || o->kind == K_SGDP))
    lua_pushinteger(L, o->projected);
  else if (strcmp(key, "ratio_min") == 0 && o->kind == K_LAMB)
    lua_pushnumber(L, o->ratio_min);
  else if (strcmp(key, "ratio_max") == 0 && o->kind == K_LAMB)
    lua_pushnumber(L, o->ratio_max);
  else if (!accepts(o, key)) lua_pushnil(L);
  else if (strcmp(key, "lr") == 0) lua_pushnumber(L, h->lr);
  else if (strcmp(key, "momentum") == 0) lua_pushnumber(L, h->momentum);
  else if (strcmp(key, "dampening") == 0) lua_pushnumber(L, h->dampening);
  else if (strcmp(key, "nesterov") == 0) lua_pushboolean(L, h->nesterov);
  else if (strcmp(key, "weight_decay") == 0)
    lua_pushnumber(L, h->weight_decay);
  else if (strcmp(key, "eps") == 0) lua_pushnumber(L, h->eps);
  else if (strcmp(key, "betas") == 0) {
    lua_createtable(L, 3, 0);
    lua_pushnumber(L, h->beta1); lua_rawseti(L, -2, 1);
    lua_pushnumber(L, h->beta2); lua_rawseti(L, -2, 2);
    if (o->kind == K_ADAN) { lua_pushnumber(L, h->beta3); lua_rawseti(L, -2, 3); }
  }
  else if (strcmp(key, "amsgrad") == 0) lua_pushboolean(L, h->amsgrad);
  else if (strcmp(key, "K") == 0) lua_pushstring(L, k_names[h->lion_k]);
  else if (strcmp(key, "delta") == 0)
    lua_pushnumber(L, (o->kind == K_LION || o->kind == K_LION8)
                      ? h->huber_delta : h->proj_delta);
  else if (strcmp(key, "wd_ratio") == 0) lua_pushnumber(L, h->wd_ratio);
  else if (strcmp(key, "trust_min") == 0) lua_pushnumber(L, h->trust_min);
  else if (strcmp(key, "trust_max") == 0) lua_pushnumber(L, h->trust_max);
  else if (strcmp(key, "max_grad_norm") == 0)
    lua_pushnumber(L, o->max_grad_norm);
  else if (strcmp(key, "no_prox") == 0) lua_pushboolean(L, h->no_prox);
  else if (strcmp(key, "step_mode") == 0)
    lua_pushstring(L, h->log_step ? "log" : "const");
  else if (strcmp(key, "block") == 0) lua_pushinteger(L, o->block);
  else if (strcmp(key, "min_8bit_size") == 0) lua_pushinteger(L, o->min8);
  else if (strcmp(key, "quantize") == 0) lua_pushboolean(L, o->quantize);
  else if (strcmp(key, "check_finite") == 0)
    lua_pushboolean(L, o->check_finite);
  else if (strcmp(key, "no_decay") == 0 || strcmp(key, "no_adapt") == 0) {
    lua_getiuservalue(L, 1, 2);
    lua_getfield(L, -1, key);
  }
  else lua_pushnil(L);
  return 1;
}

/* opt.<option> = v: change a hyper-parameter between steps */
static int opt_newindex (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  const char *key = luaL_checkstring(L, 2);
  if (strcmp(key, "k") == 0) key = "K";
  else if (strcmp(key, "blocksize") == 0) key = "block";
  if (strcmp(key, "t") == 0 || strcmp(key, "kind") == 0)
    return luaL_error(L, "optimizer field '%s' is read-only", key);
  if (!accepts(o, key))
    return luaL_error(L, "unknown option '%s' for %s", key,
                      kind_names[o->kind]);
  set_option(L, 1, key, 3, 3);
  if (o->kind == K_SGD && strcmp(key, "lr") == 0 && isnan(o->h.lr))
    return luaL_error(L, "lr must be a number");
  return 0;
}

static int opt_tostring (lua_State *L) {
  optimizer *o = check_opt(L, 1);
  lua_pushfstring(L, "%s optimizer (lr = %f, t = %I)", kind_names[o->kind],
                  o->h.lr, o->t);
  return 1;
}


/* ====================================================================== */
/* 8-bit quantization, exposed                                            */
/* ====================================================================== */

/* optim.map8([signed=true]): the 256 entries of the dynamic map */
static int optim_map8 (lua_State *L) {
  int sg = lua_isnoneornil(L, 1) ? 1 : lua_toboolean(L, 1), i;
  const float *map = ty_q8_map(sg);
  ty_mat *A = ty_newmat(L, 256, 1, 0);
  for (i = 0; i < 256; i++) A->data[i] = map[i];
  return 1;
}

/* the optional signed flag at arg and block size at arg + 1 */
static void q8_args (lua_State *L, int arg, int *sg, size_t *block) {
  lua_Integer b;
  *sg = lua_isnoneornil(L, arg) ? 1 : lua_toboolean(L, arg);
  b = luaL_optinteger(L, arg + 1, 2048);
  luaL_argcheck(L, b >= 1, arg + 1, "block size must be positive");
  *block = (size_t)b;
}

/* optim.quantize8(x [, signed=true [, block=2048]]) -> codes, absmax */
static int optim_quantize8 (lua_State *L) {
  ty_mat *X = ty_checkrealmat(L, 1), *C, *A;
  size_t n = TY_NUMEL(X), nb, i, block;
  uint8_t *codes;
  float *am;
  int sg;
  q8_args(L, 2, &sg, &block);
  ty_checkfinite(L, 1, X);
  if (!sg)
    for (i = 0; i < n; i++)
      luaL_argcheck(L, X->data[i] >= 0, 1,
                    "nonnegative values expected for the unsigned map");
  nb = (n + block - 1) / block;
  codes = (uint8_t *)ty_newbuf(L, n + 1);
  am = (float *)ty_newbuf(L, (nb + 1) * sizeof(float));
  ty_q8_quantize(n, block, X->data, sg, codes, am);
  C = ty_newmat(L, X->rows, X->cols, 0);
  for (i = 0; i < n; i++) C->data[i] = codes[i];
  A = ty_newmat(L, nb, 1, 0);
  for (i = 0; i < nb; i++) A->data[i] = am[i];
  return 2;
}

/* optim.dequantize8(codes, absmax [, signed=true [, block=2048]]) */
static int optim_dequantize8 (lua_State *L) {
  ty_mat *C = ty_checkrealmat(L, 1), *A = ty_checkrealmat(L, 2), *X;
  size_t n = TY_NUMEL(C), nb, i, block;
  uint8_t *codes;
  float *am;
  int sg;
  q8_args(L, 3, &sg, &block);
  nb = (n + block - 1) / block;
  if (TY_NUMEL(A) != nb)
    return luaL_argerror(L, 2, lua_pushfstring(L, "%I block scales "
                         "expected, got %I", (lua_Integer)nb,
                         (lua_Integer)TY_NUMEL(A)));
  codes = (uint8_t *)ty_newbuf(L, n + 1);
  am = (float *)ty_newbuf(L, (nb + 1) * sizeof(float));
  for (i = 0; i < n; i++) {
    double c = C->data[i];
    luaL_argcheck(L, c >= 0 && c <= 255 && c == floor(c), 1,
                  "codes must be integers in [0, 255]");
    codes[i] = (uint8_t)c;
  }
  for (i = 0; i < nb; i++) am[i] = (float)A->data[i];
  X = ty_newmat(L, C->rows, C->cols, 0);
  ty_q8_dequantize(n, block, codes, am, sg, X->data);
  return 1;
}


/* ====================================================================== */
/* test functions                                                         */
/* ====================================================================== */

enum { FN_ROSENBROCK, FN_RASTRIGIN, FN_ACKLEY, FN_QUADRATIC };

/* one point of n coordinates with stride inc */
static double eval_fn (int fn, size_t n, const double *x, size_t inc,
                       double cond, double *g) {
  switch (fn) {
    case FN_ROSENBROCK: return ty_testfn_rosenbrock(n, x, inc, g);
    case FN_RASTRIGIN: return ty_testfn_rastrigin(n, x, inc, g);
    case FN_ACKLEY: return ty_testfn_ackley(n, x, inc, g);
    default: return ty_testfn_quadratic(n, x, inc, cond, g);
  }
}

/* optim.testfn.<f>(x [, cond]) -> f, grad: x a vector (one point) or a
** matrix with one point per row (f a column, grad x's shape).
** Upvalue 1: which function. */
static int testfn_call (lua_State *L) {
  int fn = (int)lua_tointeger(L, lua_upvalueindex(1));
  ty_mat *X = ty_checkrealmat(L, 1), *G;
  double cond = 100.0;
  size_t d, npts, i;
  int rows_are_points = X->rows > 1 && X->cols > 1;
  if (fn == FN_QUADRATIC) {
    cond = luaL_optnumber(L, 2, 100.0);
    luaL_argcheck(L, isfinite(cond) && cond >= 1.0, 2,
                  "condition number must be a finite number >= 1");
  }
  d = rows_are_points ? X->cols : TY_NUMEL(X);
  npts = rows_are_points ? X->rows : 1;
  luaL_argcheck(L, d >= 1, 1, "point with at least one coordinate expected");
  if (fn == FN_ROSENBROCK)
    luaL_argcheck(L, d >= 2, 1, "rosenbrock needs at least 2 coordinates");
  G = ty_newmat(L, X->rows, X->cols, 0);
  if (!rows_are_points) {
    lua_pushnumber(L, eval_fn(fn, d, X->data, 1, cond, G->data));
    lua_insert(L, -2);
    return 2;
  }
  {
    ty_mat *F = ty_newmat(L, npts, 1, 0);
    for (i = 0; i < npts; i++)
      F->data[i] = eval_fn(fn, d, X->data + i, npts, cond, G->data + i);
    lua_insert(L, -2);
  }
  return 2;
}


/* ====================================================================== */
/* CBO                                                                    */
/* ====================================================================== */

static ty_cbo *check_cbo (lua_State *L, int idx) {
  return *(ty_cbo **)luaL_checkudata(L, idx, CBO_T);
}

/* the number field key of table t (default def), checked >= lo */
static double field_number (lua_State *L, int t, const char *key,
                            double def, double lo, int strict) {
  double v;
  if (lua_getfield(L, t, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
  if (!lua_isnumber(L, -1))
    option_error(L, 1, key, lua_pushfstring(L, "must be a number, got %s",
                 luaL_typename(L, -1)));
  v = lua_tonumber(L, -1);
  if (isnan(v) || v < lo || (strict && v == lo) ||
      (v == HUGE_VAL && strcmp(key, "f_tol") != 0))
    option_error(L, 1, key, lua_pushfstring(L, "must be %s %f",
                 strict ? ">" : ">=", lo));
  lua_pop(L, 1);
  return v;
}

/* a positive integer field */
static lua_Integer field_integer (lua_State *L, int t, const char *key,
                                  lua_Integer def, lua_Integer lo) {
  int isint;
  lua_Integer v;
  if (lua_getfield(L, t, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
  v = lua_tointegerx(L, -1, &isint);
  if (!isint || v < lo)
    option_error(L, 1, key, lua_pushfstring(L, "must be an integer >= %I",
                 lo));
  lua_pop(L, 1);
  return v;
}

/* a seed from the default generator (so rand.seed governs it) */
static uint64_t default_seed (lua_State *L) {
  uint64_t s = 0x5eed;
  if (lua_getfield(L, LUA_REGISTRYINDEX, TY_RNG_REGKEY) == LUA_TUSERDATA)
    s = ty_rng_next((ty_rng *)lua_touserdata(L, -1));
  lua_pop(L, 1);
  return s;
}

static const char *const cbo_keys[] = {
  "d", "n", "runs", "dt", "lambda", "sigma", "alpha", "alpha_factor",
  "alpha_max", "noise", "init", "iters", "seed", "f_tol", "x_tol", NULL
};

/* optim.cbo{d, n = 20, runs = 1, ...}: a CBO object */
static int optim_cbo (lua_State *L) {
  lua_Integer d, n, runs, seed;
  size_t bytes;
  ty_cbo *c;
  char *ud, *mem;
  uint64_t useed;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {       /* unknown keys are errors */
    int i, ok = lua_type(L, -2) == LUA_TNUMBER && lua_tointeger(L, -2) == 1;
    for (i = 0; !ok && cbo_keys[i] != NULL; i++)
      ok = lua_type(L, -2) == LUA_TSTRING &&
           strcmp(lua_tostring(L, -2), cbo_keys[i]) == 0;
    if (!ok)
      luaL_argerror(L, 1, lua_pushfstring(L, "unknown option '%s'",
                    luaL_tolstring(L, -2, NULL)));
    lua_pop(L, 1);
  }
  if (lua_geti(L, 1, 1) != LUA_TNIL) lua_setfield(L, 1, "d");
  else lua_pop(L, 1);
  if (lua_getfield(L, 1, "d") == LUA_TNIL)
    luaL_argerror(L, 1, "the dimension d is required");
  lua_pop(L, 1);
  d = field_integer(L, 1, "d", 1, 1);
  n = field_integer(L, 1, "n", 20, 1);
  runs = field_integer(L, 1, "runs", 1, 1);
  bytes = ty_cbo_bytes((size_t)d, (size_t)n, (size_t)runs);
  if (bytes == 0) return luaL_error(L, "not enough memory (cbo of %I x %I "
                                    "x %I)", runs, n, d);
  if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
    int isint;
    seed = lua_tointegerx(L, -1, &isint);
    if (!isint) option_error(L, 1, "seed", "must be an integer");
    useed = (uint64_t)seed;
  }
  else useed = default_seed(L);
  lua_pop(L, 1);
  ud = (char *)lua_newuserdatauv(L, sizeof(ty_cbo *) + 64 + bytes, 0);
  mem = (char *)(((uintptr_t)(ud + sizeof(ty_cbo *)) + 63) &
                 ~(uintptr_t)63);
  c = ty_cbo_layout(mem, (size_t)d, (size_t)n, (size_t)runs, useed);
  *(ty_cbo **)(void *)ud = c;
  luaL_setmetatable(L, CBO_T);
  c->dt = field_number(L, 1, "dt", 0.01, 0.0, 1);
  c->lambda = field_number(L, 1, "lambda", 1.0, 0.0, 0);
  c->sigma = field_number(L, 1, "sigma", 5.1, 0.0, 0);
  c->alpha = field_number(L, 1, "alpha", 1.0, 0.0, 0);
  c->alpha_factor = field_number(L, 1, "alpha_factor", 1.05, 0.0, 1);
  c->alpha_max = field_number(L, 1, "alpha_max", 1e5, 0.0, 0);
  c->max_it = field_integer(L, 1, "iters", 1000, 1);
  c->f_tol = field_number(L, 1, "f_tol", -HUGE_VAL, -HUGE_VAL, 0);
  c->x_tol = field_number(L, 1, "x_tol", 0.0, 0.0, 0);
  if (lua_getfield(L, 1, "noise") != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    if (s == NULL || (strcmp(s, "isotropic") != 0 &&
                      strcmp(s, "anisotropic") != 0))
      option_error(L, 1, "noise", "must be \"isotropic\" or "
                   "\"anisotropic\"");
    c->aniso = strcmp(s, "anisotropic") == 0;
  }
  lua_pop(L, 1);
  lua_getfield(L, 1, "init");
  if (ty_tomat(L, -1) != NULL) {
    ty_mat *X = ty_tomat(L, -1);
    if (X->cplx || X->rows != (size_t)(n * runs) || X->cols != (size_t)d)
      option_error(L, 1, "init", lua_pushfstring(L, "must be {lo, hi} or a "
                   "%I x %I matrix of positions", n * runs, d));
    if (!ty_mat_allfinite(X))
      option_error(L, 1, "init", "has NaN or Inf positions");
    ty_cbo_set_positions(c, X->data);
  }
  else {
    double lo = -3.0, hi = 3.0;
    if (!lua_isnil(L, -1)) {
      if (!lua_istable(L, -1) || luaL_len(L, -1) != 2)
        option_error(L, 1, "init", "must be {lo, hi} or a matrix of "
                     "positions");
      lua_geti(L, -1, 1);
      lua_geti(L, -2, 2);
      lo = lua_tonumber(L, -2);
      hi = lua_tonumber(L, -1);
      if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1) || !isfinite(lo) ||
          !isfinite(hi) || hi < lo)
        option_error(L, 1, "init", "must be {lo, hi} with lo <= hi, or a "
                     "matrix of positions");
      lua_pop(L, 2);
    }
    ty_cbo_init_uniform(c, lo, hi);
  }
  lua_pop(L, 1);
  return 1;
}

/* c:ask(): the positions to evaluate, (runs n) x d, one per row */
static int cbo_ask (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  ty_mat *X = ty_newmat(L, c->n * c->runs, c->d, 0);
  memcpy(X->data, c->X, TY_NUMEL(X) * sizeof(double));
  return 1;
}

/* c:tell(f): the values at the rows of the last ask(); one iteration.
** Returns true when every run has stopped. */
static int cbo_tell (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  ty_mat *F = ty_checkrealmat(L, 2);
  size_t N = c->n * c->runs;
  long r;
  if (TY_NUMEL(F) != N)
    return luaL_argerror(L, 2, lua_pushfstring(L, "%I values expected (one "
                         "per particle), got %I", (lua_Integer)N,
                         (lua_Integer)TY_NUMEL(F)));
  if (ty_cbo_alldone(c))
    return luaL_error(L, "cbo: every run has stopped (check done())");
  r = ty_cbo_tell(c, F->data);
  if (r > 0)
    return luaL_argerror(L, 2, lua_pushfstring(L, "every value of run %I is "
                         "NaN or +Inf", (lua_Integer)r));
  if (r < 0)
    return luaL_argerror(L, 2, lua_pushfstring(L, "value %I is -Inf",
                         (lua_Integer)-r));
  lua_pushboolean(L, ty_cbo_alldone(c));
  return 1;
}

static int cbo_done (lua_State *L) {
  lua_pushboolean(L, ty_cbo_alldone(check_cbo(L, 1)));
  return 1;
}

/* the run argument at arg (1-based), or -1 when absent */
static long run_arg (lua_State *L, const ty_cbo *c, int arg) {
  lua_Integer r;
  if (lua_isnoneornil(L, arg)) return -1;
  r = luaL_checkinteger(L, arg);
  luaL_argcheck(L, r >= 1 && (size_t)r <= c->runs, arg, "no such run");
  return (long)r - 1;
}

/* push row r of a runs x d column-major array as a d x 1 vector */
static void push_point (lua_State *L, const ty_cbo *c, const double *P,
                        size_t r) {
  ty_mat *x = ty_newmat(L, c->d, 1, 0);
  size_t j;
  for (j = 0; j < c->d; j++) x->data[j] = P[j * c->runs + r];
}

/* c:best([run]): the best point seen (of run, or of all runs) and f */
static int cbo_best (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  long r = run_arg(L, c, 2);
  if (r < 0) {
    size_t k;
    r = 0;
    for (k = 1; k < c->runs; k++)
      if (c->best_f[k] < c->best_f[r]) r = (long)k;
  }
  push_point(L, c, c->best_x, (size_t)r);
  lua_pushnumber(L, c->best_f[r]);
  return 2;
}

/* c:consensus([run=1]): the consensus point of the last iteration */
static int cbo_consensus (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  long r = run_arg(L, c, 2);
  push_point(L, c, c->cons, (size_t)(r < 0 ? 0 : r));
  return 1;
}

/* c:successes(xstar [, tol=0.25]): runs whose best point is within tol of
** xstar in the max norm (the reference's success test) */
static int cbo_successes (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  ty_mat *X = ty_checkrealmat(L, 2);
  double tol = luaL_optnumber(L, 3, 0.25);
  size_t r, j, count = 0;
  if (TY_NUMEL(X) != c->d)
    return luaL_argerror(L, 2, lua_pushfstring(L, "point of %I coordinates "
                         "expected", (lua_Integer)c->d));
  for (r = 0; r < c->runs; r++) {
    int ok = 1;
    for (j = 0; j < c->d; j++)
      if (!(fabs(c->best_x[j * c->runs + r] - X->data[j]) < tol)) ok = 0;
    count += (size_t)ok;
  }
  lua_pushinteger(L, (lua_Integer)count);
  return 1;
}

static int cbo_index (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  const char *key = luaL_checkstring(L, 2);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  if (strcmp(key, "it") == 0) lua_pushinteger(L, c->it);
  else if (strcmp(key, "alpha") == 0) lua_pushnumber(L, c->alpha);
  else if (strcmp(key, "d") == 0) lua_pushinteger(L, (lua_Integer)c->d);
  else if (strcmp(key, "n") == 0) lua_pushinteger(L, (lua_Integer)c->n);
  else if (strcmp(key, "runs") == 0)
    lua_pushinteger(L, (lua_Integer)c->runs);
  else lua_pushnil(L);
  return 1;
}

static int cbo_tostring (lua_State *L) {
  ty_cbo *c = check_cbo(L, 1);
  lua_pushfstring(L, "cbo (d = %I, n = %I, runs = %I, it = %I)",
                  (lua_Integer)c->d, (lua_Integer)c->n,
                  (lua_Integer)c->runs, (lua_Integer)c->it);
  return 1;
}


/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg opt_methods[] = {
  {"step", opt_step},
  {"reset", opt_reset},
  {"state_bytes", opt_state_bytes},
  {"state", opt_state},
  {NULL, NULL}
};

static const luaL_Reg cbo_methods[] = {
  {"ask", cbo_ask},
  {"tell", cbo_tell},
  {"done", cbo_done},
  {"best", cbo_best},
  {"consensus", cbo_consensus},
  {"successes", cbo_successes},
  {NULL, NULL}
};

static const luaL_Reg optim_funcs[] = {
  {"cbo", optim_cbo},
  {"threads", optim_threads},
  {"map8", optim_map8},
  {"quantize8", optim_quantize8},
  {"dequantize8", optim_dequantize8},
  {NULL, NULL}
};

static const char *const testfn_names[] = {
  "rosenbrock", "rastrigin", "ackley", "quadratic", NULL
};

/* Build a metatable `name` with __index a closure over the methods table
** (also under __methods for completion and help) and __tostring. */
static void new_type (lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction index, lua_CFunction tostr) {
  luaL_newmetatable(L, name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__methods");
  lua_pushcclosure(L, index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, tostr);
  lua_setfield(L, -2, "__tostring");
}

/* The optim table: one constructor per kind, cbo, the 8-bit helpers,
** testfn; optim.methods (help resolves "optim:step") and the metatables
** "tycho.optimizer" and "tycho.cbo". */
int luaopen_tycho_optim (lua_State *L) {
  int i, lib;
  luaL_newlib(L, optim_funcs);
  lib = lua_gettop(L);
  for (i = 0; kind_names[i] != NULL; i++) {
    lua_pushinteger(L, i);
    lua_pushcclosure(L, optim_new, 1);
    lua_setfield(L, lib, kind_names[i]);
  }
  lua_newtable(L);
  for (i = 0; testfn_names[i] != NULL; i++) {
    lua_pushinteger(L, i);
    lua_pushcclosure(L, testfn_call, 1);
    lua_setfield(L, -2, testfn_names[i]);
  }
  lua_setfield(L, lib, "testfn");
  new_type(L, OPTIM_T, opt_methods, opt_index, opt_tostring);
  lua_pushcfunction(L, opt_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_getfield(L, -1, "__methods");
  lua_setfield(L, lib, "methods");
  lua_pop(L, 1);
  new_type(L, CBO_T, cbo_methods, cbo_index, cbo_tostring);
  lua_getfield(L, -1, "__methods");
  lua_setfield(L, lib, "cbo_methods");
  lua_settop(L, lib);
  return 1;
}

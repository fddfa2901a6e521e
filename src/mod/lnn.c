/*
** lnn.c: the nn module (small dense networks, losses) and the native
** halves of optim.kfac and optim.mkor (the preconditioner objects).
**
** A network is a full userdata "tycho.nn" holding a ty_nn and its layers,
** with three user values:
**   1  the parameter list {W1, b1, W2, b2, ...} (live tycho.mat objects)
**   2  the gradient list {gW1, gb1, ...}, same shapes
**   3  the batch buffer (a userdata; replaced when a bigger batch comes)
** A preconditioner is a full userdata "tycho.kfac" holding a ty_kfac and
** its memory, with user values 1 the network, 2 the base optimizer,
** 3 the parameter list, 4 the list of preconditioned gradients.
*/
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_nn.h"
#include "ty_kfac.h"
#include "ty_rand.h"

#define NN_T    "tycho.nn"
#define KFAC_T  "tycho.kfac"

/* ====================================================================== */
/* networks                                                               */
/* ====================================================================== */

typedef struct lnet {
  ty_nn net;
  double *buf;                 /* batch buffer (user value 3) */
  size_t cap;                  /* rows it holds */
  ty_nn_layer layer[1];        /* net.nlayers of them */
} lnet;

static lnet *checknet (lua_State *L, int arg) {
  return (lnet *)luaL_checkudata(L, arg, NN_T);
}

/* Push a new network with architecture arch: parameters zero, gradients
** zero, no batch buffer.  Leaves the network on the stack. */
static lnet *newnet (lua_State *L, const ty_nn_arch *arch) {
  size_t bytes = sizeof(lnet) + ((size_t)arch->nlayers - 1) *
                 sizeof(ty_nn_layer);
  lnet *n = (lnet *)lua_newuserdatauv(L, bytes, 3);
  int net = lua_gettop(L), l, k = 1;
  ty_nn_setup(&n->net, n->layer, arch);
  n->buf = NULL;
  n->cap = 0;
  luaL_setmetatable(L, NN_T);
  lua_createtable(L, 2 * arch->nlayers, 0);      /* parameters */
  lua_createtable(L, 2 * arch->nlayers, 0);      /* gradients */
  for (l = 0; l < arch->nlayers; l++, k += 2) {
    ty_nn_layer *ly = &n->layer[l];
    ly->W = ty_newzeros(L, ly->out, ly->in, 0)->data;
    lua_seti(L, net + 1, k);
    ly->b = ty_newzeros(L, ly->out, 1, 0)->data;
    lua_seti(L, net + 1, k + 1);
    ly->gW = ty_newzeros(L, ly->out, ly->in, 0)->data;
    lua_seti(L, net + 2, k);
    ly->gb = ty_newzeros(L, ly->out, 1, 0)->data;
    lua_seti(L, net + 2, k + 1);
  }
  lua_setiuservalue(L, net, 2);
  lua_setiuservalue(L, net, 1);
  return n;
}

/* the index of the activation name at the top of the stack, or an error
** for argument arg of function fname */
static int check_act (lua_State *L, const char *s, const char *fname,
                      const char *what) {
  int a;
  for (a = 0; ty_nn_actnames[a] != NULL; a++)
    if (strcmp(s, ty_nn_actnames[a]) == 0) return a;
  return luaL_error(L, "bad argument #1 to '%s' (unknown %s '%s'; "
                    "expected identity, tanh, relu, gelu or sigmoid)",
                    fname, what, s);
}

/* nn.mlp{sizes = {in, h1, ..., out}, act = "tanh", out_act = "identity",
** seed = n}: a dense network, initialized (see ty_nn_init) */
static int nn_mlp (lua_State *L) {
  ty_nn_arch arch;
  ty_rng local, *rng;
  lua_Integer nsizes, i;
  int act = TY_NN_TANH, out_act = TY_NN_IDENTITY, l;
  size_t total = 0;
  lnet *n;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getfield(L, 1, "sizes") != LUA_TTABLE)
    return luaL_error(L, "bad argument #1 to 'mlp' (field 'sizes' must be "
                      "a table of layer sizes, got %s)", luaL_typename(L, -1));
  nsizes = luaL_len(L, -1);
  if (nsizes < 2 || nsizes > TY_NN_MAXLAYERS + 1)
    return luaL_error(L, "bad argument #1 to 'mlp' (sizes must list 2 to "
                      "%d layer sizes, got %I)", TY_NN_MAXLAYERS + 1, nsizes);
  arch.nlayers = (int)(nsizes - 1);
  for (i = 1; i <= nsizes; i++) {
    int isint;
    lua_Integer v;
    lua_geti(L, 2, i);
    v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 1 || v > INT_MAX)
      return luaL_error(L, "bad argument #1 to 'mlp' (sizes[%I] must be a "
                        "positive integer)", i);
    if (i == 1) arch.in = (size_t)v;
    else {
      arch.out[i - 2] = (size_t)v;
      arch.kind[i - 2] = TY_NN_DENSE;
    }
    lua_pop(L, 1);
  }
  if (lua_getfield(L, 1, "act") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "bad argument #1 to 'mlp' (field 'act' must be a "
                        "string)");
    act = check_act(L, lua_tostring(L, -1), "mlp", "activation");
  }
  if (lua_getfield(L, 1, "out_act") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "bad argument #1 to 'mlp' (field 'out_act' must "
                        "be a string)");
    out_act = check_act(L, lua_tostring(L, -1), "mlp", "output activation");
  }
  for (l = 0; l < arch.nlayers; l++) {
    size_t in = l == 0 ? arch.in : arch.out[l - 1];
    arch.act[l] = l == arch.nlayers - 1 ? out_act : act;
    if (in > ((size_t)1 << 40) / arch.out[l] || total > ((size_t)1 << 40))
      return luaL_error(L, "bad argument #1 to 'mlp' (network too large)");
    total += (in + 1) * arch.out[l];
  }
  if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
    int isint;
    lua_Integer s = lua_tointegerx(L, -1, &isint);
    if (!isint)
      return luaL_error(L, "bad argument #1 to 'mlp' (field 'seed' must be "
                        "an integer)");
    ty_rng_seed(&local, (uint64_t)s);
    rng = &local;
  }
  else {
    lua_getfield(L, LUA_REGISTRYINDEX, TY_RNG_REGKEY);
    rng = (ty_rng *)lua_touserdata(L, -1);
    if (rng == NULL) {
      ty_rng_seed(&local, 0);
      rng = &local;
    }
  }
  lua_settop(L, 1);
  n = newnet(L, &arch);
  ty_nn_init(&n->net, rng);
  return 1;
}

/* Bind the network's batch buffers for B rows, allocating a bigger
** buffer when needed (net at index 1). */
static void bind_batch (lua_State *L, lnet *n, size_t B) {
  if (B > n->cap || n->buf == NULL) {
    size_t d = ty_nn_bufsize(&n->net, B > 0 ? B : 1);
    if (d == 0) luaL_error(L, "not enough memory (batch of %I rows)",
                           (lua_Integer)B);
    n->buf = (double *)ty_newbuf(L, ty_mulsize(L, d, sizeof(double)));
    n->cap = B > 0 ? B : 1;
    lua_setiuservalue(L, 1, 3);
  }
  ty_nn_bind(&n->net, n->buf, B);
}

/* net:forward(X) -> Y: X is B x in, one sample per row; Y is B x out */
static int net_forward (lua_State *L) {
  lnet *n = checknet(L, 1);
  ty_mat *X = ty_checkrealmat(L, 2);
  ty_nn_layer *last = &n->layer[n->net.nlayers - 1];
  ty_mat *Y;
  if (X->cols != n->net.in) {
    char want[48];
    snprintf(want, sizeof want, "matrix with %lu columns",
             (unsigned long)n->net.in);
    return ty_shapeerror(L, 2, want, X);
  }
  if (X->rows > INT_MAX)
    return luaL_argerror(L, 2, "too many rows for BLAS");
  ty_checkfinite(L, 2, X);
  bind_batch(L, n, X->rows);
  if (ty_nn_forward(&n->net, X->data, X->rows) != 0)
    return ty_raise_interrupt(L);
  Y = ty_newmat(L, X->rows, last->out, 0);
  memcpy(Y->data, last->a, TY_NUMEL(Y) * sizeof(double));
  return 1;
}

/* net:backward(dY): gradients of the last forward pass (overwritten) */
static int net_backward (lua_State *L) {
  lnet *n = checknet(L, 1);
  ty_mat *dY = ty_checkrealmat(L, 2);
  ty_nn_layer *last = &n->layer[n->net.nlayers - 1];
  if (!n->net.ready)
    return luaL_error(L, "backward: no forward pass to go back through "
                      "(call net:forward first)");
  if (dY->rows != n->net.batch || dY->cols != last->out) {
    char want[64];
    snprintf(want, sizeof want, "%lux%lu matrix (the output's shape)",
             (unsigned long)n->net.batch, (unsigned long)last->out);
    return ty_shapeerror(L, 2, want, dY);
  }
  ty_checkfinite(L, 2, dY);
  if (ty_nn_backward(&n->net, dY->data) != 0)
    return ty_raise_interrupt(L);
  return 0;
}

/* a new table with the elements of the list in user value uv */
static int copy_list (lua_State *L, int uv) {
  lnet *n = checknet(L, 1);
  int k, len = 2 * n->net.nlayers;
  lua_getiuservalue(L, 1, uv);
  lua_createtable(L, len, 0);
  for (k = 1; k <= len; k++) {
    lua_geti(L, -2, k);
    lua_seti(L, -2, k);
  }
  return 1;
}

/* net:params() -> {W1, b1, ...}: the live parameter matrices */
static int net_params (lua_State *L) { return copy_list(L, 1); }

/* net:grads() -> {gW1, gb1, ...} */
static int net_grads (lua_State *L) { return copy_list(L, 2); }

static int net_nparams (lua_State *L) {
  lnet *n = checknet(L, 1);
  lua_pushinteger(L, (lua_Integer)ty_nn_nparams(&n->net));
  return 1;
}

/* net:sizes() -> {in, h1, ..., out} */
static int net_sizes (lua_State *L) {
  lnet *n = checknet(L, 1);
  int l;
  lua_createtable(L, n->net.nlayers + 1, 0);
  lua_pushinteger(L, (lua_Integer)n->net.in);
  lua_seti(L, -2, 1);
  for (l = 0; l < n->net.nlayers; l++) {
    lua_pushinteger(L, (lua_Integer)n->layer[l].out);
    lua_seti(L, -2, l + 2);
  }
  return 1;
}

/* net:acts() -> {"tanh", ..., "identity"}: each layer's activation */
static int net_acts (lua_State *L) {
  lnet *n = checknet(L, 1);
  int l;
  lua_createtable(L, n->net.nlayers, 0);
  for (l = 0; l < n->net.nlayers; l++) {
    lua_pushstring(L, ty_nn_actnames[n->layer[l].act]);
    lua_seti(L, -2, l + 1);
  }
  return 1;
}

/* net:save(path) -> true, or nil, message */
static int net_save (lua_State *L) {
  lnet *n = checknet(L, 1);
  const char *path = luaL_checkstring(L, 2);
  size_t cap = ty_nn_textsize(&n->net), len;
  char *text;
  FILE *f;
  int ok;
  if (cap == 0) return luaL_error(L, "not enough memory (network too large)");
  text = (char *)ty_newbuf(L, cap);
  len = ty_nn_format(&n->net, text);
  f = fopen(path, "wb");
  if (f == NULL) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  ok = fwrite(text, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: write error", path);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* nn._parse(text [, name]) -> net, or nil, message */
static int nn_parse (lua_State *L) {
  size_t len, pos;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *name = luaL_optstring(L, 2, "network");
  ty_nn_arch arch;
  char err[128];
  size_t total = 0;
  int l;
  lnet *n;
  if (ty_nn_parse_arch(s, len, &arch, &pos, err, sizeof err) != TY_NN_OK)
    goto fail;
  for (l = 0; l < arch.nlayers; l++) {
    size_t in = l == 0 ? arch.in : arch.out[l - 1];
    if (in > ((size_t)1 << 40) / arch.out[l] || total > ((size_t)1 << 40)) {
      snprintf(err, sizeof err, "network too large");
      goto fail;
    }
    total += (in + 1) * arch.out[l];
  }
  if (total > len) {                  /* every number takes >= 2 bytes */
    snprintf(err, sizeof err, "file too short for its %lu parameters",
             (unsigned long)total);
    goto fail;
  }
  n = newnet(L, &arch);
  switch (ty_nn_parse_params(&n->net, s, len, pos, err, sizeof err)) {
    case TY_NN_OK: return 1;
    case TY_EINTR: return ty_raise_interrupt(L);
    default: goto fail;
  }
fail:
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: %s", name, err);
  return 2;
}

static int net_tostring (lua_State *L) {
  lnet *n = checknet(L, 1);
  luaL_Buffer b;
  int l;
  luaL_buffinit(L, &b);
  lua_pushfstring(L, "nn.mlp %I", (lua_Integer)n->net.in);
  luaL_addvalue(&b);
  for (l = 0; l < n->net.nlayers; l++) {
    lua_pushfstring(L, "-%I", (lua_Integer)n->layer[l].out);
    luaL_addvalue(&b);
  }
  lua_pushfstring(L, " (%s, %I parameters)",
                  ty_nn_actnames[n->layer[0].act],
                  (lua_Integer)ty_nn_nparams(&n->net));
  luaL_addvalue(&b);
  luaL_pushresult(&b);
  return 1;
}

/* ====================================================================== */
/* losses                                                                 */
/* ====================================================================== */

/* nn.mse(Y, T) -> loss, dY: loss = sum ||y_i - t_i||^2 / (2B) */
static int nn_mse (lua_State *L) {
  ty_mat *Y = ty_checkrealmat(L, 1), *T = ty_checkrealmat(L, 2), *dY;
  double loss;
  if (T->rows != Y->rows || T->cols != Y->cols) {
    char want[48];
    snprintf(want, sizeof want, "%lux%lu matrix", (unsigned long)Y->rows,
             (unsigned long)Y->cols);
    return ty_shapeerror(L, 2, want, T);
  }
  ty_checkfinite(L, 1, Y);
  ty_checkfinite(L, 2, T);
  dY = ty_newmat(L, Y->rows, Y->cols, 0);
  loss = ty_nn_mse(Y->data, T->data, Y->rows, Y->cols, dY->data);
  lua_pushnumber(L, loss);
  lua_insert(L, -2);
  return 2;
}

/* nn.cross_entropy(Z, labels) -> loss, dZ: labels 1-based classes */
static int nn_cross_entropy (lua_State *L) {
  ty_mat *Z = ty_checkrealmat(L, 1), *lab = ty_checkrealmat(L, 2), *dZ;
  size_t B = Z->rows, C = Z->cols, i, *label;
  double loss, *work;
  if ((lab->rows != 1 && lab->cols != 1 && TY_NUMEL(lab) != 0) ||
      TY_NUMEL(lab) != B) {
    char want[48];
    snprintf(want, sizeof want, "vector of %lu labels", (unsigned long)B);
    return ty_shapeerror(L, 2, want, lab);
  }
  if (C == 0 && B > 0)
    return luaL_argerror(L, 1, "logits need at least one class column");
  ty_checkfinite(L, 1, Z);
  label = (size_t *)ty_newbuf(L, ty_mulsize(L, B, sizeof(size_t)));
  for (i = 0; i < B; i++) {
    double v = lab->data[i];
    if (!(v >= 1.0 && v <= (double)C && v == floor(v))) {
      if (v != v) lua_pushliteral(L, "nan");
      else if (v == floor(v) && fabs(v) < 9e15)
        lua_pushfstring(L, "%I", (lua_Integer)v);
      else lua_pushfstring(L, "%f", v);
      return luaL_argerror(L, 2, lua_pushfstring(L,
             "label %s at position %I is not an integer in 1..%I",
             lua_tostring(L, -1), (lua_Integer)i + 1, (lua_Integer)C));
    }
    label[i] = (size_t)v - 1;
  }
  work = (double *)ty_newbuf(L, ty_mulsize(L, 2 * B + 1, sizeof(double)));
  dZ = ty_newmat(L, B, C, 0);
  loss = ty_nn_cross_entropy(Z->data, label, B, C, dZ->data, work);
  lua_pushnumber(L, loss);
  lua_insert(L, -2);
  return 2;
}

/* ====================================================================== */
/* K-FAC and MKOR preconditioners                                         */
/* ====================================================================== */

typedef struct lkfac {
  ty_kfac k;
  double **pgW, **pgb;         /* preconditioned gradients, per layer */
  const char *name;            /* "kfac" or "mkor" */
} lkfac;

static lkfac *checkkfac (lua_State *L, int arg) {
  return (lkfac *)luaL_checkudata(L, arg, KFAC_T);
}

/* option kinds */
enum { O_REAL, O_INT, O_BOOL, O_ENUM };

typedef struct optdesc {
  const char *name;
  int kind;
  size_t off;                  /* offset in ty_kfac_opts */
  double lo, hi;               /* closed range (reals and integers) */
  int lo_open;                 /* 1: lo excluded */
  int algo;                    /* TY_KFAC, TY_MKOR, or -1 for both */
  const char *const *names;    /* O_ENUM: the names, NULL-terminated */
  int structural;              /* fixed after the first step */
} optdesc;

static const char *const kfac_method_names[] = {"eigen", "inverse", "factored",
                                           NULL};
static const char *const mkor_variants[] = {"code", "ema", NULL};
static const char *const g_scales[] = {"mean", "batch", NULL};
static const char *const fishers[] = {"empirical", "sampled", NULL};
static const char *const losses[] = {"mse", "ce", NULL};

#define OFF(f) offsetof(ty_kfac_opts, f)
#define INF HUGE_VAL

static const optdesc options[] = {
  {"method", O_ENUM, OFF(method), 0, 0, 0, TY_KFAC, kfac_method_names, 1},
  {"damping", O_REAL, OFF(damping), 0, INF, 1, TY_KFAC, NULL, 0},
  {"factor_decay", O_REAL, OFF(factor_decay), 0, 1, 0, TY_KFAC, NULL, 0},
  {"kl_clip", O_REAL, OFF(kl_clip), 0, INF, 0, TY_KFAC, NULL, 0},
  {"factor_every", O_INT, OFF(factor_every), 1, 1e9, 0, TY_KFAC, NULL, 0},
  {"inv_every", O_INT, OFF(inv_every), 1, 1e9, 0, TY_KFAC, NULL, 0},
  {"g_scale", O_ENUM, OFF(g_batch), 0, 0, 0, TY_KFAC, g_scales, 0},
  {"fisher", O_ENUM, OFF(fisher), 0, 0, 0, TY_KFAC, fishers, 0},
  {"loss", O_ENUM, OFF(loss), 0, 0, 0, TY_KFAC, losses, 0},
  {"variant", O_ENUM, OFF(method), 0, 0, 0, TY_MKOR, mkor_variants, 1},
  {"inv_freq", O_INT, OFF(inv_freq), 1, 1e9, 0, TY_MKOR, NULL, 0},
  {"warmup_steps", O_INT, OFF(warmup_steps), 0, 1e12, 0, TY_MKOR, NULL, 0},
  {"stat_decay", O_REAL, OFF(stat_decay), 0, 1, 1, TY_MKOR, NULL, 0},
  {"clip", O_REAL, OFF(clip), 0, INF, 1, TY_MKOR, NULL, 0},
  {"reset_threshold", O_REAL, OFF(reset_threshold), 0, INF, 1, TY_MKOR,
   NULL, 0},
  {"stabilization_factor", O_REAL, OFF(stabilization), 0, 1, 0, TY_MKOR,
   NULL, 0},
  {"hybrid", O_BOOL, OFF(hybrid), 0, 0, 0, TY_MKOR, NULL, 0},
  {"force_switch", O_BOOL, OFF(force_switch), 0, 0, 0, TY_MKOR, NULL, 0},
  {"switch_window", O_INT, OFF(window), 0, 1e12, 0, TY_MKOR, NULL, 0},
  {"switch_patience", O_INT, OFF(patience), 1, 1e12, 0, TY_MKOR, NULL, 0},
  {"switch_ratio", O_REAL, OFF(switch_ratio), 0, 1, 0, TY_MKOR, NULL, 0},
  {"loss_decay", O_REAL, OFF(loss_decay), 0, 1, 0, TY_MKOR, NULL, 0},
  {NULL, 0, 0, 0, 0, 0, 0, NULL, 0}
};

/* the option named key for algo, or NULL */
static const optdesc *find_option (const char *key, int algo) {
  const optdesc *d;
  for (d = options; d->name != NULL; d++)
    if (strcmp(d->name, key) == 0 && (d->algo == algo || d->algo < 0))
      return d;
  return NULL;
}

/* Raise the message fmt, ... without a position: the Lua layer
** (lua/tycho/nn.lua) re-raises it at its caller's line. */
static int option_error (lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return lua_error(L);
}

/* Validate the value at idx for option d and store it into o; errors name
** function fname. */
static void set_option (lua_State *L, const optdesc *d, int idx,
                        ty_kfac_opts *o, const char *fname) {
  char *p = (char *)o + d->off;
  switch (d->kind) {
    case O_BOOL:
      if (!lua_isboolean(L, idx))
        option_error(L, "bad option '%s' to '%s' (boolean expected, got %s)",
                   d->name, fname, luaL_typename(L, idx));
      *(int *)(void *)p = lua_toboolean(L, idx);
      break;
    case O_ENUM: {
      const char *s = lua_tostring(L, idx);
      int i;
      if (lua_type(L, idx) != LUA_TSTRING)
        option_error(L, "bad option '%s' to '%s' (string expected, got %s)",
                   d->name, fname, luaL_typename(L, idx));
      for (i = 0; d->names[i] != NULL; i++)
        if (strcmp(s, d->names[i]) == 0) break;
      if (d->names[i] == NULL)
        option_error(L, "bad option '%s' to '%s' (invalid value '%s')",
                   d->name, fname, s);
      *(int *)(void *)p = i;
      break;
    }
    default: {
      int isnum;
      double v = (double)lua_tonumberx(L, idx, &isnum);
      if (!isnum)
        option_error(L, "bad option '%s' to '%s' (number expected, got %s)",
                   d->name, fname, luaL_typename(L, idx));
      if (!(v >= d->lo && v <= d->hi) || (d->lo_open && v == d->lo) ||
          (d->kind == O_INT && v != floor(v)))
        option_error(L, "bad option '%s' to '%s' (%s %f out of range)",
                   d->name, fname, d->kind == O_INT ? "integer" : "value", v);
      if (d->kind == O_INT) *(long *)(void *)p = (long)v;
      else *(double *)(void *)p = v;
      break;
    }
  }
}

/* push the value of option d */
static void push_option (lua_State *L, const optdesc *d,
                         const ty_kfac_opts *o) {
  const char *p = (const char *)o + d->off;
  switch (d->kind) {
    case O_BOOL: lua_pushboolean(L, *(const int *)(const void *)p); break;
    case O_ENUM:
      lua_pushstring(L, d->names[*(const int *)(const void *)p]);
      break;
    case O_INT:
      lua_pushinteger(L, (lua_Integer)*(const long *)(const void *)p);
      break;
    default: lua_pushnumber(L, *(const double *)(const void *)p); break;
  }
}

/* nn._precond(algo, net, opts, base): algo "kfac" or "mkor"; opts holds
** only options of that algorithm (plus first_order_layers, a list of
** 1-based layer numbers, and seed, the sampled Fisher's seed: default a
** draw from the rand generator); base is the first-order optimizer */
static int nn_precond (lua_State *L) {
  static const char *const algos[] = {"kfac", "mkor", NULL};
  int algo = luaL_checkoption(L, 1, NULL, algos);
  lnet *n = checknet(L, 2);
  const char *fname = algos[algo];
  ty_kfac_opts o;
  int first[TY_NN_MAXLAYERS], l, nl = n->net.nlayers;
  size_t mem, bytes;
  uint64_t seed = 0;
  int have_seed = 0;
  lkfac *lk;
  char *p;
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checkany(L, 4);
  lua_settop(L, 4);
  ty_kfac_defaults(&o, algo);
  memset(first, 0, sizeof first);
  lua_pushnil(L);
  while (lua_next(L, 3) != 0) {
    const optdesc *d;
    if (lua_type(L, -2) != LUA_TSTRING)
      return option_error(L, "bad argument #2 to '%s' (option names must be "
                        "strings)", fname);
    if (strcmp(lua_tostring(L, -2), "first_order_layers") == 0) {
      lua_Integer i, len;
      if (!lua_istable(L, -1))
        return option_error(L, "bad option 'first_order_layers' to '%s' "
                          "(table of layer numbers expected)", fname);
      len = luaL_len(L, -1);
      for (i = 1; i <= len; i++) {
        int isint;
        lua_Integer v;
        lua_geti(L, -1, i);
        v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 1 || v > nl)
          return option_error(L, "bad option 'first_order_layers' to '%s' "
                            "(layer numbers 1..%d expected)", fname, nl);
        first[v - 1] = 1;
        lua_pop(L, 1);
      }
    }
    else if (strcmp(lua_tostring(L, -2), "seed") == 0) {
      int isint;
      seed = (uint64_t)lua_tointegerx(L, -1, &isint);
      if (!isint)
        return option_error(L, "bad option 'seed' to '%s' (integer expected)",
                          fname);
      have_seed = 1;
    }
    else if ((d = find_option(lua_tostring(L, -2), algo)) != NULL)
      set_option(L, d, -1, &o, fname);
    else
      return option_error(L, "bad argument #2 to '%s' (unknown option '%s')",
                        fname, lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  if (!have_seed) {
    ty_rng *r;
    lua_getfield(L, LUA_REGISTRYINDEX, TY_RNG_REGKEY);
    r = (ty_rng *)lua_touserdata(L, -1);
    if (r != NULL) seed = ty_rng_next(r);
    lua_pop(L, 1);
  }
  mem = ty_kfac_memsize(&n->net, algo);
  if (mem == 0) return option_error(L, "not enough memory (network too large "
                                  "for %s)", fname);
  bytes = sizeof(lkfac) + 64 + 2 * (size_t)nl * sizeof(double *) + 64;
  lk = (lkfac *)lua_newuserdatauv(L, bytes + mem, 4);   /* 5 */
  memset(lk, 0, sizeof(*lk));
  lk->name = fname;
  luaL_setmetatable(L, KFAC_T);
  p = (char *)lk + sizeof(lkfac);
  lk->pgW = (double **)(void *)p;
  lk->pgb = lk->pgW + nl;
  p += 2 * (size_t)nl * sizeof(double *);
  p = (char *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
  ty_kfac_setup(&lk->k, &n->net, algo, &o, first, seed, p);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, 5, 1);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, 5, 2);
  lua_getiuservalue(L, 2, 1);                  /* the live parameters */
  lua_setiuservalue(L, 5, 3);
  lua_createtable(L, 2 * nl, 0);               /* preconditioned grads */
  for (l = 0; l < nl; l++) {
    ty_nn_layer *ly = &n->layer[l];
    lk->pgW[l] = ty_newzeros(L, ly->out, ly->in, 0)->data;
    lua_seti(L, -2, 2 * l + 1);
    lk->pgb[l] = ty_newzeros(L, ly->out, 1, 0)->data;
    lua_seti(L, -2, 2 * l + 2);
  }
  lua_setiuservalue(L, 5, 4);
  return 1;
}

/* the network of the preconditioner at index 1 (pushed) */
static lnet *kfac_net (lua_State *L) {
  lua_getiuservalue(L, 1, 1);
  return (lnet *)lua_touserdata(L, -1);
}

/* the base optimizer's lr (pushes nothing); NaN when it has none */
static double base_lr (lua_State *L) {
  double lr = NAN;
  lua_getiuservalue(L, 1, 2);
  if (lua_getfield(L, -1, "lr") == LUA_TNUMBER) lr = lua_tonumber(L, -1);
  lua_pop(L, 2);
  return lr;
}

/* opt:step([loss]): precondition the network's gradients and let the
** base optimizer apply them */
static int kfac_step (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  double loss = luaL_optnumber(L, 2, NAN), lr = 0.0;
  lnet *n;
  int rc;
  lua_settop(L, 2);
  n = kfac_net(L);                                        /* 3 */
  if (n->net.nbackward == 0)
    return luaL_error(L, "%s step: the network has no gradients yet (call "
                      "net:backward first)", lk->name);
  ty_kfac_observe_loss(&lk->k, loss);
  if (lk->k.algo == TY_KFAC && lk->k.o.kl_clip > 0.0) {
    lr = base_lr(L);
    if (!isfinite(lr))
      return luaL_error(L, "kfac step: the base optimizer has no numeric "
                        "'lr' field, which kl_clip needs (set kl_clip = 0)");
  }
  rc = ty_kfac_step(&lk->k, &n->net, lr, lk->pgW, lk->pgb);
  if (rc == TY_EINTR) return ty_raise_interrupt(L);
  if (rc != 0)
    return luaL_error(L, "%s step: %s (nothing was changed)", lk->name,
                      ty_kfac_strerror(rc));
  lua_getiuservalue(L, 1, 2);                             /* base */
  if (lua_getfield(L, -1, "step") == LUA_TNIL)
    return luaL_error(L, "%s step: the base optimizer has no step method",
                      lk->name);
  lua_insert(L, -2);
  lua_getiuservalue(L, 1, 3);
  lua_getiuservalue(L, 1, 4);
  lua_call(L, 3, 0);
  return 0;
}

/* opt:precondition(l, N) -> V: layer l's current preconditioner applied
** to N (out x (in + 1), [gW | gb]); no norm rescaling or KL clip */
static int kfac_precondition (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  lua_Integer l = luaL_checkinteger(L, 2);
  ty_mat *N, *V;
  ty_kfac_layer *ly;
  luaL_argcheck(L, l >= 1 && l <= lk->k.nlayers, 2, "no such layer");
  ly = &lk->k.layer[l - 1];
  N = ty_checkrealmat(L, 3);
  if (N->rows != ly->dg || N->cols != ly->da) {
    char want[48];
    snprintf(want, sizeof want, "%lux%lu matrix", (unsigned long)ly->dg,
             (unsigned long)ly->da);
    return ty_shapeerror(L, 3, want, N);
  }
  ty_checkfinite(L, 3, N);
  if (lk->k.algo == TY_KFAC && !ly->have_p) {
    int rc = ty_kfac_invert(&lk->k, (int)l - 1);
    if (rc != 0) return luaL_error(L, "precondition: %s",
                                   ty_kfac_strerror(rc));
  }
  V = ty_newmat(L, N->rows, N->cols, 0);
  ty_kfac_apply(&lk->k, (int)l - 1, N->data, V->data);
  return 1;
}

/* opt:factors(l) -> A, G (K-FAC) or Rinv, Linv (MKOR): copies */
static int kfac_factors (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  lua_Integer l = luaL_checkinteger(L, 2);
  ty_kfac_layer *ly;
  luaL_argcheck(L, l >= 1 && l <= lk->k.nlayers, 2, "no such layer");
  ly = &lk->k.layer[l - 1];
  memcpy(ty_newmat(L, ly->da, ly->da, 0)->data,
         lk->k.algo == TY_KFAC ? ly->A : ly->PA,
         ly->da * ly->da * sizeof(double));
  memcpy(ty_newmat(L, ly->dg, ly->dg, 0)->data,
         lk->k.algo == TY_KFAC ? ly->G : ly->PG,
         ly->dg * ly->dg * sizeof(double));
  return 2;
}

/* opt:set_factors(l, A, G): replace layer l's factors (K-FAC: A, G, then
** recompute their inverses; MKOR: Rinv, Linv, reset flags cleared) */
static int kfac_set_factors (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  lua_Integer l = luaL_checkinteger(L, 2);
  ty_mat *A, *G;
  ty_kfac_layer *ly;
  luaL_argcheck(L, l >= 1 && l <= lk->k.nlayers, 2, "no such layer");
  ly = &lk->k.layer[l - 1];
  A = ty_checkrealmat(L, 3);
  G = ty_checkrealmat(L, 4);
  if (A->rows != ly->da || A->cols != ly->da) {
    char want[48];
    snprintf(want, sizeof want, "%lux%lu matrix", (unsigned long)ly->da,
             (unsigned long)ly->da);
    return ty_shapeerror(L, 3, want, A);
  }
  if (G->rows != ly->dg || G->cols != ly->dg) {
    char want[48];
    snprintf(want, sizeof want, "%lux%lu matrix", (unsigned long)ly->dg,
             (unsigned long)ly->dg);
    return ty_shapeerror(L, 4, want, G);
  }
  ty_checkfinite(L, 3, A);
  ty_checkfinite(L, 4, G);
  if (lk->k.algo == TY_KFAC) {
    int rc;
    memcpy(ly->A, A->data, TY_NUMEL(A) * sizeof(double));
    memcpy(ly->G, G->data, TY_NUMEL(G) * sizeof(double));
    if ((rc = ty_kfac_invert(&lk->k, (int)l - 1)) != 0)
      return luaL_error(L, "set_factors: %s", ty_kfac_strerror(rc));
  }
  else {
    memcpy(ly->PA, A->data, TY_NUMEL(A) * sizeof(double));
    memcpy(ly->PG, G->data, TY_NUMEL(G) * sizeof(double));
    ly->reset_a = ly->reset_g = 0;
  }
  return 0;
}

/* call base:<method>() if the base optimizer has it; returns the number
** of results it left (0 or 1) */
static int call_base (lua_State *L, const char *method) {
  lua_getiuservalue(L, 1, 2);
  if (lua_getfield(L, -1, method) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return 0;
  }
  lua_insert(L, -2);
  lua_call(L, 1, 1);
  return 1;
}

/* opt:reset(): factors back to I, t = 0; the base optimizer's reset too */
static int kfac_reset (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  ty_kfac_reset(&lk->k);
  if (call_base(L, "reset")) lua_pop(L, 1);
  return 0;
}

/* opt:state_bytes() -> bytes of factors, inverses and the base's state */
static int kfac_state_bytes (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  lua_Integer n = (lua_Integer)ty_kfac_statebytes(&lk->k);
  if (call_base(L, "state_bytes")) {
    if (lua_isinteger(L, -1)) n += lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  lua_pushinteger(L, n);
  return 1;
}

/* opt.<key>: methods, options, diagnostics, lr/base/net */
static int kfac_index (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  const char *key = luaL_checkstring(L, 2);
  const optdesc *d;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  if ((d = find_option(key, lk->k.algo)) != NULL) {
    push_option(L, d, &lk->k.o);
    return 1;
  }
  if (strcmp(key, "t") == 0) lua_pushinteger(L, lk->k.t);
  else if (strcmp(key, "missing_stats") == 0)
    lua_pushinteger(L, lk->k.missing_stats);
  else if (strcmp(key, "nu") == 0 && lk->k.algo == TY_KFAC)
    lua_pushnumber(L, lk->k.nu);
  else if (strcmp(key, "resets") == 0 && lk->k.algo == TY_MKOR)
    lua_pushinteger(L, lk->k.resets);
  else if (strcmp(key, "switched") == 0 && lk->k.algo == TY_MKOR)
    lua_pushboolean(L, lk->k.switched);
  else if (strcmp(key, "kind") == 0) lua_pushstring(L, lk->name);
  else if (strcmp(key, "net") == 0) lua_getiuservalue(L, 1, 1);
  else if (strcmp(key, "base") == 0) lua_getiuservalue(L, 1, 2);
  else if (strcmp(key, "lr") == 0) {
    lua_getiuservalue(L, 1, 2);
    lua_getfield(L, -1, "lr");
  }
  else lua_pushnil(L);
  return 1;
}

/* opt.<option> = v (validated); opt.lr = v sets the base's lr */
static int kfac_newindex (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  const char *key = luaL_checkstring(L, 2);
  const optdesc *d = find_option(key, lk->k.algo);
  char fname[32];
  snprintf(fname, sizeof fname, "%s", lk->name);
  if (d != NULL) {
    ty_kfac_opts o = lk->k.o;
    if (d->structural && lk->k.t > 0)
      return luaL_error(L, "option '%s' of %s is fixed after the first "
                        "step", key, lk->name);
    set_option(L, d, 3, &o, fname);
    lk->k.o = o;
    if (lk->k.algo == TY_KFAC && strcmp(key, "method") == 0) {
      int l;                          /* recompute at the next step */
      for (l = 0; l < lk->k.nlayers; l++) lk->k.layer[l].have_p = 0;
    }
    return 0;
  }
  if (strcmp(key, "lr") == 0) {
    lua_getiuservalue(L, 1, 2);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "lr");
    return 0;
  }
  return luaL_error(L, "cannot set field '%s' of a %s optimizer", key,
                    lk->name);
}

static int kfac_tostring (lua_State *L) {
  lkfac *lk = checkkfac(L, 1);
  lua_pushfstring(L, "optim.%s (%I steps)", lk->name, (lua_Integer)lk->k.t);
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg nn_funcs[] = {
  {"mlp", nn_mlp},
  {"mse", nn_mse},
  {"cross_entropy", nn_cross_entropy},
  {"_parse", nn_parse},
  {"_precond", nn_precond},
  {NULL, NULL}
};

static const luaL_Reg net_methods[] = {
  {"forward", net_forward},
  {"backward", net_backward},
  {"params", net_params},
  {"grads", net_grads},
  {"nparams", net_nparams},
  {"sizes", net_sizes},
  {"acts", net_acts},
  {"save", net_save},
  {NULL, NULL}
};

static const luaL_Reg kfac_methods[] = {
  {"step", kfac_step},
  {"precondition", kfac_precondition},
  {"factors", kfac_factors},
  {"set_factors", kfac_set_factors},
  {"reset", kfac_reset},
  {"state_bytes", kfac_state_bytes},
  {NULL, NULL}
};

/* Build the nn library and the two metatables:
**   tycho.nn    __index = methods table, __methods, __tostring
**   tycho.kfac  __index (C, methods as upvalue), __newindex, __methods
**   nn.methods  the network methods (help resolves "nn:forward") */
int luaopen_tycho_nn (lua_State *L) {
  int lib, methods;
  luaL_newlib(L, nn_funcs);
  lib = lua_gettop(L);
  luaL_newlib(L, net_methods);
  methods = lua_gettop(L);
  luaL_newmetatable(L, NN_T);
  lua_pushvalue(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, methods);
  lua_setfield(L, -2, "__methods");
  lua_pushcfunction(L, net_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lua_setfield(L, lib, "methods");

  luaL_newmetatable(L, KFAC_T);
  luaL_newlib(L, kfac_methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__methods");
  lua_pushvalue(L, -1);
  lua_setfield(L, lib, "precond_methods");
  lua_pushcclosure(L, kfac_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, kfac_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, kfac_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  return 1;
}

/*
** lrand.c: the rand module (reproducible random numbers) and mat.rand /
** mat.randn.  The generator is defined in src/core/ty_rand.c.
**
** The default generator is a userdata holding a ty_rng.  It is stored in
** the registry under TY_RNG_REGKEY (so other bindings can draw from the
** same stream) and is upvalue 1 of every function here.  At start-up it
** is seeded with 0, so a script that never calls rand.seed still gives
** the same numbers on every run.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_rand.h"

#define DEFAULT_SEED 0
#define FILL_BLOCK 65536          /* elements between interrupt polls */

static ty_rng *getrng (lua_State *L) {
  return (ty_rng *)lua_touserdata(L, lua_upvalueindex(1));
}

/* A finite number argument; `what` names it in the error. */
static double check_finite (lua_State *L, int arg, const char *what) {
  double x = luaL_checknumber(L, arg);
  if (!isfinite(x))
    luaL_argerror(L, arg, lua_pushfstring(L, "finite %s expected", what));
  return x;
}

/* ====================================================================== */
/* seeding and state                                                      */
/* ====================================================================== */

/* A seed from the clock, the CPU time and an address (differs between
** runs and between states). */
static uint64_t time_seed (lua_State *L) {
  uint64_t s = (uint64_t)time(NULL);
  s = s * UINT64_C(6364136223846793005) ^ (uint64_t)clock();
  s = s * UINT64_C(6364136223846793005) ^ (uint64_t)(uintptr_t)L;
  s ^= (uint64_t)(uintptr_t)&s >> 4;
  return s;
}

/* rand.seed([n]): seed with integer n, or from the time when n is absent;
** returns the seed used */
static int rand_seed (lua_State *L) {
  uint64_t seed;
  if (lua_isnoneornil(L, 1)) seed = time_seed(L);
  else seed = (uint64_t)luaL_checkinteger(L, 1);
  ty_rng_seed(getrng(L), seed);
  lua_pushinteger(L, (lua_Integer)seed);
  return 1;
}

/* rand.state(): the state as 64 hex digits (s[0] first) */
static int rand_state (lua_State *L) {
  const ty_rng *r = getrng(L);
  char buf[65];
  int i, k;
  for (i = 0; i < 4; i++)
    for (k = 0; k < 16; k++)
      buf[16 * i + k] = "0123456789abcdef"[(r->s[i] >> (60 - 4 * k)) & 0xf];
  lua_pushlstring(L, buf, 64);
  return 1;
}

/* rand.setstate(s): restore a state saved by rand.state() */
static int rand_setstate (lua_State *L) {
  size_t len, i;
  const char *str = luaL_checklstring(L, 1, &len);
  uint64_t s[4] = {0, 0, 0, 0};
  luaL_argcheck(L, len == 64, 1, "state string of 64 hex digits expected");
  for (i = 0; i < 64; i++) {
    int c = (unsigned char)str[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return luaL_argerror(L, 1, "state string of 64 hex digits expected");
    s[i / 16] = (s[i / 16] << 4) | (uint64_t)d;
  }
  luaL_argcheck(L, ty_rng_setstate(getrng(L), s) == 0, 1,
                "the all-zero state is not a valid state");
  return 0;
}

/* ====================================================================== */
/* numbers                                                                */
/* ====================================================================== */

/* rand.bits(): the next raw 64-bit output, as a (wrapping) Lua integer */
static int rand_bits (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ty_rng_next(getrng(L)));
  return 1;
}

/* rand.uniform([a, b]): a number in [0, 1), or a + (b - a) u */
static int rand_uniform (lua_State *L) {
  if (lua_isnoneornil(L, 1) && lua_isnoneornil(L, 2)) {
    lua_pushnumber(L, ty_rng_uniform(getrng(L)));
    return 1;
  }
  {
    double a = check_finite(L, 1, "lower bound");
    double b = check_finite(L, 2, "upper bound");
    luaL_argcheck(L, b >= a, 2, "upper bound less than lower bound");
    luaL_argcheck(L, isfinite(b - a), 2, "interval too wide");
    lua_pushnumber(L, ty_rng_uniform_ab(getrng(L), a, b));
  }
  return 1;
}

/* rand.normal([mu, sigma]): mu + sigma z, z standard normal */
static int rand_normal (lua_State *L) {
  double mu = 0.0, sigma = 1.0;
  if (!lua_isnoneornil(L, 1)) mu = check_finite(L, 1, "mean");
  if (!lua_isnoneornil(L, 2)) {
    sigma = check_finite(L, 2, "standard deviation");
    luaL_argcheck(L, sigma >= 0, 2, "nonnegative standard deviation "
                  "expected");
  }
  lua_pushnumber(L, ty_rng_normal_ms(getrng(L), mu, sigma));
  return 1;
}

/* rand.int(a, b): an integer in [a, b], each equally likely;
** rand.int(n) is rand.int(1, n) */
static int rand_int (lua_State *L) {
  lua_Integer a, b;
  uint64_t span;
  if (lua_isnoneornil(L, 2)) {
    a = 1;
    b = luaL_checkinteger(L, 1);
    luaL_argcheck(L, b >= 1, 1, "interval is empty");
  }
  else {
    a = luaL_checkinteger(L, 1);
    b = luaL_checkinteger(L, 2);
    luaL_argcheck(L, a <= b, 2, "interval is empty");
  }
  span = (uint64_t)b - (uint64_t)a + 1;      /* 0: the full 64-bit range */
  lua_pushinteger(L, (lua_Integer)((uint64_t)a
                                   + ty_rng_below(getrng(L), span)));
  return 1;
}

/* rand.perm(n): the vector 1..n in random order (Fisher-Yates) */
static int rand_perm (lua_State *L) {
  size_t n = ty_checkdim(L, 1), k;
  ty_mat *p;
  luaL_argcheck(L, n <= ((size_t)1 << 53), 1, "size too large");
  p = ty_newmat(L, n, 1, 0);
  for (k = 0; k < n; k++) p->data[k] = (double)(k + 1);
  ty_rng_shuffle(getrng(L), p->data, n);
  return 1;
}

/* ====================================================================== */
/* matrices: mat.rand and mat.randn                                       */
/* ====================================================================== */

/* Push an m x n matrix (arguments 1 and 2, n default 1) filled in blocks
** by fill, polling for Ctrl-C between blocks. */
static int fill_mat (lua_State *L,
                     void (*fill) (ty_rng *, double *, size_t)) {
  size_t m = ty_checkdim(L, 1);
  size_t n = lua_isnoneornil(L, 2) ? 1 : ty_checkdim(L, 2), k, total;
  ty_rng *r = getrng(L);
  ty_mat *A = ty_newmat(L, m, n, 0);
  total = TY_NUMEL(A);
  for (k = 0; k < total; k += FILL_BLOCK) {
    TY_POLL(L);
    fill(r, A->data + k, total - k < FILL_BLOCK ? total - k : FILL_BLOCK);
  }
  return 1;
}

static int mat_rand (lua_State *L) {
  return fill_mat(L, ty_rng_fill_uniform);
}

static int mat_randn (lua_State *L) {
  return fill_mat(L, ty_rng_fill_normal);
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg rand_funcs[] = {
  {"seed", rand_seed},
  {"state", rand_state},
  {"setstate", rand_setstate},
  {"bits", rand_bits},
  {"uniform", rand_uniform},
  {"normal", rand_normal},
  {"int", rand_int},
  {"perm", rand_perm},
  {NULL, NULL}
};

static const luaL_Reg mat_rand_funcs[] = {
  {"rand", mat_rand},
  {"randn", mat_randn},
  {NULL, NULL}
};

/* Build the rand library around a new default generator (seeded with
** DEFAULT_SEED, kept in the registry), and add mat.rand and mat.randn to
** the mat library (opened first if it is not loaded yet). */
int luaopen_tycho_rand (lua_State *L) {
  ty_rng *r = (ty_rng *)lua_newuserdatauv(L, sizeof(ty_rng), 0);
  int gen = lua_gettop(L);
  ty_rng_seed(r, DEFAULT_SEED);
  lua_pushvalue(L, gen);
  lua_setfield(L, LUA_REGISTRYINDEX, TY_RNG_REGKEY);

  luaL_requiref(L, "tycho.mat", luaopen_tycho_mat, 0);
  if (lua_istable(L, -1)) {
    lua_pushvalue(L, gen);
    luaL_setfuncs(L, mat_rand_funcs, 1);
  }
  lua_pop(L, 1);

  luaL_newlibtable(L, rand_funcs);
  lua_pushvalue(L, gen);
  luaL_setfuncs(L, rand_funcs, 1);
  lua_remove(L, gen);
  return 1;
}

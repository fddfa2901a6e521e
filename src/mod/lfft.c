/*
** lfft.c: the fft module: discrete Fourier transforms on FFTW
** (src/core/ty_fft.c), frequency helpers, convolution and wisdom.
**
** Conventions (NumPy's): the forward transform is unnormalized, the
** inverse divides by n; frequencies are in FFTW's order (zero first,
** then positive, then negative).  A matrix is transformed column by
** column; a row vector (1 x n, n != 1) is transformed as a whole and
** stays a row.  Results are always new matrices.
*/
#include <math.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_fft.h"

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* Raise the error for a failed core call. */
static void check_rc (lua_State *L, int rc) {
  if (rc == TY_EINTR) ty_raise_interrupt(L);
  if (rc != 0) luaL_error(L, "%s", ty_fft_strerror(rc));
}

/* The optional length argument: a positive integer, or def when absent. */
static size_t opt_length (lua_State *L, int arg, size_t def) {
  lua_Integer n;
  if (lua_isnoneornil(L, arg)) return def;
  n = luaL_checkinteger(L, arg);
  if (n < 1)
    luaL_argerror(L, arg, lua_pushfstring(L,
                  "positive length expected, got %I", n));
  return (size_t)n;
}

/* How a 1D function sees its argument: `len` elements per transform,
** `count` transforms, and whether the result is a row vector. */
typedef struct shape1 {
  size_t len, count;
  int row;
} shape1;

static shape1 shape_of (const ty_mat *x) {
  shape1 s;
  s.row = (x->rows == 1 && x->cols != 1);
  s.len = s.row ? x->cols : x->rows;
  s.count = s.row ? 1 : x->cols;
  return s;
}

/* Push the result matrix for `count` transforms of length n. */
static ty_mat *new_result (lua_State *L, const shape1 *s, size_t n,
                           int cplx) {
  return s->row ? ty_newmat(L, 1, n, cplx) : ty_newmat(L, n, s->count, cplx);
}

/* Copy the columns of x (len elements each, real or complex) into dst
** (n elements each, of type cplx), cutting or padding with zeros. */
static void copy_columns (const ty_mat *x, const shape1 *s, double *dst,
                          size_t n, int cplx) {
  size_t j, i, keep = s->len < n ? s->len : n;
  for (j = 0; j < s->count; j++) {
    const double *src = x->data + j * s->len * (x->cplx ? 2 : 1);
    double *d = dst + j * n * (cplx ? 2 : 1);
    if (cplx && !x->cplx) {
      for (i = 0; i < keep; i++) { d[2 * i] = src[i]; d[2 * i + 1] = 0; }
      memset(d + 2 * keep, 0, (n - keep) * 2 * sizeof(double));
    }
    else {
      size_t es = cplx ? 2 : 1;
      memcpy(d, src, keep * es * sizeof(double));
      memset(d + keep * es, 0, (n - keep) * es * sizeof(double));
    }
  }
}

/* ====================================================================== */
/* fft, ifft                                                              */
/* ====================================================================== */

/* fft(x [, n]) (sign -1) and ifft(X [, n]) (sign +1): leaves the result
** on top of the stack. */
static int transform (lua_State *L, int sign) {
  ty_mat *x = ty_checkmat(L, 1), *out;
  shape1 s = shape_of(x);
  size_t n = opt_length(L, 2, s.len), total;
  int rc;
  out = new_result(L, &s, n, 1);
  total = n * s.count;
  if (total == 0) return 1;                  /* empty in, empty out */
  if (x->cplx) {
    if (n == s.len)                          /* straight into the result */
      rc = ty_fft_c2c(TY_CX(x), TY_CX(out), n, s.count, sign);
    else {
      copy_columns(x, &s, out->data, n, 1);
      rc = ty_fft_c2c(TY_CX(out), TY_CX(out), n, s.count, sign);
    }
  }
  else {
    const double *in = x->data;
    if (n != s.len) {
      double *buf = (double *)ty_newbuf(L, ty_mulsize(L, total,
                                                     sizeof(double)));
      copy_columns(x, &s, buf, n, 0);
      in = buf;
    }
    /* real data: forward transform; the inverse is its conjugate / n */
    rc = ty_fft_real_full(in, TY_CX(out), n, s.count, 1);
    if (rc == 0 && sign > 0)
      ty_fft_scale(TY_CX(out), total, 1.0 / (double)n, 1);
    lua_settop(L, 3);                        /* drop the buffer */
    check_rc(L, rc);
    return 1;
  }
  check_rc(L, rc);
  if (sign > 0) ty_fft_scale(TY_CX(out), total, 1.0 / (double)n, 0);
  return 1;
}

static int fft_fft (lua_State *L) {
  lua_settop(L, 2);
  return transform(L, -1);
}

static int fft_ifft (lua_State *L) {
  lua_settop(L, 2);
  return transform(L, 1);
}

/* ====================================================================== */
/* rfft, irfft                                                            */
/* ====================================================================== */

/* fft.rfft(x [, n]): the n/2+1 nonnegative-frequency terms of real x */
static int fft_rfft (lua_State *L) {
  ty_mat *x, *out;
  shape1 s;
  size_t n, h;
  const double *in;
  lua_settop(L, 2);
  x = ty_checkrealmat(L, 1);
  s = shape_of(x);
  n = opt_length(L, 2, s.len);
  if (n == 0) {                              /* empty input, no n */
    new_result(L, &s, 0, 1);
    return 1;
  }
  h = n / 2 + 1;
  out = new_result(L, &s, h, 1);
  if (s.count == 0) return 1;
  in = x->data;
  if (n != s.len) {
    double *buf = (double *)ty_newbuf(L, ty_mulsize(L,
                  ty_mulsize(L, n, s.count), sizeof(double)));
    copy_columns(x, &s, buf, n, 0);
    in = buf;
  }
  check_rc(L, ty_fft_r2c(in, TY_CX(out), n, s.count, h));
  lua_settop(L, 3);
  return 1;
}

/* fft.irfft(X [, n]): the real signal of length n (default 2*(m-1)) whose
** rfft is X (m rows; cut or padded with zeros to n/2+1) */
static int fft_irfft (lua_State *L) {
  ty_mat *X, *out;
  shape1 s;
  size_t n, h;
  double *buf;
  lua_settop(L, 2);
  X = ty_checkmat(L, 1);
  s = shape_of(X);
  if (lua_isnoneornil(L, 2)) {
    if (s.len == 0) {                        /* empty in, empty out */
      new_result(L, &s, 0, 0);
      return 1;
    }
    if (s.len < 2)
      return luaL_argerror(L, 2, "length expected (the default 2*(m-1) "
                           "is 0 for one input row)");
    n = 2 * (s.len - 1);
  }
  else n = opt_length(L, 2, 0);
  h = n / 2 + 1;
  out = new_result(L, &s, n, 0);
  if (s.count == 0) return 1;
  buf = (double *)ty_newbuf(L, ty_mulsize(L, ty_mulsize(L, h, s.count),
                                          2 * sizeof(double)));
  copy_columns(X, &s, buf, h, 1);
  check_rc(L, ty_fft_c2r((double complex *)buf, out->data, n, s.count));
  ty_fft_scale_real(out->data, n * s.count, 1.0 / (double)n);
  lua_settop(L, 3);
  return 1;
}

/* ====================================================================== */
/* fft2, ifft2                                                            */
/* ====================================================================== */

/* the 2D transform of a whole matrix, sign as in transform() */
static int transform2 (lua_State *L, int sign) {
  ty_mat *A = ty_checkmat(L, 1), *out;
  size_t m = A->rows, p = A->cols, total = TY_NUMEL(A);
  int rc;
  out = ty_newmat(L, m, p, 1);
  if (total == 0) return 1;
  if (A->cplx) {
    rc = ty_fft_c2c_2d(TY_CX(A), TY_CX(out), m, p, sign);
    check_rc(L, rc);
    if (sign > 0) ty_fft_scale(TY_CX(out), total, 1.0 / (double)total, 0);
  }
  else {
    rc = ty_fft_real_full(A->data, TY_CX(out), m, p, 2);
    check_rc(L, rc);
    if (sign > 0) ty_fft_scale(TY_CX(out), total, 1.0 / (double)total, 1);
  }
  return 1;
}

static int fft_fft2 (lua_State *L) {
  lua_settop(L, 1);
  return transform2(L, -1);
}

static int fft_ifft2 (lua_State *L) {
  lua_settop(L, 1);
  return transform2(L, 1);
}

/* ====================================================================== */
/* frequencies and shifts                                                 */
/* ====================================================================== */

/* the sample spacing argument: a finite nonzero number, default 1 */
static double opt_spacing (lua_State *L, int arg) {
  double d = luaL_optnumber(L, arg, 1.0);
  luaL_argcheck(L, d != 0 && isfinite(d), arg,
                "finite nonzero sample spacing expected");
  return d;
}

/* fftfreq(n [, d]) (onesided 0) and rfftfreq(n [, d]) (onesided 1) */
static int frequencies (lua_State *L, int onesided) {
  size_t n = ty_checkdim(L, 1);
  double d = opt_spacing(L, 2);
  ty_mat *f;
  if (n == 0) {
    ty_newmat(L, 0, 1, 0);
    return 1;
  }
  f = ty_newmat(L, onesided ? n / 2 + 1 : n, 1, 0);
  ty_fft_freq(f->data, n, d, onesided);
  return 1;
}

static int fft_fftfreq (lua_State *L) { return frequencies(L, 0); }
static int fft_rfftfreq (lua_State *L) { return frequencies(L, 1); }

/* fftshift (inverse 0) and ifftshift (inverse 1): roll both dimensions
** by half their size, which for a vector is the vector's own shift */
static int shift (lua_State *L, int inverse) {
  ty_mat *x = ty_checkmat(L, 1), *out;
  size_t m = x->rows, p = x->cols;
  size_t dr = inverse ? m - m / 2 : m / 2, dc = inverse ? p - p / 2 : p / 2;
  out = ty_newmat(L, m, p, x->cplx);
  ty_fft_roll(x->data, out->data, m, p, TY_ELSIZE(x->cplx), dr, dc);
  return 1;
}

static int fft_fftshift (lua_State *L) { return shift(L, 0); }
static int fft_ifftshift (lua_State *L) { return shift(L, 1); }

/* ====================================================================== */
/* convolution                                                            */
/* ====================================================================== */

/* A vector argument for conv (promoted to complex when cplx is set). */
static ty_mat *conv_arg (lua_State *L, int arg, int cplx) {
  ty_mat *v = ty_checkmat(L, arg);
  if (v->rows != 1 && v->cols != 1 && TY_NUMEL(v) != 0)
    ty_shapeerror(L, arg, "vector", v);
  if (cplx && !v->cplx) {
    v = ty_pushcopy(L, v, 1);
    lua_replace(L, arg);
  }
  return v;
}

/* fft.conv(x, y [, mode]): linear convolution of two vectors, NumPy's
** np.convolve: "full" (nx+ny-1), "same" (max(nx, ny), centred), "valid"
** (max - min + 1); the result has the orientation of x */
static int fft_conv (lua_State *L) {
  static const char *const modes[] = {"full", "same", "valid", NULL};
  ty_mat *x, *y, *out;
  int mode, cplx, ok;
  size_t nx, ny, lo, hi, first, len;
  void *work = NULL;
  lua_settop(L, 3);
  x = conv_arg(L, 1, 0);
  y = conv_arg(L, 2, 0);
  mode = luaL_checkoption(L, 3, "full", modes);
  cplx = x->cplx || y->cplx;
  x = conv_arg(L, 1, cplx);
  y = conv_arg(L, 2, cplx);
  nx = TY_NUMEL(x);
  ny = TY_NUMEL(y);
  lo = nx < ny ? nx : ny;
  hi = nx < ny ? ny : nx;
  if (lo == 0) len = first = 0;              /* empty in, empty out */
  else if (mode == 0) { first = 0; len = nx + ny - 1; }
  else if (mode == 1) { first = (lo - 1) / 2; len = hi; }
  else { first = lo - 1; len = hi - lo + 1; }
  out = (x->rows == 1 && x->cols != 1) ? ty_newmat(L, 1, len, cplx)
                                       : ty_newmat(L, len, 1, cplx);
  if (len == 0) return 1;
  {
    size_t bytes = ty_fft_conv_work(nx, ny, cplx, &ok);
    if (!ok) luaL_error(L, "not enough memory (convolution too long)");
    if (bytes > 0) work = ty_newbuf(L, bytes);
  }
  check_rc(L, ty_fft_conv(x->data, nx, y->data, ny, cplx, first, len,
                          out->data, work));
  lua_settop(L, 4);
  return 1;
}

/* ====================================================================== */
/* planner and wisdom                                                     */
/* ====================================================================== */

static const char *const rigor_names[] = {"estimate", "measure", NULL};

/* fft.planner([mode]): set the rigor of new plans; returns the previous
** mode (the current one when called without an argument) */
static int fft_planner (lua_State *L) {
  int old = ty_fft_get_planner();
  if (!lua_isnoneornil(L, 1))
    ty_fft_set_planner(luaL_checkoption(L, 1, NULL, rigor_names) == 1
                       ? TY_FFT_MEASURE : TY_FFT_ESTIMATE);
  lua_pushstring(L, rigor_names[old == TY_FFT_MEASURE]);
  return 1;
}

/* fft.wisdom(): FFTW's accumulated wisdom as a string;
** fft.wisdom(s): import it, returning true or nil, message */
static int fft_wisdom (lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    luaL_Buffer b;
    size_t len = ty_fft_wisdom_export(NULL, 0);
    char *p = luaL_buffinitsize(L, &b, len + 1);
    ty_fft_wisdom_export(p, len);            /* unchanged in between */
    luaL_pushresultsize(&b, len);
    return 1;
  }
  if (ty_fft_wisdom_import(luaL_checkstring(L, 1))) {
    lua_pushboolean(L, 1);
    return 1;
  }
  luaL_pushfail(L);
  lua_pushliteral(L, "invalid FFTW wisdom string");
  return 2;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg fft_funcs[] = {
  {"fft", fft_fft},
  {"ifft", fft_ifft},
  {"rfft", fft_rfft},
  {"irfft", fft_irfft},
  {"fft2", fft_fft2},
  {"ifft2", fft_ifft2},
  {"fftfreq", fft_fftfreq},
  {"rfftfreq", fft_rfftfreq},
  {"fftshift", fft_fftshift},
  {"ifftshift", fft_ifftshift},
  {"conv", fft_conv},
  {"planner", fft_planner},
  {"wisdom", fft_wisdom},
  {NULL, NULL}
};

/* __gc of the module's sentinel: the state is closing */
static int fft_gc (lua_State *L) {
  (void)L;
  ty_fft_cleanup();
  return 0;
}

/* The library, and a sentinel userdata kept in the registry whose __gc
** frees the plan cache when the Lua state closes. */
int luaopen_tycho_fft (lua_State *L) {
  ty_newlib(L, fft_funcs);
  lua_newuserdatauv(L, 1, 0);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, fft_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, "tycho.fft.sentinel");
  return 1;
}

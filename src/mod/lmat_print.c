/*
** lmat_print.c: how a matrix looks: tostring(A) and mat.printopts.
**
**   mat 2x3
**     1.5   -2     0.25
**     3      4.75  1
**
** The number format is chosen from the elements that are printed only,
** so a summarized 1000x1000 matrix prints at once: integers when every
** printed element is integral; fixed point with the fewest decimals (up
** to `precision`) that show every element exactly to that precision;
** scientific notation when magnitudes span too much.  Complex elements
** print as a+bi, with the real and imaginary parts formatted separately.
** Matrices with more than `threshold` elements are summarized with
** `edgeitems` rows and columns at each edge; columns wider than
** `linewidth` are split into blocks.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"

static struct {
  int precision, edgeitems, linewidth;
  lua_Integer threshold;
} opts = {4, 3, 80, 1000};

/* ====================================================================== */
/* choosing a number format                                               */
/* ====================================================================== */

typedef struct numfmt {
  char kind;        /* 'd' integral, 'f' fixed, 'e' scientific */
  int decimals;
} numfmt;

/* Does printing x with d decimals show the same value as with p? */
static int same_at (double x, int d, int p) {
  char a[64], b[64];
  size_t la;
  snprintf(a, sizeof a, "%.*f", d, x);
  snprintf(b, sizeof b, "%.*f", p, x);
  la = strlen(a);
  /* b must be a followed by zeros (or a's decimal point, then zeros) */
  if (strncmp(a, b, la) != 0) return 0;
  for (const char *s = b + la; *s; s++)
    if (*s != '0' && *s != '.') return 0;
  return 1;
}

/* Choose a format for the n values in v (non-finite values ignored). */
static numfmt choose_format (const double *v, size_t n) {
  numfmt f = {'d', 0};
  double maxabs = 0.0, minabs = HUGE_VAL;
  int integral = 1, any = 0;
  size_t k;
  for (k = 0; k < n; k++) {
    double a = fabs(v[k]);
    if (!isfinite(v[k])) continue;
    any = 1;
    if (a > maxabs) maxabs = a;
    if (a > 0 && a < minabs) minabs = a;
    if (v[k] != floor(v[k])) integral = 0;
  }
  if (!any) return f;
  if (integral && maxabs < 1e15) return f;
  if (maxabs >= 1e6 || (minabs < 1e-4 && minabs != HUGE_VAL) ||
      (minabs != HUGE_VAL && maxabs / minabs >= 1e5)) {
    f.kind = 'e';
    f.decimals = opts.precision;
    return f;
  }
  f.kind = 'f';
  for (f.decimals = 1; f.decimals < opts.precision; f.decimals++) {
    for (k = 0; k < n; k++)
      if (isfinite(v[k]) && !same_at(v[k], f.decimals, opts.precision)) break;
    if (k == n) break;
  }
  return f;
}

/* Format x into buf; `sign` forces a leading + (imaginary parts). */
static int format_number (char *buf, size_t size, double x, numfmt f,
                          int sign) {
  if (isnan(x)) return snprintf(buf, size, sign ? "+nan" : "nan");
  if (isinf(x)) return snprintf(buf, size, x > 0 ? (sign ? "+inf" : "inf")
                                                 : "-inf");
  if (x == 0.0) x = 0.0;                       /* no "-0" */
  switch (f.kind) {
    case 'd': return snprintf(buf, size, sign ? "%+.0f" : "%.0f", x);
    case 'e': return snprintf(buf, size, sign ? "%+.*e" : "%.*e",
                              f.decimals, x);
    default:  return snprintf(buf, size, sign ? "%+.*f" : "%.*f",
                              f.decimals, x);
  }
}

/* ====================================================================== */
/* laying out the printed rows and columns                                */
/* ====================================================================== */

/* The rows (or columns) that are printed: all, or `edge` at each end
** with a gap marked by (size_t)-1. */
static size_t pick (size_t n, int summarize, size_t *out) {
  size_t k, m = 0, e = (size_t)opts.edgeitems;
  if (!summarize || n <= 2 * e) {
    for (k = 0; k < n; k++) out[m++] = k;
    return m;
  }
  for (k = 0; k < e; k++) out[m++] = k;
  out[m++] = (size_t)-1;
  for (k = n - e; k < n; k++) out[m++] = k;
  return m;
}

#define CELL 64       /* longest text of one element */

/* Output text in scratch memory sized in advance (no luaL_Buffer: the
** scratch userdata pushed while formatting would break its discipline). */
typedef struct writer {
  char *p;
  size_t n, cap;
} writer;

static void put (writer *w, const char *s) {
  size_t len = strlen(s);
  if (w->n + len < w->cap) {
    memcpy(w->p + w->n, s, len);
    w->n += len;
  }
}

static void putc_ (writer *w, char c) {
  if (w->n + 1 < w->cap) w->p[w->n++] = c;
}

/* Push the text of A as a Lua string. */
static void format_mat (lua_State *L, const ty_mat *A) {
  writer wr, *B = &wr;
  int summarize = (lua_Integer)TY_NUMEL(A) > opts.threshold;
  size_t maxpick = 2 * (size_t)opts.edgeitems + 1;
  size_t nr, nc, i, j, k, npicked, col0;
  size_t *ri, *ci, *width;
  double *re, *im;
  char *cells, head[96];
  numfmt fre, fim = {'d', 0};

  snprintf(head, sizeof head, "%smat %lux%lu", A->cplx ? "complex " : "",
           (unsigned long)A->rows, (unsigned long)A->cols);
  if (TY_NUMEL(A) == 0) {
    lua_pushstring(L, head);
    return;
  }

  /* the printed rows and columns */
  ri = ty_newbuf(L, ty_mulsize(L, summarize ? maxpick : A->rows, sizeof *ri));
  ci = ty_newbuf(L, ty_mulsize(L, summarize ? maxpick : A->cols, sizeof *ci));
  nr = pick(A->rows, summarize, ri);
  nc = pick(A->cols, summarize, ci);

  /* gather the printed values and choose formats from them */
  re = ty_newbuf(L, ty_mulsize(L, nr * nc, sizeof *re));
  im = ty_newbuf(L, ty_mulsize(L, nr * nc, sizeof *im));
  npicked = 0;
  for (j = 0; j < nc; j++)
    for (i = 0; i < nr; i++) {
      size_t at;
      if (ri[i] == (size_t)-1 || ci[j] == (size_t)-1) continue;
      at = ci[j] * A->rows + ri[i];
      re[npicked] = A->cplx ? A->data[2 * at] : A->data[at];
      im[npicked] = A->cplx ? A->data[2 * at + 1] : 0.0;
      npicked++;
    }
  fre = choose_format(re, npicked);
  if (A->cplx) fim = choose_format(im, npicked);

  /* format every cell and measure the columns */
  cells = ty_newbuf(L, ty_mulsize(L, nr * nc, CELL));
  width = ty_newbuf(L, ty_mulsize(L, nc, sizeof *width));
  for (j = 0; j < nc; j++) {
    width[j] = 0;
    for (i = 0; i < nr; i++) {
      char *c = cells + (j * nr + i) * CELL;
      if (ri[i] == (size_t)-1 || ci[j] == (size_t)-1) {
        strcpy(c, ri[i] == (size_t)-1 && ci[j] == (size_t)-1 ? "" : "...");
      }
      else {
        size_t at = ci[j] * A->rows + ri[i];
        if (A->cplx) {
          int len = format_number(c, CELL / 2, A->data[2 * at], fre, 0);
          len += format_number(c + len, CELL / 2 - 1, A->data[2 * at + 1],
                               fim, 1);
          c[len] = 'i';
          c[len + 1] = '\0';
        }
        else format_number(c, CELL, A->data[at], fre, 0);
      }
      k = strlen(c);
      if (k > width[j]) width[j] = k;
    }
  }

  /* write the columns in blocks that fit the line width */
  wr.cap = ty_mulsize(L, nr + 2, 0) + 256;
  {
    size_t rowlen = 8;
    for (j = 0; j < nc; j++) rowlen += width[j] + 2 + 100 / (nc ? nc : 1);
    wr.cap = ty_mulsize(L, nr + 2, rowlen) + 256 + 100 * nc;
  }
  wr.p = ty_newbuf(L, wr.cap);
  wr.n = 0;
  put(B, head);
  for (col0 = 0; col0 < nc; ) {
    size_t used = 2, col1 = col0;
    while (col1 < nc && (col1 == col0 ||
           used + width[col1] + 2 <= (size_t)opts.linewidth))
      used += width[col1++] + 2;
    if (col0 > 0 || col1 < nc) {
      char label[96];
      size_t first = col0, last = col1 - 1;
      while (ci[first] == (size_t)-1 && first < last) first++;
      while (ci[last] == (size_t)-1 && last > first) last--;
      snprintf(label, sizeof label, "\n columns %lu to %lu:",
               (unsigned long)ci[first] + 1, (unsigned long)ci[last] + 1);
      put(B, label);
    }
    for (i = 0; i < nr; i++) {
      while (wr.n > 0 && wr.p[wr.n - 1] == ' ') wr.n--;  /* trailing blanks */
      putc_(B, '\n');
      for (j = col0; j < col1; j++) {
        const char *c = cells + (j * nr + i) * CELL;
        size_t pad = width[j] - strlen(c) + 2;
        if (ri[i] == (size_t)-1) c = (j == col0) ? "..." : "";
        pad = width[j] - strlen(c) + 2;
        while (pad-- > 0) putc_(B, ' ');
        put(B, c);
      }
    }
    col0 = col1;
  }
  while (wr.n > 0 && wr.p[wr.n - 1] == ' ') wr.n--;
  lua_pushlstring(L, wr.p, wr.n);
}

/* tostring(A) */
static int mat_tostring (lua_State *L) {
  ty_mat *A = ty_checkmat(L, 1);
  format_mat(L, A);
  return 1;
}

/* mat.printopts([t]): set any of precision, threshold, edgeitems,
** linewidth; returns the previous settings as a table */
static int mat_printopts (lua_State *L) {
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, opts.precision);
  lua_setfield(L, -2, "precision");
  lua_pushinteger(L, opts.threshold);
  lua_setfield(L, -2, "threshold");
  lua_pushinteger(L, opts.edgeitems);
  lua_setfield(L, -2, "edgeitems");
  lua_pushinteger(L, opts.linewidth);
  lua_setfield(L, -2, "linewidth");
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer v;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "precision") != LUA_TNIL) {
      v = luaL_checkinteger(L, -1);
      luaL_argcheck(L, v >= 0 && v <= 17, 1, "precision must be in 0..17");
      opts.precision = (int)v;
    }
    if (lua_getfield(L, 1, "threshold") != LUA_TNIL) {
      v = luaL_checkinteger(L, -1);
      luaL_argcheck(L, v >= 0, 1, "threshold must be nonnegative");
      opts.threshold = v;
    }
    if (lua_getfield(L, 1, "edgeitems") != LUA_TNIL) {
      v = luaL_checkinteger(L, -1);
      luaL_argcheck(L, v >= 1 && v <= 100, 1, "edgeitems must be in 1..100");
      opts.edgeitems = (int)v;
    }
    if (lua_getfield(L, 1, "linewidth") != LUA_TNIL) {
      v = luaL_checkinteger(L, -1);
      luaL_argcheck(L, v >= 10 && v <= 100000, 1,
                    "linewidth must be in 10..100000");
      opts.linewidth = (int)v;
    }
    lua_pop(L, 4);
  }
  return 1;
}

void ty_mat_print_register (lua_State *L, int lib, int methods) {
  (void)methods;
  lua_pushcfunction(L, mat_printopts);
  lua_setfield(L, lib, "printopts");
  luaL_getmetatable(L, TY_MAT_T);
  lua_pushcfunction(L, mat_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

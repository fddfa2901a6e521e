/*
** lplot.c: the native half of the plot module.  A "tycho.gnuplot" userdata
** owns one gnuplot process (src/core/ty_proc.c): commands and data go in,
** what gnuplot prints comes back.  The figures, options and quoting live
** in lua/tycho/plot.lua, which receives this table as `...`.
**
**   gp = native.spawn(program)      nil, message when it cannot start
**   gp:send(text)                   commands, written in full
**   gp:data(name, mode, ...)        a datablock $name of numbers (%.17g)
**   native.datafile(path, name, mode, ...)   the same, into a file
**   text, errors = gp:sync([secs])  wait until gnuplot has done everything
**   gp:close()  gp:pid()  gp:alive()
**   native.isatty(fd)  native.termsize()  native.count()
**   native.histcounts(x, nbins, lo, hi)  native.finite_range(x)
**   native.m4(x, y, ncols)          a long line reduced for raster images
**
** A process ends when its figure closes it, or when the userdata is
** collected (__gc, also run by lua_close when tycho exits), or at the end
** of a to-be-closed variable (__close).
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_proc.h"

#define GNUPLOT_T "tycho.gnuplot"

#define WRITE_TIMEOUT_MS 30000   /* no progress this long: gnuplot hangs */
#define CLOSE_GRACE_MS   200     /* time to exit after end of input */
#define CHUNK            65536   /* data are formatted in chunks this big */
#define MAXCOLS          16      /* columns of one datablock */
#define LINE_PIECE       128     /* points per piece of a long line */

typedef struct gnuplot {
  ty_proc proc;
  lua_Integer nsync;             /* markers sent so far */
} gnuplot;

/* ====================================================================== */
/* the userdata                                                           */
/* ====================================================================== */

static gnuplot *check_gp (lua_State *L, int idx) {
  return (gnuplot *)luaL_checkudata(L, idx, GNUPLOT_T);
}

/* Raise msg as it is (no position: the Lua layer names the call). */
static int plain_error (lua_State *L, const char *msg) {
  lua_pushstring(L, msg);
  return lua_error(L);
}

/* check_gp, and the process must still be there */
static gnuplot *check_live (lua_State *L, int idx) {
  gnuplot *gp = check_gp(L, idx);
  if (gp->proc.pid <= 0 || gp->proc.in < 0)
    plain_error(L, "gnuplot: the process has ended");
  return gp;
}

/* Raise for a ty_proc error code (never returns). */
static int proc_error (lua_State *L, long code) {
  if (code == TY_EINTR) return ty_raise_interrupt(L);
  if (code == TY_PROC_TIMEOUT)
    return plain_error(L, "gnuplot: no answer (timed out)");
  if (code == TY_PROC_NOMEM) return plain_error(L, "not enough memory");
  return plain_error(L, "gnuplot: the process has ended");
}

static void write_all (lua_State *L, gnuplot *gp, const char *s, size_t n) {
  int rc = ty_proc_write(&gp->proc, s, n, WRITE_TIMEOUT_MS);
  if (rc != 0) proc_error(L, rc);
}

/* native.spawn(program): start gnuplot.  Returns the process, or nil and
** a message (the program is missing or cannot run). */
static int plot_spawn (lua_State *L) {
  const char *program = luaL_checkstring(L, 1);
  char *argv[3];
  int rc;
  gnuplot *gp = (gnuplot *)lua_newuserdatauv(L, sizeof(gnuplot), 0);
  ty_proc_init(&gp->proc);               /* safe empty state first */
  gp->nsync = 0;
  luaL_setmetatable(L, GNUPLOT_T);
  argv[0] = (char *)program;
  argv[1] = (char *)"--default-settings"; /* no ~/.gnuplot */
  argv[2] = NULL;
  rc = ty_proc_spawn(&gp->proc, program, argv);
  if (rc != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", program, strerror(rc));
    return 2;
  }
  return 1;
}

/* gp:send(text): write commands to gnuplot (a newline is not added). */
static int gp_send (lua_State *L) {
  gnuplot *gp = check_live(L, 1);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  write_all(L, gp, s, n);
  return 0;
}

/* ====================================================================== */
/* data                                                                   */
/* ====================================================================== */

/* Format x into out (at least 32 bytes) with the fewest digits that read
** back exactly (%.15g, else %.17g); NaN and infinities become "NaN", which
** gnuplot treats as a missing point.  Returns the length. */
static int format_number (char *out, double x) {
  int n;
  if (!isfinite(x)) { memcpy(out, "NaN", 4); return 3; }
  n = snprintf(out, 32, "%.15g", x);
  if (strtod(out, NULL) != x) n = snprintf(out, 32, "%.17g", x);
  return n;
}

/* A chunked writer: formats into buf and, when it is full, sends it to the
** process or writes it to a file. */
typedef struct writer {
  lua_State *L;
  gnuplot *gp;                   /* the process, or NULL */
  FILE *file;                    /* or the file */
  int err;                       /* errno of a failed file write */
  char *buf;
  size_t len;
} writer;

static void w_flush (writer *w) {
  if (w->gp != NULL) write_all(w->L, w->gp, w->buf, w->len);
  else if (w->err == 0 && fwrite(w->buf, 1, w->len, w->file) != w->len)
    w->err = errno ? errno : EIO;
  w->len = 0;
  if (ty_interrupted()) {
    if (w->gp != NULL)   /* leave gnuplot outside the datablock */
      ty_proc_write(&w->gp->proc, "\nEOD\n", 5, 1000);
    else {
      fclose(w->file);
      w->file = NULL;
    }
    ty_raise_interrupt(w->L);
  }
}

static void w_text (writer *w, const char *s, size_t n) {
  if (w->len + n > CHUNK) w_flush(w);
  memcpy(w->buf + w->len, s, n);
  w->len += n;
}

static void w_number (writer *w, double x, int first) {
  char tmp[40];
  int n = 0;
  if (!first) tmp[n++] = ' ';
  n += format_number(tmp + n, x);
  w_text(w, tmp, (size_t)n);
}

/* The real matrix argument arg, which must have `numel` elements (0: any). */
static ty_mat *check_data (lua_State *L, int arg, size_t numel) {
  ty_mat *A = ty_checkmat(L, arg);
  if (A->cplx)
    luaL_argerror(L, arg, "real matrix expected, got a complex one");
  if (numel > 0 && TY_NUMEL(A) != numel) {
    lua_pushfstring(L, "%I elements", (lua_Integer)numel);
    ty_shapeerror(L, arg, lua_tostring(L, -1), A);
  }
  return A;
}

/* The datablock described by the arguments from `first` on (name, mode,
** matrices: see gp:data), checked and formatted into w (whose destination
** is set by the caller, after the checks).  Pushes one scratch buffer. */
typedef struct datablock {
  const char *name;
  int mode, nargs;
  int broken;                    /* "lines": a pen lift every LINE_PIECE */
  ty_mat *M[MAXCOLS];
} datablock;

static void check_datablock (lua_State *L, int first, datablock *d) {
  static const char *const modes[] = {"columns", "matrix", "grid", "lines",
                                      NULL};
  const char *c;
  int k;
  size_t n;
  d->name = luaL_checkstring(L, first);
  d->mode = luaL_checkoption(L, first + 1, NULL, modes);
  d->broken = (d->mode == 3);
  if (d->broken) d->mode = 0;                    /* "lines": columns */
  d->nargs = lua_gettop(L) - (first + 1);
  for (c = d->name; *c; c++)
    luaL_argcheck(L, (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9' && c != d->name) || *c == '_',
                  first, "datablock name expected");
  luaL_argcheck(L, *d->name != '\0', first, "datablock name expected");
  luaL_argcheck(L, d->nargs >= 1, first + 2, "matrix expected");
  luaL_argcheck(L, d->nargs <= MAXCOLS, first + 2 + MAXCOLS,
                "too many columns");
  if (d->mode == 2)
    luaL_argcheck(L, d->nargs == 3, first + 2, "X, Y and Z expected");
  if (d->mode == 1)
    luaL_argcheck(L, d->nargs == 1, first + 3, "one matrix expected");
  d->M[0] = check_data(L, first + 2, 0);
  n = TY_NUMEL(d->M[0]);
  for (k = 1; k < d->nargs; k++) {
    d->M[k] = check_data(L, first + 2 + k, n);
    if (d->mode == 2 && (d->M[k]->rows != d->M[0]->rows))
      ty_shapeerror(L, first + 2 + k, "the shape of X", d->M[k]);
  }
}

static void write_datablock (writer *w, const datablock *d) {
  size_t i, j, n = TY_NUMEL(d->M[0]);
  int k;
  w_text(w, "$", 1);
  w_text(w, d->name, strlen(d->name));
  w_text(w, " << EOD\n", 8);
  if (d->mode == 0) {                            /* columns */
    for (i = 0; i < n; i++) {
      for (k = 0; k < d->nargs; k++) w_number(w, d->M[k]->data[i], k == 0);
      w_text(w, "\n", 1);
      if (d->broken && i % LINE_PIECE == LINE_PIECE - 1 && i + 1 < n) {
        /* a blank line lifts the pen; the point is repeated so the pieces
        ** join: cairo strokes many short paths far faster than one long
        ** one (a noisy line of 1e6 points: 2 s instead of minutes) */
        w_text(w, "\n", 1);
        for (k = 0; k < d->nargs; k++) w_number(w, d->M[k]->data[i], k == 0);
        w_text(w, "\n", 1);
      }
    }
  }
  else {                                         /* matrix, grid */
    const ty_mat *X = d->M[0];
    for (i = 0; i < X->rows; i++) {
      for (j = 0; j < X->cols; j++) {
        if (d->mode == 1) w_number(w, TY_RE(X, i, j), j == 0);
        else {
          for (k = 0; k < 3; k++) w_number(w, TY_RE(d->M[k], i, j), k == 0);
          w_text(w, "\n", 1);
        }
      }
      w_text(w, "\n", 1);
    }
  }
  w_text(w, "EOD\n", 4);
  w_flush(w);
}

/* gp:data(name, mode, ...): define the datablock $name, through the pipe.
**   "columns", v1, v2, ...   one line per index k: v1[k] v2[k] ...
**   "lines", v1, v2, ...     the same, in pieces of LINE_PIECE points
**                            (blank line, last point repeated) for lines
**   "matrix", A              one line per row of A (for `matrix` plots)
**   "grid", X, Y, Z          for each row i a block of lines
**                            X[i,j] Y[i,j] Z[i,j], blocks separated by a
**                            blank line (splot's grid format)
** Numbers are written so that they read back exactly. */
static int gp_data (lua_State *L) {
  gnuplot *gp = check_live(L, 1);
  datablock d;
  writer w;
  check_datablock(L, 2, &d);
  w.L = L;
  w.gp = gp;
  w.file = NULL;
  w.err = 0;
  w.buf = (char *)ty_newbuf(L, CHUNK + 64);
  w.len = 0;
  write_datablock(&w, &d);
  return 0;
}

/* native.datafile(path, name, mode, ...): write the same datablock to a
** file, for gnuplot to `load`: gnuplot reads its standard input a byte at a
** time, a file in large blocks, which is some fifty times faster for big
** data.  Returns true, or nil and a message. */
static int plot_datafile (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  datablock d;
  writer w;
  check_datablock(L, 2, &d);
  w.L = L;
  w.gp = NULL;
  w.err = 0;
  w.buf = (char *)ty_newbuf(L, CHUNK + 64);
  w.len = 0;
  w.file = fopen(path, "w");
  if (w.file == NULL) return luaL_fileresult(L, 0, path);
  write_datablock(&w, &d);
  if (fclose(w.file) != 0 && w.err == 0) w.err = errno ? errno : EIO;
  if (w.err != 0) {
    errno = w.err;
    return luaL_fileresult(L, 0, path);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ====================================================================== */
/* synchronizing                                                          */
/* ====================================================================== */

/* gp:sync([seconds=30]): ask gnuplot to print a marker on its standard
** output and wait for it, so everything sent before has been done (a
** file being written is complete).  Returns the text gnuplot wrote to its
** standard output before the marker (dumb plots) and everything it wrote
** to standard error (errors, warnings).  Returns nil and a message when
** gnuplot has ended or does not answer in time. */
static int gp_sync (lua_State *L) {
  gnuplot *gp = check_live(L, 1);
  lua_Number secs = luaL_optnumber(L, 2, 30);
  char cmd[96], marker[64];
  long at;
  int n;
  gp->nsync++;
  snprintf(marker, sizeof marker, "TY_SYNC_%lld\n", (long long)gp->nsync);
  n = snprintf(cmd, sizeof cmd, "\nset print '-'\nprint 'TY_SYNC_%lld'\n",
               (long long)gp->nsync);
  {
    int rc = ty_proc_write(&gp->proc, cmd, (size_t)n, WRITE_TIMEOUT_MS);
    if (rc == TY_EINTR) return ty_raise_interrupt(L);
    at = rc;
  }
  if (at == 0)
    at = ty_proc_wait_for(&gp->proc, marker,
                          secs > 0 ? (int)(secs * 1000) : -1);
  if (at == TY_EINTR) return ty_raise_interrupt(L);
  if (at < 0) {
    ty_proc_poll(&gp->proc, 0);
    lua_pushnil(L);
    if (at == TY_PROC_TIMEOUT)
      lua_pushliteral(L, "no answer in time");
    else if (at == TY_PROC_NOMEM) lua_pushliteral(L, "not enough memory");
    else lua_pushliteral(L, "the process has ended");
    if (gp->proc.errbuf.len > 0) {
      lua_pushliteral(L, ": ");
      lua_pushlstring(L, gp->proc.errbuf.data, gp->proc.errbuf.len);
      lua_concat(L, 3);
      ty_procbuf_consume(&gp->proc.errbuf, gp->proc.errbuf.len);
    }
    return 2;
  }
  lua_pushlstring(L, gp->proc.outbuf.data, (size_t)at);
  ty_procbuf_consume(&gp->proc.outbuf, (size_t)at + strlen(marker));
  if (gp->proc.errbuf.len > 0)
    lua_pushlstring(L, gp->proc.errbuf.data, gp->proc.errbuf.len);
  else lua_pushliteral(L, "");
  ty_procbuf_consume(&gp->proc.errbuf, gp->proc.errbuf.len);
  return 2;
}

/* gp:close(): end the process and reap it.  Returns nothing. */
static int gp_close (lua_State *L) {
  gnuplot *gp = check_gp(L, 1);
  ty_proc_close(&gp->proc, CLOSE_GRACE_MS);
  return 0;
}

/* gp:pid(): the process id, or nil once ended */
static int gp_pid (lua_State *L) {
  gnuplot *gp = check_gp(L, 1);
  if (gp->proc.pid > 0) lua_pushinteger(L, (lua_Integer)gp->proc.pid);
  else lua_pushnil(L);
  return 1;
}

/* gp:alive(): true while the process runs and takes input */
static int gp_alive (lua_State *L) {
  gnuplot *gp = check_gp(L, 1);
  lua_pushboolean(L, gp->proc.in >= 0 && ty_proc_alive(&gp->proc));
  return 1;
}

static int gp_tostring (lua_State *L) {
  gnuplot *gp = check_gp(L, 1);
  if (gp->proc.pid > 0)
    lua_pushfstring(L, "gnuplot process %d", (int)gp->proc.pid);
  else lua_pushliteral(L, "gnuplot process (ended)");
  return 1;
}

/* ====================================================================== */
/* terminal queries and small data helpers                                */
/* ====================================================================== */

/* native.isatty(fd): is descriptor fd (0, 1 or 2) a terminal? */
static int plot_isatty (lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  luaL_argcheck(L, fd >= 0 && fd <= 2, 1, "0, 1 or 2 expected");
  lua_pushboolean(L, isatty((int)fd));
  return 1;
}

/* native.termsize(): columns and lines of the terminal on standard
** output, or nothing when it is not a terminal. */
static int plot_termsize (lua_State *L) {
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
    return 0;
  lua_pushinteger(L, ws.ws_col);
  lua_pushinteger(L, ws.ws_row);
  return 2;
}

/* native.count(): gnuplot processes started and not yet reaped */
static int plot_count (lua_State *L) {
  lua_pushinteger(L, ty_proc_count());
  return 1;
}

/* native.finite_range(x): the smallest and largest finite element of a
** real matrix, or nothing when it has none. */
static int plot_finite_range (lua_State *L) {
  ty_mat *A = check_data(L, 1, 0);
  size_t i, n = TY_NUMEL(A);
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (i = 0; i < n; i++) {
    double x = A->data[i];
    if (isfinite(x)) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (lo > hi) return 0;
  lua_pushnumber(L, lo);
  lua_pushnumber(L, hi);
  return 2;
}

/* native.histcounts(x, nbins, lo, hi): counts of the elements of x in
** nbins equal bins over [lo, hi] (the last bin includes hi; NaN and values
** outside are not counted), as an nbins x 1 matrix. */
static int plot_histcounts (lua_State *L) {
  ty_mat *x = check_data(L, 1, 0), *c;
  lua_Integer nbins = luaL_checkinteger(L, 2);
  double lo = luaL_checknumber(L, 3), hi = luaL_checknumber(L, 4), width;
  size_t i, n = TY_NUMEL(x);
  luaL_argcheck(L, nbins >= 1 && nbins <= 100000000, 2,
                "number of bins between 1 and 1e8 expected");
  luaL_argcheck(L, isfinite(lo) && isfinite(hi) && lo < hi, 3,
                "finite range with lo < hi expected");
  c = ty_newzeros(L, (size_t)nbins, 1, 0);
  width = (hi - lo) / (double)nbins;
  for (i = 0; i < n; i++) {
    double v = x->data[i];
    lua_Integer b;
    if (!(v >= lo && v <= hi)) continue;
    b = (lua_Integer)((v - lo) / width);
    if (b >= nbins) b = nbins - 1;
    c->data[b] += 1.0;
  }
  return 1;
}

/* native.m4(x, y, ncols): a shorter line that draws the same pixels, for
** raster images of long lines (M4 aggregation: Jugel et al., VLDB 2014).
** x is split into ncols equal columns over [x[1], x[n]]; of the points in
** each column the first, the last, and those with the smallest and largest
** y are kept, in their order.  Returns the kept x and y as vectors, or
** nothing when it would not help or not apply (n <= 4 ncols, x not sorted,
** a NaN or infinity anywhere). */
static int plot_m4 (lua_State *L) {
  ty_mat *x = check_data(L, 1, 0);
  ty_mat *y = check_data(L, 2, TY_NUMEL(x));
  lua_Integer ncols = luaL_checkinteger(L, 3);
  size_t n = TY_NUMEL(x), i, start, nkeep = 0, *keep;
  double x0, span;
  ty_mat *xr, *yr;
  luaL_argcheck(L, ncols >= 1 && ncols <= 1000000, 3,
                "number of columns between 1 and 1e6 expected");
  if (n <= 4 * (size_t)ncols) return 0;
  for (i = 0; i < n; i++) {
    if (!isfinite(x->data[i]) || !isfinite(y->data[i])) return 0;
    if (i > 0 && x->data[i] < x->data[i - 1]) return 0;
    if ((i & 0xffff) == 0) TY_POLL(L);
  }
  x0 = x->data[0];
  span = x->data[n - 1] - x0;
  if (!(span > 0)) return 0;
  keep = (size_t *)ty_newbuf(L, ty_mulsize(L, 4 * (size_t)ncols + 4,
                                           sizeof(size_t)));
  for (start = 0; start < n; ) {
    lua_Integer col = (lua_Integer)((x->data[start] - x0) / span * ncols);
    size_t end = start, lo = start, hi = start, cand[4];
    int k, m;
    TY_POLL(L);
    if (col >= ncols) col = ncols - 1;
    /* the run of points in this column (x is sorted) */
    while (end + 1 < n) {
      lua_Integer c = (lua_Integer)((x->data[end + 1] - x0) / span * ncols);
      if (c >= ncols) c = ncols - 1;
      if (c != col) break;
      end++;
      if (y->data[end] < y->data[lo]) lo = end;
      if (y->data[end] > y->data[hi]) hi = end;
    }
    /* first, min, max, last in index order, without repeats */
    cand[0] = start; cand[1] = lo < hi ? lo : hi;
    cand[2] = lo < hi ? hi : lo; cand[3] = end;
    for (k = 0; k < 4; k++) {
      for (m = 0; m < k; m++) if (cand[m] == cand[k]) break;
      if (m == k && (nkeep == 0 || keep[nkeep - 1] < cand[k]))
        keep[nkeep++] = cand[k];
    }
    start = end + 1;
  }
  xr = ty_newmat(L, nkeep, 1, 0);
  yr = ty_newmat(L, nkeep, 1, 0);
  for (i = 0; i < nkeep; i++) {
    xr->data[i] = x->data[keep[i]];
    yr->data[i] = y->data[keep[i]];
  }
  return 2;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg plot_funcs[] = {
  {"spawn", plot_spawn},
  {"isatty", plot_isatty},
  {"termsize", plot_termsize},
  {"count", plot_count},
  {"finite_range", plot_finite_range},
  {"histcounts", plot_histcounts},
  {"datafile", plot_datafile},
  {"m4", plot_m4},
  {NULL, NULL}
};

static const luaL_Reg gp_methods[] = {
  {"send", gp_send},
  {"data", gp_data},
  {"sync", gp_sync},
  {"close", gp_close},
  {"pid", gp_pid},
  {"alive", gp_alive},
  {NULL, NULL}
};

static const luaL_Reg gp_meta[] = {
  {"__gc", gp_close},
  {"__close", gp_close},
  {"__tostring", gp_tostring},
  {NULL, NULL}
};

/* The native table; the metatable "tycho.gnuplot" with __index the
** methods (also under __methods for completion). */
int luaopen_tycho_plot (lua_State *L) {
  luaL_newlib(L, plot_funcs);
  luaL_newmetatable(L, GNUPLOT_T);
  luaL_setfuncs(L, gp_meta, 0);
  luaL_newlib(L, gp_methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__methods");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  return 1;
}

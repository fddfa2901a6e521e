/*
** ty_sinkhorn.c: cost matrices, Sinkhorn (scaling and log-sum-exp forms)
** and Sinkhorn-Newton-Sparse.  The header says what each routine takes;
** shared/methods/optimal_transport.md is the specification.
**
** Inside, potentials are kept divided by eps (F = f / eps, G = g / eps),
** so a plan entry is exp(F_i + G_j - C_ij / eps) and no loop multiplies
** by eps.  The exponentials of the n m loops go through vexp below, a
** vectorised exp compiled for AVX-512, AVX2 and plain x86-64 and chosen
** at load time (GCC's target_clones), with results below e^-708 flushed
** to 0: every such term is negligible beside the largest of its sum.
*/
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

#include "ty_sinkhorn.h"
#include "ty_simd.h"
#include "ty_interrupt.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"   /* vectors stay inside this file */
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__linux__)
#define TY_SIMD \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                               "default")))
#else
#define TY_SIMD
#endif

#define MAXTHREADS 8
#define PAR_MIN_EXP ((size_t)1 << 16)   /* exps worth a thread */
#define PAR_MIN_MEM ((size_t)1 << 18)   /* streamed doubles worth a thread */
#define STALL_SINKHORN 100    /* checks without a new best error */
#define STALL_NEWTON 5        /* Newton steps without a new best error */
#define SCALE_LIMIT 300.0     /* |log u|, |log v| beyond: leave scaling */

/* ====================================================================== */
/* vectors of 8 doubles and their exponential                             */
/* ====================================================================== */

typedef double v8d __attribute__((vector_size(64)));
typedef long long v8i __attribute__((vector_size(64)));

#define VSPLAT(x) ((v8d){0, 0, 0, 0, 0, 0, 0, 0} + (x))

static inline __attribute__((always_inline)) v8d vload (const double *p) {
  v8d v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* the first k < 8 elements of p, the rest `pad` */
static inline __attribute__((always_inline))
v8d vload_part (const double *p, size_t k, double pad) {
  v8d v = VSPLAT(pad);
  memcpy(&v, p, k * sizeof(double));
  return v;
}

static inline __attribute__((always_inline)) void vstore (double *p, v8d v) {
  memcpy(p, &v, sizeof v);
}

static inline __attribute__((always_inline))
v8d vselect (v8i mask, v8d yes, v8d no) {
  return (v8d)((mask & (v8i)yes) | (~mask & (v8i)no));
}

/* |a|: the sign bit cleared (one comparison per mask keeps GCC from
** splitting the vector into lanes) */
static inline __attribute__((always_inline)) v8d vabs (v8d a) {
  const v8i mask = (v8i){0, 0, 0, 0, 0, 0, 0, 0} + 0x7fffffffffffffffLL;
  return (v8d)((v8i)a & mask);
}

static inline __attribute__((always_inline)) v8d vmax (v8d a, v8d b) {
  return vselect(a > b, a, b);
}

static inline __attribute__((always_inline)) double hsum (v8d v) {
  return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

static inline __attribute__((always_inline)) double hmax (v8d v) {
  double m = v[0];
  int k;
  for (k = 1; k < 8; k++) if (v[k] > m) m = v[k];
  return m;
}

/* exp of each element: x = k ln2 + r with |r| <= ln2/2, e^r by its Taylor
** polynomial of degree 13 (truncation below 1e-17), times 2^k built in
** the exponent bits.  Relative error about 2 ulp; 0 below -708 (and for
** -inf); arguments are clamped at 709. */
static inline __attribute__((always_inline)) v8d vexp (v8d x) {
  const v8d lo = VSPLAT(-708.0), hi = VSPLAT(709.0);
  v8i under = x < lo;
  x = vselect(under, lo, x);
  x = vselect(x > hi, hi, x);
  return (v8d)(~under & (v8i)ty_v8_exp(x));
}

/* ====================================================================== */
/* threads                                                                */
/* ====================================================================== */

typedef void (*par_fn) (void *arg, size_t lo, size_t hi, int tid);

typedef struct par_job {
  par_fn fn;
  void *arg;
  size_t lo, hi;
  int tid;
} par_job;

static void *par_main (void *p) {
  par_job *j = (par_job *)p;
  j->fn(j->arg, j->lo, j->hi, j->tid);
  return NULL;
}

/* Run fn over [0, n) cut into nt contiguous pieces, piece t with tid t;
** piece 0 runs in this thread.  Workers start with SIGINT blocked (Ctrl-C
** belongs to the main thread); a worker that cannot start runs here. */
static void par_for (int nt, size_t n, par_fn fn, void *arg) {
  par_job job[MAXTHREADS];
  pthread_t tid[MAXTHREADS];
  int started[MAXTHREADS], t;
  sigset_t sigs, old;
  if (nt > MAXTHREADS) nt = MAXTHREADS;
  if (nt > 1 && (size_t)nt > n) nt = n > 0 ? (int)n : 1;
  for (t = 0; t < nt; t++) {
    job[t].fn = fn;
    job[t].arg = arg;
    job[t].lo = n * (size_t)t / (size_t)nt;
    job[t].hi = n * (size_t)(t + 1) / (size_t)nt;
    job[t].tid = t;
    started[t] = 0;
  }
  if (nt > 1) {
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    for (t = 1; t < nt; t++)
      started[t] = pthread_create(&tid[t], NULL, par_main, &job[t]) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  par_main(&job[0]);
  for (t = 1; t < nt; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else par_main(&job[t]);
  }
}

/* how many threads for `work` units, given the per-thread minimum */
static int pick_threads (const ty_ot_opts *o, size_t work, size_t min) {
  int nt = o->nthreads < 1 ? 1 : o->nthreads;
  if (nt > MAXTHREADS) nt = MAXTHREADS;
  if (work < 2 * min) return 1;
  if ((size_t)nt > work / min) nt = (int)(work / min);
  return nt < 1 ? 1 : nt;
}

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ====================================================================== */
/* cost matrices                                                          */
/* ====================================================================== */

size_t ty_ot_cost_worksize (size_t n, size_t m, size_t d) {
  return (n + m) * d + n + m + d + 1;
}

/* C(:, j) += |x - y| elementwise over a column of n */
TY_SIMD static void absdiff_add (double *c, const double *x, double y,
                                 size_t n) {
  size_t i;
  for (i = 0; i < n; i++) c[i] += fabs(x[i] - y);
}

int ty_ot_cost (double *C, const double *X, size_t n, const double *Y,
                size_t m, size_t d, int metric, double *work) {
  int same = (Y == NULL);
  size_t i, j, k;
  double *Xc, *Yc, *xn, *yn, *mu;
  if (same) { Y = X; m = n; }
  if (n == 0 || m == 0) return 0;
  if (n > INT_MAX || m > INT_MAX || d > INT_MAX) return TY_OT_EBIG;
  if (d == 0) {
    memset(C, 0, n * m * sizeof(double));
    return 0;
  }
  if (metric == TY_OT_CITYBLOCK) {
    memset(C, 0, n * m * sizeof(double));
    for (j = 0; j < m; j++) {
      if (ty_interrupted()) return TY_EINTR;
      for (k = 0; k < d; k++)
        absdiff_add(C + j * n, X + k * n, Y[k * m + j], n);
    }
    if (same) for (i = 0; i < n; i++) C[i * n + i] = 0.0;
    return 0;
  }
  /* centre both clouds on their common mean: less cancellation */
  Xc = work;
  Yc = Xc + n * d;
  xn = Yc + m * d;
  yn = xn + n;
  mu = yn + m;
  for (k = 0; k < d; k++) {
    double s = 0.0;
    for (i = 0; i < n; i++) s += X[k * n + i];
    if (!same) for (j = 0; j < m; j++) s += Y[k * m + j];
    mu[k] = s / (double)(same ? n : n + m);
  }
  for (k = 0; k < d; k++) {
    for (i = 0; i < n; i++) Xc[k * n + i] = X[k * n + i] - mu[k];
    for (j = 0; j < m; j++) Yc[k * m + j] = Y[k * m + j] - mu[k];
  }
  for (i = 0; i < n; i++) xn[i] = 0.0;
  for (j = 0; j < m; j++) yn[j] = 0.0;
  for (k = 0; k < d; k++) {
    for (i = 0; i < n; i++) xn[i] += Xc[k * n + i] * Xc[k * n + i];
    for (j = 0; j < m; j++) yn[j] += Yc[k * m + j] * Yc[k * m + j];
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)m,
              (int)d, -2.0, Xc, (int)n, Yc, (int)m, 0.0, C, (int)n);
  for (j = 0; j < m; j++) {
    double *c = C + j * n;
    for (i = 0; i < n; i++) {
      double v = c[i] + xn[i] + yn[j];
      v = v > 0.0 ? v : 0.0;
      c[i] = metric == TY_OT_EUCLIDEAN ? sqrt(v) : v;
    }
  }
  if (same) for (i = 0; i < n; i++) C[i * n + i] = 0.0;
  return 0;
}

/* ====================================================================== */
/* the working problem and its buffers                                    */
/* ====================================================================== */

/* A problem with positive weights (zero atoms removed, b rescaled). */
typedef struct otp {
  size_t n, m;
  const double *a, *b;      /* weights */
  const double *la, *lb;    /* their logarithms */
  const double *C;          /* n x m */
  double eps, ieps, mass;
  double *P, *work;         /* the plan's buffer, and work for finish */
  ty_ot_info *done;         /* set by a successful confirm: P is final */
} otp;

/* the solver's context: options, allocator, thread budget */
typedef struct ctx {
  const ty_ot_opts *o;
  size_t iters;             /* iterations reported so far */
} ctx;

static void *get (const ty_ot_opts *o, size_t count, size_t size) {
  if (size != 0 && count > (SIZE_MAX / 2) / size) return NULL;
  return o->alloc(o->ud, count * size + 64);
}

#define GET(p, o, count, type) \
  do { if (((p) = (type *)get((o), (count), sizeof(type))) == NULL) \
         return TY_OT_ENOMEM; } while (0)

/* Report one finished iteration; nonzero means stop (TY_EINTR). */
static int report (ctx *cx, int newton, double err, double dual) {
  ty_ot_progress p;
  cx->iters++;
  if (ty_interrupted()) return TY_EINTR;
  if (cx->o->progress == NULL) return 0;
  p.iter = cx->iters;
  p.newton = newton;
  p.err = err;
  p.dual = dual;
  return cx->o->progress(cx->o->ud, &p) != 0 ? TY_EINTR : 0;
}

/* The transpose T (m x n) of the n x m matrix A, in cache-sized tiles;
** columns lo..hi of A. */
typedef struct tr_job {
  double *T;
  const double *A;
  size_t n, m;
} tr_job;

static void transpose_work (void *arg, size_t lo, size_t hi, int tid) {
  const tr_job *t = (const tr_job *)arg;
  size_t i0, j0, i, j, n = t->n, m = t->m;
  const size_t B = 32;
  (void)tid;
  for (j0 = lo; j0 < hi; j0 += B)
    for (i0 = 0; i0 < n; i0 += B) {
      size_t i1 = i0 + B < n ? i0 + B : n, j1 = j0 + B < hi ? j0 + B : hi;
      for (j = j0; j < j1; j++)
        for (i = i0; i < i1; i++) t->T[i * m + j] = t->A[j * n + i];
    }
}

static void transpose (const ty_ot_opts *o, double *T, const double *A,
                       size_t n, size_t m) {
  tr_job t;
  t.T = T;
  t.A = A;
  t.n = n;
  t.m = m;
  par_for(pick_threads(o, n * m, PAR_MIN_MEM), m, transpose_work, &t);
}

/* ====================================================================== */
/* the plan from potentials, and its summary                              */
/* ====================================================================== */

typedef struct plan_job {
  const otp *pb;
  const double *F, *G;
  double *P;                /* n x m, written */
  double *rs;               /* nt x n row-sum accumulators */
  double *cs;               /* m column sums */
  double part[MAXTHREADS][2];   /* <C,P> and sum P per thread */
} plan_job;

/* P(:, j) = exp(F + G_j - C(:, j) / eps), its sum, and sum C P */
TY_SIMD static void plan_column (double *p, const double *c, const double *F,
                                 double Gj, double ieps, size_t n,
                                 double *rs, double *colsum, double *cost) {
  v8d s = VSPLAT(0.0), sc = VSPLAT(0.0);
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    v8d cv = vload(c + i);
    v8d e = vexp(vload(F + i) + Gj - cv * ieps);
    vstore(p + i, e);
    vstore(rs + i, vload(rs + i) + e);
    s += e;
    sc += e * cv;
  }
  if (i < n) {
    size_t k = n - i;
    v8d cv = vload_part(c + i, k, 0.0);
    v8d e = vexp(vload_part(F + i, k, -INFINITY) + Gj - cv * ieps);
    v8d r = vload_part(rs + i, k, 0.0) + e;
    memcpy(p + i, &e, k * sizeof(double));
    memcpy(rs + i, &r, k * sizeof(double));
    s += e;
    sc += e * cv;
  }
  *colsum = hsum(s);
  *cost = hsum(sc);
}

static void plan_work (void *arg, size_t lo, size_t hi, int tid) {
  plan_job *w = (plan_job *)arg;
  const otp *pb = w->pb;
  size_t n = pb->n, j;
  double *rs = w->rs + (size_t)tid * n, cost = 0.0, mass = 0.0;
  memset(rs, 0, n * sizeof(double));
  for (j = lo; j < hi; j++) {
    double cj;
    plan_column(w->P + j * n, pb->C + j * n, w->F, w->G[j], pb->ieps, n,
                rs, &w->cs[j], &cj);
    cost += cj;
    mass += w->cs[j];
  }
  w->part[tid][0] = cost;
  w->part[tid][1] = mass;
}

/* Write P from (F, G) and fill err, cost, objective and dual of *info.
** work: MAXTHREADS * n + m doubles. */
static void finish (const otp *pb, const ty_ot_opts *o, const double *F,
                    const double *G, double *P, double *work,
                    ty_ot_info *info) {
  plan_job w;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = pick_threads(o, n * m, PAR_MIN_EXP), t;
  double err = 0.0, cost = 0.0, sum = 0.0, obj = 0.0, dual = 0.0;
  w.pb = pb;
  w.F = F;
  w.G = G;
  w.P = P;
  w.rs = work;
  w.cs = work + MAXTHREADS * n;
  par_for(nt, m, plan_work, &w);
  for (t = 0; t < nt; t++) {
    cost += w.part[t][0];
    sum += w.part[t][1];
  }
  for (i = 0; i < n; i++) {
    double r = 0.0;
    for (t = 0; t < nt; t++) r += w.rs[(size_t)t * n + i];
    err += fabs(r - pb->a[i]);
    obj += r * F[i];
    dual += pb->a[i] * F[i];
  }
  for (j = 0; j < m; j++) {
    err += fabs(w.cs[j] - pb->b[j]);
    obj += w.cs[j] * G[j];
    dual += pb->b[j] * G[j];
  }
  info->err = err;
  info->cost = cost;
  info->objective = pb->eps * obj;
  info->dual = pb->eps * (dual - sum + pb->mass);
}

/* 1 when the plan of (F, G), evaluated as the returned plan will be, has
** marginal error <= tol: a cheap test passed, this one decides (it writes
** the plan buffer). */
static int confirm (const otp *pb, const ty_ot_opts *o, const double *F,
                    const double *G, double tol) {
  finish(pb, o, F, G, pb->P, pb->work, pb->done);
  pb->done->iters = pb->done->err <= tol;   /* 1: P is the final plan */
  return pb->done->err <= tol;
}

/* ====================================================================== */
/* log-sum-exp sweeps                                                     */
/* ====================================================================== */

/* the largest element, by halving shuffles */
static inline __attribute__((always_inline)) double vhmax (v8d v) {
  v = vmax(v, __builtin_shuffle(v, (v8i){4, 5, 6, 7, 0, 1, 2, 3}));
  v = vmax(v, __builtin_shuffle(v, (v8i){2, 3, 0, 1, 6, 7, 4, 5}));
  v = vmax(v, __builtin_shuffle(v, (v8i){1, 0, 3, 2, 5, 4, 7, 6}));
  return v[0];
}

#define LSE_CUT (-50.0)   /* terms below e^-50 of the largest: negligible */

/* LSE_k (x_k - s c_k) over k < len: the exact maximum first, then the sum
** of exponentials shifted by it.  Blocks of 8 terms all below e^-50
** times the largest are skipped (together they are below len e^-50 <
** 2e-22 len of the sum): at small eps that is most of them. */
TY_SIMD static double lse (const double *c, const double *x, double s,
                           size_t len) {
  v8d mx = VSPLAT(-INFINITY), mn = VSPLAT(INFINITY), acc = VSPLAT(0.0);
  double M;
  size_t k, rest = len % 8, full = len - rest;
  for (k = 0; k < full; k += 8) {
    v8d v = vload(x + k) - s * vload(c + k);
    mx = vmax(mx, v);
    mn = vselect(v < mn, v, mn);
  }
  if (rest)
    mx = vmax(mx, vload_part(x + k, rest, -INFINITY) -
                  s * vload_part(c + k, rest, 0.0));
  M = hmax(mx);
  if (!(M > -INFINITY)) return M;
  if (full > 0 && -vhmax(-mn) < M + LSE_CUT) {     /* some can be skipped */
    for (k = 0; k < full; k += 8) {
      v8d v = vload(x + k) - s * vload(c + k) - M;
      if (vhmax(v) > LSE_CUT) acc += vexp(v);
    }
  }
  else
    for (k = 0; k < full; k += 8)
      acc += vexp(vload(x + k) - s * vload(c + k) - M);
  if (rest)
    acc += vexp(vload_part(x + k, rest, -INFINITY) -
                s * vload_part(c + k, rest, 0.0) - M);
  return M + log(hsum(acc));
}

/* One half-sweep: out_j = lw_j - LSE_k (x_k - c_kj / eps) for the columns
** of the len x cols matrix c.  When old != NULL also the marginal error
** of the current state: the sums of the current plan along those columns
** are w_j exp(old_j - out_j). */
typedef struct half_job {
  const double *c;
  size_t len;
  const double *x, *w, *lw, *old;
  double ieps;
  double *out;
  double part[MAXTHREADS][2];   /* sum |.|, sum (.)^2 per thread */
} half_job;

static void half_work (void *arg, size_t lo, size_t hi, int tid) {
  half_job *h = (half_job *)arg;
  double e1 = 0.0, e2 = 0.0;
  size_t j;
  for (j = lo; j < hi; j++) {
    h->out[j] = h->lw[j] - lse(h->c + j * h->len, h->x, h->ieps, h->len);
    if (h->old != NULL) {
      double d = h->w[j] * expm1(h->old[j] - h->out[j]);
      e1 += fabs(d);
      e2 += d * d;
    }
  }
  h->part[tid][0] = e1;
  h->part[tid][1] = e2;
}

/* out = the half-sweep update over cols columns; err[0], err[1] the L1
** and squared L2 violations of the current state (when old != NULL). */
static void half_sweep (const ty_ot_opts *o, const double *c, size_t len,
                        size_t cols, const double *x, const double *w,
                        const double *lw, const double *old, double ieps,
                        double *out, double err[2]) {
  half_job h;
  int nt = pick_threads(o, len * cols, PAR_MIN_EXP), t;
  h.c = c;
  h.len = len;
  h.x = x;
  h.w = w;
  h.lw = lw;
  h.old = old;
  h.ieps = ieps;
  h.out = out;
  par_for(nt, cols, half_work, &h);
  err[0] = err[1] = 0.0;
  for (t = 0; t < nt; t++) {
    err[0] += h.part[t][0];
    err[1] += h.part[t][1];
  }
}

/* the dual after a row update (the plan then has the right mass) */
static double dual_after_row (const otp *pb, const double *F,
                              const double *G) {
  double d = 0.0;
  size_t i;
  for (i = 0; i < pb->n; i++) d += pb->a[i] * F[i];
  for (i = 0; i < pb->m; i++) d += pb->b[i] * G[i];
  return pb->eps * d;
}

/* ====================================================================== */
/* the scaling form: one fused pass over K per sweep                      */
/* ====================================================================== */

TY_SIMD static double vdot (const double *x, const double *y, size_t n) {
  v8d s = VSPLAT(0.0), s2 = VSPLAT(0.0);
  size_t i;
  for (i = 0; i + 16 <= n; i += 16) {
    s += vload(x + i) * vload(y + i);
    s2 += vload(x + i + 8) * vload(y + i + 8);
  }
  for (; i + 8 <= n; i += 8) s += vload(x + i) * vload(y + i);
  if (i < n)
    s += vload_part(x + i, n - i, 0.0) * vload_part(y + i, n - i, 0.0);
  return hsum(s + s2);
}

TY_SIMD static void vaxpy (double *y, double a, const double *x, size_t n) {
  size_t i;
  for (i = 0; i + 8 <= n; i += 8)
    vstore(y + i, vload(y + i) + a * vload(x + i));
  for (; i < n; i++) y[i] += a * x[i];
}

/* d[k] = x_k . y for the four columns x_k = x + k ld: four streams from
** memory at once keep more loads in flight than one */
TY_SIMD static void vdot4 (const double *x, size_t ld, const double *y,
                           size_t n, double d[4]) {
  v8d s0 = VSPLAT(0.0), s1 = s0, s2 = s0, s3 = s0;
  const double *x1 = x + ld, *x2 = x1 + ld, *x3 = x2 + ld;
  size_t i, k;
  for (i = 0; i + 8 <= n; i += 8) {
    v8d yv = vload(y + i);
    s0 += vload(x + i) * yv;
    s1 += vload(x1 + i) * yv;
    s2 += vload(x2 + i) * yv;
    s3 += vload(x3 + i) * yv;
  }
  d[0] = hsum(s0);
  d[1] = hsum(s1);
  d[2] = hsum(s2);
  d[3] = hsum(s3);
  for (k = 0; k < 4; k++) {
    const double *xk = x + k * ld;
    size_t r;
    for (r = i; r < n; r++) d[k] += xk[r] * y[r];
  }
}

/* y += sum_k a[k] x_k over the four columns x_k = x + k ld */
TY_SIMD static void vaxpy4 (double *y, const double a[4], const double *x,
                            size_t ld, size_t n) {
  const double *x1 = x + ld, *x2 = x1 + ld, *x3 = x2 + ld;
  size_t i;
  for (i = 0; i + 8 <= n; i += 8)
    vstore(y + i, vload(y + i) + a[0] * vload(x + i) + a[1] * vload(x1 + i) +
                  a[2] * vload(x2 + i) + a[3] * vload(x3 + i));
  for (; i < n; i++)
    y[i] += a[0] * x[i] + a[1] * x1[i] + a[2] * x2[i] + a[3] * x3[i];
}

/* K(:, j) = exp(-(C(:, j) - cmin) / eps) */
TY_SIMD static void kernel_column (double *k, const double *c, double cmin,
                                   double ieps, size_t n) {
  size_t i;
  for (i = 0; i + 8 <= n; i += 8)
    vstore(k + i, vexp((VSPLAT(cmin) - vload(c + i)) * ieps));
  if (i < n) {
    v8d e = vexp((VSPLAT(cmin) - vload_part(c + i, n - i, cmin)) * ieps);
    memcpy(k + i, &e, (n - i) * sizeof(double));
  }
}

typedef struct kern_job {
  const otp *pb;
  double *K, cmin;
} kern_job;

static void kern_work (void *arg, size_t lo, size_t hi, int tid) {
  kern_job *k = (kern_job *)arg;
  size_t n = k->pb->n, j;
  (void)tid;
  for (j = lo; j < hi; j++)
    kernel_column(k->K + j * n, k->pb->C + j * n, k->cmin, k->pb->ieps, n);
}

/* One sweep's pass over the columns of K (len x cols): s = K(:, j)^T u
** gives the current column sum v_j s and the new v_j = w_j / s, and
** K(:, j) vnew_j is added to this thread's accumulator of K vnew.  A new
** v_j outside [e^-lim, e^lim] (or a zero s) sets bad. */
typedef struct scal_job {
  size_t len;
  const double *K, *u, *v, *w;
  double lim;
  double *vnew, *acc;       /* acc: nt x len */
  double part[MAXTHREADS][2];
  int bad[MAXTHREADS];
} scal_job;

static void scal_work (void *arg, size_t lo, size_t hi, int tid) {
  scal_job *s = (scal_job *)arg;
  size_t n = s->len, j, k;
  double *acc = s->acc + (size_t)tid * n, e1 = 0.0, e2 = 0.0;
  const double big = exp(s->lim), small = exp(-s->lim);
  int bad = 0;
  memset(acc, 0, n * sizeof(double));
  for (j = lo; j < hi; j += 4) {
    const double *K = s->K + j * n;
    size_t nc = hi - j < 4 ? hi - j : 4;
    double d[4], vn[4] = {0.0, 0.0, 0.0, 0.0};
    if (nc == 4) vdot4(K, n, s->u, n, d);
    else for (k = 0; k < nc; k++) d[k] = vdot(K + k * n, s->u, n);
    for (k = 0; k < nc; k++) {
      double r = s->v[j + k] * d[k] - s->w[j + k];
      e1 += fabs(r);
      e2 += r * r;
      vn[k] = s->w[j + k] / d[k];
      if (!(d[k] > 0.0) || !(vn[k] <= big && vn[k] >= small)) {
        bad = 1;
        vn[k] = 0.0;
      }
      s->vnew[j + k] = vn[k];
    }
    if (nc == 4) vaxpy4(acc, vn, K, n, n);
    else for (k = 0; k < nc; k++) vaxpy(acc, vn[k], K + k * n, n);
  }
  s->part[tid][0] = e1;
  s->part[tid][1] = e2;
  s->bad[tid] = bad;
}

/* ====================================================================== */
/* Sinkhorn                                                               */
/* ====================================================================== */

/* the state of a Sinkhorn run, shared by its two forms */
typedef struct sk_state {
  double best;              /* smallest error at a check so far */
  size_t since;             /* checks since best improved */
  int done;                 /* 1 when a stop reason is set */
} sk_state;

/* After sweep `it` with errors err[0] (L1) and err[1] (L2 squared) of
** the columns: report, and decide whether to stop. */
static int sk_check (ctx *cx, const otp *pb, size_t it, const double err[2],
                     const double *F, const double *G, sk_state *st,
                     ty_ot_info *info) {
  const ty_ot_opts *o = cx->o;
  int rc, check, pot = o->err_norm == TY_OT_ERR_POT;
  double e;
  rc = report(cx, 0, err[0], o->progress ? dual_after_row(pb, F, G) : 0.0);
  if (rc != 0) return rc;
  check = pot ? (it - 1) % 10 == 0 : 1;
  if (!check) return 0;
  e = pot ? sqrt(err[1]) : err[0];
  if (e <= o->tol && (pot || confirm(pb, o, F, G, o->tol))) {
    info->converged = 1;
    info->stop_reason = TY_OT_STOP_TOL;
    st->done = 1;
    return 0;
  }
  if (e < st->best) { st->best = e; st->since = 0; }
  else if (++st->since >= STALL_SINKHORN) {
    info->stop_reason = TY_OT_STOP_STALLED;
    st->done = 1;
  }
  return 0;
}

/* Log-domain sweeps on (F, G) from sweep info->iters on.  CT is the
** transpose of C; Gn scratch of m. */
static int sinkhorn_log (ctx *cx, const otp *pb, const double *CT,
                         double *F, double *G, double *Gn, sk_state *st,
                         ty_ot_info *info) {
  const ty_ot_opts *o = cx->o;
  size_t n = pb->n, m = pb->m;
  double err[2];
  int rc;
  info->method_used = TY_OT_LOG;
  for (;;) {
    size_t it = info->iters;
    half_sweep(o, pb->C, n, m, F, pb->b, pb->lb, it > 0 ? G : NULL,
               pb->ieps, Gn, err);
    if (it > 0) {
      rc = sk_check(cx, pb, it, err, F, G, st, info);
      if (rc != 0) return rc;
      if (st->done) return 0;
    }
    if (it >= o->maxiter) {
      info->stop_reason = TY_OT_STOP_MAXITER;
      return 0;
    }
    if (ty_interrupted()) return TY_EINTR;
    memcpy(G, Gn, m * sizeof(double));
    half_sweep(o, CT, m, n, G, pb->a, pb->la, NULL, pb->ieps, F, err);
    info->iters = it + 1;
  }
}

/* Scaling-form sweeps from (F, G) (converted to u, v).  Returns 0 with
** *fallback = 1 when the scalings left their safe range: (F, G) then
** hold the last good iterate. */
static int sinkhorn_scaling (ctx *cx, const otp *pb, double *F, double *G,
                             double cmin, sk_state *st, ty_ot_info *info,
                             int *fallback) {
  const ty_ot_opts *o = cx->o;
  size_t n = pb->n, m = pb->m, i, j;
  double *K, *u, *v, *acc, *unew, *vnew, err[2];
  const double big = exp(SCALE_LIMIT), small = exp(-SCALE_LIMIT);
  int nt = pick_threads(o, n * m, PAR_MIN_MEM), rc, t;
  kern_job kj;
  scal_job sj;
  *fallback = 0;
  GET(K, o, n * m, double);
  GET(u, o, n, double);
  GET(v, o, m, double);
  GET(unew, o, n, double);
  GET(vnew, o, m, double);
  GET(acc, o, (size_t)nt * n, double);
  kj.pb = pb;
  kj.K = K;
  kj.cmin = cmin;
  par_for(pick_threads(o, n * m, PAR_MIN_EXP), m, kern_work, &kj);
  for (i = 0; i < n; i++) {
    u[i] = exp(F[i] - cmin * pb->ieps);
    if (!(u[i] <= big && u[i] >= small)) { *fallback = 1; return 0; }
  }
  for (j = 0; j < m; j++) {
    v[j] = exp(G[j]);
    if (!(v[j] <= big && v[j] >= small)) { *fallback = 1; return 0; }
  }
  info->method_used = TY_OT_SCALING;
  sj.len = n;
  sj.K = K;
  sj.u = u;
  sj.v = v;
  sj.w = pb->b;
  sj.lim = SCALE_LIMIT;
  sj.vnew = vnew;
  sj.acc = acc;
  for (;;) {
    size_t it = info->iters;
    int bad = 0;
    par_for(nt, m, scal_work, &sj);
    err[0] = err[1] = 0.0;
    for (t = 0; t < nt; t++) {
      err[0] += sj.part[t][0];
      err[1] += sj.part[t][1];
      bad |= sj.bad[t];
    }
    for (i = 0; i < n && !bad; i++) {
      double s = 0.0;
      for (t = 0; t < nt; t++) s += acc[(size_t)t * n + i];
      unew[i] = pb->a[i] / s;
      if (!(s > 0.0) || !(unew[i] <= big && unew[i] >= small)) bad = 1;
    }
    /* (F, G) of the current state, for a check or a fallback */
    if (it > 0 || bad) {
      for (i = 0; i < n; i++) F[i] = log(u[i]) + cmin * pb->ieps;
      for (j = 0; j < m; j++) G[j] = log(v[j]);
    }
    if (it > 0) {
      rc = sk_check(cx, pb, it, err, F, G, st, info);
      if (rc != 0) return rc;
      if (st->done) return 0;
    }
    if (bad) { *fallback = 1; return 0; }
    if (it >= o->maxiter) {
      info->stop_reason = TY_OT_STOP_MAXITER;
      if (it == 0)
        for (i = 0; i < n; i++) F[i] = log(u[i]) + cmin * pb->ieps;
      return 0;
    }
    if (ty_interrupted()) return TY_EINTR;
    memcpy(v, vnew, m * sizeof(double));
    memcpy(u, unew, n * sizeof(double));
    info->iters = it + 1;
  }
}

/* Sinkhorn on a problem with positive weights; F, G hold the start. */
static int sinkhorn_solve (const otp *pb, const ty_ot_opts *o, double *F,
                           double *G, ty_ot_info *info) {
  ctx cx;
  sk_state st;
  size_t n = pb->n, m = pb->m, k, nm = n * m;
  double cmin = INFINITY, cmax = -INFINITY, *CT, *Gn;
  int method = o->method, rc;
  cx.o = o;
  cx.iters = 0;
  st.best = INFINITY;
  st.since = 0;
  st.done = 0;
  for (k = 0; k < nm; k++) {
    if (pb->C[k] < cmin) cmin = pb->C[k];
    if (pb->C[k] > cmax) cmax = pb->C[k];
  }
  if (method == TY_OT_AUTO)
    method = (cmax - cmin) * pb->ieps <= 100.0 ? TY_OT_SCALING : TY_OT_LOG;
  if (method == TY_OT_SCALING) {
    int fallback;
    rc = sinkhorn_scaling(&cx, pb, F, G, cmin, &st, info, &fallback);
    if (rc != 0 || !fallback) return rc;
    if (o->method == TY_OT_SCALING) {      /* forced: stop here */
      info->stop_reason = TY_OT_STOP_NUMERICAL;
      return 0;
    }
    info->switched_at = info->iters > 0 ? info->iters : 1;
  }
  GET(CT, o, nm, double);
  GET(Gn, o, m, double);
  transpose(o, CT, pb->C, n, m);
  return sinkhorn_log(&cx, pb, CT, F, G, Gn, &st, info);
}

/* ====================================================================== */
/* Sinkhorn-Newton-Sparse                                                 */
/* ====================================================================== */

/*
** The SNS stage works on n >= m (a wide problem is solved transposed).
** The plan is kept as P_ij = u_i K_ij v_j with the absorbed kernel
**   K_ij = exp(Fa_i + Ga_j - C_ij / eps)    (stored by rows: KT, m x n)
** and scalings u = exp(F - Fa), v = exp(G - Ga) within [e^-TAU, e^TAU].
** When a scaling would leave that range it is absorbed (Fa = F, Ga = G,
** u = v = 1, K recomputed: n m exps).  Entries of K below e^-708 are 0;
** with bounded scalings such an entry of P stays below e^(2 TAU - 708) <
** 1e-220, so sweeps (one fused pass over K, no exp) and the Newton
** stage's plans, sums and line searches are exact to rounding: the
** stabilised scaling of Schmitzer (2019), whose iterates are those of the
** log-domain sweeps.  A sweep that leaves the range right after an
** absorption is done in the log domain instead.
*/
#define TAU 100.0
#define TMAX 200.0     /* |t| bound for the exp-free line search */

typedef struct sns_ws {
  const otp *pb;
  const ty_ot_opts *o;
  const double *CT;         /* m x n: row i of C is column i */
  double *KT;               /* m x n: row i of the absorbed kernel */
  double *Fa, *Ga, *u, *v;  /* absorbed potentials, scalings */
  double *F, *G;            /* potentials, F = Fa + log u */
  double *rs, *cs, *csp;    /* row and column sums; csp: nt x m */
  double *grad, *x, *r, *z, *p, *q, *diag;   /* n + m each */
  double *dF, *dG, *Eg;     /* Newton direction; exp(alpha dG) */
  double alpha;
  int exact_ls;             /* line search from potentials (big steps) */
  double *acc, *unew, *vnew, *Gn;   /* sweep scratch (acc: nt x m) */
  size_t *rowptr;           /* the kept entries of P, rows in CSR */
  uint32_t *col;
  double *val;
  size_t cap;               /* room in col and val */
  size_t *colptr;           /* the same entries by columns (CSC) */
  uint32_t *row_of;
  double *cval;
  size_t ccap;              /* room in row_of and cval */
  double *dropc;            /* dropped mass of each column (m) */
  double *rest;             /* row sum without the row maximum (n) */
  uint32_t *jmax;           /* where the row maximum is (n) */
  double *S;                /* (m-1)^2 Schur complement, or NULL */
  double shift;             /* mu added to the diagonal */
  double part[MAXTHREADS][2];
  struct spm_part *spm;     /* per-thread shares of the mass rule */
  double delta;             /* its tolerance */
} sns_ws;

/* ---- the absorbed kernel and stabilised sweeps ------------------------- */

/* k_j = exp(Fi + G_j - c_j / eps) */
TY_SIMD static void kernel_row (double *k, const double *c, double Fi,
                                const double *G, double ieps, size_t m) {
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j < full; j += 8)
    vstore(k + j, vexp(Fi + vload(G + j) - vload(c + j) * ieps));
  if (rest) {
    v8d e = vexp(Fi + vload_part(G + j, rest, -INFINITY) -
                 vload_part(c + j, rest, 0.0) * ieps);
    memcpy(k + j, &e, rest * sizeof(double));
  }
}

static void absorb_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  size_t m = w->pb->m, i;
  (void)tid;
  for (i = lo; i < hi; i++)
    kernel_row(w->KT + i * m, w->CT + i * m, w->Fa[i], w->Ga, w->pb->ieps,
               m);
}

/* Absorb the scalings into the potentials and rebuild the kernel. */
static void absorb (sns_ws *w) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i;
  memcpy(w->Fa, w->F, n * sizeof(double));
  memcpy(w->Ga, w->G, m * sizeof(double));
  for (i = 0; i < n; i++) w->u[i] = 1.0;
  for (i = 0; i < m; i++) w->v[i] = 1.0;
  par_for(pick_threads(w->o, n * m, PAR_MIN_EXP), n, absorb_work, w);
}

/* the scalings from the potentials; 0 when one leaves [e^-TAU, e^TAU] */
static int rescale (sns_ws *w) {
  size_t n = w->pb->n, m = w->pb->m, i;
  int ok = 1;
  for (i = 0; i < n; i++) {
    double d = w->F[i] - w->Fa[i];
    ok &= fabs(d) <= TAU;
    w->u[i] = exp(d);
  }
  for (i = 0; i < m; i++) {
    double d = w->G[i] - w->Ga[i];
    ok &= fabs(d) <= TAU;
    w->v[i] = exp(d);
  }
  return ok;
}

/* One stabilised sweep (rows, then columns): the fused pass over the rows
** of K gives u_new = a / (K v) and accumulates K^T u_new, then v_new =
** b / (K^T u_new).  err gets the row error of the state before the sweep.
** Returns 0, or 1 (nothing changed) when a new scaling leaves the range. */
static int stab_sweep (sns_ws *w, double *err) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = pick_threads(w->o, n * m, PAR_MIN_MEM), t, bad = 0;
  const double big = exp(TAU), small = exp(-TAU);
  scal_job sj;
  sj.len = m;
  sj.K = w->KT;
  sj.u = w->v;
  sj.v = w->u;
  sj.w = pb->a;
  sj.lim = TAU;
  sj.vnew = w->unew;
  sj.acc = w->acc;
  par_for(nt, n, scal_work, &sj);
  *err = 0.0;
  for (t = 0; t < nt; t++) {
    *err += sj.part[t][0];
    bad |= sj.bad[t];
  }
  for (j = 0; j < m && !bad; j++) {
    double s = 0.0;
    for (t = 0; t < nt; t++) s += w->acc[(size_t)t * m + j];
    w->vnew[j] = pb->b[j] / s;
    if (!(s > 0.0) || !(w->vnew[j] <= big && w->vnew[j] >= small)) bad = 1;
  }
  if (bad) return 1;
  for (i = 0; i < n; i++) {
    w->u[i] = w->unew[i];
    w->F[i] = w->Fa[i] + log(w->u[i]);
  }
  for (j = 0; j < m; j++) {
    w->v[j] = w->vnew[j];
    w->G[j] = w->Ga[j] + log(w->v[j]);
  }
  return 0;
}

/* One Sinkhorn sweep from (F, G): stabilised when it can be, else (right
** after an absorption) in the log domain, followed by an absorption.
** *err gets the row error of the state before it. */
static void sns_sweep (sns_ws *w, double *err) {
  const otp *pb = w->pb;
  double e[2];
  if (stab_sweep(w, err) == 0) return;
  absorb(w);
  if (stab_sweep(w, err) == 0) return;
  half_sweep(w->o, w->CT, pb->m, pb->n, w->G, pb->a, pb->la, w->F,
             pb->ieps, w->unew, e);
  memcpy(w->F, w->unew, pb->n * sizeof(double));
  *err = e[0];
  half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
             pb->ieps, w->G, e);
  absorb(w);
}

/* ---- plan sums --------------------------------------------------------- */

/* row i of P: p_j = ui k_j v_j; returns the row sum and adds p to cs */
TY_SIMD static double splan_row (const double *k, double ui, const double *v,
                                 size_t m, double *cs) {
  v8d s = VSPLAT(0.0);
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j < full; j += 8) {
    v8d p = ui * vload(k + j) * vload(v + j);
    vstore(cs + j, vload(cs + j) + p);
    s += p;
  }
  if (rest) {
    v8d p = ui * vload_part(k + j, rest, 0.0) * vload_part(v + j, rest, 0.0);
    v8d t = vload_part(cs + j, rest, 0.0) + p;
    memcpy(cs + j, &t, rest * sizeof(double));
    s += p;
  }
  return hsum(s);
}

static void splan_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  size_t m = w->pb->m, i;
  double *cs = w->csp + (size_t)tid * m;
  memset(cs, 0, m * sizeof(double));
  for (i = lo; i < hi; i++)
    w->rs[i] = splan_row(w->KT + i * m, w->u[i], w->v, m, cs);
}

/* rs, cs of the current plan; returns sum P */
static double sns_plan (sns_ws *w) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = pick_threads(w->o, n * m, PAR_MIN_MEM), t;
  double sum = 0.0;
  par_for(nt, n, splan_work, w);
  for (j = 0; j < m; j++) {
    double s = 0.0;
    for (t = 0; t < nt; t++) s += w->csp[(size_t)t * m + j];
    w->cs[j] = s;
  }
  for (i = 0; i < n; i++) sum += w->rs[i];
  return sum;
}

/* ---- sparsification ---------------------------------------------------- */

typedef struct pair {
  double p;
  uint32_t j;
} pair;

/* sort pairs by p, ascending (quicksort, insertion sort for short runs) */
static void sort_pairs (pair *x, size_t len) {
  while (len > 16) {
    size_t i = 0, j = len - 1;
    double piv = x[len / 2].p;
    for (;;) {
      pair t;
      while (x[i].p < piv) i++;
      while (x[j].p > piv) j--;
      if (i >= j) break;
      t = x[i]; x[i] = x[j]; x[j] = t;
      i++;
      j--;
    }
    /* recurse on the shorter part, loop on the longer */
    if (j + 1 < len - j - 1) {
      sort_pairs(x, j + 1);
      x += j + 1;
      len -= j + 1;
    }
    else {
      sort_pairs(x + j + 1, len - j - 1);
      len = j + 1;
    }
  }
  {
    size_t i, k;
    for (i = 1; i < len; i++) {
      pair t = x[i];
      for (k = i; k > 0 && x[k - 1].p > t.p; k--) x[k] = x[k - 1];
      x[k] = t;
    }
  }
}

/* Move to the front of x the longest run of its smallest entries (in
** sorted order) whose total is at most rem, never the entry of column
** keep, and return the run's length.  A quickselect on partial sums,
** O(len) expected; a short last stretch is sorted. */
static size_t drop_smallest (pair *x, size_t len, double rem, size_t keep) {
  size_t done = 0, k;
  pair t;
  for (k = 0; k < len; k++)           /* keep goes last, out of reach */
    if (x[k].j == keep) {
      t = x[k]; x[k] = x[len - 1]; x[len - 1] = t;
      len--;
      break;
    }
  while (len - done > 16) {
    pair *y = x + done;
    size_t n = len - done, lo = 0, i = 0, hi = n;
    double piv = y[n / 2].p, sum = 0.0;
    while (i < hi) {                  /* y: < piv | == piv | > piv */
      if (y[i].p < piv) { t = y[i]; y[i] = y[lo]; y[lo] = t; lo++; i++; }
      else if (y[i].p > piv) { hi--; t = y[i]; y[i] = y[hi]; y[hi] = t; }
      else i++;
    }
    for (k = 0; k < lo; k++) sum += y[k].p;
    if (sum > rem) { len = done + lo; continue; }   /* the run ends in < */
    rem -= sum;
    done += lo;
    for (k = lo; k < hi && y[k].p <= rem; k++) {    /* the ties */
      rem -= y[k].p;
      done++;
    }
    if (k < hi) return done;          /* a tie did not fit */
  }
  sort_pairs(x + done, len - done);
  for (k = done; k < len && x[k].p <= rem; k++) {
    rem -= x[k].p;
    done++;
  }
  return done;
}

/* Make room for `need` entries in the CSR arrays, keeping the first
** `used`. */
static int sns_reserve (sns_ws *w, size_t used, size_t need) {
  const ty_ot_opts *o = w->o;
  size_t cap;
  uint32_t *col;
  double *val;
  if (need <= w->cap) return 0;
  cap = need + need / 2 + 64;
  GET(col, o, cap, uint32_t);
  GET(val, o, cap, double);
  if (used > 0) {
    memcpy(col, w->col, used * sizeof(uint32_t));
    memcpy(val, w->val, used * sizeof(double));
  }
  w->col = col;
  w->val = val;
  w->cap = cap;
  return 0;
}

/* The kept entries by columns: a counting sort of the CSR arrays. */
static int build_csc (sns_ws *w) {
  size_t n = w->pb->n, m = w->pb->m, nz = w->rowptr[n], i, j, a;
  if (nz > w->ccap) {
    size_t cap = nz + nz / 2 + 64;
    GET(w->row_of, w->o, cap, uint32_t);
    GET(w->cval, w->o, cap, double);
    w->ccap = cap;
  }
  for (j = 0; j <= m; j++) w->colptr[j] = 0;
  for (a = 0; a < nz; a++) w->colptr[w->col[a] + 1]++;
  for (j = 0; j < m; j++) w->colptr[j + 1] += w->colptr[j];
  for (i = 0; i < n; i++)
    for (a = w->rowptr[i]; a < w->rowptr[i + 1]; a++) {
      size_t at = w->colptr[w->col[a]]++;
      w->row_of[at] = (uint32_t)i;
      w->cval[at] = w->val[a];
    }
  for (j = m; j > 0; j--) w->colptr[j] = w->colptr[j - 1];
  w->colptr[0] = 0;
  return 0;
}

#define PUSH(w, nz, jj, pp) \
  do { (w)->col[nz] = (uint32_t)(jj); (w)->val[nz] = (pp); (nz)++; } while (0)

/* Row i of P into row[] (m), its maximum (w->jmax) and the sum of its
** other entries (w->rest), summed apart so that rs_i - max has no
** cancellation. */
static void get_row (sns_ws *w, size_t i, double *row) {
  const double *k = w->KT + i * w->pb->m;
  size_t m = w->pb->m, j, jm = 0;
  double ui = w->u[i], pmax = -1.0, rest = 0.0;
  for (j = 0; j < m; j++) {
    row[j] = ui * k[j] * w->v[j];
    if (row[j] > pmax) { pmax = row[j]; jm = j; }
  }
  for (j = 0; j < m; j++) rest += j == jm ? 0.0 : row[j];
  w->jmax[i] = (uint32_t)jm;
  w->rest[i] = rest;
}

/* The mass rule: in row i drop the smallest entries while their total is
** at most delta rs_i, always keeping the row maximum.  Entries below
** delta rs_i / m go at once; among the others drop_smallest decides.  Also
** sets jmax and rest.  tmp: m pairs, row: m doubles. */
/* Row i of P into row (m): p_j = ui k_j v_j; returns its maximum */
TY_SIMD static double mass_row1 (double *row, const double *k, double ui,
                                 const double *v, size_t m) {
  v8d mx = VSPLAT(-1.0);
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j < full; j += 8) {
    v8d p = ui * vload(k + j) * vload(v + j);
    vstore(row + j, p);
    mx = vmax(mx, p);
  }
  for (; j < m; j++) {
    row[j] = ui * k[j] * v[j];
    if (row[j] > mx[0]) mx[0] = row[j];
  }
  return vhmax(mx);
}

/* The entries of row (m) at most tau are added to dropc and to *dropped;
** the others are listed in tmp (count returned); *rest gets the sum of
** all.  (The caller zeroes the row maximum first.) */
TY_SIMD static size_t mass_row2 (const double *row, size_t m, double tau,
                                 double *dropc, pair *tmp, double *dropped,
                                 double *rest) {
  v8d sd = VSPLAT(0.0), sr = VSPLAT(0.0);
  size_t j, k, cnt = 0, full = m - m % 8;
  double d = 0.0, r = 0.0;
  for (j = 0; j < full; j += 8) {
    v8d p = vload(row + j), small;
    small = vselect(p <= VSPLAT(tau), p, VSPLAT(0.0));
    vstore(dropc + j, vload(dropc + j) + small);
    sd += small;
    sr += p;
    if (vhmax(p) > tau)                        /* list the survivors */
      for (k = j; k < j + 8; k++)
        if (row[k] > tau) {
          tmp[cnt].p = row[k];
          tmp[cnt].j = (uint32_t)k;
          cnt++;
        }
  }
  for (k = full; k < m; k++) {
    r += row[k];
    if (row[k] <= tau) { d += row[k]; dropc[k] += row[k]; }
    else { tmp[cnt].p = row[k]; tmp[cnt].j = (uint32_t)k; cnt++; }
  }
  *dropped = d + hsum(sd);
  *rest = r + hsum(sr);
  return cnt;
}

/* One thread's share of the mass rule: rows lo..hi, kept entries in its
** own arrays, dropped mass in its own dropc; rowptr[i + 1] gets the count
** of row i.  A share stops before a row when it has no room for a whole
** row (next: where to resume). */
typedef struct spm_part {
  pair *tmp;                /* m + 1 */
  double *row, *dropc;      /* m each */
  uint32_t *col;
  double *val;
  size_t cap, nz, next, hi;
} spm_part;

static void spm_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  spm_part *sp = w->spm + tid;
  size_t m = w->pb->m, i;
  double *row = sp->row;
  pair *tmp = sp->tmp;
  sp->hi = hi;
  for (i = lo; i < hi; i++) {
    double budget = w->delta * w->rs[i], tau = budget / (double)m;
    double dropped, rest, pmax;
    size_t jm = 0, cnt, k, first;
    if (sp->cap - sp->nz < m + 1) break;
    pmax = mass_row1(row, w->KT + i * m, w->u[i], w->v, m);
    while (row[jm] != pmax && jm + 1 < m) jm++;
    row[jm] = 0.0;                      /* kept apart */
    cnt = mass_row2(row, m, tau, sp->dropc, tmp, &dropped, &rest);
    w->jmax[i] = (uint32_t)jm;
    w->rest[i] = rest;
    first = drop_smallest(tmp, cnt, budget - dropped, m);
    for (k = 0; k < first; k++) sp->dropc[tmp[k].j] += tmp[k].p;
    tmp[cnt].p = pmax;
    tmp[cnt].j = (uint32_t)jm;
    cnt++;
    for (k = first; k < cnt; k++) {
      sp->col[sp->nz] = tmp[k].j;
      sp->val[sp->nz++] = tmp[k].p;
    }
    w->rowptr[i + 1] = cnt - first;
  }
  sp->next = i;
}

/* room for at least `need` entries in a share, keeping what it holds */
static int spm_grow (sns_ws *w, spm_part *sp, size_t need) {
  uint32_t *col;
  double *val;
  if (need <= sp->cap) return 0;
  GET(col, w->o, need, uint32_t);
  GET(val, w->o, need, double);
  if (sp->nz > 0) {
    memcpy(col, sp->col, sp->nz * sizeof(uint32_t));
    memcpy(val, sp->val, sp->nz * sizeof(double));
  }
  sp->col = col;
  sp->val = val;
  sp->cap = need;
  return 0;
}

/* The mass rule, rows shared among threads: each share is computed into
** its own arrays, then the shares are joined in row order. */
static int sparsify_mass (sns_ws *w, double delta) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j, nz = 0, last = w->cap;
  int nt = pick_threads(w->o, n * m, PAR_MIN_MEM), t, rc;
  if (w->spm == NULL) {
    GET(w->spm, w->o, MAXTHREADS, spm_part);
    memset(w->spm, 0, MAXTHREADS * sizeof(spm_part));
  }
  if ((size_t)nt > n) nt = (int)n;
  w->delta = delta;
  for (t = 0; t < nt; t++) {
    spm_part *sp = w->spm + t;
    if (sp->tmp == NULL) {
      GET(sp->tmp, w->o, m + 1, pair);
      GET(sp->row, w->o, m, double);
      GET(sp->dropc, w->o, m, double);
    }
    sp->nz = 0;
    memset(sp->dropc, 0, m * sizeof(double));
    if ((rc = spm_grow(w, sp, last / (size_t)nt + 2 * (m + 1))) != 0)
      return rc;
  }
  par_for(nt, n, spm_work, w);
  for (t = 0; t < nt; t++) {          /* shares that ran out of room */
    spm_part *sp = w->spm + t;
    while (sp->next < sp->hi) {
      if ((rc = spm_grow(w, sp, 2 * sp->cap + m + 1)) != 0) return rc;
      spm_work(w, sp->next, sp->hi, t);
    }
    nz += sp->nz;
  }
  if ((rc = sns_reserve(w, 0, nz)) != 0) return rc;
  w->rowptr[0] = 0;
  for (i = 0; i < n; i++) w->rowptr[i + 1] += w->rowptr[i];
  memcpy(w->dropc, w->spm[0].dropc, m * sizeof(double));
  for (t = 0, nz = 0; t < nt; t++) {
    spm_part *sp = w->spm + t;
    memcpy(w->col + nz, sp->col, sp->nz * sizeof(uint32_t));
    memcpy(w->val + nz, sp->val, sp->nz * sizeof(double));
    nz += sp->nz;
    if (t > 0)
      for (j = 0; j < m; j++) w->dropc[j] += sp->dropc[j];
  }
  return 0;
}

/* the k-th largest (1-based) of x[0..len), reordering x (quickselect) */
static double kth_largest (double *x, size_t len, size_t k) {
  size_t lo = 0, hi = len - 1, want = k - 1;
  while (lo < hi) {
    double piv = x[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (x[i] > piv) i++;
      while (x[j] < piv) j--;
      if (i <= j) {
        double t = x[i]; x[i] = x[j]; x[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  return x[want];
}

/* The top-k rule: keep the ceil(lambda n m) largest entries of P (ties
** kept) and each row's maximum.  copy: n m doubles, row: m. */
static int sparsify_topk (sns_ws *w, double lambda, double *copy,
                          double *row) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, nm = n * m, i, j, nz = 0, k, len = 0;
  double thr;
  int rc;
  k = (size_t)ceil(lambda * (double)nm);
  if (k < 1) k = 1;
  for (i = 0; i < n; i++) {
    get_row(w, i, row);
    for (j = 0; j < m; j++)
      if (row[j] > 0.0) copy[len++] = row[j];
  }
  thr = len == 0 ? 0.0 : (k >= len ? 0.0 : kth_largest(copy, len, k));
  if (thr <= 0.0) thr = DBL_MIN;
  w->rowptr[0] = 0;
  memset(w->dropc, 0, m * sizeof(double));
  for (i = 0; i < n; i++) {
    size_t c = 0, jm;
    get_row(w, i, row);
    jm = w->jmax[i];
    for (j = 0; j < m; j++) c += row[j] >= thr || j == jm;
    if ((rc = sns_reserve(w, nz, nz + c)) != 0) return rc;
    for (j = 0; j < m; j++) {
      if (row[j] >= thr || j == jm) PUSH(w, nz, j, row[j]);
      else w->dropc[j] += row[j];
    }
    w->rowptr[i + 1] = nz;
  }
  return 0;
}

/* ---- the Newton system ------------------------------------------------- */

static double dot (const double *x, const double *y, size_t n) {
  return vdot(x, y, n);
}

/* The diagonal of the Schur complement S = D_c - P'^T D_r^-1 P' (see
** sns_chol) into d (m - 1), formed without cancellation:
**   S_jj = dropped_j + mu + sum_i p_ij (rs_i - p_ij + mu) / (rs_i + mu),
** where rs_i - p_ij is the row sum without its maximum when p_ij is that
** maximum. */
static void schur_diag (const sns_ws *w, double *d) {
  size_t n = w->pb->n, K = w->pb->m - 1, i, a;
  double mu = w->shift;
  for (a = 0; a < K; a++) d[a] = w->dropc[a] + mu;
  for (i = 0; i < n; i++) {
    double r = w->rs[i] + mu;
    for (a = w->rowptr[i]; a < w->rowptr[i + 1]; a++) {
      size_t j = w->col[a];
      double pa = w->val[a];
      if (j >= K) continue;
      d[j] += pa * ((j == w->jmax[i] ? w->rest[i] : w->rs[i] - pa) + mu) / r;
    }
  }
}

/* y = S x for x, y of m - 1 (x[m-1] is read as 0), t: n scratch */
static void schur_matvec (const sns_ws *w, const double *x, double *y,
                          double *t) {
  size_t n = w->pb->n, m = w->pb->m, K = m - 1, i, j, a;
  double mu = w->shift;
  for (i = 0; i < n; i++) {           /* four sums: no add chain */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t hi = w->rowptr[i + 1];
    const double *val = w->val;
    const uint32_t *col = w->col;
    for (a = w->rowptr[i]; a + 4 <= hi; a += 4) {
      s0 += val[a] * x[col[a]];
      s1 += val[a + 1] * x[col[a + 1]];
      s2 += val[a + 2] * x[col[a + 2]];
      s3 += val[a + 3] * x[col[a + 3]];
    }
    for (; a < hi; a++) s0 += val[a] * x[col[a]];
    t[i] = ((s0 + s1) + (s2 + s3)) / (w->rs[i] + mu);
  }
  for (j = 0; j < K; j++) {           /* by columns: gathers again */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t hi = w->colptr[j + 1];
    const double *val = w->cval;
    const uint32_t *row = w->row_of;
    for (a = w->colptr[j]; a + 4 <= hi; a += 4) {
      s0 += val[a] * t[row[a]];
      s1 += val[a + 1] * t[row[a + 1]];
      s2 += val[a + 2] * t[row[a + 2]];
      s3 += val[a + 3] * t[row[a + 3]];
    }
    for (; a < hi; a++) s0 += val[a] * t[row[a]];
    y[j] = (w->cs[j] + mu) * x[j] - ((s0 + s1) + (s2 + s3));
  }
  y[K] = 0.0;
}

/* Solve (M~' + shift I) x = grad' by CG on the Schur complement S x_g =
** g_g - P'^T D_r^-1 g_f (red-black reduction: about half the iterations
** of CG on the whole system), preconditioned by diag(S), from 0 to
** relative residual rtol or maxit iterations; then x_f = D_r^-1 (g_f -
** P' x_g).  Returns the iterations (0: breakdown before any progress);
** *reached says whether rtol was met, *rc is 0 or TY_EINTR. */
static size_t sns_cg (sns_ws *w, double rtol, size_t maxit, int *rc,
                      int *reached) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, K = m - 1, i, a, it;
  double *x = w->x + n, *r = w->r, *z = w->z, *p = w->p, *q = w->q;
  double *d = w->diag, *t = w->diag + m, mu = w->shift;
  double rz, bnorm, rnorm;
  *rc = 0;
  *reached = 0;
  if ((*rc = build_csc(w)) != 0) return 0;
  schur_diag(w, d);
  for (a = 0; a <= K; a++) { r[a] = a < K ? w->grad[n + a] : 0.0; x[a] = 0.0; }
  for (i = 0; i < n; i++) {
    double gi = w->grad[i] / (w->rs[i] + mu);
    for (a = w->rowptr[i]; a < w->rowptr[i + 1]; a++)
      if (w->col[a] < K) r[w->col[a]] -= w->val[a] * gi;
  }
  r[K] = 0.0;
  for (a = 0; a < K; a++) p[a] = z[a] = r[a] / d[a];
  p[K] = z[K] = 0.0;
  rz = dot(r, z, K);
  bnorm = sqrt(dot(r, r, K));
  it = 0;
  if (bnorm > 0.0)
    for (; it < maxit; it++) {
      double pq, alpha, beta, rz_new;
      if (it % 100 == 99 && ty_interrupted()) { *rc = TY_EINTR; return it; }
      schur_matvec(w, p, q, t);
      pq = dot(p, q, K);
      if (!(pq > 0.0)) break;
      alpha = rz / pq;
      for (a = 0; a < K; a++) {
        x[a] += alpha * p[a];
        r[a] -= alpha * q[a];
      }
      rnorm = sqrt(dot(r, r, K));
      if (rnorm <= rtol * bnorm) {
        *reached = 1;
        it++;
        break;
      }
      for (a = 0; a < K; a++) z[a] = r[a] / d[a];
      rz_new = dot(r, z, K);
      beta = rz_new / rz;
      rz = rz_new;
      for (a = 0; a < K; a++) p[a] = z[a] + beta * p[a];
    }
  else *reached = 1;               /* x_g = 0 solves it */
  x[K] = 0.0;
  for (i = 0; i < n; i++) {
    double acc = w->grad[i];
    for (a = w->rowptr[i]; a < w->rowptr[i + 1]; a++)
      acc -= w->val[a] * x[w->col[a]];
    w->x[i] = acc / (w->rs[i] + mu);
  }
  return it > 0 || *reached ? (it > 0 ? it : 1) : 0;
}

/* Solve (M~' + shift I) x = grad' exactly through the Schur complement on
** the column side (n >= m here):
**   S = D_c - P'^T D_r^-1 P',  S x_g = g_g - P'^T D_r^-1 g_f,
**   x_f = D_r^-1 (g_f - P' x_g),
** with P' the kept entries without the last column, D_r = diag(rs) + mu,
** D_c = diag(cs_1..cs_m-1) + mu.  The diagonal of S is formed without
** cancellation: S_jj = dropped_j + mu + sum_i p_ij (rs_i - p_ij + mu) /
** (rs_i + mu), where rs_i - p_ij is the row sum without its maximum when
** p_ij is that maximum.  Returns 0, 1 when S is not positive definite to
** working precision, TY_OT_ENOMEM or TY_EINTR. */
static int sns_chol (sns_ws *w) {
  const otp *pb = w->pb;
  const ty_ot_opts *o = w->o;
  size_t n = pb->n, m = pb->m, K = m - 1, i, j, k, a, b;
  double *S, *y = w->z, mu = w->shift;
  lapack_int info;
  if (K == 0) {                           /* one column: g is fixed */
    for (i = 0; i < n; i++) w->x[i] = w->grad[i] / (w->rs[i] + mu);
    w->x[n] = 0.0;
    return 0;
  }
  if (K > INT_MAX) return 1;
  if (w->S == NULL) GET(w->S, o, K * K, double);
  S = w->S;
  memset(S, 0, K * K * sizeof(double));
  schur_diag(w, w->diag);
  for (j = 0; j < K; j++) {
    S[j * K + j] = w->diag[j];
    y[j] = w->grad[n + j];
  }
  for (i = 0; i < n; i++) {
    double r = w->rs[i] + mu, gi = w->grad[i] / r;
    size_t lo = w->rowptr[i], hi = w->rowptr[i + 1];
    if ((i & 255) == 255 && ty_interrupted()) return TY_EINTR;
    for (a = lo; a < hi; a++) {
      double pa = w->val[a];
      j = w->col[a];
      if (j >= K) continue;
      y[j] -= pa * gi;
      for (b = lo; b < hi; b++) {
        k = w->col[b];
        if (k < j) S[k * K + j] -= pa * w->val[b] / r;   /* lower */
      }
    }
  }
  info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)K, S,
                        (lapack_int)K);
  if (info != 0) return 1;
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)K, 1, S, (lapack_int)K,
                 y, (lapack_int)K);
  for (j = 0; j < K; j++) {
    if (!(y[j] == y[j]) || fabs(y[j]) == HUGE_VAL) return 1;
    w->x[n + j] = y[j];
  }
  w->x[n + K] = 0.0;
  for (i = 0; i < n; i++) {
    double acc = w->grad[i];
    for (a = w->rowptr[i]; a < w->rowptr[i + 1]; a++)
      if (w->col[a] < K) acc -= w->val[a] * w->x[n + w->col[a]];
    w->x[i] = acc / (w->rs[i] + mu);
  }
  return 0;
}

/* ---- line search ------------------------------------------------------- */

/* phi(t) = e^t - 1 - t by its series, for |t| < 0.1 (error < 1e-17 t^2) */
static inline __attribute__((always_inline)) v8d vphi_series (v8d t) {
  v8d s = VSPLAT(1.0 / 3628800.0);
  s = s * t + 1.0 / 362880.0;
  s = s * t + 1.0 / 40320.0;
  s = s * t + 1.0 / 5040.0;
  s = s * t + 1.0 / 720.0;
  s = s * t + 1.0 / 120.0;
  s = s * t + 1.0 / 24.0;
  s = s * t + 1.0 / 6.0;
  s = s * t + 0.5;
  return s * t * t;
}

/* sum_j P_ij phi(t_j) for row i, t_j = alpha (dFi + dG_j), without exp:
** P e^t = (P e^(alpha dFi)) e^(alpha dG_j) (Ei and Eg given); valid when
** |t| <= TMAX. */
TY_SIMD static double phi_row_scaled (const double *k, double ui,
                                      const double *v, double dFi,
                                      const double *dG, double Ei,
                                      const double *Eg, double alpha,
                                      size_t m) {
  v8d s = VSPLAT(0.0);
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j <= full; j += 8) {
    v8d p, t, eg, big;
    v8i small;
    if (j == full) {
      if (rest == 0) break;
      p = ui * vload_part(k + j, rest, 0.0) * vload_part(v + j, rest, 0.0);
      t = alpha * (dFi + vload_part(dG + j, rest, 0.0));
      eg = vload_part(Eg + j, rest, 0.0);
    }
    else {
      p = ui * vload(k + j) * vload(v + j);
      t = alpha * (dFi + vload(dG + j));
      eg = vload(Eg + j);
    }
    /* entries below 1e-200 (of a plan of mass ~1, negligible even times
    ** e^TMAX) are dropped: their products would be subnormal, and
    ** subnormal arithmetic is very slow */
    p = vselect(p > VSPLAT(1e-200), p, VSPLAT(0.0));
    big = (p * Ei) * eg - p - p * t;
    small = vabs(t) < 0.1;
    s += vselect(small, p * vphi_series(t), big);
  }
  return hsum(s);
}

/* the same from the potentials, for large steps: exp(L + t) - P (1 + t)
** with L = F_i + G_j - C_ij / eps; *lmax gets max (L + t) */
TY_SIMD static double phi_row_exact (const double *k, double ui,
                                     const double *v, const double *c,
                                     double Fi, const double *G, double dFi,
                                     const double *dG, double alpha,
                                     double ieps, size_t m, double *lmax) {
  v8d s = VSPLAT(0.0), mx = VSPLAT(-INFINITY);
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j <= full; j += 8) {
    v8d p, t, L, ex;
    v8i small;
    if (j == full) {
      if (rest == 0) break;
      p = ui * vload_part(k + j, rest, 0.0) * vload_part(v + j, rest, 0.0);
      t = alpha * (dFi + vload_part(dG + j, rest, 0.0));
      L = Fi + vload_part(G + j, rest, -INFINITY) -
          vload_part(c + j, rest, 0.0) * ieps;
    }
    else {
      p = ui * vload(k + j) * vload(v + j);
      t = alpha * (dFi + vload(dG + j));
      L = Fi + vload(G + j) - vload(c + j) * ieps;
    }
    ex = vexp(L + t) - p * (1.0 + t);
    small = vabs(t) < 0.1;
    s += vselect(small, p * vphi_series(t), ex);
    mx = vmax(mx, L + t);
  }
  *lmax = hmax(mx);
  return hsum(s);
}

static void phi_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const otp *pb = w->pb;
  size_t m = pb->m, i;
  double s = 0.0, mx = -INFINITY, a = w->alpha;
  for (i = lo; i < hi; i++) {
    const double *k = w->KT + i * m;
    if (w->exact_ls) {
      double l;
      s += phi_row_exact(k, w->u[i], w->v, w->CT + i * m, w->F[i], w->G,
                         w->dF[i], w->dG, a, pb->ieps, m, &l);
      if (l > mx) mx = l;
    }
    else
      s += phi_row_scaled(k, w->u[i], w->v, w->dF[i], w->dG,
                          exp(a * w->dF[i]), w->Eg, a, m);
  }
  w->part[tid][0] = s;
  w->part[tid][1] = mx;
}

/* sum P phi(alpha s) over all entries, or -1 when a step that large would
** overflow (some L + alpha s above 700) */
static double sns_phi (sns_ws *w, double alpha, double dmax) {
  const otp *pb = w->pb;
  size_t j;
  int nt = pick_threads(w->o, pb->n * pb->m, PAR_MIN_MEM), t;
  double s = 0.0, mx = -INFINITY;
  w->alpha = alpha;
  w->exact_ls = alpha * dmax > TMAX;
  if (!w->exact_ls)
    for (j = 0; j < pb->m; j++) w->Eg[j] = exp(alpha * w->dG[j]);
  par_for(nt, pb->n, phi_work, w);
  for (t = 0; t < nt; t++) {
    s += w->part[t][0];
    if (w->part[t][1] > mx) mx = w->part[t][1];
  }
  if (mx > 700.0 || !(s == s) || s == HUGE_VAL) return -1.0;
  return s < 0.0 ? 0.0 : s;
}

/* ---- the driver -------------------------------------------------------- */

/* SNS on a problem with n >= m; C is pb->C, CT its transpose; F and G
** hold the start. */
static int sns_core (const otp *pb, const double *CT, const ty_ot_opts *o,
                     double *F, double *G, ty_ot_info *info) {
  ctx cx;
  sns_ws w;
  size_t n = pb->n, m = pb->m, N = n + m, nm = n * m, i, k, steps = 0;
  size_t since = 0;
  double *copy = NULL, *row, best = INFINITY;
  double lambda0 = o->lambda > 0.0 ? o->lambda : 2.0 / (double)n, lambda;
  double t0 = now(), prev_err = INFINITY, prev_dual = -INFINITY;
  int rc, last = 0, backtracked = 0;   /* last: 0 none, 1 Newton, 2 sweep */
  int chol = o->solver == TY_OT_CHOL;
  if (lambda0 > 1.0) lambda0 = 1.0;
  lambda = lambda0;
  cx.o = o;
  cx.iters = 0;
  memset(&w, 0, sizeof w);
  w.pb = pb;
  w.o = o;
  w.CT = CT;
  w.F = F;
  w.G = G;
  GET(w.KT, o, nm, double);
  GET(w.Fa, o, n, double);
  GET(w.Ga, o, m, double);
  GET(w.u, o, n, double);
  GET(w.v, o, m, double);
  GET(w.unew, o, n, double);
  GET(w.vnew, o, m, double);
  GET(w.acc, o, (size_t)MAXTHREADS * m, double);
  GET(w.rs, o, n, double);
  GET(w.cs, o, m, double);
  GET(w.csp, o, (size_t)MAXTHREADS * m, double);
  GET(w.grad, o, N, double);
  GET(w.x, o, N, double);
  GET(w.r, o, N, double);
  GET(w.z, o, N, double);
  GET(w.p, o, N, double);
  GET(w.q, o, N, double);
  GET(w.diag, o, N, double);
  GET(w.dF, o, n, double);
  GET(w.dG, o, m, double);
  GET(w.Eg, o, m, double);
  GET(w.rowptr, o, n + 1, size_t);
  GET(w.colptr, o, m + 1, size_t);
  GET(w.dropc, o, m, double);
  GET(w.rest, o, n, double);
  GET(w.jmax, o, n, uint32_t);
  GET(row, o, m, double);
  if (o->sparsify == TY_OT_TOPK) GET(copy, o, nm, double);
  if ((rc = sns_reserve(&w, 0, 8 * (n + m))) != 0) return rc;
  absorb(&w);
  /* 1. warm-up: Sinkhorn sweeps; the error after sweep k is measured by
  ** sweep k + 1 (after the last one, by the Newton stage's first plan) */
  for (k = 0; k < o->warmup; k++) {
    double e;
    if (ty_interrupted()) return TY_EINTR;
    sns_sweep(&w, &e);
    info->sinkhorn_iters++;
    if (k > 0) {
      if ((rc = report(&cx, 0, e, 0.0)) != 0) return rc;
      if (e <= o->tol && confirm(pb, o, F, G, o->tol)) {
        info->converged = 1;            /* reported below */
        break;
      }
    }
  }
  last = o->warmup > 0 ? 2 : 0;
  info->time_warmup = now() - t0;
  /* 2. Newton */
  for (;;) {
    double sum, err = 0.0, gx = 0.0, dual, alpha = 1.0, minsum = INFINITY;
    double dmax = 0.0;
    size_t trial;
    int ok = 0;
    sum = sns_plan(&w);
    for (i = 0; i < n; i++) {
      w.grad[i] = pb->a[i] - w.rs[i];
      err += fabs(w.grad[i]);
      if (w.rs[i] < minsum) minsum = w.rs[i];
    }
    for (i = 0; i < m; i++) {
      w.grad[n + i] = pb->b[i] - w.cs[i];
      err += fabs(w.grad[n + i]);
      if (w.cs[i] < minsum) minsum = w.cs[i];
    }
    dual = dual_after_row(pb, F, G) + pb->eps * (pb->mass - sum);
    if (last != 0) {
      if ((rc = report(&cx, last == 1, err, dual)) != 0) return rc;
      if (o->sparsify == TY_OT_TOPK && o->adapt && last == 1)
        lambda = (backtracked || err > 0.5 * prev_err)
                 ? (2 * lambda < 1.0 ? 2 * lambda : 1.0)
                 : (0.9 * lambda > lambda0 ? 0.9 * lambda : lambda0);
    }
    prev_err = err;
    if (info->converged ||
        (err <= o->tol && confirm(pb, o, F, G, o->tol))) {
      info->converged = 1;
      info->stop_reason = TY_OT_STOP_TOL;
      break;
    }
    /* stalled: STALL_NEWTON steps in a row that neither lower the best
    ** error nor raise D beyond its rounding */
    if (err < best) { best = err; since = 0; }
    else if (last == 1 &&
             dual - prev_dual <= 1e-14 * (fabs(dual) + pb->eps * pb->mass)
             && ++since >= STALL_NEWTON) {
      info->stop_reason = TY_OT_STOP_STALLED;
      break;
    }
    prev_dual = dual;
    if (steps >= o->maxiter) {
      info->stop_reason = TY_OT_STOP_MAXITER;
      break;
    }
    if (ty_interrupted()) return TY_EINTR;
    steps++;
    /* sparsify, solve, search; any failure falls back to a sweep */
    if (minsum > 0.0) {
      if (o->sparsify == TY_OT_TOPK)
        rc = sparsify_topk(&w, lambda, copy, row);
      else
        rc = sparsify_mass(&w, o->masstol * fmin(1.0, err / pb->mass));
      if (rc != 0) return rc;
      info->nnz = w.rowptr[n];
      /* a shifted retry when the first solve fails */
      for (trial = 0; trial < 2 && !ok; trial++) {
        double big = 0.0;
        w.shift = 0.0;
        if (trial == 1) {
          for (i = 0; i < n; i++) big = fmax(big, w.rs[i]);
          for (i = 0; i < m; i++) big = fmax(big, w.cs[i]);
          w.shift = fmax(1e-3 * sqrt(dot(w.grad, w.grad, N)), 1e-14 * big);
        }
        if (!chol) {
          double rtol = fmax(1e-12, fmin(0.1, err / pb->mass));
          size_t maxit = 20 * N, cgit;
          int reached, can_chol = o->solver == TY_OT_SOLVER_AUTO &&
                                  m <= TY_OT_CHOL_MAX;
          if (can_chol) {     /* CG may cost what a factorization costs */
            double work = (double)m * (double)m * (double)m / 3.0, its;
            for (i = 0; i < n; i++) {
              double c = (double)(w.rowptr[i + 1] - w.rowptr[i]);
              work += c * c;
            }
            its = work / (2.0 * (double)w.rowptr[n] + 10.0 * (double)N);
            if (its < (double)maxit) maxit = its > 50.0 ? (size_t)its : 50;
          }
          cgit = sns_cg(&w, rtol, maxit, &rc, &reached);
          if (rc != 0) return rc;
          info->cg_iters += cgit;
          ok = cgit > 0;
          if (!reached && can_chol) chol = 1;   /* from now on */
        }
        if (chol) {
          rc = sns_chol(&w);
          if (rc < 0) return rc;
          ok = rc == 0;
        }
        if (ok) {
          w.x[N - 1] = 0.0;
          gx = dot(w.grad, w.x, N);
          ok = gx > 0.0;
        }
      }
      w.shift = 0.0;
    }
    if (ok) {          /* Armijo on the exact increment of D */
      double mf = 0.0, mg = 0.0;
      memcpy(w.dF, w.x, n * sizeof(double));
      memcpy(w.dG, w.x + n, m * sizeof(double));
      for (i = 0; i < n; i++) mf = fmax(mf, fabs(w.dF[i]));
      for (i = 0; i < m; i++) mg = fmax(mg, fabs(w.dG[i]));
      dmax = mf + mg;
      ok = 0;
      for (trial = 0; trial < 40; trial++, alpha *= 0.5) {
        double phi = sns_phi(&w, alpha, dmax);
        if (phi >= 0.0 && (1.0 - 1e-4) * alpha * gx >= phi) { ok = 1; break; }
        if (ty_interrupted()) return TY_EINTR;
      }
    }
    if (ok) {
      for (i = 0; i < n; i++) F[i] += alpha * w.dF[i];
      for (i = 0; i + 1 < m; i++) G[i] += alpha * w.dG[i];
      if (!rescale(&w)) absorb(&w);
      info->newton_iters++;
      last = 1;
      backtracked = alpha < 1.0;
    }
    else {
      double e;
      sns_sweep(&w, &e);
      info->sinkhorn_iters++;
      info->fallbacks++;
      if (o->sparsify == TY_OT_TOPK)
        lambda = 2 * lambda < 1.0 ? 2 * lambda : 1.0;
      last = 2;
    }
  }
  info->iters = cx.iters;
  return 0;
}

/* SNS by continuation in eps: levels eps 10^J, ..., eps 10, eps with
** J = max(0, ceil(log10(range(C) / (100 eps)))), each warm-started from
** the last (F = f / eps scales by 10), solved to 1e-6 but the last. */
static int sns_levels (const otp *pb, const double *CT, const ty_ot_opts *o,
                       double *F, double *G, ty_ot_info *info) {
  size_t n = pb->n, m = pb->m, k, iters = 0, j, J = 0;
  double cmin = INFINITY, cmax = -INFINITY, R;
  ty_ot_opts lo = *o;
  otp lp = *pb;
  int rc = 0;
  if (o->continuation) {
    for (k = 0; k < n * m; k++) {
      double c = pb->C[k];
      cmin = c < cmin ? c : cmin;
      cmax = c > cmax ? c : cmax;
    }
    R = (cmax - cmin) * pb->ieps;
    if (R > 100.0) J = (size_t)ceil(log10(R / 100.0));
  }
  for (j = 0; j <= J; j++) {
    double scale = pow(10.0, (double)(J - j));
    lp.eps = pb->eps * scale;
    lp.ieps = 1.0 / lp.eps;
    lo.tol = j < J ? fmax(o->tol, 1e-6 * pb->mass) : o->tol;
    lo.warmup = j == 0 ? o->warmup : 1;
    if (j > 0 || J > 0) {                /* F = f / eps at this level */
      double by = j > 0 ? 10.0 : 1.0 / scale;
      for (k = 0; k < n; k++) F[k] *= by;
      for (k = 0; k < m; k++) G[k] *= by;
    }
    info->converged = 0;
    pb->done->iters = 0;
    rc = sns_core(j < J ? &lp : pb, CT, &lo, F, G, info);
    iters += info->iters;
    if (rc != 0) break;
  }
  info->iters = iters;
  return rc;
}

/* SNS: the Newton system is reduced on the smaller side, so a problem
** with n < m is solved transposed (C and its transpose swap roles). */
static int sns_solve (const otp *pb, const ty_ot_opts *o, double *F,
                      double *G, ty_ot_info *info) {
  size_t n = pb->n, m = pb->m;
  double *CT;
  otp tp;
  int rc;
  GET(CT, o, n * m, double);
  transpose(o, CT, pb->C, n, m);
  if (n >= m) return sns_levels(pb, CT, o, F, G, info);
  tp.n = m;
  tp.m = n;
  tp.a = pb->b;
  tp.b = pb->a;
  tp.la = pb->lb;
  tp.lb = pb->la;
  tp.C = CT;
  tp.eps = pb->eps;
  tp.ieps = pb->ieps;
  tp.mass = pb->mass;
  tp.P = pb->P;
  tp.work = pb->work;
  tp.done = pb->done;
  rc = sns_levels(&tp, pb->C, o, G, F, info);
  if (rc == 0 && pb->done->iters == 1) {  /* P holds the transposed plan */
    memcpy(CT, pb->P, n * m * sizeof(double));
    transpose(o, pb->P, CT, m, n);
  }
  return rc;
}

/* ====================================================================== */
/* entry points: weights, zero atoms, results                             */
/* ====================================================================== */

void ty_ot_defaults (ty_ot_opts *o, int sns) {
  memset(o, 0, sizeof *o);
  o->tol = sns ? 1e-12 : 1e-9;
  o->maxiter = sns ? 200 : 100000;
  o->method = TY_OT_AUTO;
  o->err_norm = TY_OT_ERR_L1;
  {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o->nthreads = ncpu < 1 ? 1 : ncpu > MAXTHREADS ? MAXTHREADS : (int)ncpu;
  }
  o->warmup = 20;
  o->sparsify = TY_OT_MASS;
  o->lambda = 0.0;
  o->adapt = 1;
  o->masstol = 1e-2;
}

/* Compact the problem (drop zero atoms, rescale b), run the solver, and
** write P, f, g and the summary in the caller's shapes. */
static int solve (const ty_ot_problem *in, const ty_ot_opts *o, double *P,
                  double *f, double *g, ty_ot_info *info, int sns) {
  otp pb;
  ty_ot_info final;
  size_t n = in->n, m = in->m, nc = 0, mc = 0, i, j, *ia, *jb;
  double sa = 0.0, sb = 0.0, *a, *b, *la, *lb, *F, *G, *work, t0 = now();
  double *Cc, *Pc;
  int rc;
  memset(info, 0, sizeof *info);
  info->method_used = TY_OT_LOG;
  for (i = 0; i < n; i++) sa += in->a[i];
  for (j = 0; j < m; j++) sb += in->b[j];
  GET(a, o, n, double);
  GET(b, o, m, double);
  GET(la, o, n, double);
  GET(lb, o, m, double);
  GET(ia, o, n, size_t);
  GET(jb, o, m, size_t);
  GET(F, o, n, double);
  GET(G, o, m, double);
  for (i = 0; i < n; i++)
    if (in->a[i] > 0.0) {
      a[nc] = in->a[i];
      la[nc] = log(a[nc]);
      if (o->f0) F[nc] = o->f0[i] / in->eps;
      ia[nc++] = i;
    }
  for (j = 0; j < m; j++)
    if (in->b[j] > 0.0) {
      b[mc] = in->b[j] * (sa / sb);
      lb[mc] = log(b[mc]);
      if (o->g0) G[mc] = o->g0[j] / in->eps;
      jb[mc++] = j;
    }
  if (!(o->f0 && o->g0)) {
    memset(F, 0, nc * sizeof(double));
    memset(G, 0, mc * sizeof(double));
  }
  Cc = (double *)in->C;
  Pc = P;
  if (nc < n || mc < m) {
    GET(Cc, o, nc * mc, double);
    GET(Pc, o, nc * mc, double);
    for (j = 0; j < mc; j++)
      for (i = 0; i < nc; i++) Cc[j * nc + i] = in->C[jb[j] * n + ia[i]];
  }
  pb.n = nc;
  pb.m = mc;
  pb.a = a;
  pb.b = b;
  pb.la = la;
  pb.lb = lb;
  pb.C = Cc;
  pb.eps = in->eps;
  pb.ieps = 1.0 / in->eps;
  pb.mass = sa;
  GET(work, o, (MAXTHREADS + 1) * (nc + mc), double);
  pb.P = Pc;
  pb.work = work;
  pb.done = &final;
  final.iters = 0;
  rc = sns ? sns_solve(&pb, o, F, G, info) : sinkhorn_solve(&pb, o, F, G,
                                                            info);
  if (rc != 0) return rc;
  if (info->stop_reason == TY_OT_STOP_TOL && final.iters == 1) {
    info->err = final.err;              /* the confirmed plan is in Pc */
    info->cost = final.cost;
    info->objective = final.objective;
    info->dual = final.dual;
  }
  else finish(&pb, o, F, G, Pc, work, info);
  info->converged = info->stop_reason == TY_OT_STOP_TOL;
  if (Pc != P) {
    memset(P, 0, n * m * sizeof(double));
    for (j = 0; j < mc; j++)
      for (i = 0; i < nc; i++) P[jb[j] * n + ia[i]] = Pc[j * nc + i];
  }
  for (i = 0; i < n; i++) f[i] = -INFINITY;
  for (j = 0; j < m; j++) g[j] = -INFINITY;
  for (i = 0; i < nc; i++) f[ia[i]] = in->eps * F[i];
  for (j = 0; j < mc; j++) g[jb[j]] = in->eps * G[j];
  info->time = now() - t0;
  return 0;
}

int ty_ot_sinkhorn (const ty_ot_problem *pb, const ty_ot_opts *o,
                    double *P, double *f, double *g, ty_ot_info *info) {
  return solve(pb, o, P, f, g, info, 0);
}

int ty_ot_sns (const ty_ot_problem *pb, const ty_ot_opts *o,
               double *P, double *f, double *g, ty_ot_info *info) {
  return solve(pb, o, P, f, g, info, 1);
}

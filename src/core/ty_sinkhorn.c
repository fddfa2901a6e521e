/*
** ty_sinkhorn.c: cost matrices, Sinkhorn (scaling and log-sum-exp forms),
** the plan and its summary, and the entry points (Sinkhorn-Newton-Sparse
** itself is in ty_sns.c; ty_ot_impl.h is what the two share).  The header
** says what each routine takes; shared/methods/optimal_transport.md is
** the specification.
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
#include "ty_ot_impl.h"
#include "ty_pool.h"
#include "ty_interrupt.h"




/* ====================================================================== */
/* threads                                                                */
/* ====================================================================== */


/* Run fn over [0, n) cut into nt contiguous pieces (ty_pool.h). */
void ot_par_for (int nt, size_t n, par_fn fn, void *arg) {
  ty_par_for(nt, n, fn, arg);
}

/* how many threads for `work` units, given the per-thread minimum */
int ot_threads (const ty_ot_opts *o, size_t work, size_t min) {
  int nt = o->nthreads < 1 ? 1 : o->nthreads;
  if (nt > MAXTHREADS) nt = MAXTHREADS;
  if (work < 2 * min) return 1;
  if ((size_t)nt > work / min) nt = (int)(work / min);
  return nt < 1 ? 1 : nt;
}

double ot_now (void) {
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


void *ot_get (const ty_ot_opts *o, size_t count, size_t size) {
  if (size != 0 && count > (SIZE_MAX / 2) / size) return NULL;
  return o->alloc(o->ud, count * size + 64);
}


/* Report one finished iteration; nonzero means stop (TY_EINTR). */
int ot_report (ctx *cx, int newton, double err, double dual) {
  ty_ot_progress p;
  cx->iters++;
  if (ty_interrupted()) return TY_EINTR;
  if (cx->o->progress == NULL) return 0;
  p.iter = cx->iters;
  p.newton = newton;
  p.err = err;
  p.dual = dual;
  p.alpha = newton ? cx->alpha : 0.0;
  p.nnz = newton ? cx->nnz : 0;
  p.cg = newton ? cx->cg : 0;
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

void ot_transpose (const ty_ot_opts *o, double *T, const double *A,
                       size_t n, size_t m) {
  tr_job t;
  t.T = T;
  t.A = A;
  t.n = n;
  t.m = m;
  ot_par_for(ot_threads(o, n * m, PAR_MIN_MEM), m, transpose_work, &t);
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
  int nt = ot_threads(o, n * m, PAR_MIN_EXP), t;
  double err = 0.0, cost = 0.0, sum = 0.0, obj = 0.0, dual = 0.0;
  w.pb = pb;
  w.F = F;
  w.G = G;
  w.P = P;
  w.rs = work;
  w.cs = work + MAXTHREADS * n;
  ot_par_for(nt, m, plan_work, &w);
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
int ot_confirm (const otp *pb, const ty_ot_opts *o, const double *F,
                    const double *G, double tol) {
  finish(pb, o, F, G, pb->P, pb->work, pb->done);
  pb->done->iters = pb->done->err <= tol;   /* 1: P is the final plan */
  return pb->done->err <= tol;
}

/* ====================================================================== */
/* log-sum-exp sweeps                                                     */
/* ====================================================================== */


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
void ot_half_sweep (const ty_ot_opts *o, const double *c, size_t len,
                        size_t cols, const double *x, const double *w,
                        const double *lw, const double *old, double ieps,
                        double *out, double err[2]) {
  half_job h;
  int nt = ot_threads(o, len * cols, PAR_MIN_EXP), t;
  h.c = c;
  h.len = len;
  h.x = x;
  h.w = w;
  h.lw = lw;
  h.old = old;
  h.ieps = ieps;
  h.out = out;
  ot_par_for(nt, cols, half_work, &h);
  err[0] = err[1] = 0.0;
  for (t = 0; t < nt; t++) {
    err[0] += h.part[t][0];
    err[1] += h.part[t][1];
  }
}

/* the dual after a row update (the plan then has the right mass) */
double ot_dual_after_row (const otp *pb, const double *F,
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

TY_SIMD double ot_vdot (const double *x, const double *y, size_t n) {
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


void ot_scal_work (void *arg, size_t lo, size_t hi, int tid) {
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
    else for (k = 0; k < nc; k++) d[k] = ot_vdot(K + k * n, s->u, n);
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
  double dual0;             /* the dual when it last improved */
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
  rc = ot_report(cx, 0, err[0], o->progress ? ot_dual_after_row(pb, F, G) : 0.0);
  if (rc != 0) return rc;
  check = pot ? (it - 1) % 10 == 0 : 1;
  if (!check) return 0;
  e = pot ? sqrt(err[1]) : err[0];
  if (e <= o->tol && (pot || ot_confirm(pb, o, F, G, o->tol))) {
    info->converged = 1;
    info->stop_reason = TY_OT_STOP_TOL;
    st->done = 1;
    return 0;
  }
  /* stalled: STALL_SINKHORN checks without a new smallest error, and the
  ** dual no higher than rounding above where it was at the last one (a
  ** plateau of the error over which the dual still climbs is slow
  ** progress, not a stall: the sweeps go on) */
  if (e < st->best) {
    st->best = e;
    st->since = 0;
    st->dual0 = ot_dual_after_row(pb, F, G);
  }
  else if (++st->since >= STALL_SINKHORN) {
    double d = ot_dual_after_row(pb, F, G);
    if (d - st->dual0 <= 1e-12 * (fabs(d) + pb->eps * pb->mass)) {
      info->stop_reason = TY_OT_STOP_STALLED;
      st->done = 1;
    }
    else {
      st->since = 0;
      st->dual0 = d;
    }
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
    ot_half_sweep(o, pb->C, n, m, F, pb->b, pb->lb, it > 0 ? G : NULL,
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
    ot_half_sweep(o, CT, m, n, G, pb->a, pb->la, NULL, pb->ieps, F, err);
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
  int nt = ot_threads(o, n * m, PAR_MIN_MEM), rc, t;
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
  ot_par_for(ot_threads(o, n * m, PAR_MIN_EXP), m, kern_work, &kj);
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
    ot_par_for(nt, m, ot_scal_work, &sj);
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
  cx.alpha = 0.0;
  cx.nnz = cx.cg = 0;
  st.best = INFINITY;
  st.since = 0;
  st.dual0 = -INFINITY;
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
  ot_transpose(o, CT, pb->C, n, m);
  return sinkhorn_log(&cx, pb, CT, F, G, Gn, &st, info);
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
  double sa = 0.0, sb = 0.0, *a, *b, *la, *lb, *F, *G, *work, t0 = ot_now();
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
  rc = sns ? ty_ot_sns_solve(&pb, o, F, G, info) : sinkhorn_solve(&pb, o, F, G,
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
  info->time = ot_now() - t0;
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

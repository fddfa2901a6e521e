/*
** ty_ot_impl.h: what the two halves of the entropic solver share inside
** libtycore (ty_sinkhorn.c: cost, Sinkhorn, the plan and its summary;
** ty_sns.c: Sinkhorn-Newton-Sparse): the vector helpers, the thread
** helper, the working problem and a few routines.  Not an interface:
** ty_sinkhorn.h is.
*/
#ifndef TY_OT_IMPL_H
#define TY_OT_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ty_sinkhorn.h"
#include "ty_simd.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"   /* vectors stay inside libtycore */
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

/* the largest element, by halving shuffles */
static inline __attribute__((always_inline)) double vhmax (v8d v) {
  v = vmax(v, __builtin_shuffle(v, (v8i){4, 5, 6, 7, 0, 1, 2, 3}));
  v = vmax(v, __builtin_shuffle(v, (v8i){2, 3, 0, 1, 6, 7, 4, 5}));
  v = vmax(v, __builtin_shuffle(v, (v8i){1, 0, 3, 2, 5, 4, 7, 6}));
  return v[0];
}

/* ---- threads ----------------------------------------------------------- */

typedef void (*par_fn) (void *arg, size_t lo, size_t hi, int tid);

/* Run fn over [0, n) cut into nt contiguous pieces, piece t with tid t;
** piece 0 runs in this thread. */
void ot_par_for (int nt, size_t n, par_fn fn, void *arg);
/* how many threads for `work` units, given the per-thread minimum */
int ot_threads (const ty_ot_opts *o, size_t work, size_t min);
double ot_now (void);

/* ---- the working problem ---------------------------------------------- */

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
  double alpha;             /* the last Newton step's length, */
  size_t nnz, cg;           /* kept entries and CG iterations */
} ctx;

/* count elements of size from the caller's allocator, or NULL */
void *ot_get (const ty_ot_opts *o, size_t count, size_t size);
#define GET(p, o, count, type) \
  do { if (((p) = (type *)ot_get((o), (count), sizeof(type))) == NULL) \
         return TY_OT_ENOMEM; } while (0)

/* Report one finished iteration; nonzero means stop (TY_EINTR). */
int ot_report (ctx *cx, int newton, double err, double dual);
/* T (m x n) = the transpose of the n x m matrix A, on o's threads */
void ot_transpose (const ty_ot_opts *o, double *T, const double *A,
                   size_t n, size_t m);
/* 1 when the plan of (F, G), evaluated as the returned plan will be, has
** marginal error <= tol (it writes the plan buffer and pb->done) */
int ot_confirm (const otp *pb, const ty_ot_opts *o, const double *F,
                const double *G, double tol);
/* the dual after a row update */
double ot_dual_after_row (const otp *pb, const double *F, const double *G);
/* out = the log-domain half-sweep update over cols columns of c (len x
** cols); err[0], err[1] the L1 and squared L2 violations of the current
** state (when old != NULL) */
void ot_half_sweep (const ty_ot_opts *o, const double *c, size_t len,
                    size_t cols, const double *x, const double *w,
                    const double *lw, const double *old, double ieps,
                    double *out, double err[2]);
TY_SIMD double ot_vdot (const double *x, const double *y, size_t n);

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
void ot_scal_work (void *arg, size_t lo, size_t hi, int tid);

/* SNS (ty_sns.c) on a problem with positive weights; F, G hold the start */
int ty_ot_sns_solve (const otp *pb, const ty_ot_opts *o, double *F,
                     double *G, ty_ot_info *info);

#endif

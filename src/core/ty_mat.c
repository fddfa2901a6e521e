/*
** ty_mat.c: dense matrix kernels with no Lua (see ty_mat.h).
**
** Hot loops are written so that each is one plain loop over restrict
** pointers with the operation chosen outside it (no function pointer per
** element).  Long loops run in blocks of TY_BLOCK elements and check the
** interrupt flag between blocks.
*/
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE           /* madvise */
#endif
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "ty_mat.h"
#include "ty_interrupt.h"
#include "ty_simd.h"
#include "ty_pool.h"

/* elements processed between two looks at the interrupt flag */
#define TY_BLOCK ((size_t)1 << 16)
/* elements from which elementwise passes use the worker pool */
#define EL_PAR ((size_t)1 << 18)

/* products at most this many multiply-adds (m n k) use a plain loop */
#define SMALL_PRODUCT 1000.0

static size_t min_size (size_t a, size_t b) { return a < b ? a : b; }

/* Count len more elements done; nonzero when a block is complete and
** the interrupt flag is set. */
static int stopped (size_t *since, size_t len) {
  *since += len;
  if (*since < TY_BLOCK) return 0;
  *since = 0;
  return ty_interrupted();
}

/* the complex number re + i im (exact even for infinite parts) */
static double complex mkcx (double re, double im) {
  double complex z;
  double *p = (double *)&z;
  p[0] = re;
  p[1] = im;
  return z;
}


/* ====================================================================== */
/* storage                                                                */
/* ====================================================================== */

/* x * 0 is 0 for finite x and NaN otherwise; eight independent partial
** sums keep the additions from forming one chain of dependencies. */
typedef struct fin_job {
  const double *x;
  double part[TY_POOL_MAX];
} fin_job;

/* x[lo..hi) * 0 summed: 0 when all are finite, NaN otherwise */
static void fin_work (void *arg, size_t lo, size_t hi, int tid) {
  fin_job *f = (fin_job *)arg;
  const double *x = f->x;
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, total = 0.0;
  size_t k, j;
  for (k = lo; k + 8 <= hi; k += 8)
    for (j = 0; j < 8; j++) acc[j] += x[k + j] * 0.0;
  for (; k < hi; k++) acc[0] += x[k] * 0.0;
  for (j = 0; j < 8; j++) total += acc[j];
  f->part[tid] = total;
}

/* 1 when no element is NaN or Inf; a large matrix is scanned on the
** worker pool (its first check, before a solver reads it, was a visible
** share of a large solve) */
int ty_mat_allfinite (const ty_mat *A) {
  size_t n = TY_NUMEL(A) * (A->cplx ? 2 : 1);
  fin_job f;
  int nt = n >= ((size_t)1 << 20) ? ty_pool_cpus() : 1, t;
  double total = 0.0;
  f.x = A->data;
  ty_par_for(nt, n, fin_work, &f);
  for (t = 0; t < nt && (size_t)t < n; t++) total += f.part[t];
  return total == 0.0;
}

void ty_hugepages (void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const size_t page = 4096;
  if (bytes >= ((size_t)4 << 20)) {   /* 4 MB and more */
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(page - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
  }
#else
  (void)p;
  (void)bytes;
#endif
}

void ty_mat_hugepages (ty_mat *A) {
  ty_hugepages(A->data, TY_NUMEL(A) * TY_ELSIZE(A->cplx));
}


/* ====================================================================== */
/* binary elementwise operations                                          */
/* ====================================================================== */

/* Does `small` stretch to `big`'s shape under API.md's rule: a 1x1, an
** m x 1 column of an m x n, or a 1 x n row of an m x n? */
static int stretches (const ty_mat *small, const ty_mat *big) {
  if (small->rows == 1 && small->cols == 1) return 1;
  if (small->cols == 1 && small->rows == big->rows) return 1;
  if (small->rows == 1 && small->cols == big->cols) return 1;
  return 0;
}

/* API.md's broadcasting: equal shapes, a 1x1 with anything, an m x n with
** an m x 1 column or a 1 x n row, in either order.  The result has the
** larger operand's shape; a column with a row (NumPy's outer broadcast)
** is not allowed: the result would have neither operand's shape. */
int ty_mat_broadcast (const ty_mat *A, const ty_mat *B, size_t *m,
                      size_t *n) {
  const ty_mat *big;
  if (A->rows == B->rows && A->cols == B->cols) big = A;
  else if (stretches(B, A)) big = A;
  else if (stretches(A, B)) big = B;
  else return 0;
  *m = big->rows;
  *n = big->cols;
  return 1;
}

/* z^n by repeated squaring (exact for small n, unlike cpow) */
static double complex cpowi (double complex z, long n) {
  double complex r = 1.0;
  unsigned long e = (unsigned long)(n < 0 ? -n : n);
  while (e != 0) {
    if (e & 1) r *= z;
    e >>= 1;
    if (e != 0) z *= z;
  }
  return (n < 0) ? 1.0 / r : r;
}

/* complex power; small integer exponents by multiplication (as NumPy) */
static double complex pow_cc (double complex x, double complex y) {
  double p = creal(y);
  if (cimag(y) == 0.0 && p == floor(p) && fabs(p) <= 64.0)
    return cpowi(x, (long)p);
  return cpow(x, y);
}

/* RUN(EXPR): c[k] = EXPR for k < len, where x is element k of a and y
** element k of b; a stride of 0 broadcasts the first element along the
** run.  Each case is a loop of its own, in blocks of 8 that compilers
** vectorize (a loop of known count) and a tail. */
#define RUN(EXPR) do { \
    size_t k_ = 0, j_; \
    if (sa && sb) { \
      for (; k_ + 8 <= len; k_ += 8) \
        for (j_ = k_; j_ < k_ + 8; j_++) { \
          x = a[j_]; y = b[j_]; c[j_] = (EXPR); \
        } \
      for (; k_ < len; k_++) { x = a[k_]; y = b[k_]; c[k_] = (EXPR); } \
    } \
    else if (sb) { \
      x = a[0]; \
      for (; k_ + 8 <= len; k_ += 8) \
        for (j_ = k_; j_ < k_ + 8; j_++) { y = b[j_]; c[j_] = (EXPR); } \
      for (; k_ < len; k_++) { y = b[k_]; c[k_] = (EXPR); } \
    } \
    else if (sa) { \
      y = b[0]; \
      for (; k_ + 8 <= len; k_ += 8) \
        for (j_ = k_; j_ < k_ + 8; j_++) { x = a[j_]; c[j_] = (EXPR); } \
      for (; k_ < len; k_++) { x = a[k_]; c[k_] = (EXPR); } \
    } \
    else { \
      x = a[0]; y = b[0]; c[0] = (EXPR); \
      for (k_ = 1; k_ < len; k_++) c[k_] = c[0]; \
    } \
  } while (0)

/* the four operations of every kind of operand pair (pow apart) */
#define ARITH(POWF) \
  switch (op) { \
    case TY_ADD: RUN(x + y); break; \
    case TY_SUB: RUN(x - y); break; \
    case TY_MUL: RUN(x * y); break; \
    case TY_DIV: RUN(x / y); break; \
    default: RUN(POWF(x, y)); break; \
  }

/* runs of real op real */
TY_CLONES
static void run_rr (double *restrict c, const double *restrict a, int sa,
                    const double *restrict b, int sb, size_t len, int op) {
  double x, y;
  if (op == TY_POW && !sb) {          /* exact shortcuts, as pow gives */
    if (b[0] == 2.0) { RUN(x * x); return; }
    if (b[0] == 1.0) { RUN(x); return; }
    if (b[0] == -1.0) { RUN(1.0 / x); return; }
  }
  ARITH(pow)
}

/* runs of complex op complex */
static void run_cc (double complex *restrict c,
                    const double complex *restrict a, int sa,
                    const double complex *restrict b, int sb, size_t len,
                    int op) {
  double complex x, y;
  ARITH(pow_cc)
}

/* runs of real op complex */
static void run_rc (double complex *restrict c, const double *restrict a,
                    int sa, const double complex *restrict b, int sb,
                    size_t len, int op) {
  double x;
  double complex y;
  ARITH(pow_cc)
}

/* runs of complex op real */
static void run_cr (double complex *restrict c,
                    const double complex *restrict a, int sa,
                    const double *restrict b, int sb, size_t len, int op) {
  double complex x;
  double y;
  ARITH(pow_cc)
}

/* One run of len elements of C from element oc on, A read from element
** oa with stride sa (0 or 1), B from ob with stride sb. */
static void run (ty_mat *C, size_t oc, const ty_mat *A, size_t oa, int sa,
                 const ty_mat *B, size_t ob, int sb, size_t len, int op) {
  if (!C->cplx)
    run_rr(C->data + oc, A->data + oa, sa, B->data + ob, sb, len, op);
  else if (A->cplx && B->cplx)
    run_cc(TY_CX(C) + oc, TY_CX(A) + oa, sa, TY_CX(B) + ob, sb, len, op);
  else if (A->cplx)
    run_cr(TY_CX(C) + oc, TY_CX(A) + oa, sa, B->data + ob, sb, len, op);
  else
    run_rc(TY_CX(C) + oc, A->data + oa, sa, TY_CX(B) + ob, sb, len, op);
}

typedef struct el_job {           /* an elementwise pass over n elements */
  ty_mat *C;
  const ty_mat *A, *B;
  size_t n;
  int full_a, full_b, op;
  double alpha[2];                /* axpy's and scale's factor */
} el_job;

/* blocks lo..hi (of TY_BLOCK elements) of a binop's one long run, with a
** look at the interrupt flag between two */
static void bin_work (void *arg, size_t lo, size_t hi, int tid) {
  const el_job *e = (const el_job *)arg;
  size_t b;
  (void)tid;
  for (b = lo; b < hi; b++) {
    size_t at = b * TY_BLOCK;
    if (b > lo && ty_interrupted()) return;
    run(e->C, at, e->A, e->full_a ? at : 0, e->full_a, e->B,
        e->full_b ? at : 0, e->full_b, min_size(TY_BLOCK, e->n - at), e->op);
  }
}

/* An elementwise pass over n elements in blocks of TY_BLOCK, shared among
** the worker pool's threads from EL_PAR elements on.  Pieces are whole
** blocks, as on one thread, so every element is computed the same way
** (the vectorized exp, for one, leaves block tails to libm). */
static int el_pass (size_t n, ty_par_fn fn, el_job *e) {
  size_t blocks = (n + TY_BLOCK - 1) / TY_BLOCK;
  e->n = n;
  if (n < EL_PAR) fn(e, 0, blocks, 0);       /* small: no pool at all */
  else ty_par_for(ty_pool_cpus(), blocks, fn, e);
  return ty_interrupted() ? TY_EINTR : 0;
}

int ty_mat_binop (ty_mat *C, const ty_mat *A, const ty_mat *B, int op) {
  size_t m = C->rows, n = C->cols, j, since = 0;
  int full_a = (A->rows == m && A->cols == n);
  int full_b = (B->rows == m && B->cols == n);
  if (m == 0 || n == 0) return 0;
  if ((full_a || TY_NUMEL(A) == 1) && (full_b || TY_NUMEL(B) == 1)) {
    el_job e;                     /* one long run, in blocks */
    e.C = C;
    e.A = A;
    e.B = B;
    e.full_a = full_a;
    e.full_b = full_b;
    e.op = op;
    return el_pass(m * n, bin_work, &e);
  }
  for (j = 0; j < n; j++) {       /* a run per column */
    size_t oa = (A->cols == 1 ? 0 : j) * A->rows;
    size_t ob = (B->cols == 1 ? 0 : j) * B->rows;
    run(C, j * m, A, oa, A->rows != 1, B, ob, B->rows != 1, m, op);
    if (stopped(&since, m)) return TY_EINTR;
  }
  return 0;
}


/* ====================================================================== */
/* the exponential, vectorized                                            */
/* ====================================================================== */

/* The kernel is ty_v8_exp (ty_simd.h), valid for |x| < 709; exp_block
** reports whether any element of the block was outside |x| < 708 (or
** NaN), and the caller redoes those with libm's exp. */
#if defined(TY_HAVE_V8)

/* y = exp(x) for n elements, n a multiple of 8; returns a negative
** number when every |x| < 708 */
TY_CLONES
static int64_t exp_block (double *restrict y, const double *restrict x,
                          size_t n) {
  const int64_t lim = 0x4086200000000000LL;        /* bits of 708.0 */
  const int64_t absmask = 0x7fffffffffffffffLL;
  ty_v8i ok = {-1, -1, -1, -1, -1, -1, -1, -1};
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    ty_v8d v, p;
    memcpy(&v, x + i, sizeof v);
    ok &= ((ty_v8i)v & absmask) - lim;             /* < 0 when in range */
    p = ty_v8_exp(v);
    memcpy(y + i, &p, sizeof p);
  }
  return ok[0] & ok[1] & ok[2] & ok[3] & ok[4] & ok[5] & ok[6] & ok[7];
}

/* y = exp(x), n elements */
static void vexp (double *restrict y, const double *restrict x, size_t n) {
  const size_t bs = 2048;       /* a block stays in cache for the fixup */
  size_t i, j;
  if (n < 64) {
    for (i = 0; i < n; i++) y[i] = exp(x[i]);
    return;
  }
  for (i = 0; i < n; i += bs) {
    size_t len = min_size(bs, n - i), vlen = len & ~(size_t)7;
    if (exp_block(y + i, x + i, vlen) >= 0)
      for (j = i; j < i + vlen; j++)
        if (!(fabs(x[j]) < 708.0)) y[j] = exp(x[j]);
    for (j = i + vlen; j < i + len; j++) y[j] = exp(x[j]);
  }
}

#else

static void vexp (double *restrict y, const double *restrict x, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = exp(x[i]);
}

#endif


/* ====================================================================== */
/* unary elementwise functions                                            */
/* ====================================================================== */

int ty_mat_unop_iscomplex (int fn, int cplx) {
  if (!cplx) return 0;
  return !(fn == TY_ABS || fn == TY_REAL || fn == TY_IMAG || fn == TY_ANGLE);
}

/* UN(EXPR): c[k] = EXPR with x = a[k], for k < len (blocks of 8 as in
** RUN) */
#define UN(EXPR) do { \
    size_t j_; \
    for (k = 0; k + 8 <= len; k += 8) \
      for (j_ = k; j_ < k + 8; j_++) { x = a[j_]; c[j_] = (EXPR); } \
    for (; k < len; k++) { x = a[k]; c[k] = (EXPR); } \
  } while (0)

/* real -> real */
TY_CLONES
static void un_rr (double *restrict c, const double *restrict a,
                   size_t len, int fn) {
  size_t k;
  double x;
  switch (fn) {
    case TY_NEG: UN(-x); break;
    case TY_EXP: vexp(c, a, len); break;
    case TY_LOG: UN(log(x)); break;
    case TY_SQRT: UN(sqrt(x)); break;
    case TY_ABS: UN(fabs(x)); break;
    case TY_SIN: UN(sin(x)); break;
    case TY_COS: UN(cos(x)); break;
    case TY_TAN: UN(tan(x)); break;
    case TY_TANH: UN(tanh(x)); break;
    case TY_FLOOR: UN(floor(x)); break;
    case TY_CEIL: UN(ceil(x)); break;
    case TY_SIGN: UN(x > 0 ? 1.0 : (x < 0 ? -1.0 : x)); break;
    case TY_IMAG: memset(c, 0, len * sizeof *c); break;
    case TY_ANGLE: UN(atan2(0.0, x)); break;
    default: memcpy(c, a, len * sizeof *c); break;    /* real, conj */
  }
}

/* complex -> complex */
static void un_cc (double complex *restrict c,
                   const double complex *restrict a, size_t len, int fn) {
  size_t k;
  double complex x;
  switch (fn) {
    case TY_EXP: UN(cexp(x)); break;
    case TY_LOG: UN(clog(x)); break;
    case TY_SQRT: UN(csqrt(x)); break;
    case TY_SIN: UN(csin(x)); break;
    case TY_COS: UN(ccos(x)); break;
    case TY_TAN: UN(ctan(x)); break;
    case TY_TANH: UN(ctanh(x)); break;
    case TY_SIGN: UN(x == 0.0 ? x : x / cabs(x)); break;
    case TY_CONJ: UN(conj(x)); break;
    default: memcpy(c, a, len * sizeof *c); break;
  }
}

/* complex -> real */
static void un_cr (double *restrict c, const double complex *restrict a,
                   size_t len, int fn) {
  size_t k;
  double complex x;
  switch (fn) {
    case TY_ABS: UN(cabs(x)); break;
    case TY_REAL: UN(creal(x)); break;
    case TY_IMAG: UN(cimag(x)); break;
    default: UN(carg(x)); break;                      /* angle */
  }
}

/* blocks lo..hi of a unop, with a look at the flag between two */
static void un_work (void *arg, size_t lo, size_t hi, int tid) {
  const el_job *e = (const el_job *)arg;
  ty_mat *C = e->C;
  const ty_mat *A = e->A;
  size_t b;
  int fn = e->op;
  (void)tid;
  for (b = lo; b < hi; b++) {
    size_t at = b * TY_BLOCK, len = min_size(TY_BLOCK, e->n - at);
    if (b > lo && ty_interrupted()) return;
    if (!A->cplx)
      un_rr(C->data + at, A->data + at, len, fn);
    else if (fn == TY_NEG || fn == TY_FLOOR || fn == TY_CEIL)
      un_rr(C->data + 2 * at, A->data + 2 * at, 2 * len, fn);  /* parts */
    else if (C->cplx)
      un_cc(TY_CX(C) + at, TY_CX(A) + at, len, fn);
    else
      un_cr(C->data + at, TY_CX(A) + at, len, fn);
  }
}

int ty_mat_unop (ty_mat *C, const ty_mat *A, int fn) {
  el_job e;
  e.C = C;
  e.A = A;
  e.op = fn;
  return el_pass(TY_NUMEL(A), un_work, &e);
}


/* ====================================================================== */
/* products                                                               */
/* ====================================================================== */

/* C = A B for small sizes: each c_ij a dot product, summed over l in
** order (no zeroing pass, one store per element) */
#define SMALL_MATMUL(T) do { \
    const T *a = (const T *)A->data, *b = (const T *)B->data; \
    T *c = (T *)C->data; \
    size_t i, j, l; \
    for (j = 0; j < n; j++) { \
      const T *bj = b + j * k; \
      for (i = 0; i < m; i++) { \
        T s = 0; \
        for (l = 0; l < k; l++) s += a[l * m + i] * bj[l]; \
        c[j * m + i] = s; \
      } \
    } \
  } while (0)

void ty_mat_matmul (ty_mat *C, const ty_mat *A, const ty_mat *B) {
  size_t m = A->rows, k = A->cols, n = B->cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    memset(C->data, 0, m * n * TY_ELSIZE(C->cplx));
    return;
  }
  if ((double)m * (double)n * (double)k <= SMALL_PRODUCT) {
    if (C->cplx) SMALL_MATMUL(double complex);
    else SMALL_MATMUL(double);
    return;
  }
  if (!C->cplx) {
    if (n == 1)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)k, 1.0, A->data,
                  (int)m, B->data, 1, 0.0, C->data, 1);
    else
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
                  (int)k, 1.0, A->data, (int)m, B->data, (int)k, 0.0,
                  C->data, (int)m);
  }
  else {
    const double one[2] = {1.0, 0.0}, zero[2] = {0.0, 0.0};
    if (n == 1)
      cblas_zgemv(CblasColMajor, CblasNoTrans, (int)m, (int)k, one, A->data,
                  (int)m, B->data, 1, zero, C->data, 1);
    else
      cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
                  (int)k, one, A->data, (int)m, B->data, (int)k, zero,
                  C->data, (int)m);
  }
}

int ty_mat_dot (const ty_mat *A, const ty_mat *B, double d[2]) {
  size_t n = TY_NUMEL(A), at, k;
  double re = 0.0, im = 0.0;
  for (at = 0; at < n; at += TY_BLOCK) {
    size_t end = min_size(n, at + TY_BLOCK);
    double r0 = 0, r1 = 0, i0 = 0, i1 = 0;
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    if (!A->cplx && !B->cplx) {
      const double *a = A->data, *b = B->data;
      for (k = at; k + 1 < end; k += 2) {
        r0 += a[k] * b[k];
        r1 += a[k + 1] * b[k + 1];
      }
      if (k < end) r0 += a[k] * b[k];
    }
    else if (A->cplx && B->cplx) {     /* conj(a) b */
      const double *a = A->data, *b = B->data;
      for (k = at; k < end; k++) {
        double ar = a[2 * k], ai = a[2 * k + 1];
        double br = b[2 * k], bi = b[2 * k + 1];
        r0 += ar * br;
        r1 += ai * bi;
        i0 += ar * bi;
        i1 -= ai * br;
      }
    }
    else if (A->cplx) {                /* conj(a) b, b real */
      const double *a = A->data, *b = B->data;
      for (k = at; k < end; k++) {
        r0 += a[2 * k] * b[k];
        i0 -= a[2 * k + 1] * b[k];
      }
    }
    else {                             /* a b, a real */
      const double *a = A->data, *b = B->data;
      for (k = at; k < end; k++) {
        r0 += a[k] * b[2 * k];
        i0 += a[k] * b[2 * k + 1];
      }
    }
    re += r0 + r1;
    im += i0 + i1;
  }
  d[0] = re;
  d[1] = im;
  return 0;
}

void ty_mat_trace (const ty_mat *A, double t[2]) {
  size_t n = min_size(A->rows, A->cols), i;
  t[0] = t[1] = 0.0;
  for (i = 0; i < n; i++) {
    size_t at = i * A->rows + i;
    if (A->cplx) {
      t[0] += A->data[2 * at];
      t[1] += A->data[2 * at + 1];
    }
    else t[0] += A->data[at];
  }
}


/* ====================================================================== */
/* sums                                                                   */
/* ====================================================================== */

/* Pairwise sum of n doubles: s[0] gets the elements at even positions and
** s[1] those at odd ones (the real and imaginary parts of complex data).
** Blocks of up to 256 use eight running sums; larger runs are halved. */
static void psum (const double *x, size_t n, double s[2]) {
  if (n <= 256) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t k, j;
    for (k = 0; k + 8 <= n; k += 8)
      for (j = 0; j < 8; j++) acc[j] += x[k + j];
    for (; k < n; k++) acc[k & 7] += x[k];
    s[0] = (acc[0] + acc[2]) + (acc[4] + acc[6]);
    s[1] = (acc[1] + acc[3]) + (acc[5] + acc[7]);
  }
  else {
    size_t h = (n / 2) & ~(size_t)7;  /* even, so parts keep their parity */
    double s1[2], s2[2];
    psum(x, h, s1);
    psum(x + h, n - h, s2);
    s[0] = s1[0] + s2[0];
    s[1] = s1[1] + s2[1];
  }
}

/* s = the sum of n elements of kind cplx at x, in blocks */
static int sum_run (const double *x, size_t n, int cplx, double s[2]) {
  size_t nd = cplx ? 2 * n : n, at;
  const size_t bs = 16 * TY_BLOCK;
  s[0] = s[1] = 0.0;
  for (at = 0; at < nd; at += bs) {
    double part[2];
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    psum(x + at, min_size(bs, nd - at), part);
    s[0] += part[0];
    s[1] += part[1];
  }
  if (!cplx) {
    s[0] += s[1];
    s[1] = 0.0;
  }
  return 0;
}

int ty_mat_sum (const ty_mat *A, double s[2]) {
  return sum_run(A->data, TY_NUMEL(A), A->cplx, s);
}

int ty_mat_sumdim (ty_mat *R, const ty_mat *A, int dim) {
  size_t m = A->rows, n = A->cols, i, j, since = 0;
  size_t w = A->cplx ? 2 : 1;                /* doubles per element */
  if (dim == 1) {
    for (j = 0; j < n; j++) {
      double s[2];
      int status = sum_run(A->data + j * m * w, m, A->cplx, s);
      if (status != 0) return status;
      R->data[w * j] = s[0];
      if (A->cplx) R->data[2 * j + 1] = s[1];
      if (stopped(&since, m)) return TY_EINTR;
    }
  }
  else {
    double *restrict r = R->data;
    memset(r, 0, m * w * sizeof(double));
    for (j = 0; j < n; j++) {
      const double *restrict a = A->data + j * m * w;
      for (i = 0; i < m * w; i++) r[i] += a[i];
      if (stopped(&since, m)) return TY_EINTR;
    }
  }
  return 0;
}


/* ====================================================================== */
/* minimum and maximum                                                    */
/* ====================================================================== */

/* the modulus of element k of A */
static double modulus (const ty_mat *A, size_t k) {
  if (A->cplx) return hypot(A->data[2 * k], A->data[2 * k + 1]);
  return fabs(A->data[k]);
}

/* the value compared for element k: itself, or its modulus */
static double key (const ty_mat *A, size_t k) {
  return A->cplx ? hypot(A->data[2 * k], A->data[2 * k + 1]) : A->data[k];
}

/* The first extreme of n values x[0], x[s], x[2s]... (NaN wins); the
** index of the first element is 0. */
static size_t ext_real (const double *x, size_t n, size_t s, int wantmax) {
  size_t k, best = 0;
  double v = x[0];
  if (v != v) return 0;
  if (wantmax) {
    for (k = 1; k < n; k++) {
      double y = x[k * s];
      if (y > v) { v = y; best = k; }
      else if (y != y) return k;
    }
  }
  else {
    for (k = 1; k < n; k++) {
      double y = x[k * s];
      if (y < v) { v = y; best = k; }
      else if (y != y) return k;
    }
  }
  return best;
}

/* the same for the moduli of n complex elements from element `first`,
** stride s */
static size_t ext_cplx (const ty_mat *A, size_t first, size_t n, size_t s,
                        int wantmax) {
  size_t k, best = 0;
  double v = key(A, first);
  if (v != v) return 0;
  for (k = 1; k < n; k++) {
    double y = key(A, first + k * s);
    if (wantmax ? y > v : y < v) { v = y; best = k; }
    else if (y != y) return k;
  }
  return best;
}

int ty_mat_argext (const ty_mat *A, int wantmax, size_t *idx) {
  size_t n = TY_NUMEL(A), at, best = 0;
  double v = key(A, 0);
  for (at = 0; at < n && v == v; at += TY_BLOCK) {
    size_t len = min_size(TY_BLOCK, n - at), k;
    double y;
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    k = at + (A->cplx ? ext_cplx(A, at, len, 1, wantmax)
                      : ext_real(A->data + at, len, 1, wantmax));
    y = key(A, k);
    if (y != y || (wantmax ? y > v : y < v)) { v = y; best = k; }
  }
  *idx = best;
  return 0;
}

int ty_mat_extdim (ty_mat *V, ty_mat *Ix, const ty_mat *A, int dim,
                   int wantmax) {
  size_t m = A->rows, n = A->cols, i, j, since = 0;
  if (dim == 1) {                 /* each column */
    for (j = 0; j < n; j++) {
      size_t k = A->cplx ? ext_cplx(A, j * m, m, 1, wantmax)
                         : ext_real(A->data + j * m, m, 1, wantmax);
      size_t at = j * m + k;
      Ix->data[j] = (double)(k + 1);
      if (A->cplx) {
        V->data[2 * j] = A->data[2 * at];
        V->data[2 * j + 1] = A->data[2 * at + 1];
      }
      else V->data[j] = A->data[at];
      if (stopped(&since, m)) return TY_EINTR;
    }
    return 0;
  }
  /* each row: sweep the columns, keeping the best so far per row (I holds
  ** 0-based column indices until the end); a NaN stays once found */
  for (i = 0; i < m; i++) Ix->data[i] = 0.0;
  for (j = 1; j < n; j++) {
    for (i = 0; i < m; i++) {
      size_t cur = (size_t)Ix->data[i] * m + i;
      double v = key(A, cur), y = key(A, j * m + i);
      if (v == v && (y != y || (wantmax ? y > v : y < v)))
        Ix->data[i] = (double)j;
    }
    if (stopped(&since, m)) return TY_EINTR;
  }
  for (i = 0; i < m; i++) {
    size_t at = (size_t)Ix->data[i] * m + i;
    if (A->cplx) {
      V->data[2 * i] = A->data[2 * at];
      V->data[2 * i + 1] = A->data[2 * at + 1];
    }
    else V->data[i] = A->data[at];
    Ix->data[i] += 1.0;
  }
  return 0;
}


/* ====================================================================== */
/* norms                                                                  */
/* ====================================================================== */

/* *v = the largest modulus, NaN if any element is NaN */
static int max_modulus (const ty_mat *A, double *v) {
  size_t n = TY_NUMEL(A), at, k;
  double best = 0.0;
  for (at = 0; at < n; at += TY_BLOCK) {
    size_t end = min_size(n, at + TY_BLOCK);
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    for (k = at; k < end; k++) {
      double y = modulus(A, k);
      if (y > best) best = y;
      else if (y != y) { *v = y; return 0; }
    }
  }
  *v = best;
  return 0;
}

/* *r = the 2-norm of all elements: the plain sum of squares when it
** cannot have overflowed or lost precision to underflow, else scaled by
** the largest modulus */
static int norm2_all (const ty_mat *A, double *r) {
  size_t nd = TY_NUMEL(A) * (A->cplx ? 2 : 1), at, k;
  const double *x = A->data;
  double ss = 0.0, amax, inv;
  int status;
  for (at = 0; at < nd; at += TY_BLOCK) {
    size_t end = min_size(nd, at + TY_BLOCK);
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    for (k = at; k + 4 <= end; k += 4) {
      s0 += x[k] * x[k];
      s1 += x[k + 1] * x[k + 1];
      s2 += x[k + 2] * x[k + 2];
      s3 += x[k + 3] * x[k + 3];
    }
    for (; k < end; k++) s0 += x[k] * x[k];
    ss += (s0 + s1) + (s2 + s3);
  }
  if (ss != ss || (ss < HUGE_VAL && ss > DBL_MIN / DBL_EPSILON)) {
    *r = sqrt(ss);
    return 0;
  }
  status = max_modulus(A, &amax);  /* overflow, underflow, zero or Inf */
  if (status != 0) return status;
  if (amax == 0.0 || amax == HUGE_VAL || amax != amax) {
    *r = amax;
    return 0;
  }
  inv = 1.0 / amax;
  ss = 0.0;
  for (at = 0; at < nd; at += TY_BLOCK) {
    size_t end = min_size(nd, at + TY_BLOCK);
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    if (inv < HUGE_VAL)
      for (k = at; k < end; k++) ss += (x[k] * inv) * (x[k] * inv);
    else                           /* amax subnormal: divide instead */
      for (k = at; k < end; k++) ss += (x[k] / amax) * (x[k] / amax);
  }
  *r = amax * sqrt(ss);
  return 0;
}

int ty_mat_vecnorm (const ty_mat *A, double p, double *r) {
  size_t n = TY_NUMEL(A), at, k;
  double s = 0.0, amax;
  int status;
  *r = 0.0;
  if (n == 0) return 0;
  if (p == 2.0) return norm2_all(A, r);
  status = max_modulus(A, &amax);
  if (status != 0 || p == HUGE_VAL) {
    *r = amax;
    return status;
  }
  if (amax == 0.0 || amax == HUGE_VAL || amax != amax) {
    *r = amax;
    return 0;
  }
  for (at = 0; at < n; at += TY_BLOCK) {
    size_t end = min_size(n, at + TY_BLOCK);
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    if (p == 1.0)
      for (k = at; k < end; k++) s += modulus(A, k);
    else                           /* scaled by the largest modulus */
      for (k = at; k < end; k++) s += pow(modulus(A, k) / amax, p);
  }
  *r = (p == 1.0) ? s : amax * pow(s, 1.0 / p);
  return 0;
}

int ty_mat_norm1 (const ty_mat *A, double *r) {
  size_t m = A->rows, n = A->cols, i, j, since = 0;
  double best = 0.0;
  for (j = 0; j < n && best == best; j++) {
    double s = 0.0;
    for (i = 0; i < m; i++) s += modulus(A, j * m + i);
    if (s > best || s != s) best = s;
    if (stopped(&since, m)) return TY_EINTR;
  }
  *r = best;
  return 0;
}

int ty_mat_norminf (const ty_mat *A, double *work, double *r) {
  size_t m = A->rows, n = A->cols, i, j, since = 0;
  double best = 0.0;
  for (i = 0; i < m; i++) work[i] = 0.0;
  for (j = 0; j < n; j++) {
    for (i = 0; i < m; i++) work[i] += modulus(A, j * m + i);
    if (stopped(&since, m)) return TY_EINTR;
  }
  for (i = 0; i < m && best == best; i++)
    if (work[i] > best || work[i] != work[i]) best = work[i];
  *r = best;
  return 0;
}

int ty_mat_svals (const ty_mat *A, double *work, double *s) {
  int m = (int)A->rows, n = (int)A->cols;
  memcpy(work, A->data, TY_NUMEL(A) * TY_ELSIZE(A->cplx));
  if (A->cplx)
    return (int)LAPACKE_zgesdd(LAPACK_COL_MAJOR, 'N', m, n,
                               (lapack_complex_double *)work, m, s, NULL, 1,
                               NULL, 1);
  return (int)LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', m, n, work, m, s, NULL, 1,
                             NULL, 1);
}


/* ====================================================================== */
/* comparison                                                             */
/* ====================================================================== */

int ty_mat_allclose (const ty_mat *A, const ty_mat *B, double rtol,
                     double atol) {
  size_t n = TY_NUMEL(A), at, k;
  for (at = 0; at < n; at += TY_BLOCK) {
    size_t end = min_size(n, at + TY_BLOCK);
    if (at > 0 && ty_interrupted()) return TY_EINTR;
    for (k = at; k < end; k++) {
      double ar = A->cplx ? A->data[2 * k] : A->data[k];
      double ai = A->cplx ? A->data[2 * k + 1] : 0.0;
      double br = B->cplx ? B->data[2 * k] : B->data[k];
      double bi = B->cplx ? B->data[2 * k + 1] : 0.0;
      double d, bmod;
      if (ar == br && ai == bi) continue;      /* equal, infinities too */
      if (ai == 0.0 && bi == 0.0) {
        d = fabs(ar - br);
        bmod = fabs(br);
      }
      else {
        d = hypot(ar - br, ai - bi);
        bmod = hypot(br, bi);
      }
      if (!(d <= atol + rtol * bmod) || d == HUGE_VAL) return 0;
    }
  }
  return 1;
}


/* ====================================================================== */
/* in place                                                               */
/* ====================================================================== */

/* y[k] += alpha x[k*sx] for k < len, real (x may be y: no restrict) */
static void axpy_rr (double *restrict y, double alpha, const double *x,
                     int sx, size_t len) {
  size_t k;
  if (sx) for (k = 0; k < len; k++) y[k] += alpha * x[k];
  else {
    double v = alpha * x[0];
    for (k = 0; k < len; k++) y[k] += v;
  }
}

/* the same with a complex y and alpha, x real or complex */
static void axpy_c (double complex *restrict y, double complex alpha,
                    const ty_mat *X, size_t ox, int sx, size_t len) {
  size_t k;
  if (X->cplx) {
    const double complex *x = TY_CX(X) + ox;    /* x may be y */
    if (sx) for (k = 0; k < len; k++) y[k] += alpha * x[k];
    else {
      double complex v = alpha * x[0];
      for (k = 0; k < len; k++) y[k] += v;
    }
  }
  else {
    const double *x = X->data + ox;
    if (sx) for (k = 0; k < len; k++) y[k] += alpha * x[k];
    else {
      double complex v = alpha * x[0];
      for (k = 0; k < len; k++) y[k] += v;
    }
  }
}

/* one run of ty_mat_axpy: len elements of Y from oy, X from ox */
static void axpy_run (ty_mat *Y, size_t oy, const double alpha[2],
                      const ty_mat *X, size_t ox, int sx, size_t len) {
  if (Y->cplx) {
    axpy_c(TY_CX(Y) + oy, mkcx(alpha[0], alpha[1]), X, ox, sx, len);
  }
  else axpy_rr(Y->data + oy, alpha[0], X->data + ox, sx, len);
}

/* blocks lo..hi of an axpy's one long run (Y is C, X is A) */
static void axpy_work (void *arg, size_t lo, size_t hi, int tid) {
  const el_job *e = (const el_job *)arg;
  size_t b;
  (void)tid;
  for (b = lo; b < hi; b++) {
    size_t at = b * TY_BLOCK;
    if (b > lo && ty_interrupted()) return;
    axpy_run(e->C, at, e->alpha, e->A, e->full_a ? at : 0, e->full_a,
             min_size(TY_BLOCK, e->n - at));
  }
}

int ty_mat_axpy (ty_mat *Y, const double alpha[2], const ty_mat *X) {
  size_t m = Y->rows, n = Y->cols, j, since = 0;
  int full = (X->rows == m && X->cols == n);
  if (m == 0 || n == 0) return 0;
  if (full || TY_NUMEL(X) == 1) {
    el_job e;
    e.C = Y;
    e.A = X;
    e.full_a = full;
    e.alpha[0] = alpha[0];
    e.alpha[1] = alpha[1];
    return el_pass(m * n, axpy_work, &e);
  }
  for (j = 0; j < n; j++) {
    axpy_run(Y, j * m, alpha, X, (X->cols == 1 ? 0 : j) * X->rows,
             X->rows != 1, m);
    if (stopped(&since, m)) return TY_EINTR;
  }
  return 0;
}

/* blocks lo..hi of a scale (the matrix is C) */
static void scale_work (void *arg, size_t lo, size_t hi, int tid) {
  const el_job *e = (const el_job *)arg;
  ty_mat *A = e->C;
  const double *s = e->alpha;
  size_t b, k;
  (void)tid;
  for (b = lo; b < hi; b++) {
    size_t at = b * TY_BLOCK, end = min_size(e->n, at + TY_BLOCK);
    if (b > lo && ty_interrupted()) return;
    if (!A->cplx || s[1] == 0.0) {
      double *restrict x = A->data;
      size_t w = A->cplx ? 2 : 1;
      for (k = w * at; k < w * end; k++) x[k] *= s[0];
    }
    else {
      double complex *restrict z = TY_CX(A), v = mkcx(s[0], s[1]);
      for (k = at; k < end; k++) z[k] *= v;
    }
  }
}

int ty_mat_scale (ty_mat *A, const double s[2]) {
  el_job e;
  e.C = A;
  e.alpha[0] = s[0];
  e.alpha[1] = s[1];
  return el_pass(TY_NUMEL(A), scale_work, &e);
}

void ty_mat_fill (ty_mat *A, const double v[2]) {
  size_t n = TY_NUMEL(A), k;
  if (A->cplx)
    for (k = 0; k < n; k++) {
      A->data[2 * k] = v[0];
      A->data[2 * k + 1] = v[1];
    }
  else
    for (k = 0; k < n; k++) A->data[k] = v[0];
}

void ty_mat_copyto (ty_mat *D, const ty_mat *S) {
  size_t n = TY_NUMEL(S), k;
  if (D->data == S->data) return;
  if (D->cplx == S->cplx)
    memcpy(D->data, S->data, n * TY_ELSIZE(S->cplx));
  else
    for (k = 0; k < n; k++) {
      D->data[2 * k] = S->data[k];
      D->data[2 * k + 1] = 0.0;
    }
}

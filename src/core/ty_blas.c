/*
** ty_blas.c: checked LAPACK wrappers (see ty_blas.h).
**
** Every public routine follows the same steps:
**   1. check the shapes and flags of its arguments (TY_LA_ESHAPE), that
**      every dimension fits LAPACK's integer (TY_LA_EBIG) and that the
**      inputs are finite (TY_LA_ENANINF);
**   2. give empty matrices their documented result, without LAPACK;
**   3. ask LAPACK for its workspace sizes and lay out the scratch memory
**      with an "arena" that either only counts bytes (sizing call, work ==
**      NULL) or hands out pieces of the caller's buffer;
**   4. copy the inputs into scratch (promoting to complex when asked),
**      call LAPACK, and turn its `info` into a return code.
** Only the LAPACKE_*_work entry points are used: with column-major storage
** they call LAPACK directly, without allocating or transposing.
*/
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <complex.h>

#include <cblas.h>
#include <lapacke.h>
#include <lapack.h>

#include "ty_blas.h"
#include "ty_interrupt.h"

#define COL       LAPACK_COL_MAJOR
#define EPS       DBL_EPSILON
#define LINT_MAX  ((sizeof(lapack_int) == 8) ? (size_t)INT64_MAX \
                                              : (size_t)INT32_MAX)
#define GO        100          /* sized(): "buffer laid out, compute now" */

typedef lapack_int lint;
typedef lapack_complex_double zdouble;

#define Z(p)       ((zdouble *)(void *)(p))
#define ES(cplx)   TY_ELSIZE(cplx)
#define MIN(a, b)  ((a) < (b) ? (a) : (b))
#define MAX(a, b)  ((a) > (b) ? (a) : (b))

/* ====================================================================== */
/* scratch memory                                                         */
/* ====================================================================== */

/* An arena lays out the scratch memory of one call.  While sizing, base
** is NULL and take() only counts; afterwards base is the caller's buffer
** and take() returns the same pieces again. */
typedef struct arena {
  char *base;
  size_t used;
  int big;                    /* a size overflowed */
} arena;

/* Room for count elements of size bytes, 64-byte aligned. */
static void *take (arena *a, size_t count, size_t size) {
  size_t off = (a->used + 63) & ~(size_t)63, bytes;
  if (size != 0 && count > (SIZE_MAX / 4) / size) { a->big = 1; return NULL; }
  bytes = count * size;
  if (off > SIZE_MAX / 2 - bytes) { a->big = 1; return NULL; }
  a->used = off + bytes;
  return a->base ? a->base + off : NULL;
}

/* End of the layout: when sizing, store the size and return TY_LA_OK;
** when computing, return GO if the buffer is large enough. */
static int sized (const arena *a, size_t *worksize) {
  if (a->big) return TY_LA_EBIG;
  if (a->base == NULL) { *worksize = a->used; return TY_LA_OK; }
  if (a->used > *worksize) return TY_LA_EWORK;
  return GO;
}

/* For routines whose empty case needs no memory: 1 when this is only the
** sizing call (and *worksize is then 0). */
static int sizing_only (const void *work, size_t *worksize) {
  if (work == NULL) { *worksize = 0; return 1; }
  return 0;
}

/* 1 when n fits LAPACK's integer */
static int fits (size_t n) { return n <= LINT_MAX; }

/* A workspace size returned by a LAPACK query, as an integer >= 1;
** sets *big when it does not fit. */
static lint query_size (double q, int *big) {
  if (!(q < (double)LINT_MAX)) { *big = 1; return 1; }
  return (q < 1) ? 1 : (lint)ceil(q);
}

/* ====================================================================== */
/* copies and small kernels                                               */
/* ====================================================================== */

/* Copy A into dst (leading dimension ld >= rows of A), promoted to
** complex when cplx is set. */
static void load (double *dst, size_t ld, int cplx, const ty_mat *A) {
  size_t i, j, m = A->rows;
  for (j = 0; j < A->cols; j++) {
    const double *s = A->data + j * m * (A->cplx ? 2 : 1);
    double *d = dst + j * ld * (cplx ? 2 : 1);
    if (cplx == A->cplx) memcpy(d, s, m * ES(cplx));
    else
      for (i = 0; i < m; i++) { d[2 * i] = s[i]; d[2 * i + 1] = 0.0; }
  }
}

/* Copy the rows x cols block at src (leading dimension ld, elements of
** M's kind) into M. */
static void store (ty_mat *M, const double *src, size_t ld) {
  size_t j, es = ES(M->cplx), w = M->cplx ? 2 : 1;
  for (j = 0; j < M->cols; j++)
    memcpy(M->data + j * M->rows * w, src + j * ld * w, M->rows * es);
}

static void zero (ty_mat *M) {
  memset(M->data, 0, TY_NUMEL(M) * ES(M->cplx));
}

/* M = the rectangular identity */
static void set_eye (ty_mat *M) {
  size_t k, w = M->cplx ? 2 : 1;
  zero(M);
  for (k = 0; k < M->rows && k < M->cols; k++)
    M->data[(k * M->rows + k) * w] = 1.0;
}

/* dst (cols x rows, leading dimension ldd) = src^H, src rows x cols with
** leading dimension lds */
static void ctranspose (double *dst, size_t ldd, const double *src,
                        size_t lds, size_t rows, size_t cols, int cplx) {
  size_t i, j;
  for (j = 0; j < cols; j++)
    for (i = 0; i < rows; i++) {
      if (cplx) {
        dst[2 * (i * ldd + j)] = src[2 * (j * lds + i)];
        dst[2 * (i * ldd + j) + 1] = -src[2 * (j * lds + i) + 1];
      }
      else dst[i * ldd + j] = src[j * lds + i];
    }
}

/* 1-norm (largest column sum of moduli) of an m x n block */
static double norm1 (const double *a, size_t m, size_t n, size_t ld,
                     int cplx) {
  size_t i, j;
  double best = 0.0;
  for (j = 0; j < n; j++) {
    double s = 0.0;
    const double *c = a + j * ld * (cplx ? 2 : 1);
    if (cplx) for (i = 0; i < m; i++) s += hypot(c[2 * i], c[2 * i + 1]);
    else s = cblas_dasum((blasint)m, c, 1);        /* vectorized |.| sum */
    if (s > best) best = s;
  }
  return best;
}

/* Make the n x n matrix P exactly Hermitian: P = (P + P^H) / 2. */
static void hermitize (double *p, size_t n, int cplx) {
  size_t i, j;
  for (j = 0; j < n; j++)
    for (i = j; i < n; i++) {
      size_t a = j * n + i, b = i * n + j;
      if (cplx) {
        double re = 0.5 * (p[2 * a] + p[2 * b]);
        double im = 0.5 * (p[2 * a + 1] - p[2 * b + 1]);
        p[2 * a] = p[2 * b] = re;
        p[2 * a + 1] = im;
        p[2 * b + 1] = -im;
      }
      else p[a] = p[b] = 0.5 * (p[a] + p[b]);
    }
}

static enum CBLAS_TRANSPOSE blas_trans (char t, int cplx) {
  if (t == 'N') return CblasNoTrans;
  return (t == 'C' && cplx) ? CblasConjTrans : CblasTrans;
}

/* C (m x n) = op(A) op(B) with op 'N', 'T' or 'C' (conjugate transpose),
** inner dimension k. */
static void mul (int cplx, char ta, char tb, size_t m, size_t n, size_t k,
                 const double *A, size_t lda, const double *B, size_t ldb,
                 double *C, size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    size_t j;
    for (j = 0; j < n; j++)
      memset(C + j * ldc * (cplx ? 2 : 1), 0, m * ES(cplx));
    return;
  }
  if (cplx) {
    static const double one[2] = {1.0, 0.0}, nil[2] = {0.0, 0.0};
    cblas_zgemm(CblasColMajor, blas_trans(ta, 1), blas_trans(tb, 1),
                (blasint)m, (blasint)n, (blasint)k, one, A, (blasint)lda,
                B, (blasint)ldb, nil, C, (blasint)ldc);
  }
  else
    cblas_dgemm(CblasColMajor, blas_trans(ta, 0), blas_trans(tb, 0),
                (blasint)m, (blasint)n, (blasint)k, 1.0, A, (blasint)lda,
                B, (blasint)ldb, 0.0, C, (blasint)ldc);
}

/* Scale row i of the k x n block at a (leading dimension k) by f[i]. */
static void scale_rows (double *a, size_t k, size_t n, const double *f,
                        int cplx) {
  size_t i, j;
  for (j = 0; j < n; j++)
    for (i = 0; i < k; i++) {
      if (cplx) { a[2 * (j * k + i)] *= f[i]; a[2 * (j * k + i) + 1] *= f[i]; }
      else a[j * k + i] *= f[i];
    }
}

/* ====================================================================== */
/* messages and checks                                                    */
/* ====================================================================== */

const char *ty_la_strerror (int code) {
  switch (code) {
    case TY_LA_OK: return "no error";
    case TY_LA_ESINGULAR: return "matrix is singular to working precision";
    case TY_LA_ENOTPD: return "matrix is not positive definite";
    case TY_LA_ENOCONV: return "the LAPACK iteration did not converge";
    case TY_LA_ENOTHERM: return "matrix is not symmetric (Hermitian)";
    case TY_LA_ESHAPE: return "inconsistent shapes (internal error)";
    case TY_LA_EBIG: return "matrix too large for LAPACK's 32-bit sizes";
    case TY_LA_ENANINF: return "matrix has NaN or Inf elements";
    case TY_LA_EWORK: return "work buffer too small (internal error)";
    case TY_EINTR: return "interrupted";
    default: return "unknown error";
  }
}

int ty_la_ishermitian (const ty_mat *A, double rtol) {
  size_t i, j, n = A->rows;
  double big = 0.0, diff = 0.0;
  if (A->cols != n) return 0;
  for (j = 0; j < n; j++)
    for (i = j; i < n; i++) {
      size_t a = j * n + i, b = i * n + j;
      double d, m;
      if (A->cplx) {
        d = hypot(A->data[2 * a] - A->data[2 * b],
                  A->data[2 * a + 1] + A->data[2 * b + 1]);
        m = MAX(hypot(A->data[2 * a], A->data[2 * a + 1]),
                hypot(A->data[2 * b], A->data[2 * b + 1]));
      }
      else {
        d = fabs(A->data[a] - A->data[b]);
        m = MAX(fabs(A->data[a]), fabs(A->data[b]));
      }
      if (!(d <= diff)) diff = d;      /* NaN propagates */
      if (m > big) big = m;
    }
  return diff <= rtol * big;
}

#define FINITE(A) ty_mat_allfinite(A)

/* ====================================================================== */
/* systems and inverses                                                   */
/* ====================================================================== */

/* Scratch of factor(): condition estimators and the sytrf workspace. */
typedef struct factws {
  lint *ipiv, *iwork;
  double *cwork, *rwork, *fwork;   /* 4n elements, 2n doubles, lwork elts */
  lint lwork;
} factws;

/* Lay out factor()'s scratch for an n x n system of the given kind. */
static void factor_plan (arena *ar, factws *f, int kind, int cplx, size_t n) {
  f->lwork = 1;
  if (kind == TY_LA_SYM) {
    double dum[2] = {0, 0}, q[2] = {0, 0};
    lint idum[1] = {0};
    if (cplx) LAPACKE_zhetrf_work(COL, 'L', (lint)n, Z(dum), (lint)n, idum,
                                  Z(q), -1);
    else LAPACKE_dsytrf_work(COL, 'L', (lint)n, dum, (lint)n, idum, q, -1);
    f->lwork = query_size(q[0], &ar->big);
  }
  f->ipiv = take(ar, n, sizeof(lint));
  f->iwork = take(ar, n, sizeof(lint));
  f->cwork = take(ar, 4 * n, ES(cplx));
  f->rwork = take(ar, 2 * n, sizeof(double));
  f->fwork = take(ar, (size_t)f->lwork, ES(cplx));
}

/* Reciprocal 1-norm condition number of a real matrix from its LU factors:
** Hager and Higham's estimator (LAPACK's dlacn2, by reverse communication)
** with the solves done by dgetrs, which is blocked, where dgecon uses the
** unblocked dlatrs; the estimate is the same, about three times faster.
** v and x hold n doubles each, isgn n integers.  0 when singular. */
static double rcond_lu (lint n, const double *lu, const lint *ipiv,
                        double anorm, double *v, double *x, lint *isgn) {
  double est = 0.0;
  lint kase = 0, isave[3] = {0, 0, 0};
  if (anorm == 0.0) return 0.0;
  for (;;) {
    LAPACK_dlacn2(&n, v, x, isgn, &est, &kase, isave);
    if (kase == 0) break;
    LAPACKE_dgetrs_work(COL, kase == 1 ? 'N' : 'T', n, 1, lu, n, ipiv, x, n);
  }
  return (est > 0.0) ? (1.0 / est) / anorm : 0.0;
}

/* Factor the n x n matrix at a (leading dimension n) as `kind` says and
** estimate its reciprocal condition number; TY_LA_ESINGULAR below eps. */
static int factor (int kind, int cplx, lint n, double *a, factws *f) {
  double anorm, rcond = 0.0;
  lint info = 0;
  switch (kind) {
    case TY_LA_GENERAL:
      anorm = norm1(a, (size_t)n, (size_t)n, (size_t)n, cplx);
      if (cplx) {
        info = LAPACKE_zgetrf_work(COL, n, n, Z(a), n, f->ipiv);
        if (info == 0)
          info = LAPACKE_zgecon_work(COL, '1', n, Z(a), n, anorm, &rcond,
                                     Z(f->cwork), f->rwork);
      }
      else {
        info = LAPACKE_dgetrf_work(COL, n, n, a, n, f->ipiv);
        if (info == 0)
          rcond = rcond_lu(n, a, f->ipiv, anorm, f->cwork, f->cwork + n,
                           f->iwork);
      }
      break;
    case TY_LA_SPD:
      if (cplx) {
        anorm = LAPACKE_zlanhe_work(COL, '1', 'L', n, Z(a), n, f->rwork);
        info = LAPACKE_zpotrf_work(COL, 'L', n, Z(a), n);
        if (info > 0) return TY_LA_ENOTPD;
        info = LAPACKE_zpocon_work(COL, 'L', n, Z(a), n, anorm, &rcond,
                                   Z(f->cwork), f->rwork);
      }
      else {
        anorm = LAPACKE_dlansy_work(COL, '1', 'L', n, a, n, f->rwork);
        info = LAPACKE_dpotrf_work(COL, 'L', n, a, n);
        if (info > 0) return TY_LA_ENOTPD;
        info = LAPACKE_dpocon_work(COL, 'L', n, a, n, anorm, &rcond,
                                   f->cwork, f->iwork);
      }
      break;
    case TY_LA_SYM:
      if (cplx) {
        anorm = LAPACKE_zlanhe_work(COL, '1', 'L', n, Z(a), n, f->rwork);
        info = LAPACKE_zhetrf_work(COL, 'L', n, Z(a), n, f->ipiv,
                                   Z(f->fwork), f->lwork);
        if (info == 0)
          info = LAPACKE_zhecon_work(COL, 'L', n, Z(a), n, f->ipiv, anorm,
                                     &rcond, Z(f->cwork));
      }
      else {
        anorm = LAPACKE_dlansy_work(COL, '1', 'L', n, a, n, f->rwork);
        info = LAPACKE_dsytrf_work(COL, 'L', n, a, n, f->ipiv, f->fwork,
                                   f->lwork);
        if (info == 0)
          info = LAPACKE_dsycon_work(COL, 'L', n, a, n, f->ipiv, anorm,
                                     &rcond, f->cwork, f->iwork);
      }
      break;
    default: {                        /* triangular: nothing to factor */
      char uplo = (kind == TY_LA_LOWER) ? 'L' : 'U';
      if (cplx)
        info = LAPACKE_ztrcon_work(COL, '1', uplo, 'N', n, Z(a), n, &rcond,
                                   Z(f->cwork), f->rwork);
      else
        info = LAPACKE_dtrcon_work(COL, '1', uplo, 'N', n, a, n, &rcond,
                                   f->cwork, f->iwork);
      break;
    }
  }
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0 || !(rcond >= EPS)) return TY_LA_ESINGULAR;
  return TY_LA_OK;
}

/* Solve with the factorization from factor(): b (n x k, leading
** dimension n) is overwritten with the solution. */
static int backsolve (int kind, int cplx, lint n, lint k, const double *a,
                      const factws *f, double *b) {
  lint info;
  char uplo = (kind == TY_LA_UPPER) ? 'U' : 'L';
  if (k == 0) return TY_LA_OK;
  switch (kind) {
    case TY_LA_GENERAL:
      info = cplx ? LAPACKE_zgetrs_work(COL, 'N', n, k, Z(a), n, f->ipiv,
                                        Z(b), n)
                  : LAPACKE_dgetrs_work(COL, 'N', n, k, a, n, f->ipiv, b, n);
      break;
    case TY_LA_SPD:
      info = cplx ? LAPACKE_zpotrs_work(COL, 'L', n, k, Z(a), n, Z(b), n)
                  : LAPACKE_dpotrs_work(COL, 'L', n, k, a, n, b, n);
      break;
    case TY_LA_SYM:
      info = cplx ? LAPACKE_zhetrs_work(COL, 'L', n, k, Z(a), n, f->ipiv,
                                        Z(b), n)
                  : LAPACKE_dsytrs_work(COL, 'L', n, k, a, n, f->ipiv, b, n);
      break;
    default:
      info = cplx ? LAPACKE_ztrtrs_work(COL, uplo, 'N', 'N', n, k, Z(a), n,
                                        Z(b), n)
                  : LAPACKE_dtrtrs_work(COL, uplo, 'N', 'N', n, k, a, n,
                                        b, n);
      break;
  }
  if (info < 0) return TY_LA_ESHAPE;
  return info > 0 ? TY_LA_ESINGULAR : TY_LA_OK;
}

int ty_la_solve (const ty_mat *A, const ty_mat *B, int kind, ty_mat *X,
                 void *work, size_t *worksize) {
  size_t n = A->rows, k = B->cols;
  int cplx = X->cplx, rc;
  arena ar = {work, 0, 0};
  factws f;
  double *a;
  if (A->cols != n || B->rows != n || X->rows != n || X->cols != k ||
      cplx != (A->cplx || B->cplx) || kind < TY_LA_GENERAL ||
      kind > TY_LA_UPPER)
    return TY_LA_ESHAPE;
  if (!fits(n) || !fits(k)) return TY_LA_EBIG;
  if (n == 0) {
    if (sizing_only(work, worksize)) return TY_LA_OK;
    return FINITE(B) ? TY_LA_OK : TY_LA_ENANINF;
  }
  a = take(&ar, n * n, ES(cplx));
  factor_plan(&ar, &f, kind, cplx, n);
  if ((rc = sized(&ar, worksize)) != GO) return rc;   /* sizing: no scan */
  if (!FINITE(A) || !FINITE(B)) return TY_LA_ENANINF;
  load(a, n, cplx, A);
  rc = factor(kind, cplx, (lint)n, a, &f);
  if (rc != TY_LA_OK) return rc;
  load(X->data, n, cplx, B);
  return backsolve(kind, cplx, (lint)n, (lint)k, a, &f, X->data);
}

/* the number of levels of gelsd's divide and conquer tree */
static double gelsd_levels (size_t mn) {
  double l = floor(log2((double)mn / 26.0)) + 1.0;   /* SMLSIZ = 25 */
  return l > 0 ? l : 0;
}

int ty_la_lstsq (const ty_mat *A, const ty_mat *B, double rcond,
                 ty_mat *X, size_t *rank, void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = B->cols, mn = MIN(m, n);
  size_t ldb = MAX(m, n), nr = MAX(k, 1), liwork, lrwork = 0;
  int cplx = X->cplx, rc;
  arena ar = {work, 0, 0};
  double *a, *b, *s, *w, *rw = NULL, dum[4] = {0, 0, 0, 0}, q[2] = {0, 0};
  double rq = 0, nlvl, smin;
  lint *iw, iq[2] = {0, 0}, rk = 0, lwork, info;
  if (B->rows != m || X->rows != n || X->cols != k ||
      cplx != (A->cplx || B->cplx))
    return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n) || !fits(k) || !fits(ldb)) return TY_LA_EBIG;
  if (!FINITE(A) || !FINITE(B)) return TY_LA_ENANINF;
  if (mn == 0) {
    if (sizing_only(work, worksize)) return TY_LA_OK;
    zero(X);
    *rank = 0;
    return TY_LA_OK;
  }
  if (rcond < 0) rcond = EPS * (double)ldb;
  if (cplx)
    info = LAPACKE_zgelsd_work(COL, (lint)m, (lint)n, (lint)nr, Z(dum),
                               (lint)m, Z(dum), (lint)ldb, dum, rcond, &rk,
                               Z(q), -1, &rq, iq);
  else
    info = LAPACKE_dgelsd_work(COL, (lint)m, (lint)n, (lint)nr, dum,
                               (lint)m, dum, (lint)ldb, dum, rcond, &rk, q,
                               -1, iq);
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(q[0], &ar.big);
  /* the documented minimum sizes, in case a query leaves them out */
  nlvl = gelsd_levels(mn);
  smin = 3.0 * (double)mn * nlvl + 11.0 * (double)mn;
  liwork = (size_t)query_size(MAX((double)iq[0], smin), &ar.big);
  if (cplx) {
    double mm = (double)mn, kk = (double)nr;
    double r = 10 * mm + 2 * mm * 25 + 8 * mm * nlvl + 3 * 25 * kk +
               MAX(26.0 * 26.0, mm * (1 + kk) + 2 * kk);
    lrwork = (size_t)query_size(MAX(rq, r), &ar.big);
  }
  a = take(&ar, m * n, ES(cplx));
  b = take(&ar, ldb * nr, ES(cplx));
  s = take(&ar, mn, sizeof(double));
  w = take(&ar, (size_t)lwork, ES(cplx));
  if (cplx) rw = take(&ar, lrwork, sizeof(double));
  iw = take(&ar, liwork, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, m, cplx, A);
  memset(b, 0, ldb * nr * ES(cplx));
  load(b, ldb, cplx, B);
  if (cplx)
    info = LAPACKE_zgelsd_work(COL, (lint)m, (lint)n, (lint)nr, Z(a),
                               (lint)m, Z(b), (lint)ldb, s, rcond, &rk,
                               Z(w), lwork, rw, iw);
  else
    info = LAPACKE_dgelsd_work(COL, (lint)m, (lint)n, (lint)nr, a, (lint)m,
                               b, (lint)ldb, s, rcond, &rk, w, lwork, iw);
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0) return TY_LA_ENOCONV;
  store(X, b, ldb);
  *rank = (size_t)rk;
  return TY_LA_OK;
}

int ty_la_inv (const ty_mat *A, ty_mat *X, void *work, size_t *worksize) {
  size_t n = A->rows;
  int cplx = A->cplx, rc;
  arena ar = {work, 0, 0};
  factws f;
  double dum[2] = {0, 0}, q[2] = {0, 0}, *w;
  lint idum[1] = {0}, lwork, info;
  if (A->cols != n || X->rows != n || X->cols != n || X->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  info = cplx ? LAPACKE_zgetri_work(COL, (lint)n, Z(dum), (lint)n, idum,
                                    Z(q), -1)
              : LAPACKE_dgetri_work(COL, (lint)n, dum, (lint)n, idum, q, -1);
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(q[0], &ar.big);
  factor_plan(&ar, &f, TY_LA_GENERAL, cplx, n);
  w = take(&ar, (size_t)lwork, ES(cplx));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(X->data, n, cplx, A);
  rc = factor(TY_LA_GENERAL, cplx, (lint)n, X->data, &f);
  if (rc != TY_LA_OK) return rc;
  info = cplx ? LAPACKE_zgetri_work(COL, (lint)n, Z(X->data), (lint)n,
                                    f.ipiv, Z(w), lwork)
              : LAPACKE_dgetri_work(COL, (lint)n, X->data, (lint)n, f.ipiv,
                                    w, lwork);
  if (info < 0) return TY_LA_ESHAPE;
  return info > 0 ? TY_LA_ESINGULAR : TY_LA_OK;
}

int ty_la_det (const ty_mat *A, double det[2], double sign[2],
               double *logabs, void *work, size_t *worksize) {
  size_t n = A->rows, i;
  int cplx = A->cplx, rc;
  arena ar = {work, 0, 0};
  double *a;
  lint *ipiv;
  if (A->cols != n) return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  det[0] = 1.0; det[1] = 0.0;
  sign[0] = 1.0; sign[1] = 0.0;
  *logabs = 0.0;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  a = take(&ar, n * n, ES(cplx));
  ipiv = take(&ar, n, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, n, cplx, A);
  if ((cplx ? LAPACKE_zgetrf_work(COL, (lint)n, (lint)n, Z(a), (lint)n, ipiv)
            : LAPACKE_dgetrf_work(COL, (lint)n, (lint)n, a, (lint)n, ipiv))
      < 0)
    return TY_LA_ESHAPE;
  if (cplx) {
    double complex d = 1.0, sg = 1.0;
    for (i = 0; i < n; i++) {
      double complex u = Z(a)[i * n + i];
      double r = cabs(u);
      if (ipiv[i] != (lint)i + 1) { d = -d; sg = -sg; }
      d *= u;
      if (r == 0.0) sg = 0.0;
      else { sg *= u / r; *logabs += log(r); }
    }
    det[0] = creal(d); det[1] = cimag(d);
    sign[0] = creal(sg); sign[1] = cimag(sg);
  }
  else {
    double d = 1.0, sg = 1.0;
    for (i = 0; i < n; i++) {
      double u = a[i * n + i];
      if (ipiv[i] != (lint)i + 1) { d = -d; sg = -sg; }
      d *= u;
      if (u == 0.0) sg = 0.0;
      else { if (u < 0) sg = -sg; *logabs += log(fabs(u)); }
    }
    det[0] = d;
    sign[0] = sg;
  }
  if (sign[0] == 0.0 && sign[1] == 0.0) *logabs = -HUGE_VAL;
  return TY_LA_OK;
}

/* ====================================================================== */
/* LU, QR, Cholesky                                                       */
/* ====================================================================== */

int ty_la_lu (const ty_mat *A, ty_mat *L, ty_mat *U, size_t *perm,
              void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = MIN(m, n), i, j;
  int cplx = A->cplx, rc;
  size_t w = cplx ? 2 : 1;
  arena ar = {work, 0, 0};
  double *a;
  lint *ipiv;
  if (L->rows != m || L->cols != k || U->rows != k || U->cols != n ||
      L->cplx != cplx || U->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (k == 0) {
    if (sizing_only(work, worksize)) return TY_LA_OK;
    for (i = 0; i < m; i++) perm[i] = i;
    return TY_LA_OK;
  }
  a = take(&ar, m * n, ES(cplx));
  ipiv = take(&ar, k, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, m, cplx, A);
  if ((cplx ? LAPACKE_zgetrf_work(COL, (lint)m, (lint)n, Z(a), (lint)m, ipiv)
            : LAPACKE_dgetrf_work(COL, (lint)m, (lint)n, a, (lint)m, ipiv))
      < 0)
    return TY_LA_ESHAPE;
  zero(L);
  zero(U);
  for (j = 0; j < k; j++) {                /* L: unit lower trapezoid */
    L->data[(j * m + j) * w] = 1.0;
    memcpy(L->data + (j * m + j + 1) * w, a + (j * m + j + 1) * w,
           (m - j - 1) * ES(cplx));
  }
  for (j = 0; j < n; j++)                   /* U: upper trapezoid */
    memcpy(U->data + j * k * w, a + j * m * w, MIN(j + 1, k) * ES(cplx));
  for (i = 0; i < m; i++) perm[i] = i;
  for (i = 0; i < k; i++) {
    size_t p = (size_t)ipiv[i] - 1, t = perm[i];
    perm[i] = perm[p];
    perm[p] = t;
  }
  return TY_LA_OK;
}

int ty_la_qr (const ty_mat *A, int econ, ty_mat *Q, ty_mat *R,
              void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = MIN(m, n), qc = econ ? k : m, j;
  int cplx = A->cplx, rc;
  size_t w = cplx ? 2 : 1;
  arena ar = {work, 0, 0};
  double *a, *tau, *wk, dum[2] = {0, 0}, q1[2] = {0, 0}, q2[2] = {0, 0};
  lint lwork, info;
  if (Q->rows != m || Q->cols != qc || R->rows != qc || R->cols != n ||
      Q->cplx != cplx || R->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (k == 0) {
    if (sizing_only(work, worksize)) return TY_LA_OK;
    set_eye(Q);
    zero(R);
    return TY_LA_OK;
  }
  if (cplx) {
    info = LAPACKE_zgeqrf_work(COL, (lint)m, (lint)n, Z(dum), (lint)m,
                               Z(dum), Z(q1), -1);
    if (info == 0)
      info = LAPACKE_zungqr_work(COL, (lint)m, (lint)qc, (lint)k, Z(dum),
                                 (lint)m, Z(dum), Z(q2), -1);
  }
  else {
    info = LAPACKE_dgeqrf_work(COL, (lint)m, (lint)n, dum, (lint)m, dum, q1,
                               -1);
    if (info == 0)
      info = LAPACKE_dorgqr_work(COL, (lint)m, (lint)qc, (lint)k, dum,
                                 (lint)m, dum, q2, -1);
  }
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(MAX(q1[0], q2[0]), &ar.big);
  a = take(&ar, m * n, ES(cplx));
  tau = take(&ar, k, ES(cplx));
  wk = take(&ar, (size_t)lwork, ES(cplx));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, m, cplx, A);
  info = cplx ? LAPACKE_zgeqrf_work(COL, (lint)m, (lint)n, Z(a), (lint)m,
                                    Z(tau), Z(wk), lwork)
              : LAPACKE_dgeqrf_work(COL, (lint)m, (lint)n, a, (lint)m, tau,
                                    wk, lwork);
  if (info != 0) return TY_LA_ESHAPE;
  zero(R);                                  /* R: upper part of a */
  for (j = 0; j < n; j++)
    memcpy(R->data + j * qc * w, a + j * m * w, MIN(j + 1, qc) * ES(cplx));
  memcpy(Q->data, a, m * k * ES(cplx));     /* the k reflectors */
  info = cplx ? LAPACKE_zungqr_work(COL, (lint)m, (lint)qc, (lint)k,
                                    Z(Q->data), (lint)m, Z(tau), Z(wk), lwork)
              : LAPACKE_dorgqr_work(COL, (lint)m, (lint)qc, (lint)k, Q->data,
                                    (lint)m, tau, wk, lwork);
  return info != 0 ? TY_LA_ESHAPE : TY_LA_OK;
}

int ty_la_chol (const ty_mat *A, ty_mat *L) {
  size_t n = A->rows, j;
  int cplx = A->cplx;
  size_t w = cplx ? 2 : 1;
  lint info;
  if (A->cols != n || L->rows != n || L->cols != n || L->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (n == 0) return TY_LA_OK;
  load(L->data, n, cplx, A);
  info = cplx ? LAPACKE_zpotrf_work(COL, 'L', (lint)n, Z(L->data), (lint)n)
              : LAPACKE_dpotrf_work(COL, 'L', (lint)n, L->data, (lint)n);
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0) return TY_LA_ENOTPD;
  for (j = 1; j < n; j++)                   /* clear the strict upper part */
    memset(L->data + j * n * w, 0, j * ES(cplx));
  return TY_LA_OK;
}

/* ====================================================================== */
/* eigenvalues and the Schur form                                         */
/* ====================================================================== */

/* Real eigenvector storage to complex: a pair of eigenvalues with
** wi[j] != 0 has vectors vr(:,j) +- i vr(:,j+1) (geev, ggev).  V is n x n
** complex. */
static void unpack_pairs (size_t n, const double *wi, const double *vr,
                          double *V) {
  size_t i, j;
  for (j = 0; j < n; j++) {
    const double *x = vr + j * n;
    double *v = V + 2 * j * n;
    if (wi[j] != 0.0 && j + 1 < n) {
      const double *y = x + n;
      double *v2 = v + 2 * n;
      for (i = 0; i < n; i++) {
        v[2 * i] = v2[2 * i] = x[i];
        v[2 * i + 1] = y[i];
        v2[2 * i + 1] = -y[i];
      }
      j++;
    }
    else
      for (i = 0; i < n; i++) { v[2 * i] = x[i]; v[2 * i + 1] = 0.0; }
  }
}

/* Scale each column of the complex n x n matrix V to unit 2-norm. */
static void normalize_columns (size_t n, double *V) {
  size_t i, j;
  for (j = 0; j < n; j++) {
    double *v = V + 2 * j * n, s = 0.0;
    for (i = 0; i < 2 * n; i++) s = hypot(s, v[i]);
    if (s > 0)
      for (i = 0; i < 2 * n; i++) v[i] /= s;
  }
}

/* w = alpha / beta, with beta = 0 giving inf (alpha != 0) or NaN */
static double complex ratio (double complex alpha, double complex beta) {
  if (beta != 0.0) return alpha / beta;
  if (alpha != 0.0) return HUGE_VAL;
  return NAN + NAN * I;
}

int ty_la_eig (const ty_mat *A, const ty_mat *B, ty_mat *w, ty_mat *V,
               void *work, size_t *worksize) {
  size_t n = A->rows, j;
  int cplx = A->cplx || (B != NULL && B->cplx), rc;
  char jobv = V ? 'V' : 'N';
  arena ar = {work, 0, 0};
  double dum[4] = {0, 0, 0, 0}, q[2] = {0, 0};
  double *a, *b = NULL, *wr = NULL, *wi = NULL, *be = NULL, *vr = NULL;
  double *wk, *rw = NULL;
  lint lwork, info, nn;
  if (A->cols != n || (B && (B->rows != n || B->cols != n)) ||
      w->rows != n || w->cols != 1 || !w->cplx ||
      (V && (V->rows != n || V->cols != n || !V->cplx)))
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A) || (B && !FINITE(B))) return TY_LA_ENANINF;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  nn = (lint)n;
  if (B == NULL && !cplx)
    info = LAPACKE_dgeev_work(COL, 'N', jobv, nn, dum, nn, dum, dum, dum, 1,
                              dum, nn, q, -1);
  else if (B == NULL)
    info = LAPACKE_zgeev_work(COL, 'N', jobv, nn, Z(dum), nn, Z(dum),
                              Z(dum), 1, Z(dum), nn, Z(q), -1, dum);
  else if (!cplx)
    info = LAPACKE_dggev_work(COL, 'N', jobv, nn, dum, nn, dum, nn, dum, dum,
                              dum, dum, 1, dum, nn, q, -1);
  else
    info = LAPACKE_zggev_work(COL, 'N', jobv, nn, Z(dum), nn, Z(dum), nn,
                              Z(dum), Z(dum), Z(dum), 1, Z(dum), nn, Z(q),
                              -1, dum);
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(q[0], &ar.big);
  a = take(&ar, n * n, ES(cplx));
  if (B) {
    b = take(&ar, n * n, ES(cplx));
    be = take(&ar, n, ES(cplx));              /* beta */
  }
  if (!cplx) {
    wr = take(&ar, n, sizeof(double));
    wi = take(&ar, n, sizeof(double));
    if (V) vr = take(&ar, n * n, sizeof(double));
  }
  else {
    wr = take(&ar, n, ES(1));                 /* alpha (ggev) */
    rw = take(&ar, 8 * n, sizeof(double));
  }
  wk = take(&ar, (size_t)lwork, ES(cplx));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, n, cplx, A);
  if (B) load(b, n, cplx, B);
  if (B == NULL && !cplx)
    info = LAPACKE_dgeev_work(COL, 'N', jobv, nn, a, nn, wr, wi, dum, 1,
                              vr ? vr : dum, nn, wk, lwork);
  else if (B == NULL)
    info = LAPACKE_zgeev_work(COL, 'N', jobv, nn, Z(a), nn, Z(w->data),
                              Z(dum), 1, Z(V ? V->data : dum), nn, Z(wk),
                              lwork, rw);
  else if (!cplx)
    info = LAPACKE_dggev_work(COL, 'N', jobv, nn, a, nn, b, nn, wr, wi, be,
                              dum, 1, vr ? vr : dum, nn, wk, lwork);
  else
    info = LAPACKE_zggev_work(COL, 'N', jobv, nn, Z(a), nn, Z(b), nn, Z(wr),
                              Z(be), Z(dum), 1, Z(V ? V->data : dum), nn,
                              Z(wk), lwork, rw);
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0) return TY_LA_ENOCONV;
  if (!cplx) {
    for (j = 0; j < n; j++) {
      double complex z = wr[j] + wi[j] * I;
      if (B) z = ratio(z, be[j]);
      w->data[2 * j] = creal(z);
      w->data[2 * j + 1] = cimag(z);
    }
    if (V) unpack_pairs(n, wi, vr, V->data);
  }
  else if (B)
    for (j = 0; j < n; j++) {
      double complex z = ratio(Z(wr)[j], Z(be)[j]);
      w->data[2 * j] = creal(z);
      w->data[2 * j + 1] = cimag(z);
    }
  if (B && V) normalize_columns(n, V->data);
  return TY_LA_OK;
}

int ty_la_eigh (const ty_mat *A, const ty_mat *B, ty_mat *w, ty_mat *V,
                void *work, size_t *worksize) {
  size_t n = A->rows;
  int cplx = A->cplx || (B != NULL && B->cplx), rc;
  char jobz = V ? 'V' : 'N';
  arena ar = {work, 0, 0};
  double dum[4] = {0, 0, 0, 0}, q[2] = {0, 0}, rq = 0;
  double *a, *b = NULL, *wk, *rw = NULL;
  lint iq = 0, lwork, lrwork = 1, liwork, info, nn, *iw;
  if (A->cols != n || (B && (B->rows != n || B->cols != n)) ||
      w->rows != n || w->cols != 1 || w->cplx ||
      (V && (V->rows != n || V->cols != n || V->cplx != cplx)))
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A) || (B && !FINITE(B))) return TY_LA_ENANINF;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  nn = (lint)n;
  if (B == NULL && !cplx)
    info = LAPACKE_dsyevd_work(COL, jobz, 'L', nn, dum, nn, dum, q, -1, &iq,
                               -1);
  else if (B == NULL)
    info = LAPACKE_zheevd_work(COL, jobz, 'L', nn, Z(dum), nn, dum, Z(q), -1,
                               &rq, -1, &iq, -1);
  else if (!cplx)
    info = LAPACKE_dsygvd_work(COL, 1, jobz, 'L', nn, dum, nn, dum, nn, dum,
                               q, -1, &iq, -1);
  else
    info = LAPACKE_zhegvd_work(COL, 1, jobz, 'L', nn, Z(dum), nn, Z(dum), nn,
                               dum, Z(q), -1, &rq, -1, &iq, -1);
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(q[0], &ar.big);
  liwork = query_size((double)iq, &ar.big);
  if (cplx) lrwork = query_size(rq, &ar.big);
  a = V ? V->data : take(&ar, n * n, ES(cplx));
  if (B) b = take(&ar, n * n, ES(cplx));
  wk = take(&ar, (size_t)lwork, ES(cplx));
  if (cplx) rw = take(&ar, (size_t)lrwork, sizeof(double));
  iw = take(&ar, (size_t)liwork, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(a, n, cplx, A);
  if (B) load(b, n, cplx, B);
  if (B == NULL && !cplx)
    info = LAPACKE_dsyevd_work(COL, jobz, 'L', nn, a, nn, w->data, wk, lwork,
                               iw, liwork);
  else if (B == NULL)
    info = LAPACKE_zheevd_work(COL, jobz, 'L', nn, Z(a), nn, w->data, Z(wk),
                               lwork, rw, lrwork, iw, liwork);
  else if (!cplx)
    info = LAPACKE_dsygvd_work(COL, 1, jobz, 'L', nn, a, nn, b, nn, w->data,
                               wk, lwork, iw, liwork);
  else
    info = LAPACKE_zhegvd_work(COL, 1, jobz, 'L', nn, Z(a), nn, Z(b), nn,
                               w->data, Z(wk), lwork, rw, lrwork, iw,
                               liwork);
  if (info < 0) return TY_LA_ESHAPE;
  if (B && info > nn) return TY_LA_ENOTPD;
  return info > 0 ? TY_LA_ENOCONV : TY_LA_OK;
}

int ty_la_schur (const ty_mat *A, ty_mat *T, ty_mat *Z,
                 void *work, size_t *worksize) {
  size_t n = A->rows, i, j;
  int cplx = T->cplx, rc;
  arena ar = {work, 0, 0};
  double dum[4] = {0, 0, 0, 0}, q[2] = {0, 0}, *wr, *wi = NULL, *rw = NULL;
  double *wk;
  lint lwork, info, nn, sdim = 0, *bw, bdum[1] = {0};
  if (A->cols != n || T->rows != n || T->cols != n || Z->rows != n ||
      Z->cols != n || Z->cplx != cplx || A->cplx > cplx)
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  nn = (lint)n;
  info = cplx ? LAPACKE_zgees_work(COL, 'V', 'N', NULL, nn, Z(dum), nn,
                                   &sdim, Z(dum), Z(dum), nn, Z(q), -1, dum,
                                   bdum)
              : LAPACKE_dgees_work(COL, 'V', 'N', NULL, nn, dum, nn, &sdim,
                                   dum, dum, dum, nn, q, -1, bdum);
  if (info != 0) return TY_LA_ESHAPE;
  lwork = query_size(q[0], &ar.big);
  wr = take(&ar, n, ES(cplx));
  if (cplx) rw = take(&ar, n, sizeof(double));
  else wi = take(&ar, n, sizeof(double));
  wk = take(&ar, (size_t)lwork, ES(cplx));
  bw = take(&ar, n, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  load(T->data, n, cplx, A);
  info = cplx ? LAPACKE_zgees_work(COL, 'V', 'N', NULL, nn, Z(T->data), nn,
                                   &sdim, Z(wr), Z(Z->data), nn, Z(wk),
                                   lwork, rw, bw)
              : LAPACKE_dgees_work(COL, 'V', 'N', NULL, nn, T->data, nn,
                                   &sdim, wr, wi, Z->data, nn, wk, lwork, bw);
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0) return TY_LA_ENOCONV;
  /* exact zeros below the (quasi) triangle */
  for (j = 0; j < n; j++)
    for (i = j + (cplx ? 1 : 2); i < n; i++) {
      if (cplx) T->data[2 * (j * n + i)] = T->data[2 * (j * n + i) + 1] = 0;
      else T->data[j * n + i] = 0.0;
    }
  return TY_LA_OK;
}

/* ====================================================================== */
/* the SVD and what is computed from it                                   */
/* ====================================================================== */

/* One gesdd call: its buffers and sizes. */
typedef struct svdplan {
  int cplx;
  char jobz;                     /* 'N', 'S' or 'A' */
  size_t m, n, k, ucols, vtrows;
  double *a, *s, *u, *vt, *work, *rwork;
  lint *iwork, lwork;
} svdplan;

/* Lay out the buffers of an SVD of an m x n matrix (m, n > 0).  u (with
** leading dimension m) and s may be the caller's result storage, or NULL
** to take them from the arena too. */
static int svd_plan (arena *ar, svdplan *p, int cplx, char jobz, size_t m,
                     size_t n, double *u, double *s) {
  double dum[4] = {0, 0, 0, 0}, q[2] = {0, 0}, rdum[2] = {0, 0}, lr;
  lint idum[2] = {0, 0}, info;
  size_t k = MIN(m, n), mx = MAX(m, n);
  p->cplx = cplx; p->jobz = jobz;
  p->m = m; p->n = n; p->k = k;
  p->ucols = (jobz == 'A') ? m : (jobz == 'S') ? k : 0;
  p->vtrows = (jobz == 'A') ? n : (jobz == 'S') ? k : 0;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  info = cplx
    ? LAPACKE_zgesdd_work(COL, jobz, (lint)m, (lint)n, Z(dum), (lint)m, dum,
                          Z(dum), p->ucols ? (lint)m : 1, Z(dum),
                          p->vtrows ? (lint)p->vtrows : 1, Z(q), -1, rdum,
                          idum)
    : LAPACKE_dgesdd_work(COL, jobz, (lint)m, (lint)n, dum, (lint)m, dum,
                          dum, p->ucols ? (lint)m : 1, dum,
                          p->vtrows ? (lint)p->vtrows : 1, q, -1, idum);
  if (info != 0) return TY_LA_ESHAPE;
  p->lwork = query_size(q[0], &ar->big);
  /* room for gesvd too, the fallback when gesdd does not converge */
  info = cplx
    ? LAPACKE_zgesvd_work(COL, jobz, jobz, (lint)m, (lint)n, Z(dum), (lint)m,
                          dum, Z(dum), p->ucols ? (lint)m : 1, Z(dum),
                          p->vtrows ? (lint)p->vtrows : 1, Z(q), -1, rdum)
    : LAPACKE_dgesvd_work(COL, jobz, jobz, (lint)m, (lint)n, dum, (lint)m,
                          dum, dum, p->ucols ? (lint)m : 1, dum,
                          p->vtrows ? (lint)p->vtrows : 1, q, -1);
  if (info != 0) return TY_LA_ESHAPE;
  p->lwork = MAX(p->lwork, query_size(q[0], &ar->big));
  /* gesdd's documented LRWORK (complex only; gesvd needs 5k) */
  lr = (jobz == 'N') ? 7.0 * (double)k
     : MAX(5.0 * (double)k * (double)k + 5.0 * (double)k,
           2.0 * (double)mx * (double)k + 2.0 * (double)k * (double)k +
           (double)k);
  if (!(lr < (double)(SIZE_MAX / 64))) ar->big = 1;
  p->a = take(ar, m * n, ES(cplx));
  p->s = s ? s : take(ar, k, sizeof(double));
  p->u = u ? u : take(ar, m * p->ucols, ES(cplx));
  p->vt = take(ar, p->vtrows * n, ES(cplx));
  p->work = take(ar, (size_t)p->lwork, ES(cplx));
  p->rwork = cplx ? take(ar, ar->big ? 1 : (size_t)lr + 1, sizeof(double))
                  : NULL;
  p->iwork = take(ar, 8 * k, sizeof(lint));
  return TY_LA_OK;
}

/* Copy A into the plan's buffer (promoted to complex if the plan is)
** and compute its SVD by divide and conquer (gesdd); should that fail to
** converge, as it rarely can, start again with QR iteration (gesvd). */
static int svd_run (svdplan *p, const ty_mat *A) {
  lint info, m = (lint)p->m, n = (lint)p->n;
  lint ldu = p->ucols ? m : 1, ldvt = p->vtrows ? (lint)p->vtrows : 1;
  double *u = p->ucols ? p->u : p->s, *vt = p->vtrows ? p->vt : p->s;
  char job = p->jobz;
  load(p->a, p->m, p->cplx, A);
  info = p->cplx
    ? LAPACKE_zgesdd_work(COL, job, m, n, Z(p->a), m, p->s, Z(u), ldu,
                          Z(vt), ldvt, Z(p->work), p->lwork, p->rwork,
                          p->iwork)
    : LAPACKE_dgesdd_work(COL, job, m, n, p->a, m, p->s, u, ldu, vt,
                          ldvt, p->work, p->lwork, p->iwork);
  if (info > 0) {
    load(p->a, p->m, p->cplx, A);
    info = p->cplx
      ? LAPACKE_zgesvd_work(COL, job, job, m, n, Z(p->a), m, p->s, Z(u), ldu,
                            Z(vt), ldvt, Z(p->work), p->lwork, p->rwork)
      : LAPACKE_dgesvd_work(COL, job, job, m, n, p->a, m, p->s, u, ldu, vt,
                            ldvt, p->work, p->lwork);
  }
  if (info < 0) return TY_LA_ESHAPE;
  return info > 0 ? TY_LA_ENOCONV : TY_LA_OK;
}

int ty_la_svd (const ty_mat *A, int econ, ty_mat *U, ty_mat *s, ty_mat *V,
               void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = MIN(m, n);
  int cplx = A->cplx, rc;
  arena ar = {work, 0, 0};
  svdplan p;
  if (s->rows != k || s->cols != 1 || s->cplx || (U == NULL) != (V == NULL))
    return TY_LA_ESHAPE;
  if (U && (U->rows != m || U->cols != (econ ? k : m) || U->cplx != cplx ||
            V->rows != n || V->cols != (econ ? k : n) || V->cplx != cplx))
    return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (k == 0) {
    if (sizing_only(work, worksize)) return TY_LA_OK;
    if (U) { set_eye(U); set_eye(V); }
    return TY_LA_OK;
  }
  rc = svd_plan(&ar, &p, cplx, U ? (econ ? 'S' : 'A') : 'N', m, n,
                U ? U->data : NULL, s->data);
  if (rc != TY_LA_OK) return rc;
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  if ((rc = svd_run(&p, A)) != TY_LA_OK) return rc;
  if (V) ctranspose(V->data, n, p.vt, p.vtrows, p.vtrows, n, cplx);
  return TY_LA_OK;
}

double ty_la_default_tol (size_t m, size_t n, double smax) {
  return (double)MAX(m, n) * EPS * smax;
}

/* The singular values of A (m, n > 0) into an arena buffer; for
** ty_la_rank and ty_la_cond.  Returns GO when *s is ready. */
static int singular_values (const ty_mat *A, void *work, size_t *worksize,
                            double **s) {
  arena ar = {work, 0, 0};
  svdplan p;
  int rc = svd_plan(&ar, &p, A->cplx, 'N', A->rows, A->cols, NULL, NULL);
  if (rc != TY_LA_OK) return rc;
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  if ((rc = svd_run(&p, A)) != TY_LA_OK) return rc;
  *s = p.s;
  return GO;
}

int ty_la_rank (const ty_mat *A, double tol, size_t *rank,
                void *work, size_t *worksize) {
  size_t k = MIN(A->rows, A->cols), i;
  double *s = NULL;
  int rc;
  if (!fits(A->rows) || !fits(A->cols)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  *rank = 0;
  if (k == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  if ((rc = singular_values(A, work, worksize, &s)) != GO) return rc;
  if (tol < 0) tol = ty_la_default_tol(A->rows, A->cols, s[0]);
  for (i = 0; i < k; i++)
    if (s[i] > tol) (*rank)++;
  return TY_LA_OK;
}

int ty_la_cond (const ty_mat *A, double *cond, void *work,
                size_t *worksize) {
  size_t k = MIN(A->rows, A->cols);
  double *s = NULL;
  int rc;
  if (!fits(A->rows) || !fits(A->cols)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  *cond = 0.0;
  if (k == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  if ((rc = singular_values(A, work, worksize, &s)) != GO) return rc;
  /* singular to working precision, as solve and inv see it */
  *cond = (s[k - 1] <= EPS * s[0]) ? HUGE_VAL : s[0] / s[k - 1];
  return TY_LA_OK;
}

int ty_la_pinv (const ty_mat *A, double tol, ty_mat *X,
                void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = MIN(m, n), i;
  int cplx = A->cplx, rc;
  arena ar = {work, 0, 0};
  svdplan p;
  double *f;
  if (X->rows != n || X->cols != m || X->cplx != cplx) return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (k == 0) {
    if (!sizing_only(work, worksize)) zero(X);
    return TY_LA_OK;
  }
  if ((rc = svd_plan(&ar, &p, cplx, 'S', m, n, NULL, NULL)) != TY_LA_OK)
    return rc;
  f = take(&ar, k, sizeof(double));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  if ((rc = svd_run(&p, A)) != TY_LA_OK) return rc;
  if (tol < 0) tol = ty_la_default_tol(m, n, p.s[0]);
  for (i = 0; i < k; i++) f[i] = (p.s[i] > tol) ? 1.0 / p.s[i] : 0.0;
  scale_rows(p.vt, k, n, f, cplx);          /* diag(1/s) V^H */
  mul(cplx, 'C', 'C', n, m, k, p.vt, k, p.u, m, X->data, n);
  return TY_LA_OK;
}

int ty_la_polar (const ty_mat *A, int left, ty_mat *U, ty_mat *P,
                 void *work, size_t *worksize) {
  size_t m = A->rows, n = A->cols, k = MIN(m, n), pn = left ? m : n;
  int cplx = A->cplx, rc;
  arena ar = {work, 0, 0};
  svdplan p;
  double *t;
  if (U->rows != m || U->cols != n || U->cplx != cplx || P->rows != pn ||
      P->cols != pn || P->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(m) || !fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (k == 0) {
    if (!sizing_only(work, worksize)) { zero(U); zero(P); }
    return TY_LA_OK;
  }
  if ((rc = svd_plan(&ar, &p, cplx, 'S', m, n, NULL, NULL)) != TY_LA_OK)
    return rc;
  t = take(&ar, MAX(m, n) * k, ES(cplx));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  if ((rc = svd_run(&p, A)) != TY_LA_OK) return rc;
  mul(cplx, 'N', 'N', m, n, k, p.u, m, p.vt, k, U->data, m);   /* W V^H */
  if (!left) {                              /* P = V diag(s) V^H */
    memcpy(t, p.vt, k * n * ES(cplx));
    scale_rows(t, k, n, p.s, cplx);
    mul(cplx, 'C', 'N', n, n, k, p.vt, k, t, k, P->data, n);
  }
  else {                                    /* P = W diag(s) W^H */
    size_t i, j, w = cplx ? 2 : 1;
    for (j = 0; j < k; j++)
      for (i = 0; i < m * w; i++)
        t[j * m * w + i] = p.u[j * m * w + i] * p.s[j];
    mul(cplx, 'N', 'C', m, m, k, t, m, p.u, m, P->data, m);
  }
  hermitize(P->data, pn, cplx);
  return TY_LA_OK;
}

/* ====================================================================== */
/* the matrix exponential                                                 */
/* ====================================================================== */

/* Pade coefficients b_0..b_m of degrees 3, 5, 7, 9, 13 (Higham 2005) */
static const double pade3[] = {120, 60, 12, 1};
static const double pade5[] = {30240, 15120, 3360, 420, 30, 1};
static const double pade7[] = {17297280, 8648640, 1995840, 277200, 25200,
                               1512, 56, 1};
static const double pade9[] = {17643225600.0, 8821612800.0, 2075673600.0,
                               302702400, 30270240, 2162160, 110880, 3960,
                               90, 1};
static const double pade13[] = {64764752532480000.0, 32382376266240000.0,
                                7771770303897600.0, 1187353796428800.0,
                                129060195264000.0, 10559470521600.0,
                                670442572800.0, 33522128640.0, 1323241920,
                                40840800, 960960, 16380, 182, 1};
/* the largest 1-norm each degree handles to double precision */
static const double theta[] = {1.495585217958292e-2, 2.539398330063230e-1,
                               9.504178996162932e-1, 2.097847961257068e0,
                               5.371920351148152e0};

/* d += c * x over len doubles */
static void axpy (double *d, double c, const double *x, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) d[i] += c * x[i];
}

/* add c to the diagonal of the n x n matrix d */
static void add_diag (double *d, double c, size_t n, int cplx) {
  size_t k;
  for (k = 0; k < n; k++) d[(k * n + k) * (cplx ? 2 : 1)] += c;
}

int ty_la_expm (const ty_mat *A, ty_mat *E, void *work, size_t *worksize) {
  size_t n = A->rows, nn = n * n, len, i;
  int cplx = A->cplx, rc, deg = 13, s = 0, j;
  arena ar = {work, 0, 0};
  double *a, *pw[5], *u, *v, *t, nrm;
  const double *b = pade13;
  lint *ipiv, info;
  if (A->cols != n || E->rows != n || E->cols != n || E->cplx != cplx)
    return TY_LA_ESHAPE;
  if (!fits(n)) return TY_LA_EBIG;
  if (!FINITE(A)) return TY_LA_ENANINF;
  if (n == 0) { sizing_only(work, worksize); return TY_LA_OK; }
  a = take(&ar, nn, ES(cplx));
  for (j = 1; j <= 4; j++) pw[j] = take(&ar, nn, ES(cplx));  /* A^(2j) */
  u = take(&ar, nn, ES(cplx));
  v = take(&ar, nn, ES(cplx));
  t = take(&ar, nn, ES(cplx));
  ipiv = take(&ar, n, sizeof(lint));
  if ((rc = sized(&ar, worksize)) != GO) return rc;
  len = nn * (cplx ? 2 : 1);
  load(a, n, cplx, A);
  nrm = norm1(a, n, n, n, cplx);
  while (!(nrm < HUGE_VAL)) {               /* the norm overflowed: prescale */
    for (i = 0; i < len; i++) a[i] = ldexp(a[i], -64);
    s += 64;
    nrm = norm1(a, n, n, n, cplx);
  }
  for (j = 0; j < 4 && s == 0; j++)
    if (nrm <= theta[j]) {
      static const double *const tab[] = {pade3, pade5, pade7, pade9};
      deg = 2 * j + 3;
      b = tab[j];
      break;
    }
  if (deg == 13 && nrm > theta[4]) {        /* scale A by 2^-sc */
    int sc = (int)ceil(log2(nrm / theta[4]));
    for (i = 0; i < len; i++) a[i] = ldexp(a[i], -sc);
    s += sc;
  }
  mul(cplx, 'N', 'N', n, n, n, a, n, a, n, pw[1], n);
  if (deg >= 5) mul(cplx, 'N', 'N', n, n, n, pw[1], n, pw[1], n, pw[2], n);
  if (deg >= 7) mul(cplx, 'N', 'N', n, n, n, pw[2], n, pw[1], n, pw[3], n);
  if (deg == 9) mul(cplx, 'N', 'N', n, n, n, pw[2], n, pw[2], n, pw[4], n);
  if (deg == 13) {
    /* U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I] */
    memset(t, 0, len * sizeof(double));
    axpy(t, b[13], pw[3], len); axpy(t, b[11], pw[2], len);
    axpy(t, b[9], pw[1], len);
    mul(cplx, 'N', 'N', n, n, n, pw[3], n, t, n, u, n);
    axpy(u, b[7], pw[3], len); axpy(u, b[5], pw[2], len);
    axpy(u, b[3], pw[1], len); add_diag(u, b[1], n, cplx);
    mul(cplx, 'N', 'N', n, n, n, a, n, u, n, t, n);
    /* V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I */
    memset(u, 0, len * sizeof(double));
    axpy(u, b[12], pw[3], len); axpy(u, b[10], pw[2], len);
    axpy(u, b[8], pw[1], len);
    mul(cplx, 'N', 'N', n, n, n, pw[3], n, u, n, v, n);
    axpy(v, b[6], pw[3], len); axpy(v, b[4], pw[2], len);
    axpy(v, b[2], pw[1], len); add_diag(v, b[0], n, cplx);
  }
  else {
    /* U = A sum b_odd A^(j-1),  V = sum b_even A^j */
    memset(u, 0, len * sizeof(double));
    memset(v, 0, len * sizeof(double));
    add_diag(u, b[1], n, cplx);
    add_diag(v, b[0], n, cplx);
    for (j = 1; 2 * j <= deg; j++) {
      axpy(u, b[2 * j + 1], pw[j], len);
      axpy(v, b[2 * j], pw[j], len);
    }
    mul(cplx, 'N', 'N', n, n, n, a, n, u, n, t, n);
  }
  /* (V - U) E = (V + U) */
  for (i = 0; i < len; i++) {
    E->data[i] = v[i] + t[i];
    v[i] -= t[i];
  }
  info = cplx ? LAPACKE_zgetrf_work(COL, (lint)n, (lint)n, Z(v), (lint)n,
                                    ipiv)
              : LAPACKE_dgetrf_work(COL, (lint)n, (lint)n, v, (lint)n, ipiv);
  if (info < 0) return TY_LA_ESHAPE;
  if (info > 0) return TY_LA_ESINGULAR;
  info = cplx ? LAPACKE_zgetrs_work(COL, 'N', (lint)n, (lint)n, Z(v),
                                    (lint)n, ipiv, Z(E->data), (lint)n)
              : LAPACKE_dgetrs_work(COL, 'N', (lint)n, (lint)n, v, (lint)n,
                                    ipiv, E->data, (lint)n);
  if (info != 0) return TY_LA_ESHAPE;
  for (j = 0; j < s; j++) {                 /* undo the scaling */
    if (ty_interrupted()) return TY_EINTR;
    mul(cplx, 'N', 'N', n, n, n, E->data, n, E->data, n, t, n);
    memcpy(E->data, t, len * sizeof(double));
  }
  return TY_LA_OK;
}

/*
** ty_sor.c: CG and preconditioned CG, SOR, the Jacobi spectral radius
** (Lanczos) for Young's optimal factor, and the shifted-Laplacian instance
** sequences (definitions in ty_sor.h and ../shared/methods/sor_bandit.md).
*/
#include <float.h>
#include <math.h>
#include <string.h>

#include <lapacke.h>

#include "ty_sor.h"
#include "ty_interrupt.h"
#include "ty_pool.h"

/* ====================================================================== */
/* checks                                                                 */
/* ====================================================================== */

const char *ty_sor_breakdown_msg (int code) {
  switch (code) {
    case TY_BREAK_NONE: return "none";
    case TY_BREAK_CURVATURE:
      return "p'Ap <= 0: the matrix is not positive definite";
    case TY_BREAK_PRECOND:
      return "r'z <= 0: the preconditioner is not positive definite";
    case TY_BREAK_NONFINITE:
      return "NaN or Inf appeared in the iteration";
    case TY_BREAK_IC0:
      return "incomplete Cholesky met a nonpositive pivot";
    default: return "unknown breakdown";
  }
}

int ty_sparse_allfinite (const ty_sparse *S) {
  size_t k;
  double acc = 0.0;
  for (k = 0; k < S->nnz; k++) acc += S->val[k] * 0.0;   /* NaN if any */
  return acc == 0.0;
}

size_t ty_sor_baddiag (const ty_sparse *S, int positive) {
  size_t i;
  for (i = 0; i < S->rows; i++) {
    double d = TY_SPARSE_DIAG(S, i);
    if (positive ? !(d > 0.0) : d == 0.0) return i;
  }
  return (size_t)-1;
}

/* the position of (i, j) in S, or -1 (binary search in row i) */
static ty_sidx find_entry (const ty_sparse *S, size_t i, ty_sidx j) {
  ty_sidx lo = S->row_ptr[i], hi = S->row_ptr[i + 1];
  while (lo < hi) {
    ty_sidx mid = lo + (hi - lo) / 2;
    if (S->col_idx[mid] < j) lo = mid + 1;
    else hi = mid;
  }
  return (lo < S->row_ptr[i + 1] && S->col_idx[lo] == j) ? lo : -1;
}

int ty_sparse_issym (const ty_sparse *S) {
  size_t i;
  ty_sidx k;
  if (S->rows != S->cols) return 0;
  for (i = 0; i < S->rows; i++)
    for (k = S->row_ptr[i]; k < S->row_ptr[i + 1]; k++) {
      ty_sidx j = S->col_idx[k], q;
      double v = S->val[k];
      if ((size_t)j <= i) continue;        /* each pair from its upper end */
      q = find_entry(S, (size_t)j, (ty_sidx)i);
      if ((q < 0 ? 0.0 : S->val[q]) != v) return 0;
    }
  /* entries in the lower triangle without a stored mirror */
  for (i = 0; i < S->rows; i++)
    for (k = S->row_ptr[i]; k < S->dpos[i]; k++)
      if (S->val[k] != 0.0 && find_entry(S, (size_t)S->col_idx[k],
                                         (ty_sidx)i) < 0)
        return 0;
  return 1;
}

/* ====================================================================== */
/* kernels                                                                */
/* ====================================================================== */

/* nonzeros from which CG's product is shared among threads, and the
** length from which its vector updates are */
#define SPMV_PAR ((size_t)1 << 17)
#define VEC_PAR ((size_t)1 << 16)

/* q = S p over rows lo..hi, returning their part of p'q */
static double spmv_dot_rows (const ty_sparse *S, const double *restrict p,
                             double *restrict q, size_t lo, size_t hi) {
  const ty_sidx *restrict rp = S->row_ptr, *restrict ci = S->col_idx;
  const double *restrict v = S->val;
  size_t i;
  double dot = 0.0;
  for (i = lo; i < hi; i++) {
    double s = 0.0;
    ty_sidx k, e = rp[i + 1];
    for (k = rp[i]; k < e; k++) s += v[k] * p[ci[k]];
    q[i] = s;
    dot += p[i] * s;
  }
  return dot;
}

typedef struct spmv_job {
  const ty_sparse *S;
  const double *p;
  double *q;
  double part[TY_POOL_MAX];
} spmv_job;

static void spmv_work (void *arg, size_t lo, size_t hi, int tid) {
  spmv_job *j = (spmv_job *)arg;
  j->part[tid] = spmv_dot_rows(j->S, j->p, j->q, lo, hi);
}

/* q = S p, returning p'q (one pass over S); a large S is shared among
** the worker pool's threads by rows, the dot summed piece by piece in
** order (the same for the same number of threads) */
static double spmv_dot (const ty_sparse *S, const double *restrict p,
                        double *restrict q) {
  size_t n = S->rows, nnz = n > 0 ? (size_t)S->row_ptr[n] : 0;
  int nt = nnz >= SPMV_PAR ? ty_pool_cpus() : 1, t;
  spmv_job j;
  double dot = 0.0;
  if (nt <= 1) return spmv_dot_rows(S, p, q, 0, n);
  if ((size_t)nt > n) nt = (int)n;
  j.S = S;
  j.p = p;
  j.q = q;
  ty_par_for(nt, n, spmv_work, &j);
  for (t = 0; t < nt; t++) dot += j.part[t];
  return dot;
}

/* ||b - S x||^2 without storing the residual */
static double resid_norm2 (const ty_sparse *S, const double *restrict x,
                           const double *restrict b) {
  const ty_sidx *restrict rp = S->row_ptr, *restrict ci = S->col_idx;
  const double *restrict v = S->val;
  size_t i, n = S->rows;
  double ss = 0.0;
  for (i = 0; i < n; i++) {
    double s = b[i];
    ty_sidx k, e = rp[i + 1];
    for (k = rp[i]; k < e; k++) s -= v[k] * x[ci[k]];
    ss += s * s;
  }
  return ss;
}

static double dot (const double *restrict a, const double *restrict b,
                   size_t n) {
  size_t i;
  double s = 0.0;
  for (i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* the 2-norm of x, safe from overflow and underflow of the squares */
static double norm2 (const double *x, size_t n) {
  double s = dot(x, x, n), big = 0.0;
  size_t i;
  if (s > 1e-280 && s < 1e280) return sqrt(s);
  for (i = 0; i < n; i++) if (fabs(x[i]) > big) big = fabs(x[i]);
  if (big == 0.0 || !isfinite(big)) return big;
  for (s = 0.0, i = 0; i < n; i++) s += (x[i] / big) * (x[i] / big);
  return big * sqrt(s);
}

/* y = A x for any operator; returns 0 or the callback's code */
static int apply_op (const ty_linop *A, const double *x, double *y) {
  if (A->S != NULL) {
    spmv_dot(A->S, x, y);
    return 0;
  }
  if (A->D != NULL) {
    ty_mat X = {A->n, 1, 0, (double *)x}, Y = {A->n, 1, 0, y};
    ty_mat_matmul(&Y, A->D, &X);
    return 0;
  }
  return A->apply(A->ctx, x, y);
}

/* ====================================================================== */
/* preconditioners                                                        */
/* ====================================================================== */

/* IC(0): L with the pattern of the lower triangle of S, S ~ L L^T; row i
** of L sits in positions row_ptr[i] .. dpos[i] (the diagonal last) */
static int ic0_factor (const ty_sparse *S, double *L, size_t *badrow) {
  const ty_sidx *rp = S->row_ptr, *dp = S->dpos, *ci = S->col_idx;
  size_t i;
  for (i = 0; i < S->rows; i++) {
    ty_sidx k;
    double diag = S->val[dp[i]];
    for (k = rp[i]; k < dp[i]; k++) {
      ty_sidx j = ci[k], p = rp[i], q = rp[j];
      double s = S->val[k];
      while (p < k && q < dp[j]) {          /* merge rows i and j below j */
        if (ci[p] < ci[q]) p++;
        else if (ci[q] < ci[p]) q++;
        else s -= L[p++] * L[q++];
      }
      L[k] = s / L[dp[j]];
      diag -= L[k] * L[k];
    }
    if (!(diag > 0.0) || !isfinite(diag)) {
      *badrow = i;
      return TY_BREAK_IC0;
    }
    L[dp[i]] = sqrt(diag);
  }
  return 0;
}

int ty_pc_setup (ty_precond *P, int kind, const ty_sparse *S, double omega,
                 double *diag, double *factor, size_t *badrow) {
  size_t i;
  memset(P, 0, sizeof(*P));
  P->kind = kind;
  P->S = S;
  P->omega = omega;
  if (kind == TY_PC_JACOBI || kind == TY_PC_SSOR) {
    P->diag = diag;
    for (i = 0; i < S->rows; i++) diag[i] = 1.0 / TY_SPARSE_DIAG(S, i);
  }
  else if (kind == TY_PC_IC0) {
    P->factor = factor;
    return ic0_factor(S, factor, badrow);
  }
  return 0;
}

/* z = M^-1 r for SSOR: a backward solve with D + w U (right side scaled
** by w (2 - w)), a product with D, a forward solve with D + w L */
static void ssor_apply (const ty_precond *P, const double *restrict r,
                        double *restrict z) {
  const ty_sparse *S = P->S;
  const ty_sidx *rp = S->row_ptr, *dp = S->dpos, *ci = S->col_idx;
  const double *v = S->val, *dinv = P->diag;
  double w = P->omega, c = w * (2.0 - w);
  size_t i, n = S->rows;
  for (i = n; i-- > 0; ) {               /* (D + w U) y = c r */
    double s = 0.0;
    ty_sidx k;
    for (k = dp[i] + 1; k < rp[i + 1]; k++) s += v[k] * z[ci[k]];
    z[i] = dinv[i] * (c * r[i] - w * s);
  }
  for (i = 0; i < n; i++) {              /* (D + w L) z = D y */
    double s = 0.0;
    ty_sidx k;
    for (k = rp[i]; k < dp[i]; k++) s += v[k] * z[ci[k]];
    z[i] -= w * dinv[i] * s;
  }
}

/* z = (L L^T)^-1 r for IC(0) */
static void ic0_apply (const ty_precond *P, const double *restrict r,
                       double *restrict z) {
  const ty_sparse *S = P->S;
  const ty_sidx *rp = S->row_ptr, *dp = S->dpos, *ci = S->col_idx;
  const double *L = P->factor;
  size_t i, n = S->rows;
  for (i = 0; i < n; i++) {              /* L y = r */
    double s = r[i];
    ty_sidx k;
    for (k = rp[i]; k < dp[i]; k++) s -= L[k] * z[ci[k]];
    z[i] = s / L[dp[i]];
  }
  for (i = n; i-- > 0; ) {               /* L^T z = y, by columns of L^T */
    double zi = z[i] / L[dp[i]];
    ty_sidx k;
    z[i] = zi;
    for (k = rp[i]; k < dp[i]; k++) z[ci[k]] -= L[k] * zi;
  }
}

int ty_pc_apply (const ty_precond *P, size_t n, const double *r, double *z) {
  size_t i;
  switch (P->kind) {
    case TY_PC_JACOBI:
      for (i = 0; i < n; i++) z[i] = P->diag[i] * r[i];
      return 0;
    case TY_PC_SSOR: ssor_apply(P, r, z); return 0;
    case TY_PC_IC0: ic0_apply(P, r, z); return 0;
    case TY_PC_FUNC: return P->apply(P->ctx, r, z);
    default:
      memcpy(z, r, n * sizeof(double));
      return 0;
  }
}

/* ====================================================================== */
/* conjugate gradients                                                    */
/* ====================================================================== */

/* the true relative residual ||b - A x|| / bnorm, using t (n doubles) as
** scratch (left holding b - A x); returns 0 or a callback's code */
static int true_resid (const ty_linop *A, const double *b, const double *x,
                       double *t, double bnorm, double *rel) {
  size_t i;
  int rc = apply_op(A, x, t);
  if (rc != 0) return rc;
  for (i = 0; i < A->n; i++) t[i] = b[i] - t[i];
  *rel = norm2(t, A->n) / bnorm;
  return 0;
}

/* the start of every solver: ||b|| = 0 gives x = 0 after 0 iterations */
static int zero_rhs (const double *b, double *x, size_t n, double *bnorm,
                     ty_solve_info *info) {
  memset(info, 0, sizeof(*info));
  *bnorm = norm2(b, n);
  if (*bnorm > 0.0) return 0;
  memset(x, 0, n * sizeof(double));
  info->converged = 1;
  return 1;
}

#define CHECK(call) do { int rc_ = (call); if (rc_) return rc_; } while (0)

/* CG's vector updates: x += alpha p, r -= alpha q (returning r'r), and
** p = z + beta p; long vectors are shared among the worker pool's
** threads, r'r summed piece by piece in order */
typedef struct cgv_job {
  double alpha, *x, *r, *p;
  const double *q, *z;
  double part[TY_POOL_MAX];
} cgv_job;

static void update_work (void *arg, size_t lo, size_t hi, int tid) {
  cgv_job *j = (cgv_job *)arg;
  double rr = 0.0, a = j->alpha;
  size_t i;
  for (i = lo; i < hi; i++) {
    double ri = j->r[i] - a * j->q[i];
    j->x[i] += a * j->p[i];
    j->r[i] = ri;
    rr += ri * ri;
  }
  j->part[tid] = rr;
}

static void direction_work (void *arg, size_t lo, size_t hi, int tid) {
  cgv_job *j = (cgv_job *)arg;
  size_t i;
  (void)tid;
  for (i = lo; i < hi; i++) j->p[i] = j->z[i] + j->alpha * j->p[i];
}

static int vec_threads (size_t n) {
  return n >= VEC_PAR ? ty_pool_cpus() : 1;
}

static double cg_update (size_t n, double alpha, double *p, const double *q,
                         double *x, double *r) {
  cgv_job j;
  int nt = vec_threads(n), t;
  double rr = 0.0;
  if ((size_t)nt > n) nt = n > 0 ? (int)n : 1;
  j.alpha = alpha;
  j.x = x;
  j.r = r;
  j.p = p;
  j.q = q;
  ty_par_for(nt, n, update_work, &j);
  for (t = 0; t < nt; t++) rr += j.part[t];
  return rr;
}

static void cg_direction (size_t n, double beta, const double *z, double *p) {
  cgv_job j;
  j.alpha = beta;
  j.z = z;
  j.p = p;
  ty_par_for(vec_threads(n), n, direction_work, &j);
}

int ty_cg (const ty_linop *A, const ty_precond *M, const double *b,
           double *x, double *work, const ty_solve_opts *o,
           ty_solve_info *info) {
  size_t n = A->n, k;
  double *r = work, *z = work + n, *p = work + 2 * n, *q = work + 3 * n;
  double bnorm, rel, rz, rr;
  int plain = (M == NULL || M->kind == TY_PC_NONE);
  if (zero_rhs(b, x, n, &bnorm, info)) return 0;
  CHECK(true_resid(A, b, x, r, bnorm, &rel));      /* r = b - A x0 */
  info->resid = rel;
  if (rel < o->tol) {
    info->converged = 1;
    return 0;
  }
  if (!isfinite(rel)) {
    info->breakdown = TY_BREAK_NONFINITE;
    return 0;
  }
  if (plain) z = r;
  else CHECK(ty_pc_apply(M, n, r, z));
  rz = dot(r, z, n);
  if (!plain && !(rz > 0.0)) {
    info->breakdown = isfinite(rz) ? TY_BREAK_PRECOND : TY_BREAK_NONFINITE;
    return 0;
  }
  memcpy(p, z, n * sizeof(double));
  for (k = 1; k <= o->maxiter; k++) {
    double pq, alpha, beta, rz_new;
    if (A->S != NULL) pq = spmv_dot(A->S, p, q);
    else {
      CHECK(apply_op(A, p, q));
      pq = dot(p, q, n);
    }
    if (!(pq > 0.0) || !isfinite(pq)) {
      info->breakdown = isfinite(pq) ? TY_BREAK_CURVATURE
                                     : TY_BREAK_NONFINITE;
      break;
    }
    alpha = rz / pq;
    rr = cg_update(n, alpha, p, q, x, r);
    info->iters = k;
    rel = sqrt(rr) / bnorm;
    if (!(rr < 1e280)) rel = norm2(r, n) / bnorm;
    if (o->progress) CHECK(o->progress(o->pctx, k, rel));
    if (ty_interrupted()) return TY_EINTR;
    if (rel < o->tol) {
      CHECK(true_resid(A, b, x, q, bnorm, &rel));
      if (rel < o->tol) {
        info->converged = 1;
        info->resid = rel;
        return 0;
      }
      memcpy(r, q, n * sizeof(double));    /* go on from the true one */
    }
    if (!isfinite(rel)) {
      info->breakdown = TY_BREAK_NONFINITE;
      break;
    }
    if (plain) rz_new = rr;
    else {
      CHECK(ty_pc_apply(M, n, r, z));
      rz_new = dot(r, z, n);
      if (!(rz_new > 0.0) || !isfinite(rz_new)) {
        info->breakdown = isfinite(rz_new) ? TY_BREAK_PRECOND
                                           : TY_BREAK_NONFINITE;
        break;
      }
    }
    beta = rz_new / rz;
    rz = rz_new;
    cg_direction(n, beta, z, p);
  }
  CHECK(true_resid(A, b, x, q, bnorm, &info->resid));
  return 0;
}

/* ====================================================================== */
/* SOR                                                                    */
/* ====================================================================== */

/* The SOR update of row i: s = b_i - sum_{j != i} a_ij x_j, upper
** triangle (old values) first, then the lower one; the newest value,
** x_{i-1} when stored, enters last and outside the factor w / a_ii, so the
** chain of dependent operations from one row to the next is one multiply
** and one subtraction. */
static inline void sor_row (const ty_sidx *restrict rp,
                            const ty_sidx *restrict dp,
                            const ty_sidx *restrict ci,
                            const double *restrict v,
                            const double *restrict b, double *restrict x,
                            double omega, double keep, size_t i) {
  ty_sidx k, lo = rp[i], d = dp[i], e = rp[i + 1];
  double s = b[i], w = omega / v[d], t;
  for (k = d + 1; k < e; k++) s -= v[k] * x[ci[k]];
  if (d == lo) {
    x[i] = keep * x[i] + w * s;
    return;
  }
  for (k = lo; k + 1 < d; k++) s -= v[k] * x[ci[k]];
  t = keep * x[i] + w * s;
  x[i] = t - (w * v[d - 1]) * x[ci[d - 1]];
}

/* (b - S x)_i */
static inline double resid_row (const ty_sidx *restrict rp,
                                const ty_sidx *restrict ci,
                                const double *restrict v,
                                const double *restrict b,
                                const double *restrict x, size_t i) {
  double s = b[i];
  ty_sidx k, e = rp[i + 1];
  for (k = rp[i]; k < e; k++) s -= v[k] * x[ci[k]];
  return s;
}

void ty_sor_sweep (const ty_sparse *A, const double *b, double *x,
                   double omega) {
  size_t i, n = A->rows;
  for (i = 0; i < n; i++)
    sor_row(A->row_ptr, A->dpos, A->col_idx, A->val, b, x, omega,
            1.0 - omega, i);
}

/* One sweep, returning ||b - A x_new||^2.  The residual of row j is taken
** as soon as the sweep has updated every x its row reads (the last column
** of row j), a few rows behind the sweep, so the row is still in cache and
** the matrix is read from memory once per iteration.  The rows are summed
** in order, so the result is exactly that of a separate pass. */
static double sor_sweep_resid (const ty_sparse *A, const double *b,
                               double *x, double omega) {
  const ty_sidx *restrict rp = A->row_ptr, *restrict dp = A->dpos;
  const ty_sidx *restrict ci = A->col_idx;
  const double *restrict v = A->val;
  double keep = 1.0 - omega, ss = 0.0;
  size_t i, j = 0, n = A->rows;
  for (i = 0; i < n; i++) {
    sor_row(rp, dp, ci, v, b, x, omega, keep, i);
    while (j <= i && (size_t)ci[rp[j + 1] - 1] <= i) {
      double r = resid_row(rp, ci, v, b, x, j);
      ss += r * r;
      j++;
    }
  }
  for (; j < n; j++) {
    double r = resid_row(rp, ci, v, b, x, j);
    ss += r * r;
  }
  return ss;
}

int ty_sor (const ty_sparse *A, const double *b, double *x, double omega,
            const ty_solve_opts *o, ty_solve_info *info) {
  size_t n = A->rows, k;
  double bnorm, rel;
  if (zero_rhs(b, x, n, &bnorm, info)) return 0;
  rel = sqrt(resid_norm2(A, x, b)) / bnorm;
  info->resid = rel;
  if (rel < o->tol) {
    info->converged = 1;
    return 0;
  }
  for (k = 1; k <= o->maxiter; k++) {
    rel = sqrt(sor_sweep_resid(A, b, x, omega)) / bnorm;
    info->iters = k;
    info->resid = rel;
    if (o->progress) CHECK(o->progress(o->pctx, k, rel));
    if (ty_interrupted()) return TY_EINTR;
    if (rel < o->tol) {
      info->converged = 1;
      return 0;
    }
    if (!isfinite(rel)) {
      info->breakdown = TY_BREAK_NONFINITE;
      return 0;
    }
  }
  return 0;
}

/* ====================================================================== */
/* Jacobi spectral radius and the optimal factor                          */
/* ====================================================================== */

/* The extreme eigenvalue `which` (1: smallest, m: largest) of the m x m
** tridiagonal T (diagonal a, off-diagonal e) and the last component of its
** unit eigenvector.  d, f, z: scratch of m doubles; ifail: m ints.
** Returns 0 or -1 (LAPACK failed). */
static int ritz (const double *a, const double *e, size_t m, size_t which,
                 double *d, double *f, double *z, int *ifail,
                 double *theta, double *last) {
  lapack_int found = 0, info;
  if (m == 1) {
    *theta = a[0];
    *last = 1.0;
    return 0;
  }
  memcpy(d, a, m * sizeof(double));
  memcpy(f, e, (m - 1) * sizeof(double));
  info = LAPACKE_dstevx(LAPACK_COL_MAJOR, 'V', 'I', (lapack_int)m, d, f,
                        0.0, 0.0, (lapack_int)which, (lapack_int)which,
                        2.0 * DBL_MIN, &found, theta, z, (lapack_int)m,
                        ifail);
  if (info != 0 || found != 1) return -1;
  *last = z[m - 1];
  return 0;
}

#define LANCZOS_TOL 1e-11

/* w = (I - Dh S Dh) v - bprev vp with t = Dh v given; returns w'v */
static double lanczos_apply (const ty_sparse *S, const double *restrict dh,
                             const double *restrict t,
                             const double *restrict v,
                             const double *restrict vp, double bprev,
                             double *restrict w) {
  const ty_sidx *restrict rp = S->row_ptr, *restrict ci = S->col_idx;
  const double *restrict val = S->val;
  size_t i, n = S->rows;
  double a = 0.0;
  for (i = 0; i < n; i++) {
    double s = 0.0;
    ty_sidx k, e = rp[i + 1];
    for (k = rp[i]; k < e; k++) s += val[k] * t[ci[k]];
    s = v[i] - dh[i] * s - bprev * vp[i];
    w[i] = s;
    a += s * v[i];
  }
  return a;
}

int ty_jacobi_radius (const ty_sparse *S, size_t maxiter, double *work,
                      int *iwork, double *beta, size_t *iters,
                      int *converged) {
  size_t n = S->rows, m = n < maxiter ? n : maxiter, i, k, next = 8;
  double *dh = work, *v = work + n, *vp = work + 2 * n, *w = work + 3 * n;
  double *t = work + 4 * n, *alpha = work + 5 * n, *off = alpha + m;
  double *d = off + m, *f = d + m, *z = f + m;
  double bprev = 0.0, nrm, hi = 0.0, lo = 0.0, res_lo = HUGE_VAL;
  int done_hi = 0, done_lo = 0;
  ty_rng rng;
  *beta = 0.0;
  *iters = 0;
  *converged = 0;
  if (n == 0 || m == 0) {
    *converged = (n == 0);
    return 0;
  }
  for (i = 0; i < n; i++) dh[i] = 1.0 / sqrt(TY_SPARSE_DIAG(S, i));
  ty_rng_seed(&rng, 20240101);       /* a fixed, positive start vector */
  for (i = 0; i < n; i++) v[i] = 0.5 + ty_rng_uniform(&rng);
  nrm = norm2(v, n);
  for (i = 0; i < n; i++) {
    v[i] /= nrm;
    vp[i] = 0.0;
    t[i] = dh[i] * v[i];
  }
  for (k = 0; k < m; k++) {
    double a, b, ss = 0.0, *tmp;
    a = lanczos_apply(S, dh, t, v, vp, bprev, w);
    for (i = 0; i < n; i++) {
      w[i] -= a * v[i];
      ss += w[i] * w[i];
    }
    b = sqrt(ss);
    if (!(ss > 1e-280 && ss < 1e280)) b = norm2(w, n);
    alpha[k] = a;
    off[k] = b;
    *iters = k + 1;
    if (ty_interrupted()) return TY_EINTR;
    /* Ritz values every 8 steps at first, then every k/16; an end whose
    ** residual bound has once reached LANCZOS_TOL is converged (its Ritz
    ** value only moves by rounding after that) */
    if (k + 1 >= next || k + 1 == m || b <= 1e-14) {
      double th, y;
      next = k + 1 + (k / 16 > 8 ? k / 16 : 8);
      if (!done_hi) {
        if (ritz(alpha, off, k + 1, k + 1, d, f, z, iwork, &th, &y))
          return -1;
        hi = th;
        done_hi = b * fabs(y) <= LANCZOS_TOL;
      }
      if (!done_lo) {
        if (ritz(alpha, off, k + 1, 1, d, f, z, iwork, &th, &y))
          return -1;
        lo = th;
        res_lo = b * fabs(y);
        done_lo = res_lo <= LANCZOS_TOL;
      }
      *beta = hi >= -lo ? hi : -lo;
      if (b <= 1e-14 || (done_hi && (done_lo || -lo + res_lo < hi)) ||
          (done_lo && -lo > hi && hi < 0.0)) {
        *converged = 1;
        return 0;
      }
    }
    tmp = vp; vp = v; v = w; w = tmp;  /* rotate: vp <- v, v <- w / b */
    for (i = 0; i < n; i++) {
      v[i] /= b;
      t[i] = dh[i] * v[i];
    }
    bprev = b;
  }
  return 0;
}

double ty_omega_opt (double beta) {
  return 2.0 / (1.0 + sqrt((1.0 - beta) * (1.0 + beta)));
}

/* ====================================================================== */
/* instance sequences                                                     */
/* ====================================================================== */

/* a uniform deviate in (0, 1] */
static double uniform_pos (ty_rng *r) {
  return 1.0 - ty_rng_uniform(r);
}

double ty_rng_gamma (ty_rng *r, double shape) {
  double d, c;
  if (shape < 1.0) {
    double g = ty_rng_gamma(r, shape + 1.0);
    double e = ty_det_log(uniform_pos(r)) / shape;
    return e < -700.0 ? 0.0 : g * ty_det_exp(e);
  }
  d = shape - 1.0 / 3.0;
  c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v, u;
    do {
      x = ty_rng_normal(r);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    u = uniform_pos(r);
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (ty_det_log(u) < 0.5 * x * x + d * (1.0 - v + ty_det_log(v)))
      return d * v;
  }
}

double ty_rng_beta (ty_rng *r, double a, double b) {
  double g1 = ty_rng_gamma(r, a), g2 = ty_rng_gamma(r, b);
  if (g1 + g2 == 0.0) return 0.5;      /* both underflowed: tiny shapes */
  return g1 / (g1 + g2);
}

void ty_relax_draw (ty_rng *r, size_t T, size_t n, double a, double b,
                    double lo, double width, double *shift, double *B) {
  size_t t, i;
  for (t = 0; t < T; t++) {
    double *col = B + t * n, ss;
    shift[t] = lo + width * ty_rng_beta(r, a, b);
    do {
      ty_rng_fill_normal(r, col, n);
      for (ss = 0.0, i = 0; i < n; i++) ss += col[i] * col[i];
    } while (ss > (double)n);
  }
}

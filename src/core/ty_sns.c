/*
** ty_sns.c: Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024) as
** shared/methods/optimal_transport.md section 4 specifies it: a short
** Sinkhorn warm-up, then Newton steps on a Hessian whose off-diagonal
** block is sparsified, solved by CG on a Schur complement (or Cholesky),
** with an Armijo line search on the exact increment of the dual.
** Potentials are kept divided by eps, as in ty_sinkhorn.c.
*/
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "ty_sns_impl.h"
#include "ty_interrupt.h"

/* ---- sparsification ---------------------------------------------------- */

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
** sorted order) whose total is at most rem, and return its length.  The
** entries are put in buckets by binary exponent below the largest (64
** buckets, the last one taking everything smaller): whole buckets of
** small entries go while they fit, and only the bucket where the budget
** runs out is sorted.  b: len bytes of scratch. */
static size_t drop_smallest (pair *x, size_t len, double rem, uint8_t *b) {
  double sum[64];
  size_t k, lo = 0, hi = len, i = 0, done;
  int emax = 0, B;
  for (k = 0; k < 64; k++) sum[k] = 0.0;
  for (k = 0; k < len; k++) {
    uint64_t bits;
    int e;
    memcpy(&bits, &x[k].p, sizeof bits);
    e = (int)((bits >> 52) & 0x7ff);
    if (e > emax) emax = e;
  }
  for (k = 0; k < len; k++) {
    uint64_t bits;
    int d;
    memcpy(&bits, &x[k].p, sizeof bits);
    d = emax - (int)((bits >> 52) & 0x7ff);
    d = d < 63 ? d : 63;
    b[k] = (uint8_t)d;
    sum[d] += x[k].p;
  }
  for (B = 63; B >= 0 && sum[B] <= rem; B--) rem -= sum[B];
  if (B < 0) return len;
  while (i < hi) {          /* x: smaller buckets | bucket B | larger */
    pair t;
    uint8_t c;
    if (b[i] > B) {
      t = x[i]; x[i] = x[lo]; x[lo] = t;
      c = b[i]; b[i] = b[lo]; b[lo] = c;
      lo++;
      i++;
    }
    else if (b[i] < B) {
      hi--;
      t = x[i]; x[i] = x[hi]; x[hi] = t;
      c = b[i]; b[i] = b[hi]; b[hi] = c;
    }
    else i++;
  }
  sort_pairs(x + lo, hi - lo);
  for (done = lo; done < hi && x[done].p <= rem; done++) rem -= x[done].p;
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
    if (vhmax(p) > tau)        /* list the survivors, without branches */
      for (k = j; k < j + 8; k++) {
        tmp[cnt].p = row[k];
        tmp[cnt].j = (uint32_t)k;
        cnt += row[k] > tau;
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

/* mass_row1 and mass_row2 for a row of the cut kernel (len entries in
** columns col): row gets p_k = ui val_k v[col_k], *km where the maximum
** is */
static double cut_mass_row1 (double *row, const double *val,
                             const uint32_t *col, size_t len, double ui,
                             const double *v, size_t *km) {
  size_t k, at = 0;
  double mx = -1.0;
  for (k = 0; k < len; k++) {
    row[k] = ui * val[k] * v[col[k]];
    if (row[k] > mx) { mx = row[k]; at = k; }
  }
  *km = at;
  return mx;
}

static size_t cut_mass_row2 (const double *row, const uint32_t *col,
                             size_t len, double tau, double *dropc,
                             pair *tmp, double *dropped, double *rest) {
  size_t k, cnt = 0;
  double d = 0.0, r = 0.0;
  for (k = 0; k < len; k++) {
    double p = row[k];
    r += p;
    if (p <= tau) { d += p; dropc[col[k]] += p; }
    else { tmp[cnt].p = p; tmp[cnt].j = col[k]; cnt++; }
  }
  *dropped = d;
  *rest = r;
  return cnt;
}

static void spm_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  share *sp = w->spm + tid;
  size_t m = w->pb->m, i;
  double *row = sp->row;
  pair *tmp = sp->tmp;
  sp->hi = hi;
  for (i = lo; i < hi; i++) {
    double budget = w->delta * w->rs[i], tau = budget / (double)m;
    double dropped, rest, pmax;
    size_t jm = 0, cnt, k, first;
    if (sp->cap - sp->nz < m + 1) break;
    if (w->cut) {
      size_t a = w->kptr[i], len = w->kptr[i + 1] - a, km = 0;
      if (len == 0) {                   /* nothing above the cut */
        w->jmax[i] = 0;
        w->rest[i] = 0.0;
        w->rowptr[i + 1] = 0;
        continue;
      }
      pmax = cut_mass_row1(row, w->kval + a, w->kcol + a, len, w->u[i], w->v,
                           &km);
      jm = w->kcol[a + km];
      row[km] = 0.0;                    /* kept apart */
      cnt = cut_mass_row2(row, w->kcol + a, len, tau, sp->dropc, tmp,
                          &dropped, &rest);
    }
    else {
      pmax = mass_row1(row, w->KT + i * m, w->u[i], w->v, m);
      while (row[jm] != pmax && jm + 1 < m) jm++;
      row[jm] = 0.0;                    /* kept apart */
      cnt = mass_row2(row, m, tau, sp->dropc, tmp, &dropped, &rest);
    }
    w->jmax[i] = (uint32_t)jm;
    w->rest[i] = rest;
    first = drop_smallest(tmp, cnt, budget - dropped, sp->bucket);
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

/* The mass rule, rows shared among threads: each share is computed into
** its own arrays, then the shares are joined in row order. */
static int sparsify_mass (sns_ws *w, double delta) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, j, nz = 0, last = w->cap;
  int nt = sns_pass_threads(w), t, rc;
  if (w->spm == NULL) {
    GET(w->spm, w->o, MAXTHREADS, share);
    memset(w->spm, 0, MAXTHREADS * sizeof(share));
  }
  if ((size_t)nt > n) nt = (int)n;
  w->delta = delta;
  for (t = 0; t < nt; t++) {
    share *sp = w->spm + t;
    if (sp->tmp == NULL) {
      GET(sp->tmp, w->o, m + 9, pair);
      GET(sp->bucket, w->o, m + 1, uint8_t);
      GET(sp->row, w->o, m, double);
      GET(sp->dropc, w->o, m, double);
    }
    sp->nz = 0;
    memset(sp->dropc, 0, m * sizeof(double));
    if ((rc = sns_share_grow(w, sp, last / (size_t)nt + 2 * (m + 1))) != 0)
      return rc;
  }
  ot_par_for(nt, n, spm_work, w);
  for (t = 0; t < nt; t++) {          /* shares that ran out of room */
    share *sp = w->spm + t;
    while (sp->next < sp->hi) {
      if ((rc = sns_share_grow(w, sp, 2 * sp->cap + m + 1)) != 0) return rc;
      spm_work(w, sp->next, sp->hi, t);
    }
    nz += sp->nz;
  }
  (void)nz;
  rc = sns_shares_join(w, w->spm, nt, n, w->rowptr, &w->col, &w->val, &w->cap);
  if (rc != 0) return rc;
  memcpy(w->dropc, w->spm[0].dropc, m * sizeof(double));
  for (t = 1; t < nt; t++)
    for (j = 0; j < m; j++) w->dropc[j] += w->spm[t].dropc[j];
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
  return ot_vdot(x, y, n);
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

/* y = S x for x, y of m - 1 (x[m-1] is read as 0), t: n scratch: rows
** (t = D_r^-1 P' x), then columns (y = D_c x - P'^T t), each shared among
** threads when there is enough to share */
typedef struct mv_job {
  const sns_ws *w;
  const double *x;
  double *y, *t;
} mv_job;

static void mv_rows (void *arg, size_t lo, size_t hi, int tid) {
  const mv_job *j = (const mv_job *)arg;
  const sns_ws *w = j->w;
  size_t i;
  (void)tid;
  for (i = lo; i < hi; i++) {
    size_t a = w->rowptr[i];
    j->t[i] = gdot(w->val + a, w->col + a, j->x, w->rowptr[i + 1] - a) /
              (w->rs[i] + w->shift);
  }
}

static void mv_cols (void *arg, size_t lo, size_t hi, int tid) {
  const mv_job *j = (const mv_job *)arg;
  const sns_ws *w = j->w;
  size_t c;
  (void)tid;
  for (c = lo; c < hi; c++) {
    size_t a = w->colptr[c];
    j->y[c] = (w->cs[c] + w->shift) * j->x[c] -
              gdot(w->cval + a, w->row_of + a, j->t, w->colptr[c + 1] - a);
  }
}

static void schur_matvec (const sns_ws *w, const double *x, double *y,
                          double *t) {
  size_t n = w->pb->n, K = w->pb->m - 1;
  int nt = ot_threads(w->o, w->rowptr[n], PAR_MIN_MV);
  mv_job j;
  j.w = w;
  j.x = x;
  j.y = y;
  j.t = t;
  if (nt > 1) {
    ot_par_for(nt, n, mv_rows, &j);
    ot_par_for(nt, K, mv_cols, &j);
  }
  else {
    mv_rows(&j, 0, n, 0);
    mv_cols(&j, 0, K, 0);
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
static const double phi_coef[9] = {1.0 / 3628800.0, 1.0 / 362880.0,
                                   1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
                                   1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5};

static inline __attribute__((always_inline)) v8d vphi_series (v8d t) {
  v8d s = VSPLAT(phi_coef[0]);
  int k;
  for (k = 1; k < 9; k++) s = s * t + phi_coef[k];
  return s * t * t;
}

/* the same for one t */
static inline double phi_series (double t) {
  double s = phi_coef[0];
  int k;
  for (k = 1; k < 9; k++) s = s * t + phi_coef[k];
  return s * t * t;
}

/* sum_j P_ij phi(t_j) for row i, t_j = alpha (dFi + dG_j), without exp:
** P e^t = (P e^(alpha dFi)) e^(alpha dG_j) (Ei and Eg given); valid when
** |t| <= TMAX.  The entries P e^t of the stepped plan are added to cs,
** their sum to *rsum. */
TY_SIMD static double phi_row_scaled (const double *k, double ui,
                                      const double *v, double dFi,
                                      const double *dG, double Ei,
                                      const double *Eg, double alpha,
                                      size_t m, double *cs, double *rsum) {
  v8d s = VSPLAT(0.0), rs = VSPLAT(0.0);
  size_t j, rest = m % 8, full = m - rest;
  for (j = 0; j <= full; j += 8) {
    v8d p, t, eg, q;
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
    q = (p * Ei) * eg;
    small = vabs(t) < 0.1;
    s += vselect(small, p * vphi_series(t), q - p - p * t);
    rs += q;
    if (j < full) vstore(cs + j, vload(cs + j) + q);
    else {
      v8d c = vload_part(cs + j, rest, 0.0) + q;
      memcpy(cs + j, &c, rest * sizeof(double));
    }
  }
  *rsum = hsum(rs);
  return hsum(s);
}

/* the same from the potentials for column j, for large steps: exp(L + t)
** - P (1 + t) with L = F_i + G_j - C_ij / eps and P = exp(L) (every
** entry, cut or not); *lmax gets max (L + t) */
TY_SIMD static double phi_col_exact (const double *c, const double *F,
                                     double Gj, const double *dF, double dGj,
                                     double alpha, double ieps, size_t n,
                                     double *lmax) {
  v8d s = VSPLAT(0.0), mx = VSPLAT(-INFINITY);
  size_t i, rest = n % 8, full = n - rest;
  for (i = 0; i <= full; i += 8) {
    v8d p, t, L, ex;
    v8i small;
    if (i == full) {
      if (rest == 0) break;
      t = alpha * (vload_part(dF + i, rest, 0.0) + dGj);
      L = vload_part(F + i, rest, -INFINITY) + Gj -
          vload_part(c + i, rest, 0.0) * ieps;
    }
    else {
      t = alpha * (vload(dF + i) + dGj);
      L = vload(F + i) + Gj - vload(c + i) * ieps;
    }
    p = vexp(L);
    ex = vexp(L + t) - p * (1.0 + t);
    small = vabs(t) < 0.1;
    s += vselect(small, p * vphi_series(t), ex);
    mx = vmax(mx, L + t);
  }
  *lmax = hmax(mx);
  return hsum(s);
}

static void phi_exact_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const otp *pb = w->pb;
  size_t n = pb->n, j;
  double s = 0.0, mx = -INFINITY;
  for (j = lo; j < hi; j++) {
    double l;
    s += phi_col_exact(pb->C + j * n, w->F, w->G[j], w->dF, w->dG[j],
                       w->alpha, pb->ieps, n, &l);
    if (l > mx) mx = l;
  }
  w->part[tid][0] = s;
  w->part[tid][1] = mx;
}

/* phi_row_scaled for a row of the cut kernel */
static double phi_row_cut (const double *val, const uint32_t *col,
                           size_t len, double ui, const double *v,
                           double dFi, const double *dG, double Ei,
                           const double *Eg, double alpha, double *cs,
                           double *rsum) {
  double s = 0.0, rs = 0.0;
  size_t k;
  for (k = 0; k < len; k++) {
    uint32_t j = col[k];
    double p = ui * val[k] * v[j], t, q;
    if (!(p > 1e-200)) p = 0.0;
    t = alpha * (dFi + dG[j]);
    q = (p * Ei) * Eg[j];
    if (fabs(t) < 0.1) s += p * phi_series(t);
    else s += q - p - p * t;
    rs += q;
    cs[j] += q;
  }
  *rsum = rs;
  return s;
}

static void phi_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  size_t m = w->pb->m, i;
  double s = 0.0, a = w->alpha, *cs = w->csp + (size_t)tid * m;
  memset(cs, 0, m * sizeof(double));
  for (i = lo; i < hi; i++) {
    double Ei = exp(a * w->dF[i]);
    if (w->cut) {
      size_t k = w->kptr[i];
      s += phi_row_cut(w->kval + k, w->kcol + k, w->kptr[i + 1] - k,
                       w->u[i], w->v, w->dF[i], w->dG, Ei, w->Eg, a, cs,
                       w->rsn + i);
    }
    else
      s += phi_row_scaled(w->KT + i * m, w->u[i], w->v, w->dF[i], w->dG,
                          Ei, w->Eg, a, m, cs, w->rsn + i);
  }
  w->part[tid][0] = s;
  w->part[tid][1] = -INFINITY;
}

/* sum P phi(alpha s) over all entries, or -1 when a step that large would
** overflow (some L + alpha s above 700).  Small steps go over the kernel
** without exp and leave the row sums of the stepped plan in rsn and its
** column sums in nt pieces in csp (w->nt); large ones (exact_ls) go over
** C with two exps an entry. */
static double sns_phi (sns_ws *w, double alpha, double dmax) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, j;
  int nt, t;
  double s = 0.0, mx = -INFINITY;
  w->alpha = alpha;
  w->exact_ls = alpha * dmax > TMAX;
  if (w->exact_ls) {
    nt = ot_threads(w->o, n * m, PAR_MIN_EXP);
    if ((size_t)nt > m) nt = (int)m;
    ot_par_for(nt, m, phi_exact_work, w);
  }
  else {
    nt = sns_pass_threads(w);
    if ((size_t)nt > n) nt = (int)n;
    w->nt = nt;
    for (j = 0; j < m; j++) w->Eg[j] = exp(alpha * w->dG[j]);
    ot_par_for(nt, n, phi_work, w);
  }
  for (t = 0; t < nt; t++) {
    s += w->part[t][0];
    if (w->part[t][1] > mx) mx = w->part[t][1];
  }
  if (mx > 700.0 || !(s == s) || s == HUGE_VAL) return -1.0;
  return s < 0.0 ? 0.0 : s;
}

/* ---- the driver -------------------------------------------------------- */

/* SNS on a problem with n >= m; C is pb->C, *CT its transpose or NULL
** (then made when needed); F and G hold the start. */
static int sns_core (const otp *pb, const double **CT, const ty_ot_opts *o,
                     double *F, double *G, ty_ot_info *info) {
  ctx cx;
  sns_ws w;
  size_t n = pb->n, m = pb->m, N = n + m, nm = n * m, i, k, steps = 0, cg0;
  size_t since = 0;
  double *copy = NULL, *row, best = INFINITY;
  double lambda0 = o->lambda > 0.0 ? o->lambda : 2.0 / (double)n, lambda;
  double t0 = ot_now(), prev_err = INFINITY, prev_dual = -INFINITY;
  int rc, last = 0, backtracked = 0;   /* last: 0 none, 1 Newton, 2 sweep */
  int fresh = 0;                       /* rs, cs from the line search */
  int chol = o->solver == TY_OT_CHOL;
  if (lambda0 > 1.0) lambda0 = 1.0;
  lambda = lambda0;
  cx.o = o;
  cx.iters = 0;
  cx.alpha = 0.0;
  cx.nnz = cx.cg = 0;
  memset(&w, 0, sizeof w);
  w.pb = pb;
  w.o = o;
  w.CT = CT;
  w.F = F;
  w.G = G;
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
  GET(w.rsn, o, n, double);
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
  w.cut_ok = o->sparsify == TY_OT_MASS;
  if ((rc = sns_absorb(&w, 1)) != 0) return rc;
  /* 1. warm-up: Sinkhorn sweeps; the error after sweep k is measured by
  ** sweep k + 1 (after the last one, by the Newton stage's first plan) */
  for (k = 0; k < o->warmup; k++) {
    double e;
    if (ty_interrupted()) return TY_EINTR;
    if ((rc = sns_sweep(&w, &e)) != 0) return rc;
    info->sinkhorn_iters++;
    if (k > 0) {
      if ((rc = ot_report(&cx, 0, e, 0.0)) != 0) return rc;
      if (e <= o->tol) sns_sync_fg(&w);
      if (e <= o->tol && ot_confirm(pb, o, F, G, o->tol)) {
        info->converged = 1;            /* reported below */
        break;
      }
    }
  }
  sns_sync_fg(&w);
  last = o->warmup > 0 ? 2 : 0;
  info->time_warmup = ot_now() - t0;
  /* 2. Newton */
  for (;;) {
    double sum, err = 0.0, gx = 0.0, dual, alpha = 1.0, minsum = INFINITY;
    double dmax = 0.0;
    size_t trial;
    int ok = 0;
    if (fresh) {           /* the line search summed the new plan */
      int t;
      memcpy(w.rs, w.rsn, n * sizeof(double));
      for (i = 0; i < m; i++) {
        double c = 0.0;
        for (t = 0; t < w.nt; t++) c += w.csp[(size_t)t * m + i];
        w.cs[i] = c;
      }
      for (i = 0, sum = 0.0; i < n; i++) sum += w.rs[i];
      fresh = 0;
    }
    else sum = sns_plan(&w);
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
    dual = ot_dual_after_row(pb, F, G) + pb->eps * (pb->mass - sum);
    if (last != 0) {
      if ((rc = ot_report(&cx, last == 1, err, dual)) != 0) return rc;
      if (o->sparsify == TY_OT_TOPK && o->adapt && last == 1)
        lambda = (backtracked || err > 0.5 * prev_err)
                 ? (2 * lambda < 1.0 ? 2 * lambda : 1.0)
                 : (0.9 * lambda > lambda0 ? 0.9 * lambda : lambda0);
    }
    prev_err = err;
    if (info->converged ||
        (err <= o->tol && ot_confirm(pb, o, F, G, o->tol))) {
      info->converged = 1;
      info->stop_reason = TY_OT_STOP_TOL;
      break;
    }
    if (err <= o->tol && w.cut) {  /* the full plan disagrees: no cuts */
      w.cut_ok = 0;
      if ((rc = sns_absorb(&w, 0)) != 0) return rc;
      last = 0;
      continue;
    }
    /* stalled: STALL_NEWTON steps in a row (Newton steps or fallback
    ** sweeps) that neither lower the best error nor raise D beyond its
    ** rounding */
    if (err < best) { best = err; since = 0; }
    else if (last != 0 &&
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
    cg0 = info->cg_iters;
    /* sparsify, solve, search; any failure falls back to a sweep */
    if (minsum > 0.0) {
      if (o->sparsify == TY_OT_TOPK)
        rc = sparsify_topk(&w, lambda, copy, row);
      else
        rc = sparsify_mass(&w, o->masstol * fmin(1.0, err / pb->mass));
      if (rc != 0) return rc;
      info->nnz = w.rowptr[n];
      /* a shifted retry when the first solve fails, gives an absurd step
      ** (more than DMAX_ABSURD in units of eps: a nearly disconnected kept
      ** graph) or finds no step in the line search */
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
        if (ok) {      /* Armijo on the exact increment of D */
          double mf = 0.0, mg = 0.0;
          size_t ls;
          memcpy(w.dF, w.x, n * sizeof(double));
          memcpy(w.dG, w.x + n, m * sizeof(double));
          for (i = 0; i < n; i++) mf = fmax(mf, fabs(w.dF[i]));
          for (i = 0; i < m; i++) mg = fmax(mg, fabs(w.dG[i]));
          dmax = mf + mg;
          ok = 0;
          alpha = 1.0;
          if (trial == 0 && !(dmax <= DMAX_ABSURD)) continue;
          for (ls = 0; ls < 40; ls++, alpha *= 0.5) {
            double phi = sns_phi(&w, alpha, dmax);
            if (phi >= 0.0 && (1.0 - 1e-4) * alpha * gx >= phi) { ok = 1; break; }
            if (ty_interrupted()) return TY_EINTR;
          }
        }
      }
      w.shift = 0.0;
    }
    if (ok) {
      for (i = 0; i < n; i++) F[i] += alpha * w.dF[i];
      for (i = 0; i + 1 < m; i++) G[i] += alpha * w.dG[i];
      if (!sns_rescale(&w) && (rc = sns_absorb(&w, 1)) != 0) return rc;
      fresh = !w.exact_ls;
      cx.alpha = alpha;                /* for the report of this step */
      cx.nnz = w.rowptr[n];
      cx.cg = info->cg_iters - cg0;
      info->newton_iters++;
      last = 1;
      backtracked = alpha < 1.0;
    }
    else {
      double e;
      if ((rc = sns_sweep(&w, &e)) != 0) return rc;
      sns_sync_fg(&w);
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
static int sns_levels (const otp *pb, const double **CT, const ty_ot_opts *o,
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
int ty_ot_sns_solve (const otp *pb, const ty_ot_opts *o, double *F,
                      double *G, ty_ot_info *info) {
  size_t n = pb->n, m = pb->m;
  double *CT;
  const double *ct = NULL;
  otp tp;
  int rc;
  if (n >= m) return sns_levels(pb, &ct, o, F, G, info);
  GET(CT, o, n * m, double);
  ot_transpose(o, CT, pb->C, n, m);
  ct = pb->C;
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
  rc = sns_levels(&tp, &ct, o, G, F, info);
  if (rc == 0 && pb->done->iters == 1) {  /* P holds the transposed plan */
    memcpy(CT, pb->P, n * m * sizeof(double));
    ot_transpose(o, pb->P, CT, m, n);
  }
  return rc;
}


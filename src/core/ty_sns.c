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

#include "ty_ot_impl.h"
#include "ty_interrupt.h"

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
**
** The cut kernel.  At small eps most of K is negligible: on a random
** assignment at eps = 1/1200 about 7% of it is above a_i e^-80.  When an
** absorption finds at most CUT_MAX of the entries above a_i e^-CUT, K is
** kept by rows with only those (kptr, kcol, kval), and sweeps, plan sums,
** the mass rule and the line search run over them.  A cut entry is below
** a_i e^-CUT when cut; it stays below a_i e^(RISE - CUT) (< 1e-23 a_i) as
** long as max(F - Fa) + max(G - Ga) <= RISE, so a larger rise absorbs
** again.  The plan that is returned, and the test that stops, are
** computed from C in full (ot_confirm), so a cut can cost time but never
** accuracy.  64 columns sampled first say whether a cut is worth making.
** A sweep that cannot run on a cut kernel (nothing kept in a row, or the
** columns would rise too far) is retried after the columns are updated in
** the log domain straight from C and K is cut again, then on the full
** kernel; a half sweep (the rows only) is taken when only the column half
** would rise too far.
*/
#define TAU 100.0
#define TMAX 200.0     /* |t| bound for the exp-free line search */
#define CUT 80.0       /* the cut kernel keeps K_ij >= a_i e^-CUT ... */
#define RISE 25.0      /* ... while the plan's entries rise by <= e^RISE */
#define CUT_MAX 0.3    /* and only when it keeps at most this share */
#define PAR_MIN_CUT ((size_t)1 << 15)   /* cut entries worth a thread */
#define PAR_MIN_MV ((size_t)1 << 12)    /* CG: kept entries worth a thread */

typedef struct sns_ws {
  const otp *pb;
  const ty_ot_opts *o;
  const double **CT;        /* m x n: row i of C is column i; made when
                            ** first needed (*CT NULL until then) */
  double *KT;               /* m x n: row i of the absorbed kernel */
  double *Fa, *Ga, *u, *v;  /* absorbed potentials, scalings */
  double *F, *G;            /* potentials, F = Fa + log u */
  double *rs, *cs, *csp;    /* row and column sums; csp: nt x m */
  double *grad, *x, *r, *z, *p, *q, *diag;   /* n + m each */
  double *dF, *dG, *Eg;     /* Newton direction; exp(alpha dG) */
  double alpha;
  int exact_ls;             /* line search from potentials (big steps) */
  int nt;                   /* threads of the last line search */
  double *rsn;              /* row sums of the stepped plan (n) */
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
  struct share *spm;        /* per-thread shares of the mass rule */
  double delta;             /* its tolerance */
  int cut;                  /* the kernel is the cut one (kptr...) */
  int cut_ok;               /* an absorption may cut it */
  size_t *kptr;             /* n + 1: the cut kernel by rows */
  uint32_t *kcol;
  double *kval;
  size_t kcap;              /* room in kcol and kval */
  struct share *ksh;        /* per-thread shares while cutting */
  double *kT;               /* n + 8: the cut's thresholds */
  size_t *kcc;              /* m: entries kept in each column */
  uint32_t *kcnt;           /* (MAXTHREADS + 1) x (n + 8): row counts */
  double rise;              /* RISE when cut, else HUGE_VAL */
  int bad[MAXTHREADS];
  int stale;                /* F, G behind u, v (sync_fg) */
  int rises;                /* half sweeps in a row on cut kernels */
} sns_ws;

/* ---- shares ------------------------------------------------------------ */

typedef struct pair {
  double p;
  uint32_t j;
} pair;

/* One thread's share of a pass that makes a sparse matrix by rows (the
** mass rule, the cut kernel): rows lo..hi, kept entries in its own
** arrays (and for the mass rule the dropped mass in its own dropc); the
** row counts go to ptr[i + 1].  A share stops before a row when it has no
** room for a whole row (next: where to resume). */
typedef struct share {
  pair *tmp;                /* m + 1 (+ 8: branchless listing) */
  uint8_t *bucket;          /* m: drop_smallest's scratch */
  double *row, *dropc;      /* m each */
  uint32_t *col;
  double *val;
  size_t cap, nz, next, hi;
} share;

/* room for at least `need` entries in a share, keeping what it holds */
static int share_grow (sns_ws *w, share *sp, size_t need) {
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

/* Join the shares 0..nt-1 (rows in order; ptr[i + 1] holds the count of
** row i) into one matrix by rows in *col, *val (room *cap, grown when
** short). */
static int shares_join (sns_ws *w, share *sh, int nt, size_t n, size_t *ptr,
                        uint32_t **col, double **val, size_t *cap) {
  size_t i, nz = 0;
  int t;
  for (t = 0; t < nt; t++) nz += sh[t].nz;
  if (nz > *cap) {
    size_t room = nz + nz / 4 + 64;
    GET(*col, w->o, room, uint32_t);
    GET(*val, w->o, room, double);
    *cap = room;
  }
  ptr[0] = 0;
  for (i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  for (t = 0, nz = 0; t < nt; t++) {
    memcpy(*col + nz, sh[t].col, sh[t].nz * sizeof(uint32_t));
    memcpy(*val + nz, sh[t].val, sh[t].nz * sizeof(double));
    nz += sh[t].nz;
  }
  return 0;
}

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

/* Rows lo..hi of the kernel, straight from C (by columns) when its
** transpose has not been made: strips of 8 rows are copied into place
** (one cache line of each column of C per 8 rows), then exponentiated
** while still in cache. */
static void absorb_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const otp *pb = w->pb;
  const double *CT = *w->CT;
  size_t n = pb->n, m = pb->m, i, i0, j, h;
  (void)tid;
  if (CT != NULL) {
    for (i = lo; i < hi; i++)
      kernel_row(w->KT + i * m, CT + i * m, w->Fa[i], w->Ga, pb->ieps, m);
    return;
  }
  for (i0 = lo; i0 < hi; i0 += 8) {
    double *K = w->KT + i0 * m;
    h = hi - i0 < 8 ? hi - i0 : 8;
    if (h == 8)
      for (j = 0; j < m; j++) {
        const double *c = pb->C + j * n + i0;
        K[j] = c[0]; K[m + j] = c[1]; K[2 * m + j] = c[2];
        K[3 * m + j] = c[3]; K[4 * m + j] = c[4]; K[5 * m + j] = c[5];
        K[6 * m + j] = c[6]; K[7 * m + j] = c[7];
      }
    else
      for (j = 0; j < m; j++)
        for (i = 0; i < h; i++) K[i * m + j] = pb->C[j * n + i0 + i];
    for (i = 0; i < h; i++)
      kernel_row(K + i * m, K + i * m, w->Fa[i0 + i], w->Ga, pb->ieps, m);
  }
}

/* C's transpose, made on first need (a log-domain sweep of the rows) */
static int need_ct (sns_ws *w) {
  double *CT;
  if (*w->CT != NULL) return 0;
  GET(CT, w->o, w->pb->n * w->pb->m, double);
  ot_transpose(w->o, CT, w->pb->C, w->pb->n, w->pb->m);
  *w->CT = CT;
  return 0;
}

/* Column j of the cut kernel: the rows i with L_i = Fa_i + Gj - c_i/eps
** >= la_i - CUT, i.e. x_i = T_i + Gj - c_i / eps >= 0 with T_i = Fa_i -
** la_i + CUT (T is padded with -inf to a multiple of 8), as (row, e^L_i)
** pairs; cnt[i] counts them.  Only groups of 8 with a kept entry pay for
** exps; stores are unconditional (no branch to mispredict), so row and
** val need n + 8 of room.  Returns the count. */
TY_SIMD static size_t cut_col (const double *c, const double *T,
                               const double *Fa, double Gj, double ieps,
                               size_t n, uint32_t *row, double *val,
                               uint32_t *cnt) {
  size_t i, k, len = 0;
  for (i = 0; i < n; i += 8) {
    size_t r = n - i < 8 ? n - i : 8;
    v8d cv = r == 8 ? vload(c + i) : vload_part(c + i, r, 0.0);
    v8d x = vload(T + i) + Gj - cv * ieps, e;
    if (vhmax(x) < 0.0) continue;
    e = vexp((r == 8 ? vload(Fa + i) : vload_part(Fa + i, r, 0.0)) + Gj -
             cv * ieps);
    for (k = 0; k < 8; k++) {
      unsigned keep = x[k] >= 0.0;
      row[len] = (uint32_t)(i + k);
      val[len] = e[k];
      len += keep;
      cnt[i + k] += keep;     /* cnt has room for the padding */
    }
  }
  return len;
}

/* Columns lo..hi of the cut kernel into this thread's share (by columns;
** sh->col holds rows), with its row counts in kcnt + tid (n + 8) and the
** column counts in kcc. */
static void cut_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const otp *pb = w->pb;
  share *sh = w->ksh + tid;
  size_t n = pb->n, j;
  uint32_t *cnt = w->kcnt + (size_t)tid * (n + 8);
  sh->hi = hi;
  for (j = lo; j < hi; j++) {
    size_t c;
    if (sh->cap - sh->nz < n + 8) break;
    c = cut_col(pb->C + j * n, w->kT, w->Fa, w->Ga[j], pb->ieps, n,
                sh->col + sh->nz, sh->val + sh->nz, cnt);
    w->kcc[j] = c;
    sh->nz += c;
  }
  sh->next = j;
}

/* The shares by columns into the cut kernel by rows: share t's entries of
** row i go from kcnt[t][i] (its first place) on. */
static void cut_rows_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const share *sh = w->ksh + tid;
  uint32_t *at = w->kcnt + (size_t)tid * (w->pb->n + 8);
  size_t j, k, e = 0;
  for (j = lo; j < hi; j++)
    for (k = 0; k < w->kcc[j]; k++, e++) {
      uint32_t i = sh->col[e], q = at[i]++;
      w->kcol[q] = (uint32_t)j;
      w->kval[q] = sh->val[e];
    }
}

/* Cut the kernel at (Fa, Ga); sets w->cut when it keeps few enough:
** columns on all threads, then the pieces are turned into rows. */
static int cut_kernel (sns_ws *w) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, nz = 0, i, j;
  int nt = ot_threads(w->o, n * m, PAR_MIN_EXP), t, rc;
  w->cut = 0;
  if ((size_t)nt > m) nt = (int)m;
  if (w->ksh == NULL) {
    GET(w->ksh, w->o, MAXTHREADS, share);
    memset(w->ksh, 0, MAXTHREADS * sizeof(share));
    GET(w->kptr, w->o, n + 1, size_t);
    GET(w->kT, w->o, n + 8, double);
    GET(w->kcc, w->o, m, size_t);
    GET(w->kcnt, w->o, (size_t)(MAXTHREADS + 1) * (n + 8), uint32_t);
  }
  for (i = 0; i < n; i++) w->kT[i] = w->Fa[i] - pb->la[i] + CUT;
  for (; i < n + 8; i++) w->kT[i] = -INFINITY;
  {                          /* 64 columns say whether a cut is worth it */
    size_t S = m < 64 ? m : 64, k, c = 0;
    uint32_t *cnt = w->kcnt + (size_t)MAXTHREADS * (n + 8);
    share *sh = w->ksh;
    if ((rc = share_grow(w, sh, n + 8)) != 0) return rc;
    memset(cnt, 0, (n + 8) * sizeof(uint32_t));
    for (k = 0; k < S; k++) {
      j = k * m / S;
      c += cut_col(pb->C + j * n, w->kT, w->Fa, w->Ga[j], pb->ieps, n,
                   sh->col, sh->val, cnt);
    }
    if ((double)c > 0.8 * CUT_MAX * (double)(S * n)) return 0;
    nz = (size_t)((double)c / (double)S * (double)m * 1.25) + 64;
  }
  for (t = 0; t < nt; t++) {
    w->ksh[t].nz = 0;
    memset(w->kcnt + (size_t)t * (n + 8), 0, (n + 8) * sizeof(uint32_t));
    rc = share_grow(w, w->ksh + t, (nz > w->kcap ? nz : w->kcap) /
                    (size_t)nt + 8 * n);
    if (rc != 0) return rc;
  }
  ot_par_for(nt, m, cut_work, w);
  nz = 0;
  for (t = 0; t < nt; t++) {
    share *sh = w->ksh + t;
    while (sh->next < sh->hi) {
      if ((double)(nz + sh->nz) > CUT_MAX * (double)(n * m)) return 0;
      if ((rc = share_grow(w, sh, 2 * sh->cap + 8 * n)) != 0) return rc;
      cut_work(w, sh->next, sh->hi, t);
    }
    nz += sh->nz;
  }
  if ((double)nz > CUT_MAX * (double)(n * m)) return 0;
  if (nz > w->kcap) {
    size_t room = nz + nz / 4 + 64;
    GET(w->kcol, w->o, room, uint32_t);
    GET(w->kval, w->o, room, double);
    w->kcap = room;
  }
  w->kptr[0] = 0;             /* row starts, and each share's place */
  for (i = 0; i < n; i++) {
    size_t q = w->kptr[i];
    for (t = 0; t < nt; t++) {
      uint32_t *cnt = w->kcnt + (size_t)t * (n + 8);
      size_t c = cnt[i];
      cnt[i] = (uint32_t)q;
      q += c;
    }
    w->kptr[i + 1] = q;
  }
  ot_par_for(nt, m, cut_rows_work, w);
  w->cut = 1;
  return 0;
}

static void sync_fg (sns_ws *w);

/* Absorb the scalings into the potentials and rebuild the kernel: cut
** when allowed (may_cut) and worth it, else in full. */
static int absorb (sns_ws *w, int may_cut) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i;
  int rc;
  sync_fg(w);
  memcpy(w->Fa, w->F, n * sizeof(double));
  memcpy(w->Ga, w->G, m * sizeof(double));
  for (i = 0; i < n; i++) w->u[i] = 1.0;
  for (i = 0; i < m; i++) w->v[i] = 1.0;
  w->cut = 0;
  if (may_cut && w->cut_ok) {
    if ((rc = cut_kernel(w)) != 0) return rc;
  }
  w->rise = w->cut ? RISE : HUGE_VAL;
  if (w->cut) return 0;
  if (w->KT == NULL) GET(w->KT, w->o, n * m, double);
  ot_par_for(ot_threads(w->o, n * m, PAR_MIN_EXP), n, absorb_work, w);
  return 0;
}

/* threads for a pass over the kernel: a cut entry (gathered, scattered)
** is worth more than a streamed one */
static int pass_threads (const sns_ws *w) {
  size_t n = w->pb->n;
  int nt = w->cut ? ot_threads(w->o, w->kptr[n], PAR_MIN_CUT)
                  : ot_threads(w->o, n * w->pb->m, PAR_MIN_MEM);
  return (size_t)nt > n ? (int)n : nt;
}

/* the scalings from the potentials; 0 when one leaves [e^-TAU, e^TAU]
** or the plan rose by more than w->rise */
static int rescale (sns_ws *w) {
  size_t n = w->pb->n, m = w->pb->m, i;
  int ok = 1;
  double ru = -HUGE_VAL, rv = -HUGE_VAL;
  for (i = 0; i < n; i++) {
    double d = w->F[i] - w->Fa[i];
    ok &= fabs(d) <= TAU;
    if (d > ru) ru = d;
    w->u[i] = exp(d);
  }
  for (i = 0; i < m; i++) {
    double d = w->G[i] - w->Ga[i];
    ok &= fabs(d) <= TAU;
    if (d > rv) rv = d;
    w->v[i] = exp(d);
  }
  return ok && ru + rv <= w->rise;
}

/* sum_k val_k x[col_k] */
static double gdot (const double *val, const uint32_t *col, const double *x,
                    size_t len) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t k;
  for (k = 0; k + 4 <= len; k += 4) {
    s0 += val[k] * x[col[k]];
    s1 += val[k + 1] * x[col[k + 1]];
    s2 += val[k + 2] * x[col[k + 2]];
    s3 += val[k + 3] * x[col[k + 3]];
  }
  for (; k < len; k++) s0 += val[k] * x[col[k]];
  return (s0 + s1) + (s2 + s3);
}

/* the stabilised sweep's pass over rows lo..hi of the cut kernel */
static void cut_scal_work (void *arg, size_t lo, size_t hi, int tid) {
  sns_ws *w = (sns_ws *)arg;
  const otp *pb = w->pb;
  size_t m = pb->m, i, k;
  double *acc = w->acc + (size_t)tid * m, e1 = 0.0;
  const double big = exp(TAU), small = exp(-TAU);
  int bad = 0;
  memset(acc, 0, m * sizeof(double));
  for (i = lo; i < hi; i++) {
    size_t a = w->kptr[i], b = w->kptr[i + 1];
    const double *val = w->kval;
    const uint32_t *col = w->kcol;
    double s = gdot(val + a, col + a, w->v, b - a), un = pb->a[i] / s;
    e1 += fabs(w->u[i] * s - pb->a[i]);
    if (!(s > 0.0) || !(un <= big && un >= small)) {
      bad = 1;
      un = 0.0;
    }
    w->unew[i] = un;
    for (k = a; k < b; k++) acc[col[k]] += val[k] * un;
  }
  w->part[tid][0] = e1;
  w->bad[tid] = bad;
}

/* One stabilised sweep (rows, then columns): the fused pass over the rows
** of K gives u_new = a / (K v) and accumulates K^T u_new, then v_new =
** b / (K^T u_new).  err gets the row error of the state before the sweep.
** Returns 0, or 1 (nothing changed) when a new scaling leaves the range,
** or on a cut kernel 2 when the column half leaves it or would make the
** cut entries rise too much (then only the rows are updated).  F and G
** are left stale (sync_fg). */
static int stab_sweep (sns_ws *w, double *err) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = pass_threads(w), t;
  int bad = 0;
  const double big = exp(TAU), small = exp(-TAU);
  double ru = 0.0, rv = 0.0;
  *err = 0.0;
  if (nt > (int)n) nt = (int)n;
  if (w->cut) {
    ot_par_for(nt, n, cut_scal_work, w);
    for (t = 0; t < nt; t++) {
      *err += w->part[t][0];
      bad |= w->bad[t];
    }
  }
  else {
    scal_job sj;
    sj.len = m;
    sj.K = w->KT;
    sj.u = w->v;
    sj.v = w->u;
    sj.w = pb->a;
    sj.lim = TAU;
    sj.vnew = w->unew;
    sj.acc = w->acc;
    ot_par_for(nt, n, ot_scal_work, &sj);
    for (t = 0; t < nt; t++) {
      *err += sj.part[t][0];
      bad |= sj.bad[t];
    }
  }
  if (bad) return 1;
  for (j = 0; j < m && !bad; j++) {
    double s = 0.0;
    for (t = 0; t < nt; t++) s += w->acc[(size_t)t * m + j];
    w->vnew[j] = pb->b[j] / s;
    if (!(s > 0.0) || !(w->vnew[j] <= big && w->vnew[j] >= small)) bad = 1;
    else if (w->vnew[j] > rv) rv = w->vnew[j];
  }
  if (w->cut && !bad) {     /* a cut kernel allows only so much rise */
    for (i = 0; i < n; i++) if (w->unew[i] > ru) ru = w->unew[i];
    bad = log(ru) + log(rv) > w->rise;
  }
  if (bad) {
    if (!w->cut) return 1;
    /* the row half is exact (it saw the plan before the update), the
    ** column half may not be: keep the rows, absorb and cut again */
    memcpy(w->u, w->unew, n * sizeof(double));
    w->stale = 1;
    return 2;
  }
  memcpy(w->u, w->unew, n * sizeof(double));
  memcpy(w->v, w->vnew, m * sizeof(double));
  w->stale = 1;
  return 0;
}

/* F = Fa + log u, G = Ga + log v after sweeps (which leave them stale) */
static void sync_fg (sns_ws *w) {
  size_t n = w->pb->n, m = w->pb->m, i;
  if (!w->stale) return;
  for (i = 0; i < n; i++) w->F[i] = w->Fa[i] + log(w->u[i]);
  for (i = 0; i < m; i++) w->G[i] = w->Ga[i] + log(w->v[i]);
  w->stale = 0;
}

/* One Sinkhorn sweep from (F, G): stabilised when it can be, else (right
** after an absorption) in the log domain, followed by an absorption.
** *err gets the row error of the state before it.  0 or TY_OT_ENOMEM. */
static int sns_sweep (sns_ws *w, double *err) {
  const otp *pb = w->pb;
  double e[2];
  int rc = stab_sweep(w, err);
  if (rc == 0) {
    w->rises = 0;
    return 0;
  }
  if (rc == 2) {              /* a half sweep; then a new cut after the */
    if (w->rises++ == 0) {    /* columns from C in the log domain, or */
      sync_fg(w);             /* after three in a row, a full kernel */
      ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
                    pb->ieps, w->G, e);
      return absorb(w, 1);
    }
    return absorb(w, w->rises < 3);
  }
  if ((rc = absorb(w, 1)) != 0) return rc;
  if ((rc = stab_sweep(w, err)) == 0) return 0;
  if (rc == 2) return absorb(w, 0);
  if (w->cut) {         /* the columns in the log domain from C, cut again */
    ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
                  pb->ieps, w->G, e);
    if ((rc = absorb(w, 1)) != 0) return rc;
    if ((rc = stab_sweep(w, err)) == 0) return 0;
    if (rc == 2) return absorb(w, 1);
  }
  if (w->cut) {                        /* again on the full kernel */
    if ((rc = absorb(w, 0)) != 0) return rc;
    if (stab_sweep(w, err) == 0) return 0;
  }
  if ((rc = need_ct(w)) != 0) return rc;
  ot_half_sweep(w->o, *w->CT, pb->m, pb->n, w->G, pb->a, pb->la, w->F,
             pb->ieps, w->unew, e);
  memcpy(w->F, w->unew, pb->n * sizeof(double));
  *err = e[0];
  ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
             pb->ieps, w->G, e);
  return absorb(w, 1);
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
  size_t m = w->pb->m, i, k;
  double *cs = w->csp + (size_t)tid * m;
  memset(cs, 0, m * sizeof(double));
  if (!w->cut) {
    for (i = lo; i < hi; i++)
      w->rs[i] = splan_row(w->KT + i * m, w->u[i], w->v, m, cs);
    return;
  }
  for (i = lo; i < hi; i++) {
    double s = 0.0, ui = w->u[i];
    for (k = w->kptr[i]; k < w->kptr[i + 1]; k++) {
      uint32_t j = w->kcol[k];
      double p = ui * w->kval[k] * w->v[j];
      cs[j] += p;
      s += p;
    }
    w->rs[i] = s;
  }
}

/* rs, cs of the current plan; returns sum P */
static double sns_plan (sns_ws *w) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = pass_threads(w), t;
  double sum = 0.0;
  if (nt > (int)n) nt = (int)n;
  ot_par_for(nt, n, splan_work, w);
  for (j = 0; j < m; j++) {
    double s = 0.0;
    for (t = 0; t < nt; t++) s += w->csp[(size_t)t * m + j];
    w->cs[j] = s;
  }
  for (i = 0; i < n; i++) sum += w->rs[i];
  return sum;
}

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
  int nt = pass_threads(w), t, rc;
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
    if ((rc = share_grow(w, sp, last / (size_t)nt + 2 * (m + 1))) != 0)
      return rc;
  }
  ot_par_for(nt, n, spm_work, w);
  for (t = 0; t < nt; t++) {          /* shares that ran out of room */
    share *sp = w->spm + t;
    while (sp->next < sp->hi) {
      if ((rc = share_grow(w, sp, 2 * sp->cap + m + 1)) != 0) return rc;
      spm_work(w, sp->next, sp->hi, t);
    }
    nz += sp->nz;
  }
  (void)nz;
  rc = shares_join(w, w->spm, nt, n, w->rowptr, &w->col, &w->val, &w->cap);
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
  const double *val = w->val, *x = j->x, mu = w->shift;
  const uint32_t *col = w->col;
  size_t i, a;
  (void)tid;
  for (i = lo; i < hi; i++) {         /* four sums: no add chain */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t end = w->rowptr[i + 1];
    for (a = w->rowptr[i]; a + 4 <= end; a += 4) {
      s0 += val[a] * x[col[a]];
      s1 += val[a + 1] * x[col[a + 1]];
      s2 += val[a + 2] * x[col[a + 2]];
      s3 += val[a + 3] * x[col[a + 3]];
    }
    for (; a < end; a++) s0 += val[a] * x[col[a]];
    j->t[i] = ((s0 + s1) + (s2 + s3)) / (w->rs[i] + mu);
  }
}

static void mv_cols (void *arg, size_t lo, size_t hi, int tid) {
  const mv_job *j = (const mv_job *)arg;
  const sns_ws *w = j->w;
  const double *val = w->cval, *t = j->t, mu = w->shift;
  const uint32_t *row = w->row_of;
  size_t c, a;
  (void)tid;
  for (c = lo; c < hi; c++) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t end = w->colptr[c + 1];
    for (a = w->colptr[c]; a + 4 <= end; a += 4) {
      s0 += val[a] * t[row[a]];
      s1 += val[a + 1] * t[row[a + 1]];
      s2 += val[a + 2] * t[row[a + 2]];
      s3 += val[a + 3] * t[row[a + 3]];
    }
    for (; a < end; a++) s0 += val[a] * t[row[a]];
    j->y[c] = (w->cs[c] + mu) * j->x[c] - ((s0 + s1) + (s2 + s3));
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
    if (fabs(t) < 0.1) {
      double z = 1.0 / 3628800.0;
      z = z * t + 1.0 / 362880.0;
      z = z * t + 1.0 / 40320.0;
      z = z * t + 1.0 / 5040.0;
      z = z * t + 1.0 / 720.0;
      z = z * t + 1.0 / 120.0;
      z = z * t + 1.0 / 24.0;
      z = z * t + 1.0 / 6.0;
      z = z * t + 0.5;
      s += p * (z * t * t);
    }
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
    nt = pass_threads(w);
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
  size_t n = pb->n, m = pb->m, N = n + m, nm = n * m, i, k, steps = 0;
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
  if ((rc = absorb(&w, 1)) != 0) return rc;
  /* 1. warm-up: Sinkhorn sweeps; the error after sweep k is measured by
  ** sweep k + 1 (after the last one, by the Newton stage's first plan) */
  for (k = 0; k < o->warmup; k++) {
    double e;
    if (ty_interrupted()) return TY_EINTR;
    if ((rc = sns_sweep(&w, &e)) != 0) return rc;
    info->sinkhorn_iters++;
    if (k > 0) {
      if ((rc = ot_report(&cx, 0, e, 0.0)) != 0) return rc;
      if (e <= o->tol) sync_fg(&w);
      if (e <= o->tol && ot_confirm(pb, o, F, G, o->tol)) {
        info->converged = 1;            /* reported below */
        break;
      }
    }
  }
  sync_fg(&w);
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
      if ((rc = absorb(&w, 0)) != 0) return rc;
      last = 0;
      continue;
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
        double phi;
        phi = sns_phi(&w, alpha, dmax);
        if (phi >= 0.0 && (1.0 - 1e-4) * alpha * gx >= phi) { ok = 1; break; }
        if (ty_interrupted()) return TY_EINTR;
      }
    }
    if (ok) {
      for (i = 0; i < n; i++) F[i] += alpha * w.dF[i];
      for (i = 0; i + 1 < m; i++) G[i] += alpha * w.dG[i];
      if (!rescale(&w) && (rc = absorb(&w, 1)) != 0) return rc;
      fresh = !w.exact_ls;
      info->newton_iters++;
      last = 1;
      backtracked = alpha < 1.0;
    }
    else {
      double e;
      if ((rc = sns_sweep(&w, &e)) != 0) return rc;
      sync_fg(&w);
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


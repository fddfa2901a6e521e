/*
** ty_sns_kernel.c: the kernel side of Sinkhorn-Newton-Sparse (see
** ty_sns_impl.h): the absorbed kernel, full or cut, the stabilised
** Sinkhorn sweeps of the warm-up and the fallbacks, and the plan's sums.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ty_sns_impl.h"
#include "ty_interrupt.h"

/* room for at least `need` entries in a share, keeping what it holds */
int sns_share_grow (sns_ws *w, share *sp, size_t need) {
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
int sns_shares_join (sns_ws *w, share *sh, int nt, size_t n, size_t *ptr,
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
int sns_need_ct (sns_ws *w) {
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
    if ((rc = sns_share_grow(w, sh, n + 8)) != 0) return rc;
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
    rc = sns_share_grow(w, w->ksh + t, (nz > w->kcap ? nz : w->kcap) /
                    (size_t)nt + 8 * n);
    if (rc != 0) return rc;
  }
  ot_par_for(nt, m, cut_work, w);
  nz = 0;
  for (t = 0; t < nt; t++) {
    share *sh = w->ksh + t;
    while (sh->next < sh->hi) {
      if ((double)(nz + sh->nz) > CUT_MAX * (double)(n * m)) return 0;
      if ((rc = sns_share_grow(w, sh, 2 * sh->cap + 8 * n)) != 0) return rc;
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

/* Absorb the scalings into the potentials and rebuild the kernel: cut
** when allowed (may_cut) and worth it, else in full. */
int sns_absorb (sns_ws *w, int may_cut) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i;
  int rc;
  sns_sync_fg(w);
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
int sns_pass_threads (const sns_ws *w) {
  size_t n = w->pb->n;
  int nt = w->cut ? ot_threads(w->o, w->kptr[n], PAR_MIN_CUT)
                  : ot_threads(w->o, n * w->pb->m, PAR_MIN_MEM);
  return (size_t)nt > n ? (int)n : nt;
}

/* the scalings from the potentials; 0 when one leaves [e^-TAU, e^TAU]
** or the plan rose by more than w->rise */
int sns_rescale (sns_ws *w) {
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
  int nt = sns_pass_threads(w), t;
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
void sns_sync_fg (sns_ws *w) {
  size_t n = w->pb->n, m = w->pb->m, i;
  if (!w->stale) return;
  for (i = 0; i < n; i++) w->F[i] = w->Fa[i] + log(w->u[i]);
  for (i = 0; i < m; i++) w->G[i] = w->Ga[i] + log(w->v[i]);
  w->stale = 0;
}

/* One Sinkhorn sweep from (F, G): stabilised when it can be, else (right
** after an absorption) in the log domain, followed by an absorption.
** *err gets the row error of the state before it.  0 or TY_OT_ENOMEM. */
int sns_sweep (sns_ws *w, double *err) {
  const otp *pb = w->pb;
  double e[2];
  int rc = stab_sweep(w, err);
  if (rc == 0) {
    w->rises = 0;
    return 0;
  }
  if (rc == 2) {              /* a half sweep; then a new cut after the */
    if (w->rises++ == 0) {    /* columns from C in the log domain, or */
      sns_sync_fg(w);             /* after three in a row, a full kernel */
      ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
                    pb->ieps, w->G, e);
      return sns_absorb(w, 1);
    }
    return sns_absorb(w, w->rises < 3);
  }
  if ((rc = sns_absorb(w, 1)) != 0) return rc;
  if ((rc = stab_sweep(w, err)) == 0) return 0;
  if (rc == 2) return sns_absorb(w, 0);
  if (w->cut) {         /* the columns in the log domain from C, cut again */
    ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
                  pb->ieps, w->G, e);
    if ((rc = sns_absorb(w, 1)) != 0) return rc;
    if ((rc = stab_sweep(w, err)) == 0) return 0;
    if (rc == 2) return sns_absorb(w, 1);
  }
  if (w->cut) {                        /* again on the full kernel */
    if ((rc = sns_absorb(w, 0)) != 0) return rc;
    if (stab_sweep(w, err) == 0) return 0;
  }
  if ((rc = sns_need_ct(w)) != 0) return rc;
  ot_half_sweep(w->o, *w->CT, pb->m, pb->n, w->G, pb->a, pb->la, w->F,
             pb->ieps, w->unew, e);
  memcpy(w->F, w->unew, pb->n * sizeof(double));
  *err = e[0];
  ot_half_sweep(w->o, pb->C, pb->n, pb->m, w->F, pb->b, pb->lb, NULL,
             pb->ieps, w->G, e);
  return sns_absorb(w, 1);
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
double sns_plan (sns_ws *w) {
  const otp *pb = w->pb;
  size_t n = pb->n, m = pb->m, i, j;
  int nt = sns_pass_threads(w), t;
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


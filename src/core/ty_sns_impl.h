/*
** ty_sns_impl.h: what the two files of Sinkhorn-Newton-Sparse share
** (ty_sns_kernel.c: the absorbed and cut kernels, Sinkhorn sweeps, plan
** sums; ty_sns.c: sparsification, the Newton system, the line search and
** the driver).  Not an interface: ty_sinkhorn.h is.
*/
#ifndef TY_SNS_IMPL_H
#define TY_SNS_IMPL_H

#include "ty_ot_impl.h"

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
#define DMAX_ABSURD 1e8   /* a Newton step larger (in units of eps) is
                          ** redone with the shift: potentials never need
                          ** to move that far */
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

/* sum_k val_k x[col_k], in four sums (no chain of dependent adds) */
static inline double gdot (const double *val, const uint32_t *col,
                           const double *x, size_t len) {
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

/* ---- ty_sns_kernel.c ---------------------------------------------------- */

/* room for at least `need` entries in a share, keeping what it holds */
int sns_share_grow (sns_ws *w, share *sp, size_t need);
/* join shares 0..nt-1 (rows in order; ptr[i + 1] holds the count of row
** i) into one matrix by rows in *col, *val (room *cap, grown when short) */
int sns_shares_join (sns_ws *w, share *sh, int nt, size_t n, size_t *ptr,
                     uint32_t **col, double **val, size_t *cap);
/* C's transpose, made on first need */
int sns_need_ct (sns_ws *w);
/* absorb the scalings and rebuild the kernel (cut when may_cut and worth
** it); 0 or TY_OT_ENOMEM */
int sns_absorb (sns_ws *w, int may_cut);
/* threads for a pass over the kernel */
int sns_pass_threads (const sns_ws *w);
/* u, v from F, G; 0 when an absorption is due */
int sns_rescale (sns_ws *w);
/* F, G from u, v after sweeps */
void sns_sync_fg (sns_ws *w);
/* one Sinkhorn sweep (F, G left stale); *err the row error before it */
int sns_sweep (sns_ws *w, double *err);
/* rs, cs of the current plan; returns sum P */
double sns_plan (sns_ws *w);

#endif

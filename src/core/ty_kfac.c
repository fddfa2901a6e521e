/*
** ty_kfac.c: K-FAC and MKOR / MKOR-H preconditioners (see ty_kfac.h and
** shared/methods/optimizers.md sections 10 and 11).
**
** Storage: all matrices column-major.  The gradient of a dense layer,
** N = [gW | gb], is dg x da with da = in + 1: gW (dg x in, column-major)
** followed by gb is exactly N's memory, which is how it is copied in and
** out.
*/
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "ty_kfac.h"
#include "ty_interrupt.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN(n)  (((n) + 63) & ~(size_t)63)

/* ====================================================================== */
/* setup                                                                  */
/* ====================================================================== */

void ty_kfac_defaults (ty_kfac_opts *o, int algo) {
  memset(o, 0, sizeof(*o));
  o->method = algo == TY_KFAC ? TY_KFAC_EIGEN : TY_MKOR_CODE;
  o->damping = 1e-3;
  o->factor_decay = 0.95;
  o->kl_clip = 1e-3;
  o->factor_every = 1;
  o->inv_every = 1;
  o->inv_freq = 10;
  o->stat_decay = 0.95;
  o->clip = 100.0;
  o->reset_threshold = 2.0;
  o->stabilization = 0.1;
  o->patience = 2;
  o->switch_ratio = 0.1;
  o->loss_decay = 0.98;
}

/* sizes of the scratch pieces for net: the largest dg*da, da^2 and dg^2,
** and largest side n */
typedef struct sizes {
  size_t gd, aa, gg, n;
} sizes;

static sizes max_sizes (const ty_nn *net) {
  sizes s = {0, 0, 0, 0};
  int l;
  for (l = 0; l < net->nlayers; l++) {
    size_t da = net->layer[l].in + 1, dg = net->layer[l].out;
    s.gd = MAX(s.gd, da * dg);
    s.aa = MAX(s.aa, da * da);
    s.gg = MAX(s.gg, dg * dg);
    s.n = MAX(s.n, MAX(da, dg));
  }
  return s;
}

/* doubles of scratch: N, T, V (gd each), S_A (aa), S_G (gg), two vectors
** (n each) and dsyevd's work (1 + 6n + 2n^2); ints: 3 + 5n */
static size_t work_doubles (sizes s) {
  return 3 * s.gd + s.aa + s.gg + 2 * s.n + 1 + 6 * s.n + 2 * s.n * s.n;
}

/* doubles of one layer's state */
static size_t layer_doubles (size_t da, size_t dg, int algo) {
  if (algo == TY_KFAC) return 2 * (da * da + dg * dg) + da + dg;
  return da * da + dg * dg;
}

size_t ty_kfac_memsize (const ty_nn *net, int algo) {
  sizes s = max_sizes(net);
  size_t bytes = ALIGN((size_t)net->nlayers * sizeof(ty_kfac_layer));
  int l;
  /* every dimension is at most INT_MAX (ty_nn), so squares fit; only
  ** the sums can overflow */
  if (s.n > ((size_t)1 << 26)) return 0;  /* 2 n^2 doubles must fit */
  for (l = 0; l < net->nlayers; l++) {
    size_t d = layer_doubles(net->layer[l].in + 1, net->layer[l].out, algo);
    if (d > SIZE_MAX / 32 || bytes > SIZE_MAX / 4) return 0;
    bytes += ALIGN(d * sizeof(double));
  }
  if (work_doubles(s) > SIZE_MAX / 32 || bytes > SIZE_MAX / 4) return 0;
  bytes += ALIGN(work_doubles(s) * sizeof(double));
  bytes += ALIGN((3 + 5 * s.n) * sizeof(int));
  return bytes;
}

/* F = I (n x n) */
static void identity (double *F, size_t n) {
  size_t i;
  memset(F, 0, n * n * sizeof(double));
  for (i = 0; i < n; i++) F[i * n + i] = 1.0;
}

void ty_kfac_reset (ty_kfac *k) {
  int l;
  for (l = 0; l < k->nlayers; l++) {
    ty_kfac_layer *ly = &k->layer[l];
    if (k->algo == TY_KFAC) {
      identity(ly->A, ly->da);
      identity(ly->G, ly->dg);
      ly->have_p = 0;
    }
    else {
      ly->have_p = 1;
      ly->reset_a = ly->reset_g = 1;
    }
    identity(ly->PA, ly->da);
    identity(ly->PG, ly->dg);
  }
  k->t = 0;
  k->missing_stats = 0;
  k->resets = 0;
  k->nu = 1.0;
  k->used = 0;
  k->switched = k->have_mean = k->have_prev = k->bad_count = 0;
  k->loss_mean = k->prev_mean = k->rate_max = 0.0;
}

void ty_kfac_setup (ty_kfac *k, const ty_nn *net, int algo,
                    const ty_kfac_opts *o, const int *first_order,
                    uint64_t seed, void *mem) {
  char *p = (char *)mem;
  sizes s = max_sizes(net);
  int l;
  memset(k, 0, sizeof(*k));
  k->algo = algo;
  k->nlayers = net->nlayers;
  k->o = *o;
  k->layer = (ty_kfac_layer *)(void *)p;
  p += ALIGN((size_t)net->nlayers * sizeof(ty_kfac_layer));
  for (l = 0; l < net->nlayers; l++) {
    ty_kfac_layer *ly = &k->layer[l];
    size_t da = net->layer[l].in + 1, dg = net->layer[l].out;
    double *d = (double *)(void *)p;
    memset(ly, 0, sizeof(*ly));
    ly->da = da;
    ly->dg = dg;
    ly->first_order = first_order != NULL && first_order[l] != 0;
    ly->PA = d;  d += da * da;
    ly->PG = d;  d += dg * dg;
    if (algo == TY_KFAC) {
      ly->A = d;  d += da * da;
      ly->G = d;  d += dg * dg;
      ly->eA = d; d += da;
      ly->eG = d;
    }
    p += ALIGN(layer_doubles(da, dg, algo) * sizeof(double));
  }
  k->work = (double *)(void *)p;
  k->nwork = work_doubles(s);
  p += ALIGN(k->nwork * sizeof(double));
  k->iwork = (int *)(void *)p;
  k->niwork = 3 + 5 * s.n;
  ty_rng_seed(&k->rng, seed);
  ty_kfac_reset(k);
}

size_t ty_kfac_statebytes (const ty_kfac *k) {
  size_t n = 0;
  int l;
  for (l = 0; l < k->nlayers; l++)
    n += layer_doubles(k->layer[l].da, k->layer[l].dg, k->algo);
  return n * sizeof(double);
}

const char *ty_kfac_strerror (int code) {
  switch (code) {
    case TY_KFAC_ENONFINITE:
      return "non-finite layer statistics or gradients";
    case TY_KFAC_ENOCONV:
      return "eigendecomposition of a factor did not converge";
    case TY_KFAC_ENOTPD:
      return "a damped factor is not positive definite (increase damping)";
    case TY_EINTR: return "interrupted";
    default: return "unknown error";
  }
}

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* scratch pieces of k->work */
typedef struct scratch {
  double *N, *T, *V, *SA, *SG, *x, *w, *lap;
  size_t nlap;
} scratch;

static scratch get_scratch (ty_kfac *k) {
  scratch s;
  size_t gd = 0, aa = 0, gg = 0, n = 0;
  int l;
  for (l = 0; l < k->nlayers; l++) {
    size_t da = k->layer[l].da, dg = k->layer[l].dg;
    gd = MAX(gd, da * dg); aa = MAX(aa, da * da); gg = MAX(gg, dg * dg);
    n = MAX(n, MAX(da, dg));
  }
  s.N = k->work;
  s.T = s.N + gd;
  s.V = s.T + gd;
  s.SA = s.V + gd;
  s.SG = s.SA + aa;
  s.x = s.SG + gg;
  s.w = s.x + n;
  s.lap = s.w + n;
  s.nlap = 1 + 6 * n + 2 * n * n;
  return s;
}

static int allfinite (const double *x, size_t n) {
  size_t i;
  double s = 0.0;
  for (i = 0; i < n; i++) s += x[i] * 0.0;   /* NaN iff some x is not finite */
  return s == 0.0;
}

/* copy the lower triangle of the n x n F into its upper triangle */
static void fill_upper (double *F, size_t n) {
  size_t i, j;
  for (j = 0; j < n; j++)
    for (i = j + 1; i < n; i++) F[i * n + j] = F[j * n + i];
}

/* N = [gW | gb] of layer ly */
static void gather (const ty_nn_layer *ly, double *N) {
  memcpy(N, ly->gW, ly->out * ly->in * sizeof(double));
  memcpy(N + ly->out * ly->in, ly->gb, ly->out * sizeof(double));
}

static double dot (const double *x, const double *y, size_t n) {
  size_t i;
  double s = 0.0;
  for (i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

static double clampd (double v, double c) {
  return v > c ? c : (v < -c ? -c : v);
}

/* ====================================================================== */
/* factor updates                                                         */
/* ====================================================================== */

/* K-FAC: A = xi A + (1 - xi) abar^T abar / B, G likewise from gz */
static int kfac_factors (ty_kfac *k, int l, const double *X,
                         const double *gz, size_t B) {
  ty_kfac_layer *ly = &k->layer[l];
  scratch s = get_scratch(k);
  size_t in = ly->da - 1, da = ly->da, dg = ly->dg, i, j;
  double xi = k->o.factor_decay, invB = 1.0 / (double)B;
  double galpha = k->o.g_batch ? (double)B : invB;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)in, (int)B, invB,
              X, (int)B, 0.0, s.SA, (int)da);
  for (j = 0; j < in; j++) {
    const double *c = X + j * B;
    double sum = 0.0;
    for (i = 0; i < B; i++) sum += c[i];
    s.SA[j * da + in] = sum * invB;
  }
  s.SA[in * da + in] = 1.0;
  fill_upper(s.SA, da);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)dg, (int)B,
              galpha, gz, (int)B, 0.0, s.SG, (int)dg);
  fill_upper(s.SG, dg);
  if (!allfinite(s.SA, da * da) || !allfinite(s.SG, dg * dg))
    return TY_KFAC_ENONFINITE;
  for (i = 0; i < da * da; i++)
    ly->A[i] = xi * ly->A[i] + (1.0 - xi) * s.SA[i];
  for (i = 0; i < dg * dg; i++)
    ly->G[i] = xi * ly->G[i] + (1.0 - xi) * s.SG[i];
  return 0;
}

/* MKOR: one Sherman-Morrison update of the inverse F (n x n) with x;
** *self is this side's reset flag, *fa and *fg the layer's two flags */
static void sm_update (ty_kfac *k, double *F, size_t n, const double *x,
                       double *w, int *self, int *fa, int *fg) {
  double gamma = k->o.stat_decay, thr = k->o.reset_threshold, den, mx = 0;
  size_t i;
  int finite;
  if (*self) {                     /* reset: this factor step initializes */
    identity(F, n);
    *self = 0;
    return;
  }
  if (k->o.method == TY_MKOR_CODE) {
    /* J = gamma F + (1 - gamma) I;  F = J - (J x)(J x)^T / (1 + x^T J x) */
    for (i = 0; i < n * n; i++) F[i] *= gamma;
    for (i = 0; i < n; i++) F[i * n + i] += 1.0 - gamma;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)n, 1.0, F, (int)n,
                x, 1, 0.0, w, 1);
    den = 1.0 + dot(x, w, n);
    cblas_dger(CblasColMajor, (int)n, (int)n, -1.0 / den, w, 1, w, 1, F,
               (int)n);
  }
  else {
    /* the inverse of gamma L + (1 - gamma) x x^T, with F = L^-1 */
    double c = (1.0 - gamma) / gamma;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)n, 1.0, F, (int)n,
                x, 1, 0.0, w, 1);
    den = 1.0 + c * dot(x, w, n);
    for (i = 0; i < n * n; i++) F[i] /= gamma;
    cblas_dger(CblasColMajor, (int)n, (int)n, -(c / gamma) / den, w, 1, w, 1,
               F, (int)n);
  }
  finite = allfinite(F, n * n);
  if (finite)
    for (i = 0; i < n * n; i++) mx = MAX(mx, fabs(F[i]));
  if (!finite || (k->o.method == TY_MKOR_CODE && mx > thr)) {
    *fa = *fg = 1;
    k->resets++;
  }
  else if (mx > thr) {             /* "ema": blend toward I */
    double zeta = 1.0 - k->o.stabilization;
    for (i = 0; i < n * n; i++) F[i] *= zeta;
    for (i = 0; i < n; i++) F[i * n + i] += 1.0 - zeta;
  }
}

/* MKOR: Rinv from the mean clipped input, then Linv from the mean
** clipped B * gz */
static int mkor_factors (ty_kfac *k, int l, const double *X,
                         const double *gz, size_t B) {
  ty_kfac_layer *ly = &k->layer[l];
  scratch s = get_scratch(k);
  size_t in = ly->da - 1, i, j;
  double c = k->o.clip, invB = 1.0 / (double)B, scale = (double)B;
  for (j = 0; j < in; j++) {
    const double *col = X + j * B;
    double sum = 0.0;
    for (i = 0; i < B; i++) sum += clampd(col[i], c);
    s.x[j] = sum * invB;
  }
  s.x[in] = clampd(1.0, c);
  if (!allfinite(s.x, ly->da)) return TY_KFAC_ENONFINITE;
  sm_update(k, ly->PA, ly->da, s.x, s.w, &ly->reset_a, &ly->reset_a,
            &ly->reset_g);
  for (j = 0; j < ly->dg; j++) {
    const double *col = gz + j * B;
    double sum = 0.0;
    for (i = 0; i < B; i++) sum += clampd(scale * col[i], c);
    s.x[j] = sum * invB;
  }
  if (!allfinite(s.x, ly->dg)) return TY_KFAC_ENONFINITE;
  sm_update(k, ly->PG, ly->dg, s.x, s.w, &ly->reset_g, &ly->reset_a,
            &ly->reset_g);
  return 0;
}

int ty_kfac_factor_update (ty_kfac *k, int l, const double *X,
                           const double *gz, size_t B) {
  if (B == 0) return 0;
  return k->algo == TY_KFAC ? kfac_factors(k, l, X, gz, B)
                            : mkor_factors(k, l, X, gz, B);
}

/* ====================================================================== */
/* inversion (K-FAC)                                                      */
/* ====================================================================== */

/* eigendecomposition of the n x n symmetric S into vectors Q and values
** e (clamped at 0) */
static int eigen (ty_kfac *k, const double *S, size_t n, double *Q,
                  double *e) {
  scratch s = get_scratch(k);
  lapack_int info;
  size_t i;
  memcpy(Q, S, n * n * sizeof(double));
  info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)n, Q,
                             (lapack_int)n, e, s.lap,
                             (lapack_int)(1 + 6 * n + 2 * n * n),
                             (lapack_int *)k->iwork,
                             (lapack_int)(3 + 5 * n));
  if (info != 0) return TY_KFAC_ENOCONV;
  for (i = 0; i < n; i++) if (e[i] < 0.0) e[i] = 0.0;
  return 0;
}

/* P = (S + d I)^-1 by Cholesky, n x n */
static int damped_inverse (const double *S, size_t n, double d, double *P) {
  size_t i;
  memcpy(P, S, n * n * sizeof(double));
  for (i = 0; i < n; i++) P[i * n + i] += d;
  if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, P,
                          (lapack_int)n) != 0)
    return TY_KFAC_ENOTPD;
  if (LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, P,
                          (lapack_int)n) != 0)
    return TY_KFAC_ENOTPD;
  fill_upper(P, n);
  return 0;
}

static double trace (const double *S, size_t n) {
  size_t i;
  double t = 0.0;
  for (i = 0; i < n; i++) t += S[i * n + i];
  return t;
}

int ty_kfac_invert (ty_kfac *k, int l) {
  ty_kfac_layer *ly = &k->layer[l];
  double g = k->o.damping;
  int rc;
  if (k->algo != TY_KFAC || ly->first_order) return 0;
  if (!allfinite(ly->A, ly->da * ly->da) || !allfinite(ly->G, ly->dg * ly->dg))
    return TY_KFAC_ENONFINITE;
  switch (k->o.method) {
    case TY_KFAC_EIGEN:
      if ((rc = eigen(k, ly->A, ly->da, ly->PA, ly->eA)) != 0) return rc;
      if ((rc = eigen(k, ly->G, ly->dg, ly->PG, ly->eG)) != 0) return rc;
      break;
    case TY_KFAC_INVERSE:
      if ((rc = damped_inverse(ly->A, ly->da, g, ly->PA)) != 0) return rc;
      if ((rc = damped_inverse(ly->G, ly->dg, g, ly->PG)) != 0) return rc;
      break;
    default: {                     /* factored Tikhonov damping */
      double ta = trace(ly->A, ly->da) / (double)ly->da;
      double tg = trace(ly->G, ly->dg) / (double)ly->dg;
      double pi = sqrt(ta / tg), sg = sqrt(g);
      if (!(pi > 0.0) || !isfinite(pi)) pi = 1.0;
      if ((rc = damped_inverse(ly->A, ly->da, pi * sg, ly->PA)) != 0)
        return rc;
      if ((rc = damped_inverse(ly->G, ly->dg, sg / pi, ly->PG)) != 0)
        return rc;
      break;
    }
  }
  ly->have_p = 1;
  return 0;
}

/* ====================================================================== */
/* preconditioning                                                        */
/* ====================================================================== */

void ty_kfac_apply (ty_kfac *k, int l, const double *N, double *V) {
  ty_kfac_layer *ly = &k->layer[l];
  scratch s = get_scratch(k);
  int da = (int)ly->da, dg = (int)ly->dg;
  size_t i, j;
  if (ly->first_order) {
    memcpy(V, N, ly->da * ly->dg * sizeof(double));
    return;
  }
  if (k->algo == TY_KFAC && k->o.method == TY_KFAC_EIGEN) {
    double g = k->o.damping;
    /* V = Q_G [(Q_G^T N Q_A) ./ (e_G e_A^T + damping)] Q_A^T */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, dg, da, dg, 1.0,
                ly->PG, dg, N, dg, 0.0, s.T, dg);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dg, da, da, 1.0,
                s.T, dg, ly->PA, da, 0.0, V, dg);
    for (j = 0; j < ly->da; j++)
      for (i = 0; i < ly->dg; i++)
        V[j * ly->dg + i] /= ly->eG[i] * ly->eA[j] + g;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dg, da, dg, 1.0,
                ly->PG, dg, V, dg, 0.0, s.T, dg);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, dg, da, da, 1.0,
                s.T, dg, ly->PA, da, 0.0, V, dg);
  }
  else {
    /* V = PG N PA: damped inverses (K-FAC) or Linv N Rinv (MKOR) */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dg, da, dg, 1.0,
                ly->PG, dg, N, dg, 0.0, s.T, dg);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dg, da, da, 1.0,
                s.T, dg, ly->PA, da, 0.0, V, dg);
  }
}

/* ====================================================================== */
/* MKOR-H                                                                 */
/* ====================================================================== */

int ty_kfac_observe_loss (ty_kfac *k, double loss) {
  long step = k->t + 1, W;
  if (k->algo != TY_MKOR) return 0;
  if (k->o.force_switch) k->switched = 1;
  if (k->switched || !k->o.hybrid) return k->switched;
  if (isfinite(loss)) {
    if (!k->have_mean) { k->loss_mean = loss; k->have_mean = 1; }
    else k->loss_mean = k->o.loss_decay * k->loss_mean +
                        (1.0 - k->o.loss_decay) * loss;
  }
  W = k->o.window > 0 ? k->o.window : 10 * k->o.inv_freq;
  if (step % W == 0 && k->have_mean) {
    if (k->have_prev) {
      double r = (k->prev_mean - k->loss_mean) / (double)W;
      int bad;
      k->rate_max = MAX(k->rate_max, r);
      bad = (k->rate_max > 0.0 && r < k->o.switch_ratio * k->rate_max) ||
            r <= 0.0;
      k->bad_count = bad ? k->bad_count + 1 : 0;
      if (k->bad_count >= k->o.patience) k->switched = 1;
    }
    k->prev_mean = k->loss_mean;
    k->have_prev = 1;
  }
  return k->switched;
}

/* ====================================================================== */
/* sampled Fisher                                                         */
/* ====================================================================== */

/* Run a backward pass of net from output gradients of targets drawn from
** the model (the last forward pass's output), keeping the gradients: they
** are saved in pgW, pgb and copied back. */
static int sampled_backward (ty_kfac *k, ty_nn *net, double **pgW,
                             double **pgb) {
  ty_nn_layer *last = &net->layer[net->nlayers - 1];
  size_t B = net->batch, C = last->out, i, c;
  double invB = 1.0 / (double)B, *d = last->gz;
  int l, rc;
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    memcpy(pgW[l], ly->gW, ly->out * ly->in * sizeof(double));
    memcpy(pgb[l], ly->gb, ly->out * sizeof(double));
  }
  if (k->o.loss == TY_KFAC_MSE) {        /* y = output + e: d = -e / B */
    for (i = 0; i < B * C; i++) d[i] = -invB * ty_rng_normal(&k->rng);
  }
  else {                                 /* y ~ softmax: d = (p - e_y) / B */
    const double *z = last->a;
    for (i = 0; i < B; i++) {
      double m = z[i], sum = 0.0, u, acc = 0.0;
      size_t y = C - 1;
      for (c = 1; c < C; c++) if (z[c * B + i] > m) m = z[c * B + i];
      for (c = 0; c < C; c++) {
        d[c * B + i] = exp(z[c * B + i] - m);
        sum += d[c * B + i];
      }
      u = ty_rng_uniform(&k->rng) * sum;
      for (c = 0; c < C; c++) {
        acc += d[c * B + i];
        if (u < acc) { y = c; break; }
      }
      for (c = 0; c < C; c++) d[c * B + i] *= invB / sum;
      d[y * B + i] -= invB;
    }
  }
  rc = ty_nn_backward(net, d);
  for (l = 0; l < net->nlayers; l++) {
    ty_nn_layer *ly = &net->layer[l];
    memcpy(ly->gW, pgW[l], ly->out * ly->in * sizeof(double));
    memcpy(ly->gb, pgb[l], ly->out * sizeof(double));
  }
  return rc;
}

/* ====================================================================== */
/* one step                                                               */
/* ====================================================================== */

/* 1 when the inputs and output gradients of every preconditioned layer,
** and every gradient, are finite */
static int net_finite (const ty_kfac *k, const ty_nn *net, int stats) {
  int l;
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    if (!allfinite(ly->gW, ly->out * ly->in) || !allfinite(ly->gb, ly->out))
      return 0;
    if (stats && !k->layer[l].first_order &&
        (!allfinite(ty_nn_input(net, l), net->batch * ly->in) ||
         !allfinite(ly->gz, net->batch * ly->out)))
      return 0;
  }
  return 1;
}

int ty_kfac_step (ty_kfac *k, ty_nn *net, double lr, double **pgW,
                  double **pgb) {
  long step = k->t;                 /* the spec's k = t - 1 */
  scratch s = get_scratch(k);
  int l, rc, factor_step, inv_step, stats;
  double sum = 0.0;
  stats = ty_nn_stats_ok(net) && net->nbackward != k->used &&
          net->batch > 0;
  if (k->algo == TY_MKOR && k->switched) {    /* MKOR-H, first order */
    for (l = 0; l < net->nlayers; l++) {
      const ty_nn_layer *ly = &net->layer[l];
      memcpy(pgW[l], ly->gW, ly->out * ly->in * sizeof(double));
      memcpy(pgb[l], ly->gb, ly->out * sizeof(double));
    }
    k->t++;
    return 0;
  }
  if (k->algo == TY_KFAC) {
    factor_step = step % k->o.factor_every == 0;
    inv_step = step % k->o.inv_every == 0;
  }
  else {
    factor_step = step % k->o.inv_freq == 0 || step < k->o.warmup_steps;
    inv_step = 0;
  }
  if (!net_finite(k, net, factor_step && stats)) return TY_KFAC_ENONFINITE;
  if (factor_step) {
    if (stats && k->algo == TY_KFAC && k->o.fisher == TY_KFAC_SAMPLED) {
      if ((rc = sampled_backward(k, net, pgW, pgb)) != 0) return rc;
      if (!net_finite(k, net, 1)) return TY_KFAC_ENONFINITE;
    }
    if (stats) {
      for (l = 0; l < net->nlayers; l++) {
        if (k->layer[l].first_order) continue;
        rc = ty_kfac_factor_update(k, l, ty_nn_input(net, l),
                                   net->layer[l].gz, net->batch);
        if (rc != 0) return rc;
        if (ty_interrupted()) return TY_EINTR;
      }
      k->used = net->nbackward;
    }
    else k->missing_stats++;
  }
  for (l = 0; l < net->nlayers; l++)
    if (k->algo == TY_KFAC && (inv_step || !k->layer[l].have_p)) {
      if ((rc = ty_kfac_invert(k, l)) != 0) return rc;
      if (ty_interrupted()) return TY_EINTR;
    }
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    size_t n = ly->out * (ly->in + 1);
    gather(ly, s.N);
    ty_kfac_apply(k, l, s.N, s.V);
    if (k->algo == TY_KFAC) {
      if (!k->layer[l].first_order) sum += lr * lr * dot(s.V, s.N, n);
    }
    else if (!k->layer[l].first_order) {     /* MKOR: keep the norm of N */
      double nn = sqrt(dot(s.N, s.N, n)), nv = sqrt(dot(s.V, s.V, n));
      double nu = nn / nv;
      size_t i;
      if (nv == 0.0 || !isfinite(nu)) memcpy(s.V, s.N, n * sizeof(double));
      else for (i = 0; i < n; i++) s.V[i] *= nu;
    }
    memcpy(pgW[l], s.V, ly->out * ly->in * sizeof(double));
    memcpy(pgb[l], s.V + ly->out * ly->in, ly->out * sizeof(double));
  }
  if (k->algo == TY_KFAC) {
    double nu = 1.0;
    if (k->o.kl_clip > 0.0 && sum != 0.0)
      nu = fmin(1.0, sqrt(k->o.kl_clip / fabs(sum)));
    if (!isfinite(nu)) return TY_KFAC_ENONFINITE;
    k->nu = nu;
    if (nu != 1.0)
      for (l = 0; l < net->nlayers; l++) {
        const ty_nn_layer *ly = &net->layer[l];
        size_t i;
        if (k->layer[l].first_order) continue;
        for (i = 0; i < ly->out * ly->in; i++) pgW[l][i] *= nu;
        for (i = 0; i < ly->out; i++) pgb[l][i] *= nu;
      }
  }
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    if (!allfinite(pgW[l], ly->out * ly->in) || !allfinite(pgb[l], ly->out))
      return TY_KFAC_ENONFINITE;
  }
  k->t++;
  return 0;
}

/*
** ty_bandit.c: Tsallis-INF, ChebCB and the binning of TsallisINF-CB
** (definitions in ty_bandit.h and ../shared/methods/sor_bandit.md).
*/
#include <float.h>
#include <math.h>
#include <string.h>

#include "ty_bandit.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

size_t ty_bandit_sample (const double *p, size_t d, double u) {
  double cum = 0.0;
  size_t i, last = 0;
  for (i = 0; i < d; i++) {
    if (p[i] > 0.0) last = i;
    cum += p[i];
    if (u < cum && p[i] > 0.0) return i;
  }
  return last;
}

size_t ty_bandit_bin (double ctx, double lo, double hi, size_t nb) {
  size_t k, best = 0;
  double bestdist = HUGE_VAL;
  for (k = 0; k < nb; k++) {
    double c = lo + (hi - lo) * ((double)k + 0.5) / (double)nb;
    double dist = fabs(ctx - c);
    if (dist < bestdist) {
      bestdist = dist;
      best = k;
    }
  }
  return best;
}

/* ====================================================================== */
/* Tsallis-INF                                                            */
/* ====================================================================== */

/* sum of w_i = 4 / (eta (L_i - x))^2 (stored in w) and of w_i^(3/2) */
static double tsallis_sum (const double *L, size_t d, double eta, double x,
                           double *w, double *s3) {
  double sw = 0.0, s = 0.0;
  size_t i;
  for (i = 0; i < d; i++) {
    double q = 2.0 / (eta * (L[i] - x));   /* sqrt(w_i), sign aside */
    w[i] = q * q;
    sw += w[i];
    s += w[i] * fabs(q);
  }
  *s3 = s;
  return sw;
}

int ty_tsallis_weights (const double *L, size_t d, double eta, int reference,
                        double *w, double *xout) {
  double lmin = HUGE_VAL, x, lo, hi, sw, s3;
  size_t i;
  int steps;
  if (reference) {              /* the published iteration, flaws and all */
    x = -1.0;
    for (steps = 0; steps < 20; steps++) {
      sw = tsallis_sum(L, d, eta, x, w, &s3);
      x -= (sw - 1.0) / (eta * s3);
    }
    *xout = x;
    return steps;
  }
  for (i = 0; i < d; i++) if (L[i] < lmin) lmin = L[i];
  hi = lmin - 2.0 / eta;                 /* the leader's weight is 1 */
  lo = lmin - 2.0 * sqrt((double)d) / eta;   /* every weight <= 1/d */
  x = hi;
  for (steps = 0; steps < 100; steps++) {
    double xn;
    sw = tsallis_sum(L, d, eta, x, w, &s3);
    if (fabs(sw - 1.0) <= 1e-12) {
      *xout = x;
      return steps;
    }
    xn = x - (sw - 1.0) / (eta * s3);
    if (!(xn >= lo && xn <= hi)) break;  /* left the bracket: bisect */
    if (sw > 1.0) hi = x; else lo = x;
    x = xn;
  }
  /* bisection on [lo, hi], where sum w - 1 goes from <= 0 to >= 0 */
  for (i = 0; i < 2000; i++) {
    double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    sw = tsallis_sum(L, d, eta, mid, w, &s3);
    if (fabs(sw - 1.0) <= 1e-12) {
      lo = hi = mid;
      break;
    }
    if (sw > 1.0) hi = mid; else lo = mid;
  }
  x = 0.5 * (lo + hi);
  tsallis_sum(L, d, eta, x, w, &s3);
  *xout = x;
  return steps + 1000;
}

void ty_tsallis_init (ty_tsallis *s, size_t d, int reference, double *mem) {
  size_t i;
  memset(s, 0, sizeof(*s));
  s->d = d;
  s->k = mem;
  s->p = mem + d;
  s->w = mem + 2 * d;
  s->t = 1;
  s->reference = reference;
  for (i = 0; i < d; i++) {
    s->k[i] = 0.0;
    s->p[i] = 1.0 / (double)d;
  }
}

size_t ty_tsallis_choose (ty_tsallis *s, ty_rng *r) {
  size_t i, d = s->d;
  double eta = 2.0 / sqrt((double)s->t), scale = 1.0, x, sw = 0.0;
  double *L = s->w + 0, *w = s->p;       /* L in scratch, w in p */
  double u;
  if (s->ncost > 0) {
    scale = s->cost_sum / (double)s->ncost - 1.0;
    if (!(scale > 0.0)) scale = 1.0;
  }
  for (i = 0; i < d; i++) L[i] = s->k[i] / scale;
  ty_tsallis_weights(L, d, eta, s->reference, w, &x);
  for (i = 0; i < d; i++) sw += w[i];
  u = ty_rng_uniform(r);
  if (s->reference && !(sw > 0.0 && isfinite(sw))) {
    for (i = 0; i < d; i++) w[i] = 1.0 / (double)d;
    s->arm = (size_t)(u * (double)d);
    if (s->arm >= d) s->arm = d - 1;
    s->p_arm = 1.0 / (double)d;
    return s->arm;
  }
  for (i = 0; i < d; i++) w[i] /= sw;    /* p = w / sum w */
  s->arm = ty_bandit_sample(w, d, u);
  /* the reference weights the loss by the unnormalised w_I */
  s->p_arm = s->reference ? w[s->arm] * sw : w[s->arm];
  return s->arm;
}

void ty_tsallis_update (ty_tsallis *s, double cost) {
  if (!(cost >= 1.0)) cost = 1.0;
  s->cost_sum += cost;
  s->ncost++;
  s->k[s->arm] += (cost - 1.0) / s->p_arm;
  s->t++;
}

/* ====================================================================== */
/* ChebCB                                                                 */
/* ====================================================================== */

void ty_chebyshev (double u, size_t m, double *phi) {
  size_t j;
  if (m == 0) return;
  phi[0] = 1.0;
  if (m > 1) phi[1] = u;
  for (j = 2; j < m; j++) phi[j] = 2.0 * u * phi[j - 1] - phi[j - 2];
}

void ty_chebcb_init (ty_chebcb *c, size_t d, size_t m, double lo, double hi,
                     double *mem) {
  memset(c, 0, sizeof(*c));
  memset(mem, 0, TY_CHEBCB_DOUBLES(d, m) * sizeof(double));
  c->d = d;
  c->m = m;
  c->lo = lo;
  c->hi = hi;
  c->N = 2.0 + 4.0 * (1.0 + log((double)m));
  c->alpha = (M_PI + (2.0 / M_PI) * log(2.0 * (double)m + 1.0)) /
             (2.0 * c->N * ((double)m + 1.0));
  c->theta = mem;
  c->R = c->theta + d * m;
  c->g = c->R + d * m * m;
  c->zz = c->g + d * m;
  c->count = c->zz + d;
  c->yhat = c->count + d;
  c->p = c->yhat + d;
  c->phi = c->p + d;
  c->work = c->phi + m;
  c->t = 1;
}

/* the bound on |theta_j|: 1/N for j = 0, 2/(N j) after */
static double box (const ty_chebcb *c, size_t j) {
  return j == 0 ? 1.0 / c->N : 2.0 / (c->N * (double)j);
}

size_t ty_chebcb_choose (ty_chebcb *c, double ctx, ty_rng *r) {
  size_t i, j, d = c->d, m = c->m, best = 0;
  double u = 2.0 * (ctx - c->lo) / (c->hi - c->lo) - 1.0, rest = 1.0;
  if (u < -1.0 || u > 1.0) {
    c->clamped++;
    u = u < -1.0 ? -1.0 : 1.0;
  }
  c->u = u;
  ty_chebyshev(u, m, c->phi);
  for (i = 0; i < d; i++) {
    double s = 0.0;
    for (j = 0; j < m; j++) s += c->theta[i * m + j] * c->phi[j];
    c->yhat[i] = s;
    if (s < c->yhat[best]) best = i;
  }
  for (i = 0; i < d; i++) {
    if (i == best) continue;
    c->p[i] = 1.0 / ((double)d + c->eta * (c->yhat[i] - c->yhat[best]));
    rest -= c->p[i];
  }
  c->p[best] = rest;
  c->arm = ty_bandit_sample(c->p, d, ty_rng_uniform(r));
  c->pred = c->yhat[c->arm];
  return c->arm;
}

/* Add the row (phi, y) to the triangular R (m x m, row-major) and g = Q^T y
** by Givens rotations. */
static void givens_add (double *R, double *g, size_t m, const double *phi,
                        double y, double *row) {
  size_t j, k;
  memcpy(row, phi, m * sizeof(double));
  for (j = 0; j < m; j++) {
    double a = R[j * m + j], b = row[j], h, cs, sn;
    if (b == 0.0) continue;
    h = hypot(a, b);
    cs = a / h;
    sn = b / h;
    R[j * m + j] = h;
    row[j] = 0.0;
    for (k = j + 1; k < m; k++) {
      double rk = R[j * m + k], vk = row[k];
      R[j * m + k] = cs * rk + sn * vk;
      row[k] = cs * vk - sn * rk;
    }
    {
      double gj = g[j];
      g[j] = cs * gj + sn * y;
      y = cs * y - sn * gj;
    }
  }
}

/* One-sided Jacobi SVD: U (m x m, column-major) holds A on entry and
** U Sigma on exit, V (m x m, column-major) the right singular vectors. */
static void jacobi_svd (double *U, double *V, size_t m) {
  size_t p, q, i, sweep;
  for (i = 0; i < m * m; i++) V[i] = 0.0;
  for (i = 0; i < m; i++) V[i * m + i] = 1.0;
  for (sweep = 0; sweep < 80; sweep++) {
    int rotated = 0;
    for (p = 0; p + 1 < m; p++)
      for (q = p + 1; q < m; q++) {
        double a = 0.0, b = 0.0, g = 0.0, zeta, t, cs, sn;
        double *up = U + p * m, *uq = U + q * m, *vp = V + p * m;
        double *vq = V + q * m;
        for (i = 0; i < m; i++) {
          a += up[i] * up[i];
          b += uq[i] * uq[i];
          g += up[i] * uq[i];
        }
        if (g == 0.0 || fabs(g) <= DBL_EPSILON * sqrt(a * b)) continue;
        rotated = 1;
        zeta = (b - a) / (2.0 * g);
        if (fabs(zeta) > 1e150) t = 0.5 / zeta;
        else t = (zeta >= 0 ? 1.0 : -1.0) /
                 (fabs(zeta) + sqrt(1.0 + zeta * zeta));
        cs = 1.0 / sqrt(1.0 + t * t);
        sn = cs * t;
        for (i = 0; i < m; i++) {
          double x = up[i], y = uq[i];
          up[i] = cs * x - sn * y;
          uq[i] = sn * x + cs * y;
          x = vp[i]; y = vq[i];
          vp[i] = cs * x - sn * y;
          vq[i] = sn * x + cs * y;
        }
      }
    if (!rotated) break;
  }
}

/* theta = the minimum-norm solution of R theta = gs (R m x m row-major)
** with rank tolerance max(n, m) eps sigma_max; U, V: m^2 scratch each */
static void minnorm (const double *R, const double *gs, size_t m, double n,
                     double *U, double *V, double *theta) {
  size_t i, j;
  double smax = 0.0, tol;
  for (j = 0; j < m; j++)                 /* U = R, column-major */
    for (i = 0; i < m; i++) U[j * m + i] = R[i * m + j];
  jacobi_svd(U, V, m);
  for (j = 0; j < m; j++) {
    double s2 = 0.0;
    for (i = 0; i < m; i++) s2 += U[j * m + i] * U[j * m + i];
    if (sqrt(s2) > smax) smax = sqrt(s2);
  }
  tol = (n > (double)m ? n : (double)m) * DBL_EPSILON * smax;
  for (i = 0; i < m; i++) theta[i] = 0.0;
  for (j = 0; j < m; j++) {
    double s2 = 0.0, ug = 0.0, coef;
    for (i = 0; i < m; i++) {
      s2 += U[j * m + i] * U[j * m + i];
      ug += U[j * m + i] * gs[i];
    }
    if (!(sqrt(s2) > tol) || s2 == 0.0) continue;
    coef = ug / s2;                       /* (u_j' g) / sigma_j */
    for (i = 0; i < m; i++) theta[i] += coef * V[j * m + i];
  }
}

int ty_chebcb_refit (ty_chebcb *c, size_t a, double *rss) {
  size_t m = c->m, i, j, l, sweep;
  const double *R = c->R + a * m * m;
  double *theta = c->theta + a * m, *U = c->work, *V = U + m * m;
  double *Q = V + m * m, *h = Q + m * m, *gs = h + m;
  double tr = 0.0, eps_r, gg = 0.0, res;
  int outside = 0;
  *rss = 0.0;
  if (c->count[a] == 0.0 || !(c->scale > 0.0)) {
    for (j = 0; j < m; j++) theta[j] = 0.0;
    return 0;
  }
  for (j = 0; j < m; j++) {
    gs[j] = c->g[a * m + j] / c->scale;
    gg += gs[j] * gs[j];
  }
  minnorm(R, gs, m, c->count[a], U, V, theta);
  for (j = 0; j < m; j++) if (fabs(theta[j]) > box(c, j)) outside = 1;
  if (!outside) return 0;
  /* box-constrained LS on Q = R'R + eps_r I, h = R' gs, by cyclic
  ** coordinate descent with clipping from the clipped min-norm solution */
  for (j = 0; j < m; j++)
    for (l = 0; l < m; l++) {
      double s = 0.0;
      for (i = 0; i <= (j < l ? j : l); i++) s += R[i * m + j] * R[i * m + l];
      Q[j * m + l] = s;
    }
  for (j = 0; j < m; j++) tr += Q[j * m + j];
  eps_r = 1e-12 * tr / (double)m;
  for (j = 0; j < m; j++) {
    double s = 0.0;
    Q[j * m + j] += eps_r;
    for (i = 0; i <= j; i++) s += R[i * m + j] * gs[i];
    h[j] = s;
    if (theta[j] > box(c, j)) theta[j] = box(c, j);
    if (theta[j] < -box(c, j)) theta[j] = -box(c, j);
  }
  for (sweep = 0; sweep < 2000; sweep++) {
    double change = 0.0, big = 0.0;
    for (j = 0; j < m; j++) {
      double grad = h[j], nv;
      for (l = 0; l < m; l++) grad -= Q[j * m + l] * theta[l];
      nv = theta[j] + grad / Q[j * m + j];
      if (nv > box(c, j)) nv = box(c, j);
      if (nv < -box(c, j)) nv = -box(c, j);
      if (fabs(nv - theta[j]) > change) change = fabs(nv - theta[j]);
      if (fabs(nv) > big) big = fabs(nv);
      theta[j] = nv;
    }
    if (change <= 1e-14 * (big > 1.0 ? big : 1.0)) break;
  }
  /* rss = ||R theta - gs||^2 + (||z||^2 - ||gs||^2) */
  res = c->zz[a] / (c->scale * c->scale) - gg;
  if (res < 0.0) res = 0.0;
  for (i = 0; i < m; i++) {
    double s = -gs[i];
    for (j = i; j < m; j++) s += R[i * m + j] * theta[j];
    res += s * s;
  }
  *rss = res;
  c->n_box++;
  return 1;
}

void ty_chebcb_update (ty_chebcb *c, double cost) {
  size_t a = c->arm, m = c->m, i;
  double y, scale_new, rss, R;
  if (!(cost >= 1.0)) cost = 1.0;
  y = cost - 1.0;
  givens_add(c->R + a * m * m, c->g + a * m, m, c->phi, y, c->work);
  c->zz[a] += y * y;
  c->count[a] += 1.0;
  c->s_pp += c->pred * c->pred;
  c->s_py += c->pred * y;
  c->s_yy += y * y;
  if (cost > c->K) c->K = cost;
  scale_new = c->K * c->N;
  c->rho = 0.0;
  if (scale_new != c->scale) {
    c->scale = scale_new;
    for (i = 0; i < c->d; i++)
      if (ty_chebcb_refit(c, i, &rss)) c->rho = rss;
  }
  else if (ty_chebcb_refit(c, a, &rss)) c->rho = rss;
  R = c->s_pp - 2.0 * c->s_py / c->scale +
      c->s_yy / (c->scale * c->scale);
  c->R_sum = R;
  R -= c->rho;
  if (R < 0.0) R = 0.0;
  c->eta = 2.0 * (double)c->t *
           sqrt((double)c->d * (double)c->t /
                (R + 2.0 * c->alpha * c->alpha * (double)c->t));
  c->t++;
}

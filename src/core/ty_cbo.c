/*
** ty_cbo.c: consensus-based optimization, one iteration at a time
** (../shared/methods/optimizers.md, section 12; reference PdIPS/CBXpy).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ty_cbo.h"

#define ALIGN 64

static size_t round_up (size_t b) { return (b + ALIGN - 1) & ~(size_t)(ALIGN - 1); }

/* total bytes, or 0 on overflow; offsets of each array into off[] */
static size_t layout_sizes (size_t d, size_t n, size_t runs, size_t off[8]) {
  size_t parts[8], total = 0, k;
  const size_t lim = SIZE_MAX / 16;
  if (d == 0 || n == 0 || runs == 0) return 0;
  if (n > lim / runs || d > lim / (n * runs) || d > lim / runs) return 0;
  parts[0] = sizeof(ty_cbo);
  parts[1] = runs * n * d * sizeof(double);   /* X */
  parts[2] = runs * d * sizeof(double);       /* cons */
  parts[3] = runs * d * sizeof(double);       /* best_x */
  parts[4] = runs * sizeof(double);           /* best_f */
  parts[5] = runs * sizeof(double);           /* spread */
  parts[6] = runs * sizeof(int);              /* done */
  parts[7] = (n + d) * sizeof(double);        /* w, delta */
  for (k = 0; k < 8; k++) {
    off[k] = total;
    total += round_up(parts[k]);
    if (total > lim) return 0;
  }
  return total;
}

size_t ty_cbo_bytes (size_t d, size_t n, size_t runs) {
  size_t off[8];
  return layout_sizes(d, n, runs, off);
}

ty_cbo *ty_cbo_layout (void *mem, size_t d, size_t n, size_t runs,
                       uint64_t seed) {
  size_t off[8], total = layout_sizes(d, n, runs, off), r;
  char *base = (char *)mem;
  ty_cbo *c = (ty_cbo *)mem;
  memset(mem, 0, total);
  c->d = d; c->n = n; c->runs = runs;
  c->dt = 0.01; c->lambda = 1.0; c->sigma = 5.1;
  c->alpha = 1.0; c->alpha_factor = 1.05; c->alpha_max = 1e5;
  c->f_tol = -HUGE_VAL; c->x_tol = 0.0; c->max_it = 1000; c->aniso = 0;
  c->it = 0;
  c->X = (double *)(base + off[1]);
  c->cons = (double *)(base + off[2]);
  c->best_x = (double *)(base + off[3]);
  c->best_f = (double *)(base + off[4]);
  c->spread = (double *)(base + off[5]);
  c->done = (int *)(base + off[6]);
  c->w = (double *)(base + off[7]);
  c->delta = c->w + n;
  for (r = 0; r < runs; r++) {
    c->best_f[r] = HUGE_VAL;
    c->spread[r] = HUGE_VAL;
  }
  ty_rng_seed(&c->rng, seed);
  return c;
}

/* consensus points = the plain means of the particles of each run */
static void set_means (ty_cbo *c) {
  size_t N = c->n * c->runs, r, k, j;
  for (r = 0; r < c->runs; r++)
    for (j = 0; j < c->d; j++) {
      double s = 0.0;
      for (k = 0; k < c->n; k++) s += c->X[j * N + r * c->n + k];
      c->cons[j * c->runs + r] = s / (double)c->n;
    }
}

void ty_cbo_init_uniform (ty_cbo *c, double lo, double hi) {
  size_t N = c->n * c->runs, r, k, j;
  for (r = 0; r < c->runs; r++)
    for (k = 0; k < c->n; k++)
      for (j = 0; j < c->d; j++)
        c->X[j * N + r * c->n + k] = ty_rng_uniform_ab(&c->rng, lo, hi);
  set_means(c);
}

void ty_cbo_set_positions (ty_cbo *c, const double *X) {
  memcpy(c->X, X, c->n * c->runs * c->d * sizeof(double));
  set_means(c);
}

int ty_cbo_alldone (const ty_cbo *c) {
  size_t r;
  for (r = 0; r < c->runs; r++)
    if (!c->done[r]) return 0;
  return 1;
}

/* one iteration of run r (values f of its n particles, checked) */
static void step_run (ty_cbo *c, size_t r, const double *f) {
  size_t N = c->n * c->runs, n = c->n, d = c->d, k, j;
  double *X = c->X + r * n, fmin = HUGE_VAL, wsum = 0.0, spread = 0.0;
  double sdt = sqrt(c->dt), ldt = c->lambda * c->dt;
  /* NaN compares false everywhere below: never the best, weight 0 */
  for (k = 0; k < n; k++) {            /* best ever, at these positions */
    if (f[k] < c->best_f[r]) {
      c->best_f[r] = f[k];
      for (j = 0; j < d; j++) c->best_x[j * c->runs + r] = X[j * N + k];
    }
    if (f[k] < fmin) fmin = f[k];
  }
  for (k = 0; k < n; k++) {            /* Gibbs weights, shifted by fmin */
    double w = (f[k] < HUGE_VAL) ? exp(-c->alpha * (f[k] - fmin)) : 0.0;
    c->w[k] = w;
    wsum += w;
  }
  for (j = 0; j < d; j++) {            /* the consensus point */
    double s = 0.0;
    for (k = 0; k < n; k++) s += c->w[k] * X[j * N + k];
    c->cons[j * c->runs + r] = s / wsum;
  }
  for (k = 0; k < n; k++) {            /* drift and noise, pre-move */
    double nrm = 0.0;
    for (j = 0; j < d; j++) {
      double dl = X[j * N + k] - c->cons[j * c->runs + r];
      c->delta[j] = dl;
      nrm += dl * dl;
      if (fabs(dl) > spread) spread = fabs(dl);
    }
    nrm = sqrt(nrm);
    for (j = 0; j < d; j++) {
      double z = ty_rng_normal(&c->rng);
      double scale = c->aniso ? c->delta[j] : nrm;
      X[j * N + k] = X[j * N + k] - ldt * c->delta[j] +
                     c->sigma * sdt * scale * z;
    }
  }
  c->spread[r] = spread;
}

long ty_cbo_tell (ty_cbo *c, const double *f) {
  size_t n = c->n, r, k;
  for (r = 0; r < c->runs; r++) {      /* check everything first */
    int any = 0;
    if (c->done[r]) continue;
    for (k = 0; k < n; k++) {
      double v = f[r * n + k];
      if (v == -HUGE_VAL) return -(long)(r * n + k + 1);
      if (v < HUGE_VAL) any = 1;       /* finite (NaN compares false) */
    }
    if (!any) return (long)r + 1;
  }
  for (r = 0; r < c->runs; r++)
    if (!c->done[r]) step_run(c, r, f + r * n);
  c->it++;
  c->alpha = c->alpha * c->alpha_factor;
  if (c->alpha > c->alpha_max) c->alpha = c->alpha_max;
  for (r = 0; r < c->runs; r++)
    if (!c->done[r] && (c->it >= c->max_it || c->best_f[r] <= c->f_tol ||
                        c->spread[r] < c->x_tol))
      c->done[r] = 1;
  return 0;
}

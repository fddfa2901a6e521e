/*
** ty_cbo.h: consensus-based optimization (no Lua).
**
** Derivative-free global minimisation of f: R^d -> R with n interacting
** particles per run and `runs` independent runs (method specification:
** ../shared/methods/optimizers.md, section 12).  The objective stays with
** the caller, in ask/tell form: read the positions X, evaluate f at every
** row, hand the values to ty_cbo_tell, which updates the best points, the
** consensus points and moves the particles.
**
** Everything lives in one block of memory the caller provides (in tycho a
** Lua userdata): ty_cbo_bytes says how much, ty_cbo_layout lays it out.
** Random numbers come from the object's own seeded generator, drawn in the
** order run -> particle -> coordinate, so a seed gives the same run on
** every machine.
*/
#ifndef TY_CBO_H
#define TY_CBO_H

#include <stddef.h>

#include "ty_rand.h"

typedef struct ty_cbo {
  size_t d, n, runs;       /* dimension, particles per run, runs */
  /* parameters (the reference's defaults after ty_cbo_layout) */
  double dt, lambda, sigma;
  double alpha, alpha_factor, alpha_max;   /* alpha: the current value */
  double f_tol;            /* a run stops when its best f <= f_tol */
  double x_tol;            /* ... or when every particle is within x_tol
                              (max norm) of its consensus point */
  long max_it;             /* ... or after max_it iterations */
  int aniso;               /* 0: isotropic noise, 1: anisotropic */
  /* state */
  long it;                 /* iterations done (calls of ty_cbo_tell) */
  double *X;               /* (runs n) x d, column-major: particle k of run
                              r is row r n + k */
  double *cons;            /* runs x d consensus points, column-major */
  double *best_x;          /* runs x d best points seen, column-major */
  double *best_f;          /* runs: their values (+Inf before any) */
  double *spread;          /* runs: max_k ||x_k - c||_inf at the last tell */
  int *done;               /* runs: 1 when the run has stopped */
  double *w;               /* n weights (scratch) */
  double *delta;           /* d (scratch) */
  ty_rng rng;
} ty_cbo;

/* the bytes for d, n, runs (0 when the size overflows) */
size_t ty_cbo_bytes (size_t d, size_t n, size_t runs);

/* Lay out a ty_cbo in mem (ty_cbo_bytes bytes, aligned for doubles) with
** the default parameters, the generator seeded with seed, every particle
** at 0 and no best point yet. */
ty_cbo *ty_cbo_layout (void *mem, size_t d, size_t n, size_t runs,
                       uint64_t seed);

/* particles uniform in [lo, hi)^d; consensus points = their means */
void ty_cbo_init_uniform (ty_cbo *c, double lo, double hi);

/* particles from X ((runs n) x d, column-major); consensus = their means */
void ty_cbo_set_positions (ty_cbo *c, const double *X);

/* One iteration with f[0..runs n) the values at the rows of X.  NaN and
** +Inf values get weight 0.  Runs already done are left alone.  Returns 0,
** or (with nothing changed) 1 + r when every value of run r is NaN or
** +Inf, or -(1 + i) when f[i] is -Inf. */
long ty_cbo_tell (ty_cbo *c, const double *f);

/* 1 when every run has stopped */
int ty_cbo_alldone (const ty_cbo *c);

#endif

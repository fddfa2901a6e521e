/*
** ty_bandit.h: online learners of a solver parameter from iteration counts
** (no Lua here): Tsallis-INF, ChebCB and TsallisINF-CB, as specified in
** ../shared/methods/sor_bandit.md section 5 ("Learning to Relax", Khodak,
** Chow, Balcan and Talwalkar, ICLR 2024).
**
** A learner chooses one of d arms (relaxation factors), the caller runs
** the solver with it, and reports the cost (iterations, clamped to >= 1
** here).  Choose and update alternate; random draws come from a ty_rng
** the caller owns, one uniform per choice, so a seed fixes everything.
**
** Memory: each learner works in arrays the caller provides (sizes below),
** so it can live in one block (a Lua userdata) and never allocates.
*/
#ifndef TY_BANDIT_H
#define TY_BANDIT_H

#include <stddef.h>

#include "ty_rand.h"

/* The arm drawn from probabilities p[0..d-1] with one uniform u in [0, 1):
** the first i with u < p[0] + ... + p[i] (the last positive one when
** rounding leaves u above the total). */
size_t ty_bandit_sample (const double *p, size_t d, double u);

/* ---- Tsallis-INF (1/2-Tsallis entropy, importance-weighted) ---------- */

/* The Tsallis-INF weights w_i = 4 / (eta (L_i - x))^2 for the normalised
** losses L[0..d-1].  Exact mode (reference = 0): x < min L solves
** sum w = 1 (Newton from min L - 2/eta, bisection as a safeguard), to
** |sum w - 1| <= 1e-12.  Reference mode: x starts at -1 and takes 20 Newton
** steps, w from the last pass (the published code; w need not sum to 1).
** Sets *x; returns the number of Newton steps taken (exact mode: + 1000
** when the bisection safeguard was used). */
int ty_tsallis_weights (const double *L, size_t d, double eta, int reference,
                        double *w, double *x);

typedef struct ty_tsallis {
  size_t d;
  double *k;             /* cumulative importance-weighted costs - 1 */
  double *p;             /* probabilities of the last choice */
  double *w;             /* scratch: normalised losses, weights */
  double cost_sum;       /* sum of the costs seen */
  size_t ncost;          /* how many */
  size_t t;              /* the round, from 1 */
  int reference;         /* normaliser = "reference" */
  size_t arm;            /* the last arm drawn */
  double p_arm;          /* the weight it is importance-weighted with */
} ty_tsallis;

/* doubles of memory ty_tsallis_init needs for d arms */
#define TY_TSALLIS_DOUBLES(d) (3 * (d))

void ty_tsallis_init (ty_tsallis *s, size_t d, int reference, double *mem);

/* Draw an arm (stored in s->arm, probabilities in s->p). */
size_t ty_tsallis_choose (ty_tsallis *s, ty_rng *r);

/* Learn the cost (clamped to >= 1) of the arm last drawn. */
void ty_tsallis_update (ty_tsallis *s, double cost);

/* ---- ChebCB (Chebyshev regression with inverse-gap weighting) -------- */

/* phi[j] = T_j(u), j = 0..m-1 (T_0 = 1, T_1 = u, T_j+1 = 2u T_j - T_j-1) */
void ty_chebyshev (double u, size_t m, double *phi);

typedef struct ty_chebcb {
  size_t d, m;
  double lo, hi;         /* the context interval */
  double N, alpha;       /* N = 2 + 4 (1 + ln m); the regret constant */
  double *theta;         /* d x m coefficients (arm a at theta + a m) */
  double *R;             /* d upper triangular m x m (row-major) factors
                            of each arm's feature rows, by Givens */
  double *g;             /* d x m: Q^T (y - 1) of each arm */
  double *zz;            /* d: sum (y - 1)^2 of each arm */
  double *count;         /* d: rounds of each arm */
  double *yhat, *p;      /* d: predictions and probabilities, last choice */
  double *phi;           /* m: features of the last choice */
  double *work;          /* 3 m^2 + 2 m scratch */
  double eta, K, scale, rho, R_sum;
  double s_pp, s_py, s_yy;  /* sums over rounds: pred^2, pred (y-1), (y-1)^2 */
  size_t t;              /* the round, from 1 */
  size_t arm;            /* the last arm drawn */
  double pred;           /* its prediction */
  double u;              /* the last context mapped to [-1, 1] */
  size_t clamped;        /* contexts outside [lo, hi] seen */
  size_t n_box;          /* box-constrained refits done */
} ty_chebcb;

#define TY_CHEBCB_DOUBLES(d, m) \
  ((d) * (m) * (m) + 2 * (d) * (m) + 5 * (d) + 3 * (m) * (m) + 3 * (m))

/* d arms, m Chebyshev functions (1 <= m <= 32), context interval
** lo < hi */
void ty_chebcb_init (ty_chebcb *c, size_t d, size_t m, double lo, double hi,
                     double *mem);

/* Draw an arm for context ctx (NaN is not allowed; values outside
** [lo, hi] are clamped and counted in c->clamped). */
size_t ty_chebcb_choose (ty_chebcb *c, double ctx, ty_rng *r);

/* Learn the cost (clamped to >= 1) of the arm last drawn. */
void ty_chebcb_update (ty_chebcb *c, double cost);

/* Refit arm a by least squares in the box (exposed for tests); returns 1
** when the box was active (then *rss is the residual sum of squares). */
int ty_chebcb_refit (ty_chebcb *c, size_t a, double *rss);

/* ---- TsallisINF-CB ---------------------------------------------------- */

/* The bin (0-based) of the nearest of nb centres lo + (hi - lo)(k + 1/2)/nb,
** the lowest index on ties. */
size_t ty_bandit_bin (double ctx, double lo, double hi, size_t nb);

#endif

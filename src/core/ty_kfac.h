/*
** ty_kfac.h: layer-wise second-order preconditioners for ty_nn networks,
** K-FAC and MKOR / MKOR-H (no Lua here).  The method specification is
** shared/methods/optimizers.md, sections 10 and 11.
**
** A preconditioner turns the gradient of every dense layer,
** N = [gW | gb] (out x (in + 1)), into a preconditioned one that a
** first-order "base" optimizer then applies; the base optimizer is not
** part of this file.  One step:
**
**     ty_kfac_step(k, net, lr, pgW, pgb)
**
** reads the statistics of the network's last forward and backward passes
** (layer inputs and d loss / d z, see ty_nn.h), updates the factors on the
** steps its schedule says, and writes the preconditioned gradients into
** pgW[l], pgb[l] (shaped like gW and gb).  Statistics are "missing" when
** no backward pass followed the last forward pass, or when an earlier
** step already used them; the factor update is then skipped and counted
** in missing_stats.
**
** K-FAC (kfac-pytorch semantics): A = E[a a^T] of the inputs with a 1
** appended, G = E[g g^T] of the output gradients, running averages from
** I (G from the training loss's own output gradients, or with
** fisher = sampled from a second backward pass with targets drawn from
** the model: y ~ N(output, I) for mse, y ~ softmax(output) for ce); "eigen"
** (default) solves (A (x) G + damping I) v = vec N through
** the eigendecompositions, "inverse" applies (G + damping I)^-1 N
** (A + damping I)^-1, "factored" splits the damping by
** pi = sqrt((tr A / da) / (tr G / dg)).  The result is scaled by the
** KL clip nu = min(1, sqrt(kl_clip / |sum lr^2 <V, N>|)).
**
** MKOR: the inverses Rinv (input side) and Linv (output side) are
** updated by rank-1 Sherman-Morrison steps from the batch means of the
** clipped inputs and of B times the output gradients; V = Linv N Rinv,
** rescaled to the norm of N.  MKOR-H watches a running mean of the loss and
** switches permanently to first-order steps (V = N) when it stops falling.
*/
#ifndef TY_KFAC_H
#define TY_KFAC_H

#include <stddef.h>
#include <stdint.h>

#include "ty_nn.h"
#include "ty_rand.h"

/* algorithms */
enum { TY_KFAC, TY_MKOR };

/* K-FAC methods */
enum { TY_KFAC_EIGEN, TY_KFAC_INVERSE, TY_KFAC_FACTORED };
/* MKOR variants */
enum { TY_MKOR_CODE, TY_MKOR_EMA };
/* K-FAC Fisher types, and the losses a sampled Fisher knows */
enum { TY_KFAC_EMPIRICAL, TY_KFAC_SAMPLED };
enum { TY_KFAC_MSE, TY_KFAC_CE };

/* return codes of ty_kfac_step (besides 0 and TY_EINTR) */
#define TY_KFAC_ENONFINITE 1   /* statistics or factors are not finite */
#define TY_KFAC_ENOCONV    2   /* an eigendecomposition did not converge */
#define TY_KFAC_ENOTPD     3   /* a damped factor is not positive definite */

typedef struct ty_kfac_opts {
  int method;                /* K-FAC method or MKOR variant */
  /* K-FAC */
  double damping;            /* 1e-3 */
  double factor_decay;       /* 0.95 */
  double kl_clip;            /* 1e-3; 0 turns the clip off */
  long factor_every;         /* 1 */
  long inv_every;            /* 1 */
  int g_batch;               /* 1: scale the output gradients by B */
  int fisher;                /* TY_KFAC_EMPIRICAL or TY_KFAC_SAMPLED */
  int loss;                  /* sampled Fisher: TY_KFAC_MSE or TY_KFAC_CE */
  /* MKOR */
  long inv_freq;             /* 10 */
  long warmup_steps;         /* 0 */
  double stat_decay;         /* 0.95 */
  double clip;               /* 100 */
  double reset_threshold;    /* 2 */
  double stabilization;      /* 0.1 ("ema" variant only) */
  /* MKOR-H */
  int hybrid;                /* 0 */
  int force_switch;          /* 0 */
  long window;               /* 0: 10 * inv_freq */
  long patience;             /* 2 */
  double switch_ratio;       /* 0.1: the rule's beta */
  double loss_decay;         /* 0.98: the rule's rho */
} ty_kfac_opts;

typedef struct ty_kfac_layer {
  size_t da, dg;             /* in + 1, out */
  int first_order;           /* 1: the gradient passes through */
  double *A, *G;             /* K-FAC running factors (NULL for MKOR) */
  double *PA, *PG;           /* eigenvectors, or damped inverses; MKOR:
                                Rinv (da x da) and Linv (dg x dg) */
  double *eA, *eG;           /* K-FAC eigen: eigenvalues (clamped >= 0) */
  int have_p;                /* PA, PG computed at least once */
  int reset_a, reset_g;      /* MKOR reset flags */
} ty_kfac_layer;

typedef struct ty_kfac {
  int algo, nlayers;
  ty_kfac_layer *layer;
  ty_kfac_opts o;
  long t;                    /* steps taken */
  long missing_stats;        /* factor steps without statistics */
  long resets;               /* MKOR: factor resets */
  double nu;                 /* K-FAC: KL-clip factor of the last step */
  unsigned long used;        /* net->nbackward whose statistics were used */
  ty_rng rng;                /* sampled Fisher: the targets' generator */
  /* MKOR-H */
  int switched, have_mean, have_prev, bad_count;
  double loss_mean, prev_mean, rate_max;
  /* scratch */
  double *work;              /* see ty_kfac_memsize */
  size_t nwork;
  int *iwork;
  size_t niwork;
} ty_kfac;

/* the defaults above for algo */
void ty_kfac_defaults (ty_kfac_opts *o, int algo);

/* bytes of memory ty_kfac_setup needs for net (every layer dense), or 0
** when the size overflows */
size_t ty_kfac_memsize (const ty_nn *net, int algo);

/* Set up k over mem (ty_kfac_memsize bytes, 64-byte aligned) with
** options o; factors start at I, MKOR reset flags set.
** first_order[l] != 0 marks layer l as not preconditioned (may be NULL).
** seed seeds the generator of the sampled Fisher. */
void ty_kfac_setup (ty_kfac *k, const ty_nn *net, int algo,
                    const ty_kfac_opts *o, const int *first_order,
                    uint64_t seed, void *mem);

/* back to the state after setup (options kept) */
void ty_kfac_reset (ty_kfac *k);

/* bytes of optimizer state (factors and their inverses) */
size_t ty_kfac_statebytes (const ty_kfac *k);

/* MKOR-H bookkeeping for a step with this loss (NaN: unknown); call before
** ty_kfac_step.  Returns 1 when the method runs first-order from now on. */
int ty_kfac_observe_loss (ty_kfac *k, double loss);

/* One step (see the top of this file): t advances on success.  lr is the
** base optimizer's learning rate (K-FAC's KL clip).  With a sampled
** Fisher, a factor step runs a second backward pass through net (its
** gradients are restored; its gz then hold the sampled ones).  Returns 0,
** TY_KFAC_E*, or TY_EINTR. */
int ty_kfac_step (ty_kfac *k, ty_nn *net, double lr, double **pgW,
                  double **pgb);

/* The preconditioning of one layer with the current factors, without
** the KL clip or the MKOR norm rescaling: V = P(N) for N dg x da
** (column-major); V dg x da.  For tests. */
void ty_kfac_apply (ty_kfac *k, int l, const double *N, double *V);

/* The factor update of one layer from its statistics: K-FAC folds in
** A_b = abar^T abar / B and G_b = g^T g / B; MKOR updates Rinv and Linv
** from the batch means.  X is B x in, gz B x out.  Returns 0 or
** TY_KFAC_ENONFINITE (factors unchanged). */
int ty_kfac_factor_update (ty_kfac *k, int l, const double *X,
                           const double *gz, size_t B);

/* Recompute K-FAC's eigendecompositions or damped inverses of layer l.
** Returns 0, TY_KFAC_ENOCONV or TY_KFAC_ENOTPD. */
int ty_kfac_invert (ty_kfac *k, int l);

/* A short sentence for a return code. */
const char *ty_kfac_strerror (int code);

#endif

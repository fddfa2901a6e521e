/*
** ty_sinkhorn.h: entropic optimal transport (no Lua here).
**
** Cost matrices, Sinkhorn in its scaling and log-sum-exp forms, and
** Sinkhorn-Newton-Sparse (SNS).  The specification is
** shared/methods/optimal_transport.md; the conventions, in short:
**
**   minimise <C,P> + eps sum P_ij log P_ij   s.t.  P 1 = a,  P^T 1 = b
**   P_ij = exp((f_i + g_j - C_ij) / eps)     (f, g: dual potentials)
**   D(f,g) = <a,f> + <b,g> - eps sum P + eps mass   (concave, maximised)
**   err = ||P 1 - a||_1 + ||P^T 1 - b||_1          (the marginal error)
**
** Matrices are column-major (n x m: C_ij at C[j n + i]), like tycho's mat.
**
** Memory.  Core code never calls malloc: every buffer comes from the
** caller's allocator (ty_ot_opts.alloc), which in tycho makes a Lua
** userdata.  The allocator may raise a Lua error instead of returning; the
** routines here hold no other resource when they call it (no thread runs,
** nothing else is allocated), so unwinding through them leaks nothing.
**
** Threads.  The loops with n m exponentials are split over up to
** opts.nthreads threads (POSIX threads created for the call, SIGINT
** blocked in them); small problems run in the calling thread.
**
** Progress.  opts.progress is called once per iteration (a Sinkhorn sweep
** or a Newton step) from the calling thread, with no worker running.  It
** returns nonzero to stop the solver, which then returns TY_EINTR; the
** solver also polls the interrupt flag itself.
*/
#ifndef TY_SINKHORN_H
#define TY_SINKHORN_H

#include <stddef.h>

/* return codes (besides 0 and TY_EINTR) */
#define TY_OT_ENOMEM   (-1)     /* the allocator returned NULL */
#define TY_OT_EBIG     (-2)     /* a dimension does not fit BLAS's int */

/* ---- cost matrices ------------------------------------------------------ */

enum { TY_OT_SQEUCLIDEAN, TY_OT_EUCLIDEAN, TY_OT_CITYBLOCK };

/* Doubles of work ty_ot_cost needs for n and m points in d dimensions. */
size_t ty_ot_cost_worksize (size_t n, size_t m, size_t d);

/* C (n x m) = distances between the rows of X (n x d) and the rows of Y
** (m x d); Y == NULL means Y = X, and then the diagonal is exactly 0.
** Squared distances are ||x||^2 + ||y||^2 - 2 x.y after subtracting the
** common mean (one dgemm), clamped at 0; "euclidean" is their square
** root; "cityblock" sums |x_k - y_k| directly.  Every dimension must fit
** an int (TY_OT_EBIG otherwise).  Returns 0, TY_OT_EBIG or TY_EINTR. */
int ty_ot_cost (double *C, const double *X, size_t n, const double *Y,
                size_t m, size_t d, int metric, double *work);

/* ---- problems, options, results --------------------------------------- */

enum { TY_OT_AUTO, TY_OT_SCALING, TY_OT_LOG };            /* methods */
enum { TY_OT_ERR_L1, TY_OT_ERR_POT };                     /* err norms */
enum { TY_OT_MASS, TY_OT_TOPK };                          /* sparsify */
enum { TY_OT_SOLVER_AUTO, TY_OT_CG, TY_OT_CHOL };         /* SNS solver */

/* the auto solver factors the Schur complement up to this smaller side */
#define TY_OT_CHOL_MAX 1000
enum { TY_OT_STOP_TOL, TY_OT_STOP_MAXITER, TY_OT_STOP_STALLED,
       TY_OT_STOP_NUMERICAL };                            /* stop reasons */

/* A transport problem.  a (n) and b (m) are nonnegative, with positive
** sums that agree to the caller's tolerance (b is rescaled to the mass of
** a); C is n x m and finite; eps > 0.  Atoms of zero mass are removed
** before solving: their rows or columns of P are 0, their potentials
** -inf. */
typedef struct ty_ot_problem {
  size_t n, m;
  const double *a, *b, *C;
  double eps;
} ty_ot_problem;

/* what the progress callback sees after each iteration */
typedef struct ty_ot_progress {
  size_t iter;            /* iterations so far (sweeps + Newton steps) */
  int newton;             /* 1 when this iteration was a Newton step */
  double err;             /* marginal error after it */
  double dual;            /* D(f, g) after it */
  double alpha;           /* a Newton step: its step length, */
  size_t nnz, cg;         /* kept entries of P and CG iterations */
} ty_ot_progress;

typedef int (*ty_ot_progress_fn) (void *ud, const ty_ot_progress *p);
typedef void *(*ty_ot_alloc_fn) (void *ud, size_t bytes);

typedef struct ty_ot_opts {
  double tol;             /* stop when err <= tol */
  size_t maxiter;         /* Sinkhorn: sweeps; SNS: steps after warm-up */
  int method;             /* Sinkhorn: TY_OT_AUTO, _SCALING or _LOG */
  int err_norm;           /* TY_OT_ERR_L1, or _POT: POT's stopping rule */
  int nthreads;           /* at most this many threads (>= 1; default:
                             the online CPUs, at most 8) */
  /* SNS */
  size_t warmup;          /* Sinkhorn sweeps before Newton */
  int sparsify;           /* TY_OT_MASS or TY_OT_TOPK */
  double lambda;          /* topk: kept fraction of P (0: 2/n) */
  int adapt;              /* topk: adapt lambda after bad steps */
  double masstol;         /* mass: nu, dropped mass per row <= nu rs_i */
  int solver;             /* TY_OT_SOLVER_AUTO, TY_OT_CG or TY_OT_CHOL */
  int continuation;       /* solve at eps 10^J, ..., eps 10, eps first */
  /* plumbing */
  ty_ot_progress_fn progress;   /* may be NULL */
  ty_ot_alloc_fn alloc;         /* required */
  void *ud;                     /* passed to progress and alloc */
  const double *f0, *g0;        /* warm start (both or neither), or NULL */
} ty_ot_opts;

typedef struct ty_ot_info {
  size_t iters;           /* sweeps + Newton steps */
  int converged;          /* err <= tol */
  int stop_reason;        /* TY_OT_STOP_* */
  int method_used;        /* TY_OT_SCALING or TY_OT_LOG (last one used) */
  size_t switched_at;     /* sweep of a scaling -> log switch, 0 if none */
  double err;             /* marginal error of the returned plan */
  double cost;            /* <C, P> */
  double objective;       /* <C, P> + eps sum P log P */
  double dual;            /* D(f, g) */
  double time;            /* seconds */
  /* SNS */
  size_t newton_iters, sinkhorn_iters, cg_iters, fallbacks;
  size_t nnz;             /* kept entries of P in the last Newton step */
  double time_warmup;
} ty_ot_info;

/* Fill *o with the defaults: for Sinkhorn (sns = 0) tol 1e-9, maxiter
** 100000, auto method; for SNS (sns = 1) tol 1e-12, maxiter 200 Newton
** steps, warmup 20, the mass rule with nu = 1e-2. */
void ty_ot_defaults (ty_ot_opts *o, int sns);

/* ---- solvers ----------------------------------------------------------- */

/* Entropic OT by Sinkhorn.  Writes the plan P (n x m), the potentials f
** (n) and g (m) and *info.  The scaling form (two passes over
** K = exp(-(C - min C)/eps) per sweep, fused into one) is used when
** method is SCALING, or AUTO and range(C)/eps <= 100; otherwise the
** log-sum-exp form.  AUTO switches from scaling to log form when the
** scalings leave [e^-300, e^300] or a denominator vanishes; a forced
** scaling run stops there (stop reason NUMERICAL) with its last finite
** iterate.  Returns 0 (also when not converged), TY_OT_ENOMEM or
** TY_EINTR. */
int ty_ot_sinkhorn (const ty_ot_problem *pb, const ty_ot_opts *o,
                    double *P, double *f, double *g, ty_ot_info *info);

/* Entropic OT by Sinkhorn-Newton-Sparse: o->warmup Sinkhorn sweeps, then
** Newton steps on D with a sparsified Hessian (exact diagonal blocks),
** solved by CG on its Schur complement or by a Cholesky factorisation,
** with a cancellation-free Armijo line search and a Sinkhorn sweep as
** fallback; optionally by continuation in eps.  Sweeps and sums use the
** stabilised scaling form (an absorbed kernel with bounded scalings), exact
** at any eps.  Outputs as ty_ot_sinkhorn. */
int ty_ot_sns (const ty_ot_problem *pb, const ty_ot_opts *o,
               double *P, double *f, double *g, ty_ot_info *info);

#endif

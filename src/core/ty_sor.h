/*
** ty_sor.h: iterative solvers for sparse symmetric positive definite
** systems (no Lua here): CG and preconditioned CG (Jacobi, SSOR, IC(0) or
** a callback), SOR sweeps, and the Jacobi spectral radius that gives
** Young's optimal relaxation factor.  Also the shifted-Laplacian instance
** sequences of "Learning to Relax" (Khodak et al., ICLR 2024).
**
** The method specification is ../shared/methods/sor_bandit.md; in short:
**
**   - relres_k = ||b - A x_k|| / ||b||; the test is relres < tol (strict),
**     made at k = 0 (a warm start that passes costs 0 iterations) and after
**     every iteration; ||b|| = 0 returns x = 0 after 0 iterations;
**   - one SOR iteration is one forward sweep over the rows in storage
**     order, followed by the true residual (one product with A);
**   - one CG iteration is one product A p (and one preconditioner solve);
**     the test uses the recursively updated residual, and when that passes
**     the true residual is computed: if it passes too the solve stops,
**     otherwise it replaces the recursive one and the iteration goes on;
**   - the SSOR preconditioner is
**         M = (D + w U) D^-1 (D + w L) / (w (2 - w)),
**     with L and U the strict lower and upper triangles of A (U = L^T for
**     a symmetric A), applied as a backward solve with D + w U, a product
**     with D, a forward solve with D + w L, and a scaling by w (2 - w).
**
** Memory: every routine takes its scratch space from the caller and never
** allocates.  Return codes: 0, TY_EINTR (ty_interrupt.h) when Ctrl-C was
** seen, or any nonzero code a callback returned (passed through).  A
** solve that did not converge or broke down is not an error: it says so
** in its ty_solve_info.
*/
#ifndef TY_SOR_H
#define TY_SOR_H

#include <stddef.h>

#include "ty_mat.h"
#include "ty_sparse.h"
#include "ty_rand.h"

/* y = A x (or z = M^-1 r) by a callback: returns 0 or an error code that
** stops the solver and is returned by it */
typedef int (*ty_apply_fn) (void *ctx, const double *x, double *y);

/* called after iteration iter (1-based) with the relative residual the
** stopping test saw; a nonzero return stops the solver and is returned */
typedef int (*ty_progress_fn) (void *ctx, size_t iter, double resid);

/* A linear operator of size n x n: exactly one of S, D, apply is set. */
typedef struct ty_linop {
  size_t n;
  const ty_sparse *S;        /* a sparse matrix */
  const ty_mat *D;           /* a dense real matrix */
  ty_apply_fn apply;         /* a callback y = A x */
  void *ctx;
} ty_linop;

/* preconditioner kinds */
enum { TY_PC_NONE, TY_PC_JACOBI, TY_PC_SSOR, TY_PC_IC0, TY_PC_FUNC };

/* A preconditioner z = M^-1 r, set up by ty_pc_setup (or by hand for
** TY_PC_NONE and TY_PC_FUNC). */
typedef struct ty_precond {
  int kind;
  const ty_sparse *S;        /* JACOBI, SSOR, IC0: the matrix */
  double omega;              /* SSOR: the relaxation factor, 0 < w < 2 */
  double *diag;              /* JACOBI, SSOR: 1 / a_ii (n values) */
  double *factor;            /* IC0: the factor L in S's positions (nnz) */
  ty_apply_fn apply;         /* FUNC: the callback */
  void *ctx;
} ty_precond;

/* Options of every solver. */
typedef struct ty_solve_opts {
  double tol;                /* relative residual tolerance (>= 0) */
  size_t maxiter;            /* iteration cap */
  ty_progress_fn progress;   /* may be NULL */
  void *pctx;
} ty_solve_opts;

/* why a CG iteration stopped early */
enum {
  TY_BREAK_NONE,             /* no breakdown */
  TY_BREAK_CURVATURE,        /* p' A p <= 0: A is not positive definite */
  TY_BREAK_PRECOND,          /* r' z <= 0: M is not positive definite */
  TY_BREAK_NONFINITE,        /* NaN or Inf appeared (overflow, bad A) */
  TY_BREAK_IC0               /* IC(0) met a nonpositive pivot */
};

/* What a solve returns besides x. */
typedef struct ty_solve_info {
  size_t iters;              /* iterations done (the cost) */
  int converged;             /* 1 when resid < tol */
  int breakdown;             /* TY_BREAK_* */
  double resid;              /* final true relative residual */
} ty_solve_info;

/* a short sentence for a TY_BREAK_* code */
const char *ty_sor_breakdown_msg (int code);

/* ---- checks ------------------------------------------------------------ */

/* 1 when every stored value of S is finite */
int ty_sparse_allfinite (const ty_sparse *S);

/* The first row (0-based) whose diagonal is not stored or is zero, or
** (size_t)-1 when every diagonal entry is nonzero; positive != 0 also
** rejects negative diagonals. */
size_t ty_sor_baddiag (const ty_sparse *S, int positive);

/* 1 when the square S equals its transpose exactly (pattern and values;
** explicit zeros count as absent) */
int ty_sparse_issym (const ty_sparse *S);

/* ---- preconditioners --------------------------------------------------- */

/* Set up P of `kind` (JACOBI, SSOR, IC0) for the square S.  diag holds
** S->rows doubles (JACOBI, SSOR), factor S->nnz doubles (IC0).  The
** diagonal must be nonzero (JACOBI, SSOR; check with ty_sor_baddiag).
** Returns 0, or TY_BREAK_IC0 when the incomplete factorization meets a
** pivot <= 0 (then *badrow is its row). */
int ty_pc_setup (ty_precond *P, int kind, const ty_sparse *S, double omega,
                 double *diag, double *factor, size_t *badrow);

/* z = M^-1 r (z and r distinct, n = the operator's size).  Returns 0 or
** the callback's code. */
int ty_pc_apply (const ty_precond *P, size_t n, const double *r, double *z);

/* ---- solvers ----------------------------------------------------------- */

/* Preconditioned CG for A x = b, x holding x0 on entry (zeros for a cold
** start).  M may be NULL (no preconditioner).  work holds 4 n doubles. */
int ty_cg (const ty_linop *A, const ty_precond *M, const double *b,
           double *x, double *work, const ty_solve_opts *o,
           ty_solve_info *info);

/* One SOR forward sweep on x (in place); every diagonal entry of the
** square A stored and nonzero (check with ty_sor_baddiag). */
void ty_sor_sweep (const ty_sparse *A, const double *b, double *x,
                   double omega);

/* SOR for A x = b (square A with a nonzero diagonal, 0 < omega < 2), x
** holding x0 on entry.  The residual after each sweep is computed in the
** same pass over A, rows taken as soon as their values are final. */
int ty_sor (const ty_sparse *A, const double *b, double *x, double omega,
            const ty_solve_opts *o, ty_solve_info *info);

/* ---- the optimal relaxation factor ------------------------------------- */

/* beta = the spectral radius of the Jacobi iteration I - D^-1 A for the
** symmetric S with a positive diagonal, from the extreme eigenvalues of
** I - D^-1/2 S D^-1/2 by Lanczos (without reorthogonalization, which
** does not disturb the extreme Ritz values) from a fixed positive start
** vector.  work holds 5 n + 6 m doubles and m ints, m = min(n, maxiter).
** Each end of the spectrum counts as converged once the residual bound
** of its Ritz value has reached 1e-11 (or the Krylov space is exhausted);
** *converged is then 1.  *iters gets the Lanczos steps.  Returns 0,
** TY_EINTR, or -1 when LAPACK's tridiagonal eigensolver failed. */
int ty_jacobi_radius (const ty_sparse *S, size_t maxiter, double *work,
                      int *iwork, double *beta, size_t *iters,
                      int *converged);

/* Young's optimal SOR factor 2 / (1 + sqrt(1 - beta^2)), 0 <= beta < 1 */
double ty_omega_opt (double beta);

/* ---- instance sequences ----------------------------------------------- */

/* A Gamma(shape, 1) deviate (Marsaglia and Tsang; shape < 1 through
** Gamma(shape + 1) U^(1/shape)), with tycho's machine-independent exp
** and log, so a seed gives the same numbers everywhere. */
double ty_rng_gamma (ty_rng *r, double shape);

/* A Beta(a, b) deviate, G1 / (G1 + G2). */
double ty_rng_beta (ty_rng *r, double a, double b);

/* The shifted-Laplacian sequence of sor_bandit.md section 4.1: for
** t = 0..T-1, shift[t] = lo + width * Beta(a, b) and column t of B (n
** rows, column-major) a standard normal vector redrawn until its norm is
** at most sqrt(n); each instance draws its shift, then its right side. */
void ty_relax_draw (ty_rng *r, size_t T, size_t n, double a, double b,
                    double lo, double width, double *shift, double *B);

#endif

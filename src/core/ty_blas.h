/*
** ty_blas.h: checked LAPACK wrappers (no Lua here).
**
** Every routine below validates its arguments before LAPACK sees them:
** shapes must agree, every dimension must fit LAPACK's integer, inputs must
** be finite, and empty matrices get a defined result without a LAPACK
** call.  Inputs are const: they are copied into scratch memory before
** LAPACK overwrites anything.  A result matrix is allocated by the caller
** with the shape documented at each routine; its `cplx` flag says whether
** the computation is done in complex arithmetic (a real input is promoted
** when the result is complex).
**
** Scratch memory
** --------------
** A routine that needs scratch memory takes (void *work, size_t *worksize).
** Called with work == NULL it only validates its arguments and stores in
** *worksize the number of bytes it needs (LAPACK's workspace queries
** included), touching no result.  Called again with a buffer of at least
** that many bytes (and *worksize set to the buffer's size) it computes.
** A binding therefore does:
**     rc = ty_la_inv(A, X, NULL, &size);      check rc
**     buf = ty_newbuf(L, size);
**     rc = ty_la_inv(A, X, buf, &size);       check rc
** so the collector owns the scratch memory even when an error unwinds.
**
** Return codes: TY_LA_OK, a positive code for a numerical condition the
** user can act on, a negative code for a misuse or a size LAPACK cannot
** take, TY_EINTR (ty_interrupt.h) when Ctrl-C stopped a long loop.
*/
#ifndef TY_BLAS_H
#define TY_BLAS_H

#include <stddef.h>

#include "ty_mat.h"

#define TY_LA_OK          0
#define TY_LA_ESINGULAR   1     /* singular to working precision */
#define TY_LA_ENOTPD      2     /* not (Hermitian) positive definite */
#define TY_LA_ENOCONV     3     /* LAPACK's iteration did not converge */
#define TY_LA_ENOTHERM    4     /* not symmetric / Hermitian */
#define TY_LA_ESHAPE    (-1)    /* shapes or flags disagree (a caller bug) */
#define TY_LA_EBIG      (-2)    /* a size does not fit LAPACK's integers */
#define TY_LA_ENANINF   (-3)    /* an input has NaN or Inf elements */
#define TY_LA_EWORK     (-4)    /* the work buffer is smaller than asked */

/* the relative tolerance of ty_la_ishermitian (see there) */
#define TY_LA_HERMTOL 1e-8

/* the kinds of system ty_la_solve can be told it has */
enum {
  TY_LA_GENERAL,        /* LU with partial pivoting (getrf) */
  TY_LA_SPD,            /* symmetric/Hermitian positive definite (potrf) */
  TY_LA_SYM,            /* symmetric (real) / Hermitian (complex) (sytrf) */
  TY_LA_LOWER,          /* lower triangular (trtrs) */
  TY_LA_UPPER           /* upper triangular (trtrs) */
};

/* A short sentence for a return code ("matrix is singular to working
** precision"). */
const char *ty_la_strerror (int code);

/* 1 when A is square and max |A(i,j) - conj(A(j,i))| <= rtol * max |A|. */
int ty_la_ishermitian (const ty_mat *A, double rtol);

/* ---- systems and inverses ------------------------------------------- */

/* X (n x k) = A \ B for square A (n x n) and B (n x k).  A is factored as
** `kind` says; the system is singular (TY_LA_ESINGULAR) when the
** factorization breaks down or LAPACK's estimate of the reciprocal
** condition number in the 1-norm is below machine epsilon.  TY_LA_SPD
** returns TY_LA_ENOTPD when A is not positive definite.  For SPD and SYM
** only the lower triangle of A is read; the triangular kinds read only
** their triangle. */
int ty_la_solve (const ty_mat *A, const ty_mat *B, int kind, ty_mat *X,
                 void *work, size_t *worksize);

/* Minimum-norm least-squares solution X (n x k) of A X = B, A m x n and
** B m x k, by the SVD (gelsd).  Singular values at most rcond * s_max are
** treated as zero (rcond < 0: machine epsilon * max(m, n)); *rank gets
** the effective rank.  An empty A gives X = 0 and rank 0. */
int ty_la_lstsq (const ty_mat *A, const ty_mat *B, double rcond,
                 ty_mat *X, size_t *rank, void *work, size_t *worksize);

/* X (n x n) = inverse of A (getrf, gecon, getri); singular as in
** ty_la_solve. */
int ty_la_inv (const ty_mat *A, ty_mat *X, void *work, size_t *worksize);

/* Determinant of square A by LU: det = (re, im) (im 0 for real A), and
** det = sign * exp(logabs) with |sign| = 1, or sign = 0 and logabs = -inf
** for a singular A.  The 0x0 determinant is 1. */
int ty_la_det (const ty_mat *A, double det[2], double sign[2],
               double *logabs, void *work, size_t *worksize);

/* ---- factorizations -------------------------------------------------- */

/* P A = L U with partial pivoting, A m x n, k = min(m, n): L is m x k
** unit lower trapezoidal, U is k x n upper trapezoidal, and perm[i]
** (0-based) is the row of A that row i of P A comes from. */
int ty_la_lu (const ty_mat *A, ty_mat *L, ty_mat *U, size_t *perm,
              void *work, size_t *worksize);

/* A = Q R by Householder reflections, A m x n, k = min(m, n).  Full:
** Q m x m, R m x n.  Economy (econ != 0): Q m x k, R k x n. */
int ty_la_qr (const ty_mat *A, int econ, ty_mat *Q, ty_mat *R,
              void *work, size_t *worksize);

/* A = L L^H with L (n x n) lower triangular, from the lower triangle of
** A (the binding checks ty_la_ishermitian first); TY_LA_ENOTPD when A is
** not positive definite.  Needs no scratch memory. */
int ty_la_chol (const ty_mat *A, ty_mat *L);

/* Eigenvalues w (complex n x 1) and right eigenvectors V (complex n x n,
** unit 2-norm columns; NULL for values only) of A, or of the pencil
** A v = w B v when B is not NULL (ggev; infinite eigenvalues are inf,
** indeterminate ones NaN). */
int ty_la_eig (const ty_mat *A, const ty_mat *B, ty_mat *w, ty_mat *V,
               void *work, size_t *worksize);

/* Eigenvalues w (real n x 1, ascending) and orthonormal eigenvectors V
** (n x n, NULL for values only) of a symmetric/Hermitian A (syevd/heevd,
** lower triangle), or of A v = w B v with B positive definite when B is
** not NULL (sygvd/hegvd; V is then B-orthonormal). */
int ty_la_eigh (const ty_mat *A, const ty_mat *B, ty_mat *w, ty_mat *V,
                void *work, size_t *worksize);

/* A = U diag(s) V^H (gesdd), A m x n, k = min(m, n), s real k x 1
** descending.  Full: U m x m, V n x n.  Economy: U m x k, V n x k.
** U and V both NULL: singular values only. */
int ty_la_svd (const ty_mat *A, int econ, ty_mat *U, ty_mat *s, ty_mat *V,
               void *work, size_t *worksize);

/* A = Z T Z^H with Z unitary; T (n x n) upper triangular (complex) or
** quasi upper triangular with 2x2 blocks (real).  T and Z have the same
** cplx flag; a real A with complex T gives the complex Schur form. */
int ty_la_schur (const ty_mat *A, ty_mat *T, ty_mat *Z,
                 void *work, size_t *worksize);

/* Polar decomposition from the SVD, A m x n.  Right (left == 0): A = U P,
** U m x n with orthonormal columns (rows when m < n), P n x n Hermitian
** positive semidefinite.  Left: A = P U with P m x m. */
int ty_la_polar (const ty_mat *A, int left, ty_mat *U, ty_mat *P,
                 void *work, size_t *worksize);

/* ---- quantities from the SVD ------------------------------------------ */

/* the default tolerance of rank and pinv: max(m, n) * eps * s_max */
double ty_la_default_tol (size_t m, size_t n, double smax);

/* Number of singular values of A above tol (tol < 0: the default). */
int ty_la_rank (const ty_mat *A, double tol, size_t *rank,
                void *work, size_t *worksize);

/* 2-norm condition number s_max / s_min; HUGE_VAL when A is singular to
** working precision (s_min <= eps * s_max, so 0 and zero A too); 0 for an
** empty A. */
int ty_la_cond (const ty_mat *A, double *cond, void *work,
                size_t *worksize);

/* Moore-Penrose pseudo-inverse X (n x m) of A (m x n); singular values at
** most tol are treated as zero (tol < 0: the default). */
int ty_la_pinv (const ty_mat *A, double tol, ty_mat *X,
                void *work, size_t *worksize);

/* ---- matrix functions ------------------------------------------------- */

/* E = exp(A) for square A by scaling and squaring with a Pade
** approximant of degree 3, 5, 7, 9 or 13 (Higham, SIAM J. Matrix Anal.
** Appl. 26(4), 2005).  Returns TY_EINTR when Ctrl-C stops the squarings. */
int ty_la_expm (const ty_mat *A, ty_mat *E, void *work, size_t *worksize);

#endif

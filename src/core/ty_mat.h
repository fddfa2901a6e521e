/*
** ty_mat.h: the dense matrix, as core code sees it (no Lua here).
**
** A matrix is rows x cols, column-major, with double or double complex
** elements.  Complex elements are stored as interleaved (re, im) pairs, the
** layout of C99 double complex and of LAPACK's complex*16, so BLAS, LAPACK
** and FFTW take `data` directly.  A vector is an n x 1 matrix.
**
** The storage itself is owned by whoever created the header: in tycho that
** is always a Lua userdata (see ty_newmat in src/tycho.h), so the garbage
** collector accounts for it and an error never leaks it.
**
** Kernels below never allocate.  The caller creates every result with the
** right shape and kind first (the comments say which), and checks shapes.
** Kernels that can run long return 0, or TY_EINTR (ty_interrupt.h) when
** Ctrl-C stopped them; a result is then partly written.
*/
#ifndef TY_MAT_H
#define TY_MAT_H

#include <stddef.h>
#include <complex.h>

typedef struct ty_mat {
  size_t rows, cols;
  int cplx;              /* 0: double elements; 1: double complex */
  double *data;          /* rows*cols elements, column-major */
} ty_mat;

#define TY_NUMEL(A)     ((A)->rows * (A)->cols)
#define TY_ELSIZE(cplx) ((cplx) ? 2 * sizeof(double) : sizeof(double))
/* element (i, j), 0-based, of a real / complex matrix */
#define TY_RE(A, i, j)  ((A)->data[(size_t)(j) * (A)->rows + (i)])
#define TY_CX(A)        ((double complex *)(A)->data)

/* 1 when every element is finite (no NaN or Inf) */
int ty_mat_allfinite (const ty_mat *A);

/* Ask the system to back the storage of a large matrix with huge pages
** (fewer page faults when a big result is first written); a no-op for
** small matrices and on systems without the hint. */
void ty_mat_hugepages (ty_mat *A);
/* the same hint for any block of `bytes` at p (4 MB and more) */
void ty_hugepages (void *p, size_t bytes);

/* ---- elementwise arithmetic with broadcasting ------------------------- */

/* Two shapes broadcast when, in each dimension, they are equal or one of
** them is 1 (NumPy's rule for two dimensions; a 1x1 acts as a scalar).
** Returns 1 and the result shape in *m x *n, or 0 when they do not. */
int ty_mat_broadcast (const ty_mat *A, const ty_mat *B, size_t *m,
                      size_t *n);

enum { TY_ADD, TY_SUB, TY_MUL, TY_DIV, TY_POW };

/* C = A op B elementwise (op one of TY_ADD..TY_POW), A and B broadcast
** to the shape of C.  C is complex when A or B is (real operands are
** promoted on the fly).  Real pow of a negative base to a fractional
** power is NaN, as in C and NumPy. */
int ty_mat_binop (ty_mat *C, const ty_mat *A, const ty_mat *B, int op);

/* Elementwise functions of one matrix. */
enum {
  TY_NEG, TY_EXP, TY_LOG, TY_SQRT, TY_ABS, TY_SIN, TY_COS, TY_TAN, TY_TANH,
  TY_FLOOR, TY_CEIL, TY_SIGN, TY_REAL, TY_IMAG, TY_CONJ, TY_ANGLE
};

/* 1 when fn of a matrix of kind cplx is complex (abs, real, imag and
** angle of a complex matrix are real; everything of a real one is real). */
int ty_mat_unop_iscomplex (int fn, int cplx);

/* C = fn(A) elementwise; C has A's shape and the kind given above.
** Real log and sqrt of negative numbers are NaN.  On complex matrices
** floor and ceil act on each part and sign is z/|z| (0 for 0). */
int ty_mat_unop (ty_mat *C, const ty_mat *A, int fn);

/* ---- products ---------------------------------------------------------- */

/* C = A B for A m x k and B k x n of the same kind; C is m x n of that
** kind.  Every dimension must be at most INT_MAX (BLAS takes ints).
** Small products use a plain loop, others BLAS (an atomic call). */
void ty_mat_matmul (ty_mat *C, const ty_mat *A, const ty_mat *B);

/* d = sum conj(a_k) b_k over the elements of A and B taken as vectors
** (NumPy's vdot); A and B have the same number of elements, any kinds.
** d[0], d[1] are the real and imaginary parts. */
int ty_mat_dot (const ty_mat *A, const ty_mat *B, double d[2]);

/* t = the sum of the diagonal A(i, i), i < min(rows, cols) */
void ty_mat_trace (const ty_mat *A, double t[2]);

/* ---- reductions -------------------------------------------------------- */

/* s = the sum of all elements (pairwise summation); 0 when empty */
int ty_mat_sum (const ty_mat *A, double s[2]);

/* R = sums along dim: dim 1 sums each column (R is 1 x cols), dim 2 each
** row (R is rows x 1); R has A's kind. */
int ty_mat_sumdim (ty_mat *R, const ty_mat *A, int dim);

/* *idx = the 0-based linear index of the first largest (wantmax) or
** smallest element of the nonempty A; complex elements compare by modulus.
** NaN propagates as in NumPy: the first NaN wins. */
int ty_mat_argext (const ty_mat *A, int wantmax, size_t *idx);

/* V, Ix = extremes along dim (shapes as ty_mat_sumdim): V has A's kind,
** Ix is real and holds 1-based indices within each column (dim 1) or row
** (dim 2).  The dimension reduced must not be empty. */
int ty_mat_extdim (ty_mat *V, ty_mat *Ix, const ty_mat *A, int dim,
                   int wantmax);

/* ---- norms ------------------------------------------------------------- */

/* *r = the p-norm of the elements taken as one vector: p = 2 is
** overflow-safe, p = HUGE_VAL is the largest modulus, any other p > 0 is
** (sum |a|^p)^(1/p) with scaling.  0 for an empty matrix; NaN if any
** element is NaN. */
int ty_mat_vecnorm (const ty_mat *A, double p, double *r);

/* *r = the largest column sum of moduli (matrix 1-norm) */
int ty_mat_norm1 (const ty_mat *A, double *r);

/* *r = the largest row sum of moduli (matrix inf-norm); work holds rows
** doubles */
int ty_mat_norminf (const ty_mat *A, double *work, double *r);

/* The singular values of A (descending) into s, min(rows, cols) of them,
** by LAPACK's gesdd without vectors.  work holds a copy of A (rows*cols
** elements of A's kind).  A must be nonempty, finite, with dimensions at
** most INT_MAX.  Returns LAPACK's info: 0 on success, > 0 when the
** iteration did not converge. */
int ty_mat_svals (const ty_mat *A, double *work, double *s);

/* ---- comparisons ------------------------------------------------------- */

/* 1 when |a - b| <= atol + rtol |b| for every pair of elements (equal
** infinities are close, NaN is never close), else 0 (or TY_EINTR); A and
** B have the same shape, any kinds. */
int ty_mat_allclose (const ty_mat *A, const ty_mat *B, double rtol,
                     double atol);

/* ---- in place ---------------------------------------------------------- */

/* Y += alpha X, X broadcast to Y's shape (each dimension of X equals
** Y's or is 1).  A real Y needs a real X and alpha[1] == 0. */
int ty_mat_axpy (ty_mat *Y, const double alpha[2], const ty_mat *X);

/* A *= s (s[1] must be 0 for a real A) */
int ty_mat_scale (ty_mat *A, const double s[2]);

/* every element of A = v (v[1] ignored for a real A) */
void ty_mat_fill (ty_mat *A, const double v[2]);

/* D = S element by element; the same number of elements, and S real
** unless D is complex. */
void ty_mat_copyto (ty_mat *D, const ty_mat *S);

#endif

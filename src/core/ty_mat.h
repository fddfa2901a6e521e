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

#endif

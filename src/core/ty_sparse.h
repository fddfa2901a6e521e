/*
** ty_sparse.h: sparse matrices in compressed sparse row (CSR) form, as core
** code sees them (no Lua here).
**
** Layout
** ------
** An m x n matrix with nnz stored entries is four arrays, all 0-based,
** indexed with ty_sidx (int32_t):
**
**   row_ptr[0..m]     row i occupies positions row_ptr[i] .. row_ptr[i+1]-1;
**                     row_ptr[0] = 0 and row_ptr[m] = nnz
**   col_idx[0..nnz-1] the column of each stored entry; within a row the
**                     columns are strictly increasing (sorted, no duplicates)
**   val[0..nnz-1]     the value of each stored entry (real doubles only)
**   dpos[0..m-1]      for each row, the position of its first entry whose
**                     column is >= i (row_ptr[i+1] if none): the diagonal
**                     is stored iff dpos[i] < row_ptr[i+1] and
**                     col_idx[dpos[i]] == i.  Entries row_ptr[i]..dpos[i]-1
**                     are the strict lower triangle of the row, and the
**                     ones after the diagonal the strict upper triangle:
**                     what SOR, SSOR and IC(0) sweeps need.
**
** Every routine that produces a matrix leaves these invariants true, so a
** consumer never sorts or searches.  Stored entries may be explicit zeros
** (sparse.new keeps what it is given); nnz counts stored entries.
** Indices are 32-bit, like SciPy's and MKL's defaults: SpMV is bound by
** memory traffic, and 32-bit indices make it about 10% faster than 64-bit
** ones.  So rows, columns and nnz are each at most TY_SPARSE_MAXDIM
** (2^31 - 1; 24 GB of entries).
**
** Memory
** ------
** The header and the four arrays live in one block of ty_sparse_bytes(m, nnz)
** bytes, laid out by ty_sparse_layout.  In tycho that block is a Lua userdata
** (type TY_SPARSE_T, "tycho.sparse", whose block starts with the header), so
** a binding reads a sparse argument with
**     ty_sparse *S = (ty_sparse *)luaL_checkudata(L, arg, TY_SPARSE_T);
** Routines here never allocate: scratch space is passed in by the caller.
**
** Interrupts: routines whose run time grows with the data poll
** ty_interrupted() between blocks of rows and return TY_EINTR when set
** (the output is then incomplete); otherwise they return 0.
*/
#ifndef TY_SPARSE_H
#define TY_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ty_mat.h"

/* the index type of row pointers and column indices */
typedef int32_t ty_sidx;

/* the largest number of rows, of columns and of stored entries */
#define TY_SPARSE_MAXDIM ((size_t)INT32_MAX)

typedef struct ty_sparse {
  size_t rows, cols;
  size_t nnz;            /* stored entries */
  ty_sidx *row_ptr;      /* rows + 1 */
  ty_sidx *dpos;         /* rows: first position with column >= row */
  ty_sidx *col_idx;      /* nnz, sorted within each row */
  double *val;           /* nnz */
} ty_sparse;

/* the stored diagonal entry of row i, or 0 */
#define TY_SPARSE_DIAG(S, i) \
  (((S)->dpos[i] < (S)->row_ptr[(i) + 1] && \
    (size_t)(S)->col_idx[(S)->dpos[i]] == (size_t)(i)) \
   ? (S)->val[(S)->dpos[i]] : 0.0)

/* ---- storage ---------------------------------------------------------- */

/* Bytes of the block holding the header and arrays of a matrix with `rows`
** rows and nnz entries; 0 if that size overflows. */
size_t ty_sparse_bytes (size_t rows, size_t nnz);

/* Lay out a header at mem (ty_sparse_bytes(rows, nnz) bytes, any
** alignment; rows, cols and nnz at most TY_SPARSE_MAXDIM) and return it.
** row_ptr[0] is set to 0; the caller fills the arrays and then calls
** ty_sparse_finish.  Blocks of 4 MB or more get a huge-page hint. */
ty_sparse *ty_sparse_layout (void *mem, size_t rows, size_t cols, size_t nnz);

/* Compute dpos from row_ptr and col_idx. */
void ty_sparse_finish (ty_sparse *S);

/* 1 when the CSR invariants hold (sorted, in range, consistent sizes). */
int ty_sparse_check (const ty_sparse *S);

/* ---- building --------------------------------------------------------- */

/* Scratch for ty_sparse_triplets_sort, in elements. */
typedef struct ty_triplet_work {
  size_t *cnt;           /* cols + 1 */
  size_t *tmp_idx;       /* nt */
  double *tmp_val;       /* nt */
  size_t *row_ptr;       /* rows + 1 */
  ty_sidx *col;          /* nt */
  double *val;           /* nt */
} ty_triplet_work;

/* Sort the nt triplets (ri[k], cj[k], V[k]) (0-based, in range, V NULL means
** all ones) into CSR order in w->row_ptr, w->col, w->val, duplicates still
** present but adjacent.  Returns the number of distinct (i, j) pairs. */
size_t ty_sparse_triplets_sort (size_t rows, size_t cols, size_t nt,
                                const size_t *ri, const size_t *cj,
                                const double *V, ty_triplet_work *w);

/* Fill S (nnz = the count returned above) from the sorted triplets in w,
** summing duplicates. */
void ty_sparse_triplets_fill (ty_sparse *S, const ty_triplet_work *w);

/* Stored entries of dense A (real) with |a| > droptol. */
size_t ty_sparse_count_dense (const ty_mat *A, double droptol);

/* Fill S (sized by ty_sparse_count_dense) from A; S->row_ptr[1..rows] is
** used as a counter. */
void ty_sparse_from_dense (ty_sparse *S, const ty_mat *A, double droptol);

/* Stored entries of the Dirichlet Laplacian on an nx x ny x nz grid. */
size_t ty_sparse_laplacian_nnz (size_t nx, size_t ny, size_t nz);

/* Fill S (N = nx*ny*nz rows, nnz as above) with the 2*dims-point stencil:
** 2*dims on the diagonal, -1 for each grid neighbour, unknown
** p = i + nx*j + nx*ny*k (0-based, x fastest). */
void ty_sparse_laplacian (ty_sparse *S, size_t nx, size_t ny, size_t nz,
                          int dims);

/* ---- kernels ---------------------------------------------------------- */

/* T = A^T (T laid out as A->cols x A->rows with A->nnz entries); the rows
** of T come out sorted whatever the order within A's rows. */
void ty_sparse_transpose (const ty_sparse *A, ty_sparse *T);

/* Stored entries of the union of the patterns of A and B (same shape). */
size_t ty_sparse_add_nnz (const ty_sparse *A, const ty_sparse *B);

/* C = alpha A + beta B on the union pattern (C sized by ty_sparse_add_nnz). */
void ty_sparse_add (double alpha, const ty_sparse *A, double beta,
                    const ty_sparse *B, ty_sparse *C);

/* 1 when A and B are equal as matrices (absent entries count as 0). */
int ty_sparse_equal (const ty_sparse *A, const ty_sparse *B);

/* y = S x: x has S->cols elements, y S->rows; they must not overlap.
** Returns 0 or TY_EINTR. */
int ty_sparse_mv (const ty_sparse *S, const double *x, double *y);

/* r = b - S x (r may alias b but not x).  Returns 0 or TY_EINTR. */
int ty_sparse_resid (const ty_sparse *S, const double *x, const double *b,
                     double *r);

/* Y = S A for a dense S->cols x k matrix A (real or complex); Y is
** S->rows x k of A's kind.  Returns 0 or TY_EINTR. */
int ty_sparse_mm (const ty_sparse *S, const ty_mat *A, ty_mat *Y);

/* Y = A S for a dense p x S->rows matrix A (real or complex); Y is
** p x S->cols of A's kind.  Returns 0 or TY_EINTR. */
int ty_sparse_dm (const ty_mat *A, const ty_sparse *S, ty_mat *Y);

/* Stored entries of A B (symbolic product); mark has B->cols elements.
** Returns the count, or (size_t)-1 when interrupted. */
size_t ty_sparse_spgemm_nnz (const ty_sparse *A, const ty_sparse *B,
                             size_t *mark);

/* C = A B (C sized by ty_sparse_spgemm_nnz).  Scratch: mark (B->cols),
** acc (B->cols doubles), and a transposed copy: tmp (C->cols x C->rows
** with C->nnz entries, laid out by the caller).  Returns 0 or TY_EINTR. */
int ty_sparse_spgemm (const ty_sparse *A, const ty_sparse *B, ty_sparse *C,
                      size_t *mark, double *acc, ty_sparse *tmp);

/* Write the dense rows x cols (real) matrix of S into D. */
void ty_sparse_todense (const ty_sparse *S, ty_mat *D);

/* The stored value at (i, j) (0-based), 0 if absent (binary search). */
double ty_sparse_get (const ty_sparse *S, size_t i, size_t j);

/* d = diagonal k of S (length as for a dense matrix). */
void ty_sparse_diag (const ty_sparse *S, long k, double *d, size_t len);

/* Stored entries with |v| > tol. */
size_t ty_sparse_count_above (const ty_sparse *S, double tol);

/* Copy the entries of A with |v| > tol into C. */
void ty_sparse_drop (const ty_sparse *A, double tol, ty_sparse *C);

#endif

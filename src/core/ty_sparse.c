/*
** ty_sparse.c: compressed sparse row matrices (layout in ty_sparse.h).
** Building from triplets, dense and stencils; transpose, add, products
** with dense and sparse matrices; element and diagonal access.
*/
#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include "ty_sparse.h"
#include "ty_interrupt.h"
#include "ty_pool.h"

#define ALIGN 64
/* rows per block between two interrupt polls */
#define ROWBLOCK 32768
/* nonzeros from which a product with a vector uses the worker pool */
#define MV_PAR ((size_t)1 << 17)

/* ====================================================================== */
/* storage                                                                */
/* ====================================================================== */

/* n rounded up to a multiple of ALIGN, 0 on overflow */
static size_t round_up (size_t n) {
  if (n > SIZE_MAX - ALIGN) return 0;
  return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

size_t ty_sparse_bytes (size_t rows, size_t nnz) {
  size_t total = round_up(sizeof(ty_sparse)) + ALIGN, part;
  if (rows >= SIZE_MAX / 64 || nnz >= SIZE_MAX / 64) return 0;
  part = round_up((rows + 1) * sizeof(ty_sidx));     /* row_ptr */
  part += round_up(rows * sizeof(ty_sidx));          /* dpos */
  part += round_up(nnz * sizeof(double));            /* val */
  part += round_up(nnz * sizeof(ty_sidx));           /* col_idx */
  if (part > SIZE_MAX / 2 - total) return 0;
  return total + part;
}

/* Ask for transparent huge pages on a block of 4 MB or more, as NumPy
** does for its arrays: a product walks the arrays of a large matrix, and
** with 4 KB pages TLB misses cost it about 10%.  Only whole pages inside
** the block are advised; a no-op where madvise has no MADV_HUGEPAGE. */
static void advise_huge (void *mem, size_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t page = 4096;
  uintptr_t b = ((uintptr_t)mem + page - 1) & ~(page - 1);
  uintptr_t e = ((uintptr_t)mem + bytes) & ~(page - 1);
  if (bytes >= ((size_t)4 << 20) && e > b)
    (void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
  (void)mem; (void)bytes;
#endif
}

ty_sparse *ty_sparse_layout (void *mem, size_t rows, size_t cols,
                             size_t nnz) {
  ty_sparse *S = (ty_sparse *)mem;
  uintptr_t p = (uintptr_t)mem + sizeof(ty_sparse);
  advise_huge(mem, ty_sparse_bytes(rows, nnz));
  p = (p + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  S->rows = rows;
  S->cols = cols;
  S->nnz = nnz;
  S->row_ptr = (ty_sidx *)p;
  p += round_up((rows + 1) * sizeof(ty_sidx));
  S->dpos = (ty_sidx *)p;
  p += round_up(rows * sizeof(ty_sidx));
  S->val = (double *)p;
  p += round_up(nnz * sizeof(double));
  S->col_idx = (ty_sidx *)p;
  S->row_ptr[0] = 0;
  return S;
}

void ty_sparse_finish (ty_sparse *S) {
  size_t i;
  for (i = 0; i < S->rows; i++) {
    ty_sidx k = S->row_ptr[i], end = S->row_ptr[i + 1];
    while (k < end && (size_t)S->col_idx[k] < i) k++;
    S->dpos[i] = k;
  }
}

int ty_sparse_check (const ty_sparse *S) {
  size_t i, k;
  if (S->rows > TY_SPARSE_MAXDIM || S->cols > TY_SPARSE_MAXDIM ||
      S->nnz > TY_SPARSE_MAXDIM) return 0;
  if (S->row_ptr[0] != 0 || (size_t)S->row_ptr[S->rows] != S->nnz) return 0;
  for (i = 0; i < S->rows; i++) {
    size_t b, e;
    if (S->row_ptr[i + 1] < S->row_ptr[i] || S->dpos[i] < 0) return 0;
    b = (size_t)S->row_ptr[i];
    e = (size_t)S->row_ptr[i + 1];
    if (e > S->nnz) return 0;
    if ((size_t)S->dpos[i] < b || (size_t)S->dpos[i] > e) return 0;
    for (k = b; k < e; k++) {
      if (S->col_idx[k] < 0 || (size_t)S->col_idx[k] >= S->cols) return 0;
      if (k > b && S->col_idx[k] <= S->col_idx[k - 1]) return 0;
      if ((k < (size_t)S->dpos[i]) != ((size_t)S->col_idx[k] < i)) return 0;
    }
  }
  return 1;
}

/* ====================================================================== */
/* building                                                               */
/* ====================================================================== */

/* Two stable counting sorts: by column into (tmp_idx = row, tmp_val),
** then by row into (w->col, w->val), so each row ends up with increasing
** columns and equal (i, j) pairs adjacent. */
size_t ty_sparse_triplets_sort (size_t rows, size_t cols, size_t nt,
                                const size_t *ri, const size_t *cj,
                                const double *V, ty_triplet_work *w) {
  size_t *cnt = w->cnt, *rp = w->row_ptr, i, j, k, distinct = 0;
  memset(cnt, 0, (cols + 1) * sizeof(size_t));
  for (k = 0; k < nt; k++) cnt[cj[k] + 1]++;
  for (j = 0; j < cols; j++) cnt[j + 1] += cnt[j];
  for (k = 0; k < nt; k++) {           /* cnt[j]: next slot of column j */
    size_t p = cnt[cj[k]]++;
    w->tmp_idx[p] = ri[k];
    w->tmp_val[p] = V ? V[k] : 1.0;
  }
  /* now cnt[j] is the end of column j, the start of column j + 1 */
  memset(rp, 0, (rows + 1) * sizeof(size_t));
  for (k = 0; k < nt; k++) rp[w->tmp_idx[k] + 1]++;
  for (i = 0; i < rows; i++) rp[i + 1] += rp[i];
  for (j = 0, k = 0; j < cols; j++) {
    for (; k < cnt[j]; k++) {
      size_t r = w->tmp_idx[k], p = rp[r]++;
      w->col[p] = (ty_sidx)j;
      w->val[p] = w->tmp_val[k];
    }
  }
  /* rp[i] is now the end of row i: shift back to starts */
  for (i = rows; i > 0; i--) rp[i] = rp[i - 1];
  rp[0] = 0;
  for (i = 0; i < rows; i++)
    for (k = rp[i]; k < rp[i + 1]; k++)
      if (k == rp[i] || w->col[k] != w->col[k - 1]) distinct++;
  return distinct;
}

void ty_sparse_triplets_fill (ty_sparse *S, const ty_triplet_work *w) {
  size_t i, k, p = 0;
  for (i = 0; i < S->rows; i++) {
    S->row_ptr[i] = (ty_sidx)p;
    for (k = w->row_ptr[i]; k < w->row_ptr[i + 1]; k++) {
      if (k > w->row_ptr[i] && w->col[k] == w->col[k - 1])
        S->val[p - 1] += w->val[k];
      else {
        S->col_idx[p] = w->col[k];
        S->val[p] = w->val[k];
        p++;
      }
    }
  }
  S->row_ptr[S->rows] = (ty_sidx)p;
  ty_sparse_finish(S);
}

size_t ty_sparse_count_dense (const ty_mat *A, double droptol) {
  size_t k, n = TY_NUMEL(A), count = 0;
  for (k = 0; k < n; k++) count += fabs(A->data[k]) > droptol;
  return count;
}

/* Column by column (contiguous reads): count per row, then place. */
void ty_sparse_from_dense (ty_sparse *S, const ty_mat *A, double droptol) {
  size_t m = A->rows, n = A->cols, i, j;
  ty_sidx *rp = S->row_ptr, *next = S->dpos;
  memset(rp, 0, (m + 1) * sizeof(ty_sidx));
  for (j = 0; j < n; j++) {
    const double *a = A->data + j * m;
    for (i = 0; i < m; i++) rp[i + 1] += fabs(a[i]) > droptol;
  }
  for (i = 0; i < m; i++) {
    rp[i + 1] += rp[i];
    next[i] = rp[i];
  }
  for (j = 0; j < n; j++) {
    const double *a = A->data + j * m;
    for (i = 0; i < m; i++)
      if (fabs(a[i]) > droptol) {
        ty_sidx p = next[i]++;
        S->col_idx[p] = (ty_sidx)j;
        S->val[p] = a[i];
      }
  }
  ty_sparse_finish(S);
}

size_t ty_sparse_laplacian_nnz (size_t nx, size_t ny, size_t nz) {
  size_t N = nx * ny * nz, off = 0;
  if (N == 0) return 0;
  off += 2 * (nx - 1) * ny * nz;
  off += 2 * nx * (ny - 1) * nz;
  off += 2 * nx * ny * (nz - 1);
  return N + off;
}

void ty_sparse_laplacian (ty_sparse *S, size_t nx, size_t ny, size_t nz,
                          int dims) {
  size_t i, j, k, p = 0, plane = nx * ny;
  ty_sidx pos = 0, *ci = S->col_idx;
  double *v = S->val, center = 2.0 * dims;
  for (k = 0; k < nz; k++)
    for (j = 0; j < ny; j++)
      for (i = 0; i < nx; i++, p++) {
        S->row_ptr[p] = pos;
        if (k > 0) { ci[pos] = (ty_sidx)(p - plane); v[pos++] = -1.0; }
        if (j > 0) { ci[pos] = (ty_sidx)(p - nx); v[pos++] = -1.0; }
        if (i > 0) { ci[pos] = (ty_sidx)(p - 1); v[pos++] = -1.0; }
        S->dpos[p] = pos;
        ci[pos] = (ty_sidx)p; v[pos++] = center;
        if (i + 1 < nx) { ci[pos] = (ty_sidx)(p + 1); v[pos++] = -1.0; }
        if (j + 1 < ny) { ci[pos] = (ty_sidx)(p + nx); v[pos++] = -1.0; }
        if (k + 1 < nz) { ci[pos] = (ty_sidx)(p + plane); v[pos++] = -1.0; }
      }
  S->row_ptr[p] = pos;
}

/* ====================================================================== */
/* transpose, sum, comparison                                             */
/* ====================================================================== */

/* Counting sort by column; T->dpos serves as the per-row cursor until
** ty_sparse_finish recomputes it. */
void ty_sparse_transpose (const ty_sparse *A, ty_sparse *T) {
  size_t m = A->rows, n = A->cols, i, j, k;
  ty_sidx *rp = T->row_ptr, *next = T->dpos, t;
  memset(rp, 0, (n + 1) * sizeof(ty_sidx));
  for (k = 0; k < A->nnz; k++) rp[A->col_idx[k] + 1]++;
  for (j = 0; j < n; j++) {
    rp[j + 1] += rp[j];
    next[j] = rp[j];
  }
  for (i = 0; i < m; i++)
    for (t = A->row_ptr[i]; t < A->row_ptr[i + 1]; t++) {
      ty_sidx p = next[A->col_idx[t]]++;
      T->col_idx[p] = (ty_sidx)i;
      T->val[p] = A->val[t];
    }
  ty_sparse_finish(T);
}

size_t ty_sparse_add_nnz (const ty_sparse *A, const ty_sparse *B) {
  size_t i, count = 0;
  for (i = 0; i < A->rows; i++) {
    ty_sidx a = A->row_ptr[i], ae = A->row_ptr[i + 1];
    ty_sidx b = B->row_ptr[i], be = B->row_ptr[i + 1];
    while (a < ae && b < be) {
      ty_sidx ca = A->col_idx[a], cb = B->col_idx[b];
      a += ca <= cb;
      b += cb <= ca;
      count++;
    }
    count += (size_t)(ae - a) + (size_t)(be - b);
  }
  return count;
}

void ty_sparse_add (double alpha, const ty_sparse *A, double beta,
                    const ty_sparse *B, ty_sparse *C) {
  size_t i;
  ty_sidx p = 0;
  for (i = 0; i < A->rows; i++) {
    ty_sidx a = A->row_ptr[i], ae = A->row_ptr[i + 1];
    ty_sidx b = B->row_ptr[i], be = B->row_ptr[i + 1];
    C->row_ptr[i] = p;
    while (a < ae || b < be) {
      ty_sidx ca = (a < ae) ? A->col_idx[a] : INT32_MAX;
      ty_sidx cb = (b < be) ? B->col_idx[b] : INT32_MAX;
      if (ca < cb) {
        C->col_idx[p] = ca; C->val[p++] = alpha * A->val[a++];
      }
      else if (cb < ca) {
        C->col_idx[p] = cb; C->val[p++] = beta * B->val[b++];
      }
      else {
        C->col_idx[p] = ca;
        C->val[p++] = alpha * A->val[a++] + beta * B->val[b++];
      }
    }
  }
  C->row_ptr[A->rows] = p;
  ty_sparse_finish(C);
}

int ty_sparse_equal (const ty_sparse *A, const ty_sparse *B) {
  size_t i;
  if (A->rows != B->rows || A->cols != B->cols) return 0;
  for (i = 0; i < A->rows; i++) {
    ty_sidx a = A->row_ptr[i], ae = A->row_ptr[i + 1];
    ty_sidx b = B->row_ptr[i], be = B->row_ptr[i + 1];
    while (a < ae || b < be) {
      ty_sidx ca = (a < ae) ? A->col_idx[a] : INT32_MAX;
      ty_sidx cb = (b < be) ? B->col_idx[b] : INT32_MAX;
      double va = 0.0, vb = 0.0;
      if (ca <= cb) va = A->val[a++];
      if (cb <= ca) vb = B->val[b++];
      if (va != vb) return 0;
    }
  }
  return 1;
}

/* ====================================================================== */
/* products with dense matrices                                           */
/* ====================================================================== */

/* y[r0..r1) = (S x)[r0..r1): the SpMV inner loop */
static void mv_rows (const ty_sidx *restrict rp, const ty_sidx *restrict ci,
                     const double *restrict v, const double *restrict x,
                     double *restrict y, size_t r0, size_t r1) {
  size_t i;
  for (i = r0; i < r1; i++) {
    double s = 0.0;
    ty_sidx k, e = rp[i + 1];
    for (k = rp[i]; k < e; k++) s += v[k] * x[ci[k]];
    y[i] = s;
  }
}

/* y = S x: the one-column case of ty_sparse_mm */
int ty_sparse_mv (const ty_sparse *S, const double *x, double *y) {
  ty_mat X, Y;
  X.rows = S->cols;
  X.cols = 1;
  X.cplx = 0;
  X.data = (double *)x;
  Y.rows = S->rows;
  Y.cols = 1;
  Y.cplx = 0;
  Y.data = y;
  return ty_sparse_mm(S, &X, &Y);
}

/* r[r0..r1) = b - S x over a block of rows; r may be b */
static void resid_rows (const ty_sidx *restrict rp,
                        const ty_sidx *restrict ci,
                        const double *restrict v, const double *restrict x,
                        const double *b, double *r, size_t r0, size_t r1) {
  size_t i;
  for (i = r0; i < r1; i++) {
    double s = 0.0;
    ty_sidx k, e = rp[i + 1];
    for (k = rp[i]; k < e; k++) s += v[k] * x[ci[k]];
    r[i] = b[i] - s;
  }
}

int ty_sparse_resid (const ty_sparse *S, const double *x, const double *b,
                     double *r) {
  size_t r0;
  for (r0 = 0; r0 < S->rows; r0 += ROWBLOCK) {
    size_t r1 = (S->rows - r0 > ROWBLOCK) ? r0 + ROWBLOCK : S->rows;
    resid_rows(S->row_ptr, S->col_idx, S->val, x, b, r, r0, r1);
    if (ty_interrupted()) return TY_EINTR;
  }
  return 0;
}

/* Four columns of Y = S A at once (one pass over S for four vectors). */
static void mm4_rows (const ty_sparse *S, const double *restrict a,
                      size_t lda, double *restrict y, size_t ldy,
                      size_t r0, size_t r1) {
  const ty_sidx *restrict rp = S->row_ptr;
  const ty_sidx *restrict ci = S->col_idx;
  const double *restrict v = S->val;
  const double *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
  size_t i;
  ty_sidx k;
  for (i = r0; i < r1; i++) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (k = rp[i]; k < rp[i + 1]; k++) {
      size_t j = (size_t)ci[k];
      double w = v[k];
      s0 += w * a0[j]; s1 += w * a1[j]; s2 += w * a2[j]; s3 += w * a3[j];
    }
    y[i] = s0; y[i + ldy] = s1; y[i + 2 * ldy] = s2; y[i + 3 * ldy] = s3;
  }
}

/* One complex column: interleaved (re, im) x and y. */
static void mvc_rows (const ty_sparse *S, const double *restrict x,
                      double *restrict y, size_t r0, size_t r1) {
  const ty_sidx *restrict rp = S->row_ptr;
  const ty_sidx *restrict ci = S->col_idx;
  const double *restrict v = S->val;
  size_t i;
  ty_sidx k;
  for (i = r0; i < r1; i++) {
    double sr = 0.0, si = 0.0;
    for (k = rp[i]; k < rp[i + 1]; k++) {
      size_t j = (size_t)ci[k];
      sr += v[k] * x[2 * j];
      si += v[k] * x[2 * j + 1];
    }
    y[2 * i] = sr;
    y[2 * i + 1] = si;
  }
}

typedef struct mm_job {
  const ty_sparse *S;
  const ty_mat *A;
  ty_mat *Y;
} mm_job;

/* rows lo..hi of Y = S A, every column, in blocks between looks at the
** interrupt flag */
static void mm_work (void *arg, size_t lo, size_t hi, int tid) {
  const mm_job *j = (const mm_job *)arg;
  const ty_sparse *S = j->S;
  size_t m = S->rows, n = S->cols, k = j->A->cols, c, r0;
  const double *a = j->A->data;
  double *y = j->Y->data;
  (void)tid;
  for (r0 = lo; r0 < hi; r0 += ROWBLOCK) {
    size_t r1 = hi - r0 > ROWBLOCK ? r0 + ROWBLOCK : hi;
    if (j->A->cplx)
      for (c = 0; c < k; c++)
        mvc_rows(S, a + 2 * n * c, y + 2 * m * c, r0, r1);
    else {
      for (c = 0; c + 4 <= k; c += 4)
        mm4_rows(S, a + n * c, n, y + m * c, m, r0, r1);
      for (; c < k; c++)
        mv_rows(S->row_ptr, S->col_idx, S->val, a + n * c, y + m * c, r0,
                r1);
    }
    if (ty_interrupted()) return;
  }
}

/* Y = S A; shared among the worker pool's threads by rows when there are
** MV_PAR products or more (each element is summed as on one thread) */
int ty_sparse_mm (const ty_sparse *S, const ty_mat *A, ty_mat *Y) {
  mm_job j;
  size_t nnz = S->rows > 0 ? (size_t)S->row_ptr[S->rows] : 0;
  j.S = S;
  j.A = A;
  j.Y = Y;
  ty_par_for(nnz * A->cols >= MV_PAR ? ty_pool_cpus() : 1, S->rows, mm_work,
             &j);
  return ty_interrupted() ? TY_EINTR : 0;
}

/* Y = A S by columns: for each entry (i, j, v) of S, Y(:, j) += v A(:, i).
** A complex matrix is a real one with twice the rows here, since v is
** real. */
int ty_sparse_dm (const ty_mat *A, const ty_sparse *S, ty_mat *Y) {
  size_t p = A->rows * (A->cplx ? 2 : 1), i, t;
  ty_sidx k;
  memset(Y->data, 0, TY_NUMEL(Y) * TY_ELSIZE(Y->cplx));
  for (i = 0; i < S->rows; i++) {
    const double *restrict a = A->data + p * i;
    for (k = S->row_ptr[i]; k < S->row_ptr[i + 1]; k++) {
      double *restrict y = Y->data + p * (size_t)S->col_idx[k];
      double w = S->val[k];
      for (t = 0; t < p; t++) y[t] += w * a[t];
    }
    if ((i & (ROWBLOCK - 1)) == ROWBLOCK - 1 && ty_interrupted())
      return TY_EINTR;
  }
  return 0;
}

/* ====================================================================== */
/* sparse times sparse (Gustavson)                                        */
/* ====================================================================== */

size_t ty_sparse_spgemm_nnz (const ty_sparse *A, const ty_sparse *B,
                             size_t *mark) {
  size_t i, count = 0;
  ty_sidx ka, kb;
  for (i = 0; i < B->cols; i++) mark[i] = SIZE_MAX;
  for (i = 0; i < A->rows; i++) {
    for (ka = A->row_ptr[i]; ka < A->row_ptr[i + 1]; ka++) {
      size_t r = (size_t)A->col_idx[ka];
      for (kb = B->row_ptr[r]; kb < B->row_ptr[r + 1]; kb++) {
        size_t j = (size_t)B->col_idx[kb];
        if (mark[j] != i) { mark[j] = i; count++; }
      }
    }
    if ((i & 1023) == 1023 && ty_interrupted()) return SIZE_MAX;
  }
  return count;
}

/* Rows of C come out of the accumulation unsorted; transposing twice
** (two counting sorts) sorts them in linear time. */
int ty_sparse_spgemm (const ty_sparse *A, const ty_sparse *B, ty_sparse *C,
                      size_t *mark, double *acc, ty_sparse *tmp) {
  size_t i;
  ty_sidx ka, kb, p = 0;
  for (i = 0; i < B->cols; i++) mark[i] = SIZE_MAX;
  for (i = 0; i < A->rows; i++) {
    ty_sidx start = p;
    C->row_ptr[i] = p;
    for (ka = A->row_ptr[i]; ka < A->row_ptr[i + 1]; ka++) {
      size_t r = (size_t)A->col_idx[ka];
      double w = A->val[ka];
      for (kb = B->row_ptr[r]; kb < B->row_ptr[r + 1]; kb++) {
        size_t j = (size_t)B->col_idx[kb];
        if (mark[j] != i) {
          mark[j] = i;
          acc[j] = w * B->val[kb];
          C->col_idx[p++] = (ty_sidx)j;
        }
        else acc[j] += w * B->val[kb];
      }
    }
    for (ka = start; ka < p; ka++) C->val[ka] = acc[C->col_idx[ka]];
    if ((i & 1023) == 1023 && ty_interrupted()) return TY_EINTR;
  }
  C->row_ptr[A->rows] = p;
  ty_sparse_transpose(C, tmp);
  ty_sparse_transpose(tmp, C);
  return 0;
}

/* ====================================================================== */
/* conversions and access                                                 */
/* ====================================================================== */

void ty_sparse_todense (const ty_sparse *S, ty_mat *D) {
  size_t i, m = S->rows;
  ty_sidx k;
  memset(D->data, 0, TY_NUMEL(D) * sizeof(double));
  for (i = 0; i < m; i++)
    for (k = S->row_ptr[i]; k < S->row_ptr[i + 1]; k++)
      D->data[(size_t)S->col_idx[k] * m + i] = S->val[k];
}

double ty_sparse_get (const ty_sparse *S, size_t i, size_t j) {
  ty_sidx lo = S->row_ptr[i], hi = S->row_ptr[i + 1];
  while (lo < hi) {                    /* first position with col >= j */
    ty_sidx mid = lo + (hi - lo) / 2;
    if ((size_t)S->col_idx[mid] < j) lo = mid + 1;
    else hi = mid;
  }
  return (lo < S->row_ptr[i + 1] && (size_t)S->col_idx[lo] == j)
         ? S->val[lo] : 0.0;
}

void ty_sparse_diag (const ty_sparse *S, long k, double *d, size_t len) {
  size_t t;
  if (k == 0) {
    for (t = 0; t < len; t++) d[t] = TY_SPARSE_DIAG(S, t);
    return;
  }
  for (t = 0; t < len; t++) {
    size_t r = (k < 0) ? t + (size_t)(-k) : t;
    size_t c = (k > 0) ? t + (size_t)k : t;
    d[t] = ty_sparse_get(S, r, c);
  }
}

size_t ty_sparse_count_above (const ty_sparse *S, double tol) {
  size_t k, count = 0;
  for (k = 0; k < S->nnz; k++) count += fabs(S->val[k]) > tol;
  return count;
}

void ty_sparse_drop (const ty_sparse *A, double tol, ty_sparse *C) {
  size_t i;
  ty_sidx k, p = 0;
  for (i = 0; i < A->rows; i++) {
    C->row_ptr[i] = p;
    for (k = A->row_ptr[i]; k < A->row_ptr[i + 1]; k++)
      if (fabs(A->val[k]) > tol) {
        C->col_idx[p] = A->col_idx[k];
        C->val[p++] = A->val[k];
      }
  }
  C->row_ptr[A->rows] = p;
  ty_sparse_finish(C);
}

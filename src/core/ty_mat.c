/*
** ty_mat.c: dense matrix kernels with no Lua (see ty_mat.h).
*/
#include "ty_mat.h"

int ty_mat_allfinite (const ty_mat *A) {
  size_t k, n = TY_NUMEL(A) * (A->cplx ? 2 : 1);
  double acc = 0.0;
  for (k = 0; k < n; k++) acc += A->data[k] * 0.0;  /* NaN iff any non-finite */
  return acc == 0.0;
}


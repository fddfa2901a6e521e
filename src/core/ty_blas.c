/* ty_blas.c: placeholder (being written). */
#include "ty_blas.h"
typedef int ty_blas_placeholder;

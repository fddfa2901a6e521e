/* ty_blas.h: placeholder (being written). */
#ifndef TY_BLAS_H
#define TY_BLAS_H
#endif

/* ty_sparse.h: placeholder (being written). */
#ifndef TY_SPARSE_H
#define TY_SPARSE_H
#endif

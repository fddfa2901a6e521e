/* ty_sparse.c: placeholder (being written). */
#include "ty_sparse.h"
typedef int ty_sparse_placeholder;

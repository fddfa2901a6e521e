/* ty_sinkhorn.c: placeholder (being written). */
#include "ty_sinkhorn.h"
typedef int ty_sinkhorn_placeholder;

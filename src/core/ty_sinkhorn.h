/* ty_sinkhorn.h: placeholder (being written). */
#ifndef TY_SINKHORN_H
#define TY_SINKHORN_H
#endif

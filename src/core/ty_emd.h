/*
** ty_emd.h: exact optimal transport, the transportation problem solved by
** the network simplex (no Lua here).
**
**   minimise sum C_ij x_ij  s.t.  x 1 = a,  x^T 1 = b,  x >= 0
**
** The bipartite network simplex (the transportation or MODI method of
** Ahuja, Magnanti and Orlin, ch. 11): a north-west-corner spanning tree to
** start, block-search pricing over the n m cells, the strongly feasible
** leaving rule against cycling on degenerate (e.g. assignment) problems,
** and a tree kept as parent pointers plus a preorder thread, so a pivot
** costs the length of its cycle plus the size of the subtree it moves.
*/
#ifndef TY_EMD_H
#define TY_EMD_H

#include <stddef.h>

typedef struct ty_emd_info {
  size_t pivots;          /* simplex pivots done */
  int converged;          /* 1: optimal; 0: stopped at maxiter */
  double cost;            /* sum C x */
  double time;            /* seconds */
} ty_emd_info;

/* bytes of work ty_emd needs (0 if the size overflows) */
size_t ty_emd_worksize (size_t n, size_t m);

/* the default limit on pivots for an n x m problem */
size_t ty_emd_default_maxiter (size_t n, size_t m);

/* Solve for the plan P (n x m, column-major, written densely), duals u
** (n) and v (m) with u_i + v_j <= C_ij (equality on the plan's support),
** centred so that <a,u> = <b,v> (POT's center_dual).  a and b are
** nonnegative with positive sums; b is rescaled to the mass of a.  C is
** finite.  work: ty_emd_worksize bytes.  Returns 0 (also at maxiter,
** with info->converged = 0) or TY_EINTR. */
int ty_emd (size_t n, size_t m, const double *a, const double *b,
            const double *C, size_t maxiter, double *P, double *u,
            double *v, void *work, ty_emd_info *info);

#endif

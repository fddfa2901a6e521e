/*
** ty_emd.c: exact optimal transport by the bipartite network simplex.
**
** Nodes 0..n-1 are the sources (rows), n..n+m-1 the sinks (columns); the
** cell (i, j) is the arc i -> n+j, numbered j n + i, its index in the
** column-major C.  A basis is a spanning tree of n + m - 1 cells rooted at
** source 0.  For every node x other than the root the tree keeps
**   parent[x], pred[x] (the cell joining x to its parent), flow[x] (the
**   flow on that cell), succ[x] (the size of x's subtree),
**   thread[x] / rev[x] (next and previous node in a preorder walk, which
**   is circular through the root),
** and every node has a potential pot[x] with pot[i] + pot[n+j] = C_ij on
** tree cells, so the reduced cost of a cell is C_ij - pot[i] - pot[n+j].
**
** A pivot brings in a cell of negative reduced cost.  It closes a cycle
** through the tree's join node (the lowest common ancestor of its ends);
** the flow theta is pushed round it and a cell whose flow drops to theta
** = its minimum leaves, chosen by the strongly feasible rule.  Removing
** the leaving cell cuts off the subtree T below it; T is re-rooted at the
** entering cell's end inside it and hung from the other end.  Re-rooting
** reverses the parent links along the stem (the path from that end up to
** the top of T); T's new preorder is its old one cut at the stem nodes,
** which is written to a buffer and spliced back into the thread.
** Potentials in T change by the entering cell's reduced cost.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ty_emd.h"
#include "ty_interrupt.h"

typedef int32_t node;

typedef struct tree {
  size_t n, m;
  const double *C;
  node *parent, *thread, *rev, *succ;
  node *A, *B, *pos, *stem;     /* scratch, n + m each */
  int64_t *pred;
  double *flow, *pot;
} tree;

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

size_t ty_emd_worksize (size_t n, size_t m) {
  size_t N = n + m;
  if (N < n || N > (size_t)INT32_MAX - 2) return 0;
  return 8 * ALIGN8(N * sizeof(node)) + 4 * N * sizeof(double) +
         N * sizeof(int64_t) + 256;
}

size_t ty_emd_default_maxiter (size_t n, size_t m) {
  size_t k = 100 * (n + m);
  return k > 100000 ? k : 100000;
}

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the cost of the cell joining node x to its parent */
#define CELLCOST(t, x) ((t)->C[(t)->pred[x]])

/* Recompute every potential from the tree, walking the preorder from the
** root (a parent comes before its children). */
static void repot (tree *t) {
  node x = t->thread[0];
  t->pot[0] = 0.0;
  while (x != 0) {
    t->pot[x] = CELLCOST(t, x) - t->pot[t->parent[x]];
    x = t->thread[x];
  }
}

/* The north-west-corner basis: walk the cells from (0, 0), putting
** min(remaining a_i, remaining b_j) on each; go down when the row is
** used up (also when both are: the next cell then carries 0, pointing
** toward the root, which makes the tree strongly feasible), else right.
** Each cell adds one node, in preorder. */
static void nw_corner (tree *t, double *ra, double *rb) {
  size_t n = t->n, m = t->m, i = 0, j = 0, k, N = n + m;
  node x, *order = t->A;
  t->parent[0] = -1;
  t->pred[0] = -1;
  t->flow[0] = 0.0;
  order[0] = 0;
  k = 1;
  x = (node)n;                  /* cell (0, 0) brings column 0 */
  t->parent[x] = 0;
  for (;;) {
    double q = ra[i] < rb[j] ? ra[i] : rb[j];
    t->pred[x] = (int64_t)(j * n + i);
    t->flow[x] = q;
    order[k++] = x;
    ra[i] -= q;
    rb[j] -= q;
    if (i == n - 1 && j == m - 1) break;
    if (j == m - 1 || (i < n - 1 && ra[i] <= 0.0)) {
      i++;                      /* down: row i joins under column j */
      x = (node)i;
      t->parent[x] = (node)(n + j);
    }
    else {
      j++;                      /* right: column j joins under row i */
      x = (node)(n + j);
      t->parent[x] = (node)i;
    }
  }
  for (k = 0; k < N; k++) {
    node y = order[k], z = order[(k + 1) % N];
    t->thread[y] = z;
    t->rev[z] = y;
    t->succ[y] = 1;
  }
  for (k = N - 1; k > 0; k--) t->succ[t->parent[order[k]]] += t->succ[order[k]];
  repot(t);
}

/* 1 when cell e is in the tree */
static int in_tree (const tree *t, int64_t e) {
  size_t n = t->n;
  node i = (node)(e % (int64_t)n), jn = (node)(n + (size_t)(e / (int64_t)n));
  return (t->parent[i] == jn && t->pred[i] == e) ||
         (t->parent[jn] == i && t->pred[jn] == e);
}

/* Block search: scan the cells cyclically from *next in blocks of bs and
** return the most negative reduced cost (below -tol) of the first block
** that has one, or -1 after a full pass without one. */
static int64_t price (const tree *t, int64_t *next, size_t bs, double tol,
                      double *dmin) {
  size_t n = t->n, nm = t->n * t->m, rem = nm, cnt = bs;
  int64_t a = *next, best = -1;
  double mn = -tol;
  const double *pu = t->pot, *pv = t->pot + n;
  while (rem > 0) {
    size_t i = (size_t)a % n, j = (size_t)a / n, len = n - i, k;
    const double *c = t->C + a, *u = pu + i;
    double vj = pv[j];
    if (len > rem) len = rem;
    if (len > cnt) len = cnt;
    for (k = 0; k < len; k++) {
      double d = c[k] - u[k] - vj;
      if (d < mn && !in_tree(t, a + (int64_t)k)) {
        mn = d;
        best = a + (int64_t)k;
      }
    }
    a += (int64_t)len;
    if ((size_t)a == nm) a = 0;
    rem -= len;
    cnt -= len;
    if (cnt == 0) {
      if (best >= 0) break;
      cnt = bs;
    }
  }
  *next = a;
  *dmin = mn;
  return best;
}

/* One pivot on entering cell e with reduced cost d < 0. */
static void pivot (tree *t, int64_t e, double d) {
  size_t n = t->n;
  node p = (node)(e % (int64_t)n), q = (node)(n + (size_t)(e / (int64_t)n));
  node x, join, u_out = -1, u_in, v_in, v_out, s, K, k, *A = t->A, *B = t->B;
  double theta = HUGE_VAL;
  int side = 0;
  /* the join node: climb from the smaller subtree */
  x = p;
  join = q;
  while (x != join) {
    if (t->succ[x] < t->succ[join]) x = t->parent[x];
    else join = t->parent[join];
  }
  /* leaving cell: on p's side the flow falls on source nodes' cells, on
  ** q's side on sink nodes' cells; ties go to the last one met along the
  ** cycle's orientation (strongly feasible) */
  for (x = p; x != join; x = t->parent[x])
    if ((size_t)x < n && t->flow[x] < theta) {
      theta = t->flow[x];
      u_out = x;
      side = 1;
    }
  for (x = q; x != join; x = t->parent[x])
    if ((size_t)x >= n && t->flow[x] <= theta) {
      theta = t->flow[x];
      u_out = x;
      side = 2;
    }
  if (theta > 0.0) {
    for (x = p; x != join; x = t->parent[x])
      t->flow[x] += (size_t)x < n ? -theta : theta;
    for (x = q; x != join; x = t->parent[x])
      t->flow[x] += (size_t)x < n ? theta : -theta;
  }
  u_in = side == 1 ? p : q;
  v_in = side == 1 ? q : p;
  v_out = t->parent[u_out];
  s = t->succ[u_out];
  /* sizes along both paths to the join */
  for (x = v_out; x != join; x = t->parent[x]) t->succ[x] -= s;
  for (x = v_in; x != join; x = t->parent[x]) t->succ[x] += s;
  /* the stem, and T's old preorder */
  K = 0;
  t->stem[0] = u_in;
  while (t->stem[K] != u_out) {
    t->stem[K + 1] = t->parent[t->stem[K]];
    K++;
  }
  x = u_out;
  for (k = 0; k < s; k++) {
    A[k] = x;
    t->pos[x] = k;
    x = t->thread[x];
  }
  /* T's new preorder: u_in's old subtree, then each stem node's old
  ** subtree without the part already written */
  {
    node y = t->stem[0], b = 0, lo, hi;
    memcpy(B, A + t->pos[y], (size_t)t->succ[y] * sizeof(node));
    b = t->succ[y];
    for (k = 1; k <= K; k++) {
      node z = t->stem[k];
      y = t->stem[k - 1];
      lo = t->pos[z];
      hi = t->pos[y];
      memcpy(B + b, A + lo, (size_t)(hi - lo) * sizeof(node));
      b += hi - lo;
      lo = t->pos[y] + t->succ[y];
      hi = t->pos[z] + t->succ[z];
      memcpy(B + b, A + lo, (size_t)(hi - lo) * sizeof(node));
      b += hi - lo;
    }
  }
  /* splice: take T out of the thread, put it back after v_in */
  {
    node before = t->rev[u_out], after = t->thread[A[s - 1]];
    t->thread[before] = after;
    t->rev[after] = before;
    after = t->thread[v_in];
    t->thread[v_in] = B[0];
    t->rev[B[0]] = v_in;
    for (k = 0; k + 1 < s; k++) {
      t->thread[B[k]] = B[k + 1];
      t->rev[B[k + 1]] = B[k];
    }
    t->thread[B[s - 1]] = after;
    t->rev[after] = B[s - 1];
  }
  /* reverse the stem: each stem node takes the cell, flow and parent of
  ** the one below it */
  for (k = K; k >= 1; k--) {
    node z = t->stem[k], y = t->stem[k - 1];
    t->parent[z] = y;
    t->pred[z] = t->pred[y];
    t->flow[z] = t->flow[y];
    t->succ[z] = s - t->succ[y];
  }
  t->parent[u_in] = v_in;
  t->pred[u_in] = e;
  t->flow[u_in] = theta;
  t->succ[u_in] = s;
  /* potentials in T: the entering cell gets reduced cost 0 */
  for (k = 0; k < s; k++) {
    x = B[k];
    t->pot[x] += (((size_t)x < n) == ((size_t)u_in < n)) ? d : -d;
  }
}

int ty_emd (size_t n, size_t m, const double *a, const double *b,
            const double *C, size_t maxiter, double *P, double *u,
            double *v, void *work, ty_emd_info *info) {
  tree t;
  size_t N = n + m, nm = n * m, i, j, bs;
  char *w = (char *)(((uintptr_t)work + 63) & ~(uintptr_t)63);
  double sa = 0.0, sb = 0.0, cmax = 0.0, tol, t0 = now(), cost = 0.0;
  double *ra, *rb, kappa;
  int64_t next = 0;
  memset(info, 0, sizeof *info);
  t.n = n;
  t.m = m;
  t.C = C;
  t.parent = (node *)w; w += ALIGN8(N * sizeof(node));
  t.thread = (node *)w; w += ALIGN8(N * sizeof(node));
  t.rev = (node *)w;    w += ALIGN8(N * sizeof(node));
  t.succ = (node *)w;   w += ALIGN8(N * sizeof(node));
  t.A = (node *)w;      w += ALIGN8(N * sizeof(node));
  t.B = (node *)w;      w += ALIGN8(N * sizeof(node));
  t.pos = (node *)w;    w += ALIGN8(N * sizeof(node));
  t.stem = (node *)w;   w += ALIGN8(N * sizeof(node));
  t.pred = (int64_t *)w; w += N * sizeof(int64_t);
  t.flow = (double *)w; w += N * sizeof(double);
  t.pot = (double *)w;  w += N * sizeof(double);
  ra = (double *)w;     /* what is left of a and b in the corner rule */
  rb = ra + n;
  for (i = 0; i < n; i++) sa += a[i];
  for (j = 0; j < m; j++) sb += b[j];
  for (i = 0; i < n; i++) ra[i] = a[i];
  for (j = 0; j < m; j++) rb[j] = b[j] * (sa / sb);
  for (i = 0; i < nm; i++) if (fabs(C[i]) > cmax) cmax = fabs(C[i]);
  tol = 1e-12 * cmax;
  nw_corner(&t, ra, rb);
  bs = (size_t)sqrt((double)nm);
  if (bs < 10) bs = 10;
  for (;;) {
    double d;
    int64_t e;
    if (info->pivots >= maxiter) break;
    if ((info->pivots & 1023) == 1023 && ty_interrupted()) return TY_EINTR;
    e = price(&t, &next, bs, tol, &d);
    if (e < 0) {                /* optimal, unless rounding hid a cell */
      repot(&t);
      e = price(&t, &next, bs, tol, &d);
      if (e < 0) { info->converged = 1; break; }
    }
    pivot(&t, e, d);
    info->pivots++;
    if (info->pivots % 100000 == 0) repot(&t);
  }
  repot(&t);
  memset(P, 0, nm * sizeof(double));
  for (i = 1; i < N; i++) {
    int64_t e = t.pred[i];
    P[e] = t.flow[i];
    cost += t.flow[i] * C[e];
  }
  /* centre the duals: <a,u> = <b,v> */
  {
    double au = 0.0, bv = 0.0;
    for (i = 0; i < n; i++) au += a[i] * t.pot[i];
    for (j = 0; j < m; j++) bv += b[j] * (sa / sb) * t.pot[n + j];
    kappa = (bv - au) / (2.0 * sa);
    for (i = 0; i < n; i++) u[i] = t.pot[i] + kappa;
    for (j = 0; j < m; j++) v[j] = t.pot[n + j] - kappa;
  }
  info->cost = cost;
  info->time = now() - t0;
  return 0;
}

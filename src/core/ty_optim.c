/*
** ty_optim.c: the update rules of the first-order optimizers, the 8-bit
** block quantization of their states, and the test functions.  The rules
** follow ../shared/methods/optimizers.md (sections 1-9); comments name the
** section.  No Lua here: see src/mod/loptim.c for the binding.
**
** Speed: each kernel is one pass over its arrays (two for the rules that
** need a norm of the whole tensor first).  The loops run in chunks of
** CHUNK elements with a fixed trip count, which GCC vectorizes even at -O2,
** and x86-64 builds carry AVX-512 and AVX2 clones of the big kernels.
*/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ty_optim.h"
#include "ty_simd.h"
#include "ty_pool.h"

/* No fused multiply-add: the vector and plain versions of a kernel, on any
** machine, round the same operations in the same order. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif


/* hand-vectorized kernels for x86-64 (picked at run time) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define TY_X86 1
#include <immintrin.h>
#endif

#if defined(__GNUC__)
#define RESTRICT __restrict__
#else
#define RESTRICT
#endif

#define CHUNK 8             /* elements per vectorized inner loop */

/* b^t for the bias corrections, computed afresh each step (spec §0) */
static double powt (double b, long t) { return pow(b, (double)t); }

static double sgn (double c) { return (double)((c > 0) - (c < 0)); }


/* ====================================================================== */
/* threads                                                                */
/* ====================================================================== */

/* A big tensor is cut into contiguous pieces, one per thread; each piece
** runs the same kernel with threads = 1 on its part of every array (the
** rules are element-wise, or block-wise for the 8-bit ones), so the result
** does not depend on the number of threads.  One `call` holds the
** arguments of any kernel. */
enum { C_SGD, C_ADAM, C_LION, C_ADAN, C_EXADAM, C_ADAM8, C_LION8, C_FINITE };

typedef struct call {
  int kind;
  const ty_optim_hyper *h;
  long t;
  size_t block;                     /* 8-bit: pieces are whole blocks */
  double gscale;
  int flag;                         /* SGD buf_ready, Adan seed_prev */
  double *x;
  const double *g;
  double *s[4];                     /* state vectors (or NULL) */
  uint8_t *c1, *c2;
  float *a1, *a2;
  double *work;                     /* 8-bit: `wstride` doubles a piece */
  size_t wstride;
  int result[TY_OPTIM_MAX_THREADS];
} call;

typedef struct piece {
  call *c;
  int index;
  size_t lo, hi;
} piece;

static double *offs (double *p, size_t lo) { return p ? p + lo : NULL; }

/* run the kernel of p->c on elements [lo, hi) */
static void *run_piece (void *arg) {
  piece *p = (piece *)arg;
  call *c = p->c;
  ty_optim_hyper h1 = *c->h;
  size_t lo = p->lo, len = p->hi - p->lo, b = lo / (c->block ? c->block : 1);
  h1.threads = 1;
  switch (c->kind) {
    case C_SGD:
      ty_optim_sgd(&h1, len, c->x + lo, c->g + lo, offs(c->s[0], lo),
                   c->flag);
      break;
    case C_ADAM:
      ty_optim_adam(&h1, c->t, len, c->x + lo, c->g + lo, c->s[0] + lo,
                    c->s[1] + lo, offs(c->s[2], lo));
      break;
    case C_LION:
      ty_optim_lion(&h1, len, c->x + lo, c->g + lo, c->s[0] + lo);
      break;
    case C_ADAN:
      ty_optim_adan(&h1, c->t, len, c->x + lo, c->g + lo, c->gscale,
                    c->s[0] + lo, c->s[1] + lo, c->s[2] + lo, c->s[3] + lo,
                    c->flag);
      break;
    case C_EXADAM:
      ty_optim_exadam(&h1, c->t, len, c->x + lo, c->g + lo, c->s[0] + lo,
                      c->s[1] + lo);
      break;
    case C_ADAM8:
      ty_optim_adam8(&h1, c->t, len, c->block, c->x + lo, c->g + lo,
                     c->c1 + lo, c->a1 + b, c->c2 + lo, c->a2 + b,
                     c->work + (size_t)p->index * c->wstride);
      break;
    case C_LION8:
      ty_optim_lion8(&h1, len, c->block, c->x + lo, c->g + lo, c->c1 + lo,
                     c->a1 + b, c->work + (size_t)p->index * c->wstride);
      break;
    default:
      c->result[p->index] = ty_optim_allfinite(len, c->g + lo, 1);
      break;
  }
  return NULL;
}

int ty_optim_pieces (const ty_optim_hyper *h, size_t n) {
  int t = h->threads;
  if (t < 2 || n < TY_OPTIM_PAR_MIN) return 1;
  return t > TY_OPTIM_MAX_THREADS ? TY_OPTIM_MAX_THREADS : t;
}

/* pieces lo..hi of a run_pieces job */
static void pieces_work (void *arg, size_t lo, size_t hi, int tid) {
  piece *job = (piece *)arg;
  size_t k;
  (void)tid;
  for (k = lo; k < hi; k++)
    if (job[k].lo < job[k].hi) run_piece(&job[k]);
}

/* Run c over [0, n) in `pieces` pieces (multiples of c->block when set),
** the first in this thread, the others on the worker pool (ty_pool.h,
** whose workers keep SIGINT blocked: Ctrl-C stays with the main
** thread). */
static void run_pieces (call *c, int pieces, size_t n) {
  piece job[TY_OPTIM_MAX_THREADS];
  size_t align = c->block ? c->block : 1, chunk;
  int k;
  chunk = (n + (size_t)pieces - 1) / (size_t)pieces;
  chunk = (chunk + align - 1) / align * align;
  for (k = 0; k < pieces; k++) {
    size_t lo = (size_t)k * chunk, hi = lo + chunk;
    job[k].c = c;
    job[k].index = k;
    job[k].lo = lo < n ? lo : n;
    job[k].hi = hi < n ? hi : n;
    c->result[k] = 1;
  }
  ty_par_for(pieces, (size_t)pieces, pieces_work, job);
}

/* a call of kind for h, x, g (other fields zero) */
static call new_call (int kind, const ty_optim_hyper *h, double *x,
                      const double *g) {
  call c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.h = h;
  c.x = x;
  c.g = g;
  return c;
}


/* ====================================================================== */
/* scans                                                                  */
/* ====================================================================== */

TY_CLONES
static int allfinite1 (size_t n, const double *g) {
  double acc[CHUNK] = {0};
  size_t i = 0, k;
  for (; i + CHUNK <= n; i += CHUNK)
    for (k = 0; k < CHUNK; k++) acc[k] += g[i + k] * 0.0;  /* NaN if not */
  for (; i < n; i++) acc[0] += g[i] * 0.0;
  for (k = 1; k < CHUNK; k++) acc[0] += acc[k];
  return acc[0] == 0.0;
}

int ty_optim_allfinite (size_t n, const double *g, int threads) {
  ty_optim_hyper h;
  int pieces, k;
  memset(&h, 0, sizeof h);
  h.threads = threads;
  pieces = ty_optim_pieces(&h, n);
  if (pieces > 1) {
    call c = new_call(C_FINITE, &h, NULL, g);
    run_pieces(&c, pieces, n);
    for (k = 0; k < pieces; k++)
      if (!c.result[k]) return 0;
    return 1;
  }
  return allfinite1(n, g);
}

TY_CLONES
double ty_optim_sumsq (size_t n, const double *g) {
  double acc[CHUNK] = {0};
  size_t i = 0, k;
  for (; i + CHUNK <= n; i += CHUNK)
    for (k = 0; k < CHUNK; k++) acc[k] += g[i + k] * g[i + k];
  for (; i < n; i++) acc[0] += g[i] * g[i];
  for (k = 1; k < CHUNK; k++) acc[0] += acc[k];
  return acc[0];
}


/* ====================================================================== */
/* SGD (§1)                                                               */
/* ====================================================================== */

/* the SGD element loop on [0, n) for one combination of the switches
** (constants, so each instance is a branch-free loop GCC vectorizes) */
#define SGD_LOOP(ready, nest) do {                                  \
    size_t i_ = 0, k_;                                              \
    for (; i_ + CHUNK <= n; i_ += CHUNK)                            \
      for (k_ = i_; k_ < i_ + CHUNK; k_++) SGD_ELEM(k_, ready, nest); \
    for (; i_ < n; i_++) SGD_ELEM(i_, ready, nest);                 \
  } while (0)
#define SGD_ELEM(i, ready, nest) do {                               \
    double d = g[i] + wd * x[i];        /* coupled L2 (wd may be 0) */ \
    double b = (ready) ? mu * buf[i] + omt * d : d;                 \
    buf[i] = b;                                                     \
    d = (nest) ? d + mu * b : b;                                    \
    x[i] = x[i] - lr * d;                                           \
  } while (0)

TY_CLONES
void ty_optim_sgd (const ty_optim_hyper *h, size_t n, double *RESTRICT x,
                   const double *RESTRICT g, double *RESTRICT buf,
                   int buf_ready) {
  double lr = h->lr, wd = h->weight_decay, mu = h->momentum;
  double omt = 1.0 - h->dampening;
  size_t i;
  int pieces = ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_SGD, h, x, g);
    c.s[0] = mu == 0.0 ? NULL : buf;
    c.flag = buf_ready;
    run_pieces(&c, pieces, n);
    return;
  }
  if (mu == 0.0) {
    for (i = 0; i < n; i++) x[i] = x[i] - lr * (g[i] + wd * x[i]);
    return;
  }
  if (!buf_ready) SGD_LOOP(0, h->nesterov);
  else if (h->nesterov) SGD_LOOP(1, 1);
  else SGD_LOOP(1, 0);
}
#undef SGD_ELEM
#undef SGD_LOOP


/* ====================================================================== */
/* Adam and AdamW (§2)                                                    */
/* ====================================================================== */

/* The Adam/AdamW element loop in torch's order of operations, on
** [i, n).  coupled: L2 decay in the gradient; else x is scaled by decay
** first.  Both the plain and the vector versions do the same rounded
** operations in the same order (no fused multiply-add), so results do not
** depend on the machine. */
static void adam_scalar (size_t i, size_t n, double *RESTRICT x,
                         const double *RESTRICT g, double *RESTRICT m,
                         double *RESTRICT v, const double c[8],
                         int coupled) {
  double b1 = c[0], b2 = c[1], omb1 = c[2], omb2 = c[3];
  double eps = c[4], step = c[5], sbc2 = c[6], wd = c[7];
  for (; i < n; i++) {
    double gi = g[i], xi = x[i], mi, vi;
    if (coupled) gi = gi + wd * xi;
    else xi = xi * wd;                 /* wd holds the decay factor */
    mi = b1 * m[i] + omb1 * gi;
    vi = b2 * v[i] + omb2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    x[i] = xi - step * (mi / (sqrt(vi) / sbc2 + eps));
  }
}

#ifdef TY_X86
/* AVX-512 and AVX2 versions of adam_scalar; they return where they
** stopped (a multiple of the vector width) */
__attribute__((target("avx512f")))
static size_t adam_avx512 (size_t n, double *RESTRICT x,
                           const double *RESTRICT g, double *RESTRICT m,
                           double *RESTRICT v, const double c[8],
                           int coupled) {
  __m512d b1 = _mm512_set1_pd(c[0]), b2 = _mm512_set1_pd(c[1]);
  __m512d omb1 = _mm512_set1_pd(c[2]), omb2 = _mm512_set1_pd(c[3]);
  __m512d eps = _mm512_set1_pd(c[4]), step = _mm512_set1_pd(c[5]);
  __m512d sbc2 = _mm512_set1_pd(c[6]), wd = _mm512_set1_pd(c[7]);
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    __m512d gi = _mm512_loadu_pd(g + i), xi = _mm512_loadu_pd(x + i);
    __m512d mi, vi, den;
    if (coupled) gi = _mm512_add_pd(gi, _mm512_mul_pd(wd, xi));
    else xi = _mm512_mul_pd(xi, wd);
    mi = _mm512_add_pd(_mm512_mul_pd(b1, _mm512_loadu_pd(m + i)),
                       _mm512_mul_pd(omb1, gi));
    vi = _mm512_add_pd(_mm512_mul_pd(b2, _mm512_loadu_pd(v + i)),
                       _mm512_mul_pd(omb2, _mm512_mul_pd(gi, gi)));
    _mm512_storeu_pd(m + i, mi);
    _mm512_storeu_pd(v + i, vi);
    den = _mm512_add_pd(_mm512_div_pd(_mm512_sqrt_pd(vi), sbc2), eps);
    xi = _mm512_sub_pd(xi, _mm512_mul_pd(step, _mm512_div_pd(mi, den)));
    _mm512_storeu_pd(x + i, xi);
  }
  return i;
}

__attribute__((target("avx2")))
static size_t adam_avx2 (size_t n, double *RESTRICT x,
                         const double *RESTRICT g, double *RESTRICT m,
                         double *RESTRICT v, const double c[8],
                         int coupled) {
  __m256d b1 = _mm256_set1_pd(c[0]), b2 = _mm256_set1_pd(c[1]);
  __m256d omb1 = _mm256_set1_pd(c[2]), omb2 = _mm256_set1_pd(c[3]);
  __m256d eps = _mm256_set1_pd(c[4]), step = _mm256_set1_pd(c[5]);
  __m256d sbc2 = _mm256_set1_pd(c[6]), wd = _mm256_set1_pd(c[7]);
  size_t i;
  for (i = 0; i + 4 <= n; i += 4) {
    __m256d gi = _mm256_loadu_pd(g + i), xi = _mm256_loadu_pd(x + i);
    __m256d mi, vi, den;
    if (coupled) gi = _mm256_add_pd(gi, _mm256_mul_pd(wd, xi));
    else xi = _mm256_mul_pd(xi, wd);
    mi = _mm256_add_pd(_mm256_mul_pd(b1, _mm256_loadu_pd(m + i)),
                       _mm256_mul_pd(omb1, gi));
    vi = _mm256_add_pd(_mm256_mul_pd(b2, _mm256_loadu_pd(v + i)),
                       _mm256_mul_pd(omb2, _mm256_mul_pd(gi, gi)));
    _mm256_storeu_pd(m + i, mi);
    _mm256_storeu_pd(v + i, vi);
    den = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(vi), sbc2), eps);
    xi = _mm256_sub_pd(xi, _mm256_mul_pd(step, _mm256_div_pd(mi, den)));
    _mm256_storeu_pd(x + i, xi);
  }
  return i;
}

/* 2 with AVX-512, 1 with AVX2, else 0 */
static int simd_level (void) {
  static int level = -1;
  if (level < 0) {
    __builtin_cpu_init();
    level = __builtin_cpu_supports("avx512f") ? 2
          : __builtin_cpu_supports("avx2") ? 1 : 0;
  }
  return level;
}
#endif

/* Adam with amsgrad: the denominator uses vmax = max(vmax, v) */
static void adam_amsgrad (size_t n, double *RESTRICT x,
                          const double *RESTRICT g, double *RESTRICT m,
                          double *RESTRICT v, double *RESTRICT vmax,
                          const double c[8], int coupled) {
  double b1 = c[0], b2 = c[1], omb1 = c[2], omb2 = c[3];
  double eps = c[4], step = c[5], sbc2 = c[6], wd = c[7];
  size_t i;
  for (i = 0; i < n; i++) {
    double gi = g[i], xi = x[i], mi, vi, s;
    if (coupled) gi = gi + wd * xi;
    else xi = xi * wd;
    mi = b1 * m[i] + omb1 * gi;
    vi = b2 * v[i] + omb2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    s = vmax[i] > vi ? vmax[i] : vi;   /* the raw, uncorrected v */
    vmax[i] = s;
    x[i] = xi - step * (mi / (sqrt(s) / sbc2 + eps));
  }
}

void ty_optim_adam (const ty_optim_hyper *h, long t, size_t n, double *x,
                    const double *g, double *m, double *v, double *vmax) {
  double c[8];
  int coupled = !h->decoupled;
  size_t i = 0;
  int pieces = ty_optim_pieces(h, n);
  if (pieces > 1) {
    call cl = new_call(C_ADAM, h, x, g);
    cl.t = t;
    cl.s[0] = m; cl.s[1] = v; cl.s[2] = h->amsgrad ? vmax : NULL;
    run_pieces(&cl, pieces, n);
    return;
  }
  c[0] = h->beta1;
  c[1] = h->beta2;
  c[2] = 1.0 - h->beta1;
  c[3] = 1.0 - h->beta2;
  c[4] = h->eps;
  c[5] = h->lr / (1.0 - powt(h->beta1, t));
  c[6] = sqrt(1.0 - powt(h->beta2, t));
  c[7] = coupled ? h->weight_decay : 1.0 - h->lr * h->weight_decay;
  if (h->amsgrad) {
    adam_amsgrad(n, x, g, m, v, vmax, c, coupled);
    return;
  }
#ifdef TY_X86
  switch (simd_level()) {
    case 2: i = adam_avx512(n, x, g, m, v, c, coupled); break;
    case 1: i = adam_avx2(n, x, g, m, v, c, coupled); break;
    default: break;
  }
#endif
  adam_scalar(i, n, x, g, m, v, c, coupled);
}


/* ====================================================================== */
/* LAMB (§3)                                                              */
/* ====================================================================== */

double ty_optim_lamb (const ty_optim_hyper *h, long t, size_t n,
                      double *RESTRICT x, const double *RESTRICT g,
                      double gscale, double *RESTRICT m,
                      double *RESTRICT v) {
  double b1 = h->beta1, b2 = h->beta2, eps = h->eps, wd = h->weight_decay;
  double bc1 = 1.0 - powt(b1, t), bc2 = 1.0 - powt(b2, t);
  double sx = 0.0, su = 0.0, ratio = 1.0, step;
  size_t i;
  for (i = 0; i < n; i++) {            /* moments, and both norms */
    double gi = gscale * g[i], mi, vi, u;
    mi = b1 * m[i] + (1.0 - b1) * gi;
    vi = b2 * v[i] + (1.0 - b2) * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    u = (mi / bc1) / (sqrt(vi / bc2) + eps) + wd * x[i];
    sx += x[i] * x[i];
    su += u * u;
  }
  if (h->adapt && sx > 0.0 && su > 0.0) {
    double wn = sqrt(sx);
    if (wn < h->trust_min) wn = h->trust_min;   /* the paper's phi clip */
    if (wn > h->trust_max) wn = h->trust_max;
    ratio = wn / sqrt(su);
  }
  step = h->lr * ratio;
  for (i = 0; i < n; i++) {
    double u = (m[i] / bc1) / (sqrt(v[i] / bc2) + eps) + wd * x[i];
    x[i] = x[i] - step * u;
  }
  return ratio;
}


/* ====================================================================== */
/* Lion and Lion-K (§4, §5)                                               */
/* ====================================================================== */

/* the gradient of K at c; scale is 1/||c|| for "l2", delta for huber */
static double lionk_grad (int k, double c, double scale) {
  switch (k) {
    case TY_LIONK_L2: return c * scale;
    case TY_LIONK_HUBER: {
      double u = c / scale;
      return u > 1.0 ? 1.0 : (u < -1.0 ? -1.0 : u);
    }
    case TY_LIONK_QUAD: return c;
    default: return sgn(c);
  }
}

TY_CLONES
static void lion_l1 (size_t n, double *RESTRICT x, const double *RESTRICT g,
                     double *RESTRICT m, double lr, double b1, double b2,
                     double decay) {
  double omb1 = 1.0 - b1, omb2 = 1.0 - b2;
  size_t i = 0, k;
#define LION_ELEM(i) do {                                           \
    double gi = g[i], mi = m[i], c = b1 * mi + omb1 * gi;           \
    double s = (double)((c > 0.0) - (c < 0.0));                     \
    x[i] = x[i] * decay - lr * s;                                   \
    m[i] = b2 * mi + omb2 * gi;                                     \
  } while (0)
  for (; i + CHUNK <= n; i += CHUNK)
    for (k = i; k < i + CHUNK; k++) LION_ELEM(k);
  for (; i < n; i++) LION_ELEM(i);
#undef LION_ELEM
}

void ty_optim_lion (const ty_optim_hyper *h, size_t n, double *RESTRICT x,
                    const double *RESTRICT g, double *RESTRICT m) {
  double b1 = h->beta1, b2 = h->beta2, lr = h->lr;
  double decay = 1.0 - lr * h->weight_decay, scale = 1.0;
  size_t i;
  int pieces = h->lion_k == TY_LIONK_L2 ? 1 : ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_LION, h, x, g);
    c.s[0] = m;
    run_pieces(&c, pieces, n);
    return;
  }
  if (h->lion_k == TY_LIONK_L1) {
    lion_l1(n, x, g, m, lr, b1, b2, decay);
    return;
  }
  if (h->lion_k == TY_LIONK_L2) {      /* c / ||c|| over the tensor */
    double s = 0.0;
    for (i = 0; i < n; i++) {
      double c = b1 * m[i] + (1.0 - b1) * g[i];
      s += c * c;
    }
    scale = s > 0.0 ? 1.0 / sqrt(s) : 0.0;
  }
  else if (h->lion_k == TY_LIONK_HUBER)
    scale = h->huber_delta;
  for (i = 0; i < n; i++) {
    double c = b1 * m[i] + (1.0 - b1) * g[i];
    x[i] = x[i] * decay - lr * lionk_grad(h->lion_k, c, scale);
    m[i] = b2 * m[i] + (1.0 - b2) * g[i];
  }
}


/* ====================================================================== */
/* Adan (§6)                                                              */
/* ====================================================================== */

void ty_optim_adan (const ty_optim_hyper *h, long t, size_t n,
                    double *RESTRICT x, const double *RESTRICT g,
                    double gscale, double *RESTRICT m, double *RESTRICT v,
                    double *RESTRICT nv, double *RESTRICT gprev,
                    int seed_prev) {
  double b1 = h->beta1, b2 = h->beta2, b3 = h->beta3, eps = h->eps;
  double lr = h->lr, wd = h->weight_decay;
  double sbc3 = sqrt(1.0 - powt(b3, t));
  double step_m = lr / (1.0 - powt(b1, t));
  double step_v = lr * b2 / (1.0 - powt(b2, t));
  double prox = 1.0 + lr * wd, decay = 1.0 - lr * wd;
  size_t i;
  int pieces = ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_ADAN, h, x, g);
    c.t = t; c.gscale = gscale; c.flag = seed_prev;
    c.s[0] = m; c.s[1] = v; c.s[2] = nv; c.s[3] = gprev;
    run_pieces(&c, pieces, n);
    return;
  }
  for (i = 0; i < n; i++) {
    double gi = gscale * g[i];
    double d = seed_prev ? 0.0 : gi - gprev[i];
    double mi = b1 * m[i] + (1.0 - b1) * gi;
    double vi = b2 * v[i] + (1.0 - b2) * d;
    double u = gi + b2 * d;
    double ni = b3 * nv[i] + (1.0 - b3) * (u * u);
    double den = sqrt(ni) / sbc3 + eps;
    double xi = x[i];
    m[i] = mi;
    v[i] = vi;
    nv[i] = ni;
    gprev[i] = gi;                     /* the clipped gradient */
    if (h->no_prox)
      x[i] = xi * decay - step_m * mi / den - step_v * vi / den;
    else
      x[i] = (xi - step_m * mi / den - step_v * vi / den) / prox;
  }
}


/* ====================================================================== */
/* AdamP and SGDP (§7)                                                    */
/* ====================================================================== */

/* The projection test of §7 on a rows x cols tensor W (column-major), with
** the sums gathered by the caller per row: work[0..R) = <g_i, W_i>,
** work[R..2R) = ||g_i||^2, work[2R..3R) = ||W_i||^2, work[3R..4R) =
** <W_i, p_i>.  On return work[3R..4R) holds k_i such that the projected
** update of row i is p_i - k_i W_i (all 0 when nothing fires); returns 1
** when a view fired. */
static int projection (const ty_optim_hyper *h, size_t rows, size_t cols,
                       double *work) {
  double *gw = work, *gg = work + rows, *ww = work + 2 * rows;
  double *wp = work + 3 * rows, eps = h->eps;
  double sgw = 0.0, sgg = 0.0, sww = 0.0, swp = 0.0, cmax = 0.0;
  size_t i;
  for (i = 0; i < rows; i++) {         /* view 1: the rows */
    double gn = sqrt(gg[i]), wn = sqrt(ww[i]), c;
    c = fabs(gw[i]) / ((gn > eps ? gn : eps) * (wn > eps ? wn : eps));
    if (c > cmax) cmax = c;
    sgw += gw[i]; sgg += gg[i]; sww += ww[i]; swp += wp[i];
  }
  if (cmax < h->proj_delta / sqrt((double)cols)) {
    for (i = 0; i < rows; i++) {
      double d = sqrt(ww[i]) + eps;
      wp[i] = wp[i] / (d * d);
    }
    return 1;
  }
  {                                    /* view 2: the whole tensor */
    double gn = sqrt(sgg), wn = sqrt(sww), c;
    c = fabs(sgw) / ((gn > eps ? gn : eps) * (wn > eps ? wn : eps));
    if (c < h->proj_delta / sqrt((double)rows * (double)cols)) {
      double d = sqrt(sww) + eps;
      for (i = 0; i < rows; i++) wp[i] = swp / (d * d);
      return 1;
    }
  }
  for (i = 0; i < rows; i++) wp[i] = 0.0;
  return 0;
}

int ty_optim_adamp (const ty_optim_hyper *h, long t, size_t rows,
                    size_t cols, double *RESTRICT x,
                    const double *RESTRICT g, double *RESTRICT m,
                    double *RESTRICT v, double *RESTRICT work) {
  double b1 = h->beta1, b2 = h->beta2, eps = h->eps;
  double step = h->lr / (1.0 - powt(b1, t));
  double sbc2 = sqrt(1.0 - powt(b2, t)), r = 1.0;
  size_t n = rows * cols, i, j;
  int matrix = cols > 1 && rows > 0, fired = 0;
  double *k = work + 3 * rows;
#define ADAMP_DIR(idx) ((h->nesterov ? b1 * m[idx] + (1.0 - b1) * g[idx]  \
                                     : m[idx]) / (sqrt(v[idx]) / sbc2 + eps))
  if (matrix) memset(work, 0, 4 * rows * sizeof(double));
  for (j = 0; j < cols; j++)
    for (i = 0; i < rows; i++) {
      size_t idx = j * rows + i;
      double gi = g[idx];
      m[idx] = b1 * m[idx] + (1.0 - b1) * gi;
      v[idx] = b2 * v[idx] + (1.0 - b2) * (gi * gi);
      if (matrix) {
        double w = x[idx];
        work[i] += gi * w;
        work[rows + i] += gi * gi;
        work[2 * rows + i] += w * w;
        k[i] += w * ADAMP_DIR(idx);
      }
    }
  if (matrix && (fired = projection(h, rows, cols, work)) != 0)
    r = h->wd_ratio;
  {
    double decay = h->weight_decay > 0 ? 1.0 - h->lr * h->weight_decay * r
                                       : 1.0;
    for (j = 0; j < cols; j++)
      for (i = 0; i < rows; i++) {
        size_t idx = j * rows + i;
        double w = x[idx], p = ADAMP_DIR(idx);
        if (matrix) p = p - k[i] * w;
        x[idx] = w * decay - step * p;
      }
  }
#undef ADAMP_DIR
  (void)n;
  return fired;
}

int ty_optim_sgdp (const ty_optim_hyper *h, size_t rows, size_t cols,
                   double *RESTRICT x, const double *RESTRICT g,
                   double *RESTRICT buf, double *RESTRICT work) {
  double mu = h->momentum, omt = 1.0 - h->dampening, lr = h->lr, r = 1.0;
  size_t i, j;
  int matrix = cols > 1 && rows > 0, fired = 0;
  double *k = work + 3 * rows;
#define SGDP_DIR(idx) (h->nesterov ? g[idx] + mu * buf[idx] : buf[idx])
  if (matrix) memset(work, 0, 4 * rows * sizeof(double));
  for (j = 0; j < cols; j++)
    for (i = 0; i < rows; i++) {
      size_t idx = j * rows + i;
      double gi = g[idx];
      buf[idx] = mu * buf[idx] + omt * gi;      /* from zero, also at t = 1 */
      if (matrix) {
        double w = x[idx];
        work[i] += gi * w;
        work[rows + i] += gi * gi;
        work[2 * rows + i] += w * w;
        k[i] += w * SGDP_DIR(idx);
      }
    }
  if (matrix && (fired = projection(h, rows, cols, work)) != 0)
    r = h->wd_ratio;
  {
    double decay = h->weight_decay > 0
                   ? 1.0 - lr * h->weight_decay * r / (1.0 - mu) : 1.0;
    for (j = 0; j < cols; j++)
      for (i = 0; i < rows; i++) {
        size_t idx = j * rows + i;
        double w = x[idx], p = SGDP_DIR(idx);
        if (matrix) p = p - k[i] * w;
        x[idx] = w * decay - lr * p;
      }
  }
#undef SGDP_DIR
  return fired;
}


/* ====================================================================== */
/* EXAdam (§8)                                                            */
/* ====================================================================== */

void ty_optim_exadam (const ty_optim_hyper *h, long t, size_t n,
                      double *RESTRICT x, const double *RESTRICT g,
                      double *RESTRICT m, double *RESTRICT v) {
  double b1 = h->beta1, b2 = h->beta2, eps = h->eps;
  double b1t = powt(b1, t), b2t = powt(b2, t);
  double bc1 = 1.0 - b1t, bc2 = 1.0 - b2t;
  double decay = h->weight_decay != 0 ? 1.0 - h->lr * h->weight_decay : 1.0;
  double alpha = h->log_step ? h->lr * log(sqrt(2.0 * ((double)t + 1.0)))
                             : h->lr;
  size_t i;
  int pieces = ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_EXADAM, h, x, g);
    c.t = t;
    c.s[0] = m; c.s[1] = v;
    run_pieces(&c, pieces, n);
    return;
  }
  for (i = 0; i < n; i++) {
    double gi = g[i], xi = x[i] * decay, mi, vi, d1, d2, mt, vt, gt;
    mi = b1 * m[i] + (1.0 - b1) * gi;
    vi = b2 * v[i] + (1.0 - b2) * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    d1 = 1.0 + b2t * (vi / (vi + eps));
    d2 = 1.0 + b1t * ((mi * mi) / (mi * mi + eps));
    mt = d1 * mi / bc1;
    vt = d2 * vi / bc2;
    gt = d1 * gi / bc1;
    x[i] = xi - alpha * (mt + gt) / (sqrt(vt) + eps);
  }
}


/* ====================================================================== */
/* 8-bit block quantization (§9)                                          */
/* ====================================================================== */

/* Encoding a >= 0 against sorted midpoints mid[0..nmid): the code is the
** number of midpoints below a.  A table indexed by the exponent and the
** top MBITS bits of the mantissa of a gives the count below the bucket's
** low end; the buckets are narrower than the gaps between midpoints (the
** map's gaps are at least 0.7% of the value, a bucket at most 0.4%), so
** one comparison finishes it, without a branch. */
#define MBITS 7
#define EMIN 999                   /* biased exponent of 2^-24 */
#define EMAX 1024                  /* [2^-24, 2) is covered */
#define NBUCKET ((EMAX - EMIN) << MBITS)

typedef struct q8_encoder {
  double mid[257];                 /* mid[nmid] = +Inf, a sentinel */
  int nmid;
  int wide;                        /* a bucket holds two midpoints (never,
                                      checked when built) */
  int32_t start[NBUCKET + 2];      /* + below 2^-24, + at least 2 */
  uint64_t packed[NBUCKET + 2];    /* the bits of mid[start] with start
                                      in the low byte (zero there: every
                                      midpoint has at most 26 significant
                                      bits), for one-load lookups */
  uint32_t pk32[NBUCKET + 2];      /* 32-bit entries for the 16-lane
                                      encoder: see q8_frac below */
  int ok32;                        /* pk32 is usable (every midpoint has
                                      its bits 0..26 zero) */
} q8_encoder;

/* The 16-lane encoder compares a with the bucket's midpoint inside the
** bucket: both share the exponent and the top MBITS mantissa bits, so
** a > mid (a == mid) iff the rest of a's bits, as an integer, is greater
** than (equal to) the rest of mid's.  A midpoint with bits 0..26 zero
** keeps just 18 of those (bits 27..44); for a, the same 18 bits, then one
** "sticky" bit that is 1 iff any of bits 0..26 is set, compare exactly
** the same way.  q8_frac gives those 19 bits shifted left by 8, so that
** pk32 = (mid's 19 bits << 8) | start; a bucket without a midpoint has
** Q8_NOMID there, which no a reaches. */
#define Q8_NOMID ((uint32_t)0x80000 << 8)

static uint32_t q8_frac (uint64_t u) {
  return (uint32_t)(((u >> 18) & 0x7fffe00u) |
                    ((((u & 0x7ffffffu) + 0x7ffffffu) >> 19) & 0x100u));
}

static struct {
  int ready;
  float smap[256], umap[256];
  double smapd[256], umapd[256];     /* the same, as doubles */
  q8_encoder spos;                 /* magnitudes on the signed map's
                                      nonnegative side: 0, mids, 1 */
  q8_encoder uns;
  uint8_t planes[2][4][256];       /* byte b of smap[c] (umap[c]) at
                                      [0 (1)][b][c], for byte lookups */
} Q8;

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static uint64_t dbits (double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* the midpoints of vals[0..nv) and the bucket table */
static void build_encoder (q8_encoder *e, const double *vals, int nv) {
  int i, key, c = 0;
  e->nmid = nv - 1;
  for (i = 0; i + 1 < nv; i++) e->mid[i] = 0.5 * (vals[i] + vals[i + 1]);
  for (; i < 257; i++) e->mid[i] = HUGE_VAL;
  e->wide = 0;
  for (key = 0; key < NBUCKET; key++) {
    uint64_t u = ((uint64_t)(key + (EMIN << MBITS))) << (52 - MBITS);
    uint64_t un = u + ((uint64_t)1 << (52 - MBITS));
    double lo, hi;
    memcpy(&lo, &u, sizeof lo);
    memcpy(&hi, &un, sizeof hi);
    while (c < e->nmid && e->mid[c] < lo) c++;
    e->start[key] = c;
    if (c + 1 < e->nmid && e->mid[c + 1] < hi) e->wide = 1;
  }
  e->start[NBUCKET] = 0;
  e->start[NBUCKET + 1] = e->nmid;
  for (key = 0; key < NBUCKET + 2; key++) {
    int st = e->start[key];
    uint64_t mb = dbits(st < e->nmid ? e->mid[st] : 0x1p1000);
    if ((mb & 0xff) != 0) e->wide = 1;  /* cannot pack: plain path */
    e->packed[key] = mb | (uint64_t)st;
  }
  e->ok32 = !e->wide;
  for (key = 0; key < NBUCKET + 2; key++) {
    int st = e->start[key];
    uint32_t f = Q8_NOMID;
    if (key < NBUCKET && st < e->nmid) {
      uint64_t mb = dbits(e->mid[st]);
      if ((int64_t)(mb >> (52 - MBITS)) - (EMIN << MBITS) == key) {
        if ((mb & 0x7ffffffu) != 0) e->ok32 = 0;
        f = q8_frac(mb);
      }
    }
    e->pk32[key] = f | (uint32_t)st;
  }
}

/* the dynamic map (§9), computed in double, rounded to float32 */
static void build_map (int is_signed, float *map) {
  double vals[256];
  int nv = 0, i, j;
  for (i = 0; i <= 6; i++) {
    int k = is_signed ? (1 << i) + 1 : (1 << (i + 1)) + 1;
    double scale = pow(10.0, (double)(i - 6));
    for (j = 0; j + 1 < k; j++) {
      double bj = 0.1 + 0.9 * (double)j / (double)(k - 1);
      double bn = 0.1 + 0.9 * (double)(j + 1) / (double)(k - 1);
      double mid = scale * (0.5 * (bj + bn));
      vals[nv++] = mid;
      if (is_signed) vals[nv++] = -mid;
    }
  }
  vals[nv++] = 0.0;
  vals[nv++] = 1.0;
  qsort(vals, (size_t)nv, sizeof(double), cmp_double);
  for (i = 0; i < 256; i++) map[i] = (float)vals[i];
}

static void q8_init (void) {
  double v[256];
  int i;
  if (Q8.ready) return;
  build_map(1, Q8.smap);
  build_map(0, Q8.umap);
  for (i = 0; i < 256; i++) {
    Q8.smapd[i] = Q8.smap[i];
    Q8.umapd[i] = Q8.umap[i];
  }
  for (i = 0; i < 256; i++) v[i] = Q8.umap[i];
  build_encoder(&Q8.uns, v, 256);
  for (i = 0; i < 129; i++) v[i] = Q8.smap[127 + i];   /* 0 .. 1 */
  build_encoder(&Q8.spos, v, 129);
  for (i = 0; i < 256; i++) {
    uint32_t us, uu;
    int b;
    memcpy(&us, &Q8.smap[i], 4);
    memcpy(&uu, &Q8.umap[i], 4);
    for (b = 0; b < 4; b++) {
      Q8.planes[0][b][i] = (uint8_t)(us >> (8 * b));
      Q8.planes[1][b][i] = (uint8_t)(uu >> (8 * b));
    }
  }
  Q8.ready = 1;
}

const float *ty_q8_map (int is_signed) {
  q8_init();
  return is_signed ? Q8.smap : Q8.umap;
}

/* the bucket's starting count for a >= 0 */
static int32_t bucket_start (const q8_encoder *e, double a) {
  int64_t key = (int64_t)(dbits(a) >> (52 - MBITS)) - (EMIN << MBITS);
  key = key < 0 ? NBUCKET : (key >= NBUCKET ? NBUCKET + 1 : key);
  return e->start[key];
}

/* the number of midpoints below a (ge = 0) or at most a (ge = 1), a >= 0 */
static unsigned walk (const q8_encoder *e, double a, int ge) {
  int32_t c = bucket_start(e, a);
  if (e->wide) {                       /* not with the maps of §9 */
    if (ge) while (c < e->nmid && a >= e->mid[c]) c++;
    else while (c < e->nmid && a > e->mid[c]) c++;
    return (unsigned)c;
  }
  return (unsigned)(c + (ge ? a >= e->mid[c] : a > e->mid[c]));
}

/* the signed code of x: ties to the lower index (toward -1), and a
** negative x never takes the zero code */
static unsigned encode_signed (double x) {
  double a = fabs(x);
  int neg = x < 0.0;
  int32_t c = bucket_start(&Q8.spos, a);
  if (Q8.spos.wide) c = (int32_t)walk(&Q8.spos, a, neg);
  else c += (a > Q8.spos.mid[c]) | (neg & (a == Q8.spos.mid[c]));
  if (!neg) return 127u + (unsigned)c;
  c = c > 127 ? 127 : (c < 1 ? 1 : c);  /* no -1; never the zero code */
  return 127u - (unsigned)c;
}

unsigned ty_q8_encode (double x, int is_signed) {
  q8_init();
  if (is_signed) return encode_signed(x);
  return walk(&Q8.uns, x < 0.0 ? 0.0 : x, 0);
}

/* the float32 scale of a block whose largest magnitude is a */
static float block_absmax (double a) {
  return a > (double)FLT_MAX ? FLT_MAX : (float)a;
}

#ifdef TY_X86
/* encode_block's loop with AVX-512 (8 codes at a time, the same results);
** returns where it stopped */
__attribute__((target("avx512f")))
static size_t encode_avx512 (size_t len, const double *s, double inv,
                             int is_signed, uint8_t *codes) {
  const q8_encoder *e = is_signed ? &Q8.spos : &Q8.uns;
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi64(1);
  const __m512i emin = _mm512_set1_epi64((long long)EMIN << MBITS);
  const __m512i nb0 = _mm512_set1_epi64(NBUCKET);
  const __m512i nb1 = _mm512_set1_epi64(NBUCKET + 1);
  const __m512i i127 = _mm512_set1_epi64(127);
  const __m512i lowbyte = _mm512_set1_epi64(0xff);
  const __m512d vinv = _mm512_set1_pd(inv), dzero = _mm512_setzero_pd();
  size_t j;
  for (j = 0; j + 8 <= len; j += 8) {
    __m512d xv = _mm512_mul_pd(_mm512_loadu_pd(s + j), vinv);
    __m512d av = _mm512_abs_pd(xv), mid;
    __m512i key = _mm512_sub_epi64(
        _mm512_srli_epi64(_mm512_castpd_si512(av), 52 - MBITS), emin);
    __mmask8 below = _mm512_cmplt_epi64_mask(key, zero);
    __mmask8 above = _mm512_cmpge_epi64_mask(key, nb0), inc;
    __m512i c, pk;
    key = _mm512_mask_mov_epi64(key, below, nb0);
    key = _mm512_mask_mov_epi64(key, above, nb1);
    pk = _mm512_i64gather_epi64(key, (const void *)e->packed, 8);
    c = _mm512_and_si512(pk, lowbyte);
    mid = _mm512_castsi512_pd(_mm512_andnot_si512(lowbyte, pk));
    inc = _mm512_cmp_pd_mask(av, mid, _CMP_GT_OQ);
    if (is_signed) {
      __mmask8 neg = _mm512_cmp_pd_mask(xv, dzero, _CMP_LT_OQ);
      __m512i cn;
      inc |= neg & _mm512_cmp_pd_mask(av, mid, _CMP_EQ_OQ);
      c = _mm512_mask_add_epi64(c, inc, c, one);
      cn = _mm512_max_epi64(_mm512_min_epi64(c, i127), one);
      c = _mm512_mask_blend_epi64(neg, _mm512_add_epi64(i127, c),
                                  _mm512_sub_epi64(i127, cn));
    }
    else c = _mm512_mask_add_epi64(c, inc, c, one);
    _mm_storel_epi64((__m128i *)(void *)(codes + j), _mm512_cvtepi64_epi8(c));
  }
  return j;
}
#endif

#ifdef TY_X86
/* encode_avx512 with 16 codes at a time from one 32-bit gather of pk32
** (a table a quarter the size); the same results.  Returns where it
** stopped. */
__attribute__((target("avx512f")))
static size_t encode16_avx512 (size_t len, const double *s, double inv,
                               int is_signed, uint8_t *codes) {
  const q8_encoder *e = is_signed ? &Q8.spos : &Q8.uns;
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i emin = _mm512_set1_epi32(EMIN << MBITS);
  const __m512i nb0 = _mm512_set1_epi32(NBUCKET);
  const __m512i nb1 = _mm512_set1_epi32(NBUCKET + 1);
  const __m512i i127 = _mm512_set1_epi32(127);
  const __m512i lowbyte = _mm512_set1_epi32(0xff);
  const __m512i fmask = _mm512_set1_epi64(0x7fffe00);
  const __m512i low27 = _mm512_set1_epi64(0x7ffffff);
  const __m512i sticky = _mm512_set1_epi64(0x100);
  const __m512d vinv = _mm512_set1_pd(inv), dzero = _mm512_setzero_pd();
  size_t j;
  for (j = 0; j + 16 <= len; j += 16) {
    __m512d x0 = _mm512_mul_pd(_mm512_loadu_pd(s + j), vinv);
    __m512d x1 = _mm512_mul_pd(_mm512_loadu_pd(s + j + 8), vinv);
    __m512i u0 = _mm512_castpd_si512(_mm512_abs_pd(x0));
    __m512i u1 = _mm512_castpd_si512(_mm512_abs_pd(x1));
    __m512i k0, k1, f0, f1, key, fa, pk, c, m;
    __mmask16 below, above, inc;
    k0 = _mm512_srli_epi64(u0, 52 - MBITS);
    k1 = _mm512_srli_epi64(u1, 52 - MBITS);
    f0 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi64(u0, 18), fmask),
           _mm512_and_si512(_mm512_srli_epi64(
             _mm512_add_epi64(_mm512_and_si512(u0, low27), low27), 19),
             sticky));
    f1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi64(u1, 18), fmask),
           _mm512_and_si512(_mm512_srli_epi64(
             _mm512_add_epi64(_mm512_and_si512(u1, low27), low27), 19),
             sticky));
    key = _mm512_inserti64x4(_mm512_castsi256_si512(
            _mm512_cvtepi64_epi32(k0)), _mm512_cvtepi64_epi32(k1), 1);
    fa = _mm512_inserti64x4(_mm512_castsi256_si512(
           _mm512_cvtepi64_epi32(f0)), _mm512_cvtepi64_epi32(f1), 1);
    key = _mm512_sub_epi32(key, emin);
    below = _mm512_cmplt_epi32_mask(key, zero);
    above = _mm512_cmpge_epi32_mask(key, nb0);
    key = _mm512_mask_mov_epi32(key, below, nb0);
    key = _mm512_mask_mov_epi32(key, above, nb1);
    pk = _mm512_i32gather_epi32(key, (const void *)e->pk32, 4);
    c = _mm512_and_si512(pk, lowbyte);
    m = _mm512_andnot_si512(lowbyte, pk);
    inc = _mm512_cmpgt_epu32_mask(fa, m);
    if (is_signed) {
      __mmask16 neg = _mm512_kunpackb(
          _mm512_cmp_pd_mask(x1, dzero, _CMP_LT_OQ),
          _mm512_cmp_pd_mask(x0, dzero, _CMP_LT_OQ));
      __m512i cn;
      inc |= neg & _mm512_cmpeq_epu32_mask(fa, m);
      c = _mm512_mask_add_epi32(c, inc, c, one);
      cn = _mm512_max_epi32(_mm512_min_epi32(c, i127), one);
      c = _mm512_mask_blend_epi32(neg, _mm512_add_epi32(i127, c),
                                  _mm512_sub_epi32(i127, cn));
    }
    else c = _mm512_mask_add_epi32(c, inc, c, one);
    _mm_storeu_si128((__m128i *)(void *)(codes + j), _mm512_cvtepi32_epi8(c));
  }
  return j;
}
#endif

/* codes of s[0..len) against absmax am (the zero code when am is 0) */
static void encode_block (size_t len, const double *s, float am,
                          int is_signed, uint8_t *codes) {
  size_t j = 0;
  double inv;
  if (am == 0.0f) {
    memset(codes, is_signed ? 127 : 0, len);
    return;
  }
  inv = 1.0 / (double)am;
#ifdef TY_X86
  if (simd_level() == 2 && Q8.spos.ok32 && Q8.uns.ok32)
    j = encode16_avx512(len, s, inv, is_signed, codes);
  if (simd_level() == 2 && !Q8.spos.wide && !Q8.uns.wide)
    j += encode_avx512(len - j, s + j, inv, is_signed, codes + j);
#endif
  if (is_signed)
    for (; j < len; j++) codes[j] = (uint8_t)encode_signed(s[j] * inv);
  else
    for (; j < len; j++) codes[j] = (uint8_t)walk(&Q8.uns, s[j] * inv, 0);
}

void ty_q8_quantize (size_t n, size_t block, const double *x, int is_signed,
                     uint8_t *codes, float *absmax) {
  size_t b0, j;
  q8_init();
  for (b0 = 0; b0 < n; b0 += block) {
    size_t len = n - b0 < block ? n - b0 : block;
    double a = 0.0;
    float am;
    for (j = 0; j < len; j++)
      if (fabs(x[b0 + j]) > a) a = fabs(x[b0 + j]);
    am = block_absmax(a);
    absmax[b0 / block] = am;
    encode_block(len, x + b0, am, is_signed, codes + b0);
  }
}

void ty_q8_dequantize (size_t n, size_t block, const uint8_t *codes,
                       const float *absmax, int is_signed, double *x) {
  const float *map = ty_q8_map(is_signed);
  size_t i;
  for (i = 0; i < n; i++)
    x[i] = (double)map[codes[i]] * (double)absmax[i / block];
}

/* Constants of one 8-bit Adam step: b1, b2, 1 - b1, 1 - b2, step,
** eps sqrt(bc2), decay, and the two block scales. */
typedef struct adam8_k {
  double b1, b2, omb1, omb2, step, epsc, decay, sc1, sc2;
} adam8_k;

/* One block of 8-bit Adam, dequantize -> moments -> step, into s1, s2
** (the unquantized states, 0 for non-finite gradients); *mx1, *mx2 get the
** block's max |s1| and max s2.  Plain C; returns len. */
static void adam8_block (size_t len, double *RESTRICT x,
                         const double *RESTRICT g, const uint8_t *c1,
                         const uint8_t *c2, const adam8_k *k,
                         double *RESTRICT s1, double *RESTRICT s2,
                         size_t j, double *mx1, double *mx2) {
  double m1 = *mx1, m2 = *mx2;
  for (; j < len; j++) {
    double gj = g[j], u, w;
    if (!isfinite(gj)) { s1[j] = 0.0; s2[j] = 0.0; continue; }
    u = k->b1 * (Q8.smapd[c1[j]] * k->sc1) + k->omb1 * gj;
    w = k->b2 * (Q8.umapd[c2[j]] * k->sc2) + k->omb2 * (gj * gj);
    s1[j] = u;
    s2[j] = w;
    x[j] = x[j] * k->decay - k->step * (u / (sqrt(w) + k->epsc));
    if (fabs(u) > m1) m1 = fabs(u);
    if (w > m2) m2 = w;
  }
  *mx1 = m1;
  *mx2 = m2;
}

#ifdef TY_X86
/* AVX-512 VBMI (byte permutes), checked once */
static int have_vbmi (void) {
  static int v = -1;
  if (v < 0) {
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi");
  }
  return v;
}

/* The map values (float32) of codes c[0..len), len a multiple of 64,
** into out, without gathers: each of the four bytes of the values is a
** 256-entry byte table (two 128-byte permutes and a blend on the code's
** top bit), and the four byte vectors interleave into 64 floats.  The
** codes are first reordered (a 4x4 transpose of 4-byte groups) so that
** the interleave, which works within 128-bit lanes, yields them in
** order.  Bit-for-bit the values of the table. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void lookup_vbmi (size_t len, const uint8_t *c,
                         const uint8_t planes[4][256], float *out) {
  const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13,
                                         2, 6, 10, 14, 3, 7, 11, 15);
  __m512i t[4][4];
  size_t j;
  int b, q;
  for (b = 0; b < 4; b++)
    for (q = 0; q < 4; q++)
      t[b][q] = _mm512_loadu_si512((const void *)(planes[b] + 64 * q));
  for (j = 0; j + 64 <= len; j += 64) {
    __m512i idx = _mm512_permutexvar_epi32(perm,
                      _mm512_loadu_si512((const void *)(c + j)));
    __mmask64 top = _mm512_movepi8_mask(idx);
    __m512i v[4], lo01, lo23, hi01, hi23;
    for (b = 0; b < 4; b++)
      v[b] = _mm512_mask_blend_epi8(top,
               _mm512_permutex2var_epi8(t[b][0], idx, t[b][1]),
               _mm512_permutex2var_epi8(t[b][2], idx, t[b][3]));
    lo01 = _mm512_unpacklo_epi8(v[0], v[1]);
    lo23 = _mm512_unpacklo_epi8(v[2], v[3]);
    hi01 = _mm512_unpackhi_epi8(v[0], v[1]);
    hi23 = _mm512_unpackhi_epi8(v[2], v[3]);
    _mm512_storeu_si512((void *)(out + j), _mm512_unpacklo_epi16(lo01, lo23));
    _mm512_storeu_si512((void *)(out + j + 16),
                        _mm512_unpackhi_epi16(lo01, lo23));
    _mm512_storeu_si512((void *)(out + j + 32),
                        _mm512_unpacklo_epi16(hi01, hi23));
    _mm512_storeu_si512((void *)(out + j + 48),
                        _mm512_unpackhi_epi16(hi01, hi23));
  }
}

/* adam8_block with AVX-512, 16 elements at a time, the map values from
** v1, v2 if not NULL (lookup_vbmi), else gathered; returns where it
** stopped */
__attribute__((target("avx512f")))
static size_t adam8_block_avx512 (size_t len, double *RESTRICT x,
                                  const double *RESTRICT g,
                                  const uint8_t *c1, const uint8_t *c2,
                                  const adam8_k *k, double *RESTRICT s1,
                                  double *RESTRICT s2, double *mx1,
                                  double *mx2, const float *v1,
                                  const float *v2) {
  const __m512d b1 = _mm512_set1_pd(k->b1), b2 = _mm512_set1_pd(k->b2);
  const __m512d omb1 = _mm512_set1_pd(k->omb1);
  const __m512d omb2 = _mm512_set1_pd(k->omb2);
  const __m512d step = _mm512_set1_pd(k->step);
  const __m512d epsc = _mm512_set1_pd(k->epsc);
  const __m512d decay = _mm512_set1_pd(k->decay);
  const __m512d sc1 = _mm512_set1_pd(k->sc1), sc2 = _mm512_set1_pd(k->sc2);
  const __m512d zero = _mm512_setzero_pd();
  __m512d m1 = zero, m2 = zero;
  size_t j;
  for (j = 0; j + 16 <= len; j += 16) {
    /* 16 codes of each state, one float gather each (the maps are
    ** float32; their values as doubles are smapd, umapd) */
    __m512 f1 = v1 ? _mm512_loadu_ps(v1 + j) : _mm512_i32gather_ps(
        _mm512_cvtepu8_epi32(
          _mm_loadu_si128((const __m128i *)(const void *)(c1 + j))),
        Q8.smap, 4);
    __m512 f2 = v2 ? _mm512_loadu_ps(v2 + j) : _mm512_i32gather_ps(
        _mm512_cvtepu8_epi32(
          _mm_loadu_si128((const __m128i *)(const void *)(c2 + j))),
        Q8.umap, 4);
    int h;
    for (h = 0; h < 2; h++) {
      size_t i = j + 8 * (size_t)h;
      __m512d gj = _mm512_loadu_pd(g + i), u, w, xn;
      __mmask8 fin = _mm512_cmp_pd_mask(_mm512_sub_pd(gj, gj), zero,
                                        _CMP_EQ_OQ);
      __m256 h1 = _mm256_castpd_ps(_mm512_extractf64x4_pd(
                      _mm512_castps_pd(f1), 1));
      __m256 h2 = _mm256_castpd_ps(_mm512_extractf64x4_pd(
                      _mm512_castps_pd(f2), 1));
      if (h == 0) {
        h1 = _mm512_castps512_ps256(f1);
        h2 = _mm512_castps512_ps256(f2);
      }
      u = _mm512_mul_pd(_mm512_cvtps_pd(h1), sc1);
      w = _mm512_mul_pd(_mm512_cvtps_pd(h2), sc2);
      u = _mm512_add_pd(_mm512_mul_pd(b1, u), _mm512_mul_pd(omb1, gj));
      w = _mm512_add_pd(_mm512_mul_pd(b2, w),
                        _mm512_mul_pd(omb2, _mm512_mul_pd(gj, gj)));
      u = _mm512_maskz_mov_pd(fin, u);
      w = _mm512_maskz_mov_pd(fin, w);
      _mm512_storeu_pd(s1 + i, u);
      _mm512_storeu_pd(s2 + i, w);
      xn = _mm512_sub_pd(_mm512_mul_pd(_mm512_loadu_pd(x + i), decay),
                         _mm512_mul_pd(step, _mm512_div_pd(u,
                             _mm512_add_pd(_mm512_sqrt_pd(w), epsc))));
      _mm512_mask_storeu_pd(x + i, fin, xn);
      m1 = _mm512_max_pd(m1, _mm512_abs_pd(u));
      m2 = _mm512_max_pd(m2, w);
    }
  }
  *mx1 = _mm512_reduce_max_pd(m1);
  *mx2 = _mm512_reduce_max_pd(m2);
  return j;
}
#endif

void ty_optim_adam8 (const ty_optim_hyper *h, long t, size_t n, size_t block,
                     double *RESTRICT x, const double *RESTRICT g,
                     uint8_t *RESTRICT c1, float *RESTRICT a1,
                     uint8_t *RESTRICT c2, float *RESTRICT a2,
                     double *RESTRICT work) {
  double bc1 = 1.0 - powt(h->beta1, t), sbc2 = sqrt(1.0 - powt(h->beta2, t));
  double *s1 = work, *s2 = work + block;
  adam8_k k;
  size_t b0;
  int pieces = ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_ADAM8, h, x, g);
    c.t = t; c.block = block;
    c.c1 = c1; c.c2 = c2; c.a1 = a1; c.a2 = a2;
    c.work = work; c.wstride = 2 * block;
    q8_init();
    run_pieces(&c, pieces, n);
    return;
  }
  q8_init();
  k.b1 = h->beta1;
  k.b2 = h->beta2;
  k.omb1 = 1.0 - h->beta1;
  k.omb2 = 1.0 - h->beta2;
  k.step = h->lr * (sbc2 / bc1);
  k.epsc = h->eps * sbc2;
  k.decay = h->weight_decay > 0 ? 1.0 - h->lr * h->weight_decay : 1.0;
  for (b0 = 0; b0 < n; b0 += block) {
    size_t len = n - b0 < block ? n - b0 : block, blk = b0 / block, j = 0;
    double mx1 = 0.0, mx2 = 0.0;
    k.sc1 = (double)a1[blk];
    k.sc2 = (double)a2[blk];
#ifdef TY_X86
    if (simd_level() == 2) {
      double p1, p2;
      if (have_vbmi()) {           /* chunks of up to 1024 from tables */
        float v1[1024], v2[1024];
        while (len - j >= 64) {
          size_t m = len - j < 1024 ? (len - j) & ~(size_t)63 : 1024;
          lookup_vbmi(m, c1 + b0 + j, Q8.planes[0], v1);
          lookup_vbmi(m, c2 + b0 + j, Q8.planes[1], v2);
          adam8_block_avx512(m, x + b0 + j, g + b0 + j, c1 + b0 + j,
                             c2 + b0 + j, &k, s1 + j, s2 + j, &p1, &p2,
                             v1, v2);
          if (p1 > mx1) mx1 = p1;
          if (p2 > mx2) mx2 = p2;
          j += m;
        }
      }
      j += adam8_block_avx512(len - j, x + b0 + j, g + b0 + j, c1 + b0 + j,
                              c2 + b0 + j, &k, s1 + j, s2 + j, &p1, &p2,
                              NULL, NULL);
      if (p1 > mx1) mx1 = p1;
      if (p2 > mx2) mx2 = p2;
    }
#endif
    adam8_block(len, x + b0, g + b0, c1 + b0, c2 + b0, &k, s1, s2, j,
                &mx1, &mx2);
    a1[blk] = block_absmax(mx1);
    a2[blk] = block_absmax(mx2);
    encode_block(len, s1, a1[blk], 1, c1 + b0);
    encode_block(len, s2, a2[blk], 0, c2 + b0);
  }
}

void ty_optim_adam8_fp (const ty_optim_hyper *h, long t, size_t n, double *x,
                        const double *g, double *m, double *v) {
  ty_optim_hyper hw = *h;
  size_t i;
  hw.decoupled = 1;
  hw.amsgrad = 0;
  if (ty_optim_allfinite(n, g, h->threads)) {   /* exactly AdamW */
    ty_optim_adam(&hw, t, n, x, g, m, v, NULL);
    return;
  }
  for (i = 0; i < n; i++) {            /* element by element, NaN rule */
    if (!isfinite(g[i])) { m[i] = 0.0; v[i] = 0.0; }
    else ty_optim_adam(&hw, t, 1, x + i, g + i, m + i, v + i, NULL);
  }
}

void ty_optim_lion8 (const ty_optim_hyper *h, size_t n, size_t block,
                     double *RESTRICT x, const double *RESTRICT g,
                     uint8_t *RESTRICT c1, float *RESTRICT a1,
                     double *RESTRICT work) {
  double b1 = h->beta1, b2 = h->beta2, lr = h->lr, scale = 1.0;
  double decay = 1.0 - lr * h->weight_decay;
  size_t b0, j;
  int pieces = h->lion_k == TY_LIONK_L2 ? 1 : ty_optim_pieces(h, n);
  if (pieces > 1) {
    call c = new_call(C_LION8, h, x, g);
    c.block = block;
    c.c1 = c1; c.a1 = a1;
    c.work = work; c.wstride = block;
    q8_init();
    run_pieces(&c, pieces, n);
    return;
  }
  q8_init();
  if (h->lion_k == TY_LIONK_L2) {      /* ||c|| over the finite entries */
    double s = 0.0;
    for (j = 0; j < n; j++)
      if (isfinite(g[j])) {
        double c = b1 * ((double)Q8.smap[c1[j]] * (double)a1[j / block]) +
                   (1.0 - b1) * g[j];
        s += c * c;
      }
    scale = s > 0.0 ? 1.0 / sqrt(s) : 0.0;
  }
  else if (h->lion_k == TY_LIONK_HUBER)
    scale = h->huber_delta;
  for (b0 = 0; b0 < n; b0 += block) {
    size_t len = n - b0 < block ? n - b0 : block, blk = b0 / block;
    double sc = (double)a1[blk], mx = 0.0;
    for (j = 0; j < len; j++) {
      double gj = g[b0 + j], mj, c;
      if (!isfinite(gj)) { work[j] = 0.0; continue; }
      mj = (double)Q8.smap[c1[b0 + j]] * sc;
      c = b1 * mj + (1.0 - b1) * gj;
      x[b0 + j] = x[b0 + j] * decay - lr * lionk_grad(h->lion_k, c, scale);
      mj = b2 * mj + (1.0 - b2) * gj;
      work[j] = mj;
      if (fabs(mj) > mx) mx = fabs(mj);
    }
    a1[blk] = block_absmax(mx);
    encode_block(len, work, a1[blk], 1, c1 + b0);
  }
}

void ty_optim_lion8_fp (const ty_optim_hyper *h, size_t n, double *x,
                        const double *g, double *m) {
  size_t i;
  if (ty_optim_allfinite(n, g, h->threads)) {
    ty_optim_lion(h, n, x, g, m);
    return;
  }
  if (h->lion_k == TY_LIONK_L2) {      /* norm over the finite entries */
    double s = 0.0, b1 = h->beta1, lr = h->lr, scale;
    double decay = 1.0 - lr * h->weight_decay;
    for (i = 0; i < n; i++)
      if (isfinite(g[i])) {
        double c = b1 * m[i] + (1.0 - b1) * g[i];
        s += c * c;
      }
    scale = s > 0.0 ? 1.0 / sqrt(s) : 0.0;
    for (i = 0; i < n; i++) {
      double c;
      if (!isfinite(g[i])) { m[i] = 0.0; continue; }
      c = b1 * m[i] + (1.0 - b1) * g[i];
      x[i] = x[i] * decay - lr * c * scale;
      m[i] = h->beta2 * m[i] + (1.0 - h->beta2) * g[i];
    }
    return;
  }
  for (i = 0; i < n; i++) {
    if (!isfinite(g[i])) m[i] = 0.0;
    else ty_optim_lion(h, 1, x + i, g + i, m + i);
  }
}


/* ====================================================================== */
/* test functions                                                         */
/* ====================================================================== */

#define PI 3.14159265358979323846

double ty_testfn_rosenbrock (size_t n, const double *x, size_t inc,
                             double *grad) {
  double f = 0.0;
  size_t i;
  if (grad) for (i = 0; i < n; i++) grad[i * inc] = 0.0;
  for (i = 0; i + 1 < n; i++) {
    double a = x[i * inc], b = x[(i + 1) * inc], r = b - a * a;
    f += 100.0 * r * r + (1.0 - a) * (1.0 - a);
    if (grad) {
      grad[i * inc] += -400.0 * a * r - 2.0 * (1.0 - a);
      grad[(i + 1) * inc] += 200.0 * r;
    }
  }
  return f;
}

double ty_testfn_rastrigin (size_t n, const double *x, size_t inc,
                            double *grad) {
  double f = 10.0 * (double)n;
  size_t i;
  for (i = 0; i < n; i++) {
    double a = x[i * inc];
    f += a * a - 10.0 * cos(2.0 * PI * a);
    if (grad) grad[i * inc] = 2.0 * a + 20.0 * PI * sin(2.0 * PI * a);
  }
  return f;
}

double ty_testfn_ackley (size_t n, const double *x, size_t inc,
                         double *grad) {
  double s = 0.0, c = 0.0, r, e1, e2, dn = (double)n;
  size_t i;
  if (n == 0) return 0.0;
  for (i = 0; i < n; i++) {
    double a = x[i * inc];
    s += a * a;
    c += cos(2.0 * PI * a);
  }
  r = sqrt(s / dn);
  e1 = exp(-0.2 * r);
  e2 = exp(c / dn);
  if (grad)
    for (i = 0; i < n; i++) {
      double a = x[i * inc];
      double t1 = r > 0.0 ? 4.0 * e1 * a / (dn * r) : 0.0;
      grad[i * inc] = t1 + e2 * 2.0 * PI * sin(2.0 * PI * a) / dn;
    }
  return -20.0 * e1 - e2 + 20.0 + exp(1.0);
}

double ty_testfn_quadratic (size_t n, const double *x, size_t inc,
                            double cond, double *grad) {
  double f = 0.0;
  size_t i;
  for (i = 0; i < n; i++) {
    double lam = n > 1 ? pow(cond, (double)i / (double)(n - 1)) : 1.0;
    double a = x[i * inc];
    f += 0.5 * lam * a * a;
    if (grad) grad[i * inc] = lam * a;
  }
  return f;
}

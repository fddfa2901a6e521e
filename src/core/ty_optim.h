/*
** ty_optim.h: first-order optimizers over flat double arrays (no Lua).
**
** Every update rule of ../shared/methods/optimizers.md, sections 1-9, as
** one function per method.  A call updates one tensor: x (n parameters,
** updated in place) from its gradient g (read only) and the method's state
** vectors (updated in place; zero-filled by the caller before the first
** step).  The step counter t is 1 on the first step.  The caller validates
** everything first: the kernels neither allocate nor fail, and run as one
** fused pass over memory (LAMB, Lion-K "l2", AdamP and SGDP need a second
** pass for their per-tensor norms).
**
** The 8-bit methods keep their states as one-byte codes of the dynamic
** maps (signed for momenta, unsigned for second moments) with one float32
** absmax per block of `block` elements.
**
** The test functions of optim.testfn (Rosenbrock, Rastrigin, Ackley and a
** diagonal quadratic) are here too: value and gradient of one point.
*/
#ifndef TY_OPTIM_H
#define TY_OPTIM_H

#include <stddef.h>
#include <stdint.h>

/* the Lion-K family: the function K whose gradient replaces sign() */
enum { TY_LIONK_L1, TY_LIONK_L2, TY_LIONK_HUBER, TY_LIONK_QUAD };

/* Hyper-parameters of one step of one tensor (the fields a method does not
** use are ignored).  weight_decay is the tensor's own (0 when excluded). */
typedef struct ty_optim_hyper {
  double lr;
  double beta1, beta2, beta3;    /* Adan uses all three (code convention) */
  double eps;
  double weight_decay;
  double momentum, dampening;    /* SGD, SGDP */
  int nesterov;                  /* SGD, AdamP, SGDP */
  int amsgrad;                   /* Adam, AdamW */
  int decoupled;                 /* Adam: 0 = L2 in the gradient, 1 = AdamW */
  int lion_k;                    /* TY_LIONK_* */
  double huber_delta;            /* Lion-K "huber" */
  double proj_delta, wd_ratio;   /* AdamP, SGDP */
  double trust_min, trust_max;   /* LAMB: clip of ||x|| in the trust ratio */
  int adapt;                     /* LAMB: 0 forces the trust ratio to 1 */
  int no_prox;                   /* Adan: 1 = decay before, not proximal */
  int log_step;                  /* EXAdam: 1 = lr ln(sqrt(2 (t + 1))) */
  int threads;                   /* threads for big tensors (0, 1: none) */
} ty_optim_hyper;

/* Threads: with h->threads > 1, the element-wise rules (SGD, Adam, AdamW,
** Lion except K = "l2", Adan, EXAdam, the 8-bit rules) split tensors of at
** least TY_OPTIM_PAR_MIN elements into that many contiguous pieces (whole
** blocks for the 8-bit rules), one per thread; the results are the same as
** with one thread.  The 8-bit rules then need threads times the work
** memory stated below. */
#define TY_OPTIM_PAR_MIN ((size_t)1 << 17)
#define TY_OPTIM_MAX_THREADS 16

/* the number of pieces a tensor of n elements is split into */
int ty_optim_pieces (const ty_optim_hyper *h, size_t n);

/* 1 when g[0..n-1] are all finite (threads: as in the rules) */
int ty_optim_allfinite (size_t n, const double *g, int threads);

/* sum of g[i]^2 (for global gradient clipping) */
double ty_optim_sumsq (size_t n, const double *g);

/* SGD with momentum (torch semantics).  buf (n, unused when momentum is
** 0) is the momentum buffer; buf_ready 0 means it holds nothing yet and
** is set to the first direction itself. */
void ty_optim_sgd (const ty_optim_hyper *h, size_t n, double *x,
                   const double *g, double *buf, int buf_ready);

/* Adam / AdamW (torch semantics): states m, v, and vmax when amsgrad. */
void ty_optim_adam (const ty_optim_hyper *h, long t, size_t n, double *x,
                    const double *g, double *m, double *v, double *vmax);

/* LAMB (TF-addons semantics) on one tensor, its gradient scaled by gscale
** (global clipping; 1 for none); returns the trust ratio used. */
double ty_optim_lamb (const ty_optim_hyper *h, long t, size_t n, double *x,
                      const double *g, double gscale, double *m, double *v);

/* Lion and the Lion-K family (h->lion_k): state m. */
void ty_optim_lion (const ty_optim_hyper *h, size_t n, double *x,
                    const double *g, double *m);

/* Adan (code convention of the betas).  The gradient is gscale g (global
** clipping); states m, v, nv (the EMA of squares) and gprev, which is
** seeded with the gradient when seed_prev is 1 (first step after creation
** or reset). */
void ty_optim_adan (const ty_optim_hyper *h, long t, size_t n, double *x,
                    const double *g, double gscale, double *m, double *v,
                    double *nv, double *gprev, int seed_prev);

/* AdamP on a rows x cols tensor stored column-major (row i is one output
** unit).  The projection is tried when rows and cols describe a matrix
** (cols > 1); work holds 4 rows doubles.  Returns 1 when the update was
** projected (the tensor looked scale invariant), else 0. */
int ty_optim_adamp (const ty_optim_hyper *h, long t, size_t rows,
                    size_t cols, double *x, const double *g, double *m,
                    double *v, double *work);

/* SGDP (buffer from zero, reference semantics); as ty_optim_adamp. */
int ty_optim_sgdp (const ty_optim_hyper *h, size_t rows, size_t cols,
                   double *x, const double *g, double *buf, double *work);

/* EXAdam (paper v2: constant step, unless h->log_step): states m, v. */
void ty_optim_exadam (const ty_optim_hyper *h, long t, size_t n, double *x,
                      const double *g, double *m, double *v);

/* ---- 8-bit states ------------------------------------------------------ */

/* The 256 entries of the dynamic map, ascending (signed: index 127 is 0
** and 255 is 1; unsigned: index 0 is 0 and 255 is 1), float32 values. */
const float *ty_q8_map (int is_signed);

/* The code of x (already divided by its block's absmax): the index of the
** nearest map entry, ties to the lower index; for the signed map a
** negative x never rounds to the zero code (it takes 126).  x must not be
** NaN. */
unsigned ty_q8_encode (double x, int is_signed);

/* Quantize x[0..n-1] in blocks of `block`: absmax[b] = the float32 of the
** largest |x| of block b (at most FLT_MAX), codes = encode(x / absmax)
** (the zero code for an all-zero block).  x must be finite. */
void ty_q8_quantize (size_t n, size_t block, const double *x, int is_signed,
                     uint8_t *codes, float *absmax);

/* x = map[codes] * absmax of the block */
void ty_q8_dequantize (size_t n, size_t block, const uint8_t *codes,
                       const float *absmax, int is_signed, double *x);

/* 8-bit Adam / AdamW (decay always decoupled): states as codes c1 (signed
** map) and c2 (unsigned) with one absmax per block; work holds 2 block
** doubles.  A NaN or Inf gradient element leaves its parameter alone and
** zeroes its states. */
void ty_optim_adam8 (const ty_optim_hyper *h, long t, size_t n, size_t block,
                     double *x, const double *g, uint8_t *c1, float *a1,
                     uint8_t *c2, float *a2, double *work);

/* The same rule with states kept in double (tensors below the 8-bit size,
** or quantize = false): with finite gradients, exactly AdamW. */
void ty_optim_adam8_fp (const ty_optim_hyper *h, long t, size_t n, double *x,
                        const double *g, double *m, double *v);

/* 8-bit Lion (any K): momentum as signed codes c1 with absmax a1; work
** holds block doubles.  Non-finite gradient elements as ty_optim_adam8. */
void ty_optim_lion8 (const ty_optim_hyper *h, size_t n, size_t block,
                     double *x, const double *g, uint8_t *c1, float *a1,
                     double *work);

/* Lion with double state and the per-element NaN rule of the 8-bit
** methods (small tensors of lion8bit). */
void ty_optim_lion8_fp (const ty_optim_hyper *h, size_t n, double *x,
                        const double *g, double *m);

/* ---- test functions ------------------------------------------------------ */

/* Value at the point x (n coordinates, stride `inc` between them) and,
** when grad is not NULL, the gradient into grad (same stride). */
double ty_testfn_rosenbrock (size_t n, const double *x, size_t inc,
                             double *grad);
double ty_testfn_rastrigin (size_t n, const double *x, size_t inc,
                            double *grad);
double ty_testfn_ackley (size_t n, const double *x, size_t inc,
                         double *grad);
/* f = 1/2 sum lambda_i x_i^2 with lambda_i = cond^((i-1)/(n-1)) */
double ty_testfn_quadratic (size_t n, const double *x, size_t inc,
                            double cond, double *grad);

#endif

/*
** ty_simd.h: what the vectorized kernels share (no Lua).
**
** TY_CLONES compiles a function for AVX-512, AVX2 and the baseline; the
** dynamic loader picks one when tycho starts (GCC's target_clones).
** ty_v8d / ty_v8i are GCC vectors of 8 doubles / 8 int64s, and ty_v8_exp
** their exponential, used by mat's elementwise exp and by Sinkhorn.
*/
#ifndef TY_SIMD_H
#define TY_SIMD_H

#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    __GNUC__ >= 6
#define TY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TY_CLONES
#endif

#if defined(__GNUC__)
#define TY_HAVE_V8 1

/* the vectors are passed only to always-inlined functions: no ABI crosses */
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef double ty_v8d __attribute__((vector_size(64)));
typedef int64_t ty_v8i __attribute__((vector_size(64)));

/*
** exp of 8 doubles, each with |x| < 709 (the caller handles the rest):
** exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 (ln 2 split in
** two parts, Cody and Waite), |r| <= 0.347, and exp(r) by its Taylor
** polynomial of degree 13 (truncation below 1e-17 relative): within 1 ulp
** of libm's exp.  k is rounded by adding 1.5 * 2^52, whose low bits then
** hold k, and 2^k is built from those bits.
*/
static inline __attribute__((always_inline)) ty_v8d ty_v8_exp (ty_v8d x) {
  const double shift = 0x1.8p52;
  const double ln2hi = 6.93147180369123816490e-01;
  const double ln2lo = 1.90821492927058770002e-10;
  ty_v8d k = x * 1.4426950408889634 + shift, r, p;
  ty_v8i kbits = (ty_v8i)k;
  k = k - shift;
  r = x - k * ln2hi;
  r = r - k * ln2lo;
  p = (1.0 / 6227020800.0) * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * (ty_v8d)((kbits + 1023) << 52);       /* times 2^k */
}

#endif
#endif

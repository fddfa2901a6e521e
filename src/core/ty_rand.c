/*
** ty_rand.c: xoshiro256** seeded by splitmix64, uniform doubles, unbiased
** integers, a ziggurat for normals, Fisher-Yates.  See ty_rand.h and
** docs/rand.md for the exact definition every machine must reproduce.
*/

/* Fused multiply-add would change the last bit of some results from one
** machine to the next: every a*b+c must be two rounded operations.  The
** pragmas ask the compiler not to contract; rmul (a product stored
** through a volatile) guarantees it even against -ffp-contract=fast. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>

#include "ty_rand.h"

/* a * b, rounded to double before any addition can use it */
static double rmul (double a, double b) {
  volatile double p = a * b;
  return p;
}

/* ====================================================================== */
/* xoshiro256** and splitmix64                                            */
/* ====================================================================== */

static uint64_t rotl (uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

/* splitmix64 (Steele, Lea and Flood): advance the counter, mix it */
static uint64_t splitmix64 (uint64_t *counter) {
  uint64_t z = (*counter += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void ty_rng_seed (ty_rng *r, uint64_t seed) {
  int i;
  for (i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

int ty_rng_setstate (ty_rng *r, const uint64_t s[4]) {
  if ((s[0] | s[1] | s[2] | s[3]) == 0) return -1;
  r->s[0] = s[0]; r->s[1] = s[1]; r->s[2] = s[2]; r->s[3] = s[3];
  return 0;
}

/* xoshiro256** step: output from s[1], then the linear update */
static uint64_t next (ty_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t ty_rng_next (ty_rng *r) {
  return next(r);
}

#define TWO_M53 (1.0 / 9007199254740992.0)       /* 2^-53 */

double ty_rng_uniform (ty_rng *r) {
  return (double)(next(r) >> 11) * TWO_M53;
}

uint64_t ty_rng_below (ty_rng *r, uint64_t n) {
  uint64_t threshold, x;
  if (n == 0) return next(r);
  threshold = (0 - n) % n;                 /* 2^64 mod n */
  do x = next(r); while (x < threshold);
  return x % n;
}

void ty_rng_fill_uniform (ty_rng *r, double *x, size_t n) {
  size_t k;
  for (k = 0; k < n; k++) x[k] = (double)(next(r) >> 11) * TWO_M53;
}

void ty_rng_shuffle (ty_rng *r, double *x, size_t n) {
  size_t i;
  for (i = n; i > 1; i--) {
    size_t j = (size_t)ty_rng_below(r, (uint64_t)i);
    double tmp = x[i - 1];
    x[i - 1] = x[j];
    x[j] = tmp;
  }
}

/* ====================================================================== */
/* exp and log from +, -, *, / (identical results on every IEEE machine)  */
/* ====================================================================== */

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00

/* exp(t) = 2^k exp(r), t = k ln 2 + r, |r| <= ln2 / 2; exp(r) by its
** Taylor series to degree 13 (remainder below 2^-57).  ldexp and floor
** are exact, so the result depends on basic arithmetic only. */
double ty_det_exp (double t) {
  double k = floor(rmul(t, INV_LN2) + 0.5);
  double r = (t - rmul(k, LN2_HI)) - rmul(k, LN2_LO);
  double p = 1.0 / 6227020800.0;                        /* 1/13! */
  p = 1.0 / 479001600.0 + rmul(r, p);                  /* 1/12! */
  p = 1.0 / 39916800.0 + rmul(r, p);
  p = 1.0 / 3628800.0 + rmul(r, p);
  p = 1.0 / 362880.0 + rmul(r, p);
  p = 1.0 / 40320.0 + rmul(r, p);
  p = 1.0 / 5040.0 + rmul(r, p);
  p = 1.0 / 720.0 + rmul(r, p);
  p = 1.0 / 120.0 + rmul(r, p);
  p = 1.0 / 24.0 + rmul(r, p);
  p = 1.0 / 6.0 + rmul(r, p);
  p = 0.5 + rmul(r, p);
  p = 1.0 + rmul(r, p);
  p = 1.0 + rmul(r, p);
  return ldexp(p, (int)k);
}

/* log(x) = e ln 2 + log(m), x = m 2^e with m in [sqrt(1/2), sqrt(2));
** log(m) = 2 atanh(f) = 2 (f + f^3/3 + f^5/5 + ...), f = (m-1)/(m+1),
** |f| < 0.172, summed to f^23 (remainder below 2^-60). */
double ty_det_log (double x) {
  int e, k;
  double m = frexp(x, &e), f, s, p;
  if (m < 0.70710678118654752440) { m = m + m; e--; }
  f = (m - 1.0) / (m + 1.0);
  s = f * f;
  p = 1.0 / 23.0;
  for (k = 21; k >= 1; k -= 2) p = 1.0 / k + rmul(s, p);
  return rmul((double)e, LN2_HI) + (rmul((double)e, LN2_LO)
                                    + rmul(2.0 * f, p));
}

/* ====================================================================== */
/* normals: a 256-layer ziggurat                                          */
/* ====================================================================== */

/* The layers cover f(x) = exp(-x^2/2) for x >= 0 with 256 pieces of equal
** area V: layer 0 is the box [0, R] x [0, f(R)] plus the tail beyond R;
** layer i >= 1 is the box [0, x[i]] x [f(x[i]), f(x[i+1])], with
** x[1] = R, x[i+1] = sqrt(-2 log(V / x[i] + f(x[i]))), x[256] = 0, and
** x[0] = V / f(R) the width layer 0 would have as a box.  R solves the
** closing condition x[255] (1 - f(x[255])) = V (to double precision). */
#define ZIG_N 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 4.928673233974658e-3     /* R f(R) + int_R^inf f */

static double zig_x[ZIG_N + 1], zig_f[ZIG_N + 1];
static int zig_ready = 0;

static double gauss_f (double x) {
  return ty_det_exp(-0.5 * x * x);
}

/* Compute the tables once (they depend on basic arithmetic only, so they
** are the same everywhere; the race of two first calls is benign since
** both write the same values). */
static void zig_init (void) {
  int i;
  zig_x[0] = ZIG_V / gauss_f(ZIG_R);
  zig_x[1] = ZIG_R;
  for (i = 1; i < ZIG_N - 1; i++)
    zig_x[i + 1] = sqrt(-2.0 * ty_det_log(ZIG_V / zig_x[i]
                                          + gauss_f(zig_x[i])));
  zig_x[ZIG_N] = 0.0;
  for (i = 0; i <= ZIG_N; i++) zig_f[i] = gauss_f(zig_x[i]);
  zig_ready = 1;
}

/* One draw: a 64-bit output b gives the layer i (bits 0-7), the sign
** (bit 8) and a uniform u = (b >> 11) 2^-53; x = u x[i].  Accept at once
** when x < x[i+1]; otherwise layer 0 samples the tail (Marsaglia's
** method) and other layers test the wedge against f with a fresh
** uniform; a rejected draw starts over with the next output. */
double ty_rng_normal (ty_rng *r) {
  if (!zig_ready) zig_init();
  for (;;) {
    uint64_t b = next(r);
    int i = (int)(b & 0xff);
    double sign = (b & 0x100) ? -1.0 : 1.0;
    double x = (double)(b >> 11) * TWO_M53 * zig_x[i];
    if (x < zig_x[i + 1])
      return sign * x;
    if (i == 0) {                              /* tail beyond R */
      double a, y;
      do {
        a = -ty_det_log(1.0 - ty_rng_uniform(r)) / ZIG_R;
        y = -ty_det_log(1.0 - ty_rng_uniform(r));
      } while (y + y < a * a);
      return sign * (ZIG_R + a);
    }
    if (zig_f[i] + rmul(ty_rng_uniform(r), zig_f[i + 1] - zig_f[i])
        < gauss_f(x))
      return sign * x;
  }
}

double ty_rng_uniform_ab (ty_rng *r, double a, double b) {
  return a + rmul(b - a, ty_rng_uniform(r));
}

double ty_rng_normal_ms (ty_rng *r, double mu, double sigma) {
  return mu + rmul(sigma, ty_rng_normal(r));
}

void ty_rng_fill_normal (ty_rng *r, double *x, size_t n) {
  size_t k;
  for (k = 0; k < n; k++) x[k] = ty_rng_normal(r);
}

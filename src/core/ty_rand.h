/*
** ty_rand.h: tycho's random number generator (no Lua here).
**
** One generator, defined exactly so that a seed gives the same numbers on
** every machine (docs/rand.md states the whole definition):
**
**   - the state is four 64-bit words, advanced by xoshiro256** (Blackman
**     and Vigna, 2018);
**   - ty_rng_seed(seed) sets s[0..3] to four successive outputs of
**     splitmix64 started from the counter `seed`;
**   - a uniform double is (next() >> 11) * 2^-53, in [0, 1);
**   - an integer in [0, n) is next() mod n after rejecting outputs below
**     2^64 mod n (unbiased);
**   - a standard normal comes from a 256-layer ziggurat (Marsaglia and
**     Tsang, 2000) whose tables, tail and wedge tests are computed with
**     tycho's own exp and log built from +, -, *, / and sqrt only, so
**     they do not depend on the C library.
**
** The generator is a plain struct, so any module can own independent
** streams; there is no global state in the core.  The Lua binding keeps
** the default generator (the one rand.* and mat.rand use) as a full
** userdata holding a ty_rng, stored in the registry under TY_RNG_REGKEY.
*/
#ifndef TY_RAND_H
#define TY_RAND_H

#include <stddef.h>
#include <stdint.h>

/* registry field of the default generator (a userdata holding a ty_rng) */
#define TY_RNG_REGKEY "tycho.rng"

typedef struct ty_rng {
  uint64_t s[4];          /* xoshiro256** state; never all zero */
} ty_rng;

/* Seed: s[i] = the i-th output of splitmix64 from counter `seed`. */
void ty_rng_seed (ty_rng *r, uint64_t seed);

/* Set the state directly; returns 0, or -1 (state unchanged) when all
** four words are zero, the one state xoshiro256** cannot leave. */
int ty_rng_setstate (ty_rng *r, const uint64_t s[4]);

/* the next raw 64-bit output */
uint64_t ty_rng_next (ty_rng *r);

/* a uniform double in [0, 1): (next() >> 11) * 2^-53 */
double ty_rng_uniform (ty_rng *r);

/* a uniform integer in [0, n) without bias; n == 0 means the full
** 64-bit range (the raw output) */
uint64_t ty_rng_below (ty_rng *r, uint64_t n);

/* a standard normal deviate (ziggurat) */
double ty_rng_normal (ty_rng *r);

/* a + (b - a) u and mu + sigma z, each product rounded before the sum
** (no fused multiply-add), so the results are the same everywhere */
double ty_rng_uniform_ab (ty_rng *r, double a, double b);
double ty_rng_normal_ms (ty_rng *r, double mu, double sigma);

/* fill x[0..n-1] with uniform [0, 1) / standard normal deviates, in order
** (the same numbers as n calls of ty_rng_uniform / ty_rng_normal) */
void ty_rng_fill_uniform (ty_rng *r, double *x, size_t n);
void ty_rng_fill_normal (ty_rng *r, double *x, size_t n);

/* Fisher-Yates shuffle of x[0..n-1]: for i = n-1 down to 1, swap x[i]
** with x[ty_rng_below(r, i + 1)]. */
void ty_rng_shuffle (ty_rng *r, double *x, size_t n);

/* exp and log computed with +, -, *, / only (results identical on every
** IEEE-754 machine), accurate to a few ulps; exposed for tests.
** ty_det_exp: any finite t whose result is a normal double;
** ty_det_log: positive normal x. */
double ty_det_exp (double t);
double ty_det_log (double x);

#endif

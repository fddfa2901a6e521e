/*
** ty_nn.c: small feed-forward networks (see ty_nn.h).
**
** Layout: every batch buffer is B x features, column-major.  A dense
** layer's forward pass is one dgemm, z = x W^T (x B x in, W out x in), and
** one pass over z that adds the bias and applies the activation.  Its
** backward pass scales gz by the activation's derivative in place, then
** gW = gz^T x, gb = column sums of gz, and (except for the first layer)
** the previous layer's gz = gz W, which that layer then scales in turn.
*/
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "ty_nn.h"
#include "ty_simd.h"
#include "ty_interrupt.h"

const char *const ty_nn_actnames[] = {
  "identity", "tanh", "relu", "gelu", "sigmoid", NULL
};

/* largest feature count or batch size (BLAS takes ints) */
#define MAXDIM ((size_t)INT_MAX)

/* ====================================================================== */
/* structure                                                              */
/* ====================================================================== */

void ty_nn_setup (ty_nn *net, ty_nn_layer *layers, const ty_nn_arch *arch) {
  int l;
  size_t in = arch->in;
  memset(net, 0, sizeof(*net));
  net->nlayers = arch->nlayers;
  net->layer = layers;
  net->in = arch->in;
  for (l = 0; l < arch->nlayers; l++) {
    ty_nn_layer *ly = &layers[l];
    memset(ly, 0, sizeof(*ly));
    ly->kind = arch->kind[l];
    ly->act = arch->act[l];
    ly->in = in;
    ly->out = arch->out[l];
    in = ly->out;
  }
}

size_t ty_nn_paramsize (const ty_nn_layer *l, int which) {
  switch (l->kind) {
    case TY_NN_DENSE: return which == 0 ? l->out * l->in : l->out;
    default: return 0;
  }
}

size_t ty_nn_nparams (const ty_nn *net) {
  size_t n = 0;
  int l;
  for (l = 0; l < net->nlayers; l++)
    n += ty_nn_paramsize(&net->layer[l], 0) +
         ty_nn_paramsize(&net->layer[l], 1);
  return n;
}

/* doubles of batch buffer per row: the input copy, then per layer a, gz
** and (gelu) z */
static size_t per_row (const ty_nn *net) {
  size_t n = net->in;
  int l;
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    n += ly->out * (ly->act == TY_NN_GELU ? 3 : 2);
  }
  return n;
}

size_t ty_nn_bufsize (const ty_nn *net, size_t B) {
  size_t r = per_row(net);
  if (B != 0 && r > (SIZE_MAX / sizeof(double) / 2) / B) return 0;
  return r * B;
}

void ty_nn_bind (ty_nn *net, double *buf, size_t B) {
  int l;
  net->x = buf;
  buf += B * net->in;
  for (l = 0; l < net->nlayers; l++) {
    ty_nn_layer *ly = &net->layer[l];
    ly->a = buf;  buf += B * ly->out;
    ly->gz = buf; buf += B * ly->out;
    if (ly->act == TY_NN_GELU) { ly->z = buf; buf += B * ly->out; }
    else ly->z = NULL;
  }
  net->batch = B;
}

void ty_nn_init (ty_nn *net, ty_rng *r) {
  int l;
  for (l = 0; l < net->nlayers; l++) {
    ty_nn_layer *ly = &net->layer[l];
    size_t k, nw = ty_nn_paramsize(ly, 0), nb = ty_nn_paramsize(ly, 1);
    double fan = (ly->act == TY_NN_RELU || ly->act == TY_NN_GELU)
                 ? (double)ly->in : (double)(ly->in + ly->out);
    double bound = sqrt(6.0 / fan);
    for (k = 0; k < nw; k++)
      ly->W[k] = ty_rng_uniform_ab(r, -bound, bound);
    for (k = 0; k < nb; k++) ly->b[k] = 0.0;
  }
}

/* ====================================================================== */
/* activations                                                            */
/* ====================================================================== */

#define SQRT1_2     0.70710678118654752440
#define INV_SQRT2PI 0.39894228040143267794

/*
** The activations are the hot elementwise loops of a pass.  tanh and the
** sigmoid go through exp, here an 8-wide kernel written with GCC's vector
** extensions and compiled for AVX-512, AVX2 and the baseline (chosen when
** the program starts); elsewhere, and for the last n mod 8 elements, libm.
**
** em1(y) = exp(y) - 1 for -708 < y <= 0: y = k ln 2 + r, k = round(y / ln 2)
** (by adding 1.5 * 2^52, whose low bits then hold k), ln 2 in two parts
** (Cody and Waite), |r| <= 0.347; q = exp(r) - 1 by its Taylor polynomial
** of degree 13 without the constant term, so small y lose nothing to
** cancellation; then exp(y) - 1 = 2^k q + (2^k - 1).
**   tanh(x) = sign(x) * (-e) / (2 + e),  e = em1(-2 min(|x|, 20))
**   (tanh(20) rounds to 1);
**   sigmoid(x) = 1 / (1 + t) for x >= 0, t / (1 + t) for x < 0, with
**   t = exp(-|x|) = 2^k (q + 1), for |x| < 700.
** A block of 8 holding a NaN (or for the sigmoid a value beyond +-700)
** goes through libm instead, so NaN propagates and the tails stay exact.
*/
/* the logistic function without overflow: exp of a negative number only */
static double sigmoid (double v) {
  double t;
  if (v >= 0.0) return 1.0 / (1.0 + exp(-v));
  t = exp(v);
  return t / (1.0 + t);
}


#if defined(__GNUC__)
#define NN_VECTOR 1

typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8i __attribute__((vector_size(64)));

/* out = exp(y) - 1 (minus1 = 1) or exp(y) (minus1 = 0) for 8 values y in
** [-708, 0] (a macro: GCC passes 64-byte vectors to functions differently
** per target) */
#define EXPV(out, y, minus1) do { \
    const double log2e_ = 1.4426950408889634, shift_ = 0x1.8p52; \
    const double ln2hi_ = 6.93147180369123816490e-01; \
    const double ln2lo_ = 1.90821492927058770002e-10; \
    v8d k_ = (y) * log2e_ + shift_, r_, q_, p2_; \
    v8i kb_ = (v8i)k_; \
    k_ = k_ - shift_; \
    r_ = (y) - k_ * ln2hi_; \
    r_ = r_ - k_ * ln2lo_; \
    q_ = (1.0 / 6227020800.0) * r_ + 1.0 / 479001600.0; \
    q_ = q_ * r_ + 1.0 / 39916800.0; \
    q_ = q_ * r_ + 1.0 / 3628800.0; \
    q_ = q_ * r_ + 1.0 / 362880.0; \
    q_ = q_ * r_ + 1.0 / 40320.0; \
    q_ = q_ * r_ + 1.0 / 5040.0; \
    q_ = q_ * r_ + 1.0 / 720.0; \
    q_ = q_ * r_ + 1.0 / 120.0; \
    q_ = q_ * r_ + 1.0 / 24.0; \
    q_ = q_ * r_ + 1.0 / 6.0; \
    q_ = q_ * r_ + 0.5; \
    q_ = q_ * r_ * r_ + r_; \
    p2_ = (v8d)((kb_ + 1023) << 52);               /* 2^k */ \
    (out) = (minus1) ? p2_ * q_ + (p2_ - 1.0) : p2_ * (q_ + 1.0); \
  } while (0)

/* where m (all ones or zeros per lane) then a else b */
#define BLEND(m, a, b) ((v8d)(((v8i)(a) & (m)) | ((v8i)(b) & ~(m))))

/* nonzero when one of 8 values is NaN */
#define HAS_NAN(v) ({ v8i b_ = (v) != (v); \
  (b_[0] | b_[1] | b_[2] | b_[3] | b_[4] | b_[5] | b_[6] | b_[7]) != 0; })

/* a = tanh(z + bias), n a multiple of 8 (a may be z) */
TY_CLONES
static void tanh_block (double *a, const double *z, double bias, size_t n) {
  const v8i sign = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
                    INT64_MIN, INT64_MIN, INT64_MIN};
  const v8d twenty = {20, 20, 20, 20, 20, 20, 20, 20};
  size_t i;
  int j;
  for (i = 0; i < n; i += 8) {
    v8d v, ax, e, t;
    memcpy(&v, z + i, sizeof v);
    v = v + bias;
    ax = (v8d)((v8i)v & ~sign);
    ax = BLEND(ax < 20.0, ax, twenty);
    ax = -2.0 * ax;
    EXPV(e, ax, 1);
    t = -e / (2.0 + e);
    t = (v8d)((v8i)t | ((v8i)v & sign));
    if (HAS_NAN(v))                     /* NaN in, NaN out */
      for (j = 0; j < 8; j++) t[j] = tanh(v[j]);
    memcpy(a + i, &t, sizeof t);
  }
}

/* a = sigmoid(z + bias), n a multiple of 8 (a may be z) */
TY_CLONES
static void sigmoid_block (double *a, const double *z, double bias,
                           size_t n) {
  const v8d big = {700, 700, 700, 700, 700, 700, 700, 700};
  const v8d one = {1, 1, 1, 1, 1, 1, 1, 1};
  const v8d nans = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  size_t i;
  int j;
  for (i = 0; i < n; i += 8) {
    v8d v, ax, t, s;
    memcpy(&v, z + i, sizeof v);
    v = v + bias;
    ax = BLEND(v < 0.0, -v, v);
    if (HAS_NAN(BLEND(ax < 700.0, ax, nans))) {     /* NaN, or far tails */
      for (j = 0; j < 8; j++) s[j] = sigmoid(v[j]);
    }
    else {
      ax = -BLEND(ax < 700.0, ax, big);
      EXPV(t, ax, 0);
      s = BLEND(v < 0.0, t, one) / (1.0 + t);
    }
    memcpy(a + i, &s, sizeof s);
  }
}

/* a = max(z + bias, 0), n a multiple of 8 (branch-free: the signs of a
** layer's pre-activations are as good as random) */
TY_CLONES
static void relu_block (double *a, const double *z, double bias, size_t n) {
  const v8d zero = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i;
  for (i = 0; i < n; i += 8) {
    v8d v;
    memcpy(&v, z + i, sizeof v);
    v = v + bias;
    v = BLEND(v > 0.0, v, zero);
    memcpy(a + i, &v, sizeof v);
  }
}

/* g = 0 where a <= 0, n a multiple of 8 */
TY_CLONES
static void drelu_block (double *restrict g, const double *restrict a,
                         size_t n) {
  const v8d zero = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i;
  for (i = 0; i < n; i += 8) {
    v8d gv, av;
    memcpy(&gv, g + i, sizeof gv);
    memcpy(&av, a + i, sizeof av);
    gv = BLEND(av > 0.0, gv, zero);
    memcpy(g + i, &gv, sizeof gv);
  }
}

/* g *= 1 - a^2 (tanh) or a (1 - a) (sigmoid), n a multiple of 8 */
TY_CLONES
static void dtanh_block (double *restrict g, const double *restrict a,
                         size_t n) {
  size_t i;
  for (i = 0; i < n; i += 8) {
    v8d gv, av;
    memcpy(&gv, g + i, sizeof gv);
    memcpy(&av, a + i, sizeof av);
    gv = gv * (1.0 - av * av);
    memcpy(g + i, &gv, sizeof gv);
  }
}

TY_CLONES
static void dsigmoid_block (double *restrict g, const double *restrict a,
                            size_t n) {
  size_t i;
  for (i = 0; i < n; i += 8) {
    v8d gv, av;
    memcpy(&gv, g + i, sizeof gv);
    memcpy(&av, a + i, sizeof av);
    gv = gv * (av * (1.0 - av));
    memcpy(g + i, &gv, sizeof gv);
  }
}

#else
#define NN_VECTOR 0
#endif

/* a = act(z + bias) over one column of n rows; for gelu z is stored back
** with the bias added (the backward pass needs it) */
static void act_column (int act, double *z, double *a, double bias,
                        size_t n) {
  size_t i, nv = NN_VECTOR ? n & ~(size_t)7 : 0;
  switch (act) {
    case TY_NN_IDENTITY:
      for (i = 0; i < n; i++) a[i] = z[i] + bias;
      break;
    case TY_NN_TANH:
#if NN_VECTOR
      tanh_block(a, z, bias, nv);
#endif
      for (i = nv; i < n; i++) a[i] = tanh(z[i] + bias);
      break;
    case TY_NN_RELU:
#if NN_VECTOR
      relu_block(a, z, bias, nv);
#endif
      for (i = nv; i < n; i++) {
        double v = z[i] + bias;
        a[i] = v > 0.0 ? v : 0.0;
      }
      break;
    case TY_NN_SIGMOID:
#if NN_VECTOR
      sigmoid_block(a, z, bias, nv);
#endif
      for (i = nv; i < n; i++) a[i] = sigmoid(z[i] + bias);
      break;
    case TY_NN_GELU:
      for (i = 0; i < n; i++) {
        double v = z[i] + bias;
        z[i] = v;
        a[i] = 0.5 * v * (1.0 + erf(v * SQRT1_2));
      }
      break;
  }
}

/* g *= act'(z) over n elements, from the outputs a (or z for gelu) */
static void act_grad (int act, double *g, const double *a, const double *z,
                      size_t n) {
  size_t i, nv = NN_VECTOR ? n & ~(size_t)7 : 0;
  switch (act) {
    case TY_NN_IDENTITY:
      break;
    case TY_NN_TANH:
#if NN_VECTOR
      dtanh_block(g, a, nv);
#endif
      for (i = nv; i < n; i++) g[i] *= 1.0 - a[i] * a[i];
      break;
    case TY_NN_RELU:
#if NN_VECTOR
      drelu_block(g, a, nv);
#endif
      for (i = nv; i < n; i++) g[i] = a[i] > 0.0 ? g[i] : 0.0;
      break;
    case TY_NN_SIGMOID:
#if NN_VECTOR
      dsigmoid_block(g, a, nv);
#endif
      for (i = nv; i < n; i++) g[i] *= a[i] * (1.0 - a[i]);
      break;
    case TY_NN_GELU:
      for (i = 0; i < n; i++) {
        double v = z[i];
        double cdf = 0.5 * (1.0 + erf(v * SQRT1_2));
        g[i] *= cdf + v * INV_SQRT2PI * exp(-0.5 * v * v);
      }
      break;
  }
}

/* ====================================================================== */
/* passes                                                                 */
/* ====================================================================== */

const double *ty_nn_input (const ty_nn *net, int l) {
  return l == 0 ? net->x : net->layer[l - 1].a;
}

int ty_nn_stats_ok (const ty_nn *net) {
  return net->ready && net->backward_of == net->nforward;
}

/* forward pass of one dense layer over B rows */
static void dense_forward (ty_nn_layer *ly, const double *x, size_t B) {
  double *z = ly->z ? ly->z : ly->a;
  size_t j;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)B, (int)ly->out,
              (int)ly->in, 1.0, x, (int)B, ly->W, (int)ly->out, 0.0, z,
              (int)B);
  for (j = 0; j < ly->out; j++)
    act_column(ly->act, z + j * B, ly->a + j * B, ly->b[j], B);
}

int ty_nn_forward (ty_nn *net, const double *X, size_t B) {
  int l;
  net->nforward++;
  net->ready = 0;
  if (B > 0) memcpy(net->x, X, B * net->in * sizeof(double));
  for (l = 0; l < net->nlayers && B > 0; l++) {
    ty_nn_layer *ly = &net->layer[l];
    if (ly->kind == TY_NN_DENSE) dense_forward(ly, ty_nn_input(net, l), B);
    if (ty_interrupted()) return TY_EINTR;
  }
  net->ready = 1;
  return 0;
}

/* backward pass of dense layer l over B rows: gz holds d loss / d a on
** entry, d loss / d z on return; fills gW, gb and the previous layer's gz */
static void dense_backward (ty_nn *net, int l, size_t B) {
  ty_nn_layer *ly = &net->layer[l];
  const double *x = ty_nn_input(net, l);
  size_t i, j;
  act_grad(ly->act, ly->gz, ly->a, ly->z, B * ly->out);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)ly->out,
              (int)ly->in, (int)B, 1.0, ly->gz, (int)B, x, (int)B, 0.0,
              ly->gW, (int)ly->out);
  for (j = 0; j < ly->out; j++) {
    const double *g = ly->gz + j * B;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (i = 0; i + 4 <= B; i += 4) {
      s0 += g[i]; s1 += g[i + 1]; s2 += g[i + 2]; s3 += g[i + 3];
    }
    for (; i < B; i++) s0 += g[i];
    ly->gb[j] = (s0 + s1) + (s2 + s3);
  }
  if (l > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)B,
                (int)ly->in, (int)ly->out, 1.0, ly->gz, (int)B, ly->W,
                (int)ly->out, 0.0, net->layer[l - 1].gz, (int)B);
}

int ty_nn_backward (ty_nn *net, const double *dY) {
  size_t B = net->batch;
  int l, last = net->nlayers - 1;
  net->nbackward++;
  net->backward_of = 0;            /* no usable statistics until done */
  if (B == 0) {                   /* the gradient of an empty sum */
    for (l = 0; l <= last; l++) {
      ty_nn_layer *ly = &net->layer[l];
      memset(ly->gW, 0, ty_nn_paramsize(ly, 0) * sizeof(double));
      memset(ly->gb, 0, ty_nn_paramsize(ly, 1) * sizeof(double));
    }
    net->backward_of = net->nforward;
    return 0;
  }
  if (dY != net->layer[last].gz)
    memcpy(net->layer[last].gz, dY, B * net->layer[last].out * sizeof(double));
  for (l = last; l >= 0; l--) {
    if (net->layer[l].kind == TY_NN_DENSE) dense_backward(net, l, B);
    if (ty_interrupted()) return TY_EINTR;
  }
  net->backward_of = net->nforward;
  return 0;
}

/* ====================================================================== */
/* losses                                                                 */
/* ====================================================================== */

double ty_nn_mse (const double *Y, const double *T, size_t B, size_t d,
                  double *dY) {
  size_t k, n = B * d;
  double s = 0.0, invB;
  if (B == 0) return 0.0;
  invB = 1.0 / (double)B;
  for (k = 0; k < n; k++) {
    double r = Y[k] - T[k];
    s += r * r;
    dY[k] = r * invB;
  }
  return 0.5 * s * invB;
}

double ty_nn_cross_entropy (const double *Z, const size_t *label, size_t B,
                            size_t C, double *dZ, double *work) {
  double *m = work, *s = work + B, loss = 0.0, invB;
  size_t i, c;
  if (B == 0) return 0.0;
  invB = 1.0 / (double)B;
  for (i = 0; i < B; i++) { m[i] = Z[i]; s[i] = 0.0; }
  for (c = 1; c < C; c++)
    for (i = 0; i < B; i++)
      if (Z[c * B + i] > m[i]) m[i] = Z[c * B + i];
  for (c = 0; c < C; c++)
    for (i = 0; i < B; i++) {
      double e = exp(Z[c * B + i] - m[i]);
      dZ[c * B + i] = e;
      s[i] += e;
    }
  for (i = 0; i < B; i++) {
    loss += log(s[i]) + m[i] - Z[label[i] * B + i];
    s[i] = invB / s[i];
  }
  for (c = 0; c < C; c++)
    for (i = 0; i < B; i++) dZ[c * B + i] *= s[i];
  for (i = 0; i < B; i++) dZ[label[i] * B + i] -= invB;
  return loss * invB;
}

/* ====================================================================== */
/* files                                                                  */
/* ====================================================================== */

#define NUMCHARS 26            /* "%.17g" of a double and a separator */

size_t ty_nn_textsize (const ty_nn *net) {
  size_t n = ty_nn_nparams(net);
  size_t head = 64 + 48 * (size_t)net->nlayers;
  if (n > (SIZE_MAX / 2 - head) / NUMCHARS) return 0;
  return head + NUMCHARS * n + (size_t)net->nlayers * 2 * 8 + 1;
}

/* append the n numbers v[0], v[stride], ... on one line */
static char *put_row (char *p, const double *v, size_t n, size_t stride) {
  size_t k;
  for (k = 0; k < n; k++)
    p += sprintf(p, k + 1 < n ? "%.17g " : "%.17g", v[k * stride]);
  *p++ = '\n';
  return p;
}

size_t ty_nn_format (const ty_nn *net, char *buf) {
  char *p = buf;
  int l;
  size_t i;
  p += sprintf(p, "tycho-nn 1\ninput %lu\n", (unsigned long)net->in);
  for (l = 0; l < net->nlayers; l++)
    p += sprintf(p, "dense %lu %s\n", (unsigned long)net->layer[l].out,
                 ty_nn_actnames[net->layer[l].act]);
  p += sprintf(p, "end\n");
  for (l = 0; l < net->nlayers; l++) {
    const ty_nn_layer *ly = &net->layer[l];
    for (i = 0; i < ly->out; i++)          /* row i of W (column-major) */
      p = put_row(p, ly->W + i, ly->in, ly->out);
    p = put_row(p, ly->b, ly->out, 1);
  }
  *p = '\0';
  return (size_t)(p - buf);
}

/* a reader over s[0..len-1] (s[len] is '\0') */
typedef struct reader {
  const char *s;
  size_t len, pos;
} reader;

/* the next white-space separated word into w (at most wlen - 1 chars);
** 0 at the end of the text */
static int word (reader *r, char *w, size_t wlen) {
  size_t n = 0;
  while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) != NULL)
    r->pos++;
  if (r->pos >= r->len) return 0;
  while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) == NULL) {
    if (n + 1 < wlen) w[n++] = r->s[r->pos];
    r->pos++;
  }
  w[n] = '\0';
  return 1;
}

/* a positive size word (at most MAXDIM), or 0 */
static size_t size_word (reader *r) {
  char w[32], *end;
  unsigned long v;
  if (!word(r, w, sizeof w) || w[0] < '0' || w[0] > '9') return 0;
  v = strtoul(w, &end, 10);
  if (*end != '\0' || v == 0 || v > MAXDIM) return 0;
  return (size_t)v;
}

int ty_nn_parse_arch (const char *s, size_t len, ty_nn_arch *arch,
                      size_t *pos, char *err, size_t errlen) {
  reader r;
  char w[32];
  r.s = s; r.len = len; r.pos = 0;
  arch->nlayers = 0;
  if (!word(&r, w, sizeof w) || strcmp(w, "tycho-nn") != 0 ||
      !word(&r, w, sizeof w)) {
    snprintf(err, errlen, "not a tycho network file");
    return TY_NN_EFORMAT;
  }
  if (strcmp(w, "1") != 0) {
    snprintf(err, errlen, "unsupported network file version %s", w);
    return TY_NN_EFORMAT;
  }
  if (!word(&r, w, sizeof w) || strcmp(w, "input") != 0 ||
      (arch->in = size_word(&r)) == 0) {
    snprintf(err, errlen, "bad 'input' line");
    return TY_NN_EFORMAT;
  }
  for (;;) {
    int a;
    if (!word(&r, w, sizeof w)) {
      snprintf(err, errlen, "file ends before 'end'");
      return TY_NN_EFORMAT;
    }
    if (strcmp(w, "end") == 0) break;
    if (strcmp(w, "dense") != 0) {
      snprintf(err, errlen, "unknown layer kind '%s'", w);
      return TY_NN_EFORMAT;
    }
    if (arch->nlayers >= TY_NN_MAXLAYERS) {
      snprintf(err, errlen, "more than %d layers", TY_NN_MAXLAYERS);
      return TY_NN_EFORMAT;
    }
    arch->kind[arch->nlayers] = TY_NN_DENSE;
    if ((arch->out[arch->nlayers] = size_word(&r)) == 0 ||
        !word(&r, w, sizeof w)) {
      snprintf(err, errlen, "bad 'dense' line (layer %d)", arch->nlayers + 1);
      return TY_NN_EFORMAT;
    }
    for (a = 0; ty_nn_actnames[a] != NULL; a++)
      if (strcmp(w, ty_nn_actnames[a]) == 0) break;
    if (ty_nn_actnames[a] == NULL) {
      snprintf(err, errlen, "unknown activation '%s'", w);
      return TY_NN_EFORMAT;
    }
    arch->act[arch->nlayers++] = a;
  }
  if (arch->nlayers == 0) {
    snprintf(err, errlen, "no layers");
    return TY_NN_EFORMAT;
  }
  *pos = r.pos;
  return TY_NN_OK;
}

/* read n numbers into v[0], v[stride], ...; 0 on success */
static int get_numbers (reader *r, double *v, size_t n, size_t stride) {
  size_t k;
  for (k = 0; k < n; k++) {
    const char *p = r->s + r->pos;
    char *end;
    double x = strtod(p, &end);
    if (end == p || !isfinite(x) || (size_t)(end - r->s) > r->len) return 1;
    r->pos = (size_t)(end - r->s);
    v[k * stride] = x;
  }
  return 0;
}

int ty_nn_parse_params (ty_nn *net, const char *s, size_t len, size_t pos,
                        char *err, size_t errlen) {
  reader r;
  int l;
  size_t i;
  r.s = s; r.len = len; r.pos = pos;
  for (l = 0; l < net->nlayers; l++) {
    ty_nn_layer *ly = &net->layer[l];
    for (i = 0; i < ly->out; i++) {
      if (get_numbers(&r, ly->W + i, ly->in, ly->out)) goto bad;
      if ((i & 255) == 255 && ty_interrupted()) return TY_EINTR;
    }
    if (get_numbers(&r, ly->b, ly->out, 1)) goto bad;
  }
  while (r.pos < r.len && strchr(" \t\r\n", s[r.pos]) != NULL) r.pos++;
  if (r.pos < r.len) {
    snprintf(err, errlen, "extra data after the parameters");
    return TY_NN_EFORMAT;
  }
  return TY_NN_OK;
bad:
  snprintf(err, errlen, "missing or bad parameter values in layer %d", l + 1);
  return TY_NN_EFORMAT;
}

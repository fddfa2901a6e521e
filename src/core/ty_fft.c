/*
** ty_fft.c: Fourier transforms on FFTW3 with a plan cache (see ty_fft.h).
*/
#include <complex.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>

#include <fftw3.h>

#include "ty_fft.h"
#include "ty_interrupt.h"
#include "ty_pool.h"

/* ====================================================================== */
/* the plan cache                                                         */
/* ====================================================================== */

enum { KIND_C2C, KIND_R2C, KIND_C2R };

/* Everything that makes two problems need different plans.  Dimensions
** are in FFTW's order (slowest first); strides count elements of each
** side's own type (double for real arrays, complex otherwise). */
typedef struct plan_key {
  int kind, sign, rank;
  fftw_iodim64 dims[2];
  fftw_iodim64 loop;             /* the batch: loop.n transforms */
  int inplace, aligned, rigor, nthreads;
  int nthreads_fixed;            /* 1: single-threaded whatever the size */
} plan_key;

#define CACHE_SIZE 64            /* plans kept; the oldest is replaced */
#define THREAD_MIN (1 << 17)     /* elements from which plans use threads */
#define MAX_THREADS 8

static struct {
  plan_key key;
  fftw_plan plan;
} cache[CACHE_SIZE];
static int cache_used = 0, cache_next = 0;

static int planner_rigor = TY_FFT_ESTIMATE;
static int threads_ready = 0;    /* 1: threads on; -1: not available */
static int ncpu = 1;

void ty_fft_set_planner (int rigor) {
  planner_rigor = (rigor == TY_FFT_MEASURE) ? TY_FFT_MEASURE
                                            : TY_FFT_ESTIMATE;
}

int ty_fft_get_planner (void) {
  return planner_rigor;
}

const char *ty_fft_strerror (int code) {
  switch (code) {
    case TY_FFT_EPLAN: return "FFTW could not make a plan for this size";
    case TY_FFT_ENOMEM: return "not enough memory for FFTW planning";
    case TY_EINTR: return "interrupted";
    default: return "unknown FFT error";
  }
}

static int dim_equal (const fftw_iodim64 *a, const fftw_iodim64 *b) {
  return a->n == b->n && a->is == b->is && a->os == b->os;
}

static int key_equal (const plan_key *a, const plan_key *b) {
  int d;
  if (a->kind != b->kind || a->sign != b->sign || a->rank != b->rank ||
      a->inplace != b->inplace || a->aligned != b->aligned ||
      a->rigor != b->rigor || a->nthreads != b->nthreads ||
      !dim_equal(&a->loop, &b->loop))
    return 0;
  for (d = 0; d < a->rank; d++)
    if (!dim_equal(&a->dims[d], &b->dims[d])) return 0;
  return 1;
}

/* Start FFTW's threads once; afterwards threads_ready says whether they
** can be used. */
static void init_threads (void) {
  long cpus;
  if (threads_ready != 0) return;
  threads_ready = fftw_init_threads() ? 1 : -1;
  cpus = sysconf(_SC_NPROCESSORS_ONLN);
  ncpu = (cpus < 1) ? 1 : (cpus > MAX_THREADS ? MAX_THREADS : (int)cpus);
}

/* Elements (of each side's type) an array described by the key spans on
** the input side (side 0) or the output side (side 1). */
static size_t span (const plan_key *k, int side) {
  size_t total = 1;
  int d;
  for (d = 0; d < k->rank; d++) {
    ptrdiff_t n = k->dims[d].n;
    ptrdiff_t stride = side ? k->dims[d].os : k->dims[d].is;
    int cplx_side = (k->kind == KIND_C2C) ||
                    (k->kind == KIND_R2C && side == 1) ||
                    (k->kind == KIND_C2R && side == 0);
    if (d == k->rank - 1 && k->kind != KIND_C2C && cplx_side)
      n = n / 2 + 1;             /* the halved dimension */
    total += (size_t)(n - 1) * (size_t)stride;
  }
  total += (size_t)(k->loop.n - 1) *
           (size_t)(side ? k->loop.os : k->loop.is);
  return total;
}

/* Call FFTW's guru64 planner for key on arrays in and out. */
static fftw_plan make_plan (const plan_key *k, void *in, void *out) {
  unsigned flags = (k->rigor == TY_FFT_MEASURE) ? FFTW_MEASURE
                                                : FFTW_ESTIMATE;
  if (!k->aligned) flags |= FFTW_UNALIGNED;
  if (k->kind == KIND_C2R) flags |= FFTW_DESTROY_INPUT;
  else if (!k->inplace) flags |= FFTW_PRESERVE_INPUT;
  if (threads_ready > 0) fftw_plan_with_nthreads(k->nthreads);
  switch (k->kind) {
    case KIND_C2C:
      return fftw_plan_guru64_dft(k->rank, k->dims, 1, &k->loop,
                                  (fftw_complex *)in, (fftw_complex *)out,
                                  k->sign, flags);
    case KIND_R2C:
      return fftw_plan_guru64_dft_r2c(k->rank, k->dims, 1, &k->loop,
                                      (double *)in, (fftw_complex *)out,
                                      flags);
    default:
      return fftw_plan_guru64_dft_c2r(k->rank, k->dims, 1, &k->loop,
                                      (fftw_complex *)in, (double *)out,
                                      flags);
  }
}

/* Make a plan for key: directly on in/out when estimating (FFTW does not
** touch the arrays then), on scratch arrays when measuring (measuring
** overwrites them). */
static fftw_plan plan_for (const plan_key *k, void *in, void *out) {
  size_t insize, outsize;
  void *sin, *sout;
  fftw_plan p;
  if (k->rigor != TY_FFT_MEASURE) return make_plan(k, in, out);
  insize = span(k, 0) * ((k->kind == KIND_R2C) ? sizeof(double)
                                               : sizeof(fftw_complex));
  outsize = span(k, 1) * ((k->kind == KIND_C2R) ? sizeof(double)
                                                : sizeof(fftw_complex));
  if (k->inplace) {
    sin = sout = fftw_malloc(insize > outsize ? insize : outsize);
    if (sin == NULL) return NULL;
  }
  else {
    sin = fftw_malloc(insize);
    sout = fftw_malloc(outsize);
    if (sin == NULL || sout == NULL) {
      fftw_free(sin);
      fftw_free(sout);
      return NULL;
    }
  }
  p = make_plan(k, sin, sout);
  fftw_free(sin);
  if (!k->inplace) fftw_free(sout);
  return p;
}

/* Fill in the parts of key that depend on the arrays and the settings:
** in-place, alignment, planner rigor and thread count. */
static void complete_key (plan_key *k, const void *in, const void *out) {
  int i;
  size_t work = (size_t)k->loop.n;
  init_threads();
  for (i = 0; i < k->rank; i++) work *= (size_t)k->dims[i].n;
  k->inplace = (in == out);
  k->aligned = (fftw_alignment_of((double *)in) == 0 &&
                fftw_alignment_of((double *)out) == 0);
  k->rigor = planner_rigor;
  k->nthreads = (threads_ready > 0 && work >= THREAD_MIN &&
                 !k->nthreads_fixed) ? ncpu : 1;
}

/* The cached plan for the completed key, made on first use.  NULL if
** FFTW gives none. */
static fftw_plan get_plan (plan_key *k, void *in, void *out) {
  int i;
  fftw_plan p;
  for (i = 0; i < cache_used; i++)
    if (key_equal(&cache[i].key, k)) return cache[i].plan;
  p = plan_for(k, in, out);
  if (p == NULL) return NULL;
  if (cache_used < CACHE_SIZE) i = cache_used++;
  else {                         /* replace the oldest entry */
    i = cache_next;
    cache_next = (cache_next + 1) % CACHE_SIZE;
    fftw_destroy_plan(cache[i].plan);
  }
  cache[i].key = *k;
  cache[i].plan = p;
  return p;
}

/* A key with every field zero (so unused dimensions compare equal). */
/* Destroy every cached plan and FFTW's own state (threads, planner
** data).  Called when the Lua state closes, so nothing FFTW allocated
** outlives it; FFTW may be used again afterwards. */
void ty_fft_cleanup (void) {
  int i;
  for (i = 0; i < cache_used; i++) fftw_destroy_plan(cache[i].plan);
  cache_used = cache_next = 0;
  if (threads_ready == 1) fftw_cleanup_threads();
  else fftw_cleanup();
  threads_ready = 0;
}

static plan_key new_key (int kind, int sign, int rank) {
  plan_key k;
  memset(&k, 0, sizeof k);
  k.kind = kind;
  k.sign = sign;
  k.rank = rank;
  return k;
}

static void set_dim (fftw_iodim64 *d, size_t n, size_t is, size_t os) {
  d->n = (ptrdiff_t)n;
  d->is = (ptrdiff_t)is;
  d->os = (ptrdiff_t)os;
}

/* ====================================================================== */
/* transforms                                                             */
/* ====================================================================== */

/* Plan (or find) and execute the transform key on in and out.  While
** FFTW's worker threads may run (measuring or executing), SIGINT is
** blocked in this thread, and so in the workers it starts: Ctrl-C is
** handled by this thread after the transform, when the mask is restored
** and the pending signal is delivered. */
static int run (plan_key *k, void *in, void *out) {
  fftw_plan p;
  sigset_t block, old;
  int threaded;
  complete_key(k, in, out);
  threaded = (k->nthreads > 1);
  if (threaded) {
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
  }
  p = get_plan(k, in, out);
  if (p != NULL)
    switch (k->kind) {
      case KIND_C2C:
        fftw_execute_dft(p, (fftw_complex *)in, (fftw_complex *)out);
        break;
      case KIND_R2C:
        fftw_execute_dft_r2c(p, (double *)in, (fftw_complex *)out);
        break;
      default:
        fftw_execute_dft_c2r(p, (fftw_complex *)in, (double *)out);
        break;
    }
  if (threaded) pthread_sigmask(SIG_SETMASK, &old, NULL);
  return p != NULL ? 0 : TY_FFT_EPLAN;
}

int ty_fft_c2c (const double complex *in, double complex *out, size_t n,
                size_t count, int sign) {
  plan_key k = new_key(KIND_C2C, sign < 0 ? FFTW_FORWARD : FFTW_BACKWARD, 1);
  set_dim(&k.dims[0], n, 1, 1);
  set_dim(&k.loop, count, n, n);
  return run(&k, (void *)in, out);
}

int ty_fft_r2c (const double *in, double complex *out, size_t n,
                size_t count, size_t odist) {
  plan_key k = new_key(KIND_R2C, 0, 1);
  set_dim(&k.dims[0], n, 1, 1);
  set_dim(&k.loop, count, n, odist);
  return run(&k, (void *)in, out);
}

int ty_fft_c2r (double complex *in, double *out, size_t n, size_t count) {
  plan_key k = new_key(KIND_C2R, 0, 1);
  size_t h = n / 2 + 1, j;
  for (j = 0; j < count; j++) {  /* what a real signal's spectrum has */
    double complex *c = in + j * h;
    c[0] = creal(c[0]);
    if (n % 2 == 0) c[h - 1] = creal(c[h - 1]);
  }
  set_dim(&k.dims[0], n, 1, 1);
  set_dim(&k.loop, count, h, n);
  return run(&k, in, out);
}

/* ---- 2D transforms in two passes ------------------------------------
** With FFTW_ESTIMATE, FFTW's own plans for large 2D problems in
** column-major order stride through memory and run several times slower
** than a measured plan.  In estimate mode a 2D transform is therefore made
** of two passes that FFTW does well without measuring: a batch of
** contiguous column transforms, then the row transforms done a block of
** rows at a time: a block is gathered into a small contiguous buffer
** (which stays in cache), transformed as a batch and scattered back.
** Blocks are shared among threads when the matrix is large.  In measure
** mode FFTW's own 2D plan is used (it is then the fastest). */

#define ROW_BLOCK_BYTES (1 << 16)    /* a gathered block stays in cache */

/* What the threads of a row pass share; each takes the next block of
** rows from `next` until none is left, so a thread that the system holds
** up does not hold the others up. */
typedef struct row_pass_state {
  double complex *y;             /* the m x p matrix */
  size_t m, p, rows, block;      /* block: rows per gathered block */
  fftw_plan plan;                /* block transforms on a buffer */
  size_t next;                   /* first row not yet taken */
  pthread_mutex_t lock;          /* guards next */
} row_pass_state;

typedef struct row_worker {
  row_pass_state *st;
  double complex *buf;           /* block x p, this worker's own */
} row_worker;

/* Transform blocks of rows of y until all are taken. */
static void *row_work (void *arg) {
  row_worker *w = (row_worker *)arg;
  row_pass_state *st = w->st;
  size_t m = st->m, p = st->p, i0, i, j, b;
  double complex *buf = w->buf;
  for (;;) {
    pthread_mutex_lock(&st->lock);
    i0 = st->next;
    st->next += st->block;
    pthread_mutex_unlock(&st->lock);
    if (i0 >= st->rows) break;
    b = st->rows - i0 < st->block ? st->rows - i0 : st->block;
    for (j = 0; j < p; j++) {
      const double complex *col = st->y + j * m + i0;
      for (i = 0; i < b; i++) buf[i * p + j] = col[i];
    }
    fftw_execute_dft(st->plan, buf, buf);
    for (j = 0; j < p; j++) {
      double complex *col = st->y + j * m + i0;
      for (i = 0; i < b; i++) col[i] = buf[i * p + j];
    }
  }
  return NULL;
}

/* workers lo..hi of a row pass, on the pool (ty_pool.h) */
static void rows_work (void *arg, size_t lo, size_t hi, int tid) {
  row_worker *w = (row_worker *)arg;
  size_t t;
  (void)tid;
  for (t = lo; t < hi; t++) row_work(&w[t]);
}

/* Transform the first `rows` rows of the m x p matrix y in place (each
** row a length-p transform). */
static int row_pass (double complex *y, size_t m, size_t p, size_t rows,
                     int sign) {
  row_pass_state st;
  row_worker w[MAX_THREADS];
  size_t block = ROW_BLOCK_BYTES / (p * sizeof(double complex));
  size_t nblocks, t, nt = 1;
  double complex *buf;
  plan_key k = new_key(KIND_C2C, sign < 0 ? FFTW_FORWARD : FFTW_BACKWARD, 1);
  if (block < 4) block = 4;
  if (block > rows) block = rows;
  nblocks = (rows + block - 1) / block;
  init_threads();
  if (threads_ready > 0 && rows * p >= THREAD_MIN) nt = (size_t)ncpu;
  if (nt > nblocks) nt = nblocks;
  buf = (double complex *)fftw_malloc(nt * block * p *
                                      sizeof(double complex));
  if (buf == NULL) return TY_FFT_ENOMEM;
  memset(buf, 0, nt * block * p * sizeof(double complex));
  set_dim(&k.dims[0], p, 1, 1);
  set_dim(&k.loop, block, p, p);
  k.nthreads_fixed = 1;          /* the blocks run in our own threads */
  complete_key(&k, buf, buf);
  st.plan = get_plan(&k, buf, buf);
  if (st.plan == NULL) { fftw_free(buf); return TY_FFT_EPLAN; }
  st.y = y;
  st.m = m;
  st.p = p;
  st.rows = rows;
  st.block = block;
  st.next = 0;
  pthread_mutex_init(&st.lock, NULL);
  for (t = 0; t < nt; t++) {
    w[t].st = &st;
    w[t].buf = buf + t * block * p;
  }
  ty_par_for((int)nt, nt, rows_work, w);     /* this thread works too */
  pthread_mutex_destroy(&st.lock);
  fftw_free(buf);
  return 0;
}

int ty_fft_c2c_2d (const double complex *in, double complex *out, size_t m,
                   size_t p, int sign) {
  plan_key k;
  int rc;
  if (m == 1 || p == 1)          /* a vector: its 1D transform */
    return ty_fft_c2c(in, out, m * p, 1, sign);
  if (planner_rigor != TY_FFT_MEASURE) {
    if ((rc = ty_fft_c2c(in, out, m, p, sign)) != 0) return rc;
    return row_pass(out, m, p, m, sign);
  }
  k = new_key(KIND_C2C, sign < 0 ? FFTW_FORWARD : FFTW_BACKWARD, 2);
  set_dim(&k.dims[0], p, m, m);   /* columns: the slow dimension */
  set_dim(&k.dims[1], m, 1, 1);
  set_dim(&k.loop, 1, 0, 0);
  return run(&k, (void *)in, out);
}

/* Complete the spectrum of real data from its first n/2+1 rows:
** X(k, j) = conj X(n-k, j') with j' = j (columns are separate 1D
** transforms) or j' = (p-j) mod p (one 2D transform). */
static void hermitian_fill (double complex *X, size_t n, size_t count,
                            int twod) {
  size_t h = n / 2 + 1, j, i;
  for (j = 0; j < count; j++) {
    size_t jj = twod ? (count - j) % count : j;
    double complex *dst = X + j * n;
    const double complex *src = X + jj * n;
    for (i = h; i < n; i++) dst[i] = conj(src[n - i]);
  }
}

int ty_fft_real_full (const double *in, double complex *out, size_t n,
                      size_t count, int dims) {
  plan_key k;
  int rc;
  if (dims == 2 && (n == 1 || count == 1)) {   /* a vector */
    n *= count;
    count = 1;
    dims = 1;
  }
  if (dims == 2 && planner_rigor != TY_FFT_MEASURE) {
    if ((rc = ty_fft_r2c(in, out, n, count, n)) != 0 ||
        (rc = row_pass(out, n, count, n / 2 + 1, -1)) != 0)
      return rc;
    hermitian_fill(out, n, count, 1);
    return 0;
  }
  k = new_key(KIND_R2C, 0, dims);
  if (dims == 2) {
    set_dim(&k.dims[0], count, n, n);
    set_dim(&k.dims[1], n, 1, 1);
    set_dim(&k.loop, 1, 0, 0);
  }
  else {
    set_dim(&k.dims[0], n, 1, 1);
    set_dim(&k.loop, count, n, n);
  }
  if ((rc = run(&k, (void *)in, out)) != 0) return rc;
  hermitian_fill(out, n, count, dims == 2);
  return 0;
}

void ty_fft_scale (double complex *x, size_t len, double s, int conj) {
  size_t i;
  double *d = (double *)x;
  double si = conj ? -s : s;
  for (i = 0; i < len; i++) {
    d[2 * i] *= s;
    d[2 * i + 1] *= si;
  }
}

void ty_fft_scale_real (double *x, size_t len, double s) {
  size_t i;
  for (i = 0; i < len; i++) x[i] *= s;
}

/* ====================================================================== */
/* helpers without FFTW                                                   */
/* ====================================================================== */

void ty_fft_roll (const void *in, void *out, size_t m, size_t p,
                  size_t elsize, size_t dr, size_t dc) {
  size_t j, col = m * elsize;
  if (m == 0 || p == 0) return;
  dr %= m;
  dc %= p;
  for (j = 0; j < p; j++) {
    const char *src = (const char *)in + j * col;
    char *dst = (char *)out + ((j + dc) % p) * col;
    memcpy(dst + dr * elsize, src, (m - dr) * elsize);
    memcpy(dst, src + (m - dr) * elsize, dr * elsize);
  }
}

void ty_fft_freq (double *out, size_t n, double d, int onesided) {
  double val = 1.0 / ((double)n * d);   /* NumPy's order of rounding */
  size_t k, half = (n - 1) / 2 + 1;
  if (onesided) {
    for (k = 0; k <= n / 2; k++) out[k] = (double)k * val;
    return;
  }
  for (k = 0; k < half; k++) out[k] = (double)k * val;
  for (k = half; k < n; k++) out[k] = -(double)(n - k) * val;
}

size_t ty_fft_goodsize (size_t len) {
  size_t n;
  if (len <= 1) return 1;
  for (n = len; ; n++) {
    size_t r = n;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) r /= 3;
    while (r % 5 == 0) r /= 5;
    while (r % 7 == 0) r /= 7;
    if (r == 1) return n;
  }
}

/* ====================================================================== */
/* convolution                                                            */
/* ====================================================================== */

#define ALIGN_UP(n) (((n) + 63) & ~(size_t)63)

/* Direct convolution is used while nx*ny stays below this many times the
** FFT length: measured, the two cost the same near 12 to 25 (real or
** complex) on x86-64 with FFTW 3.3. */
#define DIRECT_FACTOR 16

size_t ty_fft_conv_work (size_t nx, size_t ny, int cplx, int *ok) {
  size_t lo = nx < ny ? nx : ny, hi = nx < ny ? ny : nx, n, h;
  *ok = 1;
  if (hi > SIZE_MAX / 4 - lo) { *ok = 0; return 0; }
  n = ty_fft_goodsize(nx + ny - 1);
  if ((double)lo * (double)hi <= (double)DIRECT_FACTOR * (double)n)
    return 0;
  if (n > SIZE_MAX / 64) { *ok = 0; return 0; }
  if (cplx)                      /* two complex arrays of n */
    return 2 * ALIGN_UP(n * sizeof(double complex));
  h = n / 2 + 1;                 /* n reals, two half spectra */
  return ALIGN_UP(n * sizeof(double)) +
         2 * ALIGN_UP(h * sizeof(double complex));
}

/* out[i] = (x * y)[first + i] by the definition */
static int conv_direct (const double *x, size_t nx, const double *y,
                        size_t ny, int cplx, size_t first, size_t len,
                        double *out) {
  size_t i, j;
  for (i = 0; i < len; i++) {
    size_t k = first + i;
    size_t j0 = (k >= ny - 1) ? k - (ny - 1) : 0;
    size_t j1 = (k < nx - 1) ? k : nx - 1;
    if ((i & 1023) == 1023 && ty_interrupted()) return TY_EINTR;
    if (cplx) {                  /* plain products: no C99 Inf rules */
      double sr = 0, si = 0;
      for (j = j0; j <= j1; j++) {
        double ar = x[2 * j], ai = x[2 * j + 1];
        double br = y[2 * (k - j)], bi = y[2 * (k - j) + 1];
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      out[2 * i] = sr;
      out[2 * i + 1] = si;
    }
    else {
      double s = 0;
      for (j = j0; j <= j1; j++) s += x[j] * y[k - j];
      out[i] = s;
    }
  }
  return 0;
}

/* a[i] *= b[i] for i < n, as plain products (C99's complex product
** calls a library function to follow its Inf rules) */
static void multiply (double complex *a, const double complex *b,
                      size_t n) {
  double *pa = (double *)a;
  const double *pb = (const double *)b;
  size_t i;
  for (i = 0; i < n; i++) {
    double ar = pa[2 * i], ai = pa[2 * i + 1];
    double br = pb[2 * i], bi = pb[2 * i + 1];
    pa[2 * i] = ar * br - ai * bi;
    pa[2 * i + 1] = ar * bi + ai * br;
  }
}

/* Copy len elements (real or complex) of x into buf and zero the rest
** of its n elements. */
static void pad (double *buf, size_t n, const double *x, size_t len,
                 int cplx) {
  size_t es = cplx ? 2 : 1;
  memcpy(buf, x, len * es * sizeof(double));
  memset(buf + len * es, 0, (n - len) * es * sizeof(double));
}

int ty_fft_conv (const double *x, size_t nx, const double *y, size_t ny,
                 int cplx, size_t first, size_t len, double *out,
                 void *work) {
  int ok, rc;
  size_t n = ty_fft_goodsize(nx + ny - 1), i;
  double scale = 1.0 / (double)n;
  if (ty_fft_conv_work(nx, ny, cplx, &ok) == 0)
    return conv_direct(x, nx, y, ny, cplx, first, len, out);
  if (cplx) {
    double complex *a = (double complex *)work;
    double complex *b = (double complex *)((char *)work +
                        ALIGN_UP(n * sizeof(double complex)));
    pad((double *)a, n, x, nx, 1);
    pad((double *)b, n, y, ny, 1);
    if ((rc = ty_fft_c2c(a, a, n, 1, -1)) != 0 ||
        (rc = ty_fft_c2c(b, b, n, 1, -1)) != 0)
      return rc;
    multiply(a, b, n);
    if ((rc = ty_fft_c2c(a, a, n, 1, 1)) != 0) return rc;
    for (i = 0; i < len; i++)
      ((double complex *)out)[i] = a[first + i] * scale;
  }
  else {
    size_t h = n / 2 + 1;
    double *r = (double *)work;
    double complex *a = (double complex *)((char *)work +
                        ALIGN_UP(n * sizeof(double)));
    double complex *b = (double complex *)((char *)a +
                        ALIGN_UP(h * sizeof(double complex)));
    pad(r, n, x, nx, 0);
    if ((rc = ty_fft_r2c(r, a, n, 1, h)) != 0) return rc;
    pad(r, n, y, ny, 0);
    if ((rc = ty_fft_r2c(r, b, n, 1, h)) != 0) return rc;
    multiply(a, b, h);
    if ((rc = ty_fft_c2r(a, r, n, 1)) != 0) return rc;
    for (i = 0; i < len; i++) out[i] = r[first + i] * scale;
  }
  return 0;
}

/* ====================================================================== */
/* wisdom                                                                 */
/* ====================================================================== */

typedef struct sink {
  char *buf;
  size_t cap, len;
} sink;

static void put_char (char c, void *data) {
  sink *s = (sink *)data;
  if (s->len < s->cap) s->buf[s->len] = c;
  s->len++;
}

size_t ty_fft_wisdom_export (char *buf, size_t cap) {
  sink s;
  s.buf = buf;
  s.cap = cap;
  s.len = 0;
  fftw_export_wisdom(put_char, &s);
  return s.len;
}

int ty_fft_wisdom_import (const char *s) {
  return fftw_import_wisdom_from_string(s) != 0;
}

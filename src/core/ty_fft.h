/*
** ty_fft.h: Fourier transforms on FFTW3 (double precision), no Lua.
**
** Every transform here works on column-major arrays as tycho stores them:
** a batch of `count` columns of length n, or one m x p matrix in 2D.
** Plans are made on first use and kept in a small cache keyed by the whole
** problem (kind, sizes, strides, direction, in-place or not, alignment,
** planner rigor and thread count), then run with FFTW's new-array execute
** functions, so a cached plan serves every array of the same shape.
**
** Alignment: tycho's matrices and scratch buffers are 64-byte aligned (see
** ty_newmat and ty_newbuf in src/ty_lua.c), which satisfies FFTW's SIMD
** alignment.  Arrays that are not aligned still work: they get plans made
** with FFTW_UNALIGNED, cached separately.
**
** Rules for callers: every size passed here is >= 1 (FFTW is never asked
** for an empty transform); the caller owns every array.  Functions that can
** fail return 0 on success or a negative TY_FFT_E* code (ty_fft_strerror
** says it in words).  Plan creation is not thread safe: tycho calls this
** from one thread only.  Plans stay alive while they are cached.
*/
#ifndef TY_FFT_H
#define TY_FFT_H

#include <stddef.h>
#include <complex.h>

#define TY_FFT_EPLAN  (-1)     /* FFTW returned no plan */
#define TY_FFT_ENOMEM (-2)     /* no memory for measuring scratch arrays */
/* TY_EINTR (ty_interrupt.h) when a long direct loop saw Ctrl-C */

/* planner rigor for new plans */
#define TY_FFT_ESTIMATE 0      /* FFTW_ESTIMATE: instant planning (default) */
#define TY_FFT_MEASURE  1      /* FFTW_MEASURE: time candidates on scratch */

void ty_fft_set_planner (int rigor);
int ty_fft_get_planner (void);

/* the message for an error code */
const char *ty_fft_strerror (int code);

/* ---- transforms (all sizes >= 1) ------------------------------------ */

/* count complex transforms of length n on contiguous columns; sign -1 is
** forward, +1 backward (unnormalized).  in == out is allowed; an
** out-of-place call never writes to in. */
int ty_fft_c2c (const double complex *in, double complex *out, size_t n,
                size_t count, int sign);

/* count real-to-complex transforms of length n: column j of in (length n)
** gives n/2+1 complex values at out + j*odist (odist >= n/2+1).  in is
** not written. */
int ty_fft_r2c (const double *in, double complex *out, size_t n,
                size_t count, size_t odist);

/* count complex-to-real transforms of logical length n: columns of n/2+1
** complex values (contiguous) give columns of n reals (unnormalized).
** The imaginary parts of the zero and (even n) Nyquist terms are ignored.
** in is overwritten. */
int ty_fft_c2r (double complex *in, double *out, size_t n, size_t count);

/* 2D complex transform of the m x p column-major matrix in (sign as
** ty_fft_c2c); in == out allowed. */
int ty_fft_c2c_2d (const double complex *in, double complex *out, size_t m,
                   size_t p, int sign);

/* Forward transform of real data with the full complex result:
** count columns of length n (dims == 1) or one m x p matrix (dims == 2,
** n = m, count = p), using a real-to-complex transform and Hermitian
** symmetry.  out has n*count complex elements; in is not written. */
int ty_fft_real_full (const double *in, double complex *out, size_t n,
                      size_t count, int dims);

/* x[k] = s * x[k] (or s * conj(x[k]) when conj is set), k < len */
void ty_fft_scale (double complex *x, size_t len, double s, int conj);
void ty_fft_scale_real (double *x, size_t len, double s);

/* ---- helpers without FFTW -------------------------------------------- */

/* out = in rolled by (dr, dc): element (i, j) goes to ((i + dr) mod m,
** (j + dc) mod p).  Elements are elsize bytes; in != out. */
void ty_fft_roll (const void *in, void *out, size_t m, size_t p,
                  size_t elsize, size_t dr, size_t dc);

/* NumPy's fftfreq (onesided = 0, n values) or rfftfreq (onesided = 1,
** n/2+1 values) for n >= 1 samples spaced d apart */
void ty_fft_freq (double *out, size_t n, double d, int onesided);

/* the smallest n >= len with no prime factor above 7 (FFTW's fast sizes) */
size_t ty_fft_goodsize (size_t len);

/* ---- convolution ----------------------------------------------------- */

/* Bytes of scratch that ty_fft_conv needs for inputs of lengths nx, ny
** (both >= 1), real or complex: 0 when it will convolve directly.  Sets
** *ok to 0 when the size would overflow. */
size_t ty_fft_conv_work (size_t nx, size_t ny, int cplx, int *ok);

/* Elements first .. first+len-1 (0-based) of the full linear convolution
** of x (nx elements) and y (ny elements), both real or both complex, into
** out.  work holds ty_fft_conv_work(nx, ny, cplx) bytes, 64-byte aligned.
** Returns 0, a TY_FFT_E* code or TY_EINTR. */
int ty_fft_conv (const double *x, size_t nx, const double *y, size_t ny,
                 int cplx, size_t first, size_t len, double *out,
                 void *work);

/* ---- wisdom ---------------------------------------------------------- */

/* Export FFTW's wisdom into buf (at most cap bytes, not terminated);
** returns the full length, so a call with cap 0 measures it. */
size_t ty_fft_wisdom_export (char *buf, size_t cap);

/* Import wisdom from a string; 1 on success, 0 if it is not valid. */
int ty_fft_wisdom_import (const char *s);

/* Destroy the cached plans and FFTW's state (at the end of a session). */
void ty_fft_cleanup (void);

#endif

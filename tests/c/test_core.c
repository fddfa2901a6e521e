/*
** test_core.c: unit tests of core code that runs without Lua.
*/
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "ty_mat.h"
#include "ty_interrupt.h"

static void test_allfinite (void) {
  double d[4] = {1, 2, 3, 4};
  ty_mat A = {2, 2, 0, d};
  TAP_OK(ty_mat_allfinite(&A), "finite matrix is finite");
  d[2] = NAN;
  TAP_OK(!ty_mat_allfinite(&A), "NaN is found");
  d[2] = INFINITY;
  TAP_OK(!ty_mat_allfinite(&A), "Inf is found");
  A.rows = 0;
  TAP_OK(ty_mat_allfinite(&A), "empty matrix is finite");
}

static void test_interrupt_flag (void) {
  TAP_OK(!ty_interrupted(), "flag starts clear");
  ty_interrupt_flag = 1;
  TAP_OK(ty_interrupted(), "flag seen when set");
  ty_interrupt_flag = 0;
}

/* ---- ty_mat kernels (arithmetic, reductions, norms) -------------------- */

static void test_broadcast (void) {
  ty_mat A = {2, 3, 0, NULL}, col = {2, 1, 0, NULL}, row = {1, 3, 0, NULL};
  ty_mat one = {1, 1, 0, NULL}, bad = {3, 3, 0, NULL}, e = {0, 3, 0, NULL};
  size_t m = 0, n = 0;
  TAP_OK(ty_mat_broadcast(&A, &col, &m, &n) && m == 2 && n == 3,
         "2x3 with 2x1 is 2x3");
  TAP_OK(ty_mat_broadcast(&row, &A, &m, &n) && m == 2 && n == 3,
         "1x3 with 2x3 is 2x3");
  TAP_OK(!ty_mat_broadcast(&col, &row, &m, &n),
         "2x1 with 1x3 fails (no outer broadcast, as API.md)");
  TAP_OK(!ty_mat_broadcast(&row, &col, &m, &n), "1x3 with 2x1 fails");
  TAP_OK(ty_mat_broadcast(&one, &e, &m, &n) && m == 0 && n == 3,
         "1x1 with 0x3 is 0x3");
  TAP_OK(!ty_mat_broadcast(&A, &bad, &m, &n), "2x3 with 3x3 fails");
}

static void test_binop (void) {
  double a[6] = {1, 4, 2, 5, 3, 6}, c[2] = {10, 20}, r[3] = {1, 2, 3};
  double out[6], z[4] = {1, 2, 3, -1}, zo[4];       /* 1+2i, 3-i */
  ty_mat A = {2, 3, 0, a}, col = {2, 1, 0, c}, row = {1, 3, 0, r};
  ty_mat C = {2, 3, 0, out}, Z = {2, 1, 1, z}, ZC = {2, 1, 1, zo};
  double two[1] = {2};
  ty_mat s = {1, 1, 0, two};
  TAP_OK(ty_mat_binop(&C, &A, &col, TY_ADD) == 0 && out[0] == 11 &&
         out[1] == 24 && out[5] == 26, "column broadcast add");
  ty_mat_binop(&C, &row, &A, TY_SUB);
  TAP_OK(out[0] == 0 && out[1] == -3 && out[4] == 0 && out[5] == -3,
         "row broadcast subtract, row first");
  ty_mat_binop(&C, &A, &s, TY_POW);
  TAP_OK(out[5] == 36 && out[2] == 4, "power by a scalar 2");
  ty_mat_binop(&ZC, &Z, &Z, TY_MUL);          /* (1+2i)^2, (3-i)^2 */
  TAP_OK(zo[0] == -3 && zo[1] == 4 && zo[2] == 8 && zo[3] == -6,
         "complex product");
  ty_mat_binop(&ZC, &Z, &s, TY_DIV);
  TAP_OK(zo[0] == 0.5 && zo[1] == 1 && zo[3] == -0.5, "complex / real");
  ty_mat_binop(&ZC, &s, &Z, TY_SUB);
  TAP_OK(zo[0] == 1 && zo[1] == -2 && zo[2] == -1 && zo[3] == 1,
         "real - complex");
}

static void test_binop_interrupt (void) {
  size_t n = 300000;
  double *x = calloc(n, sizeof(double)), *y = calloc(n, sizeof(double));
  ty_mat X = {n, 1, 0, x}, Y = {n, 1, 0, y};
  ty_interrupt_flag = 1;
  TAP_OK(ty_mat_binop(&Y, &X, &X, TY_ADD) == TY_EINTR,
         "a long binop stops on the interrupt flag");
  TAP_OK(ty_mat_unop(&Y, &X, TY_EXP) == TY_EINTR, "so does a long unop");
  ty_interrupt_flag = 0;
  TAP_OK(ty_mat_binop(&Y, &X, &X, TY_ADD) == 0, "and runs when clear");
  free(x);
  free(y);
}

static void test_exp (void) {
  size_t n = 100000, k, bad = 0;
  double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
  double worst = 0;
  ty_mat X = {n, 1, 0, x}, Y = {n, 1, 0, y};
  for (k = 0; k < n; k++) x[k] = -750 + 1500.0 * (double)k / (double)n;
  x[10] = NAN; x[11] = INFINITY; x[12] = -INFINITY; x[13] = -0.0;
  ty_mat_unop(&Y, &X, TY_EXP);
  for (k = 0; k < n; k++) {
    double want = exp(x[k]);
    if (isnan(want) || isinf(want) || want == 0) {
      if (!(isnan(want) ? isnan(y[k]) : y[k] == want)) bad++;
    }
    else if (fabs(y[k] - want) / want > worst)
      worst = fabs(y[k] - want) / want;
  }
  TAP_OK(bad == 0, "exp: special values as libm");
  TAP_OK(worst < 2.3e-16, "exp within 1 ulp of libm");
  free(x);
  free(y);
}

static void test_matmul (void) {
  double a[6] = {1, 4, 2, 5, 3, 6}, b[6] = {1, 0, 1, 0, 1, 1}, c[4];
  ty_mat A = {2, 3, 0, a}, B = {3, 2, 0, b}, C = {2, 2, 0, c};
  size_t n = 40, i, j;
  double *p = malloc(n * n * sizeof(double));
  double *q = malloc(n * n * sizeof(double));
  double *r = malloc(n * n * sizeof(double)), err = 0;
  ty_mat P = {n, n, 0, p}, Q = {n, n, 0, q}, R = {n, n, 0, r};
  ty_mat_matmul(&C, &A, &B);         /* [1 2 3; 4 5 6] [1 0; 0 1; 1 1] */
  TAP_OK(c[0] == 4 && c[1] == 10 && c[2] == 5 && c[3] == 11,
         "small product");
  for (i = 0; i < n * n; i++) p[i] = sin((double)i);
  for (i = 0; i < n * n; i++) q[i] = (i % (n + 1) == 0) ? 2.0 : 0.0;
  ty_mat_matmul(&R, &P, &Q);         /* BLAS: P times 2 I */
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      err = fmax(err, fabs(r[j * n + i] - 2 * p[j * n + i]));
  TAP_OK(err == 0, "BLAS product with 2 I");
  free(p);
  free(q);
  free(r);
}

static void test_reductions (void) {
  size_t n = 1000000, k, at = 99;
  double *x = malloc(n * sizeof(double)), s[2];
  double d[6] = {3, -1, 7, 7, NAN, 2}, rr[3], ii[3];
  ty_mat X = {n, 1, 0, x}, D = {6, 1, 0, d}, M = {2, 3, 0, d};
  ty_mat R = {1, 3, 0, rr}, Ix = {1, 3, 0, ii};
  for (k = 0; k < n; k++) x[k] = 0.1;
  ty_mat_sum(&X, s);
  TAP_NEAR(s[0], 100000, 1e-9, "pairwise sum of 1e6 x 0.1");
  TAP_OK(ty_mat_argext(&D, 1, &at) == 0 && at == 4, "argmax: the NaN wins");
  D.rows = 4;
  ty_mat_argext(&D, 1, &at);
  TAP_OK(at == 2, "argmax: the first of equal maxima");
  ty_mat_argext(&D, 0, &at);
  TAP_OK(at == 1, "argmin");
  ty_mat_extdim(&R, &Ix, &M, 1, 0);
  TAP_OK(rr[0] == -1 && ii[0] == 2 && rr[1] == 7 && isnan(rr[2]) &&
         ii[2] == 1, "min per column, NaN kept");
  free(x);
}

static void test_norms (void) {
  double v[2] = {3e-200, 4e-200}, w[2] = {1e300, 1e300}, r;
  double a[4] = {1, 3, 2, 4}, work[4], s[2], rows[2];
  ty_mat V = {2, 1, 0, v}, W = {2, 1, 0, w}, A = {2, 2, 0, a};
  ty_mat_vecnorm(&V, 2, &r);
  TAP_NEAR(r / 5e-200, 1, 1e-15, "2-norm without underflow");
  ty_mat_vecnorm(&W, 2, &r);
  TAP_NEAR(r / 1e300, sqrt(2), 1e-15, "2-norm without overflow");
  ty_mat_vecnorm(&W, 1, &r);
  TAP_OK(r == 2e300, "1-norm of large elements");
  ty_mat_norm1(&A, &r);
  TAP_OK(r == 6, "matrix 1-norm");
  ty_mat_norminf(&A, rows, &r);
  TAP_OK(r == 7, "matrix inf-norm");
  TAP_OK(ty_mat_svals(&A, work, s) == 0, "gesdd converges");
  TAP_NEAR(s[0] * s[1], 2, 1e-13, "singular values multiply to |det|");
  TAP_NEAR(s[0] * s[0] + s[1] * s[1], 30, 1e-13, "and square-sum to ||A||_F^2");
  TAP_OK(a[0] == 1 && a[3] == 4, "svals leaves A alone");
}

static void test_inplace (void) {
  double y[4] = {1, 2, 3, 4}, c[2] = {10, 20}, alpha[2] = {2, 0}, one[2];
  double z[4] = {1, 1, 0, 0}, zalpha[2] = {0, 1};
  ty_mat Y = {2, 2, 0, y}, col = {2, 1, 0, c}, Z = {2, 1, 1, z};
  ty_mat_axpy(&Y, alpha, &col);
  TAP_OK(y[0] == 21 && y[1] == 42 && y[2] == 23 && y[3] == 44,
         "axpy broadcasts a column");
  ty_mat_axpy(&Y, alpha, &Y);
  TAP_OK(y[0] == 63, "axpy with itself");
  ty_mat_axpy(&Z, zalpha, &col);     /* z += i * (10, 20) */
  TAP_OK(z[0] == 1 && z[1] == 11 && z[2] == 0 && z[3] == 20,
         "complex axpy of a real column");
  one[0] = 2; one[1] = 0;
  ty_mat_scale(&Z, one);
  TAP_OK(z[1] == 22 && z[3] == 40, "scale a complex matrix by a real");
  TAP_OK(ty_mat_allclose(&Y, &Y, 0, 0) == 1, "allclose to itself");
}

int main (void) {
  test_allfinite();
  test_interrupt_flag();
  test_broadcast();
  test_binop();
  test_binop_interrupt();
  test_exp();
  test_matmul();
  test_reductions();
  test_norms();
  test_inplace();
  return tap_done();
}

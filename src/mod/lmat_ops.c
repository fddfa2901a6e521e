/*
** lmat_ops.c: arithmetic of tycho.mat: the operators, elementwise
** functions, reductions, norms, products and in-place updates.  The
** kernels are in src/core/ty_mat.c; this file checks arguments, creates
** results and pushes them.
**
** Operands: wherever a matrix is expected a number (a 1x1 real matrix) or
** a table of numbers also works; numbers are viewed in place, without
** creating a matrix.  A 1x1 matrix is a scalar in *, / and broadcasting
** (so a complex scalar, which Lua sees as a 1x1 complex matrix, works
** everywhere a number does).
*/
#include <limits.h>
#include <math.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* The matrix at idx, or NULL.  Every function of this file has the
** tycho.mat metatable as upvalue 1, so this is ty_tomat without the
** registry lookup by name (it matters for 3x3 arithmetic in a loop). */
static ty_mat *tomat (lua_State *L, int idx) {
  ty_mat *A = (ty_mat *)lua_touserdata(L, idx);
  if (A != NULL && lua_getmetatable(L, idx)) {
    int same = lua_rawequal(L, -1, lua_upvalueindex(1));
    lua_pop(L, 1);
    if (same) return A;
  }
  return NULL;
}

/* ty_checkmat with the fast test first */
static ty_mat *checkmat (lua_State *L, int arg) {
  ty_mat *A = tomat(L, arg);
  return (A != NULL) ? A : ty_checkmat(L, arg);
}

/* room for a number viewed as a 1x1 matrix */
typedef struct box {
  ty_mat m;
  double v[2];
} box;

/* The operand at idx: a tycho.mat, a number (viewed as a 1x1 real matrix
** held in *b, nothing is created), or a plain table (converted by
** ty_checkmat, which replaces it on the stack).  NULL for any other value,
** tables with a metatable (objects) included. */
static ty_mat *tooperand (lua_State *L, int idx, box *b) {
  ty_mat *A = tomat(L, idx);
  if (A != NULL) return A;
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      b->v[0] = (double)lua_tonumber(L, idx);
      b->v[1] = 0.0;
      b->m.rows = b->m.cols = 1;
      b->m.cplx = 0;
      b->m.data = b->v;
      return &b->m;
    case LUA_TTABLE:
      if (lua_getmetatable(L, idx)) {
        lua_pop(L, 1);
        return NULL;
      }
      return ty_checkmat(L, idx);
    default:
      return NULL;
  }
}

/* tooperand, raising the usual argument error for other values */
static ty_mat *checkoperand (lua_State *L, int arg, box *b) {
  ty_mat *A = tooperand(L, arg, b);
  return (A != NULL) ? A : ty_checkmat(L, arg);
}

/* The scalar at arg, a number or a 1x1 matrix, into v (real and imaginary
** parts); returns 1 when it is a complex matrix. */
static int checkscalar (lua_State *L, int arg, double v[2]) {
  ty_mat *A;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    v[0] = (double)lua_tonumber(L, arg);
    v[1] = 0.0;
    return 0;
  }
  A = tomat(L, arg);
  if (A == NULL)
    luaL_typeerror(L, arg, "number or 1x1 matrix");
  if (TY_NUMEL(A) != 1)
    ty_shapeerror(L, arg, "number or 1x1 matrix", A);
  v[0] = A->data[0];
  v[1] = A->cplx ? A->data[1] : 0.0;
  return A->cplx;
}

/* Push a scalar result: a number, or a 1x1 complex matrix. */
static void pushscalar (lua_State *L, const double v[2], int cplx) {
  if (cplx) {
    ty_mat *z = ty_newmat(L, 1, 1, 1);
    z->data[0] = v[0];
    z->data[1] = v[1];
  }
  else lua_pushnumber(L, (lua_Number)v[0]);
}

/* Raise "interrupted" when a kernel stopped for Ctrl-C. */
static void check (lua_State *L, int status) {
  if (status == TY_EINTR) ty_raise_interrupt(L);
}

/* Push "a 3x2 matrix" (or "a number", "a string value") for messages. */
static const char *describe (lua_State *L, int idx, const ty_mat *A) {
  if (A != NULL && lua_type(L, idx) == LUA_TNUMBER)
    return lua_pushliteral(L, "a number");
  if (A != NULL)
    return lua_pushfstring(L, "a %Ix%I%s matrix", (lua_Integer)A->rows,
                           (lua_Integer)A->cols, A->cplx ? " complex" : "");
  return lua_pushfstring(L, "a %s value", luaL_typename(L, idx));
}

/* Raise an operator error at the position of the Lua code that applied
** the operator: "attempt to <verb> <first operand> and <second> (why)". */
static int operror (lua_State *L, const char *verb, const ty_mat *A,
                    const ty_mat *B, const char *why) {
  const char *a = describe(L, 1, A), *b = describe(L, 2, B);
  luaL_where(L, 1);
  lua_pushfstring(L, "attempt to %s %s and %s%s%s%s", verb, a, b,
                  why ? " (" : "", why ? why : "", why ? ")" : "");
  lua_concat(L, 2);
  return lua_error(L);
}

/* When an operand of an operator is an object of another type (a
** userdata or a table with a metatable, such as a sparse matrix) with its
** own metamethod for event, push what that metamethod returns for the two
** operands and return 1: dense * sparse is the sparse type's business.
** Else return 0. */
static int delegate (lua_State *L, const char *event) {
  int i;
  for (i = 1; i <= 2; i++) {
    int type = lua_type(L, i);
    if ((type == LUA_TUSERDATA || type == LUA_TTABLE) && tomat(L, i) == NULL
        && luaL_getmetafield(L, i, event) != LUA_TNIL) {
      lua_pushvalue(L, 1);
      lua_pushvalue(L, 2);
      lua_call(L, 2, 1);
      return 1;
    }
  }
  return 0;
}

/* Raise "bad argument #arg to 'f' (shapes AxB and CxD do not broadcast)". */
static int bcasterror (lua_State *L, int arg, const ty_mat *A,
                       const ty_mat *B) {
  return luaL_argerror(L, arg, lua_pushfstring(L,
           "shapes %Ix%I and %Ix%I do not broadcast", (lua_Integer)A->rows,
           (lua_Integer)A->cols, (lua_Integer)B->rows, (lua_Integer)B->cols));
}

/* Push A op B elementwise; the shapes must broadcast. */
static int pushbinop (lua_State *L, const ty_mat *A, const ty_mat *B,
                      int op) {
  size_t m, n;
  ty_mat *C;
  ty_mat_broadcast(A, B, &m, &n);
  C = ty_newmat(L, m, n, A->cplx || B->cplx);
  check(L, ty_mat_binop(C, A, B, op));
  return 1;
}

/* a dimension that BLAS and LAPACK can take */
static void checkint (lua_State *L, size_t d) {
  if (d > (size_t)INT_MAX)
    luaL_error(L, "matrix too large for BLAS and LAPACK "
               "(a dimension above %d)", INT_MAX);
}


/* ====================================================================== */
/* operators                                                              */
/* ====================================================================== */

/* A + B, A - B, A ^ B: elementwise with broadcasting */
static int arith (lua_State *L, int op, const char *event, const char *verb) {
  box ba, bb;
  size_t m, n;
  ty_mat *A = tooperand(L, 1, &ba), *B = tooperand(L, 2, &bb);
  if (A == NULL || B == NULL)
    return delegate(L, event) ? 1 : operror(L, verb, A, B, NULL);
  if (!ty_mat_broadcast(A, B, &m, &n))
    return operror(L, verb, A, B, "shapes do not broadcast");
  return pushbinop(L, A, B, op);
}

static int mm_add (lua_State *L) {
  return arith(L, TY_ADD, "__add", "add");
}

static int mm_sub (lua_State *L) {
  return arith(L, TY_SUB, "__sub", "subtract");
}

static int mm_pow (lua_State *L) {
  return arith(L, TY_POW, "__pow", "exponentiate");
}

/* A * B: the matrix product; with a number or a 1x1 matrix, scaling */
static int mm_mul (lua_State *L) {
  box ba, bb;
  ty_mat *A = tooperand(L, 1, &ba), *B = tooperand(L, 2, &bb), *C;
  int cplx;
  if (A == NULL || B == NULL)
    return delegate(L, "__mul") ? 1 : operror(L, "multiply", A, B, NULL);
  if (TY_NUMEL(A) == 1 || TY_NUMEL(B) == 1)
    return pushbinop(L, A, B, TY_MUL);
  if (A->cols != B->rows) {
    lua_pushfstring(L, "inner dimensions %I and %I do not match",
                    (lua_Integer)A->cols, (lua_Integer)B->rows);
    return operror(L, "multiply", A, B, lua_tostring(L, -1));
  }
  checkint(L, A->rows);
  checkint(L, A->cols);
  checkint(L, B->cols);
  cplx = A->cplx || B->cplx;
  if (cplx && !A->cplx) A = ty_pushcopy(L, A, 1);    /* promote */
  if (cplx && !B->cplx) B = ty_pushcopy(L, B, 1);
  C = ty_newmat(L, A->rows, B->cols, cplx);
  ty_mat_matmul(C, A, B);
  return 1;
}

/* A / s: the divisor is a number or a 1x1 matrix */
static int mm_div (lua_State *L) {
  box ba, bb;
  ty_mat *A = tooperand(L, 1, &ba), *B = tooperand(L, 2, &bb);
  if (A == NULL || B == NULL)
    return delegate(L, "__div") ? 1 : operror(L, "divide", A, B, NULL);
  if (TY_NUMEL(B) != 1)
    return operror(L, "divide", A, B, "the divisor must be a number or a "
                   "1x1 matrix; A:ediv(B) divides elementwise");
  return pushbinop(L, A, B, TY_DIV);
}

/* -A */
static int mm_unm (lua_State *L) {
  ty_mat *A = checkmat(L, 1);
  ty_mat *C = ty_newmat(L, A->rows, A->cols, A->cplx);
  check(L, ty_mat_unop(C, A, TY_NEG));
  return 1;
}


/* ====================================================================== */
/* elementwise functions                                                  */
/* ====================================================================== */

/* A:emul(B), A:ediv(B) (also mat.emul, mat.ediv) */
static int binmethod (lua_State *L, int op) {
  box ba, bb;
  size_t m, n;
  ty_mat *A = checkoperand(L, 1, &ba), *B = checkoperand(L, 2, &bb);
  if (!ty_mat_broadcast(A, B, &m, &n)) return bcasterror(L, 2, A, B);
  return pushbinop(L, A, B, op);
}

static int m_emul (lua_State *L) { return binmethod(L, TY_MUL); }
static int m_ediv (lua_State *L) { return binmethod(L, TY_DIV); }

/* fn(A) elementwise */
static int unary (lua_State *L, int fn) {
  ty_mat *A = checkmat(L, 1);
  ty_mat *C = ty_newmat(L, A->rows, A->cols,
                        ty_mat_unop_iscomplex(fn, A->cplx));
  check(L, ty_mat_unop(C, A, fn));
  return 1;
}

static int m_exp (lua_State *L) { return unary(L, TY_EXP); }
static int m_log (lua_State *L) { return unary(L, TY_LOG); }
static int m_sqrt (lua_State *L) { return unary(L, TY_SQRT); }
static int m_abs (lua_State *L) { return unary(L, TY_ABS); }
static int m_sin (lua_State *L) { return unary(L, TY_SIN); }
static int m_cos (lua_State *L) { return unary(L, TY_COS); }
static int m_tan (lua_State *L) { return unary(L, TY_TAN); }
static int m_tanh (lua_State *L) { return unary(L, TY_TANH); }
static int m_floor (lua_State *L) { return unary(L, TY_FLOOR); }
static int m_ceil (lua_State *L) { return unary(L, TY_CEIL); }
static int m_sign (lua_State *L) { return unary(L, TY_SIGN); }
static int m_real (lua_State *L) { return unary(L, TY_REAL); }
static int m_imag (lua_State *L) { return unary(L, TY_IMAG); }
static int m_conj (lua_State *L) { return unary(L, TY_CONJ); }
static int m_angle (lua_State *L) { return unary(L, TY_ANGLE); }

/* A:map(f): f called on each element in column-major order, as a number
** (real A) or a 1x1 complex matrix; it returns a number or a 1x1 matrix.
** The result is real unless A is complex or f returns a complex value. */
static int m_map (lua_State *L) {
  ty_mat *A = checkmat(L, 1), *R;
  size_t n = TY_NUMEL(A), k;
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  R = ty_newmat(L, A->rows, A->cols, A->cplx);         /* index 3 */
  for (k = 0; k < n; k++) {
    ty_mat *v;
    if ((k & 1023) == 1023) TY_POLL(L);
    lua_pushvalue(L, 2);
    if (A->cplx) {
      ty_mat *z = ty_newmat(L, 1, 1, 1);
      z->data[0] = A->data[2 * k];
      z->data[1] = A->data[2 * k + 1];
    }
    else lua_pushnumber(L, (lua_Number)A->data[k]);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) {
      double x = (double)lua_tonumber(L, -1);
      if (R->cplx) { R->data[2 * k] = x; R->data[2 * k + 1] = 0.0; }
      else R->data[k] = x;
    }
    else if ((v = tomat(L, -1)) != NULL && TY_NUMEL(v) == 1) {
      if (v->cplx && !R->cplx) {         /* promote what is done so far */
        R = ty_pushcopy(L, R, 1);
        lua_replace(L, 3);
      }
      if (R->cplx) {
        R->data[2 * k] = v->data[0];
        R->data[2 * k + 1] = v->cplx ? v->data[1] : 0.0;
      }
      else R->data[k] = v->data[0];
    }
    else
      return luaL_error(L, "bad argument #2 to 'map' (function returned %s "
                        "for element %I; number or 1x1 matrix expected)",
                        v ? "a matrix that is not 1x1" : luaL_typename(L, -1),
                        (lua_Integer)k + 1);
    lua_pop(L, 1);
  }
  lua_settop(L, 3);
  return 1;
}


/* ====================================================================== */
/* reductions                                                             */
/* ====================================================================== */

/* the optional dimension argument: 0 (none), 1 or 2 */
static int optdim (lua_State *L, int arg) {
  lua_Integer d;
  if (lua_isnoneornil(L, arg)) return 0;
  d = luaL_checkinteger(L, arg);
  luaL_argcheck(L, d == 1 || d == 2, arg, "dimension must be 1 or 2");
  return (int)d;
}

/* Push the sum of A (no dim: a scalar) or its sums along dim (a matrix);
** returns the number of elements summed for each result. */
static size_t pushsum (lua_State *L, ty_mat *A, int dim) {
  if (dim == 0) {
    double s[2];
    check(L, ty_mat_sum(A, s));
    pushscalar(L, s, A->cplx);
    return TY_NUMEL(A);
  }
  else {
    ty_mat *R = ty_newmat(L, dim == 1 ? 1 : A->rows,
                          dim == 1 ? A->cols : 1, A->cplx);
    check(L, ty_mat_sumdim(R, A, dim));
    return dim == 1 ? A->rows : A->cols;
  }
}

static int m_sum (lua_State *L) {
  ty_mat *A = checkmat(L, 1);
  pushsum(L, A, optdim(L, 2));
  return 1;
}

/* A:mean([dim]): the sum divided by the count (NaN when it is 0) */
static int m_mean (lua_State *L) {
  ty_mat *A = checkmat(L, 1), *R;
  size_t count = pushsum(L, A, optdim(L, 2)), k, n;
  double c = (double)count;
  if (lua_type(L, -1) == LUA_TNUMBER) {
    lua_pushnumber(L, (lua_Number)(count ? lua_tonumber(L, -1) / c : NAN));
    return 1;
  }
  R = tomat(L, -1);
  n = TY_NUMEL(R) * (R->cplx ? 2 : 1);
  for (k = 0; k < n; k++) R->data[k] = count ? R->data[k] / c : NAN;
  return 1;
}

/* A:min([dim]), A:max([dim]) */
static int extreme (lua_State *L, int wantmax) {
  ty_mat *A = checkmat(L, 1), *V, *Ix;
  int dim = optdim(L, 2);
  size_t along, across, m, n;
  if (dim == 0) {
    size_t k;
    double v[2];
    if (TY_NUMEL(A) == 0)
      return luaL_argerror(L, 1, wantmax ? "empty matrix has no maximum"
                                         : "empty matrix has no minimum");
    check(L, ty_mat_argext(A, wantmax, &k));
    v[0] = A->cplx ? A->data[2 * k] : A->data[k];
    v[1] = A->cplx ? A->data[2 * k + 1] : 0.0;
    pushscalar(L, v, A->cplx);
    lua_pushinteger(L, (lua_Integer)k + 1);
    return 2;
  }
  along = (dim == 1) ? A->rows : A->cols;
  across = (dim == 1) ? A->cols : A->rows;
  if (along == 0 && across > 0)
    return luaL_argerror(L, 1, lua_pushfstring(L,
             "%s of a %Ix%I matrix along dimension %d (no elements)",
             wantmax ? "maximum" : "minimum", (lua_Integer)A->rows,
             (lua_Integer)A->cols, dim));
  m = (dim == 1) ? 1 : A->rows;
  n = (dim == 1) ? A->cols : 1;
  V = ty_newmat(L, m, n, A->cplx);
  Ix = ty_newmat(L, m, n, 0);
  if (along > 0) check(L, ty_mat_extdim(V, Ix, A, dim, wantmax));
  return 2;
}

static int m_min (lua_State *L) { return extreme(L, 0); }
static int m_max (lua_State *L) { return extreme(L, 1); }


/* ====================================================================== */
/* norms, products and comparisons                                        */
/* ====================================================================== */

/* Push the largest singular value of A (or the sum of all of them when
** nuclear is set). */
static int pushsvdnorm (lua_State *L, const ty_mat *A, int nuclear) {
  size_t k = A->rows < A->cols ? A->rows : A->cols, i;
  double *work, *s, r = 0.0;
  int info;
  if (k == 0) {
    lua_pushnumber(L, 0.0);
    return 1;
  }
  if (!ty_mat_allfinite(A)) {     /* LAPACK needs finite input */
    double amax;
    check(L, ty_mat_vecnorm(A, HUGE_VAL, &amax));
    lua_pushnumber(L, (lua_Number)amax);          /* NaN or Inf */
    return 1;
  }
  checkint(L, A->rows);
  checkint(L, A->cols);
  work = (double *)ty_newbuf(L, ty_mulsize(L, TY_NUMEL(A),
                                           TY_ELSIZE(A->cplx)));
  s = (double *)ty_newbuf(L, ty_mulsize(L, k, sizeof(double)));
  info = ty_mat_svals(A, work, s);
  if (info > 0)
    return luaL_error(L, "singular value iteration did not converge");
  if (info < 0)
    return luaL_error(L, "internal error: gesdd rejected argument %d",
                      -info);
  if (nuclear)
    for (i = 0; i < k; i++) r += s[i];
  else r = s[0];
  lua_pushnumber(L, (lua_Number)r);
  return 1;
}

/* A:norm([p]): vector norms of 1xn and nx1 matrices, matrix norms of
** others (see the help text) */
static int m_norm (lua_State *L) {
  static const char *const names[] = {"fro", "nuc", NULL};
  ty_mat *A = checkmat(L, 1);
  int isvec = (A->rows == 1 || A->cols == 1);
  double p, r;
  if (lua_type(L, 2) == LUA_TSTRING) {
    int which = luaL_checkoption(L, 2, NULL, names);
    if (which == 1 && !isvec) return pushsvdnorm(L, A, 1);
    check(L, ty_mat_vecnorm(A, 2.0, &r));         /* fro; nuc of a vector */
    lua_pushnumber(L, (lua_Number)r);
    return 1;
  }
  if (lua_isnoneornil(L, 2)) p = 2.0;
  else p = (double)luaL_checknumber(L, 2);
  if (isvec) {
    luaL_argcheck(L, p > 0, 2, "vector norm p must be positive");
    check(L, ty_mat_vecnorm(A, p, &r));
  }
  else if (lua_isnoneornil(L, 2))
    check(L, ty_mat_vecnorm(A, 2.0, &r));          /* Frobenius */
  else if (p == 1.0)
    check(L, ty_mat_norm1(A, &r));
  else if (p == HUGE_VAL) {
    double *work = (double *)ty_newbuf(L, ty_mulsize(L, A->rows,
                                                     sizeof(double)));
    check(L, ty_mat_norminf(A, work, &r));
  }
  else if (p == 2.0)
    return pushsvdnorm(L, A, 0);
  else
    return luaL_argerror(L, 2, "matrix norm p must be 1, 2, math.huge, "
                         "'fro' or 'nuc'");
  lua_pushnumber(L, (lua_Number)r);
  return 1;
}

/* A:dot(B): sum of conj(a) b (NumPy's vdot) */
static int m_dot (lua_State *L) {
  box ba, bb;
  ty_mat *A = checkoperand(L, 1, &ba), *B = checkoperand(L, 2, &bb);
  double d[2];
  int samevec = (A->rows == 1 || A->cols == 1) &&
                (B->rows == 1 || B->cols == 1) && TY_NUMEL(A) == TY_NUMEL(B);
  if (!samevec && (A->rows != B->rows || A->cols != B->cols))
    return luaL_argerror(L, 2, lua_pushfstring(L,
             "shapes %Ix%I and %Ix%I do not match", (lua_Integer)A->rows,
             (lua_Integer)A->cols, (lua_Integer)B->rows,
             (lua_Integer)B->cols));
  check(L, ty_mat_dot(A, B, d));
  pushscalar(L, d, A->cplx || B->cplx);
  return 1;
}

/* A:trace() */
static int m_trace (lua_State *L) {
  ty_mat *A = checkmat(L, 1);
  double t[2];
  ty_mat_trace(A, t);
  pushscalar(L, t, A->cplx);
  return 1;
}

/* mat.allclose(A, B [, rtol [, atol]]) */
static int mat_allclose (lua_State *L) {
  box ba, bb;
  ty_mat *A = checkoperand(L, 1, &ba), *B = checkoperand(L, 2, &bb);
  double rtol = (double)luaL_optnumber(L, 3, 1e-9);
  double atol = (double)luaL_optnumber(L, 4, 0.0);
  int close;
  luaL_argcheck(L, rtol >= 0, 3, "rtol must be nonnegative");
  luaL_argcheck(L, atol >= 0, 4, "atol must be nonnegative");
  if (A->rows != B->rows || A->cols != B->cols) {
    lua_pushboolean(L, 0);
    return 1;
  }
  close = ty_mat_allclose(A, B, rtol, atol);
  check(L, close);
  lua_pushboolean(L, close == 1);
  return 1;
}


/* ====================================================================== */
/* in place                                                               */
/* ====================================================================== */

/* the matrix to update, argument 1 (a real tycho.mat, nothing converted) */
static ty_mat *checkself (lua_State *L) {
  return (ty_mat *)luaL_checkudata(L, 1, TY_MAT_T);
}

/* A:add_(B [, alpha=1]): A += alpha B, B broadcast to A's shape */
static int m_add_ (lua_State *L) {
  box bx;
  ty_mat *Y = checkself(L), *X = checkoperand(L, 2, &bx);
  double alpha[2] = {1.0, 0.0};
  int acplx = 0;
  if (!lua_isnoneornil(L, 3)) acplx = checkscalar(L, 3, alpha);
  if ((X->rows != Y->rows && X->rows != 1) ||
      (X->cols != Y->cols && X->cols != 1))
    return luaL_argerror(L, 2, lua_pushfstring(L,
             "a %Ix%I matrix does not broadcast to %Ix%I",
             (lua_Integer)X->rows, (lua_Integer)X->cols,
             (lua_Integer)Y->rows, (lua_Integer)Y->cols));
  if (!Y->cplx && X->cplx)
    return luaL_argerror(L, 2, "complex matrix cannot be added in place to "
                         "a real one (make it complex with mat.complex)");
  if (!Y->cplx && acplx)
    return luaL_argerror(L, 3, "complex alpha for a real matrix");
  check(L, ty_mat_axpy(Y, alpha, X));
  lua_settop(L, 1);
  return 1;
}

/* A:scale_(s): A *= s */
static int m_scale_ (lua_State *L) {
  ty_mat *A = checkself(L);
  double s[2];
  if (checkscalar(L, 2, s) && !A->cplx)
    return luaL_argerror(L, 2, "complex scale for a real matrix");
  check(L, ty_mat_scale(A, s));
  lua_settop(L, 1);
  return 1;
}

/* A:fill_(v): every element = v */
static int m_fill_ (lua_State *L) {
  ty_mat *A = checkself(L);
  double v[2];
  if (checkscalar(L, 2, v) && !A->cplx)
    return luaL_argerror(L, 2, "complex value for a real matrix");
  ty_mat_fill(A, v);
  lua_settop(L, 1);
  return 1;
}

/* A:copy_(B): A's elements = B's (same shape) */
static int m_copy_ (lua_State *L) {
  box bx;
  ty_mat *D = checkself(L), *S = checkoperand(L, 2, &bx);
  if (S->rows != D->rows || S->cols != D->cols) {
    lua_pushfstring(L, "%Ix%I matrix", (lua_Integer)D->rows,
                    (lua_Integer)D->cols);
    return ty_shapeerror(L, 2, lua_tostring(L, -1), S);
  }
  if (S->cplx && !D->cplx)
    return luaL_argerror(L, 2, "complex matrix cannot be copied into a real "
                         "one");
  ty_mat_copyto(D, S);
  lua_settop(L, 1);
  return 1;
}


/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

/* in the library (mat.exp(A), ...) and as methods (A:exp(), ...) */
static const luaL_Reg ops_both[] = {
  {"emul", m_emul},
  {"ediv", m_ediv},
  {"exp", m_exp},
  {"log", m_log},
  {"sqrt", m_sqrt},
  {"abs", m_abs},
  {"sin", m_sin},
  {"cos", m_cos},
  {"tan", m_tan},
  {"tanh", m_tanh},
  {"floor", m_floor},
  {"ceil", m_ceil},
  {"sign", m_sign},
  {"real", m_real},
  {"imag", m_imag},
  {"conj", m_conj},
  {"angle", m_angle},
  {"allclose", mat_allclose},
  {NULL, NULL}
};

static const luaL_Reg ops_methods[] = {
  {"map", m_map},
  {"sum", m_sum},
  {"mean", m_mean},
  {"min", m_min},
  {"max", m_max},
  {"norm", m_norm},
  {"dot", m_dot},
  {"trace", m_trace},
  {"add_", m_add_},
  {"scale_", m_scale_},
  {"fill_", m_fill_},
  {"copy_", m_copy_},
  {NULL, NULL}
};

static const luaL_Reg ops_meta[] = {
  {"__add", mm_add},
  {"__sub", mm_sub},
  {"__mul", mm_mul},
  {"__div", mm_div},
  {"__pow", mm_pow},
  {"__unm", mm_unm},
  {NULL, NULL}
};

/* Add the methods to the table at methods, the same function values to
** the library at lib (so help finds mat.exp and A.exp alike) and the
** operators to the tycho.mat metatable; each function has the metatable
** as its upvalue (see tomat). */
void ty_mat_ops_register (lua_State *L, int lib, int methods) {
  const luaL_Reg *r;
  luaL_getmetatable(L, TY_MAT_T);
  lua_pushvalue(L, methods);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, ops_both, 1);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, ops_methods, 1);
  for (r = ops_both; r->name != NULL; r++) {
    lua_getfield(L, -1, r->name);
    lua_setfield(L, lib, r->name);
  }
  lua_pop(L, 1);
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, ops_meta, 1);
  lua_pop(L, 1);
}

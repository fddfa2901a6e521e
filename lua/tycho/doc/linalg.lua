-- Help texts of linalg: dense linear algebra through LAPACK (OpenBLAS).
-- Every function takes real or complex matrices (or tables of rows, or
-- numbers as 1x1), never modifies its arguments, refuses NaN and Inf, and
-- gives a defined result for empty matrices.
local def = ...

def("linalg.solve", {
  sig = "linalg.solve(A, B [, kind=\"gen\"]) -> X",
  summary = [[The solution X of A X = B for a square A (n x n) and B with n
rows (a vector or a matrix of right-hand sides).  kind says what A is:
"gen" (general, LU with partial pivoting, the default; symmetry or definiteness
are never assumed), "spd" (symmetric/Hermitian positive definite, Cholesky),
"sym" (symmetric real or Hermitian complex, Bunch-Kaufman), "lower" or
"upper" (triangular; only that triangle is read).  A singular A, or one whose
estimated reciprocal condition number is below machine epsilon, is an error
"matrix is singular to working precision"; "spd" raises "matrix is not
positive definite" when it is not.  Real and complex mix (the result is complex
if either is).  A 0x0 system gives a 0 x k result.  Like numpy.linalg.solve
and Octave's A \ B for square A.]],
  example = [[local A = mat{{4, 1}, {1, 3}}
local x = linalg.solve(A, {1, 2})
assert((A * x - mat{1, 2}):norm() < 1e-14)
assert(linalg.solve(A, {1, 2}, "spd"):norm() > 0)]],
  see = {"linalg.lstsq", "linalg.inv", "linalg.chol", "linalg.lu"},
})

def("linalg.lstsq", {
  sig = "linalg.lstsq(A, B [, rcond]) -> X, rank",
  summary = [[The least-squares solution of A X = B with the smallest norm,
for any m x n matrix A and B with m rows, by the SVD (LAPACK gelsd): X is
n x k and rank is the effective rank of A.  Singular values at most
rcond * s_max count as zero (default rcond = eps * max(m, n), NumPy's).
Overdetermined systems give the usual least-squares fit, underdetermined ones
the minimum-norm solution, rank-deficient ones both.  An empty A gives zeros
and rank 0.  Like numpy.linalg.lstsq and Octave's pinv(A) * B.]],
  example = [[local A = mat{{1, 0}, {1, 1}, {1, 2}}      -- fit y = a + b t
local x, r = linalg.lstsq(A, {1, 2, 3})
assert(r == 2 and (x - mat{1, 1}):norm() < 1e-14)]],
  see = {"linalg.solve", "linalg.pinv"},
})

def("linalg.inv", {
  sig = "linalg.inv(A) -> X",
  summary = [[The inverse of a square matrix (LU, then LAPACK getri).  A
singular matrix, or one with estimated reciprocal condition number below eps,
is an error "matrix is singular to working precision".  The inverse of a 0x0
matrix is 0x0.  To solve a system, linalg.solve is faster and more
accurate.]],
  example = [[local A = mat{{2, 1}, {1, 1}}
assert((A * linalg.inv(A) - mat.eye(2)):norm() < 1e-15)]],
  see = {"linalg.solve", "linalg.pinv", "linalg.det"},
})

def("linalg.det", {
  sig = "linalg.det(A) -> d",
  summary = [[The determinant of a square matrix, from its LU factorization
(the product of U's diagonal, with the sign of the row permutation).  A number
for real A, a 1x1 complex matrix for complex A.  A singular matrix gives 0;
det of a 0x0 matrix is 1.  The value can overflow or underflow for large
matrices: linalg.slogdet gives its logarithm.]],
  example = [[assert(linalg.det{{1, 2}, {3, 4}} == -2)
assert(linalg.det(mat.eye(0)) == 1)]],
  see = {"linalg.slogdet", "linalg.lu"},
})

def("linalg.slogdet", {
  sig = "linalg.slogdet(A) -> sign, logabsdet",
  summary = [[The determinant as sign * exp(logabsdet), without overflow:
sign is 1 or -1 for real A (a 1x1 complex matrix of modulus 1 for complex A),
and a singular A gives sign 0 and logabsdet -math.huge.  Like
numpy.linalg.slogdet.]],
  example = [[local s, l = linalg.slogdet(mat.diag(mat{-1e200, 1e200}))
assert(s == -1 and math.abs(l - 400 * math.log(10)) < 1e-9)]],
  see = {"linalg.det"},
})

def("linalg.pinv", {
  sig = "linalg.pinv(A [, tol]) -> X",
  summary = [[The Moore-Penrose pseudo-inverse (n x m for an m x n A), from
the SVD: X = V diag(1/s) U^H over the singular values s > tol; the others are
treated as zero.  tol is an absolute threshold, by default
max(m, n) * eps * s_max (MATLAB's and numpy.linalg.matrix_rank's).  X
satisfies A X A = A, X A X = X, and A X, X A are Hermitian.  An empty A gives
an n x m matrix of zeros.]],
  example = [[local A = mat{{1, 2}, {2, 4}, {3, 6}}      -- rank 1
local X = linalg.pinv(A)
assert((A * X * A - A):norm() < 1e-13)]],
  see = {"linalg.lstsq", "linalg.svd", "linalg.rank"},
})

def("linalg.rank", {
  sig = "linalg.rank(A [, tol]) -> r",
  summary = [[The numerical rank: the number of singular values above tol
(absolute; default max(m, n) * eps * s_max, as numpy.linalg.matrix_rank and
Octave's rank).  An integer; 0 for an empty or zero matrix.]],
  example = [[assert(linalg.rank{{1, 2}, {2, 4}} == 1)
assert(linalg.rank(mat.eye(3)) == 3)]],
  see = {"linalg.svd", "linalg.null", "linalg.orth"},
})

def("linalg.cond", {
  sig = "linalg.cond(A) -> c",
  summary = [[The condition number in the 2-norm, s_max / s_min, from the
singular values; A may be rectangular.  A matrix singular to working precision
(s_min <= eps * s_max, the same test linalg.solve and linalg.inv apply) has
cond math.huge.  An empty matrix gives 0.  Like numpy.linalg.cond and Octave's
cond.]],
  example = [[assert(math.abs(linalg.cond(mat.diag(mat{1, 10})) - 10) < 1e-12)
assert(linalg.cond{{1, 2}, {2, 4}} == math.huge)]],
  see = {"linalg.svd", "linalg.rank"},
})

def("linalg.lu", {
  sig = "linalg.lu(A [, \"vector\"]) -> L, U, P",
  summary = [[The LU factorization with partial pivoting of an m x n matrix
(rectangular allowed), k = min(m, n): L is m x k unit lower triangular, U is
k x n upper triangular and P is the m x m permutation matrix with P A = L U,
as in MATLAB's [L, U, P] = lu(A) (SciPy's scipy.linalg.lu returns P^T
instead).  With "vector", the third result is a vector p of row indices with
A(p, :) = L U, i.e. row i of L U is row p[i] of A.]],
  example = [[local A = mat{{1, 2}, {3, 4}, {5, 6}}
local L, U, P = linalg.lu(A)
assert((P * A - L * U):norm() < 1e-14)
local _, _, p = linalg.lu(A, "vector")
assert(p[1] == 3)           -- the largest pivot comes first]],
  see = {"linalg.det", "linalg.solve", "linalg.qr"},
})

def("linalg.qr", {
  sig = "linalg.qr(A [, \"econ\"]) -> Q, R",
  summary = [[The QR factorization A = Q R by Householder reflections, for an
m x n matrix, k = min(m, n).  Full (the default): Q m x m unitary, R m x n
upper triangular.  With "econ": Q m x k with orthonormal columns, R k x n.
Like numpy.linalg.qr(A, "complete" / "reduced") and Octave's qr(A) / qr(A, 0);
R's diagonal may be negative.]],
  example = [[local A = mat{{1, 2}, {3, 4}, {5, 6}}
local Q, R = linalg.qr(A, "econ")
assert(Q:cols() == 2 and (Q * R - A):norm() < 1e-14)
assert((Q:t() * Q - mat.eye(2)):norm() < 1e-15)]],
  see = {"linalg.lu", "linalg.svd", "linalg.orth"},
})

def("linalg.chol", {
  sig = "linalg.chol(A) -> L",
  summary = [[The Cholesky factor of a symmetric (Hermitian) positive definite
matrix: L lower triangular with A = L L^T (L L^H for complex A), as
numpy.linalg.cholesky (Octave's chol(A) is the upper factor L^T).  A must be
symmetric to a relative tolerance of 1e-8 (max |A - A^H| <= 1e-8 max |A|),
otherwise the error is "matrix is not symmetric"; the lower triangle is then
used.  An indefinite A gives "matrix is not positive definite".]],
  example = [[local L = linalg.chol{{4, 2}, {2, 5}}
assert((L - mat{{2, 0}, {1, 2}}):norm() < 1e-15)]],
  see = {"linalg.solve", "linalg.eigh"},
})

def("linalg.eig", {
  sig = "linalg.eig(A [, B]) -> w, V",
  summary = [[Eigenvalues w and right eigenvectors V (columns) of a square
matrix: A V = V diag(w).  w (n x 1) and V (n x n) are always complex
matrices, even for real A, since eigenvalues of real matrices are complex in
general; each column of V has unit 2-norm.  With B, the generalized problem
A V = B V diag(w) (LAPACK ggev); an eigenvalue at infinity (singular B) is
inf, an undetermined one (singular pencil) NaN.  The eigenvalues are in
LAPACK's order, not sorted.  For symmetric or Hermitian matrices use
linalg.eigh.]],
  example = [[local A = mat{{0, -1}, {1, 0}}           -- a rotation: w = +-i
local w, V = linalg.eig(A)
assert((A * V - V * mat.diag(w)):norm() < 1e-14)
assert(math.abs(w:imag():abs()[1] - 1) < 1e-15)]],
  see = {"linalg.eigvals", "linalg.eigh", "linalg.schur"},
})

def("linalg.eigvals", {
  sig = "linalg.eigvals(A [, B]) -> w",
  summary = [[The eigenvalues of linalg.eig, without computing eigenvectors
(faster).  A complex n x 1 matrix.]],
  example = [[local w = linalg.eigvals{{2, 0}, {0, 3}}
assert(w:iscomplex() and (w:real() - mat{2, 3}):norm() == 0)]],
  see = {"linalg.eig", "linalg.eigvalsh"},
})

def("linalg.eigh", {
  sig = "linalg.eigh(A [, B]) -> w, V",
  summary = [[Eigenvalues and eigenvectors of a symmetric (Hermitian) matrix
by divide and conquer (LAPACK syevd/heevd): w real, ascending (n x 1), V with
orthonormal columns and A V = V diag(w); V is complex when A is.  A must be
symmetric to a relative tolerance of 1e-8 (max |A - A^H| <= 1e-8 max |A|),
otherwise the error is "matrix is not symmetric" ("not Hermitian"); the lower
triangle is used.  With B symmetric positive definite, the generalized problem
A V = B V diag(w) with V^H B V = I (sygvd/hegvd).  Like numpy.linalg.eigh and
scipy.linalg.eigh.]],
  example = [[local A = mat{{2, 1}, {1, 2}}
local w, V = linalg.eigh(A)
assert((w - mat{1, 3}):norm() < 1e-15)
assert((V:t() * V - mat.eye(2)):norm() < 1e-15)]],
  see = {"linalg.eigvalsh", "linalg.eig", "linalg.svd"},
})

def("linalg.eigvalsh", {
  sig = "linalg.eigvalsh(A [, B]) -> w",
  summary = [[The real ascending eigenvalues of linalg.eigh, without
eigenvectors (faster).]],
  example = [[assert((linalg.eigvalsh{{2, 1}, {1, 2}} - mat{1, 3}):norm() < 1e-15)]],
  see = {"linalg.eigh", "linalg.eigvals"},
})

def("linalg.svd", {
  sig = "linalg.svd(A [, \"econ\"]) -> U, s, V",
  summary = [[The singular value decomposition A = U diag(s) V^H by divide and
conquer (LAPACK gesdd), for an m x n matrix, k = min(m, n): s is a real k x 1
vector, descending and nonnegative.  Full (default): U m x m and V n x n
unitary.  With "econ": U m x k and V n x k.  Note V, not V^H as NumPy returns
(numpy.linalg.svd gives Vh = V:ct()); Octave's [U, S, V] = svd(A) matches.]],
  example = [[local A = mat{{3, 0}, {0, -4}, {0, 0}}
local U, s, V = linalg.svd(A, "econ")
assert((s - mat{4, 3}):norm() < 1e-15)
assert((U * mat.diag(s) * V:t() - A):norm() < 1e-14)]],
  see = {"linalg.svdvals", "linalg.pinv", "linalg.polar"},
})

def("linalg.svdvals", {
  sig = "linalg.svdvals(A) -> s",
  summary = [[The singular values of A, descending, without the vectors
(faster).]],
  example = [[assert((linalg.svdvals{{3, 0}, {0, -4}} - mat{4, 3}):norm() == 0)]],
  see = {"linalg.svd", "linalg.cond"},
})

def("linalg.null", {
  sig = "linalg.null(A [, tol]) -> N",
  summary = [[An orthonormal basis of the null space of A (n x (n - r), r the
rank with tolerance tol as in linalg.rank): A N = 0 and N^H N = I.  From the
SVD, like scipy.linalg.null_space and Octave's null.]],
  example = [[local N = linalg.null{{1, 1}, {1, 1}}
assert(N:cols() == 1 and (mat{{1, 1}} * N):norm() < 1e-15)]],
  see = {"linalg.orth", "linalg.rank"},
})

def("linalg.orth", {
  sig = "linalg.orth(A [, tol]) -> Q",
  summary = [[An orthonormal basis of the range (column space) of A
(m x r, r the rank with tolerance tol as in linalg.rank).  From the SVD, like
scipy.linalg.orth and Octave's orth.]],
  example = [[local Q = linalg.orth{{1, 2}, {2, 4}}
assert(Q:cols() == 1 and math.abs(Q:norm() - 1) < 1e-15)]],
  see = {"linalg.null", "linalg.qr"},
})

def("linalg.schur", {
  sig = "linalg.schur(A [, \"real\"|\"complex\"]) -> T, Z",
  summary = [[The Schur decomposition A = Z T Z^H with Z unitary (LAPACK
gees).  For real A, the real Schur form: T is quasi upper triangular, with
2x2 blocks on the diagonal for complex conjugate eigenvalue pairs.  For complex
A, or with "complex", T is upper triangular and complex.  The eigenvalues are
on T's diagonal (blocks).  Like scipy.linalg.schur(A, output) and Octave's
schur.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
local T, Z = linalg.schur(A)
assert((Z * T * Z:t() - A):norm() < 1e-14 and T[{2, 1}] == 0)]],
  see = {"linalg.eig"},
})

def("linalg.expm", {
  sig = "linalg.expm(A) -> E",
  summary = [[The matrix exponential of a square matrix, by scaling and
squaring with a Pade approximant of degree 3, 5, 7, 9 or 13 chosen from the
1-norm (Higham, SIAM J. Matrix Anal. Appl. 26, 2005; MATLAB's expm and
scipy.linalg.expm use the same method).  Real for real A; exact zero gives
the identity; 0x0 gives 0x0.  Ctrl-C stops the squarings.]],
  example = [[local E = linalg.expm{{0, 1}, {0, 0}}     -- nilpotent
assert((E - mat{{1, 1}, {0, 1}}):norm() < 1e-15)
local R = linalg.expm{{0, -math.pi}, {math.pi, 0}}  -- a half turn
assert((R + mat.eye(2)):norm() < 1e-14)]],
  see = {"linalg.eig", "mat:exp"},
})

def("linalg.polar", {
  sig = "linalg.polar(A [, \"right\"|\"left\"]) -> U, P",
  summary = [[The polar decomposition from the SVD A = W diag(s) V^H.  Right
(default): A = U P with U = W V^H (m x n, orthonormal columns, or rows when
m < n) and P = V diag(s) V^H (n x n, Hermitian positive semidefinite).
"left": A = P U with P = W diag(s) W^H (m x m).  P is exactly Hermitian.
U is the unitary matrix nearest to A.  Like scipy.linalg.polar(A, side).]],
  example = [[local A = mat{{2, 0}, {0, -3}}
local U, P = linalg.polar(A)
assert((U - mat{{1, 0}, {0, -1}}):norm() < 1e-15)
assert((U * P - A):norm() < 1e-14)]],
  see = {"linalg.svd"},
})

def("linalg.norm", {
  sig = "linalg.norm(A [, p]) -> number",
  summary = [[The same as A:norm([p]), for NumPy habits: vector 2-norm by
default (p = 1, 2, math.huge), matrix Frobenius norm by default ("fro", 1, 2,
math.huge).  A table of numbers is a vector.]],
  example = [[assert(linalg.norm{3, 4} == 5)]],
  see = {"mat:norm", "linalg.cond"},
})

-- %% [markdown]
-- # Linear algebra with tycho
--
-- This lesson walks through the `linalg` module on small problems whose
-- answers we know, and checks every claim it makes with `assert`.
-- Run it with `tycho examples/linear_algebra.lua`, or publish it as a page
-- with `tycho publish examples/linear_algebra.lua`.
--
-- Everything here works the same for real and complex matrices; `linalg`
-- calls LAPACK (through OpenBLAS) and never modifies its arguments.

-- %%
rand.seed(7)
local function check(cond, what)
  assert(cond, what)
  print("ok: " .. what)
end

-- %% [markdown]
-- ## 1. Solving a linear system
--
-- A chain of n unit masses joined by unit springs, fixed at both ends, with
-- a force f on each mass, comes to rest at displacements x solving
-- `K x = f`, where K is the tridiagonal matrix with 2 on the diagonal and -1
-- beside it.  With a uniform load f = 1 the exact answer is a parabola,
-- x_i = i (n + 1 - i) / 2.

-- %%
local n = 8
local K = mat.zeros(n, n)
for i = 1, n do
  K[{i, i}] = 2
  if i > 1 then K[{i, i - 1}] = -1; K[{i - 1, i}] = -1 end
end
local f = mat.ones(n)
local x = linalg.solve(K, f)
print(x:t())
local exact = mat.zeros(n)
for i = 1, n do exact[i] = i * (n + 1 - i) / 2 end
check((x - exact):norm() < 1e-13, "the displacements are the parabola")
check((K * x - f):norm() < 1e-13, "the residual ||K x - f|| is tiny")

-- %% [markdown]
-- K is symmetric positive definite, so we may say so: `"spd"` uses a
-- Cholesky factorization, about twice as fast as LU for large matrices.
-- Never compute `inv(K) * f` to solve a system: it is slower and less
-- accurate, though here both are fine.

-- %%
check((linalg.solve(K, f, "spd") - x):norm() < 1e-13, "Cholesky gives the same x")
check((linalg.inv(K) * f - x):norm() < 1e-12, "so does the inverse, at more cost")
local L = linalg.chol(K)
check((L * L:t() - K):norm() < 1e-14, "K = L L^T with L lower triangular")

-- %% [markdown]
-- ## 2. Conditioning: how many digits can we trust?
--
-- The condition number `cond(A) = s_max / s_min` bounds how much relative
-- errors in the data can grow in the solution.  With double precision
-- (eps = 2.2e-16) a system loses about log10(cond) of its 16 digits.  The
-- Hilbert matrix, H_ij = 1 / (i + j - 1), is the classic bad case.  We pick
-- the solution (all ones), compute b = H x, solve, and compare.

-- %%
local function hilbert(m)
  local H = mat.zeros(m, m)
  for i = 1, m do for j = 1, m do H[{i, j}] = 1 / (i + j - 1) end end
  return H
end
for _, m in ipairs({4, 8, 11}) do
  local H = hilbert(m)
  local xt = mat.ones(m)
  local xs = linalg.solve(H, H * xt)
  local err = (xs - xt):norm() / xt:norm()
  local c = linalg.cond(H)
  print(string.format("n = %2d   cond = %8.2e   relative error = %8.2e", m, c, err))
  assert(err < 100 * c * 2.2e-16, "the error stays within the condition bound")
end

-- %% [markdown]
-- Past cond ~ 1/eps the matrix is singular *to working precision*, and
-- `solve` refuses instead of returning digits that mean nothing.  At n = 13
-- the Hilbert matrix is there; `cond` then reports `math.huge`.

-- %%
local ok, err = pcall(function() return linalg.solve(hilbert(13), mat.ones(13)) end)
print(err)
check(not ok and err:find("singular to working precision") ~= nil,
      "solve refuses a numerically singular matrix")
check(linalg.cond(hilbert(13)) == math.huge, "and cond says so")

-- %% [markdown]
-- ## 3. Least squares: fitting a curve
--
-- We sample y = 1 - 2 t + 3 t^2 at 30 points with a little noise and fit a
-- quadratic.  The Vandermonde matrix A has columns 1, t, t^2; `lstsq` finds
-- the coefficients c minimizing ||A c - y|| (through the SVD).  The normal
-- equations A^T A c = A^T y give the same answer for this well-conditioned
-- problem, but square the condition number, which is why `lstsq` and `qr`
-- are preferred.

-- %%
local m = 30
local t = mat.linspace(0, 1, m)
local A = mat.hcat(mat.ones(m), t, t:emul(t))
local y = A * mat{1, -2, 3} + mat.randn(m) * 1e-3
local c, rank = linalg.lstsq(A, y)
print("coefficients:", c:t())
check(rank == 3, "the Vandermonde matrix has full column rank")
check((c - mat{1, -2, 3}):norm() < 0.01, "the fit recovers 1 - 2t + 3t^2")
local cn = linalg.solve(A:t() * A, A:t() * y)
check((c - cn):norm() < 1e-9, "the normal equations agree here")
local Q, R = linalg.qr(A, "econ")
local cq = linalg.solve(R, Q:t() * y, "upper")
check((c - cq):norm() < 1e-12, "so does QR: R c = Q^T y")
print(string.format("cond(A) = %.3g, cond(A^T A) = %.3g", linalg.cond(A),
                    linalg.cond(A:t() * A)))
check(math.abs(linalg.cond(A:t() * A) / linalg.cond(A) ^ 2 - 1) < 1e-6,
      "forming A^T A squares the condition number")

-- %% [markdown]
-- The residual of a least-squares fit is orthogonal to the columns of A:
-- that is what the normal equations say.

-- %%
check((A:t() * (y - A * c)):norm() < 1e-12, "A^T (y - A c) = 0")

-- %% [markdown]
-- ## 4. Eigenvalues: vibration modes
--
-- The spring chain of section 1 vibrates in modes x(t) = v cos(w t) with
-- K v = w^2 v.  `eigh` is the tool for symmetric matrices: real eigenvalues
-- in ascending order and orthonormal eigenvectors.  For this K the
-- eigenvalues are known: 2 - 2 cos(k pi / (n + 1)), k = 1..n.

-- %%
local w2, V = linalg.eigh(K)
print("squared frequencies:", w2:t())
local known = mat.zeros(n)
for k = 1, n do known[k] = 2 - 2 * math.cos(k * math.pi / (n + 1)) end
check((w2 - known):norm() < 1e-13, "eigenvalues match 2 - 2 cos(k pi / (n+1))")
check((V:t() * V - mat.eye(n)):norm() < 1e-13, "the modes are orthonormal")
check((K * V - V * mat.diag(w2)):norm() < 1e-13, "K V = V diag(w)")

-- %% [markdown]
-- A general (non-symmetric) matrix has complex eigenvalues in general, so
-- `eig` always returns complex results.  A rotation by 90 degrees turns
-- every real vector, so it has no real eigenvector: its eigenvalues are +i
-- and -i.  The determinant is the product of the eigenvalues and the trace
-- their sum.

-- %%
local Rot = mat{{0, -1}, {1, 0}}
local w, Vr = linalg.eig(Rot)
print(w)
check((Rot * Vr - Vr * mat.diag(w)):norm() < 1e-15, "Rot V = V diag(w)")
check(math.abs(w:imag():abs():sum() - 2) < 1e-15, "the eigenvalues are +i and -i")
local G = mat.randn(5, 5)
local wg = linalg.eigvals(G)
local prod = wg[1]
for k = 2, 5 do prod = prod * wg[k] end
check(math.abs(prod:real()[1] - linalg.det(G)) < 1e-10, "det = product of eigenvalues")
check(math.abs(wg:sum():real()[1] - G:trace()) < 1e-12, "trace = sum of eigenvalues")

-- %% [markdown]
-- ## 5. The SVD and low-rank approximation
--
-- Every matrix is U diag(s) V^H with orthonormal U, V and singular values
-- s descending.  Keeping the k largest terms gives the best rank-k
-- approximation (Eckart-Young), and its error in the 2-norm is exactly the
-- first singular value dropped.  We build a matrix that is "almost" rank 2.

-- %%
local B = mat.randn(40, 2) * mat.randn(2, 30) + mat.randn(40, 30) * 1e-3
local U, s, Vb = linalg.svd(B, "econ")
print("first singular values:", s:sub(1, 5, 1, 1):t())
check(linalg.rank(B, 0.1) == 2, "two singular values stand out")
local k = 2
local Bk = U:sub(1, 40, 1, k) * mat.diag(s:sub(1, k, 1, 1)) * Vb:sub(1, 30, 1, k):t()
local e = (B - Bk):norm(2)
print(string.format("||B - B_2||_2 = %.6g   s_3 = %.6g", e, s[3]))
check(math.abs(e - s[3]) < 1e-10, "the rank-2 error is the third singular value")

-- %% [markdown]
-- The pseudo-inverse comes from the same decomposition, and `lstsq` is the
-- pseudo-inverse applied to the right-hand side.

-- %%
local P = linalg.pinv(A)
check((P * y - c):norm() < 1e-10, "pinv(A) y is the least-squares solution")
check((A * P * A - A):norm() < 1e-12, "A pinv(A) A = A")

-- %% [markdown]
-- ## 6. The matrix exponential: linear differential equations
--
-- The solution of x' = M x is x(t) = expm(t M) x(0).  For a damped
-- oscillator q'' + 2 z q' + q = 0, written as a first-order system in
-- (q, q'), the exact solution for z < 1 is known in closed form; `expm`
-- reproduces it.

-- %%
local z = 0.1
local M = mat{{0, 1}, {-1, -2 * z}}
local tt = 3.0
local xt = linalg.expm(M * tt) * mat{1, 0}
local wd = math.sqrt(1 - z * z)
local q = math.exp(-z * tt) * (math.cos(wd * tt) + z / wd * math.sin(wd * tt))
print(string.format("q(3) = %.15f   closed form %.15f", xt[1], q))
check(math.abs(xt[1] - q) < 1e-14, "expm solves the damped oscillator")

-- %% [markdown]
-- For a diagonalizable M, expm(M) = V diag(exp(w)) V^-1; and exp(M)
-- exp(-M) = I.  A nilpotent matrix has a finite series: exp(N) = I + N
-- when N^2 = 0.

-- %%
local wm, Vm = linalg.eig(M)
local viaeig = Vm * mat.diag(wm:exp()) * linalg.inv(Vm)
check((linalg.expm(M) - viaeig):norm() < 1e-14, "expm = V diag(exp(w)) V^-1")
check((linalg.expm(M) * linalg.expm(-M) - mat.eye(2)):norm() < 1e-14, "exp(M) exp(-M) = I")
check((linalg.expm{{0, 1}, {0, 0}} - mat{{1, 1}, {0, 1}}):norm() == 0, "exp(N) = I + N")

-- %% [markdown]
-- ## 7. Complex matrices: a two-level quantum system
--
-- A spin driven at resonance has the Hamiltonian H = (Omega / 2) sigma_x.
-- The state evolves by the unitary U(t) = expm(-i H t), and starting from
-- "up" the probability of finding it "down" is sin^2(Omega t / 2): Rabi
-- oscillations.  Complex matrices are built with `mat.complex(re, im)`.

-- %%
local Omega = 2.0
local H = mat{{0, Omega / 2}, {Omega / 2, 0}}
local up = mat.complex(mat{1, 0})
for _, time in ipairs({0.3, 1.0, math.pi / Omega}) do
  local Ut = linalg.expm(mat.complex(mat.zeros(2, 2), H * -time))
  local psi = Ut * up
  local pdown = psi:abs()[2] ^ 2
  print(string.format("t = %.4f   P(down) = %.12f", time, pdown))
  assert(math.abs(pdown - math.sin(Omega * time / 2) ^ 2) < 1e-14)
  assert((Ut:ct() * Ut - mat.eye(2)):norm() < 1e-14)
end
check(true, "P(down) = sin^2(Omega t / 2) and U(t) is unitary")

-- %% [markdown]
-- `eigh` accepts Hermitian matrices and returns real eigenvalues with
-- complex orthonormal eigenvectors.  Here is the Hermitian matrix
-- sigma_y, with eigenvalues -1 and +1.

-- %%
local sy = mat.complex(mat.zeros(2, 2), mat{{0, -1}, {1, 0}})
local ws, Vs = linalg.eigh(sy)
print(ws:t())
check((ws - mat{-1, 1}):norm() < 1e-15, "sigma_y has eigenvalues -1, 1")
check((Vs:ct() * Vs - mat.eye(2)):norm() < 1e-15, "with unitary eigenvectors")

-- %% [markdown]
-- ## 8. The nearest rotation: the polar decomposition
--
-- A = U P with U orthogonal and P symmetric positive semidefinite.  U is the
-- orthogonal matrix nearest to A, so it recovers a rotation from a noisy
-- measurement of it (the orthogonal Procrustes problem).

-- %%
local th = 0.7
local Rtrue = mat{{math.cos(th), -math.sin(th)}, {math.sin(th), math.cos(th)}}
local noisy = Rtrue + mat.randn(2, 2) * 1e-3
local Up, Pp = linalg.polar(noisy)
print(Up)
check((Up:t() * Up - mat.eye(2)):norm() < 1e-14, "U is orthogonal")
check(linalg.eigvalsh(Pp)[1] > 0 and (Pp - Pp:t()):norm() == 0, "P is symmetric positive definite")
check((Up - Rtrue):norm() < 5e-3, "U is close to the true rotation")
check((Up - Rtrue):norm() <= (noisy - Rtrue):norm() + 1e-3,
      "and closer than the measurement (up to noise)")

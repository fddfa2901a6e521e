-- %% [markdown]
-- # Conditioning, and why iterative solvers slow down
--
-- A linear system $Ax = b$ can be perfectly solvable and still give
-- answers with few correct digits.  The *condition number*
-- $\kappa(A) = \|A\|\,\|A^{-1}\| = \sigma_{max}/\sigma_{min}$ measures how much
-- relative errors in $b$ can grow in $x$:
--
-- $$
-- \frac{\|\delta x\|}{\|x\|} \le \kappa(A)\,\frac{\|\delta b\|}{\|b\|}
-- $$
--
-- This lesson measures that bound on small and famous matrices, then shows
-- that the same number decides how fast the **conjugate gradient** method
-- converges.  Every cell checks what it shows, so `tycho examples/conditioning.lua`
-- fails if a result is off; `tycho publish examples/conditioning.lua` turns
-- it into a report with its figures.

-- %%
rand.seed(2024)
local eps = 2.0 ^ -52                  -- machine epsilon of doubles
print(string.format("machine epsilon: %.3g", eps))

-- %% [markdown]
-- ## A nearly singular 2 x 2 system
--
-- The rows of `A` below are almost parallel.  We nudge `b` by a tiny
-- amount and see how far `x` moves.  The amplification is close to the
-- bound $\kappa$, because the nudge points along the worst direction (the
-- left singular vector of the smallest singular value).

-- %%
local delta = 1e-6
local A = mat{{1, 1}, {1, 1 + delta}}
local b = mat{2, 2 + delta}            -- the solution is x = (1, 1)
local x = linalg.solve(A, b)
local U, s = linalg.svd(A)
local kappa = s[1] / s[2]
local db = U:col(2) * (1e-10 * b:norm())
local x2 = linalg.solve(A, b + db)
local gain = ((x2 - x):norm() / x:norm()) / (db:norm() / b:norm())
print(string.format("kappa(A) = %.4g", kappa))
print(string.format("relative change of b: %.2g, of x: %.2g, amplification %.4g",
                    db:norm() / b:norm(), (x2 - x):norm() / x:norm(), gain))
assert(math.abs(kappa / linalg.cond(A) - 1) < 1e-8)
assert(gain <= kappa * (1 + 1e-6) and gain > 0.5 * kappa)

-- %% [markdown]
-- ## Hilbert matrices
--
-- The Hilbert matrix $H_{ij} = 1/(i + j - 1)$ is the classic example of an
-- ill-conditioned matrix: $\kappa(H_n)$ grows like $e^{3.5n}$.  We solve
-- $H_n x = H_n \mathbf{1}$ for growing `n` and compare the error of the computed
-- solution with $\kappa(H_n)\,\epsilon$, the error a backward-stable solver
-- can promise.

-- %%
local function hilbert(n)
  local H = mat.zeros(n, n)
  for i = 1, n do for j = 1, n do H[{i, j}] = 1 / (i + j - 1) end end
  return H
end

local ns, conds, errs = {}, {}, {}
print("  n   cond(H)     error      cond * eps")
for n = 2, 11 do
  local H = hilbert(n)
  local ones = mat.ones(n)
  local xh = linalg.solve(H, H * ones)
  local err = (xh - ones):norm() / ones:norm()
  local c = linalg.cond(H)
  ns[#ns + 1], conds[#conds + 1], errs[#errs + 1] = n, c, math.max(err, 1e-17)
  print(string.format("%3d  %9.3g  %9.3g  %9.3g", n, c, err, c * eps))
  assert(err <= 10 * n * c * eps)        -- the bound holds (with a modest factor)
end
assert(conds[#conds] > 1e14 and errs[#errs] > 1e-4)   -- and digits are really lost

local fig = plot(ns, conds, {title = "Hilbert matrices: conditioning and lost digits",
  xlabel = "n", ylabel = "size (log scale)", logy = true, label = "cond(H_n)",
  legend = "top left",
  with = "linespoints"})
fig:plot(ns, errs, {label = "relative error of solve", with = "linespoints"})
local bound = {}
for i, c in ipairs(conds) do bound[i] = c * eps end
fig:plot(ns, bound, {label = "cond * eps", color = "#7f7f7f", width = 1})

-- %% [markdown]
-- Each step of `n` costs about one and a half more digits: at `n = 11` the
-- answer has only a few correct digits left, although `linalg.solve` did
-- nothing wrong.  (At n = 12 it refuses: the matrix is singular to working
-- precision.)  The error tracks `cond * eps`, the line in grey.
--
-- ## The model problem: a discrete Laplacian
--
-- `sparse.laplacian(n)` is the matrix of $-u''$ on a grid of `n` points
-- (times $h^2$): 2 on the diagonal, -1 beside it.  Its eigenvalues are known
-- exactly, $\lambda_k = 2 - 2\cos(k\pi/(n+1))$, so
-- $\kappa = \lambda_n/\lambda_1 \approx 4(n+1)^2/\pi^2$ grows like $n^2$.

-- %%
local function laplacian_cond(n)
  local lo = 2 - 2 * math.cos(math.pi / (n + 1))
  local hi = 2 - 2 * math.cos(n * math.pi / (n + 1))
  return hi / lo
end
for _, n in ipairs{10, 40} do
  local exact = laplacian_cond(n)
  local dense = linalg.cond(sparse.laplacian(n):todense())
  print(string.format("n = %3d: cond = %.6g (formula %.6g)", n, dense, exact))
  assert(math.abs(dense / exact - 1) < 1e-9)
end

-- %% [markdown]
-- ## Jacobi against conjugate gradients
--
-- Both methods only need products with $A$.  *Jacobi* updates
-- $x \leftarrow x + D^{-1}(b - Ax)$; its error shrinks by the spectral radius
-- $\cos(\pi/(n+1)) \approx 1 - \pi^2/(2n^2)$ per sweep, hopelessly slow.
-- *Conjugate gradients* minimizes the $A$-norm of the error over a growing
-- Krylov space; its error shrinks at least like
-- $\left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^k$.  Both are a few lines
-- of Lua on top of tycho's matrices.

-- %%
local function jacobi(S, rhs, tol, maxiter)
  local d = S:diag()
  local xj = mat.zeros(#rhs)
  local hist = {}
  for k = 1, maxiter do
    local r = rhs - S * xj
    hist[k] = r:norm() / rhs:norm()
    if hist[k] < tol then break end
    xj = xj + r:ediv(d)
  end
  return xj, hist
end

local function cg(S, rhs, tol, maxiter)
  local xc = mat.zeros(#rhs)
  local r = rhs:copy()
  local p = r:copy()
  local rr = r:dot(r)
  local hist = {math.sqrt(rr) / rhs:norm()}
  for k = 1, maxiter do
    local q = S * p
    local alpha = rr / p:dot(q)
    xc:add_(p, alpha)
    r:add_(q, -alpha)
    local rr_new = r:dot(r)
    hist[k + 1] = math.sqrt(rr_new) / rhs:norm()
    if hist[k + 1] < tol then break end
    p = r + p * (rr_new / rr)
    rr = rr_new
  end
  return xc, hist
end

local n = 60
local S = sparse.laplacian(n)
local rhs = mat.randn(n)
local xj, hj = jacobi(S, rhs, 1e-8, 600)
local xc, hc = cg(S, rhs, 1e-8, 10 * n)
print(string.format("Jacobi: %d sweeps, residual %.2g", #hj, hj[#hj]))
print(string.format("CG:     %d iterations, residual %.2g", #hc - 1, hc[#hc]))
assert(hc[#hc] < 1e-8 and #hc - 1 <= n + 5)       -- CG: at most about n steps
assert(hj[#hj] > 1e-3)                            -- Jacobi is far from done
local exact = linalg.solve(S:todense(), rhs)
assert((xc - exact):norm() / exact:norm() < 1e-6)

local steps_j, steps_c = {}, {}
for k = 1, #hj do steps_j[k] = k - 1 end
for k = 1, #hc do steps_c[k] = k - 1 end
local conv = plot(steps_j, hj, {title = "residual history, 1D Laplacian, n = 60",
  xlabel = "iteration", ylabel = "||b - Ax|| / ||b||", logy = true,
  label = "Jacobi"})
conv:plot(steps_c, hc, {label = "conjugate gradients"})

-- %% [markdown]
-- ## CG iterations grow like the square root of the condition number
--
-- Doubling `n` multiplies $\kappa$ by four and the number of CG iterations
-- by about two.  We count iterations to a relative residual of $10^{-6}$ on
-- a 2D Laplacian (`sparse.laplacian(m, m)`, with $n = m^2$ unknowns),
-- where CG stops long before $n$ steps.

-- %%
local roots, iters = {}, {}
print("   m   unknowns   sqrt(cond)   CG iterations")
for _, m in ipairs{8, 16, 32, 64} do
  local S2 = sparse.laplacian(m, m)
  local rhs2 = mat.ones(m * m)
  local _, h = cg(S2, rhs2, 1e-6, 10 * m * m)
  local root = math.sqrt(laplacian_cond(m))   -- the 2D matrix has the same cond
  roots[#roots + 1], iters[#iters + 1] = root, #h - 1
  print(string.format("%4d %10d %12.2f %15d", m, m * m, root, #h - 1))
end
for i = 2, #iters do
  local ratio = iters[i] / iters[i - 1]
  assert(ratio > 1.5 and ratio < 2.6, "iterations should about double")
end
local gf = plot.scatter(roots, iters, {title = "CG iterations against sqrt(cond)",
  xlabel = "sqrt(cond(A))", ylabel = "iterations to 1e-6", label = "2D Laplacian",
  size = 1.5})
local slope = iters[#iters] / roots[#roots]
gf:plot({0, roots[#roots]}, {0, slope * roots[#roots]},
        {label = string.format("%.2f sqrt(cond)", slope), color = "#7f7f7f"})

-- %% [markdown]
-- ## What the inverse looks like
--
-- The solution of $Au = e_c$, with a single source in the middle of the
-- 2D grid, is a column of $A^{-1}$: the discrete Green's function.  It
-- spreads over the whole grid, which is why every unknown depends on every
-- other one and why information needs many CG steps (each step moves it
-- by one grid cell) to cross the domain.

-- %%
local m = 41
local L2 = sparse.laplacian(m, m)
local e = mat.zeros(m * m)
local centre = (m // 2) * m + m // 2 + 1
e[centre] = 1
local u = cg(L2, e, 1e-10, 2000)
local G = u:reshape(m, m)
assert(math.abs(G[{m // 2 + 1, m // 2 + 1}] - u:max()) < 1e-12)   -- peak at the source
assert(math.abs(G[{1, 5}] - G[{5, 1}]) < 1e-9)                      -- symmetric
local gfig = plot.figure{title = "Green's function of the 2D Laplacian",
                         layout = {1, 2}, size = {1000, 430}}
gfig:panel(1):heatmap(G:log() / math.log(10), {title = "log10 u, u = A^-1 e_c",
                                               xlabel = "j", ylabel = "i"})
gfig:panel(2):contour(G, {title = "level sets", levels = 8, aspect = "equal"})
print(string.format("peak %.4f at the source, %.2g%% of it at a corner",
                    u:max(), 100 * G[{1, 1}] / u:max()))

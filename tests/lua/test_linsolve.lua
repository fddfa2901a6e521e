-- test_linsolve.lua: CG, PCG, SOR, SSOR-CG, omega_opt, the tuners
-- (Tsallis-INF, ChebCB, TsallisINF-CB) and the instance generator.
-- Method specification: shared/methods/sor_bandit.md, section 7.
local t = require "tap"

local pi, sqrt, abs, log, ceil = math.pi, math.sqrt, math.abs, math.log, math.ceil

-- the model problem of the spec: A0 + c I on the 10 x 10 grid
local function model(c) return sparse.laplacian(10, 10) + c * sparse.eye(100) end
local function relres(A, x, b) return (A * x - b):norm() / b:norm() end

rand.seed(42)

-- ---------------------------------------------------------------------
-- 1. SOR by hand, equivalences, invariances
-- ---------------------------------------------------------------------
do
  local A = sparse.from(mat{{4, -1}, {-1, 4}})
  local b = mat{3, 3}
  local x, info = linsolve.sor(A, b, {maxiter = 1, tol = 0})
  t.is(x[1], 3 / 4, "one Gauss-Seidel sweep: x1 = 3/4")
  t.is(x[2], 15 / 16, "one Gauss-Seidel sweep: x2 = (3 + 3/4)/4")
  t.is(info.iters, 1, "one sweep counted")
  t.ok(not info.converged, "not converged after one sweep")
  local w = 1.3
  x = linsolve.sor(A, b, {omega = w, maxiter = 1, tol = 0})
  local x1 = w * 3 / 4
  local x2 = w * (3 + x1) / 4
  t.near(x, mat{x1, x2}, 1e-15, "one sweep at omega = 1.3 follows the formula")
  x, info = linsolve.sor(A, b, {omega = w})
  t.ok(info.converged and info.resid < 1e-8, "SOR converges on the 2x2 system")
  t.near(x, mat{1, 1}, 1e-8, "to x = (1, 1)")
  t.is(info.omega, w, "info.omega")
end

do -- SOR with omega = 1 is Gauss-Seidel, iterate for iterate
  local A = model(0.1)
  local D = A:todense()
  local b = mat.randn(100)
  local g = mat.zeros(100)
  local ok = true
  for k = 1, 15 do
    for i = 1, 100 do
      local s = b[i]
      for j = 1, 100 do
        if j ~= i and D[{i, j}] ~= 0 then s = s - D[{i, j}] * g[j] end
      end
      g[i] = s / D[{i, i}]
    end
    local x = linsolve.sor(A, b, {maxiter = k, tol = 0})
    if (x - g):norm() > 1e-13 * g:norm() then ok = false end
  end
  t.ok(ok, "SOR(omega = 1) equals a separately coded Gauss-Seidel for 15 sweeps")
end

do -- the sweep form and the M^-1 r form give the same counts
  local A = sparse.laplacian(5, 5) + 0.05 * sparse.eye(25)
  local D = A:todense()
  local b = mat.randn(25)
  for _, w in ipairs{1.0, 1.4, 1.7} do
    local Mw = mat.zeros(25, 25)                 -- D/w + L
    for i = 1, 25 do
      for j = 1, i do
        Mw[{i, j}] = (i == j) and D[{i, i}] / w or D[{i, j}]
      end
    end
    local x, k = mat.zeros(25), 0
    while relres(A, x, b) >= 1e-8 do
      x = x + linalg.solve(Mw, b - A * x, "lower")
      k = k + 1
    end
    local _, info = linsolve.sor(A, b, {omega = w})
    t.ok(abs(info.iters - k) <= 1, string.format(
         "omega = %.1f: sweep form %d sweeps, M^-1 r form %d", w, info.iters, k))
  end
end

do -- scaling A and b by a power of two changes nothing, bit for bit
  local A = model(0.05)
  local b = mat.randn(100)
  for _, s in ipairs{2, 0.5} do
    local x1, i1 = linsolve.sor(A, b, {omega = 1.5})
    local x2, i2 = linsolve.sor(s * A, s * b, {omega = 1.5})
    t.ok(i1.iters == i2.iters and (x1 - x2):norm() == 0,
         "SOR: scaling by " .. s .. " gives identical iterates and counts")
    x1, i1 = linsolve.cg(A, b)
    x2, i2 = linsolve.cg(s * A, s * b)
    t.ok(i1.iters == i2.iters and (x1 - x2):norm() == 0,
         "CG: scaling by " .. s .. " gives identical iterates and counts")
    x1, i1 = linsolve.ssor_cg(A, b, {omega = 1.3})
    x2, i2 = linsolve.ssor_cg(s * A, s * b, {omega = 1.3})
    t.ok(i1.iters == i2.iters and (x1 - x2):norm() == 0,
         "SSOR-CG: scaling by " .. s .. " gives identical iterates and counts")
  end
end

do -- CG counts do not change (+-1) under a symmetric permutation
  local A = model(0.05)
  local D = A:todense()
  local b = mat.randn(100)
  local p = rand.perm(100)
  local P = mat.zeros(100, 100)
  for i = 1, 100 do P[{i, p[i]}] = 1 end
  local _, i1 = linsolve.cg(A, b)
  local _, i2 = linsolve.cg(sparse.from(P * D * P:t()), P * b)
  t.ok(abs(i1.iters - i2.iters) <= 1, "CG count is permutation invariant (+-1)")
end

-- ---------------------------------------------------------------------
-- 2. CG and PCG: residuals, stopping rule, termination, bounds
-- ---------------------------------------------------------------------
do
  local A = sparse.laplacian(20, 15)
  local n = A:rows()
  local b = mat.randn(n)
  for _, M in ipairs{"none", "jacobi", "ssor", "ic0"} do
    local x, info = linsolve.cg(A, b, {M = M})
    t.ok(info.converged and info.resid < 1e-8, "cg M = " .. M .. " converges")
    t.near(info.resid, relres(A, x, b), 1e-12, "cg M = " .. M .. ": info.resid is the true residual")
  end
  local _, plain = linsolve.cg(A, b)
  local _, ic = linsolve.cg(A, b, {M = "ic0"})
  local _, ss = linsolve.ssor_cg(A, b, {omega = 1.5})
  t.ok(ic.iters < plain.iters and ss.iters < plain.iters,
       string.format("preconditioners cut iterations (plain %d, ic0 %d, ssor %d)",
                     plain.iters, ic.iters, ss.iters))
  local x, info = linsolve.cg(A:todense(), b)
  t.ok(info.converged and relres(A, x, b) < 1e-8, "cg with a dense SPD matrix")
  x, info = linsolve.cg(function(v) return A * v end, b)
  t.is(info.iters, plain.iters, "cg with a function: same count as sparse")
  x, info = linsolve.cg(A, b, {M = function(r) return r end})
  t.is(info.iters, plain.iters, "identity preconditioner function: same count")
  x, info = linsolve.cg(A, b, {history = true})
  t.is(info.history:rows(), info.iters, "history: one entry per iteration")
  t.ok(info.history[info.iters] < 1e-8 and info.history[1] < 1, "history holds relative residuals")
  t.ok(type(info.time) == "number" and info.time >= 0, "info.time")
  x, info = linsolve.cg(A, b, {tol = 1e-4})
  t.ok(info.resid < 1e-4 and info.iters < plain.iters, "looser tol stops earlier")

  -- stopping rule
  local x1, i1 = linsolve.cg(A, b)
  local _, i2 = linsolve.cg(A, b, {x0 = x1})
  t.is(i2.iters, 0, "cg: the returned x as x0 costs 0 iterations")
  local xs = linsolve.sor(A, b, {omega = 1.8})
  local _, i3 = linsolve.sor(A, b, {omega = 1.8, x0 = xs})
  t.is(i3.iters, 0, "sor: the returned x as x0 costs 0 iterations")
  x, info = linsolve.cg(A, mat.zeros(n), {x0 = mat.ones(n)})
  t.ok(info.iters == 0 and info.converged and x:norm() == 0, "cg: b = 0 gives x = 0, 0 iterations")
  x, info = linsolve.sor(A, mat.zeros(n))
  t.ok(info.iters == 0 and info.converged and x:norm() == 0, "sor: b = 0 gives x = 0")
  x, info = linsolve.ssor_cg(A, mat.zeros(n))
  t.ok(info.iters == 0 and info.converged, "ssor_cg: b = 0 gives x = 0")
  x, info = linsolve.cg(A, b, {maxiter = 5})
  t.ok(info.iters == 5 and not info.converged and info.resid > 1e-8, "cg: maxiter = 5 stops unconverged")
  x, info = linsolve.sor(A, b, {maxiter = 5})
  t.ok(info.iters == 5 and not info.converged, "sor: maxiter = 5 stops unconverged")
  t.near(info.resid, relres(A, x, b), 1e-12, "sor: unconverged resid is the true one")
end

do -- finite termination: k distinct eigenvalues, at most k (+1) iterations
  local Q = linalg.qr(mat.randn(30, 30))
  local d = mat.zeros(30)
  for i = 1, 30 do d[i] = 1 + (i - 1) // 10 end
  local A = Q * mat.diag(d) * Q:t()
  A = (A + A:t()) / 2
  local _, info = linsolve.cg(A, mat.randn(30))
  t.ok(info.converged and info.iters <= 4, "3 distinct eigenvalues: " .. info.iters .. " iterations")
end

do -- PCG with M = A converges in one iteration
  local A = model(0.2)
  local D = A:todense()
  local _, info = linsolve.cg(A, mat.randn(100), {M = function(r) return linalg.solve(D, r) end})
  t.is(info.iters, 1, "PCG with M = A takes one iteration")
end

do -- SSOR: M symmetric, SSOR-CG(1) = PCG with symmetric Gauss-Seidel
  local A = model(0.0)
  local D = A:todense()
  local n = 100
  for _, w in ipairs{1.0, 1.5} do
    local M = linsolve.preconditioner(A, "ssor", {omega = w})
    local Minv = mat.zeros(n, n)
    for j = 1, n do
      local e = mat.zeros(n); e[j] = 1
      local z = M(e)
      for i = 1, n do Minv[{i, j}] = z[i] end
    end
    t.ok((Minv - Minv:t()):norm() < 1e-13 * Minv:norm(),
         "SSOR preconditioner is symmetric at omega = " .. w)
  end
  -- symmetric Gauss-Seidel by dense triangular solves
  local Dl, Du, Dd = mat.zeros(n, n), mat.zeros(n, n), mat.zeros(n, n)
  for i = 1, n do
    for j = 1, n do
      if j <= i then Dl[{i, j}] = D[{i, j}] end
      if j >= i then Du[{i, j}] = D[{i, j}] end
    end
    Dd[{i, i}] = D[{i, i}]
  end
  local function sgs(r)   -- (D + L)^-1 D (D + U)^-1 r
    local y = linalg.solve(Du, r, "upper")
    return linalg.solve(Dl, Dd * y, "lower")
  end
  local b = mat.randn(n)
  local x1, i1 = linsolve.ssor_cg(A, b, {omega = 1})
  local x2, i2 = linsolve.cg(A, b, {M = sgs})
  t.ok(i1.iters == i2.iters and (x1 - x2):norm() < 1e-10,
       "SSOR-CG at omega = 1 equals PCG with symmetric Gauss-Seidel")
end

do -- the CG iteration bound of the spec, for plain CG and SSOR-PCG
  local tol = 1e-8
  local A = model(0.0)
  local D = A:todense()
  local w0 = linalg.eigh(D)
  local kA = w0[100] / w0[1]
  local inst = linsolve.relax_instances{T = 3, seed = 7}
  local ok, worst = true, ""
  for _, w in ipairs{0, 1.0, 1.3, 1.6, 1.9} do
    local kM = kA
    if w > 0 then
      local M = linsolve.preconditioner(A, "ssor", {omega = w})
      local Minv = mat.zeros(100, 100)
      for j = 1, 100 do
        local e = mat.zeros(100); e[j] = 1
        local z = M(e)
        for i = 1, 100 do Minv[{i, j}] = z[i] end
      end
      local ev = linalg.eig(Minv * D):real()
      kM = ev:max() / ev:min()
    end
    local bound = ceil(log(2 * sqrt(kA) / tol) /
                       log((sqrt(kM) + 1) / (sqrt(kM) - 1)))
    for k = 1, 3 do
      local b = inst:rhs(k)
      local _, info
      if w == 0 then _, info = linsolve.cg(A, b)
      else _, info = linsolve.ssor_cg(A, b, {omega = w}) end
      if not info.converged or info.iters > bound then
        ok = false
        worst = string.format(" (omega %g: %d > %d)", w, info.iters, bound)
      end
    end
  end
  t.ok(ok, "CG and SSOR-PCG counts within the kappa bound" .. worst)
end

do -- the A-norm of the error decreases monotonically
  local A = model(-0.1)
  local D = A:todense()
  local b = mat.randn(100)
  local xs = linalg.solve(D, b)
  local ok, prev = true, math.huge
  for k = 1, 25 do
    local x = linsolve.cg(A, b, {maxiter = k, tol = 0})
    local e = x - xs
    local en = sqrt(e:dot(D * e))
    if en > prev * (1 + 1e-12) then ok = false end
    prev = en
  end
  t.ok(ok, "CG: the energy norm of the error is non-increasing")
  ok, prev = true, math.huge
  for k = 1, 15 do
    local x = linsolve.ssor_cg(A, b, {omega = 1.4, maxiter = k, tol = 0})
    local e = x - xs
    local en = sqrt(e:dot(D * e))
    if en > prev * (1 + 1e-12) then ok = false end
    prev = en
  end
  t.ok(ok, "SSOR-PCG: the energy norm of the error is non-increasing")
end

-- ---------------------------------------------------------------------
-- 3. omega_opt and the textbook rates of the model problem
-- ---------------------------------------------------------------------
do
  local w, info = linsolve.omega_opt(model(0))
  t.near(w, 2 / (1 + math.sin(pi / 11)), 1e-12, "omega_opt(A0) = 2/(1 + sin(pi h))")
  t.ok(info.method == "lanczos" and info.converged, "omega_opt info: method, converged")
  t.near(info.omega_opt, w, 0, "info.omega_opt")
  local prevb, prevw, ok = 2, 3, true
  for _, c in ipairs{-0.15, -0.05, 0, 0.1, 0.3, 0.45} do
    local wc, ic = linsolve.omega_opt(model(c))
    local beta = 4 * math.cos(pi / 11) / (4 + c)
    if abs(ic.beta - beta) > 1e-8 then ok = false end
    if abs(wc - 2 / (1 + sqrt(1 - beta ^ 2))) > 1e-8 then ok = false end
    t.ok(ic.beta < prevb and wc < prevw, "beta(c) and omega_opt(c) decrease at c = " .. c)
    prevb, prevw = ic.beta, wc
  end
  t.ok(ok, "beta(c) = 4 cos(pi/11)/(4 + c) to 1e-8 for six shifts")
  local wd = linsolve.omega_opt(model(0):todense())
  t.near(wd, w, 1e-12, "omega_opt of the dense matrix")
  local wbig, ib = linsolve.omega_opt(sparse.laplacian(60, 60))
  t.near(wbig, 2 / (1 + math.sin(pi / 61)), 1e-9, "omega_opt on a 60x60 grid (Lanczos converges before n steps)")
  t.ok(ib.iters < 3600, "omega_opt: " .. ib.iters .. " Lanczos steps for n = 3600")
end

do -- SOR at omega_opt needs far fewer sweeps than Gauss-Seidel
  local A = model(0)
  local b = mat.randn(100)
  local _, gs = linsolve.sor(A, b)
  local _, so = linsolve.sor(A, b, {omega = linsolve.omega_opt(A)})
  t.ok(so.iters * 4 < gs.iters, string.format(
       "SOR(omega_opt) %d sweeps, Gauss-Seidel %d", so.iters, gs.iters))
end

do -- asymptotic SOR contraction against rho(SOR_w) of Young's theory
  local c = 0
  local A, beta = model(c), math.cos(pi / 11)
  local wopt = 2 / (1 + sqrt(1 - beta ^ 2))
  local b = linsolve.relax_instances{T = 1, seed = 3}:rhs(1)
  for _, w in ipairs{1.0, 1.2, 1.8} do
    local rho
    if w <= wopt then
      rho = ((w * beta + sqrt(w * w * beta * beta - 4 * (w - 1))) / 2) ^ 2
    else rho = w - 1 end
    local _, info = linsolve.sor(A, b, {omega = w, tol = 1e-13, history = true})
    local h = info.history
    local k1, k2
    for k = 1, h:rows() do
      if not k1 and h[k] < 1e-3 then k1 = k end
      if not k2 and h[k] < 1e-12 then k2 = k end
    end
    local rate = (h[k2] / h[k1]) ^ (1 / (k2 - k1))
    t.ok(abs(rate - rho) / rho < 0.03, string.format(
         "omega = %.1f: measured contraction %.4f, theory %.4f", w, rate, rho))
  end
end

do -- the mean SOR count is minimal near omega_opt
  local A = model(0)
  local inst = linsolve.relax_instances{T = 40, seed = 11}
  local best, wbest = math.huge, nil
  for w = 1.40, 1.80, 0.02 do
    local total = 0
    for k = 1, 40 do
      local _, info = linsolve.sor(A, inst:rhs(k), {omega = w})
      total = total + info.iters
    end
    if total < best then best, wbest = total, w end
  end
  local wopt = 2 / (1 + math.sin(pi / 11))
  t.ok(abs(wbest - wopt) <= 0.061, string.format(
       "the best omega on a fine grid (%.2f) is within 3 steps of omega_opt (%.4f)", wbest, wopt))
end

do -- SOR count at omega_opt(c) does not increase with c (+-1)
  local b = linsolve.relax_instances{T = 1, seed = 5}:rhs(1)
  local prev, ok = math.huge, true
  for c = -0.15, 0.45, 0.05 do
    local A = model(c)
    local _, info = linsolve.sor(A, b, {omega = linsolve.omega_opt(A)})
    if info.iters > prev + 1 then ok = false end
    prev = info.iters
  end
  t.ok(ok, "SOR count at omega_opt(c) is non-increasing in c")
end

-- ---------------------------------------------------------------------
-- 4. CG counts against SciPy
-- ---------------------------------------------------------------------
do
  local py = "/usr/bin/python3"
  local tmp = os.getenv("TY_TMP") or "/tmp"
  local probe = io.popen(py .. " -c 'import scipy.sparse.linalg' 2>/dev/null && echo yes")
  local have = probe and probe:read("l") == "yes"
  if probe then probe:close() end
  if not have then
    t.skip("no /usr/bin/python3 with scipy: CG counts against scipy not checked")
  else
    local cases = {{12, 9, 0.0}, {30, 30, 0.0}, {25, 20, 0.3}}
    local mine = {}
    local f = assert(io.open(tmp .. "/linsolve_cases.txt", "w"))
    for k, cs in ipairs(cases) do
      local nx, ny, c = cs[1], cs[2], cs[3]
      local A = sparse.laplacian(nx, ny) + c * sparse.eye(nx * ny)
      local b = mat.randn(nx * ny)
      local _, info = linsolve.cg(A, b)
      local _, jinfo = linsolve.cg(A, b, {M = "jacobi"})
      mine[k] = {info.iters, jinfo.iters}
      f:write(string.format("%d %d %.17g\n", nx, ny, c))
      for i = 1, nx * ny do f:write(string.format("%.17g\n", b[i])) end
    end
    f:close()
    local script = tmp .. "/linsolve_cg.py"
    f = assert(io.open(script, "w"))
    f:write([==[
import sys, numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sla
lines = open(sys.argv[1]).read().split()
pos = 0
while pos < len(lines):
    nx, ny, c = int(lines[pos]), int(lines[pos + 1]), float(lines[pos + 2])
    pos += 3
    n = nx * ny
    b = np.array([float(v) for v in lines[pos:pos + n]]); pos += n
    T = lambda m: sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])
    A = (sp.kron(sp.identity(ny), T(nx)) + sp.kron(T(ny), sp.identity(nx)) + c * sp.identity(n)).tocsr()
    for M in (None, sp.diags(1 / A.diagonal())):
        it = [0]
        def cb(x): it[0] += 1
        sla.cg(A, b, tol=1e-8, atol=0.0, M=M, callback=cb, maxiter=10 * n)
        print(it[0])
]==])
    f:close()
    local p = io.popen(py .. " " .. script .. " " .. tmp .. "/linsolve_cases.txt 2>&1")
    local out = p:read("a")
    p:close()
    local counts = {}
    for v in out:gmatch("%d+") do counts[#counts + 1] = tonumber(v) end
    t.is(#counts, 2 * #cases, "scipy ran every case" .. (#counts ~= 2 * #cases and (": " .. out) or ""))
    for k = 1, #cases do
      local s1, s2 = counts[2 * k - 1] or -99, counts[2 * k] or -99
      t.ok(abs(mine[k][1] - s1) <= 1, string.format(
           "case %d: CG %d iterations, scipy %d", k, mine[k][1], s1))
      t.ok(abs(mine[k][2] - s2) <= 1, string.format(
           "case %d: Jacobi PCG %d iterations, scipy %d", k, mine[k][2], s2))
    end
  end
end

-- ---------------------------------------------------------------------
-- 5. breakdowns and bad input
-- ---------------------------------------------------------------------
do
  local x, info = linsolve.cg(sparse.from(mat{{1, 0}, {0, -1}}), mat{1, 1})
  t.ok(not info.converged and info.breakdown and info.reason:find("not positive definite"),
       "indefinite matrix: breakdown reported in info")
  t.is(x:rows(), 2, "breakdown returns the iterate")
  x, info = linsolve.cg(mat{{0, 1}, {1, 0}}, mat{1, 0})
  t.ok(not info.converged and info.breakdown, "p'Ap = 0: breakdown")
  x, info = linsolve.cg(mat{{1, 2}, {0, -1}}, mat{1, 1})
  t.ok(not info.converged or info.resid < 1e-8, "nonsymmetric matrix: no silent wrong answer")
  x, info = linsolve.cg(sparse.from(mat{{1, 2}, {2, 1}}), mat{1, 0}, {M = "ic0"})
  t.ok(not info.converged and info.breakdown and info.reason:find("incomplete Cholesky"),
       "IC(0) breakdown reported in info")
  x, info = linsolve.cg(sparse.from(mat{{2, 0}, {0, 1}}), mat{1, 1}, {M = function(r) return -r end})
  t.ok(not info.converged and info.breakdown and info.reason:find("preconditioner"),
       "indefinite preconditioner: breakdown reported")
  x, info = linsolve.sor(sparse.from(mat{{1, 3}, {3, 1}}), mat{1, 1}, {omega = 1.9})
  t.ok(not info.converged, "SOR on a matrix it diverges on: not converged, no crash")
  local e = mat.zeros(0, 1)
  x, info = linsolve.cg(sparse.eye(0), e)
  t.ok(x:rows() == 0 and info.converged and info.iters == 0, "empty system")
  x, info = linsolve.sor(sparse.eye(0), e)
  t.ok(x:rows() == 0 and info.converged, "empty system (sor)")
end

do
  local A = sparse.laplacian(4, 4)
  local b = mat.ones(16)
  local function throws(f, pat, name) t.throws(f, pat, name) end
  throws(function() linsolve.cg(sparse.new({1}, {1}, {1}, 2, 3), mat{1, 1}) end,
         "#1 to 'cg' %(square matrix expected, got 2x3%)", "non-square sparse")
  throws(function() linsolve.cg(mat.ones(2, 3), mat{1, 1}) end,
         "#1 to 'cg' %(square matrix expected, got 2x3%)", "non-square dense")
  throws(function() linsolve.sor(mat.ones(3, 2), mat{1, 1, 1}) end,
         "#1 to 'sor'.*square", "sor: non-square")
  throws(function() linsolve.cg(A, mat.ones(15)) end,
         "#2 to 'cg' %(vector of 16 elements expected, got 15x1%)", "b too short")
  throws(function() linsolve.cg(A, mat.ones(4, 4)) end,
         "#2 to 'cg' %(vector of 16 elements expected, got 4x4%)", "b a matrix")
  throws(function() linsolve.sor(A, mat.ones(17)) end, "#2 to 'sor'", "sor: b mismatch")
  throws(function() linsolve.ssor_cg(A, mat.ones(3)) end, "#2 to 'ssor_cg'", "ssor_cg: b mismatch")
  throws(function() linsolve.cg("A", b) end, "#1 to 'cg' %(tycho.sparse or tycho.mat expected",
         "A a string")
  throws(function() linsolve.cg(A, "b") end, "#2 to 'cg'", "b a string")
  throws(function() linsolve.cg(A, b, 5) end, "#3 to 'cg' %(table of options expected", "opts a number")
  for _, w in ipairs{0, 2, -1, 2.5, 0 / 0} do
    throws(function() linsolve.sor(A, b, {omega = w}) end,
           "#3 to 'sor' %(option 'omega' must be a number in %(0, 2%)", "sor: omega = " .. w)
  end
  throws(function() linsolve.ssor_cg(A, b, {omega = 2}) end, "option 'omega'", "ssor_cg: omega = 2")
  throws(function() linsolve.cg(A, b, {M = "ssor", omega = 0}) end, "option 'omega'", "cg ssor: omega = 0")
  throws(function() linsolve.sor(A, b, {omega = "1"}) end, "option 'omega' must be", "omega a string")
  throws(function() linsolve.cg(A, b, {tol = -1}) end, "option 'tol'", "negative tol")
  throws(function() linsolve.cg(A, b, {maxiter = 1.5}) end, "option 'maxiter'", "fractional maxiter")
  throws(function() linsolve.cg(A, b, {maxiter = -2}) end, "option 'maxiter'", "negative maxiter")
  throws(function() linsolve.cg(A, b, {M = "lu"}) end,
         "option 'M' must be .*got 'lu'", "unknown preconditioner")
  throws(function() linsolve.cg(A, b, {M = 3}) end, "option 'M' must be", "M a number")
  throws(function() linsolve.cg(A, b, {history = 1}) end, "option 'history' must be a boolean", "history a number")
  throws(function() linsolve.cg(A, b, {x0 = mat.ones(3)}) end, "option 'x0' must be a real vector of 16",
         "x0 wrong size")
  local bn = mat.ones(16); bn[3] = 0 / 0
  throws(function() linsolve.cg(A, bn) end, "#2 to 'cg' %(matrix has NaN or Inf", "NaN in b")
  throws(function() linsolve.sor(A, bn) end, "#2 to 'sor' %(matrix has NaN or Inf", "NaN in b (sor)")
  local bi = mat.ones(16); bi[1] = math.huge
  throws(function() linsolve.cg(A, bi) end, "NaN or Inf", "Inf in b")
  local An = A:todense(); An[{2, 2}] = 0 / 0
  throws(function() linsolve.cg(An, b) end, "#1 to 'cg' %(matrix has NaN or Inf", "NaN in dense A")
  throws(function() linsolve.sor(An, b) end, "#1 to 'sor' %(matrix has NaN or Inf", "NaN in dense A (sor)")
  local Ai = A:todense(); Ai[{1, 3}] = -math.huge
  throws(function() linsolve.cg(Ai, b) end, "NaN or Inf", "Inf in A")
  throws(function() linsolve.cg(A, b, {x0 = bn}) end, "option 'x0' has NaN or Inf", "NaN in x0")
  local Z = sparse.new({1, 2, 2}, {2, 1, 2}, {1, 1, 3}, 2, 2)   -- no (1, 1) entry
  throws(function() linsolve.sor(Z, mat{1, 1}) end,
         "#1 to 'sor' %(zero diagonal at row 1", "SOR with a zero diagonal")
  throws(function() linsolve.sor(mat{{0, 1}, {1, 2}}, mat{1, 1}) end, "zero diagonal at row 1",
         "SOR with a zero diagonal (dense)")
  throws(function() linsolve.ssor_cg(Z, mat{1, 1}) end, "zero diagonal", "SSOR with a zero diagonal")
  throws(function() linsolve.cg(Z, mat{1, 1}, {M = "jacobi"}) end, "zero diagonal", "Jacobi with a zero diagonal")
  throws(function() linsolve.sor(function(v) return v end, mat{1}) end,
         "#1 to 'sor' %(tycho.sparse or tycho.mat expected, got function", "SOR needs a matrix")
  throws(function() linsolve.cg(function(v) return v end, mat{1, 2}, {M = "ic0"}) end,
         "preconditioner 'ic0' needs a matrix", "ic0 needs a matrix")
  throws(function() linsolve.cg(function(v) return mat{1} end, mat{1, 2}) end,
         "matrix function must return a real vector of 2 elements, got 1x1", "function returns a wrong size")
  throws(function() linsolve.cg(function(v) return "x" end, mat{1, 2}) end,
         "matrix function must return a real vector of 2 elements, got string", "function returns a string")
  throws(function() linsolve.cg(function(v) error("boom") end, mat{1, 2}) end, "boom",
         "an error in the function propagates")
  throws(function() linsolve.cg(A, b, {M = function(r) error("pc fails") end}) end, "pc fails",
         "an error in the preconditioner propagates")
  throws(function() linsolve.cg(mat.complex(mat.eye(2)), mat{1, 1}) end, "real matrix expected",
         "complex A")
  throws(function() linsolve.omega_opt(sparse.from(mat{{1, 2}, {0, 1}})) end,
         "#1 to 'omega_opt' %(matrix is not symmetric", "omega_opt: nonsymmetric")
  throws(function() linsolve.omega_opt(sparse.from(mat{{-1, 0}, {0, 1}})) end,
         "nonpositive diagonal at row 1", "omega_opt: negative diagonal")
  throws(function() linsolve.omega_opt(sparse.from(mat{{1, 2}, {2, 1}})) end,
         "spectral radius .* >= 1", "omega_opt: beta >= 1")
  throws(function() linsolve.omega_opt(mat.ones(2, 3)) end, "square matrix expected", "omega_opt: non-square")
  throws(function() linsolve.preconditioner(A, "none") end, "#2 to 'preconditioner'", "preconditioner none")
  throws(function() linsolve.preconditioner(sparse.from(mat{{1, 2}, {2, 1}}), "ic0") end,
         "incomplete Cholesky factorization broke down", "preconditioner: ic0 breakdown")
  -- still works after all the errors
  local x, info = linsolve.cg(A, b)
  t.ok(info.converged, "cg works after the bad calls")
end

do -- Ctrl-C stops the native loops; the session goes on
  local tycho_bin = os.getenv("TYCHO") or arg[-1]
  local tmp = os.getenv("TY_TMP") or "/tmp"
  local cases = {
    {"sor", "x, info = linsolve.sor(sparse.laplacian(300, 300), mat.ones(90000), {maxiter = 1000000, tol = 0})"},
    {"ssor_cg", "x, info = linsolve.ssor_cg(sparse.laplacian(300, 300), mat.ones(90000), {omega = 1.5, maxiter = 1000000, tol = 0})"},
    {"cg with a function", "A = sparse.laplacian(300, 300); x, info = linsolve.cg(function(v) return A * v end, mat.ones(90000), {maxiter = 1000000, tol = 0})"},
  }
  for k, case in ipairs(cases) do
    local dir = string.format("%s/linsolve_int%d", tmp, k)
    local script = dir .. ".sh"
    local f = assert(io.open(script, "w"))
    f:write(string.format([=[
rm -rf '%s'; mkdir -p '%s'; fifo='%s/fifo'; mkfifo "$fifo"
'%s' < "$fifo" > '%s/out' 2>&1 &
pid=$!
exec 3> "$fifo"
printf '%%s\n' '%s' >&3
sleep 0.7
kill -INT "$pid"
printf 'print("next command ran")\n' >&3
exec 3>&-
wait "$pid"
]=], dir, dir, dir, tycho_bin, dir, case[2]))
    f:close()
    local t0 = tycho.clock()
    os.execute("sh " .. script)
    local secs = tycho.clock() - t0
    local out = io.open(dir .. "/out"):read("a")
    t.ok(out:find("interrupted") and out:find("next command ran") and secs < 8,
         string.format("%s: Ctrl-C interrupts the solve (%.1f s), the next command runs", case[1], secs))
  end
end

-- ---------------------------------------------------------------------
-- 6. Tsallis-INF
-- ---------------------------------------------------------------------
do
  -- the normaliser, solved exactly
  local ok, okx, okp, worst = true, true, true, 0
  for trial = 1, 200 do
    local d = 20
    local L = mat.zeros(d)
    local scale = 10 ^ rand.uniform(0, 4)
    for i = 1, d do L[i] = scale * rand.uniform() end
    local tt = math.floor(10 ^ rand.uniform(0, 5))
    local eta = 2 / sqrt(tt)
    local w, x = linsolve.tsallis_weights(L, eta)
    local s = w:sum()
    worst = math.max(worst, abs(s - 1))
    if abs(s - 1) > 1e-12 then ok = false end
    if not (x < L:min()) then okx = false end
    if w:min() <= 0 then okp = false end
    -- the closed-form condition: w_i = 4 / (eta (L_i - x))^2
    for i = 1, d do
      if abs(w[i] - 4 / (eta * (L[i] - x)) ^ 2) > 1e-12 * w[i] then ok = false end
    end
  end
  t.ok(ok, string.format("Tsallis-INF weights sum to 1 within 1e-12 (worst %.1e) and satisfy w_i = 4/(eta(L_i - x))^2", worst))
  t.ok(okx, "the normaliser x lies below min L")
  t.ok(okp, "all probabilities are positive")
  local L = mat{3, 0, 7, 1, 1}
  local w1 = linsolve.tsallis_weights(L, 0.3)
  local w2 = linsolve.tsallis_weights(L + 1234.5, 0.3)
  t.near(w1, w2, 1e-12, "shift invariance")
  t.ok(w1[2] > w1[4] and w1[4] == w1[5] and w1[5] > w1[1] and w1[1] > w1[3],
       "smaller loss, larger probability")
  local wu = linsolve.tsallis_weights(mat.zeros(7), 2)
  t.near(wu / wu:sum(), mat.fill(7, 1, 1 / 7), 1e-15, "t = 1 (eta = 2, zero losses): uniform")
  -- d = 2 against bisection on the scalar equation
  local delta, eta = 5.0, 0.4
  local f = function(x) return 4 / (eta * (0 - x)) ^ 2 + 4 / (eta * (delta - x)) ^ 2 - 1 end
  local lo, hi = -2 * sqrt(2) / eta, -2 / eta
  for _ = 1, 200 do
    local mid = (lo + hi) / 2
    if f(mid) > 0 then hi = mid else lo = mid end
  end
  local w, x = linsolve.tsallis_weights({0, delta}, eta)
  t.near(x, (lo + hi) / 2, 1e-12, "d = 2: normaliser equals the bisection root")
  -- the reference iteration fails once the losses are large
  local Lbig = mat.zeros(20)
  for i = 1, 20 do Lbig[i] = 500 + 10 * i end
  local wr, xr = linsolve.tsallis_weights(Lbig, 2 / sqrt(300), "reference")
  local we, xe = linsolve.tsallis_weights(Lbig, 2 / sqrt(300))
  t.ok(abs(wr:sum() - 1) > 1e-3 or xr > Lbig:min(),
       string.format("reference normaliser goes wrong on large losses (sum w = %.3g, x = %.4g)",
                     wr:sum(), xr))
  t.ok(abs(we:sum() - 1) <= 1e-12 and xe < Lbig:min(), "the exact one does not")
end

do -- the tuner: determinism, learning on two constant arms
  local function run(seed, T, costs, method)
    local tu = linsolve.tuner{omegas = {1.2, 1.6}, seed = seed, method = method,
                              context = {0, 1}}
    local arms = {}
    for k = 1, T do
      local _, arm = tu:choose(0.5)
      tu:update(arm, costs[arm])
      arms[k] = arm
    end
    return arms, tu
  end
  local a1 = run(9, 300, {20, 10})
  local a2 = run(9, 300, {20, 10})
  local a3 = run(10, 300, {20, 10})
  t.is(table.concat(a1, ","), table.concat(a2, ","), "tuner: same seed, same choices")
  t.ok(table.concat(a1, ",") ~= table.concat(a3, ","), "tuner: another seed, other choices")
  local c1 = run(9, 300, {20, 10}, "chebcb")
  local c2 = run(9, 300, {20, 10}, "chebcb")
  t.is(table.concat(c1, ","), table.concat(c2, ","), "chebcb: same seed, same choices")
  -- the better arm's share grows, regret is sublinear
  local ratio, share1, share2 = 0, 0, 0
  local seeds = 10
  for seed = 1, seeds do
    local arms = run(seed, 4000, {20, 10})
    local r1, r4 = 0, 0
    for k = 1, 4000 do
      if arms[k] == 1 then
        if k <= 1000 then r1 = r1 + 10 end
        r4 = r4 + 10
      end
      if arms[k] == 2 then
        if k <= 1000 then share1 = share1 + 1 elseif k > 3000 then share2 = share2 + 1 end
      end
    end
    ratio = ratio + r4 / math.max(r1, 1)
  end
  ratio = ratio / seeds
  t.ok(share2 > share1, string.format("the better arm's share grows (%.3f -> %.3f)",
                                      share1 / (1000 * seeds), share2 / (1000 * seeds)))
  t.ok(ratio <= 2.5, string.format("regret(4000)/regret(1000) = %.2f <= 2.5 (sublinear)", ratio))
  local _, tu = run(3, 50, {20, 10})
  local s = tu:stats()
  t.ok(s.rounds == 50 and s.pulls[1] + s.pulls[2] == 50 and s.total_iters == s.iters:sum(),
       "stats: rounds, pulls, total and history agree")
  t.near(s.probs:sum(), 1, 1e-12, "stats: probabilities sum to 1")
  t.ok(s.arms:rows() == 50 and s.seed == 3 and s.method == "tsallis", "stats: arms, seed, method")
end

do -- the reference normaliser runs (and locks in), deterministically
  local function run(norm)
    local tu = linsolve.tuner{omegas = mat.linspace(1, 1.95, 20), seed = 5, normaliser = norm}
    local plays = {}
    for k = 1, 3000 do
      local _, arm = tu:choose()
      tu:update(arm, 30 + 4 * math.abs(arm - 12))
      plays[k] = arm
    end
    return tu:stats(), table.concat(plays, ",")
  end
  local s1, p1 = run("reference")
  local _, p2 = run("reference")
  t.is(p1, p2, "reference normaliser: deterministic")
  t.near(s1.probs:sum(), 1, 1e-12, "reference normaliser: reported probabilities sum to 1")
  local se = run("exact")
  local _, most = se.pulls:max()
  t.ok(most == 12, string.format("exact normaliser: the best arm is played most (%d of 3000 times)",
                                 se.pulls[12]))
end

do -- importance weighting is unbiased: one round of many fresh tuners (p
  -- uniform), the estimate (cost - 1)/p of the played arm averages to the
  -- mean shifted cost of every arm
  local d, reps = 3, 40000
  local mean = {5, 9, 13}
  local est = {0, 0, 0}
  for r = 1, reps do
    local tu = linsolve.tuner{omegas = {1.1, 1.2, 1.3}, seed = r}
    local _, arm = tu:choose()
    local cost = mean[arm] + (r % 2 == 0 and 1 or -1)
    local p = tu:stats().probs[arm]
    tu:update(arm, cost)
    est[arm] = est[arm] + (cost - 1) / p
  end
  local ok = true
  for i = 1, d do
    if abs(est[i] / reps - (mean[i] - 1)) > 0.02 * (mean[i] - 1) then ok = false end
  end
  t.ok(ok, string.format("importance-weighted estimates %.2f %.2f %.2f of 4 8 12",
                         est[1] / reps, est[2] / reps, est[3] / reps))
end

-- ---------------------------------------------------------------------
-- 7. ChebCB and TsallisINF-CB
-- ---------------------------------------------------------------------
do
  local ok = true
  for _, th in ipairs{0, 0.3, 1.1, 2.5, pi} do
    local phi = linsolve.chebyshev(math.cos(th), 6)
    for j = 0, 5 do
      if abs(phi[j + 1] - math.cos(j * th)) > 1e-14 then ok = false end
    end
  end
  t.ok(ok, "T_j(cos theta) = cos(j theta) to 1e-14")

  -- recovery: costs from a Chebyshev series inside the box (one arm)
  local m = 6
  local N = 2 + 4 * (1 + log(m))
  local coef = {40, 10, -6, 3, 1.5, -1}
  local tu = linsolve.tuner{method = "chebcb", omegas = {1.5}, context = {-1, 1}, seed = 1}
  local K = 0
  for k = 1, 40 do
    local ctx = math.cos(k * 0.7)
    local phi = linsolve.chebyshev(ctx, m)
    local y = 1
    for j = 1, m do y = y + coef[j] * phi[j] end
    K = math.max(K, y)
    local _, arm = tu:choose(ctx)
    tu:update(arm, y)
  end
  local s = tu:stats()
  t.near(s.scale, K * N, 1e-9, "ChebCB scale = K N")
  local inbox = true
  for j = 1, m do
    local bound = (j == 1) and 1 / N or 2 / (N * (j - 1))
    if abs(coef[j] / s.scale) > bound then inbox = false end
  end
  t.ok(inbox, "test coefficients lie inside the box")
  local err = 0
  for j = 1, m do err = math.max(err, abs(s.theta[{1, j}] * s.scale - coef[j])) end
  t.ok(err < 1e-10 * K, string.format("ChebCB recovers the Chebyshev coefficients (error %.1e)", err))
  t.is(s.box_refits, 0, "no box refit needed inside the box")

  -- box: coefficients outside are clipped into the box
  local tb = linsolve.tuner{method = "chebcb", omegas = {1.5}, context = {-1, 1}, seed = 1}
  for k = 1, 3 do                       -- a steep jump: min-norm leaves the box
    local _, arm = tb:choose(({0, 0.02, 0.5})[k])
    tb:update(arm, k == 1 and 100 or 1)
  end
  local sb = tb:stats()
  local okbox = true
  for j = 1, m do
    local bound = (j == 1) and 1 / N or 2 / (N * (j - 1))
    if abs(sb.theta[{1, j}]) > bound * (1 + 1e-12) then okbox = false end
  end
  t.ok(okbox and sb.box_refits > 0, "box-constrained refit keeps the coefficients in the box")

  -- KKT conditions of the box-constrained fit
  local tk = linsolve.tuner{method = "chebcb", omegas = {1.5}, context = {-1, 1}, seed = 1}
  local ctxs, ys = {0, 0.02, 0.5, -0.7, 0.03}, {100, 1, 1, 30, 60}
  for k = 1, #ctxs do
    local _, arm = tk:choose(ctxs[k])
    tk:update(arm, ys[k])
  end
  local sk = tk:stats()
  local Phi, z = mat.zeros(#ctxs, m), mat.zeros(#ctxs)
  for k = 1, #ctxs do
    local phi = linsolve.chebyshev(ctxs[k], m)
    for j = 1, m do Phi[{k, j}] = phi[j] end
    z[k] = (ys[k] - 1) / sk.scale
  end
  local th = sk.theta:t()
  local Q = Phi:t() * Phi
  local g = Q * th - Phi:t() * z + th * (1e-12 * Q:trace() / m)
  local kkt, active = true, 0
  for j = 1, m do
    local bound = (j == 1) and 1 / N or 2 / (N * (j - 1))
    if abs(th[j]) < bound * (1 - 1e-12) then
      if abs(g[j]) > 1e-12 then kkt = false end
    elseif th[j] > 0 then
      active = active + 1
      if g[j] > 1e-12 then kkt = false end
    else
      active = active + 1
      if g[j] < -1e-12 then kkt = false end
    end
  end
  t.ok(kkt and active > 0, "box-constrained fit: KKT sign conditions hold (" .. active .. " active bounds)")

  -- orthogonal features (Chebyshev nodes): the box fit is the clipped LS fit
  local to = linsolve.tuner{method = "chebcb", omegas = {1.5}, context = {-1, 1}, seed = 1}
  local yo = {5, 90, 2, 70, 3, 40}
  local Po, zo = mat.zeros(m, m), mat.zeros(m)
  for k = 1, m do
    local node = math.cos(pi * (k - 0.5) / m)
    local _, arm = to:choose(node)
    to:update(arm, yo[k])
    local phi = linsolve.chebyshev(node, m)
    for j = 1, m do Po[{k, j}] = phi[j] end
  end
  local so = to:stats()
  for k = 1, m do zo[k] = (yo[k] - 1) / so.scale end
  local free = linalg.solve(Po, zo)
  local clipped = mat.zeros(m)
  for j = 1, m do
    local bound = (j == 1) and 1 / N or 2 / (N * (j - 1))
    clipped[j] = math.max(-bound, math.min(bound, free[j]))
  end
  t.ok(so.box_refits > 0 and (clipped - free):norm() > 1e-3, "the LS fit leaves the box")
  t.near(so.theta:t(), clipped, 1e-9, "orthogonal features: the box fit is the clipped LS fit")

  -- inverse-gap weighting
  local tc = linsolve.tuner{method = "chebcb", omegas = mat.linspace(1, 1.95, 20), context = {0, 1}, seed = 4}
  local s0 = tc:stats()
  t.near(s0.probs, mat.fill(20, 1, 1 / 20), 1e-15, "eta = 0: uniform probabilities")
  local okp = true
  for k = 1, 200 do
    local ctx = (k % 10) / 10
    local _, arm = tc:choose(ctx)
    local sk = tc:stats()
    local p = sk.probs
    if abs(p:sum() - 1) > 1e-12 or p:max() < 1 / 20 - 1e-15 then okp = false end
    tc:update(arm, 20 + 50 * abs(arm / 20 - ctx))
  end
  t.ok(okp, "IGW probabilities sum to 1 and the leader has at least 1/d")
  t.ok(tc:stats().eta > 0, "eta grows from 0")

  -- contextual learning: the best arm depends on the context
  local omegas = {1.0, 1.5, 1.9}
  local function cost(arm, ctx)     -- arm 1 best near 0, arm 3 best near 1
    local target = 1 + 2 * ctx
    return 10 + 30 * abs(arm - target)
  end
  local tl = linsolve.tuner{method = "chebcb", omegas = omegas, context = {0, 1}, seed = 8}
  local right = 0
  for k = 1, 1500 do
    local ctx = ((k * 0.6180339887) % 1)
    local _, arm = tl:choose(ctx)
    tl:update(arm, cost(arm, ctx))
    if k > 1200 then
      local target = ctx < 1 / 4 and 1 or (ctx < 3 / 4 and 2 or 3)
      if arm == target then right = right + 1 end
    end
  end
  t.ok(right > 0.8 * 300, string.format("ChebCB picks the context's best arm late on (%d of 300)", right))
  tl:choose(5)
  t.is(tl:stats().clamped, 1, "a context outside the interval is clamped and counted")
end

do -- TsallisINF-CB: routing to the nearest centre, independent bins
  local tu = linsolve.tuner{method = "tsallis_cb", omegas = {1, 1.5, 1.9}, context = {0, 1},
                            bins = 4, seed = 2}
  for k = 1, 30 do
    local _, arm = tu:choose(0.1)       -- bin 1 (centre 0.125)
    tu:update(arm, arm == 2 and 5 or 50)
  end
  local s = tu:stats()
  t.near(s.bin_probs[2], mat.fill(3, 1, 1 / 3), 1e-15, "an untouched bin keeps uniform probabilities")
  t.ok(s.bin_probs[1][2] > 0.5, "the bin that learnt prefers its best arm")
  local _, a1 = tu:choose(0.3)          -- bin 2
  local p2 = tu:stats().probs
  t.near(p2, mat.fill(3, 1, 1 / 3), 1e-15, "a context routes to its own bin")
  tu:update(a1, 10)
  local tu2 = linsolve.tuner{method = "tsallis_cb", omegas = {1, 1.5}, context = {0, 1}, bins = 2, seed = 1}
  local _, a2 = tu2:choose(0.5)          -- a tie between the centres 0.25 and 0.75
  tu2:update(a2, 3)
  tu2:choose(0.5)
  local s2 = tu2:stats()
  t.is(s2.contexts[1], 0.5, "history records the context")
  t.ok(s2.bin_probs[1][1] ~= 0.5 and s2.bin_probs[2][1] == 0.5,
       "a tie between centres goes to the lower bin")
end

do -- tuners on the instance sequence, and bad tuner input
  local inst = linsolve.relax_instances{T = 40, seed = 3}
  local tu = linsolve.tuner{method = "chebcb", context = inst.context, seed = 1}
  local okinfo = true
  for k = 1, 40 do
    local A, b, c = inst:get(k)
    local x, info = tu:solve(A, b, c)
    if not (info.converged and info.omega == tu:stats().omegas[info.arm] and
            relres(A, x, b) < 1e-8) then okinfo = false end
  end
  t.ok(okinfo, "t:solve converges and reports omega and arm")
  local ts = linsolve.tuner{solver = "ssor_cg", seed = 1}
  local x, info = ts:solve(inst:get(1))
  t.ok(info.converged and relres(inst:matrix(1), x, inst:rhs(1)) < 1e-8, "tuner with SSOR-CG")
  local costs, arms = linsolve.run_sequence(inst, linsolve.tuner{seed = 4})
  t.ok(costs:rows() == 40 and arms:min() >= 1 and arms:max() <= 20, "run_sequence")
  t.throws(function() linsolve.tuner{method = "chebcb"} end,
           "option 'context' = {lo, hi} is required by method 'chebcb'", "chebcb needs a context interval")
  t.throws(function() linsolve.tuner{method = "ucb"} end, "option 'method' must be", "unknown method")
  t.throws(function() linsolve.tuner{omegas = {1, 2}} end, "factors in %(0, 2%)", "omega 2 in the grid")
  t.throws(function() linsolve.tuner{omegas = {}} end, "nonempty", "empty grid")
  t.throws(function() linsolve.tuner{context = {1, 0}, method = "tsallis_cb"} end, "lo < hi", "bad interval")
  t.throws(function() linsolve.tuner{seed = 1.5} end, "option 'seed' must be an integer", "fractional seed")
  t.throws(function() linsolve.tuner(3) end, "table of options", "options a number")
  t.throws(function() tu:choose() end, "context expected", "chebcb: choose needs a context")
  t.throws(function() tu:choose(0 / 0) end, "finite context", "NaN context")
  t.throws(function() tu:update(1, 10) end, "no choice to learn from", "update without choose")
  local _, arm = tu:choose(0.1)
  t.throws(function() tu:update(arm % 20 + 1, 10) end, "arm " .. arm .. " expected", "update of another arm")
  t.throws(function() tu:update(arm, -1) end, "nonnegative iteration count", "negative count")
  t.throws(function() tu:solve(sparse.eye(3), mat.ones(4), 0.1) end, "#2 to 'solve'", "solve: b mismatch")
  t.ok(tostring(tu):find("^tuner %(chebcb, sor, 20 factors, 40 rounds%)"), "tostring")
  t.throws(function() linsolve.relax_instances{variance = "mid"} end, "option 'variance'", "bad variance")
  t.throws(function() linsolve.relax_instances{T = -1} end, "option 'T'", "negative T")
  t.throws(function() inst:get(41) end, "instance index in 1..40", "instance out of range")
end

-- ---------------------------------------------------------------------
-- 8. the instance generator
-- ---------------------------------------------------------------------
do
  local a = linsolve.relax_instances{T = 4000, seed = 1}
  local b = linsolve.relax_instances{T = 4000, seed = 1}
  t.ok((a.shifts - b.shifts):norm() == 0 and (a.B - b.B):norm() == 0, "same seed, same instances")
  t.ok(a.shifts:min() >= -0.15 and a.shifts:max() <= 0.45, "shifts in [-0.15, 0.45]")
  t.near(a.shifts:mean(), 0, 0.01, "high variance: mean shift 0")
  local low = linsolve.relax_instances{T = 4000, variance = "low", seed = 2}
  t.near(low.shifts:mean(), 0, 0.01, "low variance: mean shift 0")
  local function sd(v) local m = v:mean(); return sqrt(((v - m) ^ 2):mean()) end
  -- Beta(0.5, 1.5): var = 0.75/(4*3) = 1/16, sd 0.25 * 0.6; Beta(2, 6): var 12/(64*9)
  t.near(sd(a.shifts), 0.6 * 0.25, 0.01, "high variance: sd of the shift")
  t.near(sd(low.shifts), 0.6 * sqrt(12 / 576), 0.005, "low variance: sd of the shift")
  local okn = true
  for k = 1, 4000 do
    if a.B:col(k):norm() > 10 then okn = false end
  end
  t.ok(okn, "every right side has norm <= sqrt(n)")
  t.near(a.B:mean(), 0, 0.01, "right sides have mean 0")
  local A, rhs, c = a:get(2)
  t.ok(A[{5, 5}] == 4 + c and A[{5, 6}] == -1 and A:rows() == 100 and rhs:rows() == 100, "inst:get")
  t.is(#a, 4000, "#inst")
end

do -- the heat family (spec 4.2): Crank-Nicolson systems, bumps, kappa, context
  local nx, dt = 16, 1e-3
  local inst = linsolve.heat_instances{nx = nx, T = 1000, dt = dt}
  local m, n = nx - 1, (nx - 1) ^ 2
  t.ok(inst.n == n and inst.T == 1000 and #inst == 1000 and inst.dx == 1 / nx, "heat: sizes")
  local kmax = 0
  for k = 1, inst.T do
    local s = math.sin(2 * math.pi * ((k - 0.5) * dt))
    kmax = math.max(kmax, math.abs(inst.kappas[k] - math.max(0.1 * s, -10 * s)))
  end
  t.ok(kmax == 0, "heat: kappa at the midpoints")
  t.ok(inst.context[1] == inst.kappas:min() and inst.context[2] == inst.kappas:max() and
       inst.context[2] > 9.99, "heat: the context interval is kappa's range")
  -- the initial bump: 1 at the centre (a grid point for even nx), 0 outside r
  local u0 = inst.u0
  local centre = (nx / 2 - 1) * m + nx / 2
  local outside = 0
  for j = 1, m do
    for i = 1, m do
      local r2 = (i / nx - 0.5) ^ 2 + (j / nx - 0.5) ^ 2
      if r2 >= 0.25 ^ 2 and u0[(j - 1) * m + i] ~= 0 then outside = outside + 1 end
    end
  end
  t.ok(u0[centre] == 1 and outside == 0 and u0:min() == 0, "heat: the initial bump and its cut-off")
  local f = inst:forcing(0)              -- centred at (3/4, 1/2) at t = 0
  t.ok(math.abs(f[(nx / 2 - 1) * m + 3 * nx / 4] - 32) < 1e-12 and f:min() == 0,
       "heat: the forcing bump")
  -- step k: A = I + s L0, b = u - s L0 u + dt f((k - 1/2) dt), s = kappa dt / (2 dx^2)
  local k = 700
  local A, b, kappa = inst:system(k, u0)
  local s = 0.5 * kappa * dt * nx * nx
  local L = sparse.laplacian(m, m)
  t.ok(kappa == inst.kappas[k] and math.abs(A[{1, 1}] - (1 + 4 * s)) < 1e-12 and
       math.abs(A[{1, 2}] + s) < 1e-12, "heat: the Crank-Nicolson matrix")
  local want = u0 - s * (L * u0) + dt * inst:forcing((k - 0.5) * dt)
  t.ok((b - want):norm() <= 1e-14 * want:norm(), "heat: the right side")
  local x = linsolve.cg(A, b, {x0 = u0})
  t.ok(relres(A, x, b) < 1e-8, "heat: a step solves")
  -- the ordering the spec expects over a period: a learned factor beats
  -- SSOR-PCG at omega = 1, which beats plain CG, in iterations
  local function run(solve)
    local u, its = inst.u0, 0
    for step = 1, inst.T do
      local As, bs, c = inst:system(step, u)
      local xs, info = solve(As, bs, c, u)
      its = its + info.iters
      u = xs
    end
    return its
  end
  local cg = run(function(As, bs, _, u) return linsolve.cg(As, bs, {x0 = u}) end)
  local one = run(function(As, bs, _, u) return linsolve.ssor_cg(As, bs, {x0 = u, omega = 1}) end)
  local tuner = linsolve.tuner{method = "chebcb", context = inst.context, solver = "ssor_cg", seed = 4}
  local learned = run(function(As, bs, c, u) return tuner:solve(As, bs, c, {x0 = u}) end)
  t.ok(learned < one and one < cg,
       string.format("heat: chebcb %d < SSOR-PCG at omega = 1 %d < CG %d iterations", learned, one, cg))
  t.throws(function() linsolve.heat_instances{nx = 1} end, "option 'nx'", "heat: nx >= 2")
  t.throws(function() linsolve.heat_instances{dt = 0} end, "option 'dt'", "heat: dt > 0")
  t.throws(function() inst:system(0, u0) end, "step in 1..1000", "heat: step index")
  t.throws(function() inst:system(1, mat.zeros(3, 1)) end, "225x1 matrix expected", "heat: u's size")
end

t.done()

-- test_ot_big.lua (slow): the ot module at the sizes of the benchmark.
-- Exact OT at n = 1500 with its LP certificate (and POT's cost when
-- python3-pot is there), SNS against log-domain Sinkhorn at n = 1000,
-- SNS at eps = 1/1200 on clouds and assignment problems up to n = 2000,
-- the L1-cost densities at n = 1000, and rectangular problems.
local t = require "tap"

local function relmax(A, B) return (A - B):abs():max() / B:abs():max() end

rand.seed(101)

-- exact OT, n = 1500
do
  local n = 1500
  local C = ot.cost(mat.rand(n, 2), mat.rand(n, 2))
  local P, cost, info = ot.emd(nil, nil, C)
  t.ok(info.converged, "emd n = 1500 converges (" .. info.iters .. " pivots)")
  t.ok(ot.marginal_err(P) < 1e-12, "emd n = 1500: feasible")
  local u, v = info.u, info.v
  local minred = math.huge
  for j = 1, n do
    local vj = v[j]
    for i = 1, n do
      local d = C[{i, j}] - u[i] - vj
      if d < minred then minred = d end
    end
  end
  t.ok(minred > -1e-12, "emd n = 1500: dual feasible")
  t.ok(math.abs(u:sum() / n + v:sum() / n - cost) < 1e-12, "emd n = 1500: no gap")
  local py = "/usr/bin/python3"
  if os.execute(py .. " -c 'import ot' 2>/dev/null") then
    local f = os.tmpname()
    C:save(f .. ".npy")
    local p = io.popen(py .. " -c 'import numpy as np, ot; C = np.load(\"" .. f ..
                       ".npy\"); n = C.shape[0]; a = np.ones(n) / n; " ..
                       "print(repr(ot.emd2(a, a, C, numItermax=10**7)))'")
    local pot = tonumber(p:read("a"))
    p:close()
    os.remove(f .. ".npy"); os.remove(f)
    t.ok(pot and math.abs(pot - cost) < 1e-12 * cost, "emd n = 1500 = POT's emd2")
  else
    t.skip("python3-pot not installed")
  end
end

-- SNS against log-domain Sinkhorn, n = 1000, eps = 0.01
do
  local n = 1000
  local C = ot.cost(mat.rand(n, 2), mat.rand(n, 2))
  C = C / C:max()
  local Pl, il = ot.sinkhorn(nil, nil, C, 0.01, {method = "log", tol = 1e-12})
  local Pn, inn = ot.sns(nil, nil, C, 0.01)
  t.ok(il.converged and inn.converged, "n = 1000, eps = 0.01: both converge")
  t.ok(relmax(Pn, Pl) < 1e-9, "n = 1000: sns and log sinkhorn agree on P")
  t.ok(math.abs(inn.objective - inn.dual) < 1e-12 * math.abs(inn.dual),
       "n = 1000: objective = dual")
end

-- SNS at eps = 1/1200 on the benchmark's problems
for _, n in ipairs{500, 1000, 2000} do
  local C = ot.cost(mat.rand(n, 2), mat.rand(n, 2))
  C = C / C:max()
  local P, info = ot.sns(nil, nil, C, 1 / 1200, {tol = 1e-11})
  t.ok(info.converged and info.err <= 1e-11 and info.iters < 80,
       string.format("clouds n = %d: sns to 1e-11 in %d iterations, %.2f s", n,
                     info.iters, info.time))
  t.ok(P:min() >= 0 and P:max() <= 1 / n + 1e-9, "clouds: finite plan")
  C = mat.rand(n, n)
  P, info = ot.sns(nil, nil, C, 1 / 1200, {tol = 1e-11})
  t.ok(info.converged and info.iters < 60,
       string.format("assignment n = %d: sns to 1e-11 in %d iterations", n, info.iters))
end

-- the L1 cost between densities, n = 1000
do
  local n = 1000
  local x = mat.zeros(n)
  for i = 1, n do x[i] = (i - 0.5) / n end
  local function gauss(m, s) return ((x - m) ^ 2 * (-0.5 / s ^ 2)):exp() end
  local a = gauss(0.25, 0.08) + gauss(0.7, 0.1) * 0.6
  local b = gauss(0.5, 0.12)
  a, b = a / a:sum(), b / b:sum()
  local C = ot.cost(x, "cityblock")
  local P, info = ot.sns(a, b, C, 1 / 1200)
  t.ok(info.converged, string.format("L1 densities n = 1000: sns converges (%d Newton steps)",
                                     info.newton_iters))
  local _, w1 = ot.emd(a, b, C)
  t.ok(info.cost - w1 >= -1e-12 and info.cost - w1 <= (ot.entropy(a) + ot.entropy(b)) / 1200,
       "L1 densities: the entropic cost is within the bracket of W1")
end

-- rectangular and very small eps
do
  local X, Y = mat.randn(900, 3), mat.randn(400, 3)
  local C = ot.cost(X, Y, "euclidean")
  local a, b = mat.rand(900) + 0.1, mat.rand(400) + 0.1
  a, b = a / a:sum(), b / b:sum()
  local P1, i1 = ot.sns(a, b, C, C:max() / 1000)
  local P2, i2 = ot.sns(b, a, C:t(), C:max() / 1000)
  t.ok(i1.converged and i2.converged and relmax(P2:t(), P1) < 1e-8,
       "900 x 400 and its transpose: the same plan")
  local P3, i3 = ot.sinkhorn(a, b, C, C:max() / 5000, {maxiter = 2000})
  t.ok(P3:min() >= 0 and i3.err == i3.err, "range/eps = 5000: sinkhorn stays finite")
end

t.done()

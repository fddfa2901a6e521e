-- test_linsolve_big.lua (slow): linsolve at the sizes of the benchmark.
-- CG on the 500 x 500 grid against SciPy's count, omega_opt on the big
-- grid, a 5000-instance tuner sequence, and the headline of the paper with
-- T = 5000 on both variance settings.
local t = require "tap"

local A = sparse.laplacian(500, 500)
local n = A:rows()
local b = mat.ones(n)

local x, info = linsolve.cg(A, b)
t.ok(info.converged and (A * x - b):norm() / b:norm() < 1e-8,
     "CG converges on the 500 x 500 grid in " .. info.iters .. " iterations")
local py = "/usr/bin/python3"
local p = io.popen(py .. [==[ -c '
import numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sla
n = 500
T = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
A = (sp.kron(sp.identity(n), T) + sp.kron(T, sp.identity(n))).tocsr()
it = [0]
def cb(x): it[0] += 1
sla.cg(A, np.ones(n * n), tol=1e-8, atol=0.0, callback=cb, maxiter=10 * n * n)
print(it[0])' 2>/dev/null]==])
local s = p and tonumber(p:read("a"):match("%d+"))
if p then p:close() end
if s then
  t.ok(math.abs(s - info.iters) <= 1, string.format("CG %d iterations, scipy %d", info.iters, s))
else
  t.skip("no scipy: the CG count on the big grid is not compared")
end

local w, oi = linsolve.omega_opt(A)
t.ok(oi.converged and math.abs(w - 2 / (1 + math.sin(math.pi / 501))) < 1e-9,
     "omega_opt on the 500 x 500 grid")

local inst = linsolve.relax_instances{n = 10, T = 5000, seed = 1}
for _, method in ipairs{"tsallis", "chebcb", "tsallis_cb"} do
  local tu = linsolve.tuner{method = method, context = inst.context, seed = 1}
  local t0 = tycho.clock()
  linsolve.run_sequence(inst, tu)
  local secs = tycho.clock() - t0
  t.ok(secs < 10, string.format("%s: 5000 instances online in %.2f s", method, secs))
end

-- the headline with T = 5000: table lookups for every policy
for _, variance in ipairs{"high", "low"} do
  local seq = linsolve.relax_instances{n = 10, T = 5000, variance = variance, seed = 3}
  local omegas = mat.linspace(1, 1.95, 20)
  local C, Copt = linsolve.cost_table(seq, omegas, {opt = true})
  local best, jbest = C:sum(1):min()
  local function learner(method)
    local tu = linsolve.tuner{method = method, omegas = omegas, context = seq.context, seed = 1}
    local total, q = 0, 0
    for k = 1, seq.T do
      local _, arm = tu:choose(seq.shifts[k])
      tu:update(arm, C[{k, arm}])
      total = total + C[{k, arm}]
      if k == 1250 then q = total / C:sub(1, 1250, jbest, jbest):sum() end
    end
    return total / best, q
  end
  local rt, rq = learner("tsallis")
  local rc = learner("chebcb")
  t.ok(rt > 1 and rt < rq, string.format("%s variance: Tsallis-INF ratio %.3f at T/4, %.3f at T",
                                         variance, rq, rt))
  t.ok(rt < 1.25, string.format("%s variance: Tsallis-INF within 25%% of the best fixed omega over 5000", variance))
  t.ok(rc < (variance == "high" and 0.8 or 1.0),
       string.format("%s variance: ChebCB ratio %.3f to the best fixed omega", variance, rc))
  t.ok(Copt:sum() / best < 0.8, string.format("%s variance: instance-optimal ratio %.3f",
                                              variance, Copt:sum() / best))
end

t.done()

-- %% [markdown]
-- # Learning to relax: tuning SOR over a sequence of systems
--
-- A simulation solves thousands of related linear systems $A_t x = b_t$.
-- Successive over-relaxation (SOR) converges fast only with a good
-- relaxation factor $\omega$, and the best $\omega$ changes from system to
-- system.  Khodak, Chow, Balcan and Talwalkar (*Learning to Relax*, ICLR
-- 2024) let a bandit choose $\omega$ for each new system, learning from
-- nothing but the iteration counts of the previous solves:
--
-- * **Tsallis-INF** approaches the best *fixed* $\omega$ in hindsight;
-- * **ChebCB** also sees a cheap number describing each system (here the
--   diagonal shift $c_t$), regresses the cost on it, and approaches the
--   *instance-optimal* $\omega$, beating every fixed choice.
--
-- This script reproduces that headline at CPU scale with `linsolve` and
-- checks it.  Run it with `tycho examples/learning_to_relax.lua` (about ten
-- seconds), or publish it with `tycho publish examples/learning_to_relax.lua`.

-- %%
local T = 2000                 -- systems in the sequence
local seeds = {1, 2, 3}        -- learner seeds (the instances are fixed)
local function check(cond, what)
  assert(cond, what)
  print("ok: " .. what)
end

-- %% [markdown]
-- ## The sequence
--
-- $A_t = A_0 + c_t I$ with $A_0$ the 5-point Laplacian of a 10 x 10 grid
-- (100 unknowns) and $c_t = -0.15 + 0.6\,B_t$, $B_t \sim$ Beta(0.5, 1.5):
-- a "high variance" sequence whose shifts crowd near $-0.15$, where $A_t$
-- is nearly singular and SOR is slow.  Each $b_t$ is a standard normal
-- vector of norm at most 10.  SOR stops when $\|b - Ax\|/\|b\| < 10^{-8}$.

-- %%
local inst = linsolve.relax_instances{n = 10, T = T, variance = "high", seed = 1}
print(inst)
print(string.format("shifts: min %.3f, mean %.3f, max %.3f",
                    inst.shifts:min(), inst.shifts:mean(), inst.shifts:max()))

-- %% [markdown]
-- ## The cost table
--
-- A learner only ever sees the iteration count of the $\omega$ it plays, so
-- we solve every system once for each of the 20 factors
-- $\omega = 1, 1.05, \dots, 1.95$ and let every policy read its costs from
-- this table: all policies then face exactly the same systems.  The table
-- also holds SOR at Young's optimal factor
-- $\omega^*(A_t) = 2/(1 + \sqrt{1 - \beta_t^2})$, with $\beta_t$ the
-- Jacobi spectral radius that `linsolve.omega_opt` computes.

-- %%
local omegas = mat.linspace(1, 1.95, 20)
local t0 = tycho.clock()
local C, Copt = linsolve.cost_table(inst, omegas, {opt = true})
print(string.format("%d SOR solves in %.1f s", T * 21, tycho.clock() - t0))
local colsum = C:sum(1)
local best, jbest = colsum:min()
print(string.format("best fixed factor in hindsight: omega = %.2f", omegas[jbest]))

-- %% [markdown]
-- ## The policies
--
-- Fixed factors read one column of the table.  A learner plays
-- `omega, arm = t:choose(c)` and learns `t:update(arm, iters)`; in a live
-- simulation `t:solve(A, b, c)` does both around the solve.

-- %%
local function cumulative(costs)
  local out = mat.zeros(#costs)
  local s = 0
  for k = 1, #costs do s = s + costs[k]; out[k] = s end
  return out
end

local function run(method)
  local total = mat.zeros(T)
  local chosen = mat.zeros(T)
  for _, seed in ipairs(seeds) do
    local tu = linsolve.tuner{method = method, omegas = omegas,
                              context = inst.context, seed = seed}
    for k = 1, T do
      local omega, arm = tu:choose(inst.shifts[k])
      local iters = C[{k, arm}]
      tu:update(arm, iters)
      total[k] = total[k] + iters / #seeds
      chosen[k] = chosen[k] + omega / #seeds
    end
  end
  return total, chosen
end

local policies = {
  {"omega = 1 (Gauss-Seidel)", C:col(1)},
  {string.format("best fixed omega = %.2f", omegas[jbest]), C:col(jbest)},
  {"instance-optimal omega*(A_t)", Copt},
  {"per-instance best on the grid", C:min(2)},
}
local ts_costs = run("tsallis")
local cb_costs, cb_omega = run("chebcb")
local bin_costs = run("tsallis_cb")
table.insert(policies, {"Tsallis-INF", ts_costs})
table.insert(policies, {"ChebCB (context c_t)", cb_costs})
table.insert(policies, {"TsallisINF-CB (5 bins)", bin_costs})

-- %% [markdown]
-- ## Results
--
-- Total iterations over the sequence, as a ratio to the best fixed
-- $\omega$, and the mean cost per system over the last 20 % of the
-- sequence.  The learners are averaged over three seeds.

-- %%
local late0 = math.floor(0.8 * T) + 1
local function late(v) return v:sub(late0, T, 1, 1):mean() end
local ratio = {}
print(string.format("%-32s %12s %9s %10s", "policy", "iterations", "ratio", "late mean"))
for _, p in ipairs(policies) do
  local total = p[2]:sum()
  ratio[p[1]] = total / best
  print(string.format("%-32s %12.0f %9.3f %10.1f", p[1], total, total / best, late(p[2])))
end

-- %% [markdown]
-- What to see:
--
-- * Gauss-Seidel is several times worse than the best fixed factor, which
--   lies inside the grid, not at an end.
-- * Tsallis-INF pays for exploring early, so its total is above the best
--   fixed factor; the excess shrinks as the sequence grows (sublinear
--   regret), and late in the sequence its cost is close to the best fixed
--   factor's.
-- * ChebCB beats the best fixed factor: it uses the shift to pick a large
--   $\omega$ for the nearly singular systems and a smaller one for the easy
--   ones, close to the instance-optimal policy.
-- * TsallisINF-CB, one bandit per bin of shifts, lies in between.

-- %%
local gs_name, ts_name = policies[1][1], "Tsallis-INF"
check(ratio[gs_name] > 3, "Gauss-Seidel costs more than 3x the best fixed omega")
check(jbest > 1 and jbest < 20, "the best fixed omega is inside the grid")
local function ratio_at(costs, n)     -- over the first n systems
  return costs:sub(1, n, 1, 1):sum() / C:sub(1, n, jbest, jbest):sum()
end
local r_quarter, r_full = ratio_at(ts_costs, T // 4), ratio_at(ts_costs, T)
print(string.format("Tsallis-INF ratio after %d systems: %.3f, after %d: %.3f",
                    T // 4, r_quarter, T, r_full))
check(r_full > 1 and r_full < r_quarter, "Tsallis-INF's excess over the best fixed omega shrinks")
check(late(ts_costs) < 1.15 * late(C:col(jbest)),
      "late on, Tsallis-INF is within 15% of the best fixed omega")
check(ratio["ChebCB (context c_t)"] < 0.85, "ChebCB beats the best fixed omega by more than 15%")
check(late(cb_costs) < 1.2 * late(Copt), "late on, ChebCB is within 20% of the instance-optimal omega")
local rb = ratio["TsallisINF-CB (5 bins)"]
check(rb < ratio[ts_name] and rb > ratio["ChebCB (context c_t)"],
      "TsallisINF-CB lies between Tsallis-INF and ChebCB")
check(ratio["instance-optimal omega*(A_t)"] < 1.01 * ratio["per-instance best on the grid"],
      "SOR at omega*(A_t) is as good as the best grid factor of each system")

-- %% [markdown]
-- ChebCB's choice tracks the optimal factor: late in the sequence it
-- picks larger $\omega$ for small shifts (hard systems) than for large ones.

-- %%
local lo_sum, lo_n, hi_sum, hi_n = 0, 0, 0, 0
for k = late0, T do
  local c = inst.shifts[k]
  if c < -0.1 then lo_sum, lo_n = lo_sum + cb_omega[k], lo_n + 1 end
  if c > 0.1 then hi_sum, hi_n = hi_sum + cb_omega[k], hi_n + 1 end
end
local wlo = linsolve.omega_opt(inst.A0 - 0.125 * sparse.eye(100))
local whi = linsolve.omega_opt(inst.A0 + 0.2 * sparse.eye(100))
print(string.format("ChebCB's mean omega for c < -0.1: %.3f (omega* at c = -0.125: %.3f)",
                    lo_sum / lo_n, wlo))
print(string.format("ChebCB's mean omega for c >  0.1: %.3f (omega* at c = 0.2: %.3f)",
                    hi_sum / hi_n, whi))
check(lo_sum / lo_n > hi_sum / hi_n + 0.05, "ChebCB's omega decreases with the shift")

-- %% [markdown]
-- ## Cumulative cost
--
-- Iterations summed over the sequence: the learners' curves bend toward
-- the slope of the policy they approach.

-- %%
local idx = mat.linspace(1, T, T)
local fig = plot.figure{size = {900, 560}}
local colors = {"#7f7f7f", "black", "#2ca02c", "#98df8a", "#1f77b4", "#d62728", "#ff7f0e"}
for i, p in ipairs(policies) do
  fig:plot(idx, cumulative(p[2]), {label = p[1], color = colors[i], width = 2})
end
fig:set{title = "SOR on shifted 2D Laplacians (high variance): cumulative iterations",
        xlabel = "instance t", ylabel = "iterations so far (log scale)", logy = true,
        legend = "bottom right"}
assert(fig:save("learning_to_relax.png"))

-- %% [markdown]
-- ## A low-variance sequence
--
-- With shifts from Beta(2, 6) the systems are more alike, the best fixed
-- factor is already near every system's optimum, and a context has less
-- to offer: the instance-optimal policy gains less over the best fixed
-- factor than it did above.

-- %%
local low = linsolve.relax_instances{n = 10, T = 400, variance = "low", seed = 2}
local CL, CLopt = linsolve.cost_table(low, omegas, {opt = true})
local best_low = CL:sum(1):min()
local gain_high = Copt:sum() / best
local gain_low = CLopt:sum() / best_low
print(string.format("instance-optimal / best fixed: high variance %.3f, low variance %.3f",
                    gain_high, gain_low))
check(gain_low > gain_high, "context helps less when the systems vary less")

-- %% [markdown]
-- ## The second family: heat steps with a changing diffusion
--
-- `linsolve.heat_instances` gives Crank-Nicolson steps of the heat
-- equation whose diffusion coefficient kappa(t) sweeps from 0 to 10 and
-- back over one period, with a moving heat source; each step starts from
-- the last solution. With SSOR-preconditioned CG the reader should see the
-- paper's ordering: a learned factor needs fewer iterations than the
-- symmetric Gauss-Seidel preconditioner (omega = 1), which needs far fewer
-- than plain CG; ChebCB, which sees kappa, does best, below every fixed
-- factor. Tsallis-INF, blind to kappa, ends near the best fixed factors.
-- ChebCB's own work per step (a small regression) shows in the wall time
-- on systems this small.

-- %%
local heat = linsolve.heat_instances{nx = 20, T = 1000}
local function run_heat(solve)
  local u, iters, t0 = heat.u0, 0, tycho.clock()
  for k = 1, heat.T do
    local A, b, kappa = heat:system(k, u)
    local x, info = solve(A, b, kappa, u)
    u, iters = x, iters + info.iters
  end
  return iters, tycho.clock() - t0
end
local heat_rows = {}
local function heat_row(name, solve)
  local iters, secs = run_heat(solve)
  heat_rows[#heat_rows + 1] = {name, iters}
  print(string.format("%-28s %6d iterations  %.2f s", name, iters, secs))
  return iters
end
local h_cg = heat_row("CG", function(A, b, _, u) return linsolve.cg(A, b, {x0 = u}) end)
local h_fixed = {}
for _, w in ipairs{1, 1.3, 1.5, 1.75, 1.95} do
  h_fixed[w] = heat_row(string.format("SSOR-PCG, omega = %.2f", w), function(A, b, _, u)
    return linsolve.ssor_cg(A, b, {x0 = u, omega = w})
  end)
end
local ht = linsolve.tuner{method = "tsallis", solver = "ssor_cg", seed = 3}
local h_ts = heat_row("Tsallis-INF, SSOR-PCG", function(A, b, kappa, u)
  return ht:solve(A, b, kappa, {x0 = u})
end)
local hc = linsolve.tuner{method = "chebcb", context = heat.context, solver = "ssor_cg", seed = 3}
local h_cb = heat_row("ChebCB (kappa), SSOR-PCG", function(A, b, kappa, u)
  return hc:solve(A, b, kappa, {x0 = u})
end)
local h_best = math.huge
for _, v in pairs(h_fixed) do h_best = math.min(h_best, v) end
check(h_fixed[1] < h_cg, "heat: SSOR-PCG at omega = 1 beats plain CG")
check(h_cb < h_fixed[1], "heat: ChebCB beats omega = 1")
check(h_cb < h_best, "heat: ChebCB beats the best fixed factor of the grid")
check(h_ts < 1.05 * h_fixed[1], "heat: Tsallis-INF (no context) is within 5% of omega = 1 or better")

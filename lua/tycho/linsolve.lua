-- tycho/linsolve.lua: the Lua layer of the linsolve module.  Adds the
-- instance sequences of "Learning to Relax" (relax_instances), the cost
-- table of a sequence over a grid of relaxation factors (cost_table), and
-- run_sequence, which drives a tuner through a sequence.
local linsolve = ...

local draw = linsolve._relax_draw
linsolve._relax_draw = nil

local function argerror(fname, arg, msg)
  error(string.format("bad argument #%d to '%s' (%s)", arg, fname, msg), 3)
end

local function isint(v) return math.type(v) == "integer" end

-- ---------------------------------------------------------------------
-- instance sequences
-- ---------------------------------------------------------------------

local Instances = {}
Instances.__index = Instances

local function check_index(self, t, fname)
  if not isint(t) or t < 1 or t > self.T then
    argerror(fname, 1, string.format("instance index in 1..%d expected, got %s",
                                     self.T, tostring(t)))
  end
end

--- inst:matrix(t): the sparse matrix A0 + c_t I of instance t
function Instances:matrix(t)
  check_index(self, t, "matrix")
  local sparse = require "tycho.sparse"
  return self.A0 + self.shifts[t] * sparse.eye(self.A0:rows())
end

--- inst:rhs(t): the right-hand side of instance t (a column of B)
function Instances:rhs(t)
  check_index(self, t, "rhs")
  return self.B:col(t)
end

--- inst:get(t) -> A, b, c
function Instances:get(t)
  check_index(self, t, "get")
  return self:matrix(t), self.B:col(t), self.shifts[t]
end

function Instances:__len() return self.T end

function Instances:__tostring()
  return string.format("relax instances (%d of size %d, %s variance, seed %d)",
                       self.T, self.A0:rows(), self.variance, self.seed)
end

local betas = {high = {0.5, 1.5}, low = {2, 6}}

--- linsolve.relax_instances{n = 10, T = 5000, variance = "high"|"low",
--- seed} -> a sequence of shifted 2D Laplacians with random right sides
function linsolve.relax_instances(opts)
  local fname = "relax_instances"
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    argerror(fname, 1, "table of options expected, got " .. type(opts))
  end
  local n, T = opts.n or 10, opts.T or 5000
  if not isint(n) or n < 1 or n > 4096 then
    argerror(fname, 1, "option 'n' must be an integer in 1..4096")
  end
  if not isint(T) or T < 0 then
    argerror(fname, 1, "option 'T' must be a nonnegative integer")
  end
  local variance = opts.variance or "high"
  local ab = opts.beta or betas[variance]
  if opts.beta == nil and ab == nil then
    argerror(fname, 1, "option 'variance' must be \"high\" or \"low\", got " ..
             tostring(variance))
  end
  if type(ab) ~= "table" or type(ab[1]) ~= "number" or type(ab[2]) ~= "number"
     or not (ab[1] > 0 and ab[2] > 0) then
    argerror(fname, 1, "option 'beta' must be {a, b} with positive shapes")
  end
  local seed = opts.seed
  if seed == nil then seed = (require "tycho.rand").int(1, 2^31 - 1) end
  if not isint(seed) then argerror(fname, 1, "option 'seed' must be an integer") end
  local lo, width = -0.15, 0.6
  local shifts, B = draw(T, n * n, ab[1], ab[2], seed, lo, width)
  local sparse = require "tycho.sparse"
  return setmetatable({
    A0 = sparse.laplacian(n, n), shifts = shifts, B = B, n = n, T = T,
    variance = opts.beta and "custom" or variance, beta = {ab[1], ab[2]},
    seed = seed, context = {-0.15, 0.65}, support = {lo, lo + width},
  }, Instances)
end

-- ---------------------------------------------------------------------
-- the heat family (the spec's second instance sequence, section 4.2)
-- ---------------------------------------------------------------------

local Heat = {}
Heat.__index = Heat

-- bump(x; c, r) = exp(1 - 1/(1 - |x - c|^2/r^2)) inside the disc, 0 outside
-- (the cut-off is explicit: never exp(-inf))
local function bump(x, y, cx, cy, r)
  local q = ((x - cx) ^ 2 + (y - cy) ^ 2) / (r * r)
  if q >= 1 then return 0.0 end
  return math.exp(1 - 1 / (1 - q))
end

-- the interior grid as a column: point k = (j - 1)(nx - 1) + i is
-- (i dx, j dx), i fastest
local function grid_fn(nx, f)
  local mat = require "tycho.mat"
  local m, dx = nx - 1, 1 / nx
  local v = mat.zeros(m * m, 1)
  for j = 1, m do
    for i = 1, m do v[(j - 1) * m + i] = f(i * dx, j * dx) end
  end
  return v
end

--- kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)
local function kappa(t)
  local s = math.sin(2 * math.pi * t)
  return math.max(0.1 * s, -10 * s)
end

--- inst:forcing(t): f(t, .) on the interior grid, 32 bump(x; (1/2 +
--- cos(16 pi t)/4, 1/2 + sin(16 pi t)/4), 1/8)
function Heat:forcing(t)
  if type(t) ~= "number" then
    argerror("forcing", 1, "time expected, got " .. type(t))
  end
  local cx = 0.5 + math.cos(16 * math.pi * t) / 4
  local cy = 0.5 + math.sin(16 * math.pi * t) / 4
  return grid_fn(self.nx, function(x, y) return 32 * bump(x, y, cx, cy, 0.125) end)
end

--- inst:system(k, u) -> A, b, kappa: Crank-Nicolson step k, from t = (k-1) dt
--- to k dt, of u_t = kappa(t) (laplacian u) + f from the grid values u
function Heat:system(k, u)
  if not isint(k) or k < 1 or k > self.T then
    argerror("system", 1, string.format("step in 1..%d expected, got %s",
                                        self.T, tostring(k)))
  end
  local mat = require "tycho.mat"
  if not mat.ismat(u) or u:rows() ~= self.n or u:cols() ~= 1 then
    argerror("system", 2, string.format("%dx1 matrix expected, got %s", self.n,
             mat.ismat(u) and (u:rows() .. "x" .. u:cols()) or type(u)))
  end
  local tm = (k - 0.5) * self.dt
  local kap = self.kappas[k]
  local s = 0.5 * kap * self.dt / (self.dx * self.dx)
  local A = self.I + s * self.L0
  local b = u - s * (self.L0 * u) + self.dt * self:forcing(tm)
  return A, b, kap
end

function Heat:__len() return self.T end

function Heat:__tostring()
  return string.format("heat instances (%d Crank-Nicolson steps of %d unknowns, dt %g)",
                       self.T, self.n, self.dt)
end

--- linsolve.heat_instances{nx = 50, T = 5000, dt = 1e-3} -> inst: the
--- heat equation with time-varying diffusion, one SPD system per step
function linsolve.heat_instances(opts)
  local fname = "heat_instances"
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    argerror(fname, 1, "table of options expected, got " .. type(opts))
  end
  local nx, T, dt = opts.nx or 50, opts.T or 5000, opts.dt or 1e-3
  if not isint(nx) or nx < 2 or nx > 4096 then
    argerror(fname, 1, "option 'nx' must be an integer in 2..4096")
  end
  if not isint(T) or T < 0 then
    argerror(fname, 1, "option 'T' must be a nonnegative integer")
  end
  if type(dt) ~= "number" or not (dt > 0 and dt < math.huge) then
    argerror(fname, 1, "option 'dt' must be a positive number")
  end
  local mat, sparse = require "tycho.mat", require "tycho.sparse"
  local m = nx - 1
  local kappas = mat.zeros(T, 1)
  local lo, hi = math.huge, -math.huge
  for k = 1, T do
    local v = kappa((k - 0.5) * dt)
    kappas[k] = v
    lo, hi = math.min(lo, v), math.max(hi, v)
  end
  if T == 0 then lo, hi = 0, 10 end
  if hi <= lo then hi = lo + 1 end
  return setmetatable({
    nx = nx, n = m * m, T = T, dt = dt, dx = 1 / nx,
    L0 = sparse.laplacian(m, m),    -- -dx^2 times the discrete Laplacian
    I = sparse.eye(m * m),
    kappas = kappas, context = {lo, hi},
    u0 = grid_fn(nx, function(x, y) return bump(x, y, 0.5, 0.5, 0.25) end),
  }, Heat)
end

-- ---------------------------------------------------------------------
-- sequences and cost tables
-- ---------------------------------------------------------------------

local function check_instances(v, fname)
  if getmetatable(v) ~= Instances then
    argerror(fname, 1, "instances from linsolve.relax_instances expected, got "
             .. type(v))
  end
end

--- linsolve.cost_table(inst, omegas [, opts]) -> C (T x d), Copt (T x 1)
--- SOR iterations of every instance at every factor; with opts.opt the
--- second result holds SOR at omega_opt(A_t)
function linsolve.cost_table(inst, omegas, opts)
  local fname = "cost_table"
  check_instances(inst, fname)
  local mat = require "tycho.mat"
  if omegas == nil then omegas = mat.linspace(1, 1.95, 20) end
  if type(omegas) == "table" then omegas = mat(omegas) end
  if not mat.ismat(omegas) then
    argerror(fname, 2, "vector of factors expected, got " .. type(omegas))
  end
  opts = opts or {}
  if type(opts) ~= "table" then argerror(fname, 3, "table of options expected") end
  local tol, maxiter = opts.tol or 1e-8, opts.maxiter or 10000
  local solver = opts.solver or "sor"
  local solve = linsolve[solver]
  if solver ~= "sor" and solver ~= "ssor_cg" then
    argerror(fname, 3, "option 'solver' must be \"sor\" or \"ssor_cg\"")
  end
  local d = #omegas
  local C = mat.zeros(inst.T, d)
  local Copt = opts.opt and mat.zeros(inst.T, 1) or nil
  local sopts = {tol = tol, maxiter = maxiter, omega = 1}
  for t = 1, inst.T do
    local A, b = inst:get(t)
    for j = 1, d do
      sopts.omega = omegas[j]
      local _, info = solve(A, b, sopts)
      C[{t, j}] = info.converged and info.iters or maxiter
    end
    if Copt then
      sopts.omega = linsolve.omega_opt(A)
      local _, info = solve(A, b, sopts)
      Copt[t] = info.converged and info.iters or maxiter
    end
  end
  return C, Copt
end

--- linsolve.run_sequence(inst, tuner) -> costs (T x 1), arms (T x 1)
--- solve every instance with the tuner, in order, the shift as context
function linsolve.run_sequence(inst, tuner)
  local fname = "run_sequence"
  check_instances(inst, fname)
  local mt = getmetatable(tuner)
  if type(tuner) ~= "userdata" or type(mt) ~= "table" or mt.__name ~= "tycho.tuner" then
    argerror(fname, 2, "tuner expected, got " .. type(tuner))
  end
  local mat = require "tycho.mat"
  local costs, arms = mat.zeros(inst.T, 1), mat.zeros(inst.T, 1)
  for t = 1, inst.T do
    local A, b, c = inst:get(t)
    local _, info = tuner:solve(A, b, c)
    costs[t] = info.iters
    arms[t] = info.arm
  end
  return costs, arms
end

return linsolve

-- tycho/optim.lua: the Lua layer of tycho.optim.
--
-- The native table (src/mod/loptim.c) brings the optimizers (optim.sgd,
-- optim.adam, ..., one "tycho.optimizer" userdata each), optim.cbo,
-- optim.testfn and the 8-bit helpers.  This file adds the two drivers that
-- call a Lua objective in a loop:
--   x, info = optim.minimize(f, x0, opts)       f(x) -> loss, grad
--   x, info = optim.cbo_minimize(f, d, opts)    f(x) -> number
-- (optim.kfac and optim.mkor are added by lua/tycho/nn.lua.)
local optim = ...
local mat = require "tycho.mat"

local clock = os.clock
do
  local tycho = package.loaded.tycho
  if tycho and tycho.clock then clock = tycho.clock end
end

local function argerror(n, fname, msg)
  error(string.format("bad argument #%d to '%s' (%s)", n, fname, msg), 3)
end

local function typename(v)
  if mat.ismat(v) then return "tycho.mat" end
  return type(v)
end

-- the first-order optimizers minimize can drive
local methods = {
  sgd = true, adam = true, adamw = true, lamb = true, lion = true,
  adan = true, adamp = true, sgdp = true, exadam = true, adam8bit = true,
  adamw8bit = true, lion8bit = true,
}

-- keys of minimize's opts that are not optimizer options
local driver_keys = {method = true, iters = true, tol = true,
                     history = true, schedule = true, callback = true}

--- optim.minimize(f, x0 [, opts]) -> x, info
function optim.minimize(f, x0, opts)
  if type(f) ~= "function" then
    argerror(1, "minimize", "function expected, got " .. typename(f))
  end
  if type(x0) == "table" or type(x0) == "number" then x0 = mat(x0) end
  if not mat.ismat(x0) then
    argerror(2, "minimize", "tycho.mat expected, got " .. typename(x0))
  end
  if x0:iscomplex() then argerror(2, "minimize", "real matrix expected") end
  if opts ~= nil and type(opts) ~= "table" then
    argerror(3, "minimize", "table of options expected, got " .. type(opts))
  end
  opts = opts or {}
  local method = opts.method or "adam"
  if not methods[method] then
    argerror(3, "minimize", "unknown method '" .. tostring(method) .. "'")
  end
  local iters = opts.iters or 1000
  if math.type(iters) ~= "integer" or iters < 0 then
    argerror(3, "minimize", "iters must be a nonnegative integer")
  end
  local tol = opts.tol or 1e-6
  if type(tol) ~= "number" or not (tol >= 0) then
    argerror(3, "minimize", "tol must be a nonnegative number")
  end
  local schedule = opts.schedule
  if schedule ~= nil and schedule ~= "cosine" and type(schedule) ~= "function"
  then
    argerror(3, "minimize", "schedule must be \"cosine\" or a function")
  end
  local callback = opts.callback
  if callback ~= nil and type(callback) ~= "function" then
    argerror(3, "minimize", "callback must be a function")
  end
  local oopts = {}
  for k, v in pairs(opts) do
    if not driver_keys[k] then oopts[k] = v end
  end
  local ok, opt = pcall(optim[method], oopts)
  if not ok then
    argerror(3, "minimize", (tostring(opt):gsub("^.-%((.*)%)$", "%1")))
  end
  local lr0 = opt.lr
  local x = x0:copy()
  local hist = opts.history and {} or nil
  local t0 = clock()
  local converged, steps, evals = false, 0, 0
  local fx, g, gnorm

  local function evaluate()
    fx, g = f(x)
    evals = evals + 1
    if type(fx) ~= "number" then
      error(string.format("minimize: f must return a number and a " ..
            "gradient, got %s (evaluation %d)", typename(fx), evals), 3)
    end
    if type(g) == "table" then g = mat(g) end
    if not mat.ismat(g) then
      error(string.format("minimize: f must return the gradient as a " ..
            "tycho.mat, got %s (evaluation %d)", typename(g), evals), 3)
    end
    gnorm = g:norm()
    if gnorm ~= gnorm or gnorm == math.huge then
      error(string.format("minimize: the gradient has NaN or Inf " ..
            "elements at evaluation %d (x is the last finite iterate)",
            evals), 3)
    end
  end

  evaluate()
  while true do
    if hist then hist[#hist + 1] = fx end
    if gnorm <= tol then converged = true; break end
    if steps >= iters then break end
    if callback and callback(steps, x, fx) == false then break end
    if schedule == "cosine" then
      opt.lr = lr0 * 0.5 * (1 + math.cos(math.pi * steps / iters))
    elseif schedule then
      local lr = schedule(steps + 1, lr0)
      if type(lr) ~= "number" or not (lr >= 0) or lr == math.huge then
        error("minimize: schedule must return a nonnegative learning rate", 2)
      end
      opt.lr = lr
    end
    local sok, err = pcall(opt.step, opt, x, g)
    if not sok then
      error("minimize: " .. tostring(err):gsub("^bad argument #%d to 'step' ", ""), 2)
    end
    steps = steps + 1
    evaluate()
  end
  local info = {iters = steps, converged = converged, f = fx,
                grad_norm = gnorm, evals = evals, method = method,
                time = clock() - t0}
  if hist then info.history = mat(hist) end
  return x, info
end

-- keys of cbo_minimize's opts that are not cbo options
local cbo_driver_keys = {batch = true, history = true}

--- optim.cbo_minimize(f, d [, opts]) -> x, info
function optim.cbo_minimize(f, d, opts)
  if type(f) ~= "function" then
    argerror(1, "cbo_minimize", "function expected, got " .. typename(f))
  end
  if math.type(d) ~= "integer" or d < 1 then
    argerror(2, "cbo_minimize", "positive integer dimension expected")
  end
  if opts ~= nil and type(opts) ~= "table" then
    argerror(3, "cbo_minimize", "table of options expected, got " ..
             type(opts))
  end
  opts = opts or {}
  local copts = {d = d}
  for k, v in pairs(opts) do
    if not cbo_driver_keys[k] then copts[k] = v end
  end
  local ok, c = pcall(optim.cbo, copts)
  if not ok then
    argerror(3, "cbo_minimize", (tostring(c):gsub("^.-%((.*)%)$", "%1")))
  end
  local batch, N = opts.batch, c.n * c.runs
  local hist = opts.history and {} or nil
  local fv = mat.zeros(N, 1)
  local t0, evals = clock(), 0
  while not c:done() do
    local X = c:ask()
    if batch then
      local F = f(X)
      if type(F) == "table" then F = mat(F) end
      if not mat.ismat(F) or #F ~= N then
        error(string.format("cbo_minimize: with batch = true, f(X) must " ..
              "return %d values (one per row of X)", N), 2)
      end
      fv = F
    else
      for i = 1, N do
        local v = f(X:row(i):t())
        if type(v) ~= "number" then
          error("cbo_minimize: f must return a number, got " ..
                typename(v), 2)
        end
        fv[i] = v
      end
    end
    evals = evals + N
    local tok, err = pcall(c.tell, c, fv)
    if not tok then
      error("cbo_minimize: " .. tostring(err):gsub("^bad argument #%d to 'tell' ", ""), 2)
    end
    if hist then
      local _, fb = c:best()
      hist[#hist + 1] = fb
    end
  end
  local x, fx = c:best()
  local iters = opts.iters or 1000
  local info = {f = fx, iters = c.it, evals = evals,
                converged = c.it < iters or
                            (opts.f_tol ~= nil and fx <= opts.f_tol),
                consensus = c:consensus(), time = clock() - t0, cbo = c}
  if hist then info.history = mat(hist) end
  return x, info
end

-- optim.kfac and optim.mkor come from lua/tycho/nn.lua, which the host's
-- module loader runs right after this module (src/main.c, load_module)

return optim

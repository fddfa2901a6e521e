-- bench/core.lua: the tycho side of the core benchmark (issue 3).
--
--   tycho bench/core.lua gen DIR                     write the inputs to DIR
--   tycho bench/core.lua run DIR [reps] [case,...]   time the cases on them
--   tycho bench/core.lua list                        the case names
--
-- bench/core_numpy.py is the NumPy/SciPy side: it loads the same .npy files
-- (the 2D Laplacian is built from its formula on both sides) and times the
-- same operations; bench/run_core.sh runs both and prints the ratios.
--
-- "run" prints one line per case:  name <TAB> best seconds <TAB> check
-- where best is the fastest of `reps` timed runs after one warm-up run
-- (best-of-N: on a shared machine noise only ever adds time), and check is
-- a norm of the result, which the driver compares with NumPy's to show
-- both sides computed the same thing.  Garbage from one run is collected
-- between runs, outside the timed region.

local clock = tycho.clock

local mode, dir = arg[1], arg[2]
if mode ~= "list" and ((mode ~= "gen" and mode ~= "run") or dir == nil) then
  io.stderr:write("usage: tycho bench/core.lua gen|run DIR [reps] [cases]" ..
                  " | list\n")
  os.exit(1)
end

-- the inputs, by file name: every one is float64 or complex128
local function inputs ()
  rand.seed(20240601)
  local M = mat.randn(1000, 1000)
  return {
    A2000 = mat.randn(2000, 2000), B2000 = mat.randn(2000, 2000),
    a3 = mat.randn(3, 3), b3 = mat.randn(3, 3),
    x7 = mat.randn(10000000), y7 = mat.randn(10000000),
    M1000 = M, H1000 = (M + M:t()) / 2, b1000 = mat.randn(1000),
    z20 = mat.complex(mat.randn(1048576), mat.randn(1048576)),
    Z1024 = mat.complex(mat.randn(1024, 1024), mat.randn(1024, 1024)),
    v6 = mat.randn(1000000),
  }
end

if mode == "gen" then
  for name, A in pairs(inputs()) do
    assert(A:save(dir .. "/" .. name .. ".npy"))
  end
  os.exit(0)
end

local reps = tonumber(arg[3]) or 5
local only = nil
if arg[4] and arg[4] ~= "" then
  only = {}
  for c in arg[4]:gmatch("[^,]+") do only[c] = true end
end

local function load (name)
  return assert(mat.load(dir .. "/" .. name .. ".npy"))
end

-- best-of-reps seconds of f() after one warm-up call, and check(r) of the
-- warm-up's result r (the check is not timed)
local function best (f, check)
  local r = f()
  local value = check(r)
  r = nil
  local t = math.huge
  for _ = 1, reps do
    collectgarbage()
    local t0 = clock()
    f()
    local dt = clock() - t0
    if dt < t then t = dt end
  end
  collectgarbage()
  return t, value
end

local function norm (r) return r:norm() end

-- the cases, in the order they are printed; each setup() returns the
-- function to time and the check of its result
local cases = {
  {"matmul_2000", function ()
    local A, B = load("A2000"), load("B2000")
    return function () return A * B end, norm
  end},
  {"loop_3x3_1e5", function ()
    local a, b = load("a3"), load("b3")
    return function ()
      local c, d
      for _ = 1, 100000 do
        c = a + b
        d = a * b
      end
      return {c, d}
    end, function (r) return r[1]:norm() + r[2]:norm() end
  end},
  {"add_1e7", function ()
    local x, y = load("x7"), load("y7")
    return function () return x + y end, norm
  end},
  {"emul_1e7", function ()
    local x, y = load("x7"), load("y7")
    return function () return x:emul(y) end, norm
  end},
  {"exp_1e7", function ()
    local x = load("x7")
    return function () return x:exp() end, norm
  end},
  {"solve_1000", function ()
    local M, b = load("M1000"), load("b1000")
    return function () return linalg.solve(M, b) end, norm
  end},
  {"eigh_1000", function ()
    local H = load("H1000")
    return function () return (linalg.eigh(H)) end, norm
  end},
  {"svd_1000", function ()
    local M = load("M1000")
    return function ()
      local _, s = linalg.svd(M)
      return s
    end, norm
  end},
  {"fft_2^20", function ()
    local z = load("z20")
    return function () return fft.fft(z) end, norm
  end},
  {"fft2_1024", function ()
    local Z = load("Z1024")
    return function () return fft.fft2(Z) end, norm
  end},
  {"laplace2d_1000", function ()
    local S, v = sparse.laplacian(1000, 1000), load("v6")
    return function () return S * v end, norm
  end},
}

if mode == "list" then
  for _, c in ipairs(cases) do print(c[1]) end
  os.exit(0)
end

for _, c in ipairs(cases) do
  local name, setup = c[1], c[2]
  if only == nil or only[name] then
    local t, check = best(setup())
    collectgarbage()
    io.write(string.format("%s\t%.6e\t%.15g\n", name, t, check))
    io.flush()
  end
end

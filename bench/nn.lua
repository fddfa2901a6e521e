-- bench/nn.lua: the tycho side of the nn benchmark (issue 7).
--
--   tycho bench/nn.lua gen DIR                  write inputs and weights
--   tycho bench/nn.lua run DIR [reps] [case,...] time the cases
--   tycho bench/nn.lua list                     the case names
--   tycho bench/nn.lua precond [reps]           K-FAC / MKOR step costs
--
-- bench/nn_torch.py is the driver: it runs this script and PyTorch on the
-- same .npy inputs, alternately, and prints the ratios.  "run" prints one
-- line per case:  name <TAB> best seconds <TAB> check, best being the
-- fastest of `reps` timed runs after one warm-up (best-of-N), check the
-- loss plus the norm of the first weight gradient, which must agree with
-- torch's.
--
-- The network is 2-256-256-1 (the issue's size), batch 4096, float64; a
-- case is forward, loss (mse, as nn.mse: sum of squares / 2B) and backward.

local clock = tycho.clock
local mode, dir = arg[1], arg[2]

local B, sizes = 4096, {2, 256, 256, 1}
local cases = {
  {"fb_tanh", "tanh", true}, {"fb_relu", "relu", true},
  {"fb_gelu", "gelu", true}, {"fwd_tanh", "tanh", false},
}

if mode == "list" then
  for _, c in ipairs(cases) do print(c[1]) end
  os.exit(0)
end

-- best-of-reps seconds of f() after one warm-up call
local function best(f, reps)
  f()
  local b = math.huge
  for _ = 1, reps do
    collectgarbage()
    local t0 = clock()
    f()
    b = math.min(b, clock() - t0)
  end
  return b
end

if mode == "precond" then
  -- cost of one optimizer step (statistics, factors, preconditioning,
  -- SGD update) after a forward and backward pass, which is not timed
  local reps = tonumber(dir) or 100
  rand.seed(1)
  local X, T = mat.randn(B, 2), mat.randn(B, 1)
  local net = nn.mlp{sizes = sizes, act = "tanh", seed = 1}
  local base = {lr = 1e-3, step = function(self, ps, gs)
    for i = 1, #ps do ps[i]:add_(gs[i], -self.lr) end
  end}
  local function pass()
    local _, dY = nn.mse(net:forward(X), T)
    net:backward(dY)
  end
  print(string.format("%-34s %9.3f ms", "forward + backward (best)",
                      1e3 * best(pass, reps)))
  -- mean time of opt:step() over reps steps, each after its own pass
  for _, spec in ipairs({
      {"kfac", "inv_every", 1}, {"kfac", "inv_every", 10},
      {"kfac", "inv_every", 100}, {"mkor", "inv_freq", 1},
      {"mkor", "inv_freq", 10}, {"mkor", "inv_freq", 100}}) do
    local opt = optim[spec[1]](net, {base = base, [spec[2]] = spec[3]})
    local total = 0
    for i = 1, reps + 2 do
      pass()
      local t0 = clock()
      opt:step()
      if i > 2 then total = total + clock() - t0 end
    end
    print(string.format("%-34s %9.3f ms", spec[1] .. " step, " .. spec[2] ..
                        " = " .. spec[3] .. " (mean)", 1e3 * total / reps))
  end
  os.exit(0)
end

if (mode ~= "gen" and mode ~= "run") or dir == nil then
  io.stderr:write("usage: tycho bench/nn.lua gen|run DIR [reps] [cases]" ..
                  " | list | precond [reps]\n")
  os.exit(1)
end

if mode == "gen" then
  rand.seed(20240701)
  assert(mat.randn(B, 2):save(dir .. "/X.npy"))
  assert(mat.randn(B, 1):save(dir .. "/T.npy"))
  local net = nn.mlp{sizes = sizes, act = "tanh", seed = 1}
  for i, p in ipairs(net:params()) do
    assert(p:save(dir .. "/p" .. i .. ".npy"))
  end
  os.exit(0)
end

local reps = tonumber(arg[3]) or 10
local only
if arg[4] and arg[4] ~= "" then
  only = {}
  for c in arg[4]:gmatch("[^,]+") do only[c] = true end
end
local X = assert(mat.load(dir .. "/X.npy"))
local T = assert(mat.load(dir .. "/T.npy"))

for _, c in ipairs(cases) do
  local name, act, backward = c[1], c[2], c[3]
  if not only or only[name] then
    local net = nn.mlp{sizes = sizes, act = act}
    for i, p in ipairs(net:params()) do
      p:copy_(assert(mat.load(dir .. "/p" .. i .. ".npy")))
    end
    local loss
    local f
    if backward then
      f = function()
        local dY
        loss, dY = nn.mse(net:forward(X), T)
        net:backward(dY)
      end
    else
      f = function() loss = (nn.mse(net:forward(X), T)) end
    end
    local t = best(f, reps)
    local check = loss + (backward and net:grads()[1]:norm() or 0)
    io.write(string.format("%s\t%.6e\t%.15e\n", name, t, check))
  end
end

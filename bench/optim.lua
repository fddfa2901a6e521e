-- bench/optim.lua: the tycho side of the optimizer benchmark (issue 7).
--
--   tycho bench/optim.lua [n = 1e7] [reps = 10] [threads = 1]
--
-- bench/optim_torch.py is the driver: it runs this script and PyTorch on
-- the same sizes, alternately, and prints the ratios.  This script prints
-- one line per case:  name <TAB> best seconds <TAB> state bytes
-- (best of `reps` timed steps after one warm-up step, which builds the
-- state).  Each step goes through opt:step(x, g) on one n x 1 float64
-- parameter, as a person would call it (so the gradient's NaN check is
-- included where the optimizer makes it).  `threads` is passed to
-- optim.threads: tensors this big are split into that many pieces.
local clock = tycho.clock
local n = math.tointeger(tonumber(arg[1] or "") or 1e7) or 10000000
local reps = math.tointeger(tonumber(arg[2] or "") or 10) or 10
optim.threads(math.tointeger(tonumber(arg[3] or "") or 1) or 1)

local cases = {
  {"adam", function() return optim.adam{lr = 1e-3} end},
  {"adamw", function() return optim.adamw{lr = 1e-3, weight_decay = 1e-2} end},
  {"lion", function() return optim.lion{lr = 1e-4, weight_decay = 1e-2} end},
  {"sgd_momentum", function() return optim.sgd{lr = 1e-3, momentum = 0.9} end},
  {"adam8bit", function() return optim.adam8bit{lr = 1e-3} end},
}

rand.seed(1)
local x = mat.randn(n)
local g = mat.randn(n)
for _, c in ipairs(cases) do
  local opt = c[2]()
  opt:step(x, g)                       -- builds the state
  local best = math.huge
  for _ = 1, reps do
    local t0 = clock()
    opt:step(x, g)
    best = math.min(best, clock() - t0)
  end
  io.write(c[1], "\t", string.format("%.6f", best), "\t",
           opt:state_bytes(), "\n")
  io.flush()
  opt = nil
  collectgarbage()
end

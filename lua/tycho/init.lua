-- tycho/init.lua: the Lua layer of the `tycho` module.  Adds the prompt's
-- helpers as globals: help, who, whos, tic, toc, timeit.
local tycho = ...

local help = require "tycho.help"
local repl = require "tycho.repl"

tycho.repl = repl
tycho.help = help

-- Modules load on first use: reading the global `mat` (or require
-- "tycho.mat") loads the module library once.  tycho.lazy maps each global
-- to its module; tab completion and who() know about it.
local lazy = tycho.lazy
setmetatable(_G, {__index = function(t, k)
  local name = lazy[k]
  if name == nil then return nil end
  local m = require(name)
  rawset(t, k, m)
  return m
end})
setmetatable(tycho, {__index = function(t, k)
  if k ~= "debug" then return nil end
  local m = require "tycho.debug"
  rawset(t, k, m)
  return m
end})

_G.help = help.help
_G.who = repl.who
_G.whos = repl.whos

local clock = tycho.clock
local tic_time = nil

--- tic(): start the stopwatch.
function _G.tic()
  tic_time = clock()
end

--- toc(): seconds since the last tic().
function _G.toc()
  if tic_time == nil then error("toc: call tic() first", 2) end
  return clock() - tic_time
end

--- timeit(f [, n]): median seconds of n runs of f (default: enough runs
--- to fill about 0.2 s, at least 3 and at most 1000).
function _G.timeit(f, n)
  if type(f) ~= "function" then
    error("bad argument #1 to 'timeit' (function expected, got " ..
          type(f) .. ")", 2)
  end
  if n ~= nil and (math.type(n) ~= "integer" or n < 1) then
    error("bad argument #2 to 'timeit' (positive integer expected)", 2)
  end
  if n == nil then
    local t0 = clock(); f(); local once = clock() - t0
    n = math.max(3, math.min(1000, math.floor(0.2 / math.max(once, 1e-9))))
  end
  local times = {}
  for i = 1, n do
    local t0 = clock()
    f()
    times[i] = clock() - t0
  end
  table.sort(times)
  if n % 2 == 1 then return times[(n + 1) // 2] end
  return 0.5 * (times[n // 2] + times[n // 2 + 1])
end

return tycho

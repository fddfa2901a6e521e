-- tycho/ot.lua: the Lua layer of the ot module (optimal transport).
-- The native part (src/mod/lot.c) has ot.cost, ot.sinkhorn, ot.sns and
-- ot.emd; this adds small helpers written with mat operations.
local ot = ...

local function check_plan(P, fname)
  if type(P) == "table" then P = mat(P) end
  if getmetatable(P) ~= getmetatable(mat.zeros(1)) then
    error("bad argument #1 to '" .. fname .. "' (tycho.mat expected, got " ..
          type(P) .. ")", 3)
  end
  return P
end

-- weights w for `len` atoms as an len x 1 mat (nil: uniform)
local function weights(w, len, arg, fname)
  if w == nil then return mat.ones(len) / len end
  if type(w) == "table" then w = mat(w) end
  local r, c = w:size()
  if (r ~= 1 and c ~= 1) or r * c ~= len then
    error(string.format("bad argument #%d to '%s' (vector of %d weights " ..
          "expected, got %dx%d)", arg, fname, len, r, c), 3)
  end
  return w:reshape(len, 1)
end

--- ot.marginal_err(P, a, b): ||P 1 - a||_1 + ||P^T 1 - b||_1, the
--- marginal error of any plan (a, b nil: uniform).
function ot.marginal_err(P, a, b)
  P = check_plan(P, "marginal_err")
  local n, m = P:size()
  a = weights(a, n, 2, "marginal_err")
  b = weights(b, m, 3, "marginal_err")
  return (P:sum(2) - a):norm(1) + (P:sum(1):t() - b):norm(1)
end

--- ot.entropy(P): -sum P log P over the positive entries.
function ot.entropy(P)
  P = check_plan(P, "entropy")
  if #P == 0 then return 0 end
  local Q = P + (1 - P:sign())          -- P where positive, 1 where 0
  return -P:emul(Q:log()):sum()
end

return ot

-- tap.lua: the small TAP helper of tycho's Lua tests.
--   local t = require "tap"
--   t.ok(cond, name)            t.is(got, want, name)
--   t.near(a, b, tol, name)     a, b numbers or mats (max abs difference)
--   t.throws(f, pattern, name)  f must raise an error matching pattern
--   t.done()                    prints the plan; exits 1 if anything failed
local t = {}
local count, failed = 0, 0

local function report(cond, name, detail)
  count = count + 1
  if not cond then failed = failed + 1 end
  io.write(cond and "ok " or "not ok ", count, " - ", name or "", "\n")
  if not cond and detail then
    io.write("#   ", (tostring(detail):gsub("\n", "\n#   ")), "\n")
  end
  if not cond then
    local info = debug.getinfo(3, "Sl")
    if info then io.write("#   at ", info.short_src, ":", info.currentline, "\n") end
  end
  return cond
end

function t.ok(cond, name) return report(not not cond, name) end

function t.is(got, want, name)
  return report(got == want, name,
    "got: " .. tostring(got) .. "\nwant: " .. tostring(want))
end

-- the largest absolute difference between a and b (numbers or mats)
local function maxdiff(a, b)
  if type(a) == "number" and type(b) == "number" then
    if a == b then return 0 end          -- equal infinities
    return math.abs(a - b)
  end
  local mat = require "tycho.mat"
  if type(a) == "number" then a = mat.fill(1, 1, a) end
  if type(b) == "number" then b = mat.fill(1, 1, b) end
  local ma, na = a:size()
  local mb, nb = b:size()
  if ma ~= mb or na ~= nb then
    return math.huge, string.format("shapes differ: %dx%d and %dx%d", ma, na, mb, nb)
  end
  local d = 0
  for k = 1, ma * na do
    local x, y = a[k], b[k]
    local dx
    if type(x) == "number" and type(y) == "number" then dx = math.abs(x - y)
    else
      local z = (mat.complex(mat{0}) + x) - y
      dx = math.sqrt(z:real()[1] ^ 2 + z:imag()[1] ^ 2)
    end
    if dx ~= dx then return math.huge, "NaN at element " .. k end
    if dx > d then d = dx end
  end
  return d
end
t.maxdiff = maxdiff

function t.near(a, b, tol, name)
  local ok, d, why = pcall(maxdiff, a, b)
  if not ok then return report(false, name, d) end
  return report(d <= tol, name,
    why or string.format("difference %.3g exceeds %.3g", d, tol))
end

function t.throws(f, pattern, name)
  local ok, err = pcall(f)
  if ok then return report(false, name, "no error raised") end
  err = tostring(err)
  if pattern and not err:find(pattern) then
    return report(false, name, "error '" .. err .. "' does not match '" .. pattern .. "'")
  end
  return report(true, name)
end

-- t.skip(reason): note a skipped group (not counted)
function t.skip(reason) io.write("# skip: ", reason, "\n") end

function t.done()
  io.write("1..", count, "\n")
  if failed > 0 then os.exit(1) end
end

return t

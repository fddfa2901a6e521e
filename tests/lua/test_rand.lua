-- test_rand.lua: the rand module and mat.rand / mat.randn.
-- The generator is checked against a reference written here in plain Lua
-- from the definitions of splitmix64, xoshiro256** and the ziggurat
-- (docs/rand.md), then by its statistics.
local t = require "tap"
local rand = require "tycho.rand"
local mat = require "tycho.mat"

-- ---------------------------------------------------------------------
-- reference generator (Lua 5.4 integers wrap; >> is a logical shift)
local function rotl(x, k) return (x << k) | (x >> (64 - k)) end

local function ref_new(seed)
  local s, c = {}, seed
  for i = 1, 4 do
    c = c + 0x9e3779b97f4a7c15
    local z = c
    z = (z ~ (z >> 30)) * 0xbf58476d1ce4e5b9
    z = (z ~ (z >> 27)) * 0x94d049bb133111eb
    s[i] = z ~ (z >> 31)
  end
  return s
end

local function ref_next(s)
  local result = rotl(s[2] * 5, 7) * 9
  local tt = s[2] << 17
  s[3] = s[3] ~ s[1]
  s[4] = s[4] ~ s[2]
  s[2] = s[2] ~ s[3]
  s[1] = s[1] ~ s[4]
  s[3] = s[3] ~ tt
  s[4] = rotl(s[4], 45)
  return result
end

local function ref_uniform(s) return (ref_next(s) >> 11) * 0x1p-53 end

-- x mod n for x read as an unsigned 64-bit integer, 0 < n < 2^62
local function umod(x, n)
  return ((x >> 1) % n * 2 + (x & 1)) % n
end

local function ref_below(s, n)
  local threshold = (2 * ((math.maxinteger % n + 1) % n)) % n   -- 2^64 mod n
  while true do
    local x = ref_next(s)
    if not math.ult(x, threshold) then return umod(x, n) end
  end
end

-- the ziggurat, with the C library's exp and log (the C code uses its own,
-- so values may differ in the last bits: compared with a tolerance)
local ZN, ZR, ZV = 256, 3.6541528853610088, 4.928673233974658e-3
local function gf(x) return math.exp(-0.5 * x * x) end
local zx, zf = {[0] = ZV / gf(ZR), [1] = ZR}, {}
for i = 1, ZN - 2 do zx[i + 1] = math.sqrt(-2 * math.log(ZV / zx[i] + gf(zx[i]))) end
zx[ZN] = 0
for i = 0, ZN do zf[i] = gf(zx[i]) end

local function ref_normal(s)
  while true do
    local b = ref_next(s)
    local i, sign = b & 0xff, (b & 0x100 ~= 0) and -1 or 1
    local x = (b >> 11) * 0x1p-53 * zx[i]
    if x < zx[i + 1] then return sign * x end
    if i == 0 then
      local a, y
      repeat
        a = -math.log(1 - ref_uniform(s)) / ZR
        y = -math.log(1 - ref_uniform(s))
      until y + y >= a * a
      return sign * (ZR + a)
    end
    if zf[i] + ref_uniform(s) * (zf[i + 1] - zf[i]) < gf(x) then
      return sign * x
    end
  end
end

-- ---------------------------------------------------------------------
-- the stream against the reference
do
  rand.seed(42)
  local s = ref_new(42)
  local same = true
  for _ = 1, 1000 do if rand.bits() ~= ref_next(s) then same = false end end
  t.ok(same, "seed 42: 1000 raw outputs match the reference")

  local want = string.format("%016x%016x%016x%016x", table.unpack(ref_new(7)))
  rand.seed(7)
  t.is(rand.state(), want, "rand.state() after seed 7 is splitmix64(7) x 4")

  rand.seed(42)
  t.is(rand.bits(), 0x15780b2e0c2ec716, "seed 42: first output (golden)")
  t.is(rand.bits(), 0x6104d9866d113a7e, "seed 42: second output (golden)")
  t.is(rand.bits(), 0xae17533239e499a1, "seed 42: third output (golden)")

  rand.seed(42)
  s = ref_new(42)
  same = true
  for _ = 1, 1000 do if rand.uniform() ~= ref_uniform(s) then same = false end end
  t.ok(same, "seed 42: 1000 uniforms equal (x >> 11) * 2^-53 exactly")
  rand.seed(42)
  t.is(rand.uniform(), 0x1.5780b2e0c2ecp-4, "seed 42: first uniform (golden)")

  rand.seed(-5)
  s = ref_new(-5)
  same = true
  for i = 1, 2000 do
    local n = ({6, 7, 1000, 3})[i % 4 + 1]
    if rand.int(1, n) ~= 1 + ref_below(s, n) then same = false end
  end
  t.ok(same, "rand.int(1, n) is 1 + (rejection-sampled next() mod n)")

  rand.seed(2024)
  s = ref_new(2024)
  local worst = 0
  for _ = 1, 20000 do
    local a, b = rand.normal(), ref_normal(s)
    worst = math.max(worst, math.abs(a - b) / math.max(1, math.abs(b)))
  end
  t.ok(worst < 1e-13, "20000 normals match the reference ziggurat (" ..
       string.format("%.2g", worst) .. ")")

  rand.seed(42)
  t.is(rand.normal(), -0x1.b93c3f928fee5p-3, "seed 42: first normal (golden)")
  t.is(rand.normal(), 0x1.2c8cd6d00adf9p-1, "seed 42: second normal (golden)")
  rand.seed(42)
  local z = mat.randn(6, 1)
  t.is(z[4], 0x1.37064cee913cp+0, "mat.randn draws the same stream as rand.normal")

  rand.seed(42)
  local p = rand.perm(10)
  s = ref_new(42)
  local q = {}
  for i = 1, 10 do q[i] = i end
  for i = 10, 2, -1 do
    local j = ref_below(s, i) + 1
    q[i], q[j] = q[j], q[i]
  end
  same = true
  for i = 1, 10 do if p[i] ~= q[i] then same = false end end
  t.ok(same, "rand.perm is the documented Fisher-Yates shuffle")
end

-- ---------------------------------------------------------------------
-- seeding, state, reproducibility
do
  rand.seed(123)
  local a = mat.rand(5, 3)
  rand.seed(123)
  local b = mat.rand(5, 3)
  t.near(a, b, 0, "same seed, same matrix")
  rand.seed(124)
  t.ok(t.maxdiff(a, mat.rand(5, 3)) > 0, "another seed, other numbers")

  rand.seed(9)
  rand.normal()
  local st = rand.state()
  local x1, x2 = rand.normal(), rand.uniform()
  rand.seed(10)
  rand.setstate(st)
  t.is(rand.normal(), x1, "setstate restores the stream (normal)")
  t.is(rand.uniform(), x2, "setstate restores the stream (uniform)")
  t.ok(#st == 64 and st:match("^%x+$"), "state is 64 hex digits")

  local used = rand.seed()
  t.ok(math.type(used) == "integer", "rand.seed() returns the seed it used")
  local u1 = rand.uniform()
  rand.seed(used)
  t.is(rand.uniform(), u1, "the returned seed reproduces the stream")
  t.is(rand.seed(3.0), 3, "an integral float is accepted as a seed")
  t.is(rand.seed(-1), -1, "a negative seed is accepted (as 2^64 - 1)")
end

-- ---------------------------------------------------------------------
-- statistics over 10^5 draws
do
  rand.seed(2718)
  local n = 100000
  local u = mat.rand(n)
  local m, v, lo, hi = 0, 0, 1, 0
  for k = 1, n do
    local x = u[k]
    m = m + x
    lo = math.min(lo, x)
    hi = math.max(hi, x)
  end
  m = m / n
  for k = 1, n do v = v + (u[k] - m) ^ 2 end
  v = v / (n - 1)
  t.ok(lo >= 0 and hi < 1, "mat.rand values lie in [0, 1)")
  t.near(m, 0.5, 5 * math.sqrt(1 / 12 / n), "uniform mean 1/2")
  t.near(v, 1 / 12, 0.002, "uniform variance 1/12")

  local z = mat.randn(n, 1)
  local s1, s2, s3, s4 = 0, 0, 0, 0
  for k = 1, n do
    local x = z[k]
    s1, s2, s3, s4 = s1 + x, s2 + x * x, s3 + x ^ 3, s4 + x ^ 4
  end
  t.near(s1 / n, 0, 5 / math.sqrt(n), "normal mean 0")
  t.near(s2 / n, 1, 5 * math.sqrt(2 / n), "normal variance 1")
  t.near(s3 / n, 0, 5 * math.sqrt(15 / n), "normal skewness 0")
  t.near(s4 / n, 3, 5 * math.sqrt(96 / n), "normal kurtosis 3")
  -- tail mass beyond the ziggurat's base, and a standard quantile
  local beyond, within = 0, 0
  for k = 1, n do
    if math.abs(z[k]) > 1.959963984540054 then within = within + 1 end
    if math.abs(z[k]) > 3 then beyond = beyond + 1 end
  end
  t.near(within / n, 0.05, 5 * math.sqrt(0.05 * 0.95 / n), "P(|z| > 1.96) = 0.05")
  t.near(beyond / n, 0.0026998, 5 * math.sqrt(0.0027 / n), "P(|z| > 3) = 0.0027")

  local s, ss = 0, 0
  for _ = 1, 20000 do
    local x = rand.normal(10, 2)
    s, ss = s + x, ss + x * x
  end
  local mean = s / 20000
  t.near(mean, 10, 0.05, "rand.normal(10, 2) mean")
  t.near(math.sqrt(ss / 20000 - mean ^ 2), 2, 0.05, "rand.normal(10, 2) sd")

  local a, b, ok = -3, 5, true
  for _ = 1, 10000 do
    local x = rand.uniform(a, b)
    if x < a or x >= b then ok = false end
  end
  t.ok(ok, "rand.uniform(-3, 5) stays in [-3, 5)")
  t.is(rand.uniform(2, 2), 2, "rand.uniform(a, a) is a")
  t.is(rand.normal(4, 0), 4, "rand.normal(mu, 0) is mu")
end

-- ---------------------------------------------------------------------
-- integers and permutations
do
  rand.seed(31)
  local counts, ok, n = {}, true, 60000
  for _ = 1, n do
    local k = rand.int(1, 6)
    if math.type(k) ~= "integer" or k < 1 or k > 6 then ok = false end
    counts[k] = (counts[k] or 0) + 1
  end
  t.ok(ok, "rand.int(1, 6) gives integers in [1, 6]")
  local chi2 = 0
  for k = 1, 6 do chi2 = chi2 + ((counts[k] or 0) - n / 6) ^ 2 / (n / 6) end
  t.ok(chi2 < 25, string.format("rand.int(1, 6) is uniform (chi2 = %.1f, 5 dof)", chi2))

  local seen = {}
  for _ = 1, 2000 do seen[rand.int(-2, 2)] = true end
  t.ok(seen[-2] and seen[2] and seen[0], "rand.int(-2, 2) reaches both ends")
  t.is(rand.int(7, 7), 7, "rand.int(a, a) is a")
  local r = rand.int(4)
  t.ok(r >= 1 and r <= 4, "rand.int(n) is in [1, n]")
  local big = rand.int(math.mininteger, math.maxinteger)
  t.is(math.type(big), "integer", "full 64-bit range works")
  local hi = rand.int(math.maxinteger - 1, math.maxinteger)
  t.ok(hi >= math.maxinteger - 1, "range at the top of the integers")

  local p = rand.perm(1000)
  t.is(p:rows() .. "x" .. p:cols(), "1000x1", "perm(n) is an n x 1 vector")
  local hit, isperm = {}, true
  for k = 1, 1000 do
    local v = p[k]
    if math.floor(v) ~= v or v < 1 or v > 1000 or hit[v] then isperm = false end
    hit[v] = true
  end
  t.ok(isperm, "perm(1000) is a permutation of 1..1000")
  local fixed = 0
  for k = 1, 1000 do if p[k] == k then fixed = fixed + 1 end end
  t.ok(fixed < 10, "perm(1000) moves almost everything")
  t.is(#rand.perm(0), 0, "perm(0) is empty")
  t.is(rand.perm(1)[1], 1, "perm(1) is {1}")

  -- first position of perm(3) over many draws is uniform
  local first = {0, 0, 0}
  for _ = 1, 6000 do local q = rand.perm(3); first[q[1]] = first[q[1]] + 1 end
  t.ok(math.abs(first[1] - 2000) < 200 and math.abs(first[3] - 2000) < 200,
       "perm(3) puts each value first equally often")
end

-- ---------------------------------------------------------------------
-- matrices
do
  local A = mat.rand(3, 4)
  t.ok(A:rows() == 3 and A:cols() == 4 and not A:iscomplex(), "mat.rand(3, 4) shape")
  t.is(mat.randn(5):cols(), 1, "mat.randn(m) is m x 1")
  t.is(#mat.rand(0, 3), 0, "mat.rand(0, 3) is empty")
  t.is(#mat.randn(4, 0), 0, "mat.randn(4, 0) is empty")
end

-- ---------------------------------------------------------------------
-- bad arguments
t.throws(function() rand.seed("x") end, "bad argument #1 to 'seed'", "seed: string")
t.throws(function() rand.seed(1.5) end, "number has no integer representation",
         "seed: non-integer")
t.throws(function() rand.uniform(1) end, "bad argument #2 to 'uniform'", "uniform: one bound")
t.throws(function() rand.uniform(2, 1) end, "upper bound less than lower bound",
         "uniform: reversed bounds")
t.throws(function() rand.uniform(0, 0 / 0) end, "finite upper bound expected",
         "uniform: NaN bound")
t.throws(function() rand.uniform(-math.huge, 0) end, "finite lower bound expected",
         "uniform: infinite bound")
t.throws(function() rand.uniform(-1e308, 1e308) end, "interval too wide",
         "uniform: overflowing width")
t.throws(function() rand.normal(0, -1) end, "nonnegative standard deviation",
         "normal: negative sigma")
t.throws(function() rand.normal(0 / 0) end, "finite mean expected", "normal: NaN mean")
t.throws(function() rand.normal({}) end, "bad argument #1 to 'normal'", "normal: table")
t.throws(function() rand.int(3, 1) end, "interval is empty", "int: empty interval")
t.throws(function() rand.int(0) end, "interval is empty", "int(0)")
t.throws(function() rand.int(1.5, 3) end, "number has no integer representation",
         "int: non-integer bound")
t.throws(function() rand.int() end, "bad argument #1 to 'int'", "int: no argument")
t.throws(function() rand.perm(-1) end, "nonnegative size expected", "perm: negative")
t.throws(function() rand.perm("a") end, "bad argument #1 to 'perm'", "perm: string")
t.throws(function() rand.setstate("zz") end, "64 hex digits", "setstate: short")
t.throws(function() rand.setstate(string.rep("g", 64)) end, "64 hex digits",
         "setstate: not hex")
t.throws(function() rand.setstate(string.rep("0", 64)) end, "all%-zero state",
         "setstate: zero state")
t.throws(function() rand.setstate() end, "bad argument #1 to 'setstate'",
         "setstate: no argument")
t.throws(function() mat.rand(-1) end, "nonnegative size expected", "mat.rand: negative")
t.throws(function() mat.randn(2, "x") end, "bad argument #2 to 'randn'",
         "mat.randn: bad n")
t.throws(function() mat.rand() end, "bad argument #1 to 'rand'", "mat.rand: no size")
t.throws(function() mat.randn(2 ^ 40, 2 ^ 40) end, "not enough memory",
         "mat.randn: huge size is a memory error")

t.done()

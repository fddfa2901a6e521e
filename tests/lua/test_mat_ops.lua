-- test_mat_ops.lua: arithmetic of tycho.mat: operators and broadcasting,
-- elementwise functions, map, reductions, norms, dot, trace, allclose and
-- in-place updates.  Checked against hand-computed values and closed forms,
-- then (when /usr/bin/python3 has NumPy) against NumPy on fixed data.
local t = require "tap"
local mat = require "tycho.mat"

local inf, nan = math.huge, 0 / 0
local function isnan(x) return x ~= x end

-- a 1x1 complex matrix
local function cx(re, im) return mat.complex(re, im) end
-- real and imaginary parts of a 1x1 complex matrix (or a number)
local function parts(z)
  if type(z) == "number" then return z, 0 end
  return z:real()[1], z:imag()[1]
end
-- a complex m x n matrix from two tables of rows
local function cmat(re, im) return mat.complex(mat(re), mat(im)) end
-- reference product by three loops, real or complex
local function matmul_ref(A, B)
  local m, k = A:size()
  local _, n = B:size()
  local C = mat.zeros(m, n)
  if A:iscomplex() or B:iscomplex() then C = mat.complex(C) end
  for i = 1, m do
    for j = 1, n do
      local s = 0
      for l = 1, k do s = A[{i, l}] * B[{l, j}] + s end
      C[{i, j}] = s
    end
  end
  return C
end
-- a fixed, irregular m x n matrix
local function fixed(m, n, phase)
  local A = mat.zeros(m, n)
  for i = 1, m do
    for j = 1, n do A[{i, j}] = math.sin(i * 1.3 + j * 0.7 + (phase or 0)) end
  end
  return A
end

local A = mat{{1, 2}, {3, 4}}
local B = mat{{5, 6}, {7, 8}}

-- ---------------------------------------------------------------------
-- operators
t.near(A + B, mat{{6, 8}, {10, 12}}, 0, "A + B")
t.near(A - B, mat{{-4, -4}, {-4, -4}}, 0, "A - B")
t.near(-A, mat{{-1, -2}, {-3, -4}}, 0, "-A")
t.near(A * B, mat{{19, 22}, {43, 50}}, 0, "A * B is the matrix product")
t.near(B * A, mat{{23, 34}, {31, 46}}, 0, "B * A")
t.near(A * mat{1, 1}, mat{3, 7}, 0, "matrix times vector")
t.near(mat{{1, 1}} * A, mat{{4, 6}}, 0, "row vector times matrix")
t.near(2 * A, mat{{2, 4}, {6, 8}}, 0, "number * A scales")
t.near(A * 2, mat{{2, 4}, {6, 8}}, 0, "A * number scales")
t.near(A / 2, mat{{0.5, 1}, {1.5, 2}}, 0, "A / number")
t.near(A ^ 2, mat{{1, 4}, {9, 16}}, 0, "A ^ 2 is elementwise")
t.near(A ^ 0.5, mat{{1, math.sqrt(2)}, {math.sqrt(3), 2}}, 1e-15, "A ^ 0.5")
t.near(A ^ -1, mat{{1, 0.5}, {1 / 3, 0.25}}, 0, "A ^ -1")
t.near(2 ^ A, mat{{2, 4}, {8, 16}}, 0, "number ^ A elementwise")
t.near(2 + A, mat{{3, 4}, {5, 6}}, 0, "number + A")
t.near(A - 1, mat{{0, 1}, {2, 3}}, 0, "A - number")
t.near(1 - A, mat{{0, -1}, {-2, -3}}, 0, "number - A")
t.near(A + {{1, 1}, {1, 1}}, mat{{2, 3}, {4, 5}}, 0, "A + table of rows")
t.near(mat{2} * A, 2 * A, 0, "1x1 matrix * A scales")
t.near(A * mat{{2}}, 2 * A, 0, "A * 1x1 matrix scales")
t.near(A / mat{2}, A / 2, 0, "A / 1x1 matrix")
t.near(mat{3} * mat{4}, mat{12}, 0, "1x1 * 1x1")
t.ok(A + B ~= A + B, "__eq is identity: equal values are different matrices")
local S = A + 0
t.ok(S ~= A and S[1] == 1, "A + 0 is a new matrix")
t.is((mat.zeros(2, 0) * mat.zeros(0, 3)):norm(), 0, "2x0 * 0x3 is zeros")
t.is(select(2, (mat.zeros(2, 0) * mat.zeros(0, 3)):size()), 3, "2x0 * 0x3 is 2x3")
t.is((mat.zeros(0, 2) * A):rows(), 0, "0x2 * 2x2 is 0x2")
t.is((mat.zeros(0, 3) + 1):rows(), 0, "empty + number is empty")
t.is(#(mat.zeros(3, 0) + mat.zeros(3, 1)), 0, "3x0 + 3x1 is 3x0")

-- products through BLAS (above the small-size loop), real and complex
do
  local P, Q = fixed(20, 15), fixed(15, 18, 0.3)
  t.near(P * Q, matmul_ref(P, Q), 1e-13, "20x15 * 15x18 (dgemm)")
  local v = fixed(15, 1, 1.1)
  t.near(P * v, matmul_ref(P, v), 1e-13, "20x15 * 15x1 (dgemv)")
  local Pc = mat.complex(P, fixed(20, 15, 2))
  local Qc = mat.complex(Q, fixed(15, 18, 5))
  t.near(Pc * Qc, matmul_ref(Pc, Qc), 1e-13, "complex 20x15 * 15x18 (zgemm)")
  t.near(Pc * mat.complex(v, v), matmul_ref(Pc, mat.complex(v, v)), 1e-13,
         "complex matrix * vector (zgemv)")
  t.near(P * Qc, matmul_ref(P, Qc), 1e-13, "real * complex promotes")
  local a, b = fixed(3, 4), fixed(4, 2, 1)
  t.near(a * b, matmul_ref(a, b), 1e-15, "3x4 * 4x2 (small loop)")
  local ac = mat.complex(a, fixed(3, 4, 2))
  t.near(ac * b, matmul_ref(ac, b), 1e-15, "small complex * real")
end

-- operator errors name both shapes
t.throws(function() return A + mat.zeros(3, 3) end,
         "attempt to add a 2x2 matrix and a 3x3 matrix %(shapes do not broadcast%)",
         "A + 3x3: both shapes in the message")
t.throws(function() return mat.zeros(3, 3) - A end,
         "attempt to subtract a 3x3 matrix and a 2x2 matrix", "3x3 - A")
t.throws(function() return mat.zeros(3, 3) ^ A end,
         "3x3 matrix and a 2x2 matrix %(shapes do not broadcast%)", "3x3 ^ A")
t.throws(function() return A * mat{1, 2, 3} end,
         "attempt to multiply a 2x2 matrix and a 3x1 matrix %(inner dimensions 2 and 3",
         "A * 3x1: inner dimensions")
t.throws(function() return A / B end, "divisor must be a number or a 1x1",
         "A / B is an error")
t.throws(function() return 2 / A end, "divisor must be a number", "2 / A is an error")
t.throws(function() return A + "x" end, "attempt to add a 2x2 matrix and a string value",
         "A + string")
t.throws(function() return A * {} end, "attempt to multiply a 2x2 matrix and a 0x1 matrix",
         "A * {} (an empty vector)")
t.throws(function() return A + true end, "boolean", "A + boolean")
t.throws(function() return A + mat.zeros(3, 3) end, "test_mat_ops.lua:%d+:",
         "operator errors carry the position")

-- an object of another type with its own metamethod does the operation
do
  local obj = setmetatable({}, {__add = function(a, b)
    return (rawequal(a, A) and "A+obj") or "obj+A" end,
    __mul = function() return "mul" end})
  t.is(A + obj, "A+obj", "A + object: the object's __add")
  t.is(obj + A, "obj+A", "object + A")
  t.is(A * obj, "mul", "A * object: the object's __mul")
  t.throws(function() return A - obj end, "attempt to subtract a 2x2 matrix and a table value",
           "A - object without __sub")
end

-- ---------------------------------------------------------------------
-- broadcasting, both ways
local M = mat{{1, 2, 3}, {4, 5, 6}}          -- 2x3
local col = mat{10, 20}                      -- 2x1
local row = mat{{100, 200, 300}}             -- 1x3
t.near(M + col, mat{{11, 12, 13}, {24, 25, 26}}, 0, "2x3 + 2x1")
t.near(col + M, mat{{11, 12, 13}, {24, 25, 26}}, 0, "2x1 + 2x3")
t.near(M + row, mat{{101, 202, 303}, {104, 205, 306}}, 0, "2x3 + 1x3")
t.near(row + M, mat{{101, 202, 303}, {104, 205, 306}}, 0, "1x3 + 2x3")
t.near(M - col, mat{{-9, -8, -7}, {-16, -15, -14}}, 0, "2x3 - 2x1")
t.near(col - M, mat{{9, 8, 7}, {16, 15, 14}}, 0, "2x1 - 2x3")
t.near(row - M, mat{{99, 198, 297}, {96, 195, 294}}, 0, "1x3 - 2x3")
t.throws(function() return col + row end, "2x1 matrix and a 1x3 matrix",
         "2x1 + 1x3 is a shape error naming both shapes (API.md has no outer broadcast)")
t.throws(function() return row:emul(col) end, "1x3 and 2x1",
         "1x3 emul 2x1 is a shape error naming both shapes")
t.near(M + mat{7}, M + 7, 0, "2x3 + 1x1 matrix")
t.near(mat{7} - M, 7 - M, 0, "1x1 matrix - 2x3")
t.near(M:emul(col), mat{{10, 20, 30}, {80, 100, 120}}, 0, "emul 2x3 by 2x1")
t.near(row:emul(M), mat{{100, 400, 900}, {400, 1000, 1800}}, 0, "emul 1x3 by 2x3")
t.near(M:ediv(row), mat{{0.01, 0.01, 0.01}, {0.04, 0.025, 0.02}}, 1e-17, "ediv 2x3 by 1x3")
t.near(col:ediv(M), mat{{10, 5, 10 / 3}, {5, 4, 20 / 6}}, 1e-15, "ediv 2x1 by 2x3")
t.near(M:emul(2), 2 * M, 0, "emul by a number")
t.near(mat.emul(2, M), 2 * M, 0, "mat.emul(number, M)")
t.near(mat.ediv(M, M), mat.ones(2, 3), 0, "mat.ediv(M, M)")
t.near(M:emul(M), M ^ 2, 0, "emul by itself")
t.near(M ^ col, mat{{1, 2 ^ 10, 3 ^ 10}, {4 ^ 20, 5 ^ 20, 6 ^ 20}}, 0, "2x3 ^ 2x1")
t.throws(function() return M:emul(mat.zeros(3, 2)) end,
         "shapes 2x3 and 3x2 do not broadcast", "emul 2x3 by 3x2")
t.throws(function() return mat.emul(M, mat.zeros(2, 2)) end,
         "bad argument #2 to '[%w.]*emul' %(shapes 2x3 and 2x2 do not broadcast%)",
         "mat.emul names argument #2")
t.throws(function() return M:ediv(mat.zeros(3, 1)) end,
         "shapes 2x3 and 3x1 do not broadcast", "ediv 2x3 by 3x1")
t.throws(function() return M + mat.zeros(1, 2) end,
         "attempt to add a 2x3 matrix and a 1x2 matrix", "2x3 + 1x2")

-- ---------------------------------------------------------------------
-- complex: promotion and values
do
  local z = cx(1, 2)                         -- 1 + 2i
  local Z = cmat({{1, 2}, {3, 4}}, {{1, 0}, {0, -1}})
  local R = A + Z
  t.ok(R:iscomplex(), "real + complex is complex")
  t.near(R:real(), mat{{2, 4}, {6, 8}}, 0, "real part of A + Z")
  t.near(R:imag(), mat{{1, 0}, {0, -1}}, 0, "imaginary part of A + Z")
  t.ok((Z - A):iscomplex() and (Z - A):real():norm() == 0, "Z - A")
  local w = z * z
  t.ok(w:iscomplex(), "complex scalar product is complex")
  t.is(select(1, parts(w)), -3, "(1+2i)^2 real part")
  t.is(select(2, parts(w)), 4, "(1+2i)^2 imaginary part")
  local p = z ^ 2
  t.ok(select(1, parts(p)) == -3 and select(2, parts(p)) == 4,
       "z ^ 2 is exact (integer powers by multiplication)")
  local q = z ^ -1                           -- (1 - 2i) / 5
  t.near(q, cx(0.2, -0.4), 1e-16, "z ^ -1")
  t.near(A * cx(0, 1), mat.complex(mat.zeros(2, 2), A), 0, "A * i")
  t.near(cx(0, 1) * A, mat.complex(mat.zeros(2, 2), A), 0, "i * A")
  t.near((A / cx(0, 2)):imag(), -A / 2, 1e-16, "A / 2i")
  t.near(cx(0, 1) + 1, cx(1, 1), 0, "i + 1")
  t.near(A:emul(Z):imag(), mat{{1, 0}, {0, -4}}, 0, "real emul complex")
  t.near(Z:ediv(Z), mat.complex(mat.ones(2, 2)), 1e-16, "Z ediv Z")
  t.near(Z * Z, matmul_ref(Z, Z), 1e-15, "complex product")
  t.near(-Z, cmat({{-1, -2}, {-3, -4}}, {{-1, 0}, {0, 1}}), 0, "-Z")
  t.near(mat{-8} ^ cx(1 / 3, 0), cx(1, math.sqrt(3)), 1e-15,
         "(-8)^(1/3) with a complex exponent is the principal root")
  t.ok(isnan((mat{-8} ^ (1 / 3))[1]), "real (-8)^(1/3) is NaN (as NumPy)")
  t.near(cx(0, 1) ^ cx(0, 1), mat.complex(math.exp(-math.pi / 2)), 1e-15, "i^i")
end

-- ---------------------------------------------------------------------
-- elementwise functions
do
  local x = mat{-2.5, -1, -0.25, 0, 0.5, 1, 3.75}
  local fns = {"exp", "sin", "cos", "tan", "tanh", "floor", "ceil", "abs"}
  for _, name in ipairs(fns) do
    local y = x[name](x)
    local ok = true
    for k = 1, #x do
      local want = math[name] and math[name](x[k])
      if name == "tanh" then want = (math.exp(2 * x[k]) - 1) / (math.exp(2 * x[k]) + 1) end
      if math.abs(y[k] - want) > 1e-15 * math.max(1, math.abs(want)) then ok = false end
    end
    t.ok(ok, "A:" .. name .. "() matches math." .. name)
    t.near(mat[name](x), y, 0, "mat." .. name .. "(A) is A:" .. name .. "()")
  end
  t.near(mat{1, 4, 9}:sqrt(), mat{1, 2, 3}, 0, "sqrt")
  t.near(mat{1, math.exp(2)}:log(), mat{0, 2}, 1e-15, "log")
  t.near(mat{-3, 0, 2}:sign(), mat{-1, 0, 1}, 0, "sign")
  t.ok(isnan(mat{-1}:log()[1]), "log of a negative real is NaN (as NumPy)")
  t.ok(isnan(mat{-4}:sqrt()[1]), "sqrt of a negative real is NaN (as NumPy)")
  t.is(mat{0}:log()[1], -inf, "log 0 = -inf")
  t.ok(isnan(mat{nan}:sign()[1]), "sign of NaN is NaN")
  t.is(mat.exp(0)[1], 1, "mat.exp of a number is a 1x1 matrix")
  t.near(mat{-2, 3}:angle(), mat{math.pi, 0}, 0, "angle of reals")
  t.near(M:real(), M, 0, "real of a real matrix")
  t.near(M:imag(), mat.zeros(2, 3), 0, "imag of a real matrix")
  t.near(M:conj(), M, 0, "conj of a real matrix")
  t.is(mat.zeros(0, 3):exp():cols(), 3, "exp of an empty matrix keeps the shape")

  -- exp: the vectorized kernel against the C library over a wide range,
  -- with the special values inside a long vector
  local n = 4000
  local v = mat.zeros(n, 1)
  for k = 1, n do v[k] = -745 + 1460 * ((k * 0.6180339887498949) % 1) end
  local special = {0, -0.0, 1e-300, 707.9, 708, 709.7, 709.8, -708, -708.4,
                   -745.2, -746, 1000, -1000, inf, -inf, nan, 1, -1, 0.5}
  for i, s in ipairs(special) do v[100 + 37 * i] = s end
  local e = v:exp()
  local worst, bad = 0, 0
  for k = 1, n do
    local want, got = math.exp(v[k]), e[k]
    if want ~= got then
      if isnan(want) ~= isnan(got) or want == inf or got == inf or want == 0 then
        bad = bad + 1
      elseif not isnan(want) then
        local rel = math.abs(got - want) / want
        if rel > worst then worst = rel end
      end
    end
  end
  t.is(bad, 0, "exp: NaN, overflow and underflow as the C library")
  t.ok(worst <= 2.3e-16, "exp within 1 ulp of the C library (" .. worst .. ")")

  -- complex functions
  local i1 = cx(0, math.pi)
  t.near(i1:exp(), cx(-1, 0), 1e-15, "exp(i pi) = -1")
  t.near(cx(-1, 0):log(), cx(0, math.pi), 1e-15, "log(-1 + 0i) = i pi")
  t.near(cx(-4, 0):sqrt(), cx(0, 2), 1e-15, "sqrt(-4 + 0i) = 2i")
  t.near(mat.complex(mat{-4}):sqrt(), cx(0, 2), 1e-15, "complex sqrt of a negative")
  local ab = cx(3, 4):abs()
  t.ok(not ab:iscomplex() and ab[1] == 5, "abs of complex is the real modulus")
  t.near(cx(0, 1):sin(), cx(0, (math.exp(1) - math.exp(-1)) / 2), 1e-15, "sin(i) = i sinh 1")
  t.near(cx(0, 1):cos(), mat.complex((math.exp(1) + math.exp(-1)) / 2), 1e-15, "cos(i) = cosh 1")
  t.near(cx(0, 1):tanh(), cx(0, math.tan(1)), 1e-15, "tanh(i) = i tan 1")
  t.near(cx(0, 1):tan(), cx(0, (math.exp(2) - 1) / (math.exp(2) + 1)), 1e-15, "tan(i) = i tanh 1")
  t.near(cx(2.5, -1.5):floor(), cx(2, -2), 0, "floor acts on each part")
  t.near(cx(2.5, -1.5):ceil(), cx(3, -1), 0, "ceil acts on each part")
  t.near(cx(3, 4):sign(), cx(0.6, 0.8), 1e-16, "sign of complex is z/|z|")
  t.near(cx(0, 0):sign(), cx(0, 0), 0, "sign of complex 0 is 0")
  local an = cx(-1, 1):angle()
  t.ok(not an:iscomplex() and math.abs(an[1] - 3 * math.pi / 4) < 1e-15, "angle")
  t.near(cx(1, 2):conj(), cx(1, -2), 0, "conj")
  t.ok(not cx(1, 2):real():iscomplex() and cx(1, 2):imag()[1] == 2, "real, imag")
end

-- ---------------------------------------------------------------------
-- map
do
  t.near(A:map(function(x) return x * x + 1 end), mat{{2, 5}, {10, 17}}, 0, "map real")
  local seen = {}
  A:map(function(x) seen[#seen + 1] = x; return 0 end)
  t.is(table.concat(seen, ","), "1.0,3.0,2.0,4.0", "map visits column-major")
  local Z = cmat({1, 2}, {3, 4})
  local W = Z:map(function(z) return z * 2 end)
  t.ok(W:iscomplex(), "map of complex is complex")
  t.near(W, 2 * Z, 0, "map complex: f gets 1x1 complex matrices")
  local P = mat{1, 2}:map(function(x) if x == 2 then return cx(0, x) end return x end)
  t.ok(P:iscomplex(), "map promotes when f returns a complex value")
  t.near(P, cmat({1, 0}, {0, 2}), 0, "map promoted values")
  t.throws(function() A:map(function() return "x" end) end,
           "function returned string for element 1", "map: f returns a string")
  t.throws(function() A:map(function() return mat{1, 2} end) end,
           "not 1x1", "map: f returns a vector")
  t.throws(function() A:map(3) end, "function expected", "map: f not a function")
  t.throws(function() A:map(function() error("boom") end) end, "boom", "map: errors pass")
  t.is(mat.zeros(0, 2):map(math.sin):cols(), 2, "map of an empty matrix")
end

-- ---------------------------------------------------------------------
-- reductions
do
  t.is(A:sum(), 10, "sum")
  t.is(A:mean(), 2.5, "mean")
  t.near(A:sum(1), mat{{4, 6}}, 0, "sum(1) per column is 1 x n")
  t.near(A:sum(2), mat{3, 7}, 0, "sum(2) per row is m x 1")
  t.near(M:mean(1), mat{{2.5, 3.5, 4.5}}, 0, "mean(1)")
  t.near(M:mean(2), mat{2, 5}, 0, "mean(2)")
  local v, k = mat{3, 1, 4, 1, 5, 9, 2, 6}:max()
  t.ok(v == 9 and k == 6, "max and its linear index")
  v, k = mat{3, 1, 4, 1, 5}:min()
  t.ok(v == 1 and k == 2, "min: the first of equal minima")
  t.is(math.type(k), "integer", "the index is an integer")
  v, k = M:max()
  t.ok(v == 6 and k == 6, "max of a matrix: linear column-major index")
  v, k = mat{{5, 1}, {2, 7}}:min()
  t.ok(v == 1 and k == 3, "min of a matrix: linear index 3 is (1, 2)")
  local V, I = M:max(1)
  t.near(V, mat{{4, 5, 6}}, 0, "max(1) values")
  t.near(I, mat{{2, 2, 2}}, 0, "max(1) indices within columns")
  V, I = mat{{4, 1, 9}, {2, 8, 3}}:min(2)
  t.near(V, mat{1, 2}, 0, "min(2) values")
  t.near(I, mat{2, 1}, 0, "min(2) indices within rows")
  V, I = mat{{4, 1, 9}, {2, 8, 3}}:max(2)
  t.near(I, mat{3, 2}, 0, "max(2) indices")
  V, I = mat{{1, 5, 5}}:max(2)
  t.is(I[1], 2, "max(2): the first of equal maxima")

  -- complex: sum and mean are 1x1 complex; min/max compare the modulus
  local Z = cmat({1, -3, 2}, {1, 0, -2})    -- |.| = 1.41, 3, 2.83
  local s = Z:sum()
  t.ok(s:iscomplex() and s:real()[1] == 0 and s:imag()[1] == -1, "complex sum")
  t.near(Z:mean(), cx(0, -1 / 3), 1e-16, "complex mean")
  local zm, zk = Z:max()
  t.ok(zm:iscomplex() and zm:real()[1] == -3 and zk == 2, "complex max by modulus")
  zm, zk = Z:min()
  t.ok(zk == 1 and zm:imag()[1] == 1, "complex min by modulus")
  t.near(cmat({{1, 2}}, {{3, 4}}):sum(1), cmat({{1, 2}}, {{3, 4}}), 0, "complex sum(1)")
  t.near(cmat({{1, 2}}, {{3, 4}}):sum(2), cx(3, 7), 0, "complex sum(2)")
  local CV, CI = cmat({{1, 0}, {0, 3}}, {{0, 2}, {1, 0}}):max(1)
  t.ok(CV:iscomplex() and CI[1] == 1 and CI[2] == 2, "complex max(1)")

  -- NaN propagates as in NumPy: min/max return NaN and the first NaN's index
  local w = mat{1, nan, 3, nan}
  v, k = w:max()
  t.ok(isnan(v) and k == 2, "max with NaN is NaN at the first NaN")
  v, k = w:min()
  t.ok(isnan(v) and k == 2, "min with NaN is NaN at the first NaN")
  t.ok(isnan(w:sum()), "sum with NaN is NaN")
  V, I = mat{{1, nan}, {3, 4}}:max(1)
  t.ok(V[1] == 3 and isnan(V[2]) and I[2] == 1, "max(1) with NaN in a column")
  V, I = mat{{1, nan, 5}, {3, 4, 2}}:min(2)
  t.ok(isnan(V[1]) and I[1] == 2 and V[2] == 2 and I[2] == 3, "min(2) with NaN in a row")
  v, k = mat{nan, 1}:min()
  t.ok(isnan(v) and k == 1, "NaN first")
  v, k = mat{-inf, 1, inf}:max()
  t.ok(v == inf and k == 3, "max with infinities")

  -- empty matrices
  local E = mat.zeros(0, 3)
  t.is(E:sum(), 0, "sum of empty is 0")
  t.ok(isnan(E:mean()), "mean of empty is NaN")
  t.near(E:sum(1), mat.zeros(1, 3), 0, "sum(1) of 0x3 is 1x3 zeros")
  t.is(E:sum(2):rows(), 0, "sum(2) of 0x3 is 0x1")
  t.ok(isnan(E:mean(1)[2]), "mean(1) of 0x3 is NaN")
  t.throws(function() return E:min() end, "empty matrix has no minimum", "min of empty")
  t.throws(function() return mat.zeros(0, 0):max() end, "no maximum", "max of 0x0")
  t.throws(function() return E:max(1) end, "along dimension 1", "max(1) of 0x3")
  V, I = E:max(2)
  t.ok(V:rows() == 0 and I:rows() == 0, "max(2) of 0x3 is 0x1")
  t.is(mat.zeros(3, 0):min(1):cols(), 0, "min(1) of 3x0 is 1x0")

  -- pairwise summation keeps a long sum accurate
  local long = mat.fill(1000000, 1, 0.1)
  t.ok(math.abs(long:sum() - 100000) < 1e-9, "sum of 1e6 x 0.1 is accurate")
  t.ok(math.abs(long:mean() - 0.1) < 1e-16, "mean of 1e6 x 0.1")
  t.ok(math.abs(long:reshape(1000, 1000):sum(1):sum() - 100000) < 1e-9, "sum(1) then sum")
  t.ok(math.abs(long:reshape(1000, 1000):sum(2)[1] - 100) < 1e-11, "sum(2) of a row")

  t.throws(function() return A:sum(3) end, "dimension must be 1 or 2", "sum(3)")
  t.throws(function() return A:max(0) end, "dimension must be 1 or 2", "max(0)")
  t.throws(function() return A:mean("x") end, "number expected", "mean('x')")
  t.throws(function() return A:min(1.5) end, "integer", "min(1.5)")
end

-- ---------------------------------------------------------------------
-- norms
do
  local x = mat{3, -4}
  t.is(x:norm(), 5, "vector 2-norm")
  t.is(x:norm(1), 7, "vector 1-norm")
  t.is(x:norm(math.huge), 4, "vector inf-norm")
  t.near(x:norm(3), (27 + 64) ^ (1 / 3), 1e-15, "vector 3-norm")
  t.near(mat{1, 2, 3}:norm(4), (1 + 16 + 81) ^ 0.25, 1e-15, "vector 4-norm")
  t.is(mat{{3, -4}}:norm(), 5, "row vector is a vector")
  t.is(x:norm("fro"), 5, "fro of a vector is its 2-norm")
  t.near(mat{1e200, 1e200}:norm(), math.sqrt(2) * 1e200, 1e186, "2-norm does not overflow")
  t.near(mat{3e-200, 4e-200}:norm(), 5e-200, 1e-214, "2-norm does not underflow")
  t.near(mat{1e300, 1e300}:norm(3), 2 ^ (1 / 3) * 1e300, 1e286, "3-norm scaled")
  t.ok(isnan(mat{1, nan}:norm()), "NaN norm")
  t.ok(isnan(mat{inf, nan}:norm(1)), "NaN wins over Inf")
  t.is(mat{1, -inf}:norm(), inf, "Inf norm")
  t.is(mat.zeros(0, 1):norm(), 0, "norm of an empty vector")
  t.is(mat{0, 0}:norm(3), 0, "3-norm of zeros")
  t.near(cmat({3, 0}, {4, 0}):norm(), 5, 1e-15, "complex vector 2-norm")
  t.near(cmat({3, 0}, {4, 1}):norm(1), 6, 1e-15, "complex vector 1-norm")

  -- matrices: A = [1 2; 3 4]
  t.near(A:norm(), math.sqrt(30), 1e-15, "Frobenius (default)")
  t.near(A:norm("fro"), math.sqrt(30), 1e-15, "Frobenius by name")
  t.is(A:norm(1), 6, "matrix 1-norm: largest column sum")
  t.is(A:norm(math.huge), 7, "matrix inf-norm: largest row sum")
  local s1 = math.sqrt((30 + math.sqrt(884)) / 2)   -- eigenvalues of A^T A
  t.near(A:norm(2), s1, 1e-14, "matrix 2-norm: largest singular value")
  t.near(A:norm("nuc"), s1 + 2 / s1, 1e-14, "nuclear norm: s1 + s2, s1 s2 = |det A|")
  t.near(mat{{0, 0, 0}, {0, 0, 5}}:norm(2), 5, 1e-15, "2-norm of a 2x3")
  local D = cmat({{0, 0}, {0, 4}}, {{3, 0}, {0, 0}})
  t.near(D:norm(2), 4, 1e-14, "complex 2-norm (zgesdd)")
  t.near(D:norm(1), 4, 1e-15, "complex 1-norm")
  t.near(D:norm(), 5, 1e-15, "complex Frobenius")
  local Q = mat{{0.6, -0.8}, {0.8, 0.6}}
  t.near((Q * 7):norm(2), 7, 1e-14, "2-norm of 7 times a rotation")
  t.ok(isnan(mat{{1, nan}, {3, 4}}:norm(2)), "2-norm with NaN is NaN (no LAPACK call)")
  t.is(mat{{1, inf}, {3, 4}}:norm(2), inf, "2-norm with Inf is Inf")
  t.is(mat.zeros(0, 3):norm(2), 0, "2-norm of 0x3")
  t.is(mat.zeros(3, 0):norm(1), 0, "1-norm of 3x0")
  t.is(mat.zeros(0, 3):norm(math.huge), 0, "inf-norm of 0x3")
  t.is(mat.zeros(0, 0):norm(), 0, "norm of 0x0")
  t.is(mat.zeros(2, 2):norm(2), 0, "2-norm of zeros")
  local F = fixed(30, 20)
  t.near(F:norm(2) ^ 2, (F:t() * F):norm(2), 1e-12, "||F||_2^2 = ||F^T F||_2")
  t.ok(F:norm(2) <= F:norm() and F:norm() <= math.sqrt(20) * F:norm(2),
       "||F||_2 <= ||F||_F <= sqrt(rank) ||F||_2")
  t.throws(function() return A:norm(3) end, "matrix norm p must be 1, 2, math.huge",
           "matrix 3-norm is an error")
  t.throws(function() return A:norm("max") end, "invalid option 'max'", "bad norm name")
  t.throws(function() return x:norm(0) end, "p must be positive", "vector 0-norm")
  t.throws(function() return x:norm(-1) end, "p must be positive", "vector -1-norm")
  t.throws(function() return x:norm(nan) end, "p must be positive", "vector NaN-norm")
  t.throws(function() return x:norm({}) end, "number expected", "norm({})")
end

-- ---------------------------------------------------------------------
-- dot, trace, allclose
do
  t.is(mat{1, 2, 3}:dot(mat{4, 5, 6}), 32, "dot")
  t.is(mat{1, 2, 3}:dot(mat{{4, 5, 6}}), 32, "dot of a column and a row")
  t.is(mat{1, 2, 3}:dot({4, 5, 6}), 32, "dot with a table")
  t.is(A:dot(B), 70, "dot of two matrices (all elements)")
  local a = cmat({1, 2}, {1, 0})            -- 1 + i, 2
  local b = cmat({3, 0}, {0, 4})            -- 3, 4i
  t.near(a:dot(b), cx(3, 5), 1e-15, "complex dot conjugates the first (vdot)")
  t.near(b:dot(a), cx(3, -5), 1e-15, "vdot(b, a) = conj vdot(a, b)")
  t.near(a:dot(mat{1, 1}), cx(3, -1), 1e-15, "complex . real")
  t.near(mat{1, 1}:dot(b), cx(3, 4), 1e-15, "real . complex")
  t.is(mat.zeros(0, 1):dot(mat.zeros(0, 1)), 0, "dot of empty vectors")
  t.throws(function() return mat{1, 2}:dot(mat{1, 2, 3}) end,
           "shapes 2x1 and 3x1 do not match", "dot of different lengths")
  t.throws(function() return A:dot(mat{1, 2, 3, 4}) end,
           "shapes 2x2 and 4x1 do not match", "dot of a matrix and a vector")

  t.is(A:trace(), 5, "trace")
  t.is(M:trace(), 6, "trace of a 2x3 sums the main diagonal (as NumPy)")
  t.is(mat.zeros(0, 0):trace(), 0, "trace of 0x0")
  t.near(cmat({{1, 0}, {0, 2}}, {{1, 0}, {0, -3}}):trace(), cx(3, -2), 0, "complex trace")

  t.ok(mat.allclose(A, A + 1e-12), "allclose within rtol")
  t.ok(not mat.allclose(A, A + 1e-6), "not allclose")
  t.ok(mat.allclose(A, A + 1e-6, 1e-5), "allclose with a looser rtol")
  t.ok(mat.allclose(mat{0}, mat{1e-12}, 0, 1e-10), "allclose with atol")
  t.ok(not mat.allclose(mat{0}, mat{1e-12}), "0 and 1e-12 are not close by rtol")
  t.ok(not mat.allclose(A, mat{1, 2, 3, 4}), "different shapes are not close")
  t.ok(not mat.allclose(mat{nan}, mat{nan}), "NaN is never close")
  t.ok(mat.allclose(mat{inf, -inf}, mat{inf, -inf}), "equal infinities are close")
  t.ok(not mat.allclose(mat{1}, mat{inf}), "1 and Inf are not close")
  t.ok(not mat.allclose(mat{inf}, mat{-inf}), "Inf and -Inf are not close")
  t.ok(mat.allclose(cx(1, 1), cx(1, 1 + 1e-12)), "complex allclose")
  t.ok(not mat.allclose(cx(1, 1), cx(1, 1.1)), "complex not close")
  t.ok(mat.allclose(mat{2}, 2), "a number is 1x1")
  t.ok(A:allclose(A), "allclose as a method")
  t.ok(mat.allclose(mat.zeros(0, 2), mat.zeros(0, 2)), "empty matrices are close")
  t.throws(function() return mat.allclose(A, A, -1) end, "rtol must be nonnegative", "rtol < 0")
  t.throws(function() return mat.allclose(A, A, 0, nan) end, "atol must be nonnegative", "atol NaN")
  t.throws(function() return mat.allclose(A, "x") end, "tycho.mat expected", "allclose(A, 'x')")
end

-- ---------------------------------------------------------------------
-- in place
do
  local Y = mat{{1, 2}, {3, 4}}
  local r = Y:add_(mat{{1, 1}, {1, 1}})
  t.ok(rawequal(r, Y), "add_ returns the matrix itself")
  t.near(Y, mat{{2, 3}, {4, 5}}, 0, "add_")
  Y:add_(A, -2)
  t.near(Y, mat{{0, -1}, {-2, -3}}, 0, "add_ with alpha")
  Y:add_(mat{10, 20})
  t.near(Y, mat{{10, 9}, {18, 17}}, 0, "add_ broadcasts a column")
  Y:add_(mat{{1, 2}}, 0.5)
  t.near(Y, mat{{10.5, 10}, {18.5, 18}}, 0, "add_ broadcasts a row")
  Y:add_(1)
  t.near(Y, mat{{11.5, 11}, {19.5, 19}}, 0, "add_ a number")
  Y:add_(Y)
  t.near(Y, mat{{23, 22}, {39, 38}}, 0, "add_ itself")
  t.throws(function() Y:add_(mat.zeros(3, 3)) end,
           "a 3x3 matrix does not broadcast to 2x2", "add_ of a 3x3 to a 2x2")
  t.throws(function() mat{1, 2}:add_(mat{{1, 2}}) end,
           "1x2 matrix does not broadcast to 2x1", "add_ must keep the shape")
  t.throws(function() Y:add_(cx(0, 1)) end, "complex matrix cannot be added in place",
           "add_ complex to real")
  t.throws(function() Y:add_(A, cx(0, 1)) end, "complex alpha", "add_ complex alpha to real")
  t.throws(function() Y:add_(A, mat{1, 2}) end, "number or 1x1 matrix expected, got 2x1",
           "add_ alpha not a scalar")
  t.throws(function() mat.methods.add_({1, 2}, 1) end, "tycho.mat expected",
           "add_ on a table")

  local Z = mat.complex(mat{1, 2})
  Z:add_(mat{1, 1}, cx(0, 1))
  t.near(Z, cmat({1, 2}, {1, 1}), 0, "complex add_ with a real matrix and complex alpha")
  Z:add_(cmat({1, 1}, {1, 1}))
  t.near(Z, cmat({2, 3}, {2, 2}), 0, "complex add_ complex")
  Z:scale_(cx(0, 1))
  t.near(Z, cmat({-2, -2}, {2, 3}), 0, "scale_ complex by i")
  Z:scale_(2)
  t.near(Z, cmat({-4, -4}, {4, 6}), 0, "scale_ complex by a real")
  Z:fill_(cx(1, -1))
  t.near(Z, cmat({1, 1}, {-1, -1}), 0, "fill_ complex")
  Z:copy_(mat{5, 6})
  t.near(Z, cmat({5, 6}, {0, 0}), 0, "copy_ a real into a complex")

  local X = mat.zeros(2, 2)
  t.ok(rawequal(X:scale_(3), X), "scale_ returns the matrix")
  X:fill_(2)
  t.near(X, mat.fill(2, 2, 2), 0, "fill_")
  X:scale_(mat{3})
  t.near(X, mat.fill(2, 2, 6), 0, "scale_ by a 1x1")
  t.ok(rawequal(X:copy_(A), X), "copy_ returns the matrix")
  t.near(X, A, 0, "copy_")
  X:copy_(X)
  t.near(X, A, 0, "copy_ itself")
  t.throws(function() X:copy_(mat{1, 2, 3, 4}) end, "2x2 matrix expected, got 4x1",
           "copy_ needs the same shape")
  t.throws(function() X:copy_(cx(1, 1) + mat.zeros(2, 2)) end,
           "complex matrix cannot be copied into a real", "copy_ complex into real")
  t.throws(function() X:scale_(cx(0, 1)) end, "complex scale", "scale_ real by complex")
  t.throws(function() X:fill_(cx(0, 1)) end, "complex value", "fill_ real with complex")
  t.throws(function() X:fill_("x") end, "number or 1x1 matrix expected", "fill_ a string")
  t.throws(function() X:scale_() end, "number or 1x1 matrix expected", "scale_ nothing")
  local E = mat.zeros(0, 2)
  t.ok(rawequal(E:add_(1):scale_(2):fill_(3), E), "in-place ops on empty matrices")
end

-- ---------------------------------------------------------------------
-- NaN and Inf in arithmetic
do
  local w = mat{1, nan, inf, -inf}
  local s = w + 1
  t.ok(s[1] == 2 and isnan(s[2]) and s[3] == inf and s[4] == -inf, "NaN and Inf in +")
  local q = mat{1, -1, 0}:ediv(0)
  t.ok(q[1] == inf and q[2] == -inf and isnan(q[3]), "division by zero as IEEE")
  local p = mat{inf} - mat{inf}
  t.ok(isnan(p[1]), "inf - inf is NaN")
  t.ok(isnan((mat{nan} * 0)[1]), "NaN * 0 is NaN")
end

-- ---------------------------------------------------------------------
-- bad arguments
do
  t.throws(function() return mat.exp("x") end, "tycho.mat expected, got string", "exp('x')")
  t.throws(function() return mat.exp() end, "tycho.mat expected, got no value", "exp()")
  t.throws(function() return mat.emul(A) end, "tycho.mat expected, got no value", "emul(A)")
  t.throws(function() return A:emul(nil) end, "tycho.mat expected, got nil", "A:emul(nil)")
  t.throws(function() return A:emul({1, "x"}) end, "table of numbers expected", "emul bad table")
  t.throws(function() return A:dot() end, "tycho.mat expected", "dot()")
  t.throws(function() return mat.methods.sum("x") end, "tycho.mat expected", "sum('x')")
  t.throws(function() return A:norm(true) end, "number expected", "norm(true)")
  t.throws(function() return -mat.methods end, "attempt to perform arithmetic", "-table")
end

-- ---------------------------------------------------------------------
-- a loop of temporaries keeps memory bounded (storage is collected)
do
  local function rss_kb()
    local f = io.open("/proc/self/status")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return tonumber(s:match("VmRSS:%s*(%d+)"))
  end
  -- AddressSanitizer keeps freed memory in quarantine: RSS says nothing
  local function asan()
    local f = io.open("/proc/self/maps")
    if not f then return false end
    local s = f:read("a")
    f:close()
    return s:find("libasan") ~= nil
  end
  local before = rss_kb()
  if before and asan() then
    t.skip("memory bound under AddressSanitizer (quarantine)")
  elseif before then
    local x, y = mat.zeros(1000, 1), mat.ones(1000, 1)
    for _ = 1, 100000 do x = x + y end
    collectgarbage()
    local after = rss_kb()
    t.is(x[1000], 100000, "the loop computed")
    t.ok(after - before < 50 * 1024,
         string.format("100000 temporaries of 1000x1: RSS grew %.1f MB", (after - before) / 1024))
  else
    t.skip("no /proc/self/status")
  end
end

-- ---------------------------------------------------------------------
-- NumPy cross-checks on fixed data
do
  local py = "/usr/bin/python3"
  local ok = os.execute(py .. " -c 'import numpy' 2>/dev/null")
  if not ok then
    t.skip("NumPy cross-checks: /usr/bin/python3 with numpy not found")
  else
    local P = fixed(6, 5)
    local Zr, Zi = fixed(4, 3, 1), fixed(4, 3, 2)
    local function rows(X)
      local out = {}
      for i = 1, X:rows() do
        local r = {}
        for j = 1, X:cols() do r[j] = string.format("%.17g", X[{i, j}]) end
        out[i] = "[" .. table.concat(r, ",") .. "]"
      end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write("import numpy as np\n",
            "P = np.array(", rows(P), ")\n",
            "Z = np.array(", rows(Zr), ") + 1j * np.array(", rows(Zi), ")\n",
            "out = [np.linalg.norm(P, 2), np.linalg.norm(P, 'nuc'), np.linalg.norm(P, 1),\n",
            "       np.linalg.norm(P, np.inf), np.linalg.norm(P),\n",
            "       np.linalg.norm(Z, 2), np.linalg.norm(Z, 'nuc'), np.linalg.norm(Z, 1),\n",
            "       np.linalg.norm(P[:, 0], 3), P.sum(), P.mean(), P.max(), np.argmax(P.flatten('F')) + 1.0,\n",
            "       np.vdot(Z[:, 0], Z[:, 1]).real, np.vdot(Z[:, 0], Z[:, 1]).imag]\n",
            "out += list(P.sum(axis=0)) + list(P.mean(axis=1)) + list(P.min(axis=0))\n",
            "out += [x + 1.0 for x in P.argmin(axis=0)] + [x + 1.0 for x in P.argmax(axis=1)]\n",
            "E = np.exp(Z); S = np.sqrt(Z); L = np.log(Z); W = Z ** 3; T = np.tanh(Z)\n",
            "for X in (E, S, L, W, T): out += list(X.real.flatten('F')) + list(X.imag.flatten('F'))\n",
            "print(' '.join(repr(float(x)) for x in out))\n")
    f:close()
    local p = io.popen(py .. " " .. script)
    local text = p:read("a")
    p:close()
    os.remove(script)
    local np = {}
    for w in text:gmatch("%S+") do np[#np + 1] = tonumber(w) end
    local Z = mat.complex(Zr, Zi)
    local z01 = Z:col(1):dot(Z:col(2))
    local mine = {P:norm(2), P:norm("nuc"), P:norm(1), P:norm(math.huge), P:norm(),
                  Z:norm(2), Z:norm("nuc"), Z:norm(1), P:col(1):norm(3), P:sum(), P:mean(),
                  (P:max()), select(2, P:max()), z01:real()[1], z01:imag()[1]}
    local function append(X) for k = 1, #X do mine[#mine + 1] = X[k] end end
    append(P:sum(1)); append(P:mean(2)); append(P:min(1))
    append(select(2, P:min(1))); append(select(2, P:max(2)))
    for _, X in ipairs{Z:exp(), Z:sqrt(), Z:log(), Z ^ 3, Z:tanh()} do
      append(X:real()); append(X:imag())
    end
    t.is(#np, #mine, "NumPy returned every value")
    local worst, at = 0, 0
    for k = 1, math.min(#np, #mine) do
      local d = math.abs(np[k] - mine[k]) / math.max(1, math.abs(np[k]))
      if d > worst then worst, at = d, k end
    end
    if worst >= 1e-13 then print("# worst at value " .. at, np[at], mine[at]) end
    t.ok(worst < 1e-13, "norms, reductions, vdot and complex functions match NumPy ("
         .. worst .. ")")
  end
end

t.done()

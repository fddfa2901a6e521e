-- test_sparse.lua: sparse matrices (CSR) against dense equivalents computed
-- here element by element, closed forms for the Laplacian, and a sweep of
-- bad inputs.
local t = require "tap"
local sparse = require "tycho.sparse"
local mat = require "tycho.mat"

-- ---------------------------------------------------------------------
-- dense reference helpers (plain loops, independent of the mat module's
-- arithmetic)

local function dense_mul(A, B)
  local m, k = A:size()
  local _, n = B:size()
  local C = mat.zeros(m, n)
  for i = 1, m do
    for j = 1, n do
      local s = 0
      for p = 1, k do s = s + A[{i, p}] * B[{p, j}] end
      C[{i, j}] = s
    end
  end
  return C
end

local function dense_map2(A, B, f)
  local m, n = A:size()
  local C = mat.zeros(m, n)
  for i = 1, m do
    for j = 1, n do C[{i, j}] = f(A[{i, j}], B[{i, j}]) end
  end
  return C
end

local function dense_t(A)
  local m, n = A:size()
  local T = mat.zeros(n, m)
  for i = 1, m do for j = 1, n do T[{j, i}] = A[{i, j}] end end
  return T
end

-- the real and imaginary parts of a complex matrix (through totable, so
-- only construction and indexing of mats are needed)
local function parts(Z)
  local m, n = Z:size()
  local re, im = mat.zeros(m, n), mat.zeros(m, n)
  local rows = Z:totable()
  for i = 1, m do
    for j = 1, n do
      local z = (m == 1 or n == 1) and rows[(m == 1) and j or i] or rows[i][j]
      re[{i, j}], im[{i, j}] = z[1], z[2]
    end
  end
  return re, im
end

-- a reproducible m x n dense matrix with about `density` nonzeros
local seed = 12345
local function lcg()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local function random_dense(m, n, density)
  local A = mat.zeros(m, n)
  for i = 1, m do
    for j = 1, n do
      if lcg() < density then A[{i, j}] = math.floor(lcg() * 19) - 9 + 0.5 end
    end
  end
  return A
end

-- ---------------------------------------------------------------------
-- construction from triplets

do
  local S = sparse.new({1, 2, 2, 3, 1}, {1, 2, 2, 3, 3}, {4, 1, 2, 5, -1}, 3, 4)
  t.ok(sparse.issparse(S) and sparse.check(S), "new: valid CSR")
  t.is(S:nnz(), 4, "new: duplicates summed into one entry")
  t.is(S[{2, 2}], 3.0, "new: duplicate values summed")
  local m, n = S:size()
  t.ok(m == 3 and n == 4 and S:rows() == 3 and S:cols() == 4, "new: size")
  t.near(S:todense(), mat{{4, 0, -1, 0}, {0, 3, 0, 0}, {0, 0, 5, 0}}, 0,
         "new: todense")
  t.is(S[{3, 4}], 0.0, "index: absent entry is 0")

  -- the same triplets in another order give the same matrix
  local T = sparse.new({3, 1, 2, 1, 2}, {3, 3, 2, 1, 2}, {5, -1, 2, 4, 1}, 3, 4)
  t.ok(S == T, "new: independent of triplet order")

  -- default sizes from the largest indices; a number for all values
  local U = sparse.new(mat{1, 5}, mat{2, 3}, 7)
  t.ok(U:rows() == 5 and U:cols() == 3 and U[{5, 3}] == 7, "new: default m, n; scalar V")

  -- explicit zeros are kept, dropzeros removes them
  local Z = sparse.new({1, 1, 2}, {1, 1, 2}, {1, -1, 0}, 2, 2)
  t.is(Z:nnz(), 2, "new: cancelled duplicates and explicit zeros are stored")
  t.is(Z:dropzeros():nnz(), 0, "dropzeros removes them")
  t.ok(Z == sparse.new({}, {}, {}, 2, 2), "== treats stored zeros as zeros")

  -- many duplicates on one entry
  local I, J = {}, {}
  for k = 1, 1000 do I[k] = 2; J[k] = 3 end
  local D = sparse.new(I, J, 0.5, 4, 4)
  t.ok(D:nnz() == 1 and D[{2, 3}] == 500, "new: 1000 duplicates summed")

  -- find round trip
  local R = sparse.from(random_dense(7, 9, 0.3))
  local Ii, Jj, Vv = R:find()
  t.ok(#Ii == R:nnz() and #Jj == R:nnz() and #Vv == R:nnz(), "find: lengths")
  t.ok(sparse.new(Ii, Jj, Vv, R:size()) == R, "find then new: same matrix")
  local sorted = true
  for k = 2, #Ii do
    if Ii[k] < Ii[k - 1] or (Ii[k] == Ii[k - 1] and Jj[k] <= Jj[k - 1]) then
      sorted = false
    end
  end
  t.ok(sorted, "find: row order, columns increasing")
end

-- ---------------------------------------------------------------------
-- dense conversions, eye, diag

do
  local A = random_dense(6, 5, 0.4)
  local S = sparse.from(A)
  t.ok(sparse.check(S), "from: valid CSR")
  t.near(S:todense(), A, 0, "from then todense: round trip")
  local count = 0
  for k = 1, #A do if A[k] ~= 0 then count = count + 1 end end
  t.is(S:nnz(), count, "from: stores exactly the nonzeros")
  local B = sparse.from({{1, 1e-12, 0}, {-2e-10, 0, 3}}, 1e-9)
  t.ok(B:nnz() == 2 and B[{1, 2}] == 0 and B[{2, 3}] == 3, "from: droptol")
  t.is(sparse.from(B, 2):nnz(), 1, "from(sparse, tol) filters")

  local E = sparse.eye(4)
  t.near(E:todense(), mat.eye(4), 0, "eye(n)")
  t.near(sparse.eye(2, 4):todense(), mat.eye(2, 4), 0, "eye(m, n) wide")
  t.near(sparse.eye(4, 2):todense(), mat.eye(4, 2), 0, "eye(m, n) tall")
  t.ok(sparse.check(sparse.eye(4, 2)) and sparse.check(sparse.eye(2, 4)),
       "eye: valid CSR")

  for _, k in ipairs({0, 1, 2, -1, -3}) do
    local D = sparse.diag({1, 2, 3}, k)
    t.ok(sparse.check(D), "diag k=" .. k .. ": valid CSR")
    t.near(D:todense(), mat.diag(mat{1, 2, 3}, k), 0, "diag k=" .. k)
  end
  local d0 = sparse.diag({1, 0, 3})
  t.is(d0:nnz(), 3, "diag keeps zeros of v")

  -- S:diag(k) against the dense diagonal
  local R = sparse.from(random_dense(5, 7, 0.5))
  local Rd = R:todense()
  for _, k in ipairs({0, 1, 3, 6, 7, -1, -4, -5}) do
    t.near(R:diag(k), Rd:diag(k), 0, "S:diag(" .. k .. ")")
  end
end

-- ---------------------------------------------------------------------
-- the Laplacian

do
  local L1 = sparse.laplacian(5)
  local want = mat.zeros(5, 5)
  for i = 1, 5 do
    want[{i, i}] = 2
    if i > 1 then want[{i, i - 1}] = -1 end
    if i < 5 then want[{i, i + 1}] = -1 end
  end
  t.near(L1:todense(), want, 0, "laplacian 1D: tridiagonal (-1, 2, -1)")
  t.ok(sparse.check(L1) and L1 == L1:t(), "laplacian 1D: valid and symmetric")

  -- closed-form eigenpairs: v_p(i) = sin(i p pi/(n+1)),
  -- lambda_p = 2 - 2 cos(p pi/(n+1))
  local n = 12
  local L = sparse.laplacian(n)
  local worst = 0
  for p = 1, n do
    local v = mat.zeros(n, 1)
    for i = 1, n do v[i] = math.sin(i * p * math.pi / (n + 1)) end
    local lam = 2 - 2 * math.cos(p * math.pi / (n + 1))
    local Lv = L * v
    for i = 1, n do worst = math.max(worst, math.abs(Lv[i] - lam * v[i])) end
  end
  t.ok(worst < 1e-13, "laplacian 1D: L v_p = lambda_p v_p (closed form)")
  local linalg = package.loaded["tycho.linalg"]
  local ok, w = pcall(function() return linalg.eigh(L:todense()) end)
  if ok and w then
    local exact = mat.zeros(n, 1)
    for p = 1, n do exact[p] = 2 - 2 * math.cos(p * math.pi / (n + 1)) end
    t.near(w, exact, 1e-12, "laplacian 1D: eigh eigenvalues 2 - 2cos(p pi/(n+1))")
  else
    t.skip("linalg.eigh not available yet")
  end

  -- 2D: ordering x fastest, boundary row sums
  local nx, ny = 4, 3
  local L2 = sparse.laplacian(nx, ny)
  t.ok(sparse.check(L2) and L2:rows() == 12, "laplacian 2D: size and valid")
  t.is(L2:nnz(), 12 + 2 * (3 * 3 + 4 * 2), "laplacian 2D: nnz")
  local id = function(i, j) return i + nx * (j - 1) end
  local good = true
  local ones = L2 * mat.ones(12, 1)
  for j = 1, ny do
    for i = 1, nx do
      local p = id(i, j)
      if L2[{p, p}] ~= 4 then good = false end
      if i > 1 and L2[{p, id(i - 1, j)}] ~= -1 then good = false end
      if i < nx and L2[{p, id(i + 1, j)}] ~= -1 then good = false end
      if j > 1 and L2[{p, id(i, j - 1)}] ~= -1 then good = false end
      if j < ny and L2[{p, id(i, j + 1)}] ~= -1 then good = false end
      local missing = (i == 1 and 1 or 0) + (i == nx and 1 or 0) +
                      (j == 1 and 1 or 0) + (j == ny and 1 or 0)
      if ones[p] ~= missing then good = false end
    end
  end
  t.ok(good, "laplacian 2D: stencil at index i + nx*(j-1), row sums = " ..
       "missing neighbours")
  t.ok(L2 == L2:t(), "laplacian 2D: symmetric")
  t.is(L2[{id(4, 1), id(1, 2)}], 0.0, "laplacian 2D: no wrap-around between rows")

  -- 3D
  local L3 = sparse.laplacian(3, 4, 2)
  t.ok(sparse.check(L3) and L3:rows() == 24 and L3 == L3:t(), "laplacian 3D: valid, symmetric")
  t.is(L3:nnz(), 24 + 2 * (2 * 4 * 2 + 3 * 3 * 2 + 3 * 4 * 1), "laplacian 3D: nnz")
  local s3 = L3 * mat.ones(24, 1)
  t.ok(L3[{1, 1}] == 6 and s3[1] == 3, "laplacian 3D: corner has 3 missing neighbours")
  t.ok(L3[{1, 13}] == -1 and L3[{1, 4}] == -1 and L3[{1, 2}] == -1,
       "laplacian 3D: neighbours at +1, +nx, +nx*ny")
  local interior = 2 + 3 * (2 - 1) -- (i, j, k) = (2, 2, 1) has k = 1: boundary
  t.is(s3[interior], 1.0, "laplacian 3D: face point row sum 1")
  -- the eigenvalues of the 3D operator are sums of 1D ones: check the
  -- smallest by its separable eigenvector
  local nx3, ny3, nz3 = 3, 4, 2
  local v = mat.zeros(24, 1)
  for k = 1, nz3 do for j = 1, ny3 do for i = 1, nx3 do
    v[i + nx3 * (j - 1) + nx3 * ny3 * (k - 1)] =
      math.sin(i * math.pi / (nx3 + 1)) * math.sin(j * math.pi / (ny3 + 1)) *
      math.sin(k * math.pi / (nz3 + 1))
  end end end
  local lam = 0
  for _, s in ipairs({nx3, ny3, nz3}) do lam = lam + 2 - 2 * math.cos(math.pi / (s + 1)) end
  local Lv, err = L3 * v, 0
  for p = 1, 24 do err = math.max(err, math.abs(Lv[p] - lam * v[p])) end
  t.ok(err < 1e-13, "laplacian 3D: separable eigenvector")

  t.ok(sparse.laplacian(5, 1) == sparse.laplacian(5) + 2 * sparse.eye(5),
       "laplacian(n, 1) = laplacian(n) + 2I (Dirichlet in y)")

  -- a bigger one, checked by formula: row sums of the 2D operator
  local big = sparse.laplacian(300, 200)
  t.is(big:nnz(), 5 * 60000 - 2 * (300 + 200), "laplacian 300x200: nnz")
  local rs = big * mat.ones(60000, 1)
  local okbig = true
  for j = 1, 200, 37 do for i = 1, 300, 41 do
    local miss = (i == 1 and 1 or 0) + (i == 300 and 1 or 0) +
                 (j == 1 and 1 or 0) + (j == 200 and 1 or 0)
    if rs[i + 300 * (j - 1)] ~= miss then okbig = false end
  end end
  t.ok(okbig and rs[60000] == 2, "laplacian 300x200: row sums")
end

-- ---------------------------------------------------------------------
-- products, transpose, sums against dense loops

do
  local A = random_dense(7, 6, 0.35)
  local S = sparse.from(A)
  local x = mat{1, -2, 0.5, 3, 0, -1}
  t.near(S * x, dense_mul(A, x), 1e-13, "S * x")
  t.near(S * {1, -2, 0.5, 3, 0, -1}, dense_mul(A, x), 1e-13, "S * table")
  for _, k in ipairs({1, 2, 3, 4, 5, 9}) do
    local B = random_dense(6, k, 0.9)
    t.near(S * B, dense_mul(A, B), 1e-12, "S * B with " .. k .. " columns")
  end
  local P = random_dense(3, 7, 0.8)
  t.near(P * S, dense_mul(P, A), 1e-12, "dense * S")
  local Ptab = {{1, 2, 3, 4, 5, 6, 7}}
  t.near(Ptab * S, dense_mul(mat(Ptab), A), 1e-12, "table * S")

  -- complex right-hand sides: real and imaginary parts separately
  local ok, z = pcall(mat.complex, x, mat{0, 1, 2, 3, 4, 5})
  if ok then
    local Sz = S * z
    local re, im = parts(Sz)
    t.ok(Sz:iscomplex(), "S * complex: complex result")
    t.near(re, dense_mul(A, x), 1e-13, "S * complex: real part")
    t.near(im, dense_mul(A, mat{0, 1, 2, 3, 4, 5}), 1e-13,
           "S * complex: imaginary part")
    local B1, B2 = random_dense(6, 3, 0.9), random_dense(6, 3, 0.9)
    local zre, zim = parts(S * mat.complex(B1, B2))
    t.ok(t.maxdiff(zre, dense_mul(A, B1)) < 1e-12 and
         t.maxdiff(zim, dense_mul(A, B2)) < 1e-12, "S * complex matrix")
    local P2 = random_dense(3, 7, 0.8)
    zre, zim = parts(mat.complex(P, P2) * S)
    t.ok(t.maxdiff(zre, dense_mul(P, A)) < 1e-12 and
         t.maxdiff(zim, dense_mul(P2, A)) < 1e-12, "complex dense * S")
  else
    t.skip("mat.complex not available")
  end

  -- transpose
  local T = S:t()
  t.ok(sparse.check(T) and T:rows() == 6 and T:cols() == 7, "S:t(): shape")
  t.near(T:todense(), dense_t(A), 0, "S:t()")
  t.ok(T:t() == S, "S:t():t() == S")

  -- sum, difference, scaling
  local B = random_dense(7, 6, 0.35)
  local R = sparse.from(B)
  local sum, diff = S + R, S - R
  t.ok(sparse.check(sum) and sparse.check(diff), "S + T, S - T: valid CSR")
  t.near(sum:todense(), dense_map2(A, B, function(a, b) return a + b end), 0, "S + T")
  t.near(diff:todense(), dense_map2(A, B, function(a, b) return a - b end), 0, "S - T")
  t.near((S - S):todense(), mat.zeros(7, 6), 0, "S - S is zero")
  t.ok((S - S):dropzeros():nnz() == 0, "S - S has only stored zeros")
  local scaled = dense_map2(A, A, function(a) return 2.5 * a end)
  t.near((2.5 * S):todense(), scaled, 0, "s * S")
  t.near((S * 2.5):todense(), scaled, 0, "S * s")
  t.near((S / 0.4):todense(), scaled, 1e-14, "S / s")
  t.near((-S):todense(), dense_map2(A, A, function(a) return -a end), 0, "-S")
  t.ok(sparse.check(-S), "-S: valid CSR")

  -- sparse times sparse
  local C = random_dense(6, 8, 0.3)
  local SC = S * sparse.from(C)
  t.ok(sparse.issparse(SC) and sparse.check(SC), "S * T: sparse, valid CSR")
  t.near(SC:todense(), dense_mul(A, C), 1e-12, "S * T")
  local L = sparse.laplacian(4, 4)
  t.near((L * L):todense(), dense_mul(L:todense(), L:todense()), 0, "L * L")
  t.ok((L * sparse.eye(16)) == L and (sparse.eye(16) * L) == L, "L * I = I * L = L")
end

-- ---------------------------------------------------------------------
-- indexing and printing

do
  local S = sparse.laplacian(4)
  t.ok(S[{1, 1}] == 2 and S[{1, 2}] == -1 and S[{1, 4}] == 0, "S[{i, j}]")
  t.is(S[{4, 4}], 2.0, "S[{m, n}]")
  t.throws(function() return S[{5, 1}] end, "index {5, 1} out of range for a 4x4", "row out of range")
  t.throws(function() return S[{1, 0}] end, "out of range", "column 0")
  t.throws(function() return S[3] end, "{i, j}", "linear index is an error")
  t.throws(function() return S[{1}] end, "two integers", "{i} is an error")
  t.throws(function() S[{1, 1}] = 3 end, "read%-only", "assignment is an error")
  t.is(S.nosuchmethod, nil, "unknown method is nil")
  local s = tostring(S)
  t.ok(s:find("^4x4 sparse matrix, 10 nonzeros\n"), "tostring: summary line")
  t.ok(s:find("%(1, 1%)%s+2\n") and s:find("%(1, 2%)%s+%-1\n"), "tostring: entries")
  t.ok(tostring(sparse.laplacian(100)):find("%.%.%. %(288 more%)"), "tostring: truncated")
  t.is(tostring(sparse.new({}, {}, {}, 2, 3)), "2x3 sparse matrix, 0 nonzeros", "tostring: empty")
  t.is(tostring(sparse.eye(1)), "1x1 sparse matrix, 1 nonzero\n  (1, 1)   1", "tostring: one entry")
  local mt = debug.getregistry()["tycho.sparse"]
  t.ok(type(mt.__methods) == "table" and mt.__methods.nnz and mt.__methods.todense,
       "__methods for completion")
  t.ok(sparse.methods == mt.__methods, "sparse.methods is the methods table")
end

-- ---------------------------------------------------------------------
-- empty matrices

do
  local E = sparse.new({}, {}, {}, 3, 4)
  t.ok(E:nnz() == 0 and E:rows() == 3 and sparse.check(E), "empty triplets: 3x4, 0 nnz")
  t.near(E:todense(), mat.zeros(3, 4), 0, "empty: todense")
  t.near(E * mat.ones(4, 2), mat.zeros(3, 2), 0, "empty: S * B is zero")
  t.ok(E:t():rows() == 4 and E:t():nnz() == 0, "empty: transpose")
  t.ok((E + E):nnz() == 0 and (E * sparse.new({}, {}, {}, 4, 5)):nnz() == 0,
       "empty: sum and product")
  t.is(#E:diag(), 3, "empty: diag has min(m, n) zeros")
  local Z = sparse.laplacian(0)
  t.ok(Z:rows() == 0 and Z:cols() == 0 and Z:nnz() == 0, "laplacian(0): 0x0")
  t.ok(sparse.laplacian(3, 0):rows() == 0 and sparse.laplacian(0, 2, 2):nnz() == 0,
       "laplacian with a zero size")
  local Y = Z * mat.zeros(0, 1)
  t.ok(Y:rows() == 0 and Y:cols() == 1, "0x0 times 0x1")
  t.ok(sparse.eye(0):nnz() == 0 and sparse.eye(3, 0):rows() == 3, "eye(0), eye(3, 0)")
  t.ok(sparse.from(mat.zeros(0, 3)):cols() == 3, "from an empty dense")
  t.ok(sparse.diag({}):rows() == 0 and sparse.diag({}, 2):rows() == 2, "diag of an empty vector")
  local W = sparse.eye(3, 0) * mat.zeros(0, 2)
  t.ok(W:rows() == 3 and W:cols() == 2 and W[1] == 0, "3x0 times 0x2: zeros")
  local I, J, V = E:find()
  t.ok(#I == 0 and #J == 0 and #V == 0, "empty: find")
  t.ok(sparse.new({}, {}, {}):rows() == 0, "new with nothing: 0x0")
  t.ok(tostring(Z) == "0x0 sparse matrix, 0 nonzeros", "0x0 tostring")
end

-- ---------------------------------------------------------------------
-- bad inputs: clean errors, never a crash

do
  local S = sparse.laplacian(3)
  local bad = {
    {function() return sparse.new({1, 2}, {1}, {1, 2}, 3, 3) end,
     "bad argument #2 to .*2 indices expected", "new: J length"},
    {function() return sparse.new({1, 2}, {1, 2}, {1}, 3, 3) end,
     "bad argument #3 to .*2 values expected", "new: V length"},
    {function() return sparse.new({1, 4}, {1, 1}, {1, 1}, 3, 3) end,
     "bad argument #1 to .*row index 4 at position 2 out of range 1..3", "new: row out of range"},
    {function() return sparse.new({1, 1}, {1, 9}, {1, 1}, 3, 3) end,
     "bad argument #2 to .*column index 9 at position 2 out of range 1..3", "new: column out of range"},
    {function() return sparse.new({0}, {1}, {1}, 3, 3) end,
     "row index at position 1 must be a positive integer, got 0", "new: index 0"},
    {function() return sparse.new({1.5}, {1}, {1}, 3, 3) end,
     "positive integer, got 1.5", "new: fractional index"},
    {function() return sparse.new({0 / 0}, {1}, {1}) end,
     "positive integer", "new: NaN index"},
    {function() return sparse.new({1}, {1}, {0 / 0}, 3, 3) end,
     "bad argument #3 to .*NaN or Inf", "new: NaN value"},
    {function() return sparse.new({1}, {1}, {math.huge}, 3, 3) end,
     "NaN or Inf", "new: Inf value"},
    {function() return sparse.new({1}, {1}, 0 / 0, 3, 3) end,
     "NaN or Inf", "new: NaN scalar value"},
    {function() return sparse.new({1}, {1}, {1}, -1, 3) end,
     "bad argument #4", "new: negative m"},
    {function() return sparse.new("a", {1}, {1}) end,
     "bad argument #1 to .*tycho.mat expected", "new: string"},
    {function() return sparse.new(mat.eye(2), {1, 2, 3, 4}, 1) end,
     "vector expected, got 2x2", "new: matrix of indices"},
    {function() return sparse.new({1}, {1}, mat.complex(mat{1}, mat{1}), 2, 2) end,
     "real vector expected", "new: complex values"},
    {function() return sparse.new({1}, {1}, {1}, 0, 3) end,
     "out of range 1..0", "new: index into 0 rows"},
    {function() return sparse.from(mat{{1, 0 / 0}}) end,
     "NaN or Inf", "from: NaN"},
    {function() return sparse.from(mat{1}, -1) end,
     "nonnegative tolerance", "from: negative droptol"},
    {function() return sparse.from(mat.complex(mat{1}, mat{1})) end,
     "real matrix expected", "from: complex"},
    {function() return sparse.from("x") end, "tycho.mat expected", "from: string"},
    {function() return sparse.eye(-2) end, "nonnegative size", "eye: negative"},
    {function() return sparse.eye(2.5) end, "number has no integer representation", "eye: fractional"},
    {function() return sparse.diag(mat.eye(2)) end, "vector expected, got 2x2", "diag: matrix"},
    {function() return sparse.diag({1, 0 / 0}) end, "NaN or Inf", "diag: NaN"},
    {function() return sparse.diag({1}, math.mininteger) end,
     "diagonal out of range", "diag: k = mininteger"},
    {function() return sparse.laplacian(-1) end, "nonnegative size", "laplacian: negative"},
    {function() return sparse.laplacian("x") end, "number expected", "laplacian: string"},
    {function() return sparse.laplacian(2, 2, 2, 2) end, "at most three", "laplacian: four sizes"},
    {function() return sparse.laplacian(100000, 100000) end, "too large", "laplacian: too large"},
    {function() return S + mat.eye(3) end,
     "sparse matrix expected, got dense matrix", "S + dense"},
    {function() return mat.eye(3) + S end, nil, "dense + S"},
    {function() return S + 1 end, "sparse matrix expected, got number", "S + number"},
    {function() return S - sparse.eye(4) end,
     "shapes differ: 3x3 and 4x4", "S - T shape mismatch"},
    {function() return S * mat.ones(4, 1) end,
     "inner dimensions differ: 3x3 and 4x1", "S * x shape mismatch"},
    {function() return S * sparse.eye(2) end,
     "inner dimensions differ: 3x3 and 2x2", "S * T shape mismatch"},
    {function() return mat.ones(1, 2) * S end, nil, "dense * S shape mismatch"},
    {function() return {{1, 2}} * S end, "inner dimensions differ: 1x2 and 3x3",
     "table * S shape mismatch"},
    {function() return S * "x" end, "tycho.mat expected", "S * string"},
    {function() return S / "x" end, "number expected", "S / string"},
    {function() return S:diag("x") end, "number expected", "diag: bad k"},
    {function() return S:dropzeros(-1) end, "nonnegative tolerance", "dropzeros: negative"},
    {function() return sparse.methods.nnz(mat.eye(2)) end, "tycho.sparse expected", "method on a mat"},
    {function() return sparse.check(1) end, "tycho.sparse expected", "check: number"},
  }
  for _, case in ipairs(bad) do t.throws(case[1], case[2], case[3]) end
  t.ok(not (S == mat.eye(3)), "S == dense is false")
  t.ok(#S:diag(math.mininteger) == 0 and #S:diag(math.maxinteger) == 0,
       "S:diag(k) far outside: empty")
  t.ok(S:todense() ~= nil, "still usable after errors")
end

-- ---------------------------------------------------------------------
-- cross-check with scipy.sparse (Debian's python3), skipped without it

do
  local py = "/usr/bin/python3"
  local probe = io.popen(py .. ' -c "import scipy.sparse; print(42)" 2>/dev/null')
  local have = probe and probe:read("a"):find("42")
  if probe then probe:close() end
  if not have then
    t.skip("scipy.sparse cross-checks: /usr/bin/python3 with scipy not found")
  else
    local dir = os.getenv("TY_TMP") or "/tmp"
    local input = dir .. "/sparse_xcheck_" .. tostring(os.time()) .. ".txt"
    local script = dir .. "/sparse_xcheck_" .. tostring(os.time()) .. ".py"
    local A = random_dense(30, 20, 0.2)
    local S = sparse.from(A)
    local I, J, V = S:find()
    local x = mat.zeros(20, 1)
    for k = 1, 20 do x[k] = lcg() - 0.5 end
    local f = assert(io.open(input, "w"))
    f:write(S:nnz(), "\n")
    for k = 1, S:nnz() do f:write(string.format("%d %d %.17g\n", I[k], J[k], V[k])) end
    for k = 1, 20 do f:write(string.format("%.17g\n", x[k])) end
    f:close()
    f = assert(io.open(script, "w"))
    f:write([==[
import sys
import numpy as np
import scipy.sparse as sp
lines = open(sys.argv[1]).read().split("\n")
nnz = int(lines[0])
trip = np.array([[float(v) for v in l.split()] for l in lines[1:1 + nnz]])
x = np.array([float(v) for v in lines[1 + nnz:1 + nnz + 20]])
S = sp.csr_matrix((trip[:, 2], (trip[:, 0] - 1, trip[:, 1] - 1)), shape=(30, 20))
out = list(S @ x)
out += list((S @ S.T).toarray().flatten(order="F"))
def lap1(n):
    return sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
nx, ny, nz = 4, 3, 2
Ix, Iy, Iz = sp.identity(nx), sp.identity(ny), sp.identity(nz)
L = (sp.kron(Iz, sp.kron(Iy, lap1(nx))) + sp.kron(Iz, sp.kron(lap1(ny), Ix))
     + sp.kron(lap1(nz), sp.kron(Iy, Ix)))
out += list(L.toarray().flatten(order="F"))
print("\n".join(repr(float(v)) for v in out))
]==])
    f:close()
    local p = io.popen(py .. ' "' .. script .. '" "' .. input .. '" 2>&1')
    local text = p:read("a")
    p:close()
    os.remove(input)
    os.remove(script)
    local vals = {}
    for w in text:gmatch("[^\n]+") do vals[#vals + 1] = tonumber(w) end
    if #vals ~= 30 + 900 + 576 then
      t.ok(false, "scipy cross-check produced output:\n" .. text)
    else
      local y, ok = S * x, true
      local worst = 0
      for k = 1, 30 do worst = math.max(worst, math.abs(y[k] - vals[k])) end
      t.ok(worst < 1e-13, "S * x agrees with scipy (" .. worst .. ")")
      local SST = (S * S:t()):todense()
      worst = 0
      for k = 1, 900 do worst = math.max(worst, math.abs(SST[k] - vals[30 + k])) end
      t.ok(worst < 1e-12, "S * S:t() agrees with scipy (" .. worst .. ")")
      local L = sparse.laplacian(4, 3, 2):todense()
      for k = 1, 576 do if L[k] ~= vals[930 + k] then ok = false end end
      t.ok(ok, "laplacian(4, 3, 2) equals scipy's kron construction (x fastest)")
    end
  end
end

t.done()

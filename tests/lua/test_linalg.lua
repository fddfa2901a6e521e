-- test_linalg.lua: linalg by property (residuals, orthogonality, closed
-- forms) on seeded random real and complex matrices, then a sweep of bad
-- and empty inputs.
local t = require "tap"

rand.seed(20240601)

local eye = mat.eye
local function randn(m, n) return mat.randn(m, n) end
local function crandn(m, n) return mat.complex(mat.randn(m, n), mat.randn(m, n)) end
local function norm(A) return A:norm() end           -- Frobenius
-- relative residual ||A - B|| / max(1, ||B||)
local function rel(A, B) return norm(A - B) / math.max(1, norm(B)) end
-- ||Q^H Q - I||
local function orth_err(Q) return norm(Q:ct() * Q - eye(Q:cols())) end
-- a random symmetric (Hermitian) positive definite n x n matrix
local function spd(n, cplx)
  local G = cplx and crandn(n, n) or randn(n, n)
  return G:ct() * G + eye(n) * n
end
local function herm(n, cplx)
  local G = cplx and crandn(n, n) or randn(n, n)
  return (G + G:ct()) / 2
end
-- a copy, to check that inputs are never modified
local function same(A, B) return t.maxdiff(A, B) == 0 end
local kinds = {{"real", randn}, {"complex", crandn}}

-- =====================================================================
-- solve
-- =====================================================================
do
  local X = linalg.solve(mat{{2, 0}, {0, 4}}, mat{2, 4})
  t.near(X, mat{1, 1}, 1e-15, "solve: diagonal system, exact")
  t.near(linalg.solve({{1, 2}, {3, 4}}, {5, 6}), mat{-4, 4.5}, 1e-14,
         "solve: tables accepted, known solution")
  for _, k in ipairs(kinds) do
    local name, gen = k[1], k[2]
    local A, B = gen(6, 6), gen(6, 3)
    local A0, B0 = A:copy(), B:copy()
    X = linalg.solve(A, B)
    t.ok(X:rows() == 6 and X:cols() == 3, "solve " .. name .. ": shape 6x3")
    t.ok(norm(A * X - B) <= 1e-12 * norm(A) * norm(X), "solve " .. name .. ": ||AX - B|| small")
    t.ok(same(A, A0) and same(B, B0), "solve " .. name .. ": inputs unchanged")
    local S = spd(5, name == "complex")
    local b = gen(5, 1)
    t.ok(norm(S * linalg.solve(S, b, "spd") - b) < 1e-10, "solve " .. name .. " spd hint")
    local H = herm(5, name == "complex")
    t.ok(norm(H * linalg.solve(H, b, "sym") - b) < 1e-9 * norm(H), "solve " .. name .. " sym hint")
    local Lw = gen(5, 5)
    for i = 1, 5 do for j = i + 1, 5 do Lw[{i, j}] = 0 end; Lw[{i, i}] = 3 + i end
    t.ok(norm(Lw * linalg.solve(Lw, b, "lower") - b) < 1e-12, "solve " .. name .. " lower hint")
    t.ok(norm(Lw:t() * linalg.solve(Lw:t(), b, "upper") - b) < 1e-12, "solve " .. name .. " upper hint")
  end
  -- mixed kinds promote
  local A, b = randn(4, 4), crandn(4, 1)
  local x = linalg.solve(A, b)
  t.ok(x:iscomplex() and norm(A * x - b) < 1e-12, "solve: real A, complex b -> complex x")
  -- empty systems
  X = linalg.solve(mat.zeros(0, 0), mat.zeros(0, 2))
  t.ok(X:rows() == 0 and X:cols() == 2, "solve: 0x0 system gives 0x2")
  X = linalg.solve(eye(3), mat.zeros(3, 0))
  t.ok(X:rows() == 3 and X:cols() == 0, "solve: no right-hand sides gives 3x0")
end

-- =====================================================================
-- lstsq
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  local A, b = gen(8, 3), gen(8, 2)
  local X, r = linalg.lstsq(A, b)
  local N = linalg.solve(A:ct() * A, A:ct() * b)
  t.near(X, N, 1e-10, "lstsq " .. name .. ": overdetermined = normal equations")
  t.is(r, 3, "lstsq " .. name .. ": full column rank")
  -- underdetermined: minimum-norm solution A^H (A A^H)^-1 b
  A, b = gen(3, 6), gen(3, 1)
  X, r = linalg.lstsq(A, b)
  t.near(X, A:ct() * linalg.solve(A * A:ct(), b), 1e-10,
         "lstsq " .. name .. ": underdetermined gives the minimum-norm solution")
  t.is(r, 3, "lstsq " .. name .. ": rank 3")
  -- rank deficient: a repeated column
  A = gen(6, 2)
  A = mat.hcat(A, A:col(1))
  X, r = linalg.lstsq(A, gen(6, 1))
  t.is(r, 2, "lstsq " .. name .. ": rank-deficient rank")
  t.is(math.type(r), "integer", "lstsq: rank is an integer")
end
do
  local X, r = linalg.lstsq(mat.zeros(0, 3), mat.zeros(0, 1))
  t.ok(X:rows() == 3 and X:cols() == 1 and X:norm() == 0 and r == 0,
       "lstsq: no equations gives zeros, rank 0")
  X, r = linalg.lstsq(randn(4, 2), mat.zeros(4, 0))
  t.ok(X:rows() == 2 and X:cols() == 0 and r == 2, "lstsq: no right-hand sides")
end

-- =====================================================================
-- inv, det, slogdet
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  local A = gen(7, 7)
  local A0 = A:copy()
  local X = linalg.inv(A)
  t.ok(norm(A * X - eye(7)) < 1e-11, "inv " .. name .. ": A inv(A) = I")
  t.ok(same(A, A0), "inv " .. name .. ": input unchanged")
  -- det against the product of eigenvalues
  local w = linalg.eigvals(A)
  local p = mat.complex(mat{1})
  for i = 1, 7 do p = p * w[i] end
  local d = linalg.det(A)
  t.near(d, p, 1e-9 * math.abs(p:abs()[1]) + 1e-12, "det " .. name .. ": product of eigenvalues")
  local sign, logabs = linalg.slogdet(A)
  t.near(sign * math.exp(logabs), d, 1e-9 * math.exp(logabs), "slogdet " .. name .. ": sign * exp(logabs) = det")
end
t.is(linalg.det({{1, 2}, {3, 4}}), -2.0, "det: 2x2 known value")
t.near(linalg.det({{0, 1, 0}, {1, 0, 0}, {0, 0, 1}}), -1, 0, "det: a transposition is -1")
t.is(linalg.det(mat{{1, 2}, {2, 4}}), 0.0, "det: singular is 0")
t.is(linalg.det(mat.zeros(0, 0)), 1.0, "det: 0x0 is 1")
t.is(linalg.det(5), 5.0, "det: number is a 1x1")
do
  local d = linalg.det(mat.complex(mat{{0}}, mat{{2}}))
  t.ok(mat.ismat(d) and d:iscomplex() and d:real()[1] == 0 and d:imag()[1] == 2,
       "det: complex det is a 1x1 complex mat")
  local s, l = linalg.slogdet(mat{{1, 2}, {2, 4}})
  t.ok(s == 0 and l == -math.huge, "slogdet: singular gives 0, -inf")
  s, l = linalg.slogdet(mat.diag(mat{-1e200, 1e200, 1e200}))
  t.ok(s == -1 and math.abs(l - 3 * 200 * math.log(10)) < 1e-9, "slogdet: no overflow")
  local X = linalg.inv(mat.zeros(0, 0))
  t.ok(X:rows() == 0 and X:cols() == 0, "inv: 0x0 gives 0x0")
end

-- =====================================================================
-- pinv, rank, cond
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  for _, shape in ipairs({{6, 4}, {3, 5}}) do
    local m, n = shape[1], shape[2]
    -- rank 2 on purpose
    local A = gen(m, 2) * gen(2, n)
    local X = linalg.pinv(A)
    local tag = string.format("pinv %s %dx%d: ", name, m, n)
    t.ok(X:rows() == n and X:cols() == m, tag .. "shape")
    t.ok(rel(A * X * A, A) < 1e-10, tag .. "A X A = A")
    t.ok(rel(X * A * X, X) < 1e-10, tag .. "X A X = X")
    t.ok(rel((A * X):ct(), A * X) < 1e-10, tag .. "A X Hermitian")
    t.ok(rel((X * A):ct(), X * A) < 1e-10, tag .. "X A Hermitian")
    t.is(linalg.rank(A), 2, tag .. "rank 2")
  end
  local A = gen(5, 5)
  t.near(linalg.pinv(A), linalg.inv(A), 1e-9, "pinv " .. name .. ": inverse of a square matrix")
end
t.is(linalg.rank(eye(4)), 4, "rank: identity")
t.is(linalg.rank(mat.zeros(3, 4)), 0, "rank: zeros")
t.is(linalg.rank(mat.zeros(0, 4)), 0, "rank: empty")
t.is(linalg.rank(mat.diag(mat{1, 1e-3, 1e-12})), 3, "rank: default tolerance keeps 1e-12")
t.is(linalg.rank(mat.diag(mat{1, 1e-3, 1e-12}), 1e-6), 2, "rank: tolerance argument")
t.near(linalg.pinv(mat.diag(mat{2, 1e-3}), 1e-2), mat.diag(mat{0.5, 0}), 1e-15,
       "pinv: tolerance drops small singular values")
t.near(linalg.cond(eye(5)), 1, 1e-14, "cond: identity")
t.near(linalg.cond(mat.diag(mat{1, 10, 0.1})), 100, 1e-12, "cond: diagonal")
t.is(linalg.cond(mat{{1, 2}, {2, 4}}), math.huge, "cond: singular is math.huge")
t.is(linalg.cond(mat.diag(mat{1, 1e-17})), math.huge, "cond: singular to working precision is math.huge")
t.near(linalg.cond(mat.diag(mat{1, 1e-15})), 1e15, 1, "cond: 1e15 is still finite")
t.is(linalg.cond(mat.zeros(0, 0)), 0.0, "cond: empty is 0")
do
  local A = crandn(5, 3)
  local s = linalg.svdvals(A)
  t.near(linalg.cond(A), s[1] / s[3], 1e-10, "cond: rectangular complex = s_max / s_min")
  local X = linalg.pinv(mat.zeros(0, 3))
  t.ok(X:rows() == 3 and X:cols() == 0, "pinv: 0x3 gives 3x0")
end

-- =====================================================================
-- lu, qr, chol
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  for _, shape in ipairs({{5, 5}, {6, 3}, {3, 6}}) do
    local m, n = shape[1], shape[2]
    local tag = string.format("lu %s %dx%d: ", name, m, n)
    local A = gen(m, n)
    local L, U, P = linalg.lu(A)
    local kk = math.min(m, n)
    t.ok(L:rows() == m and L:cols() == kk and U:rows() == kk and U:cols() == n
         and P:rows() == m and P:cols() == m, tag .. "shapes")
    t.ok(rel(P * A, L * U) < 1e-13, tag .. "P A = L U")
    local lower, upper, unit = true, true, true
    for i = 1, m do for j = 1, kk do
      if j > i and t.maxdiff(L[{i, j}], 0) ~= 0 then lower = false end
      if j == i and t.maxdiff(L[{i, j}], 1) ~= 0 then unit = false end
    end end
    for i = 1, kk do for j = 1, i - 1 do
      if t.maxdiff(U[{i, j}], 0) ~= 0 then upper = false end
    end end
    t.ok(lower and unit and upper, tag .. "L unit lower, U upper")
    t.ok(norm(P * P:t() - eye(m)) == 0, tag .. "P is a permutation")
    local _, _, p = linalg.lu(A, "vector")
    local ok = p:rows() == m and p:cols() == 1
    for i = 1, m do if P[{i, p[i]}] ~= 1 then ok = false end end
    t.ok(ok, tag .. "the vector form names the same rows")
  end
  for _, shape in ipairs({{5, 5}, {7, 3}, {3, 7}}) do
    local m, n = shape[1], shape[2]
    local A = gen(m, n)
    for _, mode in ipairs({"full", "econ"}) do
      local tag = string.format("qr %s %dx%d %s: ", name, m, n, mode)
      local Q, R = linalg.qr(A, mode == "econ" and "econ" or nil)
      local qc = mode == "econ" and math.min(m, n) or m
      t.ok(Q:rows() == m and Q:cols() == qc and R:rows() == qc and R:cols() == n, tag .. "shapes")
      t.ok(rel(Q * R, A) < 1e-13, tag .. "A = Q R")
      t.ok(orth_err(Q) < 1e-13, tag .. "Q^H Q = I")
      local upper = true
      for i = 1, qc do for j = 1, math.min(i - 1, n) do
        if t.maxdiff(R[{i, j}], 0) ~= 0 then upper = false end
      end end
      t.ok(upper, tag .. "R upper triangular")
    end
  end
  local S = spd(6, name == "complex")
  local L = linalg.chol(S)
  t.ok(rel(L * L:ct(), S) < 1e-14, "chol " .. name .. ": L L^H = A")
  local lower = true
  for i = 1, 6 do for j = i + 1, 6 do
    if t.maxdiff(L[{i, j}], 0) ~= 0 then lower = false end
  end end
  t.ok(lower, "chol " .. name .. ": L lower triangular")
end
do
  local L, U, P = linalg.lu(mat.zeros(0, 3))
  t.ok(L:rows() == 0 and U:rows() == 0 and U:cols() == 3 and P:rows() == 0, "lu: 0x3")
  L, U, P = linalg.lu(mat.zeros(3, 0))
  t.ok(L:cols() == 0 and U:rows() == 0 and t.maxdiff(P, eye(3)) == 0, "lu: 3x0, P = I")
  local Q, R = linalg.qr(mat.zeros(3, 0))
  t.ok(t.maxdiff(Q, eye(3)) == 0 and R:rows() == 3 and R:cols() == 0, "qr: 3x0 gives Q = I")
  Q, R = linalg.qr(mat.zeros(3, 0), "econ")
  t.ok(Q:cols() == 0 and R:rows() == 0, "qr econ: 3x0 gives 3x0 and 0x0")
  t.ok(linalg.chol(mat.zeros(0, 0)):rows() == 0, "chol: 0x0")
  t.near(linalg.chol({{4, 2}, {2, 5}}), mat{{2, 0}, {1, 2}}, 1e-15, "chol: known factor")
end

-- =====================================================================
-- eig, eigh
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  local A = gen(6, 6)
  local A0 = A:copy()
  local w, V = linalg.eig(A)
  t.ok(w:iscomplex() and V:iscomplex() and w:rows() == 6 and w:cols() == 1,
       "eig " .. name .. ": complex w (6x1) and V")
  t.ok(norm(A * V - V * mat.diag(w)) < 1e-12 * norm(A), "eig " .. name .. ": A V = V diag(w)")
  local unit = true
  for j = 1, 6 do if math.abs(V:col(j):norm() - 1) > 1e-12 then unit = false end end
  t.ok(unit, "eig " .. name .. ": unit eigenvectors")
  t.ok(same(A, A0), "eig " .. name .. ": input unchanged")
  t.near(linalg.eigvals(A), w, 1e-12, "eigvals " .. name .. " = eig's w")
  local B = spd(6, false)
  w, V = linalg.eig(A, B)
  t.ok(norm(A * V - B * V * mat.diag(w)) < 1e-10 * norm(A), "eig " .. name .. ": generalized A V = B V diag(w)")
  local H = herm(6, name == "complex")
  w, V = linalg.eigh(H)
  t.ok(not w:iscomplex() and V:iscomplex() == (name == "complex"), "eigh " .. name .. ": real w, V of A's kind")
  local asc = true
  for i = 2, 6 do if w[i] < w[i - 1] then asc = false end end
  t.ok(asc, "eigh " .. name .. ": ascending")
  t.ok(norm(H * V - V * mat.diag(w)) < 1e-12 * norm(H), "eigh " .. name .. ": A V = V diag(w)")
  t.ok(orth_err(V) < 1e-13, "eigh " .. name .. ": V orthonormal")
  t.near(linalg.eigvalsh(H), w, 1e-12, "eigvalsh " .. name .. " = eigh's w")
  local S = spd(6, name == "complex")
  w, V = linalg.eigh(H, S)
  t.ok(norm(H * V - S * V * mat.diag(w)) < 1e-10 * norm(H), "eigh " .. name .. ": generalized A V = B V diag(w)")
  t.ok(norm(V:ct() * S * V - eye(6)) < 1e-10, "eigh " .. name .. ": V^H B V = I")
end
do
  local w = linalg.eigvals({{0, -1}, {1, 0}})
  t.near(w:imag():abs(), mat{1, 1}, 1e-15, "eig: rotation has eigenvalues +-i")
  t.near(w:real(), mat{0, 0}, 1e-15, "eig: rotation eigenvalues are imaginary")
  local w2 = linalg.eigvals({{2, 0}, {0, 3}}, {{1, 0}, {0, 0}})
  t.ok(math.abs(w2[1]:real()[1] - 2) < 1e-14 and w2[2]:real()[1] == math.huge,
       "eig: generalized with singular B gives inf")
  local w3, V3 = linalg.eig(mat.zeros(0, 0))
  t.ok(w3:rows() == 0 and w3:iscomplex() and V3:rows() == 0, "eig: 0x0 gives empty complex results")
  local w4, V4 = linalg.eigh(mat.zeros(0, 0))
  t.ok(w4:rows() == 0 and V4:rows() == 0, "eigh: 0x0")
  t.near(linalg.eigvalsh({{2, 1}, {1, 2}}), mat{1, 3}, 1e-14, "eigh: known eigenvalues")
end

-- =====================================================================
-- svd, null, orth
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  for _, shape in ipairs({{6, 4}, {4, 6}, {5, 5}}) do
    local m, n = shape[1], shape[2]
    local A = gen(m, n)
    local tag = string.format("svd %s %dx%d: ", name, m, n)
    local U, s, V = linalg.svd(A)
    local S = mat.zeros(m, n)
    for i = 1, math.min(m, n) do S[{i, i}] = s[i] end
    t.ok(U:rows() == m and U:cols() == m and V:rows() == n and V:cols() == n, tag .. "full shapes")
    t.ok(rel(U * S * V:ct(), A) < 1e-13, tag .. "A = U S V^H")
    t.ok(orth_err(U) < 1e-13 and orth_err(V) < 1e-13, tag .. "U, V unitary")
    local desc = not s:iscomplex()
    for i = 2, #s do if s[i] > s[i - 1] or s[i] < 0 then desc = false end end
    t.ok(desc, tag .. "s real, nonnegative, descending")
    local Ue, se, Ve = linalg.svd(A, "econ")
    local kk = math.min(m, n)
    t.ok(Ue:cols() == kk and Ve:cols() == kk, tag .. "econ shapes")
    t.ok(rel(Ue * mat.diag(se) * Ve:ct(), A) < 1e-13, tag .. "econ reconstruction")
    t.near(linalg.svdvals(A), s, 1e-12, tag .. "svdvals = s")
  end
  local A = gen(5, 2) * gen(2, 4)          -- rank 2
  local N = linalg.null(A)
  t.ok(N:cols() == 2 and norm(A * N) < 1e-12 and orth_err(N) < 1e-13, "null " .. name .. ": A N = 0, orthonormal")
  local O = linalg.orth(A)
  t.ok(O:cols() == 2 and orth_err(O) < 1e-13, "orth " .. name .. ": rank-many orthonormal columns")
  t.ok(norm(O * (O:ct() * A) - A) < 1e-12, "orth " .. name .. ": spans the range")
end
do
  local U, s, V = linalg.svd(mat.zeros(3, 0))
  t.ok(t.maxdiff(U, eye(3)) == 0 and s:rows() == 0 and V:rows() == 0, "svd: 3x0")
  U, s, V = linalg.svd(mat.zeros(0, 2), "econ")
  t.ok(U:rows() == 0 and U:cols() == 0 and V:rows() == 2 and V:cols() == 0, "svd econ: 0x2")
  t.near(linalg.svdvals({{3, 0}, {0, -4}}), mat{4, 3}, 1e-15, "svd: known singular values")
end

-- =====================================================================
-- schur
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  local A = gen(6, 6)
  local T, Z = linalg.schur(A)
  t.ok(T:iscomplex() == (name == "complex"), "schur " .. name .. ": T has A's kind")
  t.ok(rel(Z * T * Z:ct(), A) < 1e-13, "schur " .. name .. ": A = Z T Z^H")
  t.ok(orth_err(Z) < 1e-13, "schur " .. name .. ": Z unitary")
  local below = 0
  local band = (name == "real") and 2 or 1
  for j = 1, 6 do for i = j + band, 6 do below = math.max(below, t.maxdiff(T[{i, j}], 0)) end end
  t.is(below, 0, "schur " .. name .. ": (quasi) upper triangular")
end
do
  local A = mat{{0, -1, 0}, {1, 0, 0}, {0, 0, 2}}
  local T, Z = linalg.schur(A, "complex")
  t.ok(T:iscomplex() and rel(Z * T * Z:ct(), A) < 1e-14, "schur: complex form of a real matrix")
  local below = 0
  for j = 1, 3 do for i = j + 1, 3 do below = math.max(below, t.maxdiff(T[{i, j}], 0)) end end
  t.is(below, 0, "schur complex: T upper triangular")
  T, Z = linalg.schur(mat.zeros(0, 0))
  t.ok(T:rows() == 0 and Z:rows() == 0, "schur: 0x0")
end

-- =====================================================================
-- expm
-- =====================================================================
do
  t.near(linalg.expm({{0, 1}, {0, 0}}), mat{{1, 1}, {0, 1}}, 1e-15, "expm: nilpotent")
  t.near(linalg.expm(mat.zeros(4, 4)), eye(4), 0, "expm: exp(0) = I")
  t.near(linalg.expm(mat.diag(mat{1, -2, 0.5})), mat.diag(mat{math.exp(1), math.exp(-2), math.exp(0.5)}),
         1e-14, "expm: diagonal")
  for _, th in ipairs({0.3, 2, 30}) do     -- Pade 7, 13 and 13 with scaling
    local G = mat{{0, -th}, {th, 0}}
    local R = mat{{math.cos(th), -math.sin(th)}, {math.sin(th), math.cos(th)}}
    t.near(linalg.expm(G), R, 1e-13 * math.max(1, th), "expm: rotation generator, angle " .. th)
  end
  t.near(linalg.expm({{0.001}}), mat{math.exp(0.001)}, 1e-18, "expm: 1x1, Pade 3")
  t.near(linalg.expm({{0.1}}), mat{math.exp(0.1)}, 1e-16, "expm: 1x1, Pade 5")
  t.near(linalg.expm({{1.5}}), mat{math.exp(1.5)}, 1e-14, "expm: 1x1, Pade 9")
  t.near(linalg.expm({{-20}}), mat{math.exp(-20)}, 1e-20, "expm: 1x1, scaling and squaring")
  for _, k in ipairs(kinds) do
    local name, gen = k[1], k[2]
    local A = gen(5, 5) * 0.7
    local w, V = linalg.eig(A)
    local E = linalg.expm(A)
    t.ok(E:iscomplex() == (name == "complex"), "expm " .. name .. ": result has A's kind")
    t.ok(rel(E, V * mat.diag(w:exp()) * linalg.inv(V)) < 1e-11, "expm " .. name .. ": = V diag(exp(w)) V^-1")
    t.ok(rel(E * linalg.expm(-A), eye(5)) < 1e-12, "expm " .. name .. ": expm(A) expm(-A) = I")
    local H = herm(5, name == "complex") * 3
    local wh, Vh = linalg.eigh(H)
    t.ok(rel(linalg.expm(H), Vh * mat.diag(wh:exp()) * Vh:ct()) < 1e-12, "expm " .. name .. ": Hermitian via eigh")
  end
  t.ok(linalg.expm(mat.zeros(0, 0)):rows() == 0, "expm: 0x0")
  t.near(linalg.expm(mat.diag(mat{-1e308, -1e308})), mat.zeros(2, 2), 0,
         "expm: a 1-norm that overflows is prescaled")
  local big = linalg.expm(mat{{1e308, 1e308}, {1e308, 0}})
  t.ok(big[1] == math.huge, "expm: overflow gives inf, not an error")
end

-- =====================================================================
-- polar
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  for _, shape in ipairs({{5, 5}, {6, 3}, {3, 6}}) do
    local m, n = shape[1], shape[2]
    local tag = string.format("polar %s %dx%d: ", name, m, n)
    local A = gen(m, n)
    local U, P = linalg.polar(A)
    t.ok(U:rows() == m and U:cols() == n and P:rows() == n and P:cols() == n, tag .. "shapes")
    t.ok(rel(U * P, A) < 1e-13, tag .. "A = U P")
    local UU = (m >= n) and U:ct() * U or U * U:ct()
    t.ok(norm(UU - eye(math.min(m, n))) < 1e-13, tag .. "U has orthonormal columns (rows)")
    t.ok(norm(P - P:ct()) == 0, tag .. "P Hermitian")
    local wp = linalg.eigvalsh(P)
    t.ok(wp[1] > -1e-12, tag .. "P positive semidefinite")
    local Ul, Pl = linalg.polar(A, "left")
    t.ok(Pl:rows() == m and rel(Pl * Ul, A) < 1e-13 and linalg.eigvalsh(Pl)[1] > -1e-12,
         tag .. "left: A = P U, P PSD")
  end
end
do
  local U, P = linalg.polar(mat.zeros(0, 3))
  t.ok(U:rows() == 0 and U:cols() == 3 and P:rows() == 3 and P:norm() == 0, "polar: 0x3")
  U, P = linalg.polar(mat{{2, 0}, {0, -3}})
  t.near(U, mat{{1, 0}, {0, -1}}, 1e-15, "polar: known unitary factor")
  t.near(P, mat{{2, 0}, {0, 3}}, 1e-15, "polar: known positive factor")
end

-- =====================================================================
-- norm (an alias of mat:norm)
-- =====================================================================
do
  local A = randn(3, 4)
  t.is(linalg.norm(A), A:norm(), "norm: same as A:norm()")
  t.is(linalg.norm({3, 4}), 5.0, "norm: vector from a table")
end

-- =====================================================================
-- NumPy cross-check (Debian's python3 with numpy, if present)
-- =====================================================================
do
  local py = "/usr/bin/python3"
  local probe = io.popen(py .. " -c 'import numpy' 2>/dev/null && echo yes")
  local have = probe and probe:read("l") == "yes"
  if probe then probe:close() end
  if not have then
    t.skip("numpy cross-check: /usr/bin/python3 with numpy not found")
  else
    local A = mat{{4, -2, 1, 0.5}, {3, 6, -4, 2}, {2, 1, 8, -1}, {0.3, -0.7, 1.1, 5}}
    local rows = {}
    for i = 1, 4 do
      local r = {}
      for j = 1, 4 do r[j] = string.format("%.17g", A[{i, j}]) end
      rows[i] = "[" .. table.concat(r, ",") .. "]"
    end
    local src = "import numpy as np\nA=np.array([" .. table.concat(rows, ",") .. "])\n" ..
      "S=(A+A.T)/2\n" ..
      "print('%.17g' % np.linalg.det(A))\n" ..
      "print(' '.join('%.17g' % v for v in np.linalg.svd(A, compute_uv=False)))\n" ..
      "print(' '.join('%.17g' % v for v in np.linalg.eigvalsh(S)))\n" ..
      "print(' '.join('%.17g' % v for v in np.linalg.pinv(A[:, :3]).ravel(order='F')))\n" ..
      "print('%.17g' % np.linalg.cond(A))\n"
    local path = os.tmpname()
    local f = assert(io.open(path, "w")); f:write(src); f:close()
    local p = io.popen(py .. " " .. path)
    local out = {}
    for line in p:lines() do
      local v = {}
      for x in line:gmatch("%S+") do v[#v + 1] = tonumber(x) end
      out[#out + 1] = v
    end
    p:close()
    os.remove(path)
    t.near(linalg.det(A), out[1][1], 1e-10 * math.abs(out[1][1]), "numpy: det")
    t.near(linalg.svdvals(A), mat(out[2]), 1e-12, "numpy: singular values")
    t.near(linalg.eigvalsh((A + A:t()) / 2), mat(out[3]), 1e-12, "numpy: eigvalsh")
    t.near(linalg.pinv(A:sub(1, 4, 1, 3)), mat(out[4]):reshape(3, 4), 1e-12, "numpy: pinv")
    t.near(linalg.cond(A), out[5][1], 1e-10 * out[5][1], "numpy: cond")
  end
end

-- =====================================================================
-- inputs are never modified
-- =====================================================================
for _, k in ipairs(kinds) do
  local name, gen = k[1], k[2]
  local A = gen(4, 4)
  local S = spd(4, name == "complex")
  local A0, S0 = A:copy(), S:copy()
  local calls = {
    function() linalg.solve(A, A) end, function() linalg.solve(S, A, "spd") end,
    function() linalg.solve(S, A, "sym") end, function() linalg.solve(A, A, "upper") end,
    function() linalg.lstsq(A, A) end, function() linalg.det(A) end,
    function() linalg.slogdet(A) end, function() linalg.pinv(A) end,
    function() linalg.rank(A) end, function() linalg.cond(A) end,
    function() linalg.lu(A) end, function() linalg.qr(A) end,
    function() linalg.chol(S) end, function() linalg.eig(A, S) end,
    function() linalg.eigh(S, S) end, function() linalg.eigvalsh(S) end,
    function() linalg.svd(A) end, function() linalg.svdvals(A) end,
    function() linalg.schur(A) end, function() linalg.expm(A) end,
    function() linalg.polar(A) end, function() linalg.null(A) end,
  }
  for _, f in ipairs(calls) do f() end
  t.ok(same(A, A0) and same(S, S0), "no function modifies its arguments (" .. name .. ")")
end

-- =====================================================================
-- bad inputs: clear errors, never a crash
-- =====================================================================
do
  local nan = mat{{1, 0 / 0}, {0, 1}}
  local inf = mat{{1, math.huge}, {0, 1}}
  local rect = randn(2, 3)
  local sing = mat{{1, 2}, {2, 4}}
  local near = mat{{1, 1}, {1, 1 + 2 ^ -52}}  -- nonzero pivots, rcond < eps
  -- call linalg.<f>(...) through its field name, as a user would, so the
  -- error message names the function
  local function call(f, ...)
    return load("return linalg." .. f .. "(...)", "=test")(...)
  end
  local square_fns = {"inv", "det", "slogdet", "chol", "eig", "eigvals", "eigh",
                      "eigvalsh", "schur", "expm"}
  for _, f in ipairs(square_fns) do
    t.throws(function() call(f, rect) end,
             "bad argument #1 to '" .. f .. "' %(square matrix expected, got 2x3%)",
             f .. ": non-square names the shape")
  end
  local all_fns = {"inv", "det", "slogdet", "chol", "eig", "eigvals", "eigh", "eigvalsh",
                   "schur", "expm", "pinv", "rank", "cond", "lu", "qr", "svd", "svdvals",
                   "polar", "null", "orth"}
  for _, f in ipairs(all_fns) do
    t.throws(function() call(f, nan) end,
             "bad argument #1 to '" .. f .. "' %(matrix has NaN or Inf elements%)",
             f .. ": NaN is refused")
    t.throws(function() call(f, inf) end, "matrix has NaN or Inf elements", f .. ": Inf is refused")
    t.throws(function() call(f, "abc") end, "bad argument #1 to '" .. f .. "' %(tycho.mat expected", f .. ": a string is refused")
    t.throws(function() call(f) end, "bad argument #1", f .. ": no argument")
    t.throws(function() linalg[f]({{1, 2}, {3}}) end, "bad argument #1", f .. ": ragged table")
  end
  t.throws(function() linalg.solve(nan, {1, 2}) end,
           "bad argument #1 to 'solve' %(matrix has NaN or Inf elements%)", "solve: NaN in A")
  t.throws(function() linalg.solve(eye(2), {1, 0 / 0}) end,
           "bad argument #2 to 'solve' %(matrix has NaN or Inf elements%)", "solve: NaN in B")
  t.throws(function() linalg.lstsq(randn(3, 2), {1, math.huge, 0}) end,
           "bad argument #2 to 'lstsq' %(matrix has NaN or Inf", "lstsq: Inf in B")
  t.throws(function() linalg.solve(sing, {1, 2}) end,
           "bad argument #1 to 'solve' %(matrix is singular to working precision%)", "solve: singular")
  t.throws(function() linalg.inv(sing) end, "matrix is singular to working precision", "inv: singular")
  t.throws(function() linalg.inv(mat.zeros(3, 3)) end, "singular to working precision", "inv: zero matrix")
  t.throws(function() linalg.solve(near, mat.ones(2, 1)) end, "singular to working precision",
           "solve: rcond below eps is singular")
  t.throws(function() linalg.inv(near) end, "singular to working precision", "inv: rcond below eps")
  t.throws(function() linalg.solve({{1, 0}, {2, 0}}, {1, 2}, "lower") end, "singular", "solve lower: zero diagonal")
  t.throws(function() linalg.solve(rect, {1, 2}) end,
           "bad argument #1 to 'solve' %(square matrix expected, got 2x3%)", "solve: non-square A")
  t.throws(function() linalg.solve(eye(3), {1, 2}) end,
           "bad argument #2 to 'solve' %(matrix with 3 rows expected, got 2x1%)", "solve: B rows")
  t.throws(function() linalg.lstsq(rect, {1, 2, 3}) end,
           "bad argument #2 to 'lstsq' %(matrix with 2 rows expected, got 3x1%)", "lstsq: B rows")
  t.throws(function() linalg.solve(eye(2), {1, 2}, "banded") end,
           "bad argument #3 to 'solve' %(invalid option 'banded'%)", "solve: unknown kind")
  t.throws(function() linalg.solve({{1, 2}, {0, 1}}, {1, 2}, "spd") end,
           "bad argument #1 to 'solve' %(matrix is not symmetric%)", "solve spd: not symmetric")
  t.throws(function() linalg.solve({{1, 2}, {2, 1}}, {1, 2}, "spd") end,
           "bad argument #1 to 'solve' %(matrix is not positive definite%)", "solve spd: indefinite")
  t.throws(function() linalg.chol({{1, 2}, {2, 1}}) end,
           "bad argument #1 to 'chol' %(matrix is not positive definite%)", "chol: indefinite")
  t.throws(function() linalg.chol({{-1}}) end, "not positive definite", "chol: negative 1x1")
  t.throws(function() linalg.chol({{2, 1}, {0, 2}}) end,
           "bad argument #1 to 'chol' %(matrix is not symmetric%)", "chol: not symmetric")
  t.throws(function() linalg.chol(mat.complex(mat{{2, 1}, {1, 2}}, mat{{0, 1}, {1, 0}})) end,
           "matrix is not Hermitian", "chol: complex symmetric is not Hermitian")
  t.throws(function() linalg.eigh({{1, 2}, {0, 1}}) end,
           "bad argument #1 to 'eigh' %(matrix is not symmetric%)", "eigh: not symmetric")
  t.throws(function() linalg.eigh(mat.complex(mat{{1}}, mat{{1}})) end,
           "not Hermitian", "eigh: complex diagonal is not Hermitian")
  t.throws(function() linalg.eigh(eye(2), {{1, 0}, {0, -1}}) end,
           "bad argument #2 to 'eigh' %(matrix is not positive definite%)", "eigh: B indefinite")
  t.throws(function() linalg.eigh(eye(2), eye(3)) end,
           "bad argument #2 to 'eigh' %(2x2 matrix expected, got 3x3%)", "eigh: B size")
  t.throws(function() linalg.eig(eye(2), rect) end,
           "bad argument #2 to 'eig' %(2x2 matrix expected, got 2x3%)", "eig: B size")
  t.throws(function() linalg.eig(eye(2), nan) end, "bad argument #2 to 'eig' %(matrix has NaN",
           "eig: NaN in B")
  t.throws(function() linalg.qr(eye(2), "thin") end, "bad argument #2 to 'qr' %(invalid option",
           "qr: unknown mode")
  t.throws(function() linalg.svd(eye(2), 0) end, "bad argument #2 to 'svd'", "svd: mode must be a string")
  t.throws(function() linalg.lu(eye(2), "perm") end, "bad argument #2 to 'lu'", "lu: unknown form")
  t.throws(function() linalg.polar(eye(2), "up") end, "bad argument #2 to 'polar'", "polar: unknown side")
  t.throws(function() linalg.schur(mat.complex(eye(2)), "real") end,
           "bad argument #2 to 'schur' %(a complex matrix has no real Schur form%)", "schur: complex to real")
  t.throws(function() linalg.rank(eye(2), -1) end,
           "bad argument #2 to 'rank' %(nonnegative tolerance expected%)", "rank: negative tolerance")
  t.throws(function() linalg.pinv(eye(2), 0 / 0) end, "bad argument #2 to 'pinv'", "pinv: NaN tolerance")
  t.throws(function() linalg.lstsq(eye(2), {1, 2}, "x") end, "bad argument #3 to 'lstsq'", "lstsq: bad rcond")
  -- empty inputs give documented results everywhere
  local E = mat.zeros(0, 0)
  local ok = true
  for _, f in ipairs(all_fns) do
    local good = pcall(linalg[f], E)
    if not good then ok = false; t.ok(false, f .. " on 0x0 raised") end
  end
  t.ok(ok, "every function accepts a 0x0 matrix")
  for _, f in ipairs({"pinv", "rank", "cond", "lu", "qr", "svd", "svdvals", "polar", "null", "orth"}) do
    t.ok(pcall(linalg[f], mat.zeros(0, 4)) and pcall(linalg[f], mat.zeros(4, 0)),
         f .. ": 0x4 and 4x0 accepted")
  end
  t.ok(linalg.null(mat.zeros(0, 3)):cols() == 3, "null: of 0x3 is all of R^3")
  -- results after errors: the state is intact
  t.near(linalg.solve(eye(2), {1, 2}), mat{1, 2}, 0, "still works after errors")
end

t.done()

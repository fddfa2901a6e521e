-- test_fft.lua: the fft module against definitions and properties: a naive
-- O(n^2) DFT, Parseval, linearity, the shift theorem, round trips, rfft
-- against fft, fft2 against column-then-row transforms, NumPy's frequency
-- and convolution conventions, wisdom, and a sweep of bad inputs.
local t = require "tap"

rand.seed(20240601)

-- ---------------------------------------------------------------------
-- helpers that read matrices element by element (no arithmetic needed)

-- the elements of A in column-major order, each a {re, im} pair
local function elems(A)
  local m, n = A:size()
  local T = A:totable()
  local flat = (m == 1 or n == 1)
  local out = {}
  for j = 1, n do
    for i = 1, m do
      local v
      if flat then v = T[(j - 1) * m + i] else v = T[i][j] end
      if type(v) == "table" then out[#out + 1] = {v[1], v[2]}
      else out[#out + 1] = {v, 0} end
    end
  end
  return out
end

-- an m x n complex matrix from a list of {re, im} pairs (column-major)
local function cmat(list, m, n)
  m = m or #list
  n = n or 1
  local re, im = mat.zeros(m * n), mat.zeros(m * n)
  for k = 1, m * n do re[k] = list[k][1]; im[k] = list[k][2] end
  return mat.complex(re, im):reshape(m, n)
end

-- largest |a_k - b_k| between two matrices (math.huge if shapes differ)
local function diff(A, B)
  local ma, na = A:size()
  local mb, nb = B:size()
  if ma ~= mb or na ~= nb then return math.huge end
  local a, b = elems(A), elems(B)
  local d = 0
  for k = 1, #a do
    local dr, di = a[k][1] - b[k][1], a[k][2] - b[k][2]
    local e = math.sqrt(dr * dr + di * di)
    if e ~= e then return math.huge end
    if e > d then d = e end
  end
  return d
end

local function close(A, B, tol, name)
  return t.near(diff(A, B), 0, tol, name)
end

-- the largest modulus of the elements of A
local function amax(A)
  local d = 0
  for _, z in ipairs(elems(A)) do
    d = math.max(d, math.sqrt(z[1] ^ 2 + z[2] ^ 2))
  end
  return d
end

-- a random complex m x n matrix
local function crandn(m, n)
  return mat.complex(mat.randn(m, n or 1), mat.randn(m, n or 1))
end

-- the naive DFT of a list of pairs: sign -1 forward; scale applied
local function naive(list, sign, scale)
  local n = #list
  local out = {}
  for k = 0, n - 1 do
    local sr, si = 0, 0
    for j = 0, n - 1 do
      local a = sign * 2 * math.pi * ((j * k) % n) / n
      local c, s = math.cos(a), math.sin(a)
      local xr, xi = list[j + 1][1], list[j + 1][2]
      sr = sr + xr * c - xi * s
      si = si + xr * s + xi * c
    end
    out[k + 1] = {sr * scale, si * scale}
  end
  return out
end

local function isnan(x) return x ~= x end

-- ---------------------------------------------------------------------
-- agreement with the definition, including odd and prime lengths

for _, n in ipairs({1, 2, 3, 5, 7, 8, 12, 17, 31}) do
  local x = crandn(n)
  local X = fft.fft(x)
  t.ok(X:iscomplex() and X:rows() == n and X:cols() == 1,
       "fft(" .. n .. ") is complex " .. n .. "x1")
  close(X, cmat(naive(elems(x), -1, 1)), 1e-12 * n, "fft = naive DFT, n = " .. n)
  close(fft.ifft(x), cmat(naive(elems(x), 1, 1 / n)), 1e-13 * n,
        "ifft = naive inverse DFT / n, n = " .. n)
  local r = mat.randn(n)
  close(fft.fft(r), cmat(naive(elems(r), -1, 1)), 1e-12 * n,
        "fft of real data = naive DFT, n = " .. n)
  close(fft.ifft(r), cmat(naive(elems(r), 1, 1 / n)), 1e-13 * n,
        "ifft of real data = naive inverse DFT / n, n = " .. n)
end

-- a fixed case by hand: fft{1, 2, 3, 4} = {10, -2+2i, -2, -2-2i}
close(fft.fft{1, 2, 3, 4}, cmat{{10, 0}, {-2, 2}, {-2, 0}, {-2, -2}}, 1e-14,
      "fft{1, 2, 3, 4} by hand")
close(fft.fft(5), cmat{{5, 0}}, 0, "fft of a number is a 1x1 complex")

-- ---------------------------------------------------------------------
-- round trips

for _, n in ipairs({1, 2, 9, 64, 100, 257, 1000}) do
  local x = crandn(n, 3)
  close(fft.ifft(fft.fft(x)), x, 1e-13 * math.log(n + 1) * amax(x),
        "ifft(fft(x)) = x, " .. n .. "x3 complex")
  local r = mat.randn(n, 2)
  close(fft.ifft(fft.fft(r)), mat.complex(r), 1e-13 * math.log(n + 1) * amax(r),
        "ifft(fft(x)) = x, " .. n .. "x2 real")
end
for _, n in ipairs({1, 2, 3, 6, 7, 64, 99, 128, 1001}) do
  local r = mat.randn(n, n == 1 and 1 or 2)      -- 1x2 would be a row
  local R = fft.rfft(r)
  t.is(R:rows(), n // 2 + 1, "rfft of " .. n .. " rows has n//2+1 rows")
  local back = fft.irfft(R, n)
  t.ok(not back:iscomplex() and back:rows() == n and back:cols() == r:cols(),
       "irfft(X, " .. n .. ") is real with n rows")
  close(back, r, 1e-13 * math.log(n + 1) * amax(r),
        "irfft(rfft(x), n) = x, n = " .. n .. (n % 2 == 0 and " (even)" or " (odd)"))
end
do
  local r = mat.randn(10)
  close(fft.irfft(fft.rfft(r)), r, 1e-14 * 10, "irfft default n = 2*(m-1)")
end

-- ---------------------------------------------------------------------
-- Parseval, linearity, shift theorem

do
  local n = 1000
  local x = crandn(n)
  local ex, eX = 0, 0
  for _, z in ipairs(elems(x)) do ex = ex + z[1] ^ 2 + z[2] ^ 2 end
  for _, z in ipairs(elems(fft.fft(x))) do eX = eX + z[1] ^ 2 + z[2] ^ 2 end
  t.near(eX / n, ex, 1e-10 * ex, "Parseval: sum |X|^2 / n = sum |x|^2")
end

do
  local n = 37
  local x, y = crandn(n), crandn(n)
  local a, b = {2, -1}, {0.5, 3}          -- complex coefficients
  local xs, ys, zs = elems(x), elems(y), {}
  for k = 1, n do
    zs[k] = {a[1] * xs[k][1] - a[2] * xs[k][2] + b[1] * ys[k][1] - b[2] * ys[k][2],
             a[1] * xs[k][2] + a[2] * xs[k][1] + b[1] * ys[k][2] + b[2] * ys[k][1]}
  end
  local X, Y = elems(fft.fft(x)), elems(fft.fft(y))
  local want = {}
  for k = 1, n do
    want[k] = {a[1] * X[k][1] - a[2] * X[k][2] + b[1] * Y[k][1] - b[2] * Y[k][2],
               a[1] * X[k][2] + a[2] * X[k][1] + b[1] * Y[k][2] + b[2] * Y[k][1]}
  end
  close(fft.fft(cmat(zs)), cmat(want), 1e-12, "linearity: fft(a x + b y) = a X + b Y")
end

do
  local n, s = 24, 5
  local x = crandn(n)
  local xs, shifted = elems(x), {}
  for k = 0, n - 1 do shifted[(k + s) % n + 1] = xs[k + 1] end   -- x[k - s]
  local X = elems(fft.fft(x))
  local want = {}
  for k = 0, n - 1 do
    local a = -2 * math.pi * k * s / n
    local c, si = math.cos(a), math.sin(a)
    want[k + 1] = {X[k + 1][1] * c - X[k + 1][2] * si, X[k + 1][1] * si + X[k + 1][2] * c}
  end
  close(fft.fft(cmat(shifted)), cmat(want), 1e-12,
        "shift theorem: fft(x[k - s]) = exp(-2 pi i k s / n) X")
end

-- ---------------------------------------------------------------------
-- shapes: columns, row vectors, padding and truncation

do
  local A = crandn(6, 4)
  local F = fft.fft(A)
  t.ok(F:rows() == 6 and F:cols() == 4, "fft of a 6x4 matrix is 6x4")
  local worst = 0
  for j = 1, 4 do worst = math.max(worst, diff(F:col(j), fft.fft(A:col(j)))) end
  t.near(worst, 0, 1e-14, "fft of a matrix transforms each column")
  local row = mat.randn(1, 7)
  local Fr = fft.fft(row)
  t.ok(Fr:rows() == 1 and Fr:cols() == 7, "fft of a 1x7 row vector is 1x7")
  close(Fr, fft.fft(row:t()):t(), 0, "a row vector is transformed as a whole")
  local Ri = fft.ifft(fft.fft(row))
  t.ok(Ri:rows() == 1 and Ri:cols() == 7, "ifft keeps a row a row")
  local rr = fft.rfft(row)
  t.ok(rr:rows() == 1 and rr:cols() == 4, "rfft of a 1x7 row is 1x4")
  local rb = fft.irfft(rr, 7)
  t.ok(rb:rows() == 1 and rb:cols() == 7, "irfft of a row gives a row")
end

do
  local x = crandn(5, 2)
  local xl = elems(x)
  -- padded to 8: the columns with three zeros each
  local padded = {}
  for j = 0, 1 do
    for i = 1, 8 do padded[j * 8 + i] = i <= 5 and xl[j * 5 + i] or {0, 0} end
  end
  close(fft.fft(x, 8), fft.fft(cmat(padded, 8, 2)), 1e-14, "fft(x, n) pads with zeros")
  local cut = {}
  for j = 0, 1 do for i = 1, 3 do cut[j * 3 + i] = xl[j * 5 + i] end end
  close(fft.fft(x, 3), fft.fft(cmat(cut, 3, 2)), 1e-14, "fft(x, n) truncates")
  close(fft.ifft(x, 8), fft.ifft(cmat(padded, 8, 2)), 1e-14, "ifft(x, n) pads")
  local r = mat.randn(5, 2)
  local rl = elems(r)
  local rp = {}
  for j = 0, 1 do
    for i = 1, 8 do rp[j * 8 + i] = i <= 5 and rl[j * 5 + i] or {0, 0} end
  end
  close(fft.fft(r, 8), fft.fft(cmat(rp, 8, 2)), 1e-14, "fft(real x, n) pads")
  close(fft.ifft(r, 8), fft.ifft(cmat(rp, 8, 2)), 1e-14, "ifft(real x, n) pads")
  local P = mat.zeros(8, 2)
  for j = 1, 2 do for i = 1, 5 do P[{i, j}] = r[{i, j}] end end
  close(fft.rfft(r, 8), fft.rfft(P), 1e-14, "rfft(x, n) pads")
  close(fft.rfft(r, 3), fft.rfft(r:sub(1, 3, 1, 2)), 1e-14, "rfft(x, n) truncates")
end

-- ---------------------------------------------------------------------
-- rfft against fft, irfft conventions

for _, n in ipairs({1, 2, 5, 8, 31, 64}) do
  local c = n == 1 and 1 or 3                    -- 1x3 would be a row
  local r = mat.randn(n, c)
  local F, R = fft.fft(r), fft.rfft(r)
  local h = n // 2 + 1
  close(R, F:sub(1, h, 1, c), 1e-13 * n, "rfft = first n//2+1 rows of fft, n = " .. n)
end
do
  -- irfft ignores the imaginary parts of the zero and Nyquist terms
  local X = cmat{{1, 2}, {3, 1}, {2, -1}, {5, 5}}
  local Xr = cmat{{1, 0}, {3, 1}, {2, -1}, {5, 0}}
  close(fft.irfft(X, 6), fft.irfft(Xr, 6), 1e-15, "irfft ignores Im X[1] and Im X[n/2+1]")
  -- the NumPy values: np.fft.irfft([1+2j, 3+1j, 2-1j, 5+5j], 6) and (…, 7)
  close(fft.irfft(X, 6), mat{2.6666666666666665, -0.5, -0.41068360252295905, -1,
        0.7440169358562924, -0.5}, 1e-14, "irfft(X, 6) matches NumPy")
  close(fft.irfft(X, 7), mat{3, -1.3016397336350058, 1.0423697807601868,
        -2.3311104149331623, 1.1490923179209556, -0.38639922554882344,
        -0.1723127245641507}, 1e-14, "irfft(X, 7) matches NumPy")
  close(fft.irfft(X, 2), fft.irfft(X:sub(1, 2, 1, 1), 2), 1e-15, "irfft(X, n) cuts X")
  close(fft.irfft(mat{4, 0}, 2), mat{2, 2}, 1e-15, "irfft of a real spectrum")
end

-- ---------------------------------------------------------------------
-- fft2 against column-then-row transforms

local function cols_then_rows(A, inverse)
  local f = inverse and fft.ifft or fft.fft
  local m, n = A:size()
  local B = f(A)                          -- columns
  if m == 1 then return f(A) end          -- a row is transformed whole
  if n == 1 then return B end
  return f(B:t()):t()                     -- rows (t() does not conjugate)
end

for _, shape in ipairs({{4, 6}, {5, 3}, {1, 7}, {7, 1}, {16, 16}, {9, 2}, {600, 300}}) do
  local m, n = shape[1], shape[2]
  local A = crandn(m, n)
  local tag = m .. "x" .. n
  local tol = 1e-12 * (m + n)
  close(fft.fft2(A), cols_then_rows(A), tol * amax(A), "fft2 = columns then rows, complex " .. tag)
  local R = mat.randn(m, n)
  close(fft.fft2(R), cols_then_rows(mat.complex(R)), tol * amax(R),
        "fft2 = columns then rows, real " .. tag)
  close(fft.ifft2(A), cols_then_rows(A, true), tol, "ifft2 = inverse columns then rows, " .. tag)
  close(fft.ifft2(R), cols_then_rows(mat.complex(R), true), tol,
        "ifft2 of real = inverse columns then rows, " .. tag)
  close(fft.ifft2(fft.fft2(A)), A, tol * amax(A), "ifft2(fft2(A)) = A, " .. tag)
end

-- the same with FFTW_MEASURE plans (FFTW's own 2D plans)
do
  t.is(fft.planner("measure"), "estimate", "planner returns the previous mode")
  t.is(fft.planner(), "measure", "planner() reports the mode")
  local A, R = crandn(12, 10), mat.randn(12, 10)
  close(fft.fft2(A), cols_then_rows(A), 1e-12, "fft2 with measured plans, complex")
  close(fft.fft2(R), cols_then_rows(mat.complex(R)), 1e-12, "fft2 with measured plans, real")
  local x = crandn(30, 2)
  local x0 = x:copy()
  close(fft.fft(x):col(2), cmat(naive(elems(x:col(2)), -1, 1)), 1e-12,
        "fft with measured plans = naive DFT")
  close(x, x0, 0, "measuring does not touch the input")
  local r = mat.randn(30)
  close(fft.irfft(fft.rfft(r), 30), r, 1e-13, "rfft/irfft with measured plans")
  t.is(fft.planner("estimate"), "measure", "planner back to estimate")
end

-- ---------------------------------------------------------------------
-- frequencies and shifts

local function freq_def(n, d, onesided)
  local val, out = 1 / (n * d), {}
  if onesided then
    for k = 0, n // 2 do out[#out + 1] = k * val end
  else
    local half = (n - 1) // 2 + 1
    for k = 0, half - 1 do out[#out + 1] = k * val end
    for k = -(n // 2), -1 do out[#out + 1] = k * val end
  end
  return out
end

local function same_list(A, list)
  if A:rows() ~= #list or A:cols() ~= 1 then return false end
  for k = 1, #list do if A[k] ~= list[k] then return false end end
  return true
end

for _, case in ipairs({{1, 1}, {2, 1}, {5, 1}, {8, 0.1}, {7, 0.25}, {10, 3}}) do
  local n, d = case[1], case[2]
  t.ok(same_list(fft.fftfreq(n, d), freq_def(n, d, false)),
       "fftfreq(" .. n .. ", " .. d .. ") as NumPy defines it")
  t.ok(same_list(fft.rfftfreq(n, d), freq_def(n, d, true)),
       "rfftfreq(" .. n .. ", " .. d .. ") as NumPy defines it")
end
t.ok(same_list(fft.fftfreq(4), {0, 0.25, -0.5, -0.25}), "fftfreq(4) = {0, .25, -.5, -.25}")
t.ok(same_list(fft.rfftfreq(4), {0, 0.25, 0.5}), "rfftfreq(4) = {0, .25, .5}")

t.ok(same_list(fft.fftshift{0, 1, 2, 3, 4}, {3, 4, 0, 1, 2}), "fftshift, odd length")
t.ok(same_list(fft.fftshift{0, 1, 2, 3, 4, 5}, {3, 4, 5, 0, 1, 2}), "fftshift, even length")
t.ok(same_list(fft.ifftshift{3, 4, 0, 1, 2}, {0, 1, 2, 3, 4}), "ifftshift undoes fftshift (odd)")
t.ok(same_list(fft.ifftshift{3, 4, 5, 0, 1, 2}, {0, 1, 2, 3, 4, 5}), "ifftshift (even)")
do
  local f = fft.fftshift(fft.fftfreq(9))
  local inc = true
  for k = 2, 9 do inc = inc and f[k] > f[k - 1] end
  t.ok(inc, "fftshift(fftfreq(n)) is increasing")
  local row = fft.fftshift(mat{{0, 1, 2, 3, 4}})
  t.ok(row:rows() == 1 and row[1] == 3 and row[5] == 2, "fftshift of a row vector")
  -- matrices: both dimensions, like NumPy's axes=None
  local A = mat{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}
  local S = fft.fftshift(A)
  local want = mat{{11, 12, 9, 10}, {3, 4, 1, 2}, {7, 8, 5, 6}}
  t.near(diff(S, want), 0, 0, "fftshift of a 3x4 matrix shifts both dimensions")
  t.near(diff(fft.ifftshift(S), A), 0, 0, "ifftshift undoes it")
  local Z = crandn(3, 2)
  local Zs = fft.fftshift(Z)
  t.ok(Zs:iscomplex(), "fftshift keeps complex elements")
  t.near(diff(fft.ifftshift(Zs), Z), 0, 0, "complex shift round trip")
end

-- ---------------------------------------------------------------------
-- convolution against the definition, NumPy's modes

local function conv_def(x, y, mode)
  local a, b = elems(x), elems(y)
  local nx, ny = #a, #b
  local full = {}
  for k = 1, nx + ny - 1 do
    local sr, si = 0, 0
    for j = math.max(1, k - ny + 1), math.min(k, nx) do
      local p, q = a[j], b[k - j + 1]
      sr = sr + p[1] * q[1] - p[2] * q[2]
      si = si + p[1] * q[2] + p[2] * q[1]
    end
    full[k] = {sr, si}
  end
  local lo, hi = math.min(nx, ny), math.max(nx, ny)
  local first, len
  if mode == "full" then first, len = 0, nx + ny - 1
  elseif mode == "same" then first, len = (lo - 1) // 2, hi
  else first, len = lo - 1, hi - lo + 1 end
  local out = {}
  for i = 1, len do out[i] = full[first + i] end
  return out
end

for _, sizes in ipairs({{5, 3}, {5, 4}, {4, 5}, {3, 5}, {6, 2}, {1, 4}, {7, 7}, {6, 6},
                        {1, 1}, {50, 40}, {300, 200}, {1000, 3}, {257, 256}}) do
  local nx, ny = sizes[1], sizes[2]
  local xr, yr = mat.randn(nx), mat.randn(ny)
  for _, mode in ipairs({"full", "same", "valid"}) do
    local got = fft.conv(xr, yr, mode)
    local want = conv_def(xr, yr, mode)
    t.ok(not got:iscomplex() and got:rows() == #want,
         ("conv %s %dx%d: real, %d elements"):format(mode, nx, ny, #want))
    t.near(diff(mat.complex(got), cmat(want)), 0, 1e-12 * math.sqrt(nx * ny),
           ("conv %s %d, %d real = direct sum"):format(mode, nx, ny))
  end
  local xc, yc = crandn(nx), crandn(ny)
  for _, mode in ipairs({"full", "same", "valid"}) do
    t.near(diff(fft.conv(xc, yc, mode), cmat(conv_def(xc, yc, mode))), 0,
           1e-12 * math.sqrt(nx * ny), ("conv %s %d, %d complex"):format(mode, nx, ny))
  end
  t.near(diff(fft.conv(xr, yc), cmat(conv_def(mat.complex(xr), yc, "full"))), 0,
         1e-12 * math.sqrt(nx * ny), ("conv real with complex %d, %d"):format(nx, ny))
end
do
  local c = fft.conv({1, 2, 3}, {0, 1, 0.5})
  t.ok(same_list(c, {0, 1, 2.5, 4, 1.5}), "conv{1,2,3}{0,1,.5} exact (direct)")
  t.ok(same_list(fft.conv({1, 2, 3}, {0, 1, 0.5}, "same"), {1, 2.5, 4}), "same")
  t.ok(same_list(fft.conv({1, 2, 3}, {0, 1, 0.5}, "valid"), {2.5}), "valid")
  local r = fft.conv(mat{{1, 2, 3}}, {1, 1})
  t.ok(r:rows() == 1 and r:cols() == 4, "conv keeps the orientation of x")
  -- long inputs go through the FFT: integers come back within rounding
  local a, b = mat.zeros(2000), mat.zeros(1500)
  for k = 1, 2000 do a[k] = k % 7 end
  for k = 1, 1500 do b[k] = k % 5 - 2 end
  local got = fft.conv(a, b)
  local want = conv_def(a, b, "full")
  local worst = 0
  for k = 1, #want do worst = math.max(worst, math.abs(got[k] - want[k][1])) end
  t.near(worst, 0, 1e-8, "long integer convolution through the FFT")
end

-- ---------------------------------------------------------------------
-- wisdom

do
  fft.planner("measure")
  fft.fft(crandn(16))
  fft.planner("estimate")
  local w = fft.wisdom()
  t.ok(type(w) == "string" and #w > 0 and w:find("fftw_wisdom"),
       "wisdom() exports a string")
  t.is(fft.wisdom(w), true, "wisdom(s) imports it again")
  local ok, msg = fft.wisdom("not wisdom")
  t.ok(ok == nil and msg:find("invalid"), "wisdom of junk gives nil, message")
  t.throws(function() fft.wisdom({}) end, "string expected", "wisdom({}) raises")
end

-- ---------------------------------------------------------------------
-- NumPy cross-check on fixed data (skipped without Debian's numpy)

do
  local py = "/usr/bin/python3"
  local ok = os.execute(py .. " -c 'import numpy' 2>/dev/null")
  if not ok then
    t.skip("NumPy cross-checks: /usr/bin/python3 with numpy not found")
  else
    local code = [[
import numpy as np
x = np.array([1.5, -2.0, 0.25, 3.0, -1.0, 0.5, 2.0])
z = x + 1j*np.array([0.5, 1.0, -1.5, 0.0, 2.0, -0.25, 1.0])
def out(name, a):
    a = np.ravel(np.asarray(a, dtype=complex), order="F")
    print(name, " ".join("%.17g %.17g" % (v.real, v.imag) for v in a))
out("fft", np.fft.fft(z))
out("fftn", np.fft.fft(z, 10))
out("rfft", np.fft.rfft(x))
out("irfft", np.fft.irfft(z[:4], 7))
A = np.reshape(z[:6], (2, 3), order="F")
out("fft2", np.fft.fft2(A))
out("freq", np.fft.fftfreq(7, 0.3))
out("rfreq", np.fft.rfftfreq(7, 0.3))
out("shift", np.fft.fftshift(np.reshape(x[:6], (2, 3), order="F")))
out("same", np.convolve(x, x[:4], "same"))
out("valid", np.convolve(x[:3], x, "valid"))
]]
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(code)
    f:close()
    local p = io.popen(py .. " " .. path)
    local want = {}
    for line in p:lines() do
      local name, rest = line:match("^(%S+) (.*)$")
      local list = {}
      for re, im in rest:gmatch("(%S+) (%S+)") do list[#list + 1] = {tonumber(re), tonumber(im)} end
      want[name] = list
    end
    p:close()
    os.remove(path)
    local x = mat{1.5, -2.0, 0.25, 3.0, -1.0, 0.5, 2.0}
    local z = mat.complex(x, mat{0.5, 1.0, -1.5, 0.0, 2.0, -0.25, 1.0})
    local function check(name, got, m, n)
      t.near(diff(got, cmat(want[name], m, n)), 0, 1e-13, "NumPy: " .. name)
    end
    local function cplx(A) return A:iscomplex() and A or mat.complex(A) end
    check("fft", cplx(fft.fft(z)), 7, 1)
    check("fftn", cplx(fft.fft(z, 10)), 10, 1)
    check("rfft", cplx(fft.rfft(x)), 4, 1)
    check("irfft", cplx(fft.irfft(z:sub(1, 4, 1, 1), 7)), 7, 1)
    check("fft2", cplx(fft.fft2(z:sub(1, 6, 1, 1):reshape(2, 3))), 2, 3)
    check("freq", cplx(fft.fftfreq(7, 0.3)), 7, 1)
    check("rfreq", cplx(fft.rfftfreq(7, 0.3)), 4, 1)
    check("shift", cplx(fft.fftshift(x:sub(1, 6, 1, 1):reshape(2, 3))), 2, 3)
    check("same", cplx(fft.conv(x, x:sub(1, 4, 1, 1), "same")), 7, 1)
    check("valid", cplx(fft.conv(x:sub(1, 3, 1, 1), x, "valid")), 5, 1)
  end
end

-- ---------------------------------------------------------------------
-- empty inputs, NaN, bad arguments

do
  local E = fft.fft(mat.zeros(0, 0))
  t.ok(E:rows() == 0 and E:cols() == 0 and E:iscomplex(), "fft of 0x0 is an empty complex 0x0")
  local E3 = fft.fft(mat.zeros(0, 3))
  t.ok(E3:rows() == 0 and E3:cols() == 3, "fft of 0x3 is 0x3")
  local P = fft.fft(mat.zeros(0, 1), 4)
  t.ok(P:rows() == 4 and diff(P, mat.complex(mat.zeros(4))) == 0,
       "fft of an empty column padded to 4 is zeros")
  t.ok(fft.fft(mat.zeros(5, 0)):cols() == 0, "fft of 5x0 is empty")
  t.ok(#fft.ifft(mat.zeros(0, 2)) == 0, "ifft of empty")
  t.ok(#fft.rfft(mat.zeros(0, 1)) == 0, "rfft of empty")
  t.ok(#fft.irfft(mat.zeros(0, 1)) == 0, "irfft of empty")
  t.ok(fft.irfft(mat.zeros(0, 1), 6):rows() == 6, "irfft of empty with n gives n zeros")
  t.ok(#fft.fft2(mat.zeros(0, 4)) == 0 and #fft.ifft2(mat.zeros(3, 0)) == 0, "fft2/ifft2 of empty")
  t.ok(#fft.fftshift(mat.zeros(0, 0)) == 0 and #fft.ifftshift(mat.zeros(0, 2)) == 0,
       "shifts of empty")
  t.ok(#fft.conv({}, {1, 2}) == 0 and #fft.conv({1, 2}, {}, "same") == 0,
       "conv with an empty input is empty")
  t.ok(#fft.fftfreq(0) == 0 and #fft.rfftfreq(0) == 0, "fftfreq(0) is empty")
  t.ok(#fft.fft({}) == 0, "fft of an empty table")
end

do
  local X = fft.fft{1, 0 / 0, 3, 4, 5}
  local all = true
  for _, z in ipairs(elems(X)) do all = all and (isnan(z[1]) or isnan(z[2])) end
  t.ok(all, "NaN in the input reaches every output element")
  t.ok(isnan(elems(fft.fft2(mat{{1, 0 / 0}, {2, 3}}))[1][1]), "fft2 passes NaN through")
  t.ok(isnan(fft.irfft(mat{1, 0 / 0, 2}, 4)[1]), "irfft passes NaN through")
  local c = fft.conv({1, 0 / 0, 3}, {1, 1})
  t.ok(c[1] == 1 and isnan(c[2]) and isnan(c[3]) and c[4] == 3,
       "direct conv: NaN reaches only the outputs it touches")
  local inf = fft.fft{1, math.huge, 3}
  t.ok(inf:rows() == 3, "Inf does not crash")
end

local bad = {
  {function() fft.fft(mat{1, 2}, 0) end, "positive length expected, got 0", "fft n = 0"},
  {function() fft.fft(mat{1, 2}, -3) end, "positive length expected, got %-3", "fft n < 0"},
  {function() fft.ifft(mat{1, 2}, 0) end, "bad argument #2 to 'ifft'", "ifft n = 0"},
  {function() fft.fft(mat{1, 2}, 2.5) end, "number has no integer representation", "fft n = 2.5"},
  {function() fft.fft(mat{1, 2}, "x") end, "number expected", "fft n a string"},
  {function() fft.fft("abc") end, "bad argument #1 to 'fft' %(tycho.mat expected", "fft of a string"},
  {function() fft.fft() end, "bad argument #1 to 'fft'", "fft with nothing"},
  {function() fft.fft({1, "a"}) end, "table of numbers expected", "fft of a bad table"},
  {function() fft.rfft(crandn(4)) end, "real matrix expected, got complex", "rfft of complex"},
  {function() fft.rfft(mat{1, 2}, 0) end, "positive length", "rfft n = 0"},
  {function() fft.irfft(mat{1}) end, "bad argument #2 to 'irfft' %(length expected", "irfft of one row, no n"},
  {function() fft.irfft(mat{1, 2}, -1) end, "positive length", "irfft n < 0"},
  {function() fft.irfft(true) end, "tycho.mat expected", "irfft of a boolean"},
  {function() fft.fft2("x") end, "bad argument #1 to 'fft2'", "fft2 of a string"},
  {function() fft.ifft2(nil) end, "bad argument #1 to 'ifft2'", "ifft2 of nil"},
  {function() fft.fftfreq(-1) end, "nonnegative size expected", "fftfreq n < 0"},
  {function() fft.fftfreq(4, 0) end, "finite nonzero sample spacing expected", "fftfreq d = 0"},
  {function() fft.rfftfreq(4, 0 / 0) end, "finite nonzero sample spacing", "rfftfreq d = NaN"},
  {function() fft.fftfreq(2.5) end, "number has no integer representation", "fftfreq n = 2.5"},
  {function() fft.fftfreq("a") end, "number expected", "fftfreq of a string"},
  {function() fft.fftshift("a") end, "tycho.mat expected", "fftshift of a string"},
  {function() fft.conv(mat.zeros(2, 2), {1}) end,
   "bad argument #1 to 'conv' %(vector expected, got 2x2%)", "conv of a matrix"},
  {function() fft.conv({1}, mat.zeros(3, 2)) end, "bad argument #2 to 'conv'", "conv with a matrix"},
  {function() fft.conv({1}, {1}, "middle") end, "invalid option 'middle'", "conv bad mode"},
  {function() fft.conv({1}) end, "bad argument #2 to 'conv'", "conv with one argument"},
  {function() fft.planner("fast") end, "invalid option 'fast'", "planner bad mode"},
}
for _, case in ipairs(bad) do t.throws(case[1], case[2], case[3]) end
t.is(fft.planner(), "estimate", "a bad planner call changes nothing")

t.done()

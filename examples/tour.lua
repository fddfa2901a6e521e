-- %% [markdown]
-- # A first tour of tycho
--
-- tycho is Lua 5.4 with fast numerics.  This tour runs in a few seconds and
-- checks what it shows; run it with `tycho examples/tour.lua`.

-- %%
print("tycho " .. tycho.version .. " on " .. _VERSION)

-- %% [markdown]
-- ## Matrices
-- `mat{...}` builds a matrix from rows; a flat table is a column vector.

-- %%
local A = mat{{4, 1}, {1, 3}}
local b = mat{1, 2}
print("A is " .. A:rows() .. "x" .. A:cols() .. ", b has " .. #b .. " elements")
assert(A[{2, 1}] == 1 and b[2] == 2)

-- %% [markdown]
-- ## Timing
-- `tic()`/`toc()` and `timeit(f)` measure code.

-- %%
tic()
local s = 0
for i = 1, 100000 do s = s + i end
assert(s == 5000050000)
print(string.format("a loop of 1e5 additions took %.2g s", toc()))

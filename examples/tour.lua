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

-- %% [markdown]
-- ---
-- ## Pictures
--
-- `plot(x, y)` draws with gnuplot and returns a figure; `fig:plot` adds a
-- series, `fig:save` writes PNG, SVG or PDF.  With a display figures open in
-- a window, at the prompt without one they are drawn as text, and in a
-- script they are drawn only when saved (`tycho publish examples/tour.lua`
-- puts every figure into the report).  See docs/plotting.md.

-- %%
local t = mat.linspace(0, 4 * math.pi, 400)
local envelope = mat.exp(t * -0.25)
local wave = envelope:emul(mat.cos(t))
local fig = plot(t, wave, {title = "a damped oscillation", xlabel = "t",
                           label = "exp(-t/4) cos(t)"})
fig:plot(t, envelope, {label = "envelope", color = "#7f7f7f"})
local path = os.tmpname() .. ".png"
assert(fig:save(path))
local png = io.open(path, "rb"):read("a")
assert(png:sub(2, 4) == "PNG")
print("saved the figure as a " .. #png .. "-byte PNG")
os.remove(path)

-- %%
rand.seed(1)
local grid = mat.zeros(40, 40)
for i = 1, 40 do
  for j = 1, 40 do grid[{i, j}] = math.sin(i / 6) * math.cos(j / 9) end
end
local panels = plot.figure{title = "one figure, two panels", layout = {1, 2},
                           size = {900, 380}}
local _, counts = panels:panel(1):hist(mat.randn(2000), {bins = 30,
                                       title = "2000 normal samples"})
panels:panel(2):heatmap(grid, {title = "a matrix as an image"})
local total = 0
for i = 1, #counts do total = total + counts[i] end
assert(total == 2000)
print(string.format("the histogram counts all %d samples", total))

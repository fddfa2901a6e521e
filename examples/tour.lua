-- %% [markdown]
-- # A first tour of tycho
--
-- tycho is Lua 5.4 with fast numerics: dense and sparse matrices on
-- OpenBLAS and LAPACK, Fourier transforms on FFTW, pictures by gnuplot, and
-- numerical methods from recent research.  This tour runs in a few seconds,
-- checks everything it shows, and saves its figures as PNG files in the
-- current folder.  Run it with `tycho examples/tour.lua`, or publish it as
-- a report with `tycho publish examples/tour.lua`.

-- %%
print("tycho " .. tycho.version .. " on " .. _VERSION)

-- %% [markdown]
-- ## Matrices
-- `mat{...}` builds a matrix from its rows; a flat table is a column vector.
-- Arithmetic is what you expect: `*` is the matrix product, `+` and `-` work
-- elementwise and broadcast a row or a column, `A:emul(B)` multiplies
-- elementwise.  Printing picks a readable format from the numbers shown.

-- %%
local A = mat{{4, 1, 0}, {1, 3, 1}, {0, 1, 2}}
local b = mat{1, 2, 3}
print(A)
print("A * b =", (A * b):t())
print("column means:", A:mean(1))
assert(A[{2, 1}] == 1 and (A * b)[2] == 10)

-- %% [markdown]
-- ## Linear algebra
-- `linalg` calls LAPACK: solve, least squares, eigenvalues, the SVD, and
-- more.  Checks are by residual, the way a numerical analyst would.

-- %%
local x = linalg.solve(A, b)
print(string.format("solve: ||A x - b|| = %.1e", (A * x - b):norm()))
local w, V = linalg.eigh(A)
print("eigenvalues of the symmetric A:", w:t())
assert((A * x - b):norm() < 1e-12)
assert((A * V - V * mat.diag(w)):norm() < 1e-12)
local U, sv = linalg.svd(A)
assert(math.abs(sv[1] - w[3]) < 1e-12)      -- SPD: singular values = eigenvalues
print(string.format("condition number %.3f", linalg.cond(A)))

-- %% [markdown]
-- ## Fourier analysis
-- A 5 Hz tone plus a weaker 12 Hz tone, sampled at 100 Hz.  `fft.rfft` finds
-- both frequencies.

-- %%
local fs, n = 100, 200
local t = mat.linspace(0, (n - 1) / fs, n)
local signal = mat.sin(t * (2 * math.pi * 5)) + mat.sin(t * (2 * math.pi * 12)) * 0.5
local spectrum = fft.rfft(signal):abs()
local freqs = fft.rfftfreq(n, 1 / fs)
local _, k1 = spectrum:max()
print(string.format("strongest frequency: %g Hz", freqs[k1]))
assert(freqs[k1] == 5)

-- %% [markdown]
-- ## Sparse matrices and random numbers
-- `sparse.laplacian(nx, ny)` is the 5-point Poisson matrix of a grid.  The
-- random generator is seeded and portable: the same seed gives the same
-- numbers on every machine.

-- %%
local L = sparse.laplacian(30, 30)
local m, ncols = L:size()
print(string.format("the 2D Laplacian of a 30x30 grid: %dx%d, %d nonzeros", m, ncols, L:nnz()))
rand.seed(42)
local v = mat.randn(m)
local Lv = L * v
assert((Lv - L:todense() * v):norm() < 1e-12)      -- same as the dense product
print(string.format("mean and std of %d normal samples: %.3f %.3f", m, v:mean(),
                    math.sqrt(((v - v:mean()) ^ 2):sum() / (m - 1))))

-- %% [markdown]
-- ## Timing
-- `tic()`/`toc()` and `timeit(f)` measure code.

-- %%
local B = mat.randn(300, 300)
local seconds = timeit(function() return B * B end, 5)
print(string.format("a 300x300 matrix product: %.2f ms (median of 5)", seconds * 1e3))

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
assert(fig:save("tour_oscillation.png"))
local png = io.open("tour_oscillation.png", "rb"):read("a")
assert(png:sub(2, 4) == "PNG")
print("saved tour_oscillation.png (" .. #png .. " bytes)")

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
assert(panels:save("tour_panels.png"))
print("saved tour_panels.png")

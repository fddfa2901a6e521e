-- %% [markdown]
-- # Fourier analysis of a noisy signal
--
-- A sensor records two tones, at 50 Hz and 120 Hz, buried in noise louder
-- than either of them.  With the `fft` module we find the two frequencies,
-- remove the noise with a filter in the frequency domain, smooth the signal
-- with a convolution, and check the convolution theorem.  Every step ends
-- with a check, so `tycho examples/fourier.lua` fails if a result is wrong.
--
-- Conventions are NumPy's: `fft.fft` is unnormalized, `fft.ifft` divides by
-- n, and frequencies come in FFTW's order (see `fft.fftfreq`).

-- %%
rand.seed(42)
local fs = 1000                      -- samples per second
local N = 2000                       -- two seconds of signal
local t = mat.linspace(0, (N - 1) / fs, N)
local clean = mat.sin(t * (2 * math.pi * 50)) + mat.sin(t * (2 * math.pi * 120)) * 0.5
local noise = mat.randn(N) * 1.5
local x = clean + noise
print(string.format("signal rms %.2f, noise rms %.2f", clean:norm() / math.sqrt(N),
                    noise:norm() / math.sqrt(N)))
assert(noise:norm() > clean:norm())  -- the noise is louder than the tones

-- %% [markdown]
-- ## Finding the frequencies
--
-- The signal is real, so `fft.rfft` is enough: it returns the N//2+1 terms
-- of nonnegative frequency, and `fft.rfftfreq(N, 1/fs)` says which frequency
-- each term is, in Hz.  The one-sided amplitude spectrum is `2|X|/N`: a
-- sinusoid of amplitude a shows up as a peak of height close to a.

-- %%
local X = fft.rfft(x)
local f = fft.rfftfreq(N, 1 / fs)
local amp = X:abs() * (2 / N)
assert(#X == N // 2 + 1 and f[#f] == fs / 2)

-- the two largest peaks, ignoring the zero frequency
local best = {}
for k = 2, #amp do best[#best + 1] = {amp[k], f[k]} end
table.sort(best, function(a, b) return a[1] > b[1] end)
for i = 1, 4 do
  print(string.format("peak %d: %6.1f Hz, amplitude %.2f", i, best[i][2], best[i][1]))
end
local found = {best[1][2], best[2][2]}
table.sort(found)
assert(found[1] == 50 and found[2] == 120)
assert(math.abs(best[1][1] - 1.0) < 0.15 and math.abs(best[2][1] - 0.5) < 0.15)

-- %% [markdown]
-- The noise spreads its energy evenly over all frequencies (about
-- `2 * 1.5 / sqrt(N)` per bin), while each tone puts all of its energy into
-- one bin: the peaks stand far above the floor.  Parseval's theorem ties the
-- two domains together: the energy of the signal equals the energy of its
-- full spectrum divided by N.

-- %%
local F = fft.fft(x)
local energy_t = x:norm() ^ 2
local energy_f = F:norm() ^ 2 / N
print(string.format("energy: %.6f in time, %.6f in frequency", energy_t, energy_f))
assert(math.abs(energy_t - energy_f) < 1e-9 * energy_t)

-- %% [markdown]
-- ## Filtering in the frequency domain
--
-- To keep the 50 Hz tone we zero every term above 80 Hz and transform back
-- with `fft.irfft`, giving the length N (it could be odd).  That removes the
-- 120 Hz tone and the noise above 80 Hz, about 84% of the noise energy;
-- what is left is the noise below 80 Hz.

-- %%
local Y = X:copy()
for k = 1, #Y do
  if f[k] > 80 then Y[k] = 0 end
end
local lowpass = fft.irfft(Y, N)
local tone50 = mat.sin(t * (2 * math.pi * 50))
local err_before = (x - tone50):norm() / math.sqrt(N)
local err_after = (lowpass - tone50):norm() / math.sqrt(N)
print(string.format("rms distance to the 50 Hz tone: %.3f before, %.3f after", err_before,
                    err_after))
assert(not lowpass:iscomplex() and #lowpass == N)
assert(err_after < 0.5 * err_before)

-- %% [markdown]
-- Knowing that the signal is a few pure tones, we can do much better: keep
-- only the terms whose amplitude stands above the noise floor.  This
-- recovers both tones almost exactly.

-- %%
local Z = X:copy()
for k = 1, #Z do
  if amp[k] < 0.3 then Z[k] = 0 end
end
local denoised = fft.irfft(Z, N)
local err_clean = (denoised - clean):norm() / math.sqrt(N)
print(string.format("rms distance to the clean signal after thresholding: %.3f", err_clean))
assert(err_clean < 0.1)

-- %% [markdown]
-- ## Smoothing by convolution
--
-- A moving average over k samples is a convolution with a box of k values
-- 1/k.  `fft.conv(x, box, "same")` keeps the length of x, centred like
-- NumPy's `np.convolve(x, box, mode="same")`.  Averaging 9 samples damps the
-- noise but also the 120 Hz tone, whose period is only about 8 samples.

-- %%
local k = 9
local box = mat.ones(k) / k
local smooth = fft.conv(x, box, "same")
assert(#smooth == N and not smooth:iscomplex())
-- by the definition, at one sample in the middle
local i = 1000
local direct = 0
for j = 1, k do direct = direct + x[i + (k - 1) // 2 - j + 1] / k end
assert(math.abs(smooth[i] - direct) < 1e-12)
-- the box's frequency response at 50 Hz and at 120 Hz
local H = fft.rfft(box, N):abs()
print(string.format("moving average gain: %.2f at 50 Hz, %.2f at 120 Hz",
                    H[50 * N // fs + 1], H[120 * N // fs + 1]))
assert(H[50 * N // fs + 1] > 0.6 and H[120 * N // fs + 1] < 0.1)

-- %% [markdown]
-- ## The convolution theorem
--
-- The transform of a full linear convolution is the product of the
-- transforms of the inputs, both padded to the length of the result.  This
-- is how `fft.conv` computes long convolutions.

-- %%
local a = mat.randn(300)
local b = mat.randn(200)
local full = fft.conv(a, b)
local L = #full
assert(L == 300 + 200 - 1)
local lhs = fft.fft(full)
local rhs = fft.fft(a, L):emul(fft.fft(b, L))
local rel = (lhs - rhs):norm() / rhs:norm()
print(string.format("|fft(a*b) - fft(a) fft(b)| / |fft(a) fft(b)| = %.1e", rel))
assert(rel < 1e-13)

-- %% [markdown]
-- ## Two dimensions
--
-- `fft.fft2` transforms a matrix along both dimensions.  A plane wave that
-- makes 3 cycles down the rows and 5 across the columns of a 32 x 32 grid has
-- its energy in exactly two terms, at frequencies (3, 5) and (-3, -5).
-- `fft.fftshift` moves the zero frequency to the middle, as for pictures of
-- spectra.

-- %%
local n = 32
local img = mat.zeros(n, n)
for r = 1, n do
  for c = 1, n do
    img[{r, c}] = math.cos(2 * math.pi * (3 * (r - 1) + 5 * (c - 1)) / n)
  end
end
local S = fft.fft2(img):abs()
local freq = fft.fftfreq(n) * n               -- 0, 1, ..., 15, -16, ..., -1
local peaks = {}
for r = 1, n do
  for c = 1, n do
    if S[{r, c}] > 1 then peaks[#peaks + 1] = {freq[r], freq[c], S[{r, c}]} end
  end
end
for _, p in ipairs(peaks) do
  print(string.format("peak at row frequency %2d, column frequency %2d: %.0f", p[1], p[2], p[3]))
end
assert(#peaks == 2 and math.abs(peaks[1][3] - n * n / 2) < 1e-9)
local centred = fft.fftshift(S)
assert(math.abs(centred[{n // 2 + 1 + 3, n // 2 + 1 + 5}] - n * n / 2) < 1e-9)
assert(math.abs(centred[{n // 2 + 1 - 3, n // 2 + 1 - 5}] - n * n / 2) < 1e-9)
print("all checks passed")

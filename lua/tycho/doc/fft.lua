-- Help texts of fft: transforms, frequencies, shifts, convolution, planning.
local def = ...

def("fft.fft", {
  sig = "fft.fft(x [, n]) -> X",
  summary = [[The discrete Fourier transform X[k] = sum_j x[j] exp(-2 pi i j k / n),
unnormalized, as NumPy's np.fft.fft.  A matrix is transformed column by
column; a row vector (1 x m) is transformed as a whole and stays a row.  With
n, each column is cut to n elements or padded with zeros to n first.  The
result is always a new complex matrix, in FFTW's frequency order (zero first,
then positive, then negative frequencies: see fft.fftfreq).  Real input is
transformed with a real-to-complex FFT and completed by symmetry.  Empty
input gives empty output; n < 1 is an error.  A NaN or Inf reaches every
element of its column's transform.  Any length works; lengths whose prime
factors are small (2, 3, 5, 7) are fastest.]],
  example = [[local X = fft.fft{1, 2, 3, 4}
assert(X:iscomplex() and #X == 4)
assert(X[1]:real()[1] == 10)                 -- the sum
local F = fft.fft(mat{1, 0, 0}, 4)           -- padded to 4 zeros: all ones
assert((F:abs() - mat.ones(4)):norm() < 1e-15)]],
  see = {"fft.ifft", "fft.rfft", "fft.fft2", "fft.fftfreq"},
})

def("fft.ifft", {
  sig = "fft.ifft(X [, n]) -> x",
  summary = [[The inverse discrete Fourier transform, divided by n:
x[j] = (1/n) sum_k X[k] exp(2 pi i j k / n), as np.fft.ifft.  Columns,
row vectors, n and empty input as fft.fft.  The result is complex even when
it is real in exact arithmetic: take :real() of it.]],
  example = [[local x = mat{1, 2, 3, 4}
local y = fft.ifft(fft.fft(x))
assert((y:real() - x):norm() < 1e-14 and y:imag():norm() < 1e-14)]],
  see = {"fft.fft", "fft.irfft", "fft.ifft2"},
})

def("fft.rfft", {
  sig = "fft.rfft(x [, n]) -> X",
  summary = [[The transform of real data, keeping only the n//2+1 terms of
nonnegative frequency (the others are their complex conjugates), as
np.fft.rfft.  Columns, row vectors and n as fft.fft; x must be real.  About
twice as fast as fft.fft and half the memory.  fft.rfftfreq gives the
matching frequencies.]],
  example = [[local X = fft.rfft{1, 2, 3, 4, 5}
assert(#X == 3)
assert((X - fft.fft{1, 2, 3, 4, 5}:sub(1, 3, 1, 1)):norm() < 1e-14)]],
  see = {"fft.irfft", "fft.rfftfreq", "fft.fft"},
})

def("fft.irfft", {
  sig = "fft.irfft(X [, n]) -> x",
  summary = [[The real signal of length n whose rfft is X, as np.fft.irfft:
the inverse transform of the Hermitian-symmetric spectrum that X is the first
half of, divided by n.  n defaults to 2*(m-1) for m rows of X; pass n for odd
lengths (irfft(rfft(x), n) gives back x of any length n).  X is cut or padded
with zeros to n//2+1 rows; the imaginary parts of the zero-frequency term and
(n even) of the Nyquist term are ignored.]],
  example = [[local x = mat{1, 2, 3, 4, 5}
local y = fft.irfft(fft.rfft(x), 5)
assert(not y:iscomplex() and (y - x):norm() < 1e-14)]],
  see = {"fft.rfft", "fft.ifft"},
})

def("fft.fft2", {
  sig = "fft.fft2(A) -> F",
  summary = [[The 2D discrete Fourier transform of a matrix (along both
dimensions), unnormalized, as np.fft.fft2: the same as transforming every
column and then every row.  The result is a new complex matrix of A's
shape.  For a vector it is the 1D transform.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
local F = fft.fft2(A)
assert(F[1]:real()[1] == 10)                 -- the sum of the elements
local B = fft.fft(fft.fft(A):t()):t()        -- columns, then rows
assert((F - B):norm() < 1e-14)]],
  see = {"fft.ifft2", "fft.fft", "fft.fftshift"},
})

def("fft.ifft2", {
  sig = "fft.ifft2(F) -> A",
  summary = [[The inverse 2D discrete Fourier transform, divided by the
number of elements, as np.fft.ifft2.  The result is complex.]],
  example = [[local A = mat{{1, 2, 3}, {4, 5, 6}}
local B = fft.ifft2(fft.fft2(A))
assert((B:real() - A):norm() < 1e-14)]],
  see = {"fft.fft2", "fft.ifft"},
})

def("fft.fftfreq", {
  sig = "fft.fftfreq(n [, d=1]) -> f",
  summary = [[The frequencies of the n terms that fft returns, for samples
spaced d apart (in cycles per unit of d), as np.fft.fftfreq: an n x 1
vector 0, 1, ..., -(n//2), ..., -1, each divided by n*d.  fftfreq(0) is
empty; d must be finite and nonzero.]],
  example = [[local f = fft.fftfreq(4, 0.5)
assert(f[1] == 0 and f[2] == 0.5 and f[3] == -1 and f[4] == -0.5)]],
  see = {"fft.rfftfreq", "fft.fftshift", "fft.fft"},
})

def("fft.rfftfreq", {
  sig = "fft.rfftfreq(n [, d=1]) -> f",
  summary = [[The frequencies of the n//2+1 terms that rfft returns for n
samples spaced d apart, as np.fft.rfftfreq: 0, 1, ..., n//2, divided by
n*d.]],
  example = [[local f = fft.rfftfreq(8, 0.125)     -- 8 samples per unit
assert(#f == 5 and f[2] == 1 and f[5] == 4)]],
  see = {"fft.fftfreq", "fft.rfft"},
})

def("fft.fftshift", {
  sig = "fft.fftshift(x) -> y",
  summary = [[Moves the zero-frequency term to the middle, as
np.fft.fftshift: a vector of length n is rolled by n//2 (so frequencies come
out in increasing order); a matrix is rolled in both dimensions, like
NumPy's default axes=None, which centres a 2D spectrum.  Real and complex
matrices keep their kind; the result is a new matrix.]],
  example = [[local f = fft.fftshift(fft.fftfreq(5))
assert(f[1] == -0.4 and f[3] == 0 and f[5] == 0.4)
local A = fft.fftshift(mat{{1, 2}, {3, 4}})
assert(A[{1, 1}] == 4 and A[{2, 2}] == 1)]],
  see = {"fft.ifftshift", "fft.fftfreq"},
})

def("fft.ifftshift", {
  sig = "fft.ifftshift(y) -> x",
  summary = [[The inverse of fft.fftshift (they differ for odd lengths):
rolls by -(n//2) in each dimension, as np.fft.ifftshift.]],
  example = [[local x = mat{0, 1, 2, 3, 4}
local y = fft.ifftshift(fft.fftshift(x))
assert(y[1] == 0 and y[5] == 4)]],
  see = {"fft.fftshift"},
})

def("fft.conv", {
  sig = [[fft.conv(x, y [, mode="full"]) -> z]],
  summary = [[The linear convolution z[k] = sum_j x[j] y[k-j] of two vectors,
as np.convolve.  mode "full" gives all nx+ny-1 terms; "same" the max(nx, ny)
central terms (NumPy's centring: starting at term (min(nx, ny)-1)//2 of the
full result); "valid" the max-min+1 terms where the vectors overlap
completely.  Real inputs give a real result, otherwise complex.  Short
inputs are summed directly (exact for integers); long ones go through the
FFT (errors about 1e-16 times the largest terms).  The result has x's
orientation.  An empty input gives an empty result.]],
  example = [[local z = fft.conv({1, 2, 3}, {0, 1, 0.5})
assert(z[1] == 0 and z[2] == 1 and z[3] == 2.5 and z[5] == 1.5)
assert(#fft.conv({1, 2, 3}, {0, 1, 0.5}, "same") == 3)
assert(fft.conv({1, 2, 3}, {1, 1}, "valid")[1] == 3)]],
  see = {"fft.fft", "fft.rfft"},
})

def("fft.planner", {
  sig = [[fft.planner([mode]) -> previous]],
  summary = [[Sets how FFTW plans transforms of sizes not seen before:
"estimate" (the default) plans at once from heuristics; "measure" times
candidate algorithms first (from a fraction of a second to several seconds
for large sizes) and then runs faster, often by 1.5x to 2x for large 2D
transforms.  Plans are cached per shape, kind and mode, so the cost is paid
once per size.  Returns the previous mode; with no argument, only reports
the current one.  Measuring never touches your data (it runs on scratch
arrays).]],
  example = [[local old = fft.planner("measure")
local X = fft.fft(mat.ones(16))               -- planned by measuring
assert(math.abs(X[1]:real()[1] - 16) < 1e-12)
fft.planner(old)
assert(fft.planner() == "estimate")]],
  see = {"fft.wisdom"},
})

def("fft.wisdom", {
  sig = [[fft.wisdom() -> s | fft.wisdom(s) -> true | nil, msg]],
  summary = [[FFTW's wisdom: what it learned by measuring plans (see
fft.planner).  fft.wisdom() exports it as a string, for example to save in
a file; fft.wisdom(s) imports such a string, so a later session measures
nothing for those sizes, and returns true, or nil and a message if s is
not valid wisdom.]],
  example = [[local w = fft.wisdom()
assert(type(w) == "string")
assert(fft.wisdom(w) == true)
local ok, msg = fft.wisdom("garbage")
assert(ok == nil and msg:find("invalid"))]],
  see = {"fft.planner"},
})

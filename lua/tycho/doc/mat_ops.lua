-- Help texts of mat arithmetic: operators, elementwise functions,
-- reductions, norms, products and in-place updates (src/mod/lmat_ops.c).
local def = ...

def("mat.operators", {
  sig = "A + B   A - B   -A   A * B   A / s   A ^ p",
  summary = [[Arithmetic on matrices.  + and - are elementwise and broadcast
(see mat.broadcasting); a number works on either side (2 + A, A - 1).
A * B is the matrix product (BLAS for all but tiny sizes); when either side
is a number or a 1x1 matrix it scales instead.  A / s divides by a number or
a 1x1 matrix (A:ediv(B) divides elementwise).  A ^ p is the elementwise
power, as NumPy's ** (not Octave's matrix power): p a number, a 1x1 or a
broadcastable matrix, and 2 ^ A works too; a real negative base with a
fractional power is NaN, as in NumPy; complex bases with small integer
powers are computed by multiplication, so (1+2i)^2 is exactly -3+4i.
Mixing real and complex gives complex.  A complex scalar is a 1x1 complex
matrix and acts as a number everywhere.  == compares identity, not values:
use mat.allclose.  A shape mismatch is an error naming both shapes.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
local B = A * A + 1          -- matrix product, then add 1 everywhere
assert(B[{1, 1}] == 8 and B[{2, 2}] == 23)
assert((A ^ 2)[{2, 1}] == 9)  -- elementwise
local z = mat.complex(0, 1)  -- i, a 1x1 complex matrix
assert((z * A):imag()[4] == 4)
assert(not pcall(function() return A + mat.zeros(3, 3) end))]],
  see = {"mat.broadcasting", "mat:emul", "mat:ediv", "mat.allclose"},
})

def("mat.broadcasting", {
  sig = "A + B, A - B, A:emul(B), A:ediv(B), A ^ B with different shapes",
  summary = [[Elementwise operations stretch a smaller operand to the shape
of the larger: a number or a 1x1 matrix combines with anything; an m x n
matrix with an m x 1 column (applied to every column) or a 1 x n row
(applied to every row), in either order.  Anything else, including a column
with a row (NumPy would build the table of all pairs), is an error that
names both shapes, e.g. "attempt to add a 3x3 matrix and a 2x2 matrix
(shapes do not broadcast)"; for the table of pairs write it out, e.g.
col * mat.ones(1, n) + mat.ones(m, 1) * row.  In-place A:add_(B) broadcasts
B to A's own shape.]],
  example = [[local X = mat{{1, 2, 3}, {4, 5, 6}}      -- 2x3
local centered = X - X:mean(1)            -- subtract each column's mean
assert(centered:sum(1):norm() == 0)
local scaled = X:ediv((X:max(2)))         -- divide each row by its max
assert(scaled[{1, 3}] == 1 and scaled[{2, 3}] == 1)
assert(not pcall(function() return mat{1, 2} + mat{{10, 20, 30}} end))
local grid = mat{1, 2} * mat.ones(1, 3) + mat.ones(2, 1) * mat{{10, 20, 30}}
assert(grid[{2, 3}] == 32)                -- the table of pairs, written out]],
  see = {"mat.operators", "mat:add_"},
})

def("mat:emul", {
  sig = "A:emul(B) | mat.emul(A, B) -> C",
  summary = [[The elementwise (Hadamard) product, NumPy's A * B or Octave's
A .* B.  B may be a number, a 1x1 matrix or a broadcastable matrix (see
mat.broadcasting); real times complex is complex.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
local C = A:emul(mat{{10, 100}})           -- row broadcast
assert(C[{1, 2}] == 200 and C[{2, 1}] == 30)]],
  see = {"mat:ediv", "mat.broadcasting"},
})

def("mat:ediv", {
  sig = "A:ediv(B) | mat.ediv(A, B) -> C",
  summary = [[Elementwise quotient a / b with broadcasting, NumPy's A / B or
Octave's A ./ B.  Division by zero follows IEEE arithmetic (Inf, -Inf, or
NaN for 0/0), as NumPy does.  mat.ediv(1, A) is the elementwise
reciprocal.]],
  example = [[local A = mat{2, 4, 8}
assert(A:ediv(2)[3] == 4)
assert(mat.ediv(1, A)[2] == 0.25)
assert(mat{1}:ediv(0)[1] == math.huge)]],
  see = {"mat:emul", "mat.operators"},
})

-- the elementwise functions: one entry each
local function elementwise(name, what, extra, example)
  def("mat." .. name, {
    sig = "mat." .. name .. "(A) | A:" .. name .. "() -> B",
    summary = what .. " of each element, in a new matrix of the same shape.  " ..
      (extra or "") .. "  A number or a table is taken as a matrix.",
    example = example,
    see = {"mat:map", "mat.exp", "mat.abs"},
  })
end

elementwise("exp", "The exponential e^x",
  [[Real matrices use a vectorized kernel within 1 ulp of the C library
(overflow gives Inf, underflow 0, NaN stays NaN); complex ones cexp.]],
  [[local x = mat{0, 1, -1}
local y = x:exp()
assert(y[1] == 1 and math.abs(y[2] - math.exp(1)) < 1e-15)
local z = mat.exp(mat.complex(0, math.pi))   -- e^(i pi) = -1
assert(math.abs(z:real()[1] + 1) < 1e-15)]])

elementwise("log", "The natural logarithm",
  [[As in NumPy, the log of a negative real is NaN and log 0 is -Inf; make
the matrix complex first (mat.complex(A)) for complex logarithms.]],
  [[local y = mat{1, math.exp(2), 0}:log()
assert(y[1] == 0 and math.abs(y[2] - 2) < 1e-15 and y[3] == -math.huge)
local w = mat.complex(-1):log()              -- i pi
assert(math.abs(w:imag()[1] - math.pi) < 1e-15)]])

elementwise("sqrt", "The square root",
  [[As in NumPy, the square root of a negative real is NaN; complex
matrices give the principal root (mat.complex(-4):sqrt() is 2i).]],
  [[assert(mat{4, 9}:sqrt()[2] == 3)
local r = mat{-1}:sqrt()[1]
assert(r ~= r)                                -- NaN
assert(mat.complex(-4):sqrt():imag()[1] == 2)]])

elementwise("abs", "The absolute value",
  [[For complex matrices it is the modulus |z|, and the result is real.]],
  [[assert(mat{-3, 2}:abs()[1] == 3)
local m = mat.complex(3, 4):abs()
assert(m[1] == 5 and not m:iscomplex())]])

for _, f in ipairs{{"sin", "The sine"}, {"cos", "The cosine"},
                   {"tan", "The tangent"}, {"tanh", "The hyperbolic tangent"}} do
  elementwise(f[1], f[2], "Complex matrices use the complex " .. f[1] ..
    " of C99 (csin, ccos, ctan, ctanh).",
    "local y = mat{0, 0.5}:" .. f[1] .. "()\n" ..
    "assert(math.abs(y[2] - " ..
    (f[1] == "tanh" and "(math.exp(1) - 1) / (math.exp(1) + 1)" or ("math." .. f[1] .. "(0.5)")) ..
    ") < 1e-15)")
end

elementwise("floor", "The largest integer not above",
  [[On complex matrices floor acts on the real and imaginary parts
separately (as Octave does).]],
  [[assert(mat{2.7, -2.2}:floor()[2] == -3)
assert(mat.complex(2.5, -1.5):floor():imag()[1] == -2)]])

elementwise("ceil", "The smallest integer not below",
  [[On complex matrices ceil acts on the real and imaginary parts
separately (as Octave does).]],
  [[assert(mat{2.2, -2.7}:ceil()[1] == 3)]])

elementwise("sign", "The sign (-1, 0 or 1; NaN stays NaN)",
  [[For complex matrices it is z / |z| (and 0 for 0), as in Octave and
NumPy 2.]],
  [[local s = mat{-5, 0, 3}:sign()
assert(s[1] == -1 and s[2] == 0 and s[3] == 1)
local u = mat.complex(3, 4):sign()
assert(math.abs(u:real()[1] - 0.6) < 1e-15)]])

def("mat.real", {
  sig = "mat.real(A) | A:real() -> R",
  summary = [[The real parts of the elements, as a real matrix (a copy of a
real matrix).]],
  example = [[local Z = mat.complex(mat{1, 2}, mat{3, 4})
assert(Z:real()[2] == 2 and not Z:real():iscomplex())]],
  see = {"mat.imag", "mat.complex", "mat.conj"},
})

def("mat.imag", {
  sig = "mat.imag(A) | A:imag() -> R",
  summary = [[The imaginary parts of the elements, as a real matrix (zeros for
a real matrix).]],
  example = [[local Z = mat.complex(mat{1, 2}, mat{3, 4})
assert(Z:imag()[1] == 3)
assert(mat{5}:imag()[1] == 0)]],
  see = {"mat.real", "mat.complex"},
})

def("mat.conj", {
  sig = "mat.conj(A) | A:conj() -> B",
  summary = [[The complex conjugate of each element (a copy for a real
matrix).  A:ct() is the conjugate transpose.]],
  example = [[local z = mat.complex(1, 2):conj()
assert(z:imag()[1] == -2)]],
  see = {"mat:ct", "mat.real"},
})

def("mat.angle", {
  sig = "mat.angle(A) | A:angle() -> R",
  summary = [[The argument atan2(im, re) of each element in (-pi, pi], as a
real matrix.  Negative reals give pi, like NumPy's angle.]],
  example = [[local a = mat.complex(0, 2):angle()
assert(math.abs(a[1] - math.pi / 2) < 1e-15)
assert(mat{-1}:angle()[1] == math.pi)]],
  see = {"mat.abs", "mat.real"},
})

def("mat:map", {
  sig = "A:map(f) -> B",
  summary = [[Calls f on each element in column-major order and collects the
results in a matrix of A's shape.  f receives a number (real A) or a 1x1
complex matrix (complex A) and returns a number or a 1x1 matrix; the result
is real unless A is complex or f returns a complex value.  It is a Lua call
per element: prefer the built-in elementwise functions and operators when
one exists.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
local B = A:map(function(x) return x % 2 == 0 and x or 0 end)
assert(B[{2, 2}] == 4 and B[{1, 1}] == 0)]],
  see = {"mat.exp", "mat.operators"},
})

def("mat:sum", {
  sig = "A:sum([dim]) -> s | S",
  summary = [[Without dim, the sum of all elements: a number (a 1x1 complex
matrix for complex A; 0 for an empty matrix).  dim = 1 sums each column
(a 1 x n result, NumPy's axis=0), dim = 2 each row (m x 1, axis=1).  Sums
are pairwise, as NumPy's, so long sums stay accurate.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
assert(A:sum() == 10)
assert(A:sum(1)[2] == 6 and A:sum(1):rows() == 1)
assert(A:sum(2)[2] == 7 and A:sum(2):cols() == 1)]],
  see = {"mat:mean", "mat:max", "mat:trace"},
})

def("mat:mean", {
  sig = "A:mean([dim]) -> m | M",
  summary = [[The mean of all elements (no dim), of each column (dim = 1,
1 x n) or of each row (dim = 2, m x 1).  Complex matrices give complex
means.  The mean of nothing is NaN, as in NumPy.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
assert(A:mean() == 2.5)
assert(A:mean(1)[1] == 2 and A:mean(2)[1] == 1.5)
local e = mat.zeros(0, 1):mean()
assert(e ~= e)]],
  see = {"mat:sum"},
})

def("mat:min", {
  sig = "A:min([dim]) -> v, k | V, I",
  summary = [[The smallest element and its 1-based linear (column-major)
index; with dim = 1 the minimum of each column and its row index (1 x n
matrices), with dim = 2 of each row and its column index (m x 1).  Equal
minima give the first one.  Complex elements compare by modulus.  A NaN
wins, as in NumPy's min and argmin: the result is the first NaN.  An empty
matrix has no minimum (an error), as has an empty column or row.]],
  example = [[local v, k = mat{4, 1, 3}:min()
assert(v == 1 and k == 2)
local V, I = mat{{4, 1}, {2, 8}}:min(1)
assert(V[1] == 2 and I[1] == 2 and V[2] == 1 and I[2] == 1)]],
  see = {"mat:max", "mat:sum"},
})

def("mat:max", {
  sig = "A:max([dim]) -> v, k | V, I",
  summary = [[The largest element and its 1-based linear (column-major)
index; with dim = 1 the maximum of each column and its row index (1 x n),
with dim = 2 of each row and its column index (m x 1).  Ties, complex
elements, NaN and empty matrices as in A:min.]],
  example = [[local A = mat{{1, 5}, {7, 2}}
local v, k = A:max()
assert(v == 7 and k == 2)                  -- A[2] is A[{2, 1}]
local V, I = A:max(2)
assert(V[1] == 5 and I[1] == 2)]],
  see = {"mat:min"},
})

def("mat:norm", {
  sig = "A:norm([p]) -> number",
  summary = [[A vector norm when A is 1 x n or n x 1: p = 2 (default; safe
from overflow and underflow), 1 (sum of moduli), math.huge (largest
modulus), or any p > 0 ((sum |x|^p)^(1/p)).  A matrix norm otherwise:
"fro" (default, the Frobenius norm), 1 (largest column sum of moduli),
math.huge (largest row sum), 2 (largest singular value, from LAPACK's gesdd)
or "nuc" (sum of singular values).  NaN anywhere gives NaN; the norm of an
empty matrix is 0.]],
  example = [[assert(mat{3, -4}:norm() == 5)
assert(mat{3, -4}:norm(1) == 7 and mat{3, -4}:norm(math.huge) == 4)
local A = mat{{1, 2}, {3, 4}}
assert(A:norm(1) == 6 and A:norm(math.huge) == 7)
assert(math.abs(A:norm() - math.sqrt(30)) < 1e-14)
assert(math.abs(mat{{0, 2}, {0, 0}}:norm(2) - 2) < 1e-14)]],
  see = {"mat:dot", "mat.allclose"},
})

def("mat:dot", {
  sig = "A:dot(B) -> number | z",
  summary = [[The sum of conj(a) * b over the elements, NumPy's vdot: for
complex A the first argument is conjugated, so x:dot(x) is |x|^2.  A and B
have the same shape, or are both vectors (1 x n or n x 1) of one length.
Complex inputs give a 1x1 complex matrix.]],
  example = [[assert(mat{1, 2, 3}:dot(mat{4, 5, 6}) == 32)
local x = mat.complex(mat{1, 0}, mat{1, 2})   -- 1+i, 2i
assert(x:dot(x):real()[1] == 6)               -- |1+i|^2 + |2i|^2]],
  see = {"mat:norm", "mat.operators"},
})

def("mat:trace", {
  sig = "A:trace() -> number | z",
  summary = [[The sum of the diagonal elements A(i, i); for a non-square
matrix the main diagonal up to min(m, n), as NumPy.  A 1x1 complex matrix
for complex A.]],
  example = [[assert(mat{{1, 2}, {3, 4}}:trace() == 5)
assert(mat.eye(3):trace() == 3)]],
  see = {"mat:sum", "mat:diag"},
})

def("mat.allclose", {
  sig = "mat.allclose(A, B [, rtol=1e-9 [, atol=0]]) | A:allclose(B, ...) -> boolean",
  summary = [[True when every |a - b| <= atol + rtol * |b| (moduli for complex
elements).  Shapes must match (different shapes are simply not close);
NaN is never close to anything, equal infinities are close.  Note the
defaults are stricter than NumPy's (rtol=1e-5, atol=1e-8).]],
  example = [[local A = mat{{1, 2}, {3, 4}}
assert(mat.allclose(A, A + 1e-12))
assert(not mat.allclose(A, A + 1e-3))
assert(mat.allclose(A, A + 1e-3, 1e-2))
assert(mat.allclose(mat{0}, mat{1e-12}, 0, 1e-10))]],
  see = {"mat:norm", "mat.operators"},
})

def("mat:add_", {
  sig = "A:add_(B [, alpha=1]) -> A",
  summary = [[In place: A = A + alpha * B, without a new matrix.  B may be a
number or any shape that broadcasts to A's own shape (a column, a row, a
1x1); alpha a number or a 1x1 matrix.  A real A cannot take a complex B or
alpha.  Returns A, so calls chain.]],
  example = [[local x = mat{1, 2, 3}
x:add_(mat{1, 1, 1}, 2):add_(10)
assert(x[1] == 13 and x[3] == 15)]],
  see = {"mat:scale_", "mat:copy_", "mat.broadcasting"},
})

def("mat:scale_", {
  sig = "A:scale_(s) -> A",
  summary = [[In place: A = s * A for a number or 1x1 matrix s (complex s
only for a complex A).  Returns A.]],
  example = [[local x = mat{1, 2}
assert(x:scale_(3)[2] == 6 and x[1] == 3)]],
  see = {"mat:add_", "mat:fill_"},
})

def("mat:fill_", {
  sig = "A:fill_(v) -> A",
  summary = [[In place: every element of A becomes v (a number, or a 1x1
matrix; complex only for a complex A).  Returns A.]],
  example = [[local A = mat.zeros(2, 2):fill_(7)
assert(A[{2, 1}] == 7)]],
  see = {"mat.fill", "mat:scale_"},
})

def("mat:copy_", {
  sig = "A:copy_(B) -> A",
  summary = [[In place: the elements of B are copied into A, which keeps its
identity.  B must have A's shape; a real B may go into a complex A, not the
reverse.  Returns A.]],
  example = [[local A = mat.zeros(2, 2)
A:copy_(mat{{1, 2}, {3, 4}})
assert(A[{2, 2}] == 4)]],
  see = {"mat:copy", "mat:add_"},
})

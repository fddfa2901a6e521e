-- Help texts of mat: construction, shape, indexing, copies, printing.
-- (Arithmetic and reductions: mat_ops.lua; files: mat_io.lua.)
local def = ...

def("mat.new", {
  sig = "mat{...} | mat(A) -> A",
  summary = [[A new matrix from a table: a flat table of numbers is a column
vector (n x 1), a table of rows is a matrix (mat{{1, 2}, {3, 4}} is 2x2).
mat(A) copies a matrix; mat(x) of a number is 1x1.  Matrices are column-major
with double or complex elements, and every function that expects a vector also
takes a table of numbers.]],
  example = [[local A = mat{{1, 2}, {3, 4}}
assert(A[{2, 1}] == 3 and A:rows() == 2)
local v = mat{1, 2, 3}
assert(v:cols() == 1 and #v == 3)]],
  see = {"mat.zeros", "mat.eye", "mat.linspace"},
})

def("mat.zeros", {
  sig = "mat.zeros(m [, n=1]) -> A",
  summary = [[An m x n matrix of zeros (a column vector when n is omitted).]],
  example = [[local A = mat.zeros(2, 3)
assert(A:rows() == 2 and A:cols() == 3 and A[6] == 0)]],
  see = {"mat.ones", "mat.fill", "mat.eye"},
})

def("mat.ones", {
  sig = "mat.ones(m [, n=1]) -> A",
  summary = [[An m x n matrix of ones.]],
  example = [[assert(mat.ones(3)[3] == 1)]],
  see = {"mat.zeros", "mat.fill"},
})

def("mat.fill", {
  sig = "mat.fill(m, n, v) -> A",
  summary = [[An m x n matrix with every element v.]],
  example = [[assert(mat.fill(2, 2, 7)[{2, 2}] == 7)]],
  see = {"mat.zeros", "mat:fill_"},
})

def("mat.eye", {
  sig = "mat.eye(n [, m]) -> A",
  summary = [[The n x n identity, or n x m with ones on the main diagonal.]],
  example = [[local I = mat.eye(3)
assert(I[{2, 2}] == 1 and I[{1, 2}] == 0)]],
  see = {"mat.diag"},
})

def("mat.linspace", {
  sig = "mat.linspace(a, b, n) -> x",
  summary = [[n equally spaced points from a to b inclusive, as an n x 1
vector (the last point is exactly b).]],
  example = [[local x = mat.linspace(0, 1, 5)
assert(x[2] == 0.25 and x[5] == 1)]],
  see = {"mat.zeros"},
})

def("mat.diag", {
  sig = "mat.diag(v [, k=0]) -> A",
  summary = [[A square matrix with the vector v on diagonal k (k > 0 above,
k < 0 below the main diagonal).  The method A:diag() goes the other way.]],
  example = [[local D = mat.diag({1, 2, 3})
assert(D[{3, 3}] == 3 and D[{1, 3}] == 0)
assert(mat.diag({5}, 1)[{1, 2}] == 5)]],
  see = {"mat:diag", "mat.eye"},
})

def("mat.hcat", {
  sig = "mat.hcat(A, B, ...) -> C",
  summary = [[Join matrices side by side; all must have the same number of
rows.  Real and complex may mix (the result is complex).]],
  example = [[local C = mat.hcat(mat{1, 2}, mat{3, 4})
assert(C:cols() == 2 and C[{2, 2}] == 4)]],
  see = {"mat.vcat"},
})

def("mat.vcat", {
  sig = "mat.vcat(A, B, ...) -> C",
  summary = [[Stack matrices on top of each other; all must have the same
number of columns.]],
  example = [[local C = mat.vcat(mat{1, 2}, mat{3})
assert(C:rows() == 3 and C[3] == 3)]],
  see = {"mat.hcat"},
})

def("mat.complex", {
  sig = "mat.complex(re [, im]) -> Z",
  summary = [[A complex matrix from real and imaginary parts of equal shape
(im defaults to zero).  With numbers, a 1x1 complex matrix: that is how tycho
represents a complex scalar, and A[k] of a complex matrix returns one.]],
  example = [[local z = mat.complex(1, 2)
assert(z:iscomplex() and z:rows() == 1)
local Z = mat.complex(mat{1, 2}, mat{0, -1})
assert(Z:iscomplex())]],
  see = {"mat:real", "mat:imag", "mat:iscomplex"},
})

def("mat.ismat", {
  sig = "mat.ismat(x) -> boolean",
  summary = [[Whether x is a tycho matrix.]],
  example = [[assert(mat.ismat(mat.eye(2)) and not mat.ismat({1, 2}))]],
  see = {},
})

def("mat.printopts", {
  sig = "mat.printopts([{precision=4, threshold=1000, edgeitems=3, linewidth=80}]) -> old",
  summary = [[Set how matrices print: the maximum decimals, the element count
above which a matrix is summarized, the rows and columns shown at each edge of
a summary, and the line width at which columns are split into blocks.  Returns
the previous settings, so mat.printopts(old) restores them.  The number format
is chosen from the printed elements only: integers, fixed point with the fewest
decimals that show them, or scientific notation when magnitudes vary widely.]],
  example = [[local old = mat.printopts{precision = 2}
print(mat{1/3, 2/3})
mat.printopts(old)]],
  see = {"mat.new"},
})

def("mat:rows", {
  sig = "A:rows() -> m",
  summary = [[The number of rows.]],
  example = [[assert(mat.zeros(2, 5):rows() == 2)]],
  see = {"mat:cols", "mat:size"},
})

def("mat:cols", {
  sig = "A:cols() -> n",
  summary = [[The number of columns.]],
  example = [[assert(mat.zeros(2, 5):cols() == 5)]],
  see = {"mat:rows", "mat:size"},
})

def("mat:size", {
  sig = "A:size() -> m, n",
  summary = [[Rows and columns.  #A is the element count m*n.]],
  example = [[local m, n = mat.zeros(2, 5):size()
assert(m == 2 and n == 5 and #mat.zeros(2, 5) == 10)]],
  see = {"mat:rows", "mat:cols"},
})

def("mat:iscomplex", {
  sig = "A:iscomplex() -> boolean",
  summary = [[Whether the elements are complex.]],
  example = [[assert(not mat.eye(2):iscomplex())]],
  see = {"mat.complex"},
})

def("mat:copy", {
  sig = "A:copy() -> B",
  summary = [[A deep copy.]],
  example = [[local A = mat{1, 2}
local B = A:copy()
B[1] = 9
assert(A[1] == 1)]],
  see = {"mat:copy_"},
})

def("mat:row", {
  sig = "A:row(i) -> 1 x n",
  summary = [[Row i as a new 1 x n matrix (a copy).]],
  example = [[local r = mat{{1, 2}, {3, 4}}:row(2)
assert(r:rows() == 1 and r[2] == 4)]],
  see = {"mat:col", "mat:sub"},
})

def("mat:col", {
  sig = "A:col(j) -> m x 1",
  summary = [[Column j as a new m x 1 vector (a copy).]],
  example = [[local c = mat{{1, 2}, {3, 4}}:col(2)
assert(c[1] == 2 and c[2] == 4)]],
  see = {"mat:row", "mat:sub"},
})

def("mat:sub", {
  sig = "A:sub(i1, i2, j1, j2) -> B",
  summary = [[The block of rows i1..i2 and columns j1..j2, inclusive, as a new
matrix (a copy).]],
  example = [[local B = mat{{1, 2, 3}, {4, 5, 6}}:sub(1, 2, 2, 3)
assert(B[{2, 1}] == 5 and B:cols() == 2)]],
  see = {"mat:row", "mat:col"},
})

def("mat:reshape", {
  sig = "A:reshape(m, n) -> B",
  summary = [[The same elements in column-major order with a new shape m x n
(m*n must equal #A).  Returns a copy.]],
  example = [[local B = mat{1, 2, 3, 4}:reshape(2, 2)
assert(B[{1, 2}] == 3)]],
  see = {"mat:t"},
})

def("mat:t", {
  sig = "A:t() -> B",
  summary = [[The transpose (not conjugated; A:ct() conjugates).]],
  example = [[local B = mat{{1, 2}}:t()
assert(B:rows() == 2 and B[2] == 2)]],
  see = {"mat:ct"},
})

def("mat:ct", {
  sig = "A:ct() -> B",
  summary = [[The conjugate transpose A^H; for a real matrix the same as
A:t().]],
  example = [[local z = mat.complex(1, 2):ct()
assert(z:imag()[1] == -2)]],
  see = {"mat:t", "mat:conj"},
})

def("mat:totable", {
  sig = "A:totable() -> table",
  summary = [[A Lua table: a flat table for a vector (either orientation), a
table of rows for a matrix; complex elements become {re, im} pairs.]],
  example = [[local t = mat{{1, 2}, {3, 4}}:totable()
assert(t[2][1] == 3)
assert(mat{5, 6}:totable()[2] == 6)]],
  see = {"mat.new"},
})

def("mat:diag", {
  sig = "A:diag([k=0]) -> v",
  summary = [[Diagonal k of A as a column vector (k > 0 above the main
diagonal).  mat.diag goes the other way.]],
  example = [[local d = mat{{1, 2}, {3, 4}}:diag()
assert(d[1] == 1 and d[2] == 4)]],
  see = {"mat.diag", "mat:trace"},
})

def("mat.index", {
  sig = "A[k]  A[{i, j}]  A[k] = v  A[{i, j}] = v",
  summary = [[Get or set one element: A[k] by 1-based linear index in
column-major order, A[{i, j}] by row and column.  An element of a complex
matrix is returned as a 1x1 complex matrix; storing a complex value in a real
matrix is an error.  Out-of-range indices are errors.]],
  example = [[local A = mat.zeros(2, 2)
A[{1, 2}] = 5
assert(A[3] == 5)]],
  see = {"mat:sub"},
})

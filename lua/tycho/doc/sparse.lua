-- Help texts of sparse: real sparse matrices in compressed sparse row form.
local def = ...

def("sparse.new", {
  sig = "sparse.new(I, J, V [, m [, n]]) -> S",
  summary = [[An m x n sparse matrix from triplets: entry k is V[k] at row
I[k], column J[k] (1-based).  I, J and V are vectors or tables of equal
length; V may also be one number for every entry.  Duplicate (i, j) pairs are
summed.  Entries are stored as given, so an explicit zero (or duplicates that
cancel) stays a stored entry and counts in S:nnz(); S:dropzeros() removes
them.  m and n default to the largest row and column index.  Indices must be
integers in 1..m and 1..n, and values finite (NaN and Inf are errors).  Like
scipy.sparse.csr_matrix((V, (I-1, J-1)), shape=(m, n)) and Octave's
sparse(I, J, V, m, n).]],
  example = [[local S = sparse.new({1, 2, 2, 3}, {1, 2, 2, 3}, {4, 1, 2, 5},
                        3, 3)
assert(S[{2, 2}] == 3 and S:nnz() == 3)
assert(S[{1, 3}] == 0)]],
  see = {"sparse.from", "sparse:find", "sparse:dropzeros"},
})

def("sparse.from", {
  sig = "sparse.from(A [, droptol=0]) -> S",
  summary = [[The sparse matrix of the dense real matrix A (a mat or a table
of rows), keeping the elements with |a| > droptol, so exact zeros are always
dropped.  A sparse A is filtered the same way (a copy without small
entries).  NaN or Inf elements are errors.]],
  example = [[local S = sparse.from(mat{{1, 0, 2}, {0, 0, 3}})
assert(S:nnz() == 3 and S[{2, 3}] == 3)
assert(sparse.from({{1, 1e-12}}, 1e-9):nnz() == 1)]],
  see = {"sparse:todense", "sparse.new"},
})

def("sparse.eye", {
  sig = "sparse.eye(m [, n=m]) -> S",
  summary = [[The sparse m x m identity, or m x n with ones on the main
diagonal.]],
  example = [[local S = sparse.eye(4)
assert(S:nnz() == 4 and S[{3, 3}] == 1 and S[{3, 4}] == 0)]],
  see = {"sparse.diag", "mat.eye"},
})

def("sparse.diag", {
  sig = "sparse.diag(v [, k=0]) -> S",
  summary = [[A square sparse matrix with the vector v on diagonal k (k > 0
above the main diagonal, k < 0 below); its size is #v + |k|.  Every element of
v is stored, zeros included.  Like scipy.sparse.diags(v, k) and Octave's
spdiags.]],
  example = [[local S = sparse.diag({1, 2, 3}, 1)
assert(S:rows() == 4 and S[{1, 2}] == 1 and S[{3, 4}] == 3)]],
  see = {"sparse:diag", "sparse.eye"},
})

def("sparse.laplacian", {
  sig = "sparse.laplacian(nx [, ny [, nz]]) -> S",
  summary = [[The finite-difference Laplacian (negated, so positive definite)
with Dirichlet boundaries on an nx (1D), nx x ny (2D) or nx x ny x nz (3D)
grid of interior points, unscaled (multiply by 1/h^2 for a grid spacing h):
2, 4 or 6 on the diagonal and -1 for each grid neighbour (3-, 5- or 7-point
stencil).  Unknowns are ordered with x fastest: point (i, j, k) is row
i + nx*(j-1) + nx*ny*(k-1).  The diagonal follows the number of sizes given,
so laplacian(n, 1) is laplacian(n) + 2I.  Its eigenvalues are sums of
2 - 2cos(p pi/(n+1)), one term per dimension.]],
  example = [[local S = sparse.laplacian(3, 2)
assert(S:rows() == 6 and S[{1, 1}] == 4)
assert(S[{1, 2}] == -1 and S[{1, 4}] == -1 and S[{3, 4}] == 0)
assert(S:t() == S)]],
  see = {"sparse.new", "sparse:diag"},
})

def("sparse.issparse", {
  sig = "sparse.issparse(x) -> boolean",
  summary = [[Whether x is a sparse matrix.]],
  example = [[assert(sparse.issparse(sparse.eye(2)))
assert(not sparse.issparse(mat.eye(2)))]],
  see = {"mat.ismat"},
})

def("sparse.check", {
  sig = "sparse.check(S) -> boolean",
  summary = [[Whether S satisfies the CSR invariants every operation keeps:
row pointers increasing from 0 to nnz, column indices in range and strictly
increasing within each row, diagonal positions consistent.  For tests and
debugging.]],
  example = [[assert(sparse.check(sparse.laplacian(4, 4)))]],
  see = {"sparse.new"},
})

def("sparse.operators", {
  sig = "S * x  S * A  A * S  S * T  S + T  S - T  -S  s * S  S / s  S == T",
  summary = [[Arithmetic with sparse matrices.  S * x and S * A with a dense
vector or matrix (a mat or a table, real or complex) give a dense result (a
tight C loop: y = S x reads each stored entry once); A * S (dense times
sparse) also gives a dense result when A is a table or when the mat module
passes the product on.  S * T with two sparse matrices is a sparse product.
S + T and S - T need two sparse matrices of one shape (the result stores the
union of both patterns); mixing sparse and dense in + or - is an error:
convert with S:todense() or sparse.from(A).  A number scales (s * S, S * s,
S / s, -S), keeping the pattern.  S == T compares values, absent entries
counting as zeros.  Shape mismatches are errors naming both shapes.]],
  example = [[local S = sparse.laplacian(3)
local y = S * mat{1, 1, 1}
assert(y[1] == 1 and y[2] == 0 and y[3] == 1)
local T = S + 2 * sparse.eye(3)
assert(T[{2, 2}] == 4 and (T - S)[{2, 2}] == 2)
assert((S * sparse.eye(3)) == S)]],
  see = {"sparse:t", "sparse:todense"},
})

def("sparse.index", {
  sig = "S[{i, j}] -> number",
  summary = [[The element at row i, column j (1-based): the stored value, or
0 where no entry is stored (a binary search in row i).  Sparse matrices are
read-only: assigning to an element is an error (build a new matrix, or work
on S:todense()).  Out-of-range indices are errors naming the index.]],
  example = [[local S = sparse.diag({5, 6})
assert(S[{2, 2}] == 6 and S[{1, 2}] == 0)]],
  see = {"sparse.new", "sparse:find"},
})

def("sparse.tostring", {
  sig = "tostring(S) -> string",
  summary = [[A short summary, "5x5 sparse matrix, 13 nonzeros", followed by
the first ten stored entries in row order as (i, j) value lines.  The prompt
prints sparse matrices this way.]],
  example = [[local s = tostring(sparse.laplacian(5))
assert(s:find("^5x5 sparse matrix, 13 nonzeros"))]],
  see = {"sparse:find"},
})

def("sparse:rows", {
  sig = "S:rows() -> m",
  summary = [[The number of rows.]],
  example = [[assert(sparse.eye(3, 5):rows() == 3)]],
  see = {"sparse:cols", "sparse:size"},
})

def("sparse:cols", {
  sig = "S:cols() -> n",
  summary = [[The number of columns.]],
  example = [[assert(sparse.eye(3, 5):cols() == 5)]],
  see = {"sparse:rows", "sparse:size"},
})

def("sparse:size", {
  sig = "S:size() -> m, n",
  summary = [[The number of rows and of columns.]],
  example = [[local m, n = sparse.laplacian(4, 3):size()
assert(m == 12 and n == 12)]],
  see = {"sparse:rows", "sparse:nnz"},
})

def("sparse:nnz", {
  sig = "S:nnz() -> count",
  summary = [[The number of stored entries (explicit zeros included, see
sparse.new).]],
  example = [[assert(sparse.laplacian(5):nnz() == 13)]],
  see = {"sparse:dropzeros", "sparse:size"},
})

def("sparse:t", {
  sig = "S:t() -> T",
  summary = [[The transpose, a new sparse matrix (a counting sort, linear in
the number of entries).]],
  example = [[local S = sparse.new({1}, {3}, {7}, 2, 3)
local T = S:t()
assert(T:rows() == 3 and T[{3, 1}] == 7)]],
  see = {"mat:t"},
})

def("sparse:todense", {
  sig = "S:todense() -> A",
  summary = [[The dense matrix (a real mat) with the same elements, like
scipy's S.toarray() and Octave's full(S).]],
  example = [[local A = sparse.laplacian(2):todense()
assert(A[{1, 1}] == 2 and A[{1, 2}] == -1)]],
  see = {"sparse.from"},
})

def("sparse:diag", {
  sig = "S:diag([k=0]) -> v",
  summary = [[Diagonal k of S as a dense column vector (k > 0 above the main
diagonal), zeros where nothing is stored.]],
  example = [[local d = sparse.laplacian(3):diag()
assert(#d == 3 and d[2] == 2)
assert(sparse.laplacian(3):diag(1)[1] == -1)]],
  see = {"sparse.diag", "mat:diag"},
})

def("sparse:find", {
  sig = "S:find() -> I, J, V",
  summary = [[The stored entries as three vectors of equal length: 1-based
rows, 1-based columns and values, in row order (columns increasing within a
row).  sparse.new(I, J, V, S:size()) rebuilds S.  Like Octave's find(S).]],
  example = [[local S = sparse.diag({4, 5})
local I, J, V = S:find()
assert(I[2] == 2 and J[2] == 2 and V[2] == 5)
assert(sparse.new(I, J, V, S:size()) == S)]],
  see = {"sparse.new"},
})

def("sparse:dropzeros", {
  sig = "S:dropzeros([tol=0]) -> T",
  summary = [[A copy of S without the stored entries with |v| <= tol (by
default the explicit zeros).]],
  example = [[local S = sparse.new({1, 1, 2}, {1, 1, 2}, {1, -1, 3}, 2, 2)
assert(S:nnz() == 2 and S:dropzeros():nnz() == 1)]],
  see = {"sparse:nnz", "sparse.from"},
})

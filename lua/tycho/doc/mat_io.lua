-- Help texts of matrix files: mat.load and A:save (CSV and NumPy .npy).
-- The full description of the formats is docs/io.md.
local def = ...

def("mat.load", {
  sig = "mat.load(path [, opts]) -> A [, names] | nil, message",
  summary = [[Read a matrix from a file.  The format comes from the extension:
.npy is NumPy's binary format (versions 1.0, 2.0, 3.0; C or Fortran order;
float64, complex128, float32, complex64, integer and bool dtypes, converted to
double; a 1-D array becomes n x 1, a 0-D array 1x1); .csv, .tsv, .txt and .dat
are text, one row per line (delimiter ",", tab, and runs of blanks for .txt
and .dat).  opts.format = "csv" | "npy" overrides the extension.
CSV options: delimiter (one character), header (true: the first line holds
column names; false: it is data; default: a header when it is not all
numbers), comment (default "#": the rest of a line from it is ignored; false
for none), missing (a number for empty fields; default: they are an error).
Numbers may be nan, inf, -inf; complex fields are written re+imj.  When a
header was read, its names come back as a second result.  A file that is
missing, unreadable or malformed gives nil and a message naming the file and
the line.]],
  example = [[local base = os.tmpname()
local path = base .. ".csv"
mat{{1, 2}, {3, 4}}:save(path, {header = {"x", "y"}})
local A, names = mat.load(path)
assert(A[{2, 1}] == 3 and names[2] == "y")
local B, msg = mat.load(path .. ".missing.npy")
assert(B == nil and msg:find("No such file"))
os.remove(path)
os.remove(base)]],
  see = {"mat:save"},
})

def("mat:save", {
  sig = "A:save(path [, opts]) -> true | nil, message",
  summary = [[Write A to a file, in the format of the extension (.npy, or text
for .csv, .tsv, .txt, .dat; opts.format overrides).  .npy files hold a 2-D
array of dtype '<f8' or '<c16' in Fortran order (format 1.0), so np.load gives
back the same m x n array.  Text files hold one row per line; each number is
written with the fewest digits that read back exactly (opts.precision = p
uses "%.<p>g" instead), nan, inf and -inf as such, complex elements as re+imj
like NumPy.  CSV options: delimiter, header (a table of column names, quoted
when needed, or a string written as the first line), precision.  Returns
true, or nil and a message when the file cannot be written.]],
  example = [[local base = os.tmpname()
local path = base .. ".npy"
local A = mat{{1.5, -2}, {0.1, 1e300}}
assert(A:save(path))
local B = mat.load(path)
assert(B[{2, 1}] == 0.1 and B[{2, 2}] == 1e300)
os.remove(path)
os.remove(base)]],
  see = {"mat.load"},
})

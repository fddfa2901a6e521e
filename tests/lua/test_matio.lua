-- test_matio.lua: mat.load and A:save, CSV and NumPy .npy.
-- Round trips must be exact; hand-made .npy bytes cover every header
-- version, order and dtype; bad files give nil, message; and when Debian's
-- python3 has numpy, files go both ways between tycho and NumPy.
local t = require "tap"
local mat = require "tycho.mat"
local rand = require "tycho.rand"

-- temporary files: under $TY_TMP (make check), else next to os.tmpname()
local made = {}
local base
do
  local dir = os.getenv("TY_TMP")
  if dir then base = dir .. "/matio_"
  else
    base = os.tmpname()
    made[#made + 1] = base
    base = base .. "_"
  end
end
local function tmp(name)
  local p = base .. name
  made[#made + 1] = p
  return p
end

local function write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
  return path
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- exact equality of two mats: same shape, same kind, bitwise-equal
-- numbers (NaN equals NaN, -0 differs from 0)
local function same_bits(x, y)
  return string.pack("<d", x) == string.pack("<d", y) or (x ~= x and y ~= y)
end
-- the elements of A in column-major order, complex ones as {re, im}
local function elements(A)
  local m, n = A:size()
  local tt, out = A:totable(), {}
  if m == 1 or n == 1 then return tt end
  for j = 1, n do
    for i = 1, m do out[#out + 1] = tt[i][j] end
  end
  return out
end
local function identical(A, B)
  if not (mat.ismat(A) and mat.ismat(B)) then return false, "not mats" end
  if A:rows() ~= B:rows() or A:cols() ~= B:cols() then
    return false, string.format("shapes %dx%d and %dx%d", A:rows(), A:cols(),
                                B:rows(), B:cols())
  end
  if A:iscomplex() ~= B:iscomplex() then return false, "kinds differ" end
  local ea, eb = elements(A), elements(B)
  for k = 1, #A do
    local x, y = ea[k], eb[k]
    if type(x) == "table" then
      if not (same_bits(x[1], y[1]) and same_bits(x[2], y[2])) then
        return false, "element " .. k .. " differs"
      end
    elseif not same_bits(x, y) then
      return false, string.format("element %d differs: %.17g and %.17g", k, x, y)
    end
  end
  return true
end
-- the largest difference between the elements of A and B (same shape)
local function maxdiff(A, B)
  local ea, eb, d = elements(A), elements(B), 0
  for k = 1, #A do
    local x, y = ea[k], eb[k]
    if type(x) == "table" then
      d = math.max(d, math.abs(x[1] - y[1]), math.abs(x[2] - y[2]))
    else d = math.max(d, math.abs(x - y)) end
  end
  return d
end
local function same(A, B, name)
  local ok, why = identical(A, B)
  return t.ok(ok, name .. (ok and "" or (" (" .. tostring(why) .. ")")))
end

-- a load that must fail with a message matching pattern
local function fails(path, opts, pattern, name)
  local ok, a, msg = pcall(mat.load, path, opts)
  if not ok then return t.ok(false, name .. " (raised: " .. tostring(a) .. ")") end
  if a ~= nil then return t.ok(false, name .. " (loaded a matrix)") end
  return t.ok(type(msg) == "string" and msg:find(pattern) ~= nil,
              name .. " (" .. tostring(msg) .. ")")
end

-- ---------------------------------------------------------------------
-- test data
rand.seed(11)
local A = mat.randn(7, 5)
do  -- spread the exponents, add special values
  local scale = {1e-300, 1e-10, 1, 1e10, 1e300}
  for j = 1, 5 do
    for i = 1, 7 do A[{i, j}] = A[{i, j}] * scale[j] end
  end
  A[{1, 1}] = 0 / 0
  A[{2, 1}] = 1 / 0
  A[{3, 1}] = -1 / 0
  A[{4, 1}] = -0.0
  A[{5, 1}] = 5e-324                  -- smallest subnormal
  A[{6, 1}] = 1.7976931348623157e308  -- largest double
  A[{7, 1}] = 0.1
end
local Z = mat.complex(mat.randn(4, 3), mat.randn(4, 3))
Z[{1, 1}] = mat.complex(mat{0 / 0}, mat{1 / 0})
Z[{2, 2}] = mat.complex(mat{-1 / 0}, mat{-0.0})
Z[{3, 3}] = mat.complex(mat{1e-310}, mat{-2.5e300})

-- ---------------------------------------------------------------------
-- round trips
for _, ext in ipairs({"csv", "tsv", "txt", "npy"}) do
  local p = tmp("round." .. ext)
  t.is(A:save(p), true, ext .. ": save returns true")
  same(mat.load(p), A, ext .. ": real round trip is exact (NaN, Inf, -0, subnormal, 1e300)")
  local pz = tmp("roundz." .. ext)
  t.is(Z:save(pz), true, ext .. ": complex save")
  same(mat.load(pz), Z, ext .. ": complex round trip is exact")
end

for _, ext in ipairs({"csv", "npy"}) do
  local v = mat{1.5, -2, 3}
  local p = tmp("vec." .. ext)
  v:save(p)
  same(mat.load(p), v, ext .. ": a vector stays n x 1")
  local r = mat{{1, 2, 3}}
  r:save(p)
  same(mat.load(p), r, ext .. ": a row stays 1 x n")
end

do
  local p = tmp("empty.npy")
  for _, shape in ipairs({{0, 0}, {0, 3}, {4, 0}}) do
    local E = mat.zeros(shape[1], shape[2])
    E:save(p)
    same(mat.load(p), E, string.format("npy: empty %dx%d round trip", shape[1], shape[2]))
  end
  mat.complex(mat.zeros(0, 2)):save(p)
  same(mat.load(p), mat.complex(mat.zeros(0, 2)), "npy: empty complex 0x2")

  local c = tmp("empty.csv")
  mat.zeros(0, 0):save(c)
  t.is(slurp(c), "", "csv: 0x0 writes an empty file")
  same(mat.load(c), mat.zeros(0, 0), "csv: an empty file loads as 0x0")
  mat.zeros(0, 3):save(c, {header = {"x", "y", "z"}})
  local E, names = mat.load(c)
  same(E, mat.zeros(0, 3), "csv: header only loads as 0 x n")
  t.is(names and table.concat(names, "|"), "x|y|z", "csv: ... with its names")
end

do
  local p = tmp("prec.csv")
  mat{{1 / 3, 2 / 3}}:save(p, {precision = 4})
  t.is(slurp(p), "0.3333,0.6667\n", "csv: opts.precision")
  mat{{0.1, 1e22, 1 / 3}}:save(p)
  t.is(slurp(p), "0.1,1e+22,0.3333333333333333\n",
       "csv: shortest exact digits by default")
  mat{{1, 2}}:save(p, {delimiter = ";"})
  t.is(slurp(p), "1;2\n", "csv: opts.delimiter")
  mat{{1, 2}}:save(tmp("d.tsv"))
  t.is(slurp(tmp("d.tsv")), "1\t2\n", ".tsv: tab by default")
  mat{{1, 2}}:save(tmp("d.txt"))
  t.is(slurp(tmp("d.txt")), "1 2\n", ".txt: space by default")
  mat{{1, 2}}:save(tmp("d.dat"), {format = "npy"})
  same(mat.load(tmp("d.dat"), {format = "npy"}), mat{{1, 2}}, "opts.format overrides the extension")
  mat.complex(mat{{1, 2}}, mat{{-3, 0}}):save(p)
  t.is(slurp(p), "1-3j,2+0j\n", "csv: complex as re+imj")
end

-- ---------------------------------------------------------------------
-- CSV reading
do
  local p = tmp("h.csv")
  mat{{1, 2, 3}, {4, 5, 6}}:save(p, {header = {"a", "b, c", 'say "hi"'}})
  t.is(slurp(p):match("^[^\n]*"), 'a,"b, c","say ""hi"""', "header names are quoted as needed")
  local B, names = mat.load(p)
  same(B, mat{{1, 2, 3}, {4, 5, 6}}, "auto-detected header is skipped")
  t.is(names and #names, 3, "three names")
  t.is(names and names[2], "b, c", "quoted name with the delimiter")
  t.is(names and names[3], 'say "hi"', "quoted name with quotes")

  mat{{1, 2}}:save(p, {header = "# made by tycho"})
  local C, n2 = mat.load(p)
  same(C, mat{{1, 2}}, "a string header (a comment here) is written as is")
  t.is(n2, nil, "a comment line is no header")

  write(p, "1,2\n3,4\n")
  local D, n3 = mat.load(p)
  same(D, mat{{1, 2}, {3, 4}}, "no header")
  t.is(n3, nil, "no names without a header")
  local E, n4 = mat.load(p, {header = true})
  same(E, mat{{3, 4}}, "opts.header = true skips a numeric first line")
  t.is(n4 and n4[1], "1", "... and returns it as names")
  write(p, "x,y\n3,4\n")
  fails(p, {header = false}, "line 1, field 1: 'x' is not a number",
        "opts.header = false: a text line is an error")

  write(p, "\239\187\191# comment\r\n\r\n  1 , 2 # trailing\r\n\r\n3,4")
  same(mat.load(p), mat{{1, 2}, {3, 4}}, "BOM, CRLF, blank lines, comments, blanks, no final newline")
  write(p, '"1.5","2"\n(1+2j),3j\n')
  same(mat.load(p), mat.complex(mat{{1.5, 2}, {1, 0}}, mat{{0, 0}, {2, 3}}),
       "quoted numbers, (re+imj) and imj")
  write(p, "nan,NaN,inf,-inf,Infinity,-0x1p-3,1E5\n")
  local S = mat.load(p)
  t.ok(S[1] ~= S[1] and S[2] ~= S[2] and S[3] == 1 / 0 and S[4] == -1 / 0 and
       S[5] == 1 / 0 and S[6] == -0.125 and S[7] == 1e5, "nan, inf, hex, exponents")
  write(p, "1;2;3\n4;5;6\n")
  same(mat.load(p, {delimiter = ";"}), mat{{1, 2, 3}, {4, 5, 6}}, "opts.delimiter on load")
  write(p, "1\t\t3\n")
  same(mat.load(p, {delimiter = "\t", missing = -1}), mat{{1, -1, 3}}, "tab with an empty field")
  write(p, "% octave\n1,2\n")
  same(mat.load(p, {comment = "%"}), mat{{1, 2}}, "opts.comment")
  write(p, "1#2\n3#4\n")
  same(mat.load(p, {delimiter = "#"}), mat{{1, 2}, {3, 4}}, "delimiter '#' turns comments off")
  write(p, "#a,b\n1,2\n")
  same(mat.load(p, {comment = false, header = true}), mat{{1, 2}}, "opts.comment = false")

  local q = tmp("ws.txt")
  write(q, "   1.0000000e+00   2.0000000e+00\n  -3.0000000e+00\t4.0000000e+00  \n")
  same(mat.load(q), mat{{1, 2}, {-3, 4}}, ".txt: runs of blanks (Octave's save -ascii)")

  write(p, "1,2,3\n4,5,6\n7,8\n")
  fails(p, nil, "line 3 has 2 fields, expected 3", "ragged rows")
  write(p, "1,2\n\n# c\n4,5,6\n")
  fails(p, nil, "line 4 has 3 fields, expected 2", "ragged rows count physical lines")
  write(p, "1,2\n3,abc\n")
  fails(p, nil, "line 2, field 2: 'abc' is not a number", "a word in the data")
  write(p, "1,,3\n")
  fails(p, nil, "line 1, field 2 is empty", "an empty field")
  local M = mat.load(p, {missing = 0 / 0})
  t.ok(M and M[2] ~= M[2] and M[3] == 3, "opts.missing fills empty fields")
  write(p, "a,b\n1,2,3\n")
  fails(p, nil, "header %(line 1%) has 2 names, the data 3 columns", "header and data disagree")
  write(p, "1,2x\n")
  fails(p, {header = false}, "'2x' is not a number", "trailing garbage")
  write(p, "1+2,3\n")
  fails(p, {header = false}, "'1%+2' is not a number", "an incomplete complex number")
  fails(tmp("missing.csv"), nil, "No such file", "a missing file")
  fails(base:match("^(.*)/") or "/tmp", {format = "csv"}, "directory", "a directory")
  t.ok(select(2, mat.load(tmp("missing.csv"))):find(tmp("missing.csv"), 1, true),
       "the message names the file")
  write(p, "1,2\n3,4")
  local one = table.pack(mat.load(p))
  t.is(one.n, 1, "without a header, load returns one value")
end

-- ---------------------------------------------------------------------
-- hand-made .npy files
local function npy(dict, data, major, opts)
  major = major or 1
  opts = opts or {}
  local pre = major == 1 and 10 or 12
  local total = pre + #dict + 1
  total = total + (64 - total % 64) % 64
  local hlen = total - pre
  local head = "\147NUMPY" .. string.char(major, opts.minor or 0) ..
               (major == 1 and string.pack("<I2", hlen) or string.pack("<I4", hlen))
  return head .. dict .. string.rep(" ", hlen - #dict - 1) .. "\n" .. (data or "")
end

local function dict(descr, fortran, shape)
  return string.format("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                       descr, fortran and "True" or "False", shape)
end

local function pack_all(fmt, list)
  local out = {}
  for i, v in ipairs(list) do out[i] = string.pack(fmt, v) end
  return table.concat(out)
end

do
  local p = tmp("hand.npy")
  local M23 = mat{{1, 2, 3}, {4, 5, 6}}
  -- C order: rows one after the other
  local crow = pack_all("<d", {1, 2, 3, 4, 5, 6})
  local fcol = pack_all("<d", {1, 4, 2, 5, 3, 6})
  for major = 1, 3 do
    write(p, npy(dict("<f8", false, "(2, 3)"), crow, major))
    same(mat.load(p), M23, "format " .. major .. ".0, <f8, C order")
    write(p, npy(dict("<f8", true, "(2, 3)"), fcol, major))
    same(mat.load(p), M23, "format " .. major .. ".0, <f8, Fortran order")
  end
  local ints = {1, 2, 3, 4, 5, 6}
  for _, d in ipairs({{"<f4", "<f"}, {"<i4", "<i4"}, {"<i8", "<i8"}, {"<i2", "<i2"},
                      {"|i1", "<i1"}, {"<u2", "<I2"}, {"<u4", "<I4"}, {"<u8", "<I8"},
                      {"|u1", "B"}, {"<u1", "B"}}) do
    write(p, npy(dict(d[1], false, "(2, 3)"), pack_all(d[2], ints)))
    same(mat.load(p), M23, "dtype " .. d[1] .. " becomes double")
  end
  write(p, npy(dict("<i4", false, "(3,)"), pack_all("<i4", {-1, 2147483647, -2147483648})))
  same(mat.load(p), mat{-1, 2147483647, -2147483648}, "<i4 extremes, 1-D is n x 1")
  write(p, npy(dict("<i8", false, "(2,)"), pack_all("<i8", {math.mininteger, -7})))
  same(mat.load(p), mat{-2 ^ 63, -7}, "<i8 negative")
  write(p, npy(dict("<u8", false, "(1,)"), pack_all("<i8", {-1})))
  same(mat.load(p), mat{2 ^ 64}, "<u8 2^64-1 rounds to 2^64")
  write(p, npy(dict("|b1", false, "(2, 2)"), "\1\0\0\2"))
  same(mat.load(p), mat{{1, 0}, {0, 1}}, "|b1 as 0 and 1")
  write(p, npy(dict("<c16", false, "(2, 2)"), pack_all("<d", {1, -1, 2, 0, 3, 0.5, 4, 4})))
  same(mat.load(p), mat.complex(mat{{1, 2}, {3, 4}}, mat{{-1, 0}, {0.5, 4}}),
       "<c16, C order")
  write(p, npy(dict("<c16", true, "(2, 2)"), pack_all("<d", {1, -1, 3, 0.5, 2, 0, 4, 4})))
  same(mat.load(p), mat.complex(mat{{1, 2}, {3, 4}}, mat{{-1, 0}, {0.5, 4}}),
       "<c16, Fortran order")
  write(p, npy(dict("<c8", false, "(2,)"), pack_all("<f", {1, 2, 3, -4})))
  same(mat.load(p), mat.complex(mat{1, 3}, mat{2, -4}), "<c8 becomes complex128")
  write(p, npy(dict("<f8", false, "()"), pack_all("<d", {42.5})))
  same(mat.load(p), mat{42.5}, "0-D is 1x1")
  write(p, npy(dict("<f8", false, "(0,)"), ""))
  same(mat.load(p), mat.zeros(0, 1), "(0,) is 0x1")
  write(p, npy(dict("<f8", false, "(3, 0)"), ""))
  same(mat.load(p), mat.zeros(3, 0), "(3, 0) is 3x0")
  write(p, npy("{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f8\"}",
               pack_all("<d", {7, 8})))
  same(mat.load(p), mat{7, 8}, "keys in another order, double quotes, 2L")
  write(p, npy(dict("<f8", false, "(2,)"), pack_all("<d", {1, 2, 3})))
  same(mat.load(p), mat{1, 2}, "trailing bytes after the data are ignored")
  local big = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), " ..
              string.rep(" ", 70000) .. "}"
  write(p, npy(big, pack_all("<d", {5, 6}), 2))
  same(mat.load(p), mat{5, 6}, "format 2.0 with a header over 64 KiB")

  -- what we write
  M23:save(p)
  local bytes = slurp(p)
  t.is(bytes:sub(1, 8), "\147NUMPY\1\0", "we write format 1.0")
  local hlen = string.unpack("<I2", bytes, 9)
  t.is((10 + hlen) % 64, 0, "the data starts at a multiple of 64")
  t.ok(bytes:sub(11, 10 + hlen):find("{'descr': '<f8', 'fortran_order': True, " ..
       "'shape': (2, 3), }", 1, true), "header: <f8, Fortran order, shape (2, 3)")
  t.is(bytes:sub(11 + hlen), fcol, "data in column-major order")
  mat.complex(M23):save(p)
  t.ok(slurp(p):find("'<c16'", 1, true), "complex is written as <c16")

  -- bad files
  write(p, "")
  fails(p, nil, "not a %.npy file", "an empty file")
  write(p, "PK\3\4 something else entirely")
  fails(p, nil, "bad magic", "bad magic")
  write(p, "\147NUMPY\1")
  fails(p, nil, "truncated", "cut inside the preamble")
  write(p, npy(dict("<f8", false, "(2, 3)"), crow):sub(1, 40))
  fails(p, nil, "truncated .npy header", "cut inside the header")
  write(p, npy(dict("<f8", false, "(2, 3)"), crow):sub(1, -9))
  fails(p, nil, "truncated file %(the data needs 48 bytes, 40 are present%)", "cut inside the data")
  write(p, npy(dict("<f8", false, "(2, 3)")))
  fails(p, nil, "truncated file", "no data at all")
  write(p, npy(dict("<f8", false, "(100000000, 100000000)"), crow))
  fails(p, nil, "truncated file", "a huge shape is checked against the file size")
  write(p, npy(dict("<f8", false, "(99999999999999999999999, 2)"), crow))
  fails(p, nil, "overflows", "a shape too large for size_t")
  write(p, npy(dict("<f8", false, "(4294967296, 4294967296)"), crow))
  fails(p, nil, "overflows", "a product of shapes that overflows")
  write(p, npy(dict(">f8", false, "(2,)"), string.pack(">d>d", 1, 2)))
  fails(p, nil, "big%-endian data %('>f8'%) is not supported", "big-endian")
  write(p, npy(dict("<U3", false, "(2,)"), string.rep("\0", 24)))
  fails(p, nil, "unsupported dtype '<U3'", "strings")
  write(p, npy(dict("<f2", false, "(2,)"), "\0\0\0\0"))
  fails(p, nil, "unsupported dtype '<f2'", "half floats")
  write(p, npy(dict("|O", false, "(2,)"), "\0\0\0\0"))
  fails(p, nil, "unsupported dtype", "objects")
  write(p, npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
               pack_all("<d", {1})))
  fails(p, nil, "structured", "a structured dtype")
  write(p, npy(dict("<f8", false, "(2, 2, 2)"), pack_all("<d", ints) .. pack_all("<d", {7, 8})))
  fails(p, nil, "3%-D arrays are not supported", "3-D")
  write(p, npy(dict("<f8", false, "(2,)"), crow, 4))
  fails(p, nil, "unsupported %.npy format version 4%.0", "version 4.0")
  write(p, npy(dict("<f8", false, "(2,)"), crow, 1, {minor = 1}))
  fails(p, nil, "version 1%.1", "version 1.1")
  write(p, npy("{'descr': '<f8', 'shape': (2,)}", crow))
  fails(p, nil, "lacks 'fortran_order'", "a missing key")
  write(p, npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,)}", crow))
  fails(p, nil, "malformed", "a malformed value")
  write(p, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", crow))
  fails(p, nil, "unexpected key 'extra'", "an unknown key")
  write(p, npy("['descr', '<f8']", crow))
  fails(p, nil, "malformed", "not a dictionary")
  write(p, npy(dict("<f8", false, "(-2,)"), crow))
  fails(p, nil, "malformed", "a negative dimension")
  write(p, "\147NUMPY\1\0\255\255{")
  fails(p, nil, "truncated .npy header", "a header longer than the file")
  write(p, "\147NUMPY\2\0\255\255\255\127")
  fails(p, nil, "header too long", "an absurd header length")
  fails(tmp("missing.npy"), nil, "No such file", "a missing .npy")
  for cut = 0, 200, 7 do   -- every prefix of a good file fails cleanly
    write(p, npy(dict("<c16", false, "(2, 3)"), pack_all("<d", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})):sub(1, cut))
    local ok, r = pcall(mat.load, p)
    if not ok or r ~= nil then
      t.ok(false, "prefix of " .. cut .. " bytes fails cleanly") break
    end
  end
  t.ok(true, "every cut of a good file gives nil, message")
  rand.seed(5)
  local crashed = false
  for trial = 1, 200 do  -- random garbage after a valid preamble
    local g = {}
    for k = 1, rand.int(0, 120) do g[k] = string.char(rand.int(32, 126)) end
    write(p, "\147NUMPY\1\0" .. string.pack("<I2", #g) .. table.concat(g))
    local ok, r = pcall(mat.load, p)
    if not ok or r ~= nil then crashed = trial break end
  end
  t.ok(not crashed, "random headers give nil, message")
end

-- ---------------------------------------------------------------------
-- writing errors and bad arguments
do
  local ok, msg = mat{1}:save("/nonexistent-dir/x.csv")
  t.ok(ok == nil and msg:find("No such file"), "save to a missing folder: nil, message")
  ok, msg = mat{1}:save("/nonexistent-dir/x.npy")
  t.ok(ok == nil and msg:find("/nonexistent%-dir/x.npy"), "npy save failure names the file")
end
local p = tmp("args.csv")
t.throws(function() mat.load() end, "bad argument #1 to 'load' %(string expected", "load: no path")
t.throws(function() mat.load({}) end, "bad argument #1 to 'load'", "load: table path")
t.throws(function() mat.load("x.xls") end, "cannot tell the format of 'x.xls'", "load: unknown extension")
t.throws(function() mat.load("noext") end, "cannot tell the format", "load: no extension")
t.throws(function() mat.load(p, 3) end, "bad argument #2 to 'load' %(table expected", "load: opts not a table")
t.throws(function() mat.load(p, {format = "xls"}) end, "opts.format must be", "load: bad format")
t.throws(function() mat.load(p, {delimiter = ";;"}) end, "opts.delimiter must be one character",
         "load: long delimiter")
t.throws(function() mat.load(p, {header = "yes"}) end, "opts.header must be true, false or nil",
         "load: header string")
t.throws(function() mat.load(p, {missing = "x"}) end, "opts.missing must be a number",
         "load: missing string")
t.throws(function() mat.load(p, {comment = 5}) end, "opts.comment must be", "load: bad comment")
t.throws(function() mat.load(p, {comment = ";", delimiter = ";"}) end,
         "opts.comment must differ from opts.delimiter", "load: comment = delimiter")
t.throws(function() mat{1}:save() end, "bad argument #1 to 'save' %(string expected", "save: no path")
t.throws(function() mat{1}:save(p, "csv") end, "bad argument #2 to 'save' %(table expected",
         "save: opts not a table")
t.throws(function() mat.methods.save(mat{1}, p, "csv") end, "bad argument #3 to 'save'",
         "save as a function: argument numbers count the matrix")
t.throws(function() mat{1, 2}:save(p, {header = {"a", "b"}}) end, "2 names for 1 columns",
         "save: header of the wrong length")
t.throws(function() mat{{1, 2}}:save(p, {header = {"a", {}}}) end, "opts.header%[2%] is not a string",
         "save: header with a table")
t.throws(function() mat{1}:save(p, {header = 5}) end, "opts.header must be", "save: header number")
t.throws(function() mat{1}:save(p, {precision = 0}) end, "precision must be an integer from 1 to 17",
         "save: precision 0")
t.throws(function() mat{1}:save(p, {precision = 2.5}) end, "precision", "save: precision 2.5")
t.throws(function() mat{1}:save("x.bin") end, "cannot tell the format", "save: unknown extension")
t.throws(function() mat.methods.save("x", p) end, "bad argument #1 to 'save'", "save: not a matrix")
t.ok(mat.methods.save({1, 2}, p) and mat.load(p)[2] == 2, "save accepts a table as a vector")

-- ---------------------------------------------------------------------
-- NumPy interoperability
local py = "/usr/bin/python3"
local have_numpy = os.execute(py .. ' -c "import numpy" >/dev/null 2>&1')
if not have_numpy then
  t.skip("NumPy cross-checks: /usr/bin/python3 with numpy not found " ..
         "(apt install python3-numpy)")
else
  -- values both sides compute identically: M[i][j] = (10 i + j) / 7,
  -- imaginary parts -(i - j) / 3 (0-based i, j)
  local function expected(m, n, cplx)
    local re, im = mat.zeros(m, n), mat.zeros(m, n)
    for i = 0, m - 1 do
      for j = 0, n - 1 do
        re[{i + 1, j + 1}] = (10 * i + j) / 7
        im[{i + 1, j + 1}] = -(i - j) / 3
      end
    end
    return cplx and mat.complex(re, im) or re
  end
  local script = tmp("mk.py")
  write(script, [==[
import sys, numpy as np
from numpy.lib import format as fmt
base = sys.argv[1]
def arr(m, n, cplx):
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing='ij')
    a = (10 * i + j) / 7
    return a - 1j * (i - j) / 3 if cplx else a
for cplx in (False, True):
    tag = 'c' if cplx else 'r'
    a = arr(3, 4, cplx)
    np.save(base + 'np_C_' + tag + '.npy', np.ascontiguousarray(a))
    np.save(base + 'np_F_' + tag + '.npy', np.asfortranarray(a))
    with open(base + 'np_v2_' + tag + '.npy', 'wb') as f:
        fmt.write_array(f, np.ascontiguousarray(a), version=(2, 0))
    with open(base + 'np_v2F_' + tag + '.npy', 'wb') as f:
        fmt.write_array(f, np.asfortranarray(a), version=(2, 0))
np.save(base + 'np_1d.npy', arr(1, 5, False)[0])
np.save(base + 'np_0d.npy', np.float64(2.5))
np.save(base + 'np_i4.npy', (arr(3, 4, False) * 7).astype('<i4'))
np.save(base + 'np_f4.npy', arr(3, 4, False).astype('<f4'))
np.save(base + 'np_bool.npy', np.array([[True, False], [False, True]]))
np.savetxt(base + 'np_txt.csv', arr(3, 4, False), delimiter=',', header='a,b,c,d')
np.savetxt(base + 'np_txt.txt', arr(3, 4, False))
np.savetxt(base + 'np_txtc.csv', arr(3, 4, True), delimiter=',')
print('ok')
]==])
  local out = io.popen(py .. " " .. script .. " " .. base .. " 2>&1"):read("a")
  t.is(out, "ok\n", "NumPy wrote the fixtures")
  for _, kind in ipairs({"C", "F", "v2", "v2F"}) do
    same(mat.load(base .. "np_" .. kind .. "_r.npy"), expected(3, 4, false),
         "NumPy float64 " .. kind .. " loads exactly")
    same(mat.load(base .. "np_" .. kind .. "_c.npy"), expected(3, 4, true),
         "NumPy complex128 " .. kind .. " loads exactly")
  end
  made[#made + 1] = base .. "np_*"
  local v = expected(1, 5, false):t()
  same(mat.load(base .. "np_1d.npy"), v, "NumPy 1-D loads as n x 1")
  same(mat.load(base .. "np_0d.npy"), mat{2.5}, "NumPy 0-D loads as 1x1")
  local E = expected(3, 4, false)
  local I = mat.zeros(3, 4)
  for k = 1, 12 do I[k] = math.floor(E[k] * 7 + 0.5) end
  same(mat.load(base .. "np_i4.npy"), I, "NumPy int32 loads")
  local F = mat.load(base .. "np_f4.npy")
  t.ok(maxdiff(F, E) < 1e-6, "NumPy float32 loads (to float precision)")
  same(mat.load(base .. "np_bool.npy"), mat.eye(2), "NumPy bool loads")
  local T = mat.load(base .. "np_txt.csv")
  t.ok(maxdiff(T, E) < 5e-15, "NumPy savetxt ('# ' header, %.18e) loads")
  t.ok(maxdiff(mat.load(base .. "np_txt.txt"), E) < 5e-15, "NumPy savetxt with spaces loads")
  local TC = mat.load(base .. "np_txtc.csv")
  t.ok(TC and TC:iscomplex() and maxdiff(TC, expected(3, 4, true)) < 1e-14,
       "NumPy savetxt of complex ' (re+imj)' loads")

  -- tycho writes, NumPy reads
  expected(3, 4, false):save(base .. "ty_r.npy")
  expected(3, 4, true):save(base .. "ty_c.npy")
  expected(3, 4, false):save(base .. "ty_r.csv")
  expected(3, 4, true):save(base .. "ty_c.csv")
  A:save(base .. "ty_A.npy")
  A:save(base .. "ty_A.csv")
  mat.zeros(0, 3):save(base .. "ty_e.npy")
  write(script, [==[
import sys, numpy as np
base = sys.argv[1]
def arr(m, n, cplx):
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing='ij')
    a = (10 * i + j) / 7
    return a - 1j * (i - j) / 3 if cplx else a
def check(name, got, want):
    same = got.shape == want.shape and got.dtype == want.dtype and \
        np.array_equal(got, want, equal_nan=True)
    print(name, 'ok' if same else 'DIFFERS %r %r' % (got, want))
check('npy real', np.load(base + 'ty_r.npy'), arr(3, 4, False))
check('npy complex', np.load(base + 'ty_c.npy'), arr(3, 4, True))
check('csv real', np.loadtxt(base + 'ty_r.csv', delimiter=','), arr(3, 4, False))
check('csv complex', np.loadtxt(base + 'ty_c.csv', delimiter=',', dtype=complex),
      arr(3, 4, True))
a = np.load(base + 'ty_A.npy')
b = np.loadtxt(base + 'ty_A.csv', delimiter=',')
check('npy vs csv with nan, inf, subnormals', b, a)
print('signbit', 'ok' if np.signbit(a[3, 0]) and a[4, 0] == 5e-324 else 'DIFFERS')
check('empty', np.load(base + 'ty_e.npy'), np.zeros((0, 3)))
]==])
  out = io.popen(py .. " " .. script .. " " .. base .. " 2>&1"):read("a")
  for _, name in ipairs({"npy real", "npy complex", "csv real", "csv complex",
                         "npy vs csv with nan, inf, subnormals", "signbit", "empty"}) do
    local line = out:match("\n" .. name:gsub("%p", "%%%0") .. " ([^\n]*)") or
                 out:match("^" .. name:gsub("%p", "%%%0") .. " ([^\n]*)")
    t.is(line, "ok", "NumPy reads tycho's " .. name .. (line and "" or (": " .. out)))
  end
  for _, name in ipairs({"ty_r.npy", "ty_c.npy", "ty_r.csv", "ty_c.csv", "ty_A.npy",
                         "ty_A.csv", "ty_e.npy"}) do
    made[#made + 1] = base .. name
  end
end

-- clean up when not under make check (which removes TY_TMP itself)
if not os.getenv("TY_TMP") then
  for _, path in ipairs(made) do
    if path:find("%*$") then os.execute("rm -f " .. path)
    else os.remove(path) end
  end
end

t.done()

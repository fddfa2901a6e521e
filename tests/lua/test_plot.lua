-- test_plot.lua: figures, gnuplot processes, quoting, saving, reaping.
-- Runs headless (no $DISPLAY): figures are drawn only when saved.
local t = require "tap"

local tmp = os.getenv("TY_TMP") or "/tmp"
local dir = tmp .. "/plot-test-" .. tostring(os.time()) .. "-" .. math.random(1e6)
assert(os.execute("mkdir -p '" .. dir .. "'"))

local function readall(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- a complete PNG: signature first, IEND chunk (with its CRC) last
local function png_ok(path)
  local s = readall(path)
  return s ~= nil and s:sub(1, 8) == "\137PNG\r\n\26\n" and
         s:sub(-12, -5) == "\0\0\0\0IEND"
end

local function svg_ok(path)
  local s = readall(path)
  return s ~= nil and s:find("<svg", 1, true) ~= nil and
         s:match("</svg>%s*$") ~= nil
end

local function pdf_ok(path)
  local s = readall(path)
  return s ~= nil and s:sub(1, 5) == "%PDF-" and s:match("%%%%EOF%s*$") ~= nil
end

local x = mat.linspace(0, 2 * math.pi, 64)
local y = mat.zeros(64)
for i = 1, 64 do y[i] = math.sin(x[i]) end

-- ---- 1. the module and a first figure -----------------------------------
t.ok(type(plot) == "table" and pcall(function() return plot.plot end), "plot is a module")
t.ok(require("tycho.plot") == plot, "require 'tycho.plot' is the global")
do
  local fig = plot(x, y, {title = "sine", xlabel = "x", ylabel = "y", label = "sin"})
  t.ok(getmetatable(fig) and tostring(fig):match("^figure %d+ %(1 series%)$"),
       "plot(x, y) returns a figure: " .. tostring(fig))
  t.is(fig:plot(x, x, {label = "x"}), fig, "fig:plot returns the figure")
  for _, ext in ipairs{"png", "svg", "pdf"} do
    local path = dir .. "/first." .. ext
    local ok = fig:save(path)
    local check = ({png = png_ok, svg = svg_ok, pdf = pdf_ok})[ext]
    t.ok(ok == true and check(path), "save writes a complete ." .. ext)
  end
  t.ok(fig:save(dir .. "/UPPER.PNG") and png_ok(dir .. "/UPPER.PNG"),
       "the extension is case-insensitive")
  local svg = readall(dir .. "/first.svg")
  t.ok(svg:find(">sine<", 1, true) and svg:find(">sin<", 1, true),
       "the title and the legend are in the SVG")
  local ok, msg = fig:save("/nonexistent-dir/x.png")
  t.ok(ok == nil and type(msg) == "string", "save to a bad folder: nil, message")
  t.throws(function() fig:save(dir .. "/x.jpg") end,
           "bad argument #1 to 'fig:save' %(file name ending in .png, .svg or .pdf",
           "save: unknown extension")
  t.throws(function() fig:save(42) end, "file name expected", "save: not a string")
  t.throws(function() fig:save(dir .. "/a\nb.png") end, "control characters",
           "save: a newline in a file name")
  fig:close()
  t.throws(function() fig:plot(x, y) end, "fig:plot: the figure is closed",
           "a closed figure refuses to draw")
  t.ok(pcall(fig.close, fig), "closing twice is harmless")
end

-- ---- 2. full precision --------------------------------------------------
do
  local vals = {0.1 + 0.2, 1 / 3, 1e-300, -2.5e300, math.pi, 123456789.123456789, 2 ^ 53 + 2}
  local fig = plot(mat.linspace(1, #vals, #vals), mat(vals))
  fig.gp:send("print $ty1[1]\nprint $ty1[2]\nprint $ty1[3]\nprint $ty1[4]\n" ..
              "print $ty1[5]\nprint $ty1[6]\nprint $ty1[7]\n")
  local text = fig.gp:sync()
  local exact, k = true, 0
  for line in text:gmatch("[^\n]+") do
    k = k + 1
    local a, b = line:match("^(%S+) (%S+)")
    if tonumber(a) ~= k or tonumber(b) ~= vals[k] then exact = false end
  end
  t.ok(exact and k == #vals, "data reach gnuplot with every digit (" .. k .. " values)")
  fig:close()
end

-- ---- 2b. big data stays fast ------------------------------------------
do
  rand.seed(11)
  local n = 100000
  local clock0 = tycho.clock()
  local fig = plot(mat.linspace(0, 1, n), mat.randn(n), {title = "noise"})
  local path = dir .. "/big.png"
  local ok = fig:save(path)
  local secs = tycho.clock() - clock0
  t.ok(ok and png_ok(path) and secs < 8,
       string.format("a noisy line of %d points plots and saves in %.2f s", n, secs))
  fig:close()
end

-- the reduced line used for PNGs keeps, per column, the first, last,
-- smallest and largest point
do
  rand.seed(5)
  local n, ncols = 10000, 50
  local xs, ys = mat.linspace(0, 1, n), mat.randn(n)
  local xr, yr = plot._m4(xs, ys, ncols)
  local good = xr ~= nil and #xr <= 4 * ncols and xr[1] == xs[1] and xr[#xr] == xs[n]
  local function col(v) return math.min(ncols - 1, math.floor(v * ncols)) end
  local lo, hi, first, last = {}, {}, {}, {}
  for i = 1, n do
    local c = col(xs[i])
    lo[c] = math.min(lo[c] or math.huge, ys[i]); hi[c] = math.max(hi[c] or -math.huge, ys[i])
    first[c] = first[c] or xs[i]; last[c] = xs[i]
  end
  local rlo, rhi, rfirst, rlast = {}, {}, {}, {}
  for i = 1, good and #xr or 0 do
    local c = col(xr[i])
    if i > 1 and xr[i] < xr[i - 1] then good = false end
    rlo[c] = math.min(rlo[c] or math.huge, yr[i]); rhi[c] = math.max(rhi[c] or -math.huge, yr[i])
    rfirst[c] = rfirst[c] or xr[i]; rlast[c] = xr[i]
  end
  for c = 0, ncols - 1 do
    if lo[c] ~= rlo[c] or hi[c] ~= rhi[c] or first[c] ~= rfirst[c] or last[c] ~= rlast[c] then
      good = false
    end
  end
  t.ok(good, "M4: per column the first, last, smallest and largest points are kept")
  t.ok(plot._m4(xs, ys, 5000) == nil, "M4: nothing to gain on short lines")
  local ys2 = ys:copy(); ys2[7] = 0 / 0
  t.ok(plot._m4(xs, ys2, 50) == nil, "M4: not with NaN gaps")
  t.ok(plot._m4(mat.linspace(1, 0, n), ys, 50) == nil, "M4: not when x is not sorted")
end

-- ---- 3. gnuplot's errors become Lua errors, the figure stays usable ----
do
  local fig = plot(x, y)
  local ok, err = pcall(fig.plot, fig, x, y, {color = "no-such-colour"})
  t.ok(not ok and err:find("fig:plot: gnuplot: unrecognized color name", 1, true),
       "a gnuplot error names the call: " .. tostring(err))
  t.ok(tostring(fig):find("1 series"), "the failed series was rolled back")
  t.ok(fig:save(dir .. "/after-error.png") and png_ok(dir .. "/after-error.png"),
       "the figure still saves after an error")
  ok, err = pcall(plot, {1, 2}, {0 / 0, 0 / 0})
  t.ok(not ok and err:find("plot.plot: gnuplot: ", 1, true),
       "all-NaN data: gnuplot's complaint as a Lua error: " .. tostring(err))
  local nan = mat{1, 0 / 0, 3, 4}
  t.ok(pcall(plot, {1, 2, 3, 4}, nan), "NaN values leave gaps")
  fig:gnuplot("set xtics 1")
  t.throws(function() fig:gnuplot("set nosuchthing") end,
           "fig:gnuplot: gnuplot: ", "a bad raw command raises")
  t.ok(fig:save(dir .. "/raw.png"), "a rejected raw command is dropped")
  fig:close()
end

-- ---- 4. bad arguments ---------------------------------------------------
t.throws(function() plot("a", "b") end, "bad argument #1 to 'plot.plot' %(vector expected, got string%)",
         "plot: strings")
t.throws(function() plot({1, 2, 3}, {1, 2}) end,
         "bad argument #2 to 'plot.plot' %(3 rows expected %(the length of x%), got 2x1 matrix%)",
         "plot: lengths differ")
t.throws(function() plot({}, {}) end, "bad argument #1 to 'plot.plot'", "plot: empty")
t.throws(function() plot(mat.zeros(2, 2), {1, 2}) end, "vector expected, got 2x2 matrix",
         "plot: x must be a vector")
t.throws(function() plot({1, 2}, mat.complex(mat{1, 2}, mat{0, 1})) end,
         "real vector expected", "plot: complex data")
t.throws(function() plot({1, "x"}, {1, 2}) end, "vector of numbers expected", "plot: a table with a string")
t.throws(function() plot(x, y, {colour = "red"}) end,
         "bad argument #3 to 'plot.plot' %(unknown option 'colour'%)", "plot: unknown option")
t.throws(function() plot(x, y, {with = "bars"}) end, "option 'with' must be one of",
         "plot: bad 'with'")
t.throws(function() plot(x, y, {xrange = {0, "1; system('x')"}}) end,
         "option 'xrange' must be {a, b}", "plot: a string in a range")
t.throws(function() plot(x, y, {xrange = {1, 1}}) end, "empty range", "plot: empty range")
t.throws(function() plot(x, y, {width = -1}) end, "option 'width' must be a positive number",
         "plot: negative width")
t.throws(function() plot(x, y, {width = 0 / 0}) end, "option 'width'", "plot: NaN width")
t.throws(function() plot(x, y, {title = {}}) end, "option 'title' must be a string",
         "plot: title not a string")
t.throws(function() plot(x, y, {legend = "top; system('x')"}) end,
         "option 'legend': unknown word", "plot: legend words are checked")
t.throws(function() plot(x, y, {logx = 1}) end, "option 'logx' must be a boolean", "plot: logx")
t.throws(function() plot(x, y, 7) end, "options table expected", "plot: options not a table")
t.throws(function() plot.hist({0 / 0}) end, "no finite values", "hist: nothing finite")
t.throws(function() plot.hist({1, 2}, {bins = 0}) end, "option 'bins'", "hist: zero bins")
t.throws(function() plot.hist({1, 2}, {bins = 2.5}) end, "option 'bins'", "hist: fractional bins")
t.throws(function() plot.heatmap("A") end, "matrix expected, got string", "heatmap: a string")
t.throws(function() plot.surf(mat.zeros(2, 2), mat.zeros(2, 3), mat.zeros(2, 2)) end,
         "bad argument #2 to 'plot.surf' %(2x2 matrix expected", "surf: X and Y differ")
t.throws(function() plot.contour(mat.zeros(3, 3), {levels = "many"}) end, "option 'levels'",
         "contour: bad levels")
t.throws(function() plot.figure{layout = {0, 2}} end, "option 'layout'", "figure: bad layout")
t.throws(function() plot.figure{size = {10, 10}} end, "option 'size'", "figure: tiny size")
t.throws(function() plot.figure{colour = 1} end, "unknown option 'colour'", "figure: unknown option")
t.throws(function() plot.figure(5) end, "options table expected", "figure: not a table")
do
  local fig = plot.figure{layout = {1, 2}}
  t.throws(function() fig:panel(3) end, "panel number 1 to 2 expected", "panel out of range")
  t.throws(function() fig:panel(1.5) end, "panel number", "panel not an integer")
  t.throws(function() fig.plot({}, x, y) end, "calling 'plot' on bad self", "a method called with a dot")
  fig:surf(mat{{1, 2}, {3, 4}})
  t.throws(function() fig:plot(x, y) end, "panel 1 holds a surface", "2D on a 3D panel")
  t.throws(function() fig:set{xlabel = "x", bogus = true} end, "unknown option 'bogus'",
           "set: unknown option")
  t.throws(function() fig:plot(x, y, {size = {100, 100}}) end, "belongs to the figure",
           "a figure size on a series")
  fig:close()
end
t.throws(function() plot.terminal("qt; system('x')") end, "terminal name expected",
         "terminal: a name with punctuation")
t.throws(function() plot.terminal("nosuchterminal") end, "is not a screen terminal",
         "terminal: unknown name")
t.throws(function() plot.terminal("pngcairo") end, "files are written with fig:save",
         "terminal: a file terminal")
if not os.getenv("DISPLAY") then
  local ok, err = pcall(plot.terminal, "wxt")
  t.ok(ok or tostring(err):find("gnuplot has no terminal 'wxt'", 1, true),
       "terminal: a window terminal gnuplot lacks: " .. tostring(err))
  plot.terminal("auto")
end
t.throws(function() plot.isatty(7) end, "0, 1 or 2 expected", "isatty: bad descriptor")
t.throws(function() plot.gnuplot(5) end, "string expected", "gnuplot: not a string")

-- ---- 5. every kind, panels, options ---------------------------------------
do
  rand.seed(7)
  local r = mat.randn(500)
  local A = mat.zeros(20, 30)
  for i = 1, 20 do for j = 1, 30 do A[{i, j}] = math.sin(i / 4) * math.cos(j / 6) end end
  local fig = plot.figure{title = "every kind", layout = {3, 3}, size = {1200, 900}}
  fig:panel(1):plot(x, y, {with = "lines", label = "lines", width = 2, color = "#d62728"})
  fig:panel(2):plot(x, y, {with = "points", label = "points", size = 1.2})
  fig:panel(3):plot(x, y, {with = "linespoints"}):plot(x, y, {with = "impulses"})
  fig:panel(4):scatter(r:sub(1, 100, 1, 1), r:sub(101, 200, 1, 1), {title = "scatter"})
  local _, counts = fig:panel(5):hist(r, {bins = 25, title = "hist", density = true})
  local area = 0
  local lo, hi = math.huge, -math.huge
  for i = 1, #r do lo = math.min(lo, r[i]); hi = math.max(hi, r[i]) end
  for i = 1, 25 do area = area + counts[i] * (hi - lo) / 25 end
  t.near(area, 1, 1e-12, "hist: density has area 1")
  fig:panel(6):heatmap(A, {title = "heatmap", cblabel = "v"})
  fig:panel(7):surf(A, {title = "surf", view = {50, 40}})
  fig:panel(8):contour(A, {title = "contour", levels = 7})
  fig:panel(9):plot({1, 10, 100, 1000}, {1, 100, 1e4, 1e6},
                    {logx = true, logy = true, xrange = {1, 1000}, yrange = {"*", 1e7},
                     legend = "top left", label = "n^2"})
  local path = dir .. "/kinds.png"
  t.ok(fig:save(path) and png_ok(path), "a 3x3 figure of every kind saves to PNG")
  t.ok(fig:save(dir .. "/kinds.svg") and svg_ok(dir .. "/kinds.svg"), "... and to SVG")
  t.ok(fig:save(dir .. "/kinds.pdf") and pdf_ok(dir .. "/kinds.pdf"), "... and to PDF")
  fig:close()

  local _, c, centers = plot.hist({0, 0.5, 1, 1, 2, 7, 0 / 0}, {bins = 2, range = {0, 2}})
  t.ok(c[1] == 2 and c[2] == 3 and centers[1] == 0.5 and centers[2] == 1.5,
       "hist: counts in a given range (edges included, outside and NaN not counted)")
  local g = plot.figure()
  g:surf(mat{{1, 2}, {3, 4}}, {style = "lines"})
  local X, Y, Z = mat.zeros(5, 6), mat.zeros(5, 6), mat.zeros(5, 6)
  for i = 1, 5 do for j = 1, 6 do X[{i, j}] = j; Y[{i, j}] = i; Z[{i, j}] = i * j end end
  t.ok(pcall(plot.surf, X, Y, Z), "surf(X, Y, Z)")
  t.ok(pcall(plot.contour, X, Y, Z, {fill = true}), "contour(X, Y, Z, {fill = true})")
  t.ok(pcall(plot.heatmap, A, {extent = {0, 1, 0, 2}}), "heatmap with an extent")
  local Ym = mat.zeros(64, 3)
  for i = 1, 64 do for j = 1, 3 do Ym[{i, j}] = j * y[i] end end
  local h = plot(x, Ym, {label = {"one", "two", "three"}})
  t.ok(tostring(h):find("3 series"), "a matrix y gives one series per column")
  t.throws(function() plot(x, Ym, {label = {"one"}}) end, "must list 3 names", "labels for columns")
  local k = plot({3, 1, 2})
  t.ok(k:save(dir .. "/y-only.png"), "plot(y) uses x = 1..n")
  g:close(); h:close(); k:close()
end

-- ---- 6. hostile strings --------------------------------------------------
do
  local hostile = {
    'x" ; system("touch ' .. dir .. '/owned1") ; "',
    "`touch " .. dir .. "/owned2`",
    "'; system('touch " .. dir .. "/owned3'); '",
    "' . system('touch " .. dir .. "/owned4') . '",
    "a\nset output '" .. dir .. "/owned5.png'\nplot sin(x)\nb",
    "\\\"`touch " .. dir .. "/owned6`\\\" @x $(touch " .. dir .. "/owned7)",
    "''`touch " .. dir .. "/owned8`''\\",
  }
  local literal = true
  for i, s in ipairs(hostile) do
    -- the same string as title, both axis labels and the legend entry
    local fig = plot(x, y, {title = s, xlabel = s, ylabel = s, label = s})
    local path = string.format("%s/hostile-%d.svg", dir, i)
    fig:save(path)
    local svg = readall(path) or ""
    local want = s:match("^[^\n]*"):gsub("&", "&amp;"):gsub("<", "&lt;")
    local _, seen = svg:gsub(want:gsub("%p", "%%%0"), "")
    if seen < 4 then
      literal = false
      t.ok(false, "hostile string shown literally 4 times (" .. seen .. "): " .. s)
    end
    fig:close()
    local fig = plot.figure{title = s}
    fig:plot(x, y, {zlabel = s, cblabel = s})
    fig:save(string.format("%s/hostile-%d-figure.svg", dir, i))
    local ok = pcall(fig.plot, fig, x, y, {color = s})
    t.ok(not ok, "a hostile colour is refused by gnuplot (" .. i .. ")")
    fig:close()
  end
  t.ok(literal, "hostile strings appear literally in titles, labels and legends")
  local owned = {}
  for i = 1, 8 do
    if exists(dir .. "/owned" .. i) or exists(dir .. "/owned" .. i .. ".png") then
      owned[#owned + 1] = i
    end
  end
  t.ok(#owned == 0, "no hostile string ran a command (" .. table.concat(owned, ",") .. ")")
  -- file names
  local fig = plot(x, y)
  local name = dir .. "/a'b\"c`touch " .. "owned9`;d.svg"
  t.ok(fig:save(name) and svg_ok(name), "a file name with quotes and backquotes is used as is")
  local cwd_name = "|touch owned10; echo x.png"
  local ok = fig:save(cwd_name)
  t.ok(ok and png_ok("./" .. cwd_name) and not exists("owned10"),
       "a file name starting with '|' is a file, not a pipe")
  os.remove("./" .. cwd_name)
  t.ok(not exists(dir .. "/owned9") and not exists("owned9"), "no command from a file name")
  -- the quoting itself: gnuplot reads back exactly the string, and no
  -- backquote or line break reaches its command line
  local q = plot._quote
  local same, clean = true, true
  for _, s in ipairs(hostile) do
    local text = q(s)
    if text:find("[`\n]") then clean = false end
    fig.gp:send("print " .. text .. "\n")
    local back = fig.gp:sync()
    if back ~= s .. "\n" then
      same = false
      t.ok(false, "gnuplot reads back " .. string.format("%q", s) .. ", got " .. string.format("%q", back))
    end
  end
  t.ok(clean, "quoted strings hold no backquote or line break")
  t.ok(same, "gnuplot's value of every quoted hostile string is the string itself")
  t.is(q("it's"), "'it'.\"\\047\".'s'", "a quote is spliced in by its code")
  t.is(q("a\1b\tc"), "'ab c'", "control characters are dropped, tabs become spaces")
  t.is(q("\255x"), "'?x'", "bytes that are not UTF-8 become '?'")
  fig:close()
end

-- ---- 7. text plots --------------------------------------------------------
do
  local fig = plot(x, y, {title = "text plot"})
  local f = io.tmpfile()
  local old = io.output()
  io.output(f)
  local ok = pcall(fig.show, fig)
  io.output(old)
  f:seek("set")
  local text = f:read("a")
  f:close()
  t.ok(ok and text:find("text plot", 1, true) and select(2, text:gsub("\n", "")) >= 10,
       "fig:show draws a text plot with the title")
  local before = plot.terminal("none")
  t.is(before, "auto", "the default terminal is auto")
  local setting, resolved = plot.terminal()
  t.ok(setting == "none" and resolved == "none", "plot.terminal() reports the setting")
  plot.terminal("dumb")
  f = io.tmpfile(); io.output(f)
  local g = plot({1, 2, 3}, {1, 4, 9})
  io.output(old)
  f:seek("set")
  t.ok(#f:read("a") > 100, "with the dumb terminal every plot call draws text")
  plot.terminal("auto")
  g:close(); fig:close()
end

-- ---- 8. processes: gnuplot missing, reaping --------------------------------
local tycho_bin = os.getenv("TYCHO") or arg[-1]
do
  local p = io.popen("TYCHO_GNUPLOT=/nonexistent/gnuplot '" .. tycho_bin ..
    "' -e 'print(pcall(plot, {1, 2}, {3, 4}))' -e 'print(pcall(plot.figure))' " ..
    "-e 'print(\"still here\", mat{1, 2}[2])' 2>&1")
  local out = p:read("a")
  p:close()
  t.ok(out:find("false\tplot.plot: cannot start gnuplot (/nonexistent/gnuplot: No such file",
                1, true), "a missing gnuplot: a clear error at the first plot call")
  t.ok(out:find("false\tplot.figure: cannot start gnuplot", 1, true), "... and at plot.figure")
  t.ok(out:find("still here\t2", 1, true), "... and the session goes on")
end

local pid = readall("/proc/self/stat"):match("^(%d+)")
local function children()
  local s = readall("/proc/self/task/" .. pid .. "/children")
  if not s then return nil end
  local n = 0
  for _ in s:gmatch("%d+") do n = n + 1 end
  return n
end
do
  collectgarbage(); collectgarbage()
  local base = plot.processes()
  local pids = {}
  for i = 1, 100 do
    local fig = plot({1, 2, 3}, {i, 2, 1})
    if i % 10 == 0 then pids[#pids + 1] = fig.gp:pid() end
  end
  collectgarbage(); collectgarbage()
  t.is(plot.processes(), base, "100 figures dropped and collected: their processes are reaped")
  local n = children()
  if n then t.is(n, 0, "no child processes remain (zombies included)")
  else t.skip("/proc/self/task/<pid>/children is not available") end
  local alive = 0
  for _, p in ipairs(pids) do
    local st = readall("/proc/" .. p .. "/stat")
    if st then alive = alive + 1 end
  end
  t.is(alive, 0, "no process of a dropped figure exists, not even as a zombie")
  do
    local fig <close> = plot.figure()
    t.is(plot.processes(), base + 1, "a figure has one process")
  end
  t.is(plot.processes(), base, "a <close> figure ends its process at the end of the block")
  local a, b = plot.figure(), plot.figure()
  t.ok(#plot.figures() >= 2, "plot.figures lists open figures")
  plot.closeall()
  t.is(plot.processes(), 0, "plot.closeall ends every process")
  t.ok(a.closed and b.closed, "... and closes the figures")
end

-- ---- 9. the exit reaps ------------------------------------------------------
do
  local p = io.popen("'" .. tycho_bin .. "' -e 'F = {}; for i = 1, 5 do F[i] = plot({1, 2}, {i, 1}) end; " ..
    "io.write(plot.processes(), \" \", F[1].gp:pid(), \"\\n\")' 2>&1")
  local out = p:read("a")
  p:close()
  local n, gpid = out:match("^(%d+) (%d+)")
  t.is(tonumber(n), 5, "a child tycho with 5 figures has 5 gnuplots")
  local st = gpid and readall("/proc/" .. gpid .. "/stat")
  t.ok(gpid and (st == nil or not st:match("^%d+ %b() Z")), "they end when tycho exits")
end

os.execute("rm -rf '" .. dir .. "'")
t.done()

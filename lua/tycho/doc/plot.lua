-- Help texts of plot (figures drawn by gnuplot).  The guide is
-- docs/plotting.md.  Methods of figures are named "plot:<method>" (they
-- live in plot.methods) and written fig:<method> in signatures.
local def = ...

local OPTS = [[

Options (all optional): title, xlabel, ylabel, label (the legend entry),
with = "lines" | "points" | "linespoints" | "impulses" | "steps" | "dots",
color ("red", "#1f77b4"), width (line width), size (point size), logx, logy,
xrange = {a, b}, yrange = {a, b} (a number or "*" for automatic), grid
(true/false), legend ("top left", "bottom right outside", "off", ...).
Module-level calls also take size = {width, height} in pixels.]]

def("plot.plot", {
  sig = "plot(x, y [, opts]) -> fig   (also plot.plot, plot(y [, opts]))",
  summary = [[Draw y against x as a line and return the new figure; fig:plot
adds more series to it.  x and y are vectors (mats or Lua tables) of the same
length; y may be an n x k matrix, giving k series (label may then be a list of
k names).  With one vector, x is 1..n.  NaN values leave gaps.  Numbers reach
gnuplot with full precision.  At the prompt without a display the figure is
drawn as text; with $DISPLAY in a window; in a script nothing is drawn until
fig:save.  gnuplot's own errors are raised as "plot.plot: gnuplot: ...".]] .. OPTS,
  example = [[local x = mat.linspace(0, 2 * math.pi, 200)
local y = mat.zeros(200)
for i = 1, 200 do y[i] = math.sin(x[i]) end
local fig = plot(x, y, {title = "sine", xlabel = "x", label = "sin x"})
local path = os.tmpname() .. ".png"
assert(fig:save(path))
assert(io.open(path, "rb"):read(4) == "\137PNG")
fig:close()
os.remove(path)]],
  see = {"plot:plot", "plot:save", "plot.figure", "plot.scatter"},
})

def("plot.scatter", {
  sig = "plot.scatter(x, y [, opts]) -> fig",
  summary = [[Draw the points (x[i], y[i]) as dots, in a new figure.  Options
as plot.plot, with size the point size (default 0.7) and no `with`.]],
  example = [[rand.seed(3)
local x, y = mat.randn(100), mat.randn(100)
local fig = plot.scatter(x, y, {title = "normal pairs", size = 1})
assert(tostring(fig):find("1 series"))
fig:close()]],
  see = {"plot.plot", "plot:scatter"},
})

def("plot.hist", {
  sig = "plot.hist(x [, opts]) -> fig, counts, centers",
  summary = [[A histogram of the values of x in a new figure.  Options: bins
(default 20 equal bins over the finite range of x, or over range = {lo, hi}),
density = true (scale counts so the bars have area 1), label, color, and the
panel options of plot.plot.  Values outside the range and NaN are not
counted; the last bin includes its upper edge.  Also returns the counts and
the bin centers (vectors).]],
  example = [[local fig, counts, centers = plot.hist({1, 2, 2, 3, 3, 3}, {bins = 3})
assert(counts[1] == 1 and counts[2] == 2 and counts[3] == 3)
assert(math.abs(centers[1] - 4 / 3) < 1e-12)
fig:close()]],
  see = {"plot:hist", "plot.plot"},
})

def("plot.heatmap", {
  sig = "plot.heatmap(A [, opts]) -> fig",
  summary = [[Show the matrix A as an image with a colour bar: element
(i, j) is the cell at column j, row i, with row 1 at the top (as a matrix is
printed).  extent = {xmin, xmax, ymin, ymax} instead places column 1 at xmin,
column n at xmax, row 1 at ymin and row m at ymax on ordinary axes (for a
field A[i][j] = f(x_j, y_i)).  Options: title, xlabel, ylabel, cblabel,
cbrange = {a, b}, aspect = "equal" (default) or "auto".]],
  example = [[local A = mat.zeros(20, 30)
for i = 1, 20 do for j = 1, 30 do A[{i, j}] = math.sin(i / 4) * math.cos(j / 6) end end
local fig = plot.heatmap(A, {title = "a field", cblabel = "value"})
local path = os.tmpname() .. ".svg"
assert(fig:save(path))
assert(io.open(path):read("a"):find("</svg>"))
fig:close()
os.remove(path)]],
  see = {"plot.contour", "plot.surf", "plot:heatmap"},
})

def("plot.surf", {
  sig = "plot.surf(Z [, opts]) -> fig  /  plot.surf(X, Y, Z [, opts])",
  summary = [[A surface in 3D.  With one matrix, Z[i][j] is the height above
(column j, row i); with three matrices of the same shape, the points are
(X[i][j], Y[i][j], Z[i][j]) (a grid as from a meshgrid).  style = "pm3d"
(default: coloured faces) or "lines" (a mesh, hidden lines removed).  Other
options: title, xlabel, ylabel, zlabel, zrange, view = {rot_x, rot_z}
(degrees, default {60, 30}), label, color (mesh colour).]],
  example = [[local n = 25
local X, Y, Z = mat.zeros(n, n), mat.zeros(n, n), mat.zeros(n, n)
for i = 1, n do for j = 1, n do
  local x, y = -2 + 4 * (j - 1) / (n - 1), -2 + 4 * (i - 1) / (n - 1)
  X[{i, j}], Y[{i, j}], Z[{i, j}] = x, y, math.exp(-x * x - y * y)
end end
local fig = plot.surf(X, Y, Z, {title = "a Gaussian bump", zlabel = "z"})
fig:close()]],
  see = {"plot.contour", "plot.heatmap", "plot:surf"},
})

def("plot.contour", {
  sig = "plot.contour(Z [, opts]) -> fig  /  plot.contour(X, Y, Z [, opts])",
  summary = [[Contour lines of a matrix (as plot.surf reads it), seen from
above with the y axis upward.  levels = n (default 10) draws n levels evenly
spaced strictly between the smallest and largest value; levels = {v1, v2,
...} draws exactly those.  Lines are coloured by level (a colour bar shows the
scale) unless color is given; fill = true puts the field itself underneath
(the lines are then dark).  Other options: width, title, xlabel, ylabel,
cbrange.]],
  example = [[local Z = mat.zeros(30, 30)
for i = 1, 30 do for j = 1, 30 do Z[{i, j}] = (i - 15) ^ 2 + 2 * (j - 15) ^ 2 end end
local fig = plot.contour(Z, {levels = {50, 100, 200}, title = "ellipses"})
fig:contour(Z, {levels = {400}, color = "black", width = 2})
fig:close()]],
  see = {"plot.heatmap", "plot.surf", "plot:contour"},
})

def("plot.figure", {
  sig = "plot.figure([{title =, layout = {rows, cols}, size = {w, h}}]) -> fig",
  summary = [[A new, empty figure (and its gnuplot process).  layout splits it
into rows x cols panels filled row by row; fig:panel(k) selects the panel the
next plotting call draws in.  title is the figure's title (above all
panels); size is in pixels for windows, PNG and SVG (PDF uses the same
proportions at 96 pixels per inch).  Raises a clear error if gnuplot cannot
be started (see $TYCHO_GNUPLOT in docs/plotting.md).]],
  example = [[local fig = plot.figure{title = "two panels", layout = {1, 2}, size = {900, 400}}
fig:panel(1):plot({1, 2, 3}, {1, 4, 9}, {title = "squares"})
fig:panel(2):plot({1, 2, 3}, {1, 8, 27}, {title = "cubes", logy = true})
assert(fig:panel() == 2)
fig:close()]],
  see = {"plot:panel", "plot:save", "plot.plot"},
})

def("plot.terminal", {
  sig = "plot.terminal([name]) -> previous  /  plot.terminal() -> setting, resolved",
  summary = [[Choose where figures are drawn: "auto" (the default: a window
when $DISPLAY is set and gnuplot has qt, wxt or x11; text plots at the
interactive prompt; nothing in scripts until saved), "window", "dumb"
(text, sized to the terminal, in colour when the terminal has it), "none"
(never drawn, only saved), or another gnuplot terminal that draws on the
screen: qt, wxt, x11, or sixelgd, kittycairo, ... for terminals that show
images (checked against the ones gnuplot has).  Files are written with
fig:save, not here.  Without an argument returns the setting and what it
resolves to now.]],
  example = [[local before = plot.terminal("none")
assert(plot.terminal() == "none")
plot.terminal(before)]],
  see = {"plot:show", "plot.figure"},
})

def("plot.gnuplot", {
  sig = "plot.gnuplot(cmd) -> fig",
  summary = [[Send raw gnuplot commands to the current figure (the last one
made or changed): they are kept with its current panel and sent before the
panel's plot command each time it is drawn, e.g. "set key left top" or
"set xtics 0.5".  This is the one place where text reaches gnuplot unquoted:
only pass your own commands, never text from elsewhere.  Errors are raised
as "fig:gnuplot: gnuplot: ...", and the command is then dropped.]],
  example = [[local fig = plot({1, 2, 3}, {3, 1, 2})
plot.gnuplot("set xtics 1")
assert(not pcall(plot.gnuplot, "set nosuchthing"))
fig:close()]],
  see = {"plot:gnuplot"},
})

def("plot.figures", {
  sig = "plot.figures() -> list",
  summary = [[The figures that are open (not closed and not yet collected),
oldest first.  Figures shown in a window are kept open until fig:close() or
plot.closeall(), even when no variable holds them.]],
  example = [[local fig = plot.figure()
local found = false
for _, f in ipairs(plot.figures()) do if f == fig then found = true end end
assert(found)
fig:close()]],
  see = {"plot.closeall", "plot:close"},
})

def("plot.closeall", {
  sig = "plot.closeall()",
  summary = [[Close every open figure and end its gnuplot process.]],
  example = [[plot.figure(); plot.figure()
plot.closeall()
assert(#plot.figures() == 0)]],
  see = {"plot:close", "plot.figures"},
})

def("plot.isatty", {
  sig = "plot.isatty([fd = 1]) -> boolean",
  summary = [[Is file descriptor fd (0 standard input, 1 standard output, 2
standard error) a terminal?  Lua itself has no way to ask; the plot module
uses it to decide whether text plots make sense.]],
  example = [[assert(type(plot.isatty(1)) == "boolean")
assert(type(plot.isatty(0)) == "boolean")]],
  see = {"plot.terminal"},
})

def("plot.processes", {
  sig = "plot.processes() -> n",
  summary = [[The number of gnuplot processes tycho has started and not yet
ended and reaped: one per open figure.  A figure's process ends when it is
closed, when it is collected, and when tycho exits.]],
  example = [[local before = plot.processes()
local fig = plot.figure()
assert(plot.processes() == before + 1)
fig:close()
assert(plot.processes() == before)]],
  see = {"plot:close", "plot.figures"},
})

-- ---- figure methods ---------------------------------------------------

def("plot:plot", {
  sig = "fig:plot(x, y [, opts]) -> fig  /  fig:plot(y [, opts])",
  summary = [[Add a line (or points, with = "points") to the current panel
of the figure; options as plot.plot.  Panel options given here (title,
labels, ranges, log axes) change the panel.  Returns the figure, so calls
chain.  On a gnuplot error the figure is left as it was before the call.]],
  example = [[local x = mat.linspace(0, 1, 11)
local fig = plot(x, x, {label = "x"})
local y = mat.zeros(11)
for i = 1, 11 do y[i] = x[i] ^ 2 end
fig:plot(x, y, {label = "x^2", with = "linespoints", color = "#d62728"})
assert(tostring(fig):find("2 series"))
fig:close()]],
  see = {"plot.plot", "plot:scatter"},
})

def("plot:scatter", {
  sig = "fig:scatter(x, y [, opts]) -> fig",
  summary = [[Add points to the current panel (see plot.scatter).]],
  example = [[local fig = plot({0, 1}, {0, 1})
fig:scatter({0.2, 0.5, 0.8}, {0.3, 0.4, 0.9}, {label = "samples", size = 1.5})
fig:close()]],
  see = {"plot.scatter"},
})

def("plot:hist", {
  sig = "fig:hist(x [, opts]) -> fig, counts, centers",
  summary = [[Add a histogram to the current panel (see plot.hist).]],
  example = [[local fig = plot.figure()
local _, counts = fig:hist({0.1, 0.2, 0.9}, {bins = 2, range = {0, 1}})
assert(counts[1] == 2 and counts[2] == 1)
fig:close()]],
  see = {"plot.hist"},
})

def("plot:heatmap", {
  sig = "fig:heatmap(A [, opts]) -> fig",
  summary = [[Show a matrix as an image in the current panel (see
plot.heatmap).]],
  example = [[local fig = plot.figure{layout = {1, 2}}
fig:panel(1):heatmap(mat.eye(5), {title = "identity"})
fig:panel(2):heatmap(mat{{1, 2}, {3, 4}}, {title = "2x2"})
fig:close()]],
  see = {"plot.heatmap"},
})

def("plot:surf", {
  sig = "fig:surf(Z [, opts]) -> fig  /  fig:surf(X, Y, Z [, opts])",
  summary = [[Add a surface to the current panel (see plot.surf).  A panel
holds either 3D surfaces or 2D plots, not both.]],
  example = [[local fig = plot.figure()
fig:surf(mat{{0, 1}, {1, 2}}, {style = "lines"})
assert(not pcall(fig.plot, fig, {1, 2}, {1, 2}))   -- a 2D plot needs another panel
fig:close()]],
  see = {"plot.surf"},
})

def("plot:contour", {
  sig = "fig:contour(Z [, opts]) -> fig  /  fig:contour(X, Y, Z [, opts])",
  summary = [[Add contour lines to the current panel (see plot.contour); they
can share a panel with lines and points, e.g. an optimizer's path over the
level sets of its objective.]],
  example = [[local Z = mat.zeros(21, 21)
for i = 1, 21 do for j = 1, 21 do Z[{i, j}] = (i - 11) ^ 2 + (j - 11) ^ 2 end end
local fig = plot.figure()
fig:contour(Z, {levels = 5})
fig:plot({1, 11}, {1, 11}, {label = "path", color = "red"})
fig:close()]],
  see = {"plot.contour"},
})

def("plot:panel", {
  sig = "fig:panel(k) -> fig  /  fig:panel() -> k",
  summary = [[Select panel k (1 to rows*cols, counted row by row) of a figure
made with a layout; the next plotting calls on the figure draw there.
Returns the figure, so fig:panel(2):plot(x, y) works.  Without k, returns
the current panel's number.]],
  example = [[local fig = plot.figure{layout = {2, 1}}
fig:panel(2):plot({1, 2}, {2, 1})
assert(fig:panel() == 2)
assert(not pcall(fig.panel, fig, 3))
fig:close()]],
  see = {"plot.figure"},
})

def("plot:set", {
  sig = "fig:set(opts) -> fig",
  summary = [[Change options of the current panel: title, xlabel, ylabel,
zlabel, cblabel, logx, logy, logz, xrange, yrange, zrange, cbrange, grid,
legend, view, aspect.  The figure is redrawn.]],
  example = [[local fig = plot({1, 10, 100}, {1, 2, 3})
fig:set{logx = true, xlabel = "n (log scale)", legend = "off"}
fig:close()]],
  see = {"plot:plot", "plot:gnuplot"},
})

def("plot:gnuplot", {
  sig = "fig:gnuplot(cmd) -> fig",
  summary = [[Raw gnuplot commands for the current panel of this figure (see
plot.gnuplot): kept and sent before the panel's plot command on every
redraw.  Not quoted: pass only your own commands.]],
  example = [[local fig = plot({1, 2, 3}, {1, 2, 3})
fig:gnuplot("set xtics 1\nset mxtics 2")
fig:close()]],
  see = {"plot.gnuplot", "plot:set"},
})

def("plot:clear", {
  sig = "fig:clear() -> fig",
  summary = [[Remove every series and option from the current panel.]],
  example = [[local fig = plot({1, 2}, {1, 2})
fig:clear()
assert(tostring(fig):find("0 series"))
fig:close()]],
  see = {"plot:close"},
})

def("plot:show", {
  sig = "fig:show() -> fig",
  summary = [[Draw the figure now: in its window when there is a display,
else as text on standard output (even in a script, where figures are
otherwise not drawn until saved).]],
  example = [[local fig = plot({1, 2, 3}, {1, 4, 9})
local f = io.tmpfile()
local old = io.output()
io.output(f)
fig:show()              -- a text plot, into f
io.output(old)
f:seek("set")
assert(#f:read("a") > 0)
fig:close()]],
  see = {"plot.terminal"},
})

def("plot:save", {
  sig = "fig:save(path) -> true | nil, message",
  summary = [[Write the figure to a file chosen by its extension: .png
(cairo, antialiased), .svg or .pdf (cairo).  Returns once the file is
complete.  Like Lua's io functions it returns nil and a message when the file
cannot be written; gnuplot errors are raised.  Any file name is safe: it is
quoted, and a name starting with '|' is not a pipe.]],
  example = [[local fig = plot({1, 2, 3}, {2, 1, 3}, {title = "saved"})
local path = os.tmpname() .. ".pdf"
assert(fig:save(path))
assert(io.open(path, "rb"):read(4) == "%PDF")
assert(fig:save("/nonexistent/dir/f.png") == nil)
fig:close()
os.remove(path)]],
  see = {"plot.plot", "plot:close"},
})

def("plot:close", {
  sig = "fig:close()",
  summary = [[Close the figure: its window (if any) goes away and its gnuplot
process ends and is reaped.  Closing twice is harmless; drawing on a closed
figure raises an error.  A figure nobody refers to is closed by the garbage
collector, and all figures close when tycho exits; `local fig <close> =
plot.figure()` closes at the end of the block.]],
  example = [[local fig = plot({1, 2}, {1, 2})
fig:close()
fig:close()
assert(not pcall(fig.plot, fig, {1, 2}, {2, 1}))]],
  see = {"plot.closeall", "plot.processes"},
})

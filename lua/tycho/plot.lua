-- tycho/plot.lua: figures drawn by gnuplot, the Lua half of tycho.plot.
--
-- A figure is a Lua object holding a model of what it shows (panels,
-- series, options) and one gnuplot process (the native "tycho.gnuplot"
-- userdata of src/mod/lplot.c).  Data go to gnuplot once, as datablocks
-- written with full precision; every change redraws the whole figure from
-- the model, so saving to a file, redrawing as text or in a window all
-- replay the same commands.  Everything gnuplot prints on its error stream
-- comes back and becomes a Lua error naming the call.
--
-- Where a figure is drawn (plot.terminal, default "auto"):
--   a window (qt, wxt, x11) when $DISPLAY is set and gnuplot has one;
--   text (the dumb terminal, sized to the terminal) at the interactive
--   prompt without a display; nowhere in scripts without a display (the
--   figure is still checked by gnuplot's "unknown" terminal) until saved.
--
-- Safety: every string a person passes is quoted by `quote` below, so it
-- can never run gnuplot commands (gnuplot has system() and `backquotes`).
local native = ...
local mat = require "tycho.mat"

local plot = {}
local Figure = {}                  -- figure methods (public wrappers)
local rawFigure = {}               -- the same, unwrapped, for calls inside
local raw = {}                     -- the module functions, unwrapped
local FigureMeta = {__index = Figure, __name = "tycho.figure"}
plot.methods = Figure

-- ====================================================================
-- errors
-- ====================================================================

-- Errors raised inside the module are tables with this metatable; the
-- public wrappers re-raise their text at the caller's level, so a message
-- points at the person's line, not at this file.
local Err = {}

local function fail(msg)
  error(setmetatable({msg = msg}, Err), 0)
end

local function argerr(fname, n, msg)
  fail(string.format("bad argument #%d to '%s' (%s)", n, fname, msg))
end

local function public(f)
  return function(...)
    local r = table.pack(pcall(f, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    local e = r[2]
    if getmetatable(e) == Err then error(e.msg, 2) end
    error(e, 0)
  end
end

local function typename(v)
  if mat.ismat(v) then
    return string.format("%dx%d %smatrix", v:rows(), v:cols(),
                         v:iscomplex() and "complex " or "")
  end
  return type(v)
end

-- ====================================================================
-- quoting: the only way a person's text reaches gnuplot
-- ====================================================================

-- Replace bytes that are not valid UTF-8 by '?', so the SVG and PDF
-- terminals always receive text they can encode.
local function valid_utf8(s)
  local out, pos = {}, 1
  while true do
    local n, bad = utf8.len(s, pos)
    if n then out[#out + 1] = s:sub(pos); break end
    out[#out + 1] = s:sub(pos, bad - 1) .. "?"
    pos = bad + 1
  end
  return table.concat(out)
end

local escapes = {
  ["'"] = "'.\"\\047\".'",        -- a quote, by its octal code
  ["`"] = "'.\"\\140\".'",        -- a backquote, by its octal code
  ["\\"] = "'.\"\\\\\".'",       -- a backslash, never an escape
  ["\n"] = "'.\"\\n\".'",         -- a line break: gnuplot's "\n"
  ["\t"] = " ",
}

--- quote(s): a gnuplot string expression whose value is exactly s.
-- Plain text goes in single quotes, where gnuplot substitutes nothing.
-- Every character that could mean something is spliced in with gnuplot's
-- string concatenation `.` from a double-quoted escape: a single quote as
-- "\047" (gnuplot's own '' doubling is not reliable at the start of a
-- string), a backquote as "\140" (so no backquote ever appears in the
-- command text, even for gnuplots that would substitute inside quotes),
-- a backslash as "\\" (gnuplot 6 reads \U+xxxx in single quotes), a
-- newline as "\n".  Tabs become spaces; other control characters are
-- dropped; bytes that are not UTF-8 become '?'.
local function quote(s)
  s = tostring(s)
  if not utf8.len(s) then s = valid_utf8(s) end
  s = "'" .. s:gsub("[%c'`\\]", function(c) return escapes[c] or "" end) .. "'"
  if #s > 2 then s = s:gsub("^''%.", ""):gsub("%.''$", "") end
  return s
end
plot._quote = quote
plot._m4 = native.m4             -- for the tests

-- a number for a gnuplot command: finite, written exactly
local function num(x)
  if math.type(x) == "integer" then return tostring(x) end
  local s = string.format("%.15g", x)
  if tonumber(s) ~= x then s = string.format("%.17g", x) end
  return s
end

-- ====================================================================
-- arguments
-- ====================================================================

-- The matrix for argument n: a mat, a table of numbers or rows, or a
-- number.  Must be real and nonempty.
local function tomat(fname, n, v, what)
  what = what or "vector"
  local A = v
  if type(v) == "number" then A = mat{v}
  elseif type(v) == "table" and not mat.ismat(v) then
    local ok, r = pcall(mat, v)
    if not ok then argerr(fname, n, what .. " of numbers expected") end
    A = r
  elseif not mat.ismat(v) then
    argerr(fname, n, what .. " expected, got " .. typename(v))
  end
  if A:iscomplex() then
    argerr(fname, n, "real " .. what .. " expected, got " .. typename(A))
  end
  if #A == 0 then argerr(fname, n, "nonempty " .. what .. " expected") end
  return A
end

local function tovec(fname, n, v)
  local A = tomat(fname, n, v)
  if A:rows() ~= 1 and A:cols() ~= 1 then
    argerr(fname, n, "vector expected, got " .. typename(A))
  end
  return A
end

-- is v an options table (a plain table that is not a list of numbers)?
local function isopts(v)
  return type(v) == "table" and not mat.ismat(v) and rawget(v, 1) == nil
end

-- option checkers: each takes (fname, n, key, value) and returns the
-- value to store
local check = {}

function check.string(fname, n, key, v)
  if type(v) ~= "string" and type(v) ~= "number" then
    argerr(fname, n, "option '" .. key .. "' must be a string, got " .. type(v))
  end
  return tostring(v)
end

function check.boolean(fname, n, key, v)
  if type(v) ~= "boolean" then
    argerr(fname, n, "option '" .. key .. "' must be a boolean, got " .. type(v))
  end
  return v
end

local function finite(x)
  return type(x) == "number" and x == x and x ~= math.huge and x ~= -math.huge
end

function check.positive(fname, n, key, v)
  if not finite(v) or v <= 0 then
    argerr(fname, n, "option '" .. key .. "' must be a positive number")
  end
  return v
end

-- {a, b}: finite numbers, or "*" for automatic
function check.range(fname, n, key, v)
  local ok = type(v) == "table" and #v == 2
  if ok then
    for i = 1, 2 do
      if not (finite(v[i]) or v[i] == "*") then ok = false end
    end
  end
  if not ok then
    argerr(fname, n, "option '" .. key .. "' must be {a, b} (numbers or '*')")
  end
  if finite(v[1]) and v[1] == v[2] then
    argerr(fname, n, "option '" .. key .. "' is an empty range")
  end
  return {v[1], v[2]}
end

-- a pair of finite numbers (view angles)
function check.pair(fname, n, key, v)
  if type(v) ~= "table" or not finite(v[1]) or not finite(v[2]) then
    argerr(fname, n, "option '" .. key .. "' must be a pair of numbers")
  end
  return {v[1], v[2]}
end

local legend_words = {
  top = true, bottom = true, left = true, right = true, center = true,
  inside = true, outside = true, above = true, below = true, box = true,
  nobox = true, horizontal = true, vertical = true, off = true,
}
function check.legend(fname, n, key, v)
  if type(v) == "boolean" then return v and "" or "off" end
  if type(v) ~= "string" then
    argerr(fname, n, "option 'legend' must be a position such as 'top left'")
  end
  for w in v:gmatch("%S+") do
    if not legend_words[w] then
      argerr(fname, n, "option 'legend': unknown word '" .. w ..
             "' (use top, bottom, left, right, center, outside, box, off)")
    end
  end
  return v
end

local function oneof(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return function(fname, n, key, v)
    if not set[v] then
      argerr(fname, n, "option '" .. key .. "' must be one of '" ..
             table.concat(list, "', '") .. "', got " ..
             (type(v) == "string" and ("'" .. v .. "'") or type(v)))
    end
    return v
  end
end

-- label: a string, or a list of strings (one per column of Y)
function check.label(fname, n, key, v)
  if type(v) == "table" then
    local out = {}
    for i, s in ipairs(v) do out[i] = check.string(fname, n, key, s) end
    return out
  end
  return check.string(fname, n, key, v)
end

function check.color(fname, n, key, v)
  if type(v) ~= "string" then
    argerr(fname, n, "option 'color' must be a string such as 'red' or '#1f77b4'")
  end
  return v
end

function check.bins(fname, n, key, v)
  if math.type(v) ~= "integer" or v < 1 or v > 1e6 then
    argerr(fname, n, "option 'bins' must be an integer between 1 and 1e6")
  end
  return v
end

function check.levels(fname, n, key, v)
  if math.type(v) == "integer" and v >= 1 and v <= 1000 then return v end
  if type(v) == "table" and #v >= 1 then
    local out = {}
    for i, x in ipairs(v) do
      if not finite(x) then break end
      out[i] = x
    end
    if #out == #v then return out end
  end
  argerr(fname, n, "option 'levels' must be a count or a list of numbers")
end

function check.extent(fname, n, key, v)
  if type(v) ~= "table" or #v ~= 4 then
    argerr(fname, n, "option 'extent' must be {xmin, xmax, ymin, ymax}")
  end
  for i = 1, 4 do
    if not finite(v[i]) then
      argerr(fname, n, "option 'extent' must hold finite numbers")
    end
  end
  return {v[1], v[2], v[3], v[4]}
end

-- options of a panel (any plotting call may set them)
local panel_options = {
  title = check.string, xlabel = check.string, ylabel = check.string,
  zlabel = check.string, cblabel = check.string,
  logx = check.boolean, logy = check.boolean, logz = check.boolean,
  xrange = check.range, yrange = check.range, zrange = check.range,
  cbrange = check.range, grid = check.boolean, legend = check.legend,
  view = check.pair, aspect = oneof{"auto", "equal"},
}

-- options of each kind of series
local series_options = {
  plot = {label = check.label, with = oneof{"lines", "points", "linespoints",
          "impulses", "steps", "dots"}, color = check.color,
          width = check.positive, size = check.positive},
  scatter = {label = check.label, color = check.color, size = check.positive},
  hist = {label = check.label, color = check.color, bins = check.bins,
          range = check.range, density = check.boolean},
  heatmap = {extent = check.extent},
  surf = {label = check.label, style = oneof{"pm3d", "lines"},
          color = check.color},
  contour = {levels = check.levels, fill = check.boolean,
             color = check.color, width = check.positive},
}

-- options of a figure (plot.figure, and the module-level calls)
local figure_options = {
  title = check.string,
  layout = function(fname, n, key, v)
    if type(v) ~= "table" or math.type(v[1]) ~= "integer" or
       math.type(v[2]) ~= "integer" or v[1] < 1 or v[2] < 1 or
       v[1] * v[2] > 100 then
      argerr(fname, n, "option 'layout' must be {rows, cols} (at most 100 panels)")
    end
    return {v[1], v[2]}
  end,
  size = function(fname, n, key, v)
    if type(v) ~= "table" or not finite(v[1]) or not finite(v[2]) or
       v[1] < 50 or v[2] < 50 or v[1] > 20000 or v[2] > 20000 then
      argerr(fname, n, "option 'size' must be {width, height} in pixels (50 to 20000)")
    end
    return {math.floor(v[1]), math.floor(v[2])}
  end,
}

-- Check opts (argument n of fname) against the allowed tables; returns
-- the panel options, the series options and the figure options found.
local function split_options(fname, n, opts, kind, allow_figure)
  local po, so, fo = {}, {}, {}
  if opts == nil then return po, so, fo end
  if type(opts) ~= "table" or mat.ismat(opts) then
    argerr(fname, n, "options table expected, got " .. typename(opts))
  end
  local sopts = series_options[kind] or {}
  for key, v in pairs(opts) do
    if type(key) ~= "string" then
      argerr(fname, n, "option names must be strings")
    elseif key == "size" and type(v) == "table" then
      if not allow_figure then
        argerr(fname, n, "option 'size' {width, height} belongs to the figure " ..
               "(plot.figure{size = ...})")
      end
      fo[key] = figure_options[key](fname, n, key, v)
    elseif sopts[key] then so[key] = sopts[key](fname, n, key, v)
    elseif panel_options[key] then po[key] = panel_options[key](fname, n, key, v)
    elseif allow_figure and figure_options[key] and key ~= "title" then
      fo[key] = figure_options[key](fname, n, key, v)
    else
      argerr(fname, n, "unknown option '" .. key .. "'")
    end
  end
  return po, so, fo
end

-- ====================================================================
-- processes, terminals
-- ====================================================================

local settings = {terminal = "auto"}
local live = setmetatable({}, {__mode = "k"})   -- open figures
local held = {}          -- figures shown in a window: kept until closed
local current = setmetatable({}, {__mode = "v"}) -- current.fig
local recording = nil    -- set while `tycho publish` runs a script
local nfigures = 0
local window_terms = nil -- cached: the window terminals gnuplot has

local function program()
  local p = os.getenv("TYCHO_GNUPLOT")
  if p and p ~= "" then return p end
  return "gnuplot"
end

local function spawn(fname)
  local gp, err = native.spawn(program())
  if not gp then
    fail(fname .. ": cannot start gnuplot (" .. err .. "); install it " ..
         "(Debian: apt-get install gnuplot-nox) or set TYCHO_GNUPLOT to its path")
  end
  return gp
end

-- Split what gnuplot wrote on its error stream into error messages and
-- warnings.  Errors are the lines "line N: message" (the echoed command
-- and the caret above them are dropped; a following "system error:" line
-- is kept); lines starting with "warning" are warnings.
local function parse_errors(text)
  local errors, warnings = {}, {}
  for line in text:gmatch("[^\n]+") do
    local msg = line:match("^%s*line %d+:%s*(.-)%s*$")
    if msg then
      if msg:lower():match("^warning") then warnings[#warnings + 1] = msg
      else errors[#errors + 1] = msg end
    elseif line:match("^system error:") and #errors > 0 then
      errors[#errors] = errors[#errors] .. " (" .. line .. ")"
    elseif line:lower():match("^%s*warning") then
      warnings[#warnings + 1] = line:match("^%s*(.-)%s*$")
    end
  end
  return errors, warnings
end

-- Call a method of the native process; its errors ("gnuplot: the process
-- has ended", ...) are raised naming fname.  "interrupted" passes through.
local function native_call(fname, method, gp, ...)
  local ok, err = pcall(method, gp, ...)
  if not ok then
    if type(err) == "string" and err:match("^gnuplot: ") then
      fail(fname .. ": " .. err)
    end
    error(err, 0)
  end
end

local run

-- Send datablock `name` to the figure's gnuplot (see gp:data in lplot.c).
-- The datablock is written to a temporary file that gnuplot `load`s:
-- gnuplot reads its standard input a byte at a time (two seconds for 1e5
-- points) but a file in large blocks (a few milliseconds).  When no
-- temporary file can be made, the data go through the pipe.
local function send_data(fig, fname, ...)
  local path = os.tmpname()
  local ok, res = pcall(native.datafile, path, ...)
  if ok and res then
    ok, res = pcall(run, fig, fname, "load " .. quote(path) .. "\n")
    os.remove(path)
    if not ok then error(res, 0) end
    return
  end
  os.remove(path)
  if not ok then error(res, 0) end
  native_call(fname, fig.gp.data, fig.gp, ...)
end

-- Send commands and wait until gnuplot has done them.  Returns what it
-- printed on standard output; raises "<fname>: gnuplot: <error>".
function run(fig, fname, commands)
  local gp = fig.gp
  if not gp or not gp:alive() then
    fail(fname .. ": the figure is closed")
  end
  native_call(fname, gp.send, gp, commands)
  local text, err = gp:sync(fig.timeout or 60)
  if not text then fail(fname .. ": gnuplot: " .. err) end
  local errors, warnings = parse_errors(err)
  fig.warnings = warnings
  if #errors > 0 then
    fail(fname .. ": gnuplot: " .. table.concat(errors, "; "))
  end
  return text
end

-- the window terminals this gnuplot has, in order of preference
local function window_terminal(fig)
  if window_terms == nil then
    window_terms = {}
    local ok, text = pcall(run, fig, "plot.terminal",
                           "print GPVAL_TERMINALS\n")
    if ok then
      local have = {}
      for w in text:gmatch("%S+") do have[w] = true end
      for _, t in ipairs{"qt", "wxt", "x11"} do
        if have[t] then window_terms[#window_terms + 1] = t end
      end
    end
  end
  return window_terms[1]
end

-- Is the code running a line typed at the interactive prompt?  Both
-- standard input and output are terminals, and the outermost chunk is a
-- prompt line (the prompt names its chunks "=stdin").  The prompt runs an
-- expression as `return <expr>`, a tail call that leaves no chunk on the
-- stack; then the terminals decide.
local function at_prompt()
  if not (native.isatty(0) and native.isatty(1)) then return false end
  local level, src = 2, nil
  while true do
    local info = debug.getinfo(level, "S")
    if not info then break end
    if info.what == "main" then src = info.source end
    level = level + 1
  end
  return src == nil or src == "=stdin"
end

-- Where figures go now: a window terminal name, "dumb" (text), another
-- text terminal, or "none".
local function display(fig)
  if recording then return "none" end
  local t = settings.terminal
  if t == "auto" then
    local d = os.getenv("DISPLAY")
    if d and d ~= "" then
      local w = window_terminal(fig)
      if w then return w end
    end
    return at_prompt() and "dumb" or "none"
  elseif t == "window" then
    return window_terminal(fig) or (at_prompt() and "dumb" or "none")
  end
  return t
end

local function is_window(t)
  return t == "qt" or t == "wxt" or t == "x11"
end

-- the size of text plots: the terminal's, else $COLUMNS x $LINES, else 80x24
local function text_size()
  local cols, lines = native.termsize()
  cols = cols or tonumber(os.getenv("COLUMNS") or "") or 80
  lines = lines or tonumber(os.getenv("LINES") or "") or 24
  cols = math.max(40, math.min(cols, 400))
  local h = math.max(12, math.min(lines - 2, math.floor(cols / 2.5)))
  return cols, h
end

-- ====================================================================
-- drawing: the model -> gnuplot commands
-- ====================================================================

-- tab10-like colours
local palette_lines = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}
local viridis = "set palette defined (0 '#440154', 0.15 '#482475', " ..
  "0.3 '#3b528b', 0.45 '#2c728e', 0.6 '#21918c', 0.7 '#27ad81', " ..
  "0.8 '#5ec962', 0.9 '#addc30', 1 '#fde725')"

local function figure_size(fig)
  if fig.size then return fig.size[1], fig.size[2] end
  local r, c = fig.layout[1], fig.layout[2]
  return math.max(720, 440 * c), math.max(480, 340 * r)
end

-- the `set terminal` command for a target
local function terminal_command(fig, term)
  local w, h = figure_size(fig)
  if term == "png" then
    return string.format("set terminal pngcairo size %d,%d noenhanced " ..
      "font 'sans,10' background '#ffffff'", w, h)
  elseif term == "svg" then
    return string.format("set terminal svg size %d,%d noenhanced " ..
      "font 'sans,12' background '#ffffff'", w, h)
  elseif term == "pdf" then
    return string.format("set terminal pdfcairo size %.4gin,%.4gin " ..
      "noenhanced font 'sans,9'", w / 96, h / 96)
  elseif term == "dumb" then
    local cols, lines = text_size()
    local tycho = package.loaded.tycho
    local color = tycho and tycho.colorterm and tycho.colorterm()
    return string.format("set terminal dumb size %d,%d noenhanced %s",
                         cols, lines, color and "ansi" or "mono")
  elseif is_window(term) then
    return string.format("set terminal %s 0 size %d,%d noenhanced " ..
      "title %s", term, w, h, quote("tycho figure " .. fig.id))
  elseif term == "none" then
    return "set terminal unknown"
  end
  return "set terminal " .. term .. " noenhanced"
end

local function range_text(r)
  local function one(x) return x == "*" and "*" or num(x) end
  return "[" .. one(r[1]) .. ":" .. one(r[2]) .. "]"
end

-- the `using` part for a matrix datablock: columns map to x, rows to y
local function matrix_using(s)
  local e = s.extent
  if not e then return "($1+1):($2+1):3" end
  local dx = s.cols > 1 and (e[2] - e[1]) / (s.cols - 1) or 0
  local dy = s.rows > 1 and (e[4] - e[3]) / (s.rows - 1) or 0
  return string.format("(%s+$1*%s):(%s+$2*%s):3", num(e[1]), num(dx),
                       num(e[3]), num(dy))
end

local function title_of(s)
  if s.label and s.label ~= "" then return "title " .. quote(s.label) end
  return "notitle"
end

local function color_of(s)
  if s.color then return " lc rgb " .. quote(s.color) end
  return ""
end

-- the plot clause of one series; raster: drawing a PNG whose panel shows
-- the whole x range on a linear axis (so a reduced line looks the same)
local function clause(s, raster)
  local k = s.kind
  if k == "plot" then
    local with = s.with or "lines"
    local style = "with " .. with
    if with == "lines" or with == "linespoints" or with == "impulses" or
       with == "steps" then
      if s.width then style = style .. " lw " .. num(s.width) end
    end
    if with == "points" or with == "linespoints" then
      style = style .. " pt 7 ps " .. num(s.size or 0.7)
    end
    local b = s.block
    if s.m4 and raster then b = b .. "m" end
    return "$" .. b .. " using 1:2 " .. style .. color_of(s) ..
           " " .. title_of(s)
  elseif k == "scatter" then
    return "$" .. s.block .. " using 1:2 with points pt 7 ps " ..
           num(s.size or 0.7) .. color_of(s) .. " " .. title_of(s)
  elseif k == "hist" then
    return "$" .. s.block .. " using 1:2:3 with boxes" .. color_of(s) ..
           " " .. title_of(s)
  elseif k == "heatmap" then
    return "$" .. s.block .. " matrix using " .. matrix_using(s) ..
           " with image notitle"
  elseif k == "surf" then
    local using = s.grid and "using 1:2:3" or ("matrix using " .. matrix_using(s))
    local style = (s.style == "lines") and ("with lines" .. color_of(s))
                  or "with pm3d"
    return "$" .. s.block .. " " .. using .. " " .. style .. " " .. title_of(s)
  elseif k == "contour" then
    local parts = {}
    if s.fill then
      parts[1] = "$" .. s.block .. (s.grid and " using 1:2:3" or
        (" matrix using " .. matrix_using(s))) .. " with image notitle"
    end
    local lc = s.color and (" lc rgb " .. quote(s.color)) or
               (s.fill and " lc rgb '#202020'" or " lc palette")
    parts[#parts + 1] = "$" .. s.block .. "c using 1:2:3 with lines lw " ..
      num(s.width or (s.fill and 1 or 1.5)) .. lc .. " notitle"
    return table.concat(parts, ", ")
  end
end

-- Commands that set up one panel (after `reset`) and draw it.
local function panel_commands(p, out, term)
  local o = p.opts
  local has = {}
  for _, s in ipairs(p.series) do has[s.kind] = true end
  local three = has.surf
  local text = (term == "dumb")
  out[#out + 1] = "reset"
  out[#out + 1] = "set style fill solid 0.85 border lc rgb '#ffffff'"
  out[#out + 1] = viridis
  out[#out + 1] = "set key noautotitle nobox top right"
  out[#out + 1] = "set tics nomirror out scale 0.6"
  if three then
    out[#out + 1] = "set border 4095 lc rgb '#555555'"
    out[#out + 1] = "set tics mirror in"
    out[#out + 1] = "set xyplane relative 0"
    local v = o.view or {60, 30}
    out[#out + 1] = "set view " .. num(v[1]) .. "," .. num(v[2])
    out[#out + 1] = "set pm3d depthorder border lc rgb '#333333' lw 0.3"
    out[#out + 1] = "set hidden3d"
  else
    out[#out + 1] = "set border 3 lc rgb '#555555'"
  end
  local grid = o.grid
  if grid == nil then
    grid = not text and not has.heatmap and not has.contour and not three
  end
  if grid then out[#out + 1] = "set grid back lc rgb '#d8d8d8' lw 1 dt 1" end
  for _, key in ipairs{"title", "xlabel", "ylabel", "zlabel", "cblabel"} do
    if o[key] then out[#out + 1] = "set " .. key .. " " .. quote(o[key]) end
  end
  for _, ax in ipairs{"x", "y", "z"} do
    if o["log" .. ax] then out[#out + 1] = "set logscale " .. ax end
  end
  local image = (has.heatmap or has.contour) and not three
  if image then out[#out + 1] = "set autoscale fix" end
  local reverse = false
  for _, s in ipairs(p.series) do
    if s.kind == "heatmap" and not s.extent then reverse = true end
  end
  local lines_only = true
  for _, s in ipairs(p.series) do
    if s.kind ~= "plot" or s.with == "points" then lines_only = false end
  end
  -- contour panels span their grids
  local b
  for _, s in ipairs(p.series) do
    if s.kind == "contour" and s.bounds and s.bounds[1] then
      local e = s.bounds
      b = b and {math.min(b[1], e[1]), math.max(b[2], e[2]),
                 math.min(b[3], e[3]), math.max(b[4], e[4])} or
          {e[1], e[2], e[3], e[4]}
    end
  end
  if b and (b[1] == b[2] or b[3] == b[4]) then b = nil end
  if o.xrange then out[#out + 1] = "set xrange " .. range_text(o.xrange)
  elseif b then out[#out + 1] = "set xrange [" .. num(b[1]) .. ":" .. num(b[2]) .. "]"
  elseif lines_only then out[#out + 1] = "set autoscale xfix" end
  if o.yrange then
    out[#out + 1] = "set yrange " .. range_text(o.yrange)
  elseif b and not reverse then
    out[#out + 1] = "set yrange [" .. num(b[3]) .. ":" .. num(b[4]) .. "]"
  elseif reverse then
    out[#out + 1] = "set yrange [*:*] reverse"
  elseif has.hist and not o.logy then
    out[#out + 1] = "set yrange [0:*]"
  end
  if o.zrange then out[#out + 1] = "set zrange " .. range_text(o.zrange) end
  if o.cbrange then out[#out + 1] = "set cbrange " .. range_text(o.cbrange) end
  if o.aspect == "equal" or (o.aspect == nil and has.heatmap and not text) then
    out[#out + 1] = three and "set view equal xy" or "set size ratio -1"
  end
  local labelled = false
  for _, s in ipairs(p.series) do
    if s.label and s.label ~= "" then labelled = true end
  end
  if o.legend == "off" or not labelled then out[#out + 1] = "unset key"
  elseif o.legend and o.legend ~= "" then
    out[#out + 1] = "set key " .. o.legend
  end
  for _, cmd in ipairs(p.extra) do out[#out + 1] = cmd end
  local clauses = {}
  local raster = term == "png" and not o.xrange and not o.logx
  for i, s in ipairs(p.series) do clauses[i] = clause(s, raster) end
  out[#out + 1] = (three and "splot " or "plot ") ..
                  table.concat(clauses, ", \\\n  ")
end

-- All commands that draw the figure on `term` (a display terminal name,
-- "png", "svg", "pdf" or "none"), to `output` (a file; nil: standard
-- output or the window).
local function figure_commands(fig, term, output)
  local out = {"unset multiplot", terminal_command(fig, term)}
  out[#out + 1] = output and ("set output " .. quote(output)) or "set output"
  for i, c in ipairs(palette_lines) do
    out[#out + 1] = string.format("set linetype %d lc rgb '%s' lw 1.5 " ..
                                  "pt 7 ps 0.7 dt solid", i, c)
  end
  out[#out + 1] = "set linetype cycle " .. #palette_lines
  local r, c = fig.layout[1], fig.layout[2]
  local npanels = r * c
  local single = npanels == 1
  local p1 = fig.panels[1]
  local multi = not single or (fig.title and p1.opts.title)
  if multi then
    out[#out + 1] = string.format("set multiplot layout %d,%d%s", r, c,
      fig.title and (" title " .. quote(fig.title) .. " font ',13'") or "")
  end
  for k = 1, npanels do
    local p = fig.panels[k]
    if #p.series > 0 then
      local saved = p.opts.title
      if single and not multi and fig.title and not saved then
        p.opts.title = fig.title
      end
      panel_commands(p, out, term)
      p.opts.title = saved
    elseif multi then
      out[#out + 1] = "set multiplot next"
    end
  end
  if multi then out[#out + 1] = "unset multiplot" end
  if output then out[#out + 1] = "unset output" end
  return table.concat(out, "\n") .. "\n"
end

local function nonempty(fig)
  for _, p in ipairs(fig.panels) do
    if #p.series > 0 then return true end
  end
  return false
end

-- Draw the figure where figures go now (see `display`).  Text plots are
-- written to the current output file, io.output().
local function show(fig, fname, force)
  if not nonempty(fig) then return end
  local term = display(fig)
  if force and term == "none" then term = "dumb" end
  local text = run(fig, fname, figure_commands(fig, term))
  if is_window(term) then held[fig] = true end
  if term ~= "none" and not is_window(term) and text ~= "" then
    text = text:gsub("\f", ""):gsub("^\n+", "")
    -- ANSI black (the axes) would vanish on a dark terminal: use the
    -- terminal's own foreground colour instead
    text = text:gsub("\27%[22;30m", "\27[22;39m")
    local out = io.output()
    out:write(text)
    if text:sub(-1) ~= "\n" then out:write("\n") end
  end
end

-- ====================================================================
-- figures
-- ====================================================================

local function new_panel()
  return {opts = {}, series = {}, extra = {}}
end

-- Make a figure: spawn its gnuplot (raising a clear error when there is
-- none).  fo: checked figure options.
local function new_figure(fname, fo)
  local gp = spawn(fname)
  nfigures = nfigures + 1
  local fig = setmetatable({
    gp = gp, id = nfigures, layout = fo.layout or {1, 1}, size = fo.size,
    title = fo.title, panels = {}, cur = 1, nblock = 0, version = 0,
  }, FigureMeta)
  for k = 1, fig.layout[1] * fig.layout[2] do fig.panels[k] = new_panel() end
  live[fig] = true
  current.fig = fig
  if recording then recording.touch(fig) end
  return fig
end

local function checkfig(fig, fname)
  if getmetatable(fig) ~= FigureMeta then
    fail(string.format("calling '%s' on bad self (figure expected, got %s;" ..
                       " call it as fig:%s(...))", fname, typename(fig), fname))
  end
  if fig.closed then fail("fig:" .. fname .. ": the figure is closed") end
  return fig
end

-- a fresh datablock name for this figure
local function block(fig)
  fig.nblock = fig.nblock + 1
  return "ty" .. fig.nblock
end

-- Copy the changeable part of the figure (to undo a failed change).
local function snapshot(fig)
  local snap = {cur = fig.cur, panels = {}}
  for k, p in ipairs(fig.panels) do
    local o = {}
    for key, v in pairs(p.opts) do o[key] = v end
    snap.panels[k] = {opts = o, series = table.move(p.series, 1, #p.series, 1, {}),
                      extra = table.move(p.extra, 1, #p.extra, 1, {})}
  end
  return snap
end

-- Apply a change made by f() and redraw; on any error restore the
-- figure as it was (dropping datablocks that were sent) and re-raise.
local function change(fig, fname, f)
  local snap = snapshot(fig)
  local nblock = fig.nblock
  local ok, err = pcall(function()
    f()
    fig.version = fig.version + 1
    current.fig = fig
    if recording then recording.touch(fig) end
    show(fig, fname)
  end)
  if not ok then
    fig.cur = snap.cur
    fig.panels = snap.panels
    if fig.gp and fig.gp:alive() and fig.nblock > nblock then
      local undef = {}
      for b = nblock + 1, fig.nblock do
        undef[#undef + 1] = "undefine $ty" .. b .. " $ty" .. b .. "c $ty" .. b .. "m"
      end
      pcall(fig.gp.send, fig.gp, table.concat(undef, "\n") .. "\n")
    end
    error(err, 0)
  end
  return fig
end

local function set_panel_options(p, po)
  for key, v in pairs(po) do p.opts[key] = v end
end

-- the panel a series goes to, checking 2D/3D compatibility
local function target_panel(fig, fname, three)
  local p = fig.panels[fig.cur]
  for _, s in ipairs(p.series) do
    local s3 = (s.kind == "surf")
    if s3 ~= three then
      fail(fname .. ": panel " .. fig.cur .. " holds " ..
           (s3 and "a surface" or "2D plots") .. "; select another with fig:panel(k)")
    end
  end
  return p
end

-- ====================================================================
-- the kinds of series
-- ====================================================================

-- fig:plot(x, y [, opts]) / fig:plot(y [, opts]); y may have several
-- columns, one series each.
local function add_plot(fig, fname, kind, a, b, c, base)
  local x, Y, opts, optn
  if b == nil or (isopts(b) and c == nil) then
    Y = tomat(fname, base, a)
    if Y:rows() == 1 then Y = Y:t() end
    x = mat.linspace(1, Y:rows(), Y:rows())
    opts, optn = b, base + 1
  else
    x = tovec(fname, base, a)
    Y = tomat(fname, base + 1, b)
    opts, optn = c, base + 2
    local n = #x
    if Y:rows() == 1 and Y:cols() == n and n > 1 then Y = Y:t() end
    if Y:rows() ~= n then
      argerr(fname, base + 1, string.format(
        "%d rows expected (the length of x), got %s", n, typename(Y)))
    end
  end
  local po, so = split_options(fname, optn, opts, kind, false)
  local labels = so.label
  if type(labels) == "table" and #labels ~= Y:cols() then
    argerr(fname, optn, string.format("option 'label' must list %d names",
                                      Y:cols()))
  end
  return change(fig, fname, function()
    local p = target_panel(fig, fname, false)
    set_panel_options(p, po)
    for j = 1, Y:cols() do
      local s = {kind = kind, block = block(fig)}
      for key, v in pairs(so) do s[key] = v end
      if type(labels) == "table" then s.label = labels[j] end
      local y = Y:cols() == 1 and Y or Y:col(j)
      local w = s.with or "lines"
      local joined = kind == "plot" and (w == "lines" or w == "linespoints" or
                                         w == "steps")
      send_data(fig, fname, s.block, joined and "lines" or "columns", x, y)
      if kind == "plot" and w == "lines" then
        -- for PNG, a reduced copy that draws the same pixels (cairo takes
        -- minutes over a noisy line of 1e5 points, a fraction of a second
        -- over this); windows, SVG and PDF always get every point
        local xr, yr = native.m4(x, y, 2 * figure_size(fig))
        if xr then
          send_data(fig, fname, s.block .. "m", "lines", xr, yr)
          s.m4 = true
        end
      end
      p.series[#p.series + 1] = s
    end
  end)
end

local function add_hist(fig, fname, x, opts, base)
  x = tomat(fname, base, x, "vector")
  local po, so = split_options(fname, base + 1, opts, "hist", false)
  local lo, hi
  if so.range then
    lo, hi = so.range[1], so.range[2]
    if lo == "*" or hi == "*" then
      local a, b = native.finite_range(x)
      if lo == "*" then lo = a end
      if hi == "*" then hi = b end
    end
  else
    lo, hi = native.finite_range(x)
  end
  if lo == nil then argerr(fname, base, "no finite values to count") end
  if lo > hi then lo, hi = hi, lo end
  if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
  local nbins = so.bins or 20
  local counts = native.histcounts(x, nbins, lo, hi)
  local w = (hi - lo) / nbins
  local centers = mat.linspace(lo + w / 2, hi - w / 2, nbins)
  local widths = mat.fill(nbins, 1, w)
  if so.density then
    local total = 0
    for i = 1, nbins do total = total + counts[i] end
    if total > 0 then
      for i = 1, nbins do counts[i] = counts[i] / (total * w) end
    end
  end
  return change(fig, fname, function()
    local p = target_panel(fig, fname, false)
    set_panel_options(p, po)
    local s = {kind = "hist", block = block(fig), label = so.label,
               color = so.color}
    send_data(fig, fname, s.block, "columns", centers, counts, widths)
    p.series[#p.series + 1] = s
  end), counts, centers
end

local function add_heatmap(fig, fname, A, opts, base)
  A = tomat(fname, base, A, "matrix")
  local po, so = split_options(fname, base + 1, opts, "heatmap", false)
  return change(fig, fname, function()
    local p = target_panel(fig, fname, false)
    set_panel_options(p, po)
    local s = {kind = "heatmap", block = block(fig), extent = so.extent,
               rows = A:rows(), cols = A:cols()}
    send_data(fig, fname, s.block, "matrix", A)
    p.series[#p.series + 1] = s
  end)
end

-- (Z [, opts]) or (X, Y, Z [, opts]): returns X, Y, Z (X nil for a
-- matrix), opts, and the index of opts
local function grid_args(fname, base, a, b, c, d)
  if b == nil or isopts(b) then
    return nil, nil, tomat(fname, base, a, "matrix"), b, base + 1
  end
  local X = tomat(fname, base, a, "matrix")
  local Y = tomat(fname, base + 1, b, "matrix")
  local Z = tomat(fname, base + 2, c, "matrix")
  for i, M in ipairs{Y, Z} do
    if M:rows() ~= X:rows() or M:cols() ~= X:cols() then
      argerr(fname, base + i, string.format("%dx%d matrix expected (the " ..
             "shape of X), got %s", X:rows(), X:cols(), typename(M)))
    end
  end
  return X, Y, Z, d, base + 3
end

local function add_surf(fig, fname, base, a, b, c, d)
  local X, Y, Z, opts, optn = grid_args(fname, base, a, b, c, d)
  local po, so = split_options(fname, optn, opts, "surf", false)
  return change(fig, fname, function()
    local p = target_panel(fig, fname, true)
    set_panel_options(p, po)
    local s = {kind = "surf", block = block(fig), style = so.style,
               label = so.label, color = so.color, grid = X ~= nil,
               rows = Z:rows(), cols = Z:cols()}
    if X then send_data(fig, fname, s.block, "grid", X, Y, Z)
    else send_data(fig, fname, s.block, "matrix", Z) end
    p.series[#p.series + 1] = s
  end)
end

local function add_contour(fig, fname, base, a, b, c, d)
  local X, Y, Z, opts, optn = grid_args(fname, base, a, b, c, d)
  local po, so = split_options(fname, optn, opts, "contour", false)
  return change(fig, fname, function()
    local p = target_panel(fig, fname, false)
    set_panel_options(p, po)
    local s = {kind = "contour", block = block(fig), fill = so.fill,
               color = so.color, width = so.width, grid = X ~= nil,
               rows = Z:rows(), cols = Z:cols()}
    -- the grid's extent: the axes show all of it, not just the lines
    if X then
      local x1, x2 = native.finite_range(X)
      local y1, y2 = native.finite_range(Y)
      s.bounds = {x1, x2, y1, y2}
    else
      s.bounds = {1, math.max(Z:cols(), 1), 1, math.max(Z:rows(), 1)}
    end
    if X then send_data(fig, fname, s.block, "grid", X, Y, Z)
    else send_data(fig, fname, s.block, "matrix", Z) end
    -- contour lines, computed once by gnuplot into the datablock $<b>c;
    -- a count n means n levels evenly spaced strictly inside the range
    local levels = so.levels or 10
    if type(levels) == "number" then
      local lo, hi = native.finite_range(Z)
      if not lo then argerr(fname, optn - 1, "no finite values to contour") end
      local n = levels
      levels = {}
      for k = 1, n do levels[k] = lo + (hi - lo) * k / (n + 1) end
    end
    local t = {}
    for i, v in ipairs(levels) do t[i] = num(v) end
    local lv = "discrete " .. table.concat(t, ",")
    local using = X and "using 1:2:3" or ("matrix using " .. matrix_using(s))
    run(fig, fname, table.concat({
      "unset multiplot", "set terminal unknown", "reset",
      "set contour base", "unset surface", "set cntrparam levels " .. lv,
      "set table $" .. s.block .. "c",
      "splot $" .. s.block .. " " .. using .. " with lines",
      "unset table", "unset contour", "set surface"}, "\n") .. "\n")
    p.series[#p.series + 1] = s
  end)
end

-- ====================================================================
-- figure methods
-- ====================================================================

function Figure.plot(fig, x, y, opts)
  checkfig(fig, "plot")
  return add_plot(fig, "fig:plot", "plot", x, y, opts, 1)
end

function Figure.scatter(fig, x, y, opts)
  checkfig(fig, "scatter")
  if y == nil or (isopts(y) and opts == nil) then
    argerr("fig:scatter", 2, "vector expected, got " .. type(y))
  end
  return add_plot(fig, "fig:scatter", "scatter", x, y, opts, 1)
end

function Figure.hist(fig, x, opts)
  checkfig(fig, "hist")
  return add_hist(fig, "fig:hist", x, opts, 1)
end

function Figure.heatmap(fig, A, opts)
  checkfig(fig, "heatmap")
  return add_heatmap(fig, "fig:heatmap", A, opts, 1)
end

function Figure.surf(fig, a, b, c, d)
  checkfig(fig, "surf")
  return add_surf(fig, "fig:surf", 1, a, b, c, d)
end

function Figure.contour(fig, a, b, c, d)
  checkfig(fig, "contour")
  return add_contour(fig, "fig:contour", 1, a, b, c, d)
end

function Figure.panel(fig, k)
  checkfig(fig, "panel")
  if k == nil then return fig.cur end
  local n = #fig.panels
  if math.type(k) ~= "integer" or k < 1 or k > n then
    argerr("fig:panel", 1, string.format("panel number 1 to %d expected", n))
  end
  fig.cur = k
  current.fig = fig
  return fig
end

function Figure.set(fig, opts)
  checkfig(fig, "set")
  if type(opts) ~= "table" then
    argerr("fig:set", 1, "options table expected, got " .. typename(opts))
  end
  local po = split_options("fig:set", 1, opts, "none", false)
  return change(fig, "fig:set", function()
    set_panel_options(fig.panels[fig.cur], po)
  end)
end

function Figure.gnuplot(fig, cmd)
  checkfig(fig, "gnuplot")
  if type(cmd) ~= "string" then
    argerr("fig:gnuplot", 1, "string expected, got " .. typename(cmd))
  end
  return change(fig, "fig:gnuplot", function()
    local extra = fig.panels[fig.cur].extra
    for line in cmd:gmatch("[^\n]+") do extra[#extra + 1] = line end
  end)
end

function Figure.clear(fig)
  checkfig(fig, "clear")
  fig.panels[fig.cur] = new_panel()
  fig.version = fig.version + 1
  if recording then recording.touch(fig) end
  return fig
end

function Figure.show(fig)
  checkfig(fig, "show")
  show(fig, "fig:show", true)
  return fig
end

local save_terms = {png = "png", svg = "svg", pdf = "pdf"}

-- write the figure to path (checked), in format ext
local function save_to(fig, fname, path, ext)
  if not nonempty(fig) then fail(fname .. ": the figure has nothing drawn in it") end
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  f:close()
  local out = path
  if out:sub(1, 1) == "|" then out = "./" .. out end  -- never a pipe
  run(fig, fname, figure_commands(fig, ext, out))
  if ext == "svg" then
    -- gnuplot writes '>' unescaped; "]]>" is not allowed in XML text
    local fh = io.open(path, "rb")
    local svg = fh and fh:read("a")
    if fh then fh:close() end
    if svg and svg:find("]]>", 1, true) and not svg:find("<![CDATA[", 1, true) then
      svg = svg:gsub("%]%]>", "]]&gt;")
      fh = io.open(path, "wb")
      if fh then fh:write(svg); fh:close() end
    end
  end
  return true
end

function Figure.save(fig, path)
  checkfig(fig, "save")
  if type(path) ~= "string" then
    argerr("fig:save", 1, "file name expected, got " .. typename(path))
  end
  local ext = (path:match("%.([%a]+)$") or ""):lower()
  if not save_terms[ext] then
    argerr("fig:save", 1, "file name ending in .png, .svg or .pdf expected, got " ..
           string.format("%q", path))
  end
  if path:find("[%c]") then
    argerr("fig:save", 1, "file name without control characters expected")
  end
  return save_to(fig, "fig:save", path, ext)
end

function Figure.close(fig)
  if getmetatable(fig) ~= FigureMeta then checkfig(fig, "close") end
  if fig.closed then return end
  if recording then recording.closing(fig) end
  fig.closed = true
  held[fig] = nil
  live[fig] = nil
  if fig.gp then fig.gp:close() end
end
rawFigure.close = Figure.close

FigureMeta.__close = function(fig) rawFigure.close(fig) end

FigureMeta.__tostring = function(fig)
  local n = 0
  for _, p in ipairs(fig.panels) do n = n + #p.series end
  local shape = (#fig.panels > 1) and
    string.format("%dx%d panels, ", fig.layout[1], fig.layout[2]) or ""
  return string.format("figure %d (%s%d series%s)", fig.id, shape, n,
                       fig.closed and ", closed" or "")
end

-- ====================================================================
-- module functions
-- ====================================================================

-- a module-level call: a new figure from the figure options in opts
local function fresh(fname, opts, n)
  local fo = {}
  if opts ~= nil and type(opts) == "table" and not mat.ismat(opts) then
    for key, v in pairs(opts) do
      if (key == "size" and type(v) == "table") or key == "layout" then
        fo[key] = figure_options[key](fname, n, key, v)
      end
    end
  end
  return new_figure(fname, fo)
end

-- opts without the figure-only keys
local function without_figure(opts)
  if type(opts) ~= "table" or mat.ismat(opts) then return opts end
  if type(opts.size) ~= "table" and opts.layout == nil then return opts end
  local o = {}
  for k, v in pairs(opts) do
    if not ((k == "size" and type(v) == "table") or k == "layout") then
      o[k] = v
    end
  end
  return o
end

function plot.plot(x, y, opts)
  local o, n = opts, 3
  if y == nil or (isopts(y) and opts == nil) then o, n = y, 2 end
  -- check the data before starting a process
  if y == nil or (isopts(y) and opts == nil) then tomat("plot.plot", 1, x)
  else tovec("plot.plot", 1, x); tomat("plot.plot", 2, y) end
  local fig = fresh("plot.plot", o, n)
  if n == 2 then return add_plot(fig, "plot.plot", "plot", x, without_figure(y), nil, 1) end
  return add_plot(fig, "plot.plot", "plot", x, y, without_figure(opts), 1)
end

function plot.scatter(x, y, opts)
  tovec("plot.scatter", 1, x)
  tomat("plot.scatter", 2, y)
  local fig = fresh("plot.scatter", opts, 3)
  return add_plot(fig, "plot.scatter", "scatter", x, y, without_figure(opts), 1)
end

function plot.hist(x, opts)
  tomat("plot.hist", 1, x)
  local fig = fresh("plot.hist", opts, 2)
  return add_hist(fig, "plot.hist", x, without_figure(opts), 1)
end

function plot.heatmap(A, opts)
  tomat("plot.heatmap", 1, A, "matrix")
  local fig = fresh("plot.heatmap", opts, 2)
  return add_heatmap(fig, "plot.heatmap", A, without_figure(opts), 1)
end

-- the options argument of a (Z [, opts]) / (X, Y, Z [, opts]) call
local function grid_opts(a, b, c, d)
  if b == nil or isopts(b) then return b, 2 end
  return d, 4
end

function plot.surf(a, b, c, d)
  local opts, n = grid_opts(a, b, c, d)
  grid_args("plot.surf", 1, a, b, c, d)
  local fig = fresh("plot.surf", opts, n)
  if n == 2 then return add_surf(fig, "plot.surf", 1, a, without_figure(b)) end
  return add_surf(fig, "plot.surf", 1, a, b, c, without_figure(d))
end

function plot.contour(a, b, c, d)
  local opts, n = grid_opts(a, b, c, d)
  grid_args("plot.contour", 1, a, b, c, d)
  local fig = fresh("plot.contour", opts, n)
  if n == 2 then return add_contour(fig, "plot.contour", 1, a, without_figure(b)) end
  return add_contour(fig, "plot.contour", 1, a, b, c, without_figure(d))
end

function plot.figure(opts)
  if opts ~= nil and (type(opts) ~= "table" or mat.ismat(opts)) then
    argerr("plot.figure", 1, "options table expected, got " .. typename(opts))
  end
  local fo = {}
  for key, v in pairs(opts or {}) do
    if not figure_options[key] then
      argerr("plot.figure", 1, "unknown option '" .. tostring(key) .. "'")
    end
    fo[key] = figure_options[key]("plot.figure", 1, key, v)
  end
  return new_figure("plot.figure", fo)
end

function plot.terminal(name)
  local before = settings.terminal
  if name == nil then
    local fig = current.fig
    local resolved = settings.terminal
    if resolved == "auto" or resolved == "window" then
      resolved = (fig and not fig.closed) and display(fig) or
                 (at_prompt() and "dumb" or "none")
    end
    return settings.terminal, resolved
  end
  if type(name) ~= "string" or not name:match("^[%a][%w_]*$") then
    argerr("plot.terminal", 1, "terminal name expected (auto, window, dumb, " ..
           "none, or a gnuplot terminal such as qt)")
  end
  local builtin = {auto = true, window = true, dumb = true, none = true}
  -- terminals that draw in a window or on the terminal (files: fig:save)
  local screens = {qt = true, wxt = true, x11 = true, sixelgd = true,
                   sixeltek = true, kittycairo = true, kittygd = true,
                   domterm = true, tek40xx = true, vttek = true, xterm = true,
                   caca = true}
  if not builtin[name] and not screens[name] then
    argerr("plot.terminal", 1, "'" .. name .. "' is not a screen terminal " ..
           "(auto, window, dumb, none, qt, wxt, x11, sixelgd, ...); " ..
           "files are written with fig:save")
  end
  if not builtin[name] then
    -- it must be a terminal this gnuplot has
    local probe = new_figure("plot.terminal", {})
    local ok, text = pcall(run, probe, "plot.terminal", "print GPVAL_TERMINALS\n")
    rawFigure.close(probe)
    if not ok then error(text, 0) end
    local found = false
    for w in text:gmatch("%S+") do if w == name then found = true end end
    if not found then
      argerr("plot.terminal", 1, "gnuplot has no terminal '" .. name .. "'")
    end
  end
  settings.terminal = name
  return before
end

function plot.gnuplot(cmd)
  if type(cmd) ~= "string" then
    argerr("plot.gnuplot", 1, "string expected, got " .. typename(cmd))
  end
  local fig = current.fig
  if not fig or fig.closed then
    fail("plot.gnuplot: no current figure (make one with plot.figure())")
  end
  return rawFigure.gnuplot(fig, cmd)
end

function plot.figures()
  local list = {}
  for fig in pairs(live) do
    if not fig.closed then list[#list + 1] = fig end
  end
  table.sort(list, function(a, b) return a.id < b.id end)
  return list
end

function plot.closeall()
  for _, fig in ipairs(raw.figures()) do rawFigure.close(fig) end
end

function plot.isatty(fd)
  if fd == nil then fd = 1 end
  if math.type(fd) ~= "integer" or fd < 0 or fd > 2 then
    argerr("plot.isatty", 1, "0, 1 or 2 expected")
  end
  return native.isatty(fd)
end

function plot.processes()
  return native.count()
end

-- ====================================================================
-- publishing hooks (used by tycho.publish; not part of the API)
-- ====================================================================

-- plot._record(rec): while rec is set, figures are not displayed and
-- rec.touch(fig) is called when a figure is made or changed,
-- rec.closing(fig) just before one is closed.  plot._record(nil) stops.
function plot._record(rec)
  recording = rec
end

-- plot._capture(fig, path, ext): write fig to path; true, or nil and a
-- message.  Figures with nothing drawn give nil.
function plot._capture(fig, path, ext)
  if fig.closed or not nonempty(fig) then return nil, "empty" end
  local ok, res, msg = pcall(save_to, fig, "plot", path, ext)
  if not ok then
    return nil, getmetatable(res) == Err and res.msg or tostring(res)
  end
  return res, msg
end

-- ====================================================================
-- the public functions
-- ====================================================================

for _, name in ipairs{"plot", "scatter", "hist", "heatmap", "surf", "contour",
                      "figure", "terminal", "gnuplot", "figures", "closeall",
                      "isatty", "processes"} do
  raw[name] = plot[name]
  plot[name] = public(raw[name])
end
for _, name in ipairs{"plot", "scatter", "hist", "heatmap", "surf", "contour",
                      "panel", "set", "gnuplot", "clear", "show", "save",
                      "close"} do
  rawFigure[name] = Figure[name]
  Figure[name] = public(rawFigure[name])
end

-- plot(...) is plot.plot(...)
return setmetatable(plot, {
  __call = public(function(_, ...) return raw.plot(...) end),
})

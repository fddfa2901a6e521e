-- tycho/help.lua: the help registry.  Docstrings are keyed by the function
-- value (weak keys), so help(mat.zeros), help("mat.zeros") and ?mat.zeros
-- find the same text.  Texts live in lua/tycho/doc/<module>.lua and are
-- loaded the first time help is asked for; the docs pages are generated
-- from the same texts (tests/tools/gendocs.lua).
--
-- A doc file is a chunk called with `def`:
--   local def = ...
--   def("mat.zeros", {
--     sig = "mat.zeros(m [, n=1])",
--     summary = "An m x n matrix of zeros.",
--     example = "A = mat.zeros(2, 3)\nassert(A:rows() == 2)",
--     see = {"mat.ones", "mat.fill"},
--   })
-- Names are "module.func" for functions and "module:method" for methods
-- of the module's objects (found in module.methods, or entry.fn).
local help = {}

-- the modules help() lists, in order; each may have lua/tycho/doc/<name>.lua
help.modules = {
  {"tycho", "the host: help, who, whos, tic, toc, timeit"},
  {"mat", "dense real and complex matrices"},
  {"rand", "reproducible random numbers"},
  {"linalg", "dense linear algebra (LAPACK)"},
  {"fft", "Fourier transforms (FFTW)"},
  {"sparse", "sparse matrices (CSR)"},
  {"plot", "figures drawn by gnuplot"},
  {"linsolve", "iterative linear solvers: CG, SOR, SSOR-CG, learned relaxation"},
  {"ot", "optimal transport: Sinkhorn, Sinkhorn-Newton-Sparse, exact"},
  {"optim", "optimizers: SGD to Lion, 8-bit states, K-FAC, MKOR, CBO"},
  {"nn", "small dense networks"},
}
-- extra doc files that belong to a module above (split for size)
help.docfiles = {"tycho", "mat", "mat_ops", "mat_io", "rand", "linalg", "fft",
                 "sparse", "plot", "publish", "linsolve", "ot", "optim", "nn"}

local byfunc = setmetatable({}, {__mode = "k"})   -- function -> entry
local byname = {}                                  -- name -> entry
local order = {}                                   -- names in definition order
local loaded = false
help.load_errors = {}           -- doc files that failed to load

-- resolve "a.b.c" or "a.b:m" to a value, raw lookups only
local function resolve(name)
  local path, method = name:match("^([^:]+):([%w_]+)$")
  path = path or name
  local v = _G
  for part in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    -- globals are read normally so modules load; fields raw
    if v == _G then v = _G[part] else v = rawget(v, part) end
  end
  if method then
    -- module.methods, else the __methods of the type "tycho.<module>"
    local methods = type(v) == "table" and rawget(v, "methods") or nil
    if type(methods) ~= "table" then
      local mt = debug.getregistry()["tycho." .. path]
      methods = type(mt) == "table" and rawget(mt, "__methods") or nil
    end
    if type(methods) ~= "table" then return nil end
    return rawget(methods, method)
  end
  return v
end

--- def(name, entry): register a docstring (see the top of this file).
function help.def(name, entry)
  assert(type(name) == "string" and type(entry) == "table", "def(name, entry)")
  entry.name = name
  entry.sig = entry.sig or name
  local fn = entry.fn or resolve(name)
  entry.fn = nil
  if byname[name] == nil then order[#order + 1] = name end
  byname[name] = entry
  if fn ~= nil then byfunc[fn] = entry end
  return entry
end

-- load every doc file once; missing files are skipped
function help.load()
  if loaded then return end
  loaded = true
  for _, name in ipairs(help.docfiles) do
    local path = package.searchpath("tycho.doc." .. name, package.path)
    if path then     -- a broken doc file must not take help down with it
      local chunk, err = loadfile(path)
      local ok = chunk ~= nil
      if ok then ok, err = pcall(chunk, help.def) end
      if not ok then
        help.load_errors[#help.load_errors + 1] = err
        io.stderr:write("help: ", tostring(err), "\n")
      end
    end
  end
end

--- lookup(x): the entry for a function value or a name, or nil.
function help.lookup(x)
  help.load()
  if type(x) == "string" then return byname[x] end
  return byfunc[x]
end

-- the entries whose names start with "<module>." or "<module>:"
function help.entries(module)
  help.load()
  local out = {}
  for _, name in ipairs(order) do
    if name:sub(1, #module + 1) == module .. "." or
       name:sub(1, #module + 1) == module .. ":" then
      out[#out + 1] = byname[name]
    end
  end
  return out
end

-- all entries, in definition order
function help.all()
  help.load()
  local out = {}
  for i, name in ipairs(order) do out[i] = byname[name] end
  return out
end

local function bold(s)
  local tycho = package.loaded.tycho
  local color = tycho and tycho.repl and tycho.repl.color
  if color == false or not (tycho and tycho.colorterm and tycho.colorterm())
  then return s end
  return "\27[1m" .. s .. "\27[0m"
end

local function indent(text, pad)
  return (pad .. text:gsub("\n", "\n" .. pad)):gsub("%s+$", "")
end

--- render(entry): the text help prints for one entry.
function help.render(e)
  local out = {bold(e.sig), ""}
  out[#out + 1] = indent(e.summary or "(no summary)", "  ")
  if e.example then
    out[#out + 1] = ""
    out[#out + 1] = "  Example:"
    out[#out + 1] = indent(e.example, "    ")
  end
  if e.see and #e.see > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "  See also: " .. table.concat(e.see, ", ")
  end
  return table.concat(out, "\n")
end

local function module_name(t)
  for name, mod in pairs(package.loaded) do
    if mod == t and name:match("^tycho%.") then return name:sub(7) end
  end
  if t == package.loaded.tycho then return "tycho" end
  return nil
end

local function list_module(name)
  local lines = {}
  for _, e in ipairs(help.entries(name)) do
    local text = (e.summary or ""):gsub("%s+", " ")
    local first = text:match("^(.-%.)%s") or text
    if #first > 72 then first = first:sub(1, 69) .. "..." end
    lines[#lines + 1] = string.format("  %-22s %s", e.name, first)
  end
  if #lines == 0 then return "no help for module '" .. name .. "' yet" end
  return bold(name) .. ": " .. (function()
    for _, m in ipairs(help.modules) do if m[1] == name then return m[2] end end
    return ""
  end)() .. "\n" .. table.concat(lines, "\n")
end

--- help([x]): print the docstring of x (a function, a name, or a module).
function help.help(...)
  help.load()
  if select("#", ...) == 0 then
    local lines = {"tycho: type help(name) or ?name for one function; " ..
                   "help(module) lists a module.", "", "Modules:"}
    for _, m in ipairs(help.modules) do
      lines[#lines + 1] = string.format("  %-8s %s", m[1], m[2])
    end
    lines[#lines + 1] = ""
    lines[#lines + 1] = "At the prompt: who(), whos(), tic(), toc(), " ..
                        "timeit(f [, n]); a trailing ; hides a result; " ..
                        "_ holds the last one."
    print(table.concat(lines, "\n"))
    return
  end
  local x = ...
  local e = help.lookup(x)
  if e then print(help.render(e)) return end
  if type(x) == "table" then
    local name = module_name(x)
    if name then print(list_module(name)) return end
  end
  if type(x) == "string" then
    for _, m in ipairs(help.modules) do
      if m[1] == x then print(list_module(x)) return end
    end
    print("no help for '" .. x .. "'")
    return
  end
  print("no help for this " .. type(x))
end

return help

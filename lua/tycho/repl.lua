-- tycho/repl.lua: what the prompt shows.  tycho.repl.printer prints the
-- values of an expression (replace it to change how results look);
-- who() and whos() list the person's variables.
local repl = {}

-- colour: nil means automatic (a terminal that supports it); false turns
-- it off, true forces it on where the terminal allows.
repl.color = nil

local MAXDEPTH, MAXITEMS = 2, 40

local function isidentifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

local function fmtnumber(x)
  if math.type(x) == "integer" then return tostring(x) end
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%.15g", x)
end

local format

local function fmttable(t, depth, seen)
  if seen[t] then return "<cycle>" end
  if depth > MAXDEPTH then return "{...}" end
  seen[t] = true
  local parts, n = {}, #t
  local count = 0
  for i = 1, n do
    count = count + 1
    if count > MAXITEMS then parts[#parts + 1] = "..."; break end
    parts[#parts + 1] = format(rawget(t, i), depth + 1, seen)
  end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "string" or ta == "number" then return a < b end
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(keys) do
    count = count + 1
    if count > MAXITEMS then parts[#parts + 1] = "..."; break end
    local key = isidentifier(k) and k or ("[" .. format(k, MAXDEPTH + 1, seen) .. "]")
    parts[#parts + 1] = key .. " = " .. format(rawget(t, k), depth + 1, seen)
  end
  seen[t] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- format(v): the text the prompt shows for one value
function format(v, depth, seen)
  depth = depth or 0
  local tv = type(v)
  if tv == "number" then return fmtnumber(v) end
  if tv == "string" then
    if depth == 0 then return v end
    return string.format("%q", v)
  end
  if tv == "table" then
    local mt = getmetatable(v)
    if mt and rawget(mt, "__tostring") then return tostring(v) end
    return fmttable(v, depth, seen or {})
  end
  return tostring(v)
end
repl.format = format

--- printer(...): the default pretty printer of the prompt.
function repl.printer(...)
  local n = select("#", ...)
  local out, multiline = {}, false
  for i = 1, n do
    out[i] = format((select(i, ...)))
    if out[i]:find("\n") then multiline = true end
  end
  io.write(table.concat(out, multiline and "\n" or "\t"), "\n")
end

-- the globals that exist before the person types anything
local baseline = {}
function repl.mark_globals()
  for k in next, _G do baseline[k] = true end
  local tycho = rawget(_G, "tycho")
  for k in next, (tycho and tycho.lazy or {}) do baseline[k] = true end
  baseline._ = true
  baseline.arg = true
end

local function user_names()
  local names = {}
  for k in next, _G do
    if type(k) == "string" and not baseline[k] then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

--- who(): list the person's variables.
function repl.who()
  local names = user_names()
  if #names == 0 then print("(no variables)") return end
  print(table.concat(names, "  "))
end

local function describe(v)
  local tv = type(v)
  local mt = getmetatable(v)
  local mat = package.loaded["tycho.mat"]
  if mat and mat.ismat and mat.ismat(v) then
    local m, n = v:size()
    local bytes = m * n * (v:iscomplex() and 16 or 8)
    return string.format("%dx%d", m, n),
           v:iscomplex() and "complex mat" or "mat", bytes
  end
  if tv == "table" then
    local n = 0
    for _ in next, v do n = n + 1 end
    return tostring(n) .. " fields", "table", nil
  end
  if tv == "string" then return tostring(#v) .. " chars", "string", #v end
  if tv == "number" then return "1x1", math.type(v), 8 end
  if tv == "userdata" and mt and type(rawget(mt, "__name")) == "string" then
    return "", rawget(mt, "__name"), nil
  end
  return "", tv, nil
end

--- whos(): list the person's variables with size, kind and bytes.
function repl.whos()
  local names = user_names()
  if #names == 0 then print("(no variables)") return end
  local rows, w = {}, {4, 4, 4, 5}
  for _, name in ipairs(names) do
    local size, kind, bytes = describe(rawget(_G, name))
    local r = {name, size, kind, bytes and tostring(bytes) or "-"}
    rows[#rows + 1] = r
    for i = 1, 4 do w[i] = math.max(w[i], #r[i]) end
  end
  local fmt = string.format("%%-%ds  %%-%ds  %%-%ds  %%%ds", w[1], w[2], w[3], w[4])
  print(string.format(fmt, "name", "size", "kind", "bytes"))
  for _, r in ipairs(rows) do print(string.format(fmt, r[1], r[2], r[3], r[4])) end
end

return repl

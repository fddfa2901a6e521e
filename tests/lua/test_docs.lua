-- test_docs.lua: every public function has help, every help example and
-- every ```lua block of docs/*.md runs, and docs/reference.md is current.
local t = require "tap"
local help = require "tycho.help"
local srcdir = assert(os.getenv("TY_SRCDIR"), "TY_SRCDIR not set")

-- run code in a fresh environment with print silenced
local function quiet() end
local function run(code, name)
  local env = setmetatable({print = quiet}, {__index = _G})
  local f, err = load(code, "=" .. name, "t", env)
  if not f then return false, err end
  local print0, write0 = _G.print, io.write      -- help() prints through these
  _G.print, io.write = quiet, quiet
  local ok, res = pcall(f)
  _G.print, io.write = print0, write0
  return ok, res
end

help.load()
t.ok(#help.load_errors == 0, "every doc file loads" ..
     (#help.load_errors > 0 and ("\n" .. table.concat(help.load_errors, "\n")) or ""))

-- 1. every function of every module (and method of its type) has help
for _, m in ipairs(help.modules) do
  local name = m[1]
  local mod = _G[name]         -- loads the module
  if type(mod) == "table" then
    local missing = {}
    for k, v in pairs(mod) do
      if type(v) == "function" and type(k) == "string" and k:sub(1, 1) ~= "_"
         and not help.lookup(v) then
        missing[#missing + 1] = name .. "." .. k
      end
    end
    local mt = debug.getregistry()["tycho." .. name]
    local methods = (type(mod.methods) == "table" and mod.methods) or
                    (type(mt) == "table" and rawget(mt, "__methods"))
    if type(methods) == "table" then
      for k, v in pairs(methods) do
        if type(v) == "function" and k:sub(1, 1) ~= "_" and not help.lookup(v) then
          missing[#missing + 1] = name .. ":" .. k
        end
      end
    end
    table.sort(missing)
    t.ok(#missing == 0, "help for every function of " .. name ..
         (#missing > 0 and (" (missing: " .. table.concat(missing, ", ") .. ")") or ""))
  end
end
for _, g in ipairs({"help", "who", "whos", "tic", "toc", "timeit"}) do
  t.ok(help.lookup(_G[g]), "help for " .. g)
end

-- 2. every help example runs
local failures = {}
local n = 0
for _, e in ipairs(help.all()) do
  if e.example then
    n = n + 1
    local ok, err = run(e.example, "help example of " .. e.name)
    if not ok then failures[#failures + 1] = e.name .. ": " .. tostring(err) end
  end
end
t.ok(#failures == 0, n .. " help examples run" ..
     (#failures > 0 and ("\n" .. table.concat(failures, "\n")) or ""))

-- 3. every ```lua block of docs/*.md runs (each in a fresh environment)
local p = io.popen('ls "' .. srcdir .. '/docs/"*.md 2>/dev/null')
local pages = {}
for path in p:lines() do
  if not path:find("reference%.md$") then pages[#pages + 1] = path end
end
p:close()
for _, path in ipairs(pages) do
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  local blocks, bad = 0, {}
  for code in text:gmatch("\n```lua\n(.-)\n```") do
    blocks = blocks + 1
    local ok, err = run(code, path:match("[^/]+$") .. " block " .. blocks)
    if not ok then bad[#bad + 1] = tostring(err) end
  end
  t.ok(#bad == 0, path:match("[^/]+$") .. ": " .. blocks .. " lua blocks run" ..
       (#bad > 0 and ("\n" .. table.concat(bad, "\n")) or ""))
end

-- 4. docs/reference.md is generated from the same texts
local generate = dofile(srcdir .. "/tests/tools/gendocs.lua")
local f = io.open(srcdir .. "/docs/reference.md")
local committed = f and f:read("a") or ""
if f then f:close() end
t.ok(committed == generate(), "docs/reference.md is current " ..
     "(regenerate: build/tycho tests/tools/gendocs.lua > docs/reference.md)")
t.done()

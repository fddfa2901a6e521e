-- tycho/nn.lua: the Lua layer of the `nn` module.  Adds nn.load (the file
-- is read here, parsed natively) and the second-order optimizers
-- optim.kfac and optim.mkor, whose native halves live in nn (nn._precond).
local nn = ...

local optim = require "tycho.optim"
local registry = debug.getregistry()

local function isnet(x)
  return getmetatable(x) ~= nil and getmetatable(x) == registry["tycho.nn"]
end

local function typename(x)
  local mt = getmetatable(x)
  if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then
    return rawget(mt, "__name")
  end
  return type(x)
end

--- nn.load(path) -> net, or nil, message: a network written by net:save.
function nn.load(path)
  if type(path) ~= "string" then
    error("bad argument #1 to 'load' (string expected, got " ..
          typename(path) .. ")", 2)
  end
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text, rerr = f:read("a")
  f:close()
  if not text then return nil, path .. ": " .. tostring(rerr) end
  return nn._parse(text, path)
end

-- options handled here, not by the native constructor
local base_keys = {lr = true, momentum = true, weight_decay = true,
                   base = true}

-- the common constructor of optim.kfac and optim.mkor
local function precond(algo, net, opts)
  if not isnet(net) then
    error("bad argument #1 to '" .. algo .. "' (tycho.nn network expected, " ..
          "got " .. typename(net) .. ")", 3)
  end
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error("bad argument #2 to '" .. algo .. "' (table of options expected, " ..
          "got " .. typename(opts) .. ")", 3)
  end
  local native_opts = {}
  for k, v in pairs(opts) do
    if not base_keys[k] then native_opts[k] = v end
  end
  local base = opts.base
  if base ~= nil then
    if opts.lr ~= nil or opts.momentum ~= nil or opts.weight_decay ~= nil then
      error("bad argument #2 to '" .. algo .. "' (give lr, momentum and " ..
            "weight_decay to the base optimizer, not with 'base')", 3)
    end
    if (type(base) ~= "table" and type(base) ~= "userdata") or
       base.step == nil then
      error("bad option 'base' to '" .. algo .. "' (an optimizer with a " ..
            "step method expected, got " .. typename(base) .. ")", 3)
    end
  else
    if type(optim.sgd) ~= "function" then
      error(algo .. ": optim.sgd, the default base optimizer, is not " ..
            "available; pass opts.base", 3)
    end
    base = optim.sgd{lr = opts.lr or 0.1, momentum = opts.momentum or 0.9,
                     weight_decay = opts.weight_decay or 0}
  end
  local ok, opt = pcall(nn._precond, algo, net, native_opts, base)
  if not ok then error(opt, 3) end         -- option errors: at the caller
  return opt
end

--- optim.kfac(net, opts) -> a K-FAC optimizer for net (see docs/nn.md).
function optim.kfac(net, opts)
  local opt = precond("kfac", net, opts)   -- not a tail call: error levels
  return opt
end

--- optim.mkor(net, opts) -> an MKOR (hybrid = true: MKOR-H) optimizer.
function optim.mkor(net, opts)
  local opt = precond("mkor", net, opts)
  return opt
end

return nn

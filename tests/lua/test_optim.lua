-- test_optim.lua: the first-order optimizers, 8-bit states, CBO,
-- minimize and the test functions of tycho.optim.
--   * SGD, Adam, AdamW: replay of gradient sequences recorded with PyTorch
--     (float64, fixtures made here when /usr/bin/python3 has torch);
--   * every other rule: agreement with a plain Lua transcription of the
--     specification kept in this file;
--   * closed forms, invariants, 8-bit quantization bounds, CBO dynamics,
--     minimize, and a sweep of bad inputs.
local t = require "tap"

rand.seed(11)

local function relerr(a, b)
  local d = 0
  for k = 1, #a do
    local e = math.abs(a[k] - b[k]) / math.max(1, math.abs(b[k]))
    if e ~= e then return math.huge end
    if e > d then d = e end
  end
  return d
end

local function tolist(A)
  local r = {}
  for k = 1, #A do r[k] = A[k] end
  return r
end

local function randlist(n, scale)
  local r = {}
  for k = 1, n do r[k] = (scale or 1) * rand.normal() end
  return r
end

-- ====================================================================
-- 1. replay of PyTorch trajectories (SGD, Adam, AdamW)
-- ====================================================================

local fixture_py = [[
import torch, sys
torch.manual_seed(7)
n, steps = 37, 100
def gradseq():
    gs = []
    for k in range(steps):
        g = torch.randn(n, dtype=torch.float64)
        if 10 <= k < 15: g = torch.zeros(n, dtype=torch.float64)
        if 20 <= k < 25: g = g * 1e-10
        gs.append(g)
    return gs
cfgs = [
  ("sgd", "sgd", dict(lr=0.1)),
  ("sgd momentum", "sgd", dict(lr=0.05, momentum=0.9)),
  ("sgd dampening", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.5)),
  ("sgd nesterov + decay", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
  ("sgd momentum + decay", "sgd", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
  ("adam", "adam", dict(lr=1e-2)),
  ("adam L2 decay", "adam", dict(lr=1e-2, weight_decay=0.1)),
  ("adam amsgrad", "adam", dict(lr=1e-2, amsgrad=True, betas=(0.8, 0.99))),
  ("adamw", "adamw", dict(lr=1e-2, weight_decay=0.1)),
  ("adamw amsgrad", "adamw", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
]
def fmt(t): return "{" + ",".join("%.17g" % v for v in t.tolist()) + "}"
def lua(v):
    if v is True: return "true"
    if isinstance(v, tuple): return "{" + ",".join(repr(e) for e in v) + "}"
    return repr(v)
out = ["return {"]
for name, kind, kw in cfgs:
    x = torch.randn(n, dtype=torch.float64)
    x0 = x.clone()
    p = torch.nn.Parameter(x)
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    opt = cls([p], foreach=False, **kw)
    gs = gradseq()
    xs = []
    for g in gs:
        p.grad = g.clone()
        opt.step()
        xs.append(p.detach().clone())
    st = opt.state[p]
    opts = ",".join("%s=%s" % (k, lua(v)) for k, v in kw.items())
    out.append("{name=%r, kind=%r, opts={%s}, x0=%s," % (name, kind, opts, fmt(x0)))
    out.append(" g={" + ",".join(fmt(g) for g in gs) + "},")
    out.append(" x={" + ",".join(fmt(v) for v in xs) + "},")
    for key, lk in [("momentum_buffer", "buf"), ("exp_avg", "m"), ("exp_avg_sq", "v"), ("max_exp_avg_sq", "vmax")]:
        if key in st and st[key] is not None: out.append(" %s=%s," % (lk, fmt(st[key])))
    out.append("},")
out.append("}")
sys.stdout.write("\n".join(out) + "\n")
]]

local function torch_fixtures()
  local py = "/usr/bin/python3"
  local f = io.open(py)
  if not f then return nil, "no /usr/bin/python3" end
  f:close()
  if not os.execute(py .. " -c 'import torch' 2> /dev/null") then
    return nil, "torch is not installed (Debian package python3-torch)"
  end
  local script, out = os.tmpname(), os.tmpname()
  f = assert(io.open(script, "w"))
  f:write(fixture_py)
  f:close()
  local ok = os.execute(py .. " " .. script .. " > " .. out .. " 2> /dev/null")
  os.remove(script)
  if not ok then os.remove(out); return nil, "the fixture script failed" end
  local chunk = loadfile(out)
  os.remove(out)
  if not chunk then return nil, "the fixture file does not load" end
  return chunk()
end

local fixtures, why = torch_fixtures()
if not fixtures then
  t.skip("PyTorch replay of SGD/Adam/AdamW: " .. why)
else
  for _, fx in ipairs(fixtures) do
    local opt = optim[fx.kind](fx.opts)
    local x = mat(fx.x0)
    local worst = 0
    for k = 1, #fx.g do
      opt:step(x, mat(fx.g[k]))
      worst = math.max(worst, relerr(tolist(x), fx.x[k]))
    end
    t.ok(worst <= 1e-12, string.format("torch replay, %s: 100 steps agree " ..
         "(worst relative error %.1e)", fx.name, worst))
    local st = opt:state()
    local sworst = 0
    for _, key in ipairs({"buf", "m", "v", "vmax"}) do
      if fx[key] then
        sworst = math.max(sworst, st[key] and relerr(tolist(st[key]), fx[key])
                                  or math.huge)
      end
    end
    t.ok(sworst <= 1e-12, "torch replay, " .. fx.name .. ": final states agree")
  end
end

-- ====================================================================
-- 2. closed forms and invariants
-- ====================================================================

do  -- SGD step 1 for every dampening; heavy-ball recurrence
  for _, tau in ipairs({0, 0.5}) do
    for _, nest in ipairs({false, true}) do
      if not (nest and tau ~= 0) then
        local o = optim.sgd{lr = 0.1, momentum = 0.9, dampening = tau,
                            nesterov = nest, weight_decay = 0.2}
        local x = mat{1, -2}
        o:step(x, mat{0.5, 0.25})
        local f = 0.1 * (1 + (nest and 0.9 or 0))
        t.near(x, mat{1 - f * (0.5 + 0.2), -2 - f * (0.25 - 0.4)}, 1e-15,
               string.format("sgd step 1 (dampening %g, nesterov %s)", tau,
                             tostring(nest)))
      end
    end
  end
  local h, lr, mu = 2.0, 0.1, 0.7
  local o = optim.sgd{lr = lr, momentum = mu}
  local x = mat{1.5}
  local th = {1.5}
  local worst = 0
  for k = 1, 30 do
    o:step(x, mat{h * x[1]})
    th[k + 1] = k == 1 and (1 - lr * h) * th[1]
                or (1 + mu - lr * h) * th[k] - mu * th[k - 1]
    worst = math.max(worst, math.abs(x[1] - th[k + 1]))
  end
  t.ok(worst < 1e-14, "heavy ball on 1/2 h x^2 follows its recurrence")
end

do  -- Adam: constant gradient moves by lr g/(|g| + eps) every step
  local o = optim.adam{lr = 0.01}
  local x, g = mat{0, 0}, mat{3, -0.5}
  local ok = true
  for k = 1, 20 do
    local x0 = x:copy()
    o:step(x, g)
    for i = 1, 2 do
      local want = x0[i] - 0.01 * g[i] / (math.abs(g[i]) + 1e-8)
      if math.abs(x[i] - want) > 1e-15 then ok = false end
    end
  end
  t.ok(ok, "adam: constant gradient, every step is lr g/(|g| + eps)")
  -- AdamW with g = 0 decays geometrically; Adam-L2 does not
  local w = optim.adamw{lr = 0.1, weight_decay = 0.5}
  local a = optim.adam{lr = 0.1, weight_decay = 0.5}
  local xw, xa = mat{2}, mat{2}
  for k = 1, 5 do w:step(xw, mat{0}); a:step(xa, mat{0}) end
  t.near(xw[1], 2 * (1 - 0.05) ^ 5, 1e-14, "adamw: zero gradient, x (1 - lr wd)^t")
  t.ok(xa[1] < 2 - 5 * 0.09, "adam L2: zero gradient, steps of about lr")
  -- epsilon after the bias correction (torch), not the paper's eps-hat
  local e = optim.adam{lr = 1}
  local x1 = mat{0}
  e:step(x1, mat{1e-10})
  local ours = 1e-10 / (1e-10 + 1e-8)
  local hat = math.sqrt(1 - 0.999) * 1e-10 / (math.sqrt(1 - 0.999) * 1e-10 + 1e-8)
  t.near(-x1[1], ours, 1e-15, "adam: tiny gradient, eps after bias correction")
  t.ok(math.abs(-x1[1] - hat) > 1e-3, "adam: differs from the eps-hat form")
  -- eps = 0: rescaling the gradients leaves the trajectory unchanged
  local p, q = optim.adam{lr = 0.1, eps = 0}, optim.adam{lr = 0.1, eps = 0}
  local xp, xq = mat{1, 2, 3}, mat{1, 2, 3}
  for k = 1, 10 do
    local g = mat(randlist(3))
    p:step(xp, g)
    q:step(xq, 1000 * g)
  end
  t.near(xp, xq, 1e-13, "adam, eps = 0: invariant to gradient scale")
  -- amsgrad: vmax never decreases
  local am = optim.adam{lr = 0.1, amsgrad = true}
  local xm, prev, mono = mat{1, 1}, {0, 0}, true
  for k = 1, 20 do
    am:step(xm, mat{k < 5 and 10 or 0.1, 1})
    local vm = am:state().vmax
    for i = 1, 2 do
      if vm[i] < prev[i] then mono = false end
      prev[i] = vm[i]
    end
  end
  t.ok(mono, "adam amsgrad: vmax is non-decreasing")
end

do  -- Lion: step 1, lattice, box invariant
  local o = optim.lion{lr = 0.01, weight_decay = 0.5}
  local x = mat{1, -1, 0.5}
  o:step(x, mat{2, -3, 0})
  t.near(x, mat{1 * (1 - 0.005) - 0.01, -1 * (1 - 0.005) + 0.01,
                0.5 * (1 - 0.005)}, 1e-16, "lion step 1: x(1 - lr wd) - lr sign(g)")
  -- constant gradient c, decay lambda: x -> -sign(c)/lambda
  local l = optim.lion{lr = 0.05, weight_decay = 2}
  local y = mat{0.1, 0.2}
  for k = 1, 400 do l:step(y, mat{1, -2}) end
  t.near(y, mat{-0.5, 0.5}, 1e-6, "lion: linear objective, x -> -sign(c)/wd")
  -- l2: every step has norm lr (wd = 0)
  local k2 = optim.lion{lr = 0.01, K = "l2"}
  local z, ok = mat{1, 2, 3}, true
  for k = 1, 5 do
    local z0 = z:copy()
    k2:step(z, mat(randlist(3)))
    if math.abs((z - z0):norm() - 0.01) > 1e-15 then ok = false end
  end
  t.ok(ok, "lion K = l2: every step has norm lr")
  -- huber with delta below every |c| is lion
  local hu, li = optim.lion{lr = 0.01, K = "huber", delta = 1e-9}, optim.lion{lr = 0.01}
  local a, b = mat{1, 2}, mat{1, 2}
  for k = 1, 5 do
    local g = mat{1 + k, -2}
    hu:step(a, g); li:step(b, g)
  end
  t.near(a, b, 0, "lion K = huber with tiny delta equals lion")
end

do  -- EXAdam first step closed form; log mode multiplies lr by ln 2
  local g, lr, b1, b2, eps = 0.7, 1e-3, 0.9, 0.999, 1e-8
  local m, v = (1 - b1) * g, (1 - b2) * g * g
  local d1 = 1 + b2 * v / (v + eps)
  local d2 = 1 + b1 * m * m / (m * m + eps)
  local step = lr * (d1 * m / (1 - b1) + d1 * g / (1 - b1)) /
               (math.sqrt(d2 * v / (1 - b2)) + eps)
  local o, ol = optim.exadam{}, optim.exadam{step_mode = "log"}
  local x, xl = mat{0}, mat{0}
  o:step(x, mat{g})
  ol:step(xl, mat{g})
  t.near(-x[1], step, 1e-15, "exadam: first step in closed form")
  t.near(xl[1] / x[1], math.log(2), 1e-12, "exadam log mode: lr ln 2 at t = 1")
end

do  -- Adan step 1 (difference 0), prox and no_prox
  local lr, wd, g = 0.01, 0.3, -0.4
  local p, q = optim.adan{lr = lr, weight_decay = wd},
               optim.adan{lr = lr, weight_decay = wd, no_prox = true}
  local x, y = mat{2}, mat{2}
  p:step(x, mat{g}); q:step(y, mat{g})
  t.near(x[1], (2 - lr * g / (math.abs(g) + 1e-8)) / (1 + lr * wd), 1e-15,
         "adan step 1, proximal decay")
  t.near(y[1], 2 * (1 - lr * wd) - lr * g / (math.abs(g) + 1e-8), 1e-15,
         "adan step 1, decay before (no_prox)")
end

do  -- LAMB: every adapted tensor moves by lr ||x||
  local o = optim.lamb{lr = 0.01, weight_decay = 0.1}
  local W, b = mat.randn(4, 3), mat.randn(4)
  local ok = true
  for k = 1, 4 do
    local W0, b0 = W:copy(), b:copy()
    o:step({W, b}, {mat.randn(4, 3), mat.randn(4)})
    if math.abs((W - W0):norm() - 0.01 * W0:norm()) > 1e-14 or
       math.abs((b - b0):norm() - 0.01 * b0:norm()) > 1e-14 then ok = false end
  end
  t.ok(ok, "lamb: ||step|| = lr ||x|| for every tensor")
  local z = optim.lamb{lr = 0.01}
  local x0 = mat{0, 0}
  z:step(x0, mat{1, 2})
  t.ok(z.ratio_min == 1 and z.ratio_max == 1, "lamb: a zero tensor takes ratio 1")
end

-- ====================================================================
-- 3. independent transcriptions of the other rules (plain Lua)
-- ====================================================================

-- each reference takes lists x, g (row-major rows x cols for AdamP/SGDP:
-- x[i][j]) and a state table, and updates x and the state in place

local function sign(c) return c > 0 and 1 or (c < 0 and -1 or 0) end

local function ref_lamb(o, s, x, g)
  s.t = (s.t or 0) + 1
  s.m = s.m or {}; s.v = s.v or {}
  local b1, b2 = o.betas[1], o.betas[2]
  local u, nx, nu = {}, 0, 0
  for i = 1, #x do
    s.m[i] = b1 * (s.m[i] or 0) + (1 - b1) * g[i]
    s.v[i] = b2 * (s.v[i] or 0) + (1 - b2) * g[i] ^ 2
    local mh, vh = s.m[i] / (1 - b1 ^ s.t), s.v[i] / (1 - b2 ^ s.t)
    u[i] = mh / (math.sqrt(vh) + o.eps) + o.weight_decay * x[i]
    nx, nu = nx + x[i] ^ 2, nu + u[i] ^ 2
  end
  local ratio = (nx > 0 and nu > 0) and math.sqrt(nx) / math.sqrt(nu) or 1
  for i = 1, #x do x[i] = x[i] - o.lr * ratio * u[i] end
end

local function ref_lion(o, s, x, g)
  s.m = s.m or {}
  local b1, b2 = o.betas[1], o.betas[2]
  local c, nc = {}, 0
  for i = 1, #x do
    c[i] = b1 * (s.m[i] or 0) + (1 - b1) * g[i]
    nc = nc + c[i] ^ 2
  end
  nc = math.sqrt(nc)
  for i = 1, #x do
    local d
    if o.K == "l1" then d = sign(c[i])
    elseif o.K == "l2" then d = nc > 0 and c[i] / nc or 0
    elseif o.K == "huber" then d = math.max(-1, math.min(1, c[i] / o.delta))
    else d = c[i] end
    x[i] = x[i] * (1 - o.lr * o.weight_decay) - o.lr * d
    s.m[i] = b2 * (s.m[i] or 0) + (1 - b2) * g[i]
  end
end

-- Adan in the paper's notation (beta = 1 - code beta), with clipping
local function ref_adan(o, s, x, g)
  s.t = (s.t or 0) + 1
  local B1, B2, B3 = 1 - o.betas[1], 1 - o.betas[2], 1 - o.betas[3]
  local G = 0
  for i = 1, #g do G = G + g[i] ^ 2 end
  local c = 1
  if o.max_grad_norm > 0 then c = math.min(1, o.max_grad_norm / (math.sqrt(G) + o.eps)) end
  s.m = s.m or {}; s.v = s.v or {}; s.n = s.n or {}
  for i = 1, #x do
    local gi = c * g[i]
    local prev = s.prev and s.prev[i] or gi
    local diff = gi - prev
    s.m[i] = (1 - B1) * (s.m[i] or 0) + B1 * gi
    s.v[i] = (1 - B2) * (s.v[i] or 0) + B2 * diff
    local u = gi + (1 - B2) * diff
    s.n[i] = (1 - B3) * (s.n[i] or 0) + B3 * u * u
    local mh = s.m[i] / (1 - (1 - B1) ^ s.t)
    local vh = s.v[i] / (1 - (1 - B2) ^ s.t)
    local nh = s.n[i] / (1 - (1 - B3) ^ s.t)
    local step = o.lr * (mh + (1 - B2) * vh) / (math.sqrt(nh) + o.eps)
    if o.no_prox then
      x[i] = x[i] * (1 - o.lr * o.weight_decay) - step
    else
      x[i] = (x[i] - step) / (1 + o.lr * o.weight_decay)
    end
  end
  s.prev = {}
  for i = 1, #x do s.prev[i] = c * g[i] end
end

-- the projection of AdamP/SGDP on a rows x cols tensor (x[i][j])
local function ref_project(o, W, g, p)
  local R, C = #W, #W[1]
  local function cosmax(rows)
    local cm = 0
    for _, r in ipairs(rows) do
      local gw, gg, ww = 0, 0, 0
      for _, ij in ipairs(r) do
        local i, j = ij[1], ij[2]
        gw = gw + g[i][j] * W[i][j]; gg = gg + g[i][j] ^ 2; ww = ww + W[i][j] ^ 2
      end
      local c = math.abs(gw) / (math.max(math.sqrt(gg), o.eps) * math.max(math.sqrt(ww), o.eps))
      cm = math.max(cm, c)
    end
    return cm
  end
  local byrow, whole = {}, {{}}
  for i = 1, R do
    byrow[i] = {}
    for j = 1, C do byrow[i][j] = {i, j}; whole[1][#whole[1] + 1] = {i, j} end
  end
  for _, view in ipairs({byrow, whole}) do
    if cosmax(view) < o.delta / math.sqrt(#view[1]) then
      for _, r in ipairs(view) do
        local nw = 0
        for _, ij in ipairs(r) do nw = nw + W[ij[1]][ij[2]] ^ 2 end
        nw = math.sqrt(nw) + o.eps
        local dot = 0
        for _, ij in ipairs(r) do dot = dot + W[ij[1]][ij[2]] / nw * p[ij[1]][ij[2]] end
        for _, ij in ipairs(r) do
          local i, j = ij[1], ij[2]
          p[i][j] = p[i][j] - W[i][j] / nw * dot
        end
      end
      return p, o.wd_ratio
    end
  end
  return p, 1
end

local function ref_adamp(o, s, W, g)
  s.t = (s.t or 0) + 1
  local b1, b2 = o.betas[1], o.betas[2]
  local R, C = #W, #W[1]
  s.m = s.m or {}; s.v = s.v or {}
  local p = {}
  for i = 1, R do
    s.m[i] = s.m[i] or {}; s.v[i] = s.v[i] or {}; p[i] = {}
    for j = 1, C do
      s.m[i][j] = b1 * (s.m[i][j] or 0) + (1 - b1) * g[i][j]
      s.v[i][j] = b2 * (s.v[i][j] or 0) + (1 - b2) * g[i][j] ^ 2
      local den = math.sqrt(s.v[i][j]) / math.sqrt(1 - b2 ^ s.t) + o.eps
      local num = o.nesterov and b1 * s.m[i][j] + (1 - b1) * g[i][j] or s.m[i][j]
      p[i][j] = num / den
    end
  end
  local r = 1
  if C > 1 then p, r = ref_project(o, W, g, p) end
  for i = 1, R do
    for j = 1, C do
      if o.weight_decay > 0 then W[i][j] = W[i][j] * (1 - o.lr * o.weight_decay * r) end
      W[i][j] = W[i][j] - o.lr / (1 - b1 ^ s.t) * p[i][j]
    end
  end
end

local function ref_sgdp(o, s, W, g)
  local R, C = #W, #W[1]
  s.b = s.b or {}
  local p = {}
  for i = 1, R do
    s.b[i] = s.b[i] or {}; p[i] = {}
    for j = 1, C do
      s.b[i][j] = o.momentum * (s.b[i][j] or 0) + (1 - o.dampening) * g[i][j]
      p[i][j] = o.nesterov and g[i][j] + o.momentum * s.b[i][j] or s.b[i][j]
    end
  end
  local r = 1
  if C > 1 then p, r = ref_project(o, W, g, p) end
  for i = 1, R do
    for j = 1, C do
      if o.weight_decay > 0 then
        W[i][j] = W[i][j] * (1 - o.lr * o.weight_decay * r / (1 - o.momentum))
      end
      W[i][j] = W[i][j] - o.lr * p[i][j]
    end
  end
end

local function ref_exadam(o, s, x, g)
  s.t = (s.t or 0) + 1
  local b1, b2, eps = o.betas[1], o.betas[2], o.eps
  s.m = s.m or {}; s.v = s.v or {}
  local alpha = o.step_mode == "log" and o.lr * math.log(math.sqrt(2 * (s.t + 1))) or o.lr
  for i = 1, #x do
    if o.weight_decay ~= 0 then x[i] = x[i] * (1 - o.lr * o.weight_decay) end
    s.m[i] = b1 * (s.m[i] or 0) + (1 - b1) * g[i]
    s.v[i] = b2 * (s.v[i] or 0) + (1 - b2) * g[i] ^ 2
    local m, v = s.m[i], s.v[i]
    local d1 = 1 + b2 ^ s.t * v / (v + eps)
    local d2 = 1 + b1 ^ s.t * m * m / (m * m + eps)
    local mt, vt, gt = d1 * m / (1 - b1 ^ s.t), d2 * v / (1 - b2 ^ s.t),
                       d1 * g[i] / (1 - b1 ^ s.t)
    x[i] = x[i] - alpha * (mt + gt) / (math.sqrt(vt) + eps)
  end
end

-- ---- 8-bit emulation: maps, block absmax (float32), nearest code ----

local function f32(v) return (string.unpack("f", string.pack("f", v))) end

local function ref_map(signed)
  local vals = {}
  for i = 0, 6 do
    local k = signed and 2 ^ i + 1 or 2 ^ (i + 1) + 1
    for j = 0, k - 2 do
      local bj = 0.1 + 0.9 * j / (k - 1)
      local bn = 0.1 + 0.9 * (j + 1) / (k - 1)
      local mid = 10.0 ^ (i - 6) * ((bj + bn) / 2)
      vals[#vals + 1] = mid
      if signed then vals[#vals + 1] = -mid end
    end
  end
  vals[#vals + 1] = 0
  vals[#vals + 1] = 1
  table.sort(vals)
  for k = 1, #vals do vals[k] = f32(vals[k]) end
  return vals                          -- vals[c + 1] is code c
end
local SMAP, UMAP = ref_map(true), ref_map(false)

local function ref_encode(u, signed)
  local map = signed and SMAP or UMAP
  local best, bd = 0, math.huge
  for c = 0, 255 do
    local d = math.abs(u - map[c + 1])
    if d < bd then best, bd = c, d end  -- ties: the lower index stays
  end
  if signed and u < 0 and best == 127 then best = 126 end
  return best
end

-- state of one tensor: codes c1, c2 (0-based codes), absmax a1, a2
local function ref_adam8(o, s, x, g, B)
  s.t = (s.t or 0) + 1
  local n = #x
  local nb = (n + B - 1) // B
  if not s.c1 then
    s.c1, s.c2, s.a1, s.a2 = {}, {}, {}, {}
    for i = 1, n do s.c1[i], s.c2[i] = 127, 0 end
    for b = 1, nb do s.a1[b], s.a2[b] = 0, 0 end
  end
  local b1, b2 = o.betas[1], o.betas[2]
  local bc1, bc2 = 1 - b1 ^ s.t, 1 - b2 ^ s.t
  for b = 1, nb do
    local lo, hi = (b - 1) * B + 1, math.min(b * B, n)
    local s1, s2, m1, m2 = {}, {}, 0, 0
    for j = lo, hi do
      if g[j] ~= g[j] or math.abs(g[j]) == math.huge then
        s1[j], s2[j] = 0, 0
      else
        s1[j] = b1 * (SMAP[s.c1[j] + 1] * s.a1[b]) + (1 - b1) * g[j]
        s2[j] = b2 * (UMAP[s.c2[j] + 1] * s.a2[b]) + (1 - b2) * g[j] ^ 2
        local dec = o.weight_decay > 0 and 1 - o.lr * o.weight_decay or 1
        x[j] = x[j] * dec - o.lr * (math.sqrt(bc2) / bc1) * s1[j] /
               (math.sqrt(s2[j]) + o.eps * math.sqrt(bc2))
      end
      m1, m2 = math.max(m1, math.abs(s1[j])), math.max(m2, s2[j])
    end
    s.a1[b], s.a2[b] = f32(m1), f32(m2)
    for j = lo, hi do
      s.c1[j] = s.a1[b] == 0 and 127 or ref_encode(s1[j] * (1 / s.a1[b]), true)
      s.c2[j] = s.a2[b] == 0 and 0 or ref_encode(s2[j] * (1 / s.a2[b]), false)
    end
  end
end

local function ref_lion8(o, s, x, g, B)
  local n = #x
  local nb = (n + B - 1) // B
  if not s.c1 then
    s.c1, s.a1 = {}, {}
    for i = 1, n do s.c1[i] = 127 end
    for b = 1, nb do s.a1[b] = 0 end
  end
  local b1, b2 = o.betas[1], o.betas[2]
  for b = 1, nb do
    local lo, hi = (b - 1) * B + 1, math.min(b * B, n)
    local m, mx = {}, 0
    for j = lo, hi do
      if g[j] ~= g[j] or math.abs(g[j]) == math.huge then m[j] = 0
      else
        local mj = SMAP[s.c1[j] + 1] * s.a1[b]
        local c = b1 * mj + (1 - b1) * g[j]
        x[j] = x[j] * (1 - o.lr * o.weight_decay) - o.lr * sign(c)
        m[j] = b2 * mj + (1 - b2) * g[j]
      end
      mx = math.max(mx, math.abs(m[j]))
    end
    s.a1[b] = f32(mx)
    for j = lo, hi do
      s.c1[j] = s.a1[b] == 0 and 127 or ref_encode(m[j] * (1 / s.a1[b]), true)
    end
  end
end

-- run an optimizer and its reference over `steps` random gradients
local function agree(name, kind, opts, ref, n, steps, gradfn)
  local o = optim[kind](opts)
  local full = {}
  for k, v in pairs(opts) do full[k] = v end
  for k, v in pairs({betas = o.betas, eps = o.eps, weight_decay = o.weight_decay,
                     lr = o.lr, K = o.K, delta = o.delta, momentum = o.momentum,
                     dampening = o.dampening, wd_ratio = o.wd_ratio,
                     max_grad_norm = o.max_grad_norm, no_prox = o.no_prox,
                     nesterov = o.nesterov, step_mode = o.step_mode}) do
    if full[k] == nil then full[k] = v end
  end
  local xl = randlist(n)
  local x = mat(xl)
  local s, worst = {}, 0
  for k = 1, steps do
    local gl = gradfn and gradfn(k, xl) or randlist(n)
    o:step(x, mat(gl))
    ref(full, s, xl, gl)
    worst = math.max(worst, relerr(tolist(x), xl))
  end
  t.ok(worst <= 1e-12, string.format("%s agrees with its transcription " ..
       "(%d steps, worst relative error %.1e)", name, steps, worst))
end

agree("lamb", "lamb", {lr = 0.01, weight_decay = 0.05}, ref_lamb, 25, 8)
agree("lion", "lion", {lr = 0.01, weight_decay = 0.1}, ref_lion, 25, 8)
agree("lion K = l2", "lion", {lr = 0.01, weight_decay = 0.1, K = "l2"}, ref_lion, 25, 8)
agree("lion K = huber", "lion", {lr = 0.01, K = "huber", delta = 0.3}, ref_lion, 25, 8)
agree("lion K = quad", "lion", {lr = 0.1, K = "quad", weight_decay = 0.2,
      betas = {0.95, 0.98}}, ref_lion, 25, 8)
agree("adan (proximal)", "adan", {lr = 0.01, weight_decay = 0.02}, ref_adan, 25, 8)
agree("adan (no_prox, clipped)", "adan", {lr = 0.01, weight_decay = 0.02,
      no_prox = true, max_grad_norm = 1}, ref_adan, 25, 8)
agree("exadam", "exadam", {lr = 0.01, weight_decay = 1e-2}, ref_exadam, 25, 8)
agree("exadam (log step)", "exadam", {lr = 0.01, step_mode = "log"}, ref_exadam, 25, 8)
agree("adamw8bit (block 64, every state quantized)", "adamw8bit",
      {lr = 0.01, block = 64, min_8bit_size = 0},
      function(o, s, x, g) ref_adam8(o, s, x, g, 64) end, 150, 6)
agree("adam8bit with NaN gradients (the NaN rule)", "adam8bit",
      {lr = 0.01, block = 32, min_8bit_size = 0},
      function(o, s, x, g) ref_adam8(o, s, x, g, 32) end, 70, 5,
      function(k)
        local g = randlist(70)
        g[3 * k] = 0 / 0; g[3 * k + 1] = math.huge
        return g
      end)
agree("lion8bit (block 64)", "lion8bit", {lr = 0.01, weight_decay = 0.1,
      block = 64, min_8bit_size = 0},
      function(o, s, x, g) ref_lion8(o, s, x, g, 64) end, 150, 6)

-- AdamP / SGDP on a 3 x 5 matrix (row-major reference, column-major mat)
local function agree_matrix(name, kind, opts, ref, gradfn, steps)
  local o = optim[kind](opts)
  local full = {}
  for k, v in pairs(opts) do full[k] = v end
  for _, k in ipairs({"betas", "eps", "weight_decay", "lr", "delta", "momentum",
                      "dampening", "wd_ratio", "nesterov"}) do
    if full[k] == nil then full[k] = o[k] end
  end
  local W = {}
  local X = mat.randn(3, 5)
  for i = 1, 3 do W[i] = {} for j = 1, 5 do W[i][j] = X[{i, j}] end end
  local s, worst, projected = {}, 0, 0
  for k = 1, steps do
    local G = gradfn(W, k)
    local gm = mat.zeros(3, 5)
    for i = 1, 3 do for j = 1, 5 do gm[{i, j}] = G[i][j] end end
    o:step(X, gm)
    projected = projected + o.projected
    ref(full, s, W, G)
    for i = 1, 3 do
      for j = 1, 5 do
        worst = math.max(worst, math.abs(X[{i, j}] - W[i][j]) /
                                math.max(1, math.abs(W[i][j])))
      end
    end
  end
  t.ok(worst <= 1e-12, string.format("%s agrees with its transcription " ..
       "(worst relative error %.1e)", name, worst))
  return projected
end

-- gradients orthogonal to every row (scale invariant), or random ones
local function ortho(W)
  local G = {}
  for i = 1, 3 do
    local r = randlist(5)
    local dot, nw = 0, 0
    for j = 1, 5 do dot = dot + r[j] * W[i][j]; nw = nw + W[i][j] ^ 2 end
    G[i] = {}
    for j = 1, 5 do G[i][j] = r[j] - dot / nw * W[i][j] end
  end
  return G
end
local function randm()
  local G = {}
  for i = 1, 3 do G[i] = randlist(5) end
  return G
end

local np = agree_matrix("adamp (orthogonal gradients)", "adamp",
                        {lr = 0.01, weight_decay = 0.1}, ref_adamp, ortho, 6)
t.ok(np == 6, "adamp: orthogonal gradients are projected every step")
agree_matrix("adamp nesterov (random gradients)", "adamp",
             {lr = 0.01, weight_decay = 0.1, nesterov = true}, ref_adamp, randm, 6)
np = agree_matrix("sgdp (orthogonal gradients)", "sgdp",
                  {lr = 0.1, momentum = 0.9, weight_decay = 1e-2}, ref_sgdp, ortho, 6)
t.ok(np == 6, "sgdp: orthogonal gradients are projected every step")
agree_matrix("sgdp nesterov, dampening (random gradients)", "sgdp",
             {lr = 0.1, momentum = 0.9, dampening = 0.1, nesterov = true,
              weight_decay = 1e-2}, ref_sgdp, randm, 6)

do  -- AdamP: the row view fails, the whole-matrix view fires
  local W = {{1, 2, 0}, {0, 1, 1}}
  local o = optim.adamp{lr = 0.01, weight_decay = 0.1}
  local full = {lr = 0.01, weight_decay = 0.1, betas = {0.9, 0.999}, eps = 1e-8,
                delta = 0.1, wd_ratio = 0.1, nesterov = false}
  local X = mat{{1, 2, 0}, {0, 1, 1}}
  -- row 1 of g is W's row 1 (cosine 1), row 2 is -5/2 of W's row 2, so
  -- <g, W> = 5 - 5 = 0 over the whole matrix
  local G = {{1, 2, 0}, {0, -2.5, -2.5}}
  o:step(X, mat(G))
  local s = {}
  ref_adamp(full, s, W, G)
  local worst = 0
  for i = 1, 2 do for j = 1, 3 do
    worst = math.max(worst, math.abs(X[{i, j}] - W[i][j]))
  end end
  t.ok(o.projected == 1 and worst < 1e-14,
       "adamp: the whole-matrix view fires when a row does not")
end

do  -- LAMB with every ratio forced to 1 and no decay is Adam (eps 1e-6)
  local l, a = optim.lamb{lr = 0.01, no_adapt = {1}}, optim.adam{lr = 0.01, eps = 1e-6}
  local x, y = mat{1, -2, 3}, mat{1, -2, 3}
  for k = 1, 5 do
    local g = mat(randlist(3))
    l:step(x, g); a:step(y, g)
  end
  t.near(x, y, 1e-15, "lamb, no_adapt, wd 0: adam with eps = 1e-6")
  local k = optim.lion{k = "l2", blocksize = nil}
  t.is(k.K, "l2", "the spec's option name k is accepted for K")
end

do  -- AdamP: the projected update is orthogonal to each row
  local o = optim.adamp{lr = 0.01, weight_decay = 0, eps = 1e-14}
  local X = mat.randn(3, 5)
  local W = {}
  for i = 1, 3 do W[i] = {} for j = 1, 5 do W[i][j] = X[{i, j}] end end
  local G = ortho(W)
  local gm = mat.zeros(3, 5)
  for i = 1, 3 do for j = 1, 5 do gm[{i, j}] = G[i][j] end end
  local X0 = X:copy()
  o:step(X, gm)
  local worst = 0
  for i = 1, 3 do
    local d = (X:row(i) - X0:row(i)):dot(X0:row(i))
    worst = math.max(worst, math.abs(d))
  end
  t.ok(worst < 1e-12, "adamp: <step_i, W_i> = 0 for every row")
  local v = optim.adamp{lr = 0.01}
  local b = mat{1, 2, 3}
  v:step(b, mat{1, 2, 3})
  t.is(v.projected, 0, "adamp: vectors are never projected")
end

-- ====================================================================
-- 4. lists of tensors, schedules, reset
-- ====================================================================

do
  local A, B = mat.randn(3, 2), mat.randn(4)
  local A2, B2 = A:copy(), B:copy()
  local o, p, q = optim.adam{lr = 0.01}, optim.adam{lr = 0.01}, optim.adam{lr = 0.01}
  for k = 1, 5 do
    local gA, gB = mat.randn(3, 2), mat.randn(4)
    o:step({A, B}, {gA, gB})
    p:step(A2, gA)
    q:step(B2, gB)
  end
  t.near(A, A2, 0, "a list of tensors: each keeps its own state (1)")
  t.near(B, B2, 0, "a list of tensors: each keeps its own state (2)")
  t.is(o.t, 5, "opt.t counts steps")
  t.is(o:state_bytes(), 16 * 10, "adam state: 16 bytes per parameter")
  o.lr = 0.5
  t.is(o.lr, 0.5, "lr can change between steps")
  o:reset()
  t.is(o.t, 0, "reset: t = 0")
  t.is(o:state_bytes(), 0, "reset: no state")
  o:step(mat{1, 2, 3}, mat{1, 1, 1})
  t.is(o.t, 1, "after reset, new shapes are accepted")
  -- no_decay: positions without weight decay
  local w = optim.adamw{lr = 0.1, weight_decay = 0.5, no_decay = {2}}
  local a, b = mat{1}, mat{1}
  w:step({a, b}, {mat{0}, mat{0}})
  t.near(a[1], 0.95, 1e-15, "no_decay: other tensors decay")
  t.is(b[1], 1, "no_decay: the listed tensor does not")
  -- a gradient given as a Lua table
  local s = optim.sgd{lr = 1}
  local x = mat{1, 2}
  s:step(x, {0.5, 0.5})
  t.near(x, mat{0.5, 1.5}, 0, "gradients may be Lua tables")
  -- x and g the same matrix
  local y = mat{1, 2}
  optim.sgd{lr = 0.5}:step(y, y)
  t.near(y, mat{0.5, 1}, 0, "x and g the same matrix")
end

do  -- threads: big tensors are split, with the same results
  local n = 300000
  local kinds = {
    {"sgd", {lr = 0.1, momentum = 0.9, nesterov = true}}, {"adam", {}},
    {"adamw", {amsgrad = true}}, {"lion", {weight_decay = 0.1}},
    {"lion", {K = "huber"}}, {"adan", {max_grad_norm = 10}}, {"exadam", {}},
    {"adam8bit", {}}, {"lion8bit", {}},
  }
  local x0, g1, g2 = mat.randn(n), mat.randn(n), mat.randn(n)
  local same = true
  for _, kd in ipairs(kinds) do
    local res = {}
    for _, th in ipairs({1, 3}) do
      optim.threads(th)
      local o = optim[kd[1]](kd[2])
      local x = x0:copy()
      o:step(x, g1); o:step(x, g2)
      res[th] = x
    end
    if t.maxdiff(res[1], res[3]) ~= 0 then
      same = false
      print("# threads changed the result of " .. kd[1])
    end
  end
  optim.threads(1)
  t.ok(same, "1 and 3 threads give bit-identical steps")
  t.is(optim.threads(), 1, "optim.threads sets the count")
  t.throws(function() optim.threads(0) end, "thread count", "optim.threads(0) is an error")
end

-- ====================================================================
-- 5. 8-bit quantization
-- ====================================================================

do
  local S, U = optim.map8(true), optim.map8(false)
  t.is(S[128], 0, "signed map: index 127 is 0")
  t.is(S[256], 1, "signed map: index 255 is 1")
  t.near(S[1], -0.99296875, 1e-7, "signed map: min -0.99296875")
  t.near(S[129], 5.5e-7, 1e-13, "signed map: smallest positive 5.5e-7")
  t.near(S[255], 0.99296875, 1e-7, "signed map: largest below 1")
  t.is(U[1], 0, "unsigned map: index 0 is 0")
  t.is(U[256], 1, "unsigned map: index 255 is 1")
  t.near(U[2], 3.25e-7, 1e-13, "unsigned map: smallest positive 3.25e-7")
  t.near(U[255], 0.996484375, 1e-7, "unsigned map: largest below 1")
  local same = true
  for k = 1, 256 do
    if S[k] ~= SMAP[k] or U[k] ~= UMAP[k] then same = false end
  end
  t.ok(same, "maps equal the transcription of the construction")
  local per = {}
  for k = 1, 256 do
    local v = U[k]
    if v > 0 and v < 1 then
      local dec = math.floor(math.log(v, 10) + 1e-9)
      per[dec] = (per[dec] or 0) + 1
    end
  end
  t.ok(per[-7] == 2 and per[-1] == 128, "unsigned map: 2 ... 128 entries per decade")
  -- every map entry round-trips exactly
  local codes = optim.quantize8(S, true, 256)
  local ok = true
  for k = 1, 256 do if codes[k] ~= k - 1 then ok = false end end
  t.ok(ok, "every signed map entry quantizes to its own code")
  codes = optim.quantize8(U, false, 256)
  ok = true
  for k = 1, 256 do if codes[k] ~= k - 1 then ok = false end end
  t.ok(ok, "every unsigned map entry quantizes to its own code")
  -- error within the per-block bound: the nearest entry, times absmax
  local x = mat.randn(5000) * 3
  for k = 1, 5000, 7 do x[k] = x[k] * 1e-5 end
  local c, am = optim.quantize8(x, true, 512)
  local y = optim.dequantize8(c, am, true, 512)
  local worst, exact = 0, true
  for k = 1, 5000 do
    local a = am[(k - 1) // 512 + 1]
    local u = x[k] / a
    local nearest = math.huge
    for j = 1, 256 do
      if not (u < 0 and S[j] == 0) then
        nearest = math.min(nearest, math.abs(u - S[j]))
      end
    end
    worst = math.max(worst, math.abs(y[k] - x[k]) - a * nearest)
    if c[k] ~= ref_encode(x[k] * (1 / a), true) then exact = false end
  end
  t.ok(worst <= 1e-15, "|dequant(quant(x)) - x| is the distance to the " ..
       "nearest entry (times the block's absmax)")
  t.ok(exact, "codes equal a brute-force nearest search (5000 values)")
  t.is(#am, 10, "one absmax per block, the last block partial")
  -- ties go to the lower index; negatives never become zero
  local mid = (S[200] + S[201]) / 2
  local tc = optim.quantize8(mat{mid, 1}, true, 2)
  t.is(tc[1], 199, "a tie takes the lower code")
  local nz = optim.quantize8(mat{-1e-12, 1}, true, 2)
  t.is(nz[1], 126, "a tiny negative takes code 126, not zero")
  local z = optim.quantize8(mat{0, 0, 0}, true)
  t.ok(z[1] == 127 and z[3] == 127, "an all-zero block takes the zero code")
  -- every midpoint, and its two neighbouring doubles, in one long block
  -- (the vectorized encoder): the same codes as the brute-force search
  local function nudge(v, d)
    local b = string.unpack("<i8", string.pack("<d", v))
    return (string.unpack("<d", string.pack("<i8", b + d)))
  end
  for _, signed in ipairs{true, false} do
    local map, vals = signed and S or U, {1}
    for k = 1, 255 do
      local m = (map[k] + map[k + 1]) / 2
      if m > 0 then
        for d = -1, 1 do vals[#vals + 1] = nudge(m, d) end
      elseif m < 0 then
        for d = -1, 1 do vals[#vals + 1] = -nudge(-m, d) end
      end
    end
    local cs = optim.quantize8(mat(vals), signed, 4096)
    local same = true
    for k = 1, #vals do
      if cs[k] ~= ref_encode(vals[k], signed) then same = false end
    end
    t.ok(same, (signed and "signed" or "unsigned") .. " map: every " ..
         "midpoint and its neighbours encode like the brute-force search")
  end
end

do  -- 8-bit Adam: memory, fallback, quantize = false, NaN rule
  local n = 100000
  local x = mat.randn(n)
  local o = optim.adam8bit{}
  o:step(x, mat.randn(n))
  local per = o:state_bytes() / n
  t.ok(math.abs(per - (2 + 8 / 2048)) < 1e-3, string.format("adam8bit: %.4f " ..
       "bytes of state per parameter", per))
  local f = optim.adam{}
  f:step(mat.randn(n), mat.randn(n))
  t.ok(f:state_bytes() / o:state_bytes() > 7.9, "about 1/8 of adam's state")
  -- below min_8bit_size: exactly AdamW
  local a, b = optim.adamw8bit{lr = 0.01}, optim.adamw{lr = 0.01}
  local xa, xb = mat.randn(100), nil
  xb = xa:copy()
  for k = 1, 5 do
    local g = mat.randn(100)
    a:step(xa, g); b:step(xb, g)
  end
  t.near(xa, xb, 0, "adamw8bit, small tensor: bit-identical to adamw")
  -- quantize = false: AdamW through the same path
  local q, r = optim.adamw8bit{lr = 0.01, quantize = false, min_8bit_size = 0},
               optim.adamw{lr = 0.01}
  local xq = mat.randn(5000)
  local xr = xq:copy()
  for k = 1, 5 do
    local g = mat.randn(5000)
    q:step(xq, g); r:step(xr, g)
  end
  t.near(xq, xr, 1e-12, "quantize = false reproduces adamw")
  -- NaN rule: that parameter unchanged, its state zeroed, neighbours move
  local m = optim.adam8bit{lr = 0.01, min_8bit_size = 0, block = 16}
  local xm = mat.randn(40)
  local x0 = xm:copy()
  m:step(xm, mat.randn(40))
  local x1 = xm:copy()
  local g = mat.randn(40)
  g[5] = 0 / 0
  m:step(xm, g)
  t.is(xm[5], x1[5], "NaN gradient: its parameter is left alone")
  t.ok(xm[4] ~= x1[4] and xm[6] ~= x1[6], "NaN gradient: neighbours move")
  local st = m:state()
  t.ok(st.m[5] == 0 and st.v[5] == 0, "NaN gradient: its states become 0")
  t.ok(x0[1] ~= 0, "(8-bit state test ran)")
  -- all-zero gradient block stays zero without NaN
  local zz = optim.adam8bit{min_8bit_size = 0, block = 8}
  local xz = mat{1, 2, 3, 4, 5, 6, 7, 8, 9}
  zz:step(xz, mat.zeros(9))
  t.near(xz, mat{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, "zero gradients: no move, no NaN")
end

-- ====================================================================
-- 6. CBO
-- ====================================================================

do
  local function sphere(X)      -- one point per row
    local F = mat.zeros(X:rows())
    for i = 1, X:rows() do F[i] = (X:row(i) - mat{{1, -2}}):norm() ^ 2 end
    return F
  end
  local c = optim.cbo{2, n = 30, seed = 1, iters = 400, noise = "anisotropic"}
  t.is(c:ask():rows(), 30, "ask: one particle per row")
  while not c:done() do c:tell(sphere(c:ask())) end
  local x, fx = c:best()
  t.near(x, mat{1, -2}, 1e-3, "cbo finds the minimum of a shifted sphere")
  t.ok(fx < 1e-6, "cbo: best value near 0")
  t.is(c.it, 400, "cbo: stops after iters")
  -- same seed, same run
  local function run(seed)
    local d = optim.cbo{2, seed = seed, iters = 20}
    while not d:done() do d:tell(sphere(d:ask())) end
    return (d:best())
  end
  t.near(run(5), run(5), 0, "cbo: a seed gives the same run")
  -- N = 1: the consensus is the particle, nothing moves
  local one = optim.cbo{3, n = 1, seed = 2, iters = 5}
  local X0 = one:ask()
  while not one:done() do one:tell({1}) end
  t.near(one:ask(), X0, 0, "cbo, one particle: no motion")
  -- flat f, sigma = 0: the spread shrinks by (1 - lambda dt) per step
  local flat = optim.cbo{2, n = 5, sigma = 0, dt = 0.1, lambda = 2, seed = 3, iters = 3}
  local Y0 = flat:ask()
  local mean = Y0:sum(1) / 5
  for k = 1, 3 do flat:tell(mat.zeros(5)) end
  local Y = flat:ask()
  local worst = 0
  for i = 1, 5 do
    for j = 1, 2 do
      local want = mean[j] + (Y0[{i, j}] - mean[j]) * (1 - 0.2) ^ 3
      worst = math.max(worst, math.abs(Y[{i, j}] - want))
    end
  end
  t.ok(worst < 1e-14, "cbo, flat f and no noise: contraction by (1 - lambda dt)")
  -- alpha = 0: the consensus is the mean; alpha huge: the best particle
  local z = optim.cbo{2, n = 4, alpha = 0, seed = 1}
  local Z = z:ask()
  z:tell({3, 1, 2, 5})
  t.near(z:consensus(), (Z:sum(1) / 4):t(), 1e-15, "cbo, alpha = 0: the consensus is the mean")
  local w = optim.cbo{2, n = 4, alpha = 1e5, seed = 1}
  local Wp = w:ask()
  w:tell({3, 1, 2, 5})
  t.near(w:consensus(), Wp:row(2):t(), 0, "cbo, alpha large: the consensus is the best particle")
  -- a constant added to f changes nothing
  local function run2(shift)
    local d = optim.cbo{2, seed = 9, iters = 30}
    while not d:done() do d:tell(sphere(d:ask()) + shift) end
    return (d:best())
  end
  t.near(run2(0), run2(1000), 1e-9, "cbo: adding a constant to f changes nothing")
  -- NaN values get weight 0; all-NaN is an error
  local e = optim.cbo{1, n = 3, seed = 1}
  e:tell({0 / 0, 1, 2})
  local _, fb = e:best()
  t.is(fb, 1, "cbo: NaN values are never the best")
  t.throws(function() e:tell({0 / 0, 0 / 0, math.huge}) end, "NaN or %+Inf",
           "cbo: every value non-finite is an error")
  t.throws(function() e:tell({1, 2}) end, "3 values expected", "cbo: tell needs one value per particle")
  t.throws(function() optim.cbo{} end, "dimension d is required", "cbo: d required")
  t.throws(function() optim.cbo{2, noise = "pink"} end, "noise", "cbo: bad noise")
  t.throws(function() optim.cbo{2, dt = -1} end, "dt", "cbo: bad dt")
  t.throws(function() optim.cbo{2, sigmaa = 1} end, "unknown option 'sigmaa'", "cbo: unknown option")
  t.throws(function() optim.cbo{2, n = 2, init = mat.zeros(3, 2)} end, "init", "cbo: init shape")
  -- cbo_minimize, on a function of a d x 1 vector
  local xb, info = optim.cbo_minimize(function(v)
    return (v[1] - 0.5) ^ 2 + (v[2] + 0.25) ^ 2 end, 2,
    {iters = 500, n = 40, seed = 4, noise = "anisotropic", history = true})
  t.near(xb, mat{0.5, -0.25}, 1e-2, "cbo_minimize finds the minimum")
  t.is(info.evals, 500 * 40, "cbo_minimize: n evaluations per iteration")
  t.is(#info.history, 500, "cbo_minimize: history of best values")
end

-- ====================================================================
-- 7. minimize and the test functions
-- ====================================================================

do
  local cond = 100
  local _, info = optim.minimize(function(x) return optim.testfn.quadratic(x, cond) end,
    mat.ones(10), {method = "sgd", lr = 1 / cond, iters = 200, history = true})
  local h, ups = info.history, 0
  for k = 2, #h do if h[k] > h[k - 1] then ups = ups + 1 end end
  t.is(ups, 0, "minimize, gradient descent on a quadratic: the loss never rises")
  t.ok(h[#h] < 1e-3 * h[1], "minimize: the loss fell by 1000x")
  local x, i2 = optim.minimize(optim.testfn.rosenbrock, {-1.2, 1},
                               {method = "adam", lr = 0.02, iters = 6000})
  t.ok(i2.converged and (x - mat{1, 1}):norm() < 1e-5,
       "minimize with adam solves Rosenbrock (tol 1e-6 on the gradient)")
  local _, i3 = optim.minimize(optim.testfn.rosenbrock, {-1.2, 1}, {iters = 3})
  t.ok(not i3.converged and i3.iters == 3, "minimize: not converged after 3 steps")
  t.throws(function() optim.minimize(function() return 1 end, {1}) end,
           "gradient", "minimize: f must return a gradient")
  t.throws(function() optim.minimize(optim.testfn.ackley, {1}, {method = "bfgs"}) end,
           "unknown method", "minimize: unknown method")
  t.throws(function() optim.minimize(function(x) return 0, mat{0 / 0} end, {1}) end,
           "NaN", "minimize: a NaN gradient is an error")

  -- test functions: minimizers and gradients by central differences
  local T = optim.testfn
  t.near(T.rosenbrock(mat{1, 1, 1}), 0, 0, "rosenbrock(1) = 0")
  t.near(T.rastrigin(mat.zeros(5)), 0, 0, "rastrigin(0) = 0")
  t.near(T.ackley(mat.zeros(5)), 0, 1e-15, "ackley(0) = 0")
  t.near(T.quadratic(mat{1, 1, 1}, 100), 0.5 * (1 + 10 + 100), 1e-12,
         "quadratic: eigenvalues log-spaced from 1 to cond")
  local worst = 0
  for _, name in ipairs({"rosenbrock", "rastrigin", "ackley", "quadratic"}) do
    local x0 = mat{0.3, -0.7, 1.1}
    local _, g = T[name](x0)
    for j = 1, 3 do
      local h = 1e-6
      local xp, xm = x0:copy(), x0:copy()
      xp[j] = xp[j] + h; xm[j] = xm[j] - h
      local fd = (T[name](xp) - T[name](xm)) / (2 * h)
      worst = math.max(worst, math.abs(fd - g[j]) / math.max(1, math.abs(g[j])))
    end
  end
  t.ok(worst < 1e-7, "test-function gradients match central differences")
  local P = mat{{1, 1}, {0, 0}, {-1.2, 1}}
  local F, G = T.rosenbrock(P)
  t.ok(F:rows() == 3 and F[1] == 0 and F[2] == 1 and G:rows() == 3,
       "test functions: one point per row of a matrix")
  t.throws(function() T.rosenbrock(mat{1}) end, "at least 2", "rosenbrock needs 2 coordinates")
  t.throws(function() T.quadratic(mat{1, 2}, 0.5) end, "condition", "quadratic: cond >= 1")
end

-- ====================================================================
-- 8. bad input
-- ====================================================================

do
  local o = optim.adam{}
  local x = mat{1, 2, 3}
  t.throws(function() o:step(x, mat{1, 2}) end, "gradient 1 is 2x1, its parameter is 3x1",
           "step: shapes must match")
  local g = mat{1, 0 / 0, 3}
  t.throws(function() o:step(x, g) end, "NaN or Inf", "step: NaN gradient is an error")
  t.near(x, mat{1, 2, 3}, 0, "step: x untouched by the failed step")
  t.is(o.t, 0, "step: t unchanged by the failed step")
  t.throws(function() o:step(x, mat{1, math.huge, 3}) end, "NaN or Inf", "step: Inf gradient")
  t.throws(function() o:step({x, mat{1}}, {mat{1, 1, 1}, mat{0 / 0}}) end,
           "gradient 2 has NaN", "step: the failing tensor is named")
  t.near(x, mat{1, 2, 3}, 0, "step: no tensor of the list was touched")
  o:step(x, mat{1, 1, 1})
  t.throws(function() o:step(mat{1, 2}, mat{1, 1}) end, "state was built for 3x1",
           "step: the shape must stay the same")
  t.throws(function() o:step({x, x}, {x, x}) end, "built for 1 tensors",
           "step: the tensor count must stay the same")
  t.throws(function() o:step("x", mat{1}) end, "expected", "step: x must be a mat")
  t.throws(function() o:step(x, "g") end, "expected", "step: g must be a mat")
  t.throws(function() o:step({}, {}) end, "empty list", "step: empty list")
  t.throws(function() o:step({x}, {x, x}) end, "1 gradients expected", "step: list lengths")
  t.throws(function() o:step(mat.complex(x), x) end, "complex", "step: complex parameters")
  local c = optim.sgd{lr = 1, check_finite = false}
  local y = mat{1}
  c:step(y, mat{0 / 0})
  t.ok(y[1] ~= y[1], "check_finite = false propagates NaN like torch")
  local e = optim.sgd{lr = 1}
  local ee = mat.zeros(0, 1)
  e:step(ee, mat.zeros(0, 1))
  t.is(e.t, 1, "an empty tensor is a valid step")

  local bad = {
    {"negative lr", function() optim.adam{lr = -1} end, "lr must be a nonnegative"},
    {"NaN lr", function() optim.sgd{lr = 0 / 0} end, "lr must be"},
    {"lr required", function() optim.sgd{} end, "lr is required"},
    {"beta = 1", function() optim.adam{betas = {0.9, 1}} end, "betas%[2%] must be in"},
    {"negative beta", function() optim.lion{betas = {-0.1, 0.9}} end, "betas%[1%]"},
    {"adan needs 3 betas", function() optim.adan{betas = {0.9, 0.9}} end, "3 numbers"},
    {"negative eps", function() optim.adam{eps = -1} end, "eps"},
    {"negative weight decay", function() optim.adamw{weight_decay = -1} end, "weight_decay"},
    {"momentum 1", function() optim.sgd{lr = 1, momentum = 1} end, "momentum"},
    {"nesterov without momentum", function() optim.sgd{lr = 1, nesterov = true} end, "nesterov"},
    {"unknown option", function() optim.adam{lr = 1, momentun = 0.9} end, "unknown option 'momentun'"},
    {"bad K", function() optim.lion{K = "l3"} end, "K must be"},
    {"bad step_mode", function() optim.exadam{step_mode = "exp"} end, "step_mode"},
    {"zero block", function() optim.adam8bit{block = 0} end, "block"},
    {"positional option", function() optim.adam{0.1} end, "named"},
    {"options not a table", function() optim.adam(0.1) end, "table expected"},
  }
  for _, b in ipairs(bad) do t.throws(b[2], b[3], "bad option: " .. b[1]) end
  local l = optim.adam{amsgrad = false}
  l:step(mat{1}, mat{1})
  t.throws(function() l.amsgrad = true end, "cannot change after the first step",
           "structural options are fixed after the first step")
  t.throws(function() l.lr = -1 end, "lr must be", "setting a negative lr")
  t.throws(function() l.t = 3 end, "read%-only", "t is read-only")
  t.throws(function() l.foo = 3 end, "unknown option", "unknown field")
  t.throws(function() optim.quantize8(mat{-1}, false) end, "nonnegative",
           "quantize8: negative values for the unsigned map")
  t.throws(function() optim.dequantize8(mat{1, 2}, mat{1, 1}, true, 8) end,
           "1 block scales expected", "dequantize8: absmax count")
  t.throws(function() optim.dequantize8(mat{300}, mat{1}) end, "codes", "dequantize8: code range")
end

t.done()

-- test_nn.lua: nn networks (forward against a plain Lua transcription,
-- gradients against finite differences, losses, save/load) and the K-FAC
-- and MKOR preconditioners (a step against an explicit Kronecker-factored
-- solve, the rank-1 inverse update against linalg.inv, MKOR-H switching,
-- training), and bad inputs.
local t = require "tap"

local tmp = os.getenv("TY_TMP") or "/tmp"

-- a plain SGD base optimizer (the K-FAC/MKOR maths is tested apart from
-- the optim module's SGD)
local function sgd(lr)
  return {lr = lr, step = function(self, ps, gs)
    for i = 1, #ps do ps[i]:add_(gs[i], -self.lr) end
  end}
end

local function copies(list)
  local out = {}
  for i, m in ipairs(list) do out[i] = m:copy() end
  return out
end

-- ---------------------------------------------------------------------
-- plain Lua transcription of the forward pass
-- ---------------------------------------------------------------------

-- erf by its Taylor series (|x| <= 3 here: about 1e-14 absolute)
local function erf(x)
  local s, term, n = 0, x, 0
  repeat
    local add = term / (2 * n + 1)
    s = s + add
    n = n + 1
    term = -term * x * x / n
  until math.abs(add) < 1e-17 * math.max(1, math.abs(s)) and n > 5
  return 2 / math.sqrt(math.pi) * s
end

local acts = {
  identity = function(z) return z end,
  tanh = function(z) local e = math.exp(2 * z); return (e - 1) / (e + 1) end,
  relu = function(z) return z > 0 and z or 0 end,
  sigmoid = function(z) return 1 / (1 + math.exp(-z)) end,
  gelu = function(z) return 0.5 * z * (1 + erf(z / math.sqrt(2))) end,
}

local function lua_forward(net, X)
  local ps, names = net:params(), net:acts()
  local A = X:totable()
  local maxz = 0
  for l = 1, #names do
    local W, b, f = ps[2 * l - 1], ps[2 * l], acts[names[l]]
    local out, inn = W:size()
    local Z = {}
    for i = 1, #A do
      Z[i] = {}
      for j = 1, out do
        local s = b[j]
        for k = 1, inn do s = s + A[i][k] * W[{j, k}] end
        maxz = math.max(maxz, math.abs(s))
        Z[i][j] = f(s)
      end
    end
    A = Z
  end
  return mat(A), maxz
end

for _, act in ipairs({"tanh", "relu", "gelu", "sigmoid", "identity"}) do
  local net = nn.mlp{sizes = {3, 5, 4, 2}, act = act, seed = 7}
  rand.seed(3)
  local X = mat.rand(6, 3) * 0.8 - 0.4
  local want, maxz = lua_forward(net, X)
  t.ok(maxz < 3, act .. ": pre-activations small enough for the erf series")
  t.near(net:forward(X), want, 1e-13, act .. ": forward equals a plain Lua transcription")
end

-- the vectorized tanh and sigmoid against libm (mat:tanh) and the formula,
-- over the whole range, tails, signed zeros and NaN-free extremes
do
  local function unit(act)
    local n = nn.mlp{sizes = {1, 1}, act = "identity", out_act = act, seed = 1}
    local p = n:params()
    p[1][1], p[2][1] = 1, 0
    return n
  end
  local x = mat.linspace(-25, 25, 20001)
  local y, ref = unit("tanh"):forward(x), x:tanh()
  t.ok((y - ref):abs():ediv(ref:abs() + 1e-300):max() < 2e-15,
       "tanh: relative error below 2e-15 on [-25, 25]")
  local tiny = unit("tanh"):forward(mat{1e-300, -1e-20, 3e-9, -0.0, 0, 1e300, -1e300, 30, 2})
  t.ok(tiny[1] == 1e-300 and tiny[2] == -1e-20 and math.abs(tiny[3] - 3e-9) < 1e-24,
       "tanh: tiny arguments keep full relative accuracy")
  t.ok(1 / tiny[4] == -math.huge, "tanh(-0) = -0")
  t.ok(tiny[6] == 1 and tiny[7] == -1 and tiny[8] == 1, "tanh saturates to +-1 exactly")
  local xs = mat.linspace(-800, 800, 4001)
  local s = unit("sigmoid"):forward(xs)
  local worst = 0
  for i = 1, #xs do
    local v = xs[i]
    local want = v >= 0 and 1 / (1 + math.exp(-v)) or math.exp(v) / (1 + math.exp(v))
    if want > 0 then worst = math.max(worst, math.abs(s[i] - want) / want)
    elseif s[i] ~= 0 then worst = math.huge end
  end
  t.ok(worst < 2e-15, "sigmoid: relative error below 2e-15 on [-800, 800], tails included")
end

-- ---------------------------------------------------------------------
-- construction and initialization
-- ---------------------------------------------------------------------
do
  local net = nn.mlp{sizes = {2, 64, 64, 1}, act = "tanh", seed = 1}
  t.is(net:nparams(), 3 * 64 + 65 * 64 + 65, "nparams")
  local s = net:sizes()
  t.ok(#s == 4 and s[1] == 2 and s[2] == 64 and s[4] == 1, "sizes")
  local a = net:acts()
  t.ok(a[1] == "tanh" and a[2] == "tanh" and a[3] == "identity",
       "hidden layers tanh, output identity")
  local ps = net:params()
  t.is(#ps, 6, "params lists W1, b1, W2, b2, W3, b3")
  local r, c = ps[1]:size()
  t.ok(r == 64 and c == 2, "W1 is out x in")
  t.ok(ps[2]:rows() == 64 and ps[2]:cols() == 1, "b1 is out x 1")
  local bound = math.sqrt(6 / (2 + 64))
  t.ok(ps[1]:abs():max() <= bound and ps[1]:abs():max() > 0.9 * bound,
       "Glorot uniform bound for tanh")
  t.is(ps[2]:norm(), 0, "biases start at zero")
  local relu = nn.mlp{sizes = {10, 50, 1}, act = "relu", seed = 1}
  local rb = math.sqrt(6 / 10)
  t.ok(relu:params()[1]:abs():max() <= rb and
       relu:params()[1]:abs():max() > 0.9 * rb, "He uniform bound for relu")
  local n1 = nn.mlp{sizes = {2, 8, 1}, seed = 42}
  local n2 = nn.mlp{sizes = {2, 8, 1}, seed = 42}
  local n3 = nn.mlp{sizes = {2, 8, 1}, seed = 43}
  t.is((n1:params()[1] - n2:params()[1]):norm(), 0, "same seed, same weights")
  t.ok((n1:params()[1] - n3:params()[1]):norm() > 0, "other seed, other weights")
  rand.seed(5); local u1 = nn.mlp{sizes = {2, 8, 1}}
  rand.seed(5); local u2 = nn.mlp{sizes = {2, 8, 1}}
  t.is((u1:params()[3] - u2:params()[3]):norm(), 0,
       "without seed: drawn from the rand generator (rand.seed)")
  t.ok(tostring(net):find("2%-64%-64%-1"), "tostring shows the sizes")
  local o = nn.mlp{sizes = {3, 4, 2}, act = "relu", out_act = "sigmoid", seed = 1}
  local Y = o:forward(mat.randn(5, 3) * 10)
  t.ok(Y:min() > 0 and Y:max() < 1, "out_act = sigmoid")
end

-- ---------------------------------------------------------------------
-- losses
-- ---------------------------------------------------------------------
do
  local Y = mat{{1, 2}, {3, 5}}
  local T = mat{{0, 2}, {1, 1}}
  local loss, dY = nn.mse(Y, T)
  t.near(loss, (1 + 0 + 4 + 16) / (2 * 2), 1e-15, "mse = sum of squares / (2B)")
  t.near(dY, (Y - T) / 2, 1e-15, "mse gradient (Y - T) / B")
  local Z = mat.zeros(3, 4)
  local l0 = nn.cross_entropy(Z, {1, 2, 4})
  t.near(l0, math.log(4), 1e-15, "cross-entropy of equal logits is log C")
  local Z2 = mat{{1, 2, 3}, {0, -1, 5}}
  local l2, dZ = nn.cross_entropy(Z2, mat{3, 1})
  local function lse(a, b, c) return math.log(math.exp(a) + math.exp(b) + math.exp(c)) end
  local want = ((lse(1, 2, 3) - 3) + (lse(0, -1, 5) - 0)) / 2
  t.near(l2, want, 1e-14, "cross-entropy closed form")
  t.near(dZ:sum(2), mat.zeros(2, 1), 1e-16, "cross-entropy gradient rows sum to zero")
  t.near(dZ[{1, 1}], math.exp(1 - lse(1, 2, 3)) / 2, 1e-16, "softmax / B")
  t.near(dZ[{1, 3}], (math.exp(3 - lse(1, 2, 3)) - 1) / 2, 1e-15, "softmax - onehot")
  local big = nn.cross_entropy(mat{{1000, 0}}, {1})
  t.ok(big >= 0 and big < 1e-300, "cross-entropy: log-sum-exp survives huge logits")
  local lb, db = nn.cross_entropy(mat{{0, 1000}}, {1})
  t.near(lb, 1000, 1e-12, "cross-entropy: wrong huge logit costs its size")
  t.near(db, mat{{-1, 1}}, 1e-15, "and its gradient is softmax - onehot")
end

-- ---------------------------------------------------------------------
-- gradients against central differences
-- ---------------------------------------------------------------------
local function gradcheck(act, loss)
  local nout = loss == "ce" and 3 or 2
  local net = nn.mlp{sizes = {3, 5, 4, nout}, act = act, seed = 11}
  rand.seed(17)
  local X = mat.randn(6, 3)
  -- nonzero biases: with zero ones a relu unit dead for a sample leaves
  -- the next layer exactly at the kink
  for i = 2, 6, 2 do net:params()[i]:copy_(mat.randn(net:params()[i]:rows(), 1) * 0.3) end
  local T = loss == "ce" and {1, 3, 2, 2, 3, 1} or mat.randn(6, nout)
  local function L()
    local Y = net:forward(X)
    if loss == "ce" then return (nn.cross_entropy(Y, T)) end
    return (nn.mse(Y, T))
  end
  local Y = net:forward(X)
  local _, dY
  if loss == "ce" then _, dY = nn.cross_entropy(Y, T) else _, dY = nn.mse(Y, T) end
  net:backward(dY)
  local grads = copies(net:grads())
  local ps = net:params()
  local h, maxerr, maxg = 1e-6, 0, 0
  for i, p in ipairs(ps) do
    for k = 1, #p do
      local v = p[k]
      p[k] = v + h; local lp = L()
      p[k] = v - h; local lm = L()
      p[k] = v
      local fd = (lp - lm) / (2 * h)
      maxerr = math.max(maxerr, math.abs(fd - grads[i][k]))
      maxg = math.max(maxg, math.abs(grads[i][k]))
    end
  end
  t.ok(maxerr / maxg < 1e-6, string.format(
       "%s + %s: gradients match central differences (rel err %.2g)",
       act, loss, maxerr / maxg))
end
for _, act in ipairs({"tanh", "relu", "gelu", "sigmoid", "identity"}) do
  gradcheck(act, "mse")
  gradcheck(act, "ce")
end

-- ---------------------------------------------------------------------
-- backward semantics, live parameters
-- ---------------------------------------------------------------------
do
  local net = nn.mlp{sizes = {2, 6, 1}, seed = 3}
  rand.seed(1)
  local X, T = mat.randn(8, 2), mat.randn(8, 1)
  local _, dY = nn.mse(net:forward(X), T)
  net:backward(dY)
  local g1 = copies(net:grads())
  net:backward(dY)
  t.near(net:grads()[1], g1[1], 0, "backward overwrites (does not accumulate)")
  -- params are the live matrices: an update through them changes the net
  local before = (nn.mse(net:forward(X), T))
  local base = sgd(0.05)
  for _ = 1, 20 do
    local _, d = nn.mse(net:forward(X), T)
    net:backward(d)
    base:step(net:params(), net:grads())
  end
  local after = (nn.mse(net:forward(X), T))
  t.ok(after < before, "opt:step(net:params(), net:grads()) trains the network in place")
  local p = net:params()
  p[2][1] = p[2][1] + 1
  t.is(net:params()[2][1], p[2][1], "params() returns the same matrices")
  -- an empty batch
  local E = net:forward(mat.zeros(0, 2))
  t.ok(E:rows() == 0 and E:cols() == 1, "empty batch: 0 x out output")
  local l0, d0 = nn.mse(E, mat.zeros(0, 1))
  t.is(l0, 0, "mse of an empty batch is 0")
  net:backward(d0)
  t.is(net:grads()[1]:norm(), 0, "empty batch: zero gradients")
  -- batches of different sizes reuse or grow the buffers
  local Y1 = net:forward(mat.ones(3, 2))
  local Y2 = net:forward(mat.ones(300, 2))
  local Y3 = net:forward(mat.ones(3, 2))
  t.near(Y2:sub(1, 3, 1, 1), Y1, 1e-15, "bigger batch, same rows")
  t.near(Y3, Y1, 0, "smaller batch again")
end

-- ---------------------------------------------------------------------
-- cross-check with PyTorch (float64), when installed
-- ---------------------------------------------------------------------
do
  local py = "/usr/bin/python3"
  local ok = os.execute(py .. " -c 'import torch' >/dev/null 2>&1")
  if not ok then
    t.skip("PyTorch (python3-torch) not installed: no torch cross-check")
  else
    local net = nn.mlp{sizes = {3, 7, 5, 4}, act = "gelu", seed = 2}
    rand.seed(9)
    local X = mat.randn(10, 3)
    local labels = {1, 2, 3, 4, 4, 3, 2, 1, 1, 2}
    local ps = net:params()
    for i, p in ipairs(ps) do p:save(tmp .. "/nn_p" .. i .. ".npy") end
    X:save(tmp .. "/nn_x.npy")
    local script = tmp .. "/nn_torch.py"
    local f = assert(io.open(script, "w"))
    f:write(([=[
import numpy as np, torch
d = "%s"
X = torch.tensor(np.load(d + "/nn_x.npy"))
P = [torch.tensor(np.load(d + "/nn_p%%d.npy" %% i), requires_grad=True) for i in range(1, 7)]
a = X
for l in range(3):
    z = a @ P[2*l].T + P[2*l+1].reshape(-1)
    a = torch.nn.functional.gelu(z) if l < 2 else z
lab = torch.tensor([%s]) - 1
loss = torch.nn.functional.cross_entropy(a, lab)
loss.backward()
np.save(d + "/nn_ty.npy", a.detach().numpy())
np.save(d + "/nn_tl.npy", np.array([[loss.item()]]))
for i in range(6):
    np.save(d + "/nn_tg%%d.npy" %% (i + 1), P[i].grad.numpy().reshape(P[i].shape[0], -1))
]=]):format(tmp, table.concat(labels, ", ")))
    f:close()
    t.ok(os.execute(py .. " " .. script), "torch script ran")
    local Y = net:forward(X)
    local loss, dY = nn.cross_entropy(Y, labels)
    net:backward(dY)
    t.near(Y, mat.load(tmp .. "/nn_ty.npy"), 1e-13, "forward equals torch (gelu)")
    t.near(loss, mat.load(tmp .. "/nn_tl.npy")[1], 1e-14, "cross-entropy equals torch")
    local gs, worst = net:grads(), 0
    for i = 1, 6 do
      worst = math.max(worst, t.maxdiff(gs[i], mat.load(tmp .. "/nn_tg" .. i .. ".npy")))
    end
    t.ok(worst < 1e-14, "every gradient equals torch's autograd (" .. worst .. ")")
  end
end

-- ---------------------------------------------------------------------
-- save and load
-- ---------------------------------------------------------------------
do
  local net = nn.mlp{sizes = {3, 9, 2}, act = "relu", seed = 5}
  local path = tmp .. "/nn_net.txt"
  t.is(net:save(path), true, "save returns true")
  local back, err = nn.load(path)
  t.ok(back ~= nil, "load: " .. tostring(err))
  local p1, p2 = net:params(), back:params()
  local same = true
  for i = 1, #p1 do same = same and (p1[i] - p2[i]):norm() == 0 end
  t.ok(same, "save/load round trip is exact")
  t.is(back:acts()[1], "relu", "activations restored")
  local X = mat.randn(4, 3)
  t.near(back:forward(X), net:forward(X), 0, "loaded network computes the same")
  local function write(text)
    local f = assert(io.open(tmp .. "/nn_bad.txt", "w"))
    f:write(text); f:close()
    return nn.load(tmp .. "/nn_bad.txt")
  end
  local r, m = nn.load(tmp .. "/no/such/file")
  t.ok(r == nil and type(m) == "string", "missing file: nil, message")
  r, m = write("hello world")
  t.ok(r == nil and m:find("not a tycho network"), "not a network file: " .. tostring(m))
  r, m = write("tycho-nn 2\n")
  t.ok(r == nil and m:find("version"), "unknown version")
  r, m = write("tycho-nn 1\ninput 2\ndense 3 swish\nend\n")
  t.ok(r == nil and m:find("activation"), "unknown activation")
  r, m = write("tycho-nn 1\ninput 2\ndense 1 tanh\nend\n1 2\n")
  t.ok(r == nil and m:find("parameter"), "truncated parameters: " .. tostring(m))
  r, m = write("tycho-nn 1\ninput 2\ndense 1 tanh\nend\n1 2\n3\n4\n")
  t.ok(r == nil and m:find("extra"), "extra data")
  r, m = write("tycho-nn 1\ninput 2\ndense 1 tanh\nend\n1 nan\n3\n")
  t.ok(r == nil, "NaN parameter rejected")
  r, m = write("tycho-nn 1\ninput 0\nend\n")
  t.ok(r == nil, "zero input size rejected")
  r, m = write("tycho-nn 1\ninput 2\ndense 1000000 tanh\ndense 1000000 tanh\nend\n")
  t.ok(r == nil and m:find("short") or m:find("large"), "huge header, no data: " .. tostring(m))
  r = write("tycho-nn 1\ninput 2\ndense 1 tanh\nend\n1 2\n3\n")
  t.ok(r ~= nil and r:params()[1][2] == 2 and r:params()[2][1] == 3,
       "hand-written file: W row by row, then b")
  r, m = net:save(tmp .. "/no/such/dir/x.txt")
  t.ok(r == nil and type(m) == "string", "save to a bad path: nil, message")
  r, m = nn.load(tmp)
  t.ok(r == nil and type(m) == "string", "load of a directory: nil, message")
end

-- ---------------------------------------------------------------------
-- K-FAC: one step against an explicit Kronecker-factored solve
-- ---------------------------------------------------------------------

local function kron(A, B)
  local ma, na = A:size()
  local mb, nb = B:size()
  local K = mat.zeros(ma * mb, na * nb)
  for i = 1, ma do for j = 1, na do
    local a = A[{i, j}]
    for k = 1, mb do for l = 1, nb do
      K[{(i - 1) * mb + k, (j - 1) * nb + l}] = a * B[{k, l}]
    end end
  end end
  return K
end

-- a one-layer network, a batch, and what K-FAC sees of it
local function linear_case(seed)
  local net = nn.mlp{sizes = {3, 2}, seed = seed}
  rand.seed(seed)
  local B = 7
  local X, T = mat.randn(B, 3), mat.randn(B, 2)
  local Y = net:forward(X)
  local _, dY = nn.mse(Y, T)
  net:backward(dY)
  local abar = mat.hcat(X, mat.ones(B, 1))
  local g = net:grads()
  return {net = net, X = X, T = T, B = B, abar = abar, gout = dY,
          grad = mat.hcat(g[1], g[2]),            -- [gW | gb], 2 x 4
          W0 = net:params()[1]:copy(), b0 = net:params()[2]:copy()}
end

-- the update the step made, as one 2 x 4 matrix [dW | db]
local function step_taken(c)
  local p = c.net:params()
  return mat.hcat(p[1] - c.W0, p[2] - c.b0)
end

do
  local xi, gamma, lr = 0.95, 1e-2, 0.5
  for _, method in ipairs({"eigen", "inverse", "factored"}) do
    local c = linear_case(21)
    local opt = optim.kfac(c.net, {base = sgd(lr), damping = gamma,
                                   factor_decay = xi, kl_clip = 0,
                                   method = method})
    opt:step()
    local Ab = c.abar:t() * c.abar / c.B
    local Gb = c.gout:t() * c.gout / c.B
    local A = mat.eye(4) * xi + Ab * (1 - xi)
    local G = mat.eye(2) * xi + Gb * (1 - xi)
    local fA, fG = opt:factors(1)
    t.near(fA, A, 1e-15, method .. ": A = xi I + (1 - xi) abar^T abar / B")
    t.near(fG, G, 1e-15, method .. ": G = xi I + (1 - xi) g^T g / B")
    local M
    if method == "eigen" then
      M = kron(A, G) + mat.eye(8) * gamma
    elseif method == "inverse" then
      M = kron(A + mat.eye(4) * gamma, G + mat.eye(2) * gamma)
    else
      local pi = math.sqrt((A:trace() / 4) / (G:trace() / 2))
      M = kron(A + mat.eye(4) * (pi * math.sqrt(gamma)),
               G + mat.eye(2) * (math.sqrt(gamma) / pi))
    end
    local V = linalg.solve(M, c.grad:reshape(8, 1)):reshape(2, 4)
    t.near(step_taken(c), V * -lr, 1e-12,
           method .. ": step = -lr * (Kronecker system)^-1 vec grad")
    t.near(opt:precondition(1, c.grad), V, 1e-12,
           method .. ": opt:precondition agrees")
    t.is(opt.t, 1, method .. ": one step taken")
  end
  -- eigen and inverse damping are different operators
  local c = linear_case(22)
  local e = optim.kfac(c.net, {base = sgd(1), damping = 0.1, kl_clip = 0})
  local i = optim.kfac(c.net, {base = sgd(1), damping = 0.1, kl_clip = 0,
                               method = "inverse"})
  e:step(); i:step()
  t.ok(t.maxdiff(e:precondition(1, c.grad), i:precondition(1, c.grad)) > 1e-4,
       "eigen and inverse damping differ")
end

-- KL clip: nu = min(1, sqrt(kappa / |lr^2 <V, grad>|))
do
  local c = linear_case(23)
  local lr, kappa = 0.5, 1e-6
  local opt = optim.kfac(c.net, {base = sgd(lr), kl_clip = kappa})
  opt:step()
  local V = opt:precondition(1, c.grad)
  local nu = math.min(1, math.sqrt(kappa / math.abs(lr * lr * V:dot(c.grad))))
  t.ok(nu < 1, "KL clip active")
  t.near(opt.nu, nu, 1e-15, "KL clip factor")
  t.near(step_taken(c), V * (-lr * nu), 1e-14, "clipped step")
end

-- one step of K-FAC with A = abar^T abar / B, G = I and no decay is a
-- Gauss-Newton step: it lands on the least-squares solution
do
  local c = linear_case(24)
  local opt = optim.kfac(c.net, {base = sgd(1), damping = 1e-12, kl_clip = 0,
                                 factor_decay = 1})
  opt:set_factors(1, c.abar:t() * c.abar / c.B, mat.eye(2))
  opt:step()
  local star = (c.T:t() * c.abar) * linalg.inv(c.abar:t() * c.abar)
  local p = c.net:params()
  t.near(mat.hcat(p[1], p[2]), star, 1e-9,
         "K-FAC with the exact Fisher of a linear layer: one step to the normal equations")
end

-- schedules: factors change only on factor steps, inverses on inversion steps
do
  local c = linear_case(25)
  local opt = optim.kfac(c.net, {base = sgd(0), factor_every = 2, inv_every = 3,
                                 kl_clip = 0})
  local fac, pre = {}, {}
  for s = 1, 5 do
    local Y = c.net:forward(c.X)
    local _, dY = nn.mse(Y, c.T + s)        -- different statistics each time
    c.net:backward(dY)
    opt:step()
    fac[s] = (opt:factors(1))
    pre[s] = opt:precondition(1, c.grad)
  end
  t.ok(t.maxdiff(fac[1], fac[2]) == 0 and t.maxdiff(fac[2], fac[3]) > 0 and
       t.maxdiff(fac[3], fac[4]) == 0, "factor_every = 2: factors change on steps 1, 3, 5")
  t.ok(t.maxdiff(pre[1], pre[2]) == 0 and t.maxdiff(pre[3], pre[4]) > 0 and
       t.maxdiff(pre[4], pre[5]) == 0, "inv_every = 3: inverses change on steps 1, 4")
  -- the same statistics twice, or a forward pass in between: skipped
  opt:step()
  t.is(opt.missing_stats, 0, "step 6 is not a factor step")
  opt:step()
  t.is(opt.missing_stats, 1, "step 7 reuses the statistics of step 5: counted as missing")
  c.net:backward(nn.mse(c.net:forward(c.X), c.T) and select(2, nn.mse(c.net:forward(c.X), c.T)))
  c.net:forward(c.X * 2)
  opt:step(); opt:step()
  t.is(opt.missing_stats, 2, "a forward pass after backward: statistics missing")
end

-- sampled Fisher: G from targets drawn from the model (mse: y ~ N(output, I),
-- so with g_scale = "batch" E[G_b] = I); the true gradient is what gets
-- preconditioned
do
  local net = nn.mlp{sizes = {3, 2}, seed = 1}
  rand.seed(2)
  local B = 4000
  local X, T = mat.randn(B, 3), mat.randn(B, 2)
  local _, dY = nn.mse(net:forward(X), T)
  net:backward(dY)
  local g = net:grads()
  local grad = mat.hcat(g[1], g[2])
  local W0, b0 = net:params()[1]:copy(), net:params()[2]:copy()
  local opt = optim.kfac(net, {base = sgd(1), fisher = "sampled", g_scale = "batch",
                               factor_decay = 0, kl_clip = 0, seed = 3})
  opt:step()
  local _, G = opt:factors(1)
  t.near(G, mat.eye(2), 0.1, "sampled Fisher (mse): G ~ I")
  t.ok(t.maxdiff(G, mat.eye(2)) > 0, "and it is sampled")
  local p = net:params()
  t.near(mat.hcat(p[1] - W0, p[2] - b0), opt:precondition(1, grad) * -1, 1e-13,
         "sampled Fisher: the true gradient is preconditioned (gradients restored)")
  local c = nn.mlp{sizes = {2, 3}, seed = 1}
  local Z = c:forward(mat.randn(4000, 2) * 3)
  local _, dZ = nn.cross_entropy(Z, mat.fill(4000, 1, 1))
  c:backward(dZ)
  local oc = optim.kfac(c, {base = sgd(0), fisher = "sampled", loss = "ce", g_scale = "batch",
                            factor_decay = 0, seed = 4})
  oc:step()
  local _, Gc = oc:factors(1)
  -- E over y ~ p of (p - e_y)(p - e_y)^T = diag(p) - p p^T, averaged over samples
  local P = Z:exp()
  P = P:ediv(P:sum(2))
  local want = mat.diag(P:mean(1):t()) - P:t() * P / 4000
  t.near(Gc, want, 0.02, "sampled Fisher (ce): G ~ mean of diag(p) - p p^T")
  t.near(Gc:sum(2), mat.zeros(3, 1), 1e-12, "rows of G sum to zero (softmax gradients)")
end

-- ---------------------------------------------------------------------
-- MKOR: the rank-1 inverse update against the direct inverse
-- ---------------------------------------------------------------------

local function clampv(v, c) return math.max(-c, math.min(c, v)) end

-- the MKOR statistics of the linear case: mean clipped [x, 1] and the
-- mean clipped B * gout
local function mkor_stats(c, clip)
  local a, h = mat.zeros(4, 1), mat.zeros(2, 1)
  for j = 1, 4 do
    local s = 0
    for i = 1, c.B do s = s + clampv(c.abar[{i, j}], clip) end
    a[j] = s / c.B
  end
  for j = 1, 2 do
    local s = 0
    for i = 1, c.B do s = s + clampv(c.B * c.gout[{i, j}], clip) end
    h[j] = s / c.B
  end
  return a, h
end

-- an SPD matrix with eigenvalues in (0, 1]
local function spd_inv(n, seed)
  rand.seed(seed)
  local M = mat.randn(n, n)
  return linalg.inv(mat.eye(n) + M * M:t())
end

do
  local gamma = 0.9
  for _, variant in ipairs({"code", "ema"}) do
    local c = linear_case(31)
    local opt = optim.mkor(c.net, {base = sgd(0), stat_decay = gamma,
                                   inv_freq = 1, variant = variant})
    local R, Lf = spd_inv(4, 1), spd_inv(2, 2)
    opt:set_factors(1, R, Lf)
    local clip = 100
    for s = 1, 3 do
      local Y = c.net:forward(c.X)
      local _, dY = nn.mse(Y, c.T * s)
      c.net:backward(dY)
      c.gout = dY
      local a, h = mkor_stats(c, clip)
      local function upd(F, x)
        if variant == "code" then
          local J = F * gamma + mat.eye(F:rows()) * (1 - gamma)
          return linalg.inv(linalg.inv(J) + x * x:t())
        end
        return linalg.inv(linalg.inv(F) * gamma + x * x:t() * (1 - gamma))
      end
      R, Lf = upd(R, a), upd(Lf, h)
      opt:step()
      local gotR, gotL = opt:factors(1)
      t.near(gotR, R, 1e-10 * R:abs():max(), variant .. ": Rinv after step " .. s .. " equals linalg.inv")
      t.near(gotL, Lf, 1e-10 * Lf:abs():max(), variant .. ": Linv after step " .. s .. " equals linalg.inv")
    end
  end
  -- the paper's printed closed form is not the inverse of its running
  -- average; the "ema" variant's update is
  do
    local gm = 0.9
    local Lf = linalg.inv(spd_inv(3, 5))          -- a factor L, SPD
    local x = mat{0.5, -1, 2}
    local Li = linalg.inv(Lf)
    local u = Li * x
    local c = (1 - gm) / (gm * gm * (1 + gm * (1 - gm) * x:dot(u)))
    local printed = Li * gm + u * u:t() * c
    local Lnew = Lf * gm + x * x:t() * (1 - gm)
    local off = (printed * Lnew - mat.eye(3)):norm()
    t.ok(off > 0.3, string.format(
         "the printed MKOR formula is far from the inverse of gamma L + (1 - gamma) x x^T (%.2f)", off))
    local cc = (1 - gm) / gm
    local ema = Li / gm - u * u:t() * ((cc / gm) / (1 + cc * x:dot(u)))
    t.near(ema * Lnew, mat.eye(3), 1e-12, "the ema variant's Sherman-Morrison form is")
  end
  -- "code": an entry above reset_threshold trips the guard; the output
  -- side resets in the same factor step, the input side at the next one
  do
    local c = linear_case(34)
    local opt = optim.mkor(c.net, {base = sgd(0), inv_freq = 1, stat_decay = 0.5})
    opt:set_factors(1, mat.eye(4) * 40, spd_inv(2, 6))
    opt:step()
    local R, Lf = opt:factors(1)
    t.is(opt.resets, 1, "reset guard trips on a large entry")
    t.ok(R:abs():max() > 2, "the tripped input-side factor stays until the next factor step")
    t.near(Lf, mat.eye(2), 0, "the output side resets in the same factor step")
    c.net:backward(select(2, nn.mse(c.net:forward(c.X), c.T)))
    opt:step()
    R = opt:factors(1)
    t.near(R, mat.eye(4), 0, "the input side resets at the next factor step")
  end
  -- "ema": above reset_threshold the factor is blended toward I
  do
    local gm, zeta = 0.95, 0.9
    local c = linear_case(35)
    local opt = optim.mkor(c.net, {base = sgd(0), inv_freq = 1, variant = "ema",
                                   stat_decay = gm, stabilization_factor = 1 - zeta})
    local R0 = mat.eye(4) * 2
    opt:set_factors(1, R0, mat.eye(2))
    opt:step()
    local a = mkor_stats(c, 100)
    local F = linalg.inv(linalg.inv(R0) * gm + a * a:t() * (1 - gm))
    if F:abs():max() > 2 then F = F * zeta + mat.eye(4) * (1 - zeta) end
    t.ok(linalg.inv(linalg.inv(R0) * gm + a * a:t() * (1 - gm)):abs():max() > 2,
         "ema case exceeds the threshold")
    t.near((opt:factors(1)), F, 1e-12, "ema: stabilized toward I by zeta")
    t.is(opt.resets, 0, "ema: the stabilizer is not a reset")
  end
  -- a fresh MKOR's first factor step only initializes: F = I
  local c = linear_case(32)
  local opt = optim.mkor(c.net, {base = sgd(1), inv_freq = 1})
  local grad = c.grad
  opt:step()
  local R, Lf = opt:factors(1)
  t.near(R, mat.eye(4), 0, "first factor step leaves Rinv = I")
  t.near(Lf, mat.eye(2), 0, "first factor step leaves Linv = I")
  t.near(step_taken(c), grad * -1, 1e-15, "so the first step is plain SGD")
  -- the handed gradient keeps the raw gradient's norm, direction Linv N Rinv
  local Y = c.net:forward(c.X)
  local _, dY = nn.mse(Y, c.T)
  c.net:backward(dY)
  local g = c.net:grads()
  local N = mat.hcat(g[1], g[2])
  c.W0, c.b0 = c.net:params()[1]:copy(), c.net:params()[2]:copy()
  opt:step()
  local R2, L2 = opt:factors(1)
  local V = L2 * N * R2
  local d = step_taken(c) * -1
  t.near(d:norm(), N:norm(), 1e-13, "MKOR: ||handed gradient|| = ||gradient||")
  t.near(d, V * (N:norm() / V:norm()), 1e-13, "MKOR: direction Linv N Rinv")
  -- "code": eigenvalues stay in (0, 1] for a long sequence with large x
  local c2 = linear_case(33)
  local o2 = optim.mkor(c2.net, {base = sgd(0), inv_freq = 1})
  local lo, hi = math.huge, -math.huge
  for s = 1, 60 do
    local _, dY2 = nn.mse(c2.net:forward(c2.X * (1 + s)), c2.T * (10 * s))
    c2.net:backward(dY2)
    o2:step()
    local Rr = o2:factors(1)
    local e = linalg.eigh(Rr)
    lo, hi = math.min(lo, (e:min())), math.max(hi, (e:max()))
  end
  t.ok(lo > 0 and hi <= 1 + 1e-12, string.format(
       "code variant: eigenvalues of Rinv stay in (0, 1] (%.3g .. %.3g)", lo, hi))
  t.is(o2.resets, 0, "and the reset guard never trips")
end

-- ---------------------------------------------------------------------
-- MKOR-H: switching on synthetic loss sequences
-- ---------------------------------------------------------------------
do
  local function run(losses, opts)
    local c = linear_case(41)
    opts.base = sgd(0)
    opts.hybrid = true
    opts.inv_freq = opts.inv_freq or 1
    local opt = optim.mkor(c.net, opts)
    for s, L in ipairs(losses) do
      opt:step(L)
      if opt.switched then return s, opt end
    end
    return nil, opt
  end
  local steady = {}
  for s = 1, 400 do steady[s] = 1000 - s end
  t.ok(run(steady, {}) == nil, "MKOR-H: a constant-rate decrease never switches")
  local knee = {}
  for s = 1, 400 do knee[s] = s <= 100 and 1000 - 5 * s or 500 end
  -- the running mean (rho = 0.98) lags the ramp by 5 * 0.98 / 0.02 = 245 and
  -- then decays to the plateau as exp(-(s - 100) / 49.5); the window rate
  -- r ~ 245 (e^(10/49.5) - 1) / 10 e^(-(s - 100) / 49.5) falls below 0.1 of
  -- r_max = 5 near s = 219, the end of the window is s = 220 and the
  -- second bad window (patience 2) ends at s = 230
  local at = run(knee, {switch_window = 10})
  t.is(at, 230, "MKOR-H: decrease then plateau switches in the predicted window")
  local c = linear_case(42)
  local opt = optim.mkor(c.net, {base = sgd(1), hybrid = true, inv_freq = 1})
  opt:step(1); opt:step(1)
  t.is(opt.switched, false, "not switched yet")
  opt.force_switch = true
  local Y = c.net:forward(c.X)
  local _, dY = nn.mse(Y, c.T)
  c.net:backward(dY)
  local g = copies(c.net:grads())
  c.W0, c.b0 = c.net:params()[1]:copy(), c.net:params()[2]:copy()
  opt:step(1)
  t.is(opt.switched, true, "force_switch switches")
  t.near(step_taken(c), mat.hcat(g[1], g[2]) * -1, 1e-15,
         "after the switch: the raw gradient goes to the base optimizer")
end

-- ---------------------------------------------------------------------
-- training: K-FAC and MKOR decrease the loss of a small MLP
-- ---------------------------------------------------------------------
do
  rand.seed(50)
  local X = mat.rand(128, 2) * 4 - 2
  local T = mat.zeros(128, 1)
  for i = 1, 128 do T[i] = math.sin(X[{i, 1}]) * math.cos(X[{i, 2}]) end
  local function train(make, steps)
    local net = nn.mlp{sizes = {2, 16, 16, 1}, act = "tanh", seed = 3}
    local opt = make(net)
    local first, last
    for s = 1, steps do
      local loss, dY = nn.mse(net:forward(X), T)
      net:backward(dY)
      opt:step(loss)
      first = first or loss
      last = loss
    end
    return first, last
  end
  local function base() return {lr = 0.1, v = nil, step = function(self, ps, gs)
    self.v = self.v or {}
    for i = 1, #ps do
      self.v[i] = self.v[i] and self.v[i] * 0.9 + gs[i] or gs[i]:copy()
      ps[i]:add_(self.v[i], -self.lr)
    end
  end} end
  local f0, f1 = train(function(n) return optim.kfac(n, {base = base(), fisher = "sampled",
                                                         g_scale = "batch", seed = 1}) end, 150)
  t.ok(f1 < 1e-3 * f0, string.format("K-FAC (sampled Fisher) trains an MLP (%.3g -> %.3g)", f0, f1))
  local k0, k1 = train(function(n) return optim.kfac(n, {base = base(), inv_every = 5}) end, 40)
  t.ok(k1 < 0.1 * k0, string.format("K-FAC (reference defaults) trains an MLP (%.3g -> %.3g)", k0, k1))
  local m0, m1 = train(function(n) return optim.mkor(n, {base = base()}) end, 150)
  t.ok(m1 < 0.2 * m0, string.format("MKOR trains an MLP (%.3g -> %.3g)", m0, m1))
  local h0, h1 = train(function(n) return optim.mkor(n, {base = base(), hybrid = true}) end, 150)
  t.ok(h1 < 0.2 * h0, string.format("MKOR-H trains an MLP (%.3g -> %.3g)", h0, h1))
  if type(optim.sgd) == "function" then
    local d0, d1 = train(function(n) return optim.kfac(n, {lr = 0.1, fisher = "sampled",
                                                           g_scale = "batch"}) end, 150)
    t.ok(d1 < 0.2 * d0, string.format("K-FAC with the default SGD base (%.3g -> %.3g)", d0, d1))
    local e0, e1 = train(function(n) return optim.mkor(n) end, 150)
    t.ok(e1 < 0.2 * e0, string.format("MKOR with the default SGD base (%.3g -> %.3g)", e0, e1))
  else
    t.skip("optim.sgd not available: default base not tested")
  end
  -- first_order_layers pass the gradient through
  local c = linear_case(51)
  local opt = optim.mkor(c.net, {base = sgd(1), inv_freq = 1, first_order_layers = {1}})
  opt:set_factors(1, spd_inv(4, 3), spd_inv(2, 4))
  opt:step()
  t.near(step_taken(c), c.grad * -1, 1e-15, "first_order_layers: raw gradient")
end

-- ---------------------------------------------------------------------
-- options, diagnostics, state
-- ---------------------------------------------------------------------
do
  local c = linear_case(61)
  local base = sgd(0.3)
  local opt = optim.kfac(c.net, {base = base})
  t.is(opt.lr, 0.3, "opt.lr reads the base optimizer's lr")
  opt.lr = 0.2
  t.is(base.lr, 0.2, "opt.lr = v sets it")
  t.is(opt.damping, 1e-3, "default damping")
  t.is(opt.factor_decay, 0.95, "default factor_decay")
  t.is(opt.kl_clip, 1e-3, "default kl_clip")
  t.is(opt.method, "eigen", "default method")
  t.is(opt.inv_every, 1, "default inv_every")
  opt.damping = 0.01
  t.is(opt.damping, 0.01, "options can change between steps")
  t.is(opt.base, base, "opt.base")
  t.is(opt.net, c.net, "opt.net")
  t.is(opt:state_bytes(), 8 * 2 * (16 + 4) + 8 * (4 + 2), "state_bytes: factors, eigenvectors, eigenvalues")
  opt:step()
  t.throws(function() opt.method = "inverse" end, "fixed after the first step", "structural option fixed")
  opt:reset()
  t.is(opt.t, 0, "reset: t = 0")
  t.near((opt:factors(1)), mat.eye(4), 0, "reset: factors back to I")
  local m = optim.mkor(c.net, {base = sgd(0.1)})
  t.is(m.inv_freq, 10, "MKOR default inv_freq")
  t.is(m.stat_decay, 0.95, "MKOR default stat_decay")
  t.is(m.clip, 100, "MKOR default clip")
  t.is(m.reset_threshold, 2, "MKOR default reset_threshold")
  t.is(m.variant, "code", "MKOR default variant")
  t.is(m.hybrid, false, "MKOR hybrid off by default")
  t.is(m.switched, false, "not switched")
  t.ok(tostring(m):find("mkor"), "tostring")
end

-- ---------------------------------------------------------------------
-- bad inputs
-- ---------------------------------------------------------------------
do
  t.throws(function() nn.mlp() end, "table expected", "mlp without options")
  t.throws(function() nn.mlp{} end, "sizes", "mlp without sizes")
  t.throws(function() nn.mlp{sizes = {2}} end, "2 to", "one size only")
  t.throws(function() nn.mlp{sizes = {2, 0, 1}} end, "positive integer", "zero size")
  t.throws(function() nn.mlp{sizes = {2, 1.5}} end, "positive integer", "fractional size")
  t.throws(function() nn.mlp{sizes = {2, 1}, act = "swish"} end, "unknown activation 'swish'", "unknown activation")
  t.throws(function() nn.mlp{sizes = {2, 1}, act = 3} end, "'act' must be a string", "act not a string")
  t.throws(function() nn.mlp{sizes = {2, 1}, seed = 1.5} end, "seed", "fractional seed")
  t.throws(function() nn.mlp{sizes = {2, 1e9, 1e9}} end, "too large", "network too large")
  local net = nn.mlp{sizes = {2, 4, 3}, seed = 1}
  t.throws(function() net:forward(mat.zeros(5, 3)) end,
           "bad argument #1 to 'forward' %(matrix with 2 columns expected, got 5x3%)",
           "forward: columns must match the first layer")
  t.throws(function() net:forward(mat{{1, 0 / 0}}) end, "NaN or Inf", "forward: NaN input")
  t.throws(function() net:forward(mat{{1, math.huge}}) end, "NaN or Inf", "forward: Inf input")
  t.throws(function() net:forward("x") end, "tycho.mat expected", "forward: not a matrix")
  t.throws(function() net:forward(mat.complex(mat.zeros(2, 2))) end, "real matrix", "forward: complex")
  local fresh = nn.mlp{sizes = {2, 3}, seed = 1}
  t.throws(function() fresh:backward(mat.zeros(1, 3)) end, "call net:forward first",
           "backward before forward")
  local Y = net:forward(mat.ones(5, 2))
  t.throws(function() net:backward(mat.zeros(5, 2)) end, "5x3 matrix", "backward: wrong shape")
  t.throws(function() net:backward(mat.fill(5, 3, 0 / 0)) end, "NaN or Inf", "backward: NaN")
  t.throws(function() nn.mse(Y, mat.zeros(5, 2)) end, "bad argument #2 to 'mse' %(5x3 matrix expected, got 5x2%)",
           "mse: shape mismatch")
  t.throws(function() nn.mse(Y, mat.fill(5, 3, 0 / 0)) end, "NaN or Inf", "mse: NaN target")
  t.throws(function() nn.cross_entropy(Y, {1, 2, 3, 4, 1}) end, "label 4 at position 4 is not an integer in 1..3",
           "cross_entropy: label too large")
  t.throws(function() nn.cross_entropy(Y, {1, 2, 0, 1, 1}) end, "not an integer in 1..3", "label 0")
  t.throws(function() nn.cross_entropy(Y, {1, 2, 1.5, 1, 1}) end, "not an integer", "fractional label")
  t.throws(function() nn.cross_entropy(Y, {1, 2, 0 / 0, 1, 1}) end, "not an integer", "NaN label")
  t.throws(function() nn.cross_entropy(Y, {1, 2}) end, "vector of 5 labels", "too few labels")
  t.throws(function() nn.cross_entropy(mat.fill(5, 3, 0 / 0), {1, 1, 1, 1, 1}) end, "NaN or Inf", "NaN logits")
  t.throws(function() nn.load(3) end, "string expected", "load: not a path")
  t.throws(function() optim.kfac({}, {}) end, "bad argument #1 to 'kfac' %(tycho.nn network expected, got table%)",
           "kfac: not a network")
  t.throws(function() optim.mkor(net, 3) end, "table of options expected", "mkor: options not a table")
  t.throws(function() optim.kfac(net, {base = sgd(1), bogus = 1}) end, "^[^:]*test_nn%.lua:%d+:",
           "constructor errors point at the caller")
  t.throws(function() optim.kfac(net, {base = sgd(1), dampnig = 1}) end, "unknown option 'dampnig'", "unknown option")
  t.throws(function() optim.kfac(net, {base = sgd(1), damping = -1}) end, "damping", "negative damping")
  t.throws(function() optim.kfac(net, {base = sgd(1), damping = 0}) end, "damping", "zero damping")
  t.throws(function() optim.kfac(net, {base = sgd(1), factor_decay = 1.5}) end, "factor_decay", "decay above 1")
  t.throws(function() optim.kfac(net, {base = sgd(1), inv_every = 0}) end, "inv_every", "inv_every 0")
  t.throws(function() optim.kfac(net, {base = sgd(1), inv_every = 2.5}) end, "inv_every", "fractional inv_every")
  t.throws(function() optim.kfac(net, {base = sgd(1), method = "svd"}) end, "invalid value 'svd'", "bad method")
  t.throws(function() optim.kfac(net, {base = sgd(1), inv_freq = 3}) end, "unknown option 'inv_freq'",
           "an MKOR option given to K-FAC")
  t.throws(function() optim.mkor(net, {base = sgd(1), stat_decay = 0}) end, "stat_decay", "stat_decay 0")
  t.throws(function() optim.kfac(net, {base = sgd(1), fisher = "true"}) end, "invalid value 'true'", "bad fisher")
  t.throws(function() optim.kfac(net, {base = sgd(1), seed = "x"}) end, "seed", "bad seed")
  t.throws(function() optim.mkor(net, {base = sgd(1), hybrid = 1}) end, "boolean expected", "hybrid not boolean")
  t.throws(function() optim.mkor(net, {base = sgd(1), first_order_layers = {3}}) end, "layer numbers 1..2",
           "first_order_layers out of range")
  t.throws(function() optim.mkor(net, {base = 3}) end, "optimizer with a step method", "bad base")
  t.throws(function() optim.mkor(net, {base = sgd(1), lr = 2}) end, "give lr", "lr together with base")
  local o = optim.kfac(fresh, {base = sgd(1)})
  t.throws(function() o:step() end, "no gradients yet", "step before any backward")
  t.throws(function() o.damping = -1 end, "damping", "setting a bad option")
  t.throws(function() o.bogus = 1 end, "cannot set field 'bogus'", "setting an unknown field")
  t.throws(function() o:set_factors(1, mat.eye(2), mat.eye(3)) end, "3x3 matrix", "set_factors: wrong shape")
  t.throws(function() o:set_factors(2, mat.eye(3), mat.eye(3)) end, "no such layer", "set_factors: no such layer")
  t.throws(function() o:precondition(1, mat.zeros(2, 2)) end, "3x3 matrix", "precondition: wrong shape")
  local nolr = optim.kfac(fresh, {base = {step = function() end}})
  fresh:forward(mat.ones(2, 2)); fresh:backward(mat.ones(2, 3))
  t.throws(function() nolr:step() end, "numeric 'lr'", "kl_clip needs the base lr")
  local ok = pcall(function()
    local o2 = optim.kfac(fresh, {base = {step = function() end}, kl_clip = 0})
    o2:step()
  end)
  t.ok(ok, "kl_clip = 0 needs no lr")
  -- non-finite statistics: an error, nothing changed
  local big = nn.mlp{sizes = {1, 1}, act = "identity", seed = 1}
  big:params()[1][1] = 1e300
  local m = optim.kfac(big, {base = sgd(1), kl_clip = 0})
  big:forward(mat{1e300})
  big:backward(mat{1})
  t.throws(function() m:step() end, "non%-finite", "K-FAC: non-finite statistics are an error")
  t.is(m.t, 0, "and the step was not taken")
end

t.done()

-- %% [markdown]
-- # Optimizers side by side
--
-- `optim` gathers first-order optimizers (SGD to Lion, Adan, AdamP,
-- EXAdam), 8-bit optimizer states, the second-order K-FAC and MKOR, and
-- the derivative-free consensus-based optimization (CBO) behind one
-- interface: `opt:step(x, g)` updates `x` in place from its gradient.
-- This lesson races them on problems whose answer we know and checks what
-- the reader should see with `assert`.  Every method gets its own learning
-- rate from a small grid stated in the code, so no method is judged at
-- somebody else's best setting.
--
-- Run it with `tycho examples/optimizers.lua`, or publish it with
-- `tycho publish examples/optimizers.lua`.  The figures are saved in the
-- current folder.

-- %%
rand.seed(2024)
local function check(cond, what)
  assert(cond, what)
  print("ok: " .. what)
end

-- run optim.minimize and return the loss history (one value per step)
local function curve(f, x0, method, opts, iters)
  local o = {method = method, iters = iters, tol = 0, history = true}
  for k, v in pairs(opts) do o[k] = v end
  local ok, _, info = pcall(optim.minimize, f, x0, o)
  if not ok then return nil end          -- diverged (a NaN gradient)
  return info.history
end

-- the best lr of a grid: lowest final loss
local function tune(f, x0, method, opts, iters, grid)
  local best, blr
  for _, lr in ipairs(grid) do
    local o = {lr = lr}
    for k, v in pairs(opts) do o[k] = v end
    local h = curve(f, x0, method, o, iters)
    if h and h[#h] == h[#h] and (not best or h[#h] < best[#best]) then
      best, blr = h, lr
    end
  end
  return best, blr
end

-- the first step at which the history is below frac of its start
local function steps_to(h, frac)
  if not h then return math.huge end
  for k = 1, #h do
    if h[k] <= frac * h[1] then return k - 1 end
  end
  return math.huge
end

-- %% [markdown]
-- ## 1. The Rosenbrock valley
--
-- `optim.testfn.rosenbrock` is 100 (y - x^2)^2 + (1 - x)^2: a long curved
-- valley with the minimum 0 at (1, 1).  From the classic start (-1.2, 1),
-- each method runs 3000 steps with a cosine learning-rate decay (Lion's
-- sign steps need a decaying lr to settle: every Lion iterate lies on a
-- lattice of spacing lr).  The grid is 1e-3 ... 3e-1.

-- %%
local T = optim.testfn
local grid = {1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1}
local methods = {
  {"sgd", {momentum = 0.9}, "SGD + momentum"},
  {"adam", {}, "Adam"}, {"adan", {}, "Adan"}, {"lion", {}, "Lion"},
  {"exadam", {}, "EXAdam"}, {"lamb", {}, "LAMB"},
}
local fig = plot.figure{title = "Rosenbrock from (-1.2, 1), best lr of each method, cosine decay"}
local finals = {}
for _, m in ipairs(methods) do
  local o = {schedule = "cosine"}
  for k, v in pairs(m[2]) do o[k] = v end
  local h, lr = tune(T.rosenbrock, mat{-1.2, 1}, m[1], o, 3000, grid)
  finals[m[1]] = h[#h]
  for k = 1, #h do h[k] = math.max(h[k], 1e-20) end   -- log scale
  fig:plot(mat.linspace(0, #h - 1, #h), h, {label = string.format("%s (lr %g)", m[3], lr),
           logy = true, xlabel = "step", ylabel = "f"})
  print(string.format("%-16s lr %-6g final f %.3g", m[3], lr, finals[m[1]]))
end
assert(fig:save("optimizers_rosenbrock.png"))
local deep = 0
for _, m in ipairs(methods) do
  check(finals[m[1]] < 1e-3, m[3] .. " gets down the valley (f from 24 to below 1e-3)")
  if finals[m[1]] < 1e-6 then deep = deep + 1 end
end
check(deep >= 4, deep .. " of the 6 reach f < 1e-6 in 3000 steps")

-- %% [markdown]
-- Every method gets down the valley at its own best learning rate, most of
-- them to the bottom; EXAdam, whose first steps are large (about 16 lr),
-- is the slowest to settle here.  The adaptive methods follow the curved
-- valley with steps scaled per coordinate; Lion moves by exactly lr in
-- every coordinate and needs the decay to finish.
--
-- ## 2. An ill-conditioned quadratic, axis-aligned and rotated
--
-- f(x) = 1/2 x' H x in 50 dimensions with eigenvalues log-spaced over four
-- decades (condition number 10^4).  `optim.testfn.quadratic(x, 1e4)` is the
-- axis-aligned form H = diag(lambda); the rotated form is Q diag(lambda) Q'
-- with a random orthogonal Q, started from the rotated start point, so the
-- two are the same problem seen in different coordinates.  We count the steps until f falls below
-- 10^-6 of its start: gradient descent at its largest safe step (1.9/L),
-- heavy ball at the textbook optimal lr and momentum, Adam and Adan at the
-- best lr of a grid.

-- %%
local d, cond = 50, 1e4
local lam = mat.zeros(d)
for i = 1, d do lam[i] = cond ^ ((i - 1) / (d - 1)) end
local Q = linalg.qr(mat.randn(d, d))
local H = Q * mat.diag(lam) * Q:t()
local problems = {     -- the same problem in two coordinate systems
  {"axis-aligned", function(x) return T.quadratic(x, cond) end, mat.ones(d)},
  {"rotated", function(x) local g = H * x; return 0.5 * x:dot(g), g end,
   Q * mat.ones(d)},
}
local kappa = cond
local hb = {lr = 4 / (math.sqrt(cond) + 1) ^ 2,
            momentum = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ^ 2}
local count = {}
local qfig = plot.figure{title = "quadratic, condition 1e4: steps to reach 1e-6 of the start",
                         layout = {1, 2}, size = {1000, 420}}
for p, prob in ipairs(problems) do
  qfig:panel(p)
  local c, x0 = {}, prob[3]
  local runs = {
    {"GD (lr 1.9/L)", curve(prob[2], x0, "sgd", {lr = 1.9 / cond}, 2000)},
    {"heavy ball", curve(prob[2], x0, "sgd", hb, 2000)},
    {"Adam", (tune(prob[2], x0, "adam", {schedule = "cosine"}, 2000, grid))},
    {"Adan", (tune(prob[2], x0, "adan", {schedule = "cosine"}, 2000, grid))},
  }
  for _, r in ipairs(runs) do
    c[r[1]] = steps_to(r[2], 1e-6)
    local h = r[2]
    for k = 1, #h do h[k] = math.max(h[k] / h[1], 1e-12) end
    qfig:plot(mat.linspace(0, #h - 1, #h), h, {label = r[1], logy = true,
              title = prob[1], xlabel = "step", ylabel = "f / f(x0)"})
  end
  count[prob[1]] = c
  print(string.format("%-13s GD %s  heavy ball %d  Adam %d  Adan %d", prob[1],
        c["GD (lr 1.9/L)"] == math.huge and ">2000" or tostring(c["GD (lr 1.9/L)"]),
        c["heavy ball"], c.Adam, c.Adan))
end
assert(qfig:save("optimizers_quadratic.png"))
local A, R = count["axis-aligned"], count.rotated
check(A.Adam * 5 < A["heavy ball"] and A.Adam * 20 < A["GD (lr 1.9/L)"],
      "axis-aligned: Adam needs far fewer steps than GD and heavy ball")
check(R.Adam > 5 * A.Adam, "rotated: Adam's advantage is gone")
check(math.abs(R["heavy ball"] - A["heavy ball"]) <= 2,
      "heavy ball does not care about the rotation")

-- %% [markdown]
-- Per-coordinate scaling helps exactly when the curvature is aligned with
-- the coordinates: Adam divides each coordinate's step by its own gradient
-- scale, which here *is* the eigenvalue.  Rotate the same problem and Adam
-- falls behind heavy ball, whose speed depends only on the spectrum.
--
-- ## 3. Logistic regression
--
-- L2-regularised logistic regression on 500 synthetic samples with 100
-- features, full batch.  The loss and its gradient are a few matrix
-- products:  loss = mean(log(1 + exp(-y .* Xw))) + lambda/2 ||w||^2.

-- %%
local function logistic(N, dim, noise, lambda)
  local X = mat.randn(N, dim) / math.sqrt(dim)
  local y = X * mat.randn(dim) + noise * mat.randn(N)
  for i = 1, N do y[i] = y[i] > 0 and 1 or -1 end
  local Xt = X:t()
  return function(w)
    local e = mat.exp(-y:emul(X * w))
    local loss = mat.log(1 + e):sum() / N + 0.5 * lambda * w:dot(w)
    return loss, Xt * (-y:emul(e:ediv(1 + e))) / N + lambda * w
  end
end
local small = logistic(500, 100, 0.3, 1e-3)
local w0 = mat.zeros(100)
local _, ref = optim.minimize(small, w0, {method = "adam", lr = 0.05, iters = 4000,
                                          schedule = "cosine", tol = 1e-12})
local fstar = ref.f
local lfig = plot.figure{title = "logistic regression (500 x 100): f - f*, best lr of each method"}
local lmethods = {
  {"sgd", {momentum = 0.9}, "SGD + momentum", {1, 3, 10, 30}},
  {"adam", {}, "Adam", {1e-2, 3e-2, 1e-1, 3e-1}},
  {"adan", {}, "Adan", {1e-2, 3e-2, 1e-1, 3e-1}},
  {"lion", {}, "Lion", {3e-3, 1e-2, 3e-2, 1e-1}},
  {"exadam", {}, "EXAdam", {3e-3, 1e-2, 3e-2, 1e-1}},
  {"lamb", {}, "LAMB", {1e-2, 3e-2, 1e-1, 3e-1}},
}
local lfinal = {}
for _, m in ipairs(lmethods) do
  local o = {schedule = "cosine"}
  for k, v in pairs(m[2]) do o[k] = v end
  local h, lr = tune(small, w0, m[1], o, 300, m[4])
  local gap = {}
  for k = 1, #h do gap[k] = math.max(h[k] - fstar, 1e-16) end
  lfinal[#lfinal + 1] = {m[3], gap[#gap]}
  lfig:plot(mat.linspace(0, #h - 1, #h), gap, {label = string.format("%s (lr %g)", m[3], lr),
            logy = true, xlabel = "step", ylabel = "f - f*"})
  print(string.format("%-16s lr %-6g f - f* after 300 steps %.2e", m[3], lr, gap[#gap]))
end
assert(lfig:save("optimizers_logistic.png"))
for _, r in ipairs(lfinal) do
  check(r[2] < 1e-4, r[1] .. " gets within 1e-4 of the optimum in 300 steps")
end

-- %% [markdown]
-- ## 4. 8-bit against 64-bit Adam states
--
-- `optim.adam8bit` keeps Adam's two moments as one-byte codes of a
-- non-linear "dynamic" map with one scale per block of 2048 numbers: about
-- 2 bytes of state per parameter instead of 16.  Here the weight vector
-- has 4096 entries, so its states really are quantized.  The paper's
-- claim: the 8-bit curve tracks the full-precision one closely, much more
-- closely than a 2x change of the learning rate moves it, and smaller
-- blocks (256) are at least as close.

-- %%
local big = logistic(1000, 4096, 0.3, 1e-3)
local wb = mat.zeros(4096)
local function hist(method, opts) return curve(big, wb, method, opts, 150) end
local h64 = hist("adam", {lr = 0.05})
local h8 = hist("adam8bit", {lr = 0.05})
local h8s = hist("adam8bit", {lr = 0.05, block = 256})
local hup, hdn = hist("adam", {lr = 0.1}), hist("adam", {lr = 0.025})
local function maxgap(a, b)
  local m = 0
  for k = 1, #a do m = math.max(m, math.abs(a[k] - b[k])) end
  return m
end
local g8, g8s = maxgap(h8, h64), maxgap(h8s, h64)
local glr = math.min(maxgap(hup, h64), maxgap(hdn, h64))
print(string.format("largest loss gap to 64-bit Adam: 8-bit (block 2048) %.2e, " ..
      "8-bit (block 256) %.2e, lr x2 or /2 %.2e", g8, g8s, glr))
local o8, o64 = optim.adam8bit{}, optim.adam{}
o8:step(mat.zeros(4096), mat.ones(4096)); o64:step(mat.zeros(4096), mat.ones(4096))
print(string.format("state: %d bytes (8-bit) against %d (64-bit)", o8:state_bytes(),
      o64:state_bytes()))
local efig = plot.figure{title = "logistic regression, 4096 features: Adam states in 8 and 64 bits"}
local steps = mat.linspace(0, #h64 - 1, #h64)
efig:plot(steps, h64, {label = "Adam, float64 states, lr 0.05", xlabel = "step", ylabel = "loss"})
efig:plot(steps, h8, {label = "Adam, 8-bit states (block 2048), lr 0.05", with = "points"})
efig:plot(steps, hup, {label = "Adam, float64, lr 0.1"})
efig:plot(steps, hdn, {label = "Adam, float64, lr 0.025"})
assert(efig:save("optimizers_8bit.png"))
check(g8 < 0.05 * glr, "the 8-bit curve is 20x closer to 64-bit Adam than a 2x lr change")
check(g8s <= 1.5 * g8, "blocks of 256 are about as close or closer")
check(o64:state_bytes() / o8:state_bytes() > 7.9, "with 1/8 of the state memory")

-- %% [markdown]
-- ## 5. CBO on Rastrigin in 20 dimensions
--
-- Rastrigin's function has a local minimum near every integer point; in 20
-- dimensions there are about 10^20 of them.  Consensus-based optimization
-- moves 40 particles towards a Gibbs-weighted average of the best ones,
-- with noise proportional to their distance from it.  The published
-- setting (CBXpy; Carrillo, Jin, Li, Zhu): anisotropic noise, sigma = 10.1,
-- alpha = 30 growing by 5% per step, dt = 0.01, 5000 steps, start uniform
-- in [-3, 3]^20, objective scaled by 1/d.  A run succeeds when its best
-- point is within 0.25 of the origin in every coordinate.  `runs = 10`
-- runs ten independent swarms in one object.

-- %%
local D = 20
local function rastrigin(X) return T.rastrigin(X) / D end
-- successes out of 10 runs, whether the swarm stayed finite, and the mean
-- over runs of the best value seen, every 10 iterations
local function success(opts)
  local o = {D, n = 40, runs = 10, sigma = 10.1, alpha = 30, dt = 0.01,
             lambda = 1, iters = 5000, seed = 7, noise = "anisotropic"}
  for k, v in pairs(opts) do o[k] = v end
  local c = optim.cbo(o)
  local its, mean = {}, {}
  local ok = pcall(function()
    while not c:done() do
      c:tell(rastrigin(c:ask()))
      if c.it % 10 == 0 then
        local s = 0
        for r = 1, 10 do s = s + select(2, c:best(r)) end
        its[#its + 1], mean[#mean + 1] = c.it, math.max(s / 10, 1e-12)
      end
    end
  end)
  return ok and c:successes(mat.zeros(D)) or 0, ok, its, mean
end
local settings = {
  {"published: anisotropic, sigma 10.1, alpha 30 x1.05", {}},
  {"isotropic, sigma 0.3", {noise = "isotropic", sigma = 0.3}},
  {"isotropic, sigma 10.1", {noise = "isotropic"}},
  {"alpha fixed at 30", {alpha_factor = 1}},
}
local cfig = plot.figure{title = "CBO on Rastrigin/d, d = 20, 40 particles: mean best value of 10 runs"}
local wins = {}
for i, st in ipairs(settings) do
  local won, ok, its, mean = success(st[2])
  wins[i] = won
  print(string.format("%-52s %2d of 10 runs succeed%s", st[1], won,
        ok and "" or " (the swarm blew up)"))
  if #its > 0 then
    cfig:plot(its, mean, {label = string.format("%s: %d/10", st[1], won), logy = true,
              legend = "bottom left",
              xlabel = "iteration", ylabel = "best f (mean over runs)"})
  end
end
assert(cfig:save("optimizers_cbo.png"))
local published, iso, iso_big, fixed = wins[1], wins[2], wins[3], wins[4]
check(published >= 9, "the published setting finds the global minimum (nearly) every time")
check(iso <= 2 and iso_big <= 2, "isotropic noise fails in 20 dimensions")
check(fixed <= 2, "without the alpha schedule it fails too")

-- %% [markdown]
-- Isotropic noise scales with the whole distance |x - c|, so in d
-- dimensions the spread only contracts when 2 lambda > d sigma^2: large
-- sigma blows the swarm apart, small sigma freezes it on the first local
-- minimum.  Anisotropic noise acts coordinate by coordinate and the
-- condition becomes 2 lambda > sigma^2 for every dimension.

-- %%
-- K-FAC and MKOR on the MLP
--
-- Two interleaved spirals, 100 noisy points each, classified by an MLP
-- 2-64-64-2 with tanh units, full batch, softmax cross-entropy (`nn`).
-- Four optimizers, each at the best lr of a small grid (the one reaching
-- loss 0.1 first; ties by the final loss): SGD with momentum 0.9, Adam,
-- K-FAC and MKOR, both second-order methods over an SGD base with
-- momentum 0.9.  K-FAC runs with the sampled Fisher on the per-sample
-- scale (`fisher = "sampled", loss = "ce", g_scale = "batch"`, see
-- docs/nn.md); the reference's defaults (empirical Fisher) are shown at
-- the same lr for comparison.
--
-- What to see: K-FAC gets the loss down in the fewest steps (far fewer
-- than SGD, about as few as Adam), at several times the cost per step;
-- with the empirical Fisher it stalls.  MKOR's rank-1 updates from batch
-- means change the direction of the step little at this size: it follows
-- SGD at the same lr closely, at a fraction of K-FAC's cost per step, and
-- it does not tolerate SGD's best lr (1).  The paper's gains (BERT-Large)
-- are at a scale this lesson cannot show.
do
  rand.seed(7)
  local N, iters = 100, 300
  local X, labels = mat.zeros(2 * N, 2), {}
  for i = 1, N do
    local r, th = 0.3 + 3.5 * i / N, 3.5 * math.pi * i / N
    for c = 0, 1 do
      local s, k = 1 - 2 * c, c * N + i
      X[{k, 1}] = s * r * math.cos(th) + rand.normal(0, 0.08)
      X[{k, 2}] = s * r * math.sin(th) + rand.normal(0, 0.08)
      labels[k] = c + 1
    end
  end
  -- train from the same initial network; loss history, accuracy, s/step
  local function train(make)
    local net = nn.mlp{sizes = {2, 64, 64, 2}, act = "tanh", seed = 1}
    local opt, h = make(net), {}
    local t0 = tycho.clock()
    for it = 1, iters do
      local loss, dZ = nn.cross_entropy(net:forward(X), labels)
      h[it] = loss
      if loss ~= loss or loss > 1e3 then return nil end      -- diverged
      net:backward(dZ)
      if opt.precondition then opt:step(loss)                 -- K-FAC, MKOR
      else opt:step(net:params(), net:grads()) end
    end
    local secs = (tycho.clock() - t0) / iters
    local Z, right = net:forward(X), 0
    for i = 1, 2 * N do
      if (Z[{i, 2}] > Z[{i, 1}]) == (labels[i] == 2) then right = right + 1 end
    end
    return h, right / (2 * N), secs
  end
  local function to01(h)            -- first step with loss <= 0.1
    for k = 1, #h do if h[k] <= 0.1 then return k - 1 end end
    return math.huge
  end
  local methods = {
    {"SGD, momentum 0.9", {0.1, 0.3, 1},
     function(lr) return function() return optim.sgd{lr = lr, momentum = 0.9} end end},
    {"Adam", {0.01, 0.03, 0.1},
     function(lr) return function() return optim.adam{lr = lr} end end},
    {"K-FAC (sampled Fisher)", {0.1, 0.3, 1},
     function(lr) return function(net)
       return optim.kfac(net, {lr = lr, fisher = "sampled", loss = "ce",
                               g_scale = "batch", seed = 1}) end end},
    {"MKOR", {0.1, 0.3, 1},
     function(lr) return function(net) return optim.mkor(net, {lr = lr}) end end},
  }
  local res = {}
  for _, m in ipairs(methods) do
    local best
    for _, lr in ipairs(m[2]) do
      local h, acc, secs = train(m[3](lr))
      if h and (not best or to01(h) < to01(best.h) or
                (to01(h) == to01(best.h) and h[#h] < best.h[#best.h])) then
        best = {h = h, acc = acc, secs = secs, lr = lr}
      end
    end
    res[m[1]] = best
  end
  local kf, mk = res["K-FAC (sampled Fisher)"], res["MKOR"]
  local eh, eacc, esecs = train(function(net) return optim.kfac(net, {lr = kf.lr}) end)
  res["K-FAC (empirical Fisher)"] = {h = eh, acc = eacc, secs = esecs, lr = kf.lr}
  local sh, sacc, ssecs = train(methods[1][3](mk.lr))
  res["SGD at MKOR's lr"] = {h = sh, acc = sacc, secs = ssecs, lr = mk.lr}
  local order = {"SGD, momentum 0.9", "Adam", "K-FAC (sampled Fisher)",
                 "K-FAC (empirical Fisher)", "MKOR", "SGD at MKOR's lr"}
  local fig = plot.figure{title = "two spirals, MLP 2-64-64-2 tanh, full batch: cross-entropy"}
  local steps = mat.linspace(0, iters - 1, iters)
  print(string.format("%-26s %5s %13s %11s %9s %9s", "method", "lr",
        "steps to 0.1", "final loss", "accuracy", "ms/step"))
  for _, name in ipairs(order) do
    local r = res[name]
    local n01 = to01(r.h)
    print(string.format("%-26s %5g %13s %11.3g %9.2f %9.2f", name, r.lr,
          n01 == math.huge and "-" or tostring(n01), r.h[#r.h], r.acc, 1e3 * r.secs))
    fig:plot(steps, mat(r.h), {label = string.format("%s, lr %g", name, r.lr),
             logy = true, xlabel = "step", ylabel = "loss"})
  end
  assert(fig:save("optimizers_mlp.png"))
  local sgd, adam = res["SGD, momentum 0.9"], res["Adam"]
  local emp, twin = res["K-FAC (empirical Fisher)"], res["SGD at MKOR's lr"]
  local gap = 0                     -- MKOR against SGD at its lr: mean |relative gap|
  for k = 1, iters do gap = gap + math.abs(mk.h[k] / twin.h[k] - 1) / iters end
  print(string.format("MKOR and SGD at lr %g: losses differ by %.1f%% on average",
        mk.lr, 100 * gap))
  check(to01(kf.h) < 0.5 * math.min(to01(sgd.h), iters),
        "K-FAC reaches loss 0.1 in under half the steps SGD needs")
  check(to01(kf.h) <= 1.25 * to01(adam.h), "and in about as few as Adam")
  check(kf.acc == 1, "K-FAC separates the spirals completely")
  check(emp.h[#emp.h] > 10 * kf.h[#kf.h],
        "with the empirical Fisher K-FAC ends 10x higher at the same lr")
  check(gap < 0.05, "MKOR's loss stays within 5% of SGD's at the same lr (on average)")
  check(mk.secs < 0.5 * kf.secs, "at under half of K-FAC's cost per step")
end

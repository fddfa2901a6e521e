-- Help texts of optim: the first-order optimizers, their methods, 8-bit
-- states, minimize, consensus-based optimization and the test functions.
-- (optim.kfac and optim.mkor are documented in doc/nn.lua.)  The update
-- rules are stated in docs/optim.md.
local def = ...

local common = [[

Every optimizer is an object: opt:step(x, g) updates the matrix x in place
from its gradient g; opt:step({W1, b1, ...}, {gW1, gb1, ...}) updates several
tensors, each with its own state (kept by position).  Options can be changed
between steps (opt.lr = 0.01 for a schedule); opt.t counts steps.  Every
gradient is checked first: NaN or Inf raises an error and leaves x and the
state untouched (check_finite = false lets them through, as PyTorch does).
no_decay = {2, 4} lists tensor positions that get no weight decay.]]

def("optim.sgd", {
  sig = "optim.sgd{lr, momentum = 0, dampening = 0, nesterov = false, weight_decay = 0} -> opt",
  summary = [[Stochastic gradient descent with heavy-ball or Nesterov
momentum, in PyTorch's form: d = g + wd x; b = momentum b + (1 - dampening) d
(b = d on the first step); d = nesterov and d + momentum b or b; x = x - lr d.
lr is required; nesterov needs momentum > 0 and dampening = 0.]] .. common,
  example = [[local opt = optim.sgd{lr = 0.1, momentum = 0.5}
local x = mat{1, -2}
for k = 1, 200 do opt:step(x, 2 * x) end     -- f = ||x||^2
assert(x:norm() < 1e-6 and opt.t == 200)]],
  see = {"optim.adam", "optim:step", "optim.minimize"},
})

def("optim.adam", {
  sig = "optim.adam{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0, amsgrad = false} -> opt",
  summary = [[Adam (Kingma and Ba) in PyTorch's form: exponential moving
averages m, v of g and g^2, x = x - lr m_hat / (sqrt(v_hat) + eps) with the
bias corrections of step t and eps added after them.  weight_decay adds
wd x to the gradient (L2, coupled); use optim.adamw for decoupled decay.
amsgrad uses the running maximum of v.  State: 16 bytes per parameter.]] .. common,
  example = [[local opt = optim.adam{lr = 0.1}
local x = mat{3, -4}
opt:step(x, mat{1, -1})
assert(math.abs(x[1] - 2.9) < 1e-8 and math.abs(x[2] + 3.9) < 1e-8)]],
  see = {"optim.adamw", "optim.adam8bit", "optim:step"},
})

def("optim.adamw", {
  sig = "optim.adamw{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 1e-2, amsgrad = false} -> opt",
  summary = [[AdamW (Loshchilov and Hutter): Adam with decoupled weight decay,
x = x (1 - lr wd) before the Adam step, as in PyTorch (the paper scales the
decay by the schedule multiplier instead: its lambda is lr wd here).]] .. common,
  example = [[local opt = optim.adamw{lr = 0.1, weight_decay = 0.5}
local x = mat{2}
for k = 1, 3 do opt:step(x, mat{0}) end     -- zero gradient: pure decay
assert(math.abs(x[1] - 2 * 0.95 ^ 3) < 1e-14)]],
  see = {"optim.adam", "optim.adamw8bit", "optim.lion"},
})

def("optim.lamb", {
  sig = "optim.lamb{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-6, weight_decay = 0, trust_min = 0, trust_max = inf, max_grad_norm = 0, no_adapt} -> opt",
  summary = [[LAMB (You et al.), TF-addons semantics: the Adam direction plus
wd x, u, is rescaled per tensor by the trust ratio ||x|| / ||u||, so every
tensor moves by lr times its own norm.  trust_min and trust_max clip ||x||
(the paper's phi); max_grad_norm > 0 clips the global gradient norm first.
no_adapt lists tensor positions whose ratio is 1 (default: the no_decay
list).  opt.ratio_min and opt.ratio_max report the last step's ratios.]] .. common,
  example = [[local opt = optim.lamb{lr = 0.01}
local W, b = mat{{3, 4}}, mat{1, 1}
local W0 = W:copy()
opt:step({W, b}, {mat{{1, -2}}, mat{0.5, 0.5}})
assert(math.abs((W - W0):norm() - 0.01 * W0:norm()) < 1e-12)]],
  see = {"optim.adam", "optim:step"},
})

def("optim.lion", {
  sig = "optim.lion{lr = 1e-4, betas = {0.9, 0.99}, weight_decay = 0, K = \"l1\", delta = 1e-3} -> opt",
  summary = [[Lion (Chen et al.) and the Lion-K family: x = x (1 - lr wd);
c = b1 m + (1 - b1) g; x = x - lr gradK(c); m = b2 m + (1 - b2) g.  K = "l1"
is Lion (gradK = sign), "l2" normalises c per tensor (steps of norm lr),
"huber" clips c/delta to [-1, 1], "quad" uses c itself (momentum SGD with
decoupled decay).  The decay makes l1 solve min f subject to
||x||_inf <= 1/wd.  One state vector: 8 bytes per parameter.  The authors
advise lr 3-10x smaller than AdamW's and wd 3-10x larger.]] .. common,
  example = [[local opt = optim.lion{lr = 0.01, weight_decay = 0.5}
local x = mat{1, -1}
opt:step(x, mat{2, -3})
assert(math.abs(x[1] - (0.995 - 0.01)) < 1e-15)]],
  see = {"optim.lion8bit", "optim.adamw"},
})

def("optim.adan", {
  sig = "optim.adan{lr = 1e-3, betas = {0.98, 0.92, 0.99}, eps = 1e-8, weight_decay = 0, max_grad_norm = 0, no_prox = false} -> opt",
  summary = [[Adan (Xie et al.), adaptive Nesterov momentum, in the
reference code's form: moving averages of g, of the gradient difference
g - g_prev and of the squared Nesterov-corrected gradient, zero-initialised
and bias-corrected.  The betas follow the code's convention (paper beta =
1 - beta).  Weight decay is proximal, x / (1 + lr wd), unless no_prox.
max_grad_norm > 0 clips the global gradient norm.  Four state vectors.]] .. common,
  example = [[local opt = optim.adan{lr = 0.01}
local x = mat{1}
opt:step(x, mat{0.5})              -- first step: lr g / (|g| + eps)
assert(math.abs(x[1] - (1 - 0.01 * 0.5 / (0.5 + 1e-8))) < 1e-15)]],
  see = {"optim.adam", "optim:reset"},
})

def("optim.adamp", {
  sig = "optim.adamp{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0, delta = 0.1, wd_ratio = 0.1, nesterov = false} -> opt",
  summary = [[AdamP (Heo et al.): Adam that detects scale-invariant weights
(a gradient nearly orthogonal to the weights, cosine below
delta / sqrt(row length), tested per row then for the whole matrix) and
removes the radial part of the update, so the weight norm does not grow;
decay is then multiplied by wd_ratio.  Only matrices with more than one
column are tested (row i is output unit i); vectors are plain Adam.
opt.projected counts the tensors projected in the last step.]] .. common,
  example = [[local opt = optim.adamp{lr = 0.01, eps = 1e-14}
local W = mat{{3, 4}}
local W0 = W:copy()
opt:step(W, mat{{4, -3}})          -- orthogonal to the row
assert(opt.projected == 1 and math.abs((W - W0):dot(W0)) < 1e-12)]],
  see = {"optim.sgdp", "optim.adam"},
})

def("optim.sgdp", {
  sig = "optim.sgdp{lr, momentum = 0, dampening = 0, nesterov = false, weight_decay = 0, eps = 1e-8, delta = 0.1, wd_ratio = 0.1} -> opt",
  summary = [[SGDP (Heo et al.): SGD with the projection of optim.adamp.
As in the reference, the momentum buffer starts at zero
(b = momentum b + (1 - dampening) g from the first step) and the decay is
x (1 - lr wd r / (1 - momentum)).  lr is required.]] .. common,
  example = [[local opt = optim.sgdp{lr = 0.1, momentum = 0.9}
local W = mat{{1, 0}, {0, 1}}
opt:step(W, mat{{0, 1}, {1, 0}})
assert(opt.projected == 1)]],
  see = {"optim.adamp", "optim.sgd"},
})

def("optim.exadam", {
  sig = "optim.exadam{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0, step_mode = \"const\"} -> opt",
  summary = [[EXAdam (Adly, v2): Adam with cross-moment debiasing factors
d1 = 1 + b2^t v/(v + eps), d2 = 1 + b1^t m^2/(m^2 + eps) and an added
bias-corrected gradient term: x = x - lr (m~ + g~) / (sqrt(v~) + eps).
step_mode = "log" uses the v1 step lr ln(sqrt(2 (t + 1))).  Its first
step is large (about 16 lr with the defaults); tune lr separately from
Adam's.]] .. common,
  example = [[local opt = optim.exadam{lr = 1e-3}
local x = mat{0}
opt:step(x, mat{1})
assert(x[1] < -0.015 and x[1] > -0.017)]],
  see = {"optim.adam"},
})

local eightbit = [[

8-bit states (Dettmers et al.): every tensor of at least min_8bit_size
elements keeps its states as one-byte codes of the dynamic map
(optim.map8) with one float32 absmax per block of `block` elements, so
opt:state_bytes() is about 2 bytes per parameter for Adam (1 for Lion)
against 16 (8) for float64 states.  Smaller tensors, or quantize = false,
keep float64 states with the same rule.  The update uses the unquantized
states of the step; quantization error enters at the next step.  A NaN or
Inf gradient element leaves its parameter alone and zeroes its states
(other elements are updated); these optimizers do not raise on them.]]

def("optim.adam8bit", {
  sig = "optim.adam8bit{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0, block = 2048, min_8bit_size = 4096, quantize = true} -> opt",
  summary = [[Adam with block-wise 8-bit states; weight decay, if any, is
decoupled (AdamW's).]] .. eightbit,
  example = [[local opt = optim.adam8bit{}
local x = mat.randn(10000)
opt:step(x, mat.randn(10000))
assert(opt:state_bytes() < 2.01 * 10000)]],
  see = {"optim.adamw8bit", "optim.adam", "optim.quantize8"},
})

def("optim.adamw8bit", {
  sig = "optim.adamw8bit{lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 1e-2, block = 2048, min_8bit_size = 4096, quantize = true} -> opt",
  summary = [[AdamW with block-wise 8-bit states (optim.adam8bit with
weight_decay = 1e-2).  Below min_8bit_size it is exactly optim.adamw.]] .. eightbit,
  example = [[local a, b = optim.adamw8bit{lr = 0.01}, optim.adamw{lr = 0.01}
local x, y = mat{1, 2, 3}, mat{1, 2, 3}
a:step(x, mat{1, 1, 1}); b:step(y, mat{1, 1, 1})
assert((x - y):norm() == 0)        -- small tensor: float64 states]],
  see = {"optim.adam8bit", "optim.adamw"},
})

def("optim.lion8bit", {
  sig = "optim.lion8bit{lr = 1e-4, betas = {0.9, 0.99}, weight_decay = 0, K = \"l1\", delta = 1e-3, block = 2048, min_8bit_size = 4096, quantize = true} -> opt",
  summary = [[Lion (any K) with its momentum stored as 8-bit codes of the
signed dynamic map.]] .. eightbit,
  example = [[local opt = optim.lion8bit{lr = 0.01}
local x = mat.randn(8192)
opt:step(x, mat.randn(8192))
assert(opt:state_bytes() < 1.01 * 8192)]],
  see = {"optim.lion", "optim.adam8bit"},
})

def("optim:step", {
  sig = "opt:step(x, g)  /  opt:step({x1, x2, ...}, {g1, g2, ...})",
  summary = [[One step of the optimizer: x (a tycho.mat) is updated in place
from its gradient g (a mat of the same shape, or a table of numbers).  With
lists, each tensor has its own state, kept by position; the per-tensor rules
(LAMB's trust ratio, AdamP's projection, Lion-K "l2") see each tensor on its
own.  The state is built on the first step; later steps must pass the same
number of tensors with the same shapes (opt:reset() starts over).  Every
check (shapes, NaN or Inf gradients) happens before anything is written:
a failed step leaves x, the state and opt.t unchanged.]],
  example = [[local opt = optim.adam{lr = 0.01}
local W, b = mat.randn(3, 2), mat.zeros(3)
opt:step({W, b}, {mat.ones(3, 2), mat.ones(3)})
assert(opt.t == 1 and math.abs(b[1] + 0.01) < 1e-8)
local ok = pcall(opt.step, opt, W, mat{0 / 0})
assert(not ok and opt.t == 1)]],
  see = {"optim:reset", "optim:state", "optim.adam"},
})

def("optim:reset", {
  sig = "opt:reset()",
  summary = [[Forget the state (moments, buffers) and set opt.t to 0; the
options stay.  The next step may use new shapes.  For Adan this is the
restart of the paper.]],
  example = [[local opt = optim.adam{}
opt:step(mat{1, 2}, mat{1, 1})
opt:reset()
assert(opt.t == 0 and opt:state_bytes() == 0)
opt:step(mat{1, 2, 3}, mat{1, 1, 1})]],
  see = {"optim:step"},
})

def("optim:state_bytes", {
  sig = "opt:state_bytes() -> bytes",
  summary = [[Bytes of optimizer state held (0 before the first step):
16 per parameter for Adam, 8 for Lion or SGD with momentum, 0 for plain
SGD, 2 + 8/block for 8-bit Adam on quantized tensors.]],
  example = [[local a, q = optim.adam{}, optim.adam8bit{}
local n = 100000
a:step(mat.zeros(n), mat.ones(n))
q:step(mat.zeros(n), mat.ones(n))
assert(a:state_bytes() == 16 * n and a:state_bytes() / q:state_bytes() > 7.9)]],
  see = {"optim.adam8bit"},
})

def("optim:state", {
  sig = "opt:state([k = 1]) -> table",
  summary = [[Copies of tensor k's state vectors, as mats of its shape:
m, v (and vmax) for the Adam family, buf for SGD/SGDP, m for Lion, m, v, n
and gprev for Adan; 8-bit codes come back dequantized.  nil before the
first step.]],
  example = [[local opt = optim.sgd{lr = 0.1, momentum = 0.9}
opt:step(mat{1}, mat{2})
assert(opt:state().buf[1] == 2)]],
  see = {"optim:step"},
})

def("optim.minimize", {
  sig = "x, info = optim.minimize(f, x0 [, opts])",
  summary = [[Minimise f with a first-order optimizer: f(x) returns the
loss and its gradient (a mat of x's shape).  opts: method = "adam" (any
optimizer name: sgd, adam, adamw, lamb, lion, adan, adamp, sgdp, exadam,
adam8bit, adamw8bit, lion8bit), iters = 1000 (steps), tol = 1e-6 (stop when
||grad|| <= tol), schedule ("cosine", or a function(k, lr0) -> lr for step
k), callback(k, x, f) (return false to stop), history = false; every other
option goes to the optimizer (lr, betas, ...).  x0 is not modified.  info:
iters, converged, f and grad_norm (at the returned x), evals, time,
history (losses, one per evaluation) when asked.]],
  example = [[local x, info = optim.minimize(optim.testfn.rosenbrock, {-1.2, 1},
                                {method = "adam", lr = 0.02, iters = 6000})
assert(info.converged and (x - mat{1, 1}):norm() < 1e-5)]],
  see = {"optim.testfn.rosenbrock", "optim.adam", "optim.cbo_minimize"},
})

def("optim.cbo", {
  sig = "c = optim.cbo{d, n = 20, runs = 1, dt = 0.01, lambda = 1, sigma = 5.1, alpha = 1, alpha_factor = 1.05, alpha_max = 1e5, noise = \"isotropic\", init = {-3, 3}, iters = 1000, seed, f_tol, x_tol = 0}",
  summary = [[Consensus-based optimization (Pinnau et al.; anisotropic noise
of Carrillo et al.), derivative free, in ask/tell form: X = c:ask() gives the
particles (runs n rows of d coordinates); c:tell(f) takes their values and
moves them: every particle drifts to the Gibbs-weighted consensus point
c = sum w_i x_i / sum w_i, w_i = exp(-alpha (f_i - f_min)), by lambda dt,
plus noise sigma sqrt(dt) |x_i - c| xi (isotropic) or sigma sqrt(dt)
(x_i - c) .* xi (anisotropic, for high dimension); then alpha grows by
alpha_factor up to alpha_max.  NaN and +Inf values get weight 0.  A run
stops after iters iterations, when its best value is <= f_tol, or when all
its particles are within x_tol of the consensus.  init is {lo, hi}
(uniform) or a matrix of positions; the noise comes from the object's own
generator (seed, default: drawn from rand).  Fields: c.it, c.alpha.]],
  example = [[local c = optim.cbo{2, n = 30, seed = 1, iters = 300, noise = "anisotropic"}
while not c:done() do
  local X = c:ask()
  c:tell(optim.testfn.ackley(X))     -- one value per row
end
local x, f = c:best()
assert(x:norm() < 1e-2 and f < 0.05)]],
  see = {"optim.cbo_minimize", "optim.cbo:ask", "optim.testfn.rastrigin"},
})

local cm = optim and optim.cbo_methods or {}

def("optim.cbo:ask", {
  fn = cm.ask,
  sig = "X = c:ask()",
  summary = [[The particles to evaluate: a (runs n) x d matrix, one particle
per row, run 1's particles first.  A fresh copy each call.]],
  example = [[local c = optim.cbo{3, n = 5, runs = 2, seed = 1}
local X = c:ask()
assert(X:rows() == 10 and X:cols() == 3)]],
  see = {"optim.cbo:tell", "optim.cbo"},
})

def("optim.cbo:tell", {
  fn = cm.tell,
  sig = "alldone = c:tell(f)",
  summary = [[Hand in the objective values at the rows of the last ask() (a
vector or table of runs n numbers) and take one iteration: best points,
consensus points, particle moves, alpha schedule.  Returns true when every
run has stopped.  An error when all values of a run are NaN or +Inf, or a
value is -Inf.]],
  example = [[local c = optim.cbo{1, n = 4, seed = 2, iters = 1}
assert(c:tell({4, 1, 9, 16}) == true)
local x, f = c:best()
assert(f == 1)]],
  see = {"optim.cbo:ask", "optim.cbo:done"},
})

def("optim.cbo:done", {
  fn = cm.done,
  sig = "c:done() -> boolean",
  summary = [[True when every run has stopped (iters reached, f_tol or
x_tol met).]],
  example = [[local c = optim.cbo{1, iters = 2, seed = 1}
while not c:done() do c:tell(mat.zeros(20)) end
assert(c.it == 2)]],
  see = {"optim.cbo:tell"},
})

def("optim.cbo:best", {
  fn = cm.best,
  sig = "x, f = c:best([run])",
  summary = [[The best point seen (a d x 1 vector) and its value, of the
given run or, without one, the best over all runs.]],
  example = [[local c = optim.cbo{2, seed = 3, iters = 50}
while not c:done() do c:tell(optim.testfn.quadratic(c:ask())) end
local x, f = c:best()
assert(f < 0.01)]],
  see = {"optim.cbo:consensus", "optim.cbo:successes"},
})

def("optim.cbo:consensus", {
  fn = cm.consensus,
  sig = "c:consensus([run = 1]) -> x",
  summary = [[The consensus point of the last iteration (before the first,
the mean of the initial particles), a d x 1 vector.]],
  example = [[local c = optim.cbo{2, seed = 1, init = {1, 1}}
assert((c:consensus() - mat{1, 1}):norm() == 0)]],
  see = {"optim.cbo:best"},
})

def("optim.cbo:successes", {
  fn = cm.successes,
  sig = "c:successes(xstar [, tol = 0.25]) -> count",
  summary = [[The number of runs whose best point lies within tol of xstar in
the max norm (the success criterion of the CBO literature and of CBXpy).]],
  example = [[local c = optim.cbo{2, runs = 4, seed = 1, iters = 200, noise = "anisotropic"}
while not c:done() do c:tell(optim.testfn.ackley(c:ask())) end
assert(c:successes(mat.zeros(2)) == 4)]],
  see = {"optim.cbo", "optim.cbo:best"},
})

def("optim.cbo_minimize", {
  sig = "x, info = optim.cbo_minimize(f, d [, opts])",
  summary = [[Run optim.cbo on f until it stops and return the best point
seen (d x 1).  f(x) takes a d x 1 vector and returns a number; with
opts.batch = true, f(X) takes all particles (one per row) and returns their
values at once (much faster).  opts are those of optim.cbo, plus batch and
history.  info: f (best value), iters, evals, converged (stopped before
iters by f_tol or x_tol), consensus, time, history (best value per
iteration) when asked, and cbo (the object, for per-run results).]],
  example = [[local x, info = optim.cbo_minimize(function(v)
  return (v[1] - 1) ^ 2 + (v[2] + 1) ^ 2 end, 2,
  {seed = 4, n = 40, iters = 500, noise = "anisotropic"})
assert((x - mat{1, -1}):norm() < 0.02 and info.evals == 500 * 40)]],
  see = {"optim.cbo", "optim.minimize"},
})

local testfn = [[  x is a vector (one point) or a
matrix with one point per row (then f is a column of values and grad has
x's shape).]]

def("optim.testfn.rosenbrock", {
  sig = "f, grad = optim.testfn.rosenbrock(x)",
  summary = [[The Rosenbrock function sum_i 100 (x_{i+1} - x_i^2)^2 +
(1 - x_i)^2 (at least 2 coordinates) and its gradient; minimum 0 at
(1, ..., 1), at the end of a long curved valley.]] .. testfn,
  example = [[local f, g = optim.testfn.rosenbrock(mat{1, 1})
assert(f == 0 and g:norm() == 0)
assert(optim.testfn.rosenbrock(mat{0, 0}) == 1)]],
  see = {"optim.minimize", "optim.testfn.quadratic"},
})

def("optim.testfn.rastrigin", {
  sig = "f, grad = optim.testfn.rastrigin(x)",
  summary = [[The Rastrigin function 10 d + sum_j (x_j^2 - 10 cos(2 pi x_j)),
highly multimodal, global minimum 0 at the origin.  (CBXpy divides it by d;
its published CBO parameters then apply to f / d.)]] .. testfn,
  example = [[local f = optim.testfn.rastrigin(mat.zeros(20))
assert(f == 0)
assert(math.abs(optim.testfn.rastrigin(mat{1, 1}) - 2) < 1e-12)]],
  see = {"optim.cbo", "optim.testfn.ackley"},
})

def("optim.testfn.ackley", {
  sig = "f, grad = optim.testfn.ackley(x)",
  summary = [[The Ackley function -20 exp(-0.2 sqrt(mean x^2)) -
exp(mean cos(2 pi x)) + 20 + e, multimodal, global minimum 0 at the origin
(the gradient of the first term is taken as 0 there).]] .. testfn,
  example = [[local f = optim.testfn.ackley(mat.zeros(3))
assert(math.abs(f) < 1e-15)]],
  see = {"optim.cbo", "optim.testfn.rastrigin"},
})

def("optim.testfn.quadratic", {
  sig = "f, grad = optim.testfn.quadratic(x [, cond = 100])",
  summary = [[The ill-conditioned quadratic 1/2 sum_i lambda_i x_i^2 with
lambda_i = cond^((i-1)/(d-1)) log-spaced from 1 to cond (condition number
cond, axis-aligned), minimum 0 at the origin; grad = lambda .* x.]] .. testfn,
  example = [[local f, g = optim.testfn.quadratic(mat{1, 1, 1}, 1e4)
assert(f == 0.5 * (1 + 100 + 1e4) and g[3] == 1e4)]],
  see = {"optim.minimize", "optim.testfn.rosenbrock"},
})

def("optim.map8", {
  sig = "optim.map8([signed = true]) -> 256 x 1",
  summary = [[The dynamic map of the 8-bit states, ascending: signed (for
momenta) from -0.99296875 through 0 (code 127) to 1 (code 255); unsigned (for
second moments) from 0 to 1.  Entries are float32 values, dense near 1 and
spread over seven decades down to about 3e-7.]],
  example = [[local S = optim.map8(true)
assert(S[128] == 0 and S[256] == 1)]],
  see = {"optim.quantize8", "optim.adam8bit"},
})

def("optim.quantize8", {
  sig = "codes, absmax = optim.quantize8(x [, signed = true [, block = 2048]])",
  summary = [[Block-wise 8-bit quantization, as the 8-bit optimizers store
their states: absmax holds the float32 largest |x| of each block of `block`
elements (in storage order), codes the index (0..255) of the map entry
nearest to x/absmax (ties to the lower index; a negative value never takes
the zero code).  The unsigned map needs x >= 0.]],
  example = [[local x = mat{0.5, -1, 0.25, 2}
local c, a = optim.quantize8(x, true, 2)
local y = optim.dequantize8(c, a, true, 2)
assert(#a == 2 and a[2] == 2 and (y - x):norm() < 0.02)]],
  see = {"optim.dequantize8", "optim.map8"},
})

def("optim.dequantize8", {
  sig = "x = optim.dequantize8(codes, absmax [, signed = true [, block = 2048]])",
  summary = [[The inverse of optim.quantize8: x = map[code] * absmax of the
block, in the shape of codes.]],
  example = [[local c, a = optim.quantize8(mat{0.3, 0.6}, false)
local y = optim.dequantize8(c, a, false)
assert(math.abs(y[2] - 0.6) < 1e-7)]],
  see = {"optim.quantize8"},
})

def("optim.threads", {
  sig = "optim.threads([n]) -> n",
  summary = [[The number of threads an optimizer step may use (default: every
online CPU, at most 16); with n, sets it.  Tensors of at least 2^17 elements
are cut into that many contiguous pieces (whole blocks for the 8-bit
optimizers), one per thread, for the element-wise rules (SGD, Adam, AdamW,
Lion except K = "l2", Adan, EXAdam, the 8-bit optimizers) and the gradient
check.  The results do not depend on the count.  LAMB, AdamP, SGDP and
Lion-K "l2" stay on one thread.]],
  example = [[local before = optim.threads()
optim.threads(1)
assert(optim.threads() == 1)
optim.threads(before)]],
  see = {"optim:step"},
})

-- Help texts of nn (small dense networks) and of optim.kfac and optim.mkor,
-- the second-order optimizers built on nn networks.  docs/nn.md is the
-- guide; shared/methods/optimizers.md sections 10, 11 and 15 the method
-- specification.
local def = ...

-- reading the global nn loads the module (and with it optim.kfac and
-- optim.mkor, which lua/tycho/nn.lua adds to optim)
local precond_methods = nn.precond_methods

def("nn.mlp", {
  sig = "nn.mlp{sizes = {in, h1, ..., out}, act = \"tanh\", out_act = \"identity\", seed} -> net",
  summary = [[A dense feed-forward network: layer l computes
a_l = act(a_{l-1} W_l^T + b_l) with W_l (out x in) and b_l (out x 1), one sample
per row.  Hidden layers use act ("tanh", the default, "relu", "gelu" (the exact
erf form), "sigmoid" or "identity"), the last layer out_act (default
"identity": outputs are raw values or logits).  Weights start uniform on
[-r, r], Glorot r = sqrt(6 / (in + out)) for tanh, sigmoid and identity, He
r = sqrt(6 / in) for relu and gelu, drawn layer by layer in column-major order;
biases start at 0.  With seed the draws come from a generator seeded with it
(the same network on every machine); without, from the rand generator
(rand.seed makes them reproducible too).]],
  example = [[local net = nn.mlp{sizes = {2, 16, 16, 1}, act = "tanh", seed = 1}
assert(net:nparams() == 3 * 16 + 17 * 16 + 17)
local Y = net:forward(mat.randn(5, 2))
assert(Y:rows() == 5 and Y:cols() == 1)]],
  see = {"nn:forward", "nn:backward", "nn.load", "optim.kfac"},
})

def("nn.mse", {
  sig = "nn.mse(Y, T) -> loss, dY",
  summary = [[Mean squared error over a batch of B rows:
loss = sum_i ||y_i - t_i||^2 / (2B) (the Gaussian negative log-likelihood up
to a constant) and its gradient dY = (Y - T) / B, ready for net:backward.
torch's MSELoss (mean over all B * d elements, no 1/2) equals 2 loss / d.
Y and T must have the same shape and be finite.]],
  example = [[local loss, dY = nn.mse(mat{{1, 2}, {3, 5}}, mat{{0, 2}, {1, 1}})
assert(loss == (1 + 4 + 16) / 4)
assert(dY[{2, 2}] == 2)]],
  see = {"nn.cross_entropy", "nn:backward"},
})

def("nn.cross_entropy", {
  sig = "nn.cross_entropy(logits, labels) -> loss, dlogits",
  summary = [[Softmax cross-entropy, mean over the batch:
loss = mean_i (logsumexp(z_i) - z_i[label_i]) for logits Z (B x C, one sample
per row) and labels a vector (mat or table) of B class indices in 1..C.  The
gradient is (softmax(Z) - onehot(labels)) / B.  Computed with log-sum-exp, so
huge logits are safe.  Labels that are not integers in 1..C are an error.]],
  example = [[local loss, dZ = nn.cross_entropy(mat.zeros(2, 4), {1, 3})
assert(math.abs(loss - math.log(4)) < 1e-15)
assert(math.abs(dZ:sum()) < 1e-15)]],
  see = {"nn.mse", "nn:backward"},
})

def("nn.load", {
  sig = "nn.load(path) -> net | nil, message",
  summary = [[Read a network written by net:save.  The file is text: a header
("tycho-nn 1", "input <in>", one "dense <out> <activation>" line per layer,
"end") and then, per layer, W row by row (out lines of in numbers) and b (one
line), every number with 17 significant digits, so a round trip is exact.  A
missing, truncated or malformed file, or a non-finite number, gives nil and a
message.]],
  example = [[local net = nn.mlp{sizes = {2, 4, 1}, seed = 2}
local path = os.tmpname()
assert(net:save(path))
local back = assert(nn.load(path))
os.remove(path)
local X = mat.randn(3, 2)
assert((back:forward(X) - net:forward(X)):norm() == 0)]],
  see = {"nn:save", "nn.mlp"},
})

def("nn:forward", {
  sig = "net:forward(X) -> Y",
  summary = [[The network's outputs for the batch X (B x in, one sample per
row; B may be 0): a new B x out matrix.  The network keeps what the backward
pass and the K-FAC/MKOR statistics need: a copy of X and every layer's
outputs (and pre-activations for gelu).  X must be real and finite.]],
  example = [[local net = nn.mlp{sizes = {3, 5, 2}, act = "relu", seed = 1}
local Y = net:forward(mat.ones(4, 3))
assert(Y:rows() == 4 and Y:cols() == 2)]],
  see = {"nn:backward", "nn.mlp"},
})

def("nn:backward", {
  sig = "net:backward(dY)",
  summary = [[Back-propagate dY = d loss / d Y (the shape of the last
forward's output) through the last forward pass.  The gradients of every
parameter are overwritten, not accumulated: a second call with the same dY
gives the same gradients.  Each layer also keeps d loss / d z of its
pre-activations, which K-FAC and MKOR read at their next step.  dY must be
finite; a backward pass needs a forward pass first.]],
  example = [[local net = nn.mlp{sizes = {2, 4, 1}, seed = 1}
local X, T = mat.randn(8, 2), mat.randn(8, 1)
local loss, dY = nn.mse(net:forward(X), T)
net:backward(dY)
local g = net:grads()
assert(#g == 4 and g[1]:rows() == 4 and g[1]:cols() == 2)]],
  see = {"nn:grads", "nn.mse", "nn.cross_entropy"},
})

def("nn:params", {
  sig = "net:params() -> {W1, b1, W2, b2, ...}",
  summary = [[The network's parameters: per layer W (out x in) and b
(out x 1).  These are the live matrices, not copies: changing them changes the
network, so any optimizer's opt:step(net:params(), net:grads()) trains it in
place.  The list itself is new on each call.]],
  example = [[local net = nn.mlp{sizes = {2, 3, 1}, seed = 1}
local X = mat.ones(1, 2)
local y0 = net:forward(X)[1]
net:params()[4][1] = 10                    -- the output bias
assert(math.abs(net:forward(X)[1] - (y0 + 10)) < 1e-12)]],
  see = {"nn:grads", "optim.kfac"},
})

def("nn:grads", {
  sig = "net:grads() -> {gW1, gb1, gW2, gb2, ...}",
  summary = [[The gradients of the last backward pass, in the order and shapes
of net:params() (zeros before any backward pass).  Live matrices: the next
backward pass overwrites them.]],
  example = [[local net = nn.mlp{sizes = {2, 3, 1}, seed = 1}
local _, dY = nn.mse(net:forward(mat.ones(4, 2)), mat.zeros(4, 1))
net:backward(dY)
local g, p = net:grads(), net:params()
assert(#g == #p and g[3]:rows() == p[3]:rows())]],
  see = {"nn:params", "nn:backward"},
})

def("nn:nparams", {
  sig = "net:nparams() -> n",
  summary = [[The number of parameters, sum over layers of (in + 1) * out.]],
  example = [[assert(nn.mlp{sizes = {2, 64, 64, 1}}:nparams() == 4417)]],
  see = {"nn:sizes"},
})

def("nn:sizes", {
  sig = "net:sizes() -> {in, h1, ..., out}",
  summary = [[The layer sizes, as given to nn.mlp.]],
  example = [[local s = nn.mlp{sizes = {2, 8, 1}}:sizes()
assert(#s == 3 and s[2] == 8)]],
  see = {"nn:acts", "nn.mlp"},
})

def("nn:acts", {
  sig = "net:acts() -> {act1, ..., actL}",
  summary = [[Each layer's activation name; the last is the output
activation.]],
  example = [[local a = nn.mlp{sizes = {2, 8, 1}, act = "gelu"}:acts()
assert(a[1] == "gelu" and a[2] == "identity")]],
  see = {"nn:sizes", "nn.mlp"},
})

def("nn:save", {
  sig = "net:save(path) -> true | nil, message",
  summary = [[Write the network (architecture and parameters, exactly) to a
text file nn.load reads back; see nn.load for the format.  Failure to open or
write the file gives nil and a message.]],
  example = [[local net = nn.mlp{sizes = {1, 2, 1}, seed = 3}
local path = os.tmpname()
assert(net:save(path) == true)
local f = io.open(path); local head = f:read("l"); f:close()
os.remove(path)
assert(head == "tycho-nn 1")]],
  see = {"nn.load"},
})

def("optim.kfac", {
  sig = "optim.kfac(net, {lr = 0.1, momentum = 0.9, base, damping = 1e-3, ...}) -> opt",
  summary = [[K-FAC (Martens and Grosse; kfac-pytorch semantics) for an nn
network.  Each layer's Fisher block is approximated by A (x) G, A = E[a a^T] of
the layer inputs with a 1 appended, G = E[g g^T] of the gradients with respect
to its pre-activations, running averages from I (factor_decay 0.95, updated
every factor_every = 1 steps); every inv_every = 1 steps they are
eigendecomposed (method "eigen": V solves (A (x) G + damping I) vec V =
vec grad) or inverted with damping ("inverse", or "factored" Tikhonov
damping).  The result is scaled by the KL clip nu = min(1, sqrt(kl_clip /
|sum lr^2 <V, grad>|)) (kl_clip 1e-3; 0 turns it off) and handed to the base
optimizer, by default optim.sgd{lr, momentum, weight_decay} (lr 0.1,
momentum 0.9); or pass any optimizer as base.  opt:step([loss]) uses the
network's last forward and backward passes: call it right after
net:backward.  G comes from the training loss's own gradients (fisher =
"empirical", the reference), or with fisher = "sampled" from a second
backward pass with targets drawn from the model (loss = "mse": y ~ N(output,
I); "ce": y ~ softmax(output)), seeded by seed; g_scale = "batch" multiplies
the output gradients by B (the per-sample scale, where damping keeps its
meaning).  Fields: opt.t, opt.nu, opt.missing_stats, opt.lr (the base's),
every option (settable between steps; method only before the first).]],
  example = [[local net = nn.mlp{sizes = {2, 16, 1}, act = "tanh", seed = 1}
local X = mat.randn(64, 2)
local T = X:col(1):emul(X:col(2))
local opt = optim.kfac(net, {lr = 0.1, fisher = "sampled", g_scale = "batch",
                             seed = 1})
local first
for it = 1, 50 do
  local loss, dY = nn.mse(net:forward(X), T)
  net:backward(dY)
  opt:step()
  first = first or loss
end
assert(nn.mse(net:forward(X), T) < 0.1 * first)]],
  see = {"optim.mkor", "optim.kfac:step", "nn.mlp"},
})

def("optim.mkor", {
  sig = "optim.mkor(net, {lr = 0.1, momentum = 0.9, base, inv_freq = 10, hybrid = false, ...}) -> opt",
  summary = [[MKOR (Mozaffari et al., NeurIPS 2023; the released code's
update): K-FAC-like preconditioning whose factor inverses are updated by
rank-1 Sherman-Morrison steps, every inv_freq = 10 steps (and every step
during warmup_steps = 0), from the batch means of the inputs (with a 1
appended) and of B times the output gradients, each clipped to
[-clip, clip] (clip 100): with J = gamma F + (1 - gamma) I (stat_decay
gamma = 0.95), F becomes (J^-1 + x x^T)^-1 (variant "code"; "ema" is the
exact inverse of the running average with the paper's stabilizer).  A factor
with an entry above reset_threshold = 2 (or non-finite) goes back to I.  The
first factor step only initializes (F = I).  Each layer's gradient N becomes
Linv N Rinv rescaled to the norm of N and goes to the base optimizer
(default optim.sgd{lr = 0.1, momentum = 0.9}).  hybrid = true gives MKOR-H:
opt:step(loss) keeps a running mean of the loss (loss_decay 0.98) and, when
its decrease over a window (switch_window, default 10 inv_freq steps) falls
below switch_ratio = 0.1 of the best rate for switch_patience = 2 windows,
switches for good to plain first-order steps; force_switch = true switches at
once.  Fields: opt.t, opt.resets, opt.switched, opt.missing_stats, opt.lr.]],
  example = [[local net = nn.mlp{sizes = {2, 16, 1}, act = "tanh", seed = 1}
local X = mat.randn(64, 2)
local T = X:col(1):emul(X:col(2))
local opt = optim.mkor(net, {lr = 0.05, hybrid = true})
local first
for it = 1, 100 do
  local loss, dY = nn.mse(net:forward(X), T)
  net:backward(dY)
  opt:step(loss)
  first = first or loss
end
assert(nn.mse(net:forward(X), T) < 0.5 * first)]],
  see = {"optim.kfac", "optim.kfac:step"},
})

def("optim.kfac:step", {
  fn = precond_methods.step,
  sig = "opt:step([loss])",
  summary = [[One K-FAC or MKOR step: read the statistics of the network's last
forward and backward passes (on the steps the schedule updates factors),
precondition the gradients of net:grads() and call
base:step(net:params(), preconditioned) so the network is updated in place.
loss (a number) feeds MKOR-H.  If no backward pass followed the last forward
pass, or the previous step already used its statistics, a factor update is
skipped and opt.missing_stats counts it.  Non-finite statistics or gradients
are an error and change nothing.]],
  example = [[local net = nn.mlp{sizes = {1, 1}, act = "identity", seed = 1}
local opt = optim.kfac(net, {lr = 0.1})
local _, dY = nn.mse(net:forward(mat{{1}, {2}}), mat{{2}, {4}})
net:backward(dY)
opt:step()
assert(opt.t == 1)]],
  see = {"optim.kfac", "optim.mkor"},
})

def("optim.kfac:precondition", {
  fn = precond_methods.precondition,
  sig = "opt:precondition(l, N) -> V",
  summary = [[Layer l's current preconditioner applied to N = [gW | gb]
(out x (in + 1)): K-FAC's damped Kronecker solve, or MKOR's Linv N Rinv,
without the KL clip or the norm rescaling.  Changes nothing.]],
  example = [[local net = nn.mlp{sizes = {2, 1}, seed = 1}
local opt = optim.mkor(net, {lr = 0.1})
local N = mat{{1, 2, 3}}
assert((opt:precondition(1, N) - N):norm() == 0)   -- fresh MKOR: identity]],
  see = {"optim.kfac:factors"},
})

def("optim.kfac:factors", {
  fn = precond_methods.factors,
  sig = "opt:factors(l) -> A, G",
  summary = [[Copies of layer l's factors: K-FAC's running A ((in + 1) x
(in + 1)) and G (out x out); for MKOR the inverses Rinv and Linv.]],
  example = [[local net = nn.mlp{sizes = {2, 3}, seed = 1}
local A, G = optim.kfac(net, {lr = 0.1}):factors(1)
assert(A:rows() == 3 and G:rows() == 3 and A[1] == 1)]],
  see = {"optim.kfac:set_factors"},
})

def("optim.kfac:set_factors", {
  fn = precond_methods.set_factors,
  sig = "opt:set_factors(l, A, G)",
  summary = [[Replace layer l's factors (shapes as opt:factors returns them).
K-FAC recomputes their eigendecompositions or damped inverses at once; MKOR
takes them as Rinv and Linv and clears the layer's reset flags.  For
experiments and tests: with factor_decay = 1 K-FAC keeps them.]],
  example = [[local net = nn.mlp{sizes = {2, 1}, seed = 1}
local opt = optim.kfac(net, {lr = 0.1, damping = 1e-12})
opt:set_factors(1, mat.eye(3) * 2, mat.eye(1))
local V = opt:precondition(1, mat{{2, 4, 6}})
assert((V - mat{{1, 2, 3}}):norm() < 1e-9)]],
  see = {"optim.kfac:factors"},
})

def("optim.kfac:reset", {
  fn = precond_methods.reset,
  sig = "opt:reset()",
  summary = [[Back to the state after creation: factors I, t = 0, counters
and MKOR-H's state cleared (options kept); the base optimizer is reset
too.]],
  example = [[local net = nn.mlp{sizes = {2, 1}, seed = 1}
local opt = optim.mkor(net, {lr = 0.1})
net:backward(select(2, nn.mse(net:forward(mat.ones(2, 2)), mat.zeros(2, 1))))
opt:step()
opt:reset()
assert(opt.t == 0)]],
  see = {"optim.kfac"},
})

def("optim.kfac:state_bytes", {
  fn = precond_methods.state_bytes,
  sig = "opt:state_bytes() -> n",
  summary = [[Bytes of optimizer state: K-FAC keeps per layer A, G, their
eigenvectors (or inverses) and eigenvalues; MKOR only Rinv and Linv; plus the
base optimizer's state.]],
  example = [[local net = nn.mlp{sizes = {3, 2}, seed = 1}
local opt = optim.mkor(net, {base = {lr = 1, step = function() end}})
assert(opt:state_bytes() == 8 * (16 + 4))]],
  see = {"optim.kfac"},
})

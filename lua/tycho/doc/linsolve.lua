-- Help texts of linsolve: iterative linear solvers and learned relaxation.
-- The guide is docs/linsolve.md.  Methods of tuners are named
-- "linsolve.tuner:<method>" and written t:<method> in signatures.
local def = ...

local _ = linsolve                     -- load the module (its tuner type)
local tuner_mt = debug.getregistry()["tycho.tuner"]
local tm = type(tuner_mt) == "table" and rawget(tuner_mt, "__methods") or {}

def("linsolve.cg", {
  sig = "linsolve.cg(A, b [, opts]) -> x, info",
  summary = [[Conjugate gradients for A x = b with A symmetric positive
definite: a sparse matrix, a dense mat (or table of rows), or a function
v -> A v.  Options: tol = 1e-8 (stop as soon as ||b - A x|| / ||b|| < tol,
tested after every iteration; the recursive residual is confirmed by a true
one), maxiter = 10 n, x0 (start, default 0), M (preconditioner: "jacobi",
"ssor" with omega = 1, "ic0" for zero-fill incomplete Cholesky, or a
function r -> M^-1 r), history = true to get info.history (the relative
residual after each iteration).  One iteration is one product with A.
info has iters, converged, resid (the true ||b - A x|| / ||b||), time in
seconds; when A (or M) turns out not to be positive definite (p'Ap <= 0),
CG stops and says so with info.breakdown = true and info.reason, converged
= false.  b = 0 gives x = 0 after 0 iterations.  Counts match
scipy.sparse.linalg.cg to within one iteration.]],
  example = [[local A = sparse.laplacian(20, 20)
local b = mat.ones(400)
local x, info = linsolve.cg(A, b, {M = "ic0"})
assert(info.converged and info.resid < 1e-8)
assert((A * x - b):norm() / b:norm() < 1e-8)
local _, plain = linsolve.cg(A, b)
assert(info.iters < plain.iters)]],
  see = {"linsolve.ssor_cg", "linsolve.sor", "linsolve.preconditioner"},
})

def("linsolve.ssor_cg", {
  sig = "linsolve.ssor_cg(A, b [, opts]) -> x, info",
  summary = [[CG preconditioned by SSOR with relaxation factor opts.omega
(default 1, symmetric Gauss-Seidel), M = (D + w U) D^-1 (D + w L) / (w (2 -
w)) with D, L, U the diagonal and strict triangles of A.  The same as
linsolve.cg(A, b, {M = "ssor", omega = w}); the other options are cg's.
A good omega cuts the iterations of plain CG several times on Laplacians;
omega outside (0, 2) is an error.  info.omega is the factor used.]],
  example = [[local A = sparse.laplacian(30, 30)
local b = mat.ones(900)
local _, plain = linsolve.cg(A, b)
local x, info = linsolve.ssor_cg(A, b, {omega = 1.7})
assert(info.converged and info.iters < plain.iters / 2)]],
  see = {"linsolve.cg", "linsolve.tuner"},
})

def("linsolve.sor", {
  sig = "linsolve.sor(A, b [, opts]) -> x, info",
  summary = [[Successive over-relaxation: forward sweeps over the rows of A
(sparse or dense, nonzero diagonal) in storage order, x_i <- (1 - w) x_i +
w (b_i - sum_{j != i} a_ij x_j) / a_ii, reading the new values of earlier
rows.  omega = 1 (Gauss-Seidel) is the default; it must lie in (0, 2).  One
iteration is one sweep; the true residual ||b - A x|| / ||b|| is computed
after every sweep (in the same pass over A) and the iteration stops as soon
as it is below tol.  Options: omega = 1, tol = 1e-8, maxiter = 10000, x0,
history.  info: iters, converged, resid, time, omega.  A zero diagonal
entry is an error.]],
  example = [[local A = sparse.laplacian(10, 10)
local b = mat.ones(100)
local _, gs = linsolve.sor(A, b)
local x, info = linsolve.sor(A, b, {omega = linsolve.omega_opt(A)})
assert(info.converged and info.iters < gs.iters / 4)]],
  see = {"linsolve.omega_opt", "linsolve.tuner"},
})

def("linsolve.omega_opt", {
  sig = "linsolve.omega_opt(A [, opts]) -> omega, info",
  summary = [[Young's optimal SOR factor 2 / (1 + sqrt(1 - beta^2)) from the
spectral radius beta of the Jacobi iteration I - D^-1 A, found by Lanczos
on the symmetric I - D^-1/2 A D^-1/2 (both ends of its spectrum) to a
residual of 1e-11.  The formula is exact for consistently ordered matrices
such as the 5-point Laplacian in natural order, and a good guess for other
SPD matrices.  A must be symmetric with a positive diagonal; beta >= 1 is
an error.  opts.maxiter caps the Lanczos steps (default 10000).  info:
beta, omega_opt, method = "lanczos", iters, converged.]],
  example = [[local w, info = linsolve.omega_opt(sparse.laplacian(10, 10))
assert(math.abs(w - 2 / (1 + math.sin(math.pi / 11))) < 1e-12)
assert(math.abs(info.beta - math.cos(math.pi / 11)) < 1e-12)]],
  see = {"linsolve.sor"},
})

def("linsolve.preconditioner", {
  sig = "linsolve.preconditioner(A, kind [, opts]) -> function",
  summary = [[The preconditioner cg builds for M = kind ("jacobi", "ssor"
with opts.omega = 1, or "ic0"), as a function r -> M^-1 r, to inspect it or
to reuse one factorization across solves (pass it as opts.M).  A is sparse
or dense; an IC(0) factorization that meets a nonpositive pivot is an
error.]],
  example = [[local A = sparse.laplacian(5, 5)
local M = linsolve.preconditioner(A, "ssor", {omega = 1.2})
local z = M(mat.ones(25))
assert(z:rows() == 25)
local x, info = linsolve.cg(A, mat.ones(25), {M = M})
assert(info.converged)]],
  see = {"linsolve.cg"},
})

def("linsolve.tuner", {
  sig = "linsolve.tuner{method, omegas, context, solver, tol, maxiter, seed, ...} -> t",
  summary = [[An online learner of the relaxation factor over a sequence of
systems, from iteration counts alone ("Learning to Relax", Khodak et al.,
ICLR 2024).  method = "tsallis" (Tsallis-INF bandit, approaches the best
fixed omega), "chebcb" (contextual: Chebyshev regression of the cost in a
context number with inverse-gap-weighted exploration, approaches the
best omega for each context) or "tsallis_cb" (an independent Tsallis-INF
per context bin).  omegas: the factors to choose from (default 1, 1.05,
..., 1.95); context = {lo, hi} (required by the contextual methods);
solver = "sor" or "ssor_cg"; tol = 1e-8, maxiter = 10000 (a solve that
does not converge costs maxiter); seed (default: drawn from rand, so
rand.seed fixes it); normaliser = "exact" or "reference" (the published
code's Newton iteration, for comparison); basis = 6 (Chebyshev functions,
chebcb); bins = 5 (tsallis_cb).  Use t:solve, or t:choose and t:update.]],
  example = [[local inst = linsolve.relax_instances{T = 30, seed = 1}
local t = linsolve.tuner{method = "chebcb", context = inst.context, seed = 5}
for k = 1, inst.T do
  local A, b, c = inst:get(k)
  local x, info = t:solve(A, b, c)
  assert(info.converged and info.omega == info.omega)
end
assert(t:stats().rounds == 30)]],
  see = {"linsolve.tuner:solve", "linsolve.relax_instances"},
})

def("linsolve.tuner:solve", {
  fn = tm.solve,
  sig = "t:solve(A, b [, c [, opts]]) -> x, info",
  summary = [[Choose omega (from context c for the contextual methods),
solve A x = b with the tuner's solver, learn from the iteration count, and
return x and the solver's info with omega and arm (1-based index into the
factors) added.  opts: x0, history.]],
  example = [[local t = linsolve.tuner{seed = 1}
local A = sparse.laplacian(8, 8)
local x, info = t:solve(A, mat.ones(64))
assert(info.converged and info.arm >= 1 and info.arm <= 20)]],
  see = {"linsolve.tuner:choose", "linsolve.tuner:stats"},
})

def("linsolve.tuner:choose", {
  fn = tm.choose,
  sig = "t:choose([c]) -> omega, arm",
  summary = [[Draw the factor for the next system (for context c with the
contextual methods), to run any solver yourself; report its iteration count
with t:update(arm, iters) before the next choice.  Choosing again before an
update replaces the pending choice.]],
  example = [[local t = linsolve.tuner{method = "tsallis_cb", context = {0, 1}, seed = 2}
local omega, arm = t:choose(0.3)
local _, info = linsolve.sor(sparse.laplacian(6, 6), mat.ones(36), {omega = omega})
t:update(arm, info.iters)
assert(t:stats().rounds == 1)]],
  see = {"linsolve.tuner:update"},
})

def("linsolve.tuner:update", {
  fn = tm.update,
  sig = "t:update(arm, iters) -> t",
  summary = [[Learn the cost (iteration count, clamped to at least 1) of
the pending choice; arm must be the one t:choose returned.]],
  example = [[local t = linsolve.tuner{omegas = {1.2, 1.6}, seed = 3}
local _, arm = t:choose()
t:update(arm, 40)
assert(t:stats().total_iters == 40)]],
  see = {"linsolve.tuner:choose"},
})

def("linsolve.tuner:stats", {
  fn = tm.stats,
  sig = "t:stats() -> table",
  summary = [[What the tuner has learnt: rounds, pulls (plays per factor),
total_iters, mean_iters, probs (the probabilities of the last choice),
omegas, seed, and the history: arms, iters and contexts (vectors, one entry
per round).  Tsallis-INF adds eta; tsallis_cb bin_probs; ChebCB eta,
theta (factors x basis coefficients), scale, clamped (contexts outside the
interval) and box_refits.]],
  example = [[local t = linsolve.tuner{omegas = {1, 1.5}, seed = 4}
for k = 1, 20 do
  local _, arm = t:choose()
  t:update(arm, arm == 2 and 10 or 30)
end
local s = t:stats()
assert(s.rounds == 20 and s.pulls[1] + s.pulls[2] == 20)
assert(math.abs(s.probs[1] + s.probs[2] - 1) < 1e-12)]],
  see = {"linsolve.tuner"},
})

def("linsolve.relax_instances", {
  sig = "linsolve.relax_instances{n = 10, T = 5000, variance = \"high\", seed} -> inst",
  summary = [[The instance sequence of "Learning to Relax": A_t = A0 + c_t I
with A0 the 5-point Laplacian of an n x n grid (natural order), shifts
c_t = -0.15 + 0.6 Beta(a, b) with (a, b) = (0.5, 1.5) for variance = "high"
and (2, 6) for "low" (opts.beta = {a, b} for others), and right sides b_t
standard normal redrawn until ||b_t|| <= n.  inst has A0, shifts (T x 1),
B (n^2 x T, the right sides as columns), T, n, seed, context = {-0.15,
0.65} (the tuners' interval) and methods inst:get(t) -> A, b, c,
inst:matrix(t), inst:rhs(t).  Each instance draws its shift, then its right
side, from a generator seeded with seed (default: drawn from rand).]],
  example = [[local inst = linsolve.relax_instances{n = 10, T = 100, variance = "low", seed = 1}
assert(inst.shifts:min() >= -0.15 and inst.shifts:max() <= 0.45)
local A, b, c = inst:get(3)
assert(A[{1, 1}] == 4 + c and b:norm() <= 10)]],
  see = {"linsolve.cost_table", "linsolve.run_sequence"},
})

def("linsolve.heat_instances", {
  sig = "linsolve.heat_instances{nx = 50, T = 5000, dt = 1e-3} -> inst",
  summary = [[The second instance family of "Learning to Relax" (spec 4.2):
Crank-Nicolson steps of the heat equation u_t = kappa(t) laplacian(u) + f
on the unit square with zero Dirichlet boundary, nx grid intervals, (nx -
1)^2 unknowns (point k = (j - 1)(nx - 1) + i is (i/nx, j/nx)), kappa(t) =
max(0.1 sin 2 pi t, -10 sin 2 pi t), forcing 32 bump(x; (1/2 + cos(16 pi
t)/4, 1/2 + sin(16 pi t)/4), 1/8), initial value bump(x; (1/2, 1/2), 1/4)
with bump(x; c, r) = exp(1 - 1/(1 - |x - c|^2/r^2)) inside the disc and 0
outside.  inst:system(k, u) -> A, b, kappa gives step k (from (k - 1) dt to
k dt) from the grid values u: A = I - kappa dt/2 laplacian (SPD, sparse),
b = (I + kappa dt/2 laplacian) u + dt f, kappa = kappa((k - 1/2) dt), the
context of a contextual tuner; each step depends on the last solution, so
the sequence is solved in order, warm-started (x0 = u).  inst has nx, n,
T, dt, dx, u0, kappas (T x 1), context = {min, max} of kappa over the
run, L0 (the 5-point Laplacian with 4 on the diagonal, unscaled) and
inst:forcing(t).]],
  example = [[local inst = linsolve.heat_instances{nx = 10, T = 20}
local t = linsolve.tuner{method = "chebcb", context = inst.context, solver = "ssor_cg", seed = 1}
local u = inst.u0
for k = 1, inst.T do
  local A, b, kappa = inst:system(k, u)
  local x, info = t:solve(A, b, kappa, {x0 = u})
  assert(info.converged)
  u = x
end
assert(u:rows() == 81 and t:stats().rounds == 20)]],
  see = {"linsolve.relax_instances", "linsolve.tuner", "linsolve.ssor_cg"},
})

def("linsolve.cost_table", {
  sig = "linsolve.cost_table(inst, omegas [, opts]) -> C, Copt",
  summary = [[The cost table of an instance sequence: C[t][j] = SOR
iterations of instance t with factor omegas[j] (a table or vector, default
1, 1.05, ..., 1.95), maxiter for a solve that does not converge.  With
opts.opt = true, Copt[t] is the cost of SOR at omega_opt(A_t).  opts: tol =
1e-8, maxiter = 10000, solver = "sor" or "ssor_cg".  A learner only sees the
cost of the factor it plays, so feeding it C[t][arm] through t:choose and
t:update is the same as solving online, and every policy sees the same
instances.]],
  example = [[local inst = linsolve.relax_instances{T = 5, seed = 1}
local C = linsolve.cost_table(inst, {1, 1.5})
assert(C:rows() == 5 and C:cols() == 2)
assert(C[{1, 2}] < C[{1, 1}])]],
  see = {"linsolve.relax_instances", "linsolve.run_sequence"},
})

def("linsolve.run_sequence", {
  sig = "linsolve.run_sequence(inst, t) -> costs, arms",
  summary = [[Solve every instance of inst in order with tuner t (the shift
c_t as context), returning the iteration counts and the arms played as
T x 1 vectors.]],
  example = [[local inst = linsolve.relax_instances{T = 10, seed = 2}
local t = linsolve.tuner{seed = 1}
local costs, arms = linsolve.run_sequence(inst, t)
assert(costs:rows() == 10 and t:stats().rounds == 10)]],
  see = {"linsolve.tuner", "linsolve.cost_table"},
})

def("linsolve.tsallis_weights", {
  sig = "linsolve.tsallis_weights(L, eta [, \"exact\"|\"reference\"]) -> w, x, steps",
  summary = [[The Tsallis-INF weights w_i = 4 / (eta (L_i - x))^2 of the
normalised cumulative losses L, with the normaliser x < min L solved so
that sum w = 1 to 1e-12 (Newton from min L - 2/eta, bisection as a
safeguard); "reference" repeats the published code's 20 Newton steps from
x = -1, whose weights need not sum to 1 once the losses grow.  Tuners use
it with eta = 2/sqrt(t); exposed for checking.]],
  example = [[local w, x = linsolve.tsallis_weights({0, 3, 10}, 0.5)
assert(math.abs(w:sum() - 1) < 1e-12 and x < 0)
assert(w[1] > w[2] and w[2] > w[3])]],
  see = {"linsolve.tuner"},
})

def("linsolve.chebyshev", {
  sig = "linsolve.chebyshev(u, m) -> phi",
  summary = [[The m x 1 vector of Chebyshev polynomials T_0(u), ...,
T_{m-1}(u), the features ChebCB regresses the cost on (u is the context
mapped to [-1, 1]).]],
  example = [[local phi = linsolve.chebyshev(math.cos(0.3), 6)
assert(math.abs(phi[6] - math.cos(5 * 0.3)) < 1e-14)]],
  see = {"linsolve.tuner"},
})

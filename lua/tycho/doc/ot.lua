-- Help texts of ot: optimal transport.  The guide is docs/ot.md.
local def = ...

def("ot.cost", {
  sig = "ot.cost(X [, Y] [, metric = \"sqeuclidean\"]) -> C",
  summary = [[The n x m cost matrix between the points of X (n x d, one
point per row) and of Y (m x d): metric "sqeuclidean" gives ||x_i - y_j||^2
(no 1/2 factor, as POT's ot.dist), "euclidean" ||x_i - y_j||, "cityblock"
sum_k |x_ik - y_jk|.  Without Y the points of X are used twice and the
diagonal is exactly 0 (ot.cost(X, "cityblock") works too).  Squared
distances are computed as ||x||^2 + ||y||^2 - 2 x.y by one matrix product
after subtracting the common mean of the two clouds, clamped at 0.  A vector
or a table of numbers is a cloud of points on a line.]],
  example = [[local X = mat{{0, 0}, {1, 0}}
local Y = mat{{0, 1}, {3, 4}}
local C = ot.cost(X, Y)
assert(C[{1, 1}] == 1 and C[{1, 2}] == 25 and C[{2, 2}] == 20)
assert(ot.cost(X, Y, "euclidean")[{1, 2}] == 5)
assert(ot.cost({0, 1, 3}, "cityblock")[{1, 3}] == 3)]],
  see = {"ot.sinkhorn", "ot.emd"},
})

def("ot.sinkhorn", {
  sig = "ot.sinkhorn(a, b, C, eps [, opts]) -> P, info",
  summary = [[Entropic optimal transport by Sinkhorn's algorithm: the plan P
(n x m) minimising <C,P> + eps sum P log P with row sums a (n weights) and
column sums b (m weights); eps is POT's reg.  a and b are vectors or tables
(nil: uniform), nonnegative, with sums that agree to a relative 1e-6 (b is
then rescaled to the sum of a); C is finite; eps > 0.  Options: tol = 1e-9
(stop when the marginal error ||P1 - a||_1 + ||P'1 - b||_1 <= tol, checked
after every sweep), maxiter = 100000 sweeps, method = "auto" (the scaling
form with BLAS-speed sweeps when range(C)/eps <= 100, else the log-domain
form, which stays exact at any eps; a scaling run that leaves the safe range
switches to the log form), "scaling" or "log"; err_norm = "pot" stops by
POT's rule (the 2-norm of the column error, checked every 10 sweeps, so
info.iters - 1 equals POT's niter); f, g = warm-start potentials; threads =
the number of CPUs (at most 8); history = true adds info.history (the
marginal error after each sweep) and info.dual_history.  info has iters, converged, stop_reason ("tol",
"maxiter", "stalled": neither the error nor the dual progressed in 100
sweeps, "numerical": a forced
scaling run overflowed), err (of the returned P), cost <C,P>, objective
(with the entropy term), dual (the dual value, equal to objective at
convergence), f and g (potentials: P_ij = exp((f_i + g_j - C_ij)/eps); -inf
for atoms of zero weight), method and time.  Reaching maxiter is not an
error: converged is false.]],
  example = [[local C = mat{{0, 1}, {1, 0}}
local P, info = ot.sinkhorn({0.5, 0.5}, {0.5, 0.5}, C, 0.5)
local q = 1 / (2 * (1 + math.exp(-1 / 0.5)))     -- the closed form
assert(math.abs(P[{1, 1}] - q) < 1e-12 and info.converged)
assert(math.abs(info.objective - info.dual) < 1e-12)]],
  see = {"ot.sns", "ot.emd", "ot.cost"},
})

def("ot.sns", {
  sig = "ot.sns(a, b, C, eps [, opts]) -> P, info",
  summary = [[Entropic optimal transport, as ot.sinkhorn, by
Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024): a few Sinkhorn sweeps, then
Newton steps on the dual whose Hessian keeps only the large entries of P
(exact diagonal blocks), solved by conjugate gradients on its Schur
complement or by a Cholesky factorisation, with a line search on the exact
increment of the dual and a Sinkhorn sweep as fallback.  At small eps, where
Sinkhorn needs thousands of sweeps, it reaches machine-precision marginals
in a few tens of iterations.  Options: tol = 1e-12, maxiter = 200 Newton
steps, warmup = 20 sweeps, sparsify = "mass" (per row, drop the smallest
entries whose total is at most masstol * min(1, err) of the row sum; masstol
= 1e-2) or "topk" (keep the lambda n m largest entries, lambda = 2/n,
doubled after a poor step when adapt = true), solver = "auto" (CG, factoring
when CG stalls and the smaller side has at most 1000 atoms), "cg" or
"chol", continuation = false (true: solve at eps 10^J, ..., eps 10, eps in
turn, each from the last, the coarse levels to 1e-6; robust when range(C) /
eps is 10^4 or more), f, g, threads, history.  info adds to ot.sinkhorn's fields
newton_iters, sinkhorn_iters (warm-up and fallbacks), fallbacks, cg_iters,
nnz (entries kept in the last Newton step), time_warmup and time_newton
(the rest of time); iters counts both kinds of iteration.  With history =
true, also alpha_history, nnz_history and cg_history: the step length,
the kept entries of P and the CG iterations of each Newton step.]],
  example = [[rand.seed(1)
local C = mat.rand(60, 60)
local P, info = ot.sns(nil, nil, C, 1 / 1200)
assert(info.converged and info.err < 1e-12)
assert(info.newton_iters < 40)
assert(ot.marginal_err(P) < 1e-12)]],
  see = {"ot.sinkhorn", "ot.emd"},
})

def("ot.emd", {
  sig = "ot.emd(a, b, C [, opts]) -> P, cost, info",
  summary = [[Exact optimal transport (the earth mover's distance): the plan P
minimising <C,P> with row sums a and column sums b, with the same rules for
a, b and C as ot.sinkhorn, by the network simplex on the bipartite graph
(north-west-corner start, block pricing, strongly feasible pivots).  P has at
most n + m - 1 nonzeros; cost = <C,P>.  Options: maxiter = max(100000,
100 (n + m)) pivots.  info has iters (pivots), converged (false when maxiter
stopped it), cost, time, and duals u, v with u_i + v_j <= C_ij, equality
where P > 0, and <a,u> = <b,v> (POT's center_dual), so <a,u> + <b,v> =
cost.  Like POT's ot.emd.]],
  example = [[local C = mat{{1, 2}, {2, 1}}
local P, cost = ot.emd({0.5, 0.5}, {0.5, 0.5}, C)
assert(cost == 1 and P[{1, 2}] == 0)
local _, _, info = ot.emd(nil, nil, mat{{3, 1}, {1, 3}})
assert(math.abs(info.u:sum() / 2 + info.v:sum() / 2 - 1) < 1e-15)]],
  see = {"ot.sinkhorn", "ot.sns"},
})

def("ot.marginal_err", {
  sig = "ot.marginal_err(P [, a [, b]]) -> err",
  summary = [[||P 1 - a||_1 + ||P' 1 - b||_1, the marginal error of any plan
P against row weights a and column weights b (nil: uniform); the measure
info.err of ot.sinkhorn and ot.sns.]],
  example = [[assert(ot.marginal_err(mat{{0.5, 0}, {0, 0.5}}) == 0)
assert(ot.marginal_err(mat{{1, 0}, {0, 0}}, {0.5, 0.5}, {1, 0}) == 1)]],
  see = {"ot.sinkhorn"},
})

def("ot.entropy", {
  sig = "ot.entropy(P) -> h",
  summary = [[The entropy -sum P_ij log P_ij of a plan (zero entries count 0),
so the entropic objective is <C,P> - eps * ot.entropy(P).]],
  example = [[assert(math.abs(ot.entropy(mat{{0.5, 0}, {0, 0.5}}) - math.log(2))
       < 1e-15)]],
  see = {"ot.sinkhorn"},
})

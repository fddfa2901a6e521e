"""bench/linsolve_scipy.py: the SciPy side of bench/linsolve.lua (issue 5).

    /usr/bin/python3 bench/linsolve_scipy.py N REPS SOR_OMEGA SOR_ITERS

Builds the 5-point Laplacian of an N x N grid (the same matrix as tycho's
sparse.laplacian(N, N): 4 on the diagonal, -1 for each neighbour, x fastest)
and prints one line per case:  name <TAB> seconds <TAB> iterations <TAB> check
where seconds is the best of REPS runs (noise on a shared machine only ever
adds time) and check a number both sides must agree on.

  cg          scipy.sparse.linalg.cg, b = ones, tol 1e-8 relative to ||b||;
              seconds per iteration, iterations counted by the callback
  sor_tri     one SOR iteration as a SciPy user writes it with a sparse
              triangular solve: r = b - A x; x += spsolve_triangular(D/w + L, r)
  sor_splu    the same iteration with the triangular matrix factored once by
              SuperLU (natural order, no pivoting) and lu.solve per sweep, the
              fastest SOR iteration we know how to write with SciPy
"""
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla


def laplacian(n):
    t = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
    i = sp.identity(n)
    return (sp.kron(i, t) + sp.kron(t, i)).tocsr()


def best(f, reps):
    times = []
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    n, reps = int(sys.argv[1]), int(sys.argv[2])
    omega, sweeps = float(sys.argv[3]), int(sys.argv[4])
    A = laplacian(n)
    N = A.shape[0]
    b = np.ones(N)
    bnorm = np.linalg.norm(b)

    def run_cg():
        count = [0]

        def cb(_x):
            count[0] += 1
        x, _info = sla.cg(A, b, tol=1e-8, atol=0.0, maxiter=10 * N, callback=cb)
        return count[0], np.linalg.norm(b - A @ x) / bnorm
    secs, (iters, res) = best(run_cg, reps)
    print("cg\t%.6g\t%d\t%.3e" % (secs / iters, iters, res), flush=True)

    M = (sp.tril(A, -1) + sp.diags(A.diagonal() / omega)).tocsr()

    def run_tri(k):
        x = np.zeros(N)
        for _ in range(k):
            r = b - A @ x
            x += sla.spsolve_triangular(M, r, lower=True)
        return np.linalg.norm(b - A @ x) / bnorm
    tri_sweeps = 1
    secs, res = best(lambda: run_tri(tri_sweeps), max(1, reps // 2))
    print("sor_tri\t%.6g\t%d\t%.3e" % (secs / tri_sweeps, tri_sweeps, res), flush=True)

    lu = sla.splu(M.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0,
                  options={"SymmetricMode": True})

    def run_splu():
        x = np.zeros(N)
        for _ in range(sweeps):
            r = b - A @ x
            x += lu.solve(r)
        return np.linalg.norm(b - A @ x) / bnorm
    secs, res = best(run_splu, reps)
    print("sor_splu\t%.6g\t%d\t%.9e" % (secs / sweeps, sweeps, res), flush=True)


if __name__ == "__main__":
    main()

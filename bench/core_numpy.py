#!/usr/bin/python3
"""bench/core_numpy.py: the NumPy/SciPy side of the core benchmark (issue 3).

    /usr/bin/python3 bench/core_numpy.py DIR [reps] [case,...]

DIR holds the .npy inputs written by `tycho bench/core.lua gen DIR`; the 2D
Laplacian is built from its formula (kron of the 1D one), as
sparse.laplacian(1000, 1000) builds it.  Prints one line per case:
name <TAB> best seconds <TAB> check, exactly as bench/core.lua does: the
fastest of `reps` timed runs after one warm-up run, and a norm of the
warm-up's result (not timed).  A `info` line on stderr names the BLAS
kernel OpenBLAS chose (from threadpoolctl, when installed).
"""
import os
import sys
import time

import numpy as np
import scipy.sparse as sps


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: core_numpy.py DIR [reps] [cases]\n")
        return 1
    folder = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    only = None
    if len(sys.argv) > 3 and sys.argv[3]:
        only = set(sys.argv[3].split(","))

    def load(name):
        # tycho writes Fortran order; a NumPy user holds C-order arrays
        return np.ascontiguousarray(np.load(os.path.join(folder, name + ".npy")))

    def vec(name):
        return load(name).reshape(-1)

    def best(f, check):
        value = check(f())
        t = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            t = min(t, time.perf_counter() - t0)
        return t, value

    norm = np.linalg.norm

    def matmul():
        A, B = load("A2000"), load("B2000")
        return (lambda: A @ B), norm

    def loop3():
        a, b = load("a3"), load("b3")

        def f():
            c = d = None
            for _ in range(100000):
                c = a + b
                d = a @ b
            return c, d
        return f, (lambda r: norm(r[0]) + norm(r[1]))

    def add():
        x, y = vec("x7"), vec("y7")
        return (lambda: x + y), norm

    def emul():
        x, y = vec("x7"), vec("y7")
        return (lambda: x * y), norm

    def exp():
        x = vec("x7")
        return (lambda: np.exp(x)), norm

    def solve():
        M, b = load("M1000"), load("b1000")      # b is 1000 x 1, like ours
        return (lambda: np.linalg.solve(M, b)), norm

    def eigh():
        H = load("H1000")
        return (lambda: np.linalg.eigh(H)), (lambda r: norm(r[0]))

    def svd():
        M = load("M1000")
        return (lambda: np.linalg.svd(M, full_matrices=True)), \
            (lambda r: norm(r[1]))

    def fft1():
        z = vec("z20")
        return (lambda: np.fft.fft(z)), norm

    def fft2():
        Z = load("Z1024")
        return (lambda: np.fft.fft2(Z)), norm

    def laplace():
        n = 1000
        T = sps.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)],
                      [-1, 0, 1])
        eye = sps.identity(n)
        S = (sps.kron(eye, T) + sps.kron(T, eye)).tocsr()
        v = vec("v6")
        return (lambda: S @ v), norm

    cases = [("matmul_2000", matmul), ("loop_3x3_1e5", loop3),
             ("add_1e7", add), ("emul_1e7", emul), ("exp_1e7", exp),
             ("solve_1000", solve), ("eigh_1000", eigh), ("svd_1000", svd),
             ("fft_2^20", fft1), ("fft2_1024", fft2),
             ("laplace2d_1000", laplace)]

    try:
        import threadpoolctl
        for lib in threadpoolctl.threadpool_info():
            sys.stderr.write("info: %s %s kernel %s, %d threads\n" % (
                lib.get("internal_api"), lib.get("version"),
                lib.get("architecture"), lib.get("num_threads")))
    except ImportError:
        sys.stderr.write("info: threadpoolctl missing, BLAS kernel unknown\n")

    for name, setup in cases:
        if only is None or name in only:
            f, check = setup()
            t, value = best(f, check)
            sys.stdout.write("%s\t%.6e\t%.15g\n" % (name, t, value))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench/ot_pot.py: the POT side of bench/ot.lua (issue 6).

    /usr/bin/python3 bench/ot_pot.py CASE DIR ARGS...

Reads the problem tycho wrote to DIR (C.npy, and a.npy, b.npy when the
weights are not uniform) and prints one line per measurement:
    name <TAB> seconds <TAB> iterations <TAB> L1 marginal error <TAB> cost
where seconds is the best of REPS runs and the L1 marginal error is
||P 1 - a||_1 + ||P' 1 - b||_1 of POT's plan (tycho's err).

  scaling REG REPS     ot.sinkhorn (sinkhorn_knopp), stopThr 1e-9 (POT's
                       rule: 2-norm of the column error, every 10 iterations)
  log REG ITERS REPS   ot.sinkhorn(method="sinkhorn_log"), exactly ITERS
                       iterations (stopThr 0)
  best REG TARGET BUDGET
                       time for each of sinkhorn_knopp, sinkhorn_stabilized
                       and sinkhorn_log to reach an L1 marginal error
                       <= TARGET: POT checks its own rule, so stopThr is
                       halved from TARGET until the plan meets TARGET (the
                       first run that does counts); a variant that cannot
                       within BUDGET seconds (estimated from its time per
                       iteration) reports its error when the budget ends
  emd REPS             ot.emd with numItermax 10^7
"""
import math
import sys
import time
import warnings

import numpy as np
import ot

warnings.simplefilter("ignore")


def load(d):
    C = np.ascontiguousarray(np.load(d + "/C.npy"))
    n, m = C.shape
    try:
        a = np.load(d + "/a.npy").ravel()
        b = np.load(d + "/b.npy").ravel()
    except OSError:
        a, b = np.ones(n) / n, np.ones(m) / m
    return a, b, C


def l1(P, a, b):
    if not np.all(np.isfinite(P)):
        return float("inf")
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def best_of(reps, f):
    best, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def emit(name, secs, iters, err, cost):
    print("%s\t%.6g\t%d\t%.6g\t%.17g" % (name, secs, iters, err, cost),
          flush=True)


def main():
    case, d = sys.argv[1], sys.argv[2]
    a, b, C = load(d)
    if case == "scaling":
        reg, reps = float(sys.argv[3]), int(sys.argv[4])
        secs, (P, log) = best_of(reps, lambda: ot.sinkhorn(
            a, b, C, reg, numItermax=100000, stopThr=1e-9, log=True))
        emit("pot_sinkhorn", secs, log["niter"], l1(P, a, b),
             float((P * C).sum()))
    elif case == "log":
        reg, iters, reps = float(sys.argv[3]), int(sys.argv[4]), \
            int(sys.argv[5])
        secs, P = best_of(reps, lambda: ot.sinkhorn(
            a, b, C, reg, method="sinkhorn_log", numItermax=iters,
            stopThr=0.0))
        emit("pot_sinkhorn_log", secs, iters, l1(P, a, b),
             float((P * C).sum()))
    elif case == "best":
        reg, target, budget = (float(sys.argv[3]), float(sys.argv[4]),
                               float(sys.argv[5]))
        best = budget
        for method in ("sinkhorn", "sinkhorn_stabilized", "sinkhorn_log"):
            # time per iteration, to turn the budget into numItermax
            t0 = time.perf_counter()
            ot.sinkhorn(a, b, C, reg, method=method, numItermax=20,
                        stopThr=0.0)
            per = (time.perf_counter() - t0) / 20
            cap = max(20, int(min(budget, best) / per))
            thr, done = target, False
            while not done:
                t0 = time.perf_counter()
                P, log = ot.sinkhorn(a, b, C, reg, method=method,
                                     numItermax=cap, stopThr=thr, log=True)
                secs = time.perf_counter() - t0
                it = log.get("niter", log.get("n_iter", cap))
                err = l1(P, a, b)
                if err <= target:
                    emit("pot_" + method, secs, it, err,
                         float((P * C).sum()))
                    best = min(best, secs)
                    done = True
                elif it >= cap - 20 or not math.isfinite(err) or thr < 1e-30:
                    # out of budget: a lower bound
                    emit("pot_" + method + "_budget", secs, it, err,
                         float(np.nan_to_num(P * C).sum()))
                    done = True
                else:
                    thr /= 2
    elif case == "emd":
        reps = int(sys.argv[3])
        secs, (P, log) = best_of(reps, lambda: ot.emd(
            a, b, C, numItermax=10 ** 7, log=True))
        emit("pot_emd", secs, 0, l1(P, a, b), float(log["cost"]))
    else:
        raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    main()

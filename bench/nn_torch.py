#!/usr/bin/python3
"""bench/nn_torch.py: tycho's nn against PyTorch (issue 7), in one run.

    /usr/bin/python3 bench/nn_torch.py [path/to/tycho] [rounds] [reps] [threads]

The case of the issue: an MLP 2-256-256-1, batch 4096, float64, forward plus
loss plus backward ("fb_*"; "fwd_tanh" is the forward pass alone).  tycho
writes the inputs and the weights once (bench/nn.lua gen); then, for each
thread count (default "1,2"), `rounds` times (default 3), each case is timed
by tycho (bench/nn.lua run) and right after by torch (this file, "worker"
mode) on the same data, alternating so that load from other processes hits
both sides alike.  Each process reports the best of `reps` runs (default 10)
after a warm-up; the table shows the best over rounds, the ratio
tycho/torch, the target, and whether both computed the same loss and
gradient.  Threads: OPENBLAS_NUM_THREADS = n for both (torch's float64 gemm
is OpenBLAS too on Debian) and torch.set_num_threads(n).  At the end, the
cost of K-FAC and MKOR steps (tycho only; no torch peer) is printed.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = {"fb_tanh": 1.5, "fb_relu": 1.5, "fb_gelu": 1.5, "fwd_tanh": 1.5}


def worker(folder, reps, cases, threads):
    """Time the cases with torch; print name, best seconds, check."""
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    load = lambda n: torch.tensor(np.load(os.path.join(folder, n + ".npy")))
    X, T = load("X"), load("T")
    B = X.shape[0]
    acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
            "gelu": torch.nn.GELU}
    for name in cases:
        kind, act = name.split("_")
        layers = []
        for i in range(3):
            lin = torch.nn.Linear(1, 1).double()
            lin.weight = torch.nn.Parameter(load("p%d" % (2 * i + 1)))
            lin.bias = torch.nn.Parameter(load("p%d" % (2 * i + 2)).reshape(-1))
            layers.append(lin)
            if i < 2:
                layers.append(acts[act]())
        net = torch.nn.Sequential(*layers)
        out = {}

        def fb():
            net.zero_grad(set_to_none=True)
            y = net(X)
            loss = 0.5 * ((y - T) ** 2).sum() / B
            loss.backward()
            out["loss"] = loss.item()

        def fwd():
            with torch.no_grad():
                y = net(X)
                out["loss"] = (0.5 * ((y - T) ** 2).sum() / B).item()

        f = fb if kind == "fb" else fwd
        f()
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            best = min(best, time.perf_counter() - t0)
        check = out["loss"]
        if kind == "fb":
            check += net[0].weight.grad.norm().item()
        print("%s\t%.6e\t%.15e" % (name, best, check))


def idle_pct():
    def read():
        with open("/proc/stat") as f:
            v = [float(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v[:8])
    a = read()
    time.sleep(0.5)
    b = read()
    return 100.0 * (b[0] - a[0]) / max(b[1] - a[1], 1e-9)


def wait_idle(limit=30):
    t0 = time.time()
    while idle_pct() < 85:
        if time.time() - t0 > limit:
            return False
    return True


def run(cmd, env):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True,
                       universal_newlines=True)
    rows = {}
    for line in r.stdout.splitlines():
        name, t, check = line.split("\t")
        rows[name] = (float(t), float(check))
    return rows


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","),
               int(sys.argv[5]))
        return 0
    tycho = sys.argv[1] if len(sys.argv) > 1 else "build/tycho"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    threads = [int(x) for x in
               (sys.argv[4] if len(sys.argv) > 4 else "1,2").split(",")]
    try:
        import torch
        print("torch", torch.__version__)
    except ImportError:
        print("nn_torch.py: PyTorch is missing (apt-get install python3-torch)")
        return 1
    script = os.path.join(HERE, "nn.lua")
    cases = subprocess.run([tycho, script, "list"], stdout=subprocess.PIPE,
                           check=True, universal_newlines=True).stdout.split()
    busy = 0
    with tempfile.TemporaryDirectory(prefix="tycho-nn-bench.") as folder:
        subprocess.run([tycho, script, "gen", folder], check=True)
        results = []
        for n in threads:
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(n),
                       OMP_NUM_THREADS=str(n))
            best_ty, best_pe = {}, {}
            for _ in range(rounds):
                for c in cases:
                    busy += 0 if wait_idle() else 1
                    ty = run([tycho, script, "run", folder, str(reps), c], env)
                    pe = run([sys.executable, os.path.abspath(__file__),
                              "worker", folder, str(reps), c, str(n)], env)
                    for name, (t, chk) in ty.items():
                        if name not in best_ty or t < best_ty[name][0]:
                            best_ty[name] = (t, chk)
                    for name, (t, chk) in pe.items():
                        if name not in best_pe or t < best_pe[name][0]:
                            best_pe[name] = (t, chk)
            for c in cases:
                results.append((c, n, best_ty[c], best_pe[c]))
    print("MLP 2-256-256-1, batch 4096, float64; best of %d rounds x %d runs"
          % (rounds, reps))
    print("%-10s %7s %10s %10s %11s  %-7s %-5s %s" % (
        "case", "threads", "tycho ms", "torch ms", "tycho/torch", "target",
        "", "check"))
    met = bad = 0
    for c, n, ty, pe in results:
        ratio = ty[0] / pe[0]
        ok = ratio <= TARGET[c]
        met += ok
        same = abs(ty[1] - pe[1]) <= 1e-9 * abs(pe[1])
        bad += not same
        print("%-10s %7d %10.3f %10.3f %11.3f  <= %-4.2g %-5s %s" % (
            c, n, 1e3 * ty[0], 1e3 * pe[0], ratio, TARGET[c],
            "pass" if ok else "MISS", "same" if same else "DIFFERENT"))
    print("targets met: %d of %d" % (met, len(results)))
    if busy:
        print("note: %d case(s) started on a busy machine (< 85%% idle)" % busy)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print("machine: %d cores, load average %s" % (os.cpu_count(), load))
    print()
    print("K-FAC and MKOR step cost (tycho only, 2-256-256-1, batch 4096, "
          "SGD base, OPENBLAS_NUM_THREADS as given to this script; the "
          "forward and backward passes not counted):")
    sys.stdout.flush()
    subprocess.run([tycho, script, "precond"], check=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

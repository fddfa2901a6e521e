#!/usr/bin/python3
"""bench/optim_torch.py: tycho's optimizers against PyTorch (issue 7), in one run.

    /usr/bin/python3 bench/optim_torch.py [path/to/tycho] [n] [rounds] [reps] [threads]

One parameter tensor of n float64 entries (default 10^7).  For each thread
count (default "1,2"; torch.set_num_threads(t) and optim.threads(t)), and
each of `rounds` rounds (default 3), tycho times every case
(bench/optim.lua) and right after torch times its peer, so load from other
processes hits both alike; each side reports the best of `reps` steps
(default 10) after a warm-up step; the table shows the best over rounds.

Peers: torch.optim.Adam and AdamW with foreach=True (the multi-tensor
implementation), SGD with momentum (foreach=True), and for Lion, which
torch.optim does not have, the update of the lion-pytorch package written
with torch's in-place (foreach where torch 1.13 has them) tensor ops.
The last lines compare tycho's 8-bit Adam with its float64 Adam: time
ratio (target <= 1.5) and state memory ratio (about 1/8).
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = {"adam": 1.0, "adamw": 1.0, "lion": 1.0, "sgd_momentum": None}


def torch_cases(torch, n, reps):
    """Best seconds per step of each torch peer."""
    gen = torch.Generator().manual_seed(1)
    out = {}

    def timed(step):
        step()
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - t0)
        return best

    def param():
        p = torch.nn.Parameter(torch.randn(n, dtype=torch.float64,
                                           generator=gen))
        p.grad = torch.randn(n, dtype=torch.float64, generator=gen)
        return p

    for name, make in [
        ("adam", lambda p: torch.optim.Adam([p], lr=1e-3, foreach=True)),
        ("adamw", lambda p: torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2,
                                              foreach=True)),
        ("sgd_momentum", lambda p: torch.optim.SGD([p], lr=1e-3, momentum=0.9,
                                                   foreach=True)),
    ]:
        p = param()
        opt = make(p)
        out[name] = timed(opt.step)
        del opt, p

    # Lion (lion-pytorch's update), foreach ops on the list of parameters
    p = param()
    params, grads = [p.data], [p.grad]
    exp_avg = [torch.zeros_like(p.data)]
    lr, b1, b2, wd = 1e-4, 0.9, 0.99, 1e-2

    def lion_step():
        with torch.no_grad():
            torch._foreach_mul_(params, 1 - lr * wd)
            upd = torch._foreach_mul(exp_avg, b1)
            torch._foreach_add_(upd, grads, alpha=1 - b1)
            for u in upd:
                u.sign_()
            torch._foreach_add_(params, upd, alpha=-lr)
            torch._foreach_mul_(exp_avg, b2)
            torch._foreach_add_(exp_avg, grads, alpha=1 - b2)

    out["lion"] = timed(lion_step)
    return out


def tycho_cases(tycho, n, reps, threads):
    """Best seconds and state bytes per case, from bench/optim.lua."""
    res = subprocess.run([tycho, os.path.join(HERE, "optim.lua"), str(n),
                          str(reps), str(threads)], capture_output=True,
                         text=True, check=True)
    out = {}
    for line in res.stdout.splitlines():
        name, secs, nbytes = line.split("\t")
        out[name] = (float(secs), int(nbytes))
    return out


def main():
    tycho = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "build", "tycho")
    n = int(float(sys.argv[2])) if len(sys.argv) > 2 else 10 ** 7
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    tlist = [int(v) for v in (sys.argv[5] if len(sys.argv) > 5
                              else "1,2").split(",")]
    try:
        import torch
    except ImportError:
        print("torch is not installed (Debian: apt-get install python3-torch);"
              " tycho only:")
        torch = None
    print("optimizer step, n = %d float64 parameters, best of %d x %d steps"
          % (n, rounds, reps))
    if torch is not None:
        print("torch %s" % torch.__version__)
    for threads in tlist:
        if torch is not None:
            torch.set_num_threads(threads)
        best_ty, best_th = {}, {}
        for _ in range(rounds):
            for k, v in tycho_cases(tycho, n, reps, threads).items():
                if k not in best_ty or v[0] < best_ty[k][0]:
                    best_ty[k] = v
            if torch is not None:
                for k, v in torch_cases(torch, n, reps).items():
                    best_th[k] = min(best_th.get(k, float("inf")), v)
        print()
        print("%d thread%s" % (threads, "" if threads == 1 else "s"))
        print("%-14s %10s %10s %8s %8s" % ("case", "tycho ms", "torch ms",
                                           "ratio", "target"))
        for name in ["adam", "adamw", "lion", "sgd_momentum"]:
            ty = best_ty[name][0]
            if name in best_th:
                th = best_th[name]
                tgt = TARGET[name]
                print("%-14s %10.2f %10.2f %8.3f %8s" % (
                    name, ty * 1e3, th * 1e3, ty / th,
                    ("<= %.1f" % tgt) if tgt else "-"))
            else:
                print("%-14s %10.2f" % (name, ty * 1e3))
        a, q = best_ty["adam"], best_ty["adam8bit"]
        print("%-14s %10.2f %10s %8.3f %8s   (8-bit / 64-bit Adam time)" % (
            "adam8bit", q[0] * 1e3, "-", q[0] / a[0], "<= 1.5"))
        print("state bytes per parameter: adam %.3f, adam8bit %.3f (ratio "
              "%.3f, about 1/8)" % (a[1] / n, q[1] / n, q[1] / a[1]))
    print()
    print("machine: %d cores, %s" % (os.cpu_count(), cpu_name()))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    main()

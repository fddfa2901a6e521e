#!/bin/sh
# bench/run_core.sh: tycho's core numerics against NumPy/SciPy (issue 3),
# side by side on the same inputs, in one run.
#
#   sh bench/run_core.sh [path/to/tycho] [rounds] [reps] [case,...]
#
# tycho writes the inputs once (bench/core.lua gen, .npy files in a
# temporary folder).  Then, `rounds` times (default 3), each case is timed
# by tycho (bench/core.lua) and by NumPy/SciPy (bench/core_numpy.py, with
# Debian's /usr/bin/python3), one right after the other, tycho first in
# odd rounds and NumPy first in even ones, so that load from other
# processes hits both sides alike; before each run the driver waits for
# the machine to be idle (see wait_idle).  Each process times `reps` runs
# (default 5) after one warm-up; the time shown is the best of all
# rounds x reps (best-of-N: noise only adds time).  A case's "check" (a
# norm of its result) must agree between the sides.
#
# BLAS: both sides load the same OpenBLAS.  OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE, when set, are unset together for both sides (they pick
# an older, slower kernel); set BENCH_KEEP_BLAS_ENV=1 to keep them.
# OPENBLAS_NUM_THREADS is passed through as it is (unset: one thread per
# core).  The kernel OpenBLAS then picks is printed (threadpoolctl).
set -u
here=$(cd "$(dirname "$0")" && pwd)
tycho=${1:-build/tycho}
rounds=${2:-3}
reps=${3:-5}
only=${4:-}
py=/usr/bin/python3

if [ ! -x "$tycho" ]; then
  echo "run_core.sh: no tycho at '$tycho' (build it, or pass its path)" >&2
  exit 1
fi
if ! "$py" -c 'import numpy, scipy' 2> /dev/null; then
  echo "run_core.sh: $py lacks numpy/scipy" \
       "(apt-get install python3-numpy python3-scipy)" >&2
  exit 1
fi

echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>}" \
     "OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-<unset>}" \
     "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-<unset>}"
if [ "${BENCH_KEEP_BLAS_ENV:-0}" = 1 ]; then
  run () { "$@"; }
  echo "keeping OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as they are"
else
  run () { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
  echo "running both sides with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
fi

data=$(mktemp -d "${TMPDIR:-/tmp}/tycho-bench.XXXXXX") || exit 1
trap 'rm -rf "$data"' EXIT INT TERM
run "$tycho" "$here/core.lua" gen "$data" || exit 1

# cpu_idle: idle and total CPU time so far; idle_pct: percent of CPU
# time idle over the next half second
cpu_idle () {
  awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' \
    /proc/stat
}
idle_pct () {
  a=$(cpu_idle); sleep 0.5; b=$(cpu_idle)
  echo "$a $b" |
    awk '{d = $4 - $2; print (d > 0) ? int(100 * ($3 - $1) / d) : 100}'
}
# wait_idle: wait (up to BENCH_IDLE_WAIT seconds, default 30) until the
# machine is at least 85% idle, so that other people's jobs disturb less;
# after three waits in vain, stop waiting (the machine stays busy)
busy=0
wait_idle () {
  [ "$busy" -lt 3 ] || return 0
  waited=0
  limit=${BENCH_IDLE_WAIT:-30}
  while [ "$(idle_pct)" -lt 85 ]; do
    waited=$((waited + 1))
    if [ "$waited" -ge $((2 * limit)) ]; then busy=$((busy + 1)); return; fi
  done
}
side_tycho () {
  wait_idle
  run "$tycho" "$here/core.lua" run "$data" "$reps" "$1" \
    >> "$data/tycho.tsv" || exit 1
}
side_peer () {
  wait_idle
  run "$py" "$here/core_numpy.py" "$data" "$reps" "$1" \
    >> "$data/peer.tsv" 2>> "$data/peer.err" || exit 1
}

# odd rounds run tycho first, even rounds NumPy first
cases=$(echo "$only" | tr ',' ' ')
[ -n "$cases" ] || cases=$("$tycho" "$here/core.lua" list) || exit 1
r=1
while [ "$r" -le "$rounds" ]; do
  for c in $cases; do
    if [ $((r % 2)) -eq 1 ]; then side_tycho "$c"; side_peer "$c"
    else side_peer "$c"; side_tycho "$c"; fi
  done
  r=$((r + 1))
done
sort -u "$data/peer.err"

# best time per case on each side, the ratio, and the target it must
# meet: tycho/peer <= target[case]
awk -F '\t' -v rounds="$rounds" -v reps="$reps" '
  BEGIN {
    target["matmul_2000"] = 1.05;   why["matmul_2000"] = "<= 1.05"
    target["loop_3x3_1e5"] = 1 / 3; why["loop_3x3_1e5"] = ">= 3x faster"
    target["add_1e7"] = 1.2;        why["add_1e7"] = "<= 1.2"
    target["emul_1e7"] = 1.2;       why["emul_1e7"] = "<= 1.2"
    target["exp_1e7"] = 1.2;        why["exp_1e7"] = "<= 1.2"
    target["solve_1000"] = 1.1;     why["solve_1000"] = "<= 1.1"
    target["eigh_1000"] = 1.1;      why["eigh_1000"] = "<= 1.1"
    target["svd_1000"] = 1.1;       why["svd_1000"] = "<= 1.1"
    target["fft_2^20"] = 1 / 1.5;   why["fft_2^20"] = ">= 1.5x faster"
    target["fft2_1024"] = 1 / 1.5;  why["fft2_1024"] = ">= 1.5x faster"
    target["laplace2d_1000"] = 1.0; why["laplace2d_1000"] = "<= 1.0"
  }
  FNR == 1 { side++ }
  {
    name = $1
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    if (side == 1) {
      if (!(name in ty) || $2 + 0 < ty[name]) ty[name] = $2 + 0
      tycheck[name] = $3 + 0
    } else {
      if (!(name in pe) || $2 + 0 < pe[name]) pe[name] = $2 + 0
      pecheck[name] = $3 + 0
    }
  }
  END {
    printf "best of %d rounds x %d runs, seconds\n", rounds, reps
    printf "%-16s %11s %11s %10s  %-15s %-5s %s\n", "case", "tycho",
           "numpy/scipy", "tycho/peer", "target", "", "check"
    met = 0; bad = 0
    for (i = 1; i <= n; i++) {
      c = order[i]
      ratio = ty[c] / pe[c]
      ok = (ratio <= target[c] * (1 + 1e-9)) ? "pass" : "MISS"
      if (ok == "pass") met++
      d = tycheck[c] - pecheck[c]; if (d < 0) d = -d
      s = pecheck[c]; if (s < 0) s = -s
      same = (d <= 1e-8 * s) ? "same" : "DIFFERENT"
      if (same != "same") bad++
      printf "%-16s %11.5f %11.5f %10.3f  %-15s %-5s %s\n", c, ty[c],
             pe[c], ratio, why[c], ok, same
    }
    printf "targets met: %d of %d\n", met, n
    if (bad > 0) { printf "%d case(s) computed different results\n", bad
                   exit 1 }
  }' "$data/tycho.tsv" "$data/peer.tsv"
status=$?
[ "$busy" -eq 0 ] || echo "note: $busy run(s) started on a machine busy" \
  "with other work (less than 85% idle after ${BENCH_IDLE_WAIT:-30} s)"
echo "machine: $(nproc) cores," \
     "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
     "load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
exit $status

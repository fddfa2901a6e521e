#!/bin/sh
# bench/startup.sh: start-up time of tycho against lua5.4, octave-cli and
# python3 with NumPy, in one run on the same machine.
#   sh bench/startup.sh [path/to/tycho] [runs]
# Each command is run `runs` times (default 50, octave 10); the mean wall time
# per run is printed with its ratio to tycho.  Missing peers are skipped.
tycho=${1:-build/tycho}
runs=${2:-50}

now_ns () { date +%s%N; }

# mean_ms RUNS CMD...: mean wall time of one run in milliseconds
mean_ms () {
  n=$1; shift
  "$@" > /dev/null 2>&1            # warm the page cache
  t0=$(now_ns)
  i=0
  while [ "$i" -lt "$n" ]; do "$@" > /dev/null 2>&1; i=$((i + 1)); done
  t1=$(now_ns)
  echo "$t0 $t1 $n" | awk '{printf "%.2f", ($2 - $1) / $3 / 1e6}'
}

ty=$(mean_ms "$runs" "$tycho" -e '')
printf '%-34s %9s ms\n' "tycho -e ''" "$ty"
report () {   # report NAME MS
  printf '%-34s %9s ms   tycho/peer = %s\n' "$1" "$2" \
    "$(echo "$ty $2" | awk '{printf "%.3f", $1 / $2}')"
}
if command -v lua5.4 > /dev/null; then
  report "lua5.4 -e ''" "$(mean_ms "$runs" lua5.4 -e '')"
fi
if command -v octave-cli > /dev/null; then
  report "octave-cli --eval ''" "$(mean_ms 10 octave-cli --norc --eval '')"
fi
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
  report "python3 -c 'import numpy'" "$(mean_ms 20 /usr/bin/python3 -c 'import numpy')"
fi
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"

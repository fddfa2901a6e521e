#!/bin/sh
# setup.sh: set tycho up on Debian 12 from a fresh clone, then act.
#   sh setup.sh tour    install what is missing, build, run examples/tour.lua
#   sh setup.sh check   install what is missing, build, run the full test
#                       suite, then again in a build with AddressSanitizer
#                       and UndefinedBehaviorSanitizer
#   sh setup.sh build   install what is missing and build
# Re-running is quick: only missing packages are installed, and make only
# rebuilds what changed.  Builds go to build/ (and build-san/).
set -e
cd "$(dirname "$0")"
action=${1:-build}

# Debian packages: to build, to run (gnuplot), and for the tests' NumPy
# cross-checks (python3-numpy)
packages="gcc make libc6-dev autoconf automake libtool pkg-config
  liblua5.4-dev libopenblas-dev liblapacke-dev libfftw3-dev libreadline-dev
  gnuplot-nox"
[ "$action" = check ] && packages="$packages python3-numpy"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
    grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root=sudo
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq \
    --no-install-recommends $missing
fi

[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
jobs=$(nproc 2>/dev/null || echo 2)

# build DIR [configure options]: configure once, then make
build () {
  dir=$1; shift
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ]; then (cd "$dir" && ../configure "$@"); fi
  make -s -C "$dir" -j"$jobs"
}

case $action in
  build)
    build build ;;
  tour)
    build build
    cd build && ./tycho ../examples/tour.lua &&
      echo "setup: the tour's figures are in build/ (tour_*.png)" ;;
  check)
    build build
    log=$(mktemp)
    status=0
    # the exit status of make, not of tee: kept in a file
    { make -s -C build check 2>&1; echo $? > "$log.rc"; } | tee "$log"
    [ "$(cat "$log.rc")" -eq 0 ] || status=1
    build build-san --enable-sanitizers
    { ASAN_OPTIONS=detect_leaks=1 make -s -C build-san check 2>&1
      echo $? > "$log.rc"; } | tee -a "$log"
    [ "$(cat "$log.rc")" -eq 0 ] || status=1
    grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" |
      awk '{p += $1; f += $3} END {print "all runs (plain and sanitized):"; printf "%d passed, %d failed\n", p, f}'
    rm -f "$log" "$log.rc"
    exit $status ;;
  *)
    echo "usage: sh setup.sh [tour|check|build]" >&2
    exit 2 ;;
esac

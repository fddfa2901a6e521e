# tap.sh: TAP helpers for the shell tests (sourced).
n=0 nfail=0
ok () {      # ok NAME CONDITION-COMMAND...
  name=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; nfail=$((nfail + 1)); fi
}
contains () { grep -q -- "$2" "$1"; }           # contains FILE PATTERN
lacks () { ! grep -q -- "$2" "$1"; }
done_testing () { echo "1..$n"; [ "$nfail" -eq 0 ]; }

#!/bin/sh
# tests/run.sh: run every test of tycho and end with "N passed, N failed".
#   C unit tests (tests/c/test_*), Lua tests (tests/lua/test_*.lua),
#   shell tests of the command and the prompt (tests/repl/*.sh, among them
#   publish_examples.sh, which runs and publishes every example headless),
#   and transcript tests (tests/repl/*.in against *.out).
# With TY_SLOW=1 it runs tests/slow/*.lua instead.
# Environment (set by make check): TYCHO, TY_SRCDIR, TY_BUILDDIR.
: "${TYCHO:?}" "${TY_SRCDIR:?}" "${TY_BUILDDIR:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tycho-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export TYCHO TY_SRCDIR TY_BUILDDIR
export LUA_PATH="$TY_SRCDIR/tests/lua/?.lua;;"
export TYCHO_HISTORY=""          # tests never touch the person's history
export TY_TMP="$tmp"
unset DISPLAY
passed=0 failed=0

# run_tap NAME CMD...: run a TAP producer, add its counts
run_tap () {
  name=$1; shift
  start=$(date +%s)
  (cd "$tmp" && "$@") > "$tmp/out" 2>&1 < /dev/null
  rc=$?
  p=$(grep -c '^ok ' "$tmp/out")
  f=$(grep -c '^not ok ' "$tmp/out")
  plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp/out" | tail -n 1)
  extra=""
  if [ -z "$plan" ] || [ "$plan" -ne $((p + f)) ]; then
    f=$((f + 1)); extra=" (no plan or plan mismatch: it stopped early)"
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=$((f + 1)); extra=" (exit status $rc)"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  secs=$(( $(date +%s) - start ))
  if [ "$f" -eq 0 ]; then
    printf 'PASS %-40s %4d ok  %3ss\n' "$name" "$p" "$secs"
  else
    printf 'FAIL %-40s %4d ok %3d failed%s\n' "$name" "$p" "$f" "$extra"
    grep -v '^ok ' "$tmp/out" | sed 's/^/    /' | head -n 60
  fi
}

if [ -n "$TY_SLOW" ]; then
  for t in "$TY_SRCDIR"/tests/slow/*.lua; do
    [ -f "$t" ] && run_tap "slow/$(basename "$t")" "$TYCHO" "$t"
  done
else
  for t in "$TY_BUILDDIR"/tests/c/test_*; do
    [ -x "$t" ] && [ -f "$t" ] && run_tap "c/$(basename "$t")" "$t"
  done
  for t in "$TY_SRCDIR"/tests/lua/test_*.lua; do
    [ -f "$t" ] && run_tap "lua/$(basename "$t")" "$TYCHO" "$t"
  done
  for t in "$TY_SRCDIR"/tests/repl/*.sh; do
    [ -f "$t" ] && run_tap "repl/$(basename "$t")" sh "$t"
  done
  for t in "$TY_SRCDIR"/tests/repl/*.in; do
    [ -f "$t" ] || continue
    want="${t%.in}.out"
    name="repl/$(basename "$t")"
    if (cd "$tmp" && "$TYCHO" < "$t") > "$tmp/got" 2>&1 &&
       diff -u "$want" "$tmp/got" > "$tmp/diff"; then
      passed=$((passed + 1)); printf 'PASS %s\n' "$name"
    else
      failed=$((failed + 1)); printf 'FAIL %s (transcript differs)\n' "$name"
      head -n 40 "$tmp/diff" | sed 's/^/    /'
    fi
  done
  # examples: tests/repl/publish_examples.sh runs each one as a plain
  # script (it must exit 0: its checks pass) and publishes it
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

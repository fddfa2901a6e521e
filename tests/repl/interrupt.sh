# interrupt.sh: Ctrl-C (SIGINT) stops Lua and native loops; the session
# goes on with the next command.
. "$TY_SRCDIR/tests/tools/tap.sh"
T=$TY_TMP/interrupt; mkdir -p "$T"

# interrupt_case NAME CODE: run CODE, SIGINT after 0.5 s, then a command
interrupt_case () {
  name=$1 code=$2
  fifo="$T/fifo.$n"; rm -f "$fifo"; mkfifo "$fifo"
  start=$(date +%s)
  out="$T/out.$n"
  "$TYCHO" < "$fifo" > "$out" 2>&1 &
  pid=$!
  exec 3> "$fifo"
  printf '%s\n' "$code" >&3
  sleep 0.5
  kill -INT "$pid"
  printf 'print("next command ran")\n' >&3
  exec 3>&-
  wait "$pid"; rc=$?
  secs=$(( $(date +%s) - start ))
  ok "$name: reports interrupted" contains "$out" "interrupted"
  ok "$name: next command runs" contains "$out" "next command ran"
  ok "$name: stopped at once (${secs}s)" [ "$secs" -lt 10 ]
  ok "$name: session exits 0" [ "$rc" -eq 0 ]
}
interrupt_case "native loop" "tycho.debug.spin(60)"
interrupt_case "Lua loop" "while true do end"
interrupt_case "Lua calls" "local function f() return 1 end while true do f() end"
done_testing

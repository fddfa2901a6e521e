# cmdline.sh: the command line of API.md ("The command").
. "$TY_SRCDIR/tests/tools/tap.sh"
T=$TY_TMP/cmdline; mkdir -p "$T"

"$TYCHO" -v > "$T/v" 2>&1
ok "-v prints the version" contains "$T/v" "^tycho 0\."
"$TYCHO" --version > "$T/v2" 2>&1
ok "--version prints the version" contains "$T/v2" "^tycho "
"$TYCHO" -h > "$T/h" 2>&1; rc=$?
ok "-h prints usage" contains "$T/h" "usage: "
ok "-h exits 0" [ "$rc" -eq 0 ]
"$TYCHO" -Q > "$T/bad" 2>&1; rc=$?
ok "unknown option exits 1" [ "$rc" -eq 1 ]
ok "unknown option is named" contains "$T/bad" "unrecognized option '-Q'"

cat > "$T/args.lua" <<'LUA'
print(arg[0], arg[1], arg[2], select("#", ...), ...)
LUA
"$TYCHO" "$T/args.lua" a "b c" > "$T/out" 2>&1; rc=$?
ok "script gets arg and ..." contains "$T/out" "args.lua	a	b c	2	a	b c"
ok "script exits 0" [ "$rc" -eq 0 ]

printf 'local x = nil\nprint(x.field)\n' > "$T/err.lua"
"$TYCHO" "$T/err.lua" > "$T/eo" 2> "$T/ee"; rc=$?
ok "a failing script exits 1" [ "$rc" -eq 1 ]
ok "error on stderr names the line" contains "$T/ee" "err.lua:2: attempt to index a nil value"
ok "error has a traceback" contains "$T/ee" "stack traceback:"
ok "nothing on stdout" [ ! -s "$T/eo" ]

"$TYCHO" -e 'x = 6' -e 'print(x * 7)' > "$T/e" 2>&1
ok "-e runs in order" contains "$T/e" "^42$"
"$TYCHO" -e 'error("bad")' > "$T/e2" 2>&1; rc=$?
ok "-e error exits 1" [ "$rc" -eq 1 ]
echo 'print("y is", y)' > "$T/y.lua"
"$TYCHO" -e 'y = 1' "$T/y.lua" > "$T/e3" 2>&1
ok "-e runs before the script" contains "$T/e3" "y is	1"

echo 'print("from stdin", ...)' | "$TYCHO" - p q > "$T/s" 2>&1
ok "- reads the program from stdin with args" contains "$T/s" "from stdin	p	q"

mkdir -p "$T/mods"; echo 'return {answer = 42}' > "$T/mods/mymod.lua"
LUA_PATH="$T/mods/?.lua;;" "$TYCHO" -l mymod -e 'print(mymod.answer)' > "$T/l" 2>&1
ok "-l requires into a global" contains "$T/l" "^42$"

echo 'print("then prompt", z)' | "$TYCHO" -i "$T/args.lua" > "$T/i" 2>&1
ok "-i runs the script" contains "$T/i" "args.lua"
ok "-i then reads the prompt" contains "$T/i" "then prompt	nil"

printf '1 + 1\n' | "$TYCHO" > "$T/np" 2>&1
ok "no prompt or banner when stdin is not a terminal" [ "$(cat "$T/np")" = "2" ]
printf 'error("x")\n' | "$TYCHO" > "$T/nc" 2>&1
ok "no colour escapes without a terminal" lacks "$T/nc" "$(printf '\033')"

"$TYCHO" -e 'assert(mat and linalg and fft and sparse and rand and plot)' > "$T/g" 2>&1; rc=$?
ok "modules are globals" [ "$rc" -eq 0 ]
"$TYCHO" -e 'assert(require("tycho.mat") == mat)' > "$T/r" 2>&1; rc=$?
ok "modules are require-able as tycho.<name>" [ "$rc" -eq 0 ]
done_testing

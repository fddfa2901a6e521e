#!/usr/bin/python3
"""terminal.py: the prompt at a real (pseudo) terminal, as a person uses it.

Drives tycho through a pty: banner and prompt, tab completion of a global, a
dotted field, a method and a file name in a string, continuation lines, an
error, Ctrl-C at the prompt and during a Lua and a native loop, history kept
across two sessions, help, and exit on Ctrl-D.  Prints TAP.
Run by tests/repl/terminal.sh (skipped when python3 is missing).
"""
import os
import pty
import select
import signal
import sys
import time

TYCHO = os.environ["TYCHO"]
TMP = os.environ.get("TY_TMP", "/tmp")
HIST = os.path.join(TMP, "terminal_history")
count = 0
failed = 0


def ok(cond, name, detail=""):
    global count, failed
    count += 1
    if not cond:
        failed += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (count, name))
    if not cond and detail:
        for line in detail.splitlines()[-15:]:
            print("#   " + repr(line))
    sys.stdout.flush()


class Session:
    def __init__(self):
        env = dict(os.environ, TERM="xterm", TYCHO_HISTORY=HIST, NO_COLOR="1")
        env.pop("DISPLAY", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(TYCHO, [TYCHO], env)
        self.out = b""

    def read(self, until=None, timeout=5.0):
        """Read output until `until` (bytes) appears after the current mark,
        or the timeout; returns the new text."""
        start = len(self.out)
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                self.out += data
                if until is not None and until in self.out[start:]:
                    break
            elif until is None and time.time() > deadline - timeout + 0.3:
                break
        return self.out[start:].decode("utf-8", "replace")

    def send(self, text):
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def line(self, text, until=b"> "):
        self.send(text + "\r")
        return self.read(until)

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)


def main():
    if os.path.exists(HIST):
        os.remove(HIST)
    s = Session()
    banner = s.read(b"> ")
    ok("tycho" in banner and banner.rstrip().endswith(">"), "banner and prompt", banner)

    out = s.line("A = mat.eye(3)")
    s.send("mat.ze\t")
    out = s.read(b"zeros(", 2)
    ok("mat.zeros(" in out, "tab completes a dotted field", out)
    out = s.line("2, 2)", b"> ")
    ok("mat 2x2" in out, "completed call runs and auto-prints", out)

    s.send("A:co\t\t")
    out = s.read(b"copy", 2)
    ok("cols" in out and "copy" in out, "tab lists methods after ':'", out)
    s.send("\x15")          # Ctrl-U clears the line
    s.read(None, 0.3)

    s.line("tbl = {alpha = 1, beta = {gamma = 2}}")
    s.send("tbl.beta.g\t")
    out = s.read(b"gamma", 2)
    ok("gamma" in out, "tab completes nested fields", out)
    out = s.line("", b"> ")
    ok("2" in out, "nested field evaluates", out)

    open(os.path.join(TMP, "terminal_data.csv"), "w").write("1,2\n")
    s.send('f = "%s/terminal_da\t' % TMP)
    out = s.read(b"data.csv", 2)
    ok("terminal_data.csv" in out, "tab completes a file name in a string", out)
    s.send("\x15")
    s.read(None, 0.3)

    s.line("function double(x)", b">> ")
    s.line("return 2 * x", b">> ")
    out = s.line("end")
    out = s.line("double(21)")
    ok("42" in out, "multi-line function definition", out)

    out = s.line("nil + 1")
    ok("attempt to perform arithmetic" in out and "traceback" in out,
       "error with traceback; session continues", out)

    s.send("half typed")
    s.read(None, 0.3)
    s.send("\x03")           # Ctrl-C at the prompt clears the line
    s.read(b"> ", 2)
    out = s.line("1 + 2")
    ok("3" in out and "half typed" not in out.split("1 + 2")[-1],
       "Ctrl-C at the prompt clears the line", out)

    s.send("while true do end\r")
    time.sleep(0.5)
    s.send("\x03")
    out = s.read(b"> ", 5)
    ok("interrupted" in out, "Ctrl-C stops a Lua loop", out)
    out = s.line("double(4)")
    ok("8" in out, "variables survive the interrupt", out)

    s.send("tycho.debug.spin(60)\r")
    time.sleep(0.5)
    t0 = time.time()
    s.send("\x03")
    out = s.read(b"> ", 5)
    ok("interrupted" in out and time.time() - t0 < 3, "Ctrl-C stops a native loop", out)
    out = s.line("print('alive')")
    ok("alive" in out, "next command runs after a native interrupt", out)

    s.send("?mat.zeros\r")
    out = s.read(b"See also", 5) + s.read(b"> ", 2)
    ok("mat.zeros(m [, n=1])" in out, "?name shows help", out)

    s.send("\x04")           # Ctrl-D exits
    status = None
    for _ in range(100):     # wait up to 5 s, never forever
        s.read(None, 0.05)
        time.sleep(0.05)     # read returns at once when the pty has closed
        pid, st = os.waitpid(s.pid, os.WNOHANG)
        if pid != 0:
            status = st
            break
    ok(status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
       "Ctrl-D exits with 0", s.out.decode("utf-8", "replace")[-300:])
    s.close()

    # a second session sees the first one's history
    s2 = Session()
    s2.read(b"> ")
    s2.send("\x1b[A")        # Up arrow
    out = s2.read(None, 0.5)
    ok("?mat.zeros" in out, "history is kept across sessions", out)
    s2.send("\x15")
    s2.send("\x04")
    s2.read(None, 0.5)
    s2.close()
    hist = open(HIST).read() if os.path.exists(HIST) else ""
    ok("double(21)" in hist, "history file written", hist)

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

-- Help texts of the host: the prompt's helpers and the tycho module.
local def = ...

def("help", {
  sig = "help([x])",
  summary = [[Print the docstring of x: a function (help(mat.zeros)), a name
(help("mat.zeros")) or a module (help(linalg) lists its functions).  With no
argument, list the modules.  At the prompt, ?x is the same as help(x).]],
  example = [[help(mat.zeros)
help(linalg)]],
  see = {"who", "whos"},
})

def("who", {
  sig = "who()",
  summary = [[List the names of the variables you have defined (globals that
did not exist when tycho started).]],
  example = [[x = 1
who()]],
  see = {"whos"},
})

def("whos", {
  sig = "whos()",
  summary = [[List your variables with their size, kind and bytes of matrix
storage.]],
  example = [[A = mat.zeros(3, 4)
whos()]],
  see = {"who"},
})

def("tic", {
  sig = "tic()",
  summary = [[Start the stopwatch read by toc().]],
  example = [[tic()
local t = toc()
assert(t >= 0)]],
  see = {"toc", "timeit"},
})

def("toc", {
  sig = "toc() -> seconds",
  summary = [[Seconds (a monotonic clock) since the last tic().  Raises an
error if tic() was never called.]],
  example = [[tic()
for i = 1, 1e5 do end
print(string.format("%.3g s", toc()))]],
  see = {"tic", "timeit"},
})

def("timeit", {
  sig = "timeit(f [, n]) -> seconds",
  summary = [[The median time in seconds of n calls of f.  Without n, runs f
enough times to fill about 0.2 s (at least 3, at most 1000 runs).]],
  example = [[local A = mat.ones(100, 100)
local t = timeit(function() return A:t() end, 5)
assert(t > 0)]],
  see = {"tic", "toc"},
})

def("tycho.clock", {
  sig = "tycho.clock() -> seconds",
  summary = [[A monotonic clock in seconds, for measuring intervals.]],
  example = [[local t0 = tycho.clock()
assert(tycho.clock() >= t0)]],
  see = {"tic", "toc"},
})

def("tycho.colorterm", {
  sig = "tycho.colorterm() -> boolean",
  summary = [[Whether colour escapes may be written to standard output: it is
a terminal, TERM is not "dumb", NO_COLOR is unset and tycho was not started
with --no-color.  Set tycho.repl.color = false to turn colour off in a
session.]],
  example = [[print(tycho.colorterm())]],
  see = {"tycho.repl.printer"},
})

def("tycho.repl.printer", {
  sig = "tycho.repl.printer(...)",
  summary = [[The pretty printer the prompt calls with the values of an
expression.  Replace it to change how results look, for example
tycho.repl.printer = print.  tycho.repl.format(v) gives the default text of
one value.]],
  example = [[tycho.repl.printer(1.5, "text", {1, 2})]],
  see = {"tycho.repl.format"},
})

def("tycho.repl.format", {
  sig = "tycho.repl.format(v) -> string",
  summary = [[The text the prompt shows for one value: numbers with up to 15
significant digits, tables as {1, 2, key = value} to a small depth, and
anything with __tostring (matrices) through it.]],
  example = [[assert(tycho.repl.format({1, 2.5}) == "{1, 2.5}")]],
  see = {"tycho.repl.printer"},
})

def("tycho.debug.spin", {
  sig = "tycho.debug.spin(seconds) -> iterations",
  summary = [[A native busy loop that runs for the given seconds while
polling the interrupt flag, as every long native kernel does.  It exists for
tests of Ctrl-C: pressing Ctrl-C stops it with the error "interrupted".]],
  example = [[assert(tycho.debug.spin(0.01) > 0)]],
  see = {},
})

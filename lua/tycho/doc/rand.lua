-- Help texts of rand (reproducible random numbers) and of mat.rand and
-- mat.randn, which draw from the same generator.  The generator itself is
-- defined in docs/rand.md.
local def = ...

def("rand.seed", {
  sig = "rand.seed([n]) -> seed",
  summary = [[Restart the generator from the integer seed n: the state becomes
four successive outputs of splitmix64 started at n, so the same seed gives the
same numbers on every machine.  Without n the seed is taken from the clock.
Returns the seed used, which reproduces the stream when passed back.  At
start-up the generator is seeded with 0, so scripts are reproducible unless
they ask otherwise.]],
  example = [[rand.seed(42)
local a = rand.uniform()
rand.seed(42)
assert(rand.uniform() == a)
local s = rand.seed()              -- from the clock
local b = rand.normal()
rand.seed(s)
assert(rand.normal() == b)]],
  see = {"rand.state", "rand.setstate"},
})

def("rand.state", {
  sig = "rand.state() -> s",
  summary = [[The generator's state as a string of 64 hex digits (the four
64-bit words of xoshiro256**).  rand.setstate(s) resumes the stream from this
point; the string can be printed, stored in a file and restored later.]],
  example = [[rand.seed(1)
local s = rand.state()
local x = mat.randn(3)
rand.setstate(s)
assert(mat.randn(3)[3] == x[3])]],
  see = {"rand.setstate", "rand.seed"},
})

def("rand.setstate", {
  sig = "rand.setstate(s)",
  summary = [[Restore a state saved by rand.state().  s must be 64 hex digits,
not all zero.]],
  example = [[local s = rand.state()
local u = rand.uniform()
rand.setstate(s)
assert(rand.uniform() == u)]],
  see = {"rand.state"},
})

def("rand.bits", {
  sig = "rand.bits() -> i",
  summary = [[The next raw 64-bit output of xoshiro256** as a Lua integer (the
bit pattern read as two's complement, so about half are negative).  Every
other draw is built from these outputs.]],
  example = [[rand.seed(42)
assert(rand.bits() == 0x15780b2e0c2ec716)]],
  see = {"rand.uniform", "rand.int"},
})

def("rand.uniform", {
  sig = "rand.uniform([a, b]) -> x",
  summary = [[A uniform random number in [0, 1), or in [a, b) as a + (b - a) u.
u is (next() >> 11) * 2^-53: a multiple of 2^-53, never 1.  The bounds must be
finite with a <= b.]],
  example = [[rand.seed(3)
local u = rand.uniform()
assert(u >= 0 and u < 1)
local x = rand.uniform(-1, 1)
assert(x >= -1 and x < 1)]],
  see = {"mat.rand", "rand.normal", "rand.int"},
})

def("rand.normal", {
  sig = "rand.normal([mu=0, sigma=1]) -> x",
  summary = [[A normal random number with mean mu and standard deviation sigma
(sigma >= 0), computed as mu + sigma z with z from a 256-layer ziggurat.  The
sampler uses no C library function but sqrt, so its values are the same on
every machine.]],
  example = [[rand.seed(5)
local s = 0
for _ = 1, 1000 do s = s + rand.normal(2, 0.5) end
assert(math.abs(s / 1000 - 2) < 0.1)]],
  see = {"mat.randn", "rand.uniform"},
})

def("rand.int", {
  sig = "rand.int(a, b) -> k | rand.int(n) -> k",
  summary = [[A uniform random integer in [a, b], both ends included (rand.int(n)
is rand.int(1, n)).  Unbiased: a 64-bit output x is rejected while it is
below 2^64 mod (b - a + 1), then a + x mod (b - a + 1) is returned.  Any
range of Lua integers works, up to the full 64 bits.]],
  example = [[rand.seed(7)
local k = rand.int(1, 6)
assert(math.type(k) == "integer" and k >= 1 and k <= 6)
assert(rand.int(3, 3) == 3)]],
  see = {"rand.perm", "rand.uniform"},
})

def("rand.perm", {
  sig = "rand.perm(n) -> p",
  summary = [[A random permutation of 1..n as an n x 1 vector, by the
Fisher-Yates shuffle: starting from 1..n, for i = n down to 2, swap element i
with element rand.int(1, i).  Every order is equally likely.]],
  example = [==[rand.seed(8)
local p = rand.perm(5)
local seen = {}
for k = 1, 5 do seen[p[k]] = true end
assert(#p == 5 and seen[1] and seen[5])]==],
  see = {"rand.int"},
})

def("mat.rand", {
  sig = "mat.rand(m [, n=1]) -> A",
  summary = [[An m x n matrix of uniform random numbers in [0, 1), filled in
column-major order from the rand generator (the same numbers as m*n calls of
rand.uniform()).]],
  example = [[rand.seed(1)
local A = mat.rand(3, 2)
rand.seed(1)
assert(A[1] == rand.uniform() and A:rows() == 3 and A:cols() == 2)]],
  see = {"mat.randn", "rand.uniform", "rand.seed"},
})

def("mat.randn", {
  sig = "mat.randn(m [, n=1]) -> A",
  summary = [[An m x n matrix of standard normal random numbers, filled in
column-major order from the rand generator (the same numbers as m*n calls of
rand.normal()).  For mean mu and deviation sigma, use mu + sigma * A.]],
  example = [[rand.seed(2)
local z = mat.randn(10000)
local s = 0
for k = 1, #z do s = s + z[k] end
assert(math.abs(s / #z) < 0.05)]],
  see = {"mat.rand", "rand.normal", "rand.seed"},
})

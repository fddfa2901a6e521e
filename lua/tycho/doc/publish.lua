-- Help texts of `tycho publish` and its module (require "tycho.publish").
-- The guide is docs/publish.md.
local def = ...
local publish = require "tycho.publish"

def("publish", {
  fn = publish,
  sig = "tycho publish script.lua [-o out.html|out.md] [--keep-going]",
  summary = [[Run a percent-format script (`-- %%` code cells, `-- %% [markdown]`
text cells whose lines start with "-- ") cell by cell in a fresh environment,
and write a report: each code cell highlighted, with what it printed and the
figures it drew or changed below it.  HTML (the default, script name with
.html in the current folder) is one self-contained file; with -o x.md the
report is Markdown with the figures as PNG files beside it.  An error is shown
in its cell and ends the run with exit status 1, unless --keep-going.  From
Lua: require("tycho.publish").main{"lesson.lua", "-o", "out.html"}.]],
  example = [[local publish = require "tycho.publish"
assert(type(publish.main) == "function")]],
  see = {"publish.main", "publish.markdown"},
})

def("publish.main", {
  fn = publish.main,
  sig = "publish.main(args) -> boolean",
  summary = [[The `tycho publish` command: args is the list of its arguments
(script, "-o", output, "--keep-going").  Returns true when the report was
written and no cell failed (or --keep-going was given); false after printing
a message to standard error.]],
  example = [[local publish = require "tycho.publish"
local script = os.tmpname() .. ".lua"
local f = io.open(script, "w")
f:write("-- %%\nprint(6 * 7)\n")
f:close()
local out = os.tmpname() .. ".md"
assert(publish.main{script, "-o", out})
assert(io.open(out):read("a"):find("```text\n42\n```", 1, true))
os.remove(script); os.remove(out)]],
  see = {"publish", "publish.parse"},
})

def("publish.parse", {
  fn = publish.parse,
  sig = "publish.parse(text) -> cells, nlines",
  summary = [[Split a percent-format script into cells: a list of {kind =
"code" | "markdown", lines = {...}, first = first line, marker = the marker's
line (nil for lines before any marker), title = text after %%}.  Markdown
lines have their "-- " removed.]],
  example = [[local publish = require "tycho.publish"
local cells = publish.parse("x = 1\n-- %% [markdown]\n-- # Title\n-- %% Setup\ny = 2\n")
assert(#cells == 3 and cells[2].lines[1] == "# Title" and cells[3].title == "Setup")]],
  see = {"publish.main"},
})

def("publish.markdown", {
  fn = publish.markdown,
  sig = "publish.markdown(text) -> html",
  summary = [[Markdown as HTML, as text cells are rendered: headings,
paragraphs, lists, block quotes, tables, fenced and indented code (```lua is
highlighted), rules, inline code, emphasis, links and images.  $math$ and
$$math$$ are kept as escaped text.  Raw HTML is escaped, and links other than
http(s), mailto and ftp (such as javascript:) are dropped.]],
  example = [[local publish = require "tycho.publish"
local html = publish.markdown("# Hi\n\n- *one*\n- `two`\n\n<b>raw</b>")
assert(html:find('<h1 id="hi">Hi</h1>', 1, true))
assert(html:find("<li><em>one</em></li>", 1, true))
assert(html:find("&lt;b&gt;raw&lt;/b&gt;", 1, true))]],
  see = {"publish.highlight"},
})

def("publish.highlight", {
  fn = publish.highlight,
  sig = "publish.highlight(code) -> html",
  summary = [[Lua source as escaped HTML with spans for keywords (class kw),
strings (str), comments (com), numbers (num) and well-known names such as
print, mat or plot (bi).]],
  example = [[local publish = require "tycho.publish"
local html = publish.highlight("local s = 'a<b' -- note")
assert(html:find('<span class="kw">local</span>', 1, true))
assert(html:find('<span class="str">&#39;a&lt;b&#39;</span>', 1, true))
assert(html:find('<span class="com">-- note</span>', 1, true))]],
  see = {"publish.markdown"},
})

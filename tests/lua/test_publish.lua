-- test_publish.lua: `tycho publish`: cells, running, capture, Markdown,
-- highlighting, escaping, HTML and Markdown reports, exit status.
local t = require "tap"
local publish = require "tycho.publish"

local tmp = os.getenv("TY_TMP") or "/tmp"
local dir = tmp .. "/publish-test-" .. tostring(os.time()) .. "-" .. math.random(1e6)
assert(os.execute("mkdir -p '" .. dir .. "'"))
local tycho_bin = os.getenv("TYCHO") or arg[-1]

local function readall(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function writeall(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- run `tycho publish args` in dir; returns exit status, stdout+stderr
local function run_publish(args)
  local cmd = "cd '" .. dir .. "' && '" .. tycho_bin .. "' publish " .. args .. " 2>&1"
  local p = io.popen(cmd)
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

local function count(s, pat)
  return select(2, s:gsub(pat, ""))
end

-- ---- 1. the percent format ---------------------------------------------
do
  local cells, n = publish.parse(table.concat({
    "#!/usr/bin/env tycho",
    "local header = 1",
    "-- %% [markdown]",
    "-- # Title",
    "-- text with -- dashes",
    "--",
    "-- %% Setup",
    "x = 1",
    "",
    "-- %%",
    "-- a comment in code",
    "print(x)",
    "--%% [md]",
    "-- more",
  }, "\n"))
  t.is(n, 14, "parse counts the lines")
  t.is(#cells, 5, "five cells (the lines before the first marker are one)")
  t.ok(cells[1].kind == "code" and cells[1].first == 1 and cells[1].marker == nil,
       "the header cell")
  t.ok(cells[2].kind == "markdown" and cells[2].lines[1] == "# Title" and
       cells[2].lines[2] == "text with -- dashes" and cells[2].lines[3] == "",
       "markdown lines lose their '-- '")
  t.ok(cells[3].kind == "code" and cells[3].title == "Setup" and cells[3].marker == 7,
       "a code cell with a title")
  t.ok(cells[4].lines[1] == "-- a comment in code", "comments in code cells stay")
  t.ok(cells[5].kind == "markdown" and cells[5].lines[1] == "more", "[md] is markdown too")
  -- "-- %%" inside a long string or a long comment is not a marker
  local long = publish.parse(table.concat({
    "local doc = [==[",
    "-- %% not a cell",
    "]==]",
    "--[[ a long comment",
    "-- %% not a cell either",
    "]] x = '[[' -- %% a short string and a comment do not open anything",
    "-- %% a cell",
    "y = 2",
  }, "\n"))
  t.is(#long, 2, "markers inside long strings and comments are text")
  t.ok(long[1].lines[2] == "-- %% not a cell" and long[2].title == "a cell" and
       long[2].lines[1] == "y = 2", "the one real marker splits there")
  local none = publish.parse("print(1)\nprint(2)\n")
  t.ok(#none == 1 and none[1].kind == "code" and #none[1].lines == 2,
       "a script without markers is one code cell")
end

-- ---- 2. Markdown -----------------------------------------------------------
do
  local md = publish.markdown
  local h = md("# Hello *world*\n\nA paragraph with **bold**, *em*, `a < b`, " ..
               "[a link](https://example.com \"t\") and snake_case_name.\n\n" ..
               "## Second\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n")
  t.ok(h:find('<h1 id="hello-world">Hello <em>world</em></h1>', 1, true), "heading with emphasis")
  t.ok(h:find("<strong>bold</strong>", 1, true) and h:find("<em>em</em>", 1, true), "strong and em")
  t.ok(h:find("<code>a &lt; b</code>", 1, true), "code spans are escaped")
  t.ok(h:find('<a href="https://example.com" title="t">a link</a>', 1, true), "links")
  t.ok(h:find("snake_case_name", 1, true), "underscores inside words are not emphasis")
  t.ok(h:find("<ul>\n<li>one</li>", 1, true) and h:find("<li>two\n<ul>\n<li>nested</li>", 1, true),
       "nested lists")
  t.ok(h:find("<ol>\n<li>first</li>\n<li>second</li>\n</ol>", 1, true), "ordered lists")
  local m = md("Euler: $e^{i\\pi} + 1 = 0$ and $a_1 < b_2$ but $5 and $6.\n\n$$\n\\int_0^1 x\\,dx\n$$")
  t.ok(m:find('<span class="math">$e^{i\\pi} + 1 = 0$</span>', 1, true), "inline math kept as text")
  t.ok(m:find('<span class="math">$a_1 &lt; b_2$</span>', 1, true), "math is escaped, no emphasis inside")
  t.ok(m:find('<div class="math">$$\n\\int_0^1 x\\,dx\n$$</div>', 1, true), "display math kept")
  local x = md("<script>alert(1)</script>\n\n[click](javascript:alert(1)) " ..
               "<img src=x onerror=alert(1)> \"q\" & 'a'")
  t.ok(not x:find("<script", 1, true) and not x:find("<img src=x", 1, true),
       "raw HTML is escaped")
  t.ok(x:find('href="#"', 1, true) and not x:find("javascript:", 1, true),
       "javascript: links are neutralized")
  t.ok(x:find("&quot;q&quot; &amp; &#39;a&#39;", 1, true), "quotes and ampersands escaped")
  local c = md("```lua\nlocal s = \"<b>\" -- note\n```\n\n```\nplain <x>\n```\n\n    indented <y>\n")
  t.ok(c:find('<span class="kw">local</span>', 1, true) and
       c:find('<span class="str">&quot;&lt;b&gt;&quot;</span>', 1, true) and
       c:find('<span class="com">-- note</span>', 1, true), "```lua blocks are highlighted")
  t.ok(c:find("<pre><code>plain &lt;x&gt;</code></pre>", 1, true), "other fences are escaped")
  t.ok(c:find("<pre><code>indented &lt;y&gt;</code></pre>", 1, true), "indented code")
  local tb = md("| a | b |\n|:--|--:|\n| 1 | `|x` |\n\n> quoted *text*\n\n---\n")
  t.ok(tb:find("<table>", 1, true) and tb:find('<th style="text-align:left">a</th>', 1, true) and
       tb:find('<td style="text-align:right">', 1, true), "tables with alignment")
  t.ok(tb:find("<blockquote>\n<p>quoted <em>text</em></p>\n</blockquote>", 1, true), "block quotes")
  t.ok(tb:find("<hr>", 1, true), "rules")
  t.ok(md("a \\*not em\\* b"):find("a *not em* b", 1, true), "backslash escapes")
end

-- ---- 3. the highlighter ----------------------------------------------------
do
  local hl = publish.highlight
  local s = hl("local x = 0x1F + 1.5e-3 --[[ long\ncomment ]] return [==[ s ]==] .. 'q\\'s' -- end")
  t.ok(s:find('<span class="kw">local</span>', 1, true), "keywords")
  t.ok(s:find('<span class="num">0x1F</span>', 1, true) and
       s:find('<span class="num">1.5e-3</span>', 1, true), "numbers")
  t.ok(s:find('<span class="com">--[[ long\ncomment ]]</span>', 1, true), "long comments")
  t.ok(s:find('<span class="str">[==[ s ]==]</span>', 1, true), "long strings")
  t.ok(s:find([[<span class="str">&#39;q\&#39;s&#39;</span>]], 1, true), "escaped quotes in strings")
  t.ok(s:find('<span class="com">-- end</span>', 1, true), "line comments")
  t.ok(hl("mat.zeros(3)"):find('<span class="bi">mat</span>.zeros', 1, true), "known names")
  t.ok(not hl("a.print"):find('class="bi"', 1, true), "fields are not builtins")
  t.is(hl("x < y"), "x &lt; y", "operators are escaped")
end

t.is(publish.base64("Man"), "TWFu", "base64 of 3 bytes")
t.is(publish.base64("Ma"), "TWE=", "base64 of 2 bytes")
t.is(publish.base64(""), "", "base64 of nothing")

-- ---- 4. publishing a lesson -----------------------------------------------
local lesson = [[
-- %% [markdown]
-- # A lesson <with> "quotes"
--
-- Text with `code` and $x^2$.

-- %%
local a = 6 * 7
print("answer", a)
io.write("io.write <b>bold?</b>\n")
io.stdout:write("io.stdout\n")

-- %% Plotting
print("a is still", a)
local x = mat.linspace(0, 1, 20)
local fig = plot(x, x, {title = "line </script>", label = "x"})
local g = plot.hist(mat.linspace(0, 1, 100), {bins = 5})
g:close()

-- %%
fig:plot(x, x, {label = "again"})
print("<script>alert('x')</script>")

-- %%
error("boom in cell 5")

-- %%
print("after the error")
]]
writeall(dir .. "/lesson.lua", lesson)
do
  local code, out = run_publish("lesson.lua")
  t.is(code, 1, "an error in a cell: exit status 1")
  t.ok(out:find("lesson.lua:24: boom in cell 5", 1, true), "the error is on stderr with its line")
  local html = readall(dir .. "/lesson.html")
  t.ok(html ~= nil, "the default output is <script>.html in the current folder")
  html = html or ""
  t.ok(html:match("^<!DOCTYPE html>") and html:match("</html>%s*$"), "a complete HTML page")
  t.ok(html:find("<style>", 1, true) and not html:find("<link", 1, true) and
       not html:find("<script", 1, true), "self-contained: CSS inside, no links, no scripts")
  t.ok(html:find("<title>A lesson &lt;with&gt; &quot;quotes&quot;</title>", 1, true),
       "the first heading is the title, escaped")
  local cell2 = html:match('<section class="cell" id="cell%-2">(.-)</section>') or ""
  t.ok(cell2:find("answer\t42\nio.write &lt;b&gt;bold?&lt;/b&gt;\nio.stdout", 1, true),
       "cell 2's print, io.write and io.stdout output, in order, escaped")
  local cell3 = html:match('<section class="cell" id="cell%-3">(.-)</section>') or ""
  t.ok(cell3:find("a is still\t42", 1, true), "a local of one cell is seen by the next")
  t.is(count(cell3, '<img src="data:image/svg%+xml;base64,'), 2,
       "cell 3 shows its two figures (one closed inside the cell)")
  t.ok(cell3:find('<div class="label">Plotting</div>', 1, true), "the cell title is shown")
  local cell4 = html:match('<section class="cell" id="cell%-4">(.-)</section>') or ""
  t.is(count(cell4, "<img "), 1, "a figure changed in a later cell is shown again there")
  t.ok(cell4:find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", 1, true), "output is escaped")
  local cell5 = html:match('<section class="cell" id="cell%-5">(.-)</section>') or ""
  t.ok(cell5:find('<pre class="err">lesson.lua:24: boom in cell 5', 1, true),
       "the error is shown in its cell")
  local cell6 = html:match('<section class="cell" id="cell%-6">(.-)</section>') or ""
  t.ok(cell6:find("not run", 1, true), "cells after the error are shown as not run")
  t.ok(not cell6:find('class="out"', 1, true), "the cell after the error did not run")
  -- the embedded SVG is a complete document holding the (escaped) title
  local b64 = cell3:match('data:image/svg%+xml;base64,([^"]+)')
  local function unb64(s)
    local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    local map = {}
    for i = 1, 64 do map[chars:sub(i, i)] = i - 1 end
    local out = {}
    for i = 1, #s, 4 do
      local a, b, c, d = map[s:sub(i, i)], map[s:sub(i + 1, i + 1)],
                         map[s:sub(i + 2, i + 2)], map[s:sub(i + 3, i + 3)]
      local n = (a << 18) | (b << 12) | ((c or 0) << 6) | (d or 0)
      out[#out + 1] = string.char((n >> 16) & 255)
      if c then out[#out + 1] = string.char((n >> 8) & 255) end
      if d then out[#out + 1] = string.char(n & 255) end
    end
    return table.concat(out)
  end
  local svg = b64 and unb64(b64) or ""
  t.ok(svg:match("</svg>%s*$") and svg:find("line &lt;/script>", 1, true),
       "the figure is an SVG with its title")
end
do
  local code = run_publish("lesson.lua --keep-going -o kept.html")
  local html = readall(dir .. "/kept.html") or ""
  t.is(code, 0, "--keep-going: exit status 0")
  t.ok(html:find("after the error", 1, true), "--keep-going runs the cells after an error")
  t.ok(html:find("boom in cell 5", 1, true), "... and still shows the error")
end
do
  local code, out = run_publish("lesson.lua -k -o notes/out.md")
  t.is(code, 1, "an output folder that does not exist: exit status 1")
  t.ok(out:find("cannot write", 1, true), "... with a message")
  os.execute("mkdir -p '" .. dir .. "/notes'")
  code = run_publish("lesson.lua --keep-going -o notes/out.md")
  local md = readall(dir .. "/notes/out.md") or ""
  t.is(code, 0, "publish to Markdown")
  t.ok(md:find("```lua\nlocal a = 6 * 7", 1, true) and md:find("```text\nanswer\t42", 1, true),
       "Markdown: code and output blocks")
  local images = {}
  for file in md:gmatch("!%[[^%]]*%]%(([^%)]+)%)") do images[#images + 1] = file end
  t.is(#images, 3, "Markdown: three figure links")
  local all = true
  for _, file in ipairs(images) do
    local png = readall(dir .. "/notes/" .. file)
    if not (png and png:sub(1, 4) == "\137PNG" and png:sub(-8, -5) == "IEND") then all = false end
  end
  t.ok(all, "Markdown: each figure is a complete PNG beside the file")
end

-- ---- 5. syntax errors, os.exit, odd scripts -------------------------------------
do
  writeall(dir .. "/syntax.lua", table.concat({
    "-- %%", "x = 1", "print('one')",
    "-- %%", "print('two' ..)",
    "-- %%", "print('three', x)",
  }, "\n"))
  local code, out = run_publish("syntax.lua --keep-going")
  local html = readall(dir .. "/syntax.html") or ""
  t.is(code, 0, "a syntax error with --keep-going")
  t.ok(html:find(">one\n?<", 1, false) or html:find("one</pre>", 1, true), "the cell before it ran")
  t.ok(html:find("syntax.lua:5:", 1, true), "the syntax error is shown with its line")
  t.ok(html:find("three\t1", 1, true), "the cell after it ran, with the globals")
  code = run_publish("syntax.lua")
  t.is(code, 1, "a syntax error stops the run")

  writeall(dir .. "/exit.lua", "-- %%\nprint('before')\nos.exit(0)\n-- %%\nprint('never')\n")
  code = run_publish("exit.lua")
  html = readall(dir .. "/exit.html") or ""
  t.ok(code == 0 and html:find("before", 1, true) and not html:find(">never", 1, true),
       "os.exit(0) ends the script quietly")
  writeall(dir .. "/exit1.lua", "-- %%\nos.exit(3)\n")
  t.is((run_publish("exit1.lua")), 1, "os.exit(3) is an error")

  writeall(dir .. "/odd.lua", "#!/usr/bin/env tycho\nprint('shebang ok')\n" ..
           "-- %%\nreturn 5\n-- %%\nprint(help ~= nil, _G.x)\nx = 2\n" ..
           "-- %%\nlocal t = setmetatable({}, {__tostring = function() return '<T>' end})\nerror(t)\n")
  code = run_publish("odd.lua -k")
  html = readall(dir .. "/odd.html") or ""
  t.ok(html:find("shebang ok", 1, true), "a #! line is skipped")
  t.ok(html:find("true\tnil", 1, true), "a cell that returns does not stop the others; _G is the script's")
  t.ok(html:find("&lt;T&gt;", 1, true), "an error object with __tostring is shown")
  local _, out2 = run_publish("odd.lua -k -o odd.txt")
  t.ok(out2:find("must end in .html or .md", 1, true), "other output extensions are refused")
end

-- ---- 5b. locals survive a restart; more than 200 locals ------------------
do
  writeall(dir .. "/carry.lua", "-- %%\nlocal a = 41\nlocal f = function() return a + 1 end\n" ..
           "-- %%\nlocal b = 'before'\nerror('stop')\n-- %%\nprint(f(), b)\n")
  local code = run_publish("carry.lua -k")
  local html = readall(dir .. "/carry.html") or ""
  t.ok(code == 0 and html:find("42\tbefore", 1, true),
       "after an error, the next cells still see the earlier locals")
  local lines = {}
  for c = 1, 30 do
    lines[#lines + 1] = "-- %%"
    for j = 1, 8 do lines[#lines + 1] = string.format("local v%d_%d = %d", c, j, c * 10 + j) end
  end
  lines[#lines + 1] = "-- %%"
  lines[#lines + 1] = "print('sum', v1_1 + v30_8)"
  lines[#lines + 1] = "return 0"
  writeall(dir .. "/many.lua", table.concat(lines, "\n") .. "\n")
  code = run_publish("many.lua")
  html = readall(dir .. "/many.html") or ""
  t.ok(code == 0 and html:find("sum\t319", 1, true),
       "240 top-level locals (past Lua's 200) and a final return")
end

-- ---- 6. usage ---------------------------------------------------------------------
do
  local code, out = run_publish("")
  t.ok(code == 1 and out:find("no script given", 1, true), "no script: usage, exit 1")
  code, out = run_publish("nosuch.lua")
  t.ok(code == 1 and out:find("cannot read", 1, true), "a missing script: exit 1")
  code, out = run_publish("lesson.lua --bogus")
  t.ok(code == 1 and out:find("unrecognized option '--bogus'", 1, true), "unknown option")
  code, out = run_publish("lesson.lua -o")
  t.ok(code == 1 and out:find("needs a file name", 1, true), "-o without a name")
  code, out = run_publish("--help")
  t.ok(code == 0 and out:find("usage: tycho publish", 1, true), "--help")
end

os.execute("rm -rf '" .. dir .. "'")
t.done()

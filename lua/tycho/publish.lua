-- tycho/publish.lua: `tycho publish lesson.lua [-o out.html|out.md]
-- [--keep-going]`.  Runs a percent-format script cell by cell and writes
-- a report: one self-contained HTML file (CSS inside, figures as data
-- URIs), or Markdown with the figures as PNG files beside it.
--
-- The percent format (Jupytext's, with Lua's comment prefix):
--   -- %%                 starts a code cell (text after %% is a title)
--   -- %% [markdown]      starts a text cell; its lines start with "-- "
-- Lines before the first marker form a code cell of their own.
--
-- Running.  The script runs in a fresh environment (a table whose
-- __index is _G; its globals stay in it).  Consecutive cells are compiled
-- as one chunk, padded so line numbers are the file's, so a `local` in
-- one cell is seen by the next; a hidden call at each cell's marker line
-- tells the runner where it is.  What the script prints (print, io.write,
-- io.stdout) is captured per cell, and every figure a cell makes or
-- changes is saved after the cell (tycho.plot's recording hook).  An
-- error is shown in its cell; the run stops there (exit status 1) unless
-- --keep-going, which resumes with the next cell (locals of the cells
-- before are then gone; globals stay).
local publish = {}

local PROGRAM = "tycho publish"

-- ====================================================================
-- small helpers
-- ====================================================================

local function readfile(path, mode)
  local f, err = io.open(path, mode or "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local function writefile(path, s)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(s)
  f:close()
  if not ok then return nil, werr end
  return true
end

local function escape(s)
  return (tostring(s):gsub("[&<>\"']", {["&"] = "&amp;", ["<"] = "&lt;",
    [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;"}))
end
publish.escape = escape

-- Remove bytes that are not UTF-8 (a report must be valid text) and
-- control characters other than tab and newline.
local function clean_text(s)
  if not utf8.len(s) then
    local out, pos = {}, 1
    while true do
      local n, bad = utf8.len(s, pos)
      if n then out[#out + 1] = s:sub(pos); break end
      out[#out + 1] = s:sub(pos, bad - 1) .. "\u{FFFD}"
      pos = bad + 1
    end
    s = table.concat(out)
  end
  return (s:gsub("\r\n", "\n"):gsub("[%z\1-\8\11\12\14-\31\127]", ""))
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = (n >> 18) & 63
    local c2 = (n >> 12) & 63
    local c3 = (n >> 6) & 63
    local c4 = n & 63
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1) ..
      (b and b64chars:sub(c3 + 1, c3 + 1) or "=") ..
      (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end
publish.base64 = base64

local function trim_blank_lines(lines)
  local a, b = 1, #lines
  while a <= b and lines[a]:match("^%s*$") do a = a + 1 end
  while b >= a and lines[b]:match("^%s*$") do b = b - 1 end
  return table.move(lines, a, b, 1, {})
end

local function basename(path) return path:match("([^/]*)$") end
local function dirname(path) return path:match("^(.*)/[^/]*$") or "." end

-- ====================================================================
-- the percent format
-- ====================================================================

-- The long bracket (its closing "]==]") still open at the end of `line`,
-- given the one open at its start (nil: none): a "-- %%" line inside a
-- long string or a long comment is text, not a cell marker.  Short
-- strings are skipped (a backslash escapes the next character); a line
-- comment ends the scan.
local function long_open(line, open)
  local i, n = 1, #line
  while i <= n do
    if open then
      local _, e = line:find(open, i, true)
      if not e then return open end
      i, open = e + 1, nil
    else
      local c = line:sub(i, i)
      if c == "-" and line:sub(i + 1, i + 1) == "-" then
        local eq = line:match("^%[(=*)%[", i + 2)
        if not eq then return nil end
        open, i = "]" .. eq .. "]", i + 4 + #eq
      elseif c == "[" then
        local eq = line:match("^%[(=*)%[", i)
        if eq then open, i = "]" .. eq .. "]", i + 2 + #eq else i = i + 1 end
      elseif c == '"' or c == "'" then
        local j = i + 1
        while j <= n and line:sub(j, j) ~= c do
          j = j + (line:sub(j, j) == "\\" and 2 or 1)
        end
        i = j + 1
      else
        i = i + 1
      end
    end
  end
  return open
end

--- parse(text): the cells of a percent-format script, in order:
-- {kind = "code"|"markdown", lines = {...}, first = n (first line),
--  marker = n (the marker line, nil for the lines before any marker),
--  title = text after %%}.  Markdown lines have their "-- " removed.
function publish.parse(text)
  text = text:gsub("\r\n", "\n")
  local lines = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do
    lines[#lines + 1] = line
  end
  local cells = {}
  local cur = {kind = "code", lines = {}, first = 1}
  local function close()
    if cur.marker or #trim_blank_lines(cur.lines) > 0 then
      cells[#cells + 1] = cur
    end
  end
  local open                       -- inside a long string or comment
  for i, line in ipairs(lines) do
    local rest = not open and line:match("^%-%-%s?%%%%(.*)$")
    open = long_open(line, open)
    if rest and not rest:match("^%%") then
      close()
      local kind = (rest:match("%[markdown%]") or rest:match("%[md%]"))
                   and "markdown" or "code"
      local title = rest:gsub("%[[^%]]*%]", ""):match("^%s*(.-)%s*$")
      cur = {kind = kind, lines = {}, first = i + 1, marker = i,
             title = title ~= "" and title or nil}
    else
      cur.lines[#cur.lines + 1] = line
    end
  end
  close()
  for _, c in ipairs(cells) do
    if c.kind == "markdown" then
      for j, line in ipairs(c.lines) do
        c.lines[j] = line:match("^%-%-%s?(.*)$") or line
      end
    end
  end
  return cells, #lines
end

-- ====================================================================
-- Lua highlighting (a small tokenizer)
-- ====================================================================

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch("%a+") do
  keywords[w] = true
end
local builtins = {}
for w in ([[print require pairs ipairs next tostring tonumber type error
  assert pcall xpcall select setmetatable getmetatable rawget rawset rawequal
  rawlen load loadfile dofile collectgarbage unpack math string table io os
  utf8 coroutine debug package mat linalg fft sparse rand plot linsolve ot
  optim nn tycho help who whos tic toc timeit _G _ENV self]]):gmatch("[%w_]+") do
  builtins[w] = true
end

--- highlight(code): Lua source as HTML with spans for keywords (kw),
-- strings (str), comments (com), numbers (num) and well-known names (bi).
function publish.highlight(code)
  local out, i, n = {}, 1, #code
  local function span(class, text)
    out[#out + 1] = '<span class="' .. class .. '">' .. escape(text) .. "</span>"
  end
  while i <= n do
    local c = code:sub(i, i)
    local s, e
    if code:find("^%-%-", i) then
      local eq = code:match("^%-%-%[(=*)%[", i)
      if eq then
        local close = "]" .. eq .. "]"
        local _, ce = code:find(close, i + 4 + #eq, true)
        e = ce or n
      else
        e = (code:find("\n", i, true) or n + 1) - 1
      end
      span("com", code:sub(i, e))
      i = e + 1
    elseif c == "[" and code:find("^%[=*%[", i) then
      local eq = code:match("^%[(=*)%[", i)
      local _, ce = code:find("]" .. eq .. "]", i + 2 + #eq, true)
      e = ce or n
      span("str", code:sub(i, e))
      i = e + 1
    elseif c == '"' or c == "'" then
      local j = i + 1
      while j <= n do
        local d = code:sub(j, j)
        if d == "\\" then j = j + 2
        elseif d == c or d == "\n" then break
        else j = j + 1 end
      end
      e = math.min(j, n)
      span("str", code:sub(i, e))
      i = e + 1
    elseif c:match("%d") or (c == "." and code:find("^%.%d", i)) then
      s, e = code:find("^0[xX][%x%.]*[pP][+-]?%d+", i)
      if not s then s, e = code:find("^0[xX][%x%.]*", i) end
      if not s then s, e = code:find("^%d*%.?%d*[eE][+-]?%d+", i) end
      if not s then s, e = code:find("^%d*%.?%d*", i) end
      span("num", code:sub(i, e))
      i = e + 1
    elseif c:match("[%a_]") then
      s, e = code:find("^[%w_]+", i)
      local word = code:sub(s, e)
      local prev = code:sub(i - 1, i - 1)
      if keywords[word] then span("kw", word)
      elseif builtins[word] and prev ~= "." and prev ~= ":" then span("bi", word)
      else out[#out + 1] = escape(word) end
      i = e + 1
    else
      s, e = code:find("^[^%w_%s\"'%[%-%.]+", i)
      if not s then e = i end
      out[#out + 1] = escape(code:sub(i, e))
      i = e + 1
    end
  end
  return table.concat(out)
end

-- ====================================================================
-- Markdown
-- ====================================================================

local function safe_url(url)
  local scheme = url:match("^%s*([%a][%w+.-]*):")
  if scheme then
    scheme = scheme:lower()
    if scheme ~= "http" and scheme ~= "https" and scheme ~= "mailto" and
       scheme ~= "ftp" then
      return "#"
    end
  end
  return url
end

local image_types = {png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg",
                     gif = "image/gif", svg = "image/svg+xml", webp = "image/webp"}

-- the src of an image named in Markdown: a data URI when it is a local
-- file we can read (the report stays self-contained), else the URL
local function image_src(url, ctx)
  local ext = (url:match("%.(%w+)$") or ""):lower()
  if ctx and ctx.basedir and image_types[ext] and not url:match("^%a[%w+.-]*:") then
    local path = url:sub(1, 1) == "/" and url or (ctx.basedir .. "/" .. url)
    local data = readfile(path)
    if data and #data < 8e6 then
      return "data:" .. image_types[ext] .. ";base64," .. base64(data)
    end
  end
  return safe_url(url)
end

local inline

-- Emphasis on text already escaped (placeholders hold code, math, links):
-- **strong**, __strong__, *em*, _em_ (underscores only at word edges, so
-- snake_case stays), ~~strike~~.
local function emphasis(s)
  local function wrap(tag)
    return function(open, body)
      if body:match("^%s") or body:match("%s$") then return nil end
      return "<" .. tag .. ">" .. body .. "</" .. tag .. ">"
    end
  end
  s = s:gsub("(%*%*)(.-)%*%*", wrap("strong"))
  s = s:gsub("%f[%w_](__)(.-)__%f[^%w_]", wrap("strong"))
  s = s:gsub("(~~)(.-)~~", wrap("del"))
  s = s:gsub("(%*)([^%*]+)%*", wrap("em"))
  s = s:gsub("%f[%w_](_)([^_]+)_%f[^%w_]", wrap("em"))
  return s
end

--- inline(text): Markdown inline elements as HTML: code spans, $math$
-- (shown as escaped text), links, images, autolinks, emphasis, backslash
-- escapes, hard line breaks.  Everything else is escaped.
function inline(text, ctx)
  local store = {}
  local function keep(html)
    store[#store + 1] = html
    return "\1" .. #store .. "\2"
  end
  -- code spans: a run of backquotes up to the same run
  local parts, i, n = {}, 1, #text
  while i <= n do
    local s, e = text:find("`+", i)
    if not s then parts[#parts + 1] = text:sub(i); break end
    local run = text:sub(s, e)
    local cs, ce = text:find(run, e + 1, true)
    while cs and text:sub(ce + 1, ce + 1) == "`" do
      local _, ce2 = text:find("^`+", ce + 1)
      cs, ce = text:find(run, ce2 + 1, true)
    end
    if cs then
      local code = text:sub(e + 1, cs - 1)
      if code:match("^ .* $") and code:match("[^ ]") then code = code:sub(2, -2) end
      parts[#parts + 1] = text:sub(i, s - 1)
      parts[#parts + 1] = keep("<code>" .. escape(code) .. "</code>")
      i = ce + 1
    else
      parts[#parts + 1] = text:sub(i, e)
      i = e + 1
    end
  end
  text = table.concat(parts)
  -- an escaped dollar is not math
  text = text:gsub("\\%$", function() return keep("$") end)
  -- math: $$...$$ and $...$ (no space just inside the dollars), before
  -- backslash escapes so TeX keeps its backslashes
  text = text:gsub("%$%$(.-)%$%$", function(m)
    return keep('<span class="math">$$' .. escape(m) .. "$$</span>")
  end)
  text = text:gsub("%$([^%s$][^$]-)%$", function(m)
    if m:match("%s$") then return nil end
    return keep('<span class="math">$' .. escape(m) .. "$</span>")
  end)
  -- backslash escapes
  text = text:gsub("\\([!-/:-@%[-`{-~])", function(c) return keep(escape(c)) end)
  -- autolinks <http://...>
  text = text:gsub("<(https?://[^%s>]+)>", function(u)
    return keep('<a href="' .. escape(u) .. '">' .. escape(u) .. "</a>")
  end)
  -- images and links: [text](url "title")
  text = text:gsub("(!?)%[([^%]]*)%]%(%s*<?([^%s%)>]*)>?%s*([^%)]*)%)",
    function(bang, label, url, title)
      title = title:match('^"(.*)"$') or title:match("^'(.*)'$")
      local t = title and (' title="' .. escape(title) .. '"') or ""
      if bang == "!" then
        return keep('<img src="' .. escape(image_src(url, ctx)) .. '" alt="' ..
                    escape(label:gsub("[\1\2]", "")) .. '"' .. t .. ">")
      end
      return keep('<a href="' .. escape(safe_url(url)) .. '"' .. t .. ">" ..
                  inline(label, ctx) .. "</a>")
    end)
  text = escape(text)
  text = emphasis(text)
  text = text:gsub("  +\n", "<br>\n"):gsub("\\\n", "<br>\n")
  -- restore what was kept (kept HTML may hold other placeholders)
  for _ = 1, 4 do
    local changed
    text, changed = text:gsub("\1(%d+)\2", function(k) return store[tonumber(k)] end)
    if changed == 0 then break end
  end
  return text
end
publish.inline = inline

local function is_blank(line) return line:match("^%s*$") ~= nil end

local function indent_of(line)
  local sp = line:match("^( *)")
  return #sp
end

-- a list item: indent, marker kind ("ul"/"ol"), number, text, content column
local function list_item(line)
  local ind, m, rest = line:match("^( *)([-*+])%s+(.*)$")
  if ind and not line:match("^%s*([-*_])%s*%1%s*%1[%s%1]*$") then
    return #ind, "ul", nil, rest, #ind + 2
  end
  local num, delim
  ind, num, delim, rest = line:match("^( *)(%d+)([.)])%s+(.*)$")
  if ind then return #ind, "ol", tonumber(num), rest, #ind + #num + 2 end
  return nil
end

local function starts_block(line)
  return line:match("^%s*#+%s") or line:match("^%s*```") or
         line:match("^%s*~~~") or line:match("^%s*>") or
         line:match("^%s*([-*_])%s*%1%s*%1[%s%1]*$") or
         list_item(line) ~= nil or line:match("^%s*%$%$")
end

local function table_sep(line)
  return line and line:match("^%s*|?%s*:?%-+:?%s*|") or
         (line and line:match("^%s*|?%s*:?%-+:?%s*|?%s*$") and line:find("|"))
end

local function split_row(line)
  line = line:match("^%s*|?(.-)|?%s*$")
  local cells = {}
  for cell in (line .. "|"):gmatch("(.-)|") do
    cells[#cells + 1] = cell:match("^%s*(.-)%s*$")
  end
  return cells
end

local blocks

-- Render lines[i..] as blocks until the end; returns HTML.
function blocks(lines, ctx)
  local out, i, n = {}, 1, #lines
  while i <= n do
    local line = lines[i]
    if is_blank(line) then
      i = i + 1
    elseif line:match("^%s*```") or line:match("^%s*~~~") then
      local fence, lang = line:match("^%s*([`~][`~][`~]+)%s*([%w_+-]*)")
      local code = {}
      i = i + 1
      while i <= n and not (lines[i]:match("^%s*" .. fence:sub(1, 1):rep(#fence))) do
        code[#code + 1] = lines[i]
        i = i + 1
      end
      i = i + 1
      local body = table.concat(code, "\n")
      if lang == "lua" then
        out[#out + 1] = '<pre class="src"><code>' .. publish.highlight(body) ..
                        "</code></pre>"
      else
        out[#out + 1] = "<pre><code>" .. escape(body) .. "</code></pre>"
      end
    elseif line:match("^%s*#+%s") or line:match("^%s*#+$") then
      local hashes, title = line:match("^%s*(#+)%s*(.-)%s*$")
      title = title:gsub("%s+#+$", "")
      local level = math.min(#hashes, 6)
      local slug = title:lower():gsub("[^%w%s-]", ""):gsub("%s+", "-")
      ctx.slugs[slug] = (ctx.slugs[slug] or 0) + 1
      if ctx.slugs[slug] > 1 then slug = slug .. "-" .. ctx.slugs[slug] end
      if level == 1 and not ctx.title then ctx.title = title end
      out[#out + 1] = string.format('<h%d id="%s">%s</h%d>', level,
                                    escape(slug), inline(title, ctx), level)
      i = i + 1
    elseif line:match("^%s*([-*_])%s*%1%s*%1[%s%1]*$") then
      out[#out + 1] = "<hr>"
      i = i + 1
    elseif line:match("^%s*>") then
      local quoted = {}
      while i <= n and lines[i]:match("^%s*>") do
        quoted[#quoted + 1] = lines[i]:match("^%s*>%s?(.*)$")
        i = i + 1
      end
      out[#out + 1] = "<blockquote>\n" .. blocks(quoted, ctx) .. "\n</blockquote>"
    elseif line:match("^%s*%$%$") then
      local math_lines = {line}
      local closed = line:match("^%s*%$%$.+%$%$%s*$")
      i = i + 1
      while not closed and i <= n do
        math_lines[#math_lines + 1] = lines[i]
        closed = lines[i]:match("%$%$%s*$")
        i = i + 1
      end
      out[#out + 1] = '<div class="math">' ..
                      escape(table.concat(math_lines, "\n")) .. "</div>"
    elseif list_item(line) then
      local base, kind, start = list_item(line)
      local items, item, loose = {}, nil, false
      while i <= n do
        local l = lines[i]
        local ind, k, num, rest, col = list_item(l)
        if ind and ind <= base + 1 and k == kind then
          item = {rest}
          items[#items + 1] = item
          item.col = col
          i = i + 1
        elseif ind and ind <= base + 1 then
          break                                    -- another kind of list
        elseif is_blank(l) then
          local j = i + 1
          while j <= n and is_blank(lines[j]) do j = j + 1 end
          if j > n then i = j; break end
          local nind, nk = list_item(lines[j])
          if (nind and nind <= base + 1 and nk == kind) or
             indent_of(lines[j]) >= item.col then
            loose = true
            item[#item + 1] = ""
            i = i + 1
          else
            break
          end
        elseif indent_of(l) >= base + 2 then
          item[#item + 1] = l:sub(math.min(indent_of(l), item.col) + 1)
          i = i + 1
        elseif not starts_block(l) then
          item[#item + 1] = l                       -- lazy continuation
          i = i + 1
        else
          break
        end
      end
      local html = {}
      for _, it in ipairs(items) do
        local body = blocks(it, ctx)
        if not loose then body = body:gsub("<p>(.-)</p>", "%1") end
        html[#html + 1] = "<li>" .. body .. "</li>"
      end
      local open = kind == "ul" and "<ul>" or
        (start and start ~= 1 and ('<ol start="' .. start .. '">') or "<ol>")
      out[#out + 1] = open .. "\n" .. table.concat(html, "\n") .. "\n" ..
                      (kind == "ul" and "</ul>" or "</ol>")
    elseif line:find("|") and table_sep(lines[i + 1]) then
      local head = split_row(line)
      local aligns = {}
      for k, spec in ipairs(split_row(lines[i + 1])) do
        local l, r = spec:match("^:"), spec:match(":$")
        aligns[k] = (l and r) and "center" or (r and "right") or (l and "left") or nil
      end
      local function row(cells, tag)
        local t = {}
        for k, cell in ipairs(cells) do
          local a = aligns[k] and (' style="text-align:' .. aligns[k] .. '"') or ""
          t[#t + 1] = "<" .. tag .. a .. ">" .. inline(cell, ctx) .. "</" .. tag .. ">"
        end
        return "<tr>" .. table.concat(t) .. "</tr>"
      end
      local rows = {"<table>", "<thead>" .. row(head, "th") .. "</thead>", "<tbody>"}
      i = i + 2
      while i <= n and lines[i]:find("|") and not is_blank(lines[i]) do
        rows[#rows + 1] = row(split_row(lines[i]), "td")
        i = i + 1
      end
      rows[#rows + 1] = "</tbody></table>"
      out[#out + 1] = table.concat(rows, "\n")
    elseif line:match("^    ") or line:match("^\t") then
      local code = {}
      while i <= n and (lines[i]:match("^    ") or lines[i]:match("^\t") or
                        (is_blank(lines[i]) and lines[i + 1] and
                         lines[i + 1]:match("^    "))) do
        code[#code + 1] = lines[i]:gsub("^    ", ""):gsub("^\t", "")
        i = i + 1
      end
      out[#out + 1] = "<pre><code>" .. escape(table.concat(code, "\n")) ..
                      "</code></pre>"
    else
      local para = {}
      while i <= n and not is_blank(lines[i]) and
            (#para == 0 or not starts_block(lines[i])) do
        if #para > 0 and lines[i]:find("|") and table_sep(lines[i + 1]) then break end
        para[#para + 1] = lines[i]:match("^%s*(.-)$")
        i = i + 1
      end
      out[#out + 1] = "<p>" .. inline(table.concat(para, "\n"), ctx) .. "</p>"
    end
  end
  return table.concat(out, "\n")
end

--- markdown(text [, ctx]): Markdown as HTML.  Headings, paragraphs,
-- lists (nested by indentation), fenced and indented code (```lua is
-- highlighted), block quotes, tables, rules, $$math$$ blocks; inline code,
-- emphasis, links, images, $math$ (kept as escaped text).
function publish.markdown(text, ctx)
  ctx = ctx or {}
  ctx.slugs = ctx.slugs or {}
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  return blocks(lines, ctx)
end

-- ====================================================================
-- running the script
-- ====================================================================

local Exit = {}                -- raised by os.exit inside the script

local function tmpname(ext)
  local base = os.tmpname()
  os.remove(base)
  return base .. ext
end

-- Save one figure for the report: SVG for HTML (PNG when the SVG is large,
-- as for dense surfaces), PNG for Markdown.  Returns an image record
-- {mime, data} or {path}, or nil and a message.
local function capture(plot, fig, run)
  if run.format == "md" then
    run.nimages = run.nimages + 1
    local name = string.format("%s-%d.png", run.imgbase, run.nimages)
    local ok, err = plot._capture(fig, run.imgdir .. "/" .. name, "png")
    if not ok then
      run.nimages = run.nimages - 1
      return nil, err
    end
    return {file = name}
  end
  local path = tmpname(".svg")
  local ok, err = plot._capture(fig, path, "svg")
  local data = ok and readfile(path)
  os.remove(path)
  if ok and data and #data > 600000 then
    path = tmpname(".png")
    ok, err = plot._capture(fig, path, "png")
    data = ok and readfile(path)
    os.remove(path)
    if ok and data then return {mime = "image/png", data = data} end
  end
  if not ok then return nil, err end
  if not data then return nil, "the image file could not be read" end
  return {mime = "image/svg+xml", data = data}
end

-- The runner: state shared by the cell switch and the capture.
local function new_run(cells, nlines, opts)
  return {cells = cells, nlines = nlines, results = {}, cur = nil,
          keep_going = opts.keep_going, failed = false, stopped = false,
          format = opts.format, imgdir = opts.imgdir, imgbase = opts.imgbase,
          nimages = 0, script = opts.script, env = opts.env, figs = {}}
end

local function result(run, k)
  local r = run.results[k]
  if not r then
    r = {output = {}, images = {}, errors = {}}
    run.results[k] = r
  end
  return r
end

-- start capturing output for cell k
local function begin_cell(run, k)
  run.cur = k
  run.tmp = assert(io.tmpfile())
  io.output(run.tmp)
  io.stdout = run.tmp
  run.figs = {list = {}, seen = {}}
end

-- stop capturing; keep the cell's output and save its figures
local function end_cell(run, plot)
  local k = run.cur
  if not k then return end
  run.cur = nil
  local r = result(run, k)
  if run.tmp then
    io.output(run.saved.output)
    io.stdout = run.saved.stdout
    local text = ""
    if io.type(run.tmp) == "file" then       -- the script may have closed it
      run.tmp:flush()
      run.tmp:seek("set")
      text = run.tmp:read("a") or ""
      run.tmp:close()
    end
    run.tmp = nil
    if #text > 400000 then
      text = text:sub(1, 400000) .. "\n... (output truncated)\n"
    end
    r.output[#r.output + 1] = text
  end
  for _, entry in ipairs(run.figs.list or {}) do
    local img, err = entry.image, nil
    if not img then img, err = capture(plot, entry.fig, run) end
    if img then r.images[#r.images + 1] = img
    elseif err ~= "empty" then
      r.errors[#r.errors + 1] = "figure could not be saved: " .. tostring(err)
      run.failed = true
    end
  end
  run.figs = {list = {}, seen = {}}
end

-- the cell holding line `line` (a code cell in [from, to]), or nil
local function cell_of_line(run, line, from, to)
  local best = nil
  for k = from, to do
    local c = run.cells[k]
    if c.kind == "code" and (c.marker or c.first) <= line then best = k end
  end
  return best
end

-- Source for code cells from..to: the file's line numbers, other lines
-- blank, each cell's marker line replaced by a call announcing it.
local function build(run, from, to, final)
  local out = {}
  for i = 1, run.nlines do out[i] = "" end
  for k = from, to do
    local c = run.cells[k]
    if c.kind == "code" then
      for j, line in ipairs(c.lines) do out[c.first + j - 1] = line end
      local call = "__tycho_cell(" .. k .. ");"
      if c.marker then out[c.marker] = call
      else
        if out[1]:match("^#") then out[1] = "" end     -- a #! line
        out[c.first] = call .. " " .. out[c.first]
      end
    end
  end
  out[1] = "local __tycho_cell = ...; " .. out[1]
  -- a last call after the last line, so the chunk's locals can be kept
  if final then out[#out + 1] = "__tycho_cell(0)" end
  return table.concat(out, "\n")
end

-- Compile cells from..to.  The closing call of `build` is left out when
-- it cannot be compiled (a cell ending in `return`).
local function compile(run, from, to)
  local name = "@" .. run.script
  local chunk, err = load(build(run, from, to, true), name, "t", run.env)
  if chunk then return chunk end
  local line = tonumber(err:match(":(%d+):"))
  if line and line > run.nlines then
    return load(build(run, from, to, false), name, "t", run.env)
  end
  return nil, err
end

-- Keep the values of the locals of the function `level` levels above the
-- caller, in run.carry.  When a run goes on in a new chunk (after an
-- error, or past Lua's limit of 200 locals in one function), they become
-- globals of the script's environment, so later cells still see them.
local function keep_locals(run, level)
  local vars, i = {}, 1
  while true do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    if name:sub(1, 1) ~= "(" and name ~= "__tycho_cell" then vars[name] = value end
    i = i + 1
  end
  run.carry = vars
end

-- A short traceback: the frames in the script only.
local function script_traceback(run, msg)
  local tb = debug.traceback("", 3)
  local keep = {}
  local name = basename(run.script)
  for line in tb:gmatch("[^\n]+") do
    if line:find(name, 1, true) and not line:find("publish.lua", 1, true) then
      keep[#keep + 1] = line
    end
  end
  if #keep == 0 then return msg end
  return msg .. "\nstack traceback:\n" .. table.concat(keep, "\n")
end

local function record_error(run, k, msg)
  local r = result(run, k)
  r.errors[#r.errors + 1] = msg
  run.failed = true
  io.stderr:write(PROGRAM, ": ", msg:match("^[^\n]*"), " (cell ", k, ")\n")
end

-- Execute a compiled chunk; true when it ran to the end (or os.exit(true)).
local function execute(run, plot, chunk)
  local function switch(k)
    keep_locals(run, 2)
    end_cell(run, plot)
    if k > 0 then begin_cell(run, k) end
  end
  if run.carry then
    for name, value in pairs(run.carry) do run.env[name] = value end
    run.carry = nil
  end
  local ok, err = xpcall(chunk, function(e)
    local level = 2
    while true do
      local info = debug.getinfo(level, "f")
      if not info then break end
      if info.func == chunk then keep_locals(run, level); break end
      level = level + 1
    end
    if getmetatable(e) == Exit then return e end
    local msg = type(e) == "string" and e or
      (type(e) == "table" and getmetatable(e) and getmetatable(e).__tostring
       and tostring(e)) or ("error object is a " .. type(e) .. " value")
    return script_traceback(run, msg)
  end, switch)
  local k = run.cur
  end_cell(run, plot)
  if ok then return true end
  if getmetatable(err) == Exit then
    if err.code == true or err.code == nil or err.code == 0 then
      run.stopped = true
      return true
    end
    record_error(run, k or 1, "os.exit(" .. tostring(err.code) .. ") called")
    return false
  end
  record_error(run, k or 1, err)
  return false
end

-- Run code cells from..to.  Returns false when the run must stop.
local function run_range(run, plot, from, to)
  while from <= to and run.cells[from].kind ~= "code" do from = from + 1 end
  while to >= from and run.cells[to].kind ~= "code" do to = to - 1 end
  if from > to or run.stopped then return true end
  local chunk, err = compile(run, from, to)
  if chunk then
    if execute(run, plot, chunk) then return true end
    if not run.keep_going or run.stopped then return false end
    local k = 0
    for j = from, to do if result(run, j).errors[1] then k = j end end
    return run_range(run, plot, math.max(k, from) + 1, to)
  end
  -- a syntax error: run the cells before it, then the cell alone
  local line = tonumber(err:match(":(%d+):"))
  local k = line and cell_of_line(run, line, from, to) or to
  if k > from then
    if not run_range(run, plot, from, k - 1) then return false end
    if run.stopped then return true end
  end
  local alone, err2 = compile(run, k, k)
  local ok
  if alone then ok = execute(run, plot, alone)
  else
    record_error(run, k, err2)
    ok = false
  end
  if not ok and (not run.keep_going or run.stopped) then return false end
  return run_range(run, plot, k + 1, to)
end

-- Run every cell of the script in a fresh environment.
local function run_script(run)
  local plot = require "tycho.plot"
  local env = setmetatable({}, {__index = _G})
  env._G = env
  env.arg = {[0] = run.script}
  env.os = setmetatable({exit = function(code)
    error(setmetatable({code = code}, Exit))
  end}, {__index = os})
  run.env = env
  run.saved = {print = print, output = io.output(), stdout = io.stdout}
  -- print writes to the current output (a cell's capture file)
  _G.print = function(...)
    local out, n = io.output(), select("#", ...)
    for i = 1, n do
      if i > 1 then out:write("\t") end
      out:write(tostring((select(i, ...))))
    end
    out:write("\n")
  end
  local oldpath = package.path
  package.path = dirname(run.script) .. "/?.lua;" .. package.path
  plot._record({
    touch = function(fig)
      local figs = run.figs
      if figs and figs.list and not figs.seen[fig] then
        figs.seen[fig] = true
        figs.list[#figs.list + 1] = {fig = fig}
      end
    end,
    closing = function(fig)
      local figs = run.figs
      if not (figs and figs.seen and figs.seen[fig]) then return end
      for _, entry in ipairs(figs.list) do
        if entry.fig == fig and not entry.image then
          local img = capture(plot, fig, run)
          entry.image = img
        end
      end
    end,
  })
  local ok, err = pcall(run_range, run, plot, 1, #run.cells)
  plot._record(nil)
  _G.print = run.saved.print
  io.output(run.saved.output)
  io.stdout = run.saved.stdout
  package.path = oldpath
  if not ok then error(err, 0) end
end

-- ====================================================================
-- writing the report
-- ====================================================================

local CSS = [[
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: var(--fg);
  font: 16px/1.65 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans",
  Helvetica, Arial, sans-serif; }
main { max-width: 900px; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 0.6em; font-weight: 600; }
h1 { font-size: 2em; margin-top: 0.4em; padding-bottom: 0.3em;
  border-bottom: 1px solid var(--line); }
h2 { font-size: 1.5em; padding-bottom: 0.25em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.2em; }
p, ul, ol, blockquote, table { margin: 0.7em 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo,
  Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
pre code { font-size: 1em; }
li > ul, li > ol { margin: 0.15em 0; }
:not(pre) > code { background: rgba(175, 184, 193, 0.2); padding: 0.12em 0.35em;
  border-radius: 5px; }
pre { margin: 0; padding: 0.75em 1em; overflow-x: auto; line-height: 1.5;
  border-radius: 6px; }
pre:not(.src):not(.out):not(.err) { background: var(--soft); border: 1px solid var(--line); }
blockquote { margin-left: 0; padding: 0 1em; color: var(--muted);
  border-left: 0.25em solid var(--line); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 0.35em 0.8em; }
th { background: var(--soft); }
hr { border: 0; border-top: 1px solid var(--line); margin: 2em 0; }
img { max-width: 100%; }
.math { font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math",
  Georgia, serif; color: #3a3a7a; }
div.math { text-align: center; margin: 0.8em 0; white-space: pre-wrap; }
.cell { margin: 1.1em 0 1.4em; }
.cell pre.src { background: var(--soft); border: 1px solid var(--line); }
.cell .label { font: 12px/1 ui-monospace, Menlo, Consolas, monospace;
  color: var(--muted); margin: 0 0 0.3em 0.2em; }
pre.out { background: #ffffff; border: 1px solid var(--line); border-left: 3px solid #8c959f;
  border-radius: 0 6px 6px 0; margin-top: 0.45em; color: #24292f; }
pre.err { background: #fff1f0; border: 1px solid #ffcecb; border-left: 3px solid #cf222e;
  border-radius: 0 6px 6px 0; margin-top: 0.45em; color: #82071e; white-space: pre-wrap; }
figure { margin: 0.8em 0 0.2em; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #eef0f2; border-radius: 6px;
  background: #ffffff; }
figcaption { color: var(--muted); font-size: 0.85em; }
.kw { color: #cf222e; } .str { color: #0a3069; } .com { color: #6e7781; font-style: italic; }
.num { color: #0550ae; } .bi { color: #8250df; }
footer { margin-top: 3em; padding-top: 1em; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 0.85em; }
@media print { main { max-width: none; } pre { white-space: pre-wrap; } }
]]

-- the report as one HTML page
local function html_report(run, cells)
  local ctx = {slugs = {}, basedir = dirname(run.script)}
  local body = {}
  local ncode = 0
  for k, c in ipairs(cells) do
    if c.kind == "markdown" then
      body[#body + 1] = publish.markdown(table.concat(c.lines, "\n"), ctx)
    else
      local lines = trim_blank_lines(c.lines)
      local r = run.results[k]
      if #lines > 0 or (r and (#r.errors > 0 or #r.images > 0)) then
        ncode = ncode + 1
        local parts = {'<section class="cell" id="cell-' .. k .. '">'}
        if c.title then
          parts[#parts + 1] = '<div class="label">' .. escape(c.title) .. "</div>"
        end
        if #lines > 0 then
          parts[#parts + 1] = '<pre class="src"><code>' ..
            publish.highlight(clean_text(table.concat(lines, "\n"))) .. "</code></pre>"
        end
        if r then
          local out = clean_text(table.concat(r.output))
          if out ~= "" then
            parts[#parts + 1] = '<pre class="out">' ..
              escape((out:gsub("\n$", ""))) .. "</pre>"
          end
          for j, img in ipairs(r.images) do
            parts[#parts + 1] = '<figure><img src="data:' .. img.mime ..
              ";base64," .. base64(img.data) .. '" alt="figure ' .. j ..
              " of cell " .. k .. '"></figure>'
          end
          for _, e in ipairs(r.errors) do
            parts[#parts + 1] = '<pre class="err">' .. escape(clean_text(e)) .. "</pre>"
          end
        elseif #lines > 0 then
          parts[#parts + 1] = '<pre class="err">not run (an earlier cell failed)</pre>'
        end
        parts[#parts + 1] = "</section>"
        body[#body + 1] = table.concat(parts, "\n")
      end
    end
  end
  local title = ctx.title and clean_text(ctx.title):gsub("[`*_$\\]", "") or
                basename(run.script)
  local tycho = package.loaded.tycho
  local version = tycho and tycho.version or "?"
  return table.concat({
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="tycho ' .. escape(version) .. '">',
    "<title>" .. escape(title) .. "</title>",
    "<style>\n" .. CSS .. "</style>",
    "</head>",
    "<body>",
    "<main>",
    table.concat(body, "\n"),
    "<footer>Published from " .. escape(basename(run.script)) .. " with tycho " ..
      escape(version) .. " on " .. os.date("!%Y-%m-%d %H:%M UTC") .. ".</footer>",
    "</main>",
    "</body>",
    "</html>",
    ""}, "\n")
end

-- a code fence longer than any run of backquotes in text
local function fence_for(text)
  local longest = 2
  for run in text:gmatch("`+") do longest = math.max(longest, #run) end
  return string.rep("`", longest + 1)
end

-- the report as Markdown (figures are files beside it)
local function md_report(run, cells)
  local out = {}
  for k, c in ipairs(cells) do
    if c.kind == "markdown" then
      out[#out + 1] = table.concat(trim_blank_lines(c.lines), "\n")
    else
      local lines = trim_blank_lines(c.lines)
      local r = run.results[k]
      if #lines > 0 then
        local code = clean_text(table.concat(lines, "\n"))
        local f = fence_for(code)
        out[#out + 1] = f .. "lua\n" .. code .. "\n" .. f
      end
      if r then
        local text = clean_text(table.concat(r.output)):gsub("\n$", "")
        if text ~= "" then
          local f = fence_for(text)
          out[#out + 1] = f .. "text\n" .. text .. "\n" .. f
        end
        for j, img in ipairs(r.images) do
          out[#out + 1] = "![figure " .. j .. " of cell " .. k .. "](" .. img.file .. ")"
        end
        for _, e in ipairs(r.errors) do
          local text2 = clean_text(e)
          local f = fence_for(text2)
          out[#out + 1] = "**Error:**\n\n" .. f .. "text\n" .. text2 .. "\n" .. f
        end
      elseif #lines > 0 then
        out[#out + 1] = "*(not run: an earlier cell failed)*"
      end
    end
  end
  return table.concat(out, "\n\n") .. "\n"
end

-- ====================================================================
-- the command
-- ====================================================================

local USAGE = "usage: tycho publish script.lua [-o out.html|out.md] [--keep-going]"

--- main(args): run `tycho publish` with its arguments (a list of
-- strings).  Returns true on success; false after printing a message
-- (bad usage, unreadable script, a cell that raised, unwritable output).
function publish.main(args)
  local script, out, keep_going
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "-o" then
      out = args[i + 1]
      if not out then
        io.stderr:write(PROGRAM, ": '-o' needs a file name\n", USAGE, "\n")
        return false
      end
      i = i + 2
    elseif a:match("^%-o.") then
      out = a:sub(3); i = i + 1
    elseif a == "--keep-going" or a == "-k" then
      keep_going = true; i = i + 1
    elseif a == "-h" or a == "--help" then
      io.stdout:write(USAGE, "\n")
      return true
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      io.stderr:write(PROGRAM, ": unrecognized option '", a, "'\n", USAGE, "\n")
      return false
    elseif script then
      io.stderr:write(PROGRAM, ": one script at a time ('", a, "')\n", USAGE, "\n")
      return false
    else
      script = a; i = i + 1
    end
  end
  if not script then
    io.stderr:write(PROGRAM, ": no script given\n", USAGE, "\n")
    return false
  end
  local text, err = readfile(script)
  if not text then
    io.stderr:write(PROGRAM, ": cannot read ", err, "\n")
    return false
  end
  out = out or (basename(script):gsub("%.lua$", "") .. ".html")
  local ext = (out:match("%.(%w+)$") or ""):lower()
  local format
  if ext == "md" or ext == "markdown" then format = "md"
  elseif ext == "html" or ext == "htm" then format = "html"
  else
    io.stderr:write(PROGRAM, ": the output must end in .html or .md ('", out, "')\n")
    return false
  end
  local probe = io.open(out, "wb")
  if not probe then
    local _, perr = io.open(out, "wb")
    io.stderr:write(PROGRAM, ": cannot write ", tostring(perr or out), "\n")
    return false
  end
  probe:close()
  local cells, nlines = publish.parse(text)
  local run = new_run(cells, nlines, {
    keep_going = keep_going, format = format, script = script,
    imgdir = dirname(out), imgbase = basename(out):gsub("%.%w+$", ""),
  })
  run_script(run)
  local report = (format == "md") and md_report(run, cells) or html_report(run, cells)
  local ok, werr = writefile(out, report)
  if not ok then
    io.stderr:write(PROGRAM, ": cannot write ", tostring(werr), "\n")
    return false
  end
  local nfig = 0
  for _, r in pairs(run.results) do nfig = nfig + #r.images end
  io.stdout:write(string.format("wrote %s (%d cells, %d figures%s)\n", out,
    #cells, nfig, run.failed and ", with errors" or ""))
  if run.failed and not keep_going then return false end
  return true
end

return publish

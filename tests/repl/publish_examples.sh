# publish_examples.sh: `tycho publish` every examples/*.lua headless, to
# HTML and to Markdown, and check each report: it is complete, every code
# cell is in it, the printed output of all cells equals what a plain run of
# the script prints (digits aside: timings differ), every figure is an
# image (a complete PNG beside the Markdown), and every cell that plots
# shows at least one.
. "$TY_SRCDIR/tests/tools/tap.sh"
T=$TY_TMP/publish-examples; mkdir -p "$T"
unset DISPLAY

cat > "$T/check.lua" <<'LUA'
-- check.lua script.lua report.html report.md plain.out
local script, html_path, md_path, plain_path = ...
local function read(p)
  local f = io.open(p, "rb")
  if not f then return nil end
  local s = f:read("a"); f:close(); return s
end
local problems = {}
local function fail(msg) problems[#problems + 1] = msg end
local publish = require "tycho.publish"
local cells = publish.parse(assert(read(script)))
local html, md = read(html_path) or "", read(md_path) or ""
if not html:match("</html>%s*$") then fail("the HTML report is incomplete") end

-- sections of the HTML, by cell number
local sections = {}
for k, body in html:gmatch('<section class="cell" id="cell%-(%d+)">(.-)</section>') do
  sections[tonumber(k)] = body
end
local function unescape(s)
  return (s:gsub("&lt;", "<"):gsub("&gt;", ">"):gsub("&quot;", '"')
           :gsub("&#39;", "'"):gsub("&amp;", "&"))
end
local outputs = {}
for k, c in ipairs(cells) do
  local code = {}
  for _, line in ipairs(c.lines) do
    if not line:match("^%s*%-%-") then code[#code + 1] = line end
  end
  code = table.concat(code, "\n")
  if c.kind == "code" and code:match("%S") then
    local s = sections[k]
    if not s then fail("cell " .. k .. " is missing from the HTML")
    else
      if s:find('class="err"', 1, true) then fail("cell " .. k .. " shows an error") end
      local out = s:match('<pre class="out">(.-)</pre>')
      if out then outputs[#outputs + 1] = unescape(out) end
      local plots = code:match("%f[%w_]plot%s*[%.%(]") or code:match(":plot%s*%(")
      if plots and not s:find("<img ", 1, true) then
        fail("cell " .. k .. " plots but shows no figure")
      end
    end
  end
end
-- the printed output, cell by cell, is what a plain run prints
local function norm(s)      -- numbers of any shape (timings vary) become #
  return (s:gsub("%d+", "#"):gsub("#%.#", "#"):gsub("#e[-+]#", "#"):gsub("%s+", " ")
           :gsub("^ ", ""):gsub(" $", ""))
end
local plain = read(plain_path) or ""
if norm(table.concat(outputs, "\n")) ~= norm(plain) then
  fail("the cells' output differs from a plain run:\n--- report\n" ..
       table.concat(outputs, "\n") .. "\n--- plain run\n" .. plain)
end
-- figures: every image of the HTML is in the Markdown as a complete PNG
local nhtml = select(2, html:gsub("<figure><img ", ""))
local nmd, dir = 0, md_path:match("^(.*)/") or "."
for file in md:gmatch("!%[[^%]]*%]%(([^%)]+)%)") do
  nmd = nmd + 1
  local png = read(dir .. "/" .. file)
  if not (png and png:sub(1, 8) == "\137PNG\r\n\26\n" and png:sub(-12, -5) == "\0\0\0\0IEND") then
    fail("figure " .. file .. " is not a complete PNG")
  end
end
if nhtml ~= nmd then
  fail(string.format("%d figures in the HTML, %d in the Markdown", nhtml, nmd))
end
if #problems > 0 then
  io.write(table.concat(problems, "\n"), "\n")
  os.exit(1)
end
io.write(string.format("ok: %d cells, %d figures\n", #cells, nhtml))
LUA

for e in "$TY_SRCDIR"/examples/*.lua; do
  [ -f "$e" ] || continue
  ex=$(basename "$e" .lua)
  mkdir -p "$T/$ex"
  (cd "$T/$ex" && "$TYCHO" publish "$e" > pub.log 2>&1); rc=$?
  ok "$ex: publish to HTML exits 0" [ "$rc" -eq 0 ]
  [ "$rc" -ne 0 ] && sed 's/^/#   /' "$T/$ex/pub.log" | head -n 20
  (cd "$T/$ex" && "$TYCHO" publish "$e" -o "$ex.md" > pubmd.log 2>&1); rc=$?
  ok "$ex: publish to Markdown exits 0" [ "$rc" -eq 0 ]
  (cd "$T/$ex" && "$TYCHO" "$e" > plain.out 2> plain.err); rc=$?
  ok "$ex: runs as a plain script" [ "$rc" -eq 0 ]
  "$TYCHO" "$T/check.lua" "$e" "$T/$ex/$ex.html" "$T/$ex/$ex.md" \
    "$T/$ex/plain.out" > "$T/$ex/check.log" 2>&1; rc=$?
  ok "$ex: every cell's output and every figure is in the report" [ "$rc" -eq 0 ]
  [ "$rc" -ne 0 ] && sed 's/^/#   /' "$T/$ex/check.log" | head -n 40
done
done_testing

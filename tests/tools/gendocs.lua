-- gendocs.lua: docs/reference.md from the help texts, so the reference and
-- help() cannot drift apart.
--   build/tycho tests/tools/gendocs.lua > docs/reference.md
-- tests/lua/test_docs.lua checks that the committed file is current.
local help = require "tycho.help"

local function generate()
  local out = {
    "# tycho reference",
    "",
    "Generated from the help texts (`lua/tycho/doc/*.lua`) by",
    "`build/tycho tests/tools/gendocs.lua > docs/reference.md`; at the prompt",
    "the same text is `help(name)` or `?name`.  Guides per module are the other",
    "pages of docs/.",
    "",
  }
  for _, m in ipairs(help.modules) do
    local entries = help.entries(m[1])
    if m[1] == "tycho" then
      -- the prompt's globals are documented with the host
      for _, name in ipairs({"help", "who", "whos", "tic", "toc", "timeit"}) do
        table.insert(entries, 1 + #entries, help.lookup(name))
      end
    end
    if #entries > 0 then
      out[#out + 1] = "## " .. m[1] .. ": " .. m[2]
      out[#out + 1] = ""
      for _, e in ipairs(entries) do
        out[#out + 1] = "### `" .. e.sig .. "`"
        out[#out + 1] = ""
        out[#out + 1] = (e.summary or ""):gsub("\n", " ")
        out[#out + 1] = ""
        if e.example then
          out[#out + 1] = "```lua"
          out[#out + 1] = e.example
          out[#out + 1] = "```"
          out[#out + 1] = ""
        end
        if e.see and #e.see > 0 then
          out[#out + 1] = "See also: " .. table.concat(e.see, ", ") .. "."
          out[#out + 1] = ""
        end
      end
    end
  end
  return table.concat(out, "\n")
end

if arg == nil or arg[0] == nil or not arg[0]:find("gendocs") then
  return generate                    -- loaded by the test with dofile
end
io.write(generate())

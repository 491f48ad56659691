-- lstmlua.repl: how the REPL (and notebooks) show values. Tensors print as
-- PyTorch prints them, modules as their tree, plain tables as nested tables
-- with a depth limit and cycles marked: never "table: 0x...".

local native = ...
local repl = {}

local keywords = {}
for w in ("and break do else elseif end false for function goto if in local nil not or repeat return then true until while"):gmatch("%a+") do
  keywords[w] = true
end

local function identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not keywords[k]
end

local colors = {number = "\27[36m", string = "\27[32m", boolean = "\27[35m", ["nil"] = "\27[35m", dim = "\27[2m"}
local reset = "\27[0m"

local function paint(text, kind, color)
  if not color or not colors[kind] then return text end
  return colors[kind] .. text .. reset
end

local function scalar(v, color)
  local t = type(v)
  if t == "string" then return paint(string.format("%q", v):gsub("\\\n", "\\n"), "string", color) end
  if t == "number" or t == "boolean" or t == "nil" then return paint(tostring(v), t, color) end
  if t == "function" then
    local name = native.function_name(v)
    return name and ("function: " .. name) or tostring(v)
  end
  return nil
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function format(v, depth, seen, indent, o)
  local s = scalar(v, o.color)
  if s then return s end
  if type(v) ~= "table" then return tostring(v) end
  if has_tostring(v) then return tostring(v) end
  if seen[v] then return paint("<cycle>", "dim", o.color) end
  if depth >= o.depth then return "{...}" end
  seen[v] = true
  local n = rawlen(v)
  local items, count = {}, 0
  for i = 1, n do
    count = count + 1
    if count > o.items then break end
    items[#items + 1] = format(rawget(v, i), depth + 1, seen, indent .. "  ", o)
  end
  local keys = {}
  for k in next, v do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, key_order)
  for _, k in ipairs(keys) do
    count = count + 1
    if count > o.items then break end
    local name = identifier(k) and k or ("[" .. (scalar(k, false) or tostring(k)) .. "]")
    items[#items + 1] = name .. " = " .. format(rawget(v, k), depth + 1, seen, indent .. "  ", o)
  end
  seen[v] = nil
  local total = n + #keys
  if total > o.items then items[#items + 1] = string.format("... (%d more)", total - o.items) end
  if #items == 0 then return "{}" end
  local one = "{" .. table.concat(items, ", ") .. "}"
  if #one <= o.width and not one:find("\n") then return one end
  return "{\n" .. indent .. "  " .. table.concat(items, ",\n" .. indent .. "  ") .. "\n" .. indent .. "}"
end

--- repl.pretty(value [, {depth=4, items=100, width=78, color=false}]) -> string
function repl.pretty(v, options)
  local o = {depth = 4, items = 100, width = 78, color = false}
  for k, x in pairs(options or {}) do o[k] = x end
  return format(v, 0, {}, "", o)
end

--- repl.show(...) -> string: several values, as the REPL prints a statement's results.
function repl.show(options, ...)
  -- packed, not select(i, ...) in the loop: that copies the rest at each step
  local out, values = {}, table.pack(...)
  for i = 1, values.n do out[i] = repl.pretty(values[i], options) end
  return table.concat(out, "\t")
end

--- repl.order(): print, io.write and the standard files' write tell native.stream_switch
--- which stream (1 or 2) they are about to write, so that a cell's captured stdout and
--- stderr are kept in the order they were written. Installed once per state.
local ordered = false
function repl.order()
  if ordered then return end
  ordered = true
  local switch, stdout, stderr = native.stream_switch, io.stdout, io.stderr
  local print_, write = print, io.write
  print = function(...)
    switch(1)
    return print_(...)
  end
  io.write = function(...)
    local out = io.output()
    if out == stdout then switch(1) elseif out == stderr then switch(2) end
    return write(...)
  end
  local methods = getmetatable(stdout).__index
  local file_write = methods.write
  methods.write = function(f, ...)
    if f == stdout then switch(1) elseif f == stderr then switch(2) end
    return file_write(f, ...)
  end
end

--- repl.tee(sink): print and io.write (to standard output) also hand their text to sink(text), for :save.
function repl.tee(sink)
  local write, stdout = io.write, io.stdout
  print = function(...)
    local values, parts = table.pack(...), {}
    for i = 1, values.n do parts[i] = tostring(values[i]) end
    local line = table.concat(parts, "\t") .. "\n"
    stdout:write(line)
    stdout:flush()
    sink(line)
  end
  io.write = function(...)
    local result = write(...)
    if io.output() == stdout then
      local values, parts = table.pack(...), {}
      for i = 1, values.n do parts[i] = tostring(values[i]) end
      sink(table.concat(parts))
    end
    return result
  end
end

local function escape(s)
  return (s:gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

-- A module as a Jupyter frontend shows it (text/html): its tree, and a table of its
-- parameters with their shapes and the total count. nil for anything else.
function repl.module_html(v)
  local nn = package.loaded.nn
  if not (nn and nn.is_module(v)) then return nil end
  local rows, total = {}, 0
  for name, p in v:named_parameters() do
    local n = p:numel()
    total = total + n
    rows[#rows + 1] = string.format("<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td style=\"text-align: right\">%d</td></tr>",
      escape(name), escape(table.concat(p:size(), " × ")), escape((tostring(p.dtype):gsub("^torch%.", ""))), n)
  end
  return "<pre>" .. escape(tostring(v)) .. "</pre>\n<table class=\"lstmlua-module\">\n"
    .. "<thead><tr><th>parameter</th><th>shape</th><th>dtype</th><th>elements</th></tr></thead>\n<tbody>\n"
    .. table.concat(rows, "\n") .. (#rows > 0 and "\n" or "")
    .. string.format("</tbody>\n<tfoot><tr><th colspan=\"3\">total</th><th style=\"text-align: right\">%d</th></tr></tfoot>\n</table>", total)
end

return repl

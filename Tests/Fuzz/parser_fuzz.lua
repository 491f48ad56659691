-- Mutation fuzzing of the file readers scripts reach: safetensors (torch.load), CSV
-- (data.from_csv) and JSON (json.decode). Valid files are made, then mutated byte by
-- byte and field by field (the safetensors header length, its JSON, dtypes, shapes,
-- offsets; CSV quoting, delimiters, line ends, numbers, options). Every mutant must
-- load or be refused with an error naming the function; none may crash.
--
--   cd "$(mktemp -d)" && lstmlua Tests/Fuzz/parser_fuzz.lua --dir "$PWD" --format safetensors|csv|json [--seed N] [--mutants N] [--log FILE]
--
-- Each mutant is written to the folder and described in the log (flushed) before it is
-- read: after a crash the log's last line and mutant.* are the reproducing input.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local run = dofile(here .. "/fuzz_run.lua")("parser_fuzz", {seed = 1, mutants = 10000, format = ""})
local options, dir, log, random, pick = run.options, run.dir, run.log, run.random, run.pick

local function read(path) local f = assert(io.open(path, "rb")) local s = f:read("a") f:close() return s end
local function write(path, s) local f = assert(io.open(path, "wb")) f:write(s) f:close() end
local function hex(s, limit)
  s = s:sub(1, limit or 64)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

---------------------------------------------------------------------------
-- Byte-level mutations, shared by every format
---------------------------------------------------------------------------

local interesting = {"\0", "\255", "\127", "\128", "{", "}", "[", "]", "\"", ",", ":", "\n", "\r", "\r\n", "\\", "-", ".",
                     "e", "E", "+", "0", "1", "9", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "9223372036854775808",
                     "-9223372036854775809", "18446744073709551615", "1e-400", "\"\"", "null", "true", ";", "\t", " ",
                     "\239\187\191", "\xc3\x28", "\xf0\x9f\x99\x82", "\xed\xa0\x80", "\\u0000", "\\ud800", "0x10"}

local function mutate_bytes(s)
  local steps = {}
  for _ = 1, random(1, 4) do
    local n = #s
    local r = random(7)
    local at = random(0, n)
    if r == 1 and n > 0 then      -- flip a byte
      local i = random(n)
      local b = string.char(random(0, 255))
      s = s:sub(1, i - 1) .. b .. s:sub(i + 1)
      steps[#steps + 1] = string.format("byte %d = %d", i, b:byte())
    elseif r == 2 then            -- insert something interesting
      local x = pick(interesting)
      s = s:sub(1, at) .. x .. s:sub(at + 1)
      steps[#steps + 1] = string.format("insert %q at %d", x, at)
    elseif r == 3 and n > 0 then  -- delete a range
      local len = random(1, math.min(16, n))
      local i = random(n)
      s = s:sub(1, i - 1) .. s:sub(i + len)
      steps[#steps + 1] = string.format("delete %d at %d", len, i)
    elseif r == 4 then            -- truncate
      s = s:sub(1, at)
      steps[#steps + 1] = string.format("truncate to %d", at)
    elseif r == 5 and n > 0 then  -- duplicate a range
      local i = random(n)
      local len = random(1, math.min(64, n - i + 1))
      s = s:sub(1, i + len - 1) .. s:sub(i, i + len - 1) .. s:sub(i + len)
      steps[#steps + 1] = string.format("duplicate %d at %d", len, i)
    elseif r == 6 then            -- append junk
      local x = pick(interesting):rep(random(1, 3))
      s = s .. x
      steps[#steps + 1] = string.format("append %q", x)
    elseif n > 1 then             -- swap two bytes
      local i, j = random(n), random(n)
      local a, b = s:sub(i, i), s:sub(j, j)
      s = s:sub(1, i - 1) .. b .. s:sub(i + 1)
      s = s:sub(1, j - 1) .. a .. s:sub(j + 1)
      steps[#steps + 1] = string.format("swap %d and %d", i, j)
    end
  end
  return s, table.concat(steps, "; ")
end

---------------------------------------------------------------------------
-- Formats
---------------------------------------------------------------------------

local hostile_numbers = {0, 1, -1, 2, 3, 7, 8, 16, 2^31, 2^32, 2^53, 2^62, 2^63, -2^63, 1.5, -0.5, 1e300, 1e400}
local function hostile_json_value()
  local r = random(9)
  if r == 1 then return pick(hostile_numbers)
  elseif r == 2 then return pick({"", "F32", "x", "\0"})
  elseif r == 3 then return json.null
  elseif r == 4 then return {}
  elseif r == 5 then local t = {} for i = 1, random(1, 12) do t[i] = pick(hostile_numbers) end return t
  elseif r == 6 then return {pick(hostile_numbers), pick(hostile_numbers)}
  elseif r == 7 then return {a = 1}
  elseif r == 8 then return true
  else return {{1}} end
end

local formats = {}

-- safetensors: 8-byte little-endian header length, JSON header, data.
formats.safetensors = {
  file = "mutant.safetensors",
  function_name = "load",
  seeds = function()
    local made = {}
    local function make(name, t, meta) torch.save(name, t, meta) made[#made + 1] = read(name) os.remove(name) end
    make("a.safetensors", {x = torch.randn(2, 3), y = torch.zeros(0), z = torch.tensor(5)})
    make("b.safetensors", {w = torch.randn(4), b = torch.ones(1, 1, 1, 2)}, {format = "pt", note = "seed"})
    make("c.safetensors", nn.Linear(3, 2))
    make("d.safetensors", {big = torch.arange(64):view(4, 4, 4)})
    return made
  end,
  structured = function(s)
    if #s < 8 then return s, "too short to restructure" end
    local n = string.unpack("<I8", s)
    local header, data = s:sub(9, 8 + n), s:sub(9 + n)
    local ok, h = pcall(json.decode, header)
    if not ok or type(h) ~= "table" then return s, "header unparsable" end
    local names = {}
    for k in pairs(h) do if k ~= "__metadata__" then names[#names + 1] = k end end
    table.sort(names)
    local steps = {}
    for _ = 1, random(1, 3) do
      local name = #names > 0 and pick(names) or "x"
      local entry = h[name]
      if type(entry) ~= "table" then entry = {} h[name] = entry end
      local r = random(10)
      if r == 1 then
        entry.dtype = pick({"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "U64", "", "f32", 5, json.null})
        steps[#steps + 1] = name .. ".dtype = " .. tostring(entry.dtype)
      elseif r == 2 then
        local shape = {}
        for i = 1, random(0, 10) do shape[i] = random() < 0.6 and random(0, 5) or pick(hostile_numbers) end
        if random() < 0.3 then shape[#shape + 1] = 0 end
        entry.shape = shape
        steps[#steps + 1] = name .. ".shape = [" .. table.concat(shape, ", ") .. "]"
      elseif r == 3 then
        local o = {random() < 0.5 and random(0, #data) or pick(hostile_numbers), random() < 0.5 and random(0, #data) or pick(hostile_numbers)}
        if random() < 0.2 then o[3] = 1 end
        entry.data_offsets = o
        steps[#steps + 1] = name .. ".data_offsets = [" .. table.concat(o, ", ") .. "]"
      elseif r == 4 then
        local field = pick({"dtype", "shape", "data_offsets"})
        entry[field] = hostile_json_value()
        steps[#steps + 1] = name .. "." .. field .. " = <hostile>"
      elseif r == 5 then
        h[name] = nil
        steps[#steps + 1] = "remove " .. name
      elseif r == 6 then
        h[pick({"__metadata__", "", "\0", name .. "2", ("k"):rep(300)})] = random() < 0.5 and hostile_json_value() or entry
        steps[#steps + 1] = "add a key"
      elseif r == 7 then
        h.__metadata__ = random() < 0.5 and {k = hostile_json_value()} or hostile_json_value()
        steps[#steps + 1] = "__metadata__ = <hostile>"
      elseif r == 8 then
        h[name] = hostile_json_value()
        steps[#steps + 1] = name .. " = <hostile>"
      elseif r == 9 then
        data = data:sub(1, random(0, #data))
        steps[#steps + 1] = "data truncated to " .. #data
      else
        data = data .. ("\0"):rep(random(1, 16))
        steps[#steps + 1] = "data extended to " .. #data
      end
    end
    local ok2, text = pcall(json.encode, h)
    if not ok2 then return s, "header not encodable" end
    local length = #text
    local r = random(8)
    if r == 1 then length = pick({0, 1, #text - 1, #text + 1, 2^31, 2^32, 2^53, 2^63 - 1, -1, 100000000})
      steps[#steps + 1] = "header length = " .. string.format("%.0f", length) end
    return string.pack("<i8", math.tointeger(length) or 0) .. text .. data, table.concat(steps, "; ")
  end,
  read = function(path) return torch.load(path) end,
  use = function(t)
    for _, v in pairs(t) do if torch.is_tensor(v) then local _ = v:sum():item(), tostring(v) end end
  end,
}

formats.csv = {
  file = "mutant.csv",
  function_name = "from_csv",
  seeds = function()
    return {"t,value\n1,0.5\n2,1.5\n3,2.5\n", "a;b;c\r\n1;2;3\r\n4;5;6\r\n", "1\n2\n3\n", "\"x\",\"y\"\n\"1\",\"2.5e3\"\n\"3\",\"-4\"\n",
            "name,val\n\"a,b\",1\n\"c\"\"d\",2\n", "v\n1e38\n-1e38\n1e-45\nnan\ninf\n", "\n\n1\n\n2\n", ""}
  end,
  structured = function(s)
    local lines = {}
    for line in (s .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    local steps = {}
    for _ = 1, random(1, 3) do
      local r = random(4)
      local i = random(#lines)
      if r == 1 then lines[i] = lines[i] .. pick({",", ",,", "\"", ",\"a", ",1e400", ",nan", ",\"1\"\"\"" }) steps[#steps + 1] = "field added on line " .. i
      elseif r == 2 then table.insert(lines, i, lines[random(#lines)]) steps[#steps + 1] = "line repeated at " .. i
      elseif r == 3 then lines[i] = ("1,"):rep(random(1, 2000)) .. "1" steps[#steps + 1] = "a wide line " .. i
      else table.remove(lines, i) steps[#steps + 1] = "line " .. i .. " removed" end
      if #lines == 0 then lines[1] = "" end
    end
    return table.concat(lines, pick({"\n", "\r\n", "\r"})), table.concat(steps, "; ")
  end,
  read = function(path, opts) return data.from_csv(path, opts) end,
  use = function(t) if torch.is_tensor(t) then local _ = t:sum():item(), tostring(t) end end,
  options = function()
    local r = random(6)
    if r <= 2 then return nil, "no options" end
    local o, d = {}, {}
    if random() < 0.5 then o.column = pick({1, 2, 3, 0, -1, 100, math.maxinteger, math.mininteger, 2^53, "t", "value", "b", "", "x"}) d[#d + 1] = "column = " .. tostring(o.column) end
    if random() < 0.5 then o.header = random() < 0.5 d[#d + 1] = "header = " .. tostring(o.header) end
    if random() < 0.5 then o.delimiter = pick({",", ";", "\t", "\"", "\n", "\r", "é", "", ",,", " ", "\0"}) d[#d + 1] = string.format("delimiter = %q", o.delimiter) end
    return o, "{" .. table.concat(d, ", ") .. "}"
  end,
}

formats.json = {
  file = nil,
  function_name = "decode",
  seeds = function()
    return {'{"a": [1, 2.5, -3e10, {"b": null}], "c": "text\\u00e9", "d": true}', "[[[[[]]]]]", '"\\ud83d\\ude42"',
            '{"":{"":{"":[1e308, -1e308, 0.0, -0.0]}}}', "123456789012345678901234567890", ("[1,"):rep(50) .. "1" .. ("]"):rep(50)}
  end,
  structured = function(s)
    local r = random(3)
    if r == 1 then local n = random(1, 100000) return ("["):rep(n) .. ("]"):rep(random() < 0.5 and n or 0), "nested " .. n end
    if r == 2 then local n = random(1, 10000) return ('{"a":'):rep(n) .. "1" .. ("}"):rep(n), "nested objects " .. n end
    return s, "unchanged"
  end,
  read = function(_, _, text) return json.decode(text) end,
  use = function(v) local ok = pcall(json.encode, v) return ok end,
}

---------------------------------------------------------------------------
-- Run
---------------------------------------------------------------------------

local format = formats[options.format] or error("parser_fuzz: --format must be safetensors, csv or json")
local seeds = format.seeds()
local stats = {mutants = 0, loaded = 0, refused = 0, nameless = 0}
local nameless, nameless_order = {}, {}
local started = os.clock()

for i = 1, options.mutants do
  local s, how = pick(seeds), nil
  if random() < 0.5 then s, how = format.structured(s) else how = "seed" end
  local bytes, steps = mutate_bytes(s)
  if how == "seed" or random() < 0.3 then how = how .. "; bytes: " .. steps else bytes = s end
  local opts, opts_text = nil, ""
  if format.options then opts, opts_text = format.options() opts_text = " options " .. opts_text end
  if format.file then write(format.file, bytes) end
  log:write(string.format("#%d seed=%d %s: %s%s (%d bytes, starting %s)\n", i, options.seed, options.format, how, opts_text, #bytes, hex(bytes, 24)))
  log:flush()
  stats.mutants = stats.mutants + 1
  local ok, result = pcall(format.read, format.file, opts, bytes)
  if ok then
    stats.loaded = stats.loaded + 1
    local used, err = pcall(format.use, result)
    if not used then
      stats.nameless = stats.nameless + 1
      local key = tostring(err):sub(1, 120)
      if not nameless[key] then nameless[key] = "using what was loaded: " .. tostring(err) nameless_order[#nameless_order + 1] = key end
    end
  else
    stats.refused = stats.refused + 1
    local text = tostring(result)
    if type(result) ~= "string" or not (result:find("bad argument", 1, true) or result:find(format.function_name, 1, true)) then
      stats.nameless = stats.nameless + 1
      local key = text:gsub("%d+", "N"):sub(1, 160)
      if not nameless[key] then nameless[key] = text:sub(1, 300) nameless_order[#nameless_order + 1] = key end
    end
  end
end
log:write("done\n")
log:close()

print(string.format("parser_fuzz %s seed %d: %d mutants in %.1f s CPU: loaded %d, refused %d, refused without naming '%s' %d",
                    options.format, options.seed, stats.mutants, os.clock() - started, stats.loaded, stats.refused,
                    format.function_name, stats.nameless))
for i = 1, math.min(20, #nameless_order) do print("    " .. (nameless[nameless_order[i]]:gsub("\n", " | "))) end
print("parser_fuzz: finished")

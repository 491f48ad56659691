-- A seeded API fuzzer: calls every function and method lstmlua exposes with hostile
-- arguments, looking for what a Lua error should have stopped (a crash, a trap, a hang).
--
--   cd "$(mktemp -d)" && lstmlua Tests/Fuzz/api_fuzz.lua --dir "$PWD" [--seed N] [--calls N] [--log FILE]
--
-- Targets are discovered, never listed: the functions in the module tables (torch, nn,
-- optim, data, plot, json, time and their subtables), the constructors (callable
-- classes), and for every kind of object that appears (tensors, modules, optimizers,
-- schedulers, figures, progress bars, ... whatever a call returns) the methods,
-- metamethods and properties its metatable names. A new binding is fuzzed as it lands.
--
-- Each call is written to the log (and flushed) before it is made, so that when the
-- process dies the log's last line is the reproducing call; the same seed and count
-- replay the same calls. Files are written only in --dir, which must be the current
-- folder: every string a call can receive is a relative name without '..' or a path
-- inside --dir, and nothing points at /dev.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local run = dofile(here .. "/fuzz_run.lua")("api_fuzz", {seed = 1, calls = 10000, budget = 2.0, verbose = false})
local options, dir, log, random, pick = run.options, run.dir, run.log, run.random, run.pick

---------------------------------------------------------------------------
-- Describing values (for the log)
---------------------------------------------------------------------------

local labels = setmetatable({}, {__mode = "k"})   -- value -> how the log names it
local function label(v, name) if v ~= nil and (type(v) == "table" or type(v) == "userdata" or type(v) == "function" or type(v) == "thread") then labels[v] = labels[v] or name end return v end

local function describe(v)
  local t = type(v)
  if t == "number" then
    if v ~= v then return "0/0" end
    if v == math.huge then return "1/0" elseif v == -math.huge then return "-1/0" end
    if math.type(v) == "integer" then
      if v == math.mininteger then return "math.mininteger" elseif v == math.maxinteger then return "math.maxinteger" end
      return tostring(v)
    end
    return string.format("%.17g", v)
  elseif t == "string" then
    if #v > 60 then return string.format("(%q):rep(%d)", v:sub(1, 1), #v) end
    return (string.format("%q", v):gsub("\n", "n"))
  elseif t == "nil" or t == "boolean" then return tostring(v) end
  return labels[v] or ("<" .. t .. ">")
end

---------------------------------------------------------------------------
-- Hostile values
---------------------------------------------------------------------------

local nan, inf = 0 / 0, math.huge
local scalars = table.pack(nil, true, false, 0, 1, 1, 2, 2, 3, 3, 4, 5, 7, 10, 100, -1, -1, -2, -3, 0.5, -0.5, 1.5, 1e-300, -0.0,
                 nan, inf, -inf, 1e308, -1e308, 2^31, 2^31 - 1, 2^32, 2^53, 2^53 + 1.0, 2^62, 2^63, -2^63, 1e9, -1e9, 1e15,
                 math.maxinteger, math.mininteger, math.maxinteger - 1, math.mininteger + 1, 1 << 31, 1 << 53, -(1 << 62))
local scalar_count = scalars.n
-- Every string is safe as a path: relative, no '..', or inside dir.
local strings = {"", "a", "1", "-1", "nan", "inf", "0x10", "1e400", ("x"):rep(100000), "\0", "a\0b", "\255\254\253",
                 "你好", "🙂", "%s%s%n", "sum", "view", "weight", "bias", "grad", "__index", "__gc", "lr", "none",
                 "mean", "tab:orange", "#123456", "red", "cpu", "float32", "torch.float64", "torch.int64", "torch.bool", "int32", "png", "fuzz.png", "fuzz.svg", "fuzz.pdf",
                 "fuzz.safetensors", "fuzz.csv", "fuzz.txt", "input.csv", "input.safetensors", "empty.csv",
                 "missing.safetensors", "missing.csv", "fuzz.npy", "fuzz.npz", "input.npy", "input.npz", "subdir", "subdir/", "subdir/x.png", "no/such/folder/x.png",
                 dir .. "/abs.png", dir .. "/abs.safetensors", dir .. "/subdir/abs.csv", ("["):rep(100000),
                 '{"a": [1, 2, {"b": null}]}', "[1, 2, 3]", "{", "1,2\n3,4\n", "\n\n\n"}
local safe_strings = {}
for _, s in ipairs(strings) do safe_strings[s] = true end
-- Files the readers can be given.
do
  local f = assert(io.open("input.csv", "w")); f:write("t,value\n1,0.5\n2,1.5\n3,nan\n4,\n5,1e400\n"); f:close()
  f = assert(io.open("empty.csv", "w")); f:close()
  torch.save("input.safetensors", {x = torch.ones(2, 3), y = torch.zeros(0)})
  torch.save_npy("input.npy", torch.arange(6):view(2, 3))
  torch.save_npz("input.npz", {x = torch.ones(2, {dtype = torch.float64}), m = torch.tensor{true}})
  os.execute("mkdir -p subdir")
end

local functions = {
  label(function() end, "function() end"),
  label(function(...) return ... end, "function(...) return ... end"),
  label(function() error("fuzz-callback-error") end, "function() error('fuzz-callback-error') end"),
  label(function() error(setmetatable({}, {__tostring = function() return "fuzz-callback-error object" end})) end, "function() error(<object>) end"),
  label(function() return torch.ones(2, 2, {requires_grad = true}) end, "function() return torch.ones(2, 2, {requires_grad = true}) end"),
  label(function(x) return torch.is_tensor(x) and x:sum() or x end, "function(x) return x:sum() end"),
  label(function() return coroutine.yield(1) end, "function() return coroutine.yield(1) end"),
  label(function() collectgarbage() return 1 end, "function() collectgarbage() return 1 end"),
  label(function(...) return select("#", ...), ... end, "function(...) return select('#', ...), ... end"),
}

local function deep(n) local t = {} local top = t for _ = 1, n do local u = {} t[1] = u t = u end return top end
local cyclic = {1, 2}; cyclic[3] = cyclic; cyclic.self = cyclic
local function misc_tables()
  return {
    label({}, "{}"), label({{}}, "{{}}"), label({1, 2, 3}, "{1, 2, 3}"), label({{1, 2}, {3, 4}}, "{{1, 2}, {3, 4}}"),
    label({{1}, {{2, 3}}}, "{{1}, {{2, 3}}}"), label({1, nil, 3}, "{1, nil, 3}"), label({nan, inf, -inf}, "{0/0, 1/0, -1/0}"),
    label({"a", "b"}, "{'a', 'b'}"), label({true}, "{true}"), label({[0] = 1, [-1] = 2}, "{[0] = 1, [-1] = 2}"),
    label({[2^53] = 1}, "{[2^53] = 1}"), label(cyclic, "<cyclic table>"), label(deep(100000), "<table nested 100000 deep>"),
    label(deep(200), "<table nested 200 deep>"),
    label(setmetatable({}, {__index = function() error("fuzz-callback-error in __index") end}), "<table whose __index raises>"),
    label(setmetatable({}, {__len = function() return math.maxinteger end}), "<table whose __len is math.maxinteger>"),
    label(setmetatable({1, 2}, {__len = function() return -5 end}), "<table whose __len is -5>"),
    label(setmetatable({}, {__index = function(_, k) return k end}), "<table whose __index returns the key>"),
    label(setmetatable({}, {__pairs = function() error("fuzz-callback-error in __pairs") end}), "<table whose __pairs raises>"),
    label(setmetatable({}, {__metatable = "locked", __tostring = function() return 5 end}), "<locked table, __tostring returns 5>"),
    label((function() local t = {} for i = 1, 10000 do t[i] = i % 7 end return t end)(), "<10000 numbers>"),
  }
end

local coroutines = {
  label(coroutine.create(function() coroutine.yield(1) end), "<suspended coroutine>"),
  label((function() local c = coroutine.create(function() end) coroutine.resume(c) return c end)(), "<dead coroutine>"),
  label(coroutine.running(), "<main coroutine>"),
}
local foreign = {label(io.stdout, "io.stdout"), label(io.stderr, "io.stderr"), json and json.null and label(json.null, "json.null") or nil}

---------------------------------------------------------------------------
-- Objects: a base set rebuilt now and then, and what calls return
---------------------------------------------------------------------------

local tensors, objects, tables = {}, {}, {}
local base_tensor_count, base_object_count, base_table_count = 0, 0, 0

local function kind_of(v)
  local mt = getmetatable(v)
  if type(mt) == "table" then
    local n = rawget(mt, "__name")
    if type(n) == "string" then return n end
  end
  return nil
end

local function try(f, ...) local ok, v = pcall(f, ...) if ok then return v end end

local function build_base()
  tensors, objects, tables = {}, {}, {}
  local function T(name, make) local v = try(make) if v ~= nil then tensors[#tensors + 1] = label(v, name) end end
  T("torch.tensor(3.5)", function() return torch.tensor(3.5) end)
  T("torch.zeros(0)", function() return torch.zeros(0) end)
  T("torch.zeros(3, 0)", function() return torch.zeros(3, 0) end)
  T("torch.ones(3)", function() return torch.ones(3) end)
  T("torch.randn(2, 3)", function() return torch.randn(2, 3) end)
  T("torch.randn(4, 3, 2)", function() return torch.randn(4, 3, 2) end)
  T("torch.randn(5, 1, 3)", function() return torch.randn(5, 1, 3) end)
  T("torch.arange(12):view(3, 4):t()", function() return torch.arange(12):view(3, 4):t() end)
  T("torch.arange(20):narrow(1, 3, 10)", function() return torch.arange(20):narrow(1, 3, 10) end)
  T("torch.ones(1, 3):expand(4, 3)", function() return torch.ones(1, 3):expand(4, 3) end)
  T("torch.ones(1):expand(2^20)", function() return torch.ones(1):expand(2^20) end)
  T("torch.randn(3, 4, {requires_grad = true})", function() return torch.randn(3, 4, {requires_grad = true}) end)
  T("(torch.randn(3, {requires_grad = true}) * 2)", function() return torch.randn(3, {requires_grad = true}) * 2 end)
  T("torch.tensor({0/0, 1/0, -1/0, 1e38})", function() return torch.tensor({nan, inf, -inf, 1e38}) end)
  T("torch.randint(0, 10, {6})", function() return torch.randint(0, 10, {6}) end)
  T("torch.randn(2, 5, 1)", function() return torch.randn(2, 5, 1) end)
  T("<closed tensor>", function() local t = torch.ones(2) getmetatable(t).__close(t) return t end)
  -- every dtype, so that each op meets the element types it must convert or refuse
  T("torch.randn(3, 4, {dtype = torch.float64, requires_grad = true})",
    function() return torch.randn(3, 4, {dtype = torch.float64, requires_grad = true}) end)
  T("torch.tensor{{1, 2}, {3, 4}}", function() return torch.tensor{{1, 2}, {3, 4}} end)
  T("torch.tensor{true, false, true}", function() return torch.tensor{true, false, true} end)
  T("torch.tensor({0, 255}, {dtype = torch.uint8})", function() return torch.tensor({0, 255}, {dtype = torch.uint8}) end)
  T("torch.tensor({-2, 7}, {dtype = torch.int32})", function() return torch.tensor({-2, 7}, {dtype = torch.int32}) end)
  T("torch.randn(2, 3):gt(0)", function() return torch.randn(2, 3):gt(0) end)
  T("torch.tensor(5)", function() return torch.tensor(5) end)
  T("torch.tensor(true)", function() return torch.tensor(true) end)
  T("torch.tensor{9223372036854775807, -9223372036854775807 - 1}", function() return torch.tensor{math.maxinteger, math.mininteger} end)
  base_tensor_count = #tensors

  local function O(name, make) local v = try(make) if v ~= nil then objects[#objects + 1] = label(v, name) end end
  local w = torch.randn(3, {requires_grad = true})
  label(w, "w (torch.randn(3, {requires_grad = true}))")
  O("nn.Linear(3, 2)", function() return nn.Linear(3, 2) end)
  O("nn.LSTM(1, 4)", function() return nn.LSTM(1, 4) end)
  O("nn.GRU(2, 3, 2, true, true)", function() return nn.GRU(2, 3, 2, true, true) end)
  O("nn.RNN{input_size = 3, hidden_size = 2, bidirectional = true}", function() return nn.RNN{input_size = 3, hidden_size = 2, bidirectional = true} end)
  O("nn.LSTMCell(3, 2)", function() return nn.LSTMCell(3, 2) end)
  O("nn.Sequential(nn.Linear(3, 3), nn.Tanh())", function() return nn.Sequential(nn.Linear(3, 3), nn.Tanh()) end)
  O("nn.MSELoss()", function() return nn.MSELoss() end)
  O("nn.Embedding(10, 3)", function() return nn.Embedding(10, 3) end)
  O("optim.SGD({w}, 0.1, 0.9)", function() return optim.SGD({w}, 0.1, 0.9) end)
  O("optim.Adam({w})", function() return optim.Adam({w}) end)
  O("optim.lr_scheduler.StepLR(optim.SGD({w}, 0.1), 2)", function() return optim.lr_scheduler.StepLR(optim.SGD({w}, 0.1), 2) end)
  O("plot.figure()", function() return plot.figure() end)
  O("plot.line({1, 2, 3})", function() return plot.line({1, 2, 3}) end)
  O("torch.progress(1, 3)", function() return torch.progress(1, 3) end)
  O("torch.progress(1, math.maxinteger)", function() return (select(2, torch.progress(1, math.maxinteger))) end)
  O("torch.no_grad()", function() return torch.no_grad() end)
  O("<closed figure>", function() local f = plot.figure() getmetatable(f).__close(f) return f end)
  -- every class the modules export, made with small sizes (their own kinds, discovered)
  for _, m in ipairs({"nn", "optim"}) do
    for name, class in pairs(_G[m]) do
      local mt = getmetatable(class)
      if type(class) == "table" and type(mt) == "table" and mt.__call and name:match("^%u") then
        O(m .. "." .. name .. "(3, 2)", function() return class(3, 2) end)
        O(m .. "." .. name .. "()", function() return class() end)
        O(m .. "." .. name .. "({w})", function() return class({w}) end)
      end
    end
  end
  table.sort(objects, function(a, b) return labels[a] < labels[b] end)
  base_object_count = #objects

  for _, t in ipairs(misc_tables()) do tables[#tables + 1] = t end
  tables[#tables + 1] = label({tensors[4], tensors[5]}, "{torch.ones(3), torch.randn(2, 3)}")
  tables[#tables + 1] = label({w}, "{w}")
  tables[#tables + 1] = label({tensors[1], 5, "x"}, "{torch.tensor(3.5), 5, 'x'}")
  base_table_count = #tables
  torch.set_grad_enabled(true)
end

-- Results worth keeping for later calls (bounded: old ones are replaced).
local function keep(v, origin)
  local t = type(v)
  if t == "userdata" or t == "table" then
    if labels[v] == nil then labels[v] = "<result of call " .. origin .. ">" end
    if torch.is_tensor(v) then
      local ok, n = pcall(function() return v:numel() end)
      if ok and n <= 100000 then
        if #tensors < base_tensor_count + 48 then tensors[#tensors + 1] = v
        else tensors[base_tensor_count + random(48)] = v end
      end
    elseif kind_of(v) then
      if #objects < base_object_count + 48 then objects[#objects + 1] = v
      else objects[base_object_count + random(48)] = v end
    elseif t == "table" then
      if #tables < base_table_count + 32 then tables[#tables + 1] = v
      else tables[base_table_count + random(32)] = v end
    end
  end
end

---------------------------------------------------------------------------
-- Targets: discovered from the module tables and the objects' metatables
---------------------------------------------------------------------------

local targets, target_names = {}, {}
local known_names = {}        -- every function name, for telling whether a message names one
local option_keys = {"requires_grad", "dim", "keepdim", "label", "color", "title", "xlabel", "ylabel", "width", "height",
                     "columns", "rows", "desc", "disable", "eps", "atol", "rtol", "raise_exception", "reduction", "lr",
                     "size", "linewidth", "dashed", "simplify", "grid", "legend", "xlim", "ylim", "p", "training",
                     "max_norm", "norm_type", "padding_idx", "delimiter", "column", "header", "h0", "c0"}
local option_key_seen = {}
for _, k in ipairs(option_keys) do option_key_seen[k] = true end
local function learn_keys(t)
  if type(t) ~= "table" or #option_keys > 400 then return end
  for k in next, t do
    if type(k) == "string" and not option_key_seen[k] and #k < 40 and not k:find("^__") then
      option_key_seen[k] = true
      option_keys[#option_keys + 1] = k
    end
  end
end

local target_functions = {}
local function add_target(name, t)
  if target_names[name] or (t.fn and not t.kind and target_functions[t.fn]) then return end
  if t.fn and not t.kind then target_functions[t.fn] = true end
  t.name = name
  t.calls, t.ok, t.err = 0, 0, 0
  target_names[name] = t
  targets[#targets + 1] = t
  known_names[(name:match("[%.:]([%w_]+)$") or name)] = true
end

local module_names = {"torch", "nn", "optim", "data", "plot", "json", "time"}

local function discover_module(prefix, t, seen)
  if seen[t] then return end
  seen[t] = true
  local keys = {}
  for k in next, t do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = rawget(t, k)
    local name = prefix .. "." .. k
    if type(v) == "function" then
      add_target(name, {fn = v})
    elseif type(v) == "table" and not k:find("^__") and k ~= "super" then
      local mt = getmetatable(v)
      if type(mt) == "table" and rawget(mt, "__call") then
        add_target(name, {fn = v})  -- a class: calling makes one; its methods are found on what it makes
      else
        discover_module(name, v, seen)
      end
    end
  end
end

local kinds = {}              -- kind name -> true once its methods are targets
local operators = {
  __add = function(a, b) return a + b end, __sub = function(a, b) return a - b end,
  __mul = function(a, b) return a * b end, __div = function(a, b) return a / b end,
  __pow = function(a, b) return a ^ b end, __mod = function(a, b) return a % b end,
  __idiv = function(a, b) return a // b end, __concat = function(a, b) return a .. b end,
  __unm = function(a) return -a end, __len = function(a) return #a end,
  __tostring = function(a) return tostring(a) end, __eq = function(a, b) return a == b end,
  __lt = function(a, b) return a < b end, __le = function(a, b) return a <= b end,
  __call = function(a, ...) return a(...) end,
  __index = function(a, k) return a[k] end,
  __newindex = function(a, k, v) a[k] = v end,
}

local function discover_kind(kind, v)
  if kinds[kind] then return end
  kinds[kind] = true
  local mt = getmetatable(v)
  if type(mt) ~= "table" then return end
  local seen, names = {}, {}
  -- methods: the __methods table of a native class, or the __index chain of a Lua class
  local function collect(t, depth)
    if type(t) ~= "table" or seen[t] or depth > 10 then return end
    seen[t] = true
    for k, f in next, t do
      if type(k) == "string" and type(f) == "function" and not k:find("^__") and not names[k] then names[k] = f end
    end
    collect(rawget(t, "__methods"), depth + 1)
    local idx = rawget(t, "__index")
    if type(idx) == "table" then collect(idx, depth + 1) end
    collect(rawget(t, "super"), depth + 1)
    local up = getmetatable(t)
    if type(up) == "table" then collect(rawget(up, "__index"), depth + 1) end
  end
  collect(mt, 0)
  local sorted = {}
  for k in next, names do sorted[#sorted + 1] = k end
  table.sort(sorted)
  for _, k in ipairs(sorted) do add_target(kind .. ":" .. k, {fn = names[k], kind = kind, method = true}) end
  local metas = {}
  for k, f in next, mt do if type(k) == "string" and k:find("^__") and (type(f) == "function" or operators[k]) then metas[#metas + 1] = k end end
  table.sort(metas)
  for _, k in ipairs(metas) do
    if operators[k] then add_target(kind .. " " .. k, {fn = operators[k], kind = kind, meta = k})
    elseif type(rawget(mt, k)) == "function" then add_target(kind .. "." .. k, {fn = rawget(mt, k), kind = kind, method = true}) end
  end
  -- properties: read and written through __index / __newindex
  local props = rawget(mt, "__properties")
  if type(props) == "table" then
    for _, p in ipairs(props) do
      if type(p) == "string" then
        add_target(kind .. "." .. p, {kind = kind, property = p})
        option_key_seen[p] = true
      end
    end
  end
end

local function discover_objects()
  for _, pool in ipairs({tensors, objects}) do
    for _, v in ipairs(pool) do
      local k = kind_of(v)
      if k then discover_kind(k, v) end
      if type(v) == "table" then learn_keys(v) end
    end
  end
end

---------------------------------------------------------------------------
-- Arguments
---------------------------------------------------------------------------

local function of_kind(kind)
  local candidates = {}
  for _, pool in ipairs({tensors, objects}) do
    for _, v in ipairs(pool) do if kind_of(v) == kind then candidates[#candidates + 1] = v end end
  end
  if #candidates == 0 then return nil end
  return candidates[random(#candidates)]
end

local value
local function scalar() return scalars[random(scalar_count)] end
local function size_table()
  local t = {}
  for i = 1, random(0, 4) do t[i] = random() < 0.8 and random(0, 4) or scalar() end
  return label(t, "{" .. table.concat((function() local d = {} for i = 1, #t do d[i] = describe(t[i]) end return d end)(), ", ") .. "}")
end
local function option_table(depth)
  local t, parts = {}, {}
  for _ = 1, random(1, 3) do
    local k = option_keys[random(#option_keys)]
    local v = value(depth + 1)
    t[k] = v
    parts[#parts + 1] = k .. " = " .. describe(v)
  end
  return label(t, "{" .. table.concat(parts, ", ") .. "}")
end
local function list_of(depth)
  local t, parts = {}, {}
  for i = 1, random(1, 4) do
    local v = random() < 0.7 and pick(tensors) or value(depth + 1)
    t[i] = v
    parts[i] = describe(v)
  end
  return label(t, "{" .. table.concat(parts, ", ") .. "}")
end

function value(depth)
  depth = depth or 0
  local r = random()
  if depth > 2 then r = r * 0.3 end
  if r < 0.22 then return scalar()
  elseif r < 0.30 then return pick(strings)
  elseif r < 0.52 then return pick(tensors)
  elseif r < 0.62 then return pick(objects)
  elseif r < 0.70 then return size_table()
  elseif r < 0.80 then return option_table(depth)
  elseif r < 0.86 then return list_of(depth)
  elseif r < 0.93 then return pick(tables)
  elseif r < 0.97 then return pick(functions)
  elseif r < 0.985 then return pick(coroutines)
  else return pick(foreign) end
end

local function arguments()
  local n = pick({0, 1, 1, 2, 2, 2, 3, 3, 4, 5})
  local args = {n = n}
  for i = 1, n do args[i] = value() end
  return args
end

-- Writers are only called with paths from the pool (each relative or inside dir).
local function path_safe(name, args)
  if not (name:find("save") or name:find("export") or name:find("write") or name:find("dump")) then return true end
  for i = 1, args.n do
    local a = args[i]
    if type(a) == "string" and not safe_strings[a] then return false end
    if type(a) == "table" then
      for _, v in next, a do if type(v) == "string" and not safe_strings[v] then return false end end
    end
  end
  return true
end

-- What legitimately takes long is bounded here, not treated as a hang.
local bounds = {
  ["time.sleep"] = function(args) local s = tonumber(args[1]) return not (s and s > 1e-3) end,
}

---------------------------------------------------------------------------
-- Calling
---------------------------------------------------------------------------

-- call_start is math.huge between calls: the budget is the call's, and a long call that
-- returned must not trip the hook in the fuzzer's own code afterwards, outside pcall.
local call_start, budget, instructions = math.huge, options.budget, 0
local budget_message = "fuzz-budget: call over its time budget"
local function hook()
  instructions = instructions + 1
  if os.clock() - call_start > budget then error(budget_message, 0) end
end
debug.sethook(hook, "", 10000)

local stats = {calls = 0, ok = 0, errors = 0, named = 0, nameless = 0, non_string = 0, callback = 0, budget = 0, skipped = 0, in_coroutine = 0, lua_operator = 0}
local nameless, nameless_order, non_string_types = {}, {}, {}
local slowest = {}

local function names_a_function(message, target)
  if message:find("bad argument", 1, true) or message:find("bad self", 1, true) then return true end
  local short = target.name:match("[%.:]([%w_]+)$") or target.name
  if message:find(short, 1, true) then return true end
  if target.kind and message:find(target.kind, 1, true) then return true end
  for quoted in message:gmatch("'([%w_%.:]+)'") do
    local q = quoted:match("([%w_]+)$")
    if known_names[q] or known_names[quoted] then return true end
  end
  return false
end

local function classify(ok, err, target)
  if ok then
    stats.ok = stats.ok + 1
    target.ok = target.ok + 1
    return
  end
  stats.errors = stats.errors + 1
  target.err = target.err + 1
  if type(err) ~= "string" then
    local shown, text = pcall(tostring, err)
    if shown and type(text) == "string" and text:find("fuzz-callback-error", 1, true) then stats.callback = stats.callback + 1 return end
    stats.non_string = stats.non_string + 1
    non_string_types[(kind_of(err) or type(err)) .. " from " .. target.name] = true
    return
  end
  if err == budget_message or err:find(budget_message, 1, true) then stats.budget = stats.budget + 1 return end
  if err:find("fuzz-callback-error", 1, true) then stats.callback = stats.callback + 1 return end
  -- Lua's own operators on a value that is not lstmlua's (a wrong self given to `a + b`)
  if (target.meta or target.property) and err:find("^[^\n]-api_fuzz%.lua:%d+: attempt to ") then stats.lua_operator = stats.lua_operator + 1 return end
  if names_a_function(err, target) then stats.named = stats.named + 1 return end
  stats.nameless = stats.nameless + 1
  local key = err:gsub("^[^\n]-:%d+: ", ""):gsub("'[^']*'", "'X'"):gsub("%d+", "N"):sub(1, 200)
  if not nameless[key] then
    nameless[key] = target.name .. ": " .. err:sub(1, 300)
    nameless_order[#nameless_order + 1] = key
  end
end

local function invoke(target, receiver, args)
  if target.property then
    if args.n >= 1 and random() < 0.5 then receiver[target.property] = args[1] return end
    return receiver[target.property]
  end
  if target.method then return target.fn(receiver, table.unpack(args, 1, args.n)) end
  if target.meta then
    if target.meta == "__index" or target.meta == "__newindex" then
      local key = random() < 0.6 and pick(option_keys) or value()
      return target.fn(receiver, key, args[1])
    end
    if random() < 0.5 or target.meta == "__call" or target.meta == "__unm" or target.meta == "__len" or target.meta == "__tostring" then
      return target.fn(receiver, table.unpack(args, 1, args.n))
    end
    return target.fn(args[1], receiver)
  end
  return target.fn(table.unpack(args, 1, args.n))
end

local returned_functions = 0
local function pack(...) return select("#", ...), {...} end

-- An input a module accepts, from the sizes it declares (input_size, in_features, ...),
-- so that forward reaches the kernels rather than the argument checks.
local function shaped_input(module)
  if type(module) ~= "table" then return nil end
  local n = rawget(module, "input_size") or rawget(module, "in_features")
  if math.type(n) == "integer" and n > 0 and n <= 64 then
    local shape = pick({{3, 2, n}, {2, n}, {1, 1, n}, {4, n}, {0, 2, n}})
    return label(torch.randn(table.unpack(shape)), "torch.randn(" .. table.concat(shape, ", ") .. ")")
  end
  local e = rawget(module, "num_embeddings")
  if math.type(e) == "integer" and e > 0 and e <= 1000 then
    return label(torch.randint(0, e, {3, 2}), "torch.randint(0, " .. e .. ", {3, 2})")
  end
end

-- Arguments that once succeeded, by target: mutated, they reach past the first check.
local successes = {}

local function call(number, target)
  local args = arguments()
  local remembered = successes[target]
  if remembered and random() < 0.35 then
    local old = remembered[random(#remembered)]
    args = {n = old.n}
    for i = 1, old.n do args[i] = old[i] end
    local r = random(3)
    if r == 1 and args.n > 0 then args[random(args.n)] = value()
    elseif r == 2 then args.n = args.n + 1 args[args.n] = value()
    elseif args.n > 0 then args.n = args.n - 1 end
  end
  local receiver, receiver_text = nil, ""
  if target.kind then
    receiver = of_kind(target.kind)
    if receiver == nil then stats.skipped = stats.skipped + 1 return end
    if random() < 0.08 then receiver = value() end  -- the wrong self, now and then
    receiver_text = describe(receiver)
    if (target.meta == "__call" or target.name:find(":forward$")) and random() < 0.5 then
      local input = shaped_input(receiver)
      if input ~= nil then args[1] = input args.n = math.max(args.n, 1) end
    end
  end
  if not path_safe(target.name, args) or (bounds[target.name] and not bounds[target.name](args)) then
    stats.skipped = stats.skipped + 1
    return
  end
  local parts = {}
  for i = 1, args.n do parts[i] = describe(args[i]) end
  local in_coroutine = random() < 0.04
  local line = string.format("#%d seed=%d %s%s(%s%s%s)%s\n", number, options.seed, target.name,
                             target.property and " property" or "", receiver_text,
                             (receiver_text ~= "" and args.n > 0) and ", " or "", table.concat(parts, ", "),
                             in_coroutine and " [in a coroutine]" or "")
  log:write(line)
  log:flush()
  stats.calls = stats.calls + 1
  target.calls = target.calls + 1
  instructions = 0
  call_start = os.clock()
  local ok, n, results
  if in_coroutine then
    stats.in_coroutine = stats.in_coroutine + 1
    local co = coroutine.create(function() return pcall(function() return pack(invoke(target, receiver, args)) end) end)
    debug.sethook(co, hook, "", 10000)
    local resumed, inner_ok, a, b = coroutine.resume(co)
    if resumed and coroutine.status(co) == "dead" then ok, n, results = inner_ok, a, b
    elseif resumed then ok = true  -- suspended by a callback's yield: dropped
    else ok, n = false, inner_ok end
  else
    ok, n, results = pcall(function() return pack(invoke(target, receiver, args)) end)
  end
  local elapsed = os.clock() - call_start
  call_start = math.huge
  if elapsed > 0.2 then slowest[#slowest + 1] = {elapsed, line} end
  classify(ok, n, target)
  if ok then
    successes[target] = successes[target] or {}
    local list = successes[target]
    if #list < 8 then list[#list + 1] = args else list[random(8)] = args end
  end
  if ok and type(results) == "table" then
    for i = 1, math.min(n or 0, 4) do
      local v = results[i]
      local k = kind_of(v)
      if k and not kinds[k] then discover_kind(k, v) end
      if type(v) == "function" and returned_functions < 40 and not labels[v] and not target_functions[v] then
        returned_functions = returned_functions + 1
        add_target("<function returned by call " .. number .. ">", {fn = label(v, "<function returned by call " .. number .. ">")})
      end
      if type(v) == "table" and not k then learn_keys(v) end
      keep(v, number)
    end
  end
end

---------------------------------------------------------------------------
-- Run
---------------------------------------------------------------------------

build_base()
for _, m in ipairs(module_names) do
  if type(_G[m]) == "table" then discover_module(m, _G[m], {}) end
end
discover_objects()

local started = os.clock()
local number = 0
while stats.calls < options.calls do
  number = number + 1
  if number % 2000 == 0 then
    build_base()
    discover_objects()
    collectgarbage()
  end
  call(number, targets[random(#targets)])
end
debug.sethook()
log:write("done\n")
log:close()

local function count_kinds() local n = 0 for _ in next, kinds do n = n + 1 end return n end
print(string.format("api_fuzz seed %d: %d calls to %d targets (%d kinds of object) in %.1f s CPU",
                    options.seed, stats.calls, #targets, count_kinds(), os.clock() - started))
print(string.format("  succeeded %d; Lua errors %d: naming a function %d, naming none %d, not a string %d, "
                    .. "Lua's own operator on a wrong self %d, the fuzzer's callbacks' own %d, stopped at the time budget %d",
                    stats.ok, stats.errors, stats.named, stats.nameless, stats.non_string, stats.lua_operator, stats.callback,
                    stats.budget))
print(string.format("  skipped %d (no object of the kind, or a path or duration out of bounds); made in a coroutine %d",
                    stats.skipped, stats.in_coroutine))
print(string.format("  messages naming no function: %d distinct", #nameless_order))
for i = 1, math.min(20, #nameless_order) do print("    " .. (nameless[nameless_order[i]]:gsub("\n", " | "))) end
local types = {}
for k in next, non_string_types do types[#types + 1] = k end
table.sort(types)
for i = 1, math.min(10, #types) do print("  non-string error: " .. types[i]) end
table.sort(slowest, function(a, b) return a[1] > b[1] end)
for i = 1, math.min(5, #slowest) do print(string.format("  slow: %.2f s %s", slowest[i][1], (slowest[i][2]:gsub("\n", "")))) end
if options.verbose then
  table.sort(targets, function(a, b) return a.name < b.name end)
  for _, t in ipairs(targets) do print(string.format("  %-50s calls %5d ok %5d errors %5d", t.name, t.calls, t.ok, t.err)) end
end
print("api_fuzz: finished")

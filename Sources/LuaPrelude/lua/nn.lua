-- nn: the Module class system and the layers models are built from.
--
-- What is naturally Lua lives here: classes, registration of parameters and
-- submodules as fields are assigned, traversal, printing. Everything numeric
-- is one call into the native core (nn.functional).
--
--   local Net = nn.Module:extend("Net")
--   function Net:init() self.rnn = nn.LSTM{input_size = 1, hidden_size = 10, batch_first = true} end
--   function Net:forward(x, h) return self.rnn(x, h) end
--   local model = Net()

local nn, docs = ...
local F = nn.functional

-- Help for what this file defines, registered beside each definition:
-- doc(name, signature, one line, value). The REPL's help() reads it.
local function doc(name, signature, text, value)
  docs.byname[name] = {signature = signature, doc = text, value = value}
  if value ~= nil then docs.byvalue[value] = name end
  return value
end
docs.define = doc   -- the prelude files loaded after this one register through it
local torch = torch
local json = json
local is_tensor = torch.is_tensor
-- Kept here: --safe mode takes debug.getinfo away from scripts, not from the prelude.
local getinfo = debug.getinfo

-- Errors raised here point at the user's code, not at this file: the level is
-- that of the first caller outside the prelude.
local function caller_level()
  local level = 3
  while true do
    local info = getinfo(level, "S")
    if not info then return 1 end
    if info.source ~= "=[lstmlua:nn]" and info.what ~= "C" then return level - 1 end
    level = level + 1
  end
end

local function raise(fmt, ...)
  error(string.format(fmt, ...), caller_level())
end

local function argerror(n, fname, fmt, ...)
  raise("bad argument #%d to '%s' (%s)", n, fname, string.format(fmt, ...))
end

local function pybool(v) return v and "True" or "False" end

-- A layer's parameter made by make(...); sizes refused (too many elements, more memory
-- than the machine has) are reported as the layer's, which is what the script called.
local function parameter(fname, make, ...)
  local ok, t = pcall(make, ...)
  if not ok then
    argerror(1, fname, "%s", tostring(t):match("bad argument #%d+ to '[^']*' %((.*)%)$") or tostring(t))
  end
  return t
end

local function pynumber(v)
  if math.type(v) == "integer" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%.1f", v) end
  return tostring(v)
end

---------------------------------------------------------------------------
-- Module
---------------------------------------------------------------------------

local Module = {}
Module.__name = "Module"
Module.__index = Module
nn.Module = Module
doc("nn.Module", "nn.Module:extend(name) -> class", "The base class of models: subclass it, define init and forward.", Module)

local function is_module(v)
  if type(v) ~= "table" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__module_class") == true
end
nn.is_module = is_module
doc("nn.is_module", "nn.is_module(value) -> boolean", "Whether value is an instance of a Module class.", is_module)

-- Metamethods are looked up raw, so every class carries its own copies.
local inherited = {"__call", "__newindex", "__tostring", "__len"}

function Module.extend(parent, name)
  if type(name) ~= "string" then argerror(1, "extend", "class name expected, got %s", type(name)) end
  local cls = {__name = name, __module_class = true, super = parent}
  for _, k in ipairs(inherited) do cls[k] = rawget(parent, k) end
  cls.__index = cls
  return setmetatable(cls, {
    __index = parent,
    __call = function(c, ...) return c:new(...) end,
    __tostring = function(c) return "class " .. c.__name end,
  })
end
doc("nn.Module:extend", "Class:extend(name) -> class", "A subclass named name; its instances are made by calling it: Net().", Module.extend)

function Module.new(cls, ...)
  -- the constructor's arguments, kept so that torch.save can describe how to rebuild it
  local self = setmetatable({_params = {}, _modules = {}, _buffers = {}, _names = {}, training = true,
                             _constructor_args = table.pack(...)}, cls)
  local init = cls.init
  if init then init(self, ...) end
  return self
end
doc("nn.Module:new", "Class:new(...) -> instance", "Makes an instance and runs its init(...) (calling the class does the same).", Module.new)

function Module:init() end
doc("nn.Module:init", "function Class:init(...)", "Sets up an instance: assign submodules and parameters as fields.", Module.init)

function Module:forward()
  raise("%s has no forward method; define function %s:forward(...)", self.__name, self.__name)
end
doc("nn.Module:forward", "function Class:forward(...) -> ...", "The computation; model(...) calls it.", Module.forward)

-- model(...) runs forward.
function Module.__call(self, ...)
  return self:forward(...)
end

local function remember(list, names, key)
  if not names[key] then
    names[key] = true
    list[#list + 1] = key
  end
end

-- Fields assigned a module or a tensor that requires grad register themselves.
function Module.__newindex(self, key, value)
  if type(key) == "string" then
    if is_module(value) then
      remember(rawget(self, "_modules"), rawget(self, "_names"), key)
    elseif is_tensor(value) and value.requires_grad and value.is_leaf then
      remember(rawget(self, "_params"), rawget(self, "_names"), key)
    end
  end
  rawset(self, key, value)
end

function Module:register_parameter(name, t)
  if type(name) ~= "string" then argerror(1, "register_parameter", "string expected, got %s", name == nil and "no value" or type(name)) end
  if not is_tensor(t) then argerror(2, "register_parameter", "Tensor expected, got %s", type(t)) end
  t:requires_grad_()
  remember(self._params, self._names, name)
  rawset(self, name, t)
end
doc("nn.Module:register_parameter", "module:register_parameter(name, tensor)", "Registers tensor as a parameter under name (it requires grad).", Module.register_parameter)

function Module:register_buffer(name, t)
  if type(name) ~= "string" then argerror(1, "register_buffer", "string expected, got %s", name == nil and "no value" or type(name)) end
  if t ~= nil and not is_tensor(t) then argerror(2, "register_buffer", "Tensor expected, got %s", type(t)) end
  remember(self._buffers, self._names, name)
  rawset(self, name, t)
end
doc("nn.Module:register_buffer", "module:register_buffer(name, tensor)", "Registers state saved in state_dict but not trained.", Module.register_buffer)

function Module:add_module(name, m)
  if type(name) ~= "string" then argerror(1, "add_module", "string expected, got %s", name == nil and "no value" or type(name)) end
  if not is_module(m) then argerror(2, "add_module", "module expected, got %s", type(m)) end
  remember(self._modules, self._names, name)
  rawset(self, name, m)
end
doc("nn.Module:add_module", "module:add_module(name, module)", "Registers a submodule under name.", Module.add_module)

function Module:named_children()
  local i, names = 0, self._modules
  return function()
    while true do
      i = i + 1
      local name = names[i]
      if name == nil then return nil end
      local m = rawget(self, name)
      if m ~= nil then return name, m end
    end
  end
end
doc("nn.Module:named_children", "module:named_children() -> iterator of name, module", "The direct submodules with their names.", Module.named_children)

function Module:children()
  local out = {}
  for _, m in self:named_children() do out[#out + 1] = m end
  return out
end
doc("nn.Module:children", "module:children() -> {module, ...}", "The direct submodules.", Module.children)

local function walk(module, prefix, visit, seen)
  if seen[module] then return end
  seen[module] = true
  visit(prefix, module)
  for name, child in module:named_children() do
    walk(child, prefix == "" and name or (prefix .. "." .. name), visit, seen)
  end
end

function Module:named_modules()
  local list = {}
  walk(self, "", function(name, m) list[#list + 1] = {name, m} end, {})
  local i = 0
  return function()
    i = i + 1
    if list[i] then return list[i][1], list[i][2] end
  end
end
doc("nn.Module:named_modules", "module:named_modules() -> iterator of name, module", "The module and all its submodules, with dotted names.", Module.named_modules)

function Module:modules()
  local out = {}
  for _, m in self:named_modules() do out[#out + 1] = m end
  return out
end
doc("nn.Module:modules", "module:modules() -> {module, ...}", "The module and all its submodules.", Module.modules)

-- name, tensor pairs of one kind ("_params" or "_buffers"), shared tensors once.
local function named(self, field)
  local list, seen = {}, {}
  walk(self, "", function(prefix, m)
    for _, name in ipairs(rawget(m, field)) do
      local t = rawget(m, name)
      if t ~= nil and not seen[t] then
        seen[t] = true
        list[#list + 1] = {prefix == "" and name or (prefix .. "." .. name), t}
      end
    end
  end, {})
  return list
end

function Module:named_parameters()
  local list, i = named(self, "_params"), 0
  return function()
    i = i + 1
    if list[i] then return list[i][1], list[i][2] end
  end
end
doc("nn.Module:named_parameters", "module:named_parameters() -> iterator of name, tensor", "Every parameter with PyTorch's dotted name, e.g. rnn.weight_ih_l0.", Module.named_parameters)

-- The tensors of one kind, without building names: what training loops call every step.
local function collect(module, field, out, seen)
  if seen[module] then return end
  seen[module] = true
  for _, name in ipairs(rawget(module, field)) do
    local t = rawget(module, name)
    if t ~= nil and not seen[t] then
      seen[t] = true
      out[#out + 1] = t
    end
  end
  for _, name in ipairs(rawget(module, "_modules")) do
    local m = rawget(module, name)
    if m ~= nil then collect(m, field, out, seen) end
  end
  return out
end

function Module:parameters()
  return collect(self, "_params", {}, {})
end
doc("nn.Module:parameters", "module:parameters() -> {tensor, ...}", "Every parameter, for an optimizer.", Module.parameters)

function Module:named_buffers()
  local list, i = named(self, "_buffers"), 0
  return function()
    i = i + 1
    if list[i] then return list[i][1], list[i][2] end
  end
end
doc("nn.Module:named_buffers", "module:named_buffers() -> iterator of name, tensor", "Every buffer with its dotted name.", Module.named_buffers)

function Module:buffers()
  return collect(self, "_buffers", {}, {})
end
doc("nn.Module:buffers", "module:buffers() -> {tensor, ...}", "Every buffer.", Module.buffers)

function Module:zero_grad()
  local params = collect(self, "_params", {}, {})
  for i = 1, #params do params[i].grad = nil end
end
doc("nn.Module:zero_grad", "module:zero_grad()", "Clears every parameter's gradient.", Module.zero_grad)

function Module:train(mode)
  if mode == nil then mode = true end
  if type(mode) ~= "boolean" then argerror(1, "train", "boolean expected, got %s", type(mode)) end
  for _, m in ipairs(self:modules()) do rawset(m, "training", mode) end
  return self
end
doc("nn.Module:train", "module:train([mode=true]) -> module", "Training mode (dropout active) for the module and its submodules.", Module.train)

function Module:eval()
  return self:train(false)
end
doc("nn.Module:eval", "module:eval() -> module", "Evaluation mode: dropout off.", Module.eval)

-- Every floating parameter and buffer converted to dtype (a tied tensor stays tied),
-- as PyTorch's Module.to(dtype); integer buffers keep their type.
function Module:to(dtype)
  if type(dtype) ~= "string" then argerror(1, "to", "dtype expected (torch.float64, ...), got %s", type(dtype)) end
  if not torch.zeros(0, {dtype = dtype}):is_floating_point() then
    argerror(1, "to", "nn.Module.to only accepts floating point dtypes, but got desired dtype=%s", dtype)
  end
  local converted = {}
  local function convert(t, keep_grad)
    if converted[t] then return converted[t] end
    local q = t
    if t:is_floating_point() and t.dtype ~= dtype then
      q = t:detach():to(dtype)
      if keep_grad and t.requires_grad then q:requires_grad_() end
    end
    converted[t] = q
    return q
  end
  for _, m in ipairs(self:modules()) do
    for _, name in ipairs(rawget(m, "_params")) do
      local t = rawget(m, name)
      if t ~= nil then rawset(m, name, convert(t, true)) end
    end
    for _, name in ipairs(rawget(m, "_buffers")) do
      local t = rawget(m, name)
      if t ~= nil then rawset(m, name, convert(t, false)) end
    end
  end
  return self
end
doc("nn.Module:to", "module:to(dtype) -> module", "Converts every floating parameter and buffer to dtype (e.g. torch.float64).", Module.to)

function Module:double() return self:to(torch.float64) end
doc("nn.Module:double", "module:double() -> module", "Every floating parameter and buffer as float64.", Module.double)

function Module:float() return self:to(torch.float32) end
doc("nn.Module:float", "module:float() -> module", "Every floating parameter and buffer as float32.", Module.float)

-- Every name of every tensor of one kind, as PyTorch's state_dict walks _modules: a
-- tensor shared by two modules (tied weights) is listed under each of its names. Only
-- a module already on the path is skipped, so a module that contains itself ends.
local function every(module, prefix, field, out, path)
  if path[module] then return out end
  path[module] = true
  for _, name in ipairs(rawget(module, field)) do
    local t = rawget(module, name)
    if t ~= nil then out[#out + 1] = {prefix .. name, t} end
  end
  for _, name in ipairs(rawget(module, "_modules")) do
    local m = rawget(module, name)
    if m ~= nil then every(m, prefix .. name .. ".", field, out, path) end
  end
  path[module] = nil
  return out
end

function Module:state_dict()
  local out = {}
  for _, p in ipairs(every(self, "", "_params", {}, {})) do out[p[1]] = p[2]:detach() end
  for _, b in ipairs(every(self, "", "_buffers", {}, {})) do out[b[1]] = b[2]:detach() end
  return out
end
doc("nn.Module:state_dict", "module:state_dict() -> {name = tensor}", "Parameters and buffers under PyTorch's names (for torch.save); a tied tensor under each of its names.", Module.state_dict)

function Module:load_state_dict(state, strict)
  if type(state) ~= "table" then argerror(1, "load_state_dict", "table expected, got %s", type(state)) end
  if strict == nil then strict = true end
  local own = {}
  for _, p in ipairs(every(self, "", "_params", {}, {})) do own[p[1]] = p[2] end
  for _, b in ipairs(every(self, "", "_buffers", {}, {})) do own[b[1]] = b[2] end
  -- A tied tensor is loaded when any of its names is given: safetensors' save_model
  -- (the way PyTorch writes a model with tied weights) keeps only one of them.
  local given = {}
  for name, t in pairs(own) do
    if state[name] ~= nil then given[t] = true end
  end
  local missing, unexpected, mismatched = {}, {}, {}
  for name, t in pairs(own) do
    local v = state[name]
    if v == nil then
      if not given[t] then missing[#missing + 1] = name end
    elseif not is_tensor(v) then
      mismatched[#mismatched + 1] = string.format("%s is a %s, not a Tensor", name, type(v))
    elseif table.concat(v:size(), ",") ~= table.concat(t:size(), ",") then
      mismatched[#mismatched + 1] = string.format("size mismatch for %s: copying a param with shape [%s], the shape in the current model is [%s]",
        name, table.concat(v:size(), ", "), table.concat(t:size(), ", "))
    end
  end
  for name in pairs(state) do
    if own[name] == nil then unexpected[#unexpected + 1] = tostring(name) end
  end
  table.sort(missing); table.sort(unexpected); table.sort(mismatched)
  local problems = {}
  if #mismatched > 0 then problems[#problems + 1] = table.concat(mismatched, "; ") end
  if strict and #missing > 0 then problems[#problems + 1] = "missing key(s): " .. table.concat(missing, ", ") end
  if strict and #unexpected > 0 then problems[#problems + 1] = "unexpected key(s): " .. table.concat(unexpected, ", ") end
  if #problems > 0 then
    raise("error(s) in loading state_dict for %s: %s", self.__name, table.concat(problems, "; "))
  end
  torch.no_grad(function()
    for name, t in pairs(own) do
      local v = state[name]
      if v ~= nil then t:copy_(v) end
    end
  end)
  return {missing_keys = missing, unexpected_keys = unexpected}
end
doc("nn.Module:load_state_dict", "module:load_state_dict(state [, strict=true]) -> {missing_keys=, unexpected_keys=}", "Copies values from a state dict; strict reports missing and unexpected names.", Module.load_state_dict)

function Module:extra_repr() return "" end
doc("nn.Module:extra_repr", "module:extra_repr() -> string", "The text inside Name(...) when the module is printed.", Module.extra_repr)

local function indent(s, n)
  return (s:gsub("\n", "\n" .. string.rep(" ", n)))
end

-- PyTorch's repr: Name(extra) or Name(\n  (child): repr\n). A module that contains
-- itself prints the repeat as Name(<cycle>) rather than recursing until the stack ends.
local printing = setmetatable({}, {__mode = "k"})
local describe

function Module.__tostring(self)
  if printing[self] then return self.__name .. "(<cycle>)" end
  printing[self] = true
  local ok, s = pcall(describe, self)
  printing[self] = nil
  if not ok then error(s, 0) end
  return s
end

function describe(self)
  local lines = {}
  local extra = self:extra_repr()
  local extra_lines = {}
  if extra ~= "" then
    for line in (extra .. "\n"):gmatch("(.-)\n") do extra_lines[#extra_lines + 1] = line end
  end
  local child_lines = {}
  for name, m in self:named_children() do
    child_lines[#child_lines + 1] = "(" .. name .. "): " .. indent(tostring(m), 2)
  end
  for _, l in ipairs(extra_lines) do lines[#lines + 1] = l end
  for _, l in ipairs(child_lines) do lines[#lines + 1] = l end
  local s = self.__name .. "("
  if #lines > 0 then
    if #extra_lines == 1 and #child_lines == 0 then
      s = s .. extra_lines[1]
    else
      s = s .. "\n  " .. table.concat(lines, "\n  ") .. "\n"
    end
  end
  return s .. ")"
end

function nn.Parameter(t)
  if not is_tensor(t) then argerror(1, "Parameter", "Tensor expected, got %s", type(t)) end
  return t:detach():requires_grad_()
end
doc("nn.Parameter", "nn.Parameter(tensor) -> tensor", "A tensor marked as a parameter (it requires grad), as PyTorch's nn.Parameter.", nn.Parameter)

---------------------------------------------------------------------------
-- Arguments of layer constructors: positional, or one table of PyTorch names
---------------------------------------------------------------------------

-- spec: list of {name, type, default}; returns a table of values.
local function arguments(fname, spec, ...)
  local n = select("#", ...)
  local first = ...
  local out = {}
  local given = {}
  -- Python's positional arguments then keywords: nn.LSTM(10, 20, 2, {dropout = 0.2})
  local last = n > 1 and select(n, ...) or nil
  if type(last) == "table" and not is_tensor(last) and not (spec[n] and spec[n][2] == "table") then
    local positional = {...}
    local merged = {}
    for k, v in pairs(last) do merged[k] = v end
    for i = 1, n - 1 do
      local s = spec[i]
      if not s then argerror(i, fname, "too many arguments (at most %d)", #spec) end
      if merged[s[1]] ~= nil then argerror(n, fname, "%s given both by position and by name", s[1]) end
      merged[s[1]] = positional[i]
    end
    return arguments(fname, spec, merged)
  end
  if n == 1 and type(first) == "table" and not is_tensor(first) then
    local known = {}
    for _, s in ipairs(spec) do known[s[1]] = true end
    for k in pairs(first) do
      if not known[k] then
        local names = {}
        for _, s in ipairs(spec) do names[#names + 1] = s[1] end
        argerror(1, fname, "unknown option '%s' (expected one of: %s)", tostring(k), table.concat(names, ", "))
      end
    end
    given = first
    for i, s in ipairs(spec) do
      local v = first[s[1]]
      if v ~= nil and type(v) ~= s[2] then
        argerror(1, fname, "option '%s' must be a %s, got %s", s[1], s[2], type(v))
      end
    end
  else
    if n > #spec then argerror(#spec + 1, fname, "too many arguments (at most %d)", #spec) end
    for i, s in ipairs(spec) do
      local v = select(i, ...)
      if v ~= nil and type(v) ~= s[2] then
        argerror(i, fname, "%s expected for %s, got %s", s[2], s[1], type(v))
      end
      given[s[1]] = v
    end
  end
  for i, s in ipairs(spec) do
    local v = given[s[1]]
    if v == nil then
      if s[3] == nil then argerror(i, fname, "%s (a %s) is required", s[1], s[2]) end
      v = s[3]
    end
    if s[2] == "number" and s.integer and math.type(v) ~= "integer" and v ~= math.floor(v) then
      argerror(i, fname, "%s must be an integer, got %s", s[1], tostring(v))
    end
    if s.integer then v = math.tointeger(v) or v end
    out[s[1]] = v
  end
  return out
end

local function integer(name, default) return {name, "number", default, integer = true} end
local function number(name, default) return {name, "number", default} end
local function boolean(name, default) return {name, "boolean", default} end
local function string_(name, default) return {name, "string", default} end

---------------------------------------------------------------------------
-- Linear
---------------------------------------------------------------------------

local Linear = Module:extend("Linear")
nn.Linear = Linear
doc("nn.Linear", "nn.Linear(in_features, out_features [, bias=true])", "A fully connected layer, y = x·Wᵀ + b, initialised as PyTorch does.", Linear)

function Linear:init(...)
  local a = arguments("Linear", {integer("in_features"), integer("out_features"), boolean("bias", true)}, ...)
  if a.in_features < 0 or a.out_features < 0 then
    argerror(1, "Linear", "in_features and out_features must be non-negative")
  end
  rawset(self, "in_features", a.in_features)
  rawset(self, "out_features", a.out_features)
  -- kaiming_uniform_(a=√5) gives bound 1/√fan_in, computed in Python's order
  local gain = math.sqrt(2.0 / (1 + 5))
  local bound = a.in_features > 0 and math.sqrt(3.0) * (gain / math.sqrt(a.in_features)) or 0
  self.weight = parameter("Linear", torch.zeros, a.out_features, a.in_features):uniform_(-bound, bound):requires_grad_()
  if a.bias then
    local b = a.in_features > 0 and 1 / math.sqrt(a.in_features) or 0
    self.bias = parameter("Linear", torch.zeros, a.out_features):uniform_(-b, b):requires_grad_()
  else
    rawset(self, "bias", false)
  end
end

function Linear:forward(x)
  return F.linear(x, self.weight, self.bias or nil)
end
doc("nn.Linear:forward", "linear(input) -> Tensor", "input·weightᵀ + bias over the last dimension.", Linear.forward)

function Linear:extra_repr()
  return string.format("in_features=%d, out_features=%d, bias=%s", self.in_features, self.out_features, pybool(self.bias))
end
doc("nn.Linear:extra_repr", "linear:extra_repr() -> string", "in_features=..., out_features=..., bias=...", Linear.extra_repr)

---------------------------------------------------------------------------
-- LSTM, GRU, RNN
---------------------------------------------------------------------------

local RNNBase = Module:extend("RNNBase")
nn.RNNBase = RNNBase
doc("nn.RNNBase", "nn.RNNBase", "What LSTM, GRU and RNN share: options, parameters, printing.", RNNBase)

local common = {integer("input_size"), integer("hidden_size"), integer("num_layers", 1)}
local rnn_specs = {
  LSTM = {common[1], common[2], common[3], boolean("bias", true), boolean("batch_first", false),
          number("dropout", 0), boolean("bidirectional", false), integer("proj_size", 0)},
  GRU = {common[1], common[2], common[3], boolean("bias", true), boolean("batch_first", false),
         number("dropout", 0), boolean("bidirectional", false)},
  RNN = {common[1], common[2], common[3], string_("nonlinearity", "tanh"), boolean("bias", true),
         boolean("batch_first", false), number("dropout", 0), boolean("bidirectional", false)},
}

local function make_rnn(self, kind, ...)
  local a = arguments(kind, rnn_specs[kind], ...)
  local mode = kind
  if kind == "RNN" then
    if a.nonlinearity == "tanh" then mode = "RNN_TANH"
    elseif a.nonlinearity == "relu" then mode = "RNN_RELU"
    else argerror(1, "RNN", "unknown nonlinearity '%s' (expected 'tanh' or 'relu')", a.nonlinearity) end
  end
  a.proj_size = a.proj_size or 0
  local ok, spec = pcall(F.rnn_spec, mode, {
    input_size = a.input_size, hidden_size = a.hidden_size, num_layers = a.num_layers, bias = a.bias,
    batch_first = a.batch_first, dropout = a.dropout, bidirectional = a.bidirectional, proj_size = a.proj_size,
  })
  if not ok then
    local why = tostring(spec):match("bad argument #%d+ to '[^']*' %((.*)%)$") or tostring(spec)
    argerror(1, kind, "%s", why)
  end
  for k, v in pairs(a) do rawset(self, k, v) end
  rawset(self, "mode", mode)
  rawset(self, "_spec", spec)
  local names = {}
  -- every parameter from U(-1/√H, 1/√H), in registration order, as reset_parameters does
  local stdv = 1.0 / math.sqrt(a.hidden_size)
  for _, p in ipairs(spec:parameters()) do
    self[p.name] = torch.zeros(p.shape):uniform_(-stdv, stdv):requires_grad_()
    names[#names + 1] = p.name
  end
  rawset(self, "_flat_weights_names", names)
end

-- The parameters in the kernels' order, for every call: one table kept by the layer and
-- refilled from its fields (a reassigned parameter is seen at once; plain indexing and a
-- numeric loop take no C calls), where a fresh table each step of a generation loop
-- cost as much as the LSTM step's arithmetic.
local function kernel_weights(self)
  local w = self._kernel_weights
  if w == nil then
    w = {}
    rawset(self, "_kernel_weights", w)
  end
  local names = self._flat_weights_names
  for i = 1, #names do
    local t = self[names[i]]
    if t == nil then raise("%s: parameter %s was removed", self.__name, names[i]) end
    w[i] = t
  end
  for i = #names + 1, #w do w[i] = nil end
  return w
end

function RNNBase:flat_weights()
  local w = kernel_weights(self)
  return table.move(w, 1, #w, 1, {})
end
doc("nn.RNNBase:flat_weights", "layer:flat_weights() -> {Tensor, ...}", "The parameters in the order the kernels take them.", RNNBase.flat_weights)

function RNNBase:extra_repr()
  local s = string.format("%d, %d", self.input_size, self.hidden_size)
  if (self.proj_size or 0) ~= 0 then s = s .. ", proj_size=" .. self.proj_size end
  if self.num_layers ~= 1 then s = s .. ", num_layers=" .. self.num_layers end
  if self.bias ~= true then s = s .. ", bias=" .. pybool(self.bias) end
  if self.batch_first ~= false then s = s .. ", batch_first=" .. pybool(self.batch_first) end
  if self.dropout ~= 0 then s = s .. ", dropout=" .. pynumber(self.dropout) end
  if self.bidirectional ~= false then s = s .. ", bidirectional=" .. pybool(self.bidirectional) end
  return s
end
doc("nn.RNNBase:extra_repr", "layer:extra_repr() -> string", "The options that differ from the defaults, as PyTorch prints them.", RNNBase.extra_repr)

local LSTM = RNNBase:extend("LSTM")
nn.LSTM = LSTM
doc("nn.LSTM", "nn.LSTM(input_size, hidden_size [, num_layers=1, bias=true, batch_first=false, dropout=0, bidirectional=false, proj_size=0]) or nn.LSTM{...}", "A multi-layer LSTM with PyTorch's options, parameter names, gate order (i, f, g, o) and initialisation.", LSTM)

function LSTM:init(...) make_rnn(self, "LSTM", ...) end

function LSTM:forward(input, hx)
  local h0, c0
  if hx ~= nil then
    if type(hx) ~= "table" then
      argerror(2, "LSTM", "the state must be a table {h0, c0}, got %s", is_tensor(hx) and "a Tensor" or type(hx))
    end
    h0, c0 = hx[1], hx[2]
    if h0 == nil or c0 == nil then argerror(2, "LSTM", "the state must hold both h0 and c0") end
  end
  local out, h, c = F.rnn(self._spec, input, h0, c0, kernel_weights(self), self.training)
  return out, {h, c}
end
doc("nn.LSTM:forward", "lstm(input [, {h0, c0}]) -> output, {h_n, c_n}", "Runs the sequence: input [T, B, I] ([B, T, I] batch first, [T, I] unbatched); missing states are zeros.", LSTM.forward)

local GRU = RNNBase:extend("GRU")
nn.GRU = GRU
doc("nn.GRU", "nn.GRU(input_size, hidden_size [, num_layers=1, bias=true, batch_first=false, dropout=0, bidirectional=false]) or nn.GRU{...}", "A multi-layer GRU with PyTorch's options and gate order (r, z, n).", GRU)

function GRU:init(...) make_rnn(self, "GRU", ...) end

function GRU:forward(input, h0)
  return F.rnn(self._spec, input, h0, nil, kernel_weights(self), self.training)
end
doc("nn.GRU:forward", "gru(input [, h0]) -> output, h_n", "Runs the sequence; a missing state is zeros.", GRU.forward)

local RNN = RNNBase:extend("RNN")
nn.RNN = RNN
doc("nn.RNN", "nn.RNN(input_size, hidden_size [, num_layers=1, nonlinearity='tanh', bias=true, batch_first=false, dropout=0, bidirectional=false]) or nn.RNN{...}", "A multi-layer Elman RNN with tanh or relu.", RNN)

function RNN:init(...) make_rnn(self, "RNN", ...) end

function RNN:forward(input, h0)
  return F.rnn(self._spec, input, h0, nil, kernel_weights(self), self.training)
end
doc("nn.RNN:forward", "rnn(input [, h0]) -> output, h_n", "Runs the sequence; a missing state is zeros.", RNN.forward)

---------------------------------------------------------------------------
-- Cells
---------------------------------------------------------------------------

local CellBase = Module:extend("RNNCellBase")

local function make_cell(self, kind, ...)
  local spec = {integer("input_size"), integer("hidden_size"), boolean("bias", true)}
  if kind == "RNNCell" then spec[4] = string_("nonlinearity", "tanh") end
  local a = arguments(kind, spec, ...)
  local mode = ({LSTMCell = "LSTM", GRUCell = "GRU", RNNCell = "RNN_TANH"})[kind]
  if kind == "RNNCell" then
    if a.nonlinearity == "relu" then mode = "RNN_RELU"
    elseif a.nonlinearity ~= "tanh" then argerror(1, kind, "unknown nonlinearity '%s'", a.nonlinearity) end
  end
  local ok, s = pcall(F.rnn_spec, mode, {input_size = a.input_size, hidden_size = a.hidden_size, bias = a.bias})
  if not ok then argerror(1, kind, "%s", tostring(s):match("bad argument #%d+ to '[^']*' %((.*)%)$") or tostring(s)) end
  for k, v in pairs(a) do rawset(self, k, v) end
  rawset(self, "_spec", s)
  local names = {}
  local stdv = 1.0 / math.sqrt(a.hidden_size)
  for _, p in ipairs(s:parameters()) do
    local name = p.name:gsub("_l0$", "")
    self[name] = torch.zeros(p.shape):uniform_(-stdv, stdv):requires_grad_()
    names[#names + 1] = name
  end
  rawset(self, "_flat_weights_names", names)
end

CellBase.flat_weights = RNNBase.flat_weights

function CellBase:extra_repr()
  local s = string.format("%d, %d", self.input_size, self.hidden_size)
  if self.bias ~= true then s = s .. ", bias=" .. pybool(self.bias) end
  if self.nonlinearity and self.nonlinearity ~= "tanh" then s = s .. ", nonlinearity=" .. self.nonlinearity end
  return s
end
doc("nn.RNNCellBase:extra_repr", "cell:extra_repr() -> string", "Sizes and the options that differ from the defaults.", CellBase.extra_repr)

-- GRUCell and RNNCell keep one state; LSTMCell overrides this with its {h, c}.
function CellBase:forward(input, h)
  return F.rnn_cell(self._spec, input, h, nil, kernel_weights(self))
end
doc("nn.RNNCellBase:forward", "cell(input [, h]) -> h'", "One step on input [B, I] (or [I]).", CellBase.forward)

local LSTMCell = CellBase:extend("LSTMCell")
nn.LSTMCell = LSTMCell
doc("nn.LSTMCell", "nn.LSTMCell(input_size, hidden_size [, bias=true])", "One LSTM step, with the parameters named as PyTorch's LSTMCell.", LSTMCell)
function LSTMCell:init(...) make_cell(self, "LSTMCell", ...) end
function LSTMCell:forward(input, hx)
  local h, c
  if hx ~= nil then
    if type(hx) ~= "table" then argerror(2, "LSTMCell", "the state must be a table {h, c}") end
    h, c = hx[1], hx[2]
  end
  return F.rnn_cell(self._spec, input, h, c, kernel_weights(self))
end
doc("nn.LSTMCell:forward", "cell(input [, {h, c}]) -> h', c'", "One step on input [B, I] (or [I]).", LSTMCell.forward)

local GRUCell = CellBase:extend("GRUCell")
nn.GRUCell = GRUCell
doc("nn.GRUCell", "nn.GRUCell(input_size, hidden_size [, bias=true])", "One GRU step.", GRUCell)
function GRUCell:init(...) make_cell(self, "GRUCell", ...) end

local RNNCell = CellBase:extend("RNNCell")
nn.RNNCell = RNNCell
doc("nn.RNNCell", "nn.RNNCell(input_size, hidden_size [, bias=true [, nonlinearity='tanh']])", "One Elman RNN step.", RNNCell)
function RNNCell:init(...) make_cell(self, "RNNCell", ...) end

---------------------------------------------------------------------------
-- Small layers
---------------------------------------------------------------------------

local Dropout = Module:extend("Dropout")
nn.Dropout = Dropout
doc("nn.Dropout", "nn.Dropout([p=0.5])", "Zeroes elements with probability p in training, scaling the rest by 1/(1-p).", Dropout)
function Dropout:init(...)
  local a = arguments("Dropout", {number("p", 0.5), boolean("inplace", false)}, ...)
  if a.p < 0 or a.p > 1 then argerror(1, "Dropout", "dropout probability has to be between 0 and 1, but got %s", tostring(a.p)) end
  rawset(self, "p", a.p)
  rawset(self, "inplace", a.inplace)
end
function Dropout:forward(x) return F.dropout(x, self.p, self.training) end
doc("nn.Dropout:forward", "dropout(input) -> Tensor", "Drops elements in training mode; the identity in evaluation mode.", Dropout.forward)
function Dropout:extra_repr() return string.format("p=%s, inplace=%s", pynumber(self.p), pybool(self.inplace)) end
doc("nn.Dropout:extra_repr", "dropout:extra_repr() -> string", "p=..., inplace=...", Dropout.extra_repr)

local function activation(name, f, text)
  local cls = Module:extend(name)
  nn[name] = cls
  cls.forward = function(_, x) return f(x) end
  doc("nn." .. name, "nn." .. name .. "()", text, cls)
  doc("nn." .. name .. ":forward", string.lower(name) .. "(input) -> Tensor", text, cls.forward)
  return cls
end
activation("Tanh", torch.tanh, "Elementwise tanh.")
activation("ReLU", torch.relu, "Elementwise max(x, 0).")
activation("Sigmoid", torch.sigmoid, "Elementwise 1 / (1 + e^-x).")

local function softmax_module(name, f, text)
  local cls = Module:extend(name)
  nn[name] = cls
  cls.init = function(self, ...)
    local a = arguments(name, {{"dim", "number", false}}, ...)
    rawset(self, "dim", a.dim or nil)
  end
  cls.forward = function(self, x)
    if self.dim == nil then raise("%s: dim must be given (PyTorch's implicit choice is deprecated)", name) end
    return f(x, self.dim)
  end
  cls.extra_repr = function(self) return "dim=" .. tostring(self.dim) end
  doc("nn." .. name, "nn." .. name .. "(dim)", text, cls)
  doc("nn." .. name .. ":forward", string.lower(name) .. "(input) -> Tensor", text, cls.forward)
  doc("nn." .. name .. ":extra_repr", string.lower(name) .. ":extra_repr() -> string", "dim=...", cls.extra_repr)
end
softmax_module("Softmax", F.softmax, "e^x normalised to sum 1 along dim.")
softmax_module("LogSoftmax", F.log_softmax, "log(softmax(x)) along dim, computed stably.")

local Embedding = Module:extend("Embedding")
nn.Embedding = Embedding
doc("nn.Embedding", "nn.Embedding(num_embeddings, embedding_dim [, padding_idx])", "A lookup table of rows, indexed from 1; the padding row gets no gradient.", Embedding)
function Embedding:init(...)
  local a = arguments("Embedding", {integer("num_embeddings"), integer("embedding_dim"), {"padding_idx", "number", false}}, ...)
  rawset(self, "num_embeddings", a.num_embeddings)
  rawset(self, "embedding_dim", a.embedding_dim)
  local pad = a.padding_idx
  if pad then
    if pad < 0 then pad = a.num_embeddings + pad + 1 end
    if pad < 1 or pad > a.num_embeddings then argerror(3, "Embedding", "padding_idx must be within num_embeddings") end
  end
  rawset(self, "padding_idx", pad)
  self.weight = parameter("Embedding", torch.randn, a.num_embeddings, a.embedding_dim):requires_grad_()
  if pad then torch.no_grad(function() self.weight[pad] = 0 end) end
end
function Embedding:forward(indices) return F.embedding(indices, self.weight, self.padding_idx or nil) end
doc("nn.Embedding:forward", "embedding(indices) -> Tensor", "The rows at the 1-based indices: shape indices.shape + [embedding_dim].", Embedding.forward)
function Embedding:extra_repr()
  local s = string.format("%d, %d", self.num_embeddings, self.embedding_dim)
  if self.padding_idx then s = s .. ", padding_idx=" .. self.padding_idx end
  return s
end
doc("nn.Embedding:extra_repr", "embedding:extra_repr() -> string", "Sizes and padding_idx.", Embedding.extra_repr)

---------------------------------------------------------------------------
-- Sequential
---------------------------------------------------------------------------

local Sequential = Module:extend("Sequential")
nn.Sequential = Sequential
doc("nn.Sequential", "nn.Sequential(module, ...)", "Modules applied in order; children are named \"0\", \"1\", ... as in PyTorch, and seq[1] is the first.", Sequential)
function Sequential:init(...)
  for i = 1, select("#", ...) do
    local m = select(i, ...)
    if not is_module(m) then argerror(i, "Sequential", "module expected, got %s", type(m)) end
    self:add_module(tostring(i - 1), m)
  end
end
function Sequential:forward(x, ...)
  for _, m in self:named_children() do x = m(x, ...) end
  return x
end
doc("nn.Sequential:forward", "seq(input) -> output", "Each module applied to the previous one's output.", Sequential.forward)
function Sequential.__len(self) return #self._modules end
-- Saved as the children it has now (append adds some after the constructor).
function Sequential:_checkpoint_arguments()
  local args = {n = 0}
  for _, m in self:named_children() do
    args.n = args.n + 1
    args[args.n] = m
  end
  return args
end
function Sequential:append(m)
  self:add_module(tostring(#self._modules), m)
  return self
end
doc("nn.Sequential:append", "seq:append(module) -> seq", "Adds a module at the end.", Sequential.append)
Sequential.__index = function(self, k)
  if math.type(k) == "integer" then
    local n = #rawget(self, "_modules")
    local i = k < 0 and n + k + 1 or k
    if i < 1 or i > n then return nil end
    return rawget(self, rawget(self, "_modules")[i])
  end
  return Sequential[k]
end

---------------------------------------------------------------------------
-- Losses
---------------------------------------------------------------------------

local function loss(name, extra, forward)
  local cls = Module:extend(name)
  nn[name] = cls
  local spec = {string_("reduction", "mean")}
  for _, e in ipairs(extra or {}) do spec[#spec + 1] = e end
  cls.init = function(self, ...)
    local a = arguments(name, spec, ...)
    if a.reduction ~= "mean" and a.reduction ~= "sum" and a.reduction ~= "none" then
      argerror(1, name, "'%s' is not a valid value for reduction (mean, sum or none)", a.reduction)
    end
    for k, v in pairs(a) do rawset(self, k, v) end
  end
  cls.forward = forward
  return cls
end

local function document_loss(name, signature, text)
  doc("nn." .. name, signature, text, nn[name])
  doc("nn." .. name .. ":forward", "loss(input, target) -> Tensor", text, nn[name].forward)
end

loss("MSELoss", nil, function(self, input, target) return F.mse_loss(input, target, self.reduction) end)
loss("L1Loss", nil, function(self, input, target) return F.l1_loss(input, target, self.reduction) end)
loss("HuberLoss", {number("delta", 1.0)}, function(self, input, target)
  return F.huber_loss(input, target, self.reduction, self.delta)
end)
-- weight and ignore_index follow the positional arguments lstmlua has always taken
local function class_options(self, smoothing)
  return {reduction = self.reduction, label_smoothing = smoothing and self.label_smoothing or nil,
          weight = self.weight or nil, ignore_index = self.ignore_index}
end
local weight_option = {"weight", "userdata", false}
loss("CrossEntropyLoss", {number("label_smoothing", 0.0), weight_option, integer("ignore_index", -100)}, function(self, input, target)
  return F.cross_entropy(input, target, class_options(self, true))
end)
loss("NLLLoss", {weight_option, integer("ignore_index", -100)}, function(self, input, target)
  return F.nll_loss(input, target, class_options(self, false))
end)
document_loss("MSELoss", "nn.MSELoss([reduction='mean'])", "The mean (or sum) of squared differences.")
document_loss("L1Loss", "nn.L1Loss([reduction='mean'])", "The mean (or sum) of absolute differences.")
document_loss("HuberLoss", "nn.HuberLoss([reduction='mean' [, delta=1]])", "Squared differences below delta, absolute ones above.")
document_loss("CrossEntropyLoss", "nn.CrossEntropyLoss([reduction='mean' [, label_smoothing=0 [, weight [, ignore_index=-100]]]]) or nn.CrossEntropyLoss{...}",
  "Cross entropy of logits against 1-based class indices or class probabilities.")
document_loss("NLLLoss", "nn.NLLLoss([reduction='mean' [, weight [, ignore_index=-100]]]) or nn.NLLLoss{...}",
  "The negative log-likelihood of 1-based class indices under log-probabilities (LogSoftmax's output).")

---------------------------------------------------------------------------
-- nn.init: in-place initialisers, run without recording gradients
---------------------------------------------------------------------------

local init = {}
nn.init = init
doc("nn.init", "nn.init", "In-place initialisers for parameters, run without recording gradients.", init)

local function fans(t)
  local d = t:dim()
  if d < 2 then raise("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions") end
  local receptive = 1
  for i = 3, d do receptive = receptive * t:size(i) end
  return t:size(2) * receptive, t:size(1) * receptive
end

local function no_grad(f) return torch.no_grad(f) end

function init.uniform_(t, a, b) return no_grad(function() return t:uniform_(a or 0, b or 1) end) end
function init.normal_(t, mean, std) return no_grad(function() return t:normal_(mean or 0, std or 1) end) end
function init.constant_(t, v) return no_grad(function() return t:fill_(v) end) end
function init.zeros_(t) return init.constant_(t, 0) end
function init.ones_(t) return init.constant_(t, 1) end
function init.xavier_uniform_(t, gain)
  local fan_in, fan_out = fans(t)
  local a = math.sqrt(3.0) * (gain or 1) * math.sqrt(2.0 / (fan_in + fan_out))
  return init.uniform_(t, -a, a)
end
function init.xavier_normal_(t, gain)
  local fan_in, fan_out = fans(t)
  return init.normal_(t, 0, (gain or 1) * math.sqrt(2.0 / (fan_in + fan_out)))
end
function init.kaiming_uniform_(t, a)
  local fan_in = fans(t)
  local gain = math.sqrt(2.0 / (1 + (a or 0) ^ 2))
  local bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
  return init.uniform_(t, -bound, bound)
end

-- Each initialiser names itself when given no tensor, at the caller's line.
for name, f in pairs(init) do
  init[name] = function(t, ...)
    if not is_tensor(t) then argerror(1, name, "Tensor expected, got %s", t == nil and "no value" or type(t)) end
    return f(t, ...)
  end
end

doc("nn.init.uniform_", "nn.init.uniform_(tensor [, a=0 [, b=1]]) -> tensor", "Fills from U(a, b).", init.uniform_)
doc("nn.init.normal_", "nn.init.normal_(tensor [, mean=0 [, std=1]]) -> tensor", "Fills from N(mean, std²).", init.normal_)
doc("nn.init.constant_", "nn.init.constant_(tensor, value) -> tensor", "Fills with value.", init.constant_)
doc("nn.init.zeros_", "nn.init.zeros_(tensor) -> tensor", "Fills with 0.", init.zeros_)
doc("nn.init.ones_", "nn.init.ones_(tensor) -> tensor", "Fills with 1.", init.ones_)
doc("nn.init.xavier_uniform_", "nn.init.xavier_uniform_(tensor [, gain=1]) -> tensor", "Glorot's uniform initialisation.", init.xavier_uniform_)
doc("nn.init.xavier_normal_", "nn.init.xavier_normal_(tensor [, gain=1]) -> tensor", "Glorot's normal initialisation.", init.xavier_normal_)
doc("nn.init.kaiming_uniform_", "nn.init.kaiming_uniform_(tensor [, a=0]) -> tensor", "He's uniform initialisation (fan in).", init.kaiming_uniform_)

---------------------------------------------------------------------------
-- Whole modules in checkpoints: torch.save(model, path) keeps the class and the
-- constructor's arguments in the file's metadata; torch.load rebuilds nn's own
-- classes and gives the state_dict of a script's class, which it cannot rebuild.
---------------------------------------------------------------------------

-- nn's classes by name, and names by class: only these are rebuilt from a file.
local builtin, builtin_name = {}, {}
for name, v in pairs(nn) do
  if type(v) == "table" and rawget(v, "__module_class") == true then
    builtin[name] = v
    builtin_name[v] = name
  end
end

local MODULE_KEY = "lstmlua.module"

-- A constructor argument as JSON can hold it: a module becomes {__module = description},
-- nil becomes json.null; nil, reason when it cannot be written.
local describe_module
local function encode_argument(v, depth)
  if depth > 20 then return nil, "arguments nested too deeply" end
  local t = type(v)
  if v == nil then return json.null end
  if t == "number" or t == "string" or t == "boolean" then return v end
  if is_module(v) then
    local d, why = describe_module(v, depth + 1)
    if not d then return nil, why end
    return {__module = d}
  end
  if t == "table" and getmetatable(v) == nil then
    local out = {}
    for k, x in pairs(v) do
      if type(k) ~= "string" and math.type(k) ~= "integer" then return nil, "a table argument with a " .. type(k) .. " key" end
      local e, why = encode_argument(x, depth + 1)
      if e == nil then return nil, why end
      out[k] = e
    end
    return out
  end
  return nil, "an argument of type " .. (is_tensor(v) and "Tensor" or t)
end

function describe_module(m, depth)
  local cls = getmetatable(m)
  local args = cls._checkpoint_arguments and cls._checkpoint_arguments(m) or rawget(m, "_constructor_args") or {n = 0}
  local out = {class = cls.__name, builtin = builtin_name[cls] ~= nil, n = args.n, args = {}}
  for i = 1, args.n do
    local e, why = encode_argument(args[i], depth)
    if e == nil then return nil, why end
    out.args[i] = e
  end
  return out
end

-- The JSON torch.save puts in the metadata; nil when the arguments cannot be written
-- (the file then holds the state_dict alone).
function Module:_checkpoint_description()
  local d = describe_module(self, 0)
  if not d then return nil end
  local ok, text = pcall(json.encode, d)
  return ok and text or nil
end

local function decode_argument(v)
  if v == json.null then return nil end
  if type(v) ~= "table" then return v end
  if type(v.__module) == "table" then return nn._build(v.__module) end
  local out = {}
  for k, x in pairs(v) do out[k] = decode_argument(x) end
  return out
end

-- How a script's class is made again, for the message: Net(12).
local function call_text(d)
  local parts = {}
  for i = 1, (math.tointeger(d.n) or 0) do
    local a
    if type(d.args) == "table" then a = d.args[i] end
    if a == json.null or a == nil then parts[i] = "nil"
    elseif type(a) == "string" then parts[i] = string.format("%q", a)
    elseif type(a) == "table" then parts[i] = "{...}"
    else parts[i] = tostring(a) end
  end
  return string.format("%s(%s)", tostring(d.class), table.concat(parts, ", "))
end

-- The state_dict of a script's class: a plain table of tensors, which names itself
-- and how to load it when used as a model.
local function state_of_script_class(tensors, d, path)
  local how = string.format("torch.load: '%s' holds a model of class %s, which a script defines and a file cannot rebuild; "
    .. "torch.load gave its state_dict: make the model and load it, local model = %s; model:load_state_dict(torch.load(%q))",
    path, tostring(d.class), call_text(d), path)
  return setmetatable(tensors, {
    __index = function(_, k)
      if type(k) == "string" and type(Module[k]) == "function" then error(how, 2) end
    end,
    __call = function() error(how, 2) end,
  })
end

function nn._build(d)
  local cls = type(d) == "table" and d.builtin == true and builtin[d.class]
  if not cls then error("not one of nn's classes: " .. tostring(type(d) == "table" and d.class), 0) end
  local n = math.tointeger(d.n) or 0
  local args = {}
  local given = type(d.args) == "table" and d.args or {}
  for i = 1, n do args[i] = decode_argument(given[i]) end
  return cls(table.unpack(args, 1, n))
end

local native_load = torch.load
local function load(path, ...)
  local tensors, metadata = native_load(path, ...)
  local text = metadata[MODULE_KEY]
  if text == nil then return tensors, metadata end
  local ok, d = pcall(json.decode, text)
  if not ok or type(d) ~= "table" or type(d.class) ~= "string" then return tensors, metadata end
  if d.builtin ~= true or not builtin[d.class] then return state_of_script_class(tensors, d, path), metadata end
  local built, model = pcall(nn._build, d)
  if not built then
    raise("torch.load: '%s' describes a %s that cannot be made again (%s); its state_dict is torch.load(path) of a file saved with torch.save(path, model:state_dict())",
      path, call_text(d), tostring(model):gsub("^[^\n]-:%d+: ", ""))
  end
  model:load_state_dict(tensors)
  return model, metadata
end
torch.load = load
doc("torch.load", "torch.load(path) -> tensors | module, metadata",
  "Reads a safetensors file: a table of name -> Tensor (a model, rebuilt, when torch.save wrote one of nn's classes), and the file's metadata table.", load)

return nn

-- Bad input never crashes: each of these calls raises a Lua error in Lua's own
-- style, naming the function and the problem, and the session goes on.
local T = require "testing"

local t = torch.arange(12.0):view(3, 4)
local v = torch.ones(3)
local leafgrad = torch.ones(2, {requires_grad = true})

-- {code, expected text in the message}
local bad = {
  -- wrong types and nil
  {function() return torch.zeros("a") end, "bad argument #1 to 'zeros' (number expected, got string)"},
  {function() return torch.ones(2, nil, 3) end, "bad argument #2 to 'ones' (number expected, got nil)"},
  {function() return torch.tensor("x") end, "bad argument #1 to 'tensor' (number, boolean or table expected, got string)"},
  {function() return torch.tensor(nil) end, "bad argument #1 to 'tensor' (number, boolean or table expected, got nil)"},
  {function() return torch.tensor{1, "a"} end, "expected a number at [2], got a string"},
  {function() return torch.tensor{{1, 2}, {3}} end, "expected 2 entries at [2], got 1"},
  {function() return torch.tensor{{1, 2}, 3} end, "expected a table at [2], got a number"},
  {function() return t:view("a") end, "bad argument #1 to 'view' (number expected, got string)"},
  {function() return t + "x" end, "bad argument #2 to 'add' (Tensor or number expected, got string)"},
  {function() return t + {} end, "bad argument #2 to 'add' (Tensor or number expected, got table)"},
  {function() return t * nil end, "bad argument #2 to 'mul' (Tensor or number expected, got nil)"},
  {function() return torch.sin(3) end, "bad argument #1 to 'sin' (Tensor expected, got number)"},
  {function() return torch.sum() end, "bad argument #1 to 'sum' (Tensor expected, got no value)"},
  {function() return torch.matmul(t) end, "bad argument #2 to 'matmul' (Tensor expected, got no value)"},
  {function() return torch.cat(t) end, "bad argument #1 to 'cat' (table expected, got Tensor)"},
  {function() return torch.cat({t, 3}) end, "entry 2 of the list is a number, not a Tensor"},
  {function() return torch.cat({}) end, "expected a non-empty list of tensors"},
  {function() return torch.no_grad(5) end, "bad argument #1 to 'no_grad' (function expected, got number)"},
  {function() return torch.manual_seed("x") end, "bad argument #1 to 'manual_seed' (number expected, got string)"},
  {function() return torch.manual_seed(1.5) end, "number has no integer representation"},
  {function() return torch.zeros(2, {requires_grad = 1}) end, "option 'requires_grad': boolean expected, got number"},
  {function() return torch.zeros(2, {require_grad = true}) end, "unknown option 'require_grad'"},
  {function() t.grad = 5 end, "t.grad must be a Tensor or nil, got number"},
  {function() t.requires_grad = "yes" end, "t.requires_grad must be a boolean, got string"},
  {function() t[1] = "x" end, "cannot assign a string to a tensor element"},
  {function() t.foo = 1 end, "cannot set field 'foo'"},
  {function() return t[1.5] end, "tensor index 1.5 is not an integer"},
  {function() return t["x"]() end, "Tensor has no field or method 'x'"},
  {function() return t.dat end, "errors_test.lua:40: Tensor has no field or method 'dat'"},
  {function() return t[{1, 2, 3}] end, "bad argument #3 to 'index' (too many indices for a tensor of 2 dimensions: got 3)"},
  {function() return t[{{}, 9}] end, "bad argument #2 to 'index' (index 9 out of range for dimension 2 of size 4)"},
  {function() return t[{{2, 7}}] end, "bad argument #1 to 'index' (last index 7 out of range for dimension 1 of size 3)"},
  {function() return t[{{1, 2, 0}}] end, "bad argument #1 to 'index' (the step for dimension 1 must be positive, got 0)"},
  {function() return t[{"a"}] end, "bad argument #1 to 'index' (dimension 1 is indexed by a number or a range table {first, last [, step]}, not by a string)"},
  {function() return t[{{1, 1.5}}] end, "the range for dimension 1 must hold integers (entry 2 is 1.5)"},
  {function() return t[torch.ones(4)] end, "bad argument #1 to 'index' (the shape of the mask [4] does not match the shape of the indexed tensor [3, 4])"},
  {function() return t[torch.full({3, 4}, 2.0)] end, "bad argument #1 to 'index' (a mask holds 0 and 1 only, got 2.0)"},
  {function() t[torch.full({3, 4}, 2.0)] = 0 end, "bad argument #1 to 'index' (a mask holds 0 and 1 only, got 2.0)"},
  {function() return t[{{nil, 2}}] end, "(entry 1 is nil)"},
  {function() t[{{}, 1}] = "x" end, "cannot assign a string to a tensor slice"},
  -- wrong arity
  {function() return t:narrow(1, 1) end, "bad argument #3 to 'narrow' (number expected, got no value)"},
  {function() return t:select(1) end, "bad argument #2 to 'select' (number expected, got no value)"},
  {function() return t:transpose(1) end, "bad argument #2 to 'transpose' (number expected, got no value)"},
  {function() return torch.full({2}) end, "bad argument #2 to 'full' (number expected, got no value)"},
  {function() return torch.linspace(0, 1) end, "bad argument #3 to 'linspace' (number expected, got no value)"},
  -- mismatched shapes
  {function() return t:view(5, 5) end, "bad argument #1 to 'view' (shape [5, 5] is invalid for a tensor of 12 elements)"},
  {function() return t:view(-1, -1) end, "only one dimension can be inferred"},
  {function() return t + torch.ones(5) end, "bad argument #2 to 'add' (shapes [3, 4] and [5] cannot be broadcast)"},
  {function() return t:matmul(torch.ones(5, 2)) end, "bad argument #1 to 'matmul' (sizes [3, 4] and [5, 2] cannot be multiplied)"},
  {function() return torch.matmul(t, torch.ones(5)) end, "bad argument #2 to 'matmul' (sizes [3, 4] and [5] cannot be multiplied)"},
  {function() return torch.mm(v, t) end, "bad argument #1 to 'mm' (matrix expected, got a 1-d tensor)"},
  {function() return torch.cat({t, v}) end, "tensors must have the same number of dimensions"},
  {function() return torch.cat({t, torch.ones(2, 5)}) end, "sizes of tensors must match except in dimension 1"},
  {function() return torch.stack({t, v}) end, "stack expects each tensor to be equal size"},
  {function() t:copy_(torch.ones(2)) end, "doesn't match the broadcast shape"},
  {function() return torch.ones(3, 4):expand(2, 5) end, "must match the existing size"},
  {function() return t:permute(1, 1) end, "is not a permutation"},
  {function() return t:permute(1) end, "number of dimensions in the permutation (1)"},
  -- negative and absurd sizes
  {function() return torch.zeros(-1) end, "bad argument #1 to 'zeros' (size [-1] has a negative dimension -1)"},
  {function() return torch.ones(2, -3) end, "has a negative dimension -3"},
  {function() return torch.zeros(1e6, 1e6, 1e6) end, "is too large"},
  {function() return torch.randn{2^40, 2^40} end, "is too large"},
  {function() return torch.arange(0, 1e30, 1e-30) end, "too many"},
  {function() return torch.linspace(0, 1, -5) end, "number of steps must be non-negative"},
  {function() return torch.arange(0, 10, 0) end, "step must be nonzero"},
  {function() return torch.arange(5, 0) end, "inconsistent with step sign"},
  {function() return torch.randperm(-1) end, "n must be between 0"},
  {function() return torch.zeros(1, 1, 1, 1, 1, 1, 1, 1, 1) end, "tensors have at most 8 dimensions"},
  {function() return torch.zeros(1, 1, 1, 1, 1, 1, 1, 1):unsqueeze(1) end, "tensors have at most 8 dimensions"},
  {function() return torch.tensor{{{{{{{{{1}}}}}}}}} end, "nested deeper than 8 levels"},
  -- out-of-range dims and indices
  {function() return t:sum(3) end, "bad argument #1 to 'sum' (dimension 3 out of range (expected 1 to 2, or -2 to -1))"},
  {function() return t:sum(0) end, "bad argument #1 to 'sum' (dimension 0 is out of range: dimensions are 1-based, use 1..2 or -2..-1)"},
  {function() return t:sum{dim = 0} end, "dimension 0 is out of range: dimensions are 1-based"},
  {function() return t:transpose(0, 1) end, "dimension 0 is out of range: dimensions are 1-based"},
  {function() return t:size(-3) end, "dimension -3 out of range"},
  {function() return t:transpose(1, 5) end, "dimension 5 out of range"},
  {function() return t:unsqueeze(4) end, "dimension 4 out of range"},
  {function() return t:select(1, 4) end, "index 4 out of range for dimension 1 of size 3"},
  {function() return t:select(2, 0) end, "bad argument #2 to 'select' (index 0 is out of range for dimension 2 of size 4: indices are 1-based, use 1..4 or -4..-1)"},
  {function() return t[0] end, "index 0 is out of range for dimension 1 of size 3: indices are 1-based"},
  {function() t[0] = 1 end, "indices are 1-based"},
  {function() return t:narrow(2, 0, 1) end, "start 0 is out of range for dimension 2 of size 4: indices are 1-based"},
  {function() return t[4] end, "index 4 out of range for dimension 1 of size 3"},
  {function() return t[-4] end, "index -4 out of range"},
  {function() t[10] = 1 end, "index 10 out of range"},
  {function() return t:narrow(2, 3, 5) end, "exceeds dimension size (4)"},
  {function() return t:narrow(2, 9, 1) end, "start 9 out of range"},
  {function() return t:chunk(0) end, "bad argument #1 to 'chunk' (chunk expects `chunks` to be greater than 0, got: 0)"},
  {function() return t:chunk(2, 3) end, "bad argument #2 to 'chunk' (dimension 3 out of range"},
  {function() return torch.allclose(t, torch.ones(5)) end, "bad argument #2 to 'allclose' (shape [5] does not broadcast with [3, 4])"},
  {function() return torch.allclose(t, t, {rtl = 1}) end, "unknown option 'rtl'"},
  {function() return torch.cat({t, t}, 3) end, "dimension 3 out of range"},
  {function() return torch.tensor(1)[1] end, "invalid index of a 0-dim tensor"},
  -- methods on the wrong kind of object
  {function() return t.view(5) end, "calling 'view' on bad self (use x:view(), not x.view())"},
  {function() return t.sum() end, "calling 'sum' on bad self (use x:sum(), not x.sum())"},
  {function() local s = {sum = t.sum}; return s:sum() end, "calling 'sum' on bad self (Tensor expected, got table)"},
  {function() return torch.Tensor.item(io.stdout) end, "bad argument #1 to 'item' (Tensor expected, got FILE*)"},
  {function() return v:item() end, "a Tensor with 3 elements cannot be converted to a number"},
  {function() return #torch.tensor(1) end, "len() of a 0-d tensor"},
  -- autograd misuse
  {function() t:backward() end, "element 0 of tensors does not require grad"},
  {function() (leafgrad * 2):backward() end, "grad can be implicitly created only for scalar outputs"},
  {function() leafgrad:add_(1) end, "leaf Variable that requires grad is being used in an in-place operation"},
  {function() leafgrad:backward(torch.ones(3)) end, "gradient has shape [3] but the tensor has shape [2]"},
  {function() leafgrad.grad = torch.ones(5) end, "assigned grad has shape [5]"},
  {function() return torch.autograd.gradcheck(function() end, {torch.ones(2, {requires_grad = true})}) end, "returned nothing"},
  {function() return torch.autograd.gradcheck(torch.sin, {torch.ones(2)}) end, "at least one input that requires grad"},
  {function() return torch.clamp(t) end, "at least one of min and max must be given"},
  {function() return optim.lr_scheduler.StepLR(optim.SGD(nn.Linear(1, 1):parameters(), 0.1), math.maxinteger) end,
   "bad argument #2 to 'StepLR' (step_size must be a whole number of epochs below 2^63, got 9.22"},
  {function() return optim.lr_scheduler.CosineAnnealingLR(optim.SGD(nn.Linear(1, 1):parameters(), 0.1), 2.5) end,
   "bad argument #2 to 'CosineAnnealingLR' (T_max must be a whole number of epochs below 2^63, got 2.5)"},
  -- the prelude's own errors name the function, at the caller's line
  {function() local _ = nn.init.zeros_() end, "bad argument #1 to 'zeros_' (Tensor expected, got no value)"},
  {function() local _ = nn.init.kaiming_uniform_({}) end, "bad argument #1 to 'kaiming_uniform_' (Tensor expected, got table)"},
  {function() local _ = nn.Linear(1, 1):register_buffer() end, "bad argument #1 to 'register_buffer' (string expected, got no value)"},
  {function() local _ = nn.Linear(1, 1):register_parameter(3, torch.ones(1)) end, "bad argument #1 to 'register_parameter' (string expected, got number)"},
}

T.case("at least 50 different bad calls", function()
  T.truthy(#bad >= 50, "only " .. #bad .. " bad calls listed")
end)

for i, case in ipairs(bad) do
  T.case("bad call " .. i, function()
    local err = T.raises(case[1], case[2])
    -- errors carry the caller's position, as luaL_error does
    T.truthy(err:find("errors_test.lua:%d+:") ~= nil or err:find("attempt to", 1, true), "position in: " .. err)
  end)
end

T.case("the runtime keeps working after all of them", function()
  local x = torch.ones(2, 2, {requires_grad = true})
  local y = (x * 3):sum()
  y:backward()
  T.near(x.grad, {3, 3, 3, 3})
  T.near(torch.arange(12):view(3, 4):sum(2), {6, 22, 38})
end)

T.case("a value whose __tostring fails raises its message from set_postfix, not the value", function()
  local bar = torch.progress(1, 1, {disable = true})
  local odd = setmetatable({}, {__tostring = function() error("no text for this") end})
  local ok, err = pcall(bar.set_postfix, bar, {x = odd})
  T.eq(ok, false)
  T.eq(type(err), "string")
  T.truthy(err:find("no text for this", 1, true), tostring(err))
end)

T.case("a module that contains itself prints, marking the cycle", function()
  local s = nn.Sequential(nn.Linear(1, 1))
  s:add_module("me", s)
  local text = tostring(s)
  T.truthy(text:find("(me): Sequential(<cycle>)", 1, true), text)
end)

T.case("a foreign userdata given the tensor metatable is refused, not read", function()
  local mt = getmetatable(torch.ones(1))
  local f = io.tmpfile()
  debug.setmetatable(f, mt)
  T.raises(function() return f:sum() end, "Tensor expected")
  debug.setmetatable(f, getmetatable(io.stdout))
  f:close()
end)

return T.run()

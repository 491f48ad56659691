-- Autograd: backward, .grad accumulation, leaves and graphs, and a
-- finite-difference check of every differentiable operation.
local T = require "testing"

local function check(name, fn, ...)
  local inputs = {...}
  local ok, err = pcall(torch.autograd.gradcheck, fn, inputs)
  if not ok then error(name .. ": " .. tostring(err), 2) end
  T.eq(err, true, name)
end

local function leaf(...)
  return torch.randn(...):requires_grad_()
end

T.case("backward of a scalar fills .grad", function()
  local x = torch.tensor({1.0, 2, 3}, {requires_grad = true})
  local y = (x * x):sum()
  y:backward()
  T.near(x.grad, {2, 4, 6})
  T.eq(x.is_leaf, true)
  T.eq(y.is_leaf, false)
  T.eq(y.grad_fn, "SumBackward0")
end)

T.case("gradients accumulate until cleared", function()
  local x = torch.ones(2, {requires_grad = true})
  ;(x * 3):sum():backward()
  ;(x * 3):sum():backward()
  T.near(x.grad, {6, 6})
  x.grad = nil
  ;(x * 2):sum():backward()
  T.near(x.grad, {2, 2})
  x.grad:zero_()
  T.near(x.grad, {0, 0})
end)

T.case("backward with an explicit gradient", function()
  local x = torch.ones(3, {requires_grad = true})
  local y = x * 2
  y:backward(torch.tensor{1, 10, 100})
  T.near(x.grad, {2, 20, 200})
end)

T.case("a second backward through a freed graph is an error", function()
  local x = torch.ones(2, {requires_grad = true})
  local y = (x * x):sum()
  y:backward()
  T.raises(function() y:backward() end, "backward through the graph a second time")
  local z = (x * x):sum()
  z:backward(nil, {retain_graph = true})
  z:backward()
  T.near(x.grad, {2 + 2 + 2, 2 + 2 + 2})
end)

T.case("in-place changes to saved tensors are caught", function()
  local x = torch.ones(2, {requires_grad = true})
  local w = torch.ones(2)
  local y = (x * w):sum()
  w:mul_(3)
  T.raises(function() y:backward() end, "modified by an inplace operation")
end)

T.case("leaves that require grad refuse in-place writes", function()
  local x = torch.ones(2, {requires_grad = true})
  T.raises(function() x:add_(1) end, "leaf Variable that requires grad")
  torch.no_grad(function() x:add_(1) end)
  T.near(x, {2, 2})
end)

T.case("detach and requires_grad", function()
  local x = torch.ones(2, {requires_grad = true})
  local y = x * 2
  T.eq(y.requires_grad, true)
  T.eq(y:detach().requires_grad, false)
  T.raises(function() y.requires_grad = false end, "leaf")
  local z = torch.ones(2)
  z.requires_grad = true
  T.eq(z.requires_grad, true)
end)

T.case("retain_grad keeps a non-leaf's gradient", function()
  local x = torch.ones(2, {requires_grad = true})
  local y = x * 3
  y:retain_grad()
  ;(y * y):sum():backward()
  T.near(y.grad, {6, 6})
  T.near(x.grad, {18, 18})
end)

-- The engine hands a gradient on as .grad without a copy when nothing else holds it;
-- one the caller, another leaf or a retained gradient can see must still be copied.
T.case(".grad never aliases a gradient someone else can see", function()
  local w, b = torch.zeros(3, {requires_grad = true}), torch.zeros(3, {requires_grad = true})
  local g = torch.ones(3)
  ;(w + b):backward(g)                -- AddBackward passes g itself to both leaves
  g:fill_(7)
  w.grad:add_(1)
  T.near(w.grad, {2, 2, 2})
  T.near(b.grad, {1, 1, 1})
  local v = torch.zeros(2, 3, {requires_grad = true})
  local gv = torch.ones(6)
  v:view(6):backward(gv)              -- ViewBackward returns a view of gv's storage
  gv:fill_(9)
  T.near(v.grad:view(6), {1, 1, 1, 1, 1, 1})
  local x = torch.ones(2, {requires_grad = true})
  local y = x * 1
  y:retain_grad()
  local u = y + 0
  u:backward(torch.ones(2))
  x.grad:add_(5)
  T.near(y.grad, {1, 1})
  T.near(x.grad, {6, 6})
  local lin = nn.Linear(4, 5)         -- fresh gradients, kept and then accumulated into
  local inp = torch.randn(3, 4)
  lin(inp):sum():backward()
  local first = lin.weight.grad:clone()
  lin(inp):sum():backward()
  T.near(lin.weight.grad, first * 2)
end)

T.case("grad_fn names follow PyTorch", function()
  local x = torch.ones(2, {requires_grad = true})
  T.eq((x + x).grad_fn, "AddBackward0")
  T.eq((x * 2).grad_fn, "MulBackward0")
  T.eq(x:view(2, 1).grad_fn, "ViewBackward0")
  T.eq(x:tanh().grad_fn, "TanhBackward0")
  T.eq(x.grad_fn, nil)
end)

local function positive(...) return (torch.rand(...) + 0.5):requires_grad_() end
local function smooth(...)
  -- values at least 0.2 from zero, either sign
  local t = torch.rand(...) * 0.8 + 0.2
  local s = torch.randint(0, 2, t:size()) * 2 - 1
  return (t * s):requires_grad_()
end

T.case("gradcheck: arithmetic", function()
  torch.manual_seed(1)
  check("add", function(a, b) return a + b end, leaf(3, 4), leaf(4))
  check("sub", function(a, b) return a - b end, leaf(2, 3), leaf(2, 1))
  check("mul", function(a, b) return a * b end, leaf(3, 4), leaf(3, 1))
  check("div", function(a, b) return a / b end, leaf(3), positive(3))
  check("pow tensor", function(a, b) return a ^ b end, positive(4), leaf(4))
  check("pow number", function(a) return a ^ 3 end, leaf(5))
  check("rpow", function(a) return 2 ^ a end, leaf(5))
  check("neg", function(a) return -a end, leaf(3))
  check("add number", function(a) return a + 2 end, leaf(3))
  check("rsub", function(a) return 2 - a end, leaf(3))
  check("mul number", function(a) return 3 * a end, leaf(3))
  check("div number", function(a) return a / 4 end, leaf(3))
  check("rdiv", function(a) return 2 / a end, positive(3))
end)

T.case("gradcheck: pointwise", function()
  torch.manual_seed(2)
  check("abs", torch.abs, smooth(6))
  check("sqrt", torch.sqrt, positive(4))
  check("exp", torch.exp, leaf(4))
  check("log", torch.log, positive(4))
  check("sin", torch.sin, leaf(4))
  check("cos", torch.cos, leaf(4))
  check("tanh", torch.tanh, leaf(4))
  check("sigmoid", torch.sigmoid, leaf(4))
  check("relu", torch.relu, smooth(6))
  check("clamp", function(a) return a:clamp(-0.5, 0.5) end, smooth(8))
end)

T.case("gradcheck: reductions", function()
  torch.manual_seed(3)
  check("sum", torch.sum, leaf(3, 4))
  check("sum dim", function(a) return a:sum(2) end, leaf(3, 4))
  check("sum keepdim", function(a) return a:sum(1, true) end, leaf(3, 4))
  check("mean", torch.mean, leaf(3, 4))
  check("mean dim", function(a) return a:mean(-1) end, leaf(3, 4))
  check("max", torch.max, leaf(3, 4))
  check("min", torch.min, leaf(3, 4))
  check("max dim", function(a) return (a:max(2)) end, leaf(3, 4))
  check("min dim", function(a) return (a:min(1, true)) end, leaf(3, 4))
end)

T.case("gradcheck: products", function()
  torch.manual_seed(4)
  check("mm", torch.mm, leaf(3, 4), leaf(4, 2))
  check("matmul vector", torch.matmul, leaf(4), leaf(4))
  check("matmul matrix-vector", torch.matmul, leaf(3, 4), leaf(4))
  check("matmul vector-matrix", torch.matmul, leaf(4), leaf(4, 3))
  check("matmul batched", torch.matmul, leaf(2, 3, 4), leaf(4, 2))
  check("matmul broadcast batch", torch.matmul, leaf(2, 1, 2, 3), leaf(3, 3, 2))
  check("matmul transposed", function(a, b) return a:t():matmul(b) end, leaf(4, 3), leaf(4, 2))
end)

T.case("gradcheck: views and joins", function()
  torch.manual_seed(5)
  check("view", function(a) return a:view(6, 2) end, leaf(3, 4))
  check("reshape", function(a) return a:t():reshape(-1) end, leaf(3, 4))
  check("unsqueeze", function(a) return a:unsqueeze(2) end, leaf(3, 4))
  check("squeeze", function(a) return a:squeeze() end, leaf(3, 1, 4))
  check("transpose", function(a) return a:transpose(1, 3) end, leaf(2, 3, 4))
  check("permute", function(a) return a:permute(3, 1, 2) end, leaf(2, 3, 4))
  check("narrow", function(a) return a:narrow(2, 2, 2) end, leaf(3, 4))
  check("select", function(a) return a:select(1, 2) end, leaf(3, 4))
  check("index", function(a) return a[2] end, leaf(3, 4))
  check("expand", function(a) return a:expand(3, 4) end, leaf(3, 1))
  check("clone", function(a) return a:clone() end, leaf(3))
  check("contiguous", function(a) return a:t():contiguous() end, leaf(3, 2))
  check("cat", function(a, b) return torch.cat({a, b}, 2) end, leaf(2, 3), leaf(2, 2))
  check("stack", function(a, b) return torch.stack({a, b}, 2) end, leaf(2, 3), leaf(2, 3))
  check("flatten", function(a) return a:flatten() end, leaf(2, 3))
end)

T.case("gradcheck reports a wrong gradient", function()
  -- a function whose output ignores the perturbation pattern is still differentiable;
  -- a tensor detached midway is not, and the check must say so
  local ok, report = torch.autograd.gradcheck(function(a) return a * a:detach() end, {leaf(3)},
    {raise_exception = false})
  T.eq(ok, false)
  T.truthy(report:find("Jacobian mismatch", 1, true), "report names the mismatch")
end)

return T.run()

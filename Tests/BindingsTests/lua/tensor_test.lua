-- Tensors from Lua: making them, shapes and views, arithmetic and reductions.
local T = require "testing"

T.case("creation by sizes and tables", function()
  T.shape(torch.zeros(2, 3), {2, 3})
  T.shape(torch.zeros{2, 3}, {2, 3})
  T.shape(torch.ones({4}, {requires_grad = true}), {4})
  T.eq(torch.ones(3, {requires_grad = true}).requires_grad, true)
  T.shape(torch.zeros(), {})
  T.near(torch.full({2, 2}, 7), {7, 7, 7, 7})
  T.near(torch.tensor{{1, 2}, {3, 4}}, {1, 2, 3, 4})
  T.shape(torch.tensor{{1, 2, 3}, {4, 5, 6}}, {2, 3})
  T.eq(torch.tensor(2.5):item(), 2.5)
  T.shape(torch.tensor(2.5), {})
  T.near(torch.arange(5), {0, 1, 2, 3, 4})
  T.near(torch.arange(1, 4), {1, 2, 3})
  T.near(torch.arange(0, 1, 0.25), {0, 0.25, 0.5, 0.75})
  T.near(torch.linspace(0, 1, 5), {0, 0.25, 0.5, 0.75, 1})
  T.shape(torch.zeros_like(torch.ones(2, 5)), {2, 5})
  T.near(torch.full_like(torch.ones(2), 3), {3, 3})
end)

T.case("random draws follow the seed", function()
  torch.manual_seed(7)
  local a = torch.rand(5)
  local b = torch.randn(20)
  torch.manual_seed(7)
  T.near(torch.rand(5), a, 0)
  T.near(torch.randn(20), b, 0)
  T.eq(torch.initial_seed(), 7)
  local r = torch.rand(1000)
  T.truthy(r:min():item() >= 0 and r:max():item() < 1, "rand in [0, 1)")
  local n = torch.randn(10000)
  T.truthy(math.abs(n:mean():item()) < 0.05, "randn mean near 0")
  T.truthy(math.abs(n:pow(2):mean():item() - 1) < 0.05, "randn variance near 1")
  local p = torch.randperm(10):totable()
  table.sort(p)
  for i = 1, 10 do T.eq(p[i], i) end
  local ri = torch.randint(3, 6, {100})
  T.truthy(ri:min():item() >= 3 and ri:max():item() <= 5, "randint range")
end)

T.case("PyTorch's generator, number for number", function()
  -- torch.manual_seed(0); torch.rand(3), torch.randn(3) in PyTorch 2.15
  torch.manual_seed(0)
  T.near(torch.rand(3), {0.49625658988952637, 0.7682217955589294, 0.08847743272781372}, 0)
  torch.manual_seed(0)
  T.near(torch.randn(3), {1.5409960746765137, -0.293428897857666, -2.1787893772125244}, 0)
end)

T.case("size, dim, numel, shape, #", function()
  local t = torch.zeros(2, 3, 4)
  T.eq(t:dim(), 3)
  T.eq(t:numel(), 24)
  T.eq(t:size(2), 3)
  T.eq(t:size(-1), 4)
  T.eq(#t, 2)
  T.eq(t.shape[3], 4)
  T.eq(t.ndim, 3)
  T.eq(t.dtype, "torch.float32")
end)

T.case("views share storage", function()
  local t = torch.arange(12)
  local v = t:view(3, 4)
  v[2][3] = 100
  T.eq(t[7], 100)
  T.shape(t:view(-1, 6), {2, 6})
  T.shape(t:view{2, 2, -1}, {2, 2, 3})
  T.shape(t:reshape(4, 3):transpose(1, 2), {3, 4})
  T.eq(t:view(3, 4):t():is_contiguous(), false)
  T.shape(t:view(3, 4):t():reshape(12), {12})
  T.shape(torch.zeros(2, 1, 3):squeeze(), {2, 3})
  T.shape(torch.zeros(2, 1, 3):squeeze(2), {2, 3})
  T.shape(torch.zeros(2, 1, 3):squeeze(1), {2, 1, 3})
  T.shape(torch.zeros(2, 3):unsqueeze(1), {1, 2, 3})
  T.shape(torch.zeros(2, 3):unsqueeze(-1), {2, 3, 1})
  T.shape(torch.zeros(2, 3, 4):permute(3, 1, 2), {4, 2, 3})
  local n = torch.arange(10):narrow(1, 3, 4)
  T.near(n, {2, 3, 4, 5})
  T.near(torch.arange(6):view(2, 3):select(2, 2), {1, 4})
  T.near(torch.arange(6):view(2, 3)[2], {3, 4, 5})
  T.eq(torch.arange(6)[-1], 5)
  T.shape(torch.ones(3, 1):expand(3, 4), {3, 4})
  T.shape(torch.ones(3, 1):expand(2, -1, 5), {2, 3, 5})
  T.shape(torch.zeros(2, 3, 4):flatten(), {24})
  T.shape(torch.zeros(2, 3, 4):flatten(2), {2, 12})
end)

T.case("view of a transposed tensor follows PyTorch's stride rules", function()
  local t = torch.arange(24):view(2, 3, 4):transpose(2, 3)  -- 2x4x3, not contiguous
  T.shape(t:view(2, 4, 3), {2, 4, 3})
  T.raises(function() t:view(24) end, "view size is not compatible")
  T.shape(t:reshape(24), {24})
  local u = torch.arange(12):view(3, 4):narrow(2, 1, 2)
  T.shape(u:view(3, 2, 1), {3, 2, 1})
end)

T.case("copy_, fill_, zero_, add_, mul_ write in place", function()
  local t = torch.zeros(2, 3)
  t:fill_(2)
  T.near(t:sum(), 12)
  t:add_(torch.ones(3))
  T.near(t[1], {3, 3, 3})
  t:mul_(2)
  T.near(t[2], {6, 6, 6})
  t:add_(torch.ones(2, 3), -0.5)
  T.near(t[1], {5.5, 5.5, 5.5})
  t:copy_(torch.arange(3))
  T.near(t, {0, 1, 2, 0, 1, 2})
  t:zero_()
  T.eq(t:sum():item(), 0)
  t[1] = 4
  T.near(t[1], {4, 4, 4})
  t[2] = torch.tensor{1, 2, 3}
  T.near(t[2], {1, 2, 3})
  local v = torch.zeros(3)
  v[2] = 9
  T.near(v, {0, 9, 0})
end)

T.case("sub_ and div_ write in place as PyTorch's", function()
  local t = torch.tensor({2.0, 4, 6})
  T.eq(t:div_(2), t)
  T.near(t, {1, 2, 3})
  t:div_(torch.tensor({1.0, 4, 2}))
  T.near(t, {1, 0.5, 1.5})
  t:sub_(1)
  T.near(t, {0, -0.5, 0.5})
  t:sub_(torch.ones(3), {alpha = 2})
  T.near(t, {-2, -2.5, -1.5})
  t:sub_(1, 0.5)
  T.near(t, {-2.5, -3, -2})
  local i = torch.tensor({3, 6, 9})
  T.near(i:sub_(1), {2, 5, 8})
  T.raises(function() i:div_(2) end, "result type Float can't be cast to the desired output type Long")
  T.raises(function() i:div_(torch.tensor({1, 2, 3})) end, "can't be cast")
  T.raises(function() t:div_(torch.ones(4)) end, "bad argument #1 to 'div_'")
  T.raises(function() torch.ones(2, {requires_grad = true}):sub_(1) end, "leaf Variable")
  -- bool operands are refused as PyTorch refuses them (a tensor one crashed the process)
  local mask = torch.tensor({true, false})
  T.raises(function() mask:sub_(torch.tensor({true, true})) end, "with two bool tensors is not supported")
  T.raises(function() mask:sub_(1) end, "with a bool tensor is not supported")
  T.raises(function() torch.ones(2):sub_(mask) end, "with a bool tensor is not supported")
  T.raises(function() torch.arange(3):add_(torch.arange(3), 0.5) end, "argument alpha must not be a floating point number")
  T.raises(function() mask:add_(1) end, "result type Long can't be cast to the desired output type Bool")
  T.raises(function() mask:mul_(torch.tensor({5, 6})) end, "result type Long can't be cast to the desired output type Bool")
  T.near(mask:clone():add_(torch.tensor({false, true})):long(), {1, 1})   -- bool + bool stays bool, as PyTorch's
  T.raises(function() t:sub_("a") end, "bad argument #1 to 'sub_' (number or Tensor expected, got string)")
  T.raises(function() t:div_(2, {rounding_mode = "round"}) end, "bad argument #2 to 'div_' (div expected rounding_mode")
  -- a Lua float, as Python's, makes the result a float, whatever its value or alpha:
  -- i + 2.0 is a float tensor, so i:add_(2.0) cannot be in place (it truncated before)
  local ints = torch.tensor({3, 6, 9})
  T.eq((ints + 2.0).dtype, torch.float32)
  for _, f in ipairs({
    function() return ints:add_(2.0) end, function() return ints:add_(0.5, 2) end,
    function() return ints:sub_(0.5, 2) end, function() return ints:sub_(1.0) end,
    function() return ints:mul_(2.0) end, function() return ints:div_(1.0) end,
  }) do
    T.raises(f, "result type Float can't be cast to the desired output type Long")
  end
  T.near(ints, {3, 6, 9}, 0, "nothing was written")
  T.raises(function() return mask:sub_(0.5) end, "with a bool tensor is not supported")
  T.raises(function() return mask:add_(0.5) end, "result type Float can't be cast to the desired output type Bool")
  T.near(ints:add_(2, 3):sub_(1, 2):mul_(2), {14, 20, 26}, 0, "integers stay allowed")
  -- a float alpha or clamp bound, as Python's float, whatever its value
  for _, f in ipairs({
    function() return ints:add_(2, 3.0) end, function() return ints:add_(2, {alpha = 3.0}) end,
    function() return ints:sub_(ints, {alpha = 1.0}) end,
  }) do
    T.raises(f, "argument alpha must not be a floating point number")
  end
  T.raises(function() return ints:clamp_(1.5, 20) end, "result type Float can't be cast to the desired output type Long")
  T.raises(function() return ints:clamp_{max = 20.0} end, "result type Float can't be cast to the desired output type Long")
  T.near(ints, {14, 20, 26}, 0, "nothing was written")
  T.near(ints:clamp_(15, 25), {15, 20, 25}, 0)
  T.eq(ints:clamp(1.5, 20).dtype, torch.float32)
end)

T.case("div with rounding_mode gives PyTorch's numbers, integers staying integers", function()
  -- expected values printed by PyTorch 2.15 (torch.div(a, b, rounding_mode=...))
  local a, b = torch.tensor({7, -7, 7, -7, 0, 5, -5, 1, 1 << 62}), torch.tensor({2, 2, -2, -2, 3, 5, 5, -3, 3})
  local t = torch.div(a, b, {rounding_mode = "trunc"})
  T.eq(t.dtype, torch.int64)
  T.near(t, {3, -3, -3, 3, 0, 1, -1, 0, 1537228672809129301}, 0)
  T.near(a:div(b, {rounding_mode = "floor"}), {3, -4, -4, 3, 0, 1, -1, -1, 1537228672809129301}, 0)
  local fa = torch.tensor({7.5, -7.5, 7.5, -7.5, 0.3, -0.3, 5.0, 1.0, -1.0, 3.0}, {dtype = torch.float64})
  local fb = torch.tensor({2.0, 2.0, -2.0, -2.0, 0.1, 0.1, 0.1, 0.0, 0.0, -0.0}, {dtype = torch.float64})
  local inf = math.huge
  local function same(t, expected, what)
    T.eq(t:size(1), #expected, what)
    for i = 1, #expected do T.eq(t[i], expected[i], string.format("%s: element %d", what, i)) end
  end
  -- 0.3 // 0.1 is 2 in float64 (0.3 is a little less than 3 tenths), 3 in float32, as in PyTorch
  same(torch.div(fa, fb, {rounding_mode = "floor"}), {3, -4, -4, 3, 2, -3, 49, inf, -inf, -inf}, "floor, float64")
  same(torch.div(fa, fb, {rounding_mode = "trunc"}), {3, -3, -3, 3, 2, -2, 50, inf, -inf, -inf}, "trunc, float64")
  same(torch.div(fa:float(), fb:float(), {rounding_mode = "floor"}), {3, -4, -4, 3, 3, -4, 49, inf, -inf, -inf}, "floor, float32")
  T.near(torch.div(torch.tensor({7, -7}), 2.5, {rounding_mode = "floor"}), {2, -3}, 0)
  T.eq(torch.div(torch.tensor({7, -7}), 2.5, {rounding_mode = "floor"}).dtype, torch.float32)
  T.near(torch.div(7, torch.tensor({2, -2}), {rounding_mode = "floor"}), {3, -4}, 0)
  T.raises(function() return torch.div(a, torch.zeros(9, {dtype = torch.int64}), {rounding_mode = "floor"}) end, "ZeroDivisionError")
  T.raises(function() return torch.div(a, b, {rounding_mode = "round"}) end,
           "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'")
  T.near(torch.div(a, b, {}), a:double() / b:double(), 1e-6, "no rounding_mode: true division")
  -- in place: integers stay integers; a float quotient cannot go into an integer tensor
  local i = torch.tensor({7, -7})
  T.eq(i:div_(2, {rounding_mode = "floor"}), i)
  T.near(i, {3, -4}, 0)
  T.near(torch.tensor({7.5, -7.5}):div_(torch.tensor(2.0), {rounding_mode = "trunc"}), {3, -3}, 0)
  T.raises(function() return i:div_(2.5, {rounding_mode = "floor"}) end, "result type Float can't be cast to the desired output type Long")
  T.near(i, {3, -4}, 0, "nothing was written")
  -- flat almost everywhere: its gradient is zero, as PyTorch's
  local x = torch.tensor({1.5, -2.5}, {requires_grad = true})
  torch.div(x, 2, {rounding_mode = "floor"}):sum():backward()
  T.near(x.grad, {0, 0}, 0)
end)

T.case("a closed tensor is named so in type errors", function()
  local t = torch.ones(2)
  do local c <close> = t end
  T.raises(function() return torch.cat({t}) end, "entry 1 of the list is a closed Tensor, not a Tensor")
  T.raises(function() return torch.ones(2) + t end, "Tensor or number expected, got closed Tensor")
  T.raises(function() return t:sum() end, "Tensor has been closed")
  local f = io.tmpfile()
  T.raises(function() return torch.cat({torch.ones(1), f}) end, "entry 2 of the list is a FILE*, not a Tensor")
  f:close()
end)

T.case("add_ with alpha rounds once, at every size and in self's dtype", function()
  -- 0.7 + 0.1·3.7 in float32: one rounding gives 1.07000005, two give 1.06999993
  for _, n in ipairs({3, 3000}) do
    local r = torch.full({n}, 0.7):add_(torch.full({n}, 3.7), 0.1)
    T.eq(r[1], torch.tensor({1.07000005})[1], string.format("%d values", n))
  end
  local narrow = torch.full({4, 4}, 0.7):t()
  narrow:add_(torch.full({4, 4}, 3.7), {alpha = 0.1})
  T.eq(narrow[2][3], torch.tensor({1.07000005})[1], "a transposed self")
  -- a float32 operand scaled in float64, not in float32 first
  T.eq(torch.zeros(3, {dtype = torch.float64}):add_(torch.ones(3), 0.1)[1], 0.1)
end)

T.case("arithmetic with broadcasting and numbers", function()
  local a = torch.tensor{{1, 2, 3}, {4, 5, 6}}
  local b = torch.tensor{10, 20, 30}
  T.near(a + b, {11, 22, 33, 14, 25, 36})
  T.near(a - b, {-9, -18, -27, -6, -15, -24})
  T.near(a * b, {10, 40, 90, 40, 100, 180})
  T.near(b / a, {10, 10, 10, 2.5, 4, 5})
  T.near(a ^ 2, {1, 4, 9, 16, 25, 36})
  T.near(2 ^ torch.tensor{1, 2, 3}, {2, 4, 8})
  T.near(1 - a, {0, -1, -2, -3, -4, -5})
  T.near(a - 1, {0, 1, 2, 3, 4, 5})
  T.near(6 / torch.tensor{1, 2, 3}, {6, 3, 2})
  T.near(-a, {-1, -2, -3, -4, -5, -6})
  T.near(2 * a, a + a)
  T.near(torch.tensor{{1}, {2}} + torch.tensor{10, 20}, {11, 21, 12, 22})
  T.near(torch.add(a, 1), a + 1)
  T.near(torch.mul(2, a), a * 2)
end)

T.case("in-place arithmetic with an integer a double cannot hold rounds once, as PyTorch's", function()
  -- PyTorch 2.15: 2^60 + 2^36 + 1 into float32 is 0x1.000002p+60 (through a double it
  -- rounds to 2^60 + 2^36, then to the even 2^60); int64 stays exact
  local n = (1 << 60) + (1 << 36) + 1
  for _, size in ipairs({3, 3000}) do
    local x = torch.ones(size, {dtype = torch.float32})
    x:add_(n)
    T.eq(string.format("%a", x[1]), "0x1.000002p+60", size .. ": add_")
    x = torch.ones(size, {dtype = torch.float32})
    x:sub_(n, 2)
    T.eq(string.format("%a", x[1]), "-0x1.000002p+61", size .. ": sub_ with alpha")
    x = torch.ones(size, {dtype = torch.float32})
    x:mul_(n)
    T.eq(string.format("%a", x[1]), "0x1.000002p+60", size .. ": mul_")
  end
  local i = torch.ones(3, {dtype = torch.int64})
  i:add_(n)
  T.eq(i[1], n + 1)
  i:mul_(n)
  T.eq(i[1], (n + 1) * n)
end)

T.case("a number over a tensor is PyTorch's a.reciprocal() * s, rounded twice as there", function()
  -- PyTorch 2.15: 2 / 3.4e38 = 0x1.00367p-127 (the quotient rounds to 0x1.00366p-127),
  -- 1e-40 / 1e-40 = inf (its reciprocal overflows), 2 / 7 = 0x1.24924ap-2
  local x = torch.tensor({3.4e38, 1e-40, 7, -3}, {dtype = torch.float32})
  local q = 2 / x
  T.eq(string.format("%a", q[1]), "0x1.00367p-127")
  T.eq(string.format("%a", q[3]), "0x1.24924ap-2")
  T.eq((1e-40 / x)[2], math.huge)
  for _, dtype in ipairs({torch.float32, torch.float64}) do
    local a = torch.randn(5000, {dtype = dtype}) * 1e3
    T.truthy(torch.equal(0.3 / a, (1 / a) * 0.3), tostring(dtype) .. ": large (the fast path)")
    local b = a:narrow(1, 1, 7)
    T.truthy(torch.equal(0.3 / b, (1 / b) * 0.3), tostring(dtype) .. ": small")
  end
  local a = torch.tensor({0.5, -2, 4}):requires_grad_()
  local y = 3 / a
  T.eq(y.grad_fn, "MulBackward0")
  y:sum():backward()
  T.near(a.grad, {-12, -0.75, -0.1875})
end)

T.case("pointwise functions", function()
  local x = torch.tensor{-1, 0.5, 2}
  T.near(x:abs(), {1, 0.5, 2})
  T.near(torch.abs(x), {1, 0.5, 2})
  T.near(torch.tensor{4, 9}:sqrt(), {2, 3})
  T.near(torch.tensor{0, 1}:exp(), {1, math.exp(1)})
  T.near(torch.tensor{1, math.exp(2)}:log(), {0, 2})
  T.near(torch.sin(torch.tensor{0, math.pi / 2}), {0, 1})
  T.near(torch.cos(torch.tensor{0, math.pi}), {1, -1})
  T.near(x:tanh(), {-0.7615941559557649, 0.46211715726000974, 0.9640275800758169})
  T.near(torch.sigmoid(torch.tensor{0}), {0.5})
  T.near(x:relu(), {0, 0.5, 2})
  T.near(x:clamp(0, 1), {0, 0.5, 1})
  T.near(x:clamp{max = 0}, {-1, 0, 0})
  T.near(x:pow(3), {-1, 0.125, 8})
end)

T.case("reductions over all or one dimension", function()
  local a = torch.tensor{{1, 5, 3}, {4, 2, 6}}
  T.eq(a:sum():item(), 21)
  T.near(a:sum(1), {5, 7, 9})
  T.near(a:sum(2), {9, 12})
  T.shape(a:sum(2, true), {2, 1})
  T.shape(a:sum{dim = -1, keepdim = true}, {2, 1})
  T.near(a:mean(), 3.5)
  T.near(a:mean(1), {2.5, 3.5, 4.5})
  T.eq(a:max():item(), 6)
  T.eq(a:min():item(), 1)
  local v, i = a:max(2)
  T.near(v, {5, 6})
  T.near(i, {2, 3})
  local v2, i2 = torch.min(a, 1, true)
  T.near(v2, {1, 2, 3})
  T.near(i2, {1, 2, 1})
  T.shape(v2, {1, 3})
end)

T.case("matrix products", function()
  local a = torch.tensor{{1, 2}, {3, 4}, {5, 6}}
  local b = torch.tensor{{1, 0, 2}, {0, 1, 3}}
  T.near(a:matmul(b), {1, 2, 8, 3, 4, 18, 5, 6, 28})
  T.near(torch.mm(a, b), a:matmul(b))
  T.near(torch.matmul(torch.tensor{1, 2}, torch.tensor{3, 4}), 11)
  T.near(a:matmul(torch.tensor{1, 1}), {3, 7, 11})
  T.near(torch.tensor{1, 1, 1}:matmul(a), {9, 12})
  local x = torch.randn(4, 2, 3)
  local y = torch.randn(3, 5)
  local z = x:matmul(y)
  T.shape(z, {4, 2, 5})
  T.near(z[3], x[3]:matmul(y), 1e-5)
  -- large enough to go through BLAS
  local p, q = torch.randn(64, 80), torch.randn(80, 48)
  local r = p:matmul(q)
  local r00 = 0
  for k = 1, 80 do r00 = r00 + p[1][k] * q[k][1] end
  T.near(r[1][1], r00, 1e-4)
  T.near(p:t():t():matmul(q:t():contiguous():t()), r, 1e-4)
end)

T.case("cat and stack", function()
  local a, b = torch.ones(2, 3), torch.zeros(1, 3)
  T.shape(torch.cat({a, b}), {3, 3})
  T.shape(torch.cat({a, a}, 2), {2, 6})
  T.shape(torch.stack({a, a}), {2, 2, 3})
  T.shape(torch.stack({a, a}, 3), {2, 3, 2})
  T.near(torch.cat({torch.tensor{1, 2}, torch.tensor{3}}), {1, 2, 3})
end)

T.case("totable and item", function()
  local t = torch.tensor{{1, 2}, {3, 4}}
  local tt = t:totable()
  T.eq(tt[2][1], 3)
  T.eq(#tt, 2)
  T.eq(torch.tensor(3):totable(), 3)
  T.eq(torch.tensor{5}:item(), 5)
end)

T.case("no_grad as a function and as a to-be-closed guard", function()
  local x = torch.ones(2, {requires_grad = true})
  local y = torch.no_grad(function() return x * 2 end)
  T.eq(y.requires_grad, false)
  T.eq(torch.is_grad_enabled(), true)
  do
    local guard <close> = torch.no_grad()
    T.eq(torch.is_grad_enabled(), false)
    T.eq((x * 2).requires_grad, false)
  end
  T.eq(torch.is_grad_enabled(), true)
  T.eq((x * 2).requires_grad, true)
  local ok = pcall(torch.no_grad, function() error("boom") end)
  T.eq(ok, false)
  T.eq(torch.is_grad_enabled(), true, "grad mode restored after an error")
end)

T.case("closing a tensor releases it early", function()
  local view
  do
    local t <close> = torch.ones(1000)
    view = t
  end
  T.raises(function() return view:sum() end, "Tensor has been closed")
end)

T.case("require returns the preloaded module", function()
  T.eq(require("torch"), torch)
  T.truthy(torch.Tensor.view ~= nil, "torch.Tensor holds the methods")
end)

T.case("chunk splits like PyTorch (a list, as its tuple) and allclose compares with tolerances", function()
  local t = torch.arange(10)
  local a, b, c, d = table.unpack(t:chunk(3))
  T.near(a, {0, 1, 2, 3}); T.near(b, {4, 5, 6, 7}); T.near(c, {8, 9}); T.eq(d, nil)
  T.eq(#torch.chunk(t, 4), 4)
  local g = torch.arange(24):view(2, 12)
  local i, f, gg, o = table.unpack(g:chunk(4, 2))
  T.shape(o, {2, 3}); T.near(o[1], {9, 10, 11}); T.near(i[2], {12, 13, 14})
  local x, y = table.unpack(g:chunk(2, -2))
  T.shape(x, {1, 12}); T.near(y[1][1], 12)
  T.eq(#torch.ones(2):chunk(5), 2, "fewer chunks when the size runs out")
  T.eq(torch.allclose(torch.ones(3), torch.ones(3) + 1e-6), true)
  T.eq(torch.allclose(torch.ones(3), torch.ones(3) + 1e-3), false)
  T.eq(torch.allclose(torch.ones(3), torch.ones(3) + 1e-3, 1e-2), true)
  T.eq(torch.allclose(torch.zeros(3), torch.zeros(3) + 1e-9), true, "atol 1e-8 by default")
  T.eq(torch.allclose(torch.ones(2, 3), torch.ones(3), {rtol = 0, atol = 0}), true, "broadcasts")
  local nan = torch.zeros(1) / 0 * 0
  T.eq(torch.allclose(nan, nan), false)
  T.eq(torch.allclose(nan, nan, {equal_nan = true}), true)
  T.eq(torch.equal(torch.ones(2, 2), torch.ones(2, 2)), true)
  T.eq(torch.equal(torch.ones(2, 2), torch.ones(4)), false, "shapes differ")
  T.eq(torch.ones(3):equal(torch.tensor{1, 1, 1.0001}), false)
end)

return T.run()

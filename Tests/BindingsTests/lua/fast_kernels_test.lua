-- The float32 kernels that run vectorised in CKernels and split large arrays over
-- the worker threads (exp, tanh, sigmoid, softmax and log_softmax along the last
-- dimension, + - * / on large tensors and in place, sum, clip_grad_norm_, Adam, Linear's
-- bias rows and bias gradient, large fills and copies): gradchecks at sizes
-- that take the fast path, PyTorch's numbers at [700, 4000] where the threads share
-- the work (Tests/Fixtures/extra/pointwise_large, made by make_pointwise.py),
-- special values, and the same bits for 1, 2 and 3 threads.
local T = require "testing"
local references = require "references"
local F = nn.functional

local R, C = 700, 4000

-- The fixture's inputs, from the formula make_pointwise.py evaluates.
local function inputs()
  local i = torch.arange(0, R * C, {dtype = torch.float64})
  local x = ((i * 0.0013):sin() * 6 + (i * 0.071):sin() * 2):float():view(R, C)
  local y = ((i * 0.0007):cos() * 2 + 2.5):float():view(R, C)
  local g = (i * 0.0029):cos():float():view(R, C)
  return x, y, g
end

-- Each row's Σ|v| (in float64) and every 9973rd value, as the fixture keeps them.
local function check(ref, name, t, tol)
  T.near(t:double():abs():sum(2), ref[name .. ".rows"], tol, name .. " row sums")
  local flat = t:reshape(-1)
  local picked = flat:index_select(1, torch.arange(1, flat:numel() + 1, 9973))
  T.near(picked, ref[name .. ".sample"], tol, name .. " values")
end

local with_threads = T.with_threads

local unary = {exp = torch.exp, tanh = torch.tanh, sigmoid = torch.sigmoid}
local rows = {softmax = F.softmax, log_softmax = F.log_softmax}
local arithmetic = {add = function(a, b) return a + b end, sub = function(a, b) return a - b end,
                    mul = function(a, b) return a * b end, div = function(a, b) return a / b end}

T.case("gradcheck: exp, tanh, sigmoid, softmax and log_softmax, vector blocks and a tail", function()
  torch.manual_seed(3)
  for name, f in pairs(unary) do
    T.truthy(torch.autograd.gradcheck(f, {torch.randn(3, 37, {requires_grad = true})}), name)
  end
  for name, f in pairs(rows) do
    T.truthy(torch.autograd.gradcheck(function(a) return f(a, -1) end, {torch.randn(2, 3, 37, {requires_grad = true})}), name)
  end
end)

T.case("gradcheck: + - * / at a size that takes the kernels (2048 values)", function()
  torch.manual_seed(4)
  for name, f in pairs(arithmetic) do
    local a = torch.randn(32, 64, {requires_grad = true})
    local b = (torch.rand(32, 64) + 0.5):requires_grad_()
    T.truthy(torch.autograd.gradcheck(function(p, q) return f(p, q) * 0.5 end, {a, b}), name)
  end
end)

T.case("PyTorch's numbers at [700, 4000]: forward and backward", function()
  local ref, config = references.load(FIXTURES .. "/extra/pointwise_large.safetensors")
  T.eq(config.rows * config.cols, R * C, "the fixture's size")
  T.eq(config.every, 9973, "the fixture's sampling")
  local x, y, g = inputs()
  for name, f in pairs(unary) do
    local a = x:clone():requires_grad_()
    local r = f(a)
    r:backward(g)
    check(ref, name, r, 1e-5)
    check(ref, name .. ".grad", a.grad, 1e-5)
  end
  for name, f in pairs(rows) do
    local a = x:clone():requires_grad_()
    local r = f(a, 2)
    r:backward(g)
    check(ref, name, r, 2e-5)
    check(ref, name .. ".grad", a.grad, 2e-5)
  end
  for name, f in pairs(arithmetic) do
    local a, b = x:clone():requires_grad_(), y:clone():requires_grad_()
    local r = f(a, b)
    r:backward(g)
    check(ref, name, r, 1e-5)
    check(ref, name .. ".grad_a", a.grad, 1e-5)
    check(ref, name .. ".grad_b", b.grad, 1e-5)
    check(ref, name .. "_scalar", f(x, 1.7), 1e-5)
  end
  T.near(x:sum(), ref.sum[1], 1e-5, "sum")
  local p, q = nn.Parameter(torch.zeros(R, C)), nn.Parameter(torch.zeros(1000))
  p.grad, q.grad = x:clone(), torch.arange(0, 1000):float() / 100
  -- PyTorch sums the squares in float32, 3e-5 short of the sum in double
  local norm = nn.utils.clip_grad_norm_({p, q}, 5.0)
  T.near(norm, ref["clip.norm_exact"][1], 1e-9, "clip_grad_norm_'s total, against the exact sum")
  T.near(norm, ref["clip.norm"][1], 1e-4, "clip_grad_norm_'s total, against PyTorch's")
  check(ref, "clip.grad_p", p.grad, 1e-4)
  T.near(q.grad, ref["clip.grad_q"], 1e-4, "the other gradient clipped")
  local a = nn.Parameter(x:clone())
  local opt = optim.Adam({a}, 0.01)
  for k = 1, 2 do
    a.grad = g * k
    opt:step()
  end
  check(ref, "adam", a, 1e-6)
end)

-- nn.Linear 200 -> 4000 with the weights make_pointwise.py builds from its formula.
local function big_linear()
  local lin = nn.Linear(200, 4000)
  local k = torch.arange(0, 4000 * 200, {dtype = torch.float64})
  torch.no_grad(function()
    lin.weight:copy_(((k * 0.0017):sin() * 0.05):float():view(4000, 200))
    lin.bias:copy_((torch.arange(0, 4000, {dtype = torch.float64}) * 0.013):cos():float())
  end)
  return lin
end

T.case("PyTorch's numbers at [700, 4000]: Linear's bias rows and column sums, in-place updates", function()
  local ref = references.load(FIXTURES .. "/extra/pointwise_large.safetensors")
  local x, y, g = inputs()
  local lin = big_linear()
  local a = x:narrow(2, 1, 200):clone():requires_grad_()
  local r = lin(a)
  r:backward(g)
  check(ref, "linear", r, 1e-5)
  -- sums of 4000 and 700 terms that largely cancel: BLAS's order against PyTorch's
  check(ref, "linear.grad_x", a.grad, 2e-4)
  check(ref, "linear.grad_w", lin.weight.grad, 2e-4)
  T.near(lin.bias.grad, ref["linear.grad_b"], 1e-5, "linear's bias gradient")
  local updated = x:clone():add_(g, {alpha = -0.1})
  check(ref, "add_alpha", updated, 1e-6)
  -- one rounding, as PyTorch's fused multiply-add: its bits exactly (two roundings miss some)
  local flat = updated:reshape(-1)
  T.truthy(torch.equal(flat:index_select(1, torch.arange(1, flat:numel() + 1, 9973)), ref["add_alpha.sample"]),
           "add_ with alpha as one fused multiply-add")
  check(ref, "mul_", x:clone():mul_(y), 1e-6)
  check(ref, "div_one_value", x:clone():div_(torch.tensor(1.7)), 1e-6)
  T.eq(torch.full({R, C}, 2.5):sum():item(), 2.5 * R * C, "a large fill")
  T.eq(torch.zeros(R, C):abs():sum():item(), 0, "large zeros")
end)

T.case("large copies split over the threads keep every value, in every dtype", function()
  torch.manual_seed(5)
  for _, t in ipairs({torch.randn(700, 4000), torch.randn(1000, 300, {dtype = torch.float64}),
                      torch.randint(-1000, 1000, {3, 100001}), torch.randn(1500, 1000):gt(0)}) do
    for _, n in ipairs({1, 2, 3}) do
      local copy = with_threads(n, function() return t:clone() end)
      T.truthy(torch.equal(copy, t), string.format("%s of %d values with %d threads", t:type(), t:numel(), n))
    end
  end
end)

T.case("large fills in every dtype: zeros by memset, other values, negative zero kept", function()
  -- sizes that end mid-chunk; every value checked, whatever the thread count
  for _, dtype in ipairs({torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool}) do
    for _, n in ipairs({1, 2, 3}) do
      local what = string.format("%s with %d threads", tostring(dtype), n)
      local z = with_threads(n, function() return torch.zeros(3, 100003, {dtype = dtype}) end)
      T.eq(z:ne(0):sum():item(), 0, "zeros " .. what)
      local garbage = torch.ones(3, 100003, {dtype = dtype})
      with_threads(n, function() garbage:zero_() end)
      T.eq(garbage:ne(0):sum():item(), 0, "zero_ over ones " .. what)
      local o = with_threads(n, function() return torch.full({3, 100003}, 1, {dtype = dtype}) end)
      T.eq(o:ne(1):sum():item(), 0, "full of ones " .. what)
    end
  end
  for _, dtype in ipairs({torch.float32, torch.float64}) do
    local nz = torch.full({300007}, -0.0, {dtype = dtype})
    T.eq(1 / nz[300007], -math.huge, tostring(dtype) .. " keeps the sign of -0.0")
    T.eq(1 / nz[1], -math.huge, tostring(dtype) .. " keeps the sign of -0.0 (first)")
  end
end)

T.case("tanh keeps the sign of -0.0, one value and in the kernels' blocks", function()
  for _, n in ipairs({1, 17, 3000}) do
    local t = torch.full({n}, -0.0):tanh()
    T.eq(1 / t[1], -math.huge, n .. " values: the first")
    T.eq(1 / t[n], -math.huge, n .. " values: the last")
    T.eq(1 / torch.zeros(n):tanh()[n], math.huge, n .. " values: +0 stays +0")
  end
end)

-- equal, both NaN, or within tol
local function same_special(a, b, what)
  a, b = a:reshape(-1):totable(), b:reshape(-1):totable()
  for i = 1, #b do
    local ok = (a[i] ~= a[i] and b[i] ~= b[i]) or a[i] == b[i]
        or math.abs(a[i] - b[i]) <= 2e-6 * math.max(1, math.abs(b[i]))
    T.truthy(ok, string.format("%s element %d: expected %s, got %s", what, i, b[i], a[i]))
  end
end

T.case("infinities, NaN, huge and tiny values as PyTorch has them", function()
  local ref = references.load(FIXTURES .. "/extra/pointwise_large.safetensors")
  local values = ref["special.exp"]:numel()
  local special = torch.tensor({-math.huge, math.huge, 0 / 0, -1e4, -104.5, -88.0, -20.0, -1e-30, 0.0,
                                1e-30, 0.5, 0.625, 0.626, 9.0, 88.5, 89.5, 1e4})
  local rest = torch.arange(0, values - special:numel()):double() * 0.37 - 3
  special = torch.cat({special, rest:float()})
  for name, f in pairs(unary) do same_special(f(special), ref["special." .. name], name) end
  for name, f in pairs(rows) do same_special(f(ref["special.rows"], 2), ref["special." .. name], name) end
end)

T.case("1, 2 and 3 threads give the same bits", function()
  local x, y, g = inputs()
  local function run()
    local results = {}
    for name, f in pairs(unary) do
      local a = x:clone():requires_grad_()
      local r = f(a)
      r:backward(g)
      results[name], results[name .. ".grad"] = r:detach(), a.grad
    end
    for name, f in pairs(rows) do
      local a = x:clone():requires_grad_()
      local r = f(a, 2)
      r:backward(g)
      results[name], results[name .. ".grad"] = r:detach(), a.grad
    end
    for name, f in pairs(arithmetic) do results[name] = f(x, y) end
    results.sum = x:sum()
    local p = nn.Parameter(torch.zeros(R, C))
    p.grad = x:clone()
    results.clip_norm = torch.tensor({nn.utils.clip_grad_norm_({p}, 5.0)}, {dtype = torch.float64})
    results.clipped = p.grad
    local a = nn.Parameter(x:clone())
    local opt = optim.Adam({a}, 0.01)
    a.grad = g
    opt:step()
    results.adam = a:detach()
    local lin = big_linear()
    local inp = x:narrow(2, 1, 200):clone():requires_grad_()
    local out = lin(inp)
    out:backward(g)
    results.linear, results.linear_dx = out:detach(), inp.grad
    results.linear_dw, results.linear_db = lin.weight.grad, lin.bias.grad
    results.add_alpha = x:clone():add_(g, {alpha = -0.1})
    results.zeros = torch.full({R, C}, 0.25)
    return results
  end
  local one = with_threads(1, run)
  for _, n in ipairs({2, 3}) do
    local other = with_threads(n, run)
    for name, t in pairs(one) do T.truthy(torch.equal(t, other[name]), string.format("%s with %d threads", name, n)) end
  end
end)
T.case("a row that sums to NaN gives one NaN throughout, forward and backward, on every instruction set", function()
  -- the terms' NaNs differ in sign (-inf - -inf is x86's negative NaN), and which one an
  -- addition or product keeps depends on the operands' order, which a compiler may swap
  local nan, inf = 0 / 0, math.huge
  local rows = {{nan, -inf}, {-inf, -inf}, {inf, 1}, {-nan, nan, 1}, {-inf, nan}}
  for _, width in ipairs({3, 4, 64, 129}) do
    for _, r in ipairs(rows) do
      local row = torch.full({1, width}, -inf)
      for k, v in ipairs(r) do row[1][k] = v end
      for _, f in ipairs({torch.softmax, torch.log_softmax}) do
        local x = row:clone():requires_grad_()
        local y = f(x, 2)
        y:backward(torch.ones(1, width))
        for _, t in ipairs({y:detach(), x.grad}) do
          local seen, first = {}, nil
          for _, v in ipairs(t:view(-1):totable()) do
            local text = string.format("%a", v)
            T.truthy(v ~= v, "width " .. width .. ": every result NaN, got " .. text)
            first = first or text
            seen[#seen + 1] = text
          end
          for _, text in ipairs(seen) do
            T.eq(text, first, "width " .. width .. ": one NaN throughout (" .. table.concat(seen, " ") .. ")")
          end
        end
      end
    end
  end
end)

return T.run()

-- Tensor operations that ports of PyTorch scripts need (issue 15): ordering
-- (sort, topk, argmax, argmin), cutting (split, unbind), products (dot, outer),
-- scans and spread (cumsum, var, std), rearranging copies (flip, roll, tile),
-- masking, in-place clamping, new_*, and multinomial draws. Index results are 1-based.
-- The last case replays PyTorch's results (Tests/Fixtures/extra/tensor_ops).
local T = require "testing"

-- float32, as PyTorch makes torch.tensor([1.0, 2.0]): the cases hold floats written as integers
local function t(v) return torch.tensor(v, {dtype = torch.float32}) end

-- T.near with nested tables of expected values
local function near(actual, expected, tol, what)
  T.near(actual, type(expected) == "table" and t(expected) or expected, tol, what)
end

local function check_grad(f, ...)
  local inputs = {...}
  for i, x in ipairs(inputs) do inputs[i] = x:clone():requires_grad_() end
  T.truthy(torch.autograd.gradcheck(f, inputs), "gradcheck")
end

T.case("sort: values and 1-based indices, descending, NaN last, ties in order", function()
  local v, i = t({3, 1, 2, 1}):sort()
  near(v, {1, 1, 2, 3}, 0)
  near(i, {2, 4, 3, 1}, 0)
  v, i = torch.sort(t({{3, 0 / 0, 2}, {5, 5, 4}}), 2, true)
  near(v[2], {5, 5, 4}, 0)
  near(i, {{2, 1, 3}, {1, 2, 3}}, 0)
  T.truthy(v[1][1] ~= v[1][1], "NaN is the largest, first when descending")
  v, i = t({{3, 1}, {0, 5}}):sort({dim = 1})
  near(v, {{0, 1}, {3, 5}}, 0)
  near(i, {{2, 1}, {1, 2}}, 0)
  v, i = t({2, 0 / 0, 1}):sort()
  near(i, {3, 1, 2}, 0)
  v, i = t(7):sort()
  T.eq(v:dim(), 0); T.eq(i:item(), 1)
  check_grad(function(x) return (x:sort(2)) end, torch.randn(3, 4))
end)

T.case("topk: the k largest or smallest, in order", function()
  local x = t({{1, 9, 3, 7}, {4, 2, 8, 6}})
  local v, i = x:topk(2)
  near(v, {{9, 7}, {8, 6}}, 0)
  near(i, {{2, 4}, {3, 4}}, 0)
  v, i = torch.topk(x, 1, 1, false)
  near(v, {{1, 2, 3, 6}}, 0)
  near(i, {{1, 2, 1, 2}}, 0)
  v, i = x:topk(3, {dim = -1, largest = false})
  near(i, {{1, 3, 4}, {2, 1, 4}}, 0)
  T.shape(x:topk(0), {2, 0})
  T.raises(function() x:topk(5) end, "bad argument #1 to 'topk' (selected index k out of range: k = 5 for a dimension of size 4)")
  check_grad(function(a) return (a:topk(2)) end, torch.randn(2, 5))
end)

T.case("argmax and argmin: the first extreme, over all or along a dimension", function()
  local x = t({{1, 9, 9}, {8, 0, 3}})
  T.eq(x:argmax():item(), 2)
  T.eq(x:argmax():dim(), 0)
  near(torch.argmax(x, 2), {2, 1}, 0)
  near(x:argmin(1, true), {{1, 2, 2}}, 0)
  T.eq(x:argmin():item(), 5)
  near(x:argmax({dim = -2}), {2, 1, 1}, 0)
  T.shape(x:argmax(nil, true), {1, 1})
  T.eq(t({1, 0 / 0, 5}):argmax():item(), 2, "NaN wins")
  local _, i = x:max(2)
  near(i, {2, 1}, 0)
  T.raises(function() torch.argmax(torch.zeros(0)) end, "bad argument #1 to 'argmax' (argmax(): expected reduction dim to be specified for input.numel() == 0)")
  T.raises(function() x:argmax(3) end, "bad argument #1 to 'argmax' (dimension 3 out of range")
end)

T.case("split and unbind: views, as a list (PyTorch's tuple)", function()
  local x = torch.arange(10):view(5, 2)
  local a, b, c = table.unpack(x:split(2))
  near(a, {{0, 1}, {2, 3}}, 0); near(c, {{8, 9}}, 0)
  T.eq(#x:split(2), 3)
  local n = 0
  for _, piece in ipairs(x:split(1, 2)) do n = n + 1; T.shape(piece, {5, 1}) end
  T.eq(n, 2, "for input_t in input.split(1, dim=1) ports as ipairs")
  local p, q = table.unpack(torch.split(x, {1, 4}))
  T.shape(p, {1, 2}); T.shape(q, {4, 2})
  local l, r = table.unpack(x:split(1, -1))
  near(r, {1, 3, 5, 7, 9}, 0)
  l:fill_(-1)
  T.eq(x[1][1], -1, "split gives views")
  T.raises(function() x:split({2, 2}) end, "split_with_sizes expects split_sizes to sum exactly to 5")
  T.raises(function() torch.split(x, 0) end, "bad argument #2 to 'split' (split expects split_size be non-negative, but got split_size=0)")
  local rows = x:unbind()
  T.eq(#rows, 5); T.shape(rows[2], {2})
  local u, v = table.unpack(torch.unbind(x, 2))
  near(v, {1, 3, 5, 7, 9}, 0)
  T.raises(function() torch.unbind(torch.tensor(1)) end, "bad argument #1 to 'unbind' (dimension specified as 1 but tensor has no dimensions)")
  local w = torch.randn(4, 3, {requires_grad = true})
  local s1, s2 = table.unpack(w:split({1, 3}));
  ((s1 * 2):sum() + (s2 * 3):sum()):backward()
  near(w.grad[1], {2, 2, 2}, 0); near(w.grad[4], {3, 3, 3}, 0)
end)

T.case("dot and outer", function()
  T.eq(torch.dot(t({1, 2, 3}), t({4, 5, 6})):item(), 32)
  T.eq(t({1, 2}):dot(t({3, 4})):dim(), 0)
  near(torch.outer(t({1, 2}), t({1, 2, 3})), {{1, 2, 3}, {2, 4, 6}}, 0)
  T.raises(function() torch.dot(t({1, 2}), t({1, 2, 3})) end, "inconsistent tensor size")
  T.raises(function() torch.dot(torch.ones(2, 2), t({1, 2})) end, "bad argument #1 to 'dot' (1D tensors expected, but got 2D and 1D tensors)")
  T.raises(function() torch.outer(t({1}), torch.ones(1, 1)) end, "bad argument #2 to 'outer'")
  check_grad(function(a, b) return torch.dot(a, b) end, torch.randn(4), torch.randn(4))
  check_grad(function(a, b) return a:outer(b) end, torch.randn(3), torch.randn(2))
end)

T.case("cumsum along a dimension, with its gradient", function()
  local x = t({{1, 2, 3}, {4, 5, 6}})
  near(x:cumsum(2), {{1, 3, 6}, {4, 9, 15}}, 0)
  near(torch.cumsum(x, 1), {{1, 2, 3}, {5, 7, 9}}, 0)
  near(x:t():cumsum(-1), {{1, 5}, {2, 7}, {3, 9}}, 0)
  T.eq(t(4):cumsum(1):item(), 4)
  T.raises(function() torch.cumsum(x, 3) end, "bad argument #2 to 'cumsum' (dimension 3 out of range")
  check_grad(function(a) return a:cumsum(2) end, torch.randn(3, 4))
  check_grad(function(a) return a:t():cumsum(1) end, torch.randn(3, 4))
end)

T.case("var and std: correction, unbiased, keepdim", function()
  local x = t({{1, 2, 3, 4}, {2, 4, 6, 8}})
  near(x:var(), 37.5 / 7, 1e-6)
  near(x:var(false), 37.5 / 8, 1e-6)
  near(x:var(2), {5 / 3, 20 / 3}, 1e-6)
  near(torch.var(x, 2, false), {1.25, 5}, 1e-6)
  near(x:std(1, {correction = 0, keepdim = true}), {{0.5, 1, 1.5, 2}}, 1e-6)
  T.shape(x:std(1, {correction = 0, keepdim = true}), {1, 4})
  near(x:std({dim = 2, unbiased = true}), {math.sqrt(5 / 3), math.sqrt(20 / 3)}, 1e-6)
  T.shape(x:var(-1, true, true), {2, 1})
  T.truthy(t({3}):var():item() ~= t({3}):var():item(), "one value, unbiased: NaN as PyTorch")
  T.raises(function() torch.var(x, "a") end, "bad argument #2 to 'var' (number, boolean or options table expected, got string)")
  check_grad(function(a) return a:std(2) end, torch.randn(3, 4))
  check_grad(function(a) return a:var() end, torch.randn(3, 4))
end)

T.case("flip, roll and tile: copies that rearrange", function()
  local x = t({{1, 2, 3}, {4, 5, 6}})
  near(x:flip(2), {{3, 2, 1}, {6, 5, 4}}, 0)
  near(torch.flip(x, {1, 2}), {{6, 5, 4}, {3, 2, 1}}, 0)
  near(x:t():flip(1), {{3, 6}, {2, 5}, {1, 4}}, 0)
  T.truthy(x:flip(1):is_contiguous(), "flip copies")
  near(x:roll(1, 2), {{3, 1, 2}, {6, 4, 5}}, 0)
  near(torch.roll(x, -1), {{2, 3, 4}, {5, 6, 1}}, 0)
  near(x:roll({1, 4}, {1, 2}), {{6, 4, 5}, {3, 1, 2}}, 0)
  T.raises(function() x:roll({1, 2}, 1) end, "shifts and dimensions must align")
  T.raises(function() x:flip(1, 1) end, "appears multiple times")
  near(x:tile(2), {{1, 2, 3, 1, 2, 3}, {4, 5, 6, 4, 5, 6}}, 0)
  T.shape(x["repeat"](x, 2, 1, 2), {2, 2, 6})
  near(torch.tile(t({1, 2}), 2, 2), {{1, 2, 1, 2}, {1, 2, 1, 2}}, 0)
  T.shape(x:tile(0, 1), {0, 3})
  T.shape(torch.zeros(0):tile(1 << 32), {0})
  T.shape(torch.zeros(2, 0):tile(1 << 30, 3), {1 << 31, 0})
  local big = torch.ones(1, 1, 1, 1, 1, 1, 1, 2):tile(1, 1, 1, 1, 1, 1, 3, 2)
  T.shape(big, {1, 1, 1, 1, 1, 1, 3, 4})
  T.eq(big:sum():item(), 12)
  local w = torch.ones(2, {requires_grad = true})
  local empty = w:tile(0)
  T.truthy(empty.requires_grad)
  empty:sum():backward()
  near(w.grad, {0, 0}, 0)
  T.raises(function() x["repeat"](x, 2) end, "number of dimensions of repeat dims can not be smaller")
  check_grad(function(a) return a:flip(1) end, torch.randn(3, 2))
  check_grad(function(a) return a:roll(2, 1) end, torch.randn(4, 2))
  check_grad(function(a) return a:tile(2, 3) end, torch.randn(2, 2))
end)

T.case("masked_fill and masked_fill_ with a 0/1 mask, broadcast", function()
  local x = t({{1, 2}, {3, 4}})
  local m = t({{1, 0}, {0, 1}})
  near(x:masked_fill(m, -1), {{-1, 2}, {3, -1}}, 0)
  local filled = torch.masked_fill(x, t({0, 1}), -math.huge)
  T.eq(filled[1][2], -math.huge); T.eq(filled[2][1], 3)
  near(x, {{1, 2}, {3, 4}}, 0, "out of place")
  x:masked_fill_(t({1, 0}), 0)
  near(x, {{0, 2}, {0, 4}}, 0)
  local v = t({1, 1, 0, 5})
  v:narrow(1, 2, 3):masked_fill_(v:narrow(1, 1, 3), 7)
  near(v, {1, 7, 7, 5}, 0, "a mask sharing the written memory is read before the writes")
  T.raises(function() torch.masked_fill(x, torch.ones(3), 1) end, "bad argument #2 to 'masked_fill' (shapes [2, 2] and [3] cannot be broadcast)")
  T.raises(function() x:masked_fill(m, "a") end, "bad argument #2 to 'masked_fill' (number expected, got string)")
  local w = torch.randn(2, 2, {requires_grad = true})
  w:masked_fill(m, 5):sum():backward()
  near(w.grad, {{0, 1}, {1, 0}}, 0)
end)

T.case("clamp_ in place, and new_zeros, new_ones, new_full", function()
  local x = t({-2, 0.5, 3})
  T.eq(x:clamp_(-1, 1), x)
  near(x, {-1, 0.5, 1}, 0)
  x:clamp_({min = 0})
  near(x, {0, 0.5, 1}, 0)
  T.raises(function() x:clamp_() end, "to 'clamp_' (at least one of min and max must be given)")
  T.raises(function() torch.ones(2, {requires_grad = true}):clamp_(0, 1) end, "leaf Variable that requires grad")
  near(x:new_zeros(2, 3), torch.zeros(2, 3), 0)
  near(x:new_ones({2}), {1, 1}, 0)
  near(x:new_full({2, 2}, 7), {{7, 7}, {7, 7}}, 0)
  T.truthy(x:new_zeros(1, {requires_grad = true}).requires_grad)
  near(torch.zeros_like(x), {0, 0, 0}, 0)
  near(torch.full_like(x, 2), {2, 2, 2}, 0)
end)

T.case("maximum and minimum of two tensors (also torch.max(a, b)), ties share the gradient", function()
  local a, b = t({1, 5, 3, 0 / 0}), t({2, 4, 3, 0})
  local m = torch.maximum(a, b)
  near(m:narrow(1, 1, 3), {2, 5, 3}, 0)
  T.truthy(m[4] ~= m[4], "NaN wins")
  near(torch.min(a:narrow(1, 1, 3), b:narrow(1, 1, 3)), {1, 4, 3}, 0)
  near(t({{1}, {5}}):maximum(t({2, 3})), {{2, 3}, {5, 5}}, 0)
  local x, y = t({1, 5, 3}):requires_grad_(), t({2, 4, 3}):requires_grad_()
  torch.max(x, y):sum():backward()
  near(x.grad, {0, 1, 0.5}, 0)
  near(y.grad, {1, 0, 0.5}, 0)
  T.raises(function() torch.maximum(t({1, 2}), t({1, 2, 3})) end, "bad argument #2 to 'maximum'")
  check_grad(function(p, q) return torch.minimum(p, q) end, torch.randn(3, 2), torch.randn(2))
end)

T.case("softmax and log_softmax as torch.f and t:f; t.data", function()
  local x = t({{1, 2, 3}, {0, 0, 0}})
  near(x:softmax(2), nn.functional.softmax(x, 2), 0)
  near(torch.log_softmax(x, -1), nn.functional.log_softmax(x, 2), 0)
  near(x:softmax(1):sum(1), {1, 1, 1}, 1e-6)
  local p = torch.ones(2, {requires_grad = true})
  local d = p.data
  T.eq(d.requires_grad, false)
  d:add_(1)
  near(p, {2, 2}, 0, "data shares p's memory, writable under recording")
  T.truthy(p.requires_grad and p.is_leaf)
end)

T.case("multinomial: frequencies within four standard errors, with replacement", function()
  torch.manual_seed(3)
  local weights = t({1, 0, 2, 3, 4})  -- need not sum to 1
  local n = 20000
  local draws = torch.multinomial(weights, n, true)
  T.shape(draws, {n})
  local counts = {0, 0, 0, 0, 0}
  for _, k in ipairs(draws:totable()) do counts[k] = counts[k] + 1 end
  T.eq(counts[2], 0, "a category of weight 0 is never drawn")
  for k, w in ipairs({1, 0, 2, 3, 4}) do
    local p = w / 10
    local se = math.sqrt(n * p * (1 - p))
    T.truthy(math.abs(counts[k] - n * p) <= 4 * se + 1e-9, string.format("category %d: %d draws, expected %.0f ± %.0f", k, counts[k], n * p, 4 * se))
  end
end)

T.case("multinomial without replacement: never repeats, first draws follow the weights", function()
  torch.manual_seed(4)
  local rows = 4000
  local weights = torch.tensor({1.0, 2, 3, 4}):view(1, 4):expand(rows, 4)
  local draws = weights:multinomial(4)
  T.shape(draws, {rows, 4})
  local first = {0, 0, 0, 0}
  for _, row in ipairs(draws:totable()) do
    local seen = {}
    for _, k in ipairs(row) do
      T.truthy(not seen[k], "a category drawn twice in one row")
      seen[k] = true
    end
    first[row[1]] = first[row[1]] + 1
  end
  for k = 1, 4 do
    local p = k / 10
    local se = math.sqrt(rows * p * (1 - p))
    T.truthy(math.abs(first[k] - rows * p) <= 4 * se, string.format("first draw %d: %d times, expected %.0f", k, first[k], rows * p))
  end
  local picks = torch.multinomial(t({0, 5, 0, 1}), 2, {replacement = false}):totable()
  for k, v in ipairs(picks) do picks[k] = math.tointeger(v) end
  table.sort(picks)
  T.eq(table.concat(picks, ","), "2,4", "zero weights are never drawn")
end)

T.case("multinomial refuses what PyTorch refuses", function()
  local cases = {
    {function() torch.multinomial(t({1, 2}), 3) end, "cannot sample n_sample > prob_dist.size(-1) samples without replacement"},
    {function() torch.multinomial(t({1, 0, 0}), 2) end, "not enough non-negative category to sample"},
    {function() torch.multinomial(t({1, -1}), 1) end, "probability tensor contains either `inf`, `nan` or element < 0"},
    {function() torch.multinomial(t({0, 0}), 1, true) end, "sum of probabilities <= 0"},
    {function() torch.multinomial(t({1, 0 / 0}), 1) end, "`inf`, `nan`"},
    {function() torch.multinomial(torch.ones(2, 2, 2), 1) end, "prob_dist must be 1 or 2 dim"},
    {function() torch.multinomial(t({1, 2}), 0) end, "cannot sample n_sample <= 0 samples"},
  }
  for _, c in ipairs(cases) do
    local err = T.raises(c[1], c[2])
    T.truthy(err:find("bad argument #1 to 'multinomial'", 1, true), err)
  end
end)

T.case("PyTorch's results and gradients (Tests/Fixtures/extra/tensor_ops, made by make_extra.py)", function()
  local g = require("references").load(FIXTURES .. "/extra/tensor_ops.safetensors")
  local function weighted(v) return (v * torch.arange(1, v:numel() + 1):view(v:size())):sum() end
  local function check(name, f, src)
    local a = (src or g.x):clone():requires_grad_()
    local values, indices = f(a)
    T.near(values, g[name], 1e-5, name)
    if indices then T.near(indices, g[name .. ".indices"], 0, name .. " indices") end
    weighted(values):backward()
    T.near(a.grad, g[name .. ".grad"], 1e-4, name .. " gradient")
  end
  for d = 1, 3 do
    for _, desc in ipairs({0, 1}) do
      check(string.format("sort.%d.%d", d, desc), function(a) return a:sort(d, desc == 1) end)
    end
    check("cumsum." .. d, function(a) return a:cumsum(d) end)
    check("argmax." .. d, function(a) return (a:max(d)), a:argmax(d) end)
  end
  for _, largest in ipairs({0, 1}) do
    check("topk.3." .. largest, function(a) return a:topk(3, 3, largest == 1) end, g.distinct)
    check("topk.1." .. largest, function(a) return a:topk(2, 1, largest == 1) end, g.distinct)
  end
  for c = 0, 2 do
    check("var.all." .. c, function(a) return a:var({correction = c}) end)
    check("var.2." .. c, function(a) return a:var(2, {correction = c, keepdim = true}) end)
    check("std.3." .. c, function(a) return a:std(3, {correction = c}) end)
  end
  check("flip", function(a) return a:flip(1, 3) end)
  check("roll", function(a) return a:roll({1, -2}, {1, 3}) end)
  check("repeat", function(a) return a:tile(2, 1, 1, 2) end)
  check("masked_fill", function(a) return a:masked_fill(g.mask, -2.5) end)
  check("maximum", function(a) return torch.maximum(a, g.y) end)
end)

T.case("add and sub take PyTorch's keyword alpha (it was ignored)", function()
  local a, b = torch.tensor({5.0, 1}), torch.tensor({1.0, 2})
  T.near(torch.add(a, b, {alpha = 3}), {8, 7})
  T.near(a:sub(b, {alpha = 2}), {3, -3})
  T.near(torch.add(a, 2, {alpha = 3}), {11, 7})
  T.near(torch.sub(2, a, {alpha = 3}), {-13, -1})
  local w = torch.ones(2, {requires_grad = true})
  torch.sub(a, w, {alpha = 3}):sum():backward()
  T.near(w.grad, {-3, -3})
  T.raises(function() torch.add(a, b, 3) end, "bad argument #3 to 'add' (options table expected, got number)")
end)

T.case("add_ takes alpha plainly or as PyTorch's keyword", function()
  local p, g = torch.tensor({1.0, 2, 3}), torch.tensor({10.0, 20, 30})
  p:add_(g, -0.5)
  T.near(p, {-4, -8, -12}, 1e-7)
  p:add_(g, {alpha = 0.5})
  T.near(p, {1, 2, 3}, 1e-7)
  T.raises(function() p:add_(g, {alpah = 2}) end, "unknown option 'alpah'")
  -- integer tensors take whole alphas only, as PyTorch's
  local n = torch.tensor({1, 2, 3})
  T.near(n:add_(torch.tensor({10, 20, 30}), -2), {-19, -38, -57})
  T.raises(function() n:add_(torch.tensor({10, 20, 30}), -0.5) end, "argument alpha must not be a floating point number")
end)

return T.run()

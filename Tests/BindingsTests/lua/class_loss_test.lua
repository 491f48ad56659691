-- Losses over class indices: cross_entropy (log-softmax and NLL fused) and
-- nll_loss, against PyTorch (Tests/Fixtures/extra/class_losses, made by
-- make_extra.py) with class weights, ignore_index, label smoothing and every
-- reduction, on [N, C] and [N, C, d] inputs; then the modules and the errors.
local T = require "testing"
local references = require "references"
local F = nn.functional

T.case("cross_entropy and nll_loss match PyTorch, values and gradients", function()
  local g, c = references.load(FIXTURES .. "/extra/class_losses.safetensors")
  T.eq(#c.cases, 72)
  for _, key in ipairs(c.cases) do
    local kind, layout, weighted, ignore, smooth, red = key:match("^(%a+)%.(%w+)%.w(%d)%.i(%d)%.s(%d)%.(%a+)$")
    local input = (layout == "2d" and g.logits or g.logits3):clone():requires_grad_()
    local target = layout == "2d" and g.classes or g.classes3
    local options = {reduction = red, weight = weighted == "1" and g.weight or nil,
                     ignore_index = ignore == "1" and c.ignore_index or nil}
    local v
    if kind == "ce" then
      options.label_smoothing = smooth == "1" and c.label_smoothing or 0
      v = F.cross_entropy(input, target, options)
    else
      v = F.nll_loss(F.log_softmax(input, 2), target, options)
    end
    T.near(v, g[key], 1e-5, key)
    if red == "none" then v:sum():backward() else v:backward() end
    T.near(input.grad, g[key .. ".grad"], 1e-5, key .. " gradient")
  end
end)

T.case("the modules: NLLLoss after LogSoftmax is CrossEntropyLoss", function()
  torch.manual_seed(5)
  local x = torch.randn(7, 4, {requires_grad = true})
  local y = torch.tensor({1, 4, 2, 2, 3, 1, 4})
  local w = torch.tensor({1, 2, 0.5, 1})
  local ce = nn.CrossEntropyLoss{weight = w, ignore_index = 2}(x, y)
  local nll = nn.NLLLoss{weight = w, ignore_index = 2}(nn.LogSoftmax(2)(x), y)
  T.near(ce, nll, 1e-6)
  T.near(nn.CrossEntropyLoss("sum")(x, y), nn.NLLLoss("sum")(nn.LogSoftmax{dim = -1}(x), y), 1e-5)
  T.near(nn.Softmax(2)(x):sum(2), torch.ones(7), 1e-6)
  T.eq(tostring(nn.LogSoftmax(2)), "LogSoftmax(dim=2)")
  T.eq(ce.grad_fn, "NllLossBackward0")
  T.truthy(torch.autograd.gradcheck(function(a)
    return F.cross_entropy(a, y, {weight = w, label_smoothing = 0.1, ignore_index = 2})
  end, {torch.randn(7, 4, {requires_grad = true})}))
  T.truthy(torch.autograd.gradcheck(function(a)
    return F.nll_loss(a, y, {reduction = "none"})
  end, {torch.randn(7, 4, {requires_grad = true})}))
end)

T.case("rows shared out among threads: the composed loss's numbers, the same bits on one thread", function()
  torch.manual_seed(6)
  local n, c = 64, 1024  -- enough values that the rows are split over the worker threads
  local x = torch.randn(n, c)
  local y = torch.randint(1, c + 1, {n})
  local onehot = torch.zeros(n, c)
  for i = 1, n do onehot[i][y[i]] = 1 end
  local a = x:clone():requires_grad_()
  local composed = -(F.log_softmax(a, 2) * onehot):sum() / n
  composed:backward()
  local threads = torch.get_num_threads()
  local results = {}
  for _, k in ipairs({1, 2}) do
    torch.set_num_threads(k)
    local b = x:clone():requires_grad_()
    local fused = F.cross_entropy(b, y)
    fused:backward()
    T.near(fused, composed, 1e-5)
    T.near(b.grad, a.grad, 1e-5)
    results[k] = {fused:item(), b.grad}
  end
  torch.set_num_threads(threads)
  T.eq(results[1][1], results[2][1])
  T.truthy(torch.equal(results[1][2], results[2][2]), "the gradient has the same bits")
end)

T.case("every target ignored: the mean is NaN, as PyTorch's", function()
  local v = F.cross_entropy(torch.randn(2, 3), torch.tensor({2, 2}), {ignore_index = 2})
  T.truthy(v:item() ~= v:item())
  T.eq(F.cross_entropy(torch.randn(2, 3), torch.tensor({2, 2}), {ignore_index = 2, reduction = "sum"}):item(), 0)
end)

T.case("class losses refuse bad targets, weights and options", function()
  local x = torch.randn(3, 4)
  local cases = {
    {function() F.cross_entropy(x, torch.tensor({1, 5, 2})) end, "bad argument #2 to 'cross_entropy' (target 5 is out of bounds for 4 classes)"},
    {function() F.nll_loss(x, torch.tensor({1, 0, 2})) end, "bad argument #2 to 'nll_loss' (target 0 is out of bounds for 4 classes)"},
    {function() F.nll_loss(x, torch.tensor({1, 2})) end, "expected target of shape [3] for input of shape [3, 4], got [2]"},
    {function() F.cross_entropy(x, torch.tensor({1, 1.5, 2})) end, "class indices must be integers"},
    {function() F.cross_entropy(x, torch.tensor({1, 2, 3}), {weight = torch.ones(3)}) end, "weight tensor should be defined either for all 4 classes"},
    {function() F.cross_entropy(x, torch.tensor({1, 2, 3}), {reduction = "avg"}) end, "'avg' is not a valid value for reduction"},
    {function() F.cross_entropy(x, torch.tensor({1, 2, 3}), {label_smoothing = 2}) end, "label_smoothing must be between 0 and 1"},
    {function() F.nll_loss(x, torch.tensor({1, 2, 3}), {label_smoothing = 0.1}) end, "unknown option 'label_smoothing'"},
    {function() F.cross_entropy(x, torch.rand(3, 4), {ignore_index = 1}) end, "ignore_index is not supported for probability targets"},
    {function() nn.NLLLoss{weight = 3} end, "option 'weight' must be a userdata"},
  }
  for _, c in ipairs(cases) do T.raises(c[1], c[2]) end
end)

T.case("cross_entropy with infinite logits: PyTorch's NaN and zeros (its log_softmax's e^(inf - inf))", function()
  local inf = math.huge
  local function isnan(v) return v ~= v end
  -- {row, target, loss (nil: NaN), gradient (nil: every entry NaN)}, values from PyTorch 2.15
  local cases = {
    {{inf, 1}, 2, nil, nil},
    {{inf, 1}, 1, nil, nil},
    {{-inf, 1}, 2, 0, {0, 0}},
    {{-inf, 1}, 1, inf, {-1, 1}},
    {{-inf, -inf}, 2, nil, nil},
    {{inf, inf}, 1, nil, nil},
  }
  for _, c in ipairs(cases) do
    local what = string.format("row {%s, %s}, target %d", c[1][1], c[1][2], c[2])
    -- as given, and padded past the fused kernel's vector width
    for _, width in ipairs({2, 37}) do
      local row = torch.full({1, width}, -inf)
      row[1][1], row[1][2] = c[1][1], c[1][2]
      local x = row:requires_grad_()
      local loss = F.cross_entropy(x, torch.tensor({c[2]}))
      local ok, err = pcall(function() loss:backward() end)
      T.truthy(ok, tostring(err))
      local l = loss:item()
      if c[3] == nil then T.truthy(isnan(l), what .. ": loss NaN, got " .. l)
      else T.eq(l, c[3], what .. " loss") end
      local g = x.grad[1]
      if c[4] == nil then
        T.truthy(isnan(g[1]) and isnan(g[2]), what .. ": gradient NaN")
      else
        T.eq(g[1], c[4][1], what .. " gradient 1"); T.eq(g[2], c[4][2], what .. " gradient 2")
        if width > 2 then T.eq(g[3], 0, what .. " gradient 3") end
      end
    end
  end
end)

T.case("cross_entropy of large logits: the log-probabilities as log_softmax has them, (x - m) - log Σ", function()
  -- PyTorch 2.15: loss log 3, gradient (1/3, -2/3, 1/3); taken as x - (m + log Σ), the sum
  -- rounded at 1e8's scale and gave a loss of 0 and a gradient of (1, 0, 1)
  for _, big in ipairs({1e8, 1e30}) do
    local x = torch.full({1, 3}, big):requires_grad_()
    local loss = F.cross_entropy(x, torch.tensor({2}))
    loss:backward()
    T.near(loss:item(), math.log(3), 1e-6, big .. ": loss")
    T.near(x.grad, torch.tensor({{1 / 3, -2 / 3, 1 / 3}}), 1e-6, big .. ": gradient")
  end
  -- offset rows, [N, C] (the fused kernel) and [N, C, d] (strided): as nll_loss of log_softmax
  torch.manual_seed(3)
  for _, shape in ipairs({{4, 40}, {4, 40, 3}}) do
    local z = torch.randn(shape) + 2000
    local target = #shape == 2 and torch.tensor({1, 7, 40, 22}) or torch.tensor({{1, 2, 3}, {40, 39, 38}, {5, 5, 5}, {9, 8, 7}})
    local a, b = z:clone():requires_grad_(), z:clone():requires_grad_()
    local fused, composed = F.cross_entropy(a, target), F.nll_loss(F.log_softmax(b, 2), target)
    T.eq(fused:item(), composed:item(), #shape .. "-d loss")
    fused:backward(); composed:backward()
    T.near(a.grad, b.grad, 1e-7, #shape .. "-d gradient")
  end
end)

return T.run()

-- lstmlua's own threads: a recurrent layer splits its batch rows across threads
-- for the whole sequence, or (a large LSTM, or a small batch) its hidden units at
-- every step; a large product splits C's rows or columns. Every way, every number
-- must be what one thread computes, to the bit: as in PyTorch on a CPU, the thread
-- count never changes a result.
local T = require "testing"

local with_threads = T.with_threads

-- Forward and backward of a freshly seeded layer: outputs, final state and every gradient.
local function run_layer(make, batch)
  torch.manual_seed(1)
  local x = torch.randn(batch, 40, 8)
  torch.manual_seed(7)
  local layer = make()
  local input = x:clone():requires_grad_()
  local out, state = layer(input)
  local h = type(state) == "table" and state[1] or state
  local loss = out:pow(2):sum() + h:sum()
  loss:backward()
  local results = {out = out:detach(), h = h:detach(), dx = input.grad}
  for name, p in layer:named_parameters() do results[name] = p.grad end
  return results
end

local layers = {
  LSTM = function() return nn.LSTM{input_size = 8, hidden_size = 48, batch_first = true} end,
  ["LSTM, 2 layers, bidirectional"] = function()
    return nn.LSTM{input_size = 8, hidden_size = 48, num_layers = 2, bidirectional = true, batch_first = true}
  end,
  ["LSTM, hidden units split (small batch)"] = function() return nn.LSTM{input_size = 8, hidden_size = 128, batch_first = true} end,
  -- shares of 136 units start inside the weight's 16-column panels
  ["LSTM, hidden units split (small batch, units not a multiple of 16)"] = function()
    return nn.LSTM{input_size = 8, hidden_size = 136, batch_first = true}
  end,
  ["LSTM, hidden units split (large weight), 2 layers, bidirectional"] = function()
    return nn.LSTM{input_size = 8, hidden_size = 192, num_layers = 2, bidirectional = true, batch_first = true}
  end,
  ["LSTM with proj_size"] = function() return nn.LSTM{input_size = 8, hidden_size = 48, proj_size = 24, batch_first = true} end,
  GRU = function() return nn.GRU{input_size = 8, hidden_size = 48, bidirectional = true, batch_first = true} end,
  ["RNN tanh"] = function() return nn.RNN{input_size = 8, hidden_size = 64, batch_first = true} end,
  ["RNN relu"] = function() return nn.RNN{input_size = 8, hidden_size = 64, nonlinearity = "relu", batch_first = true} end,
}

for name, make in pairs(layers) do
  T.case(name .. ": split over threads gives one thread's numbers", function()
    -- odd sizes, so that the chunks differ; a batch of 3 splits no rows
    local batch = name:find("small batch") and 3 or 33
    local one = with_threads(1, function() return run_layer(make, batch) end)
    local three = with_threads(3, function() return run_layer(make, batch) end)
    local count = 0
    for key, expected in pairs(one) do
      T.truthy(three[key], key .. " computed with three threads")
      T.truthy(torch.equal(three[key], expected), key .. ": three threads computed other bits than one")
      count = count + 1
    end
    T.truthy(count >= 5, "outputs, state and gradients compared")
  end)
end

T.case("large products split over threads give one thread's numbers", function()
  torch.manual_seed(2)
  local a, b = torch.randn(300, 200), torch.randn(200, 120)
  for _, pair in ipairs({{a, b}, {a:t():contiguous():t(), b}, {a, b:t():contiguous():t()}, {b:t(), a:t()}}) do
    local one = with_threads(1, function() return torch.mm(pair[1], pair[2]) end)
    local two = with_threads(2, function() return torch.mm(pair[1], pair[2]) end)
    local three = with_threads(3, function() return torch.mm(pair[1], pair[2]) end)
    T.truthy(torch.equal(two, one), "two threads computed other bits than one")
    T.truthy(torch.equal(three, one), "three threads computed other bits than one")
    T.near(one:sum():item(), (pair[1]:unsqueeze(3) * pair[2]:unsqueeze(1)):sum():item(), 1e-3, "against a broadcast sum")
  end
end)

-- 20 steps of training a model with every kind of layer that splits, large enough
-- that each split happens, with dropout between layers: the weights at the end.
local function train(threads)
  return with_threads(threads, function()
    torch.manual_seed(11)
    local lstm = nn.LSTM{input_size = 6, hidden_size = 136, num_layers = 2, dropout = 0.3, batch_first = true}
    local gru = nn.GRU{input_size = 136, hidden_size = 64, batch_first = true}
    local rnn = nn.RNN{input_size = 64, hidden_size = 96, batch_first = true}
    local projected = nn.LSTM{input_size = 96, hidden_size = 48, proj_size = 24, batch_first = true}
    local head = nn.Linear(24, 300)
    local models = {lstm, gru, rnn, projected, head}
    local params = {}
    for _, m in ipairs(models) do
      for _, p in ipairs(m:parameters()) do params[#params + 1] = p end
    end
    local opt = optim.Adam(params, 0.01)
    local mse, ce = nn.MSELoss(), nn.CrossEntropyLoss()
    local x = torch.randn(4, 20, 6)        -- a batch of 4: the LSTM splits its hidden units
    local wide = torch.randn(36, 20, 6)    -- a batch of 36: the layers split their rows
    local targets = torch.randint(1, 301, {36 * 20})
    for step = 1, 20 do
      opt:zero_grad()
      local input = step % 2 == 0 and x or wide
      local a = lstm(input)
      local b = gru(a)
      local c = rnn(b)
      local d = projected(c)
      local logits = head(d):reshape(-1, 300)
      local loss
      if input == x then loss = mse(logits, torch.zeros(logits:size(1), 300))
      else loss = ce(logits, targets) end
      loss:backward()
      opt:step()
    end
    local weights = {}
    for i, m in ipairs(models) do
      for name, p in m:named_parameters() do weights[i .. "." .. name] = p:detach():clone() end
    end
    return weights
  end)
end

T.case("20 training steps give bit-identical weights with 1, 2 and 3 threads", function()
  local one = train(1)
  local count = 0
  for _, threads in ipairs({2, 3}) do
    local other = train(threads)
    for name, w in pairs(one) do
      T.truthy(torch.equal(other[name], w), name .. ": " .. threads .. " threads trained other weights than one")
      count = count + 1
    end
  end
  T.truthy(count >= 2 * 16, "every parameter compared")
end)

T.case("the thread count is the user's to set, within 1 to 64", function()
  local before = torch.get_num_threads()
  T.truthy(before >= 1)
  with_threads(3, function() T.eq(torch.get_num_threads(), 3) end)
  T.eq(torch.get_num_threads(), before)
  T.raises(function() torch.set_num_threads(0) end, "bad argument #1 to 'set_num_threads'")
  T.eq(torch.backends.blas_info().threads, before)
end)

return T.run()

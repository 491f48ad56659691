-- lstmlua's own threads: a recurrent layer splits its batch rows across threads
-- for the whole sequence, or (a large LSTM, or a small batch) its hidden units at
-- every step; a large product splits C's rows or columns. Every way, every number
-- must be what one thread computes.
local T = require "testing"

local function with_threads(n, fn)
  local before = torch.get_num_threads()
  torch.set_num_threads(n)
  local ok, a, b = pcall(fn)
  torch.set_num_threads(before)
  if not ok then error(a, 0) end
  return a, b
end

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
      T.near(three[key], expected, 1e-5, key)
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
    T.near(two, one, 1e-5)
    T.near(one:sum():item(), (pair[1]:unsqueeze(3) * pair[2]:unsqueeze(1)):sum():item(), 1e-3, "against a broadcast sum")
  end
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

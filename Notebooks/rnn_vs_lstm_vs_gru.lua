-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # RNN, LSTM and GRU on one task
--
-- The same next-point task as `sine_lstm`: windows of a sine curve, predict each
-- point from the ones before. Each cell type gets the same hidden size, the same
-- optimizer, the same seed and so the same stream of windows; only the recurrent
-- layer differs.

-- %% Settings
hidden_size = 16
batch = 16
iterations = 600
num_time_steps = 50
warmup = 20

-- %% One model, trained and tested
Net = nn.Module:extend("Net")

function Net:init(layer)
  self.rnn = layer{input_size = 1, hidden_size = hidden_size, batch_first = true}
  self.linear = nn.Linear(hidden_size, 1)
end

function Net:forward(x, state)
  local out
  out, state = self.rnn(x, state)
  return self.linear(out:reshape(-1, hidden_size)):view(x:size(1), -1, 1), state
end

-- An LSTM's state is {h, c}; a GRU's or an RNN's is h.
local function detach(state)
  if type(state) == "table" then return {state[1]:detach(), state[2]:detach()} end
  return state:detach()
end

local function first_window(state)
  if type(state) == "table" then
    return {state[1]:narrow(2, 1, 1):contiguous(), state[2]:narrow(2, 1, 1):contiguous()}
  end
  return state:narrow(2, 1, 1):contiguous()
end

function train_and_test(layer)
  torch.manual_seed(3)
  local model = Net(layer)
  local optimizer = optim.Adam(model:parameters(), 0.01)
  local criterion = nn.MSELoss()
  local losses, state = {}, nil
  for iter = 1, iterations do
    local x, y = data.sine{num_points = num_time_steps, span = 10, start_max = 10, batch = batch}
    local output
    output, state = model(x, state)
    state = detach(state)
    local loss = criterion(output, y)
    model:zero_grad()
    loss:backward()
    optimizer:step()
    losses[iter] = loss:item()
  end
  -- free running on a fresh window, after `warmup` true points
  local x, y = data.sine{num_points = num_time_steps, span = 10, start_max = 3}
  local truth = x:view(-1)
  local test_state, se, n = first_window(state), 0, 0
  torch.no_grad(function()
    local input = x[1][1]:view(1, 1, 1)
    for t = 1, num_time_steps - 1 do
      local pred
      pred, test_state = model(input, test_state)
      if t < warmup then
        input = x[1][t + 1]:view(1, 1, 1)
      else
        input = pred:view(1, 1, 1)
        local target = t + 1 <= num_time_steps - 1 and truth[t + 1] or y:view(-1)[num_time_steps - 1]
        se, n = se + (pred:item() - target) ^ 2, n + 1
      end
    end
  end)
  local params = 0
  for _, p in ipairs(model:parameters()) do params = params + p:numel() end
  return {losses = losses, test_mse = se / n, params = params}
end

-- %% Training the three
results = {}
for _, name in ipairs{"RNN", "LSTM", "GRU"} do
  results[name] = train_and_test(nn[name])
  print(name .. " trained")
end
--| RNN trained
--| LSTM trained
--| GRU trained

-- %% [markdown]
-- The loss curves, averaged over 25 iterations and on a log scale so that the
-- three can be told apart:

-- %%
local function smooth(values, width)
  local out, sum = {}, 0
  for i, v in ipairs(values) do
    sum = sum + v
    if i > width then sum = sum - values[i - width] end
    out[i] = math.log(sum / math.min(i, width), 10)
  end
  return out
end

local fig = plot.figure{title = "Training loss, 25-iteration average", xlabel = "iteration", ylabel = "log10 MSE"}
for _, name in ipairs{"RNN", "LSTM", "GRU"} do
  fig:line(smooth(results[name].losses, 25), nil, {label = name})
end
fig:show()
--@ rnn_vs_lstm_vs_gru.files/c1f9c97a9a4b1b32.png (800x500)

-- %% Final losses
print(string.format("%-6s %10s %22s %18s", "cell", "parameters", "loss (last 100 mean)", "free-running MSE"))
for _, name in ipairs{"RNN", "LSTM", "GRU"} do
  local r, tail = results[name], 0
  for i = iterations - 99, iterations do tail = tail + r.losses[i] end
  print(string.format("%-6s %10d %22.5f %18.4f", name, r.params, tail / 100, r.test_mse))
end
--| cell   parameters   loss (last 100 mean)   free-running MSE
--| RNN           321                0.00213             0.0016
--| LSTM         1233                0.00203             0.0123
--| GRU           929                0.00224             0.0138

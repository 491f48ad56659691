-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # An LSTM learns to continue a sine curve
--
-- The classic PyTorch example, cell by cell: an `nn.LSTM` and an `nn.Linear` learn
-- to predict the next point of a sine curve from windows of 50 points, with
-- `MSELoss` and Adam. Then the net continues the curve on its own, each prediction
-- fed back in as the next input.
--
-- The article trains 100 iterations on one window with 10 hidden units, which is
-- too little for the free-running part. Here: 20 hidden units, 16 windows a batch,
-- 1500 iterations, and 20 true points before the net runs free.

-- %% Settings tags=["parameters"]
torch.manual_seed(1)
num_time_steps = 50
hidden_size = 20
batch = 16
iterations = 1500
warmup = 20

-- %% [markdown]
-- ## Step 1: the network
--
-- `nn.Module:extend` makes a class: `init` builds the layers, `forward` runs them.
-- Parameter names, shapes, gate order and initialisation are PyTorch's.

-- %% The network
Net = nn.Module:extend("Net")

function Net:init()
  self.rnn = nn.LSTM{input_size = 1, hidden_size = hidden_size, num_layers = 1, batch_first = true}
  self.linear = nn.Linear(hidden_size, 1)
end

function Net:forward(x, state)
  local out
  out, state = self.rnn(x, state)
  out = self.linear(out:reshape(-1, hidden_size))
  return out:view(x:size(1), -1, 1), state
end

model = Net()
criterion = nn.MSELoss()
optimizer = optim.Adam(model:parameters(), 0.005)
model
--= Net(
--=   (rnn): LSTM(1, 20, batch_first=True)
--=   (linear): Linear(in_features=20, out_features=1, bias=True)
--= )

-- %%
for name, p in model:named_parameters() do
  print(string.format("%-18s %s", name, table.concat(p:size(), " x ")))
end
--| rnn.weight_ih_l0   80 x 1
--| rnn.weight_hh_l0   80 x 20
--| rnn.bias_ih_l0     80
--| rnn.bias_hh_l0     80
--| linear.weight      1 x 20
--| linear.bias        1

-- %% [markdown]
-- ## Step 2: training
--
-- Each iteration draws 16 windows of the curve at random starting points; the
-- target is the window shifted by one step. The recurrent state carries over from
-- one batch to the next, detached from the graph.

-- %% Training
state = {torch.zeros(1, batch, hidden_size), torch.zeros(1, batch, hidden_size)}
losses = {}
for iter, bar in torch.progress(1, iterations, {desc = "train"}) do
  local x, y = data.sine{num_points = num_time_steps, span = 10, start_max = 10, batch = batch}
  local output
  output, state = model(x, state)
  state = {state[1]:detach(), state[2]:detach()}
  local loss = criterion(output, y)
  model:zero_grad()
  loss:backward()
  optimizer:step()
  losses[iter] = loss:item()
  bar:set_postfix{loss = losses[iter]}
  if iter % 300 == 0 then print(string.format("iteration %4d  loss %.6f", iter, losses[iter])) end
end
--| iteration  300  loss 0.004281
--: train  25%|██▌       | 375/1500 [00:00<00:00, 1715.29it/s, loss=0.0043]
--| iteration  600  loss 0.003710
--: train  50%|█████     | 750/1500 [00:00<00:00, 1772.53it/s, loss=0.0023]
--| iteration  900  loss 0.003396
--: train  75%|███████▌  | 1125/1500 [00:00<00:00, 1868.67it/s, loss=0.0018]
--| iteration 1200  loss 0.001873
--| iteration 1500  loss 0.001985
--: train 100%|██████████| 1500/1500 [00:00<00:00, 1977.87it/s, loss=0.0020]

-- %%
plot.figure{title = "Training loss", xlabel = "iteration", ylabel = "MSE"}
  :line(losses, nil, {label = "loss"})
  :show()
--@ sine_lstm.files/1521ec25036966a9.png (800x500)

-- %% [markdown]
-- ## Step 3: the net continues the curve
--
-- A fresh window: the first 20 true points set the state up, then every input is
-- the net's own previous prediction.

-- %% Free-running prediction
x, y, steps = data.sine{num_points = num_time_steps, span = 10, start_max = 3}
time_steps = steps[1]:totable()
truth = x:view(-1):totable()
truth[#truth + 1] = y:view(-1)[num_time_steps - 1]

test_state = {state[1]:narrow(2, 1, 1):contiguous(), state[2]:narrow(2, 1, 1):contiguous()}
predicted_t, predicted = {}, {}
torch.no_grad(function()
  local input = x[1][1]:view(1, 1, 1)
  for t = 1, num_time_steps - 1 do
    local pred
    pred, test_state = model(input, test_state)
    if t < warmup then
      input = x[1][t + 1]:view(1, 1, 1)
    else
      input = pred:view(1, 1, 1)
      predicted_t[#predicted_t + 1] = time_steps[t + 1]
      predicted[#predicted + 1] = pred:item()
    end
  end
end)

local se = 0
for k, p in ipairs(predicted) do se = se + (p - truth[warmup + k]) ^ 2 end
string.format("free-running MSE over %d points: %.4f", #predicted, se / #predicted)
--= "free-running MSE over 30 points: 0.0122"

-- %%
plot.figure{title = "Free-running prediction (20 true points first)", xlabel = "time", ylabel = "sin"}
  :line(truth, time_steps, {label = "true", color = "tab:blue"})
  :scatter(time_steps, truth, {color = "tab:blue", size = 3})
  :scatter(predicted_t, predicted, {label = "predicted", color = "tab:orange", size = 4})
  :show()
--@ sine_lstm.files/39cbb8c8d27abdbd.png (800x500)

-- Parity with PyTorch: every file of the golden set (computed by PyTorch 2.15),
-- loaded with lstmlua's own torch.load. Tolerances from the set's README:
-- forward 1e-5, gradients 1e-4, optimizer steps 1e-6, the training run's
-- losses 1e-4 relative; "within t" means |a - b| <= t * max(1, |b|).
local T = require "testing"

local dir = FIXTURES .. "/golden/"

local references = require "references"

local function golden(name)
  return references.load(dir .. name .. ".safetensors")
end

local function files(prefix)
  local out = {}
  for _, name in ipairs({"lstm_seed_shape", "lstm_two_layers", "lstm_no_bias", "lstm_bidirectional", "lstm_projection",
                         "lstm_unbatched", "lstm_zero_state", "gru_basic", "gru_bidirectional", "rnn_tanh", "rnn_relu",
                         "opt_sgd_momentum", "opt_adam", "opt_adamw", "opt_rmsprop", "seed_train"}) do
    if name:sub(1, #prefix) == prefix then out[#out + 1] = name end
  end
  return out
end

T.case("the copy holds every golden file", function()
  local n = 0
  for _, prefix in ipairs({"lstm_", "gru_", "rnn_", "opt_", "seed_"}) do n = n + #files(prefix) end
  T.eq(n, 16)
end)

local function recurrent_case(name)
  local g, c = golden(name)
  local layer
  if c.kind == "LSTM" then
    layer = nn.LSTM{input_size = c.input_size, hidden_size = c.hidden_size, num_layers = c.num_layers, bias = c.bias,
                    batch_first = c.batch_first, bidirectional = c.bidirectional, proj_size = c.proj_size}
  elseif c.kind == "GRU" then
    layer = nn.GRU{input_size = c.input_size, hidden_size = c.hidden_size, num_layers = c.num_layers, bias = c.bias,
                   batch_first = c.batch_first, bidirectional = c.bidirectional}
  else
    layer = nn.RNN{input_size = c.input_size, hidden_size = c.hidden_size, num_layers = c.num_layers, bias = c.bias,
                   batch_first = c.batch_first, bidirectional = c.bidirectional, nonlinearity = c.nonlinearity}
  end
  -- The golden file uses PyTorch's parameter names: load them as a state_dict.
  local state = {}
  for pname in layer:named_parameters() do state[pname] = g[pname] end
  layer:load_state_dict(state)

  local x = g.x:clone():requires_grad_()
  local h0, c0
  if not c.zero_state then
    h0 = g.h0:clone():requires_grad_()
    if c.kind == "LSTM" then c0 = g.c0:clone():requires_grad_() end
  end
  local out, hn, cn
  if c.kind == "LSTM" then
    local state_out
    out, state_out = layer(x, h0 and {h0, c0} or nil)
    hn, cn = state_out[1], state_out[2]
  else
    out, hn = layer(x, h0)
  end
  T.near(out, g.out, 1e-5, name .. " out")
  T.near(hn, g.h_n, 1e-5, name .. " h_n")
  if cn then T.near(cn, g.c_n, 1e-5, name .. " c_n") end

  local loss = (out * g.g_out):sum() + (hn * g.g_h):sum()
  if cn then loss = loss + (cn * g.g_c):sum() end
  loss:backward()
  T.near(x.grad, g["grad.x"], 1e-4, name .. " grad.x")
  if h0 then T.near(h0.grad, g["grad.h0"], 1e-4, name .. " grad.h0") end
  if c0 then T.near(c0.grad, g["grad.c0"], 1e-4, name .. " grad.c0") end
  local checked = 0
  for pname, p in layer:named_parameters() do
    T.near(p.grad, g["grad." .. pname], 1e-4, name .. " grad." .. pname)
    checked = checked + 1
  end
  T.truthy(checked >= 2, name .. ": parameters checked")
end

for _, prefix in ipairs({"lstm_", "gru_", "rnn_"}) do
  for _, name in ipairs(files(prefix)) do
    T.case("recurrent layer " .. name, function() recurrent_case(name) end)
  end
end

local function optimizer_case(name)
  local g, c = golden(name)
  references.optimizer_trajectory(g, c, name)
end

for _, name in ipairs(files("opt_")) do
  T.case("optimizer " .. name, function() optimizer_case(name) end)
end

-- The article's loop in Lua, from the stored weights and window starts.
T.case("the article's training run, seed_train", function()
  local g, c = golden("seed_train")
  local H = c.hidden_size
  local Net = nn.Module:extend("Net")
  function Net:init()
    self.rnn = nn.LSTM{input_size = 1, hidden_size = H, num_layers = 1, batch_first = true}
    self.linear = nn.Linear(H, 1)
  end
  function Net:forward(x, hidden)
    local out, hidden_prev = self.rnn(x, hidden)
    out = out:view(-1, H)
    out = self.linear(out)
    return out:unsqueeze(1), hidden_prev
  end
  local model = Net()
  local init = {}
  for name in model:named_parameters() do init[name] = g["init." .. name] end
  model:load_state_dict(init)

  local criterion = nn.MSELoss()
  local optimizer = optim.Adam(model:parameters(), c.lr)
  local hidden = {torch.zeros(1, 1, H), torch.zeros(1, 1, H)}
  local worst = 0
  for it = 1, c.iters do
    local x, y = data.sine{num_points = c.num_points, span = c.span, start = g.starts[it]}
    if it == 1 then
      T.near(x, g["x.1"], 0, "the first window's x")
      T.near(y, g["y.1"], 0, "the first window's y")
    end
    local output
    output, hidden = model(x, hidden)
    hidden = {hidden[1]:detach(), hidden[2]:detach()}
    local loss = criterion(output, y)
    model:zero_grad()
    loss:backward()
    optimizer:step()
    local expected = g.losses[it]
    worst = math.max(worst, math.abs(loss:item() - expected) / math.max(math.abs(expected), 1e-12))
  end
  T.truthy(worst <= 1e-4, string.format("losses within 1e-4 relative (worst %.3g)", worst))
  for name, p in model:named_parameters() do T.near(p, g["final." .. name], 1e-4, "final " .. name) end
  T.near(hidden[1], g["final.h"], 1e-4, "final h")
  T.near(hidden[2], g["final.c"], 1e-4, "final c")

  -- Free-running: feed the first sample of the window at 1.0, then each prediction.
  local inp = g["generate.start_point"]:view(1, 1, 1)
  local predictions = {}
  torch.no_grad(function()
    for _ = 1, c.num_points - 1 do
      local pred
      pred, hidden = model(inp, hidden)
      inp = pred:view(1, 1, 1)
      predictions[#predictions + 1] = inp:item()
    end
  end)
  T.near(torch.tensor(predictions), g["generate.predictions"], 1e-4, "free-running predictions")
end)

return T.run()

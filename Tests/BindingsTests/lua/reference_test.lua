-- More parity with PyTorch (Tests/Fixtures/extra, made by make_extra.py there):
-- optimizer variants, schedulers, losses, seeded initialisation, cells.
local T = require "testing"

local dir = FIXTURES .. "/extra/"

local references = require "references"

local function reference(name)
  return references.load(dir .. name .. ".safetensors")
end

for _, name in ipairs({"opt_sgd_plain", "opt_sgd_dampening", "opt_adam_amsgrad_wd", "opt_adamw_amsgrad",
                       "opt_rmsprop_centered", "opt_adagrad"}) do
  T.case("optimizer " .. name, function()
    local g, c = reference(name)
    references.optimizer_trajectory(g, c, name)
  end)
end

T.case("learning-rate schedulers step for step", function()
  local g, c = reference("schedulers")
  local function run(make, epochs)
    local p = torch.zeros(1, {requires_grad = true})
    local opt = optim.SGD({p}, {lr = c.lr})
    local s = make(opt)
    local lrs = {opt.param_groups[1].lr}
    for _ = 1, epochs do
      opt:step(); s:step()
      lrs[#lrs + 1] = opt.param_groups[1].lr
      T.near(s:get_last_lr()[1], lrs[#lrs], 1e-12)
    end
    return lrs
  end
  T.near(torch.tensor(run(function(o) return optim.lr_scheduler.StepLR(o, c.step.step_size, c.step.gamma) end, 12)), g.step, 1e-6)
  T.near(torch.tensor(run(function(o) return optim.lr_scheduler.ExponentialLR(o, {gamma = c.exponential.gamma}) end, 12)), g.exponential, 1e-6)
  T.near(torch.tensor(run(function(o) return optim.lr_scheduler.CosineAnnealingLR(o, c.cosine.T_max, c.cosine.eta_min) end, 16)), g.cosine, 1e-6)
end)

T.case("losses and their gradients, every reduction", function()
  local g, c = reference("losses")
  for _, red in ipairs({"mean", "sum", "none"}) do
    local cases = {
      mse = function(x) return nn.functional.mse_loss(x, g.y, red) end,
      l1 = function(x) return nn.L1Loss{reduction = red}(x, g.y) end,
      huber = function(x) return nn.HuberLoss{reduction = red, delta = c.huber_delta}(x, g.y) end,
      ce = function(l) return nn.CrossEntropyLoss{reduction = red}(l, g.classes) end,
      ce_probs = function(l) return nn.functional.cross_entropy(l, g.probs, red) end,
      ce_smooth = function(l) return nn.CrossEntropyLoss{reduction = red, label_smoothing = c.label_smoothing}(l, g.classes) end,
    }
    for name, f in pairs(cases) do
      local input = (name:sub(1, 2) == "ce" and g.logits or g.x):clone():requires_grad_()
      local v = f(input)
      T.near(v, g[name .. "." .. red], 1e-5, name .. "." .. red)
      if red == "none" then v:sum():backward() else v:backward() end
      T.near(input.grad, g[name .. "." .. red .. ".grad"], 1e-5, name .. "." .. red .. " gradient")
    end
  end
end)

T.case("torch.manual_seed(0) gives PyTorch's initial weights and draws, bit for bit", function()
  local g = reference("seeded_init")
  torch.manual_seed(0)
  local modules = {
    lstm = nn.LSTM(3, 5, 2, true, false, 0, true), gru = nn.GRU(2, 4), rnn = nn.RNN(2, 3),
    linear = nn.Linear(4, 2), lstmcell = nn.LSTMCell(3, 4),
  }
  local draws = {rand = torch.rand(7), randn = torch.randn(5), randint = torch.randint(0, 10, {6}), randperm = torch.randperm(8)}
  -- creation order matters: the table above is built in source order
  for kind, m in pairs(modules) do
    for name, p in pairs(m:state_dict()) do T.near(p, g[kind .. "." .. name], 0, kind .. "." .. name) end
  end
  for name, t in pairs(draws) do T.near(t, g[name], 0, name) end
end)

T.case("cells: one step and its gradients", function()
  local g = reference("cells")
  local weights = torch.arange(8):view(2, 4)
  for _, kind in ipairs({"lstm", "gru", "rnn"}) do
    local cell
    if kind == "lstm" then cell = nn.LSTMCell(3, 4)
    elseif kind == "gru" then cell = nn.GRUCell(3, 4)
    else cell = nn.RNNCell(3, 4, true, "relu") end
    local state = {}
    for name in cell:named_parameters() do state[name] = g[kind .. "." .. name] end
    cell:load_state_dict(state)
    local x = g[kind .. ".x"]:clone():requires_grad_()
    local h = g[kind .. ".h"]:clone():requires_grad_()
    local loss
    if kind == "lstm" then
      local c = g[kind .. ".c"]:clone():requires_grad_()
      local h1, c1 = cell(x, {h, c})
      T.near(h1, g[kind .. ".h1"], 1e-5, "lstm h1")
      T.near(c1, g[kind .. ".c1"], 1e-5, "lstm c1")
      loss = (h1 * weights):sum() + (c1 ^ 2):sum()
    else
      local h1 = cell(x, h)
      T.near(h1, g[kind .. ".h1"], 1e-5, kind .. " h1")
      loss = (h1 * weights):sum()
    end
    loss:backward()
    T.near(x.grad, g[kind .. ".grad.x"], 1e-4, kind .. " grad x")
    T.near(h.grad, g[kind .. ".grad.h"], 1e-4, kind .. " grad h")
    for name, p in cell:named_parameters() do T.near(p.grad, g[kind .. ".grad." .. name], 1e-4, kind .. " grad " .. name) end
  end
end)

return T.run()

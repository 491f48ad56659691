-- The nn module: classes, registration, traversal, state dicts, printing,
-- every layer's shapes and errors, and finite-difference checks of the fused kernels.
local T = require "testing"

local function check(name, fn, ...)
  local ok, err = pcall(torch.autograd.gradcheck, fn, {...})
  if not ok then error(name .. ": " .. tostring(err), 2) end
end

local function leaf(...) return torch.randn(...):requires_grad_() end

local function article_net()
  local Net = nn.Module:extend("Net")
  function Net:init(hidden)
    self.hidden = hidden
    self.rnn = nn.LSTM{input_size = 1, hidden_size = hidden, num_layers = 1, batch_first = true}
    self.linear = nn.Linear(hidden, 1)
  end
  function Net:forward(x, h)
    local out, hp = self.rnn(x, h)
    return self.linear(out:view(-1, self.hidden)):unsqueeze(1), hp
  end
  return Net
end

T.case("a user model prints like PyTorch's and registers its parts", function()
  local Net = article_net()
  local model = Net(10)
  T.eq(tostring(model), "Net(\n  (rnn): LSTM(1, 10, batch_first=True)\n  (linear): Linear(in_features=10, out_features=1, bias=True)\n)")
  local names = {}
  for name in model:named_parameters() do names[#names + 1] = name end
  T.eq(table.concat(names, " "), "rnn.weight_ih_l0 rnn.weight_hh_l0 rnn.bias_ih_l0 rnn.bias_hh_l0 linear.weight linear.bias")
  T.eq(#model:parameters(), 6)
  T.eq(#model:children(), 2)
  T.eq(#model:modules(), 3)
  local sd = model:state_dict()
  T.shape(sd["rnn.weight_hh_l0"], {40, 10})
  T.eq(sd["linear.bias"].requires_grad, false)
  T.eq(tostring(Net), "class Net")
end)

T.case("inheritance: a subclass of a user class", function()
  local Base = nn.Module:extend("Base")
  function Base:init(n) self.fc = nn.Linear(n, n) end
  function Base:forward(x) return self.fc(x) end
  function Base:scale() return 2 end
  local Child = Base:extend("Child")
  function Child:init(n)
    Base.init(self, n)
    self.extra = nn.Linear(n, 1)
  end
  function Child:forward(x) return self.extra(Base.forward(self, x)) * self:scale() end
  local m = Child(3)
  T.shape(m(torch.ones(2, 3)), {2, 1})
  T.eq(#m:parameters(), 4)
end)

T.case("parameters assigned as tensors, buffers, and replacing a field", function()
  local M = nn.Module:extend("M")
  function M:init()
    self.w = nn.Parameter(torch.ones(2))
    self.plain = torch.ones(2)            -- not a parameter: it does not require grad
    self:register_buffer("running", torch.zeros(2))
  end
  local m = M()
  T.eq(#m:parameters(), 1)
  T.eq(#m:buffers(), 1)
  local sd = m:state_dict()
  T.truthy(sd.w and sd.running and not sd.plain, "state_dict has parameters and buffers only")
  m.w = nil
  T.eq(#m:parameters(), 0)
  m.w = nn.Parameter(torch.zeros(3))
  T.eq(#m:parameters(), 1)
end)

T.case("shared submodules are counted once", function()
  local shared = nn.Linear(2, 2)
  local seq = nn.Sequential(shared, nn.Tanh(), shared)
  T.eq(#seq:parameters(), 2)
end)

T.case("zero_grad, train and eval", function()
  local m = article_net()(4)
  local out = m(torch.randn(1, 5, 1))
  out:sum():backward()
  T.truthy(m.rnn.weight_ih_l0.grad ~= nil, "gradient arrived")
  m:zero_grad()
  T.eq(m.rnn.weight_ih_l0.grad, nil)
  m:eval()
  T.eq(m.training, false)
  T.eq(m.rnn.training, false)
  m:train()
  T.eq(m.linear.training, true)
end)

T.case("load_state_dict copies values and reports mismatches", function()
  local a, b = nn.Linear(3, 2), nn.Linear(3, 2)
  b:load_state_dict(a:state_dict())
  T.near(b.weight, a.weight, 0)
  T.raises(function() b:load_state_dict({weight = torch.ones(2, 3)}) end, "missing key(s): bias")
  T.raises(function() b:load_state_dict({weight = torch.ones(2, 3), bias = torch.ones(2), extra = torch.ones(1)}) end,
    "unexpected key(s): extra")
  T.raises(function() b:load_state_dict({weight = torch.ones(3, 3), bias = torch.ones(2)}) end,
    "size mismatch for weight: copying a param with shape [3, 3], the shape in the current model is [2, 3]")
  local r = b:load_state_dict({weight = torch.ones(2, 3)}, false)
  T.eq(r.missing_keys[1], "bias")
  T.near(b.weight, torch.ones(2, 3))
end)

T.case("layer reprs match PyTorch's", function()
  T.eq(tostring(nn.LSTM(3, 8, 2, false, false, 0.5, true, 4)),
    "LSTM(3, 8, proj_size=4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)")
  T.eq(tostring(nn.RNN{input_size = 2, hidden_size = 4, nonlinearity = "relu"}), "RNN(2, 4)")
  T.eq(tostring(nn.GRU(3, 6)), "GRU(3, 6)")
  T.eq(tostring(nn.RNNCell(3, 4, true, "relu")), "RNNCell(3, 4, nonlinearity=relu)")
  T.eq(tostring(nn.GRUCell(3, 4, false)), "GRUCell(3, 4, bias=False)")
  T.eq(tostring(nn.Dropout()), "Dropout(p=0.5, inplace=False)")
  T.eq(tostring(nn.Embedding(10, 3)), "Embedding(10, 3)")
  T.eq(tostring(nn.MSELoss()), "MSELoss()")
  T.eq(tostring(nn.Sequential(nn.Linear(2, 3), nn.Tanh())),
    "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Tanh()\n)")
end)

T.case("recurrent shapes: batched, batch_first, unbatched, stacked, bidirectional, projected", function()
  local x = torch.randn(7, 2, 3)
  local lstm = nn.LSTM(3, 5)
  local out, hc = lstm(x)
  T.shape(out, {7, 2, 5}); T.shape(hc[1], {1, 2, 5}); T.shape(hc[2], {1, 2, 5})
  local bf = nn.LSTM{input_size = 3, hidden_size = 5, batch_first = true, num_layers = 2, bidirectional = true}
  out, hc = bf(torch.randn(2, 7, 3))
  T.shape(out, {2, 7, 10}); T.shape(hc[1], {4, 2, 5})
  out, hc = lstm(torch.randn(7, 3))
  T.shape(out, {7, 5}); T.shape(hc[1], {1, 5})
  local proj = nn.LSTM{input_size = 3, hidden_size = 6, proj_size = 2, num_layers = 2}
  out, hc = proj(x)
  T.shape(out, {7, 2, 2}); T.shape(hc[1], {2, 2, 2}); T.shape(hc[2], {2, 2, 6})
  local gru = nn.GRU(3, 4, 3)
  local o, h = gru(x)
  T.shape(o, {7, 2, 4}); T.shape(h, {3, 2, 4})
  local rnn = nn.RNN{input_size = 3, hidden_size = 4, bidirectional = true, nonlinearity = "relu"}
  o, h = rnn(x, torch.zeros(2, 2, 4))
  T.shape(o, {7, 2, 8}); T.shape(h, {2, 2, 4})
  T.truthy(o:min():item() >= 0, "relu outputs are non-negative")
end)

T.case("the last output equals the final state; a state carries across calls", function()
  torch.manual_seed(3)
  local lstm = nn.LSTM(2, 4)
  local x = torch.randn(6, 1, 2)
  local out, hc = lstm(x)
  T.near(out[6], hc[1][1], 1e-6)
  -- running in two halves with the state carried gives the same as running once
  local a, s = lstm(x:narrow(1, 1, 3))
  local b = lstm(x:narrow(1, 4, 3), s)
  T.near(torch.cat({a, b}), out, 1e-6)
end)

T.case("recurrent errors say what was expected and what came", function()
  local lstm = nn.LSTM(1, 10)
  T.raises(function() lstm(torch.randn(5, 1, 3)) end,
    "bad argument #1 to 'LSTM' (input.size(-1) must be equal to input_size. Expected 1, got 3)")
  T.raises(function() lstm(torch.randn(5, 2, 1), {torch.zeros(1, 1, 10), torch.zeros(1, 2, 10)}) end,
    "bad argument #2 to 'LSTM' (expected hidden[0] size [1, 2, 10], got [1, 1, 10])")
  T.raises(function() lstm(torch.randn(2, 3, 4, 1)) end, "expected input to be 2-D or 3-D, got 4-D instead")
  T.raises(function() lstm(torch.randn(5, 2, 1), torch.zeros(1, 2, 10)) end, "the state must be a table {h0, c0}")
  T.raises(function() nn.GRU(1, 4)(torch.randn(3, 1), torch.zeros(1, 1, 4)) end,
    "for unbatched 2-D input, hidden should also be 2-D but got 3-D tensor")
  T.raises(function() lstm("x") end, "bad argument #1 to 'LSTM' (Tensor expected, got string)")
  T.raises(function() nn.LSTM(1, 0) end, "hidden_size must be greater than zero")
  T.raises(function() nn.LSTM{input_size = 1, hidden_size = 4, proj_size = 4} end, "proj_size has to be smaller than hidden_size")
  T.raises(function() nn.LSTM{input_size = 1, hidden = 4} end, "unknown option 'hidden'")
  T.raises(function() nn.LSTM{input_size = 1, hidden_size = "4"} end, "option 'hidden_size' must be a number, got string")
  T.raises(function() nn.LSTM(1) end, "hidden_size (a number) is required")
  T.raises(function() nn.LSTM(1, 2.5) end, "hidden_size must be an integer")
  T.raises(function() nn.RNN{input_size = 1, hidden_size = 2, nonlinearity = "sigmoid"} end, "unknown nonlinearity 'sigmoid'")
  T.raises(function() nn.LSTM{input_size = 1, hidden_size = 2, dropout = 2} end, "dropout should be a number in range [0, 1]")
  -- the error points at the caller's line, not at the prelude
  local err = T.raises(function() lstm(torch.randn(5, 1, 3)) end, "input_size")
  T.truthy(err:find("nn_test.lua:%d+:") ~= nil, "position is the caller's: " .. err)
  local err2 = T.raises(function() nn.LSTM(1) end, "required")
  T.truthy(err2:find("nn_test.lua:%d+:") ~= nil, "position is the caller's: " .. err2)
end)

T.case("gradcheck: fused recurrent kernels in every configuration", function()
  torch.manual_seed(11)
  local function layer_check(name, make, x, stateful)
    local m = make()
    local params = m:parameters()
    local n = #params
    local function f(input, ...)
      local ws = {...}
      local copy = {}
      for i = 1, n do copy[m._flat_weights_names[i]] = ws[i] end
      -- run with the given weights (gradcheck perturbs them in place)
      local out, h = m(input)
      if type(h) == "table" then return out, h[1], h[2] end
      return out, h
    end
    check(name, f, x, table.unpack(params))
  end
  layer_check("lstm", function() return nn.LSTM(2, 3) end, leaf(3, 2, 2))
  layer_check("lstm reverse, 2 layers", function() return nn.LSTM{input_size = 2, hidden_size = 2, num_layers = 2, bidirectional = true} end, leaf(3, 1, 2))
  layer_check("lstm projection without bias", function() return nn.LSTM{input_size = 2, hidden_size = 3, proj_size = 2, bias = false} end, leaf(3, 2, 2))
  layer_check("gru batch_first", function() return nn.GRU{input_size = 2, hidden_size = 3, batch_first = true} end, leaf(2, 3, 2))
  layer_check("gru bidirectional", function() return nn.GRU{input_size = 2, hidden_size = 2, bidirectional = true} end, leaf(3, 2, 2))
  layer_check("rnn tanh", function() return nn.RNN(2, 3, 2) end, leaf(3, 2, 2))
  layer_check("lstm unbatched", function() return nn.LSTM(2, 3) end, leaf(4, 2))
  -- one step of a batch of one, batch first: the layer skips the axis swap both ways
  layer_check("lstm batch_first, one step of one", function() return nn.LSTM{input_size = 2, hidden_size = 3, batch_first = true} end, leaf(1, 1, 2))
  layer_check("gru batch_first, one step of one", function() return nn.GRU{input_size = 2, hidden_size = 3, batch_first = true} end, leaf(1, 1, 2))
end)

T.case("gradcheck: states, linear, embedding, softmax and the losses", function()
  torch.manual_seed(12)
  local lstm = nn.LSTM(2, 3)
  check("lstm h0 c0", function(h0, c0) local o, s = lstm(torch.ones(3, 1, 2), {h0, c0}); return o, s[2] end, leaf(1, 1, 3), leaf(1, 1, 3))
  check("linear", nn.functional.linear, leaf(4, 3), leaf(2, 3), leaf(2))
  check("linear 3-d, no bias", function(x, w) return nn.functional.linear(x, w) end, leaf(2, 4, 3), leaf(2, 3))
  -- no input features: every row is the bias (the rows were counted from the values, none)
  local bias = leaf(5)
  local empty = nn.functional.linear(torch.ones(3, 0), torch.zeros(5, 0), bias)
  T.near(empty, bias:detach():expand(3, 5):contiguous())
  empty:sum():backward()
  T.near(bias.grad, {3, 3, 3, 3, 3})
  local emb = nn.Embedding(5, 3)
  check("embedding", function(w) return nn.functional.embedding(torch.tensor{{1, 3}, {5, 1}}, w) end, emb.weight)
  check("softmax", function(x) return nn.functional.softmax(x, 2) end, leaf(3, 4))
  check("log_softmax", function(x) return nn.functional.log_softmax(x, 1) end, leaf(3, 4))
  local y = torch.randn(3, 4)
  check("mse", function(x) return nn.functional.mse_loss(x, y) end, leaf(3, 4))
  check("mse target", function(t) return nn.functional.mse_loss(y, t, "sum") end, leaf(3, 4))
  check("huber", function(x) return nn.functional.huber_loss(x, y, "none", 0.5) end, leaf(3, 4))
  check("cross entropy", function(x) return nn.functional.cross_entropy(x, torch.tensor{1, 4, 2}) end, leaf(3, 4))
  check("dropout", function(x) torch.manual_seed(5); return nn.functional.dropout(x, 0.3) end, leaf(10))
end)

T.case("dropout: scaled in training, identity in evaluation", function()
  torch.manual_seed(0)
  local d = nn.Dropout(0.5)
  local y = d(torch.ones(1000))
  local zeros = 0
  for _, v in ipairs(y:totable()) do
    if v == 0 then zeros = zeros + 1 else T.eq(v, 2.0) end
  end
  T.truthy(zeros > 400 and zeros < 600, "about half dropped: " .. zeros)
  d:eval()
  T.near(d(torch.ones(10)), torch.ones(10), 0)
  T.near(nn.Dropout(0)(torch.ones(3)), torch.ones(3), 0)
end)

T.case("multi-layer dropout only in training, and deterministic under a seed", function()
  torch.manual_seed(1)
  local lstm = nn.LSTM{input_size = 2, hidden_size = 4, num_layers = 2, dropout = 0.5}
  local x = torch.randn(5, 1, 2)
  torch.manual_seed(9); local a = lstm(x)
  torch.manual_seed(9); local b = lstm(x)
  T.near(a, b, 0)
  lstm:eval()
  local c = lstm(x)
  local d = lstm(x)
  T.near(c, d, 0)
end)

T.case("Sequential: 1-based indexing, PyTorch names, append", function()
  local seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
  T.eq(#seq, 2)
  T.eq(tostring(seq[2]), "ReLU()")
  T.eq(seq[-1], seq[2])
  T.eq(seq[3], nil)
  seq:append(nn.Linear(3, 1))
  T.shape(seq(torch.ones(4, 2)), {4, 1})
  local names = {}
  for n in seq:named_parameters() do names[#names + 1] = n end
  T.eq(table.concat(names, " "), "0.weight 0.bias 2.weight 2.bias")
end)

T.case("embedding looks up 1-based rows; padding_idx gets no gradient", function()
  local e = nn.Embedding(4, 2, 1)
  T.near(e.weight[1], {0, 0}, 0)
  local out = e(torch.tensor{{1, 2}, {4, 4}})
  T.shape(out, {2, 2, 2})
  T.near(out[2][1], e.weight[4], 0)
  out:sum():backward()
  T.near(e.weight.grad[1], {0, 0}, 0)
  T.near(e.weight.grad[4], {2, 2}, 0)
  T.raises(function() e(torch.tensor{5}) end, "index 5 out of range for an embedding of 4 entries")
end)

T.case("clip_grad_norm_ scales gradients to the norm", function()
  local a, b = torch.ones(3, {requires_grad = true}), torch.ones(4, {requires_grad = true})
  a.grad = torch.full({3}, 3.0)
  b.grad = torch.full({4}, 4.0)
  local norm = nn.utils.clip_grad_norm_({a, b}, 5)
  T.near(norm, math.sqrt(9 * 3 + 16 * 4), 1e-6)
  local after = math.sqrt((a.grad ^ 2):sum():item() + (b.grad ^ 2):sum():item())
  T.near(after, 5, 1e-4)
end)

T.case("optimizer state_dict round trip and param_groups", function()
  torch.manual_seed(2)
  local p = torch.randn(3, {requires_grad = true})
  local opt = optim.Adam({p}, {lr = 0.1})
  for _ = 1, 3 do p.grad = torch.ones(3); opt:step() end
  local sd = opt:state_dict()
  T.eq(sd.state[1].step, 3)
  T.eq(sd.param_groups[1].lr, 0.1)
  T.eq(sd.param_groups[1].params[1], 1)
  local q = p:detach():clone():requires_grad_()
  local opt2 = optim.Adam({q}, {lr = 0.5})
  opt2:load_state_dict(sd)
  T.eq(opt2.param_groups[1].lr, 0.1)
  p.grad = torch.ones(3); opt:step()
  q.grad = torch.ones(3); opt2:step()
  T.near(q, p, 0)
  opt.param_groups[1].lr = 0.01
  T.eq(opt.param_groups[1].lr, 0.01)
  T.raises(function() opt.param_groups[1].lr = "x" end, "option 'lr' must be a number")
  T.raises(function() return optim.Adam({p}, {lr = -1}) end, "invalid learning rate: -1.0")
  T.raises(function() return optim.Adam({p}, {betas = {1.5, 0.9}}) end, "invalid beta parameter at index 1")
  T.raises(function() return optim.SGD({p}, {lr = 0.1, nesterov = true}) end, "nesterov momentum requires a momentum")
  T.raises(function() return optim.Adam({}) end, "empty parameter list")
  T.raises(function() return optim.Adam({p}, {lrr = 1}) end, "unknown option 'lrr'")
end)

T.case("parameter groups with their own options", function()
  local a, b = torch.ones(2, {requires_grad = true}), torch.ones(2, {requires_grad = true})
  local opt = optim.SGD({{params = {a}}, {params = {b}, lr = 1}}, {lr = 0.1})
  a.grad = torch.ones(2); b.grad = torch.ones(2)
  opt:step()
  T.near(a, {0.9, 0.9}, 1e-6)
  T.near(b, {0, 0}, 1e-6)
  T.raises(function() optim.SGD({{params = {a}}, {params = {a}}}, 0.1) end, "more than one parameter group")
  T.truthy(tostring(opt):find("Parameter Group 1", 1, true), "prints its groups")
end)

-- word_language_model's --tied: self.decoder.weight = self.encoder.weight
local function tied_model()
  local RNNModel = nn.Module:extend("RNNModel")
  function RNNModel:init(ntoken, ninp)
    self.encoder = nn.Embedding(ntoken, ninp)
    self.rnn = nn.GRU(ninp, ninp)
    self.decoder = nn.Linear(ninp, ntoken)
    self.decoder.weight = self.encoder.weight
  end
  return RNNModel
end

T.case("tied weights: every name in state_dict, once in parameters and named_parameters", function()
  local m = tied_model()(7, 4)
  local sd = m:state_dict()
  T.truthy(sd["encoder.weight"] and sd["decoder.weight"], "both names in state_dict")
  T.eq(torch.equal(sd["encoder.weight"], sd["decoder.weight"]), true)
  local count = 0
  for _ in pairs(sd) do count = count + 1 end
  T.eq(count, 7, "encoder.weight, decoder.weight, decoder.bias and the GRU's four")
  T.eq(#m:parameters(), 6, "the tied tensor once")
  local names = {}
  for name in m:named_parameters() do names[#names + 1] = name end
  table.sort(names)
  T.eq(table.concat(names, " "), "decoder.bias encoder.weight rnn.bias_hh_l0 rnn.bias_ih_l0 rnn.weight_hh_l0 rnn.weight_ih_l0")
  -- a shared module is listed under each of its names too, and a cycle ends
  local Pair = nn.Module:extend("Pair")
  function Pair:init() self.a = nn.Linear(2, 2); self.b = self.a end
  local pair = Pair()
  T.truthy(pair:state_dict()["a.weight"] and pair:state_dict()["b.weight"], "a shared module under both names")
  T.eq(#pair:parameters(), 2)
  local Loop = nn.Module:extend("Loop")
  local loop = Loop()
  loop.lin = nn.Linear(1, 1)
  loop.lin.back = loop
  T.truthy(loop:state_dict()["lin.weight"], "a cycle does not loop forever")
end)

T.case("tied weights: load_state_dict takes the full dict, or one name of the tied pair", function()
  local Model = tied_model()
  torch.manual_seed(3)
  local m = Model(7, 4)
  local dir = os.tmpname()
  torch.save(dir, m:state_dict())
  torch.manual_seed(4)
  local fresh = Model(7, 4)
  fresh:load_state_dict((torch.load(dir)))
  os.remove(dir)
  T.eq(torch.equal(fresh.decoder.weight, m.encoder.weight), true)
  T.eq(rawequal(fresh.decoder.weight, fresh.encoder.weight), true, "still tied")
  -- safetensors' save_model keeps one name of a shared tensor (the first in order)
  local other = Model(7, 4)
  local partial = m:state_dict()
  partial["encoder.weight"] = nil
  local result = other:load_state_dict(partial)
  T.eq(#result.missing_keys, 0)
  T.eq(torch.equal(other.encoder.weight, m.encoder.weight), true)
  partial["decoder.weight"] = nil
  T.raises(function() other:load_state_dict(partial) end, "missing key(s): decoder.weight, encoder.weight")
end)

T.case("clip_grad_value_ clamps every gradient in place", function()
  local a, b, c = torch.ones(3, {requires_grad = true}), torch.ones(2, {requires_grad = true}), torch.ones(1, {requires_grad = true})
  a.grad = torch.tensor{-3, 0.5, 2}
  b.grad = torch.tensor{0.1, -0.2}
  local g = a.grad
  T.eq(nn.utils.clip_grad_value_({a, b, c}, 1), nil)
  T.near(a.grad, {-1, 0.5, 1}, 0)
  T.near(g, {-1, 0.5, 1}, 0, "in place: the same gradient tensor")
  T.near(b.grad, {0.1, -0.2}, 1e-7)
  T.eq(c.grad, nil, "a parameter without a gradient is left alone")
  nn.utils.clip_grad_value_(a, 0.25)
  T.near(a.grad, {-0.25, 0.25, 0.25}, 0)
  T.raises(function() nn.utils.clip_grad_value_({a}, -1) end, "bad argument #2 to 'clip_grad_value_' (clip_value must be a non-negative number, got -1.0)")
end)

T.case("recurrent layers and cells read their parameters at every call", function()
  torch.manual_seed(0)
  local lstm, cell = nn.LSTM(2, 3), nn.GRUCell(2, 3)
  local x = torch.randn(4, 1, 2)
  local before, cell_before = lstm(x), cell(x[1])
  T.truthy(before:abs():sum():item() > 0 and cell_before:abs():sum():item() > 0)
  -- reassigned between calls: the next call uses the new tensors
  for _, name in ipairs(lstm._flat_weights_names) do lstm[name] = torch.zeros(lstm[name]:size()):requires_grad_() end
  for _, name in ipairs(cell._flat_weights_names) do cell[name] = torch.zeros(cell[name]:size()):requires_grad_() end
  -- zero weights: every gate 0.5 and g 0, so c and h stay 0; the GRU's h' is (1 - 0.5) * tanh(0) = 0
  T.near(lstm(x), torch.zeros(4, 1, 3), 0)
  T.near(cell(x[1]), torch.zeros(1, 3), 0)
  -- flat_weights is a fresh list each time: changing it changes nothing
  local w = lstm:flat_weights()
  w[1], w[5] = nil, torch.ones(1)
  T.near(lstm(x), torch.zeros(4, 1, 3), 0)
  T.eq(#lstm:flat_weights(), 4)
  -- a longer list of names once, then the usual one again: no stale weight left at the end
  local names = lstm._flat_weights_names
  lstm._flat_weights_names = {names[1], names[2], names[3], names[4], names[4]}
  T.raises(function() return lstm(x) end, "LSTM expects 4 weights, got 5")
  lstm._flat_weights_names = names
  T.near(lstm(x), torch.zeros(4, 1, 3), 0)
  lstm.weight_hh_l0 = nil
  T.raises(function() return lstm(x) end, "LSTM: parameter weight_hh_l0 was removed")
end)

return T.run()

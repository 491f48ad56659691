-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # An LSTM from tensor primitives
--
-- PyTorch's LSTM, written out with matrix products, `sigmoid` and `tanh`, and
-- autograd doing the backward pass. For each time step, with the gates in
-- PyTorch's order (input, forget, cell, output):
--
--     gates = x W_ih^T + b_ih + h W_hh^T + b_hh
--     i, f, g, o = sigmoid(gates_i), sigmoid(gates_f), tanh(gates_g), sigmoid(gates_o)
--     c' = f * c + i * g
--     h' = o * tanh(c')
--
-- The result is checked against `nn.LSTM` with the same weights: outputs, final
-- states and every gradient.

-- %% The cell, one step at a time
function lstm_step(x, h, c, w)
  local gates = x:matmul(w.weight_ih_l0:t()) + w.bias_ih_l0 + h:matmul(w.weight_hh_l0:t()) + w.bias_hh_l0
  local i, f, g, o = table.unpack(gates:chunk(4, -1))
  i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
  c = f * c + i * g
  h = o * torch.tanh(c)
  return h, c
end

function lstm_forward(input, h, c, w)
  local outputs = {}
  for t = 1, input:size(1) do
    h, c = lstm_step(input[t], h, c, w)
    outputs[t] = h
  end
  return torch.stack(outputs), h, c
end

-- %% The same weights in nn.LSTM
torch.manual_seed(0)
seq_len, batch, input_size, hidden_size = 7, 3, 4, 5
reference = nn.LSTM(input_size, hidden_size)
x = torch.randn(seq_len, batch, input_size)
h0 = torch.randn(1, batch, hidden_size)
c0 = torch.randn(1, batch, hidden_size)

-- the scratch version gets copies of the layer's parameters, as leaves of its own
weights = {}
for name, p in reference:named_parameters() do
  weights[name] = p:detach():clone():requires_grad_()
  print(name, table.concat(p:size(), " x "))
end
--| weight_ih_l0	20 x 4
--| weight_hh_l0	20 x 5
--| bias_ih_l0	20
--| bias_hh_l0	20

-- %% Forward: outputs and final states
out_ref, state_ref = reference(x, {h0, c0})
out, h_n, c_n = lstm_forward(x, h0[1], c0[1], weights)
print("output", torch.allclose(out, out_ref, 1e-5, 1e-6))
print("h_n   ", torch.allclose(h_n, state_ref[1][1], 1e-5, 1e-6))
print("c_n   ", torch.allclose(c_n, state_ref[2][1], 1e-5, 1e-6))
(out - out_ref):abs():max():item() < 1e-6
--| output	true
--| h_n   	true
--| c_n   	true
--= true

-- %% Backward: the same loss, every parameter's gradient
target = torch.randn(seq_len, batch, hidden_size)
loss_ref = ((out_ref - target) ^ 2):mean()
loss = ((out - target) ^ 2):mean()
loss_ref:backward()
loss:backward()
for name, p in reference:named_parameters() do
  print(string.format("%-14s gradients match: %s", name, torch.allclose(weights[name].grad, p.grad, 1e-4, 1e-6)))
end
loss:item()
--| weight_ih_l0   gradients match: true
--| weight_hh_l0   gradients match: true
--| bias_ih_l0     gradients match: true
--| bias_hh_l0     gradients match: true
--= 1.351704955101

-- Fitting sin(x) with a two-layer network written from tensor operations and
-- autograd, trained by plain gradient descent. No nn module: just torch.
--   lstmlua Scripts/examples/autograd_sine.lua [iterations]

local iterations = tonumber(arg and arg[1]) or 2000
torch.manual_seed(0)

local x = torch.linspace(-3, 3, 64):view(-1, 1)
local y = torch.sin(x)

local hidden = 16
local w1 = (torch.randn(1, hidden) * 0.5):requires_grad_()
local b1 = torch.zeros(hidden, {requires_grad = true})
local w2 = (torch.randn(hidden, 1) * 0.5):requires_grad_()
local b2 = torch.zeros(1, {requires_grad = true})
local params = {w1, b1, w2, b2}

local lr = 0.05
for it = 1, iterations do
  local h = torch.tanh(x:matmul(w1) + b1)
  local pred = h:matmul(w2) + b2
  local loss = ((pred - y) ^ 2):mean()
  for _, p in ipairs(params) do p.grad = nil end
  loss:backward()
  torch.no_grad(function()
    for _, p in ipairs(params) do p:add_(p.grad, -lr) end
  end)
  if it == 1 or it % (iterations // 5) == 0 then
    print(string.format("iteration %5d  loss %.6f", it, loss:item()))
  end
end

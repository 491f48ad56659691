-- Regressions of issue 10 that give a wrong answer or an error rather than a crash
-- (the crashing inputs run in a child process, in Tests/CLITests/CrashRegressionTests.swift).
local T = require "testing"

local overlap = "more than one element of the written-to tensor refers to a single memory location"

T.case("in-place writes into tensors whose elements overlap are refused", function()
  local base = torch.zeros(1, 3)
  local x = base:expand(4, 3)
  T.raises(function() x:add_(1) end, "calling 'add_' on bad self (unsupported operation: " .. overlap)
  T.raises(function() x:add_(torch.ones(4, 3)) end, "calling 'add_' on bad self (unsupported")
  T.raises(function() x:mul_(2) end, overlap)
  T.raises(function() x:mul_(torch.ones(3)) end, overlap)
  T.raises(function() x:copy_(torch.ones(4, 3)) end, overlap)
  T.raises(function() x:fill_(1) end, overlap)
  T.raises(function() x:zero_() end, overlap)
  T.raises(function() x:uniform_() end, overlap)
  T.raises(function() x:normal_() end, overlap)
  T.raises(function() torch.zeros(3, 1):expand(3, 4)[1] = 5 end, overlap)
  T.near(base, {0, 0, 0}, 0, "nothing was written")
  -- a row of an expanded tensor does not overlap itself: writing it is allowed, as in PyTorch
  x[2] = torch.tensor({1, 2, 3})
  T.near(base, {1, 2, 3}, 0)
  -- views that only narrow, select or permute stay writable
  local y = torch.zeros(4, 3)
  y:t():add_(1)
  y:narrow(2, 2, 2):fill_(2)
  y:select(1, 4):mul_(3)
  T.near(y, {1, 2, 2, 1, 2, 2, 1, 2, 2, 3, 6, 6}, 0)
end)

T.case("an assigned .grad is its own dense tensor", function()
  local w = torch.zeros(5, {requires_grad = true})
  local one = torch.ones(1)
  w.grad = one:expand(5)
  w.grad:add_(1)
  T.near(w.grad, {2, 2, 2, 2, 2}, 0)
  T.near(one, {1}, 0, "the assigned tensor is not written through")
  local opt = optim.SGD({w}, 0.5)
  opt:zero_grad(false)
  T.near(w.grad, {0, 0, 0, 0, 0}, 0)
  w.grad = torch.arange(10.0):view(2, 5):select(1, 2)
  opt:step()
  T.near(w, {-2.5, -3, -3.5, -4, -4.5})
end)

T.case("dropping one graph keeps the nodes another graph still uses", function()
  local x = torch.ones(2, {requires_grad = true})
  local a = x * 2
  local b, c = a + 1, (a * a) + 2
  for _ = 1, 3 do b = b + a end
  b, a = nil, nil
  collectgarbage()
  c:sum():backward()
  T.near(x.grad, {8, 8})
end)

T.case("ragged nesting in torch.tensor is an error naming where", function()
  -- {{1}, {{2, 3}}} and {{1}, {{}}} trapped: they run in a child process (CrashRegressionTests)
  T.raises(function() return torch.tensor({{1, 1}, {{2}, {3}}}) end, "expected a number at [2][1], got a table")
  T.raises(function() return torch.tensor({{{1}}, {2}}) end, "expected a table at [2][1], got a number")
  T.raises(function() return torch.tensor({{{1, 2}}, {{3, 4}}, {{5, {6}}}}) end, "expected a number at [3][1][2], got a table")
  T.shape(torch.tensor({{{1, 2}}, {{3, 4}}}), {2, 1, 2})
  T.shape(torch.tensor({{}, {}}), {2, 0})
end)

T.case("layers name themselves when their sizes are refused", function()
  T.raises(function() return nn.Linear(2^62, 1) end, "bad argument #1 to 'Linear' (size [1, 4611686018427387904] is too large")
  T.raises(function() return nn.Linear(1, 2^40, false) end, "bad argument #1 to 'Linear' (size [1099511627776, 1] is too large")
  T.raises(function() return nn.Embedding(2^62, 2) end, "bad argument #1 to 'Embedding' (size [4611686018427387904, 2] is too large")
  T.raises(function() return nn.LSTM(10, 1e9) end, "bad argument #1 to 'LSTM' (input_size 10, hidden_size 1000000000")
end)

return T.run()

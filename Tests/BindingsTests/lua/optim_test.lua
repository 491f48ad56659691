-- Optimizers as ported PyTorch scripts use them: step(closure).
local T = require "testing"

local kinds = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}

-- (w - 3)² for a fresh w = 0: the closure's loss, and the gradient it leaves.
local function problem()
  local w = torch.zeros(1, {requires_grad = true})
  local calls = 0
  local function closure()
    calls = calls + 1
    local loss = ((w - 3) ^ 2):sum()
    loss:backward()
    return loss
  end
  return w, closure, function() return calls end
end

T.case("step(closure) calls the closure once, updates, and returns its loss", function()
  for _, kind in ipairs(kinds) do
    local w, closure, calls = problem()
    local opt = optim[kind]({w}, {lr = 0.1})
    local loss = opt:step(closure)
    T.eq(calls(), 1, kind .. " calls")
    T.truthy(torch.is_tensor(loss), kind .. " returns the closure's loss")
    T.near(loss, 9, 1e-6, kind .. " loss")
    T.truthy(w:item() > 0, kind .. " moved w towards 3 (w = " .. w:item() .. ")")
    -- the same update as computing the gradient first and calling step()
    local v = torch.zeros(1, {requires_grad = true})
    local reference = optim[kind]({v}, {lr = 0.1});
    ((v - 3) ^ 2):sum():backward()
    T.eq(reference:step(), nil, kind .. " step() without a closure returns nothing")
    T.near(w, v, 0, kind .. " same update")
  end
end)

T.case("the closure runs with gradients recorded, even inside no_grad", function()
  local w, closure = problem()
  local opt = optim.SGD({w}, 0.1)
  local recorded
  torch.no_grad(function()
    opt:step(function()
      recorded = torch.is_grad_enabled()
      return closure()
    end)
    T.eq(torch.is_grad_enabled(), false, "no_grad is back after the step")
  end)
  T.eq(recorded, true)
  T.near(w, {0.6}, 1e-6)
end)

T.case("whatever the closure returns comes back; training converges through it", function()
  local w = torch.zeros(1, {requires_grad = true})
  local opt = optim.SGD({w}, 0.1)
  T.eq(opt:step(function() return 42 end), 42)
  local last
  for _ = 1, 100 do
    last = opt:step(function()
      opt:zero_grad()
      local loss = ((w - 3) ^ 2):sum()
      loss:backward()
      return loss
    end)
  end
  T.near(w, {3}, 1e-4)
  T.truthy(last:item() < 1e-6, "the last loss is near 0")
end)

T.case("a closure that raises propagates its error and updates nothing", function()
  local w = torch.zeros(1, {requires_grad = true})
  w.grad = torch.ones(1)
  local opt = optim.Adam({w}, 0.1)
  local err = T.raises(function() opt:step(function() error("closure failed here") end) end, "closure failed here")
  T.truthy(err:find("optim_test.lua:%d+: closure failed here"), "the closure's own position: " .. err)
  T.near(w, {0}, 0, "no update")
  local tbl = {}
  local ok, value = pcall(opt.step, opt, function() error(tbl) end)
  T.eq(ok, false)
  T.eq(value, tbl, "a non-string error value comes through as it was")
  T.eq(torch.is_grad_enabled(), true, "recording is back on")
  T.raises(function() opt:step(5) end, "bad argument #1 to 'step' (function expected, got number)")
end)

return T.run()

-- optim.LBFGS against PyTorch's trajectories (Tests/Fixtures/extra/opt_lbfgs_*,
-- made by make_extra.py): the parameters after every step, the loss each step
-- returns and the number of closure evaluations, with and without the strong-Wolfe
-- line search; then its behaviour as a user meets it.
local T = require "testing"
local references = require "references"

local function reference(name)
  return references.load(FIXTURES .. "/extra/" .. name .. ".safetensors")
end

local function rosenbrock(p)
  local x, y = p:select(1, 1), p:select(1, 2)
  return (1 - x) ^ 2 + 100 * (y - x ^ 2) ^ 2
end

for _, name in ipairs({"opt_lbfgs_rosenbrock", "opt_lbfgs_rosenbrock_wolfe", "opt_lbfgs_linear", "opt_lbfgs_linear_wolfe"}) do
  T.case("LBFGS step for step with PyTorch: " .. name, function()
    local g, c = reference(name)
    local params = {}
    for i = 1, c.params do params[i] = g["p" .. i .. ".0"]:clone():requires_grad_() end
    local f
    if c.problem == "rosenbrock" then
      f = function() return rosenbrock(params[1]) end
    else
      f = function() return nn.functional.mse_loss(nn.functional.linear(g.x, params[1], params[2]), g.y) end
    end
    local opt = optim.LBFGS(params, c.options)
    local function closure()
      opt:zero_grad()
      local loss = f()
      loss:backward()
      return loss
    end
    for k = 1, c.steps do
      local loss = opt:step(closure)
      T.near(loss, g["loss." .. k], 1e-5, string.format("%s: loss returned by step %d", name, k))
      for i = 1, c.params do
        T.near(params[i], g["p" .. i .. "." .. k], 1e-4, string.format("%s: parameter %d after step %d", name, i, k))
      end
      T.eq(opt.state.func_evals, c.func_evals[k], string.format("%s: closure calls after step %d", name, k))
    end
  end)
end

T.case("LBFGS with strong Wolfe takes Rosenbrock to (1, 1), never raising the loss between steps", function()
  local p = torch.tensor({-1.2, 1}, {requires_grad = true})
  local opt = optim.LBFGS({p}, {line_search_fn = "strong_wolfe", max_iter = 10})
  local last = math.huge
  for _ = 1, 10 do
    local loss = opt:step(function()
      opt:zero_grad()
      local l = rosenbrock(p)
      l:backward()
      return l
    end):item()
    T.truthy(loss <= last, string.format("loss rose from %g to %g", last, loss))
    last = loss
  end
  T.near(p, {1, 1}, 1e-3)
  T.truthy(rosenbrock(p):item() < 1e-6)
end)

T.case("LBFGS: closure results, grad mode, options, errors", function()
  local p = torch.tensor({3.0}, {requires_grad = true})
  local opt = optim.LBFGS({p}, 0.5)
  T.truthy(tostring(opt):find("lr: 0.5", 1, true))
  T.truthy(tostring(opt):find("max_eval: 25", 1, true))
  local recorded
  local first = opt:step(torch.no_grad(function()
    return function()
      recorded = torch.is_grad_enabled()
      opt:zero_grad()
      local l = (p * p):sum()
      l:backward()
      return l
    end
  end))
  T.truthy(recorded, "the closure runs with gradients recorded")
  T.eq(first:item(), 9, "step returns the closure's first loss")
  T.truthy(math.abs(p:item()) < 3, "the step moved p downhill")
  -- a number is a loss too; a converged problem stops after one call
  local q = torch.zeros(1, {requires_grad = true})
  local o2 = optim.LBFGS({q})
  local calls = 0
  T.eq(o2:step(function() calls = calls + 1; q.grad = torch.zeros(1); return 0.25 end), 0.25)
  T.eq(calls, 1)
  T.raises(function() opt:step() end, "bad argument #1 to 'step' (LBFGS needs a closure")
  T.raises(function() opt:step(function() return "x" end) end, "the closure must return the loss")
  T.raises(function() opt:step(function() error("boom") end) end, "boom")
  T.raises(function() optim.LBFGS({p}, {line_search_fn = "armijo"}) end, "only 'strong_wolfe' is supported")
  T.raises(function() optim.LBFGS({p}, {history = 3}) end, "unknown option 'history'")
  T.raises(function() optim.LBFGS({}) end, "empty parameter list")
  T.raises(function() optim.LBFGS({p * 2}) end, "can't optimize a non-leaf Tensor")
  T.raises(function() optim.LBFGS({p}, {max_iter = 0}) end, "bad argument #2 to 'LBFGS' (max_iter must be at least 1, got 0)")
  T.truthy(tostring(optim.LBFGS({p}, {max_iter = math.maxinteger})):find("max_eval: " .. math.maxinteger, 1, true),
           "max_eval defaults to max_iter * 5 // 4, kept within an integer")
end)

T.case("LBFGS: options in param_groups, read at every step", function()
  local function run(lr_at_build, lr_later)
    local p = torch.tensor({-1.5, 2}, {requires_grad = true})
    local opt = optim.LBFGS({p}, {lr = lr_at_build, max_iter = 3})
    if lr_later then opt.param_groups[1].lr = lr_later end
    opt:step(function() opt:zero_grad(); local l = rosenbrock(p); l:backward(); return l end)
    return p, opt
  end
  local a = run(1, 0.25)
  local b, opt = run(0.25)
  T.near(a, b, 0, "lr set through param_groups is the lr used")
  local g = opt.param_groups[1]
  T.eq(g.lr, 0.25); T.eq(g.max_iter, 3); T.eq(g.max_eval, 3); T.eq(g.history_size, 100)
  T.eq(#g.params, 1)
  g.max_iter = 1
  local before = opt.state.n_iter
  opt:step(function() opt:zero_grad(); local l = rosenbrock(b); l:backward(); return l end)
  T.eq(opt.state.n_iter, before + 1, "one iteration after max_iter = 1")
  g.history_size = 0
  T.raises(function() opt:step(function() return 1 end) end, "history_size must be at least 1, got 0")
  g.history_size = 0 / 0
  T.raises(function() opt:step(function() return 1 end) end, "history_size must be at least 1")
end)

return T.run()

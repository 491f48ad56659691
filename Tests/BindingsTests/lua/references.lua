-- PyTorch references stored as safetensors with a JSON "config" in their metadata
-- (Tests/Fixtures/golden and extra), and the checks the test files share.
local T = require "testing"

local R = {}

--- The tensors of a reference file and its decoded config.
function R.load(path)
  local tensors, meta = torch.load(path)
  return tensors, json.decode(meta.config)
end

--- Replays an optimizer trajectory: p.0 stepped with grad.k must give p.k (config: optimizer, steps, options).
function R.optimizer_trajectory(g, c, name, tolerance)
  local p = g["p.0"]:clone():requires_grad_()
  local options = {}
  for k, v in pairs(c) do
    if k ~= "optimizer" and k ~= "steps" then options[k] = v end
  end
  local opt = optim[c.optimizer]({p}, options)
  for k = 1, c.steps do
    p.grad = g["grad." .. k]
    opt:step()
    T.near(p, g["p." .. k], tolerance or 1e-6, string.format("%s after step %d", name, k))
  end
end

return R

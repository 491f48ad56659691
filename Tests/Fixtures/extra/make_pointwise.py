"""PyTorch's results for lstmlua's vectorised, threaded float32 kernels at a size
that reaches their threaded path ([700, 4000], 2.8 M values): exp, tanh, sigmoid,
softmax and log_softmax (last dimension) forward and backward, the four arithmetic
ops (also in place), sum, clip_grad_norm_, two Adam steps and nn.Linear 200 -> 4000.
Whole outputs would be 11 MB each, so each is kept as the sums of its rows' absolute
values (in float64) and every 9973rd value; a small tensor of special values
(infinities, NaN, huge and tiny) is kept whole.

Inputs come from a formula both sides evaluate (float64, then float32):
  x[i] = 6·sin(0.0013·i) + 2·sin(0.071·i),  g[i] = cos(0.0029·i),  i = 0, 1, ...

  python make_pointwise.py   (writes pointwise_large.safetensors here)
"""
import json
import os
import torch
from safetensors.torch import save_file

torch.set_num_threads(1)
R, C = 700, 4000
i = torch.arange(R * C, dtype=torch.float64)
x = (6 * torch.sin(0.0013 * i) + 2 * torch.sin(0.071 * i)).float().view(R, C)
y = (2 * torch.cos(0.0007 * i) + 2.5).float().view(R, C)   # positive: a divisor
g = torch.cos(0.0029 * i).float().view(R, C)

out = {}
def keep(name, t):
    t = t.detach()
    out[name + ".rows"] = t.double().abs().sum(1).float()
    out[name + ".sample"] = t.reshape(-1)[::9973].clone()

for name in ["exp", "tanh", "sigmoid"]:
    a = x.clone().requires_grad_()
    r = getattr(torch, name)(a)
    r.backward(g)
    keep(name, r); keep(name + ".grad", a.grad)
for name, f in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
    a = x.clone().requires_grad_()
    r = f(a, 1)
    r.backward(g)
    keep(name, r); keep(name + ".grad", a.grad)
for name, f in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div)]:
    a, b = x.clone().requires_grad_(), y.clone().requires_grad_()
    r = f(a, b)
    r.backward(g)
    keep(name, r); keep(name + ".grad_a", a.grad); keep(name + ".grad_b", b.grad)
    keep(name + "_scalar", f(x, 1.7))
out["sum"] = x.sum().reshape(1)
p, q = torch.nn.Parameter(torch.zeros(R, C)), torch.nn.Parameter(torch.zeros(1000))
p.grad, q.grad = x.clone(), torch.arange(1000, dtype=torch.float32) / 100
# PyTorch's norm sums in float32 (3e-5 off here); lstmlua's in double, as this is
out["clip.norm_exact"] = (p.grad.double().pow(2).sum() + q.grad.double().pow(2).sum()).sqrt().reshape(1)
out["clip.norm"] = torch.nn.utils.clip_grad_norm_([p, q], 5.0).reshape(1)
keep("clip.grad_p", p.grad); out["clip.grad_q"] = q.grad.clone()

a = torch.nn.Parameter(x.clone())
opt = torch.optim.Adam([a], lr=0.01)
for k in range(2):
    a.grad = g * (k + 1)
    opt.step()
keep("adam", a)

# nn.Linear 200 -> 4000 over 700 rows: its bias broadcast to 2.8 M outputs before the
# product, its bias gradient the column sums of a [700, 4000] gradient
k = torch.arange(4000 * 200, dtype=torch.float64)
lin = torch.nn.Linear(200, 4000)
with torch.no_grad():
    lin.weight.copy_((0.05 * torch.sin(0.0017 * k)).float().view(4000, 200))
    lin.bias.copy_(torch.cos(0.013 * torch.arange(4000, dtype=torch.float64)).float())
a = x[:, :200].clone().requires_grad_()
r = lin(a)
r.backward(g)
keep("linear", r); keep("linear.grad_x", a.grad); keep("linear.grad_w", lin.weight.grad)
out["linear.grad_b"] = lin.bias.grad.clone()
# in place, as optimizers and gradient accumulation write
keep("add_alpha", x.clone().add_(g, alpha=-0.1))
keep("mul_", x.clone().mul_(y))
keep("div_one_value", x.clone().div_(torch.tensor(1.7)))

special = torch.tensor([float("-inf"), float("inf"), float("nan"), -1e4, -104.5, -88.0, -20.0, -1e-30, 0.0,
                        1e-30, 0.5, 0.625, 0.626, 9.0, 88.5, 89.5, 1e4] + [0.37 * k - 3 for k in range(15)])
for name in ["exp", "tanh", "sigmoid"]:
    out["special." + name] = getattr(torch, name)(special)
rows = torch.tensor([[0.0, 1.0, 2.0, 3.0], [float("-inf"), 0.0, float("-inf"), 1.0], [1e4, -1e4, 0.0, 1e4],
                     [float("-inf")] * 4, [float("nan"), 0.0, 1.0, 2.0], [float("inf"), 0.0, 1.0, 2.0]])
out["special.rows"] = rows
out["special.softmax"] = torch.softmax(rows, 1)
out["special.log_softmax"] = torch.log_softmax(rows, 1)
save_file({k: v.contiguous() for k, v in out.items()}, metadata={"config": json.dumps({"rows": R, "cols": C, "every": 9973})},
          filename=os.path.join(os.path.dirname(os.path.abspath(__file__)), "pointwise_large.safetensors"))

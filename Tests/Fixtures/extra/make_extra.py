#!/usr/bin/env python3
"""More PyTorch references for lstmlua's tests, beyond ../golden: the optimizer
variants and learning-rate schedulers that set does not cover, losses, and a
small training run with every recurrent kind. Same conventions as make_golden.py.

Usage: make_extra.py OUT_DIR   (needs torch, numpy, safetensors)
"""
import json, math, os, sys
import torch, torch.nn as nn
from safetensors.torch import save_file

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)

def save(name, tensors, meta):
    tensors = {k: v.detach().contiguous().float() for k, v in tensors.items()}
    save_file(tensors, os.path.join(out_dir, name + ".safetensors"), metadata={"config": json.dumps(meta, sort_keys=True)})

def optimizer_case(name, seed, opt_name, steps=5, **kw):
    torch.manual_seed(seed)
    p = nn.Parameter(torch.randn(3, 4))
    grads = [torch.randn(3, 4) for _ in range(steps)]
    opt = getattr(torch.optim, opt_name)([p], **kw)
    t = {"p.0": p.detach().clone()}
    for k, g in enumerate(grads, 1):
        p.grad = g.clone(); opt.step()
        t["grad.%d" % k] = g; t["p.%d" % k] = p.detach().clone()
    save(name, t, dict(optimizer=opt_name, steps=steps, **kw))

optimizer_case("opt_sgd_plain", 21, "SGD", lr=0.05)
optimizer_case("opt_sgd_dampening", 22, "SGD", lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.05)
optimizer_case("opt_adam_amsgrad_wd", 23, "Adam", lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)
optimizer_case("opt_adamw_amsgrad", 24, "AdamW", lr=0.01, amsgrad=True, maximize=True)
optimizer_case("opt_rmsprop_centered", 25, "RMSprop", lr=0.01, alpha=0.95, centered=True, momentum=0.5, weight_decay=0.01)
optimizer_case("opt_adagrad", 26, "Adagrad", lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1)

def scheduler_case(name, make, epochs=12):
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step(); sched.step(); lrs.append(opt.param_groups[0]["lr"])
    return lrs

lrs = {
    "step": scheduler_case("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "exponential": scheduler_case("exp", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "cosine": scheduler_case("cos", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01), epochs=16),
}
save("schedulers", {k: torch.tensor(v, dtype=torch.float64) for k, v in lrs.items()},
     dict(lr=0.5, step=dict(step_size=3, gamma=0.5), exponential=dict(gamma=0.9), cosine=dict(T_max=5, eta_min=0.01)))

# Losses and their gradients, every reduction.
torch.manual_seed(30)
x = torch.randn(4, 5, requires_grad=True); y = torch.randn(4, 5)
logits = torch.randn(4, 5, requires_grad=True); classes = torch.tensor([0, 3, 4, 1]); probs = torch.softmax(torch.randn(4, 5), 1)
t = {"x": x, "y": y, "logits": logits, "classes": classes.float() + 1, "probs": probs}
for red in ["mean", "sum", "none"]:
    for lname, f in [("mse", lambda: nn.functional.mse_loss(x, y, reduction=red)),
                     ("l1", lambda: nn.functional.l1_loss(x, y, reduction=red)),
                     ("huber", lambda: nn.functional.huber_loss(x, y, reduction=red, delta=0.7)),
                     ("ce", lambda: nn.functional.cross_entropy(logits, classes, reduction=red)),
                     ("ce_probs", lambda: nn.functional.cross_entropy(logits, probs, reduction=red)),
                     ("ce_smooth", lambda: nn.functional.cross_entropy(logits, classes, reduction=red, label_smoothing=0.2))]:
        x.grad = None; logits.grad = None
        v = f(); t["%s.%s" % (lname, red)] = v
        v.sum().backward() if red == "none" else v.backward()
        src = logits if lname.startswith("ce") else x
        t["%s.%s.grad" % (lname, red)] = src.grad.clone()
save("losses", t, dict(huber_delta=0.7, label_smoothing=0.2))

# Default initialisation under a seed: lstmlua's generator reproduces PyTorch's draws.
torch.manual_seed(0)
t = {}
for name, m in [("lstm", nn.LSTM(3, 5, 2, bidirectional=True)), ("gru", nn.GRU(2, 4)), ("rnn", nn.RNN(2, 3)),
                ("linear", nn.Linear(4, 2)), ("lstmcell", nn.LSTMCell(3, 4))]:
    for k, v in m.state_dict().items(): t[name + "." + k] = v
t["rand"] = torch.rand(7); t["randn"] = torch.randn(5); t["randint"] = torch.randint(0, 10, (6,)).float()
t["randperm"] = torch.randperm(8).float() + 1
save("seeded_init", t, dict(seed=0, order="LSTM(3,5,2,bidirectional) GRU(2,4) RNN(2,3) Linear(4,2) LSTMCell(3,4) rand(7) randn(5) randint(0,10,(6,)) randperm(8)+1"))

# Cells, one step, with gradients.
torch.manual_seed(31)
t = {}
for kind, cell in [("lstm", nn.LSTMCell(3, 4)), ("gru", nn.GRUCell(3, 4)), ("rnn", nn.RNNCell(3, 4, nonlinearity="relu"))]:
    x = torch.randn(2, 3, requires_grad=True); h = torch.randn(2, 4, requires_grad=True)
    for k, v in cell.state_dict().items(): t["%s.%s" % (kind, k)] = v
    t[kind + ".x"] = x; t[kind + ".h"] = h
    if kind == "lstm":
        c = torch.randn(2, 4, requires_grad=True); t[kind + ".c"] = c
        h1, c1 = cell(x, (h, c)); loss = (h1 * torch.arange(8.).view(2, 4)).sum() + (c1 ** 2).sum()
        t[kind + ".h1"] = h1; t[kind + ".c1"] = c1
    else:
        h1 = cell(x, h); loss = (h1 * torch.arange(8.).view(2, 4)).sum(); t[kind + ".h1"] = h1
    loss.backward()
    t[kind + ".grad.x"] = x.grad; t[kind + ".grad.h"] = h.grad
    for k, p in cell.named_parameters(): t["%s.grad.%s" % (kind, k)] = p.grad
save("cells", t, dict(loss="sum(h1 * arange(8).view(2,4)) [+ sum(c1^2)]"))

# L-BFGS: several steps (each up to max_iter iterations) on the Rosenbrock function and on a
# linear least-squares fit, with and without the strong-Wolfe line search. Stored: the
# parameters before and after each step, the loss each step returns, and the evaluation count.
def lbfgs_case(name, problem, steps, **kw):
    torch.manual_seed(40)
    if problem == "rosenbrock":
        params = [nn.Parameter(torch.tensor([-1.5, 2.0]))]
        data = {}
        def f():
            x, y = params[0][0], params[0][1]
            return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    else:
        lin = nn.Linear(3, 2)
        params = [lin.weight, lin.bias]
        data = {"x": torch.randn(8, 3), "y": torch.randn(8, 2)}
        def f():
            return nn.functional.mse_loss(nn.functional.linear(data["x"], params[0], params[1]), data["y"])
    opt = torch.optim.LBFGS(params, **kw)
    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss
    t = dict(data)
    for i, p in enumerate(params): t["p%d.0" % (i + 1)] = p.detach().clone()
    evals = []
    for k in range(1, steps + 1):
        t["loss.%d" % k] = opt.step(closure).detach().clone()
        for i, p in enumerate(params): t["p%d.%d" % (i + 1, k)] = p.detach().clone()
        evals.append(opt.state[params[0]]["func_evals"])
    save(name, t, dict(problem=problem, steps=steps, params=len(params), func_evals=evals, options=kw))

# Rosenbrock's valley amplifies rounding: these settings keep PyTorch's own float32 and
# float64 runs within 5e-5 of each other (20 iterations a step do not: they part by 1e-2);
# past convergence the count of line-search evaluations turns on single roundings, so the
# Wolfe fit stops at 2 steps.
lbfgs_case("opt_lbfgs_rosenbrock", "rosenbrock", 3, lr=1, max_iter=4, history_size=10)
lbfgs_case("opt_lbfgs_rosenbrock_wolfe", "rosenbrock", 3, lr=1, max_iter=4, history_size=10, line_search_fn="strong_wolfe")
lbfgs_case("opt_lbfgs_linear", "linear", 3, lr=0.5, max_iter=5)
lbfgs_case("opt_lbfgs_linear_wolfe", "linear", 2, lr=1, max_iter=4, history_size=3, line_search_fn="strong_wolfe")

# Class-index losses: cross_entropy (fused in lstmlua) and nll_loss, with class weights,
# ignore_index, label smoothing and every reduction, on [N, C] and [N, C, d] inputs.
# Targets are stored 1-based; the ignored class is 3 (PyTorch's 2).
torch.manual_seed(41)
t = {"logits": torch.randn(6, 5), "logits3": torch.randn(2, 5, 3), "weight": torch.rand(5) + 0.5}
classes = torch.tensor([0, 2, 4, 1, 2, 3]); classes3 = torch.tensor([[0, 2, 4], [1, 1, 3]])
t["classes"] = classes.float() + 1; t["classes3"] = classes3.float() + 1
cases = []
for layout in ["2d", "3d"]:
    for weighted in [False, True]:
        for ignore in [False, True]:
            for smoothing in [0.0, 0.15]:
                for red in ["mean", "sum", "none"]:
                    for kind in ["ce", "nll"]:
                        if kind == "nll" and smoothing > 0: continue
                        src = (t["logits"] if layout == "2d" else t["logits3"]).clone().requires_grad_()
                        target = classes if layout == "2d" else classes3
                        kw = dict(reduction=red, ignore_index=2 if ignore else -100, weight=t["weight"] if weighted else None)
                        if kind == "ce":
                            v = nn.functional.cross_entropy(src, target, label_smoothing=smoothing, **kw)
                        else:
                            v = nn.functional.nll_loss(torch.log_softmax(src, 1), target, **kw)
                        key = "%s.%s.w%d.i%d.s%d.%s" % (kind, layout, weighted, ignore, smoothing > 0, red)
                        (v.sum() if red == "none" else v).backward()
                        t[key] = v; t[key + ".grad"] = src.grad.clone(); cases.append(key)
save("class_losses", t, dict(cases=cases, ignore_index=3, label_smoothing=0.15))

# Tensor operations of issue 15, with the gradients of a weighted sum of each result
# (weights 1, 2, 3, ... in row-major order). Indices are stored 1-based.
torch.manual_seed(42)
x = torch.randn(3, 4, 5); x[0, 0, :3] = 0.5; x[2, 1, 1] = x[2, 1, 3]   # ties, for sort's order
distinct = torch.randperm(60).float().view(3, 4, 5) / 7 - 4             # no ties, for topk's indices
t = {"x": x, "distinct": distinct}
def weighted(v):
    return (v * torch.arange(1, v.numel() + 1, dtype=v.dtype).view(v.shape)).sum()
def record(name, fn, src=x):
    a = src.clone().requires_grad_()
    out = fn(a)
    if isinstance(out, tuple):
        values, indices = out
        t[name + ".indices"] = indices.float() + 1
    else:
        values = out
    t[name] = values
    weighted(values).backward()
    t[name + ".grad"] = a.grad
for d in range(3):
    for desc in [False, True]:
        record("sort.%d.%d" % (d + 1, desc), lambda a: tuple(a.sort(dim=d, descending=desc, stable=True)))
    record("cumsum.%d" % (d + 1), lambda a: a.cumsum(d))
    record("argmax.%d" % (d + 1), lambda a: (a.max(d).values, a.argmax(d)))
for largest in [False, True]:
    record("topk.3.%d" % largest, lambda a: tuple(a.topk(3, dim=2, largest=largest)), distinct)
    record("topk.1.%d" % largest, lambda a: tuple(a.topk(2, dim=0, largest=largest)), distinct)
for corr in [0, 1, 2]:
    record("var.all.%d" % corr, lambda a: a.var(correction=corr))
    record("var.2.%d" % corr, lambda a: a.var(dim=1, correction=corr, keepdim=True))
    record("std.3.%d" % corr, lambda a: a.std(dim=2, correction=corr))
record("flip", lambda a: a.flip(0, 2))
record("roll", lambda a: a.roll((1, -2), (0, 2)))
record("repeat", lambda a: a.repeat(2, 1, 1, 2))
mask = (torch.rand(4, 5) > 0.5).float(); t["mask"] = mask
record("masked_fill", lambda a: a.masked_fill(mask.bool(), -2.5))
y = x.clone(); y[1] = 0.5; t["y"] = y                                   # ties with x in places
record("maximum", lambda a: torch.maximum(a, y))
save("tensor_ops", t, dict(grad="weighted sum, weights 1..n row-major", mask="0/1 float", maximum_other="y"))

#!/usr/bin/env python3
"""float64 references for lstmlua's dtype tests, computed by PyTorch in float64
(the tensors are stored as F64, so the files also test reading float64 as itself).

- lstm_float64, gru_float64, rnn_float64: a layer's outputs and gradients, as the
  float32 golden set's recurrent cases (same tensor names), in float64.
- opt_*_float64: optimizer trajectories as the golden set's opt_* files, in float64.
- article_float64: the article's training run (seed_train in ../golden/make_golden.py)
  with the model converted by .double() after its float32 initialisation, as
  pytorch/examples time_sequence_prediction does, and float64 windows.

Usage: make_float64.py OUT_DIR   (needs torch, numpy, safetensors)
"""
import json, os, sys
import numpy as np
import torch, torch.nn as nn
from safetensors.torch import save_file

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)

def save(name, tensors, meta):
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    for k, v in tensors.items():
        assert v.dtype == torch.float64, (name, k, v.dtype)
    save_file(tensors, os.path.join(out_dir, name + ".safetensors"), metadata={"config": json.dumps(meta, sort_keys=True)})

def recurrent_case(name, kind, seed, I, H, L, B, T, **kw):
    torch.manual_seed(seed)
    layer = getattr(nn, kind)(I, H, L, **kw).double()
    batch_first = kw.get("batch_first", False)
    x = torch.randn(B, T, I, dtype=torch.float64) if batch_first else torch.randn(T, B, I, dtype=torch.float64)
    x.requires_grad_()
    D = 2 if kw.get("bidirectional") else 1
    h0 = torch.randn(D * L, B, H, dtype=torch.float64, requires_grad=True)
    t = {"x": x, "h0": h0}
    if kind == "LSTM":
        c0 = torch.randn(D * L, B, H, dtype=torch.float64, requires_grad=True)
        out, (hn, cn) = layer(x, (h0, c0))
        t.update(c0=c0, c_n=cn)
    else:
        out, hn = layer(x, h0)
    g_out, g_h = torch.randn_like(out), torch.randn_like(hn)
    loss = (out * g_out).sum() + (hn * g_h).sum()
    if kind == "LSTM":
        g_c = torch.randn_like(cn); loss = loss + (cn * g_c).sum(); t["g_c"] = g_c
    loss.backward()
    t.update(out=out, h_n=hn, g_out=g_out, g_h=g_h)
    t["grad.x"], t["grad.h0"] = x.grad, h0.grad
    if kind == "LSTM": t["grad.c0"] = c0.grad
    for k, p in layer.named_parameters():
        t[k] = p; t["grad." + k] = p.grad
    meta = dict(kind=kind, input_size=I, hidden_size=H, num_layers=L, bias=True, batch_first=batch_first,
                bidirectional=kw.get("bidirectional", False), proj_size=0, nonlinearity=kw.get("nonlinearity", "tanh"),
                unbatched=False, zero_state=False)
    save(name, t, meta)

def optimizer_case(name, seed, opt_name, steps=5, **kw):
    torch.manual_seed(seed)
    p = nn.Parameter(torch.randn(3, 4, dtype=torch.float64))
    grads = [torch.randn(3, 4, dtype=torch.float64) for _ in range(steps)]
    opt = getattr(torch.optim, opt_name)([p], **kw)
    t = {"p.0": p.detach().clone()}
    for k, g in enumerate(grads, 1):
        p.grad = g.clone(); opt.step()
        t["grad.%d" % k] = g; t["p.%d" % k] = p.detach().clone()
    save(name, t, dict(optimizer=opt_name, steps=steps, **kw))

def article_case(name, seed, hidden_size=10, iters=100, lr=0.01, span=10, num_points=50, start_max=10):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    starts = rng.randint(start_max, size=iters)
    rnn = nn.LSTM(1, hidden_size, 1, batch_first=True); lin = nn.Linear(hidden_size, 1)
    rnn.double(); lin.double()
    t = {}
    for k, v in rnn.state_dict().items(): t["init.rnn." + k] = v.clone()
    for k, v in lin.state_dict().items(): t["init.linear." + k] = v.clone()
    opt = torch.optim.Adam(list(rnn.parameters()) + list(lin.parameters()), lr)
    hidden = (torch.zeros(1, 1, hidden_size, dtype=torch.float64), torch.zeros(1, 1, hidden_size, dtype=torch.float64))
    losses = []
    for it in range(iters):
        ts = np.linspace(starts[it], starts[it] + span, num_points)
        d = np.sin(ts).reshape(num_points, 1)
        x = torch.tensor(d[:-1]).view(1, num_points - 1, 1)
        y = torch.tensor(d[1:]).view(1, num_points - 1, 1)
        if it == 0: t["x.1"], t["y.1"] = x, y
        out, hidden = rnn(x, hidden)
        out = lin(out.reshape(-1, hidden_size)).unsqueeze(0)
        hidden = (hidden[0].detach(), hidden[1].detach())
        loss = nn.functional.mse_loss(out, y)
        opt.zero_grad(); loss.backward(); opt.step()
        losses.append(loss.item())
    for k, v in rnn.state_dict().items(): t["final.rnn." + k] = v.clone()
    for k, v in lin.state_dict().items(): t["final.linear." + k] = v.clone()
    t["final.h"], t["final.c"] = hidden
    t["losses"] = torch.tensor(losses, dtype=torch.float64)
    t["starts"] = torch.tensor(starts, dtype=torch.float64)
    save(name, t, dict(kind="article_float64", seed=seed, hidden_size=hidden_size, iters=iters, lr=lr,
                       span=span, num_points=num_points, optimizer="Adam", loss="MSELoss"))

recurrent_case("lstm_float64", "LSTM", 41, I=3, H=5, L=2, B=2, T=4)
recurrent_case("gru_float64", "GRU", 42, I=2, H=4, L=1, B=3, T=5, batch_first=True, bidirectional=True)
recurrent_case("rnn_float64", "RNN", 43, I=3, H=4, L=2, B=2, T=3, nonlinearity="relu")
optimizer_case("opt_adam_float64", 44, "Adam", lr=0.01)
optimizer_case("opt_sgd_float64", 45, "SGD", lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
optimizer_case("opt_rmsprop_float64", 46, "RMSprop", lr=0.01, alpha=0.9, centered=True, momentum=0.3)
optimizer_case("opt_adagrad_float64", 47, "Adagrad", lr=0.1, lr_decay=0.01)
article_case("article_float64", 0)

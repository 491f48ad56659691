#!/usr/bin/env python3
# PyTorch's side of the benchmarks, copied unchanged from the project's reference set
# (shared/reference/bench_pytorch.py) so that Scripts/bench/run can call it.
"""PyTorch timings for the workloads lstmlua is compared on.

Usage: bench_pytorch.py WORKLOAD [--repeat N]
Prints one JSON line: {"workload", "unit", "median", "min", "max", "peak_rss_mb", ...}.
Times are seconds per unit (a training iteration, a generation step, an op).
Run it with the same thread count as lstmlua (torch uses all cores by default;
set OMP_NUM_THREADS to pin it) and, on machines that set OPENBLAS_CORETYPE,
with that unset, as for lstmlua.

Workloads:
  article   the article's loop: numpy window, LSTM(1->10) + Linear, MSE, Adam (per iteration)
  generate  free-running prediction, one step at a time, no grad (per step)
  medium    batch 32, 50 steps, input 1, hidden 64, 1 layer: one training step
  large     batch 64, 100 steps, input 32, hidden 256, 2 layers: one training step
  ops       c = a + b on 10-element tensors (per op)
"""
import argparse, json, resource, statistics, time
import numpy as np
import torch, torch.nn as nn

def timed(fn, units, repeat):
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); runs.append((time.perf_counter() - t) / units)
    return runs

def article(repeat):
    torch.manual_seed(0); np.random.seed(0)
    H = 10
    rnn, lin = nn.LSTM(1, H, 1, batch_first=True), nn.Linear(H, 1)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(lin.parameters()), 0.01)
    state = {"h": (torch.zeros(1, 1, H), torch.zeros(1, 1, H))}
    n = 500
    def run():
        for _ in range(n):
            start = np.random.randint(10)
            d = np.sin(np.linspace(start, start + 10, 50)).reshape(50, 1)
            x = torch.tensor(d[:-1]).float().view(1, 49, 1)
            y = torch.tensor(d[1:]).float().view(1, 49, 1)
            out, h = rnn(x, state["h"])
            out = lin(out.view(-1, H)).unsqueeze(0)
            state["h"] = (h[0].detach(), h[1].detach())
            loss = nn.functional.mse_loss(out, y)
            opt.zero_grad(); loss.backward(); opt.step(); loss.item()
    return "iteration", timed(run, n, repeat)

def generate(repeat):
    torch.manual_seed(0)
    H = 10
    rnn, lin = nn.LSTM(1, H, 1, batch_first=True), nn.Linear(H, 1)
    n = 49 * 20
    def run():
        with torch.no_grad():
            for _ in range(20):
                h = (torch.zeros(1, 1, H), torch.zeros(1, 1, H)); inp = torch.zeros(1, 1, 1)
                for _ in range(49):
                    o, h = rnn(inp, h); inp = lin(o.view(-1, H)).view(1, 1, 1); inp.item()
    return "step", timed(run, n, repeat)

def train_step(B, T, I, H, L):
    def workload(repeat):
        torch.manual_seed(0)
        rnn, lin = nn.LSTM(I, H, L, batch_first=True), nn.Linear(H, 1)
        opt = torch.optim.Adam(list(rnn.parameters()) + list(lin.parameters()), 1e-3)
        x, y = torch.randn(B, T, I), torch.randn(B, T, 1)
        def run():
            out, _ = rnn(x); loss = nn.functional.mse_loss(lin(out), y)
            opt.zero_grad(); loss.backward(); opt.step()
        return "iteration", timed(run, 1, repeat)
    return workload

def ops(repeat):
    a, b = torch.rand(10), torch.rand(10)
    n = 20000
    def run():
        for _ in range(n): a + b
    return "op", timed(run, n, repeat)

WORKLOADS = {"article": article, "generate": generate, "ops": ops,
             "medium": train_step(32, 50, 1, 64, 1), "large": train_step(64, 100, 32, 256, 2)}

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    unit, runs = WORKLOADS[a.workload](a.repeat)
    print(json.dumps({"workload": a.workload, "system": "pytorch " + torch.__version__,
                      "threads": torch.get_num_threads(), "unit": unit,
                      "median": statistics.median(runs), "min": min(runs), "max": max(runs),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

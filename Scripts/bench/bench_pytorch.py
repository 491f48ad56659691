#!/usr/bin/env python3
# PyTorch's side of the benchmarks. It extends the project's reference set
# (shared/reference/bench_pytorch.py, whose five workloads it keeps unchanged) with
# the workloads of issue 16 and a --threads option; Scripts/bench/run.lua calls it.
"""PyTorch timings for the workloads lstmlua is compared on.

Usage: bench_pytorch.py WORKLOAD [--repeat N] [--threads N]
Prints one JSON line: {"workload", "unit", "median", "min", "max", "peak_rss_mb", ...}.
Times are seconds per unit (a training iteration or step, a generation step, an op,
a call). --threads calls torch.set_num_threads(N); run.lua also sets OMP_NUM_THREADS
and MKL_NUM_THREADS to N in its environment. Without it torch uses all cores. On
machines that set OPENBLAS_CORETYPE, run it with that unset, as for lstmlua.

Workloads:
  article   the article's loop: numpy window, LSTM(1->10) + Linear, MSE, Adam (per iteration)
  generate  free-running prediction, one step at a time, no grad (per step)
  medium    batch 32, 50 steps, input 1, hidden 64, 1 layer: one training step
  large     batch 64, 100 steps, input 32, hidden 256, 2 layers: one training step
  ops       c = a + b on 10-element tensors (per op)
  wordlm    word_language_model's training step (pytorch/examples): Embedding 4000 -> 200,
            2-layer LSTM 200, bptt 35, batch 20, Linear 200 -> 4000, log_softmax + NLLLoss,
            clip_grad_norm_ 0.25, SGD as p.data.add_(p.grad, alpha=-lr), the hidden state
            carried and detached (repackage_hidden); random token ids (per step)
  charrnn   char-rnn's training step: Embedding 100 -> 100, 2-layer GRU 100, batch 100,
            chunk 200, Linear 100 -> 100, cross entropy, Adam (per step)
  cells     time_sequence_prediction's loop: two LSTMCell(51) called once per time step,
            999 steps, batch 97, Linear 51 -> 1 per step, MSE, backward, Adam (per
            iteration; float32 where the example uses float64 and L-BFGS)
  pointwise.OP  for OP in exp, tanh, sigmoid, fma (x * y + z), sum, softmax (dim=1),
            and copy (x.clone(), the memory floor): one call on [700, 4000] float32 (per call)
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

def wordlm(repeat):
    torch.manual_seed(0)
    ntokens, emsize, nhid, nlayers, bptt, bsz, lr, clip = 4000, 200, 200, 2, 35, 20, 20.0, 0.25
    encoder, rnn, decoder = nn.Embedding(ntokens, emsize), nn.LSTM(emsize, nhid, nlayers), nn.Linear(nhid, ntokens)
    nn.init.uniform_(encoder.weight, -0.1, 0.1)
    nn.init.zeros_(decoder.bias)
    nn.init.uniform_(decoder.weight, -0.1, 0.1)
    params = list(encoder.parameters()) + list(rnn.parameters()) + list(decoder.parameters())
    criterion = nn.NLLLoss()
    inputs = torch.randint(ntokens, (bptt, bsz))
    targets = torch.randint(ntokens, (bptt * bsz,))
    state = {"h": (torch.zeros(nlayers, bsz, nhid), torch.zeros(nlayers, bsz, nhid))}
    n = 5
    def run():
        for _ in range(n):
            for p in params: p.grad = None
            hidden = tuple(h.detach() for h in state["h"])
            output, state["h"] = rnn(encoder(inputs), hidden)
            decoded = decoder(output).view(-1, ntokens)
            loss = criterion(nn.functional.log_softmax(decoded, dim=1), targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, clip)
            for p in params:
                p.data.add_(p.grad, alpha=-lr)
            loss.item()
    return "step", timed(run, n, repeat)

def charrnn(repeat):
    torch.manual_seed(0)
    nchars, hidden, layers, batch, chunk = 100, 100, 2, 100, 200
    encoder, rnn, decoder = nn.Embedding(nchars, hidden), nn.GRU(hidden, hidden, layers, batch_first=True), nn.Linear(hidden, nchars)
    params = list(encoder.parameters()) + list(rnn.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, 0.01)
    criterion = nn.CrossEntropyLoss()
    inputs = torch.randint(nchars, (batch, chunk))
    targets = torch.randint(nchars, (batch * chunk,))
    def run():
        output, _ = rnn(encoder(inputs))
        loss = criterion(decoder(output).view(-1, nchars), targets)
        opt.zero_grad(); loss.backward(); opt.step(); loss.item()
    return "step", timed(run, 1, repeat)

def cells(repeat):
    torch.manual_seed(0)
    H, B, T = 51, 97, 999
    lstm1, lstm2, linear = nn.LSTMCell(1, H), nn.LSTMCell(H, H), nn.Linear(H, 1)
    params = list(lstm1.parameters()) + list(lstm2.parameters()) + list(linear.parameters())
    opt = torch.optim.Adam(params, 0.01)
    criterion = nn.MSELoss()
    input, target = torch.rand(B, T), torch.rand(B, T)
    def run():
        outputs = []
        h_t, c_t = torch.zeros(B, H), torch.zeros(B, H)
        h_t2, c_t2 = torch.zeros(B, H), torch.zeros(B, H)
        for input_t in input.split(1, dim=1):
            h_t, c_t = lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = lstm2(h_t, (h_t2, c_t2))
            outputs.append(linear(h_t2))
        loss = criterion(torch.cat(outputs, dim=1), target)
        opt.zero_grad(); loss.backward(); opt.step(); loss.item()
    return "iteration", timed(run, 1, repeat)

POINTWISE = {"exp": lambda x, y, z: x.exp(), "tanh": lambda x, y, z: x.tanh(),
             "sigmoid": lambda x, y, z: x.sigmoid(), "fma": lambda x, y, z: x * y + z,
             "sum": lambda x, y, z: x.sum(), "softmax": lambda x, y, z: torch.softmax(x, dim=1),
             "copy": lambda x, y, z: x.clone()}

def pointwise(op):
    def workload(repeat):
        torch.manual_seed(0)
        x, y, z = torch.randn(700, 4000), torch.randn(700, 4000), torch.randn(700, 4000)
        n = 20
        def run():
            for _ in range(n): op(x, y, z)
        return "call", timed(run, n, repeat)
    return workload

WORKLOADS = {"article": article, "generate": generate, "ops": ops,
             "medium": train_step(32, 50, 1, 64, 1), "large": train_step(64, 100, 32, 256, 2),
             "wordlm": wordlm, "charrnn": charrnn, "cells": cells}
WORKLOADS.update({"pointwise." + name: pointwise(op) for name, op in POINTWISE.items()})

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    unit, runs = WORKLOADS[a.workload](a.repeat)
    print(json.dumps({"workload": a.workload, "system": "pytorch " + torch.__version__,
                      "threads": torch.get_num_threads(), "unit": unit,
                      "median": statistics.median(runs), "min": min(runs), "max": max(runs),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

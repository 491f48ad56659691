#!/usr/bin/env python3
"""PyTorch references for indexing and comparisons (issue 15): slices, index_select,
gather, scatter, masked_select, boolean and integer indexing, where and the comparisons,
each with the gradient of a weighted sum of its result (weights 1, 2, 3, ... in
row-major order). Tensors keep their dtypes (indices int64, masks bool); indices are
stored 1-based, as lstmlua takes them.

Usage: make_indexing.py OUT_DIR   (needs torch, safetensors)
"""
import json, os, sys
import torch
from safetensors.torch import save_file

out_dir = sys.argv[1]
torch.manual_seed(7)
x = torch.randn(4, 5, 6)
t = {"x": x}

def weighted(v):
    return (v * torch.arange(1, v.numel() + 1, dtype=v.dtype).view(v.shape)).sum()

def record(name, fn):
    a = x.clone().requires_grad_()
    out = fn(a)
    t[name] = out.detach()
    if out.requires_grad:
        weighted(out).backward()
        t[name + ".grad"] = a.grad

# Torch7-style slices in lstmlua: {}, a number, {first, last [, step]}
record("slice.last", lambda a: a[:, -1, :])                 # x[{ {}, -1 }]
record("slice.range", lambda a: a[1:3])                     # x[{ {2, 3} }]
record("slice.step", lambda a: a[:, ::2, 1:5:2])             # x[{ {}, {1, -1, 2}, {2, 5, 2} }]
record("slice.butlast", lambda a: a[:-1, 2])                # x[{ {1, -2}, 3 }]
index = torch.tensor([3, 0, 3, 1])
t["index"] = index + 1
record("index_select", lambda a: a.index_select(1, index))  # x:index_select(2, index)
gidx = torch.randint(0, 5, (4, 3, 6))
t["gidx"] = gidx + 1
record("gather", lambda a: a.gather(1, gidx))               # x:gather(2, gidx)
sidx = torch.stack([torch.randperm(5)[:3] for _ in range(4 * 6)]).view(4, 6, 3).transpose(1, 2).contiguous()
t["sidx"] = sidx + 1                                        # distinct along dim 2: no write races
src = torch.randn(4, 3, 6)
t["src"] = src
record("scatter", lambda a: a.scatter(1, sidx, src))        # x:scatter(2, sidx, src)
mask = x > 0.3
t["mask"] = mask
record("masked_select", lambda a: a[mask])                  # x[mask]
rows = torch.tensor([[2, 0], [3, 3]])
t["rows"] = rows + 1
record("integer_index", lambda a: a[rows])                  # x[rows]
y = torch.randn(4, 5, 6)
y[0] = x[0]
t["y"] = y
record("where", lambda a: torch.where(a > y, a, y * 2))     # torch.where(x:gt(y), x, y * 2)
for op in ["gt", "lt", "ge", "le", "eq", "ne"]:
    t["compare." + op] = getattr(x, op)(y)                  # bool
record("to_double", lambda a: a.double() * 3)               # float64 result, float32 gradient
# the small ops of issue 15 not in tensor_ops
v = torch.randn(5)
t["v"] = v
record("dot", lambda a: a[0, 0, :5].dot(v).reshape(1))      # x[1][1][{ {1, 5} }]:dot(v)
record("outer", lambda a: torch.outer(a[0, :, 0], v))       # torch.outer(x[{1, {}, 1}], v)
record("split", lambda a: torch.cat([p * (k + 1) for k, p in enumerate(a.split(2, dim=2))], 2))
record("split_sizes", lambda a: torch.cat([p * (k + 1) for k, p in enumerate(a.split([1, 4], dim=1))], 1))
record("unbind", lambda a: torch.stack([p * (k + 1) for k, p in enumerate(a.unbind(0))], 0))
record("chunk", lambda a: torch.cat([p * (k + 1) for k, p in enumerate(a.chunk(4, dim=2))], 2))
t["argmin.2"] = x.argmin(1) + 1
t["cumsum_int"] = torch.tensor([[1, 2, 3], [4, 5, 6]]).cumsum(1)
g = torch.randn(4, 5, 6) * 3
t["clip_grad"] = g
p = torch.nn.Parameter(x.clone()); p.grad = g.clone()
torch.nn.utils.clip_grad_value_([p], 1.25)
t["clip_grad_value"] = p.grad
t["clamp_"] = x.clone().clamp_(-0.5, 0.25)
save_file({k: v.contiguous() for k, v in t.items()}, os.path.join(out_dir, "indexing_ops.safetensors"),
          metadata={"config": json.dumps({"grad": "weighted sum, weights 1..n row-major", "indices": "1-based"})})

-- Indexing as ported scripts write it: Torch7 slices x[{ {}, -1 }] (views, read and
-- written), masks, index_select, gather, scatter, masked_select, and .data.
local T = require "testing"

local function grid() return torch.arange(1, 21):view(4, 5) end  -- x[i][j] = 5(i-1) + j

-- the same shape and values as the nested table `expected`
local function same(t, expected, what)
  local e = torch.tensor(expected)
  T.eq(table.concat(t:size(), "x"), table.concat(e:size(), "x"), (what or "") .. " shape")
  T.near(t, e, 0, what)
end

T.case("slices read as Torch7 writes them", function()
  local x = grid()
  same(x[{ {}, -1 }], {5, 10, 15, 20}, "all of dim 1, the last of dim 2")
  same(x[{ {2, 3} }], {{6, 7, 8, 9, 10}, {11, 12, 13, 14, 15}}, "rows 2..3 inclusive")
  T.shape(x[{ {1, -2} }], {3, 5})
  same(x[{ {}, {1, 5, 2} }], {{1, 3, 5}, {6, 8, 10}, {11, 13, 15}, {16, 18, 20}}, "a step")
  same(x[{ {1, 4, 3}, 2 }], {2, 17}, "a step and a number")
  same(x[{ 2 }], {6, 7, 8, 9, 10}, "a number drops the dimension")
  T.shape(x[{ {2} }], {1, 5})
  T.eq(x[{ 2, 3 }]:dim(), 0, "every dimension selected: a 0-d tensor")
  T.eq(x[{ -1, -1 }]:item(), 20)
  T.shape(x[{ {}, {} }], {4, 5})
  T.shape(x[{}], {4, 5})
  T.shape(x[{ {5, 4} }], {0, 5})
  T.shape(x[{ {}, {3, 2} }], {4, 0})
  local v = torch.arange(1, 11)
  same(v[{ {-3, -1} }], {8, 9, 10}, "x[-3:]")
  same(v[{ {1, -1, 2} }], {1, 3, 5, 7, 9}, "x[::2]")
end)

T.case("slices are views: writes through them reach the tensor", function()
  local x = grid()
  local col = x[{ {}, 2 }]
  col:fill_(0)
  same(x[{ {}, 2 }], {0, 0, 0, 0})
  local stepped = x[{ {}, {1, 5, 2} }]
  stepped:mul_(-1)
  T.eq(x[1][3], -3)
  T.eq(x[1][4], 4)
  T.eq(x[{ {2, 3} }]:is_contiguous(), true)
end)

T.case("gradients flow through slices as through narrow and select", function()
  local w = torch.randn(4, 5, {requires_grad = true})
  local y = w[{ {2, 4, 2}, -1 }]
  T.eq(y.grad_fn, "SelectBackward0")
  y:sum():backward()
  local expected = torch.zeros(4, 5)
  expected[2][5] = 1
  expected[4][5] = 1
  T.near(w.grad, expected, 0)
  T.truthy(torch.autograd.gradcheck(function(a) return a[{ {1, -1, 2}, {2, 3} }] * 2 end, {torch.randn(5, 3, {requires_grad = true})}))
end)

T.case("slices written: a number fills, a tensor is copied with broadcasting", function()
  local x = grid()
  x[{ {}, 1 }] = 0
  same(x[{ {}, 1 }], {0, 0, 0, 0})
  x[{ {1, 2} }] = torch.tensor{1, 2, 3, 4, 5}
  same(x[{ {1, 2} }], {{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}})
  x[{ 3, {2, 5, 3} }] = torch.tensor{70, 80}
  T.eq(x[3][2], 70); T.eq(x[3][5], 80); T.eq(x[3][3], 13)
  x[{ {}, {}, }] = x[{ {4} }]   -- a source that overlaps the target is read first
  same(x[{ 1 }], {0, 17, 18, 19, 20})
  T.raises(function() x[{ {}, 1 }] = torch.ones(3) end, "doesn't match the broadcast shape")
end)

T.case("written slices are refused where copy_ is", function()
  local w = torch.zeros(3, 2, {requires_grad = true})
  T.raises(function() w[{ {}, 1 }] = 1 end, "a leaf Variable that requires grad is being used in an in-place operation")
  T.raises(function() w[{ {}, 1 }] = torch.ones(3) end, "a leaf Variable that requires grad")
  torch.no_grad(function() w[{ {}, 1 }] = 5 end)
  T.near(w[{ {}, 1 }], {5, 5, 5}, 0)
  local x = torch.zeros(3)
  T.raises(function() x[{ {1, 2} }] = torch.ones(2, {requires_grad = true}) end, "an operand that requires grad are not supported; use the out-of-place form (to fill a tensor from results that require grad, collect them in a table and join them with torch.stack or torch.cat)")
  local y = w * 2
  T.raises(function() y[{ 1 }] = 0 end, "part of a graph")
end)

T.case("index_select: slices at 1-based indices, gradients summed for repeats", function()
  local x = grid()
  same(x:index_select(1, torch.tensor{3, 1}), {{11, 12, 13, 14, 15}, {1, 2, 3, 4, 5}})
  same(torch.index_select(x, 2, torch.tensor{5, 5}), {{5, 5}, {10, 10}, {15, 15}, {20, 20}})
  local w = torch.randn(3, 2, {requires_grad = true})
  local y = w:index_select(1, torch.tensor{2, 2, 3})
  T.eq(y.grad_fn, "IndexSelectBackward0")
  y:sum():backward()
  T.near(w.grad, torch.tensor{{0, 0}, {2, 2}, {1, 1}}, 0)
  T.raises(function() x:index_select(1, torch.tensor{0}) end, "bad argument #2 to 'index_select' (index 0 is out of range for dimension 1 of size 4: indices are 1-based, use 1..4)")
  T.raises(function() x:index_select(1, torch.tensor{5}) end, "index 5 out of range for dimension 1 of size 4")
  T.raises(function() x:index_select(2, torch.tensor{1.5}) end, "indices must be whole numbers, got 1.5")
  T.raises(function() x:index_select(1, torch.tensor{-1}) end, "index -1 is out of range for dimension 1 of size 4: indices are 1-based, use 1..4")
  T.raises(function() x:index_select(1, torch.ones(2, 2)) end, "index must be a vector")
end)

T.case("gather picks along a dimension; gradients scatter back", function()
  local x = grid()
  same(x:gather(2, torch.tensor{{1, 5}, {2, 2}}), {{1, 5}, {7, 7}})
  same(torch.gather(x, 1, torch.tensor{{4, 1, 2}}), {{16, 2, 8}})
  T.truthy(torch.autograd.gradcheck(function(a) return a:gather(1, torch.tensor{{2, 1}, {2, 2}}) end,
    {torch.randn(3, 2, {requires_grad = true})}))
  T.raises(function() x:gather(2, torch.tensor{{6}}) end, "index 6 out of range for dimension 2 of size 5")
  T.raises(function() x:gather(2, torch.tensor{1}) end, "index tensor must have the same number of dimensions")
end)

T.case("scatter and scatter_ write at 1-based indices, with gradients for both inputs", function()
  local z = torch.zeros(2, 4)
  local out = z:scatter(2, torch.tensor{{1}, {4}}, torch.tensor{{5}, {6}})
  same(out, {{5, 0, 0, 0}, {0, 0, 0, 6}})
  same(z, {{0, 0, 0, 0}, {0, 0, 0, 0}}, "scatter copies")
  same(torch.scatter(z, 1, torch.tensor{{2, 1, 2, 1}}, 9), {{0, 9, 0, 9}, {9, 0, 9, 0}}, "a value")
  T.eq(rawequal(z:scatter_(2, torch.tensor{{3}, {3}}, 1), z), true, "scatter_ returns self")
  same(z, {{0, 0, 1, 0}, {0, 0, 1, 0}})
  T.truthy(torch.autograd.gradcheck(function(a, s) return a:scatter(2, torch.tensor{{2}, {1}}, s) end,
    {torch.randn(2, 3, {requires_grad = true}), torch.randn(2, 1, {requires_grad = true})}))
  local w = torch.zeros(2, 2, {requires_grad = true})
  T.raises(function() w:scatter_(1, torch.tensor{{1, 1}}, 1) end, "a leaf Variable that requires grad")
  T.raises(function() z:scatter(2, torch.tensor{{1, 2}}, torch.ones(1, 1)) end, "must not exceed src's")
end)

T.case("masks select and write; masked_select broadcasts", function()
  local x = grid()
  local mask = torch.zeros(4, 5, {dtype = torch.bool})
  mask[{ {}, 5 }] = true
  mask[1][1] = true
  same(x[mask], {1, 5, 10, 15, 20}, "a 1-D result in row-major order")
  same(x[torch.tensor{false, true, false, true}], {{6, 7, 8, 9, 10}, {16, 17, 18, 19, 20}}, "a mask over the first dimension")
  same(x[torch.tensor{0.0, 1, 0, 1}], {{6, 7, 8, 9, 10}, {16, 17, 18, 19, 20}}, "a float mask of 0 and 1, as before bool")
  same(x[x:gt(18)], {19, 20}, "a comparison is a mask")
  x[mask] = 0
  T.eq(x:sum():item(), 210 - 51)
  x[mask] = torch.tensor{1, 2, 3, 4, 5}
  same(x[{ {}, 5 }], {2, 3, 4, 5})
  T.raises(function() x[mask] = torch.ones(4) end, "shape mismatch: value tensor of shape [4] cannot be broadcast to indexing result of shape [5]")
  same(torch.masked_select(grid(), torch.tensor{true, false, false, false, true}), {1, 5, 6, 10, 11, 15, 16, 20}, "broadcast")
  local w = torch.randn(2, 3, {requires_grad = true})
  local m = torch.tensor{{true, false, true}, {false, false, true}}
  local y = w[m]
  T.eq(y.grad_fn, "IndexBackward0")
  y:sum():backward()
  T.near(w.grad, m:float(), 0)
  T.eq(w:masked_select(m).grad_fn, "MaskedSelectBackward0")
  T.raises(function() w[m] = 0 end, "a leaf Variable that requires grad")
end)

T.case("an int64 tensor picks rows, as PyTorch's x[idx]", function()
  local x = grid()
  same(x[torch.tensor{3, 1}], {{11, 12, 13, 14, 15}, {1, 2, 3, 4, 5}})
  same(x[torch.tensor{-1}], {{16, 17, 18, 19, 20}})
  T.eq(x[torch.tensor{{1, 2}, {3, 4}}]:size(), {2, 2, 5})
  local w = torch.randn(4, 2, {requires_grad = true})
  w[torch.tensor{2, 2, 4}]:sum():backward()
  T.near(w.grad, torch.tensor{{0, 0}, {2, 2}, {0, 0}, {1, 1}}, 0)
  x[torch.tensor{1, 4}] = 0
  T.eq(x:sum():item(), 210 - 15 - 90)
  x[torch.tensor{2}] = torch.arange(5.0)
  same(x[2], {0, 1, 2, 3, 4})
  T.raises(function() return x[torch.tensor{5}] end, "bad argument #1 to 'index' (index 5 out of range for dimension 1 of size 4)")
end)

T.case(".data: the values without the graph, sharing memory; unknown fields are errors", function()
  local p = torch.ones(3, {requires_grad = true})
  local d = p.data
  T.eq(d.requires_grad, false)
  T.eq(d.grad_fn, nil)
  p.data:mul_(0.5)
  T.near(p, {0.5, 0.5, 0.5}, 0)
  T.eq(p.requires_grad, true)
  local y = p * 2
  T.eq(y.data.grad_fn, nil)
  local err = T.raises(function() return p.dta end, "Tensor has no field or method 'dta'")
  T.truthy(err:find("indexing_test.lua:%d+:"), "the position is the caller's: " .. err)
  T.raises(function() return p.foo.bar end, "'foo'")
  T.eq(p.grad, nil, "a real field that is empty is still nil")
end)

T.case("PyTorch's results and gradients (Tests/Fixtures/extra/indexing_ops, made by make_indexing.py)", function()
  local g = require("references").load(FIXTURES .. "/extra/indexing_ops.safetensors")
  T.eq(g.index.dtype, "torch.int64")
  T.eq(g.mask.dtype, "torch.bool")
  local function weighted(v) return (v * torch.arange(1, v:numel() + 1):view(v:size())):sum() end
  local function check(name, f)
    local a = g.x:clone():requires_grad_()
    local out = f(a)
    T.eq(out:size(), g[name]:size(), name .. " shape")
    T.near(out, g[name], 1e-6, name)
    if g[name .. ".grad"] then
      weighted(out):backward()
      T.near(a.grad, g[name .. ".grad"], 1e-5, name .. " gradient")
    end
  end
  check("slice.last", function(a) return a[{ {}, -1 }] end)
  check("slice.range", function(a) return a[{ {2, 3} }] end)
  check("slice.step", function(a) return a[{ {}, {1, -1, 2}, {2, 5, 2} }] end)
  check("slice.butlast", function(a) return a[{ {1, -2}, 3 }] end)
  check("index_select", function(a) return a:index_select(2, g.index) end)
  check("gather", function(a) return a:gather(2, g.gidx) end)
  check("scatter", function(a) return a:scatter(2, g.sidx, g.src) end)
  check("masked_select", function(a) return a[g.mask] end)
  check("integer_index", function(a) return a[g.rows] end)
  check("where", function(a) return torch.where(a:gt(g.y), a, g.y * 2) end)
  check("to_double", function(a) return a:double() * 3 end)
  check("dot", function(a) return a[1][1][{ {1, 5} }]:dot(g.v):reshape(1) end)
  check("outer", function(a) return torch.outer(a[{1, {}, 1}], g.v) end)
  local function scaled(pieces) for k, p in ipairs(pieces) do pieces[k] = p * k end return pieces end
  check("split", function(a) return torch.cat(scaled(a:split(2, 3)), 3) end)
  check("split_sizes", function(a) return torch.cat(scaled(a:split({1, 4}, 2)), 2) end)
  check("unbind", function(a) return torch.stack(scaled(a:unbind(1)), 1) end)
  check("chunk", function(a) return torch.cat(scaled(a:chunk(4, 3)), 3) end)
  T.eq(g.x:argmin(2):totable(), g["argmin.2"]:totable(), "argmin")
  local ints = torch.tensor{{1, 2, 3}, {4, 5, 6}}:cumsum(2)
  T.eq(ints.dtype, "torch.int64")
  T.eq(ints:totable(), g.cumsum_int:totable(), "cumsum of integers")
  local p = g.x:clone():requires_grad_()
  p.grad = g.clip_grad:clone()
  nn.utils.clip_grad_value_({p}, 1.25)
  T.near(p.grad, g.clip_grad_value, 0, "clip_grad_value_")
  T.near(g.x:clone():clamp_(-0.5, 0.25), g["clamp_"], 0, "clamp_")
  for _, op in ipairs({"gt", "lt", "ge", "le", "eq", "ne"}) do
    local r = g.x[op](g.x, g.y)
    T.eq(r.dtype, "torch.bool")
    T.eq(r:totable(), g["compare." .. op]:totable(), op)
  end
end)

return T.run()

-- Element types: PyTorch's inference and promotion rules, conversions, comparisons,
-- printing, files that keep each dtype, and float64 computed to PyTorch's float64
-- numbers (Tests/Fixtures/float64, made by make_float64.py there).
local T = require "testing"
local references = require "references"

local dir = FIXTURES .. "/float64/"

T.case("torch.tensor, arange, full and the random makers infer dtypes as PyTorch", function()
  T.eq(torch.tensor{1, 2, 3}.dtype, "torch.int64")
  T.eq(torch.tensor{1.5, 2}.dtype, "torch.float32")
  T.eq(torch.tensor{true, false}.dtype, "torch.bool")
  T.eq(torch.tensor{true, 2}.dtype, "torch.int64")
  T.eq(torch.tensor(3).dtype, "torch.int64")
  T.eq(torch.tensor(3.0).dtype, "torch.float32")
  T.eq(torch.arange(5).dtype, "torch.int64")
  T.eq(torch.arange(0, 1, 0.25).dtype, "torch.float32")
  T.eq(torch.full({2}, 7).dtype, "torch.int64")
  T.eq(torch.full({2}, 7.5).dtype, "torch.float32")
  T.eq(torch.full({2}, true).dtype, "torch.bool")
  T.eq(torch.randint(0, 5, {3}).dtype, "torch.int64")
  T.eq(torch.randperm(4).dtype, "torch.int64")
  T.eq(torch.zeros(2).dtype, "torch.float32")
  T.eq(torch.zeros(2, {dtype = torch.float64}).dtype, "torch.float64")
  T.eq(torch.ones(2, {dtype = "double"}).dtype, "torch.float64")
  T.eq(torch.tensor({1, 2}, {dtype = torch.float32}).dtype, "torch.float32")
  T.eq(torch.zeros_like(torch.tensor{1, 2}).dtype, "torch.int64")
  T.eq(torch.rand_like(torch.zeros(2, {dtype = torch.float64})).dtype, "torch.float64")
  T.eq(torch.linspace(0, 1, 3, {dtype = torch.float64}).dtype, "torch.float64")
end)

T.case("integers stay exact in int64", function()
  local big = 9007199254740993  -- 2^53 + 1, not a double
  local t = torch.tensor{big, 1}
  T.eq(t[1], big)
  T.eq(math.type(t[1]), "integer")
  T.eq((t + 1)[1], big + 1)
  T.eq(t:sum():item(), big + 1)
  -- printed, filled and ranged as they are (each went through a double and came out rounded)
  T.eq(tostring(torch.tensor{big, -big, 5}), "tensor([ 9007199254740993, -9007199254740993,                 5])")
  T.eq(tostring(torch.tensor(big)), "tensor(9007199254740993)")
  T.eq(tostring(torch.full({2}, big) - (big - 1)), "tensor([1, 1])")
  local r = torch.arange(big - 3, big + 2)
  T.eq(r:size(1), 5, "PyTorch's count, not ceil of a rounded difference")
  T.eq(r[4], big)
  T.eq(tostring(torch.arange(big, big + 2000)):match("9007199254742992%]%)$"), "9007199254742992])", "summarised")
  T.eq(tostring(torch.arange(10, 0, -3)), "tensor([10,  7,  4,  1])")
  T.eq(torch.arange(1, 4, {dtype = torch.float64}).dtype, torch.float64)
  T.raises(function() return torch.arange(math.mininteger, math.maxinteger) end, "would hold too many elements")
  T.raises(function() return torch.arange(5, 1) end, "upper bound and larger bound inconsistent with step sign")
  -- arithmetic and comparisons with such a number, either side (they went through doubles)
  T.eq((torch.tensor({1}) * big)[1], big)
  T.eq((torch.tensor({0}) - big)[1], -big)
  T.eq((big - torch.tensor({0}))[1], big)
  T.eq(torch.add(torch.zeros(1, {dtype = torch.int64}), big)[1], big)
  T.eq(torch.tensor({big}):eq(big - 1)[1], false)
  T.eq(torch.tensor({big}):gt(big - 1)[1], true)
  T.eq(torch.tensor({big}):eq(big)[1], true)
  T.eq(torch.tensor({big - 1}):lt(big)[1], true)
end)

T.case("arithmetic promotes as torch.result_type", function()
  local i, f, d = torch.tensor{1, 2}, torch.tensor{1.5, 2.5}, torch.tensor({1, 2}, {dtype = torch.float64})
  T.eq((i + f).dtype, "torch.float32")
  T.eq((f + d).dtype, "torch.float64")
  T.eq((i * 2).dtype, "torch.int64")
  T.eq((i * 2.5).dtype, "torch.float32")
  T.eq((i / i).dtype, "torch.float32")
  T.near(i / 2, {0.5, 1})
  -- a zero-dimensional operand of the same category does not widen a dimensioned one
  T.eq((f * torch.tensor(2.0, {dtype = torch.float64})).dtype, "torch.float32")
  T.eq((i * torch.tensor(2.0)).dtype, "torch.float32")
  T.eq((torch.tensor{true} + torch.tensor{true}).dtype, "torch.bool")
  T.eq((torch.tensor({1}, {dtype = torch.uint8}) + torch.tensor({1}, {dtype = torch.int32})).dtype, "torch.int32")
  T.eq(torch.promote_types(torch.int64, torch.float32), "torch.float32")
  T.eq(torch.promote_types(torch.uint8, torch.bool), "torch.uint8")
  T.eq(torch.tensor{1, 2}:mean():item(), 1.5)
  T.eq(torch.tensor{-3, 4}:abs():sum():item(), 7)
  T.eq((torch.tensor{2, 3} ^ 2):totable()[2], 9)
  T.raises(function() return torch.tensor{2} ^ -1 end, "Integers to negative integer powers are not allowed")
end)

T.case("comparisons give bool tensors; where picks", function()
  local x = torch.tensor{-1.5, 0, 2}
  local m = x:gt(0)
  T.eq(m.dtype, "torch.bool")
  T.eq(m:totable(), {false, false, true})
  T.eq(torch.le(x, 0):totable(), {true, true, false})
  T.eq(x:eq(torch.tensor{-1.5, 1, 2}):totable(), {true, false, true})
  T.eq(x:ne(0):sum():item(), 2)
  T.eq(m:sum().dtype, "torch.int64")
  T.near(torch.where(m, x, torch.zeros(3)), {0, 0, 2})
  T.near(torch.where(x:lt(0), 0, x), {0, 0, 2})
  T.raises(function() return torch.where(x, x, x) end, "bad argument #1 to 'where' (where expected condition to be a boolean tensor")
end)

T.case("casts follow PyTorch and never trap", function()
  T.eq(torch.tensor{-1.7, 1.7, 2.5}:long():totable(), {-1, 1, 2})
  T.eq(torch.tensor{0.0, 0.5, -2}:bool():totable(), {false, true, true})
  T.eq(torch.tensor{300}:byte():totable(), {44})
  local nan = torch.tensor{0/0, 1/0, -1/0}:long()
  T.eq(nan.dtype, "torch.int64")  -- C leaves these undefined; lstmlua gives 0 and Int64's ends
  local x = torch.randn(5, {dtype = torch.float64})
  T.eq(x:float():double():float():totable(), x:float():totable())
  T.eq(x:to(torch.float32).dtype, "torch.float32")
  T.eq(x:to(torch.ones(1)).dtype, "torch.float32")
  T.eq(x:type(), "torch.DoubleTensor")
  T.eq(x:type("torch.FloatTensor").dtype, "torch.float32")
  x:double():fill_(0)
  T.eq(x:sum():item(), 0.0, "to the same dtype is the tensor itself")
  T.raises(function() return x:to("complex") end, "unknown dtype 'complex'")
end)

T.case("elements come back as Lua integers, floats and booleans", function()
  T.eq(math.type(torch.tensor(3):item()), "integer")
  T.eq(math.type(torch.tensor(3.0):item()), "float")
  T.eq(torch.tensor(true):item(), true)
  T.eq(torch.tensor{{1, 2}, {3, 4}}:totable(), {{1, 2}, {3, 4}})
  local b = torch.zeros(3, {dtype = torch.bool})
  b[2] = true
  T.eq(b:totable(), {false, true, false})
end)

T.case("indices at int64's ends are errors, not traps (the API fuzzer's seed 127)", function()
  local ends = torch.tensor{math.maxinteger, math.mininteger}
  T.raises(function() return nn.Embedding(10, 3)(ends) end, "out of range for an embedding of 10 entries")
  T.raises(function() return nn.NLLLoss()(torch.randn(2, 3), ends) end, "is out of bounds for 3 classes")
  T.raises(function() return nn.CrossEntropyLoss()(torch.randn(2, 3, {dtype = torch.float64}), ends) end, "is out of bounds for 3 classes")
  T.raises(function() return torch.randn(3):index_select(1, ends) end, "out of range")
  T.raises(function() return torch.randn(3)[ends] end, "out of range")
end)

T.case("tensors print as PyTorch prints each dtype", function()
  T.eq(tostring(torch.tensor{1, 20, 3}), "tensor([ 1, 20,  3])")
  T.eq(tostring(torch.tensor{true, false}), "tensor([ True, False])")
  T.eq(tostring(torch.tensor({1.5, 2}, {dtype = torch.float64})), "tensor([1.5000, 2.0000], dtype=torch.float64)")
  T.eq(tostring(torch.tensor({1, 2}, {dtype = torch.int32})), "tensor([1, 2], dtype=torch.int32)")
  T.eq(tostring(torch.zeros(0, {dtype = torch.int64})), "tensor([], dtype=torch.int64)")
  T.eq(tostring(torch.tensor(5)), "tensor(5)")
end)

T.case("checkpoints keep every dtype", function()
  local path = os.tmpname()
  local saved = {
    f32 = torch.randn(2, 3), f64 = torch.randn(3, {dtype = torch.float64}),
    i64 = torch.tensor{9007199254740993, -5}, i32 = torch.tensor({7, -8}, {dtype = torch.int32}),
    u8 = torch.tensor({0, 255}, {dtype = torch.uint8}), b = torch.tensor{true, false, true},
  }
  torch.save(path, saved)
  local loaded = torch.load(path)
  os.remove(path)
  for name, t in pairs(saved) do
    T.eq(loaded[name].dtype, t.dtype, name .. " dtype")
    T.eq(loaded[name]:totable(), t:totable(), name .. " values")
  end
end)

T.case("what PyTorch refuses is refused, in Lua's words", function()
  T.raises(function() return torch.tensor({1, 2}, {requires_grad = true}) end, "only Tensors of floating point dtype can require gradients")
  T.raises(function() return torch.ones(2, 2):mm(torch.ones(2, 2, {dtype = torch.float64})) end, "expected m1 and m2 to have the same dtype")
  T.raises(function() return torch.tensor{1, 2}:add_(0.5) end, "can't be cast to the desired output type")
  T.raises(function() return torch.randn(2, {dtype = torch.int64}) end, "randn needs a floating dtype")
  T.raises(function() return torch.zeros(2, {dtype = "half"}) end, "unknown dtype 'half'")
  local p = torch.zeros(2, {requires_grad = true})
  T.raises(function() p.grad = torch.zeros(2, {dtype = torch.float64}) end, "assigned grad has data of a different type")
  -- a fill value the dtype cannot hold (it wrapped or saturated); PyTorch's limits and words
  local overflow = {{300, torch.uint8, "uint8_t"}, {-256, torch.uint8, "uint8_t"}, {2147483648, torch.int32, "int"},
                    {2.0^63, torch.int64, "int64_t"}, {0/0, torch.int64, "int64_t"}, {1e39, torch.float32, "float"}}
  for _, c in ipairs(overflow) do
    T.raises(function() return torch.full({1}, c[1], {dtype = c[2]}) end,
             "bad argument #2 to 'full' (value cannot be converted to type " .. c[3] .. " without overflow)")
    T.raises(function() return torch.zeros(1, {dtype = c[2]}):fill_(c[1]) end, "value cannot be converted to type " .. c[3])
  end
  -- what PyTorch lets through: unsigned wrap-around from -255, truncation, infinities
  T.eq(torch.full({1}, -1, {dtype = torch.uint8})[1], 255)
  T.eq(torch.full({1}, -2147483648, {dtype = torch.int32})[1], -2147483648)
  T.eq(torch.full({1}, 1.5, {dtype = torch.int64})[1], 1)
  T.eq(torch.full({1}, math.maxinteger)[1], math.maxinteger)
  T.eq(torch.zeros(1):fill_(math.huge)[1], math.huge)
end)

T.case("float64 autograd passes gradcheck at PyTorch's float64 tolerances", function()
  local x = torch.randn(3, 2, {dtype = torch.float64, requires_grad = true})
  local w = torch.randn(2, 4, {dtype = torch.float64, requires_grad = true})
  T.truthy(torch.autograd.gradcheck(function(a, b)
    return ((a:matmul(b)):tanh() * a:sum() / 3 + (a ^ 2):sum():exp():log()):sigmoid()
  end, {x, w}))
  local y = torch.randn(4, {dtype = torch.float64, requires_grad = true})
  T.truthy(torch.autograd.gradcheck(function(a) return torch.where(a:gt(0), a:sin(), a:cos() * 2) end, {y}))
end)

T.case("Module:double converts parameters; models then train in float64", function()
  local lin = nn.Linear(3, 2):double()
  T.eq(lin.weight.dtype, "torch.float64")
  T.truthy(lin.weight.requires_grad and lin.weight.is_leaf, "still a parameter")
  local out = lin(torch.randn(4, 3, {dtype = torch.float64}))
  T.eq(out.dtype, "torch.float64")
  T.raises(function() return lin(torch.randn(4, 3)) end, "same dtype")
  lin:float()
  T.eq(lin.bias.dtype, "torch.float32")
  T.raises(function() lin:to(torch.int64) end, "nn.Module.to only accepts floating point dtypes")
  T.raises(function() lin:to("half") end, "unknown dtype 'half'")
end)

local function recurrent_case(name)
  local g, c = references.load(dir .. name .. ".safetensors")
  local make = ({LSTM = nn.LSTM, GRU = nn.GRU, RNN = nn.RNN})[c.kind]
  local layer = make{input_size = c.input_size, hidden_size = c.hidden_size, num_layers = c.num_layers,
                     batch_first = c.batch_first, bidirectional = c.bidirectional,
                     nonlinearity = c.kind == "RNN" and c.nonlinearity or nil}:double()
  local state = {}
  for pname in layer:named_parameters() do state[pname] = g[pname] end
  layer:load_state_dict(state)
  local x, h0 = g.x:clone():requires_grad_(), g.h0:clone():requires_grad_()
  local c0 = c.kind == "LSTM" and g.c0:clone():requires_grad_() or nil
  local out, hn, cn
  if c0 then
    local s
    out, s = layer(x, {h0, c0})
    hn, cn = s[1], s[2]
  else
    out, hn = layer(x, h0)
  end
  T.eq(out.dtype, "torch.float64")
  T.near(out, g.out, 1e-12, name .. " out")
  T.near(hn, g.h_n, 1e-12, name .. " h_n")
  local loss = (out * g.g_out):sum() + (hn * g.g_h):sum()
  if cn then
    T.near(cn, g.c_n, 1e-12, name .. " c_n")
    loss = loss + (cn * g.g_c):sum()
  end
  loss:backward()
  T.near(x.grad, g["grad.x"], 1e-12, name .. " grad.x")
  T.near(h0.grad, g["grad.h0"], 1e-12, name .. " grad.h0")
  for pname, p in layer:named_parameters() do T.near(p.grad, g["grad." .. pname], 1e-12, name .. " grad." .. pname) end
end

for _, name in ipairs({"lstm_float64", "gru_float64", "rnn_float64"}) do
  T.case("float64 " .. name .. " matches PyTorch within 1e-12", function() recurrent_case(name) end)
end

for _, name in ipairs({"opt_adam_float64", "opt_sgd_float64", "opt_rmsprop_float64", "opt_adagrad_float64"}) do
  T.case("float64 optimizer " .. name, function()
    local g, c = references.load(dir .. name .. ".safetensors")
    T.eq(g["p.0"].dtype, "torch.float64")
    references.optimizer_trajectory(g, c, name, 1e-14)
  end)
end

T.case("the article's training run in float64 matches PyTorch's within 1e-10", function()
  local g, c = references.load(dir .. "article_float64.safetensors")
  local H = c.hidden_size
  local Net = nn.Module:extend("Net")
  function Net:init()
    self.rnn = nn.LSTM{input_size = 1, hidden_size = H, num_layers = 1, batch_first = true}
    self.linear = nn.Linear(H, 1)
  end
  function Net:forward(x, hidden)
    local out, hidden_prev = self.rnn(x, hidden)
    return self.linear(out:view(-1, H)):unsqueeze(1), hidden_prev
  end
  local model = Net():double()
  local init = {}
  for name in model:named_parameters() do init[name] = g["init." .. name] end
  model:load_state_dict(init)
  local criterion = nn.MSELoss()
  local optimizer = optim.Adam(model:parameters(), c.lr)
  local hidden = {torch.zeros(1, 1, H, {dtype = torch.float64}), torch.zeros(1, 1, H, {dtype = torch.float64})}
  local worst = 0
  for it = 1, c.iters do
    local x, y = data.sine{num_points = c.num_points, span = c.span, start = g.starts[it], dtype = torch.float64}
    if it == 1 then T.near(x, g["x.1"], 1e-15, "the first window") end
    local output
    output, hidden = model(x, hidden)
    hidden = {hidden[1]:detach(), hidden[2]:detach()}
    local loss = criterion(output, y)
    T.eq(loss.dtype, "torch.float64")
    model:zero_grad()
    loss:backward()
    optimizer:step()
    worst = math.max(worst, math.abs(loss:item() - g.losses[it]))
  end
  T.truthy(worst <= 1e-10, string.format("losses within 1e-10 (worst %.3g)", worst))
  for name, p in model:named_parameters() do T.near(p, g["final." .. name], 1e-10, "final " .. name) end
  T.near(hidden[1], g["final.h"], 1e-10, "final h")
end)

-- The fused float32 kernels (packed panels, unit splits, threads) against the plain
-- float64 layers, at sizes that take the fast paths.
for _, case in ipairs({
  {"LSTM", {input_size = 7, hidden_size = 300, num_layers = 2, batch_first = true}},
  {"LSTM", {input_size = 5, hidden_size = 64, proj_size = 24, bidirectional = true}},
  {"GRU", {input_size = 6, hidden_size = 260, bidirectional = true}},
  {"RNN", {input_size = 4, hidden_size = 280, nonlinearity = "relu"}},
}) do
  local kind, options = case[1], case[2]
  T.case(string.format("fused float32 %s (H=%d) agrees with the plain float64 layer", kind, options.hidden_size), function()
    torch.manual_seed(5)
    local fused = nn[kind](options)
    local plain = nn[kind](options)
    plain:load_state_dict(fused:state_dict())
    plain:double()
    local x = torch.randn(3, 6, options.input_size) * 0.5
    local xf, xd = x:clone():requires_grad_(), x:double():requires_grad_()
    local of, od = fused(xf), plain(xd)
    T.eq(od.dtype, "torch.float64")
    T.near(of, od, 2e-5, kind .. " output")
    local g = torch.randn(table.unpack(of:size()))
    ;(of * g):sum():backward()
    ;(od * g:double()):sum():backward()
    T.near(xf.grad, xd.grad, 1e-4, kind .. " input gradient")
    local checked = 0
    for name, p in fused:named_parameters() do
      local q
      for qname, candidate in plain:named_parameters() do if qname == name then q = candidate end end
      T.near(p.grad, q.grad, 2e-4, kind .. " grad " .. name)
      checked = checked + 1
    end
    T.truthy(checked >= 4, "parameters compared")
  end)
end

return T.run()

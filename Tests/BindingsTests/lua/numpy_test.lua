-- NumPy's .npy and .npz, read from files NumPy wrote (Tests/Fixtures/numpy,
-- make_numpy.py there) and written so that they read back; bad files are errors.
local T = require "testing"

local dir = FIXTURES .. "/numpy/"

T.case("arrays NumPy saved load with their dtypes and values", function()
  local a = torch.load_npy(dir .. "float64.npy")
  T.eq(a.dtype, "torch.float64")
  T.eq(a:size(), {3, 4})
  T.eq(a[{3, 4}]:item(), 11 / 8)
  T.eq(torch.load_npy(dir .. "float32_be.npy"):totable(), {1.5, -2.25, 3})
  local i = torch.load_npy(dir .. "int64.npy")
  T.eq(i.dtype, "torch.int64")
  T.eq(i[1], 9007199254740993)
  local f = torch.load_npy(dir .. "int32_fortran.npy")
  T.eq(f.dtype, "torch.int32")
  T.eq(f:totable(), {{0, 1, 2}, {3, 4, 5}}, "Fortran order read as the same array")
  T.eq(torch.load_npy(dir .. "bool.npy"):totable(), {{true, false}, {false, true}})
  T.eq(torch.load_npy(dir .. "uint8.npy"):totable(), {0, 200, 255})
  T.eq(torch.load_npy(dir .. "float16.npy"):totable(), {0.5, 1024})
  local s = torch.load_npy(dir .. "scalar.npy")
  T.eq(s:dim(), 0)
  T.eq(s:item(), 2.5)
end)

T.case("npz archives, stored or compressed, load as tables by name", function()
  local z = torch.load_npz(dir .. "arrays.npz")
  T.eq(z.x.dtype, "torch.float32")
  T.eq(z.x:totable(), {{1, 1}, {1, 1}})
  T.eq(z.y:totable(), {1, 2, 3})
  T.eq(torch.load_npz(dir .. "compressed.npz").x:totable(), {0, 0.25, 0.5, 0.75, 1})
end)

T.case("what lstmlua writes reads back, every dtype", function()
  local path = os.tmpname()
  for _, t in ipairs({torch.randn(2, 3, {dtype = torch.float64}), torch.randn(4), torch.tensor{9007199254740993, -1},
                      torch.tensor({1, 2}, {dtype = torch.int32}), torch.tensor({7}, {dtype = torch.uint8}),
                      torch.tensor{true, false}, torch.tensor(3.5), torch.randn(3, 4):t()}) do
    torch.save_npy(path, t)
    local back = torch.load_npy(path)
    T.eq(back.dtype, t.dtype)
    T.eq(back:totable(), t:totable())
  end
  torch.save_npz(path, {a = torch.arange(3), b = torch.ones(2, 2)})
  local z = torch.load_npz(path)
  T.eq(z.a:totable(), {0, 1, 2})
  T.eq(z.b:totable(), {{1, 1}, {1, 1}})
  os.remove(path)
end)

T.case("bad files are errors that say what is wrong", function()
  local path = os.tmpname()
  local function write(bytes) local f = assert(io.open(path, "wb")); f:write(bytes); f:close() end
  write("not numpy")
  T.raises(function() torch.load_npy(path) end, "does not start with NumPy's magic string")
  local good = assert(io.open(dir .. "float64.npy", "rb")):read("a")
  write(good:sub(1, 140))
  T.raises(function() torch.load_npy(path) end, "needs 96 bytes of data")
  write((good:gsub("%(3, 4%)", "(9999999999, 99999)")))
  T.raises(function() torch.load_npy(path) end, "shape [9999999999, 99999] has more than")
  write((good:gsub("%(3, 4%)", "(300, 4)")))
  T.raises(function() torch.load_npy(path) end, "shape [300, 4] of '<f8' needs 9600 bytes of data")
  write((good:gsub("<f8", "<c8")))
  T.raises(function() torch.load_npy(path) end, "dtype '<c8' has no lstmlua counterpart")
  write((good:gsub("'shape'", "'shope'")))
  T.raises(function() torch.load_npy(path) end, "has no shape")
  T.raises(function() torch.load_npz(path) end, "not a zip archive")
  os.remove(path)
  T.raises(function() torch.save_npz(path, {1}) end, "bad argument #2 to 'save_npz'")
  T.raises(function() torch.save_npy(path, "x") end, "bad argument #2 to 'save_npy' (Tensor expected, got string)")
end)

return T.run()

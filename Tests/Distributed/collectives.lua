-- torch.distributed's collectives under `mpirun -np 2` (Tests/CLITests/DistributedTests.swift
-- starts it): every op, float32 and float64, sizes 0, 1, 1000 and 10 M; the other
-- dtypes; mismatched sizes and bad arguments as errors on every rank.
local T = require("testing")
local dist = torch.distributed

dist.init_process_group{backend = "mpi", timeout = 60}
local rank, world = dist.get_rank(), dist.get_world_size()
assert(world == 2, "run with mpirun -np 2")

-- Rank r's tensor: base * (r + 1) + r, so every reduction has a known answer.
local function base(n, dtype)
  if n == 0 then return torch.zeros(0, {dtype = dtype}) end
  if n == 1 then return torch.full({1}, 0.25, {dtype = dtype}) end
  return torch.linspace(-1, 1, n, {dtype = dtype})
end
local function of_rank(b, r) return b * (r + 1) + r end

local function close(a, b, tol)
  return a:numel() == b:numel() and torch.allclose(a, b, tol, tol)
end

for _, dtype in ipairs{torch.float32, torch.float64} do
  local tol = dtype == torch.float32 and 1e-6 or 1e-14
  for _, n in ipairs{0, 1, 1000, 10000000} do
    local b = base(n, dtype)
    local r0, r1 = of_rank(b, 0), of_rank(b, 1)
    local expected = {sum = function() return r0 + r1 end, avg = function() return (r0 + r1) / 2 end,
                      max = function() return torch.maximum(r0, r1) end, min = function() return torch.minimum(r0, r1) end}
    T.case(string.format("all_reduce %s, %d elements", dtype, n), function()
      for _, op in ipairs{"sum", "avg", "max", "min"} do
        local t = of_rank(b, rank)
        dist.all_reduce(t, {op = op})
        T.eq(t.dtype, dtype)
        T.truthy(close(t, expected[op](), tol), op)
      end
      if n <= 1000 then
        local t = of_rank(b, rank)
        dist.all_reduce(t)                      -- sum by default
        T.truthy(close(t, expected.sum(), tol), "default op")
      end
    end)
    T.case(string.format("broadcast %s, %d elements", dtype, n), function()
      for src = 0, world - 1 do
        local t = of_rank(b, rank)
        dist.broadcast(t, src)
        T.truthy(close(t, of_rank(b, src), 0), "from rank " .. src)
      end
    end)
    T.case(string.format("all_gather %s, %d elements", dtype, n), function()
      local list = dist.all_gather(of_rank(b, rank))
      T.eq(#list, world)
      for r = 0, world - 1 do T.truthy(close(list[r + 1], of_rank(b, r), 0), "rank " .. r .. "'s tensor at " .. (r + 1)) end
      if n <= 1000 then
        local into = {torch.zeros(n, {dtype = dtype}), torch.zeros(n, {dtype = dtype})}
        T.eq(dist.all_gather(into, of_rank(b, rank)), into)
        T.truthy(close(into[2], r1, 0), "into a list")
      end
    end)
  end
end

T.case("integer and bool tensors", function()
  for _, dtype in ipairs{torch.int64, torch.int32, torch.uint8} do
    local t = torch.tensor({1, 5, 3}, {dtype = dtype}) + rank * torch.tensor({2, -2, 0}, {dtype = dtype})
    local s, mx, mn = t:clone(), t:clone(), t:clone()
    dist.all_reduce(s); dist.all_reduce(mx, {op = "max"}); dist.all_reduce(mn, "min")
    T.eq(s:totable(), {4, 8, 6}, tostring(dtype) .. " sum")
    T.eq(mx:totable(), {3, 5, 3}, tostring(dtype) .. " max")
    T.eq(mn:totable(), {1, 3, 3}, tostring(dtype) .. " min")
    T.eq(s.dtype, dtype)
    local e = T.raises(function() dist.all_reduce(t:clone(), {op = "avg"}) end, "all_reduce: op 'avg' needs a floating-point tensor")
    local c = torch.tensor({7, 8}, {dtype = dtype}) * (rank + 1)
    dist.broadcast(c, 1)
    T.eq(c:totable(), {14, 16}, tostring(dtype) .. " broadcast")
  end
  local flags = rank == 0 and torch.tensor{true, false, false} or torch.tensor{true, true, false}
  local any, all = flags:clone(), flags:clone()
  dist.all_reduce(any)                -- sum of bools: or, as PyTorch's NCCL
  dist.all_reduce(all, {op = "min"})  -- and
  T.eq(any:totable(), {true, true, false})
  T.eq(all:totable(), {true, false, false})
  T.raises(function() dist.all_reduce(flags:clone(), {op = "avg"}) end, "needs a floating-point tensor")
end)

T.case("reduce_scatter, send and recv", function()
  local out = torch.zeros(2, {dtype = torch.float64})
  local inputs = {torch.tensor({1.0, 2.0}, {dtype = torch.float64}) * (rank + 1), torch.tensor({10.0, 20.0}, {dtype = torch.float64}) * (rank + 1)}
  dist.reduce_scatter(out, inputs)
  T.eq(out:totable(), rank == 0 and {3.0, 6.0} or {30.0, 60.0})
  if rank == 0 then
    dist.send(torch.arange(5), 1, 7)
  else
    local t = torch.zeros(5, {dtype = torch.int64})
    T.eq(dist.recv(t, 0, 7), 0, "the sender")
    T.eq(t:totable(), {0, 1, 2, 3, 4})
  end
  -- a receiver whose tensor does not fit says so; the sender is not left waiting
  if rank == 0 then
    dist.send(torch.ones(4), 1)
  else
    T.raises(function() dist.recv(torch.ones(3), 0) end, "recv: rank 0 sent 4 elements of torch.float32; the tensor holds 3 of torch.float32")
  end
  dist.barrier()
end)

T.case("non-contiguous tensors are reduced in place", function()
  local m = torch.arange(6):view(2, 3):double() * (rank + 1)
  local column = m:select(2, 2)
  dist.all_reduce(column)
  T.eq(m:totable(), rank == 0 and {{0.0, 3.0, 2.0}, {3.0, 12.0, 5.0}} or {{0.0, 3.0, 4.0}, {6.0, 12.0, 10.0}})
end)

T.case("mismatched sizes are an error on every rank, and the job goes on", function()
  T.raises(function() dist.all_reduce(torch.zeros(3 + rank)) end,
    "all_reduce: tensor sizes differ across ranks: rank 0 has 3 elements of torch.float32, rank 1 has 4 elements of torch.float32")
  T.raises(function() dist.broadcast(torch.zeros(2), rank) end, "broadcast: the ranks gave different arguments: rank 0 gave src 0, rank 1 gave src 1")
  T.raises(function() dist.all_reduce(torch.zeros(2), {op = rank == 0 and "sum" or "max"}) end, "rank 0 gave op sum, rank 1 gave op max")
  T.raises(function() dist.all_reduce(rank == 0 and torch.zeros(2):expand(3, 2) or torch.zeros(3, 2)) end,
    rank == 0 and "more than one element of the tensor refers to a single memory location" or "rank 0 could not take part")
  T.raises(function() if rank == 0 then dist.barrier() else dist.all_reduce(torch.zeros(1)) end end,
    "the ranks called different collectives: rank 0 called barrier, rank 1 called all_reduce")
  local t = torch.ones(2)
  dist.all_reduce(t)
  T.eq(t:totable(), {2.0, 2.0}, "a collective after the errors")
end)

T.case("bad arguments are Lua errors naming the function", function()
  T.raises(function() dist.broadcast(torch.zeros(2), 2) end, "bad argument #2 to 'broadcast' (src 2 is not a rank of this job: ranks are 0-based, 0 to 1)")
  T.raises(function() dist.broadcast(torch.zeros(2), -1) end, "bad argument #2 to 'broadcast'")
  T.raises(function() dist.all_reduce({1, 2}) end, "bad argument #1 to 'all_reduce'")
  T.raises(function() dist.all_reduce(torch.zeros(2), {op = "mean"}) end, "op must be one of sum, avg, max, min, got 'mean'")
  T.raises(function() dist.send("x", 1) end, "bad argument #1 to 'send'")
  T.raises(function() dist.recv(torch.zeros(1), 5) end, "bad argument #2 to 'recv'")
  T.raises(function() dist.all_gather({torch.zeros(1)}, torch.zeros(1)) end, "tensor_list has 1 tensors; it needs one per rank (2)")
  T.raises(function() dist.init_process_group{backend = "mpi"} end, "init_process_group: the process group is already initialised")
  T.raises(function() dist.init_process_group{backend = "nccl"} end, "backend 'nccl' is not available")
end)

print(string.format("rank %d: %d cases passed", rank, T.run()))

dist.destroy_process_group()
T.case("after destroy_process_group", function()
  T.eq(dist.is_initialized(), false)
  T.raises(function() dist.all_reduce(torch.ones(1)) end, "all_reduce: the process group was destroyed")
  T.raises(function() dist.get_rank() end, "get_rank: the process group was destroyed")
  T.raises(function() dist.init_process_group{} end, "init_process_group: MPI was shut down in this process")
end)
T.run()
print(string.format("rank %d: collectives ok", rank))

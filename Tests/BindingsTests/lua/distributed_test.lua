-- torch.distributed without a launcher (the suite's own process): every call is a
-- Lua error naming the function, never a crash or a hang; data sharding, which needs
-- no MPI. The jobs themselves run under mpirun in Tests/CLITests/DistributedTests.swift.
local T = require("testing")
local dist = torch.distributed

T.case("nothing is initialised; ranks are asked for, not assumed", function()
  T.eq(dist.is_initialized(), false)
  T.eq(dist.is_available(), true)
  for _, call in ipairs{
    {"get_rank"}, {"get_world_size"}, {"barrier"}, {"broadcast", torch.ones(1), 0}, {"all_reduce", torch.ones(1)},
    {"all_gather", torch.ones(1)}, {"reduce_scatter", torch.ones(1), {torch.ones(1)}}, {"send", torch.ones(1), 0},
    {"recv", torch.ones(1)}, {"destroy_process_group"}, {"abort", "x"}, {"GradientReducer", {}},
  } do
    T.raises(function() dist[call[1]](table.unpack(call, 2)) end, call[1] .. ": the default process group is not initialised")
  end
end)

T.case("init_process_group outside a launcher says how to start one", function()
  -- this process was not started by mpirun (the suite clears nothing: check first)
  if os.getenv("OMPI_COMM_WORLD_SIZE") or os.getenv("PMIX_RANK") or os.getenv("PMI_RANK") or os.getenv("PMI_SIZE") then return end
  T.raises(function() dist.init_process_group{backend = "mpi"} end,
    "init_process_group: this process was not started by an MPI launcher: run it as `mpirun -np N lstmlua script.lua`")
  T.raises(function() dist.init_process_group{backend = "gloo"} end, "bad argument #1 to 'init_process_group' (backend 'gloo' is not available")
  T.raises(function() dist.init_process_group{timeout = -1} end, "option 'timeout' must be between 0 and 1e9 seconds")
  T.raises(function() dist.init_process_group{colour = 1} end, "unknown option 'colour'")
  T.eq(dist.is_initialized(), false)
end)

T.case("DDP needs the process group; print0 prints everywhere without one", function()
  T.raises(function() nn.DDP(nn.Linear(2, 2)) end, "DistributedDataParallel: the default process group is not initialised")
  T.raises(function() nn.parallel.DistributedDataParallel(42) end, "bad argument #1 to 'DistributedDataParallel' (module expected, got number)")
  T.eq(nn.DDP, nn.parallel.DistributedDataParallel)
  T.eq(dist.ReduceOp.SUM, "sum")
end)

local series = torch.arange(0, 41):float()

local function starts(it)
  local out = {}
  for x in it do
    for b = 1, x:size(1) do out[#out + 1] = math.tointeger(x[b][1][1]) end
  end
  return out
end

T.case("data.windows: the ranks' shares are disjoint and together every window", function()
  -- 41 values, windows of 4 + 1: 37 windows; 3 ranks get 13 each (two repeated as padding)
  local seen, total = {}, 0
  for rank = 0, 2 do
    local s = starts(data.windows(series, 4, {batch = 5, shuffle = true, seed = 3, rank = rank, world_size = 3}))
    T.eq(#s, 13, "rank " .. rank)
    for _, v in ipairs(s) do seen[v] = (seen[v] or 0) + 1; total = total + 1 end
  end
  local distinct, repeated = 0, 0
  for _, n in pairs(seen) do distinct = distinct + 1; if n > 1 then repeated = repeated + n - 1 end end
  T.eq(distinct, 37)
  T.eq(repeated, 2)
  -- drop_last: an even split, each window once
  local count = 0
  for rank = 0, 2 do count = count + #starts(data.windows(series, 4, {rank = rank, world_size = 3, drop_last = true})) end
  T.eq(count, 36)
end)

T.case("data.windows: one process with batch W·B sees what W ranks see together, step by step", function()
  local single = data.windows(series, 4, {batch = 6, shuffle = true, seed = 5, rank = 0, world_size = 1})
  local r0 = data.windows(series, 4, {batch = 3, shuffle = true, seed = 5, rank = 0, world_size = 2})
  local r1 = data.windows(series, 4, {batch = 3, shuffle = true, seed = 5, rank = 1, world_size = 2})
  local function one(it)
    local x = it()
    return starts(function() local b = x; x = nil; return b end)
  end
  for _ = 1, 6 do
    local a = one(single)
    local b = one(r0)
    for _, v in ipairs(one(r1)) do b[#b + 1] = v end
    table.sort(a); table.sort(b)
    T.eq(a, b)
  end
end)

T.case("data.windows: set_epoch reshuffles the same way on every rank, and rewinds", function()
  local it = data.windows(series, 4, {shuffle = true, seed = 1, rank = 0, world_size = 2})
  local e0 = starts(it)
  it:set_epoch(0)
  T.eq(starts(it), e0, "the same epoch, the same order")
  it:set_epoch(1)
  local e1 = starts(it)
  T.truthy(table.concat(e0, ",") ~= table.concat(e1, ","), "another epoch, another order")
  T.eq(starts(data.windows(series, 4, {shuffle = true, seed = 1, rank = 0, world_size = 2, epoch = 1})), e1)
  T.raises(function() it:set_epoch(-1) end, "epoch must be non-negative")
  T.raises(function() data.windows(series, 4, {rank = 2, world_size = 2}) end, "rank 2 is not in 0 to 1 (ranks are 0-based)")
  T.raises(function() data.windows(series, 4, {rank = 1}) end, "give both rank and world_size")
end)

T.case("data.sine: each rank keeps its rows of what all ranks draw, and the generator stays in step", function()
  torch.manual_seed(3)
  local all = data.sine{batch = 6, noise = 0.1}
  local after = torch.rand(1):item()
  for rank = 0, 2 do
    torch.manual_seed(3)
    local x = data.sine{batch = 2, noise = 0.1, rank = rank, world_size = 3}
    T.eq(x:totable(), all:narrow(1, 2 * rank + 1, 2):totable(), "rank " .. rank)
    T.eq(torch.rand(1):item(), after, "the generator after rank " .. rank .. "'s draw")
  end
  T.raises(function() data.sine{rank = 3, world_size = 3} end, "rank 3 is not in 0 to 2")
end)

return T.run()

-- nn.DDP under `mpirun -np 2`: 30 Adam steps with batch B on each rank end with the
-- weights one process reaches with batch 2B on the same windows (within 1e-6
-- relative, every weight), and so does gradient accumulation with no_sync. The single
-- process runs here too, on every rank, after the distributed run.
local T = require("testing")
local dist = torch.distributed

dist.init_process_group{backend = "mpi", timeout = 60}
local rank, world = dist.get_rank(), dist.get_world_size()
local B, steps = 4, 30

local Net = nn.Module:extend("Net")
function Net:init()
  self.rnn = nn.LSTM{input_size = 1, hidden_size = 8, batch_first = true}
  self.linear = nn.Linear(8, 1)
end
function Net:forward(x)
  local out = self.rnn(x)
  return self.linear(out)
end

local function new_model()
  torch.manual_seed(7 + rank)       -- different on each rank: DDP must broadcast rank 0's
  return Net():double()
end

local series = torch.sin(torch.linspace(0, 40, 500))
local function batches(batch, shard)
  local o = {batch = batch, shuffle = true, seed = 11, rank = shard and rank or 0, world_size = shard and world or 1}
  return data.windows(series, 20, o)
end

-- Runs `steps` optimiser steps of `micro` backwards each; returns the model.
local function train(model, it, micro, sync_last_only)
  local criterion = nn.MSELoss()
  local opt = optim.Adam(model:parameters(), 0.01)
  for _ = 1, steps do
    opt:zero_grad()
    for m = 1, micro do
      local x, y = it()
      local function pass() criterion(model(x:double()), y:double()):backward() end
      if sync_last_only and m < micro then model:no_sync(pass) else pass() end
    end
    opt:step()
  end
  return model
end

local function max_relative(a, b)
  return (a - b):abs():max():item() / math.max(b:abs():max():item(), 1e-12)
end

local function compare(ddp, reference, what)
  local worst = 0
  local ref = reference:state_dict()
  for name, t in pairs(ddp:state_dict()) do
    T.truthy(ref[name] ~= nil, what .. ": " .. name .. " is one of the single process's names")
    local d = max_relative(t, ref[name])
    worst = math.max(worst, d)
    T.truthy(d <= 1e-6, string.format("%s: %s differs by %g relative", what, name, d))
  end
  return worst
end

T.case("DDP with batch B per rank matches one process with batch 2B", function()
  local ddp = nn.DDP(new_model())
  T.truthy(tostring(ddp):find("^DistributedDataParallel%(\n  %(module%): Net%("), tostring(ddp))
  -- the inner names, no "module." prefix
  local names = {}
  for name in pairs(ddp:state_dict()) do names[#names + 1] = name end
  table.sort(names)
  T.eq(table.concat(names, ","), "linear.bias,linear.weight,rnn.bias_hh_l0,rnn.bias_ih_l0,rnn.weight_hh_l0,rnn.weight_ih_l0")
  -- every rank starts from rank 0's weights
  local w = ddp.module.linear.weight:detach():clone()
  dist.broadcast(w, 0)
  T.eq(max_relative(ddp.module.linear.weight:detach(), w), 0)
  train(ddp, batches(B, true), 1)
  torch.manual_seed(7)
  local single = train(Net():double(), batches(world * B, false), 1)
  local worst = compare(ddp, single, "DDP")
  print(string.format("rank %d: DDP %d steps, batch %d per rank vs %d: max relative difference %.3g", rank, steps, B, world * B, worst))
end)

T.case("no_sync accumulates locally; the next backward averages the sum", function()
  local ddp = nn.DDP(new_model())
  -- inside no_sync the gradients stay each rank's own
  local x, y = batches(B, true)()
  ddp:no_sync(function() nn.MSELoss()(ddp(x:double()), y:double()):backward() end)
  local g = ddp.module.linear.weight.grad:clone()
  local both = dist.all_gather(g)
  T.truthy(max_relative(both[1], both[2]) > 1e-3, "gradients differ across ranks inside no_sync")
  ddp:zero_grad()
  train(ddp, batches(B, true), 2, true)
  torch.manual_seed(7)
  local single = train(Net():double(), batches(world * B, false), 2, false)
  local worst = compare(ddp, single, "no_sync")
  print(string.format("rank %d: no_sync accumulation over 2 backwards, %d steps: max relative difference %.3g", rank, steps, worst))
end)

T.case("a guard with <close> works as no_sync(fn)", function()
  local ddp = nn.DDP(new_model())
  local x, y = batches(B, true)()
  do
    local guard <close> = ddp:no_sync()
    nn.MSELoss()(ddp(x:double()), y:double()):backward()
  end
  local both = dist.all_gather(ddp.module.linear.weight.grad:clone())
  T.truthy(max_relative(both[1], both[2]) > 1e-3, "not averaged inside the guard")
  ddp:zero_grad()
  nn.MSELoss()(ddp(x:double()), y:double()):backward()
  both = dist.all_gather(ddp.module.linear.weight.grad:clone())
  T.eq(max_relative(both[1], both[2]), 0, "averaged after it")
end)

T.case("torch.save of the wrapper writes the wrapped model, as one process would", function()
  local ddp = nn.DDP(nn.Linear(3, 2))
  local path = os.tmpname()
  if rank == 0 then torch.save(path, ddp) end
  dist.barrier()
  if rank == 0 then
    local loaded = torch.load(path)
    T.eq(tostring(loaded), "Linear(in_features=3, out_features=2, bias=True)")
    T.eq(loaded.weight:totable(), ddp.module.weight:detach():totable())
  end
  os.remove(path)
end)

print(string.format("rank %d: %d cases passed", rank, T.run()))

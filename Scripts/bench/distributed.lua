-- Data-parallel scaling: the medium and large training steps of workloads.lua, one
-- thread per process, run alone and as ranks of an MPI job with nn.DDP.
--
--   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE lstmlua Scripts/bench/distributed.lua [--steps N]
--   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMPI_MCA_btl_vader_single_copy_mechanism=none \
--     mpirun -np 2 --oversubscribe --allow-run-as-root lstmlua Scripts/bench/distributed.lua [--steps N]
--
-- Each rank trains on the workload's batch (weak scaling: N ranks do N times the work of
-- one step), and again on the batch split over the ranks (strong scaling). Prints one JSON
-- line per workload and mode from rank 0: the median step time, the median time backward
-- waited for the gradients' all-reduce at its end (what backward could not hide), and
-- the median time of one all-reduce of all the gradients as a single tensor.

local steps = 20
for i = 1, #arg do
  if arg[i] == "--steps" then steps = math.tointeger(tonumber(arg[i + 1])) end
end

local dist = torch.distributed
local distributed = os.getenv("OMPI_COMM_WORLD_SIZE") ~= nil or os.getenv("PMI_SIZE") ~= nil or os.getenv("PMIX_RANK") ~= nil
local world, rank = 1, 0
if distributed then
  dist.init_process_group{backend = "mpi"}
  world, rank = dist.get_world_size(), dist.get_rank()
end
torch.set_num_threads(1)

local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
end

local workloads = {
  {name = "medium", B = 32, T = 50, I = 1, H = 64, L = 1, steps = steps},
  {name = "large", B = 64, T = 100, I = 32, H = 256, L = 2, steps = math.max(3, steps // 4)},
}

for _, w in ipairs(workloads) do
  for _, mode in ipairs(world > 1 and {"weak", "strong"} or {"single"}) do
    local B = mode == "strong" and w.B // world or w.B
    torch.manual_seed(0)
    local rnn = nn.LSTM{input_size = w.I, hidden_size = w.H, num_layers = w.L, batch_first = true}
    local lin = nn.Linear(w.H, 1)
    local Net = nn.Module:extend("Net")
    function Net:init() self.rnn, self.lin = rnn, lin end
    function Net:forward(x) return self.lin(self.rnn(x)) end
    local model = Net()
    if distributed then model = nn.DDP(model) end
    local opt = optim.Adam(model:parameters(), 1e-3)
    torch.manual_seed(1 + rank)
    local x, y = torch.randn(B, w.T, w.I), torch.randn(B, w.T, 1)
    local function step()
      local loss = nn.functional.mse_loss(model(x), y)
      opt:zero_grad(); loss:backward(); opt:step()
    end
    step(); step()   -- warm-up
    if distributed then model:allreduce_wait_time(true); dist.barrier() end
    local times, waits = {}, {}
    for s = 1, w.steps do
      local t = time.perf_counter()
      step()
      times[s] = time.perf_counter() - t
      if distributed then waits[s] = model:allreduce_wait_time(true) end
    end
    -- one all-reduce of every gradient as one tensor: the communication itself
    local reduce = {}
    if distributed then
      local n = 0
      for _, p in ipairs(model:parameters()) do n = n + p:numel() end
      local flat = torch.randn(n)
      for s = 1, w.steps do
        dist.barrier()
        local t = time.perf_counter()
        dist.all_reduce(flat)
        reduce[s] = time.perf_counter() - t
      end
    end
    if rank == 0 then
      local parameters = 0
      for _, p in ipairs(model:parameters()) do parameters = parameters + p:numel() end
      print(json.encode({
        workload = w.name, mode = mode, ranks = world, batch_per_rank = B, parameters = parameters, steps = w.steps,
        step_median_ms = median(times) * 1e3, samples_per_s = B * world / median(times),
        allreduce_wait_median_ms = distributed and median(waits) * 1e3 or json.null,
        allreduce_median_ms = distributed and median(reduce) * 1e3 or json.null,
      }))
    end
  end
end
if distributed then dist.destroy_process_group() end

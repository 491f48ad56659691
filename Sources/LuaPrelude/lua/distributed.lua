-- torch.distributed's Lua half, and nn.parallel.DistributedDataParallel.
--
-- The native table (init_process_group, the collectives, GradientReducer) comes in
-- as the first argument; what is naturally Lua lives here: print0, PyTorch's ReduceOp
-- names, how os.exit ends a job, and the DDP wrapper class.

local dist, docs = ...
local torch, nn = torch, nn
local is_tensor = torch.is_tensor

local doc = docs.define   -- nn.lua's, loaded first

local function argerror(n, fname, fmt, ...)
  error(string.format("bad argument #%d to '%s' (%s)", n, fname, string.format(fmt, ...)), 3)
end

torch.distributed = dist

dist.ReduceOp = {SUM = "sum", AVG = "avg", MAX = "max", MIN = "min"}

function dist.print0(...)
  if not dist.is_initialized() or dist.get_rank() == 0 then print(...) end
end
doc("torch.distributed.print0", "torch.distributed.print0(...)", "print on rank 0 only (everywhere when there is no process group).", dist.print0)

-- os.exit skips the script's end, where lstmlua leaves the job: a success leaves it
-- (MPI_Finalize), a failure ends every rank (MPI_Abort), so the others never wait
-- for a rank that is gone.
local native_init = dist.init_process_group
local native_exit = os.exit
local function exit(code, close)
  if dist.is_initialized() then
    if code == nil or code == true or code == 0 then
      dist.destroy_process_group()
    else
      dist.abort("os.exit(" .. tostring(code) .. ")")
    end
  end
  return native_exit(code, close)
end

function dist.init_process_group(...)
  native_init(...)
  if os.exit == native_exit then os.exit = exit end
end
doc("torch.distributed.init_process_group", "torch.distributed.init_process_group{backend=\"mpi\", timeout=1800}",
  "Joins the job mpirun or srun started (MPI_Init); timeout bounds every wait for the other ranks, in seconds.", dist.init_process_group)

---------------------------------------------------------------------------
-- DistributedDataParallel
---------------------------------------------------------------------------

local DDP = nn.Module:extend("DistributedDataParallel")
nn.parallel = {DistributedDataParallel = DDP}
nn.DDP = DDP
doc("nn.parallel.DistributedDataParallel", "nn.parallel.DistributedDataParallel(module [, {bucket_cap_mb=25, broadcast_buffers=true}]) (alias nn.DDP)",
  "Data-parallel training: rank 0's parameters on wrap, gradients averaged over the ranks after each backward.", DDP)
doc("nn.DDP", "nn.DDP(module [, {bucket_cap_mb=25, broadcast_buffers=true}])", "nn.parallel.DistributedDataParallel.", DDP)

function DDP:init(module, options)
  if not nn.is_module(module) then argerror(1, "DistributedDataParallel", "module expected, got %s", type(module)) end
  if options ~= nil and type(options) ~= "table" then argerror(2, "DistributedDataParallel", "options table expected, got %s", type(options)) end
  options = options or {}
  for k in pairs(options) do
    if k ~= "bucket_cap_mb" and k ~= "broadcast_buffers" and k ~= "find_unused_parameters" then
      argerror(2, "DistributedDataParallel", "unknown option '%s' (expected one of: broadcast_buffers, bucket_cap_mb, find_unused_parameters)", tostring(k))
    end
  end
  if not dist.is_initialized() then
    error("DistributedDataParallel: the default process group is not initialised; call torch.distributed.init_process_group{backend = \"mpi\"} first (under mpirun)", 3)
  end
  self.module = module
  -- every rank starts from rank 0's model
  for _, p in ipairs(module:parameters()) do dist.broadcast(p, 0) end
  for _, b in ipairs(module:buffers()) do dist.broadcast(b, 0) end
  rawset(self, "_reducer", dist.GradientReducer(module:parameters(), options.bucket_cap_mb))
  rawset(self, "_broadcast_buffers", options.broadcast_buffers ~= false)
end

function DDP:forward(...)
  if rawget(self, "_broadcast_buffers") then
    for _, b in ipairs(self.module:buffers()) do dist.broadcast(b, 0) end
  end
  return self.module(...)
end
doc("nn.parallel.DistributedDataParallel:forward", "ddp(...) -> ...", "The wrapped module's forward (buffers first broadcast from rank 0).", DDP.forward)

-- The wrapped module's names, without PyTorch's "module." prefix, so that a
-- checkpoint is the same with or without DDP.
function DDP:state_dict() return self.module:state_dict() end
doc("nn.parallel.DistributedDataParallel:state_dict", "ddp:state_dict() -> {name = tensor}", "The wrapped module's state_dict, under its own names (no \"module.\" prefix).", DDP.state_dict)

-- torch.save(ddp, path) writes the wrapped module, as torch.save(ddp.module, path) would.
function DDP:_checkpoint_description() return self.module:_checkpoint_description() end

function DDP:load_state_dict(state, strict) return self.module:load_state_dict(state, strict) end
doc("nn.parallel.DistributedDataParallel:load_state_dict", "ddp:load_state_dict(state [, strict=true])", "Loads into the wrapped module (its own names).", DDP.load_state_dict)

function DDP:named_parameters() return self.module:named_parameters() end
doc("nn.parallel.DistributedDataParallel:named_parameters", "ddp:named_parameters() -> iterator of name, tensor", "The wrapped module's parameters under its own names.", DDP.named_parameters)

function DDP:named_buffers() return self.module:named_buffers() end
doc("nn.parallel.DistributedDataParallel:named_buffers", "ddp:named_buffers() -> iterator of name, tensor", "The wrapped module's buffers under its own names.", DDP.named_buffers)

function DDP:no_sync(fn)
  local reducer = rawget(self, "_reducer")
  if fn == nil then
    local previous = reducer:set_sync(false)
    return setmetatable({}, {__close = function() reducer:set_sync(previous) end})
  end
  if type(fn) ~= "function" then argerror(1, "no_sync", "function expected, got %s", type(fn)) end
  local previous = reducer:set_sync(false)
  local results = table.pack(pcall(fn))
  reducer:set_sync(previous)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end
doc("nn.parallel.DistributedDataParallel:no_sync", "ddp:no_sync(fn) or local guard <close> = ddp:no_sync()",
  "Backwards inside only accumulate gradients locally; the next backward outside averages the sum (gradient accumulation).", DDP.no_sync)

function DDP:allreduce_wait_time(reset)
  return rawget(self, "_reducer"):wait_time(reset)
end
doc("nn.parallel.DistributedDataParallel:allreduce_wait_time", "ddp:allreduce_wait_time([reset=false]) -> seconds",
  "Seconds backward waited for the gradients' all-reduce since the last reset (communication not hidden behind backward).", DDP.allreduce_wait_time)

return dist

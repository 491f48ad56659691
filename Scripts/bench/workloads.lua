-- lstmlua's side of the benchmark workloads of bench_pytorch.py, the same work
-- in the same units. Prints one JSON line, as bench_pytorch.py does.
--   lstmlua Scripts/bench/workloads.lua WORKLOAD [--repeat N]

local workload = arg[1]
local repeats = 5
for i = 2, #arg do
  if arg[i] == "--repeat" then repeats = math.tointeger(tonumber(arg[i + 1])) end
end

local function timed(fn, units)
  fn()  -- warm-up
  local runs = {}
  for r = 1, repeats do
    local t = time.perf_counter()
    fn()
    runs[r] = (time.perf_counter() - t) / units
  end
  return runs
end

local workloads = {}

-- The article's loop: a window of the sine, LSTM(1->10) + Linear, MSE, Adam (per iteration).
function workloads.article()
  torch.manual_seed(0)
  local H = 10
  local rnn, lin = nn.LSTM(1, H, 1, true, true), nn.Linear(H, 1)
  local params = rnn:parameters()
  for _, p in ipairs(lin:parameters()) do params[#params + 1] = p end
  local opt = optim.Adam(params, 0.01)
  local state = {torch.zeros(1, 1, H), torch.zeros(1, 1, H)}
  local n = 500
  return "iteration", timed(function()
    for _ = 1, n do
      local x, y = data.sine{}
      local out, h = rnn(x, state)
      out = lin(out:view(-1, H)):unsqueeze(1)
      state = {h[1]:detach(), h[2]:detach()}
      local loss = nn.functional.mse_loss(out, y)
      opt:zero_grad(); loss:backward(); opt:step(); loss:item()
    end
  end, n)
end

-- Free-running prediction, one step at a time, no grad (per step).
function workloads.generate()
  torch.manual_seed(0)
  local H = 10
  local rnn, lin = nn.LSTM(1, H, 1, true, true), nn.Linear(H, 1)
  local n = 49 * 20
  return "step", timed(function()
    torch.no_grad(function()
      for _ = 1, 20 do
        local h = {torch.zeros(1, 1, H), torch.zeros(1, 1, H)}
        local inp = torch.zeros(1, 1, 1)
        for _ = 1, 49 do
          local o
          o, h = rnn(inp, h)
          inp = lin(o:view(-1, H)):view(1, 1, 1)
          inp:item()
        end
      end
    end)
  end, n)
end

-- One training step of a larger LSTM: B, T, I, H, L.
local function train_step(B, T, I, H, L)
  return function()
    torch.manual_seed(0)
    local rnn = nn.LSTM{input_size = I, hidden_size = H, num_layers = L, batch_first = true}
    local lin = nn.Linear(H, 1)
    local params = rnn:parameters()
    for _, p in ipairs(lin:parameters()) do params[#params + 1] = p end
    local opt = optim.Adam(params, 1e-3)
    local x, y = torch.randn(B, T, I), torch.randn(B, T, 1)
    return "iteration", timed(function()
      local out = rnn(x)
      local loss = nn.functional.mse_loss(lin(out), y)
      opt:zero_grad(); loss:backward(); opt:step()
    end, 1)
  end
end

workloads.medium = train_step(32, 50, 1, 64, 1)
workloads.large = train_step(64, 100, 32, 256, 2)

-- c = a + b on 10-element tensors (per op).
function workloads.ops()
  local a, b = torch.rand(10), torch.rand(10)
  local n = 20000
  return "op", timed(function()
    for _ = 1, n do local c = a + b end
  end, n)
end

local run = workloads[workload]
if not run then
  io.stderr:write("usage: lstmlua workloads.lua {article|generate|medium|large|ops} [--repeat N]\n")
  os.exit(2)
end
local unit, runs = run()
table.sort(runs)
local function peak_rss_mb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s+(%d+) kB")
    if kb then return tonumber(kb) / 1024 end
  end
end
print(json.encode({
  workload = workload, system = "lstmlua", unit = unit, median = runs[(#runs + 1) // 2],
  min = runs[1], max = runs[#runs], peak_rss_mb = peak_rss_mb(),
}))

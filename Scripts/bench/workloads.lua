-- lstmlua's side of the benchmark workloads of bench_pytorch.py, the same work
-- in the same units. Prints one JSON line, as bench_pytorch.py does.
--   lstmlua Scripts/bench/workloads.lua WORKLOAD [--repeat N] [--threads N]
-- Workloads (bench_pytorch.py's docstring says what each one does): article,
-- generate, ops, medium, large, wordlm, charrnn, cells, and pointwise.OP for OP in
-- exp, tanh, sigmoid, fma (x * y + z), sum, softmax, and copy (x:clone(): the memory floor).

local workload = arg[1]
local repeats = 5
for i = 2, #arg do
  if arg[i] == "--repeat" then repeats = math.tointeger(tonumber(arg[i + 1])) end
  if arg[i] == "--threads" then torch.set_num_threads(math.tointeger(tonumber(arg[i + 1]))) end
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

-- Every parameter of the modules, in order, as one list for an optimizer.
local function parameters_of(...)
  local params = {}
  for _, m in ipairs({...}) do
    for _, p in ipairs(m:parameters()) do params[#params + 1] = p end
  end
  return params
end

-- The article's loop: a window of the sine, LSTM(1->10) + Linear, MSE, Adam (per iteration).
function workloads.article()
  torch.manual_seed(0)
  local H = 10
  local rnn, lin = nn.LSTM(1, H, 1, true, true), nn.Linear(H, 1)
  local params = parameters_of(rnn, lin)
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
    local params = parameters_of(rnn, lin)
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

-- word_language_model's training step (pytorch/examples): Embedding 4000 -> 200,
-- 2-layer LSTM 200, bptt 35, batch 20, Linear 200 -> 4000, log_softmax + NLLLoss,
-- clip_grad_norm_ 0.25, SGD as p.data:add_(p.grad, -lr), the hidden state carried
-- and detached from step to step (repackage_hidden); random token ids (per step).
function workloads.wordlm()
  torch.manual_seed(0)
  local ntokens, emsize, nhid, nlayers, bptt, bsz, lr, clip = 4000, 200, 200, 2, 35, 20, 20, 0.25
  local encoder, rnn, decoder = nn.Embedding(ntokens, emsize), nn.LSTM(emsize, nhid, nlayers), nn.Linear(nhid, ntokens)
  nn.init.uniform_(encoder.weight, -0.1, 0.1)
  nn.init.zeros_(decoder.bias)
  nn.init.uniform_(decoder.weight, -0.1, 0.1)
  local params = parameters_of(encoder, rnn, decoder)
  local criterion = nn.NLLLoss()
  local inputs = torch.randint(1, ntokens + 1, {bptt, bsz})
  local targets = torch.randint(1, ntokens + 1, {bptt * bsz})
  local hidden = {torch.zeros(nlayers, bsz, nhid), torch.zeros(nlayers, bsz, nhid)}
  local n = 5
  return "step", timed(function()
    for _ = 1, n do
      for i = 1, #params do params[i].grad = nil end
      hidden = {hidden[1]:detach(), hidden[2]:detach()}
      local output
      output, hidden = rnn(encoder(inputs), hidden)
      local decoded = decoder(output):view(-1, ntokens)
      local loss = criterion(nn.functional.log_softmax(decoded, 2), targets)
      loss:backward()
      nn.utils.clip_grad_norm_(params, clip)
      for i = 1, #params do
        local p = params[i]
        p.data:add_(p.grad, -lr)
      end
      loss:item()
    end
  end, n)
end

-- char-rnn's training step: Embedding 100 -> 100, 2-layer GRU 100, batch 100,
-- chunk 200, Linear 100 -> 100, cross entropy, Adam (per step).
function workloads.charrnn()
  torch.manual_seed(0)
  local nchars, hidden, layers, batch, chunk = 100, 100, 2, 100, 200
  local encoder, rnn, decoder = nn.Embedding(nchars, hidden), nn.GRU(hidden, hidden, layers, true, true), nn.Linear(hidden, nchars)
  local params = parameters_of(encoder, rnn, decoder)
  local opt = optim.Adam(params, 0.01)
  local criterion = nn.CrossEntropyLoss()
  local inputs = torch.randint(1, nchars + 1, {batch, chunk})
  local targets = torch.randint(1, nchars + 1, {batch * chunk})
  return "step", timed(function()
    local output = rnn(encoder(inputs))
    local loss = criterion(decoder(output):view(-1, nchars), targets)
    opt:zero_grad(); loss:backward(); opt:step(); loss:item()
  end, 1)
end

-- time_sequence_prediction's loop: two nn.LSTMCell(51) called from Lua once per
-- time step over 999 steps of a batch of 97, a Linear 51 -> 1 after each, the
-- outputs concatenated, MSE, backward and an Adam step (per iteration; float32).
function workloads.cells()
  torch.manual_seed(0)
  local H, B, T = 51, 97, 999
  local lstm1, lstm2, linear = nn.LSTMCell(1, H), nn.LSTMCell(H, H), nn.Linear(H, 1)
  local params = parameters_of(lstm1, lstm2, linear)
  local opt = optim.Adam(params, 0.01)
  local criterion = nn.MSELoss()
  local input, target = torch.rand(B, T), torch.rand(B, T)
  return "iteration", timed(function()
    local outputs = {}
    local h_t, c_t = torch.zeros(B, H), torch.zeros(B, H)
    local h_t2, c_t2 = torch.zeros(B, H), torch.zeros(B, H)
    for _, input_t in ipairs(input:split(1, 2)) do
      h_t, c_t = lstm1(input_t, {h_t, c_t})
      h_t2, c_t2 = lstm2(h_t, {h_t2, c_t2})
      outputs[#outputs + 1] = linear(h_t2)
    end
    local loss = criterion(torch.cat(outputs, 2), target)
    opt:zero_grad(); loss:backward(); opt:step(); loss:item()
  end, 1)
end

-- Pointwise ops and reductions on [700, 4000] float32, each its own workload (per call).
local pointwise = {
  exp = function(x) return x:exp() end,
  tanh = function(x) return x:tanh() end,
  sigmoid = function(x) return x:sigmoid() end,
  fma = function(x, y, z) return x * y + z end,
  sum = function(x) return x:sum() end,
  softmax = function(x) return torch.softmax(x, 2) end,
  copy = function(x) return x:clone() end,
}
for name, op in pairs(pointwise) do
  workloads["pointwise." .. name] = function()
    torch.manual_seed(0)
    local x, y, z = torch.randn(700, 4000), torch.randn(700, 4000), torch.randn(700, 4000)
    local n = 20
    return "call", timed(function()
      for _ = 1, n do local r = op(x, y, z) end
    end, n)
  end
end

local run = workloads[workload]
if not run then
  io.stderr:write("usage: lstmlua workloads.lua {article|generate|ops|medium|large|wordlm|charrnn|cells|pointwise.OP} [--repeat N] [--threads N]\n")
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
  workload = workload, system = "lstmlua", threads = torch.get_num_threads(), unit = unit, median = runs[(#runs + 1) // 2],
  min = runs[1], max = runs[#runs], peak_rss_mb = peak_rss_mb(),
}))

-- An LSTM learns to continue a sine curve: the classic PyTorch article, ported
-- line by line. Step 1 builds the net, step 2 trains it on windows of a sine,
-- step 3 tests it by feeding its own predictions back in; the loss curve and the
-- predictions are plotted.
--
--   lstmlua Scripts/train_sine.lua [options]      (--help lists them)
--   mpirun -np 2 lstmlua Scripts/train_sine.lua --distributed   (data-parallel: each rank
--                                      trains on its own windows, gradients averaged by DDP)

local usage = [[
usage: lstmlua Scripts/train_sine.lua [options]

  --iterations N    training iterations (default 100, the article's)
  --hidden N        hidden units (default 10)
  --lr X            Adam's learning rate (default 0.01)
  --batch N         windows per iteration (default 1)
  --seed N          random seed (default 0)
  --cell NAME       lstm, gru or rnn (default lstm)
  --warmup K        true points fed before predicting freely (default 1: the article's first point)
  --out DIR         folder for the images (default: the current folder)
  --format FMT      png, svg or pdf (default png)
  --quiet           print only the closing summary
  --distributed     data-parallel training under mpirun: --batch windows per rank, nn.DDP
                    averaging the gradients; rank 0 prints, predicts and plots
  --help            this text
]]

-- Options -----------------------------------------------------------------------

local defaults = {iterations = 100, hidden = 10, lr = 0.01, batch = 1, seed = 0, cell = "lstm",
                  warmup = 1, out = ".", format = "png", quiet = false, distributed = false}
local integers = {iterations = true, hidden = true, batch = true, seed = true, warmup = true}

local function parse(args)
  local o = {}
  for k, v in pairs(defaults) do o[k] = v end
  local i = 1
  while i <= #args do
    local a = args[i]
    local name, value = a:match("^%-%-([%w_-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w_-]+)$") end
    if a == "--help" or a == "-h" then io.write(usage); os.exit(0) end
    if not name or defaults[name] == nil then
      io.stderr:write("train_sine.lua: unknown option '" .. a .. "'\n" .. usage)
      os.exit(2)
    end
    if type(defaults[name]) == "boolean" then
      o[name] = true
    else
      if value == nil then i = i + 1; value = args[i] end
      if value == nil then io.stderr:write("train_sine.lua: --" .. name .. " needs a value\n"); os.exit(2) end
      if type(defaults[name]) == "number" then
        local n = tonumber(value)
        if not n or (integers[name] and math.type(n) ~= "integer") then
          io.stderr:write(string.format("train_sine.lua: --%s expects %s, got '%s'\n", name,
            integers[name] and "an integer" or "a number", value))
          os.exit(2)
        end
        o[name] = n
      else
        o[name] = value
      end
    end
    i = i + 1
  end
  local checks = {
    {o.iterations >= 1, "--iterations must be at least 1"}, {o.hidden >= 1, "--hidden must be at least 1"},
    {o.lr > 0, "--lr must be positive"}, {o.batch >= 1, "--batch must be at least 1"},
    {o.seed >= 0, "--seed must be non-negative"}, {o.warmup >= 1 and o.warmup <= 49, "--warmup must be between 1 and 49"},
    {o.cell == "lstm" or o.cell == "gru" or o.cell == "rnn", "--cell must be lstm, gru or rnn"},
    {o.format == "png" or o.format == "svg" or o.format == "pdf", "--format must be png, svg or pdf"},
  }
  for _, c in ipairs(checks) do
    if not c[1] then io.stderr:write("train_sine.lua: " .. c[2] .. "\n"); os.exit(2) end
  end
  return o
end

local opt = parse(arg or {})
local started = time.perf_counter()
local dist = torch.distributed
local world = 1
if opt.distributed then
  dist.init_process_group{backend = "mpi"}
  world = dist.get_world_size()
end
-- Rank 0 speaks for the job (print0 is print without a process group).
local say = dist.print0
-- The same seed on every rank: the same model and the same stream of windows, of which
-- data.sine gives each rank its own rows.
torch.manual_seed(opt.seed)

local num_time_steps = 50
local input_size, output_size = 1, 1
local hidden_size = opt.hidden
local num_layers = 1
local batch = opt.batch

-- Step 1: the network --------------------------------------------------------------

local layers = {lstm = nn.LSTM, gru = nn.GRU, rnn = nn.RNN}

local Net = nn.Module:extend("Net")

function Net:init()
  self.rnn = layers[opt.cell]{input_size = input_size, hidden_size = hidden_size, num_layers = num_layers,
                              batch_first = true}
  self.linear = nn.Linear(hidden_size, output_size)
end

function Net:forward(x, hidden_prev)
  local out
  out, hidden_prev = self.rnn(x, hidden_prev)
  out = out:view(-1, hidden_size)
  out = self.linear(out)
  if x:size(1) == 1 then
    out = out:unsqueeze(1)                 -- [1, 49, 1], as the article
  else
    out = out:view(x:size(1), -1, 1)       -- the same for a batch of windows
  end
  return out, hidden_prev
end

local net = Net()
if not opt.quiet then say(net) end
-- DDP starts every rank from rank 0's weights and averages the gradients after backward.
local model = opt.distributed and nn.DDP(net) or net

local criterion = nn.MSELoss()
local optimizer = optim.Adam(model:parameters(), opt.lr)

-- The recurrent state: {h, c} for an LSTM, h for a GRU or an RNN.
local function zero_state()
  local h = torch.zeros(num_layers, batch, hidden_size)
  if opt.cell == "lstm" then return {h, torch.zeros(num_layers, batch, hidden_size)} end
  return h
end

local function detached(state)
  if opt.cell == "lstm" then return {state[1]:detach(), state[2]:detach()} end
  return state:detach()
end

-- Step 2: training ------------------------------------------------------------------

local hidden_prev = zero_state()
local losses = {}
local every = math.max(1, opt.iterations // 10)
for iter, bar in torch.progress(1, opt.iterations, {desc = "train", disable = opt.quiet}) do
  local x, y = data.sine{num_points = num_time_steps, span = 10, start_max = 10, batch = batch}
  local output
  output, hidden_prev = model(x, hidden_prev)
  hidden_prev = detached(hidden_prev)

  local loss = criterion(output, y)
  model:zero_grad()
  loss:backward()
  optimizer:step()

  if opt.distributed then
    -- the job's loss: the mean over the ranks' windows
    loss = loss:detach():clone()
    dist.all_reduce(loss, {op = "avg"})
  end
  losses[iter] = loss:item()
  bar:set_postfix{loss = losses[iter]}
  if not opt.quiet and (iter % every == 0 or iter == 1) then
    say(string.format("Iteration: %d loss %.6f", iter, losses[iter]))
  end
end

-- Step 3: free-running prediction ---------------------------------------------------

-- The ranks hold the same weights now: rank 0 tests and plots, the others are done.
if opt.distributed then
  local rank = dist.get_rank()
  dist.destroy_process_group()
  if rank ~= 0 then return end
end

local x, y, steps = data.sine{num_points = num_time_steps, span = 10, start_max = 3}
local time_steps = steps[1]:totable()
local truth = x:view(-1):totable()
truth[#truth + 1] = y:view(-1)[num_time_steps - 1]

-- Only the first window's state continues; the test uses one window.
local state = hidden_prev
if batch > 1 then
  if opt.cell == "lstm" then state = {state[1]:narrow(2, 1, 1):contiguous(), state[2]:narrow(2, 1, 1):contiguous()}
  else state = state:narrow(2, 1, 1):contiguous() end
end

local predictions = {}
torch.no_grad(function()
  local input = x[1][1]:view(1, 1, 1)
  for t = 1, num_time_steps - 1 do
    local pred
    pred, state = net(input, state)
    if t < opt.warmup then
      input = x[1][t + 1]:view(1, 1, 1)    -- warm-up: the true point
    else
      input = pred:view(1, 1, 1)           -- free running: the prediction
      predictions[#predictions + 1] = {time_steps[t + 1], pred:item()}
    end
  end
end)

local se = 0
for _, p in ipairs(predictions) do
  local k
  for j, ts in ipairs(time_steps) do if ts == p[1] then k = j end end
  se = se + (p[2] - truth[k]) ^ 2
end
local test_mse = se / #predictions

-- Plots ---------------------------------------------------------------------------------

local label = ({lstm = "LSTM", gru = "GRU", rnn = "RNN"})[opt.cell]
local loss_path = string.format("%s/sine_%s_loss.%s", opt.out, opt.cell, opt.format)
local prediction_path = string.format("%s/sine_%s_prediction.%s", opt.out, opt.cell, opt.format)

plot.figure{title = "训练损失 Training loss (" .. label .. ")", xlabel = "迭代 iteration", ylabel = "MSE"}
  :line(losses, nil, {label = "loss"})
  :save(loss_path)

local xs, ps = {}, {}
for k, p in ipairs(predictions) do xs[k], ps[k] = p[1], p[2] end
plot.figure{title = "预测 Free-running prediction (" .. label .. ", warm-up " .. opt.warmup .. ")",
            xlabel = "时间 time", ylabel = "sin"}
  :line(truth, time_steps, {label = "真实值 true", color = "tab:blue"})
  :scatter(time_steps, truth, {color = "tab:blue", size = 3})
  :scatter(xs, ps, {label = "预测 predicted", color = "tab:orange", size = 4})
  :save(prediction_path)

print(string.format("%s hidden %d, %d iterations, batch %d%s, seed %d: final loss %.6f, free-running test MSE %.6f (%d points after %d warm-up), %.2f s; images: %s, %s",
  label, hidden_size, opt.iterations, batch, opt.distributed and string.format(" per rank × %d ranks", world) or "", opt.seed,
  losses[#losses], test_mse, #predictions, opt.warmup,
  time.perf_counter() - started, loss_path, prediction_path))

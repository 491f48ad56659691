-- Port of pytorch/examples time_sequence_prediction/train.py
-- (https://github.com/pytorch/examples/tree/main/time_sequence_prediction):
-- two stacked LSTMCells learn sine waves in float64 with L-BFGS, then predict
-- 1000 steps into the future. Run generate_sine_wave.lua first.
-- Of train.py's 78 lines of code (pytorch/examples at 77f55b9), 54 port one to one:
-- the same call in Lua's syntax (1-based dimensions and inclusive slices, {} for
-- tuples, local). The other 24: 9 imports, 4 of argparse (a loop over arg here),
-- np.random.seed, super().__init__(), seq.double() joined to its line, Python's `with`
-- (torch.no_grad(function)), and matplotlib's 7 figure calls (plot.figure{...} here).
-- Beyond the original: --hidden (51 there) and --line-search strong_wolfe (LBFGS's
-- line_search_fn, which the original leaves unset).
--
--   lstmlua train.lua [--steps 15] [--data traindata.npy] [--future 1000] [--out .] [--hidden 51]
--                     [--line-search none|strong_wolfe]

local opt = {steps = 15, data = "traindata.npy", future = 1000, out = ".", hidden = 51, line_search = "none"}
local i = 1
while i <= #arg do
  local key = arg[i]:match("^%-%-(.+)$")
  key = key and key:gsub("-", "_")
  if not key or opt[key] == nil then io.stderr:write("unknown option " .. arg[i] .. "\n"); os.exit(2) end
  opt[key] = type(opt[key]) == "number" and tonumber(arg[i + 1]) or arg[i + 1]
  i = i + 2
end
local H = opt.hidden

local Sequence = nn.Module:extend("Sequence")
function Sequence:init()
  self.lstm1 = nn.LSTMCell(1, H)
  self.lstm2 = nn.LSTMCell(H, H)
  self.linear = nn.Linear(H, 1)
end

function Sequence:forward(input, future)
  future = future or 0
  local outputs = {}
  local h_t = torch.zeros(input:size(1), H, {dtype = torch.double})
  local c_t = torch.zeros(input:size(1), H, {dtype = torch.double})
  local h_t2 = torch.zeros(input:size(1), H, {dtype = torch.double})
  local c_t2 = torch.zeros(input:size(1), H, {dtype = torch.double})
  local output
  for _, input_t in ipairs(input:split(1, 2)) do
    h_t, c_t = self.lstm1(input_t, {h_t, c_t})
    h_t2, c_t2 = self.lstm2(h_t, {h_t2, c_t2})
    output = self.linear(h_t2)
    outputs[#outputs + 1] = output
  end
  for _ = 1, future do -- if we should predict the future
    h_t, c_t = self.lstm1(output, {h_t, c_t})
    h_t2, c_t2 = self.lstm2(h_t, {h_t2, c_t2})
    output = self.linear(h_t2)
    outputs[#outputs + 1] = output
  end
  return torch.cat(outputs, 2)
end

-- set random seed to 0
torch.manual_seed(0)
-- load data and make training set
local data = torch.load_npy(opt.data)
local input = data[{ {4, -1}, {1, -2} }]
local target = data[{ {4, -1}, {2, -1} }]
local test_input = data[{ {1, 3}, {1, -2} }]
local test_target = data[{ {1, 3}, {2, -1} }]
-- build the model
local seq = Sequence():double()
local criterion = nn.MSELoss()
-- use LBFGS as optimizer since we can load the whole data to train
local optimizer = optim.LBFGS(seq:parameters(), {lr = 0.8, line_search_fn = opt.line_search ~= "none" and opt.line_search or nil})
-- begin to train
for step = 0, opt.steps - 1 do
  print("STEP: ", step)
  local function closure()
    optimizer:zero_grad()
    local out = seq(input)
    local loss = criterion(out, target)
    print("loss:", loss:item())
    loss:backward()
    return loss
  end
  optimizer:step(closure)
  -- begin to predict, no need to track gradient here
  local future = opt.future
  local y
  torch.no_grad(function()
    local pred = seq(test_input, future)
    local loss = criterion(pred[{ {}, {1, -future - 1} }], test_target)
    print("test loss:", loss:item())
    y = pred:detach()
  end)
  -- draw the result
  local fig = plot.figure{title = "Predict future values for time sequences\n(Dashlines are predicted values)",
                          xlabel = "x", ylabel = "y", figsize = {30, 10}}
  local n = input:size(2)
  local function draw(yi, color)
    fig:line(yi[{ {1, n} }], torch.arange(0, n), color, {linewidth = 2.0})
    fig:line(yi[{ {n + 1, -1} }], torch.arange(n, n + future), color .. ":", {linewidth = 2.0})
  end
  draw(y[1], "r")
  draw(y[2], "g")
  draw(y[3], "b")
  fig:save(string.format("%s/predict%d.pdf", opt.out, step))
end

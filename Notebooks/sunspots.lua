-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # Forecasting yearly sunspot numbers
--
-- A real series: the yearly mean number of sunspots from 1700 to 2008 (public
-- domain, from NOAA's National Geophysical Data Center by way of statsmodels; see
-- `data/README.md`). It has the roughly 11-year solar cycle, with peaks of very
-- different heights. An LSTM learns it from 1700–1958 and forecasts 1959–2008.

-- %% The series
series = data.from_csv("data/sunspots.csv", {column = "SUNACTIVITY"})
years = data.from_csv("data/sunspots.csv", {column = "YEAR"})
print(string.format("%d years, %d to %d; mean %.1f, max %.1f", series:size(1), years[1], years[series:size(1)],
  series:mean():item(), series:max():item()))
plot.figure{title = "Yearly sunspot numbers", xlabel = "year", ylabel = "sunspots", width = 900, height = 380}
  :line(series:totable(), years:totable(), {label = "sunspots"})
  :show()
--| 309 years, 1700 to 2008; mean 49.8, max 190.2
--@ sunspots.files/8af01fa204a1e8de.png (900x380)

-- %% [markdown]
-- The last 50 years are kept for testing. The network sees the series scaled by the
-- training part's mean and standard deviation, in windows of 22 years (two cycles),
-- and learns to predict each next year.

-- %% Windows
torch.manual_seed(11)
test_years = 50
train_len = series:size(1) - test_years
train = series:narrow(1, 1, train_len)
mean, std = train:mean():item(), ((train - train:mean()) ^ 2):mean():sqrt():item()
scaled = (series - mean) / std
seq_len = 22
batches = data.windows(scaled:narrow(1, 1, train_len), seq_len, {batch = 16, shuffle = true})
string.format("mean %.2f, std %.2f; %d batches of windows an epoch", mean, std, #batches)
--= "mean 46.26, std 37.76; 15 batches of windows an epoch"

-- %% Training
Forecaster = nn.Module:extend("Forecaster")

function Forecaster:init()
  self.rnn = nn.LSTM{input_size = 1, hidden_size = 32, batch_first = true}
  self.head = nn.Linear(32, 1)
end

function Forecaster:forward(x)
  local out = self.rnn(x)
  return self.head(out)
end

model = Forecaster()
optimizer = optim.Adam(model:parameters(), 0.005)
epoch_losses = {}
for epoch = 1, 60 do
  local total, count = 0, 0
  for x, y in data.windows(scaled:narrow(1, 1, train_len), seq_len, {batch = 16, shuffle = true}) do
    local loss = nn.functional.mse_loss(model(x), y)
    model:zero_grad()
    loss:backward()
    optimizer:step()
    total, count = total + loss:item(), count + 1
  end
  epoch_losses[epoch] = total / count
  if epoch % 15 == 0 then print(string.format("epoch %2d  training MSE (scaled) %.4f", epoch, epoch_losses[epoch])) end
end
--| epoch 15  training MSE (scaled) 0.0927
--| epoch 30  training MSE (scaled) 0.0801
--| epoch 45  training MSE (scaled) 0.0697
--| epoch 60  training MSE (scaled) 0.0549

-- %% [markdown]
-- ## One year ahead
--
-- For each test year, the model reads the 22 true years before it and predicts
-- the year. The baseline predicts that a year repeats the one before it.

-- %% One-step forecasts
local windows = {}
for k = 1, test_years do
  windows[k] = scaled:narrow(1, train_len + k - seq_len, seq_len):view(seq_len, 1)
end
local predicted = torch.no_grad(function()
  return model(torch.stack(windows)):select(2, seq_len):view(-1) * std + mean
end)
actual = series:narrow(1, train_len + 1, test_years)
previous = series:narrow(1, train_len, test_years)
forecast = predicted
local function rmse(a, b) return ((a - b) ^ 2):mean():sqrt():item() end
print(string.format("RMSE, 1959-2008: LSTM %.1f sunspots, last-year baseline %.1f", rmse(forecast, actual), rmse(previous, actual)))
--| RMSE, 1959-2008: LSTM 15.3 sunspots, last-year baseline 30.3

-- %%
test_x = years:narrow(1, train_len + 1, test_years):totable()
plot.figure{title = "One year ahead, 1959-2008", xlabel = "year", ylabel = "sunspots", width = 900, height = 380}
  :line(actual:totable(), test_x, {label = "actual", color = "tab:blue"})
  :line(forecast:totable(), test_x, {label = "LSTM", color = "tab:orange"})
  :line(previous:totable(), test_x, {label = "last year", color = "tab:gray", dashed = true})
  :show()
--@ sunspots.files/c527c1a1d161be8c.png (900x380)

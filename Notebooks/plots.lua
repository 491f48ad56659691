-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # Plots as a matplotlib user draws them
--
-- The plot module's kinds, each in a cell: format strings ("r--", "b.", "k:"),
-- a logarithmic axis, a grid of subplots with a shared axis, a prediction band
-- with fill_between beside a histogram of the errors, and a bar chart with error
-- bars and reference lines. Sizes are matplotlib's: figsize in inches at dpi
-- (default 100).

-- %% Format strings and a log scale
torch.manual_seed(0)
steps, loss, smooth = {}, {}, {}
for k = 1, 200 do
  steps[k] = k
  loss[k] = 2 * math.exp(-k / 40) + 0.01 + 0.02 * math.abs(torch.randn(1):item())
  smooth[k] = 2 * math.exp(-k / 40) + 0.01
end
fig = plot.figure{title = "Training loss", xlabel = "step", ylabel = "MSE", yscale = "log", figsize = {8, 4}}
fig:line(loss, steps, "b.", {label = "per step"})
   :line(smooth, steps, "r--", {label = "trend"})
   :axhline(0.01, {color = "k", label = "floor"})
   :show()
--@ plots.files/171502a47d79fad5.png (800x400)

-- %% Subplots with a shared x axis
lr = {}
for k = 1, 200 do lr[k] = 0.005 * 0.5 * (1 + math.cos(math.pi * k / 200)) end
fig, ax = plot.subplots{rows = 2, cols = 1, sharex = true, title = "One run, two views", figsize = {8, 6}}
ax[1]:line(loss, steps, "C0-", {label = "loss"}):ylabel("MSE"):title("loss")
ax[2]:line(lr, steps, "C1-", {label = "learning rate"}):ylabel("lr"):xlabel("step"):title("cosine schedule")
fig:show()
--@ plots.files/ced64c7673ac88fb.png (800x600)

-- %% A prediction band and the errors
xs, mean, lo, hi, truth, errors = {}, {}, {}, {}, {}, {}
for k = 1, 60 do
  local t = k / 6
  xs[k], mean[k] = t, math.sin(t)
  local width = 0.1 + 0.02 * t
  lo[k], hi[k] = mean[k] - width, mean[k] + width
  truth[k] = math.sin(t) + 0.08 * torch.randn(1):item()
  errors[k] = truth[k] - mean[k]
end
fig, ax = plot.subplots{rows = 1, cols = 2, title = "Forecast with a 90% band", figsize = {10, 4}}
ax[1]:fill_between(xs, lo, hi, {label = "90% band"})
     :line(mean, xs, "C0-", {label = "prediction"})
     :scatter(xs, truth, {label = "truth", color = "k", size = 2})
     :title("prediction band"):xlabel("t")
counts = ax[2]:hist(errors, {bins = 12})
ax[2]:axvline(0, {color = "k"}):title("errors"):xlabel("truth - prediction")
fig:show()
--@ plots.files/0d64606b5967823d.png (1000x400)

-- %% Bars with error bars
models, test_loss, spread = {"RNN", "GRU", "LSTM"}, {0.031, 0.0062, 0.0041}, {0.004, 0.0011, 0.0006}
fig = plot.figure{title = "Test loss over five seeds", ylabel = "MSE", figsize = {6, 4}}
fig:bar(models, test_loss):errorbar({1, 2, 3}, test_loss, spread, {color = "k"}):show()
--@ plots.files/d7d5af484f1b9399.png (600x400)

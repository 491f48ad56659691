-- The plot module: building figures, saving them, and its errors.
local T = require "testing"

local dir = os.tmpname()
os.remove(dir)
os.execute("mkdir -p " .. dir)

T.case("figures take series from tables or tensors and chain", function()
  local fig = plot.figure{title = "t", xlabel = "x", ylabel = "y", width = 400, height = 300}
  T.eq(fig:line({1, 2, 3}), fig)
  fig:line(torch.tensor{3, 2, 1}, {1, 2, 3}, {label = "down", color = "red", linewidth = 3, dashed = true})
  fig:scatter({1, 2}, torch.tensor{{1}, {2}}, {label = "pts", size = 5})
  T.eq(tostring(fig), 'Figure(400x300, 3 series, "t")')
  for _, ext in ipairs({"png", "svg", "pdf"}) do
    local p = dir .. "/f." .. ext
    fig:save(p)
    local f = assert(io.open(p, "rb"))
    local head = f:read(8)
    f:close()
    T.truthy(#head == 8, ext .. " written")
  end
  -- an SVG is as many pixels wide as the PNG (cairo's default unit, pt, made it 4/3 wider in browsers)
  local f = assert(io.open(dir .. "/f.svg", "rb"))
  local text = f:read("a")
  f:close()
  T.truthy(text:find('width="400px" height="300px"', 1, true), "an SVG sized in pixels")
  T.eq(tostring(plot.line({1, 2}, {title = "loss", width = 300})), 'Figure(300x500, 1 series, "loss")')
  T.eq(tostring(plot.scatter({1}, {2}, {xlabel = "a"})), "Figure(800x500, 1 series)")
end)

T.case("limits, legend, grid and size setters", function()
  local fig = plot.figure():xlim(0, 10):ylim(-1, 1):legend(false):grid(false):size(300, 200):title("a"):xlabel("b"):ylabel("c")
  fig:line({0, 1}, {0, 10})
  fig:save(dir .. "/s.png")
end)

T.case("empty figures and odd values still draw", function()
  plot.figure():save(dir .. "/empty.png")
  plot.line({1, 0/0, 3, 1/0, 2}):save(dir .. "/nan.png")
  plot.line({5}):save(dir .. "/one.png")
end)

T.case("matplotlib's format strings and one-letter colors draw as their options do", function()
  local function svg(fig)
    local p = dir .. "/fmt.svg"
    fig:save(p)
    local f = assert(io.open(p, "rb"))
    local text = f:read("a")
    f:close()
    -- cairo numbers its surfaces process-wide
    return (text:gsub("surface%d+", "surface"))
  end
  local ys, xs = {1, 3, 2}, {1, 2, 3}
  T.eq(svg(plot.figure():line(ys, xs, "r--")), svg(plot.figure():line(ys, xs, {color = "red", dashed = true})))
  T.eq(svg(plot.figure():line(ys, "g:")), svg(plot.figure():line(ys, nil, {color = "g", dashed = true})))
  T.eq(svg(plot.figure():line(ys, xs, "k.")), svg(plot.figure():scatter(xs, ys, {color = "black"})))
  T.eq(svg(plot.figure():line(ys, xs, "C1-", {label = "a"})), svg(plot.figure():line(ys, xs, {color = "tab:orange", label = "a"})))
  T.eq(svg(plot.figure():line(ys, xs, "r--", {color = "blue"})), svg(plot.figure():line(ys, xs, {color = "blue", dashed = true})),
       "the options table has the last word")
  T.truthy(svg(plot.figure():line(ys, xs, "b-")) ~= svg(plot.figure():line(ys, xs, "b--")), "dashes change the drawing")
  T.raises(function() plot.figure():line(ys, xs, "r--x--") end, "'r--x--' is not a format string")
  T.raises(function() plot.figure():line(ys, "q") end, "'q' is not a format string")
end)

T.case("bands, bars, histograms and reference lines", function()
  -- numpy.histogram([1, 2, 2, 3, 3, 3, 4], bins=3): edges 1, 2, 3, 4; the last bin closed
  local fig, counts, edges = plot.figure():hist({1, 2, 2, 3, 3, 3, 4}, {bins = 3})
  T.eq(counts, {1, 2, 4})
  T.eq(edges, {1, 2, 3, 4})
  local _, dense, dedges = plot.figure():hist(torch.randn(500), {bins = 7, density = true})
  local area = 0
  for k = 1, 7 do area = area + dense[k] * (dedges[k + 1] - dedges[k]) end
  T.near(area, 1, 1e-9, "a density integrates to 1")
  local _, inside = plot.figure():hist({-5, 0.5, 1.5, 9, 0/0}, {bins = 2, range = {0, 2}})
  T.eq(inside, {1, 1}, "values outside the range and NaN are left out")
  local _, wide = plot.figure():hist({-1e308, 0, 1e308}, {bins = 3})
  T.eq(wide, {1, 1, 1}, "values spanning the doubles (the fuzzer's find)")
  fig:save(dir .. "/hist.png")
  local f = plot.figure():bar({"LSTM", "GRU", "RNN"}, {0.012, 0.015, 0.032}):axhline(0.02, {dashed = true}):axvline(2)
  T.eq(tostring(f), "Figure(800x500, 3 series)")
  f:fill_between({1, 2, 3}, {0, 0, 0}, {1, 2, 1}, {label = "band"}):fill_between({1, 3}, {0, 0}, 0.5)
  for _, ext in ipairs({"png", "svg", "pdf"}) do f:save(dir .. "/chart." .. ext) end
  T.raises(function() plot.figure():fill_between({1, 2}, {0, 0}, {1}) end, "hi has 1 values but xs has 2")
  T.raises(function() plot.figure():bar({1, 2}, {1}) end, "1 heights for 2 bars")
  T.raises(function() plot.figure():bar({1}, {1}, {width = -1}) end, "width must be a positive number")
  T.raises(function() plot.figure():hist({1}, {bins = 0}) end, "bins must be between 1 and 100000")
  T.raises(function() plot.figure():hist({1}, {range = {2, 1}}) end, "range must be {low, high}")
  T.raises(function() plot.figure():xticks({1, 2}, {"a"}) end, "1 labels for 2 positions")
  local log = plot.figure{yscale = "log"}:line({1e-3, 1, 1e3, 0, -1}):xscale("linear")
  log:save(dir .. "/log.svg")
  T.raises(function() plot.figure{yscale = "logarithmic"} end, "yscale must be 'linear' or 'log', got 'logarithmic'")
  T.raises(function() plot.figure():xscale("symlog") end, "xscale must be 'linear' or 'log'")
end)

T.case("error bars: symmetric, per point or {lower, upper}", function()
  local function svg(fig)
    fig:save(dir .. "/eb.svg")
    local h = assert(io.open(dir .. "/eb.svg", "rb")) local text = h:read("a") h:close()
    return (text:gsub("surface%d+", "surface"))
  end
  local xs, ys = {1, 2, 3}, {1, 3, 2}
  T.eq(svg(plot.figure():errorbar(xs, ys, 0.5)), svg(plot.figure():errorbar(xs, ys, {0.5, 0.5, 0.5})))
  T.eq(svg(plot.figure():errorbar(xs, ys, {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}})), svg(plot.figure():errorbar(xs, ys, 0.5)))
  T.truthy(svg(plot.figure():errorbar(xs, ys, {{0.1, 0.1, 0.1}, {1, 1, 1}})) ~= svg(plot.figure():errorbar(xs, ys, 0.5)),
           "asymmetric bars draw otherwise")
  local f = plot.figure{yscale = "log"}:errorbar(xs, torch.tensor{10.0, 100, 1000}, 5, {label = "m"})
  for _, ext in ipairs({"png", "pdf"}) do f:save(dir .. "/eb." .. ext) end
  T.raises(function() plot.figure():errorbar({1}, {1}, -1) end, "yerr must not contain negative values")
  T.raises(function() plot.figure():errorbar({1, 2}, {1, 2}, {1}) end, "yerr must give one error per point (2), got 1 and 1")
  T.raises(function() plot.figure():errorbar({1, 2}, {1}, 1) end, "ys has 1 values but xs has 2")
end)

T.case("figsize in inches and dpi, as matplotlib's", function()
  local function png_size(path)
    local f = assert(io.open(path, "rb"))
    local header = f:read(24)
    f:close()
    return (string.unpack(">I4", header, 17)), (string.unpack(">I4", header, 21))
  end
  local f = plot.figure{figsize = {4, 3}, title = "t"}:line({1, 2})
  T.eq(tostring(f), 'Figure(400x300, 1 series, "t")')
  local big = plot.figure{figsize = {4, 3}, dpi = 200, title = "t"}:line({1, 2})
  T.eq(tostring(big), 'Figure(800x600, 1 series, "t")')
  big:save(dir .. "/dpi.png")
  T.eq({png_size(dir .. "/dpi.png")}, {800, 600})
  f:save(dir .. "/dpi50.png", {dpi = 50})
  T.eq({png_size(dir .. "/dpi50.png")}, {200, 150}, "save's dpi keeps the inches")
  -- the same figure, finer: not just a bigger canvas (its text and lines grew with it)
  local plain = plot.figure{width = 800, height = 600, title = "t"}:line({1, 2})
  plain:save(dir .. "/plain.svg"); big:save(dir .. "/big.svg")
  local function read(p) local h = assert(io.open(p, "rb")) local s = h:read("a") h:close() return (s:gsub("surface%d+", "")) end
  T.truthy(read(dir .. "/plain.svg") ~= read(dir .. "/big.svg"), "dpi 200 draws differently from a wider canvas")
  T.raises(function() plot.figure{dpi = 5} end, "dpi must be between 10 and 1000")
  T.raises(function() plot.figure{figsize = {4}} end, "figsize must be {width, height} in inches")
  T.raises(function() plot.figure{figsize = {1000, 1}} end, "figsize's width x dpi must be between 50 and 10000 pixels")
  T.raises(function() f:save(dir .. "/x.png", {dpi = 0}) end, "dpi must be between 10 and 1000")
end)

T.case("subplots: a grid of axes, each taking the chart methods", function()
  local fig, ax = plot.subplots{rows = 2, cols = 2, sharex = true, title = "grid", figsize = {6, 4}}
  T.eq(#ax, 4)
  T.eq(tostring(fig), 'Figure(600x400, 0 series, "grid")')
  T.eq(ax[3]:line({1, 2, 3}):title("third"), ax[3])
  ax[4]:hist({1, 2, 2, 3})
  T.eq(tostring(ax[3]), 'Axes(3 of 2x2, 1 series, "third")')
  -- saving or showing an axes draws the whole figure
  T.eq(ax[1]:save(dir .. "/grid.png"), ax[1])
  local g = plot.figure()
  local a = g:subplot(1, 2, 1)
  a:line({1, 2})
  T.eq(tostring(g:subplot(1, 2, 2)), "Axes(2 of 1x2, 0 series)")
  g:save(dir .. "/grid2.svg")
  T.raises(function() g:subplot(2, 2, 1) end, "the figure's grid is 1x2, not 2x2")
  T.raises(function() g:subplot(1, 2, 3) end, "index 3 is outside a 1x2 grid (1 to 2)")
  T.raises(function() plot.figure():line({1}):subplot(1, 2, 1) end, "the figure already has series of its own")
  T.raises(function() plot.subplots{rows = 0} end, "rows and cols must be between 1 and 10")
  T.raises(function() plot.subplots{rws = 2} end, "unknown option 'rws'")
end)

T.case("bad input is a clear error", function()
  T.raises(function() plot.figure():save(dir .. "/x.bmp") end, "cannot tell the image format")
  T.raises(function() plot.figure():save("/no/such/dir/x.png") end, "cannot write")
  T.raises(function() plot.figure():line({1, 2}, {1}) end, "x has 1 values but y has 2")
  T.raises(function() plot.figure():line({1, "a"}) end, "ys[2] is a string, not a number")
  T.raises(function() plot.figure():line({1}, nil, {color = "mauvish"}) end, "unknown color 'mauvish'")
  T.raises(function() plot.figure{width = 10} end, "width must be between 50 and 10000")
  T.raises(function() plot.figure{xlim = {2, 1}} end, "xlim must be {low, high}")
  T.raises(function() plot.figure{titel = "x"} end, "unknown option 'titel'")
  T.raises(function() plot.line("x") end, "table or Tensor expected, got string")
end)

T.case("the progress iterator counts like a numeric for", function()
  local seen = {}
  for i in torch.progress(3, 9, 3, {disable = true}) do seen[#seen + 1] = i end
  T.eq(table.concat(seen, ","), "3,6,9")
  seen = {}
  for i in torch.progress(3, {disable = true}) do seen[#seen + 1] = i end
  T.eq(table.concat(seen, ","), "1,2,3")
  seen = {}
  for i in torch.progress(5, 1, -2, {disable = true}) do seen[#seen + 1] = i end
  T.eq(table.concat(seen, ","), "5,3,1")
  for _ in torch.progress(0, {disable = true}) do error("no iterations expected") end
  T.raises(function() torch.progress(1, 5, 0) end, "step must not be zero")
end)

return T.run()

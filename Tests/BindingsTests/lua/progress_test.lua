-- torch.progress over ranges, tables and iterators, and its options (desc, total,
-- unit, leave, disable). What a bar shows is read back through tostring(bar).
local T = require("testing")

local quiet = {disable = true}

T.case("a range yields i, bar", function()
  local seen, bars = {}, {}
  for i, bar in torch.progress(2, 6, 2, quiet) do seen[#seen + 1] = i; bars[bar] = true end
  T.eq(table.concat(seen, ","), "2,4,6")
  local n = 0
  for b in pairs(bars) do n = n + 1; T.eq(tostring(b):match("| (%d+/%d+) %["), "3/3") end
  T.eq(n, 1, "one bar for the loop")
end)

T.case("a table yields i, v, bar as ipairs, up to the first nil, with #t as the total", function()
  local seen = {}
  for i, v, bar in torch.progress({"a", "b", "c"}, quiet) do
    seen[#seen + 1] = i .. "=" .. v
    T.eq(tostring(bar):match("| (%d+/%d+) %["), (i - 1) .. "/3", "done before iteration " .. i)
  end
  T.eq(table.concat(seen, ","), "1=a,2=b,3=c")
  seen = {}
  for i, v in torch.progress({10, 20, nil, 40}, quiet) do seen[#seen + 1] = v end
  T.eq(table.concat(seen, ","), "10,20")
  for _ in torch.progress({}, quiet) do error("no iterations expected") end
end)

T.case("a table's __index and __len are honoured (a dataset object)", function()
  local Squares = {__index = function(_, i) if i <= 4 then return i * i end end, __len = function() return 4 end}
  local seen, last = {}, nil
  for i, v, bar in torch.progress(setmetatable({}, Squares), quiet) do seen[#seen + 1] = v; last = bar end
  T.eq(table.concat(seen, ","), "1,4,9,16")
  T.truthy(tostring(last):find("4/4", 1, true), tostring(last))
end)

T.case("data.windows yields x, y, bar with its length as the total", function()
  local it = data.windows(torch.arange(1, 21), 4, {batch = 4})
  local batches, last = 0, nil
  for x, y, bar in torch.progress(it, quiet) do
    batches = batches + 1
    T.eq(x:size(1), y:size(1))
    T.eq(y[1][1][1], x[1][2][1], "y is x a step later")
    last = bar
  end
  T.eq(batches, #it)
  T.truthy(tostring(last):find(#it .. "/" .. #it, 1, true), tostring(last))
end)

T.case("an iterator without a length counts without a total; total sets one", function()
  local function squares(n)
    return coroutine.wrap(function() for i = 1, n do coroutine.yield(i * i) end end)
  end
  local seen, last = {}, nil
  for v, bar in torch.progress(squares(3), quiet) do seen[#seen + 1] = v; last = bar end
  T.eq(table.concat(seen, ","), "1,4,9")
  T.truthy(tostring(last):match("^3it %[%d%d:%d%d, [%d.]+it/s%]$"), tostring(last))
  for v, bar in torch.progress(squares(3), {disable = true, total = 6}) do last = bar end
  T.truthy(tostring(last):find("| 3/6 [", 1, true), tostring(last))
  T.truthy(tostring(last):find("50%", 1, true), tostring(last))
end)

T.case("a generic-for triple (next, t, nil: what pairs(t) returns) yields its values, then bar", function()
  local got = {}
  for k, v, bar in torch.progress(next, {a = 1, b = 2}, nil, quiet) do
    got[#got + 1] = k .. "=" .. v
    T.eq(getmetatable(bar).__name, "torch.progress")
  end
  table.sort(got)
  T.eq(table.concat(got, ","), "a=1,b=2")
  -- the control value goes back to the iterator, as a generic for passes it
  local steps = {}
  local function countdown(limit, i) if i < limit then return i + 1 end end
  for i in torch.progress(countdown, 3, 0, {disable = true, total = 3}) do steps[#steps + 1] = i end
  T.eq(table.concat(steps, ","), "1,2,3")
end)

T.case("total overrides a range's count; unit names the rate", function()
  local last
  for _, bar in torch.progress(1, 5, {disable = true, total = 10}) do last = bar end
  T.truthy(tostring(last):find("| 5/10 [", 1, true), tostring(last))
  for _, bar in torch.progress(1, 5, {disable = true, unit = "batch"}) do last = bar end
  T.truthy(tostring(last):match("[%d.]+batch/s%]$"), tostring(last))
  T.truthy(not tostring(last):find("it/s", 1, true), tostring(last))
end)

T.case("desc heads the line; a loop left early shows what it finished", function()
  local last
  for i, bar in torch.progress(1, 10, {disable = true, desc = "train"}) do last = bar; if i == 4 then break end end
  T.truthy(tostring(last):find("^train  30%%|"), tostring(last))
  T.truthy(tostring(last):find("| 3/10 [", 1, true), tostring(last))
end)

T.case("an iterator's error reaches the loop; the bar is closed", function()
  local bar
  local ok, err = pcall(function()
    local function failing()
      return function() error("reading failed") end
    end
    for _, b in torch.progress(failing(), quiet) do bar = b end
  end)
  T.truthy(not ok and tostring(err):find("reading failed"), tostring(err))
end)

T.case("bad arguments and options are errors naming progress", function()
  T.raises(function() torch.progress("x") end, "bad argument #1 to 'progress' (number, table or iterator expected, got string)")
  T.raises(function() torch.progress({1}, {total = -1}) end, "option 'total': must not be negative")
  T.raises(function() torch.progress(3, {unit = ""}) end, "option 'unit'")
  T.raises(function() torch.progress({1}, {leave = "no"}) end, "option 'leave'")
  T.raises(function() torch.progress(3, {colour = "red"}) end, "unknown option 'colour'")
  local bar = torch.progress(function() end)
  T.raises(function() bar(42) end, "the loop's state expected")
end)

T.case("bar:write prints its text as print does", function()
  local printed = {}
  local saved = print
  print = function(...) printed[#printed + 1] = table.concat({...}, "\t") end
  local ok, err = pcall(function()
    for _, bar in torch.progress(1, 2, quiet) do bar:write("line " .. _) end
  end)
  print = saved
  T.truthy(ok, tostring(err))
  T.eq(table.concat(printed, "|"), "line 1|line 2")
  T.raises(function() for _, bar in torch.progress(1, 1, quiet) do bar:write({}) end end, "string expected, got table")
end)

return T.run()

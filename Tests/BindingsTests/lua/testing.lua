-- A small test harness for lstmlua's Lua-level tests.
--   local T = require "testing"
--   T.case("name", function() T.eq(1 + 1, 2) end)
--   return T.run()      -- raises an error listing every failed case

local T = {}
local cases = {}
local ran = 0

function T.case(name, fn)
  cases[#cases + 1] = {name = name, fn = fn}
end

local function fail(msg, level)
  error(msg, (level or 1) + 2)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" and getmetatable(v) == nil then
    local parts = {}
    for i = 1, #v do parts[i] = show(v[i]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

-- Plain tables (totable's results) compare by their contents, everything else with ==.
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" or getmetatable(a) ~= nil or getmetatable(b) ~= nil then
    return a == b
  end
  if #a ~= #b then return false end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

function T.eq(actual, expected, what)
  if not same(actual, expected) then
    fail(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", show(expected), show(actual)))
  end
end

function T.truthy(v, what)
  if not v then fail((what or "expected a true value") .. ", got " .. show(v)) end
end

--- |a - b| <= tol * max(1, |b|) for numbers, elementwise for tensors or tables.
function T.near(actual, expected, tol, what)
  tol = tol or 1e-5
  local a = torch.is_tensor(actual) and actual:reshape(-1):totable() or actual
  local b = torch.is_tensor(expected) and expected:reshape(-1):totable() or expected
  if type(a) == "number" then a = {a} end
  if type(b) == "number" then b = {b} end
  if #a ~= #b then fail(string.format("%ssizes differ: %d vs %d", what and (what .. ": ") or "", #a, #b)) end
  for i = 1, #a do
    local scale = math.max(1, math.abs(b[i]))
    if not (math.abs(a[i] - b[i]) <= tol * scale) then
      fail(string.format("%selement %d: expected %.9g, got %.9g (tolerance %g)", what and (what .. ": ") or "", i, b[i], a[i], tol))
    end
  end
end

--- Runs fn and checks it raises an error whose message contains `expected` (plain text).
function T.raises(fn, expected)
  local ok, err = pcall(fn)
  if ok then fail("expected an error containing " .. show(expected) .. ", but the call succeeded") end
  err = tostring(err)
  if expected and not err:find(expected, 1, true) then
    fail("expected an error containing " .. show(expected) .. ", got " .. show(err))
  end
  return err
end

--- Runs fn with lstmlua's thread count set to n, then restores it; returns fn's results.
function T.with_threads(n, fn)
  local before = torch.get_num_threads()
  torch.set_num_threads(n)
  local ok, a, b = pcall(fn)
  torch.set_num_threads(before)
  if not ok then error(a, 0) end
  return a, b
end

function T.shape(t, expected)
  local s = t:size()
  T.eq(table.concat(s, "x"), table.concat(expected, "x"), "shape")
end

function T.run()
  local failed = {}
  for _, c in ipairs(cases) do
    local ok, err = xpcall(c.fn, debug.traceback)
    if not ok then failed[#failed + 1] = c.name .. ": " .. tostring(err) end
  end
  local total = #cases
  cases = {}
  ran = ran + total
  if #failed > 0 then
    error(string.format("%d of %d cases failed:\n%s", #failed, total, table.concat(failed, "\n\n")), 0)
  end
  return total
end

-- Cases registered but not run yet, and cases run: a file that forgets `return T.run()`
-- leaves the first above 0 and the second at 0.
function T.counts() return #cases, ran end

return T

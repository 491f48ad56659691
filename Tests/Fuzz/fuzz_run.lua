-- What both fuzzers share: reading their options (`--name value`, or `--name` alone for
-- a flag), the check that they run in the temporary folder --dir (relative paths then
-- stay inside it), the log each call or mutant is written to before it runs, and the
-- seeded generators.
--
--   local run = dofile(folder .. "/fuzz_run.lua")("api_fuzz", {seed = 1, calls = 10000, verbose = false})
--   -- run.options, run.dir, run.log, run.random, run.pick

return function(name, defaults)
  local options = {log = nil, dir = nil}
  for k, v in pairs(defaults) do options[k] = v end
  local i = 1
  while i <= #arg do
    local key = arg[i]:match("^%-%-([%w_]+)$")
    local default = key and defaults[key]
    if key == "log" or key == "dir" or (key and type(default) == "string") then
      options[key] = arg[i + 1]; i = i + 2
    elseif type(default) == "number" then
      local v = tonumber(arg[i + 1])
      if v == nil or (math.type(default) == "integer" and math.tointeger(v) == nil) then
        error(string.format("%s: --%s takes a %s", name, key, math.type(default) == "integer" and "whole number" or "number"))
      end
      options[key] = math.type(default) == "integer" and math.tointeger(v) or v; i = i + 2
    elseif type(default) == "boolean" then
      options[key] = true; i = i + 1
    else
      error(name .. ": unknown option " .. tostring(arg[i]))
    end
  end
  assert(options.dir and options.dir:sub(1, 1) == "/", name .. ": --dir must name the (absolute) temporary folder to run in")
  local dir = options.dir:gsub("/+$", "")
  assert(not dir:find("^/dev") and not dir:find("%.%."), name .. ": --dir must be a temporary folder")
  do
    local token = tostring(os.time()) .. tostring({})
    local marker = "." .. name .. "_cwd"
    local f = assert(io.open(marker, "w"))
    f:write(token)
    f:close()
    local g = io.open(dir .. "/" .. marker, "r")
    local seen = g and g:read("a")
    if g then g:close() end
    os.remove(marker)
    assert(seen == token, name .. ": run it with the current folder set to --dir")
  end
  local log = assert(io.open(options.log or (dir .. "/" .. name .. ".log"), "w"))
  math.randomseed(options.seed)
  torch.manual_seed(options.seed)
  local random = math.random
  return {options = options, dir = dir, log = log, random = random,
          pick = function(list) return list[random(#list)] end}
end

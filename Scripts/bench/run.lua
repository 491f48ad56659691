-- Benchmarks lstmlua against PyTorch on the same machine in the same
-- invocation: each workload's two sides run alternately, several rounds, with
-- OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both; the table shows the
-- median of each side and their ratio.
--
--   lstmlua Scripts/bench/run.lua [--rounds N] [--python PATH] [--only NAME,...] [--markdown]
--
-- PyTorch's side needs a Python with torch and numpy (--python, else
-- LSTMLUA_PYTHON, else python3); without one, only lstmlua's figures are shown.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local options = {rounds = 5, python = os.getenv("LSTMLUA_PYTHON") or "python3", markdown = false}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--rounds" then options.rounds = math.tointeger(tonumber(arg[i + 1])); i = i + 1
  elseif a == "--python" then options.python = arg[i + 1]; i = i + 1
  elseif a == "--only" then options.only = arg[i + 1]; i = i + 1
  elseif a == "--markdown" then options.markdown = true
  elseif a == "--help" or a == "-h" then
    print("usage: lstmlua Scripts/bench/run.lua [--rounds N] [--python PATH] [--only article,generate,ops,medium,large] [--markdown]")
    os.exit(0)
  else
    io.stderr:write("unknown option " .. a .. "\n"); os.exit(2)
  end
  i = i + 1
end

-- workload, repeats per run, PyTorch figure target (lstmlua / PyTorch at most)
local workloads = {
  {"article", 5, 0.05}, {"generate", 5, 0.05}, {"ops", 5, 0.33}, {"medium", 10, 0.67}, {"large", 3, 1.0},
}
if options.only then
  local keep = {}
  for name in options.only:gmatch("[^,]+") do keep[name] = true end
  local filtered = {}
  for _, w in ipairs(workloads) do if keep[w[1]] then filtered[#filtered + 1] = w end end
  workloads = filtered
end

local env = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "
local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function run(command)
  local p = io.popen(command .. " 2>/dev/null")
  local out = p:read("a")
  local ok = p:close()
  for line in out:gmatch("[^\n]+") do
    if line:sub(1, 1) == "{" then
      local good, value = pcall(json.decode, line)
      if good then return value end
    end
  end
  return nil, ok
end

local lstmlua = quote(arg[-1] or "lstmlua")
local have_torch = os.execute(quote(options.python) .. " -c 'import torch, numpy' >/dev/null 2>&1")

local function median(xs)
  local s = {}
  for k, v in ipairs(xs) do s[k] = v end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

local results = {}
for _, w in ipairs(workloads) do
  local name, repeats = w[1], w[2]
  local ours, theirs, rss_ours, rss_theirs = {}, {}, {}, {}
  for round = 1, options.rounds do
    local a = run(env .. lstmlua .. " " .. quote(here .. "/workloads.lua") .. " " .. name .. " --repeat " .. repeats)
    if a then ours[#ours + 1] = a.median; rss_ours[#rss_ours + 1] = a.peak_rss_mb end
    if have_torch then
      local b = run(env .. quote(options.python) .. " " .. quote(here .. "/bench_pytorch.py") .. " " .. name .. " --repeat " .. repeats)
      if b then theirs[#theirs + 1] = b.median; rss_theirs[#rss_theirs + 1] = b.peak_rss_mb; results.torch = b.system end
    end
    io.stderr:write(string.format("\r%s round %d/%d", name, round, options.rounds))
  end
  io.stderr:write("\n")
  results[#results + 1] = {name = name, target = w[3], ours = median(ours), theirs = median(theirs),
                           rss_ours = median(rss_ours), rss_theirs = median(rss_theirs)}
end

local function time(s)
  if not s then return "-" end
  if s >= 1e-3 then return string.format("%.2f ms", s * 1e3) end
  return string.format("%.2f µs", s * 1e6)
end

local rows = {}
for _, r in ipairs(results) do
  local ratio = r.theirs and r.ours / r.theirs
  rows[#rows + 1] = {
    r.name, time(r.ours), time(r.theirs), ratio and string.format("%.3f", ratio) or "-",
    string.format("≤ %.2f", r.target), ratio and (ratio <= r.target and "met" or "not met") or "-",
    string.format("%.0f MB", r.rss_ours or 0), r.rss_theirs and string.format("%.0f MB", r.rss_theirs) or "-",
  }
end
local header = {"workload", "lstmlua", "PyTorch", "ratio", "target", "", "peak RSS lstmlua", "peak RSS PyTorch"}
if options.markdown then
  print("| " .. table.concat(header, " | ") .. " |")
  print("|" .. string.rep(" --- |", #header))
  for _, r in ipairs(rows) do print("| " .. table.concat(r, " | ") .. " |") end
else
  local widths = {}
  for k, h in ipairs(header) do widths[k] = utf8.len(h) end
  for _, r in ipairs(rows) do for k, v in ipairs(r) do widths[k] = math.max(widths[k], utf8.len(v)) end end
  local function line(cells)
    local out = {}
    for k, v in ipairs(cells) do out[k] = v .. string.rep(" ", widths[k] - utf8.len(v)) end
    print(table.concat(out, "  "))
  end
  line(header)
  for _, r in ipairs(rows) do line(r) end
end
local blas = torch.backends.blas_info()
print(string.format("medians of %d rounds per side, run alternately; %s; lstmlua on OpenBLAS %s kernels, %d threads",
  options.rounds, results.torch or "PyTorch not found", blas.core, blas.threads))

-- Benchmarks lstmlua against PyTorch on the same machine in the same
-- invocation: each workload's two sides run alternately, several rounds, with
-- OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both; the table shows the
-- median of each side and their ratio, one table per thread count.
--
--   lstmlua Scripts/bench/run.lua [--rounds N] [--python PATH] [--only NAME,...] [--threads N[,M...]] [--markdown]
--
-- --threads pins both sides to N threads, then to M...: lstmlua through
-- torch.set_num_threads, PyTorch through torch.set_num_threads with OMP_NUM_THREADS
-- and MKL_NUM_THREADS set to the same; the default is 1,2. --only takes workload
-- names; `pointwise` stands for all of pointwise.exp, .tanh, .sigmoid, .fma, .sum
-- and .softmax. PyTorch's side needs a Python with torch and numpy (--python, else
-- LSTMLUA_PYTHON, else python3); without one, only lstmlua's figures are shown.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local options = {rounds = 5, python = os.getenv("LSTMLUA_PYTHON") or "python3", markdown = false, threads = {1, 2}}
local usage = "usage: lstmlua Scripts/bench/run.lua [--rounds N] [--python PATH] [--only NAME,...] [--threads N[,M...]] [--markdown]"

-- workload, repeats per run, target (lstmlua / PyTorch at most), as issue 16 sets them
local workloads = {
  {"article", 5, 0.05}, {"generate", 5, 0.03}, {"ops", 5, 0.2}, {"medium", 10, 0.5}, {"large", 3, 0.75},
  {"wordlm", 3, 0.5}, {"charrnn", 3, 0.5}, {"cells", 3, 0.5},
}
for _, op in ipairs({"exp", "tanh", "sigmoid", "fma", "sum", "softmax"}) do
  workloads[#workloads + 1] = {"pointwise." .. op, 5, 0.5}
end
-- no target: a copy of the same tensor, the memory floor under every pointwise op on each side
workloads[#workloads + 1] = {"pointwise.copy", 5, nil}

local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--rounds" then options.rounds = math.tointeger(tonumber(arg[i + 1])); i = i + 1
  elseif a == "--python" then options.python = arg[i + 1]; i = i + 1
  elseif a == "--only" then options.only = arg[i + 1]; i = i + 1
  elseif a == "--threads" then
    options.threads = {}
    for n in (arg[i + 1] or ""):gmatch("[^,]+") do
      local t = math.tointeger(tonumber(n))
      if not t or t < 1 then io.stderr:write("--threads takes counts like 1,2\n"); os.exit(2) end
      options.threads[#options.threads + 1] = t
    end
    i = i + 1
  elseif a == "--markdown" then options.markdown = true
  elseif a == "--help" or a == "-h" then
    local names = {}
    for k, w in ipairs(workloads) do names[k] = w[1] end
    print(usage)
    print("workloads: " .. table.concat(names, ", "))
    os.exit(0)
  else
    io.stderr:write("unknown option " .. a .. "\n" .. usage .. "\n"); os.exit(2)
  end
  i = i + 1
end
if not options.rounds or options.rounds < 1 or #options.threads == 0 then io.stderr:write(usage .. "\n"); os.exit(2) end

if options.only then
  local keep = {}
  for name in options.only:gmatch("[^,]+") do keep[name] = true end
  local filtered = {}
  for _, w in ipairs(workloads) do
    if keep[w[1]] or (keep.pointwise and w[1]:match("^pointwise%.")) then filtered[#filtered + 1] = w end
  end
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

local function time(s)
  if not s then return "-" end
  if s >= 1e-3 then return string.format("%.2f ms", s * 1e3) end
  return string.format("%.2f µs", s * 1e6)
end

local header = {"workload", "lstmlua", "PyTorch", "ratio", "target", "", "peak RSS lstmlua", "peak RSS PyTorch"}
local function print_table(rows)
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
end

local blas = torch.backends.blas_info()
for t, threads in ipairs(options.threads) do
  local ours_env = env
  local theirs_env = env .. "OMP_NUM_THREADS=" .. threads .. " MKL_NUM_THREADS=" .. threads .. " "
  local results = {}
  for _, w in ipairs(workloads) do
    local name, repeats = w[1], w[2]
    local args = " " .. name .. " --repeat " .. repeats .. " --threads " .. threads
    local ours, theirs, rss_ours, rss_theirs = {}, {}, {}, {}
    for round = 1, options.rounds do
      local a = run(ours_env .. lstmlua .. " " .. quote(here .. "/workloads.lua") .. args)
      if a then ours[#ours + 1] = a.median; rss_ours[#rss_ours + 1] = a.peak_rss_mb; results.our_threads = a.threads end
      if have_torch then
        local b = run(theirs_env .. quote(options.python) .. " " .. quote(here .. "/bench_pytorch.py") .. args)
        if b then
          theirs[#theirs + 1] = b.median; rss_theirs[#rss_theirs + 1] = b.peak_rss_mb
          results.torch = b.system; results.torch_threads = b.threads
        end
      end
      io.stderr:write(string.format("\r%d thread%s: %s round %d/%d   ", threads, threads == 1 and "" or "s", name, round, options.rounds))
    end
    io.stderr:write("\n")
    results[#results + 1] = {name = name, target = w[3], ours = median(ours), theirs = median(theirs),
                             rss_ours = median(rss_ours), rss_theirs = median(rss_theirs)}
  end

  local rows = {}
  for _, r in ipairs(results) do
    local ratio = r.ours and r.theirs and r.ours / r.theirs
    rows[#rows + 1] = {
      r.name, time(r.ours), time(r.theirs), ratio and string.format("%.3f", ratio) or "-",
      r.target and string.format("≤ %.2f", r.target) or "(floor)",
      r.target and ratio and (ratio <= r.target and "met" or "not met") or "-",
      r.rss_ours and string.format("%.0f MB", r.rss_ours) or "-", r.rss_theirs and string.format("%.0f MB", r.rss_theirs) or "-",
    }
  end
  if t > 1 then print() end
  print(string.format(options.markdown and "**%d thread%s** (lstmlua %s, PyTorch %s):\n" or "%d thread%s (lstmlua %s, PyTorch %s):",
    threads, threads == 1 and "" or "s", tostring(results.our_threads or "-"), tostring(results.torch_threads or "-")))
  print_table(rows)
  if options.markdown then print() end
  print(string.format("medians of %d rounds per side, run alternately; %s; lstmlua on OpenBLAS %s kernels (%s)",
    options.rounds, results.torch or "PyTorch not found", blas.core, blas.isa))
end

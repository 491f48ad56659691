-- What this machine can do at most, for BENCHMARKS.md's "fraction of the limit":
-- the float32 product rate of the best-shaped large product (OpenBLAS's sgemm, or
-- lstmlua's threads over it) and the rate a large copy streams memory, at each
-- thread count. Medians of several runs.
--
--   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE lstmlua Scripts/bench/roofline.lua [--threads 1,2]

local threads = {1, 2}
for i = 1, #arg do
  if arg[i] == "--threads" then
    threads = {}
    for n in (arg[i + 1] or ""):gmatch("[^,]+") do threads[#threads + 1] = math.tointeger(tonumber(n)) end
  end
end

local function median_time(fn, runs)
  fn()
  local ts = {}
  for r = 1, runs do
    local t = time.perf_counter()
    fn()
    ts[r] = time.perf_counter() - t
  end
  table.sort(ts)
  return ts[(runs + 1) // 2]
end

torch.manual_seed(0)
local a, b = torch.randn(6400, 1024), torch.randn(1024, 256)
local x = torch.randn(700, 4000)
for _, n in ipairs(threads) do
  torch.set_num_threads(n)
  local t = median_time(function() return torch.mm(a, b) end, 15)
  local gflops = 2 * 6400 * 1024 * 256 / t / 1e9
  local c = median_time(function() return x:clone() end, 31)
  local gbs = 2 * x:numel() * 4 / c / 1e9
  print(string.format("%d thread%s: sgemm [6400x1024]x[1024x256] %.1f GFLOP/s; copying 11.2 MB %.1f GB/s",
    n, n == 1 and "" or "s", gflops, gbs))
end

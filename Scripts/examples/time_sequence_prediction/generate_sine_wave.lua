-- Port of pytorch/examples time_sequence_prediction/generate_sine_wave.py
-- (https://github.com/pytorch/examples/tree/main/time_sequence_prediction).
-- Of its 10 lines of code, 8 port one to one and the 2 imports go. They differ in
-- Lua's syntax (local, {} for tuples, 1-based slices), in torch's generator standing
-- in for numpy's (np.random.seed(2) -> torch.manual_seed(2): the offsets are other
-- numbers from the same range), in x:double() where numpy divides integers into
-- float64, and in the file: traindata.npy (numpy reads it), not a pickled traindata.pt.
--
--   lstmlua generate_sine_wave.lua [N [L [OUT]]]   (defaults: 100 sequences of 1000 points, traindata.npy)

torch.manual_seed(2)

local T = 20
local L = tonumber(arg[2]) or 1000
local N = tonumber(arg[1]) or 100

local x = torch.empty(N, L, {dtype = torch.int64})
x[{}] = torch.arange(L) + torch.randint(-4 * T, 4 * T, {N}):view(N, 1)
local data = torch.sin(x:double() / 1.0 / T)
torch.save_npy(arg[3] or "traindata.npy", data)

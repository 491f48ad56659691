-- torch.save and torch.load: round trips, modules, metadata, and files that
-- are broken in every way we could think of, each a clear error.
local T = require "testing"

local dir = os.tmpname()
os.remove(dir)
os.execute("mkdir -p " .. dir)
local function path(name) return dir .. "/" .. name end

local function write(name, bytes)
  local f = assert(io.open(path(name), "wb"))
  f:write(bytes)
  f:close()
  return path(name)
end

local function header(json_text, data)
  local n = #json_text
  return string.pack("<I8", n) .. json_text .. (data or "")
end

T.case("round trip of tensors and metadata", function()
  local a, b = torch.randn(3, 4), torch.arange(5)
  torch.save(path("rt.safetensors"), {a = a, ["b.c"] = b}, {note = "hello", n = 3})
  local t, meta = torch.load(path("rt.safetensors"))
  T.near(t.a, a, 0)
  T.near(t["b.c"], b, 0)
  T.eq(meta.note, "hello")
  T.eq(meta.n, "3")
end)

T.case("same tensors, same bytes", function()
  torch.save(path("d1.safetensors"), {w = torch.ones(2, 2), b = torch.zeros(3)})
  torch.save(path("d2.safetensors"), {b = torch.zeros(3), w = torch.ones(2, 2)})
  local f1, f2 = io.open(path("d1.safetensors"), "rb"), io.open(path("d2.safetensors"), "rb")
  T.eq(f1:read("a"), f2:read("a"))
  f1:close(); f2:close()
end)

T.case("a module's state_dict saves and loads into a fresh one", function()
  torch.manual_seed(1)
  local m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
  torch.save(path("m.safetensors"), m:state_dict())
  torch.manual_seed(2)
  local fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
  fresh:load_state_dict((torch.load(path("m.safetensors"))))
  local x = torch.randn(5, 3)
  T.near(fresh(x), m(x), 0)
end)

T.case("torch.save takes PyTorch's order (obj, path) as well as (path, obj)", function()
  local tensors = {w = torch.randn(2, 3), b = torch.zeros(2)}
  torch.save(tensors, path("pt-order.safetensors"), {note = "x"})
  torch.save(path("lua-order.safetensors"), tensors, {note = "x"})
  local f1, f2 = io.open(path("pt-order.safetensors"), "rb"), io.open(path("lua-order.safetensors"), "rb")
  T.eq(f1:read("a"), f2:read("a"))
  f1:close(); f2:close()
  local back, meta = torch.load(path("pt-order.safetensors"))
  T.near(back.w, tensors.w, 0)
  T.eq(meta.note, "x")
  T.raises(function() torch.save(tensors, 5) end, "bad argument #2 to 'save' (string expected, got number)")
  T.raises(function() torch.save({x = 1}, path("bad.safetensors")) end, "bad argument #1 to 'save' (the value for 'x' is a number, not a Tensor)")
end)

T.case("a whole model of nn's classes saves and loads back as the model", function()
  torch.manual_seed(5)
  local m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.LSTM{input_size = 4, hidden_size = 2, batch_first = true})
  m:append(nn.Linear(2, 1, false))
  torch.save(m, path("whole.safetensors"), {epoch = 3})
  local back, meta = torch.load(path("whole.safetensors"))
  T.truthy(nn.is_module(back), "a module")
  T.eq(tostring(back), tostring(m))
  T.eq(meta.epoch, "3")
  T.eq(back[3].batch_first, true)
  T.eq(back[4].bias, false)
  local x = torch.randn(2, 5, 3)
  local a = m[4](m[3](m[2](m[1](x))))
  T.near(back[4](back[3](back[2](back[1](x)))), a, 0)
  local lstm = nn.LSTM(2, 3, 2)
  torch.save(path("lstm.safetensors"), lstm)
  local l2 = torch.load(path("lstm.safetensors"))
  T.eq(tostring(l2), "LSTM(2, 3, num_layers=2)")
  T.near(l2.weight_hh_l1, lstm.weight_hh_l1, 0)
  T.raises(function() torch.save(lstm, path("x.safetensors"), {["lstmlua.module"] = "mine"}) end, "where a saved module describes itself")
end)

T.case("a script's class loads as its state_dict, and says how to load it", function()
  local Net = nn.Module:extend("Net")
  function Net:init(hidden) self.rnn = nn.GRU(1, hidden); self.out = nn.Linear(hidden, 1) end
  function Net:forward(x) return self.out((self.rnn(x))) end
  torch.manual_seed(6)
  local net = Net(5)
  local p = path("net.safetensors")
  torch.save(net, p)
  local state = torch.load(p)
  T.truthy(torch.is_tensor(state["out.weight"]), "the state_dict")
  local fresh = Net(5)
  fresh:load_state_dict(state)
  local x = torch.randn(4, 2, 1)
  T.near(fresh(x), net(x), 0)
  local how = "'" .. p .. "' holds a model of class Net, which a script defines and a file cannot rebuild; torch.load gave its state_dict: make the model and load it, local model = Net(5); model:load_state_dict(torch.load(\"" .. p .. "\"))"
  T.raises(function() return state(x) end, how)
  T.raises(function() state:eval() end, how)
  T.eq(state["no.such.name"], nil)
end)

T.case("writes are atomic: no temporary file is left behind", function()
  torch.save(path("atomic.safetensors"), {x = torch.ones(1000)})
  local p = io.popen("ls -a " .. dir)
  local listing = p:read("a")
  p:close()
  T.eq(listing:find(".tmp-", 1, true), nil)
end)

T.case("broken files are clear errors", function()
  local good = header('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', string.pack("<ff", 1, 2))
  T.near(torch.load(write("good.safetensors", good)).x, {1, 2}, 0)
  local cases = {
    {"short", "abc", "shorter than the 8-byte header length"},
    {"huge", string.pack("<I8", 1 << 40) .. "{}", "more than the 100000000 allowed"},
    {"truncated header", string.pack("<I8", 100) .. "{}", "truncated?"},
    {"truncated data", good:sub(1, #good - 3), "outside the"},
    {"not json", header("{not json}"), "not valid JSON"},
    {"not an object", header("[1, 2]"), "does not start with '{'"},
    {"no dtype", header('{"x":{"shape":[1],"data_offsets":[0,4]}}', "abcd"), "'x' has no dtype"},
    {"bad dtype", header('{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}', "abcdefgh"), "dtype C64"},
    {"bad shape", header('{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', "abcd"), "invalid shape"},
    {"size mismatch", header('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', "abcdefgh"), "needs 12"},
    {"overlap", header('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', "abcdefgh"), "overlaps"},
    {"gap", header('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', "abcdefgh"), "gap before 'a'"},
    {"extra data", header('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', "abcdefgh"), "belong to no tensor"},
    {"bad metadata", header('{"__metadata__":{"a":1}}'), "metadata value for 'a' is not a string"},
    {"absurd shape", header('{"x":{"dtype":"F32","shape":[1000000000,1000000000,1000000000],"data_offsets":[0,4]}}', "abcd"), "larger than the file"},
  }
  for _, c in ipairs(cases) do
    local err = T.raises(function() torch.load(write(c[1] .. ".safetensors", c[2])) end, c[3])
    T.truthy(err:find("load: ", 1, true), "names the function: " .. err)
  end
  T.raises(function() torch.load(path("missing.safetensors")) end, "cannot read")
  -- what is wrong with the path, in words (no Foundation error domains)
  T.raises(function() torch.load(dir) end, "load: cannot read '" .. dir .. "': is a directory")
  T.raises(function() torch.load("/dev/zero") end, "load: cannot read '/dev/zero': not a regular file")
  T.raises(function() torch.save(dir, {x = torch.ones(1)}) end, "save: cannot write '" .. dir .. "': is a directory")
  local binary = path("binary.csv")
  local f = assert(io.open(binary, "wb")); f:write("\255\254\0\1\2,\200\n"); f:close()
  T.raises(function() data.from_csv(binary) end, "from_csv: cannot read '" .. binary .. "': not UTF-8 text")
  T.raises(function() torch.save(dir .. "/no/such/dir/x.safetensors", {x = torch.ones(1)}) end, "cannot write")
  T.raises(function() torch.save(path("x.safetensors"), {x = 1}) end, "the value for 'x' is a number, not a Tensor")
  T.raises(function() torch.save(path("x.safetensors"), {torch.ones(1)}) end, "named by strings")
  T.raises(function() torch.save(path("x.safetensors"), {__metadata__ = torch.ones(1)}) end, "reserved")
end)

T.case("random bytes never crash the reader", function()
  torch.manual_seed(3)
  local good = header('{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', string.rep("\0", 16))
  for i = 1, 200 do
    local bytes = {good:byte(1, -1)}
    local flips = torch.randint(1, 6, {1})[1]
    for _ = 1, flips do
      local at = torch.randint(1, #bytes + 1, {1})[1]
      bytes[at] = torch.randint(0, 256, {1})[1]
    end
    local p = write("fuzz.safetensors", string.char(table.unpack(bytes)))
    pcall(torch.load, p)  -- an error or a tensor, never a crash
  end
end)

return T.run()

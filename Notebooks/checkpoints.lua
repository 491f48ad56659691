-- ---
-- jupyter:
--   kernelspec:
--     display_name: lstmlua (Lua 5.4)
--     language: lua
--     name: lstmlua
-- ---

-- %% [markdown]
-- # Checkpoints: save, load, same predictions
--
-- `torch.save` writes a model's `state_dict` as a safetensors file: an 8-byte
-- header length, a JSON header (names, dtypes, shapes, byte offsets, metadata),
-- then the raw little-endian tensors. PyTorch reads it with
-- `safetensors.torch.load_file`, and files PyTorch wrote load here. A whole
-- model also leaves its class and constructor arguments in the metadata
-- (`lstmlua.module`): `torch.load` rebuilds a model of nn's own classes, and
-- gives the `state_dict` of a class a script defines, as `Net` here.

-- %% A small model, trained a little
torch.manual_seed(5)
Net = nn.Module:extend("Net")

function Net:init(hidden)
  self.rnn = nn.LSTM{input_size = 1, hidden_size = hidden, batch_first = true}
  self.linear = nn.Linear(hidden, 1)
end

function Net:forward(x)
  local out = self.rnn(x)
  return self.linear(out)
end

model = Net(12)
optimizer = optim.Adam(model:parameters(), 0.01)
for iter = 1, 200 do
  local x, y = data.sine{num_points = 30, span = 6, start_max = 10, batch = 8}
  local loss = nn.functional.mse_loss(model(x), y)
  model:zero_grad()
  loss:backward()
  optimizer:step()
end
probe = data.sine{num_points = 30, span = 6, start_max = 1}
before = torch.no_grad(function() return model(probe) end)
before:view(-1):narrow(1, 1, 5)
--= tensor([0.0037, 0.2465, 0.4729, 0.6574, 0.7925])

-- %% Saving
path = "checkpoints.safetensors"
torch.save(path, model, {note = "sine, 200 iterations", hidden = "12"})

-- the header, read by hand: what any safetensors reader sees
local f = assert(io.open(path, "rb"))
local length = string.unpack("<I8", f:read(8))
local header = json.decode(f:read(length))
f:close()
local names = {}
for name in pairs(header) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local entry = header[name]
  if name == "__metadata__" then
    print(name, json.encode(entry))
  else
    print(string.format("%-20s %s %-8s bytes %d..%d", name, entry.dtype, json.encode(entry.shape),
      entry.data_offsets[1], entry.data_offsets[2]))
  end
end
--| __metadata__	{"hidden":"12","lstmlua.module":"{\"args\":[12],\"builtin\":false,\"class\":\"Net\",\"n\":1}","note":"sine, 200 iterations"}
--| linear.bias          F32 [1]      bytes 0..4
--| linear.weight        F32 [1,12]   bytes 4..52
--| rnn.bias_hh_l0       F32 [48]     bytes 52..244
--| rnn.bias_ih_l0       F32 [48]     bytes 244..436
--| rnn.weight_hh_l0     F32 [48,12]  bytes 436..2740
--| rnn.weight_ih_l0     F32 [48,1]   bytes 2740..2932

-- %% Loading into a fresh model
restored = Net(12)
tensors, metadata = torch.load(path)
restored:load_state_dict(tensors)
after = torch.no_grad(function() return restored(probe) end)
print("metadata:", metadata.note, "hidden", metadata.hidden)
print("same predictions:", torch.equal(before, after))
--| metadata:	sine, 200 iterations	hidden	12
--| same predictions:	true

-- %% A checkpoint for another shape is refused, naming what differs tags=["raises-exception"]
Net(8):load_state_dict(tensors)
--! checkpoints.lua:84: error(s) in loading state_dict for Net: size mismatch for linear.weight: copying a param with shape [1, 12], the shape in the current model is [1, 8]; size mismatch for rnn.bias_hh_l0: copying a param with shape [48], the shape in the current model is [32]; size mismatch for rnn.bias_ih_l0: copying a param with shape [48], the shape in the current model is [32]; size mismatch for rnn.weight_hh_l0: copying a param with shape [48, 12], the shape in the current model is [32, 8]; size mismatch for rnn.weight_ih_l0: copying a param with shape [48, 1], the shape in the current model is [32, 1]

-- %%
os.remove(path);

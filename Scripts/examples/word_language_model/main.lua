-- Port of pytorch/examples word_language_model/main.py
-- (https://github.com/pytorch/examples/tree/main/word_language_model), with data.py
-- and model.py as data.lua and model.lua: an LSTM (or GRU, RNN) language model on a
-- word corpus, trained with NLLLoss on log_softmax outputs, gradient clipping, plain
-- SGD through p.data:add_, optionally tied encoder/decoder weights; it saves the best
-- model and reports the test perplexity.
-- main.py (pytorch/examples at 77f55b9) has 206 lines of code: 9 imports, 22 of
-- argparse (a 14-line loop over arg here), about 70 for what is not ported (the
-- Transformer model, ONNX export, accelerators, the AdamW option, torch.load's
-- safe_globals list), and about 105 that port one to one in Lua's syntax (1-based
-- ranges, {} for tuples and kwargs, local, os.clock for time.time). Other differences:
-- Python's `with` (torch.no_grad(function)), KeyboardInterrupt (an "interrupted"
-- error), and torch.load of a script's class (its state_dict goes into a fresh model).
--
--   lstmlua main.lua [--data ./data/wikitext-2] [--model LSTM] [--emsize 200] [--nhid 200]
--                    [--nlayers 2] [--lr 20] [--clip 0.25] [--epochs 40] [--batch_size 20]
--                    [--bptt 35] [--dropout 0.2] [--tied] [--seed 1111] [--log-interval 200]
--                    [--save model.safetensors] [--dry-run]

-- data.lua and model.lua beside this file (by path: `data` is also lstmlua's own module)
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local data = dofile(here .. "/data.lua")
local model_module = dofile(here .. "/model.lua")

local args = {data = "./data/wikitext-2", model = "LSTM", emsize = 200, nhid = 200, nlayers = 2, lr = 20, clip = 0.25,
              epochs = 40, batch_size = 20, bptt = 35, dropout = 0.2, tied = false, seed = 1111, log_interval = 200,
              save = "model.safetensors", dry_run = false}
do
  local i = 1
  while i <= #arg do
    local key = arg[i]:match("^%-%-(.+)$")
    key = key and key:gsub("-", "_")
    if not key or args[key] == nil then io.stderr:write("main.lua: unknown option " .. arg[i] .. "\n"); os.exit(2) end
    if type(args[key]) == "boolean" then args[key] = true; i = i + 1
    else
      args[key] = type(args[key]) == "number" and tonumber(arg[i + 1]) or arg[i + 1]
      i = i + 2
    end
  end
end

-- Set the random seed manually for reproducibility.
torch.manual_seed(args.seed)

-------------------------------------------------------------------------------
-- Load data
-------------------------------------------------------------------------------

local corpus = data.Corpus(args.data)

-- Starting from sequential data, batchify arranges the dataset into columns.
local function batchify(source, bsz)
  -- Work out how cleanly we can divide the dataset into bsz parts.
  local nbatch = source:size(1) // bsz
  -- Trim off any extra elements that wouldn't cleanly fit (remainders).
  source = source:narrow(1, 1, nbatch * bsz)
  -- Evenly divide the data across the bsz batches.
  source = source:view(bsz, -1):t():contiguous()
  return source
end

local eval_batch_size = 10
local train_data = batchify(corpus.train, args.batch_size)
local val_data = batchify(corpus.valid, eval_batch_size)
local test_data = batchify(corpus.test, eval_batch_size)

-------------------------------------------------------------------------------
-- Build the model
-------------------------------------------------------------------------------

local ntokens = #corpus.dictionary
local model = model_module.RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied)

local criterion = nn.NLLLoss()

-------------------------------------------------------------------------------
-- Training code
-------------------------------------------------------------------------------

--- Wraps hidden states in new Tensors, to detach them from their history.
local function repackage_hidden(h)
  if torch.is_tensor(h) then
    return h:detach()
  else
    local out = {}
    for k, v in ipairs(h) do out[k] = repackage_hidden(v) end
    return out
  end
end

-- get_batch subdivides the source data into chunks of length args.bptt (i is 0-based,
-- as range() gives it in main.py).
local function get_batch(source, i)
  local seq_len = math.min(args.bptt, #source - 1 - i)
  local batch = source[{ {i + 1, i + seq_len} }]
  local target = source[{ {i + 2, i + 1 + seq_len} }]:reshape(-1)
  return batch, target
end

local function evaluate(data_source)
  -- Turn on evaluation mode which disables dropout.
  model:eval()
  local total_loss = 0.
  local hidden = model:init_hidden(eval_batch_size)
  torch.no_grad(function()
    for i = 0, data_source:size(1) - 2, args.bptt do
      local batch, targets = get_batch(data_source, i)
      local output
      output, hidden = model(batch, hidden)
      hidden = repackage_hidden(hidden)
      total_loss = total_loss + #batch * criterion(output, targets):item()
    end
  end)
  return total_loss / (#data_source - 1)
end

local lr = args.lr
local epoch

local function train()
  -- Turn on training mode which enables dropout.
  model:train()
  local total_loss = 0.
  local start_time = os.clock()
  local hidden = model:init_hidden(args.batch_size)
  local batch = 0
  for i = 0, train_data:size(1) - 2, args.bptt do
    local inputs, targets = get_batch(train_data, i)
    -- Starting each batch, we detach the hidden state from how it was previously produced.
    -- If we didn't, the model would try backpropagating all the way to start of the dataset.
    model:zero_grad()
    hidden = repackage_hidden(hidden)
    local output
    output, hidden = model(inputs, hidden)
    local loss = criterion(output, targets)
    loss:backward()

    -- `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
    nn.utils.clip_grad_norm_(model:parameters(), args.clip)
    for _, p in ipairs(model:parameters()) do
      p.data:add_(p.grad, -lr)
    end

    total_loss = total_loss + loss:item()

    if batch % args.log_interval == 0 and batch > 0 then
      local cur_loss = total_loss / args.log_interval
      local elapsed = os.clock() - start_time
      print(string.format("| epoch %3d | %5d/%5d batches | lr %02.2f | ms/batch %5.2f | loss %5.2f | ppl %8.2f",
        epoch, batch, #train_data // args.bptt, lr, elapsed * 1000 / args.log_interval, cur_loss, math.exp(cur_loss)))
      total_loss = 0
      start_time = os.clock()
    end
    if args.dry_run then break end
    batch = batch + 1
  end
end

-- Loop over epochs.
local best_val_loss = nil

-- At any point you can hit Ctrl + C to break out of training early.
local ok, err = pcall(function()
  for e = 1, args.epochs do
    epoch = e
    local epoch_start_time = os.clock()
    train()
    local val_loss = evaluate(val_data)
    print(string.rep("-", 89))
    print(string.format("| end of epoch %3d | time: %5.2fs | valid loss %5.2f | valid ppl %8.2f",
      epoch, os.clock() - epoch_start_time, val_loss, math.exp(val_loss)))
    print(string.rep("-", 89))
    -- Save the model if the validation loss is the best we've seen so far.
    if not best_val_loss or val_loss < best_val_loss then
      torch.save(model, args.save)
      best_val_loss = val_loss
    else
      -- Anneal the learning rate if no improvement has been seen in the validation dataset.
      lr = lr / 4.0
    end
  end
end)
if not ok then
  if not tostring(err):find("interrupted") then error(err, 0) end
  print(string.rep("-", 89))
  print("Exiting from training early")
end

-- Load the best saved model (a script's class: its state_dict, into a fresh model).
model = model_module.RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied)
model:load_state_dict(torch.load(args.save))

-- Run on test data.
local test_loss = evaluate(test_data)
print(string.rep("=", 89))
print(string.format("| End of training | test loss %5.2f | test ppl %8.2f", test_loss, math.exp(test_loss)))
print(string.rep("=", 89))

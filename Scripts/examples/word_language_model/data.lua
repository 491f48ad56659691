-- Port of pytorch/examples word_language_model/data.py: a corpus as word ids. Its 38
-- lines of code port one to one but for 3 imports and Python's classes (metatables
-- here). Ids are 1-based (Lua's, and nn.Embedding's and NLLLoss's in lstmlua), so each
-- is the Python id + 1. Words are split on whitespace, as str.split().

local M = {}

local Dictionary = {}
Dictionary.__index = Dictionary

function M.Dictionary()
  return setmetatable({word2idx = {}, idx2word = {}}, Dictionary)
end

function Dictionary:add_word(word)
  if not self.word2idx[word] then
    self.idx2word[#self.idx2word + 1] = word
    self.word2idx[word] = #self.idx2word
  end
  return self.word2idx[word]
end

function Dictionary:__len() return #self.idx2word end

local Corpus = {}
Corpus.__index = Corpus

function M.Corpus(path)
  local self = setmetatable({dictionary = M.Dictionary()}, Corpus)
  self.train = self:tokenize(path .. "/train.txt")
  self.valid = self:tokenize(path .. "/valid.txt")
  self.test = self:tokenize(path .. "/test.txt")
  return self
end

--- Tokenizes a text file.
function Corpus:tokenize(path)
  assert(io.open(path, "r"), path .. " does not exist"):close()
  -- Add words to the dictionary
  for line in io.lines(path) do
    for word in line:gmatch("%S+") do self.dictionary:add_word(word) end
    self.dictionary:add_word("<eos>")
  end
  -- Tokenize file content
  local idss = {}
  for line in io.lines(path) do
    local ids = {}
    for word in line:gmatch("%S+") do ids[#ids + 1] = self.dictionary.word2idx[word] end
    ids[#ids + 1] = self.dictionary.word2idx["<eos>"]
    idss[#idss + 1] = torch.tensor(ids):type(torch.int64)
  end
  return torch.cat(idss)
end

return M

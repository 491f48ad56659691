-- lstmlua.sandbox: --safe mode for untrusted notebooks. Each refused function
-- raises an error naming itself; writes go through the native check, which allows
-- only the notebook's folder.

local native = ...

local function refuse(name)
  return function()
    error(string.format("'%s' is not allowed in --safe mode", name), 2)
  end
end

os.execute = refuse("os.execute")
io.popen = refuse("io.popen")
os.exit = refuse("os.exit")
os.tmpname = refuse("os.tmpname")
package.loadlib = refuse("package.loadlib")

-- Lua source modules only: the C and all-in-one searchers go, with package.cpath,
-- and the Lua searcher loads text, never a precompiled chunk written in the folder.
package.cpath = ""
for i = #package.searchers, 3, -1 do package.searchers[i] = nil end
local searchpath, loadfile_text = package.searchpath, loadfile
package.searchers[2] = function(name)
  local path, err = searchpath(name, package.path)
  if not path then return err end
  local chunk, message = loadfile_text(path, "t")
  if not chunk then
    error(string.format("error loading module '%s' from file '%s':\n\t%s", name, path, message), 3)
  end
  return chunk, path
end
-- string.dump makes the bytecode that --safe never loads: no reason to make it.
string.dump = refuse("string.dump")

local function check_write(path, who)
  if type(path) ~= "string" then return end
  local ok, err = pcall(native.check_write, path)
  if not ok then
    -- the position is added once, the caller's of io.open (or os.remove, ...)
    local message = tostring(err):gsub("^[^\n]-:%d+: ", "", 1):gsub("'check_write'", "'" .. who .. "'")
    error(message, 3)
  end
end

local open, output, remove, rename = io.open, io.output, os.remove, os.rename
io.open = function(path, mode, ...)
  if type(mode) == "string" and mode:find("[wa+]") then check_write(path, "io.open") end
  return open(path, mode, ...)
end
io.output = function(file, ...)
  if type(file) == "string" then check_write(file, "io.output") end
  return output(file, ...)
end
os.remove = function(path, ...)
  check_write(path, "os.remove")
  return remove(path, ...)
end
os.rename = function(from, to, ...)
  check_write(from, "os.rename")
  check_write(to, "os.rename")
  return rename(from, to, ...)
end

-- Source text only: a precompiled chunk can take the VM apart.
local load_, loadfile_ = load, loadfile
load = function(chunk, name, _, ...)
  return load_(chunk, name, "t", ...)
end
loadfile = function(path, _, ...)
  return loadfile_(path, "t", ...)
end
dofile = function(path)
  local f, err = loadfile_(path, "t")
  if not f then error(err, 2) end
  return f()
end

-- debug can reach the registry, other functions' locals and the hooks.
debug = {traceback = debug.traceback}
package.loaded.debug = debug

return true

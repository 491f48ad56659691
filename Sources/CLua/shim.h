// Debian's Lua 5.4 (liblua5.4-dev). Swift may call only the functions the manual
// marks '-' or 'm'; everything else goes through LuaGlue.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

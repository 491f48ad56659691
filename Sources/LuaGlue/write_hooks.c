// print, io.write and the files' write method as Lua's own (liolib.c and lbaselib.c,
// 5.4), with one difference: text bound for stdout or stderr while `above(fd)` says
// so is handed whole to `write(fd, text)` instead (the progress bars' terminal lines
// let it pass above them). They are C, not Lua wrappers around the originals, so that
// an error names the function and the caller's line exactly as before.
#include "LuaGlue.h"

#include <stdio.h>

// above(fd): upvalue 1; write(fd, text): upvalue 2.
static int goes_above(lua_State *L, FILE *f) {
    if (f != stdout && f != stderr) return 0;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushinteger(L, fileno(f));
    lua_call(L, 1, 1);
    int yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return yes;
}

// Hands the string on top (popped) to write(fd, text).
static void hand_over(lua_State *L, FILE *f) {
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushinteger(L, fileno(f));
    lua_rotate(L, -3, -1);
    lua_call(L, 2, 0);
}

static int hooked_print(lua_State *L) {
    int n = lua_gettop(L);
    if (!goes_above(L, stdout)) {
        for (int i = 1; i <= n; i++) {
            size_t l;
            const char *s = luaL_tolstring(L, i, &l);
            if (i > 1) lua_writestring("\t", 1);
            lua_writestring(s, l);
            lua_pop(L, 1);
        }
        lua_writeline();
        return 0;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        // the separator first: luaL_addvalue wants the value right above the buffer
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    hand_over(L, stdout);
    return 0;
}

// liolib's g_write: the values from `arg` on; the file is on top, returned.
static int write_values(lua_State *L, FILE *f, int arg) {
    int nargs = lua_gettop(L) - arg;
    if (goes_above(L, f)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = arg; i < arg + nargs; i++) {
            if (lua_type(L, i) == LUA_TNUMBER) {
                char s[64];
                int len = lua_isinteger(L, i)
                    ? snprintf(s, sizeof s, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, i))
                    : snprintf(s, sizeof s, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, i));
                luaL_addlstring(&b, s, (size_t)len);
            } else {
                size_t l;
                const char *s = luaL_checklstring(L, i, &l);
                luaL_addlstring(&b, s, l);
            }
        }
        luaL_pushresult(&b);
        hand_over(L, f);
        return 1;
    }
    int status = 1;
    for (; nargs--; arg++) {
        if (lua_type(L, arg) == LUA_TNUMBER) {
            int len = lua_isinteger(L, arg)
                ? fprintf(f, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, arg))
                : fprintf(f, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, arg));
            status = status && (len > 0);
        } else {
            size_t l;
            const char *s = luaL_checklstring(L, arg, &l);
            status = status && (fwrite(s, sizeof(char), l, f) == l);
        }
    }
    if (status) return 1;
    return luaL_fileresult(L, status, NULL);
}

static int hooked_io_write(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "_IO_output");
    luaL_Stream *p = (luaL_Stream *)lua_touserdata(L, -1);
    if (p->closef == NULL) return luaL_error(L, "default %s file is closed", "output");
    return write_values(L, p->f, 1);
}

static int hooked_file_write(lua_State *L) {
    luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    if (p->closef == NULL) return luaL_error(L, "attempt to use a closed file");
    lua_pushvalue(L, 1);
    return write_values(L, p->f, 2);
}

static void push_hook(lua_State *L, lua_CFunction f) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, f, 2);
}

static int install(lua_State *L) {
    push_hook(L, hooked_print);
    lua_setglobal(L, "print");
    lua_getglobal(L, "io");
    push_hook(L, hooked_io_write);
    lua_setfield(L, -2, "write");
    luaL_getmetatable(L, LUA_FILEHANDLE);
    lua_getfield(L, -1, "__index");
    push_hook(L, hooked_file_write);
    lua_setfield(L, -2, "write");
    return 0;
}

int lg_pcall_hook_writes(lua_State *L) {
    lua_pushcfunction(L, install);
    lua_rotate(L, -3, 1);
    return lua_pcall(L, 2, 0, 0);
}

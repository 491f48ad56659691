// LuaGlue: the C half of the Lua bridge.
//
// Lua raises errors with longjmp, which must never cross a Swift frame. So the
// functions Lua calls are C (a trampoline); they call Swift, which pushes an
// error value and returns LG_RAISE instead of raising; the trampoline raises
// after the Swift frame is gone. The rest of this header wraps Lua's macros and
// variadic functions, which Swift cannot import, and runs the API calls the
// manual marks 'e' or 'v' under lua_pcall so that Swift never calls them itself.
#ifndef LUAGLUE_H
#define LUAGLUE_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/// What a Swift binding returns after pushing its error value.
#define LG_RAISE (-1)

/// The Swift side of every trampoline: runs the binding, returns its result count or LG_RAISE.
typedef int (*lg_Dispatch)(lua_State *L, void *binding);

/// Installs the Swift dispatcher; called once, before any binding is pushed.
void lg_set_dispatch(lg_Dispatch dispatch);

/// Pushes a C closure that calls `binding` through the dispatcher. [-0, +1, m]
void lg_pushbinding(lua_State *L, void *binding);

/// If the value at idx is a binding pushed by lg_pushbinding, its Swift binding; else NULL. [-0, +0, -]
void *lg_binding_of(lua_State *L, int idx);

/// Pushes "where: bad argument #arg to 'fname' (msg)" exactly as luaL_argerror
/// words it (method calls do not count self), without raising. [-0, +1, m]
void lg_push_argerror(lua_State *L, int arg, const char *fname, const char *msg);

/// Pushes "where: msg", where is the calling Lua code's position. [-0, +1, m]
void lg_push_error(lua_State *L, const char *msg);

/// Is the running C function called as a method (`obj:f()`)? [-0, +0, m]
int lg_called_as_method(lua_State *L);

/// Is the running C function one of the methods in the __methods table of the
/// metatable stored in the registry under `metatable_key`?
int lg_running_method_of(lua_State *L, const void *metatable_key);

/// Pops a methods table, a properties table and a fallback getter, and pushes an
/// __index function for userdata: a string key finds a method, else calls the
/// property's getter(obj); any other key goes to fallback(obj, key), which may be
/// nil (then the result is nil). Methods are found without calling Swift. [-3, +1, m]
void lg_push_indexer(lua_State *L);

/// Pops a setters table and a fallback setter, and pushes a __newindex function:
/// a string key with a setter calls setter(obj, value); any other key goes to
/// fallback(obj, key, value), or is an error when there is none. [-2, +1, m]
void lg_push_newindexer(lua_State *L);

/// A userdata block holding a Swift object: its class's tag (which the metatable cannot
/// forge) and the retained object, NULL once released (__close).
typedef struct {
    unsigned long long tag;
    void *object;
} lg_Block;

/// Releases a retained Swift object (Unmanaged.release).
typedef void (*lg_Release)(void *object);

/// Makes the state's allocator release the objects of adopted lg_Block userdata when
/// Lua frees them: no __gc. Call once,
/// right after luaL_newstate. Returns 0 when memory runs out. [-0, +0, -]
int lg_heap_install(lua_State *L, lg_Release release);

/// Adopts the lg_Block userdata just made by lua_newuserdatauv: when Lua frees it, a
/// non-NULL object is released. [-0, +0, -]
void lg_heap_adopt(lua_State *L, void *payload);

/// lua_close, then frees what lg_heap_install allocated. [-0, +0, -]
void lg_close(lua_State *L);

/// The extra space of a state (lua_getextraspace), where the runtime keeps itself.
static inline void **lg_extraspace(lua_State *L) { return (void **)lua_getextraspace(L); }

// ---- Macros and variadics ------------------------------------------------

static inline int lg_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int lg_registryindex(void) { return LUA_REGISTRYINDEX; }

/// lua_pcall. [-(nargs + 1), +(nresults|1), -]
static inline int lg_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}

/// lua_pop for frames of lstmlua's own C functions. lua_settop is marked 'e'
/// only because it may close to-be-closed slots (lapi.c runs luaF_close only
/// when L->tbclist >= the new top); lstmlua never marks a slot with
/// lua_toclose, so in its frames this cannot raise. [-n, +0, -]
static inline void lg_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }

/// lua_gc(L, LUA_GCCOUNT) and LUA_GCCOUNTB: Lua's heap in bytes. [-0, +0, -]
size_t lg_gc_bytes(lua_State *L);
/// lua_gc(L, LUA_GCGEN, 0, 0): generational mode, which suits loops of short-lived tensors. [-0, +0, -]
void lg_gc_generational(lua_State *L);
/// lua_gc(L, LUA_GCCOLLECT): a full collection; finalizer errors become warnings in 5.4.
/// 0 when the collector cannot run (inside a finalizer), else 1. [-0, +0, -]
int lg_gc_collect(lua_State *L);
/// lua_gc(L, LUA_GCSTEP, 0): one basic step; in generational mode a young collection.
/// 0 when the collector cannot run (inside a finalizer), else 1. [-0, +0, -]
int lg_gc_step(lua_State *L);

// ---- Raw table access composed of '-' and 'm' calls ----------------------

/// t[i] as a number when it is one (t at idx, raw access). Returns the Lua type of t[i]. [-0, +0, -]
int lg_rawgeti_number(lua_State *L, int idx, lua_Integer i, double *out);
/* t[i] for a number or boolean: its value, and for an integer (or boolean) also its exact integer. */
int lg_rawgeti_scalar(lua_State *L, int idx, lua_Integer i, double *out, long long *integer, int *isinteger);
/// t[i]'s userdata block (or NULL) and its Lua type; the value stays reachable through t. [-0, +0, -]
int lg_rawgeti_userdata(lua_State *L, int idx, lua_Integer i, void **out);
/// t[key]'s type, leaving the value pushed. [-0, +1, m]
int lg_rawgetfield(lua_State *L, int idx, const char *key);
/// t[key] = value on top (pops it). [-1, +0, m]
void lg_rawsetfield(lua_State *L, int idx, const char *key);

// ---- Calls that may raise, run under lua_pcall ---------------------------

/// Pushes a table listing the keys of the table at idx that are not integers
/// 1..#t (lua_next is 'v', so it runs under lua_pcall). Returns a lua_pcall status. [-0, +1, -]
int lg_pcall_extra_keys(lua_State *L, int idx);

/// luaL_tolstring under lua_pcall (it may call __tostring / __name). Returns a status; pushes the string or the error. [-0, +1, -]
int lg_pcall_tostring(lua_State *L, int idx);

/// #v (luaL_len: __len honoured, an integer required) under lua_pcall. Returns a status; pushes the length or the error. [-0, +1, -]
int lg_pcall_len(lua_State *L, int idx);

/// v[i] (lua_geti: __index honoured) under lua_pcall. Returns a status; pushes the value or the error. [-0, +1, -]
int lg_pcall_geti(lua_State *L, int idx, lua_Integer i);

/// Replaces print, io.write and the files' write method (see write_hooks.c) with
/// versions that hand text for stdout or stderr to write(fd, text) whenever
/// above(fd) is true; above and write are the two values on top (popped). Returns a status.
int lg_pcall_hook_writes(lua_State *L);

/// luaL_openlibs under lua_pcall. Returns a status (the error pushed on failure).
int lg_pcall_openlibs(lua_State *L);

/// luaL_traceback of L from `level`, prefixed by msg. [-0, +1, m]
void lg_traceback(lua_State *L, const char *msg, int level);

/// A lua_pcall message handler that appends a traceback (lua.c's msghandler). 
int lg_msghandler(lua_State *L);

/// luaL_loadbufferx under the caller's own protection (it never raises: errors come back as a status). [-0, +1, -]
static inline int lg_loadbuffer(lua_State *L, const char *buff, size_t sz, const char *name, const char *mode) {
    return luaL_loadbufferx(L, buff, sz, name, mode);
}

/// A chunk given as pieces, read in order without joining them: `blank_lines` newlines
/// (so that line numbers count from where the code stands in its file), then each piece.
/// The parser stops reading at its first error, so a chunk that fails early costs little
/// however long it is. [-0, +1, -]
typedef struct { const char *bytes; size_t count; } lg_piece;
int lg_load_pieces(lua_State *L, size_t blank_lines, const lg_piece *pieces, size_t count, const char *name);

// ---- Ctrl-C ---------------------------------------------------------------

/// Installs lua.c's SIGINT handling for the calls that follow: the handler sets a
/// hook that raises "interrupted!" in Lua code, and requests an interrupt of native
/// loops (CInterrupt). lg_interrupt_end restores the previous handler.
void lg_interrupt_begin(lua_State *L);
/// Stops the running code (as Ctrl-C does, with "timed out") after `seconds`.
void lg_timeout_start(double seconds);
/// Disarms the time limit; whether it fired.
int lg_timeout_stop(void);
/// Where the hard limit's message goes (stderr's real descriptor while a capture holds fd 2).
void lg_set_diagnostics_fd(int fd);
/// Makes C's stdout line-buffered (the Jupyter kernel's stdout is a pipe).
void lg_line_buffered_stdout(void);
/// A second SIGINT while one is pending waits like the first instead of ending the process.
void lg_interrupt_patient(int yes);
/// Whether a SIGINT (Ctrl-C, a kernel's interrupt) came since the last lg_interrupt_begin.
int lg_interrupt_seen(void);
void lg_interrupt_end(void);

#endif

#include "LuaGlue.h"
#include "CInterrupt.h"
#include <sys/time.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

// ---- Trampolines ------------------------------------------------------------

static lg_Dispatch swift_dispatch = NULL;

void lg_set_dispatch(lg_Dispatch dispatch) { swift_dispatch = dispatch; }

// Every Swift binding is reached through here; lua_error runs after Swift returned.
static int trampoline(lua_State *L) {
    int n = swift_dispatch(L, lua_touserdata(L, lua_upvalueindex(1)));
    if (n < 0) return lua_error(L);
    return n;
}

void lg_pushbinding(lua_State *L, void *binding) {
    lua_pushlightuserdata(L, binding);
    lua_pushcclosure(L, trampoline, 1);
}

// ---- Indexing userdata --------------------------------------------------------------

// upvalues: 1 methods, 2 property getters, 3 fallback getter (for every other key)
static int indexer(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) {
            lua_pushvalue(L, 1);
            lua_call(L, 1, 1);
            return 1;
        }
    }
    if (lua_isnil(L, lua_upvalueindex(3))) return 0;
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_call(L, 2, 1);
    return 1;
}

void lg_push_indexer(lua_State *L) { lua_pushcclosure(L, indexer, 3); }

// upvalues: 1 property setters, 2 fallback setter (for every other key). A property
// setter is called as setter(obj, value); the fallback as setter(obj, key, value).
static int newindexer(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
            lua_pushvalue(L, 1);
            lua_pushvalue(L, 3);
            lua_call(L, 2, 0);
            return 0;
        }
        lg_pop(L, 1);
    }
    if (lua_isnil(L, lua_upvalueindex(2))) {
        if (lua_type(L, 2) == LUA_TSTRING)
            return luaL_error(L, "cannot set field '%s' of %s", lua_tostring(L, 2), luaL_typename(L, 1));
        return luaL_error(L, "cannot index-assign a %s", luaL_typename(L, 1));
    }
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_call(L, 3, 0);
    return 0;
}

void lg_push_newindexer(lua_State *L) { lua_pushcclosure(L, newindexer, 2); }

void *lg_binding_of(lua_State *L, int idx) {
    if (lua_tocfunction(L, idx) != trampoline) return NULL;
    if (lua_getupvalue(L, idx, 1) == NULL) return NULL;
    void *binding = lua_touserdata(L, -1);
    lg_pop(L, 1);
    return binding;
}

// ---- Error messages -----------------------------------------------------------

int lg_called_as_method(lua_State *L) {
    lua_Debug ar;
    if (!lua_getstack(L, 0, &ar)) return 0;
    lua_getinfo(L, "n", &ar);
    return ar.namewhat != NULL && strcmp(ar.namewhat, "method") == 0;
}

int lg_running_method_of(lua_State *L, const void *metatable_key) {
    lua_Debug ar;
    if (!lua_getstack(L, 0, &ar)) return 0;
    lua_getinfo(L, "nf", &ar);                       // the running function
    int found = 0;
    if (ar.name && lua_rawgetp(L, LUA_REGISTRYINDEX, metatable_key) == LUA_TTABLE) {
        lua_pushliteral(L, "__methods");
        if (lua_rawget(L, -2) == LUA_TTABLE) {
            lua_pushstring(L, ar.name);
            lua_rawget(L, -2);
            found = lua_rawequal(L, -1, -4);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (!ar.name) {
        lua_pushnil(L);
    }
    lua_pop(L, 2);
    return found;
}

// luaL_where without raising: the position of the Lua code that called us.
// C frames (the __index and __newindex dispatchers) and the prelude's own Lua
// code (chunks named "=[lstmlua:...]") are passed over, so that an error raised
// inside nn.LSTM's forward points at the user's line that called the layer.
static void push_where(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; level <= 12 && lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (*ar.what == 'C') continue;
        if (strncmp(ar.source, "=[lstmlua:", 10) == 0) continue;
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
        break;
    }
    lua_pushliteral(L, "");
}

void lg_push_argerror(lua_State *L, int arg, const char *fname, const char *msg) {
    push_where(L);
    if (lg_called_as_method(L)) {
        arg--;
        if (arg == 0) {
            lua_pushfstring(L, "calling '%s' on bad self (%s)", fname, msg);
            lua_concat(L, 2);
            return;
        }
    }
    lua_pushfstring(L, "bad argument #%d to '%s' (%s)", arg, fname, msg);
    lua_concat(L, 2);
}

void lg_push_error(lua_State *L, const char *msg) {
    push_where(L);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
}

size_t lg_gc_bytes(lua_State *L) {
    return (size_t)lua_gc(L, LUA_GCCOUNT) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB);
}

int lg_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT) >= 0; }

int lg_gc_step(lua_State *L) { return lua_gc(L, LUA_GCSTEP, 0) >= 0; }

void lg_gc_generational(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }

// ---- Raw table access -----------------------------------------------------------

int lg_rawgeti_number(lua_State *L, int idx, lua_Integer i, double *out) {
    int type = lua_rawgeti(L, idx, i);
    int isnum = 0;
    double v = lua_tonumberx(L, -1, &isnum);
    if (isnum && type == LUA_TNUMBER) *out = v;
    lg_pop(L, 1);
    return type;
}

int lg_rawgeti_scalar(lua_State *L, int idx, lua_Integer i, double *out, long long *integer, int *isinteger) {
    int type = lua_rawgeti(L, idx, i);
    *isinteger = 0;
    if (type == LUA_TNUMBER) {
        if (lua_isinteger(L, -1)) { *isinteger = 1; *integer = (long long)lua_tointeger(L, -1); *out = (double)*integer; }
        else *out = lua_tonumber(L, -1);
    } else if (type == LUA_TBOOLEAN) {
        *out = lua_toboolean(L, -1) ? 1 : 0;
        *integer = (long long)*out;
        *isinteger = 1;
    }
    lg_pop(L, 1);
    return type;
}

int lg_rawgeti_userdata(lua_State *L, int idx, lua_Integer i, void **out) {
    int type = lua_rawgeti(L, idx, i);
    *out = type == LUA_TUSERDATA ? lua_touserdata(L, -1) : NULL;
    lg_pop(L, 1);
    return type;
}

int lg_rawgetfield(lua_State *L, int idx, const char *key) {
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

void lg_rawsetfield(lua_State *L, int idx, const char *key) {
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    lua_rotate(L, -2, 1);
    lua_rawset(L, idx);
}

// ---- Calls that may raise, under lua_pcall ----------------------------------------

static int extra_keys(lua_State *L) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1), count = 0;
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lg_pop(L, 1);
        if (lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            if (k >= 1 && k <= n) continue;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, 2, ++count);
    }
    return 1;
}

// Runs f(value at idx) under lua_pcall: one result, or the error, on the stack.
static int pcall_on(lua_State *L, lua_CFunction f, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, f);
    lua_pushvalue(L, idx);
    return lua_pcall(L, 1, 1, 0);
}

int lg_pcall_extra_keys(lua_State *L, int idx) { return pcall_on(L, extra_keys, idx); }

static int tostring_any(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int lg_pcall_tostring(lua_State *L, int idx) { return pcall_on(L, tostring_any, idx); }

static int length_any(lua_State *L) {
    lua_pushinteger(L, luaL_len(L, 1));
    return 1;
}

int lg_pcall_len(lua_State *L, int idx) { return pcall_on(L, length_any, idx); }

static int index_any(lua_State *L) {
    lua_geti(L, 1, lua_tointeger(L, 2));
    return 1;
}

int lg_pcall_geti(lua_State *L, int idx, lua_Integer i) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, index_any);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, i);
    return lua_pcall(L, 2, 1, 0);
}

static void track_coroutines(lua_State *L);

static int openlibs(lua_State *L) {
    luaL_openlibs(L);
    track_coroutines(L);
    return 0;
}

int lg_pcall_openlibs(lua_State *L) {
    lua_pushcfunction(L, openlibs);
    return lua_pcall(L, 0, 0, 0);
}

void lg_traceback(lua_State *L, const char *msg, int level) {
    luaL_traceback(L, L, msg, level);
}

int lg_msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// ---- Ctrl-C and time limits -----------------------------------------------------------
//
// As lua.c: the signal handler sets a hook, and the hook raises "interrupted!". Unlike
// lua.c the interrupt stays pending until control is back at the top (lg_interrupt_end):
// the hook stays too and raises again at every instruction, so a pcall loop, a sort's
// comparator or an error handler cannot swallow it. The coroutine running when the
// signal came is hooked as well, and each resume hooks the thread it returns to, so
// coroutines made before the signal stop too. A hook left on a thread after the
// interrupt was dealt with removes itself. What no hook reaches (a finalizer that
// loops: Lua runs those without hooks; a long pattern match) meets the hard limit: a
// time limit that passes a second time, GRACE_SECONDS later, ends the process.

#define GRACE_SECONDS 5
#define HOOK_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT)

static lua_State *interrupt_state = NULL;
static lua_State *volatile running_thread = NULL;
static struct sigaction previous_action;
static int interrupt_depth = 0;

static volatile sig_atomic_t pending = 0;
static volatile sig_atomic_t timed_out = 0;

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (!pending) {
        lua_sethook(L, NULL, 0, 0);
        return;
    }
    luaL_error(L, timed_out ? "timed out" : "interrupted!");
}

static void hook_if_pending(lua_State *L) {
    if (pending && L != NULL) lua_sethook(L, interrupt_hook, HOOK_MASK, 1);
}

// Where the last words go: the real stderr, also while a notebook cell's is captured.
static volatile int diagnostics_fd = 2;

void lg_set_diagnostics_fd(int fd) { diagnostics_fd = fd; }

static void give_up(void) {
    static const char message[] =
        "\nlstmlua: the code did not stop within 5 s of its time limit (a finalizer or native work that loops?): giving up\n";
    ssize_t ignored = write(diagnostics_fd, message, sizeof message - 1);
    (void)ignored;
    _exit(124);
}

// A Jupyter kernel is interrupted from a button, which users press again when
// the first press seems slow: there a second interrupt waits like the first.
static volatile sig_atomic_t patient = 0;

void lg_interrupt_patient(int yes) { patient = yes; }

// Whether a SIGINT came since lg_interrupt_begin (a replay stops at it, not just the cell).
static volatile sig_atomic_t sigint_seen = 0;

int lg_interrupt_seen(void) { return sigint_seen; }

static void on_signal(int sig) {
    if (sig == SIGINT) sigint_seen = 1;
    if (sig == SIGINT && pending && patient) return;
    if (sig == SIGINT && pending) {
        // A second Ctrl-C before the first was honoured gets out, as in lua.c.
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
        return;
    }
    if (sig == SIGALRM) {
        if (timed_out) give_up();
        timed_out = 1;
        // the hard limit: this timer fires once more if the code ignores the first
        struct itimerval grace;
        memset(&grace, 0, sizeof grace);
        grace.it_value.tv_sec = GRACE_SECONDS;
        setitimer(ITIMER_REAL, &grace, NULL);
    }
    pending = 1;
    lstm_interrupt_request();
    hook_if_pending(interrupt_state);
    hook_if_pending(running_thread);
}

// Sends `sig` to on_signal, unblocked: a parent that blocked it (a test runner,
// say) must not leave Ctrl-C or the time limit dead here.
static void catch_signal(int sig, struct sigaction *previous) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, previous);
}

void lg_interrupt_begin(lua_State *L) {
    if (interrupt_depth++ > 0) return;
    interrupt_state = L;
    running_thread = NULL;
    pending = 0;
    sigint_seen = 0;
    lstm_interrupt_clear();
    catch_signal(SIGINT, &previous_action);
}

// A time limit for what runs between lg_interrupt_begin and _end: when it passes,
// the running code stops as Ctrl-C would stop it, with "timed out".
static struct sigaction previous_alarm;

void lg_timeout_start(double seconds) {
    timed_out = 0;
    catch_signal(SIGALRM, &previous_alarm);
    struct itimerval timer;
    memset(&timer, 0, sizeof timer);
    timer.it_value.tv_sec = (time_t)seconds;
    timer.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0) timer.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &timer, NULL);
}

int lg_timeout_stop(void) {
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &previous_alarm, NULL);
    int fired = timed_out;
    timed_out = 0;
    return fired;
}

void lg_interrupt_end(void) {
    if (interrupt_depth == 0 || --interrupt_depth > 0) return;
    sigaction(SIGINT, &previous_action, NULL);
    pending = 0;
    if (interrupt_state != NULL) lua_sethook(interrupt_state, NULL, 0, 0);
    interrupt_state = NULL;
    running_thread = NULL;
    lstm_interrupt_clear();
}

// ---- Coroutines the interrupt can reach ------------------------------------------------
//
// coroutine.resume and coroutine.wrap as Lua's (lcorolib.c), recording which thread
// runs, so that the signal handler can hook it.

// Resumes co with the n values on top of L; moves its results (or error) to L.
static int tracked_resume_values(lua_State *L, lua_State *co, int n) {
    if (!lua_checkstack(co, n)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, n);
    lua_State *outer = running_thread;
    running_thread = co;
    hook_if_pending(co);
    int results;
    int status = lua_resume(co, L, n, &results);
    running_thread = outer;
    hook_if_pending(L);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, results + 1)) {
            lua_pop(co, results);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, results);
        return results;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int tracked_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int r = tracked_resume_values(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int tracked_wrap_call(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = tracked_resume_values(L, co, lua_gettop(L));
    if (r < 0) {
        int status = lua_status(co);
        if (status != LUA_OK && status != LUA_YIELD) {
            status = lua_resetthread(co);   // closes its to-be-closed variables (Lua 5.4.4's auxwrap)
            lua_xmove(co, L, 1);
        }
        if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return r;
}

static int tracked_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, tracked_wrap_call, 1);
    return 1;
}

static void track_coroutines(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_COLIBNAME);
    lua_pushcfunction(L, tracked_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, tracked_wrap);
    lua_setfield(L, -2, "wrap");
    lua_pop(L, 2);
}

// ---- Loading a chunk in pieces ------------------------------------------------

typedef struct {
    size_t blank_lines;
    const lg_piece *pieces;
    size_t count, next;
} piece_reader;

static const char newlines[4096] = {[0 ... 4095] = '\n'};

static const char *read_piece(lua_State *L, void *data, size_t *size) {
    (void)L;
    piece_reader *r = data;
    if (r->blank_lines > 0) {
        size_t n = r->blank_lines < sizeof newlines ? r->blank_lines : sizeof newlines;
        r->blank_lines -= n;
        *size = n;
        return newlines;
    }
    while (r->next < r->count && r->pieces[r->next].count == 0) r->next++;
    if (r->next == r->count) { *size = 0; return NULL; }
    const lg_piece *p = &r->pieces[r->next++];
    *size = p->count;
    return p->bytes;
}

int lg_load_pieces(lua_State *L, size_t blank_lines, const lg_piece *pieces, size_t count, const char *name) {
    piece_reader r = {blank_lines, pieces, count, 0};
    return lua_load(L, read_piece, &r, name, "t");
}

// ---- Streams -----------------------------------------------------------------------

// In the Jupyter kernel stdout is a pipe, which C buffers fully: lines go out as printed.
void lg_line_buffered_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

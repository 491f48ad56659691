// A Ctrl-C request for long native loops. The SIGINT handler (LuaGlue) sets it;
// native loops poll it at safe points (a time step, a matrix block) and stop with
// an "interrupted!" error. Lua code is stopped separately, by a hook.
#ifndef CINTERRUPT_H
#define CINTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t lstm_interrupt_flag;

/// Async-signal-safe: called from the SIGINT handler.
static inline void lstm_interrupt_request(void) { lstm_interrupt_flag = 1; }
static inline int lstm_interrupt_pending(void) { return lstm_interrupt_flag != 0; }
static inline void lstm_interrupt_clear(void) { lstm_interrupt_flag = 0; }

#endif

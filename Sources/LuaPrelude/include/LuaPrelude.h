// The Lua half of lstmlua's Lua layer: modules written in Lua (the nn.Module
// class system, the REPL's value printer, ...), compiled into the binary so that
// lstmlua needs no files beside it.
#ifndef LUAPRELUDE_H
#define LUAPRELUDE_H

#include <stddef.h>

typedef struct {
    const char *name;    // module name, as `require` sees it
    const char *source;  // Lua source text
    size_t length;
} lp_Chunk;

/// The prelude's chunks, in load order; *count receives their number.
const lp_Chunk *lp_chunks(size_t *count);

#endif

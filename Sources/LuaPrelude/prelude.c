#include "LuaPrelude.h"

// #embed (C23) keeps the prelude as real .lua files in the tree.
static const char nn_module[] = {
#embed "lua/nn_module.lua"
};

static const lp_Chunk chunks[] = {
    {"lstmlua.nn_module", nn_module, sizeof nn_module},
};

const lp_Chunk *lp_chunks(size_t *count) {
    *count = sizeof chunks / sizeof chunks[0];
    return chunks;
}

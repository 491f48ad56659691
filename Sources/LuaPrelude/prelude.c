#include "LuaPrelude.h"

// #embed (C23) keeps the prelude as real .lua files in the tree.
static const char nn[] = {
#embed "lua/nn.lua"
};

static const char repl[] = {
#embed "lua/repl.lua"
};

static const char sandbox[] = {
#embed "lua/sandbox.lua"
};

static const char distributed[] = {
#embed "lua/distributed.lua"
};

static const lp_Chunk chunks[] = {
    {"nn", nn, sizeof nn},
    {"torch.distributed", distributed, sizeof distributed},
    {"lstmlua.repl", repl, sizeof repl},
    {"lstmlua.sandbox", sandbox, sizeof sandbox},
};

const lp_Chunk *lp_chunks(size_t *count) {
    *count = sizeof chunks / sizeof chunks[0];
    return chunks;
}

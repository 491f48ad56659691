// Lua's allocator for a state whose userdata hold retained Swift objects.
//
// A __gc finalizer costs Lua more than the tensor it frees: the block moves to a
// separate list, survives one more cycle, and the finalizer runs as a protected
// call. Scripts make and drop tensors by the million, so the object is released
// instead when Lua frees the block that holds it. Blocks the bridge adopted are
// kept in a set of addresses: a free is matched by address alone, never by the
// block's contents, which a script may control (a string's bytes).
#include "LuaGlue.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct {
    lua_Alloc base;          // luaL_newstate's allocator, which made the blocks before us
    void *base_ud;
    lg_Release release;
    size_t block_size;       // Lua's block for an lg_Block payload; SIZE_MAX while measuring
    size_t payload_offset;   // where lua_newuserdatauv's memory starts in that block
    void *last_block;        // the last userdata block allocated, and its size (for measuring)
    size_t last_size;
    uintptr_t *slots;        // open addressing, linear probing; 0 is empty
    size_t mask;             // slot count - 1 (a power of two)
    size_t count;
} Heap;

static size_t slot_of(const Heap *h, uintptr_t block) {
    return (size_t)(((uint64_t)block >> 4) * 0x9E3779B97F4A7C15ull >> 20) & h->mask;
}

static void insert(Heap *h, uintptr_t block) {
    size_t i = slot_of(h, block);
    while (h->slots[i] != 0) i = (i + 1) & h->mask;
    h->slots[i] = block;
    h->count++;
}

// Room for one more adoption at most half full; false when the slots cannot grow.
static int reserve(Heap *h) {
    if ((h->count + 1) * 2 <= h->mask + 1) return 1;
    size_t capacity = (h->mask + 1) * 2;
    uintptr_t *slots = calloc(capacity, sizeof(uintptr_t));
    if (slots == NULL) return 0;
    uintptr_t *old = h->slots;
    size_t old_capacity = h->mask + 1;
    h->slots = slots;
    h->mask = capacity - 1;
    h->count = 0;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i] != 0) insert(h, old[i]);
    }
    free(old);
    return 1;
}

// Removes block if adopted (backward-shift deletion: no tombstones to sweep).
static int remove_block(Heap *h, uintptr_t block) {
    size_t i = slot_of(h, block);
    while (h->slots[i] != block) {
        if (h->slots[i] == 0) return 0;
        i = (i + 1) & h->mask;
    }
    size_t hole = i;
    for (size_t j = (i + 1) & h->mask; h->slots[j] != 0; j = (j + 1) & h->mask) {
        size_t home = slot_of(h, h->slots[j]);
        // moves back unless its home lies cyclically in (hole, j]
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            h->slots[hole] = h->slots[j];
            hole = j;
        }
    }
    h->slots[hole] = 0;
    h->count--;
    return 1;
}

static void *heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Heap *h = (Heap *)ud;
    if (nsize == 0) {
        if (ptr != NULL && osize == h->block_size && h->count > 0 && remove_block(h, (uintptr_t)ptr)) {
            lg_Block *b = (lg_Block *)((char *)ptr + h->payload_offset);
            void *object = b->object;
            b->object = NULL;
            if (object != NULL) h->release(object);
        }
        return h->base(h->base_ud, ptr, osize, 0);
    }
    // a new userdata (osize is the type then): the bridge may adopt it, so make room first
    int userdata = ptr == NULL && osize == LUA_TUSERDATA;
    if (userdata && nsize == h->block_size && !reserve(h)) return NULL;
    void *p = h->base(h->base_ud, ptr, osize, nsize);
    if (userdata) {
        h->last_block = p;
        h->last_size = nsize;
    }
    return p;
}

static Heap *heap_of(lua_State *L) {
    void *ud = NULL;
    return lua_getallocf(L, &ud) == heap_alloc ? (Heap *)ud : NULL;
}

static int measure(lua_State *L) {
    lua_newuserdatauv(L, sizeof(lg_Block), 0);
    return 1;
}

int lg_heap_install(lua_State *L, lg_Release release) {
    Heap *h = calloc(1, sizeof(Heap));
    uintptr_t *slots = calloc(16, sizeof(uintptr_t));
    if (h == NULL || slots == NULL) {
        free(h);
        free(slots);
        return 0;
    }
    h->base = lua_getallocf(L, &h->base_ud);
    h->release = release;
    h->slots = slots;
    h->mask = 15;
    h->block_size = SIZE_MAX;  // nothing matches while measuring
    lua_setallocf(L, heap_alloc, h);
    lua_pushcfunction(L, measure);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        lg_pop(L, 1);
        return 0;
    }
    char *payload = lua_touserdata(L, -1);
    char *block = h->last_block;
    lg_pop(L, 1);
    if (payload == NULL || block == NULL || payload < block
        || (size_t)(payload - block) + sizeof(lg_Block) > h->last_size) return 0;
    h->payload_offset = (size_t)(payload - block);
    h->block_size = h->last_size;
    return 1;
}

void lg_heap_adopt(lua_State *L, void *payload) {
    Heap *h = heap_of(L);
    if (h == NULL) abort();  // a state made without lg_heap_install: a programmer error
    // Room was reserved when the block was allocated, but the collector's step in
    // lua_newuserdatauv may have run finalizers that made and adopted more since: grow
    // again if that filled the set past half (if memory runs out, the reserved room holds).
    (void)reserve(h);
    insert(h, (uintptr_t)((char *)payload - h->payload_offset));
}

void lg_close(lua_State *L) {
    Heap *h = heap_of(L);
    lua_close(L);
    if (h != NULL) {
        free(h->slots);
        free(h);
    }
}

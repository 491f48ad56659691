// lstmlua's own worker threads. OpenBLAS runs single-threaded; lstmlua splits
// the work itself where it knows the work divides: a recurrent layer's batch
// rows (independent for the whole sequence, so the threads meet once per layer
// rather than once per time step) and the rows or columns of a large product.
//
// Workers are plain pthreads that wait on a generation counter: they spin a
// little first, because the next region usually follows within microseconds,
// then sleep on a condition variable.

#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_THREADS 64
#define SPIN_ROUNDS 5000

#if defined(__x86_64__) || defined(__i386__)
#define spin_pause() __builtin_ia32_pause()
#else
#define spin_pause() ((void)0)
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

static int wanted_threads = 0;              // 0: not chosen yet
static int started_workers = 0;
static _Atomic unsigned long generation = 0;
static _Atomic int remaining = 0;

// The current region, written before generation is bumped.
static lk_rows_fn region_fn;
static const void *region_ctx;
static size_t region_rows, region_chunks;

static _Thread_local int inside_region = 0;
// Set on the threads running a chunk of a region split over several.
static _Thread_local int in_team = 0;

static _Atomic unsigned barrier_arrived = 0;
static _Atomic unsigned barrier_phase = 0;
static _Atomic int barrier_votes = 0;
static int barrier_result = 0;

static void chunk_bounds(size_t chunk, size_t *begin, size_t *end) {
    *begin = region_rows * chunk / region_chunks;
    *end = region_rows * (chunk + 1) / region_chunks;
}

static void *worker_main(void *arg) {
    size_t index = (size_t)arg;   // 1 ... started_workers
    // Ctrl-C and the time limit are the main thread's: their handlers call lua_sethook
    // on the state it runs, which must not happen from here while it runs Lua.
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    unsigned long seen = 0;
    inside_region = 1;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < SPIN_ROUNDS) {
            spin_pause();
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&lock);
            while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) pthread_cond_wait(&wake, &lock);
            pthread_mutex_unlock(&lock);
        }
        seen = g;
        if (index < region_chunks) {
            size_t begin, end;
            chunk_bounds(index, &begin, &end);
            in_team = 1;
            if (begin < end) region_fn(region_ctx, begin, end);
            in_team = 0;
        }
        if (atomic_fetch_sub_explicit(&remaining, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&lock);
            pthread_cond_signal(&done);
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

int lk_threads(void) {
    if (wanted_threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        wanted_threads = cores < 1 ? 1 : (cores > MAX_THREADS ? MAX_THREADS : (int)cores);
    }
    return wanted_threads;
}

void lk_set_threads(int n) { wanted_threads = n < 1 ? 1 : (n > MAX_THREADS ? MAX_THREADS : n); }

void lk_parallel_rows(size_t rows, size_t min_rows, lk_rows_fn fn, const void *ctx) {
    size_t chunks = (size_t)lk_threads();
    if (min_rows < 1) min_rows = 1;
    if (chunks > rows / min_rows) chunks = rows / min_rows;
    if (chunks <= 1 || inside_region) {
        // A chunk of its own: barriers inside it are not the enclosing team's.
        int team = in_team;
        in_team = 0;
        if (rows > 0) fn(ctx, 0, rows);
        in_team = team;
        return;
    }
    while ((size_t)started_workers < chunks - 1) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, (void *)(size_t)(started_workers + 1)) != 0) break;
        pthread_detach(thread);
        started_workers++;
    }
    if ((size_t)started_workers < chunks - 1) chunks = (size_t)started_workers + 1;
    if (chunks <= 1) { if (rows > 0) fn(ctx, 0, rows); return; }

    region_fn = fn;
    region_ctx = ctx;
    region_rows = rows;
    region_chunks = chunks;
    atomic_store_explicit(&remaining, started_workers, memory_order_relaxed);
    pthread_mutex_lock(&lock);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);

    inside_region = 1;
    in_team = 1;
    size_t begin, end;
    chunk_bounds(0, &begin, &end);
    fn(ctx, begin, end);
    in_team = 0;
    inside_region = 0;

    int spins = 0;
    while (atomic_load_explicit(&remaining, memory_order_acquire) > 0 && spins < SPIN_ROUNDS) {
        spin_pause();
        spins++;
    }
    if (atomic_load_explicit(&remaining, memory_order_acquire) > 0) {
        pthread_mutex_lock(&lock);
        while (atomic_load_explicit(&remaining, memory_order_acquire) > 0) pthread_cond_wait(&done, &lock);
        pthread_mutex_unlock(&lock);
    }
}

int lk_region_barrier(int vote) {
    if (!in_team) return vote;
    unsigned phase = atomic_load_explicit(&barrier_phase, memory_order_acquire);
    if (vote) atomic_fetch_or_explicit(&barrier_votes, 1, memory_order_relaxed);
    if (atomic_fetch_add_explicit(&barrier_arrived, 1, memory_order_acq_rel) == region_chunks - 1) {
        atomic_store_explicit(&barrier_arrived, 0, memory_order_relaxed);
        barrier_result = atomic_exchange_explicit(&barrier_votes, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&barrier_phase, 1, memory_order_release);
    } else {
        int spins = 0;
        while (atomic_load_explicit(&barrier_phase, memory_order_acquire) == phase) {
            // Past a short spin the other thread has lost its core: let it have ours.
            if (++spins < SPIN_ROUNDS) spin_pause(); else sched_yield();
        }
    }
    return barrier_result;
}

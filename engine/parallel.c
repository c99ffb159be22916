/* The worker pool behind rn_par_for (see parallel.h).
 *
 * A job is published by bumping `gen`; each worker runs its part and
 * decrements `pending`; the caller runs part 0 and waits for pending == 0.
 * Workers spin on `gen` for SPIN_NS after their last part (the next op of a
 * step comes within microseconds), then sleep on a condition variable; every
 * wait pauses for a few microseconds and then spins by sched_yield, which
 * hands the core to any other runnable thread (without it, two training
 * processes on two cores waited whole time slices for each other's workers). The
 * caller bumps gen and then reads `sleeping`, a worker bumps sleeping and
 * then reads gen (both sequentially consistent), so one of them always sees
 * the other: a worker never sleeps through a job. */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define SPIN_NS     2000000L /* 2 ms */
#define YIELD_AFTER 2000u    /* pauses (some microseconds) before waiting by sched_yield */

/* OpenBLAS's thread control (its cblas.h declares it; the engine links OpenBLAS). */
void openblas_set_num_threads(int n);

static struct {
    pthread_once_t once;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    atomic_int busy;     /* a caller holds the pool */
    atomic_uint gen;     /* the job's generation */
    atomic_int pending;  /* workers still in the current job */
    atomic_int sleeping; /* workers asleep on `wake` */
    int threads;         /* caller included */
    int started;         /* workers created: 1 .. started - 1 */
    unsigned start_gen[RN_PAR_MAX_THREADS];
    /* the current job */
    rn_par_fn fn;
    void *ctx;
    size_t n;
    int parts;
} pool = {.once = PTHREAD_ONCE_INIT,
          .mu = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .started = 1};

static _Thread_local int in_part; /* this thread runs a part: nested calls go serial */

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Part p of n rows in `parts`: the first n % parts parts get one row more. */
static void part_range(size_t n, int parts, int p, size_t *lo, size_t *hi)
{
    size_t base = n / (size_t)parts, extra = n % (size_t)parts, P = (size_t)p;
    *lo = P * base + (P < extra ? P : extra);
    *hi = *lo + base + (P < extra ? 1 : 0);
}

static void run_part(int p)
{
    if (p >= pool.parts) return;
    size_t lo, hi;
    part_range(pool.n, pool.parts, p, &lo, &hi);
    in_part = 1;
    pool.fn(pool.ctx, p, lo, hi);
    in_part = 0;
}

/* One round of waiting: a pause while the wait is young, then sched_yield, so
 * that on a machine with more runnable threads than cores (two training
 * processes, a build beside) the thread we wait for gets the core instead of
 * our spin. */
static void relax(unsigned spins)
{
    if (spins < YIELD_AFTER)
        CPU_RELAX();
    else
        sched_yield();
}

static void *worker(void *arg)
{
    int me = (int)(size_t)arg;
    unsigned seen = pool.start_gen[me]; /* the job published after its creation is its first */
    for (;;) {
        long start = now_ns();
        for (unsigned spins = 0; atomic_load(&pool.gen) == seen; spins++) {
            relax(spins);
            if ((spins & 63) == 63 && now_ns() - start > SPIN_NS) {
                pthread_mutex_lock(&pool.mu);
                atomic_fetch_add(&pool.sleeping, 1);
                while (atomic_load(&pool.gen) == seen)
                    pthread_cond_wait(&pool.wake, &pool.mu);
                atomic_fetch_sub(&pool.sleeping, 1);
                pthread_mutex_unlock(&pool.mu);
            }
        }
        seen = atomic_load(&pool.gen);
        run_part(me);
        atomic_fetch_sub(&pool.pending, 1);
    }
    return NULL;
}

static int env_threads(void)
{
    const char *s = getenv("RECNOTE_THREADS");
    if (s != NULL && *s != '\0') {
        char *end;
        long n = strtol(s, &end, 10);
        if (*end == '\0' && n >= 1) return n > RN_PAR_MAX_THREADS ? RN_PAR_MAX_THREADS : (int)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    return n > RN_PAR_MAX_THREADS ? RN_PAR_MAX_THREADS : (int)n;
}

static void init(void)
{
    pool.threads = env_threads();
    openblas_set_num_threads(1);
}

int rn_par_threads(void)
{
    pthread_once(&pool.once, init);
    return pool.threads;
}

int rn_par_set_threads(int n)
{
    int previous = rn_par_threads();
    pool.threads = n < 1 ? 1 : n > RN_PAR_MAX_THREADS ? RN_PAR_MAX_THREADS : n;
    return previous;
}

int rn_par_parts(size_t n, size_t grain)
{
    size_t parts = grain > 0 ? n / grain : n;
    int t = rn_par_threads();
    if (parts > (size_t)t) parts = (size_t)t;
    return parts < 1 ? 1 : (int)parts;
}

/* Starts workers up to `parts` - 1 (they live as long as the process); returns
 * how many parts can run. */
static int ensure_workers(int parts)
{
    while (pool.started < parts) {
        pthread_t th;
        pool.start_gen[pool.started] = atomic_load(&pool.gen);
        if (pthread_create(&th, NULL, worker, (void *)(size_t)pool.started) != 0) break;
        pthread_detach(th);
        pool.started++;
    }
    return parts < pool.started ? parts : pool.started;
}

int rn_par_for(size_t n, size_t grain, rn_par_fn fn, void *ctx)
{
    int parts = rn_par_parts(n, grain);
    int expected = 0;
    if (parts > 1 && !in_part && atomic_compare_exchange_strong(&pool.busy, &expected, 1)) {
        parts = ensure_workers(parts);
        if (parts > 1) {
            pool.fn = fn, pool.ctx = ctx, pool.n = n, pool.parts = parts;
            /* every started worker takes the job; those past `parts` return at once */
            atomic_store(&pool.pending, pool.started - 1);
            atomic_fetch_add(&pool.gen, 1);
            if (atomic_load(&pool.sleeping) > 0) {
                pthread_mutex_lock(&pool.mu);
                pthread_cond_broadcast(&pool.wake);
                pthread_mutex_unlock(&pool.mu);
            }
            run_part(0);
            for (unsigned spins = 0; atomic_load(&pool.pending) > 0; spins++)
                relax(spins);
            atomic_store(&pool.busy, 0);
            return parts;
        }
        atomic_store(&pool.busy, 0);
    }
    fn(ctx, 0, 0, n);
    return 1;
}

static void zero_part(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    memset((float *)ctx + lo, 0, (hi - lo) * sizeof(float));
}

void rn_par_zero(float *x, size_t n)
{
    rn_par_for(n, (size_t)1 << 16, zero_part, x);
}

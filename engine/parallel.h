/* The engine's own worker threads for the ops of a training step.
 *
 * A step is a few hundred ops of a few microseconds to a few milliseconds
 * each: GEMMs, Dice and batch-norm passes, elementwise passes, the optimizer
 * update. rn_par_for splits one op's rows into contiguous parts, runs part 0
 * on the calling thread and the others on persistent workers that spin
 * briefly between ops (then sleep), and returns when all are done. The parts'
 * boundaries depend only on the row count, the grain and the thread count,
 * and reductions add per-part partial sums in part order, so a run is
 * repeatable for a given thread count.
 *
 * OpenBLAS runs on one thread while this pool exists (rn_par_threads sets it
 * on first use): the engine splits its GEMMs itself (ops/gemm.c), so the
 * second core also takes the non-GEMM two thirds of a DIN step, and no
 * OpenBLAS worker spins in sched_yield beside ours.
 *
 * Calls from inside a part, or from a second thread while the pool is busy,
 * run serially in the caller: nesting is safe. */
#ifndef RN_PARALLEL_H
#define RN_PARALLEL_H

#include <stddef.h>

#define RN_PAR_MAX_THREADS 8

/* fn(ctx, part, lo, hi): rows [lo, hi) of part `part` (0 .. parts - 1). */
typedef void (*rn_par_fn)(void *ctx, int part, size_t lo, size_t hi);

/* The threads ops use (caller included): RECNOTE_THREADS if set, else the
 * cores online, at most RN_PAR_MAX_THREADS. */
int rn_par_threads(void);

/* Sets the thread count (clamped to 1 .. RN_PAR_MAX_THREADS); returns the previous one. */
int rn_par_set_threads(int n);

/* How many parts rn_par_for(n, grain, ...) uses: min(threads, n / grain), at least 1. */
int rn_par_parts(size_t n, size_t grain);

/* Runs fn over the rows [0, n) in rn_par_parts(n, grain) contiguous parts of
 * near-equal size, part 0 on the caller; returns the number of parts. */
int rn_par_for(size_t n, size_t grain, rn_par_fn fn, void *ctx);

/* x[0..n) = 0, split across the threads when n is large (a step's gradient
 * buffers are zeroed as they are first used). */
void rn_par_zero(float *x, size_t n);

#endif

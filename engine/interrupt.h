/* Ctrl-C for long engine work.
 *
 * The engine never installs a signal handler. Its host (the recnote REPL, or
 * any C program) owns one flag of type volatile sig_atomic_t that its SIGINT
 * handler sets, and lends it to the engine with rn_interrupt_use(). Long loops
 * (fit, word2vec, random walks, ALS) call rn_interrupted() between whole
 * steps and return RN_EINTR when it is set, so a model is never left
 * half-updated. The host clears the flag when it starts the next command.
 */
#ifndef RN_INTERRUPT_H
#define RN_INTERRUPT_H

#include <signal.h>

/* Borrows flag (may be NULL: never interrupted). The flag must outlive every
 * engine call made afterwards. */
void rn_interrupt_use(volatile sig_atomic_t *flag);

/* Nonzero when the host's flag is set. Cheap: one load. */
int rn_interrupted(void);

/* Test hook (the interrupt sweep): from now on, the first k calls of
 * rn_interrupted() answer 0 as usual and every later one answers 1, as if
 * Ctrl-C came at poll k + 1; k < 0 turns the hook off. rn_interrupt_polls()
 * counts the calls since the hook was last set, so a test can first count a
 * run's polls and then interrupt it at each of them. */
void rn_interrupt_after(long k);
long rn_interrupt_polls(void);

/* Records "interrupted" as the error (naming what stopped, e.g. "fit at step
 * 120") and returns RN_EINTR. */
int rn_interrupt_fail(const char *where);

#endif

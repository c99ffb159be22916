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

/* Records "interrupted" as the error (naming what stopped, e.g. "fit at step
 * 120") and returns RN_EINTR. */
int rn_interrupt_fail(const char *where);

#endif

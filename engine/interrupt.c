/* The borrowed Ctrl-C flag (see interrupt.h). */
#include "interrupt.h"
#include "error.h"

#include <stddef.h>

static volatile sig_atomic_t *host_flag;
static long after = -1, polls; /* the test hook */

void rn_interrupt_use(volatile sig_atomic_t *flag)
{
    host_flag = flag;
}

int rn_interrupted(void)
{
    polls++;
    if (after >= 0 && polls > after) return 1;
    return host_flag != NULL && *host_flag != 0;
}

void rn_interrupt_after(long k)
{
    after = k;
    polls = 0;
}

long rn_interrupt_polls(void)
{
    return polls;
}

int rn_interrupt_fail(const char *where)
{
    return rn_fail(RN_EINTR, "interrupted (Ctrl-C) in %s", where);
}

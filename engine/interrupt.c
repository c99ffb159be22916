/* The borrowed Ctrl-C flag (see interrupt.h). */
#include "interrupt.h"
#include "error.h"

#include <stddef.h>

static volatile sig_atomic_t *host_flag;

void rn_interrupt_use(volatile sig_atomic_t *flag)
{
    host_flag = flag;
}

int rn_interrupted(void)
{
    return host_flag != NULL && *host_flag != 0;
}

int rn_interrupt_fail(const char *where)
{
    return rn_fail(RN_EINTR, "interrupted (Ctrl-C) in %s", where);
}

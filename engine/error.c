/* The engine's one piece of hidden state: the last error message, per thread. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[RN_ERROR_MAX];
static _Thread_local int last_code;

int rn_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    last_code = code;
    return code;
}

const char *rn_error(void)
{
    return last_message;
}

int rn_error_code(void)
{
    return last_code;
}

void rn_error_clear(void)
{
    last_message[0] = '\0';
    last_code = RN_OK;
}

const char *rn_error_name(int code)
{
    switch (code) {
    case RN_OK:
        return "ok";
    case RN_EARG:
        return "argument";
    case RN_ESHAPE:
        return "shape";
    case RN_ENOMEM:
        return "memory";
    case RN_EIO:
        return "io";
    case RN_EPARSE:
        return "parse";
    case RN_ENAN:
        return "nan";
    case RN_EINTR:
        return "interrupted";
    case RN_ESTATE:
        return "state";
    default:
        return "unknown";
    }
}

/* The engine's error convention.
 *
 * Functions that can fail on input return an int status: RN_OK (0) or a
 * negative RN_E* code, and record a message naming what and where, read with
 * rn_error(). Constructors return NULL and do the same. The message is
 * thread-local: the only hidden state in the engine. Bad input never aborts,
 * exits or prints.
 *
 *     if (rows < 1)
 *         return rn_fail(RN_EARG, "rows must be at least 1, got %d", rows);
 */
#ifndef RN_ERROR_H
#define RN_ERROR_H

enum {
    RN_OK = 0,
    RN_EARG = -1,   /* a wrong argument: value out of range, unknown name */
    RN_ESHAPE = -2, /* shapes that do not fit together */
    RN_ENOMEM = -3, /* an allocation failed */
    RN_EIO = -4,    /* a file could not be opened, read or written */
    RN_EPARSE = -5, /* malformed input file (the message names file:line:column) */
    RN_ENAN = -6,   /* a NaN or Inf appeared where a finite number was needed */
    RN_EINTR = -7,  /* interrupted (Ctrl-C) between two whole steps */
    RN_ESTATE = -8, /* an object used in the wrong state (closed, not built) */
};

/* Records the message (printf-style) and returns code, so that failing is one
 * line. The message is truncated to RN_ERROR_MAX - 1 bytes. */
#define RN_ERROR_MAX 512
int rn_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread; "" if none. Borrowed: valid until
 * the next rn_fail on this thread. */
const char *rn_error(void);

/* The last code recorded on this thread (RN_OK if none). */
int rn_error_code(void);

/* Forgets the last error. */
void rn_error_clear(void);

/* A short name for a code: "shape", "parse", ... */
const char *rn_error_name(int code);

#endif

/* Where a cell's output goes: the terminal, and the cell's capture for the
 * notebook (:save). Values and print() go to stdout, errors to stderr. */
#include "repl.h"

#include <stdarg.h>
#include <string.h>

void repl_out(const char *s, size_t n)
{
    if (!the_repl.quiet) {
        fwrite(s, 1, n, stdout);
        fflush(stdout);
    }
    if (the_repl.capture != NULL) sb_append(the_repl.capture, s, n);
}

void repl_outf(const char *fmt, ...)
{
    strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    repl_out(sb_str(&b), b.len);
    sb_free(&b);
}

void repl_errf(const char *fmt, ...)
{
    strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    if (!the_repl.quiet) {
        fflush(stdout);
        if (the_repl.color)
            fprintf(stderr, "\033[31m%s\033[0m", sb_str(&b));
        else
            fputs(sb_str(&b), stderr);
        fflush(stderr);
    }
    if (the_repl.capture != NULL) sb_append(the_repl.capture, b.s ? b.s : "", b.len);
    sb_free(&b);
}

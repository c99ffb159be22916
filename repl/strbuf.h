/* A growable byte string, always NUL-terminated. Allocation failure aborts
 * the REPL with a message: it holds lines and outputs, never model data. */
#ifndef REPL_STRBUF_H
#define REPL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *s;    /* NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, without the NUL */
    size_t cap;
} strbuf;

void sb_append(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *b, const char *fmt, va_list ap);
void sb_truncate(strbuf *b, size_t len);
void sb_clear(strbuf *b);
void sb_free(strbuf *b);
/* The contents ("" when empty); borrowed until the next change. */
const char *sb_str(const strbuf *b);

#endif

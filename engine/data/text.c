/* Reading files for the loaders (data_internal.h): a whole regular file in
 * memory with a line:column cursor, quoting of offending input for messages,
 * and the strict number parsers every loader shares. */
#include "data/data_internal.h"
#include "data/dataset.h"

#include "alloc.h"
#include "error.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ------------------------------------------------------------------------ */

int rn__text_open(rn__text *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->line = t->col = 1;
    /* O_NONBLOCK: opening a FIFO with no writer must not wait for one (a
     * script would hang for ever); only regular files are read, and on
     * those O_NONBLOCK changes nothing */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return rn_fail(RN_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* only regular files: a directory, a device (/dev/zero) or a pipe has no
     * size to bound what we read */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rn_fail(RN_EIO, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > (uintmax_t)RN_DATA_MAX_FILE) {
        close(fd);
        return rn_fail(RN_EIO, "%s: the file is larger than %zu bytes", path, RN_DATA_MAX_FILE);
    }
    size_t size = (size_t)st.st_size;
    t->buf = rn_malloc(size + 1, "file contents");
    if (t->buf == NULL) {
        close(fd);
        return RN_ENOMEM;
    }
    /* a file that shrank meanwhile reads short; one that grew is cut at size */
    int bad = 0;
    t->len = 0;
    while (t->len < size) {
        ssize_t k = read(fd, t->buf + t->len, size - t->len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            bad = k < 0;
            break;
        }
        t->len += (size_t)k;
    }
    close(fd);
    if (bad) {
        rn__text_close(t);
        return rn_fail(RN_EIO, "%s: cannot read: an input error", path);
    }
    t->buf[t->len] = '\0';
    const unsigned char *u = (const unsigned char *)t->buf;
    if (t->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        rn__text_close(t);
        return rn_fail(RN_EPARSE,
                       "%s:1:1: the file is UTF-16 (it starts with a UTF-16 byte order mark): "
                       "expected UTF-8 text",
                       path);
    }
    if (t->len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) t->pos = 3;
    return RN_OK;
}

void rn__text_close(rn__text *t)
{
    rn_free(t->buf);
    t->buf = NULL;
    t->len = t->pos = 0;
}

void rn__advance(rn__text *t)
{
    if (t->pos >= t->len) return;
    char b = t->buf[t->pos++];
    if (b == '\n' || (b == '\r' && rn__peek(t) != '\n')) {
        t->line++;
        t->col = 1;
    } else if (b != '\r' && (rn__peek(t) & 0xC0) != 0x80) {
        t->col++;
    }
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

size_t rn__utf8_char(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0) return 0;
    if (u[0] < 0x80) return 1;
    /* the lead byte gives the length and the range of the second byte, which
     * rules out overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates
     * (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF) */
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (u[0] >= 0xC2 && u[0] <= 0xDF)
        n = 2;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        n = 3;
        if (u[0] == 0xE0) lo = 0xA0;
        if (u[0] == 0xED) hi = 0x9F;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        n = 4;
        if (u[0] == 0xF0) lo = 0x90;
        if (u[0] == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (len < n || u[1] < lo || u[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((u[i] & 0xC0) != 0x80) return 0;
    return n;
}

size_t rn__utf8_check(const char *s, size_t len)
{
    size_t i = 0;
    /* ASCII eight bytes at a time: a CSV loader checks every text field */
    for (uint64_t w; i + 8 <= len; i += 8) {
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
    }
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) { /* the common case: ASCII */
            i++;
            continue;
        }
        size_t n = rn__utf8_char(s + i, len - i);
        if (n == 0) return i;
        i += n;
    }
    return len;
}

/* ---- messages ---------------------------------------------------------------------- */

void rn__quote(char *out, size_t size, const char *s, size_t len)
{
    size_t o = 0;
    if (size < 8) {
        if (size) out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (i >= 40 || o + 8 >= size) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7F) {
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
        } else if (ch >= 0x80) { /* a whole UTF-8 character, or the byte escaped */
            size_t n = rn__utf8_char(s + i, len - i);
            if (n == 0) {
                o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
            } else {
                memcpy(out + o, s + i, n); /* o + 8 < size, and n <= 4 */
                o += n;
                i += n - 1;
            }
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* The field without surrounding spaces and tabs, as a NUL-terminated string
 * in buf (size bytes) or, when longer, in a copy the caller frees (*heap).
 * NULL when empty (0 == *oom) or out of memory (*oom set). Only fields made
 * of number characters (allowed) reach here, so a long copy is rare: a
 * numeral such as 201 digits of leading zeros. */
static char *trimmed(const char *s, size_t len, const char *allowed, char *buf, size_t size,
                     char **heap, int *oom)
{
    *heap = NULL;
    *oom = 0;
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0) return NULL;
    /* strtod would take hex floats and "nan"/"inf" words: numbers here are decimal */
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0' || !strchr(allowed, s[i])) return NULL;
    if (len >= size) {
        if ((*heap = rn_malloc(len + 1, "a long numeral")) == NULL) {
            *oom = 1;
            return NULL;
        }
        buf = *heap;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

int rn__parse_double(const char *s, size_t len, double *out)
{
    char small[128], *heap, *end;
    int oom;
    const char *buf = trimmed(s, len, "0123456789+-.eE", small, sizeof small, &heap, &oom);
    if (buf == NULL) return oom ? -3 : -1;
    errno = 0;
    double v = strtod(buf, &end);
    int rc = end == buf || *end != '\0' ? -1 : !isfinite(v) || (errno == ERANGE && fabs(v) > 1) ? -2 : 0;
    rn_free(heap);
    if (rc == 0) *out = v;
    return rc;
}

int rn__parse_float(const char *s, size_t len, float *out)
{
    double v;
    int rc = rn__parse_double(s, len, &v);
    if (rc) return rc;
    if (fabs(v) > (double)FLT_MAX) return -2;
    *out = (float)v;
    return 0;
}

int rn__parse_int64(const char *s, size_t len, int64_t *out)
{
    char small[64], *heap, *end;
    int oom;
    const char *buf = trimmed(s, len, "0123456789+-", small, sizeof small, &heap, &oom);
    if (buf == NULL) return oom ? -3 : -1;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    int rc = end == buf || *end != '\0' ? -1 : errno == ERANGE ? -2 : 0;
    rn_free(heap);
    if (rc == 0) *out = (int64_t)v;
    return rc;
}

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

void rn__quote(char *out, size_t size, const char *s, size_t len)
{
    size_t o = 0;
    if (size < 8) {
        if (size) out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (i == 40 || o + 8 >= size) {
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
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Copies the field without surrounding spaces and tabs into buf (NUL
 * terminated); -1 when empty or too long to be a number. */
static int trimmed(const char *s, size_t len, char *buf, size_t size)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= size) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int rn__parse_double(const char *s, size_t len, double *out)
{
    char buf[128], *end;
    if (trimmed(s, len, buf, sizeof buf)) return -1;
    /* strtod would take hex floats and "nan"/"inf" words: numbers here are decimal */
    for (const char *p = buf; *p; p++)
        if (!strchr("0123456789+-.eE", *p)) return -1;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0') return -1;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1)) return -2;
    *out = v;
    return 0;
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
    char buf[64], *end;
    if (trimmed(s, len, buf, sizeof buf)) return -1;
    for (const char *p = buf; *p; p++)
        if (!strchr("0123456789+-", *p)) return -1;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || *end != '\0') return -1;
    if (errno == ERANGE) return -2;
    *out = (int64_t)v;
    return 0;
}

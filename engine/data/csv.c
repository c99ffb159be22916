/* Reading files for the loaders (data_internal.h) and the RFC 4180 CSV loader
 * with a schema (dataset.h).
 *
 * The whole file is read into memory (bounded by RN_DATA_MAX_FILE) and parsed
 * in place; a field's text is unescaped into one growing buffer, so memory is
 * proportional to the file. Errors stop at the first problem and name
 * file:line:column (of the field's first character), the column and what was
 * expected. */
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

/* ---- CSV fields ------------------------------------------------------------------- */

typedef struct {
    rn__text *t;
    char delim;
    char *field; /* the current field, unescaped, NUL-terminated */
    size_t flen, fcap;
    size_t line, col;   /* where the current field starts */
    size_t eline, ecol; /* where the current record ended */
} csv;

static int field_add(csv *c, char ch)
{
    if (c->flen + 2 > c->fcap &&
        rn__grow((void **)&c->field, &c->fcap, c->flen + 2, 1, "a CSV field"))
        return RN_ENOMEM;
    c->field[c->flen++] = ch;
    c->field[c->flen] = '\0';
    return RN_OK;
}

/* "path:line:col: column 'x': " into buf (the column part when name != NULL). */
static const char *where(char *buf, size_t size, const rn__text *t, size_t line, size_t col,
                         const char *name)
{
    if (name)
        snprintf(buf, size, "%s:%zu:%zu: column '%s'", t->path, line, col, name);
    else
        snprintf(buf, size, "%s:%zu:%zu", t->path, line, col);
    return buf;
}

/* Reads one field at the cursor. Returns 1 when the record goes on after it,
 * 2 when the record ended (line break or end of file), or an RN_E* code. name
 * is the field's column name for messages (NULL if it has none). */
static int csv_field(csv *c, const char *name)
{
    rn__text *t = c->t;
    char at[512];
    if (c->fcap == 0 && rn__grow((void **)&c->field, &c->fcap, 64, 1, "a CSV field"))
        return RN_ENOMEM;
    c->flen = 0;
    c->field[0] = '\0';
    c->line = t->line;
    c->col = t->col;
    if (rn__peek(t) == '"') {
        rn__advance(t);
        for (;;) {
            int ch = rn__peek(t);
            if (ch < 0)
                return rn_fail(RN_EPARSE,
                               "%s: unterminated quoted field: the quote opened here is never "
                               "closed",
                               where(at, sizeof at, t, c->line, c->col, name));
            if (ch == 0)
                return rn_fail(RN_EPARSE, "%s: binary data (a NUL byte): expected text",
                               where(at, sizeof at, t, t->line, t->col, name));
            rn__advance(t);
            if (ch == '"') {
                if (rn__peek(t) != '"') break;
                rn__advance(t);
            }
            if (field_add(c, (char)ch)) return RN_ENOMEM;
        }
        int ch = rn__peek(t);
        if (ch >= 0 && ch != c->delim && ch != '\r' && ch != '\n') {
            char q[64];
            rn__quote(q, sizeof q, t->buf + t->pos, 1);
            return rn_fail(RN_EPARSE,
                           "%s: expected a delimiter or the end of the line after the closing "
                           "quote, got %s",
                           where(at, sizeof at, t, t->line, t->col, name), q);
        }
    } else {
        for (;;) {
            int ch = rn__peek(t);
            if (ch < 0 || ch == c->delim || ch == '\r' || ch == '\n') break;
            if (ch == 0)
                return rn_fail(RN_EPARSE, "%s: binary data (a NUL byte): expected text",
                               where(at, sizeof at, t, t->line, t->col, name));
            if (ch == '"')
                return rn_fail(RN_EPARSE,
                               "%s: a double quote inside an unquoted field: quote the whole "
                               "field and double the quote (\"\")",
                               where(at, sizeof at, t, t->line, t->col, name));
            if (field_add(c, (char)ch)) return RN_ENOMEM;
            rn__advance(t);
        }
    }
    int ch = rn__peek(t);
    if (ch == c->delim) {
        rn__advance(t);
        return 1;
    }
    c->eline = t->line;
    c->ecol = t->col;
    if (ch == '\r') rn__advance(t);
    if (rn__peek(t) == '\n' && ch != -1) rn__advance(t);
    return 2;
}

/* Skips blank lines; nonzero when a record follows. */
static int csv_next_record(csv *c)
{
    while (rn__peek(c->t) == '\r' || rn__peek(c->t) == '\n')
        rn__advance(c->t);
    return rn__peek(c->t) >= 0;
}

/* ---- the loader ------------------------------------------------------------------- */

static const char *const default_na[] = {"", "NA", NULL};

static int is_na(const char *const *na, const char *s, size_t len)
{
    for (; *na; na++)
        if (strlen(*na) == len && memcmp(*na, s, len) == 0) return 1;
    return 0;
}

/* Converts the current field into column col of the data set. */
static int csv_store(csv *c, const rn_csv_schema *sc, const rn_csv_col *spec, rn_column *col)
{
    const char *const *na = sc->na ? sc->na : default_na;
    const char *s = c->field;
    size_t len = c->flen;
    char at[512], q[128];
    where(at, sizeof at, c->t, c->line, c->col, spec->name);
    int missing = is_na(na, s, len);
    switch (spec->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE: {
        if (missing) {
            if (spec->kind == RN_COL_LABEL) {
                rn__quote(q, sizeof q, s, len);
                return rn_fail(RN_EPARSE, "%s: a label cannot be missing, got %s", at, q);
            }
            return rn_col_push_missing(col);
        }
        float v;
        int rc = rn__parse_float(s, len, &v);
        if (rc) {
            rn__quote(q, sizeof q, s, len);
            return rn_fail(RN_EPARSE, "%s: expected %s, got %s", at,
                           rc == -2 ? "a finite number within float range" : "a number", q);
        }
        return rn_col_push_float(col, v);
    }
    case RN_COL_INT: {
        int64_t v;
        int rc = missing ? -1 : rn__parse_int64(s, len, &v);
        if (rc) {
            rn__quote(q, sizeof q, s, len);
            return rn_fail(RN_EPARSE, "%s: expected %s, got %s", at,
                           rc == -2 ? "an integer within 64 bits" : "an integer", q);
        }
        return rn_col_push_int(col, v);
    }
    case RN_COL_CAT:
        if (missing) return rn_col_push_missing(col);
        return rn_col_push_text(col, s, len);
    case RN_COL_SEQ: {
        if (missing) return rn_col_push_missing(col);
        char sep = spec->sep ? spec->sep : '|';
        size_t a = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || s[i] == sep) {
                int rc = rn_col_push_seq_text(col, s + a, i - a);
                if (rc) return rc;
                a = i + 1;
            }
        }
        return RN_OK;
    }
    }
    return rn_fail(RN_EARG, "%s: unknown column kind %d", at, spec->kind);
}

static int check_schema(const char *path, const rn_csv_schema *sc)
{
    if (sc == NULL || sc->cols == NULL || sc->n_cols == 0)
        return rn_fail(RN_EARG, "%s: the schema has no columns", path);
    if (sc->delimiter == '"' || sc->delimiter == '\r' || sc->delimiter == '\n')
        return rn_fail(RN_EARG, "%s: the delimiter cannot be a quote or a line break", path);
    for (size_t i = 0; i < sc->n_cols; i++) {
        const rn_csv_col *s = &sc->cols[i];
        if (s->name == NULL || s->name[0] == '\0')
            return rn_fail(RN_EARG, "%s: schema column %zu has no name", path, i + 1);
        if (s->kind == RN_COL_SEQ && (s->sep == sc->delimiter || s->sep == '"'))
            return rn_fail(RN_EARG,
                           "%s: column '%s': the separator cannot be the delimiter or "
                           "a quote",
                           path, s->name);
    }
    return RN_OK;
}

rn_dataset *rn__load_csv(const char *path, const rn_csv_schema *sc, size_t **lines_out)
{
    if (lines_out) *lines_out = NULL;
    if (check_schema(path, sc)) return NULL;
    rn__text t;
    if (rn__text_open(&t, path)) return NULL;
    csv c = {&t, sc->delimiter ? sc->delimiter : ',', NULL, 0, 0, 0, 0, 0, 0};
    rn_dataset *ds = rn_dataset_new(path);
    int *map = NULL;     /* file field -> schema column, or -1 */
    int *colidx = NULL;  /* schema column -> data set column */
    size_t n_fields = 0; /* fields per record */
    size_t *lines = NULL, cap_lines = 0;
    int rc = ds ? RN_OK : RN_ENOMEM;
    char at[512];

    if (rc == RN_OK && (colidx = rn_malloc(sc->n_cols * sizeof *colidx, "CSV schema")) == NULL)
        rc = RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < sc->n_cols; i++) {
        int k = rn_dataset_add_column(ds, sc->cols[i].name, sc->cols[i].kind, sc->cols[i].buckets);
        if (k < 0) {
            rc = k;
            break;
        }
        colidx[i] = k;
        ds->cols[k].fill = sc->cols[i].has_fill ? sc->cols[i].fill : 0.0f;
    }
    if (rc == RN_OK && sc->group) rc = rn_dataset_set_group(ds, sc->group);
    if (rc == RN_OK && sc->time) rc = rn_dataset_set_time(ds, sc->time);
    if (rc == RN_OK && !csv_next_record(&c)) {
        rc = rn_fail(RN_EPARSE, "%s:1:1: the file is empty: expected %s", path,
                     sc->no_header ? "CSV records" : "a header row");
    }

    /* the header: map file fields to schema columns */
    if (rc == RN_OK && !sc->no_header) {
        size_t cap_map = 0;
        int more = 1;
        while (rc == RN_OK && more) {
            int r = csv_field(&c, NULL);
            if (r < 0) {
                rc = r;
                break;
            }
            more = r == 1;
            if ((rc = rn__grow((void **)&map, &cap_map, n_fields + 1, sizeof *map, "CSV header")))
                break;
            map[n_fields] = -1;
            for (size_t i = 0; i < sc->n_cols; i++) {
                if (strlen(sc->cols[i].name) != c.flen ||
                    memcmp(sc->cols[i].name, c.field, c.flen) != 0)
                    continue;
                for (size_t j = 0; j < n_fields; j++)
                    if (map[j] == (int)i) {
                        rc = rn_fail(RN_EPARSE,
                                     "%s: the header names column '%s' twice (fields "
                                     "%zu and %zu)",
                                     where(at, sizeof at, &t, c.line, c.col, NULL),
                                     sc->cols[i].name, j + 1, n_fields + 1);
                        break;
                    }
                map[n_fields] = (int)i;
            }
            n_fields++;
        }
        for (size_t i = 0; rc == RN_OK && i < sc->n_cols; i++) {
            size_t j = 0;
            while (j < n_fields && map[j] != (int)i)
                j++;
            if (j == n_fields)
                rc = rn_fail(RN_EPARSE, "%s:1:1: column '%s' of the schema is not in the header",
                             path, sc->cols[i].name);
        }
    } else if (rc == RN_OK) {
        n_fields = sc->n_cols;
        if ((map = rn_malloc(n_fields * sizeof *map, "CSV schema")) == NULL) rc = RN_ENOMEM;
        for (size_t i = 0; rc == RN_OK && i < n_fields; i++)
            map[i] = (int)i;
    }

    /* the records */
    while (rc == RN_OK && csv_next_record(&c) && (sc->max_rows == 0 || ds->n_rows < sc->max_rows)) {
        size_t line = t.line;
        if (lines_out && (rc = rn__grow((void **)&lines, &cap_lines, ds->n_rows + 1, sizeof *lines,
                                        "CSV line numbers")))
            break;
        if (lines) lines[ds->n_rows] = line;
        size_t f = 0;
        for (;;) {
            const char *name = f < n_fields && map[f] >= 0 ? sc->cols[map[f]].name : NULL;
            int r = csv_field(&c, name);
            if (r < 0) {
                rc = r;
                break;
            }
            if (f >= n_fields) {
                rc = rn_fail(RN_EPARSE, "%s: expected %zu fields (%s), got more",
                             where(at, sizeof at, &t, c.line, c.col, NULL), n_fields,
                             sc->no_header ? "as in the schema" : "as in the header");
                break;
            }
            if (map[f] >= 0) {
                rc = csv_store(&c, sc, &sc->cols[map[f]], &ds->cols[colidx[map[f]]]);
                if (rc) break;
            }
            f++;
            if (r == 2) break;
        }
        if (rc == RN_OK && f < n_fields)
            rc = rn_fail(RN_EPARSE, "%s: expected %zu fields (%s), got %zu",
                         where(at, sizeof at, &t, c.eline, c.ecol, NULL), n_fields,
                         sc->no_header ? "as in the schema" : "as in the header", f);
        if (rc == RN_OK) rc = rn_dataset_end_row(ds);
    }

    rn_free(map);
    rn_free(colidx);
    rn_free(c.field);
    rn__text_close(&t);
    if (rc != RN_OK) {
        rn_free(lines);
        rn_dataset_free(ds);
        return NULL;
    }
    if (lines_out) *lines_out = lines;
    return ds;
}

rn_dataset *rn_load_csv(const char *path, const rn_csv_schema *schema)
{
    return rn__load_csv(path, schema, NULL);
}

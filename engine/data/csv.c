/* The RFC 4180 CSV loader with a schema (dataset.h).
 *
 * The whole file is read at once (text.c, bounded by RN_DATA_MAX_FILE) and
 * scanned by byte offsets: a field is a slice of the buffer, so nothing is
 * allocated per field (a quoted field with doubled quotes is unescaped into
 * one scratch buffer). Only line numbers are tracked while scanning; an error
 * finds its column by rescanning its record from the start with the cursor
 * rules of text.c (rn__advance), so every message still names
 * file:line:column (of the field's first character), the column and what was
 * expected.
 *
 * Large files are read by two threads: the second starts at the first record
 * boundary after the middle of the file, with vocabularies of its own; the
 * first reads up to there. The halves are joined only when the first half's
 * last record ends exactly where the second half began (a quoted field with
 * line breaks across the middle makes them disagree); then the second half's
 * new strings are added to the first half's vocabularies in their order of
 * first appearance and its ids renumbered, which gives exactly the ids of a
 * sequential read. Otherwise, or when the second half met an error, the first
 * thread simply reads on to the end, so errors and their locations are those
 * of a sequential read. */
#include "data/data_internal.h"
#include "data/dataset.h"

#include "alloc.h"
#include "error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files below this size are read by one thread (two cost more than they save). */
#define CSV_PARALLEL_MIN ((size_t)4 << 20)

/* ---- scanning --------------------------------------------------------------------- */

typedef struct {
    rn__text *t;       /* the file (buf, len, path) */
    const char *buf;   /* t->buf */
    size_t len;        /* t->len */
    char delim;
    unsigned char stop[256]; /* bytes that end an unquoted field's fast scan */
    size_t pos;        /* the cursor */
    size_t line;       /* the line at the cursor (exact at record starts) */
    size_t rec, rec_line; /* where the current record starts */
    const char *f;     /* the current field (not NUL-terminated) */
    size_t flen, fpos; /* its length; the offset of its first byte */
    size_t end_pos;    /* where the current record ended (its line break, or len) */
    char *scratch;     /* unescaped quoted fields with doubled quotes */
    size_t cap;
} scan;

static void scan_init(scan *s, rn__text *t, char delim)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->buf = t->buf;
    s->len = t->len;
    s->delim = delim;
    s->pos = t->pos;
    s->line = 1;
    s->stop[(unsigned char)delim] = 1;
    s->stop['\r'] = s->stop['\n'] = s->stop['"'] = s->stop[0] = 1;
}

/* The line and column of byte off of the current record, by the rules of
 * rn__advance (columns count characters). */
static void locate(const scan *s, size_t off, size_t *line, size_t *col)
{
    rn__text t = *s->t;
    t.pos = s->rec;
    t.line = s->rec_line;
    t.col = 1;
    while (t.pos < off && t.pos < t.len)
        rn__advance(&t);
    *line = t.line;
    *col = t.col;
}

/* "path:line:col: column 'x'" (the column part when name != NULL) for byte off. */
static const char *where(char *buf, size_t size, const scan *s, size_t off, const char *name)
{
    size_t line, col;
    locate(s, off, &line, &col);
    if (name)
        snprintf(buf, size, "%s:%zu:%zu: column '%s'", s->t->path, line, col, name);
    else
        snprintf(buf, size, "%s:%zu:%zu", s->t->path, line, col);
    return buf;
}

/* Whether the byte at i is a line break by rn__advance's rule ("\r\n" counts
 * once, at its '\n'). */
static int breaks_line(const scan *s, size_t i)
{
    return s->buf[i] == '\n' || (s->buf[i] == '\r' && (i + 1 >= s->len || s->buf[i + 1] != '\n'));
}

/* Skips blank lines; nonzero when a record follows (its start is then rec). */
static int next_record(scan *s)
{
    while (s->pos < s->len && (s->buf[s->pos] == '\r' || s->buf[s->pos] == '\n')) {
        s->line += (size_t)breaks_line(s, s->pos);
        s->pos++;
    }
    s->rec = s->pos;
    s->rec_line = s->line;
    return s->pos < s->len;
}

/* The quoted field at the cursor, from its opening quote to past its closing
 * one: the text between, with doubled quotes unescaped into scratch. */
static int quoted_field(scan *s, const char *name)
{
    const char *buf = s->buf;
    size_t start = s->pos, i = start + 1;
    int doubled = 0;
    char at[512];
    for (;;) {
        while (i < s->len && buf[i] != '"' && buf[i] != '\0') {
            s->line += (size_t)breaks_line(s, i);
            i++;
        }
        if (i >= s->len)
            return rn_fail(RN_EPARSE,
                           "%s: unterminated quoted field: the quote opened here is never "
                           "closed",
                           where(at, sizeof at, s, start, name));
        if (buf[i] == '\0')
            return rn_fail(RN_EPARSE, "%s: binary data (a NUL byte): expected text",
                           where(at, sizeof at, s, i, name));
        if (i + 1 < s->len && buf[i + 1] == '"') {
            doubled = 1;
            i += 2;
            continue;
        }
        break;
    }
    size_t n = i - start - 1;
    if (!doubled) {
        s->f = buf + start + 1;
        s->flen = n;
    } else {
        if (n + 1 > s->cap && rn__grow((void **)&s->scratch, &s->cap, n + 1, 1, "a CSV field"))
            return RN_ENOMEM;
        size_t o = 0;
        for (size_t k = start + 1; k < i; k++) {
            s->scratch[o++] = buf[k];
            if (buf[k] == '"') k++; /* the second of a doubled quote */
        }
        s->f = s->scratch;
        s->flen = o;
    }
    i++;
    if (i < s->len && buf[i] != s->delim && buf[i] != '\r' && buf[i] != '\n') {
        char q[64];
        rn__quote(q, sizeof q, buf + i, 1);
        return rn_fail(RN_EPARSE,
                       "%s: expected a delimiter or the end of the line after the closing "
                       "quote, got %s",
                       where(at, sizeof at, s, i, name), q);
    }
    s->pos = i;
    return RN_OK;
}

/* Reads one field at the cursor. Returns 1 when the record goes on after it,
 * 2 when the record ended (line break or end of file), or an RN_E* code. name
 * is the field's column name for messages (NULL if it has none). */
static int scan_field(scan *s, const char *name)
{
    s->fpos = s->pos;
    if (s->pos < s->len && s->buf[s->pos] == '"') {
        int rc = quoted_field(s, name);
        if (rc) return rc;
    } else {
        const unsigned char *p = (const unsigned char *)s->buf + s->pos;
        const unsigned char *e = (const unsigned char *)s->buf + s->len;
        while (p < e && !s->stop[*p])
            p++;
        size_t i = (size_t)((const char *)p - s->buf);
        if (i < s->len && (s->buf[i] == '\0' || s->buf[i] == '"')) {
            char at[512];
            if (s->buf[i] == '\0')
                return rn_fail(RN_EPARSE, "%s: binary data (a NUL byte): expected text",
                               where(at, sizeof at, s, i, name));
            return rn_fail(RN_EPARSE,
                           "%s: a double quote inside an unquoted field: quote the whole "
                           "field and double the quote (\"\")",
                           where(at, sizeof at, s, i, name));
        }
        s->f = s->buf + s->fpos;
        s->flen = i - s->fpos;
        s->pos = i;
    }
    if (s->pos < s->len && s->buf[s->pos] == s->delim) {
        s->pos++;
        return 1;
    }
    s->end_pos = s->pos;
    if (s->pos < s->len) {
        if (s->buf[s->pos] == '\r' && s->pos + 1 < s->len && s->buf[s->pos + 1] == '\n')
            s->pos++;
        s->pos++;
        s->line++;
    }
    return 2;
}

/* ---- numbers ----------------------------------------------------------------------- */

/* The common case of a decimal number, fast: [+-]digits[.digits] with at
 * most 15 digits, so that the mantissa is exact in a double and one division
 * by an exact power of ten rounds correctly (Clinger's fast path): the same
 * double strtod gives. -1 for anything else (the caller then takes the slow,
 * strict path of text.c, which also handles spaces and exponents). */
static int fast_double(const char *s, size_t len, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t i = 0;
    int neg = 0, nd = 0, frac = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    uint64_t m = 0;
    while (i < len && (unsigned)(s[i] - '0') < 10 && nd < 16) {
        m = m * 10 + (unsigned)(s[i++] - '0');
        nd++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && (unsigned)(s[i] - '0') < 10 && nd < 16) {
            m = m * 10 + (unsigned)(s[i++] - '0');
            nd++;
            frac++;
        }
    }
    if (i != len || nd == 0 || nd > 15) return -1;
    double v = (double)m / pow10[frac];
    *out = neg ? -v : v;
    return 0;
}

static int parse_float(const char *s, size_t len, float *out)
{
    double v;
    if (fast_double(s, len, &v) == 0) {
        *out = (float)v;
        return 0;
    }
    return rn__parse_float(s, len, out);
}

static int parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (len - i >= 1 && len - i <= 18) {
        int64_t v = 0;
        while (i < len && (unsigned)(s[i] - '0') < 10)
            v = v * 10 + (s[i++] - '0');
        if (i == len) {
            *out = neg ? -v : v;
            return 0;
        }
    }
    return rn__parse_int64(s, len, out);
}

/* ---- storing fields ---------------------------------------------------------------- */

static const char *const default_na[] = {"", "NA", NULL};

/* What every chunk of one load shares (read only while threads run). */
typedef struct {
    const char *path;
    const rn_csv_schema *sc;
    rn__text *t;
    char delim;
    const char *const *na;
    size_t *na_len;     /* strlen of each na marker */
    size_t n_na;
    int *map;           /* file field -> schema column, or -1 */
    size_t n_fields;    /* fields per record */
    int *colidx;        /* schema column -> data set column */
} csv_ctx;

static int is_na(const csv_ctx *x, const char *s, size_t len)
{
    for (size_t i = 0; i < x->n_na; i++)
        if (x->na_len[i] == len && memcmp(x->na[i], s, len) == 0) return 1;
    return 0;
}

/* RN_OK when the current field is UTF-8 text, else an error located at its
 * first invalid byte (name: the column, or NULL in the header). Text the data
 * set keeps must be UTF-8: a Latin-1 "Par\xe9s" would print as raw bytes. */
static int check_text(const scan *s, const char *name)
{
    size_t bad = rn__utf8_check(s->f, s->flen);
    if (bad == s->flen) return RN_OK;
    /* the byte's offset in the file, unless the field was unescaped into scratch */
    int in_buf = s->f >= s->buf && s->f < s->buf + s->len;
    size_t off = in_buf ? (size_t)(s->f - s->buf) + bad : s->fpos;
    char at[512], q[128];
    rn__quote(q, sizeof q, s->f, s->flen);
    return rn_fail(RN_EPARSE,
                   "%s: the byte 0x%02X is not UTF-8 text (in %s): convert the file to UTF-8 "
                   "(iconv -f latin1 -t utf-8, if it is Latin-1)",
                   where(at, sizeof at, s, off, name), (unsigned char)s->f[bad], q);
}

/* Converts the current field into column col of the data set. */
static int store(const scan *s, const csv_ctx *x, const rn_csv_col *spec, rn_column *col)
{
    const char *f = s->f;
    size_t len = s->flen;
    char at[512], q[128];
    int missing = is_na(x, f, len);
    switch (spec->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE: {
        if (missing) {
            if (spec->kind == RN_COL_LABEL) {
                rn__quote(q, sizeof q, f, len);
                return rn_fail(RN_EPARSE, "%s: a label cannot be missing, got %s",
                               where(at, sizeof at, s, s->fpos, spec->name), q);
            }
            return rn_col_push_missing(col);
        }
        float v;
        int rc = parse_float(f, len, &v);
        if (rc == -3) return RN_ENOMEM;
        if (rc) {
            rn__quote(q, sizeof q, f, len);
            return rn_fail(RN_EPARSE, "%s: expected %s, got %s",
                           where(at, sizeof at, s, s->fpos, spec->name),
                           rc == -2 ? "a finite number within float range" : "a number", q);
        }
        if (col->rows < col->cap) { /* the common case, without a call */
            col->f[col->rows++] = v;
            return RN_OK;
        }
        return rn_col_push_float(col, v);
    }
    case RN_COL_INT: {
        int64_t v;
        int rc = missing ? -1 : parse_int64(f, len, &v);
        if (rc == -3) return RN_ENOMEM;
        if (rc) {
            rn__quote(q, sizeof q, f, len);
            return rn_fail(RN_EPARSE, "%s: expected %s, got %s",
                           where(at, sizeof at, s, s->fpos, spec->name),
                           rc == -2 ? "an integer within 64 bits" : "an integer", q);
        }
        return rn_col_push_int(col, v);
    }
    case RN_COL_CAT: {
        if (missing) return rn_col_push_missing(col);
        int bad = check_text(s, spec->name);
        if (bad) return bad;
        if (col->vocab && len > 0 && col->rows < col->cap) {
            /* the common case without the checks of rn_col_push_text; the
             * cardinality is set from the vocabulary once the load is done */
            int32_t id = 0;
            int rc = rn_vocab_add(col->vocab, f, len, &id);
            if (rc) return rc;
            col->ids[col->rows++] = id;
            return RN_OK;
        }
        return rn_col_push_text(col, f, len);
    }
    case RN_COL_SEQ: {
        if (missing) return rn_col_push_missing(col);
        int bad = check_text(s, spec->name);
        if (bad) return bad;
        char sep = spec->sep ? spec->sep : '|';
        size_t a = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || f[i] == sep) {
                int rc = rn_col_push_seq_text(col, f + a, i - a);
                if (rc) return rc;
                a = i + 1;
            }
        }
        return RN_OK;
    }
    }
    return rn_fail(RN_EARG, "%s: unknown column kind %d",
                   where(at, sizeof at, s, s->fpos, spec->name), spec->kind);
}

/* ---- records ------------------------------------------------------------------------ */

/* One run of records: those starting before until, into ds. */
typedef struct {
    const csv_ctx *x;
    rn_dataset *ds;
    scan s;
    size_t until;        /* read records that start before this offset */
    size_t max_rows;     /* 0: no limit */
    int want_lines;
    size_t *lines, cap_lines; /* the line where each record starts */
    int rc;              /* the run's result */
    char msg[RN_ERROR_MAX]; /* its error message (a thread's own) */
} run;

static int read_records(run *r)
{
    const csv_ctx *x = r->x;
    const rn_csv_schema *sc = x->sc;
    scan *s = &r->s;
    rn_dataset *ds = r->ds;
    char at[512];
    while (next_record(s) && s->rec < r->until && (r->max_rows == 0 || ds->n_rows < r->max_rows)) {
        if (r->want_lines) {
            int rc = rn__grow((void **)&r->lines, &r->cap_lines, ds->n_rows + 1, sizeof *r->lines,
                              "CSV line numbers");
            if (rc) return rc;
            r->lines[ds->n_rows] = s->rec_line;
        }
        size_t f = 0;
        for (;;) {
            int m = f < x->n_fields ? x->map[f] : -1;
            const char *name = m >= 0 ? sc->cols[m].name : NULL;
            int k = scan_field(s, name);
            if (k < 0) return k;
            if (f >= x->n_fields)
                return rn_fail(RN_EPARSE, "%s: expected %zu fields (%s), got more",
                               where(at, sizeof at, s, s->fpos, NULL), x->n_fields,
                               sc->no_header ? "as in the schema" : "as in the header");
            if (m >= 0) {
                int rc = store(s, x, &sc->cols[m], &ds->cols[x->colidx[m]]);
                if (rc) return rc;
            }
            f++;
            if (k == 2) break;
        }
        if (f < x->n_fields)
            return rn_fail(RN_EPARSE, "%s: expected %zu fields (%s), got %zu",
                           where(at, sizeof at, s, s->end_pos, NULL), x->n_fields,
                           sc->no_header ? "as in the schema" : "as in the header", f);
        int rc = rn_dataset_end_row(ds);
        if (rc) return rc;
    }
    return RN_OK;
}

static void *read_thread(void *arg)
{
    run *r = arg;
    r->rc = read_records(r);
    if (r->rc) snprintf(r->msg, sizeof r->msg, "%s", rn_error());
    return NULL;
}

/* ---- the schema and the data set --------------------------------------------------- */

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
        if (s->history_of == NULL) continue;
        if (s->kind != RN_COL_SEQ)
            return rn_fail(RN_EARG,
                           "%s: column '%s' is %s: history_of is for seq columns (a list of "
                           "the named column's ids)",
                           path, s->name, rn_col_kind_name(s->kind));
        size_t j = 0;
        while (j < sc->n_cols && strcmp(sc->cols[j].name, s->history_of) != 0)
            j++;
        if (j == sc->n_cols)
            return rn_fail(RN_EARG,
                           "%s: column '%s': history_of names '%s', which is not a column of "
                           "the schema",
                           path, s->name, s->history_of);
        if (sc->cols[j].kind != RN_COL_CAT)
            return rn_fail(RN_EARG,
                           "%s: column '%s': history_of names '%s', a %s column: expected a "
                           "cat column",
                           path, s->name, s->history_of, rn_col_kind_name(sc->cols[j].kind));
        if (s->buckets != 0 && s->buckets != sc->cols[j].buckets)
            return rn_fail(RN_EARG,
                           "%s: column '%s': a history takes the ids of '%s': give hash "
                           "there, not here",
                           path, s->name, s->history_of);
    }
    return RN_OK;
}

/* An empty data set with the schema's columns; colidx receives each schema
 * column's index. A history_of column borrows its candidate column's
 * vocabulary (or hashing). */
static rn_dataset *new_dataset(const char *path, const rn_csv_schema *sc, int *colidx)
{
    rn_dataset *ds = rn_dataset_new(path);
    if (ds == NULL) return NULL;
    for (size_t i = 0; i < sc->n_cols; i++) {
        const rn_csv_col *spec = &sc->cols[i];
        int k = rn_dataset_add_column(ds, spec->name, spec->kind, spec->buckets);
        if (k < 0) {
            rn_dataset_free(ds);
            return NULL;
        }
        colidx[i] = k;
        ds->cols[k].fill = spec->has_fill ? spec->fill : 0.0f;
    }
    for (size_t i = 0; i < sc->n_cols; i++) {
        if (sc->cols[i].history_of == NULL) continue;
        rn_column *c = &ds->cols[colidx[i]];
        int of = rn_dataset_find(ds, sc->cols[i].history_of);
        const rn_column *cat = &ds->cols[of];
        rn_vocab_free(c->vocab);
        c->vocab = cat->vocab;
        c->vocab_of = of;
        c->buckets = cat->buckets;
        c->cardinality = cat->cardinality;
    }
    int rc = RN_OK;
    if (sc->group) rc = rn_dataset_set_group(ds, sc->group);
    if (rc == RN_OK && sc->time) rc = rn_dataset_set_time(ds, sc->time);
    if (rc) {
        rn_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* Reads the header (or takes the schema's order) into x->map and x->n_fields. */
static int read_header(csv_ctx *x, scan *s)
{
    const rn_csv_schema *sc = x->sc;
    char at[512];
    if (sc->no_header) {
        x->n_fields = sc->n_cols;
        if ((x->map = rn_malloc(x->n_fields * sizeof *x->map, "CSV schema")) == NULL)
            return RN_ENOMEM;
        for (size_t i = 0; i < x->n_fields; i++)
            x->map[i] = (int)i;
        return RN_OK;
    }
    size_t cap_map = 0;
    int more = 1;
    /* near[i]: the header field (1-based) whose name is column i's with spaces
     * around it, for the hint when column i is missing */
    size_t *near = rn_calloc(sc->n_cols ? sc->n_cols : 1, sizeof *near, "CSV header");
    if (near == NULL) return RN_ENOMEM;
    while (more) {
        int r = scan_field(s, NULL);
        if (r < 0) {
            rn_free(near);
            return r;
        }
        more = r == 1;
        int rc = check_text(s, NULL);
        if (rc == RN_OK)
            rc = rn__grow((void **)&x->map, &cap_map, x->n_fields + 1, sizeof *x->map,
                          "CSV header");
        if (rc) {
            rn_free(near);
            return rc;
        }
        x->map[x->n_fields] = -1;
        size_t b = 0, e = s->flen;
        while (b < e && (s->f[b] == ' ' || s->f[b] == '\t'))
            b++;
        while (e > b && (s->f[e - 1] == ' ' || s->f[e - 1] == '\t'))
            e--;
        for (size_t i = 0; i < sc->n_cols; i++) {
            size_t len = strlen(sc->cols[i].name);
            if ((b > 0 || e < s->flen) && len == e - b && memcmp(sc->cols[i].name, s->f + b, len) == 0)
                near[i] = x->n_fields + 1;
            if (len != s->flen || memcmp(sc->cols[i].name, s->f, s->flen) != 0)
                continue;
            for (size_t j = 0; j < x->n_fields; j++)
                if (x->map[j] == (int)i) {
                    rn_free(near);
                    return rn_fail(RN_EPARSE,
                                   "%s: the header names column '%s' twice (fields %zu and %zu)",
                                   where(at, sizeof at, s, s->fpos, NULL), sc->cols[i].name,
                                   j + 1, x->n_fields + 1);
                }
            x->map[x->n_fields] = (int)i;
        }
        x->n_fields++;
    }
    for (size_t i = 0; i < sc->n_cols; i++) {
        size_t j = 0;
        while (j < x->n_fields && x->map[j] != (int)i)
            j++;
        if (j == x->n_fields && near[i] > 0) {
            size_t f = near[i];
            rn_free(near);
            return rn_fail(RN_EPARSE,
                           "%s:1:1: column '%s' of the schema is not in the header (field %zu is "
                           "'%s' with spaces around it)",
                           x->path, sc->cols[i].name, f, sc->cols[i].name);
        }
        if (j == x->n_fields) {
            rn_free(near);
            return rn_fail(RN_EPARSE, "%s:1:1: column '%s' of the schema is not in the header",
                           x->path, sc->cols[i].name);
        }
    }
    rn_free(near);
    return RN_OK;
}

/* ---- joining two halves ------------------------------------------------------------- */

/* Grows *p (n items of elem bytes) to exactly need items. */
static int resize(void **p, size_t need, size_t elem, const char *what)
{
    void *q = rn_realloc(*p, (need ? need : 1) * elem, what);
    if (q == NULL) return RN_ENOMEM;
    *p = q;
    return RN_OK;
}

/* For column c of b with its own vocabulary: map[id of b] = id in a's
 * vocabulary, adding b's strings in b's order of first appearance. */
static int vocab_map(rn_vocab *va, const rn_vocab *vb, int32_t **map)
{
    size_t n = rn_vocab_size(vb);
    *map = rn_malloc(n * sizeof **map, "CSV vocabulary map");
    if (*map == NULL) return RN_ENOMEM;
    (*map)[0] = 0;
    for (size_t id = 1; id < n; id++) {
        const char *name = rn_vocab_name(vb, (int32_t)id);
        int rc = rn_vocab_add(va, name, strlen(name), &(*map)[id]);
        if (rc) return rc;
    }
    return RN_OK;
}

/* Appends the rows of b (read after a's, same columns) to a. */
static int join(rn_dataset *a, const rn_dataset *b)
{
    size_t na = a->n_rows, nb = b->n_rows;
    int32_t **maps = rn_calloc(a->n_cols, sizeof *maps, "CSV vocabulary maps");
    if (maps == NULL) return RN_ENOMEM;
    int rc = RN_OK;
    /* first the vocabularies, in column order: a string new to a gets the id a
     * sequential read would give it, since b's ids follow b's first appearances */
    for (size_t k = 0; rc == RN_OK && k < a->n_cols; k++)
        if (a->cols[k].vocab && a->cols[k].vocab_of < 0)
            rc = vocab_map(a->cols[k].vocab, b->cols[k].vocab, &maps[k]);
    for (size_t k = 0; rc == RN_OK && k < a->n_cols; k++) {
        rn_column *ca = &a->cols[k];
        const rn_column *cb = &b->cols[k];
        const int32_t *map = ca->vocab ? maps[ca->vocab_of < 0 ? (int)k : ca->vocab_of] : NULL;
        ca->n_missing += cb->n_missing;
        switch (ca->kind) {
        case RN_COL_LABEL:
        case RN_COL_DENSE:
            if ((rc = resize((void **)&ca->f, na + nb, sizeof *ca->f, "column values"))) break;
            memcpy(ca->f + na, cb->f, nb * sizeof *ca->f);
            break;
        case RN_COL_INT:
            if ((rc = resize((void **)&ca->i64, na + nb, sizeof *ca->i64, "column values"))) break;
            memcpy(ca->i64 + na, cb->i64, nb * sizeof *ca->i64);
            break;
        case RN_COL_CAT:
            if ((rc = resize((void **)&ca->ids, na + nb, sizeof *ca->ids, "column ids"))) break;
            for (size_t r = 0; r < nb; r++)
                ca->ids[na + r] = map ? map[cb->ids[r]] : cb->ids[r];
            break;
        case RN_COL_SEQ: {
            size_t ia = ca->n_ids, ib = cb->n_ids;
            if ((rc = resize((void **)&ca->ids, ia + ib, sizeof *ca->ids, "sequence ids"))) break;
            ca->cap_ids = ia + ib;
            if ((rc = resize((void **)&ca->off, na + nb + 1, sizeof *ca->off, "sequence offsets")))
                break;
            for (size_t j = 0; j < ib; j++)
                ca->ids[ia + j] = map ? map[cb->ids[j]] : cb->ids[j];
            for (size_t r = 1; r <= nb; r++)
                ca->off[na + r] = ia + cb->off[r];
            ca->n_ids = ia + ib;
            break;
        }
        }
        if (rc) break;
        ca->rows = ca->cap = na + nb;
    }
    for (size_t k = 0; k < a->n_cols; k++)
        rn_free(maps[k]);
    rn_free(maps);
    if (rc == RN_OK) a->n_rows = na + nb;
    return rc;
}

/* ---- the loader --------------------------------------------------------------------- */

/* The offset where a second thread would start for a split near at: the first
 * record boundary after the first line break at or after at (len: none). */
static size_t split_point(const scan *s, size_t at)
{
    size_t i = at < s->pos ? s->pos : at;
    while (i < s->len && s->buf[i] != '\n' && s->buf[i] != '\r')
        i++;
    while (i < s->len && (s->buf[i] == '\n' || s->buf[i] == '\r'))
        i++;
    return i;
}

/* Reads the records after the header into r->ds: with a second thread for
 * the records from split on when split < len (see the file's comment). */
static int read_body(const csv_ctx *x, run *r, size_t split, int *colidx2, int *joined_out)
{
    run second;
    memset(&second, 0, sizeof second);
    pthread_t th;
    int started = 0, joined = 0;
    if (split < r->s.len) {
        second.x = x;
        second.s = r->s;
        second.s.pos = split;
        second.s.line = 1; /* relative: made absolute when joined */
        second.s.scratch = NULL;
        second.s.cap = 0;
        second.until = SIZE_MAX;
        second.want_lines = r->want_lines;
        second.ds = new_dataset(x->path, x->sc, colidx2);
        if (second.ds && pthread_create(&th, NULL, read_thread, &second) == 0) started = 1;
        r->until = split;
    }
    int rc = read_records(r);
    if (started) {
        pthread_join(th, NULL);
        if (rc == RN_OK && second.rc == RN_OK && r->s.pos == split) {
            size_t n0 = r->ds->n_rows;
            rc = join(r->ds, second.ds);
            if (rc == RN_OK && r->want_lines)
                rc = rn__grow((void **)&r->lines, &r->cap_lines, n0 + second.ds->n_rows + 1,
                              sizeof *r->lines, "CSV line numbers");
            for (size_t k = 0; rc == RN_OK && r->want_lines && k < second.ds->n_rows; k++)
                r->lines[n0 + k] = second.lines[k] - 1 + r->s.line;
            joined = 1;
        }
    }
    rn_dataset_free(second.ds);
    rn_free(second.lines);
    rn_free(second.s.scratch);
    /* not joined (a quoted line break across the split, an error in the second
     * half, or no second thread): read on alone, as a sequential read does */
    if (rc == RN_OK && !joined) {
        r->until = SIZE_MAX;
        rc = read_records(r);
    }
    if (joined_out) *joined_out = joined;
    return rc;
}

rn_dataset *rn__load_csv_split(const char *path, const rn_csv_schema *sc, size_t **lines_out,
                               size_t split_at, int *joined)
{
    if (lines_out) *lines_out = NULL;
    if (joined) *joined = 0;
    if (check_schema(path, sc)) return NULL;
    rn__text t;
    if (rn__text_open(&t, path)) return NULL;
    csv_ctx x;
    memset(&x, 0, sizeof x);
    x.path = path;
    x.sc = sc;
    x.t = &t;
    x.delim = sc->delimiter ? sc->delimiter : ',';
    x.na = sc->na ? sc->na : default_na;
    run r;
    memset(&r, 0, sizeof r);
    r.x = &x;
    r.until = SIZE_MAX;
    r.max_rows = sc->max_rows;
    r.want_lines = lines_out != NULL;
    scan_init(&r.s, &t, x.delim);
    int *colidx2 = NULL;
    int rc = RN_OK;
    while (x.na[x.n_na])
        x.n_na++;
    x.na_len = rn_malloc((x.n_na ? x.n_na : 1) * sizeof *x.na_len, "CSV missing markers");
    x.colidx = rn_malloc(sc->n_cols * sizeof *x.colidx, "CSV schema");
    colidx2 = rn_malloc(sc->n_cols * sizeof *colidx2, "CSV schema");
    if (x.na_len == NULL || x.colidx == NULL || colidx2 == NULL) rc = RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < x.n_na; i++)
        x.na_len[i] = strlen(x.na[i]);
    if (rc == RN_OK && (r.ds = new_dataset(path, sc, x.colidx)) == NULL)
        rc = rn_error_code() != RN_OK ? rn_error_code() : RN_ENOMEM;
    if (rc == RN_OK && !next_record(&r.s))
        rc = rn_fail(RN_EPARSE, "%s:1:1: the file is empty: expected %s", path,
                     sc->no_header ? "CSV records" : "a header row");
    if (rc == RN_OK) rc = read_header(&x, &r.s);
    if (rc == RN_OK) {
        size_t split = t.len;
        if (split_at > 0)
            split = split_point(&r.s, split_at);
        else if (sc->max_rows == 0 && t.len >= CSV_PARALLEL_MIN)
            split = split_point(&r.s, r.s.pos + (t.len - r.s.pos) / 2);
        if (sc->max_rows != 0) split = t.len;
        rc = read_body(&x, &r, split, colidx2, joined);
    }
    /* a header and nothing after it is a truncated file, not an empty data set */
    if (rc == RN_OK && r.ds->n_rows == 0 && !sc->no_header)
        rc = rn_fail(RN_EPARSE, "%s:2:1: no records after the header (the file has a header only)",
                     path);
    /* columns sharing a vocabulary all count its ids */
    for (size_t k = 0; rc == RN_OK && k < r.ds->n_cols; k++)
        if (r.ds->cols[k].vocab)
            r.ds->cols[k].cardinality = (int64_t)rn_vocab_size(r.ds->cols[k].vocab);
    rn_free(x.na_len);
    rn_free(x.map);
    rn_free(x.colidx);
    rn_free(colidx2);
    rn_free(r.s.scratch);
    rn__text_close(&t);
    if (rc != RN_OK) {
        rn_free(r.lines);
        rn_dataset_free(r.ds);
        return NULL;
    }
    if (lines_out) *lines_out = r.lines;
    else rn_free(r.lines);
    return r.ds;
}

rn_dataset *rn__load_csv(const char *path, const rn_csv_schema *sc, size_t **lines)
{
    return rn__load_csv_split(path, sc, lines, 0, NULL);
}

rn_dataset *rn_load_csv(const char *path, const rn_csv_schema *schema)
{
    return rn__load_csv(path, schema, NULL);
}

/* The libsvm and libffm loaders (dataset.h).
 *
 *   libsvm:  <label> [qid:<n>] <index>:<value> <index>:<value> ...   # comment
 *   libffm:  <label> <field>:<index>:<value> ...
 *
 * Tokens are separated by spaces or tabs, lines by LF, CRLF or CR; blank and
 * comment-only lines are skipped. Indices and fields are stored as given
 * (0 to INT32_MAX - 1): the data set allocates per token read, never per
 * index value, so "1 4000000000:1" is an error and "1 2000000000:1" costs one
 * id. */
#include "data/data_internal.h"
#include "data/dataset.h"

#include "alloc.h"
#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s; /* in the file buffer */
    size_t len;
    size_t line, col;
} token;

/* The next token of the current line, or 0 at the line's end (a comment
 * ends it too). Rejects NUL bytes. */
static int next_token(rn__text *t, token *tok, int *err)
{
    *err = RN_OK;
    while (rn__peek(t) == ' ' || rn__peek(t) == '\t')
        rn__advance(t);
    int ch = rn__peek(t);
    if (ch == '#') {
        while (rn__peek(t) >= 0 && rn__peek(t) != '\n' && rn__peek(t) != '\r')
            rn__advance(t);
        ch = rn__peek(t);
    }
    if (ch < 0 || ch == '\n' || ch == '\r') return 0;
    tok->s = t->buf + t->pos;
    tok->line = t->line;
    tok->col = t->col;
    while ((ch = rn__peek(t)) > 0 && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' &&
           ch != '#')
        rn__advance(t);
    if (ch == 0) {
        *err = rn_fail(RN_EPARSE, "%s:%zu:%zu: binary data (a NUL byte): expected text", t->path,
                       t->line, t->col);
        return 0;
    }
    tok->len = (size_t)(t->buf + t->pos - tok->s);
    return 1;
}

static void skip_line_end(rn__text *t)
{
    if (rn__peek(t) == '\r') rn__advance(t);
    if (rn__peek(t) == '\n') rn__advance(t);
}

static int bad_token(const rn__text *t, const token *tok, const char *what, const char *expected)
{
    char q[128];
    rn__quote(q, sizeof q, tok->s, tok->len);
    return rn_fail(RN_EPARSE, "%s:%zu:%zu: %s: expected %s, got %s", t->path, tok->line, tok->col,
                   what, expected, q);
}

/* Parses an index or field: 0 to INT32_MAX - 1. */
static int parse_index(const rn__text *t, const token *tok, const char *s, size_t len,
                       const char *what, const char *kind, int32_t *out)
{
    int64_t v;
    int rc = rn__parse_int64(s, len, &v);
    char q[128];
    if (rc == -3) return RN_ENOMEM;
    if (rc == -1 || (rc == 0 && v < 0)) {
        rn__quote(q, sizeof q, s, len);
        return rn_fail(RN_EPARSE, "%s:%zu:%zu: %s: expected the %s as an integer >= 0, got %s",
                       t->path, tok->line, tok->col, what, kind, q);
    }
    if (rc == -2 || v >= INT32_MAX) {
        rn__quote(q, sizeof q, s, len);
        return rn_fail(RN_EPARSE, "%s:%zu:%zu: %s: %s %s is out of range: expected 0 to %d",
                       t->path, tok->line, tok->col, what, kind, q, INT32_MAX - 1);
    }
    *out = (int32_t)v;
    return RN_OK;
}

/* Orders (field, index) pairs. */
static int cmp_pair(const void *a, const void *b)
{
    const int32_t *x = a, *y = b;
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* A SEQ column stores values only once one differs from 1 (a multi-hot list
 * needs none), but a libsvm or libffm row's index:value pairs are a weighted
 * bag whatever the values are: a file whose values are all 1 (Criteo's
 * libffm files are) still gets them, so the models read it as a bag. */
static int keep_values(rn_column *c)
{
    if (c->val != NULL) return RN_OK;
    size_t cap = c->cap_ids > 0 ? c->cap_ids : 1;
    c->val = rn_malloc(cap * sizeof *c->val, "sequence values");
    if (c->val == NULL) return RN_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        c->val[i] = 1.0f;
    return RN_OK;
}

static rn_dataset *load_sparse(const char *path, int ffm)
{
    rn__text t;
    if (rn__text_open(&t, path)) return NULL;
    rn_dataset *ds = rn_dataset_new(path);
    int rc = ds ? RN_OK : RN_ENOMEM;
    int label = -1, feat = -1, qid = -1, first = 1;
    int32_t *seen = NULL; /* the current line's (field, index, column) triples, to find repeats */
    size_t cap_seen = 0;
    if (rc == RN_OK && (label = rn_dataset_add_column(ds, "label", RN_COL_LABEL, 0)) < 0)
        rc = label;
    if (rc == RN_OK && (feat = rn_dataset_add_column(ds, "features", RN_COL_SEQ, 0)) < 0) rc = feat;
    if (rc == RN_OK) {
        /* indices are raw ids: no vocabulary */
        rn_vocab_free(ds->cols[feat].vocab);
        ds->cols[feat].vocab = NULL;
        ds->cols[feat].cardinality = 0;
    }
    const char *fmt = ffm ? "libffm" : "libsvm";
    while (rc == RN_OK && rn__peek(&t) >= 0) {
        token tok;
        int err;
        if (!next_token(&t, &tok, &err)) {
            rc = err;
            skip_line_end(&t);
            continue; /* blank or comment line */
        }
        float y;
        int prc = rn__parse_float(tok.s, tok.len, &y);
        if (prc == -3) {
            rc = RN_ENOMEM;
            break;
        }
        if (prc) {
            rc = bad_token(&t, &tok, "label", prc == -2 ? "a finite number" : "a number");
            break;
        }
        if ((rc = rn_col_push_float(&ds->cols[label], y))) break;
        /* qid:N after the label: a group column, decided by the first line */
        size_t n_seen = 0;
        int has_qid = 0;
        int more = next_token(&t, &tok, &err);
        if (err) {
            rc = err;
            break;
        }
        if (!ffm && more && tok.len > 4 && memcmp(tok.s, "qid:", 4) == 0) {
            int64_t q;
            int qrc = rn__parse_int64(tok.s + 4, tok.len - 4, &q);
            if (qrc) {
                rc = qrc == -3 ? RN_ENOMEM : bad_token(&t, &tok, "qid", "qid:<integer>");
                break;
            }
            if (first) {
                /* the first line is still row 0: columns may yet be added */
                if ((qid = rn_dataset_add_column(ds, "qid", RN_COL_INT, 0)) < 0) {
                    rc = qid;
                    break;
                }
                ds->group = qid;
            }
            if (qid < 0) {
                rc = rn_fail(RN_EPARSE,
                             "%s:%zu:%zu: qid: this line has a qid but the first line "
                             "has none",
                             path, tok.line, tok.col);
                break;
            }
            if ((rc = rn_col_push_int(&ds->cols[qid], q))) break;
            has_qid = 1;
            more = next_token(&t, &tok, &err);
            if (err) {
                rc = err;
                break;
            }
        }
        if (qid >= 0 && !has_qid) {
            rc = rn_fail(RN_EPARSE,
                         "%s:%zu:1: qid: expected qid:<integer> after the label, as on "
                         "the first line",
                         path, t.line);
            break;
        }
        first = 0;
        for (size_t k = 1; rc == RN_OK && more; k++) {
            char what[64];
            snprintf(what, sizeof what, "feature %zu", k);
            const char *c1 = memchr(tok.s, ':', tok.len);
            const char *c2 = c1 ? memchr(c1 + 1, ':', tok.len - (size_t)(c1 + 1 - tok.s)) : NULL;
            if (c1 == NULL || (ffm && c2 == NULL) || (!ffm && c2 != NULL)) {
                rc = bad_token(&t, &tok, what, ffm ? "field:index:value" : "index:value");
                break;
            }
            int32_t field = -1, index;
            const char *is = ffm ? c1 + 1 : tok.s;
            const char *ie = ffm ? c2 : c1;
            if (ffm &&
                (rc = parse_index(&t, &tok, tok.s, (size_t)(c1 - tok.s), what, "field", &field)))
                break;
            if ((rc = parse_index(&t, &tok, is, (size_t)(ie - is), what, "index", &index))) break;
            float v;
            const char *vs = ie + 1;
            size_t vlen = tok.len - (size_t)(vs - tok.s);
            if ((prc = rn__parse_float(vs, vlen, &v)) == -3) {
                rc = RN_ENOMEM;
                break;
            }
            if (prc) {
                char q[128];
                rn__quote(q, sizeof q, vs, vlen);
                rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: %s: expected %s after ':', got %s", path,
                             tok.line, tok.col, what,
                             prc == -2 ? "a finite number within float range" : "a number", q);
                break;
            }
            if ((rc = rn__grow((void **)&seen, &cap_seen, 3 * (n_seen + 1), sizeof *seen,
                               "index check")))
                break;
            seen[3 * n_seen] = ffm ? field : 0;
            seen[3 * n_seen + 1] = index;
            seen[3 * n_seen + 2] = tok.col < INT32_MAX ? (int32_t)tok.col : INT32_MAX;
            n_seen++;
            rc = rn_col_push_seq(&ds->cols[feat], index, v, field);
            if (rc == RN_OK) {
                more = next_token(&t, &tok, &err);
                rc = err;
            }
        }
        if (rc) break;
        /* a repeated index (or field:index) in one line is an error */
        if (n_seen > 1) qsort(seen, n_seen, 3 * sizeof *seen, cmp_pair);
        for (size_t i = 1; i < n_seen; i++) {
            const int32_t *a = seen + 3 * (i - 1), *b = seen + 3 * i;
            if (a[0] == b[0] && a[1] == b[1]) { /* located at the later one */
                int32_t at1 = a[2] < b[2] ? a[2] : b[2], again = a[2] < b[2] ? b[2] : a[2];
                rc = rn_fail(RN_EPARSE,
                             "%s:%zu:%d: index %d appears twice in this line (first at column "
                             "%d)",
                             path, t.line, (int)again, (int)b[1], (int)at1);
                break;
            }
        }
        if (rc) break;
        skip_line_end(&t);
        rc = rn_dataset_end_row(ds);
    }
    rn_free(seen);
    if (rc == RN_OK && ds->n_rows == 0)
        rc = rn_fail(RN_EPARSE, "%s:1:1: the file is empty: expected %s lines (label %s ...)", path,
                     fmt, ffm ? "field:index:value" : "index:value");
    rn__text_close(&t);
    if (rc == RN_OK) rc = keep_values(&ds->cols[feat]);
    if (rc != RN_OK) {
        rn_dataset_free(ds);
        return NULL;
    }
    return ds;
}

rn_dataset *rn_load_libsvm(const char *path)
{
    return load_sparse(path, 0);
}

rn_dataset *rn_load_libffm(const char *path)
{
    return load_sparse(path, 1);
}

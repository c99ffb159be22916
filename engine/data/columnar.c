/* The binary columnar file of a data set (dataset.h: rn_dataset_save_bin,
 * rn_dataset_load_bin): every column as the array it is in memory, so a
 * reload is a few large reads instead of a parse.
 *
 * Layout (host byte order; a marker refuses a file of the other order):
 *
 *   header   48 bytes: magic "RNDS\x89\r\n\x1a", version, byte-order marker,
 *            file size, table size, table checksum, header checksum
 *   table    n_rows, n_cols, group, time, source; per column its name, kind,
 *            vocab_of, flags (dropped, raw, owns a vocabulary, has labels, values,
 *            fields), buckets, cardinality, n_missing, fill, n_ids, vocabulary
 *            size, and its sections: (what, offset, bytes, checksum)
 *   sections 64-byte aligned arrays: values (float or int64), ids, offsets
 *            (uint64, n_rows + 1), seq values and fields, the vocabulary's
 *            strings (ids 1.., each NUL-terminated) and its labels (per id a
 *            byte 0, or 1 and the label NUL-terminated)
 *
 * Loading trusts nothing: every size and offset is checked against the
 * file's size before anything is allocated, every section's checksum before
 * its contents are used, then what the engine relies on (offsets ascending
 * to n_ids, ids within the cardinality, vocabularies without repeats, a
 * shared vocabulary's owner), so a corrupt or truncated file is an error
 * naming the section and its byte offset, never a crash. Writing goes
 * through common/atomic_file.h.
 *
 * Why read and not mmap: a mapped column would be borrowed memory that
 * transforms, bucketize and row pushes may free or grow, and the checksums
 * read every byte anyway; reading each section straight into its own array
 * costs one copy from the page cache (about 0.1 s for a million CTR rows). */
#include "data/dataset.h"
#include "data/data_internal.h"

#include "alloc.h"
#include "atomic_file.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(size_t) == 8, "sequence offsets are written as 64-bit size_t");

static const unsigned char magic[8] = {'R', 'N', 'D', 'S', 0x89, '\r', '\n', 0x1a};
enum { VERSION = 1, HEADER = 48, ALIGN = 64, BYTE_ORDER_MARK = 0x01020304 };

/* What a section holds. */
enum { S_F = 1, S_I64, S_IDS, S_OFF, S_VAL, S_FLD, S_VOCAB, S_LABELS, S_N };
static const char *const section_names[S_N] = {
    "?", "values", "integers", "ids", "offsets", "seq values", "seq fields", "vocabulary",
    "vocabulary labels"};

/* Column flags. */
enum { F_DROPPED = 1, F_VOCAB = 2, F_LABELS = 4, F_VAL = 8, F_FLD = 16, F_RAW = 32 };

/* The fixed part of a column's entry in the table, and of a section's. */
typedef struct {
    uint32_t name_len, kind;
    int32_t vocab_of;
    uint32_t flags;
    int64_t buckets, cardinality;
    uint64_t n_missing;
    float fill;
    uint32_t n_sections;
    uint64_t n_ids, vocab_size;
} col_entry;

typedef struct {
    uint32_t what, pad;
    uint64_t offset, bytes, checksum;
} sec_entry;

/* A 64-bit checksum, four lanes of 8 bytes so it runs near memory speed; the
 * tail is folded in byte by byte. Not cryptographic: it catches damage. */
static uint64_t checksum(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h[4] = {0x9E3779B97F4A7C15u, 0xBF58476D1CE4E5B9u, 0x94D049BB133111EBu,
                     (uint64_t)n};
    while (n >= 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, s + 8 * k, 8);
            h[k] = (h[k] ^ w) * 0x9E3779B97F4A7C15u;
            h[k] ^= h[k] >> 29;
        }
        s += 32;
        n -= 32;
    }
    uint64_t r = h[0] ^ (h[1] << 1) ^ (h[2] << 2) ^ (h[3] << 3);
    for (size_t i = 0; i < n; i++)
        r = (r ^ s[i]) * 0x100000001B3u;
    r ^= r >> 31;
    r *= 0xBF58476D1CE4E5B9u;
    return r ^ (r >> 32);
}

/* ---- a growable byte buffer ---------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
} bytes;

static int put(bytes *b, const void *data, size_t n)
{
    if (rn__grow((void **)&b->p, &b->cap, b->n + n + 1, 1, "a data set file")) return RN_ENOMEM;
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
    return RN_OK;
}

static int pad8(bytes *b)
{
    static const unsigned char zero[8] = {0};
    return put(b, zero, (8 - b->n % 8) % 8);
}

/* ---- saving --------------------------------------------------------------------------- */

/* A section to write: borrowed data (or owned, when built here). */
typedef struct {
    uint32_t what;
    const void *data;
    size_t bytes;
    unsigned char *owned;
} out_sec;

/* The vocabulary's strings (and labels) as sections. */
static int vocab_sections(const rn_vocab *v, out_sec *names, out_sec *labels)
{
    bytes b = {0}, l = {0};
    size_t n = rn_vocab_size(v);
    int has_labels = 0;
    for (size_t id = 1; id < n; id++)
        if (rn_vocab_label(v, (int32_t)id)) has_labels = 1;
    int rc = RN_OK;
    for (size_t id = 1; rc == RN_OK && id < n; id++) {
        const char *s = rn_vocab_name(v, (int32_t)id);
        rc = put(&b, s, strlen(s) + 1);
        if (rc == RN_OK && has_labels) {
            const char *lab = rn_vocab_label(v, (int32_t)id);
            unsigned char flag = lab != NULL;
            rc = put(&l, &flag, 1);
            if (rc == RN_OK && lab) rc = put(&l, lab, strlen(lab) + 1);
        }
    }
    if (rc) {
        rn_free(b.p);
        rn_free(l.p);
        return rc;
    }
    *names = (out_sec){S_VOCAB, b.p, b.n, b.p};
    *labels = (out_sec){S_LABELS, l.p, l.n, l.p};
    if (!has_labels) labels->what = 0;
    return RN_OK;
}

int rn_dataset_save_bin(const rn_dataset *ds, const char *path)
{
    size_t n = ds->n_rows;
    for (size_t k = 0; k < ds->n_cols; k++)
        if (ds->cols[k].rows != n)
            return rn_fail(RN_ESTATE, "save %s: column '%s' has %zu of the %zu rows", path,
                           ds->cols[k].name, ds->cols[k].rows, n);
    out_sec *secs = rn_calloc(ds->n_cols * 6 + 1, sizeof *secs, "a data set file");
    size_t *first = rn_calloc(ds->n_cols + 1, sizeof *first, "a data set file");
    bytes table = {0};
    int rc = secs && first ? RN_OK : RN_ENOMEM;
    size_t ns = 0;
    /* the sections of every column, in order */
    for (size_t k = 0; rc == RN_OK && k < ds->n_cols; k++) {
        const rn_column *c = &ds->cols[k];
        first[k] = ns;
        switch (c->kind) {
        case RN_COL_LABEL:
        case RN_COL_DENSE:
            secs[ns++] = (out_sec){S_F, c->f, n * sizeof *c->f, NULL};
            break;
        case RN_COL_INT:
            secs[ns++] = (out_sec){S_I64, c->i64, n * sizeof *c->i64, NULL};
            break;
        case RN_COL_CAT:
            secs[ns++] = (out_sec){S_IDS, c->ids, n * sizeof *c->ids, NULL};
            break;
        case RN_COL_SEQ:
            secs[ns++] = (out_sec){S_OFF, c->off, (n + 1) * sizeof *c->off, NULL};
            secs[ns++] = (out_sec){S_IDS, c->ids, c->n_ids * sizeof *c->ids, NULL};
            if (c->val) secs[ns++] = (out_sec){S_VAL, c->val, c->n_ids * sizeof *c->val, NULL};
            if (c->fld) secs[ns++] = (out_sec){S_FLD, c->fld, c->n_ids * sizeof *c->fld, NULL};
            break;
        }
        if (c->vocab && c->vocab_of < 0) {
            out_sec names, labels;
            rc = vocab_sections(c->vocab, &names, &labels);
            if (rc == RN_OK) {
                secs[ns++] = names;
                if (labels.what)
                    secs[ns++] = labels;
                else
                    rn_free(labels.owned);
            }
        }
    }
    first[ds->n_cols] = ns;
    /* the table, whose size fixes where the sections start */
    size_t src_len = strlen(ds->source);
    uint64_t n_rows = n;
    uint32_t n_cols = (uint32_t)ds->n_cols, slen = (uint32_t)src_len;
    int32_t gt[2] = {ds->group, ds->time};
    if (rc == RN_OK) rc = put(&table, &n_rows, 8);
    if (rc == RN_OK) rc = put(&table, &n_cols, 4);
    if (rc == RN_OK) rc = put(&table, gt, 8);
    if (rc == RN_OK) rc = put(&table, &slen, 4);
    if (rc == RN_OK) rc = put(&table, ds->source, src_len);
    if (rc == RN_OK) rc = pad8(&table);
    size_t table_len = table.n;
    for (size_t k = 0; k < ds->n_cols; k++)
        table_len += sizeof(col_entry) + (strlen(ds->cols[k].name) + 7) / 8 * 8 +
                     (first[k + 1] - first[k]) * sizeof(sec_entry);
    uint64_t at = (HEADER + table_len + ALIGN - 1) / ALIGN * ALIGN;
    for (size_t k = 0; rc == RN_OK && k < ds->n_cols; k++) {
        const rn_column *c = &ds->cols[k];
        col_entry e;
        memset(&e, 0, sizeof e);
        e.name_len = (uint32_t)strlen(c->name);
        e.kind = (uint32_t)c->kind;
        e.vocab_of = c->vocab_of;
        e.flags = (c->dropped ? F_DROPPED : 0) | (c->raw ? F_RAW : 0) |
                  (c->vocab && c->vocab_of < 0 ? F_VOCAB : 0) |
                  (c->val ? F_VAL : 0) | (c->fld ? F_FLD : 0);
        for (size_t s = first[k]; s < first[k + 1]; s++)
            if (secs[s].what == S_LABELS) e.flags |= F_LABELS;
        e.buckets = c->buckets;
        e.cardinality = c->cardinality;
        e.n_missing = c->n_missing;
        e.fill = c->fill;
        e.n_sections = (uint32_t)(first[k + 1] - first[k]);
        e.n_ids = c->n_ids;
        e.vocab_size = c->vocab && c->vocab_of < 0 ? rn_vocab_size(c->vocab) : 0;
        rc = put(&table, &e, sizeof e);
        if (rc == RN_OK) rc = put(&table, c->name, e.name_len);
        if (rc == RN_OK) rc = pad8(&table);
        for (size_t s = first[k]; rc == RN_OK && s < first[k + 1]; s++) {
            sec_entry se = {secs[s].what, 0, at, secs[s].bytes,
                            checksum(secs[s].data, secs[s].bytes)};
            rc = put(&table, &se, sizeof se);
            at = (at + secs[s].bytes + ALIGN - 1) / ALIGN * ALIGN;
        }
    }
    if (rc == RN_OK && table.n != table_len)
        rc = rn_fail(RN_ESTATE, "save %s: the table is %zu bytes, not %zu", path, table.n,
                     table_len);
    /* the header */
    unsigned char head[HEADER];
    memset(head, 0, sizeof head);
    uint32_t ver = VERSION, bom = BYTE_ORDER_MARK;
    uint64_t file_size = ns ? at : (HEADER + table_len + ALIGN - 1) / ALIGN * ALIGN, tl = table_len,
             tsum = rc == RN_OK ? checksum(table.p, table.n) : 0;
    memcpy(head, magic, 8);
    memcpy(head + 8, &ver, 4);
    memcpy(head + 12, &bom, 4);
    memcpy(head + 16, &file_size, 8);
    memcpy(head + 24, &tl, 8);
    memcpy(head + 32, &tsum, 8);
    uint64_t hsum = checksum(head, 40);
    memcpy(head + 40, &hsum, 8);

    af_file a;
    char msg[AF_MSG_MAX];
    if (rc == RN_OK && af_open(&a, path, 0, msg, sizeof msg) != 0)
        rc = rn_fail(RN_EIO, "save: %s", msg);
    else if (rc == RN_OK) {
        static const unsigned char zero[ALIGN] = {0};
        uint64_t pos = HEADER + table.n;
        (void)af_write(&a, head, HEADER);
        (void)af_write(&a, table.p, table.n);
        for (size_t s = 0; s < ns; s++) {
            uint64_t to = (pos + ALIGN - 1) / ALIGN * ALIGN;
            (void)af_write(&a, zero, (size_t)(to - pos));
            (void)af_write(&a, secs[s].data, secs[s].bytes);
            pos = to + secs[s].bytes;
        }
        (void)af_write(&a, zero, (size_t)(file_size - pos));
        if (af_commit(&a, msg, sizeof msg) != 0) rc = rn_fail(RN_EIO, "save: %s", msg);
    }
    for (size_t s = 0; secs && s < ns; s++)
        rn_free(secs[s].owned);
    rn_free(secs);
    rn_free(first);
    rn_free(table.p);
    return rc;
}

/* ---- loading --------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    int fd;
    uint64_t size;       /* the file's */
    uint64_t data_start; /* where sections may start: after header and table */
    const unsigned char *t; /* the table */
    size_t tlen, tpos;
} reader;

static int corrupt(const reader *r, const char *fmt, const char *what, uint64_t at)
{
    char msg[2048];
    snprintf(msg, sizeof msg, fmt, what);
    return rn_fail(RN_EPARSE, "%s: %s (at byte %llu): the file is damaged or not a complete "
                              "recnote data set",
                   r->path, msg, (unsigned long long)at);
}

/* Takes n bytes of the table into out; an error when it ends early. */
static int take(reader *r, void *out, size_t n, const char *what)
{
    if (n > r->tlen - r->tpos)
        return corrupt(r, "the table ends inside %s", what, HEADER + r->tpos);
    memcpy(out, r->t + r->tpos, n);
    r->tpos += n;
    return RN_OK;
}

static int read_at(const reader *r, void *out, size_t n, uint64_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(r->fd, (char *)out + got, n - got, (off_t)(at + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return rn_fail(RN_EIO, "%s: cannot read %zu bytes at byte %llu: %s", r->path, n,
                           (unsigned long long)at, k < 0 ? strerror(errno) : "the file shrank");
        got += (size_t)k;
    }
    return RN_OK;
}

/* Reads section se of column name into a new array of exactly want bytes
 * (want == SIZE_MAX: any size, returned in *got), checking place, size and
 * checksum first. Caller frees *out. */
static int read_section(const reader *r, const sec_entry *se, const char *name, size_t want,
                        void **out, size_t *got)
{
    char what[160];
    snprintf(what, sizeof what, "column '%s': its %s", name,
             se->what < S_N ? section_names[se->what] : "?");
    *out = NULL;
    if (se->offset < r->data_start || se->offset > r->size || se->bytes > r->size - se->offset)
        return corrupt(r, "%s lie outside the file", what, se->offset);
    if (want != SIZE_MAX && se->bytes != want) {
        char m[256];
        snprintf(m, sizeof m, "%s: %llu bytes where the table's counts give %zu", what,
                 (unsigned long long)se->bytes, want);
        return corrupt(r, "%s", m, se->offset);
    }
    size_t n = (size_t)se->bytes;
    void *p = rn_malloc(n ? n : 1, "a data set column");
    if (p == NULL) return RN_ENOMEM;
    int rc = read_at(r, p, n, se->offset);
    if (rc == RN_OK && checksum(p, n) != se->checksum)
        rc = corrupt(r, "%s fail their checksum", what, se->offset);
    if (rc) {
        rn_free(p);
        return rc;
    }
    *out = p;
    if (got) *got = n;
    return RN_OK;
}

/* n * elem, or an error when it overflows. */
static int times(const reader *r, uint64_t n, size_t elem, const char *name, size_t *out)
{
    if (n > r->size / elem) return corrupt(r, "column '%s': counts larger than the file", name, 0);
    *out = (size_t)n * elem;
    return RN_OK;
}

/* Rebuilds the vocabulary of column c from its strings (and labels). */
static int load_vocab(const reader *r, rn_column *c, const col_entry *e, const char *s, size_t n,
                      const unsigned char *lab, size_t ln, uint64_t at)
{
    int32_t expect = 1;
    size_t a = 0, li = 0;
    char what[160];
    snprintf(what, sizeof what, "column '%s': its vocabulary", c->name);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\0') continue;
        int32_t id;
        if ((size_t)expect >= e->vocab_size)
            return corrupt(r, "%s holds more strings than its size", what, at);
        if (rn__utf8_check(s + a, i - a) != i - a) /* as every text loader requires */
            return corrupt(r, "%s holds text that is not UTF-8", what, at);
        int rc = rn_vocab_add(c->vocab, s + a, i - a, &id);
        if (rc) return rc;
        if (id != expect) return corrupt(r, "%s repeats a string or holds an empty one", what, at);
        if (lab) {
            if (li >= ln || lab[li] > 1)
                return corrupt(r, "%s labels are malformed", what, at);
            if (lab[li++] == 1) {
                const unsigned char *z = memchr(lab + li, 0, ln - li);
                if (z == NULL ||
                    rn__utf8_check((const char *)lab + li, (size_t)(z - (lab + li))) !=
                        (size_t)(z - (lab + li)))
                    return corrupt(r, "%s labels are malformed", what, at);
                rc = rn_vocab_set_label(c->vocab, id, (const char *)lab + li,
                                        (size_t)(z - (lab + li)));
                if (rc) return rc;
                li = (size_t)(z - lab) + 1;
            }
        }
        expect++;
        a = i + 1;
    }
    if (a != n || (uint64_t)expect != e->vocab_size || (lab && li != ln))
        return corrupt(r, "%s does not match its size", what, at);
    return RN_OK;
}

/* Reads the sections of one column (entry e, already created as column k). */
static int load_column(reader *r, rn_dataset *ds, int k, const col_entry *e, uint64_t n_rows)
{
    rn_column *c = &ds->cols[k];
    sec_entry se[S_N];
    int seen[S_N] = {0};
    if (e->n_sections > S_N - 1) return corrupt(r, "column '%s': too many sections", c->name, 0);
    for (uint32_t s = 0; s < e->n_sections; s++) {
        sec_entry x;
        int rc = take(r, &x, sizeof x, "a section entry");
        if (rc) return rc;
        if (x.what == 0 || x.what >= S_N || seen[x.what])
            return corrupt(r, "column '%s': an unknown or repeated section", c->name, x.offset);
        seen[x.what] = 1;
        se[x.what] = x;
    }
    int want[S_N] = {0};
    switch (c->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE:
        want[S_F] = 1;
        break;
    case RN_COL_INT:
        want[S_I64] = 1;
        break;
    case RN_COL_CAT:
        want[S_IDS] = 1;
        break;
    case RN_COL_SEQ:
        want[S_OFF] = want[S_IDS] = 1;
        want[S_VAL] = (e->flags & F_VAL) != 0;
        want[S_FLD] = (e->flags & F_FLD) != 0;
        break;
    }
    want[S_VOCAB] = (e->flags & F_VOCAB) != 0;
    want[S_LABELS] = (e->flags & F_LABELS) != 0;
    for (int s = 1; s < S_N; s++)
        if (want[s] != seen[s])
            return corrupt(r, "column '%s': its sections do not match its kind", c->name, 0);
    size_t b = 0;
    int rc = RN_OK;
    void *p;
    switch (c->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE:
        if ((rc = times(r, n_rows, sizeof(float), c->name, &b))) return rc;
        if ((rc = read_section(r, &se[S_F], c->name, b, &p, NULL))) return rc;
        c->f = p;
        break;
    case RN_COL_INT:
        if ((rc = times(r, n_rows, sizeof(int64_t), c->name, &b))) return rc;
        if ((rc = read_section(r, &se[S_I64], c->name, b, &p, NULL))) return rc;
        c->i64 = p;
        break;
    case RN_COL_CAT:
        if ((rc = times(r, n_rows, sizeof(int32_t), c->name, &b))) return rc;
        if ((rc = read_section(r, &se[S_IDS], c->name, b, &p, NULL))) return rc;
        c->ids = p;
        break;
    case RN_COL_SEQ: {
        if ((rc = times(r, n_rows + 1, sizeof(size_t), c->name, &b))) return rc;
        if ((rc = read_section(r, &se[S_OFF], c->name, b, &p, NULL))) return rc;
        rn_free(c->off);
        c->off = p;
        if (c->off[0] != 0 || c->off[n_rows] != e->n_ids)
            return corrupt(r, "column '%s': its offsets do not run from 0 to its %s", c->name,
                           se[S_OFF].offset);
        for (uint64_t i = 0; i < n_rows; i++)
            if (c->off[i] > c->off[i + 1])
                return corrupt(r, "column '%s': its offsets go backwards", c->name,
                               se[S_OFF].offset);
        if ((rc = times(r, e->n_ids, sizeof(int32_t), c->name, &b))) return rc;
        if ((rc = read_section(r, &se[S_IDS], c->name, b, &p, NULL))) return rc;
        c->ids = p;
        c->n_ids = c->cap_ids = (size_t)e->n_ids;
        if (want[S_VAL]) {
            if ((rc = read_section(r, &se[S_VAL], c->name, b, &p, NULL))) return rc;
            c->val = p;
        }
        if (want[S_FLD]) {
            if ((rc = read_section(r, &se[S_FLD], c->name, b, &p, NULL))) return rc;
            c->fld = p;
            for (size_t j = 0; j < c->n_ids; j++)
                if (c->fld[j] < -1)
                    return corrupt(r, "column '%s': a negative field", c->name,
                                   se[S_FLD].offset);
        }
        break;
    }
    }
    c->rows = c->cap = (size_t)n_rows;
    if (want[S_VOCAB]) {
        if (c->vocab == NULL || e->vocab_of != -1)
            return corrupt(r, "column '%s': a vocabulary on a column that cannot own one",
                           c->name, se[S_VOCAB].offset);
        size_t n = 0, ln = 0;
        void *s = NULL, *l = NULL;
        rc = read_section(r, &se[S_VOCAB], c->name, SIZE_MAX, &s, &n);
        if (rc == RN_OK && want[S_LABELS])
            rc = read_section(r, &se[S_LABELS], c->name, SIZE_MAX, &l, &ln);
        if (rc == RN_OK) rc = load_vocab(r, c, e, s, n, l, ln, se[S_VOCAB].offset);
        rn_free(s);
        rn_free(l);
        if (rc) return rc;
    }
    return RN_OK;
}

/* The checks across columns once all are read: shared vocabularies, ids
 * within each column's cardinality, group and time. */
static int check_ids(const reader *r, rn_dataset *ds, const col_entry *es)
{
    /* first drop the vocabularies add_column made for hashed and raw ids, so
     * that no column borrows one that goes away */
    for (size_t k = 0; k < ds->n_cols; k++) {
        rn_column *c = &ds->cols[k];
        if (!(es[k].flags & F_VOCAB) && c->vocab_of < 0) {
            rn_vocab_free(c->vocab);
            c->vocab = NULL;
        }
    }
    for (size_t k = 0; k < ds->n_cols; k++) {
        rn_column *c = &ds->cols[k];
        const col_entry *e = &es[k];
        if (c->kind != RN_COL_CAT && c->kind != RN_COL_SEQ) {
            if (e->vocab_of != -1 || (e->flags & (F_VOCAB | F_LABELS)) || e->buckets != 0)
                return corrupt(r, "column '%s': ids or a vocabulary on a %s column", c->name,
                               0);
            continue;
        }
        if (e->vocab_of >= 0) {
            if ((size_t)e->vocab_of >= ds->n_cols || e->vocab_of == (int32_t)k ||
                (e->flags & F_VOCAB) || es[e->vocab_of].vocab_of != -1)
                return corrupt(r, "column '%s': it shares the vocabulary of a column that has "
                                  "none of its own",
                               c->name, 0);
            const rn_column *o = &ds->cols[e->vocab_of];
            if ((o->kind != RN_COL_CAT && o->kind != RN_COL_SEQ) || o->buckets != e->buckets)
                return corrupt(r, "column '%s': it shares ids with a column of another kind",
                               c->name, 0);
            c->vocab = o->vocab;
            c->vocab_of = e->vocab_of;
        } else if (e->vocab_of != -1) {
            return corrupt(r, "column '%s': a bad vocabulary owner", c->name, 0);
        }
        int64_t card = e->cardinality;
        if (card < 1 || card > (int64_t)INT32_MAX + 1 ||
            (c->vocab && (uint64_t)card != rn_vocab_size(c->vocab)) ||
            (c->buckets > 0 && card != c->buckets + 1))
            return corrupt(r, "column '%s': its cardinality does not match its ids", c->name, 0);
        c->cardinality = card;
        size_t n = c->kind == RN_COL_CAT ? ds->n_rows : c->n_ids;
        for (size_t i = 0; i < n; i++)
            if (c->ids[i] < 0 || c->ids[i] >= card)
                return corrupt(r, "column '%s': an id outside [0, its cardinality)", c->name, 0);
    }
    int g = ds->group, t = ds->time;
    ds->group = ds->time = -1;
    if (g != -1 && (g < 0 || (size_t)g >= ds->n_cols || rn_dataset_set_group(ds, ds->cols[g].name)))
        return corrupt(r, "the group column is not a cat or int column", "", 0);
    if (t != -1 && (t < 0 || (size_t)t >= ds->n_cols || rn_dataset_set_time(ds, ds->cols[t].name)))
        return corrupt(r, "the time column is not an int or dense column", "", 0);
    return RN_OK;
}

/* The header: magic, version, byte order, sizes, checksums. */
static int read_header(reader *r, uint64_t *table_len, uint64_t *table_sum)
{
    unsigned char head[HEADER];
    if (r->size < HEADER)
        return rn_fail(RN_EPARSE,
                       "%s: %llu bytes: too short for a recnote data set file (its header alone "
                       "is %d bytes)",
                       r->path, (unsigned long long)r->size, HEADER);
    int rc = read_at(r, head, HEADER, 0);
    if (rc) return rc;
    if (memcmp(head, magic, 8) != 0)
        return rn_fail(RN_EPARSE,
                       "%s: not a recnote data set file (it does not start with RNDS): save one "
                       "with rn_dataset_save_bin or ds:save",
                       r->path);
    uint32_t ver, bom;
    uint64_t size, hsum;
    memcpy(&ver, head + 8, 4);
    memcpy(&bom, head + 12, 4);
    memcpy(&size, head + 16, 8);
    memcpy(table_len, head + 24, 8);
    memcpy(table_sum, head + 32, 8);
    memcpy(&hsum, head + 40, 8);
    if (hsum != checksum(head, 40)) return corrupt(r, "%sthe header fails its checksum", "", 0);
    if (ver != VERSION)
        return rn_fail(RN_EPARSE, "%s: a data set file of version %u: this recnote reads version %d",
                       r->path, ver, VERSION);
    if (bom != BYTE_ORDER_MARK)
        return rn_fail(RN_EPARSE, "%s: written on a machine of the other byte order", r->path);
    if (size != r->size)
        return rn_fail(RN_EPARSE,
                       "%s: the file has %llu bytes but its header says %llu: it was cut short "
                       "or added to",
                       r->path, (unsigned long long)r->size, (unsigned long long)size);
    if (*table_len > r->size - HEADER) return corrupt(r, "%sthe table lies outside the file", "", 24);
    return RN_OK;
}

rn_dataset *rn_dataset_load_bin(const char *path)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (r.fd < 0) {
        rn_fail(RN_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(r.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(r.fd);
        rn_fail(RN_EIO, "%s: not a regular file", path);
        return NULL;
    }
    r.size = (uint64_t)st.st_size;
    uint64_t table_len = 0, table_sum = 0;
    rn_dataset *ds = NULL;
    col_entry *es = NULL;
    unsigned char *table = NULL;
    int rc = read_header(&r, &table_len, &table_sum);
    if (rc == RN_OK && (table = rn_malloc(table_len ? (size_t)table_len : 1, "a data set table")) == NULL)
        rc = RN_ENOMEM;
    if (rc == RN_OK) rc = read_at(&r, table, (size_t)table_len, HEADER);
    if (rc == RN_OK && checksum(table, (size_t)table_len) != table_sum)
        rc = corrupt(&r, "%sthe table of columns fails its checksum", "", HEADER);
    r.t = table;
    r.tlen = (size_t)table_len;
    r.data_start = HEADER + table_len;
    uint64_t n_rows = 0;
    uint32_t n_cols = 0, slen = 0;
    int32_t gt[2] = {-1, -1};
    if (rc == RN_OK) rc = take(&r, &n_rows, 8, "the row count");
    if (rc == RN_OK) rc = take(&r, &n_cols, 4, "the column count");
    if (rc == RN_OK) rc = take(&r, gt, 8, "the group and time columns");
    if (rc == RN_OK) rc = take(&r, &slen, 4, "the source");
    if (rc == RN_OK && (slen > r.tlen - r.tpos || memchr(r.t + r.tpos, 0, slen)))
        rc = corrupt(&r, "%sthe source name is malformed", "", HEADER + r.tpos);
    /* every column takes at least an entry in the table: bound n_cols before allocating */
    if (rc == RN_OK && n_cols > r.tlen / sizeof(col_entry))
        rc = corrupt(&r, "%sthe table is too short for its column count", "", HEADER + 8);
    if (rc == RN_OK && n_cols > 0 && n_rows > r.size)
        rc = corrupt(&r, "%sthe row count is larger than the file", "", HEADER);
    if (rc == RN_OK) {
        char *source = rn_malloc(slen + 1, "a data set source");
        if (source == NULL) rc = RN_ENOMEM;
        if (source) {
            memcpy(source, r.t + r.tpos, slen);
            source[slen] = '\0';
            r.tpos += slen;
            r.tpos = (r.tpos + 7) / 8 * 8 <= r.tlen ? (r.tpos + 7) / 8 * 8 : r.tlen;
            ds = rn_dataset_new(source);
            rn_free(source);
            if (ds == NULL) rc = RN_ENOMEM;
        }
    }
    if (rc == RN_OK && (es = rn_calloc(n_cols ? n_cols : 1, sizeof *es, "a data set table")) == NULL)
        rc = RN_ENOMEM;
    for (uint32_t k = 0; rc == RN_OK && k < n_cols; k++) {
        col_entry *e = &es[k];
        if ((rc = take(&r, e, sizeof *e, "a column entry"))) break;
        char name[1024];
        if (e->name_len == 0 || e->name_len >= sizeof name || e->name_len > r.tlen - r.tpos ||
            memchr(r.t + r.tpos, 0, e->name_len)) {
            rc = corrupt(&r, "%sa column name is malformed", "", HEADER + r.tpos);
            break;
        }
        memcpy(name, r.t + r.tpos, e->name_len);
        name[e->name_len] = '\0';
        r.tpos += (e->name_len + 7) / 8 * 8;
        if (r.tpos > r.tlen) r.tpos = r.tlen;
        if (e->kind > RN_COL_INT || e->buckets < 0 || e->buckets >= INT32_MAX) {
            rc = corrupt(&r, "column '%s': an unknown kind or bucket count", name, HEADER + r.tpos);
            break;
        }
        int c = rn_dataset_add_column(ds, name, (int)e->kind, e->buckets);
        if (c < 0) {
            rc = corrupt(&r, "column '%s': defined twice", name, HEADER + r.tpos);
            break;
        }
        rn_column *col = &ds->cols[c];
        col->fill = e->fill;
        col->dropped = (e->flags & F_DROPPED) != 0;
        col->raw = (e->flags & F_RAW) != 0;
        col->n_missing = (size_t)e->n_missing;
        if (col->kind != RN_COL_SEQ && (e->n_ids != 0 || (e->flags & (F_VAL | F_FLD)))) {
            rc = corrupt(&r, "column '%s': list data on a column that is not seq", name, 0);
            break;
        }
        rc = load_column(&r, ds, c, e, n_rows);
    }
    if (rc == RN_OK) {
        ds->n_rows = (size_t)n_rows;
        ds->group = gt[0];
        ds->time = gt[1];
        rc = check_ids(&r, ds, es);
    }
    close(r.fd);
    rn_free(table);
    rn_free(es);
    if (rc != RN_OK) {
        rn_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* ---- for the fuzzer ---------------------------------------------------------------------- */

void rn__columnar_reseal(unsigned char *buf, size_t len)
{
    if (len < HEADER) return;
    uint64_t size = len, table_len;
    memcpy(buf + 16, &size, 8);
    memcpy(&table_len, buf + 24, 8);
    if (table_len <= len - HEADER) {
        unsigned char *t = buf + HEADER;
        size_t tl = (size_t)table_len, pos = 24;
        uint32_t n_cols = 0, slen = 0;
        if (tl >= 24) {
            memcpy(&n_cols, t + 8, 4);
            memcpy(&slen, t + 20, 4);
            pos = 24 + ((size_t)slen + 7) / 8 * 8;
        }
        for (uint32_t k = 0; k < n_cols && pos <= tl && tl - pos >= sizeof(col_entry); k++) {
            col_entry e;
            memcpy(&e, t + pos, sizeof e);
            pos += sizeof e + ((size_t)e.name_len + 7) / 8 * 8;
            for (uint32_t s = 0; s < e.n_sections && pos <= tl && tl - pos >= sizeof(sec_entry);
                 s++) {
                sec_entry se;
                memcpy(&se, t + pos, sizeof se);
                if (se.offset <= len && se.bytes <= len - se.offset) {
                    se.checksum = checksum(buf + se.offset, (size_t)se.bytes);
                    memcpy(t + pos, &se, sizeof se);
                }
                pos += sizeof se;
            }
        }
        uint64_t tsum = checksum(t, tl);
        memcpy(buf + 32, &tsum, 8);
    }
    uint64_t hsum = checksum(buf, 40);
    memcpy(buf + 40, &hsum, 8);
}

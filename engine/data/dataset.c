/* Columnar data sets (see dataset.h): vocabularies, columns and row
 * building, subsets and splits, batches, gathering, and histories. The file
 * loaders live in csv.c, libsvm.c and movielens.c. */
#include "data/dataset.h"
#include "data/data_internal.h"

#include "alloc.h"
#include "error.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- growth -------------------------------------------------------------------- */

int rn__grow(void **p, size_t *cap, size_t need, size_t elem, const char *what)
{
    if (need <= *cap) return RN_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > ((size_t)-1 / 2) / elem) return rn_fail(RN_ENOMEM, "out of memory: %s", what);
        c *= 2;
    }
    void *q = rn_realloc(*p, c * elem, what);
    if (q == NULL) return RN_ENOMEM;
    *p = q;
    *cap = c;
    return RN_OK;
}

uint64_t rn__fnv1a(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* ---- vocabularies ---------------------------------------------------------------- */

/* A slot of the table: the id (0: empty), the upper half of its hash, and
 * where its string is, so that a probe reads the slot and, on a match, the
 * string: no per-id array (a CSV load looks up every categorical field, and
 * with 100k strings each array read was a cache miss). */
typedef struct {
    int32_t id;
    uint32_t tag;
    uint32_t len; /* the string's length, or UINT32_MAX: read len[id] */
    uint32_t pad;
    size_t start; /* its offset in chars */
} slot;

struct rn_vocab {
    char *chars; /* every string, NUL-terminated, back to back */
    size_t n_chars, cap_chars;
    size_t *start;  /* per id: offset of its string in chars */
    size_t *len;    /* per id: its length */
    size_t *label;  /* per id: offset of its label in chars, or SIZE_MAX */
    uint64_t *hash; /* per id: vocab_hash of its string */
    size_t n, cap;  /* ids (0 included), allocated ids */
    slot *slots;    /* open addressing: id 0 empty, else an id and its hash's tag */
    size_t n_slots; /* a power of two, at least twice n */
};

/* A hash of len bytes for the table, 8 bytes a step (a loader looks up every
 * categorical field: FNV-1a's byte loop was a tenth of a CSV load). The
 * multipliers are splitmix64's. */
static uint64_t vocab_hash(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    if (len > 0) {
        uint64_t w = 0;
        for (size_t i = 0; i < len; i++)
            w |= (uint64_t)(unsigned char)s[i] << (8 * i);
        h = (h ^ w) * 0x94D049BB133111EBu;
        h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9u;
    return h ^ (h >> 32);
}

rn_vocab *rn_vocab_new(void)
{
    rn_vocab *v = rn_calloc(1, sizeof *v, "a vocabulary");
    if (v == NULL) return NULL;
    /* id 0: the empty string, never in the hash table */
    if (rn__grow((void **)&v->chars, &v->cap_chars, 1, 1, "vocabulary strings") ||
        rn__grow((void **)&v->start, &v->cap, 1, sizeof *v->start, "vocabulary ids")) {
        rn_vocab_free(v);
        return NULL;
    }
    v->len = rn_malloc(v->cap * sizeof *v->len, "vocabulary ids");
    v->label = rn_malloc(v->cap * sizeof *v->label, "vocabulary ids");
    v->hash = rn_malloc(v->cap * sizeof *v->hash, "vocabulary ids");
    v->slots = rn_calloc(64, sizeof *v->slots, "vocabulary table");
    if (!v->len || !v->label || !v->hash || !v->slots) {
        rn_vocab_free(v);
        return NULL;
    }
    v->n_slots = 64;
    v->chars[0] = '\0';
    v->n_chars = 1;
    v->start[0] = 0;
    v->len[0] = 0;
    v->label[0] = SIZE_MAX;
    v->hash[0] = 0;
    v->n = 1;
    return v;
}

void rn_vocab_free(rn_vocab *v)
{
    if (v == NULL) return;
    rn_free(v->chars);
    rn_free(v->start);
    rn_free(v->len);
    rn_free(v->label);
    rn_free(v->hash);
    rn_free(v->slots);
    rn_free(v);
}

static size_t slot_of(const rn_vocab *v, const char *s, size_t len, uint64_t h)
{
    size_t mask = v->n_slots - 1, i = (size_t)h & mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const slot *sl = &v->slots[i];
        if (sl->id == 0) return i;
        if (sl->tag == tag &&
            (sl->len != UINT32_MAX ? sl->len == len : v->len[sl->id] == len) &&
            memcmp(v->chars + sl->start, s, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

int32_t rn_vocab_find(const rn_vocab *v, const char *s, size_t len)
{
    if (len == 0) return 0;
    return v->slots[slot_of(v, s, len, vocab_hash(s, len))].id;
}

static int rehash(rn_vocab *v)
{
    size_t n_slots = v->n_slots * 2;
    slot *slots = rn_calloc(n_slots, sizeof *slots, "vocabulary table");
    if (slots == NULL) return RN_ENOMEM;
    for (size_t id = 1; id < v->n; id++) {
        size_t i = (size_t)v->hash[id] & (n_slots - 1);
        while (slots[i].id != 0)
            i = (i + 1) & (n_slots - 1);
        slots[i].id = (int32_t)id;
        slots[i].tag = (uint32_t)(v->hash[id] >> 32);
        slots[i].len = v->len[id] < UINT32_MAX ? (uint32_t)v->len[id] : UINT32_MAX;
        slots[i].start = v->start[id];
    }
    rn_free(v->slots);
    v->slots = slots;
    v->n_slots = n_slots;
    return RN_OK;
}

/* Appends len bytes and a NUL to chars; returns the offset through *at. */
static int add_chars(rn_vocab *v, const char *s, size_t len, size_t *at)
{
    int rc =
        rn__grow((void **)&v->chars, &v->cap_chars, v->n_chars + len + 1, 1, "vocabulary strings");
    if (rc) return rc;
    memcpy(v->chars + v->n_chars, s, len);
    v->chars[v->n_chars + len] = '\0';
    *at = v->n_chars;
    v->n_chars += len + 1;
    return RN_OK;
}

int rn_vocab_add(rn_vocab *v, const char *s, size_t len, int32_t *id)
{
    if (len == 0) {
        *id = 0;
        return RN_OK;
    }
    uint64_t h = vocab_hash(s, len);
    size_t i = slot_of(v, s, len, h);
    if (v->slots[i].id != 0) {
        *id = v->slots[i].id;
        return RN_OK;
    }
    if (v->n >= INT32_MAX)
        return rn_fail(RN_EARG, "a vocabulary holds at most %d strings", INT32_MAX - 1);
    if (v->n == v->cap) {
        size_t cap = v->cap, c2 = cap;
        if (rn__grow((void **)&v->start, &c2, v->n + 1, sizeof *v->start, "vocabulary ids"))
            return RN_ENOMEM;
        c2 = cap;
        if (rn__grow((void **)&v->len, &c2, v->n + 1, sizeof *v->len, "vocabulary ids"))
            return RN_ENOMEM;
        c2 = cap;
        if (rn__grow((void **)&v->label, &c2, v->n + 1, sizeof *v->label, "vocabulary ids"))
            return RN_ENOMEM;
        c2 = cap;
        if (rn__grow((void **)&v->hash, &c2, v->n + 1, sizeof *v->hash, "vocabulary ids"))
            return RN_ENOMEM;
        v->cap = c2;
    }
    size_t at;
    int rc = add_chars(v, s, len, &at);
    if (rc) return rc;
    int32_t new_id = (int32_t)v->n;
    v->start[new_id] = at;
    v->len[new_id] = len;
    v->label[new_id] = SIZE_MAX;
    v->hash[new_id] = h;
    v->slots[i].id = new_id;
    v->slots[i].tag = (uint32_t)(h >> 32);
    v->slots[i].len = len < UINT32_MAX ? (uint32_t)len : UINT32_MAX;
    v->slots[i].start = at;
    v->n++;
    /* keep the table at most half full */
    if (2 * v->n > v->n_slots && rehash(v)) {
        /* the id is stored; a failed rehash leaves a fuller but valid table */
        return RN_ENOMEM;
    }
    *id = new_id;
    return RN_OK;
}

const char *rn_vocab_name(const rn_vocab *v, int32_t id)
{
    if (id < 0 || (size_t)id >= v->n) return NULL;
    return v->chars + v->start[id];
}

size_t rn_vocab_size(const rn_vocab *v)
{
    return v->n;
}

int rn_vocab_set_label(rn_vocab *v, int32_t id, const char *s, size_t len)
{
    if (id < 0 || (size_t)id >= v->n)
        return rn_fail(RN_EARG, "vocabulary: no id %d (ids 0 to %zu)", (int)id, v->n - 1);
    size_t at;
    int rc = add_chars(v, s, len, &at);
    if (rc) return rc;
    v->label[id] = at;
    return RN_OK;
}

const char *rn_vocab_label(const rn_vocab *v, int32_t id)
{
    if (id < 0 || (size_t)id >= v->n || v->label[id] == SIZE_MAX) return NULL;
    return v->chars + v->label[id];
}

/* ---- columns ---------------------------------------------------------------------- */

static const char *const kind_names[] = {"label", "dense", "cat", "seq", "int"};

const char *rn_col_kind_name(int kind)
{
    return kind >= 0 && kind <= RN_COL_INT ? kind_names[kind] : "?";
}

rn_dataset *rn_dataset_new(const char *source)
{
    rn_dataset *ds = rn_calloc(1, sizeof *ds, "a data set");
    if (ds == NULL) return NULL;
    ds->source = rn_strdup(source ? source : "");
    if (ds->source == NULL) {
        rn_free(ds);
        return NULL;
    }
    ds->group = ds->time = -1;
    return ds;
}

static void column_free(rn_column *c)
{
    rn_free(c->name);
    rn_free(c->f);
    rn_free(c->i64);
    rn_free(c->ids);
    rn_free(c->off);
    rn_free(c->val);
    rn_free(c->fld);
    if (c->vocab_of < 0) rn_vocab_free(c->vocab);
}

void rn_dataset_free(rn_dataset *ds)
{
    if (ds == NULL) return;
    for (size_t i = 0; i < ds->n_cols; i++)
        column_free(&ds->cols[i]);
    rn_free(ds->cols);
    rn_free(ds->source);
    rn_free(ds);
}

int rn_dataset_find(const rn_dataset *ds, const char *name)
{
    for (size_t i = 0; i < ds->n_cols; i++)
        if (strcmp(ds->cols[i].name, name) == 0) return (int)i;
    return -1;
}

/* Adds an empty column whatever the number of rows (the caller fills it). */
static int new_column(rn_dataset *ds, const char *name, int kind, int64_t buckets)
{
    if (kind < RN_COL_LABEL || kind > RN_COL_INT)
        return rn_fail(RN_EARG, "column '%s': unknown kind %d", name, kind);
    if (rn_dataset_find(ds, name) >= 0)
        return rn_fail(RN_EARG, "column '%s' is defined twice", name);
    if (buckets < 0 || buckets >= INT32_MAX)
        return rn_fail(RN_EARG, "column '%s': %lld hash buckets: expected 1 to %d (or 0: none)",
                       name, (long long)buckets, INT32_MAX - 1);
    if (ds->n_cols >= INT32_MAX / 2) return rn_fail(RN_EARG, "too many columns");
    int rc = rn__grow((void **)&ds->cols, &ds->cap_cols, ds->n_cols + 1, sizeof *ds->cols,
                      "data set columns");
    if (rc) return rc;
    rn_column c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.vocab_of = -1;
    c.name = rn_strdup(name);
    if (c.name == NULL) return RN_ENOMEM;
    if (kind == RN_COL_CAT || kind == RN_COL_SEQ) {
        c.buckets = buckets;
        c.cardinality = buckets > 0 ? buckets + 1 : 1;
        if (buckets == 0 && (c.vocab = rn_vocab_new()) == NULL) {
            column_free(&c);
            return RN_ENOMEM;
        }
    }
    if (kind == RN_COL_SEQ) {
        c.off = rn_malloc(sizeof *c.off, "sequence offsets");
        if (c.off == NULL) {
            column_free(&c);
            return RN_ENOMEM;
        }
        c.off[0] = 0;
    }
    ds->cols[ds->n_cols] = c;
    return (int)ds->n_cols++;
}

int rn_dataset_add_column(rn_dataset *ds, const char *name, int kind, int64_t buckets)
{
    if (ds->n_rows > 0)
        return rn_fail(RN_ESTATE, "column '%s': columns must be added before rows", name);
    return new_column(ds, name, kind, buckets);
}

int rn_dataset_set_group(rn_dataset *ds, const char *name)
{
    if (name == NULL) {
        ds->group = -1;
        return RN_OK;
    }
    int i = rn_dataset_find(ds, name);
    if (i < 0) return rn_fail(RN_EARG, "group column '%s' is not a column", name);
    if (ds->cols[i].kind != RN_COL_CAT && ds->cols[i].kind != RN_COL_INT)
        return rn_fail(RN_EARG, "group column '%s' is %s: expected a cat or int column", name,
                       rn_col_kind_name(ds->cols[i].kind));
    ds->group = i;
    return RN_OK;
}

int rn_dataset_set_time(rn_dataset *ds, const char *name)
{
    if (name == NULL) {
        ds->time = -1;
        return RN_OK;
    }
    int i = rn_dataset_find(ds, name);
    if (i < 0) return rn_fail(RN_EARG, "time column '%s' is not a column", name);
    if (ds->cols[i].kind != RN_COL_INT && ds->cols[i].kind != RN_COL_DENSE)
        return rn_fail(RN_EARG, "time column '%s' is %s: expected an int or dense column", name,
                       rn_col_kind_name(ds->cols[i].kind));
    ds->time = i;
    return RN_OK;
}

size_t rn_col_rows(const rn_column *c)
{
    return c->rows;
}

/* Makes room for one more row in c. */
static int room(rn_column *c)
{
    if (c->rows < c->cap) return RN_OK;
    size_t cap = c->cap;
    int rc = RN_OK;
    switch (c->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE:
        rc = rn__grow((void **)&c->f, &cap, c->rows + 1, sizeof *c->f, "column values");
        break;
    case RN_COL_INT:
        rc = rn__grow((void **)&c->i64, &cap, c->rows + 1, sizeof *c->i64, "column values");
        break;
    case RN_COL_CAT:
        rc = rn__grow((void **)&c->ids, &cap, c->rows + 1, sizeof *c->ids, "column ids");
        break;
    case RN_COL_SEQ: {
        /* off holds rows + 1 entries: grow to cap + 1 */
        size_t want = c->rows + 2, have = c->cap + 1;
        rc = rn__grow((void **)&c->off, &have, want, sizeof *c->off, "sequence offsets");
        cap = have - 1;
        break;
    }
    }
    if (rc == RN_OK) c->cap = cap;
    return rc;
}

static int not_kind(const rn_column *c, const char *what)
{
    return rn_fail(RN_EARG, "column '%s' is %s: cannot take %s", c->name, rn_col_kind_name(c->kind),
                   what);
}

int rn_col_push_float(rn_column *c, float v)
{
    if (c->kind != RN_COL_LABEL && c->kind != RN_COL_DENSE) return not_kind(c, "a float");
    int rc = room(c);
    if (rc) return rc;
    c->f[c->rows++] = v;
    return RN_OK;
}

int rn_col_push_int(rn_column *c, int64_t v)
{
    if (c->kind != RN_COL_INT) return not_kind(c, "an integer");
    int rc = room(c);
    if (rc) return rc;
    c->i64[c->rows++] = v;
    return RN_OK;
}

int rn_col_push_id(rn_column *c, int32_t id)
{
    if (c->kind != RN_COL_CAT) return not_kind(c, "an id");
    if (id < 0) return rn_fail(RN_EARG, "column '%s': id %d is negative", c->name, (int)id);
    int rc = room(c);
    if (rc) return rc;
    c->ids[c->rows++] = id;
    if (c->vocab == NULL && c->buckets == 0 && id >= c->cardinality) c->cardinality = id + 1;
    return RN_OK;
}

int rn_col_push_missing(rn_column *c)
{
    int rc;
    switch (c->kind) {
    case RN_COL_DENSE:
        if ((rc = rn_col_push_float(c, c->fill))) return rc;
        break;
    case RN_COL_CAT:
        if ((rc = rn_col_push_id(c, 0))) return rc;
        break;
    case RN_COL_SEQ:
        break; /* an empty list: end_row closes it */
    default:
        return rn_fail(RN_EARG, "column '%s' is %s: it cannot hold a missing value", c->name,
                       rn_col_kind_name(c->kind));
    }
    c->n_missing++;
    return RN_OK;
}

/* The id of a token of a CAT or SEQ column: vocabulary or hashing. */
static int text_id(rn_column *c, const char *s, size_t len, int32_t *id)
{
    if (len == 0) {
        *id = 0;
        return RN_OK;
    }
    if (c->buckets > 0) {
        *id = (int32_t)(1 + rn__fnv1a(s, len) % (uint64_t)c->buckets);
        return RN_OK;
    }
    if (c->vocab == NULL)
        return rn_fail(RN_EARG, "column '%s' holds raw ids: it has no vocabulary for text",
                       c->name);
    int rc = rn_vocab_add(c->vocab, s, len, id);
    if (rc) return rc;
    c->cardinality = (int64_t)rn_vocab_size(c->vocab);
    return RN_OK;
}

int rn_col_push_text(rn_column *c, const char *s, size_t len)
{
    if (c->kind != RN_COL_CAT) return not_kind(c, "a category");
    int32_t id = 0;
    int rc = text_id(c, s, len, &id);
    if (rc) return rc;
    if (len == 0) return rn_col_push_missing(c);
    return rn_col_push_id(c, id);
}

int rn_col_push_seq(rn_column *c, int32_t id, float value, int32_t field)
{
    if (c->kind != RN_COL_SEQ) return not_kind(c, "a sequence item");
    if (id < 0) return rn_fail(RN_EARG, "column '%s': id %d is negative", c->name, (int)id);
    size_t cap = c->cap_ids;
    int rc = rn__grow((void **)&c->ids, &cap, c->n_ids + 1, sizeof *c->ids, "sequence ids");
    if (rc) return rc;
    /* val and fld appear with the first non-default value and then track ids */
    if (c->val == NULL && value != 1.0f) {
        c->val = rn_malloc(cap * sizeof *c->val, "sequence values");
        if (c->val == NULL) return RN_ENOMEM;
        for (size_t i = 0; i < c->n_ids; i++)
            c->val[i] = 1.0f;
    } else if (c->val != NULL && cap != c->cap_ids) {
        float *v = rn_realloc(c->val, cap * sizeof *v, "sequence values");
        if (v == NULL) return RN_ENOMEM;
        c->val = v;
    }
    if (c->fld == NULL && field >= 0) {
        c->fld = rn_malloc(cap * sizeof *c->fld, "sequence fields");
        if (c->fld == NULL) return RN_ENOMEM;
        for (size_t i = 0; i < c->n_ids; i++)
            c->fld[i] = -1;
    } else if (c->fld != NULL && cap != c->cap_ids) {
        int32_t *f = rn_realloc(c->fld, cap * sizeof *f, "sequence fields");
        if (f == NULL) return RN_ENOMEM;
        c->fld = f;
    }
    c->cap_ids = cap;
    c->ids[c->n_ids] = id;
    if (c->val) c->val[c->n_ids] = value;
    if (c->fld) c->fld[c->n_ids] = field;
    c->n_ids++;
    if (c->vocab == NULL && c->buckets == 0 && id >= c->cardinality) c->cardinality = id + 1;
    return RN_OK;
}

int rn_col_push_seq_text(rn_column *c, const char *s, size_t len)
{
    if (c->kind != RN_COL_SEQ) return not_kind(c, "a sequence item");
    if (len == 0) return RN_OK;
    int32_t id = 0;
    int rc = text_id(c, s, len, &id);
    if (rc) return rc;
    return rn_col_push_seq(c, id, 1.0f, -1);
}

int rn_dataset_end_row(rn_dataset *ds)
{
    for (size_t i = 0; i < ds->n_cols; i++) {
        rn_column *c = &ds->cols[i];
        if (c->kind == RN_COL_SEQ) {
            int rc = room(c);
            if (rc) return rc;
            c->off[++c->rows] = c->n_ids;
        }
        if (c->rows != ds->n_rows + 1)
            return rn_fail(RN_ESTATE, "column '%s' has %zu values at the end of row %zu", c->name,
                           c->rows, ds->n_rows + 1);
    }
    ds->n_rows++;
    return RN_OK;
}

/* ---- subsets ------------------------------------------------------------------------ */

int rn_subset_all(const rn_dataset *ds, rn_subset *out)
{
    out->n = 0;
    out->rows = rn_malloc(ds->n_rows * sizeof *out->rows, "subset rows");
    if (out->rows == NULL) return RN_ENOMEM;
    for (size_t i = 0; i < ds->n_rows; i++)
        out->rows[i] = i;
    out->n = ds->n_rows;
    return RN_OK;
}

int rn_subset_from(const rn_dataset *ds, const size_t *rows, size_t n, rn_subset *out)
{
    out->n = 0;
    out->rows = NULL;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= ds->n_rows)
            return rn_fail(RN_EARG,
                           "row index %zu (entry %zu) is out of range: the data set has "
                           "%zu rows",
                           rows[i], i, ds->n_rows);
    out->rows = rn_malloc(n * sizeof *out->rows, "subset rows");
    if (out->rows == NULL) return RN_ENOMEM;
    memcpy(out->rows, rows, n * sizeof *rows);
    out->n = n;
    return RN_OK;
}

void rn_subset_free(rn_subset *s)
{
    if (s == NULL) return;
    rn_free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

static void shuffle(size_t *a, size_t n, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rn_rng_below(&g, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void rn_subset_shuffle(rn_subset *s, uint64_t seed)
{
    shuffle(s->rows, s->n, seed);
}

/* Splits the n positions [0, n) of from: a gets the positions flagged in
 * take, b the others, each in position order, mapped to from's rows. */
static int split_by_flags(const rn_subset *from, const unsigned char *take, rn_subset *a,
                          rn_subset *b)
{
    size_t na = 0;
    for (size_t i = 0; i < from->n; i++)
        na += take[i];
    a->rows = rn_malloc(na * sizeof *a->rows, "subset rows");
    b->rows = rn_malloc((from->n - na) * sizeof *b->rows, "subset rows");
    if (a->rows == NULL || b->rows == NULL) {
        rn_free(a->rows);
        rn_free(b->rows);
        a->rows = b->rows = NULL;
        a->n = b->n = 0;
        return RN_ENOMEM;
    }
    a->n = b->n = 0;
    for (size_t i = 0; i < from->n; i++) {
        if (take[i])
            a->rows[a->n++] = from->rows[i];
        else
            b->rows[b->n++] = from->rows[i];
    }
    return RN_OK;
}

static int check_frac(double frac)
{
    if (!(frac >= 0 && frac <= 1))
        return rn_fail(RN_EARG, "split: the fraction is %g: expected a value in [0, 1]", frac);
    return RN_OK;
}

int rn_split_random(const rn_subset *from, double frac, uint64_t seed, rn_subset *a, rn_subset *b)
{
    int rc = check_frac(frac);
    if (rc) return rc;
    size_t *pos = rn_malloc(from->n * sizeof *pos, "split scratch");
    unsigned char *take = rn_calloc(from->n, 1, "split scratch");
    if (pos == NULL || take == NULL) {
        rn_free(pos);
        rn_free(take);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < from->n; i++)
        pos[i] = i;
    shuffle(pos, from->n, seed);
    size_t k = (size_t)llround(frac * (double)from->n);
    for (size_t i = 0; i < k; i++)
        take[pos[i]] = 1;
    rc = split_by_flags(from, take, a, b);
    rn_free(pos);
    rn_free(take);
    return rc;
}

/* A row's sort key for time splits and histories. */
typedef struct {
    int64_t group;
    double time;
    size_t pos; /* position in the subset (or the row): the final tie-break */
} row_key;

static int cmp_row_key(const void *pa, const void *pb)
{
    const row_key *a = pa, *b = pb;
    if (a->group != b->group) return a->group < b->group ? -1 : 1;
    if (a->time != b->time) return a->time < b->time ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* A row's time; a NaN (a missing time filled with NaN) sorts last, which
 * keeps the sort's comparison a total order. */
static double time_of(const rn_column *c, size_t row)
{
    double t = c->kind == RN_COL_INT ? (double)c->i64[row] : (double)c->f[row];
    return isnan(t) ? (double)INFINITY : t;
}

static int64_t group_of(const rn_column *c, size_t row)
{
    return c->kind == RN_COL_INT ? c->i64[row] : (int64_t)c->ids[row];
}

int rn_split_time(const rn_dataset *ds, const rn_subset *from, double frac, rn_subset *a,
                  rn_subset *b)
{
    int rc = check_frac(frac);
    if (rc) return rc;
    if (ds->time < 0) return rn_fail(RN_EARG, "split by time: the data set has no time column");
    const rn_column *tc = &ds->cols[ds->time];
    row_key *keys = rn_malloc(from->n * sizeof *keys, "split scratch");
    unsigned char *take = rn_calloc(from->n, 1, "split scratch");
    if (keys == NULL || take == NULL) {
        rn_free(keys);
        rn_free(take);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < from->n; i++)
        keys[i] = (row_key){0, time_of(tc, from->rows[i]), i};
    qsort(keys, from->n, sizeof *keys, cmp_row_key);
    size_t k = (size_t)llround(frac * (double)from->n);
    for (size_t i = 0; i < k; i++)
        take[keys[i].pos] = 1;
    /* a keeps time order, b too: rebuild both from the sorted keys */
    rc = split_by_flags(from, take, a, b);
    if (rc == RN_OK) {
        for (size_t i = 0; i < k; i++)
            a->rows[i] = from->rows[keys[i].pos];
        for (size_t i = k; i < from->n; i++)
            b->rows[i - k] = from->rows[keys[i].pos];
    }
    rn_free(keys);
    rn_free(take);
    return rc;
}

int rn_split_leave_last(const rn_dataset *ds, const rn_subset *from, rn_subset *train,
                        rn_subset *test)
{
    if (ds->group < 0)
        return rn_fail(RN_EARG, "leave-last-out split: the data set has no group (user) column");
    if (ds->time < 0)
        return rn_fail(RN_EARG, "leave-last-out split: the data set has no time column");
    const rn_column *gc = &ds->cols[ds->group], *tc = &ds->cols[ds->time];
    row_key *keys = rn_malloc(from->n * sizeof *keys, "split scratch");
    unsigned char *take = rn_calloc(from->n, 1, "split scratch");
    if (keys == NULL || take == NULL) {
        rn_free(keys);
        rn_free(take);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < from->n; i++)
        keys[i] = (row_key){group_of(gc, from->rows[i]), time_of(tc, from->rows[i]), i};
    qsort(keys, from->n, sizeof *keys, cmp_row_key);
    for (size_t i = 0; i < from->n;) {
        size_t j = i;
        while (j < from->n && keys[j].group == keys[i].group)
            j++;
        if (j - i >= 2) take[keys[j - 1].pos] = 1; /* the latest row is the test row */
        i = j;
    }
    int rc = split_by_flags(from, take, test, train);
    rn_free(keys);
    rn_free(take);
    return rc;
}

size_t rn_n_batches(size_t n, size_t batch)
{
    return batch == 0 ? 0 : (n + batch - 1) / batch;
}

rn_rows rn_batch(const rn_subset *s, size_t i, size_t batch)
{
    rn_rows r = {NULL, 0};
    if (batch == 0 || i >= rn_n_batches(s->n, batch)) return r;
    r.rows = s->rows + i * batch;
    r.n = s->n - i * batch < batch ? s->n - i * batch : batch;
    return r;
}

/* ---- gathering ---------------------------------------------------------------------- */

static int check_col(const rn_dataset *ds, int col, const size_t *rows, size_t n)
{
    if (col < 0 || (size_t)col >= ds->n_cols)
        return rn_fail(RN_EARG, "no column %d (the data set has %zu)", col, ds->n_cols);
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= ds->n_rows)
            return rn_fail(RN_EARG, "row %zu is out of range: the data set has %zu rows", rows[i],
                           ds->n_rows);
    return RN_OK;
}

int rn_gather_float(const rn_dataset *ds, int col, const size_t *rows, size_t n, float *out)
{
    int rc = check_col(ds, col, rows, n);
    if (rc) return rc;
    const rn_column *c = &ds->cols[col];
    for (size_t i = 0; i < n; i++) {
        switch (c->kind) {
        case RN_COL_LABEL:
        case RN_COL_DENSE:
            out[i] = c->f[rows[i]];
            break;
        case RN_COL_INT:
            out[i] = (float)c->i64[rows[i]];
            break;
        case RN_COL_CAT:
            out[i] = (float)c->ids[rows[i]];
            break;
        default:
            return rn_fail(RN_EARG, "column '%s' is a sequence: gather it with rn_gather_seq",
                           c->name);
        }
    }
    return RN_OK;
}

int rn_gather_ids(const rn_dataset *ds, int col, const size_t *rows, size_t n, int32_t *out)
{
    int rc = check_col(ds, col, rows, n);
    if (rc) return rc;
    const rn_column *c = &ds->cols[col];
    if (c->kind != RN_COL_CAT)
        return rn_fail(RN_EARG, "column '%s' is %s: expected a cat column", c->name,
                       rn_col_kind_name(c->kind));
    for (size_t i = 0; i < n; i++)
        out[i] = c->ids[rows[i]];
    return RN_OK;
}

int rn_gather_seq(const rn_dataset *ds, int col, const size_t *rows, size_t n, size_t T,
                  int32_t *ids, float *mask)
{
    int rc = check_col(ds, col, rows, n);
    if (rc) return rc;
    const rn_column *c = &ds->cols[col];
    if (c->kind != RN_COL_SEQ)
        return rn_fail(RN_EARG, "column '%s' is %s: expected a seq column", c->name,
                       rn_col_kind_name(c->kind));
    if (T == 0)
        return rn_fail(RN_EARG, "column '%s': the padded length must be at least 1", c->name);
    for (size_t i = 0; i < n; i++) {
        size_t a = c->off[rows[i]], b = c->off[rows[i] + 1], len = b - a;
        if (len > T) a = b - T, len = T; /* keep the most recent T */
        for (size_t t = 0; t < T; t++) {
            ids[i * T + t] = t < len ? c->ids[a + t] : 0;
            if (mask) mask[i * T + t] = t < len ? 1.0f : 0.0f;
        }
    }
    return RN_OK;
}

/* ---- histories ---------------------------------------------------------------------- */

/* Sorts the rows of from (NULL: all) by (user, time, row); pos holds the row.
 * Caller frees. */
static row_key *sorted_by_user(const rn_dataset *ds, const rn_subset *from, int user, int item,
                               int time)
{
    if (user < 0 || (size_t)user >= ds->n_cols || item < 0 || (size_t)item >= ds->n_cols ||
        time < 0 || (size_t)time >= ds->n_cols) {
        rn_fail(RN_EARG, "histories: a column index is out of range (the data set has %zu)",
                ds->n_cols);
        return NULL;
    }
    const rn_column *uc = &ds->cols[user], *ic = &ds->cols[item], *tc = &ds->cols[time];
    if (uc->kind != RN_COL_CAT && uc->kind != RN_COL_INT) {
        rn_fail(RN_EARG, "histories: user column '%s' is %s: expected cat or int", uc->name,
                rn_col_kind_name(uc->kind));
        return NULL;
    }
    if (ic->kind != RN_COL_CAT) {
        rn_fail(RN_EARG, "histories: item column '%s' is %s: expected cat", ic->name,
                rn_col_kind_name(ic->kind));
        return NULL;
    }
    if (tc->kind != RN_COL_INT && tc->kind != RN_COL_DENSE) {
        rn_fail(RN_EARG, "histories: time column '%s' is %s: expected int or dense", tc->name,
                rn_col_kind_name(tc->kind));
        return NULL;
    }
    size_t n = from ? from->n : ds->n_rows;
    if (from != NULL)
        for (size_t i = 0; i < n; i++)
            if (from->rows[i] >= ds->n_rows) {
                rn_fail(RN_EARG, "histories: row %zu is out of range: the data set has %zu rows",
                        from->rows[i], ds->n_rows);
                return NULL;
            }
    row_key *keys = rn_malloc((n ? n : 1) * sizeof *keys, "history scratch");
    if (keys == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t r = from ? from->rows[i] : i;
        keys[i] = (row_key){group_of(uc, r), time_of(tc, r), r};
    }
    qsort(keys, n, sizeof *keys, cmp_row_key);
    return keys;
}

int rn_dataset_add_history(rn_dataset *ds, const char *name, int user, int item, int time,
                           size_t max_len)
{
    if (max_len == 0) return rn_fail(RN_EARG, "history '%s': max_len must be at least 1", name);
    if (rn_dataset_find(ds, name) >= 0)
        return rn_fail(RN_EARG, "column '%s' is defined twice", name);
    row_key *keys = sorted_by_user(ds, NULL, user, item, time);
    if (keys == NULL) return rn_error_code();
    size_t n = ds->n_rows;
    size_t *len = rn_calloc(n + 1, sizeof *len, "history lengths");
    size_t *off = rn_malloc((n + 1) * sizeof *off, "sequence offsets");
    if (len == NULL || off == NULL) {
        rn_free(keys);
        rn_free(len);
        rn_free(off);
        return RN_ENOMEM;
    }
    /* lengths: the j-th row of a user's run has min(j, max_len) earlier rows */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && keys[j].group == keys[i].group) {
            len[keys[j].pos] = j - i < max_len ? j - i : max_len;
            j++;
        }
        i = j;
    }
    off[0] = 0;
    for (size_t r = 0; r < n; r++)
        off[r + 1] = off[r] + len[r];
    size_t total = off[n];
    int32_t *ids = rn_malloc(total * sizeof *ids, "sequence ids");
    if (ids == NULL) {
        rn_free(keys);
        rn_free(len);
        rn_free(off);
        return RN_ENOMEM;
    }
    const int32_t *items = ds->cols[item].ids;
    for (size_t i = 0; i < n; i++) {
        size_t r = keys[i].pos, l = len[r];
        for (size_t t = 0; t < l; t++)
            ids[off[r] + t] = items[keys[i - l + t].pos];
    }
    rn_free(keys);
    rn_free(len);
    int col = new_column(ds, name, RN_COL_SEQ, 0);
    if (col < 0) {
        rn_free(ids);
        rn_free(off);
        return col;
    }
    rn_column *c = &ds->cols[col];
    rn_vocab_free(c->vocab);
    rn_free(c->off);
    const rn_column *ic = &ds->cols[item];
    c->vocab = ic->vocab;
    c->vocab_of = ic->vocab_of >= 0 ? ic->vocab_of : item;
    c->buckets = ic->buckets;
    c->cardinality = ic->cardinality;
    c->off = off;
    c->ids = ids;
    c->n_ids = c->cap_ids = total;
    c->rows = c->cap = n;
    return col;
}

int rn_dataset_histories(const rn_dataset *ds, const rn_subset *from, int user, int item, int time,
                         rn_histories *out)
{
    memset(out, 0, sizeof *out);
    row_key *keys = sorted_by_user(ds, from, user, item, time);
    if (keys == NULL) return rn_error_code();
    size_t n = from ? from->n : ds->n_rows, n_users = 0;
    for (size_t i = 0; i < n; i++)
        n_users += i == 0 || keys[i].group != keys[i - 1].group;
    /* runs of users, ordered by their first row */
    row_key *runs = rn_malloc((n_users ? n_users : 1) * sizeof *runs, "history scratch");
    out->users = rn_malloc((n_users ? n_users : 1) * sizeof *out->users, "history users");
    out->off = rn_malloc((n_users + 1) * sizeof *out->off, "history offsets");
    out->items = rn_malloc((n ? n : 1) * sizeof *out->items, "history items");
    if (!runs || !out->users || !out->off || !out->items) {
        rn_free(keys);
        rn_free(runs);
        rn_histories_free(out);
        return RN_ENOMEM;
    }
    size_t u = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, first = keys[i].pos;
        while (j < n && keys[j].group == keys[i].group) {
            if (keys[j].pos < first) first = keys[j].pos;
            j++;
        }
        /* group: first row; time: unused; pos: where the run starts in keys */
        runs[u++] = (row_key){(int64_t)first, (double)(j - i), i};
        i = j;
    }
    qsort(runs, n_users, sizeof *runs, cmp_row_key);
    const int32_t *items = ds->cols[item].ids;
    const rn_column *uc = &ds->cols[user];
    size_t at = 0;
    out->off[0] = 0;
    for (u = 0; u < n_users; u++) {
        size_t start = runs[u].pos, len = (size_t)runs[u].time;
        out->users[u] = group_of(uc, keys[start].pos);
        for (size_t t = 0; t < len; t++)
            out->items[at++] = items[keys[start + t].pos];
        out->off[u + 1] = at;
    }
    out->n_users = n_users;
    rn_free(keys);
    rn_free(runs);
    return RN_OK;
}

void rn_histories_free(rn_histories *h)
{
    if (h == NULL) return;
    rn_free(h->users);
    rn_free(h->off);
    rn_free(h->items);
    memset(h, 0, sizeof *h);
}

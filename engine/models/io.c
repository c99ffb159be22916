/* Saving and loading models as safetensors (model.h).
 *
 * The format (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian header size N, N bytes of JSON
 *
 *   {"__metadata__": {"format": "recnote", "recnote.config": "<config JSON>"},
 *    "embed.weight": {"dtype": "F32", "shape": [rows, D], "data_offsets": [0, 4 rows D]},
 *    ...}
 *
 * then the tensors' bytes (little-endian float32, row-major) back to back.
 * numpy, PyTorch and the safetensors library read it as it is. The JSON is
 * written and parsed by cJSON (Debian's libcjson), its allocations routed
 * through the engine's hook.
 *
 * Loading trusts nothing in the file: the header size must leave room in the
 * file and stay under RN_HEADER_MAX, every tensor's offsets must lie inside
 * the data and match its shape, and the tensors are read straight into the
 * model's parameters, so a file never makes the loader allocate more than its
 * header.
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../alloc.h"
#include "../error.h"
#include "../interrupt.h"
#include "atomic_file.h"

#define RN_HEADER_MAX ((uint64_t)100 << 20) /* 100 MB of JSON: far beyond any model's */

static void *hook_malloc(size_t size)
{
    return rn_malloc(size, "JSON");
}

static void hooks(void)
{
    cJSON_Hooks h = {hook_malloc, rn_free};
    cJSON_InitHooks(&h);
}

static int little_endian(void)
{
    const uint32_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

/* ---- save --------------------------------------------------------------------------- */

/* Adds name: [v...] to o; 0 when out of memory (nothing leaks: cJSON does not
 * take an item it failed to add). */
static int add_array(cJSON *o, const char *name, const double *v, int n)
{
    cJSON *a = cJSON_CreateDoubleArray(v, n);
    if (a != NULL && cJSON_AddItemToObject(o, name, a)) return 1;
    cJSON_Delete(a);
    return 0;
}

static int add_entries(cJSON *root, const rn_params *ps, uint64_t *offset)
{
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToObject(root, t->name, e)) {
            cJSON_Delete(e);
            return RN_ENOMEM;
        }
        double shape[RN_MAX_DIMS], off[2] = {(double)*offset, (double)(*offset + t->n * 4)};
        for (int d = 0; d < t->ndim; d++)
            shape[d] = t->shape[d];
        if (!cJSON_AddStringToObject(e, "dtype", "F32") ||
            !add_array(e, "shape", shape, t->ndim) || !add_array(e, "data_offsets", off, 2))
            return RN_ENOMEM;
        *offset += t->n * 4;
    }
    return RN_OK;
}

/* Bytes written between two polls of Ctrl-C: about a millisecond of disk. */
#define SAVE_CHUNK ((size_t)1 << 20)

/* Writes the tensors' bytes in chunks, polling Ctrl-C before each one. */
static int write_tensors(af_file *a, const rn_params *ps)
{
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        const char *p = (const char *)t->data;
        size_t left = t->n * 4;
        do {
            if (rn_interrupted()) return RN_EINTR;
            size_t k = left < SAVE_CHUNK ? left : SAVE_CHUNK;
            if (af_write(a, p, k) != 0) return RN_EIO;
            p += k;
            left -= k;
        } while (left > 0);
    }
    return RN_OK;
}

int rn_model_save(const rn_model *m, const char *path)
{
    if (!little_endian())
        return rn_fail(RN_EIO, "save: safetensors is little-endian; this machine is not");
    hooks();
    char *config = rn_model_config_json(&m->cfg);
    cJSON *root = cJSON_CreateObject(), *meta = cJSON_CreateObject();
    int rc = config != NULL && root != NULL && meta != NULL ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK && !cJSON_AddItemToObject(root, "__metadata__", meta))
        rc = RN_ENOMEM;
    else if (rc == RN_OK)
        meta = NULL; /* owned by root now */
    if (rc == RN_OK) {
        cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
        if (!cJSON_AddStringToObject(md, "format", "recnote") ||
            !cJSON_AddStringToObject(md, "recnote.config", config))
            rc = RN_ENOMEM;
    }
    uint64_t offset = 0;
    if (rc == RN_OK) rc = add_entries(root, m->ps, &offset);
    if (rc == RN_OK) rc = add_entries(root, m->bufs, &offset);
    char *header = rc == RN_OK ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    cJSON_Delete(meta);
    rn_free(config);
    if (header == NULL) return rn_fail(RN_ENOMEM, "save %s: out of memory for the header", path);

    /* common/atomic_file.h: a unique temporary file beside path, fsync,
     * rename, fsync of the folder; refuses to replace a non-regular file. */
    af_file a;
    char msg[AF_MSG_MAX];
    if (af_open(&a, path, 0, msg, sizeof msg) != 0) {
        rn_free(header);
        return rn_fail(RN_EIO, "save: %s", msg);
    }
    /* pad the header with spaces to a multiple of 8, as the reference writer does */
    size_t hlen = strlen(header), padded = (hlen + 7) / 8 * 8;
    unsigned char size[8];
    for (int i = 0; i < 8; i++)
        size[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    (void)af_write(&a, size, 8);
    (void)af_write(&a, header, hlen);
    (void)af_write(&a, "        ", padded - hlen);
    rn_free(header);
    rc = write_tensors(&a, m->ps);
    if (rc == RN_OK) rc = write_tensors(&a, m->bufs);
    if (rc == RN_EINTR || (rc == RN_OK && rn_interrupted())) {
        af_abort(&a);
        return rn_fail(RN_EINTR,
                       "interrupted (Ctrl-C) in save %s before the file was complete: nothing "
                       "was written (the old file, if any, is kept)",
                       path);
    }
    /* from here the save completes or fails as a whole; a Ctrl-C arriving
     * now is the caller's to report after a successful return */
    if (af_commit(&a, msg, sizeof msg) != 0) return rn_fail(RN_EIO, "save: %s", msg);
    return RN_OK;
}

/* ---- load ----------------------------------------------------------------------------- */

/* The bytes around the header's JSON (which ends at json_end, within the n
 * bytes at header): the safetensors format pads it with spaces (0x20) only.
 * cJSON takes any byte up to 0x20, NUL included, as white space, so a NUL
 * inside or after the JSON is refused here, located by its byte of the file. */
static int check_header_bytes(const char *path, const char *header, size_t n,
                              const char *json_end)
{
    size_t end = json_end != NULL ? (size_t)(json_end - header) : n;
    const char *nul = memchr(header, '\0', end);
    if (nul != NULL)
        return rn_fail(RN_EPARSE, "load %s: byte %zu of the file, inside the header's JSON, is a NUL",
                       path, 8 + (size_t)(nul - header));
    for (size_t i = end; i < n; i++)
        if (header[i] != ' ')
            return rn_fail(RN_EPARSE,
                           "load %s: byte %zu of the file, after the header's JSON, is 0x%02X: "
                           "safetensors pads the header with spaces only",
                           path, 8 + i, (unsigned)(unsigned char)header[i]);
    return RN_OK;
}

static int read_tensor(FILE *f, const char *path, const cJSON *root, rn_tensor *t,
                       uint64_t data_start, uint64_t data_size)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, t->name);
    if (!cJSON_IsObject(e))
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' is missing", path, t->name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "F32") != 0)
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' must have dtype F32", path, t->name);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    int ok = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == t->ndim;
    for (int d = 0; ok && d < t->ndim; d++) {
        const cJSON *x = cJSON_GetArrayItem(shape, d);
        ok = cJSON_IsNumber(x) && x->valuedouble == (double)t->shape[d];
    }
    char want[64], has[96] = "";
    if (!ok) { /* say what the file holds too (check_table made it whole numbers) */
        const cJSON *x;
        cJSON_ArrayForEach(x, shape)
        {
            size_t k = strlen(has);
            snprintf(has + k, sizeof has - k, k ? "x%.0f" : "%.0f", x->valuedouble);
        }
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' must have shape %s, the file holds %s",
                       path, t->name, rn_shape_str(t, want, sizeof want),
                       has[0] ? has : "a scalar");
    }
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    const cJSON *a = cJSON_GetArrayItem(off, 0), *b = cJSON_GetArrayItem(off, 1);
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !cJSON_IsNumber(a) ||
        !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble < a->valuedouble ||
        b->valuedouble > (double)data_size || b->valuedouble - a->valuedouble != (double)t->n * 4.0)
        return rn_fail(RN_EPARSE,
                       "load %s: tensor '%s' has data_offsets outside the data or not matching "
                       "its shape",
                       path, t->name);
    if (fseek(f, (long)(data_start + (uint64_t)a->valuedouble), SEEK_SET) != 0)
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' is cut short", path, t->name);
    /* in chunks of 4M values, Ctrl-C polled between them (a large table takes seconds) */
    for (size_t at = 0, chunk = (size_t)1 << 22; at < t->n; at += chunk) {
        if (rn_interrupted()) {
            char where[RN_ERROR_MAX / 2];
            snprintf(where, sizeof where, "load %.200s (nothing was loaded)", path);
            return rn_interrupt_fail(where);
        }
        size_t n = t->n - at < chunk ? t->n - at : chunk;
        if (fread(t->data + at, 4, n, f) != n)
            return rn_fail(RN_EPARSE, "load %s: tensor '%s' is cut short", path, t->name);
    }
    /* recnote never saves NaN or infinity (fit stops before a non-finite
     * update): such a value means a damaged file, which would predict NaN */
    for (size_t i = 0; i < t->n; i++)
        if (!isfinite(t->data[i]))
            return rn_fail(RN_EPARSE, "load %s: tensor '%s' holds %s at element %zu (a damaged file)",
                           path, t->name, isnan(t->data[i]) ? "NaN" : "an infinity", i);
    return RN_OK;
}

/* A whole number in [0, max] (no fraction, no NaN): the only numbers a
 * shape or an offset may hold. */
static int whole(const cJSON *x, double max)
{
    return cJSON_IsNumber(x) && x->valuedouble >= 0 && x->valuedouble <= max &&
           x->valuedouble == floor(x->valuedouble);
}

typedef struct {
    double begin, end;
    const char *name;
} span;

static int by_begin(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Checks the file's tensor table on its own, before the config builds
 * anything: every entry F32 with a whole-number shape and data_offsets whose
 * span is the shape's bytes, inside the data; the entries back to back from
 * byte 0 to the end of the data, no overlap, no hole (the safetensors rule).
 * Returns the total bytes of tensors, or -1 after rn_fail. */
static double check_table(const char *path, const cJSON *root, uint64_t data_size)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) n += strcmp(e->string ? e->string : "", "__metadata__") != 0;
    span *sp = rn_malloc((size_t)(n > 0 ? n : 1) * sizeof *sp, "the tensor table");
    if (sp == NULL) return -1;
    int k = 0;
    double total = 0;
    cJSON_ArrayForEach(e, root)
    {
        const char *name = e->string ? e->string : "";
        if (strcmp(name, "__metadata__") == 0) continue;
        const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
        const char *bad = NULL;
        double count = 1;
        if (!cJSON_IsObject(e))
            bad = "is not an object";
        else if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "F32") != 0)
            bad = "must have dtype F32";
        else if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) > RN_MAX_DIMS)
            bad = "must have a shape of at most 4 dimensions";
        else {
            const cJSON *x;
            cJSON_ArrayForEach(x, shape)
            {
                if (!whole(x, 2147483647.0)) bad = "must have a shape of whole numbers";
                count *= whole(x, 2147483647.0) ? x->valuedouble : 0;
            }
        }
        const cJSON *a = cJSON_GetArrayItem(off, 0), *b = cJSON_GetArrayItem(off, 1);
        if (bad == NULL &&
            (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !whole(a, 9007199254740992.0) ||
             !whole(b, 9007199254740992.0) || b->valuedouble < a->valuedouble ||
             b->valuedouble > (double)data_size || b->valuedouble - a->valuedouble != count * 4.0))
            bad = "has data_offsets outside the data or not matching its shape";
        if (bad != NULL) {
            rn_free(sp);
            rn_fail(RN_EPARSE, "load %s: tensor '%s' %s", path, name, bad);
            return -1;
        }
        sp[k++] = (span){a->valuedouble, b->valuedouble, name};
        total += count * 4.0;
    }
    qsort(sp, (size_t)k, sizeof *sp, by_begin);
    double at = 0;
    int rc = RN_OK;
    for (int i = 0; i < k && rc == RN_OK; i++) {
        if (sp[i].begin < at)
            rc = rn_fail(RN_EPARSE, "load %s: tensors '%s' and '%s' overlap in the data", path,
                         sp[i - 1].name, sp[i].name);
        else if (sp[i].begin > at)
            rc = rn_fail(RN_EPARSE,
                         "load %s: bytes %.0f..%.0f of the data belong to no tensor (before '%s')",
                         path, at, sp[i].begin, sp[i].name);
        at = sp[i].end;
    }
    if (rc == RN_OK && at != (double)data_size)
        rc = rn_fail(RN_EPARSE,
                     "load %s: the tensors cover %.0f bytes of data but the file holds %llu after "
                     "the header",
                     path, at, (unsigned long long)data_size);
    rn_free(sp);
    return rc == RN_OK ? total : -1;
}

/* An allocation budget around rn_model_new: the config is only trusted to
 * build a model about the size of the tensors the file holds. A parameter
 * costs its data, its gradient and, for embedding tables, 9 bytes of sparse
 * bookkeeping per row (LR's 1-wide table: 17 bytes per 4 in the file). */
typedef struct {
    rn_alloc_fn prev;
    void *prev_ud;
    size_t left;  /* (size_t)-1: no budget yet */
    int over;     /* an allocation went past the budget */
    int failed;   /* an allocation failed (out of memory): cJSON then reports
                     "not JSON", which would hide the real reason */
} budget;

static void *budget_alloc(void *ud, void *ptr, size_t size)
{
    budget *b = ud;
    if (size > 0) {
        if (size > b->left) {
            b->over = 1;
            return NULL;
        }
        if (b->left != (size_t)-1)
            b->left -= size; /* a realloc counts its new size in full: an upper bound */
    }
    void *p = b->prev(b->prev_ud, ptr, size);
    if (size > 0 && p == NULL) b->failed = 1;
    return p;
}

rn_model *rn_model_load(const char *path)
{
    if (!little_endian()) {
        rn_fail(RN_EIO, "load: safetensors is little-endian; this machine is not");
        return NULL;
    }
    hooks();
    /* every allocation of the load goes through the watch (budget_alloc) */
    budget b = {NULL, NULL, (size_t)-1, 0, 0};
    rn_alloc_get(&b.prev, &b.prev_ud);
    rn_alloc_set(budget_alloc, &b);
    /* O_NONBLOCK: a FIFO with no writer must not hang the load (it is then
     * refused as not a regular file); it changes nothing for regular files */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (f == NULL) {
        rn_fail(RN_EIO, "load %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        rn_alloc_set(b.prev, b.prev_ud);
        return NULL;
    }
    struct stat st;
    unsigned char size[8];
    uint64_t n = 0, file = 0;
    rn_model *m = NULL;
    char *header = NULL;
    cJSON *root = NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rn_fail(RN_EIO, "load %s: not a regular file", path);
        goto done;
    }
    file = (uint64_t)st.st_size;
    if (fread(size, 1, 8, f) != 8) {
        rn_fail(RN_EPARSE, "load %s: too short for a safetensors file (%llu bytes)", path,
                (unsigned long long)file);
        goto done;
    }
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)size[i] << (8 * i);
    if (n > RN_HEADER_MAX || n > file - 8) {
        rn_fail(RN_EPARSE, "load %s: the header claims %llu bytes but the file holds %llu", path,
                (unsigned long long)n, (unsigned long long)(file - 8));
        goto done;
    }
    header = rn_malloc((size_t)n + 1, "safetensors header");
    if (header == NULL) goto done;
    if (fread(header, 1, (size_t)n, f) != (size_t)n) {
        rn_fail(RN_EPARSE, "load %s: the header is cut short", path);
        goto done;
    }
    header[n] = '\0';
    const char *json_end = NULL;
    root = cJSON_ParseWithLengthOpts(header, (size_t)n, &json_end, 0);
    if (root == NULL && b.failed) {
        rn_fail(RN_ENOMEM, "load %s: out of memory parsing the header", path);
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        rn_fail(RN_EPARSE, "load %s: the header is not a JSON object", path);
        goto done;
    }
    if (check_header_bytes(path, header, (size_t)n, json_end) != RN_OK) goto done;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const cJSON *cfg_s = cJSON_GetObjectItemCaseSensitive(meta, "recnote.config");
    if (!cJSON_IsString(cfg_s)) {
        rn_fail(RN_EPARSE, "load %s: no recnote.config in the metadata (not a recnote model)",
                path);
        goto done;
    }
    rn_model_config cfg;
    if (rn_model_config_parse(cfg_s->valuestring, &cfg) != RN_OK) {
        if (b.failed) {
            rn_fail(RN_ENOMEM, "load %s: out of memory parsing the model config", path);
            goto done;
        }
        char msg[RN_ERROR_MAX];
        snprintf(msg, sizeof msg, "%s", rn_error());
        rn_fail(RN_EPARSE, "load %s: %s", path, msg);
        goto done;
    }
    /* the table first, then a model no larger than the table: a lying config
     * (80 million rows in a 1.7 KB file) fails before it allocates */
    double bytes = check_table(path, root, file - 8 - n);
    if (bytes < 0) goto done;
    b.left = (size_t)(bytes * 5) + ((size_t)16 << 20);
    rn__loading = 1; /* no random starts: the file fills every tensor */
    m = rn_model_new(&cfg);
    rn__loading = 0;
    b.left = (size_t)-1;
    if (m == NULL && b.over) {
        rn_fail(RN_EPARSE,
                "load %s: the config describes a %s model far larger than the %.0f bytes of "
                "tensors in the file (the config and the tensors disagree)",
                path, rn_model_kind_name(cfg.kind), bytes);
        goto done;
    }
    if (m == NULL) {
        char msg[RN_ERROR_MAX];
        snprintf(msg, sizeof msg, "%s", rn_error());
        rn_fail(rn_error_code() == RN_ENOMEM ? RN_ENOMEM : RN_EPARSE, "load %s: %s", path, msg);
        goto done;
    }
    size_t expected = rn_params_count(m->ps) + rn_params_count(m->bufs);
    size_t entries = (size_t)cJSON_GetArraySize(root) - (meta != NULL);
    if (entries != expected) {
        rn_fail(RN_EPARSE, "load %s: %zu tensors in the file, the %s model has %zu", path, entries,
                rn_model_kind_name(cfg.kind), expected);
        rn_model_free(m);
        m = NULL;
        goto done;
    }
    rn_params *sets[2] = {m->ps, m->bufs};
    for (int s = 0; s < 2 && m != NULL; s++)
        for (size_t i = 0; i < rn_params_count(sets[s]); i++)
            if (read_tensor(f, path, root, rn_params_at(sets[s], i), 8 + n, file - 8 - n) !=
                RN_OK) {
                rn_model_free(m);
                m = NULL;
                break;
            }
done:
    cJSON_Delete(root);
    rn_free(header);
    fclose(f);
    rn_alloc_set(b.prev, b.prev_ud);
    return m;
}

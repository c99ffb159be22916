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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../alloc.h"
#include "../error.h"

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
            !cJSON_AddItemToObject(e, "shape", cJSON_CreateDoubleArray(shape, t->ndim)) ||
            !cJSON_AddItemToObject(e, "data_offsets", cJSON_CreateDoubleArray(off, 2)))
            return RN_ENOMEM;
        *offset += t->n * 4;
    }
    return RN_OK;
}

static int write_tensors(FILE *f, const rn_params *ps)
{
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        if (fwrite(t->data, 4, t->n, f) != t->n) return RN_EIO;
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

    size_t plen = strlen(path);
    char *tmp = rn_malloc(plen + 5, "file name");
    if (tmp == NULL) {
        rn_free(header);
        return RN_ENOMEM;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        rc = rn_fail(RN_EIO, "save %s: cannot write %s: %s", path, tmp, strerror(errno));
    } else {
        /* pad the header with spaces to a multiple of 8, as the reference writer does */
        size_t hlen = strlen(header), padded = (hlen + 7) / 8 * 8;
        unsigned char size[8];
        for (int i = 0; i < 8; i++)
            size[i] = (unsigned char)((uint64_t)padded >> (8 * i));
        int ok = fwrite(size, 1, 8, f) == 8 && fwrite(header, 1, hlen, f) == hlen;
        for (size_t i = hlen; ok && i < padded; i++)
            ok = fputc(' ', f) != EOF;
        ok = ok && write_tensors(f, m->ps) == RN_OK && write_tensors(f, m->bufs) == RN_OK;
        ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            rc = rn_fail(RN_EIO, "save %s: %s", path, strerror(errno ? errno : EIO));
            remove(tmp);
        }
    }
    rn_free(tmp);
    rn_free(header);
    return rc;
}

/* ---- load ----------------------------------------------------------------------------- */

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
    char want[64];
    if (!ok)
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' must have shape %s", path, t->name,
                       rn_shape_str(t, want, sizeof want));
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    const cJSON *a = cJSON_GetArrayItem(off, 0), *b = cJSON_GetArrayItem(off, 1);
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !cJSON_IsNumber(a) ||
        !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble < a->valuedouble ||
        b->valuedouble > (double)data_size || b->valuedouble - a->valuedouble != (double)t->n * 4.0)
        return rn_fail(RN_EPARSE,
                       "load %s: tensor '%s' has data_offsets outside the data or not matching "
                       "its shape",
                       path, t->name);
    if (fseek(f, (long)(data_start + (uint64_t)a->valuedouble), SEEK_SET) != 0 ||
        fread(t->data, 4, t->n, f) != t->n)
        return rn_fail(RN_EPARSE, "load %s: tensor '%s' is cut short", path, t->name);
    return RN_OK;
}

rn_model *rn_model_load(const char *path)
{
    if (!little_endian()) {
        rn_fail(RN_EIO, "load: safetensors is little-endian; this machine is not");
        return NULL;
    }
    hooks();
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rn_fail(RN_EIO, "load %s: %s", path, strerror(errno));
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
    root = cJSON_ParseWithLength(header, (size_t)n);
    if (!cJSON_IsObject(root)) {
        rn_fail(RN_EPARSE, "load %s: the header is not a JSON object", path);
        goto done;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const cJSON *cfg_s = cJSON_GetObjectItemCaseSensitive(meta, "recnote.config");
    if (!cJSON_IsString(cfg_s)) {
        rn_fail(RN_EPARSE, "load %s: no recnote.config in the metadata (not a recnote model)",
                path);
        goto done;
    }
    rn_model_config cfg;
    if (rn_model_config_parse(cfg_s->valuestring, &cfg) != RN_OK) {
        char msg[RN_ERROR_MAX];
        snprintf(msg, sizeof msg, "%s", rn_error());
        rn_fail(RN_EPARSE, "load %s: %s", path, msg);
        goto done;
    }
    if ((m = rn_model_new(&cfg)) == NULL) {
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
    return m;
}

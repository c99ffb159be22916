/* Saving and loading an ALS model (als.h): one binary file, little-endian,
 * written atomically (common/atomic_file.h) and checksummed.
 *
 *   offset  0  "RNALS001"                     magic
 *           8  u32 k, implicit, biases, cg_steps, threads, iterations,
 *              has_labels, reserved (0)
 *          40  f64 lambda, alpha, init_std     u64 seed
 *          72  u64 n_ratings, n_users, n_items
 *          96  the training ratings: n_ratings i64 users, n_ratings i64
 *              items, n_ratings f32 values (by user, as the model holds
 *              them)
 *              user factors n_users x k f32, item factors n_items x k f32
 *              biases (when biases): n_users f32, n_items f32
 *              f64 the global mean
 *              labels (when has_labels): per item row, u32 bytes + bytes
 *         end  u64 checksum: FNV-1a of every byte before it
 *
 * The ratings are kept because the model is more than its factors: fit
 * continues from a loaded model, and recommend skips what a user rated.
 * Loading rebuilds the model from them (rn_als_new, so every check of a
 * new model holds) and then puts the factors back, so predictions are the
 * saved model's to the bit. The file is hostile: its size is checked
 * before it is read, the checksum before it is parsed, and every count
 * against the bytes left before anything is allocated; errors name the
 * path and what was wrong. */
#include "als_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../alloc.h"
#include "../error.h"
#include "atomic_file.h"

#define MAGIC       "RNALS001"
#define HEADER      96
#define MAX_FILE    ((uint64_t)1 << 36) /* 64 GiB: anything larger is not an ALS file of ours */
#define MAX_LABEL   4096

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* ---- writing ---------------------------------------------------------------------------- */

typedef struct {
    af_file a;
    uint64_t sum;
    int failed;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0) return;
    w->sum = fnv1a(w->sum, p, n);
    if (af_write(&w->a, p, n) != 0) w->failed = 1;
}

static void put_u32(writer *w, uint32_t x)
{
    put(w, &x, sizeof x);
}
static void put_u64(writer *w, uint64_t x)
{
    put(w, &x, sizeof x);
}
static void put_f64(writer *w, double x)
{
    put(w, &x, sizeof x);
}

int rn_als_save(const rn_als *m, const char *path, int iterations,
                const char *const *item_labels)
{
    const rn_als_config *c = &m->c;
    const rn__als_side *U = &m->side[0], *I = &m->side[1];
    size_t n = m->n_ratings, k = (size_t)c->k;
    int64_t *ids = rn_malloc(2 * n * sizeof *ids, "als save ratings");
    if (ids == NULL) return rn_error_code();
    for (size_t u = 0; u < U->n; u++) /* the ratings by user, as the CSR holds them */
        for (size_t q = U->off[u]; q < U->off[u + 1]; q++)
            ids[q] = U->ids[u], ids[n + q] = I->ids[U->other[q]];
    writer w = {.sum = 1469598103934665603ull};
    char msg[AF_MSG_MAX];
    if (af_open(&w.a, path, 0, msg, sizeof msg) != 0) {
        rn_free(ids);
        return rn_fail(RN_EIO, "als save: %s", msg);
    }
    put(&w, MAGIC, 8);
    uint32_t head[8] = {(uint32_t)c->k,        (uint32_t)c->implicit, (uint32_t)c->biases,
                        (uint32_t)c->cg_steps, (uint32_t)c->threads,
                        (uint32_t)(iterations > 0 ? iterations : 0), item_labels != NULL, 0};
    for (int j = 0; j < 8; j++)
        put_u32(&w, head[j]);
    put_f64(&w, c->lambda), put_f64(&w, c->alpha), put_f64(&w, c->init_std);
    put_u64(&w, c->seed);
    put_u64(&w, n), put_u64(&w, U->n), put_u64(&w, I->n);
    put(&w, ids, 2 * n * sizeof *ids);
    put(&w, U->val, n * sizeof *U->val);
    put(&w, U->f, U->n * k * sizeof *U->f);
    put(&w, I->f, I->n * k * sizeof *I->f);
    if (U->b != NULL) put(&w, U->b, U->n * sizeof *U->b), put(&w, I->b, I->n * sizeof *I->b);
    put_f64(&w, m->mu);
    for (size_t i = 0; item_labels != NULL && i < I->n; i++) {
        size_t len = item_labels[i] ? strlen(item_labels[i]) : 0;
        len = len > MAX_LABEL ? MAX_LABEL : len;
        put_u32(&w, (uint32_t)len);
        put(&w, item_labels[i], len);
    }
    uint64_t sum = w.sum;
    put(&w, &sum, sizeof sum);
    rn_free(ids);
    if (w.failed) {
        int err = w.a.err;
        af_abort(&w.a);
        return rn_fail(RN_EIO, "als save %s: write failed (%s)", path,
                       err ? strerror(err) : "unknown error");
    }
    if (af_commit(&w.a, msg, sizeof msg) != 0) return rn_fail(RN_EIO, "als save: %s", msg);
    return RN_OK;
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t size, off;
    const char *path;
    int failed;
} reader;

/* Fails (once) naming the path, the byte offset and what. */
static int bad(reader *r, const char *what)
{
    if (!r->failed)
        rn_fail(RN_EPARSE, "als load %s: byte %zu: %s", r->path, r->off, what);
    r->failed = 1;
    return RN_EPARSE;
}

/* Takes n bytes into out (NULL: skip), or fails naming what ends early. */
static const unsigned char *take(reader *r, void *out, size_t n, const char *what)
{
    if (r->failed) return NULL;
    if (n > r->size - r->off) {
        char buf[160];
        snprintf(buf, sizeof buf, "the file ends inside %s (%zu bytes needed, %zu left)", what,
                 n, r->size - r->off);
        bad(r, buf);
        return NULL;
    }
    const unsigned char *at = r->p + r->off;
    if (out != NULL && n > 0) memcpy(out, at, n);
    r->off += n;
    return at;
}

static uint32_t get_u32(reader *r, const char *what)
{
    uint32_t x = 0;
    take(r, &x, sizeof x, what);
    return x;
}
static uint64_t get_u64(reader *r, const char *what)
{
    uint64_t x = 0;
    take(r, &x, sizeof x, what);
    return x;
}
static double get_f64(reader *r, const char *what)
{
    double x = 0;
    take(r, &x, sizeof x, what);
    return x;
}

/* count items of size bytes fit in what is left (checked before allocating). */
static int fits(reader *r, uint64_t count, size_t size, const char *what)
{
    if (r->failed) return RN_EPARSE;
    if (count > (r->size - r->off) / size) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s: %llu of %zu bytes each do not fit in the %zu bytes left",
                 what, (unsigned long long)count, size, r->size - r->off);
        return bad(r, buf);
    }
    return RN_OK;
}

/* The whole file, its size checked before it is read. Caller frees. */
static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return rn_fail(RN_EIO, "als load %s: %s", path, strerror(errno)), NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return rn_fail(RN_EIO, "als load %s: not a regular file", path), NULL;
    }
    if ((uint64_t)st.st_size < HEADER + 8 || (uint64_t)st.st_size > MAX_FILE) {
        fclose(f);
        return rn_fail(RN_EPARSE, "als load %s: %lld bytes is not the size of an ALS model file",
                       path, (long long)st.st_size),
               NULL;
    }
    unsigned char *p = rn_malloc((size_t)st.st_size, "als load file");
    if (p != NULL && fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        rn_free(p);
        p = NULL;
        rn_fail(RN_EIO, "als load %s: read failed", path);
    }
    fclose(f);
    *size = (size_t)st.st_size;
    return p;
}

rn_als *rn_als_load(const char *path, int *iterations, char ***item_labels)
{
    size_t size = 0;
    unsigned char *p = read_whole(path, &size);
    if (p == NULL) return NULL;
    reader r = {.p = p, .size = size - 8, .path = path};
    rn_als *m = NULL;
    char **labels = NULL;
    int64_t *ids = NULL;
    float *val = NULL;
    uint32_t head[8] = {0};
    uint64_t n = 0, nu = 0, ni = 0, stored;
    rn_als_config c = rn_als_defaults();
    memcpy(&stored, p + size - 8, 8);
    if (memcmp(p, MAGIC, 8) != 0) {
        bad(&r, "not a recnote ALS model file (it should start with \"" MAGIC "\")");
        goto done;
    }
    if (fnv1a(1469598103934665603ull, p, size - 8) != stored) {
        r.off = size - 8;
        bad(&r, "the checksum does not match: the file is damaged or truncated");
        goto done;
    }
    r.off = 8;
    for (int j = 0; j < 8; j++)
        head[j] = get_u32(&r, "the header");
    c.k = (int)head[0], c.implicit = (int)head[1], c.biases = (int)head[2];
    c.cg_steps = (int)head[3], c.threads = (int)head[4];
    c.lambda = get_f64(&r, "the header"), c.alpha = get_f64(&r, "the header");
    c.init_std = get_f64(&r, "the header");
    c.seed = get_u64(&r, "the header");
    n = get_u64(&r, "the header"), nu = get_u64(&r, "the header"), ni = get_u64(&r, "the header");
    if (r.failed) goto done;
    if (head[0] < 1 || head[0] > RN_ALS_MAX_K || head[1] > 1 || head[2] > 1 || head[6] > 1 ||
        head[4] < 1 || head[4] > RN_ALS_MAX_THREADS || head[3] > 1000 || n == 0 || nu == 0 ||
        ni == 0 || nu > n || ni > n || n > UINT32_MAX) {
        char buf[200];
        r.off = 8;
        snprintf(buf, sizeof buf, "the header is out of range (k %u, implicit %u, biases %u, "
                                  "threads %u, %llu ratings of %llu users x %llu items)",
                 head[0], head[1], head[2], head[4], (unsigned long long)n,
                 (unsigned long long)nu, (unsigned long long)ni);
        bad(&r, buf);
        goto done;
    }
    /* every section's size against the bytes left, before anything is allocated */
    size_t K = (size_t)c.k;
    if (fits(&r, n, 20, "the ratings") ||
        fits(&r, nu + ni, K * 4 + (c.biases && !c.implicit ? 4 : 0), "the factors"))
        goto done;
    ids = rn_malloc(2 * (size_t)n * sizeof *ids, "als load ratings");
    val = rn_malloc((size_t)n * sizeof *val, "als load ratings");
    if (ids == NULL || val == NULL) {
        r.failed = 1; /* rn_malloc said what */
        goto done;
    }
    take(&r, ids, 2 * (size_t)n * sizeof *ids, "the ratings");
    size_t at = r.off;
    take(&r, val, (size_t)n * sizeof *val, "the ratings");
    for (size_t j = 0; !r.failed && j < n; j++)
        if (ids[j] < 0 || ids[n + j] < 0 || !isfinite(val[j])) {
            r.off = at + 4 * j;
            char buf[120];
            snprintf(buf, sizeof buf, "rating %zu (user %lld, item %lld) is not valid", j + 1,
                     (long long)ids[j], (long long)ids[n + j]);
            bad(&r, buf);
        }
    if (r.failed) goto done;
    if ((m = rn_als_new(&c, ids, ids + n, val, (size_t)n)) == NULL) {
        char buf[300];
        snprintf(buf, sizeof buf, "the ratings do not make a model: %s", rn_error());
        r.off = HEADER;
        bad(&r, buf);
        goto done;
    }
    if (m->side[0].n != nu || m->side[1].n != ni) {
        char buf[200];
        r.off = 72;
        snprintf(buf, sizeof buf, "the header says %llu users x %llu items, the ratings hold "
                                  "%zu x %zu",
                 (unsigned long long)nu, (unsigned long long)ni, m->side[0].n, m->side[1].n);
        bad(&r, buf);
        goto done;
    }
    for (int s = 0; s < 2; s++) {
        rn__als_side *d = &m->side[s];
        at = r.off;
        take(&r, d->f, d->n * K * sizeof *d->f, s ? "the item factors" : "the user factors");
        for (size_t j = 0; !r.failed && j < d->n * K; j++)
            if (!isfinite(d->f[j])) {
                r.off = at + 4 * j;
                bad(&r, s ? "an item factor is not finite" : "a user factor is not finite");
            }
    }
    for (int s = 0; c.biases && !c.implicit && s < 2; s++) {
        rn__als_side *d = &m->side[s];
        at = r.off;
        take(&r, d->b, d->n * sizeof *d->b, "the biases");
        for (size_t j = 0; !r.failed && j < d->n; j++)
            if (!isfinite(d->b[j])) {
                r.off = at + 4 * j;
                bad(&r, "a bias is not finite");
            }
    }
    at = r.off;
    double mu = get_f64(&r, "the mean");
    if (!r.failed && mu != m->mu) {
        r.off = at;
        bad(&r, "the mean does not match the ratings");
    }
    if (!r.failed && head[6]) {
        if ((labels = rn_calloc(ni, sizeof *labels, "als load labels")) == NULL) {
            r.failed = 1;
            goto done;
        }
        for (size_t i = 0; !r.failed && i < ni; i++) {
            at = r.off;
            uint32_t len = get_u32(&r, "a label");
            if (!r.failed && len > MAX_LABEL) {
                r.off = at;
                bad(&r, "a label is longer than 4096 bytes");
            }
            if (r.failed || len == 0) continue;
            const unsigned char *s = take(&r, NULL, len, "a label");
            if (s == NULL || memchr(s, '\0', len) != NULL) {
                if (s != NULL) r.off = at, bad(&r, "a label holds a NUL byte");
                continue;
            }
            if ((labels[i] = rn_malloc((size_t)len + 1, "als load label")) == NULL) {
                r.failed = 1;
                break;
            }
            memcpy(labels[i], s, len);
            labels[i][len] = '\0';
        }
    }
    if (!r.failed && r.off != r.size) {
        char buf[80];
        snprintf(buf, sizeof buf, "%zu bytes follow the last section", r.size - r.off);
        bad(&r, buf);
    }
done:
    if (r.failed || m == NULL) {
        rn_als_labels_free(labels, (size_t)ni);
        rn_als_free(m);
        m = NULL, labels = NULL;
    }
    rn_free(p), rn_free(ids), rn_free(val);
    if (m != NULL && iterations != NULL) *iterations = (int)head[5];
    if (item_labels != NULL)
        *item_labels = labels;
    else
        rn_als_labels_free(labels, (size_t)ni);
    return m;
}

void rn_als_labels_free(char **labels, size_t n)
{
    for (size_t i = 0; labels != NULL && i < n; i++)
        rn_free(labels[i]);
    rn_free(labels);
}

/* What the index family shares (index_internal.h): the k-heap, the dot
 * product, the parallel for, and the index file's writer and reader. */
#include "index_internal.h"
#include "parallel.h"

#include "alloc.h"
#include "atomic_file.h"
#include "error.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* ---- the k-heap --------------------------------------------------------------------------- */

static void sift_down(rn__hit *h, size_t m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < m && rn__hit_worse(h[l], h[w])) w = l;
        if (r < m && rn__hit_worse(h[r], h[w])) w = r;
        if (w == i) return;
        rn__hit t = h[i];
        h[i] = h[w], h[w] = t;
        i = w;
    }
}

static void sift_up(rn__hit *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!rn__hit_worse(h[i], h[p])) return;
        rn__hit t = h[i];
        h[i] = h[p], h[p] = t;
        i = p;
    }
}

void rn__topk_push(rn__hit *h, size_t *cnt, size_t k, rn__hit x)
{
    if (x.s != x.s) x.s = -INFINITY; /* NaN (inf - inf) ranks last */
    if (*cnt < k) {
        h[*cnt] = x;
        sift_up(h, (*cnt)++);
    } else if (rn__hit_worse(h[0], x)) {
        h[0] = x;
        sift_down(h, k, 0);
    }
}

void rn__topk_push_run(rn__hit *h, size_t *cnt, size_t k, const float *s, size_t m,
                       const int64_t *ids, const uint64_t *rows, size_t row0)
{
    size_t c = *cnt, j = 0;
    for (; j < m && c < k; j++) { /* filling: every score enters */
        h[c] =
            (rn__hit){s[j] == s[j] ? s[j] : -INFINITY, ids[j], rows ? (size_t)rows[j] : row0 + j};
        sift_up(h, c++);
    }
    float th = c > 0 ? h[0].s : -INFINITY;
    for (; j < m; j++) {
        /* blocks of 16 scores all below the worst kept one are skipped with one
         * branch: the comparisons vectorise (a NaN compares false: skipped too) */
        while (j + 16 <= m) {
            int any = 0;
            for (size_t t = 0; t < 16; t++)
                any |= s[j + t] >= th;
            if (any) break;
            j += 16;
        }
        if (j >= m) break;
        if (!(s[j] >= th)) continue; /* the common case: one comparison */
        rn__hit x = {s[j], ids[j], rows ? (size_t)rows[j] : row0 + j};
        if (!rn__hit_worse(h[0], x)) continue;
        h[0] = x;
        sift_down(h, c, 0);
        th = h[0].s;
    }
    *cnt = c;
}

void rn__topk_pop_sorted(rn__hit *h, size_t cnt, size_t k_out, int64_t *out_ids, float *out_scores)
{
    /* pop the worst into the last free slot */
    for (size_t m = cnt; m > 0; m--) {
        out_ids[m - 1] = h[0].id;
        out_scores[m - 1] = h[0].s;
        h[0] = h[m - 1];
        sift_down(h, m - 1, 0);
    }
    for (size_t j = cnt; j < k_out; j++)
        out_ids[j] = -1, out_scores[j] = -INFINITY;
}

/* ---- kernels ------------------------------------------------------------------------------ */

float rn__dot(const float *a, const float *b, int dim)
{
    float acc[16] = {0};
    int d = 0;
    for (; d + 16 <= dim; d += 16)
        for (int t = 0; t < 16; t++)
            acc[t] += a[d + t] * b[d + t];
    float s = 0;
    for (; d < dim; d++)
        s += a[d] * b[d];
    for (int t = 0; t < 16; t++)
        s += acc[t];
    return s;
}

void rn__normalise(float *x, int dim)
{
    double s = 0;
    for (int d = 0; d < dim; d++)
        s += (double)x[d] * (double)x[d];
    if (s == 0) return;
    double scale = 1;
    if (!isfinite(s)) {
        /* the squares overflowed: scale down first (values are finite) */
        double m = 0;
        for (int d = 0; d < dim; d++)
            m = fmax(m, fabs((double)x[d]));
        s = 0;
        for (int d = 0; d < dim; d++)
            s += ((double)x[d] / m) * ((double)x[d] / m);
        scale = m;
    }
    double inv = 1.0 / (scale * sqrt(s));
    for (int d = 0; d < dim; d++)
        x[d] = (float)((double)x[d] * inv);
}

int rn__check_finite(const float *v, size_t n, int dim, const char *what)
{
    size_t total = n * (size_t)dim;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(v[i]))
            return rn_fail(RN_ENAN, "%s: row %zu, column %zu is %s (must be finite)", what,
                           i / (size_t)dim + 1, i % (size_t)dim + 1,
                           isnan(v[i]) ? "nan"
                           : v[i] > 0  ? "inf"
                                       : "-inf");
    return RN_OK;
}

/* ---- parallel for ------------------------------------------------------------------------- */

/* The engine's one thread count (parallel.h: rec.threads, RECNOTE_THREADS,
 * else the cores online), at most RN__MAX_THREADS. */
int rn__threads(void)
{
    int n = rn_par_threads();
    return n > RN__MAX_THREADS ? RN__MAX_THREADS : n;
}

typedef struct {
    void (*fn)(void *ctx, int w, int n_workers);
    void *ctx;
    int w, n;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->fn(j->ctx, j->w, j->n);
    return NULL;
}

void rn__parallel(int n_workers, void (*fn)(void *ctx, int w, int n_workers), void *ctx)
{
    if (n_workers < 1) n_workers = 1;
    if (n_workers > RN__MAX_THREADS) n_workers = RN__MAX_THREADS;
    job jobs[RN__MAX_THREADS];
    pthread_t th[RN__MAX_THREADS];
    int made[RN__MAX_THREADS] = {0};
    for (int w = 1; w < n_workers; w++) {
        jobs[w] = (job){fn, ctx, w, n_workers};
        made[w] = pthread_create(&th[w], NULL, run_job, &jobs[w]) == 0;
    }
    fn(ctx, 0, n_workers);
    for (int w = 1; w < n_workers; w++)
        if (made[w])
            pthread_join(th[w], NULL);
        else
            fn(ctx, w, n_workers); /* no thread: its share runs here */
}

/* OpenBLAS's thread count (its cblas.h declares these; the engine links OpenBLAS). */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

int rn__blas_threads_begin(void)
{
    int previous = openblas_get_num_threads();
    if (previous != 1) openblas_set_num_threads(1);
    return previous;
}

void rn__blas_threads_end(int previous)
{
    if (previous != 1 && previous > 0) openblas_set_num_threads(previous);
}

/* ---- the index file ----------------------------------------------------------------------- */

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

void rn__w_bytes(rn__writer *w, const void *data, size_t n)
{
    if (w->failed || n == 0) return;
    if (n > SIZE_MAX / 2 - w->size) {
        w->failed = 1;
        return;
    }
    if (w->size + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->size + n)
            cap *= 2;
        unsigned char *p = rn_realloc(w->p, cap, "index file buffer");
        if (p == NULL) {
            w->failed = 1;
            return;
        }
        w->p = p, w->cap = cap;
    }
    memcpy(w->p + w->size, data, n);
    w->size += n;
}

void rn__w_u32(rn__writer *w, uint32_t x)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> (8 * i));
    rn__w_bytes(w, b, 4);
}

void rn__w_u64(rn__writer *w, uint64_t x)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(x >> (8 * i));
    rn__w_bytes(w, b, 8);
}

void rn__w_header(rn__writer *w, int kind, int metric, int dim, uint64_t n)
{
    rn__w_bytes(w, RN__INDEX_MAGIC, 8);
    rn__w_u32(w, (uint32_t)kind);
    rn__w_u32(w, (uint32_t)metric);
    rn__w_u32(w, (uint32_t)dim);
    rn__w_u32(w, 0);
    rn__w_u64(w, n);
}

int rn__w_finish(rn__writer *w, const char *path, const char *what)
{
    if (!w->failed) rn__w_u64(w, fnv1a(w->p, w->size));
    if (w->failed) {
        rn_free(w->p);
        return rn_fail(RN_ENOMEM, "%s: out of memory while writing %s", what, path);
    }
    char msg[AF_MSG_MAX];
    int rc = af_write_file(path, AF_FOLLOW, w->p, w->size, msg, sizeof msg);
    rn_free(w->p);
    w->p = NULL;
    if (rc != 0) return rn_fail(RN_EIO, "%s: %s", what, msg);
    return RN_OK;
}

int rn__r_fail(rn__reader *r, const char *fmt, ...)
{
    char buf[RN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!r->failed) rn_fail(RN_EPARSE, "%s: byte %zu: %s", r->path, r->off, buf);
    r->failed = 1;
    return RN_EPARSE;
}

void rn__r_bytes(rn__reader *r, void *out, size_t n, const char *what)
{
    if (r->failed || n > r->size - r->off) {
        if (!r->failed) rn__r_fail(r, "the file ends inside %s (truncated?)", what);
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p + r->off, n);
    r->off += n;
}

uint32_t rn__r_u32(rn__reader *r, const char *what)
{
    unsigned char b[4];
    rn__r_bytes(r, b, 4, what);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t rn__r_u64(rn__reader *r, const char *what)
{
    unsigned char b[8];
    rn__r_bytes(r, b, 8, what);
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | b[i];
    return x;
}

int rn__r_fits(rn__reader *r, uint64_t count, size_t size, const char *what)
{
    if (r->failed) return RN_EPARSE;
    size_t left = r->size - r->off;
    if (size != 0 && count > left / size)
        return rn__r_fail(r, "%s: %llu entries of %zu bytes, but only %zu bytes are left", what,
                          (unsigned long long)count, size, left);
    return RN_OK;
}

int rn__r_open(rn__reader *r, const char *path, int *kind, int *metric, int *dim, uint64_t *n)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    FILE *f = fopen(path, "rb");
    if (f == NULL) return rn_fail(RN_EIO, "cannot open %s: %s", path, strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return rn_fail(RN_EIO, "cannot read %s: not a regular file", path);
    }
    if ((size_t)size < RN__INDEX_HEADER + 8) {
        fclose(f);
        return rn_fail(RN_EPARSE,
                       "%s: %ld bytes is too short for an index file (header %d + "
                       "checksum 8)",
                       path, size, RN__INDEX_HEADER);
    }
    unsigned char *p = rn_malloc((size_t)size, "index file");
    if (p == NULL) {
        fclose(f);
        return RN_ENOMEM;
    }
    size_t got = fread(p, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) {
        rn_free(p);
        return rn_fail(RN_EIO, "cannot read %s: read %zu of %ld bytes", path, got, size);
    }
    r->p = p;
    r->size = (size_t)size - 8; /* the checksum is not part of the sections */
    if (memcmp(p, RN__INDEX_MAGIC, 8) != 0)
        return rn_fail(RN_EPARSE, "%s: byte 0: not a recnote index file (no RNINDEX1 magic)", path);
    r->off = 8;
    uint32_t k = rn__r_u32(r, "the header");
    uint32_t m = rn__r_u32(r, "the header");
    uint32_t d = rn__r_u32(r, "the header");
    (void)rn__r_u32(r, "the header");
    *n = rn__r_u64(r, "the header");
    if (k > RN__INDEX_FILE_IVF) {
        r->off = 8;
        return rn__r_fail(r, "unknown index kind %u (0 flat, 1 hnsw, 2 ivf)", k);
    }
    if (m > 1) {
        r->off = 12;
        return rn__r_fail(r, "unknown metric %u (0 dot, 1 cosine)", m);
    }
    if (d < 1 || d > 65536) {
        r->off = 16;
        return rn__r_fail(r, "dim %u is out of range (1..65536)", d);
    }
    uint64_t stored = 0;
    for (int i = 7; i >= 0; i--)
        stored = stored << 8 | p[r->size + (size_t)i];
    if (stored != fnv1a(p, r->size)) {
        size_t at = r->off;
        r->off = r->size;
        int rc = rn__r_fail(r,
                            "checksum mismatch: the file is damaged (its sections start at "
                            "byte %zu)",
                            at);
        return rc;
    }
    *kind = (int)k, *metric = (int)m, *dim = (int)d;
    return RN_OK;
}

int rn__r_vectors(rn__reader *r, float *v, int64_t *ids, uint64_t n, int dim)
{
    size_t at = r->off;
    rn__r_bytes(r, v, (size_t)n * (size_t)dim * sizeof *v, "the vectors");
    if (r->failed) return RN_EPARSE;
    for (size_t i = 0; i < (size_t)n * (size_t)dim; i++)
        if (!isfinite(v[i])) {
            r->off = at + i * sizeof *v;
            return rn__r_fail(r, "vector %zu, value %zu is not finite", i / (size_t)dim + 1,
                              i % (size_t)dim + 1);
        }
    at = r->off;
    for (size_t i = 0; i < (size_t)n; i++) {
        ids[i] = (int64_t)rn__r_u64(r, "the ids");
        if (!r->failed && ids[i] < 0) {
            r->off = at + i * 8;
            return rn__r_fail(r, "id %zu is negative (%lld)", i + 1, (long long)ids[i]);
        }
    }
    return r->failed ? RN_EPARSE : RN_OK;
}

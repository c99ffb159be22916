/* Embeddings: vectors with ids and labels; lookups, neighbours through
 * rn_index, a 2-D PCA projection, and the word2vec and TensorBoard files.
 * The formats and the token encoding are described in embeddings.h. */
#include "embeddings.h"

#include "alloc.h"
#include "error.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMPTY SIZE_MAX

struct rn_embeddings {
    size_t n;
    int dim;
    float *v;      /* n x dim */
    int64_t *ids;  /* n */
    char **labels; /* n, or NULL */
    /* open addressing: row numbers (EMPTY when free), n_slots a power of two >= 2n */
    size_t *id_slots, *label_slots, n_slots;
    unsigned char *repeated; /* n: this row's label also names another row */
    rn_index *ix[2];         /* built on first use, by metric */
};

/* ---- hashing ------------------------------------------------------------------------------ */

static size_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t)id + 0x9E3779B97F4A7C15u; /* splitmix64's finaliser */
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return (size_t)(x ^ (x >> 31));
}

static size_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return (size_t)h;
}

/* The slot of id: its row's slot, or the empty slot where it would go. */
static size_t id_slot(const rn_embeddings *e, int64_t id)
{
    size_t mask = e->n_slots - 1, i = hash_id(id) & mask;
    while (e->id_slots[i] != EMPTY && e->ids[e->id_slots[i]] != id)
        i = (i + 1) & mask;
    return i;
}

static size_t label_slot(const rn_embeddings *e, const char *label)
{
    size_t mask = e->n_slots - 1, i = hash_str(label) & mask;
    while (e->label_slots[i] != EMPTY && strcmp(e->labels[e->label_slots[i]], label) != 0)
        i = (i + 1) & mask;
    return i;
}

/* ---- construction ------------------------------------------------------------------------- */

void rn_emb_free(rn_embeddings *e)
{
    if (e == NULL) return;
    for (size_t i = 0; e->labels != NULL && i < e->n; i++)
        rn_free(e->labels[i]);
    rn_free(e->labels);
    rn_free(e->v), rn_free(e->ids);
    rn_free(e->id_slots), rn_free(e->label_slots), rn_free(e->repeated);
    rn_index_free(e->ix[0]), rn_index_free(e->ix[1]);
    rn_free(e);
}

/* Takes ownership of v (n x dim), ids (or NULL) and labels (or NULL) and
 * checks them; frees them on failure. The loaders build through here too. */
static rn_embeddings *emb_take(float *v, size_t n, int dim, int64_t *ids, char **labels)
{
    rn_embeddings *e = rn_calloc(1, sizeof *e, "embeddings");
    if (e == NULL) {
        rn_free(v), rn_free(ids);
        for (size_t i = 0; labels != NULL && i < n; i++)
            rn_free(labels[i]);
        rn_free(labels);
        return NULL;
    }
    e->n = n, e->dim = dim, e->v = v, e->ids = ids, e->labels = labels;
    int rc = RN_OK;
    if (ids == NULL && (e->ids = rn_malloc(n * sizeof *e->ids, "embedding ids")) != NULL)
        for (size_t i = 0; i < n; i++)
            e->ids[i] = (int64_t)i + 1; /* positions from 1, as a user counts */
    size_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    e->n_slots = slots;
    e->id_slots = rn_malloc(slots * sizeof *e->id_slots, "embedding id table");
    if (labels != NULL) {
        e->label_slots = rn_malloc(slots * sizeof *e->label_slots, "embedding label table");
        e->repeated = rn_calloc(n, 1, "embedding labels");
    }
    if (e->ids == NULL || e->id_slots == NULL ||
        (labels != NULL && (e->label_slots == NULL || e->repeated == NULL))) {
        rn_emb_free(e);
        return NULL;
    }
    memset(e->id_slots, 0xff, slots * sizeof *e->id_slots); /* EMPTY everywhere */
    for (size_t i = 0; i < n && rc == RN_OK; i++) {
        if (e->ids[i] < 0) {
            rc = rn_fail(RN_EARG, "embeddings: id of row %zu is %lld (ids must be >= 0)", i + 1,
                         (long long)e->ids[i]);
            break;
        }
        size_t s = id_slot(e, e->ids[i]);
        if (e->id_slots[s] != EMPTY)
            rc = rn_fail(RN_EARG, "embeddings: id %lld appears at rows %zu and %zu (ids must be "
                                  "unique)",
                         (long long)e->ids[i], e->id_slots[s] + 1, i + 1);
        e->id_slots[s] = i;
    }
    if (labels != NULL && rc == RN_OK) {
        memset(e->label_slots, 0xff, slots * sizeof *e->label_slots);
        for (size_t i = 0; i < n; i++) {
            size_t s = label_slot(e, labels[i]);
            if (e->label_slots[s] == EMPTY)
                e->label_slots[s] = i;
            else
                e->repeated[e->label_slots[s]] = e->repeated[i] = 1;
        }
    }
    if (rc != RN_OK) {
        rn_emb_free(e);
        return NULL;
    }
    return e;
}

static int check_sizes(size_t n, int dim, const char *what)
{
    if (n < 1 || n > RN_EMB_MAX_COUNT)
        return rn_fail(RN_EARG, "%s: %zu vectors (must be 1..%zu)", what, n, RN_EMB_MAX_COUNT);
    if (dim < 1 || dim > RN_EMB_MAX_DIM)
        return rn_fail(RN_EARG, "%s: dim %d (must be 1..%d)", what, dim, RN_EMB_MAX_DIM);
    return RN_OK;
}

rn_embeddings *rn_emb_new(const float *v, size_t n, int dim, const int64_t *ids,
                          const char *const *labels)
{
    if (check_sizes(n, dim, "embeddings")) return NULL;
    if (v == NULL) {
        rn_fail(RN_EARG, "embeddings: no vectors (NULL)");
        return NULL;
    }
    size_t total = n * (size_t)dim;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(v[i])) {
            rn_fail(RN_ENAN, "embeddings: row %zu, column %zu is %s (must be finite)",
                    i / (size_t)dim + 1, i % (size_t)dim + 1,
                    isnan(v[i]) ? "nan" : v[i] > 0 ? "inf" : "-inf");
            return NULL;
        }
    for (size_t i = 0; labels != NULL && i < n; i++) {
        if (labels[i] == NULL) {
            rn_fail(RN_EARG, "embeddings: label of row %zu is missing (NULL)", i + 1);
            return NULL;
        }
        if (strlen(labels[i]) > RN_EMB_MAX_LABEL) {
            rn_fail(RN_EARG, "embeddings: label of row %zu has %zu bytes (at most %d)", i + 1,
                    strlen(labels[i]), RN_EMB_MAX_LABEL);
            return NULL;
        }
    }
    float *cv = rn_malloc(total * sizeof *cv, "embedding vectors");
    int64_t *cid = ids ? rn_malloc(n * sizeof *cid, "embedding ids") : NULL;
    char **cl = labels ? rn_calloc(n, sizeof *cl, "embedding labels") : NULL;
    int fail = cv == NULL || (ids && cid == NULL) || (labels && cl == NULL);
    for (size_t i = 0; !fail && labels != NULL && i < n; i++)
        fail = (cl[i] = rn_strdup(labels[i])) == NULL;
    if (fail) {
        for (size_t i = 0; cl != NULL && i < n; i++)
            rn_free(cl[i]);
        rn_free(cl), rn_free(cv), rn_free(cid);
        return NULL;
    }
    memcpy(cv, v, total * sizeof *cv);
    if (ids) memcpy(cid, ids, n * sizeof *cid);
    return emb_take(cv, n, dim, cid, cl);
}

size_t rn_emb_count(const rn_embeddings *e)
{
    return e->n;
}
int rn_emb_dim(const rn_embeddings *e)
{
    return e->dim;
}
const float *rn_emb_vectors(const rn_embeddings *e)
{
    return e->v;
}
int64_t rn_emb_id(const rn_embeddings *e, size_t row)
{
    return row < e->n ? e->ids[row] : -1;
}
int rn_emb_has_labels(const rn_embeddings *e)
{
    return e->labels != NULL;
}
const char *rn_emb_label(const rn_embeddings *e, size_t row)
{
    return e->labels != NULL && row < e->n ? e->labels[row] : NULL;
}

/* ---- lookups ------------------------------------------------------------------------------ */

int rn_emb_find_id(const rn_embeddings *e, int64_t id, size_t *row)
{
    size_t r = e->id_slots[id_slot(e, id)];
    if (r == EMPTY) return rn_fail(RN_EARG, "embeddings: no vector has id %lld", (long long)id);
    *row = r;
    return RN_OK;
}

/* Levenshtein distance of a and b, or limit + 1 once it must exceed limit
 * (two rows of at most 256 + 1 entries; longer strings are not compared). */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 256 || lb > 256) return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit) return limit + 1;
    size_t prev[257], cur[257];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (cur[j] < best) best = cur[j];
        }
        if (best > limit) return limit + 1;
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive (ASCII) prefix test. */
static int starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (ascii_lower((unsigned char)*s) != ascii_lower((unsigned char)*prefix)) return 0;
    return 1;
}

int rn_emb_find_label(const rn_embeddings *e, const char *label, size_t *row)
{
    if (e->labels == NULL)
        return rn_fail(RN_EARG, "embeddings: no labels (find a vector by its id)");
    size_t r = e->label_slots[label_slot(e, label)];
    if (r != EMPTY && !e->repeated[r]) {
        *row = r;
        return RN_OK;
    }
    if (r != EMPTY) { /* the label names several rows: say which */
        char ids[160];
        size_t len = 0, count = 0;
        for (size_t i = 0; i < e->n; i++) {
            if (strcmp(e->labels[i], label) != 0) continue;
            if (count++ < 4 && len < sizeof ids)
                len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%lld", count > 1 ? ", " : "",
                                        (long long)e->ids[i]);
        }
        return rn_fail(RN_EARG, "embeddings: label '%s' names %zu vectors (ids %s%s): use an id",
                       label, count, ids, count > 4 ? ", ..." : "");
    }
    /* not found: suggest labels that start with it (case aside), else a near spelling */
    char hint[400] = "";
    size_t len = 0, found = 0;
    for (size_t i = 0; i < e->n && found < 3; i++)
        if (label[0] && starts_with_ci(e->labels[i], label)) {
            int w = snprintf(hint + len, sizeof hint - len, "%s'%s'", found ? ", " : "",
                             e->labels[i]);
            if (w < 0 || (size_t)w >= sizeof hint - len) break;
            len += (size_t)w, found++;
        }
    if (found == 0) {
        size_t limit = strlen(label) / 4 + 1, best = limit + 1, best_row = 0;
        for (size_t i = 0; i < e->n && best > 0; i++) {
            size_t d = edit_distance(label, e->labels[i], best - 1 < limit ? best - 1 : limit);
            if (d < best) best = d, best_row = i;
        }
        if (best <= limit) snprintf(hint, sizeof hint, "'%s'", e->labels[best_row]);
    }
    if (hint[0]) return rn_fail(RN_EARG, "embeddings: no label '%s' (did you mean %s?)", label, hint);
    return rn_fail(RN_EARG, "embeddings: no label '%s'", label);
}

/* ---- neighbours --------------------------------------------------------------------------- */

static rn_index *index_for(rn_embeddings *e, int metric)
{
    if (metric != RN_INDEX_DOT && metric != RN_INDEX_COSINE) {
        rn_fail(RN_EARG, "embeddings: unknown metric %d (dot or cosine)", metric);
        return NULL;
    }
    if (e->ix[metric] != NULL) return e->ix[metric];
    rn_index *ix = rn_index_new(e->dim, metric);
    if (ix == NULL) return NULL;
    /* the embeddings' ids, so that the index breaks ties by id */
    if (rn_index_add(ix, e->v, e->n, e->dim, e->ids) != RN_OK) {
        rn_index_free(ix);
        return NULL;
    }
    return e->ix[metric] = ix;
}

/* Searches one query for k results into rows / scores; returns the count.
 * skip: a row to leave out (the query's own), or EMPTY. */
static int search_rows(rn_embeddings *e, const float *q, int k, int metric, size_t skip,
                       size_t *rows, float *scores)
{
    if (k < 1) return rn_fail(RN_EARG, "embeddings: k must be at least 1, got %d", k);
    rn_index *ix = index_for(e, metric);
    if (ix == NULL) return rn_error_code();
    /* one more than asked when the query's own row is to be left out */
    size_t want = (size_t)k + (skip != EMPTY);
    if (want > e->n) want = e->n;
    int64_t *ids = rn_malloc(want * sizeof *ids, "neighbour ids");
    float *sc = rn_malloc(want * sizeof *sc, "neighbour scores");
    if (ids == NULL || sc == NULL) {
        rn_free(ids), rn_free(sc);
        return RN_ENOMEM;
    }
    int rc = rn_index_search(ix, q, 1, e->dim, (int)want, ids, sc);
    int m = 0;
    for (size_t j = 0; rc == RN_OK && j < want && m < k; j++) {
        size_t r = e->id_slots[id_slot(e, ids[j])];
        if (r == skip) continue;
        rows[m] = r, scores[m] = sc[j];
        m++;
    }
    rn_free(ids), rn_free(sc);
    return rc != RN_OK ? rc : m;
}

int rn_emb_neighbors(rn_embeddings *e, size_t row, int k, int metric, size_t *rows,
                     float *scores)
{
    if (row >= e->n)
        return rn_fail(RN_EARG, "embeddings: row %zu does not exist (there are %zu)", row + 1,
                       e->n);
    if (e->n == 1) {
        if (k < 1) return rn_fail(RN_EARG, "embeddings: k must be at least 1, got %d", k);
        return 0; /* a single vector has no neighbours */
    }
    return search_rows(e, e->v + row * (size_t)e->dim, k, metric, row, rows, scores);
}

int rn_emb_search(rn_embeddings *e, const float *v, int dim, int k, int metric, size_t *rows,
                  float *scores)
{
    if (dim != e->dim)
        return rn_fail(RN_ESHAPE, "embeddings search: a vector of dim %d, the embeddings have dim %d",
                       dim, e->dim);
    return search_rows(e, v, k, metric, EMPTY, rows, scores);
}

/* ---- PCA ---------------------------------------------------------------------------------- */

/* Eigen-decomposition of the symmetric m x m matrix a (destroyed) by cyclic
 * Jacobi rotations: eigenvalues into w, eigenvectors as the columns of V
 * (m x m, row-major). Converges quadratically; stops when the off-diagonal
 * mass is below 1e-22 of the total or after 100 sweeps. */
static void jacobi_eigen(double *a, int m, double *w, double *V)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            V[(size_t)i * m + j] = i == j;
    double total = 0;
    for (size_t i = 0; i < (size_t)m * m; i++)
        total += a[i] * a[i];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++)
                off += a[(size_t)p * m + q] * a[(size_t)p * m + q];
        if (off <= 1e-22 * total || off == 0) break;
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++) {
                double apq = a[(size_t)p * m + q];
                if (apq == 0) continue;
                double app = a[(size_t)p * m + p], aqq = a[(size_t)q * m + q];
                /* the rotation that zeroes a[p][q] (Numerical Recipes, 11.1) */
                double theta = (aqq - app) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int r = 0; r < m; r++) { /* columns p and q */
                    double arp = a[(size_t)r * m + p], arq = a[(size_t)r * m + q];
                    a[(size_t)r * m + p] = c * arp - s * arq;
                    a[(size_t)r * m + q] = s * arp + c * arq;
                }
                for (int r = 0; r < m; r++) { /* rows p and q */
                    double apr = a[(size_t)p * m + r], aqr = a[(size_t)q * m + r];
                    a[(size_t)p * m + r] = c * apr - s * aqr;
                    a[(size_t)q * m + r] = s * apr + c * aqr;
                }
                for (int r = 0; r < m; r++) {
                    double vrp = V[(size_t)r * m + p], vrq = V[(size_t)r * m + q];
                    V[(size_t)r * m + p] = c * vrp - s * vrq;
                    V[(size_t)r * m + q] = s * vrp + c * vrq;
                }
            }
    }
    for (int i = 0; i < m; i++)
        w[i] = a[(size_t)i * m + i];
}

/* Makes the p columns of Q (d x p, row-major) orthonormal: Gram-Schmidt
 * applied twice ("twice is enough", Giraud et al. 2005), and a column that
 * vanishes against the others (C of rank below p) replaced by a fixed unit
 * vector and orthogonalised again, so Q^T Q = I always holds. */
static void orthonormalise(double *Q, int d, int p)
{
    for (int j = 0; j < p; j++) {
        for (int attempt = 0; attempt < d + 1; attempt++) {
            double before = 0;
            for (int i = 0; i < d; i++)
                before += Q[(size_t)i * p + j] * Q[(size_t)i * p + j];
            for (int pass = 0; pass < 2; pass++)
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++)
                        dot += Q[(size_t)i * p + j] * Q[(size_t)i * p + k];
                    for (int i = 0; i < d; i++)
                        Q[(size_t)i * p + j] -= dot * Q[(size_t)i * p + k];
                }
            double nrm = 0;
            for (int i = 0; i < d; i++)
                nrm += Q[(size_t)i * p + j] * Q[(size_t)i * p + j];
            if (nrm > 1e-20 * before && nrm > 0) {
                nrm = sqrt(nrm);
                for (int i = 0; i < d; i++)
                    Q[(size_t)i * p + j] /= nrm;
                break;
            }
            for (int i = 0; i < d; i++) /* lost: start again from a unit vector */
                Q[(size_t)i * p + j] = i == (j + attempt * 7) % d;
        }
    }
}

/* The two leading eigenvectors of the symmetric d x d matrix C into u (2 x d),
 * eigenvalues into lam. Jacobi on C itself for d <= 256, else subspace
 * iteration on p = 10 vectors with a Rayleigh-Ritz step (Jacobi on p x p). */
static int top2_eigen(const double *C, int d, double *u, double lam[2])
{
    int p = d <= 256 ? d : 10;
    double *a = rn_malloc((size_t)p * p * sizeof *a, "PCA");
    double *V = rn_malloc((size_t)p * p * sizeof *V, "PCA");
    double *w = rn_malloc((size_t)p * sizeof *w, "PCA");
    double *Q = d > 256 ? rn_malloc((size_t)d * p * sizeof *Q, "PCA") : NULL;
    double *Z = d > 256 ? rn_malloc((size_t)d * p * sizeof *Z, "PCA") : NULL;
    if (!a || !V || !w || (d > 256 && (!Q || !Z))) {
        rn_free(a), rn_free(V), rn_free(w), rn_free(Q), rn_free(Z);
        return RN_ENOMEM;
    }
    if (d <= 256) {
        memcpy(a, C, (size_t)d * d * sizeof *a);
        jacobi_eigen(a, d, w, V);
    } else {
        /* Q (d x p, orthonormal columns): start from a fixed uneven basis */
        for (int i = 0; i < d; i++)
            for (int j = 0; j < p; j++)
                Q[(size_t)i * p + j] = (i % p == j) + 1e-3 * (double)((i * 7 + j * 13) % 17);
        double prev = -1;
        for (int it = 0; it < 500; it++) {
            orthonormalise(Q, d, p);
            /* Z = C Q; a = Q^T Z (p x p); its eigenvectors rotate Q */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, p, d, 1.0, C, d, Q, p, 0.0,
                        Z, p);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, p, d, 1.0, Q, p, Z, p, 0.0, a,
                        p);
            jacobi_eigen(a, p, w, V);
            /* next Q = Z (the power step), which the loop orthonormalises */
            memcpy(Q, Z, (size_t)d * p * sizeof *Q);
            /* converged when the two largest Ritz values stop moving */
            double w1 = -INFINITY, w2 = -INFINITY;
            for (int j = 0; j < p; j++)
                if (w[j] > w1)
                    w2 = w1, w1 = w[j];
                else if (w[j] > w2)
                    w2 = w[j];
            double s = w1 + w2;
            if (fabs(s - prev) <= 1e-12 * fabs(s) && it > 2) break;
            prev = s;
        }
        /* the Ritz vectors: orthonormalise the last power step, redo the small
         * problem, and rotate Q by its eigenvectors (below) */
        orthonormalise(Q, d, p);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, p, d, 1.0, C, d, Q, p, 0.0, Z,
                    p);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, p, d, 1.0, Q, p, Z, p, 0.0, a, p);
        jacobi_eigen(a, p, w, V);
    }
    /* the two largest eigenvalues and their vectors (in the original space) */
    int i1 = 0;
    for (int j = 1; j < p; j++)
        if (w[j] > w[i1]) i1 = j;
    int i2 = i1 == 0 ? 1 : 0;
    for (int j = 0; j < p; j++)
        if (j != i1 && w[j] > w[i2]) i2 = j;
    if (p == 1) i2 = -1;
    int pick[2] = {i1, i2};
    for (int c = 0; c < 2; c++) {
        double *uc = u + (size_t)c * d;
        lam[c] = pick[c] >= 0 ? w[pick[c]] : 0;
        for (int i = 0; i < d; i++) {
            if (pick[c] < 0) {
                uc[i] = 0;
            } else if (d <= 256) {
                uc[i] = V[(size_t)i * p + pick[c]];
            } else {
                double s = 0;
                for (int j = 0; j < p; j++)
                    s += Q[(size_t)i * p + j] * V[(size_t)j * p + pick[c]];
                uc[i] = s;
            }
        }
        /* sign: the largest coordinate (in absolute value) positive */
        int big = 0;
        for (int i = 1; i < d; i++)
            if (fabs(uc[i]) > fabs(uc[big])) big = i;
        if (uc[big] < 0)
            for (int i = 0; i < d; i++)
                uc[i] = -uc[i];
    }
    rn_free(a), rn_free(V), rn_free(w), rn_free(Q), rn_free(Z);
    return RN_OK;
}

int rn_emb_pca2(const rn_embeddings *e, float *xy, double explained[2])
{
    size_t n = e->n;
    int d = e->dim;
    enum { CHUNK = 512 };
    double *mean = rn_calloc((size_t)d, sizeof *mean, "PCA mean");
    double *C = rn_calloc((size_t)d * d, sizeof *C, "PCA covariance");
    double *X = rn_malloc((size_t)CHUNK * d * sizeof *X, "PCA rows");
    double *u = rn_malloc(2 * (size_t)d * sizeof *u, "PCA axes");
    if (!mean || !C || !X || !u) {
        rn_free(mean), rn_free(C), rn_free(X), rn_free(u);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            mean[j] += (double)e->v[i * (size_t)d + j];
    for (int j = 0; j < d; j++)
        mean[j] /= (double)n;
    /* C = sum of centred outer products, chunk by chunk (dsyrk: upper triangle) */
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        for (size_t i = 0; i < m; i++)
            for (int j = 0; j < d; j++)
                X[i * (size_t)d + j] = (double)e->v[(i0 + i) * (size_t)d + j] - mean[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, (int)m, 1.0, X, d, 1.0, C, d);
    }
    double trace = 0;
    for (int a = 0; a < d; a++) {
        for (int b = a + 1; b < d; b++)
            C[(size_t)b * d + a] = C[(size_t)a * d + b];
        trace += C[(size_t)a * d + a];
    }
    double lam[2] = {0, 0};
    int rc = RN_OK;
    if (trace > 0) {
        rc = top2_eigen(C, d, u, lam);
    } else { /* all vectors equal: every axis explains nothing */
        for (size_t i = 0; i < 2 * (size_t)d; i++)
            u[i] = 0;
    }
    if (rc == RN_OK) {
        for (size_t i = 0; i < n; i++) {
            double a = 0, b = 0;
            for (int j = 0; j < d; j++) {
                double x = (double)e->v[i * (size_t)d + j] - mean[j];
                a += x * u[j], b += x * u[d + j];
            }
            xy[2 * i] = (float)a, xy[2 * i + 1] = (float)b;
        }
        explained[0] = trace > 0 ? fmax(lam[0], 0) / trace : 0;
        explained[1] = trace > 0 ? fmax(lam[1], 0) / trace : 0;
    }
    rn_free(mean), rn_free(C), rn_free(X), rn_free(u);
    return rc;
}

/* ---- tokens ------------------------------------------------------------------------------- */

static const char hexd[] = "0123456789ABCDEF";

int rn_emb_encode_token(const char *label, char *out, size_t size)
{
    if (label[0] == '\0') return -1;
    size_t len = 0;
    for (const unsigned char *s = (const unsigned char *)label; *s; s++) {
        char buf[3];
        size_t m = 1;
        if (*s == ' ')
            buf[0] = '_';
        else if (*s == '_' || *s == '%' || *s < 0x20 || *s == 0x7f)
            buf[0] = '%', buf[1] = hexd[*s >> 4], buf[2] = hexd[*s & 15], m = 3;
        else
            buf[0] = (char)*s;
        for (size_t j = 0; j < m; j++, len++)
            if (len + 1 < size) out[len] = buf[j];
    }
    if (size > 0) out[len < size ? len : size - 1] = '\0';
    return (int)len;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

int rn_emb_decode_token(const char *token, char *out, size_t size)
{
    size_t len = 0;
    for (const char *s = token; *s; s++) {
        char c = *s;
        if (c == '_') {
            c = ' ';
        } else if (c == '%' && hexval((unsigned char)s[1]) >= 0 && hexval((unsigned char)s[2]) >= 0 &&
                   (hexval((unsigned char)s[1]) | hexval((unsigned char)s[2])) != 0) {
            c = (char)(hexval((unsigned char)s[1]) * 16 + hexval((unsigned char)s[2]));
            s += 2;
        }
        if (len + 1 < size) out[len] = c;
        len++;
    }
    if (size > 0) out[len < size ? len : size - 1] = '\0';
    return (int)len;
}

/* ---- atomic files ------------------------------------------------------------------------- */

typedef struct {
    FILE *f;
    char *tmp;
    const char *path;
} atomic_file;

/* Opens a unique temporary file beside path (mkstemp), readable as a plain
 * file would be (0666 less the umask). */
static int atomic_open(atomic_file *a, const char *path, const char *what)
{
    size_t len = strlen(path);
    a->path = path, a->f = NULL;
    a->tmp = rn_malloc(len + 8, "file name");
    if (a->tmp == NULL) return RN_ENOMEM;
    memcpy(a->tmp, path, len);
    memcpy(a->tmp + len, ".XXXXXX", 8);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        int rc = rn_fail(RN_EIO, "%s %s: cannot create a file beside it: %s", what, path,
                         strerror(errno));
        rn_free(a->tmp);
        a->tmp = NULL;
        return rc;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    a->f = fdopen(fd, "wb");
    if (a->f == NULL) {
        int rc = rn_fail(RN_EIO, "%s %s: %s", what, path, strerror(errno));
        close(fd);
        remove(a->tmp);
        rn_free(a->tmp);
        a->tmp = NULL;
        return rc;
    }
    return RN_OK;
}

/* Flushes, syncs and closes; renames over the target when ok (and nothing
 * failed on the way), else removes the temporary file. */
static int atomic_close(atomic_file *a, int ok, int rename_now, const char *what)
{
    int rc = RN_OK;
    if (a->f != NULL) {
        int err = 0;
        if (!ok || ferror(a->f)) err = errno ? errno : EIO;
        if (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) err = errno;
        if (fclose(a->f) != 0 && !err) err = errno;
        a->f = NULL;
        if (err || !ok) {
            rc = rn_fail(RN_EIO, "%s %s: write failed: %s", what, a->path, strerror(err ? err : EIO));
            remove(a->tmp);
        } else if (rename_now && rename(a->tmp, a->path) != 0) {
            rc = rn_fail(RN_EIO, "%s %s: %s", what, a->path, strerror(errno));
            remove(a->tmp);
        }
    }
    if (rc != RN_OK || rename_now) {
        rn_free(a->tmp);
        a->tmp = NULL;
    }
    return rc;
}

/* The token of row i: its encoded label, or its id. */
static int write_token(FILE *f, const rn_embeddings *e, size_t i, char *buf, size_t size)
{
    if (e->labels == NULL) return fprintf(f, "%lld", (long long)e->ids[i]) > 0;
    int len = rn_emb_encode_token(e->labels[i], buf, size);
    return len > 0 && fwrite(buf, 1, (size_t)len, f) == (size_t)len;
}

int rn_emb_save_word2vec(const rn_embeddings *e, const char *path, int binary)
{
    const char *what = binary ? "save word2vec binary" : "save word2vec";
    for (size_t i = 0; e->labels != NULL && i < e->n; i++)
        if (e->labels[i][0] == '\0')
            return rn_fail(RN_EARG, "%s %s: the label of row %zu (id %lld) is empty: a word2vec "
                                    "token cannot be",
                           what, path, i + 1, (long long)e->ids[i]);
    size_t bsize = 3 * RN_EMB_MAX_LABEL + 1;
    char *buf = rn_malloc(bsize, "token");
    if (buf == NULL) return RN_ENOMEM;
    atomic_file a;
    int rc = atomic_open(&a, path, what);
    if (rc) {
        rn_free(buf);
        return rc;
    }
    int ok = fprintf(a.f, "%zu %d\n", e->n, e->dim) > 0;
    for (size_t i = 0; ok && i < e->n; i++) {
        const float *x = e->v + i * (size_t)e->dim;
        ok = write_token(a.f, e, i, buf, bsize);
        if (binary) {
            ok = ok && fputc(' ', a.f) != EOF;
            for (int j = 0; ok && j < e->dim; j++) {
                uint32_t bits;
                memcpy(&bits, &x[j], 4);
                unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8),
                                       (unsigned char)(bits >> 16), (unsigned char)(bits >> 24)};
                ok = fwrite(le, 1, 4, a.f) == 4;
            }
        } else {
            for (int j = 0; ok && j < e->dim; j++)
                ok = fprintf(a.f, " %.9g", (double)x[j]) > 0;
        }
        ok = ok && fputc('\n', a.f) != EOF;
    }
    rn_free(buf);
    return atomic_close(&a, ok, 1, what);
}

/* A TSV label: '\\', tab, newline, CR escaped. */
static int write_tsv_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n"
                          : *s == '\r'                     ? "\\r"
                                                           : NULL;
        if (esc ? fputs(esc, f) == EOF : fputc(*s, f) == EOF) return 0;
    }
    return 1;
}

int rn_emb_save_tsv(const rn_embeddings *e, const char *vectors_path, const char *metadata_path)
{
    const char *what = "save tsv";
    atomic_file a, b;
    int rc = atomic_open(&a, vectors_path, what);
    if (rc) return rc;
    int ok = 1;
    for (size_t i = 0; ok && i < e->n; i++) {
        const float *x = e->v + i * (size_t)e->dim;
        for (int j = 0; ok && j < e->dim; j++)
            ok = fprintf(a.f, j ? "\t%.9g" : "%.9g", (double)x[j]) > 0;
        ok = ok && fputc('\n', a.f) != EOF;
    }
    if ((rc = atomic_close(&a, ok, 0, what)) != RN_OK) return rc;
    if (metadata_path != NULL) {
        if ((rc = atomic_open(&b, metadata_path, what)) != RN_OK) {
            remove(a.tmp);
            rn_free(a.tmp);
            return rc;
        }
        ok = e->labels == NULL || fputs("id\tlabel\n", b.f) != EOF;
        for (size_t i = 0; ok && i < e->n; i++) {
            ok = fprintf(b.f, "%lld", (long long)e->ids[i]) > 0;
            if (e->labels != NULL)
                ok = ok && fputc('\t', b.f) != EOF && write_tsv_label(b.f, e->labels[i]);
            ok = ok && fputc('\n', b.f) != EOF;
        }
        if ((rc = atomic_close(&b, ok, 0, what)) != RN_OK) {
            remove(a.tmp);
            rn_free(a.tmp);
            return rc;
        }
    }
    /* both written: move them into place */
    if (rename(a.tmp, vectors_path) != 0) {
        rc = rn_fail(RN_EIO, "%s %s: %s", what, vectors_path, strerror(errno));
        remove(a.tmp);
        if (metadata_path != NULL) remove(b.tmp);
    } else if (metadata_path != NULL && rename(b.tmp, metadata_path) != 0) {
        rc = rn_fail(RN_EIO, "%s %s: %s", what, metadata_path, strerror(errno));
        remove(b.tmp);
    }
    rn_free(a.tmp);
    if (metadata_path != NULL) rn_free(b.tmp);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

#define MAX_LINE ((size_t)64 << 20) /* a text line; far above dim 65536 x 20 bytes + a token */

/* A line reader through the allocation hook: line() returns the next line
 * without its '\n' (and '\r'), NULL at the end or on error (rd->rc). */
typedef struct {
    FILE *f;
    const char *path;
    char *buf;
    size_t cap, len;
    long line; /* 1-based number of the line last returned */
    int rc;
} reader;

static char *next_line(reader *rd)
{
    rd->len = 0;
    int c;
    while ((c = getc(rd->f)) != EOF && c != '\n') {
        if (rd->len + 2 > rd->cap) {
            if (rd->cap >= MAX_LINE) {
                rd->rc = rn_fail(RN_EPARSE, "%s:%ld: line longer than %zu bytes", rd->path,
                                 rd->line + 1, MAX_LINE);
                return NULL;
            }
            size_t cap = rd->cap ? rd->cap * 2 : 4096;
            char *nb = rn_realloc(rd->buf, cap, "line");
            if (nb == NULL) {
                rd->rc = RN_ENOMEM;
                return NULL;
            }
            rd->buf = nb, rd->cap = cap;
        }
        if (c == '\0') {
            rd->rc = rn_fail(RN_EPARSE, "%s:%ld: a NUL byte (is this a binary file?)", rd->path,
                             rd->line + 1);
            return NULL;
        }
        rd->buf[rd->len++] = (char)c;
    }
    if (c == EOF && rd->len == 0) {
        if (ferror(rd->f)) rd->rc = rn_fail(RN_EIO, "%s: read error", rd->path);
        return NULL;
    }
    rd->line++;
    if (rd->len > 0 && rd->buf[rd->len - 1] == '\r') rd->len--;
    if (rd->buf == NULL) { /* an empty first line */
        rd->buf = rn_malloc(16, "line");
        if (rd->buf == NULL) {
            rd->rc = RN_ENOMEM;
            return NULL;
        }
        rd->cap = 16;
    }
    rd->buf[rd->len] = '\0';
    return rd->buf;
}

/* Parses one decimal float at *s (no hex, nan or inf words), advancing *s. */
static int parse_float(char **s, float *out)
{
    char *p = *s;
    if (!(*p == '-' || *p == '+' || *p == '.' || (*p >= '0' && *p <= '9'))) return 0;
    if ((p[0] == '0' || ((p[0] == '-' || p[0] == '+') && p[1] == '0')) &&
        (p[p[0] == '0' ? 1 : 2] == 'x' || p[p[0] == '0' ? 1 : 2] == 'X'))
        return 0;
    char *end;
    errno = 0;
    float v = strtof(p, &end);
    if (end == p || !isfinite(v)) return 0;
    *out = v, *s = end;
    return 1;
}

static FILE *open_input(const char *path, const char *what, long long *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rn_fail(RN_EIO, "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rn_fail(RN_EIO, "%s %s: not a regular file", what, path);
        fclose(f);
        return NULL;
    }
    *size = (long long)st.st_size;
    return f;
}

/* Canonical decimal integer >= 0 without leading zeros, fitting int64. */
static int parse_id(const char *s, int64_t *out)
{
    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0')) return 0;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        int dgt = *s - '0';
        if (v > (INT64_MAX - dgt) / 10) return 0;
        v = v * 10 + dgt;
    }
    *out = v;
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void free_tokens(char **tokens, size_t n)
{
    for (size_t i = 0; tokens != NULL && i < n; i++)
        rn_free(tokens[i]);
    rn_free(tokens);
}

/* Undoes the TSV escapes \\\\ \\t \\n \\r in place. */
static void unescape_tsv(char *t)
{
    char *w = t;
    for (char *r = t; *r; r++) {
        if (*r == '\\' && (r[1] == '\\' || r[1] == 't' || r[1] == 'n' || r[1] == 'r')) {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : '\\';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Turns n tokens (owned, like v) into ids or labels (see embeddings.h) and
 * builds the embeddings. decode: undo the word2vec token encoding; tsv: undo
 * the TSV escapes instead. path names the file in errors. */
static rn_embeddings *finish(const char *path, float *v, size_t n, int dim, char **tokens,
                             int decode, int tsv)
{
    int64_t *ids = rn_malloc(n * sizeof *ids, "embedding ids");
    int64_t *sorted = rn_malloc(n * sizeof *sorted, "embedding ids");
    if (ids == NULL || sorted == NULL) {
        rn_free(ids), rn_free(sorted), rn_free(v);
        free_tokens(tokens, n);
        return NULL;
    }
    int all_ids = 1;
    for (size_t i = 0; all_ids && i < n; i++)
        all_ids = parse_id(tokens[i], &ids[i]);
    if (all_ids) { /* and no two equal */
        memcpy(sorted, ids, n * sizeof *ids);
        qsort(sorted, n, sizeof *sorted, cmp_i64);
        for (size_t i = 1; all_ids && i < n; i++)
            all_ids = sorted[i] != sorted[i - 1];
    }
    rn_free(sorted);
    if (all_ids) {
        free_tokens(tokens, n);
        return emb_take(v, n, dim, ids, NULL);
    }
    rn_free(ids);
    for (size_t i = 0; i < n; i++) {
        char *t = tokens[i];
        if (tsv) {
            unescape_tsv(t);
        } else if (decode) { /* decoding only shortens: in place */
            rn_emb_decode_token(t, t, strlen(t) + 1);
        }
        if (strlen(t) > RN_EMB_MAX_LABEL) {
            rn_fail(RN_EPARSE, "%s: the label of vector %zu has %zu bytes (at most %d)", path,
                    i + 1, strlen(t), RN_EMB_MAX_LABEL);
            rn_free(v);
            free_tokens(tokens, n);
            return NULL;
        }
    }
    return emb_take(v, n, dim, NULL, tokens);
}

/* The header "n dim": checked against the file's size before anything is
 * allocated (each vector needs at least min_row(dim) bytes). */
static int read_header(reader *rd, long long file_size, size_t per_value, size_t *n, int *dim)
{
    char *line = next_line(rd);
    if (line == NULL)
        return rd->rc ? rd->rc : rn_fail(RN_EPARSE, "%s:1: empty file (expected \"n dim\")", rd->path);
    char *p = line, *end;
    long long nn, dd;
    errno = 0;
    nn = strtoll(p, &end, 10);
    if (end == p || *end != ' ' || errno)
        return rn_fail(RN_EPARSE, "%s:1: expected the header \"n dim\", got \"%.40s\"", rd->path,
                       line);
    p = end + 1;
    dd = strtoll(p, &end, 10);
    while (*end == ' ')
        end++;
    if (end == p || *end != '\0' || errno)
        return rn_fail(RN_EPARSE, "%s:1: expected the header \"n dim\", got \"%.40s\"", rd->path,
                       line);
    if (dd < 1 || dd > RN_EMB_MAX_DIM)
        return rn_fail(RN_EPARSE, "%s:1: dim %lld (must be 1..%d)", rd->path, dd, RN_EMB_MAX_DIM);
    if (nn < 1 || (unsigned long long)nn > RN_EMB_MAX_COUNT)
        return rn_fail(RN_EPARSE, "%s:1: %lld vectors (must be 1..%zu)", rd->path, nn,
                       RN_EMB_MAX_COUNT);
    /* a row needs a token byte, a separator and per_value bytes per value */
    double need = (double)nn * (2.0 + (double)per_value * (double)dd);
    if (need > (double)file_size)
        return rn_fail(RN_EPARSE, "%s:1: the header promises %lld vectors of dim %lld, more than "
                                  "the file's %lld bytes can hold",
                       rd->path, nn, dd, file_size);
    *n = (size_t)nn, *dim = (int)dd;
    return RN_OK;
}

static rn_embeddings *load_text(reader *rd, long long size, int flags)
{
    size_t n;
    int dim;
    if (read_header(rd, size, 2, &n, &dim) != RN_OK) return NULL;
    float *v = rn_malloc(n * (size_t)dim * sizeof *v, "embedding vectors");
    char **tokens = rn_calloc(n, sizeof *tokens, "embedding tokens");
    int rc = v && tokens ? RN_OK : RN_ENOMEM;
    size_t i = 0;
    for (; rc == RN_OK && i < n; i++) {
        char *line = next_line(rd);
        if (line == NULL) {
            rc = rd->rc ? rd->rc
                        : rn_fail(RN_EPARSE, "%s:%ld: the file ends after %zu of %zu vectors",
                                  rd->path, rd->line, i, n);
            break;
        }
        char *sp = strchr(line, ' ');
        if (sp == NULL || sp == line) {
            rc = rn_fail(RN_EPARSE, "%s:%ld: expected a token then %d numbers", rd->path, rd->line,
                         dim);
            break;
        }
        *sp = '\0';
        if ((size_t)(sp - line) > 3 * (size_t)RN_EMB_MAX_LABEL) {
            rc = rn_fail(RN_EPARSE, "%s:%ld: a token of %zu bytes (at most %d)", rd->path,
                         rd->line, (size_t)(sp - line), 3 * RN_EMB_MAX_LABEL);
            break;
        }
        if ((tokens[i] = rn_strdup(line)) == NULL) {
            rc = RN_ENOMEM;
            break;
        }
        char *p = sp + 1;
        for (int j = 0; j < dim && rc == RN_OK; j++) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!parse_float(&p, &v[i * (size_t)dim + j]) ||
                (*p != ' ' && *p != '\t' && *p != '\0'))
                rc = rn_fail(RN_EPARSE, "%s:%ld: value %d of '%s' is not a finite number: \"%.20s\"",
                             rd->path, rd->line, j + 1, line, *p ? p : "(end of line)");
        }
        while (rc == RN_OK && (*p == ' ' || *p == '\t'))
            p++;
        if (rc == RN_OK && *p != '\0')
            rc = rn_fail(RN_EPARSE, "%s:%ld: more than %d numbers after '%s'", rd->path, rd->line,
                         dim, line);
    }
    /* trailing blank lines only */
    char *extra;
    while (rc == RN_OK && (extra = next_line(rd)) != NULL)
        if (extra[strspn(extra, " \t")] != '\0')
            rc = rn_fail(RN_EPARSE, "%s:%ld: more vectors than the %zu the header announces",
                         rd->path, rd->line, n);
    if (rc == RN_OK && rd->rc) rc = rd->rc;
    if (rc != RN_OK) {
        rn_free(v);
        free_tokens(tokens, n);
        return NULL;
    }
    return finish(rd->path, v, n, dim, tokens, !(flags & RN_EMB_RAW_TOKENS), 0);
}

static rn_embeddings *load_binary(reader *rd, long long size, int flags)
{
    size_t n;
    int dim;
    if (read_header(rd, size, 4, &n, &dim) != RN_OK) return NULL;
    float *v = rn_malloc(n * (size_t)dim * sizeof *v, "embedding vectors");
    char **tokens = rn_calloc(n, sizeof *tokens, "embedding tokens");
    size_t cap = 3 * (size_t)RN_EMB_MAX_LABEL + 1;
    char *tok = rn_malloc(cap, "token");
    unsigned char *raw = rn_malloc((size_t)dim * 4, "vector bytes");
    int rc = v && tokens && tok && raw ? RN_OK : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        int c;
        while ((c = getc(rd->f)) == '\n' || c == '\r' || c == ' ' || c == '\t')
            ;
        long long at = (long long)ftell(rd->f) - 1;
        size_t len = 0;
        while (c != EOF && c != ' ' && c != '\n' && len < cap - 1) {
            tok[len++] = (char)c;
            c = getc(rd->f);
        }
        if (c != ' ' || len == 0) {
            rc = rn_fail(RN_EPARSE, "%s: vector %zu (byte %lld): %s", rd->path, i + 1, at,
                         c == EOF    ? "the file ends before its token and values"
                         : c == '\n' ? "a token without values"
                                     : "a token longer than the limit");
            break;
        }
        tok[len] = '\0';
        if (memchr(tok, '\0', len) != NULL) {
            rc = rn_fail(RN_EPARSE, "%s: vector %zu (byte %lld): a NUL byte in its token",
                         rd->path, i + 1, at);
            break;
        }
        if ((tokens[i] = rn_strdup(tok)) == NULL) {
            rc = RN_ENOMEM;
            break;
        }
        if (fread(raw, 4, (size_t)dim, rd->f) != (size_t)dim) {
            rc = rn_fail(RN_EPARSE, "%s: vector %zu ('%s', byte %lld): the file ends inside its "
                                    "%d values",
                         rd->path, i + 1, tok, at, dim);
            break;
        }
        for (int j = 0; j < dim; j++) {
            const unsigned char *b = raw + 4 * (size_t)j;
            uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                            (uint32_t)b[3] << 24;
            float x;
            memcpy(&x, &bits, 4);
            if (!isfinite(x)) {
                rc = rn_fail(RN_EPARSE, "%s: vector %zu ('%s', byte %lld): value %d is %s (must "
                                        "be finite)",
                             rd->path, i + 1, tok, at, j + 1,
                             isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
                break;
            }
            v[i * (size_t)dim + j] = x;
        }
    }
    int c;
    while (rc == RN_OK && (c = getc(rd->f)) != EOF)
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
            rc = rn_fail(RN_EPARSE, "%s: byte %ld: more data after the %zu vectors the header "
                                    "announces",
                         rd->path, ftell(rd->f) - 1, n);
    rn_free(tok), rn_free(raw);
    if (rc != RN_OK) {
        rn_free(v);
        free_tokens(tokens, n);
        return NULL;
    }
    return finish(rd->path, v, n, dim, tokens, !(flags & RN_EMB_RAW_TOKENS), 0);
}

rn_embeddings *rn_emb_load_word2vec(const char *path, int binary, int flags)
{
    long long size;
    FILE *f = open_input(path, binary ? "load word2vec binary" : "load word2vec", &size);
    if (f == NULL) return NULL;
    reader rd = {f, path, NULL, 0, 0, 0, RN_OK};
    rn_embeddings *e = binary ? load_binary(&rd, size, flags) : load_text(&rd, size, flags);
    rn_free(rd.buf);
    fclose(f);
    return e;
}

/* Grows *p (of *cap elements of size each) to hold need. */
static int grow(void **p, size_t *cap, size_t need, size_t size, const char *what)
{
    if (need <= *cap) return RN_OK;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *np = rn_realloc(*p, c * size, what);
    if (np == NULL) return RN_ENOMEM;
    *p = np, *cap = c;
    return RN_OK;
}

rn_embeddings *rn_emb_load_tsv(const char *vectors_path, const char *metadata_path)
{
    long long size;
    FILE *f = open_input(vectors_path, "load tsv", &size);
    if (f == NULL) return NULL;
    reader rd = {f, vectors_path, NULL, 0, 0, 0, RN_OK};
    float *v = NULL;
    size_t n = 0, cap = 0;
    int dim = 0, rc = RN_OK;
    char *line;
    while (rc == RN_OK && (line = next_line(&rd)) != NULL) {
        if (line[0] == '\0') { /* blank lines only at the end */
            long at = rd.line;
            while ((line = next_line(&rd)) != NULL && line[0] == '\0')
                ;
            if (line != NULL)
                rc = rn_fail(RN_EPARSE, "%s:%ld: an empty line between vectors", vectors_path, at);
            break;
        }
        int count = 1;
        for (char *p = line; *p; p++)
            count += *p == '\t';
        if (dim == 0) {
            if (count > RN_EMB_MAX_DIM) {
                rc = rn_fail(RN_EPARSE, "%s:1: %d values (at most %d)", vectors_path, count,
                             RN_EMB_MAX_DIM);
                break;
            }
            dim = count;
        }
        if (count != dim) {
            rc = rn_fail(RN_EPARSE, "%s:%ld: %d values, the first line has %d", vectors_path,
                         rd.line, count, dim);
            break;
        }
        if (n >= RN_EMB_MAX_COUNT) {
            rc = rn_fail(RN_EPARSE, "%s:%ld: more than %zu vectors", vectors_path, rd.line,
                         RN_EMB_MAX_COUNT);
            break;
        }
        if ((rc = grow((void **)&v, &cap, (n + 1) * (size_t)dim, sizeof *v, "embedding vectors")))
            break;
        char *p = line;
        for (int j = 0; j < dim && rc == RN_OK; j++) {
            if (!parse_float(&p, &v[n * (size_t)dim + j]) || (*p != '\t' && *p != '\0'))
                rc = rn_fail(RN_EPARSE, "%s:%ld: value %d is not a finite number: \"%.20s\"",
                             vectors_path, rd.line, j + 1, *p ? p : "(empty)");
            else if (*p == '\t')
                p++;
        }
        n++;
    }
    if (rc == RN_OK && rd.rc) rc = rd.rc;
    if (rc == RN_OK && n == 0) rc = rn_fail(RN_EPARSE, "%s: no vectors", vectors_path);
    rn_free(rd.buf);
    fclose(f);
    if (rc != RN_OK) {
        rn_free(v);
        return NULL;
    }
    if (metadata_path == NULL) return emb_take(v, n, dim, NULL, NULL);

    f = open_input(metadata_path, "load tsv", &size);
    if (f == NULL) {
        rn_free(v);
        return NULL;
    }
    reader md = {f, metadata_path, NULL, 0, 0, 0, RN_OK};
    char **tokens = rn_calloc(n, sizeof *tokens, "embedding labels");
    int64_t *ids = rn_malloc(n * sizeof *ids, "embedding ids");
    rc = tokens && ids ? RN_OK : RN_ENOMEM;
    int two = -1; /* two columns (id, label) after a header */
    size_t i = 0;
    while (rc == RN_OK && (line = next_line(&md)) != NULL) {
        if (two < 0) {
            two = strcmp(line, "id\tlabel") == 0;
            if (two) continue;
        }
        if (i == n) {
            if (line[0] == '\0') continue; /* trailing blank lines */
            rc = rn_fail(RN_EPARSE, "%s:%ld: more lines than the %zu vectors of %s", metadata_path,
                         md.line, n, vectors_path);
            break;
        }
        if (two) {
            char *tab = strchr(line, '\t');
            if (tab == NULL || (*tab = '\0', !parse_id(line, &ids[i]))) {
                rc = rn_fail(RN_EPARSE, "%s:%ld: expected an id (an integer >= 0), a tab and a "
                                        "label",
                             metadata_path, md.line);
                break;
            }
            line = tab + 1;
        }
        if (strlen(line) > 2 * (size_t)RN_EMB_MAX_LABEL) {
            rc = rn_fail(RN_EPARSE, "%s:%ld: a label of %zu bytes (at most %d)", metadata_path,
                         md.line, strlen(line), RN_EMB_MAX_LABEL);
            break;
        }
        if ((tokens[i++] = rn_strdup(line)) == NULL) rc = RN_ENOMEM;
    }
    if (rc == RN_OK && md.rc) rc = md.rc;
    if (rc == RN_OK && i < n)
        rc = rn_fail(RN_EPARSE, "%s:%ld: %zu lines for the %zu vectors of %s", metadata_path,
                     md.line, i, n, vectors_path);
    rn_free(md.buf);
    fclose(f);
    if (rc != RN_OK) {
        rn_free(v), rn_free(ids);
        free_tokens(tokens, n);
        return NULL;
    }
    if (!two) { /* one column: ids when they all are, else labels */
        rn_free(ids);
        return finish(metadata_path, v, n, dim, tokens, 0, 1);
    }
    /* id and label: the labels unescaped, the ids as given */
    for (size_t r = 0; r < n; r++) {
        unescape_tsv(tokens[r]);
        if (strlen(tokens[r]) > RN_EMB_MAX_LABEL) {
            rn_fail(RN_EPARSE, "%s: the label of vector %zu has %zu bytes (at most %d)",
                    metadata_path, r + 1, strlen(tokens[r]), RN_EMB_MAX_LABEL);
            rn_free(v), rn_free(ids);
            free_tokens(tokens, n);
            return NULL;
        }
    }
    return emb_take(v, n, dim, ids, tokens);
}

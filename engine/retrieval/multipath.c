/* Multi-path recall (multipath.h): the merge with quotas and the per-path
 * report. Lists are short (tens to hundreds of ids), so membership is a
 * linear scan or a sort, never a hash table. */
#include "retrieval/multipath.h"

#include "alloc.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

static int taken(const int64_t *out, int got, int64_t id)
{
    for (int j = 0; j < got; j++)
        if (out[j] == id) return 1;
    return 0;
}

/* Path p's next id not yet taken, from position *pos on; -1 when dry. */
static int64_t next_id(const int64_t *list, size_t len, size_t *pos, const int64_t *out, int got)
{
    while (*pos < len) {
        int64_t id = list[(*pos)++];
        if (!taken(out, got, id)) return id;
    }
    return -1;
}

int rn_recall_merge(int n_paths, const int64_t *const *lists, const size_t *lens, const int *quota,
                    int mode, int k, int64_t *out, int *out_path)
{
    if (n_paths < 1 || n_paths > 64)
        return rn_fail(RN_EARG, "recall merge: need 1 to 64 paths, got %d", n_paths);
    if (k < 1) return rn_fail(RN_EARG, "recall merge: k must be >= 1, got %d", k);
    if (mode != RN_RECALL_PRIORITY && mode != RN_RECALL_ROUND_ROBIN)
        return rn_fail(RN_EARG, "recall merge: unknown mode %d", mode);
    for (int p = 0; p < n_paths; p++) {
        if (quota[p] < 0)
            return rn_fail(RN_EARG, "recall merge: path %d's quota must be >= 0, got %d", p + 1,
                           quota[p]);
        for (size_t j = 0; j < lens[p]; j++)
            if (lists[p][j] < 0)
                return rn_fail(RN_EARG, "recall merge: path %d, position %zu: negative id %lld",
                               p + 1, j + 1, (long long)lists[p][j]);
    }
    size_t pos[64] = {0};
    int left[64];
    for (int p = 0; p < n_paths; p++)
        left[p] = quota[p];
    int got = 0;
    /* two phases: within the quotas, then beyond them */
    for (int phase = 0; phase < 2 && got < k; phase++) {
        if (mode == RN_RECALL_PRIORITY) {
            for (int p = 0; p < n_paths && got < k; p++)
                while (got < k && (phase == 1 || left[p] > 0)) {
                    int64_t id = next_id(lists[p], lens[p], &pos[p], out, got);
                    if (id < 0) break;
                    out[got] = id;
                    out_path[got++] = p;
                    left[p]--;
                }
        } else {
            int moved = 1;
            while (moved && got < k) {
                moved = 0;
                for (int p = 0; p < n_paths && got < k; p++) {
                    if (phase == 0 && left[p] <= 0) continue;
                    int64_t id = next_id(lists[p], lens[p], &pos[p], out, got);
                    if (id < 0) continue;
                    out[got] = id;
                    out_path[got++] = p;
                    left[p]--;
                    moved = 1;
                }
            }
        }
    }
    return got;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts a copy of ids into buf and removes duplicates; returns the count. */
static size_t sorted_unique(const int64_t *ids, size_t n, int64_t *buf)
{
    if (n == 0) return 0;
    memcpy(buf, ids, n * sizeof *ids);
    qsort(buf, n, sizeof *buf, cmp_i64);
    size_t m = 1;
    for (size_t j = 1; j < n; j++)
        if (buf[j] != buf[m - 1]) buf[m++] = buf[j];
    return m;
}

static double jaccard_sorted(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            inter++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    size_t uni = na + nb - inter;
    return uni ? (double)inter / (double)uni : 0.0;
}

double rn_recall_jaccard(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    int64_t *buf = rn_malloc((na + nb + 1) * sizeof *buf, "jaccard");
    if (buf == NULL) return 0;
    size_t ma = sorted_unique(a, na, buf), mb = sorted_unique(b, nb, buf + na);
    double r = jaccard_sorted(buf, ma, buf + na, mb);
    rn_free(buf);
    return r;
}

static int contains(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t j = 0; j < n; j++)
        if (ids[j] == id) return 1;
    return 0;
}

/* distinct ids over all users of one flat list */
static size_t distinct(const int64_t *ids, size_t n, int64_t *buf)
{
    return sorted_unique(ids, n, buf);
}

int rn_recall_report(const rn_recall_lists *L, double *recall, double *coverage, double *jaccard,
                     double *share)
{
    int P = L->n_paths;
    size_t U = L->n_users;
    if (P < 1 || P > 64) return rn_fail(RN_EARG, "recall report: need 1 to 64 paths, got %d", P);
    if (U < 1) return rn_fail(RN_EARG, "recall report: no users");
    if (L->n_items < 1) return rn_fail(RN_EARG, "recall report: the catalogue is empty");
    size_t biggest = L->moff ? L->moff[U] : 0;
    for (int p = 0; p < P; p++)
        if (L->off[p][U] > biggest) biggest = L->off[p][U];
    int64_t *buf = rn_malloc((biggest + 1) * sizeof *buf, "recall report");
    size_t maxlen = 1;
    for (int p = 0; p < P; p++)
        for (size_t u = 0; u < U; u++)
            if (L->off[p][u + 1] - L->off[p][u] > maxlen) maxlen = L->off[p][u + 1] - L->off[p][u];
    int64_t *sorted = rn_malloc(((size_t)P * maxlen + 1) * sizeof *sorted, "recall report sorted");
    size_t *slen = rn_malloc((size_t)P * sizeof *slen, "recall report lengths");
    if (!buf || !sorted || !slen) {
        rn_free(buf);
        rn_free(sorted);
        rn_free(slen);
        return RN_ENOMEM;
    }
    for (int p = 0; p <= P; p++)
        recall[p] = 0;
    for (int p = 0; p < P * P; p++)
        jaccard[p] = 0;
    for (int p = 0; p < P; p++)
        share[p] = 0;
    double merged_hits = 0;
    for (size_t u = 0; u < U; u++) {
        for (int p = 0; p < P; p++) {
            const int64_t *l = L->ids[p] + L->off[p][u];
            size_t n = L->off[p][u + 1] - L->off[p][u];
            if (contains(l, n, L->truth[u])) recall[p] += 1;
            slen[p] = sorted_unique(l, n, sorted + (size_t)p * maxlen);
        }
        for (int p = 0; p < P; p++)
            for (int q = p + 1; q < P; q++) {
                double j = jaccard_sorted(sorted + (size_t)p * maxlen, slen[p],
                                          sorted + (size_t)q * maxlen, slen[q]);
                jaccard[p * P + q] += j;
                jaccard[q * P + p] += j;
            }
        if (L->merged) {
            for (size_t j = L->moff[u]; j < L->moff[u + 1]; j++)
                if (L->merged[j] == L->truth[u]) {
                    recall[P] += 1;
                    int mp = L->merged_path ? L->merged_path[j] : -1;
                    if (mp >= 0 && mp < P) share[mp] += 1;
                    merged_hits += 1;
                    break;
                }
        }
    }
    for (int p = 0; p <= P; p++)
        recall[p] /= (double)U;
    for (int p = 0; p < P * P; p++)
        jaccard[p] /= (double)U;
    for (int p = 0; p < P; p++)
        jaccard[p * P + p] = 1;
    for (int p = 0; p < P; p++)
        share[p] = merged_hits > 0 ? share[p] / merged_hits : 0;
    for (int p = 0; p < P; p++)
        coverage[p] = (double)distinct(L->ids[p], L->off[p][U], buf) / (double)L->n_items;
    coverage[P] = L->merged ? (double)distinct(L->merged, L->moff[U], buf) / (double)L->n_items : 0;
    rn_free(buf);
    rn_free(sorted);
    rn_free(slen);
    return RN_OK;
}

/* Evaluation metrics (see metrics.h): AUC and group AUC by radix sort, the
 * pointwise losses, and the ranking metrics over per-user lists. */
#include "metrics.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- sorting keys ------------------------------------------------------------ */

/* Maps a finite float to a uint32 whose unsigned order is the float's order,
 * with -0 and +0 mapped to the same key (they tie, as they compare equal).
 * Negative floats have their bits flipped; positive ones get the sign bit. */
static uint32_t float_key(float f)
{
    uint32_t u;
    if (f == 0.0f) f = 0.0f;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

/* Sorts the n keys in a (ascending), using tmp (n keys) as scratch: three
 * passes of 11 bits, each a stable counting sort; a pass where every key has
 * the same digit is skipped. Returns the buffer holding the result (a or tmp).
 * cnt is scratch of RADIX_SIZE counts. */
static uint32_t *radix_u32(uint32_t *a, uint32_t *tmp, size_t n, size_t *cnt)
{
    for (unsigned shift = 0; shift < 32; shift += RADIX_BITS) {
        memset(cnt, 0, RADIX_SIZE * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i] >> shift) & (RADIX_SIZE - 1)]++;
        if (cnt[(a[0] >> shift) & (RADIX_SIZE - 1)] == n) continue;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX_SIZE; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[(a[i] >> shift) & (RADIX_SIZE - 1)]++] = a[i];
        uint32_t *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* A row for group AUC: its group (sign bit flipped: an order-keeping key),
 * its score key and its label, sorted together so that no pass reads through
 * an index. */
typedef struct {
    uint64_t group;
    uint32_t score;
    uint32_t label;
} gauc_row;

/* Sorts the n rows in a stably by the low `bits` bits of their group (by_group)
 * or score, with tmp as scratch; returns the buffer holding the result. */
static gauc_row *radix_rows(gauc_row *a, gauc_row *tmp, size_t n, int by_group, unsigned bits,
                            size_t *cnt)
{
    for (unsigned shift = 0; shift < bits; shift += RADIX_BITS) {
#define DIGIT(r)                                                                                   \
    ((size_t)((by_group ? (r).group : (uint64_t)(r).score) >> shift) & (RADIX_SIZE - 1))
        memset(cnt, 0, RADIX_SIZE * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[DIGIT(a[i])]++;
        if (cnt[DIGIT(a[0])] == n) continue;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX_SIZE; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[DIGIT(a[i])]++] = a[i];
#undef DIGIT
        gauc_row *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* ---- input checks ------------------------------------------------------------ */

/* "NaN", "inf" or "-inf" (a NaN's sign bit varies by platform: not shown). */
static const char *nonfinite(float x)
{
    return isnan(x) ? "NaN" : x > 0 ? "inf" : "-inf";
}

/* Labels 0/1 and finite scores; counts the positives. */
static int check_binary(const char *fn, const float *labels, const float *scores, size_t n,
                        size_t *n_pos)
{
    if (n == 0) return rn_fail(RN_EARG, "%s: no rows (n = 0)", fn);
    if (n > UINT32_MAX)
        return rn_fail(RN_EARG, "%s: %zu rows is more than the %u supported", fn, n, UINT32_MAX);
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != 0.0f && labels[i] != 1.0f)
            return rn_fail(RN_EARG, "%s: label %zu is %g: expected 0 or 1", fn, i,
                           (double)labels[i]);
        if (!isfinite(scores[i]))
            return rn_fail(RN_ENAN, "%s: score %zu is %s: expected a finite number", fn, i,
                           nonfinite(scores[i]));
        p += labels[i] == 1.0f;
    }
    *n_pos = p;
    return RN_OK;
}

/* ---- AUC --------------------------------------------------------------------- */

int rn_auc(const float *labels, const float *scores, size_t n, double *auc)
{
    size_t P;
    int rc = check_binary("auc", labels, scores, n, &P);
    if (rc) return rc;
    size_t N = n - P;
    if (P == 0 || N == 0)
        return rn_fail(RN_EARG, "auc: AUC needs both classes: all %zu labels are %d", n,
                       P == 0 ? 0 : 1);

    /* Positives' keys in [0, P), negatives' in [P, n); then sort each half. */
    uint32_t *keys = rn_malloc(2 * n * sizeof *keys, "AUC sort keys");
    size_t *cnt = rn_malloc(RADIX_SIZE * sizeof *cnt, "AUC radix counts");
    if (keys == NULL || cnt == NULL) {
        rn_free(keys);
        rn_free(cnt);
        return RN_ENOMEM;
    }
    uint32_t *tmp = keys + n;
    size_t ip = 0, in = P;
    for (size_t i = 0; i < n; i++)
        keys[labels[i] == 1.0f ? ip++ : in++] = float_key(scores[i]);
    const uint32_t *pos = radix_u32(keys, tmp, P, cnt);
    const uint32_t *neg = radix_u32(keys + P, tmp + P, N, cnt);

    /* Twice the Mann-Whitney count: each positive scores 2 per negative below
     * it and 1 per negative tied with it. Exact in 64 bits: 2 P N < 2^63. */
    uint64_t num2 = 0;
    size_t j = 0;
    for (size_t i = 0; i < P;) {
        uint32_t k = pos[i];
        size_t p = 0;
        while (i < P && pos[i] == k)
            i++, p++;
        while (j < N && neg[j] < k)
            j++;
        size_t m = j;
        while (m < N && neg[m] == k)
            m++;
        num2 += (uint64_t)p * (2 * (uint64_t)j + (uint64_t)(m - j));
    }
    rn_free(keys);
    rn_free(cnt);
    *auc = (double)num2 / (2.0 * (double)P * (double)N);
    return RN_OK;
}

/* ---- group AUC --------------------------------------------------------------- */

int rn_gauc(const float *labels, const float *scores, const int64_t *groups, size_t n, int weighted,
            rn_gauc_result *out)
{
    size_t P;
    int rc = check_binary("gauc", labels, scores, n, &P);
    if (rc) return rc;

    gauc_row *rows = rn_malloc(2 * n * sizeof *rows, "gAUC rows");
    size_t *cnt = rn_malloc(RADIX_SIZE * sizeof *cnt, "gAUC radix counts");
    if (rows == NULL || cnt == NULL) {
        rn_free(rows);
        rn_free(cnt);
        return RN_ENOMEM;
    }
    /* Sort rows by score, then stably by group: rows end up grouped, each
     * group in ascending score order. */
    for (size_t i = 0; i < n; i++)
        rows[i] = (gauc_row){(uint64_t)groups[i] ^ 0x8000000000000000u, float_key(scores[i]),
                             labels[i] == 1.0f};
    gauc_row *order = radix_rows(rows, rows + n, n, 0, 32, cnt);
    gauc_row *other = order == rows ? rows + n : rows;
    order = radix_rows(order, other, n, 1, 64, cnt);

    double sum = 0, wsum = 0;
    size_t n_groups = 0, n_used = 0, rows_used = 0;
    for (size_t g0 = 0; g0 < n;) {
        uint64_t grp = order[g0].group;
        size_t g1 = g0;
        uint64_t num2 = 0, nb = 0, gp = 0;
        while (g1 < n && order[g1].group == grp) {
            /* one run of tied scores within the group */
            uint32_t sk = order[g1].score;
            uint64_t p = 0, q = 0;
            while (g1 < n && order[g1].group == grp && order[g1].score == sk) {
                p += order[g1].label;
                q += !order[g1].label;
                g1++;
            }
            num2 += p * (2 * nb + q);
            nb += q;
            gp += p;
        }
        n_groups++;
        size_t size = g1 - g0;
        if (gp > 0 && nb > 0) {
            double a = (double)num2 / (2.0 * (double)gp * (double)nb);
            double w = weighted ? (double)size : 1.0;
            sum += w * a;
            wsum += w;
            n_used++;
            rows_used += size;
        }
        g0 = g1;
    }
    rn_free(rows);
    rn_free(cnt);
    if (n_used == 0)
        return rn_fail(RN_EARG,
                       "gauc: no group has both classes (%zu groups, %zu rows): gAUC needs "
                       "at least one group with a positive and a negative",
                       n_groups, n);
    out->value = sum / wsum;
    out->n_groups = n_groups;
    out->n_used = n_used;
    out->n_rows_used = rows_used;
    return RN_OK;
}

/* ---- pointwise metrics -------------------------------------------------------- */

static int check_pair(const char *fn, const float *a, const char *an, const float *b,
                      const char *bn, size_t n)
{
    if (n == 0) return rn_fail(RN_EARG, "%s: no rows (n = 0)", fn);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]))
            return rn_fail(RN_ENAN, "%s: %s %zu is %s: expected a finite number", fn, an, i,
                           nonfinite(a[i]));
        if (!isfinite(b[i]))
            return rn_fail(RN_ENAN, "%s: %s %zu is %s: expected a finite number", fn, bn, i,
                           nonfinite(b[i]));
    }
    return RN_OK;
}

static int check_soft_labels(const char *fn, const float *labels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0.0f || labels[i] > 1.0f)
            return rn_fail(RN_EARG, "%s: label %zu is %g: expected a value in [0, 1]", fn, i,
                           (double)labels[i]);
    return RN_OK;
}

int rn_logloss(const float *labels, const float *probs, size_t n, double eps, double *out)
{
    int rc = check_pair("logloss", labels, "label", probs, "probability", n);
    if (rc) return rc;
    if (!(eps > 0 && eps < 0.5))
        return rn_fail(RN_EARG, "logloss: eps is %g: expected a value in (0, 0.5)", eps);
    if ((rc = check_soft_labels("logloss", labels, n))) return rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double p = probs[i], y = labels[i];
        if (p < 0 || p > 1)
            return rn_fail(RN_EARG,
                           "logloss: probability %zu is %g: expected a value in [0, 1] "
                           "(for logits use logloss_logits)",
                           i, p);
        p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
        /* log1p(-p) keeps log(1 - p) accurate for small p */
        sum -= y * log(p) + (1 - y) * log1p(-p);
    }
    *out = sum / (double)n;
    return RN_OK;
}

int rn_logloss_logits(const float *labels, const float *logits, size_t n, double *out)
{
    int rc = check_pair("logloss_logits", labels, "label", logits, "logit", n);
    if (rc) return rc;
    if ((rc = check_soft_labels("logloss_logits", labels, n))) return rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double z = logits[i], y = labels[i];
        sum += (z > 0 ? z : 0) - y * z + log1p(exp(-fabs(z)));
    }
    *out = sum / (double)n;
    return RN_OK;
}

int rn_rmse(const float *y, const float *yhat, size_t n, double *out)
{
    int rc = check_pair("rmse", y, "target", yhat, "prediction", n);
    if (rc) return rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - (double)yhat[i];
        sum += d * d;
    }
    *out = sqrt(sum / (double)n);
    return RN_OK;
}

int rn_accuracy(const float *labels, const float *scores, size_t n, double threshold, double *out)
{
    size_t P;
    int rc = check_binary("accuracy", labels, scores, n, &P);
    if (rc) return rc;
    if (isnan(threshold)) return rn_fail(RN_ENAN, "accuracy: the threshold is NaN");
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += ((double)scores[i] >= threshold) == (labels[i] == 1.0f);
    *out = (double)right / (double)n;
    return RN_OK;
}

/* ---- ranking metrics ---------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int in_sorted(const int64_t *set, size_t n, int64_t item)
{
    return bsearch(&item, set, n, sizeof *set, cmp_i64) != NULL;
}

/* Copies n ids to buf, sorts them and reports a duplicate (its value) if any. */
static int sorted_unique(const int64_t *ids, size_t n, int64_t *buf, int64_t *dup)
{
    memcpy(buf, ids, n * sizeof *buf);
    qsort(buf, n, sizeof *buf, cmp_i64);
    for (size_t i = 1; i < n; i++)
        if (buf[i] == buf[i - 1]) {
            *dup = buf[i];
            return 0;
        }
    return 1;
}

static int check_offsets(const char *what, const size_t *off, size_t n_users)
{
    if (off == NULL) return rn_fail(RN_EARG, "rank metrics: the %s offsets are missing", what);
    if (off[0] != 0)
        return rn_fail(RN_EARG, "rank metrics: %s offsets start at %zu: expected 0", what, off[0]);
    for (size_t u = 0; u < n_users; u++)
        if (off[u + 1] < off[u])
            return rn_fail(RN_EARG, "rank metrics: user %zu: %s offsets decrease (%zu then %zu)", u,
                           what, off[u], off[u + 1]);
    return RN_OK;
}

int rn_rank_metrics(const rn_rank_lists *L, size_t k, rn_rank_result *out)
{
    if (L == NULL || L->n_users == 0) return rn_fail(RN_EARG, "rank metrics: no users");
    int rc = check_offsets("ranked", L->rank_off, L->n_users);
    if (rc) return rc;
    if ((rc = check_offsets("relevant", L->rel_off, L->n_users))) return rc;

    size_t longest = 1;
    for (size_t u = 0; u < L->n_users; u++) {
        size_t nr = L->rank_off[u + 1] - L->rank_off[u], nl = L->rel_off[u + 1] - L->rel_off[u];
        if (nr > longest) longest = nr;
        if (nl > longest) longest = nl;
    }
    int64_t *rel = rn_malloc(2 * longest * sizeof *rel, "rank metrics scratch");
    if (rel == NULL) return RN_ENOMEM;
    int64_t *top = rel + longest;

    double recall = 0, hit = 0, ndcg = 0, mrr = 0;
    size_t used = 0;
    for (size_t u = 0; u < L->n_users; u++) {
        size_t nl = L->rel_off[u + 1] - L->rel_off[u];
        size_t nr = L->rank_off[u + 1] - L->rank_off[u];
        size_t kk = (k == 0 || k > nr) ? nr : k;
        const int64_t *ranked = L->ranked + L->rank_off[u];
        int64_t dup;
        if (!sorted_unique(L->relevant + L->rel_off[u], nl, rel, &dup)) {
            rn_free(rel);
            return rn_fail(RN_EARG,
                           "rank metrics: user %zu: item %lld is twice in the relevant set", u,
                           (long long)dup);
        }
        if (!sorted_unique(ranked, kk, top, &dup)) {
            rn_free(rel);
            return rn_fail(RN_EARG,
                           "rank metrics: user %zu: item %lld is twice in the top %zu of the "
                           "ranked list",
                           u, (long long)dup, kk);
        }
        if (nl == 0) continue;
        used++;
        size_t hits = 0, first = 0;
        double dcg = 0, idcg = 0;
        for (size_t r = 0; r < kk; r++)
            if (in_sorted(rel, nl, ranked[r])) {
                hits++;
                if (first == 0) first = r + 1;
                dcg += 1.0 / log2((double)r + 2.0);
            }
        size_t ideal = nl < kk ? nl : kk;
        for (size_t r = 0; r < ideal; r++)
            idcg += 1.0 / log2((double)r + 2.0);
        recall += (double)hits / (double)nl;
        hit += hits > 0;
        ndcg += idcg > 0 ? dcg / idcg : 0;
        mrr += first ? 1.0 / (double)first : 0;
    }
    rn_free(rel);
    if (used == 0)
        return rn_fail(RN_EARG, "rank metrics: none of the %zu users has a relevant item",
                       L->n_users);
    out->recall = recall / (double)used;
    out->hit_rate = hit / (double)used;
    out->ndcg = ndcg / (double)used;
    out->mrr = mrr / (double)used;
    out->n_users = L->n_users;
    out->n_used = used;
    return RN_OK;
}

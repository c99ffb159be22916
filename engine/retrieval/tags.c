/* Tag recall (tags.h): the formulas, the catalogue with its inverted index,
 * user profiles from events, and recall with per-tag quotas. */
#include "retrieval/tags.h"

#include "alloc.h"
#include "error.h"
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct rn_tags {
    size_t n_items, n_tagged;
    int n_tags;
    int64_t *ids;     /* n_items */
    size_t *by_id;    /* n_items rows sorted by id, for rn_tags_find_item */
    size_t *ioff;     /* n_items + 1: item r's distinct tags are [ioff[r], ioff[r+1]) */
    int32_t *itag;    /* distinct tags, in the order first given */
    double *itf, *iv; /* tf and v = tf * idf * level of each */
    double *inorm;    /* n_items: |v_i| */
    char **names;     /* n_tags */
    size_t *df;       /* n_tags: items carrying t */
    double *idf;      /* n_tags */
    size_t *poff;     /* n_tags + 1 */
    size_t *prow;     /* postings */
};

/* ---- the formulas ---------------------------------------------------------------- */

int rn_tags_decay(double age_days, const rn_tags_decay_cfg *cfg, double *out)
{
    rn_tags_decay_cfg c = cfg ? *cfg : RN_TAGS_DECAY_NOTES;
    if (!(c.scale > 0) || !isfinite(c.scale))
        return rn_fail(RN_EARG, "tags decay: scale must be a finite number of days > 0, got %g",
                       c.scale);
    if (!(c.offset >= 0) || !isfinite(c.offset))
        return rn_fail(RN_EARG, "tags decay: offset must be a finite number of days >= 0, got %g",
                       c.offset);
    if (!(c.decay > 0 && c.decay <= 1))
        return rn_fail(RN_EARG, "tags decay: decay must be in (0, 1], got %g", c.decay);
    if (!isfinite(age_days))
        return rn_fail(RN_EARG, "tags decay: the age must be a finite number of days, got %g",
                       age_days);
    if (age_days < 0)
        return rn_fail(RN_EARG,
                       "tags decay: age %g days is negative (an event after 'now'); ages count "
                       "days before now",
                       age_days);
    *out = exp(log(c.decay) / c.scale * fmax(0.0, age_days - c.offset));
    return RN_OK;
}

int rn_tags_tf(double count, double n_tags, double *out)
{
    if (!(n_tags >= 1) || !isfinite(n_tags))
        return rn_fail(RN_EARG, "tags tf: the item's tag count must be >= 1, got %g", n_tags);
    if (!(count >= 0 && count <= n_tags))
        return rn_fail(RN_EARG, "tags tf: the count of tag t must be in 0..%g, got %g", n_tags,
                       count);
    *out = count / n_tags;
    return RN_OK;
}

int rn_tags_idf(double n_items, double n_with_tag, double *out)
{
    if (!(n_items >= 0) || !isfinite(n_items))
        return rn_fail(RN_EARG, "tags idf: the number of tagged items must be >= 0, got %g",
                       n_items);
    if (!(n_with_tag >= 0 && n_with_tag <= n_items))
        return rn_fail(RN_EARG, "tags idf: the items carrying the tag must be in 0..%g, got %g",
                       n_items, n_with_tag);
    *out = log((n_items + 1) / (n_with_tag + 1));
    return RN_OK;
}

int rn_tags_quotas(const double *w, int n, int k, int *quota)
{
    if (n < 1) return rn_fail(RN_EARG, "tags quotas: need at least one weight");
    if (k < 0) return rn_fail(RN_EARG, "tags quotas: k must be >= 0, got %d", k);
    double W = 0;
    for (int t = 0; t < n; t++) {
        if (!(w[t] >= 0) || !isfinite(w[t]))
            return rn_fail(RN_EARG, "tags quotas: weight %d must be finite and >= 0, got %g", t + 1,
                           w[t]);
        W += w[t];
    }
    int given = 0;
    for (int t = 0; t < n; t++) {
        quota[t] = W > 0 ? (int)floor(k * (w[t] / W)) : 0;
        given += quota[t];
    }
    if (W <= 0) return RN_OK;
    /* the leftover slots, one each, to the largest remainders (O(n) per slot;
     * leftovers are fewer than n) */
    while (given < k) {
        int best = -1;
        double best_r = -1;
        for (int t = 0; t < n; t++) {
            if (w[t] <= 0) continue;
            double r = k * (w[t] / W) - quota[t];
            if (best < 0 || r > best_r + 1e-12 || (fabs(r - best_r) <= 1e-12 && w[t] > w[best])) {
                best = t;
                best_r = r;
            }
        }
        quota[best]++;
        given++;
        /* a slot given cannot be given twice: its remainder is now negative */
    }
    return RN_OK;
}

/* ---- the catalogue ----------------------------------------------------------------- */

void rn_tags_free(rn_tags *tg)
{
    if (tg == NULL) return;
    if (tg->names)
        for (int t = 0; t < tg->n_tags; t++)
            rn_free(tg->names[t]);
    rn_free(tg->names);
    rn_free(tg->ids);
    rn_free(tg->by_id);
    rn_free(tg->ioff);
    rn_free(tg->itag);
    rn_free(tg->itf);
    rn_free(tg->iv);
    rn_free(tg->inorm);
    rn_free(tg->df);
    rn_free(tg->idf);
    rn_free(tg->poff);
    rn_free(tg->prow);
    rn_free(tg);
}

/* qsort has no context argument: the catalogue being sorted is passed here
 * (the engine is single-threaded per object; sorting is only in rn_tags_new). */
static const rn_tags *sort_tg;
static int sort_tag;

static int cmp_by_id(const void *a, const void *b)
{
    int64_t x = sort_tg->ids[*(const size_t *)a], y = sort_tg->ids[*(const size_t *)b];
    return (x > y) - (x < y);
}

static double item_v(const rn_tags *tg, size_t r, int t)
{
    for (size_t j = tg->ioff[r]; j < tg->ioff[r + 1]; j++)
        if (tg->itag[j] == t) return tg->iv[j];
    return 0;
}

static int cmp_posting(const void *a, const void *b)
{
    size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
    double va = item_v(sort_tg, ra, sort_tag), vb = item_v(sort_tg, rb, sort_tag);
    if (va != vb) return va > vb ? -1 : 1;
    int64_t x = sort_tg->ids[ra], y = sort_tg->ids[rb];
    return (x > y) - (x < y);
}

rn_tags *rn_tags_new(size_t n_items, const int64_t *ids, const size_t *offsets, const int32_t *tags,
                     const float *levels, int n_tags, const char *const *names)
{
    if (n_tags < 1 || n_tags > (1 << 24)) {
        rn_fail(RN_EARG, "tags: need 1 to 16777216 tags, got %d", n_tags);
        return NULL;
    }
    if (n_items < 1 || ids == NULL || offsets == NULL || (offsets[n_items] > 0 && tags == NULL)) {
        rn_fail(RN_EARG, "tags: need at least one item, with ids and tag offsets");
        return NULL;
    }
    if (offsets[0] != 0) {
        rn_fail(RN_EARG, "tags: the first offset must be 0, got %zu", offsets[0]);
        return NULL;
    }
    for (size_t r = 0; r < n_items; r++) {
        if (offsets[r + 1] < offsets[r]) {
            rn_fail(RN_EARG, "tags: offsets must not decrease (item %zu)", r + 1);
            return NULL;
        }
        if (ids[r] < 0) {
            rn_fail(RN_EARG, "tags: item %zu has a negative id %lld", r + 1, (long long)ids[r]);
            return NULL;
        }
    }
    size_t nnz = offsets[n_items];
    for (size_t j = 0; j < nnz; j++) {
        if (tags[j] < 0 || tags[j] >= n_tags) {
            rn_fail(RN_EARG, "tags: tag index %d (occurrence %zu) is outside 0..%d", tags[j], j + 1,
                    n_tags - 1);
            return NULL;
        }
        if (levels && (!(levels[j] > 0) || !isfinite(levels[j]))) {
            rn_fail(RN_EARG, "tags: level %zu must be finite and > 0, got %g", j + 1,
                    (double)levels[j]);
            return NULL;
        }
    }
    for (int t = 0; t < n_tags; t++)
        if (names == NULL || names[t] == NULL || names[t][0] == '\0') {
            rn_fail(RN_EARG, "tags: tag %d has no name", t + 1);
            return NULL;
        }

    rn_tags *tg = rn_calloc(1, sizeof *tg, "tags");
    if (tg == NULL) return NULL;
    tg->n_items = n_items;
    tg->n_tags = n_tags;
    size_t nz = nnz ? nnz : 1;
    tg->ids = rn_malloc(n_items * sizeof *tg->ids, "tags ids");
    tg->by_id = rn_malloc(n_items * sizeof *tg->by_id, "tags id index");
    tg->ioff = rn_calloc(n_items + 1, sizeof *tg->ioff, "tags offsets");
    tg->itag = rn_malloc(nz * sizeof *tg->itag, "tags item tags");
    tg->itf = rn_malloc(nz * sizeof *tg->itf, "tags tf");
    tg->iv = rn_malloc(nz * sizeof *tg->iv, "tags weights");
    tg->inorm = rn_calloc(n_items, sizeof *tg->inorm, "tags norms");
    tg->names = rn_calloc((size_t)n_tags, sizeof *tg->names, "tags names");
    tg->df = rn_calloc((size_t)n_tags, sizeof *tg->df, "tags df");
    tg->idf = rn_calloc((size_t)n_tags, sizeof *tg->idf, "tags idf");
    tg->poff = rn_calloc((size_t)n_tags + 1, sizeof *tg->poff, "tags posting offsets");
    double *lev = rn_malloc(nz * sizeof *lev, "tags levels");
    int *count = rn_malloc(nz * sizeof *count, "tags counts");
    if (!tg->ids || !tg->by_id || !tg->ioff || !tg->itag || !tg->itf || !tg->iv || !tg->inorm ||
        !tg->names || !tg->df || !tg->idf || !tg->poff || !lev || !count)
        goto fail;
    for (int t = 0; t < n_tags; t++) {
        size_t len = strlen(names[t]);
        if ((tg->names[t] = rn_malloc(len + 1, "tag name")) == NULL) goto fail;
        memcpy(tg->names[t], names[t], len + 1);
        for (int s = 0; s < t; s++)
            if (strcmp(names[s], names[t]) == 0) {
                rn_fail(RN_EARG, "tags: tag name '%s' is given twice (tags %d and %d)", names[t],
                        s + 1, t + 1);
                goto fail;
            }
    }
    memcpy(tg->ids, ids, n_items * sizeof *ids);
    for (size_t r = 0; r < n_items; r++)
        tg->by_id[r] = r;
    sort_tg = tg;
    qsort(tg->by_id, n_items, sizeof *tg->by_id, cmp_by_id);
    for (size_t r = 1; r < n_items; r++)
        if (ids[tg->by_id[r]] == ids[tg->by_id[r - 1]]) {
            rn_fail(RN_EARG, "tags: item id %lld is given twice (items %zu and %zu)",
                    (long long)ids[tg->by_id[r]], tg->by_id[r - 1] + 1, tg->by_id[r] + 1);
            goto fail;
        }

    /* distinct tags per item, with their counts and largest level */
    size_t k = 0;
    for (size_t r = 0; r < n_items; r++) {
        size_t start = k;
        for (size_t j = offsets[r]; j < offsets[r + 1]; j++) {
            double l = levels ? (double)levels[j] : 1.0;
            size_t m = start;
            while (m < k && tg->itag[m] != tags[j])
                m++;
            if (m == k) {
                tg->itag[k] = tags[j];
                count[k] = 0;
                lev[k] = l;
                k++;
            }
            count[m]++;
            if (l > lev[m]) lev[m] = l;
        }
        tg->ioff[r + 1] = k;
        size_t len = offsets[r + 1] - offsets[r];
        for (size_t m = start; m < k; m++) {
            tg->itf[m] = (double)count[m] / (double)len;
            tg->df[tg->itag[m]]++;
        }
        if (k > start) tg->n_tagged++;
    }
    for (int t = 0; t < n_tags; t++)
        tg->idf[t] = log(((double)tg->n_tagged + 1) / ((double)tg->df[t] + 1));
    for (size_t r = 0; r < n_items; r++) {
        double s = 0;
        for (size_t m = tg->ioff[r]; m < tg->ioff[r + 1]; m++) {
            tg->iv[m] = tg->itf[m] * tg->idf[tg->itag[m]] * lev[m];
            s += tg->iv[m] * tg->iv[m];
        }
        tg->inorm[r] = sqrt(s);
    }

    /* the inverted index */
    for (int t = 0; t < n_tags; t++)
        tg->poff[t + 1] = tg->poff[t] + tg->df[t];
    tg->prow = rn_malloc((k ? k : 1) * sizeof *tg->prow, "tags postings");
    if (tg->prow == NULL) goto fail;
    size_t *fill = rn_malloc((size_t)n_tags * sizeof *fill, "tags postings fill");
    if (fill == NULL) goto fail;
    memcpy(fill, tg->poff, (size_t)n_tags * sizeof *fill);
    for (size_t r = 0; r < n_items; r++)
        for (size_t m = tg->ioff[r]; m < tg->ioff[r + 1]; m++)
            tg->prow[fill[tg->itag[m]]++] = r;
    rn_free(fill);
    for (int t = 0; t < n_tags; t++) {
        sort_tag = t;
        qsort(tg->prow + tg->poff[t], tg->df[t], sizeof *tg->prow, cmp_posting);
    }
    rn_free(lev);
    rn_free(count);
    return tg;
fail:
    rn_free(lev);
    rn_free(count);
    rn_tags_free(tg);
    return NULL;
}

size_t rn_tags_n_items(const rn_tags *tg)
{
    return tg->n_items;
}

int rn_tags_n_tags(const rn_tags *tg)
{
    return tg->n_tags;
}

size_t rn_tags_n_tagged(const rn_tags *tg)
{
    return tg->n_tagged;
}

const char *rn_tags_name(const rn_tags *tg, int t)
{
    return t >= 0 && t < tg->n_tags ? tg->names[t] : NULL;
}

int64_t rn_tags_item_id(const rn_tags *tg, size_t row)
{
    return row < tg->n_items ? tg->ids[row] : -1;
}

int rn_tags_find(const rn_tags *tg, const char *name, int *t)
{
    for (int s = 0; s < tg->n_tags; s++)
        if (strcmp(tg->names[s], name) == 0) {
            *t = s;
            return RN_OK;
        }
    return rn_fail(RN_EARG, "unknown tag '%s'", name);
}

int rn_tags_find_item(const rn_tags *tg, int64_t id, size_t *row)
{
    size_t lo = 0, hi = tg->n_items;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tg->ids[tg->by_id[mid]] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < tg->n_items && tg->ids[tg->by_id[lo]] == id) {
        *row = tg->by_id[lo];
        return RN_OK;
    }
    return rn_fail(RN_EARG, "item %lld is not in the catalogue", (long long)id);
}

double rn_tags_idf_of(const rn_tags *tg, int t)
{
    return t >= 0 && t < tg->n_tags ? tg->idf[t] : 0;
}

size_t rn_tags_df(const rn_tags *tg, int t)
{
    return t >= 0 && t < tg->n_tags ? tg->df[t] : 0;
}

int rn_tags_item(const rn_tags *tg, size_t row, int max, int *tags, double *tf, double *v)
{
    if (row >= tg->n_items) return rn_fail(RN_EARG, "tags: row %zu is out of range", row);
    int n = 0;
    for (size_t m = tg->ioff[row]; m < tg->ioff[row + 1]; m++, n++) {
        if (n >= max) continue;
        if (tags) tags[n] = tg->itag[m];
        if (tf) tf[n] = tg->itf[m];
        if (v) v[n] = tg->iv[m];
    }
    return n;
}

const size_t *rn_tags_postings(const rn_tags *tg, int t, size_t *n)
{
    if (t < 0 || t >= tg->n_tags) {
        *n = 0;
        return NULL;
    }
    *n = tg->df[t];
    return tg->prow + tg->poff[t];
}

/* ---- users ------------------------------------------------------------------------ */

int rn_tags_profile(const rn_tags *tg, const rn_tags_event *events, size_t n,
                    const double *type_weights, int n_types, const rn_tags_decay_cfg *decay,
                    int damp, double *w, double *raw)
{
    if (n == 0)
        return rn_fail(RN_EARG, "tags profile: the history is empty (a user without events has "
                                "no tag weights; recall them by another path)");
    if (n_types < 1) return rn_fail(RN_EARG, "tags profile: need at least one behaviour type");
    for (int b = 0; b < n_types; b++)
        if (!isfinite(type_weights[b]))
            return rn_fail(RN_EARG, "tags profile: type weight %d is not finite", b + 1);
    if (damp != RN_TAGS_DAMP_NONE && damp != RN_TAGS_DAMP_LOG)
        return rn_fail(RN_EARG, "tags profile: unknown damping %d", damp);
    double d0;
    int rc = rn_tags_decay(0, decay, &d0); /* checks the cfg once */
    if (rc != RN_OK) return rc;
    for (int t = 0; t < tg->n_tags; t++)
        w[t] = 0;
    for (size_t e = 0; e < n; e++) {
        size_t row;
        if (rn_tags_find_item(tg, events[e].item, &row) != RN_OK)
            return rn_fail(RN_EARG, "tags profile: event %zu: item %lld is not in the catalogue",
                           e + 1, (long long)events[e].item);
        if (events[e].type < 0 || events[e].type >= n_types)
            return rn_fail(RN_EARG, "tags profile: event %zu: behaviour type %d is outside 1..%d",
                           e + 1, events[e].type + 1, n_types);
        double d;
        if (rn_tags_decay(events[e].age_days, decay, &d) != RN_OK)
            return rn_fail(RN_EARG, "tags profile: event %zu: age %g days%s", e + 1,
                           events[e].age_days,
                           events[e].age_days < 0 ? " is negative (an event after 'now')"
                                                  : " is not a finite number");
        double c = type_weights[events[e].type] * d;
        for (size_t m = tg->ioff[row]; m < tg->ioff[row + 1]; m++)
            w[tg->itag[m]] += c * tg->itf[m] * tg->idf[tg->itag[m]];
    }
    for (int t = 0; t < tg->n_tags; t++) {
        if (raw) raw[t] = w[t];
        double s = fmax(0.0, w[t]);
        w[t] = damp == RN_TAGS_DAMP_LOG ? s * log1p((double)n) / (double)n : s;
    }
    return RN_OK;
}

static double user_norm(const rn_tags *tg, const double *w)
{
    double s = 0;
    for (int t = 0; t < tg->n_tags; t++)
        s += w[t] * w[t];
    return sqrt(s);
}

static double score_row(const rn_tags *tg, const double *w, double wnorm, size_t row, int metric)
{
    double s = 0;
    for (size_t m = tg->ioff[row]; m < tg->ioff[row + 1]; m++)
        s += w[tg->itag[m]] * tg->iv[m];
    if (metric == RN_INDEX_COSINE) {
        double d = wnorm * tg->inorm[row];
        s = d > 0 ? s / d : 0;
    }
    return s;
}

double rn_tags_score(const rn_tags *tg, const double *w, size_t row, int metric)
{
    if (row >= tg->n_items) return 0;
    return score_row(tg, w, user_norm(tg, w), row, metric);
}

typedef struct {
    size_t row;
    double score;
    float prior;
    int64_t id;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->prior != y->prior) return x->prior > y->prior ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_weight_desc(const void *a, const void *b, const double *w)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (w[x] != w[y]) return w[x] > w[y] ? -1 : 1;
    return x - y;
}

static const double *sort_w;
static int cmp_tag_order(const void *a, const void *b)
{
    return cmp_weight_desc(a, b, sort_w);
}

int rn_tags_recall(const rn_tags *tg, const double *w, const int64_t *exclude, size_t n_exclude,
                   int k, int metric, const float *prior, int64_t *ids, float *scores, int *via)
{
    if (k < 1) return rn_fail(RN_EARG, "tags recall: k must be >= 1, got %d", k);
    if (metric != RN_INDEX_DOT && metric != RN_INDEX_COSINE)
        return rn_fail(RN_EARG, "tags recall: unknown metric %d", metric);
    double W = 0;
    for (int t = 0; t < tg->n_tags; t++) {
        if (!(w[t] >= 0) || !isfinite(w[t]))
            return rn_fail(RN_EARG,
                           "tags recall: the weight of tag '%s' must be finite and "
                           ">= 0, got %g",
                           tg->names[t], w[t]);
        W += w[t];
    }
    if (W <= 0)
        return rn_fail(RN_EARG, "tags recall: every tag weight is 0 (no interest to recall by)");

    size_t N = tg->n_items;
    int nt = tg->n_tags;
    /* state per row: 0 free, 1 excluded or taken */
    unsigned char *used = rn_calloc(N, 1, "tags recall marks");
    cand *c = rn_malloc(N * sizeof *c, "tags recall candidates");
    int *quota = rn_malloc((size_t)nt * 2 * sizeof *quota, "tags recall quotas");
    if (!used || !c || !quota) {
        rn_free(used);
        rn_free(c);
        rn_free(quota);
        return RN_ENOMEM;
    }
    int *order = quota + nt;
    for (size_t e = 0; e < n_exclude; e++) {
        size_t row;
        if (rn_tags_find_item(tg, exclude[e], &row) == RN_OK) used[row] = 1;
    }
    rn_error_clear();
    /* candidates: every free item sharing a tag with the user, scored once */
    double wnorm = user_norm(tg, w);
    size_t nc = 0;
    for (size_t r = 0; r < N; r++) {
        if (used[r]) continue;
        double s = score_row(tg, w, wnorm, r, metric);
        if (!(s > 0)) continue;
        c[nc].row = r;
        c[nc].score = s;
        c[nc].prior = prior ? prior[r] : 0.0f;
        c[nc].id = tg->ids[r];
        nc++;
    }
    qsort(c, nc, sizeof *c, cmp_cand);

    rn_tags_quotas(w, nt, k, quota);
    for (int t = 0; t < nt; t++)
        order[t] = t;
    sort_w = w;
    qsort(order, (size_t)nt, sizeof *order, cmp_tag_order);

    /* each tag in order of weight takes its best free candidates carrying it */
    int got = 0;
    size_t *pick = rn_malloc((size_t)k * sizeof *pick, "tags recall picks");
    if (pick == NULL) {
        rn_free(used);
        rn_free(c);
        rn_free(quota);
        return RN_ENOMEM;
    }
    for (int oi = 0; oi < nt && got < k; oi++) {
        int t = order[oi];
        int left = quota[t];
        for (size_t j = 0; j < nc && left > 0 && got < k; j++) {
            size_t r = c[j].row;
            if (used[r] || item_v(tg, r, t) == 0) continue;
            used[r] = 1;
            pick[got] = j;
            via[got] = t;
            got++;
            left--;
        }
    }
    /* slots a tag could not fill: the best candidates left */
    for (size_t j = 0; j < nc && got < k; j++) {
        if (used[c[j].row]) continue;
        used[c[j].row] = 1;
        pick[got] = j;
        via[got] = -1;
        got++;
    }
    /* output by score (the candidate order): sort the picks by their position */
    for (int a = 1; a < got; a++) {
        size_t pj = pick[a];
        int pv = via[a], b = a - 1;
        while (b >= 0 && pick[b] > pj) {
            pick[b + 1] = pick[b];
            via[b + 1] = via[b];
            b--;
        }
        pick[b + 1] = pj;
        via[b + 1] = pv;
    }
    for (int a = 0; a < got; a++) {
        ids[a] = c[pick[a]].id;
        scores[a] = (float)c[pick[a]].score;
    }
    rn_free(pick);
    rn_free(used);
    rn_free(c);
    rn_free(quota);
    return got;
}

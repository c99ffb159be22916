/* Tag recall, the quality score and the multi-path merge (engine/retrieval/)
 * against numbers computed by hand, the notes' examples included, and their
 * errors. */
#include "check.h"

#include "alloc.h"
#include "error.h"
#include "index.h"
#include "retrieval/multipath.h"
#include "retrieval/quality.h"
#include "retrieval/tags.h"

#include <math.h>
#include <string.h>

static void test_decay(void)
{
    double d;
    /* the notes' SQL: none for 7 days, then half every 90 */
    CHECK(rn_tags_decay(0, NULL, &d) == RN_OK);
    CHECK_NEAR(d, 1.0, 1e-12);
    rn_tags_decay(7, NULL, &d);
    CHECK_NEAR(d, 1.0, 1e-12);
    rn_tags_decay(97, NULL, &d);
    CHECK_NEAR(d, 0.5, 1e-12);
    rn_tags_decay(187, NULL, &d);
    CHECK_NEAR(d, 0.25, 1e-12);
    rn_tags_decay(52, NULL, &d); /* 45 days past the offset: 0.5^(45/90) */
    CHECK_NEAR(d, 0.70710678118654752, 1e-12);
    rn_tags_decay_cfg c = {30, 0, 0.5};
    rn_tags_decay(30, &c, &d);
    CHECK_NEAR(d, 0.5, 1e-12);
    /* errors: an event after now, a bad shape */
    CHECK(rn_tags_decay(-1, NULL, &d) == RN_EARG);
    CHECK(strstr(rn_error(), "age -1 days is negative") != NULL);
    rn_tags_decay_cfg bad = {0, 7, 0.5};
    CHECK(rn_tags_decay(1, &bad, &d) == RN_EARG);
    CHECK(strstr(rn_error(), "scale must be") != NULL);
}

static void test_tf_idf(void)
{
    double x;
    CHECK(rn_tags_tf(1, 4, &x) == RN_OK);
    CHECK_NEAR(x, 0.25, 1e-15); /* the notes' 1/4 */
    CHECK(rn_tags_idf(1000, 50, &x) == RN_OK);
    CHECK_NEAR(x, 2.9769291465908947, 1e-12); /* ln(1001/51), not ln(1000 + 1/50 + 1) = 6.909 */
    CHECK(rn_tags_tf(5, 4, &x) == RN_EARG);
    CHECK(rn_tags_idf(10, 11, &x) == RN_EARG);
}

static void test_quotas(void)
{
    int q[3];
    double w[3] = {3, 2, 1};
    CHECK(rn_tags_quotas(w, 3, 10, q) == RN_OK); /* 5, 3.33, 1.67: the last remainder wins */
    CHECK(q[0] == 5 && q[1] == 3 && q[2] == 2);
    rn_tags_quotas(w, 3, 7, q); /* 3.5, 2.33, 1.17 */
    CHECK(q[0] == 4 && q[1] == 2 && q[2] == 1);
    double z[2] = {0, 0};
    rn_tags_quotas(z, 2, 5, q);
    CHECK(q[0] == 0 && q[1] == 0);
    double neg[2] = {1, -1};
    CHECK(rn_tags_quotas(neg, 2, 5, q) == RN_EARG);
}

/* Six items; 50 carries a twice (tf 2/4). df: a 4, b 3, c 3 of N = 6. */
static rn_tags *small_catalogue(void)
{
    static const int64_t ids[] = {10, 20, 30, 40, 50, 60};
    static const size_t off[] = {0, 2, 3, 5, 6, 10, 11};
    static const int32_t tags[] = {0, 1, 0, 1, 2, 2, 0, 0, 1, 2, 0};
    static const char *const names[] = {"a", "b", "c"};
    return rn_tags_new(6, ids, off, tags, NULL, 3, names);
}

static void test_catalogue(void)
{
    rn_tags *tg = small_catalogue();
    CHECK(tg != NULL);
    if (!tg) return;
    CHECK(rn_tags_n_tagged(tg) == 6);
    CHECK_NEAR(rn_tags_idf_of(tg, 0), log(7.0 / 5.0), 1e-12);
    CHECK_NEAR(rn_tags_idf_of(tg, 1), log(7.0 / 4.0), 1e-12);
    size_t row;
    CHECK(rn_tags_find_item(tg, 50, &row) == RN_OK && row == 4);
    int t[4];
    double tf[4], v[4];
    CHECK(rn_tags_item(tg, row, 4, t, tf, v) == 3);
    CHECK(t[0] == 0 && t[1] == 1 && t[2] == 2);
    CHECK_NEAR(tf[0], 0.5, 1e-15);
    CHECK_NEAR(tf[1], 0.25, 1e-15);
    CHECK_NEAR(v[0], 0.5 * log(7.0 / 5.0), 1e-12);
    /* the inverted index of a: by weight (tf 1 before 1/2), then id */
    size_t n;
    const size_t *p = rn_tags_postings(tg, 0, &n);
    CHECK(n == 4);
    CHECK(rn_tags_item_id(tg, p[0]) == 20 && rn_tags_item_id(tg, p[1]) == 60);
    CHECK(rn_tags_item_id(tg, p[2]) == 10 && rn_tags_item_id(tg, p[3]) == 50);
    int which;
    CHECK(rn_tags_find(tg, "b", &which) == RN_OK && which == 1);
    CHECK(rn_tags_find(tg, "d", &which) == RN_EARG);
    CHECK_STR(rn_error(), "unknown tag 'd'");
    rn_tags_free(tg);
}

static void test_profile_and_recall(void)
{
    rn_tags *tg = small_catalogue();
    if (!tg) return;
    double tw[3] = {1, 3, -1}; /* view, rate high, rate low */
    rn_tags_event ev[3] = {{10, 1, 0}, {30, 2, 97}, {20, 0, 187}};
    double w[3], raw[3];
    CHECK(rn_tags_profile(tg, ev, 3, tw, 3, NULL, RN_TAGS_DAMP_LOG, w, raw) == RN_OK);
    double ia = log(7.0 / 5.0), ib = log(7.0 / 4.0);
    /* by hand: event 1 (item 10 {a, b}, rate high, fresh) adds 3 * 1 * 1/2 * idf;
     * event 2 (item 30 {b, c}, rate low, 97 days: decay 1/2) adds -1 * 1/2 * 1/2 * idf;
     * event 3 (item 20 {a}, view, 187 days: 1/4) adds 1 * 1/4 * 1 * idf_a */
    double Sa = 1.5 * ia + 0.25 * ia, Sb = 1.5 * ib - 0.25 * ib, Sc = -0.25 * ib;
    CHECK_NEAR(raw[0], Sa, 1e-12);
    CHECK_NEAR(raw[1], Sb, 1e-12);
    CHECK_NEAR(raw[2], Sc, 1e-12);
    CHECK_NEAR(w[0], Sa * log(4.0) / 3, 1e-12); /* damped by log(1 + n) / n, n = 3 events */
    CHECK_NEAR(w[1], Sb * log(4.0) / 3, 1e-12);
    CHECK_NEAR(w[2], 0.0, 0); /* a tag disliked on balance gets no weight */
    double w2[3];
    rn_tags_profile(tg, ev, 3, tw, 3, NULL, RN_TAGS_DAMP_NONE, w2, NULL);
    CHECK_NEAR(w2[1], Sb, 1e-12);

    /* recall 2 of {40, 50, 60} (10, 20, 30 seen): quotas 1 and 1 for b (first,
     * heavier) and a; 40 has only c, which the user has no weight on */
    int64_t seen[3] = {10, 30, 20}, ids[3];
    float sc[3];
    int via[3];
    int m = rn_tags_recall(tg, w, seen, 3, 2, RN_INDEX_COSINE, NULL, ids, sc, via);
    CHECK(m == 2);
    size_t r50, r60;
    rn_tags_find_item(tg, 50, &r50);
    rn_tags_find_item(tg, 60, &r60);
    double s50 = rn_tags_score(tg, w, r50, RN_INDEX_COSINE);
    double s60 = rn_tags_score(tg, w, r60, RN_INDEX_COSINE);
    /* cosine by hand: v_60 = (idf_a, 0, 0), so s_60 = w_a / |w| */
    CHECK_NEAR(s60, w[0] / sqrt(w[0] * w[0] + w[1] * w[1]), 1e-12);
    int first50 = s50 > s60;
    CHECK(ids[0] == (first50 ? 50 : 60) && ids[1] == (first50 ? 60 : 50));
    CHECK(via[first50 ? 0 : 1] == 1 && via[first50 ? 1 : 0] == 0);
    /* asking for more than there is: 2 items share a tag with the user */
    int64_t ids5[5];
    float sc5[5];
    int via5[5];
    CHECK(rn_tags_recall(tg, w, seen, 3, 5, RN_INDEX_DOT, NULL, ids5, sc5, via5) == 2);

    /* errors */
    CHECK(rn_tags_profile(tg, ev, 0, tw, 3, NULL, RN_TAGS_DAMP_LOG, w2, NULL) == RN_EARG);
    CHECK(strstr(rn_error(), "the history is empty") != NULL);
    rn_tags_event bad_age[1] = {{10, 0, -2}};
    CHECK(rn_tags_profile(tg, bad_age, 1, tw, 3, NULL, RN_TAGS_DAMP_LOG, w2, NULL) == RN_EARG);
    CHECK_STR(rn_error(), "tags profile: event 1: age -2 days is negative (an event after 'now')");
    rn_tags_event bad_item[2] = {{10, 0, 1}, {99, 0, 1}};
    CHECK(rn_tags_profile(tg, bad_item, 2, tw, 3, NULL, RN_TAGS_DAMP_LOG, w2, NULL) == RN_EARG);
    CHECK_STR(rn_error(), "tags profile: event 2: item 99 is not in the catalogue");
    double zero[3] = {0, 0, 0};
    CHECK(rn_tags_recall(tg, zero, NULL, 0, 2, RN_INDEX_DOT, NULL, ids, sc, via) == RN_EARG);
    rn_tags_free(tg);

    /* a bad catalogue */
    static const int64_t dup[] = {1, 1};
    static const size_t off[] = {0, 1, 2};
    static const int32_t tags[] = {0, 0};
    static const char *const names[] = {"a"};
    CHECK(rn_tags_new(2, dup, off, tags, NULL, 1, names) == NULL);
    CHECK(strstr(rn_error(), "item id 1 is given twice") != NULL);
}

static void test_quality(void)
{
    double x;
    CHECK(rn_quality_beta(1, 2, 1, 19, &x) == RN_OK);
    CHECK_NEAR(x, 2.0 / 22.0, 1e-15);
    CHECK(rn_quality_wilson(1, 2, 1.96, &x) == RN_OK);
    CHECK_NEAR(x, 0.09452865480086611, 1e-12);
    rn_quality_wilson(900, 10000, 1.96, &x);
    CHECK_NEAR(x, 0.084547150035089, 1e-12);
    CHECK(rn_quality_wilson(3, 2, 1.96, &x) == RN_EARG);

    double v[4] = {3, 1, 3, 2}, s[4];
    rn_quality_scale(v, 4, RN_QUALITY_RANK, s); /* ranks 2.5, 0, 2.5, 1 of 3 */
    CHECK_NEAR(s[0], 2.5 / 3, 1e-12);
    CHECK_NEAR(s[1], 0, 1e-12);
    CHECK_NEAR(s[3], 1.0 / 3, 1e-12);
    rn_quality_scale(v, 4, RN_QUALITY_MINMAX, s);
    CHECK_NEAR(s[3], 0.5, 1e-12);

    /* 2 of 2 against 900 of 1,000 (and 50 of 1,000): raw, the first wins the
     * conversion part; smoothed toward the pooled rate 952/2002, it loses */
    double c[3] = {2, 900, 50}, e[3] = {2, 1000, 1000}, b[3] = {0, 0, 0}, age[3] = {0, 0, 0};
    double score[3], parts[9], rate[3];
    rn_quality_cfg q = rn_quality_defaults();
    q.smoothing = RN_QUALITY_NONE;
    CHECK(rn_quality_score(3, c, e, b, age, &q, score, parts, rate) == RN_OK);
    CHECK(parts[0] > parts[3]);
    q.smoothing = RN_QUALITY_BETA;
    rn_quality_score(3, c, e, b, age, &q, score, parts, rate);
    double p = 952.0 / 2002.0; /* the pooled rate; m = 20 */
    CHECK_NEAR(rate[0], (2 + 20 * p) / (2 + 20), 1e-12);
    CHECK(parts[0] < parts[3]);
    /* equal behaviour and freshness: each 0.5 on the rank scale; 30/40/30 */
    CHECK_NEAR(score[1], 0.3 * parts[3] + 0.4 * 0.5 + 0.3 * 0.5, 1e-12);
    CHECK_NEAR(score[1], 0.3 * 1 + 0.4 * 0.5 + 0.3 * 0.5, 1e-12);
    q.smoothing = RN_QUALITY_WILSON;
    rn_quality_score(3, c, e, b, age, &q, score, parts, rate);
    CHECK(parts[0] < parts[3]);
    double bad_age[3] = {0, -3, 0};
    CHECK(rn_quality_score(3, c, e, b, bad_age, NULL, score, NULL, NULL) == RN_EARG);
    CHECK(strstr(rn_error(), "item 2") != NULL);
}

static void test_merge(void)
{
    const int64_t A[] = {1, 2, 3, 4}, B[] = {2, 5, 6}, C[] = {7};
    const int64_t *lists[] = {A, B, C};
    size_t lens[] = {4, 3, 1};
    int quota[] = {2, 2, 1}, path[8];
    int64_t out[8];
    CHECK(rn_recall_merge(3, lists, lens, quota, RN_RECALL_PRIORITY, 5, out, path) == 5);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 5 && out[3] == 6 && out[4] == 7);
    CHECK(path[0] == 0 && path[1] == 0 && path[2] == 1 && path[3] == 1 && path[4] == 2);
    CHECK(rn_recall_merge(3, lists, lens, quota, RN_RECALL_ROUND_ROBIN, 5, out, path) == 5);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 7 && out[3] == 3 && out[4] == 5);
    CHECK(path[0] == 0 && path[1] == 1 && path[2] == 2 && path[3] == 0 && path[4] == 1);
    /* quotas that fall short: the rest from beyond them */
    int small[] = {1, 0, 0};
    CHECK(rn_recall_merge(3, lists, lens, small, RN_RECALL_PRIORITY, 3, out, path) == 3);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
    /* every id once: 7 distinct ids in all */
    int big[] = {9, 9, 9};
    CHECK(rn_recall_merge(3, lists, lens, big, RN_RECALL_ROUND_ROBIN, 8, out, path) == 7);
    int neg[] = {-1, 0, 0};
    CHECK(rn_recall_merge(3, lists, lens, neg, RN_RECALL_PRIORITY, 3, out, path) == RN_EARG);

    const int64_t x[] = {1, 2, 3}, y[] = {2, 3, 4};
    CHECK_NEAR(rn_recall_jaccard(x, 3, y, 3), 0.5, 1e-15);

    /* two users, two paths */
    const int64_t p1[] = {1, 2, 3}, p2[] = {2, 4};
    const size_t o1[] = {0, 2, 3}, o2[] = {0, 1, 2};
    const int64_t *ids[] = {p1, p2};
    const size_t *offs[] = {o1, o2};
    const int64_t merged[] = {1, 2, 3, 4};
    const size_t mo[] = {0, 2, 4};
    const int mp[] = {0, 0, 0, 1};
    const int64_t truth[] = {2, 4};
    rn_recall_lists R = {2, 2, ids, offs, merged, mo, mp, truth, 5};
    double rec[3], cov[3], jac[4], share[2];
    CHECK(rn_recall_report(&R, rec, cov, jac, share) == RN_OK);
    CHECK_NEAR(rec[0], 0.5, 1e-15);
    CHECK_NEAR(rec[1], 1.0, 1e-15);
    CHECK_NEAR(rec[2], 1.0, 1e-15);
    CHECK_NEAR(cov[0], 3.0 / 5, 1e-15);
    CHECK_NEAR(cov[1], 2.0 / 5, 1e-15);
    CHECK_NEAR(jac[1], (0.5 + 0) / 2, 1e-15); /* {1,2} vs {2}; {3} vs {4} */
    CHECK_NEAR(share[0], 0.5, 1e-15);         /* user 1's hit came from path 1, user 2's from 2 */
    CHECK_NEAR(share[1], 0.5, 1e-15);
}

/* ---- failing allocations: each failure is a clean RN_ENOMEM, and nothing leaks
 * (ASan's leak checker watches the sanitizer build) ------------------------------- */

static void *failing(void *ud, void *ptr, size_t size)
{
    if (size > 0 && --*(int *)ud == 0) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

/* Runs work with the Nth allocation failing, for N = 1, 2, ... until it
 * succeeds; returns how many allocations it needed. */
static int sweep(int (*work)(void))
{
    for (int nth = 1; nth < 1000; nth++) {
        int left = nth;
        rn_alloc_set(failing, &left);
        int rc = work();
        rn_alloc_set(rn_alloc_default, NULL);
        if (rc == RN_OK) return nth - 1;
        CHECK(rc == RN_ENOMEM);
        if (rc != RN_ENOMEM) return -1;
    }
    return -1;
}

static int work_catalogue(void)
{
    rn_tags *tg = small_catalogue();
    if (tg == NULL) return rn_error_code();
    double w[3] = {1, 0.5, 0};
    int64_t ids[4];
    float sc[4];
    int via[4];
    int m = rn_tags_recall(tg, w, NULL, 0, 4, RN_INDEX_COSINE, NULL, ids, sc, via);
    rn_tags_free(tg);
    return m < 0 ? m : RN_OK;
}

static int work_quality(void)
{
    double c[3] = {2, 900, 50}, e[3] = {2, 1000, 1000}, b[3] = {1, 2, 3}, age[3] = {1, 2, 3};
    double score[3];
    return rn_quality_score(3, c, e, b, age, NULL, score, NULL, NULL);
}

static int work_report(void)
{
    const int64_t p1[] = {1, 2, 3}, p2[] = {2, 4};
    const size_t o1[] = {0, 2, 3}, o2[] = {0, 1, 2};
    const int64_t *ids[] = {p1, p2};
    const size_t *offs[] = {o1, o2};
    const int64_t truth[] = {2, 4};
    rn_recall_lists R = {2, 2, ids, offs, NULL, NULL, NULL, truth, 5};
    double rec[3], cov[3], jac[4], share[2];
    return rn_recall_report(&R, rec, cov, jac, share);
}

static void test_failing_allocations(void)
{
    CHECK(sweep(work_catalogue) > 10);
    CHECK(sweep(work_quality) >= 2);
    CHECK(sweep(work_report) >= 3);
}

int main(void)
{
    RUN(test_decay);
    RUN(test_tf_idf);
    RUN(test_quotas);
    RUN(test_catalogue);
    RUN(test_profile_and_recall);
    RUN(test_quality);
    RUN(test_merge);
    RUN(test_failing_allocations);
    return check_report();
}

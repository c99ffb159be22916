/* Metrics (engine/metrics.h): hand-computed AUCs with ties, all-equal scores
 * and single classes; a brute-force O(n^2) AUC on seeded data; gAUC plain and
 * weighted; logloss (clipped, from logits), RMSE, accuracy; ranking metrics
 * by hand; everything against scikit-learn's values in
 * metrics_fixtures/sklearn.txt (written by make_metrics_fixtures.py); and
 * every allocation failing in turn. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"
#include "error.h"
#include "metrics.h"
#include "rng.h"

#define F(...) ((const float[]){__VA_ARGS__})

static void test_auc_by_hand(void)
{
    double a = -1;
    CHECK(rn_auc(F(0, 0, 1, 1), F(0.1f, 0.4f, 0.35f, 0.8f), 4, &a) == RN_OK);
    CHECK_NEAR(a, 0.75, 1e-15);
    /* the positive at 0.5 ties a negative: 1 + 0.5, the one at 0.9 beats both: 2 */
    CHECK(rn_auc(F(0, 1, 0, 1), F(0.5f, 0.5f, 0.2f, 0.9f), 4, &a) == RN_OK);
    CHECK_NEAR(a, 3.5 / 4, 1e-15);
    CHECK(rn_auc(F(1, 0, 1, 0, 0), F(3, 3, 3, 3, 3), 5, &a) == RN_OK);
    CHECK_NEAR(a, 0.5, 1e-15);
    CHECK(rn_auc(F(1, 0, 1, 0), F(-2, 5, -3, 4), 4, &a) == RN_OK);
    CHECK_NEAR(a, 0.0, 1e-15);
    CHECK(rn_auc(F(1, 0), F(-0.0f, 0.0f), 2, &a) == RN_OK); /* -0 ties +0 */
    CHECK_NEAR(a, 0.5, 1e-15);
    CHECK(rn_auc(F(1, 0, 0), F(-1e30f, -1e31f, 1e-40f), 3, &a) == RN_OK); /* denormal */
    CHECK_NEAR(a, 0.5, 1e-15);
}

static void test_auc_errors(void)
{
    double a = -1;
    CHECK(rn_auc(F(1, 1, 1), F(0.1f, 0.2f, 0.3f), 3, &a) == RN_EARG);
    CHECK_STR(rn_error(), "auc: AUC needs both classes: all 3 labels are 1");
    CHECK(rn_auc(F(0, 0), F(0.1f, 0.2f), 2, &a) == RN_EARG);
    CHECK_STR(rn_error(), "auc: AUC needs both classes: all 2 labels are 0");
    CHECK(rn_auc(F(0, 0.5f), F(0.1f, 0.2f), 2, &a) == RN_EARG);
    CHECK_STR(rn_error(), "auc: label 1 is 0.5: expected 0 or 1");
    CHECK(rn_auc(F(0, 1, 1), F(0.1f, 0.2f, NAN), 3, &a) == RN_ENAN);
    CHECK_STR(rn_error(), "auc: score 2 is NaN: expected a finite number");
    CHECK(rn_auc(F(0), F(0), 0, &a) == RN_EARG);
    CHECK_STR(rn_error(), "auc: no rows (n = 0)");
    CHECK(a == -1); /* untouched on error */
}

/* O(n^2) Mann-Whitney count, the definition itself. */
static double auc_brute(const float *y, const float *s, size_t n)
{
    double num = 0, P = 0, N = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 1) continue;
        P++;
        for (size_t j = 0; j < n; j++)
            if (y[j] == 0) num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    }
    for (size_t j = 0; j < n; j++)
        N += y[j] == 0;
    return num / (P * N);
}

static void test_auc_brute_force(void)
{
    enum { n = 3000 };
    static float y[n], s[n];
    rn_rng g;
    rn_rng_seed(&g, 11);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < n; i++) {
            y[i] = rn_rng_uniform(&g) < 0.3f ? 1.0f : 0.0f;
            /* round 0: heavy ties; round 1: negative and positive floats; round 2: fine */
            float x = rn_rng_normal(&g) + y[i];
            s[i] = round == 0 ? (float)(int)(x * 4) / 4 : round == 1 ? x * 1e6f : x;
        }
        double a;
        CHECK(rn_auc(y, s, n, &a) == RN_OK);
        CHECK_NEAR(a, auc_brute(y, s, n), 1e-12);
        CHECK(a > 0.7);
    }
}

static void test_gauc_by_hand(void)
{
    /* g1: pos 0.9 beats 0.5 and ties 0.9: 1.5 / 2; g2: 0; g3: one class, skipped */
    const float y[] = {1, 0, 0, 0, 1, 1, 1};
    const float s[] = {0.9f, 0.5f, 0.9f, 0.3f, 0.2f, 0.1f, 0.7f};
    const int64_t grp[] = {1, 1, 1, -2, -2, 3, 3};
    rn_gauc_result r;
    CHECK(rn_gauc(y, s, grp, 7, 0, &r) == RN_OK);
    CHECK_NEAR(r.value, 0.375, 1e-15);
    CHECK(r.n_groups == 3 && r.n_used == 2 && r.n_rows_used == 5);
    CHECK(rn_gauc(y, s, grp, 7, 1, &r) == RN_OK);
    CHECK_NEAR(r.value, (3 * 0.75 + 2 * 0.0) / 5, 1e-15);

    const int64_t one[] = {4, 4, 5, 5, 6, 6, 6};
    const float y1[] = {1, 1, 0, 0, 1, 1, 1};
    CHECK(rn_gauc(y1, s, one, 7, 1, &r) == RN_EARG);
    CHECK_STR(rn_error(), "gauc: no group has both classes (3 groups, 7 rows): gAUC needs at "
                          "least one group with a positive and a negative");
}

static void test_pointwise(void)
{
    double v;
    CHECK(rn_logloss(F(1, 0), F(0.75f, 0.5f), 2, 1e-15, &v) == RN_OK);
    CHECK_NEAR(v, 0.49041462650586315, 1e-15);
    CHECK(rn_logloss(F(1, 0), F(0, 0), 2, 1e-15, &v) == RN_OK); /* clipped to 1e-15 */
    CHECK_NEAR(v, 34.538776394910684 / 2, 1e-12);
    CHECK(rn_logloss(F(0.25f), F(0.5f), 1, 1e-15, &v) == RN_OK); /* soft label */
    CHECK_NEAR(v, 0.69314718055994531, 1e-15);
    CHECK(rn_logloss(F(1), F(1.5f), 1, 1e-15, &v) == RN_EARG);
    CHECK_STR(rn_error(), "logloss: probability 0 is 1.5: expected a value in [0, 1] (for "
                          "logits use logloss_logits)");
    CHECK(rn_logloss(F(2), F(0.5f), 1, 1e-15, &v) == RN_EARG);
    CHECK_STR(rn_error(), "logloss: label 0 is 2: expected a value in [0, 1]");
    CHECK(rn_logloss(F(1), F(0.5f), 1, 0, &v) == RN_EARG);
    CHECK_STR(rn_error(), "logloss: eps is 0: expected a value in (0, 0.5)");

    CHECK(rn_logloss_logits(F(1, 0, 1), F(-100, 1000, 0), 3, &v) == RN_OK);
    CHECK_NEAR(v, (100 + 1000 + 0.69314718055994531) / 3, 1e-9);
    CHECK(rn_logloss_logits(F(1, 0), F(2, -1), 2, &v) == RN_OK);
    CHECK_NEAR(v, (log1p(exp(-2.0)) + log1p(exp(-1.0))) / 2, 1e-15);

    CHECK(rn_rmse(F(1, 2, 3), F(1, 2, 5), 3, &v) == RN_OK);
    CHECK_NEAR(v, sqrt(4.0 / 3), 1e-15);
    CHECK(rn_rmse(F(1, INFINITY), F(1, 2), 2, &v) == RN_ENAN);
    CHECK_STR(rn_error(), "rmse: target 1 is inf: expected a finite number");

    CHECK(rn_accuracy(F(1, 0, 1, 0), F(0.5f, 0.49f, 0.1f, 0.9f), 4, 0.5, &v) == RN_OK);
    CHECK_NEAR(v, 0.5, 1e-15);
    CHECK(rn_accuracy(F(1, 0, 1, 0), F(2, -1, 0.5f, 0), 4, 0.0, &v) == RN_OK);
    CHECK_NEAR(v, 0.75, 1e-15);
}

static void test_rank_by_hand(void)
{
    /* user 0: relevant 30 (rank 3) and 50 (absent); user 1: relevant 1 at the top;
     * user 2: no relevant item, skipped */
    const size_t ro[] = {0, 4, 7, 8}, lo[] = {0, 2, 3, 3};
    const int64_t ranked[] = {10, 20, 30, 40, 1, 2, 3, 5}, rel[] = {50, 30, 1};
    rn_rank_lists L = {3, ro, ranked, lo, rel};
    rn_rank_result r;
    CHECK(rn_rank_metrics(&L, 3, &r) == RN_OK);
    CHECK_NEAR(r.recall, 0.75, 1e-15);
    CHECK_NEAR(r.hit_rate, 1.0, 1e-15);
    /* user 0: DCG 1/log2(4) = 0.5, IDCG 1 + 1/log2(3) */
    CHECK_NEAR(r.ndcg, (0.5 / (1 + 1 / log2(3.0)) + 1) / 2, 1e-15);
    CHECK_NEAR(r.ndcg, 0.6532867981913646, 1e-15);
    CHECK_NEAR(r.mrr, (1.0 / 3 + 1) / 2, 1e-15);
    CHECK(r.n_users == 3 && r.n_used == 2);
    CHECK(rn_rank_metrics(&L, 1, &r) == RN_OK);
    CHECK_NEAR(r.recall, 0.5, 1e-15);
    CHECK_NEAR(r.hit_rate, 0.5, 1e-15);
    CHECK_NEAR(r.ndcg, 0.5, 1e-15);
    CHECK_NEAR(r.mrr, 0.5, 1e-15);
    CHECK(rn_rank_metrics(&L, 0, &r) == RN_OK); /* whole lists */
    CHECK_NEAR(r.mrr, (1.0 / 3 + 1) / 2, 1e-15);
    CHECK_NEAR(r.recall, 0.75, 1e-15);

    const int64_t dup[] = {10, 10, 30, 40, 1, 2, 3, 5};
    L.ranked = dup;
    CHECK(rn_rank_metrics(&L, 2, &r) == RN_EARG);
    CHECK_STR(rn_error(), "rank metrics: user 0: item 10 is twice in the top 2 of the ranked list");
    L.ranked = ranked;
    const size_t bad[] = {0, 4, 3, 8};
    L.rank_off = bad;
    CHECK(rn_rank_metrics(&L, 2, &r) == RN_EARG);
    CHECK_STR(rn_error(), "rank metrics: user 1: ranked offsets decrease (4 then 3)");
    L.rank_off = ro;
    const size_t none[] = {0, 0, 0, 0};
    L.rel_off = none;
    CHECK(rn_rank_metrics(&L, 2, &r) == RN_EARG);
    CHECK_STR(rn_error(), "rank metrics: none of the 3 users has a relevant item");
}

/* ---- scikit-learn fixture --------------------------------------------------- */

static FILE *open_fixture(void)
{
    const char *dir = getenv("RECNOTE_DATA_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/engine/metrics_fixtures/sklearn.txt", dir ? dir : ".");
    FILE *f = fopen(path, "r");
    if (f == NULL) fprintf(stderr, "cannot open %s\n", path);
    return f;
}

static int expect_word(FILE *f, const char *w)
{
    char buf[64];
    return fscanf(f, "%63s", buf) == 1 && strcmp(buf, w) == 0;
}

static void read_floats(FILE *f, const char *name, float *x, size_t n)
{
    CHECK(expect_word(f, name));
    for (size_t i = 0; i < n; i++)
        CHECK(fscanf(f, "%f", &x[i]) == 1);
}

static void test_sklearn_fixture(void)
{
    FILE *f = open_fixture();
    CHECK(f != NULL);
    if (f == NULL) return;
    char line[256];
    CHECK(fgets(line, sizeof line, f) != NULL); /* comment */
    size_t n = 0;
    CHECK(expect_word(f, "n") && fscanf(f, "%zu", &n) == 1 && n == 300);
    float y[300], s[300], p[300];
    int64_t g[300];
    read_floats(f, "labels", y, n);
    read_floats(f, "scores", s, n);
    read_floats(f, "probs", p, n);
    CHECK(expect_word(f, "groups"));
    for (size_t i = 0; i < n; i++) {
        long long v = 0;
        CHECK(fscanf(f, "%lld", &v) == 1);
        g[i] = v;
    }
    double want = 0, got;
    size_t used = 0, extra = 0;
    CHECK(expect_word(f, "auc") && fscanf(f, "%lf", &want) == 1);
    CHECK(rn_auc(y, s, n, &got) == RN_OK);
    CHECK_NEAR(got, want, 1e-9);
    CHECK(got > 0.8);
    rn_gauc_result r;
    CHECK(expect_word(f, "gauc_plain") && fscanf(f, "%lf %zu %zu", &want, &used, &extra) == 3);
    CHECK(rn_gauc(y, s, g, n, 0, &r) == RN_OK);
    CHECK_NEAR(r.value, want, 1e-9);
    CHECK(r.n_used == used && r.n_groups == extra && used == 10);
    CHECK(expect_word(f, "gauc_weighted") && fscanf(f, "%lf %zu %zu", &want, &used, &extra) == 3);
    CHECK(rn_gauc(y, s, g, n, 1, &r) == RN_OK);
    CHECK_NEAR(r.value, want, 1e-9);
    CHECK(r.n_used == used && r.n_rows_used == extra);
    CHECK(expect_word(f, "logloss") && fscanf(f, "%lf", &want) == 1);
    CHECK(rn_logloss(y, p, n, 1e-15, &got) == RN_OK);
    CHECK_NEAR(got, want, 1e-12);
    CHECK(expect_word(f, "rmse") && fscanf(f, "%lf", &want) == 1);
    CHECK(rn_rmse(y, p, n, &got) == RN_OK);
    CHECK_NEAR(got, want, 1e-12);
    CHECK(expect_word(f, "accuracy") && fscanf(f, "%lf", &want) == 1);
    CHECK(rn_accuracy(y, p, n, 0.5, &got) == RN_OK);
    CHECK_NEAR(got, want, 1e-15);

    size_t U = 0, I = 0;
    CHECK(expect_word(f, "users") && fscanf(f, "%zu %zu", &U, &I) == 2 && U == 15 && I == 25);
    size_t ro[16] = {0}, lo[16] = {0};
    int64_t ranked[15 * 25], rel[15 * 25];
    for (size_t u = 0; u < U; u++) {
        CHECK(expect_word(f, "ranked"));
        for (size_t i = 0; i < I; i++) {
            long long v = 0;
            CHECK(fscanf(f, "%lld", &v) == 1);
            ranked[u * I + i] = v;
        }
        ro[u + 1] = (u + 1) * I;
        CHECK(expect_word(f, "relevant"));
        lo[u + 1] = lo[u];
        long long v;
        while (fscanf(f, "%lld", &v) == 1)
            rel[lo[u + 1]++] = v;
    }
    rn_rank_lists L = {U, ro, ranked, lo, rel};
    for (int i = 0; i < 5; i++) {
        size_t k = 0;
        CHECK(expect_word(f, "ndcg") && fscanf(f, "%zu %lf", &k, &want) == 2);
        rn_rank_result rr;
        CHECK(rn_rank_metrics(&L, k, &rr) == RN_OK);
        CHECK_NEAR(rr.ndcg, want, 1e-12);
        CHECK(rr.n_used == 15);
    }
    fclose(f);
}

/* ---- allocation failures ------------------------------------------------------ */

static long fail_at;
static void *failing(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0 && fail_at > 0 && --fail_at == 0) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

static void test_alloc_failures(void)
{
    const float y[] = {1, 0, 0, 0, 1, 1, 1};
    const float s[] = {0.9f, 0.5f, 0.9f, 0.3f, 0.2f, 0.1f, 0.7f};
    const int64_t grp[] = {1, 1, 1, 2, 2, 3, 3};
    const size_t ro[] = {0, 2}, lo[] = {0, 1};
    const int64_t ranked[] = {1, 2}, rel[] = {2};
    rn_rank_lists L = {1, ro, ranked, lo, rel};
    for (long nth = 1; nth <= 3; nth++) {
        double a;
        rn_gauc_result r;
        rn_rank_result rr;
        rn_alloc_set(failing, NULL);
        fail_at = nth;
        int rc1 = rn_auc(y, s, 7, &a);
        fail_at = nth;
        int rc2 = rn_gauc(y, s, grp, 7, 0, &r);
        fail_at = nth;
        int rc3 = rn_rank_metrics(&L, 2, &rr);
        rn_alloc_set(NULL, NULL);
        CHECK(nth > 1 ? rc3 == RN_OK : rc3 == RN_ENOMEM);
        if (nth == 1)
            CHECK_STR(rn_error(), "out of memory allocating 32 bytes for rank metrics scratch");
        CHECK(nth > 2 ? rc2 == RN_OK : rc2 == RN_ENOMEM);
        CHECK(nth > 2 ? rc1 == RN_OK : rc1 == RN_ENOMEM);
    }
}

int main(void)
{
    RUN(test_auc_by_hand);
    RUN(test_auc_errors);
    RUN(test_auc_brute_force);
    RUN(test_gauc_by_hand);
    RUN(test_pointwise);
    RUN(test_rank_by_hand);
    RUN(test_sklearn_fixture);
    RUN(test_alloc_failures);
    return check_report();
}

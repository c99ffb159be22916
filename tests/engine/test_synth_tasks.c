/* The multi-task generators keep their promises: the funnel's conversions
 * happen only after clicks, at the rates of the true probabilities, with the
 * sample selection bias that `shared` sets; MMoE's tasks are correlated as
 * asked; same seed, same rows; bad configs are errors naming the parameter. */
#include "check.h"

#include <math.h>

#include "alloc.h"
#include "data/synth_tasks.h"
#include "error.h"

static const float *col(const rn_dataset *ds, const char *name)
{
    int k = rn_dataset_find(ds, name);
    return k >= 0 ? ds->cols[k].f : NULL;
}

static double pearson(const float *a, const float *b, size_t n)
{
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += (double)a[i] / (double)n;
        mb += (double)b[i] / (double)n;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)a[i] - ma, y = (double)b[i] - mb;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    return sab / sqrt(saa * sbb);
}

/* Mean of true_cvr over the clicked rows, and over all rows. */
static void cvr_means(const rn_dataset *ds, const float *cvr, double *clicked, double *all)
{
    const float *click = col(ds, "click");
    double s1 = 0, s2 = 0;
    size_t n1 = 0;
    for (size_t r = 0; r < ds->n_rows; r++) {
        s2 += (double)cvr[r];
        if (click[r] > 0.5f) {
            s1 += (double)cvr[r];
            n1++;
        }
    }
    *clicked = s1 / (double)n1;
    *all = s2 / (double)ds->n_rows;
}

static void test_funnel(void)
{
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    static float ctr[20000], cvr[20000];
    rn_dataset *ds = rn_synth_funnel(&c, ctr, cvr);
    CHECK(ds != NULL);
    if (ds == NULL) return;
    CHECK(ds->n_rows == 20000 && ds->n_cols == 4);
    CHECK(ds->group == rn_dataset_find(ds, "user"));
    const float *click = col(ds, "click"), *conv = col(ds, "conversion");
    size_t conv_without_click = 0, clicks = 0, convs = 0;
    double mean_ctr = 0, cvr_clicked = 0;
    for (size_t r = 0; r < ds->n_rows; r++) {
        conv_without_click += conv[r] > 0.5f && click[r] < 0.5f;
        clicks += click[r] > 0.5f;
        convs += conv[r] > 0.5f;
        mean_ctr += (double)ctr[r] / (double)ds->n_rows;
        if (click[r] > 0.5f) cvr_clicked += (double)cvr[r];
    }
    CHECK(conv_without_click == 0);
    /* Rates match the true probabilities (binomial std about 0.003 and 0.01). */
    CHECK_NEAR((double)clicks / (double)ds->n_rows, mean_ctr, 0.012);
    CHECK_NEAR((double)convs / (double)clicks, cvr_clicked / (double)clicks, 0.03);
    CHECK(clicks > 2000 && clicks < 8000); /* about a fifth clicks with the defaults */
    rn_dataset_free(ds);
}

static void test_funnel_selection_bias(void)
{
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    static float cvr[20000];
    double clicked, all;
    c.shared = 0.9f;
    rn_dataset *ds = rn_synth_funnel(&c, NULL, cvr);
    cvr_means(ds, cvr, &clicked, &all);
    CHECK(clicked - all > 0.05); /* clickers convert more: clicked rows are a biased sample */
    rn_dataset_free(ds);
    c.shared = 0.0f;
    ds = rn_synth_funnel(&c, NULL, cvr);
    cvr_means(ds, cvr, &clicked, &all);
    CHECK(fabs(clicked - all) < 0.03); /* independent tastes: no bias */
    rn_dataset_free(ds);
}

static void test_multitask_correlation(void)
{
    static const float ps[] = {0.0f, 0.5f, 0.9f, 1.0f};
    double r[4];
    for (int k = 0; k < 4; k++) {
        rn_synth_multitask_config c = rn_synth_multitask_defaults();
        c.correlation = ps[k];
        rn_dataset *ds = rn_synth_multitask(&c);
        CHECK(ds != NULL);
        if (ds == NULL) return;
        CHECK(ds->n_cols == 18 && rn_dataset_find(ds, "x16") == 15);
        r[k] = pearson(col(ds, "y1"), col(ds, "y2"), ds->n_rows);
        rn_dataset_free(ds);
    }
    CHECK(r[0] < r[1] && r[1] < r[2] &&
          r[2] < r[3]); /* more related weights, more correlated labels */
    CHECK(fabs(r[0]) < 0.35);
    CHECK(r[3] > 0.999); /* identical weights: equal labels but for the noise */
}

static void test_multitask_binary(void)
{
    rn_synth_multitask_config c = rn_synth_multitask_defaults();
    c.binary = 1;
    c.rows = 2000;
    rn_dataset *ds = rn_synth_multitask(&c);
    const float *y = col(ds, "y1");
    size_t ones = 0, other = 0;
    for (size_t r = 0; r < ds->n_rows; r++) {
        ones += y[r] == 1.0f;
        other += y[r] != 0.0f && y[r] != 1.0f;
    }
    CHECK(other == 0);
    CHECK(ones > 400 && ones < 1600);
    rn_dataset_free(ds);
}

static void test_seeds(void)
{
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    c.rows = 500;
    float ta[500], tb[500], td[500];
    rn_dataset *a = rn_synth_funnel(&c, ta, NULL), *b = rn_synth_funnel(&c, tb, NULL);
    c.seed = 2;
    rn_dataset *d = rn_synth_funnel(&c, td, NULL);
    int same = 1, differ = 0;
    for (size_t r = 0; r < 500; r++) {
        same &= ta[r] == tb[r];
        differ |= ta[r] != td[r];
    }
    CHECK(same);
    CHECK(differ);
    rn_dataset_free(a);
    rn_dataset_free(b);
    rn_dataset_free(d);
}

static void test_bad_configs(void)
{
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    c.shared = 1.5f;
    CHECK(rn_synth_funnel(&c, NULL, NULL) == NULL);
    CHECK(rn_error_code() == RN_EARG);
    CHECK(strstr(rn_error(), "shared in [-1, 1]") != NULL && strstr(rn_error(), "shared 1.5"));
    rn_synth_multitask_config m = rn_synth_multitask_defaults();
    m.dim = 1;
    CHECK(rn_synth_multitask(&m) == NULL);
    CHECK(strstr(rn_error(), "dim in [2, 4096]") != NULL && strstr(rn_error(), "dim 1,"));
}

/* Failing the nth allocation gives RN_ENOMEM and leaks nothing (ASan). */
static int fail_at, n_allocs;
static void *failing(void *ud, void *ptr, size_t size)
{
    if (size > 0 && ++n_allocs == fail_at) return NULL;
    return rn_alloc_default(ud, ptr, size);
}

static void test_allocation_failures(void)
{
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    c.rows = 50;
    rn_synth_multitask_config m = rn_synth_multitask_defaults();
    m.rows = 50;
    int clean = 1, failures = 0;
    for (fail_at = 1; fail_at < 200; fail_at++) {
        rn_alloc_set(failing, NULL);
        n_allocs = 0;
        rn_dataset *a = rn_synth_funnel(&c, NULL, NULL);
        int code_a = rn_error_code();
        n_allocs = 0;
        rn_dataset *b = rn_synth_multitask(&m);
        int code_b = rn_error_code();
        rn_alloc_set(NULL, NULL);
        if (a == NULL) {
            clean &= code_a == RN_ENOMEM;
            failures++;
        }
        if (b == NULL) {
            clean &= code_b == RN_ENOMEM;
            failures++;
        }
        rn_dataset_free(a);
        rn_dataset_free(b);
        rn_error_clear();
    }
    CHECK(clean);
    CHECK(failures > 20); /* the allocations were really failed */
}

/* The notes' example: ids in the documented order, click rates sigmoid(4),
 * sigmoid(-4), sigmoid(1), sigmoid(-1) for the four pairs. */
static void test_gender_category(void)
{
    rn_dataset *ds = rn_synth_gender_category(40000, 3);
    CHECK(ds != NULL);
    if (ds == NULL) return;
    const rn_column *gender = &ds->cols[rn_dataset_find(ds, "gender")];
    const rn_column *cat = &ds->cols[rn_dataset_find(ds, "category")];
    CHECK_STR(rn_vocab_name(gender->vocab, 1), "male");
    CHECK_STR(rn_vocab_name(gender->vocab, 2), "female");
    CHECK_STR(rn_vocab_name(cat->vocab, 1), "cosmetics");
    CHECK_STR(rn_vocab_name(cat->vocab, 2), "razor");
    double clicks[3][3] = {{0}}, n[3][3] = {{0}};
    const float *click = col(ds, "click");
    for (size_t r = 0; r < ds->n_rows; r++) {
        clicks[gender->ids[r]][cat->ids[r]] += (double)click[r];
        n[gender->ids[r]][cat->ids[r]] += 1;
    }
    /* male = 1, female = 2; cosmetics = 1, razor = 2 */
    CHECK_NEAR(clicks[2][1] / n[2][1], 1 / (1 + exp(-4.0)), 0.02);
    CHECK_NEAR(clicks[1][1] / n[1][1], 1 / (1 + exp(4.0)), 0.02);
    CHECK_NEAR(clicks[1][2] / n[1][2], 1 / (1 + exp(-1.0)), 0.02);
    CHECK_NEAR(clicks[2][2] / n[2][2], 1 / (1 + exp(1.0)), 0.02);
    rn_dataset_free(ds);
}

int main(void)
{
    RUN(test_gender_category);
    RUN(test_funnel);
    RUN(test_funnel_selection_bias);
    RUN(test_multitask_correlation);
    RUN(test_multitask_binary);
    RUN(test_seeds);
    RUN(test_bad_configs);
    RUN(test_allocation_failures);
    return check_report();
}

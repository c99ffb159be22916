/* The content-quality score (quality.h): smoothed conversion rates, one
 * scale for the three components, the weighted sum. */
#include "retrieval/quality.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdlib.h>

rn_quality_cfg rn_quality_defaults(void)
{
    rn_quality_cfg c = {
        0.3, 0.4, 0.3, RN_QUALITY_BETA, 20.0, 1.96, RN_QUALITY_RANK, {365.0, 0.0, 0.5}};
    return c;
}

static int check_counts(double c, double n, const char *fn)
{
    if (!(n >= 0) || !isfinite(n))
        return rn_fail(RN_EARG, "%s: exposures must be finite and >= 0, got %g", fn, n);
    if (!(c >= 0 && c <= n))
        return rn_fail(RN_EARG, "%s: conversions must be in 0..exposures (%g), got %g", fn, n, c);
    return RN_OK;
}

int rn_quality_beta(double c, double n, double a, double b, double *out)
{
    int rc = check_counts(c, n, "quality beta");
    if (rc != RN_OK) return rc;
    if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b))
        return rn_fail(RN_EARG,
                       "quality beta: the prior's a and b must be finite and > 0, got "
                       "%g and %g",
                       a, b);
    *out = (c + a) / (n + a + b);
    return RN_OK;
}

int rn_quality_wilson(double c, double n, double z, double *out)
{
    int rc = check_counts(c, n, "quality wilson");
    if (rc != RN_OK) return rc;
    if (!(z > 0) || !isfinite(z))
        return rn_fail(RN_EARG, "quality wilson: z must be finite and > 0, got %g", z);
    if (n == 0) {
        *out = 0;
        return RN_OK;
    }
    double p = c / n, z2 = z * z;
    double centre = p + z2 / (2 * n);
    double spread = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    *out = fmax(0.0, (centre - spread) / (1 + z2 / n));
    return RN_OK;
}

static const double *sort_x;
static int cmp_idx(const void *a, const void *b)
{
    double x = sort_x[*(const size_t *)a], y = sort_x[*(const size_t *)b];
    return (x > y) - (x < y);
}

int rn_quality_scale(const double *x, size_t n, int how, double *out)
{
    if (n == 0) return RN_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return rn_fail(RN_EARG, "quality scale: value %zu is not finite", i + 1);
    if (how == RN_QUALITY_MINMAX) {
        double lo = x[0], hi = x[0];
        for (size_t i = 1; i < n; i++) {
            lo = fmin(lo, x[i]);
            hi = fmax(hi, x[i]);
        }
        for (size_t i = 0; i < n; i++)
            out[i] = hi > lo ? (x[i] - lo) / (hi - lo) : 0.5;
        return RN_OK;
    }
    if (how != RN_QUALITY_RANK) return rn_fail(RN_EARG, "quality scale: unknown scaling %d", how);
    if (n == 1) {
        out[0] = 0.5;
        return RN_OK;
    }
    size_t *idx = rn_malloc(n * sizeof *idx, "quality ranks");
    if (idx == NULL) return RN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_x = x;
    qsort(idx, n, sizeof *idx, cmp_idx);
    /* ties share the mean of their 0-based ranks, then / (n - 1) */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]])
            j++;
        double r = 0.5 * (double)(i + j) / (double)(n - 1);
        for (size_t m = i; m <= j; m++)
            out[idx[m]] = r;
        i = j + 1;
    }
    rn_free(idx);
    return RN_OK;
}

int rn_quality_score(size_t n, const double *c, const double *e, const double *b,
                     const double *age_days, const rn_quality_cfg *cfg, double *score,
                     double *parts, double *rate)
{
    rn_quality_cfg q = cfg ? *cfg : rn_quality_defaults();
    if (n == 0) return rn_fail(RN_EARG, "quality: no items");
    double wsum = q.w_conversion + q.w_behaviour + q.w_freshness;
    if (!(q.w_conversion >= 0 && q.w_behaviour >= 0 && q.w_freshness >= 0) || !(wsum > 0) ||
        !isfinite(wsum))
        return rn_fail(RN_EARG, "quality: the weights must be finite, >= 0 and not all 0");
    if (q.smoothing == RN_QUALITY_BETA && (!(q.prior_strength > 0) || !isfinite(q.prior_strength)))
        return rn_fail(RN_EARG, "quality: prior_strength must be finite and > 0, got %g",
                       q.prior_strength);
    double C = 0, E = 0;
    for (size_t i = 0; i < n; i++) {
        if (check_counts(c[i], e[i], "quality") != RN_OK)
            return rn_fail(RN_EARG, "quality: item %zu: %s", i + 1, rn_error());
        if (!isfinite(b[i]))
            return rn_fail(RN_EARG, "quality: item %zu: the behaviour score is not finite", i + 1);
        C += c[i];
        E += e[i];
    }
    double *buf = rn_malloc(n * 6 * sizeof *buf, "quality buffers");
    if (buf == NULL) return RN_ENOMEM;
    double *r = buf, *f = buf + n, *sr = buf + 2 * n, *sb = buf + 3 * n, *sf = buf + 4 * n;
    /* the pooled rate, kept inside (0, 1) so the prior's a and b stay > 0 */
    double p = E > 0 ? C / E : 0.5;
    p = fmin(fmax(p, 1e-6), 1 - 1e-6);
    int rc = RN_OK;
    for (size_t i = 0; i < n && rc == RN_OK; i++) {
        if (q.smoothing == RN_QUALITY_BETA)
            rc = rn_quality_beta(c[i], e[i], q.prior_strength * p, q.prior_strength * (1 - p),
                                 &r[i]);
        else if (q.smoothing == RN_QUALITY_WILSON)
            rc = rn_quality_wilson(c[i], e[i], q.z, &r[i]);
        else if (q.smoothing == RN_QUALITY_NONE)
            r[i] = e[i] > 0 ? c[i] / e[i] : 0;
        else
            rc = rn_fail(RN_EARG, "quality: unknown smoothing %d", q.smoothing);
        if (rc == RN_OK && rn_tags_decay(age_days[i], &q.freshness, &f[i]) != RN_OK)
            rc = rn_fail(RN_EARG, "quality: item %zu: %s", i + 1, rn_error());
    }
    if (rc == RN_OK) rc = rn_quality_scale(r, n, q.scaling, sr);
    if (rc == RN_OK) rc = rn_quality_scale(b, n, q.scaling, sb);
    if (rc == RN_OK) rc = rn_quality_scale(f, n, q.scaling, sf);
    if (rc == RN_OK)
        for (size_t i = 0; i < n; i++) {
            score[i] =
                (q.w_conversion * sr[i] + q.w_behaviour * sb[i] + q.w_freshness * sf[i]) / wsum;
            if (parts) {
                parts[3 * i] = sr[i];
                parts[3 * i + 1] = sb[i];
                parts[3 * i + 2] = sf[i];
            }
            if (rate) rate[i] = r[i];
        }
    rn_free(buf);
    return rc;
}

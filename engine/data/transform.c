/* Transforms of numeric columns (dataset.h): standardise, min-max, log1p and
 * drop, with statistics taken from chosen rows only (the training split), so
 * nothing of the validation rows leaks into the features. The notes' §3
 * "特征处理" in code. */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"

static const char *const names[RN_TF_N] = {"standardize", "minmax", "log1p", "drop"};

const char *rn_transform_name(int how)
{
    return how >= 0 && how < RN_TF_N ? names[how] : "?";
}

int rn_transform_from(const char *name)
{
    for (int i = 0; name != NULL && i < RN_TF_N; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

int rn_dataset_transform(rn_dataset *ds, int col, int how, const size_t *rows, size_t start,
                         size_t n, double stats[2])
{
    if (col < 0 || (size_t)col >= ds->n_cols)
        return rn_fail(RN_EARG, "transform: %s has no column %d", ds->source, col);
    rn_column *c = &ds->cols[col];
    if (how < 0 || how >= RN_TF_N) return rn_fail(RN_EARG, "transform: unknown transform %d", how);
    if (c->kind != RN_COL_DENSE)
        return rn_fail(RN_EARG, "transform %s: column '%s' is not a dense (numeric) column",
                       rn_transform_name(how), c->name);
    if (c->dropped)
        return rn_fail(RN_EARG, "transform %s: column '%s' was dropped", rn_transform_name(how),
                       c->name);
    stats[0] = stats[1] = 0;
    if (how == RN_TF_DROP) {
        c->dropped = 1;
        return RN_OK;
    }
    if (how == RN_TF_LOG1P) {
        for (size_t r = 0; r < ds->n_rows; r++)
            if (!(c->f[r] > -1.0f))
                return rn_fail(RN_EARG, "transform log1p: column '%s', row %zu: %g is not > -1",
                               c->name, r + 1, (double)c->f[r]);
        for (size_t r = 0; r < ds->n_rows; r++)
            c->f[r] = (float)log1p((double)c->f[r]);
        c->fill = (float)log1p((double)c->fill);
        c->raw = 0; /* rescaled: now a model input */
        return RN_OK;
    }
    if (n == 0)
        return rn_fail(RN_EARG, "transform %s: no rows to take the statistics from",
                       rn_transform_name(how));
    /* the statistics, in double, over the chosen rows only */
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        size_t r = rows != NULL ? rows[k] : start + k;
        if (r >= ds->n_rows)
            return rn_fail(RN_EARG, "transform: row %zu of %zu", r + 1, ds->n_rows);
        double x = (double)c->f[r];
        if (!isfinite(x))
            return rn_fail(RN_EARG, "transform %s: column '%s', row %zu is not finite",
                           rn_transform_name(how), c->name, r + 1);
        sum += x;
        sq += x * x;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    double a, b; /* x -> (x - a) / b */
    if (how == RN_TF_STANDARDIZE) {
        a = sum / (double)n;
        double var = sq / (double)n - a * a;
        b = var > 0 ? sqrt(var) : 0;
    } else {
        a = lo;
        b = hi - lo;
    }
    if (!(b > 0))
        return rn_fail(RN_EARG, "transform %s: column '%s' is constant on those rows (%g)",
                       rn_transform_name(how), c->name, a);
    for (size_t r = 0; r < ds->n_rows; r++)
        c->f[r] = (float)(((double)c->f[r] - a) / b);
    c->fill = (float)(((double)c->fill - a) / b);
    c->raw = 0;
    stats[0] = a;
    stats[1] = b;
    return RN_OK;
}

int rn_dataset_bucketize(rn_dataset *ds, int col, const double *edges, int n_edges)
{
    if (col < 0 || (size_t)col >= ds->n_cols)
        return rn_fail(RN_EARG, "bucketize: %s has no column %d", ds->source, col);
    rn_column *c = &ds->cols[col];
    if (c->kind != RN_COL_DENSE || c->dropped)
        return rn_fail(RN_EARG, "bucketize: column '%s' is not a dense (numeric) column", c->name);
    if (n_edges < 1 || n_edges > RN_BUCKETIZE_MAX_EDGES)
        return rn_fail(RN_EARG, "bucketize: column '%s': give 1 to %d edges, got %d", c->name,
                       RN_BUCKETIZE_MAX_EDGES, n_edges);
    for (int i = 0; i < n_edges; i++)
        if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1])))
            return rn_fail(RN_EARG,
                           "bucketize: column '%s': the edges must be finite and increasing "
                           "(edge %d is %g)",
                           c->name, i + 1, edges[i]);
    int32_t *ids = rn_malloc((ds->n_rows ? ds->n_rows : 1) * sizeof *ids, "bucket ids");
    rn_vocab *v = rn_vocab_new();
    int rc = ids != NULL && v != NULL ? RN_OK : RN_ENOMEM;
    /* bucket k (1-based id) holds [edge k-1, edge k): names "< e1", "[e1, e2)", ..., ">= en" */
    for (int k = 0; rc == RN_OK && k <= n_edges; k++) {
        char name[96];
        if (k == 0)
            snprintf(name, sizeof name, "< %g", edges[0]);
        else if (k == n_edges)
            snprintf(name, sizeof name, ">= %g", edges[n_edges - 1]);
        else
            snprintf(name, sizeof name, "[%g, %g)", edges[k - 1], edges[k]);
        int32_t id;
        rc = rn_vocab_add(v, name, strlen(name), &id);
    }
    for (size_t r = 0; rc == RN_OK && r < ds->n_rows; r++) {
        double x = (double)c->f[r];
        int lo = 0, hi = n_edges; /* the number of edges <= x */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (edges[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        ids[r] = (int32_t)lo + 1;
    }
    if (rc != RN_OK) {
        rn_free(ids);
        rn_vocab_free(v);
        return rc;
    }
    rn_free(c->f);
    c->f = NULL;
    c->ids = ids;
    c->vocab = v;
    c->vocab_of = -1;
    c->kind = RN_COL_CAT;
    c->raw = 0;
    c->cardinality = n_edges + 2; /* id 0 stays the "missing" id of every CAT column */
    return RN_OK;
}

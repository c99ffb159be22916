/* Synthetic multi-task data: an ESMM funnel and MMoE's correlated tasks (see
 * synth_tasks.h for the generating processes). */
#include "synth_tasks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../rng.h"

#define MAX_ROWS ((size_t)100000000)

rn_synth_funnel_config rn_synth_funnel_defaults(void)
{
    rn_synth_funnel_config c = {20000, 500, 300, 4, 2.0f, -1.5f, -1.0f, 0.5f, 1};
    return c;
}

rn_synth_multitask_config rn_synth_multitask_defaults(void)
{
    rn_synth_multitask_config c = {20000, 16, 0.5f, 10, 1.0f, 0, 1};
    return c;
}

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* n vectors of dim standard normals, row-major; NULL with RN_ENOMEM. */
static float *normals(rn_rng *g, size_t n, int dim, const char *what)
{
    float *v = rn_malloc(n * (size_t)dim * sizeof *v, what);
    if (v != NULL)
        for (size_t k = 0; k < n * (size_t)dim; k++)
            v[k] = rn_rng_normal(g);
    return v;
}

static double dot(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int d = 0; d < dim; d++)
        s += (double)a[d] * (double)b[d];
    return s;
}

/* Adds the columns named in names (kinds in kinds); indices into idx. */
static int add_columns(rn_dataset *ds, const char *const *names, const int *kinds, int n, int *idx)
{
    for (int k = 0; k < n; k++) {
        idx[k] = rn_dataset_add_column(ds, names[k], kinds[k], 0);
        if (idx[k] < 0) return idx[k];
    }
    return RN_OK;
}

static int push_name(rn_column *c, char prefix, int id)
{
    char s[24];
    int n = snprintf(s, sizeof s, "%c%d", prefix, id);
    return rn_col_push_text(c, s, (size_t)n);
}

rn_dataset *rn_synth_funnel(const rn_synth_funnel_config *c, float *true_ctr, float *true_cvr)
{
    if (c->rows < 1 || c->rows > MAX_ROWS || c->users < 1 || c->users > 10000000 || c->items < 1 ||
        c->items > 10000000 || c->dim < 1 || c->dim > 1024 ||
        !(c->shared >= -1.0f && c->shared <= 1.0f) || !isfinite(c->scale) ||
        !isfinite(c->ctr_bias) || !isfinite(c->cvr_bias)) {
        rn_fail(RN_EARG,
                "synthetic funnel: rows in [1, %zu], users and items in [1, 1e7], dim in "
                "[1, 1024], shared in [-1, 1] and finite scale and biases expected (got rows "
                "%zu, users %d, items %d, dim %d, shared %g)",
                MAX_ROWS, c->rows, c->users, c->items, c->dim, (double)c->shared);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    float *a = normals(&g, (size_t)c->users, c->dim, "funnel user click vectors");
    float *b = normals(&g, (size_t)c->items, c->dim, "funnel item click vectors");
    float *cu = normals(&g, (size_t)c->users, c->dim, "funnel user conversion vectors");
    float *di = normals(&g, (size_t)c->items, c->dim, "funnel item conversion vectors");
    rn_dataset *ds = a && b && cu && di ? rn_dataset_new("synthetic funnel") : NULL;
    if (ds != NULL) {
        /* Conversion tastes share a part `shared` with click tastes. */
        double share = (double)c->shared, keep = sqrt(1.0 - share * share);
        for (size_t k = 0; k < (size_t)c->users * (size_t)c->dim; k++)
            cu[k] = (float)(share * (double)a[k] + keep * (double)cu[k]);
        for (size_t k = 0; k < (size_t)c->items * (size_t)c->dim; k++)
            di[k] = (float)(share * (double)b[k] + keep * (double)di[k]);
        static const char *const names[] = {"user", "item", "click", "conversion"};
        static const int kinds[] = {RN_COL_CAT, RN_COL_CAT, RN_COL_LABEL, RN_COL_LABEL};
        int col[4];
        int rc = add_columns(ds, names, kinds, 4, col);
        if (rc == RN_OK) rc = rn_dataset_set_group(ds, "user");
        double norm = (double)c->scale / sqrt((double)c->dim);
        for (size_t r = 0; r < c->rows && rc == RN_OK; r++) {
            int u = (int)rn_rng_below(&g, (uint64_t)c->users);
            int i = (int)rn_rng_below(&g, (uint64_t)c->items);
            const float *au = a + (size_t)u * c->dim, *bi = b + (size_t)i * c->dim;
            const float *cuu = cu + (size_t)u * c->dim, *dii = di + (size_t)i * c->dim;
            double ctr = sigmoid(norm * dot(au, bi, c->dim) + (double)c->ctr_bias);
            double cvr = sigmoid(norm * dot(cuu, dii, c->dim) + (double)c->cvr_bias);
            int click = (double)rn_rng_uniform(&g) < ctr;
            int conv = click && (double)rn_rng_uniform(&g) < cvr;
            rn_column *cols = ds->cols;
            if ((rc = push_name(&cols[col[0]], 'u', u + 1)) ||
                (rc = push_name(&cols[col[1]], 'i', i + 1)) ||
                (rc = rn_col_push_float(&cols[col[2]], (float)click)) ||
                (rc = rn_col_push_float(&cols[col[3]], (float)conv)))
                break;
            if (true_ctr != NULL) true_ctr[r] = (float)ctr;
            if (true_cvr != NULL) true_cvr[r] = (float)cvr;
            rc = rn_dataset_end_row(ds);
        }
        if (rc != RN_OK) {
            rn_dataset_free(ds);
            ds = NULL;
        }
    }
    rn_free(a);
    rn_free(b);
    rn_free(cu);
    rn_free(di);
    return ds;
}

rn_dataset *rn_synth_multitask(const rn_synth_multitask_config *c)
{
    if (c->rows < 1 || c->rows > MAX_ROWS || c->dim < 2 || c->dim > 4096 || c->sines < 0 ||
        c->sines > 1000 || !(c->correlation >= -1.0f && c->correlation <= 1.0f) ||
        !(c->scale > 0.0f) || !isfinite(c->scale)) {
        rn_fail(RN_EARG,
                "synthetic multitask: rows in [1, %zu], dim in [2, 4096], sines in [0, 1000], "
                "correlation in [-1, 1] and a positive scale expected (got rows %zu, dim %d, "
                "sines %d, correlation %g, scale %g)",
                MAX_ROWS, c->rows, c->dim, c->sines, (double)c->correlation, (double)c->scale);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    int D = c->dim;
    float *u = normals(&g, 2, D, "multitask basis");
    float *ab = normals(&g, (size_t)(c->sines > 0 ? c->sines : 1), 2, "multitask sines");
    float *w = rn_malloc(2 * (size_t)D * sizeof *w, "multitask weights");
    float *x = rn_malloc((size_t)D * sizeof *x, "multitask inputs");
    rn_dataset *ds = u && ab && w && x ? rn_dataset_new("synthetic multitask") : NULL;
    int rc = ds ? RN_OK : RN_ENOMEM;
    if (ds != NULL) {
        /* Gram-Schmidt: u1, u2 orthonormal. */
        double n1 = sqrt(dot(u, u, D));
        for (int d = 0; d < D; d++)
            u[d] = (float)((double)u[d] / n1);
        double p12 = dot(u, u + D, D);
        for (int d = 0; d < D; d++)
            u[D + d] = (float)((double)u[D + d] - p12 * (double)u[d]);
        double n2 = sqrt(dot(u + D, u + D, D));
        for (int d = 0; d < D; d++)
            u[D + d] = (float)((double)u[D + d] / n2);
        double p = (double)c->correlation, q = sqrt(1.0 - p * p), sc = (double)c->scale;
        for (int d = 0; d < D; d++) {
            w[d] = (float)(sc * (double)u[d]);
            w[D + d] = (float)(sc * (p * (double)u[d] + q * (double)u[D + d]));
        }
        for (int d = 0; d < D && rc == RN_OK; d++) {
            char name[16];
            snprintf(name, sizeof name, "x%d", d + 1);
            int k = rn_dataset_add_column(ds, name, RN_COL_DENSE, 0);
            if (k < 0) rc = k;
        }
        int y1 = rc == RN_OK ? rn_dataset_add_column(ds, "y1", RN_COL_LABEL, 0) : rc;
        int y2 = y1 >= 0 ? rn_dataset_add_column(ds, "y2", RN_COL_LABEL, 0) : y1;
        if (y2 < 0) rc = y2;
        for (size_t r = 0; r < c->rows && rc == RN_OK; r++) {
            for (int d = 0; d < D; d++)
                x[d] = rn_rng_normal(&g);
            double y[2];
            for (int k = 0; k < 2; k++) {
                double z = dot(w + (size_t)k * D, x, D);
                double s = z;
                for (int j = 0; j < c->sines; j++)
                    s += sin((double)ab[2 * j] * z + (double)ab[2 * j + 1]);
                y[k] = s + 0.01 * (double)rn_rng_normal(&g);
                if (c->binary) y[k] = y[k] > 0;
            }
            for (int d = 0; d < D && rc == RN_OK; d++)
                rc = rn_col_push_float(&ds->cols[d], x[d]);
            if (rc == RN_OK) rc = rn_col_push_float(&ds->cols[y1], (float)y[0]);
            if (rc == RN_OK) rc = rn_col_push_float(&ds->cols[y2], (float)y[1]);
            if (rc == RN_OK) rc = rn_dataset_end_row(ds);
        }
        if (rc != RN_OK) {
            rn_dataset_free(ds);
            ds = NULL;
        }
    }
    rn_free(u);
    rn_free(ab);
    rn_free(w);
    rn_free(x);
    return ds;
}

rn_dataset *rn_synth_gender_category(size_t rows, uint64_t seed)
{
    if (rows < 1 || rows > MAX_ROWS) {
        rn_fail(RN_EARG, "gender x category example: rows in [1, %zu] expected, got %zu", MAX_ROWS,
                rows);
        return NULL;
    }
    static const char *const genders[] = {"male", "female"};
    static const char *const categories[] = {"cosmetics", "razor"};
    static const float v_gender[2][2] = {{1, -1}, {-1, 1}};
    static const float v_category[2][2] = {{-2, 2}, {0.5f, -0.5f}};
    rn_dataset *ds = rn_dataset_new("the notes' gender x category example");
    if (ds == NULL) return NULL;
    static const char *const names[] = {"gender", "category", "click"};
    static const int kinds[] = {RN_COL_CAT, RN_COL_CAT, RN_COL_LABEL};
    int col[3];
    int rc = add_columns(ds, names, kinds, 3, col);
    /* Ids in the documented order, whatever the rows draw first. */
    for (int k = 0; k < 2 && rc == RN_OK; k++) {
        int32_t id;
        rc = rn_vocab_add(ds->cols[col[0]].vocab, genders[k], strlen(genders[k]), &id);
        if (rc == RN_OK)
            rc = rn_vocab_add(ds->cols[col[1]].vocab, categories[k], strlen(categories[k]), &id);
    }
    rn_rng g;
    rn_rng_seed(&g, seed);
    for (size_t r = 0; r < rows && rc == RN_OK; r++) {
        int a = (int)rn_rng_below(&g, 2), b = (int)rn_rng_below(&g, 2);
        double z = (double)(v_gender[a][0] * v_category[b][0] + v_gender[a][1] * v_category[b][1]);
        int click = (double)rn_rng_uniform(&g) < sigmoid(z);
        rn_column *cols = ds->cols;
        if ((rc = rn_col_push_text(&cols[col[0]], genders[a], strlen(genders[a]))) ||
            (rc = rn_col_push_text(&cols[col[1]], categories[b], strlen(categories[b]))) ||
            (rc = rn_col_push_float(&cols[col[2]], (float)click)))
            break;
        rc = rn_dataset_end_row(ds);
    }
    if (rc != RN_OK) {
        rn_dataset_free(ds);
        return NULL;
    }
    return ds;
}

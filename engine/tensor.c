/* Tensors, id arrays and parameter sets (see tensor.h). */
#include "tensor.h"
#include "alloc.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

size_t rn_shape_count(int ndim, const int *shape)
{
    if (ndim < 1 || ndim > RN_MAX_DIMS) return 0;
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 1 || n > RN_MAX_ELEMENTS / (size_t)shape[i]) return 0;
        n *= (size_t)shape[i];
    }
    return n;
}

int rn_shape_equal(const rn_tensor *a, const rn_tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

char *rn_shape_str(const rn_tensor *t, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < t->ndim && k < size; i++) {
        int w = snprintf(buf + k, size - k, i ? "x%d" : "%d", t->shape[i]);
        if (w < 0) break;
        k += (size_t)w;
    }
    return buf;
}

static int check_shape(int ndim, const int *shape)
{
    if (ndim < 1 || ndim > RN_MAX_DIMS)
        return rn_fail(RN_ESHAPE, "a tensor has 1 to %d dimensions, got %d", RN_MAX_DIMS, ndim);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 1)
            return rn_fail(RN_ESHAPE, "dimension %d of a tensor must be at least 1, got %d", i + 1,
                           shape[i]);
    double asked = 1;
    char dims[80];
    int at = 0;
    for (int i = 0; i < ndim; i++) {
        asked *= shape[i];
        if (at < (int)sizeof dims)
            at += snprintf(dims + at, sizeof dims - (size_t)at, "%s%d", i ? "x" : "", shape[i]);
    }
    if (asked > (double)RN_TENSOR_MAX_ELEMENTS)
        return rn_fail(RN_ESHAPE,
                       "a tensor of shape %s would hold %.0f elements (%.1f GB); the cap is %zu "
                       "elements (1 GiB of float32)",
                       dims, asked, asked * 4 / 1e9, RN_TENSOR_MAX_ELEMENTS);
    return RN_OK;
}

rn_tensor *rn_tensor_new(int ndim, const int *shape)
{
    if (check_shape(ndim, shape) != RN_OK) return NULL;
    rn_tensor *t = rn_calloc(1, sizeof *t, "a tensor");
    if (t == NULL) return NULL;
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->n = rn_shape_count(ndim, shape);
    t->data = rn_calloc(t->n, sizeof(float), "tensor data");
    if (t->data == NULL) {
        rn_free(t);
        return NULL;
    }
    return t;
}

rn_tensor *rn_tensor_from(int ndim, const int *shape, const float *data)
{
    rn_tensor *t = rn_tensor_new(ndim, shape);
    if (t != NULL) memcpy(t->data, data, t->n * sizeof(float));
    return t;
}

rn_tensor *rn_tensor_clone(const rn_tensor *t)
{
    return rn_tensor_from(t->ndim, t->shape, t->data);
}

static void tensor_release(rn_tensor *t)
{
    if (t->sparse != NULL) {
        rn_free(t->sparse->rows);
        rn_free(t->sparse->touched);
        rn_free(t->sparse);
    }
    rn_free(t->name);
    rn_free(t->grad);
    rn_free(t->data);
    rn_free(t);
}

void rn_tensor_free(rn_tensor *t)
{
    if (t == NULL || (t->flags & (RN_T_PARAM | RN_T_ARENA))) return;
    tensor_release(t);
}

int rn_tensor_require_grad(rn_tensor *t)
{
    if (t->flags & RN_T_ARENA)
        return rn_fail(RN_ESTATE, "an intermediate tensor cannot be given its own gradient");
    if (t->grad == NULL) {
        t->grad = rn_calloc(t->n, sizeof(float), "a gradient");
        if (t->grad == NULL) return RN_ENOMEM;
    }
    t->flags |= RN_T_GRAD;
    return RN_OK;
}

void rn_tensor_zero_grad(rn_tensor *t)
{
    if (t->grad == NULL) return;
    if (t->sparse != NULL) {
        size_t D = t->n / (size_t)t->shape[0];
        for (size_t i = 0; i < t->sparse->n_rows; i++) {
            int64_t r = t->sparse->rows[i];
            memset(t->grad + (size_t)r * D, 0, D * sizeof(float));
            t->sparse->touched[r] = 0;
        }
        t->sparse->n_rows = 0;
        return;
    }
    memset(t->grad, 0, t->n * sizeof(float));
}

void rn_tensor_fill(rn_tensor *t, float value)
{
    for (size_t i = 0; i < t->n; i++)
        t->data[i] = value;
}

void rn_tensor_uniform(rn_tensor *t, rn_rng *g, float lo, float hi)
{
    for (size_t i = 0; i < t->n; i++)
        t->data[i] = lo + (hi - lo) * rn_rng_uniform(g);
}

void rn_tensor_normal(rn_tensor *t, rn_rng *g, float mean, float std)
{
    for (size_t i = 0; i < t->n; i++)
        t->data[i] = mean + std * rn_rng_normal(g);
}

/* ---- id arrays ------------------------------------------------------------- */

rn_ids *rn_ids_new(int dtype, int ndim, const int *shape)
{
    if (dtype != RN_I32 && dtype != RN_I64) {
        rn_fail(RN_EARG, "ids are int32 or int64, got dtype %d", dtype);
        return NULL;
    }
    if (ndim < 1 || ndim > 2) {
        rn_fail(RN_ESHAPE, "ids have 1 or 2 dimensions, got %d", ndim);
        return NULL;
    }
    if (check_shape(ndim, shape) != RN_OK) return NULL;
    rn_ids *ids = rn_calloc(1, sizeof *ids, "ids");
    if (ids == NULL) return NULL;
    ids->ndim = ndim;
    ids->dtype = dtype;
    ids->shape[0] = shape[0];
    ids->shape[1] = ndim == 2 ? shape[1] : 1;
    ids->n = rn_shape_count(ndim, shape);
    ids->data = rn_calloc(ids->n, dtype == RN_I32 ? 4 : 8, "id data");
    if (ids->data == NULL) {
        rn_free(ids);
        return NULL;
    }
    return ids;
}

void rn_ids_free(rn_ids *ids)
{
    if (ids == NULL) return;
    rn_free(ids->data);
    rn_free(ids);
}

/* ---- parameters ------------------------------------------------------------ */

struct rn_params {
    rn_tensor **items;
    size_t n, cap;
};

rn_params *rn_params_new(void)
{
    return rn_calloc(1, sizeof(rn_params), "a parameter set");
}

void rn_params_free(rn_params *ps)
{
    if (ps == NULL) return;
    for (size_t i = 0; i < ps->n; i++)
        tensor_release(ps->items[i]);
    rn_free(ps->items);
    rn_free(ps);
}

rn_tensor *rn_params_find(const rn_params *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->items[i]->name, name) == 0) return ps->items[i];
    return NULL;
}

static rn_tensor *param_add(rn_params *ps, const char *name, int ndim, const int *shape, int sparse)
{
    if (name == NULL || name[0] == '\0') {
        rn_fail(RN_EARG, "a parameter needs a non-empty name");
        return NULL;
    }
    if (rn_params_find(ps, name) != NULL) {
        rn_fail(RN_EARG, "a parameter named '%s' already exists", name);
        return NULL;
    }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        rn_tensor **items = rn_realloc(ps->items, cap * sizeof *items, "a parameter list");
        if (items == NULL) return NULL;
        ps->items = items;
        ps->cap = cap;
    }
    rn_tensor *t = rn_tensor_new(ndim, shape);
    if (t == NULL) return NULL;
    t->name = rn_strdup(name);
    if (t->name == NULL || rn_tensor_require_grad(t) != RN_OK) goto fail;
    if (sparse) {
        t->sparse = rn_calloc(1, sizeof *t->sparse, "a sparse gradient");
        if (t->sparse == NULL) goto fail;
        t->sparse->rows = rn_malloc((size_t)shape[0] * sizeof(int64_t), "touched rows");
        t->sparse->touched = rn_calloc((size_t)shape[0], 1, "touched flags");
        if (t->sparse->rows == NULL || t->sparse->touched == NULL) goto fail;
        t->flags |= RN_T_SPARSE;
    }
    t->flags |= RN_T_PARAM;
    ps->items[ps->n++] = t;
    return t;
fail:
    tensor_release(t);
    return NULL;
}

rn_tensor *rn_param_new(rn_params *ps, const char *name, int ndim, const int *shape)
{
    return param_add(ps, name, ndim, shape, 0);
}

rn_tensor *rn_param_table(rn_params *ps, const char *name, int rows, int dim)
{
    int shape[2] = {rows, dim};
    return param_add(ps, name, 2, shape, 1);
}

size_t rn_params_count(const rn_params *ps)
{
    return ps->n;
}

rn_tensor *rn_params_at(const rn_params *ps, size_t i)
{
    return i < ps->n ? ps->items[i] : NULL;
}

size_t rn_params_size(const rn_params *ps)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->n; i++)
        n += ps->items[i]->n;
    return n;
}

void rn_params_zero_grad(rn_params *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        rn_tensor_zero_grad(ps->items[i]);
}

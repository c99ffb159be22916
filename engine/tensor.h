/* Tensors, id arrays and named parameters.
 *
 * A tensor is float32, contiguous (row-major), with 1 to 4 dimensions. It is
 * either persistent (rn_tensor_new: the caller frees it with rn_tensor_free)
 * or a step intermediate made by an op in a graph's arena (autograd.h: valid
 * until rn_graph_reset, never freed by hand).
 *
 * A tensor that requires gradients carries a grad array of the same shape.
 * Persistent tensors accumulate into it (+=) across backward passes until
 * rn_tensor_zero_grad; intermediates get a fresh zeroed grad in each backward.
 *
 * A parameter is a persistent tensor with a name ("deep.0.weight") held by a
 * parameter set (rn_params), which owns it. An embedding table may be made
 * sparse: its gradient is still stored densely, but backward records which
 * rows it touched, and optimizers and zero_grad visit only those rows, so a
 * step costs what the batch touches, not what the table holds.
 *
 * Id arrays (rn_ids) hold int32 or int64 row ids (1 or 2 dims) beside tensors.
 */
#ifndef RN_TENSOR_H
#define RN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define RN_MAX_DIMS 4

enum {
    RN_T_GRAD = 1u << 0,   /* requires (and, if persistent, holds) a gradient */
    RN_T_PARAM = 1u << 1,  /* a named parameter owned by an rn_params */
    RN_T_SPARSE = 1u << 2, /* a row-sparse gradient (embedding table) */
    RN_T_ARENA = 1u << 3,  /* lives in a graph's arena */
};

/* Rows of a sparse-gradient table touched since the last zero_grad. */
typedef struct {
    int64_t *rows; /* n_rows distinct row indices, in first-touch order */
    size_t n_rows;
    unsigned char *touched; /* one flag per table row */
} rn_touched;

typedef struct rn_tensor {
    float *data; /* n floats */
    float *grad; /* n floats, or NULL when no gradient is held */
    size_t n;    /* number of elements: product of the shape */
    int ndim;    /* 1..RN_MAX_DIMS */
    int shape[RN_MAX_DIMS];
    unsigned flags;           /* RN_T_* */
    char *name;               /* parameters only, else NULL */
    rn_touched *sparse;       /* sparse-gradient tables only, else NULL */
    unsigned long generation; /* arena tensors: the graph step that made them */
} rn_tensor;

/* ---- persistent tensors ---------------------------------------------------- */

/* A zero-filled tensor of ndim dims. Caller frees with rn_tensor_free. NULL
 * with RN_ESHAPE (bad ndim or a dim < 1) or RN_ENOMEM. */
rn_tensor *rn_tensor_new(int ndim, const int *shape);

/* A tensor holding a copy of n = product(shape) floats from data. */
rn_tensor *rn_tensor_from(int ndim, const int *shape, const float *data);

/* A persistent copy of t's data and shape (no gradient). Caller frees. */
rn_tensor *rn_tensor_clone(const rn_tensor *t);

/* Frees a persistent tensor (NULL is fine). Parameters belong to their
 * rn_params and arena tensors to their graph: passing one is ignored. */
void rn_tensor_free(rn_tensor *t);

/* Gives a persistent tensor a zeroed gradient array (no-op if it has one).
 * RN_ESTATE for an arena tensor, RN_ENOMEM on failure. */
int rn_tensor_require_grad(rn_tensor *t);

/* Zeroes t's gradient: all of it, or only the touched rows of a sparse table
 * (and forgets them). */
void rn_tensor_zero_grad(rn_tensor *t);

/* Fills with value / uniform in [lo, hi) / normal(mean, std) from g. */
void rn_tensor_fill(rn_tensor *t, float value);
void rn_tensor_uniform(rn_tensor *t, rn_rng *g, float lo, float hi);
void rn_tensor_normal(rn_tensor *t, rn_rng *g, float mean, float std);

/* Writes the shape as "2x3x4" into buf (always terminated); returns buf. */
char *rn_shape_str(const rn_tensor *t, char *buf, size_t size);

/* Tensors hold at most this many elements (so int index arithmetic in the
 * kernels cannot overflow): 2^31 - 1, 8 GiB of floats. */
#define RN_MAX_ELEMENTS ((size_t)2147483647)

/* The cap the constructors (rn_tensor_new, rn_ids_new, parameters) enforce
 * before allocating: 2^28 elements, 1 GiB of float32, the same bound as a
 * whole model (model.c), so that a typo such as {40000, 40000} is an error
 * naming the shape instead of 6.4 GB allocated. Views and arena tensors
 * made from existing tensors are never larger than what was allowed here. */
#define RN_TENSOR_MAX_ELEMENTS ((size_t)1 << 28)

/* Product of shape[0..ndim); 0 when ndim is out of range, a dim < 1 or the
 * product exceeds RN_MAX_ELEMENTS. */
size_t rn_shape_count(int ndim, const int *shape);

/* Nonzero when a and b have the same ndim and dims. */
int rn_shape_equal(const rn_tensor *a, const rn_tensor *b);

/* ---- id arrays ------------------------------------------------------------- */

enum { RN_I32 = 1, RN_I64 = 2 };

typedef struct {
    void *data; /* n int32_t or int64_t */
    size_t n;
    int ndim; /* 1 or 2 */
    int shape[2];
    int dtype; /* RN_I32 or RN_I64 */
} rn_ids;

/* Zero-filled ids of dtype and shape (1 or 2 dims). Caller frees. */
rn_ids *rn_ids_new(int dtype, int ndim, const int *shape);
void rn_ids_free(rn_ids *ids);

/* Element i as int64 (i < n). */
static inline int64_t rn_ids_get(const rn_ids *ids, size_t i)
{
    return ids->dtype == RN_I32 ? (int64_t)((const int32_t *)ids->data)[i]
                                : ((const int64_t *)ids->data)[i];
}

static inline void rn_ids_set(rn_ids *ids, size_t i, int64_t v)
{
    if (ids->dtype == RN_I32)
        ((int32_t *)ids->data)[i] = (int32_t)v;
    else
        ((int64_t *)ids->data)[i] = v;
}

/* ---- parameters ------------------------------------------------------------ */

typedef struct rn_params rn_params;

/* An empty parameter set. Caller frees with rn_params_free, which frees every
 * parameter in it. */
rn_params *rn_params_new(void);
void rn_params_free(rn_params *ps);

/* A new zero-filled parameter with a gradient, owned by ps. The name must be
 * unique in ps (RN_EARG names the duplicate). Borrowed: valid until
 * rn_params_free. NULL on error. */
rn_tensor *rn_param_new(rn_params *ps, const char *name, int ndim, const int *shape);

/* An embedding table (rows x dim) with a row-sparse gradient. */
rn_tensor *rn_param_table(rn_params *ps, const char *name, int rows, int dim);

/* The parameter called name, or NULL (no error recorded). */
rn_tensor *rn_params_find(const rn_params *ps, const char *name);

/* The number of parameters, and the i-th in creation order (borrowed). */
size_t rn_params_count(const rn_params *ps);
rn_tensor *rn_params_at(const rn_params *ps, size_t i);

/* The total number of scalars in all parameters. */
size_t rn_params_size(const rn_params *ps);

/* Zeroes every parameter's gradient (only touched rows of sparse tables). */
void rn_params_zero_grad(rn_params *ps);

#endif

/* Rows of CTR data as the models read them: a batch, or a whole in-memory set.
 *
 * One struct serves both: a data set of n rows is a batch with n rows, and a
 * training batch is filled from it by rn_batch_gather (a copy of the chosen
 * rows into arrays allocated once at the batch's capacity, so a warm step
 * allocates nothing). Every array is row-major:
 *
 *   sparse  n x n_fields   int32 ids; field f's ids lie in [0, cardinality[f])
 *                          (id 0 may mean "missing": it is an ordinary row)
 *   dense   n x n_dense    float features
 *   seq     n x seq_len    int32 item ids of a behaviour sequence, oldest
 *                          first, left-aligned then padded with 0
 *   mask    n x seq_len    1 for a real item, 0 for padding
 *   labels  n x n_tasks    float labels in [0, 1]
 *   group   n              int64 group (user) per row, or NULL
 *
 * An array whose width is 0 is NULL. The sequence's item ids share the
 * embedding table of one sparse field (the candidate item, the model's
 * seq_field), so they lie in that field's range.
 *
 * The data engineer's columnar rn_dataset (engine/data/dataset.h) fills one of
 * these through rn_gather_ids / rn_gather_float / rn_gather_seq per column.
 */
#ifndef RN_MODELS_BATCH_H
#define RN_MODELS_BATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;   /* rows held */
    size_t cap; /* rows allocated */
    int n_fields, n_dense, seq_len, n_tasks;
    int32_t *sparse; /* n x n_fields */
    float *dense;    /* n x n_dense */
    int32_t *seq;    /* n x seq_len */
    float *mask;     /* n x seq_len */
    float *labels;   /* n x n_tasks */
    int64_t *group;  /* n, or NULL */
} rn_batch;

/* A zero-filled batch of cap rows (n = cap) with the given widths (each >= 0,
 * n_tasks >= 1) and a group column when with_group is nonzero. Caller frees
 * with rn_batch_free. NULL with RN_EARG (a bad width) or RN_ENOMEM. */
rn_batch *rn_batch_new(size_t cap, int n_fields, int n_dense, int seq_len, int n_tasks,
                       int with_group);
void rn_batch_free(rn_batch *b);

/* Copies rows[0..n) of src into dst (dst->n = n). The widths must agree and n
 * must fit dst's capacity (RN_ESHAPE / RN_EARG naming them); each row index
 * must be < src->n (RN_EARG). */
int rn_batch_gather(rn_batch *dst, const rn_batch *src, const size_t *rows, size_t n);

/* Rows [start, start + n) of src as a borrowed view (no copy): valid while src
 * lives. start + n must not exceed src->n. */
rn_batch rn_batch_view(const rn_batch *src, size_t start, size_t n);

#endif

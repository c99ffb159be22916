/* Rows of CTR samples as the models read them: a batch, or a whole in-memory
 * set (rn_samples; the name rn_batch belongs to dataset.h's batch slicer).
 *
 * One struct serves both: a data set of n rows is a batch with n rows, and a
 * training batch is filled from it by rn_samples_gather (a copy of the chosen
 * rows into arrays allocated once at the batch's capacity, so a warm step
 * allocates nothing). Every array is row-major:
 *
 *   sparse  n x n_fields   int32 ids; field f's ids lie in [0, cardinality[f])
 *                          (id 0 may mean "missing": it is an ordinary row)
 *   dense   n x n_dense    float features
 *   seq     n x seq_len x n_seq
 *                          int32 ids of a behaviour sequence, oldest first,
 *                          left-aligned then padded with 0: position t of
 *                          row i holds n_seq behaviour features (item id,
 *                          category id, ...) at seq[(i * seq_len + t) * n_seq + s]
 *   mask    n x seq_len    1 for a real behaviour, 0 for padding (one mask for
 *                          all the features of a position)
 *   labels  n x n_tasks    float labels in [0, 1]
 *   group   n              int64 group (user) per row, or NULL
 *   bag     n x bag_len    int32 ids of a weighted sparse bag (the features of
 *                          a libsvm or libffm row: any number per row),
 *                          left-aligned then padded with id 0
 *   bag_val n x bag_len    each id's value x (0 for padding)
 *   bag_fld n x bag_len    each id's field (libffm), or NULL
 *
 * An array whose width is 0 is NULL. Each behaviour feature s shares the
 * embedding table of one sparse field (the candidate's item id, its
 * category, ...: the model's seq_fields[s]), so its ids lie in that field's
 * range. seq_of[s] says which field that is when the data knows it (a
 * generator, a data set's history columns), else -1: a model then reads
 * the features in order. With n_seq = 1 the layout is the single history
 * of n x seq_len ids.
 *
 * The columnar rn_dataset (engine/data/dataset.h) fills one of these through
 * rn_samples_from_dataset (from_dataset.h).
 */
#ifndef RN_MODELS_BATCH_H
#define RN_MODELS_BATCH_H

#include <stddef.h>
#include <stdint.h>

/* Behaviour features per history position, at most. */
#define RN_SEQ_MAX_FEATURES 8

typedef struct {
    size_t n;   /* rows held */
    size_t cap; /* rows allocated */
    int n_fields, n_dense, seq_len, n_tasks;
    int32_t *sparse; /* n x n_fields */
    float *dense;    /* n x n_dense */
    int n_seq;       /* behaviour features per position (1 when seq_len > 0, else 0) */
    int seq_of[RN_SEQ_MAX_FEATURES]; /* the sparse field feature s shares, or -1 (unknown) */
    int32_t *seq;    /* n x seq_len x n_seq */
    float *mask;     /* n x seq_len */
    float *labels;   /* n x n_tasks */
    int64_t *group;  /* n, or NULL */
    int bag_len;     /* width of the sparse bag (0: none; rn_samples_add_bag) */
    int32_t *bag;    /* n x bag_len */
    float *bag_val;  /* n x bag_len */
    int32_t *bag_fld; /* n x bag_len, or NULL (libsvm: no fields) */
} rn_samples;

/* A zero-filled batch of cap rows (n = cap) with the given widths (each >= 0,
 * n_tasks >= 1) and a group column when with_group is nonzero. Caller frees
 * with rn_samples_free. NULL with RN_EARG (a bad width) or RN_ENOMEM. */
rn_samples *rn_samples_new(size_t cap, int n_fields, int n_dense, int seq_len, int n_tasks,
                           int with_group);
void rn_samples_free(rn_samples *b);

/* As rn_samples_new with n_seq (1..RN_SEQ_MAX_FEATURES) behaviour features per
 * history position (ignored when seq_len is 0); seq_of all -1. RN_EARG naming a
 * bad width. */
rn_samples *rn_samples_new_seq(size_t cap, int n_fields, int n_dense, int seq_len, int n_seq,
                               int n_tasks, int with_group);

/* An empty batch of cap rows with src's widths, its sparse bag's and
 * behaviour features (seq_of) included (a group column when with_group).
 * NULL with RN_EARG / RN_ENOMEM. */
rn_samples *rn_samples_like(const rn_samples *src, size_t cap, int with_group);

/* Gives b a zero-filled sparse bag of bag_len (1..65536) entries per row (b
 * must have none yet), with a field per entry when with_fields. RN_EARG,
 * RN_ENOMEM. */
int rn_samples_add_bag(rn_samples *b, int bag_len, int with_fields);

/* Copies rows[0..n) of src into dst (dst->n = n). The widths must agree and n
 * must fit dst's capacity (RN_ESHAPE / RN_EARG naming them); each row index
 * must be < src->n (RN_EARG). */
int rn_samples_gather(rn_samples *dst, const rn_samples *src, const size_t *rows, size_t n);

/* Rows [start, start + n) of src as a borrowed view (no copy): valid while src
 * lives. start + n must not exceed src->n. */
rn_samples rn_samples_view(const rn_samples *src, size_t start, size_t n);

#endif
